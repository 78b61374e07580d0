#!/usr/bin/env bash
# t0830 — configuration and command typos fail loudly: `remind --dry-run` and `remind` run the same
# check as `serve --check` (a missing [smtp] from, a webhook secret file that cannot be read) and exit
# 3 with its message; an unknown key or section suggests the nearest known one; an unknown command or
# verb suggests the nearest command. contrib/config.example.ini says what is true (base_url's default).
. "$(dirname "$0")/lib.sh"
n=0
ok() { n=$((n + 1)); }
# A database (import makes one, as db init does; t0800 covers which commands may).
printf '# Post-Mortem: Seed\n\n**Incident ID:** INC-2026-01-01-001\n' >"$TMP/seed.md"
t import "$TMP/seed.md" >/dev/null

check_same() { # LABEL CONFIG-TEXT EXPECTED-MESSAGE
	printf '%s\n' "$2" >"$TMP/c.ini"
	local how
	run "$TRACKER_BIN" --db "$DB" --config "$TMP/c.ini" serve --check
	[[ $RC == 3 ]] || fail "$1: serve --check exit $RC"
	grep -qF -- "$3" "$TMP/err" || fail "$1: serve --check: $(cat "$TMP/err")"
	for how in "remind --dry-run" "remind"; do
		# shellcheck disable=SC2086
		run "$TRACKER_BIN" --db "$DB" --config "$TMP/c.ini" $how --now 2026-03-02T10:00:00Z
		[[ $RC == 3 ]] || fail "$1: $how exit $RC, want 3 (as serve --check): $(cat "$TMP/out" "$TMP/err")"
		grep -qF -- "$3" "$TMP/err" || fail "$1: $how message: $(cat "$TMP/err")"
		ok
	done
}
check_same "no from" $'[smtp]\nurl = smtp://127.0.0.1:9\nstarttls = off' "[smtp] from is not set"
check_same "webhook secret file" $'[webhook team]\nurl = https://hooks.example.org/x\nsecret_file = '"$TMP"$'/missing.secret' "missing.secret"

# A good configuration passes both.
printf '[smtp]\nurl = smtp://127.0.0.1:9\nfrom = tracker@example.org\nstarttls = off\n' >"$TMP/good.ini"
"$TRACKER_BIN" --db "$DB" --config "$TMP/good.ini" serve --check >/dev/null
run "$TRACKER_BIN" --db "$DB" --config "$TMP/good.ini" remind --dry-run --now 2026-03-02T10:00:00Z
[[ $RC == 0 ]] || fail "remind --dry-run with a good configuration: exit $RC: $(cat "$TMP/err")"
ok

# Unknown keys and sections: the nearest known one.
expect_config() { # CONFIG-TEXT MESSAGE
	printf '%s\n' "$1" >"$TMP/k.ini"
	run "$TRACKER_BIN" --db "$DB" --config "$TMP/k.ini" list
	[[ $RC == 3 ]] || fail "config '$1': exit $RC"
	grep -qF -- "$2" "$TMP/err" || fail "config '$1': $(cat "$TMP/err")"
	ok
}
expect_config $'[smtp]\nurl = smtp://x\nform = t@example.org' 'k.ini:3: unknown key "form" in [smtp] (did you mean from?)'
expect_config $'[reminders]\nsendat = 09:00' 'unknown key "sendat" in [reminders] (did you mean send_at?)'
expect_config $'[smpt]\nurl = smtp://x' 'unknown section [smpt] (key "url"; did you mean [smtp]?)'
expect_config $'[webhook ops]\nformat = slack\nurll = https://x' 'unknown key "urll" in [webhook ops] (did you mean url?)'

# Unknown commands and verbs: the nearest one, exit 2.
for pair in "lsit:list" "imprt:import" "remidn:remind" "serv:serve"; do
	run t "${pair%%:*}"
	[[ $RC == 2 ]] || fail "${pair%%:*}: exit $RC"
	assert_file_match "$TMP/err" "unknown command \"${pair%%:*}\": did you mean ${pair##*:}\\?" "${pair%%:*}"
	ok
done
run t help lsit
[[ $RC == 2 ]] || fail "help lsit: exit $RC"
assert_file_match "$TMP/err" 'unknown command "lsit": did you mean list\?' "help lsit"
run t xyzzy
[[ $RC == 2 ]] && ! grep -q "did you mean" "$TMP/err" || fail "xyzzy: $(cat "$TMP/err")"
run t people ad kim
[[ $RC == 2 ]] || fail "people ad: exit $RC"
assert_file_match "$TMP/err" 'people: unknown verb "ad": did you mean add\?' "verb"
run t feed craete --scope all
assert_file_match "$TMP/err" 'feed: unknown verb "craete": did you mean create\?' "verb"
ok
# The example configuration says what is true: no stale "not built yet", and base_url's default is
# none — feed create without it prints only the path (the example once claimed http://LISTEN).
example=$SRCDIR/contrib/config.example.ini
assert_file_no_match "$example" 'not built yet|issue [0-9]' "stale notes in the example config"
awk '/^\[server\]/ {on=1} /^\[reminders\]/ {on=0} on' "$example" |
	sed -n '/Public URL of the service/,/^# base_url/p' >"$TMP/base_url.txt"
assert_file_match "$TMP/base_url.txt" 'Default: none' "base_url default in the example"
assert_file_no_match "$TMP/base_url.txt" 'http://LISTEN' "base_url default in the example"
run t feed create --scope all
[[ $RC == 0 ]] || fail "feed create: exit $RC"
assert_file_match "$TMP/out" '^/feeds/[A-Za-z0-9_-]+\.ics$' "feed create without base_url prints the path only"
assert_file_match "$TMP/err" 'base_url is not set' "feed create says why"
ok
echo "$n passed, 0 failed"
