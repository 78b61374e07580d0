#!/usr/bin/env bash
# t0109 — the incident fields of the real, published post-mortems in ../shared/realworld
# (tests/tools/realworld-incidents.sh): skipped where that directory is absent, as in CI.
. "$(dirname "$0")/lib.sh"
require_command import incidents
if "$SRCDIR/tests/tools/realworld-incidents.sh" "$TRACKER_BIN" >"$TMP/out" 2>&1; then RC=0; else RC=$?; fi
cat "$TMP/out"
[[ $RC -eq 77 ]] && skip "../shared/realworld is not here"
[[ $RC -eq 0 ]] || fail "real-world incident fields (see above)"
echo "$TEST_NAME: ok"
