/*
 * test_feeds.c — the feed items: feed_items_load() (scheduler/feeditems.c) gives each item of a filter
 * its incident's title, read through feeds_incident_titles() once per distinct incident after the item
 * query; items of several incidents interleaved by the sort order keep the right title; an unknown
 * incident has none. On SQLite, or on PostgreSQL with $TRACKER_TEST_PG (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeditems.h"
#include "feeds.h"
#include "import.h"
#include "merge.h"
#include "tdate.h"
#include "testdb.h"

#define DOC_A                                                                                                \
	"# Database outage\n\n**Incident ID:** INC-2026-03-14-042\n\n## Action Items\n\n"                    \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | a1 | @alice | 2026-04-01 | P0 | open |\n"                                                     \
	"| 2 | a2 | @bob | 2026-04-20 | P1 | open |\n"                                                       \
	"| 3 | a3 | @bob | 2026-04-02 | P1 | done |\n"
#define DOC_B                                                                                                \
	"# DNS \"outage\" & more\n\n**Incident ID:** INC-2026-03-15-007\n\n## Action Items\n\n"              \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | b1 | @alice | 2026-04-10 | P1 | open |\n"                                                     \
	"| 2 | b2 | @carol | 2026-03-30 | P2 | open |\n"

static void load(struct store *st, const char *md, const char *src)
{
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer(src, md, strlen(md), &o, &d), 0);
	assert_int_equal(store_begin(st, &err), 0);
	struct merger *m = merger_new(st, &err);
	assert_non_null(m);
	assert_int_equal(merge_doc(m, &d, src, "t", 1773000000, &sum, &err), 0);
	merger_free(m);
	assert_int_equal(store_commit(st, &err), 0);
	import_doc_release(&d);
}

static void test_titles(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	load(&st, DOC_A, "/pm/a.md");
	load(&st, DOC_B, "/pm/b.md");
	const char *ids[] = {"INC-2026-03-15-007", "INC-1999-01-01-001", "INC-2026-03-14-042"};
	char *titles[3];
	assert_int_equal(feeds_incident_titles(&st, ids, 3, titles, &err), 0);
	assert_string_equal(titles[0], "DNS \"outage\" & more");
	assert_null(titles[1]);
	assert_string_equal(titles[2], "Database outage");
	for (int i = 0; i < 3; i++)
		free(titles[i]);
	assert_int_equal(feeds_incident_titles(&st, ids, 0, titles, &err), 0);
	testdb_close(&st);
}

static void test_feed_items(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	load(&st, DOC_A, "/pm/a.md");
	load(&st, DOC_B, "/pm/b.md");
	int32_t today;
	assert_int_equal(date_parse("2026-04-15", &today), 0);
	/* by due date: b2 (B), a1 (A), b1 (B), a2 (A) — the incidents interleave */
	struct item_filter f = {.sort = SORT_DUE};
	struct feed_items fi = {0};
	assert_int_equal(feed_items_load(&st, &f, today, &fi, &err), 0);
	assert_int_equal(fi.n, 4);
	static const char *const want_action[] = {"b2", "a1", "b1", "a2"};
	for (size_t i = 0; i < fi.n; i++) {
		assert_string_equal(fi.v[i].action, want_action[i]);
		assert_non_null(fi.v[i].incident_title);
		assert_string_equal(fi.v[i].incident_title,
				    fi.v[i].action[0] == 'a' ? "Database outage" : "DNS \"outage\" & more");
	}
	assert_int_equal(fi.v[1].days_late, 14); /* a1: due 2026-04-01 */
	/* a second load appends, with titles for the new rows too */
	f.incident = "INC-2026-03-14-042";
	f.all = true;
	assert_int_equal(feed_items_load(&st, &f, today, &fi, &err), 0);
	assert_int_equal(fi.n, 7);
	for (size_t i = 4; i < fi.n; i++)
		assert_string_equal(fi.v[i].incident_title, "Database outage");
	feed_items_release(&fi);
	/* nothing matches: no items, no error */
	f.incident = "INC-1999-01-01-001";
	assert_int_equal(feed_items_load(&st, &f, today, &fi, &err), 0);
	assert_int_equal(fi.n, 0);
	feed_items_release(&fi);
	testdb_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_titles),
	    cmocka_unit_test(test_feed_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
