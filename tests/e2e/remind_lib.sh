#!/usr/bin/env bash
# tests/e2e/remind_lib.sh — shared setup for the reminder tests (t07NN-*.sh); source after lib.sh.
#
# start_server NAME CMD...   starts a loopback server that prints its port; sets PORT; stopped on exit
# start_smtp [ARGS]          the loopback SMTP server (tests/servers/smtp_server.py; skips the test without
#                            python3-aiosmtpd) storing messages in $TMP/mail, with ARGS; sets SMTP_PORT
# smtp_config [FROM]         prints the [smtp] section for it (from FROM, by default tracker@example.org)
# webhook_config NAME PORT [LINE...]   prints a [webhook NAME] section for the loopback receiver on PORT
#                            (path /hook, allow_http = true, timeout = 5), then each LINE ("format = slack")
# stop_server NAME           kills it (and waits)
# write_postmortem FILE ID ROWS   a post-mortem whose action-items table holds ROWS (Markdown rows)
# add_person HANDLE EMAIL [TZ] [MANAGER]   a people row, written directly (dbq)
# mail_ids DIR...            "recipient message-id" per stored message, sorted
# hook_ids DIR...            "status webhook-id" per stored request, sorted

declare -A SERVER_PIDS=()
remind_cleanup() {
	local n
	for n in "${!SERVER_PIDS[@]}"; do kill "${SERVER_PIDS[$n]}" 2>/dev/null || true; done
}
trap 'remind_cleanup; e2e_cleanup' EXIT

start_server() {
	local name=$1
	shift
	: >"$TMP/$name.port"
	"$@" >"$TMP/$name.port" 2>"$TMP/$name.log" &
	SERVER_PIDS[$name]=$!
	local _
	for _ in $(seq 100); do [[ -s $TMP/$name.port ]] && break; sleep 0.1; done
	PORT=$(head -1 "$TMP/$name.port")
	[[ -n $PORT ]] || fail "$name did not start: $(cat "$TMP/$name.log")"
}

start_smtp() {
	"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd not installed"
	start_server smtp "$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$TMP/mail" "$@"
	SMTP_PORT=$PORT
}

smtp_config() { # [FROM]
	printf '[smtp]\nurl = smtp://127.0.0.1:%s\nfrom = %s\nstarttls = off\ntimeout = 5\n' "$SMTP_PORT" \
		"${1:-tracker@example.org}"
}

webhook_config() { # NAME PORT [LINE...]
	printf '[webhook %s]\nurl = http://127.0.0.1:%s/hook\nallow_http = true\ntimeout = 5\n' "$1" "$2"
	shift 2
	[[ $# -eq 0 ]] || printf '%s\n' "$@"
}

stop_server() {
	local pid=${SERVER_PIDS[$1]:-}
	[[ -n $pid ]] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "SERVER_PIDS[$1]"
}

write_postmortem() { # FILE ID ROWS
	cat >"$1" <<EOF
# Postmortem — test incident $2

**Incident ID**: $2
**Date**: 2026-04-01
**Severity**: SEV-2

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
$3
EOF
}

add_person() { # HANDLE EMAIL [TZ] [MANAGER]
	dbq "INSERT INTO people (handle, name, email, tz, manager, created_at, updated_at)
		VALUES ('$1', '$1 Person', '$2', NULLIF('${3:-}', ''), NULLIF('${4:-}', ''),
		'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
}

mail_ids() {
	"$PY" - "$@" <<'EOP'
import email, email.policy, glob, sys
for d in sys.argv[1:]:
    for f in sorted(glob.glob(d + "/msg-*.eml")):
        m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
        print(str(m["To"]).split("<")[-1].rstrip(">"), m["Message-ID"])
EOP
}

hook_ids() {
	"$PY" - "$@" <<'EOP'
import glob, json, sys
for d in sys.argv[1:]:
    for f in sorted(glob.glob(d + "/req-*.json")):
        r = json.load(open(f))
        print(r["status"], r["headers"].get("webhook-id"), "verified" if r["verified"] else "unverified")
EOP
}

# The tracker with the test database and configuration.
tc() { "$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" "$@"; }
