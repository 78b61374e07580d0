#!/usr/bin/env bash
# t0893 — push webhooks (issue 13): `tracker serve` with a [source docs] over file://, real git. The test
# commits and pushes, sends a GitHub-format delivery (X-Hub-Signature-256 computed here with openssl) and
# a GitLab-format one (X-Gitlab-Token), and sees the new items in the JSON API within 2 s; a Gitea-format
# delivery is checked too. Refused: a wrong signature and an unsigned request (401, no detail), a replay
# (409), a signed request without a delivery id or with a body that is not JSON (400); ignored (200): a
# push to another branch, a tag, a ping; 404 for an unknown source, 405 for GET; /metrics counts them and
# names the last synced commit.
. "$(dirname "$0")/lib.sh"
require_command serve
require_command sync
command -v git >/dev/null || skip "no git"
command -v curl >/dev/null || skip "no curl"
command -v openssl >/dev/null || skip "no openssl"

. "$(dirname "$0")/gitrepo_lib.sh"

postmortem() { # FILE ID ACTION
	mkdir -p "$(dirname "$1")"
	cat >"$1" <<EOM
# Postmortem — $2

**Incident ID**: $2
**Date**: 2026-04-01
**Severity**: SEV-2

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | $3 | @ann | 2026-06-01 | P1 | Open |
EOM
}
postmortem "$TMP/work/pm/first.md" INC-2026-04-01-001 "Rotate the keys"
G add -A && G commit -qm "first post-mortem" && G push -q origin main 2>/dev/null

SECRET="s3cret-$$-hook"
printf '%s\n' "$SECRET" >"$TMP/hook.secret"
chmod 600 "$TMP/hook.secret"
cat >"$TMP/config.ini" <<EOC
[source docs]
repo = file://$TMP/remote.git
branch = main
paths = pm/**/*.md
interval = 1h
webhook_secret_file = $TMP/hook.secret
EOC
t db init >/dev/null
TOKEN=$(t token create --name reader 2>/dev/null)

"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" serve --listen 127.0.0.1:0 2>"$TMP/serve.log" &
SERVE=$!
for _ in $(seq 100); do grep -q 'http: listening on' "$TMP/serve.log" && break; sleep 0.05; done
addr=$(sed -n 's/^tracker serve: http: listening on \(.*\)$/\1/p' "$TMP/serve.log" | head -1)
[[ -n $addr ]] || fail "serve did not report its HTTP address: $(cat "$TMP/serve.log")"
U=http://$addr
HOOK=$U/hooks/git/docs

metric() { curl -s "$U/metrics" | awk -v m="$1" 'index($0, m) == 1 {print $NF}'; }
# The first sync at start (the polling fallback catches up) imports the first post-mortem.
for _ in $(seq 100); do [[ $(metric 'tracker_sync_runs_total{source="docs"}') == 1 ]] && break; sleep 0.05; done
assert_eq 1 "$(metric 'tracker_sync_runs_total{source="docs"}')" "first sync at start: $(cat "$TMP/serve.log")"

items() { curl -s -H "Authorization: Bearer $TOKEN" "$U/api/v1/items"; }
# Waits up to 2 s for the API to list an item of incident $1.
wait_item() {
	local start end
	start=$(date +%s%N)
	for _ in $(seq 200); do
		items | grep -q "\"$1\"" && break
		sleep 0.01
	done
	end=$(date +%s%N)
	items | grep -q "\"$1\"" || fail "$1 not in the API after the delivery: $(items) $(tail -5 "$TMP/serve.log")"
	local ms=$(((end - start) / 1000000))
	((ms <= 2000)) || fail "$1 took $ms ms to appear (over 2 s)"
	note "$1 in the API $ms ms after the delivery was accepted"
}
items | grep -q '"INC-2026-04-01-001"' || fail "the first post-mortem was not imported: $(items)"

hmac() { printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1; }
# post NAME URL BODY HEADER... — sets CODE; the response body in $TMP/NAME.b
post() {
	local name=$1 url=$2 body=$3
	shift 3
	local args=()
	for h in "$@"; do args+=(-H "$h"); done
	CODE=$(curl -s -o "$TMP/$name.b" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		"${args[@]}" --data-binary "$body" "$url")
}

