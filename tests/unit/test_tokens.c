/*
 * test_tokens.c — feed and API tokens and dashboard sessions (tokens.h), on an in-memory database
 * with every migration: a session id is stored only as its hash, expires, ends at sign-out and with
 * its token; revoking a token revokes the feeds made through it; feed_list names the creator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actionlink.h"
#include "store.h"
#include "tokens.h"

#define NOW 1780000000

static int setup(void **state)
{
	struct store *st = calloc(1, sizeof *st);
	struct error err;
	error_init(&err);
	if (!st || store_open_memory(st, &err) < 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	free(*state);
	return 0;
}

static int64_t count(struct store *st, const char *sql, const char *arg)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_session_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoke_takes_feeds_and_sessions, setup, teardown),
	    cmocka_unit_test(test_csrf_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
