/*
 * test_stats.c — the metrics of stats.h against the hand-computed fixture (fixture_metrics.h), and the
 * stored start date and close time (schema 0007, stats_refresh_items) against the rules of items.h
 * computed directly: on fixed and generated data, after migration 0007 of an old database, and after
 * item changes. Runs on SQLite, or on a fresh PostgreSQL database with $TRACKER_TEST_PG (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"
#include "fixture_metrics.h"
#include "import.h"
#include "items.h"
#include "merge.h"
#include "migrate.h"
#include "stats.h"
#include "store.h"
#include "tdate.h"
#include "testdb.h"

static void exec_ok(struct store *st, const char *sql)
{
	int rc = db_exec(st->conn, sql);
	if (rc < 0)
		fprintf(stderr, "%s\n", db_errmsg(st->conn));
	assert_int_equal(rc < 0 ? -1 : 0, 0);
}

static void refresh(struct store *st, const char *incident)
{
	struct error err;
	error_init(&err);
	int rc = stats_refresh_items(st, incident, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
}

static int setup(void **state)
{
	struct store *st = calloc(1, sizeof *st);
	if (!st || testdb_open(st) < 0)
		return -1;
	if (db_exec(st->conn, fixture_metrics_sql) < 0) {
		fprintf(stderr, "fixture: %s\n", db_errmsg(st->conn));
		return -1;
	}
	/* the fixture writes the rows directly: store their derived columns as a writer would */
	struct error err;
	error_init(&err);
	if (stats_refresh_items(st, "INC-2026-03-01-001", &err) < 0 ||
	    stats_refresh_items(st, "INC-2026-04-05-002", &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	testdb_close(*state);
	free(*state);
	return 0;
}

static void compute(struct store *st, enum stats_by by, const char *since, struct stats *s)
{
	struct error err;
	error_init(&err);
	int rc = stats_compute(st, by, since, FIXTURE_NOW, s, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
}

/* ---- the rules of items.h, evaluated directly, against the stored columns ---- */

struct ref_item {
	char status[16], due[11], start[11], start_stored[11], closed_at[21];
	int priority; /* -1 none */
	bool owner, removed, known, has_secs;
	int64_t secs;
};

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* Reads every item with ITEM_START_SQL and ITEM_CLOSE_KNOWN_SQL computed from the rules (not from the
 * stored columns), and the stored columns beside them. */
static size_t read_items(struct store *st, struct ref_item **out)
{
	struct db_stmt *s = NULL;
	struct error err;
	error_init(&err);
	assert_int_equal(
	    store_sql(
		st, &s,
		"SELECT i.status, i.priority, i.owner, i.due, i.removed_at, i.closed_at, " ITEM_START_SQL
		", CASE WHEN " ITEM_CLOSE_KNOWN_SQL " THEN 1 ELSE 0 END, i.start_date, "
		"i.close_secs FROM items i ORDER BY i.id",
		&err),
	    0);
	size_t n = 0, cap = 0;
	struct ref_item *v = NULL;
	while (db_step(s) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof *v);
			assert_non_null(v);
		}
		struct ref_item *r = &v[n++];
		memset(r, 0, sizeof *r);
		copy(r->status, sizeof r->status, db_column_text(s, 0));
		r->priority = db_column_is_null(s, 1) ? -1 : db_column_int(s, 1);
		r->owner = !db_column_is_null(s, 2);
		copy(r->due, sizeof r->due, db_column_text(s, 3));
		r->removed = !db_column_is_null(s, 4);
		copy(r->closed_at, sizeof r->closed_at, db_column_text(s, 5));
		copy(r->start, sizeof r->start, db_column_text(s, 6));
		r->known = db_column_int(s, 7) != 0;
		copy(r->start_stored, sizeof r->start_stored, db_column_text(s, 8));
		r->has_secs = !db_column_is_null(s, 9);
		r->secs = db_column_int64(s, 9);
	}
	db_finalize(s);
	*out = v;
	return n;
}

/* The stored columns are the rules: start_date = ITEM_START_SQL; close_secs = closed_at − start (in
 * seconds, computed here in C) exactly when ITEM_CLOSE_KNOWN_SQL. Returns how many items checked. */
