/*
 * events.c — appending to the history (see events.h).
 */
#include "events.h"

#include "banned.h"

int events_prepare(struct store *st, sqlite3_stmt **stmt, struct error *err)
{
	return store_prepare(
	    st, stmt,
	    "INSERT INTO events (item_id, incident_id, at, actor, source, kind, field, old, new, "
	    "note) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
	    err);
}

int events_add(struct store *st, sqlite3_stmt *s, const struct history_event *e, struct error *err)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (e->item_id)
		sqlite3_bind_int64(s, 1, e->item_id);
	store_bind_text(s, 2, e->incident);
	store_bind_text(s, 3, e->at);
	store_bind_text(s, 4, e->actor);
	store_bind_text(s, 5, e->source);
	store_bind_text(s, 6, e->kind);
	store_bind_text(s, 7, e->field);
	store_bind_text(s, 8, e->old_value);
	store_bind_text(s, 9, e->new_value);
	store_bind_text(s, 10, e->note);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, err, "recording history");
	return 0;
}
