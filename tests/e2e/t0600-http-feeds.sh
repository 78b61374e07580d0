#!/usr/bin/env bash
# t0600 — calendar feeds over HTTP (`tracker feed`, `tracker http`, curl): URLs printed once, the body
# equals `tracker ical` and parses in ical.js and python3-icalendar, headers (type, strong ETag,
# Last-Modified, Cache-Control, Vary), HEAD, If-None-Match → 304, gzip (decompressed and compared),
# a change makes a new ETag, unknown/malformed/revoked tokens → the same 404 as any unknown path, and
# tokens never reach the log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "curl is not installed"

CONFIG=$TMP/config.ini
printf '[server]\nbase_url = https://tracker.example.com\n' >"$CONFIG"
tc() { t --config "$CONFIG" "$@"; }
tc import "$SRCDIR/contrib/examples" >/dev/null

# --- tracker feed create: https:// and webcal:// URLs, shown once ---
assert_rc 0 tc feed create --scope all
assert_file_match "$TMP/out" '^https://tracker\.example\.com/feeds/[A-Za-z0-9_-]{43}\.ics$'
assert_file_match "$TMP/out" '^webcal://tracker\.example\.com/feeds/[A-Za-z0-9_-]{43}\.ics$'
assert_file_match "$TMP/err" 'shown only now'
TOK=$(sed -n 's|^https://.*/feeds/\(.*\)\.ics$|\1|p' "$TMP/out")
assert_rc 0 tc feed create --scope owner:amara --todo --name "Amara's tasks"
TODO_TOK=$(sed -n 's|^https://.*/feeds/\(.*\)\.ics$|\1|p' "$TMP/out")
# Without base_url: the path, and a note saying so.
assert_rc 0 t feed create --scope overdue
assert_file_match "$TMP/out" '^/feeds/[A-Za-z0-9_-]{43}\.ics$'
assert_file_match "$TMP/err" 'base_url is not set'
assert_rc 0 t feed list
assert_file_match "$TMP/out" "Amara's tasks"
# Only the hash is stored.
[[ $(dbq "SELECT count(*) FROM feeds WHERE token_hash = '$(printf %s "$TOK" | sha256sum | cut -c1-64)'") == 1 ]] ||
	fail "feed token not stored as its SHA-256"
if db_dump "$DB" | grep -c -- "$TOK" >/dev/null; then fail "the token itself is in the database"; fi

start_http --access-log

# --- GET: body, headers, parsers ---
fetch feed "$U/feeds/$TOK.ics"
assert_eq 200 "$CODE" "GET feed"
assert_eq 'text/calendar; charset=utf-8' "$(header feed Content-Type)" "Content-Type"
assert_eq 'private, max-age=900' "$(header feed Cache-Control)" "Cache-Control"
assert_eq 'Accept-Encoding' "$(header feed Vary)" "Vary"
ETAG=$(header feed ETag)
assert_match '^"[0-9a-f]{64}"$' "$ETAG" "ETag (strong)"
assert_eq "\"$(sha256 "$TMP/feed.b")\"" "$ETAG" "ETag is the SHA-256 of the body"
assert_match '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' "$(header feed Last-Modified)" "Last-Modified"
assert_eq nosniff "$(header feed X-Content-Type-Options)" "nosniff"
tc ical --scope all --name 'Action items (all)' -o "$TMP/cli.ics"
assert_same_file "$TMP/cli.ics" "$TMP/feed.b" "feed over HTTP vs tracker ical"
n_js=$(node "$SRCDIR/tests/tools/check_ical.js" "$TMP/feed.b" events) || fail "ical.js rejected the feed"
n_py=$("$PY" "$SRCDIR/tests/tools/check_ical.py" "$TMP/feed.b" events) || fail "python3-icalendar rejected the feed"
assert_eq "$(echo "$n_js" | grep -o '[0-9]* VEVENT')" "$(echo "$n_py" | grep -o '[0-9]* VEVENT')" "parsers agree"
note "feed: $n_py"

# The todo flavour and the alternative /feeds/<token>/<name>.ics form.
fetch todo "$U/feeds/$TODO_TOK/amara.ics"
assert_eq 200 "$CODE" "GET todo feed"
node "$SRCDIR/tests/tools/check_ical.js" "$TMP/todo.b" todo >/dev/null || fail "ical.js rejected the todo feed"
"$PY" "$SRCDIR/tests/tools/check_ical.py" "$TMP/todo.b" todo >/dev/null || fail "python3-icalendar rejected the todo feed"
grep -q "X-WR-CALNAME:Amara's tasks" "$TMP/todo.b" || fail "todo feed name"

# --- HEAD ---
fetch head -I "$U/feeds/$TOK.ics"
assert_eq 200 "$CODE" "HEAD"
assert_eq "$ETAG" "$(header head ETag)" "HEAD ETag"
assert_eq "$(stat -c %s "$TMP/feed.b")" "$(header head Content-Length)" "HEAD Content-Length"
# curl -I writes the headers where the body would go: nothing else may be there.
cmp -s "$TMP/head.h" "$TMP/head.b" || fail "HEAD sent a body"

