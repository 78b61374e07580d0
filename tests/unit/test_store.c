/*
 * test_store.c — opening databases: migrations upgrade an older database in one step, a newer schema
 * is refused, processes opening a new database at once all get the whole schema, a missing database
 * is an error and nothing is made; on SQLite a new file is 0600 in a directory we make and the
 * connection settings hold.
 *
 * The engine cases run on SQLite (files in a temporary directory) and, when $TRACKER_TEST_PG holds a
 * cluster's connection string (tests/unit/testdb.h), again on PostgreSQL, each on a fresh database
 * of its own, dropped at the end.
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
#include <sys/wait.h>
#include <unistd.h>

#include "migrate.h"
#include "store.h"
#include "testdb.h"

static char dir[64];

/* PostgreSQL databases made by fresh_target(), dropped in teardown. */
static char pg_made[16][64];
static int npg_made;

enum engine { ON_SQLITE, ON_PG };
static enum engine on_sqlite = ON_SQLITE, on_pg = ON_PG;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tracker-test-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[160];
	for (int i = 0; i < npg_made; i++)
		testdb_pg_drop(pg_made[i]);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The engine of a case; skips the PostgreSQL one without $TRACKER_TEST_PG. */
static enum engine engine_of(void **state)
{
	enum engine e = *(enum engine *)*state;
	if (e == ON_PG && !testdb_is_pg()) {
		print_message("skipped: set TRACKER_TEST_PG to run on PostgreSQL\n");
		skip();
	}
	return e;
}

/* A database name on the cluster for NAME (not created). */
static void pg_name(char *out, size_t n, const char *name)
{
	snprintf(out, n, "unit_store_%ld_%s", (long)getpid(), name);
}

/* The target of a new database NAME: a file path in dir (not created), or a new, empty PostgreSQL
 * database (created: tracker never creates one). */
static void fresh_target(enum engine e, const char *name, char *out, size_t n)
{
	if (e == ON_SQLITE) {
		snprintf(out, n, "%s/%s.db", dir, name);
		return;
	}
	char db[64];
	pg_name(db, sizeof db, name);
	assert_true(npg_made < (int)(sizeof pg_made / sizeof *pg_made));
	snprintf(pg_made[npg_made++], sizeof pg_made[0], "%s", db);
	assert_int_equal(testdb_pg_create(db, out, n), 0);
}

