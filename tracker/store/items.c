/*
 * items.c — item queries. The SQL is fixed text; every filter value is bound, and a filter that is
 * not set binds NULL/0 so its clause is true. Sort orders are whole literal ORDER BY clauses.
 */
#include "items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tdate.h"
#include "banned.h"

#define SELECT_COLS                                                                                          \
	"SELECT i.id, i.incident_id, i.key, i.action, i.owner, i.owners, i.due, i.priority, i.status, "      \
	"i.status_raw, i.created_at, i.updated_at, CASE WHEN " ITEM_CLOSE_KNOWN_SQL                          \
	" THEN i.closed_at END, "                                                                            \
	"i.snoozed_until, i.removed_at, i.extra, i.sequence, i.line FROM items i "

#define OVERDUE_EXPR                                                                                         \
	"(i.due IS NOT NULL AND i.due < ?1 AND i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL)"

static const char where_sql[] =
    "WHERE (?2 OR ?10 OR (i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL) OR ?9 != 0) "
    "AND (?9 = 0 OR ((?9 >> (CASE i.status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 "
    "WHEN 'blocked' THEN 2 WHEN 'done' THEN 3 ELSE 4 END)) & 1)) "
    "AND (?9 = 0 OR ?2 OR ?10 OR i.removed_at IS NULL) "
    "AND (NOT ?3 OR " OVERDUE_EXPR ") "
    "AND (NOT ?10 OR i.removed_at IS NOT NULL) "
    "AND (NOT ?4 OR i.owner IS NULL) "
    "AND (NOT ?5 OR i.due IS NULL) "
    "AND (?6 = 0 OR (i.priority IS NOT NULL AND ((?6 >> i.priority) & 1))) "
    "AND (?7 IS NULL OR i.incident_id = ?7) "
    "AND (?8 IS NULL OR EXISTS (SELECT 1 FROM json_each(i.owners) o WHERE o.value IN "
    "(SELECT value FROM json_each(?8)))) "
    "AND (?11 IS NULL OR (i.due IS NOT NULL AND i.due < ?11)) "
    "AND (?12 IS NULL OR (i.due IS NOT NULL AND i.due <= ?12)) ";

static const char *const order_sql[] = {
    [SORT_DEFAULT] =
	"ORDER BY " OVERDUE_EXPR " DESC, coalesce(i.priority, 9), coalesce(i.due, '9999-99-99'), "
	"i.incident_id, i.position ",
    [SORT_DUE] =
	"ORDER BY coalesce(i.due, '9999-99-99'), coalesce(i.priority, 9), i.incident_id, i.position ",
    [SORT_PRIORITY] = "ORDER BY coalesce(i.priority, 9), coalesce(i.due, '9999-99-99'), i.incident_id, "
		      "i.position ",
    [SORT_OWNER] =
	"ORDER BY i.owner IS NULL, i.owner, coalesce(i.priority, 9), coalesce(i.due, '9999-99-99'), "
	"i.incident_id, i.position ",
    [SORT_INCIDENT] = "ORDER BY i.incident_id, i.position ",
    [SORT_AGE] = "ORDER BY " ITEM_START_SQL ", i.created_at, i.incident_id, i.position ",
};

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void row_to_item(sqlite3_stmt *s, int32_t today, struct item *it)
{
	it->id = sqlite3_column_int64(s, 0);
	it->incident = col(s, 1);
	it->key = col(s, 2);
	it->action = col(s, 3);
	it->owner = col(s, 4);
	it->owners_json = col(s, 5);
	it->due = col(s, 6);
	it->priority = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 7);
	it->status = col(s, 8);
	it->status_raw = col(s, 9);
	it->created_at = col(s, 10);
	it->updated_at = col(s, 11);
	it->closed_at = col(s, 12);
	it->snoozed_until = col(s, 13);
	it->removed_at = col(s, 14);
	it->extra = col(s, 15);
	it->sequence = sqlite3_column_int(s, 16);
	it->line = sqlite3_column_int(s, 17);
	it->overdue = false;
	it->days_late = 0;
	int32_t due;
	bool closed = !strcmp(it->status, "done") || !strcmp(it->status, "wont_do");
	if (it->due && !closed && !it->removed_at && date_parse(it->due, &due) == 0 && due < today) {
		it->overdue = true;
		it->days_late = today - due;
	}
}

static int run(struct store *st, sqlite3_stmt *s, int32_t today, item_cb cb, void *ud, struct error *err)
{
	int rc;
	struct item it;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_to_item(s, today, &it);
		if (cb(&it, ud) != 0)
			return 1;
	}
	if (rc != SQLITE_DONE)
		return store_error(st, err, "reading items");
	return 0;
}

