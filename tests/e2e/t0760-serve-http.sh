#!/usr/bin/env bash
# t0760 — one `tracker serve` process runs the reminder passes and the HTTP endpoint together: the
# reminders go out while the calendar feed, /healthz and /metrics answer over HTTP; SIGTERM stops
# accepting connections and the process exits 0; without [server] listen, --http or --listen no
# port is opened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command serve
command -v curl >/dev/null || skip "no curl"

start_smtp
{
	smtp_config
	cat <<EOC
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
EOC
} >"$TMP/config.ini"
write_postmortem "$TMP/pm.md" INC-2026-01-01-001 "| 1 | Old promise | @ann | 2026-01-02 | P0 | Open |"
t import "$TMP/pm.md" >/dev/null
add_person ann ann@example.org UTC
url=$(t feed create --scope all --name Everything | grep -o 'https\?://[^ ]*/feeds/[A-Za-z0-9_-]*\.ics\|/feeds/[A-Za-z0-9_-]*\.ics' | head -1)
token=${url##*/feeds/}
token=${token%.ics}
[[ -n $token ]] || fail "no feed token printed"

"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" serve --listen 127.0.0.1:0 2>"$TMP/serve.log" &
SERVE=$!
for _ in $(seq 50); do grep -q 'http: listening on' "$TMP/serve.log" && break; sleep 0.1; done
addr=$(sed -n 's/^tracker serve: http: listening on \(.*\)$/\1/p' "$TMP/serve.log" | head -1)
[[ -n $addr ]] || fail "serve did not report its HTTP address: $(cat "$TMP/serve.log")"

# The reminder went out from the same process.
for _ in $(seq 50); do [[ -n $(find "$TMP/mail" -name 'msg-*.eml') ]] && break; sleep 0.1; done
assert_eq 1 "$(find "$TMP/mail" -name 'msg-*.eml' | wc -l)" "reminder sent by serve"

# HTTP answers meanwhile.
assert_eq 200 "$(curl -s -o "$TMP/feed.ics" -w '%{http_code}' "http://$addr/feeds/$token.ics")" "feed"
assert_file_match "$TMP/feed.ics" '^SUMMARY:\[P0\] Old promise' "feed body"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/healthz")" "healthz"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/feeds/not-a-token.ics")" "bad token"
curl -s "http://$addr/metrics" >"$TMP/metrics"
assert_file_match "$TMP/metrics" '^tracker_items_open\{priority="P0"\} 1' "metrics"
if grep -c -- "$token" "$TMP/serve.log" >/dev/null; then fail "the feed token is in the log"; fi

# SIGTERM: exits 0 quickly and the port is closed.
kill -TERM $SERVE
rc=0
for _ in $(seq 50); do kill -0 $SERVE 2>/dev/null || break; sleep 0.1; done
wait $SERVE || rc=$?
assert_eq 0 "$rc" "serve exit status after SIGTERM"
assert_file_match "$TMP/serve.log" 'http: finishing the requests in flight' "log"
if curl -s -o /dev/null "http://$addr/healthz"; then fail "still accepting after exit"; fi

# Without [server] listen or a flag, serve opens no port.
"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" serve 2>"$TMP/serve2.log" &
SERVE=$!
for _ in $(seq 50); do grep -q 'next pass at' "$TMP/serve2.log" && break; sleep 0.1; done
kill -TERM $SERVE
wait $SERVE || fail "serve without HTTP: bad exit"
assert_file_no_match "$TMP/serve2.log" 'http:' "no HTTP without listen"
echo "1 passed, 0 failed"
