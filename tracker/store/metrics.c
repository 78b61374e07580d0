/*
 * metrics.c — the aggregate queries behind /metrics (see metrics.h). Each is one scan over an indexed
 * table; every statement runs unchanged on SQLite and PostgreSQL (sums of CASE, not of comparisons,
 * which PostgreSQL does not add up).
 */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

#include "items.h"
#include "banned.h"

int metrics_items(struct store *st, const char *today, struct metrics_items *out, struct error *err)
{
	struct db_stmt *s;
	memset(out, 0, sizeof *out);
	if (store_sql(st, &s,
		      "SELECT i.priority, count(*), "
		      "sum(CASE WHEN " ITEM_OVERDUE_SQL("?1") " THEN 1 ELSE 0 END), "
							      "min(CASE WHEN " ITEM_OVERDUE_SQL(
								  "?1") " THEN i.due END) "
									"FROM items i WHERE " ITEM_OPEN_SQL
									" GROUP BY i.priority",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, today);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		int p = db_column_is_null(s, 0) ? 4 : db_column_int(s, 0);
		if (p < 0 || p > 4)
			p = 4;
		out->open[p] += db_column_int64(s, 1);
		out->overdue[p] += db_column_int64(s, 2);
		const char *m = db_column_text(s, 3);
		if (m && (!out->oldest_overdue[0] || strcmp(m, out->oldest_overdue) < 0))
			snprintf(out->oldest_overdue, sizeof out->oldest_overdue, "%s", m);
	}
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, err, "counting items");
}

int metrics_outbox(struct store *st, struct metrics_outbox *out, struct error *err)
{
	struct db_stmt *s;
	memset(out, 0, sizeof *out);
	if (store_sql(st, &s,
		      "SELECT coalesce(sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), "
		      "coalesce(sum(CASE WHEN state = 'sending' THEN 1 ELSE 0 END), 0), "
		      "coalesce(sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) FROM outbox",
		      err) < 0)
		return -1;
	int rc = db_step(s);
	if (rc == DB_ROW) {
		out->pending = db_column_int64(s, 0);
		out->sending = db_column_int64(s, 1);
		out->dead = db_column_int64(s, 2);
	}
	db_finalize(s);
	return rc == DB_ROW ? 0 : store_fail(st, err, "counting the outbox");
}

/* Calls cb(name, a, b) for each row (text, count, count) of s until it returns nonzero; finalizes s. */
static int each_count_pair(struct store *st, struct db_stmt *s,
			   int (*cb)(const char *name, int64_t a, int64_t b, void *ud), void *ud,
			   struct error *err, const char *what)
{
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		if (cb(db_column_text(s, 0), db_column_int64(s, 1), db_column_int64(s, 2), ud) != 0) {
			rc = DB_DONE;
			break;
		}
	if (rc != DB_DONE)
		store_fail(st, err, what);
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

int metrics_outbox_channels(struct store *st,
			    int (*cb)(const char *channel, int64_t sent, int64_t dead, void *ud), void *ud,
			    struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "SELECT channel, coalesce(sum(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), 0), "
		      "coalesce(sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) "
		      "FROM outbox GROUP BY channel ORDER BY channel",
		      err) < 0)
		return -1;
	return each_count_pair(st, s, cb, ud, err, "counting the outbox by channel");
}

int metrics_outbox_leases(struct store *st, const char *now,
			  int (*cb)(const char *holder, int64_t held, int64_t expired, void *ud), void *ud,
			  struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "SELECT coalesce(lease_owner, ''), count(*), "
		      "coalesce(sum(CASE WHEN lease_until <= ?1 THEN 1 ELSE 0 END), 0) "
		      "FROM outbox WHERE state = 'sending' GROUP BY lease_owner ORDER BY lease_owner",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, now);
	return each_count_pair(st, s, cb, ud, err, "counting the outbox's leases");
}
