#!/usr/bin/env bash
# t0670 — feeds and tokens over HTTP (issue 10 §4): a feed made from the dashboard names its creator in
# `feed list` and is revoked with its token (so are the token's dashboard sessions); a read-only token
# cannot create feeds; Last-Modified moves when an item leaves a feed (If-Modified-Since with the old
# date gets the new feed, not 304); GET /api/v1/incidents shows no server file path; every 405 carries
# Allow. Sign-in is done as a browser does it (cookie jar, the form's CSRF field).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "curl is not installed"

mkdir -p "$TMP/docs/secret-dir"
cat >"$TMP/docs/secret-dir/pm.md" <<'EOM'
# Post-Mortem: Queue stall

**Incident ID:** INC-2026-02-01-001
**Date:** 2026-02-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add a queue depth alert | @ana | 2099-01-10 | P1 | Not started |
| 2 | Drain runbook | @bo | 2099-01-20 | P2 | Not started |
| 3 | Load test the consumer | @ana | 2099-02-01 | P2 | Not started |
EOM
t import "$TMP/docs" >/dev/null 2>&1
RW=$(t token create --name ana 2>/dev/null)
RO=$(t token create --name rita --read-only 2>/dev/null)
CONFIG=$TMP/token.ini
printf '[server]\ndashboard = token\n' >"$CONFIG"
start_http

