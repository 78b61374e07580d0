#!/bin/bash
# t0400 — reminder e-mail through the real smtp transport (libcurl) to a real SMTP server (aiosmtpd):
# messages arrive and parse (headers, both parts, RFC 2047 name, CRLF, line lengths), a batch uses one
# connection, an injection attempt sends nothing, 4xx → tempfail, 5xx → permfail, server down → tempfail.
set -eu
: "${SRCDIR:?}" "${BUILDDIR:?}"
PY=/usr/bin/python3
DRIVER="$BUILDDIR/tests/notify_driver"
T=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start_server() {
	"$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$T/mail" >"$T/port" 2>"$T/server.log" &
	SERVER_PID=$!
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	PORT=$(head -1 "$T/port")
	[ -n "$PORT" ] || fail "SMTP server did not start: $(cat "$T/server.log")"
}
write_config() {
	cat >"$T/config.ini" <<EOC
[smtp]
url = smtp://127.0.0.1:$1
from = Tracker <tracker@example.org>
starttls = off
timeout = 5
list_id = reminders.example.org
unsubscribe_url = https://tracker.example.org/unsubscribe
[server]
base_url = https://tracker.example.org
EOC
}

start_server
write_config "$PORT"

# 1. A batch of three digests: all delivered, over one connection.
"$DRIVER" smtp "$T/config.ini" --count 3 --key t0400 >"$T/out"
[ "$(grep -c '^result=ok code=250' "$T/out")" = 3 ] || fail "batch: $(cat "$T/out")"
[ "$(ls "$T/mail"/msg-*.eml | wc -l)" = 3 ] || fail "expected 3 stored messages"
[ "$(wc -l <"$T/mail/connections.log")" = 1 ] || fail "batch used $(wc -l <"$T/mail/connections.log") connections, want 1"

# 2. Parse what arrived as a mail client would.
"$PY" - "$T/mail" <<'EOP' || fail "message check"
import email, email.policy, glob, sys, re
msgs = sorted(glob.glob(sys.argv[1] + "/msg-*.eml"))
ids = set()
for path in msgs:
    raw = open(path, "rb").read()
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in " + path
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998, "line longer than 998"
    m = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(m["To"]) == "Zoë Ångström <zoe@example.org>", m["To"]
    assert m["To"].addresses[0].display_name == "Zoë Ångström"
    assert "=?UTF-8?B?" in raw.decode("ascii").split("\r\n\r\n")[0], "name not RFC 2047-encoded"
    assert str(m["Subject"]).startswith("[tracker] 5 overdue action items (1 P0)"), m["Subject"]
    assert m["Auto-Submitted"] == "auto-generated"
    assert m["List-Id"] == "<reminders.example.org>", m["List-Id"]
    assert m["List-Unsubscribe"] == "<https://tracker.example.org/unsubscribe>"
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", m["Message-ID"]), m["Message-ID"]
    assert m["Date"].datetime is not None
    ids.add(m["Message-ID"])
    assert m.get_content_type() == "multipart/alternative"
    parts = list(m.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text = parts[0].get_content()
    html = parts[1].get_content()
    assert "INC-2026-03-01-040#2" in text and "Zoë Ångström" in text
    assert "Réviser la procédure" in text and "監視ダッシュボード" in text
    assert "https://tracker.example.org/items/INC-2026-03-01-040%232" in text
    assert "&lt;load balancer&gt;" in html and "<load balancer>" not in html
    assert "\x01" not in text and "\ufffd" in text
    for p in parts:
        assert p["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
env = [l for l in open(msgs[0][:-4] + ".env").read().split() if not l.startswith(("tls=", "auth="))]
assert env == ["tracker@example.org", "zoe@example.org"], env
assert len(ids) == len(msgs), "Message-IDs must differ between digests"
print("t0400: %d messages parsed" % len(msgs))
EOP

# 3. A retry of the same digest keeps its Message-ID.
"$DRIVER" smtp "$T/config.ini" --count 1 --key t0400 >/dev/null
a=$(grep -i '^Message-ID' "$T/mail/msg-0001.eml"); b=$(grep -i '^Message-ID' "$T/mail/msg-0004.eml")
[ "$a" = "$b" ] || fail "retry changed the Message-ID: $a vs $b"

# 4. Injection: CR LF in the address is refused, nothing is sent.
before=$(ls "$T/mail"/msg-*.eml | wc -l); conns=$(wc -l <"$T/mail/connections.log")
"$DRIVER" smtp "$T/config.ini" --inject >"$T/out"
grep -q '^result=permfail code=0 .*control character' "$T/out" || fail "injection: $(cat "$T/out")"
[ "$(ls "$T/mail"/msg-*.eml | wc -l)" = "$before" ] || fail "injection sent a message"
[ "$(wc -l <"$T/mail/connections.log")" = "$conns" ] || fail "injection even connected"

# 5. 4xx → tempfail, 5xx → permfail (RCPT and end of DATA).
echo "451 4.3.0 Try again later" >"$T/mail/reply-rcpt"
"$DRIVER" smtp "$T/config.ini" >"$T/out"
grep -q '^result=tempfail code=451' "$T/out" || fail "451: $(cat "$T/out")"
echo "550 5.1.1 No such user" >"$T/mail/reply-rcpt"
"$DRIVER" smtp "$T/config.ini" >"$T/out"
grep -q '^result=permfail code=550' "$T/out" || fail "550: $(cat "$T/out")"
rm "$T/mail/reply-rcpt"
echo "452 4.3.1 Insufficient storage" >"$T/mail/reply-data"
"$DRIVER" smtp "$T/config.ini" >"$T/out"
grep -q '^result=tempfail code=452' "$T/out" || fail "452 after DATA: $(cat "$T/out")"
echo "554 5.6.0 Message rejected" >"$T/mail/reply-data"
"$DRIVER" smtp "$T/config.ini" >"$T/out"
grep -q '^result=permfail code=554' "$T/out" || fail "554 after DATA: $(cat "$T/out")"
rm "$T/mail/reply-data"

# 6. Server down: connection refused → tempfail.
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
"$DRIVER" smtp "$T/config.ini" >"$T/out"
grep -q '^result=tempfail code=0' "$T/out" || fail "server down: $(cat "$T/out")"
echo "t0400: ok"
