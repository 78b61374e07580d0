#!/usr/bin/env bash
# t0460 — webhooks over https against the real receiver with a throwaway certificate: delivered and
# the Standard Webhooks signature verified when the certificate verifies through [webhook] ca_file;
# nothing delivered when it does not verify; plain http refused unless allow_http = true.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
command -v openssl >/dev/null || skip "no openssl command"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
start_server hook "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/hooks" --secret "$SECRET" \
	--tls "$TMP/cert.pem:$TMP/key.pem"
config() { # URL EXTRA-LINES...
	{
		printf '[webhook team]\nurl = %s\nformat = generic\nsecret = %s\ntimeout = 5\n' "$1" "$SECRET"
		shift
		printf '%s\n' "$@"
	} >"$TMP/config.ini"
}
send() { "$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" notify test --webhook team; }
nreq() { find "$TMP/hooks" -name 'req-*.json' | wc -l; }

config "https://127.0.0.1:$PORT/hook" "ca_file = $TMP/cert.pem"
assert_rc 0 send
assert_file_match "$TMP/out" '^team: ok \(code 200\)' "https with ca_file"
"$PY" -c 'import json,sys,glob; r=json.load(open(glob.glob(sys.argv[1]+"/req-*.json")[0])); assert r["verified"] is True, r' \
	"$TMP/hooks" || fail "signature not verified by the receiver"

config "https://127.0.0.1:$PORT/hook"
assert_rc 5 send
assert_file_match "$TMP/out" '[Cc]ertificate|SSL|TLS' "untrusted certificate says why"
assert_eq 1 "$(nreq)" "nothing delivered with an untrusted certificate"

config "http://127.0.0.1:$PORT/hook"
assert_rc 3 send
assert_file_match "$TMP/err" 'allow_http' "plain http refused"
echo "1 passed, 0 failed"
