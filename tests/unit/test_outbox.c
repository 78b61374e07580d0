/*
 * test_outbox.c — the durable outbox: enqueue is idempotent, claims take a lease and skip leased rows,
 * marks need the lease, backoff is capped full jitter, attempts run out into dead, PERMFAIL is dead at
 * once, an expired lease is claimed again, retry and purge, durations, the payload round trip, and the
 * dispatcher with the capture transport. On SQLite, or on PostgreSQL with $TRACKER_TEST_PG (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "outbox.h"
#include "store.h"
#include "tdate.h"
#include "testdb.h"

static const int64_t T0 = 1776675600; /* 2026-04-20T09:00:00Z */

static const char payload[] =
    "{\"version\":1,\"kind\":\"overdue\",\"recipient\":\"alice@example.org\",\"recipient_name\":\"Alice\","
    "\"now\":\"2026-04-20T09:00:00Z\",\"items\":[{\"incident\":\"INC-2026-03-14-042\",\"key\":\"3\","
    "\"title\":\"Outage\",\"action\":\"Add alerting\",\"owner\":\"alice\",\"status\":\"open\","
    "\"due\":\"2026-04-10\",\"priority\":0,\"days_late\":10,\"sequence\":1,"
    "\"updated_at\":\"2026-04-01T00:00:00Z\",\"kind\":\"overdue\",\"reason\":\"r\"}]}";

static struct outbox_config oc = {.max_attempts = 3, .backoff_base = 60, .backoff_max = 3600, .lease = 300};

static int64_t enqueue(struct store *st, const char *key, bool *added)
{
	struct error err;
	error_init(&err);
	struct outbox_new m = {.channel = "email",
			       .recipient = "alice@example.org",
			       .kind = "overdue",
			       .idempotency_key = key,
			       .payload = payload};
	int64_t id = 0;
	assert_int_equal(outbox_enqueue(st, &m, T0, &id, added, &err), 0);
	return id;
}

static void test_enqueue_idempotent(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	int64_t a = enqueue(st, "k1", &added);
	assert_true(added);
	int64_t b = enqueue(st, "k1", &added);
	assert_false(added);
	assert_int_equal(a, b);
	enqueue(st, "k2", &added);
	assert_true(added);
	struct outbox_rows rows;
	assert_int_equal(outbox_list(st, OUTBOX_PENDING, &rows, &err), 0);
	assert_int_equal(rows.n, 2);
	outbox_rows_release(&rows);
}

static void test_claim_lease_mark(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	enqueue(st, "k1", &added);
	enqueue(st, "k2", &added);
	struct outbox_rows a, b;
	assert_int_equal(outbox_claim(st, "A", T0, &oc, 1, &a, &err), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.v[0].attempts, 1);
	assert_int_equal(a.v[0].state, OUTBOX_SENDING);
	assert_int_equal(a.v[0].lease_until, T0 + 300);
	/* B gets only the other row; the leased one is not ready */
	assert_int_equal(outbox_claim(st, "B", T0 + 10, &oc, 10, &b, &err), 0);
	assert_int_equal(b.n, 1);
	assert_true(b.v[0].id != a.v[0].id);
	outbox_rows_release(&b);
	assert_int_equal(outbox_claim(st, "B", T0 + 10, &oc, 10, &b, &err), 0);
	assert_int_equal(b.n, 0);
	outbox_rows_release(&b);
	/* A stalls past its lease: C takes the row again (attempt 2), A's late mark is refused */
	struct outbox_rows c;
	assert_int_equal(outbox_claim(st, "C", T0 + 311, &oc, 10, &c, &err), 0);
	assert_int_equal(c.n, 2); /* B's row too: its lease expired as well */
	struct notify_outcome ok;
	memset(&ok, 0, sizeof ok);
	ok.result = NOTIFY_OK;
	ok.code = 250;
	enum outbox_state ns;
	assert_int_equal(outbox_mark(st, &oc, &a.v[0], "A", &ok, T0 + 312, 0, &ns, NULL, &err), 1);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.v[i].attempts, 2);
		assert_int_equal(outbox_mark(st, &oc, &c.v[i], "C", &ok, T0 + 312, 0, &ns, NULL, &err), 0);
		assert_int_equal(ns, OUTBOX_SENT);
	}
	struct outbox_row r;
	assert_int_equal(outbox_get(st, a.v[0].id, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_SENT);
	assert_int_equal(r.sent_at, T0 + 312);
	assert_int_equal(r.last_code, 250);
	assert_null(r.lease_owner);
	outbox_row_release(&r);
	outbox_rows_release(&a);
	outbox_rows_release(&c);
}

