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

static void test_duration(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(duration_parse("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(duration_parse("30s", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(duration_parse("10m", &v), 0);
	assert_int_equal(v, 600);
	assert_int_equal(duration_parse("6h", &v), 0);
	assert_int_equal(v, 21600);
	assert_int_equal(duration_parse("2d", &v), 0);
	assert_int_equal(v, 172800);
	assert_int_equal(duration_parse("0m", &v), DURATION_ZERO);
	assert_int_equal(duration_parse("36500d", &v), 0);
	assert_int_equal(duration_parse("36501d", &v), DURATION_LONG);
	assert_int_equal(duration_parse("99999999999999999999", &v), DURATION_LONG);
	const char *bad[] = {"", "m", "-5m", "5 m", "5mm", "5w", "1.5h", " 5m", NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(duration_parse(bad[i], &v), DURATION_BAD);
	assert_int_equal(duration_parse(NULL, &v), DURATION_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ymd_roundtrip), cmocka_unit_test(test_invalid_dates),
	    cmocka_unit_test(test_weekday),       cmocka_unit_test(test_time_parse),
	    cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
