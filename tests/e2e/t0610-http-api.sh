#!/usr/bin/env bash
# t0610 — the JSON API, /metrics and /healthz with curl: 401 without or with a bad/revoked token
# (WWW-Authenticate: Bearer), 403 for a read-only token on POST, the list JSON equals `tracker list
# --format json`, filters, one item with history, incidents, POST changes recorded with source api and
# the token's name, 400 on bad JSON / unknown fields / bad dates / wont_do without a reason, 404 on an
# unknown item, 413 over [server] max_request_size; Prometheus text; health.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "curl is not installed"

CONFIG=$TMP/config.ini
printf '[server]\nmax_request_size = 1024\n' >"$CONFIG"
t import "$SRCDIR/contrib/examples" >/dev/null
RW=$(t token create --name ana-bot 2>/dev/null)
RO=$(t token create --name viewer --read-only 2>/dev/null)
OLD=$(t token create --name gone 2>/dev/null)
t token revoke 3 >/dev/null
[[ $(dbq "SELECT count(*) FROM api_tokens WHERE token_hash = '$(printf %s "$RW" | sha256sum | cut -c1-64)'") == 1 ]] ||
	fail "API token not stored as its SHA-256"
start_http
A=(-H "Authorization: Bearer $RW")
R=(-H "Authorization: Bearer $RO")

# --- authentication ---
fetch noauth "$U/api/v1/items"
assert_eq 401 "$CODE" "no token"
assert_match '^Bearer' "$(header noauth WWW-Authenticate)" "WWW-Authenticate"
assert_eq application/json "$(header noauth Content-Type)" "error Content-Type"
json_py 'd["error"]' <"$TMP/noauth.b" >/dev/null || fail "401 body is not {\"error\": …}"
fetch badauth -H "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$U/api/v1/items"
assert_eq 401 "$CODE" "bad token"
fetch revoked -H "Authorization: Bearer $OLD" "$U/api/v1/items"
assert_eq 401 "$CODE" "revoked token"
fetch basic -u user:pass "$U/api/v1/items"
assert_eq 401 "$CODE" "Basic auth"

