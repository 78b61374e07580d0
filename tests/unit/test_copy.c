/*
 * test_copy.c — copy.h: the fixed table list is exactly the schema's tables (so a new table cannot be
 * forgotten by `tracker db copy`), a store with a row in every table copies with identical counts and
 * checksums, the checksum sees a one-byte change, a non-empty target is refused and replaced only
 * with force (events stay append-only afterwards), and a failed copy leaves the target untouched.
 * Runs SQLite → SQLite always and, with $TRACKER_TEST_PG, SQLite → PostgreSQL → SQLite and
 * PostgreSQL → PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copy.h"
#include "migrate.h"
#include "testdb.h"

static char tmpdir[64];
static char pgnames[8][64];
static int npg;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tracker-test-copy-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	for (int i = 0; i < npg; i++)
		testdb_pg_drop(pgnames[i]);
	npg = 0;
	return system(cmd) == 0 ? 0 : -1;
}

/* Opens (creating) database `name` on engine `e`: a file in tmpdir, or a fresh PostgreSQL database. */
static void open_store(enum db_engine e, const char *name, struct store *st)
{
	char target[1200];
	if (e == DB_SQLITE) {
		snprintf(target, sizeof target, "%s/%s.db", tmpdir, name);
	} else {
		assert_true(npg < 8);
		snprintf(pgnames[npg], sizeof pgnames[npg], "unit_copy_%ld_%s", (long)getpid(), name);
		assert_int_equal(testdb_pg_create(pgnames[npg], target, sizeof target), 0);
		npg++;
	}
	struct error err;
	error_init(&err);
	if (store_open(st, target, STORE_CREATE, 5000, &err) < 0)
		fail_msg("store_open %s: %s", name, err.msg);
}

static void exec_ok(struct store *st, const char *sql)
{
	if (db_exec(st->conn, sql) < 0)
		fail_msg("%s: %s", sql, db_errmsg(st->conn));
}

/* A row in every table, with NULLs, quotes, UTF-8, an incident rekeyed to one with a later key, and
 * ids that are not 1..n. */
static void populate(struct store *st)
{
	exec_ok(st, "INSERT INTO people (handle, name, email, tz, created_at, updated_at) VALUES "
		    "('alice', 'Alice O''Neil', 'alice@example.com', 'Europe/Paris', '2026-01-01T00:00:00Z', "
		    "'2026-01-01T00:00:00Z'), ('bob', NULL, NULL, NULL, '2026-01-02T00:00:00Z', "
		    "'2026-01-02T00:00:00Z');"
		    "INSERT INTO incidents (id, title, date, severity, source, source_hash, imported_at, "
		    "id_derived) VALUES ('INC-2026-01-02-1', 'Z\xc3\xa9ro \"quoted\"', '2026-01-02', 2, "
		    "'/pm/b.md', 'ab', '2026-01-03T00:00:00Z', 0), ('INC-2026-01-01-1', 'first', NULL, NULL, "
		    "'/pm/a.md', 'cd', '2026-01-03T00:00:00Z', 1);"
		    "UPDATE incidents SET rekeyed_to = 'INC-2026-01-02-1' WHERE id = 'INC-2026-01-01-1';"
		    "INSERT INTO items (id, incident_id, key, position, line, action, owners, owner, due, "
		    "priority, status, base_action, base_status, created_at, updated_at) VALUES "
		    "(7, 'INC-2026-01-02-1', '1', 1, 10, 'fix it; '' -- not a comment', '[\"alice\"]', "
		    "'alice', '2026-02-01', 1, 'open', 'fix it', 'open', '2026-01-03T00:00:00Z', "
		    "'2026-01-03T00:00:00Z'), (42, 'INC-2026-01-01-1', '2', 2, 11, 'tab\there', '[]', NULL, "
		    "NULL, NULL, 'done', 'x', 'done', '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z');"
		    "INSERT INTO event_origins (id, source, commit_id, author, subject, committed_at) VALUES "
		    "(12, 'docs', 'c0ffee', 'Alice <alice@example.com>', 'Merge \"x\"', "
		    "'2026-01-03T00:00:00Z');"
		    "INSERT INTO events (id, item_id, incident_id, at, actor, source, kind, field, old, new, "
		    "origin) VALUES (3, 7, 'INC-2026-01-02-1', '2026-01-03T00:00:00Z', 'alice', 'import', "
		    "'created', NULL, NULL, NULL, 12), (9, 42, 'INC-2026-01-01-1', '2026-01-04T00:00:00Z', "
		    "'bob', 'cli', 'changed', 'status', 'open', 'done', NULL);"
		    "INSERT INTO outbox (id, channel, recipient, kind, idempotency_key, payload, state, "
		    "attempts, next_attempt_at, last_code, created_at, updated_at) VALUES (5, 'email', "
		    "'alice@example.com', 'overdue', 'k1', '{\"items\":[7]}', 'sent', 1, "
		    "'2026-01-05T00:00:00Z', 250, '2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z');"
		    "INSERT INTO reminders_sent (id, item_id, kind, channel, recipient, local_date, at, "
		    "outbox_id) VALUES (2, 7, 'overdue', 'email', 'alice@example.com', '2026-01-05', "
		    "'2026-01-05T00:00:00Z', 5);"
		    "INSERT INTO api_tokens (id, name, token_hash, read_only, created_at) VALUES (4, 'ci', "
		    "'h1', 1, '2026-01-01T00:00:00Z');"
		    "INSERT INTO feeds (id, name, scope, flavour, token_hash, created_at, created_by) VALUES "
		    "(6, 'mine', 'owner:alice', 'todo', 'h2', '2026-01-01T00:00:00Z', 4);"
		    "INSERT INTO sessions (id, sid_hash, token_id, created_at, expires) VALUES (8, 's1', 4, "
		    "'2026-01-01T00:00:00Z', 1900000000);"
		    "INSERT INTO action_nonces (nonce, action, item_id, expires, used_at) VALUES ('n1', "
		    "'done', 7, 1900000000, '2026-01-01T00:00:00Z');"
		    "INSERT INTO sources (name, repo, branch, last_commit, synced_at, syncs) VALUES ('docs', "
		    "'https://example.com/pm.git', 'main', 'c0ffee', '2026-01-03T00:00:00Z', 3);"
		    "INSERT INTO source_deliveries (id, source, delivery, provider, received_at) VALUES (3, "
		    "'docs', 'd-1', 'github', '2026-01-03T00:00:00Z');"
		    "INSERT INTO source_own_commits (id, source, commit_id, made_at) VALUES (5, 'docs', "
		    "'beef', '2026-01-03T00:00:00Z');"
		    "INSERT INTO source_history (id, source, first_commit, first_path, last_commit, path, "
		    "incident_id, replayed_at) VALUES (11, 'docs', 'c0ffee', 'pm/a b.md', 'beef', 'pm/c.md', "
		    "'INC-2026-01-02-1', '2026-01-03T00:00:00Z')");
}

