#!/usr/bin/env bash
# remind_bench.sh — how long does a reminder pass take on a large database, and how fast does the
# dispatcher deliver to a loopback SMTP server?
#
#   tests/bench/remind_bench.sh [ITEMS] [PEOPLE]      (default 100000 2000; BUILDDIR default ./build)
#
# 1. bench_remind_gen writes a database of ITEMS open items and PEOPLE people (fixed seed).
# 2. `tracker remind --dry-run --timings` end to end, 5 runs: wall clock and peak RSS of the process
#    (GNU time), and the command's own split: loading from the store, planning (policy_plan() and the
#    grouping into digests), writing (nothing in a dry run).
# 3. A real pass against tests/servers/smtp_server.py (aiosmtpd, loopback, no TLS): the transaction
#    that records the reminders and queues the digests, then the dispatch of every digest over one
#    SMTP connection: digests per second.
# Not part of ctest (not a timed test). Work files go to tests/bench/out/ (git-ignored) or $BENCH_OUT.
set -euo pipefail

ITEMS=${1:-100000}
PEOPLE=${2:-2000}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
OUT=${BENCH_OUT:-$SRCDIR/tests/bench/out}
TRACKER_BIN=${TRACKER_BIN:-$BUILDDIR/tracker/tracker}
GEN=$BUILDDIR/tests/bench_remind_gen
PY=/usr/bin/python3
NOW=2026-04-20T12:00:00Z # a Monday: 12:00 UTC is past 09:00 in every zone west of UTC+3
for b in "$TRACKER_BIN" "$GEN"; do
	[[ -x $b ]] || { echo "remind_bench: $b not built (cmake --build $BUILDDIR)" >&2; exit 2; }
done
mkdir -p "$OUT"
DB=$OUT/remind.db
rm -rf "$OUT/mail" "$DB" "$DB-wal" "$DB-shm"

"$GEN" "$DB" "${NOW%%T*}" "$ITEMS" "$PEOPLE"

echo "== planning pass: tracker remind --dry-run --timings --now $NOW (5 runs)"
for _ in 1 2 3 4 5; do
	/usr/bin/time -f "   wall %e s, peak RSS %M KB" "$TRACKER_BIN" --db "$DB" remind --dry-run --timings \
		--now "$NOW" 2>&1 >"$OUT/dry.out" | sed 's/^tracker: remind: /   /'
done
tail -1 "$OUT/dry.out"

"$PY" "$SRCDIR/tests/servers/smtp_server.py" --dir "$OUT/mail" >"$OUT/smtp.port" 2>"$OUT/smtp.log" &
SMTP=$!
trap 'kill $SMTP 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $OUT/smtp.port ]] && break; sleep 0.1; done
cat >"$OUT/config.ini" <<EOC
[smtp]
url = smtp://127.0.0.1:$(head -1 "$OUT/smtp.port")
from = tracker@example.org
starttls = off
timeout = 30
EOC
echo "== real pass: plan, record and queue, then dispatch to aiosmtpd on loopback"
/usr/bin/time -f "   wall %e s, peak RSS %M KB" "$TRACKER_BIN" --db "$DB" --config "$OUT/config.ini" remind \
	--timings --now "$NOW" 2>"$OUT/real.err" >"$OUT/real.out" || true
grep -v '^tracker: remind: sent ' "$OUT/real.err" | sed 's/^tracker: remind: /   /'
tail -1 "$OUT/real.out"
sent=$(sed -n 's/.*sent \([0-9]*\),.*/\1/p' "$OUT/real.out")
ms=$(sed -n 's/.*dispatch \([0-9.]*\) ms.*/\1/p' "$OUT/real.err")
echo "   dispatch: $sent digests in $ms ms = $(echo "scale=0; $sent * 1000 / $ms" | bc) digests/s"
echo "   messages stored by the server: $(find "$OUT/mail" -name 'msg-*.eml' | wc -l), connections: $(wc -l <"$OUT/mail/connections.log")"
echo "== second pass the same day (nothing new)"
"$TRACKER_BIN" --db "$DB" --config "$OUT/config.ini" remind --timings --now "$NOW" 2>&1 | sed 's/^tracker: remind: /   /'