static int64_t query_int(struct db *db, const char *sql, const char *arg)
{
	struct db_stmt *s;
	if (db_prepare(db, sql, &s) < 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
	if (arg)
		db_bind_text(s, 1, arg);
	if (db_step(s) != DB_ROW)
		fail_msg("%s: no row: %s", sql, db_errmsg(db));
	int64_t v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

static int schema_version(struct store *st)
{
	int v = -1;
	assert_int_equal(db_schema_version(st->conn, &v), 0);
	return v;
}

/* SQLite only: the file's mode, its directory made, WAL, foreign keys. */
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
	assert_int_equal(query_int(st.conn, "PRAGMA user_version", NULL), store_schema_version());
	assert_int_equal(query_int(st.conn, "PRAGMA foreign_keys", NULL), 1);
	struct db_stmt *s;
	assert_int_equal(db_prepare(st.conn, "PRAGMA journal_mode", &s), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "wal");
	db_finalize(s);
	store_close(&st);
}

/* A new database gets every migration: the version and the last migration's tables and columns. */
static void test_new_database(void **state)
{
	enum engine e = engine_of(state);
	char target[1024];
	fresh_target(e, "new", target, sizeof target);
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(store_open(&st, target, STORE_CREATE, 1000, &err), 0);
	assert_int_equal(store_engine(&st), e == ON_PG ? DB_POSTGRESQL : DB_SQLITE);
	assert_int_equal(schema_version(&st), store_schema_version());
	assert_int_equal(query_int(st.conn, "SELECT count(*) FROM sessions", NULL), 0);
	assert_int_equal(query_int(st.conn, "SELECT count(id_derived) FROM incidents", NULL), 0);
	store_close(&st);
	/* Opening again changes nothing. */
	assert_int_equal(store_open(&st, target, 0, 1000, &err), 0);
	assert_int_equal(schema_version(&st), store_schema_version());
	store_close(&st);
}

/* Without STORE_CREATE a missing database is an error, read-only or not, and nothing is made. On
 * PostgreSQL tracker never creates a database, with STORE_CREATE either. */
static void test_missing_not_created(void **state)
{
	enum engine e = engine_of(state);
	char target[1024], parent[200], name[64];
	if (e == ON_SQLITE) {
		snprintf(parent, sizeof parent, "%s/typo", dir);
		snprintf(target, sizeof target, "%s/tracker.db", parent);
	} else {
		pg_name(name, sizeof name, "missing");
		snprintf(target, sizeof target, "%s dbname=%s", getenv("TRACKER_TEST_PG"), name);
	}
	struct store st;
	struct error err;
	int last = e == ON_SQLITE ? STORE_READONLY : STORE_CREATE;
	for (int flags = 0; flags <= last; flags++) {
		error_init(&err);
		assert_int_equal(store_open(&st, target, flags, 1000, &err), -1);
		assert_int_equal(err.kind, ERR_STORE);
		assert_null(st.conn);
		if (e == ON_SQLITE) {
			assert_non_null(strstr(err.msg, "no database at "));
			assert_non_null(strstr(err.msg, target));
			struct stat sb;
			assert_int_not_equal(stat(parent, &sb), 0);
		} else {
			assert_non_null(strstr(err.msg, name));
			assert_non_null(strstr(err.msg, "does not exist"));
			char admin[1024], msg[256];
			snprintf(admin, sizeof admin, "%s dbname=postgres", getenv("TRACKER_TEST_PG"));
			struct db *db = db_open(admin, 0, 1000, msg, sizeof msg);
			assert_non_null(db);
			assert_int_equal(
			    query_int(db, "SELECT count(*) FROM pg_database WHERE datname = ?", name), 0);
			db_close(db);
		}
	}
}

/* A database at version 1 with data: a read-only open refuses to upgrade it, a writable one applies
 * the rest in one go and keeps the data. */
static void test_upgrade_from_first_version(void **state)
{
	enum engine e = engine_of(state);
	char target[1024], msg[512];
	fresh_target(e, "old", target, sizeof target);
	struct db *db = db_open(target, DB_OPEN_CREATE, 1000, msg, sizeof msg);
	if (!db)
		fail_msg("%s", msg);
	const struct migration *m = e == ON_PG ? migrations_postgresql : migrations_sqlite;
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_exec(db, m[0].sql), 0);
	assert_int_equal(db_set_schema_version(db, 1), 0);
	assert_int_equal(db_exec(db, "INSERT INTO incidents (id, source, source_hash, imported_at) "
				     "VALUES ('INC-2026-01-01-1', '/x', 'h', 't')"),
			 0);
	assert_int_equal(db_commit(db), 0);
	db_close(db);

	struct store st;
	struct error err;
	error_init(&err);
	/* read-only opening does not upgrade behind the user's back */
	assert_int_equal(store_open(&st, target, STORE_READONLY, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "needs upgrading"));
	error_init(&err);
	assert_int_equal(store_open(&st, target, 0, 1000, &err), 0);
	assert_int_equal(schema_version(&st), store_schema_version());
	assert_int_equal(query_int(st.conn, "SELECT count(*) FROM incidents", NULL), 1); /* data kept */
	assert_int_equal(query_int(st.conn, "SELECT count(*) FROM outbox", NULL), 0);    /* new table */
	assert_int_equal(
	    query_int(st.conn, "SELECT id_derived FROM incidents WHERE id = 'INC-2026-01-01-1'", NULL), 0);
	store_close(&st);
}

static void test_newer_schema_refused(void **state)
{
	enum engine e = engine_of(state);
	char target[1024];
	fresh_target(e, "newer", target, sizeof target);
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(store_open(&st, target, STORE_CREATE, 1000, &err), 0);
	assert_int_equal(db_begin(st.conn), 0);
	assert_int_equal(db_set_schema_version(st.conn, 999), 0);
	assert_int_equal(db_commit(st.conn), 0);
	store_close(&st);
	for (int flags = 0; flags <= STORE_READONLY; flags++) {
		error_init(&err);
		assert_int_equal(store_open(&st, target, flags, 1000, &err), -1);
		assert_non_null(strstr(err.msg, "newer than this tracker knows"));
		assert_int_equal(err.kind, ERR_STORE);
	}
}

/* Eight processes open the same new database at once: each gets the whole schema (the migration runs
 * once, under the write lock; the others see the version it recorded). Several rounds, because the race
 * on a new SQLite file (switching it to WAL) is lost only now and then. */
