/*
 * stats.c — the metrics of stats.h, from four SQL statements per grouping, combined here.
 *
 * Each grouping has its own literal statements (the group key is part of the text; no value is ever
 * spliced in), the same text on SQLite and PostgreSQL but for one (OPEN by owner, incident or month:
 * OPEN_ROWS_SQL says why). The per-item rules come from items.h: open and
 * overdue (ITEM_OPEN_SQL, ITEM_OVERDUE_SQL), and the start date and close time as stored by
 * stats_refresh_items() (items.start_date, items.close_secs, schema 0007), so no incident or event is
 * looked up per item. Each statement reads only the items of one status with only the aggregates they
 * need (one statement over every item with eleven filtered aggregates cost SQLite twice the CPU):
 * OPEN the open items' counts, WONT_DO the won't-do items', DONE one row per done item (its close
 * time, start date and on-time class: counted here, and its time to close ranked here), SLIPS the
 * slipped due dates. By priority (the default) the aggregates are grouped by the columns of the index
 * items_stats in its order, so SQLite reads them from it without sorting; by "all" there is no GROUP BY.
 *
 * The done items (half of the rows, and the ranking) and the slips (a join to the items' rows) are
 * each read on a connection and in a thread of their own while this one counts the open and won't-do
 * items (docs/metrics.md "Speed"); on this connection one after the other when there cannot be
 * others.
 * Each part keeps its groups in the order first seen (a jansson object as the hash table of names);
 * the parts are merged and sorted by strcmp, so both engines and both ways give the same order. The
 * medians and p90s are selected at their ranks (no sort). The incident date is looked up with a
 * correlated subquery only where it is needed (grouping by month, --since): SQLite evaluates OR
 * operands lazily, so the common case never touches `incidents`.
 */
#include "stats.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "items.h"
#include "tdate.h"
#include "banned.h"

/* The items counted: in their document, and with `since` (parameter P, "YYYY-MM-DD" or NULL) of an
 * incident on or after it. */
#define ITEM_FILTER(P)                                                                                       \
	"i.removed_at IS NULL AND (CAST(" P " AS TEXT) IS NULL OR coalesce((SELECT date FROM incidents "     \
	"WHERE id = i.incident_id), substr(i.created_at, 1, 10)) >= " P ")"

#define P01 "i.priority <= 1"
#define DONE "i.status = 'done'"
#define WONT_DO "i.status = 'wont_do'"
/* Of a done item: counted in the on-time rate (a due date and a known close time), and on time. */
#define DONE_WITH_DUE "(i.due IS NOT NULL AND " ITEM_CLOSE_KNOWN_COL ")"
#define ON_TIME "(" DONE_WITH_DUE " AND substr(i.closed_at, 1, 10) <= i.due)"

/* KEY: the group name. TAIL: the GROUP BY clause (empty by "all": one row). Parameters: OPEN ?1 today,
 * ?2 since; the others ?1 since (PostgreSQL must see every parameter it is given). Each statement
 * reads only the items of its status (OPEN, DONE, WONT_DO) with only the aggregates those need. */
#define COUNT_IF(c) "count(*) FILTER (WHERE " c ")"
#define MIN_OF(x) "min(" x ")"
#define P01_START "CASE WHEN " P01 " THEN i.start_date END"
#define P01_NO_OWNER P01 " AND i.owner IS NULL"
#define P01_NO_DUE P01 " AND i.due IS NULL"
#define OPEN_COLS(KEY, N, IF, MIN)                                                                           \
	"SELECT " KEY " AS g, " N ", " IF(ITEM_OVERDUE_SQL("?1")) ", " MIN(P01_START) ", " IF(               \
	    P01_NO_OWNER) ", " IF(P01_NO_DUE) " FROM items i WHERE " ITEM_OPEN_SQL " AND " ITEM_FILTER("?2")
