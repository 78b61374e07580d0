/*
 * bench_db.c — what one statement costs through the engine interface (db.h), on SQLite and on
 * PostgreSQL, the way the store modules use it: prepare per call (the PostgreSQL engine's statement
 * cache makes the second prepare free), bind, step, finalize.
 *
 *   bench_db TARGET [N]     TARGET: a SQLite path (removed and created) or a PostgreSQL URL /
 *                           key=value string of an existing database (its table bench_db is dropped
 *                           and created); N rows, default 100000
 *
 * Measures, each as wall time per operation:
 *   insert   N single-row INSERTs, 1000 per transaction (db_begin .. db_commit)
 *   point    N SELECTs of one row by key (autocommit)
 *   update   N single-row UPDATEs by key, 1000 per transaction
 *   scan     one SELECT of all N rows, reading every column
 *   txn      N/10 empty write transactions (db_begin + db_commit: the write lock)
 * Not part of ctest; figures in docs/performance.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "banned.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(struct db *db, const char *what)
{
	fprintf(stderr, "bench_db: %s: %s\n", what, db_errmsg(db));
	exit(1);
}

static void run1(struct db *db, const char *sql, const char *what, int64_t id, const char *text)
{
	struct db_stmt *s;
	if (db_prepare(db, sql, &s) < 0)
		die(db, what);
	if (text)
		db_bind_text(s, 1, text);
	db_bind_int64(s, text ? 2 : 1, id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		(void)db_column_text(s, 0);
	if (rc != DB_DONE)
		die(db, what);
	db_finalize(s);
}

static void report(const char *what, double secs, long ops)
{
	printf("%-8s %8ld ops %8.3f s %8.2f us/op\n", what, ops, secs, secs * 1e6 / (double)ops);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_db TARGET [N]\n");
		return 2;
	}
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
	if (n < 10)
		n = 10;
	char msg[512];
	if (!db_is_postgresql(argv[1]))
		unlink(argv[1]);
	struct db *db = db_open(argv[1], DB_OPEN_CREATE, 10000, msg, sizeof msg);
	if (!db) {
		fprintf(stderr, "bench_db: %s\n", msg);
		return 1;
	}
	printf("%s (%s), N = %ld\n", db_describe(db), db_engine(db) == DB_SQLITE ? "SQLite" : "PostgreSQL",
	       n);
	if (db_exec(db, "DROP TABLE IF EXISTS bench_db") < 0 ||
	    db_exec(db, "CREATE TABLE bench_db (id BIGINT PRIMARY KEY, a TEXT NOT NULL, b BIGINT, "
			"c TEXT)") < 0)
		die(db, "create");

	double t0 = now();
	for (long i = 0; i < n; i++) {
		if (i % 1000 == 0 && db_begin(db) < 0)
			die(db, "begin");
		struct db_stmt *s;
		if (db_prepare(db, "INSERT INTO bench_db (id, a, b, c) VALUES (?, ?, ?, ?)", &s) < 0)
			die(db, "insert");
		db_bind_int64(s, 1, i);
		db_bind_text(s, 2, "an action item's text, about this long, like the real ones");
		db_bind_int64(s, 3, i * 7);
		db_bind_null(s, 4);
		if (db_step(s) != DB_DONE)
			die(db, "insert");
		db_finalize(s);
		if ((i % 1000 == 999 || i == n - 1) && db_commit(db) < 0)
			die(db, "commit");
	}
	report("insert", now() - t0, n);

	t0 = now();
	for (long i = 0; i < n; i++)
		run1(db, "SELECT a, b, c FROM bench_db WHERE id = ?", "point", (i * 7919) % n, NULL);
	report("point", now() - t0, n);

	t0 = now();
	for (long i = 0; i < n; i++) {
		if (i % 1000 == 0 && db_begin(db) < 0)
			die(db, "begin");
		run1(db, "UPDATE bench_db SET c = ? WHERE id = ?", "update", i, "changed");
		if ((i % 1000 == 999 || i == n - 1) && db_commit(db) < 0)
			die(db, "commit");
	}
	report("update", now() - t0, n);

	t0 = now();
	struct db_stmt *s;
	if (db_prepare(db, "SELECT id, a, b, c FROM bench_db ORDER BY id", &s) < 0)
		die(db, "scan");
	long rows = 0;
	int rc;
	int64_t sum = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		sum += db_column_int64(s, 0) + db_column_int64(s, 2) + db_column_bytes(s, 1);
		(void)db_column_text(s, 3);
		rows++;
	}
	if (rc != DB_DONE || rows != n)
		die(db, "scan");
	db_finalize(s);
	report("scan", now() - t0, rows);

	t0 = now();
	for (long i = 0; i < n / 10; i++)
		if (db_begin(db) < 0 || db_commit(db) < 0)
			die(db, "txn");
	report("txn", now() - t0, n / 10);
	if (sum == 42)
		puts("");
	db_exec(db, "DROP TABLE bench_db");
	db_close(db);
	return 0;
}
