/*
 * http_metrics.c — GET /metrics in the Prometheus text format 0.0.4.
 *
 * Item and outbox figures are read from the database on each scrape (a handful of aggregate queries
 * over indexed columns); request counters live in memory (atomics in struct http_impl) and restart
 * from zero with the process, as Prometheus counters may. Overdue is as in items.h: not closed, not
 * removed from its document, due date before today (UTC).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "stats.h"
#include "tdate.h"
#include "banned.h"

static void label_value(struct buf *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(b, '\\'), buf_addc(b, *v);
		else if (*v == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *v);
	}
}

static const char *prio_label(int p)
{
	static const char *const n[] = {"P0", "P1", "P2", "P3"};
	return p >= 0 && p <= 3 ? n[p] : "none";
}

static int by_priority(struct store *st, struct buf *b, const char *name, const char *help, const char *sql,
		       const char *today)
{
	sqlite3_stmt *s;
	long long v[5] = {0};
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(s, 1, today);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int p = sqlite3_column_type(s, 0) == SQLITE_NULL ? 4 : sqlite3_column_int(s, 0);
		if (p < 0 || p > 4)
			p = 4;
		v[p] = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -1;
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (int p = 0; p < 5; p++)
		buf_printf(b, "%s{priority=\"%s\"} %lld\n", name, prio_label(p == 4 ? -1 : p), v[p]);
	return 0;
}

static int scalar(struct store *st, const char *sql, const char *today, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(*out, 1, today);
	if (sqlite3_step(*out) != SQLITE_ROW) {
		sqlite3_finalize(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int db_metrics(struct http_impl *s, struct store *st, struct buf *b)
{
	int64_t now = http_now(s);
	int32_t today = time_to_date(now);
	char todays[11];
	date_format(today, todays);
	sqlite3_stmt *q = NULL;
#define OPEN_SQL "status NOT IN ('done','wont_do') AND removed_at IS NULL"
	if (by_priority(st, b, "tracker_items_open", "Open action items by priority.",
			"SELECT priority, count(*) FROM items WHERE " OPEN_SQL " GROUP BY priority",
			todays) < 0)
		return -1;
	if (by_priority(st, b, "tracker_items_overdue", "Overdue action items by priority.",
			"SELECT priority, count(*) FROM items WHERE " OPEN_SQL
			" AND due IS NOT NULL AND due < ?1 GROUP BY priority",
			todays) < 0)
		return -1;
	if (scalar(st, "SELECT min(due) FROM items WHERE " OPEN_SQL " AND due IS NOT NULL AND due < ?1",
		   todays, &q) < 0)
		return -1;
	int64_t age = 0;
	int32_t oldest;
	const char *m = (const char *)sqlite3_column_text(q, 0);
	if (m && date_parse(m, &oldest) == 0)
		age = now - ((int64_t)oldest + 1) * 86400; /* a due date lasts to the end of its day */
	sqlite3_finalize(q);
	buf_printf(
	    b,
	    "# HELP tracker_oldest_overdue_age_seconds How long the oldest overdue item has been overdue "
	    "(0 when none is).\n# TYPE tracker_oldest_overdue_age_seconds gauge\n"
	    "tracker_oldest_overdue_age_seconds %" PRId64 "\n",
	    age < 0 ? 0 : age);
	/* the on-time rule of tracker stats (stats.h): items done before their first import have no
	 * known close time and are not counted */
	long closed, ontime;
	struct error err;
	error_init(&err);
	if (stats_on_time(st, now, &closed, &ontime, &err) < 0)
		return -1;
	buf_printf(b,
		   "# HELP tracker_items_done_with_due Done items that had a due date and a known close "
		   "time.\n"
		   "# TYPE tracker_items_done_with_due gauge\ntracker_items_done_with_due %ld\n"
		   "# HELP tracker_items_on_time_ratio Share of those done on or before their due date (NaN "
		   "when there are none).\n# TYPE tracker_items_on_time_ratio gauge\n",
		   closed);
	if (closed)
		buf_printf(b, "tracker_items_on_time_ratio %.4f\n", (double)ontime / (double)closed);
	else
		buf_adds(b, "tracker_items_on_time_ratio NaN\n");

	if (scalar(st,
		   "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'sending'), 0), "
		   "coalesce(sum(state = 'dead'), 0) FROM outbox WHERE ?1 IS NOT NULL",
		   todays, &q) < 0)
		return -1;
	buf_printf(b,
		   "# HELP tracker_outbox_pending Notifications waiting to be sent (pending or being sent).\n"
		   "# TYPE tracker_outbox_pending gauge\ntracker_outbox_pending %lld\n"
		   "# HELP tracker_outbox_dead Notifications that failed every attempt.\n"
		   "# TYPE tracker_outbox_dead gauge\ntracker_outbox_dead %lld\n",
		   sqlite3_column_int64(q, 0) + sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2));
	sqlite3_finalize(q);

	if (sqlite3_prepare_v2(
		st->db,
		"SELECT channel, coalesce(sum(state = 'sent'), 0), coalesce(sum(state = 'dead'), 0) "
		"FROM outbox GROUP BY channel ORDER BY channel",
		-1, &q, NULL) != SQLITE_OK)
		return -1;
	struct buf failed;
	buf_init(&failed, BUF_MAX_DEFAULT);
	buf_adds(b, "# HELP tracker_reminders_sent_total Reminders delivered, by channel.\n"
		    "# TYPE tracker_reminders_sent_total counter\n");
	buf_adds(&failed, "# HELP tracker_reminders_failed_total Reminders given up on (dead), by channel.\n"
			  "# TYPE tracker_reminders_failed_total counter\n");
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *ch = (const char *)sqlite3_column_text(q, 0);
		buf_adds(b, "tracker_reminders_sent_total{channel=\"");
		label_value(b, ch);
		buf_printf(b, "\"} %lld\n", sqlite3_column_int64(q, 1));
		buf_adds(&failed, "tracker_reminders_failed_total{channel=\"");
		label_value(&failed, ch);
		buf_printf(&failed, "\"} %lld\n", sqlite3_column_int64(q, 2));
	}
	sqlite3_finalize(q);
	buf_add(b, failed.data ? failed.data : "", failed.len);
	buf_release(&failed);
	return rc == SQLITE_DONE ? 0 : -1;
