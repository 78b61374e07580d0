/*
 * test_history.c — replaying a document's history through merge_doc() with past times (what `tracker
 * sync --history` does: each version at its commit time) gives the true metrics: items are created at
 * the commit that added them, a due date slips at the commit that moved it, an item is closed at the
 * commit that marked it done, removed at the commit that dropped it. `stats` over the result is checked
 * against figures worked out by hand below. Importing the same version again at the same time changes
 * nothing. Runs on SQLite, or on a fresh PostgreSQL database with $TRACKER_TEST_PG (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "git.h"
#include "history.h"
#include "import.h"
#include "merge.h"
#include "source.h"
#include "stats.h"
#include "store.h"
#include "tdate.h"
#include "testdb.h"
#include "testsql.h"

struct fx {
	struct store st;
	struct merger *m;
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

static int64_t at(const char *iso)
{
	int64_t t;
	assert_int_equal(time_parse(iso, &t), 0);
	return t;
}

/* One version of the document, imported at `when` (a commit time), in its own transaction. */
static struct merge_summary import_at(struct fx *f, const char *md, const char *when)
{
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer("/nonexistent/pm/db-outage.md", md, strlen(md), &o, &d), 0);
	assert_int_equal(store_begin(&f->st, &err), 0);
	int rc = merge_doc(f->m, &d, "/nonexistent/pm/db-outage.md", "alice", at(when), &sum, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(store_commit(&f->st, &err), 0);
	import_doc_release(&d);
	return sum;
}

static void expect(struct fx *f, const char *sql, const char *want)
{
	testsql_expect(&f->st, sql, want);
}

static void expect_rows(struct fx *f, const char *sql, const char *want)
{
	testsql_expect_rows(&f->st, sql, want);
}

#define DOC(date, rows)                                                                                      \
	"# DB outage\n\n**Incident ID:** INC-2026-01-05-001\n" date "\n## Action Items\n\n"                  \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n" rows

#define WITH_DATE "**Date:** 2026-01-05\n"

/* v1 at T0: three open items with due dates. */
#define V1                                                                                                   \
	DOC(WITH_DATE, "| 1 | Add the alert | @bob | 2026-01-20 | P1 | open |\n"                             \
		       "| 2 | Write the runbook | @carol | 2026-01-25 | P1 | open |\n"                       \
		       "| 3 | Fix the cron job | @dave | 2026-01-15 | P2 | open |\n")
/* v2 at T1: item 2's due date slips to 02-05, item 3's to 01-17; item 4 is added. */
#define V2                                                                                                   \
	DOC(WITH_DATE, "| 1 | Add the alert | @bob | 2026-01-20 | P1 | open |\n"                             \
		       "| 2 | Write the runbook | @carol | 2026-02-05 | P1 | open |\n"                       \
		       "| 3 | Fix the cron job | @dave | 2026-01-17 | P2 | open |\n"                         \
		       "| 4 | Test restores | @erin | 2026-01-30 | P2 | open |\n")
/* v3 at T2: item 1 done before its due date, item 3 done after its (slipped) due date. */
#define V3                                                                                                   \
	DOC(WITH_DATE, "| 1 | Add the alert | @bob | 2026-01-20 | P1 | done |\n"                             \
		       "| 2 | Write the runbook | @carol | 2026-02-05 | P1 | open |\n"                       \
		       "| 3 | Fix the cron job | @dave | 2026-01-17 | P2 | done |\n"                         \
		       "| 4 | Test restores | @erin | 2026-01-30 | P2 | open |\n")
/* v4 at T3: item 2 done on time; item 4 dropped from the document. */
#define V4                                                                                                   \
	DOC(WITH_DATE, "| 1 | Add the alert | @bob | 2026-01-20 | P1 | done |\n"                             \
		       "| 2 | Write the runbook | @carol | 2026-02-05 | P1 | done |\n"                       \
		       "| 3 | Fix the cron job | @dave | 2026-01-17 | P2 | done |\n")

#define T0 "2026-01-10T12:00:00Z"
#define T1 "2026-01-14T08:00:00Z"
#define T2 "2026-01-19T15:30:00Z"
#define T3 "2026-02-01T06:00:00Z"

static void replay(struct fx *f)
{
	struct merge_summary s = import_at(f, V1, T0);
	assert_int_equal(s.created, 3);
	s = import_at(f, V2, T1);
	assert_int_equal(s.created, 1);
	assert_int_equal(s.updated, 2);
	s = import_at(f, V3, T2);
	assert_int_equal(s.updated, 2);
	s = import_at(f, V4, T3);
	assert_int_equal(s.updated, 1);
	assert_int_equal(s.removed, 1);
}

