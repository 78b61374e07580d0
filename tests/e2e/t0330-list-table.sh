#!/usr/bin/env bash
# t0330 — `tracker list` for people: an aligned table with "Nd late", colour only on a terminal (a real
# pseudo-terminal from script(1)) and never with NO_COLOR, the action cut to the terminal's width with
# "…" (wide characters counted as two columns), every line within an 80-column terminal even with
# wide columns, and no colour or cutting when piped.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "no script(1) (util-linux)"

cat >"$TMP/pm.md" <<'EOM'
# Post-Mortem: Table test

**Incident ID:** INC-2026-03-01-001

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add alerting on the queue depth of every consumer group in every region we run | @ann | 2026-03-10 | P0 | Open |
| 2 | 日本語のランブックを書く、長い説明文がここに続きます、さらに続きます | @ben | 2026-03-20 | P2 | Open |
EOM
t import "$TMP/pm.md" >/dev/null
esc=$'\033'

# Piped: plain text, aligned, "3d late", nothing cut.
t list --now 2026-03-13 >"$TMP/plain"
assert_file_match "$TMP/plain" '^ID +P +STATUS +DUE +LATE +OWNER +ACTION$' "header"
assert_file_match "$TMP/plain" '^INC-2026-03-01-001#1 +P0 +open +2026-03-10 +3d late +ann +Add alerting .* we run$' "row"
assert_file_no_match "$TMP/plain" "$esc" "no colour when piped"

# On a terminal 100 columns wide: colour, and the action cut with an ellipsis to fit.
# (the words quoted again for script's shell: a PostgreSQL URL holds '&')
tty_list() { script -qec "stty cols 100 rows 20; $(printf '%q ' "$@")" /dev/null; }
tty_list "$TRACKER_BIN" --db "$DB" list --now 2026-03-13 >"$TMP/tty"
grep -c "$esc\\[31m" "$TMP/tty" >/dev/null || fail "no red for the overdue P0 on a terminal"
"$PY" - "$TMP/tty" <<'EOP' || fail "width on a terminal"
import re, sys, unicodedata
text = open(sys.argv[1], encoding="utf-8").read().replace("\r", "")
lines = [re.sub(r"\x1b\[[0-9;]*m", "", l) for l in text.split("\n") if "INC-" in l]
assert len(lines) == 2, lines
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for l in lines:
    assert width(l) <= 100, (width(l), l)
    assert l.endswith("\u2026"), l
EOP

# An 80-column terminal with wide columns (a two-digit key, in_progress, a long owner): every line
# fits; the action is cut, and the owner gives way first when the action would get under 16 columns;
# ids, statuses and dates are never cut.
cat >"$TMP/wide.md" <<'EOM'
# Post-Mortem: Wide

**Incident ID:** INC-2026-03-02-001

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 12 | Rotate the credentials of every service account after the leak and audit their use | @platform-reliability-team | 2026-02-28 | P1 | In progress |
EOM
t import "$TMP/wide.md" >/dev/null
tty80() { script -qec "stty cols 80 rows 20; $(printf '%q ' "$@")" /dev/null; }
tty80 "$TRACKER_BIN" --db "$DB" list --now 2026-03-13 >"$TMP/tty80"
"$PY" - "$TMP/tty80" <<'EOP' || fail "list on an 80-column terminal"
import re, sys, unicodedata
text = open(sys.argv[1], encoding="utf-8").read().replace("\r", "")
lines = [re.sub(r"\x1b\[[0-9;]*m", "", l) for l in text.split("\n") if l.strip()]
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
rows = [l for l in lines if "INC-" in l]
assert len(rows) == 3, lines
for l in lines:
    assert width(l) <= 80, (width(l), l)
for l in rows:
    assert l.endswith("\u2026"), l                       # the action is cut
    assert re.match(r"INC-2026-03-0[12]-001#\d+ ", l), l  # the id never is
wide = [l for l in rows if "#12" in l][0]
assert "in_progress" in wide and "2026-02-28" in wide and "13d late" in wide, wide
assert "Rotate the" in wide and "plat\u2026" in wide, wide     # both cut, both still there
EOP

# NO_COLOR on a terminal: no escape sequences at all.
NO_COLOR=1 tty_list "$TRACKER_BIN" --db "$DB" list --now 2026-03-13 >"$TMP/nocolor"
assert_file_no_match "$TMP/nocolor" "$esc\\[" "NO_COLOR"
echo "1 passed, 0 failed"
