/*
 * test_ident.c — incident ids and dates as teams write them (issue 9 §1, §5): classification,
 * ids in titles, ids derived from file names, incident date forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "tdate.h"

static void test_classify(void **state)
{
	(void)state;
	/* ids, case-sensitive tokens of letters, digits and ._#- */
	assert_int_equal(ident_classify("PM2021-011", false, NULL), ID_OK);
	assert_int_equal(ident_classify("INC-2026-03-14-042", false, NULL), ID_OK);
	assert_int_equal(ident_classify("#465", false, NULL), ID_OK);
	assert_string_equal(ident_trim_hash("#465"), "465");
	assert_int_equal(ident_classify("ops.db_7", false, NULL), ID_OK);
	/* a word is an id only under a strong label */
	assert_int_equal(ident_classify("checkout", false, NULL), ID_NOT);
	assert_int_equal(ident_classify("checkout", true, NULL), ID_OK);
	/* prose, too long, other characters */
	assert_int_equal(ident_classify("Database outage on 3 May", true, NULL), ID_NOT);
	char long_id[80];
	memset(long_id, 'a', 65);
	long_id[0] = '1';
	long_id[65] = '\0';
	assert_int_equal(ident_classify(long_id, true, NULL), ID_NOT);
	long_id[64] = '\0';
	assert_int_equal(ident_classify(long_id, true, NULL), ID_OK);
	assert_int_equal(ident_classify("PM/2021/011", true, NULL), ID_NOT);
	assert_int_equal(ident_classify("---", true, NULL), ID_PLACEHOLDER);
	/* a placeholder behind the "#" that is dropped from ids is still one (found by fuzz_import) */
	assert_int_equal(ident_classify("#000", true, NULL), ID_PLACEHOLDER);
	assert_int_equal(ident_classify("", true, NULL), ID_NOT);
	/* placeholders, named as such */
	static const char *const ph[] = {"INC-YYYY-MM-DD-XXX",
					 "INC-2026-03-14-XXX",
					 "TBD",
					 "tbd",
					 "<id>",
					 "[id]",
					 "{{ id }}",
					 "N/A",
					 "Pending",
					 "XXX",
					 "?"};
	for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++)
		assert_int_equal(ident_classify(ph[i], true, NULL), ID_PLACEHOLDER);
	/* a team pattern is the rule: the whole value must match */
	regex_t re;
	char msg[128];
	assert_int_equal(ident_compile("PM[0-9]{4}-[0-9]{3}", &re, msg, sizeof msg), 0);
	assert_int_equal(ident_classify("PM2021-011", false, &re), ID_OK);
	assert_int_equal(ident_classify("PM2021-0111", true, &re), ID_NOT);
	assert_int_equal(ident_classify("xPM2021-011", true, &re), ID_NOT);
	assert_int_equal(ident_classify("INC-2026-03-14-042", true, &re), ID_NOT);
	regfree(&re);
	/* a pattern that does not compile says why */
	assert_int_equal(ident_compile("PM[0-9", &re, msg, sizeof msg), -1);
	assert_true(strlen(msg) > 0);
}

static void title(const char *t, const regex_t *re, const char *want_id, const char *want_rest)
{
	size_t at, len, cut_at, cut_len;
	bool found = ident_find_in_title(t, re, &at, &len, &cut_at, &cut_len);
	if (!want_id) {
		assert_false(found);
		return;
	}
	assert_true(found);
	char id[80], rest[200];
	snprintf(id, sizeof id, "%.*s", (int)len, t + at);
	assert_string_equal(id, want_id);
	snprintf(rest, sizeof rest, "%.*s%s", (int)cut_at, t, t + cut_at + cut_len);
	assert_string_equal(rest, want_rest);
}

