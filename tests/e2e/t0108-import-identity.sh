#!/usr/bin/env bash
# t0108 — incident identity and fields as real teams write them (issue 9 §1, §5), through the binary:
# a document without an id imports under one derived from its file name (the summary line and a
# warning say so), the same from any working directory or relative path; two files deriving the
# same id are refused naming both paths; a document that gains an id keeps its items, their status
# and history (rekeyed); [import] id_pattern / require_id and check --strict restore the strict
# rule; a bad id_pattern is a config error naming file and line; YAML front matter that is 1 MiB
# or not YAML gives a warning with its line and loses nothing; the date in the file name is the
# last resort.
. "$(dirname "$0")/lib.sh"
require_command import list incidents show check

mkdir -p "$TMP/pm/2025" "$TMP/other" "$TMP/elsewhere"
doc="$TMP/pm/2025/2025-09-29-flags-is-down.md"
body() { # [ID LINE]
	printf '# Feature flags were down\n\n'
	[[ -n ${1:-} ]] && printf '%s\n\n' "$1"
	cat <<'EOM'
The flag service lost its database connection pool and every client fell back to defaults.

## Action Items

| Action | Owner | Status |
|--------|-------|--------|
| Cap the connection pool per client | @ines | Open |
| Serve the last known flags from a local cache | @omar | Open |
EOM
}
body >"$doc"

# 1. No id: derived from the file name, said in the summary line and in a warning.
assert_rc 0 t import "$doc"
assert_file_match "$TMP/out" '^2025-09-29-flags-is-down \(id derived from the file name\): 2 new' "summary"
assert_file_match "$TMP/err" '2025-09-29-flags-is-down\.md:1: warning: no incident id in the document: using "2025-09-29-flags-is-down", derived from the file name' "warning"
assert_eq "2025-09-29" "$(t incidents --format json | json_py 'd[0]["date"]')" "date from the file name"

# 2. The same file from another working directory and through other relative paths: same id.
(cd "$TMP/pm" && "$TRACKER_BIN" --db "$DB" import 2025/2025-09-29-flags-is-down.md) >"$TMP/out2" 2>&1
# (an unchanged file is not parsed again: its line does not repeat the note, as its warnings are not)
grep -Eq '^2025-09-29-flags-is-down( \(id derived from the file name\))?: unchanged' "$TMP/out2" ||
	fail "relative path from another cwd: $(cat "$TMP/out2")"
(cd "$TMP/other" && "$TRACKER_BIN" --db "$DB" import ../pm/./2025/../2025/2025-09-29-flags-is-down.md) >"$TMP/out2" 2>&1
grep -Eq '^2025-09-29-flags-is-down( \(id derived from the file name\))?: unchanged' "$TMP/out2" ||
	fail "dotted relative path: $(cat "$TMP/out2")"
assert_eq 1 "$(t incidents --format json | json_len)" "one incident"

# 2b. A file name that leads with the team's id gives that id.
body >"$TMP/other/PM2024-031 - Cache outage.md"
assert_rc 0 t import "$TMP/other/PM2024-031 - Cache outage.md"
assert_file_match "$TMP/out" '^PM2024-031 \(id derived from the file name\): 2 new' "id leading the file name"

# 3. A different file deriving the same id: refused, naming both paths; the database unchanged.
cp "$doc" "$TMP/elsewhere/2025-09-29-flags-is-down.md"
# (the content, not the files: an empty WAL left by an earlier reader may come and go)
dump() { db_dump "$DB" | sha256sum; }
before=$(dump)
assert_rc 1 t import "$TMP/elsewhere/2025-09-29-flags-is-down.md"
assert_file_match "$TMP/err" "elsewhere/2025-09-29-flags-is-down\.md and .*/pm/2025/2025-09-29-flags-is-down\.md both derive the incident id \"2025-09-29-flags-is-down\"" "collision message"
assert_eq "$before" "$(dump)" "database after the collision"

# 4. Work happens in the tracker, then the document gains its id: items move with their history.
assert_rc 0 t set 2025-09-29-flags-is-down#1 status=in_progress owner=@zoe
body "**Incident ID:** FL-2025-12" >"$doc"
assert_rc 0 t import "$doc"
assert_file_match "$TMP/out" '^FL-2025-12: was 2025-09-29-flags-is-down: its items moved to the new id' "rekey line"
assert_file_match "$TMP/out" '^FL-2025-12: 0 new, 0 updated, 2 unchanged, 0 removed' "rekey summary"
assert_file_no_match "$TMP/err" 'no incident id' "no id warning once the id is written"
t incidents --format json >"$TMP/inc.json"
assert_eq "FL-2025-12 PM2024-031" "$(json_py '" ".join(sorted(i["id"] for i in d))' <"$TMP/inc.json")" "incidents after rekey"
t list --all --format json >"$TMP/items.json"
assert_eq "in_progress zoe" "$(json_py '[i["status"] + " " + i["owner"] for i in d if i["key"] == "1"][0]' <"$TMP/items.json")" "tracker changes kept"
assert_rc 0 t show FL-2025-12#1
assert_file_match "$TMP/out" 'rekeyed' "history shows the rekey"
assert_file_match "$TMP/out" 'in_progress' "history kept"
assert_rc 1 t show 2025-09-29-flags-is-down#1
assert_file_match "$TMP/err" 'now has the id FL-2025-12; its items moved there \(try FL-2025-12#1\)' "old reference explained"

