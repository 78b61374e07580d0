/*
 * stats — "do we keep our post-mortem promises?": counts and rates over the action items, per group.
 *
 * The definitions (docs/metrics.md is the reader's version; keep the two in step):
 *   - items: every item not removed from its document; with `since`, only items whose incident date
 *     (or, if the incident has none, the day the item was first imported) is on or after `since`;
 *   - open: status open, in_progress or blocked; done: status done; wont_do: status wont_do;
 *   - overdue: open with a due date before today (the day of `now`, UTC);
 *   - a close time is known when closed_at is after the first import (ITEM_CLOSE_KNOWN_SQL, items.h):
 *     an item already done when first imported has none (done_close_unknown counts those);
 *   - on-time rate: done_on_time / done_with_due, where done_with_due are done items with a due date
 *     and a known close time, and done_on_time those whose closed_at date (UTC) is on or before the
 *     due date; NaN (JSON null) when there are none;
 *   - time to close: closed_at − the item's start (ITEM_START_SQL, items.h: the incident date, else
 *     an earlier due date, else the first import) in days, over done items with a known close time;
 *     median and p90 by the nearest-rank method (the value at rank ceil(p·n) of the sorted list); NaN
 *     when none;
 *   - slipped: events moving a due date later (field "due", old and new both set, new > old, kind
 *     "slipped" from the tracker or "changed" from a re-import) on the group's items;
 *   - oldest open P0/P1: days from the start (as above) of the oldest open P0 or P1 item to today;
 *     -1 when there is none;
 *   - unassigned / unscheduled P0/P1: open P0 or P1 items with no owner / no due date.
 *
 * Everything is computed in SQL (three statements, stats_sql[]; the benchmark runs them in the sqlite3
 * shell too, as printed by `tracker stats --show-sql`). Rows come back ordered by group name.
 */
#ifndef TRACKER_STATS_H
#define TRACKER_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

enum stats_by {
	STATS_BY_ALL = 0,  /* one group, "all" */
	STATS_BY_PRIORITY, /* "P0".."P3", "none" */
	STATS_BY_OWNER,    /* the owner handle, "(unassigned)" */
	STATS_BY_INCIDENT, /* the incident id */
	STATS_BY_MONTH,    /* "YYYY-MM" of the incident date (else of created_at) */
};

struct stats_row {
	char *group;
	long open, overdue, done, wont_do;
	long done_with_due, done_on_time;
	long closed_timed;            /* how many done items the times to close are computed over */
	double median_days, p90_days; /* NaN when closed_timed == 0 */
	long slipped;
	long oldest_open_p01_days; /* -1 when there is no open P0/P1 */
	long unassigned_p01, unscheduled_p01;
	long done_close_unknown; /* done items with no known close time (left out of rate and times) */
};

struct stats {
	struct stats_row *rows;
	size_t n;
};

/* Parses "owner" etc. into *by; -1 if unknown. */
int stats_by_parse(const char *s, enum stats_by *by);
const char *stats_by_name(enum stats_by by);

/* Computes the rows. `since` is "YYYY-MM-DD" or NULL; `now` Unix seconds. The caller releases s. */
int stats_compute(struct store *st, enum stats_by by, const char *since, int64_t now, struct stats *s,
		  struct error *err);
void stats_release(struct stats *s);
/* The "all" row for the same items as `groups` (computed by stats_compute with any grouping and the
 * same since/now): counts summed from the groups, times to close from one more statement
 * (STATS_SQL_CLOSE_TIMES with ?3 = STATS_BY_ALL). Cheaper than stats_compute(STATS_BY_ALL). */
int stats_total(struct store *st, const struct stats *groups, const char *since, int64_t now,
		struct stats_row *total, struct error *err);
/* The total's done_with_due and done_on_time alone (for /metrics): the same statement, by "all". */
int stats_on_time(struct store *st, int64_t now, long *done_with_due, long *done_on_time, struct error *err);
/* on_time rate of a row (NaN when done_with_due is 0). */
double stats_on_time_rate(const struct stats_row *r);

/* The statements, with parameters ?1 today (YYYY-MM-DD), ?2 since (or NULL), ?3 enum stats_by. */
enum { STATS_SQL_COUNTS, STATS_SQL_CLOSE_TIMES, STATS_SQL_SLIPS, STATS_SQL_COUNT };
extern const char *const stats_sql[STATS_SQL_COUNT];

#endif
