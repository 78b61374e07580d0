/*
 * items.c — item queries and item rows (see items.h). The SQL is fixed text; every filter value is
 * bound, and a filter that is not set binds NULL/0 so its clause is true. Sort orders are whole literal
 * ORDER BY clauses. The importer's statements are prepared once per batch (struct items_batch).
 */
#include "items.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "events.h"
#include "incidents.h"
#include "tdate.h"
#include "banned.h"

#define SELECT_COLS                                                                                          \
	"SELECT i.id, i.incident_id, i.key, i.action, i.owner, i.owners, i.due, i.priority, i.status, "      \
	"i.status_raw, i.created_at, i.updated_at, CASE WHEN " ITEM_CLOSE_KNOWN_SQL                          \
	" THEN i.closed_at END, "                                                                            \
	"i.snoozed_until, i.removed_at, i.extra, i.sequence, i.line FROM items i "

/* The filter: ?1 today, ?2 all, ?3 overdue, ?4 unassigned, ?5 unscheduled, ?6 priority bits, ?7
 * incident, ?8 owners (JSON array), ?9 status bits, ?10 removed, ?11 due before, ?12 due until. Flags
 * are integers compared with 0 (PostgreSQL has no integer truth); a text filter that is not set is NULL.
 * The owners clause needs the engine's JSON functions, so the WHERE is three literal pieces. */
static const char where_head_sql[] =
    "WHERE (?2 <> 0 OR ?10 <> 0 OR " ITEM_OPEN_SQL " OR ?9 <> 0) "
    "AND (?9 = 0 OR ((?9 >> (CASE i.status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 "
    "WHEN 'blocked' THEN 2 WHEN 'done' THEN 3 ELSE 4 END)) & 1) <> 0) "
    "AND (?9 = 0 OR ?2 <> 0 OR ?10 <> 0 OR i.removed_at IS NULL) "
    "AND (?3 = 0 OR " ITEM_OVERDUE_SQL(
	"?1") ") "
	      "AND (?10 = 0 OR i.removed_at IS NOT NULL) "
	      "AND (?4 = 0 OR i.owner IS NULL) "
	      "AND (?5 = 0 OR i.due IS NULL) "
	      "AND (?6 = 0 OR (i.priority IS NOT NULL AND ((?6 >> CAST(i.priority AS INTEGER)) & 1) <> 0)) "
	      "AND (CAST(?7 AS TEXT) IS NULL OR i.incident_id = ?7) ";
/* Any of the item's owners among the filter's: SQLite json_each, PostgreSQL jsonb (owners is text). */
static const char where_owners_sqlite[] =
    "AND (CAST(?8 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM json_each(i.owners) o WHERE o.value IN "
    "(SELECT value FROM json_each(?8)))) ";
static const char where_owners_pg[] =
    "AND (CAST(?8 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST(i.owners AS "
    "jsonb)) o WHERE o IN (SELECT jsonb_array_elements_text(CAST(?8 AS jsonb))))) ";
static const char where_tail_sql[] =
    "AND (CAST(?11 AS TEXT) IS NULL OR (i.due IS NOT NULL AND i.due < ?11)) "
    "AND (CAST(?12 AS TEXT) IS NULL OR (i.due IS NOT NULL AND i.due <= ?12)) ";

/* Every order ends in the row id, so ties come out the same on both engines. */
static const char *const order_sql[] = {
    [SORT_DEFAULT] =
	"ORDER BY " ITEM_OVERDUE_SQL("?1") " DESC, coalesce(i.priority, 9), "
					   "coalesce(i.due, '9999-99-99'), i.incident_id, i.position, i.id ",
    [SORT_DUE] = "ORDER BY coalesce(i.due, '9999-99-99'), coalesce(i.priority, 9), i.incident_id, "
		 "i.position, i.id ",
    [SORT_PRIORITY] = "ORDER BY coalesce(i.priority, 9), coalesce(i.due, '9999-99-99'), i.incident_id, "
		      "i.position, i.id ",
    [SORT_OWNER] =
	"ORDER BY i.owner IS NULL, i.owner, coalesce(i.priority, 9), coalesce(i.due, '9999-99-99'), "
	"i.incident_id, i.position, i.id ",
    [SORT_INCIDENT] = "ORDER BY i.incident_id, i.position, i.id ",
    [SORT_AGE] = "ORDER BY " ITEM_START_SQL ", i.created_at, i.incident_id, i.position, i.id ",
};