static void sums(struct store *st, struct copy_table_sum *out)
{
	struct error err;
	error_init(&err);
	for (size_t i = 0; copy_table_name(i); i++)
		if (copy_table_sum(st, copy_table_name(i), &out[i], &err) < 0)
			fail_msg("%s", err.msg);
}

static size_t ntables(void)
{
	size_t n = 0;
	while (copy_table_name(n))
		n++;
	return n;
}

/* The fixed list is exactly the tables the migrations make. */
static void check_list(struct store *st)
{
	char **names;
	size_t n;
	struct error err;
	error_init(&err);
	assert_int_equal(copy_catalog_tables(st, &names, &n, &err), 0);
	assert_int_equal(n, ntables());
	for (size_t i = 0; i < n; i++) {
		bool listed = false;
		for (size_t j = 0; copy_table_name(j); j++)
			listed = listed || !strcmp(names[i], copy_table_name(j));
		if (!listed)
			fail_msg("table %s is not in copy.c's list: add it (in foreign-key order)", names[i]);
		free(names[i]);
	}
	free(names);
}

static void test_table_list(void **state)
{
	(void)state;
	struct store st;
	open_store(DB_SQLITE, "list", &st);
	check_list(&st);
	store_close(&st);
	if (testdb_is_pg()) {
		open_store(DB_POSTGRESQL, "list", &st);
		check_list(&st);
		store_close(&st);
	}
}

static void copy_ok(struct store *from, struct store *to, bool force, struct copy_report *rep)
{
	struct error err;
	error_init(&err);
	if (copy_store(from, to, force, rep, &err) < 0)
		fail_msg("copy %s -> %s: %s", store_describe(from), store_describe(to), err.msg);
	assert_int_equal(rep->ntables, ntables());
	assert_int_equal(rep->schema_version, store_schema_version());
}

static void assert_same_sums(const struct copy_table_sum *a, const struct copy_table_sum *b)
{
	for (size_t i = 0; i < ntables(); i++) {
		assert_string_equal(a[i].table, b[i].table);
		assert_int_equal(a[i].rows, b[i].rows);
		assert_string_equal(a[i].sha256, b[i].sha256);
	}
}

