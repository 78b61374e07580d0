#!/usr/bin/env bash
# nginx_bench.sh — issue 12's HTTP benchmark (not a timed test): feed requests/s through nginx with one
# and with two `tracker serve` instances on one PostgreSQL database, in the same run, with the shipped
# contrib/nginx/tracker.conf (ports, name and log path substituted as in t0940; for one instance the
# second instance's `server` lines are dropped). One instance without nginx is measured as well, for the proxy's cost.
#
#   tests/bench/nginx_bench.sh [BUILDDIR]     (default: build; needs wrk, nginx, curl, PostgreSQL 15)
#
# PostgreSQL: $TRACKER_TEST_PG (a libpq key=value string of a running cluster) or else a throwaway
# cluster (contrib/pg-cluster.sh), removed on exit. Data: DOCS (default 300) bench_gen post-mortems
# imported into a fresh database; the feed is the owner feed of the owner with most open items, and a
# 304 is that feed with If-None-Match. Each target: wrk -t2 -c$CONNS -d${SECONDS_PER_RUN}s, ROUNDS
# times (default 2) in the order direct, nginx+1, nginx+2; prints each run and the best per setup.
# Environment: DOCS, SECONDS_PER_RUN (10), CONNS (50), ROUNDS (2), KEEP=1 keeps the temp dir.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
TRACKER=$BUILD/tracker/tracker
GEN=$BUILD/tests/bench_gen
DOCS=${DOCS:-300}
SECS=${SECONDS_PER_RUN:-10}
CONNS=${CONNS:-50}
ROUNDS=${ROUNDS:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for c in wrk curl python3 "$NGINX" "$PGBIN/psql"; do
	command -v "$c" >/dev/null || { echo "nginx_bench: $c is not installed" >&2; exit 2; }
done
[[ -x $TRACKER && -x $GEN ]] || { echo "nginx_bench: build first (cmake --build $BUILD)" >&2; exit 2; }

T=$(mktemp -d /tmp/nginx-bench.XXXXXX)
I1='' I2='' NGINX_PID='' cluster='' DBNAME=nginx_bench_$$
PG=${TRACKER_TEST_PG:-}
psql_() { "$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	local p
	for p in $I1 $I2 $NGINX_PID; do kill "$p" 2>/dev/null || true; done
	for p in $I1 $I2 $NGINX_PID; do wait "$p" 2>/dev/null || true; done
	[[ -z $PG ]] || psql_ -d "$PG dbname=postgres" -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1 || true
	[[ -z $cluster ]] || "$ROOT/contrib/pg-cluster.sh" stop "$cluster"
	if [[ ${KEEP:-0} == 1 ]]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
export HOME=$T XDG_CONFIG_HOME=$T/cfg TZ=UTC
if [[ -z $PG ]]; then
	cluster=$(mktemp -d /tmp/nginx-bench-pg.XXXXXX)
	PG=$("$ROOT/contrib/pg-cluster.sh" start "$cluster")
fi
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$PG"; }
DB="postgresql:///$DBNAME?host=$(kv host)&port=$(kv port)&user=$(kv user)"
psql_ -d "$PG dbname=postgres" -c "CREATE DATABASE $DBNAME" >/dev/null

echo "== data: $DOCS generated post-mortems on PostgreSQL"
"$GEN" "$T/docs" "$DOCS" 42 >/dev/null
"$TRACKER" --db "$DB" import "$T/docs" >/dev/null
items=$(psql_ -d "$DB" -c "SELECT count(*) FROM items")
owner=$(psql_ -d "$DB" -c "SELECT owner FROM items WHERE owner IS NOT NULL AND status NOT IN ('done', 'wont_do')
  AND removed_at IS NULL GROUP BY owner ORDER BY count(*) DESC, owner LIMIT 1")
FEED=$("$TRACKER" --db "$DB" feed create --scope "owner:$owner" 2>/dev/null | sed -n 's|^\(/feeds/[A-Za-z0-9_-]*\.ics\)$|\1|p')
[[ -n $FEED ]] || { echo "nginx_bench: no feed path printed" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P1=$(free_port) P2=$(free_port) NPORT=$(free_port)
NAME=tracker.test
HOST=$NAME:$NPORT
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/server.secret"
chmod 600 "$T/server.secret"
printf '[server]\nbase_url = http://%s/\nsecret_file = %s\n' "$HOST" "$T/server.secret" >"$T/config.ini"
start_instance() { # N PORT
	"$TRACKER" --db "$DB" --config "$T/config.ini" serve --listen "127.0.0.1:$2" 2>"$T/i$1.log" &
	printf -v "I$1" '%s' "$!"
	for _ in $(seq 200); do grep -q 'http: listening on' "$T/i$1.log" && return 0; sleep 0.05; done
	echo "nginx_bench: instance $1 did not start: $(cat "$T/i$1.log")" >&2
	exit 1
}
start_instance 1 "$P1"
start_instance 2 "$P2"

# nginx_conf N: the shipped configuration with N instances.
nginx_conf() {
	local drop=()
	[[ $1 == 2 ]] || drop=(-e '/server 127\.0\.0\.1:8082 /d')
	mkdir -p "$T/nginx/logs"
	sed "${drop[@]}" -e "s|server 127\.0\.0\.1:8081 |server 127.0.0.1:$P1 |g" -e "s|server 127\.0\.0\.1:8082 |server 127.0.0.1:$P2 |g" \
		-e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$NPORT;|" -e "s|server_name tracker\.example\.org;|server_name $NAME;|" \
		-e "s|/var/log/nginx/tracker\.access\.log|$T/nginx/logs/access.log|" "$ROOT/contrib/nginx/tracker.conf" >"$T/nginx/tracker.conf"
	# each instance is named twice (a server and its backup line)
	[[ $(grep -c "server 127\\.0\\.0\\.1:" "$T/nginx/tracker.conf") == $((2 * $1)) ]] || { echo "nginx_bench: upstream substitution failed" >&2; exit 1; }
	cat >"$T/nginx/nginx.conf" <<EON
worker_processes auto;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  client_body_temp_path $T/nginx/body; proxy_temp_path $T/nginx/proxy; fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi; scgi_temp_path $T/nginx/scgi;
  include $T/nginx/tracker.conf;
}
EON
}
start_nginx() { # N
	nginx_conf "$1"
	"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -g 'daemon off;' 2>"$T/nginx/stderr" &
	NGINX_PID=$!
	for _ in $(seq 100); do curl -s -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$NPORT/healthz" && return 0; sleep 0.05; done
	echo "nginx_bench: nginx did not start: $(cat "$T/nginx/stderr")" >&2
	exit 1
}
stop_nginx() {
	kill "$NGINX_PID"
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=
}

ETAG=$(curl -sS -D - -o "$T/feed.ics" -H "Host: $HOST" "http://127.0.0.1:$P1$FEED" | sed -n 's/^ETag: //Ip' | tr -d '\r')
echo "items: $items; feed: owner:$owner, $(grep -c '^BEGIN:VEVENT' "$T/feed.ics") events, $(stat -c %s "$T/feed.ics") bytes"
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), PostgreSQL $(psql_ -d "$PG dbname=postgres" -c 'SHOW server_version'), wrk -t2 -c$CONNS -d${SECS}s, $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run URL [HEADER...] → "req/s p99 non2xx"
run() {
	local url=$1
	shift
	local hdr=(-H "Host: $HOST")
	for h in "$@"; do hdr+=(-H "$h"); done
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "${hdr[@]}" "$url" >"$T/wrk.out" 2>&1
	local rps p99 bad
	rps=$(sed -n 's/^Requests\/sec: *//p' "$T/wrk.out")
	p99=$(sed -n 's/^ *99% *//p' "$T/wrk.out")
	bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$T/wrk.out")
	if grep -q 'Socket errors' "$T/wrk.out"; then bad="${bad:-0}+sockerr"; fi
	echo "$rps $p99 ${bad:-0}"
}

declare -A best
printf '\n%-6s %-22s %-8s %12s %10s %8s\n' round setup target "req/s" p99 "non-2xx"
measure() { # ROUND SETUP BASEURL
	local r
	for target in 200 304; do
		if [[ $target == 200 ]]; then r=$(run "$3$FEED"); else r=$(run "$3$FEED" "If-None-Match: $ETAG"); fi
		read -r -a f <<<"$r"
		printf '%-6s %-22s %-8s %12s %10s %8s\n' "$1" "$2" "$target" "${f[0]}" "${f[1]}" "${f[2]}"
		local k="$2 $target"
		if [[ -z ${best[$k]:-} ]] || awk -v a="${f[0]}" -v b="${best[$k]}" 'BEGIN { exit !(a > b) }'; then best[$k]=${f[0]}; fi
	done
}
for round in $(seq "$ROUNDS"); do
	measure "$round" "direct, 1 instance" "http://127.0.0.1:$P1"
	start_nginx 1
	measure "$round" "nginx, 1 instance" "http://127.0.0.1:$NPORT"
	stop_nginx
	start_nginx 2
	measure "$round" "nginx, 2 instances" "http://127.0.0.1:$NPORT"
	stop_nginx
done
echo
echo "best of $ROUNDS (req/s):"
for target in 200 304; do
	d=${best["direct, 1 instance $target"]} a=${best["nginx, 1 instance $target"]} b=${best["nginx, 2 instances $target"]}
	awk -v t="$target" -v d="$d" -v a="$a" -v b="$b" 'BEGIN {
		printf "  feed %s: direct %.0f, nginx+1 %.0f (%.0f%% of direct), nginx+2 %.0f (%.2f× nginx+1)\n", t, d, a, 100 * a / d, b, b / a }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
