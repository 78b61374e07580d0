#!/usr/bin/env bash
# t0881 — `tracker sync` over http: a bare repository served by `git http-backend` through fcgiwrap
# behind a real nginx on loopback with basic auth (issue 13). The credential is a token_file given to git
# by the askpass helper: the sync works; the token appears in no output, no database row, no file of the
# mirror and no process's argv or environment; a wrong token, no token and a stopped server are each a
# clear error (exit 5) that changes nothing; a later push is picked up.
source "$(dirname "$0")/lib.sh"
require_command sync
command -v git >/dev/null || skip "git is not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
FCGIWRAP=$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)
BACKEND=$(git --exec-path)/git-http-backend
[[ -x $NGINX ]] || skip "nginx is not installed (contrib/test.sh installs it)"
[[ -x $FCGIWRAP ]] || skip "fcgiwrap is not installed (contrib/test.sh installs it)"
[[ -x $BACKEND ]] || skip "git http-backend is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
NGINX_PID='' FCGI_PID='' WATCH=''
stop_servers() {
	[[ -z $WATCH ]] || kill "$WATCH" 2>/dev/null || true
	[[ -z $NGINX_PID ]] || kill "$NGINX_PID" 2>/dev/null || true
	[[ -z $FCGI_PID ]] || kill "$FCGI_PID" 2>/dev/null || true
	[[ -z $NGINX_PID ]] || wait "$NGINX_PID" 2>/dev/null || true
	[[ -z $FCGI_PID ]] || wait "$FCGI_PID" 2>/dev/null || true
	NGINX_PID='' FCGI_PID=''
}
trap stop_servers EXIT

export GIT_AUTHOR_NAME="Alice Author" GIT_AUTHOR_EMAIL=alice@example.com
export GIT_COMMITTER_NAME="Alice Author" GIT_COMMITTER_EMAIL=alice@example.com
export GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The served repository, and a working clone the test commits in and pushes from (over the file system).
mkdir -p "$TMP/srv"
git init -q --bare "$TMP/srv/pm.git"
git clone -q "$TMP/srv/pm.git" "$TMP/work" 2>/dev/null
W=$TMP/work
mkdir -p "$W/pm"
doc() { # FILE ID KEY ACTION STATUS
	printf '# Post-mortem %s\n\n**Incident ID:** %s\n**Date:** 2026-01-05\n\n## Action Items\n\n| ID | Action | Owner | Due | Status |\n|----|--------|-------|-----|--------|\n| %s | %s | @alice | 2026-02-01 | %s |\n' \
		"$2" "$2" "$3" "$4" "$5" >"$W/$1"
}
doc pm/a.md INC-2026-01-05-1 1 "Add alerting" open
git -C "$W" add -A
git -C "$W" commit -qm "First post-mortem"
git -C "$W" push -q origin main 2>/dev/null

