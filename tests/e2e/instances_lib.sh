#!/usr/bin/env bash
# tests/e2e/instances_lib.sh — several `tracker serve` instances on one PostgreSQL database, for the
# fault tests t09NN (source after lib.sh and remind_lib.sh). Skips unless $TRACKER_TEST_PG is set.
#
# instances_setup ITEMS PEOPLE   ITEMS overdue P0/P1 items owned round-robin by PEOPLE people
#                                (u1..uN <uN@example.org>, UTC), in one post-mortem
# instances_config EXTRA         writes $TMP/config.ini (SMTP on $SMTP_PORT, webhook on $HOOK_PORT,
#                                every day a business day, send_at 00:00, no escalation) + EXTRA lines
# start_instance NAME [ARGS]     `tracker serve ARGS` with [server] instance = NAME, log $TMP/NAME.log
# kill_instance NAME SIGNAL      kill -SIGNAL it and wait
# wait_for SECONDS WHAT CMD...   polls CMD every 0.1 s until it succeeds; fails naming WHAT after SECONDS
# nmail                          messages the SMTP server stored so far
# check_delivery KILLED_ROWS     every outbox row sent, every digest arrived with its row's ids, every
#                                item of every row inside its message; prints the repeats and fails
#                                if a row other than those in the file KILLED_ROWS (ids, one a line)
#                                arrived twice
[[ -n ${TRACKER_TEST_PG:-} ]] ||
	skip "needs PostgreSQL: several tracker serve instances share one database (set TRACKER_TEST_PG, see docs/testing.md)"

declare -A INST_PIDS=()
instances_cleanup() {
	local n
	for n in "${!INST_PIDS[@]}"; do kill -KILL "${INST_PIDS[$n]}" 2>/dev/null || true; done
	for n in "${!INST_PIDS[@]}"; do wait "${INST_PIDS[$n]}" 2>/dev/null || true; done
}
trap 'instances_cleanup; remind_cleanup; e2e_cleanup' EXIT

instances_setup() { # ITEMS PEOPLE
	local items=$1 people=$2 rows="" i
	for i in $(seq 1 "$items"); do
		rows+="| $i | Action $i | @u$(((i - 1) % people + 1)) | 2026-0$((1 + i % 3))-1$((i % 10)) | P$((i % 2)) | Open |"$'\n'
	done
	write_postmortem "$TMP/pm.md" INC-2026-01-01-009 "$rows"
	t import "$TMP/pm.md" >/dev/null
	local values=""
	for i in $(seq 1 "$people"); do
		values+="${values:+,}('u$i', 'u$i Person', 'u$i@example.org', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
	done
	dbq "INSERT INTO people (handle, name, email, tz, created_at, updated_at) VALUES $values"
}

instances_config() { # EXTRA
	{
		smtp_config
		webhook_config team "$HOOK_PORT"
		cat <<EOC
[reminders]
send_at = 00:00
business_days = mon,tue,wed,thu,fri,sat,sun
escalate_after = off
$1
EOC
	} >"$TMP/config.ini"
}

start_instance() { # NAME [ARGS]
	local name=$1
	shift
	{
		cat "$TMP/config.ini"
		printf '[server]\ninstance = %s\n' "$name"
	} >"$TMP/config-$name.ini"
	"$TRACKER_BIN" --db "$DB" --config "$TMP/config-$name.ini" serve "$@" 2>>"$TMP/$name.log" &
	INST_PIDS[$name]=$!
}

kill_instance() { # NAME SIGNAL
	kill "-$2" "${INST_PIDS[$1]}" 2>/dev/null || true
	wait "${INST_PIDS[$1]}" 2>/dev/null || true
	unset "INST_PIDS[$1]"
}

wait_for() { # SECONDS WHAT CMD...
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what: not within $secs s"
}

nmail() { find "$TMP/mail" -name 'msg-*.eml' 2>/dev/null | wc -l; }

# Every row sent: the SQL count of rows not sent is 0.
all_sent() { [[ $(dbq "SELECT count(*) FROM outbox WHERE state <> 'sent'") == 0 ]]; }

check_delivery() { # KILLED_ROWS
	tc outbox list --format json >"$TMP/rows.json"
	"$PY" - "$TMP/rows.json" "$TMP/mail" "$TMP/hook" "$1" <<'EOP'
import email, email.policy, glob, hashlib, json, re, sys
rows = json.load(open(sys.argv[1]))
killed = set(int(l) for l in open(sys.argv[4]) if l.strip())
bad = [r for r in rows if r["state"] != "sent"]
assert not bad, "%d rows not sent: %s" % (len(bad), [(r["id"], r["state"]) for r in bad][:5])
by_id = {}
for r in rows:
    h = hashlib.sha256(r["idempotency_key"].encode()).hexdigest()[:32]
    if r["channel"] == "email":
        by_id["<%s@example.org>" % h] = r
    else:
        by_id["msg_" + h] = r
# every copy of a row carries the row's items ("Action N" in the text), counted against its "items"
copies, got_items = {}, {}
for f in sorted(glob.glob(sys.argv[2] + "/msg-*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    mid = m["Message-ID"]
    assert mid in by_id, "a message with an unknown Message-ID %s (%s)" % (mid, f)
    r = by_id[mid]
    rcpt = str(m["To"]).split("<")[-1].rstrip(">")
    assert rcpt == r["recipient"], "Message-ID %s went to %s, queued for %s" % (mid, rcpt, r["recipient"])
    copies[mid] = copies.get(mid, 0) + 1
    body = m.get_body(preferencelist=("plain",)).get_content()
    got_items.setdefault(mid, set()).update(re.findall(r"Action (\d+)\b", body))
for f in sorted(glob.glob(sys.argv[3] + "/req-*.json")):
    q = json.load(open(f))
    hid = q["headers"].get("webhook-id")
    assert hid in by_id, "a webhook request with an unknown id %s" % hid
    copies[hid] = copies.get(hid, 0) + 1
    got_items.setdefault(hid, set()).update(re.findall(r"Action (\d+)\b", q.get("body", "")))
missing = [k for k in by_id if k not in copies]
assert not missing, "%d digests never arrived, e.g. row #%d" % (len(missing), by_id[missing[0]]["id"])
for k, r in by_id.items():
    assert len(got_items.get(k, ())) == r["items"], "row #%d carries %d items, %d arrived" % (
        r["id"], r["items"], len(got_items.get(k, ())))
# no item reminded twice to one recipient under two ids (a digest planned twice, e.g. by two passes)
seen = {}
for k, items in got_items.items():
    r = by_id[k]
    for it in items:
        other = seen.setdefault((r["channel"], r["recipient"], r["created_at"][:10], it), k)
        assert other == k, "item %s reached %s in two digests (rows #%d and #%d)" % (
            it, r["recipient"], by_id[other]["id"], r["id"])
repeats = {k: n - 1 for k, n in copies.items() if n > 1}
for k in repeats:
    r = by_id[k]
    assert r["id"] in killed, "row #%d (%s) arrived %d times but was not in flight at a kill" % (
        r["id"], r["recipient"], copies[k])
reminders = sum(r["items"] for r in rows if r["channel"] == "email")
print("# %d rows (%d e-mail digests with %d reminders, %d webhook digests): all arrived; "
      "%d duplicate copies, all of rows in flight at the kill, each with its row's id" % (
          len(rows), sum(1 for r in rows if r["channel"] == "email"), reminders,
          sum(1 for r in rows if r["channel"] != "email"), sum(repeats.values())))
print("DUPLICATES=%d" % sum(repeats.values()))
EOP
}
