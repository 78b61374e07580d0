/*
 * bench_sqlite — SQLite alone, for the import benchmark: inserts the rows an import produced into a
 * new database with the real schema (the embedded migrations from schema/, applied by store_open()),
 * with prepared statements in one transaction.
 *
 *   bench_sqlite [--plain] SOURCE.db TARGET.db
 *
 * Untimed, it loads every incident and item of SOURCE.db (the database `tracker import` wrote) into
 * memory. Timed, it creates TARGET.db (which must not exist), inserts those incidents and items and
 * one 'created' event per item, and commits. Prints "sqlite: I incidents, N items, N events, S s, cpu S s".
 *
 * --plain: the limit of issue 9 §7, "a plain SQLite insert of the same incidents and items in one
 * transaction": TARGET.db is opened with SQLite's defaults (no WAL, no migrations), gets two tables
 * with the same columns and only their primary keys (no CHECK, UNIQUE, foreign key or other index),
 * and the incidents and items are inserted — no events. Timed: open, create, insert, commit, close.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "store.h"
#include "banned.h"

#define INC_COLS 11
#define ITEM_COLS 24

static const char inc_select[] =
    "SELECT id, title, date, duration, severity, reporter, approved_by, review_date, "
    "source, source_hash, imported_at FROM incidents ORDER BY rowid";
static const char inc_insert[] = "INSERT INTO incidents (id, title, date, duration, severity, reporter, "
				 "approved_by, review_date, source, source_hash, imported_at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char item_select[] =
    "SELECT id, incident_id, key, position, line, action, owners, owner, due, priority, status, status_raw, "
    "extra, base_action, base_owners, base_due, base_priority, base_status, created_at, updated_at, "
    "closed_at, sequence, snoozed_until, removed_at FROM items ORDER BY id";
static const char item_insert[] =
    "INSERT INTO items (id, incident_id, key, position, line, action, owners, owner, due, priority, status, "
    "status_raw, extra, base_action, base_owners, base_due, base_priority, base_status, created_at, "
    "updated_at, closed_at, sequence, snoozed_until, removed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)";
static const char event_insert[] = "INSERT INTO events (item_id, incident_id, at, actor, source, kind) "
				   "VALUES (?1, ?2, ?3, 'bench', 'import', 'created')";

struct rows {
	sqlite3_value **v; /* n * cols values */
	size_t n, cap;
	int cols;
};

/* "what: SQLite's message"; returns -1. */
static int sq_error(sqlite3 *db, struct error *err, const char *what)
{
	return error_set(err, ERR_STORE, "%s: %s", what, sqlite3_errmsg(db));
}

static int load(sqlite3 *db, const char *sql, int cols, struct rows *r, struct error *err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	r->cols = cols;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 1024;
			sqlite3_value **v = realloc(r->v, cap * (size_t)cols * sizeof *v);
			if (!v) {
				sqlite3_finalize(s);
				return error_set(err, ERR_IO, "out of memory");
			}
			r->v = v;
			r->cap = cap;
		}
		for (int c = 0; c < cols; c++)
			r->v[r->n * (size_t)cols + (size_t)c] = sqlite3_value_dup(sqlite3_column_value(s, c));
		r->n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_error(db, err, "reading the source database");
	return 0;
}

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n * (size_t)r->cols; i++)
		sqlite3_value_free(r->v[i]);
	free(r->v);
}

/* Inserts every row of r with `sql` (which binds the first `nbind` columns). */
static int insert_all(sqlite3 *db, const char *sql, const struct rows *r, int nbind, struct error *err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		for (int c = 0; c < nbind; c++)
			sqlite3_bind_value(s, c + 1, r->v[i * (size_t)r->cols + (size_t)c]);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return sq_error(db, err, "insert");
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return 0;
}

