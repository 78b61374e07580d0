#!/usr/bin/env bash
# Quick start, command 1 of 2 (README.md): on a fresh Debian 12 machine, installs what tracker needs,
# builds it (Release, warnings are errors), imports the example post-mortems in contrib/examples/ into
# ./tracker-demo.db (made afresh) and prints the open P0/P1 action items, overdue first.
#
#   contrib/quickstart.sh          (as root, or as a user with sudo; run from anywhere in the clone)
#
# The binary is build-release/tracker/tracker afterwards. Command 2 is contrib/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS=(cmake make pkg-config gcc libc6-dev libsqlite3-dev sqlite3 libcmark-gfm-dev libcmark-gfm-extensions-dev libical-dev
	libcurl4-openssl-dev libjansson-dev libinih-dev libssl-dev libutf8proc-dev libcmocka-dev
	libmicrohttpd-dev zlib1g-dev libyaml-dev libpq-dev)
BUILD=build-release
BIN=$BUILD/tracker/tracker
DB=./tracker-demo.db

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "quickstart: installing packages needs root (or sudo): $*" >&2
		exit 1
	fi
}

missing=()
for p in "${DEPS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -c 'install ok installed' >/dev/null || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "==> installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	as_root apt-get install -y -q "${missing[@]}"
fi

echo "==> building ($BUILD)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTRACKER_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target tracker >/dev/null

echo "==> importing contrib/examples/*.md into $DB"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" --db "$DB" import contrib/examples/*.md

echo
echo "==> open P0/P1 action items, overdue first"
"$BIN" --db "$DB" list --priority P0,P1
echo
echo "==> people: who the owners are (e-mail, time zone, manager); ops-team and legal-team stay unmapped"
"$BIN" --db "$DB" people import contrib/examples/people.csv
"$BIN" --db "$DB" people unmapped
echo
echo "==> what a reminder pass would do on Monday 2026-11-23 10:00 UTC (nothing is written or sent)"
"$BIN" --db "$DB" remind --dry-run --explain --now 2026-11-23T10:00:00Z
echo
echo "Next: $BIN --db $DB show ITEM, $BIN help; tests: contrib/test.sh"
