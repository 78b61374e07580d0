#!/usr/bin/env bash
# t0940 — issue 12, fault test 4: two `tracker serve` instances on one PostgreSQL database behind nginx,
# configured by the shipped contrib/nginx/tracker.conf (only its ports, name and log path substituted),
# under wrk for 10 s (feeds plain, gzip and conditional, and the API with a real token) while instance 1
# is restarted (SIGTERM, started again on its port) and, a second after it listens again, instance 2 —
# a rolling restart, inside the 5 s for which nginx keeps a restarted instance marked failed (without
# the config's backup lines this gave ~45,000 502s). Every response is counted by status in wrk's Lua
# script: no 5xx at all except 503s that carry Retry-After (the tracker's documented "database busy or
# unavailable" answer, docs/deployment.md); none is expected here, and their count is printed. Also:
# no socket errors, the stopped instances exit 0, and both serve again through nginx after their restart. Needs PostgreSQL (several instances share a database
# only there): skipped without TRACKER_TEST_PG.
source "$(dirname "$0")/lib.sh"
NGINX_PID='' I1='' I2=''
stop_all() {
	local p
	for p in $I1 $I2 $NGINX_PID; do kill "$p" 2>/dev/null || true; done
	for p in $I1 $I2 $NGINX_PID; do wait "$p" 2>/dev/null || true; done
}
trap 'rc=$?; set +e; trap - ERR; stop_all; (exit $rc); e2e_cleanup' EXIT
[[ $E2E_ENGINE == postgresql ]] ||
	skip "needs PostgreSQL: set TRACKER_TEST_PG (several instances share one database only on PostgreSQL)"
command -v wrk >/dev/null || skip "wrk is not installed (contrib/test.sh installs it)"
command -v curl >/dev/null || skip "curl is not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || skip "nginx is not installed (contrib/test.sh installs it)"
require_command serve

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P1=$(free_port) P2=$(free_port) NPORT=$(free_port)
[[ $P1 != "$P2" && $P1 != "$NPORT" && $P2 != "$NPORT" ]] || fail "the same free port twice: $P1 $P2 $NPORT"
NAME=tracker.test

t import "$SRCDIR/contrib/examples" >/dev/null
# The feed's path (base_url is set below, after the tokens are made: feed create then prints the path).
FEED=$(t feed create --scope all 2>/dev/null | sed -n 's|^\(/feeds/[A-Za-z0-9_-]*\.ics\)$|\1|p')
[[ -n $FEED ]] || fail "no feed path printed"
TOK=$(t token create --name load --read-only 2>/dev/null)
[[ -n $TOK ]] || fail "no API token printed"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/server.secret"
chmod 600 "$TMP/server.secret"
cat >"$TMP/config.ini" <<EOC
[server]
base_url = http://$NAME:$NPORT/
dashboard = token
secret_file = $TMP/server.secret
EOC

# start_instance N PORT: tracker serve on 127.0.0.1:PORT, log in $TMP/iN.log; sets I<N>.
start_instance() {
	local log=$TMP/i$1.log pid
	"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" serve --listen "127.0.0.1:$2" 2>>"$log" &
	pid=$!
	printf -v "I$1" '%s' "$pid"
	for _ in $(seq 200); do
		[[ $(grep -c 'http: listening on' "$log") -ge $3 ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "instance $1 did not start: $(cat "$log")"
}
start_instance 1 "$P1" 1
start_instance 2 "$P2" 1

# The shipped configuration, with its ports, name and log path substituted; each must be there as
# often as expected (an instance is named twice: as a server and as a backup).
CONF=$SRCDIR/contrib/nginx/tracker.conf
mkdir -p "$TMP/nginx/logs"
for want in '2 server 127\.0\.0\.1:8081 ' '2 server 127\.0\.0\.1:8082 ' '1 ^ *listen 80;' \
	'1 ^ *server_name tracker\.example\.org;' '1 access_log /var/log/nginx/tracker\.access\.log tracker;'; do
	[[ $(grep -cE -- "${want#* }" "$CONF") == "${want%% *}" ]] ||
		fail "contrib/nginx/tracker.conf: not ${want%% *} line(s) matching /${want#* }/"
done
sed -e "s|server 127\.0\.0\.1:8081 |server 127.0.0.1:$P1 |g" -e "s|server 127\.0\.0\.1:8082 |server 127.0.0.1:$P2 |g" \
	-e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$NPORT;|" -e "s|server_name tracker\.example\.org;|server_name $NAME;|" \
	-e "s|/var/log/nginx/tracker\.access\.log|$TMP/nginx/logs/access.log|" "$CONF" >"$TMP/nginx/tracker.conf"
cat >"$TMP/nginx/nginx.conf" <<EON
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 256; }
http {
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  include $TMP/nginx/tracker.conf;
}
EON
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' 2>"$TMP/nginx/stderr" &
NGINX_PID=$!
N=http://127.0.0.1:$NPORT
code() { curl -s -o "$TMP/body" -w '%{http_code}' -H "Host: $NAME:$NPORT" "$@"; }
for _ in $(seq 100); do [[ $(code "$N/healthz") == 200 ]] && break; sleep 0.05; done
assert_eq 200 "$(code "$N/healthz")" "healthz through nginx: $(cat "$TMP/nginx/stderr" "$TMP/nginx/logs/error.log" 2>/dev/null)"
assert_eq 200 "$(code "$N$FEED")" "the feed through nginx"
assert_file_match "$TMP/body" '^BEGIN:VCALENDAR' "the feed's body"
assert_eq 200 "$(code -H "Authorization: Bearer $TOK" "$N/api/v1/items?limit=5")" "the API through nginx"
# The Host the client sent reaches the tracker (nginx's default, the upstream's name, would be refused).
assert_eq 400 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$N$FEED")" "a foreign Host through nginx"
ETAG=$(curl -sS -D - -o /dev/null -H "Host: $NAME:$NPORT" "$N$FEED" | sed -n 's/^ETag: //Ip' | tr -d '\r')
[[ -n $ETAG ]] || fail "the feed has no ETag"

cat >"$TMP/mix.lua" <<'LUA'
-- The request mix of t0650, through nginx, and a count of every response by status.
local feed, etag, tok, host = os.getenv("FEED"), os.getenv("ETAG"), os.getenv("TOK"), os.getenv("HOST")
local n = 0
local threads = {}
statuses = {}
bad503 = 0
function setup(thread) table.insert(threads, thread) end
request = function()
  n = n + 1
  local k = n % 4
  if k == 0 then
    return wrk.format("GET", feed, {["Host"] = host, ["Accept-Encoding"] = "gzip"})
  elseif k == 1 then
    return wrk.format("GET", feed, {["Host"] = host})
  elseif k == 2 then
    return wrk.format("GET", feed, {["Host"] = host, ["If-None-Match"] = etag})
  end
  return wrk.format("GET", "/api/v1/items?limit=20", {["Host"] = host, ["Authorization"] = "Bearer " .. tok})
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and headers["Retry-After"] == nil then bad503 = bad503 + 1 end
end
function done(summary, latency, requests)
  local total, bad = {}, 0
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("statuses")) do total[s] = (total[s] or 0) + c end
    bad = bad + t:get("bad503")
  end
  for s, c in pairs(total) do io.write(string.format("status %d %d\n", s, c)) end
  io.write(string.format("503-without-retry-after %d\n", bad))
