#!/usr/bin/env bash
# engines_bench.sh — issue 11 §5: PostgreSQL beside SQLite on this machine, in one run.
#
#   BUILDDIR=$PWD/build tests/bench/engines_bench.sh [DOCS] [ITEMS] [PEOPLE]   (default 10000 100000 2000)
#
# Each figure is the best wall time of RUNS (default 3) runs of the same command on each engine:
#   import   `tracker import DIR` of DOCS generated post-mortems (tests/bench_gen, fixed seed) into an
#            empty database (SQLite: a new file; PostgreSQL: a new database)
#   list     `tracker list --overdue --format json` on ITEMS open items and PEOPLE people
#            (tests/bench_remind_gen writes the SQLite database; `tracker db copy` puts the same rows
#            into PostgreSQL)
#   remind   `tracker remind --dry-run` on that database: one whole planning pass (loading items,
#            incidents, people and the reminders already sent; planning)
# Target: PostgreSQL ≤ 2 × SQLite for each. Exit 1 when one is missed.
# PostgreSQL: $TRACKER_TEST_PG (a libpq key=value string of a running cluster) or else a throwaway
# cluster started here (contrib/pg-cluster.sh: Unix socket, no TCP) and removed on exit.
# Not part of ctest (not a timed test). Work files go to tests/bench/out/ (git-ignored) or $BENCH_OUT.
set -euo pipefail

DOCS=${1:-10000}
ITEMS=${2:-100000}
PEOPLE=${3:-2000}
RUNS=${RUNS:-3}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
OUT=${BENCH_OUT:-$SRCDIR/tests/bench/out}/engines
T=$BUILDDIR/tracker/tracker
NOW=2026-04-20T12:00:00Z
PSQL=/usr/lib/postgresql/15/bin/psql
for b in "$T" "$BUILDDIR/tests/bench_gen" "$BUILDDIR/tests/bench_remind_gen"; do
	[[ -x $b ]] || { echo "engines_bench: $b not built (cmake --build $BUILDDIR)" >&2; exit 2; }
done
rm -rf "$OUT"
mkdir -p "$OUT"
export XDG_CONFIG_HOME=$OUT/cfg HOME=$OUT/home TZ=UTC
mkdir -p "$HOME"

cluster=
cleanup() { if [[ -n $cluster ]]; then "$SRCDIR/contrib/pg-cluster.sh" stop "$cluster"; fi; }
trap cleanup EXIT
PG=${TRACKER_TEST_PG:-}
if [[ -z $PG ]]; then
	cluster=$(mktemp -d /tmp/engines-bench-pg.XXXXXX)
	PG=$("$SRCDIR/contrib/pg-cluster.sh" start "$cluster")
fi
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$PG"; }
pg_url() { echo "postgresql:///$1?host=$(kv host)&port=$(kv port)&user=$(kv user)"; }
fresh_pg() {
	"$PSQL" -XAtq "$PG dbname=postgres" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>/dev/null
}

# best CMD…: prints the best wall time in seconds of RUNS runs; PREP (a function name) runs before each.
best() {
	local prep=$1 b="" s e t
	shift
	for _ in $(seq "$RUNS"); do
		"$prep"
		s=$(date +%s.%N)
		"$@" >/dev/null 2>"$OUT/last.err" || { echo "engines_bench: failed: $*" >&2; cat "$OUT/last.err" >&2; exit 1; }
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [[ -z $b ]] || (($(echo "$t < $b" | bc))); then b=$t; fi
	done
	printf '%.3f' "$b"
}
nothing() { :; }

"$BUILDDIR/tests/bench_gen" "$OUT/docs" "$DOCS" >/dev/null
SQ_IMPORT=$OUT/import.db
prep_sq_import() { rm -f "$SQ_IMPORT" "$SQ_IMPORT-wal" "$SQ_IMPORT-shm"; }
prep_pg_import() { fresh_pg bench_import; }

"$BUILDDIR/tests/bench_remind_gen" "$OUT/remind.db" "${NOW%%T*}" "$ITEMS" "$PEOPLE" >/dev/null
fresh_pg bench_remind
"$T" db copy "$OUT/remind.db" "$(pg_url bench_remind)" >"$OUT/copy.out"

declare -a rows=()
fail=0
row() { # NAME SQLITE PG
	local ratio
	ratio=$(echo "scale=2; $3 / $2" | bc)
	local verdict=ok
	if (($(echo "$ratio > 2" | bc))); then verdict=MISSED fail=1; fi
	rows+=("$(printf '| %-44s | %8s s | %8s s | %5s× | %s |' "$1" "$2" "$3" "$ratio" "$verdict")")
}

a=$(best prep_sq_import "$T" --db "$SQ_IMPORT" import "$OUT/docs")
b=$(best prep_pg_import "$T" --db "$(pg_url bench_import)" import "$OUT/docs")
row "import $DOCS post-mortems (empty database)" "$a" "$b"
a=$(best nothing "$T" --db "$OUT/remind.db" list --overdue --format json --now "${NOW%%T*}")
b=$(best nothing "$T" --db "$(pg_url bench_remind)" list --overdue --format json --now "${NOW%%T*}")
row "list --overdue --format json ($ITEMS items)" "$a" "$b"
a=$(best nothing "$T" --db "$OUT/remind.db" remind --dry-run --now "$NOW")
b=$(best nothing "$T" --db "$(pg_url bench_remind)" remind --dry-run --now "$NOW")
row "remind --dry-run, one pass ($ITEMS items)" "$a" "$b"

echo "engines_bench: best of $RUNS, $(nproc) cores, SQLite $(sqlite3 --version | cut -d' ' -f1), $("$PSQL" -XAtq "$PG dbname=postgres" -c 'SHOW server_version')"
echo "| what | SQLite | PostgreSQL | PG/SQLite | ≤ 2× |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
"$PSQL" -XAtq "$PG dbname=postgres" -c "DROP DATABASE IF EXISTS bench_import" -c "DROP DATABASE IF EXISTS bench_remind" || true
exit "$fail"
