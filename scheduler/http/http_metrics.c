/*
 * http_metrics.c — GET /metrics in the Prometheus text format 0.0.4.
 *
 * Item and outbox figures are read from the database on each scrape (a handful of aggregate queries
 * over indexed columns); request counters live in memory (atomics in struct http_impl) and restart
 * from zero with the process, as Prometheus counters may. The queries are the store's (metrics.h);
 * open and overdue are items.h's rules, today in UTC.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "metrics.h"
#include "stats.h"
#include "syncsvc.h"
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

static void by_priority(struct buf *b, const char *name, const char *help, const int64_t v[5])
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (int p = 0; p < 5; p++)
		buf_printf(b, "%s{priority=\"%s\"} %" PRId64 "\n", name, prio_label(p == 4 ? -1 : p), v[p]);
}

struct channels {
	struct buf *sent, *failed;
};

static int channel_row(const char *ch, int64_t sent, int64_t dead, void *ud)
{
	struct channels *x = ud;
	buf_adds(x->sent, "tracker_reminders_sent_total{channel=\"");
	label_value(x->sent, ch);
	buf_printf(x->sent, "\"} %" PRId64 "\n", sent);
	buf_adds(x->failed, "tracker_reminders_failed_total{channel=\"");
	label_value(x->failed, ch);
	buf_printf(x->failed, "\"} %" PRId64 "\n", dead);
	return 0;
}

struct leases {
	struct buf *held;
	int64_t expired;
};

static int lease_row(const char *holder, int64_t held, int64_t expired, void *ud)
{
	struct leases *x = ud;
	buf_adds(x->held, "tracker_outbox_leases{instance=\"");
	label_value(x->held, holder);
	buf_printf(x->held, "\"} %" PRId64 "\n", held);
	x->expired += expired;
	return 0;
}

/* Which instances hold outbox leases, and how many leases ran out (their holder stopped before an
 * outcome; another instance takes the rows over). */
static int lease_metrics(struct http_impl *s, struct store *st, struct buf *b, struct error *err)
{
	char now[21];
	time_format(http_now(s), now);
	struct leases x = {.held = b};
	buf_adds(b, "# HELP tracker_outbox_leases Notifications being sent (state sending), by the instance "
		    "holding their lease.\n# TYPE tracker_outbox_leases gauge\n");
	if (metrics_outbox_leases(st, now, lease_row, &x, err) < 0)
		return -1;
	buf_printf(b,
		   "# HELP tracker_outbox_leases_expired Notifications still sending whose lease ran out "
		   "(the holder stopped; another instance takes them over).\n"
		   "# TYPE tracker_outbox_leases_expired gauge\ntracker_outbox_leases_expired %" PRId64 "\n",
		   x.expired);
	return 0;
}

static int db_metrics(struct http_impl *s, struct store *st, struct buf *b, struct error *err)
{
	int64_t now = http_now(s);
	char todays[11];
	date_format(time_to_date(now), todays);
	struct metrics_items mi;
	if (metrics_items(st, todays, &mi, err) < 0)
		return -1;
	by_priority(b, "tracker_items_open", "Open action items by priority.", mi.open);
	by_priority(b, "tracker_items_overdue", "Overdue action items by priority.", mi.overdue);
	int64_t age = 0;
	int32_t oldest;
	if (mi.oldest_overdue[0] && date_parse(mi.oldest_overdue, &oldest) == 0)
		age = now - ((int64_t)oldest + 1) * 86400; /* a due date lasts to the end of its day */
	buf_printf(
	    b,
	    "# HELP tracker_oldest_overdue_age_seconds How long the oldest overdue item has been overdue "
	    "(0 when none is).\n# TYPE tracker_oldest_overdue_age_seconds gauge\n"
	    "tracker_oldest_overdue_age_seconds %" PRId64 "\n",
	    age < 0 ? 0 : age);
	/* the on-time rule of tracker stats (stats.h): items done before their first import have no
	 * known close time and are not counted */
	long closed, ontime;
	if (stats_on_time(st, now, &closed, &ontime, err) < 0)
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

	struct metrics_outbox mo;
	if (metrics_outbox(st, &mo, err) < 0)
		return -1;
	buf_printf(b,
		   "# HELP tracker_outbox_pending Notifications waiting to be sent (pending or being sent).\n"
		   "# TYPE tracker_outbox_pending gauge\ntracker_outbox_pending %" PRId64 "\n"
		   "# HELP tracker_outbox_dead Notifications that failed every attempt.\n"
		   "# TYPE tracker_outbox_dead gauge\ntracker_outbox_dead %" PRId64 "\n",
		   mo.pending + mo.sending, mo.dead);

	struct buf failed;
	buf_init(&failed, BUF_MAX_DEFAULT);
	buf_adds(b, "# HELP tracker_reminders_sent_total Reminders delivered, by channel.\n"
		    "# TYPE tracker_reminders_sent_total counter\n");
	buf_adds(&failed, "# HELP tracker_reminders_failed_total Reminders given up on (dead), by channel.\n"
			  "# TYPE tracker_reminders_failed_total counter\n");
	struct channels x = {.sent = b, .failed = &failed};
	int rc = metrics_outbox_channels(st, channel_row, &x, err);
	buf_add(b, failed.data ? failed.data : "", failed.len);
	buf_release(&failed);
	if (rc < 0)
		return -1;
	return lease_metrics(s, st, b, err);
}

