/*
 * bench_remind_gen — a database for the reminder benchmark (tests/bench/remind_bench.sh).
 *
 *   bench_remind_gen DB TODAY [ITEMS] [PEOPLE] [SEED]      (defaults 100000 2000 1)
 *
 * Creates DB with every migration and fills it, in one transaction, with ITEMS open action items in
 * ITEMS/10 incidents and PEOPLE people: priorities P0-P3 evenly, due dates from 30 days before TODAY
 * (YYYY-MM-DD) to 15 days after, statuses open / in_progress / blocked, one item in twenty without an
 * owner; people in six time zones, one in ten without an e-mail, three in four with a manager; each
 * incident has a reporter. Deterministic for a given SEED. Prints what it wrote.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "tdate.h"
#include "banned.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static long between(long lo, long hi)
{
	return lo + (long)(rnd() % (uint64_t)(hi - lo + 1));
}

static long arg(const char *s, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "bench_remind_gen: %s: \"%s\" is not a positive number\n", what, s);
		exit(2);
	}
	return v;
}

static int step(struct db *db, struct db_stmt *s)
{
	if (db_step(s) != DB_DONE) {
		fprintf(stderr, "bench_remind_gen: %s\n", db_errmsg(db));
		return -1;
	}
	db_reset(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 6) {
		fputs("usage: bench_remind_gen DB TODAY [ITEMS] [PEOPLE] [SEED]\n", stderr);
		return 2;
	}
	int32_t today;
	if (date_parse(argv[2], &today) < 0) {
		fprintf(stderr, "bench_remind_gen: TODAY \"%s\" is not YYYY-MM-DD\n", argv[2]);
		return 2;
	}
	long nitems = argc > 3 ? arg(argv[3], "ITEMS") : 100000;
	long npeople = argc > 4 ? arg(argv[4], "PEOPLE") : 2000;
	rng_state = argc > 5 ? (uint64_t)arg(argv[5], "SEED") : 1;
	static const char *const zones[] = {"UTC",        "Europe/Berlin", "America/New_York",
					    "Asia/Tokyo", "Asia/Kolkata",  "Pacific/Auckland"};
	static const char *const statuses[] = {"open", "in_progress", "blocked"};
	struct store st;
	struct error err;
	error_init(&err);
	remove(argv[1]);
	if (store_open(&st, argv[1], STORE_CREATE, 5000, &err) < 0) {
		fprintf(stderr, "bench_remind_gen: %s\n", err.msg);
		return 1;
	}
	struct db *db = st.conn;
	struct db_stmt *person = NULL, *incident = NULL, *item = NULL;
	int rc = 1;
	const char *ts = "2026-01-01T00:00:00Z";
	if (store_begin(&st, &err) < 0 ||
	    store_sql(&st, &person,
		      "INSERT INTO people (handle, name, email, tz, manager, created_at, updated_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
		      &err) < 0 ||
	    store_sql(&st, &incident,
		      "INSERT INTO incidents (id, title, date, reporter, approved_by, source, source_hash, "
		      "imported_at) VALUES (?1, ?2, '2026-01-01', ?3, ?4, ?5, 'x', ?6)",
		      &err) < 0 ||
	    store_sql(&st, &item,
		      "INSERT INTO items (incident_id, key, position, line, action, owners, owner, due, "
		      "priority, status, base_action, base_owners, base_due, base_priority, base_status, "
		      "created_at, updated_at) "
		      "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?4, ?5, ?7, ?8, ?9, ?10, ?10)",
		      &err) < 0) {
		fprintf(stderr, "bench_remind_gen: %s\n", err.msg);
		goto out;
	}
	char h[32], name[64], email[80], mgr[32];
	for (long i = 1; i <= npeople; i++) {
		snprintf(h, sizeof h, "u%05ld", i);
		snprintf(name, sizeof name, "User %ld", i);
		snprintf(email, sizeof email, "u%05ld@example.org", i);
		snprintf(mgr, sizeof mgr, "u%05ld", between(1, npeople / 20 + 1));
		db_bind_text(person, 1, h);
		db_bind_text(person, 2, name);
		db_bind_text(person, 3, i % 10 == 0 ? NULL : email);
		db_bind_text(person, 4, zones[i % 6]);
		db_bind_text(person, 5, i % 4 == 0 ? NULL : mgr);
		db_bind_text(person, 6, ts);
		if (step(db, person) < 0)
			goto out;
	}
	long nincidents = nitems / 10 > 0 ? nitems / 10 : 1;
	char inc[48], title[64], src[64], action[96], owners[48], key[16], due[11];
	for (long i = 0; i < nitems; i++) {
		long n = i / 10;
		snprintf(inc, sizeof inc, "INC-2026-01-01-%06ld", n);
		if (i % 10 == 0) {
			snprintf(title, sizeof title, "Incident %ld", n);
			snprintf(src, sizeof src, "/bench/pm-%06ld.md", n);
			snprintf(h, sizeof h, "u%05ld", between(1, npeople));
			snprintf(mgr, sizeof mgr, "u%05ld", between(1, npeople));
			db_bind_text(incident, 1, inc);
			db_bind_text(incident, 2, title);
			db_bind_text(incident, 3, h);
			db_bind_text(incident, 4, mgr);
			db_bind_text(incident, 5, src);
			db_bind_text(incident, 6, ts);
			if (step(db, incident) < 0)
				goto out;
		}
		snprintf(key, sizeof key, "%ld", i % 10 + 1);
		snprintf(action, sizeof action, "Action item %ld: fix the thing that broke", i);
		bool owned = rnd() % 20 != 0;
		snprintf(h, sizeof h, "u%05ld", between(1, npeople));
		snprintf(owners, sizeof owners, "[\"%s\"]", h);
		date_format(today + (int32_t)between(-30, 15), due);
		db_bind_text(item, 1, inc);
		db_bind_text(item, 2, key);
		db_bind_int64(item, 3, i % 10);
		db_bind_text(item, 4, action);
		db_bind_text(item, 5, owned ? owners : "[]");
		db_bind_text(item, 6, owned ? h : NULL);
		db_bind_text(item, 7, due);
		db_bind_int(item, 8, (int)(i % 4));
		db_bind_text(item, 9, statuses[rnd() % 3]);
		db_bind_text(item, 10, ts);
		if (step(db, item) < 0)
			goto out;
	}
	if (store_commit(&st, &err) < 0) {
		fprintf(stderr, "bench_remind_gen: %s\n", err.msg);
		goto out;
	}
	printf("%s: %ld open items in %ld incidents, %ld people\n", argv[1], nitems, nincidents, npeople);
	rc = 0;
out:
	db_finalize(person);
	db_finalize(incident);
	db_finalize(item);
	store_close(&st);
	return rc;
}
