/*
 * test_merge.c — the three-way merge against an in-memory database with every migration applied.
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
#include <time.h>

#include "import.h"
#include "merge.h"
#include "sha256.h"
#include "store.h"
#include "testdb.h"
#include "testsql.h"

struct fx {
	struct store st;
	struct merger *m;
	int64_t now;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct error err;
	error_init(&err);
	if (!f || testdb_open(&f->st) < 0 || !(f->m = merger_new(&f->st, &err))) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	f->now = 1770000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	merger_free(f->m);
	testdb_close(&f->st);
	free(f);
	return 0;
}

static struct merge_summary import_text(struct fx *f, const char *md, const char *source)
{
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer(source, md, strlen(md), &o, &d), 0);
	f->now += 60;
	int rc = merge_doc(f->m, &d, source, "tester", f->now, &sum, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	import_doc_release(&d);
	return sum;
}

static void expect(struct fx *f, const char *sql, const char *want)
{
	testsql_expect(&f->st, sql, want);
}

/* Every row's first column, joined with ",". */
static void expect_rows(struct fx *f, const char *sql, const char *want)
{
	testsql_expect_rows(&f->st, sql, want);
}

#define DOC(rows)                                                                                            \
	"# X\n\n**Incident ID:** INC-2026-03-14-042\n\n## Action Items\n\n"                                  \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n" rows

