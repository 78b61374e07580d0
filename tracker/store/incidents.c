/*
 * incidents.c — incident queries and the importer's incident rows (see incidents.h). Fixed SQL text;
 * every value bound.
 */
#include "incidents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "items.h"

#include "banned.h"

#define INCIDENT_SELECT                                                                                      \
	"SELECT n.id, n.title, n.date, n.severity, n.reporter, n.approved_by, n.review_date, n.duration, "   \
	"n.source, (SELECT count(*) FROM items i WHERE i.incident_id = n.id AND i.removed_at IS NULL), "     \
	"(SELECT count(*) FROM items i WHERE i.incident_id = n.id AND " ITEM_OPEN_SQL "), n.status "         \
	"FROM incidents n "

static const char *col(struct db_stmt *s, int i)
{
	return db_column_text(s, i);
}

static void row(struct db_stmt *s, struct incident_row *r)
{
	r->id = col(s, 0);
	r->title = col(s, 1);
	r->date = col(s, 2);
	r->severity = db_column_is_null(s, 3) ? -1 : db_column_int(s, 3);
	r->reporter = col(s, 4);
	r->approved_by = col(s, 5);
	r->review_date = col(s, 6);
	r->duration = col(s, 7);
	r->source = col(s, 8);
	r->items = db_column_int(s, 9);
	r->open_items = db_column_int(s, 10);
	r->status = col(s, 11);
}

/* Steps s to the end, calling cb per row; finalizes s. */
static int run(struct store *st, struct db_stmt *s, incident_cb cb, void *ud, int *n, struct error *err)
{
	int rc;
	*n = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		struct incident_row r;
		row(s, &r);
		(*n)++;
		if (cb(&r, ud)) {
			rc = DB_DONE;
			break;
		}
	}
	int ret = rc == DB_DONE ? 0 : store_fail(st, err, "reading incidents");
	db_finalize(s);
	return ret;
}

int incidents_list(struct store *st, long limit, incident_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	int n;
	if (store_sql(st, &s,
		      INCIDENT_SELECT
		      "WHERE n.rekeyed_to IS NULL ORDER BY n.date DESC NULLS LAST, n.id LIMIT ?1",
		      err) < 0)
		return -1;
	/* LIMIT takes a number on both engines: no limit is the largest one */
	db_bind_int64(s, 1, limit > 0 ? (int64_t)limit : INT64_MAX);
	return run(st, s, cb, ud, &n, err);
}

int incidents_get(struct store *st, const char *id, incident_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	int n;
	if (store_sql(st, &s, INCIDENT_SELECT "WHERE n.id = ?1 AND n.rekeyed_to IS NULL", err) < 0)
		return -1;
	db_bind_text(s, 1, id);
	if (run(st, s, cb, ud, &n, err) < 0)
		return -1;
	return n ? 0 : 1;
}

static int run_refs(struct store *st, struct db_stmt *s, incident_ref_cb cb, void *ud, struct error *err)
{
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		struct incident_ref r = {.id = col(s, 0), .source = col(s, 1), .source_hash = col(s, 2)};
		if (cb(&r, ud)) {
			rc = DB_DONE;
			break;
		}
	}
	int ret = rc == DB_DONE ? 0 : store_fail(st, err, "finding the incident");
	db_finalize(s);
	return ret;
}

int incidents_find_prefix(struct store *st, const char *ref, long max, incident_ref_cb cb, void *ud,
			  struct error *err)
{
	struct db_stmt *s;
	if (store_sql(
		st, &s,
		"SELECT id, source, source_hash FROM incidents WHERE rekeyed_to IS NULL AND (id = ?1 OR "
		"substr(id, 1, length(CAST(?1 AS TEXT))) = ?1) ORDER BY id = ?1 DESC, id LIMIT ?2",
		err) < 0)
		return -1;
	db_bind_text(s, 1, ref);
	db_bind_int64(s, 2, max > 0 ? (int64_t)max : 1);
	return run_refs(st, s, cb, ud, err);
}

int incidents_find_source(struct store *st, const char *source, incident_ref_cb cb, void *ud,
			  struct error *err)
{
	struct db_stmt *s;
	if (store_sql(
		st, &s,
		"SELECT id, source, source_hash FROM incidents WHERE source = ?1 AND rekeyed_to IS NULL",
		err) < 0)
		return -1;
	db_bind_text(s, 1, source);
	return run_refs(st, s, cb, ud, err);
}

