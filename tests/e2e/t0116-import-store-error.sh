#!/usr/bin/env bash
# t0116 — a write the database refuses in the middle of a file (a trigger here; a constraint or a full
# disk in life) is that file's error on both engines: PostgreSQL defers the importer's writes (libpq's
# pipeline, db.h db_step_deferred) and waits for them at the end of each file, inside its savepoint,
# so the message names the file that failed and the refused statement's kind, never the next file.
# A database error stops the import (exit 4) and nothing of the uncommitted batch stays.
. "$(dirname "$0")/lib.sh"

doc() { # FILE ID ROWS
	cat >"$1" <<EOM
# Post-Mortem: Store error $2

**Incident ID:** $2
**Date:** 2026-05-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
$3
EOM
}
mkdir -p "$TMP/first" "$TMP/docs"
doc "$TMP/first/a.md" INC-2026-05-01-001 "| 1 | First | @ann | 2026-06-01 | P0 | Open |"
doc "$TMP/docs/b.md" INC-2026-05-01-002 "| 1 | Second | @ben | 2026-06-02 | P1 | Open |
| 2 | Third | @ben | 2026-06-03 | P1 | Open |"
doc "$TMP/docs/c.md" INC-2026-05-01-003 "| 1 | Fine | @cy | 2026-06-04 | P0 | Open |
| 2 | Boom | @cy | 2026-06-05 | P0 | Open |
| 3 | After | @cy | 2026-06-06 | P0 | Open |"
doc "$TMP/docs/d.md" INC-2026-05-01-004 "| 1 | Fourth | @dee | 2026-06-07 | P2 | Open |"
t import "$TMP/first" >/dev/null # the database and its schema exist from here on

if [[ $DB == postgresql://* ]]; then
	dbq "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
	       IF NEW.action = 'Boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END \$\$;
	     CREATE TRIGGER boom BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION boom();" >/dev/null
else
	dbq "CREATE TRIGGER boom BEFORE INSERT ON items WHEN NEW.action = 'Boom'
	     BEGIN SELECT RAISE(ABORT, 'boom refused'); END;"
fi
before=$(db_hash "$DB")

assert_rc 4 t import "$TMP/docs"
# (SQLite adds a document's items one by one, PostgreSQL all in one statement: see items.c)
assert_file_match "$TMP/err" "/c\\.md: error: adding (an item|the document's items): .*boom refused" \
	"the failing file and statement named"
assert_file_no_match "$TMP/err" '/[bd]\.md: error' "no other file blamed"
assert_eq "$before" "$(db_hash "$DB")" "nothing of the failed batch stays"

# Without the bad row every file imports, in one run, on the same connection.
doc "$TMP/docs/c.md" INC-2026-05-01-003 "| 1 | Fine | @cy | 2026-06-04 | P0 | Open |
| 3 | After | @cy | 2026-06-06 | P0 | Open |"
assert_rc 0 t import "$TMP/docs"
assert_eq "4" "$(dbq "SELECT count(*) FROM incidents")" "incidents"
assert_eq "6" "$(dbq "SELECT count(*) FROM items")" "items"
assert_eq "Fine|After" "$(dbq "SELECT action FROM items WHERE incident_id = 'INC-2026-05-01-003' ORDER BY position" | paste -sd'|')" "c's items in order"
assert_eq "6" "$(dbq "SELECT count(*) FROM events WHERE kind = 'created'")" "one created event per item"
