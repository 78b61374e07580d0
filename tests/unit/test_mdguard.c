/*
 * test_mdguard.c — the pre-scan's estimates and the refusals of mdguard_check().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdguard.h"

static void test_scan_tables(void **state)
{
	(void)state;
	const char *md = "# T\n\n| a | b | c |\n|---|:-:|---|\n| 1 | 2 | 3 |\n| 4 | 5 | 6 |\n\npara\n";
	struct mdguard_scan sc;
	mdguard_scan(md, strlen(md), &sc);
	assert_int_equal(sc.table_cols, 5); /* pipes + 1: an upper bound */
	assert_int_equal(sc.table_cells, 5 * (2 + 2));
	assert_int_equal(sc.table_line, 4);
	/* a table in a block quote, CRLF line ends, no blank line at the end */
	const char *q = "> |a|b|\r\n> |-|-|\r\n> x\r\n> y";
	mdguard_scan(q, strlen(q), &sc);
	assert_int_equal(sc.table_cols, 4);
	assert_int_equal(sc.table_cells, 4 * (2 + 2));
	/* a thematic break is not a table */
	const char *hr = "a\n\n---\nb\n";
	mdguard_scan(hr, strlen(hr), &sc);
	assert_int_equal(sc.table_cells, 0);
}

static void test_scan_html(void **state)
{
	(void)state;
	const char *md = "intro\n\na <? b <![CDATA[ c ![x\nd <!-- e\n\nlast <?";
	struct mdguard_scan sc;
	mdguard_scan(md, strlen(md), &sc);
	/* the second paragraph: 3 openers (`<!--` is not one) × its 32 bytes with line ends */
	assert_int_equal(sc.html_cost, 3 * 32);
	assert_int_equal(sc.html_line, 3);
}

static void test_scan_fences(void **state)
{
	(void)state;
	/* a pasted log in a fenced block: its `<?xml` and pipes are not parsed as inlines or tables */
	const char *md =
	    "# T\n\n```xml\n<?xml a?> <?xml b?>\n|-|-|\nrow\n```\nafter <? x\n\n~~~~\n<?\n~~~\n<?\n~~~~\n";
	struct mdguard_scan sc;
	mdguard_scan(md, strlen(md), &sc);
	assert_int_equal(sc.table_cells, 0);
	/* only "after <? x": 1 opener × 11 bytes; the `~~~` inside the `~~~~` fence does not close it */
	assert_int_equal(sc.html_cost, 11);
	assert_int_equal(sc.html_line, 8);
}

static char *repeat(const char *head, const char *unit, size_t n)
{
	size_t hl = strlen(head), ul = strlen(unit);
	char *s = malloc(hl + ul * n + 1);
	assert_non_null(s);
	memcpy(s, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	s[hl + ul * n] = '\0';
	return s;
}

static void test_check(void **state)
{
	(void)state;
	char why[512];
	unsigned line = 99;
	const char *ok = "# INC-1\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
	assert_int_equal(mdguard_check(ok, strlen(ok), why, sizeof why, &line), 0);
	assert_int_equal(line, 0);

	/* 500 columns, then 20,000 lines without pipes: 10 million cells, refused by the pre-scan */
	char *hdr = repeat("# INC-1\n\n", "|a", 500);
	char *wide = repeat("", "|-", 500);
	size_t hl = strlen(hdr), wl = strlen(wide);
	char *rows = repeat("", "a\n", 20000);
	size_t dl = hl + wl + strlen(rows) + 8;
	char *doc = malloc(dl);
	assert_non_null(doc);
	snprintf(doc, dl, "%s|\n%s|\n%s", hdr, wide, rows);
	assert_int_equal(mdguard_check(doc, strlen(doc), why, sizeof why, &line), -1);
	assert_int_equal(line, 4);
	assert_non_null(strstr(why, "cells"));
	free(hdr);
	free(wide);
	free(rows);
	free(doc);

	/* 40,000 `a <?` in one paragraph: quadratic, refused by the pre-scan */
	char *pi = repeat("# INC-1\n\n", "a <?", 40000);
	assert_int_equal(mdguard_check(pi, strlen(pi), why, sizeof why, &line), -1);
	assert_int_equal(line, 3);
	free(pi);

	/* 4 MB of dense emphasis: passes the pre-scan, fails the trial parse's memory cap (not under
	 * ASan, which needs the address space the cap would take away) */
	char *em = repeat("# INC-1\n\n", "*a", 2000000);
	int rc = mdguard_check(em, strlen(em), why, sizeof why, &line);
#if defined(__SANITIZE_ADDRESS__)
	(void)rc;
#else
	assert_int_equal(rc, -1);
	assert_non_null(strstr(why, "the Markdown parser needed over")); /* 256 MB, or 0.75 s when slow */
#endif
	free(em);

	/* a large ordinary document goes through the trial parse and passes */
	char *prose =
	    repeat("# INC-1\n\n", "Some words in a paragraph, with *emphasis* and a [link](x).\n\n", 5000);
	assert_int_equal(mdguard_check(prose, strlen(prose), why, sizeof why, &line), 0);
	free(prose);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scan_tables),
	    cmocka_unit_test(test_scan_html),
	    cmocka_unit_test(test_scan_fences),
	    cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