static const char *col(struct db_stmt *s, int i)
{
	return db_column_text(s, i);
}

static int col_opt_int(struct db_stmt *s, int i)
{
	return db_column_is_null(s, i) ? -1 : db_column_int(s, i);
}

static void row_to_item(struct db_stmt *s, int32_t today, struct item *it)
{
	it->id = db_column_int64(s, 0);
	it->incident = col(s, 1);
	it->key = col(s, 2);
	it->action = col(s, 3);
	it->owner = col(s, 4);
	it->owners_json = col(s, 5);
	it->due = col(s, 6);
	it->priority = col_opt_int(s, 7);
	it->status = col(s, 8);
	it->status_raw = col(s, 9);
	it->created_at = col(s, 10);
	it->updated_at = col(s, 11);
	it->closed_at = col(s, 12);
	it->snoozed_until = col(s, 13);
	it->removed_at = col(s, 14);
	it->extra = col(s, 15);
	it->sequence = db_column_int(s, 16);
	it->line = db_column_int(s, 17);
	it->overdue = false;
	it->days_late = 0;
	int32_t due;
	bool closed = !strcmp(it->status, "done") || !strcmp(it->status, "wont_do");
	if (it->due && !closed && !it->removed_at && date_parse(it->due, &due) == 0 && due < today) {
		it->overdue = true;
		it->days_late = today - due;
	}
}

static int run(struct store *st, struct db_stmt *s, int32_t today, item_cb cb, void *ud, struct error *err)
{
	int rc;
	struct item it;
	while ((rc = db_step(s)) == DB_ROW) {
		row_to_item(s, today, &it);
		if (cb(&it, ud) != 0)
			return 1;
	}
	if (rc != DB_DONE)
		return store_fail(st, err, "reading items");
	return 0;
}

/* LIMIT takes a number on both engines (never -1 or NULL): no limit is the largest one. */
static int64_t limit_or_all(long limit)
{
	return limit > 0 ? (int64_t)limit : INT64_MAX;
}

int items_query(struct store *st, const struct item_filter *f, int32_t today, item_cb cb, void *ud,
		struct error *err)
{
	struct buf q;
	struct db_stmt *s = NULL;
	char todays[11];
	int rc = -1;
	buf_init(&q, 8192);
	if (buf_adds(&q, SELECT_COLS) < 0 || buf_adds(&q, where_head_sql) < 0 ||
	    buf_adds(&q, db_pick(st->conn, where_owners_sqlite, where_owners_pg)) < 0 ||
	    buf_adds(&q, where_tail_sql) < 0 ||
	    buf_adds(&q, order_sql[f->sort <= SORT_AGE ? f->sort : SORT_DEFAULT]) < 0 ||
	    buf_adds(&q, "LIMIT ?13") < 0) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (store_sql(st, &s, buf_cstr(&q), err) < 0)
		goto out;
	date_format(today, todays);
	db_bind_text(s, 1, todays);
	db_bind_int(s, 2, f->all);
	db_bind_int(s, 3, f->overdue);
	db_bind_int(s, 4, f->unassigned);
	db_bind_int(s, 5, f->unscheduled);
	db_bind_int64(s, 6, (int64_t)f->priorities);
	db_bind_text(s, 7, f->incident);
	db_bind_text(s, 8, f->owners_json);
	db_bind_int64(s, 9, (int64_t)f->statuses);
	db_bind_int(s, 10, f->removed);
	db_bind_text(s, 11, f->due_before);
	db_bind_text(s, 12, f->due_until);
	db_bind_int64(s, 13, limit_or_all(f->limit));
	rc = run(st, s, today, cb, ud, err);
out:
	db_finalize(s);
	buf_release(&q);
	return rc < 0 ? -1 : 0;
}

