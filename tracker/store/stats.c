/*
 * stats.c — the metrics of stats.h, from three SQL statements per grouping, combined here.
 *
 * Each grouping has its own literal statements (the group key is part of the text; no value is ever
 * spliced in), the same text on SQLite and PostgreSQL. The per-item rules come from items.h: open and
 * overdue (ITEM_OPEN_SQL, ITEM_OVERDUE_SQL), and the start date and close time as stored by
 * stats_refresh_items() (items.start_date, items.close_secs, schema 0007), so no incident or event is
 * looked up per item. By priority (the default) the counts are grouped by status and priority, the
 * order of the index items_stats, so SQLite reads them from the index without sorting; a group's rows
 * are added up here. By "all" there is no GROUP BY at all. The done items' close times come unsorted
 * and are sorted here, per group and once over all (the total's median and p90), so the total costs
 * no second scan. Groups are sorted here by strcmp, so both engines give the same order.
 * The incident date is looked up with a correlated subquery only where it is needed (grouping by
 * month, --since): SQLite evaluates OR operands lazily, so the common case never touches `incidents`.
 */
#include "stats.h"

#include <math.h>
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

/* KEY: the group name. TAIL: the GROUP BY clause (empty by "all": one row). Parameters: the counts ?1
 * today, ?2 since; the others ?1 since (PostgreSQL must see every parameter it is given). */
#define COUNTS_SQL(KEY, TAIL)                                                                                \
	"SELECT " KEY " AS g, "                                                                              \
	"count(*) FILTER (WHERE " ITEM_OPEN_SQL "), "                                                        \
	"count(*) FILTER (WHERE " ITEM_OVERDUE_SQL(                                                          \
	    "?1") "), "                                                                                      \
		  "count(*) FILTER (WHERE " DONE "), "                                                       \
		  "count(*) FILTER (WHERE i.status = 'wont_do'), "                                           \
		  "count(*) FILTER (WHERE " DONE " AND i.due IS NOT NULL AND " ITEM_CLOSE_KNOWN_COL "), "    \
		  "count(*) FILTER (WHERE " DONE " AND i.due IS NOT NULL AND " ITEM_CLOSE_KNOWN_COL          \
		  " AND substr(i.closed_at, 1, 10) <= i.due), "                                              \
		  "min(CASE WHEN " ITEM_OPEN_SQL " AND " P01 " THEN i.start_date END), "                     \
		  "count(*) FILTER (WHERE " ITEM_OPEN_SQL " AND " P01 " AND i.owner IS NULL), "              \
		  "count(*) FILTER (WHERE " ITEM_OPEN_SQL " AND " P01 " AND i.due IS NULL), "                \
		  "count(*) FILTER (WHERE " DONE " AND NOT " ITEM_CLOSE_KNOWN_COL ") "                       \
		  "FROM items i WHERE " ITEM_FILTER("?2") TAIL
#define CLOSE_TIMES_SQL(KEY)                                                                                 \
	"SELECT " KEY " AS g, i.close_secs, i.start_date FROM items i WHERE " DONE                           \
	" AND " ITEM_CLOSE_KNOWN_COL " AND " ITEM_FILTER("?1")
#define SLIPS_SQL(KEY, TAIL)                                                                                 \
	"SELECT " KEY " AS g, count(*) FROM events e JOIN items i ON i.id = e.item_id "                      \
	"WHERE e.field = 'due' AND e.kind IN ('slipped', 'changed') AND e.old IS NOT NULL "                  \
	"AND e.new IS NOT NULL AND e.new > e.old AND " ITEM_FILTER("?1") TAIL
#define STATEMENTS(KEY)                                                                                      \
	{                                                                                                    \
		COUNTS_SQL(KEY, " GROUP BY g"), CLOSE_TIMES_SQL(KEY), SLIPS_SQL(KEY, " GROUP BY g")          \
	}

#define KEY_PRIORITY "coalesce('P' || i.priority, 'none')"
#define KEY_MONTH                                                                                            \
	"substr(coalesce((SELECT date FROM incidents WHERE id = i.incident_id), i.created_at), 1, 7)"

