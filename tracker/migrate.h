/*
 * migrate — the embedded schema migrations (generated from schema/NNNN_name.sql at build time).
 *
 * store_migrations[i] has version i+1. The database's PRAGMA user_version is the last one applied.
 */
#ifndef TRACKER_MIGRATE_H
#define TRACKER_MIGRATE_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration store_migrations[];
extern const int store_migration_count;

#endif
