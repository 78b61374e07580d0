/*
 * metrics — the database figures of GET /metrics: open and overdue items by priority, the oldest
 * overdue due date, and the outbox by state and channel. "Open" and "overdue" are items.h's rules
 * (ITEM_OPEN_SQL, ITEM_OVERDUE_SQL); the on-time ratio is stats_on_time() (stats.h).
 */
#ifndef TRACKER_METRICS_H
#define TRACKER_METRICS_H

#include <stdint.h>

#include "error.h"
#include "store.h"

struct metrics_items {
	int64_t open[5], overdue[5]; /* by priority P0..P3; [4] items without a priority */
	char oldest_overdue[11];     /* the earliest due date of an overdue item, "" when none is */
};

/* Counts open and overdue items; `today` ("YYYY-MM-DD") is the date overdue is measured against. */
int metrics_items(struct store *st, const char *today, struct metrics_items *out, struct error *err);

struct metrics_outbox {
	int64_t pending, sending, dead;
};
int metrics_outbox(struct store *st, struct metrics_outbox *out, struct error *err);

/* Per channel, by name: how many notifications were sent and how many given up on (dead). The
 * callback returns 0 to go on; `channel` is valid during the call. */
int metrics_outbox_channels(struct store *st,
			    int (*cb)(const char *channel, int64_t sent, int64_t dead, void *ud), void *ud,
			    struct error *err);

/* The outbox's leases: per lease holder (lease_owner, by name), how many rows it holds in state
 * 'sending' and how many of those leases ran out at `now` ("YYYY-MM-DDTHH:MM:SSZ"): a holder whose
 * leases all expired has stopped (another instance takes its rows over). The callback returns 0 to go
 * on; `holder` is valid during the call. */
int metrics_outbox_leases(struct store *st, const char *now,
			  int (*cb)(const char *holder, int64_t held, int64_t expired, void *ud), void *ud,
			  struct error *err);

#endif