static void test_tempfail_backoff_dead(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	int64_t id = enqueue(st, "k1", &added);
	struct notify_outcome tf;
	memset(&tf, 0, sizeof tf);
	tf.result = NOTIFY_TEMPFAIL;
	tf.code = 451;
	error_set(&tf.err, ERR_IO, "451 try later");
	int64_t now = T0;
	for (int attempt = 1; attempt <= 3; attempt++) {
		struct outbox_rows rows;
		assert_int_equal(outbox_claim(st, "A", now, &oc, 10, &rows, &err), 0);
		assert_int_equal(rows.n, 1);
		enum outbox_state ns;
		int64_t next = 0;
		assert_int_equal(
		    outbox_mark(st, &oc, &rows.v[0], "A", &tf, now, UINT64_MAX, &ns, &next, &err), 0);
		if (attempt < 3) {
			assert_int_equal(ns, OUTBOX_PENDING);
			assert_true(next > now && next <= now + 60 * (1 << (attempt - 1)));
			/* not ready before next */
			struct outbox_rows none;
			assert_int_equal(outbox_claim(st, "A", next - 1, &oc, 10, &none, &err), 0);
			assert_int_equal(none.n, 0);
			outbox_rows_release(&none);
			now = next;
		} else {
			assert_int_equal(ns, OUTBOX_DEAD);
		}
		outbox_rows_release(&rows);
	}
	struct outbox_row r;
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_DEAD);
	assert_string_equal(r.last_error, "451 try later");
	outbox_row_release(&r);
	/* retry: pending again, attempts reset; a sent row cannot be retried */
	assert_int_equal(outbox_retry(st, id, T0 + 9000, &err), 0);
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_PENDING);
	assert_int_equal(r.attempts, 0);
	outbox_row_release(&r);
	/* PERMFAIL: dead at once, whatever the attempts */
	struct outbox_rows rows;
	assert_int_equal(outbox_claim(st, "A", T0 + 9000, &oc, 10, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	tf.result = NOTIFY_PERMFAIL;
	enum outbox_state ns;
	assert_int_equal(outbox_mark(st, &oc, &rows.v[0], "A", &tf, T0 + 9000, 0, &ns, NULL, &err), 0);
	assert_int_equal(ns, OUTBOX_DEAD);
	outbox_rows_release(&rows);
	long n = 0;
	assert_int_equal(outbox_retry_dead(st, T0, &n, &err), 0);
	assert_int_equal(n, 1);
}

static void test_retry_after_and_backoff(void **state)
{
	(void)state;
	struct outbox_config c = {
	    .max_attempts = 8, .backoff_base = 60, .backoff_max = 6 * 3600, .lease = 300};
	for (long a = 1; a <= 20; a++) {
		int64_t cap = 60;
		for (long i = 1; i < a && cap < c.backoff_max; i++)
			cap *= 2;
		if (cap > c.backoff_max)
			cap = c.backoff_max;
		assert_int_equal(outbox_backoff(&c, a, (uint64_t)cap), cap);
		assert_int_equal(outbox_backoff(&c, a, (uint64_t)cap + 1), 1); /* 0 is raised to 1 s */
		for (uint64_t r = 0; r < 1000; r += 37)
			assert_true(outbox_backoff(&c, a, r * 7919u) <= cap);
	}
	/* retry_after wins when longer */
	struct store st;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	bool added;
	enqueue(&st, "k", &added);
	struct outbox_rows rows;
	assert_int_equal(outbox_claim(&st, "A", T0, &oc, 10, &rows, &err), 0);
	struct notify_outcome tf;
	memset(&tf, 0, sizeof tf);
	tf.result = NOTIFY_TEMPFAIL;
	tf.code = 429;
	tf.retry_after = 7200;
	enum outbox_state ns;
	int64_t next;
	assert_int_equal(outbox_mark(&st, &oc, &rows.v[0], "A", &tf, T0, 5, &ns, &next, &err), 0);
	assert_int_equal(next, T0 + 7200);
	outbox_rows_release(&rows);
	int64_t due;
	assert_int_equal(outbox_next_due(&st, &due, &err), 0);
	assert_int_equal(due, T0 + 7200);
	testdb_close(&st);
}

static void test_crash_loop_dead(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	int64_t id = enqueue(st, "k", &added);
	struct outbox_rows rows;
	int64_t now = T0;
	for (int i = 0; i < 3; i++, now += 301) { /* three dispatchers die holding it */
		assert_int_equal(outbox_claim(st, "A", now, &oc, 10, &rows, &err), 0);
		assert_int_equal(rows.n, 1);
		outbox_rows_release(&rows);
	}
	assert_int_equal(outbox_claim(st, "A", now, &oc, 10, &rows, &err), 0);
	assert_int_equal(rows.n, 0);
	struct outbox_row r;
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_DEAD);
	assert_non_null(strstr(r.last_error, "no outcome after 3 attempts"));
	outbox_row_release(&r);
}