static size_t check_stored(struct store *st)
{
	struct ref_item *v;
	size_t n = read_items(st, &v);
	for (size_t k = 0; k < n; k++) {
		const struct ref_item *r = &v[k];
		assert_string_equal(r->start_stored, r->start);
		assert_int_equal(r->has_secs, r->known);
		if (r->known) {
			int64_t closed;
			int32_t start;
			assert_int_equal(time_parse(r->closed_at, &closed), 0);
			assert_int_equal(date_parse(r->start, &start), 0);
			assert_int_equal(r->secs, closed - (int64_t)start * 86400);
		}
	}
	free(v);
	return n;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The "all" row from the rules, item by item in C: what stats_compute must say (slips aside). */
static void reference_all(struct store *st, int64_t now, struct stats_row *t)
{
	struct ref_item *v;
	size_t n = read_items(st, &v), nt = 0;
	int64_t *secs = calloc(n ? n : 1, sizeof *secs);
	char today[11];
	int32_t td = time_to_date(now);
	date_format(td, today);
	memset(t, 0, sizeof *t);
	t->oldest_open_p01_days = -1;
	for (size_t k = 0; k < n; k++) {
		const struct ref_item *r = &v[k];
		if (r->removed)
			continue;
		bool open = strcmp(r->status, "done") && strcmp(r->status, "wont_do");
		bool p01 = r->priority >= 0 && r->priority <= 1;
		if (open) {
			t->open++;
			if (r->due[0] && strcmp(r->due, today) < 0)
				t->overdue++;
			if (p01) {
				int32_t sd;
				assert_int_equal(date_parse(r->start, &sd), 0);
				long days = td > sd ? td - sd : 0;
				if (days > t->oldest_open_p01_days)
					t->oldest_open_p01_days = days;
				t->unassigned_p01 += !r->owner;
				t->unscheduled_p01 += !r->due[0];
			}
		} else if (!strcmp(r->status, "wont_do")) {
			t->wont_do++;
		} else {
			t->done++;
			if (!r->known) {
				t->done_close_unknown++;
				continue;
			}
			if (r->due[0]) {
				t->done_with_due++;
				t->done_on_time += strncmp(r->closed_at, r->due, 10) <= 0;
			}
			int64_t closed;
			int32_t sd;
			assert_int_equal(time_parse(r->closed_at, &closed), 0);
			assert_int_equal(date_parse(r->start, &sd), 0);
			secs[nt++] = closed - (int64_t)sd * 86400;
		}
	}
	qsort(secs, nt, sizeof *secs, cmp_i64);
	t->closed_timed = (long)nt;
	t->median_days = nt ? (double)secs[(nt + 1) / 2 - 1] / 86400.0 : NAN;
	t->p90_days = nt ? (double)secs[(9 * nt + 9) / 10 - 1] / 86400.0 : NAN;
	free(secs);
	free(v);
}

static void same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		assert_true(isnan(a) && isnan(b));
	else
		assert_true(fabs(a - b) < 1e-9);
}

static void same_row(const struct stats_row *a, const struct stats_row *b)
{
	assert_int_equal(a->open, b->open);
	assert_int_equal(a->overdue, b->overdue);
	assert_int_equal(a->done, b->done);
	assert_int_equal(a->wont_do, b->wont_do);
	assert_int_equal(a->done_with_due, b->done_with_due);
	assert_int_equal(a->done_on_time, b->done_on_time);
	assert_int_equal(a->done_close_unknown, b->done_close_unknown);
	assert_int_equal(a->closed_timed, b->closed_timed);
	same_double(a->median_days, b->median_days);
	same_double(a->p90_days, b->p90_days);
	assert_int_equal(a->oldest_open_p01_days, b->oldest_open_p01_days);
	assert_int_equal(a->unassigned_p01, b->unassigned_p01);
	assert_int_equal(a->unscheduled_p01, b->unscheduled_p01);
}

/* stats_compute by "all", and the total of every grouping, equal the reference from the rules. */
static void check_against_reference(struct store *st, int64_t now)
{
	struct stats_row ref, t;
	struct stats s;
	struct error err;
	error_init(&err);
	reference_all(st, now, &ref);
	assert_int_equal(stats_compute(st, STATS_BY_ALL, NULL, now, &s, &err), 0);
	if (ref.open + ref.done + ref.wont_do == 0) {
		assert_int_equal(s.n, 0);
	} else {
		assert_int_equal(s.n, 1);
		same_row(&s.rows[0], &ref);
	}
	long slipped = s.n ? s.rows[0].slipped : 0;
	stats_release(&s);
	for (int b = STATS_BY_PRIORITY; b <= STATS_BY_MONTH; b++) {
		assert_int_equal(stats_compute(st, (enum stats_by)b, NULL, now, &s, &err), 0);
		for (size_t k = 1; k < s.n; k++)
			assert_true(strcmp(s.rows[k - 1].group, s.rows[k].group) < 0);
		assert_int_equal(stats_total(st, &s, NULL, now, &t, &err), 0);
		same_row(&t, &ref);
		assert_int_equal(t.slipped, slipped);
		free(t.group);
		stats_release(&s);
	}
	long with_due = -1, on_time = -1;
	assert_int_equal(stats_on_time(st, now, &with_due, &on_time, &err), 0);
	assert_int_equal(with_due, ref.done_with_due);
	assert_int_equal(on_time, ref.done_on_time);
}

/* ---- the fixture ---- */

