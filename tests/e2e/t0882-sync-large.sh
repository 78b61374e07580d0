#!/usr/bin/env bash
# t0882 — `tracker sync` of a repository with 50,000 files (issue 13, bad input): 500 post-mortems among
# 49,500 other files (git fast-import, tests/tools/git_fastrepo.py). The first sync imports the 500 and
# ignores the rest (counted, not listed one by one); a push changing one document is one document's
# work; a push touching only other files says that no post-mortem changed.
source "$(dirname "$0")/lib.sh"
require_command sync
command -v git >/dev/null || skip "git is not installed"
export GIT_AUTHOR_NAME=Gen GIT_AUTHOR_EMAIL=gen@example.com GIT_COMMITTER_NAME=Gen GIT_COMMITTER_EMAIL=gen@example.com
export GIT_CONFIG_NOSYSTEM=1
R=$TMP/repo.git
git init -q --bare -b main "$R"
"$PY" "$SRCDIR/tests/tools/git_fastrepo.py" 500 49500 2 | git -C "$R" fast-import --quiet
assert_eq 50000 "$(git -C "$R" ls-tree -r main | wc -l)" "files in the repository"
# push FILE CONTENT-FILE...: a commit on main replacing each FILE (no work tree: 50,000 files are not
# checked out).
push() {
	local msg=$1
	shift
	{
		printf 'commit refs/heads/main\ncommitter Gen <gen@example.com> %s +0000\ndata %d\n%s\nfrom refs/heads/main^0\n' \
			"$(date +%s)" "${#msg}" "$msg"
		while (($#)); do
			printf 'M 100644 inline %s\ndata %d\n' "$1" "$(wc -c <"$2")"
			cat "$2"
			printf '\n'
			shift 2
		done
	} | git -C "$R" fast-import --quiet
}
printf '[sync]\ndir = %s/mirrors\n[source big]\nrepo = %s\n' "$TMP" "$R" >"$TMP/sync.ini"
ts() { t --config "$TMP/sync.ini" sync "$@"; }

assert_rc 0 ts
assert_file_match "$TMP/out" "^big: tree at [0-9a-f]{12}: 500 documents imported \(1000 items new, 0 updated, 0 removed\), 0 unchanged, 0 deleted, 0 moved, 0 rejected, 0 refused, 49500 other paths ignored$"
assert_eq 501 "$(wc -l <"$TMP/out")" "one line per document and the summary"
assert_eq 1000 "$(dbq "SELECT count(*) FROM items")"

git -C "$R" show main:pm/2021/pm-7.md | sed 's/| open |/| done |/' >"$TMP/pm-7.md"
push "Close pm-7" pm/2021/pm-7.md "$TMP/pm-7.md"
assert_rc 0 ts
assert_file_match "$TMP/out" "^INC-2025-08-08-7: 0 new, [12] updated"
assert_file_match "$TMP/out" "^big: [0-9a-f]{12}\.\.[0-9a-f]{12}: 1 document imported"
assert_eq 2 "$(wc -l <"$TMP/out")"

for i in 1 2 3; do echo "more $i" >"$TMP/f$i"; done
push "Code only" src/d1/f1.txt "$TMP/f1" src/d2/f2.txt "$TMP/f2" src/d3/f3.txt "$TMP/f3"
assert_rc 0 ts
assert_file_match "$TMP/out" "^big: [0-9a-f]{12}\.\.[0-9a-f]{12}: no post-mortem changed \(3 paths looked at, 0 unchanged\)$"
