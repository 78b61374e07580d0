/*
 * test_normalize.c — the import rules for cells and fields (issue 2). This file is the executable
 * specification of normalize.h: one test (or more) per rule, with ordinary, odd and hostile inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "normalize.h"
#include "tdate.h"

/* --- helpers ------------------------------------------------------------------------------- */

static void check_text(const char *in, size_t n, const char *want, int line)
{
	char *got = norm_text(in, n);
	assert_non_null(got);
	if (strcmp(got, want)) {
		print_error("line %d: norm_text gave \"%s\", want \"%s\"\n", line, got, want);
		free(got);
		fail();
	}
	free(got);
}
/* sizeof - 1 so that embedded NULs count */
#define TEXT(in, want) check_text(in, sizeof(in) - 1, want, __LINE__)

static int32_t ymd(int y, int m, int d)
{
	int32_t t;
	assert_true(date_from_ymd(y, m, d, &t));
	return t;
}

static void check_due(const char *s, enum date_order order, enum due_result want, int y, int m, int d,
		      int line)
{
	int32_t days = DATE_NONE;
	enum due_result got = norm_due(s, 2026, order, &days);
	if (got != want) {
		print_error("line %d: norm_due(\"%s\") = %d, want %d\n", line, s, (int)got, (int)want);
		fail();
	}
	if (want == DUE_OK && days != ymd(y, m, d)) {
		char buf[11];
		date_format(days, buf);
		print_error("line %d: norm_due(\"%s\") = %s, want %04d-%02d-%02d\n", line, s, buf, y, m, d);
		fail();
	}
}
#define DUE(s, y, m, d) check_due(s, DATE_ORDER_AUTO, DUE_OK, y, m, d, __LINE__)
#define DUE_ORD(s, o, y, m, d) check_due(s, o, DUE_OK, y, m, d, __LINE__)
#define DUE_IS(s, r) check_due(s, DATE_ORDER_AUTO, r, 0, 0, 0, __LINE__)
#define DUE_ORD_IS(s, o, r) check_due(s, o, r, 0, 0, 0, __LINE__)

static void check_owners(const char *s, int line, int want_n, ...)
{
	char **v = NULL;
	int n = norm_owners(s, &v);
	if (n != want_n) {
		print_error("line %d: norm_owners(\"%s\") gave %d owners, want %d\n", line, s, n, want_n);
		norm_owners_free(v, n);
		fail();
	}
	va_list ap;
	va_start(ap, want_n);
	for (int i = 0; i < n; i++) {
		const char *w = va_arg(ap, const char *);
		if (strcmp(v[i], w)) {
			print_error("line %d: norm_owners(\"%s\")[%d] = \"%s\", want \"%s\"\n", line, s, i,
				    v[i], w);
			va_end(ap);
			norm_owners_free(v, n);
			fail();
		}
	}
	va_end(ap);
	if (n == 0)
		assert_null(v);
	norm_owners_free(v, n);
}
#define OWNERS(s, ...) check_owners(s, __LINE__, __VA_ARGS__)

static void check_status(const char *s, enum status want, bool want_known, int line)
{
	bool known = !want_known;
	enum status got = norm_status(s, &known);
	if (got != want || known != want_known) {
		print_error("line %d: norm_status(\"%s\") = %s (known %d), want %s (known %d)\n", line, s,
			    status_name(got), known, status_name(want), want_known);
		fail();
	}
}
#define STATUS(s, want) check_status(s, want, true, __LINE__)
#define STATUS_UNKNOWN(s) check_status(s, STATUS_OPEN, false, __LINE__)

#define PRIO(s, want)                                                                                        \
	do {                                                                                                 \
		int got_ = norm_priority(s);                                                                 \
		if (got_ != (want)) {                                                                        \
			print_error("norm_priority(\"%s\") = %d, want %d\n", s, got_, want);                 \
			fail();                                                                              \
		}                                                                                            \
	} while (0)

#define EXPECT(cond, s)                                                                                      \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			print_error("%s failed for \"%s\"\n", #cond, s);                                     \
			fail();                                                                              \
		}                                                                                            \
	} while (0)

/* A malloc'd string: `unit` repeated `times` times. */
static char *repeat(const char *unit, size_t times)
{
	size_t k = strlen(unit);
	char *s = malloc(k * times + 1);
	assert_non_null(s);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * k, unit, k);
	s[k * times] = '\0';
	return s;
}

/* --- norm_text ----------------------------------------------------------------------------- */

static void test_text_ascii(void **state)
{
	(void)state;
	TEXT("", "");
	TEXT(" ", "");
	TEXT(" \t\r\n\v\f ", "");
	TEXT("a", "a");
	TEXT("  hello   world  ", "hello world");
	TEXT("a\tb\nc\r\nd", "a b c d");
	TEXT("\t\tx", "x");
	TEXT("x\t\t", "x");
	TEXT("a \t \n b", "a b");
	TEXT("already clean", "already clean");
	TEXT("a\0b", "a b"); /* an embedded NUL is white space, never a terminator */
	TEXT("\0\0a\0", "a");
	TEXT("punct: !@#$%^&*()", "punct: !@#$%^&*()");
	char *got = norm_text("abc def", 3); /* only n bytes are read */
	assert_string_equal(got, "abc");
	free(got);
	got = norm_text(NULL, 0);
	assert_string_equal(got, "");
	free(got);
}

static void test_text_unicode_spaces(void **state)
{
	(void)state;
	TEXT("a\u00a0b", "a b"); /* NBSP */
	TEXT("\u00a0\u00a0a\u00a0\u00a0 b\u00a0", "a b");
	TEXT("a\u2002\u2003\u2009b", "a b");       /* en, em, thin spaces */
	TEXT("a\u202fb\u205fc\u3000d", "a b c d"); /* narrow NBSP, math space, ideographic */
	TEXT("a\u1680b", "a b");                   /* ogham space mark */
	TEXT("a\u2028b\u2029c\xc2\x85"
	     "d",
	     "a b c d");              /* line/paragraph separators, NEL */
	TEXT("\ufeffTitle", "Title"); /* a BOM */
	TEXT("a\u200bb", "a b");      /* zero width space */
	TEXT("caf\u00e9 \u00a0 cr\u00e8me", "caf\u00e9 cr\u00e8me");
	TEXT("\u3000\u3000", "");
}

static void test_text_nfc(void **state)
{
	(void)state;
	TEXT("e\u0301", "\u00e9"); /* e + combining acute → é */
	TEXT("Cafe\u0301  au lait", "Caf\u00e9 au lait");
	TEXT("A\u030a", "\u00c5");      /* A + ring → Å */
	TEXT("\u212b", "\u00c5");       /* ANGSTROM SIGN is a singleton → Å */
	TEXT("\u1100\u1161", "\uac00"); /* Hangul jamo → syllable */
	TEXT("\u00e9", "\u00e9");       /* already NFC stays */
	TEXT("\ufb01", "\ufb01");       /* ﬁ ligature: compatibility only, NFC keeps it */
	TEXT("\u0301x", "\u0301x");     /* leading combining mark is kept */
	TEXT("\u2705 Done", "\u2705 Done");
	TEXT("\U0001F469\u200d\U0001F4BB  dev", "\U0001F469\u200d\U0001F4BB dev"); /* ZWJ sequence */
	TEXT("\u2714\ufe0f  ok", "\u2714\ufe0f ok");                               /* VS16 kept */
	TEXT("\u65e5\u672c\u8a9e  \u30c6\u30b9\u30c8", "\u65e5\u672c\u8a9e \u30c6\u30b9\u30c8");
	TEXT("\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
	     "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627");
}

