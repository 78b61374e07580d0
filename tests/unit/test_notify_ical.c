/*
 * test_notify_ical.c — iCalendar rendering: golden bytes (the .ics files in tests/fixtures/ical, compared
 * exactly; UPDATE_FIXTURES=1 rewrites them), determinism whatever the input order, stable UIDs, closed items
 * leaving the event feed, CRLF and folding at <= 75 octets on UTF-8 boundaries, sanitised text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "notify.h"
#include "tdate.h"
#include "../tools/sample_items.h"

#include "banned.h"

#define N 14
static struct notify_item items[N];
static char incs[N][32], keys[N][16];

static void fill(void)
{
	for (size_t i = 0; i < N; i++)
		sample_item(&items[i], i, incs[i], keys[i]);
}

static void render(struct buf *b, enum ical_flavour fl, const struct notify_item *its, size_t n)
{
	struct ical_feed f = {.name = "Team ops — action items",
			      .flavour = fl,
			      .base_url = "https://tracker.example.org",
			      .items = its,
			      .nitems = n};
	struct error err;
	error_init(&err);
	assert_int_equal(ical_render(b, &f, &err), 0);
}

static void golden(const char *name, const struct buf *b)
{
	char path[512];
	snprintf(path, sizeof path, "%s/tests/fixtures/ical/%s", TEST_SRCDIR, name);
	if (getenv("UPDATE_FIXTURES")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(b->data, 1, b->len, f);
		fclose(f);
	}
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	struct buf want;
	buf_init(&want, 0);
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&want, tmp, n);
	fclose(f);
	assert_int_equal(want.len, b->len);
	assert_memory_equal(want.data, b->data, b->len);
	buf_release(&want);
}

static void check_lines(const struct buf *b)
{
	const char *p = b->data, *end = b->data + b->len;
	assert_true(b->len >= 2 && !memcmp(end - 2, "\r\n", 2));
	while (p < end) {
		const char *e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true(e - p <= 75);
		for (const char *q = p; q < e; q++)
			assert_true(*q != '\n' && *q != '\r' && (*q == '\t' || (unsigned char)*q >= 0x20));
		/* a continuation line never starts inside a UTF-8 sequence */
		if (*p == ' ' && e > p + 1)
			assert_true(((unsigned char)p[1] & 0xC0) != 0x80);
		p = e + 2;
	}
}