int items_query(struct store *st, const struct item_filter *f, int32_t today, item_cb cb, void *ud,
		struct error *err)
{
	struct buf q;
	sqlite3_stmt *s = NULL;
	char todays[11];
	int rc = -1;
	buf_init(&q, 8192);
	if (buf_adds(&q, SELECT_COLS) < 0 || buf_adds(&q, where_sql) < 0 ||
	    buf_adds(&q, order_sql[f->sort <= SORT_AGE ? f->sort : SORT_DEFAULT]) < 0 ||
	    buf_adds(&q, "LIMIT ?13") < 0) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (store_prepare(st, &s, buf_cstr(&q), err) < 0)
		goto out;
	date_format(today, todays);
	store_bind_text(s, 1, todays);
	sqlite3_bind_int(s, 2, f->all);
	sqlite3_bind_int(s, 3, f->overdue);
	sqlite3_bind_int(s, 4, f->unassigned);
	sqlite3_bind_int(s, 5, f->unscheduled);
	sqlite3_bind_int(s, 6, (int)f->priorities);
	store_bind_text(s, 7, f->incident);
	store_bind_text(s, 8, f->owners_json);
	sqlite3_bind_int(s, 9, (int)f->statuses);
	sqlite3_bind_int(s, 10, f->removed);
	store_bind_text(s, 11, f->due_before);
	store_bind_text(s, 12, f->due_until);
	sqlite3_bind_int64(s, 13, f->limit > 0 ? f->limit : -1);
	rc = run(st, s, today, cb, ud, err);
out:
	sqlite3_finalize(s);
	buf_release(&q);
	return rc < 0 ? -1 : 0;
}

int items_get(struct store *st, int64_t id, int32_t today, item_cb cb, void *ud, struct error *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, &s, SELECT_COLS "WHERE i.id = ?1", err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	int rc = run(st, s, today, cb, ud, err);
	sqlite3_finalize(s);
	return rc < 0 ? -1 : 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *item_to_json(const struct item *it)
{
	json_t *o = json_object();
	char id[512];
	snprintf(id, sizeof id, "%s#%s", it->incident, it->key);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "incident", json_string(it->incident));
	json_object_set_new(o, "key", json_string(it->key));
	json_object_set_new(o, "action", json_string(it->action));
	json_object_set_new(o, "owner", str_or_null(it->owner));
	json_t *owners = it->owners_json ? json_loads(it->owners_json, 0, NULL) : NULL;
	json_object_set_new(o, "owners", owners ? owners : json_array());
	json_object_set_new(o, "due", str_or_null(it->due));
	json_object_set_new(o, "priority", it->priority >= 0 ? json_integer(it->priority) : json_null());
	json_object_set_new(o, "status", json_string(it->status));
	json_object_set_new(o, "overdue", json_boolean(it->overdue));
	json_object_set_new(o, "removed", json_boolean(it->removed_at != NULL));
	json_object_set_new(o, "created_at", json_string(it->created_at));
	json_object_set_new(o, "updated_at", json_string(it->updated_at));
	json_object_set_new(o, "closed_at", str_or_null(it->closed_at));
	json_object_set_new(o, "snoozed_until", str_or_null(it->snoozed_until));
	json_object_set_new(o, "status_text", str_or_null(it->status_raw));
	json_t *extra = it->extra ? json_loads(it->extra, 0, NULL) : NULL;
	/* a list item's issue/PR links (issue 9) are kept in extra and shown as "links" */
	json_t *links = extra ? json_object_get(extra, "links") : NULL;
	if (json_is_array(links)) {
		json_object_set(o, "links", links);
		json_object_del(extra, "links");
	}
	json_object_set_new(o, "extra", extra ? extra : json_object());
	json_object_set_new(o, "sequence", json_integer(it->sequence));
	return o;
}

/* The id an incident's document took when it changed its id (issue 9), following the chain. */
static bool rekeyed_to(struct store *st, const char *inc, char *out, size_t outsz)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT rekeyed_to FROM incidents WHERE id = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return false;
	snprintf(out, outsz, "%s", inc);
	bool found = false;
	for (int hops = 0; hops < 16; hops++) {
		sqlite3_reset(s);
		store_bind_text(s, 1, out);
		if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL)
			break;
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(s, 0));
		found = true;
	}
	sqlite3_finalize(s);
	return found;
}

