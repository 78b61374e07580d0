/*
 * db_pg.c — the PostgreSQL engine behind db.h (libpq). Placeholder until the engine lands.
 */
#include <stdio.h>

#include "db_impl.h"

struct db *db_pg_open(const char *conninfo, int flags, long busy_ms, char *msg, size_t msgsz)
{
	(void)conninfo;
	(void)flags;
	(void)busy_ms;
	snprintf(msg, msgsz, "PostgreSQL support is not built into this tracker yet");
	return NULL;
}
