#!/usr/bin/env bash
# t0450 — e-mail over TLS against the real aiosmtpd server with a throwaway certificate: STARTTLS and
# smtps:// deliver when the certificate verifies (through [smtp] ca_file), and the message went over
# TLS with the login used; an untrusted certificate, a wrong password, or a server that does not
# offer STARTTLS when starttls = required send nothing; a password without TLS is refused before any
# connection; verify_tls = false (test servers only) skips the check.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd not installed"
command -v openssl >/dev/null || skip "no openssl command"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
printf 's3cret pass\n' >"$TMP/password"
chmod 600 "$TMP/password"

config() { # URL STARTTLS EXTRA-LINES...
	{
		printf '[smtp]\nurl = %s\nfrom = tracker@example.org\nstarttls = %s\ntimeout = 5\n' "$1" "$2"
		shift 2
		printf '%s\n' "$@"
	} >"$TMP/config.ini"
}
send() { "$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" notify test --email ops@example.org; }
nmsg() { find "$1" -name 'msg-*.eml' | wc -l; }

# STARTTLS with AUTH, verified through ca_file.
start_server tls "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$TMP/tls" \
	--starttls "$TMP/cert.pem:$TMP/key.pem" --auth "bob:s3cret pass"
TLS_PORT=$PORT
config "smtp://127.0.0.1:$TLS_PORT" required "username = bob" "password_file = $TMP/password" \
	"ca_file = $TMP/cert.pem"
assert_rc 0 send
assert_file_match "$TMP/out" '^ops@example.org: ok \(code 250\)' "STARTTLS + AUTH"
env=$(find "$TMP/tls" -name 'msg-*.env' | head -1)
assert_file_match "$env" '^tls=yes$' "message went over TLS"
assert_file_match "$env" '^auth=bob$' "message sent after login"
if grep -c 's3cret' "$TMP/out" "$TMP/err" >/dev/null; then fail "the password is in the output"; fi

# The same server without ca_file: the system does not trust the certificate; nothing is sent.
config "smtp://127.0.0.1:$TLS_PORT" required "username = bob" "password_file = $TMP/password"
assert_rc 5 send
assert_file_match "$TMP/out" 'permfail|tempfail' "untrusted certificate"
assert_file_match "$TMP/out" '[Cc]ertificate|SSL|TLS' "says why"
assert_eq 1 "$(nmsg "$TMP/tls")" "nothing sent with an untrusted certificate"

# A wrong password: refused, nothing sent, the password not echoed.
printf 'wrong\n' >"$TMP/wrong"
config "smtp://127.0.0.1:$TLS_PORT" required "username = bob" "password_file = $TMP/wrong" "ca_file = $TMP/cert.pem"
assert_rc 5 send
assert_eq 1 "$(nmsg "$TMP/tls")" "nothing sent with a wrong password"
if grep -c 'wrong' "$TMP/out" >/dev/null; then fail "the password is in the output"; fi

# A server without STARTTLS while starttls = required: nothing goes out in the clear.
start_server plain "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$TMP/plain"
config "smtp://127.0.0.1:$PORT" required
assert_rc 5 send
assert_eq 0 "$(nmsg "$TMP/plain")" "no plaintext fallback"

# A password without TLS is refused before connecting.
config "smtp://127.0.0.1:$PORT" off "username = bob" "password_file = $TMP/password"
assert_rc 3 send
assert_file_match "$TMP/err" 'refusing to send a password without TLS' "password without TLS"
assert_eq 0 "$(nmsg "$TMP/plain")" "nothing sent"

# smtps:// (implicit TLS), verified through ca_file.
start_server smtps "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$TMP/smtps" --smtps "$TMP/cert.pem:$TMP/key.pem"
config "smtps://127.0.0.1:$PORT" off "ca_file = $TMP/cert.pem"
assert_rc 0 send
assert_eq 1 "$(nmsg "$TMP/smtps")" "smtps delivered"

# verify_tls = false (local test servers only): the untrusted certificate is accepted.
config "smtp://127.0.0.1:$TLS_PORT" required "username = bob" "password_file = $TMP/password" "verify_tls = false"
assert_rc 0 send
assert_eq 2 "$(nmsg "$TMP/tls")" "verify_tls = false"
echo "1 passed, 0 failed"
