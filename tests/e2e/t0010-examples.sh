#!/usr/bin/env bash
# t0010 — the example post-mortems in contrib/examples/ import cleanly, give the items they promise,
# and a second import changes nothing (so the examples cannot rot).
. "$(dirname "$0")/lib.sh"
require_command import list incidents

EXAMPLES=$SRCDIR/contrib/examples
EXPECTED_FILES=3
EXPECTED_INCIDENTS=3
EXPECTED_ITEMS=18

shopt -s nullglob
files=("$EXAMPLES"/*.md)
assert_eq "$EXPECTED_FILES" "${#files[@]}" "number of contrib/examples/*.md"

assert_rc 0 t import "${files[@]}"
assert_file_no_match "$TMP/err" ': error:' "stderr of the first import"
assert_eq "$EXPECTED_FILES" "$(grep -c '^INC-' "$TMP/out")" "summary lines of the first import"

assert_rc 0 t list --all --format json
cp "$TMP/out" "$TMP/list1.json"
assert_eq "$EXPECTED_ITEMS" "$(json_len <"$TMP/list1.json")" "items in list --all"

assert_rc 0 t incidents --format json
assert_eq "$EXPECTED_INCIDENTS" "$(json_len <"$TMP/out")" "incidents"

# What the examples were written to contain (statuses as the import rules map them).
statuses=$(json_py 'sorted(__import__("collections").Counter(i["status"] for i in d).items())' <"$TMP/list1.json")
assert_eq "[('blocked', 1), ('done', 6), ('in_progress', 4), ('open', 6), ('wont_do', 1)]" "$statuses" "status counts"
prios=$(json_py 'sorted(__import__("collections").Counter(i["priority"] for i in d).items(), key=str)' <"$TMP/list1.json")
note "priorities: $prios"

# Overdue as of the day the examples were written: open items due before 2026-11-27.
assert_rc 0 t list --overdue --now 2026-11-27 --format json
overdue=$(json_py '" ".join(sorted(i["incident"] + "#" + str(i["key"]) for i in d))' <"$TMP/out")
assert_eq "INC-2026-09-21-112#2 INC-2026-10-02-017#3 INC-2026-10-02-017#5 INC-2026-11-09-003#2" \
	"$overdue" "overdue items on 2026-11-27"

# The default list prints open items, overdue first.
assert_rc 0 t list --now 2026-11-27
[[ -s "$TMP/out" ]] || fail "tracker list printed nothing"

# Re-import: nothing changes.
assert_rc 0 t import "${files[@]}"
assert_file_no_match "$TMP/out" ' [1-9][0-9]* (new|updated|removed)' "summary of the re-import"
assert_eq "$EXPECTED_FILES" "$(grep -Ec '^INC-[^ ]+: .*unchanged' "$TMP/out")" "files the re-import calls unchanged"
assert_rc 0 t list --all --format json
assert_same_file "$TMP/list1.json" "$TMP/out" "list --all after re-import"

# A directory argument finds the same files.
assert_rc 0 t import "$EXAMPLES"
assert_eq "$EXPECTED_FILES" "$(grep -c '^INC-' "$TMP/out")" "summary lines importing the directory"
assert_rc 0 t list --all --format json
assert_same_file "$TMP/list1.json" "$TMP/out" "list --all after importing the directory"

# The example people (the quick start imports them): every owner but the two team aliases is mapped,
# and a reminder pass on the quick start's Monday has the expected decisions.
assert_rc 0 t people import "$EXAMPLES/people.csv"
assert_file_match "$TMP/out" ': 13 added, 0 updated, 0 unchanged' "people import"
assert_rc 0 t people unmapped --format json
assert_eq '["legal-team", "ops-team"]' "$(json_py 'sorted(p["handle"] for p in d)' <"$TMP/out" | tr "'" '"')" "unmapped owners"
assert_rc 0 t remind --dry-run --explain --now 2026-11-23T10:00:00Z
assert_file_match "$TMP/out" '^INC-2026-09-21-112#2 P0 amara: reminded: P0 overdue 24 days → amara@example.com' "explain"
assert_file_match "$TMP/out" 'owner ops-team is not in people → goes to reporter priya' "explain fallback"
assert_file_match "$TMP/out" 'dry run: 0 digests \(4 reminders\)' "dry-run totals"

echo "ok: $TEST_NAME"