end
LUA

FEED=$FEED ETAG=$ETAG TOK=$TOK HOST="$NAME:$NPORT" timeout 60 wrk -t 2 -c 20 -d 10s --timeout 5s \
	-s "$TMP/mix.lua" "$N" >"$TMP/wrk.out" 2>&1 &
WRK=$!
# The switch: 2 s in, instance 1 gets SIGTERM, exits, and starts again on the same port; a second after
# it listens again, the same for instance 2.
restart() { # N PORT
	local t0 rc=0 pid
	t0=$(date +%s%N)
	pid=$(eval echo "\$I$1")
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	printf -v "I$1" '%s' ''
	assert_eq 0 "$rc" "instance $1's exit status after SIGTERM: $(tail -5 "$TMP/i$1.log")"
	start_instance "$1" "$2" 2
	note "instance $1 restarted in $((($(date +%s%N) - t0) / 1000000)) ms"
}
sleep 2
restart 1 "$P1"
sleep 1
restart 2 "$P2"
wait "$WRK" || fail "wrk failed: $(cat "$TMP/wrk.out")"
cat "$TMP/wrk.out"

assert_file_match "$TMP/wrk.out" 'requests in' "wrk's summary"
assert_file_no_match "$TMP/wrk.out" 'Socket errors' "wrk (nginx answered every request)"
total=$(awk '$1 == "status" { s += $3 } END { print s + 0 }' "$TMP/wrk.out")
ok=$(awk '$1 == "status" && ($2 == 200 || $2 == 304) { s += $3 } END { print s + 0 }' "$TMP/wrk.out")
n503=$(awk '$1 == "status" && $2 == 503 { s += $3 } END { print s + 0 }' "$TMP/wrk.out")
other=$(awk '$1 == "status" && $2 != 200 && $2 != 304 && $2 != 503 { printf "%s%s×%s", sep, $3, $2; sep = ", " }' "$TMP/wrk.out")
[[ $total -ge 1000 ]] || fail "only $total responses in 10 s"
assert_eq '' "$other" "responses other than 200, 304 and 503"
assert_file_match "$TMP/wrk.out" '^503-without-retry-after 0$' "503s without Retry-After (not the tracker's)"
note "responses: $total ($ok 200/304, $n503 503 with Retry-After)"

# Both serve again through nginx (their counters start at their restart; instance 2 may still be
# marked failed when wrk ends: requests go on until it gets some, at most 10 s).
served() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^tracker_http_requests_total\{route="(feed|api)/ { s += $2 } END { print s + 0 }'; }
for _ in $(seq 40); do
	[[ $(served "$P1") -gt 0 && $(served "$P2") -gt 0 ]] && break
	code -H "Authorization: Bearer $TOK" "$N/api/v1/items?limit=1" >/dev/null
	sleep 0.25
done
s1=$(served "$P1") s2=$(served "$P2")
note "requests served since their restart: instance 1 $s1, instance 2 $s2"
[[ $s1 -gt 0 ]] || fail "restarted instance 1 got no request through nginx"
[[ $s2 -gt 0 ]] || fail "restarted instance 2 got no request through nginx"
if grep -E 'http: .* 5[0-9][0-9]$' "$TMP/i1.log" "$TMP/i2.log"; then fail "an instance answered 5xx (above)"; fi
note "requests nginx retried on another instance: $(grep -c 'upstream="[^"]*, ' "$TMP/nginx/logs/access.log" || true) (its access log)"
assert_file_no_match "$TMP/nginx/logs/access.log" '/feeds/[A-Za-z0-9_-]{8}' "a feed token in nginx's access log"
assert_file_match "$TMP/nginx/logs/access.log" '"GET /feeds/\.\.\." 200 .* upstream="127\.0\.0\.1:[0-9]+" upstream_status="200"' \
	"the redacted access log"
echo "1 passed, 0 failed"
