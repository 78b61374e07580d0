#!/usr/bin/env bash
# t0110 — import batches: --dry-run writes nothing; --atomic imports all files or none; without it the
# good files land and the bad ones are reported (exit 1); the same incident from a second path is
# refused while the first file exists and follows a rename once it is gone; an edited document's
# summary counts what changed; hostile text in cells is cleaned and comes out quoted.
. "$(dirname "$0")/lib.sh"

doc() { # FILE ID ROWS
	cat >"$1" <<EOM
# Post-Mortem: Batch test $2

**Incident ID:** $2
**Date:** 2026-05-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
$3
EOM
}
mkdir -p "$TMP/docs"
doc "$TMP/docs/a.md" INC-2026-05-01-001 "| 1 | First | @ann | 2026-06-01 | P0 | Open |"
doc "$TMP/docs/b.md" INC-2026-05-01-002 "| 1 | Second | @ben | 2026-06-02 | P1 | Open |"
doc "$TMP/docs/c.md" INC-2026-05-01-003 "| 1 | Bad date | @cy | 2026-02-30 | P0 | Open |"
t import "$TMP/docs/a.md" >/dev/null # the database exists from here on
before=$(db_hash "$DB")

# --dry-run: says what would happen, writes nothing.
assert_rc 0 t import --dry-run "$TMP/docs/a.md" "$TMP/docs/b.md"
assert_file_match "$TMP/out" '^INC-2026-05-01-002: 1 new' "dry-run summary"
assert_file_match "$TMP/out" 'dry run: nothing was written' "dry-run note"
assert_eq "$before" "$(db_hash "$DB")" "database after --dry-run"

# --atomic with one bad file: nothing at all, exit 1, the bad line named.
assert_rc 1 t import --atomic "$TMP/docs"
assert_file_match "$TMP/err" 'c\.md:10: error: item 1: due date "2026-02-30" is not a real date' "atomic error"
assert_file_match "$TMP/err" 'atomic: 1 file rejected, nothing imported' "atomic note"
assert_eq "$before" "$(db_hash "$DB")" "database after a failed --atomic batch"

# Without --atomic: the good files land, the bad one is reported, exit 1.
assert_rc 1 t import "$TMP/docs"
assert_eq 2 "$(t incidents --format json | json_len)" "incidents after a partial batch"
assert_file_match "$TMP/err" 'c\.md: rejected: nothing imported from this file' "rejected note"

# The same incident from a second path is refused while the first file exists…
cp "$TMP/docs/a.md" "$TMP/copy.md"
echo >>"$TMP/copy.md" # different bytes, same incident
assert_rc 1 t import "$TMP/copy.md"
assert_file_match "$TMP/err" 'incident INC-2026-05-01-001 is already imported from .*/docs/a\.md' "second path"
# …and follows a rename once the first file is gone.
mv "$TMP/docs/a.md" "$TMP/docs/renamed.md"
assert_rc 0 t import "$TMP/docs/renamed.md"
assert_match '/docs/renamed\.md$' "$(t incidents --format json | json_py '[i["source"] for i in d if i["id"] == "INC-2026-05-01-001"][0]')" "source after a rename"

# An edited document: the summary counts what changed, and the history says why.
doc "$TMP/docs/renamed.md" INC-2026-05-01-001 "| 1 | First | @ann | 2026-06-15 | P0 | Open |
| 2 | Added later | @dee | 2026-07-01 | P2 | Open |"
assert_rc 0 t import "$TMP/docs/renamed.md"
assert_file_match "$TMP/out" '^INC-2026-05-01-001: 1 new, 1 updated, 0 unchanged, 0 removed' "edit summary"
t show 'INC-2026-05-01-001#1' >"$TMP/show"
assert_file_match "$TMP/show" 'due: 2026-06-01 -> 2026-06-15' "history of the edit"

# Hostile text in cells: HTML tags dropped (the cleaning rule), the rest stored as written and quoted
# correctly in JSON and CSV.
doc "$TMP/docs/d.md" INC-2026-05-01-004 '| 1 | <script>alert(1)</script> "quoted" \| piped | Dana O'"'"'Brien | 2026-06-01 | P1 | Open |'
assert_rc 0 t import "$TMP/docs/d.md"
t list --incident INC-2026-05-01-004 --format json >"$TMP/list.json"
assert_eq 'alert(1) "quoted" | piped' "$(json_py 'd[0]["action"]' <"$TMP/list.json")" "action cleaned"
assert_eq "Dana O'Brien" "$(json_py 'd[0]["owner"]' <"$TMP/list.json")" "owner as written"
t list --incident INC-2026-05-01-004 --format csv >"$TMP/list.csv"
assert_file_match "$TMP/list.csv" '"alert\(1\) ""quoted"" \| piped"' "CSV quoting"
echo "1 passed, 0 failed"