csrf_of() { sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' "$TMP/$1.b" | head -1; }
sign_in() { # JAR TOKEN: signs in; sets CSRF to the signed-in pages' form token
	fetch form -c "$1" -b "$1" "$U/login"
	fetch login -c "$1" -b "$1" --data "csrf=$(csrf_of form)&token=$2" "$U/login"
	assert_eq 303 "$CODE" "sign-in"
	fetch dash -b "$1" "$U/"
	assert_eq 200 "$CODE" "dashboard"
	CSRF=$(csrf_of dash)
}

# --- a read-only token cannot create feeds ---
sign_in "$TMP/ro.jar" "$RO"
assert_file_no_match "$TMP/dash.b" 'action="/subscribe"' "read-only dashboard offers the feed form"
fetch rosub -b "$TMP/ro.jar" --data "csrf=$CSRF&scope=all" "$U/subscribe"
assert_eq 403 "$CODE" "read-only token creating a feed"
assert_file_match "$TMP/rosub.b" 'read-only'
assert_eq 0 "$(dbq 'SELECT count(*) FROM feeds')" "feeds after the read-only attempt"
fetch roitem -b "$TMP/ro.jar" --data "csrf=$CSRF&action=done" "$U/items/INC-2026-02-01-001%231"
assert_eq 403 "$CODE" "read-only token marking an item done"

# --- a feed made through a token names it, and is revoked with it ---
sign_in "$TMP/rw.jar" "$RW"
# Bad form input is refused with the reason, and changes nothing.
fetch nowhy -b "$TMP/rw.jar" --data "csrf=$CSRF&action=wont_do&reason=" "$U/items/INC-2026-02-01-001%231"
assert_eq 400 "$CODE" "won't do without a reason"
assert_file_match "$TMP/nowhy.b" 'Nothing was changed'
assert_file_match "$TMP/nowhy.b" 'reason'
fetch badact -b "$TMP/rw.jar" --data "csrf=$CSRF&action=explode" "$U/items/INC-2026-02-01-001%231"
assert_eq 400 "$CODE" "an unknown action"
fetch noitem -b "$TMP/rw.jar" "$U/items/INC-2026-02-01-001%2399"
assert_eq 404 "$CODE" "an item that does not exist"
assert_file_match "$TMP/noitem.b" 'no item INC-2026-02-01-001#99'
fetch noinc -b "$TMP/rw.jar" "$U/incidents/INC-1999"
assert_eq 404 "$CODE" "an incident that does not exist"
fetch reopen -b "$TMP/rw.jar" --data "csrf=$CSRF&action=reopen" "$U/items/INC-2026-02-01-001%231"
assert_eq 400 "$CODE" "reopening an open item"
assert_eq open "$(t show 'INC-2026-02-01-001#1' --format json | json_py 'd["status"]')" "item 1 after the refused forms"
fetch sub -b "$TMP/rw.jar" --data "csrf=$CSRF&scope=all" "$U/subscribe"
assert_eq 200 "$CODE" "subscribe"
FEED=$(grep -o "$U/feeds/[A-Za-z0-9_-]*\.ics" "$TMP/sub.b" | head -1)
t feed list >"$TMP/feeds"
assert_file_match "$TMP/feeds" 'CREATED BY'
assert_file_match "$TMP/feeds" 'ana \(token 1\)'
fetch f1 "$FEED"
assert_eq 200 "$CODE" "the new feed"

# --- Last-Modified moves when an item leaves the feed ---
LM1=$(header f1 Last-Modified)
ET1=$(header f1 ETag)
fetch markdone -X POST -H "Authorization: Bearer $RW" --data '{"status":"done"}' "$U/api/v1/items/INC-2026-02-01-001%232"
assert_eq 200 "$CODE" "marking #2 done (it leaves the feed of open items)"
fetch f2 -H "If-Modified-Since: $LM1" "$FEED"
assert_eq 200 "$CODE" "If-Modified-Since with the date from before the item left"
assert_file_no_match "$TMP/f2.b" 'Drain runbook' "the done item is gone"
LM2=$(header f2 Last-Modified)
[[ $LM2 != "$LM1" ]] || fail "Last-Modified did not move ($LM1) though an item left the feed"
[[ $(header f2 ETag) != "$ET1" ]] || fail "ETag did not change"
fetch f3 -H "If-Modified-Since: $LM2" "$FEED"
assert_eq 304 "$CODE" "If-Modified-Since with the new date"

# --- revoking the token revokes its feed and ends its sessions ---
run t token revoke 1
assert_eq 0 "$RC" "token revoke: $(cat "$TMP/err")"
assert_file_match "$TMP/out" 'token 1 revoked, with the 1 feed created through it'
sleep 0.3 # the server sees another process's commit within 100 ms (WATCH_INTERVAL_NS)
fetch f4 "$FEED"
assert_eq 404 "$CODE" "the feed of a revoked token"
fetch dash2 -b "$TMP/rw.jar" "$U/"
assert_eq 303 "$CODE" "the dashboard session of a revoked token"
t feed list --all >"$TMP/feeds"
assert_file_match "$TMP/feeds" 'ana \(token 1\)'

# --- the incidents API shows no server path ---
fetch inc -H "Authorization: Bearer $RO" "$U/api/v1/incidents"
assert_eq 200 "$CODE" "GET /api/v1/incidents"
assert_file_no_match "$TMP/inc.b" "$TMP" "incidents API shows the server's directories"
assert_file_no_match "$TMP/inc.b" 'secret-dir' "incidents API shows the server's directories"
assert_eq pm.md "$(json_py 'd[0]["source"]' <"$TMP/inc.b")" "the document's file name"
# (the CLI, on the machine itself, still gives the full path)
t incidents --format json >"$TMP/cli.json"
assert_file_match "$TMP/cli.json" "secret-dir/pm.md"

# --- every 405 says what is allowed ---
check405() { # METHOD PATH ALLOW
	fetch m405 -X "$1" "$U$2"
	assert_eq 405 "$CODE" "$1 $2"
	assert_eq "$3" "$(header m405 Allow)" "Allow of $1 $2"
}
check405 DELETE /api/v1/items 'GET, HEAD'
check405 PUT '/api/v1/items/INC-2026-02-01-001%231' 'GET, HEAD, POST'
check405 POST /api/v1/incidents 'GET, HEAD'
check405 PUT /feeds/x.ics 'GET, HEAD'
check405 DELETE / 'GET, HEAD'
check405 GET /logout 'POST'
check405 GET /subscribe 'POST'
check405 PUT /login 'GET, HEAD, POST'
check405 DELETE '/items/INC-2026-02-01-001%231' 'GET, HEAD, POST'
check405 POST '/incidents/INC-2026-02-01-001' 'GET, HEAD'
check405 POST /metrics 'GET, HEAD'
stop_http
echo "1 passed, 0 failed"
