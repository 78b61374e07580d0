#!/usr/bin/env bash
# t0840 — listen addresses fail loudly: a port outside 0-65535 is refused (getaddrinfo would quietly
# take 70000 as 4464); an address another process already listens on — a second tracker or anything
# else — fails with "address in use" instead of sharing the port (no SO_REUSEPORT); listening on every
# interface with [server] dashboard = open warns. The last part runs in a private network namespace
# (unshare -rn: only a loopback, so 0.0.0.0 exposes nothing) and is skipped where that is not allowed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httplib.sh"
command -v curl >/dev/null || skip "no curl"
py_pid=
# The python listener below is stopped too, also when an assertion fails.
t0840_cleanup() {
	local rc=$?
	set +e
	[[ -n $py_pid ]] && kill "$py_pid" 2>/dev/null && wait "$py_pid" 2>/dev/null
	(exit "$rc")
	http_cleanup
}
trap t0840_cleanup EXIT
n=0
ok() { n=$((n + 1)); }
# A database (import makes one, as db init does; t0800 covers which commands may).
printf '# Post-Mortem: Seed\n\n**Incident ID:** INC-2026-01-01-001\n' >"$TMP/seed.md"
t import "$TMP/seed.md" >/dev/null

# Ports out of range: refused before anything starts, for http and serve alike.
for l in 127.0.0.1:70000 127.0.0.1:65536 '[::1]:99999' 127.0.0.1:-1 127.0.0.1:http; do
	run timeout 10 "$TRACKER_BIN" --db "$DB" http --listen "$l"
	[[ $RC == 3 ]] || fail "http --listen $l: exit $RC, want 3: $(cat "$TMP/err")"
	assert_file_match "$TMP/err" "listen \"\\[?[0-9a-z.:]+\\]?:[-0-9a-z]+\": (port [0-9]+ is not in 1-65535|write HOST:PORT)" "$l"
	ok
done
printf '[server]\nlisten = 127.0.0.1:65536\n' >"$TMP/port.ini"
run timeout 10 "$TRACKER_BIN" --db "$DB" --config "$TMP/port.ini" serve --check
[[ $RC == 3 ]] || fail "serve --check with listen port 65536: exit $RC"
run timeout 10 "$TRACKER_BIN" --db "$DB" --config "$TMP/port.ini" serve
[[ $RC == 3 ]] || fail "serve with listen port 65536: exit $RC: $(cat "$TMP/err")"
assert_file_match "$TMP/err" 'port 65536 is not in 1-65535' "serve"
ok

# A second tracker on the same address: "address in use", and the first keeps the port.
start_http
run timeout 10 "$TRACKER_BIN" --db "$DB" http --listen "127.0.0.1:$PORT"
[[ $RC == 5 ]] || fail "second tracker http on port $PORT: exit $RC, want 5 (it shared the port?): $(cat "$TMP/err")"
assert_file_match "$TMP/err" "cannot listen on 127.0.0.1:$PORT: address in use" "second tracker"
for _ in 1 2 3 4 5 6; do # with a shared port the kernel would spread these over both
	[[ $(curl -sS "$U/healthz") == "$E2E_ENGINE writable" ]] || fail "the first server stopped answering"
done
ok
stop_http

# Anything else listening there: the same.
"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(30)' >"$TMP/pyport" &
py_pid=$!
for _ in $(seq 1 100); do [[ -s $TMP/pyport ]] && break; sleep 0.05; done
pport=$(cat "$TMP/pyport")
run timeout 10 "$TRACKER_BIN" --db "$DB" http --listen "127.0.0.1:$pport"
kill "$py_pid" 2>/dev/null || true
wait "$py_pid" 2>/dev/null || true
py_pid=
[[ $RC == 5 ]] || fail "http on a port python listens on: exit $RC"
assert_file_match "$TMP/err" "cannot listen on 127.0.0.1:$pport: address in use" "foreign listener"
ok

# Every interface with an open dashboard: a warning (in a network namespace of our own).
printf '[server]\ndashboard = open\n' >"$TMP/open.ini"
# The namespace's root cannot enter the PostgreSQL test cluster's private socket directory (owned by
# an unmapped user), and this part is not about the database: a SQLite file of its own, on both runs.
NSDB=$TMP/ns.db
"$TRACKER_BIN" --db "$NSDB" import "$TMP/seed.md" >/dev/null 2>&1
if unshare -rn true 2>/dev/null; then
	unshare -rn bash -c '
		ip link set lo up 2>/dev/null || true
		"$1" --db "$2" --config "$3" http --listen 0.0.0.0:0 2>"$4" &
		pid=$!
		for _ in $(seq 1 100); do grep -q "^listening on" "$4" && break; sleep 0.05; done
		kill -TERM "$pid"; wait "$pid"' _ "$TRACKER_BIN" "$NSDB" "$TMP/open.ini" "$TMP/open.log"
	assert_file_match "$TMP/open.log" 'warning: listening on every interface \(0\.0\.0\.0:[0-9]+\) with \[server\] dashboard = open' "open dashboard on 0.0.0.0"
	ok
	# 127.0.0.1 with an open dashboard, and 0.0.0.0 with the token login: no warning.
	CONFIG=$TMP/open.ini start_http
	stop_http
	assert_file_no_match "$TMP/http.log" 'warning: listening on every interface' "loopback"
	unshare -rn bash -c '
		"$1" --db "$2" http --listen 0.0.0.0:0 2>"$3" &
		pid=$!
		for _ in $(seq 1 100); do grep -q "^listening on" "$3" && break; sleep 0.05; done
		kill -TERM "$pid"; wait "$pid"' _ "$TRACKER_BIN" "$NSDB" "$TMP/token.log"
	assert_file_match "$TMP/token.log" '^listening on 0\.0\.0\.0:' "0.0.0.0 with tokens started"
	assert_file_no_match "$TMP/token.log" 'warning: listening on every interface' "token dashboard"
	ok
else
	note "unshare -rn not permitted here: the 0.0.0.0 warning is not checked"
fi
echo "$n passed, 0 failed"
