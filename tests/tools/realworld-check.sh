#!/usr/bin/env bash
# realworld-check.sh — the importer on real, published post-mortems (issue 9, "Done when").
#
# Imports each document of the realworld directory (third-party text, never copied into this
# project) one by one into a fresh database and checks what a careful reader sees: the number of
# action items, how many are done / in progress, the owners written in the document, links, and the
# "no action items" warning for a document whose section only links elsewhere. Prints every item.
# Skips (exit 77) when the directory is absent. Until documents without a template id import (the
# identity half of issue 9), a template id line is put in front of a temporary copy.
#   usage: tests/tools/realworld-check.sh [TRACKER_BIN] [REALWORLD_DIR]
#   default REALWORLD_DIR: $REALWORLD, else ../shared/realworld next to the repository
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$here/build/tracker/tracker}
DIR=${2:-${REALWORLD:-$here/../shared/realworld}}
[[ -d $DIR ]] || { echo "skip: $DIR is absent (set REALWORLD or pass the directory)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
for f in "$DIR"/[0-9]*.md; do
	n=$((n + 1))
	b=$(basename "$f")
	printf '**Incident ID:** INC-2026-01-01-%d\n\n' "$n" >"$TMP/$b"
	cat "$f" >>"$TMP/$b"
	"$BIN" --db "$TMP/db" import "$TMP/$b" >>"$TMP/out" 2>>"$TMP/err"
	echo "$b INC-2026-01-01-$n" >>"$TMP/map"
done
"$BIN" --db "$TMP/db" list --all --format json >"$TMP/items.json"
/usr/bin/python3 - "$TMP" <<'PY'
import json, sys, collections
tmp = sys.argv[1]
items = json.load(open(tmp + "/items.json"))
err = open(tmp + "/err").read()
inc = dict(l.split() for l in open(tmp + "/map"))
by = collections.defaultdict(list)
for i in items:
    by[i["incident"]].append(i)
for i in items:
    print(i["id"], i["status"], ",".join(i["owners"]) or "-", i["due"] or "-", "|", i["action"][:90])
# file prefix: (items, done, in progress, owners of the items in order or None, links expected)
want = {
    "01": (9, 3, 0, ["jennifer", "martym", "docbrown", "jennifer", "agoogler", "agoogler", "clarac",
                    "jennifer", "docbrown"], 0),
    "03": (7, 5, 0, ["Core-1 team"] * 7, 0),
    "05": (9, 6, 1, None, 0),
    "09": (7, 1, 0, None, 2),
    "11": (6, 0, 0, [None] * 6, 1),
    "13": (5, 2, 0, None, 2),
    "14": (10, 1, 0, None, 6),
    "16": (7, 0, 0, None, 0),
    "18": (4, 0, 0, None, 0),
    "19": (0, 0, 0, None, 0),
}
bad = 0
for name, iid in sorted(inc.items()):
    w = want.get(name[:2])
    if not w:
        continue
    got = sorted(by.get(iid, []), key=lambda i: int(i["key"]))
    done = sum(i["status"] == "done" for i in got)
    prog = sum(i["status"] == "in_progress" for i in got)
    links = sum(len(i.get("links", [])) for i in got)
    problems = []
    if (len(got), done, prog) != w[:3]:
        problems.append("items/done/in progress %s, want %s" % ((len(got), done, prog), w[:3]))
    if w[3] is not None:
        owners = [i["owners"][0] if i["owners"] else None for i in got]
        if owners != w[3]:
            problems.append("owners %s, want %s" % (owners, w[3]))
    if links != w[4]:
        problems.append("%d links, want %d" % (links, w[4]))
    if not got and "no action items" not in err:
        problems.append("no 'no action items' warning")
    for p in problems:
        print("FAIL %s: %s" % (name, p))
    bad += len(problems)
if "luk" not in [o for i in items for o in i["owners"]] or "ale" not in [o for i in items for o in i["owners"]]:
    print("FAIL 05: 'luk,ale' is two owners"); bad += 1
print("realworld-check: %d problem(s)" % bad)
sys.exit(1 if bad else 0)
PY
