#!/bin/bash
# t0440 — `tracker notify test`: a sample reminder reaches the real SMTP server (aiosmtpd) and the real
# webhook receiver (which verifies the Standard Webhooks signature); failures are reported with the
# right outcome and exit status; a CR/LF in the address is refused and nothing is sent.
set -eu
: "${SRCDIR:?}" "${TRACKER_BIN:?}"
PY=/usr/bin/python3
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start() { # start NAME CMD... ; sets PORT
	local name=$1
	shift
	"$@" >"$T/$name.port" 2>"$T/$name.log" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
	PORT=$(head -1 "$T/$name.port")
	[ -n "$PORT" ] || fail "$name did not start: $(cat "$T/$name.log")"
}
start smtp "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$T/mail"
SMTP_PORT=$PORT
printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$T/secret"
chmod 600 "$T/secret"
start hook "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$T/hooks" \
	--secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --statuses 200,200,410
HOOK_PORT=$PORT
cat >"$T/config.ini" <<EOC
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
from = Tracker <tracker@example.org>
starttls = off
timeout = 5
[webhook team]
url = http://127.0.0.1:$HOOK_PORT/hook
format = slack
secret_file = $T/secret
allow_http = true
timeout = 5
[webhook ops]
url = http://127.0.0.1:$HOOK_PORT/generic
format = generic
secret_file = $T/secret
allow_http = true
EOC
t() { "$TRACKER_BIN" --config "$T/config.ini" --db "$T/db" "$@"; }

t notify test --email ops@example.org >"$T/out" || fail "email: $(cat "$T/out")"
grep -q '^ops@example.org: ok (code 250)' "$T/out" || fail "email outcome: $(cat "$T/out")"
[ "$(ls "$T/mail"/msg-*.eml | wc -l)" = 1 ] || fail "no message stored"
"$PY" - "$T/mail" <<'EOP' || fail "message check"
import email, email.policy, glob, sys
m = email.message_from_bytes(open(glob.glob(sys.argv[1] + "/msg-*.eml")[0], "rb").read(), policy=email.policy.default)
assert str(m["To"]) == "ops@example.org", m["To"]
assert "overdue" in str(m["Subject"]), m["Subject"]
assert m.get_content_type() == "multipart/alternative"
EOP

# Injection: CR LF in the address is refused and nothing is sent.
if t notify test --email $'ops@example.org\r\nRCPT TO:<evil@example.org>' >"$T/out" 2>&1; then
	fail "an address with CR LF was accepted"
fi
[ "$(ls "$T/mail"/msg-*.eml | wc -l)" = 1 ] || fail "the injection attempt sent a message"

# Webhook: signed and verified by the receiver; then 410 → permfail, exit 5.
t notify test --webhook team >"$T/out" || fail "webhook: $(cat "$T/out")"
grep -q '^team: ok (code 200)' "$T/out" || fail "webhook outcome: $(cat "$T/out")"
"$PY" - "$T/hooks" <<'EOP' || fail "webhook check"
import json, glob, sys
r = json.load(open(sorted(glob.glob(sys.argv[1] + "/req-*.json"))[0]))
assert r["verified"] is True, r
body = json.loads(r["body"])
assert "text" in body and "blocks" in body, body
EOP
# The generic format: a versioned JSON document listing the items, signed the same way.
t notify test --webhook ops >"$T/out" || fail "generic webhook: $(cat "$T/out")"
grep -q '^ops: ok (code 200)' "$T/out" || fail "generic outcome: $(cat "$T/out")"
"$PY" - "$T/hooks" <<'EOP' || fail "generic webhook check"
import json, glob, sys
r = json.load(open(sorted(glob.glob(sys.argv[1] + "/req-*.json"))[1]))
assert r["verified"] is True, r
assert r["path"] == "/generic", r["path"]
body = json.loads(r["body"])
assert body.get("version") == 1, body
assert body["items"][0]["id"] == "INC-0000-00-00-TEST#1", body["items"][0]
EOP
set +e
t notify test --webhook team >"$T/out"
rc=$?
set -e
[ $rc = 5 ] || fail "410 should exit 5, got $rc"
grep -q '^team: permfail (code 410)' "$T/out" || fail "410 outcome: $(cat "$T/out")"

# A dead mail server: tempfail, exit 5, a clear message.
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
set +e
t notify test --email ops@example.org >"$T/out"
rc=$?
set -e
[ $rc = 5 ] || fail "dead server should exit 5, got $rc"
grep -q 'tempfail' "$T/out" || fail "dead server outcome: $(cat "$T/out")"
# Unknown webhook name: a config error naming it.
if t notify test --webhook nope >"$T/out" 2>&1; then fail "unknown webhook accepted"; fi
grep -q 'nope' "$T/out" || fail "unknown webhook message: $(cat "$T/out")"
echo "1 passed, 0 failed"