int items_find_exact(struct store *st, const char *ref, int64_t *id, struct error *err)
{
	const char *hash = strrchr(ref, '#');
	if (!hash || hash == ref || !hash[1])
		return 1;
	sqlite3_stmt *s;
	if (store_prepare(st, &s, "SELECT id FROM items WHERE incident_id = ?1 AND key = ?2", err) < 0)
		return -1;
	sqlite3_bind_text(s, 1, ref, (int)(hash - ref), SQLITE_TRANSIENT);
	store_bind_text(s, 2, hash + 1);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : store_error(st, err, "looking up an item");
}

int items_resolve(struct store *st, const char *ref, int64_t *id, struct error *err)
{
	const char *hash = strrchr(ref, '#');
	if (!hash || hash == ref || !hash[1])
		return error_set(err, ERR_USAGE,
				 "\"%s\" is not an item: write INC-…#KEY, e.g. INC-2026-03-14-042#3", ref);
	size_t plen = (size_t)(hash - ref);
	char *prefix = strndup(ref, plen);
	if (!prefix)
		return error_set(err, ERR_IO, "out of memory");
	sqlite3_stmt *s;
	int rc = -1;
	if (store_prepare(st, &s,
			  "SELECT i.id, i.incident_id FROM items i WHERE i.key = ?2 AND "
			  "(i.incident_id = ?1 OR substr(i.incident_id, 1, length(?1)) = ?1) "
			  "ORDER BY i.incident_id = ?1 DESC LIMIT 3",
			  err) < 0) {
		free(prefix);
		return -1;
	}
	store_bind_text(s, 1, prefix);
	store_bind_text(s, 2, hash + 1);
	int n = 0, exact = 0;
	char first[256] = "", second[256] = "";
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *inc = col(s, 1);
		if (n == 0) {
			*id = sqlite3_column_int64(s, 0);
			snprintf(first, sizeof first, "%s", inc);
			exact = !strcmp(inc, prefix);
		} else if (n == 1) {
			snprintf(second, sizeof second, "%s", inc);
		}
		n++;
	}
	sqlite3_finalize(s);
	char now_id[256] = "";
	if (n == 0 && rekeyed_to(st, prefix, now_id, sizeof now_id))
		error_set(err, ERR_DATA,
			  "no item %s: the document of incident %s now has the id %s; its items moved "
			  "there (try %s#%s)",
			  ref, prefix, now_id, now_id, hash + 1);
	else if (n == 0)
		error_set(err, ERR_DATA, "no item %s (see tracker list --all)", ref);
	else if (n > 1 && !exact)
		error_set(err, ERR_DATA, "\"%s\" is ambiguous: %s#%s, %s#%s%s; give more of the incident id",
			  ref, first, hash + 1, second, hash + 1, n > 2 ? ", …" : "");
	else
		rc = 0;
	free(prefix);
	return rc;
}

json_t *items_history_json(struct store *st, int64_t id, struct error *err)
{
	sqlite3_stmt *s;
	if (store_prepare(
		st, &s,
		"SELECT at, actor, source, kind, field, old, new, note FROM events WHERE item_id = ?1 "
		"ORDER BY id",
		err) < 0)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	json_t *a = json_array();
	static const char *const names[] = {"at", "actor", "source", "kind", "field", "old", "new", "note"};
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; i < 8; i++)
			json_object_set_new(o, names[i], str_or_null(col(s, i)));
		json_array_append_new(a, o);
	}
	sqlite3_finalize(s);
	return a;
}

int items_slipping(struct store *st, long limit, int (*cb)(const struct item_slip *s, void *ud), void *ud,
		   struct error *err)
{
	sqlite3_stmt *s;
	if (store_prepare(
		st, &s,
		"SELECT i.id, i.incident_id, i.key, i.action, i.owner, i.due, count(*), min(e.old), "
		"i.priority FROM events e JOIN items i ON i.id = e.item_id "
		"WHERE e.field = 'due' AND e.old IS NOT NULL AND e.new IS NOT NULL AND e.new > e.old "
		"AND i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL "
		"GROUP BY i.id ORDER BY count(*) DESC, i.due LIMIT ?1",
		err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, limit > 0 ? limit : -1);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct item_slip x = {
		    .id = sqlite3_column_int64(s, 0),
		    .incident = col(s, 1),
		    .key = col(s, 2),
		    .action = col(s, 3),
		    .owner = col(s, 4),
		    .due = col(s, 5),
		    .moves = sqlite3_column_int(s, 6),
		    .first_due = col(s, 7),
		    .priority = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 8),
		};
		if (cb(&x, ud)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, err, "reading slipping items");
}
