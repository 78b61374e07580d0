#!/usr/bin/env bash
# list_stats_bench.sh — issue 3 benchmark: `tracker list --overdue --priority P0,P1 --format json` and
# `tracker stats` on 1,000,000 items, each against the same SQL run in the sqlite3 shell in the same run
# (output to /dev/null in both cases). Not a test: it prints the figures for docs/performance.md.
#
#   BUILDDIR=build tests/bench/list_stats_bench.sh [ITEMS] [INCIDENTS]
#
# Needs: the build (tracker, tests/bench_items), sqlite3. Each timing is the best of RUNS (default 3).
set -euo pipefail
BUILDDIR=${BUILDDIR:-build}
ITEMS=${1:-1000000}
INCIDENTS=${2:-100000}
RUNS=${RUNS:-3}
NOW=2026-04-20
TRACKER="$BUILDDIR/tracker/tracker"
GEN="$BUILDDIR/tests/bench_items"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/bench.db"
export TRACKER_DB="$db" XDG_CONFIG_HOME="$tmp/cfg"

"$GEN" "$db" "$ITEMS" "$INCIDENTS"

# best_of CMD…: the fastest wall time of RUNS runs, in seconds
best_of() {
	local best="" s e d
	for _ in $(seq "$RUNS"); do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		d=$(echo "$e - $s" | bc)
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc)" = 1 ]; then best=$d; fi
	done
	printf '%.3f' "$best"
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
# The SQL tracker stats runs, exactly (it prints it): per priority, then the total.
{
	echo ".mode json"
	echo ".parameter init"
	"$TRACKER" stats --now "$NOW" --show-sql
} >"$tmp/stats.sql"

rows=$("$TRACKER" list --overdue --priority P0,P1 --format json --now "$NOW" | grep -c '"id"')
echo "items: $ITEMS, incidents: $INCIDENTS, overdue P0/P1 rows: $rows, sqlite $(sqlite3 --version | cut -d' ' -f1)"

# warm the page cache
cat "$db" >/dev/null

t_list=$(best_of "$TRACKER" list --overdue --priority P0,P1 --format json --now "$NOW")
s_list=$(best_of sqlite3 -readonly "$db" -init "$tmp/list.sql" .quit)
t_stats=$(best_of "$TRACKER" stats --now "$NOW")
t_stats_json=$(best_of "$TRACKER" stats --now "$NOW" --format json)
s_stats=$(best_of sqlite3 -readonly "$db" -init "$tmp/stats.sql" .quit)

printf '%-62s %8s\n' "command" "seconds"
printf '%-62s %8s\n' "tracker list --overdue --priority P0,P1 --format json" "$t_list"
printf '%-62s %8s\n' "sqlite3 shell, same SELECT, .mode json" "$s_list"
printf '%-62s %8s\n' "tracker stats" "$t_stats"
printf '%-62s %8s\n' "tracker stats --format json" "$t_stats_json"
printf '%-62s %8s\n' "sqlite3 shell, same 4 statements (tracker stats --show-sql)" "$s_stats"
printf 'ratio list: %.2f  stats: %.2f\n' "$(echo "$t_list / $s_list" | bc -l)" "$(echo "$t_stats / $s_stats" | bc -l)"
