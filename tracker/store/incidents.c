/*
 * incidents.c — incident queries (see incidents.h). One fixed SELECT; every value bound.
 */
#include "incidents.h"

#include <string.h>

#include "banned.h"

#define INCIDENT_SELECT                                                                                      \
	"SELECT n.id, n.title, n.date, n.severity, n.reporter, n.approved_by, n.review_date, n.duration, "   \
	"n.source, (SELECT count(*) FROM items i WHERE i.incident_id = n.id AND i.removed_at IS NULL), "     \
	"(SELECT count(*) FROM items i WHERE i.incident_id = n.id AND i.removed_at IS NULL AND "             \
	"i.status NOT IN ('done','wont_do')), n.status FROM incidents n "

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void row(sqlite3_stmt *s, struct incident_row *r)
{
	r->id = col(s, 0);
	r->title = col(s, 1);
	r->date = col(s, 2);
	r->severity = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
	r->reporter = col(s, 4);
	r->approved_by = col(s, 5);
	r->review_date = col(s, 6);
	r->duration = col(s, 7);
	r->source = col(s, 8);
	r->items = sqlite3_column_int(s, 9);
	r->open_items = sqlite3_column_int(s, 10);
	r->status = col(s, 11);
}

static int run(struct store *st, sqlite3_stmt *s, incident_cb cb, void *ud, int *n, struct error *err)
{
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct incident_row r;
		row(s, &r);
		(*n)++;
		if (cb(&r, ud)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, err, "reading incidents");
}

int incidents_list(struct store *st, long limit, incident_cb cb, void *ud, struct error *err)
{
	sqlite3_stmt *s;
	int n;
	if (store_prepare(st, &s,
			  INCIDENT_SELECT "WHERE n.rekeyed_to IS NULL ORDER BY n.date DESC, n.id LIMIT ?1",
			  err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, limit > 0 ? limit : -1);
	return run(st, s, cb, ud, &n, err);
}

int incidents_get(struct store *st, const char *id, incident_cb cb, void *ud, struct error *err)
{
	sqlite3_stmt *s;
	int n;
	if (store_prepare(st, &s, INCIDENT_SELECT "WHERE n.id = ?1 AND n.rekeyed_to IS NULL", err) < 0)
		return -1;
	store_bind_text(s, 1, id);
	if (run(st, s, cb, ud, &n, err) < 0)
		return -1;
	return n ? 0 : 1;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *incident_to_json(const struct incident_row *r, bool full_path)
{
	json_t *o = json_object();
	const char *src = r->source;
	if (src && !full_path) {
		const char *slash = strrchr(src, '/');
		src = slash ? slash + 1 : src;
	}
	json_object_set_new(o, "id", str_or_null(r->id));
	json_object_set_new(o, "title", str_or_null(r->title));
	json_object_set_new(o, "date", str_or_null(r->date));
	json_object_set_new(o, "severity", r->severity < 0 ? json_null() : json_integer(r->severity));
	json_object_set_new(o, "reporter", str_or_null(r->reporter));
	json_object_set_new(o, "approved_by", str_or_null(r->approved_by));
	json_object_set_new(o, "review_date", str_or_null(r->review_date));
	json_object_set_new(o, "duration", str_or_null(r->duration));
	json_object_set_new(o, "source", str_or_null(src));
	json_object_set_new(o, "items", json_integer(r->items));
	json_object_set_new(o, "open_items", json_integer(r->open_items));
	/* the document's own status line, when it has one (issue 9) */
	if (r->status)
		json_object_set_new(o, "status", json_string(r->status));
	return o;
}
