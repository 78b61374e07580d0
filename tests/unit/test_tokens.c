/*
 * test_tokens.c — feed and API tokens and dashboard sessions (tokens.h), on an in-memory database
 * with every migration: a session id is stored only as its hash, expires, ends at sign-out and with
 * its token; revoking a token revokes the feeds made through it; feed_list names the creator; an
 * action link's nonce is used once, also by two connections at the same moment. Runs on SQLite, or
 * with $TRACKER_TEST_PG on a fresh PostgreSQL database (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actionlink.h"
#include "store.h"
#include "testdb.h"
#include "tokens.h"

#define NOW 1780000000

static int64_t count(struct store *st, const char *sql, const char *arg)
{
	struct db_stmt *s;
	assert_int_equal(db_prepare(st->conn, sql, &s), DB_OK);
	if (arg)
		db_bind_text(s, 1, arg);
	assert_int_equal(db_step(s), DB_ROW);
	int64_t n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* One incident with item 1, which action links name. */
static void one_item(struct store *st)
{
	assert_int_equal(
	    db_exec(
		st->conn,
		"INSERT INTO incidents (id, source, source_hash, imported_at) VALUES ('INC-1','/a','h','t');"
		"INSERT INTO items (id, incident_id, key, position, line, action, owners, owner, status, "
		"base_action, base_status, created_at, updated_at) VALUES "
		"(1,'INC-1','1',1,1,'a','[\"alice\"]','alice','open','a','open','t','t')"),
	    DB_OK);
}

