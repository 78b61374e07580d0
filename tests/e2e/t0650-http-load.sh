#!/usr/bin/env bash
# t0650 — a bounded load test on loopback: wrk with 50 connections for 10 s against `tracker http`
# (feed plain, gzip and conditional, and the API) while another process runs `tracker import` in a
# loop on a document that changes every time. No failed request (wrk reports no non-2xx/3xx responses
# and no socket errors), no 5xx and no "database is locked" in the server log, every import succeeds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
command -v wrk >/dev/null || skip "wrk is not installed (contrib/test.sh installs it)"
command -v curl >/dev/null || skip "curl is not installed"

cp -r "$SRCDIR/contrib/examples" "$TMP/docs"
DOC=$TMP/docs/2026-10-02-checkout-pool-exhaustion.md
t import "$TMP/docs" >/dev/null
FEED=$(t feed create --scope all 2>/dev/null | sed -n 's|^/feeds/|/feeds/|p')
TOK=$(t token create --name load --read-only 2>/dev/null)
start_http
ETAG=$(curl -sS -D - -o /dev/null "$U$FEED" | sed -n 's/^ETag: //Ip' | tr -d '\r')

cat >"$TMP/mix.lua" <<'LUA'
local feed, etag, tok = os.getenv("FEED"), os.getenv("ETAG"), os.getenv("TOK")
local n = 0
request = function()
  n = n + 1
  local k = n % 4
  if k == 0 then
    return wrk.format("GET", feed, {["Accept-Encoding"] = "gzip"})
  elseif k == 1 then
    return wrk.format("GET", feed)
  elseif k == 2 then
    return wrk.format("GET", feed, {["If-None-Match"] = etag})
  end
  return wrk.format("GET", "/api/v1/items?limit=20", {["Authorization"] = "Bearer " .. tok})
end
LUA

# The writer: re-import an edited document in a loop until told to stop.
(
	i=0
	while [[ ! -f $TMP/stop ]]; do
		i=$((i + 1))
		sed -i -E "s/(\| )2026-1[01]-[0-9]{2}( \| P1 )/\12026-11-$(printf %02d $((i % 28 + 1)))\2/" "$DOC"
		if ! "$TRACKER_BIN" --db "$DB" import "$TMP/docs" >/dev/null 2>>"$TMP/import.err"; then
			echo "import $i failed" >>"$TMP/import.err"
		fi
		echo "$i" >"$TMP/imports"
	done
) &
WRITER=$!
FEED=$FEED ETAG=$ETAG TOK=$TOK wrk -t 2 -c 50 -d 10s --timeout 5s -s "$TMP/mix.lua" --latency "$U" >"$TMP/wrk.out" 2>&1 || {
	touch "$TMP/stop"
	wait "$WRITER" || true
	fail "wrk failed: $(cat "$TMP/wrk.out")"
}
touch "$TMP/stop"
wait "$WRITER"
cat "$TMP/wrk.out"
note "imports during the run: $(cat "$TMP/imports")"
[[ $(cat "$TMP/imports") -ge 3 ]] || fail "the import loop hardly ran"
assert_file_no_match "$TMP/wrk.out" 'Non-2xx or 3xx responses'
assert_file_no_match "$TMP/wrk.out" 'Socket errors'
assert_file_match "$TMP/wrk.out" 'requests in'
if [[ -s $TMP/import.err ]]; then fail "imports failed during the load: $(head -20 "$TMP/import.err")"; fi
stop_http
assert_file_no_match "$TMP/http.log" 'database is locked'
assert_file_no_match "$TMP/http.log" ' 5[0-9][0-9]$'
# The server still serves the latest data.
echo "1 passed, 0 failed"
