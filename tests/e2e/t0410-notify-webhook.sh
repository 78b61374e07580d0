#!/bin/bash
# t0410 — webhooks through the real webhook transport (libcurl) to a real receiver that verifies the
# Standard Webhooks signature: slack and generic bodies arrive signed; 500 and 408 → tempfail, 429 →
# tempfail with the Retry-After delay, 410 → permfail, 301 → permfail (not followed), a wrong secret →
# 401 → permfail, plain http without allow_http refused, receiver down → tempfail.
set -eu
: "${SRCDIR:?}" "${BUILDDIR:?}"
PY=/usr/bin/python3
DRIVER="$BUILDDIR/tests/notify_driver"
T=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

"$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$T/hooks" --secret "$SECRET" \
	--statuses 200,200,500,429:7,410,301,408 >"$T/port" 2>"$T/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(head -1 "$T/port")
[ -n "$PORT" ] || fail "receiver did not start: $(cat "$T/server.log")"
printf '%s\n' "$SECRET" >"$T/secret"
cat >"$T/config.ini" <<EOC
[server]
base_url = https://tracker.example.org
[webhook slack]
url = http://127.0.0.1:$PORT/slack
format = slack
secret_file = $T/secret
allow_http = true
timeout = 5
[webhook generic]
url = http://127.0.0.1:$PORT/generic
format = generic
secret = $SECRET
allow_http = true
[webhook wrongkey]
url = http://127.0.0.1:$PORT/generic
secret = whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
allow_http = true
[webhook plainhttp]
url = http://127.0.0.1:$PORT/generic
EOC

"$DRIVER" webhook "$T/config.ini" slack --key t0410s >"$T/out"
grep -q '^result=ok code=200' "$T/out" || fail "slack: $(cat "$T/out")"
"$DRIVER" webhook "$T/config.ini" generic --key t0410g --count 6 >"$T/out"
expected='result=ok code=200 retry_after=0 error=
result=tempfail code=500 retry_after=0 error=webhook answered HTTP 500; will retry
result=tempfail code=429 retry_after=7 error=webhook answered HTTP 429; retry after 7 s
result=permfail code=410 retry_after=0 error=webhook refused the request (HTTP 410)
result=permfail code=301 retry_after=0 error=webhook answered a redirect (HTTP 301); redirects are not followed: put the final URL in [webhook] url
result=tempfail code=408 retry_after=0 error=webhook answered HTTP 408; will retry'
[ "$(cat "$T/out")" = "$expected" ] || fail "status mapping:
$(diff <(echo "$expected") "$T/out")"
[ "$(ls "$T/hooks" | wc -l)" = 7 ] || fail "the 301 was followed? $(ls "$T/hooks")"

"$DRIVER" webhook "$T/config.ini" wrongkey >"$T/out"
grep -q '^result=permfail code=401' "$T/out" || fail "wrong key: $(cat "$T/out")"
if "$DRIVER" webhook "$T/config.ini" plainhttp >"$T/out" 2>"$T/err"; then fail "plain http accepted"; fi
grep -q 'allow_http' "$T/err" || fail "plain http message: $(cat "$T/err")"

"$PY" - "$T/hooks" <<'EOP' || fail "received requests"
import glob, json, sys
reqs = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/req-*.json"))]
assert all(r["verified"] for r in reqs[:7]), [r["why"] for r in reqs]
assert not reqs[7]["verified"] and reqs[7]["status"] == 401
s = reqs[0]
assert s["path"] == "/slack" and s["headers"]["content-type"] == "application/json"
assert s["headers"]["webhook-id"].startswith("msg_")
body = json.loads(s["body"])
assert body["text"].startswith("[tracker] 5 overdue action items (1 P0)")
assert "&lt;load balancer&gt;" in body["text"] and "<load balancer>" not in body["text"]
assert body["blocks"][0]["type"] == "header"
assert any("INC-2026-03-01-040" in b.get("text", {}).get("text", "") for b in body["blocks"])
g = json.loads(reqs[1]["body"])
assert g["version"] == 1 and g["type"] == "tracker.reminder" and len(g["items"]) == 5
assert g["id"] == reqs[1]["headers"]["webhook-id"]
assert g["items"][1]["priority"] == "P0" and g["items"][1]["due"] == "2026-03-02"
assert g["items"][1]["url"] == "https://tracker.example.org/items/INC-2026-03-01-040%232"
assert g["items"][4]["action"].startswith("Rotate the on-call pager key \ufffd\ufffd")
print("t0410: %d requests checked" % len(reqs))
EOP

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
"$DRIVER" webhook "$T/config.ini" generic >"$T/out"
grep -q '^result=tempfail code=0' "$T/out" || fail "receiver down: $(cat "$T/out")"
echo "t0410: ok"