/* norm_text skips NFC for text it judges already normalized; check that judgement against utf8proc
 * over all of Unicode: every code point alone, every canonical decomposition (which NFC must compose
 * back), and each code point after a base letter and before a combining mark. */
/* False (and no check) if s is white space, which norm_text removes. */
static bool check_nfc_agrees(const utf8proc_uint8_t *s)
{
	char *got = norm_text((const char *)s, strlen((const char *)s));
	utf8proc_uint8_t *want = utf8proc_NFC(s);
	assert_non_null(got);
	assert_non_null(want);
	if (got[0] != '\0' && strcmp(got, (const char *)want)) {
		print_error("norm_text is not NFC for \"%s\"\n", (const char *)s);
		fail();
	}
	bool space = got[0] == '\0';
	free(want);
	free(got);
	return !space;
}

static void test_text_nfc_exhaustive(void **state)
{
	(void)state;
	for (utf8proc_int32_t c = 1; c < 0x110000; c++) {
		if (!utf8proc_codepoint_valid(c))
			continue;
		utf8proc_uint8_t s[32];
		utf8proc_ssize_t n = utf8proc_encode_char(c, s);
		s[n] = '\0';
		bool space = !check_nfc_agrees(s);
		const utf8proc_property_t *p = utf8proc_get_property(c);
		if (p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0) {
			utf8proc_int32_t d[8];
			int last = 0;
			utf8proc_ssize_t k = utf8proc_decompose_char(c, d, 8, UTF8PROC_DECOMPOSE, &last);
			utf8proc_ssize_t o = 0;
			for (utf8proc_ssize_t i = 0; i < k && i < 8; i++)
				o += utf8proc_encode_char(d[i], s + o);
			s[o] = '\0';
			check_nfc_agrees(s);
		}
		if (!space && ((c & 0xFF) == 0 || (c >= 0x300 && c < 0x3000))) {
			s[0] = 'A';
			n = utf8proc_encode_char(c, s + 1);
			memcpy(s + 1 + n, "\xcc\x81", 3); /* U+0301 */
			check_nfc_agrees(s);
		}
	}
}

static void test_text_invalid_utf8(void **state)
{
	(void)state;
	TEXT("a\xff"
	     "b",
	     "a\ufffd"
	     "b");
	TEXT("\xc3", "\ufffd");                     /* truncated sequence */
	TEXT("\xed\xa0\x80", "\ufffd\ufffd\ufffd"); /* a surrogate is not UTF-8 */
	TEXT("\xc0\xaf", "\ufffd\ufffd");           /* overlong */
	TEXT("  \xfe  x ", "\ufffd x");
}

static void test_text_long(void **state)
{
	(void)state;
	char *s = repeat("word \t  ", 100000);
	char *got = norm_text(s, strlen(s));
	assert_int_equal(strlen(got), 5 * 100000 - 1);
	assert_int_equal(got[0], 'w');
	assert_int_equal(got[strlen(got) - 1], 'd');
	free(got);
	free(s);
	s = repeat("e\u0301\u00a0", 50000);
	got = norm_text(s, strlen(s));
	assert_int_equal(strlen(got), 3 * 50000 - 1); /* é (2 bytes) + space, minus the trailing one */
	free(got);
	free(s);
	s = repeat("\U0001F525", 30000);
	got = norm_text(s, strlen(s));
	assert_string_equal(got, s);
	free(got);
	free(s);
}

/* --- incident fields ----------------------------------------------------------------------- */

