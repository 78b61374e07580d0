/*
 * stats.c — the metrics of stats.h, in three SQL statements merged by group.
 *
 * The group key is one CASE on the bound ?3, so the SQL text stays a literal. The incident date is
 * looked up with a correlated subquery only where it is needed (grouping by month, --since): SQLite
 * evaluates CASE branches and OR operands lazily, so the common case never touches `incidents`.
 * All three statements order by the group key, and the rows are merged in one pass.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "items.h"
#include "tdate.h"
#include "banned.h"

#define GROUP_KEY                                                                                            \
	"CASE ?3 WHEN 0 THEN 'all' "                                                                         \
	"WHEN 1 THEN coalesce('P' || i.priority, 'none') "                                                   \
	"WHEN 2 THEN coalesce(i.owner, '(unassigned)') "                                                     \
	"WHEN 3 THEN i.incident_id "                                                                         \
	"ELSE substr(coalesce((SELECT date FROM incidents WHERE id = i.incident_id), i.created_at), 1, 7) "  \
	"END"

#define ITEM_FILTER                                                                                          \
	"i.removed_at IS NULL AND (?2 IS NULL OR coalesce((SELECT date FROM incidents WHERE id = "           \
	"i.incident_id), substr(i.created_at, 1, 10)) >= ?2)"

#define IS_OPEN "i.status IN ('open','in_progress','blocked')"

const char *const stats_sql[STATS_SQL_COUNT] = {
    [STATS_SQL_COUNTS] = "SELECT " GROUP_KEY " AS g, "
			 "sum(" IS_OPEN "), "
			 "sum(" IS_OPEN " AND i.due < ?1), "
			 "sum(i.status = 'done'), "
			 "sum(i.status = 'wont_do'), "
			 "sum(i.status = 'done' AND i.due IS NOT NULL AND " ITEM_CLOSE_KNOWN_SQL "), "
			 "sum(i.status = 'done' AND i.due IS NOT NULL AND " ITEM_CLOSE_KNOWN_SQL
			 " AND substr(i.closed_at, 1, 10) <= i.due), "
			 "min(CASE WHEN " IS_OPEN " AND i.priority <= 1 THEN " ITEM_START_SQL " END), "
			 "sum(" IS_OPEN " AND i.priority <= 1 AND i.owner IS NULL), "
			 "sum(" IS_OPEN " AND i.priority <= 1 AND i.due IS NULL), "
			 "sum(i.status = 'done' AND NOT " ITEM_CLOSE_KNOWN_SQL ") "
			 "FROM items i WHERE " ITEM_FILTER " GROUP BY g ORDER BY g",
    [STATS_SQL_CLOSE_TIMES] =
	"WITH d AS (SELECT " GROUP_KEY " AS g, julianday(i.closed_at) - julianday(" ITEM_START_SQL
	") AS days FROM items i WHERE i.status = 'done' AND " ITEM_CLOSE_KNOWN_SQL " AND " ITEM_FILTER "), "
	"r AS (SELECT g, days, row_number() OVER (PARTITION BY g ORDER BY days) AS rn, "
	"count(*) OVER (PARTITION BY g) AS n FROM d) "
	"SELECT g, max(n), max(CASE WHEN rn = (n + 1) / 2 THEN days END), "
	"max(CASE WHEN rn = (9 * n + 9) / 10 THEN days END) FROM r GROUP BY g ORDER BY g",
    [STATS_SQL_SLIPS] = "SELECT " GROUP_KEY " AS g, count(*) FROM events e JOIN items i ON i.id = e.item_id "
			"WHERE e.field = 'due' AND e.kind IN ('slipped', 'changed') AND e.old IS NOT NULL "
			"AND e.new IS NOT NULL AND e.new > e.old AND " ITEM_FILTER " GROUP BY g ORDER BY g",
};

static const char *const by_names[] = {"all", "priority", "owner", "incident", "month"};

int stats_by_parse(const char *s, enum stats_by *by)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, by_names[i])) {
			*by = (enum stats_by)i;
			return 0;
		}
	return -1;
}

const char *stats_by_name(enum stats_by by)
{
	return (unsigned)by < 5 ? by_names[by] : "all";
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

static int prepare(struct store *st, sqlite3_stmt **s, int which, const char *today, const char *since,
		   enum stats_by by, struct error *err)
{
	if (store_prepare(st, s, stats_sql[which], err) < 0)
		return -1;
	store_bind_text(*s, 1, today);
	store_bind_text(*s, 2, since);
	sqlite3_bind_int(*s, 3, (int)by);
	return 0;
}

/* Finds the row for group g, starting at *pos (rows and g both ascend). */
static struct stats_row *find(struct stats *s, size_t *pos, const char *g)
{
	while (*pos < s->n && strcmp(s->rows[*pos].group, g) < 0)
		(*pos)++;
	return *pos < s->n && !strcmp(s->rows[*pos].group, g) ? &s->rows[*pos] : NULL;
}