int items_get(struct store *st, int64_t id, int32_t today, item_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, SELECT_COLS "WHERE i.id = ?1", err) < 0)
		return -1;
	db_bind_int64(s, 1, id);
	int rc = run(st, s, today, cb, ud, err);
	db_finalize(s);
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

int items_find_exact(struct store *st, const char *ref, int64_t *id, struct error *err)
{
	const char *hash = strrchr(ref, '#');
	if (!hash || hash == ref || !hash[1])
		return 1;
	struct db_stmt *s;
	if (store_sql(st, &s, "SELECT id FROM items WHERE incident_id = ?1 AND key = ?2", err) < 0)
		return -1;
	db_bind_textn(s, 1, ref, (int)(hash - ref));
	db_bind_text(s, 2, hash + 1);
	int rc = db_step(s);
	if (rc == DB_ROW)
		*id = db_column_int64(s, 0);
	int ret = rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : store_fail(st, err, "looking up an item");
	db_finalize(s);
	return ret;
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
	struct db_stmt *s;
	int rc = -1;
	if (store_sql(st, &s,
		      "SELECT i.id, i.incident_id FROM items i WHERE i.key = ?2 AND "
		      "(i.incident_id = ?1 OR substr(i.incident_id, 1, length(CAST(?1 AS TEXT))) = ?1) "
		      "ORDER BY i.incident_id = ?1 DESC, i.incident_id LIMIT 3",
		      err) < 0) {
		free(prefix);
		return -1;
	}
	db_bind_text(s, 1, prefix);
	db_bind_text(s, 2, hash + 1);
	int n = 0, exact = 0, step;
	char first[256] = "", second[256] = "";
	while ((step = db_step(s)) == DB_ROW) {
		const char *inc = col(s, 1);
		if (n == 0) {
			*id = db_column_int64(s, 0);
			snprintf(first, sizeof first, "%s", inc);
			exact = !strcmp(inc, prefix);
		} else if (n == 1) {
			snprintf(second, sizeof second, "%s", inc);
		}
		n++;
	}
	if (step != DB_DONE) {
		store_fail(st, err, "looking up an item");
		db_finalize(s);
		free(prefix);
		return -1;
	}
	db_finalize(s);
	char now_id[256] = "";
	if (n == 0 && incidents_rekeyed_to(st, prefix, now_id, sizeof now_id))
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
	struct db_stmt *s;
	if (store_sql(
		st, &s,
		"SELECT e.at, e.actor, e.source, e.kind, e.field, e.old, e.new, e.note, o.source, "
		"o.commit_id, o.author, o.subject FROM events e LEFT JOIN event_origins o ON o.id = e.origin "
		"WHERE e.item_id = ?1 ORDER BY e.id",
		err) < 0)
		return NULL;
	db_bind_int64(s, 1, id);
	json_t *a = json_array();
	static const char *const names[] = {"at", "actor", "source", "kind", "field", "old", "new", "note"};
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *o = json_object();
		for (int i = 0; i < 8; i++)
			json_object_set_new(o, names[i], str_or_null(col(s, i)));
		/* an event recorded from a git commit (issue 13, docs/sync.md): where from; absent otherwise,
		 * so the history of a file import reads as before */
		if (!db_column_is_null(s, 9)) {
			json_t *g = json_object();
			static const char *const gnames[] = {"source", "commit", "author", "subject"};
			for (int i = 0; i < 4; i++)
				json_object_set_new(g, gnames[i], str_or_null(col(s, 8 + i)));
			json_object_set_new(o, "git", g);
		}
		json_array_append_new(a, o);
	}
	if (rc != DB_DONE) {
		store_fail(st, err, "reading an item's history");
		json_decref(a);
		a = NULL;
	}
	db_finalize(s);
	return a;
}

