#!/usr/bin/env bash
# tests/e2e/lib.sh — common setup for the end-to-end scripts (tNNNN-*.sh); source it first.
#
# Gives each script: strict mode; a private temp dir $TMP (removed on exit unless KEEP_TMP=1) with its
# own HOME and XDG dirs so no real config or database is touched; $DB, the test's database; t(), the
# tracker binary run with --db "$DB"; and assertion helpers that say what failed and where.
#
# Engines: by default $DB is a SQLite file path inside $TMP. When $TRACKER_TEST_PG holds the libpq
# key=value string of a running PostgreSQL cluster (contrib/pg-cluster.sh prints one; CI's PostgreSQL
# pass sets it), each test gets a fresh database of its own on that cluster (e2e_<test>_<pid>_db,
# created here, dropped on exit, also on failure) and $DB is its postgresql:// URL, so `t` and every
# `--db "$DB"` run on PostgreSQL. For the database directly, use the helpers, never sqlite3/psql:
#   dbq [--db TARGET] SQL   runs SQL (portable: see docs/testing.md) on $DB or TARGET; rows as
#                           sqlite3 -batch prints them (columns joined by |, NULL empty)
#   new_db NAME             prints the target of another, empty database of the same engine
#   reset_db TARGET         empties it again (SQLite: removes the file; PostgreSQL: a new database)
#   db_hash TARGET          changes whenever anything was written to it
#   db_dump TARGET          its contents as text (to compare, or to grep for what must not be there)
#   db_tables TARGET        its tables, one a line
#   require_sqlite WHY      skips the test on PostgreSQL (only for what is about SQLite files)
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
		[[ $E2E_ENGINE == sqlite ]] || echo "# kept the PostgreSQL databases ${E2E_PG_PREFIX}*" >&2
	else
		rm -rf -- "$TMP"
		[[ $E2E_ENGINE == sqlite ]] || _pg_drop_ours
	fi
	return "$rc"
}
trap e2e_cleanup EXIT

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config XDG_DATA_HOME=$TMP/home/.local/share
export TZ=UTC TRACKER_USER=e2e
unset TRACKER_DB
mkdir -p "$HOME"

# ---- the test's database, on SQLite or PostgreSQL ----
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [[ -n ${TRACKER_TEST_PG:-} ]]; then
	E2E_ENGINE=postgresql
	_e2e_n=${TEST_NAME,,}
	_e2e_n=${_e2e_n//[^a-z0-9]/_}
	# Unique per run: the test's name and the shell's pid (identifiers are at most 63 bytes).
	E2E_PG_PREFIX="e2e_${_e2e_n:0:24}_$$_"
	unset _e2e_n
else
	E2E_ENGINE=sqlite
fi
export E2E_ENGINE

# psql on the cluster's maintenance database.
_pg_admin() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 -d "$TRACKER_TEST_PG dbname=postgres" -c "$1"; }

# Drops every database this test made (any left from a server still connected too).
_pg_drop_ours() {
	local d
	for d in $(_pg_admin "SELECT datname FROM pg_database WHERE starts_with(datname, '$E2E_PG_PREFIX')" 2>/dev/null); do
		_pg_admin "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1 ||
			echo "# could not drop the PostgreSQL database $d" >&2
	done
}

