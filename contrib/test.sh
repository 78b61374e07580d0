#!/usr/bin/env bash
# Quick start, command 2 of 2 (README.md), and what CI runs (.ci/run): installs what building and
# testing need (only what is missing), then
#   1. clang-format --dry-run -Werror on every tracked *.c / *.h, shellcheck (warnings) on every *.sh,
#      contrib/check-layout.sh (engine headers and SQL only in tracker/store/)
#   2. a normal build with -Werror and the whole ctest suite; then the whole suite again on PostgreSQL:
#      a throwaway cluster (contrib/pg-cluster.sh: initdb in a temporary directory, a Unix socket, no
#      TCP) whose connection string goes to the tests in $TRACKER_TEST_PG; stopped and removed at the
#      end, also when a test fails or the run is interrupted
#   3. an AddressSanitizer + UBSan build (-DTRACKER_SANITIZE=ON) and the whole suite again under it,
#      then its unit tests on PostgreSQL (the engine code under the sanitizers; see docs/testing.md)
#   4. the libFuzzer targets (clang, -DTRACKER_FUZZ=ON), each run for a bounded time on its seed corpus
# and ends with "N passed, N failed" (tests passed; failed tests plus failed stages — format, build,
# fuzzing). Exit status 0 only if everything passed.
#
#   contrib/test.sh                    (as root, or with sudo; from anywhere in the clone)
# Environment: FUZZ_SECONDS (total fuzzing time, default 120), JOBS (default nproc),
#   SKIP_INSTALL=1 (do not touch packages), SKIP_SANITIZE=1, SKIP_FUZZ=1, SKIP_PG=1 (for quick local
#   runs). A PostgreSQL already running on the machine is never used ($TRACKER_TEST_PG is cleared).
# ctest runs with -j CTEST_JOBS (default 1).
# Builds go to build-ci/{normal,sanitize,fuzz}; logs to build-ci/*.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build-ci
mkdir -p "$OUT"
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-120}
export DEBIAN_FRONTEND=noninteractive TZ=UTC LC_ALL=C.UTF-8
unset TRACKER_TEST_PG
CTEST_JOBS=${CTEST_JOBS:-1}

BUILD_DEPS=(cmake make pkg-config gcc libc6-dev libsqlite3-dev sqlite3 libcmark-gfm-dev libcmark-gfm-extensions-dev libical-dev
	libcurl4-openssl-dev libjansson-dev libinih-dev libssl-dev libutf8proc-dev libcmocka-dev
	libmicrohttpd-dev zlib1g-dev libyaml-dev libpq-dev)
TEST_DEPS=(clang clang-format libclang-rt-14-dev python3 python3-aiosmtpd python3-icalendar chromium
	wrk nginx fcgiwrap hyperfine time jq shellcheck git ca-certificates openssl curl strace postgresql-15)

passed=0 failed=0 skipped=0
declare -a report=()
step() { echo; echo "==> $*"; }
record() { # STAGE ok|FAILED
	report+=("$(printf '%-34s %s' "$1" "$2")")
	if [[ $2 != ok ]]; then failed=$((failed + 1)); fi
}

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "test.sh: installing packages needs root (or sudo): $*" >&2
		return 1
	fi
}

