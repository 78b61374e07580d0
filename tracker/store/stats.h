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
 * Counted in SQL, four portable statements per grouping (stats_sql[by][]; the benchmark runs them in
 * the sqlite3 shell too, as printed by `tracker stats --show-sql`): the open items' counts per group
 * (or per group and status/priority, in the order of the index items_stats; rows of one group are
 * added up here), one row per done item (counted here, and its time to close: the medians and p90s
 * are read at their ranks here, per group and over all), the won't-do items per group, the slips per
 * group. The done items and the slips are read on connections of their own beside the rest when
 * there can be such (stats_compute_flags). Rows come back ordered by group name (byte order, strcmp).
 * The start date and time to close are read from items.start_date and items.close_secs (schema 0007),
 * which stats_refresh_items() keeps from the rules of items.h.
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
	/* the times to close over all the groups' items (stats_compute; stats_total copies them) */
	long total_closed_timed;
	double total_median_days, total_p90_days;
	int connections; /* how many database connections computed it (1, or up to 3 side by side) */
};

/* Parses "owner" etc. into *by; -1 if unknown. */
int stats_by_parse(const char *s, enum stats_by *by);
const char *stats_by_name(enum stats_by by);

/* Computes the rows. `since` is "YYYY-MM-DD" or NULL; `now` Unix seconds. The caller releases s. */
int stats_compute(struct store *st, enum stats_by by, const char *since, int64_t now, struct stats *s,
		  struct error *err);
/* The same; with STATS_SEQUENTIAL every statement runs on st's connection, one after the other. By
 * default the done items and the slips are each read on another read-only connection in a thread of
 * its own, beside the rest on st's, when there can be one: not for an in-memory SQLite database, nor
 * inside a transaction, nor when it cannot be opened (that part then runs on st's). s->connections
 * says how many connections did the work (1 to 3). */
enum { STATS_SEQUENTIAL = 1 };
int stats_compute_flags(struct store *st, enum stats_by by, const char *since, int64_t now, int flags,
			struct stats *s, struct error *err);
void stats_release(struct stats *s);
/* The "all" row for the same items as `groups` (computed by stats_compute with any grouping and the
 * same since/now): counts summed from the groups, times to close from those stats_compute read (no
 * further statement). st, since and now are not used (kept for the callers). */
int stats_total(struct store *st, const struct stats *groups, const char *since, int64_t now,
		struct stats_row *total, struct error *err);
/* The total's done_with_due and done_on_time alone (for /metrics): one aggregate over the done items
 * (the rules of the DONE statement's last column; now is not used). */
int stats_on_time(struct store *st, int64_t now, long *done_with_due, long *done_on_time, struct error *err);
/* on_time rate of a row (NaN when done_with_due is 0). */
double stats_on_time_rate(const struct stats_row *r);

/*
 * Recomputes items.start_date and items.close_secs (items.h) of every item of incident `incident_id`
 * from the rules, in one set-based UPDATE. Call it inside the write transaction, after the writes of
 * an imported document (merge_doc) or of an item change (change_apply), before the commit. Cheap: an
 * incident has a handful of items.
 */
int stats_refresh_items(struct store *st, const char *incident_id, struct error *err);
/* The same with the statement prepared once, for a caller that refreshes many incidents (the import:
 * a prepare costs as much as the update). stats_refresh_new() returns NULL with err filled. */
struct stats_refresh;
struct stats_refresh *stats_refresh_new(struct store *st, struct error *err);
/* A deferred write (store_defer): its error may come from a later call or store_flush(). */
int stats_refresh_run(struct stats_refresh *r, const char *incident_id, struct error *err);
void stats_refresh_free(struct stats_refresh *r);

/* The statements per grouping, the same text on both engines. Parameters: OPEN ?1 today (YYYY-MM-DD)
 * and ?2 since (YYYY-MM-DD or NULL); the others ?1 since. OPEN: (group, open, overdue, oldest P0/P1
 * start date, unassigned P0/P1, unscheduled P0/P1), one or more rows per group (added up); DONE:
 * (group, close_secs or NULL, start_date, 2 on time / 1 late / 0 not in the on-time rate) per done item,
 * in no particular order; WONT_DO and SLIPS: (group, count). */
/* `tracker stats --show-sql`: the statements stats_compute(by, since, now) runs, with their
 * parameters, as a sqlite3 shell script (".parameter set" lines, then each statement and ";"), for the
 * benchmark to time the same SQL in the shell. NULL when out of memory; the caller frees. */
char *stats_shell_script(enum stats_by by, const char *since, int64_t now);

enum { STATS_SQL_OPEN, STATS_SQL_DONE, STATS_SQL_WONT_DO, STATS_SQL_SLIPS, STATS_SQL_COUNT };
#define STATS_BY_COUNT 5
extern const char *const stats_sql[STATS_BY_COUNT][STATS_SQL_COUNT];

#endif
