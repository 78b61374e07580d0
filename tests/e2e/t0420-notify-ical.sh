#!/bin/bash
# t0420 — iCalendar feeds from ical_render() read back by two independent parsers: python3-icalendar
# and ical.js (Mozilla's, as in Thunderbird); both flavours; CRLF and 75-octet folding; and the same data
# renders to the same bytes.
set -eu
: "${SRCDIR:?}" "${BUILDDIR:?}"
DRIVER="$BUILDDIR/tests/notify_driver"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$DRIVER" ical events 500 --base https://tracker.example.org >"$T/events.ics"
"$DRIVER" ical todo 500 >"$T/todo.ics"
"$DRIVER" ical events 500 --base https://tracker.example.org >"$T/events2.ics"
cmp -s "$T/events.ics" "$T/events2.ics" || fail "two renders of the same data differ"

/usr/bin/python3 "$SRCDIR/tests/tools/check_ical.py" "$T/events.ics" events || fail "python icalendar (events)"
/usr/bin/python3 "$SRCDIR/tests/tools/check_ical.py" "$T/todo.ics" todo || fail "python icalendar (todo)"

if [ -d "$SRCDIR/tests/node_modules/ical.js" ] && command -v node >/dev/null; then
	node "$SRCDIR/tests/tools/check_ical.js" "$T/events.ics" events || fail "ical.js (events)"
	node "$SRCDIR/tests/tools/check_ical.js" "$T/todo.ics" todo || fail "ical.js (todo)"
elif [ -n "${TRACKER_REQUIRE_ICALJS:-}" ]; then
	fail "ical.js is not installed: npm install --prefix $SRCDIR/tests"
else
	echo "t0420: ical.js not installed (npm install --prefix tests); skipped that parser" >&2
fi
echo "t0420: ok"
