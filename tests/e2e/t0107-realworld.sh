#!/usr/bin/env bash
# t0107 — the real, published post-mortems of ../shared/realworld (issue 9): every action item a
# careful reader sees is imported (tests/tools/realworld-check.sh has the expectations). Skipped when
# the directory is absent: the documents are third-party text and are not part of this repository.
. "$(dirname "$0")/lib.sh"
dir=${REALWORLD:-$SRCDIR/../shared/realworld}
[[ -d $dir ]] || skip "$dir is absent (set REALWORLD to run this test)"
run bash "$SRCDIR/tests/tools/realworld-check.sh" "$TRACKER_BIN" "$dir"
[[ $RC -eq 0 ]] || {
	_show_output
	fail "realworld-check found problems"
}
echo "t0107-realworld: ok"
