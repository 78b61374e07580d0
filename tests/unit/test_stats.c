/*
 * test_stats.c — the metrics of stats.h against the hand-computed fixture (fixture_metrics.h).
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

#include "fixture_metrics.h"
#include "import.h"
#include "merge.h"
#include "stats.h"
#include "store.h"
#include "tdate.h"

static int setup(void **state)
{
	struct store *st = calloc(1, sizeof *st);
	struct error err;
	error_init(&err);
	if (!st || store_open_memory(st, &err) < 0 ||
	    sqlite3_exec(st->db, fixture_metrics_sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s %s\n", err.msg, st ? sqlite3_errmsg(st->db) : "");
		return -1;
	}
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
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
		assert_int_equal(t.open, a->open);
		assert_int_equal(t.overdue, a->overdue);
		assert_int_equal(t.done, a->done);
		assert_int_equal(t.wont_do, a->wont_do);
		assert_int_equal(t.done_on_time, a->done_on_time);
		assert_int_equal(t.slipped, a->slipped);
		assert_int_equal(t.oldest_open_p01_days, a->oldest_open_p01_days);
		assert_int_equal(t.unassigned_p01, a->unassigned_p01);
		assert_int_equal(t.closed_timed, a->closed_timed);
		assert_true(fabs(t.median_days - a->median_days) < 1e-9);
		assert_true(fabs(t.p90_days - a->p90_days) < 1e-9);
		free(t.group);
		stats_release(&by);
	}
	stats_release(&all);
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
	assert_int_equal(store_open_memory(&st, &err), 0);
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
	assert_int_equal(sqlite3_exec(st.db,
				      "UPDATE incidents SET date = NULL WHERE id = 'INC-2026-02-15-007'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	compute(&st, STATS_BY_INCIDENT, NULL, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[0].group, "INC-2026-02-15-007");
	assert_int_equal(s.rows[0].oldest_open_p01_days, 78); /* 2026-02-01 .. 2026-04-20 */
	stats_release(&s);

	/* done later in the tracker: a real close time, measured from the incident */
	assert_int_equal(sqlite3_exec(st.db,
				      "UPDATE items SET status = 'done', closed_at = '2026-04-21T00:00:00Z' "
				      "WHERE incident_id = 'INC-2026-03-01-001' AND key = '2'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	compute(&st, STATS_BY_INCIDENT, NULL, &s);
	r = &s.rows[1];
	assert_string_equal(r->group, "INC-2026-03-01-001");
	assert_int_equal(r->done_with_due, 1);
	assert_int_equal(r->done_on_time, 0);
	assert_int_equal(r->closed_timed, 1);
	assert_true(fabs(r->median_days - 51.0) < 1e-6); /* 2026-03-01 .. 2026-04-21 */
	stats_release(&s);
	store_close(&st);
}

static void test_by_parse(void **state)
{
	(void)state;
	enum stats_by by;
	assert_int_equal(stats_by_parse("owner", &by), 0);
	assert_int_equal(by, STATS_BY_OWNER);
	assert_int_equal(stats_by_parse("team", &by), -1);
	assert_string_equal(stats_by_name(STATS_BY_MONTH), "month");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_total, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_by_priority, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_by_owner_month_since, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_total_from_groups, setup, teardown),
	    cmocka_unit_test(test_back_filled_import),
	    cmocka_unit_test(test_by_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