# 5. [import] id_pattern and require_id; check --strict.
mkdir -p "$XDG_CONFIG_HOME/tracker"
cfg=$XDG_CONFIG_HOME/tracker/config.ini
printf '[import]\nrequire_id = true\nid_pattern = FL-[0-9{4}\n' >"$cfg"
assert_rc 3 t import "$doc"
assert_file_match "$TMP/err" 'config\.ini:3: \[import\] id_pattern "FL-\[0-9\{4\}" is not a valid POSIX extended regular expression' "bad pattern: file and line"
printf '[import]\nrequire_id = true\nid_pattern = FL-[0-9]{4}-[0-9]+\n' >"$cfg"
body >"$TMP/pm/no-id.md"
assert_rc 1 t import "$TMP/pm/no-id.md"
assert_file_match "$TMP/err" 'no-id\.md:1: error: no incident id, and \[import\] require_id is on' "require_id"
body "Incident ID: PM-7" >"$TMP/pm/other-scheme.md"
assert_rc 1 t import "$TMP/pm/other-scheme.md"
assert_file_match "$TMP/err" 'other-scheme\.md:3: error: no incident id \("PM-7" on line 3 does not match \[import\] id_pattern\)' "pattern mismatch"
rm "$cfg"
assert_rc 0 t check "$TMP/pm/no-id.md"
assert_file_match "$TMP/out" 'warning: no incident id' "check warns"
assert_rc 1 t check --strict "$TMP/pm/no-id.md"
assert_file_match "$TMP/out" 'no-id\.md:1: error: no incident id, and \[import\] require_id is on' "check --strict"

# 6. Front matter of 1 MiB: a warning with its line; the document still imports with its items.
{
	printf -- '---\nid: FM-1\n'
	for i in $(seq 1 30000); do printf 'note%d: padding to make the front matter huge\n' "$i"; done
	printf -- '---\n'
	body
} >"$TMP/pm/huge-front-matter.md"
[[ $(stat -c %s "$TMP/pm/huge-front-matter.md") -gt 1048576 ]] || fail "fixture is not over 1 MiB"
assert_rc 0 t import "$TMP/pm/huge-front-matter.md"
assert_file_match "$TMP/err" 'huge-front-matter\.md:1: warning: front matter \(lines 1-30003\) is [0-9]+ bytes, over the 65536-byte limit: not read' "huge front matter"
assert_file_match "$TMP/out" '^huge-front-matter \(id derived from the file name\): 2 new' "huge front matter imported"

# 7. Front matter that is not YAML: a warning naming the line; nothing lost.
{
	printf -- '---\nid: FM-2\nauthors: [@ann, @ben\nseverity: 2\n---\n'
	body
} >"$TMP/pm/bad-yaml.md"
assert_rc 0 t import "$TMP/pm/bad-yaml.md"
assert_file_match "$TMP/err" 'bad-yaml\.md:[34]: warning: front matter is not valid YAML' "bad YAML"
assert_file_match "$TMP/out" '^bad-yaml \(id derived from the file name\): 2 new' "bad YAML imported"

# 8. Good front matter: its id, title, date, status; never read as a table.
{
	printf -- '---\nid: FM-3\ntitle: Flags down, with front matter\ndate: Mar 3, 2026\nstatus: Draft\n'
	printf 'table: |\n  ## Action Items\n  | Action |\n  |---|\n  | from YAML |\n---\n'
	body
} >"$TMP/pm/front.md"
assert_rc 0 t import "$TMP/pm/front.md"
assert_file_match "$TMP/out" '^FM-3: 2 new' "front matter id"
t incidents --format json >"$TMP/inc.json"
assert_eq "Flags down, with front matter|2026-03-03|Draft" \
	"$(json_py '[i["title"] + "|" + i["date"] + "|" + i["status"] for i in d if i["id"] == "FM-3"][0]' <"$TMP/inc.json")" "front matter fields"
t list --all --format json >"$TMP/items.json"
assert_eq 0 "$(json_py 'len([i for i in d if "YAML" in i["action"]])' <"$TMP/items.json")" "no item from the YAML"
echo "$TEST_NAME: ok"
