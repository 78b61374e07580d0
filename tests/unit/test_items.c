/*
 * test_items.c — the list filters, sort orders, item references and the item JSON schema, on an
 * in-memory database with every migration applied and a document imported through the real importer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "items.h"
#include "merge.h"
#include "scope.h"
#include "store.h"
#include "tdate.h"

static struct store st;

#define DOC_A                                                                                                \
	"# A\n\n**Incident ID:** INC-2026-03-14-042\n**Date:** 2026-03-14\n\n## Action Items\n\n"            \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | a1 | @alice | 2026-04-01 | P0 | open |\n"                                                     \
	"| 2 | a2 | @bob, @alice | 2026-05-01 | P1 | in progress |\n"                                        \
	"| 3 | a3 | @carol | 2026-03-20 | P2 | done |\n"                                                     \
	"| 4 | a4 | | | P1 | blocked |\n"                                                                    \
	"| 5 | a5 | @bob | 2026-04-10 | P3 | open |\n"
#define DOC_B                                                                                                \
	"# B\n\n**Incident ID:** INC-2026-03-15-007\n\n## Action Items\n\n"                                  \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | b1 | @alice | 2026-03-30 | P1 | open |\n"

static void load(const char *md, const char *src)
{
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer(src, md, strlen(md), &o, &d), 0);
	struct merger *m = merger_new(&st, &err);
	assert_non_null(m);
	assert_int_equal(merge_doc(m, &d, src, "t", 1773000000, &sum, &err), 0);
	merger_free(m);
	import_doc_release(&d);
}

static int setup(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	if (store_open_memory(&st, &err) < 0)
		return -1;
	load(DOC_A, "/nonexistent/a.md");
	load(DOC_B, "/nonexistent/b.md");
	/* item A#5 is removed from its document */
	return sqlite3_exec(st.db, "UPDATE items SET removed_at='2026-04-02T00:00:00Z' WHERE key='5'", NULL,
			    NULL, NULL) == SQLITE_OK
		   ? 0
		   : -1;
}

static int teardown(void **state)
{
	(void)state;
	store_close(&st);
	return 0;
}

struct acc {
	char ids[512];
};

static int collect(const struct item *it, void *ud)
{
	struct acc *a = ud;
	size_t n = strlen(a->ids);
	snprintf(a->ids + n, sizeof a->ids - n, "%s%s#%s", n ? " " : "", it->incident + 15, it->key);
	return 0;
}

/* Runs `f` as of 2026-04-15 and returns the ids as "042#1 007#1 …". */
static const char *q(const struct item_filter *f)
{
	static struct acc a;
	struct error err;
	int32_t today;
	error_init(&err);
	a.ids[0] = '\0';
	assert_true(date_from_ymd(2026, 4, 15, &today));
	assert_int_equal(items_query(&st, f, today, collect, &a, &err), 0);
	return a.ids;
}

static void test_default_and_all(void **state)
{
	(void)state;
	struct item_filter f = {0};
	/* open items, not removed; overdue first (042#1 is P0, 007#1 P1), then by priority, then due
	 * date with items that have none last */
	assert_string_equal(q(&f), "042#1 007#1 042#2 042#4");
	f.all = true;
	assert_string_equal(q(&f), "042#1 007#1 042#2 042#4 042#3 042#5");
}

static void test_filters(void **state)
{
	(void)state;
	struct item_filter f = {0};
	f.overdue = true;
	assert_string_equal(q(&f), "042#1 007#1");
	memset(&f, 0, sizeof f);
	f.priorities = 1u << 1;
	assert_string_equal(q(&f), "007#1 042#2 042#4");
	memset(&f, 0, sizeof f);
	f.owners_json = "[\"alice\"]"; /* any of the owners, not only the first */
	assert_string_equal(q(&f), "042#1 007#1 042#2");
	memset(&f, 0, sizeof f);
	f.unassigned = true;
	assert_string_equal(q(&f), "042#4");
	f.unassigned = false;
	f.unscheduled = true;
	assert_string_equal(q(&f), "042#4");
	memset(&f, 0, sizeof f);
	f.statuses = 1u << 3; /* done */
	assert_string_equal(q(&f), "042#3");
	memset(&f, 0, sizeof f);
	f.removed = true;
	assert_string_equal(q(&f), "042#5");
	memset(&f, 0, sizeof f);
	f.incident = "INC-2026-03-15-007";
	assert_string_equal(q(&f), "007#1");
	memset(&f, 0, sizeof f);
	f.due_before = "2026-04-01";
	assert_string_equal(q(&f), "007#1");
	f.due_before = NULL;
	f.due_until = "2026-04-01";
	assert_string_equal(q(&f), "042#1 007#1");
	/* combined: P1 owned by alice and overdue */
	memset(&f, 0, sizeof f);
	f.priorities = 1u << 1;
	f.owners_json = "[\"alice\"]";
	f.overdue = true;
	assert_string_equal(q(&f), "007#1");
}

