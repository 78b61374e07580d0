/*
 * test_schema.c — the two engines' migrations (schema/sqlite/, schema/postgresql/) build the same
 * schema, and the constraints mean the same on both.
 *
 * test_same_schema: each engine's catalogue (SQLite pragma_table_info & co, PostgreSQL
 * information_schema and pg_catalog) is written out as one canonical text — per table: every column
 * in order with its type class, NOT NULL, default and identity; the primary key, UNIQUE constraints,
 * foreign keys (with ON DELETE), indexes (partial or not) and triggers — and the two texts must be
 * equal. A PostgreSQL text column without the "C" collation shows up as a difference too. Needs
 * $TRACKER_TEST_PG (a cluster of contrib/pg-cluster.sh; CI's PostgreSQL pass sets it); skipped
 * without.
 *
 * test_constraints: the same statements, run on each engine (SQLite always, PostgreSQL when
 * $TRACKER_TEST_PG is set), are accepted or refused as constraint violations alike: CHECKs, NOT NULL,
 * UNIQUE, foreign keys, append-only history, defaults, and text ordering in byte order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "testdb.h"

/* ---- the catalogue as text ---- */

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	l->v[l->n] = strdup(s);
	assert_non_null(l->v[l->n]);
	l->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, appended to out, freed. */
static void lines_flush(struct lines *l, FILE *out)
{
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, cmp_str);
	for (size_t i = 0; i < l->n; i++) {
		fprintf(out, "  %s\n", l->v[i]);
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static struct db_stmt *prep(struct store *st, const char *sql)
{
	struct db_stmt *s = NULL;
	if (db_prepare(st->conn, sql, &s) < 0)
		fail_msg("prepare: %s\n%s", db_errmsg(st->conn), sql);
	return s;
}

static const char *col(struct db_stmt *s, int i)
{
	const char *t = db_column_text(s, i);
	return t ? t : "";
}

/* "INTEGER"/"bigint" → "integer"; "TEXT"/"text" → "text"; anything else as it is. */
static const char *type_class(const char *t)
{
	if (!strcmp(t, "INTEGER") || !strcmp(t, "bigint"))
		return "integer";
	if (!strcmp(t, "TEXT") || !strcmp(t, "text"))
		return "text";
	return t;
}

/* PostgreSQL writes a default with its type ('[]'::text); SQLite as written ('[]'). */
static void strip_cast(char *d)
{
	const char *casts[] = {"::text", "::bigint", "::integer"};
	for (size_t i = 0; i < sizeof casts / sizeof *casts; i++) {
		size_t n = strlen(d), c = strlen(casts[i]);
		if (n > c && !strcmp(d + n - c, casts[i]))
			d[n - c] = '\0';
	}
}

static const char *pg_on_delete(const char *c)
{
	switch (*c) {
	case 'a':
		return "NO ACTION";
	case 'r':
		return "RESTRICT";
	case 'c':
		return "CASCADE";
	case 'n':
		return "SET NULL";
	case 'd':
		return "SET DEFAULT";
	default:
		return c;
	}
}

static void describe_sqlite_table(struct store *st, const char *table, FILE *out)
{
	struct db_stmt *s = prep(st, "SELECT name, type, \"notnull\", dflt_value, pk, "
				     "(SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) "
				     "FROM pragma_table_info(?1) ORDER BY cid");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		const char *type = type_class(col(s, 1));
		bool pk = db_column_int(s, 4) > 0;
		/* INTEGER PRIMARY KEY is the rowid: a generated id, never NULL. */
		bool identity = pk && db_column_int(s, 5) == 1 && !strcmp(type, "integer");
		fprintf(out, "  column %s %s%s%s", col(s, 0), type,
			db_column_int(s, 2) || pk ? " not-null" : "", identity ? " identity" : "");
		if (!db_column_is_null(s, 3))
			fprintf(out, " default %s", col(s, 3));
		fputc('\n', out);
	}
	db_finalize(s);

	struct lines l = {0};
	char line[512];
	s = prep(st, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk");
	db_bind_text(s, 1, table);
	line[0] = '\0';
	while (db_step(s) == DB_ROW)
		snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", line[0] ? "," : "",
			 col(s, 0));
	db_finalize(s);
	if (line[0]) {
		char pk[600];
		snprintf(pk, sizeof pk, "primary key (%s)", line);
		lines_add(&l, pk);
	}

	/* UNIQUE constraints (origin u) and created indexes (origin c); pk indexes are above. */
	s = prep(st, "SELECT l.name, l.origin, l.partial, "
		     "(SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(l.name) "
		     "ORDER BY seqno)) FROM pragma_index_list(?) l WHERE l.origin <> 'pk'");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		if (!strcmp(col(s, 1), "u"))
			snprintf(line, sizeof line, "unique (%s)", col(s, 3));
		else
			snprintf(line, sizeof line, "index %s (%s)%s", col(s, 0), col(s, 3),
				 db_column_int(s, 2) ? " partial" : "");
		lines_add(&l, line);
	}
	db_finalize(s);

	s = prep(st, "SELECT \"from\", \"table\", coalesce(\"to\", ''), on_delete "
		     "FROM pragma_foreign_key_list(?)");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		snprintf(line, sizeof line, "foreign key (%s) references %s(%s) on delete %s", col(s, 0),
			 col(s, 1), col(s, 2), col(s, 3));
		lines_add(&l, line);
	}
	db_finalize(s);

	s = prep(st, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		snprintf(line, sizeof line, "trigger %s", col(s, 0));
		lines_add(&l, line);
	}
	db_finalize(s);
	lines_flush(&l, out);
}