install_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -c 'install ok installed' >/dev/null || missing+=("$p")
	done
	if ! command -v node >/dev/null; then missing+=(nodejs npm); fi
	[[ ${#missing[@]} -gt 0 ]] || return 0
	echo "installing: ${missing[*]}"
	as_root apt-get update -q
	as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ctest_stage NAME BUILDDIR [LABEL [CTEST-ARGS...]]: runs the suite, adds its counts to the totals. With
# $STAGE_PG set (a cluster's connection string) the tests get it as $TRACKER_TEST_PG.
STAGE_PG=
ctest_stage() {
	local name=$1 dir=$2 label=${3:-ctest} log rc=0
	shift 2
	[[ $# -eq 0 ]] || shift
	log=$OUT/$name.${label//[^A-Za-z0-9]/_}.log
	(
		cd "$dir"
		if [[ -n $STAGE_PG ]]; then export TRACKER_TEST_PG=$STAGE_PG; fi
		ctest --output-on-failure --timeout 900 -j "$CTEST_JOBS" "$@"
	) 2>&1 | tee "$log" || rc=$?
	local total fail skip
	total=$(sed -nE 's/.*tests passed, [0-9]+ tests? failed out of ([0-9]+).*/\1/p' "$log" | tail -1)
	fail=$(sed -nE 's/.*tests passed, ([0-9]+) tests? failed out of [0-9]+.*/\1/p' "$log" | tail -1)
	skip=$(grep -c '(Skipped)$' "$log" || true)
	if [[ -z $total ]]; then
		record "$name: $label" FAILED
		return
	fi
	passed=$((passed + total - fail - skip))
	failed=$((failed + fail))
	skipped=$((skipped + skip))
	report+=("$(printf '%-34s %s passed, %s failed, %s skipped' "$name: $label" $((total - fail - skip)) "$fail" "$skip")")
	if [[ $rc -ne 0 && $fail -eq 0 ]]; then record "$name: $label (exit $rc)" FAILED; fi
}

# build NAME [cmake options...]: configures and builds build-ci/NAME; records a failure.
build() {
	local name=$1
	shift
	step "build: $name ($*)"
	if ! cmake -S "$ROOT" -B "$OUT/$name" "$@" >"$OUT/$name.configure.log" 2>&1; then
		tail -n 40 "$OUT/$name.configure.log"
		record "$name: configure" FAILED
		return 1
	fi
	if ! cmake --build "$OUT/$name" -j "$JOBS" >"$OUT/$name.build.log" 2>&1; then
		grep -E -A5 'error|warning' "$OUT/$name.build.log" | head -80 || tail -n 40 "$OUT/$name.build.log"
		record "$name: build" FAILED
		return 1
	fi
	record "$name: build" ok
}

# The throwaway PostgreSQL cluster of the PostgreSQL passes: started once, stopped and removed on any
# exit (a failed test, a failed stage, Ctrl-C, SIGTERM).
PG_DIR=
pg_stop() {
	if [[ -n $PG_DIR ]]; then
		contrib/pg-cluster.sh stop "$PG_DIR" || echo "test.sh: could not stop the cluster in $PG_DIR" >&2
		PG_DIR=
	fi
}
trap pg_stop EXIT
trap 'pg_stop; exit 130' INT
trap 'pg_stop; exit 143' TERM
# pg_start: starts it (once); sets PG_CONN. Records a failure and returns 1 if it cannot.
PG_CONN=
pg_start() {
	[[ -z $PG_CONN ]] || return 0
	step "PostgreSQL: a throwaway cluster"
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tracker-ci-pg.XXXXXX")
	if PG_CONN=$(contrib/pg-cluster.sh start "$PG_DIR"); then
		echo "cluster: $PG_CONN"
		record "PostgreSQL cluster" ok
	else
		PG_CONN=
		record "PostgreSQL cluster" FAILED
		return 1
	fi
}

# --- dependencies -------------------------------------------------------------------------------
if [[ ${SKIP_INSTALL:-0} != 1 ]]; then
	step "dependencies"
	install_missing "${BUILD_DEPS[@]}" "${TEST_DEPS[@]}"
fi
if [[ -f tests/package.json ]]; then
	step "npm packages for tests/ (ical.js, puppeteer-core)"
	if [[ -f tests/package-lock.json ]]; then
		(cd tests && npm ci --no-audit --no-fund)
	else
		(cd tests && npm install --no-audit --no-fund)
	fi
fi

export TRACKER_REQUIRE_ICALJS=1  # the e2e feed checks must not skip ical.js in CI
export TRACKER_REQUIRE_BROWSER=1 # nor the browser tests chromium and puppeteer-core

# --- style --------------------------------------------------------------------------------------
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t cfiles < <(git ls-files '*.c' '*.h')
	mapfile -t shfiles < <(git ls-files '*.sh' .ci/run)
else
	mapfile -t cfiles < <(find tracker notify scheduler tests -name '*.[ch]' | sort)
	mapfile -t shfiles < <(find contrib tests -name '*.sh' | sort)
fi
step "clang-format (${#cfiles[@]} files)"
if clang-format --dry-run -Werror "${cfiles[@]}"; then record "clang-format" ok; else record "clang-format" FAILED; fi
step "shellcheck (${#shfiles[@]} files)"
# Warnings and errors fail the run; style and info notes are printed but do not.
if shellcheck -x -S warning "${shfiles[@]}"; then record "shellcheck" ok; else record "shellcheck" FAILED; fi
step "layout: engine headers and SQL only in tracker/store/ (contrib/check-layout.sh)"
if contrib/check-layout.sh; then record "layout (store)" ok; else record "layout (store)" FAILED; fi

# --- normal build and tests ---------------------------------------------------------------------
if build normal -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACKER_WERROR=ON; then
	step "tests: normal build"
	ctest_stage normal "$OUT/normal"
	if [[ ${SKIP_PG:-0} != 1 ]] && pg_start; then
		step "tests: normal build on PostgreSQL"
		STAGE_PG=$PG_CONN ctest_stage normal "$OUT/normal" "ctest (PostgreSQL)"
	fi
fi

# --- AddressSanitizer + UBSan -------------------------------------------------------------------
if [[ ${SKIP_SANITIZE:-0} != 1 ]]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	if build sanitize -DCMAKE_BUILD_TYPE=Debug -DTRACKER_WERROR=ON -DTRACKER_SANITIZE=ON; then
		step "tests: sanitizer build"
		ctest_stage sanitize "$OUT/sanitize"
		# On PostgreSQL only the unit tests: the engine and store code under the sanitizers, in a
		# fraction of the time of the whole suite (docs/testing.md).
		if [[ ${SKIP_PG:-0} != 1 ]] && pg_start; then
			step "tests: sanitizer build, unit tests on PostgreSQL"
			STAGE_PG=$PG_CONN ctest_stage sanitize "$OUT/sanitize" "unit (PostgreSQL)" -R '^unit/'
		fi
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi

pg_stop

# --- fuzzing ------------------------------------------------------------------------------------
shopt -s nullglob
fuzzers=(tests/fuzz/fuzz_*.c)
if [[ ${SKIP_FUZZ:-0} != 1 && ${#fuzzers[@]} -gt 0 ]]; then
	targets=()
	for f in "${fuzzers[@]}"; do targets+=("$(basename "$f" .c)"); done
	step "build: fuzz (clang, ${targets[*]})"
	if CC=clang cmake -S "$ROOT" -B "$OUT/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACKER_FUZZ=ON \
		-DTRACKER_SANITIZE=ON >"$OUT/fuzz.configure.log" 2>&1 &&
		cmake --build "$OUT/fuzz" -j "$JOBS" --target "${targets[@]}" >"$OUT/fuzz.build.log" 2>&1; then
		record "fuzz: build" ok
		per=$((FUZZ_SECONDS / ${#targets[@]}))
		[[ $per -ge 5 ]] || per=5
		mkdir -p "$OUT/fuzz-artifacts"
		for t in "${targets[@]}"; do
			corpus=tests/fuzz/corpus/${t#fuzz_}
			dict=tests/fuzz/${t#fuzz_}.dict
			scratch=$OUT/fuzz-corpus/$t
			mkdir -p "$scratch"
			args=(-max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
				-artifact_prefix="$OUT/fuzz-artifacts/$t-")
			[[ -f $dict ]] && args+=(-dict="$dict")
			step "fuzz: $t for ${per}s"
			# New inputs go to the scratch dir (first); the committed seed corpus is only read.
			if "$OUT/fuzz/tests/$t" "${args[@]}" "$scratch" "$corpus" >"$OUT/$t.log" 2>&1; then
				tail -n 3 "$OUT/$t.log"
				passed=$((passed + 1))
				record "fuzz: $t" ok
			else
				tail -n 60 "$OUT/$t.log"
				record "fuzz: $t" FAILED
			fi
		done
	else
		tail -n 40 "$OUT/fuzz.configure.log" "$OUT/fuzz.build.log" || true
		record "fuzz: build" FAILED
	fi
fi

# --- summary ------------------------------------------------------------------------------------
echo
echo "==> summary"
printf '  %s\n' "${report[@]}"
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