# ---- GitHub: a push to main ----
postmortem "$TMP/work/pm/second.md" INC-2026-04-02-001 "Add an alert"
G add -A && G commit -qm "second post-mortem" && G push -q origin main 2>/dev/null
head=$(G rev-parse HEAD)
body="{\"ref\":\"refs/heads/main\",\"before\":\"0000000000000000000000000000000000000001\",\"after\":\"$head\",\"repository\":{\"full_name\":\"org/docs\"}}"
sig=$(hmac "$SECRET" "$body")
post gh1 "$HOOK" "$body" "X-GitHub-Event: push" "X-GitHub-Delivery: gh-$$-1" "X-Hub-Signature-256: sha256=$sig"
assert_eq 202 "$CODE" "GitHub delivery: $(cat "$TMP/gh1.b")"
assert_file_match "$TMP/gh1.b" '"status":"accepted"' "accepted body"
wait_item INC-2026-04-02-001

# A replay of the same delivery (same id, same valid signature): refused.
post replay "$HOOK" "$body" "X-GitHub-Event: push" "X-GitHub-Delivery: gh-$$-1" "X-Hub-Signature-256: sha256=$sig"
assert_eq 409 "$CODE" "replay: $(cat "$TMP/replay.b")"
assert_file_match "$TMP/replay.b" 'already received' "replay body"

# A wrong signature (signed with another secret; or the body changed after signing) and none at all: 401,
# and the body says nothing of why.
post bad1 "$HOOK" "$body" "X-GitHub-Delivery: gh-$$-2" "X-Hub-Signature-256: sha256=$(hmac "not-$SECRET" "$body")"
assert_eq 401 "$CODE" "wrong secret"
post bad2 "$HOOK" "${body/org/evil}" "X-GitHub-Delivery: gh-$$-3" "X-Hub-Signature-256: sha256=$sig"
assert_eq 401 "$CODE" "changed body"
post bad3 "$HOOK" "$body" "X-GitHub-Delivery: gh-$$-4"
assert_eq 401 "$CODE" "unsigned"
post bad4 "$HOOK" "$body" "X-Gitlab-Token: not-$SECRET" "X-Gitlab-Event-UUID: gl-$$-x"
assert_eq 401 "$CODE" "wrong GitLab token"
for f in bad1 bad2 bad3 bad4; do
	assert_eq '{"error":"signature missing or wrong"}' "$(cat "$TMP/$f.b")" "401 body of $f"
done
assert_file_match "$TMP/serve.log" 'hooks docs: delivery refused: X-Hub-Signature-256 does not match' "log says why"
if grep -q -- "$SECRET" "$TMP/serve.log"; then fail "the secret is in the log"; fi

# Signed, but no delivery id; signed, but not JSON: 400 saying so.
post noid "$HOOK" "$body" "X-Hub-Signature-256: sha256=$sig"
assert_eq 400 "$CODE" "no delivery id"
assert_file_match "$TMP/noid.b" 'X-GitHub-Delivery' "names the header"
post notjson "$HOOK" "ref=main" "X-GitHub-Event: push" "X-GitHub-Delivery: gh-$$-5" \
	"X-Hub-Signature-256: sha256=$(hmac "$SECRET" "ref=main")"
assert_eq 400 "$CODE" "not JSON"
assert_file_match "$TMP/notjson.b" 'not JSON' "says not JSON"