static void describe_pg_table(struct store *st, const char *table, FILE *out)
{
	struct db_stmt *s =
	    prep(st, "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text, "
		     "is_identity::text, coalesce(collation_name::text, '') FROM information_schema.columns "
		     "WHERE table_schema = current_schema() AND table_name = CAST(? AS TEXT) "
		     "ORDER BY ordinal_position");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		const char *type = type_class(col(s, 1));
		fprintf(out, "  column %s %s%s%s", col(s, 0), type,
			!strcmp(col(s, 2), "NO") ? " not-null" : "",
			!strcmp(col(s, 4), "YES") ? " identity" : "");
		/* Text ordering must be SQLite's byte order whatever the database's locale. */
		if (!strcmp(type, "text") && strcmp(col(s, 5), "C"))
			fprintf(out, " collation %s", *col(s, 5) ? col(s, 5) : "(the database's default)");
		if (!db_column_is_null(s, 3)) {
			char d[256];
			snprintf(d, sizeof d, "%s", col(s, 3));
			strip_cast(d);
			fprintf(out, " default %s", d);
		}
		fputc('\n', out);
	}
	db_finalize(s);

	struct lines l = {0};
	char line[512];
	/* Columns of a constraint or an index, in key order. */
#define PG_COLS(rel, keys)                                                                                   \
	"array_to_string(ARRAY(SELECT a.attname::text FROM unnest(" keys ") WITH ORDINALITY k(n, o) "        \
	"JOIN pg_attribute a ON a.attrelid = " rel " AND a.attnum = k.n ORDER BY k.o), ',')"
	s = prep(st, "SELECT c.contype::text, " PG_COLS(
			 "c.conrelid",
			 "c.conkey") ", "
				     "coalesce(c.confrelid::regclass::text, ''), "
				     "coalesce(" PG_COLS("c.confrelid",
							 "c.confkey") ", ''), c.confdeltype::text "
								      "FROM pg_constraint c WHERE c.conrelid "
								      "= CAST(CAST(? AS TEXT) AS regclass) "
								      "AND c.contype IN ('p', 'u', 'f')");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		const char *t = col(s, 0);
		if (*t == 'p')
			snprintf(line, sizeof line, "primary key (%s)", col(s, 1));
		else if (*t == 'u')
			snprintf(line, sizeof line, "unique (%s)", col(s, 1));
		else
			snprintf(line, sizeof line, "foreign key (%s) references %s(%s) on delete %s",
				 col(s, 1), col(s, 2), col(s, 3), pg_on_delete(col(s, 4)));
		lines_add(&l, line);
	}
	db_finalize(s);

	/* Indexes not made by a PRIMARY KEY or UNIQUE constraint. */
	s = prep(st, "SELECT i.relname::text, ix.indpred IS NOT NULL, " PG_COLS(
			 "ix.indrelid",
			 "ix.indkey::int2[]") " FROM pg_index ix "
					      "JOIN pg_class i ON i.oid = ix.indexrelid "
					      "WHERE ix.indrelid = CAST(CAST(? AS TEXT) AS regclass) "
					      "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
					      "WHERE c.conindid = ix.indexrelid "
					      "AND c.conrelid = ix.indrelid "
					      "AND c.contype IN ('p', 'u', 'x'))");
