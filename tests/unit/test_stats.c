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
#include "stats.h"
#include "store.h"

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
	assert_int_equal(r->open, 3);          /* 3, 4, 5 (9 is removed) */
	assert_int_equal(r->overdue, 1);       /* 3: due 04-01 */
	assert_int_equal(r->done, 4);          /* 1, 2, 6, 8 */
	assert_int_equal(r->wont_do, 1);       /* 7 */
	assert_int_equal(r->done_with_due, 3); /* 1, 2, 8 */
	assert_int_equal(r->done_on_time, 2);  /* 1, 8 */
	assert_true(fabs(stats_on_time_rate(r) - 2.0 / 3.0) < 1e-9);
	assert_int_equal(r->closed_timed, 3);           /* 1 (3d), 2 (10.5d), 6 (1d); 8 was imported done */
	assert_true(fabs(r->median_days - 3.0) < 1e-6); /* rank ceil(1.5) = 2 of [1, 3, 10.5] */
	assert_true(fabs(r->p90_days - 10.5) < 1e-6);   /* rank ceil(2.7) = 3 */
	assert_int_equal(r->slipped, 2);                /* 3 (cli), 5 (import); 9 removed */
	assert_int_equal(r->oldest_open_p01_days, 49);  /* 2026-03-02 .. 2026-04-20 */
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
	assert_true(fabs(p0->median_days - 3.0) < 1e-6); /* [3, 10.5]: rank 1 */
	assert_true(fabs(p0->p90_days - 10.5) < 1e-6);   /* rank 2 */
	assert_int_equal(p0->slipped, 1);
	assert_int_equal(p0->oldest_open_p01_days, 14); /* 5: 2026-04-06 */
	assert_int_equal(p1->open, 2);
	assert_int_equal(p1->overdue, 1);
	assert_int_equal(p1->slipped, 1);
	assert_int_equal(p1->oldest_open_p01_days, 49);
	assert_int_equal(p1->unassigned_p01, 1);
	assert_true(isnan(p1->median_days));
	assert_true(isnan(stats_on_time_rate(p2)));
	assert_int_equal(p2->wont_do, 1);
	assert_true(fabs(p2->median_days - 1.0) < 1e-6);
	assert_int_equal(p2->oldest_open_p01_days, -1);
	assert_int_equal(p3->done_on_time, 1);
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
	assert_int_equal(s.rows[1].done, 2);
	stats_release(&s);

	compute(*state, STATS_BY_ALL, "2026-04-01", &s); /* only INC-2026-04-05-002 */
	assert_int_equal(s.rows[0].open, 1);
	assert_int_equal(s.rows[0].done, 2);
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
	    cmocka_unit_test(test_by_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
