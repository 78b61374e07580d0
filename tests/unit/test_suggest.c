/*
 * test_suggest.c — "did you mean": the edit distance (with adjacent swaps) and the nearest-word limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "suggest.h"
#include "banned.h"

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("", ""), 0);
	assert_int_equal(suggest_distance("from", "from"), 0);
	assert_int_equal(suggest_distance("form", "from"), 1); /* a swap is one step */
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(suggest_distance("sendat", "send_at"), 1);
	assert_int_equal(suggest_distance("remidn", "remind"), 1);
	char big[100];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(suggest_distance(big, "a"), SIZE_MAX);
}

static void test_nearest(void **state)
{
	(void)state;
	static const char *const cmds[] = {"import", "list", "show", "set", "serve", "stats", "remind"};
	const size_t n = sizeof cmds / sizeof cmds[0];
	assert_string_equal(suggest_nearest("lsit", cmds, n), "list");
	assert_string_equal(suggest_nearest("imprt", cmds, n), "import");
	assert_string_equal(suggest_nearest("serv", cmds, n), "serve");
	assert_string_equal(suggest_nearest("remidn", cmds, n), "remind");
	assert_null(suggest_nearest("xyzzy", cmds, n));
	assert_null(suggest_nearest("list", cmds, n)); /* a known word is no typo */
	assert_null(suggest_nearest("s", cmds, n));    /* never the whole word */
	assert_null(suggest_nearest("sx", cmds, n));   /* short words: one edit at most ("set" is 2) */
	assert_null(suggest_nearest("", cmds, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distance),
	    cmocka_unit_test(test_nearest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