#define OPEN_SQL(KEY, TAIL) OPEN_COLS(KEY, "count(*)", COUNT_IF, MIN_OF) TAIL
/* The same columns for each open item alone (a group of one), added up here: SQLite groups by a key
 * that is not the order of an index (owner, incident, month) by sorting every row in a temporary
 * b-tree, which cost 0.7 s of CPU for 400,000 open items against 0.2 s to add the rows up here
 * (docs/performance.md); PostgreSQL hashes the groups itself, and sending it every row would cost more
 * than it saves, so it keeps OPEN_SQL (db_pick in prepare()). */
#define ROW_IF(c) "CASE WHEN " c " THEN 1 ELSE 0 END"
#define ROW_OF(x) x
#define OPEN_ROWS_SQL(KEY) OPEN_COLS(KEY, "1", ROW_IF, ROW_OF)
/* One row per done item: its close time (NULL when unknown) and start date, and 2 when it was done on
 * time, 1 when it counts in the on-time rate but was late, else 0. Counted and ranked in C. */
#define DONE_SQL(KEY)                                                                                        \
	"SELECT " KEY " AS g, i.close_secs, i.start_date, CASE WHEN " ON_TIME " THEN 2 WHEN " DONE_WITH_DUE  \
	" THEN 1 ELSE 0 END FROM items i WHERE " DONE " AND " ITEM_FILTER("?1")
#define WONT_DO_SQL(KEY, TAIL)                                                                               \
	"SELECT " KEY " AS g, count(*) FROM items i WHERE " WONT_DO " AND " ITEM_FILTER("?1") TAIL
/* The events' condition is the WHERE of the partial index events_slips (schema 0010), term for term:
 * SQLite uses that index only when the statement repeats it, so change the two together. */
#define SLIPS_SQL(KEY, TAIL)                                                                                 \
	"SELECT " KEY " AS g, count(*) FROM events e JOIN items i ON i.id = e.item_id "                      \
	"WHERE e.field = 'due' AND e.kind IN ('slipped', 'changed') AND e.old IS NOT NULL "                  \
	"AND e.new IS NOT NULL AND e.new > e.old AND " ITEM_FILTER("?1") TAIL
#define STATEMENTS(KEY)                                                                                      \
	{                                                                                                    \
		OPEN_ROWS_SQL(KEY), DONE_SQL(KEY), WONT_DO_SQL(KEY, " GROUP BY g"),                          \
		    SLIPS_SQL(KEY, " GROUP BY g")                                                            \
	}

#define KEY_PRIORITY "coalesce('P' || i.priority, 'none')"
#define KEY_OWNER "coalesce(i.owner, '(unassigned)')"
#define KEY_INCIDENT "i.incident_id"
#define KEY_MONTH                                                                                            \
	"substr(coalesce((SELECT date FROM incidents WHERE id = i.incident_id), i.created_at), 1, 7)"

const char *const stats_sql[STATS_BY_COUNT][STATS_SQL_COUNT] = {
    [STATS_BY_ALL] = {OPEN_SQL("'all'", ""), DONE_SQL("'all'"), WONT_DO_SQL("'all'", ""),
		      SLIPS_SQL("'all'", "")},
    /* grouped by the columns of the index items_stats (status, priority, …) in its order, so SQLite
     * reads them from the index without sorting (the key follows the priority one to one; the rows of
     * one priority are added up here) */
    [STATS_BY_PRIORITY] = {OPEN_SQL(KEY_PRIORITY, " GROUP BY i.status, i.priority"), DONE_SQL(KEY_PRIORITY),
			   WONT_DO_SQL(KEY_PRIORITY, " GROUP BY i.priority"),
			   SLIPS_SQL(KEY_PRIORITY, " GROUP BY i.priority")},
    [STATS_BY_OWNER] = STATEMENTS(KEY_OWNER),
    [STATS_BY_INCIDENT] = STATEMENTS(KEY_INCIDENT),
    [STATS_BY_MONTH] = STATEMENTS(KEY_MONTH),
};