int items_slipping(struct store *st, long limit, int (*cb)(const struct item_slip *s, void *ud), void *ud,
		   struct error *err)
{
	struct db_stmt *s;
	/* Grouped by the primary key, so the item's other columns are single-valued (PostgreSQL
	 * accepts them by that functional dependency). */
	if (store_sql(st, &s,
		      "SELECT i.id, i.incident_id, i.key, i.action, i.owner, i.due, count(*), min(e.old), "
		      "i.priority FROM events e JOIN items i ON i.id = e.item_id "
		      "WHERE e.field = 'due' AND e.old IS NOT NULL AND e.new IS NOT NULL AND e.new > e.old "
		      "AND " ITEM_OPEN_SQL " "
		      "GROUP BY i.id ORDER BY count(*) DESC, i.due NULLS FIRST, i.id LIMIT ?1",
		      err) < 0)
		return -1;
	db_bind_int64(s, 1, limit_or_all(limit));
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		struct item_slip x = {
		    .id = db_column_int64(s, 0),
		    .incident = col(s, 1),
		    .key = col(s, 2),
		    .action = col(s, 3),
		    .owner = col(s, 4),
		    .due = col(s, 5),
		    .moves = db_column_int(s, 6),
		    .first_due = col(s, 7),
		    .priority = col_opt_int(s, 8),
		};
		if (cb(&x, ud)) {
			rc = DB_DONE;
			break;
		}
	}
	int ret = rc == DB_DONE ? 0 : store_fail(st, err, "reading slipping items");
	db_finalize(s);
	return ret;
}

/* ---- an incident's rows ---- */

#define ROW_COLS                                                                                             \
	"SELECT id, key, action, owners, due, priority, status, base_action, base_owners, base_due, "        \
	"base_priority, base_status, status_raw, extra, removed_at, position, line FROM items "

static const char of_incident_sql[] = ROW_COLS "WHERE incident_id = ?1 ORDER BY position, id";

static int read_rows(struct store *st, struct db_stmt *s, const char *incident, item_row_cb cb, void *ud,
		     struct error *err)
{
	db_reset(s);
	db_bind_text(s, 1, incident);
	int rc, ret = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		struct item_row r = {
		    .id = db_column_int64(s, 0),
		    .key = col(s, 1),
		    .action = col(s, 2),
		    .owners = col(s, 3),
		    .due = col(s, 4),
		    .priority = col_opt_int(s, 5),
		    .status = col(s, 6),
		    .base_action = col(s, 7),
		    .base_owners = col(s, 8),
		    .base_due = col(s, 9),
		    .base_priority = col_opt_int(s, 10),
		    .base_status = col(s, 11),
		    .status_raw = col(s, 12),
		    .extra = col(s, 13),
		    .removed_at = col(s, 14),
		    .position = db_column_int(s, 15),
		    .line = db_column_int(s, 16),
		};
		if ((ret = cb(&r, ud)) != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = store_fail(st, err, "reading items");
	db_reset(s);
	return ret < 0 ? -1 : 0;
}

int items_of_incident(struct store *st, const char *incident, item_row_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, of_incident_sql, err) < 0)
		return -1;
	int rc = read_rows(st, s, incident, cb, ud, err);
	db_finalize(s);
	return rc;
}

/* closed_at for a new status ?S at time ?T (struct item_update): the one rule for the close time. */
#define CLOSED_AT_SQL(S, T)                                                                                  \
	"closed_at = CASE WHEN " S " NOT IN ('done','wont_do') THEN NULL "                                   \
	"WHEN status IN ('done','wont_do') THEN closed_at ELSE " T " END"

enum { B_OF_INCIDENT, B_INSERT, B_ID, B_UPDATE, B_REMOVE, B_REKEY, B_COUNT, B_N };

