#!/usr/bin/env bash
# t0112 — a batch of 80 files with three bad ones among them: more files than one queue refill (64),
# one look-up of incidents (64) or one PostgreSQL group (32, cmd_import.c "Groups"), so the bad files
# fall inside groups and look-ups that also hold good files. Every good file lands and every bad one
# is refused, with the same messages in file order, whatever the engine:
#   pm-11 takes pm-10's incident id with other item keys (refused: pm-10 imported it in the same run —
#         its incident was looked up before pm-10 was written, so that look-up must not be trusted);
#   pm-40 has an impossible date (refused before any write);
#   pm-70 takes pm-05's id (written in an earlier group).
# pm-50 has no id (derived from its name). A second import of the same tree changes nothing.
. "$(dirname "$0")/lib.sh"

doc() { # FILE ID-LINE ROWS
	cat >"$1" <<EOM
# Post-Mortem: many $1

$2
**Date:** 2026-05-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
$3
EOM
}
mkdir -p "$TMP/docs"
for n in $(seq -w 1 80); do
	id="**Incident ID:** INC-2026-05-01-0$n"
	rows="| 1 | First of $n | @ann | 2026-06-01 | P0 | Open |
| 2 | Second of $n | @ben | 2026-06-02 | P1 | Open |"
	case $n in
	11) id="**Incident ID:** INC-2026-05-01-010" rows="| 5 | Not mine | @cy | 2026-06-01 | P0 | Open |
| 6 | Not mine either | @cy | 2026-06-01 | P0 | Open |" ;;
	40) rows="| 1 | Bad date | @cy | 2026-02-30 | P0 | Open |
| 2 | Fine | @cy | 2026-06-01 | P0 | Open |" ;;
	50) id="" ;;
	70) id="**Incident ID:** INC-2026-05-01-005" rows="| 7 | Not mine | @cy | 2026-06-01 | P0 | Open |
| 8 | Not mine either | @cy | 2026-06-01 | P0 | Open |" ;;
	esac
	doc "$TMP/docs/pm-$n.md" "$id" "$rows"
done

assert_rc 1 t import "$TMP/docs"
assert_file_match "$TMP/out" '^80 files: 77 imported, 3 rejected, 0 with no action items$' "summary"
# the errors, each once, in file order
assert_eq "pm-11.md pm-40.md pm-40.md pm-70.md" \
	"$(grep -E 'error|rejected' "$TMP/err" | sed -E 's|^[^:]*/(pm-[0-9]+\.md).*|\1|' | tr '\n' ' ' | sed 's/ $//')" \
	"the files named in errors, in order"
assert_file_match "$TMP/err" 'pm-11\.md: error: incident INC-2026-05-01-010 is already imported from .*/pm-10\.md' "pm-11"
assert_file_match "$TMP/err" 'pm-40\.md:10: error: item 1: due date "2026-02-30" is not a real date' "pm-40"
assert_file_match "$TMP/err" 'pm-70\.md: error: incident INC-2026-05-01-005 is already imported from .*/pm-05\.md' "pm-70"
# a summary line per imported file, in file order
want=$(seq -w 1 80 | grep -vx -e 11 -e 40 -e 70 | sed 's/^/pm-/; s/$/.md/' | tr '\n' ' ')
assert_eq "$want" "$(grep -E '\(/.*\.md\)$' "$TMP/out" | sed -E 's|.*/(pm-[0-9]+\.md)\)$|\1|' | tr '\n' ' ')" \
	"the imported files, in order"
assert_file_match "$TMP/out" '\(id derived from the file name\): 2 new, .*pm-50\.md' "pm-50's id, derived"

# pm-10's and pm-05's incidents are theirs alone
assert_eq "1 2" "$(dbq "SELECT key FROM items WHERE incident_id = 'INC-2026-05-01-010' ORDER BY key" | tr '\n' ' ' | sed 's/ $//')" "pm-10's items"
assert_eq "1 2" "$(dbq "SELECT key FROM items WHERE incident_id = 'INC-2026-05-01-005' ORDER BY key" | tr '\n' ' ' | sed 's/ $//')" "pm-05's items"
case "$(dbq "SELECT source FROM incidents WHERE id = 'INC-2026-05-01-010'")" in
*/pm-10.md) ;;
*) fail "INC-2026-05-01-010's source is not pm-10.md" ;;
esac
assert_eq 77 "$(dbq "SELECT count(*) FROM incidents")" "incidents"
assert_eq 154 "$(dbq "SELECT count(*) FROM items")" "items"
assert_eq 154 "$(dbq "SELECT count(*) FROM events WHERE kind = 'created'")" "created events"
assert_eq 0 "$(dbq "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.item_id = i.id)")" \
	"items without history"

# Again: nothing new, the same three refused.
assert_rc 1 t import "$TMP/docs"
assert_file_match "$TMP/out" '^80 files: 77 imported, 3 rejected, 0 with no action items$' "summary again"
assert_file_no_match "$TMP/out" ' [1-9][0-9]* new' "nothing new the second time"
assert_eq 154 "$(dbq "SELECT count(*) FROM items")" "items again"
echo ok
