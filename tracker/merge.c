/*
 * merge.c — the three-way merge of a document into the store (see merge.h for the rule).
 *
 * Statements are prepared once per batch (struct merger). Values are compared as text: owners as
 * their JSON array, priority as its digit, absent values as SQL NULL (NULL equals NULL here).
 */
#include "merge.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "itemkeys.h"
#include "sha256.h"
#include "stats.h"
#include "tdate.h"
#include "banned.h"

enum {
	S_INC_GET,
	S_INC_UPSERT,
	S_ITEMS_GET,
	S_ITEM_INSERT,
	S_ITEM_UPDATE,
	S_ITEM_REMOVE,
	S_EVENT,
	S_SAVEPOINT,
	S_RELEASE,
	S_INC_BY_SOURCE,
	S_INC_BY_HASH,
	S_INC_REKEY,
	S_ITEMS_REKEY,
	S_ROLLBACK_TO,
	S_SRC_GET,
	S_SRC_COUNT,
	S_SRC_STAT,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_INC_GET] = "SELECT source, source_hash, source_rules, rekeyed_to FROM incidents WHERE id = ?1",
    [S_INC_UPSERT] =
	"INSERT INTO incidents (id, title, date, duration, severity, reporter, approved_by, "
	"review_date, source, source_hash, imported_at, source_size, source_mtime_ns, source_ino, "
	"source_rules, status, id_derived) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
	"?16,?17) "
	"ON CONFLICT (id) DO UPDATE SET title=?2, date=?3, duration=?4, severity=?5, reporter=?6, "
	"approved_by=?7, review_date=?8, source=?9, source_hash=?10, imported_at=?11, "
	"source_size=?12, source_mtime_ns=?13, source_ino=?14, source_rules=?15, status=?16, "
	"id_derived=?17, rekeyed_to=NULL",
    [S_ITEMS_GET] = "SELECT id, key, action, owners, due, priority, status, base_action, base_owners, "
		    "base_due, base_priority, base_status, removed_at, position, line, status_raw, extra "
		    "FROM items WHERE incident_id = ?1",
    [S_ITEM_INSERT] =
	"INSERT INTO items (incident_id, key, position, line, action, owners, owner, due, "
	"priority, status, status_raw, extra, base_action, base_owners, base_due, base_priority, "
	"base_status, created_at, updated_at, closed_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
	"?11,?12,?5,?6,?8,?9,?10,?13,?13,?14)",
    [S_ITEM_UPDATE] = "UPDATE items SET position=?2, line=?3, action=?4, owners=?5, owner=?6, due=?7, "
		      "priority=?8, status=?9, status_raw=?10, extra=?11, base_action=?12, base_owners=?13, "
		      "base_due=?14, base_priority=?15, base_status=?16, removed_at=NULL, "
		      "updated_at=CASE WHEN ?17 THEN ?18 ELSE updated_at END, "
		      "sequence=sequence+?17, "
		      "closed_at=CASE WHEN ?9 NOT IN ('done','wont_do') THEN NULL "
		      "WHEN status IN ('done','wont_do') THEN closed_at ELSE ?18 END "
		      "WHERE id=?1",
    [S_ITEM_REMOVE] = "UPDATE items SET removed_at=?2, updated_at=?2, sequence=sequence+1 WHERE id=?1",
    [S_EVENT] = NULL, /* events_prepare() */
    [S_SAVEPOINT] = "SAVEPOINT merge_doc",
    [S_RELEASE] = "RELEASE merge_doc",
    [S_ROLLBACK_TO] = "ROLLBACK TO merge_doc",
    /* the incident this document was imported as before, under another id */
    [S_INC_BY_SOURCE] = "SELECT id, id_derived FROM incidents WHERE source = ?1 AND id <> ?2 AND "
			"rekeyed_to IS NULL LIMIT 1",
    /* the same bytes imported before from a path that may be gone (a renamed file) */
    [S_INC_BY_HASH] = "SELECT id, source FROM incidents WHERE source_hash = ?1 AND id <> ?2 AND "
		      "rekeyed_to IS NULL AND id_derived = 1",
    [S_INC_REKEY] = "UPDATE incidents SET rekeyed_to = ?2 WHERE id = ?1",
    [S_ITEMS_REKEY] = "UPDATE items SET incident_id = ?2, updated_at = ?3, sequence = sequence + 1 "
		      "WHERE incident_id = ?1 RETURNING id, key",
    [S_SRC_GET] = "SELECT id, source_hash, source_size, source_mtime_ns, source_ino FROM incidents "
		  "WHERE source = ?1 AND source_rules = ?2 AND rekeyed_to IS NULL",
    [S_SRC_COUNT] = "SELECT count(*) FROM items WHERE incident_id = ?1 AND removed_at IS NULL",
    [S_SRC_STAT] = "UPDATE incidents SET source_size = ?2, source_mtime_ns = ?3, source_ino = ?4 "
		   "WHERE id = ?1",
};

