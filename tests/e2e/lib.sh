#!/usr/bin/env bash
# tests/e2e/lib.sh — common setup for the end-to-end scripts (tNNNN-*.sh); source it first.
#
# Gives each script: strict mode; a private temp dir $TMP (removed on exit unless KEEP_TMP=1) with its
# own HOME and XDG dirs so no real config or database is touched; $DB, a database path inside it;
# t(), the tracker binary run with --db "$DB"; and assertion helpers that say what failed and where.
#
# ctest sets TRACKER_BIN, SRCDIR and BUILDDIR. To run one script by hand:
#   TRACKER_BIN=build/tracker/tracker SRCDIR=$PWD BUILDDIR=$PWD/build bash tests/e2e/t0010-examples.sh
# Exit status: 0 passed, 1 failed, 77 skipped (ctest reports it as skipped).

set -euo pipefail
set -o errtrace
# A command that fails outside an assertion still says where.
e2e_on_err() { echo "FAIL: ${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}: command failed (exit $1): $2" >&2; }
trap 'e2e_on_err $? "$BASH_COMMAND"' ERR

: "${TRACKER_BIN:?TRACKER_BIN must name the tracker binary (ctest sets it)}"
SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
TEST_NAME=$(basename "$0" .sh)
export SRCDIR BUILDDIR TEST_NAME

# Debian's python (with python3-* packages); the python3 on PATH may be another one.
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY=python3; fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tracker-$TEST_NAME.XXXXXX")
e2e_cleanup() {
	local rc=$?
	trap - ERR
	if [[ ${KEEP_TMP:-0} == 1 ]]; then
		echo "# kept $TMP" >&2
	else
		rm -rf -- "$TMP"
	fi
	return "$rc"
}
trap e2e_cleanup EXIT

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config XDG_DATA_HOME=$TMP/home/.local/share
export TZ=UTC TRACKER_USER=e2e
unset TRACKER_DB
mkdir -p "$HOME"
DB=$TMP/tracker.db

# The tracker with the test database.
t() { "$TRACKER_BIN" --db "$DB" "$@"; }

# Where the caller of an assertion is: script:line.
_where() { echo "${BASH_SOURCE[2]##*/}:${BASH_LINENO[1]}"; }

fail() {
	echo "FAIL: $(_where): $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

note() { echo "# $*"; }

# Skips the test when the binary does not have a command yet (a feature still being merged).
require_command() {
	local c
	for c in "$@"; do
		"$TRACKER_BIN" help "$c" >/dev/null 2>&1 || skip "tracker has no '$c' command yet"
	done
}

# run CMD...: runs a command, recording stdout in $TMP/out, stderr in $TMP/err and the status in $RC.
run() {
	if "$@" >"$TMP/out" 2>"$TMP/err"; then RC=0; else RC=$?; fi
}

# soft CMD...: runs CMD in a subshell with its own `set -e`; an assertion failing inside ends only
# that subshell. Sets RC. For scripts that report each case and go on.
soft() {
	trap - ERR
	set +e
	(
		set -e
		trap 'e2e_on_err $? "$BASH_COMMAND"' ERR
		"$@"
	)
	RC=$?
	set -e
	trap 'e2e_on_err $? "$BASH_COMMAND"' ERR
}

_show_output() {
	echo "--- stdout ---" >&2
	head -c 4000 "$TMP/out" >&2 || true
	echo "--- stderr ---" >&2
	head -c 4000 "$TMP/err" >&2 || true
}

# assert_rc EXPECTED CMD...: runs CMD (see run) and checks its exit status.
assert_rc() {
	local want=$1
	shift
	run "$@"
	if [[ $RC -ne $want ]]; then
		echo "FAIL: $(_where): expected exit $want, got $RC from: $*" >&2
		_show_output
		exit 1
	fi
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
	if [[ "$1" != "$2" ]]; then
		echo "FAIL: $(_where): ${3:-value}: expected '$1', got '$2'" >&2
		exit 1
	fi
}

assert_match() { # REGEX STRING [WHAT]
	if ! [[ "$2" =~ $1 ]]; then
		echo "FAIL: $(_where): ${3:-value} does not match /$1/:" >&2
		echo "$2" | head -c 4000 >&2
		exit 1
	fi
}

assert_file_match() { # FILE EXTENDED-REGEX [WHAT]
	if ! grep -Eq -- "$2" "$1"; then
		echo "FAIL: $(_where): ${3:-$1} has no line matching /$2/:" >&2
		head -c 4000 "$1" >&2
		exit 1
	fi
}

assert_file_no_match() { # FILE EXTENDED-REGEX [WHAT]
	if grep -Eq -- "$2" "$1"; then
		echo "FAIL: $(_where): ${3:-$1} has a line matching /$2/:" >&2
		grep -E -- "$2" "$1" | head -20 >&2
		exit 1
	fi
}

assert_same_file() { # EXPECTED ACTUAL [WHAT]
	if ! cmp -s -- "$1" "$2"; then
		echo "FAIL: $(_where): ${3:-$2} differs from $1:" >&2
		diff -u -- "$1" "$2" | head -80 >&2 || true
		exit 1
	fi
}

sha256() { sha256sum -- "$1" | cut -d' ' -f1; }

# db_hash DB: one SHA-256 over the database file and its WAL (when there is one).
db_hash() { # DB
	local db=$1 f
	for f in "$db" "$db-wal"; do
		if [[ -f $f ]]; then sha256sum <"$f"; fi
	done | sha256sum | cut -d' ' -f1
}

# json_normalise < JSON: drops fields that depend on the clock or the machine (created_at,
# updated_at, closed_at, imported_at, source) and pretty-prints with sorted keys, so that the output
# of `list --format json` or `incidents --format json` can be diffed.
json_normalise() {
	"$PY" -c '
import json, sys
DROP = {"created_at", "updated_at", "closed_at", "imported_at", "source"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
json.dump(strip(json.load(sys.stdin)), sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
sys.stdout.write("\n")
'
}

# json_len < JSON: number of elements of a JSON array.
json_len() { "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

# json_py EXPR < JSON: evaluates a Python expression over `d` (the parsed JSON) and prints it.
json_py() { "$PY" -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
