#!/usr/bin/env bash
# t0120 — re-import skip and the import pipeline (issue 9 §7):
#   - a re-import of an unchanged tree reports every file unchanged without opening any of them
#     (strace: no open of a .md file) and with the same numbers as before;
#   - a file only touched (new mtime, same bytes) is read and hashed, not parsed, reported unchanged,
#     and its new stat is stored (the next re-import does not open it);
#   - an edited file (same size, same mtime set back, new inode) is read and merged;
#   - a file written within 2 s of its import stores no stat (racily clean) and is read next time;
#   - another [import] date_order reads every file again;
#   - with the worker thread parsing ahead, a batch prints exactly what one import per file prints,
#     in the same order (stdout and stderr), also with warnings and rejected files; --atomic stops at
#     the first rejected file and says nothing of any file after it.
. "$(dirname "$0")/lib.sh"
require_command import
GEN=$BUILDDIR/tests/bench_gen
[[ -x $GEN ]] || fail "no $GEN (built with the tests)"

OLD='2024-03-04 05:06:07'
"$GEN" "$TMP/pm" 40 11 >/dev/null
touch -d "$OLD" "$TMP"/pm/*.md
nfiles=$(find "$TMP/pm" -name '*.md' | wc -l)
assert_eq 40 "$nfiles" "generated files"

# opened_md LOG: the .md files a traced run opened (by name), sorted.
opened_md() { { grep -E 'open(at)?\(.*\.md"' "$1" || true; } | sed -E 's/.*"([^"]*\.md)".*/\1/' | sort -u; }
# traced CMD...: runs the tracker under strace (all threads), writing $TMP/trace; sets RC like run.
# (LeakSanitizer cannot run under ptrace: leaks are checked by the untraced runs.)
traced() {
	if ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=open,openat -o "$TMP/trace" "$TRACKER_BIN" --db "$DB" "$@" \
		>"$TMP/out" 2>"$TMP/err"; then RC=0; else RC=$?; fi
}
strace -f -qq -e trace=openat -o "$TMP/trace" true 2>/dev/null || skip "strace cannot trace here"

assert_rc 0 t import "$TMP/pm"
assert_eq 40 "$(grep -c ' new, ' "$TMP/out")" "first import: every file new"
first_items=$(dbq 'SELECT count(*) FROM items')
assert_eq 40 "$(dbq 'SELECT count(*) FROM incidents WHERE source_size IS NOT NULL AND source_mtime_ns IS NOT NULL AND source_ino IS NOT NULL')" "stats stored"

# 1. Unchanged tree: nothing opened, every file unchanged with its item count.
traced import "$TMP/pm"
assert_eq 0 "$RC" "exit of the re-import"
assert_eq "" "$(opened_md "$TMP/trace")" ".md files opened by a re-import of an unchanged tree"
assert_eq 40 "$(grep -c ': unchanged (' "$TMP/out")" "unchanged lines"
sum=$(sed -nE 's/.*unchanged \(([0-9]+) items.*/\1/p' "$TMP/out" | awk '{ s += $1 } END { print s }')
assert_eq "$first_items" "$sum" "items counted in the unchanged lines"
# The lines name the files in the order they were given.
assert_eq "$(find "$TMP/pm" -name '*.md' | LC_ALL=C sort)" "$(sed -nE 's/.*\((.*)\)$/\1/p' "$TMP/out")" "order of the unchanged lines"

# 2. Touched, not changed: read (hash), not merged; the new stat is stored.
f=$(find "$TMP/pm" -name '*.md' | LC_ALL=C sort | sed -n 7p)
touch -d '2025-01-01 00:00:00' "$f"
traced import "$TMP/pm"
assert_eq 0 "$RC" "exit after a touch"
assert_eq "$f" "$(opened_md "$TMP/trace")" "only the touched file is read"
assert_eq 40 "$(grep -c ': unchanged (' "$TMP/out")" "a touched file is unchanged"
want=$(($(date -d '2025-01-01 00:00:00' +%s) * 1000000000))
got=$(dbq "SELECT source_mtime_ns FROM incidents WHERE source = '$(realpath "$f")'")
assert_eq "$want" "$got" "stored mtime after a touch"
traced import "$TMP/pm"
assert_eq "" "$(opened_md "$TMP/trace")" "nothing read after the new stat was stored"

