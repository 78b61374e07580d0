#!/usr/bin/env bash
# t0105 — items without a written key (a bullet list; a table without an ID column) keep their
# identity across edits of the document (issue 9, §6): insert at the top, delete in the middle,
# reorder, and edit one word. A status set in the tracker must stay on the same item every time, and
# the keys people have seen (INC-…#2) must keep naming the same action.
. "$(dirname "$0")/lib.sh"
require_command import list set

DOCF=$TMP/pm.md
doc() { # BULLETS…
	{
		printf '# Post-Mortem: Keys that follow the text\n\n**Incident ID:** INC-2026-04-02-001\n'
		printf '**Date:** 2026-04-02\n\n## Follow-ups\n\n'
		for b in "$@"; do printf -- '- %s\n' "$b"; done
	} >"$DOCF"
}
# key_of TEXT: the key of the (not removed) item whose action is TEXT
key_of() {
	t list --all --format json | "$PY" -c '
import json, sys
m = [i["key"] for i in json.load(sys.stdin) if i["action"] == sys.argv[1] and not i["removed"]]
print(m[0] if len(m) == 1 else "none:%d" % len(m))' "$1"
}
status_of() {
	t list --all --format json | "$PY" -c '
import json, sys
m = [i["status"] for i in json.load(sys.stdin) if i["action"] == sys.argv[1] and not i["removed"]]
print(m[0] if len(m) == 1 else "none")' "$1"
}

doc "Add an alert on queue depth @ann" "Write the failover runbook @ben" "Remove the manual restart step @cy" \
	"Load-test the new broker @dee"
assert_rc 0 t import "$DOCF"
k_alert=$(key_of "Add an alert on queue depth")
k_runbook=$(key_of "Write the failover runbook")
k_restart=$(key_of "Remove the manual restart step")
k_load=$(key_of "Load-test the new broker")
assert_eq "1 2 3 4" "$k_alert $k_runbook $k_restart $k_load" "first import keys"
# work done in the tracker
assert_rc 0 t set "INC-2026-04-02-001#$k_runbook" status=in_progress
assert_rc 0 t set "INC-2026-04-02-001#$k_restart" status=blocked

# 1. insert at the top
doc "Page the database team earlier @eve" "Add an alert on queue depth @ann" "Write the failover runbook @ben" \
	"Remove the manual restart step @cy" "Load-test the new broker @dee"
assert_rc 0 t import "$DOCF"
assert_file_match "$TMP/out" "1 new, 0 updated, 4 unchanged, 0 removed" "insert at top summary"
assert_eq "$k_runbook" "$(key_of "Write the failover runbook")" "runbook key after insert"
assert_eq "in_progress" "$(status_of "Write the failover runbook")" "runbook status after insert"
assert_eq "blocked" "$(status_of "Remove the manual restart step")" "restart status after insert"
assert_eq "5" "$(key_of "Page the database team earlier")" "the new item gets a new key"

# 2. delete in the middle
doc "Page the database team earlier @eve" "Add an alert on queue depth @ann" \
	"Remove the manual restart step @cy" "Load-test the new broker @dee"
assert_rc 0 t import "$DOCF"
assert_file_match "$TMP/out" "0 new, 0 updated, 4 unchanged, 1 removed" "delete middle summary"
assert_eq "blocked" "$(status_of "Remove the manual restart step")" "restart status after delete"
assert_eq "$k_load" "$(key_of "Load-test the new broker")" "load-test key after delete"

# 3. reorder
doc "Load-test the new broker @dee" "Remove the manual restart step @cy" "Add an alert on queue depth @ann" \
	"Page the database team earlier @eve"
assert_rc 0 t import "$DOCF"
assert_file_match "$TMP/out" "0 new, 0 updated, 4 unchanged, 0 removed" "reorder summary"
assert_eq "$k_restart" "$(key_of "Remove the manual restart step")" "restart key after reorder"
assert_eq "blocked" "$(status_of "Remove the manual restart step")" "restart status after reorder"
assert_eq "$k_alert" "$(key_of "Add an alert on queue depth")" "alert key after reorder"

