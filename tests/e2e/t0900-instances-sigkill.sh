#!/usr/bin/env bash
# t0900 — three `tracker serve` instances on one PostgreSQL database share the dispatch of 300
# reminders (300 overdue P0/P1 items of 60 owners: 60 e-mail digests of 5, plus the webhook's) to a
# real SMTP server (aiosmtpd, 0.2 s per message) and a webhook receiver. One instance is killed with
# SIGKILL in the middle of its dispatch and restarted 3 s later, before its leases run out. Every row is sent; every digest arrives
# with all its items and its row's Message-ID / webhook-id; the only repeats are rows the killed
# instance held at the kill (its in-flight send), each with the same id; the count is printed.
# Needs $TRACKER_TEST_PG (skips otherwise). Bounded: about 30 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
. "$(dirname "$0")/instances_lib.sh"
require_command serve outbox

start_smtp --delay 0.2
start_server hook "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/hook"
HOOK_PORT=$PORT
# A lease of 8 s: the killed instance's rows wait that long, then another instance takes them. Four
# rows per claim, so all three instances share the 61 digests.
instances_config "lease = 8s
claim_batch = 4
backoff_base = 1s"
instances_setup 300 60
start=$(date +%s)

start_instance a
start_instance b --listen 127.0.0.1:0
start_instance c
# In the middle of the dispatch: a quarter of the messages are in.
wait_for 30 "a quarter of the messages" eval '(($(nmail) >= 15))'
# The victim: of a and c (b answers /metrics below), the one holding the most leases now (it is
# dispatching).
victim=$(dbq "SELECT lease_owner FROM outbox WHERE state = 'sending' AND lease_owner IN ('a', 'c')
	GROUP BY lease_owner ORDER BY count(*) DESC, lease_owner LIMIT 1")
[[ -n $victim ]] || fail "neither a nor c held a lease after 15 messages"
kill_instance "$victim" KILL
killed_at=$(nmail)
# What it held at the kill: its sending rows (one of them possibly accepted by the server already).
dbq "SELECT id FROM outbox WHERE state = 'sending' AND lease_owner = '$victim'" >"$TMP/killed-rows"
note "killed instance $victim after $killed_at messages, holding $(wc -l <"$TMP/killed-rows") leased rows"
[[ -s $TMP/killed-rows ]] || fail "the victim held no row at the kill: not killed mid-dispatch"
# the leases are shown: HOLDER column and lease_owner
assert_rc 0 tc outbox list --state sending
assert_file_match "$TMP/out" "^[0-9]+ +sending .* $victim +$" "outbox list shows the dead instance as the holder"

# /metrics (of b): who answers, and the leases the dead instance still holds
addr=$(sed -n 's/^tracker serve: http: listening on \(.*\)$/\1/p' "$TMP/b.log" | head -1)
[[ -n $addr ]] || fail "instance b serves no HTTP"
curl -s "http://$addr/metrics" >"$TMP/metrics"
assert_file_match "$TMP/metrics" '^tracker_instance_info\{instance="b",version="[0-9.]+",engine="postgresql"\} 1$' \
	"metrics: instance info"
assert_file_match "$TMP/metrics" "^tracker_outbox_leases\\{instance=\"$victim\"\\} [1-9]" "metrics: the victim's leases"
assert_file_match "$TMP/metrics" '^tracker_outbox_leases_expired [0-9]+$' "metrics: expired leases"

# Restart the victim 3 s later, before its 8 s leases run out: under the same name it competes with
# the two survivors for its old rows once they expire (and for what is still pending).
sleep 3
start_instance "$victim"
wait_for 40 "every row sent" all_sent
wait_for 10 "the restarted instance's first pass" grep -q 'next pass at' "$TMP/$victim.log"
note "after the restart $victim sent $(sed -n '/started: instance/h; //!H; ${x;p}' "$TMP/$victim.log" | grep -c '^tracker serve: sent #' || true) digests"
sleep 1
for n in a b c; do kill_instance $n TERM; done
(($(date +%s) - start < 80)) || fail "took over 80 s"

for n in a b c; do assert_file_no_match "$TMP/$n.log" '^tracker serve: (dispatch|plan|outbox): ' "$n: no errors"; done
check_delivery "$TMP/killed-rows" | tee "$TMP/check" || fail "delivery check"
dups=$(sed -n 's/^DUPLICATES=//p' "$TMP/check")
note "duplicates: $dups (sends in flight when $victim was killed)"
((dups <= 1)) || fail "$dups duplicates from one kill of one sequential dispatcher"
echo "t0900: ok"