struct merger {
	struct store *st;
	sqlite3_stmt *s[S_COUNT];
	struct stats_refresh *refresh; /* issue 11 §5: stored start dates and close times (stats.h) */
};

struct merger *merger_new(struct store *st, struct error *err)
{
	struct merger *m = calloc(1, sizeof *m);
	if (!m) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	m->st = st;
	for (int i = 0; i < S_COUNT; i++) {
		if ((sql[i] ? store_prepare(st, &m->s[i], sql[i], err) : events_prepare(st, &m->s[i], err)) <
		    0) {
			merger_free(m);
			return NULL;
		}
	}
	if (!(m->refresh = stats_refresh_new(st, err))) { /* issue 11 §5 */
		merger_free(m);
		return NULL;
	}
	return m;
}

static int step_once(struct merger *m, int which, struct error *err)
{
	sqlite3_stmt *s = m->s[which];
	sqlite3_reset(s);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_error(m->st, err, "database");
}

int merger_begin_doc(struct merger *m, struct error *err)
{
	return step_once(m, S_SAVEPOINT, err);
}

int merger_end_doc(struct merger *m, bool keep, struct error *err)
{
	if (!keep && step_once(m, S_ROLLBACK_TO, err) < 0)
		return -1;
	return step_once(m, S_RELEASE, err);
}

void merger_free(struct merger *m)
{
	if (!m)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(m->s[i]);
	stats_refresh_free(m->refresh); /* issue 11 §5 */
	free(m);
}

/* The document's fields of an item, as the text the store keeps. */
enum { F_ACTION, F_OWNERS, F_DUE, F_PRIORITY, F_STATUS, F_COUNT };
static const char *const field_names[F_COUNT] = {"action", "owners", "due", "priority", "status"};

struct vals {
	char *v[F_COUNT]; /* NULL for absent */
};

static void vals_release(struct vals *v)
{
	for (int i = 0; i < F_COUNT; i++)
		free(v->v[i]);
}