static void test_first_import_and_idempotence(void **state)
{
	struct fx *f = *state;
	struct merge_summary s = import_text(
	    f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b | @y | | P1 | done |\n"), "/tmp/a.md");
	assert_int_equal(s.created, 2);
	expect(f, "SELECT count(*) FROM events WHERE kind='created'", "2");
	/* already done when first imported: the close time is unknown, never the import time */
	expect(f, "SELECT closed_at IS NULL FROM items WHERE key='2'", "1");
	/* the same text again (a different path's bytes but same content) changes nothing */
	s = import_text(f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b | @y | | P1 | done |\n"),
			"/tmp/a.md");
	assert_true(s.same_file);
	expect(f, "SELECT count(*) FROM events", "2");
	/* an edit elsewhere in the file that leaves the items alone: all unchanged */
	s = import_text(
	    f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b | @y | | P1 | done |\n\ntext\n"),
	    "/tmp/a.md");
	assert_false(s.same_file);
	assert_int_equal(s.unchanged, 2);
	assert_int_equal(s.updated, 0);
	expect(f, "SELECT count(*) FROM events", "2");
	expect(f, "SELECT sequence FROM items WHERE key='1'", "0");
}

/* Every column of a first import's rows, and the order of rows and history, whatever the engine (on
 * PostgreSQL a document's new items go in one statement, on SQLite one by one: items.c): ids in
 * document order, values with quotes, backslashes and non-ASCII text as written, NULLs as NULLs, the
 * start date from the incident's date, and a re-import's history in the order of the document. */
static void test_first_import_rows(void **state)
{
	struct fx *f = *state;
	const char *md =
	    "# X\n\n**Incident ID:** INC-2026-03-14-042\n**Date:** 2026-01-14\n\n## Action Items\n\n"
	    "| ID | Action | Owner | Due Date | Priority | Status | Team |\n|---|---|---|---|---|---|---|\n"
	    "| 3 | Say \"hi\" \\ to Zoë | @x, @y | 2026-04-01 | P0 | open | core |\n"
	    "| 1 | second | | | | done | |\n"
	    "| 2 | third | @z | 2026-02-01 | P2 | blocked | |\n";
	struct merge_summary s = import_text(f, md, "/tmp/rows.md");
	assert_int_equal(s.created, 3);
	expect_rows(f, "SELECT key FROM items ORDER BY id", "3,1,2");
	expect_rows(f, "SELECT action FROM items ORDER BY id", "Say \"hi\" \\ to Zoë,second,third");
	expect_rows(f, "SELECT coalesce(owner, '-') || ' ' || owners FROM items ORDER BY id",
		    "x [\"x\",\"y\"],- [],z [\"z\"]");
	expect_rows(
	    f,
	    "SELECT coalesce(due, '-') || ' ' || coalesce(CAST(priority AS TEXT), '-') || ' ' || status "
	    "|| ' ' || coalesce(status_raw, '-') FROM items ORDER BY id",
	    "2026-04-01 0 open open,- - done done,2026-02-01 2 blocked blocked");
	expect_rows(f,
		    "SELECT CAST(position AS TEXT) || ' ' || CAST(line AS TEXT) || ' ' || extra FROM items "
		    "ORDER BY id",
		    "0 10 {\"Team\":\"core\"},1 11 {},2 12 {}");
	expect_rows(
	    f,
	    "SELECT CASE WHEN base_action = action AND base_owners = owners AND coalesce(base_due, '') = "
	    "coalesce(due, '') AND coalesce(base_priority, -1) = coalesce(priority, -1) AND "
	    "base_status = status AND created_at = updated_at AND closed_at IS NULL THEN 'ok' ELSE "
	    "'bad' END FROM items ORDER BY id",
	    "ok,ok,ok");
	expect_rows(f, "SELECT start_date FROM items ORDER BY id", "2026-01-14,2026-01-14,2026-01-14");
	expect_rows(
	    f,
	    "SELECT e.kind || ' ' || e.new || ' ' || e.actor || ' ' || e.source FROM events e JOIN items "
	    "i ON i.id = e.item_id ORDER BY e.id",
	    "created Say \"hi\" \\ to Zoë tester import,created second tester import,created third "
	    "tester import");
	expect(f, "SELECT count(*) FROM events e JOIN items i ON i.id = e.item_id WHERE e.at = i.created_at",
	       "3");
	/* a re-import that adds a row before a changed one, and one at the end: history in document order */
	md = "# X\n\n**Incident ID:** INC-2026-03-14-042\n**Date:** 2026-01-14\n\n## Action Items\n\n"
	     "| ID | Action | Owner | Due Date | Priority | Status | Team |\n|---|---|---|---|---|---|---|\n"
	     "| 4 | fourth | | | | open | |\n"
	     "| 3 | Say \"hi\" \\ to Zoë | @x, @y | 2026-04-01 | P0 | done | core |\n"
	     "| 1 | second | | | | done | |\n"
	     "| 2 | third | @z | 2026-02-01 | P2 | blocked | |\n"
	     "| 5 | fifth | | | | open | |\n";
	s = import_text(f, md, "/tmp/rows.md");
	assert_int_equal(s.created, 2);
	assert_int_equal(s.updated, 1);
	expect_rows(
	    f,
	    "SELECT e.kind || ' ' || coalesce(e.field, '-') || ' ' || coalesce(e.new, '-') FROM events e "
	    "WHERE e.id > (SELECT max(id) FROM events WHERE kind = 'created' AND new = 'third') "
	    "ORDER BY e.id",
	    "created - fourth,changed status done,created - fifth");
	expect_rows(f, "SELECT key FROM items ORDER BY id", "3,1,2,4,5");
}

#define LIST(bullets) "# X\n\n**Incident ID:** INC-2026-03-14-042\n\n## Follow-ups\n\n" bullets

/* issue 9 §6: list items keep their keys, and the tracker's status, across the four edits */
static void test_list_keys_follow_text(void **state)
{
	struct fx *f = *state;
	struct merge_summary s = import_text(
	    f, LIST("- Add an alert\n- Write the runbook\n- Drop the cron job\n- Test restores\n"),
	    "/tmp/l.md");
	assert_int_equal(s.created, 4);
	assert_int_equal(testsql_exec(&f->st, "UPDATE items SET status='blocked' WHERE key='3'"), 0);
	/* insert at the top */
	s = import_text(f,
			LIST("- Page earlier\n- Add an alert\n- Write the runbook\n- Drop the cron job\n- "
			     "Test restores\n"),
			"/tmp/l.md");
	assert_int_equal(s.created, 1);
	assert_int_equal(s.unchanged, 4);
	expect(f, "SELECT key FROM items WHERE action='Page earlier'", "5");
	expect(f, "SELECT status FROM items WHERE action='Drop the cron job'", "blocked");
	/* delete in the middle */
	s = import_text(f, LIST("- Page earlier\n- Add an alert\n- Drop the cron job\n- Test restores\n"),
			"/tmp/l.md");
	assert_int_equal(s.removed, 1);
	expect(f, "SELECT removed_at IS NOT NULL FROM items WHERE key='2'", "1");
	expect(f, "SELECT key FROM items WHERE action='Test restores'", "4");
	/* reorder */
	s = import_text(f, LIST("- Test restores\n- Drop the cron job\n- Add an alert\n- Page earlier\n"),
			"/tmp/l.md");
	assert_int_equal(s.unchanged, 4);
	expect(f, "SELECT key || status FROM items WHERE action='Drop the cron job'", "3blocked");
	/* edit one word */
	s = import_text(f, LIST("- Test restores\n- Drop the old cron job\n- Add an alert\n- Page earlier\n"),
			"/tmp/l.md");
	assert_int_equal(s.updated, 1);
	expect(f, "SELECT key || status FROM items WHERE action='Drop the old cron job'", "3blocked");
	expect(f, "SELECT count(*) FROM items", "5");
}

/* closed_at: unknown (NULL) for an item done at its first import, also after re-imports that change
 * it (done -> wont_do in the document); the import time for an item the document closes later. */
static void test_closed_at_back_filled(void **state)
{
	struct fx *f = *state;
	import_text(f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b | @y | | P1 | done |\n"),
		    "/tmp/a.md");
	expect(f, "SELECT closed_at IS NULL FROM items WHERE key='2'", "1");
	struct merge_summary s =
	    import_text(f, DOC("| 1 | a | @x | 2026-04-01 | P0 | done |\n| 2 | b | @y | | P1 | wont_do |\n"),
			"/tmp/a.md");
	assert_int_equal(s.updated, 2);
	expect(
	    f,
	    "SELECT status || ' ' || CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END FROM items WHERE key='2'",
	    "wont_do 1");
	/* item 1 was open in the tracker and the document closed it: closed when the tracker learnt it */
	expect(f,
	       "SELECT status || ' ' || CASE WHEN closed_at = updated_at AND closed_at > created_at THEN 1 "
	       "ELSE 0 END FROM items WHERE key='1'",
	       "done 1");
	/* reopened by the document: no close time */
	import_text(f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b | @y | | P1 | open |\n"),
		    "/tmp/a.md");
	expect(f, "SELECT count(*) FROM items WHERE closed_at IS NULL AND status = 'open'", "2");
}

static void test_three_way(void **state)
{
	struct fx *f = *state;
	import_text(f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n"), "/tmp/a.md");
	/* someone changes status and owner in the tracker */
	assert_int_equal(
	    testsql_exec(&f->st,
			 "UPDATE items SET status='in_progress', owners='[\"z\"]', owner='z' WHERE key='1'"),
	    0);
	/* the document changes due (only the doc) and owner (both: conflict), status untouched */
	struct merge_summary s =
	    import_text(f, DOC("| 1 | a | @w | 2026-05-01 | P0 | open |\n"), "/tmp/a.md");
	assert_int_equal(s.updated, 1);
	assert_int_equal(s.conflicts, 1);
	expect(f, "SELECT status FROM items WHERE key='1'", "in_progress"); /* tracker's value stays */
	expect(f, "SELECT due FROM items WHERE key='1'", "2026-05-01");     /* only the doc changed */
	expect(f, "SELECT owner FROM items WHERE key='1'", "w");            /* both: the doc wins */
	expect(f, "SELECT old || ' -> ' || new FROM events WHERE kind='conflict'", "[\"z\"] -> [\"w\"]");
	expect(f, "SELECT base_owners FROM items WHERE key='1'", "[\"w\"]");
	expect(f, "SELECT base_status FROM items WHERE key='1'", "open");
	expect(f, "SELECT sequence FROM items WHERE key='1'", "1");
	/* importing the same document again changes nothing more */
	s = import_text(f, DOC("| 1 | a | @w | 2026-05-01 | P0 | open |\n\n"), "/tmp/a.md");
	assert_int_equal(s.unchanged, 1);
	expect(f, "SELECT status FROM items WHERE key='1'", "in_progress");
}

static void test_removed_and_restored(void **state)
{
	struct fx *f = *state;
	import_text(f, DOC("| 1 | a | | | | |\n| 2 | b | | | | |\n"), "/tmp/a.md");
	struct merge_summary s = import_text(f, DOC("| 1 | a | | | | |\n"), "/tmp/a.md");
	assert_int_equal(s.removed, 1);
	expect(f, "SELECT count(*) FROM items", "2"); /* never deleted */
	expect(f, "SELECT removed_at IS NOT NULL FROM items WHERE key='2'", "1");
	s = import_text(f, DOC("| 1 | a | | | | |\n| 2 | b | | | | |\n"), "/tmp/a.md");
	assert_int_equal(s.restored, 1);
	expect(f, "SELECT removed_at IS NULL FROM items WHERE key='2'", "1");
	expect_rows(f,
		    "SELECT kind FROM events WHERE item_id=(SELECT id FROM items WHERE key='2') ORDER BY id",
		    "created,removed,restored");
}

static void test_second_path_refused(void **state)
{
	struct fx *f = *state;
	/* a source that exists: the same incident from another path is refused */
	import_text(f, DOC("| 1 | a | | | | |\n"), TEST_SRCDIR "/CMakeLists.txt");
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	const char *md = DOC("| 1 | a | | | | |\n");
	assert_int_equal(import_parse_buffer("b.md", md, strlen(md), &o, &d), 0);
	assert_int_equal(merge_doc(f->m, &d, "/tmp/b.md", "t", f->now, &sum, &err), -1);
	assert_non_null(strstr(err.msg, "already imported from"));
	import_doc_release(&d);
	/* a source that no longer exists: the path is updated */
	struct fx *g = f;
	assert_int_equal(testsql_exec(&g->st, "UPDATE incidents SET source='/nonexistent/old.md'"), 0);
	struct merge_summary s = import_text(f, DOC("| 1 | a | | | | |\n"), "/tmp/b.md");
	assert_true(s.moved);
	expect(f, "SELECT source FROM incidents", "/tmp/b.md");
}

/* Issue 9: a document imported under a derived id that later writes its own id keeps its items,
 * their history, status and tracker changes: a rekeyed event, not a new incident plus removed rows. */
static void test_rekey(void **state)
{
	struct fx *f = *state;
	const char *rows = "\n## Action Items\n\n| Action | Owner | Status |\n|---|---|---|\n"
			   "| Rotate the key | @x | open |\n| Add a canary | @y | open |\n";
	char md[512];
	snprintf(md, sizeof md, "# Flags are down\n%s", rows);
	struct merge_summary s = import_text(f, md, "/srv/pm/2025-09-29-flags-is-down.md");
	assert_int_equal(s.created, 2);
	expect(f, "SELECT id FROM incidents", "2025-09-29-flags-is-down");
	/* someone works an item in the tracker */
	assert_int_equal(testsql_exec(&f->st,
				      "UPDATE items SET status='in_progress', owner='z', owners='[\"z\"]' "
				      "WHERE key='1'"),
			 0);
	/* the document gains its id */
	snprintf(md, sizeof md, "# Flags are down\n\n**Incident ID:** FL-12\n%s", rows);
	s = import_text(f, md, "/srv/pm/2025-09-29-flags-is-down.md");
	assert_string_equal(s.rekeyed_from, "2025-09-29-flags-is-down");
	assert_int_equal(s.created, 0);
	assert_int_equal(s.removed, 0);
	assert_int_equal(s.unchanged, 2);
	expect(f, "SELECT count(*) FROM items", "2");
	expect_rows(f, "SELECT DISTINCT incident_id FROM items ORDER BY incident_id", "FL-12");
	expect(f, "SELECT status || ' ' || owner FROM items WHERE key='1'", "in_progress z");
	expect_rows(f,
		    "SELECT kind FROM events WHERE item_id=(SELECT id FROM items WHERE key='1') ORDER BY id",
		    "created,rekeyed");
	expect(f, "SELECT old || ' -> ' || new FROM events WHERE kind='rekeyed' AND item_id IS NULL",
	       "2025-09-29-flags-is-down -> FL-12");
	expect(f, "SELECT rekeyed_to FROM incidents WHERE id='2025-09-29-flags-is-down'", "FL-12");
	expect(f, "SELECT count(*) FROM incidents WHERE rekeyed_to IS NULL", "1");
	/* the same file again: nothing moves */
	s = import_text(f, md, "/srv/pm/2025-09-29-flags-is-down.md");
	assert_true(s.same_file);
	/* and back to the old id: the items follow again */
	snprintf(md, sizeof md, "# Flags are down\n%s\n", rows);
	s = import_text(f, md, "/srv/pm/2025-09-29-flags-is-down.md");
	assert_string_equal(s.rekeyed_from, "FL-12");
	expect_rows(f, "SELECT DISTINCT incident_id FROM items ORDER BY incident_id",
		    "2025-09-29-flags-is-down");
	expect(f, "SELECT count(*) FROM incidents WHERE rekeyed_to IS NULL", "1");
	expect(f, "SELECT status FROM items WHERE key='1'", "in_progress");
}

/* Two written ids at one path: another document (the old incident keeps its items). */
static void test_written_ids_not_rekeyed(void **state)
{
	struct fx *f = *state;
	import_text(f, "# A\n\nIncident ID: PM-1\n\n## Action Items\n\n| Action |\n|---|\n| a |\n",
		    "/tmp/x.md");
	struct merge_summary s = import_text(
	    f, "# B\n\nIncident ID: PM-2\n\n## Action Items\n\n| Action |\n|---|\n| b |\n", "/tmp/x.md");
	assert_string_equal(s.rekeyed_from, "");
	assert_int_equal(s.created, 1);
	expect_rows(f, "SELECT incident_id FROM items ORDER BY id", "PM-1,PM-2");
	expect(f, "SELECT count(*) FROM incidents WHERE rekeyed_to IS NULL", "2");
}

/* A file renamed (same bytes, old path gone) whose id came from its name: the items follow. */
static void test_rename_derived(void **state)
{
	struct fx *f = *state;
	const char *md = "# Outage\n\n## Action Items\n\n| Action | Status |\n|---|---|\n| a | open |\n";
	import_text(f, md, "/nonexistent/draft.md");
	expect(f, "SELECT id FROM incidents", "draft");
	assert_int_equal(testsql_exec(&f->st, "UPDATE items SET status='blocked'"), 0);
	struct merge_summary s = import_text(f, md, "/nonexistent/2025-10-01-outage.md");
	assert_string_equal(s.rekeyed_from, "draft");
	assert_true(s.moved);
	assert_int_equal(s.created, 0);
	expect(f, "SELECT incident_id || ' ' || status FROM items", "2025-10-01-outage blocked");
	expect(f, "SELECT source FROM incidents WHERE rekeyed_to IS NULL",
	       "/nonexistent/2025-10-01-outage.md");
	/* a copy whose original still exists is another document */
	const char *md2 = "# Other\n\n## Action Items\n\n| Action |\n|---|\n| b |\n";
	import_text(f, md2, TEST_SRCDIR "/CMakeLists.txt");
	import_text(f, md2, "/nonexistent/copy.md");
	expect(f, "SELECT count(*) FROM incidents WHERE rekeyed_to IS NULL", "3");
}

/* Two different files that derive the same id: an error naming both paths. */
static void test_derived_collision(void **state)
{
	struct fx *f = *state;
	const char *md = "# Outage\n\n## Action Items\n\n| Action |\n|---|\n| a |\n";
	import_text(f, md, TEST_SRCDIR "/CMakeLists.txt");
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer("other/CMakeLists.txt", md, strlen(md), &o, &d), 0);
	assert_true(d.inc.id_derived);
	assert_int_equal(merge_doc(f->m, &d, "/elsewhere/CMakeLists.txt", "t", f->now, &sum, &err), -1);
	assert_non_null(strstr(err.msg, "/elsewhere/CMakeLists.txt"));
	assert_non_null(strstr(err.msg, TEST_SRCDIR "/CMakeLists.txt"));
	assert_non_null(strstr(err.msg, "both derive the incident id \"CMakeLists.txt\""));
	import_doc_release(&d);
}

static void test_append_only_history(void **state)
{
	struct fx *f = *state;
	import_text(f, DOC("| 1 | a | | | | |\n"), "/tmp/a.md");
	assert_int_not_equal(testsql_exec(&f->st, "DELETE FROM events"), 0);
	assert_int_not_equal(testsql_exec(&f->st, "UPDATE events SET actor='x'"), 0);
}

/* merge_doc with a file stat and import options, as the importer passes them. */
static struct merge_summary import_with(struct fx *f, const char *md, const char *source,
					const struct import_stat *st, enum date_order order)
{
	struct import_doc d;
	struct import_opts o = {.date_order = order};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer(source, md, strlen(md), &o, &d), 0);
	if (st)
		d.src = *st;
	f->now += 60;
	assert_int_equal(merge_doc(f->m, &d, source, "tester", f->now, &sum, &err), 0);
	import_doc_release(&d);
	return sum;
}

