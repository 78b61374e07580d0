/*
 * testdb.h — the database a unit test runs against: an in-memory SQLite database, or, when
 * $TRACKER_TEST_PG holds a libpq connection string of a running cluster (contrib/pg-cluster.sh; CI's
 * PostgreSQL pass sets it), a fresh PostgreSQL database of its own, dropped again by testdb_close().
 * Either way every migration is applied.
 *
 *   struct store st; assert_int_equal(testdb_open(&st), 0); ... testdb_close(&st);
 *
 * A test whose state is just the store uses testdb_setup/testdb_teardown as its cmocka fixtures:
 *   cmocka_unit_test_setup_teardown(test_x, testdb_setup, testdb_teardown)  (*state is the struct store *)
 */
#ifndef TRACKER_TESTDB_H
#define TRACKER_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "store.h"

static char testdb_name[64];

static inline bool testdb_is_pg(void)
{
	const char *pg = getenv("TRACKER_TEST_PG");
	return pg && *pg;
}

/* Runs one statement on the cluster's maintenance database. */
static inline int testdb_admin(const char *sql)
{
	char target[1024], msg[512];
	snprintf(target, sizeof target, "%s dbname=postgres", getenv("TRACKER_TEST_PG"));
	struct db *db = db_open(target, 0, 10000, msg, sizeof msg);
	if (!db) {
		fprintf(stderr, "testdb: %s\n", msg);
		return -1;
	}
	int rc = db_exec(db, sql);
	if (rc < 0)
		fprintf(stderr, "testdb: %s: %s\n", sql, db_errmsg(db));
	db_close(db);
	return rc < 0 ? -1 : 0;
}

/* Drops PostgreSQL database `name` (if there), closing its connections first. */
static inline int testdb_pg_drop(const char *name)
{
	char sql[160];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.63s WITH (FORCE)", name);
	return testdb_admin(sql);
}

/* A fresh, empty PostgreSQL database `name` on the cluster of $TRACKER_TEST_PG (one left by an earlier
 * run is dropped first); its libpq target goes to target. 0, or -1 with the reason on stderr. */
static inline int testdb_pg_create(const char *name, char *target, size_t targetsz)
{
	char sql[160];
	snprintf(sql, sizeof sql, "CREATE DATABASE %.63s", name);
	if (testdb_pg_drop(name) < 0 || testdb_admin(sql) < 0)
		return -1;
	snprintf(target, targetsz, "%s dbname=%s", getenv("TRACKER_TEST_PG"), name);
	return 0;
}

static inline int testdb_open(struct store *st)
{
	struct error err;
	error_init(&err);
	if (!testdb_is_pg()) {
		if (store_open_memory(st, &err) < 0) {
			fprintf(stderr, "testdb: %s\n", err.msg);
			return -1;
		}
		return 0;
	}
	static unsigned seq;
	char target[1024];
	snprintf(testdb_name, sizeof testdb_name, "unit_%ld_%u", (long)getpid(), seq++);
	if (testdb_pg_create(testdb_name, target, sizeof target) < 0)
		return -1;
	if (store_open(st, target, STORE_CREATE, 10000, &err) < 0) {
		fprintf(stderr, "testdb: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static inline void testdb_close(struct store *st)
{
	store_close(st);
	if (testdb_is_pg() && testdb_name[0]) {
		testdb_pg_drop(testdb_name);
		testdb_name[0] = '\0';
	}
}

/* Removes a SQLite database file a test made (`path`, with its -wal and -shm) and the temporary
 * directory `dir` it is in. */
static inline void testdb_remove_file(const char *dir, const char *path)
{
	char f[1200];
	static const char *const ext[] = {"", "-wal", "-shm"};
	for (int k = 0; k < 3; k++) {
		snprintf(f, sizeof f, "%s%s", path, ext[k]);
		unlink(f);
	}
	rmdir(dir);
}

/* cmocka fixtures: *state becomes a struct store * on a fresh database, closed and freed again. */
static inline int testdb_setup(void **state)
{
	struct store *st = calloc(1, sizeof *st);
	if (!st || testdb_open(st) < 0) {
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static inline int testdb_teardown(void **state)
{
	testdb_close(*state);
	free(*state);
	return 0;
}

#endif
