/*
 * events.c — appending to the history (see events.h).
 */
#include "events.h"

#include "banned.h"

int events_prepare(struct store *st, struct db_stmt **stmt, struct error *err)
{
	return store_sql(
	    st, stmt,
	    "INSERT INTO events (item_id, incident_id, at, actor, source, kind, field, old, new, "
	    "note, origin) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	    err);
}

static void bind_event(struct db_stmt *s, const struct history_event *e)
{
	db_reset(s);
	if (e->item_id)
		db_bind_int64(s, 1, e->item_id);
	else
		db_bind_null(s, 1);
	db_bind_text(s, 2, e->incident);
	db_bind_text(s, 3, e->at);
	db_bind_text(s, 4, e->actor);
	db_bind_text(s, 5, e->source);
	db_bind_text(s, 6, e->kind);
	db_bind_text(s, 7, e->field);
	db_bind_text(s, 8, e->old_value);
	db_bind_text(s, 9, e->new_value);
	db_bind_text(s, 10, e->note);
	if (e->origin)
		db_bind_int64(s, 11, e->origin);
	else
		db_bind_null(s, 11);
}

int events_add(struct store *st, struct db_stmt *s, const struct history_event *e, struct error *err)
{
	bind_event(s, e);
	int rc = store_run(st, s, err, "recording history");
	db_reset(s);
	return rc;
}

int events_add_deferred(struct store *st, struct db_stmt *s, const struct history_event *e, struct error *err)
{
	bind_event(s, e);
	int rc = store_defer(st, s, err, "recording history");
	db_reset(s);
	return rc;
}

void events_finish(struct db_stmt *stmt)
{
	if (stmt)
		db_finalize(stmt);
}
