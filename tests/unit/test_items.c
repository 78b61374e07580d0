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

#include "change.h"
#include "import.h"
#include "incidents.h"
#include "items.h"
#include "merge.h"
#include "scope.h"
#include "store.h"
#include "tdate.h"
#include "testdb.h"
#include "testsql.h"

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
	if (testdb_open(&st) < 0)
		return -1;
	load(DOC_A, "/nonexistent/a.md");
	load(DOC_B, "/nonexistent/b.md");
	/* item A#5 is removed from its document */
	return testsql_exec(&st, "UPDATE items SET removed_at='2026-04-02T00:00:00Z' WHERE key='5'");
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&st);
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
	f.sort = SORT_PRIORITY;
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

static void test_find_exact(void **state)
{
	(void)state;
	int64_t id = 0, id2 = 0;
	struct error err;
	error_init(&err);
	assert_int_equal(items_find_exact(&st, "INC-2026-03-14-042#2", &id, &err), 0);
	assert_int_equal(items_resolve(&st, "INC-2026-03-14-042#2", &id2, &err), 0);
	assert_true(id == id2);
	assert_int_equal(items_find_exact(&st, "INC-2026-03-14#2", &id, &err), 1); /* no prefixes */
	assert_int_equal(items_find_exact(&st, "INC-2026-03-14-042#99", &id, &err), 1);
	assert_int_equal(items_find_exact(&st, "no-hash", &id, &err), 1);
	assert_int_equal(items_find_exact(&st, "INC-2026-03-14-042#", &id, &err), 1);
}

struct inc_rows {
	json_t *api, *cli;
	int n;
};

static int inc_cb(const struct incident_row *r, void *ud)
{
	struct inc_rows *x = ud;
	json_array_append_new(x->api, incident_to_json(r, false));
	json_array_append_new(x->cli, incident_to_json(r, true));
	x->n++;
	return 0;
}

static void test_incidents(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	struct inc_rows x = {json_array(), json_array(), 0};
	assert_int_equal(incidents_list(&st, 0, inc_cb, &x, &err), 0);
	assert_int_equal(x.n, 2);
	/* newest date first; an incident without a date sorts last (NULL < any date, DESC) */
	json_t *a = json_array_get(x.api, 0);
	assert_string_equal(json_string_value(json_object_get(a, "id")), "INC-2026-03-14-042");
	/* 5 items, #5 removed from its document (setup) and #3 done */
	assert_int_equal(json_integer_value(json_object_get(a, "items")), 4);
	assert_int_equal(json_integer_value(json_object_get(a, "open_items")), 3);
	/* over HTTP only the file name, on the CLI the path */
	assert_string_equal(json_string_value(json_object_get(a, "source")), "a.md");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x.cli, 0), "source")),
			    "/nonexistent/a.md");
	json_decref(x.api);
	json_decref(x.cli);
	x = (struct inc_rows){json_array(), json_array(), 0};
	assert_int_equal(incidents_list(&st, 1, inc_cb, &x, &err), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(incidents_get(&st, "INC-2026-03-15-007", inc_cb, &x, &err), 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(incidents_get(&st, "INC-2026-03-15", inc_cb, &x, &err), 1); /* exact ids only */
	json_decref(x.api);
	json_decref(x.cli);
}

static int ref_cb(const struct incident_ref *r, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%s %s %zu", n ? ";" : "", r->id, r->source, strlen(r->source_hash));
	return 0;
}

static int row_cb(const struct item_row *r, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%s:%s:%d:%s:%s", n ? " " : "", r->key, r->status, r->priority,
		 r->due ? r->due : "-", r->removed_at ? "removed" : "in");
	return 0;
}

/* The lookups report, write-back and merge use: by id prefix (exact first, then by id), by path, and
 * an incident's rows in document order. */
static void test_incident_lookups(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	char out[256] = "";
	assert_int_equal(incidents_find_prefix(&st, "INC-2026-03-1", 3, ref_cb, out, &err), 0);
	assert_string_equal(
	    out, "INC-2026-03-14-042 /nonexistent/a.md 64;INC-2026-03-15-007 /nonexistent/b.md 64");
	out[0] = '\0';
	assert_int_equal(incidents_find_prefix(&st, "INC-2026-03-15-007", 3, ref_cb, out, &err), 0);
	assert_string_equal(out, "INC-2026-03-15-007 /nonexistent/b.md 64");
	out[0] = '\0';
	assert_int_equal(incidents_find_prefix(&st, "INC-2026-03-1", 1, ref_cb, out, &err), 0);
	assert_string_equal(out, "INC-2026-03-14-042 /nonexistent/a.md 64");
	out[0] = '\0';
	assert_int_equal(incidents_find_prefix(&st, "INC-1999", 3, ref_cb, out, &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(incidents_find_source(&st, "/nonexistent/b.md", ref_cb, out, &err), 0);
	assert_string_equal(out, "INC-2026-03-15-007 /nonexistent/b.md 64");
	out[0] = '\0';
	assert_int_equal(incidents_find_source(&st, "/nonexistent/c.md", ref_cb, out, &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(items_of_incident(&st, "INC-2026-03-14-042", row_cb, out, &err), 0);
	assert_string_equal(out,
			    "1:open:0:2026-04-01:in 2:in_progress:1:2026-05-01:in 3:done:2:2026-03-20:in "
			    "4:blocked:1:-:in 5:open:3:2026-04-10:removed");
	char now_id[64];
	assert_false(incidents_rekeyed_to(&st, "INC-2026-03-14-042", now_id, sizeof now_id));
}

static int slip_cb(const struct item_slip *x, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s#%s %s->%s x%d;", x->incident, x->key, x->first_due, x->due, x->moves);
	return 0;
}

static void test_slipping(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	char out[256] = "";
	assert_int_equal(items_slipping(&st, 10, slip_cb, out, &err), 0);
	assert_string_equal(out, "");
	int64_t id;
	assert_int_equal(items_find_exact(&st, "INC-2026-03-14-042#1", &id, &err), 0);
	const char *dues[] = {"2026-04-15", "2026-04-10", "2026-05-01"}; /* later, earlier, later */
	for (int i = 0; i < 3; i++) {
		struct change ch;
		change_init(&ch);
		assert_int_equal(change_set_due(&ch, dues[i], &err), 0);
		assert_int_equal(store_begin(&st, &err), 0);
		assert_int_equal(change_apply(&st, id, &ch, "t", "cli", 1773000100 + i, NULL, &err), 0);
		assert_int_equal(store_commit(&st, &err), 0);
		change_release(&ch);
	}
	assert_int_equal(items_slipping(&st, 10, slip_cb, out, &err), 0);
	assert_string_equal(out, "INC-2026-03-14-042#1 2026-04-01->2026-05-01 x2;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_and_all),
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_sort_and_limit),
	    cmocka_unit_test(test_scope),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_json_schema),
	    cmocka_unit_test(test_find_exact),
	    cmocka_unit_test(test_incidents),
	    cmocka_unit_test(test_incident_lookups),
	    cmocka_unit_test(test_slipping), /* last: it changes the data */
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