# --- conditional requests ---
fetch nm -H "If-None-Match: $ETAG" "$U/feeds/$TOK.ics"
assert_eq 304 "$CODE" "If-None-Match with the current ETag"
[[ ! -s $TMP/nm.b ]] || fail "304 with a body"
assert_eq "$ETAG" "$(header nm ETag)" "304 ETag"
fetch nm2 -H 'If-None-Match: "0000"' "$U/feeds/$TOK.ics"
assert_eq 200 "$CODE" "If-None-Match with another ETag"
fetch ims -H "If-Modified-Since: $(header feed Last-Modified)" "$U/feeds/$TOK.ics"
assert_eq 304 "$CODE" "If-Modified-Since"

# --- gzip ---
fetch gz -H 'Accept-Encoding: gzip' "$U/feeds/$TOK.ics"
assert_eq 200 "$CODE" "gzip GET"
assert_eq gzip "$(header gz Content-Encoding)" "Content-Encoding"
assert_eq 'Accept-Encoding' "$(header gz Vary)" "Vary on gzip"
gunzip -c <"$TMP/gz.b" >"$TMP/gz.plain" || fail "body is not gzip"
assert_same_file "$TMP/feed.b" "$TMP/gz.plain" "gunzipped feed"
[[ $(stat -c %s "$TMP/gz.b") -lt $(stat -c %s "$TMP/feed.b") ]] || fail "gzip body not smaller"
GZ_ETAG=$(header gz ETag)
[[ $GZ_ETAG != "$ETAG" ]] || fail "gzip and plain share a strong ETag"
fetch gz304 -H 'Accept-Encoding: gzip' -H "If-None-Match: $GZ_ETAG" "$U/feeds/$TOK.ics"
assert_eq 304 "$CODE" "If-None-Match on the gzip variant"
fetch nogz -H 'Accept-Encoding: gzip;q=0, identity' "$U/feeds/$TOK.ics"
[[ -z $(header nogz Content-Encoding) ]] || fail "gzip;q=0 still got gzip"

# --- a change makes a new body and ETag; the old ETag gets the new body ---
tok_rw=$(t token create --name e2e-bot 2>/dev/null)
id=$(t list --format json | json_py 'd[0]["id"]')
fetch post -X POST -H "Authorization: Bearer $tok_rw" --data '{"due":"2031-01-31"}' "$U/api/v1/items/${id/\#/%23}"
assert_eq 200 "$CODE" "POST change"
fetch after -H "If-None-Match: $ETAG" "$U/feeds/$TOK.ics"
assert_eq 200 "$CODE" "old ETag after a change"
[[ $(header after ETag) != "$ETAG" ]] || fail "ETag did not change with the data"
grep -q 'DTSTART;VALUE=DATE:20310131' "$TMP/after.b" || fail "the new due date is not in the feed"
# A change by another process (the CLI) is seen too (PRAGMA data_version).
ETAG2=$(header after ETag)
tc feed revoke 3 >/dev/null
sleep 0.2
fetch after2 -H "If-None-Match: $ETAG2" "$U/feeds/$TOK.ics"
assert_eq 304 "$CODE" "unrelated change keeps the ETag (same bytes)"

# --- 404s: unknown, malformed, revoked; same body as an unknown path ---
fetch unknown "$U/no/such/path"
assert_eq 404 "$CODE" "unknown path"
fetch bad "$U/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics"
assert_eq 404 "$CODE" "unknown token"
assert_same_file "$TMP/unknown.b" "$TMP/bad.b" "404 body for an unknown token"
fetch short "$U/feeds/abc.ics"
assert_eq 404 "$CODE" "malformed token"
fetch noext "$U/feeds/$TOK"
assert_eq 404 "$CODE" "token without .ics"
fetch post405 -X POST "$U/feeds/$TOK.ics"
assert_eq 405 "$CODE" "POST to a feed"
tc feed revoke 1 >/dev/null
# Another process's commit is seen within 0.1 s (PRAGMA data_version, looked at most that often).
for _ in $(seq 40); do
	fetch revoked "$U/feeds/$TOK.ics"
	[[ $CODE == 404 ]] && break
	sleep 0.05
done
assert_eq 404 "$CODE" "revoked token"
assert_same_file "$TMP/unknown.b" "$TMP/revoked.b" "404 body for a revoked token"

stop_http
# Tokens never reach the log; feeds are logged by id.
if grep -q -e "$TOK" -e "$TODO_TOK" -e "$tok_rw" "$TMP/http.log"; then fail "a token is in the log"; fi
assert_file_match "$TMP/http.log" 'feed /feeds/#1 200'
echo "1 passed, 0 failed"