# --- reading ---
fetch list "${R[@]}" "$U/api/v1/items"
assert_eq 200 "$CODE" "GET items (read-only token)"
t list --format json >"$TMP/cli.json"
assert_eq "$(json_normalise <"$TMP/cli.json")" "$(json_normalise <"$TMP/list.b")" "API list vs tracker list --format json"
fetch f1 "${R[@]}" "$U/api/v1/items?owner=amara&priority=P0,P1&all=1"
assert_eq 200 "$CODE" "filters"
t list --owner amara --priority P0,P1 --all --format json >"$TMP/cli2.json"
assert_eq "$(json_normalise <"$TMP/cli2.json")" "$(json_normalise <"$TMP/f1.b")" "filtered list"
fetch f2 "${R[@]}" "$U/api/v1/items?overdue=1&now=2030-01-01&sort=due&limit=2"
assert_eq 2 "$(json_len <"$TMP/f2.b")" "limit"
assert_eq True "$(json_py 'all(i["overdue"] for i in d)' <"$TMP/f2.b")" "overdue filter"
fetch f3 "${R[@]}" "$U/api/v1/items?colour=red"
assert_eq 400 "$CODE" "unknown query parameter"
fetch f4 "${R[@]}" "$U/api/v1/items?due_before=2026-13-01"
assert_eq 400 "$CODE" "bad date in a query"
ID=$(json_py 'd[0]["id"]' <"$TMP/list.b")
EID=${ID/\#/%23}
fetch one "${R[@]}" "$U/api/v1/items/$EID"
assert_eq 200 "$CODE" "GET one item"
assert_eq "$ID" "$(json_py 'd["id"]' <"$TMP/one.b")" "item id"
assert_eq True "$(json_py 'len(d["history"]) >= 1' <"$TMP/one.b")" "history"
fetch none "${R[@]}" "$U/api/v1/items/INC-1999-01-01-001%2399"
assert_eq 404 "$CODE" "unknown item"
fetch inc "${R[@]}" "$U/api/v1/incidents"
assert_eq 200 "$CODE" "incidents"
assert_eq 3 "$(json_len <"$TMP/inc.b")" "incident count"

# --- changing ---
fetch ro -X POST "${R[@]}" --data '{"status":"done"}' "$U/api/v1/items/$EID"
assert_eq 403 "$CODE" "read-only token POST"
post() { fetch "$1" -X POST "${A[@]}" -H 'Content-Type: application/json' --data "$2" "$U/api/v1/items/$EID"; }
post p1 '{"status":"blocked","note":"waiting on vendor"}'
assert_eq 200 "$CODE" "POST status"
assert_eq blocked "$(json_py 'd["status"]' <"$TMP/p1.b")" "new status"
t show "$ID" >"$TMP/show"
assert_file_match "$TMP/show" 'api +changed +ana-bot +status: .* -> blocked'
[[ $(dbq "SELECT source || '|' || actor || '|' || note FROM events WHERE field = 'status' ORDER BY id DESC LIMIT 1") == "api|ana-bot|waiting on vendor" ]] ||
	fail "event not recorded with source api and the token's name"
post p2 '{"due":"2031-02-03","owner":"@zoe"}'
assert_eq 200 "$CODE" "POST due and owner"
assert_eq "2031-02-03 zoe" "$(json_py 'd["due"] + " " + d["owner"]' <"$TMP/p2.b")" "due and owner"
[[ $(dbq "SELECT CASE WHEN base_due IS DISTINCT FROM '2031-02-03' THEN 1 ELSE 0 END FROM items WHERE incident_id || '#' || key = '$ID'") == 1 ]] ||
	fail "base_due was changed"
post p3 '{"status":"wont_do"}'
assert_eq 400 "$CODE" "wont_do without reason"
post p3b '{"status":"wont_do","reason":"superseded by the new pipeline"}'
assert_eq 200 "$CODE" "wont_do with reason"
post p4 '{"status":'
assert_eq 400 "$CODE" "bad JSON"
post p5 '{"priority":"P0"}'
assert_eq 400 "$CODE" "unknown field"
assert_match 'unknown field' "$(cat "$TMP/p5.b")" "unknown field message"
post p6 '{"due":"2026-02-30"}'
assert_eq 400 "$CODE" "bad date"
post p7 '{"status":"finished"}'
assert_eq 400 "$CODE" "bad status"
post p8 '[1,2]'
assert_eq 400 "$CODE" "not an object"
post p9 '{}'
assert_eq 400 "$CODE" "nothing to change"
head -c 5000 /dev/zero | tr '\0' x >"$TMP/big"
fetch big -X POST "${A[@]}" --data-binary @"$TMP/big" "$U/api/v1/items/$EID"
assert_eq 413 "$CODE" "body over max_request_size"
fetch bigchunk -X POST "${A[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" "$U/api/v1/items/$EID"
assert_eq 413 "$CODE" "chunked body over max_request_size"
fetch del -X DELETE "${A[@]}" "$U/api/v1/items/$EID"
assert_eq 405 "$CODE" "DELETE"

# --- /healthz and /metrics ---
fetch health "$U/healthz"
assert_eq 200 "$CODE" "healthz"
assert_eq "$E2E_ENGINE writable" "$(cat "$TMP/health.b")" "healthz body"
dbq "INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, state, next_attempt_at, created_at, updated_at)
  VALUES ('email','a@example.com','overdue','k1','{}','sent','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z'),
         ('email','b@example.com','overdue','k2','{}','dead','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z'),
         ('webhook:sre \"x\"','sre','overdue','k3','{}','pending','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z','2026-01-01T00:00:00Z')"
fetch metrics "$U/metrics"
assert_eq 200 "$CODE" "metrics"
assert_match '^text/plain; version=0.0.4' "$(header metrics Content-Type)" "metrics Content-Type"
M=$TMP/metrics.b
assert_file_match "$M" '^tracker_items_open\{priority="P0"\} [0-9]+$'
assert_file_match "$M" '^tracker_items_overdue\{priority="P1"\} [0-9]+$'
assert_file_match "$M" '^tracker_oldest_overdue_age_seconds [0-9]+$'
assert_file_match "$M" '^tracker_items_on_time_ratio (NaN|[01]\.[0-9]+)$'
assert_file_match "$M" '^tracker_outbox_pending 1$'
assert_file_match "$M" '^tracker_outbox_dead 1$'
assert_file_match "$M" '^tracker_reminders_sent_total\{channel="email"\} 1$'
assert_file_match "$M" '^tracker_reminders_failed_total\{channel="email"\} 1$'
assert_file_match "$M" '^tracker_reminders_sent_total\{channel="webhook:sre \\"x\\""\} 0$'
assert_file_match "$M" '^tracker_http_requests_total\{route="api_items",code="401"\} 4$'
assert_file_match "$M" '^tracker_http_requests_total\{route="api_item",code="413"\} 2$'
# Every sample line is NAME{LABELS} VALUE; every family has HELP and TYPE.
if grep -vE '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[^}]*\})? ([0-9.]+|NaN))$' "$M"; then fail "metrics lines not in the text format"; fi
stop_http
echo "1 passed, 0 failed"
