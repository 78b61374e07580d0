#!/usr/bin/env bash
# t0950 — the backups of docs/deployment.md, taken while `tracker serve` runs, restored and found
# whole. SQLite: `sqlite3 DB ".backup FILE"`, the database (and its -wal/-shm) deleted, the backup
# copied into its place. PostgreSQL: `pg_dump -Fc`, `pg_restore --no-owner --exit-on-error` into a new,
# empty database. Each time: the same rows (db_dump), the same `list --all` and feeds, the same schema
# version, a feed token made before the backup answers 200 from a server on the restored database,
# and the restored database takes writes (identity sequences restored on PostgreSQL).
source "$(dirname "$0")/lib.sh"
SERVE=''
trap 'rc=$?; set +e; trap - ERR; [[ -z $SERVE ]] || { kill "$SERVE"; wait "$SERVE"; }; (exit $rc); e2e_cleanup' EXIT
require_command serve
command -v curl >/dev/null || skip "curl is not installed"

t import "$SRCDIR/contrib/examples" >/dev/null
t set 'INC-2026-09-21-112#2' status=done >/dev/null
FEED=$(t feed create --scope all 2>/dev/null | sed -n 's|^\(/feeds/[A-Za-z0-9_-]*\.ics\)$|\1|p')
[[ -n $FEED ]] || fail "no feed path printed"
t list --all --format json >"$TMP/list.before"
t feed list >"$TMP/feeds.before"
[[ $(json_len <"$TMP/list.before") -ge 5 ]] || fail "the examples gave fewer than 5 items"

# serve_on TARGET: a server on TARGET; sets SERVE and ADDR.
serve_on() {
	: >"$TMP/serve.log"
	"$TRACKER_BIN" --db "$1" serve --listen 127.0.0.1:0 2>"$TMP/serve.log" &
	SERVE=$!
	for _ in $(seq 200); do grep -q 'http: listening on' "$TMP/serve.log" && break; sleep 0.05; done
	ADDR=$(sed -n 's/^tracker serve: http: listening on \(.*\)$/\1/p' "$TMP/serve.log" | head -1)
	[[ -n $ADDR ]] || fail "serve did not start on $1: $(cat "$TMP/serve.log")"
}
stop_serve() {
	kill -TERM "$SERVE"
	wait "$SERVE" || fail "serve exited $? on SIGTERM: $(cat "$TMP/serve.log")"
	SERVE=
}

# The backup is taken online, while an instance serves (and holds its connections open).
serve_on "$DB"
assert_eq 200 "$(curl -s -o "$TMP/feed.before" -w '%{http_code}' "http://$ADDR$FEED")" "the feed before the backup"
if [[ $E2E_ENGINE == sqlite ]]; then
	sqlite3 -batch "$DB" ".backup '$TMP/backup.db'"
	stop_serve
	db_dump "$DB" >"$TMP/dump.before"
	# The disk is lost; the backup is put back (as the service's user, mode 0600: docs/deployment.md).
	rm -f -- "$DB" "$DB-wal" "$DB-shm"
	install -m 0600 "$TMP/backup.db" "$DB"
	assert_eq ok "$(dbq 'PRAGMA integrity_check')" "the restored file's integrity check"
	RESTORED=$DB
else
	"$PGBIN/pg_dump" -Fc -d "$DB" -f "$TMP/backup.dump"
	stop_serve
	db_dump "$DB" >"$TMP/dump.before"
	RESTORED=$(new_db restored)
	"$PGBIN/pg_restore" --no-owner --exit-on-error -d "$RESTORED" "$TMP/backup.dump"
fi
[[ -s $TMP/dump.before ]] || fail "empty dump of the original"
db_dump "$RESTORED" >"$TMP/dump.after"
assert_same_file "$TMP/dump.before" "$TMP/dump.after" "the restored database's rows"
"$TRACKER_BIN" --db "$RESTORED" list --all --format json >"$TMP/list.after"
assert_same_file "$TMP/list.before" "$TMP/list.after" "list --all on the restored database"
"$TRACKER_BIN" --db "$RESTORED" feed list >"$TMP/feeds.after"
assert_same_file "$TMP/feeds.before" "$TMP/feeds.after" "feed list on the restored database"
assert_eq 'done' "$("$TRACKER_BIN" --db "$RESTORED" show 'INC-2026-09-21-112#2' --format json | json_py 'd["status"]')" \
	"a change made before the backup"

serve_on "$RESTORED"
assert_eq 200 "$(curl -s -o "$TMP/feed.after" -w '%{http_code}' "http://$ADDR$FEED")" "the old feed token on the restored database"
assert_file_match "$TMP/feed.after" '^BEGIN:VCALENDAR' "the restored feed"
stop_serve
# Writes go on where they left off (new rows get new ids: the sequences came back too).
"$TRACKER_BIN" --db "$RESTORED" token create --name after-restore >/dev/null 2>&1
"$TRACKER_BIN" --db "$RESTORED" feed create --scope all >/dev/null 2>&1
assert_eq 2 "$("$TRACKER_BIN" --db "$RESTORED" feed list | grep -c 'all')" "a feed made after the restore"
echo "1 passed, 0 failed"
