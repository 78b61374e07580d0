#!/usr/bin/env bash
# t0880 — `tracker sync` over file:// with a real git repository the test commits to (issue 13):
# first sync, up to date, a merge (origin: the side commit's author and time, the merge's subject), a
# rename (same incident, a moved event), a deletion (items flagged removed), a broken document next to a
# good one (path:line and commit; the good one imported), bad input (binary .md, a 5 MiB document, a
# symlink out of the repository, a submodule, names with a newline and with non-UTF-8 bytes), an
# unreachable remote (exit 5, nothing changed), a force-push (whole tree synced, said), a push that
# changes no post-mortem (said), --dry-run (nothing written), and the wrong source name.
source "$(dirname "$0")/lib.sh"
require_command sync
command -v git >/dev/null || skip "git is not installed"

export GIT_AUTHOR_NAME="Alice Author" GIT_AUTHOR_EMAIL=alice@example.com
export GIT_COMMITTER_NAME="Alice Author" GIT_COMMITTER_EMAIL=alice@example.com
export GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
git config --global protocol.file.allow always
R=$TMP/repo
g() { git -C "$R" "$@"; }
git init -q "$R"
mkdir -p "$R/pm" "$R/other"

# doc FILE ID [ROW...]: a post-mortem with an action table; each ROW is "KEY|ACTION|OWNER|DUE|STATUS".
doc() {
	local f=$1 id=$2
	shift 2
	{
		printf '# Post-mortem %s\n\n**Incident ID:** %s\n**Date:** 2026-01-05\n\n## Action Items\n\n' "$id" "$id"
		printf '| ID | Action | Owner | Due | Status |\n|----|--------|-------|-----|--------|\n'
		local row
		for row in "$@"; do printf '| %s |\n' "${row//|/ | }"; done
	} >"$R/$f"
}

CONFIG=$TMP/sync.ini
cat >"$CONFIG" <<EOC
[sync]
dir = $TMP/mirrors
[source pm]
repo = file://$R
paths = pm/**/*.md
EOC
ts() { t --config "$CONFIG" sync "$@"; }

# --- no source configured, an unknown one ---
: >"$TMP/empty.ini"
assert_rc 3 t --config "$TMP/empty.ini" sync
assert_file_match "$TMP/err" 'no \[source NAME\] section'
assert_rc 3 ts pn
assert_file_match "$TMP/err" 'no \[source pn\] in the config; did you mean pm\?'

# --- first sync ---
doc pm/a.md INC-2026-01-05-1 "1|Add alerting|@alice|2026-02-01|open" "2|Fix backups|@bob|2026-02-15|open"
doc pm/b.md INC-2026-01-06-2 "1|Rotate keys|@carol|2026-03-01|open"
echo "not a post-mortem" >"$R/other/notes.md"
g add -A
GIT_AUTHOR_DATE="2026-01-07T10:00:00Z" GIT_COMMITTER_DATE="2026-01-07T10:00:00Z" g commit -qm "Add post-mortems"
C1=$(g rev-parse HEAD)
assert_rc 0 ts
assert_file_match "$TMP/out" "^INC-2026-01-05-1: 2 new, .*\(pm/a.md\)"
assert_file_match "$TMP/out" "^pm: tree at ${C1:0:12}: 2 documents imported \(3 items new"
assert_file_match "$TMP/out" "1 other path ignored"
assert_eq 3 "$(dbq "SELECT count(*) FROM items")" "items after the first sync"
assert_eq "git:pm:pm/a.md" "$(dbq "SELECT source FROM incidents WHERE id = 'INC-2026-01-05-1'")"
# every event has the commit's origin, its time and its author's address as actor
assert_eq "3|$C1|Alice Author <alice@example.com>|Add post-mortems|2026-01-07T10:00:00Z|alice@example.com|2026-01-07T10:00:00Z" \
	"$(dbq "SELECT count(*), o.commit_id, o.author, o.subject, o.committed_at, e.actor, e.at FROM events e
	        JOIN event_origins o ON o.id = e.origin GROUP BY o.commit_id, o.author, o.subject, o.committed_at, e.actor, e.at")"
assert_eq "$C1" "$(dbq "SELECT last_commit FROM sources WHERE name = 'pm'")"
assert_eq 1 "$(dbq "SELECT syncs FROM sources WHERE name = 'pm'")"

# --- nothing new ---
assert_rc 0 ts pm
assert_file_match "$TMP/out" "^pm: up to date at ${C1:0:12}: nothing new since the last sync"

# --- a merge: the change is owed to the side commit (Bob), the subject is the merge's ---
g checkout -q -b close-items
doc pm/a.md INC-2026-01-05-1 "1|Add alerting|@alice|2026-02-01|done" "2|Fix backups|@bob|2026-02-20|open"
GIT_AUTHOR_NAME="Bob Builder" GIT_AUTHOR_EMAIL=bob@example.com GIT_AUTHOR_DATE="2026-01-20T08:00:00Z" \
	GIT_COMMITTER_DATE="2026-01-20T09:00:00Z" \
	g commit -qam "Close alerting, slip backups"