/* Every stored time is the commit's, never the clock's. */
static void test_times_are_commit_times(void **state)
{
	struct fx *f = *state;
	replay(f);
	expect_rows(f, "SELECT key || '=' || created_at FROM items ORDER BY key",
		    "1=" T0 ",2=" T0 ",3=" T0 ",4=" T1);
	/* the incident's date is before every first import: every start is 2026-01-05 */
	expect_rows(f, "SELECT key || '=' || start_date FROM items ORDER BY key",
		    "1=2026-01-05,2=2026-01-05,3=2026-01-05,4=2026-01-05");
	expect_rows(f, "SELECT key || '=' || coalesce(closed_at, '-') FROM items ORDER BY key",
		    "1=" T2 ",2=" T3 ",3=" T2 ",4=-");
	expect_rows(f, "SELECT key || '=' || coalesce(removed_at, '-') FROM items ORDER BY key",
		    "1=-,2=-,3=-,4=" T3);
	/* updated_at follows the last change */
	expect_rows(f, "SELECT key || '=' || updated_at FROM items ORDER BY key",
		    "1=" T2 ",2=" T3 ",3=" T2 ",4=" T3);
	/* close_secs: from 2026-01-05T00:00:00Z to the close. Item 1 and 3: 14 days 15:30 = 1265400 s;
	 * item 2: 27 days 06:00 = 2354400 s. */
	expect_rows(f, "SELECT key || '=' || coalesce(CAST(close_secs AS TEXT), '-') FROM items ORDER BY key",
		    "1=1265400,2=2354400,3=1265400,4=-");
	/* the events, each at its commit */
	expect_rows(f,
		    "SELECT i.key || ':' || e.kind || ':' || coalesce(e.field, '') || ':' || "
		    "coalesce(e.old, '') || '>' || coalesce(e.new, '') || '@' || e.at "
		    "FROM events e JOIN items i ON i.id = e.item_id WHERE e.kind <> 'created' ORDER BY e.id",
		    "2:changed:due:2026-01-25>2026-02-05@" T1 ",3:changed:due:2026-01-15>2026-01-17@" T1
		    ",1:changed:status:open>done@" T2 ",3:changed:status:open>done@" T2
		    ",2:changed:status:open>done@" T3 ",4:removed::>@" T3);
	expect_rows(f,
		    "SELECT i.key || '@' || e.at FROM events e JOIN items i ON i.id = e.item_id "
		    "WHERE e.kind = 'created' ORDER BY i.key",
		    "1@" T0 ",2@" T0 ",3@" T0 ",4@" T1);
	expect(f, "SELECT imported_at FROM incidents", T3);
}

/*
 * The metrics that history implies, by hand (stats "now" 2026-02-10):
 *   counted: items 1, 2, 3 (4 was removed);  done 3, open 0, overdue 0;
 *   on time: 1 closed 01-19 <= due 01-20 yes; 2 closed 02-01 <= due 02-05 yes; 3 closed 01-19 > due
 *            01-17 no  →  done_with_due 3, done_on_time 2, rate 2/3;
 *   time to close from the incident date 2026-01-05 (midnight UTC): 1 and 3: 14 d 15:30 = 14.6458333 d,
 *            2: 27 d 06:00 = 27.25 d; sorted 14.65, 14.65, 27.25 → median (rank 2) 14.6458333,
 *            p90 (rank ceil(2.7) = 3) 27.25;
 *   slipped: item 2 (01-25 → 02-05) and item 3 (01-15 → 01-17): 2.
 */
