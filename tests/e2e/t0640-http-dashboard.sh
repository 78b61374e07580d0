#!/usr/bin/env bash
# t0640 — the dashboard's sign-in with curl as a browser would (cookie jar, the form's CSRF field; no
# forged headers): a session cookie (HttpOnly, SameSite=Strict) holding a session id whose hash alone
# is stored, never the API token; posts without the CSRF field or from another Origin are refused;
# sign-out ends the session. Then in headless chromium (dashboard = open): the four sections, hostile
# text escaped, the security headers, a 400 px screenshot in $BUILDDIR/artifacts/. The full browser
# flow is t0645.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "curl is not installed"

cat >"$TMP/pm.md" <<'EOM'
# Post-Mortem: Login outage <script>alert(1)</script> & "quotes"

**Incident ID:** INC-2026-01-05-001
**Date:** 2026-01-05

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Rotate keys <img src=x onerror=alert(2)> | @mallory | 2026-01-10 | P0 | Not started |
| 2 | Add login canary | @ana | 2026-01-20 | P1 | In progress |
| 3 | Write runbook | @ana | TBD | P1 | Not started |
EOM
t import "$TMP/pm.md" "$SRCDIR/contrib/examples" >/dev/null
RW=$(t token create --name ana 2>/dev/null)
# A slipped due date (moved later through the API) shows under "Slipping items".
CONFIG=$TMP/token.ini
printf '[server]\ndashboard = token\n' >"$CONFIG"
start_http
fetch slip -X POST -H "Authorization: Bearer $RW" --data '{"due":"2026-02-20"}' "$U/api/v1/items/INC-2026-01-05-001%232"
assert_eq 200 "$CODE" "moving a due date later"
# Hostile text reaches the page through a field the importer does not clean (an owner set by the API).
fetch hostile -X POST -H "Authorization: Bearer $RW" --data '{"owner":"<img/src=x/onerror=alert(2)>"}' \
	"$U/api/v1/items/INC-2026-01-05-001%231"
assert_eq 200 "$CODE" "hostile owner"