static void test_sort_and_limit(void **state)
{
	(void)state;
	struct item_filter f = {0};
	f.sort = SORT_DUE;
	assert_string_equal(q(&f), "007#1 042#1 042#2 042#4");
	f.sort = SORT_OWNER;
	assert_string_equal(q(&f), "042#1 007#1 042#2 042#4");
	f.sort = SORT_INCIDENT;
	assert_string_equal(q(&f), "042#1 042#2 042#4 007#1");
	f.limit = 2;
	assert_string_equal(q(&f), "042#1 042#2");
}

static void test_scope(void **state)
{
	(void)state;
	struct scope s;
	struct item_filter f;
	struct error err;
	error_init(&err);
	assert_int_equal(scope_parse("owner:@bob", &s, &f, &err), 0);
	assert_string_equal(q(&f), "042#2");
	assert_int_equal(scope_parse("priority:P0,P1", &s, &f, &err), 0);
	assert_string_equal(q(&f), "042#1 007#1 042#2 042#4");
	assert_int_equal(scope_parse("overdue", &s, &f, &err), 0);
	assert_string_equal(q(&f), "042#1 007#1");
	assert_int_equal(scope_parse("priority:P9", &s, &f, &err), -1);
	assert_int_equal(scope_parse("owner:", &s, &f, &err), -1);
	assert_non_null(strstr(err.msg, "not understood"));
}

static void test_resolve(void **state)
{
	(void)state;
	int64_t id, id2;
	struct error err;
	error_init(&err);
	assert_int_equal(items_resolve(&st, "INC-2026-03-14-042#2", &id, &err), 0);
	assert_int_equal(items_resolve(&st, "INC-2026-03-14#2", &id2, &err), 0); /* a unique prefix */
	assert_true(id == id2);
	assert_int_equal(items_resolve(&st, "INC-2026-03-1#1", &id, &err), -1); /* two incidents */
	assert_non_null(strstr(err.msg, "ambiguous"));
	assert_int_equal(items_resolve(&st, "INC-2026-03-14-042#99", &id, &err), -1);
	assert_non_null(strstr(err.msg, "no item"));
	assert_int_equal(items_resolve(&st, "nonsense", &id, &err), -1);
	assert_int_equal(err.kind, ERR_USAGE);
}

static int to_json(const struct item *it, void *ud)
{
	*(json_t **)ud = item_to_json(it);
	return 0;
}

static void test_json_schema(void **state)
{
	(void)state;
	int64_t id;
	struct error err;
	json_t *j = NULL;
	int32_t today;
	error_init(&err);
	assert_true(date_from_ymd(2026, 4, 15, &today));
	assert_int_equal(items_resolve(&st, "INC-2026-03-14-042#2", &id, &err), 0);
	assert_int_equal(items_get(&st, id, today, to_json, &j, &err), 0);
	static const char *const keys[] = {"id",      "incident",   "key",       "action", "owner",
					   "owners",  "due",        "priority",  "status", "overdue",
					   "removed", "created_at", "updated_at"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_non_null(json_object_get(j, keys[i]));
	assert_string_equal(json_string_value(json_object_get(j, "id")), "INC-2026-03-14-042#2");
	assert_string_equal(json_string_value(json_object_get(j, "owner")), "bob");
	assert_int_equal(json_array_size(json_object_get(j, "owners")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "priority")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in_progress");
	assert_false(json_boolean_value(json_object_get(j, "overdue")));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_and_all), cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_sort_and_limit),  cmocka_unit_test(test_scope),
	    cmocka_unit_test(test_resolve),         cmocka_unit_test(test_json_schema),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
