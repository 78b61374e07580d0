#!/usr/bin/env bash
# t0500-help: every command in `tracker help` answers -h with exit 0 and a "usage:" line, is in the
# man page (docs/tracker.1, as ".It Cm NAME") and in the bash completion; so does every verb, and every
# option any of them lists is in the command's man page entry and completion; the man page renders
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

# Every option of every command and verb (from its -h) is in that command's entry of the man page
# (as "Fl -NAME", short ones as "Fl X") and, long ones, in the completion's list for the command.
# Verbs are the lower-case words after "tracker COMMAND" in the usage lines; each answers -h too.
# --db and --config are global options (GLOBAL OPTIONS), mentioned in some help texts.
nopts=0
for c in $cmds; do
	h=$("$TRACKER_BIN" "$c" -h)
	for v in $(grep -oE "^(usage:)? *tracker $c [a-z][a-z-]*" <<<"$h" | awk '{print $NF}' | sort -u); do
		vh=$("$TRACKER_BIN" "$c" "$v" -h) || fail "$c $v -h: exit $?"
		grep -q '^usage: tracker' <<<"$vh" || fail "$c $v -h: no usage: line"
		h+=$'\n'$vh
	done
	section=$(awk -v c="$c" '$0 ~ "^\\.It Cm "c"( |$)" {on=1; print; next}
		on && (/^\.It Cm / || /^\.El/) {on=0} on {print}' "$man_page")
	[ -n "$section" ] || fail "no man page entry for $c"
	completion_opts=$(bash -c "source '$completion'; _tracker_opts '$c'")
	for o in $(grep -oE -- "--[a-z][a-z0-9-]*" <<<"$h" | sort -u | grep -vxE -- "--(help|db|config)" || true); do
		grep -qE -- "Fl -${o#--}( |$)" <<<"$section" || fail "$c $o is not in its man page entry (.It Cm $c)"
		grep -qw -- "$o" <<<"$completion_opts" || fail "$c $o is not in the bash completion for $c"
		nopts=$((nopts + 1))
	done
	for o in $(grep -oE -- "^ +-[a-zA-Z]," <<<"$h" | tr -d ' ,-' | sort -u | grep -vx h || true); do
		grep -qE -- "Fl $o( |$)" <<<"$section" || fail "$c -$o is not in its man page entry"
		nopts=$((nopts + 1))
	done
done
[ "$nopts" -gt 50 ] || fail "only $nopts options found: is the -h parsing broken?"
for g in db config; do
	sed -n '/^\.Sh GLOBAL OPTIONS/,/^\.Sh/p' "$man_page" | grep -q "^\.It Fl -$g " || fail "--$g not in GLOBAL OPTIONS"
done

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
