/*
 * test_reminders.c — the reminders store module and the pass built on it (scheduler/plan.c): the open
 * items a pass considers (open statuses, snoozed ones included, closed and removed ones not), the
 * reminders_sent ledger (one row per local date, the latest per group, the window), and plan_pass():
 * one digest recorded and queued together, nothing twice on the same day, nothing written by a dry
 * run. On SQLite, or on PostgreSQL with $TRACKER_TEST_PG (testdb.h).
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
#include "config.h"
#include "import.h"
#include "items.h"
#include "merge.h"
#include "outbox.h"
#include "people.h"
#include "plan.h"
#include "policy.h"
#include "reminders.h"
#include "tdate.h"
#include "testdb.h"

#define DOC_A                                                                                                \
	"# Outage A\n\n**Incident ID:** INC-2026-03-14-042\n**Date:** 2026-03-14\n**Reporter:** @rita\n\n"   \
	"## Action Items\n\n"                                                                                \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | a1 | @alice | 2026-04-01 | P0 | open |\n"                                                     \
	"| 2 | a2 | @bob | 2026-05-01 | P1 | in progress |\n"                                                \
	"| 3 | a3 | @carol | 2026-03-20 | P2 | done |\n"                                                     \
	"| 4 | a4 | | | | blocked |\n"                                                                       \
	"| 5 | a5 | @bob | 2026-04-10 | P3 | open |\n"                                                       \
	"| 6 | a6 | @bob | 2026-04-10 | P0 | won't do |\n"
/* The same document without row 5: item 5 is removed from it. */
#define DOC_A2                                                                                               \
	"# Outage A\n\n**Incident ID:** INC-2026-03-14-042\n**Date:** 2026-03-14\n**Reporter:** @rita\n\n"   \
	"## Action Items\n\n"                                                                                \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | a1 | @alice | 2026-04-01 | P0 | open |\n"                                                     \
	"| 2 | a2 | @bob | 2026-05-01 | P1 | in progress |\n"                                                \
	"| 3 | a3 | @carol | 2026-03-20 | P2 | done |\n"                                                     \
	"| 4 | a4 | | | | blocked |\n"                                                                       \
	"| 6 | a6 | @bob | 2026-04-10 | P0 | won't do |\n"
#define DOC_B                                                                                                \
	"# Outage B\n\n**Incident ID:** INC-2026-03-15-007\n\n## Action Items\n\n"                           \
	"| ID | Action | Owner | Due Date | Priority | Status |\n|---|---|---|---|---|---|\n"                \
	"| 1 | b1 | @alice | 2026-03-30 | P1 | open |\n"

static const int64_t IMPORTED = 1773000000; /* 2026-03-08 */

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
	int rc = merge_doc(m, &d, src, "t", IMPORTED, &sum, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	merger_free(m);
	assert_int_equal(store_commit(st, &err), 0);
	import_doc_release(&d);
}

struct seen {
	int n;
	int64_t ids[16];
	struct reminder_item first;
	char keys[16][8];
	char snoozed[16][11];
	char title[64], reporter[64];
};

static int see(const struct reminder_item *it, void *ud)
{
	struct seen *s = ud;
	if (s->n == 16)
		return 1;
	s->ids[s->n] = it->id;
	snprintf(s->keys[s->n], sizeof s->keys[0], "%s", it->key);
	snprintf(s->snoozed[s->n], sizeof s->snoozed[0], "%s", it->snoozed_until ? it->snoozed_until : "");
	if (s->n == 0) {
		s->first = *it;
		snprintf(s->title, sizeof s->title, "%s", it->title);
		snprintf(s->reporter, sizeof s->reporter, "%s", it->reporter ? it->reporter : "");
	}
	assert_false(it->removed);
	s->n++;
	return 0;
}

static int64_t item_id(struct store *st, const char *ref)
{
	struct error err;
	error_init(&err);
	int64_t id = 0;
	assert_int_equal(items_find_exact(st, ref, &id, &err), 0);
	return id;
}

