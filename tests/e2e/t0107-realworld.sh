#!/usr/bin/env bash
# t0107 — the real, published post-mortems of ../shared/realworld (issue 9), each imported verbatim
# into its own database: every action item a careful reader sees is there, with its text, its
# done/open state and any owner written for it (tests/tools/realworld_check.py has the expectations).
# Skipped when the directory is absent: the documents are third-party text, not part of this
# repository.
. "$(dirname "$0")/lib.sh"
dir=${REALWORLD:-$SRCDIR/../shared/realworld}
[[ -d $dir ]] || skip "$dir is absent (set REALWORLD to run this test)"
run /usr/bin/python3 "$SRCDIR/tests/tools/realworld_check.py" "$TRACKER_BIN" "$dir"
[[ $RC -eq 0 ]] || {
	_show_output
	fail "realworld_check.py found problems"
}
echo "t0107-realworld: ok"
