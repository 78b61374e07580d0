/*
 * test_store.c — opening databases: migrations upgrade an older file in one step, a newer schema is
 * refused, a new file is 0600 in a directory we make, and the connection settings hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"
#include "store.h"
#include "testdb.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tracker-test-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void test_new_file(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/a/b/tracker.db", dir);
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(store_open(&st, path, STORE_CREATE, 1000, &err), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(pragma_int(&st, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(pragma_int(&st, "PRAGMA foreign_keys"), 1);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(st.db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	store_close(&st);
}

/* Without STORE_CREATE a missing database is an error, read-only or not, and nothing is made. */
static void test_missing_not_created(void **state)
{
	(void)state;
	char path[256], parent[200];
	snprintf(parent, sizeof parent, "%s/typo", dir);
	snprintf(path, sizeof path, "%s/tracker.db", parent);
	struct store st;
	struct error err;
	for (int flags = 0; flags <= STORE_READONLY; flags++) {
		error_init(&err);
		assert_int_equal(store_open(&st, path, flags, 1000, &err), -1);
		assert_int_equal(err.kind, ERR_STORE);
		assert_non_null(strstr(err.msg, "no database at "));
		assert_non_null(strstr(err.msg, path));
		assert_null(st.db);
		struct stat sb;
		assert_int_not_equal(stat(parent, &sb), 0);
	}
}

static void test_upgrade_from_first_version(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/old.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, migrations_sqlite[0].sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA user_version = 1; INSERT INTO incidents (id, source, "
				      "source_hash, imported_at) VALUES ('INC-2026-01-01-1', '/x', 'h', 't')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	struct store st;
	struct error err;
	error_init(&err);
	/* read-only opening does not upgrade behind the user's back */
	assert_int_equal(store_open(&st, path, STORE_READONLY, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "needs upgrading"));
	error_init(&err);
	assert_int_equal(store_open(&st, path, 0, 1000, &err), 0);
	assert_int_equal(pragma_int(&st, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(pragma_int(&st, "SELECT count(*) FROM incidents"), 1); /* data kept */
	assert_int_equal(pragma_int(&st, "SELECT count(*) FROM outbox"), 0);    /* new table there */
	store_close(&st);
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/new.db", dir);
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(store_open(&st, path, STORE_CREATE, 1000, &err), 0);
	assert_int_equal(sqlite3_exec(st.db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	store_close(&st);
	assert_int_equal(store_open(&st, path, 0, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "newer than this tracker knows"));
	assert_int_equal(err.kind, ERR_STORE);
}

static void test_resolve_path(void **state)
{
	(void)state;
	unsetenv("TRACKER_DB");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	char *p = store_resolve_path(NULL, NULL);
	assert_string_equal(p, "/xdg/tracker/tracker.db");
	free(p);
	setenv("TRACKER_DB", "/env.db", 1);
	p = store_resolve_path(NULL, NULL);
	assert_string_equal(p, "/env.db");
	free(p);
	p = store_resolve_path("/cli.db", NULL);
	assert_string_equal(p, "/cli.db");
	free(p);
	unsetenv("TRACKER_DB");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	p = store_resolve_path(NULL, NULL);
	assert_string_equal(p, "/home/u/.local/share/tracker/tracker.db");
	free(p);
}

static int gave_up_after_3(void *ctx, int attempt)
{
	int *calls = ctx;
	(*calls)++;
	return attempt < 3;
}

/* What the HTTP server asks of the store: the data version moves when another connection commits, a
 * ping reads, the busy handler decides how long a writer waits, and the library versions are named.
 * On SQLite, or with $TRACKER_TEST_PG on PostgreSQL. */
static void test_server_hooks(void **state)
{
	(void)state;
	struct store a, b;
	struct error err;
	char path[1200], libs[128];
	int64_t v1, v2, v3;
	error_init(&err);
	if (testdb_is_pg()) {
		/* the same, on a fresh PostgreSQL database */
		assert_int_equal(testdb_open(&a), 0);
		snprintf(path, sizeof path, "%s dbname=%s", getenv("TRACKER_TEST_PG"), testdb_name);
	} else {
		snprintf(path, sizeof path, "%s/hooks.db", dir);
		assert_int_equal(store_open(&a, path, STORE_CREATE, 1000, &err), 0);
	}
	assert_int_equal(store_open(&b, path, 0, 1000, &err), 0);
	assert_int_equal(store_ping(&b, &err), 0);
	assert_int_equal(store_data_version(&b, &v1, &err), 0);
	assert_int_equal(store_data_version(&b, &v2, &err), 0);
	assert_true(v1 == v2);
	assert_int_equal(store_begin(&a, &err), 0);
	assert_int_equal(store_exec(&a,
				    "INSERT INTO incidents (id, source, source_hash, imported_at) "
				    "VALUES ('INC-1','/a','h','t')",
				    &err),
			 0);
	/* b's handler is asked while a holds the write lock, and its "give up" fails b's writer */
	int calls = 0;
	assert_int_equal(store_set_busy_handler(&b, gave_up_after_3, &calls), 0);
	assert_int_equal(store_begin(&b, &err), -1);
	assert_int_equal(calls, 4);
	assert_int_equal(store_commit(&a, &err), 0);
	assert_int_equal(store_data_version(&b, &v3, &err), 0);
	assert_true(v3 != v2);
	assert_int_equal(store_begin(&b, &err), 0);
	store_rollback(&b);
	store_close(&b);
	if (testdb_is_pg())
		testdb_close(&a);
	else
		store_close(&a);
	store_library_versions(libs, sizeof libs);
	assert_true(!strncmp(libs, "SQLite 3.", 9));
	assert_non_null(strstr(libs, ", libpq 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_file),
	    cmocka_unit_test(test_missing_not_created),
	    cmocka_unit_test(test_upgrade_from_first_version),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_resolve_path),
	    cmocka_unit_test(test_server_hooks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
