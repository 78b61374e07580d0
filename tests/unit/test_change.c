/*
 * test_change.c — changing items (change.h): validation, events, slips, closed_at, base_* untouched.
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
#include "tdate.h"
#include "import.h"
#include "items.h"
#include "merge.h"
#include "store.h"
#include "testdb.h"
#include "testsql.h"

struct fx {
	struct store st;
	int64_t now;
};

#define DOC(rows)                                                                                            \
	"# X\n\n**Incident ID:** INC-2026-03-14-042\n\n## Action Items\n\n"                                  \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n" rows

static const char doc1[] = DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b | @y | | P1 | done |\n");

static void import_text(struct fx *f, const char *md)
{
	struct import_doc d;
	struct import_opts o = {0};
	struct error err;
	struct merge_summary sum;
	error_init(&err);
	import_doc_init(&d);
	assert_int_equal(import_parse_buffer("/tmp/a.md", md, strlen(md), &o, &d), 0);
	struct merger *m = merger_new(&f->st, &err);
	assert_non_null(m);
	f->now += 60;
	int rc = merge_doc(m, &d, "/tmp/a.md", "importer", f->now, &sum, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	merger_free(m);
	import_doc_release(&d);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct error err;
	error_init(&err);
	if (!f || testdb_open(&f->st) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	f->now = 1775000000; /* 2026-03-31T23:33:20Z */
	*state = f;
	import_text(f, doc1);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	testdb_close(&f->st);
	free(f);
	return 0;
}

static void expect(struct fx *f, const char *sql, const char *want)
{
	testsql_expect(&f->st, sql, want);
}

static int64_t item(struct fx *f, const char *ref)
{
	struct error err;
	int64_t id = 0;
	error_init(&err);
	assert_int_equal(items_resolve(&f->st, ref, &id, &err), 0);
	return id;
}

/* Parses words into a change and applies it in its own transaction; returns change_apply's rc. */
static int apply(struct fx *f, const char *ref, const char *const *words, const char *note,
		 const char *reason, struct error *err)
{
	struct change ch;
	change_init(&ch);
	ch.note = note;
	ch.reason = reason;
	for (; words && *words; words++)
		if (change_parse(&ch, *words, err) < 0) {
			change_release(&ch);
			return -1;
		}
	f->now += 3600;
	assert_int_equal(store_begin(&f->st, err), 0);
	int rc = change_apply(&f->st, item(f, ref), &ch, "alice", "cli", f->now, NULL, err);
	if (rc < 0)
		store_rollback(&f->st);
	else
		assert_int_equal(store_commit(&f->st, err), 0);
	change_release(&ch);
	return rc;
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct change ch;
	struct error err;
	change_init(&ch);
	error_init(&err);
	assert_int_equal(change_parse(&ch, "colour=red", &err), -1);
	assert_non_null(strstr(err.msg, "unknown field \"colour\""));
	assert_int_equal(change_parse(&ch, "status=finished", &err), -1);
	assert_non_null(strstr(err.msg, "wont_do"));
	assert_int_equal(change_parse(&ch, "due=2026-02-30", &err), -1);
	assert_non_null(strstr(err.msg, "YYYY-MM-DD"));
	assert_int_equal(change_parse(&ch, "priority=P7", &err), -1);
	assert_int_equal(change_parse(&ch, "owner=@a b", &err), -1);
	assert_int_equal(change_parse(&ch, "nothing", &err), -1);
	assert_int_equal(ch.set, 0);
	assert_int_equal(change_check(&ch, &err), -1); /* nothing to change */
	assert_int_equal(change_parse(&ch, "status=wont_do", &err), 0);
	assert_int_equal(change_check(&ch, &err), -1);
	assert_non_null(strstr(err.msg, "--reason"));
	ch.reason = "duplicate of #2";
	assert_int_equal(change_check(&ch, &err), 0);
	ch.note = "two\nlines";
	assert_int_equal(change_check(&ch, &err), -1);
	assert_int_equal(change_parse(&ch, "owner=@a,@b", &err), 0);
	assert_string_equal(ch.owners_json, "[\"a\",\"b\"]");
	change_release(&ch);
}

/* A snooze ending before today is refused; today and later are taken; none ends a snooze. */
static void test_snooze_past_refused(void **state)
{
	(void)state;
	struct change ch;
	struct error err;
	int32_t today;
	assert_int_equal(date_parse("2026-04-20", &today), 0);
	change_init(&ch);
	error_init(&err);
	assert_int_equal(change_set_snooze_from(&ch, "2026-04-19", today, &err), -1);
	assert_int_equal(err.kind, ERR_USAGE);
	assert_non_null(strstr(err.msg, "snooze until 2026-04-19: that day is past (today is 2026-04-20)"));
	assert_int_equal(ch.set & CHANGE_SNOOZE, 0);
	assert_int_equal(change_set_snooze_from(&ch, "2026-4-31", today, &err), -1);
	assert_non_null(strstr(err.msg, "is not a date"));
	assert_int_equal(change_set_snooze_from(&ch, "2026-04-20", today, &err), 0);
	assert_string_equal(ch.snoozed_until, "2026-04-20");
	assert_int_equal(change_set_snooze_from(&ch, "none", today, &err), 0);
	assert_string_equal(ch.snoozed_until, "");
	change_release(&ch);
}

