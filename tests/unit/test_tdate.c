/*
 * test_tdate.c — civil dates and ISO 8601 instants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tdate.h"

static void test_ymd_roundtrip(void **state)
{
	(void)state;
	int32_t d;
	assert_true(date_from_ymd(1970, 1, 1, &d));
	assert_int_equal(d, 0);
	assert_true(date_from_ymd(2026, 3, 14, &d));
	char out[11];
	date_format(d, out);
	assert_string_equal(out, "2026-03-14");
	for (int32_t x = -1000; x < 200000; x += 37) {
		int y, m, dd;
		int32_t back;
		date_to_ymd(x, &y, &m, &dd);
		assert_true(date_from_ymd(y, m, dd, &back));
		assert_int_equal(back, x);
	}
}

static void test_invalid_dates(void **state)
{
	(void)state;
	int32_t d;
	assert_false(date_from_ymd(2026, 2, 29, &d));
	assert_true(date_from_ymd(2028, 2, 29, &d));
	assert_false(date_from_ymd(2026, 2, 30, &d));
	assert_false(date_from_ymd(2026, 13, 1, &d));
	assert_false(date_from_ymd(2026, 4, 31, &d));
	assert_int_equal(date_parse("2026-02-30", &d), -1);
	assert_int_equal(date_parse("2026-2-3", &d), -1);
	assert_int_equal(date_parse("2026-02-03", &d), 0);
}

static void test_weekday(void **state)
{
	(void)state;
	int32_t d;
	assert_true(date_from_ymd(2026, 11, 27, &d)); /* a Friday */
	assert_int_equal(date_weekday(d), 4);
	assert_true(date_from_ymd(1970, 1, 1, &d)); /* a Thursday */
	assert_int_equal(date_weekday(d), 3);
}

static void test_time_parse(void **state)
{
	(void)state;
	int64_t t;
	char out[21];
	assert_int_equal(time_parse("2026-04-20T10:00:00Z", &t), 0);
	time_format(t, out);
	assert_string_equal(out, "2026-04-20T10:00:00Z");
	assert_int_equal(time_parse("2026-04-20T12:00:00+02:00", &t), 0);
	time_format(t, out);
	assert_string_equal(out, "2026-04-20T10:00:00Z");
	assert_int_equal(time_parse("2026-04-20", &t), 0);
	time_format(t, out);
	assert_string_equal(out, "2026-04-20T00:00:00Z");
	assert_int_equal(time_parse("2026-04-20T10:00", &t), 0);
	assert_int_equal(time_parse("2026-04-20T25:00", &t), -1);
	assert_int_equal(time_parse("2026-04-20X", &t), -1);
	assert_int_equal(time_parse("yesterday", &t), -1);
	assert_int_equal(time_to_date(-1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ymd_roundtrip),
	    cmocka_unit_test(test_invalid_dates),
	    cmocka_unit_test(test_weekday),
	    cmocka_unit_test(test_time_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