/* Reachable and writable as /healthz sees them; the process's reconnect counters (db.h). */
static void db_health_metrics(struct http_impl *s, struct buf *b)
{
	bool writable = false;
	struct error err;
	error_init(&err);
	int h = http_db_health(s, &writable, &err);
	struct db_conn_stats cs;
	store_conn_stats(&cs);
	buf_printf(b,
		   "# HELP tracker_db_reachable Whether this instance reaches its database (as /healthz).\n"
		   "# TYPE tracker_db_reachable gauge\ntracker_db_reachable %d\n"
		   "# HELP tracker_db_writable Whether that database accepts writes (PostgreSQL: a primary, "
		   "not read-only).\n# TYPE tracker_db_writable gauge\ntracker_db_writable %d\n"
		   "# HELP tracker_db_connections_lost_total Database connections found broken.\n"
		   "# TYPE tracker_db_connections_lost_total counter\n"
		   "tracker_db_connections_lost_total %" PRIu64 "\n"
		   "# HELP tracker_db_reconnects_total Broken database connections opened again.\n"
		   "# TYPE tracker_db_reconnects_total counter\ntracker_db_reconnects_total %" PRIu64 "\n"
		   "# HELP tracker_db_reconnect_failures_total Reconnect attempts that failed.\n"
		   "# TYPE tracker_db_reconnect_failures_total counter\n"
		   "tracker_db_reconnect_failures_total %" PRIu64 "\n",
		   h == 0, h == 0 && writable, cs.lost, cs.reconnects, cs.reconnect_fails);
}

enum MHD_Result http_metrics(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	struct store *st = http_pool_get(s);
	struct error err;
	error_init(&err);
	/* Which process answers (behind a load balancer each instance is scraped on its own). */
	buf_adds(&b, "# HELP tracker_instance_info This tracker instance: its name ([server] instance), "
		     "version and database engine.\n# TYPE tracker_instance_info gauge\n"
		     "tracker_instance_info{instance=\"");
	label_value(&b, s->instance ? s->instance : "");
	buf_adds(&b, "\",version=\"");
	label_value(&b, TRACKER_VERSION);
	buf_printf(&b, "\",engine=\"%s\"} 1\n", store_engine(st) == DB_POSTGRESQL ? "postgresql" : "sqlite");
	int rc = db_metrics(s, st, &b, &err);
	if (rc < 0) {
		/* no half-read figures: what the database did not answer is left out (tracker_up 0) */
		buf_truncate(&b, 0);
		if (!store_unreachable(st))
			http_logf(s, "metrics: %s", err.msg);
	}
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
	if (syncsvc_metrics(s->sync, &b) < 0)
		http_logf(s, "metrics: out of memory");
	buf_printf(&b,
		   "# HELP tracker_up Whether the database answered this scrape.\n# TYPE tracker_up "
		   "gauge\ntracker_up %d\n",
		   rc == 0);
	db_health_metrics(s, &b);
	enum MHD_Result ret =
	    http_send(s, c, q, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
	buf_release(&b);
	return ret;
}
