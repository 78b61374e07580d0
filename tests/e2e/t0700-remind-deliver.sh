#!/usr/bin/env bash
# t0700 — `tracker remind` against the real loopback SMTP server (aiosmtpd) and the signature-checking
# webhook receiver: one digest per recipient arrives; a second pass the same day sends nothing; a
# webhook answering 500 is delivered after its backoff; one answering 410 is dead, listed by
# `outbox list --state dead`, and `outbox retry` sends it again; --dry-run writes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command remind outbox

start_smtp
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
start_server team "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/team" --secret $SECRET \
	--statuses 500
TEAM_PORT=$PORT
start_server gone "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/gone" --secret $SECRET \
	--statuses 410
GONE_PORT=$PORT
{
	smtp_config "Tracker <tracker@example.org>"
	webhook_config team "$TEAM_PORT" "format = generic" "secret = $SECRET"
	webhook_config gone "$GONE_PORT" "format = slack" "secret = $SECRET" "priorities = P0"
} >"$TMP/config.ini"

write_postmortem "$TMP/pm.md" INC-2026-04-01-001 "| 1 | Add alerting on queue depth | @alice | 2026-04-10 | P0 | Open |
| 2 | Document the failover | @alice | 2026-04-12 | P1 | Open |
| 3 | Fix the retry storm | @bob | 2026-04-15 | P0 | In progress |
| 4 | Load-test the pool | @carol | 2026-04-01 | P1 | Blocked |
| 5 | Tidy dashboards | @dave | 2026-04-01 | P2 | Open |
| 6 | Already done | @alice | 2026-04-01 | P0 | Done |"
t import "$TMP/pm.md" >/dev/null
add_person alice alice@example.org Europe/Berlin
add_person bob bob@example.org America/New_York
add_person carol carol@example.org UTC
add_person dave dave@example.org UTC

NOW=2026-04-20T14:00:00Z # Monday: 16:00 in Berlin, 10:00 in New York

# --dry-run: prints the digests, writes nothing.
before=$(db_dump "$DB" | sha256sum)
assert_rc 0 tc remind --dry-run --explain --now $NOW
assert_file_match "$TMP/out" '^would queue: email alice@example.org .*2 items' "dry run"
assert_file_match "$TMP/out" '^INC-2026-04-01-001#5 P2 dave: .*not in \[reminders\] priorities' "explain"
assert_file_match "$TMP/out" '^INC-2026-04-01-001#1 P0 alice: reminded' "explain"
assert_eq "$before" "$(db_dump "$DB" | sha256sum)" "database content after --dry-run"
[[ ! -e $TMP/mail/msg-0001.eml ]] || fail "--dry-run sent mail"

# First pass: three e-mail digests (alice with 2 items), webhooks: team gets 500, gone gets 410.
assert_rc 5 tc remind --now $NOW
assert_file_match "$TMP/out" 'sent 3, retrying 1, dead 1' "first pass summary"
assert_file_match "$TMP/err" 'dead #[0-9]+ webhook:gone gone after 1 attempt' "dead log line"
mail_ids "$TMP/mail" >"$TMP/ids"
assert_eq 3 "$(wc -l <"$TMP/ids")" "messages after the first pass"
assert_eq 3 "$(cut -d' ' -f1 "$TMP/ids" | sort -u | wc -l)" "distinct recipients"
assert_file_match "$TMP/ids" '^alice@example.org <[0-9a-f]{32}@example.org>$' "alice's Message-ID"
"$PY" - "$TMP/mail" <<'EOP' || fail "alice's digest"
import email, email.policy, glob, sys
for f in glob.glob(sys.argv[1] + "/msg-*.eml"):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    if "alice" in str(m["To"]):
        body = m.get_body(("plain",)).get_content()
        assert "INC-2026-04-01-001#1" in body and "INC-2026-04-01-001#2" in body, body
        assert "#6" not in body, body
        assert "2 overdue action items" in str(m["Subject"]), m["Subject"]
EOP

# Second pass the same day (later): nothing new is queued or sent; the 500 webhook is not due yet
# unless its jittered backoff (<= 1 min) has passed — it has, at 14:05.
assert_rc 0 tc remind --now 2026-04-20T14:05:00Z
assert_file_match "$TMP/out" '^0 new digests queued; sent 1, retrying 0, dead 0' "second pass"
assert_eq 3 "$(mail_ids "$TMP/mail" | wc -l)" "messages after the second pass"
hook_ids "$TMP/team" >"$TMP/team.ids"
assert_eq 2 "$(wc -l <"$TMP/team.ids")" "team webhook requests (500, then 200)"
assert_eq 1 "$(cut -d' ' -f2 "$TMP/team.ids" | sort -u | wc -l)" "the retry's webhook-id"
assert_file_match "$TMP/team.ids" '^500 msg_[0-9a-f]{32} verified$' "first team request"
assert_file_match "$TMP/team.ids" '^200 msg_[0-9a-f]{32} verified$' "second team request"

# The dead webhook is listed; retry sends it (the receiver answers 200 after its list).
tc outbox list --state dead --format json >"$TMP/dead.json"
assert_eq 1 "$(json_len <"$TMP/dead.json")" "dead rows"
assert_eq "webhook:gone 410" "$(json_py 'd[0]["channel"] + " " + str(d[0]["last_code"])' <"$TMP/dead.json")"
DEAD_ID=$(json_py 'd[0]["id"]' <"$TMP/dead.json")
assert_rc 0 tc outbox list --state dead
assert_file_match "$TMP/out" "^$DEAD_ID +dead " "table listing"
assert_rc 0 tc outbox show "$DEAD_ID"
assert_file_match "$TMP/out" '"webhook_id": "msg_[0-9a-f]{32}"' "outbox show"
assert_rc 1 tc outbox retry 1
assert_file_match "$TMP/err" 'is sent; only dead or pending' "retrying a sent row"
assert_rc 0 tc outbox retry "$DEAD_ID" --now 2026-04-20T14:10:00Z
assert_rc 0 tc remind --now 2026-04-20T14:10:00Z
assert_file_match "$TMP/out" 'sent 1, retrying 0, dead 0' "after retry"
assert_eq 1 "$(hook_ids "$TMP/gone" | cut -d' ' -f2 | sort -u | wc -l)" "gone webhook-id stable across retry"

# Every row is sent now; a pass the next day (Tuesday) repeats only the P0 items (every 1d).
tc outbox list --format json >"$TMP/all.json"
assert_eq "sent sent sent sent sent" "$(json_py '" ".join(r["state"] for r in d)' <"$TMP/all.json")"
assert_rc 0 tc remind --now 2026-04-21T14:00:00Z
assert_file_match "$TMP/out" '^queued: email alice@example.org .*1 item' "alice's P0 again on day 2"
assert_file_no_match "$TMP/out" 'carol' "carol's P1 repeats every 3 days"
assert_rc 0 tc outbox purge --sent-before 2026-04-21
assert_file_match "$TMP/out" '^5 sent notifications purged' "purge"
echo "t0700: ok"
