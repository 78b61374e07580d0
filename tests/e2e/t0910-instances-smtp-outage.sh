#!/usr/bin/env bash
# t0910 — three `tracker serve` instances on one PostgreSQL database, 300 reminders due across 60
# recipients, and the SMTP server down when they start: every e-mail attempt fails (connection
# refused), the rows go back to pending with backoff (1 s base, 4 s cap) and nothing is lost or dead.
# The server comes back on the same port after ~6 s: every digest arrives exactly once, with all its
# items and its row's Message-ID — nothing lost, nothing duplicated.
# Needs $TRACKER_TEST_PG (skips otherwise). Bounded: about 20 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
. "$(dirname "$0")/instances_lib.sh"
require_command serve outbox

# A free port for the SMTP server, which is then stopped: the instances find nothing listening.
start_smtp --delay 0.05
stop_server smtp
start_server hook "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/hook"
HOOK_PORT=$PORT
instances_config "lease = 30s
claim_batch = 4
backoff_base = 1s
backoff_max = 4s
max_attempts = 100"
instances_setup 300 60
start=$(date +%s)
for n in a b c; do start_instance $n; done

failed() { (($(cat "$TMP/a.log" "$TMP/b.log" "$TMP/c.log" | grep -c '^tracker serve: retry #[0-9]* email' || true) >= 120)); }
wait_for 30 "two failed attempts per e-mail digest during the outage" failed
sleep 2
assert_eq 0 "$(nmail)" "messages while the server is down"
assert_eq 0 "$(dbq "SELECT count(*) FROM outbox WHERE state IN ('sent', 'dead') AND channel = 'email'")" \
	"e-mail rows sent or dead during the outage"
note "outage: $(dbq "SELECT sum(attempts) FROM outbox WHERE channel = 'email'") failed attempts over 60 digests; last error: $(dbq "SELECT last_error FROM outbox WHERE channel = 'email' AND last_error IS NOT NULL LIMIT 1")"
for n in a b c; do assert_file_match "$TMP/$n.log" '^tracker serve: retry #' "$n tried during the outage"; done

start_server smtp "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$TMP/mail" --port "$SMTP_PORT" --delay 0.05
wait_for 40 "every row sent after the server came back" all_sent
sleep 1
for n in a b c; do kill_instance $n TERM; done
(($(date +%s) - start < 80)) || fail "took over 80 s"
for n in a b c; do assert_file_no_match "$TMP/$n.log" '^tracker serve: (dispatch|plan|outbox): ' "$n: no errors"; done

: >"$TMP/no-kill"
check_delivery "$TMP/no-kill" | tee "$TMP/check" || fail "delivery check"
assert_eq 0 "$(sed -n 's/^DUPLICATES=//p' "$TMP/check")" "duplicates"
echo "t0910: ok"