#undef OPEN_SQL
}

enum MHD_Result http_metrics(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	struct store *st = http_pool_get(s);
	int rc = db_metrics(s, st, &b);
	if (rc < 0)
		http_logf(s, "metrics: %s", sqlite3_errmsg(st->db));
	http_pool_put(s, st);
	buf_adds(&b, "# HELP tracker_http_requests_total HTTP requests answered, by route and status.\n"
		     "# TYPE tracker_http_requests_total counter\n");
	/* This request counts itself once it is queued; the figures are as of before it. */
	for (int r = 0; r < R_COUNT; r++)
		for (int i = 0; i < HTTP_NCODES; i++) {
			uint64_t n = atomic_load_explicit(&s->requests[r][i], memory_order_relaxed);
			if (!n)
				continue;
			if (i < HTTP_NCODES - 1)
				buf_printf(
				    &b, "tracker_http_requests_total{route=\"%s\",code=\"%d\"} %" PRIu64 "\n",
				    http_route_names[r], http_codes[i], n);
			else
				buf_printf(&b,
					   "tracker_http_requests_total{route=\"%s\",code=\"other\"} %" PRIu64
					   "\n",
					   http_route_names[r], n);
		}
	buf_printf(&b,
		   "# HELP tracker_up Whether the database answered this scrape.\n# TYPE tracker_up "
		   "gauge\ntracker_up %d\n",
		   rc == 0);
	enum MHD_Result ret =
	    http_send(s, c, q, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
	buf_release(&b);
	return ret;
}