# 3. Edited with the same size, the old mtime put back: the new inode gives it away.
g=$(grep -l '| Open |' "$TMP"/pm/*.md | grep -vxF "$f" | head -1)
[[ -n $g ]] || fail "no generated file has an open item to edit"
ino_before=$(stat -c %i "$g")
mtime_before=$(stat -c %y "$g")
sed 's/| Open |/| Done |/' "$g" >"$g.new" # same length: Open and Done
mv "$g.new" "$g"
touch -d "$mtime_before" "$g"
[[ $(stat -c %i "$g") != "$ino_before" ]] || skip "the file system reused the inode"
traced import "$TMP/pm"
assert_eq 0 "$RC" "exit after an edit"
assert_eq "$g" "$(opened_md "$TMP/trace")" "only the edited file is read"
assert_file_match "$TMP/out" "^INC-[^:]+: 0 new, [1-9][0-9]* updated, .*\($g\)$" "the edited file is merged"
assert_eq 39 "$(grep -c ': unchanged (' "$TMP/out")" "the other files are unchanged"

# 4. Written just now: no stat is stored (it could change again within the same tick).
read -r name id _ <"$TMP/pm/manifest.tsv"
fresh_id=${id%-*}-99${id##*-}
sed "s/$id/$fresh_id/g" "$TMP/pm/$name" >"$TMP/fresh.md"
grep -q -- "$fresh_id" "$TMP/fresh.md" || fail "fresh.md: no id to change"
assert_rc 0 t import "$TMP/fresh.md"
assert_eq "" "$(dbq "SELECT source_size FROM incidents WHERE source = '$(realpath "$TMP/fresh.md")'")" "no stat for a fresh file"
traced import "$TMP/fresh.md"
assert_eq "$TMP/fresh.md" "$(opened_md "$TMP/trace")" "a fresh file is read again"
assert_file_match "$TMP/out" 'unchanged \([0-9]+ items, file identical' "fresh file unchanged by its hash"
rm "$TMP/fresh.md"

# 5. Other import rules (date order): every file is read and merged again, nothing changes.
mkdir -p "$XDG_CONFIG_HOME/tracker"
printf '[import]\ndate_order = dmy\n' >"$XDG_CONFIG_HOME/tracker/config.ini"
traced import "$TMP/pm"
assert_eq 0 "$RC" "exit under another date order"
assert_eq 40 "$(opened_md "$TMP/trace" | wc -l)" "files read under another date order"
assert_eq 40 "$(grep -c ': 0 new, 0 updated, ' "$TMP/out")" "merged again, nothing changed"
traced import "$TMP/pm"
assert_eq "" "$(opened_md "$TMP/trace")" "skipped again under the same rules"
rm "$XDG_CONFIG_HOME/tracker/config.ini"

# 6. Message order with the pipeline: a batch prints what one import per file prints.
mkdir -p "$TMP/mix"
for x in "$SRCDIR"/tests/fixtures/import/*.md "$TMP"/pm/*.md; do
	cp "$x" "$TMP/mix/$(basename "$x")"
done
mapfile -t files < <(find "$TMP/mix" -name '*.md' | LC_ALL=C sort)
DB1=$(new_db one)
DB2=$(new_db batch)
: >"$TMP/one.out"
: >"$TMP/one.err"
for x in "${files[@]}"; do
	"$TRACKER_BIN" --db "$DB1" import "$x" >>"$TMP/one.out" 2>>"$TMP/one.err" || true
done
if "$TRACKER_BIN" --db "$DB2" import "${files[@]}" >"$TMP/batch.all" 2>"$TMP/batch.err"; then rc=0; else rc=$?; fi
# A batch ends with its count line, which one import per file does not print.
assert_match '^[0-9]+ files: [0-9]+ imported, [0-9]+ rejected, [0-9]+ with no action items$' "$(tail -1 "$TMP/batch.all")" "batch count line"
head -n -1 "$TMP/batch.all" >"$TMP/batch.out"
grep -q ': warning: ' "$TMP/one.err" || fail "the mix has no warning: the order test would prove little"
grep -q 'rejected: nothing imported' "$TMP/one.err" || fail "the mix has no rejected file"
assert_eq 1 "$rc" "batch exit with rejected files"
assert_same_file "$TMP/one.out" "$TMP/batch.out" "batch stdout"
assert_same_file "$TMP/one.err" "$TMP/batch.err" "batch stderr"
first_count=$(tail -1 "$TMP/batch.all")
# The same again as a re-import (skips by stat and by hash mixed with parses).
touch "$TMP/mix"/warn-*.md
: >"$TMP/one.out"
: >"$TMP/one.err"
for x in "${files[@]}"; do
	"$TRACKER_BIN" --db "$DB1" import "$x" >>"$TMP/one.out" 2>>"$TMP/one.err" || true
done
touch "$TMP/mix"/warn-*.md
"$TRACKER_BIN" --db "$DB2" import "${files[@]}" >"$TMP/batch.all" 2>"$TMP/batch.err" || true
head -n -1 "$TMP/batch.all" >"$TMP/batch.out"
# The count line is the same as the first time: skipped files count as imported, with their items.
assert_eq "$first_count" "$(tail -1 "$TMP/batch.all")" "count line of the re-import"
assert_same_file "$TMP/one.out" "$TMP/batch.out" "re-import stdout"
assert_same_file "$TMP/one.err" "$TMP/batch.err" "re-import stderr"

# 7. --atomic: the first rejected file stops the batch; no file after it is reported; nothing lands.
reset_db "$DB2"
bad=$(printf '%s\n' "${files[@]}" | grep -n '/reject-' | head -1)
badn=${bad%%:*}
assert_rc 1 "$TRACKER_BIN" --db "$DB2" import --atomic "${files[@]}"
assert_file_match "$TMP/err" 'atomic: 1 file rejected, nothing imported' "atomic note"
# Result lines are printed only once committed, so none; and nothing of any file after the rejected
# one (the warn-* files come after it and have warnings).
assert_eq 0 "$(grep -c '(.*\.md)$' "$TMP/out" || true)" "result lines of an --atomic batch that was rolled back"
assert_file_match "$TMP/err" "$(basename "${files[badn - 1]}"):[0-9]+: error: " "the rejected file's error"
assert_file_no_match "$TMP/err" '/mix/warn-' "messages of files after the rejected one"
assert_eq 0 "$(dbq --db "$DB2" 'SELECT count(*) FROM incidents')" "incidents after --atomic"

# 8. Sources are real paths however the file was reached: a relative path, a link to a file, a
#    link to a directory (the walk derives them from the directory's real path when it can).
reset_db "$DB"
mkdir -p "$TMP/tree/sub" "$TMP/elsewhere/dir"
cp "$TMP/pm/pm-00001.md" "$TMP/tree/sub/plain.md"
cp "$TMP/pm/pm-00002.md" "$TMP/elsewhere/target.md"
cp "$TMP/pm/pm-00003.md" "$TMP/elsewhere/dir/in-linked-dir.md"
ln -s ../elsewhere/target.md "$TMP/tree/link.md"
ln -s ../elsewhere/dir "$TMP/tree/linkdir"
(cd "$TMP" && "$TRACKER_BIN" --db "$DB" import tree >"$TMP/out" 2>"$TMP/err") || fail "import of a tree with links: $(cat "$TMP/err")"
real=$(cd "$TMP" && pwd -P)
assert_eq "$real/elsewhere/dir/in-linked-dir.md
$real/elsewhere/target.md
$real/tree/sub/plain.md" "$(dbq 'SELECT source FROM incidents ORDER BY source')" "sources of a tree with links"
(cd "$TMP/tree" && "$TRACKER_BIN" --db "$DB" import . ../tree/sub/plain.md >"$TMP/out" 2>"$TMP/err") || fail "re-import through other paths"
assert_eq 4 "$(grep -c ': unchanged (' "$TMP/out")" "the same files through other paths are unchanged"

# 9. Large files: the worker stops reading ahead at its byte budget (8 MiB) and the batch still goes
#    through in order (a wait for half a queue that the budget cuts short must not hang).
mkdir -p "$TMP/big"
BIGONE=$(new_db big_one)
line=$(printf 'padding words for a long summary paragraph %.0s' $(seq 1 40))
for n in $(seq 1 14); do
	src=$(sed -n "${n}p" "$TMP/pm/manifest.tsv" | cut -f1)
	{
		cat "$TMP/pm/$src"
		echo
		echo "## Appendix"
		echo
		for _ in $(seq 1 1000); do echo "$line"; done
	} >"$TMP/big/$src"
done
[[ $(du -sm "$TMP/big" | cut -f1) -ge 16 ]] || fail "the large files add up to less than twice the budget"
reset_db "$DB"
: >"$TMP/one.out"
for x in "$TMP"/big/*.md; do
	"$TRACKER_BIN" --db "$BIGONE" import "$x" >>"$TMP/one.out"
done
assert_rc 0 timeout 120 "$TRACKER_BIN" --db "$DB" import "$TMP/big"
head -n -1 "$TMP/out" >"$TMP/big.out"
assert_same_file "$TMP/one.out" "$TMP/big.out" "large files: batch stdout"

echo "ok: $TEST_NAME"