/* from (populated) → mid → back, all three with the same sums; then the refusals. */
static void round_trip(enum db_engine e1, enum db_engine e2)
{
	struct store a, b, c;
	open_store(e1, "a", &a);
	open_store(e2, "b", &b);
	open_store(e1, "c", &c);
	populate(&a);
	struct copy_table_sum sa[32], sb[32], sc[32];
	sums(&a, sa);
	for (size_t i = 0; i < ntables(); i++)
		assert_true(sa[i].rows >= 1); /* every table has something to copy */

	struct copy_report rep;
	copy_ok(&a, &b, false, &rep);
	assert_false(rep.emptied);
	assert_same_sums(sa, rep.tables);
	sums(&b, sb);
	assert_same_sums(sa, sb);
	copy_ok(&b, &c, false, &rep);
	sums(&c, sc);
	assert_same_sums(sa, sc);

	/* The key sequences go on after the copied ids. */
	exec_ok(&b, "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ('new', 'h9', 'x')");
	struct db_stmt *s;
	assert_int_equal(db_prepare(b.conn, "SELECT max(id) FROM api_tokens", &s), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 5);
	db_finalize(s);

	/* One byte changed: that table's checksum differs, the others do not. */
	exec_ok(&c, "UPDATE people SET name = 'Alice O''Neill' WHERE handle = 'alice'");
	sums(&c, sc);
	assert_string_not_equal(sa[0].sha256, sc[0].sha256);
	assert_string_equal(sa[1].sha256, sc[1].sha256);

	/* A non-empty target is refused and left alone... */
	struct error err;
	error_init(&err);
	assert_int_equal(copy_store(&a, &c, false, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "is not empty"));
	assert_non_null(strstr(err.msg, "--force"));
	sums(&c, sc);
	assert_string_not_equal(sa[0].sha256, sc[0].sha256);
	/* ...and replaced with force; events stay append-only. */
	copy_ok(&a, &c, true, &rep);
	assert_true(rep.emptied);
	assert_true(rep.old_rows > 10);
	sums(&c, sc);
	assert_same_sums(sa, sc);
	assert_int_equal(db_exec(c.conn, "DELETE FROM events"), DB_ERR);
	assert_non_null(strstr(db_errmsg(c.conn), "append-only"));
	assert_int_equal(db_exec(c.conn, "UPDATE events SET actor = 'x'"), DB_ERR);

	/* A copy onto itself is refused. */
	assert_int_equal(copy_store(&a, &a, true, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "onto itself"));
	sums(&a, sb);
	assert_same_sums(sa, sb);
	store_close(&a);
	store_close(&b);
	store_close(&c);
}

static void test_sqlite_sqlite(void **state)
{
	(void)state;
	round_trip(DB_SQLITE, DB_SQLITE);
}

static void test_sqlite_pg(void **state)
{
	(void)state;
	if (!testdb_is_pg())
		skip();
	round_trip(DB_SQLITE, DB_POSTGRESQL);
}

static void test_pg_sqlite(void **state)
{
	(void)state;
	if (!testdb_is_pg())
		skip();
	round_trip(DB_POSTGRESQL, DB_SQLITE);
}

static void test_pg_pg(void **state)
{
	(void)state;
	if (!testdb_is_pg())
		skip();
	round_trip(DB_POSTGRESQL, DB_POSTGRESQL);
}

/* A table the list does not know: the copy is refused before anything is written. */
static void test_unknown_table(void **state)
{
	(void)state;
	struct store a, b;
	open_store(DB_SQLITE, "a", &a);
	open_store(DB_SQLITE, "b", &b);
	populate(&a);
	exec_ok(&a, "CREATE TABLE novel (x INTEGER)");
	struct copy_report rep;
	struct error err;
	error_init(&err);
	assert_int_equal(copy_store(&a, &b, false, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "\"novel\""));
	struct copy_table_sum sb[32];
	sums(&b, sb);
	for (size_t i = 0; i < ntables(); i++)
		assert_int_equal(sb[i].rows, 0);
	/* A column the target lacks: refused too. */
	exec_ok(&a, "DROP TABLE novel; ALTER TABLE people ADD COLUMN pager TEXT");
	assert_int_equal(copy_store(&a, &b, false, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "column pager"));
	store_close(&a);
	store_close(&b);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CASE(test_table_list), CASE(test_sqlite_sqlite), CASE(test_sqlite_pg),
	    CASE(test_pg_sqlite),  CASE(test_pg_pg),         CASE(test_unknown_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