/* A release gives the row back with its attempt undone (never below 0), only to the lease holder; get,
 * retry and list say what is wrong with a bad id or state; next_due sees leases as well as retries. */
static void test_release_and_errors(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	int64_t due = -1;
	assert_int_equal(outbox_next_due(st, &due, &err), 0);
	assert_int_equal(due, 0); /* nothing waiting */
	bool added;
	int64_t id = enqueue(st, "k1", &added);
	struct outbox_rows rows;
	assert_int_equal(outbox_claim(st, "A", T0, &oc, 10, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	assert_int_equal(outbox_next_due(st, &due, &err), 0);
	assert_int_equal(due, T0 + 300);                                /* the lease's end */
	assert_int_equal(outbox_release(st, &rows.v[0], "B", &err), 0); /* not B's: nothing changes */
	struct outbox_row r;
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_SENDING);
	assert_string_equal(r.lease_owner, "A");
	outbox_row_release(&r);
	assert_int_equal(outbox_release(st, &rows.v[0], "A", &err), 0);
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_PENDING);
	assert_int_equal(r.attempts, 0);
	assert_null(r.lease_owner);
	assert_int_equal(r.lease_until, 0);
	outbox_row_release(&r);
	/* a second release of the same claim does nothing (the lease is gone), attempts stay 0 */
	assert_int_equal(outbox_release(st, &rows.v[0], "A", &err), 0);
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_int_equal(r.attempts, 0);
	outbox_row_release(&r);
	outbox_rows_release(&rows);
	/* sent: not retried, and listed by state */
	assert_int_equal(outbox_claim(st, "A", T0, &oc, 10, &rows, &err), 0);
	struct notify_outcome ok;
	memset(&ok, 0, sizeof ok);
	ok.result = NOTIFY_OK;
	enum outbox_state ns;
	assert_int_equal(outbox_mark(st, &oc, &rows.v[0], "A", &ok, T0 + 1, 0, &ns, NULL, &err), 0);
	outbox_rows_release(&rows);
	assert_int_equal(outbox_retry(st, id, T0 + 2, &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	assert_non_null(strstr(err.msg, "is sent"));
	assert_int_equal(outbox_retry(st, id + 1000, T0 + 2, &err), -1);
	assert_non_null(strstr(err.msg, "no notification"));
	assert_int_equal(outbox_get(st, id + 1000, &r, &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	enqueue(st, "k2", &added);
	assert_int_equal(outbox_list(st, -1, &rows, &err), 0);
	assert_int_equal(rows.n, 2);
	assert_true(rows.v[0].id < rows.v[1].id);
	outbox_rows_release(&rows);
	assert_int_equal(outbox_list(st, OUTBOX_SENT, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	assert_int_equal(rows.v[0].id, id);
	assert_int_equal(rows.v[0].sent_at, T0 + 1);
	outbox_rows_release(&rows);
	/* purge: only sent rows older than the cut */
	long n = -1;
	assert_int_equal(outbox_purge_sent(st, T0 + 1, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(outbox_purge_sent(st, T0 + 2, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(outbox_list(st, -1, &rows, &err), 0);
	assert_int_equal(rows.n, 1);
	outbox_rows_release(&rows);
}

static void test_durations(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	int64_t v;
	assert_int_equal(outbox_parse_duration("30s", "k", &v, &err), 0);
	assert_int_equal(v, 30);
	assert_int_equal(outbox_parse_duration("5m", "k", &v, &err), 0);
	assert_int_equal(v, 300);
	assert_int_equal(outbox_parse_duration("6h", "k", &v, &err), 0);
	assert_int_equal(v, 21600);
	assert_int_equal(outbox_parse_duration("2d", "k", &v, &err), 0);
	assert_int_equal(v, 172800);
	assert_int_equal(outbox_parse_duration("90", "k", &v, &err), 0);
	assert_int_equal(v, 90);
	const char *bad[] = {"", "m", "5x", "5mm", "-5m", "0s", " 5m", "5 m"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(outbox_parse_duration(bad[i], "[reminders] lease", &v, &err), -1);
		assert_non_null(strstr(err.msg, "[reminders] lease"));
	}
	struct config cfg;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, "[reminders]\nbackoff_base = 10x\n", "t.ini", &err), 0);
	struct outbox_config c;
	assert_int_equal(outbox_config_parse(&cfg, &c, &err), -1);
	assert_non_null(strstr(err.msg, "backoff_base"));
	config_release(&cfg);
	config_init(&cfg);
	assert_int_equal(outbox_config_parse(&cfg, &c, &err), 0);
	assert_int_equal(c.max_attempts, 8);
	assert_int_equal(c.backoff_base, 60);
	assert_int_equal(c.backoff_max, 21600);
	assert_int_equal(c.lease, 300);
	config_release(&cfg);
}

static void test_payload_round_trip(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	json_t *j;
	struct notify_digest d;
	struct notify_item *items;
	assert_int_equal(outbox_payload_digest(payload, "key", &j, &d, &items, &err), 0);
	assert_int_equal(d.nitems, 1);
	assert_string_equal(d.recipient_addr, "alice@example.org");
	assert_int_equal(d.now, T0);
	const char *kinds[] = {"overdue"}, *reasons[] = {"r"};
	char *again = NULL;
	assert_int_equal(outbox_payload_build(&d, kinds, reasons, &again, &err), 0);
	assert_string_equal(again, payload);
	free(again);
	free(items);
	json_decref(j);
	/* an item's kind, a stand-in's reason and the owner's Slack id survive the outbox */
	static const char p2[] =
	    "{\"version\":1,\"kind\":\"mixed\",\"recipient\":\"carol@example.org\",\"recipient_name\":null,"
	    "\"now\":\"2026-04-20T09:00:00Z\",\"items\":[{\"incident\":\"INC-1\",\"key\":\"3\","
	    "\"title\":\"Outage\",\"action\":\"Add alerting\",\"owner\":\"bob\",\"status\":\"open\","
	    "\"due\":\"2026-04-22\",\"priority\":1,\"days_late\":-2,\"sequence\":1,"
	    "\"updated_at\":\"2026-04-01T00:00:00Z\",\"kind\":\"due_soon\",\"reason\":\"r\","
	    "\"why\":\"you get this as approver of INC-1, because owner bob has no e-mail in tracker "
	    "people\","
	    "\"owner_slack\":\"U1\"}]}";
	assert_int_equal(outbox_payload_digest(p2, "key", &j, &d, &items, &err), 0);
	assert_string_equal(d.kind, "mixed");
	assert_string_equal(items[0].kind, "due_soon");
	assert_string_equal(items[0].owner_slack, "U1");
	assert_non_null(strstr(items[0].why, "because owner bob has no e-mail"));
	assert_string_equal(notify_digest_kind(&d), "due_soon");
	assert_int_equal(outbox_payload_build(&d, NULL, (const char *[]){"r"}, &again, &err), 0);
	assert_string_equal(again, p2);
	free(again);
	free(items);
	json_decref(j);
	assert_int_equal(outbox_payload_digest("{\"version\":2}", "key", &j, &d, &items, &err), -1);
	assert_int_equal(outbox_payload_digest("nope", "key", &j, &d, &items, &err), -1);
}

static void test_dispatch_capture(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	enqueue(st, "k1", &added);
	enqueue(st, "k2", &added);
	struct outbox_new bad = {.channel = "email",
				 .recipient = "x",
				 .kind = "overdue",
				 .idempotency_key = "k3",
				 .payload = "{}"};
	int64_t id;
	assert_int_equal(outbox_enqueue(st, &bad, T0, &id, &added, &err), 0);
	struct config cfg;
	config_init(&cfg);
	struct outbox_dispatcher d = {.st = st,
				      .cfg = &cfg,
				      .oc = &oc,
				      .owner = "me",
				      .now = T0,
				      .batch = 1,
				      .transport_override = "capture"};
	struct outbox_stats s;
	assert_int_equal(outbox_dispatch(&d, &s, &err), 0);
	assert_int_equal(s.claimed, 3);
	assert_int_equal(s.sent, 2);
	assert_int_equal(s.dead, 1); /* a payload that is not a digest can never be sent */
	assert_int_equal(outbox_dispatch(&d, &s, &err), 0);
	assert_int_equal(s.claimed, 0);
	/* stop requested before the pass: nothing is claimed */
	volatile sig_atomic_t stop = 1;
	d.stop = &stop;
	assert_int_equal(outbox_retry_dead(st, T0, &(long){0}, &err), 0);
	assert_int_equal(outbox_dispatch(&d, &s, &err), 0);
	assert_int_equal(s.claimed, 0);
	long n = 0;
	assert_int_equal(outbox_purge_sent(st, T0 + 1, &n, &err), 0);
	assert_int_equal(n, 2);
	config_release(&cfg);
}

/* outbox_renew() extends only the holder's lease; a lease another dispatcher took over is lost (1). */
static void test_renew(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	int64_t id = enqueue(st, "k1", &added);
	struct outbox_rows a, b;
	assert_int_equal(outbox_claim(st, "A", T0, &oc, 10, &a, &err), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(outbox_renew(st, id, "A", T0 + 200, T0 + 500, &err), 0);
	/* renewed to T0+500: not claimable at T0+400 (the first lease ended at T0+300) */
	assert_int_equal(outbox_claim(st, "B", T0 + 400, &oc, 10, &b, &err), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(outbox_renew(st, id, "B", T0 + 400, T0 + 700, &err), 1);
	assert_int_equal(outbox_claim(st, "B", T0 + 500, &oc, 10, &b, &err), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(outbox_renew(st, id, "A", T0 + 510, T0 + 810, &err), 1);
	struct outbox_row r;
	assert_int_equal(outbox_get(st, id, &r, &err), 0);
	assert_string_equal(r.lease_owner, "B");
	assert_int_equal(r.lease_until, T0 + 800);
	outbox_row_release(&r);
	outbox_rows_release(&a);
	outbox_rows_release(&b);
}

/* PostgreSQL: claims and outcomes take no database-wide lock. While one connection holds the writers'
 * lock (a reminder pass, an import), another claims and records; while one claim transaction holds its
 * rows, another claims the others (FOR UPDATE SKIP LOCKED) without waiting. SQLite has one writer. */
static void test_claim_row_level_pg(void **state)
{
	(void)state;
	if (!testdb_is_pg())
		skip();
	struct store st, other;
	struct error err;
	error_init(&err);
	assert_int_equal(testdb_open(&st), 0);
	char target[1024];
	snprintf(target, sizeof target, "%s dbname=%s", getenv("TRACKER_TEST_PG"), testdb_name);
	/* a 1 s lock timeout: a claim that waited for a lock would fail instead of hanging the test */
	assert_int_equal(store_open(&other, target, 0, 1000, &err), 0);
	bool added;
	for (int i = 0; i < 6; i++) {
		char key[8];
		snprintf(key, sizeof key, "k%d", i);
		enqueue(&st, key, &added);
	}
	struct outbox_rows a = {0}, b;
	/* st holds the writers' lock; other claims and records all the same */
	assert_int_equal(store_begin(&st, &err), 0);
	assert_int_equal(outbox_claim(&other, "B", T0, &oc, 2, &b, &err), 0);
	assert_int_equal(b.n, 2);
	struct outbox_outcome sent = {.state = OUTBOX_SENT};
	assert_int_equal(outbox_record(&other, b.v[0].id, "B", &sent, T0, &err), 0);
	assert_int_equal(outbox_release(&other, &b.v[1], "B", &err), 0);
	store_rollback(&st);
	outbox_rows_release(&b);
	/* st's claim is open (its rows locked, not committed): other takes the rest, skipping them */
	assert_int_equal(store_begin_rows(&st, &err), 0);
	assert_int_equal(outbox_take_ready(&st, "A", T0, T0 + 300, 2, &a, &err), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(outbox_claim(&other, "B", T0, &oc, 10, &b, &err), 0);
	assert_int_equal(b.n, 3);
	for (size_t i = 0; i < b.n; i++)
		for (size_t j = 0; j < a.n; j++)
			assert_true(b.v[i].id != a.v[j].id);
	assert_int_equal(store_commit(&st, &err), 0);
	/* every row is taken once: nothing is left to claim */
	struct outbox_rows c;
	assert_int_equal(outbox_claim(&other, "C", T0, &oc, 10, &c, &err), 0);
	assert_int_equal(c.n, 0);
	outbox_rows_release(&a);
	outbox_rows_release(&b);
	store_close(&other);
	testdb_close(&st);
}

/* [server] instance: checked when the configuration is (serve --check, a reload), used as given, else
 * host:pid:random; [reminders] claim_batch 1-1000. */
static void test_instance_and_batch(void **state)
{
	(void)state;
	struct config cfg;
	struct outbox_config c;
	struct error err;
	error_init(&err);
	config_init(&cfg);
	char id[128];
	assert_int_equal(outbox_config_parse(&cfg, &c, &err), 0);
	assert_int_equal(c.claim_batch, 32);
	assert_int_equal(outbox_instance_id(&cfg, id, &err), 0);
	assert_non_null(strchr(id, ':'));
	cfg.server_instance = strdup("web-1.example.org");
	assert_int_equal(outbox_instance_id(&cfg, id, &err), 0);
	assert_string_equal(id, "web-1.example.org");
	free(cfg.server_instance);
	cfg.server_instance = strdup("web 1");
	assert_int_equal(outbox_config_parse(&cfg, &c, &err), -1);
	assert_non_null(strstr(err.msg, "[server] instance: \"web 1\""));
	assert_non_null(strstr(err.msg, "position 4"));
	free(cfg.server_instance);
	cfg.server_instance = strdup("");
	assert_int_equal(outbox_instance_id(&cfg, id, &err), -1);
	free(cfg.server_instance);
	cfg.server_instance = NULL;
	cfg.rem_claim_batch = 0;
	assert_int_equal(outbox_config_parse(&cfg, &c, &err), -1);
	assert_non_null(strstr(err.msg, "[reminders] claim_batch: 0"));
	cfg.rem_claim_batch = 4;
	assert_int_equal(outbox_config_parse(&cfg, &c, &err), 0);
	assert_int_equal(c.claim_batch, 4);
	config_release(&cfg);
}

/* A wall clock 200 s further on at each look; at the fourth look (row 2's turn) a thief claims the
 * expired rows, as another instance would. */
struct fake_clock {
	struct store *st;
	int calls;
	int64_t t;
};

static int64_t fake_clock(void *ctx)
{
	struct fake_clock *f = ctx;
	f->t += f->calls++ ? 200 : 0;
	if (f->calls == 4) {
		struct outbox_rows stolen;
		struct error err;
		error_init(&err);
		assert_int_equal(outbox_claim(f->st, "thief", f->t, &oc, 10, &stolen, &err), 0);
		assert_int_equal(stolen.n, 2);
		outbox_rows_release(&stolen);
	}
	return f->t;
}

/* The dispatcher with the wall clock: a row whose lease is half gone at its turn is renewed before it
 * is sent; a row another dispatcher took over meanwhile is not sent at all ("lost"). */
static void test_dispatch_renews(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	bool added;
	int64_t id1 = enqueue(st, "k1", &added);
	int64_t id2 = enqueue(st, "k2", &added);
	enqueue(st, "k3", &added);
	struct config cfg;
	config_init(&cfg);
	struct fake_clock fc = {.st = st, .t = T0};
	char dir[] = "/tmp/test_outbox_renew.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct outbox_dispatcher d = {.st = st,
				      .cfg = &cfg,
				      .oc = &oc,
				      .owner = "me",
				      .now = T0,
				      .batch = 3,
				      .wall_clock = true,
				      .clock = fake_clock,
				      .clock_ctx = &fc,
				      .transport_override = "capture",
				      .capture_dir = dir};
	struct outbox_stats s;
	assert_int_equal(outbox_dispatch(&d, &s, &err), 0);
	assert_int_equal(s.claimed, 3);
	assert_int_equal(s.renewed, 1); /* row 1: 100 s of 300 left at T0+200, renewed to T0+500 */
	assert_int_equal(s.sent, 1);
	assert_int_equal(s.lost, 2); /* rows 2 and 3: taken by the thief at T0+600, never sent by us */
	/* one message went out (its .eml and .json), not three */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) -eq 2 && rm -r %s", dir, dir);
	assert_int_equal(system(cmd), 0);
	struct outbox_row r;
	assert_int_equal(outbox_get(st, id1, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_SENT);
	assert_int_equal(r.sent_at, T0 + 400); /* the outcome's time is the wall clock's */
	outbox_row_release(&r);
	assert_int_equal(outbox_get(st, id2, &r, &err), 0);
	assert_int_equal(r.state, OUTBOX_SENDING);
	assert_string_equal(r.lease_owner, "thief");
	outbox_row_release(&r);
	config_release(&cfg);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_enqueue_idempotent, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_claim_lease_mark, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_tempfail_backoff_dead, testdb_setup, testdb_teardown),
	    cmocka_unit_test(test_retry_after_and_backoff),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test_setup_teardown(test_crash_loop_dead, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_release_and_errors, testdb_setup, testdb_teardown),
	    cmocka_unit_test(test_payload_round_trip),
	    cmocka_unit_test_setup_teardown(test_dispatch_capture, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_renew, testdb_setup, testdb_teardown),
	    cmocka_unit_test(test_claim_row_level_pg),
	    cmocka_unit_test(test_instance_and_batch),
	    cmocka_unit_test_setup_teardown(test_dispatch_renews, testdb_setup, testdb_teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
