#!/usr/bin/env bash
# mdguard_bench.sh — every slow cmark-gfm shape (tests/bench/md_shapes.py) at 69 KB and at 4 MB (the
# default [import] max_size), through `tracker check`: wall time, peak memory of the largest process
# (tracker or its trial-parse child) and the verdict. Not a timed test.
#
#   tests/bench/mdguard_bench.sh [BUILDDIR]      (needs python3 and GNU time, /usr/bin/time)
#
# The issue's goal: every document within max_size is parsed or refused within 2 s, within a memory
# cap (tracker/mdguard.h: MDGUARD_MEM_MB for the parse).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
TRACKER=$BUILD/tracker/tracker
SHAPES=$ROOT/tests/bench/md_shapes.py
[[ -x $TRACKER ]] || { echo "mdguard_bench: build first" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "mdguard_bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }
T=$(mktemp -d /tmp/mdguard-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME=$T XDG_CONFIG_HOME=$T/cfg
printf '%-26s %8s %8s %8s  %s\n' shape bytes "wall s" "max MB" verdict
for size in 69000 4000000; do
	for shape in $(python3 "$SHAPES" --list); do
		f=$T/$shape.md
		python3 "$SHAPES" "$shape" "$size" >"$f"
		/usr/bin/time -f '%e %M' -o "$T/time" "$TRACKER" check "$f" >"$T/out" 2>&1 || true
		read -r wall kb < <(tail -1 "$T/time")
		verdict=$(grep -m1 -o -e 'error: .*' "$T/out" | cut -c8-70 || true)
		printf '%-26s %8s %8s %8s  %s\n' "$shape" "$(stat -c %s "$f")" "$wall" "$((kb / 1024))" "${verdict:-parsed}"
	done
done
