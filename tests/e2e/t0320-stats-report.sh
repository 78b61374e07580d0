#!/usr/bin/env bash
# t0320 — stats and report on an imported post-mortem after CLI changes.
set -euo pipefail
: "${TRACKER_BIN:?}"
. "$(dirname "$0")/lib.sh"
# (lib.sh: the temporary directory and $DB, on SQLite or PostgreSQL; cli_lib.sh: t, fail, py,
# expect_fail — this script reports its own failures, without lib.sh's ERR trap)
. "$(dirname "$0")/cli_lib.sh"

cat >"$tmp/pm.md" <<'MD'
# Post-Mortem: Checkout outage

**Incident ID:** INC-2026-03-14-042  
**Date:** 2026-03-14  

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alert | @alice | 2026-04-01 | P0 | Not started |
| 2 | Runbook | @bob | 2026-04-10 | P0 | In progress |
| 3 | Capacity plan | | | P1 | Not started |
| 4 | Load test | @carol | 2026-05-01 | P1 | Not started |
| 5 | Docs | @dave | 2026-04-01 | P2 | Done |

## Review follow-up

- [ ] All P0 items completed
- [ ] All P1 items scheduled
MD
t import "$tmp/pm.md" >/dev/null
t stats -h | grep -c 'usage: tracker stats' >/dev/null || fail "stats -h"
t report -h | grep -c 'usage: tracker report' >/dev/null || fail "report -h"

t set 'INC-2026-03-14#4' due=2026-05-15 >/dev/null # a slip
t 'done' 'INC-2026-03-14#1' >/dev/null

t stats --now 2026-04-20 --format json | py '
import json,sys
s=json.load(sys.stdin)
assert s["today"]=="2026-04-20" and s["by"]=="priority"
g={x["group"]:x for x in s["groups"]}
assert set(g)=={"P0","P1","P2"}, g
assert g["P0"]["open"]==1 and g["P0"]["overdue"]==1 and g["P0"]["done"]==1, g["P0"]
assert g["P1"]["open"]==2 and g["P1"]["unassigned_p0p1"]==1 and g["P1"]["unscheduled_p0p1"]==1
assert g["P1"]["slipped"]==1
t=s["total"]
assert (t["open"],t["overdue"],t["done"],t["slipped"])==(3,1,2,1), t
assert t["done_with_due"]==1, t  # 5 was done before it was imported: no known close time
assert t["done_close_unknown"]==1, t
'
t stats --now 2026-04-20 | grep -c '^1 done item without a known close time (already done when first imported)' >/dev/null ||
	fail "stats says how many done items have no close time"
t stats --by owner --now 2026-04-20 | grep -c '^alice' >/dev/null || fail "stats --by owner"
t stats --by incident --format json | py '
import json,sys; s=json.load(sys.stdin); assert [g["group"] for g in s["groups"]]==["INC-2026-03-14-042"]'
t stats --by month --since 2026-03-01 --format json | py '
import json,sys; s=json.load(sys.stdin); assert [g["group"] for g in s["groups"]]==["2026-03"], s'
[ "$(t stats --since 2026-04-01 --format json | py 'import json,sys; print(json.load(sys.stdin)["total"]["open"])')" = 0 ] ||
	fail "stats --since"
rc=0; t stats --by team 2>/dev/null || rc=$?; [ $rc = 2 ] || fail "stats --by team exit $rc"
rc=0; t stats --since yesterday 2>/dev/null || rc=$?; [ $rc = 2 ] || fail "stats --since bad exit $rc"

# report: P0 #2 blocks the first line, P1 #3 (no due) the second
t report INC-2026-03-14 --format json | py '
import json,sys
r=json.load(sys.stdin)
assert r["incident"]=="INC-2026-03-14-042"
assert len(r["items"])==5
c=r["checklist"]
assert c[0]=={"text":"All P0 items completed","ok":False,"blocking":["2"]}, c
assert c[1]=={"text":"All P1 items scheduled","ok":False,"blocking":["3"]}, c
'
t report INC-2026-03-14 | grep -c -- '- \[ \] All P0 items completed (blocked by #2)' >/dev/null || fail "report text"
t 'done' 'INC-2026-03-14#2' >/dev/null
t set 'INC-2026-03-14#3' due=2026-06-01 owner=@erin >/dev/null
t report INC-2026-03-14 | grep -c -- '- \[x\] All P0 items completed' >/dev/null || fail "P0 line ticked"
t report INC-2026-03-14 | grep -c -- '- \[x\] All P1 items scheduled' >/dev/null || fail "P1 line ticked"
rc=0; t report INC-1999 2>/dev/null || rc=$?; [ $rc = 1 ] || fail "unknown incident exit $rc"
echo ok
