/*
 * test_writeback.c — write-back against byte-exact golden files (tests/fixtures/writeback/NAME.md
 * → NAME.expected.md), the unified diff, the review checklist rule, refusals, and the round trip
 * through the store: import, change in the tracker, write back, import again → nothing changes.
 *
 * WB_REGEN=1 rewrites the expected files (then read the diff before committing them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "import.h"
#include "merge.h"
#include "store.h"
#include "testdb.h"
#include "testsql.h"
#include "writeback.h"

#define FIXTURES TEST_SRCDIR "/tests/fixtures/writeback/"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* Runs write-back on a fixture with the given tracker items; returns the result (caller releases). */
static void run_fixture(const char *name, const struct wb_item *items, size_t n, struct wb_result *res)
{
	char in[512], exp[512];
	snprintf(in, sizeof in, FIXTURES "%s.md", name);
	snprintf(exp, sizeof exp, FIXTURES "%s.expected.md", name);
	size_t len, elen;
	char *data = slurp(in, &len);
	assert_non_null(data);
	struct import_doc doc;
	import_doc_init(&doc);
	struct import_opts o = {0};
	assert_int_equal(import_parse_buffer(in, data, len, &o, &doc), 0);
	struct error err;
	error_init(&err);
	wb_result_init(res);
	int rc = writeback_compute(data, len, &doc, items, n, res, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	if (getenv("WB_REGEN")) {
		FILE *f = fopen(exp, "wb");
		assert_non_null(f);
		fwrite(res->data, 1, res->len, f);
		fclose(f);
	}
	char *want = slurp(exp, &elen);
	assert_non_null(want);
	if (elen != res->len || memcmp(want, res->data, elen)) {
		struct buf d;
		buf_init(&d, 0);
		writeback_diff(want, elen, res->data, res->len, "expected", "got", &d);
		fprintf(stderr, "%s: output differs from %s:\n%s", name, exp, buf_cstr(&d));
		buf_release(&d);
		fail();
	}
	/* the new document reads back with the same items, and nothing else changed: lines and
	 * line ends are the same in number */
	assert_int_equal(res->doc.nitems, doc.nitems);
	assert_int_equal(res->doc.nerrors, 0);
	free(want);
	free(data);
	import_doc_release(&doc);
}

static bool has_note(const struct wb_result *r, const char *needle)
{
	for (size_t i = 0; i < r->nnotes; i++)
		if (strstr(r->notes[i], needle))
			return true;
	return false;
}

static void test_template_words_padding_checklist(void **state)
{
	(void)state;
	const struct wb_item items[] = {
	    {.key = "1",
	     .status = STATUS_DONE,
	     .priority = 0,
	     .due = "2026-03-01",
	     .owners_json = "[\"alice\"]"},
	    {.key = "2",
	     .status = STATUS_WONT_DO,
	     .priority = 0,
	     .due = "2026-03-15",
	     .owners_json = "[\"bob\"]"},
	    {.key = "3",
	     .status = STATUS_IN_PROGRESS,
	     .priority = 1,
	     .due = "2026-04-01",
	     .due_changed = true,
	     .owners_json = "[\"carol\",\"frank\"]",
	     .owners_changed = true},
	    {.key = "4",
	     .status = STATUS_BLOCKED,
	     .priority = 2,
	     .owners_json = "[]",
	     .owners_changed = true},
	};
	struct wb_result r;
	run_fixture("template", items, 4, &r);
	/* 4 statuses, 1 due, 2 owners, 2 checklist lines (the one in the code block is left alone) */
	assert_int_equal(r.nedits, 9);
	assert_int_equal(r.nnotes, 0);
	wb_result_release(&r);
}

static void test_document_style_crlf(void **state)
{
	(void)state;
	const struct wb_item items[] = {
	    {.key = "1",
	     .status = STATUS_DONE,
	     .priority = 0,
	     .due = "2026-02-01",
	     .owners_json = "[\"alice\"]"},
	    {.key = "2",
	     .status = STATUS_DONE,
	     .priority = 1,
	     .due = "2026-03-01",
	     .owners_json = "[\"bob\",\"carol\"]"},
	    {.key = "3",
	     .status = STATUS_IN_PROGRESS,
	     .priority = 2,
	     .due = "2026-04-01",
	     .owners_json = "[\"dan\"]"},
	    {.key = "4",
	     .status = STATUS_OPEN,
	     .priority = 0,
	     .due = NULL,
	     .due_changed = true,
	     .owners_json = "[\"erin\"]"},
	};
	struct wb_result r;
	run_fixture("style-crlf", items, 4, &r);
	assert_int_equal(r.nedits, 4); /* 2 statuses, 1 due, the P0 line unticked */
	wb_result_release(&r);
}

static void test_bom_cr_alignment_indent(void **state)
{
	(void)state;
	const struct wb_item items[] = {
	    {.key = "1",
	     .status = STATUS_DONE,
	     .priority = 0,
	     .due = "2026-05-01",
	     .owners_json = "[\"alice\"]"},
	    {.key = "2",
	     .status = STATUS_OPEN,
	     .priority = 1,
	     .due = "2026-05-10",
	     .owners_json = "[\"bob\"]"},
	    {.key = "3",
	     .status = STATUS_DONE,
	     .priority = 2,
	     .due = "2026-06-01",
	     .owners_json = "[\"carol\"]"},
	};
	struct wb_result r;
	run_fixture("bom-cr", items, 3, &r);
	assert_int_equal(r.nedits, 4);
	assert_memory_equal(r.data, "\xEF\xBB\xBF", 3);
	wb_result_release(&r);
}

static void test_short_rows_are_noted(void **state)
{
	(void)state;
	const struct wb_item items[] = {
	    {.key = "1",
	     .status = STATUS_DONE,
	     .priority = 0,
	     .due = "2026-06-01",
	     .owners_json = "[\"zoe\"]",
	     .owners_changed = true},
	    {.key = "2",
	     .status = STATUS_IN_PROGRESS,
	     .priority = 1,
	     .due = "2026-06-02",
	     .owners_json = "[\"bob\"]"},
	    {.key = "3", .status = STATUS_DONE, .owners_json = "[\"carol\"]", .priority = -1},
	};
	struct wb_result r;
	run_fixture("short-rows", items, 3, &r);
	assert_true(has_note(&r, "item 1: its row has no Status cell"));
	assert_true(has_note(&r, "item 3: its row has no Status cell"));
	assert_int_equal(r.nnotes, 2);
	wb_result_release(&r);
}

static void test_nothing_to_write_is_identity(void **state)
{
	(void)state;
	const char *md = "# X\r\n\r\n**Incident ID:** INC-2026-03-14-042\r\n\r\n## Action Items\r\n\r\n"
			 "| ID | Action | Owner | Due | Priority | Status |\r\n|--|--|--|--|--|--|\r\n"
			 "| 1 | a | @x | 2026-04-01 | P0 | Done |\r\n- [x] All P0 items completed";
	struct import_doc doc;
	import_doc_init(&doc);
	assert_int_equal(import_parse_buffer("x.md", md, strlen(md), NULL, &doc), 0);
	const struct wb_item items[] = {{.key = "1",
					 .status = STATUS_DONE,
					 .priority = 0,
					 .due = "2026-04-01",
					 .owners_json = "[\"x\"]"}};
	struct wb_result r;
	struct error err;
	wb_result_init(&r);
	assert_int_equal(writeback_compute(md, strlen(md), &doc, items, 1, &r, &err), 0);
	assert_int_equal(r.nedits, 0);
	assert_int_equal(r.len, strlen(md));
	assert_memory_equal(r.data, md, r.len);
	struct buf d;
	buf_init(&d, 0);
	assert_int_equal(writeback_diff(md, strlen(md), r.data, r.len, "a", "b", &d), 0);
	assert_int_equal(d.len, 0);
	buf_release(&d);
	wb_result_release(&r);
	import_doc_release(&doc);
}

static void test_refuses_misplaced_cell(void **state)
{
	(void)state;
	const char *md = "# X\n\n**Incident ID:** INC-2026-03-14-042\n\n## Action Items\n\n"
			 "| ID | Action | Owner | Due | Priority | Status |\n|--|--|--|--|--|--|\n"
			 "| 1 | a | @x | 2026-04-01 | P0 | Open |\n";
	struct import_doc doc;
	import_doc_init(&doc);
	assert_int_equal(import_parse_buffer("x.md", md, strlen(md), NULL, &doc), 0);
	doc.items[0].pos_status.col_start -= 2; /* as if the parser had said something else */
	const struct wb_item items[] = {{.key = "1",
					 .status = STATUS_DONE,
					 .priority = 0,
					 .due = "2026-04-01",
					 .owners_json = "[\"x\"]"}};
	struct wb_result r;
	struct error err;
	error_init(&err);
	wb_result_init(&r);
	assert_int_equal(writeback_compute(md, strlen(md), &doc, items, 1, &r, &err), -1);
	assert_non_null(strstr(err.msg, "not at columns"));
	wb_result_release(&r);
	import_doc_release(&doc);
}

static void test_diff_format(void **state)
{
	(void)state;
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20";
	const char *b = "1\n2\nthree\n4\n5\n6\n7\n8\n9\nten\n11\n12\n13\n14\n15\n16\n17\n18\n19\ntwenty";
	struct buf d;
	buf_init(&d, 0);
	assert_int_equal(writeback_diff(a, strlen(a), b, strlen(b), "a/f", "b/f", &d), 0);
	assert_string_equal(buf_cstr(&d),
			    "--- a/f\n+++ b/f\n"
			    "@@ -1,13 +1,13 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n 7\n 8\n 9\n"
			    "-10\n+ten\n 11\n 12\n 13\n"
			    "@@ -17,4 +17,4 @@\n 17\n 18\n 19\n-20\n\\ No newline at end of file\n"
			    "+twenty\n\\ No newline at end of file\n");
	buf_release(&d);
}

static void test_review_checklist_rule(void **state)
{
	(void)state;
	struct review_check rc;
	review_checklist(NULL, 0, &rc);
	assert_true(rc.p0_completed && rc.p1_scheduled);
	const struct wb_item items[] = {
	    {.key = "1", .status = STATUS_WONT_DO, .priority = 0},
	    {.key = "2", .status = STATUS_OPEN, .priority = 0, .removed = true},
	    {.key = "3", .status = STATUS_OPEN, .priority = 1, .due = "2026-01-01"},
	    {.key = "4", .status = STATUS_OPEN, .priority = 2},
	};
	review_checklist(items, 4, &rc);
	assert_true(rc.p0_completed && rc.p1_scheduled);
	const struct wb_item more[] = {
	    {.key = "5", .status = STATUS_BLOCKED, .priority = 0},
	    {.key = "6", .status = STATUS_DONE, .priority = 1}, /* closed: scheduling no longer matters */
	    {.key = "7", .status = STATUS_IN_PROGRESS, .priority = 1},
	};
	review_checklist(more, 3, &rc);
	assert_false(rc.p0_completed);
	assert_false(rc.p1_scheduled);
	assert_int_equal(rc.blockers_p0, 1);
	assert_int_equal(rc.blockers_p1, 1);
}

/* --- the round trip through the store ------------------------------------------------------ */

static void exec(struct store *st, const char *sql)
{
	assert_int_equal(testsql_exec(st, sql), 0);
}

static char *q1(struct store *st, const char *sql)
{
	return testsql_one(st, sql);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	struct merger *m = merger_new(&st, &err);
	assert_non_null(m);

	/* a real file: write-back replaces it */
	char dir[] = "/tmp/test_writeback.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/pm.md", dir);
	size_t len;
	char *data = slurp(FIXTURES "style-crlf.md", &len);
	assert_non_null(data);
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
	chmod(path, 0640);

	struct import_doc doc;
	struct merge_summary sum;
	import_doc_init(&doc);
	assert_int_equal(import_read_file(path, NULL, &doc, &err), 0);
	assert_int_equal(merge_doc(m, &doc, path, "t", 1770000000, &sum, &err), 0);
	assert_int_equal(sum.created, 4);
	import_doc_release(&doc);

	/* the tracker changes things */
	exec(&st, "UPDATE items SET status='done' WHERE key='4';"
		  "UPDATE items SET status='blocked', due='2026-09-09' WHERE key='2';"
		  "UPDATE items SET owners='[\"zed\"]', owner='zed', status='wont_do' WHERE key='3';");

	struct writeback_opts o = {.actor = "t", .now = 1770000100};
	struct writeback_report rep;
	writeback_report_init(&rep);
	/* a dry run changes nothing */
	o.dry_run = true;
	assert_int_equal(writeback_incident(&st, path, &o, &rep, &err), 0);
	assert_true(rep.res.nedits > 0);
	assert_false(rep.written);
	writeback_report_release(&rep);
	size_t len2;
	char *same = slurp(path, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(same, data, len);
	free(same);

	o.dry_run = false;
	assert_int_equal(writeback_incident(&st, "INC-2026-01-20", &o, &rep, &err), 0);
	assert_true(rep.written);
	assert_int_equal(rep.res.nedits, 5); /* 3 statuses, 1 due, 1 owner; the checklist stays */
	writeback_report_release(&rep);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);

	/* import again, with the hash forgotten so the merge really runs: nothing changes */
	exec(&st, "UPDATE incidents SET source_hash='forgotten'");
	import_doc_init(&doc);
	assert_int_equal(import_read_file(path, NULL, &doc, &err), 0);
	assert_int_equal(merge_doc(m, &doc, path, "t", 1770000200, &sum, &err), 0);
	assert_false(sum.same_file);
	assert_int_equal(sum.updated, 0);
	assert_int_equal(sum.conflicts, 0);
	assert_int_equal(sum.unchanged, 4);
	import_doc_release(&doc);
	char *v = testsql_rows(&st,
			       "SELECT status || '/' || coalesce(due,'-') || '/' || owners FROM items "
			       "ORDER BY position",
			       " ");
	assert_string_equal(v, "done/2026-02-01/[\"alice\"] blocked/2026-09-09/[\"bob\",\"carol\"] "
			       "wont_do/2026-04-01/[\"zed\"] done/2026-02-15/[\"erin\"]");
	free(v);
	v = q1(&st, "SELECT count(*) FROM events WHERE kind='writeback'");
	assert_string_equal(v, "5");
	free(v);

	/* a second write-back has nothing to do */
	exec(&st, "UPDATE incidents SET source_hash=(SELECT source_hash FROM incidents)");
	writeback_report_init(&rep);
	assert_int_equal(writeback_incident(&st, path, &o, &rep, &err), 0);
	assert_int_equal(rep.res.nedits, 0);
	assert_false(rep.written);
	writeback_report_release(&rep);

	/* an edited file is refused until re-imported (or --force) */
	f = fopen(path, "ab");
	fputs("\r\nmore\r\n", f);
	fclose(f);
	exec(&st, "UPDATE items SET status='open' WHERE key='1'");
	writeback_report_init(&rep);
	assert_int_equal(writeback_incident(&st, path, &o, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "re-import first"));
	writeback_report_release(&rep);
	char *hash_before = q1(&st, "SELECT source_hash FROM incidents");
	o.force = true;
	writeback_report_init(&rep);
	assert_int_equal(writeback_incident(&st, path, &o, &rep, &err), 0);
	assert_true(rep.stale && rep.written);
	writeback_report_release(&rep);
	/* forced: the stored hash stays, so the next import still merges the document */
	char *hash_after = q1(&st, "SELECT source_hash FROM incidents");
	assert_string_equal(hash_before, hash_after);
	free(hash_before);
	free(hash_after);

	merger_free(m);
	testdb_close(&st);
	free(data);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template_words_padding_checklist),
	    cmocka_unit_test(test_document_style_crlf),
	    cmocka_unit_test(test_bom_cr_alignment_indent),
	    cmocka_unit_test(test_short_rows_are_noted),
	    cmocka_unit_test(test_nothing_to_write_is_identity),
	    cmocka_unit_test(test_refuses_misplaced_cell),
	    cmocka_unit_test(test_diff_format),
	    cmocka_unit_test(test_review_checklist_rule),
	    cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