const char *const stats_sql[STATS_BY_COUNT][STATS_SQL_COUNT] = {
    [STATS_BY_ALL] = {COUNTS_SQL("'all'", ""), CLOSE_TIMES_SQL("'all'"), SLIPS_SQL("'all'", "")},
    /* status, priority: the order of the index items_stats, so no sort (the key follows the priority
     * one to one; the rows of one priority are added up here) */
    [STATS_BY_PRIORITY] = {COUNTS_SQL(KEY_PRIORITY, " GROUP BY i.status, i.priority"),
			   CLOSE_TIMES_SQL(KEY_PRIORITY), SLIPS_SQL(KEY_PRIORITY, " GROUP BY i.priority")},
    [STATS_BY_OWNER] = STATEMENTS("coalesce(i.owner, '(unassigned)')"),
    [STATS_BY_INCIDENT] = STATEMENTS("i.incident_id"),
    [STATS_BY_MONTH] = STATEMENTS(KEY_MONTH),
};

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
		/* the counts take ?1 today and ?2 since, the others ?1 since */
		const char *p1 = i == STATS_SQL_COUNTS ? today : since;
		if (p1)
			rc |= buf_printf(&b, ".parameter set ?1 \"'%s'\"\n", p1);
		else
			rc |= buf_adds(&b, ".parameter set ?1 NULL\n");
		if (i == STATS_SQL_COUNTS && since)
			rc |= buf_printf(&b, ".parameter set ?2 \"'%s'\"\n", since);
		else if (i == STATS_SQL_COUNTS)
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
	if (store_sql(st, s, stats_sql[by][which], err) < 0)
		return -1;
	if (which == STATS_SQL_COUNTS) {
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

/* The index of group g in s (rows sorted by group), or -1. */
static long find(const struct stats *s, const char *g)
{
	size_t lo = 0, hi = s->n;
	if (!g)
		g = "";
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->rows[mid].group, g);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Median and p90 of n ascending values by the nearest-rank method (rank ceil(p·n), 1-based). */
static void ranks(const double *d, size_t n, long *count, double *median, double *p90)
{
	*count = (long)n;
	*median = *p90 = NAN;
	if (!n)
		return;
	*median = d[(n + 1) / 2 - 1];
	*p90 = d[(9 * n + 9) / 10 - 1];
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

struct timed {
	size_t group;
	double days;
};

static int by_group_days(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->days > y->days) - (x->days < y->days);
}

static int by_days(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Reads the done items' close times: each group's median and p90, and the total's. */
static int close_times(struct store *st, struct stats *s, const char *today, const char *since,
		       enum stats_by by, struct error *err)
{
	struct db_stmt *q = NULL;
	struct timed *t = NULL;
	double *all = NULL;
	size_t n = 0, cap = 0;
	int rc = -1, step;
	long last = -1;
	const char *last_g = NULL;
	char *last_copy = NULL;
	if (prepare(st, &q, STATS_SQL_CLOSE_TIMES, today, since, by, err) < 0)
		return -1;
	while ((step = db_step(q)) == DB_ROW) {
		const char *g = db_column_text(q, 0);
		if (!g)
			g = "";
		/* rows of one group mostly come together: look the group up only when it changes */
		if (!last_g || strcmp(last_g, g)) {
			last = find(s, g);
			free(last_copy);
			if (!(last_copy = strdup(g))) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			last_g = last_copy;
		}
		if (last < 0)
			continue; /* a group with no counted item cannot have a close time; be safe */
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			struct timed *nt = realloc(t, cap * sizeof *nt);
			if (!nt) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			t = nt;
		}
		int32_t start;
		if (date_parse(db_column_text(q, 2) ? db_column_text(q, 2) : "", &start) < 0)
			continue; /* never stored without a start date */
		t[n].group = (size_t)last;
		t[n].days = days_between(start, db_column_int64(q, 1));
		n++;
	}
	if (step != DB_DONE) {
		store_fail(st, err, "computing times to close");
		goto out;
	}
	if (n && !(all = malloc(n * sizeof *all))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (n)
		qsort(t, n, sizeof *t, by_group_days);
	for (size_t i = 0; i < n; i++)
		all[i] = t[i].days;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && t[j].group == t[i].group;)
			j++;
		struct stats_row *r = &s->rows[t[i].group];
		ranks(all + i, j - i, &r->closed_timed, &r->median_days, &r->p90_days);
	}
	if (n)
		qsort(all, n, sizeof *all, by_days);
	ranks(all, n, &s->total_closed_timed, &s->total_median_days, &s->total_p90_days);
	rc = 0;
out:
	db_finalize(q);
	free(last_copy);
	free(t);
	free(all);
	return rc;
}

int stats_total(struct store *st, const struct stats *groups, const char *since, int64_t now,
		struct stats_row *total, struct error *err)
{
	(void)st;
	(void)since;
	(void)now;
	memset(total, 0, sizeof *total);
	total->oldest_open_p01_days = -1;
	for (size_t i = 0; i < groups->n; i++) {
		const struct stats_row *r = &groups->rows[i];
		total->open += r->open;
		total->overdue += r->overdue;
		total->done += r->done;
		total->wont_do += r->wont_do;
		total->done_with_due += r->done_with_due;
		total->done_on_time += r->done_on_time;
		total->slipped += r->slipped;
		total->unassigned_p01 += r->unassigned_p01;
		total->unscheduled_p01 += r->unscheduled_p01;
		total->done_close_unknown += r->done_close_unknown;
		if (r->oldest_open_p01_days > total->oldest_open_p01_days)
			total->oldest_open_p01_days = r->oldest_open_p01_days;
	}
	total->closed_timed = groups->total_closed_timed;
	total->median_days = groups->total_median_days;
	total->p90_days = groups->total_p90_days;
	if (!(total->group = strdup("all")))
		return error_set(err, ERR_IO, "out of memory");
	return 0;
}