/* PostgreSQL's OPEN statement where it differs from SQLite's (OPEN_ROWS_SQL above). */
static const char *const open_pg[STATS_BY_COUNT] = {
    [STATS_BY_OWNER] = OPEN_SQL(KEY_OWNER, " GROUP BY g"),
    [STATS_BY_INCIDENT] = OPEN_SQL(KEY_INCIDENT, " GROUP BY g"),
    [STATS_BY_MONTH] = OPEN_SQL(KEY_MONTH, " GROUP BY g"),
};

/* /metrics' on-time rate over all items: the rules of DONE_SQL's last column, aggregated. */
static const char on_time_sql[] =
    "SELECT count(*) FILTER (WHERE " DONE_WITH_DUE "), count(*) FILTER (WHERE " ON_TIME
    ") FROM items i WHERE " DONE " AND i.removed_at IS NULL";

/*
 * stats_refresh_items(): the stored start date and close time of an incident's items, from the rules
 * of items.h (ITEM_START_FROM over the joined incident row, ITEM_CLOSE_KNOWN_SQL). UPDATE … FROM is
 * the same on both engines; only the seconds between two UTC texts differ: SQLite's strftime('%s')
 * (NULL for a text that is no time) against PostgreSQL's timestamp subtraction. The texts are "Z"
 * times and dates, so timestamp without time zone reads them as UTC on PostgreSQL whatever TimeZone.
 * Migration 0007 fills existing rows with the same statement over all incidents.
 */
#define START ITEM_START_FROM("n.date")
#define REFRESH_SQL(SECS)                                                                                    \
	"UPDATE items AS i SET start_date = " START ", close_secs = CASE WHEN " ITEM_CLOSE_KNOWN_SQL         \
	" THEN " SECS " END FROM incidents AS n WHERE n.id = i.incident_id AND i.incident_id = ?1"
static const char refresh_sqlite[] =
    REFRESH_SQL("CAST(strftime('%s', i.closed_at) AS INTEGER) - CAST(strftime('%s', " START ") AS INTEGER)");
static const char refresh_pg[] = REFRESH_SQL(
    "CAST(EXTRACT(EPOCH FROM CAST(i.closed_at AS timestamp) - CAST(" START " AS timestamp)) AS BIGINT)");

struct stats_refresh {
	struct store *st;
	struct db_stmt *update;
};

