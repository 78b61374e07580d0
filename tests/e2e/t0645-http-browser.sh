#!/usr/bin/env bash
# t0645 — the dashboard in a real browser: Debian's headless chromium driven through the DevTools
# protocol (puppeteer-core, tests/tools/browser_flow.js), with no hand-written request or header. An
# item link opened while signed out leads to the sign-in page and back; the dashboard links its items
# and marks snoozed ones; the item page's buttons mark done, reopen and "won't do" with a reason; the
# incident page shows the Review checklist; a feed is created; pages served from another origin (a
# second local port: same site, so the SameSite=Strict cookies do go along) try every form and are
# refused, and cannot read the dashboard; sign-out; a read-only token sees but cannot change or create
# feeds; at 390 px nothing scrolls sideways and the checklist labels show. A screenshot of each step
# is kept in $BUILDDIR/artifacts/browser/. Then the database is checked for what the browser did.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
ATTACKER_PID=
trap '[[ -z $ATTACKER_PID ]] || kill "$ATTACKER_PID" 2>/dev/null || true; http_cleanup' EXIT
# CI (contrib/test.sh) sets TRACKER_REQUIRE_BROWSER: there a missing browser fails instead of skipping.
missing() { if [[ -n ${TRACKER_REQUIRE_BROWSER:-} ]]; then fail "$1"; else skip "$1"; fi; }
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[[ -n $CHROMIUM ]] || missing "chromium is not installed (contrib/test.sh installs it)"
command -v node >/dev/null || missing "node is not installed"
[[ -d $SRCDIR/tests/node_modules/puppeteer-core ]] || missing "puppeteer-core missing: npm ci --prefix tests"

t import "$SRCDIR/contrib/examples" >/dev/null 2>&1
# The example post-mortems (pinned by t0010): two overdue P0 items the dashboard lists, one of them
# snoozed (the dashboard marks it), and an open P1 that only the attacker tries to change.
INC="INC-2026-09-21-112"
I1="INC-2026-11-09-003#2" # snoozed; signed-out link target; then "won't do"
I2=$INC#2               # followed from the dashboard and marked done
I3=$INC#3               # the attacker's target; the read-only view
for i in "$I1" "$I2" "$I3"; do
	[[ $(t show "$i" --format json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["status"])') != "done" ]] ||
		fail "$i is already done in the examples"
done
t snooze "$I1" --until "$(date -u -d '+3 days' +%F)" >/dev/null
RW=$(t token create --name ana 2>/dev/null)
RO=$(t token create --name rita --read-only 2>/dev/null)
CONFIG=$TMP/token.ini
printf '[server]\ndashboard = token\n' >"$CONFIG"
start_http

# The attacker's pages, served from another port (another origin). They post our forms by themselves.
mkdir -p "$TMP/evil"
item() { printf '/items/%s%%23%s' "${1%%#*}" "${1#*#}"; }
autopost() { # FILE ACTION FIELDS-HTML
	cat >"$TMP/evil/$1" <<EOH
<!DOCTYPE html><html><body><h1>You won a prize</h1>
<form id="f" method="post" action="$U$2">$3</form>
<script>document.getElementById("f").submit();</script></body></html>
EOH
}
autopost attack-done.html "$(item "$I3")" '<input name="action" value="done"><input name="csrf" value="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">'
autopost attack-subscribe.html /subscribe '<input name="scope" value="all">'
autopost attack-logout.html /logout ''
autopost attack-login.html /login "<input name=\"token\" value=\"$RO\">"
cat >"$TMP/evil/attack-fetch.html" <<EOH
<!DOCTYPE html><html><body><script>
(async () => {
  let read;
  try { const r = await fetch("$U/", {credentials: "include"}); read = "read " + (await r.text()).length + " bytes"; }
  catch (e) { read = "refused"; }
  try { await fetch("$U$(item "$I3")", {method: "POST", mode: "no-cors", credentials: "include",
          headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "action=done"}); } catch (e) {}
  window.result = {read};
})();
</script></body></html>
EOH
"$PY" - "$TMP/evil" >"$TMP/evil.port" 2>"$TMP/evil.log" <<'EOP' &
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
print(s.server_address[1], flush=True)
s.serve_forever()
EOP
ATTACKER_PID=$!
for _ in $(seq 100); do [[ -s $TMP/evil.port ]] && break; sleep 0.05; done
ATTACKER=http://127.0.0.1:$(head -1 "$TMP/evil.port")
[[ $ATTACKER != http://127.0.0.1: ]] || fail "the attacker's server did not start: $(cat "$TMP/evil.log")"

SHOTS=$BUILDDIR/artifacts/browser
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
FEEDS_BEFORE=$(t feed list | wc -l)
status() { t show "$1" --format json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["status"])'; }
NODE_PATH=$SRCDIR/tests/node_modules CHROMIUM=$CHROMIUM U=$U ATTACKER=$ATTACKER RW=$RW RO=$RO \
	ITEM1=$(item "$I1") ITEM2=$(item "$I2") ITEM3=$(item "$I3") INCIDENT=/incidents/$INC \
	SHOTS=$SHOTS OUT=$TMP/browser.json timeout 300 node "$SRCDIR/tests/tools/browser_flow.js" >"$TMP/browser.out" 2>&1 ||
	fail "browser flow: $(cat "$TMP/browser.out")"
cat "$TMP/browser.out"

# What the browser did is in the database, with the signed-in token's name as the actor.
assert_eq wont_do "$(status "$I1")" "$I1 after won't do"
assert_eq "done" "$(status "$I2")" "$I2 after Mark done"
assert_eq open "$(status "$I3")" "$I3, which only the attacker tried to change"
t show "$I2" --format json | "$PY" -c '
import json, sys
h = json.load(sys.stdin)["history"][-1]
assert (h["actor"], h["source"], h["new"]) == ("ana", "api", "done"), h' || fail "history of the button's change"
# One feed more (the browser's), none from the attacker; it works and names its creator.
assert_eq $((FEEDS_BEFORE + 1)) "$(t feed list | wc -l)" "feeds after the flow"
t feed list >"$TMP/feeds"
assert_file_match "$TMP/feeds" 'ana \(token 1\)'
FEED=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["feed"])' "$TMP/browser.json")
fetch feed "$FEED"
assert_eq 200 "$CODE" "the feed made in the browser"
assert_eq 0 "$(dbq "SELECT count(*) FROM sessions s JOIN api_tokens t ON t.id = s.token_id WHERE t.name = 'rita'")" \
	"the read-only session ended at sign-out"
N=$(find "$SHOTS" -name '*.png' | wc -l)
[[ $N -ge 10 ]] || fail "expected at least 10 screenshots, found $N"
note "$N screenshots in $SHOTS"
stop_http
echo "1 passed, 0 failed"