_urlenc() {
	local LC_ALL=C s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c" && out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

# The postgresql:// URL of database NAME on the cluster of $TRACKER_TEST_PG: the connection's
# key=value pairs (host is a socket directory, a path) become URL-encoded query parameters.
_pg_url() {
	local kv q='' w
	read -ra kv <<<"$TRACKER_TEST_PG"
	for w in "${kv[@]}"; do
		[[ $w == *=* && ${w%%=*} != dbname ]] || continue
		q+="${q:+&}${w%%=*}=$(_urlenc "${w#*=}")"
	done
	printf 'postgresql:///%s?%s\n' "$1" "$q"
}

# The database name in a postgresql:// URL made by _pg_url.
_pg_dbname() {
	local n=${1#postgresql:///}
	printf '%s\n' "${n%%\?*}"
}

# new_db NAME: the target (path or URL) of another, empty database of this test's engine.
new_db() {
	local name=${1,,}
	if [[ $E2E_ENGINE == sqlite ]]; then
		printf '%s\n' "$TMP/$1.db"
		return
	fi
	name=${name//[^a-z0-9_]/_}
	# At most 26 bytes, still unique: a long name keeps its start and a digest of the whole.
	if ((${#name} > 26)); then name="${name:0:17}_$(printf '%s' "$1" | sha256sum | cut -c1-8)"; fi
	name=$E2E_PG_PREFIX$name
	_pg_admin "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null &&
		_pg_admin "CREATE DATABASE \"$name\"" >/dev/null || {
		echo "FAIL: $TEST_NAME: cannot create the PostgreSQL database $name on $TRACKER_TEST_PG" >&2
		exit 1
	}
	_pg_url "$name"
}

# reset_db TARGET: back to an empty database (nothing in it, not even the schema).
reset_db() {
	if [[ $1 == postgresql://* ]]; then
		local name
		name=$(_pg_dbname "$1")
		_pg_admin "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
		_pg_admin "CREATE DATABASE \"$name\"" >/dev/null
	else
		rm -f -- "$1" "$1-wal" "$1-shm" "$1-journal"
	fi
}

# dbq [--db TARGET] SQL: runs SQL on the test's database (or TARGET) and prints the rows, columns
# joined by '|', NULL as an empty string, on either engine. Write portable SQL (docs/testing.md):
# a boolean in a SELECT list prints t/f on PostgreSQL, so write CASE WHEN … THEN 1 ELSE 0 END.
dbq() {
	local target=$DB
	if [[ ${1:-} == --db ]]; then
		target=$2
		shift 2
	fi
	if [[ $target == postgresql://* ]]; then
		printf '%s\n' "$1" | PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -XAtq -F'|' -v ON_ERROR_STOP=1 -d "$target" -f -
	else
		# (sqlite3 would make an empty file where there is none)
		[[ -f $target ]] || {
			echo "dbq: no database at $target" >&2
			return 1
		}
		sqlite3 -batch -cmd '.timeout 10000' "$target" "$1"
	fi
}

# The tables of a database, one a line, in byte order.
db_tables() {
	if [[ $1 == postgresql://* ]]; then
		dbq --db "$1" "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' ORDER BY table_name::text COLLATE \"C\""
	else
		dbq --db "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
	fi
}

# db_hash TARGET: one SHA-256 that changes whenever something was written to the database. SQLite:
# the file and its WAL. PostgreSQL: every row of every table with its xmin (the transaction that wrote
# it), so an UPDATE that writes the same values shows as well; sequences are left out, as a rolled-back
# INSERT advances them without writing anything.
db_hash() { # DB
	local db=$1 f tb
	if [[ $db == postgresql://* ]]; then
		for tb in $(db_tables "$db"); do
			dbq --db "$db" "SELECT '$tb', md5(coalesce(string_agg(r::text || ' ' || r.xmin::text, '
' ORDER BY r::text COLLATE \"C\", r.xmin::text), '')) FROM \"$tb\" r"
		done | sha256sum | cut -d' ' -f1
		return
	fi
	for f in "$db" "$db-wal"; do
		if [[ -f $f ]]; then sha256sum <"$f"; fi
	done | sha256sum | cut -d' ' -f1
}

# db_dump TARGET: the database's contents as text, the same for the same contents (SQLite: .dump;
# PostgreSQL: each table's rows as row literals, sorted).
db_dump() {
	local db=$1 tb
	if [[ $db == postgresql://* ]]; then
		for tb in $(db_tables "$db"); do
			dbq --db "$db" "SELECT '$tb ' || r::text FROM \"$tb\" r ORDER BY r::text COLLATE \"C\""
		done
		return
	fi
	[[ ! -f $db ]] || dbq --db "$db" .dump
}

# db_hold_write_lock TARGET SECONDS READYFILE: takes the database's write lock the way tracker's
# writers do (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock db_begin() takes, key
# 8391162236016554497 in tracker/store/db_pg.c), creates READYFILE once it holds it, waits SECONDS and
# rolls back. Run it in the background.
db_hold_write_lock() {
	if [[ $1 == postgresql://* ]]; then
		printf '%s\n' 'BEGIN;' 'SELECT pg_advisory_xact_lock(8391162236016554497);' "\\! touch '$3'" \
			"SELECT pg_sleep($2);" 'ROLLBACK;' |
			"$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 -d "$1" -f - >/dev/null
	else
		"$PY" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
c.execute("ROLLBACK")' "$1" "$3" "$2"
	fi
}

# require_sqlite WHY: the test is about SQLite files (mode, WAL, disk full, paths); skip on PostgreSQL.
require_sqlite() {
	[[ $E2E_ENGINE == sqlite ]] || skip "SQLite only: $*"
}

if [[ $E2E_ENGINE == sqlite ]]; then
	DB=$TMP/tracker.db
else
	DB=$(new_db db) || exit 1
fi

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
