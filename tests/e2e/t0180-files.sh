#!/usr/bin/env bash
# t0180 — files that are not what they seem (issue 10 §4): `import DIR` with symbolic link loops ends
# and says so; a FIFO, a device or a directory given as a document, a CSV, the config or a secret is
# refused at once (each command under a 10 s backstop: on main `--config /dev/zero` spun for ever and
# a FIFO blocked the open); write-back keeps the document's owner, group and mode; a database and
# secrets others can read are warned about, as ssh does.
source "$(dirname "$0")/lib.sh"

# quick NAME CMD...: runs CMD with a 10 s backstop, output in $TMP/NAME.out, status in RC.
quick() {
	local name=$1
	shift
	RC=0
	timeout 10 "$@" >"$TMP/$name.out" 2>&1 || RC=$?
	[[ $RC != 124 ]] || fail "$name: still running after 10 s: $(head -c 300 "$TMP/$name.out")"
}

# --- symbolic link loops ---
mkdir -p "$TMP/pm/sub"
cp "$SRCDIR/contrib/examples/2026-10-02-checkout-pool-exhaustion.md" "$TMP/pm/"
cp "$SRCDIR/contrib/examples/2026-09-21-billing-backups-silent-failure.md" "$TMP/pm/sub/"
ln -s . "$TMP/pm/a"
ln -s . "$TMP/pm/b"
ln -s .. "$TMP/pm/sub/up"
quick loop "$TRACKER_BIN" --db "$DB" import "$TMP/pm"
assert_eq 0 "$RC" "import of a directory with link loops: $(cat "$TMP/loop.out")"
assert_file_match "$TMP/loop.out" 'pm/a: skipped: a directory already read \(a symbolic link loop\?\)' "the loop is named"
assert_eq 2 "$(dbq 'SELECT count(*) FROM incidents')" "both documents imported once"

# --- not regular files ---
mkfifo "$TMP/fifo.md" "$TMP/fifo.csv" "$TMP/fifo.ini"
quick fifo-import "$TRACKER_BIN" --db "$DB" import "$TMP/fifo.md"
[[ $RC != 0 ]] || fail "import of a FIFO succeeded"
assert_file_match "$TMP/fifo-import.out" 'fifo\.md: is a FIFO \(named pipe\), not a regular file' "import names the FIFO"
quick dev-import "$TRACKER_BIN" --db "$DB" import /dev/zero
[[ $RC != 0 ]] || fail "import of /dev/zero succeeded"
assert_file_match "$TMP/dev-import.out" '/dev/zero: is a character device, not a regular file' "import names the device"
quick fifo-check "$TRACKER_BIN" check "$TMP/fifo.md"
[[ $RC != 0 ]] || fail "check of a FIFO succeeded"
assert_file_match "$TMP/fifo-check.out" 'is a FIFO' "check names the FIFO"
quick dir-check "$TRACKER_BIN" check "$TMP/pm"
assert_file_match "$TMP/dir-check.out" 'pm/a: skipped: a directory already read' "check walks the loop once"
assert_eq 0 "$RC" "check of the directory with loops: $(cat "$TMP/dir-check.out")"
quick fifo-csv "$TRACKER_BIN" --db "$DB" people import "$TMP/fifo.csv"
[[ $RC != 0 ]] || fail "people import of a FIFO succeeded"
assert_file_match "$TMP/fifo-csv.out" 'fifo\.csv: is a FIFO' "people import names the FIFO"
quick dir-csv "$TRACKER_BIN" --db "$DB" people import "$TMP/pm"
assert_file_match "$TMP/dir-csv.out" 'is a directory' "people import names the directory"
for cfg in /dev/zero "$TMP/fifo.ini" "$TMP/pm"; do
	quick cfg "$TRACKER_BIN" --db "$DB" --config "$cfg" list
	assert_eq 3 "$RC" "--config $cfg: exit 3 (configuration)"
	assert_file_match "$TMP/cfg.out" "not a regular file" "--config $cfg says why"
done
printf '[smtp]\nurl = smtp://127.0.0.1:1\nfrom = t@example.org\npassword_file = /dev/zero\n' >"$TMP/smtp.ini"
quick secret "$TRACKER_BIN" --db "$DB" --config "$TMP/smtp.ini" notify test --email a@example.org
[[ $RC != 0 ]] || fail "a password_file that is a device was accepted"
assert_file_match "$TMP/secret.out" '/dev/zero: is a character device' "the secret file's refusal"

# --- write-back keeps owner, group and mode ---
doc=$TMP/wb/pm.md
mkdir -p "$TMP/wb"
cp "$SRCDIR/tests/fixtures/writeback/style-crlf.md" "$doc"
t import "$doc" >/dev/null
dbq "UPDATE items SET status='done' WHERE key='4'"
chmod 0640 "$doc"
if [[ $(id -u) == 0 ]]; then
	chown 4321:8765 "$doc"
	want="4321:8765 640"
else
	want="$(id -u):$(id -g) 640"
	note "not root: only the mode is checked"
fi
t writeback "$doc" >"$TMP/wb.out" 2>&1 || fail "writeback failed: $(cat "$TMP/wb.out")"
assert_file_match "$TMP/wb.out" 'wrote' "writeback wrote"
assert_eq "$want" "$(stat -c '%u:%g %a' "$doc")" "owner, group and mode after write-back"

# --- loose permissions ---
# (a database file's mode: SQLite only)
if [[ $E2E_ENGINE == sqlite ]]; then
	chmod 0644 "$DB"
	t list >/dev/null 2>"$TMP/perm.err" || true
	assert_file_match "$TMP/perm.err" "warning: the database $DB has permissions 0644: everyone can read it" "world-readable database"
	chmod 0600 "$DB"
	t list >/dev/null 2>"$TMP/perm2.err" || true
	assert_file_no_match "$TMP/perm2.err" 'warning: the database' "no warning at 0600"
fi
printf 'hunter2\n' >"$TMP/pw"
chmod 0640 "$TMP/pw"
printf '[smtp]\nurl = smtps://127.0.0.1:1\nfrom = t@example.org\nusername = u\npassword_file = %s\n' "$TMP/pw" >"$TMP/pw.ini"
"$TRACKER_BIN" --db "$DB" --config "$TMP/pw.ini" remind --dry-run >/dev/null 2>"$TMP/perm3.err" || true
assert_file_match "$TMP/perm3.err" "warning: \[smtp\] password_file $TMP/pw has permissions 0640: its group can read it" "group-readable password file"
"$TRACKER_BIN" --db "$DB" --config "$TMP/pw.ini" serve --check >/dev/null 2>"$TMP/perm4.err" || true
assert_file_match "$TMP/perm4.err" "warning: \[smtp\] password_file $TMP/pw has permissions 0640" "serve --check warns too"
head -c 40 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/server.secret"
chmod 0604 "$TMP/server.secret"
printf '[server]\nsecret_file = %s\n' "$TMP/server.secret" >"$TMP/srv.ini"
"$TRACKER_BIN" --db "$DB" --config "$TMP/srv.ini" http --listen 127.0.0.1:0 2>"$TMP/http.log" &
pid=$!
for _ in $(seq 100); do grep -qs '^listening on' "$TMP/http.log" && break; sleep 0.05; done
kill "$pid"
wait "$pid" || true
assert_file_match "$TMP/http.log" "warning: the server secret $TMP/server.secret has permissions 0604: everyone can read it" "world-readable server secret"
echo "1 passed, 0 failed"