static const char *const batch_sql[B_N] = {
    [B_OF_INCIDENT] = of_incident_sql,
    [B_INSERT] = NULL, /* insert_sql() */
    [B_ID] = "SELECT id FROM items WHERE incident_id = ?1 AND key = ?2",
    [B_UPDATE] = "UPDATE items SET position=?2, line=?3, action=?4, owners=?5, owner=?6, due=?7, "
		 "priority=?8, status=?9, status_raw=?10, extra=?11, base_action=?12, base_owners=?13, "
		 "base_due=?14, base_priority=?15, base_status=?16, removed_at=NULL, "
		 "updated_at=CASE WHEN ?17 <> 0 THEN ?18 ELSE updated_at END, "
		 "sequence=sequence+?17, " CLOSED_AT_SQL("?9", "?18") " WHERE id=?1",
    [B_REMOVE] = "UPDATE items SET removed_at=?2, updated_at=?2, sequence=sequence+1 WHERE id=?1",
    [B_REKEY] = "UPDATE items SET incident_id = ?2, updated_at = ?3, sequence = sequence + 1 "
		"WHERE incident_id = ?1 RETURNING id, key",
    [B_COUNT] = "SELECT count(*) FROM items WHERE incident_id = ?1 AND removed_at IS NULL",
};

#define ITEM_INSERT_SQL                                                                                      \
	"INSERT INTO items (incident_id, key, position, line, action, owners, owner, due, priority, "        \
	"status, "                                                                                           \
	"status_raw, extra, base_action, base_owners, base_due, base_priority, base_status, created_at, "    \
	"updated_at, closed_at, start_date) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?5,?6,?8,?9,?10," \
	"?13,?13,?14," ITEM_START_EXPR("(SELECT date FROM incidents WHERE id = ?1)", "?8", "?13") ")"

/* A new item and its `created` event, on SQLite: SQLite has no data-modifying WITH, and runs RETURNING
 * as a trigger program per row (about 33,000 instructions per insert, a tenth of a whole first import:
 * callgrind, 1,000 files, docs/performance.md), so the INSERT is plain, the id is read back by the
 * row's unique key (B_ID, about 6,000) and the event is added through events_add(). */
static const char insert_sqlite[] = ITEM_INSERT_SQL;

/* PostgreSQL, the same rows for a document's new items in one statement: the items come as one JSON
 * array (?1) of objects, the incident ?2, the time ?3 (created_at, updated_at, the event's time), the
 * actor ?4 and the origin ?5; the items are inserted in document order (their ids follow it) with
 * their start date from the incident's date read once, and the created events (source import, kind
 * created, the action as the new value) from what the INSERT returned, in id order. Every statement
 * costs the server its executor start (the CHECK constraints are parsed again per statement, the
 * foreign-key triggers set up) whatever its rows: one per document instead of one per item is most of
 * what a first import costs the server (docs/performance.md, "the PostgreSQL import"). */
#define ITEM_COLS_JSON                                                                                       \
	"key text, position bigint, line bigint, action text, owners text, owner text, due text, "           \
	"priority bigint, status text, status_raw text, extra text, closed_at text"
#define NEW_START ITEM_START_EXPR("n.date", "r.due", "CAST(?3 AS TEXT)")
static const char insert_many_pg[] =
    "WITH r AS (SELECT * FROM json_to_recordset(CAST(?1 AS json)) AS r(" ITEM_COLS_JSON ")), "
    "n AS (SELECT (SELECT date FROM incidents WHERE id = CAST(?2 AS TEXT)) AS date), "
    "ins AS (INSERT INTO items (incident_id, key, position, line, action, owners, owner, due, priority, "
    "status, status_raw, extra, base_action, base_owners, base_due, base_priority, base_status, "
    "created_at, updated_at, closed_at, start_date) "
    "SELECT ?2, r.key, r.position, r.line, r.action, r.owners, r.owner, r.due, r.priority, r.status, "
    "r.status_raw, r.extra, r.action, r.owners, r.due, r.priority, r.status, ?3, ?3, r.closed_at, " NEW_START
    " FROM r CROSS JOIN n ORDER BY r.position RETURNING id, action) "
    "INSERT INTO events (item_id, incident_id, at, actor, source, kind, new, origin) "
    "SELECT id, ?2, ?3, ?4, 'import', 'created', action, CAST(?5 AS BIGINT) FROM ins ORDER BY id";

