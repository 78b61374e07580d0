/*
 * reminders — what a reminder pass reads and the durable ledger of what it reminded (table
 * reminders_sent, schema 0002). The policy (scheduler/policy.c) decides; scheduler/plan.c loads its
 * inputs through these functions and records its decisions with reminders_record().
 *
 * The items a pass considers are the OPEN items (ITEM_OPEN_SQL in items.h: not done or wont_do, still in
 * their document). Snoozed items are among them on purpose: the policy itself holds their reminders
 * back until snoozed_until, and a snooze that ends must be seen.
 *
 * reminders_sent holds one row per (item, kind, channel, recipient, local date): the policy's memory of
 * cadence and escalation. A row is written in the same transaction as the outbox row of the digest that
 * carries it (plan_pass holds that transaction), so a pass records and queues a reminder or does neither.
 *
 * Readers stream rows to a callback; the struct's strings are borrowed and valid only during the call.
 * The callback returns 0 to go on, anything else stops the query and is returned.
 */
#ifndef TRACKER_STORE_REMINDERS_H
#define TRACKER_STORE_REMINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* An open item as the reminder policy sees it, with what a digest shows of it and its incident. */
struct reminder_item {
	int64_t id;
	const char *incident, *key, *owner, *status;
	const char *due, *snoozed_until; /* "YYYY-MM-DD", NULL when none */
	int priority;                    /* -1 when none */
	bool removed;
	const char *reporter, *approved_by, *title; /* the incident's */
	const char *action;
	int sequence;
	const char *updated_at; /* "YYYY-MM-DDTHH:MM:SSZ" */
};

/* Opens a READ transaction for a dry run: one consistent view of the database for the whole pass,
 * without the writers' lock (store_begin would block writers and fail on a read-only database). SQLite
 * BEGIN (deferred); PostgreSQL BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY (a snapshot: the default
 * READ COMMITTED would give each statement its own). End it with store_rollback(). */
int reminders_begin_read(struct store *st, struct error *err);

/* Every open item joined with its incident, by item id (ascending). */
int reminders_open_items(struct store *st, int (*cb)(const struct reminder_item *it, void *ud), void *ud,
			 struct error *err);

/* One recorded reminder. */
struct reminder_sent {
	int64_t item_id;
	const char *kind; /* overdue | due_soon | escalation */
	const char *channel, *recipient;
	const char *local_date; /* the recipient's date ("YYYY-MM-DD") when it was planned */
};

/* The latest local_date per (item, kind, channel, recipient) among the rows with local_date >= `since`
 * ("YYYY-MM-DD"); in no particular order. */
int reminders_sent_since(struct store *st, const char *since,
			 int (*cb)(const struct reminder_sent *r, void *ud), void *ud, struct error *err);

/* Records `n` reminders carried by outbox row `outbox_id` (0: none), at `now`, in the caller's
 * transaction. A reminder already recorded for that local date is left as it is (ON CONFLICT DO
 * NOTHING). */
int reminders_record(struct store *st, const struct reminder_sent *v, size_t n, int64_t outbox_id,
		     int64_t now, struct error *err);

#endif