#undef PG_COLS
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		snprintf(line, sizeof line, "index %s (%s)%s", col(s, 0), col(s, 2),
			 db_column_int(s, 1) ? " partial" : "");
		lines_add(&l, line);
	}
	db_finalize(s);

	/* Row triggers on INSERT, UPDATE or DELETE (information_schema does not list TRUNCATE ones:
	 * PostgreSQL's events table refuses TRUNCATE too, which SQLite has no statement for). */
	s = prep(st, "SELECT DISTINCT trigger_name::text FROM information_schema.triggers "
		     "WHERE event_object_schema = current_schema() "
		     "AND event_object_table = CAST(? AS TEXT)");
	db_bind_text(s, 1, table);
	while (db_step(s) == DB_ROW) {
		snprintf(line, sizeof line, "trigger %s", col(s, 0));
		lines_add(&l, line);
	}
	db_finalize(s);
	lines_flush(&l, out);
}

/* The whole schema as text (caller frees). */
static char *describe(struct store *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	bool pg = store_engine(st) == DB_POSTGRESQL;
	struct db_stmt *s =
	    prep(st, pg ? "SELECT table_name::text FROM information_schema.tables "
			  "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
			  /* the engine's own record of the schema version (SQLite: user_version) */
			  "AND table_name <> 'tracker_schema' ORDER BY table_name::text COLLATE \"C\""
			: "SELECT name FROM sqlite_schema WHERE type = 'table' "
			  "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
	struct lines tables = {0};
	while (db_step(s) == DB_ROW)
		lines_add(&tables, col(s, 0));
	db_finalize(s);
	for (size_t i = 0; i < tables.n; i++) {
		fprintf(out, "table %s\n", tables.v[i]);
		if (pg)
			describe_pg_table(st, tables.v[i], out);
		else
			describe_sqlite_table(st, tables.v[i], out);
		free(tables.v[i]);
	}
	free(tables.v);
	fclose(out);
	return text;
}

/* Fails at the first differing line, naming both. */
static void assert_same_text(const char *a, const char *b, const char *an, const char *bn)
{
	int line = 1;
	const char *pa = a, *pb = b;
	while (*pa || *pb) {
		const char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
		size_t la = ea ? (size_t)(ea - pa) : strlen(pa), lb = eb ? (size_t)(eb - pb) : strlen(pb);
		if (la != lb || memcmp(pa, pb, la)) {
			/* the table the line belongs to */
			const char *t = pa;
			while (t > a && strncmp(t, "table ", 6))
				t--;
			fail_msg(
			    "schema line %d differs (in %.*s):\n  %s: %.*s\n  %s: %.*s\n%s:\n%s\n%s:\n%s",
			    line, (int)strcspn(t, "\n"), t, an, (int)la, pa, bn, (int)lb, pb, an, a, bn, b);
		}
		pa += la + (ea ? 1 : 0);
		pb += lb + (eb ? 1 : 0);
		line++;
	}
}

static void test_migration_lists(void **state)
{
	(void)state;
	assert_int_equal(migrations_sqlite_count, migrations_postgresql_count);
	for (int i = 0; i < migrations_sqlite_count; i++) {
		assert_int_equal(migrations_sqlite[i].version, i + 1);
		assert_int_equal(migrations_postgresql[i].version, i + 1);
		assert_string_equal(migrations_sqlite[i].name, migrations_postgresql[i].name);
	}
}

static void test_same_schema(void **state)
{
	(void)state;
	if (!testdb_is_pg()) {
		print_message("skipped: set TRACKER_TEST_PG to compare with PostgreSQL\n");
		skip();
	}
	struct store lite, pg;
	struct error err;
	error_init(&err);
	assert_int_equal(store_open_memory(&lite, &err), 0);
	assert_int_equal(testdb_open(&pg), 0);
	assert_int_equal(store_engine(&pg), DB_POSTGRESQL);
	char *a = describe(&lite), *b = describe(&pg);
	/* Not vacuous: the tables and columns are there. */
	assert_non_null(strstr(a, "table items\n  column id integer not-null identity\n"));
	assert_non_null(strstr(a, "  column id_derived integer not-null default 0\n"));
	assert_non_null(strstr(a, "  trigger events_no_update\n"));
	assert_same_text(a, b, "SQLite", "PostgreSQL");
	free(a);
	free(b);
	testdb_close(&pg);
	store_close(&lite);
}

/* ---- the same statements on each engine ---- */

static void exec_ok(struct store *st, const char *sql)
{
	struct db_stmt *s = prep(st, sql);
	int rc = db_step(s);
	if (rc != DB_DONE && rc != DB_ROW)
		fail_msg("%s: expected success: %s\n%s", store_describe(st), db_errmsg(st->conn), sql);
	db_finalize(s);
}

static void exec_refused(struct store *st, const char *sql)
{
	struct db_stmt *s = prep(st, sql);
	int rc = db_step(s);
	if (rc != DB_ERR)
		fail_msg("%s: expected a constraint error, the statement was accepted:\n%s",
			 store_describe(st), sql);
	if (db_errclass(st->conn) != DBE_CONSTRAINT)
		fail_msg("%s: expected a constraint error, got class %d: %s\n%s", store_describe(st),
			 (int)db_errclass(st->conn), db_errmsg(st->conn), sql);
	db_finalize(s);
}

static char *query_text(struct store *st, const char *sql)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct db_stmt *s = prep(st, sql);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		for (int i = 0; i < db_column_count(s); i++)
			fprintf(out, "%s%s", i ? "|" : "", db_column_is_null(s, i) ? "NULL" : col(s, i));
		fputc('\n', out);
	}
	if (rc != DB_DONE)
		fail_msg("%s: %s\n%s", store_describe(st), db_errmsg(st->conn), sql);
	db_finalize(s);
	fclose(out);
	return text;
}

