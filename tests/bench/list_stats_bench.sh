#!/usr/bin/env bash
# list_stats_bench.sh — issue 3 / issue 11 §5 benchmark: `tracker list --overdue --priority P0,P1
# --format json` and `tracker stats` on 1,000,000 items, on SQLite against the same SQL run in the
# sqlite3 shell in the same run, and — when $TRACKER_TEST_PG holds a libpq key=value string of a
# running PostgreSQL cluster (contrib/pg-cluster.sh) — the same commands on the same data in a
# PostgreSQL database of its own, side by side (the database is dropped again on exit). Output to
# /dev/null in every case. Not a test: it prints the figures for docs/performance.md, and checks that
# both engines print the same stats.
#
#   BUILDDIR=build [TRACKER_TEST_PG="host=… port=…"] tests/bench/list_stats_bench.sh [ITEMS] [INCIDENTS]
#
# Needs: the build (tracker, tests/bench_items), sqlite3, and psql for PostgreSQL. Each timing is the
# best of RUNS (default 3), wall seconds; CPU seconds (user + system) of the tracker process beside it.
set -euo pipefail
BUILDDIR=${BUILDDIR:-build}
ITEMS=${1:-1000000}
INCIDENTS=${2:-100000}
RUNS=${RUNS:-3}
NOW=2026-04-20
TRACKER="$BUILDDIR/tracker/tracker"
GEN="$BUILDDIR/tests/bench_items"
PG=${TRACKER_TEST_PG:-}
tmp=$(mktemp -d)
pgdb="tracker_bench_$$"
cleanup() {
	if [ -n "$PG" ]; then
		psql "$PG dbname=postgres" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
db="$tmp/bench.db"
export XDG_CONFIG_HOME="$tmp/cfg"

"$GEN" "$db" "$ITEMS" "$INCIDENTS"
if [ -n "$PG" ]; then
	psql "$PG dbname=postgres" -qc "CREATE DATABASE $pgdb" >/dev/null
	"$GEN" "$PG dbname=$pgdb" "$ITEMS" "$INCIDENTS" # the same seed: the same data
fi

# best_of CMD…: the fastest wall time of RUNS runs, and its CPU time, as "WALL CPU"; "failed" (and
# the command's message on stderr) when it fails
best_of() {
	local best="" cpu="" out w c
	for _ in $(seq "$RUNS"); do
		if ! out=$(/usr/bin/time -f '%e %U %S' "$@" 2>&1 >/dev/null); then
			echo "$*: $out" | head -2 >&2
			printf 'failed'
			return 0
		fi
		out=$(echo "$out" | tail -1)
		w=$(echo "$out" | cut -d' ' -f1)
		c=$(echo "$out" | awk '{printf "%.2f", $2 + $3}')
		if [ -z "$best" ] || [ "$(echo "$w < $best" | bc)" = 1 ]; then
			best=$w
			cpu=$c
		fi
	done
	printf '%.2f %s' "$best" "$cpu"
}

# The SQL tracker list runs (tracker/items.c: SELECT_COLS + where_sql + the default ORDER BY + LIMIT),
# with the parameters of `list --overdue --priority P0,P1 --now $NOW`.
list_sql() {
	cat <<SQL
.mode json
.parameter init
.parameter set ?1 "'$NOW'"
.parameter set ?2 0
.parameter set ?3 1
.parameter set ?4 0
.parameter set ?5 0
.parameter set ?6 3
.parameter set ?7 NULL
.parameter set ?8 NULL
.parameter set ?9 0
.parameter set ?10 0
.parameter set ?11 NULL
.parameter set ?12 NULL
.parameter set ?13 -1
SELECT i.id, i.incident_id, i.key, i.action, i.owner, i.owners, i.due, i.priority, i.status, i.status_raw, i.created_at, i.updated_at, i.closed_at, i.snoozed_until, i.removed_at, i.extra, i.sequence, i.line FROM items i WHERE (?2 OR ?10 OR (i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL) OR ?9 != 0) AND (?9 = 0 OR ((?9 >> (CASE i.status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'blocked' THEN 2 WHEN 'done' THEN 3 ELSE 4 END)) & 1)) AND (?9 = 0 OR ?2 OR ?10 OR i.removed_at IS NULL) AND (NOT ?3 OR (i.due IS NOT NULL AND i.due < ?1 AND i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL)) AND (NOT ?10 OR i.removed_at IS NOT NULL) AND (NOT ?4 OR i.owner IS NULL) AND (NOT ?5 OR i.due IS NULL) AND (?6 = 0 OR (i.priority IS NOT NULL AND ((?6 >> i.priority) & 1))) AND (?7 IS NULL OR i.incident_id = ?7) AND (?8 IS NULL OR EXISTS (SELECT 1 FROM json_each(i.owners) o WHERE o.value IN (SELECT value FROM json_each(?8)))) AND (?11 IS NULL OR (i.due IS NOT NULL AND i.due < ?11)) AND (?12 IS NULL OR (i.due IS NOT NULL AND i.due <= ?12)) ORDER BY (i.due IS NOT NULL AND i.due < ?1 AND i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL) DESC, coalesce(i.priority, 9), coalesce(i.due, '9999-99-99'), i.incident_id, i.position LIMIT ?13;
SQL
}
list_sql >"$tmp/list.sql"
# The SQL tracker stats runs, exactly (it prints it): the 4 statements by priority (the total is summed
# from them, the done items are counted and their medians read in tracker; the shell prints those rows).
{
	echo ".mode json"
	echo ".parameter init"
	"$TRACKER" --db "$db" stats --now "$NOW" --show-sql
} >"$tmp/stats.sql"

rows=$("$TRACKER" --db "$db" list --overdue --priority P0,P1 --format json --now "$NOW" | grep -c '"id"')
echo "items: $ITEMS, incidents: $INCIDENTS, overdue P0/P1 rows: $rows, sqlite $(sqlite3 --version | cut -d' ' -f1)${PG:+, $(psql "$PG dbname=postgres" -Atc 'SHOW server_version')}"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# warm the page cache
cat "$db" >/dev/null

run_engine() { # TARGET: the four tracker timings, one per line
	best_of "$TRACKER" --db "$1" list --overdue --priority P0,P1 --format json --now "$NOW"
	echo
	best_of "$TRACKER" --db "$1" stats --now "$NOW"
	echo
	best_of "$TRACKER" --db "$1" stats --now "$NOW" --format json
	echo
	best_of "$TRACKER" --db "$1" stats --now "$NOW" --by owner
	echo
}
mapfile -t sq < <(run_engine "$db")
s_list=$(best_of sqlite3 -readonly "$db" -init "$tmp/list.sql" .quit)
s_stats=$(best_of sqlite3 -readonly "$db" -init "$tmp/stats.sql" .quit)
pg=("-" "-" "-" "-")
if [ -n "$PG" ]; then
	"$TRACKER" --db "$PG dbname=$pgdb" stats --now "$NOW" --format json --by priority >"$tmp/pg.json"
	"$TRACKER" --db "$db" stats --now "$NOW" --format json --by priority >"$tmp/sq.json"
	if cmp -s "$tmp/pg.json" "$tmp/sq.json"; then same="same output"; else same="OUTPUT DIFFERS"; fi
	mapfile -t pg < <(run_engine "$PG dbname=$pgdb")
fi

printf '%-58s %16s %16s\n' "command (best of $RUNS: wall s, tracker CPU s)" "SQLite" "PostgreSQL"
labels=("tracker list --overdue --priority P0,P1 --format json" "tracker stats" "tracker stats --format json"
	"tracker stats --by owner")
for k in 0 1 2 3; do
	printf '%-58s %16s %16s\n' "${labels[$k]}" "${sq[$k]// / / }" "${pg[$k]// / / }"
done
printf '%-58s %16s\n' "sqlite3 shell, the list's SELECT, .mode json" "${s_list// / / }"
printf '%-58s %16s\n' "sqlite3 shell, the 4 statements of tracker stats --show-sql" "${s_stats// / / }"
[ -n "$PG" ] && echo "stats --format json on both engines: $same"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
