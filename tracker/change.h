/*
 * change — changing an item in the tracker (status, due date, owners, priority, snooze), with history.
 *
 * This is the one place the tracker's own changes are written; the CLI (`tracker set|done|reopen|snooze`,
 * source "cli") and the HTTP API (source "api") both call it.
 *
 * Use: change_init(), then fill the struct (directly, or from "field=value" words with change_parse()),
 * then change_apply() once per item inside the caller's transaction (store_begin … store_commit): the
 * caller owns the transaction, so several items change together or not at all.
 *
 * What change_apply() writes, for an item whose current values differ from the requested ones:
 *   - the current columns only (status, due, owners + owner, priority, snoozed_until), never the base_*
 *     columns: the import merge compares the document with base_*, so a later re-import keeps the
 *     tracker's value unless the document itself changed that field;
 *   - one event per changed field (source as given, actor as given): kind "changed", field one of
 *     "status", "due", "owners", "priority", "snoozed_until", old and new as text (owners as their JSON
 *     array, priority as its digit, absent as NULL) — the same vocabulary the import writes. A due date
 *     moved later (old and new both set, new > old) is written with kind "slipped" instead of
 *     "changed"; `tracker stats` counts those. The event's note is the change's note (for wont_do:
 *     the reason, then the note);
 *   - updated_at = now and sequence + 1 (once per call, however many fields changed);
 *   - closed_at = now when the status becomes done or wont_do from an open status; NULL when it becomes
 *     open, in_progress or blocked again; unchanged between done and wont_do (an unknown close time —
 *     NULL, an item imported already done — stays unknown).
 * A change that changes nothing writes nothing, except that a note on its own becomes a "note" event
 * (and bumps sequence/updated_at: the history changed).
 *
 * Validation (change_parse, change_check) happens before anything is written; a bad value, an unknown
 * field or wont_do without a reason is an ERR_USAGE error naming the word and the accepted values.
 */
#ifndef TRACKER_CHANGE_H
#define TRACKER_CHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* Which fields a change sets (bit mask in struct change.set). */
enum change_field {
	CHANGE_STATUS = 1 << 0,
	CHANGE_DUE = 1 << 1,
	CHANGE_OWNERS = 1 << 2,
	CHANGE_PRIORITY = 1 << 3,
	CHANGE_SNOOZE = 1 << 4,
};

/* A requested change. Strings are borrowed (the caller keeps them alive until change_apply returns),
 * except `owners_json`, which change_parse() allocates and change_release() frees. */
struct change {
	unsigned set;           /* enum change_field bits */
	int status;             /* enum status, when CHANGE_STATUS */
	char due[11];           /* "YYYY-MM-DD", or "" for no due date, when CHANGE_DUE */
	char *owners_json;      /* JSON array of handles ("[]" = unassigned), when CHANGE_OWNERS */
	int priority;           /* 0..3, or -1 for none, when CHANGE_PRIORITY */
	char snoozed_until[11]; /* "YYYY-MM-DD", or "" to end a snooze, when CHANGE_SNOOZE */
	const char *note;       /* free text recorded on the events, or NULL */
	const char *reason;     /* why (required when the status becomes wont_do), or NULL */
	bool only_if_closed;    /* refuse items that are not done/wont_do (tracker reopen) */
};

void change_init(struct change *ch);
void change_release(struct change *ch);

/* Parses one "field=value" word into ch: status=open|in_progress|blocked|done|wont_do,
 * due=YYYY-MM-DD|none, owner=@h[,@h2…]|none (the first is the owner), priority=P0..P3|none.
 * Returns 0, or -1 with an ERR_USAGE message. */
int change_parse(struct change *ch, const char *word, struct error *err);
/* Setters for the same values, validated the same way. */
int change_set_status(struct change *ch, const char *value, struct error *err);
int change_set_due(struct change *ch, const char *value, struct error *err);
int change_set_owners(struct change *ch, const char *value, struct error *err);
int change_set_priority(struct change *ch, const char *value, struct error *err);
/* `value` a date, or "none" to end a snooze. The date is the last quiet day: reminders resume the day
 * after (the policy is quiet while a recipient's local date is on or before it). */
int change_set_snooze(struct change *ch, const char *value, struct error *err);
/* The same, refusing a date before `today` (ERR_USAGE naming the date and today): a snooze that ended
 * in the past silences nothing. `today` is the caller's idea of the local date (the CLI uses
 * [reminders] timezone). */
int change_set_snooze_from(struct change *ch, const char *value, int32_t today, struct error *err);
/* Checks the whole change (something to change, reason for wont_do, no CR/LF/NUL in texts). */
int change_check(const struct change *ch, struct error *err);

/* Outcome of change_apply, for messages. */
struct change_result {
	bool changed; /* something was written */
	bool slipped; /* the due date moved later */
	int fields;   /* how many fields changed */
};

/* Applies ch to item `item` (row id) inside the caller's transaction. `source` is one of "cli",
 * "api", "scheduler"; `now` Unix seconds. `res` may be NULL. Returns 0 or -1 (err filled; the
 * caller rolls back). */
int change_apply(struct store *st, int64_t item, const struct change *ch, const char *actor,
		 const char *source, int64_t now, struct change_result *res, struct error *err);

#endif
