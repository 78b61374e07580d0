/*
 * itemchange.c — changing an item's current values with history (see itemchange.h).
 */
#include "itemchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "model.h"
#include "tdate.h"
#include "banned.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int event(struct store *st, int64_t item, const char *inc, const char *at, const char *actor,
		 const char *source, const char *kind, const char *field, const char *old, const char *nw,
		 const char *note, struct error *err)
{
	sqlite3_stmt *s;
	if (store_prepare(
		st, &s,
		"INSERT INTO events (item_id, incident_id, at, actor, source, kind, field, old, new, "
		"note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, item);
	store_bind_text(s, 2, inc);
	store_bind_text(s, 3, at);
	store_bind_text(s, 4, actor);
	store_bind_text(s, 5, source);
	store_bind_text(s, 6, kind);
	store_bind_text(s, 7, field);
	store_bind_text(s, 8, old);
	store_bind_text(s, 9, nw);
	store_bind_text(s, 10, note);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, err, "recording history");
}

/* The first handle of a JSON array, malloc'd, or NULL. */
static char *first_owner(const char *owners_json)
{
	json_t *a = json_loads(owners_json, 0, NULL);
	const char *s = json_string_value(json_array_get(a, 0));
	char *r = s ? strdup(s) : NULL;
	json_decref(a);
	return r;
}

int itemchange_apply(struct store *st, int64_t item, const struct item_change *ch, const char *actor,
		     const char *source, int64_t now, bool *changed, struct error *err)
{
	sqlite3_stmt *s = NULL;
	char at[21];
	char *inc = NULL, *status = NULL, *due = NULL, *owners = NULL, *snooze = NULL, *closed = NULL;
	char *new_owner = NULL;
	struct buf note;
	int rc = -1, nchanged = 0;
	buf_init(&note, 16384);
	if (changed)
		*changed = false;
	time_format(now, at);
	if ((ch->set & ICH_STATUS) && ch->status == STATUS_WONT_DO && (!ch->reason || !*ch->reason))
		return error_set(err, ERR_USAGE, "wont_do needs a reason");
	if (ch->reason && *ch->reason)
		buf_adds(&note, ch->reason);
	if (ch->note && *ch->note) {
		if (note.len)
			buf_adds(&note, "; ");
		buf_adds(&note, ch->note);
	}
	const char *notes = note.len ? buf_cstr(&note) : NULL;
	if (store_prepare(st, &s,
			  "SELECT incident_id, status, due, owners, snoozed_until, closed_at FROM items "
			  "WHERE id = ?1",
			  err) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, item);
	if (sqlite3_step(s) != SQLITE_ROW) {
		error_set(err, ERR_DATA, "no item with row id %lld", (long long)item);
		goto out;
	}
	inc = store_col_strdup(s, 0);
	status = store_col_strdup(s, 1);
	due = store_col_strdup(s, 2);
	owners = store_col_strdup(s, 3);
	snooze = store_col_strdup(s, 4);
	closed = store_col_strdup(s, 5);
	sqlite3_finalize(s);
	s = NULL;

	const char *n_status = status, *n_due = due, *n_owners = owners, *n_snooze = snooze;
	const char *n_closed = closed;
	if (ch->set & ICH_STATUS) {
		n_status = status_name((enum status)ch->status);
		if (!same(n_status, status)) {
			bool was = status_is_closed((enum status)status_from_name(status));
			bool will = status_is_closed((enum status)ch->status);
			if (will && !was)
				n_closed = at;
			else if (!will)
				n_closed = NULL;
			if (event(st, item, inc, at, actor, source, "changed", "status", status, n_status,
				  notes, err) < 0)
				goto out;
			nchanged++;
		}
	}
	if (ch->set & ICH_DUE) {
		n_due = ch->due[0] ? ch->due : NULL;
		if (!same(n_due, due)) {
			bool slipped = due && n_due && strcmp(n_due, due) > 0;
			if (event(st, item, inc, at, actor, source, slipped ? "slipped" : "changed", "due",
				  due, n_due, notes, err) < 0)
				goto out;
			nchanged++;
		}
	}
	if (ch->set & ICH_OWNERS) {
		n_owners = ch->owners_json;
		if (!same(n_owners, owners)) {
			if (event(st, item, inc, at, actor, source, "changed", "owners", owners, n_owners,
				  notes, err) < 0)
				goto out;
			nchanged++;
		}
	}
	if (ch->set & ICH_SNOOZE) {
		n_snooze = ch->snoozed_until[0] ? ch->snoozed_until : NULL;
		if (!same(n_snooze, snooze)) {
			if (event(st, item, inc, at, actor, source, "changed", "snoozed_until", snooze,
				  n_snooze, notes, err) < 0)
				goto out;
			nchanged++;
		}
	}
	if (nchanged == 0 && notes) {
		if (event(st, item, inc, at, actor, source, "note", NULL, NULL, NULL, notes, err) < 0)
			goto out;
	} else if (nchanged == 0) {
		rc = 0;
		goto out;
	}
	new_owner = first_owner(n_owners);
	if (store_prepare(
		st, &s,
		"UPDATE items SET status = ?2, due = ?3, owners = ?4, owner = ?5, snoozed_until = ?6, "
		"closed_at = ?7, updated_at = ?8, sequence = sequence + 1 WHERE id = ?1",
		err) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, item);
	store_bind_text(s, 2, n_status);
	store_bind_text(s, 3, n_due);
	store_bind_text(s, 4, n_owners);
	store_bind_text(s, 5, new_owner);
	store_bind_text(s, 6, n_snooze);
	store_bind_text(s, 7, n_closed);
	store_bind_text(s, 8, at);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(st, err, "updating the item");
		goto out;
	}
	if (changed)
		*changed = true;
	rc = 0;
out:
	sqlite3_finalize(s);
	free(inc);
	free(status);
	free(due);
	free(owners);
	free(snooze);
	free(closed);
	free(new_owner);
	buf_release(&note);
	return rc;
}