static void test_total(void **state)
{
	struct stats s;
	compute(*state, STATS_BY_ALL, NULL, &s);
	assert_int_equal(s.n, 1);
	const struct stats_row *r = &s.rows[0];
	assert_string_equal(r->group, "all");
	assert_int_equal(r->open, 3);               /* 3, 4, 5 (9 is removed) */
	assert_int_equal(r->overdue, 1);            /* 3: due 04-01 */
	assert_int_equal(r->done, 5);               /* 1, 2, 6, 8, 10 */
	assert_int_equal(r->wont_do, 1);            /* 7 */
	assert_int_equal(r->done_with_due, 2);      /* 1, 2; 8 and 10 have no known close time */
	assert_int_equal(r->done_on_time, 1);       /* 1 */
	assert_int_equal(r->done_close_unknown, 2); /* 8, 10 */
	assert_true(fabs(stats_on_time_rate(r) - 0.5) < 1e-9);
	/* from the incident date: 1 (03-01 .. 03-05: 4d), 2 (11.5d), 6 (04-05 .. 04-07: 2d) */
	assert_int_equal(r->closed_timed, 3);
	assert_true(fabs(r->median_days - 4.0) < 1e-6); /* rank ceil(1.5) = 2 of [2, 4, 11.5] */
	assert_true(fabs(r->p90_days - 11.5) < 1e-6);   /* rank ceil(2.7) = 3 */
	assert_int_equal(r->slipped, 2);                /* 3 (cli), 5 (import); 9 removed */
	assert_int_equal(r->oldest_open_p01_days, 50);  /* the incident 2026-03-01 .. 2026-04-20 */
	assert_int_equal(r->unassigned_p01, 1);         /* 4 */
	assert_int_equal(r->unscheduled_p01, 1);        /* 4 */
	stats_release(&s);
	assert_int_equal(check_stored(*state), 10);
	check_against_reference(*state, FIXTURE_NOW);
}

static void test_by_priority(void **state)
{
	struct stats s;
	compute(*state, STATS_BY_PRIORITY, NULL, &s);
	assert_int_equal(s.n, 4);
	const struct stats_row *p0 = &s.rows[0], *p1 = &s.rows[1], *p2 = &s.rows[2], *p3 = &s.rows[3];
	assert_string_equal(p0->group, "P0");
	assert_string_equal(p3->group, "P3");
	assert_int_equal(p0->open, 1);
	assert_int_equal(p0->done, 2);
	assert_true(fabs(stats_on_time_rate(p0) - 0.5) < 1e-9);
	assert_true(fabs(p0->median_days - 4.0) < 1e-6); /* [4, 11.5]: rank 1 */
	assert_true(fabs(p0->p90_days - 11.5) < 1e-6);   /* rank 2 */
	assert_int_equal(p0->slipped, 1);
	assert_int_equal(p0->oldest_open_p01_days, 15); /* 5: its incident, 2026-04-05 */
	assert_int_equal(p1->open, 2);
	assert_int_equal(p1->overdue, 1);
	assert_int_equal(p1->slipped, 1);
	assert_int_equal(p1->oldest_open_p01_days, 50);
	assert_int_equal(p1->unassigned_p01, 1);
	assert_true(isnan(p1->median_days));
	assert_true(isnan(stats_on_time_rate(p2)));
	assert_int_equal(p2->wont_do, 1);
	assert_true(fabs(p2->median_days - 2.0) < 1e-6);
	assert_int_equal(p2->oldest_open_p01_days, -1);
	assert_int_equal(p3->done, 2);
	assert_int_equal(p3->done_with_due, 0); /* both done before their first import */
	assert_int_equal(p3->done_on_time, 0);
	assert_int_equal(p3->done_close_unknown, 2);
	assert_true(isnan(stats_on_time_rate(p3)));
	assert_int_equal(p3->closed_timed, 0);
	stats_release(&s);
}

static void test_by_owner_month_since(void **state)
{
	struct stats s;
	compute(*state, STATS_BY_OWNER, NULL, &s);
	assert_int_equal(s.n, 5); /* (unassigned), alice, bob, carol, dave */
	assert_string_equal(s.rows[0].group, "(unassigned)");
	assert_int_equal(s.rows[0].open, 1);
	assert_int_equal(s.rows[0].wont_do, 1);
	assert_string_equal(s.rows[1].group, "alice");
	assert_int_equal(s.rows[1].done, 2);
	stats_release(&s);

	compute(*state, STATS_BY_MONTH, NULL, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[0].group, "2026-03");
	assert_int_equal(s.rows[0].open, 2);
	assert_string_equal(s.rows[1].group, "2026-04");
	assert_int_equal(s.rows[1].done, 3);
	stats_release(&s);

	compute(*state, STATS_BY_ALL, "2026-04-01", &s); /* only INC-2026-04-05-002 */
	assert_int_equal(s.rows[0].open, 1);
	assert_int_equal(s.rows[0].done, 3);
	assert_int_equal(s.rows[0].wont_do, 1);
	assert_int_equal(s.rows[0].slipped, 1);
	assert_int_equal(s.rows[0].overdue, 0);
	stats_release(&s);

	compute(*state, STATS_BY_INCIDENT, "2027-01-01", &s);
	assert_int_equal(s.n, 0);
	stats_release(&s);
	compute(*state, STATS_BY_ALL, "2027-01-01", &s); /* no item: no row, by "all" too */
	assert_int_equal(s.n, 0);
	stats_release(&s);
}

