#!/usr/bin/env bash
# t0520-check: `tracker check` reports import problems and review problems as path:line, exits 1 on
# errors (and on warnings with --strict), writes JSON with --format json, and never touches a database.
set -euo pipefail
: "${TRACKER_BIN:?}" "${SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRACKER_DB="$tmp/no/such/dir/t.db" XDG_CONFIG_HOME="$tmp/cfg" XDG_DATA_HOME="$tmp/data"
t() { "$TRACKER_BIN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$tmp/good.md" <<'MD'
# Post-Mortem: Good (INC-2026-03-01-001)

**Date:** 2026-03-01

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Fix it | @alice | 2026-04-01 | P0 | Open |
MD
cat >"$tmp/review.md" <<'MD'
# Post-Mortem: Review problems (INC-2026-03-01-002)

**Date:** 2026-03-01
**Severity:** SEV-X

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | No owner | | 2026-04-01 | P0 | Open |
| 2 | No due date | @bob | | P1 | Open |
| 3 | Due before the incident | @carol | 2026-02-01 | P2 | Open |
| 4 | [Specific, actionable item] | @username | YYYY-MM-DD | P0/P1/P2 | Not started |
MD
cat >"$tmp/bad.md" <<'MD'
# Post-Mortem: Bad (INC-2026-03-01-003)

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Impossible date | @a | 2026-02-30 | P1 | Open |
| 1 | Duplicate key | @b | 2026-04-01 | P2 | Open |
MD

t check "$tmp/good.md" >"$tmp/out" 2>&1 || fail "good document failed: $(cat "$tmp/out")"
t check --strict "$tmp/good.md" >/dev/null 2>&1 || fail "good document failed --strict"

t check "$tmp/review.md" >"$tmp/out" 2>/dev/null || fail "warnings alone must pass without --strict"
grep -qx "$tmp/review.md:10: warning: item 1 is P0 and has no owner: name one (@handle)" "$tmp/out" ||
	fail "no-owner warning: $(cat "$tmp/out")"
grep -q "^$tmp/review.md:11: warning: item 2 is P1 and has no due date" "$tmp/out" || fail "no-due warning"
grep -q "^$tmp/review.md:12: warning: item 3 is due 2026-02-01, before the incident (2026-03-01)" "$tmp/out" ||
	fail "due-before-incident warning"
grep -q "^$tmp/review.md:4: warning: template placeholder \"SEV-X\"" "$tmp/out" || fail "SEV-X placeholder"
for tok in '@username' 'YYYY-MM-DD' '[Specific, actionable item]'; do
	grep -qF "$tmp/review.md:13: warning: template placeholder \"$tok\"" "$tmp/out" || fail "placeholder $tok"
done
set +e
t check --strict "$tmp/review.md" >/dev/null 2>&1; [ $? = 1 ] || fail "--strict with warnings: want exit 1"
t check "$tmp/bad.md" "$tmp/good.md" >"$tmp/out" 2>&1; [ $? = 1 ] || fail "errors: want exit 1"
t check --format yaml "$tmp/good.md" >/dev/null 2>&1; [ $? = 2 ] || fail "bad --format: want exit 2"
t check >/dev/null 2>&1; [ $? = 2 ] || fail "no path: want exit 2"
t check "$tmp/missing.md" >/dev/null 2>&1; [ $? = 5 ] || fail "missing file: want exit 5"
set -e
grep -q "^$tmp/bad.md:7: error: item 1: due date \"2026-02-30\" is not a real date" "$tmp/out" || fail "invalid date error"
grep -q "^$tmp/bad.md:8: error: duplicate action item ID" "$tmp/out" || fail "duplicate error"

# JSON, and directories are searched for *.md
set +e
t check --format json "$tmp" >"$tmp/json"
set -e
/usr/bin/python3 - "$tmp/json" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and d, d
assert all(set(x) == {"path", "line", "level", "message"} for x in d)
assert {x["path"] for x in d} == {sys.argv[2] + "/bad.md", sys.argv[2] + "/review.md"}, d
assert any(x["level"] == "error" and x["line"] == 8 for x in d)
PY
[ ! -e "$TRACKER_DB" ] && [ ! -e "$tmp/no" ] || fail "check created a database"

# the pre-commit hook and the CI snippet, in a scratch repository
bash -n "$SRCDIR/contrib/hooks/pre-commit"
bash -n "$SRCDIR/contrib/ci/check-postmortems.sh"
if command -v git >/dev/null; then
	repo="$tmp/repo"
	mkdir -p "$repo/docs/postmortems"
	cd "$repo"
	git init -q -b main .
	git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m init
	cp "$tmp/good.md" docs/postmortems/good.md
	git add docs/postmortems/good.md
	TRACKER="$TRACKER_BIN" "$SRCDIR/contrib/hooks/pre-commit" >/dev/null 2>&1 || fail "hook refused a good file"
	git -c user.name=t -c user.email=t@example.com commit -q -m good
	git checkout -q -b feature
	cp "$tmp/review.md" docs/postmortems/review.md
	git add docs/postmortems/review.md
	set +e
	TRACKER="$TRACKER_BIN" "$SRCDIR/contrib/hooks/pre-commit" >/dev/null 2>&1
	[ $? = 1 ] || fail "hook accepted a post-mortem with warnings"
	git -c user.name=t -c user.email=t@example.com commit -q --no-verify -m review
	BASE=main TRACKER="$TRACKER_BIN" "$SRCDIR/contrib/ci/check-postmortems.sh" >"$tmp/ci" 2>&1
	[ $? = 1 ] || fail "CI snippet passed a post-mortem with warnings"
	set -e
	grep -q '^docs/postmortems/review.md:10: warning' "$tmp/ci" || fail "CI output: $(cat "$tmp/ci")"
	grep -q 'good.md' "$tmp/ci" && fail "CI checked an unchanged file"
	cd - >/dev/null
fi
echo ok
