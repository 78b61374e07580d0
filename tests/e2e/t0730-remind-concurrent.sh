#!/usr/bin/env bash
# t0730 — four `tracker remind` passes started at once: the passes serialise on the write lock, so no
# digest is queued twice, and the leases keep any from being sent twice (checked by Message-ID on
# the server's stored messages).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remind_lib.sh"
require_command remind outbox

N=30
start_smtp
smtp_config >"$TMP/config.ini"
rows=""
for i in $(seq 1 $N); do rows+="| $i | Action $i | @u$i | 2026-04-01 | P$((i % 2)) | Open |"$'\n'; done
write_postmortem "$TMP/pm.md" INC-2026-04-01-004 "$rows"
t import "$TMP/pm.md" >/dev/null
for i in $(seq 1 $N); do add_person "u$i" "u$i@example.org" UTC; done

pids=()
for k in 1 2 3 4; do
	tc remind --now 2026-04-20T09:30:00Z >"$TMP/out.$k" 2>"$TMP/err.$k" &
	pids+=($!)
done
for k in 0 1 2 3; do
	wait "${pids[$k]}" || fail "pass $((k + 1)) failed: $(cat "$TMP/err.$((k + 1))")"
done
queued=$(cat "$TMP"/out.? | sed -n 's/^\([0-9]*\) new digests\{0,1\} queued.*/\1/p' | paste -sd+ | bc)
assert_eq $N "$queued" "digests queued by the four passes together"
assert_eq $N "$(tc outbox list --format json | json_len)" "outbox rows"
mail_ids "$TMP/mail" >"$TMP/ids"
assert_eq $N "$(wc -l <"$TMP/ids")" "messages stored"
assert_eq $N "$(cut -d' ' -f2 "$TMP/ids" | sort -u | wc -l)" "distinct Message-IDs"
echo "t0730: ok"