# --- token mode: / redirects to the sign-in form; signing in makes a session, not a token cookie ---
fetch root "$U/"
assert_eq 303 "$CODE" "dashboard without a token"
assert_eq '/login?next=%2F' "$(header root Location)" "redirect target"
# The sign-in form, as a browser gets it: a CSRF cookie and the matching hidden field.
JAR=$TMP/jar
csrf_of() { sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' "$TMP/$1.b" | head -1; }
fetch form -c "$JAR" -b "$JAR" "$U/login"
assert_eq 200 "$CODE" "sign-in form"
CSRF=$(csrf_of form)
[[ ${#CSRF} -eq 43 ]] || fail "no CSRF field in the sign-in form"
assert_match '^tracker_csrf=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$' "$(header form Set-Cookie)" "CSRF cookie"
fetch badlogin -c "$JAR" -b "$JAR" --data "csrf=$CSRF&token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$U/login"
assert_eq 401 "$CODE" "sign-in with a bad token"
# Without the form's CSRF value (what another site can send), or with its cookie but another site's
# Origin, the sign-in is refused.
fetch nocsrf -c "$JAR" -b "$JAR" --data "token=$RW" "$U/login"
assert_eq 403 "$CODE" "sign-in without the CSRF field"
fetch nocookie --data "csrf=$CSRF&token=$RW" "$U/login"
assert_eq 403 "$CODE" "sign-in without the CSRF cookie"
fetch xsite -b "$JAR" --data "csrf=$CSRF&token=$RW" -H 'Origin: https://evil.example' "$U/login"
assert_eq 403 "$CODE" "cross-site sign-in"
fetch login -c "$JAR" -b "$JAR" --data "csrf=$CSRF&token=$RW&next=%2F" "$U/login"
assert_eq 303 "$CODE" "sign-in"
assert_eq / "$(header login Location)" "back to the page asked for"
COOKIE=$(header login Set-Cookie)
assert_match '^tracker_session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict$' "$COOKIE" "session cookie"
[[ $COOKIE != *"$RW"* ]] || fail "the cookie holds the API token"
# The database keeps only the session id's hash.
SID=${COOKIE%%;*}
SID=${SID#tracker_session=}
assert_eq 1 "$(dbq "SELECT count(*) FROM sessions WHERE sid_hash = '$(printf %s "$SID" | sha256sum | cut -c1-64)'")" "hashed session row"
assert_eq 0 "$(dbq "SELECT count(*) FROM sessions WHERE sid_hash = '$SID'")" "raw session id stored"
fetch dash -b "$JAR" "$U/"
assert_eq 200 "$CODE" "dashboard with the session"
assert_eq "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" \
	"$(header dash Content-Security-Policy)" "CSP"
assert_eq nosniff "$(header dash X-Content-Type-Options)" "nosniff"
assert_eq same-origin "$(header dash Referrer-Policy)" "Referrer-Policy"
CSRF=$(csrf_of dash)
# The old design's cookie (the raw API token) opens nothing.
fetch oldcookie -H "Cookie: tracker_token=$RW" "$U/"
assert_eq 303 "$CODE" "a raw token cookie"
# The subscribe form makes a feed that works.
fetch subx -b "$JAR" --data 'scope=owner%3Aana' "$U/subscribe"
assert_eq 403 "$CODE" "subscribe without the CSRF field"
fetch sub -b "$JAR" --data "csrf=$CSRF&scope=owner%3Aana" "$U/subscribe"
assert_eq 200 "$CODE" "subscribe"
FEED=$(grep -o "$U/feeds/[A-Za-z0-9_-]*\.ics" "$TMP/sub.b" | head -1)
[[ -n $FEED ]] || fail "no feed URL on the subscribe page"
assert_file_match "$TMP/sub.b" 'webcal://127\.0\.0\.1'
fetch subfeed "$FEED"
assert_eq 200 "$CODE" "feed made from the dashboard"
t feed list >"$TMP/feeds"
assert_file_match "$TMP/feeds" 'ana \(token 1\)' "feed list names the token that made the feed"
# Sign-out ends the session on the server: the old cookie no longer opens the dashboard.
fetch logout -b "$JAR" --data "csrf=$CSRF" "$U/logout"
assert_eq 303 "$CODE" "sign-out"
fetch after -H "Cookie: tracker_session=$SID" "$U/"
assert_eq 303 "$CODE" "the dashboard after sign-out"
assert_eq 0 "$(dbq "SELECT count(*) FROM sessions")" "sessions after sign-out"
stop_http

# --- the page in a real browser (dashboard = open) ---
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[[ -n $CHROMIUM ]] || skip "chromium is not installed (contrib/test.sh installs it); browser checks skipped"
CONFIG=$TMP/open.ini
printf '[server]\ndashboard = open\n' >"$CONFIG"
start_http
browser() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$TMP/chrome.XXXXXX")" "$@" 2>>"$TMP/chromium.log"
}
browser --dump-dom "$U/" >"$TMP/dom.html" || fail "chromium --dump-dom failed: $(tail -5 "$TMP/chromium.log")"
for h in 'Overdue P0/P1 by owner' 'Follow-up checklist by incident' 'Slipping items' 'Subscribe in your calendar'; do
	assert_file_match "$TMP/dom.html" "$h"
done
assert_file_match "$TMP/dom.html" '<h3>&lt;img/src=x/onerror=alert\(2\)&gt;</h3>'
assert_file_match "$TMP/dom.html" 'Login outage alert\(1\) &amp; "quotes"'
assert_file_match "$TMP/dom.html" 'Add login canary'
assert_file_match "$TMP/dom.html" 'moved 1 time, 2026-01-20 → 2026-02-20'
assert_file_no_match "$TMP/dom.html" '<script|<img'
assert_file_match "$TMP/dom.html" 'name="viewport"'
mkdir -p "$BUILDDIR/artifacts"
SHOT=$BUILDDIR/artifacts/dashboard-400x900.png
rm -f "$SHOT"
browser --hide-scrollbars --window-size=400,900 --screenshot="$SHOT" "$U/" >/dev/null || fail "screenshot failed"
[[ -s $SHOT ]] || fail "no screenshot"
"$PY" - "$SHOT" <<'PYEOF' || fail "screenshot is not a 400x900 PNG"
import struct, sys
b = open(sys.argv[1], "rb").read(32)
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (400, 900), (w, h)
PYEOF
note "screenshot: $SHOT"
stop_http
echo "1 passed, 0 failed"
