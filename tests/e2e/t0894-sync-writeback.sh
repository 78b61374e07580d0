#!/usr/bin/env bash
# t0894 — status back into git (issue 13, writeback = branch | push), real git over file://:
#   branch: `tracker writeback --source docs` makes ONE commit by the configured author on tracker/status,
#           on top of main, whose `git diff` is exactly the patch written below (two Status cells and the
#           two Review checklist boxes); main is untouched; merging it and syncing records no event;
#   push:   the commit goes to main itself; a concurrent upstream commit pushed between the tracker's
#           sync and its push (a git wrapper on PATH makes the race) is rebased over: the tracker syncs
#           it, makes its commit again on the new head and pushes once more;
#   then the next sync records nothing (no new event), and a write-back with nothing to write says so;
#   `tracker serve` writes back after its sync (push mode).
. "$(dirname "$0")/lib.sh"
require_command sync
command -v git >/dev/null || skip "no git"
REALGIT=$(command -v git)

. "$(dirname "$0")/gitrepo_lib.sh"
git clone -q "$TMP/remote.git" "$TMP/other" 2>/dev/null
mkdir -p "$TMP/work/pm"
cat >"$TMP/work/pm/db.md" <<'EOM'
# Postmortem — database failover

**Incident ID**: INC-2026-04-01-001
**Date**: 2026-04-01
**Severity**: SEV-2

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Rotate the keys | @ann | 2026-06-01 | P0 | Open |
| 2 | Add a lag alert | @bob | 2026-06-02 | P1 | Open |
| 3 | Write the runbook | @ann | 2026-06-03 | P2 | Open |

## Review