static void test_label(void **state)
{
	(void)state;
	assert_int_equal(norm_label("Incident ID"), IF_ID);
	assert_int_equal(norm_label("Incident ID:"), IF_ID);
	assert_int_equal(norm_label("  incident id :  "), IF_ID);
	assert_int_equal(norm_label("INCIDENT ID"), IF_ID);
	assert_int_equal(norm_label("Incident Id"), IF_ID);
	assert_int_equal(norm_label("Incident"), IF_ID);
	assert_int_equal(norm_label("Incident #"), IF_ID);
	assert_int_equal(norm_label("Incident#:"), IF_ID);
	assert_int_equal(norm_label("Date"), IF_DATE);
	assert_int_equal(norm_label("Incident Date:"), IF_DATE);
	assert_int_equal(norm_label("Start Date"), IF_DATE);
	assert_int_equal(norm_label("start date"), IF_DATE);
	assert_int_equal(norm_label("Duration"), IF_DURATION);
	assert_int_equal(norm_label("Severity"), IF_SEVERITY);
	assert_int_equal(norm_label("Sev:"), IF_SEVERITY);
	assert_int_equal(norm_label("Reporter"), IF_REPORTER);
	assert_int_equal(norm_label("Reported by"), IF_REPORTER);
	assert_int_equal(norm_label("Reported By:"), IF_REPORTER);
	assert_int_equal(norm_label("Approved by"), IF_APPROVED_BY);
	assert_int_equal(norm_label("Approver"), IF_APPROVED_BY);
	assert_int_equal(norm_label("Post-Mortem Review Date"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("Post-Mortem Review Date:"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("Postmortem Review Date"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("Post Mortem Review Date"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("post-mortem review date"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("Post\u2011Mortem Review Date"),
			 IF_REVIEW_DATE); /* non-breaking hyphen */
	assert_int_equal(norm_label("Post\u2013Mortem Review Date"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("Review Date"), IF_REVIEW_DATE);
	assert_int_equal(norm_label("\U0001F4C5 Review Date:"), IF_REVIEW_DATE); /* a leading emoji */
	/* not labels */
	assert_int_equal(norm_label(""), IF_NONE);
	assert_int_equal(norm_label(":"), IF_NONE);
	assert_int_equal(norm_label("Attendees"), IF_NONE);
	assert_int_equal(norm_label("Users affected"), IF_NONE);
	assert_int_equal(norm_label("Incident Title"), IF_NONE);
	assert_int_equal(norm_label("Date of birth"), IF_NONE);
	assert_int_equal(norm_label("Dates"), IF_NONE);
	assert_int_equal(norm_label("Action Item Follow-up"), IF_NONE);
	assert_int_equal(norm_label("\u2705"), IF_NONE);
	char *s = repeat("Incident ", 10000);
	assert_int_equal(norm_label(s), IF_NONE);
	free(s);
}

static void test_incident_id(void **state)
{
	(void)state;
	assert_true(norm_is_incident_id("INC-2026-03-14-042"));
	assert_true(norm_is_incident_id("INC-2026-03-14-1"));
	assert_true(norm_is_incident_id("INC-2026-03-14-042a"));
	assert_true(norm_is_incident_id("INC-2024-02-29-7")); /* a leap day */
	/* templates and non-ids */
	assert_false(norm_is_incident_id("INC-YYYY-MM-DD-XXX"));
	assert_false(norm_is_incident_id("INC-2026-03-14-XXX")); /* half-filled template */
	assert_false(norm_is_incident_id("INC-2026-03-14-xx"));
	assert_false(norm_is_incident_id("TBD"));
	assert_false(norm_is_incident_id(""));
	assert_false(norm_is_incident_id("INC-2026-03-14"));
	assert_false(norm_is_incident_id("INC-2026-03-14-"));
	assert_false(norm_is_incident_id("inc-2026-03-14-042")); /* INC must be upper case */
	assert_false(norm_is_incident_id("INC-2026-3-14-042"));
	assert_false(norm_is_incident_id("INC-26-03-14-042"));
	assert_false(norm_is_incident_id("INC-2026-02-30-042")); /* not a real date */
	assert_false(norm_is_incident_id("INC-2026-13-01-042"));
	assert_false(norm_is_incident_id(" INC-2026-03-14-042"));
	assert_false(norm_is_incident_id("INC-2026-03-14-042 "));
	assert_false(norm_is_incident_id("INC-2026-03-14-042-b"));
	assert_false(norm_is_incident_id("INC-2026-03-14-04\u00e92"));
	assert_false(norm_is_incident_id("XINC-2026-03-14-042"));
}

static void test_find_incident_id(void **state)
{
	(void)state;
	size_t len = 0;
	assert_int_equal(norm_find_incident_id("INC-2026-03-14-042", &len), 0);
	assert_int_equal(len, 18);
	assert_int_equal(norm_find_incident_id("Post-Mortem: INC-2026-03-14-042 Database outage", &len), 13);
	assert_int_equal(len, 18);
	assert_int_equal(norm_find_incident_id("DB outage (INC-2026-03-14-7)", &len), 11);
	assert_int_equal(len, 16);
	assert_int_equal(norm_find_incident_id("INC-2026-03-14-042: DB", &len), 0);
	assert_int_equal(len, 18);
	assert_int_equal(norm_find_incident_id("id INC-2026-03-14-042.", &len), 3);
	/* the first whole one wins; bad candidates are skipped */
	assert_int_equal(norm_find_incident_id("INC-YYYY-MM-DD-XXX then INC-2026-01-02-3", &len), 24);
	assert_int_equal(len, 16);
	assert_int_equal(norm_find_incident_id("\U0001F525 INC-2026-03-14-042 \U0001F525", &len), 5);
	/* not delimited */
	assert_int_equal(norm_find_incident_id("XINC-2026-03-14-042", &len), -1);
	assert_int_equal(norm_find_incident_id("PRE-INC-2026-03-14-042", &len), -1);
	assert_int_equal(norm_find_incident_id("INC-2026-03-14-042-2", &len), -1);
	assert_int_equal(norm_find_incident_id("Database outage", &len), -1);
	assert_int_equal(norm_find_incident_id("", &len), -1);
	assert_int_equal(norm_find_incident_id("INC-", &len), -1);
	assert_int_equal(norm_find_incident_id("INC-2026-03-1", &len), -1);
	assert_int_equal(norm_find_incident_id("INC-2026-03-14-042", NULL), 0);
	char *s = repeat("INC-2026-", 20000);
	assert_int_equal(norm_find_incident_id(s, &len), -1);
	free(s);
}

static void test_strip_postmortem_prefix(void **state)
{
	(void)state;
	assert_string_equal(norm_strip_postmortem_prefix("Post-Mortem: DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix("Postmortem - DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix("Post Mortem \u2013 DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix("POST-MORTEM \u2014 DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix("post-mortem:DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix("Post\u2011mortem: DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix("Postmortem: [Incident Title]"), "[Incident Title]");
	assert_string_equal(norm_strip_postmortem_prefix("Post-Mortem:   "), "");
	assert_string_equal(norm_strip_postmortem_prefix("Post-Mortem:"), "");
	assert_string_equal(norm_strip_postmortem_prefix("Postmortem"), "");
	assert_string_equal(norm_strip_postmortem_prefix("Post-Mortem: Post-Mortem tooling broke"),
			    "Post-Mortem tooling broke"); /* only one prefix */
	/* nothing to strip */
	assert_string_equal(norm_strip_postmortem_prefix("DB outage"), "DB outage");
	assert_string_equal(norm_strip_postmortem_prefix(""), "");
	assert_string_equal(norm_strip_postmortem_prefix("Postmortems: a list"), "Postmortems: a list");
	assert_string_equal(norm_strip_postmortem_prefix("Postmortem process changes"),
			    "Postmortem process changes");
	assert_string_equal(norm_strip_postmortem_prefix("Post office outage"), "Post office outage");
	assert_string_equal(norm_strip_postmortem_prefix("Mortem: x"), "Mortem: x");
	assert_string_equal(norm_strip_postmortem_prefix("Pos"), "Pos");
}

static void test_severity(void **state)
{
	(void)state;
	assert_int_equal(norm_severity("SEV-2"), 2);
	assert_int_equal(norm_severity("Sev 2"), 2);
	assert_int_equal(norm_severity("SEV2"), 2);
	assert_int_equal(norm_severity("sev-2"), 2);
	assert_int_equal(norm_severity("Sev 2 (Major)"), 2);
	assert_int_equal(norm_severity("SEV 2 - Major"), 2);
	assert_int_equal(norm_severity("SEV-0"), 0);
	assert_int_equal(norm_severity("SEV-9"), 9);
	assert_int_equal(norm_severity("SEV\u20131"), 1);
	assert_int_equal(norm_severity("Severity 3"), 3);
	assert_int_equal(norm_severity("\U0001F534 SEV-1"), 1);
	assert_int_equal(norm_severity("SEV-X"), -1);
	assert_int_equal(norm_severity(""), -1);
	assert_int_equal(norm_severity("2"), -1);
	assert_int_equal(norm_severity("SEV"), -1);
	assert_int_equal(norm_severity("SEV-12"), -1);
	assert_int_equal(norm_severity("SEV-2a"), -1);
	assert_int_equal(norm_severity("Severe"), -1);
	assert_int_equal(norm_severity("Major"), -1);
	assert_int_equal(norm_severity("P1"), -1);
}

static void test_template_person(void **state)
{
	(void)state;
	assert_true(norm_is_template_person("@username"));
	assert_true(norm_is_template_person("@name"));
	assert_true(norm_is_template_person("@names"));
	assert_true(norm_is_template_person("@Name"));
	assert_true(norm_is_template_person("[name]"));
	assert_true(norm_is_template_person("[Name]"));
	assert_true(norm_is_template_person("[Reporter name]"));
	assert_true(norm_is_template_person(" @username "));
	assert_false(norm_is_template_person("@alice"));
	assert_false(norm_is_template_person("@usernames2"));
	assert_false(norm_is_template_person("Jane Doe"));
	assert_false(norm_is_template_person("[a] and [b]"));
	assert_false(norm_is_template_person(""));
	assert_false(norm_is_template_person("@"));
	assert_false(norm_is_template_person("\u00c9lodie"));
}

/* --- sections and columns ------------------------------------------------------------------ */

static void test_action_heading(void **state)
{
	(void)state;
	static const char *const yes[] = {
	    "Action Items",
	    "Action Item",
	    "action items",
	    "ACTION ITEMS",
	    "7. Action Items",
	    "7 Action Items",
	    "7.3 Action Items",
	    "7.3. Action Items",
	    "\u2705 Action Items",
	    "\U0001F4CB Action Items",
	    "\U0001F527 7. Action Items",
	    "7. \U0001F4CB Action Items",
	    "Action Items \u2705",
	    "Action Items (3)",
	    "Action Items (as of 2026-04-01)",
	    "Action Items (see also (b))",
	    "Action Items:",
	    "Action Items & Follow-ups",
	    "Action Items and Follow-ups",
	    "Action items & follow ups",
	    "Action Items & Followups",
	    "Action Items & Follow\u2011ups",
	    "Follow-up Actions",
	    "Followup Actions",
	    "Follow up actions",
	    "Follow-ups",
	    "Followups",
	    "Follow-up Items",
	    "Remediation Items",
	    "Remediation Actions",
	    "Corrective Actions",
	    "Corrective and Preventive Actions",
	    "Corrective & Preventive Actions",
	    "Corrective and Preventive Actions (CAPA)",
	    "8. \U0001F6E0\ufe0f Remediation Items (owners please update) \U0001F6A8",
	    /* issue 9: the vocabulary teams write */
	    "Preventive Actions",
	    "Preventative Measures",
	    "Corrective and Preventative Measures",
	    "Corrective/Preventive Actions",
	    "Remediation",
	    "Remediations",
	    "Remediation Steps:",
	    "Follow-up action items",
	    "Open follow-ups",
	    "Long-term follow ups",
	    "Next Steps",
	    "Next steps.",
	    "VII. Next Steps",
	    "Action Plan",
	    "Improvements",
	    "Process improvements",
	    "Documentation improvements",
	    "To do",
	    "TODO",
	    "To-dos",
	    "Lessons Learned and Action Items",
	    "Action items / follow-ups",
	    "What we're doing about it",
	    "What we are doing to prevent this from happening again",
	    "What\u2019s next",
	    "# 3. Action Items",
	    "Post-incident actions",
	    "Planned fixes",
	    "Open items",
	    "Action items and owners",
	    "Remediation and prevention",
	};
	static const char *const no[] = {
	    "",
	    "7.",
	    "\u2705",
	    "Timeline",
	    "Summary",
	    "Action Items Review",
	    "Review of Action Items",
	    "Action",
	    "Actions",
	    "Items",
	    "Follow-up",
	    "Action Item Follow-up",
	    "Lessons Learned",
	    "Prevention",
	    "Corrective",
	    "Follow-up timeline (times in BST)",
	    "What went wrong",
	    "Where we got lucky",
	    "Improvements we considered and rejected",
	    "Resolution",
	    "Action Items 2",
	    "7a. Action Items",
	    "Action \u2705 Items",
	    "Action-Items-Plan",
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		EXPECT(norm_is_action_heading(yes[i]), yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		EXPECT(!norm_is_action_heading(no[i]), no[i]);
	char *s = repeat("Action Items ", 5000);
	assert_false(norm_is_action_heading(s));
	free(s);
	s = repeat("(", 5000);
	assert_false(norm_is_action_heading(s));
	free(s);
	s = repeat(")", 5000);
	assert_false(norm_is_action_heading(s));
	free(s);
}

static void test_column(void **state)
{
	(void)state;
	static const struct {
		const char *h;
		enum column c;
	} cases[] = {
	    {"ID", COL_KEY},
	    {"id", COL_KEY},
	    {"#", COL_KEY},
	    {"No", COL_KEY},
	    {"No.", COL_KEY},
	    {"Ref", COL_KEY},
	    {"Item #", COL_KEY},
	    {"Item#", COL_KEY},
	    {"Action ID", COL_KEY},
	    {"Key", COL_KEY},
	    {"Action", COL_ACTION},
	    {"Action Item", COL_ACTION},
	    {"Item", COL_ACTION},
	    {"Task", COL_ACTION},
	    {"Description", COL_ACTION},
	    {"What", COL_ACTION},
	    {"ACTION", COL_ACTION},
	    {"Owner", COL_OWNER},
	    {"Owners", COL_OWNER},
	    {"Owner(s)", COL_OWNER},
	    {"Owner (s)", COL_OWNER},
	    {"Assignee", COL_OWNER},
	    {"Assigned to", COL_OWNER},
	    {"Assigned To:", COL_OWNER},
	    {"Who", COL_OWNER},
	    {"DRI", COL_OWNER},
	    {"Responsible", COL_OWNER},
	    {"Due", COL_DUE},
	    {"Due Date", COL_DUE},
	    {"due date", COL_DUE},
	    {"Target", COL_DUE},
	    {"Target Date", COL_DUE},
	    {"Deadline", COL_DUE},
	    {"ETA", COL_DUE},
	    {"By", COL_DUE},
	    {"When", COL_DUE},
	    {"Priority", COL_PRIORITY},
	    {"Pri", COL_PRIORITY},
	    {"Prio", COL_PRIORITY},
	    {"P", COL_PRIORITY},
	    {"Status", COL_STATUS},
	    {"State", COL_STATUS},
	    {"Done?", COL_STATUS},
	    {"Progress", COL_STATUS},
	    {"  Status  ", COL_STATUS},
	    {"\u2705 Status", COL_STATUS},
	    {"", COL_OTHER},
	    {"Time (UTC)", COL_OTHER},
	    {"Event", COL_OTHER},
	    {"Notes", COL_OTHER},
	    {"Items", COL_OTHER},
	    {"Actions", COL_OTHER},
	    {"Owner email", COL_OTHER},
	    {"Statuses", COL_OTHER},
	    {"Done", COL_OTHER},
	    {"PR", COL_OTHER},
	    {"\u00c9tat", COL_OTHER},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (norm_column(cases[i].h) != cases[i].c) {
			print_error("norm_column(\"%s\") = %d, want %d\n", cases[i].h,
				    norm_column(cases[i].h), cases[i].c);
			fail();
		}
}

/* --- rows ---------------------------------------------------------------------------------- */

static void test_empty_cell(void **state)
{
	(void)state;
	assert_true(norm_is_empty_cell(""));
	assert_true(norm_is_empty_cell(" "));
	assert_true(norm_is_empty_cell("-"));
	assert_true(norm_is_empty_cell(" - "));
	assert_true(norm_is_empty_cell("\u2014"));
	assert_true(norm_is_empty_cell("\u2013"));
	assert_true(norm_is_empty_cell("--"));
	assert_false(norm_is_empty_cell("x"));
	assert_false(norm_is_empty_cell("-x"));
	assert_false(norm_is_empty_cell("N/A"));
	assert_false(norm_is_empty_cell("0"));
	assert_false(norm_is_empty_cell("\u2705"));
}

static void test_placeholder_action(void **state)
{
	(void)state;
	assert_true(norm_is_placeholder_action("[Specific, actionable item]"));
	assert_true(norm_is_placeholder_action(" [Specific, actionable item] "));
	assert_true(norm_is_placeholder_action("[TODO]"));
	assert_false(norm_is_placeholder_action("Add alerting on [queue depth]"));
	assert_false(norm_is_placeholder_action("[a] and [b]"));
	assert_false(norm_is_placeholder_action("[unclosed"));
	assert_false(norm_is_placeholder_action("Add an alert"));
	assert_false(norm_is_placeholder_action(""));
	assert_false(norm_is_placeholder_action("]["));
}

static void test_template_token(void **state)
{
	(void)state;
	static const char *const yes[] = {
	    "@username",  "@name",        "@names",      "@Username",  "YYYY-MM-DD",
	    "yyyy-mm-dd", "YYYY/MM/DD",   "DD.MM.YYYY",  "MM/DD/YYYY", "P0/P1/P2",
	    "p0/p1/p2",   "P0 / P1 / P2", "P0/P1/P2/P3", "P0-P3",      "P0\u2013P2",
	    "P1|P2",      "[date]",       "[Date]",      "[name]",     "[X minutes/hours]",
	    "HH:MM",
	};
	static const char *const no[] = {
	    "",    "@alice", "2026-04-07", "P0",      "P1",       "[x]",         "[X]", "[ ]", "[]",
	    "TBD", "Done",   "YYYY",       "P0/high", "Jane Doe", "[a] and [b]", "MM",  "P0/",
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		EXPECT(norm_is_template_token(yes[i]), yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		EXPECT(!norm_is_template_token(no[i]), no[i]);
}

/* --- owners -------------------------------------------------------------------------------- */

static void test_owners_none(void **state)
{
	(void)state;
	OWNERS("", 0);
	OWNERS("   ", 0);
	OWNERS("TBD", 0);
	OWNERS("tbd", 0);
	OWNERS("TBA", 0);
	OWNERS("-", 0);
	OWNERS("\u2014", 0);
	OWNERS("n/a", 0);
	OWNERS("N/A", 0);
	OWNERS("?", 0);
	OWNERS("??", 0);
	OWNERS("unassigned", 0);
	OWNERS("Unassigned", 0);
	OWNERS("None", 0);
	OWNERS("@username", 0); /* a template token */
	OWNERS("@name", 0);
	OWNERS("@username, @name", 0);
}

static void test_owners_handles(void **state)
{
	(void)state;
	OWNERS("@alice", 1, "alice");
	OWNERS(" @alice ", 1, "alice");
	OWNERS("@alice.", 1, "alice");
	OWNERS("@alice, @bob", 2, "alice", "bob");
	OWNERS("@alice @bob", 2, "alice", "bob");
	OWNERS("@alice and @bob", 2, "alice", "bob");
	OWNERS("@alice/@bob", 2, "alice", "bob");
	OWNERS("@alice & @bob", 2, "alice", "bob");
	OWNERS("@alice; @bob; @carol", 3, "alice", "bob", "carol");
	OWNERS("@a, @b and @c", 3, "a", "b", "c");
	OWNERS("@bob, @alice", 2, "bob", "alice"); /* in order: the first is the owner */
	OWNERS("@alice, @alice", 1, "alice");      /* counted once */
	OWNERS("@jane.doe", 1, "jane.doe");
	OWNERS("@jane_doe-2", 1, "jane_doe-2");
	OWNERS("@alice (backup: Bob)", 1, "alice");
	OWNERS("Alice (@alice)", 1, "alice");
	OWNERS("@alice, @username", 1, "alice");
	OWNERS("\U0001F464 @alice", 1, "alice");
	OWNERS("@alice\u00a0@bob", 2, "alice", "bob");
	OWNERS("jane@example.com and @bob", 1, "bob"); /* an e-mail is not a handle */
}

/* issue 9: every letter of a handle, several names per cell, @org/team */
static void test_owners_issue9(void **state)
{
	(void)state;
	OWNERS("@j\u00f6rg", 1, "j\u00f6rg");
	OWNERS("@\u0142ukasz.nowak", 1, "\u0142ukasz.nowak");
	OWNERS("@Zo\u00eb, @bob", 2, "Zo\u00eb", "bob");
	OWNERS("@\u5c71\u7530", 1, "\u5c71\u7530");
	OWNERS("@Zoe\u0308", 1, "Zoe\u0308"); /* a combining mark is part of the handle */
	OWNERS("@org/team", 1, "org/team");
	OWNERS("@org/team and @bob", 2, "org/team", "bob");
	OWNERS("Dana; Lee", 2, "Dana", "Lee");
	OWNERS("Infra & SRE", 2, "Infra", "SRE");
	OWNERS("luk,ale", 2, "luk", "ale");
	OWNERS("Alice and Bob", 2, "Alice", "Bob");
	OWNERS("SRE / DBA", 2, "SRE", "DBA");
	OWNERS("Sandra Anderson", 1, "Sandra Anderson"); /* "and" inside a word is not a separator */
	OWNERS("Core-1 team", 1, "Core-1 team");
	OWNERS("n/a", 0);
	assert_true(norm_is_ref_column("Bug"));
	assert_true(norm_is_ref_column("Ticket"));
	assert_true(norm_is_ref_column("PR"));
	assert_false(norm_is_ref_column("Owner"));
	assert_int_equal(norm_column("Assignee"), COL_OWNER);
	assert_int_equal(norm_column("Team"), COL_OWNER);
	assert_int_equal(norm_column("Target (date)"), COL_DUE);
	assert_int_equal(norm_column("Action Items"), COL_ACTION);
	assert_int_equal(norm_column("Remediation"), COL_ACTION);
	assert_int_equal(norm_column("Follow-up"), COL_ACTION);
}

static void test_owners_as_written(void **state)
{
	(void)state;
	OWNERS("Jane Doe", 1, "Jane Doe");
	OWNERS("  Jane Doe  ", 1, "Jane Doe");
	OWNERS("jane@example.com", 1, "jane@example.com");
	OWNERS("SRE team", 1, "SRE team");
	/* issue 9: several names in one cell */
	OWNERS("Jane Doe, John Smith", 2, "Jane Doe", "John Smith");
	OWNERS("Jos\u00e9 Garc\u00eda", 1, "Jos\u00e9 Garc\u00eda");
	OWNERS("\u5c71\u7530\u592a\u90ce", 1, "\u5c71\u7530\u592a\u90ce");
	OWNERS("\U0001F916 bot", 1, "\U0001F916 bot");
	OWNERS("@", 1, "@");
	OWNERS("@ alice", 1, "@ alice");
	OWNERS("TBD (maybe Alice)", 1, "TBD (maybe Alice)");
}

static void test_owners_long(void **state)
{
	(void)state;
	char *s = repeat("@u, ", 10000); /* the same handle many times */
	OWNERS(s, 1, "u");
	free(s);
	/* many distinct handles */
	char *big = malloc(10 * 2000 + 1);
	assert_non_null(big);
	size_t o = 0;
	for (int i = 0; i < 2000; i++)
		o += (size_t)snprintf(big + o, 11, "@h%05d, ", i);
	char **v = NULL;
	int n = norm_owners(big, &v);
	assert_int_equal(n, 2000);
	assert_string_equal(v[0], "h00000");
	assert_string_equal(v[1999], "h01999");
	norm_owners_free(v, n);
	free(big);
	s = repeat("x", 100000);
	n = norm_owners(s, &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], s);
	norm_owners_free(v, n);
	free(s);
	norm_owners_free(NULL, 0);
}

/* --- due dates ----------------------------------------------------------------------------- */

static void test_due_iso(void **state)
{
	(void)state;
	DUE("2026-04-07", 2026, 4, 7);
	DUE("2026/04/07", 2026, 4, 7);
	DUE("2026.04.07", 2026, 4, 7);
	DUE("2026-4-7", 2026, 4, 7);
	DUE(" 2026-04-07 ", 2026, 4, 7);
	DUE("2026-04-07 17:00", 2026, 4, 7);
	DUE("2026-04-07T17:00Z", 2026, 4, 7);
	DUE("2026-04-07T17:00:00Z", 2026, 4, 7);
	DUE("2026-04-07T17:00:00.123+02:00", 2026, 4, 7);
	DUE("2026-04-07 17:00 UTC", 2026, 4, 7);
	DUE("2026-04-07 5pm", 2026, 4, 7);
	DUE("2026-04-07 5:30 pm PST", 2026, 4, 7);
	DUE("2026-04-07 (EOD)", 2026, 4, 7);
	DUE("2026-04-07 EOD", 2026, 4, 7);
	DUE("2026-04-07, end of day", 2026, 4, 7);
	DUE("2026-04-07 COB", 2026, 4, 7);
	DUE("2026-04-07 (Tue)", 2026, 4, 7);
	DUE("2026\u201104\u201107", 2026, 4, 7); /* non-breaking hyphens */
	DUE("2026-04-07.", 2026, 4, 7);
	DUE("2028-02-29", 2028, 2, 29);
	DUE("Tue 2026-04-07", 2026, 4, 7);
}

static void test_due_textual(void **state)
{
	(void)state;
	DUE("April 7, 2026", 2026, 4, 7);
	DUE("april 7 2026", 2026, 4, 7);
	DUE("APRIL 7, 2026", 2026, 4, 7);
	DUE("Apr 7 2026", 2026, 4, 7);
	DUE("Apr. 7, 2026", 2026, 4, 7);
	DUE("7 Apr 2026", 2026, 4, 7);
	DUE("7 April, 2026", 2026, 4, 7);
	DUE("7-Apr-2026", 2026, 4, 7);
	DUE("Sept 7, 2026", 2026, 9, 7);
	DUE("Sep 7, 2026", 2026, 9, 7);
	DUE("September 7, 2026", 2026, 9, 7);
	DUE("May 1, 2026", 2026, 5, 1);
	DUE("Tue, April 7, 2026", 2026, 4, 7);
	DUE("Tuesday 7 April 2026", 2026, 4, 7);
	DUE("Tuesday, April 7th, 2026", 2026, 4, 7);
	DUE("Tues. Apr 7", 2026, 4, 7);
	DUE("April 7th, 2026", 2026, 4, 7);
	DUE("7th April 2026", 2026, 4, 7);
	DUE("7th of April 2026", 2026, 4, 7);
	DUE("1st May 2026", 2026, 5, 1);
	DUE("May 2nd, 2026", 2026, 5, 2);
	DUE("March 3rd 2026", 2026, 3, 3);
	DUE("April 7, 2026 (EOD)", 2026, 4, 7);
	DUE("April 7, 2026 EOD", 2026, 4, 7);
	DUE("April 7, 2026 end of day", 2026, 4, 7);
	DUE("April 7, 2026 17:00", 2026, 4, 7);
	DUE("April 7, 2026 at 5pm", 2026, 4, 7);
	DUE("December 31, 2026", 2026, 12, 31);
	DUE("Jan 1 2027", 2027, 1, 1);
	DUE("7 Apr 26", 2026, 4, 7);
	DUE("Feb 29, 2028", 2028, 2, 29);
}

static void test_due_default_year(void **state)
{
	(void)state;
	DUE("April 7", 2026, 4, 7);
	DUE("7 Apr", 2026, 4, 7);
	DUE("Apr 7th", 2026, 4, 7);
	DUE("Tue, April 7", 2026, 4, 7);
	DUE("April 7 (EOD)", 2026, 4, 7);
	DUE("April 7 17:00", 2026, 4, 7);
	int32_t d = 0;
	assert_int_equal(norm_due("April 7", 2025, DATE_ORDER_AUTO, &d), DUE_OK);
	assert_int_equal(d, ymd(2025, 4, 7));
	assert_int_equal(norm_due("April 7", 0, DATE_ORDER_AUTO, &d), DUE_FREE_TEXT);
	assert_int_equal(norm_due("April 7", -1, DATE_ORDER_AUTO, &d), DUE_FREE_TEXT);
	assert_int_equal(norm_due("February 29", 2026, DATE_ORDER_AUTO, &d), DUE_INVALID);
	assert_int_equal(norm_due("February 29", 2028, DATE_ORDER_AUTO, &d), DUE_OK);
	/* norm_date is the same parser */
	assert_int_equal(norm_date("2026-03-14", 0, DATE_ORDER_AUTO, &d), DUE_OK);
	assert_int_equal(d, ymd(2026, 3, 14));
}

static void test_due_day_month_order(void **state)
{
	(void)state;
	/* DD.MM.YYYY is day-first, whatever the order */
	DUE("07.04.2026", 2026, 4, 7);
	DUE("7.4.2026", 2026, 4, 7);
	DUE_ORD("07.04.2026", DATE_ORDER_MDY, 2026, 4, 7);
	/* both readings real: ambiguous unless an order is given */
	DUE_IS("05/06/2026", DUE_AMBIGUOUS);
	DUE_IS("05-06-2026", DUE_AMBIGUOUS);
	DUE_IS("4/7/2026", DUE_AMBIGUOUS);
	DUE_ORD("05/06/2026", DATE_ORDER_DMY, 2026, 6, 5);
	DUE_ORD("05/06/2026", DATE_ORDER_MDY, 2026, 5, 6);
	DUE_ORD("05-06-2026", DATE_ORDER_DMY, 2026, 6, 5);
	/* both readings are the same day */
	DUE("05/05/2026", 2026, 5, 5);
	/* only one reading is real */
	DUE("13/05/2026", 2026, 5, 13);
	DUE("05/13/2026", 2026, 5, 13);
	DUE("31/12/2026", 2026, 12, 31);
	DUE_ORD("13/05/2026", DATE_ORDER_MDY, 2026, 5, 13);
	DUE_ORD("05/13/2026", DATE_ORDER_DMY, 2026, 5, 13);
	DUE("13/05/2026 17:00", 2026, 5, 13);
	DUE("13/05/2026 (EOD)", 2026, 5, 13);
}

static void test_due_two_digit_year(void **state)
{
	(void)state;
	/* two-digit years are 20YY, with the same ambiguity rule */
	DUE_IS("4/7/26", DUE_AMBIGUOUS);
	DUE_ORD("4/7/26", DATE_ORDER_MDY, 2026, 4, 7);
	DUE_ORD("4/7/26", DATE_ORDER_DMY, 2026, 7, 4);
	DUE("13/5/26", 2026, 5, 13);
	DUE("07.04.26", 2026, 4, 7);
	DUE_IS("31/31/26", DUE_INVALID);
}

static void test_due_invalid(void **state)
{
	(void)state;
	DUE_IS("2026-02-30", DUE_INVALID);
	DUE_IS("2026-02-29", DUE_INVALID);
	DUE_IS("2026-13-01", DUE_INVALID);
	DUE_IS("2026-00-10", DUE_INVALID);
	DUE_IS("2026-04-31", DUE_INVALID);
	DUE_IS("2026-04-00", DUE_INVALID);
	DUE_IS("2026/02/30", DUE_INVALID);
	DUE_IS("2026-02-30 (EOD)", DUE_INVALID);
	DUE_IS("February 30, 2026", DUE_INVALID);
	DUE_IS("Feb 30 2026", DUE_INVALID);
	DUE_IS("30 February 2026", DUE_INVALID);
	DUE_IS("April 31", DUE_INVALID);
	DUE_IS("April 0, 2026", DUE_INVALID);
	DUE_IS("31.04.2026", DUE_INVALID);
	DUE_IS("32/13/2026", DUE_INVALID);
	DUE_IS("0000-01-01", DUE_INVALID);
	DUE_ORD_IS("31/31/2026", DATE_ORDER_DMY, DUE_INVALID);
}

static void test_due_free_text(void **state)
{
	(void)state;
	static const char *const free_text[] = {
	    "TBD",
	    "ASAP",
	    "Q3",
	    "Q3 2026",
	    "Sprint 42",
	    "next week",
	    "EOD",
	    "(EOD)",
	    "Friday",
	    "April",
	    "April 2026",
	    "2026",
	    "2026-04",
	    "4/7",
	    "20260407",
	    "2026-04-07 or earlier",
	    "2026-04-07 - 2026-04-10",
	    "2026-04-07 25:00",
	    "2026-04-07 17",
	    "12345-01-01",
	    "7 avril 2026",
	    "\u2705",
	    "\U0001F4C5 soon",
	    "Apr 7 2026 2027",
	    "May the 4th",
	    "on 2026-04-07",
	    "2026-04/07",
	};
	for (size_t i = 0; i < sizeof free_text / sizeof free_text[0]; i++)
		check_due(free_text[i], DATE_ORDER_AUTO, DUE_FREE_TEXT, 0, 0, 0, (int)i);
	char *s = repeat("2026-04-07 ", 1000);
	DUE_IS(s, DUE_FREE_TEXT);
	free(s);
	s = repeat("9", 100000);
	DUE_IS(s, DUE_FREE_TEXT);
	free(s);
}

static void test_due_none(void **state)
{
	(void)state;
	DUE_IS("", DUE_NONE);
	DUE_IS("   ", DUE_NONE);
	DUE_IS("-", DUE_NONE);
	DUE_IS("\u2014", DUE_NONE);
	DUE_IS("YYYY-MM-DD", DUE_NONE);
	DUE_IS("yyyy-mm-dd", DUE_NONE);
	DUE_IS("[date]", DUE_NONE);
	DUE_IS("DD.MM.YYYY", DUE_NONE);
}

/* --- priority and status ------------------------------------------------------------------- */

static void test_priority(void **state)
{
	(void)state;
	PRIO("P0", 0);
	PRIO("P1", 1);
	PRIO("P2", 2);
	PRIO("P3", 3);
	PRIO("p0", 0);
	PRIO("p2", 2);
	PRIO(" P1 ", 1);
	PRIO("P1 \u2013 high", 1);
	PRIO("p2 (medium)", 2);
	PRIO("P0 \U0001F525", 0);
	PRIO("P0\U0001F525", 0);
	PRIO("P1-high", 1);
	PRIO("P-1", 1);
	PRIO("\U0001F534 P0", 0);
	PRIO("Critical", 0);
	PRIO("CRITICAL", 0);
	PRIO("Urgent", 0);
	PRIO("Highest", 0);
	PRIO("Blocker", 0);
	PRIO("High", 1);
	PRIO("high", 1);
	PRIO("High (customer-facing)", 1);
	PRIO("High - customer facing", 1);
	PRIO("Medium", 2);
	PRIO("Med", 2);
	PRIO("Med.", 2);
	PRIO("Normal", 2);
	PRIO("Low", 3);
	PRIO("Lowest", 3);
	PRIO("Minor", 3);
	PRIO("\U0001F7E0 High", 1);
	PRIO("", PRIORITY_NONE);
	PRIO("  ", PRIORITY_NONE);
	PRIO("-", PRIORITY_NONE);
	PRIO("P0/P1/P2", PRIORITY_NONE);
	PRIO("p0/p1/p2", PRIORITY_NONE);
	PRIO("P4", -2);
	PRIO("P9", -2);
	PRIO("P12", -2);
	PRIO("P1a", -2);
	PRIO("P", -2);
	PRIO("1", -2);
	PRIO("Higher", -2);
	PRIO("Very high", -2);
	PRIO("Lowish", -2);
	PRIO("TBD", -2);
	PRIO("\u2705", -2);
	PRIO("\u00e9lev\u00e9e", -2);
	char *s = repeat("High", 10000);
	PRIO(s, -2);
	free(s);
}

static void test_status_words(void **state)
{
	(void)state;
	STATUS("", STATUS_OPEN);
	STATUS("-", STATUS_OPEN);
	STATUS("Not started", STATUS_OPEN);
	STATUS("not started", STATUS_OPEN);
	STATUS("Open", STATUS_OPEN);
	STATUS("To do", STATUS_OPEN);
	STATUS("TODO", STATUS_OPEN);
	STATUS("To-do", STATUS_OPEN);
	STATUS("New", STATUS_OPEN);
	STATUS("Planned", STATUS_OPEN);
	STATUS("Pending", STATUS_OPEN);
	STATUS("Backlog", STATUS_OPEN);
	STATUS("[ ]", STATUS_OPEN);
	STATUS("[]", STATUS_OPEN);
	STATUS("In progress", STATUS_IN_PROGRESS);
	STATUS("In-progress", STATUS_IN_PROGRESS);
	STATUS("IN PROGRESS", STATUS_IN_PROGRESS);
	STATUS("WIP", STATUS_IN_PROGRESS);
	STATUS("Doing", STATUS_IN_PROGRESS);
	STATUS("Ongoing", STATUS_IN_PROGRESS);
	STATUS("Started", STATUS_IN_PROGRESS);
	STATUS("In review", STATUS_IN_PROGRESS);
	STATUS("Blocked", STATUS_BLOCKED);
	STATUS("On hold", STATUS_BLOCKED);
	STATUS("On-hold", STATUS_BLOCKED);
	STATUS("Waiting", STATUS_BLOCKED);
	STATUS("Done", STATUS_DONE);
	STATUS("DONE", STATUS_DONE);
	STATUS("Complete", STATUS_DONE);
	STATUS("Completed", STATUS_DONE);
	STATUS("Closed", STATUS_DONE);
	STATUS("Fixed", STATUS_DONE);
	STATUS("Resolved", STATUS_DONE);
	STATUS("Shipped", STATUS_DONE);
	STATUS("[x]", STATUS_DONE);
	STATUS("[X]", STATUS_DONE);
	STATUS("Won't fix", STATUS_WONT_DO);
	STATUS("Won\u2019t fix", STATUS_WONT_DO);
	STATUS("Wont fix", STATUS_WONT_DO);
	STATUS("wontfix", STATUS_WONT_DO);
	STATUS("Won't do", STATUS_WONT_DO);
	STATUS("wont do", STATUS_WONT_DO);
	STATUS("Won\u2019t do", STATUS_WONT_DO);
	STATUS("Dropped", STATUS_WONT_DO);
	STATUS("Cancelled", STATUS_WONT_DO);
	STATUS("Canceled", STATUS_WONT_DO);
	STATUS("Rejected", STATUS_WONT_DO);
	STATUS("Not doing", STATUS_WONT_DO);
	STATUS("Obsolete", STATUS_WONT_DO);
}

static void test_status_detail(void **state)
{
	(void)state;
	STATUS("Done (PR #123)", STATUS_DONE);
	STATUS("Done.", STATUS_DONE);
	STATUS("Done - see PR", STATUS_DONE);
	STATUS("Blocked - waiting on vendor", STATUS_BLOCKED);
	STATUS("Blocked: vendor", STATUS_BLOCKED);
	STATUS("In progress, 50%", STATUS_IN_PROGRESS);
	STATUS("In progress (50%)", STATUS_IN_PROGRESS);
	STATUS("Waiting on legal", STATUS_BLOCKED);
	STATUS("Completed 2026-04-01", STATUS_DONE);
	STATUS("Not started yet", STATUS_OPEN);
	STATUS("[x] Done", STATUS_DONE);
	STATUS("  Done  ", STATUS_DONE);
}

static void test_status_emoji(void **state)
{
	(void)state;
	STATUS("\u2705", STATUS_DONE);
	STATUS("\u2714", STATUS_DONE);
	STATUS("\u2714\ufe0f", STATUS_DONE);
	STATUS("\u2611", STATUS_DONE);
	STATUS("\u2611\ufe0f", STATUS_DONE);
	STATUS("\u274c", STATUS_WONT_DO);
	STATUS("\U0001F6AB", STATUS_WONT_DO);
	STATUS("\u26d4", STATUS_BLOCKED);
	STATUS("\U0001F6A7", STATUS_IN_PROGRESS);
	STATUS("\U0001F504", STATUS_IN_PROGRESS);
	STATUS("\u23f3", STATUS_OPEN);
	STATUS("\u2705 Done", STATUS_DONE);
	STATUS("\U0001F6A7 In progress", STATUS_IN_PROGRESS);
	STATUS("\u274c Won't fix", STATUS_WONT_DO);
	STATUS("\u26d4 Blocked", STATUS_BLOCKED);
	STATUS("Done \u2705", STATUS_DONE);
	STATUS("\u2705 (PR #12)", STATUS_DONE);   /* an emoji and detail: the emoji decides */
	STATUS("PR merged \u2705", STATUS_DONE);  /* no known word: the emoji decides */
	STATUS("\U0001F7E2 Done", STATUS_DONE);   /* an unknown emoji is skipped */
	STATUS("\u2705 Blocked", STATUS_BLOCKED); /* a conflict: the word wins */
	STATUS("\U0001F6A7 Done", STATUS_DONE);
	STATUS("\u2705\u274c", STATUS_DONE); /* two emoji: the first */
}

static void test_status_unknown(void **state)
{
	(void)state;
	STATUS_UNKNOWN("Maybe");
	STATUS_UNKNOWN("Doneish");
	STATUS_UNKNOWN("Opened by Bob");
	STATUS_UNKNOWN("\U0001F7E2");
	STATUS_UNKNOWN("50%");
	STATUS_UNKNOWN("?");
	STATUS_UNKNOWN("Termin\u00e9");
	STATUS_UNKNOWN("[y]");
	STATUS_UNKNOWN("[x");
	STATUS_UNKNOWN("in");
	STATUS_UNKNOWN("not");
	char *s = repeat("done", 10000);
	STATUS_UNKNOWN(s);
	free(s);
	/* known may be NULL */
	assert_int_equal(norm_status("Done", NULL), STATUS_DONE);
}

/* Every function on odd input: no crash, no leak, no read past the end (run under ASan). */
static void test_hostile_smoke(void **state)
{
	(void)state;
	static const char *const odd[] = {
	    "",
	    " ",
	    "\xff",
	    "\xc3",
	    "\xe2\x80",
	    "[",
	    "]",
	    "(",
	    ")",
	    "@",
	    "@@",
	    "@.",
	    "-",
	    ":",
	    "INC-",
	    "P",
	    "Post-",
	    "Post",
	    "Sev-",
	    "7.",
	    "7.3.",
	    "\u0301",
	    "\ufe0f",
	    "\u200d",
	    "\U0001F600",
	    "a\xff"
	    "b",
	    "2026-",
	    "2026-04-",
	    "1/",
	    "1/2/",
	    "April",
	    "7th",
	    "of",
	    "T17:00",
	    "2026-04-07T",
	    "(((",
	    ")))",
	    "[[]]",
	    "\"'`",
	    "\\",
	    "%s%n",
	    "Tue,",
	};
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		const char *s = odd[i];
		free(norm_text(s, strlen(s)));
		(void)norm_label(s);
		(void)norm_is_incident_id(s);
		size_t len;
		(void)norm_find_incident_id(s, &len);
		(void)norm_strip_postmortem_prefix(s);
		(void)norm_severity(s);
		(void)norm_is_template_person(s);
		(void)norm_is_action_heading(s);
		(void)norm_column(s);
		(void)norm_is_empty_cell(s);
		(void)norm_is_placeholder_action(s);
		(void)norm_is_template_token(s);
		char **v;
		int n = norm_owners(s, &v);
		norm_owners_free(v, n);
		int32_t d;
		(void)norm_due(s, 2026, DATE_ORDER_AUTO, &d);
		(void)norm_priority(s);
		bool k;
		(void)norm_status(s, &k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_ascii),
	    cmocka_unit_test(test_text_unicode_spaces),
	    cmocka_unit_test(test_text_nfc),
	    cmocka_unit_test(test_text_nfc_exhaustive),
	    cmocka_unit_test(test_text_invalid_utf8),
	    cmocka_unit_test(test_text_long),
	    cmocka_unit_test(test_label),
	    cmocka_unit_test(test_incident_id),
	    cmocka_unit_test(test_find_incident_id),
	    cmocka_unit_test(test_strip_postmortem_prefix),
	    cmocka_unit_test(test_severity),
	    cmocka_unit_test(test_template_person),
	    cmocka_unit_test(test_action_heading),
	    cmocka_unit_test(test_column),
	    cmocka_unit_test(test_empty_cell),
	    cmocka_unit_test(test_placeholder_action),
	    cmocka_unit_test(test_template_token),
	    cmocka_unit_test(test_owners_none),
	    cmocka_unit_test(test_owners_handles),
	    cmocka_unit_test(test_owners_as_written),
	    cmocka_unit_test(test_owners_issue9),
	    cmocka_unit_test(test_owners_long),
	    cmocka_unit_test(test_due_iso),
	    cmocka_unit_test(test_due_textual),
	    cmocka_unit_test(test_due_default_year),
	    cmocka_unit_test(test_due_day_month_order),
	    cmocka_unit_test(test_due_two_digit_year),
	    cmocka_unit_test(test_due_invalid),
	    cmocka_unit_test(test_due_free_text),
	    cmocka_unit_test(test_due_none),
	    cmocka_unit_test(test_priority),
	    cmocka_unit_test(test_status_words),
	    cmocka_unit_test(test_status_detail),
	    cmocka_unit_test(test_status_emoji),
	    cmocka_unit_test(test_status_unknown),
	    cmocka_unit_test(test_hostile_smoke),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