static char *owners_json(char **owners, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(owners[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static int doc_vals(const struct import_item *it, struct vals *v)
{
	memset(v, 0, sizeof *v);
	v->v[F_ACTION] = strdup(it->action);
	v->v[F_OWNERS] = owners_json(it->owners, it->nowners);
	if (it->due != DATE_NONE) {
		v->v[F_DUE] = malloc(11);
		if (v->v[F_DUE])
			date_format(it->due, v->v[F_DUE]);
	}
	if (it->priority >= 0) {
		v->v[F_PRIORITY] = malloc(2);
		if (v->v[F_PRIORITY]) {
			v->v[F_PRIORITY][0] = (char)('0' + it->priority);
			v->v[F_PRIORITY][1] = '\0';
		}
	}
	v->v[F_STATUS] = strdup(status_name(it->status));
	if (!v->v[F_ACTION] || !v->v[F_OWNERS] || !v->v[F_STATUS] || (it->due != DATE_NONE && !v->v[F_DUE]) ||
	    (it->priority >= 0 && !v->v[F_PRIORITY]))
		return -1;
	return 0;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct stored {
	int64_t id;
	char *key;
	struct vals cur, base;
	bool removed, seen;
	int position, line;
	char *status_raw, *extra;
};

static void stored_release(struct stored *s)
{
	free(s->key);
	vals_release(&s->cur);
	vals_release(&s->base);
	free(s->status_raw);
	free(s->extra);
}

static int event(struct merger *m, int64_t item, const char *inc, const char *at, const char *actor,
		 const char *kind, const char *field, const char *old, const char *nw, const char *note,
		 struct error *err)
{
	struct history_event e = {.item_id = item,
				  .incident = inc,
				  .at = at,
				  .actor = actor,
				  .source = "import",
				  .kind = kind,
				  .field = field,
				  .old_value = old,
				  .new_value = nw,
				  .note = note};
	return events_add(m->st, m->s[S_EVENT], &e, err);
}

static int load_items(struct merger *m, const char *inc, struct stored **out, size_t *n, struct error *err)
{
	sqlite3_stmt *s = m->s[S_ITEMS_GET];
	sqlite3_reset(s);
	store_bind_text(s, 1, inc);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct stored *ns = realloc(*out, cap * sizeof *ns);
			if (!ns)
				return error_set(err, ERR_IO, "out of memory");
			*out = ns;
		}
		struct stored *x = &(*out)[(*n)++];
		memset(x, 0, sizeof *x);
		x->id = sqlite3_column_int64(s, 0);
		x->key = store_col_strdup(s, 1);
		for (int f = 0; f < F_COUNT; f++) {
			x->cur.v[f] = store_col_strdup(s, 2 + f);
			x->base.v[f] = store_col_strdup(s, 7 + f);
		}
		x->removed = sqlite3_column_type(s, 12) != SQLITE_NULL;
		x->position = sqlite3_column_int(s, 13);
		x->line = sqlite3_column_int(s, 14);
		x->status_raw = store_col_strdup(s, 15);
		x->extra = store_col_strdup(s, 16);
	}
	if (rc != SQLITE_DONE)
		return store_error(m->st, err, "reading items");
	return 0;
}

/* Binds action, owners, owner, due, priority, status at `first`... `owner` is the first owner when
 * the caller knows it (a document row); otherwise it is read from the owners JSON. */
static int bind_item_common(sqlite3_stmt *s, const struct vals *v, int first, const char *owner, bool known)
{
	store_bind_text(s, first, v->v[F_ACTION]);
	store_bind_text(s, first + 1, v->v[F_OWNERS]);
	if (known) {
		store_bind_text(s, first + 2, owner);
	} else if (!strcmp(v->v[F_OWNERS], "[]")) {
		sqlite3_bind_null(s, first + 2);
	} else {
		json_t *a = json_loads(v->v[F_OWNERS], 0, NULL);
		store_bind_text(s, first + 2, json_string_value(json_array_get(a, 0)));
		json_decref(a);
	}
	store_bind_text(s, first + 3, v->v[F_DUE]);
	if (v->v[F_PRIORITY])
		sqlite3_bind_int(s, first + 4, v->v[F_PRIORITY][0] - '0');
	else
		sqlite3_bind_null(s, first + 4);
	store_bind_text(s, first + 5, v->v[F_STATUS]);
	return 0;
}

static int insert_item(struct merger *m, const char *inc, const struct import_item *it, const char *key,
		       int pos, const struct vals *v, const char *now, const char *actor, struct error *err)
{
	sqlite3_stmt *s = m->s[S_ITEM_INSERT];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	store_bind_text(s, 1, inc);
	store_bind_text(s, 2, key);
	sqlite3_bind_int(s, 3, pos);
	sqlite3_bind_int(s, 4, (int)it->line);
	bind_item_common(s, v, 5, it->nowners > 0 ? it->owners[0] : NULL, true);
	store_bind_text(s, 11, it->status_raw);
	store_bind_text(s, 12, it->extra);
	store_bind_text(s, 13, now);
	/* An item already closed when first imported was closed at a time the tracker cannot know (a
	 * back-filled post-mortem): closed_at stays NULL, never the import time (docs/metrics.md). */
	sqlite3_bind_null(s, 14);
	if (sqlite3_step(s) != SQLITE_DONE)
		return store_error(m->st, err, "adding an item");
	int64_t id = sqlite3_last_insert_rowid(m->st->db);
	return event(m, id, inc, now, actor, "created", NULL, NULL, it->action, NULL, err);
}

/* Merges one stored item with its document row. */
static int merge_item(struct merger *m, const char *inc, struct stored *x, const struct import_item *it,
		      int pos, const struct vals *d, const char *now, const char *actor,
		      struct merge_summary *sum, struct error *err)
{
	struct vals next;
	bool changed = false, restored = x->removed;
	memset(&next, 0, sizeof next);
	for (int f = 0; f < F_COUNT; f++) {
		const char *cur = x->cur.v[f], *base = x->base.v[f], *doc = d->v[f];
		const char *val = cur;
		if (same(doc, base)) {
			val = cur; /* the document did not change this field: the tracker's value stays */
		} else if (same(cur, base) || same(cur, doc)) {
			val = doc; /* only the document changed (or both to the same value) */
		} else {
			val = doc; /* both changed: the document wins, the conflict is recorded */
			if (event(m, x->id, inc, now, actor, "conflict", field_names[f], cur, doc,
				  "changed in the tracker and in the document; the document wins", err) < 0)
				goto fail;
			sum->conflicts++;
		}
		if (!same(val, cur)) {
			changed = true;
			if (event(m, x->id, inc, now, actor, "changed", field_names[f], cur, val, NULL, err) <
			    0)
				goto fail;
		}
		next.v[f] = (char *)val;
	}
	if (restored && event(m, x->id, inc, now, actor, "restored", NULL, NULL, NULL,
			      "the row is back in the document", err) < 0)
		goto fail;
	bool base_changed = false;
	for (int f = 0; f < F_COUNT; f++)
		base_changed |= !same(x->base.v[f], d->v[f]);
	bool meta_changed = x->position != pos || x->line != (int)it->line ||
			    !same(x->status_raw, it->status_raw) || !same(x->extra, it->extra);
	if (changed || restored || base_changed || meta_changed) {
		sqlite3_stmt *s = m->s[S_ITEM_UPDATE];
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		sqlite3_bind_int64(s, 1, x->id);
		sqlite3_bind_int(s, 2, pos);
		sqlite3_bind_int(s, 3, (int)it->line);
		bind_item_common(s, &next, 4, NULL, false);
		store_bind_text(s, 10, it->status_raw);
		store_bind_text(s, 11, it->extra);
		store_bind_text(s, 12, d->v[F_ACTION]);
		store_bind_text(s, 13, d->v[F_OWNERS]);
		store_bind_text(s, 14, d->v[F_DUE]);
		if (d->v[F_PRIORITY])
			sqlite3_bind_int(s, 15, d->v[F_PRIORITY][0] - '0');
		else
			sqlite3_bind_null(s, 15);
		store_bind_text(s, 16, d->v[F_STATUS]);
		sqlite3_bind_int(s, 17, changed || restored);
		store_bind_text(s, 18, now);
		if (sqlite3_step(s) != SQLITE_DONE) {
			store_error(m->st, err, "updating an item");
			goto fail;
		}
	}
	if (restored)
		sum->restored++;
	else if (changed)
		sum->updated++;
	else
		sum->unchanged++;
	return 0;
fail:
	return -1;
}

/* Binds size, mtime and inode at idx..idx+2, or NULLs when the stat is not a key. */
static void bind_stat(sqlite3_stmt *s, int idx, const struct import_stat *st)
{
	for (int i = 0; i < 3; i++) {
		if (st->known)
			sqlite3_bind_int64(s, idx + i, i == 0 ? st->size : i == 1 ? st->mtime_ns : st->ino);
		else
			sqlite3_bind_null(s, idx + i);
	}
}

static int store_stat(struct merger *m, const char *id, const struct import_stat *st, struct error *err)
{
	sqlite3_stmt *s = m->s[S_SRC_STAT];
	sqlite3_reset(s);
	store_bind_text(s, 1, id);
	bind_stat(s, 2, st);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_error(m->st, err, "recording the file's stat");
}

int merger_source_touch(struct merger *m, const char *id, const struct import_stat *st, struct error *err)
{
	return store_stat(m, id, st, err);
}

int merger_sources(struct merger *m, const char *source, const char *rules, struct merge_source **out,
		   size_t *n, struct error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = m->s[S_SRC_GET];
	sqlite3_reset(s);
	store_bind_text(s, 1, source);
	store_bind_text(s, 2, rules);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct merge_source *nv = realloc(*out, (*n + 1) * sizeof *nv);
		const char *h = (const char *)sqlite3_column_text(s, 1);
		if (!nv || !(nv[*n].id = store_col_strdup(s, 0))) {
			sqlite3_reset(s);
			if (nv)
				*out = nv;
			return error_set(err, ERR_IO, "out of memory");
		}
		*out = nv;
		struct merge_source *x = &nv[(*n)++];
		snprintf(x->hash, sizeof x->hash, "%s", h ? h : "");
		x->st.known = sqlite3_column_type(s, 2) != SQLITE_NULL;
		x->st.size = sqlite3_column_int64(s, 2);
		x->st.mtime_ns = sqlite3_column_int64(s, 3);
		x->st.ino = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(m->st, err, "looking up the source file");
	return 0;
}

void merge_sources_free(struct merge_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].id);
	free(v);
}

