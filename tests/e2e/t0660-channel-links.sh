#!/usr/bin/env bash
# t0660 — every link a channel sends leads somewhere. A real reminder pass over the example
# post-mortems sends e-mail (text and HTML parts, through tests/servers/smtp_server.py), a Slack
# message and a generic webhook (tests/servers/webhook_receiver.py); `tracker ical` and the served
# feed give iCalendar URL and DESCRIPTION. Every tracker URL found in them is followed on the real
# HTTP endpoint: signed out, a page answers 303 to the sign-in page (which names the page to come back
# to); signed in, 200; never 404. Action links (/act/…) are signed capabilities: their GET shows a
# confirmation page (200) either way. Then the HTML e-mail is opened in headless chromium at 390 px:
# it must not scroll sideways (screenshot in $BUILDDIR/artifacts/mobile/).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
# shellcheck source=tests/e2e/httplib.sh
. "$(dirname "$0")/httplib.sh"
trap 'remind_cleanup; http_cleanup' EXIT
command -v curl >/dev/null || skip "no curl"
"$PY" -c 'import aiosmtpd, icalendar' 2>/dev/null || skip "python3-aiosmtpd or python3-icalendar not installed"

start_smtp
start_server slack "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/slack"
SLACK_PORT=$PORT
start_server generic "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/generic" --secret whsec_c2VjcmV0c2VjcmV0c2VjcmV0
GENERIC_PORT=$PORT
CONFIG=$TMP/server.ini
printf '[server]\ndashboard = token\n' >"$CONFIG"
"$TRACKER_BIN" --db "$DB" db init >/dev/null # tracker http does not create a database
start_http
{
	smtp_config
	cat <<EOC
[server]
base_url = $U
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
[webhook team]
url = http://127.0.0.1:$SLACK_PORT/hook
format = slack
allow_http = true
[webhook ops]
url = http://127.0.0.1:$GENERIC_PORT/hook
format = generic
secret = whsec_c2VjcmV0c2VjcmV0c2VjcmV0
allow_http = true
EOC
} >"$TMP/config.ini"
t import "$SRCDIR/contrib/examples" >/dev/null 2>&1
t people import "$SRCDIR/contrib/examples/people.csv" >/dev/null
tc remind --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/remind.out" 2>&1 || fail "remind: $(cat "$TMP/remind.out")"
tc ical >"$TMP/cli.ics" || fail "tracker ical"
FEEDTOK=$(t feed create --scope all 2>/dev/null | sed -n 's|^https\?://[^/]*/feeds/\([A-Za-z0-9_-]*\)\.ics$|\1|p' | head -1)
[[ -n $FEEDTOK ]] || FEEDTOK=$(t feed create --scope all 2>/dev/null | grep -o '/feeds/[A-Za-z0-9_-]*\.ics' | head -1 | sed 's|/feeds/||; s|\.ics||')
[[ -n $FEEDTOK ]] || fail "no feed token from tracker feed create"
fetch feed "$U/feeds/$FEEDTOK.ics"
assert_eq 200 "$CODE" "the served feed"
cp "$TMP/feed.b" "$TMP/served.ics"

# Every URL, by channel. A channel that yields no item link is a failure of its own.
"$PY" - "$TMP" "$U" >"$TMP/urls" <<'EOP' || fail "collecting URLs: $(cat "$TMP/urls")"
import email, email.policy, glob, html.parser, json, re, sys
import icalendar
tmp, base = sys.argv[1], sys.argv[2]
URL = re.compile(re.escape(base) + r"[^\s<>\"'|)\]]*")
found = {}
def add(channel, text):
    for u in URL.findall(text or ""):
        found.setdefault(channel, set()).add(u.rstrip(".,;"))
class Hrefs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.hrefs = []
    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k == "href" and v]
