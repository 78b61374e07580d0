#!/usr/bin/env bash
# realworld-check.sh — imports each post-mortem of ../shared/realworld/ (real, third-party documents;
# never copied into the project) one by one into a fresh database and prints what was found, so a
# person can compare it with what a careful reader sees. Skips (exit 77) when the directory is absent.
# Until documents without a template id import (issue 9 §1), a template id line is added to a copy.
#   usage: tests/tools/realworld-check.sh [TRACKER_BIN] [REALWORLD_DIR]
set -euo pipefail
BIN=${1:-build/tracker/tracker}
DIR=${2:-$(dirname "$0")/../../../shared/realworld}
[[ -d $DIR ]] || { echo "skip: $DIR is absent"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
for f in "$DIR"/[0-9]*.md; do
	n=$((n + 1))
	b=$(basename "$f")
	printf '**Incident ID:** INC-2026-01-01-%d\n\n' "$n" >"$TMP/$b"
	cat "$f" >>"$TMP/$b"
	"$BIN" --db "$TMP/db" import "$TMP/$b" 2>&1 | sed "s|$TMP/||"
done
"$BIN" --db "$TMP/db" list --all --format json | /usr/bin/python3 -c '
import json, sys
for i in json.load(sys.stdin):
    print(i["id"], i["status"], ",".join(i["owners"]) or "-", i["due"] or "-", "|", i["action"][:100])'