static void test_stats_from_history(void **state)
{
	struct fx *f = *state;
	replay(f);
	struct stats s;
	struct stats_row t;
	struct error err;
	error_init(&err);
	assert_int_equal(stats_compute(&f->st, STATS_BY_ALL, NULL, at("2026-02-10T00:00:00Z"), &s, &err), 0);
	assert_int_equal(stats_total(&f->st, &s, NULL, 0, &t, &err), 0);
	assert_int_equal(t.open, 0);
	assert_int_equal(t.overdue, 0);
	assert_int_equal(t.done, 3);
	assert_int_equal(t.done_close_unknown, 0);
	assert_int_equal(t.done_with_due, 3);
	assert_int_equal(t.done_on_time, 2);
	assert_true(fabs(stats_on_time_rate(&t) - 2.0 / 3.0) < 1e-12);
	assert_int_equal(t.closed_timed, 3);
	assert_true(fabs(t.median_days - (14.0 + 15.5 / 24.0)) < 1e-9);
	assert_true(fabs(t.p90_days - 27.25) < 1e-9);
	assert_int_equal(t.slipped, 2);
	free(t.group);
	stats_release(&s);

	/* by priority: P1 = items 1, 2 (both on time, one slip), P2 = item 3 (late, one slip) */
	assert_int_equal(stats_compute(&f->st, STATS_BY_PRIORITY, NULL, at("2026-02-10T00:00:00Z"), &s, &err),
			 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[0].group, "P1");
	assert_int_equal(s.rows[0].done_on_time, 2);
	assert_int_equal(s.rows[0].done_with_due, 2);
	assert_int_equal(s.rows[0].slipped, 1);
	assert_true(fabs(s.rows[0].median_days - (14.0 + 15.5 / 24.0)) < 1e-9);
	assert_string_equal(s.rows[1].group, "P2");
	assert_int_equal(s.rows[1].done_on_time, 0);
	assert_int_equal(s.rows[1].done_with_due, 1);
	assert_int_equal(s.rows[1].slipped, 1);
	stats_release(&s);
}

/* The state half-way (after v2): overdue is measured against the stats "now", not the clock. */
static void test_stats_midway(void **state)
{
	struct fx *f = *state;
	import_at(f, V1, T0);
	import_at(f, V2, T1);
	struct stats s;
	struct stats_row t;
	struct error err;
	error_init(&err);
	/* on 2026-01-18: item 3 (due 01-17) is overdue, the others are not */
	assert_int_equal(stats_compute(&f->st, STATS_BY_ALL, NULL, at("2026-01-18T10:00:00Z"), &s, &err), 0);
	assert_int_equal(stats_total(&f->st, &s, NULL, 0, &t, &err), 0);
	assert_int_equal(t.open, 4);
	assert_int_equal(t.overdue, 1);
	assert_int_equal(t.slipped, 2);
	/* oldest open P0/P1: items 1 and 2 start 2026-01-05 → 13 days on 01-18 */
	assert_int_equal(t.oldest_open_p01_days, 13);
	free(t.group);
	stats_release(&s);
}

/* Importing the same version again at the same commit adds no event and changes no row. */
static void test_same_version_again(void **state)
{
	struct fx *f = *state;
	replay(f);
	char *before = testsql_one(&f->st, "SELECT count(*) FROM events");
	char *rows = testsql_rows(&f->st,
				  "SELECT key || updated_at || sequence || coalesce(closed_at, '') || "
				  "coalesce(removed_at, '') FROM items ORDER BY key",
				  ",");
	struct merge_summary s = import_at(f, V4, T3);
	assert_true(s.same_file);
	assert_int_equal(s.created + s.updated + s.removed + s.restored + s.conflicts, 0);
	expect(f, "SELECT count(*) FROM events", before);
	expect_rows(
	    f,
	    "SELECT key || updated_at || sequence || coalesce(closed_at, '') || coalesce(removed_at, '') "
	    "FROM items ORDER BY key",
	    rows);
	free(before);
	free(rows);
}

/* An incident without a date: the start is the commit that added the item (or an earlier due date),
 * not the day the history was replayed. */
static void test_start_without_incident_date(void **state)
{
	struct fx *f = *state;
	import_at(
	    f,
	    DOC("", "| 1 | a | @bob | 2026-01-20 | P1 | open |\n| 2 | b | @bob | 2026-01-08 | P1 | open |\n"),
	    T0);
	import_at(f,
		  DOC("",
		      "| 1 | a | @bob | 2026-01-20 | P1 | done |\n| 2 | b | @bob | 2026-01-08 | P1 | open |\n"
		      "| 3 | c | @bob | | P2 | open |\n"),
		  T2);
	expect_rows(f, "SELECT key || '=' || start_date FROM items ORDER BY key",
		    "1=2026-01-10,2=2026-01-08,3=2026-01-19");
	/* item 1: 2026-01-10T00:00 → 2026-01-19T15:30 = 9 d 15:30 = 833400 s */
	expect(f, "SELECT close_secs FROM items WHERE key = '1'", "833400");
}

/* An item the first version already marks done was closed at a time nobody knows (before T0): it
 * stays unknown, also when its history goes on; reopened and closed again, its close is known. */
