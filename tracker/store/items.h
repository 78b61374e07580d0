/*
 * items — the action items: reading them (filters, sort orders, the item JSON schema, resolving an
 * item reference "INC-2026-03-14-042#3" or a unique prefix of the incident id with "#KEY") and writing
 * their rows (the importer's insert/update/remove/rekey, a tracker change, write-back's new base).
 *
 * Queries stream: items_query() calls back once per row with a struct item whose strings are
 * borrowed from the engine and valid only during the call, so a million rows cost no allocation.
 * Overdue means: not closed (done, wont_do), not removed from its document, has a due date, and the
 * due date is before `today`
 * (a date-only due date lasts to the end of its day).
 */
#ifndef TRACKER_ITEMS_H
#define TRACKER_ITEMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct item {
	int64_t id;
	const char *incident, *key, *action, *owner, *owners_json, *due, *status, *status_raw;
	const char *created_at, *updated_at, *closed_at, *snoozed_until, *removed_at, *extra;
	int priority; /* -1 if none */
	int sequence;
	int line;
	bool overdue;
	int days_late; /* > 0 when overdue */
};

/*
 * When an item started and when it closed, as SQL over `items i` (the one definition: stats, list
 * --sort age and the feeds use these; docs/metrics.md explains them).
 *
 * ITEM_START_SQL — the date ("YYYY-MM-DD") the item's age counts from: its incident's date when the
 * document gives one, else its due date when that is before the first import, else the date of the
 * first import; never after the first import. A post-mortem imported weeks after the incident (history
 * back-filled) thus has its ages counted from the incident, not from the import.
 *
 * ITEM_CLOSE_KNOWN_SQL — true when closed_at is a real close time. An item that was already done when
 * first imported has none: the importer leaves closed_at NULL. Databases written before this rule hold
 * the import time there (closed_at = created_at and no status change in the history), which this
 * excludes too. Such items count in no on-time rate and no time to close, and items_query() reports
 * their closed_at as NULL (so feeds carry no COMPLETED time and JSON says null).
 */
/*
 * The domain rules over `items i`, each written once (every query that needs one uses the macro):
 *
 * ITEM_OPEN_SQL — an open item: not closed (done, wont_do) and still in its document.
 * ITEM_OVERDUE_SQL(p) — open, with a due date before the date ("YYYY-MM-DD") bound at parameter p
 * (e.g. ITEM_OVERDUE_SQL("?1")): a date-only due date lasts to the end of its day.
 */
#define ITEM_OPEN_SQL "(i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL)"
#define ITEM_OVERDUE_SQL(p) "(" ITEM_OPEN_SQL " AND i.due IS NOT NULL AND i.due < " p ")"

/* ITEM_START_EXPR(d, due, created) — the one definition of the start-date rule, over SQL expressions
 * for the incident's date, the item's due date and its creation time (columns, or an INSERT's
 * parameters); ITEM_START_FROM(d) over `items i` with the incident's date given as d (a joined
 * incidents row's column, or the lookup of ITEM_START_SQL). Portable (a CASE, not SQLite's scalar
 * min()). */
#define ITEM_START_EXPR(d, due, created)                                                                     \
	"(CASE WHEN " d " < substr(" created ", 1, 10) THEN " d " WHEN " d " IS NULL AND " due " < "         \
	"substr(" created ", 1, 10) THEN " due " ELSE substr(" created ", 1, 10) END)"
#define ITEM_START_FROM(d) ITEM_START_EXPR(d, "i.due", "i.created_at")
#define ITEM_START_SQL ITEM_START_FROM("(SELECT date FROM incidents WHERE id = i.incident_id)")
#define ITEM_CLOSE_KNOWN_SQL                                                                                 \
	"(i.closed_at IS NOT NULL AND (i.closed_at <> i.created_at OR EXISTS (SELECT 1 FROM events e "       \
	"WHERE e.item_id = i.id AND e.field = 'status')))"

