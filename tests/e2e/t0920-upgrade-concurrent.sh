#!/usr/bin/env bash
# t0920 — an upgrade with several instances (docs/deployment.md, "Upgrades"): a database at schema
# 0006 (the migrations 0001–0006 of this engine applied by hand, with data), the write lock held by
# another session while three `tracker serve` start at once on it. All three wait (none listens while
# the lock is held), then all come up and answer /healthz; the schema is at the latest version; the
# data written at 0006 was carried over (0007 fills items.start_date); and the migration ran exactly
# once: on PostgreSQL an event trigger counts, with a sequence (which no rollback undoes), every DDL
# command anyone attempted, and the count must equal that of one instance started alone on another
# copy of the old database; on SQLite a second run of 0007 would fail on its ALTER TABLE ADD COLUMN and
# that instance would not start. Then a `db init` that waits for the lock while another session
# (standing for a newer tracker) records a version above ours refuses, and leaves that version alone.
# Runs on both engines.
source "$(dirname "$0")/lib.sh"
PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'rc=$?; set +e; trap - ERR; stop_all; (exit $rc); e2e_cleanup' EXIT
require_command serve
command -v curl >/dev/null || skip "curl is not installed"

dir=$SRCDIR/schema/$E2E_ENGINE
LATEST=$(find "$dir" -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
[[ $LATEST -ge 7 ]] || fail "expected at least 7 migrations in $dir, found $LATEST"
OLD=6
# The database at schema 0006, as a tracker of that version left it: its migrations in one
# transaction with the version recorded, and an incident with two items (one closed).
{
	echo 'BEGIN;'
	for n in $(seq -f '%04g' 1 $OLD); do cat "$dir/${n}_"*.sql; done
	if [[ $E2E_ENGINE == postgresql ]]; then
		echo "CREATE TABLE tracker_schema (version integer NOT NULL); INSERT INTO tracker_schema VALUES ($OLD);"
	else
		echo "PRAGMA user_version = $OLD;"
	fi
	cat <<'SQL'
INSERT INTO incidents (id, title, date, source, source_hash, imported_at)
  VALUES ('INC-2026-01-05-1', 'Old incident', '2026-01-05', '/pm/old.md', 'h', '2026-01-06T10:00:00Z');
INSERT INTO items (incident_id, key, position, line, action, owners, owner, due, priority, status,
                   base_action, base_status, created_at, updated_at, closed_at)
  VALUES ('INC-2026-01-05-1', '1', 1, 10, 'Add an alert', '["ann"]', 'ann', '2026-02-01', 0, 'open',
          'Add an alert', 'open', '2026-01-06T10:00:00Z', '2026-01-06T10:00:00Z', NULL),
         ('INC-2026-01-05-1', '2', 2, 11, 'Fix the pool', '["bob"]', 'bob', '2026-01-20', 1, 'done',
          'Fix the pool', 'done', '2026-01-06T10:00:00Z', '2026-01-10T12:00:00Z', '2026-01-10T12:00:00Z');
COMMIT;
SQL
} >"$TMP/old.sql"
# make_old TARGET: the old database, and on PostgreSQL the counter of DDL attempts (by anyone,
# committed or not: a sequence is not rolled back).
make_old() {
	PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 -d "$1" -f "$TMP/old.sql" >/dev/null
	dbq --db "$1" "CREATE SEQUENCE ddl_attempts;
CREATE FUNCTION count_ddl() RETURNS event_trigger LANGUAGE plpgsql AS \$\$
BEGIN
  PERFORM nextval('ddl_attempts');
END \$\$;
CREATE EVENT TRIGGER count_ddl ON ddl_command_start EXECUTE FUNCTION count_ddl();" >/dev/null
}
# serve_alone TARGET: one instance started on TARGET until it listens, then stopped.
serve_alone() {
	local pid
	"$TRACKER_BIN" --db "$1" serve --listen 127.0.0.1:0 2>"$TMP/alone.log" &
	pid=$!
	for _ in $(seq 200); do grep -q 'http: listening on' "$TMP/alone.log" && break; sleep 0.05; done
	kill -TERM "$pid"
	wait "$pid" || fail "serve alone on the old database: $(cat "$TMP/alone.log")"
	grep -q 'http: listening on' "$TMP/alone.log" || fail "serve alone did not come up: $(cat "$TMP/alone.log")"
}
if [[ $E2E_ENGINE == postgresql ]]; then
	# The reference: the DDL commands of one upgrade, by one instance alone.
	REF=$(new_db reference)
	make_old "$REF"
	serve_alone "$REF"
	ONCE=$(dbq --db "$REF" 'SELECT last_value FROM ddl_attempts')
	[[ $ONCE -ge 3 ]] || fail "one upgrade from $OLD ran $ONCE DDL commands (0007 alone has 3)"
	make_old "$DB"
else
	# A tracker database is in WAL mode from its first open.
	sqlite3 -batch "$DB" 'PRAGMA journal_mode = WAL;' >/dev/null
	sqlite3 -batch "$DB" <"$TMP/old.sql"
	chmod 600 "$DB"
fi
version() {
	if [[ $E2E_ENGINE == postgresql ]]; then dbq 'SELECT version FROM tracker_schema'; else dbq 'PRAGMA user_version'; fi
}
assert_eq "$OLD" "$(version)" "the old database's schema version"
assert_rc 4 t list
assert_file_match "$TMP/err" "needs upgrading to $LATEST" "a read-only command on the old schema"

# Another session holds the write lock; three instances start meanwhile.
db_hold_write_lock "$DB" 3 "$TMP/locked" &
HOLD=$!
PIDS+=("$HOLD")
for _ in $(seq 100); do [[ -f $TMP/locked ]] && break; sleep 0.05; done
[[ -f $TMP/locked ]] || fail "could not take the write lock"
for i in 1 2 3; do
	"$TRACKER_BIN" --db "$DB" serve --listen 127.0.0.1:0 2>"$TMP/i$i.log" &
	PIDS+=($!)
done
sleep 1.5
for i in 1 2 3; do
	kill -0 "${PIDS[$i]}" 2>/dev/null || fail "instance $i exited while the lock was held: $(cat "$TMP/i$i.log")"
	assert_file_no_match "$TMP/i$i.log" 'listening on' "instance $i's log while another session held the write lock"
done
assert_eq "$OLD" "$(version)" "the schema version while the lock is held"
wait "$HOLD"

for i in 1 2 3; do
	for _ in $(seq 200); do
		grep -q 'http: listening on' "$TMP/i$i.log" && break
		kill -0 "${PIDS[$i]}" 2>/dev/null || break
		sleep 0.05
	done
	addr=$(sed -n 's/^tracker serve: http: listening on \(.*\)$/\1/p' "$TMP/i$i.log" | head -1)
	[[ -n $addr ]] || fail "instance $i did not come up: $(cat "$TMP/i$i.log")"
	assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/healthz")" "instance $i's /healthz"
done
assert_eq "$LATEST" "$(version)" "the schema version after the upgrade"
assert_eq "2026-01-05|2026-01-05" "$(dbq "SELECT min(start_date), max(start_date) FROM items")" "items.start_date filled by 0007"
assert_eq 2 "$(t list --all --format json | json_len)" "the items written at schema $OLD"
if [[ $E2E_ENGINE == postgresql ]]; then
	assert_eq "$ONCE" "$(dbq 'SELECT last_value FROM ddl_attempts')" "DDL commands attempted by three instances (one alone: $ONCE)"
	note "the upgrade from $OLD to $LATEST ran $ONCE DDL commands, once"
	dbq 'DROP EVENT TRIGGER count_ddl' >/dev/null
fi
for i in 1 2 3; do
	kill -TERM "${PIDS[$i]}"
	rc=0
	wait "${PIDS[$i]}" || rc=$?
	assert_eq 0 "$rc" "instance $i's exit status after SIGTERM: $(tail -3 "$TMP/i$i.log")"
	assert_file_no_match "$TMP/i$i.log" 'error|failed|locked' "instance $i's log"
done
PIDS=()

# A tracker that waits for the lock while a newer tracker migrates further must not record its own
# (older) version over the newer one: it re-reads the version under the lock and refuses.
NEWER=$((LATEST + 1))
OLDDB=$(new_db waiter)
if [[ $E2E_ENGINE == postgresql ]]; then
	make_old "$OLDDB"
	printf '%s\n' 'BEGIN;' 'SELECT pg_advisory_xact_lock(8391162236016554497);' "\\! touch '$TMP/locked2'" \
		'SELECT pg_sleep(2);' "UPDATE tracker_schema SET version = $NEWER;" 'COMMIT;' |
		"$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 -d "$OLDDB" -f - >/dev/null &
else
	sqlite3 -batch "$OLDDB" 'PRAGMA journal_mode = WAL;' >/dev/null
	sqlite3 -batch "$OLDDB" <"$TMP/old.sql"
	chmod 600 "$OLDDB"
	"$PY" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(2)
c.execute("PRAGMA user_version = %d" % int(sys.argv[3]))
c.execute("COMMIT")' "$OLDDB" "$TMP/locked2" "$NEWER" &
fi
HOLD=$!
PIDS+=("$HOLD")
for _ in $(seq 100); do [[ -f $TMP/locked2 ]] && break; sleep 0.05; done
[[ -f $TMP/locked2 ]] || fail "could not take the write lock on the second database"
assert_rc 4 "$TRACKER_BIN" --db "$OLDDB" db init
wait "$HOLD"
PIDS=()
assert_file_match "$TMP/err" "database schema version $NEWER is newer than this tracker knows \($LATEST\)" \
	"db init that waited while a newer tracker migrated"
if [[ $E2E_ENGINE == postgresql ]]; then v=$(dbq --db "$OLDDB" 'SELECT version FROM tracker_schema'); else v=$(dbq --db "$OLDDB" 'PRAGMA user_version'); fi
assert_eq "$NEWER" "$v" "the newer tracker's version, kept"
echo "1 passed, 0 failed"