int merge_source_by_stat(const struct merge_source *v, size_t n, const struct import_stat *st)
{
	for (size_t i = 0; st->known && i < n; i++)
		if (v[i].st.known && v[i].st.size == st->size && v[i].st.mtime_ns == st->mtime_ns &&
		    v[i].st.ino == st->ino)
			return (int)i;
	return -1;
}

int merge_source_by_hash(const struct merge_source *v, size_t n, const unsigned char sha256[32])
{
	char hash[65];
	hex_lower(sha256, 32, hash);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].hash, hash))
			return (int)i;
	return -1;
}

int merger_source_items(struct merger *m, const char *id, unsigned *nitems, struct error *err)
{
	sqlite3_stmt *s = m->s[S_SRC_COUNT];
	sqlite3_reset(s);
	store_bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	*nitems = rc == SQLITE_ROW ? (unsigned)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_error(m->st, err, "counting items");
}

static int upsert_incident(struct merger *m, const struct import_doc *doc, const char *source,
			   const char *hash, const char *now, struct error *err)
{
	const struct import_incident *i = &doc->inc;
	char date[11], review[11];
	sqlite3_stmt *s = m->s[S_INC_UPSERT];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	store_bind_text(s, 1, i->id);
	store_bind_text(s, 2, i->title ? i->title : "");
	if (i->date != DATE_NONE) {
		date_format(i->date, date);
		store_bind_text(s, 3, date);
	}
	store_bind_text(s, 4, i->duration);
	store_bind_int_or_null(s, 5, i->severity);
	store_bind_text(s, 6, i->reporter);
	store_bind_text(s, 7, i->approved_by);
	if (i->review_date != DATE_NONE) {
		date_format(i->review_date, review);
		store_bind_text(s, 8, review);
	}
	store_bind_text(s, 9, source);
	store_bind_text(s, 10, hash);
	store_bind_text(s, 11, now);
	bind_stat(s, 12, &doc->src);
	store_bind_text(s, 15, doc->rules[0] ? doc->rules : NULL);
	store_bind_text(s, 16, i->status);
	sqlite3_bind_int(s, 17, i->id_derived);
	if (sqlite3_step(s) != SQLITE_DONE)
		return store_error(m->st, err, "saving the incident");
	return 0;
}