/*
 * The two rules above, stored in every items row for `tracker stats` (schema 0007, issue 11 §5):
 *   items.start_date = ITEM_START_SQL;
 *   items.close_secs = seconds from the start (its midnight, UTC) to closed_at when
 *                      ITEM_CLOSE_KNOWN_SQL, else NULL (also NULL for a closed_at that is no time).
 * No trigger keeps them: a new item gets its start date in its INSERT (ITEM_START_EXPR over the
 * bound due date and creation time; closed_at, hence close_secs, is NULL then), and
 * stats_refresh_items() (stats.h) recomputes an incident's items from the rules above in one
 * statement; every writer of a column they depend on (items.incident_id, due, created_at, closed_at;
 * incidents.date; status events) calls it before its commit: merge_doc() once per imported document
 * of an incident that already had items, change_apply() once per item change. Migration 0007 fills
 * existing rows.
 * ITEM_CLOSE_KNOWN_COL is ITEM_CLOSE_KNOWN_SQL read from the stored column.
 */
#define ITEM_CLOSE_KNOWN_COL "(i.close_secs IS NOT NULL)"

enum item_sort { SORT_DEFAULT = 0, SORT_DUE, SORT_PRIORITY, SORT_OWNER, SORT_INCIDENT, SORT_AGE };

struct item_filter {
	bool all; /* include closed and removed items */
	bool overdue;
	bool removed; /* only items removed from their document */
	bool unassigned;
	bool unscheduled;    /* no due date */
	unsigned priorities; /* bit p set → priority p; 0 = any */
	unsigned statuses;   /* bit (enum status) set; 0 = default (open ones unless all) */
	const char *incident;
	const char *owners_json; /* JSON array of handles; NULL = any */
	const char *due_before;  /* YYYY-MM-DD, exclusive */
	const char *due_until;   /* YYYY-MM-DD, inclusive */
	enum item_sort sort;
	long limit; /* 0 = no limit */
};

typedef int (*item_cb)(const struct item *it, void *ud);

/* Runs the filter; `today` is the date overdue is measured against. The callback returns 0 to go on. */
int items_query(struct store *st, const struct item_filter *f, int32_t today, item_cb cb, void *ud,
		struct error *err);
/* Reads one item by its row id. */
int items_get(struct store *st, int64_t id, int32_t today, item_cb cb, void *ud, struct error *err);

/* The item as a JSON object (the `list --format json` schema). Caller owns the result. */
json_t *item_to_json(const struct item *it);

/* The row id of exactly "INC-…#KEY" (no prefix): 0 found, 1 no such item, -1 error. The API and
 * signed action links name items exactly. */
int items_find_exact(struct store *st, const char *ref, int64_t *id, struct error *err);

/* Resolves "INC-…#KEY" (a unique incident-id prefix is enough) to an item row id. */
int items_resolve(struct store *st, const char *ref, int64_t *id, struct error *err);

/* Prints an item's history as JSON array (for show) — caller owns. An event recorded from a git commit
 * has a "git" object: source, commit, author, subject (store/sources.h). */
json_t *items_history_json(struct store *st, int64_t id, struct error *err);

/* Open items whose due date was moved later (events of kind changed/slipped on "due" with new > old),
 * most moves first: the dashboard's "Slipping items". Strings borrowed during the call. */
struct item_slip {
	int64_t id;
	const char *incident, *key, *action, *owner, *due, *first_due;
	int priority; /* -1 if none */
	int moves;
};
int items_slipping(struct store *st, long limit, int (*cb)(const struct item_slip *s, void *ud), void *ud,
		   struct error *err);

/*
 * An item's whole stored row: the current values (what the tracker says), the base values (each
 * document field as last imported, for the three-way merge), and the bookkeeping. Strings are borrowed
 * during the callback; absent values are NULL, an absent priority -1.
 */
struct item_row {
	int64_t id;
	const char *key;
	const char *action, *owners, *due, *status; /* owners: JSON array of handles */
	int priority;
	const char *base_action, *base_owners, *base_due, *base_status;
	int base_priority;
	const char *status_raw, *extra, *removed_at;
	int position, line;
};
typedef int (*item_row_cb)(const struct item_row *r, void *ud);

/* Every item of `incident`, removed ones too, in document order (position, then id). The callback
 * returns 0 to go on, > 0 to stop, < 0 to stop with its own error (filled through ud): -1 is returned.
 * (merge, write-back and the Review checklist read an incident this way.) */
int items_of_incident(struct store *st, const char *incident, item_row_cb cb, void *ud, struct error *err);

/* ---- writing item rows (inside the caller's transaction) ---- */

/* A new item from a document: its base values are its current values. Inserting it also records its
 * `created` event (source import, by `actor` at `now`, the action as the new value). */
