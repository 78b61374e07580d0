#!/usr/bin/env bash
# t1330 — `tracker sync --history` (issue 13): a real git repository, made here with `git`, each commit
# at its own date (GIT_AUTHOR_DATE / GIT_COMMITTER_DATE), whose history adds a post-mortem, slips a due
# date, marks items done (one before its due date, one after), renames the file, adds a second
# post-mortem on a feature branch merged into main, and deletes a third one. After `sync --history`,
# `stats --format json` shows the on-time rate, times to close and slips that history implies — the
# figures are worked out by hand below — items carry their commit's times and authors, the rename is
# one incident, the deletion removed its items at its commit. A second run changes nothing (the number
# of events, and the whole database, stay the same); a plain import of another document with the same
# incident is refused by --history; a broken version is reported with path:line and commit id.
. "$(dirname "$0")/lib.sh"
require_command sync
command -v git >/dev/null || skip "git is not installed"

REPO=$TMP/repo
git init -q -b main "$REPO"
g() { git -C "$REPO" "$@"; }
g config user.name "Alice Doe"
g config user.email alice@example.com
g config commit.gpgsign false

# commit DATE AUTHOR MESSAGE: commits what is staged, author and committer date both DATE.
commit() {
	GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 GIT_AUTHOR_NAME=$2 GIT_AUTHOR_EMAIL="${2,,}@example.com" \
		GIT_COMMITTER_NAME=$2 GIT_COMMITTER_EMAIL="${2,,}@example.com" g commit -q -m "$3"
}

# pm STATUS1 DUE2 STATUS2 STATUS3: the post-mortem of INC-2026-01-05-001 with its three items.
pm() {
	cat <<EOF
# Post-mortem: database outage

**Incident ID:** INC-2026-01-05-001
**Date:** 2026-01-05

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Add the replication lag alert | @bob | 2026-01-20 | P1 | $1 |
| 2 | Write the failover runbook | @carol | $2 | P1 | $3 |
| 3 | Fix the backup cron job | @dave | 2026-01-15 | P2 | $4 |
EOF
}

mkdir -p "$REPO/postmortems" "$REPO/notes"
echo "# Notes (not tracked)" >"$REPO/notes/readme.txt"
g add notes
commit 2026-01-02T09:00:00Z Alice "Start the repository"

# T0 2026-01-10 12:00: the post-mortem, three open items
pm Open 2026-01-25 Open Open >"$REPO/postmortems/db.md"
g add postmortems
commit 2026-01-10T12:00:00Z Alice "Add the database outage post-mortem"

# T1 2026-01-14 08:00: item 2's due date slips 01-25 → 02-05, item 3's 01-15 → 01-17
pm Open 2026-02-05 Open Open >"$REPO/postmortems/db.md"
sed -i 's/| 2026-01-15 | P2 |/| 2026-01-17 | P2 |/' "$REPO/postmortems/db.md"
g add -A
commit 2026-01-14T08:00:00Z Bob "Slip the runbook and the cron fix"

# T2 2026-01-19 15:30: items 1 (due 01-20: on time) and 3 (due 01-17: late) done
pm Done 2026-02-05 Open Done >"$REPO/postmortems/db.md"
sed -i 's/| 2026-01-15 | P2 |/| 2026-01-17 | P2 |/' "$REPO/postmortems/db.md"
g add -A
commit 2026-01-19T15:30:00Z Carol "Alert and cron fix are done"

# A third document that will be deleted, added and removed on main.
cat >"$REPO/postmortems/dns.md" <<'EOF'
# Post-mortem: DNS

**Incident ID:** INC-2026-01-12-002
**Date:** 2026-01-12

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Lower the TTL | @erin | 2026-01-30 | P2 | Open |
EOF
g add -A
commit 2026-01-20T10:00:00Z Erin "Add the DNS post-mortem"

# Hostile entries: a symlink named .md pointing outside the repository, a file name with a newline.
ln -s /etc/passwd "$REPO/postmortems/link.md"
printf '# x\n' >"$REPO/postmortems/bad
name.md"
g add -A
commit 2026-01-21T10:00:00Z Mallory "Hostile entries"

# T3 2026-01-24 09:00: the file is renamed (and its lineage kept); nothing else changes.
mkdir -p "$REPO/postmortems/2026"
g mv postmortems/db.md postmortems/2026/db-outage.md
commit 2026-01-24T09:00:00Z Alice "Move post-mortems into year folders"

# A broken version of the DNS post-mortem (a duplicate item key), fixed by the next commit.
sed -i 's/^| 1 | Lower the TTL.*$/&\n| 1 | Again | @erin | 2026-01-30 | P2 | Open |/' "$REPO/postmortems/dns.md"
g add -A
commit 2026-01-25T10:00:00Z Erin "Oops"
BROKEN=$(g rev-parse HEAD)
sed -i '/| 1 | Again |/d' "$REPO/postmortems/dns.md"
g add -A
commit 2026-01-25T11:00:00Z Erin "Fix the table"

