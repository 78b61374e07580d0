#!/usr/bin/env bash
# t0791 — history back-filled: a post-mortem of 2026-03-01 imported months later. The item already done
# in the document has no known close time: `stats` does not call it late (the old code: on time 0%,
# closed_at = the import time), /metrics leaves it out of the on-time ratio, the VTODO feed has no
# COMPLETED time for it, `list --format json` says closed_at null; the open P0 is as old as its
# incident (the old code: "oldest open P0/P1 0d"). An item closed in the tracker afterwards is counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "curl is not installed"

cat >"$TMP/pm.md" <<'EOF'
# Post-mortem: queue outage

**Incident ID:** INC-2026-03-01-001
**Date:** 2026-03-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alerting on queue depth | @alice | 2026-03-10 | P0 | Done |
| 2 | Fix the retry storm | @bob | 2026-03-20 | P0 | Open |
| 3 | Document the failover | @carol | 2026-04-30 | P1 | Open |
EOF
assert_rc 0 t import "$TMP/pm.md"

assert_rc 0 t stats --now 2026-04-20T12:00:00Z --format json
json_py '(d["total"]["done"], d["total"]["done_with_due"], d["total"]["on_time_rate"],
	d["total"]["closed_timed"], d["total"]["oldest_open_p0p1_days"])' <"$TMP/out" >"$TMP/got"
assert_eq "(1, 0, None, 0, 50)" "$(cat "$TMP/got")" "stats after a back-filled import"
assert_eq 1 "$(json_py 'd["total"]["done_close_unknown"]' <"$TMP/out")" "done_close_unknown"
assert_rc 0 t stats --now 2026-04-20T12:00:00Z
assert_file_match "$TMP/out" '^total +2 +1 +1 +0 +- +- +- +0 +50d ' "stats table: no on-time rate, 50 days old"
assert_file_match "$TMP/out" '^1 done item without a known close time \(already done when first imported\): not in ON-TIME, MEDIAN, P90$' \
	"stats says why"

assert_rc 0 t list --all --format json
json_py 'sorted((i["key"], i["status"], i["closed_at"]) for i in d)' <"$TMP/out" >"$TMP/got"
assert_eq "[('1', 'done', None), ('2', 'open', None), ('3', 'open', None)]" "$(cat "$TMP/got")" "list closed_at"

assert_rc 0 t ical --todo -o "$TMP/todo.ics"
"$PY" - "$TMP/todo.ics" <<'EOP' || fail "VTODO feed"
import sys
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], "rb").read())
todos = {str(c["SUMMARY"]).split("#")[-1].rstrip(")"): c for c in cal.walk("VTODO")}
assert str(todos["1"]["STATUS"]) == "COMPLETED", todos["1"]
assert "COMPLETED" not in todos["1"], "a COMPLETED time the tracker cannot know: %s" % todos["1"].get("COMPLETED")
assert str(todos["2"]["STATUS"]) == "NEEDS-ACTION"
EOP

start_http
fetch metrics "$U/metrics"
assert_eq 200 "$CODE" "metrics"
assert_file_match "$TMP/metrics.b" '^tracker_items_done_with_due 0$' "metrics: no done item with a known close time"
assert_file_match "$TMP/metrics.b" '^tracker_items_on_time_ratio NaN$' "metrics: no on-time ratio (not 0)"
stop_http

# closed in the tracker: a real close time, late (due 2026-03-20), counted from the incident date
assert_rc 0 t 'done' INC-2026-03-01-001#2
assert_rc 0 t stats --format json
json_py '(d["total"]["done_with_due"], d["total"]["done_on_time"], d["total"]["done_close_unknown"],
	d["total"]["closed_timed"])' <"$TMP/out" >"$TMP/got"
assert_eq "(1, 0, 1, 1)" "$(cat "$TMP/got")" "stats after closing #2 in the tracker"
assert_rc 0 t ical --todo -o "$TMP/todo.ics"
"$PY" - "$TMP/todo.ics" <<'EOP' || fail "VTODO feed after done"
import sys
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], "rb").read())
todos = {str(c["SUMMARY"]).split("#")[-1].rstrip(")"): c for c in cal.walk("VTODO")}
assert "COMPLETED" in todos["2"] and "COMPLETED" not in todos["1"]
EOP
echo ok
