/*
 * events — the append-only history: one row per change to an item (or to an incident), written by
 * the importer (source "import"), the CLI ("cli"), the API and action links ("api") and the scheduler.
 * The schema refuses UPDATE and DELETE on the table (a trigger on each engine).
 *
 * Writers prepare the statement once (events_prepare) and add rows inside their own transaction
 * (events_add), then release it with events_finish.
 */
#ifndef TRACKER_EVENTS_H
#define TRACKER_EVENTS_H

#include <stdint.h>

#include "error.h"
#include "store.h"

struct history_event {
	int64_t item_id;      /* 0 for an event about the incident itself (a moved document) */
	const char *incident; /* INC-… */
	const char *at;       /* UTC "YYYY-MM-DDTHH:MM:SSZ" */
	const char *actor;
	const char *source; /* import | cli | api | scheduler */
	const char *kind;   /* created | changed | conflict | removed | restored | slipped | note | … */
	const char *field;  /* NULL when the event is not about one field */
	const char *old_value, *new_value, *note;
	int64_t origin; /* event_origins row (sources.h: the commit it was recorded from), 0 for none */
};

/* The prepared INSERT, reused for any number of events (*stmt is NULL after a failure). */
int events_prepare(struct store *st, struct db_stmt **stmt, struct error *err);
int events_add(struct store *st, struct db_stmt *stmt, const struct history_event *e, struct error *err);
/* The same as a deferred write (store_defer): its error may come from a later call or store_flush(). */
int events_add_deferred(struct store *st, struct db_stmt *stmt, const struct history_event *e,
			struct error *err);
/* Finalizes the statement (NULL is fine). */
void events_finish(struct db_stmt *stmt);

#endif
