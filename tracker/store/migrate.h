/*
 * migrate — the embedded schema migrations, one array per engine (generated at build time from
 * schema/sqlite/NNNN_name.sql and schema/postgresql/NNNN_name.sql by cmake/embed_schema.cmake).
 *
 * migrations_ENGINE[i] has version i+1; the database records the last one applied (SQLite PRAGMA
 * user_version, PostgreSQL the table tracker_schema). Both engines have the same numbers with the
 * same meaning.
 */
#ifndef TRACKER_MIGRATE_H
#define TRACKER_MIGRATE_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations_sqlite[];
extern const int migrations_sqlite_count;
extern const struct migration migrations_postgresql[];
extern const int migrations_postgresql_count;

#endif
