#!/usr/bin/env bash
# t0321 — `tracker stats` with nothing to count says so: an empty database, a --since after every
# incident, and items all removed from their documents; the JSON stays valid JSON with zero counts
# (the message then goes to stderr). On SQLite, or PostgreSQL with $TRACKER_TEST_PG (lib.sh).
. "$(dirname "$0")/lib.sh"

assert_rc 0 t db init
for by in priority owner incident month; do
	assert_rc 0 t stats --by "$by" --now 2026-04-20
	assert_eq "no action items" "$(cat "$TMP/out")" "stats --by $by on an empty database"
	assert_eq "" "$(cat "$TMP/err")" "stderr of stats --by $by"
done

assert_rc 0 t stats --format json --now 2026-04-20
assert_eq "no action items" "$(cat "$TMP/err")" "stats --format json on an empty database, stderr"
"$PY" - "$TMP/out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["groups"] == [], s
t = s["total"]
for k in ("open", "overdue", "done", "wont_do", "done_with_due", "done_on_time", "done_close_unknown",
          "closed_timed", "slipped", "unassigned_p0p1", "unscheduled_p0p1"):
    assert t[k] == 0, (k, t)
for k in ("on_time_rate", "median_days_to_close", "p90_days_to_close", "oldest_open_p0p1_days"):
    assert t[k] is None, (k, t)
PY

cat >"$TMP/pm.md" <<'MD'
# Post-Mortem: Checkout outage

**Incident ID:** INC-2026-03-14-042
**Date:** 2026-03-14

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alert | @alice | 2026-04-01 | P0 | Not started |
| 2 | Docs | @dave | 2026-04-01 | P2 | Done |
MD
assert_rc 0 t import "$TMP/pm.md"
assert_rc 0 t stats --now 2026-04-20
assert_file_match "$TMP/out" '^P0 '
assert_file_no_match "$TMP/out" 'no action items'

# items exist, but none of an incident on or after --since
assert_rc 0 t stats --since 2026-04-01 --now 2026-04-20
assert_eq "no action items of incidents on or after 2026-04-01" "$(cat "$TMP/out")" "stats --since"
assert_rc 0 t stats --since 2026-04-01 --format json --now 2026-04-20
assert_eq "no action items of incidents on or after 2026-04-01" "$(cat "$TMP/err")" "stats --since json, stderr"
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["groups"]==[] and s["total"]["open"]==0 and s["since"]=="2026-04-01", s' "$TMP/out"

# every item removed from its document: nothing counts
sed -i '/^| [12] /d' "$TMP/pm.md"
assert_rc 0 t import "$TMP/pm.md"
assert_eq "2" "$(dbq "SELECT count(*) FROM items WHERE removed_at IS NOT NULL")" "items removed"
assert_rc 0 t stats --by owner --now 2026-04-20
assert_eq "no action items" "$(cat "$TMP/out")" "stats after every item was removed"
