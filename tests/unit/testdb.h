/*
 * testdb.h — the database a unit test runs against: an in-memory SQLite database, or, when
 * $TRACKER_TEST_PG holds a libpq connection string of a running cluster (contrib/pg-cluster.sh; CI's
 * PostgreSQL pass sets it), a fresh PostgreSQL database of its own, dropped again by testdb_close().
 * Either way every migration is applied.
 *
 *   struct store st; assert_int_equal(testdb_open(&st), 0); ... testdb_close(&st);
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
	snprintf(testdb_name, sizeof testdb_name, "unit_%ld_%u", (long)getpid(), seq++);
	char sql[128], target[1024];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", testdb_name);
	if (testdb_admin(sql) < 0)
		return -1;
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", testdb_name);
	if (testdb_admin(sql) < 0)
		return -1;
	snprintf(target, sizeof target, "%s dbname=%s", getenv("TRACKER_TEST_PG"), testdb_name);
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
		char sql[128];
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", testdb_name);
		testdb_admin(sql);
		testdb_name[0] = '\0';
	}
}

#endif