static void test_concurrent_first_open(void **state)
{
	enum engine e = engine_of(state);
	int rounds = e == ON_SQLITE ? 25 : 3;
	for (int r = 0; r < rounds; r++) {
		char name[32], target[1024];
		snprintf(name, sizeof name, "race%d", r);
		fresh_target(e, name, target, sizeof target);
		pid_t pids[8];
		for (int i = 0; i < 8; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				struct store st;
				struct error err;
				error_init(&err);
				if (store_open(&st, target, STORE_CREATE, 10000, &err) < 0) {
					fprintf(stderr, "round %d, child %d: %s\n", r, i, err.msg);
					_exit(1);
				}
				int v = -1;
				int rc = db_schema_version(st.conn, &v) == 0 && v == store_schema_version()
					     ? 0
					     : 2;
				store_close(&st);
				_exit(rc);
			}
		}
		for (int i = 0; i < 8; i++) {
			int status;
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		struct store st;
		struct error err;
		error_init(&err);
		assert_int_equal(store_open(&st, target, STORE_READONLY, 1000, &err), 0);
		assert_int_equal(schema_version(&st), store_schema_version());
		store_close(&st);
	}
}

/* A process that waits for the write lock to migrate while another one (a newer tracker) records a
 * version above ours refuses once it holds the lock, and does not write its own version over it. The
 * parent holds the lock (an old database, version 1) for a second before recording the newer version,
 * so the child has read version 1 and is waiting on the lock by then (if it were late, it would refuse at
 * its first read instead, with the same message: the case would pass without testing the re-read). */
static void test_waiter_finds_newer_version(void **state)
{
	enum engine e = engine_of(state);
	char target[1024], msg[512];
	fresh_target(e, "waiter", target, sizeof target);
	struct db *db = db_open(target, DB_OPEN_CREATE, 1000, msg, sizeof msg);
	if (!db)
		fail_msg("%s", msg);
	const struct migration *m = e == ON_PG ? migrations_postgresql : migrations_sqlite;
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_exec(db, m[0].sql), 0);
	assert_int_equal(db_set_schema_version(db, 1), 0);
	assert_int_equal(db_commit(db), 0);
	db_close(db); /* no connection across fork(): SQLite keeps its lock records per process */

	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		struct store st;
		struct error err;
		error_init(&err);
		if (store_open(&st, target, 0, 20000, &err) == 0) {
			store_close(&st);
			_exit(1);
		}
		if (!strstr(err.msg, "is newer than this tracker knows")) {
			fprintf(stderr, "waiter: %s\n", err.msg);
			_exit(2);
		}
		_exit(0);
	}
	close(go[0]);
	db = db_open(target, 0, 1000, msg, sizeof msg);
	if (!db)
		fail_msg("%s", msg);
	assert_int_equal(db_begin(db), 0); /* the write lock, as a migrating tracker holds it */
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	sleep(1);
	int newer = store_schema_version() + 1;
	assert_int_equal(db_set_schema_version(db, newer), 0);
	assert_int_equal(db_commit(db), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	int v = -1;
	assert_int_equal(db_schema_version(db, &v), 0);
	assert_int_equal(v, newer);
	db_close(db);
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
	bool writable = false;
	assert_int_equal(store_health(&b, &writable, &err), 0);
	assert_true(writable);
	/* change notification: PostgreSQL only; SQLite says so */
	if (testdb_is_pg()) {
		assert_int_equal(store_listen(&b, &err), 0);
		assert_true(store_socket(&b) >= 0);
	} else {
		assert_int_equal(store_listen(&b, &err), -1);
		assert_non_null(strstr(err.msg, "no change notifications on SQLite"));
		assert_int_equal(store_socket(&b), -1);
	}
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
	assert_false(store_unreachable(&b)); /* busy is not unreachable: 503 either way, no outage */
	assert_int_equal(store_commit(&a, &err), 0);
	if (testdb_is_pg()) { /* a's commit notified; this process's own tag */
		int others = 0, own = 0;
		for (int i = 0; i < 100 && !own; i++) {
			assert_int_equal(store_notifications(&b, &others, &own, &err), 0);
			if (!own)
				usleep(20 * 1000);
		}
		assert_int_equal(own, 1);
		assert_int_equal(others, 0);
	}
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

#define BOTH(fn) cmocka_unit_test_prestate(fn, &on_sqlite), cmocka_unit_test_prestate(fn, &on_pg)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_file),       BOTH(test_new_database),
	    BOTH(test_missing_not_created),        BOTH(test_upgrade_from_first_version),
	    BOTH(test_newer_schema_refused),       BOTH(test_concurrent_first_open),
	    BOTH(test_waiter_finds_newer_version), cmocka_unit_test(test_resolve_path),
	    cmocka_unit_test(test_server_hooks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