SIDE=$(g rev-parse HEAD)
g checkout -q main
GIT_AUTHOR_DATE="2026-01-21T12:00:00Z" GIT_COMMITTER_DATE="2026-01-21T12:00:00Z" \
	g merge -q --no-ff -m "Merge pull request #7: close items" close-items
assert_rc 0 ts
assert_file_match "$TMP/out" "^INC-2026-01-05-1: 0 new, 2 updated"
assert_eq "done|bob@example.com|2026-01-20T09:00:00Z|$SIDE|Bob Builder <bob@example.com>|Merge pull request #7: close items" \
	"$(dbq "SELECT e.new, e.actor, e.at, o.commit_id, o.author, o.subject FROM events e JOIN event_origins o
	        ON o.id = e.origin WHERE e.field = 'status'")"
assert_eq "2026-01-20T09:00:00Z" "$(dbq "SELECT closed_at FROM items WHERE action = 'Add alerting'")" \
	"closed at the commit's time"
assert_eq "2026-02-15|2026-02-20" "$(dbq "SELECT old, new FROM events WHERE field = 'due'")"
assert_rc 0 t show "INC-2026-01-05-1#1"
assert_file_match "$TMP/out" "^  2026-01-20T09:00:00Z  import    changed    bob@example.com  status: open -> done  \[commit ${SIDE:0:12}: Merge pull request #7: close items\]$"

# --- a person with that e-mail: the actor is their handle ---
t people add bobby --email bob@example.com >/dev/null

# --- a rename: same incident, a moved event, no new items ---
mkdir -p "$R/pm/2026"
g mv pm/b.md pm/2026/b-renamed.md
GIT_AUTHOR_NAME="Bob Builder" GIT_AUTHOR_EMAIL=bob@example.com g commit -qm "File b under 2026"
assert_rc 0 ts
assert_file_match "$TMP/out" "^INC-2026-01-06-2: .*moved \(pm/2026/b-renamed.md\)"
assert_file_match "$TMP/out" "1 moved"
assert_eq "git:pm:pm/2026/b-renamed.md" "$(dbq "SELECT source FROM incidents WHERE id = 'INC-2026-01-06-2'")"
assert_eq 1 "$(dbq "SELECT count(*) FROM items WHERE incident_id = 'INC-2026-01-06-2'")" "the item was not duplicated"
assert_eq "moved|git:pm:pm/2026/b-renamed.md|bobby" "$(dbq "SELECT kind, new, actor FROM events WHERE kind = 'moved'")"
assert_eq 0 "$(dbq "SELECT count(*) FROM items WHERE removed_at IS NOT NULL")" "a rename removes nothing"

# --- a broken document next to a good one: the good one is imported, the broken one said ---
doc pm/bad.md INC-2026-01-08-3 "1|Impossible|@alice|2026-02-30|open"
doc pm/good.md INC-2026-01-09-4 "1|Good item|@alice|2026-04-01|open"
g add -A
g commit -qm "Two more"
C3=$(g rev-parse HEAD)
assert_rc 1 ts
assert_file_match "$TMP/err" "^pm/bad.md:10: error: .*2026-02-30.*\(commit ${C3:0:12}\)"
assert_file_match "$TMP/err" "^pm/bad.md: rejected: nothing imported from this file \(commit ${C3:0:12}\)"
assert_file_match "$TMP/out" "^INC-2026-01-09-4: 1 new"
assert_file_match "$TMP/out" "1 rejected"
assert_eq 1 "$(dbq "SELECT count(*) FROM items WHERE incident_id = 'INC-2026-01-09-4'")"
assert_eq 0 "$(dbq "SELECT count(*) FROM incidents WHERE id = 'INC-2026-01-08-3'")"
assert_eq "$C3" "$(dbq "SELECT last_commit FROM sources WHERE name = 'pm'")" "the sync itself succeeded"

# --- bad input, all in one commit with one good document ---
printf '# x\n\x00\x01binary\x00' >"$R/pm/blob.md"
"$PY" -c "import sys; sys.stdout.write('# Big\n\n' + ('x' * 100 + '\n') * 52000)" >"$R/pm/big.md"
ln -s /etc/passwd "$R/pm/passwd.md"
ln -s good.md "$R/pm/alias.md"
git init -q "$TMP/sub"
git -C "$TMP/sub" commit -q --allow-empty -m sub
g -c protocol.file.allow=always submodule --quiet add "file://$TMP/sub" pm/sub.md 2>/dev/null
doc "pm/new
line.md" INC-2026-01-10-5 "1|Newline|@alice|2026-04-01|open"
doc "pm/latin-$(printf '\xe9').md" INC-2026-01-11-6 "1|Latin1|@alice|2026-04-01|open"
doc pm/fine.md INC-2026-01-12-7 "1|Fine item|@alice|2026-04-01|open"
g add -A
g commit -qm "Hostile files"
C4=$(g rev-parse HEAD)
assert_rc 1 ts
assert_file_match "$TMP/err" "^pm/blob.md: refused: a binary file"
assert_file_match "$TMP/err" "^pm/big.md: refused: [0-9]+ bytes, over the 4194304-byte limit"
assert_file_match "$TMP/err" "^pm/passwd.md: refused: a symbolic link pointing outside the repository \(to /etc/passwd\)"
assert_file_match "$TMP/err" "^pm/alias.md: refused: a symbolic link \(to good.md\)"
assert_file_match "$TMP/err" "^pm/sub.md: ignored: a submodule"
assert_file_match "$TMP/err" '^pm/new\\nline.md: refused: the path is not valid UTF-8'
assert_file_match "$TMP/err" '^pm/latin-\\xe9.md: refused: the path is not valid UTF-8'
assert_file_match "$TMP/out" "^INC-2026-01-12-7: 1 new"
assert_eq 0 "$(dbq "SELECT count(*) FROM incidents WHERE id IN ('INC-2026-01-10-5', 'INC-2026-01-11-6')")"
assert_eq "$C4" "$(dbq "SELECT last_commit FROM sources WHERE name = 'pm'")"

