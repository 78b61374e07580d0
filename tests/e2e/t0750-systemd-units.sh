#!/usr/bin/env bash
# t0750 — the systemd units in contrib/systemd/ (as configured into $BUILDDIR/systemd by CMake) pass
# `systemd-analyze verify` with no warning, and keep their hardening; the PostgreSQL template
# tracker-pg@.service is verified as an instance (tracker-pg@8081.service). Skipped without systemd-analyze.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
[[ -f $BUILDDIR/systemd/tracker.service ]] || skip "units not configured in $BUILDDIR"
bin=$(readlink -f "$TRACKER_BIN")
mkdir "$TMP/units"
for f in "$BUILDDIR"/systemd/*.service; do
	# verify checks that ExecStart binaries exist: point them at the built one
	sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/tracker |\1$bin |" "$f" >"$TMP/units/${f##*/}"
done
cp "$SRCDIR/contrib/systemd/tracker-remind.timer" "$TMP/units/"
cd "$TMP/units"
[[ -f tracker-pg@.service ]] || fail "tracker-pg@.service not configured in $BUILDDIR/systemd"
cp tracker-pg@.service tracker-pg@8081.service
if ! systemd-analyze verify ./tracker.service ./tracker-remind.service ./tracker-remind.timer \
	./tracker-pg@8081.service >"$TMP/out" 2>&1; then
	if grep -qiE 'System has not been booted|Failed to (connect|initialize)' "$TMP/out"; then
		skip "systemd-analyze cannot run here: $(head -1 "$TMP/out")"
	fi
	fail "systemd-analyze verify: $(cat "$TMP/out")"
fi
assert_file_no_match "$TMP/out" 'tracker' "systemd-analyze warnings"
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes StateDirectory=tracker \
	ConfigurationDirectory=tracker DynamicUser=yes 'CapabilityBoundingSet=$' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service \
	'Environment=TRACKER_DB=/var/lib/tracker/tracker.db'; do
	assert_file_match tracker.service "^$key" "tracker.service"
	assert_file_match tracker-remind.service "^$key" "tracker-remind.service"
done
assert_file_match tracker.service '^ExecReload=/bin/kill -HUP \$MAINPID' "reload"
assert_file_match tracker.service '^ExecStart=.* serve --http$' "ExecStart"
assert_file_match tracker-remind.service '^Type=oneshot' "oneshot"
assert_file_match tracker-remind.timer '^OnCalendar=\*:0/15' "timer"

# The PostgreSQL instances: the same hardening, a static user (the secret and pgpass files are the
# service's on every host), no TRACKER_DB (it would override [store] url), a port per instance.
pg=tracker-pg@.service
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes 'CapabilityBoundingSet=$' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service User=tracker \
	'After=.*postgresql\.service' 'Restart=on-failure' 'KillSignal=SIGTERM'; do
	assert_file_match "$pg" "^$key" "$pg"
done
assert_file_no_match "$pg" '^Environment=TRACKER_DB' "$pg"
assert_file_no_match "$pg" '^DynamicUser=yes' "$pg"
assert_file_match "$pg" '^ExecStartPre=.* db init$' "$pg: migrations before serving"
assert_file_match "$pg" '^ExecStart=.* serve --listen 127\.0\.0\.1:%i$' "$pg: ExecStart"
# The instance's ports are the ones the shipped nginx upstream names.
for port in 8081 8082; do
	assert_file_match "$SRCDIR/contrib/nginx/tracker.conf" "^ *server 127\.0\.0\.1:$port " "tracker.conf upstream $port"
done
echo "t0750: ok"