/* The inserts waiting for items_batch_send() (PostgreSQL): one incident, time, actor and origin. */
struct pending_items {
	json_t *rows; /* NULL when none wait */
	char *incident, *now, *actor;
	int64_t origin;
};

struct items_batch {
	struct store *st;
	struct db_stmt *s[B_N];
	struct db_stmt *events; /* SQLite: the created events (events_add) */
	struct pending_items pend;
};

static void pending_clear(struct pending_items *p)
{
	json_decref(p->rows);
	free(p->incident);
	free(p->now);
	free(p->actor);
	memset(p, 0, sizeof *p);
}

struct items_batch *items_batch_new(struct store *st, struct error *err)
{
	struct items_batch *b = calloc(1, sizeof *b);
	if (!b) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	b->st = st;
	for (int i = 0; i < B_N; i++) {
		const char *sql =
		    batch_sql[i] ? batch_sql[i] : db_pick(st->conn, insert_sqlite, insert_many_pg);
		if (store_sql(st, &b->s[i], sql, err) < 0) {
			items_batch_free(b);
			return NULL;
		}
	}
	if (store_engine(st) == DB_SQLITE && events_prepare(st, &b->events, err) < 0) {
		items_batch_free(b);
		return NULL;
	}
	return b;
}

void items_batch_free(struct items_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < B_N; i++)
		db_finalize(b->s[i]);
	events_finish(b->events);
	pending_clear(&b->pend);
	free(b);
}

