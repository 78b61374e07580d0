#!/usr/bin/env bash
# t0710 — a mail outage: the SMTP server is down for several passes (--now stepping forward), then a
# server answering 451 at DATA, then up again: every reminder arrives, none twice, each with the
# Message-ID it was planned with; the attempts and backoff are recorded in the outbox.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command remind outbox
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd not installed"

# A port that nothing listens on: start a server to learn a free port, then stop it.
start_server probe "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$TMP/probe"
SMTP_PORT=$PORT
stop_server probe
cat >"$TMP/config.ini" <<EOF
[smtp]
url = smtp://127.0.0.1:$SMTP_PORT
from = tracker@example.org
starttls = off
timeout = 5
[reminders]
backoff_base = 1m
backoff_max = 10m
EOF
rows=""
for i in $(seq 1 6); do
	rows+="| $i | Action number $i | @user$i | 2026-04-0$i | P$((i % 2)) | Open |"$'\n'
done
write_postmortem "$TMP/pm.md" INC-2026-04-01-002 "$rows"
t import "$TMP/pm.md" >/dev/null
for i in $(seq 1 6); do add_person "user$i" "user$i@example.org" UTC; done

# Four passes 15 minutes apart with the server down: queued once, retried, never dead (max 8).
for m in 00 15 30 45; do
	assert_rc 0 tc remind --now "2026-04-20T10:${m}:00Z"
done
tc outbox list --format json >"$TMP/rows.json"
assert_eq 6 "$(json_len <"$TMP/rows.json")" "digests queued once each"
assert_eq "pending" "$(json_py '" ".join(sorted(set(r["state"] for r in d)))' <"$TMP/rows.json")" "states"
assert_eq "4" "$(json_py 'min(r["attempts"] for r in d)' <"$TMP/rows.json")" "attempts while down"
assert_match 'Couldn.t connect|connect|refused' "$(json_py 'd[0]["last_error"]' <"$TMP/rows.json")" "last_error"

# Up, but answering 451 at the end of DATA: a temporary failure; nothing stored.
start_server smtp "$PY" "$SRCDIR/tests/servers/smtp_server.py" --port "$SMTP_PORT" --dir "$TMP/mail" \
	--data-reply "451 4.3.0 Try again later"
assert_rc 0 tc remind --now 2026-04-20T11:00:00Z
assert_file_match "$TMP/out" 'sent 0, retrying 6, dead 0' "451 pass"
assert_eq 451 "$(tc outbox list --format json | json_py 'd[0]["last_code"]')" "last_code"
stop_server smtp

# Up for real: everything arrives, once.
start_server smtp "$PY" "$SRCDIR/tests/servers/smtp_server.py" --port "$SMTP_PORT" --dir "$TMP/mail2"
assert_rc 0 tc remind --now 2026-04-20T11:30:00Z
assert_file_match "$TMP/out" 'sent 6, retrying 0, dead 0' "recovery pass"
assert_rc 0 tc remind --now 2026-04-20T12:00:00Z
assert_file_match "$TMP/out" 'sent 0, retrying 0, dead 0' "after recovery"
mail_ids "$TMP/mail" "$TMP/mail2" >"$TMP/ids"
assert_eq 6 "$(wc -l <"$TMP/ids")" "messages"
assert_eq 6 "$(sort -u "$TMP/ids" | cut -d' ' -f1 | sort -u | wc -l)" "one per recipient"
assert_eq 1 "$(wc -l <"$TMP/mail2/connections.log")" "one SMTP connection for the batch"
# The Message-IDs are the ones derived from the queued rows' keys.
tc outbox list --format json | json_py '"\n".join(r["idempotency_key"] for r in d)' >"$TMP/keys"
while read -r key; do
	hex=$(printf '%s' "$key" | sha256sum | cut -c1-32)
	grep -q "<$hex@example.org>" "$TMP/ids" || fail "no message with the Message-ID of $key"
done <"$TMP/keys"
echo "t0710: ok"
