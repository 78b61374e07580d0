#!/usr/bin/env bash
# tests/e2e/gitrepo_lib.sh — for the git sync tests that run `tracker serve` (source after lib.sh):
# a fixed identity (Ann) and no system or user git config; a bare remote $TMP/remote.git on main and a
# working clone $TMP/work (G runs git in it); the serve started into $SERVE is stopped on exit, also on
# failure.
# shellcheck disable=SC2034 # SERVE is set by the tests that source this
SERVE=
gitrepo_cleanup() {
	local rc=$?
	set +e
	trap - ERR
	if [[ -n $SERVE ]]; then
		kill "$SERVE" 2>/dev/null
		wait "$SERVE" 2>/dev/null
	fi
	(exit "$rc")
	e2e_cleanup
}
trap gitrepo_cleanup EXIT

export GIT_AUTHOR_NAME=Ann GIT_AUTHOR_EMAIL=ann@example.org GIT_COMMITTER_NAME=Ann
export GIT_COMMITTER_EMAIL=ann@example.org GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q --bare -b main "$TMP/remote.git"
git clone -q "$TMP/remote.git" "$TMP/work" 2>/dev/null
G() { git -C "$TMP/work" "$@"; }