static void test_open_items(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	load(&st, DOC_A, "/pm/a.md");
	load(&st, DOC_B, "/pm/b.md");
	load(&st, DOC_A2, "/pm/a.md"); /* A#5 leaves its document */
	/* a snoozed item is still considered: the policy holds its reminders back, not the query */
	struct change ch;
	change_init(&ch);
	assert_int_equal(change_set_snooze(&ch, "2026-05-01", &err), 0);
	assert_int_equal(store_begin(&st, &err), 0);
	assert_int_equal(change_apply(&st, item_id(&st, "INC-2026-03-14-042#2"), &ch, "t", "cli",
				      IMPORTED + 60, NULL, &err),
			 0);
	assert_int_equal(store_commit(&st, &err), 0);
	change_release(&ch);

	struct seen s = {0};
	assert_int_equal(reminders_open_items(&st, see, &s, &err), 0);
	assert_int_equal(s.n, 4); /* A#1, A#2, A#4, B#1: not done A#3, wont_do A#6, removed A#5 */
	for (int i = 1; i < s.n; i++)
		assert_true(s.ids[i - 1] < s.ids[i]); /* by id */
	assert_string_equal(s.keys[0], "1");
	assert_string_equal(s.keys[1], "2");
	assert_string_equal(s.snoozed[1], "2026-05-01");
	assert_string_equal(s.keys[2], "4");
	assert_string_equal(s.keys[3], "1");
	assert_string_equal(s.title, "Outage A");
	assert_string_equal(s.reporter, "rita");
	assert_int_equal(s.first.priority, 0);

	/* the callback's non-zero value stops the query and is returned */
	struct seen full = {.n = 16};
	assert_int_equal(reminders_open_items(&st, see, &full, &err), 1);
	testdb_close(&st);
}

struct sent_rows {
	int n;
	char line[8][96];
};

