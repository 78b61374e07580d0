#!/usr/bin/env bash
# contrib/pg-cluster.sh — a throwaway PostgreSQL 15 cluster for the tests: no TCP listener, a Unix
# socket in a temporary directory, a free port number (it names the socket), locale C and UTF-8.
#
#   contrib/pg-cluster.sh start DIR   initdb + pg_ctl start; prints the libpq connection string
#                                     ("host=DIR/sock port=N user=postgres") and writes it to DIR/conninfo
#   contrib/pg-cluster.sh stop DIR    pg_ctl stop (immediate) and rm -rf DIR
#
# As root the cluster belongs to the `postgres` user (PostgreSQL refuses to run as root); otherwise
# to the caller. Authentication is `trust` on the socket, except for the role tracker_pw (password
# "tracker-test-pw", scram-sha-256) that the tests use to check password handling. No test depends
# on a PostgreSQL already running on the machine.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

as_owner() {
	if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
	local p
	for p in $(shuf -i 20000-60000 -n 50); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [[ ! -e $dir/sock/.s.PGSQL.$p ]]; then
			echo "$p"
			return 0
		fi
	done
	echo "pg-cluster: no free port found" >&2
	return 1
}

case $cmd in
start)
	[[ -x $PGBIN/initdb ]] || { echo "pg-cluster: $PGBIN/initdb not found (apt-get install postgresql-15)" >&2; exit 1; }
	mkdir -p "$dir/sock"
	if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$dir"; fi
	as_owner "$PGBIN/initdb" -D "$dir/data" --locale=C --encoding=UTF8 -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	{
		echo "local all tracker_pw scram-sha-256"
		echo "local all all trust"
	} | as_owner tee "$dir/data/pg_hba.conf" >/dev/null
	port=$(free_port)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $dir/sock -p $port -c fsync=off -c max_connections=200" start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	conn="host=$dir/sock port=$port user=postgres"
	"$PGBIN/psql" -X -q "$conn dbname=postgres" -c \
		"CREATE ROLE tracker_pw LOGIN CREATEDB PASSWORD 'tracker-test-pw'" >/dev/null
	echo "$conn" >"$dir/conninfo"
	echo "$conn"
	;;
stop)
	if [[ -f $dir/data/postmaster.pid ]]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf -- "$dir"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2
	exit 2
	;;
esac