static void test_title(void **state)
{
	(void)state;
	title("PM2021-011 - Log4Shell", NULL, "PM2021-011", " - Log4Shell");
	title("PM2021-011: Log4Shell", NULL, "PM2021-011", ": Log4Shell");
	title("[OPS-12] Disk full", NULL, "OPS-12", " Disk full");
	title("Shakespeare Sonnet++ Postmortem (incident #465)", NULL, "465",
	      "Shakespeare Sonnet++ Postmortem ");
	title("Login failures (Incident 77)", NULL, "77", "Login failures ");
	title("Payment outage (PAY-9)", NULL, "PAY-9", "Payment outage ");
	title("[INC-2026-05-01-3] Login failures", NULL, "INC-2026-05-01-3", " Login failures");
	title("Payment outage INC-2026-05-01-3 follow-up", NULL, "INC-2026-05-01-3",
	      "Payment outage  follow-up");
	/* a template-shaped token longer than an id can be is not one (found by fuzz_import) */
	title("Outage INC-2026-03-02-0RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR04",
	      NULL, NULL, NULL);
	/* dates, numbers and words that lead a title are not ids */
	title("04-03-2026 - Script injection in a workflow", NULL, NULL, NULL);
	title("2023-12-04 IPFS network merge", NULL, NULL, NULL);
	title("2020-07-09, Simultaneous launches", NULL, NULL, NULL);
	title("07-Sept-2022 - Chain halt", NULL, NULL, NULL);
	title("Outage - the database", NULL, NULL, NULL);
	title("465 - Outage", NULL, NULL, NULL);
	title("Security postmortem for CVE-2021-29492", NULL, NULL, NULL);
	title("Shakespeare (and friends)", NULL, NULL, NULL);
	title("[SEV1] Database failover", NULL, NULL, NULL);
	title("SEV-2: Database failover", NULL, NULL, NULL);
	title("[P0] Database failover", NULL, NULL, NULL);
	title("2FA - codes rejected", NULL, NULL, NULL);
	title("EC2 - instances lost", NULL, NULL, NULL);
	title("Log4j - the scramble", NULL, NULL, NULL);
	title("v1.2 - release broke login", NULL, NULL, NULL);
	title("Outage (IPv6)", NULL, NULL, NULL);
	title("INC-1234: Database failover", NULL, "INC-1234", ": Database failover");
	title("OPS42 - Database failover", NULL, "OPS42", " - Database failover");
	/* a team pattern is looked for anywhere, on whole tokens */
	regex_t re;
	char msg[128];
	assert_int_equal(ident_compile("CVE-[0-9]{4}-[0-9]+", &re, msg, sizeof msg), 0);
	title("Security postmortem for CVE-2021-29492", &re, "CVE-2021-29492", "Security postmortem for ");
	title("PM2021-011 - Log4Shell", &re, NULL, NULL);
	regfree(&re);
}

static void derive(const char *path, const char *want)
{
	char *id = ident_derive(path, NULL);
	assert_non_null(id);
	assert_string_equal(id, want);
	free(id);
}

static void test_derive(void **state)
{
	(void)state;
	derive("2025-09-29-flags-is-down.md", "2025-09-29-flags-is-down");
	derive("/srv/pm/2025-09-29-flags-is-down.md", "2025-09-29-flags-is-down");
	derive("./a/../pm/2025-09-29-flags-is-down.md", "2025-09-29-flags-is-down");
	derive("PM2021-011 - Log4Shell.md", "PM2021-011"); /* the id the name leads with */
	derive("dir/PM2021-011-Log4Shell.md", "PM2021-011-Log4Shell");
	derive("04-03-2026 - Script injection.md", "04-03-2026-Script-injection");
	derive("07-Sept-2022_V3_upgrade_halt.md", "07-Sept-2022_V3_upgrade_halt");
	derive("Notes.MARKDOWN", "Notes");
	derive("  --odd name!!.md", "odd-name");
	derive("Zoë's outage.md", "Zo-s-outage");
	derive("x/.md", "md");
	/* nothing usable left: a stable hash of the name */
	char *a = ident_derive("d/日本.md", NULL), *b = ident_derive("e/日本.md", NULL),
	     *c = ident_derive("d/中国.md", NULL);
	assert_int_equal(strncmp(a, "doc-", 4), 0);
	assert_int_equal(strlen(a), 12);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
	/* long names are cut to 64 */
	char name[200];
	memset(name, 'n', 150);
	strcpy(name + 150, ".md");
	char *l = ident_derive(name, NULL);
	assert_int_equal(strlen(l), IDENT_MAX);
	free(l);
}