- [ ] All P0 items completed
- [ ] All P1 items scheduled
EOM
G add -A && G commit -qm "database failover post-mortem" && G push -q origin main 2>/dev/null
cat >"$TMP/config.ini" <<EOC
[source docs]
repo = file://$TMP/remote.git
branch = main
paths = pm/*.md
writeback = branch
commit_author = Tracker Bot <bot@example.org>
EOC
tc() { "$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" "$@"; }
events() { dbq "SELECT count(*) FROM events"; }

assert_rc 0 tc sync docs
# Item 1 done (ticks "All P0 items completed"; the P1 line is already true: item 2 has a due date).
assert_rc 0 tc set 'INC-2026-04-01-001#1' status=done
assert_rc 0 tc set 'INC-2026-04-01-001#3' status=in_progress

# ---- branch mode ----
run tc writeback --source docs --dry-run
assert_eq 0 "$RC" "dry run: $(cat "$TMP/err")"
assert_file_match "$TMP/out" '^\+\| 1 \| Rotate the keys .*\| Done' "dry-run diff"
if G ls-remote --exit-code origin tracker/status >/dev/null; then fail "dry run pushed a branch"; fi

main_before=$(git -C "$TMP/remote.git" rev-parse main)
run tc writeback --source docs
assert_eq 0 "$RC" "writeback --source: $(cat "$TMP/err")"
assert_file_match "$TMP/out" '^docs: committed 4 changes in 1 document as [0-9a-f]{40} on refs/heads/tracker/status$' "report"
assert_eq "$main_before" "$(git -C "$TMP/remote.git" rev-parse main)" "main untouched in branch mode"
G fetch -q origin
assert_eq "$main_before" "$(G rev-parse origin/tracker/status^)" "tracker/status is one commit on main"
assert_eq "Tracker Bot <bot@example.org>" "$(G log -1 --format='%an <%ae>' origin/tracker/status)" "author"
assert_eq "Tracker Bot <bot@example.org>" "$(G log -1 --format='%cn <%ce>' origin/tracker/status)" "committer"
G log -1 --format=%B origin/tracker/status >"$TMP/msg"
assert_file_match "$TMP/msg" '^Tracker-Writeback: yes$' "trailer"
assert_file_match "$TMP/msg" '^pm/db.md:11: status of item 1: "Open" -> "Done"$' "message lists the edit"

# Exactly this diff, written by hand:
cat >"$TMP/expected.patch" <<'EOP'
diff --git a/pm/db.md b/pm/db.md
--- a/pm/db.md
+++ b/pm/db.md
@@ -8,11 +8,11 @@
 
 | ID | Action | Owner | Due Date | Priority | Status |
 |----|--------|-------|----------|----------|--------|
-| 1 | Rotate the keys | @ann | 2026-06-01 | P0 | Open |
+| 1 | Rotate the keys | @ann | 2026-06-01 | P0 | Done |
 | 2 | Add a lag alert | @bob | 2026-06-02 | P1 | Open |
-| 3 | Write the runbook | @ann | 2026-06-03 | P2 | Open |
+| 3 | Write the runbook | @ann | 2026-06-03 | P2 | In progress |
 
 ## Review
 
-- [ ] All P0 items completed
-- [ ] All P1 items scheduled
+- [x] All P0 items completed
+- [x] All P1 items scheduled
EOP
G diff --no-color origin/main origin/tracker/status | grep -v '^index ' >"$TMP/got.patch"
assert_same_file "$TMP/expected.patch" "$TMP/got.patch" "the write-back commit's diff"

# A second write-back with nothing new finds tracker/status already holding it: nothing is pushed (serve
# writes back after every poll; the merge request must not get a new commit each time).
status_before=$(git -C "$TMP/remote.git" rev-parse tracker/status)
run tc writeback --source docs
assert_eq 0 "$RC" "second write-back: $(cat "$TMP/err")"
assert_file_match "$TMP/out" "refs/heads/tracker/status already holds this write-back \($status_before\): nothing pushed" "already there"
assert_eq "$status_before" "$(git -C "$TMP/remote.git" rev-parse tracker/status)" "tracker/status unchanged"
# An item changed since: the branch is made again on main (forced), with both changes.
assert_rc 0 tc set 'INC-2026-04-01-001#3' status=open
assert_rc 0 tc writeback --source docs
G fetch -q origin
assert_eq "$main_before" "$(G rev-parse origin/tracker/status^)" "remade on main"
G diff --no-color origin/main origin/tracker/status | grep -c '^+|' >"$TMP/nplus"
assert_eq 1 "$(cat "$TMP/nplus")" "only item 1's row differs now (item 3 is back to what the document says)"
assert_rc 0 tc set 'INC-2026-04-01-001#3' status=in_progress
assert_rc 0 tc writeback --source docs
G fetch -q origin
G diff --no-color origin/main origin/tracker/status | grep -v '^index ' >"$TMP/got2.patch"
assert_same_file "$TMP/expected.patch" "$TMP/got2.patch" "the write-back commit's diff, made again"

# Merging the branch (as a merge request would) and syncing records no event: the documents now say
# what the tracker says.
G merge -q --ff-only origin/tracker/status && G push -q origin main 2>/dev/null
n=$(events)
assert_rc 0 tc sync docs
assert_eq "$n" "$(events)" "events after syncing the merged write-back"
run tc writeback --source docs
assert_eq 0 "$RC" "$(cat "$TMP/err")"
assert_file_match "$TMP/out" 'nothing to write' "nothing left to write"

# ---- push mode, with a race ----
sed -i 's/^writeback = branch$/writeback = push/' "$TMP/config.ini"
assert_rc 0 tc set 'INC-2026-04-01-001#2' status=blocked
# The other clone's commit lands between the tracker's sync and its push: a git wrapper first on PATH
# pushes it when the tracker runs `git push` the first time.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/git" <<EOW
#!/bin/sh
for a in "\$@"; do
	if [ "\$a" = push ] && [ ! -e "$TMP/raced" ]; then
		: >"$TMP/raced"
		# (tracker runs git without GIT_* variables: the identity is given here)
		(cd "$TMP/other" && "$REALGIT" fetch -q origin && "$REALGIT" reset -q --hard origin/main &&
			printf '# Notes\n\nnot a post-mortem\n' >pm/notes.md && "$REALGIT" add -A &&
			"$REALGIT" -c user.name=Bob -c user.email=bob@example.org commit -qm "concurrent upstream commit" &&
			"$REALGIT" push -q origin main) >"$TMP/race.log" 2>&1
		break
	fi
done
exec "$REALGIT" "\$@"
EOW
chmod +x "$TMP/bin/git"
run env PATH="$TMP/bin:$PATH" "$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" writeback --source docs
assert_eq 0 "$RC" "push mode: $(cat "$TMP/err")"
[[ -e $TMP/raced ]] || fail "the race was not made"
assert_file_match "$TMP/out" '^docs: pushed 1 change in 1 document as [0-9a-f]{40} on refs/heads/main \(made again on the new head' "rebased report"
G pull -q origin main 2>/dev/null
assert_eq "concurrent upstream commit" "$(G log -1 --format=%s HEAD^)" "our commit sits on the upstream one"
assert_eq "Tracker Bot <bot@example.org>" "$(G log -1 --format='%an <%ae>')" "push-mode author"
G diff --no-color HEAD^ HEAD | grep '^[-+]|' >"$TMP/push.diff"
printf '%s\n' '-| 2 | Add a lag alert | @bob | 2026-06-02 | P1 | Open |' \
	'+| 2 | Add a lag alert | @bob | 2026-06-02 | P1 | Blocked |' >"$TMP/push.expected"
assert_same_file "$TMP/push.expected" "$TMP/push.diff" "push-mode diff"
[[ -f $TMP/work/pm/notes.md ]] || fail "the upstream commit's file is gone"

# The next sync recognises the tracker's own commit: nothing recorded.
n=$(events)
assert_rc 0 tc sync docs
assert_eq "$n" "$(events)" "events after syncing the tracker's own commit"
run tc writeback --source docs
assert_file_match "$TMP/out" 'nothing to write' "nothing left to write after push"

# tracker serve writes back after its syncs (the first one at start): item 3 done is pushed to main.
assert_rc 0 tc set 'INC-2026-04-01-001#3' status=done
before=$(git -C "$TMP/remote.git" rev-parse main)
"$TRACKER_BIN" --db "$DB" --config "$TMP/config.ini" serve 2>"$TMP/serve.log" &
SERVE=$!
for _ in $(seq 100); do
	[[ $(git -C "$TMP/remote.git" rev-parse main) != "$before" ]] && break
	sleep 0.05
done
kill -TERM "$SERVE"
rc=0
wait "$SERVE" || rc=$?
SERVE=
assert_eq 0 "$rc" "serve exit status: $(tail -5 "$TMP/serve.log")"
[[ $(git -C "$TMP/remote.git" rev-parse main) != "$before" ]] || fail "serve did not write back: $(cat "$TMP/serve.log")"
assert_file_match "$TMP/serve.log" 'sync docs \(poll\): .*; wrote back 1 change as [0-9a-f]{12} on refs/heads/main' "serve log"
G pull -q origin main 2>/dev/null
assert_eq "$before" "$(G rev-parse HEAD^)" "serve's commit is on the previous head"
G diff --no-color HEAD^ HEAD | grep '^[-+]|' >"$TMP/serve.diff"
printf '%s\n' '-| 3 | Write the runbook | @ann | 2026-06-03 | P2 | In progress |' \
	'+| 3 | Write the runbook | @ann | 2026-06-03 | P2 | Done        |' >"$TMP/serve.expected"
assert_same_file "$TMP/serve.expected" "$TMP/serve.diff" "serve's write-back diff"

# A source with writeback off is refused, saying how to turn it on.
sed -i 's/^writeback = push$/writeback = off/' "$TMP/config.ini"
run tc writeback --source docs
assert_eq 3 "$RC" "writeback off"
assert_file_match "$TMP/err" 'writeback is off' "says it is off"
run tc writeback --source nope
assert_eq 3 "$RC" "unknown source"
echo "1 passed, 0 failed"
