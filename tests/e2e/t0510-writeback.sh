#!/usr/bin/env bash
# t0510-writeback: the real binary writes the tracker's values back into a post-mortem. Only the
# intended bytes change, --dry-run prints a diff and changes nothing, the next import changes
# nothing, and a document edited since its import is refused until --force.
# lib.sh for the database ($DB on SQLite or PostgreSQL, dbq) and the temporary directory; cli_lib.sh
# for t and fail: this script checks exit statuses itself, so without lib.sh's ERR trap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_lib.sh"

doc="$tmp/pm.md"
cp "$SRCDIR/tests/fixtures/writeback/style-crlf.md" "$doc"
chmod 0640 "$doc"
cp "$doc" "$tmp/orig.md"

t import "$doc" >/dev/null
dbq "UPDATE items SET status='done' WHERE key='4';
  UPDATE items SET status='blocked', due='2026-09-09' WHERE key='2';"

# --dry-run: a unified diff, the file untouched
t writeback --dry-run "$doc" >"$tmp/dry.out" 2>"$tmp/dry.err"
cmp -s "$doc" "$tmp/orig.md" || fail "--dry-run changed the file"
grep -q '^--- ' "$tmp/dry.out" || fail "no diff header in --dry-run output"
grep -q '^-| 4  | Alert on replica lag .*| Open ' "$tmp/dry.out" || fail "dry run: no - line for item 4"
grep -q '^+| 4  | Alert on replica lag .*| ✅ Done ' "$tmp/dry.out" || fail "dry run: no + line for item 4"
grep -q 'dry run: nothing was written' "$tmp/dry.err" || fail "dry run message missing"

# the write: exactly lines 10 and 12 change (the P0 line stays ticked: item 4 is done now)
t writeback "$doc" >"$tmp/wb.out"
grep -q 'wrote 3 changes' "$tmp/wb.out" || { cat "$tmp/wb.out"; fail "expected 3 changes"; }
/usr/bin/python3 - "$tmp/orig.md" "$doc" <<'PY'
import sys
a = open(sys.argv[1], 'rb').read()
b = open(sys.argv[2], 'rb').read()
la, lb = a.split(b'\r\n'), b.split(b'\r\n')
assert len(la) == len(lb), "line count changed"
changed = [i + 1 for i, (x, y) in enumerate(zip(la, lb)) if x != y]
assert changed == [10, 12], changed
assert lb[9] == "| 2  | Shard the index             | @bob, @carol | 2026-09-09 | P1       | Blocked         |".encode(), lb[9]
assert lb[11] == "| 4  | Alert on replica lag        | @erin        | 2026-02-15 | P0       | ✅ Done         |".encode(), lb[11]
assert b.count(b'\r\n') == a.count(b'\r\n') and b.count(b'\n') == a.count(b'\n'), "line ends changed"
PY
[ "$(stat -c %a "$doc")" = 640 ] || fail "file mode not preserved"
for f in "$tmp"/.*.wb-* "$tmp"/*.wb-*; do if [ -e "$f" ]; then fail "temporary file left behind: $f"; fi; done

# the next import changes nothing: same file, and a real merge with the hash forgotten
t import "$doc" | grep -c 'unchanged' >/dev/null || fail "re-import: not unchanged"
dbq "UPDATE incidents SET source_hash='x'"
out=$(t import "$doc")
echo "$out" | grep -c ' 0 new, 0 updated, 4 unchanged' >/dev/null || fail "re-import after forgetting the hash: $out"
[ "$(dbq "SELECT status||'/'||due FROM items WHERE key='2'")" = "blocked/2026-09-09" ] ||
	fail "tracker values lost"
[ "$(dbq "SELECT count(*) FROM events WHERE kind='writeback' AND actor='tester'")" = 3 ] ||
	fail "write-back events missing"

# an edited document is refused until it is re-imported, or with --force
printf 'edited\r\n' >>"$doc"
dbq "UPDATE items SET status='in_progress' WHERE key='3'"
set +e
t writeback INC-2026-01-20-003 2>"$tmp/err"
rc=$?
set -e
[ $rc = 1 ] || fail "stale document: exit $rc, want 1"
grep -q 're-import first' "$tmp/err" || fail "no re-import hint"
t writeback --force INC-2026-01-20 >/dev/null 2>&1 || fail "--force failed"
grep -q '| In progress ' "$doc" || fail "--force did not write"

# usage errors
set +e
t writeback >/dev/null 2>&1; [ $? = 2 ] || fail "no target: want exit 2"
t writeback INC-1999 >/dev/null 2>&1; [ $? = 1 ] || fail "unknown incident: want exit 1"
set -e
echo ok