# --- a deletion: the document's items flagged removed, kept ---
g rm -q pm/fine.md
g commit -qm "Drop fine"
assert_rc 0 ts
assert_file_match "$TMP/out" "^pm/fine.md: deleted from the repository: 1 item flagged removed"
assert_eq 1 "$(dbq "SELECT count(*) FROM items WHERE incident_id = 'INC-2026-01-12-7' AND removed_at IS NOT NULL")"

# --- a push that changes no post-mortem ---
echo more >>"$R/other/notes.md"
g commit -qam "Notes only"
assert_rc 0 ts
assert_file_match "$TMP/out" "^pm: [0-9a-f]{12}\.\.[0-9a-f]{12}: no post-mortem changed \(1 path looked at, 0 unchanged\)"

# --- --dry-run writes nothing ---
doc pm/dry.md INC-2026-01-13-8 "1|Dry item|@alice|2026-04-01|open"
g add -A
g commit -qm "Dry"
before=$(db_hash "$DB")
assert_rc 0 ts --dry-run
assert_file_match "$TMP/out" "^INC-2026-01-13-8: 1 new"
assert_file_match "$TMP/out" "dry run: nothing was written"
assert_eq "$before" "$(db_hash "$DB")" "--dry-run wrote nothing"

# --- an unreachable remote: exit 5, nothing changed but the failure noted ---
cat >"$TMP/gone.ini" <<EOC
[sync]
dir = $TMP/mirrors
[source pm]
repo = file://$TMP/no-such-repo
paths = pm/**/*.md
EOC
assert_rc 5 t --config "$TMP/gone.ini" sync
assert_file_match "$TMP/err" "^tracker: source pm: cannot fetch branch main of file://$TMP/no-such-repo: git fetch failed \(exit 128\): fatal: .*"
assert_eq 0 "$(dbq "SELECT count(*) FROM incidents WHERE id = 'INC-2026-01-13-8'")"
assert_eq 1 "$(dbq "SELECT failures FROM sources WHERE name = 'pm'")"
assert_match "cannot fetch" "$(dbq "SELECT last_error FROM sources WHERE name = 'pm'")"

# --- a force-push that drops the last synced commit: the whole tree is synced, and said ---
assert_rc 0 ts
LAST=$(g rev-parse HEAD)
g reset -q --hard "$C4"
doc pm/forced.md INC-2026-01-14-9 "1|Forced item|@alice|2026-04-01|open"
g add -A
g commit -qm "Rewritten history"
assert_rc 1 ts # the whole tree again: pm/bad.md and the hostile files are reported again
assert_file_match "$TMP/err" "the last synced commit ${LAST:0:12} is no longer on branch main \(force-push\?\): syncing the whole tree"
assert_file_match "$TMP/out" "^INC-2026-01-14-9: 1 new"
# the tree at the new head has fine.md again and no dry.md: both follow the tree
assert_file_match "$TMP/out" "^INC-2026-01-12-7: 0 new, 1 updated"
assert_file_match "$TMP/out" "^pm/dry.md: deleted from the repository: 1 item flagged removed"
assert_eq "" "$(dbq "SELECT removed_at FROM items WHERE incident_id = 'INC-2026-01-12-7'")" "fine.md's item restored"

# --- a force-push that empties the tree: not a silent mass removal ---
g checkout -q --orphan empty
g rm -q -r --cached . >/dev/null
g commit -q --allow-empty -m "Empty"
g branch -q -D main
g branch -q -m main
n_open=$(dbq "SELECT count(*) FROM items WHERE removed_at IS NULL")
assert_rc 0 ts
assert_file_match "$TMP/err" "NOT flagging their items removed"
assert_eq "$n_open" "$(dbq "SELECT count(*) FROM items WHERE removed_at IS NULL")" "nothing removed in bulk"
# once confirmed, they go
assert_rc 0 ts --full --prune
assert_eq 0 "$(dbq "SELECT count(*) FROM items WHERE removed_at IS NULL")" "--full --prune removed them"
assert_rc 2 ts --prune