static void test_total_from_groups(void **state)
{
	struct stats all, by;
	struct stats_row t;
	struct error err;
	error_init(&err);
	compute(*state, STATS_BY_ALL, NULL, &all);
	for (int b = STATS_BY_PRIORITY; b <= STATS_BY_MONTH; b++) {
		compute(*state, (enum stats_by)b, NULL, &by);
		assert_int_equal(stats_total(*state, &by, NULL, FIXTURE_NOW, &t, &err), 0);
		const struct stats_row *a = &all.rows[0];
		assert_string_equal(t.group, "all");
		same_row(&t, a);
		assert_int_equal(t.slipped, a->slipped);
		free(t.group);
		stats_release(&by);
	}
	stats_release(&all);
}

/* ---- generated data: the stored path against the rules ---- */

static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 8) & 0xffffff;
}

/* Incidents (some without a date) and items of every status, with close times known, unknown (NULL,
 * or the import time with and without a status event), due dates before and after the import. */
static void generate(struct store *st, uint32_t seed, int incidents, int per)
{
	struct db_stmt *inc = NULL, *it = NULL, *ev = NULL;
	struct error err;
	error_init(&err);
	assert_int_equal(store_sql(st, &inc,
				   "INSERT INTO incidents (id, date, source, source_hash, imported_at) "
				   "VALUES (?1, ?2, ?3, 'h', 't')",
				   &err),
			 0);
	assert_int_equal(
	    store_sql(
		st, &it,
		"INSERT INTO items (id, incident_id, key, position, line, action, owners, owner, due, "
		"priority, status, base_action, base_status, created_at, updated_at, closed_at, "
		"removed_at) VALUES (?11, ?1, ?2, ?3, ?3, 'a', '[]', ?4, ?5, ?6, ?7, 'a', 'open', ?8, 't', "
		"?9, ?10) RETURNING id",
		&err),
	    0);
	assert_int_equal(
	    store_sql(st, &ev,
		      "INSERT INTO events (item_id, incident_id, at, actor, source, kind, field, old, new) "
		      "VALUES (?1, ?2, 't', 'x', 'cli', 'changed', 'status', 'open', 'done')",
		      &err),
	    0);
	static const char *const statuses[] = {"open", "in_progress", "blocked", "done", "wont_do", "done"};
	int32_t base;
	assert_int_equal(date_parse("2026-01-01", &base), 0);
	for (int k = 0; k < incidents; k++) {
		char id[32], src[32], date[11];
		snprintf(id, sizeof id, "INC-GEN-%04d", k);
		snprintf(src, sizeof src, "/gen/%d.md", k);
		int32_t idate = base + (int32_t)(lcg(&seed) % 100);
		date_format(idate, date);
		db_reset(inc);
		db_bind_text(inc, 1, id);
		db_bind_text(inc, 2, lcg(&seed) % 4 ? date : NULL);
		db_bind_text(inc, 3, src);
		assert_int_equal(store_run(st, inc, &err, "incident"), 0);
		for (int j = 0; j < per; j++) {
			char key[16], due[11], created[21], closed[21];
			snprintf(key, sizeof key, "%d", j + 1);
			/* imported from 10 days before to 30 days after the incident date */
			int64_t created_t =
			    (int64_t)(idate - 10 + (int32_t)(lcg(&seed) % 40)) * 86400 + lcg(&seed) % 86400;
			time_format(created_t, created);
			date_format(idate + (int32_t)(lcg(&seed) % 60) - 20, due);
			const char *status = statuses[lcg(&seed) % 6];
			bool closed_st = !strcmp(status, "done") || !strcmp(status, "wont_do");
			uint32_t how = lcg(&seed) % 4; /* 0 NULL, 1 = created_at, 2-3 later */
			time_format(created_t + (int64_t)(lcg(&seed) % (40 * 86400)), closed);
			db_reset(it);
			db_bind_text(it, 1, id);
			db_bind_text(it, 2, key);
			db_bind_int(it, 3, j + 1);
			db_bind_text(it, 4, lcg(&seed) % 3 ? "alice" : NULL);
			db_bind_text(it, 5, lcg(&seed) % 5 ? due : NULL);
			if (lcg(&seed) % 6)
				db_bind_int(it, 6, (int)(lcg(&seed) % 4));
			else
				db_bind_null(it, 6);
			db_bind_text(it, 7, status);
			db_bind_text(it, 8, created);
			db_bind_text(it, 9, !closed_st || how == 0 ? NULL : how == 1 ? created : closed);
			db_bind_text(it, 10, lcg(&seed) % 10 ? NULL : created);
			db_bind_int64(it, 11,
				      1000 + (int64_t)k * per + j); /* explicit: the fixture's are too */
			if (db_step(it) != DB_ROW) {
				fprintf(stderr, "%s\n", db_errmsg(st->conn));
				fail();
			}
			int64_t item = db_column_int64(it, 0);
			assert_int_equal(db_step(it), DB_DONE);
			if (closed_st && how == 1 &&
			    lcg(&seed) % 2) { /* closed at the import, in the tracker */
				db_reset(ev);
				db_bind_int64(ev, 1, item);
				db_bind_text(ev, 2, id);
				assert_int_equal(store_run(st, ev, &err, "event"), 0);
			}
		}
	}
	db_finalize(inc);
	db_finalize(it);
	db_finalize(ev);
}

