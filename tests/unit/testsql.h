/*
 * testsql.h — looking into a unit test's database (testdb.h) through the engine interface, the same
 * way on SQLite and PostgreSQL:
 *
 *   testsql_exec(st, "UPDATE items SET status='blocked'")      0, or -1 (the statement failed)
 *   char *v = testsql_one(st, "SELECT status FROM items ...")  the first row's first column, as text:
 *                                                             "NULL" for SQL NULL, NULL for no row;
 *                                                             a boolean as "1"/"0" on both engines
 *   char *l = testsql_rows(st, "SELECT kind FROM events ... ORDER BY id", ",")
 *                                                             every row's first column joined (what
 *                                                             group_concat gave; PostgreSQL has none)
 * The caller frees the strings. Test code only: the product's SQL lives in the store modules.
 *
 * With <cmocka.h> included first, two assertions:
 *   testsql_expect(st, "SELECT status FROM items ...", "open")      testsql_one() gives exactly that
 *   testsql_expect_rows(st, "SELECT key FROM items ORDER BY id", "1,2")   testsql_rows(…, ",") does
 */
#ifndef TRACKER_TESTSQL_H
#define TRACKER_TESTSQL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store.h"

static inline int testsql_exec(struct store *st, const char *sql)
{
	return db_exec(st->conn, sql) < 0 ? -1 : 0;
}

static inline const char *testsql_text(struct store *st, struct db_stmt *s)
{
	const char *t = db_column_text(s, 0);
	if (!t)
		return "NULL";
	/* a boolean expression comes back as t/f from PostgreSQL, 1/0 from SQLite */
	if (store_engine(st) == DB_POSTGRESQL && (!strcmp(t, "t") || !strcmp(t, "f")))
		return t[0] == 't' ? "1" : "0";
	return t;
}

static inline char *testsql_one(struct store *st, const char *sql)
{
	struct db_stmt *s;
	if (db_prepare(st->conn, sql, &s) < 0) {
		fprintf(stderr, "testsql: %s: %s\n", sql, db_errmsg(st->conn));
		return NULL;
	}
	char *out = NULL;
	int rc = db_step(s);
	if (rc == DB_ROW)
		out = strdup(testsql_text(st, s));
	else if (rc != DB_DONE)
		fprintf(stderr, "testsql: %s: %s\n", sql, db_errmsg(st->conn));
	db_finalize(s);
	return out;
}

static inline char *testsql_rows(struct store *st, const char *sql, const char *sep)
{
	struct db_stmt *s;
	if (db_prepare(st->conn, sql, &s) < 0) {
		fprintf(stderr, "testsql: %s: %s\n", sql, db_errmsg(st->conn));
		return NULL;
	}
	size_t len = 0, rows = 0;
	char *out = calloc(1, 1);
	while (out && db_step(s) == DB_ROW) {
		const char *t = testsql_text(st, s);
		const char *sp = rows++ ? sep : "";
		size_t add = strlen(sp) + strlen(t);
		char *n = realloc(out, len + add + 1);
		if (!n) {
			free(out);
			out = NULL;
			break;
		}
		out = n;
		snprintf(out + len, add + 1, "%s%s", sp, t);
		len += add;
	}
	db_finalize(s);
	return out;
}

#ifdef cmocka_unit_test
static inline void testsql_expect(struct store *st, const char *sql, const char *want)
{
	char *got = testsql_one(st, sql);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static inline void testsql_expect_rows(struct store *st, const char *sql, const char *want)
{
	char *got = testsql_rows(st, sql, ",");
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}
#endif

#endif