static void test_done_in_first_version(void **state)
{
	struct fx *f = *state;
	import_at(f, DOC(WITH_DATE, "| 1 | a | @bob | 2026-01-20 | P1 | done |\n"), T0);
	import_at(f, DOC(WITH_DATE, "| 1 | a (edited) | @bob | 2026-01-20 | P1 | done |\n"), T1);
	expect(f, "SELECT coalesce(closed_at, '-') || coalesce(CAST(close_secs AS TEXT), '-') FROM items",
	       "--");
	import_at(f, DOC(WITH_DATE, "| 1 | a (edited) | @bob | 2026-01-20 | P1 | open |\n"), T2);
	import_at(f, DOC(WITH_DATE, "| 1 | a (edited) | @bob | 2026-01-20 | P1 | done |\n"), T3);
	expect(f, "SELECT closed_at FROM items", T3);
	/* 2026-01-05 → 2026-02-01T06:00 = 27.25 d */
	expect(f, "SELECT close_secs FROM items", "2354400");
}

/* ---- reading `git log --raw -z` and planning the replay (history.h) ---- */

#define Z "\0"
#define OID_A "1111111111111111111111111111111111111111"
#define OID_B "2222222222222222222222222222222222222222"
#define OID_C "3333333333333333333333333333333333333333"
#define OID_0 "0000000000000000000000000000000000000000"
#define C1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define C2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C3 "cccccccccccccccccccccccccccccccccccccccc"
#define C4 "dddddddddddddddddddddddddddddddddddddddd"

/* What git writes for HIST_LOG_FORMAT with --raw --no-abbrev -z (checked against git 2.39's bytes):
 * C1 adds two documents (one with a newline in its name) and a symlink; C2 renames a.md with an edit
 * and deletes the other; C3 renames z.md out of the tracked paths; C4 brings pm/a.md back. */
static const char git_log[] =
    "\x01" C1 " 1768046400 Alice Doe <alice@example.com>" Z "Add post-mortems" Z "\n"
    ":000000 100644 " OID_0 " " OID_A " A" Z "pm/a.md" Z ":000000 100644 " OID_0 " " OID_B " A" Z
    "pm/b\nc.md" Z ":000000 120000 " OID_0 " " OID_C " A" Z "pm/link.md" Z "\x01" C2
    " 1768378800 Bob <bob@example.com>" Z "Merge pull request #2 from x/y" Z "\n"
    ":100644 100644 " OID_A " " OID_C " R087" Z "pm/a.md" Z "pm/z.md" Z ":100644 000000 " OID_B " " OID_0
    " D" Z "pm/b\nc.md" Z "\x01" C3 " 1768800000 Bob <bob@example.com>" Z "" Z "\n"
    ":100644 100644 " OID_C " " OID_C " R100" Z "pm/z.md" Z "attic/z.txt" Z "\x01" C4
    " 1769000000 Carol <carol@example.com>" Z "Revert" Z "\n"
    ":000000 100644 " OID_0 " " OID_A " A" Z "pm/a.md" Z;

static bool md_only(const char *path, void *ud)
{
	(void)ud;
	size_t n = strlen(path);
	return n > 3 && !strcmp(path + n - 3, ".md");
}