#define ITEM_COLS                                                                                            \
	"INSERT INTO items (incident_id, key, position, line, action, status, base_action, "                 \
	"base_status, created_at, updated_at"

static void constraints_on(struct store *st)
{
	exec_ok(st, "INSERT INTO incidents (id, source, source_hash, imported_at) VALUES "
		    "('INC-b', '/b', 'h', 't'), ('INC-B', '/B', 'h', 't'), ('inc-a', '/a', 'h', 't'), "
		    "('INC-\xc3\xa4', '/u', 'h', 't')");
	exec_ok(st, ITEM_COLS ") VALUES ('INC-b', '1', 1, 1, 'a', 'open', 'a', 'open', 't', 't')");
	exec_ok(st, "INSERT INTO events (item_id, incident_id, at, actor, source, kind) "
		    "VALUES (1, 'INC-b', 't', 'me', 'cli', 'note')");
	exec_ok(st, "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ('n', 'h1', 't')");

	/* defaults */
	char *t = query_text(st, "SELECT id, owners, extra, base_owners, sequence, priority FROM items");
	assert_string_equal(t, "1|[]|{}|[]|0|NULL\n");
	free(t);
	t = query_text(st, "SELECT title, id_derived, status, rekeyed_to FROM incidents "
			   "WHERE id = 'INC-b'");
	assert_string_equal(t, "|0|NULL|NULL\n");
	free(t);
	t = query_text(st, "SELECT id, read_only FROM api_tokens");
	assert_string_equal(t, "1|0\n");
	free(t);
	exec_ok(st, "INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, "
		    "next_attempt_at, created_at, updated_at) VALUES ('email', 'a@b', 'overdue', 'k1', "
		    "'{}', 't', 't', 't')");
	t = query_text(st, "SELECT state, attempts FROM outbox");
	assert_string_equal(t, "pending|0\n");
	free(t);
	exec_ok(st, "INSERT INTO feeds (name, scope, token_hash, created_at) "
		    "VALUES ('f', 'all', 'fh', 't')");
	t = query_text(st, "SELECT flavour, created_by FROM feeds");
	assert_string_equal(t, "events|NULL\n");
	free(t);

	/* text sorts in byte order */
	t = query_text(st, "SELECT id FROM incidents ORDER BY id");
	assert_string_equal(t, "INC-B\nINC-b\nINC-\xc3\xa4\ninc-a\n");
	free(t);
	t = query_text(st, "SELECT count(*) FROM incidents WHERE id < 'INC-c' AND id > 'INC-B'");
	assert_string_equal(t, "1\n");
	free(t);

	/* CHECK */
	exec_refused(st, ITEM_COLS ") VALUES ('INC-b', '2', 1, 1, 'a', 'closed', 'a', 'open', 't', 't')");
	exec_refused(st, ITEM_COLS ", priority) VALUES ('INC-b', '2', 1, 1, 'a', 'open', 'a', 'open', "
				   "'t', 't', 4)");
	exec_refused(st, ITEM_COLS ", priority) VALUES ('INC-b', '2', 1, 1, 'a', 'open', 'a', 'open', "
				   "'t', 't', -1)");
	exec_refused(st, "INSERT INTO events (item_id, incident_id, at, actor, source, kind) "
			 "VALUES (1, 'INC-b', 't', 'me', 'web', 'note')");
	exec_refused(st, "INSERT INTO api_tokens (name, token_hash, read_only, created_at) "
			 "VALUES ('n', 'h2', 2, 't')");
	exec_refused(st, "INSERT INTO feeds (name, scope, flavour, token_hash, created_at) "
			 "VALUES ('f', 'all', 'calendar', 'fh2', 't')");
	exec_refused(st, "UPDATE outbox SET state = 'queued'");
	/* NOT NULL */
	exec_refused(st, "INSERT INTO incidents (id, source, source_hash, imported_at) "
			 "VALUES (NULL, '/n', 'h', 't')");
	exec_refused(st, "INSERT INTO incidents (id, source_hash, imported_at) VALUES ('X', 'h', 't')");
	exec_refused(st, "UPDATE items SET action = NULL");
	exec_refused(st, "UPDATE incidents SET id_derived = NULL");
	/* UNIQUE */
	exec_refused(st, ITEM_COLS ") VALUES ('INC-b', '1', 2, 2, 'a', 'open', 'a', 'open', 't', 't')");
	exec_refused(st, "INSERT INTO feeds (name, scope, token_hash, created_at) "
			 "VALUES ('g', 'all', 'fh', 't')");
	exec_refused(st, "INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, "
			 "next_attempt_at, created_at, updated_at) VALUES ('email', 'a@b', 'overdue', "
			 "'k1', '{}', 't', 't', 't')");
	exec_refused(st, "INSERT INTO people (handle, created_at, updated_at) VALUES ('p', 't', 't'), "
			 "('p', 't', 't')");
	/* foreign keys */
	exec_refused(st, ITEM_COLS ") VALUES ('INC-404', '1', 1, 1, 'a', 'open', 'a', 'open', 't', 't')");
	exec_refused(st, "UPDATE incidents SET rekeyed_to = 'INC-404' WHERE id = 'INC-b'");
	exec_refused(st, "INSERT INTO sessions (sid_hash, token_id, created_at, expires) "
			 "VALUES ('s', 99, 't', 1)");
	exec_refused(st, "INSERT INTO reminders_sent (item_id, kind, channel, recipient, local_date, "
			 "at) VALUES (99, 'overdue', 'email', 'a@b', 'd', 't')");
	exec_refused(st, "DELETE FROM incidents WHERE id = 'INC-b'");
	exec_ok(st, "UPDATE incidents SET rekeyed_to = 'INC-B' WHERE id = 'INC-b'");
	/* history is append-only */
	exec_refused(st, "UPDATE events SET note = 'x'");
	exec_refused(st, "DELETE FROM events");
	t = query_text(st, "SELECT count(*), min(note) FROM events");
	assert_string_equal(t, "1|NULL\n");
	free(t);
}

static void test_constraints_sqlite(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(store_open_memory(&st, &err), 0);
	constraints_on(&st);
	store_close(&st);
}

static void test_constraints_pg(void **state)
{
	(void)state;
	if (!testdb_is_pg()) {
		print_message("skipped: set TRACKER_TEST_PG to run on PostgreSQL\n");
		skip();
	}
	struct store st;
	assert_int_equal(testdb_open(&st), 0);
	constraints_on(&st);
	testdb_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_migration_lists),
	    cmocka_unit_test(test_same_schema),
	    cmocka_unit_test(test_constraints_sqlite),
	    cmocka_unit_test(test_constraints_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
