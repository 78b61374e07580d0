/*
 * test_metrics.c — the database figures of /metrics (metrics.h): open and overdue items by priority
 * (items.h's rules: closed and removed items are not open; a due date lasts to the end of its day),
 * the oldest overdue due date, the outbox by state and by channel. On SQLite, or with
 * $TRACKER_TEST_PG on a fresh PostgreSQL database (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "store.h"
#include "testdb.h"

#define ITEM(id, prio, status, due, removed)                                                                 \
	"(" #id ",'INC-1','" #id "'," #id "," #id ",'a','[]',NULL," due "," prio ",'" status                 \
	"','a','open','t','t'," removed ")"

static void test_items(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	struct metrics_items m;
	assert_int_equal(metrics_items(st, "2026-04-20", &m, &err), 0);
	for (int p = 0; p < 5; p++)
		assert_true(m.open[p] == 0 && m.overdue[p] == 0);
	assert_string_equal(m.oldest_overdue, "");
	assert_int_equal(
	    db_exec(
		st->conn,
		"INSERT INTO incidents (id, source, source_hash, imported_at) VALUES ('INC-1','/a','h','t');"
		"INSERT INTO items (id, incident_id, key, position, line, action, owners, owner, due, "
		"priority, status, base_action, base_status, created_at, updated_at, removed_at) "
		"VALUES " ITEM(1, "0", "open", "'2026-04-19'", "NULL") "," /* P0 overdue */
		ITEM(2, "0", "open", "'2026-04-20'", "NULL") ","           /* P0 due today: not overdue */
		ITEM(3, "1", "blocked", "'2026-03-01'", "NULL") ","        /* P1 overdue, the oldest */
		ITEM(4, "1", "done", "'2026-01-01'", "NULL") ","           /* closed */
		ITEM(5, "2", "wont_do", "'2026-01-01'", "NULL") ","        /* closed */
		ITEM(6, "2", "open", "'2026-01-01'", "'t'") ","            /* removed from its document */
		ITEM(7, "NULL", "open", "NULL", "NULL") ","                /* no priority, no due date */
		ITEM(8, "NULL", "in_progress", "'2026-04-01'", "NULL")),
	    DB_OK);
	assert_int_equal(metrics_items(st, "2026-04-20", &m, &err), 0);
	const int64_t open[5] = {2, 1, 0, 0, 2}, overdue[5] = {1, 1, 0, 0, 1};
	for (int p = 0; p < 5; p++) {
		assert_int_equal(m.open[p], open[p]);
		assert_int_equal(m.overdue[p], overdue[p]);
	}
	assert_string_equal(m.oldest_overdue, "2026-03-01");
	/* a day later item 2 is overdue too */
	assert_int_equal(metrics_items(st, "2026-04-21", &m, &err), 0);
	assert_int_equal(m.overdue[0], 2);
}

static int chan(const char *channel, int64_t sent, int64_t dead, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s:%lld:%lld ", channel, (long long)sent, (long long)dead);
	return 0;
}

#define OUT(id, channel, state) "('" channel "','r','overdue','k" #id "','{}','" state "','t','t','t')"

static void test_outbox(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	struct metrics_outbox o;
	char out[256] = "";
	assert_int_equal(metrics_outbox(st, &o, &err), 0);
	assert_true(o.pending == 0 && o.sending == 0 && o.dead == 0);
	assert_int_equal(metrics_outbox_channels(st, chan, out, &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(
	    db_exec(
		st->conn,
		"INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, "
		"state, next_attempt_at, created_at, updated_at) VALUES " OUT(1, "email", "pending") "," OUT(
		    2, "email", "sent") "," OUT(3, "email",
						"sent") "," OUT(4, "webhook:ops",
								"dead") "," OUT(5, "webhook:ops",
										"sending") "," OUT(6, "email",
												   "dead")),
	    DB_OK);
	assert_int_equal(metrics_outbox(st, &o, &err), 0);
	assert_int_equal(o.pending, 1);
	assert_int_equal(o.sending, 1);
	assert_int_equal(o.dead, 2);
	assert_int_equal(metrics_outbox_channels(st, chan, out, &err), 0);
	assert_string_equal(out, "email:2:1 webhook:ops:0:1 ");
}

static int lease(const char *holder, int64_t held, int64_t expired, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s:%lld:%lld ", holder, (long long)held, (long long)expired);
	return 0;
}

/* Leases per holder: rows in sending, and how many of those ran out at `now`. */
static void test_leases(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	char out[256] = "";
	assert_int_equal(metrics_outbox_leases(st, "2026-04-20T10:00:00Z", lease, out, &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(
	    db_exec(st->conn,
		    "INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, state, "
		    "next_attempt_at, lease_owner, lease_until, created_at, updated_at) VALUES "
		    "('email','a','overdue','k1','{}','sending','2026-04-20T09:00:00Z','web2',"
		    "'2026-04-20T09:05:00Z','2026-04-20T09:00:00Z','2026-04-20T09:00:00Z'),"
		    "('email','a','overdue','k2','{}','sending','2026-04-20T09:00:00Z','web2',"
		    "'2026-04-20T10:05:00Z','2026-04-20T09:00:00Z','2026-04-20T09:00:00Z'),"
		    "('email','a','overdue','k3','{}','sending','2026-04-20T09:00:00Z','web1',"
		    "'2026-04-20T10:05:00Z','2026-04-20T09:00:00Z','2026-04-20T09:00:00Z'),"
		    "('email','a','overdue','k4','{}','sent','2026-04-20T09:00:00Z',NULL,"
		    "NULL,'2026-04-20T09:00:00Z','2026-04-20T09:00:00Z')"),
	    DB_OK);
	assert_int_equal(metrics_outbox_leases(st, "2026-04-20T10:00:00Z", lease, out, &err), 0);
	assert_string_equal(out, "web1:1:0 web2:2:1 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_items, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_outbox, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_leases, testdb_setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