# A feature branch: item 2 done there on 01-29, merged into main on T4 2026-02-01 06:00. The change
# counts from the merge (the branch's first-parent history): item 2 closed 02-01 (due 02-05: on time).
g checkout -q -b runbook
pm Done 2026-02-05 Done Done >"$REPO/postmortems/2026/db-outage.md"
sed -i 's/| 2026-01-15 | P2 |/| 2026-01-17 | P2 |/' "$REPO/postmortems/2026/db-outage.md"
g add -A
commit 2026-01-29T17:00:00Z Carol "Runbook written"
g checkout -q main
GIT_AUTHOR_DATE=2026-02-01T06:00:00Z GIT_COMMITTER_DATE=2026-02-01T06:00:00Z GIT_AUTHOR_NAME=Bob \
	GIT_AUTHOR_EMAIL=bob@example.com GIT_COMMITTER_NAME=Bob GIT_COMMITTER_EMAIL=bob@example.com \
	g merge -q --no-ff -m "Merge branch 'runbook'" runbook

# T5 2026-02-03 12:00: the DNS post-mortem is deleted.
g rm -q postmortems/dns.md
commit 2026-02-03T12:00:00Z Erin "Drop the DNS post-mortem (duplicate)"

mkdir -p "$XDG_CONFIG_HOME/tracker"
cat >"$XDG_CONFIG_HOME/tracker/config.ini" <<EOF
[source docs]
repo = $REPO
branch = main
paths = postmortems/**/*.md
EOF

# exit 1: a version was rejected (said below), everything else was replayed
assert_rc 1 t sync --history docs
cp "$TMP/out" "$TMP/first.out"
cp "$TMP/err" "$TMP/first.err"
# the broken version is reported with its path, line and commit, and the history went on
assert_file_match "$TMP/first.err" "postmortems/dns.md:[0-9]+: error: .*\(commit ${BROKEN:0:12}\)"
assert_file_match "$TMP/first.out" "docs: .*"
# refused and said, never imported
assert_file_match "$TMP/first.err" "postmortems/link.md: a symbolic link \(refused"
assert_file_match "$TMP/first.err" 'postmortems/bad\\nname.md: refused: the path is not valid UTF-8'
assert_eq "0" "$(dbq "SELECT count(*) FROM incidents WHERE source LIKE '%link%' OR source LIKE '%bad%'")" \
	"incidents of refused files"

# Items: created at the commit that added them, closed at the commit that marked them done.
assert_rc 0 t list --all --format json
json_py '[(i["incident"], i["key"], i["status"], i["created_at"], i["closed_at"], i["removed"]) for i in sorted(d, key=lambda i: (i["incident"], i["key"]))]' <"$TMP/out" >"$TMP/got"
cat >"$TMP/want" <<'EOF'
[('INC-2026-01-05-001', '1', 'done', '2026-01-10T12:00:00Z', '2026-01-19T15:30:00Z', False), ('INC-2026-01-05-001', '2', 'done', '2026-01-10T12:00:00Z', '2026-02-01T06:00:00Z', False), ('INC-2026-01-05-001', '3', 'done', '2026-01-10T12:00:00Z', '2026-01-19T15:30:00Z', False), ('INC-2026-01-12-002', '1', 'open', '2026-01-20T10:00:00Z', None, True)]
EOF
assert_same_file "$TMP/want" "$TMP/got" "items after sync --history"

# One incident for the renamed file, its source the new path; a `moved` event at the rename's commit.
assert_eq "2" "$(dbq "SELECT count(*) FROM incidents")" "incidents"
assert_eq "git:docs:postmortems/2026/db-outage.md" \
	"$(dbq "SELECT source FROM incidents WHERE id = 'INC-2026-01-05-001'")" "source of the renamed document"
assert_eq "2026-02-03T12:00:00Z|erin@example.com" \
	"$(dbq "SELECT removed_at, e.actor FROM items i JOIN events e ON e.item_id = i.id AND e.kind = 'removed'")" \
	"the DNS item removed at the commit that deleted its document"
assert_eq "2026-01-24T09:00:00Z|alice@example.com" \
	"$(dbq "SELECT at, actor FROM events WHERE kind = 'moved'")" "the moved event"
# events carry their commit: the slip was Bob's at T1, recorded from the commit that made it (the actor
# is the author's e-mail, or the handle of the person with that e-mail, as a plain sync says)
assert_eq "2026-01-14T08:00:00Z|bob@example.com|Bob <bob@example.com>|Slip the runbook and the cron fix" \
	"$(dbq "SELECT e.at, e.actor, o.author, o.subject FROM events e JOIN event_origins o ON o.id = e.origin
	        JOIN items i ON i.id = e.item_id WHERE e.field = 'due' AND i.key = '2'")" "the slip's event"
