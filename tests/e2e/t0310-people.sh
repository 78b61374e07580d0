#!/usr/bin/env bash
# t0310 — people add/list/show/remove/import/unmapped; bad rows import nothing.
set -euo pipefail
: "${TRACKER_BIN:?}"
. "$(dirname "$0")/lib.sh"
# (lib.sh: the temporary directory and $DB, on SQLite or PostgreSQL; cli_lib.sh: t, fail, py,
# expect_fail — this script reports its own failures, without lib.sh's ERR trap)
. "$(dirname "$0")/cli_lib.sh"

cat >"$tmp/pm.md" <<'MD'
# Post-Mortem: Checkout outage

**Incident ID:** INC-2026-03-14-042  

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alert | @alice | 2026-04-01 | P0 | Not started |
| 2 | Runbook | @bob, @carol | | P1 | In progress |
| 3 | Chaos test | @dave | 2026-05-01 | P2 | Done |
MD
t import "$tmp/pm.md" >/dev/null

t people -h | grep -c 'tracker people import' >/dev/null || fail "people -h"
for v in add list show remove import unmapped; do
	t people "$v" -h | grep -c "usage: tracker people $v" >/dev/null || fail "people $v -h"
done

expect_fail 1 people add @alice --email alice@example.com --manager @erin # erin is nobody yet
grep -q 'manager erin of alice is not in tracker people' "$tmp/err" || fail "unknown manager message"
t people add @alice --email alice@example.com --name "Alice A" --tz Europe/Berlin --manager @erin \
	--allow-unknown-manager >/dev/null
expect_fail 1 people add bob --email bob@example.com --tz Mars/Olympus
grep -q 'Mars/Olympus' "$tmp/err" || fail "tz message"
expect_fail 1 people add bob --email "bob@example.com
Bcc: everyone@example.com"
expect_fail 1 people add bob --email "not an address"
expect_fail 2 people add bob --name Bob
expect_fail 2 people frobnicate

t people unmapped --format json | py '
import json,sys
u={(x["handle"],x["reason"]):x for x in json.load(sys.stdin)}
# dave only owns a done item; alice is mapped, but her manager erin is nobody
assert set(u)=={("bob","no entry"),("carol","no entry"),("alice","manager erin not in people")}, u
assert u[("bob","no entry")]["open_items"]==1
'

cat >"$tmp/people.csv" <<'CSV'
email,handle,name,tz,slack
bob@example.com,@bob,"Bob, the builder",America/New_York,U123
"carol@example.com",carol,"Carol ""CC"" C",,
CSV
t people import "$tmp/people.csv" | grep -c '2 added' >/dev/null || fail "import counts"
t people import "$tmp/people.csv" | grep -c '2 unchanged' >/dev/null || fail "re-import counts"
t people list --format json | py '
import json,sys
p={x["handle"]:x for x in json.load(sys.stdin)}
assert len(p)==3, p
assert p["bob"]["name"]=="Bob, the builder" and p["bob"]["slack"]=="U123"
assert p["carol"]["name"]=="Carol \"CC\" C" and p["carol"]["tz"] is None
assert p["alice"]["manager"]=="erin"
'
# every owner is mapped now; what is left is alice's manager, who is nobody
t people unmapped --format json | py '
import json,sys
u=json.load(sys.stdin)
assert [(x["handle"], x["reason"]) for x in u]==[("alice","manager erin not in people")], u
'

printf 'handle,email\nfrank,frank@example.com\ngina,gina at example.com\n' >"$tmp/bad.csv"
expect_fail 1 people import "$tmp/bad.csv"
grep -q "bad.csv:3:" "$tmp/err" || fail "file:line in $(cat "$tmp/err")"
t people show frank >/dev/null 2>&1 && fail "frank imported from a bad file"

t people show bob --format json | py 'import json,sys; assert json.load(sys.stdin)["email"]=="bob@example.com"'
t people remove bob >/dev/null
expect_fail 1 people remove bob
t people unmapped | grep -c '^bob' >/dev/null || fail "bob unmapped after remove"
echo ok