for f in sorted(glob.glob(tmp + "/mail/msg-*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    for part in m.walk():
        if part.get_content_type() == "text/plain":
            add("email-text", part.get_content())
        elif part.get_content_type() == "text/html":
            p = Hrefs(); p.feed(part.get_content())
            for h in p.hrefs: add("email-html", h)
            open(tmp + "/reminder.html", "w").write(part.get_content())
def strings(v):
    if isinstance(v, str): yield v
    elif isinstance(v, dict):
        for x in v.values(): yield from strings(x)
    elif isinstance(v, list):
        for x in v: yield from strings(x)
for channel in ("slack", "generic"):
    for f in sorted(glob.glob(f"{tmp}/{channel}/req-*.json")):
        for s in strings(json.loads(json.load(open(f))["body"])): add(channel, s)
for channel, f in (("ical-cli", "cli.ics"), ("ical-feed", "served.ics")):
    cal = icalendar.Calendar.from_ical(open(f"{tmp}/{f}", "rb").read())
    for c in cal.walk():
        if c.name in ("VEVENT", "VTODO"):
            add(channel + "-URL", str(c.get("URL", "")))
            add(channel + "-DESCRIPTION", str(c.get("DESCRIPTION", "")))
want = ["email-text", "email-html", "slack", "generic", "ical-cli-URL", "ical-cli-DESCRIPTION"]
missing = [c for c in want if not any("/items/" in u for u in found.get(c, ()))]
if missing:
    print("no item link in:", ", ".join(missing), {k: sorted(v)[:3] for k, v in found.items()}); sys.exit(1)
if not any("/incidents/" in u for c in ("email-text", "email-html", "slack", "generic") for u in found.get(c, ())):
    print("no incident link in any message"); sys.exit(1)
for c, us in sorted(found.items()):
    for u in sorted(us): print(c, u)
EOP
note "$(wc -l <"$TMP/urls") links: $(cut -d' ' -f1 "$TMP/urls" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"

# Signed in as a browser is (cookie jar, the form's CSRF field).
RO=$(t token create --name viewer --read-only 2>/dev/null)
JAR=$TMP/jar
fetch form -c "$JAR" -b "$JAR" "$U/login"
CSRF=$(sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' "$TMP/form.b" | head -1)
fetch login -c "$JAR" -b "$JAR" --data "csrf=$CSRF&token=$RO" "$U/login"
assert_eq 303 "$CODE" "sign-in"

n=0
while read -r channel url; do
	path=${url#"$U"}
	fetch out "$url"
	if [[ $path == /act/* ]]; then
		[[ $CODE == 200 ]] || fail "$channel: $url: HTTP $CODE signed out (a confirmation page was expected)"
		assert_file_match "$TMP/out.b" '<form method="post">' "$channel: the action link's confirmation"
	else
		[[ $CODE == 303 ]] || fail "$channel: $url: HTTP $CODE signed out (the sign-in page was expected)"
		loc=$(header out Location)
		[[ $loc == /login\?next=* ]] || fail "$channel: $url: redirected to $loc"
		# The sign-in page brings the reader back to this very page.
		back=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1].split("next=", 1)[1]))' "$loc")
		assert_eq "$path" "$back" "$channel: the page to come back to"
	fi
	fetch in -b "$JAR" "$url"
	[[ $CODE == 200 ]] || fail "$channel: $url: HTTP $CODE signed in"
	n=$((n + 1))
done <"$TMP/urls"
[[ $n -ge 10 ]] || fail "only $n links followed"
note "$n links followed: none 404"

# The HTML reminder on a phone.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -n $CHROMIUM && -d $SRCDIR/tests/node_modules/puppeteer-core ]]; then
	mkdir -p "$BUILDDIR/artifacts/mobile"
	CHROMIUM=$CHROMIUM timeout 120 node "$SRCDIR/tests/tools/mobile_check.js" "$BUILDDIR/artifacts/mobile" "$TMP/reminder.html" >"$TMP/mobile.out" 2>&1 ||
		fail "the HTML reminder at 390 px: $(cat "$TMP/mobile.out")"
	cat "$TMP/mobile.out"
elif [[ -n ${TRACKER_REQUIRE_BROWSER:-} ]]; then
	fail "chromium or puppeteer-core missing: the HTML reminder was not checked at 390 px"
else
	note "chromium or puppeteer-core missing: the HTML reminder was not checked at 390 px"
fi
stop_http
echo "1 passed, 0 failed"