struct stats_refresh *stats_refresh_new(struct store *st, struct error *err)
{
	struct stats_refresh *r = calloc(1, sizeof *r);
	if (!r) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	r->st = st;
	if (store_sql(st, &r->update, db_pick(st->conn, refresh_sqlite, refresh_pg), err) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

int stats_refresh_run(struct stats_refresh *r, const char *incident_id, struct error *err)
{
	db_reset(r->update);
	db_bind_text(r->update, 1, incident_id);
	/* deferred (store_defer): nothing of it is read; the importer flushes at the end of the document */
	int rc = store_defer(r->st, r->update, err, "storing the items' start dates and close times");
	db_reset(r->update);
	return rc;
}

void stats_refresh_free(struct stats_refresh *r)
{
	if (!r)
		return;
	db_finalize(r->update);
	free(r);
}

int stats_refresh_items(struct store *st, const char *incident_id, struct error *err)
{
	struct stats_refresh *r = stats_refresh_new(st, err);
	if (!r)
		return -1;
	int rc = stats_refresh_run(r, incident_id, err);
	if (rc == 0) /* a caller outside the importer gets its error here, as before */
		rc = store_flush(st, err);
	stats_refresh_free(r);
	return rc;
}

char *stats_shell_script(enum stats_by by, const char *since, int64_t now)
{
	struct buf b;
	char today[11];
	int rc = 0;
	if ((unsigned)by >= STATS_BY_COUNT)
		by = STATS_BY_ALL;
	date_format(time_to_date(now), today);
	buf_init(&b, BUF_MAX_DEFAULT);
	for (int i = 0; i < STATS_SQL_COUNT; i++) {
		/* the open counts take ?1 today and ?2 since, the others ?1 since */
		const char *p1 = i == STATS_SQL_OPEN ? today : since;
		if (p1)
			rc |= buf_printf(&b, ".parameter set ?1 \"'%s'\"\n", p1);
		else
			rc |= buf_adds(&b, ".parameter set ?1 NULL\n");
		if (i == STATS_SQL_OPEN && since)
			rc |= buf_printf(&b, ".parameter set ?2 \"'%s'\"\n", since);
		else if (i == STATS_SQL_OPEN)
			rc |= buf_adds(&b, ".parameter set ?2 NULL\n");
		rc |= buf_printf(&b, "%s;\n", stats_sql[by][i]);
	}
	if (rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static const char *const by_names[] = {"all", "priority", "owner", "incident", "month"};

int stats_by_parse(const char *s, enum stats_by *by)
{
	for (int i = 0; i < STATS_BY_COUNT; i++)
		if (!strcmp(s, by_names[i])) {
			*by = (enum stats_by)i;
			return 0;
		}
	return -1;
}

const char *stats_by_name(enum stats_by by)
{
	return (unsigned)by < STATS_BY_COUNT ? by_names[by] : "all";
}

double stats_on_time_rate(const struct stats_row *r)
{
	return r->done_with_due ? (double)r->done_on_time / (double)r->done_with_due : NAN;
}

void stats_release(struct stats *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->rows[i].group);
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

static int prepare(struct store *st, struct db_stmt **s, int which, const char *today, const char *since,
		   enum stats_by by, struct error *err)
{
	if ((unsigned)by >= STATS_BY_COUNT)
		by = STATS_BY_ALL;
	const char *sql = stats_sql[by][which];
	if (which == STATS_SQL_OPEN && open_pg[by])
		sql = db_pick(st->conn, sql, open_pg[by]);
	if (store_sql(st, s, sql, err) < 0)
		return -1;
	if (which == STATS_SQL_OPEN) {
		db_bind_text(*s, 1, today);
		db_bind_text(*s, 2, since);
	} else {
		db_bind_text(*s, 1, since);
	}
	return 0;
}

static int by_group(const void *a, const void *b)
{
	return strcmp(((const struct stats_row *)a)->group, ((const struct stats_row *)b)->group);
}

/*
 * What one connection computes: rows per group in the order they were first seen (looked up by name
 * in a jansson object used as a hash table, and the last group remembered: rows of one group mostly
 * come together), and, for the done items, their times to close. stats_compute() merges the parts.
 */
struct timed {
	size_t group;
	double days;
};

struct part {
	struct stats s;
	size_t cap;
	json_t *index; /* group name → position in s.rows */
	size_t last;   /* position of the last group looked up (valid when s.n > 0) */
	struct timed *t;
	size_t nt, tcap;
};

static void row_init(struct stats_row *r)
{
	memset(r, 0, sizeof *r);
	r->oldest_open_p01_days = -1;
	r->median_days = r->p90_days = NAN;
}

static void part_init(struct part *p)
{
	memset(p, 0, sizeof *p);
	p->s.total_median_days = p->s.total_p90_days = NAN;
}

static void part_release(struct part *p)
{
	stats_release(&p->s);
	json_decref(p->index);
	free(p->t);
	part_init(p);
}

/* The row of group g (NULL: ""), added when new; NULL when out of memory. */
static struct stats_row *group_row(struct part *p, const char *g, struct error *err)
{
	if (!g)
		g = "";
	if (p->s.n && !strcmp(p->s.rows[p->last].group, g))
		return &p->s.rows[p->last];
	if (!p->index && !(p->index = json_object()))
		goto oom;
	json_t *k = json_object_get(p->index, g);
	if (k) {
		p->last = (size_t)json_integer_value(k);
		return &p->s.rows[p->last];
	}
	if (p->s.n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct stats_row *nr = realloc(p->s.rows, cap * sizeof *nr);
		if (!nr)
			goto oom;
		p->s.rows = nr;
		p->cap = cap;
	}
	struct stats_row *r = &p->s.rows[p->s.n];
	row_init(r);
	if (!(r->group = strdup(g)))
		goto oom;
	if (json_object_set_new_nocheck(p->index, g, json_integer((json_int_t)p->s.n)) < 0) {
		free(r->group);
		goto oom;
	}
	p->last = p->s.n++;
	return r;
oom:
	error_set(err, ERR_IO, "out of memory");
	return NULL;
}

/* The value at 0-based rank k of d[0..n) as if sorted ascending (Wirth's selection: the rank's value
 * is unique, so it is the same as sorting's); reorders d so that d[0..k] are the k+1 smallest. */
static double select_rank(double *d, size_t n, size_t k)
{
	long l = 0, r = (long)n - 1, kk = (long)k;
	while (l < r) {
		double x = d[kk];
		long i = l, j = r;
		do {
			while (d[i] < x)
				i++;
			while (x < d[j])
				j--;
			if (i <= j) {
				double t = d[i];
				d[i] = d[j];
				d[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			r = j;
	}
	return d[kk];
}

/* Median and p90 of n values by the nearest-rank method (rank ceil(p·n), 1-based); d is reordered. */
static void ranks(double *d, size_t n, long *count, double *median, double *p90)
{
	*count = (long)n;
	*median = *p90 = NAN;
	if (!n)
		return;
	size_t k90 = (9 * n + 9) / 10 - 1, k50 = (n + 1) / 2 - 1;
	*p90 = select_rank(d, n, k90);
	/* d[0..k90] now hold the k90+1 smallest values, and k50 <= k90 */
	*median = select_rank(d, k90 + 1, k50);
}

/*
 * Days from the start date (midnight UTC) to start + secs, computed as SQLite's julianday(closed_at) −
 * julianday(start) was before schema 0007 (julianday() is the integer milliseconds since the Julian
 * epoch divided by 86400000.0): the same doubles, so the rounded figures stay byte-identical, on both
 * engines (the subtraction is done here, not in SQL). 210866760000 is the Unix epoch in seconds since
 * the Julian epoch (JD 2440587.5).
 */
static double days_between(int32_t start_day, int64_t secs)
{
	int64_t s = (int64_t)start_day * 86400 + 210866760000LL;
	return (double)((s + secs) * 1000) / 86400000.0 - (double)(s * 1000) / 86400000.0;
}

/* Each group's median and p90 of its close times, and the total's: the times are bucketed by group
 * (a counting sort, no comparison) and each bucket's two ranks selected, not sorted. */
static int part_ranks(struct part *p, struct error *err)
{
	size_t n = p->nt, groups = p->s.n;
	double *byg = NULL, *all = NULL;
	size_t *start = NULL;
	if (!n)
		return 0;
	if (!(byg = malloc(n * sizeof *byg)) || !(all = malloc(n * sizeof *all)) ||
	    !(start = calloc(groups + 1, sizeof *start))) {
		free(byg);
		free(all);
		return error_set(err, ERR_IO, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		start[p->t[i].group + 1]++;
	for (size_t g = 0; g < groups; g++)
		start[g + 1] += start[g];
	for (size_t i = 0; i < n; i++) {
		byg[start[p->t[i].group]++] = p->t[i].days;
		all[i] = p->t[i].days;
	}
	/* start[g] is now the end of group g's bucket, and the beginning of group g + 1's */
	for (size_t g = 0, b = 0; g < groups; b = start[g], g++) {
		struct stats_row *r = &p->s.rows[g];
		ranks(byg + b, start[g] - b, &r->closed_timed, &r->median_days, &r->p90_days);
	}
	ranks(all, n, &p->s.total_closed_timed, &p->s.total_median_days, &p->s.total_p90_days);
	free(byg);
	free(all);
	free(start);
	return 0;
}

/* WONT_DO or SLIPS: (group, count) rows added to their groups. */
static int count_rows(struct store *st, int which, enum stats_by by, const char *since, struct part *p,
		      struct error *err)
{
	struct db_stmt *q = NULL;
	int step;
	if (prepare(st, &q, which, NULL, since, by, err) < 0)
		return -1;
	while ((step = db_step(q)) == DB_ROW) {
		long n = (long)db_column_int64(q, 1);
		if (n == 0)
			continue; /* by "all": the one row, also when nothing counts */
		struct stats_row *r = group_row(p, db_column_text(q, 0), err);
		if (!r) {
			db_finalize(q);
			return -1;
		}
		if (which == STATS_SQL_WONT_DO)
			r->wont_do += n;
		else
			r->slipped += n;
	}
	int rc = 0;
	if (step != DB_DONE) /* (the connection's message, before finalizing) */
		rc = store_fail(st, err,
				which == STATS_SQL_WONT_DO ? "counting won't-do items" : "counting slips");
	db_finalize(q);
	return rc;
}

/* The done items: counted per group, and their times to close ranked. */
static int part_done(struct store *st, enum stats_by by, const char *since, struct part *p, struct error *err)
{
	struct db_stmt *q = NULL;
	int rc = -1, step;
	if (prepare(st, &q, STATS_SQL_DONE, NULL, since, by, err) < 0)
		return -1;
	while ((step = db_step(q)) == DB_ROW) {
		struct stats_row *r = group_row(p, db_column_text(q, 0), err);
		if (!r)
			goto out;
		r->done++;
		int on_time = db_column_int(q, 3);
		r->done_with_due += on_time > 0;
		r->done_on_time += on_time == 2;
		int32_t start;
		if (db_column_is_null(q, 1)) {
			r->done_close_unknown++;
			continue;
		}
		if (date_parse(db_column_text(q, 2) ? db_column_text(q, 2) : "", &start) < 0)
			continue; /* never stored without a start date */
		if (p->nt == p->tcap) {
			size_t cap = p->tcap ? p->tcap * 2 : 4096;
			struct timed *nt = realloc(p->t, cap * sizeof *nt);
			if (!nt) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			p->t = nt;
			p->tcap = cap;
		}
		p->t[p->nt].group = (size_t)(r - p->s.rows);
		p->t[p->nt].days = days_between(start, db_column_int64(q, 1));
		p->nt++;
	}
	if (step != DB_DONE) {
		store_fail(st, err, "computing times to close");
		goto out;
	}
	rc = part_ranks(p, err);
out:
	db_finalize(q);
	return rc;
}

/* The open items per group: counts, overdue, P0/P1. */
static int part_open(struct store *st, enum stats_by by, const char *today, int32_t td, const char *since,
		     struct part *p, struct error *err)
{
	struct db_stmt *q = NULL;
	int step;
	if (prepare(st, &q, STATS_SQL_OPEN, today, since, by, err) < 0)
		return -1;
	while ((step = db_step(q)) == DB_ROW) {
		/* By "all" (no GROUP BY) the one row comes also when no item counts */
		if (db_column_int64(q, 1) == 0)
			continue;
		struct stats_row *r = group_row(p, db_column_text(q, 0), err);
		if (!r)
			goto fail;
		r->open += (long)db_column_int64(q, 1);
		r->overdue += (long)db_column_int64(q, 2);
		int32_t oldest;
		const char *o = db_column_text(q, 3);
		if (o && date_parse(o, &oldest) == 0) {
			long days = td > oldest ? td - oldest : 0;
			if (days > r->oldest_open_p01_days)
				r->oldest_open_p01_days = days;
		}
		r->unassigned_p01 += (long)db_column_int64(q, 4);
		r->unscheduled_p01 += (long)db_column_int64(q, 5);
	}
	if (step != DB_DONE) {
		store_fail(st, err, "counting open items");
		goto fail;
	}
	db_finalize(q);
	return 0;
fail:
	db_finalize(q);
	return -1;
}

/*
 * The three parts, about 40, 38 and 22 % of the work on 1,000,000 items by priority (perf): the open
 * and won't-do items (on st's connection, in the caller's thread), the done items, the slips (each on
 * a connection and in a thread of its own when there can be one, else after the first on st's).
 */
enum { PART_OPEN, PART_DONE, PART_SLIPS, PART_COUNT };

struct job {
	int what;
	struct store st; /* its connection (PART_OPEN, or no connection of its own: the caller's) */
	enum stats_by by;
	const char *today, *since;
	int32_t td;
	struct part p;
	struct error err;
	int rc;
	pthread_t thread;
	bool threaded;
};

static int run_job(struct store *st, struct job *j, struct error *err)
{
	switch (j->what) {
	case PART_OPEN:
		if (part_open(st, j->by, j->today, j->td, j->since, &j->p, err) < 0)
			return -1;
		return count_rows(st, STATS_SQL_WONT_DO, j->by, j->since, &j->p, err);
	case PART_DONE:
		return part_done(st, j->by, j->since, &j->p, err);
	default:
		return count_rows(st, STATS_SQL_SLIPS, j->by, j->since, &j->p, err);
	}
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	j->rc = run_job(&j->st, j, &j->err);
	return NULL;
}

/* Another connection to st's database for reading, or NULL when there is none to be had (an
 * in-memory database is private to its connection; inside a transaction another connection would not
 * see its writes; or it does not open): then the part runs on st, after the others. */
static struct db *other_connection(struct store *st)
{
	char msg[512];
	if (!st->path || db_in_transaction(st->conn))
		return NULL;
	if (db_engine(st->conn) == DB_SQLITE &&
	    (!strcmp(st->path, ":memory:") || !strncmp(st->path, "file:", 5)))
		return NULL;
	return db_open(st->path, DB_OPEN_READONLY, 5000, msg, sizeof msg);
}

/* Adds the rows of `from` to `to` (sorted by group, each group once). */
static void add_row(struct stats_row *t, const struct stats_row *r)
{
	t->open += r->open;
	t->overdue += r->overdue;
	t->done += r->done;
	t->wont_do += r->wont_do;
	t->done_with_due += r->done_with_due;
	t->done_on_time += r->done_on_time;
	t->slipped += r->slipped;
	t->unassigned_p01 += r->unassigned_p01;
	t->unscheduled_p01 += r->unscheduled_p01;
	t->done_close_unknown += r->done_close_unknown;
	if (r->oldest_open_p01_days > t->oldest_open_p01_days)
		t->oldest_open_p01_days = r->oldest_open_p01_days;
	if (r->closed_timed) { /* only the done part ranks close times, once per group */
		t->closed_timed = r->closed_timed;
		t->median_days = r->median_days;
		t->p90_days = r->p90_days;
	}
}

/* The groups of every part, sorted by name (strcmp: both engines give the same order), each once; a
 * group with no counted item (none can have slips only; be safe) is left out. Takes the rows. */
static int merge_parts(struct job *jobs, struct stats *s, struct error *err)
{
	size_t n = 0, w = 0;
	memset(s, 0, sizeof *s);
	s->total_closed_timed = jobs[PART_DONE].p.s.total_closed_timed;
	s->total_median_days = jobs[PART_DONE].p.s.total_median_days;
	s->total_p90_days = jobs[PART_DONE].p.s.total_p90_days;
	for (int k = 0; k < PART_COUNT; k++)
		n += jobs[k].p.s.n;
	if (!n)
		return 0;
	if (!(s->rows = malloc(n * sizeof *s->rows)))
		return error_set(err, ERR_IO, "out of memory");
	for (int k = 0; k < PART_COUNT; k++) {
		struct stats *ps = &jobs[k].p.s;
		if (ps->n) /* (a part with no row may have no array: memcpy wants a pointer even for 0 bytes)
			    */
			memcpy(s->rows + w, ps->rows, ps->n * sizeof *s->rows);
		w += ps->n;
		ps->n = 0; /* the group names are s's now */
	}
	qsort(s->rows, n, sizeof *s->rows, by_group);
	w = 0;
	for (size_t i = 0; i < n; i++) {
		struct stats_row *r = &s->rows[i];
		if (w && !strcmp(s->rows[w - 1].group, r->group)) {
			add_row(&s->rows[w - 1], r);
			free(r->group);
			continue;
		}
		s->rows[w++] = *r;
	}
	s->n = w;
	for (size_t i = w = 0; i < s->n; i++) {
		struct stats_row *r = &s->rows[i];
		if (r->open + r->done + r->wont_do == 0) {
			free(r->group);
			continue;
		}
		s->rows[w++] = *r;
	}
	s->n = w;
	return 0;
}

int stats_compute_flags(struct store *st, enum stats_by by, const char *since, int64_t now, int flags,
			struct stats *s, struct error *err)
{
	char today[11];
	int32_t td = time_to_date(now);
	struct job jobs[PART_COUNT];
	int rc = 0, connections = 1;
	date_format(td, today);
	memset(s, 0, sizeof *s);
	s->total_median_days = s->total_p90_days = NAN;
	for (int k = 0; k < PART_COUNT; k++) {
		struct job *j = &jobs[k];
		memset(j, 0, sizeof *j);
		j->what = k;
		j->by = by;
		j->today = today;
		j->since = since;
		j->td = td;
		part_init(&j->p);
		error_init(&j->err);
		if (k == PART_OPEN || (flags & STATS_SEQUENTIAL) || !(j->st.conn = other_connection(st)))
			continue;
		j->st.path = st->path;
		if (pthread_create(&j->thread, NULL, job_thread, j) == 0) {
			j->threaded = true;
			connections++;
		} /* else it runs on st below, and its connection is closed unused */
	}
	for (int k = 0; k < PART_COUNT; k++) {
		struct job *j = &jobs[k];
		if (j->threaded)
			pthread_join(j->thread, NULL);
		else if (rc == 0)
			j->rc = run_job(st, j, &j->err);
		if (rc == 0 && j->rc < 0) {
			*err = j->err; /* the first part's error that failed */
			rc = -1;
		}
	}
	if (rc == 0 && (rc = merge_parts(jobs, s, err)) == 0)
		s->connections = connections;
	for (int k = 0; k < PART_COUNT; k++) {
		db_close(jobs[k].st.conn);
		part_release(&jobs[k].p);
	}
	if (rc < 0)
		stats_release(s);
	return rc;
}

int stats_compute(struct store *st, enum stats_by by, const char *since, int64_t now, struct stats *s,
		  struct error *err)
{
	return stats_compute_flags(st, by, since, now, 0, s, err);
}

int stats_total(struct store *st, const struct stats *groups, const char *since, int64_t now,
		struct stats_row *total, struct error *err)
{
	(void)st;
	(void)since;
	(void)now;
	row_init(total);
	for (size_t i = 0; i < groups->n; i++) {
		struct stats_row r = groups->rows[i];
		r.closed_timed = 0; /* the total's times to close are not the groups' */
		add_row(total, &r);
	}
	total->closed_timed = groups->total_closed_timed;
	total->median_days = groups->total_median_days;
	total->p90_days = groups->total_p90_days;
	if (!(total->group = strdup("all")))
		return error_set(err, ERR_IO, "out of memory");
	return 0;
}

int stats_on_time(struct store *st, int64_t now, long *done_with_due, long *done_on_time, struct error *err)
{
	struct db_stmt *q = NULL;
	int step;
	(void)now;
	*done_with_due = *done_on_time = 0;
	if (store_sql(st, &q, on_time_sql, err) < 0)
		return -1;
	while ((step = db_step(q)) == DB_ROW) {
		*done_with_due = (long)db_column_int64(q, 0);
		*done_on_time = (long)db_column_int64(q, 1);
	}
	db_finalize(q);
	if (step != DB_DONE)
		return store_fail(st, err, "computing the on-time rate");
	return 0;
}