int incidents_find_source_prefix(struct store *st, const char *prefix, incident_ref_cb cb, void *ud,
				 struct error *err)
{
	struct db_stmt *s;
	/* substr() with a bound length instead of LIKE: a prefix may hold '%' or '_' */
	if (store_sql(st, &s,
		      "SELECT id, source, source_hash FROM incidents WHERE substr(source, 1, CAST(?1 AS "
		      "INTEGER)) = "
		      "CAST(?2 AS TEXT) AND rekeyed_to IS NULL ORDER BY source, id",
		      err) < 0)
		return -1;
	db_bind_int64(s, 1, (int64_t)strlen(prefix));
	db_bind_text(s, 2, prefix);
	return run_refs(st, s, cb, ud, err);
}

bool incidents_rekeyed_to(struct store *st, const char *id, char *out, size_t outsz)
{
	struct db_stmt *s;
	if (db_prepare(st->conn, "SELECT rekeyed_to FROM incidents WHERE id = ?1", &s) < 0)
		return false;
	snprintf(out, outsz, "%s", id);
	bool found = false;
	for (int hops = 0; hops < 16; hops++) {
		db_reset(s);
		db_bind_text(s, 1, out);
		if (db_step(s) != DB_ROW || db_column_is_null(s, 0))
			break;
		snprintf(out, outsz, "%s", col(s, 0));
		found = true;
	}
	db_finalize(s);
	return found;
}

int incidents_set_hash(struct store *st, const char *id, const char *hash, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "UPDATE incidents SET source_hash = ?2 WHERE id = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, id);
	db_bind_text(s, 2, hash);
	int rc = store_run(st, s, err, "updating the incident");
	db_finalize(s);
	return rc;
}

/* ---- the importer's statements ----
 * No ORDER BY where several rows may match: SQLite then sorts through a temporary b-tree on every
 * execution (about 55,000 instructions, per file of an import); callers choose among the few rows in
 * C, by id, so both engines give the same answer. */

enum { B_GET, B_UPSERT, B_BY_SOURCE, B_BY_HASH, B_REKEY, B_SOURCES, B_STAT, B_GET_SOURCE, B_N };

static const char *const batch_sql[B_N] = {
    [B_GET] = "SELECT source, source_hash, source_rules, rekeyed_to FROM incidents WHERE id = ?1",
    [B_UPSERT] =
	"INSERT INTO incidents (id, title, date, duration, severity, reporter, approved_by, "
	"review_date, source, source_hash, imported_at, source_size, source_mtime_ns, source_ino, "
	"source_rules, status, id_derived) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
	"?16,?17) "
	"ON CONFLICT (id) DO UPDATE SET title=?2, date=?3, duration=?4, severity=?5, reporter=?6, "
	"approved_by=?7, review_date=?8, source=?9, source_hash=?10, imported_at=?11, "
	"source_size=?12, source_mtime_ns=?13, source_ino=?14, source_rules=?15, status=?16, "
	"id_derived=?17, rekeyed_to=NULL",
    /* the incident this document was imported as before, under another id */
    [B_BY_SOURCE] = "SELECT id, id_derived FROM incidents WHERE source = ?1 AND id <> ?2 AND "
		    "rekeyed_to IS NULL",
    /* the same bytes imported before from a path that may be gone (a renamed file) */
    [B_BY_HASH] = "SELECT id, source FROM incidents WHERE source_hash = ?1 AND id <> ?2 AND "
		  "rekeyed_to IS NULL AND id_derived = 1",
    [B_REKEY] = "UPDATE incidents SET rekeyed_to = ?2 WHERE id = ?1",
    [B_SOURCES] = NULL, /* sources_sql */
    [B_STAT] = "UPDATE incidents SET source_size = ?2, source_mtime_ns = ?3, source_ino = ?4 "
	       "WHERE id = ?1",
    [B_GET_SOURCE] = NULL, /* get_many_pg */
};

