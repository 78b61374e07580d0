#!/usr/bin/env bash
# t0690 — `tracker http` holds under abuse (issue 10 §4), with the default [server] settings:
#  1. bursts: five back-to-back `wrk -c200` bursts on a feed; after each, /healthz answers within 2 s
#     (libmicrohttpd 0.9.75 with MHD_USE_TURBO stopped serving for 25-30 s after such a burst);
#  2. write lock held by another process: /healthz and an authenticated GET answer at once, API writes
#     are answered 503 with Retry-After within 1 s (not after the 5 s [store] busy timeout), and a
#     crowd of such writes does not tie up the workers;
#  3. slow clients: 300 slowloris connections from 127.0.0.2 while a normal client on 127.0.0.1 is
#     served every time; the per-IP limit closes what is over it; an idle connection is dropped after
#     [server] connection_timeout.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
for c in wrk curl; do command -v "$c" >/dev/null || skip "$c is not installed (contrib/test.sh installs it)"; done
SLOW=$SRCDIR/tests/tools/slow_clients.py

t import "$SRCDIR/contrib/examples" >/dev/null
FEED=$(t feed create --scope all 2>/dev/null | sed -n 's|^/feeds/|/feeds/|p')
RW=$(t token create --name bot 2>/dev/null)
start_http

# Milliseconds a curl took; its status code in $CODE.
timed() {
	local out
	out=$(curl -sS -o /dev/null --max-time 10 -w '%{http_code} %{time_total}' "$@") || true
	CODE=${out%% *}
	MS=$(awk -v t="${out##* }" 'BEGIN { printf "%d", t * 1000 }')
}

# --- 1. bursts ---
for i in 1 2 3 4 5; do
	wrk -t2 -c200 -d2s "$U$FEED" >"$TMP/wrk$i.out" 2>&1 || fail "wrk failed: $(cat "$TMP/wrk$i.out")"
	timed --max-time 2 "$U/healthz"
	[[ $CODE == 200 ]] || fail "burst $i: /healthz did not answer within 2 s after a wrk -c200 burst (code $CODE) — $(grep Requests/sec "$TMP/wrk$i.out")"
	note "burst $i: $(grep Requests/sec "$TMP/wrk$i.out"), then /healthz in ${MS} ms"
done

# --- 2. another process holds the write lock ---
ID=$(curl -sS -H "Authorization: Bearer $RW" "$U/api/v1/items" | json_py 'd[0]["id"]')
EID=${ID/\#/%23}
db_hold_write_lock "$DB" 6 "$TMP/locked" &
LOCKER=$!
for _ in $(seq 100); do [[ -f $TMP/locked ]] && break; sleep 0.05; done
[[ -f $TMP/locked ]] || fail "the lock holder did not start"
curl -sS -D "$TMP/w.h" -o "$TMP/w.b" -w '%{http_code} %{time_total}\n' -X POST -H "Authorization: Bearer $RW" \
	-H 'Content-Type: application/json' --data '{"due":"2031-01-01"}' "$U/api/v1/items/$EID" >"$TMP/w.out"
read -r CODE secs <"$TMP/w.out"
assert_eq 503 "$CODE" "API write while another process holds the write lock"
[[ $(awk -v t="$secs" 'BEGIN { print (t < 1) }') == 1 ]] || fail "the API write took ${secs}s to be refused (want < 1 s)"
assert_eq 1 "$(header w Retry-After)" "Retry-After on 503"
# A crowd of writes on every worker, and /healthz and a read beside them.
CROWD=()
for _ in $(seq 16); do
	curl -sS -o /dev/null -X POST -H "Authorization: Bearer $RW" -H 'Content-Type: application/json' \
		--data '{"due":"2031-01-01"}' "$U/api/v1/items/$EID" &
	CROWD+=($!)
done
timed "$U/healthz"
assert_eq 200 "$CODE" "/healthz while the write lock is held"
((MS < 1000)) || fail "/healthz took ${MS} ms while API writes waited for the lock (want < 1 s)"
note "/healthz beside 16 waiting writes: ${MS} ms"
timed -H "Authorization: Bearer $RW" "$U/api/v1/items"
assert_eq 200 "$CODE" "authenticated read while the write lock is held"
((MS < 1000)) || fail "an authenticated GET took ${MS} ms while the write lock was held (want < 1 s)"
wait "$LOCKER" "${CROWD[@]}"
fetch after -X POST -H "Authorization: Bearer $RW" -H 'Content-Type: application/json' --data '{"due":"2031-01-01"}' "$U/api/v1/items/$EID"
assert_eq 200 "$CODE" "the write once the lock is released"
stop_http

# --- 3. slow clients ---
CONFIG=$TMP/config.ini
printf '[server]\nconnection_timeout = 3\n' >"$CONFIG"
start_http
"$PY" "$SLOW" slowloris 127.0.0.1 "$PORT" 300 8 >"$TMP/slow.out" &
SLOWPID=$!
sleep 1.5
"$PY" "$SLOW" probe 127.0.0.1 "$PORT" "$FEED" 5 0.1 >"$TMP/probe.out"
wait "$SLOWPID"
note "slowloris: $(cat "$TMP/slow.out"); normal client meanwhile: $(cat "$TMP/probe.out")"
assert_file_match "$TMP/probe.out" ' fail=0 ' "the normal client was served every time beside 300 slow connections"
max=$(sed -n 's/.* max_ms=\([0-9]*\).*/\1/p' "$TMP/probe.out")
((max < 2000)) || fail "a normal request took ${max} ms beside the slow client (want < 2 s)"
held=$(sed -n 's/.* held \([0-9]*\)/\1/p' "$TMP/slow.out")
((held <= 256)) || fail "the slow client held $held connections, over the per-IP limit of 256"
# An idle connection is closed after connection_timeout (3 s); one that sent nothing after 6 s is a bug.
"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(8)
t = time.monotonic()
try:
    d = s.recv(1)
except OSError:
    d = b""
el = time.monotonic() - t
print(f"closed after {el:.1f} s" if d == b"" else "got data")
sys.exit(0 if d == b"" and el < 6 else 1)' "$PORT" >"$TMP/idle.out" || fail "an idle connection was not closed after connection_timeout: $(cat "$TMP/idle.out")"
note "idle connection: $(cat "$TMP/idle.out")"
stop_http
echo "1 passed, 0 failed"
