#!/bin/bash
# t0430 — `tracker ical` on imported post-mortems: the feed parses in ical.js and python3-icalendar,
# has one event per open item with a due date, is byte-for-byte deterministic, keeps UIDs across a
# re-import of an edited document, bumps SEQUENCE on a change, and drops done items; scopes filter.
set -eu
: "${SRCDIR:?}" "${TRACKER_BIN:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/lib.sh"
# (lib.sh: the temporary directory and $DB, on SQLite or PostgreSQL; this script reports its own
# failures, without lib.sh's ERR trap and pipefail)
trap - ERR
set +o errtrace +o pipefail
T=$TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
t() { "$TRACKER_BIN" --db "$DB" "$@"; }

cat >"$T/pm.md" <<'EOM'
# Post-Mortem: Queue backlog — "ünïcode" & <html>

**Incident ID:** INC-2026-09-01-001
**Date:** 2026-09-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Alert on queue depth; add a dashboard, a runbook, and a very long description that has to be folded at seventy-five octets by the writer | @ana | 2026-09-20 | P0 | Not started |
| 2 | Drain tool | @bo | 2026-10-01 | P1 | In progress |
| 3 | Retro doc | @ana | 2026-09-10 | P2 | Done |
| 4 | Capacity plan | @cy | TBD | P1 | Not started |
EOM
t import "$T/pm.md" >/dev/null
t ical -o "$T/all.ics"
t ical --todo -o "$T/todo.ics"
for f in all todo; do
	fl=events; [ $f = todo ] && fl=todo
	n_py=$("$PY" "$SRCDIR/tests/tools/check_ical.py" "$T/$f.ics" $fl) || fail "python3-icalendar rejected $f.ics"
	n_js=$(node "$SRCDIR/tests/tools/check_ical.js" "$T/$f.ics" $fl) || fail "ical.js rejected $f.ics"
	n_py=$(echo "$n_py" | grep -o '[0-9]* V[A-Z]*')
	n_js=$(echo "$n_js" | grep -o '[0-9]* V[A-Z]*')
	[ "$n_py" = "$n_js" ] || fail "$f: parsers disagree: $n_py vs $n_js"
done
[ "$(grep -c '^BEGIN:VEVENT' "$T/all.ics")" = 2 ] || fail "want 2 events (open items with a due date)"
[ "$(grep -c '^BEGIN:VTODO' "$T/todo.ics")" = 4 ] || fail "want 4 todos"
grep -q '^DTSTART;VALUE=DATE:20260920' "$T/all.ics" || fail "DTSTART of item 1"

# Deterministic: the same data gives the same bytes.
t ical -o "$T/again.ics"
cmp -s "$T/all.ics" "$T/again.ics" || fail "two renders differ"

# Scopes.
[ "$(t ical --scope owner:ana | grep -c '^BEGIN:VEVENT')" = 1 ] || fail "owner scope"
[ "$(t ical --scope priority:P1 | grep -c '^BEGIN:VEVENT')" = 1 ] || fail "priority scope"
[ "$(t ical --scope incident:INC-2026-09-01-001 | grep -c '^BEGIN:VEVENT')" = 2 ] || fail "incident scope"
if t ical --scope 'owner' >/dev/null 2>"$T/err"; then fail "a bad scope was accepted"; fi
grep -q 'scope "owner" not understood' "$T/err" || fail "bad scope message: $(cat "$T/err")"

# An edit of the document: UIDs stay, SEQUENCE goes up for the changed item, done items leave.
uid_before=$(grep -m1 '^UID:' "$T/all.ics")
sed -i 's/| 2026-09-20 | P0 | Not started |/| 2026-09-25 | P0 | Not started |/; s/| 2026-10-01 | P1 | In progress |/| 2026-10-01 | P1 | Done |/' "$T/pm.md"
t import "$T/pm.md" >/dev/null
t ical -o "$T/after.ics"
[ "$(grep -m1 '^UID:' "$T/after.ics")" = "$uid_before" ] || fail "UID changed across an edit"
grep -q '^DTSTART;VALUE=DATE:20260925' "$T/after.ics" || fail "moved due date not in the feed"
grep -q '^SEQUENCE:1' "$T/after.ics" || fail "SEQUENCE not bumped"
[ "$(grep -c '^BEGIN:VEVENT' "$T/after.ics")" = 1 ] || fail "done item still in the feed"
"$PY" "$SRCDIR/tests/tools/check_ical.py" "$T/after.ics" events >/dev/null || fail "after.ics"
node "$SRCDIR/tests/tools/check_ical.js" "$T/after.ics" events >/dev/null || fail "after.ics (ical.js)"
echo "1 passed, 0 failed"