/* incidents_batch_sources(): the sources come as one JSON array of strings (?1), each row says which
 * (its 0-based index). The engines' JSON table functions differ: SQLite's json_each (key is the
 * index), PostgreSQL's json_array_elements_text WITH ORDINALITY (1-based; its text has the default
 * collation, the column is COLLATE "C"). */
#define SOURCES_COLS "i.id, i.source_hash, i.source_size, i.source_mtime_ns, i.source_ino "
#define SOURCES_WHERE "i.source_rules = ?2 AND i.rekeyed_to IS NULL"
static const char sources_sqlite[] =
    "SELECT j.key, " SOURCES_COLS
    "FROM json_each(?1) j JOIN incidents i ON i.source = j.value WHERE " SOURCES_WHERE;
/* (a LATERAL subquery kept apart by OFFSET 0, which PostgreSQL never flattens: the index on source
 * per path, whatever the planner thinks of the table — without it, the statistics of a table being
 * filled by a first import made it scan all of incidents once per lookup) */
static const char sources_pg[] =
    "SELECT j.n - 1, i.* FROM json_array_elements_text(CAST(?1 AS json)) WITH ORDINALITY AS j(source, n) "
    "CROSS JOIN LATERAL (SELECT " SOURCES_COLS "FROM incidents i WHERE i.source = j.source COLLATE \"C\" "
    "AND " SOURCES_WHERE " OFFSET 0) i";

/* incidents_batch_get_many() on PostgreSQL: B_GET (kind 0) and B_BY_SOURCE (kind 1) of every
 * (id, source) pair of the JSON array ?1 in one statement, each row with the pair's 0-based index
 * (LATERAL kept apart by OFFSET 0, as sources_pg: the indexes per pair). */
static const char get_many_pg[] =
    "SELECT p.n - 1, r.* FROM json_array_elements(CAST(?1 AS json)) WITH ORDINALITY AS p(v, n) "
    "CROSS JOIN LATERAL (SELECT 0, source, source_hash, source_rules, "
    "CASE WHEN rekeyed_to IS NULL THEN 0 ELSE 1 END, NULL, 0 FROM incidents "
    "WHERE id = (p.v ->> 0) COLLATE \"C\" "
    "UNION ALL SELECT 1, NULL, NULL, NULL, 0, id, id_derived FROM incidents "
    "WHERE source = (p.v ->> 1) COLLATE \"C\" AND id <> (p.v ->> 0) COLLATE \"C\" AND rekeyed_to IS NULL "
    "OFFSET 0) r";

struct incidents_batch {
	struct store *st;
	struct db_stmt *s[B_N];
};

struct incidents_batch *incidents_batch_new(struct store *st, struct error *err)
{
	struct incidents_batch *b = calloc(1, sizeof *b);
	if (!b) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	b->st = st;
	for (int i = 0; i < B_N; i++) {
		const char *sql = batch_sql[i]        ? batch_sql[i]
				  : i == B_GET_SOURCE ? get_many_pg
						      : db_pick(st->conn, sources_sqlite, sources_pg);
		if (i == B_GET_SOURCE && store_engine(st) == DB_SQLITE)
			continue; /* PostgreSQL only */
		if (store_sql(st, &b->s[i], sql, err) < 0) {
			incidents_batch_free(b);
			return NULL;
		}
	}
	return b;
}

void incidents_batch_free(struct incidents_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < B_N; i++)
		db_finalize(b->s[i]);
	free(b);
}

void incident_prev_release(struct incident_prev *p)
{
	free(p->source);
	free(p->source_hash);
	free(p->source_rules);
	memset(p, 0, sizeof *p);
}

int incidents_batch_get(struct incidents_batch *b, const char *id, struct incident_prev *out,
			struct error *err)
{
	struct db_stmt *s = b->s[B_GET];
	memset(out, 0, sizeof *out);
	db_reset(s);
	db_bind_text(s, 1, id);
	int rc = db_step(s), ret = 1;
	if (rc == DB_ROW) {
		out->source = store_col_dup(s, 0);
		out->source_hash = store_col_dup(s, 1);
		out->source_rules = store_col_dup(s, 2);
		out->rekeyed = !db_column_is_null(s, 3);
		ret = 0;
		if ((!out->source && !db_column_is_null(s, 0)) ||
		    (!out->source_hash && !db_column_is_null(s, 1)) ||
		    (!out->source_rules && !db_column_is_null(s, 2))) {
			incident_prev_release(out);
			ret = error_set(err, ERR_IO, "out of memory");
		}
	} else if (rc != DB_DONE) {
		ret = store_fail(b->st, err, "reading the incident");
	}
	db_reset(s);
	return ret;
}