static void test_done_and_reopen(void **state)
{
	struct fx *f = *state;
	struct error err;
	error_init(&err);
	const char *const done[] = {"status=done", NULL};
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", done, "shipped", NULL, &err), 0);
	expect(f, "SELECT status || ' ' || sequence FROM items WHERE key='1'", "done 1");
	expect(f, "SELECT closed_at = updated_at FROM items WHERE key='1'", "1");
	expect(f, "SELECT base_status FROM items WHERE key='1'", "open"); /* base never changes */
	expect(f,
	       "SELECT kind||','||field||','||old||','||new||','||note||','||actor||','||source FROM events "
	       "WHERE source='cli'",
	       "changed,status,open,done,shipped,alice,cli");
	/* done again: nothing to write */
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", done, NULL, NULL, &err), 0);
	expect(f, "SELECT sequence FROM items WHERE key='1'", "1");
	/* reopen clears closed_at */
	struct change ch;
	change_init(&ch);
	change_set_status(&ch, "open", &err);
	ch.only_if_closed = true;
	assert_int_equal(change_apply(&f->st, item(f, "INC-2026#1"), &ch, "bob", "api", f->now, NULL, &err),
			 0);
	expect(
	    f,
	    "SELECT status || ' ' || CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END || ' ' || sequence FROM "
	    "items WHERE key='1'",
	    "open 1 2");
	/* reopen an open item is refused */
	assert_int_equal(change_apply(&f->st, item(f, "INC-2026#1"), &ch, "bob", "api", f->now, NULL, &err),
			 -1);
	assert_non_null(strstr(err.msg, "nothing to reopen"));
	/* wont_do: reason and note both recorded; done -> wont_do keeps closed_at */
	const char *const wont[] = {"status=wont_do", NULL};
	assert_int_equal(apply(f, "INC-2026#2", wont, "see #1", "obsolete", &err), 0);
	expect(f, "SELECT note FROM events WHERE field='status' AND new='wont_do'", "obsolete; see #1");
	/* item 2 was imported done: its close time is unknown (NULL) and stays so */
	expect(f, "SELECT closed_at IS NULL FROM items WHERE key='2'", "1");
}

static void test_slip_owner_priority(void **state)
{
	struct fx *f = *state;
	struct error err;
	error_init(&err);
	const char *const later[] = {"due=2026-04-15", "owner=@z,@w", "priority=P2", NULL};
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", later, NULL, NULL, &err), 0);
	expect(f, "SELECT kind FROM events WHERE field='due'", "slipped");
	expect(f,
	       "SELECT owner || ' ' || owners || ' ' || priority || ' ' || sequence FROM items WHERE key='1'",
	       "z [\"z\",\"w\"] 2 1");
	expect(f, "SELECT base_owners || base_due || base_priority FROM items WHERE key='1'",
	       "[\"x\"]2026-04-010");
	/* an earlier date is a change, not a slip; none clears */
	const char *const earlier[] = {"due=2026-04-02", NULL};
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", earlier, NULL, NULL, &err), 0);
	const char *const none[] = {"due=none", "owner=none", NULL};
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", none, NULL, NULL, &err), 0);
	expect(f, "SELECT count(*) FROM events WHERE kind='slipped'", "1");
	expect(f, "SELECT coalesce(due,'-') || coalesce(owner,'-') || owners FROM items WHERE key='1'",
	       "--[]");
	/* a note on its own is a note event */
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", NULL, "called the vendor", NULL, &err), 0);
	expect(f, "SELECT kind || ':' || note FROM events ORDER BY id DESC LIMIT 1",
	       "note:called the vendor");
}

static void test_reimport_keeps_cli_value(void **state)
{
	struct fx *f = *state;
	struct error err;
	error_init(&err);
	const char *const w[] = {"status=in_progress", "due=2026-05-01", NULL};
	assert_int_equal(apply(f, "INC-2026-03-14-042#1", w, NULL, NULL, &err), 0);
	/* the document changed elsewhere (action of item 2), not item 1's fields */
	import_text(f, DOC("| 1 | a | @x | 2026-04-01 | P0 | open |\n| 2 | b2 | @y | | P1 | done |\n"));
	expect(f, "SELECT status || ' ' || due FROM items WHERE key='1'", "in_progress 2026-05-01");
	expect(f, "SELECT count(*) FROM events WHERE kind='conflict'", "0");
}

static void test_snooze(void **state)
{
	struct fx *f = *state;
	struct error err;
	struct change ch;
	error_init(&err);
	change_init(&ch);
	assert_int_equal(change_set_snooze(&ch, "2026-06-01", &err), 0);
	assert_int_equal(change_apply(&f->st, item(f, "INC-2026#1"), &ch, "a", "cli", f->now, NULL, &err), 0);
	expect(f, "SELECT snoozed_until FROM items WHERE key='1'", "2026-06-01");
	assert_int_equal(change_set_snooze(&ch, "none", &err), 0);
	assert_int_equal(change_apply(&f->st, item(f, "INC-2026#1"), &ch, "a", "cli", f->now, NULL, &err), 0);
	expect(f, "SELECT snoozed_until FROM items WHERE key='1'", "NULL");
	/* a bad source is refused by the schema and nothing is written */
	assert_int_equal(change_set_snooze(&ch, "2026-07-01", &err), 0);
	assert_int_equal(change_apply(&f->st, item(f, "INC-2026#1"), &ch, "a", "mail", f->now, NULL, &err),
			 -1);
	expect(f, "SELECT snoozed_until FROM items WHERE key='1'", "NULL");
	change_release(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_snooze_past_refused),
	    cmocka_unit_test_setup_teardown(test_done_and_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slip_owner_priority, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reimport_keeps_cli_value, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snooze, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
