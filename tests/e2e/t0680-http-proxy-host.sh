#!/usr/bin/env bash
# t0680 — behind a reverse proxy at a path prefix, and the Host check. A real nginx on loopback serves
# the tracker at /tracker/ (base_url http://127.0.0.1:NPORT/tracker/, the proxy strips the prefix):
# redirects, links, forms and the cookie path carry the prefix; a proxy that passes the prefix on works
# too. Headless chromium signs in through the proxy and marks an item done (its Origin is the
# proxy's), and a page loaded under a foreign name resolved to the tracker (DNS rebinding) is refused.
# With dashboard = open, a foreign Host is refused by curl too (curl --resolve: the name is resolved,
# no header is written by hand), while the address, localhost and base_url's host are served.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/httplib.sh"
NGINX_PID=
trap '[[ -z $NGINX_PID ]] || kill "$NGINX_PID" 2>/dev/null || true; http_cleanup' EXIT
command -v curl >/dev/null || skip "curl is not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || skip "nginx is not installed (contrib/test.sh installs it)"

t import "$SRCDIR/contrib/examples" >/dev/null 2>&1
RW=$(t token create --name ana 2>/dev/null)
ITEM='/items/INC-2026-09-21-112%232'

# A free port for nginx: bind port 0, read it, close (nginx takes it right after).
NPORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
P=http://127.0.0.1:$NPORT/tracker
CONFIG=$TMP/proxy.ini
printf '[server]\ndashboard = token\nbase_url = %s/\n' "$P" >"$CONFIG"
start_http
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<EON
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen 127.0.0.1:$NPORT;
    location /tracker/ { proxy_pass http://127.0.0.1:$PORT/; }
  }
}
EON
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' 2>"$TMP/nginx/stderr" &
NGINX_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "$P/healthz" && break; sleep 0.05; done
fetch hz "$P/healthz"
assert_eq 200 "$CODE" "the tracker through nginx: $(cat "$TMP/nginx/stderr" "$TMP/nginx/logs/error.log" 2>/dev/null)"

# --- through the proxy, with curl as a browser would ---
fetch root "$P/"
assert_eq 303 "$CODE" "the dashboard signed out"
assert_eq '/tracker/login?next=%2F' "$(header root Location)" "the sign-in page under the prefix"
JAR=$TMP/jar
fetch form -c "$JAR" -b "$JAR" "$P/login"
assert_file_match "$TMP/form.b" 'action="/tracker/login"'
assert_match 'Path=/tracker/;' "$(header form Set-Cookie)" "the CSRF cookie's path"
CSRF=$(sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' "$TMP/form.b" | head -1)
fetch login -c "$JAR" -b "$JAR" --data "csrf=$CSRF&token=$RW&next=%2Fitems%2FINC-2026-09-21-112%25233" "$P/login"
assert_eq 303 "$CODE" "sign-in through the proxy"
assert_eq '/tracker/items/INC-2026-09-21-112%233' "$(header login Location)" "back to the page asked for"
assert_match '^tracker_session=[^;]*; Path=/tracker/;' "$(header login Set-Cookie)" "the session cookie's path"
fetch dash -b "$JAR" "$P/"
assert_eq 200 "$CODE" "the dashboard through the proxy"
assert_file_match "$TMP/dash.b" 'href="/tracker/items/INC-'
assert_file_match "$TMP/dash.b" 'href="/tracker/incidents/INC-'
assert_file_no_match "$TMP/dash.b" '(href|action)="/(items|incidents|login|logout|subscribe)' "a link without the prefix"
fetch inc -b "$JAR" "$P/incidents/INC-2026-09-21-112"
assert_eq 200 "$CODE" "an incident page through the proxy"
# A proxy that passes the prefix on (proxy_pass without a path) reaches the same pages.
fetch direct -b "$JAR" "$U/tracker/incidents/INC-2026-09-21-112"
assert_eq 200 "$CODE" "the prefix passed on to the tracker"
# (the cookie's path is /tracker/, so a request without the prefix is signed out: to the sign-in page)
fetch direct2 -b "$JAR" "$U/incidents/INC-2026-09-21-112"
assert_eq 303 "$CODE" "the prefix stripped, no cookie"
assert_eq '/tracker/login?next=%2Fincidents%2FINC-2026-09-21-112' "$(header direct2 Location)" "sign-in under the prefix"

# --- the same in chromium, and a rebound name ---
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -n $CHROMIUM && -d $SRCDIR/tests/node_modules/puppeteer-core ]]; then
	mkdir -p "$BUILDDIR/artifacts/browser"
	CHROMIUM=$CHROMIUM PROXIED=$P ITEM=$ITEM RW=$RW REBOUND=http://evil.example:$PORT/ SHOTS=$BUILDDIR/artifacts/browser \
		timeout 120 node "$SRCDIR/tests/tools/proxy_flow.js" >"$TMP/proxy.out" 2>&1 || fail "browser behind the proxy: $(cat "$TMP/proxy.out")"
	cat "$TMP/proxy.out"
	assert_eq "done" "$(t show 'INC-2026-09-21-112#2' --format json | json_py 'd["status"]')" "the item marked done through the proxy"
elif [[ -n ${TRACKER_REQUIRE_BROWSER:-} ]]; then
	fail "chromium or puppeteer-core missing"
else
	note "chromium or puppeteer-core missing: the browser half is skipped"
fi
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=
stop_http

# --- dashboard = open: a foreign Host is refused (DNS rebinding) ---
CONFIG=$TMP/open.ini
printf '[server]\ndashboard = open\nbase_url = https://intranet.example/tracker/\n' >"$CONFIG"
start_http
host_code() { # NAME: the status of / fetched under that name, resolved to the tracker
	curl -s -o "$TMP/host.b" -w '%{http_code}' --resolve "$1:$PORT:127.0.0.1" "http://$1:$PORT$2"
}
assert_eq 400 "$(host_code evil.example /tracker/)" "a foreign name"
assert_file_match "$TMP/host.b" 'Host "evil.example:[0-9]+" is not a name of this server'
assert_eq 400 "$(host_code evil.example "$ITEM")" "a foreign name, an item page"
assert_eq 400 "$(host_code intranet.example.evil.example /)" "a name that starts like base_url's"
assert_eq 200 "$(host_code intranet.example /tracker/)" "base_url's host"
assert_eq 200 "$(host_code INTRANET.example /)" "base_url's host, another case"
assert_eq 200 "$(host_code localhost /)" "localhost"
fetch ip "$U/"
assert_eq 200 "$CODE" "the address itself"
assert_eq 200 "$(host_code evil.example /healthz)" "/healthz answers load balancers whatever the name"
stop_http
echo "1 passed, 0 failed"