static void test_golden_events(void **state)
{
	(void)state;
	fill();
	struct buf b;
	buf_init(&b, 0);
	render(&b, ICAL_EVENTS, items, N);
	check_lines(&b);
	golden("events.ics", &b);
	icalcomponent *cal = icalparser_parse_string(b.data);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 10);
	icalcomponent_free(cal);
	/* closed items and items without a due date are not events */
	assert_null(strstr(b.data, "INC-2026-03-01-040#5)")); /* status done */
	assert_null(strstr(b.data, "INC-2026-03-01-040#6)")); /* wont_do */
	assert_non_null(strstr(b.data, "DTSTART;VALUE=DATE:20260302\r\nDTEND;VALUE=DATE:20260303\r\n"));
	assert_non_null(
	    strstr(b.data, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n"));
	assert_non_null(strstr(b.data, "\r\nPRIORITY:1\r\n"));
	assert_null(strstr(b.data, "\x01"));
	buf_release(&b);
}

static void test_golden_todo(void **state)
{
	(void)state;
	fill();
	struct buf b;
	buf_init(&b, 0);
	render(&b, ICAL_TODOS, items, N);
	check_lines(&b);
	golden("todo.ics", &b);
	assert_non_null(strstr(b.data, "STATUS:COMPLETED\r\nPERCENT-COMPLETE:100\r\nCOMPLETED:"));
	assert_non_null(strstr(b.data, "STATUS:CANCELLED"));
	assert_non_null(strstr(b.data, "STATUS:IN-PROCESS"));
	assert_non_null(strstr(b.data, "STATUS:NEEDS-ACTION"));
	assert_non_null(strstr(b.data, "DUE;VALUE=DATE:"));
	assert_null(strstr(b.data, "BEGIN:VEVENT"));
	buf_release(&b);
}

static void test_deterministic_any_order(void **state)
{
	(void)state;
	fill();
	struct notify_item rev[N];
	for (size_t i = 0; i < N; i++)
		rev[i] = items[N - 1 - i];
	struct buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	render(&a, ICAL_EVENTS, items, N);
	render(&b, ICAL_EVENTS, rev, N);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_release(&a);
	buf_release(&b);
}

static void test_uid_stable(void **state)
{
	(void)state;
	fill();
	char u1[41], u2[41], u3[41];
	ical_uid(&items[1], ICAL_EVENTS, u1);
	struct notify_item edited = items[1];
	edited.action = "Something else entirely";
	edited.due += 10;
	edited.sequence = 9;
	ical_uid(&edited, ICAL_EVENTS, u2);
	assert_string_equal(u1, u2);
	ical_uid(&items[1], ICAL_TODOS, u3);
	assert_string_not_equal(u1, u3);
	assert_int_equal(strlen(u1), 40);
	assert_string_equal(u1 + 32, "@tracker");
	ical_uid(&items[2], ICAL_EVENTS, u2);
	assert_string_not_equal(u1, u2);
}

static void test_sanitised_text(void **state)
{
	(void)state;
	struct notify_item it = {.incident_id = "INC-1",
				 .key = "1",
				 .action = "a\r\nBEGIN:VEVENT\x02 \xc3\x28 semi; comma, back\\slash",
				 .owner = "o\nwner",
				 .status = "open",
				 .priority = 1,
				 .updated_at = 0};
	date_from_ymd(2026, 1, 31, &it.due);
	struct buf b;
	buf_init(&b, 0);
	render(&b, ICAL_EVENTS, &it, 1);
	check_lines(&b);
	assert_non_null(strstr(
	    b.data, "SUMMARY:[P1] aBEGIN:VEVENT \xEF\xBF\xBD( semi\\; comma\\, back\\\\slash (INC-1#1)"));
	assert_non_null(strstr(b.data, "Owner: owner"));
	assert_non_null(strstr(b.data, "DTEND;VALUE=DATE:20260201\r\n"));
	assert_non_null(strstr(b.data, "DTSTAMP:19700101T000000Z\r\n"));
	/* libical's parser reads back exactly the cleaned text */
	icalcomponent *cal = icalparser_parse_string(b.data);
	assert_non_null(cal);
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_non_null(ev);
	assert_string_equal(icalcomponent_get_summary(ev),
			    "[P1] aBEGIN:VEVENT \xEF\xBF\xBD( semi; comma, back\\slash (INC-1#1)");
	assert_non_null(
	    strstr(icalcomponent_get_description(ev), "Owner: owner\nIncident: INC-1\nStatus: open"));
	assert_null(icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT));
	icalcomponent_free(cal);
	const char *p = b.data;
	int begins = 0;
	while ((p = strstr(p, "\r\nBEGIN:VEVENT")))
		begins++, p++;
	assert_int_equal(begins, 1);
	buf_release(&b);
	assert_int_equal(ical_flavour_from_name("todo"), ICAL_TODOS);
	assert_int_equal(ical_flavour_from_name(NULL), ICAL_EVENTS);
	assert_int_equal(ical_flavour_from_name("journal"), -1);
}

/* A done item whose close time is unknown (imported already done: closed_at 0) is COMPLETED with no
 * COMPLETED time; with a close time it has one. */
static void test_todo_unknown_close_time(void **state)
{
	(void)state;
	struct notify_item it[2];
	char inc[2][32], key[2][16];
	for (size_t i = 0; i < 2; i++) {
		sample_item(&it[i], i, inc[i], key[i]);
		it[i].status = "done";
	}
	it[0].closed_at = 0;
	it[1].closed_at = 1774000000;
	struct buf b;
	buf_init(&b, 0);
	render(&b, ICAL_TODOS, &it[0], 1);
	assert_non_null(strstr(buf_cstr(&b), "STATUS:COMPLETED\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "PERCENT-COMPLETE:100\r\n"));
	assert_null(strstr(buf_cstr(&b), "\r\nCOMPLETED:"));
	buf_reset(&b);
	render(&b, ICAL_TODOS, &it[1], 1);
	assert_non_null(strstr(buf_cstr(&b), "\r\nCOMPLETED:20260320T094640Z\r\n"));
	buf_release(&b);
}

static void test_empty_feed(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	render(&b, ICAL_EVENTS, NULL, 0);
	assert_non_null(strstr(b.data, "BEGIN:VCALENDAR\r\n"));
	assert_non_null(strstr(b.data, "END:VCALENDAR\r\n"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_events),           cmocka_unit_test(test_golden_todo),
	    cmocka_unit_test(test_deterministic_any_order), cmocka_unit_test(test_uid_stable),
	    cmocka_unit_test(test_sanitised_text),          cmocka_unit_test(test_empty_feed),
	    cmocka_unit_test(test_todo_unknown_close_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