struct item_insert {
	const char *incident, *key;
	int position, line;
	const char *action, *owners, *owner, *due; /* owner: the first of owners, or NULL */
	int priority;                              /* -1 none */
	const char *status, *status_raw, *extra;
	const char *now;       /* created_at and updated_at */
	const char *closed_at; /* NULL: an item imported already closed was closed at an unknown time */
	const char *actor;     /* who imports (the created event's actor) */
	int64_t origin;        /* the created event's origin (events.h), 0 for none */
};

/* An imported item's new row: the merged current values, the document's values as the new base, and
 * the document row's bookkeeping. removed_at becomes NULL (an item back in its document is restored).
 * `touched` (a current value changed or the item came back) sets updated_at = now and bumps sequence.
 * closed_at becomes `now` when the status becomes done/wont_do from an open status, NULL when it becomes
 * open again, and stays between done and wont_do. */
struct item_update {
	int64_t id;
	int position, line;
	const char *action, *owners, *owner, *due;
	int priority;
	const char *status, *status_raw, *extra;
	const char *base_action, *base_owners, *base_due, *base_status;
	int base_priority;
	bool touched;
	const char *now;
};

/* The importer's statements, prepared once per batch (a batch of ten thousand files does not compile
 * them for every file). */
struct items_batch;
struct items_batch *items_batch_new(struct store *st, struct error *err);
void items_batch_free(struct items_batch *b);
/* items_of_incident() on the batch's prepared statement. */
int items_batch_of_incident(struct items_batch *b, const char *incident, item_row_cb cb, void *ud,
			    struct error *err);
/* Inserts the item with its created event. A deferred write (store_defer(): its error may come from a
 * later call or store_flush()); on PostgreSQL the item waits in the batch for items_batch_send(), which
 * the importer calls once a document's items are all given: one statement for all of them. An insert
 * for another incident, time, actor or origin, and any other write of the batch, send the waiting ones
 * first (the rows and their history in the order they were asked for).
 * items_batch_update() and items_batch_remove() are deferred writes too. */
int items_batch_insert(struct items_batch *b, const struct item_insert *x, struct error *err);
/* Sends the inserts waiting in the batch (PostgreSQL; on SQLite none wait): a deferred write. */
int items_batch_send(struct items_batch *b, struct error *err);
/* Drops the inserts waiting in the batch (the document they belong to is rolled back). */
void items_batch_discard(struct items_batch *b);
int items_batch_update(struct items_batch *b, const struct item_update *x, struct error *err);
/* Flags an item that vanished from its document: removed_at = updated_at = now, sequence + 1. */
int items_batch_remove(struct items_batch *b, int64_t id, const char *now, struct error *err);
/* Moves every item of incident `from` to incident `to` (which must exist): updated_at = now, sequence
 * + 1; calls cb once per moved item with its row id and key (borrowed) until it returns nonzero (all
 * items move regardless). A negative return of cb is returned as -1 (the callback fills its error). */
int items_batch_rekey(struct items_batch *b, const char *from, const char *to, const char *now,
		      int (*cb)(int64_t id, const char *key, void *ud), void *ud, struct error *err);
/* The number of items of `incident` still in its document (not removed). */
int items_batch_count(struct items_batch *b, const char *incident, unsigned *n, struct error *err);

/* A change made in the tracker (change.h has the rules): the current columns, never base_*;
 * updated_at = now and sequence + 1; closed_at as for struct item_update. */
struct item_change {
	int64_t id;
	const char *status, *due, *owners, *owner, *snoozed_until;
	int priority; /* -1 none */
	const char *now;
};
int items_change(struct store *st, const struct item_change *x, struct error *err);

/* Write-back (writeback.h) wrote a field into the document: the document's value becomes the field's
 * base. `value` is the status name, the due date (NULL for none) or the owners JSON array; for the
 * status `status_raw` is the word now written. Sets *id to the item's row id; 1 when the item
 * (incident, key) does not exist. */
enum item_base_field { ITEM_BASE_STATUS, ITEM_BASE_DUE, ITEM_BASE_OWNERS };
int items_set_base(struct store *st, const char *incident, const char *key, enum item_base_field field,
		   const char *value, const char *status_raw, int64_t *id, struct error *err);

#endif
