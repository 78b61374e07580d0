#!/usr/bin/env bash
# t0500-help: every command in `tracker help` answers -h with exit 0 and a "usage:" line, is in the
# man page (docs/tracker.1, as ".It Cm NAME") and in the bash completion; the man page renders
# without warnings (mandoc -T lint, else man/groff), and the completion script loads.
set -euo pipefail
: "${TRACKER_BIN:?}" "${SRCDIR:?}"
man_page="$SRCDIR/docs/tracker.1"
completion="$SRCDIR/contrib/completion/tracker.bash"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRACKER_DB="$tmp/t.db" XDG_CONFIG_HOME="$tmp/cfg" XDG_DATA_HOME="$tmp/data"

"$TRACKER_BIN" help >"$tmp/help"
cmds=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$cmds" ] || fail "no commands in tracker help"
for c in $cmds; do
	out=$("$TRACKER_BIN" "$c" -h) || fail "$c -h: exit $?"
	grep -q '^usage: tracker' <<<"$out" || fail "$c -h: no usage: line"
	out=$("$TRACKER_BIN" help "$c") || fail "help $c: exit $?"
	grep -q '^usage: tracker' <<<"$out" || fail "help $c: no usage: line"
	grep -q "^\.It Cm $c\( \|$\)" "$man_page" || fail "$c is not in docs/tracker.1"
	grep -q "_tracker_commands=.*\b$c\b" "$completion" || fail "$c is not in the bash completion"
done
[ -e "$TRACKER_DB" ] && fail "-h opened the database"

# every exit code of enum exit_code is documented
for code in 0 1 2 3 4 5; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$man_page" | grep -c "^\.It $code$" >/dev/null || fail "exit status $code not in the man page"
done
for v in TRACKER_DB TRACKER_USER XDG_CONFIG_HOME XDG_DATA_HOME NO_COLOR; do
	grep -q "^\.It Ev $v" "$man_page" || fail "$v not in ENVIRONMENT"
done

# the man page renders cleanly
if command -v mandoc >/dev/null; then
	mandoc -T lint -W warning "$man_page" || fail "mandoc -T lint"
elif command -v man >/dev/null && command -v groff >/dev/null; then
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man_page" 2>&1 >/dev/null) || fail "man failed"
	[ -z "$warn" ] || fail "man warnings: $warn"
else
	echo "note: neither mandoc nor man: rendering not checked"
fi

# the completion loads and completes commands and options
bash -c "source '$completion'
COMP_WORDS=(tracker wri); COMP_CWORD=1; _tracker; [[ \${COMPREPLY[*]} == writeback ]] || exit 1
COMP_WORDS=(tracker check --st); COMP_CWORD=2; _tracker; [[ \${COMPREPLY[*]} == --strict ]] || exit 1" ||
	fail "bash completion does not complete"
echo ok