static void test_session_lifecycle(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	char tok[TOKEN_CHARS + 1], sid[TOKEN_CHARS + 1], hash[65];
	int64_t id;
	assert_int_equal(apitoken_create(st, "ana", false, NOW, tok, &id, &err), 0);
	assert_int_equal(session_create(st, id, NOW, 3600, sid, &err), 0);
	assert_true(token_well_formed(sid, strlen(sid)));
	assert_string_not_equal(sid, tok);
	/* only the hash is stored */
	token_hash_hex(sid, TOKEN_CHARS, hash);
	assert_int_equal(count(st, "SELECT count(*) FROM sessions WHERE sid_hash = ?1", hash), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM sessions WHERE sid_hash = ?1", sid), 0);

	struct api_token t;
	assert_int_equal(session_lookup(st, sid, TOKEN_CHARS, NOW + 10, &t, &err), 0);
	assert_string_equal(t.name, "ana");
	assert_false(t.read_only);
	apitoken_release(&t);
	/* the API token itself is not a session id; a mangled id is unknown; expired is unknown */
	assert_int_equal(session_lookup(st, tok, TOKEN_CHARS, NOW + 10, &t, &err), 1);
	assert_int_equal(session_lookup(st, sid, TOKEN_CHARS - 1, NOW + 10, &t, &err), 1);
	assert_int_equal(session_lookup(st, sid, TOKEN_CHARS, NOW + 3600, &t, &err), 1);
	/* a new sign-in prunes expired sessions */
	char sid2[TOKEN_CHARS + 1];
	assert_int_equal(session_create(st, id, NOW + 7200, 3600, sid2, &err), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM sessions", NULL), 1);
	/* sign-out ends it; ending it again is not an error */
	assert_int_equal(session_end(st, sid2, TOKEN_CHARS, &err), 0);
	assert_int_equal(session_lookup(st, sid2, TOKEN_CHARS, NOW + 7201, &t, &err), 1);
	assert_int_equal(session_end(st, sid2, TOKEN_CHARS, &err), 0);
}

static int collect(const struct feed_row *f, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%lld:%s:%s;", (long long)f->id,
		 f->created_by_name ? f->created_by_name : "-", f->revoked_at ? "revoked" : "live");
	return 0;
}

static void test_revoke_takes_feeds_and_sessions(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	char tok[TOKEN_CHARS + 1], other[TOKEN_CHARS + 1], ftok[TOKEN_CHARS + 1], sid[TOKEN_CHARS + 1];
	int64_t ana, bo, f1, f2, f3;
	assert_int_equal(apitoken_create(st, "ana", false, NOW, tok, &ana, &err), 0);
	assert_int_equal(apitoken_create(st, "bo", false, NOW, other, &bo, &err), 0);
	assert_int_equal(feed_create(st, "mine", "all", "events", NOW, ana, ftok, &f1, &err), 0);
	assert_int_equal(feed_create(st, "cli", "overdue", "events", NOW, 0, ftok, &f2, &err), 0);
	assert_int_equal(feed_create(st, "bo's", "all", "todo", NOW, bo, ftok, &f3, &err), 0);
	assert_int_equal(session_create(st, ana, NOW, 3600, sid, &err), 0);
	char list[512] = "";
	assert_int_equal(feed_list(st, false, collect, list, &err), 0);
	assert_string_equal(list, "1:ana:live;2:-:live;3:bo:live;");

	int n = -1;
	assert_int_equal(apitoken_revoke(st, ana, NOW + 5, &n, &err), 0);
	assert_int_equal(n, 1);
	list[0] = '\0';
	assert_int_equal(feed_list(st, true, collect, list, &err), 0);
	assert_string_equal(list, "1:ana:revoked;2:-:live;3:bo:live;");
	struct api_token t;
	assert_int_equal(session_lookup(st, sid, TOKEN_CHARS, NOW + 10, &t, &err), 1);
	/* revoking twice: a clear error, nothing else changes */
	assert_int_equal(apitoken_revoke(st, ana, NOW + 6, &n, &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	assert_non_null(strstr(err.msg, "no live token with id 1"));
	assert_int_equal(count(st, "SELECT count(*) FROM feeds WHERE revoked_at IS NULL", NULL), 2);
}

static void test_csrf_mac(void **state)
{
	(void)state;
	struct action_secret a = {.len = 32}, b = {.len = 32};
	memset(a.key, 'a', 32);
	memset(b.key, 'b', 32);
	char m1[ACTION_SIG_CHARS + 1], m2[ACTION_SIG_CHARS + 1], m3[ACTION_SIG_CHARS + 1],
	    m4[ACTION_SIG_CHARS + 1];
	action_secret_mac(&a, "csrf", "session-1", m1);
	action_secret_mac(&a, "csrf", "session-2", m2);
	action_secret_mac(&b, "csrf", "session-1", m3);
	action_secret_mac(&a, "other", "session-1", m4);
	assert_int_equal(strlen(m1), ACTION_SIG_CHARS);
	assert_string_not_equal(m1, m2); /* per session */
	assert_string_not_equal(m1, m3); /* per server secret */
	assert_string_not_equal(m1, m4); /* per purpose */
	action_secret_mac(&a, "csrf", "session-1", m2);
	assert_string_equal(m1, m2);
}

static void test_nonce_once(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	one_item(st);
	const char *n1 = "AAAAAAAAAAAAAAAAAAAAAA";
	assert_int_equal(action_nonce_used(st, n1, &err), 0);
	/* a use rolled back (the change failed) leaves the link usable */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(action_nonce_consume(st, n1, "done", 1, NOW + 60, NOW, &err), 0);
	store_rollback(st);
	assert_int_equal(action_nonce_used(st, n1, &err), 0);
	/* used once; the second use is a replay and leaves the transaction usable (no constraint error,
	 * which would abort it on PostgreSQL) */
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(action_nonce_consume(st, n1, "done", 1, NOW + 60, NOW, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(action_nonce_used(st, n1, &err), 1);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(action_nonce_consume(st, n1, "snooze", 1, NOW + 60, NOW + 1, &err), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM action_nonces", NULL), 1);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM action_nonces WHERE action = 'done'", NULL), 1);
}

/* Two connections use the same nonce at the same moment: exactly one wins, every round. */
struct clicker {
	struct store st;
	pthread_barrier_t *go;
	const char *nonce;
	int result;
	char msg[1024];
};

static void *click(void *arg)
{
	struct clicker *c = arg;
	struct error err;
	error_init(&err);
	pthread_barrier_wait(c->go);
	c->result = -1;
	if (store_begin(&c->st, &err) == 0) {
		c->result = action_nonce_consume(&c->st, c->nonce, "done", 1, NOW + 60, NOW, &err);
		/* hold the transaction a moment so that the other click really overlaps it */
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (c->result >= 0 && store_commit(&c->st, &err) < 0)
			c->result = -1;
	}
	store_rollback(&c->st);
	memcpy(c->msg, err.msg, sizeof c->msg);
	return NULL;
}

static void test_nonce_concurrent(void **state)
{
	(void)state;
	struct store first;
	struct clicker c[2];
	struct error err;
	char target[1100], dir[] = "/tmp/test_tokens_XXXXXX";
	error_init(&err);
	memset(c, 0, sizeof c);
	if (testdb_is_pg()) {
		assert_int_equal(testdb_open(&first), 0);
		snprintf(target, sizeof target, "%s dbname=%s", getenv("TRACKER_TEST_PG"), testdb_name);
	} else {
		assert_non_null(mkdtemp(dir));
		snprintf(target, sizeof target, "%s/t.db", dir);
		assert_int_equal(store_open(&first, target, STORE_CREATE, 5000, &err), 0);
	}
	one_item(&first);
	for (int i = 0; i < 2; i++)
		assert_int_equal(store_open(&c[i].st, target, 0, 5000, &err), 0);
	pthread_barrier_t go;
	char nonce[ACTION_NONCE_CHARS + 1];
	for (int round = 0; round < 10; round++) {
		snprintf(nonce, sizeof nonce, "nonce%017d", round);
		pthread_barrier_init(&go, NULL, 2);
		pthread_t t[2];
		for (int i = 0; i < 2; i++) {
			c[i].go = &go;
			c[i].nonce = nonce;
			assert_int_equal(pthread_create(&t[i], NULL, click, &c[i]), 0);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		if (c[0].result < 0 || c[1].result < 0)
			fail_msg("round %d: %s / %s", round, c[0].msg, c[1].msg);
		/* one used it (0), the other found it used (1) */
		assert_int_equal(c[0].result + c[1].result, 1);
	}
	assert_int_equal(count(&first, "SELECT count(*) FROM action_nonces", NULL), 10);
	for (int i = 0; i < 2; i++)
		store_close(&c[i].st);
	if (testdb_is_pg()) {
		testdb_close(&first);
	} else {
		store_close(&first);
		testdb_remove_file(dir, target);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_session_lifecycle, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_revoke_takes_feeds_and_sessions, testdb_setup,
					    testdb_teardown),
	    cmocka_unit_test(test_csrf_mac),
	    cmocka_unit_test_setup_teardown(test_nonce_once, testdb_setup, testdb_teardown),
	    cmocka_unit_test(test_nonce_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