static const char *d2s(int32_t d, char b[11])
{
	if (d == DATE_NONE)
		return "none";
	date_format(d, b);
	return b;
}

static void date_is(const char *s, const char *want)
{
	int32_t d = DATE_NONE;
	char b[11];
	enum due_result r = ident_date(s, DATE_ORDER_AUTO, &d);
	assert_string_equal(r == DUE_OK ? d2s(d, b) : "none", want);
}

static void test_dates(void **state)
{
	(void)state;
	date_is("2015-10-21", "2015-10-21");
	date_is("7th September, 2022.", "2022-09-07");
	date_is("7th September, 2022", "2022-09-07");
	date_is("Mar 3, 2026", "2026-03-03");
	date_is("January 14-19, 2026", "2026-01-14");
	date_is("January 14\xE2\x80\x93"
		"19, 2026",
		"2026-01-14");
	date_is("14-19 January 2026", "2026-01-14");
	date_is("2026-03-03 14:20 UTC", "2026-03-03");
	date_is("2026-03-03T14:20:00Z", "2026-03-03");
	date_is("2021-01-20 - 2021-05-11", "2021-01-20");
	date_is("Mar 3 to Mar 5, 2026", "2026-03-03");
	date_is("2026-03-03 \xE2\x86\x92 2026-03-05", "2026-03-03");
	date_is("3rd March 2026, 14:00-15:30 UTC", "2026-03-03");
	date_is("2026-03-03 (Tuesday)", "2026-03-03");
	date_is("Tuesday, 3 March 2026", "2026-03-03");
	date_is("sometime in March", "none");
	date_is("05/06/2026", "none"); /* ambiguous */

	char b[11];
	assert_string_equal(d2s(ident_date_in_text("2020-07-09, Simultaneous launches", DATE_ORDER_AUTO), b),
			    "2020-07-09");
	assert_string_equal(
	    d2s(ident_date_in_text("Incident report August 12 2025 - LEAP hub outage", DATE_ORDER_AUTO), b),
	    "2025-08-12");
	assert_string_equal(d2s(ident_date_in_text("04-03-2026 - Script injection", DATE_ORDER_AUTO), b),
			    "none");
	assert_string_equal(d2s(ident_date_in_text("04-03-2026 - Script injection", DATE_ORDER_DMY), b),
			    "2026-03-04");
	assert_string_equal(d2s(ident_date_in_text("Sonnet++ (incident #465) in May", DATE_ORDER_AUTO), b),
			    "none");
	assert_string_equal(d2s(ident_date_in_text("Version 2025 rollout", DATE_ORDER_AUTO), b), "none");

	assert_string_equal(d2s(ident_date_in_name("pm/2025-09-29-flags-is-down.md", DATE_ORDER_AUTO), b),
			    "2025-09-29");
	assert_string_equal(d2s(ident_date_in_name("20250212_stuckBTCtx.md", DATE_ORDER_AUTO), b),
			    "2025-02-12");
	assert_string_equal(d2s(ident_date_in_name("07-Sept-2022_V3_upgrade.md", DATE_ORDER_AUTO), b),
			    "2022-09-07");
	assert_string_equal(d2s(ident_date_in_name("04-03-2026-extension.md", DATE_ORDER_AUTO), b), "none");
	assert_string_equal(d2s(ident_date_in_name("log4shell.md", DATE_ORDER_AUTO), b), "none");
	assert_string_equal(d2s(ident_date_in_name("2025-02-30-bad.md", DATE_ORDER_AUTO), b), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_title),
	    cmocka_unit_test(test_derive),
	    cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