int incidents_batch_get_with_source(struct incidents_batch *b, const char *id, const char *source,
				    struct incident_prev *out, struct incident_other *other,
				    struct error *err)
{
	int found;
	if (incidents_batch_get_many(b, &id, &source, 1, &found, out, other, err) < 0)
		return -1;
	return found;
}

int incidents_batch_get_many(struct incidents_batch *b, const char *const *ids, const char *const *sources,
			     size_t n, int *found, struct incident_prev *prev, struct incident_other *other,
			     struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		found[i] = 1;
		memset(&prev[i], 0, sizeof prev[i]);
		memset(&other[i], 0, sizeof other[i]);
	}
	if (store_engine(b->st) == DB_SQLITE) { /* in-process: one look-up each, the other when needed */
		for (size_t i = 0; i < n; i++)
			if ((found[i] = incidents_batch_get(b, ids[i], &prev[i], err)) < 0)
				goto fail;
		return 0;
	}
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("[ss]", ids[i], sources[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (!text) {
		error_set(err, ERR_IO, "out of memory (or an id or path that is not UTF-8)");
		goto fail;
	}
	struct db_stmt *s = b->s[B_GET_SOURCE];
	db_reset(s);
	db_bind_text(s, 1, text);
	for (size_t i = 0; i < n; i++) {
		other[i].fetched = true;
		other[i].found = 1;
	}
	int rc;
	bool oom = false;
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t k = db_column_int64(s, 0);
		if (k < 0 || (uint64_t)k >= n)
			continue; /* cannot happen: the index of one of the pairs given */
		struct incident_prev *out = &prev[k];
		struct incident_other *o = &other[k];
		if (db_column_int(s, 1) == 0) {
			incident_prev_release(out);
			out->source = store_col_dup(s, 2);
			out->source_hash = store_col_dup(s, 3);
			out->source_rules = store_col_dup(s, 4);
			out->rekeyed = db_column_int(s, 5) != 0;
			oom |= (!out->source && !db_column_is_null(s, 2)) ||
			       (!out->source_hash && !db_column_is_null(s, 3)) ||
			       (!out->source_rules && !db_column_is_null(s, 4));
			found[k] = 0;
			continue;
		}
		/* the smallest id when there are several: as incidents_batch_by_source() */
		const char *v = col(s, 6);
		if (!v || (o->id && strcmp(v, o->id) >= 0))
			continue;
		free(o->id);
		o->derived = db_column_int(s, 7) != 0;
		o->found = 0;
		if (!(o->id = strdup(v)))
			oom = true;
	}
	db_reset(s);
	free(text);
	if (rc == DB_DONE && !oom)
		return 0;
	if (rc != DB_DONE)
		store_fail(b->st, err, "reading the incidents");
	else
		error_set(err, ERR_IO, "out of memory");
fail:
	for (size_t i = 0; i < n; i++) {
		incident_prev_release(&prev[i]);
		free(other[i].id);
		memset(&other[i], 0, sizeof other[i]);
	}
	return -1;
}

int incidents_batch_by_source(struct incidents_batch *b, const char *source, const char *not_id, char **id,
			      bool *derived, struct error *err)
{
	struct db_stmt *s = b->s[B_BY_SOURCE];
	*id = NULL;
	*derived = false;
	db_reset(s);
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, not_id);
	int rc, ret = 1;
	/* the smallest id when there are several: the same answer on both engines */
	while ((rc = db_step(s)) == DB_ROW) {
		const char *v = col(s, 0);
		if (*id && strcmp(v, *id) >= 0)
			continue;
		free(*id);
		*derived = db_column_int(s, 1) != 0;
		if (!(*id = strdup(v))) {
			ret = error_set(err, ERR_IO, "out of memory");
			break;
		}
		ret = 0;
	}
	if (ret >= 0 && rc != DB_DONE && rc != DB_ROW)
		ret = store_fail(b->st, err, "reading the incident");
	db_reset(s);
	return ret;
}

