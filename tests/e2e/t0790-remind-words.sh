#!/usr/bin/env bash
# t0790 — true words in reminders, through the binary, the real SMTP server (aiosmtpd) and the
# signature-checking webhook receiver:
#   - a digest of 2 overdue and 2 due-soon items says so in the subject, X-Tracker-Kind (mixed) and
#     the body ("due soon" on such items); on the old code it said "4 overdue action items";
#   - a stand-in (the approver, for an owner with no e-mail) and a manager (escalation) are told why;
#   - Slack: the header counts kinds, due-soon items are labelled, the owner is mentioned by Slack id,
#     the stand-in is named; generic webhook: kind "mixed", summary and counts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command remind people

start_smtp
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
start_server slack "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/slack" --secret $SECRET
SLACK_PORT=$PORT
start_server generic "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/generic" --secret $SECRET
GENERIC_PORT=$PORT
{
	smtp_config "Tracker <tracker@example.org>"
	webhook_config slack "$SLACK_PORT" "format = slack" "secret = $SECRET"
	webhook_config generic "$GENERIC_PORT" "format = generic" "secret = $SECRET"
} >"$TMP/config.ini"

cat >"$TMP/pm.md" <<'EOF'
# Postmortem — queue outage

**Incident ID**: INC-2026-04-01-001
**Date**: 2026-04-01
**Severity**: SEV-2
**Approved by**: @carol

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alerting on queue depth | @alice | 2026-04-10 | P0 | Open |
| 2 | Document the failover | @alice | 2026-04-15 | P1 | Open |
| 3 | Rotate the broker keys | @alice | 2026-04-21 | P1 | Open |
| 4 | Load-test the pool | @alice | 2026-04-22 | P0 | Open |
| 5 | Fix the retry storm | @bob | 2026-04-16 | P0 | Open |
EOF
t import "$TMP/pm.md" >/dev/null
assert_rc 0 tc people add dave --email dave@example.org --name "Dave D"
assert_rc 0 tc people add carol --email carol@example.org --name "Carol C"
assert_rc 0 tc people add alice --email alice@example.org --name "Alice A" --manager dave --slack U0ALICE1
# bob is known but has no e-mail (people add insists on one for a new person)
dbq "INSERT INTO people (handle, name, created_at, updated_at)
	VALUES ('bob', 'Bob B', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"

NOW=2026-04-20T14:00:00Z # a Monday
assert_rc 0 tc remind --now $NOW
assert_file_match "$TMP/out" 'sent 5' "pass summary (3 mails, 2 webhooks)"

"$PY" - "$TMP/mail" <<'EOP' || fail "the e-mails"
import email, email.policy, glob, sys
msgs = {}
for f in glob.glob(sys.argv[1] + "/msg-*.eml"):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    msgs[str(m["To"]).split("<")[-1].rstrip(">")] = m
assert sorted(msgs) == ["alice@example.org", "carol@example.org", "dave@example.org"], sorted(msgs)

a = msgs["alice@example.org"]
assert a["Subject"] == "[tracker] 2 overdue, 2 due soon (2 P0): queue outage", a["Subject"]
assert a["X-Tracker-Kind"] == "mixed", a["X-Tracker-Kind"]
body = a.get_body(("plain",)).get_content()
assert "2 overdue, 2 due soon (2 P0), as of 2026-04-20." in body, body
assert "due 2026-04-21 (due soon: in 1 day)" in body, body
assert "due 2026-04-22 (due soon: in 2 days)" in body, body
assert "due 2026-04-10 (10 days late)" in body, body
assert "Note:" not in body, body  # the owner is not told why: it is theirs
html = a.get_body(("html",)).get_content()
assert "2026-04-21 (due soon)" in html, html

c = msgs["carol@example.org"]
assert c["Subject"] == "[tracker] 1 overdue action item (1 P0): queue outage", c["Subject"]
assert c["X-Tracker-Kind"] == "overdue"
body = c.get_body(("plain",)).get_content()
want = ("Note: you get this as approver of INC-2026-04-01-001, because owner bob has no e-mail in "
        "tracker people")
assert want in body, body
assert want in c.get_body(("html",)).get_content()

d = msgs["dave@example.org"]
assert d["Subject"].startswith("[tracker] Escalation: 1 overdue action item (1 P0)"), d["Subject"]
assert d["X-Tracker-Kind"] == "escalation"
body = d.get_body(("plain",)).get_content()
assert "Note: you are alice's manager; this P0 is 10 days overdue (escalated after 3 days)" in body, body
EOP

"$PY" - "$TMP/slack" "$TMP/generic" <<'EOP' || fail "the webhooks"
import glob, json, sys
def one(d):
    reqs = [json.load(open(f)) for f in sorted(glob.glob(d + "/req-*.json"))]
    assert len(reqs) == 1 and reqs[0]["verified"], reqs
    return json.loads(reqs[0]["body"])
s = one(sys.argv[1])
assert s["blocks"][0]["text"]["text"] == "3 overdue, 2 due soon (3 P0)", s["blocks"][0]
text = s["text"]
assert text.startswith("[tracker] 3 overdue, 2 due soon (3 P0)"), text
assert "Add alerting on queue depth — due 2026-04-10 (10 days late), owner <@U0ALICE1>" in text, text
assert "Rotate the broker keys — due 2026-04-21 _(due soon: in 1 day)_, owner <@U0ALICE1>" in text, text
assert ("Fix the retry storm — due 2026-04-16 (4 days late), owner bob — note: owner bob has no e-mail "
        "in tracker people: e-mail reminders go to approver carol &lt;carol@example.org&gt;") in text, text
g = one(sys.argv[2])
assert g["kind"] == "mixed", g["kind"]
assert g["summary"] == "3 overdue, 2 due soon (3 P0)", g["summary"]
assert g["counts"] == {"overdue": 3, "due_soon": 2, "escalation": 0}, g["counts"]
kinds = {i["key"]: i["kind"] for i in g["items"]}
assert kinds == {"1": "overdue", "2": "overdue", "3": "due_soon", "4": "due_soon", "5": "overdue"}, kinds
why = {i["key"]: i.get("why") for i in g["items"]}
assert why["5"].startswith("owner bob has no e-mail in tracker people"), why
assert why["1"] is None, why
EOP
echo "ok"
