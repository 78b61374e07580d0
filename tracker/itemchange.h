/*
 * itemchange — a small core function that changes an item's current values with history, for the
 * HTTP API and signed action links (source "api").
 *
 * NOTE for the lead: the `cli` branch has tracker/change.c (change_apply) with the same rules for
 * `tracker set/done/reopen/snooze`; it was not in main when this was written. Once both are merged,
 * replace itemchange_apply() by change_apply() (the callers are scheduler/http_api.c and
 * scheduler/http_act.c) and delete this file.
 *
 * What itemchange_apply() writes, inside the caller's transaction (store_begin … store_commit):
 *   - only the current columns (status, due, owners + owner, snoozed_until), never base_*: the import's
 *     three-way merge compares the document with base_*, so a re-import keeps the tracker's value;
 *   - one event per changed field (kind "changed", or "slipped" for a due date moved later), with the
 *     source and actor given, old/new as text (owners as a JSON array) and the note;
 *   - updated_at = now, sequence + 1 once per call; closed_at = now when the status becomes done or
 *     wont_do from an open status, NULL when it becomes open again.
 * A change that changes nothing writes nothing, except that a note alone becomes a "note" event.
 * wont_do needs a reason (stored as the note, before the note text).
 */
#ifndef TRACKER_ITEMCHANGE_H
#define TRACKER_ITEMCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

enum { ICH_STATUS = 1, ICH_DUE = 2, ICH_OWNERS = 4, ICH_SNOOZE = 8 };

struct item_change {
	unsigned set;            /* ICH_* bits */
	int status;              /* enum status */
	char due[11];            /* "YYYY-MM-DD", or "" for none */
	const char *owners_json; /* JSON array of handles, "[]" for unassigned (borrowed) */
	char snoozed_until[11];  /* "YYYY-MM-DD", or "" to end a snooze */
	const char *note;
	const char *reason; /* required when the status becomes wont_do */
};

/* Applies `ch` to item `item`; `*changed` (may be NULL) tells whether anything was written. */
int itemchange_apply(struct store *st, int64_t item, const struct item_change *ch, const char *actor,
		     const char *source, int64_t now, bool *changed, struct error *err);

#endif
