/*
 * test_deliveries.c — replay refusal's table (tracker/store/deliveries.h), on SQLite or, with
 * $TRACKER_TEST_PG, PostgreSQL: a new id is fresh, the same id again is not (per source), and rows
 * older than 7 days are pruned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "deliveries.h"
#include "testdb.h"

static void test_replay(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool fresh;
	int64_t t0 = 1764000000, n;
	assert_int_equal(delivery_record(st, "docs", "d-1", "github", t0, &fresh, &err), 0);
	assert_true(fresh);
	assert_int_equal(delivery_record(st, "docs", "d-1", "github", t0 + 5, &fresh, &err), 0);
	assert_false(fresh);
	/* the same id from another provider is still the same delivery of this source */
	assert_int_equal(delivery_record(st, "docs", "d-1", "gitlab", t0 + 6, &fresh, &err), 0);
	assert_false(fresh);
	/* another source has its own ids */
	assert_int_equal(delivery_record(st, "ops", "d-1", "gitlab", t0 + 7, &fresh, &err), 0);
	assert_true(fresh);
	assert_int_equal(delivery_record(st, "docs", "d-2", "gitea", t0 + 8, &fresh, &err), 0);
	assert_true(fresh);
	assert_int_equal(delivery_count(st, "docs", &n, &err), 0);
	assert_int_equal(n, 2);

	/* 7 days and a second later, d-1 is pruned and taken as new; d-2 (8 s younger) is still there */
	int64_t later = t0 + DELIVERY_KEEP_SECONDS + 1;
	assert_int_equal(delivery_record(st, "docs", "d-1", "github", later, &fresh, &err), 0);
	assert_true(fresh);
	assert_int_equal(delivery_record(st, "docs", "d-2", "gitea", later, &fresh, &err), 0);
	assert_false(fresh);
	assert_int_equal(delivery_count(st, "ops", &n, &err), 0);
	assert_int_equal(n, 1); /* pruned only when older than the cut: ops's d-1 at t0+7 is kept */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_replay, testdb_setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
