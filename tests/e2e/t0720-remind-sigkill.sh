#!/usr/bin/env bash
# t0720 — fault injection: `tracker remind` is killed with SIGKILL at a random point (from half a
# dry run's time to three dry runs later: through planning and well into the dispatch of ~60
# digests) 20 times. Each pass is one day
# after the last, so it has a fresh set of daily P0 digests to plan and send, and the killed pass's
# 5-minute leases have expired; then one pass runs to the end. Every queued digest arrives at least
# once, every copy of a digest carries the Message-ID / webhook-id derived from its row's key (so
# receivers can drop repeats), and nothing is left dead or stuck.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command remind outbox

N=${N:-60}
start_smtp
start_server hook "$PY" "$SRCDIR/tests/servers/webhook_receiver.py" --dir "$TMP/hook"
HOOK_PORT=$PORT
{
	smtp_config
	webhook_config team "$HOOK_PORT"
	cat <<EOC
[reminders]
business_days = mon,tue,wed,thu,fri,sat,sun
# 20 kills: on a loaded machine the same early rows can be claimed and killed in more than the default
# 8 passes, and would then (rightly) be buried as dead; this test is about nothing being lost.
max_attempts = 30
EOC
} >"$TMP/config.ini"
rows=""
for i in $(seq 1 $N); do rows+="| $i | Action $i | @u$i | 2026-04-01 | P0 | Open |"$'\n'; done
write_postmortem "$TMP/pm.md" INC-2026-04-01-003 "$rows"
t import "$TMP/pm.md" >/dev/null
for i in $(seq 1 $N); do add_person "u$i" "u$i@example.org" UTC; done

# Calibrate the kill window to this build's speed (sanitizers are several times slower): a dry run
# costs start-up + loading + planning; a real pass adds the writes and ~60 sends.
t0=$(date +%s%N)
tc remind --dry-run --now 2026-04-19T09:00:00Z >/dev/null
D=$((($(date +%s%N) - t0) / 1000000))
LO=$((D / 2)) SPAN=$((D * 3 > 90 ? D * 3 : 90))
note "dry run ${D} ms: kills land ${LO}-$((LO + SPAN)) ms after the start"
start=$(date +%s)
base=$(date -u -d 2026-04-20T09:00:00Z +%s)
for i in $(seq 0 19); do
	now=$(date -u -d "@$((base + i * 86400))" +%Y-%m-%dT%H:%M:%SZ)
	# the binary itself in the background (not the tc function: $! would be a subshell)
	"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" remind --now "$now" >/dev/null 2>&1 &
	pid=$!
	ms=$((LO + RANDOM % SPAN))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
now=$(date -u -d "@$((base + 19 * 86400 + 3600))" +%Y-%m-%dT%H:%M:%SZ)
assert_rc 0 tc remind --now "$now"
note "after 20 kills: $(cat "$TMP/out")"
(($(date +%s) - start < 60)) || fail "the fault-injection loop took over a minute"

tc outbox list --format json >"$TMP/rows.json"
assert_eq sent "$(json_py '" ".join(sorted(set(r["state"] for r in d)))' <"$TMP/rows.json")" "every row sent"
mail_ids "$TMP/mail" >"$TMP/ids"
hook_ids "$TMP/hook" >"$TMP/hids"
"$PY" - "$TMP/rows.json" "$TMP/ids" "$TMP/hids" <<'EOP' || fail "delivery check"
import hashlib, json, sys
rows = json.load(open(sys.argv[1]))
mail = [l.split() for l in open(sys.argv[2])]
hooks = [l.split() for l in open(sys.argv[3])]
want_mail, want_hook = {}, {}
for r in rows:
    h = hashlib.sha256(r["idempotency_key"].encode()).hexdigest()[:32]
    if r["channel"] == "email":
        want_mail["<%s@example.org>" % h] = r["recipient"]
    else:
        want_hook["msg_" + h] = r["recipient"]
got_mail = {}
for rcpt, mid in mail:
    assert mid in want_mail, "a message with an unknown Message-ID: %s %s" % (rcpt, mid)
    assert want_mail[mid] == rcpt, "Message-ID %s went to %s, queued for %s" % (mid, rcpt, want_mail[mid])
    got_mail[mid] = got_mail.get(mid, 0) + 1
missing = set(want_mail) - set(got_mail)
assert not missing, "%d digests never arrived" % len(missing)
got_hook = {}
for status, hid, verified in hooks:
    assert hid in want_hook, "a webhook request with an unknown id " + hid
    got_hook[hid] = got_hook.get(hid, 0) + 1
assert not set(want_hook) - set(got_hook), "a webhook digest never arrived"
days = len(set(r["created_at"][:10] for r in rows))
print("# %d e-mail digests over %d days: %d messages (%d repeats after kills); %d webhook digests: %d requests"
      % (len(want_mail), days, len(mail), len(mail) - len(want_mail), len(want_hook), len(hooks)))
assert days >= 5, "too few passes got to plan: %d" % days
EOP
echo "t0720: ok"