int items_batch_of_incident(struct items_batch *b, const char *incident, item_row_cb cb, void *ud,
			    struct error *err)
{
	return read_rows(b->st, b->s[B_OF_INCIDENT], incident, cb, ud, err);
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int items_batch_send(struct items_batch *b, struct error *err)
{
	struct pending_items *p = &b->pend;
	if (!p->rows)
		return 0;
	char *json = json_dumps(p->rows, JSON_COMPACT);
	if (!json) {
		pending_clear(p);
		return error_set(err, ERR_IO, "out of memory");
	}
	struct db_stmt *s = b->s[B_INSERT];
	db_reset(s);
	db_bind_text(s, 1, json);
	db_bind_text(s, 2, p->incident);
	db_bind_text(s, 3, p->now);
	db_bind_text(s, 4, p->actor);
	if (p->origin)
		db_bind_int64(s, 5, p->origin);
	else
		db_bind_null(s, 5);
	int rc = store_defer(b->st, s, err, "adding the document's items");
	db_reset(s);
	free(json);
	pending_clear(p);
	return rc;
}

void items_batch_discard(struct items_batch *b)
{
	pending_clear(&b->pend);
}

/* A JSON string, or null for NULL; NULL when out of memory (or not UTF-8, which the importer refuses
 * before: json_string checks). */
static json_t *jstr(const char *v)
{
	return v ? json_string(v) : json_null();
}

/* PostgreSQL: the row joins the inserts waiting for items_batch_send(). */
static int pending_add(struct items_batch *b, const struct item_insert *x, struct error *err)
{
	struct pending_items *p = &b->pend;
	if (p->rows &&
	    !(same_text(p->incident, x->incident) && same_text(p->now, x->now) &&
	      same_text(p->actor, x->actor) && p->origin == x->origin) &&
	    items_batch_send(b, err) < 0)
		return -1;
	if (!p->rows) {
		p->rows = json_array();
		p->incident = strdup(x->incident);
		p->now = strdup(x->now);
		p->actor = x->actor ? strdup(x->actor) : NULL;
		p->origin = x->origin;
		if (!p->rows || !p->incident || !p->now || (x->actor && !p->actor)) {
			pending_clear(p);
			return error_set(err, ERR_IO, "out of memory");
		}
	}
	json_t *o = json_object();
	bool ok =
	    o && !json_object_set_new(o, "key", jstr(x->key)) &&
	    !json_object_set_new(o, "position", json_integer(x->position)) &&
	    !json_object_set_new(o, "line", json_integer(x->line)) &&
	    !json_object_set_new(o, "action", jstr(x->action)) &&
	    !json_object_set_new(o, "owners", jstr(x->owners)) &&
	    !json_object_set_new(o, "owner", jstr(x->owner)) &&
	    !json_object_set_new(o, "due", jstr(x->due)) &&
	    !json_object_set_new(o, "priority", x->priority < 0 ? json_null() : json_integer(x->priority)) &&
	    !json_object_set_new(o, "status", jstr(x->status)) &&
	    !json_object_set_new(o, "status_raw", jstr(x->status_raw)) &&
	    !json_object_set_new(o, "extra", jstr(x->extra)) &&
	    !json_object_set_new(o, "closed_at", jstr(x->closed_at));
	if (!ok)
		json_decref(o);
	if (!ok || json_array_append_new(p->rows, o) < 0) { /* (append_new drops o when it fails) */
		pending_clear(p);
		return error_set(err, ERR_IO, "out of memory");
	}
	return 0;
}

int items_batch_insert(struct items_batch *b, const struct item_insert *x, struct error *err)
{
	if (!b->events) /* PostgreSQL: one statement for the document's new items (items_batch_send) */
		return pending_add(b, x, err);
	struct db_stmt *s = b->s[B_INSERT];
	db_reset(s);
	db_bind_text(s, 1, x->incident);
	db_bind_text(s, 2, x->key);
	db_bind_int(s, 3, x->position);
	db_bind_int(s, 4, x->line);
	db_bind_text(s, 5, x->action);
	db_bind_text(s, 6, x->owners);
	db_bind_text(s, 7, x->owner);
	db_bind_text(s, 8, x->due);
	store_bind_opt_int(s, 9, x->priority);
	db_bind_text(s, 10, x->status);
	db_bind_text(s, 11, x->status_raw);
	db_bind_text(s, 12, x->extra);
	db_bind_text(s, 13, x->now);
	db_bind_text(s, 14, x->closed_at);
	int rc = db_step(s);
	db_reset(s);
	if (rc != DB_DONE)
		return store_fail(b->st, err, "adding an item");
	/* the id, for the created event */
	int64_t id;
	s = b->s[B_ID];
	db_reset(s);
	db_bind_text(s, 1, x->incident);
	db_bind_text(s, 2, x->key);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_reset(s);
	if (rc != DB_ROW)
		return store_fail(b->st, err, "adding an item");
	struct history_event e = {.item_id = id,
				  .incident = x->incident,
				  .at = x->now,
				  .actor = x->actor,
				  .source = "import",
				  .kind = "created",
				  .new_value = x->action,
				  .origin = x->origin};
	return events_add(b->st, b->events, &e, err);
}

int items_batch_update(struct items_batch *b, const struct item_update *x, struct error *err)
{
	if (items_batch_send(b, err) < 0) /* the writes in the order they were asked for */
		return -1;
	struct db_stmt *s = b->s[B_UPDATE];
	db_reset(s);
	db_bind_int64(s, 1, x->id);
	db_bind_int(s, 2, x->position);
	db_bind_int(s, 3, x->line);
	db_bind_text(s, 4, x->action);
	db_bind_text(s, 5, x->owners);
	db_bind_text(s, 6, x->owner);
	db_bind_text(s, 7, x->due);
	store_bind_opt_int(s, 8, x->priority);
	db_bind_text(s, 9, x->status);
	db_bind_text(s, 10, x->status_raw);
	db_bind_text(s, 11, x->extra);
	db_bind_text(s, 12, x->base_action);
	db_bind_text(s, 13, x->base_owners);
	db_bind_text(s, 14, x->base_due);
	store_bind_opt_int(s, 15, x->base_priority);
	db_bind_text(s, 16, x->base_status);
	db_bind_int(s, 17, x->touched);
	db_bind_text(s, 18, x->now);
	int rc = store_defer(b->st, s, err, "updating an item");
	db_reset(s);
	return rc;
}

int items_batch_remove(struct items_batch *b, int64_t id, const char *now, struct error *err)
{
	if (items_batch_send(b, err) < 0)
		return -1;
	struct db_stmt *s = b->s[B_REMOVE];
	db_reset(s);
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, now);
	int rc = store_defer(b->st, s, err, "flagging a removed item");
	db_reset(s);
	return rc;
}