static void refresh_generated(struct store *st, int incidents)
{
	for (int k = 0; k < incidents; k++) {
		char id[32];
		snprintf(id, sizeof id, "INC-GEN-%04d", k);
		refresh(st, id);
	}
}

static void test_generated_same_as_rules(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	assert_int_equal(store_begin(st, &err), 0);
	generate(st, 7, 60, 9);
	refresh_generated(st, 60);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(check_stored(st), 10 + 60 * 9);
	int64_t now;
	assert_int_equal(time_parse("2026-03-20T08:00:00Z", &now), 0);
	check_against_reference(st, now);
	check_against_reference(st, FIXTURE_NOW);
}

/* ---- migration 0007 on a database of schema 6 ---- */

/* Opens a database of schema version 6 with the fixture and generated rows in it, closes it, and
 * opens it with the store (which applies 0007). Returns the target for cleanup. */
static void open_v6_then_migrate(struct store *st, char *target, size_t tsz)
{
	const struct migration *m = testdb_is_pg() ? migrations_postgresql : migrations_sqlite;
	int count = testdb_is_pg() ? migrations_postgresql_count : migrations_sqlite_count;
	assert_true(count >= 7);
	assert_string_equal(m[6].name, "0007_item_start_close");
	if (testdb_is_pg()) {
		snprintf(testdb_name, sizeof testdb_name, "unit_v6_%ld", (long)getpid());
		assert_int_equal(testdb_pg_create(testdb_name, target, tsz), 0);
	} else {
		snprintf(target, tsz, "/tmp/test_stats_v6_%ld.db", (long)getpid());
		unlink(target);
	}
	char msg[512];
	struct db *db = db_open(target, DB_OPEN_CREATE, 10000, msg, sizeof msg);
	if (!db)
		fprintf(stderr, "%s\n", msg);
	assert_non_null(db);
	assert_int_equal(db_begin(db), 0);
	for (int i = 0; i < 6; i++)
		if (db_exec(db, m[i].sql) < 0) {
			fprintf(stderr, "%s: %s\n", m[i].name, db_errmsg(db));
			fail();
		}
	assert_int_equal(db_set_schema_version(db, 6), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_exec(db, fixture_metrics_sql), 0);
	struct store old = {.conn = db};
	generate(&old, 11, 30, 7);
	db_close(db);

	struct error err;
	error_init(&err);
	if (store_open(st, target, 0, 10000, &err) < 0)
		fprintf(stderr, "%s\n", err.msg);
	int v = 0;
	assert_int_equal(db_schema_version(st->conn, &v), 0);
	assert_int_equal(v, store_schema_version());
}

static void test_migration_0007_fills(void **state)
{
	(void)state;
	struct store st;
	char target[1024];
	open_v6_then_migrate(&st, target, sizeof target);
	/* the fill agrees with the rules, and with what stats_refresh_items() writes */
	assert_int_equal(check_stored(&st), 10 + 30 * 7);
	struct ref_item *before, *after;
	size_t n = read_items(&st, &before);
	refresh(&st, "INC-2026-03-01-001");
	refresh(&st, "INC-2026-04-05-002");
	refresh_generated(&st, 30);
	assert_int_equal(read_items(&st, &after), n);
	for (size_t k = 0; k < n; k++) {
		assert_string_equal(before[k].start_stored, after[k].start_stored);
		assert_int_equal(before[k].has_secs, after[k].has_secs);
		assert_int_equal(before[k].secs, after[k].secs);
	}
	free(before);
	free(after);
	check_against_reference(&st, FIXTURE_NOW);
	store_close(&st);
	if (testdb_is_pg()) {
		testdb_pg_drop(testdb_name);
		testdb_name[0] = '\0';
	} else {
		unlink(target);
	}
}

/* ---- item changes keep the stored columns ---- */