# ---- ignored: another branch, a tag, a ping ----
other="{\"ref\":\"refs/heads/feature\",\"after\":\"$head\"}"
post other "$HOOK" "$other" "X-GitHub-Event: push" "X-GitHub-Delivery: gh-$$-6" "X-Hub-Signature-256: sha256=$(hmac "$SECRET" "$other")"
assert_eq 200 "$CODE" "other branch"
assert_file_match "$TMP/other.b" '"status":"ignored".*refs/heads/feature.*follows refs/heads/main' "other branch body"
tag="{\"ref\":\"refs/tags/main\",\"after\":\"$head\"}"
post tag "$HOOK" "$tag" "X-GitHub-Event: push" "X-GitHub-Delivery: gh-$$-7" "X-Hub-Signature-256: sha256=$(hmac "$SECRET" "$tag")"
assert_eq 200 "$CODE" "tag"
ping='{"zen":"Design for failure.","hook_id":1}'
post ping "$HOOK" "$ping" "X-GitHub-Event: ping" "X-GitHub-Delivery: gh-$$-8" "X-Hub-Signature-256: sha256=$(hmac "$SECRET" "$ping")"
assert_eq 200 "$CODE" "ping"
assert_file_match "$TMP/ping.b" 'not a push event \(ping\)' "ping body"

# ---- GitLab: a push to main ----
postmortem "$TMP/work/pm/third.md" INC-2026-04-03-001 "Write a runbook"
G add -A && G commit -qm "third post-mortem" && G push -q origin main 2>/dev/null
head=$(G rev-parse HEAD)
glbody="{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\",\"checkout_sha\":\"$head\",\"after\":\"$head\",\"project\":{\"path_with_namespace\":\"org/docs\"}}"
post gl1 "$HOOK" "$glbody" "X-Gitlab-Event: Push Hook" "X-Gitlab-Event-UUID: gl-$$-1" "X-Gitlab-Token: $SECRET"
assert_eq 202 "$CODE" "GitLab delivery: $(cat "$TMP/gl1.b")"
wait_item INC-2026-04-03-001

# ---- Gitea/Forgejo: a push to main ----
postmortem "$TMP/work/pm/sub/fourth.md" INC-2026-04-04-001 "Add a dashboard"
G add -A && G commit -qm "fourth post-mortem" && G push -q origin main 2>/dev/null
head=$(G rev-parse HEAD)
gtbody="{\"ref\":\"refs/heads/main\",\"after\":\"$head\"}"
post gt1 "$HOOK" "$gtbody" "X-Gitea-Event: push" "X-Gitea-Delivery: gt-$$-1" "X-Gitea-Signature: $(hmac "$SECRET" "$gtbody")"
assert_eq 202 "$CODE" "Gitea delivery: $(cat "$TMP/gt1.b")"
wait_item INC-2026-04-04-001

# ---- unknown source, wrong method, too large ----
post unknown "$U/hooks/git/nope" "$body" "X-Hub-Signature-256: sha256=$sig"
assert_eq 404 "$CODE" "unknown source"
assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' "$HOOK")" "GET"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$TMP/big"
assert_eq 413 "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$TMP/big" "$HOOK")" "over 1 MiB"

# ---- /metrics ----
for _ in $(seq 100); do [[ $(metric 'tracker_sync_runs_total{source="docs"}') == 4 ]] && break; sleep 0.05; done
assert_eq 4 "$(metric 'tracker_sync_runs_total{source="docs"}')" "syncs: start + 3 pushes"
assert_eq 0 "$(metric 'tracker_sync_failures_total{source="docs"}')" "no failed sync"
assert_eq 1 "$(metric "tracker_sync_last_commit_info{source=\"docs\",commit=\"$head\"}")" "last synced commit"
assert_eq 3 "$(metric 'tracker_sync_deliveries_total{source="docs",result="accepted"}')" "accepted"
assert_eq 1 "$(metric 'tracker_sync_deliveries_total{source="docs",result="replay"}')" "replays"
assert_eq 3 "$(metric 'tracker_sync_deliveries_total{source="docs",result="bad_signature"}')" "bad signatures"
assert_eq 1 "$(metric 'tracker_sync_deliveries_total{source="docs",result="unsigned"}')" "unsigned"
assert_eq 3 "$(metric 'tracker_sync_deliveries_total{source="docs",result="ignored"}')" "ignored"
assert_eq 2 "$(metric 'tracker_sync_deliveries_total{source="docs",result="bad_request"}')" "bad requests"

kill -TERM "$SERVE"
rc=0
wait "$SERVE" || rc=$?
SERVE=
assert_eq 0 "$rc" "serve exit status: $(tail -5 "$TMP/serve.log")"
echo "1 passed, 0 failed"
