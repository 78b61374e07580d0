#!/usr/bin/env bash
# tests/e2e/cli_lib.sh — shared setup for the CLI scripts that check exit statuses themselves and
# report their own failures (t0300, t0310, t0320, t0510); source after lib.sh. It drops lib.sh's ERR
# trap and gives:
#
# tmp                    lib.sh's temporary directory ($TMP)
# TRACKER_DB, TRACKER_USER=tester, XDG_CONFIG_HOME   exported: the test database, user "tester", no
#                        real config
# t CMD...               the tracker (on $TRACKER_DB)
# fail MSG               "FAIL: MSG" on stderr, exit 1
# py CODE                Debian's python3 -c CODE
# expect_fail CODE CMD...   runs a command that must fail with exit CODE and must not touch the database
#                        (its stdout and stderr in $tmp/out and $tmp/err)

trap - ERR
set +o errtrace
tmp=$TMP
export TRACKER_DB="$DB" TRACKER_USER=tester XDG_CONFIG_HOME="$tmp/cfg"
t() { "$TRACKER_BIN" "$@"; }
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
py() { /usr/bin/python3 -c "$@"; }
expect_fail() {
	local want=$1 before after rc=0
	shift
	before=$(db_dump "$TRACKER_DB" | sha256sum)
	t "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	after=$(db_dump "$TRACKER_DB" | sha256sum)
	[ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
	[ "$before" = "$after" ] || fail "$* changed the database"
}
