#!/usr/bin/env bash
# sync_bench.sh — issue 13: `tracker sync` of a push that changes 1 file in a 10,000-file repository.
#
#   tests/bench/sync_bench.sh [BUILDDIR]        (default: build; needs git, python3)
#
# A repository of DOCS (default 10000) generated post-mortems (tests/tools/git_fastrepo.py through
# `git fast-import`, ITEMS action items each, default 3) and OTHER plain files (default 0) is synced once
# over file:// (the first sync, a full one: its time is printed too). Then RUNS (default 7) times: one
# document is edited (a status changed) and committed, and
#   fetch   `git fetch` of the branch into the source's mirror (what `tracker sync` runs first), then
#   sync    `tracker sync --no-fetch` (diff, log, cat-file, merge, commit): the part the target is on;
#   total   another such commit, then `tracker sync` with its fetch.
# Prints each run and the median; target: sync ≤ 0.2 s (exit 1 when the median misses it).
# Environment: DOCS, OTHER, ITEMS, RUNS; DB (a database target, default a new SQLite file; a
# postgresql:// URL of an empty database runs on PostgreSQL); KEEP=1 keeps the work directory.
# Not part of ctest (not a timed test).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
TRACKER=${TRACKER:-$BUILD/tracker/tracker}
DOCS=${DOCS:-10000}
OTHER=${OTHER:-0}
ITEMS=${ITEMS:-3}
RUNS=${RUNS:-7}
for c in git python3; do command -v "$c" >/dev/null || { echo "sync_bench: $c is not installed" >&2; exit 2; }; done
[[ -x $TRACKER ]] || { echo "sync_bench: build first (cmake --build $BUILD)" >&2; exit 2; }
T=$(mktemp -d /tmp/sync-bench.XXXXXX)
[[ ${KEEP:-} == 1 ]] || trap 'rm -rf "$T"' EXIT
DB=${DB:-$T/t.db}
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_DATA_HOME=$T/home/.local/share TZ=UTC
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench
export GIT_COMMITTER_EMAIL=bench@example.com GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
R=$T/repo
ms() { echo $(($(date +%s%N) / 1000000)); }

t0=$(ms)
git init -q -b main "$R"
python3 "$ROOT/tests/tools/git_fastrepo.py" "$DOCS" "$OTHER" "$ITEMS" | git -C "$R" fast-import --quiet
git -C "$R" reset -q --hard
echo "repository: $DOCS post-mortems ($ITEMS items each) + $OTHER other files, made in $(($(ms) - t0)) ms"
cat >"$T/sync.ini" <<EOC
[sync]
dir = $T/mirrors
[source pm]
repo = file://$R
EOC
sync() { "$TRACKER" --db "$DB" --config "$T/sync.ini" sync "$@"; }
t0=$(ms)
sync >"$T/first.out" 2>"$T/first.err" || { tail -3 "$T/first.err" >&2; exit 1; }
echo "first sync (full, $DOCS documents): $(($(ms) - t0)) ms — $(tail -1 "$T/first.out")"
MIRROR=$(find "$T/mirrors" -maxdepth 1 -name 'pm-*.git' | head -1)

# edit N: document N's first item changes status, committed.
edit() {
	local f
	f=$(git -C "$R" ls-files "pm/*/pm-$1.md")
	sed -i '0,/| open |\|| done |/s//| wont_do |/' "$R/$f"
	git -C "$R" commit -qam "Edit pm-$1"
}
declare -a S F A
for i in $(seq "$RUNS"); do
	edit $((i * 37))
	t0=$(ms)
	git --git-dir="$MIRROR" fetch --quiet --no-tags "file://$R" +refs/heads/main:refs/tracker/head
	t1=$(ms)
	sync --no-fetch >"$T/run.out" 2>&1
	t2=$(ms)
	grep -q "1 document imported" "$T/run.out" || { echo "sync_bench: unexpected: $(cat "$T/run.out")" >&2; exit 1; }
	edit $((i * 37 + 1))
	t3=$(ms)
	sync >"$T/run2.out" 2>&1
	t4=$(ms)
	F+=($((t1 - t0))) S+=($((t2 - t1))) A+=($((t4 - t3)))
	echo "run $i: fetch $((t1 - t0)) ms, sync (no fetch) $((t2 - t1)) ms, sync with fetch $((t4 - t3)) ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ms_s=$(median "${S[@]}") ms_f=$(median "${F[@]}") ms_a=$(median "${A[@]}")
echo "median of $RUNS: fetch $ms_f ms, sync (no fetch) $ms_s ms, sync with fetch $ms_a ms (target: sync ≤ 200 ms)"
((ms_s <= 200)) || { echo "sync_bench: target missed" >&2; exit 1; }
