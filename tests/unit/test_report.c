/*
 * test_report.c — the Review follow-up checklist (report.h) on the fixture of fixture_metrics.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_metrics.h"
#include "report.h"
#include "store.h"
#include "testdb.h"
#include "testsql.h"

static int setup(void **state)
{
	return testdb_setup(state) < 0 || testsql_exec(*state, fixture_metrics_sql) < 0 ? -1 : 0;
}

static void test_checklist(void **state)
{
	struct store *st = *state;
	struct report r;
	struct error err;
	error_init(&err);
	/* INC-…-001: P0 items 1 and 2 are done; P1 item 4 has no due date (3 has one) */
	assert_int_equal(report_checklist(st, "INC-2026-03", &r, &err), 0);
	assert_string_equal(r.incident, "INC-2026-03-01-001");
	assert_string_equal(r.lines[REPORT_P0_COMPLETED].text, "All P0 items completed");
	assert_true(r.lines[REPORT_P0_COMPLETED].ok);
	assert_int_equal(r.lines[REPORT_P0_COMPLETED].nblocking, 0);
	assert_string_equal(r.lines[REPORT_P1_SCHEDULED].text, "All P1 items scheduled");
	assert_false(r.lines[REPORT_P1_SCHEDULED].ok);
	assert_int_equal(r.lines[REPORT_P1_SCHEDULED].nblocking, 1);
	assert_string_equal(r.lines[REPORT_P1_SCHEDULED].blocking[0], "4");
	report_release(&r);
	/* INC-…-002: P0 item 1 is in progress (5 is removed and does not count); no P1 items */
	assert_int_equal(report_checklist(st, "INC-2026-04-05-002", &r, &err), 0);
	assert_false(r.lines[REPORT_P0_COMPLETED].ok);
	assert_int_equal(r.lines[REPORT_P0_COMPLETED].nblocking, 1);
	assert_string_equal(r.lines[REPORT_P0_COMPLETED].blocking[0], "1");
	assert_true(r.lines[REPORT_P1_SCHEDULED].ok);
	report_release(&r);
	/* closing the blocker ticks the line */
	assert_int_equal(testsql_exec(st, "UPDATE items SET status='done' WHERE id=5"), 0);
	assert_int_equal(report_checklist(st, "INC-2026-04-05-002", &r, &err), 0);
	assert_true(r.lines[REPORT_P0_COMPLETED].ok);
	report_release(&r);
}

static void test_unknown_and_ambiguous(void **state)
{
	struct store *st = *state;
	struct report r;
	struct error err;
	error_init(&err);
	assert_int_equal(report_checklist(st, "INC-1999", &r, &err), -1);
	assert_non_null(strstr(err.msg, "no incident INC-1999"));
	assert_int_equal(report_checklist(st, "INC-2026", &r, &err), -1);
	assert_non_null(strstr(err.msg, "ambiguous"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_checklist, setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_and_ambiguous, setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
