#!/usr/bin/env bash
# abuse_bench.sh — `tracker http` under bursts, a held write lock and slow clients (issue 10 §4; not a
# timed test). Default [server] settings, `tracker http` with its default worker count.
#
#   tests/bench/abuse_bench.sh [BUILDDIR]      (default: build; needs wrk, curl, sqlite3, python3)
#
# Scenarios, each printing the /healthz (or feed) latency seen by a separate well-behaved client
# (tests/tools/slow_clients.py probe: a new connection every 20 ms) during the run:
#   burst  RUNS (default 4) runs of `wrk -t2 -c200 -d${SECS}s` on one owner's feed (BIG=1: the feed of
#          all items); goal: /healthz
#          p99 < 50 ms in every run, no stall (max).
#   lock   another process holds the write lock for SECS s while `wrk -t2 -c50` POSTs item changes
#          through the API: the writes are refused 503 (Retry-After), /healthz keeps answering.
#   slow   300 slowloris connections from 127.0.0.2 for SECS s; the normal client fetches the feed.
# Environment: DOCS (generated post-mortems, default 300), SECS (default 10), RUNS, ONLY (a subset of
# "burst lock slow"), TRACKER (another binary to compare), KEEP=1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
TRACKER=${TRACKER:-$BUILD/tracker/tracker} # TRACKER=… compares another binary
GEN=$BUILD/tests/bench_gen
SLOW=$ROOT/tests/tools/slow_clients.py
DOCS=${DOCS:-300}
SECS=${SECS:-10}
RUNS=${RUNS:-4}
for c in wrk curl sqlite3 python3; do command -v "$c" >/dev/null || { echo "abuse_bench: $c is not installed" >&2; exit 2; }; done
[[ -x $TRACKER && -x $GEN ]] || { echo "abuse_bench: build first (cmake --build $BUILD)" >&2; exit 2; }

T=$(mktemp -d /tmp/abuse-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ ${KEEP:-0} == 1 ]]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
export HOME=$T XDG_CONFIG_HOME=$T/cfg TZ=UTC
DB=$T/tracker.db
"$GEN" "$T/docs" "$DOCS" 42 >/dev/null
"$TRACKER" --db "$DB" import "$T/docs" >/dev/null
# The feed of one owner (~75 items, as a calendar subscription), and the 10,000-item-class "all" feed
# for the bursts with BIG=1.
OWNER=$(sqlite3 "$DB" "SELECT owner FROM items WHERE owner IS NOT NULL GROUP BY owner ORDER BY count(*) DESC LIMIT 1")
if [[ ${BIG:-0} == 1 ]]; then FEED=$("$TRACKER" --db "$DB" feed create --scope all 2>/dev/null); else FEED=$("$TRACKER" --db "$DB" feed create --scope "owner:$OWNER" 2>/dev/null); fi
RW=$("$TRACKER" --db "$DB" token create --name bench 2>/dev/null)
"$TRACKER" --db "$DB" http --listen 127.0.0.1:0 2>"$T/http.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^listening on' "$T/http.log" && break; sleep 0.05; done
PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$T/http.log")
U=http://127.0.0.1:$PORT
echo "items: $(sqlite3 "$DB" 'SELECT count(*) FROM items'); feed: $(curl -sS -o /dev/null -w '%{size_download}' "$U$FEED") bytes; $(nproc) CPUs; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

probe() { python3 "$SLOW" probe 127.0.0.1 "$PORT" "$1" "$2" 0.02; }
rps() { sed -n 's/^Requests\/sec: *//p' "$1"; }
errs() { grep -h -e 'Non-2xx' -e 'Socket errors' "$1" | tr -s ' ' | tr '\n' ' ' || true; }

ONLY=${ONLY:-burst lock slow} # a subset of the scenarios
if [[ " $ONLY " == *" burst "* ]]; then
echo "== burst: wrk -t2 -c200 -d${SECS}s on the feed, /healthz probed meanwhile"
for i in $(seq "$RUNS"); do
	wrk -t2 -c200 -d"${SECS}s" "$U$FEED" >"$T/wrk.out" 2>&1 &
	w=$!
	sleep 0.5
	p=$(probe /healthz "$((SECS - 1))")
	wait "$w"
	echo "run $i: wrk $(rps "$T/wrk.out") req/s $(errs "$T/wrk.out")| /healthz $p"
done
fi

if [[ " $ONLY " == *" lock "* ]]; then
echo "== lock: another process holds the write lock for ${SECS}s; wrk -t2 -c50 POSTs item changes"
ID=$(curl -sS -H "Authorization: Bearer $RW" "$U/api/v1/items?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
EID=${ID/\#/%23}
cat >"$T/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"due":"2031-01-01"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $RW"
LUA
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")' "$DB" "$((SECS + 1))" &
PIDS+=($!)
sleep 0.5
wrk -t2 -c50 -d"${SECS}s" -s "$T/post.lua" "$U/api/v1/items/$EID" >"$T/wrk.out" 2>&1 &
w=$!
sleep 0.5
p=$(probe /healthz "$((SECS - 1))")
wait "$w"
echo "writes: $(rps "$T/wrk.out") answers/s $(errs "$T/wrk.out")| /healthz $p"
curl -sS -D - -o /dev/null -X POST -H "Authorization: Bearer $RW" -H 'Content-Type: application/json' \
	--data '{"due":"2031-01-01"}' "$U/api/v1/items/$EID" | grep -i -e '^HTTP' -e '^Retry-After' | tr -d '\r' | tr '\n' ' '
echo
fi

[[ " $ONLY " == *" slow "* ]] || exit 0
echo "== slow: 300 slowloris connections from 127.0.0.2 for ${SECS}s; a normal client fetches the feed"
python3 "$SLOW" slowloris 127.0.0.1 "$PORT" 300 "$SECS" >"$T/slow.out" &
s=$!
sleep 2
p=$(probe "$FEED" "$((SECS - 3))")
wait "$s"
echo "slowloris: $(cat "$T/slow.out") | feed $p"
