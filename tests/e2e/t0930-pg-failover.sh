#!/usr/bin/env bash
# t0930 — fault test 3 of issue 12: a PostgreSQL failover under two `tracker serve` instances.
#
# Two private clusters (contrib/pg-cluster.sh for the primary A, pg_basebackup -R for the streaming
# standby B, synchronous so that a commit the primary acknowledged is on the standby; Unix sockets in a
# temporary directory), both instances on the multi-host target `host=A,B … target_session_attrs=
# read-write` (one in the URL form, one as key=value). Checks, in order:
#  1. waking: the instances sleep (nothing due); `tracker import` from another process commits
#     overdue items, and its NOTIFY wakes them — the reminders go out within seconds, not at the next
#     hourly pass; an item changed through instance 1's API shows in instance 2's cached feed at once;
#  2. failover during a pass: the SMTP sink is slow (0.1 s a message; the lease, 8 s, outlasts a batch), so the pass is sending when the
#     primary is stopped (immediate) and the standby promoted; meanwhile /healthz says 503, the API and
#     the feed answer 503 with Retry-After (never an empty list or a stale feed);
#  3. the instances reconnect to the new primary and finish: /healthz 200 "postgresql writable" again,
#     every recipient gets its reminder (a repeat only for a send in flight at the switch, with the
#     same Message-ID; the count is printed), every outbox row ends sent, the outage is logged once per
#     instance and /metrics counts the reconnects.
# Needs the PostgreSQL binaries; runs in the PostgreSQL pass (skipped unless $TRACKER_TEST_PG is set).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"

[[ -n ${TRACKER_TEST_PG:-} ]] || skip "needs PostgreSQL: runs in the PostgreSQL pass (set \$TRACKER_TEST_PG); it makes its own primary and standby"
[[ -x $PGBIN/pg_basebackup && -x $PGBIN/initdb ]] || skip "no $PGBIN/pg_basebackup"
require_command serve
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd not installed"

T0=$(date +%s)
PGC=$(mktemp -d /tmp/tracker-t0930.XXXXXX)
chmod 755 "$PGC" # the clusters' owner (postgres, when run as root) must reach its directory
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
SERVES=()
t0930_cleanup() {
	local p
	for p in "${SERVES[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${SERVES[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ -f $PGC/b/data/postmaster.pid ]]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGC/b/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	"$SRCDIR/contrib/pg-cluster.sh" stop "$PGC/a" >/dev/null 2>&1 || true
	rm -rf -- "$PGC"
}
trap 'rc=$?; t0930_cleanup; remind_cleanup; (exit $rc); e2e_cleanup' EXIT

# ---- the primary A and its synchronous streaming standby B (same port number, other socket dir) ----
connA=$("$SRCDIR/contrib/pg-cluster.sh" start "$PGC/a")
P=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$connA")
SA=$PGC/a/sock SB=$PGC/b/sock
pgq() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 "host=$1 port=$P user=postgres dbname=${3:-postgres}" -c "$2"; }
echo "local replication all trust" | as_pg tee -a "$PGC/a/data/pg_hba.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGC/a/data" reload >/dev/null
pgq "$SA" "CREATE DATABASE trk"
mkdir -p "$PGC/b/sock"
[[ $(id -u) -ne 0 ]] || chown -R postgres: "$PGC/b"
as_pg "$PGBIN/pg_basebackup" -h "$SA" -p "$P" -U postgres -D "$PGC/b/data" -R -X stream --checkpoint=fast >"$PGC/basebackup.log" 2>&1 ||
	fail "pg_basebackup: $(cat "$PGC/basebackup.log")"
as_pg "$PGBIN/pg_ctl" -D "$PGC/b/data" -l "$PGC/b/server.log" -w -t 60 \
	-o "-c listen_addresses='' -k $SB -p $P -c fsync=off -c max_connections=200" start >/dev/null ||
	fail "standby did not start: $(cat "$PGC/b/server.log")"