static void test_source_skip(void **state)
{
	struct fx *f = *state;
	const char *md = DOC("| 1 | a | | | | |\n| 2 | b | | | | |\n");
	struct import_stat st = {.size = 1234, .mtime_ns = 1700000000123456789, .ino = 42, .known = true};
	import_with(f, md, "/tmp/a.md", &st, DATE_ORDER_AUTO);
	expect(f, "SELECT source_size || ' ' || source_mtime_ns || ' ' || source_ino FROM incidents",
	       "1234 1700000000123456789 42");
	char rules[64], other[64];
	struct import_opts o = {0}, dmy = {.date_order = DATE_ORDER_DMY};
	import_rules_id(&o, rules);
	import_rules_id(&dmy, other);
	assert_string_not_equal(rules, other);

	struct merge_source *v;
	size_t n;
	struct error err;
	error_init(&err);
	/* several paths in one lookup: each gets its own list, in the order given (a path twice, twice; a
	 * path with quotes and a non-ASCII name, nothing) */
	const char *const many[] = {"/tmp/b \"q\" é.md", "/tmp/a.md", "/tmp/none.md", "/tmp/a.md"};
	struct merge_source *lv[4];
	size_t ln[4];
	assert_int_equal(merger_sources(f->m, many, 4, rules, lv, ln, &err), 0);
	assert_int_equal(ln[0], 0);
	assert_int_equal(ln[1], 1);
	assert_int_equal(ln[2], 0);
	assert_int_equal(ln[3], 1);
	assert_string_equal(lv[1][0].id, "INC-2026-03-14-042");
	assert_string_equal(lv[3][0].id, "INC-2026-03-14-042");
	for (int k = 0; k < 4; k++)
		merge_sources_free(lv[k], ln[k]);
	const char *const a_md[] = {"/tmp/a.md"}, *const b_md[] = {"/tmp/b.md"};
	assert_int_equal(merger_sources(f->m, a_md, 1, rules, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "INC-2026-03-14-042");
	/* the same stat matches; any other size, mtime or inode does not; nor an unknown stat */
	assert_int_equal(merge_source_by_stat(v, n, &st), 0);
	struct import_stat x = st;
	x.mtime_ns++;
	assert_int_equal(merge_source_by_stat(v, n, &x), -1);
	x = st;
	x.ino = 43;
	assert_int_equal(merge_source_by_stat(v, n, &x), -1);
	x = st;
	x.size--;
	assert_int_equal(merge_source_by_stat(v, n, &x), -1);
	x = st;
	x.known = false;
	assert_int_equal(merge_source_by_stat(v, n, &x), -1);
	/* the hash of the same bytes matches, of other bytes not */
	unsigned char h[32];
	sha256_bytes(md, strlen(md), h);
	assert_int_equal(merge_source_by_hash(v, n, h), 0);
	sha256_bytes("x", 1, h);
	assert_int_equal(merge_source_by_hash(v, n, h), -1);
	unsigned items;
	assert_int_equal(merger_source_items(f->m, v[0].id, &items, &err), 0);
	assert_int_equal(items, 2);
	/* a touch: the stat is recorded */
	x = st;
	x.mtime_ns += 1000;
	assert_int_equal(merger_source_touch(f->m, v[0].id, &x, &err), 0);
	expect(f, "SELECT source_mtime_ns FROM incidents", "1700000000123457789");
	merge_sources_free(v, n);

	/* under other rules, or from another path, nothing is known */
	assert_int_equal(merger_sources(f->m, a_md, 1, other, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	merge_sources_free(v, n);
	assert_int_equal(merger_sources(f->m, b_md, 1, rules, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	merge_sources_free(v, n);

	/* the same bytes under another date order are merged again (not same_file), changing nothing */
	struct merge_summary s = import_with(f, md, "/tmp/a.md", &st, DATE_ORDER_DMY);
	assert_false(s.same_file);
	assert_int_equal(s.unchanged, 2);
	expect(f, "SELECT source_rules FROM incidents", other);
	/* and then they are the same file; a stat that is not a key clears the stored one */
	struct import_stat racy = st;
	racy.known = false;
	s = import_with(f, md, "/tmp/a.md", &racy, DATE_ORDER_DMY);
	assert_true(s.same_file);
	s = import_with(f, DOC("| 1 | a | | | | |\n"), "/tmp/a.md", &racy, DATE_ORDER_DMY);
	assert_int_equal(s.removed, 1);
	expect(f, "SELECT source_size IS NULL FROM incidents", "1");
	assert_int_equal(merger_source_items(f->m, "INC-2026-03-14-042", &items, &err), 0);
	assert_int_equal(items, 1);
}

static void test_rules_id(void **state)
{
	(void)state;
	char a[64], b[64];
	const char *people1[] = {"ann", "Ann Lee", NULL}, *handles1[] = {"ann", "ann", NULL};
	const char *people2[] = {"ann", "Ann Li", NULL};
	struct import_opts o = {0};
	import_rules_id(&o, a);
	import_rules_id(NULL, b);
	assert_string_equal(a, b); /* no options: the defaults */
	o.action_headings = "Lessons";
	import_rules_id(&o, b);
	assert_string_not_equal(a, b); /* another heading vocabulary reads documents differently */
	o.action_headings = NULL;
	o.people = people1;
	o.people_handles = handles1;
	import_rules_id(&o, a);
	o.people = people2;
	import_rules_id(&o, b);
	assert_string_not_equal(a, b); /* another people table: "(Name)" owners differ */
	o.people = people1;
	import_rules_id(&o, b);
	assert_string_equal(a, b);
	assert_true(strlen(a) < 48);
}

static void test_stat_racy(void **state)
{
	(void)state;
	struct stat sb;
	memset(&sb, 0, sizeof sb);
	sb.st_size = 10;
	sb.st_ino = 7;
	sb.st_mtim.tv_sec = time(NULL);
	struct import_stat st;
	import_stat_from(&st, &sb);
	assert_false(st.known); /* written just now: not a key */
	sb.st_mtim.tv_sec -= IMPORT_RACY_S + 1;
	sb.st_mtim.tv_nsec = 5;
	import_stat_from(&st, &sb);
	assert_true(st.known);
	assert_int_equal(st.mtime_ns, (int64_t)sb.st_mtim.tv_sec * 1000000000 + 5);
	assert_int_equal(st.size, 10);
	assert_int_equal(st.ino, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_first_import_and_idempotence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_first_import_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_keys_follow_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closed_at_back_filled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_three_way, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_removed_and_restored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_second_path_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_only_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rekey, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_derived_collision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rename_derived, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_written_ids_not_rekeyed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source_skip, setup, teardown),
	    cmocka_unit_test(test_stat_racy),
	    cmocka_unit_test(test_rules_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