assert_eq "0" "$(dbq "SELECT count(*) FROM events WHERE origin IS NULL")" "events without their commit"

# stats on 2026-02-10, by hand:
#   counted: INC-…-001 items 1, 2, 3 (the DNS item was removed with its document): done 3, open 0;
#   on time: 1 closed 01-19 ≤ due 01-20 ✓; 2 closed 02-01 ≤ due 02-05 ✓; 3 closed 01-19 > due 01-17 ✗
#            → done_with_due 3, done_on_time 2, on_time_rate 2/3 (JSON: rounded to 4 places, 0.6667);
#   days to close from the incident date 2026-01-05 00:00Z: 1 and 3: 14 d 15 h 30 m = 14.6458 (JSON: 14.65);
#            2: 27 d 6 h = 27.25 → median (rank 2 of 3) 14.6458, p90 (rank 3) 27.25;
#   slipped: item 2 (01-25 → 02-05) and item 3 (01-15 → 01-17) = 2.
assert_rc 0 t stats --now 2026-02-10T00:00:00Z --format json
json_py '(d["total"]["open"], d["total"]["done"], d["total"]["done_with_due"], d["total"]["done_on_time"],
	round(d["total"]["on_time_rate"], 4), d["total"]["closed_timed"], round(d["total"]["median_days_to_close"], 2),
	round(d["total"]["p90_days_to_close"], 2), d["total"]["slipped"], d["total"]["done_close_unknown"])' \
	<"$TMP/out" >"$TMP/got"
assert_eq "(0, 3, 3, 2, $(/usr/bin/python3 -c 'print(round(2/3, 4))'), 3, $(/usr/bin/python3 -c 'print(round(14 + 15.5/24, 2))'), 27.25, 2, 0)" \
	"$(cat "$TMP/got")" "stats after sync --history"

# A second run changes nothing: no event, no row.
EVENTS=$(dbq "SELECT count(*) FROM events")
BEFORE=$(db_dump "$DB" | grep -v -e replayed_at -e synced_at | sha256sum)
assert_rc 0 t sync --history docs
assert_file_match "$TMP/out" "^docs: nothing new in the history"
assert_eq "$EVENTS" "$(dbq "SELECT count(*) FROM events")" "events after a second run"
assert_eq "$BEFORE" "$(db_dump "$DB" | grep -v -e replayed_at -e synced_at | sha256sum)" "database after a second run"

# A new commit after the replay: a third run replays only it.
pm Done 2026-02-05 Done Done >"$REPO/postmortems/2026/db-outage.md"
sed -i 's/| 2026-01-15 | P2 |/| 2026-01-17 | P2 |/; s/| 3 | Fix the backup cron job | @dave | 2026-01-17 | P2 | Done |/| 3 | Fix the backup cron job | @dave | 2026-01-17 | P2 | Open |/' \
	"$REPO/postmortems/2026/db-outage.md"
g add -A
commit 2026-02-08T10:00:00Z Dave "The cron job broke again"
assert_rc 0 t sync --history docs
assert_eq "$((EVENTS + 1))" "$(dbq "SELECT count(*) FROM events")" "events after a new commit"
assert_eq "open|" "$(dbq "SELECT status, coalesce(closed_at, '') FROM items WHERE key = '3'")" "item 3 reopened"

# An incident the tracker knows from a plain import is left alone by --history, and said so.
DB2=$(new_db other)
cat >"$TMP/dns.md" <<'EOF'
# Post-mortem: DNS

**Incident ID:** INC-2026-01-12-002
**Date:** 2026-01-12

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Lower the TTL | @erin | 2026-01-30 | P2 | Done |
EOF
assert_rc 0 "$TRACKER_BIN" --db "$DB2" import "$TMP/dns.md"
EV2=$(dbq --db "$DB2" "SELECT count(*) FROM events")
run "$TRACKER_BIN" --db "$DB2" sync --history docs
assert_file_match "$TMP/err" "INC-2026-01-12-002 not replayed: it is already tracked"
assert_eq "$EV2" "$(dbq --db "$DB2" "SELECT count(*) FROM events WHERE incident_id = 'INC-2026-01-12-002'")" \
	"events of the incident imported before"
assert_eq "1" "$(dbq --db "$DB2" "SELECT count(*) FROM incidents WHERE id = 'INC-2026-01-05-001'")" \
	"the other incident is replayed"

# An unknown source is an error that names it.
assert_rc 3 t sync --history nosuch
assert_file_match "$TMP/err" "nosuch"
echo "ok"
