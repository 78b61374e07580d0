#!/usr/bin/env bash
# t0820 — people typos fail loudly: `people add --manager` naming nobody is an error unless
# --allow-unknown-manager; an address the mailer cannot deliver to is refused with the reason (the same
# words `notify test` gives for it: one rule); `people import` reports every bad row as FILE:LINE and
# imports nothing, while a manager defined further down the file is fine; `people unmapped` lists
# stored addresses the mailer refuses and managers who are nobody.
. "$(dirname "$0")/lib.sh"
n=0
ok() { n=$((n + 1)); }

# A database (import makes one, as db init does; t0800 covers which commands may).
printf '# Post-Mortem: Seed\n\n**Incident ID:** INC-2026-01-01-001\n' >"$TMP/seed.md"
t import "$TMP/seed.md" >/dev/null
run t people add kim --email kim@example.org --manager lee
[[ $RC == 1 ]] || fail "unknown manager: exit $RC"
assert_file_match "$TMP/err" 'manager lee of kim is not in tracker people: add them first .*--allow-unknown-manager' "unknown manager"
[[ $(t people list) == "no people" ]] || fail "kim was saved despite the error"
ok
t people add lee --email lee@example.org >/dev/null
t people add kim --email kim@example.org --manager @lee >/dev/null
t people add max --email max@example.org --manager boss --allow-unknown-manager >/dev/null
ok

# Undeliverable addresses: refused with the mailer's reason.
for a in 'jürgen@example.de' 'a:b@example.org' 'two@at@example.org' 'spaced out@example.org'; do
	run t people add zed --email "$a"
	[[ $RC == 1 ]] || fail "people add --email '$a': exit $RC"
	assert_file_match "$TMP/err" "email of zed: " "reason for '$a'"
	# notify test applies the same rule to the same address, with the same words
	reason=$(sed 's/^tracker: email of zed: //' "$TMP/err")
	printf '[smtp]\nurl = smtp://127.0.0.1:9\nfrom = t@example.org\nstarttls = off\n' >"$TMP/smtp.ini"
	run "$TRACKER_BIN" --db "$DB" --config "$TMP/smtp.ini" notify test --email "$a"
	[[ $RC != 0 ]] || fail "notify test accepted '$a'"
	cat "$TMP/out" "$TMP/err" >"$TMP/both"
	grep -qF -- "$reason" "$TMP/both" || fail "notify test gives another reason for $a: $(cat "$TMP/both") vs $reason"
	ok
done
run t people add zed --email zed@example.org
[[ $RC == 0 ]] || fail "a good address refused"

# people import: every bad row, one line each; nothing imported; a later manager is fine.
cat >"$TMP/people.csv" <<'CSV'
handle,email,manager
ann,ann@example.org,bea
bob,bob@exämple.org,
bea,bea@example.org,
cy,cy@example.org,nobody
dee,dee@example.org
ann,ann2@example.org,
CSV
before=$(t people list --format json)
run t people import "$TMP/people.csv"
[[ $RC == 1 ]] || fail "people import with bad rows: exit $RC"
for want in "people.csv:3: email of bob: " "people.csv:5: manager nobody of cy is not in tracker people" \
	"people.csv:6: 2 fields, but the header has 3" 'people.csv:7: handle "ann" already on line 2' \
	"people.csv: 4 bad rows" "nothing was imported"; do
	grep -qF -- "$want" "$TMP/err" || fail "people import did not report: $want; got: $(cat "$TMP/err")"
	ok
done
[[ $(t people list --format json) == "$before" ]] || fail "a bad file imported something"
printf 'handle,email,manager\nann,ann@example.org,bea\nbea,bea@example.org,\n' >"$TMP/good.csv"
run t people import "$TMP/good.csv"
[[ $RC == 0 ]] || fail "a manager later in the file: exit $RC: $(cat "$TMP/err")"
ok

# people unmapped: a stored address the mailer refuses (an older tracker let it in) and max's boss.
dbq "UPDATE people SET email = 'zed@exämple.org' WHERE handle = 'zed'"
run t people unmapped
[[ $RC == 0 ]] || fail "unmapped: exit $RC"
assert_file_match "$TMP/out" '^zed +unusable email: "zed@exämple.org" has non-ASCII characters' "unusable address"
assert_file_match "$TMP/out" '^max +manager boss not in people' "unknown manager"
ok
echo "$n passed, 0 failed"
