#!/usr/bin/env bash
# contrib/check-layout.sh — the store is the one way into the database (issue 11, docs/architecture.md):
#  1. only the engines (tracker/store/db_sqlite.c, tracker/store/db_pg.c) include sqlite3.h or libpq-fe.h;
#  2. no file outside tracker/store/ holds SQL text (a string literal starting a SELECT, INSERT,
#     UPDATE, DELETE, WITH, CREATE, PRAGMA, BEGIN or COMMIT statement).
# Prints each offence as file:line and exits 1 when there is one. Run from the source root.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r hit; do
	echo "check-layout: $hit: engine header outside the engines (use the store modules, tracker/store/)"
	bad=1
done < <(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](sqlite3|libpq-fe)\.h' tracker scheduler notify \
	--include='*.c' --include='*.h' | grep -vE '^tracker/store/db_(sqlite|pg)\.c:' || true)
sql='"[[:space:]]*(SELECT|INSERT[[:space:]]+INTO|UPDATE[[:space:]]+[a-z_]+[[:space:]]+SET|DELETE[[:space:]]+FROM|WITH[[:space:]]+[a-z_]+[[:space:]]+AS|CREATE[[:space:]]+(TABLE|INDEX|TRIGGER)|PRAGMA|BEGIN|COMMIT)[[:space:]]'
while IFS= read -r hit; do
	echo "check-layout: $hit: SQL outside the store modules (tracker/store/)"
	bad=1
done < <(grep -rnE "$sql" tracker scheduler notify --include='*.c' --include='*.h' | grep -v '^tracker/store/' || true)
if [[ $bad == 0 ]]; then echo "check-layout: ok (engine headers and SQL only in tracker/store/)"; fi
exit "$bad"