static void test_log_parse(void **state)
{
	(void)state;
	struct hist_log l;
	struct error err;
	error_init(&err);
	assert_int_equal(hist_log_parse(git_log, sizeof git_log - 1, &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].id, C1);
	assert_int_equal(l.v[0].time, 1768046400);
	assert_string_equal(l.v[0].author, "Alice Doe <alice@example.com>");
	assert_string_equal(l.v[0].subject, "Add post-mortems");
	assert_int_equal(l.v[0].nch, 3);
	assert_int_equal(l.v[0].ch[0].status, 'A');
	assert_string_equal(l.v[0].ch[0].blob, OID_A);
	assert_string_equal(l.v[0].ch[1].path, "pm/b\nc.md");
	assert_int_equal(l.v[0].ch[2].new_mode, 0120000);
	assert_string_equal(l.v[1].subject, "Merge pull request #2 from x/y");
	assert_int_equal(l.v[1].ch[0].status, 'R');
	assert_string_equal(l.v[1].ch[0].old_path, "pm/a.md");
	assert_string_equal(l.v[1].ch[0].path, "pm/z.md");
	assert_int_equal(l.v[1].ch[1].status, 'D');
	assert_string_equal(l.v[1].ch[1].blob, "");
	assert_string_equal(l.v[2].subject, "");

	struct hist_plan p;
	assert_int_equal(hist_plan_make(&l, md_only, NULL, &p, &err), 0);
	/* lineage 0: pm/a.md (C1) → pm/z.md (C2) → gone out of the tracked paths (C3);
	 * lineage 1: pm/b\nc.md (C1) → deleted (C2); lineage 2: pm/a.md again (C4) */
	assert_int_equal(p.nlineages, 3);
	assert_int_equal(p.nsteps, 6);
	struct {
		size_t commit, change, lineage;
		enum hist_op op;
	} want[] = {{0, 0, 0, HIST_IMPORT}, {0, 1, 1, HIST_IMPORT}, {1, 0, 0, HIST_IMPORT},
		    {1, 1, 1, HIST_DELETE}, {2, 0, 0, HIST_DELETE}, {3, 0, 2, HIST_IMPORT}};
	for (size_t i = 0; i < p.nsteps; i++) {
		assert_int_equal(p.steps[i].commit, want[i].commit);
		assert_int_equal(p.steps[i].change, want[i].change);
		assert_int_equal(p.steps[i].lineage, want[i].lineage);
		assert_int_equal(p.steps[i].op, want[i].op);
	}
	/* the symlink is said, not imported */
	assert_int_equal(p.nskips, 1);
	assert_int_equal(p.skips[0].change, 2);
	assert_non_null(strstr(p.skips[0].why, "symbolic link"));
	hist_plan_release(&p);
	hist_log_release(&l);
}

/* Two documents swap their names in one commit: each keeps its lineage. */
static void test_plan_swap(void **state)
{
	(void)state;
	static const char swap[] = "\x01" C1 " 1 A <a@x>" Z "s" Z "\n"
				   ":000000 100644 " OID_0 " " OID_A " A" Z "a.md" Z ":000000 100644 " OID_0
				   " " OID_B " A" Z "b.md" Z "\x01" C2 " 2 A <a@x>" Z "swap" Z "\n"
				   ":100644 100644 " OID_A " " OID_A " R100" Z "a.md" Z "b.md" Z
				   ":100644 100644 " OID_B " " OID_B " R100" Z "b.md" Z "a.md" Z;
	struct hist_log l;
	struct hist_plan p;
	struct error err;
	error_init(&err);
	assert_int_equal(hist_log_parse(swap, sizeof swap - 1, &l, &err), 0);
	assert_int_equal(hist_plan_make(&l, md_only, NULL, &p, &err), 0);
	assert_int_equal(p.nlineages, 2);
	assert_int_equal(p.nsteps, 4);
	assert_int_equal(p.steps[2].lineage, 0); /* a.md → b.md */
	assert_int_equal(p.steps[3].lineage, 1); /* b.md → a.md */
	hist_plan_release(&p);
	hist_log_release(&l);
}

/* What is not git's raw log is an error that says where, never a partial history. */
static void test_log_parse_bad(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} bad[] = {
	    {"commit abc\n", 11, "byte 0: expected the start of a commit"},
	    {"\x01" C1 " 12x A" Z "s" Z, 53, "not a number"},
	    {"\x01"
	     "abc 12 A" Z "s" Z,
	     12, "without its object id"},
	    {"\x01" C1 " 1 A" Z "s" Z "\n:100644 100644 " OID_A " " OID_B " X" Z "a" Z, 0,
	     "unknown change status"},
	    {"\x01" C1 " 1 A" Z "s" Z "\n:100644 100644 " OID_A " " OID_B " M" Z, 0, "without its path"},
	    {"\x01" C1 " 1 A" Z "s", 0, "subject without its end"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct hist_log l;
		struct error err;
		error_init(&err);
		size_t len = bad[i].len;
		if (!len) /* the texts with NULs after their last one: up to the end of the literal */
			len = i == 3   ? 54 + 15 + 40 + 1 + 40 + 3 + 2
			      : i == 4 ? 54 + 15 + 40 + 1 + 40 + 3
				       : 46;
		assert_int_equal(hist_log_parse(bad[i].text, len, &l, &err), -1);
		assert_int_equal(err.kind, ERR_DATA);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, bad[i].want);
		assert_null(l.v);
	}
}

/* ---- the replay against a real git repository (hist_run) ---- */

