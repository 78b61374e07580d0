#!/usr/bin/env bash
# t0792 — snooze: `-h`, the man page and the reminders agree on the day reminders resume (the day
# after --until: DATE is the last quiet day), the command says that day, and a date in the past is
# refused (exit 2, nothing changed). On the old code -h said "--until DATE  the first day reminders
# resume" while reminders resumed the day after, and a past date was taken silently.
. "$(dirname "$0")/lib.sh"
require_command snooze remind people

assert_rc 0 t snooze -h
assert_file_match "$TMP/out" '^      --until DATE  the last day without reminders \(they resume on the next day\)$' "-h"
assert_file_match "$TMP/out" 'A date before today \(\[reminders\] timezone\) is refused' "-h on past dates"
# the rendered page when man(1) is there, else the source (the sentence is on one line in both)
{ MANWIDTH=400 man -l "$SRCDIR/docs/tracker.1" 2>/dev/null || cat "$SRCDIR/docs/tracker.1"; } |
	tr -s ' \n' ' ' >"$TMP/man.txt"
assert_file_match "$TMP/man.txt" 'the last day without reminders: they resume on the day after' "man page"

cat >"$TMP/pm.md" <<'EOF2'
# Postmortem — cache stampede

**Incident ID:** INC-2026-01-05-003
**Date:** 2026-01-05

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add request coalescing | @alice | 2026-01-20 | P0 | Open |
EOF2
t import "$TMP/pm.md" >/dev/null
t people add alice --email alice@example.org >/dev/null
ID=INC-2026-01-05-003#1

# a past date: refused, says what and which day it is, changes nothing
before=$(db_hash "$DB")
assert_rc 2 t snooze "$ID" --until 2020-01-01
assert_file_match "$TMP/err" 'snooze until 2020-01-01: that day is past \(today is [0-9]{4}-[0-9]{2}-[0-9]{2}\)' "past date"
assert_eq "$before" "$(db_hash "$DB")" "database after a refused snooze"

# the last quiet day is Tuesday 2030-06-04; reminders resume on Wednesday 2030-06-05
assert_rc 0 t snooze "$ID" --until 2030-06-04
assert_file_match "$TMP/out" "^$ID: snoozed: no reminders through 2030-06-04; they resume on 2030-06-05$" "snooze output"
assert_rc 0 t remind --dry-run --explain --now 2030-06-04T10:00:00Z
assert_file_match "$TMP/out" "^$ID P0 alice: not reminded: snoozed until 2030-06-04" "quiet on the last day"
assert_rc 0 t remind --dry-run --explain --now 2030-06-05T10:00:00Z
assert_file_match "$TMP/out" "^$ID P0 alice: reminded: P0 overdue" "reminded on the day -h names"
# snoozing again to the same day says so; none ends it
assert_rc 0 t snooze "$ID" --until 2030-06-04
assert_file_match "$TMP/out" "already snoozed: no reminders through 2030-06-04" "same snooze again"
assert_rc 0 t snooze "$ID" --until none
assert_file_match "$TMP/out" "^$ID: updated$" "snooze ended"
echo ok