static int collect_sent(const struct reminder_sent *r, void *ud)
{
	struct sent_rows *s = ud;
	assert_true(s->n < 8);
	snprintf(s->line[s->n++], sizeof s->line[0], "%lld %s %s %s %s", (long long)r->item_id, r->kind,
		 r->channel, r->recipient, r->local_date);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_ledger(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	load(&st, DOC_B, "/pm/b.md");
	int64_t b1 = item_id(&st, "INC-2026-03-15-007#1");
	struct outbox_new m = {.channel = "email",
			       .recipient = "alice@example.org",
			       .kind = "overdue",
			       .idempotency_key = "k",
			       .payload = "{}"};
	int64_t ob = 0;
	bool added = false;
	assert_int_equal(store_begin(&st, &err), 0);
	assert_int_equal(outbox_enqueue(&st, &m, IMPORTED, &ob, &added, &err), 0);
	struct reminder_sent v[] = {
	    {b1, "overdue", "email", "alice@example.org", "2026-04-18"},
	    {b1, "overdue", "email", "alice@example.org", "2026-04-20"},
	    {b1, "overdue", "email", "alice@example.org", "2026-04-20"}, /* the same day again: kept once */
	    {b1, "escalation", "email", "boss@example.org", "2026-04-01"},
	    {b1, "due_soon", "webhook:ops", "ops", "2026-03-01"},
	};
	assert_int_equal(reminders_record(&st, v, 5, ob, IMPORTED, &err), 0);
	assert_int_equal(reminders_record(&st, v, 0, 0, IMPORTED, &err), 0);
	assert_int_equal(store_commit(&st, &err), 0);

	struct sent_rows s = {0};
	assert_int_equal(reminders_sent_since(&st, "2026-03-15", collect_sent, &s, &err), 0);
	assert_int_equal(s.n, 2); /* the latest overdue (2026-04-20), the escalation; not March's */
	qsort(s.line, (size_t)s.n, sizeof s.line[0], cmp_line);
	char want[2][96];
	snprintf(want[0], sizeof want[0], "%lld escalation email boss@example.org 2026-04-01", (long long)b1);
	snprintf(want[1], sizeof want[1], "%lld overdue email alice@example.org 2026-04-20", (long long)b1);
	assert_string_equal(s.line[0], want[0]);
	assert_string_equal(s.line[1], want[1]);
	s.n = 0;
	assert_int_equal(reminders_sent_since(&st, "2026-01-01", collect_sent, &s, &err), 0);
	assert_int_equal(s.n, 3);

	/* purging the sent outbox row keeps the ledger (the policy's memory) */
	struct outbox_config oc = {.max_attempts = 3, .backoff_base = 60, .backoff_max = 3600, .lease = 300};
	struct outbox_rows rows;
	assert_int_equal(outbox_claim(&st, "A", IMPORTED, &oc, 10, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	struct notify_outcome ok;
	memset(&ok, 0, sizeof ok);
	ok.result = NOTIFY_OK;
	enum outbox_state ns;
	assert_int_equal(outbox_mark(&st, &oc, &rows.v[0], "A", &ok, IMPORTED + 1, 0, &ns, NULL, &err), 0);
	outbox_rows_release(&rows);
	long n = 0;
	assert_int_equal(outbox_purge_sent(&st, IMPORTED + 2, &n, &err), 0);
	assert_int_equal(n, 1);
	s.n = 0;
	assert_int_equal(reminders_sent_since(&st, "2026-01-01", collect_sent, &s, &err), 0);
	assert_int_equal(s.n, 3);
	testdb_close(&st);
}

static void add_person(struct store *st, const char *handle, const char *email)
{
	struct error err;
	error_init(&err);
	struct person p = {.handle = handle, .name = handle, .email = email, .tz = "UTC"};
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(people_upsert(st, &p, PERSON_NAME | PERSON_EMAIL | PERSON_TZ, IMPORTED, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
}

static void test_plan_pass(void **state)
{
	(void)state;
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	load(&st, DOC_A, "/pm/a.md");
	load(&st, DOC_B, "/pm/b.md");
	add_person(&st, "alice", "alice@example.org");
	add_person(&st, "bob", "bob@example.org");
	struct config cfg;
	config_init(&cfg);
	struct policy_config pc;
	assert_int_equal(policy_config_parse(NULL, &pc, &err), 0);
	int64_t now;
	assert_int_equal(time_parse("2026-04-20T10:00:00Z", &now), 0); /* a Monday, after 09:00 */
	struct plan_options o = {.cfg = &cfg, .pc = &pc, .now = now, .email_enabled = true, .dry_run = true};

	/* a dry run plans but writes nothing */
	struct plan p;
	assert_int_equal(plan_pass(&st, &o, &p, &err), 0);
	assert_int_equal(p.nitems, 5); /* A#1, A#2, A#4, A#5, B#1 */
	assert_true(p.ndigests >= 1);
	assert_int_equal(p.nadded, 0);
	size_t planned = p.ndigests;
	plan_release(&p);
	struct outbox_rows rows;
	assert_int_equal(outbox_list(&st, -1, &rows, &err), 0);
	assert_int_equal(rows.n, 0);
	outbox_rows_release(&rows);

	/* the real pass: alice's overdue P0 (A#1) and P1 (B#1) in one digest, queued and recorded */
	o.dry_run = false;
	assert_int_equal(plan_pass(&st, &o, &p, &err), 0);
	assert_int_equal(p.ndigests, planned);
	assert_int_equal(p.nadded, p.ndigests);
	bool alice = false;
	for (size_t i = 0; i < p.ndigests; i++) {
		const struct plan_digest *d = &p.digests[i];
		assert_true(d->outbox_id > 0);
		assert_true(d->added);
		if (!strcmp(d->recipient, "alice@example.org")) {
			alice = true;
			assert_int_equal(d->n, 2);
			assert_string_equal(d->kind, "overdue");
		}
	}
	assert_true(alice);
	plan_release(&p);
	assert_int_equal(outbox_list(&st, OUTBOX_PENDING, &rows, &err), 0);
	assert_int_equal(rows.n, planned);
	bool found = false;
	for (size_t i = 0; i < rows.n; i++) {
		if (strcmp(rows.v[i].recipient, "alice@example.org"))
			continue;
		found = true;
		assert_string_equal(rows.v[i].channel, "email");
		assert_non_null(strstr(rows.v[i].payload, "\"action\":\"a1\""));
		assert_non_null(strstr(rows.v[i].payload, "\"action\":\"b1\""));
		assert_non_null(strstr(rows.v[i].payload, "\"title\":\"Outage A\""));
		assert_int_equal(strncmp(rows.v[i].idempotency_key, "r1:", 3), 0);
	}
	assert_true(found);
	outbox_rows_release(&rows);
	struct sent_rows s = {0};
	assert_int_equal(reminders_sent_since(&st, "2026-04-20", collect_sent, &s, &err), 0);
	assert_true(s.n >= 2);

	/* again the same day: everything is recorded, nothing is queued twice */
	assert_int_equal(plan_pass(&st, &o, &p, &err), 0);
	assert_int_equal(p.nadded, 0);
	assert_int_equal(p.ndigests, 0);
	plan_release(&p);
	assert_int_equal(outbox_list(&st, -1, &rows, &err), 0);
	assert_int_equal(rows.n, planned);
	outbox_rows_release(&rows);

	/* the next day a P0 is due again (daily), the P1 not (every 3 days) */
	o.now = now + 86400;
	assert_int_equal(plan_pass(&st, &o, &p, &err), 0);
	alice = false;
	for (size_t i = 0; i < p.ndigests; i++)
		if (!strcmp(p.digests[i].recipient, "alice@example.org")) {
			alice = true;
			assert_int_equal(p.digests[i].n, 1);
		}
	assert_true(alice);
	plan_release(&p);
	config_release(&cfg);
	testdb_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_items),
	    cmocka_unit_test(test_ledger),
	    cmocka_unit_test(test_plan_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
