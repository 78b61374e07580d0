#!/usr/bin/env bash
# t0100 — each import rule, one fixture each (tests/fixtures/import/NAME.md), in a fresh database.
#
# The fixture's name says what must happen:
#   ok-*      imports (exit 0), no warning or error on stderr
#   warn-*    imports (exit 0) with at least one "NAME.md:LINE: warning:" on stderr
#   reject-*  exit 1, "NAME.md:LINE: error:" on stderr, and the database (which already holds
#             ok-template.md) is byte-for-byte unchanged
# and when NAME.expected.json exists the whole outcome must equal it: exit status, stdout, stderr and,
# for imports, `list --all --now 2026-11-27T00:00:00Z --format json` and `incidents --format json`
# (clock pinned; clock- and machine-dependent fields dropped, see json_normalise in lib.sh).
#
#   REGEN=1 (or --regen) writes NAME.expected.json from what the binary does now; review the diff
#   before committing it.
# Finally the whole directory is imported at once: exit 1 (some files are rejected) and every good
# file is in.
. "$(dirname "$0")/lib.sh"
require_command import list incidents

FIX=$SRCDIR/tests/fixtures/import
REGEN=${REGEN:-0}
[[ ${1:-} == --regen ]] && REGEN=1
# Rejections about the file as a whole may have no line number.
WHOLE_FILE_REJECTS=" "

cd "$FIX"
shopt -s nullglob
fixtures=(*.md)
[[ ${#fixtures[@]} -gt 0 ]] || fail "no fixtures in $FIX"

# outcome NAME RC: the JSON record of what happened, from $TMP/out, $TMP/err and the database.
outcome() {
	local name=$1 rc=$2 items=null incidents=null
	if [[ $name != reject-* && $rc -eq 0 ]]; then
		t list --all --now 2026-11-27T00:00:00Z --format json >"$TMP/items.json"
		t incidents --format json >"$TMP/incidents.json"
		items=$TMP/items.json incidents=$TMP/incidents.json
	fi
	"$PY" - "$rc" "$TMP/out" "$TMP/err" "$items" "$incidents" "$FIX/" <<'PY'
import json, sys
rc, out, err, items, incidents, fixdir = sys.argv[1:]
DROP = {"created_at", "updated_at", "closed_at", "imported_at", "source"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
def lines(p):
    with open(p, encoding="utf-8", errors="replace") as f:
        return [l.replace(fixdir, "") for l in f.read().splitlines()]
def load(p):
    if p == "null":
        return None
    with open(p, encoding="utf-8") as f:
        return strip(json.load(f))
rec = {"exit": int(rc), "stdout": lines(out), "stderr": lines(err),
       "items": load(items), "incidents": load(incidents)}
json.dump(rec, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
sys.stdout.write("\n")
PY
}

check_fixture() {
	local f=$1 name=${1%.md}
	DB=$(new_db "fx_$name")
	case $name in
	reject-*)
		assert_rc 0 t import ok-template.md
		local before after
		before=$(db_hash "$DB")
		run t import "$f"
		after=$(db_hash "$DB")
		[[ $RC -eq 1 ]] || {
			_show_output
			fail "$f: expected exit 1 (rejected), got $RC"
		}
		if [[ $WHOLE_FILE_REJECTS == *" $name "* ]]; then
			assert_file_match "$TMP/err" "^(\./)?$f(:[0-9]+)?: error: " "stderr of $f"
		else
			assert_file_match "$TMP/err" "^(\./)?$f:[0-9]+: error: " "stderr of $f"
		fi
		assert_eq "$before" "$after" "sha256 of the database before/after rejecting $f"
		;;
	ok-* | warn-*)
		run t import "$f"
		[[ $RC -eq 0 ]] || {
			_show_output
			fail "$f: expected exit 0, got $RC"
		}
		# Any id the team writes (issue 9); a derived one is said so in the summary line.
		if [[ $name == warn-derived-id-* ]]; then
			assert_file_match "$TMP/out" "^$name \\(id derived from the file name\\): " "summary line for $f"
		else
			assert_file_match "$TMP/out" '^[A-Za-z0-9._#-]+: [0-9]+ new' "summary line for $f"
		fi
		assert_file_no_match "$TMP/err" ': error: ' "stderr of $f"
		if [[ $name == ok-* ]]; then
			assert_file_no_match "$TMP/err" 'warning: ' "stderr of $f"
		else
			assert_file_match "$TMP/err" "^(\./)?$f:[0-9]+: warning: " "stderr of $f"
		fi
		;;
	*)
		fail "$f: fixture names start with ok-, warn- or reject-"
		;;
	esac
	outcome "$name" "$RC" >"$TMP/$name.actual.json"
	local expected=$FIX/$name.expected.json
	if [[ $REGEN == 1 ]]; then
		cp "$TMP/$name.actual.json" "$expected"
		note "wrote ${expected#"$SRCDIR"/}"
	elif [[ -f $expected ]]; then
		assert_same_file "$expected" "$TMP/$name.actual.json" "outcome of $f"
	else
		echo "$name" >>"$TMP/no-expected"
	fi
}

passed=0 failed=0
for f in "${fixtures[@]}"; do
	soft check_fixture "$f"
	if [[ $RC -eq 0 ]]; then
		passed=$((passed + 1))
		echo "ok $f"
	else
		failed=$((failed + 1))
		echo "not ok $f"
	fi
done
if [[ -s $TMP/no-expected ]]; then
	note "$(wc -l <"$TMP/no-expected") fixtures have no .expected.json yet (run with REGEN=1 to write them):"
	note "$(tr '\n' ' ' <"$TMP/no-expected")"
fi

# All at once: the rejected files do not stop the others.
DB=$(new_db all)
run t import "$FIX"
if [[ $RC -ne 1 ]]; then
	_show_output
	echo "not ok whole directory: expected exit 1, got $RC"
	failed=$((failed + 1))
else
	good=$(find . -maxdepth 1 \( -name 'ok-*.md' -o -name 'warn-*.md' \) | wc -l)
	got=$(t incidents --format json | json_len)
	if [[ $got -eq $good ]]; then
		passed=$((passed + 1))
		echo "ok whole directory ($got incidents)"
	else
		failed=$((failed + 1))
		echo "not ok whole directory: $got incidents, expected $good"
	fi
fi

echo "$TEST_NAME: $passed passed, $failed failed"
if ((failed > 0)); then exit 1; fi
