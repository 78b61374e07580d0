#!/usr/bin/env bash
# t0810 — a scope, owner or incident that names nothing says so: `feed create --scope owner:typo` /
# `incident:typo` is an error (exit 1, no feed made); `ical` writes its (empty) calendar with a
# warning; `list --owner typo` and `list --incident typo` warn; `list --incident PREFIX` takes a unique
# prefix as `show` does and refuses an ambiguous one, naming two candidates. A person with no items
# and an owner with no people entry are both "someone".
. "$(dirname "$0")/lib.sh"

pm() { # FILE ID OWNER
	cat >"$1" <<EOM
# Post-Mortem: $2

**Incident ID:** $2

## Action Items

| ID | Action | Owner | Due Date | Priority | Status |
|----|--------|-------|----------|----------|--------|
| 1 | Fix $2 | @$3 | 2026-03-10 | P1 | Open |
EOM
}
pm "$TMP/a.md" INC-2026-03-01-001 ann
pm "$TMP/b.md" INC-2026-03-01-002 ben
pm "$TMP/c.md" INC-2026-04-07-001 ann
t import "$TMP/a.md" "$TMP/b.md" "$TMP/c.md" >/dev/null
t people add zoe --email zoe@example.org >/dev/null # a person who owns nothing yet
n=0
ok() { n=$((n + 1)); }

# feed create: errors, nothing stored.
for s in owner:anne owner:@nobody incident:INC-2099 incident:INC-2026-03-01-009; do
	run t feed create --scope "$s"
	[[ $RC == 1 ]] || fail "feed create --scope $s: exit $RC, want 1: $(cat "$TMP/err")"
	assert_file_match "$TMP/err" "scope $s: no (person|incident)" "feed create --scope $s"
	ok
done
run t feed create --scope incident:INC-2026-03-01
[[ $RC == 1 ]] || fail "ambiguous incident prefix: exit $RC"
assert_file_match "$TMP/err" 'is ambiguous: INC-2026-03-01-001, INC-2026-03-01-002' "ambiguous scope"
t feed list >"$TMP/feeds"
assert_file_match "$TMP/feeds" '^no feeds' "no feed was created by the refused scopes"
ok
# The good ones: a person without items, an owner without a people entry, a unique prefix (stored whole).
for s in owner:zoe owner:@ben incident:INC-2026-04; do
	run t feed create --scope "$s"
	[[ $RC == 0 ]] || fail "feed create --scope $s: exit $RC: $(cat "$TMP/err")"
	ok
done
t feed list >"$TMP/feeds"
assert_file_match "$TMP/feeds" 'incident:INC-2026-04-07-001' "the prefix is stored as the whole id"

# ical: a warning, and still a valid calendar.
run t ical --scope owner:anne
[[ $RC == 0 ]] || fail "ical --scope owner:anne: exit $RC"
assert_file_match "$TMP/err" '^tracker: warning: scope owner:anne: no person anne and no item owned by anne' "ical warning"
assert_file_match "$TMP/out" '^BEGIN:VCALENDAR' "ical still writes the calendar"
ok
run t ical --scope incident:INC-2026-04
[[ $RC == 0 && ! -s $TMP/err ]] || fail "ical --scope incident:prefix: exit $RC: $(cat "$TMP/err")"
assert_file_match "$TMP/out" 'Fix INC-2026-04-07-001' "ical with an incident prefix"
ok

# list: --owner typo warns; --incident takes a unique prefix, warns on none, refuses an ambiguous one.
run t list --owner anne
[[ $RC == 0 ]] || fail "list --owner anne: exit $RC"
assert_file_match "$TMP/err" 'warning: list: owner anne is no person and owns no item' "list --owner warning"
assert_file_match "$TMP/out" '^no items$' "list --owner typo output"
ok
run t list --owner ann
[[ $RC == 0 && ! -s $TMP/err ]] || fail "list --owner ann warned: $(cat "$TMP/err")"
TRACKER_USER=anne run t list --mine
assert_file_match "$TMP/err" 'warning: list: owner anne is no person' "list --mine for nobody"
ok
run t list --incident INC-2026-04
[[ $RC == 0 && ! -s $TMP/err ]] || fail "list --incident prefix: exit $RC: $(cat "$TMP/err")"
assert_file_match "$TMP/out" '^INC-2026-04-07-001#1 ' "list --incident with a unique prefix"
ok
run t list --incident INC-2026-03-01
[[ $RC == 1 ]] || fail "list --incident ambiguous: exit $RC"
assert_file_match "$TMP/err" '"INC-2026-03-01" is ambiguous: INC-2026-03-01-001, INC-2026-03-01-002' "ambiguous"
ok
run t list --incident INC-1999
[[ $RC == 0 ]] || fail "list --incident none: exit $RC"
assert_file_match "$TMP/err" '^tracker: warning: list --incident: no incident INC-1999' "list --incident none"
ok
echo "$n passed, 0 failed"