int items_batch_rekey(struct items_batch *b, const char *from, const char *to, const char *now,
		      int (*cb)(int64_t id, const char *key, void *ud), void *ud, struct error *err)
{
	if (items_batch_send(b, err) < 0)
		return -1;
	struct db_stmt *s = b->s[B_REKEY];
	db_reset(s);
	db_bind_text(s, 1, from);
	db_bind_text(s, 2, to);
	db_bind_text(s, 3, now);
	int rc, ret = 0;
	/* every row is read: the UPDATE is complete only when the statement is done */
	while ((rc = db_step(s)) == DB_ROW)
		if (ret == 0)
			ret = cb(db_column_int64(s, 0), col(s, 1), ud);
	if (rc != DB_DONE)
		ret = store_fail(b->st, err, "moving items to the new incident id");
	db_reset(s);
	return ret < 0 ? -1 : 0;
}

int items_batch_count(struct items_batch *b, const char *incident, unsigned *n, struct error *err)
{
	struct db_stmt *s = b->s[B_COUNT];
	db_reset(s);
	db_bind_text(s, 1, incident);
	int rc = db_step(s);
	*n = rc == DB_ROW ? (unsigned)db_column_int64(s, 0) : 0;
	db_reset(s);
	return rc == DB_ROW ? 0 : store_fail(b->st, err, "counting items");
}

int items_change(struct store *st, const struct item_change *x, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "UPDATE items SET status=?2, due=?3, owners=?4, owner=?5, priority=?6, "
		      "snoozed_until=?7, updated_at=?8, sequence=sequence+1, " CLOSED_AT_SQL(
			  "?2", "?8") " WHERE id=?1",
		      err) < 0)
		return -1;
	db_bind_int64(s, 1, x->id);
	db_bind_text(s, 2, x->status);
	db_bind_text(s, 3, x->due);
	db_bind_text(s, 4, x->owners);
	db_bind_text(s, 5, x->owner);
	store_bind_opt_int(s, 6, x->priority);
	db_bind_text(s, 7, x->snoozed_until);
	db_bind_text(s, 8, x->now);
	int rc = store_run(st, s, err, "updating an item");
	db_finalize(s);
	return rc;
}

int items_set_base(struct store *st, const char *incident, const char *key, enum item_base_field field,
		   const char *value, const char *status_raw, int64_t *id, struct error *err)
{
	static const char *const sql[] = {
	    [ITEM_BASE_STATUS] = "UPDATE items SET base_status = ?3, status_raw = ?4 WHERE incident_id = ?1 "
				 "AND key = ?2 RETURNING id",
	    [ITEM_BASE_DUE] =
		"UPDATE items SET base_due = ?3 WHERE incident_id = ?1 AND key = ?2 RETURNING id",
	    [ITEM_BASE_OWNERS] =
		"UPDATE items SET base_owners = ?3 WHERE incident_id = ?1 AND key = ?2 RETURNING id",
	};
	struct db_stmt *s;
	if (store_sql(st, &s, sql[field], err) < 0)
		return -1;
	db_bind_text(s, 1, incident);
	db_bind_text(s, 2, key);
	db_bind_text(s, 3, value);
	if (field == ITEM_BASE_STATUS)
		db_bind_text(s, 4, status_raw);
	int rc = db_step(s), ret;
	if (rc == DB_ROW) {
		*id = db_column_int64(s, 0);
		rc = db_step(s);
		ret = rc == DB_DONE ? 0 : store_fail(st, err, "updating an item's base");
	} else {
		ret = rc == DB_DONE ? 1 : store_fail(st, err, "updating an item's base");
	}
	db_finalize(s);
	return ret;
}
