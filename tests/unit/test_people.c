/*
 * test_people.c — people: validation, upsert of the given fields, the CSV import, unmapped owners,
 * who is known. On SQLite, or with $TRACKER_TEST_PG on a fresh PostgreSQL database (testdb.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "store.h"
#include "testdb.h"
#include "testsql.h"
#include "tz.h"

static int imp(struct store *st, const char *csv, struct people_import_summary *sum, struct error *err)
{
	assert_int_equal(store_begin(st, err), 0);
	int rc = people_import_csv(st, "p.csv", csv, strlen(csv), 1775000000, NULL, sum, err);
	if (rc < 0)
		store_rollback(st);
	else
		assert_int_equal(store_commit(st, err), 0);
	return rc;
}

static void test_validation(void **state)
{
	(void)state;
	struct error err;
	error_init(&err);
	struct person p = {.handle = "alice", .email = "alice@example.com", .tz = "Europe/Berlin"};
	unsigned all = PERSON_EMAIL | PERSON_TZ;
	assert_int_equal(people_check(&p, all, &err), 0);
	p.tz = "Europe/Atlantis";
	assert_int_equal(people_check(&p, all, &err), -1);
	assert_non_null(strstr(err.msg, "Europe/Atlantis"));
	/* The one validator (tz_valid): what the policy accepts, people accept, and the reverse. */
	const char *zones[] = {"UTC", "Europe/Berlin", "America/New_York", "europe/berlin",
			       "Mars/Olympus_Mons"};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		p.tz = zones[i];
		assert_int_equal(people_check(&p, all, &err) == 0, tz_valid(zones[i]));
	}
	p.tz = NULL;
	const char *bad[] = {"alice", "a@b@c", "@b", "a@", "a b@c", "a@b\r\nBcc: x@y", "a@b,c@d", "<a@b>"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p.email = bad[i];
		assert_int_equal(people_check(&p, all, &err), -1);
	}
	/* the mailer's rule (mailaddr_check): non-ASCII and header specials are refused, with why */
	p.email = "j\xc3\xbcrgen@example.de";
	assert_int_equal(people_check(&p, all, &err), -1);
	assert_non_null(strstr(err.msg, "email of alice: "));
	assert_non_null(strstr(err.msg, "SMTPUTF8"));
	p.email = "a:b@example.com";
	assert_int_equal(people_check(&p, all, &err), -1);
	assert_non_null(strstr(err.msg, "character ':' not allowed"));
	p.email = "a@b";
	p.name = "Eve\nBcc: x";
	assert_int_equal(people_check(&p, all | PERSON_NAME, &err), -1);
	p.name = NULL;
	p.handle = "two words";
	assert_int_equal(people_check(&p, all, &err), -1);
	assert_string_equal(people_handle("@bob"), "bob");
	icaltimezone_free_builtin_timezones();
}

