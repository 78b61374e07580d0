/*
 * test_dbtarget.c — telling a PostgreSQL target from a SQLite path, finding a password in it, and
 * redacting it for logs (tracker/store/db.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static void test_engine_from_target(void **state)
{
	(void)state;
	assert_true(db_is_postgresql("postgresql://h/db"));
	assert_true(db_is_postgresql("postgres:///db?host=/run/pg"));
	assert_true(db_is_postgresql("host=/run/pg dbname=tracker"));
	assert_true(db_is_postgresql("dbname=tracker"));
	assert_false(db_is_postgresql("tracker.db"));
	assert_false(db_is_postgresql("/var/lib/tracker/a=b.db"));
	assert_false(db_is_postgresql("./x=1"));
	assert_false(db_is_postgresql("Host=x"));
	assert_false(db_is_postgresql(":memory:"));
	assert_false(db_is_postgresql(NULL));
}

static void check_redact(const char *in, bool has, const char *want)
{
	assert_int_equal(db_target_has_password(in), has);
	char *r = db_redact(in);
	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_password(void **state)
{
	(void)state;
	check_redact("postgresql://u:s3cret@h:5432/db", true, "postgresql://u:***@h:5432/db");
	check_redact("postgresql://u@h/db?x=a:b@c", false, "postgresql://u@h/db?x=a:b@c");
	check_redact("postgresql:///db?host=/run/pg", false, "postgresql:///db?host=/run/pg");
	check_redact("host=/run/pg password=abc dbname=t", true, "host=/run/pg password=*** dbname=t");
	check_redact("host=/run/pg password = 'a b\\' c' dbname=t", true,
		     "host=/run/pg password = *** dbname=t");
	check_redact("host=/run/pg passwordx=1", false, "host=/run/pg passwordx=1");
	check_redact("/tmp/password=1.db", false, "/tmp/password=1.db");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_engine_from_target),
	    cmocka_unit_test(test_password),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
