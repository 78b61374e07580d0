#!/usr/bin/env bash
# t0620 — signed action links (/act/…) with curl: a GET only shows a confirmation page (nothing
# changes), the POST marks the item done / snoozes it a week (history: source api); a replayed,
# tampered (signature, item, action, expiry) or expired link changes nothing. The server secret file is
# created 0600 on first use.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "curl is not installed"
LINK=$BUILDDIR/tests/action_link
[[ -x $LINK ]] || fail "tests/tools/action_link is not built"

t import "$SRCDIR/contrib/examples" >/dev/null
start_http
# Beside a SQLite database; for a PostgreSQL one, in the user's config directory (actionlink.c).
if [[ $E2E_ENGINE == sqlite ]]; then SECRET=$TMP/server.secret; else SECRET=$XDG_CONFIG_HOME/tracker/server.secret; fi
[[ -f $SECRET ]] || fail "server secret not created at $SECRET"
assert_eq 600 "$(stat -c %a "$SECRET")" "secret file mode"
ITEMS=$(t list --format json)
ID1=$(echo "$ITEMS" | json_py 'd[0]["id"]')
ID2=$(echo "$ITEMS" | json_py 'd[1]["id"]')
status_of() { t list --all --format json | json_py "[i for i in d if i['id'] == '$1'][0]['status']"; }
snooze_of() { t list --all --format json | json_py "[i for i in d if i['id'] == '$1'][0]['snoozed_until']"; }
S1=$(status_of "$ID1")
S2=$(status_of "$ID2")
FUTURE=$(($(date +%s) + 3600))
L=$("$LINK" "$SECRET" "$U" "done" "$ID1" "$FUTURE")
assert_match "^$U/act/done/INC-[0-9-]+%23[^/]+/$FUTURE/[A-Za-z0-9_-]{22}/[A-Za-z0-9_-]{43}$" "$L" "link shape"

# GET: a page with a POST form, no change.
fetch get "$L"
assert_eq 200 "$CODE" "GET link"
assert_file_match "$TMP/get.b" '<form method="post">'
assert_match "default-src 'none'" "$(header get Content-Security-Policy)" "CSP"
assert_eq "$S1" "$(status_of "$ID1")" "status after GET"
fetch head -I "$L"
assert_eq "$S1" "$(status_of "$ID1")" "status after HEAD"

# Tampering: signature, item, action, expiry.
SIG=${L##*/}
BASE=${L%/*}
BAD_SIG=$BASE/$( [[ ${SIG:0:1} == A ]] && echo B || echo A )${SIG:1}
fetch t1 -X POST "$BAD_SIG"
assert_eq 403 "$CODE" "tampered signature"
OTHER_ITEM=${L/${ID1/\#/%23}/${ID2/\#/%23}}
fetch t2 -X POST "$OTHER_ITEM"
assert_eq 403 "$CODE" "link moved to another item"
fetch t3 -X POST "${L/\/act\/done\//\/act\/snooze\/}"
assert_eq 403 "$CODE" "action changed"
fetch t4 -X POST "${L/\/$FUTURE\//\/$((FUTURE + 86400))\/}"
assert_eq 403 "$CODE" "expiry extended"
assert_eq "$S1" "$(status_of "$ID1")" "status after tampering"
assert_eq "$S2" "$(status_of "$ID2")" "other item untouched"

# Expired (validly signed, in the past).
OLD=$("$LINK" "$SECRET" "$U" "done" "$ID1" $(($(date +%s) - 60)))
fetch ex -X POST "$OLD"
assert_eq 410 "$CODE" "expired link"
assert_file_match "$TMP/ex.b" 'expired'
assert_eq "$S1" "$(status_of "$ID1")" "status after an expired link"

# POST: done, once.
fetch post -X POST "$L"
assert_eq 200 "$CODE" "POST link"
assert_eq "done" "$(status_of "$ID1")" "status after POST"
[[ $(dbq "SELECT source || '|' || actor FROM events WHERE field = 'status' ORDER BY id DESC LIMIT 1") == "api|action-link" ]] ||
	fail "link change not recorded with source api"
N=$(dbq "SELECT count(*) FROM events")
fetch replay -X POST "$L"
assert_eq 410 "$CODE" "replayed link"
fetch replayget "$L"
assert_eq 410 "$CODE" "GET of a used link"
assert_eq "$N" "$(dbq "SELECT count(*) FROM events")" "events after replay"

# Snooze a week.
L2=$("$LINK" "$SECRET" "$U" snooze "$ID2" "$FUTURE")
fetch s -X POST "$L2"
assert_eq 200 "$CODE" "snooze"
assert_eq "$(date -u -d '+7 days' +%F)" "$(snooze_of "$ID2")" "snoozed_until"

# A link signed with another secret is refused.
printf '%064d\n' 7 >"$TMP/other.secret"
L3=$("$LINK" "$TMP/other.secret" "$U" "done" "$ID2" "$FUTURE")
fetch o -X POST "$L3"
assert_eq 403 "$CODE" "link signed with another secret"
fetch junk "$U/act/done/x"
assert_eq 404 "$CODE" "malformed link"
stop_http
if grep -q -- "$SIG" "$TMP/http.log"; then fail "a link signature is in the log"; fi
echo "1 passed, 0 failed"