# 4. edit one word (and the deleted bullet comes back: restored, with its tracker status)
doc "Load-test the new broker @dee" "Remove the manual restart script @cy" "Add an alert on queue depth @ann" \
	"Page the database team earlier @eve" "Write the failover runbook @ben"
assert_rc 0 t import "$DOCF"
assert_file_match "$TMP/out" "0 new, 2 updated, 3 unchanged, 0 removed" "edit one word summary (one edited, one restored)"
assert_eq "$k_restart" "$(key_of "Remove the manual restart script")" "restart key after a one-word edit"
assert_eq "blocked" "$(status_of "Remove the manual restart script")" "restart status after a one-word edit"
assert_eq "$k_runbook" "$(key_of "Write the failover runbook")" "a bullet that comes back keeps its key"
assert_eq "in_progress" "$(status_of "Write the failover runbook")" "… and its status"

# The same for a table without an ID column.
cat >"$DOCF" <<'EOM'
# Post-Mortem: Table without IDs

**Incident ID:** INC-2026-04-03-001

## Action Items

| Action | Owner | Status |
|--------|-------|--------|
| Rotate the leaked token | @ann | Open |
| Add a secret scanner to CI | @ben | Open |
EOM
assert_rc 0 t import "$DOCF"
k_scan=$(key_of "Add a secret scanner to CI")
assert_rc 0 t set "INC-2026-04-03-001#$k_scan" status=in_progress
cat >"$DOCF" <<'EOM'
# Post-Mortem: Table without IDs

**Incident ID:** INC-2026-04-03-001

## Action Items

| Action | Owner | Status |
|--------|-------|--------|
| Add a secret scanner to CI | @ben | Open |
| Audit who can read the vault | @cy | Open |
| Rotate the leaked token | @ann | Open |
EOM
assert_rc 0 t import "$DOCF"
assert_eq "$k_scan" "$(key_of "Add a secret scanner to CI")" "table row key after reorder + insert"
assert_eq "in_progress" "$(status_of "Add a secret scanner to CI")" "table row status after reorder + insert"
# Write-back: a task box follows the status, on the right item after a bullet was inserted on top;
# a bullet without a box is not rewritten and the dry run says so.
cat >"$DOCF" <<'EOM'
# Post-Mortem: Boxes

**Incident ID:** INC-2026-04-05-001

## Action Items

- [ ] Rotate the token @ann
- [x] Add a scanner @ben
- Plain bullet @cy
EOM
assert_rc 0 t import "$DOCF"
assert_rc 0 t set "INC-2026-04-05-001#1" status=done
assert_rc 0 t set "INC-2026-04-05-001#2" status=in_progress
assert_rc 0 t set "INC-2026-04-05-001#3" status=done
"$PY" - "$DOCF" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("## Action Items\n\n", "## Action Items\n\n- [ ] New bullet on top\n", 1)
open(p, "w").write(s)
PY
assert_rc 0 t import "$DOCF"
assert_rc 0 t writeback --dry-run INC-2026-04-05-001
assert_file_match "$TMP/err" "item 3 is a list item without a task box: its status \(done\) is not written" "dry-run note"
assert_rc 0 t writeback INC-2026-04-05-001
assert_file_match "$DOCF" '^- \[x\] Rotate the token @ann$' "box ticked on the right item"
assert_file_match "$DOCF" '^- \[ \] Add a scanner @ben$' "box unticked (in progress is not done)"
assert_file_match "$DOCF" '^- \[ \] New bullet on top$' "the new bullet is untouched"
assert_file_match "$DOCF" '^- Plain bullet @cy$' "a plain bullet is not rewritten"
assert_rc 0 t import "$DOCF"
assert_eq "in_progress" "$(status_of "Add a scanner")" "the tracker's in_progress survives the write-back"
echo "t0105-import-list-keys: ok"
