#!/usr/bin/env bash
# dispatch_bench.sh — issue 12: outbox dispatch throughput with 1, 2 and 3 `tracker serve` instances on
# one PostgreSQL database against one SMTP sink, in one run.
#
#   BUILDDIR=$PWD/build tests/bench/dispatch_bench.sh [DIGESTS] [DELAYS]   (default 600 "0 0.02")
#
# For each DELAY (seconds the sink waits before accepting each message: 0 = as fast as it can, 0.02
# = a remote server's round trip) and each instance count N in 1 2 3: a fresh database with DIGESTS
# overdue P0 items of DIGESTS owners (one e-mail digest each), N instances started together
# ([reminders] claim_batch = 8), until every row is sent. Throughput = messages / (last accepted −
# first accepted), from the sink's files, so the one planning pass is not counted. RUNS (default 2)
# runs each, the best kept. The sink is tests/servers/smtp_server.py (aiosmtpd, one Python process:
# at DELAY 0 it may be the bottleneck itself — the figure is then the sink's ceiling).
# PostgreSQL: $TRACKER_TEST_PG or a throwaway cluster (contrib/pg-cluster.sh). Not part of ctest.
set -euo pipefail

DIGESTS=${1:-600}
DELAYS=${2:-0 0.02}
RUNS=${RUNS:-2}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
OUT=${BENCH_OUT:-$SRCDIR/tests/bench/out}/dispatch
T=$BUILDDIR/tracker/tracker
PSQL=/usr/lib/postgresql/15/bin/psql
PY=/usr/bin/python3
[[ -x $T ]] || {
	echo "dispatch_bench: $T not built (cmake --build $BUILDDIR)" >&2
	exit 2
}
"$PY" -c 'import aiosmtpd' 2>/dev/null || {
	echo "dispatch_bench: python3-aiosmtpd not installed" >&2
	exit 2
}
rm -rf "$OUT"
mkdir -p "$OUT"
export XDG_CONFIG_HOME=$OUT/cfg HOME=$OUT/home TZ=UTC
mkdir -p "$HOME"

cluster='' sink='' pids=()
cleanup() {
	local p
	for p in "${pids[@]}" $sink; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [[ -n $cluster ]]; then "$SRCDIR/contrib/pg-cluster.sh" stop "$cluster"; fi
}
trap cleanup EXIT
PG=${TRACKER_TEST_PG:-}
if [[ -z $PG ]]; then
	cluster=$(mktemp -d /tmp/dispatch-bench-pg.XXXXXX)
	PG=$("$SRCDIR/contrib/pg-cluster.sh" start "$cluster")
fi
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$PG"; }
DBNAME=dispatch_bench_$$
DB="postgresql:///$DBNAME?host=$(kv host)&port=$(kv port)&user=$(kv user)"
psql_db() { "$PSQL" -XAtq -v ON_ERROR_STOP=1 "$PG dbname=$DBNAME" -c "$1"; }

# The post-mortem and the people, made once.
rows=""
for i in $(seq 1 "$DIGESTS"); do rows+="| $i | Action $i | @u$i | 2026-01-10 | P0 | Open |"$'\n'; done
cat >"$OUT/pm.md" <<EOF
# Postmortem — dispatch bench

**Incident ID**: INC-2026-01-01-001
**Date**: 2026-01-01
**Severity**: SEV-2

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
$rows
EOF
people=""
for i in $(seq 1 "$DIGESTS"); do
	people+="${people:+,}('u$i', 'u$i', 'u$i@example.org', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
done

fresh_db() {
	"$PSQL" -XAtq "$PG dbname=postgres" -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" \
		-c "CREATE DATABASE $DBNAME" >/dev/null 2>&1
	"$T" --db "$DB" import "$OUT/pm.md" >/dev/null
	psql_db "INSERT INTO people (handle, name, email, tz, created_at, updated_at) VALUES $people"
}

# one DELAY N: messages per second into $OUT/rate (run in this shell, so the EXIT trap sees its
# processes)
one() {
	local delay=$1 n=$2 port i
	fresh_db
	rm -rf "$OUT/mail"
	"$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$OUT/mail" --delay "$delay" >"$OUT/sink.port" 2>"$OUT/sink.log" &
	sink=$!
	for _ in $(seq 600); do [[ -s $OUT/sink.port ]] && break; sleep 0.1; done
	port=$(head -1 "$OUT/sink.port")
	[[ -n $port ]] || {
		echo "dispatch_bench: the SMTP sink did not start within 60 s: $(cat "$OUT/sink.log")" >&2
		exit 1
	}
	cat >"$OUT/config.ini" <<EOC
[smtp]
url = smtp://127.0.0.1:$port
from = tracker@example.org
starttls = off
timeout = 10
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
escalate_after = off
claim_batch = 8
EOC
	pids=()
	for i in $(seq 1 "$n"); do
		printf '[server]\ninstance = bench%s\n' "$i" | cat "$OUT/config.ini" - >"$OUT/config-$i.ini"
		"$T" --db "$DB" --config "$OUT/config-$i.ini" serve 2>"$OUT/serve-$i.log" &
		pids+=($!)
	done
	for _ in $(seq 6000); do
		[[ $(find "$OUT/mail" -name 'msg-*.eml' 2>/dev/null | wc -l) -ge $DIGESTS ]] && break
		sleep 0.1
	done
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
	kill "$sink" 2>/dev/null || true
	wait "$sink" 2>/dev/null || true
	sink=
	local notsent
	notsent=$(psql_db "SELECT count(*) FROM outbox WHERE state <> 'sent'")
	[[ $notsent == 0 ]] || {
		echo "dispatch_bench: $notsent rows not sent (delay $delay, $n instances)" >&2
		exit 1
	}
	"$PY" - "$OUT/mail" >"$OUT/rate" <<'EOP'
import glob, os, sys
t = sorted(os.stat(f).st_mtime for f in glob.glob(sys.argv[1] + "/msg-*.eml"))
print("%.1f" % ((len(t) - 1) / (t[-1] - t[0])))
EOP
}

echo "# dispatch_bench: $DIGESTS digests, claim_batch 8, best of $RUNS; $(nproc) CPUs; $(git -C "$SRCDIR" rev-parse --short HEAD)"
printf '%-10s %12s %12s %12s %10s %10s\n' "delay(s)" "1 inst msg/s" "2 inst msg/s" "3 inst msg/s" "2/1" "3/1"
for delay in $DELAYS; do
	declare -A best=()
	for n in 1 2 3; do
		best[$n]=0
		for _ in $(seq "$RUNS"); do
			one "$delay" "$n"
			r=$(cat "$OUT/rate")
			best[$n]=$("$PY" -c "print(max($r, ${best[$n]}))")
		done
	done
	printf '%-10s %12s %12s %12s %10s %10s\n' "$delay" "${best[1]}" "${best[2]}" "${best[3]}" \
		"$("$PY" -c "print('%.2f' % (${best[2]} / ${best[1]}))")" \
		"$("$PY" -c "print('%.2f' % (${best[3]} / ${best[1]}))")"
done
"$PSQL" -XAtq "$PG dbname=postgres" -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1 || true
