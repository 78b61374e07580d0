#!/usr/bin/env bash
# tests/e2e/httplib.sh — starting and stopping `tracker http` for the t06NN HTTP tests; source it after
# lib.sh. The server listens on 127.0.0.1 port 0 (a free port) so tests never collide.
#
#   start_http [ARGS...]  starts it in the background: sets HTTP_PID, PORT and U (http://127.0.0.1:PORT);
#                         its standard error goes to $TMP/http.log
#   stop_http             SIGTERM; fails unless it exits 0 (under ASan: no leaks, no errors)
#   fetch NAME CURL-ARGS... runs curl, headers to $TMP/NAME.h, body to $TMP/NAME.b; sets CODE
#   header NAME FIELD     prints one response header's value (case-insensitive name, CR stripped)

# shellcheck disable=SC2034 # U, CODE and PORT are for the sourcing script
HTTP_PID=
http_cleanup() {
	local rc=$?
	# No set -e / ERR trap in here: `(exit "$rc")` below would end the trap before e2e_cleanup
	# removes $TMP whenever the test failed.
	set +e
	trap - ERR
	if [[ -n $HTTP_PID ]]; then
		kill "$HTTP_PID" 2>/dev/null || true
		wait "$HTTP_PID" 2>/dev/null || true
	fi
	(exit "$rc")
	e2e_cleanup
}
trap http_cleanup EXIT

# shellcheck disable=SC2120 # arguments are optional
start_http() {
	: >"$TMP/http.log"
	"$TRACKER_BIN" --db "$DB" ${CONFIG:+--config "$CONFIG"} http --listen 127.0.0.1:0 "$@" 2>>"$TMP/http.log" &
	HTTP_PID=$!

	for _ in $(seq 1 200); do
		if grep -q '^listening on ' "$TMP/http.log"; then break; fi
		kill -0 "$HTTP_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/http.log")
	[[ -n $PORT ]] || fail "tracker http did not start: $(cat "$TMP/http.log")"
	U=http://127.0.0.1:$PORT
}

stop_http() {
	local rc=0
	kill -TERM "$HTTP_PID"
	wait "$HTTP_PID" || rc=$?
	HTTP_PID=
	[[ $rc -eq 0 ]] || fail "tracker http exited $rc on SIGTERM: $(tail -30 "$TMP/http.log")"
}

fetch() {
	local name=$1
	shift
	CODE=$(curl -sS -D "$TMP/$name.h" -o "$TMP/$name.b" -w '%{http_code}' "$@")
}

header() {
	grep -i "^$2:" "$TMP/$1.h" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}
