#!/usr/bin/python3
"""check_ical.py FILE [events|todo] — parses an iCalendar feed with python3-icalendar and checks what
tracker promises: CRLF line ends, lines of at most 75 octets, the calendar properties, and per
component UID, DTSTAMP, SEQUENCE, SUMMARY and DATE-valued DTSTART/DTEND (events) or DUE and STATUS
(todos). Prints the number of components. Run with Debian's /usr/bin/python3."""
import datetime
import sys

import icalendar


def fail(msg):
    print("check_ical.py: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        fail("usage: check_ical.py FILE [events|todo]")
    flavour = sys.argv[2] if len(sys.argv) > 2 else "events"
    raw = open(sys.argv[1], "rb").read()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("not valid UTF-8: %s" % e)
    if not raw.endswith(b"\r\n"):
        fail("does not end with CRLF")
    for n, line in enumerate(raw.split(b"\r\n")[:-1], 1):
        if b"\n" in line or b"\r" in line:
            fail("line %d: bare CR or LF" % n)
        if len(line) > 75:
            fail("line %d: %d octets (> 75)" % (n, len(line)))
    cal = icalendar.Calendar.from_ical(raw)
    want = {"VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH", "X-PUBLISHED-TTL": "PT1H"}
    for k, v in want.items():
        if str(cal.get(k)) != v:
            fail("%s is %r, want %s" % (k, cal.get(k), v))
    for k in ("PRODID", "NAME", "X-WR-CALNAME", "REFRESH-INTERVAL"):
        if k not in cal:
            fail("missing " + k)
    kind = "VTODO" if flavour == "todo" else "VEVENT"
    comps = [c for c in cal.subcomponents if c.name in ("VEVENT", "VTODO")]
    uids = set()
    for c in comps:
        if c.name != kind:
            fail("unexpected " + c.name)
        uid = str(c.get("UID"))
        if not uid or uid in uids:
            fail("missing or duplicate UID " + uid)
        uids.add(uid)
        for k in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "SUMMARY", "DESCRIPTION"):
            if k not in c:
                fail("%s: missing %s" % (uid, k))
        if kind == "VEVENT":
            s, e = c.decoded("DTSTART"), c.decoded("DTEND")
            if isinstance(s, datetime.datetime) or isinstance(e, datetime.datetime):
                fail(uid + ": DTSTART/DTEND must be DATE values")
            if e - s != datetime.timedelta(days=1):
                fail(uid + ": DTEND is not the day after DTSTART")
            if str(c.get("TRANSP")) != "TRANSPARENT":
                fail(uid + ": TRANSP is not TRANSPARENT")
        else:
            if "DUE" in c and isinstance(c.decoded("DUE"), datetime.datetime):
                fail(uid + ": DUE must be a DATE value")
            if str(c.get("STATUS")) not in ("NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED"):
                fail(uid + ": bad STATUS " + str(c.get("STATUS")))
    print("check_ical.py: %d %s components OK" % (len(comps), kind))


if __name__ == "__main__":
    main()