static void test_csv_import(void **state)
{
	struct store *st = *state;
	struct error err;
	struct people_import_summary sum;
	error_init(&err);
	assert_int_equal(imp(st,
			     "\xEF\xBB\xBF"
			     "Email, handle ,name,slack\r\n"
			     "a@example.com,@alice,\"Alice, A.\",U1\r\n"
			     "\"b@example.com\",bob,\"Bob \"\"B\"\"\",\r\n"
			     "\r\n",
			     &sum, &err),
			 0);
	assert_int_equal(sum.added, 2);
	testsql_expect(st, "SELECT name || '|' || slack FROM people WHERE handle='alice'", "Alice, A.|U1");
	testsql_expect(st, "SELECT name || '|' || coalesce(slack,'NULL') FROM people WHERE handle='bob'",
		       "Bob \"B\"|NULL");
	/* re-import with fewer columns: updates, never duplicates; missing columns keep their values */
	assert_int_equal(imp(st, "handle,email\nalice,alice@example.com\nbob,b@example.com\n", &sum, &err),
			 0);
	assert_int_equal(sum.updated, 1);
	assert_int_equal(sum.unchanged, 1);
	testsql_expect(st, "SELECT count(*) FROM people", "2");
	testsql_expect(st, "SELECT email || '|' || slack FROM people WHERE handle='alice'",
		       "alice@example.com|U1");
	/* a bad row imports nothing and names file:line */
	assert_int_equal(imp(st, "handle,email\ncarol,c@example.com\n\"dan\",\"d\nx@y\"\n", &sum, &err), -1);
	assert_non_null(strstr(err.msg, "p.csv:3:"));
	assert_int_equal(imp(st, "handle,email\ncarol,c@example.com\nerin,not-an-address\n", &sum, &err), -1);
	assert_non_null(strstr(err.msg, "p.csv:3:"));
	testsql_expect(st, "SELECT count(*) FROM people", "2");
	const char *const bad[] = {"email\nx@y\n",
				   "handle,phone\nx,1\n",
				   "handle,handle\nx,y\n",
				   "handle,email\nx\n",
				   "handle,email\nx,\"y@z\n",
				   "handle,email\nx,a\"b@c\n",
				   "handle,tz\nx,Nowhere/Town\n",
				   "handle\nx\nx\n",
				   ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(imp(st, bad[i], &sum, &err), -1);
	char nul[] = "handle\nx\0y\n";
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(people_import_csv(st, "n.csv", nul, sizeof nul - 1, 0, NULL, &sum, &err), -1);
	assert_non_null(strstr(err.msg, "n.csv:2: a NUL byte"));
	store_rollback(st);
	testsql_expect(st, "SELECT count(*) FROM people", "2");
	icaltimezone_free_builtin_timezones();
}

struct problems {
	int n;
	char text[2048];
};

static void on_problem(const char *msg, void *ud)
{
	struct problems *p = ud;
	size_t len = strlen(p->text);
	p->n++;
	snprintf(p->text + len, sizeof p->text - len, "%s\n", msg);
}

/* Every bad row is reported, not only the first; managers are checked after the whole file. */
static void test_csv_every_problem_and_managers(void **state)
{
	struct store *st = *state;
	struct error err;
	struct people_import_summary sum;
	struct problems pr = {0};
	struct people_import_opts o = {.problem = on_problem, .ud = &pr};
	const char *csv = "handle,email,manager\n"
			  "kim,kim@example.org,lee\n"   /* lee comes later: fine */
			  "bad1,not-an-address,\n"      /* line 3 */
			  "lee,lee@example.org,\n"      /* lee */
			  "bad2,b@example.org,nobody\n" /* line 5: unknown manager */
			  "bad3,b3@example.org\n"       /* line 6: too few fields */
			  "kim,kim2@example.org,\n";    /* line 7: duplicate */
	error_init(&err);
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(people_import_csv(st, "p.csv", csv, strlen(csv), 0, &o, &sum, &err), -1);
	store_rollback(st);
	assert_int_equal(pr.n, 4);
	assert_string_equal(err.msg, "p.csv: 4 bad rows");
	assert_non_null(strstr(pr.text, "p.csv:3: email of bad1: "));
	assert_non_null(strstr(pr.text, "p.csv:5: manager nobody of bad2 is not in tracker people"));
	assert_non_null(strstr(pr.text, "p.csv:6: 2 fields, but the header has 3"));
	assert_non_null(strstr(pr.text, "p.csv:7: handle \"kim\" already on line 2"));
	assert_null(strstr(pr.text, "of kim"));
	testsql_expect(st, "SELECT count(*) FROM people", "0");
	/* the good rows alone import; --allow-unknown-manager lets nobody through */
	const char *good = "handle,email,manager\nkim,kim@example.org,lee\nlee,lee@example.org,\n"
			   "zed,z@example.org,nobody\n";
	pr = (struct problems){0};
	o.allow_unknown_manager = true;
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(people_import_csv(st, "p.csv", good, strlen(good), 0, &o, &sum, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	assert_int_equal(sum.added, 3);
	assert_int_equal(pr.n, 0);
	assert_int_equal(people_check_manager(st, "kim", "@lee", &err), 0);
	assert_int_equal(people_check_manager(st, "zed", "nobody", &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	icaltimezone_free_builtin_timezones();
}

static int collect(const char *handle, const char *reason, int n, void *ud)
{
	char *out = ud;
	size_t len = strlen(out);
	snprintf(out + len, 256 - len, "%s:%s:%d ", handle, reason, n);
	return 0;
}

static void test_unmapped(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	assert_int_equal(
	    db_exec(
		st->conn,
		"INSERT INTO incidents (id, source, source_hash, imported_at) VALUES ('INC-1','/a','h','t');"
		"INSERT INTO items (incident_id, key, position, line, action, owners, owner, status, "
		"base_action, base_status, created_at, updated_at) VALUES "
		"('INC-1','1',1,1,'a','[\"alice\",\"bob\"]','alice','open','a','open','t','t'),"
		"('INC-1','2',2,2,'b','[\"bob\"]','bob','open','b','open','t','t'),"
		"('INC-1','3',3,3,'c','[\"carol\"]','carol','done','c','done','t','t'),"
		"('INC-1','4',4,4,'d','[\"dave\"]','dave','blocked','d','open','t','t');"
		"INSERT INTO people (handle, email, created_at, updated_at) VALUES "
		"('alice','a@x','t','t'),('dave',NULL,'t','t');"),
	    DB_OK);
	char out[256] = "";
	assert_int_equal(people_unmapped(st, collect, out, &err), 0);
	assert_string_equal(out, "bob:no entry:2 dave:no email:1 ");
	/* stored addresses the mailer refuses, and managers who are nobody, are listed too */
	assert_int_equal(
	    db_exec(st->conn, "UPDATE people SET email = 'al ice@x', manager = 'zed' WHERE handle = 'alice'"),
	    DB_OK);
	out[0] = '\0';
	assert_int_equal(people_unmapped(st, collect, out, &err), 0);
	assert_non_null(strstr(out, "alice:unusable email: \"al ice@x\" is not a plain e-mail address"));
	assert_non_null(strstr(out, "alice:manager zed not in people:1 "));
}

static int names(const struct person *p, void *ud)
{
	char *out = ud;
	size_t len = strlen(out);
	snprintf(out + len, 256 - len, "%s:%s:%s ", p->handle, p->email ? p->email : "-",
		 p->tz ? p->tz : "-");
	return 0;
}

/* Upsert, list (by handle, bytewise), get, remove; who counts as known (a person, or an owner in the
 * owner column or anywhere in the owners array). */
static void test_upsert_list_known_remove(void **state)
{
	struct store *st = *state;
	struct error err;
	error_init(&err);
	assert_int_equal(store_begin(st, &err), 0);
	struct person p = {.handle = "bob", .email = "b@example.org"};
	assert_int_equal(people_upsert(st, &p, PERSON_EMAIL, 1775000000, &err), 0);
	p = (struct person){.handle = "Ann", .email = "a@example.org", .tz = "Europe/Berlin"};
	assert_int_equal(people_upsert(st, &p, PERSON_EMAIL | PERSON_TZ, 1775000000, &err), 0);
	/* only the fields set change; an empty value clears */
	p = (struct person){.handle = "Ann", .tz = ""};
	assert_int_equal(people_upsert(st, &p, PERSON_TZ, 1775000100, &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
	char out[256] = "";
	assert_int_equal(people_list(st, names, out, &err), 0);
	assert_string_equal(out, "Ann:a@example.org:- bob:b@example.org:- ");
	testsql_expect(st, "SELECT created_at || ' ' || updated_at FROM people WHERE handle = 'Ann'",
		       "2026-03-31T23:33:20Z 2026-03-31T23:35:00Z");
	out[0] = '\0';
	assert_int_equal(people_get(st, "@bob", names, out, &err), 0);
	assert_string_equal(out, "bob:b@example.org:- ");
	assert_int_equal(people_get(st, "nobody", names, out, &err), 1);

	assert_int_equal(
	    db_exec(
		st->conn,
		"INSERT INTO incidents (id, source, source_hash, imported_at) VALUES ('INC-1','/a','h','t');"
		"INSERT INTO items (incident_id, key, position, line, action, owners, owner, status, "
		"base_action, base_status, created_at, updated_at) VALUES "
		"('INC-1','1',1,1,'a','[\"carol\",\"erik\"]','carol','done','a','open','t','t')"),
	    DB_OK);
	const char *known[] = {"Ann", "@bob", "carol", "erik"}, *unknown[] = {"ann", "dave", "eri"};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(people_known(st, known[i], &err), 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(people_known(st, unknown[i], &err), 0);

	assert_int_equal(people_remove(st, "@bob", &err), 0);
	assert_int_equal(people_remove(st, "bob", &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	assert_non_null(strstr(err.msg, "no person \"bob\""));
	assert_int_equal(people_known(st, "bob", &err), 0);
	icaltimezone_free_builtin_timezones();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validation),
	    cmocka_unit_test_setup_teardown(test_csv_import, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_csv_every_problem_and_managers, testdb_setup,
					    testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_unmapped, testdb_setup, testdb_teardown),
	    cmocka_unit_test_setup_teardown(test_upsert_list_known_remove, testdb_setup, testdb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