struct repo_fx {
	struct fx f;
	char dir[64];
	struct source_cfg src;
	struct git_env g;
	char git_dir[96];
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "test: `%s` failed (%d)\n", cmd, rc);
	return rc;
}

/* commit DIR DATE AUTHOR MESSAGE, with the document text in $DOC written to pm/db.md first */
#define GIT_ENV(date, who)                                                                                   \
	"GIT_AUTHOR_DATE=" date " GIT_COMMITTER_DATE=" date " GIT_AUTHOR_NAME=" who                          \
	" GIT_COMMITTER_NAME=" who " GIT_AUTHOR_EMAIL=" who "@example.com GIT_COMMITTER_EMAIL=" who          \
	"@example.com "

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int repo_setup(void **state)
{
	struct repo_fx *r = calloc(1, sizeof *r);
	struct error err;
	error_init(&err);
	if (!r || testdb_open(&r->f.st) < 0 || !(r->f.m = merger_new(&r->f.st, &err)))
		return -1;
	snprintf(r->dir, sizeof r->dir, "/tmp/test_history.XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	snprintf(r->git_dir, sizeof r->git_dir, "%s/.git", r->dir);
	source_init(&r->src);
	char problem[256];
	r->src.name = strdup("docs");
	if (source_set(&r->src, "repo", r->dir, problem, sizeof problem) != 0 ||
	    source_set(&r->src, "paths", "pm/**/*.md", problem, sizeof problem) != 0) {
		fprintf(stderr, "%s\n", problem);
		return -1;
	}
	r->g.git_dir = r->git_dir;
	r->g.timeout_s = 60;
	if (sh("git init -q -b main %s && git -C %s config user.name T && git -C %s config user.email t@x",
	       r->dir, r->dir, r->dir) != 0)
		return -1;
	*state = r;
	return 0;
}

static int repo_teardown(void **state)
{
	struct repo_fx *r = *state;
	sh("rm -rf %s", r->dir);
	source_release(&r->src);
	merger_free(r->f.m);
	testdb_close(&r->f.st);
	free(r);
	return 0;
}

/* Writes pm/PATH (creating pm/) and commits everything at DATE as WHO. */
static void commit_doc(struct repo_fx *r, const char *path, const char *text, const char *env,
		       const char *msg)
{
	char full[256];
	snprintf(full, sizeof full, "%s/pm", r->dir);
	mkdir(full, 0755);
	if (path) {
		snprintf(full, sizeof full, "%s/pm/%s", r->dir, path);
		assert_int_equal(write_file(full, text), 0);
	}
	assert_int_equal(sh("cd %s && git add -A && %s git commit -q -m '%s'", r->dir, env, msg), 0);
}

static struct hist_result run_history(struct repo_fx *r)
{
	struct hist_result res;
	struct error err;
	error_init(&err);
	struct import_opts io = {0};
	struct hist_opts o = {.src = &r->src, .git = &r->g, .rev = "main", .import = &io, .now = at(T3)};
	int rc = hist_run(&r->f.st, &o, &res, &err);
	if (rc < 0)
		fprintf(stderr, "hist_run: %s\n", err.msg);
	assert_int_equal(rc, 0);
	return res;
}

static void test_run_history(void **state)
{
	struct repo_fx *r = *state;
	commit_doc(r, "db.md", V1, GIT_ENV(T0, "alice"), "add");
	commit_doc(r, "db.md", V2, GIT_ENV(T1, "bob"), "slip");
	/* a broken version (a duplicate item key) between two good ones: skipped and said */
	commit_doc(r, "db.md", V2 "| 4 | again | @x | | P2 | open |\n",
		   GIT_ENV("2026-01-15T00:00:00Z", "bob"), "oops");
	commit_doc(r, "db.md", V2, GIT_ENV("2026-01-15T01:00:00Z", "bob"), "fix");
	commit_doc(r, "db.md", V3, GIT_ENV(T2, "carol"), "done");
	/* the rename, then v4 on the new path */
	assert_int_equal(sh("cd %s && git mv pm/db.md pm/db-outage.md && " GIT_ENV(
				"2026-01-25T00:00:00Z", "alice") "git commit -q -m move",
			    r->dir),
			 0);
	commit_doc(r, "db-outage.md", V4, GIT_ENV(T3, "dave"), "finish");
	/* a file outside the paths and a second document, deleted at T3 + 1 h */
	commit_doc(r, "other.md", DOC(WITH_DATE, "| 1 | x | @e | 2026-01-30 | P2 | open |\n"),
		   GIT_ENV("2026-01-26T00:00:00Z", "erin"), "other");
	/* the same incident id as db.md: refused while db.md lives */
	assert_int_equal(sh("cd %s && echo hi >notes.txt && git rm -q pm/other.md && git add -A && " GIT_ENV(
				"2026-02-01T07:00:00Z", "erin") "git commit -q -m gone",
			    r->dir),
			 0);

	struct hist_result res = run_history(r);
	fprintf(stderr, "%s", buf_cstr(&res.notes));
	assert_int_equal(res.commits, 9);
	assert_int_equal(res.lineages, 2);
	assert_int_equal(res.broken, 1);
	assert_non_null(strstr(buf_cstr(&res.notes), "pm/db.md:"));
	assert_non_null(strstr(buf_cstr(&res.notes), "(commit "));
	/* other.md names INC-2026-01-05-001 too, while db-outage.md is that incident: refused */
	assert_int_equal(res.refused, 1);
	assert_non_null(
	    strstr(buf_cstr(&res.notes), "pm/other.md: incident INC-2026-01-05-001 not replayed"));
	hist_result_release(&res);

	struct fx *f = &r->f;
	expect_rows(f,
		    "SELECT key || '=' || created_at || '/' || coalesce(closed_at, '-') || '/' || "
		    "coalesce(removed_at, '-') FROM items ORDER BY key",
		    "1=" T0 "/" T2 "/-,2=" T0 "/" T3 "/-,3=" T0 "/" T2 "/-,4=" T1 "/-/" T3);
	expect(f, "SELECT source FROM incidents", "git:docs:pm/db-outage.md");
	expect(f, "SELECT at || ' ' || actor FROM events WHERE kind = 'moved'",
	       "2026-01-25T00:00:00Z alice <alice@example.com>");
	expect(f, "SELECT count(*) FROM events WHERE origin IS NULL", "0");
	expect(f,
	       "SELECT o.subject || ' ' || e.actor FROM events e JOIN event_origins o ON o.id = e.origin "
	       "JOIN items i ON i.id = e.item_id WHERE e.field = 'due' AND i.key = '2'",
	       "slip bob <bob@example.com>");

	/* the metrics of test_stats_from_history: on time 2/3, median 14.65 d, p90 27.25 d, 2 slips */
	struct stats s;
	struct stats_row t;
	struct error err;
	error_init(&err);
	assert_int_equal(stats_compute(&f->st, STATS_BY_ALL, NULL, at("2026-02-10T00:00:00Z"), &s, &err), 0);
	assert_int_equal(stats_total(&f->st, &s, NULL, 0, &t, &err), 0);
	assert_int_equal(t.done_with_due, 3);
	assert_int_equal(t.done_on_time, 2);
	assert_true(fabs(t.median_days - (14.0 + 15.5 / 24.0)) < 1e-9);
	assert_true(fabs(t.p90_days - 27.25) < 1e-9);
	assert_int_equal(t.slipped, 2);
	free(t.group);
	stats_release(&s);

	/* a second run changes nothing */
	char *events = testsql_one(&f->st, "SELECT count(*) FROM events");
	res = run_history(r);
	assert_int_equal(res.versions + res.deletions, 0);
	assert_int_equal(res.up_to_date, 1);
	expect(f, "SELECT count(*) FROM events", events);
	hist_result_release(&res);
	free(events);

	/* a new commit: replayed alone */
	commit_doc(r, "db-outage.md", V3, GIT_ENV("2026-02-09T00:00:00Z", "dave"), "reopen 2");
	res = run_history(r);
	assert_int_equal(res.versions, 1);
	assert_int_equal(res.replayed, 1);
	hist_result_release(&res);
	expect(f, "SELECT status || ' ' || coalesce(closed_at, '-') FROM items WHERE key = '2'", "open -");

	/* Two more commits that a plain sync imported (the head's version, at its own time) before the next
	 * --history: the replay goes on from the version the store has, without replaying the one between
	 * (it would undo and redo what the sync recorded). */
	commit_doc(r, "db-outage.md", V4, GIT_ENV("2026-02-10T00:00:00Z", "dave"), "done 2 again");
#define V5                                                                                                   \
	DOC(WITH_DATE, "| 1 | Add the alert (edited) | @bob | 2026-01-20 | P1 | done |\n"                    \
		       "| 2 | Write the runbook | @carol | 2026-02-05 | P1 | done |\n"                       \
		       "| 3 | Fix the cron job | @dave | 2026-01-17 | P2 | done |\n")
	commit_doc(r, "db-outage.md", V5, GIT_ENV("2026-02-11T00:00:00Z", "dave"), "edit 1");
	{
		struct import_doc d;
		struct import_opts o = {0};
		struct merge_summary sum;
		import_doc_init(&d);
		assert_int_equal(import_parse_buffer("pm/db-outage.md", V5, strlen(V5), &o, &d), 0);
		assert_int_equal(store_begin(&f->st, &err), 0);
		assert_int_equal(merge_doc(f->m, &d, "git:docs:pm/db-outage.md", "sync",
					   at("2026-02-12T00:00:00Z"), &sum, &err),
				 0);
		assert_int_equal(store_commit(&f->st, &err), 0);
		import_doc_release(&d);
	}
	events = testsql_one(&f->st, "SELECT count(*) FROM events");
	res = run_history(r);
	assert_int_equal(res.versions, 0);
	expect(f, "SELECT count(*) FROM events", events);
	hist_result_release(&res);
	res = run_history(r);
	assert_int_equal(res.versions + res.deletions, 0);
	assert_int_equal(res.up_to_date, 1);
	expect(f, "SELECT count(*) FROM events", events);
	hist_result_release(&res);
	free(events);
}

/* An incident imported before from a file is left alone; the others are replayed. */
static void test_run_refuses_known(void **state)
{
	struct repo_fx *r = *state;
	import_at(&r->f, V1, T0); /* /nonexistent/pm/db-outage.md, a plain import */
	commit_doc(r, "db.md", V2, GIT_ENV(T1, "bob"), "slip");
	commit_doc(r, "x.md",
		   "# X\n\n**Incident ID:** INC-2026-02-01-009\n\n## Action Items\n\n"
		   "| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"
		   "| 1 | a | @b | 2026-03-01 | P1 | open |\n",
		   GIT_ENV(T2, "carol"), "x");
	char *events =
	    testsql_one(&r->f.st, "SELECT count(*) FROM events WHERE incident_id = 'INC-2026-01-05-001'");
	struct hist_result res = run_history(r);
	assert_int_equal(res.refused, 1);
	assert_int_equal(res.replayed, 1);
	assert_non_null(strstr(buf_cstr(&res.notes), "it is already tracked"));
	hist_result_release(&res);
	expect(&r->f, "SELECT count(*) FROM events WHERE incident_id = 'INC-2026-01-05-001'", events);
	expect(&r->f, "SELECT created_at FROM items WHERE incident_id = 'INC-2026-02-01-009'", T2);
	free(events);
}

/* A document deleted, then added back with the same bytes (a revert): its items come back at the
 * commit that restored it. */
static void test_run_deleted_and_back(void **state)
{
	struct repo_fx *r = *state;
	commit_doc(r, "db.md", V1, GIT_ENV(T0, "alice"), "add");
	assert_int_equal(
	    sh("cd %s && git rm -q pm/db.md && " GIT_ENV(T1, "bob") "git commit -q -m rm", r->dir), 0);
	commit_doc(r, "db.md", V1, GIT_ENV(T2, "carol"), "revert");
	struct hist_result res = run_history(r);
	assert_int_equal(res.lineages, 2);
	assert_int_equal(res.deletions, 1);
	assert_int_equal(res.refused, 0);
	hist_result_release(&res);
	expect_rows(&r->f, "SELECT key || '=' || coalesce(removed_at, '-') FROM items ORDER BY key",
		    "1=-,2=-,3=-");
	expect_rows(
	    &r->f,
	    "SELECT e.kind || '@' || e.at FROM events e JOIN items i ON i.id = e.item_id WHERE i.key = '1' "
	    "ORDER BY e.id",
	    "created@" T0 ",removed@" T1 ",restored@" T2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_times_are_commit_times, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats_from_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats_midway, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_version_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_without_incident_date, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_done_in_first_version, setup, teardown),
	    cmocka_unit_test(test_log_parse),
	    cmocka_unit_test(test_plan_swap),
	    cmocka_unit_test(test_log_parse_bad),
	    cmocka_unit_test_setup_teardown(test_run_history, repo_setup, repo_teardown),
	    cmocka_unit_test_setup_teardown(test_run_refuses_known, repo_setup, repo_teardown),
	    cmocka_unit_test_setup_teardown(test_run_deleted_and_back, repo_setup, repo_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