pgq "$SA" "ALTER SYSTEM SET synchronous_standby_names = '*'"
as_pg "$PGBIN/pg_ctl" -D "$PGC/a/data" reload >/dev/null
for _ in $(seq 100); do
	[[ $(pgq "$SA" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == 1 ]] && break
	sleep 0.1
done
assert_eq 1 "$(pgq "$SA" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" "a synchronous standby"
assert_eq t "$(pgq "$SB" "SELECT pg_is_in_recovery()")" "B is a standby"

# The two forms of a multi-host target: the URL (also what dbq needs) and key=value.
DB="postgresql:///trk?host=$SA,$SB&port=$P,$P&user=postgres&target_session_attrs=read-write"
KV="host=$SA,$SB port=$P,$P user=postgres dbname=trk target_session_attrs=read-write"
N=30
start_smtp
{
	smtp_config
	cat <<EOC
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
lease = 8s
EOC
} >"$TMP/config.ini"
assert_rc 0 "$TRACKER_BIN" --db "$DB" db init
for i in $(seq 1 $N); do add_person "u$i" "u$i@example.org" UTC; done
# A first incident whose item is due far ahead: nothing is due, but there is an item for the API and
# a feed.
write_postmortem "$TMP/pm0.md" INC-2026-01-01-001 "| 1 | Far ahead | @u1 | 2099-01-01 | P3 | Open |"
tc import "$TMP/pm0.md" >/dev/null
RW=$(tc token create --name bot 2>/dev/null)
furl=$(tc feed create --scope all --name All | grep -o '/feeds/[A-Za-z0-9_-]*\.ics' | head -1)
[[ -n $RW && -n $furl ]] || fail "no API token or feed"

nmail() { find "$TMP/mail" -name 'msg-*.eml' | wc -l; }
start_serve() { # N TARGET: sets ADDR
	"$TRACKER_BIN" --db "$2" --config "$TMP/config.ini" serve --listen 127.0.0.1:0 >/dev/null 2>"$TMP/serve$1.log" &
	SERVES+=($!)
	local _
	for _ in $(seq 100); do grep -q 'next pass at' "$TMP/serve$1.log" && break; sleep 0.1; done
	grep -q 'next pass at' "$TMP/serve$1.log" || fail "serve $1 did not start: $(cat "$TMP/serve$1.log")"
	ADDR=$(sed -n 's/^tracker serve: http: listening on \(.*\)$/\1/p' "$TMP/serve$1.log" | head -1)
}
start_serve 1 "$DB"
H1=$ADDR
start_serve 2 "$KV"
H2=$ADDR
note "clusters and instances up after $(($(date +%s) - T0)) s"
assert_eq 0 "$(nmail)" "mail before anything is due"
code() { curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' --max-time 10 "$@"; }
assert_eq 200 "$(code "http://$H1/healthz")" "healthz before"
assert_eq "postgresql writable" "$(cat "$TMP/body")" "healthz body"

# ---- 1. waking: a change through another process, and through the other instance ----
assert_eq 200 "$(code "http://$H2$furl")" "feed on instance 2"
assert_file_match "$TMP/body" '20990101' "feed before the change"
assert_file_no_match "$TMP/body" '20990203' "feed before the change"
EID="INC-2026-01-01-001%231"
assert_eq 200 "$(code -X POST -H "Authorization: Bearer $RW" -H 'Content-Type: application/json' \
	--data '{"due":"2099-02-03"}' "http://$H1/api/v1/items/$EID")" "API change on instance 1"
sleep 1
assert_eq 200 "$(code "http://$H2$furl")" "feed on instance 2 after the change"
assert_file_match "$TMP/body" '20990203' "instance 2's feed within a second of instance 1's change"

echo 0.1 >"$TMP/mail/delay-data"
rows=""
for i in $(seq 1 $N); do rows+="| $i | Promise $i | @u$i | 2026-01-02 | P0 | Open |"$'\n'; done
write_postmortem "$TMP/pm.md" INC-2026-01-01-002 "$rows"
tw=$(date +%s%N)
tc import "$TMP/pm.md" >/dev/null
for _ in $(seq 100); do (($(nmail) >= 3)) && break; sleep 0.05; done
woke=$((($(date +%s%N) - tw) / 1000000))
(($(nmail) >= 3)) || fail "the import did not wake the instances (next pass an hour away): $(nmail) mails after 5 s"
note "import to the third reminder: ${woke} ms (the instances slept until the hourly pass)"

# ---- 2. failover in the middle of the pass ----
sent_before=$(nmail)
((sent_before < N)) || fail "the pass finished before the failover (all $N sent): make the sink slower"
as_pg "$PGBIN/pg_ctl" -D "$PGC/a/data" -m immediate -w stop >/dev/null
tdown=$(date +%s%N)
for _ in $(seq 50); do [[ $(code "http://$H1/healthz") == 503 ]] && break; sleep 0.1; done
assert_eq 503 "$(code "http://$H1/healthz")" "healthz with the primary down"
assert_eq "postgresql unreachable" "$(cat "$TMP/body")" "healthz body during the outage"
assert_file_match "$TMP/headers" '^Retry-After: ' "healthz 503 has Retry-After"
assert_eq 503 "$(code -H "Authorization: Bearer $RW" "http://$H2/api/v1/items")" "API list during the outage"
assert_file_match "$TMP/headers" '^Retry-After: 1' "API 503 has Retry-After"
assert_file_no_match "$TMP/body" '^\[' "no list during the outage"
assert_eq 503 "$(code "http://$H2$furl")" "cached feed during the outage"
assert_file_match "$TMP/headers" '^Retry-After: 1' "feed 503 has Retry-After"
assert_file_no_match "$TMP/body" 'BEGIN:VCALENDAR' "no (stale) calendar during the outage"
sleep 1
as_pg "$PGBIN/pg_ctl" -D "$PGC/b/data" -w promote >/dev/null
note "primary stopped after $sent_before of $N reminders, standby promoted $((($(date +%s%N) - tdown) / 1000000)) ms later"

# ---- 3. back on the new primary; the pass finishes ----
for _ in $(seq 150); do [[ $(code "http://$H1/healthz") == 200 ]] && break; sleep 0.1; done
assert_eq 200 "$(code "http://$H1/healthz")" "healthz on the new primary"
assert_eq "postgresql writable" "$(cat "$TMP/body")" "healthz body after the failover"
note "healthz 200 again $((($(date +%s%N) - tdown) / 1000000)) ms after the primary stopped"
got() { cat "$TMP"/mail/msg-*.env 2>/dev/null | grep '^u[0-9]*@example.org$' | sort -u | wc -l; }
for _ in $(seq 300); do (($(got) >= N)) && break; sleep 0.1; done
note "all $N recipients reached $(($(date +%s) - T0)) s into the test"
assert_eq "$N" "$(got)" "recipients reached"
mail_ids "$TMP/mail" >"$TMP/ids"
assert_eq "$N" "$(awk '{print $1}' "$TMP/ids" | sort -u | wc -l)" "recipients"
assert_eq "$N" "$(sort -u "$TMP/ids" | wc -l)" "one Message-ID per recipient (a repeat carries the same)"
dups=$(($(wc -l <"$TMP/ids") - N))
note "repeats (sends in flight at the switch, same Message-ID): $dups"
for _ in $(seq 100); do
	[[ $(dbq "SELECT count(*) FROM outbox WHERE state <> 'sent'") == 0 ]] && break
	sleep 0.1
done
assert_eq "sent $N" "$(dbq "SELECT state, count(*) FROM outbox GROUP BY state" | tr '|' ' ')" "outbox rows on the new primary"
assert_eq 200 "$(code -H "Authorization: Bearer $RW" "http://$H2/api/v1/items")" "API list after the failover: $(cat "$TMP/body" 2>/dev/null)"
assert_file_match "$TMP/body" 'Promise 30' "the list after the failover"
assert_eq 200 "$(code "http://$H2$furl")" "feed after the failover"
assert_file_match "$TMP/body" 'Promise 30' "the feed after the failover"

# Logged once per outage (not per request or attempt); counted in /metrics.
for n in 1 2; do
	assert_eq 1 "$(grep -c 'database: .*reconnecting (logged once' "$TMP/serve$n.log")" "outage logged once by instance $n"
	assert_file_match "$TMP/serve$n.log" 'database: connection back after [0-9.]+ s' "reconnect logged by instance $n"
done
assert_eq 200 "$(code "http://$H1/metrics")" "metrics"
assert_file_match "$TMP/body" '^tracker_db_writable 1$' "metrics: writable"
assert_file_match "$TMP/body" '^tracker_db_reachable 1$' "metrics: reachable"
r=$(sed -n 's/^tracker_db_reconnects_total \([0-9]*\)$/\1/p' "$TMP/body")
((r >= 2)) || fail "tracker_db_reconnects_total $r after a failover (want >= 2: listener, pool, watcher)"
for p in "${SERVES[@]}"; do kill -0 "$p" 2>/dev/null || fail "an instance died in the failover"; done
(($(date +%s) - T0 < 120)) || fail "the failover test took $(($(date +%s) - T0)) s (over two minutes)"
echo "t0930: ok"
