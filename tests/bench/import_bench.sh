#!/usr/bin/env bash
# import_bench.sh — how fast is `tracker import`, against what its parts cost alone?
#
#   tests/bench/import_bench.sh [N]        (N post-mortems, default 10000; BUILDDIR default ./build)
#
# On the same N generated post-mortems (tests/bench/bench_gen, fixed seed) it times, each as one
# process, wall clock and peak RSS (GNU time):
#   (a) tracker import DIR           into an empty database
#   (b) bench_cmark DIR              cmark-gfm alone (as tracker/parse.c calls it: tables,
#                                    strikethrough, source positions) over the same files
#   (c) bench_sqlite A.db C.db       the rows (a) stored — incidents, items, one 'created' event per
#                                    item — inserted into a new database with the real schema, with
#                                    prepared statements, in one transaction (its own timing of open,
#                                    inserts and commit: loading the rows from A.db is left out)
# Targets (issue 2): (a) <= 2 x ((b) + (c)) and peak RSS of (a) < 32 MiB. Exit 1 if one is missed.
# Not part of ctest. Work files go to tests/bench/out/ (git-ignored), or $BENCH_OUT.
set -euo pipefail

N=${1:-10000}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
OUT=${BENCH_OUT:-$SRCDIR/tests/bench/out}
TRACKER_BIN=${TRACKER_BIN:-$BUILDDIR/tracker/tracker}
GEN=$BUILDDIR/tests/bench_gen
PARSER=$BUILDDIR/tests/bench_cmark
SQL=$BUILDDIR/tests/bench_sqlite
GNU_TIME=/usr/bin/time

for b in "$TRACKER_BIN" "$GEN" "$PARSER" "$SQL"; do
	[[ -x $b ]] || {
		echo "import_bench: $b not built (cmake --build $BUILDDIR)" >&2
		exit 2
	}
done
[[ -x $GNU_TIME ]] || {
	echo "import_bench: needs GNU time at $GNU_TIME (apt-get install time)" >&2
	exit 2
}

DOCS=$OUT/docs-$N
if [[ ! -f $DOCS/manifest.tsv ]] || [[ $(wc -l <"$DOCS/manifest.tsv") -ne $N ]]; then
	rm -rf "$DOCS"
	mkdir -p "$OUT"
	"$GEN" "$DOCS" "$N"
fi
files=$(wc -l <"$DOCS/manifest.tsv")
items=$(awk -F'\t' '{ s += $3 } END { print s }' "$DOCS/manifest.tsv")
bytes=$(find "$DOCS" -name '*.md' -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "corpus: $files files, $items action items, $((bytes / 1024)) KiB ($DOCS)"

# measure NAME CMD...: runs CMD under GNU time; sets ${NAME}_s (wall seconds, whole process) and
# ${NAME}_kb (peak RSS in KiB).
measure() {
	local name=$1
	shift
	sync
	local t0 t1
	t0=$(date +%s%N)
	if ! "$GNU_TIME" -f '%M' -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then
		echo "import_bench: $name failed: $*" >&2
		tail -5 "$OUT/$name.err" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	local kb
	kb=$(tail -1 "$OUT/$name.time")
	printf -v "${name}_s" '%d.%09d' $(((t1 - t0) / 1000000000)) $(((t1 - t0) % 1000000000))
	printf -v "${name}_kb" '%s' "$kb"
}

rm -f "$OUT"/a.db* "$OUT"/c.db*
export TZ=UTC
measure import "$TRACKER_BIN" --db "$OUT/a.db" import "$DOCS"
stored=$(sqlite3 "$OUT/a.db" 'SELECT count(*) FROM items' 2>/dev/null || echo "?")
measure parser "$PARSER" "$DOCS"
measure sqlite "$SQL" "$OUT/a.db" "$OUT/c.db"
# (c) is the insert alone: bench_sqlite first loads the rows from a.db, which is not part of what an
# import must do, so take its own timing of open + insert + commit rather than the whole process.
sqlite_s=$(sed -n 's/^sqlite: .*, \([0-9.]*\) s$/\1/p' "$OUT/sqlite.out")
[[ -n $sqlite_s ]] || { echo "import_bench: no timing from bench_sqlite" >&2; exit 1; }

# shellcheck disable=SC2154 # set by measure via printf -v
awk -v a="$import_s" -v b="$parser_s" -v c="$sqlite_s" -v rss="$import_kb" -v brss="$parser_kb" \
	-v crss="$sqlite_kb" -v stored="$stored" -v want="$items" '
BEGIN {
	printf "(a) tracker import      %8.3f s   peak RSS %6.1f MiB   (%s items stored, %s in the documents)\n", a, rss / 1024, stored, want
	printf "(b) cmark-gfm alone     %8.3f s   peak RSS %6.1f MiB\n", b, brss / 1024
	printf "(c) sqlite insert alone %8.3f s   peak RSS %6.1f MiB\n", c, crss / 1024
	base = b + c
	ratio = base > 0 ? a / base : 0
	printf "ratio (a) / ((b)+(c)) = %.2f   (target <= 2.00)\n", ratio
	printf "peak RSS of (a)       = %.1f MiB (target < 32 MiB)\n", rss / 1024
	ok = (ratio <= 2.0 && rss < 32 * 1024 && stored == want)
	print ok ? "targets met" : "TARGET MISSED"
	exit ok ? 0 : 1
}'