/* The document at `source` was imported before as incident `old`: its items (history, status,
 * tracker changes and all) move to the document's new id, each with a `rekeyed` event, and the old
 * row is marked rekeyed_to (it stays: the events name it). */
static int rekey(struct merger *m, const char *old, const char *nw, const char *now, const char *actor,
		 struct error *err)
{
	sqlite3_stmt *s = m->s[S_ITEMS_REKEY];
	sqlite3_reset(s);
	store_bind_text(s, 1, old);
	store_bind_text(s, 2, nw);
	store_bind_text(s, 3, now);
	struct moved {
		int64_t id;
		char *key;
	} *v = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct moved *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			v = nv;
		}
		v[n].id = sqlite3_column_int64(s, 0);
		v[n].key = store_col_strdup(s, 1);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_error(m->st, err, "moving items to the new incident id");
		goto out;
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++)
		if (event(m, v[i].id, nw, now, actor, "rekeyed", "incident", old, nw,
			  "the document's incident id changed; the item moved with it", err) < 0)
			goto out;
	if (event(m, 0, nw, now, actor, "rekeyed", "incident", old, nw, "the document's incident id changed",
		  err) < 0)
		goto out;
	s = m->s[S_INC_REKEY];
	sqlite3_reset(s);
	store_bind_text(s, 1, old);
	store_bind_text(s, 2, nw);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(m->st, err, "marking the old incident id");
		goto out;
	}
	ret = 0;