static int close_times(struct store *st, struct stats *s, const char *today, const char *since,
		       enum stats_by by, struct error *err)
{
	sqlite3_stmt *q = NULL;
	size_t pos = 0;
	int step;
	if (prepare(st, &q, STATS_SQL_CLOSE_TIMES, today, since, by, err) < 0)
		return -1;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct stats_row *r = find(s, &pos, (const char *)sqlite3_column_text(q, 0));
		if (!r)
			continue;
		r->closed_timed = sqlite3_column_int64(q, 1);
		r->median_days = sqlite3_column_double(q, 2);
		r->p90_days = sqlite3_column_double(q, 3);
	}
	sqlite3_finalize(q);
	return step == SQLITE_DONE ? 0 : store_error(st, err, "computing times to close");
}

int stats_total(struct store *st, const struct stats *groups, const char *since, int64_t now,
		struct stats_row *total, struct error *err)
{
	char today[11];
	memset(total, 0, sizeof *total);
	total->median_days = total->p90_days = NAN;
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
	if (!(total->group = strdup("all")))
		return error_set(err, ERR_IO, "out of memory");
	struct stats one = {.rows = total, .n = 1};
	date_format(time_to_date(now), today);
	if (close_times(st, &one, today, since, STATS_BY_ALL, err) < 0) {
		free(total->group);
		total->group = NULL;
		return -1;
	}
	return 0;
}

int stats_compute(struct store *st, enum stats_by by, const char *since, int64_t now, struct stats *s,
		  struct error *err)
{
	sqlite3_stmt *q = NULL;
	char today[11];
	int32_t td = time_to_date(now);
	int rc = -1, step;
	size_t cap = 0, pos;
	date_format(td, today);
	memset(s, 0, sizeof *s);

	if (prepare(st, &q, STATS_SQL_COUNTS, today, since, by, err) < 0)
		goto out;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (s->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct stats_row *nr = realloc(s->rows, cap * sizeof *nr);
			if (!nr) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			s->rows = nr;
		}
		struct stats_row *r = &s->rows[s->n];
		memset(r, 0, sizeof *r);
		r->group = store_col_strdup(q, 0);
		if (!r->group) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		s->n++;
		r->open = sqlite3_column_int64(q, 1);
		r->overdue = sqlite3_column_int64(q, 2);
		r->done = sqlite3_column_int64(q, 3);
		r->wont_do = sqlite3_column_int64(q, 4);
		r->done_with_due = sqlite3_column_int64(q, 5);
		r->done_on_time = sqlite3_column_int64(q, 6);
		int32_t oldest;
		const char *o = (const char *)sqlite3_column_text(q, 7);
		r->oldest_open_p01_days =
		    o && date_parse(o, &oldest) == 0 ? (td > oldest ? td - oldest : 0) : -1;
		r->unassigned_p01 = sqlite3_column_int64(q, 8);
		r->unscheduled_p01 = sqlite3_column_int64(q, 9);
		r->done_close_unknown = sqlite3_column_int64(q, 10);
		r->median_days = r->p90_days = NAN;
	}
	if (step != SQLITE_DONE) {
		store_error(st, err, "computing stats");
		goto out;
	}
	sqlite3_finalize(q);
	q = NULL;

	if (close_times(st, s, today, since, by, err) < 0)
		goto out;
	if (prepare(st, &q, STATS_SQL_SLIPS, today, since, by, err) < 0)
		goto out;
	pos = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct stats_row *r = find(s, &pos, (const char *)sqlite3_column_text(q, 0));
		if (r)
			r->slipped = sqlite3_column_int64(q, 1);
	}
	if (step != SQLITE_DONE) {
		store_error(st, err, "counting slips");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	if (rc < 0)
		stats_release(s);
	return rc;
}

int stats_on_time(struct store *st, int64_t now, long *done_with_due, long *done_on_time, struct error *err)
{
	sqlite3_stmt *q = NULL;
	char today[11];
	date_format(time_to_date(now), today);
	*done_with_due = *done_on_time = 0;
	if (prepare(st, &q, STATS_SQL_COUNTS, today, NULL, STATS_BY_ALL, err) < 0)
		return -1;
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*done_with_due = sqlite3_column_int64(q, 5);
		*done_on_time = sqlite3_column_int64(q, 6);
		step = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	return step == SQLITE_DONE ? 0 : store_error(st, err, "computing the on-time rate");
}
