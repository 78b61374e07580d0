/*
 * bench_items.c — fills a database with synthetic action items for the benchmark
 * (tests/bench/list_stats_bench.sh): usage `bench_items DB [ITEMS] [INCIDENTS] [SEED]`.
 *
 * DB is a SQLite path or a PostgreSQL target (URL or key=value): the database is opened with
 * store_open(), so it has the real schema and indexes; each incident's stored start dates and close
 * times are computed as an import does (stats_refresh_items). The spread is
 * meant to look like a few years of post-mortems: incidents dated 2024-01-01 .. 2026-06-30, 1-20
 * items each (ITEMS/INCIDENTS on average); priorities P0 10%, P1 25%, P2 40%, P3 20%, none 5%;
 * statuses done 55%, wont_do 5%, open 25%, in_progress 10%, blocked 5%; 85% have a due date 7-120
 * days after the incident; 2000 owners, 8% unassigned; 6% of items have one slipped due date event.
 * Deterministic for a given seed (xorshift64*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "store.h"
#include "tdate.h"
#include "banned.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static int step(struct store *st, struct db_stmt *s, const char *what)
{
	if (db_step(s) != DB_DONE) {
		fprintf(stderr, "bench_items: %s: %s\n", what, db_errmsg(st->conn));
		return -1;
	}
	db_reset(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: bench_items DB [ITEMS] [INCIDENTS] [SEED]\n", stderr);
		return 2;
	}
	long nitems = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
	long nincs = argc > 3 ? strtol(argv[3], NULL, 10) : 100000;
	if (argc > 4)
		rng_state ^= (uint64_t)strtoull(argv[4], NULL, 10);
	if (nitems <= 0 || nincs <= 0 || nincs > nitems) {
		fputs("bench_items: ITEMS and INCIDENTS must be positive, INCIDENTS <= ITEMS\n", stderr);
		return 2;
	}
	struct store st = {0};
	struct error err;
	struct db_stmt *inc = NULL, *item = NULL, *ev = NULL;
	int rc = 1;
	error_init(&err);
	if (store_open(&st, argv[1], STORE_CREATE, 5000, &err) < 0) {
		fprintf(stderr, "bench_items: %s\n", err.msg);
		return 1;
	}
	if ((store_engine(&st) == DB_SQLITE && store_exec(&st, "PRAGMA synchronous=OFF", &err) < 0) ||
	    store_begin(&st, &err) < 0 ||
	    store_sql(&st, &inc,
		      "INSERT INTO incidents (id, title, date, severity, source, source_hash, imported_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, 'bench', ?6)",
		      &err) < 0 ||
	    store_sql(&st, &item,
		      "INSERT INTO items (incident_id, key, position, line, action, owners, owner, due, "
		      "priority, status, base_action, base_owners, base_due, base_priority, base_status, "
		      "created_at, updated_at, closed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		      "?5, ?6, ?8, ?9, ?10, ?11, ?11, ?12) RETURNING id",
		      &err) < 0 ||
	    store_sql(&st, &ev,
		      "INSERT INTO events (item_id, incident_id, at, actor, source, kind, field, old, new) "
		      "VALUES (?1, ?2, ?3, 'bench', 'cli', 'slipped', 'due', ?4, ?5)",
		      &err) < 0) {
		fprintf(stderr, "bench_items: %s\n", err.msg);
		goto out;
	}
	int32_t first, last;
	date_from_ymd(2024, 1, 1, &first);
	date_from_ymd(2026, 6, 30, &last);
	static const char *const statuses[] = {"done", "wont_do", "open", "in_progress", "blocked"};
	long made = 0;
	for (long i = 0; i < nincs; i++) {
		char id[64], title[64], date[11], src[128], at[21];
		int32_t d = first + (int32_t)pick((unsigned)(last - first + 1));
		date_format(d, date);
		snprintf(id, sizeof id, "INC-%s-%06ld", date, i);
		snprintf(title, sizeof title, "Incident %ld", i);
		snprintf(src, sizeof src, "/srv/postmortems/%s.md", id);
		int64_t imported = ((int64_t)d + 1) * 86400 + pick(86400);
		time_format(imported, at);
		db_bind_text(inc, 1, id);
		db_bind_text(inc, 2, title);
		db_bind_text(inc, 3, date);
		db_bind_int(inc, 4, (int)pick(4) + 1);
		db_bind_text(inc, 5, src);
		db_bind_text(inc, 6, at);
		if (step(&st, inc, "incident") < 0)
			goto out;
		/* spread the items: the last incident takes what is left */
		long left = nitems - made, per = nitems / nincs;
		long n = i == nincs - 1 ? left : 1 + (long)pick((unsigned)(2 * per - 1));
		if (n > left - (nincs - 1 - i))
			n = left - (nincs - 1 - i);
		if (n < 1)
			n = 1;
		for (long k = 0; k < n; k++) {
			char key[24], action[96], owners[64], owner[16], due[11], closed[21];
			unsigned pr = pick(100), su = pick(100);
			int prio = pr < 10 ? 0 : pr < 35 ? 1 : pr < 75 ? 2 : pr < 95 ? 3 : -1;
			const char *status = statuses[su < 55   ? 0
						      : su < 60 ? 1
						      : su < 85 ? 2
						      : su < 95 ? 3
								: 4];
			bool closed_st = su < 60;
			snprintf(key, sizeof key, "%ld", k + 1);
			snprintf(action, sizeof action, "Follow-up action %ld of incident %ld", k + 1, i);
			bool assigned = pick(100) >= 8;
			snprintf(owner, sizeof owner, "user%04u", pick(2000));
			snprintf(owners, sizeof owners, assigned ? "[\"%s\"]" : "[]", owner);
			bool has_due = pick(100) < 85;
			int32_t dd = d + 7 + (int32_t)pick(114);
			date_format(dd, due);
			time_format(imported + (int64_t)pick(120 * 86400), closed);
			db_bind_text(item, 1, id);
			db_bind_text(item, 2, key);
			db_bind_int(item, 3, (int)k + 1);
			db_bind_int(item, 4, 60 + (int)k);
			db_bind_text(item, 5, action);
			db_bind_text(item, 6, owners);
			db_bind_text(item, 7, assigned ? owner : NULL);
			db_bind_text(item, 8, has_due ? due : NULL);
			store_bind_opt_int(item, 9, prio);
			db_bind_text(item, 10, status);
			db_bind_text(item, 11, at);
			db_bind_text(item, 12, closed_st ? closed : NULL);
			if (db_step(item) != DB_ROW) {
				fprintf(stderr, "bench_items: item: %s\n", db_errmsg(st.conn));
				goto out;
			}
			int64_t item_id = db_column_int64(item, 0);
			if (step(&st, item, "item") < 0)
				goto out;
			if (has_due && pick(100) < 6) {
				char old[11];
				date_format(dd - 1 - (int32_t)pick(30), old);
				db_bind_int64(ev, 1, item_id);
				db_bind_text(ev, 2, id);
				db_bind_text(ev, 3, at);
				db_bind_text(ev, 4, old);
				db_bind_text(ev, 5, due);
				if (step(&st, ev, "event") < 0)
					goto out;
			}
		}
		made += n;
		/* as an import of the document does */
		if (stats_refresh_items(&st, id, &err) < 0) {
			fprintf(stderr, "bench_items: %s\n", err.msg);
			goto out;
		}
	}
	/* PostgreSQL: VACUUM too, so that the visibility map allows index-only scans (autovacuum would
	 * do it later) */
	if (store_commit(&st, &err) < 0 ||
	    store_exec(&st, store_engine(&st) == DB_SQLITE ? "ANALYZE" : "VACUUM ANALYZE", &err) < 0) {
		fprintf(stderr, "bench_items: %s\n", err.msg);
		goto out;
	}
	printf("%s: %ld incidents, %ld items\n", argv[1], nincs, made);
	rc = 0;
out:
	db_finalize(inc);
	db_finalize(item);
	db_finalize(ev);
	store_rollback(&st);
	store_close(&st);
	return rc;
}
