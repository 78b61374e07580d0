#!/usr/bin/env bash
# t0870-db-copy: `tracker db copy` round-trips a store SQLite → PostgreSQL → SQLite with identical
# row counts and checksums per table, and `tracker list --all --format json` is the same on all
# three. The store comes from importing the bench corpus generator's post-mortems, plus people, a
# token, a feed, changes and an outbox row so every table has rows. Also: the password comes from
# $PGPASSFILE or [store] password_file and is never printed, a URL holding one is refused; a non-empty
# target is refused (and left alone) unless --force; a missing PostgreSQL database, a wrong password,
# a missing source, a copy onto itself and a bad command line each get their message and exit code. Needs PostgreSQL ($TRACKER_TEST_PG, which CI
# sets): skipped without it. Makes its own databases and drops them on exit.
source "$(dirname "$0")/lib.sh"

[[ -n ${TRACKER_TEST_PG:-} ]] || skip "needs PostgreSQL: set \$TRACKER_TEST_PG (contrib/pg-cluster.sh)"
command -v psql >/dev/null || skip "no psql"

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
admin() { "${PSQL[@]}" "$TRACKER_TEST_PG dbname=postgres" -c "$1" >/dev/null; }
pgq() { "${PSQL[@]}" -tA "$TRACKER_TEST_PG dbname=$1" -c "$2"; }
PGDBS=()
copy_cleanup() {
	local d
	for d in "${PGDBS[@]}"; do admin "DROP DATABASE IF EXISTS $d WITH (FORCE)" || true; done
}
trap 'rc=$?; copy_cleanup; (exit $rc); e2e_cleanup' EXIT

# A fresh database NAME owned by the password role tracker_pw (contrib/pg-cluster.sh makes it);
# not in a subshell, so that the cleanup knows it.
new_pg_db() {
	PGDBS+=("$1")
	admin "DROP DATABASE IF EXISTS $1"
	admin "CREATE DATABASE $1 OWNER tracker_pw"
}
[[ $(pgq postgres "SELECT count(*) FROM pg_roles WHERE rolname = 'tracker_pw'") == 1 ]] ||
	fail "the cluster has no role tracker_pw (start it with contrib/pg-cluster.sh)"
PGHOST_=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$TRACKER_TEST_PG")
PGPORT_=$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"$TRACKER_TEST_PG")
[[ -n $PGHOST_ && -n $PGPORT_ ]] || fail "cannot read host= and port= from \$TRACKER_TEST_PG"
SECRET=tracker-test-pw
url() { # DB [USERINFO]
	echo "postgresql://${2:-tracker_pw}@/$1?host=$PGHOST_&port=$PGPORT_"
}