# nginx: /git/ through fcgiwrap to git http-backend, behind basic auth (user tracker, the token).
TOKEN=tok-$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
printf 'tracker:%s\n' "$(openssl passwd -apr1 "$TOKEN")" >"$TMP/htpasswd"
FPORT=$(free_port)
"$FCGIWRAP" -s "tcp:127.0.0.1:$FPORT" 2>"$TMP/fcgi.stderr" &
FCGI_PID=$!
NPORT=$(free_port)
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<EON
$([[ $(id -u) == 0 ]] && echo "user root;")
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log $TMP/nginx/logs/access.log;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen 127.0.0.1:$NPORT;
    location ~ ^/git(/.*)\$ {
      auth_basic "git";
      auth_basic_user_file $TMP/htpasswd;
      fastcgi_pass 127.0.0.1:$FPORT;
      fastcgi_param SCRIPT_FILENAME $BACKEND;
      fastcgi_param GIT_PROJECT_ROOT $TMP/srv;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO \$1;
      fastcgi_param REMOTE_USER \$remote_user;
      fastcgi_param QUERY_STRING \$query_string;
      fastcgi_param REQUEST_METHOD \$request_method;
      fastcgi_param CONTENT_TYPE \$content_type;
      fastcgi_param CONTENT_LENGTH \$content_length;
      fastcgi_param SERVER_PROTOCOL \$server_protocol;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
    }
  }
}
EON
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' 2>"$TMP/nginx/stderr" &
NGINX_PID=$!
URL=http://127.0.0.1:$NPORT/git/pm.git
for _ in $(seq 100); do
	[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/info/refs?service=git-upload-pack") == 401 ]] && break
	sleep 0.05
done
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' -u "tracker:$TOKEN" "$URL/info/refs?service=git-upload-pack")" \
	"git http-backend behind nginx: $(cat "$TMP/nginx/stderr" "$TMP/nginx/logs/error.log" "$TMP/fcgi.stderr" 2>/dev/null)"

printf '%s\n' "$TOKEN" >"$TMP/token"
chmod 600 "$TMP/token"
printf 'wrong-%s\n' "$TOKEN" >"$TMP/bad-token"
config() { # FILE [TOKEN_FILE]
	{
		printf '[sync]\ndir = %s/mirrors\n[source pm]\nrepo = %s\nusername = tracker\n' "$TMP" "$URL"
		[[ -z ${2:-} ]] || printf 'token_file = %s\n' "$2"
	} >"$1"
}
config "$TMP/good.ini" "$TMP/token"
config "$TMP/bad.ini" "$TMP/bad-token"
config "$TMP/none.ini"

# --- wrong token, no token: clear errors, nothing imported ---
assert_rc 5 t --config "$TMP/bad.ini" sync
assert_file_match "$TMP/err" "^tracker: source pm: cannot fetch branch main of $URL: git fetch failed \(exit 128\): fatal: Authentication failed"
assert_file_no_match "$TMP/err" "$TOKEN"
assert_rc 5 t --config "$TMP/none.ini" sync
assert_file_match "$TMP/err" "cannot fetch branch main of $URL: .*(terminal prompts disabled|could not read Username)"
assert_eq 0 "$(dbq "SELECT count(*) FROM items")" "nothing imported without the right credentials"

# --- the right token ---
# While it runs, no process (git, ssh, the askpass helper) has the token in its argv or environment.
(
	while [[ ! -e $TMP/stop-watch ]]; do
		for p in /proc/[0-9]*; do
			{ tr '\0' '\n' <"$p/cmdline"; tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qF "$TOKEN" &&
				echo "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" >>"$TMP/leaks"
		done
		sleep 0.01
	done
) &
WATCH=$!
assert_rc 0 t --config "$TMP/good.ini" sync
touch "$TMP/stop-watch"
wait "$WATCH"
WATCH=
assert_file_match "$TMP/out" "^INC-2026-01-05-1: 1 new"
assert_eq 1 "$(dbq "SELECT count(*) FROM items")"
[[ ! -s $TMP/leaks ]] || fail "the token was in a process's argv or environment: $(cat "$TMP/leaks")"
assert_file_no_match "$TMP/out" "$TOKEN"
assert_file_no_match "$TMP/err" "$TOKEN"
if grep -rqF "$TOKEN" "$TMP/mirrors"; then fail "the token is in a file of the mirror"; fi
if db_dump "$DB" | grep -qF "$TOKEN"; then fail "the token is in the database"; fi
assert_file_match "$TMP/nginx/logs/access.log" '"GET /git/pm.git/info/refs\?service=git-upload-pack HTTP/1.1" 200'

# --- a later push ---
doc pm/a.md INC-2026-01-05-1 1 "Add alerting" "done"
git -C "$W" commit -qam "Alerting done"
git -C "$W" push -q origin main 2>/dev/null
assert_rc 0 t --config "$TMP/good.ini" sync
assert_file_match "$TMP/out" "^INC-2026-01-05-1: 0 new, 1 updated"
assert_eq "done" "$(dbq "SELECT status FROM items")"
assert_rc 0 t --config "$TMP/good.ini" sync
assert_file_match "$TMP/out" "^pm: up to date at "

# --- the server stopped: exit 5, the state kept ---
LAST=$(dbq "SELECT last_commit FROM sources")
stop_servers
before=$(dbq "SELECT count(*) FROM events")
assert_rc 5 t --config "$TMP/good.ini" sync
assert_file_match "$TMP/err" "cannot fetch branch main of $URL: git fetch failed \(exit 128\): fatal: unable to access .*(Failed to connect|Could not connect|Connection refused)"
assert_eq "$before" "$(dbq "SELECT count(*) FROM events")" "an unreachable remote changes nothing"
assert_eq "$LAST" "$(dbq "SELECT last_commit FROM sources")"
