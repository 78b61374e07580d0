/*
 * test_source_deliveries.c — replay refusal's table (sources.h: sources_delivery, sources_delivery_prune),
 * on SQLite or, with $TRACKER_TEST_PG, PostgreSQL: a new id is fresh, the same id again is not (per
 * source), and ids older than the cut are forgotten.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sources.h"
#include "tdate.h"
#include "testdb.h"

static int setup(void **state)
{
	struct store *st = calloc(1, sizeof *st);
	if (!st || testdb_open(st) < 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	testdb_close(*state);
	free(*state);
	return 0;
}

static bool record(struct store *st, const char *src, const char *id, int64_t t)
{
	char at[21], cut[21];
	struct error err;
	error_init(&err);
	bool fresh = false;
	time_format(t, at);
	time_format(t - SOURCES_DELIVERY_KEEP_S, cut);
	if (sources_delivery_prune(st, cut, &err) < 0 || sources_delivery(st, src, id, at, &fresh, &err) < 0)
		fail_msg("%s", err.msg);
	return fresh;
}

static void test_replay(void **state)
{
	struct store *st = *state;
	int64_t t0 = 1764000000;
	assert_true(record(st, "docs", "d-1", t0));
	assert_false(record(st, "docs", "d-1", t0 + 5));
	assert_true(record(st, "ops", "d-1", t0 + 7)); /* another source has its own ids */
	assert_true(record(st, "docs", "d-2", t0 + 8));
	/* 7 days and a second later d-1 is forgotten and taken as new; d-2 (8 s younger) is still known */
	int64_t later = t0 + SOURCES_DELIVERY_KEEP_S + 1;
	assert_true(record(st, "docs", "d-1", later));
	assert_false(record(st, "docs", "d-2", later));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