out:
	sqlite3_reset(m->s[S_ITEMS_REKEY]);
	sqlite3_reset(m->s[S_INC_REKEY]);
	for (size_t i = 0; i < n; i++)
		free(v[i].key);
	free(v);
	return ret;
}

static int cmp_stored(const void *a, const void *b)
{
	return strcmp(((const struct stored *)a)->key, ((const struct stored *)b)->key);
}

int merge_doc(struct merger *m, const struct import_doc *doc, const char *source, const char *actor,
	      int64_t now_t, struct merge_summary *sum, struct error *err)
{
	int rc = -1;
	char now[21], hash[65];
	struct stored *items = NULL;
	struct key_cand *cands = NULL;
	char **keys = NULL;
	size_t n = 0;
	time_format(now_t, now);
	hex_lower(doc->sha256, sizeof doc->sha256, hash);
	memset(sum, 0, sizeof *sum);

	/* Where was this incident imported from before? */
	sqlite3_stmt *s = m->s[S_INC_GET];
	sqlite3_reset(s);
	store_bind_text(s, 1, doc->inc.id);
	int step = sqlite3_step(s);
	char *rekey_from = NULL;
	bool was_rekeyed = false;
	if (step == SQLITE_ROW) {
		const char *old_src = (const char *)sqlite3_column_text(s, 0);
		const char *old_hash = (const char *)sqlite3_column_text(s, 1);
		const char *old_rules = (const char *)sqlite3_column_text(s, 2);
		was_rekeyed = sqlite3_column_type(s, 3) != SQLITE_NULL;
		if (old_src && strcmp(old_src, source)) {
			if (!was_rekeyed && access(old_src, F_OK) == 0) {
				if (doc->inc.id_derived)
					error_set(
					    err, ERR_DATA,
					    "%s and %s both derive the incident id \"%s\" from their file "
					    "names: give one of them its own id (**Incident ID:** …) or "
					    "rename it",
					    source, old_src, doc->inc.id);
				else
					error_set(
					    err, ERR_DATA,
					    "incident %s is already imported from %s: one incident, one "
					    "document (remove the other file or fix the id)",
					    doc->inc.id, old_src);
				sqlite3_reset(s);
				return -1;
			}
			sum->moved = !was_rekeyed;
		} else if (old_hash && !strcmp(old_hash, hash) && !was_rekeyed &&
			   same(old_rules, doc->rules[0] ? doc->rules : NULL)) {
			sum->same_file = true;
		}
	} else if (step != SQLITE_DONE) {
		return store_error(m->st, err, "reading the incident");
	}
	sqlite3_reset(s);
	if (step == SQLITE_DONE || was_rekeyed) {
		/* A new id (or one this document had before): was this document imported before under another
		 * one? */
		s = m->s[S_INC_BY_SOURCE];
		sqlite3_reset(s);
		store_bind_text(s, 1, source);
		store_bind_text(s, 2, doc->inc.id);
		step = sqlite3_step(s);
		/* Both ids written and different: another document took this path (or the team
		 * renumbered); only an id derived from the file name is the same document's. */
		if (step == SQLITE_ROW && (doc->inc.id_derived || sqlite3_column_int(s, 1)))
			rekey_from = store_col_strdup(s, 0);
		sqlite3_reset(s);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			return store_error(m->st, err, "reading the incident");
	}
	if (step == SQLITE_DONE && !rekey_from && doc->inc.id_derived) {
		/* A renamed file whose id came from its name: the same bytes, the old path gone. (A
		 * written id survives a rename: the "moved" rule above handles that.) */
		s = m->s[S_INC_BY_HASH];
		sqlite3_reset(s);
		store_bind_text(s, 1, hash);
		store_bind_text(s, 2, doc->inc.id);
		while ((step = sqlite3_step(s)) == SQLITE_ROW && !rekey_from) {
			const char *src = (const char *)sqlite3_column_text(s, 1);
			if (src && strcmp(src, source) && access(src, F_OK) != 0) {
				rekey_from = store_col_strdup(s, 0);
				sum->moved = true;
			}
		}
		sqlite3_reset(s);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			free(rekey_from);
			return store_error(m->st, err, "reading the incident");
		}
	}
	if (sum->same_file) {
		sum->unchanged = (unsigned)doc->nitems;
		/* The hash proved the file unchanged: its stat is the key of the next re-import. */
		return doc->src.known ? store_stat(m, doc->inc.id, &doc->src, err) : 0;
	}
	if (upsert_incident(m, doc, source, hash, now, err) < 0) {
		free(rekey_from);
		return -1;
	}
	if (rekey_from) {
		int r = rekey(m, rekey_from, doc->inc.id, now, actor, err);
		snprintf(sum->rekeyed_from, sizeof sum->rekeyed_from, "%s", rekey_from);
		free(rekey_from);
		if (r < 0)
			return -1;
	}
	if (sum->moved && event(m, 0, doc->inc.id, now, actor, "moved", "source", NULL, source,
				"the document was renamed or moved", err) < 0)
		return -1;
	if (load_items(m, doc->inc.id, &items, &n, err) < 0)
		goto out;
	/* items without a written key follow their content (itemkeys.h) */
	cands = calloc(n ? n : 1, sizeof *cands);
	if (!cands) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		cands[i] = (struct key_cand){.key = items[i].key,
					     .base_action = items[i].base.v[F_ACTION],
					     .action = items[i].cur.v[F_ACTION],
					     .position = items[i].position,
					     .removed = items[i].removed};
	if (keys_match(doc, cands, n, &keys) < 0) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (n > 1)
		qsort(items, n, sizeof *items, cmp_stored);

	for (size_t i = 0; i < doc->nitems; i++) {
		const struct import_item *it = &doc->items[i];
		struct vals d;
		if (doc_vals(it, &d) < 0) {
			vals_release(&d);
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		struct stored key = {.key = keys[i]};
		struct stored *x = n ? bsearch(&key, items, n, sizeof *items, cmp_stored) : NULL;
		int r;
		if (x) {
			x->seen = true;
			r = merge_item(m, doc->inc.id, x, it, (int)i, &d, now, actor, sum, err);
		} else {
			r = insert_item(m, doc->inc.id, it, keys[i], (int)i, &d, now, actor, err);
			sum->created++;
		}
		vals_release(&d);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (items[i].seen || items[i].removed)
			continue;
		sqlite3_stmt *rm = m->s[S_ITEM_REMOVE];
		sqlite3_reset(rm);
		sqlite3_bind_int64(rm, 1, items[i].id);
		store_bind_text(rm, 2, now);
		if (sqlite3_step(rm) != SQLITE_DONE) {
			store_error(m->st, err, "flagging a removed item");
			goto out;
		}
		if (event(m, items[i].id, doc->inc.id, now, actor, "removed", NULL, NULL, NULL,
			  "the row is no longer in the document", err) < 0)
			goto out;
		sum->removed++;
	}
	/* issue 11 §5: the document's items' stored start dates and close times (stats.h) */
	if (stats_refresh_run(m->refresh, doc->inc.id, err) < 0)
		goto out;
	rc = 0;
out:
	keys_free(keys, keys ? doc->nitems : 0);
	free(cands);
	for (size_t i = 0; i < n; i++)
		stored_release(&items[i]);
	free(items);
	return rc;
}
