#!/usr/bin/env bash
# t0800 — a typo in the database path fails loudly: every command that does not create a database
# (reads, and writers other than import / people add / people import / db init) says
# "no database at PATH", exits 4 and makes neither the file nor its directory — whether the path comes
# from --db, $TRACKER_DB or [store] path. The creators create it (and its directory, mode 0600).
. "$(dirname "$0")/lib.sh"
require_sqlite "a typo in a database file path; a missing PostgreSQL database is its own message"

bad=$TMP/typo/dir/tracker.db
expect_missing() { # LABEL CMD...
	local label=$1
	shift
	run "$@"
	[[ $RC == 4 ]] || fail "$label: exit $RC, want 4 (stdout: $(cat "$TMP/out"); stderr: $(cat "$TMP/err"))"
	grep -qF "no database at $bad (run \`tracker import\` first, or check --db / \$TRACKER_DB)" "$TMP/err" ||
		fail "$label: message: $(cat "$TMP/err")"
	[[ ! -e $TMP/typo ]] || fail "$label: created $TMP/typo"
}
b() { "$TRACKER_BIN" --db "$bad" "$@"; }

n=0
while read -r line; do
	# shellcheck disable=SC2086 # word splitting of the argument list is meant
	expect_missing "$line" b $line
	n=$((n + 1))
done <<'EOL'
list
list --format json
show INC-1#1
incidents
stats
report INC-1
ical
set INC-1#1 status=done
done INC-1#1
reopen INC-1#1
snooze INC-1#1 --until 2099-01-01
writeback INC-1
people list
people show ann
people unmapped
people remove ann
feed list
feed create --scope all
feed revoke 1
token list
token create --name ci
outbox list
remind --dry-run
remind
EOL

# The same through $TRACKER_DB and through [store] path.
TRACKER_DB=$bad expect_missing "TRACKER_DB list" "$TRACKER_BIN" list
printf '[store]\npath = %s\n' "$bad" >"$TMP/store.ini"
expect_missing "[store] path stats" "$TRACKER_BIN" --config "$TMP/store.ini" stats

# The long-running commands refuse too, before listening.
expect_missing "http" b http --listen 127.0.0.1:0
printf '[smtp]\nurl = smtp://127.0.0.1:1\nfrom = t@example.org\nstarttls = off\n' >"$TMP/serve.ini"
expect_missing "serve" "$TRACKER_BIN" --db "$bad" --config "$TMP/serve.ini" serve

# The creators: import, people add, people import, db init.
cat >"$TMP/pm.md" <<'EOM'
# Post-Mortem: Creation

**Incident ID:** INC-2026-03-01-001

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Fix it | @ann | 2026-03-10 | P1 | Open |
EOM
printf 'handle,email\nann,ann@example.org\n' >"$TMP/people.csv"
for how in "import $TMP/pm.md" "people add ann --email ann@example.org" "people import $TMP/people.csv" "db init"; do
	rm -rf "$TMP/typo"
	# shellcheck disable=SC2086
	run b $how
	[[ $RC == 0 ]] || fail "$how: exit $RC: $(cat "$TMP/err")"
	[[ -f $bad ]] || fail "$how did not create $bad"
	[[ $(stat -c %a "$bad") == 600 ]] || fail "$how: mode $(stat -c %a "$bad")"
	n=$((n + 1))
done
# db init on an existing database changes nothing and says so; list now reads the empty database.
run b db init
assert_file_match "$TMP/out" "^up to date: $bad \\(schema [0-9]+\\)$" "db init again"
run b db path
assert_file_match "$TMP/out" "^$bad$" "db path"
rm -rf "$TMP/typo"
run b db path
assert_file_match "$TMP/out" "missing" "db path of a missing file"
[[ ! -e $TMP/typo ]] || fail "db path created the file"
echo "$((n + 5)) passed, 0 failed"
