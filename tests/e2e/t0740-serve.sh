#!/usr/bin/env bash
# t0740 — `tracker serve`: --check accepts a good configuration (exit 0) and rejects a bad one
# (exit 3, naming the key); the service sends the due digests on its first pass, logs one line per
# action, survives SIGHUP with a bad configuration (reported, old one kept), reloads a good one, and
# exits 0 within two seconds of SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command serve

start_smtp
good() {
	smtp_config
	cat <<EOC
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
$1
EOC
}
good "" >"$TMP/config.ini"
assert_rc 0 tc serve --check
assert_file_match "$TMP/out" 'is valid: e-mail on' "--check output"
good "lease = 5 minutes" >"$TMP/bad.ini"
assert_rc 3 "$TRACKER_BIN" --db "$DB" --config "$TMP/bad.ini" serve --check
assert_file_match "$TMP/err" '\[reminders\] lease' "--check names the key"

write_postmortem "$TMP/pm.md" INC-2026-01-01-001 "| 1 | Old promise | @ann | 2026-01-02 | P0 | Open |
| 2 | Another | @ben | 2026-01-03 | P1 | Open |"
t import "$TMP/pm.md" >/dev/null
add_person ann ann@example.org UTC
add_person ben ben@example.org Pacific/Auckland

"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" serve 2>"$TMP/serve.log" &
SERVE=$!
nmail() { find "$TMP/mail" -name 'msg-*.eml' | wc -l; }
for _ in $(seq 50); do (($(nmail) >= 2)) && break; sleep 0.1; done
assert_eq 2 "$(nmail)" "digests sent by the first pass"
for _ in $(seq 20); do grep -q 'next pass at' "$TMP/serve.log" && break; sleep 0.1; done
assert_file_match "$TMP/serve.log" '^tracker serve: started' "log"
assert_file_match "$TMP/serve.log" '^tracker serve: queued #[0-9]+ email ann@example.org' "log"
assert_file_match "$TMP/serve.log" '^tracker serve: sent #[0-9]+ email ben@example.org' "log"
assert_file_match "$TMP/serve.log" '^tracker serve: next pass at 20[0-9-]+T' "log"

# SIGHUP with a bad file: reported, the old configuration kept, the service still running.
cp "$TMP/config.ini" "$TMP/good.ini"
cp "$TMP/bad.ini" "$TMP/config.ini"
kill -HUP $SERVE
for _ in $(seq 30); do grep -q 'reload:' "$TMP/serve.log" && break; sleep 0.1; done
assert_file_match "$TMP/serve.log" 'reload: configuration rejected, keeping the previous one: .*\[reminders\] lease' \
	"bad reload"
kill -0 $SERVE 2>/dev/null || fail "serve died on a bad reload"
cp "$TMP/good.ini" "$TMP/config.ini"
kill -HUP $SERVE
for _ in $(seq 30); do grep -q 'reload: configuration .* loaded' "$TMP/serve.log" && break; sleep 0.1; done
assert_file_match "$TMP/serve.log" 'reload: configuration .* loaded' "good reload"
# A second pass after the reload sent nothing new.
for _ in $(seq 30); do [[ $(grep -c 'next pass at' "$TMP/serve.log") -ge 3 ]] && break; sleep 0.1; done
assert_eq 2 "$(nmail)" "messages after the reload pass"

kill -TERM $SERVE
start=$(date +%s%N)
rc=0
wait $SERVE || rc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_eq 0 "$rc" "exit status after SIGTERM"
((elapsed < 2000)) || fail "serve took ${elapsed} ms to stop"
assert_file_match "$TMP/serve.log" '^tracker serve: stopped' "log"
assert_file_no_match "$TMP/serve.log" 'password|secret' "no secrets in the log"
echo "t0740: ok"
