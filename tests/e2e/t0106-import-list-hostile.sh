#!/usr/bin/env bash
# t0106 — hostile lists (issue 9): 10,000 bullets import as 10,000 items and re-import unchanged;
# 50-deep nesting keeps the top item with its details; a batch counts the files with no items;
# `tracker check` reports a document without action items.
. "$(dirname "$0")/lib.sh"
require_command import list check

head() { printf '# Post-Mortem: %s\n\n**Incident ID:** %s\n**Date:** 2026-07-01\n\n## Action Items\n\n' "$1" "$2"; }
{
	head "Ten thousand bullets" INC-2026-07-01-001
	for i in $(seq 1 10000); do printf -- '- Bullet number %d @user%d\n' "$i" "$i"; done
} >"$TMP/many.md"
assert_rc 0 t import "$TMP/many.md"
assert_file_match "$TMP/out" "10000 new" "10,000 bullets"
assert_eq 10000 "$(t list --all --format json | json_len)" "items listed"
printf '\n' >>"$TMP/many.md" # changed bytes, same items: everything matched, nothing new
assert_rc 0 t import "$TMP/many.md"
assert_file_match "$TMP/out" "0 new, 0 updated, 10000 unchanged, 0 removed" "re-import of 10,000"

{
	head "Deep nesting" INC-2026-07-01-002
	for i in $(seq 0 49); do printf '%*s- level %d\n' $((i * 2)) '' "$i"; done
} >"$TMP/deep.md"
assert_rc 0 t import "$TMP/deep.md"
assert_file_match "$TMP/out" "1 new" "one top-level item"
t list --all --format json >"$TMP/deep.json"
"$PY" - "$TMP/deep.json" <<'PY' || fail "deep nesting: details"
import json, sys
items = [i for i in json.load(open(sys.argv[1])) if i["incident"] == "INC-2026-07-01-002"]
assert len(items) == 1 and items[0]["action"] == "level 0", items
d = items[0]["extra"]["details"]
assert d[0] == "level 1" and d[-1] == "level 49" and len(d) == 49, d
PY

printf '# Post-Mortem: Nothing\n\n**Incident ID:** INC-2026-07-01-003\n\n## Summary\n\nNo promises.\n' >"$TMP/none.md"
assert_rc 0 t import "$TMP/none.md" "$TMP/deep.md"
assert_file_match "$TMP/out" "^2 files: 2 imported, 0 rejected, 1 with no action items$" "batch summary"
assert_file_match "$TMP/err" "none.md:1: warning: no action items" "no-items warning"
run t check "$TMP/none.md"
assert_file_match "$TMP/out" "no action items" "check reports it"
# One bullet of about 1 MB made of what the field passes look for: imported as one item (the fields
# of an item over 8 KiB are not looked for, so no pass can go quadratic; ctest's timeout guards it).
for pat in '()' '@a ' 'status:' '(by 2026-01-01) ' 'Owner: x; '; do
	"$PY" - "$pat" >"$TMP/big.md" <<'PY'
import sys
pat = sys.argv[1]
print("# Post-Mortem: Big bullet\n\n**Incident ID:** INC-2026-07-01-005\n\n## Action Items\n")
print("- Fix " + pat * (1000000 // len(pat)))
PY
	assert_rc 0 t import "$TMP/big.md"
	assert_file_match "$TMP/out" "^INC-2026-07-01-005: (1 new|0 new, 1 updated)" "1 MB bullet of '$pat'"
done

# "(Name)" is an owner only when the name is in the people table, and it becomes the handle.
assert_rc 0 t people add priya --email priya@example.com --name "Priya Raman"
{
	head "Names in parentheses" INC-2026-07-01-004
	printf -- '- Renew the certificate (Priya Raman)\n- Ask the vendor (legal team)\n'
} >"$TMP/names.md"
assert_rc 0 t import "$TMP/names.md"
t list --all --format json >"$TMP/names.json"
"$PY" - "$TMP/names.json" <<'PY' || fail "(Name) owners"
import json, sys
items = {i["key"]: i for i in json.load(open(sys.argv[1])) if i["incident"] == "INC-2026-07-01-004"}
assert items["1"]["owners"] == ["priya"] and items["1"]["action"] == "Renew the certificate", items["1"]
assert items["2"]["owners"] == [] and items["2"]["action"] == "Ask the vendor (legal team)", items["2"]
PY
echo "t0106-import-list-hostile: ok"
