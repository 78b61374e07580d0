#!/usr/bin/env bash
# t0300 — set/done/reopen/snooze: history, slips, one transaction, bad input changes nothing,
# and a re-import keeps the CLI's value.
set -euo pipefail
: "${TRACKER_BIN:?}"
. "$(dirname "$0")/lib.sh"
# (lib.sh: the temporary directory and $DB, on SQLite or PostgreSQL; cli_lib.sh: t, fail, py,
# expect_fail — this script reports its own failures, without lib.sh's ERR trap)
. "$(dirname "$0")/cli_lib.sh"
field() { t show "$1" --format json | py "import json,sys; print(json.load(sys.stdin)$2)"; }

cat >"$tmp/pm.md" <<'MD'
# Post-Mortem: Checkout outage

**Incident ID:** INC-2026-03-14-042  
**Date:** 2026-03-14  

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alert | @alice | 2026-04-01 | P0 | Not started |
| 2 | Runbook | @bob | | P1 | In progress |
| 3 | Chaos test | | 2026-05-01 | P2 | Not started |
MD
t import "$tmp/pm.md" >/dev/null

for cmd in set 'done' reopen snooze; do
	t "$cmd" -h | grep -c "usage: tracker $cmd" >/dev/null || fail "$cmd -h"
done

# set: due later is a slip; owner and priority; note
t set 'INC-2026-03-14#1' due=2026-04-10 owner=@carol priority=P1 --note "vendor late" | grep -c slipped >/dev/null
[ "$(field 'INC-2026-03-14#1' '["due"]')" = 2026-04-10 ] || fail due
[ "$(field 'INC-2026-03-14#1' '["owner"]')" = carol ] || fail owner
[ "$(field 'INC-2026-03-14#1' '["priority"]')" = 1 ] || fail priority
[ "$(field 'INC-2026-03-14#1' '["sequence"]')" = 1 ] || fail sequence
t show 'INC-2026-03-14#1' --format json | py '
import json,sys
h=json.load(sys.stdin)["history"]
cli=[e for e in h if e["source"]=="cli"]
assert [e["kind"] for e in cli]==["slipped","changed","changed"], cli
assert all(e["actor"]=="tester" and e["note"]=="vendor late" for e in cli), cli
'

# bad input: nothing changes, clear messages
expect_fail 1 'done' 'INC-2026-03-14#2' 'INC-2026-03-14#99'
grep -q 'no item INC-2026-03-14#99' "$tmp/err" || fail "unknown item message"
expect_fail 2 set 'INC-2026-03-14#2' colour=red
grep -q 'unknown field "colour"' "$tmp/err" || fail "unknown field message"
expect_fail 2 set 'INC-2026-03-14#2' due=2026-13-01
expect_fail 2 set 'INC-2026-03-14#2' status=finished
expect_fail 2 set 'INC-2026-03-14#2' priority=P9
expect_fail 2 set 'INC-2026-03-14#2' status=wont_do
grep -q -- '--reason' "$tmp/err" || fail "wont_do reason message"
expect_fail 2 snooze 'INC-2026-03-14#2'
expect_fail 1 reopen 'INC-2026-03-14#2'
[ "$(field 'INC-2026-03-14#2' '["status"]')" = in_progress ] || fail "status after bad input"

# several items, one transaction
t 'done' 'INC-2026-03-14#1' 'INC-2026-03-14#3' >/dev/null
t list --all --format json | py '
import json,sys
s={i["key"]:i for i in json.load(sys.stdin)}
assert s["1"]["status"]=="done" and s["3"]["status"]=="done", s
assert s["1"]["closed_at"] and s["2"]["closed_at"] is None
'
t reopen 'INC-2026-03-14#3' >/dev/null
[ "$(field 'INC-2026-03-14#3' '["closed_at"]')" = None ] || fail "reopen clears closed_at"
t set 'INC-2026-03-14#2' status=wont_do --reason "superseded by #1" >/dev/null
t snooze 'INC-2026-03-14#3' --until 2099-06-01 >/dev/null
[ "$(field 'INC-2026-03-14#3' '["snoozed_until"]')" = 2099-06-01 ] || fail snooze

# re-import after an edit elsewhere in the document keeps the CLI's values
printf '\nA new paragraph.\n' >>"$tmp/pm.md"
t import "$tmp/pm.md" >/dev/null
[ "$(field 'INC-2026-03-14#1' '["status"]')" = 'done' ] || fail "re-import lost status"
[ "$(field 'INC-2026-03-14#1' '["due"]')" = 2026-04-10 ] || fail "re-import lost due"
[ "$(field 'INC-2026-03-14#2' '["status"]')" = wont_do ] || fail "re-import lost wont_do"
echo ok
