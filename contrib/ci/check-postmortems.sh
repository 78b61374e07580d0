#!/usr/bin/env bash
# CI step: `tracker check --strict` on the post-mortems changed against the main branch.
#   BASE        the branch to compare with (default: origin/main)
#   DIRS        where post-mortems live (default: docs/postmortems)
#   TRACKER     the binary (default: tracker)
#   STRICT      set to 0 to fail on errors only
# Prints path:line: level: message lines (most CI systems turn them into annotations) and exits
# non-zero if the check fails. Example (GitHub Actions):
#   - run: git fetch --no-tags origin main && contrib/ci/check-postmortems.sh
set -euo pipefail
base=${BASE:-origin/main}
dirs=${DIRS:-docs/postmortems}
tracker=${TRACKER:-tracker}
strict=--strict
[ "${STRICT:-1}" = 0 ] && strict=

mb=$(git merge-base "$base" HEAD)
files=()
# shellcheck disable=SC2086
while IFS= read -r -d '' f; do
	case $f in *.md) files+=("$f") ;; esac
done < <(git diff --name-only -z --diff-filter=ACMR "$mb" HEAD -- $dirs)
if [ ${#files[@]} -eq 0 ]; then
	echo "no post-mortems changed against $base"
	exit 0
fi
echo "checking ${#files[@]} post-mortem(s) changed against $base"
# shellcheck disable=SC2086
exec "$tracker" check $strict "${files[@]}"