/* Adds one row of STATS_SQL_COUNTS (columns 1..10) to r. */
static void add_counts(struct db_stmt *q, struct stats_row *r, int32_t td)
{
	r->open += (long)db_column_int64(q, 1);
	r->overdue += (long)db_column_int64(q, 2);
	r->done += (long)db_column_int64(q, 3);
	r->wont_do += (long)db_column_int64(q, 4);
	r->done_with_due += (long)db_column_int64(q, 5);
	r->done_on_time += (long)db_column_int64(q, 6);
	int32_t oldest;
	const char *o = db_column_text(q, 7);
	if (o && date_parse(o, &oldest) == 0) {
		long days = td > oldest ? td - oldest : 0;
		if (days > r->oldest_open_p01_days)
			r->oldest_open_p01_days = days;
	}
	r->unassigned_p01 += (long)db_column_int64(q, 8);
	r->unscheduled_p01 += (long)db_column_int64(q, 9);
	r->done_close_unknown += (long)db_column_int64(q, 10);
}

/* After sorting by group: folds the rows of one group into one. */
static void merge_duplicates(struct stats *s)
{
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct stats_row *r = &s->rows[i], *t = w ? &s->rows[w - 1] : NULL;
		if (t && !strcmp(t->group, r->group)) {
			t->open += r->open;
			t->overdue += r->overdue;
			t->done += r->done;
			t->wont_do += r->wont_do;
			t->done_with_due += r->done_with_due;
			t->done_on_time += r->done_on_time;
			t->unassigned_p01 += r->unassigned_p01;
			t->unscheduled_p01 += r->unscheduled_p01;
			t->done_close_unknown += r->done_close_unknown;
			if (r->oldest_open_p01_days > t->oldest_open_p01_days)
				t->oldest_open_p01_days = r->oldest_open_p01_days;
			free(r->group);
			continue;
		}
		s->rows[w++] = *r;
	}
	s->n = w;
}

int stats_compute(struct store *st, enum stats_by by, const char *since, int64_t now, struct stats *s,
		  struct error *err)
{
	struct db_stmt *q = NULL;
	char today[11];
	int32_t td = time_to_date(now);
	int rc = -1, step;
	size_t cap = 0;
	date_format(td, today);
	memset(s, 0, sizeof *s);
	s->total_median_days = s->total_p90_days = NAN;

	if (prepare(st, &q, STATS_SQL_COUNTS, today, since, by, err) < 0)
		goto out;
	while ((step = db_step(q)) == DB_ROW) {
		/* By "all" (no GROUP BY) the one row comes also when no item counts: then no group, as
		 * with the other groupings. Every counted item is open, done or wont_do. */
		if (db_column_int64(q, 1) + db_column_int64(q, 3) + db_column_int64(q, 4) == 0)
			continue;
		const char *g = db_column_text(q, 0);
		struct stats_row *r = s->n ? &s->rows[s->n - 1] : NULL;
		if (!r || strcmp(r->group, g ? g : "")) {
			if (s->n == cap) {
				cap = cap ? cap * 2 : 16;
				struct stats_row *nr = realloc(s->rows, cap * sizeof *nr);
				if (!nr) {
					error_set(err, ERR_IO, "out of memory");
					goto out;
				}
				s->rows = nr;
			}
			r = &s->rows[s->n];
			memset(r, 0, sizeof *r);
			r->group = strdup(g ? g : "");
			if (!r->group) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			s->n++;
			r->oldest_open_p01_days = -1;
			r->median_days = r->p90_days = NAN;
		}
		add_counts(q, r, td);
	}
	if (step != DB_DONE) {
		store_fail(st, err, "computing stats");
		goto out;
	}
	db_finalize(q);
	q = NULL;
	if (s->n)
		qsort(s->rows, s->n, sizeof *s->rows, by_group);
	merge_duplicates(s);

	if (close_times(st, s, today, since, by, err) < 0)
		goto out;
	if (prepare(st, &q, STATS_SQL_SLIPS, today, since, by, err) < 0)
		goto out;
	while ((step = db_step(q)) == DB_ROW) {
		long k = find(s, db_column_text(q, 0));
		if (k >= 0)
			s->rows[k].slipped += (long)db_column_int64(q, 1);
	}
	if (step != DB_DONE) {
		store_fail(st, err, "counting slips");
		goto out;
	}
	rc = 0;
out:
	db_finalize(q);
	if (rc < 0)
		stats_release(s);
	return rc;
}

int stats_on_time(struct store *st, int64_t now, long *done_with_due, long *done_on_time, struct error *err)
{
	struct db_stmt *q = NULL;
	char today[11];
	struct stats_row r = {.oldest_open_p01_days = -1};
	int step;
	date_format(time_to_date(now), today);
	*done_with_due = *done_on_time = 0;
	if (prepare(st, &q, STATS_SQL_COUNTS, today, NULL, STATS_BY_ALL, err) < 0)
		return -1;
	while ((step = db_step(q)) == DB_ROW)
		add_counts(q, &r, time_to_date(now));
	db_finalize(q);
	if (step != DB_DONE)
		return store_fail(st, err, "computing the on-time rate");
	*done_with_due = r.done_with_due;
	*done_on_time = r.done_on_time;
	return 0;
}