int incidents_batch_by_hash(struct incidents_batch *b, const char *hash, const char *not_id,
			    int (*cb)(const char *id, const char *source, void *ud), void *ud,
			    struct error *err)
{
	struct db_stmt *s = b->s[B_BY_HASH];
	db_reset(s);
	db_bind_text(s, 1, hash);
	db_bind_text(s, 2, not_id);
	int rc, ret = 0;
	while ((rc = db_step(s)) == DB_ROW)
		if ((ret = cb(col(s, 0), col(s, 1), ud)) != 0) {
			rc = DB_DONE;
			break;
		}
	if (rc != DB_DONE)
		ret = store_fail(b->st, err, "reading the incident");
	db_reset(s);
	return ret < 0 ? -1 : 0;
}

/* Binds size, mtime and inode at idx..idx+2, or NULLs when the stat is not a key. */
static void bind_stat(struct db_stmt *s, int idx, const struct source_stat *st)
{
	const int64_t v[3] = {st->size, st->mtime_ns, st->ino};
	for (int i = 0; i < 3; i++) {
		if (st->known)
			db_bind_int64(s, idx + i, v[i]);
		else
			db_bind_null(s, idx + i);
	}
}

int incidents_batch_upsert(struct incidents_batch *b, const struct incident_record *r, struct error *err)
{
	struct db_stmt *s = b->s[B_UPSERT];
	db_reset(s);
	db_bind_text(s, 1, r->id);
	db_bind_text(s, 2, r->title ? r->title : "");
	db_bind_text(s, 3, r->date);
	db_bind_text(s, 4, r->duration);
	store_bind_opt_int(s, 5, r->severity);
	db_bind_text(s, 6, r->reporter);
	db_bind_text(s, 7, r->approved_by);
	db_bind_text(s, 8, r->review_date);
	db_bind_text(s, 9, r->source);
	db_bind_text(s, 10, r->source_hash);
	db_bind_text(s, 11, r->imported_at);
	bind_stat(s, 12, &r->stat);
	db_bind_text(s, 15, r->rules);
	db_bind_text(s, 16, r->status);
	db_bind_int(s, 17, r->id_derived);
	int rc = store_defer(b->st, s, err, "saving the incident");
	db_reset(s);
	return rc;
}

int incidents_batch_rekey(struct incidents_batch *b, const char *from, const char *to, struct error *err)
{
	struct db_stmt *s = b->s[B_REKEY];
	db_reset(s);
	db_bind_text(s, 1, from);
	db_bind_text(s, 2, to);
	int rc = store_defer(b->st, s, err, "marking the old incident id");
	db_reset(s);
	return rc;
}

int incidents_batch_sources(struct incidents_batch *b, const char *const *sources, size_t n,
			    const char *rules, int (*cb)(size_t i, const struct incident_source *s, void *ud),
			    void *ud, struct error *err)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(sources[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (!text)
		return error_set(err, ERR_IO, "out of memory (or a path that is not UTF-8)");
	struct db_stmt *s = b->s[B_SOURCES];
	db_reset(s);
	db_bind_text(s, 1, text);
	db_bind_text(s, 2, rules);
	int rc, ret = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t k = db_column_int64(s, 0);
		struct incident_source x = {.id = col(s, 1),
					    .source_hash = col(s, 2),
					    .stat = {.known = !db_column_is_null(s, 3),
						     .size = db_column_int64(s, 3),
						     .mtime_ns = db_column_int64(s, 4),
						     .ino = db_column_int64(s, 5)}};
		if (k < 0 || (uint64_t)k >= n)
			continue; /* cannot happen: the index of one of the sources given */
		if ((ret = cb((size_t)k, &x, ud)) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		ret = store_fail(b->st, err, "looking up the source files");
	db_reset(s);
	free(text);
	return ret < 0 ? -1 : 0;
}

int incidents_batch_set_stat(struct incidents_batch *b, const char *id, const struct source_stat *st,
			     struct error *err)
{
	struct db_stmt *s = b->s[B_STAT];
	db_reset(s);
	db_bind_text(s, 1, id);
	bind_stat(s, 2, st);
	int rc = store_run(b->st, s, err, "recording the file's stat");
	db_reset(s);
	return rc;
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