# ---- the source: the bench corpus imported into SQLite, and a row in every table ----
A=$TMP/a.db
"$BUILDDIR/tests/bench_gen" "$TMP/corpus" 150 7 >/dev/null
assert_rc 0 "$TRACKER_BIN" --db "$A" import "$TMP/corpus"
ta() { "$TRACKER_BIN" --db "$A" "$@"; }
ta people add alice --email alice@example.com --name "Alice O'Neil" --tz Europe/Paris >/dev/null
ta people add bob --email bob@example.com --manager alice >/dev/null
ta token create --name ci >/dev/null
ta token create --name viewer --read-only >/dev/null
ta feed create --scope owner:alice --name "Alice's items" >/dev/null
items=$(ta list --all --format json | json_py '" ".join(i["id"] for i in d[:6])')
read -r i1 i2 i3 _ <<<"$items"
ta "done" "$i1" --note "fixed — for good" >/dev/null
ta set "$i2" status=blocked owner=bob >/dev/null
ta snooze "$i3" --until 2030-01-01 >/dev/null
sqlite3 "$A" "INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, next_attempt_at,
	created_at, updated_at) VALUES ('email', 'alice@example.com', 'overdue', 'k-1', '{\"items\":[1]}',
	'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
	INSERT INTO reminders_sent (item_id, kind, channel, recipient, local_date, at, outbox_id)
	VALUES (1, 'overdue', 'email', 'alice@example.com', '2026-01-01', '2026-01-01T00:00:00Z', 1);
	INSERT INTO sessions (sid_hash, token_id, created_at, expires) VALUES ('s', 1, 'x', 1);
	INSERT INTO action_nonces (nonce, action, item_id, expires, used_at) VALUES ('n', 'done', 1, 1, 'x');
	UPDATE incidents SET rekeyed_to = (SELECT max(id) FROM incidents)
	 WHERE id = (SELECT min(id) FROM incidents);
	INSERT INTO sources (name, repo, branch, last_commit, synced_at, syncs)
	VALUES ('docs', 'https://example.com/pm.git', 'main', 'c0ffee', '2026-01-03T00:00:00Z', 3);
	INSERT INTO event_origins (source, commit_id, author, subject, committed_at)
	VALUES ('docs', 'c0ffee', 'Ann <ann@example.com>', 'Merge fix', '2026-01-02T00:00:00Z');
	INSERT INTO source_deliveries (source, delivery, provider, received_at)
	VALUES ('docs', 'd-1', 'github', '2026-01-03T00:00:00Z');
	INSERT INTO source_own_commits (source, commit_id, made_at) VALUES ('docs', 'beef', 'x');
	INSERT INTO source_history (source, first_commit, first_path, last_commit, path, incident_id,
	 replayed_at) VALUES ('docs', 'c0ffee', 'a.md', 'c0ffee', 'a.md', (SELECT min(id) FROM incidents), 'x')"

# The table lines of a copy's output: "table rows sha256".
sums() { awk 'NR > 2 && $1 != "total" {print $1, $2, $3}' "$1"; }

# ---- SQLite → PostgreSQL, the password from $PGPASSFILE ----
printf '*:*:*:tracker_pw:%s\n' "$SECRET" >"$TMP/pgpass"
printf '*:*:*:tracker_pw:not-the-%s\n' "$SECRET" >"$TMP/bad-pgpass"
chmod 600 "$TMP/pgpass" "$TMP/bad-pgpass"
export PGPASSFILE=$TMP/pgpass
B=t0870_$$_b
new_pg_db "$B"
# Not in the URL: other users can read the command line.
assert_rc 2 "$TRACKER_BIN" db copy "$A" "$(url "$B" "tracker_pw:$SECRET")"
assert_file_match "$TMP/err" "db copy: the TO URL holds a password"
assert_file_no_match "$TMP/err" "$SECRET"
assert_rc 0 "$TRACKER_BIN" db copy "$A" "$(url "$B")"
cp "$TMP/out" "$TMP/ab.out"
assert_file_match "$TMP/ab.out" "^copied $A to postgresql $B on .* \\(schema [0-9]+\\)$"
assert_file_match "$TMP/ab.out" "^total +[0-9]+ +row counts and checksums of the copy match the source$"
assert_file_no_match "$TMP/ab.out" "$SECRET"
assert_file_no_match "$TMP/err" "$SECRET"
[[ $(sums "$TMP/ab.out" | wc -l) -eq 15 ]] || fail "expected 15 tables in: $(cat "$TMP/ab.out")"
if sums "$TMP/ab.out" | awk '$2 == 0 {bad = 1} END {exit !bad}'; then
	fail "a table was copied empty: every table should have rows: $(cat "$TMP/ab.out")"
fi
# What PostgreSQL holds is what SQLite held.
assert_eq "$(sqlite3 "$A" "SELECT count(*) FROM items")" "$(pgq "$B" "SELECT count(*) FROM items")" "items in B"
assert_eq "$(sqlite3 "$A" "SELECT group_concat(id || ':' || action || ':' || status, '|') FROM (SELECT * FROM items ORDER BY id)")" \
	"$(pgq "$B" "SELECT string_agg(id || ':' || action || ':' || status, '|' ORDER BY id) FROM items")" "items' text in B"
# The planner knows what was loaded (db copy ends with ANALYZE on PostgreSQL), without waiting for
# autovacuum: the tables have been analyzed and their statistics are there.
assert_eq 0 "$(pgq "$B" "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('incidents', 'items', 'events') AND last_analyze IS NULL")" \
	"tables of B not analyzed after the copy"
[[ $(pgq "$B" "SELECT count(*) FROM pg_stats WHERE tablename = 'items'") -gt 0 ]] || fail "no planner statistics for items in B"

# ---- PostgreSQL → SQLite, the password from [store] password_file ----
printf '[store]\npassword_file = %s\n' "$TMP/pgpass" >"$TMP/config.ini"
C=$TMP/c.db
unset PGPASSFILE
assert_rc 0 "$TRACKER_BIN" --config "$TMP/config.ini" db copy "$(url "$B")" "$C"
cp "$TMP/out" "$TMP/bc.out"
assert_file_match "$TMP/bc.out" "^copied postgresql $B on .* to $C "
assert_file_no_match "$TMP/bc.out" "$SECRET"
assert_eq "$(sums "$TMP/ab.out")" "$(sums "$TMP/bc.out")" "checksums SQLite → PostgreSQL → SQLite"
# ...and SQLite → SQLite gives them too (the checksum does not depend on the engine).
assert_rc 0 "$TRACKER_BIN" db copy "$C" "$TMP/d.db"
assert_eq "$(sums "$TMP/ab.out")" "$(sums "$TMP/out")" "checksums of a SQLite → SQLite copy"

# The tracker shows the same items from all three.
ta list --all --format json >"$TMP/list-a.json"
"$TRACKER_BIN" --db "$C" list --all --format json >"$TMP/list-c.json"
assert_same_file "$TMP/list-a.json" "$TMP/list-c.json" "list --all from the SQLite copy"
[[ $(json_len <"$TMP/list-a.json") -gt 500 ]] || fail "expected the corpus's items in list --all"
if PGPASSFILE=$TMP/pgpass "$TRACKER_BIN" --db "$(url "$B")" list --all --format json >"$TMP/list-b.json" 2>"$TMP/list-b.err"; then
	assert_same_file "$TMP/list-a.json" "$TMP/list-b.json" "list --all from PostgreSQL"
elif grep -q "not yet available on PostgreSQL" "$TMP/list-b.err"; then
	note "list on PostgreSQL not merged yet: $(cat "$TMP/list-b.err")"
else
	fail "list --all on PostgreSQL: $(cat "$TMP/list-b.err")"
fi
# The events are still append-only in the copy.
if sqlite3 "$C" "DELETE FROM events" 2>/dev/null; then fail "events of the copy can be deleted"; fi

# ---- a non-empty target: refused and untouched, replaced with --force ----
before=$(pgq "$B" "SELECT count(*) FROM events")
ta set "$i2" status=open >/dev/null
export PGPASSFILE=$TMP/pgpass
assert_rc 1 "$TRACKER_BIN" db copy "$A" "$(url "$B")"
assert_file_match "$TMP/err" "postgresql $B on .* is not empty \\(.*items [0-9]+.*\\); add --force"
assert_eq "$before" "$(pgq "$B" "SELECT count(*) FROM events")" "events in B after the refusal"
assert_rc 0 "$TRACKER_BIN" db copy --force "$A" "$(url "$B")"
assert_file_match "$TMP/out" "^replaced the [0-9]+ rows postgresql $B on .* held \\(--force\\)$"
assert_eq "$((before + 1))" "$(pgq "$B" "SELECT count(*) FROM events")" "events in B after --force"
assert_eq "" "$(pgq "$B" "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'")" \
	"disabled triggers left in B"
# A new id continues after the copied ones.
assert_eq "$(pgq "$B" "SELECT max(id) + 1 FROM api_tokens")" \
	"$(pgq "$B" "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ('n', 'h', 'x') RETURNING id")" \
	"the next api_tokens id in B"
assert_rc 0 "$TRACKER_BIN" db copy -f "$A" "$C"
assert_file_match "$TMP/out" "^replaced the "

# ---- errors ----
assert_rc 4 "$TRACKER_BIN" db copy "$A" "$(url "t0870_$$_missing")"
assert_file_match "$TMP/err" "database \"t0870_$$_missing\" does not exist on .*createdb"
PGPASSFILE=$TMP/bad-pgpass assert_rc 4 "$TRACKER_BIN" db copy "$A" "$(url "$B")"
assert_file_match "$TMP/err" "refused the password for user \"tracker_pw\""
assert_file_no_match "$TMP/err" "$SECRET"
assert_rc 4 "$TRACKER_BIN" db copy "$TMP/nothing.db" "$TMP/e.db"
assert_file_match "$TMP/err" "no database at $TMP/nothing.db"
[[ ! -e $TMP/e.db ]] || fail "a failed copy created its target"
assert_rc 2 "$TRACKER_BIN" db copy "$A" "$A"
assert_file_match "$TMP/err" "cannot copy a database onto itself"
assert_rc 2 "$TRACKER_BIN" db copy "$A"
assert_file_match "$TMP/err" "db copy: expected FROM and TO"
assert_rc 0 "$TRACKER_BIN" db copy -h
assert_file_match "$TMP/out" "^usage: tracker db init"

note "copied $(awk '$1 == "total" {print $2}' "$TMP/ab.out") rows SQLite → PostgreSQL → SQLite with the same checksums"
