#!/usr/bin/env bash
# t0770 — reminders carry signed action links: with [server] base_url set, the reminder e-mail (both
# parts) and the Slack message hold a "Mark done" and a "Snooze a week" link per item; following the
# e-mail's link on the real HTTP endpoint shows a confirmation page (GET changes nothing) and its POST
# marks the item done (history source api); the link works once. Without base_url there are no links.
# The pass runs at the real time: the server checks link expiry against its own clock.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
# shellcheck source=tests/e2e/httplib.sh
. "$(dirname "$0")/httplib.sh"
# Both libraries set an EXIT trap; the second replaced the first. Stop the HTTP server and the test
# servers alike (http_cleanup ends with e2e_cleanup, which removes $TMP).
trap 'remind_cleanup; http_cleanup' EXIT
require_command remind
command -v curl >/dev/null || skip "no curl"

start_smtp
start_server hook "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/hooks"
HOOK_PORT=$PORT
t db init >/dev/null # tracker http does not create a database
start_http
write_config() { # BASE_URL-LINE
	{
		smtp_config
		cat <<EOC
[server]
$1
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
[webhook team]
url = http://127.0.0.1:$HOOK_PORT/hook
format = slack
allow_http = true
EOC
	} >"$TMP/config.ini"
}
write_config "base_url = $U"
write_postmortem "$TMP/pm.md" INC-2026-01-01-001 "| 1 | Old promise | @ann | 2026-01-02 | P0 | Open |"
t import "$TMP/pm.md" >/dev/null
add_person ann ann@example.org UTC
"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" remind --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/out" 2>&1 ||
	fail "remind: $(cat "$TMP/out")"

# The e-mail: both parts carry the two links; take the text part's "Mark done" link.
"$PY" - "$TMP/mail" "$U" >"$TMP/link" <<'EOP' || fail "e-mail links: $(cat "$TMP/link")"
import email, email.policy, glob, re, sys
m = email.message_from_bytes(open(glob.glob(sys.argv[1] + "/msg-*.eml")[0], "rb").read(), policy=email.policy.default)
text, html = [p.get_content() for p in m.iter_parts()]
base = re.escape(sys.argv[2])
done = re.search(r"Mark done: (" + base + r"/act/done/INC-2026-01-01-001%231/\d+/[A-Za-z0-9_-]{22}/[A-Za-z0-9_-]{43})", text)
snooze = re.search(r"Snooze a week: (" + base + r"/act/snooze/INC-2026-01-01-001%231/\S+)", text)
assert done and snooze, text
assert 'href="' + done.group(1) + '">Mark done</a>' in html, html
print(done.group(1))
EOP
LINK=$(cat "$TMP/link")
# The Slack message too.
"$PY" - "$TMP/hooks" <<'EOP' || fail "slack links"
import glob, json, sys
body = json.loads(json.load(open(sorted(glob.glob(sys.argv[1] + "/req-*.json"))[0]))["body"])
assert "|Mark done>" in body["text"] and "|Snooze a week>" in body["text"], body["text"]
EOP

# Following it: GET shows a confirmation page and changes nothing; POST acts, once.
status() { t show 'INC-2026-01-01-001#1' --format json | json_py 'd["status"]'; }
fetch get "$LINK"
assert_eq 200 "$CODE" "GET the link"
assert_eq open "$(status)" "status after GET"
fetch post -X POST "$LINK"
assert_eq 200 "$CODE" "POST the link"
assert_eq 'done' "$(status)" "status after POST"
t show 'INC-2026-01-01-001#1' --format json | json_py '[e["source"] for e in d["history"]][-1]' >"$TMP/src"
assert_eq api "$(cat "$TMP/src")" "history source"
fetch again -X POST "$LINK"
[[ $CODE == 4* ]] || fail "a used link acted again (HTTP $CODE)"

# Without base_url: no links (and no secret is needed).
write_config ""
t reopen 'INC-2026-01-01-001#1' >/dev/null
rm -f "$TMP"/mail/msg-*.eml
"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" remind --now "$(date -u -d "+1 day" +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/out" 2>&1 ||
	fail "remind without base_url: $(cat "$TMP/out")"
msg=$(find "$TMP/mail" -name 'msg-*.eml' | head -1)
[[ -n $msg ]] || fail "no reminder on the next day"
assert_file_no_match "$msg" '/act/' "links without base_url"
stop_http
echo "1 passed, 0 failed"