static int insert_events(sqlite3 *db, const struct rows *items, struct error *err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, event_insert, -1, &s, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < items->n; i++) {
		sqlite3_value *const *row = &items->v[i * (size_t)items->cols];
		sqlite3_bind_value(s, 1, row[0]);  /* item id */
		sqlite3_bind_value(s, 2, row[1]);  /* incident id */
		sqlite3_bind_value(s, 3, row[18]); /* created_at */
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return sq_error(db, err, "insert event");
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char plain_schema[] =
    "CREATE TABLE incidents (id TEXT PRIMARY KEY, title TEXT, date TEXT, duration TEXT, severity INTEGER, "
    "reporter TEXT, approved_by TEXT, review_date TEXT, source TEXT, source_hash TEXT, imported_at TEXT);"
    "CREATE TABLE items (id INTEGER PRIMARY KEY, incident_id TEXT, key TEXT, position INTEGER, line INTEGER, "
    "action TEXT, owners TEXT, owner TEXT, due TEXT, priority INTEGER, status TEXT, status_raw TEXT, "
    "extra TEXT, base_action TEXT, base_owners TEXT, base_due TEXT, base_priority INTEGER, base_status TEXT, "
    "created_at TEXT, updated_at TEXT, closed_at TEXT, sequence INTEGER, snoozed_until TEXT, removed_at "
    "TEXT)";

/* The --plain run: see the header. */
__attribute__((noinline)) static int plain(const char *target, const struct rows *incs,
					   const struct rows *items, struct error *err)
{
	double t0 = now_s(), c0 = cpu_s();
	sqlite3 *dst = NULL;
	if (sqlite3_open(target, &dst) != SQLITE_OK) {
		error_set(err, ERR_STORE, "%s: %s", target, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	int rc = -1;
	if (sqlite3_exec(dst, plain_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(dst, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sq_error(dst, err, "schema");
		goto out;
	}
	if (insert_all(dst, inc_insert, incs, INC_COLS, err) < 0 ||
	    insert_all(dst, item_insert, items, ITEM_COLS, err) < 0)
		goto out;
	if (sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sq_error(dst, err, "commit");
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(dst);
	if (rc == 0)
		printf("sqlite: %zu incidents, %zu items, 0 events, %.3f s, cpu %.3f s\n", incs->n, items->n,
		       now_s() - t0, cpu_s() - c0);
	return rc;
}

int main(int argc, char **argv)
{
	bool is_plain = argc == 4 && !strcmp(argv[1], "--plain");
	if (is_plain) {
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: bench_sqlite [--plain] SOURCE.db TARGET.db\n");
		return 2;
	}
	if (access(argv[2], F_OK) == 0) {
		fprintf(stderr, "bench_sqlite: %s exists; give a new path\n", argv[2]);
		return 2;
	}
	sqlite3 *src = NULL, *dst = NULL;
	struct rows incs = {0}, items = {0};
	struct error err;
	error_init(&err);
	int rc = 1;
	if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sq_error(src, &err, argv[1]);
		goto out;
	}
	if (load(src, inc_select, INC_COLS, &incs, &err) < 0 ||
	    load(src, item_select, ITEM_COLS, &items, &err) < 0)
		goto out;
	if (is_plain) {
		rc = plain(argv[2], &incs, &items, &err) < 0;
		goto out;
	}

	/* The real schema: store_open() applies the migrations; then the same settings as the SQLite
	 * engine (WAL, foreign keys, synchronous NORMAL) on a connection of our own. */
	double t0 = now_s(), c0 = cpu_s();
	struct store st;
	if (store_open(&st, argv[2], STORE_CREATE, 5000, &err) < 0)
		goto out;
	store_close(&st);
	if (sqlite3_open(argv[2], &dst) != SQLITE_OK ||
	    sqlite3_exec(dst,
			 "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(dst, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		sq_error(dst, &err, argv[2]);
		goto out;
	}
	if (insert_all(dst, inc_insert, &incs, INC_COLS, &err) < 0 ||
	    insert_all(dst, item_insert, &items, ITEM_COLS, &err) < 0 ||
	    insert_events(dst, &items, &err) < 0) {
		sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sq_error(dst, &err, "commit");
		goto out;
	}
	sqlite3_close(dst);
	dst = NULL;
	printf("sqlite: %zu incidents, %zu items, %zu events, %.3f s, cpu %.3f s\n", incs.n, items.n, items.n,
	       now_s() - t0, cpu_s() - c0);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_sqlite: %s\n", err.msg);
	sqlite3_close(src);
	sqlite3_close(dst);
	rows_free(&incs);
	rows_free(&items);
	return rc;
}