static void apply(struct store *st, int64_t item, const char *word, const char *at)
{
	struct change ch;
	struct error err;
	int64_t now;
	error_init(&err);
	change_init(&ch);
	assert_int_equal(time_parse(at, &now), 0);
	assert_int_equal(change_parse(&ch, word, &err), 0);
	assert_int_equal(store_begin(st, &err), 0);
	int rc = change_apply(st, item, &ch, "tester", "cli", now, NULL, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(store_commit(st, &err), 0);
	change_release(&ch);
}

static void stored_of(struct store *st, int64_t id, char start[11], bool *has, int64_t *secs)
{
	struct db_stmt *s = NULL;
	struct error err;
	error_init(&err);
	assert_int_equal(store_sql(st, &s, "SELECT start_date, close_secs FROM items WHERE id = ?1", &err),
			 0);
	db_bind_int64(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	copy(start, 11, db_column_text(s, 0));
	*has = !db_column_is_null(s, 1);
	*secs = db_column_int64(s, 1);
	db_finalize(s);
}

static void test_change_updates_stored(void **state)
{
	struct store *st = *state;
	char start[11];
	bool has;
	int64_t secs;
	struct stats s;

	/* 3: P1 open, incident 2026-03-01: done now → a close time from the incident date */
	apply(st, 3, "status=done", "2026-04-20T12:00:00Z");
	stored_of(st, 3, start, &has, &secs);
	assert_string_equal(start, "2026-03-01");
	assert_true(has);
	assert_int_equal(secs, 50 * 86400 + 12 * 3600);
	compute(st, STATS_BY_ALL, NULL, &s);
	assert_int_equal(s.rows[0].closed_timed, 4); /* [2, 4, 11.5, 50.5] */
	assert_int_equal(s.rows[0].done_with_due, 3);
	assert_int_equal(s.rows[0].overdue, 0);
	stats_release(&s);
	/* reopened: no close time any more */
	apply(st, 3, "status=open", "2026-04-21T00:00:00Z");
	stored_of(st, 3, start, &has, &secs);
	assert_false(has);

	/* 5: P0 in progress, imported 2026-04-06; its incident loses its date (as a re-import of the
	 * document without one does), then its due date moves before the import: it starts at the due
	 * date */
	exec_ok(st, "UPDATE incidents SET date = NULL WHERE id = 'INC-2026-04-05-002'");
	refresh(st, "INC-2026-04-05-002");
	stored_of(st, 5, start, &has, &secs);
	assert_string_equal(start, "2026-04-06");
	apply(st, 5, "due=2026-04-01", "2026-04-20T12:00:00Z");
	stored_of(st, 5, start, &has, &secs);
	assert_string_equal(start, "2026-04-01");
	compute(st, STATS_BY_PRIORITY, NULL, &s);
	assert_string_equal(s.rows[0].group, "P0");
	assert_int_equal(s.rows[0].oldest_open_p01_days, 19); /* 2026-04-01 .. 2026-04-20 */
	stats_release(&s);
	/* moved later again: the import date */
	apply(st, 5, "due=2026-05-01", "2026-04-20T12:00:00Z");
	stored_of(st, 5, start, &has, &secs);
	assert_string_equal(start, "2026-04-06");
	check_stored(st);
	check_against_reference(st, FIXTURE_NOW);
}

static void import_md(struct store *st, const char *path, const char *md, int64_t now)
{
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	int prc = import_parse_buffer(path, md, strlen(md), &o, &d);
	for (size_t i = 0; prc < 0 && i < d.ndiags; i++)
		fprintf(stderr, "%s:%u: %s\n", path, d.diags[i].line, d.diags[i].msg);
	assert_int_equal(prc, 0);
	struct merger *m = merger_new(st, &err);
	assert_non_null(m);
	int rc = merge_doc(m, &d, path, "importer", now, &sum, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	merger_free(m);
	import_doc_release(&d);
}

/* History back-filled: post-mortems of March imported on 2026-04-20. The item done before the import
 * has no known close time (not 0% on time, no time to close); open items are as old as their incident
 * (or, without an incident date, their earlier due date), not 0 days. The old code said: on time 0/1,
 * oldest open P0/P1 0 days. */
static void test_back_filled_import(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	int64_t now;
	assert_int_equal(time_parse("2026-04-20T12:00:00Z", &now), 0);
	import_md(&st, "/pm/a.md",
		  "# A\n\n**Incident ID:** INC-2026-03-01-001\n**Date:** 2026-03-01\n\n## Action Items\n\n"
		  "| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"
		  "| 1 | a | @x | 2026-03-10 | P0 | done |\n| 2 | b | @x | 2026-03-20 | P0 | open |\n",
		  now);
	struct stats s;
	compute(&st, STATS_BY_ALL, NULL, &s);
	const struct stats_row *r = &s.rows[0];
	assert_int_equal(r->done, 1);
	assert_int_equal(r->done_with_due, 0);
	assert_int_equal(r->done_close_unknown, 1);
	assert_true(isnan(stats_on_time_rate(r)));
	assert_int_equal(r->closed_timed, 0);
	assert_true(isnan(r->median_days));
	assert_int_equal(r->oldest_open_p01_days, 50); /* 2026-03-01 .. 2026-04-20 */
	stats_release(&s);
	long with_due = -1, on_time = -1;
	assert_int_equal(stats_on_time(&st, now, &with_due, &on_time, &err), 0);
	assert_int_equal(with_due, 0);
	assert_int_equal(on_time, 0);

	/* an incident without a date: the due date before the import stands in */
	import_md(&st, "/pm/b.md",
		  "# B\n\n**Incident ID:** INC-2026-02-15-007\n\n## Action Items\n\n"
		  "| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"
		  "| 1 | c | @y | 2026-02-01 | P1 | open |\n| 2 | d | @y | 2026-05-01 | P1 | open |\n",
		  now);
	exec_ok(&st, "UPDATE incidents SET date = NULL WHERE id = 'INC-2026-02-15-007'");
	refresh(&st, "INC-2026-02-15-007");
	compute(&st, STATS_BY_INCIDENT, NULL, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[0].group, "INC-2026-02-15-007");
	assert_int_equal(s.rows[0].oldest_open_p01_days, 78); /* 2026-02-01 .. 2026-04-20 */
	stats_release(&s);

	/* done later in the document: a real close time (the re-import), measured from the incident */
	int64_t later;
	assert_int_equal(time_parse("2026-04-21T00:00:00Z", &later), 0);
	import_md(&st, "/pm/a.md",
		  "# A\n\n**Incident ID:** INC-2026-03-01-001\n**Date:** 2026-03-01\n\n## Action Items\n\n"
		  "| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"
		  "| 1 | a | @x | 2026-03-10 | P0 | done |\n| 2 | b | @x | 2026-03-20 | P0 | done |\n",
		  later);
	compute(&st, STATS_BY_INCIDENT, NULL, &s);
	r = &s.rows[1];
	assert_string_equal(r->group, "INC-2026-03-01-001");
	assert_int_equal(r->done_with_due, 1);
	assert_int_equal(r->done_on_time, 0);
	assert_int_equal(r->closed_timed, 1);
	assert_true(fabs(r->median_days - 51.0) < 1e-6); /* 2026-03-01 .. 2026-04-21 */
	stats_release(&s);
	check_stored(&st);
	check_against_reference(&st, later);
	testdb_close(&st);
}

/* The same rows, field for field, with the same group names in the same order. */
static void same_stats(const struct stats *a, const struct stats *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t k = 0; k < a->n; k++) {
		assert_string_equal(a->rows[k].group, b->rows[k].group);
		same_row(&a->rows[k], &b->rows[k]);
		assert_int_equal(a->rows[k].slipped, b->rows[k].slipped);
		/* not merely close: the very same doubles (the output is rounded from them) */
		assert_memory_equal(&a->rows[k].median_days, &b->rows[k].median_days, sizeof(double));
		assert_memory_equal(&a->rows[k].p90_days, &b->rows[k].p90_days, sizeof(double));
	}
	assert_int_equal(a->total_closed_timed, b->total_closed_timed);
	assert_memory_equal(&a->total_median_days, &b->total_median_days, sizeof(double));
	assert_memory_equal(&a->total_p90_days, &b->total_p90_days, sizeof(double));
}

/* The done items and the slips read on connections of their own in threads (a database file, or
 * PostgreSQL) give the same stats as every statement on the one connection, for every grouping and
 * --since; inside a transaction, and on an in-memory database, there is one connection. */
static void test_concurrent_same_as_sequential(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	char dir[] = "/tmp/test_stats_XXXXXX", path[64];
	error_init(&err);
	if (testdb_is_pg()) {
		assert_int_equal(testdb_open(&st), 0);
	} else {
		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof path, "%s/t.db", dir);
		assert_int_equal(store_open(&st, path, STORE_CREATE, 5000, &err), 0);
	}
	exec_ok(&st, fixture_metrics_sql);
	refresh(&st, "INC-2026-03-01-001");
	refresh(&st, "INC-2026-04-05-002");
	assert_int_equal(store_begin(&st, &err), 0);
	generate(&st, 11, 150, 9);
	refresh_generated(&st, 150);
	assert_int_equal(store_commit(&st, &err), 0);
	static const char *const sinces[] = {NULL, "2026-02-10", "2027-01-01"};
	for (int b = STATS_BY_ALL; b <= STATS_BY_MONTH; b++)
		for (size_t k = 0; k < sizeof sinces / sizeof *sinces; k++) {
			struct stats seq, conc;
			assert_int_equal(stats_compute_flags(&st, (enum stats_by)b, sinces[k], FIXTURE_NOW,
							     STATS_SEQUENTIAL, &seq, &err),
					 0);
			assert_int_equal(stats_compute_flags(&st, (enum stats_by)b, sinces[k], FIXTURE_NOW, 0,
							     &conc, &err),
					 0);
			assert_int_equal(seq.connections, 1);
			assert_int_equal(conc.connections, 3);
			assert_true(k == 2 ? seq.n == 0 : seq.n > 0);
			same_stats(&seq, &conc);
			stats_release(&seq);
			stats_release(&conc);
		}
	/* inside a transaction another connection would not see its writes: one connection */
	assert_int_equal(store_begin(&st, &err), 0);
	exec_ok(&st, "UPDATE items SET removed_at = 't' WHERE id = 1000");
	struct stats in_tx, seq;
	assert_int_equal(stats_compute(&st, STATS_BY_OWNER, NULL, FIXTURE_NOW, &in_tx, &err), 0);
	assert_int_equal(in_tx.connections, 1);
	assert_int_equal(
	    stats_compute_flags(&st, STATS_BY_OWNER, NULL, FIXTURE_NOW, STATS_SEQUENTIAL, &seq, &err), 0);
	same_stats(&in_tx, &seq);
	stats_release(&in_tx);
	stats_release(&seq);
	store_rollback(&st);
	if (testdb_is_pg()) {
		testdb_close(&st);
	} else {
		store_close(&st);
		testdb_remove_file(dir, path);
	}
}

/* The slips statement repeats the condition of the partial index events_slips (schema 0010) term for
 * term, so SQLite reads that index, not every event (SQLite only: PostgreSQL's planner picks a scan of
 * a small table whatever the indexes). */
static void test_slips_use_partial_index(void **state)
{
	struct store *st = *state;
	if (db_engine(st->conn) != DB_SQLITE)
		skip();
	for (int b = STATS_BY_ALL; b <= STATS_BY_MONTH; b++) {
		char sql[4096];
		struct db_stmt *q = NULL;
		struct error err;
		error_init(&err);
		snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", stats_sql[b][STATS_SQL_SLIPS]);
		assert_int_equal(store_sql(st, &q, sql, &err), 0);
		db_bind_null(q, 1);
		bool uses = false;
		while (db_step(q) == DB_ROW)
			uses |= strstr(db_column_text(q, 3), "USING INDEX events_slips") != NULL;
		db_finalize(q);
		assert_true(uses);
	}
}

/* A part that fails on its own connection, in its thread, fails the whole computation with its
 * message, as it does on the one connection (SQLite file: the events table dropped under the slips). */
static void test_thread_error_reported(void **state)
{
	(void)state;
	if (testdb_is_pg())
		skip();
	struct store st;
	struct error err;
	char dir[] = "/tmp/test_stats_XXXXXX", path[64];
	error_init(&err);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	assert_int_equal(store_open(&st, path, STORE_CREATE, 5000, &err), 0);
	exec_ok(&st, fixture_metrics_sql);
	exec_ok(&st, "PRAGMA foreign_keys = OFF; DROP TABLE events");
	for (int flags = 0; flags <= STATS_SEQUENTIAL; flags += STATS_SEQUENTIAL) {
		struct stats s;
		error_init(&err);
		assert_int_equal(stats_compute_flags(&st, STATS_BY_OWNER, NULL, FIXTURE_NOW, flags, &s, &err),
				 -1);
		assert_non_null(strstr(err.msg, "no such table: events"));
		assert_int_equal(s.n, 0);
		assert_null(s.rows);
	}
	store_close(&st);
	testdb_remove_file(dir, path);
}

/* An in-memory database cannot be shared: one connection, the same figures. */
static void test_memory_is_sequential(void **state)
{
	struct stats s;
	compute(*state, STATS_BY_PRIORITY, NULL, &s);
	assert_int_equal(s.connections, testdb_is_pg() ? 3 : 1);
	stats_release(&s);
}

static void test_by_parse(void **state)
{
	(void)state;
	enum stats_by by;
	assert_int_equal(stats_by_parse("owner", &by), 0);
	assert_int_equal(by, STATS_BY_OWNER);
	assert_int_equal(stats_by_parse("team", &by), -1);
	assert_string_equal(stats_by_name(STATS_BY_MONTH), "month");
	char *sql = stats_shell_script(STATS_BY_PRIORITY, NULL, FIXTURE_NOW);
	assert_non_null(sql);
	assert_non_null(strstr(sql, ".parameter set ?1 \"'2026-04-20'\"\n.parameter set ?2 NULL\nSELECT "));
	assert_non_null(strstr(sql, ".parameter set ?1 NULL\nSELECT "));
	assert_non_null(strstr(sql, stats_sql[STATS_BY_PRIORITY][STATS_SQL_DONE]));
	free(sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_total, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_by_priority, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_by_owner_month_since, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_total_from_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_generated_same_as_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_change_updates_stored, setup, teardown),
	    cmocka_unit_test(test_migration_0007_fills),
	    cmocka_unit_test(test_back_filled_import),
	    cmocka_unit_test(test_by_parse),
	    cmocka_unit_test(test_concurrent_same_as_sequential),
	    cmocka_unit_test_setup_teardown(test_memory_is_sequential, setup, teardown),
	    cmocka_unit_test(test_thread_error_reported),
	    cmocka_unit_test_setup_teardown(test_slips_use_partial_index, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
