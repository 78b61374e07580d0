#!/usr/bin/env bash
# t0150 — crash safety of import: `tracker import DIR` is killed with SIGKILL at random moments;
# afterwards the database passes PRAGMA integrity_check (SQLite) and every post-mortem is either wholly in
# (its incident with exactly the manifest's number of items) or wholly out. Then a full import
# completes and stores everything.
. "$(dirname "$0")/lib.sh"
require_command import

# 1200 files: import commits in batches (500 files, docs/import.md), so kills land before, between and
# after commits.
FILES=${CRASH_FILES:-1200}
ROUNDS=${CRASH_ROUNDS:-20}
GEN=$BUILDDIR/tests/bench_gen
[[ -x $GEN ]] || fail "no $GEN (built with the tests)"

"$GEN" "$TMP/pm" "$FILES" 7 >/dev/null
MANIFEST=$TMP/pm/manifest.tsv
total_items=$(awk -F'\t' '{ s += $3 } END { print s }' "$MANIFEST")
RANDOM=$$

# check_db ROUND: integrity, and each incident in the database has all of its items.
check_db() {
	if [[ $E2E_ENGINE == sqlite ]]; then
		[[ -f $DB ]] || return 0
		local ic
		ic=$(dbq 'PRAGMA integrity_check')
		assert_eq ok "$ic" "integrity_check after round $1"
	fi
	# Killed before the schema was committed: an empty database.
	db_tables "$DB" | grep -qx incidents || return 0
	dbq \
		'SELECT i.id, count(it.id) FROM incidents i LEFT JOIN items it ON it.incident_id = i.id GROUP BY i.id' |
		tr '|' '\t' >"$TMP/counts.tsv"
	local bad
	bad=$(awk -F'\t' 'NR == FNR { want[$2] = $3; next }
		!($1 in want) { print "unknown incident " $1; next }
		want[$1] != $2 { print $1 ": " $2 " items, the document has " want[$1] }' \
		"$MANIFEST" "$TMP/counts.tsv" | head -5)
	[[ -z $bad ]] || fail "round $1: half-imported documents: $bad"
	wc -l <"$TMP/counts.tsv"
}

# How long a full import takes decides the kill window (at most 0.5 s).
start=$(date +%s%N)
assert_rc 0 t import "$TMP/pm"
full_ms=$((($(date +%s%N) - start) / 1000000))
check_db 0 >/dev/null
note "full import of $FILES files ($total_items items): ${full_ms} ms"
window=$((full_ms < 500 ? full_ms : 500))
[[ $window -ge 10 ]] || window=10

killed=0
for round in $(seq 1 "$ROUNDS"); do
	# Every other round starts from an empty database; the others re-import over a partial one.
	if ((round % 2 == 1)); then reset_db "$DB"; fi
	delay_ms=$((RANDOM % window))
	"$TRACKER_BIN" --db "$DB" import "$TMP/pm" >/dev/null 2>"$TMP/err.$round" &
	pid=$!
	sleep "$(printf '0.%03d' "$delay_ms")"
	if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
	wait "$pid" 2>/dev/null || true
	n=$(check_db "$round")
	note "round $round: killed after ${delay_ms} ms, ${n:-0} incidents in"
done
note "$killed of $ROUNDS imports were still running when SIGKILL was sent"

# A full import afterwards stores everything.
assert_rc 0 t import "$TMP/pm"
n=$(check_db final)
assert_eq "$FILES" "$n" "incidents after a full import"
assert_eq "$total_items" "$(dbq 'SELECT count(*) FROM items')" "items after a full import"
echo "ok: $TEST_NAME"
