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
#include "incidents.h"
#include "itemkeys.h"
#include "items.h"
#include "sha256.h"
#include "stats.h"
#include "tdate.h"
#include "banned.h"

struct merger {
	struct store *st;
	struct items_batch *items;
	struct incidents_batch *incidents;
	struct db_stmt *events;
	struct store_savepoint sp;
	struct stats_refresh *refresh;      /* issue 11 §5: stored start dates and close times (stats.h) */
	const struct import_origin *origin; /* during merge_doc_from(), or NULL */
	struct prefetched *pf;              /* merger_prefetch(): npf entries, id NULL when used or stale */
	size_t npf;
	bool grouped; /* merger_group_begin(): no savepoint and no wait per document */
};

/* What incidents_batch_get_many() said of a document before it was merged: valid until a write
 * touches its incident id or source (merger_forget), or any write is undone (merger_forget_all). */
struct prefetched {
	char *id, *source;
	int found;
	struct incident_prev prev;
	struct incident_other other;
};

static void prefetched_release(struct prefetched *e)
{
	free(e->id);
	free(e->source);
	incident_prev_release(&e->prev);
	free(e->other.id);
	memset(e, 0, sizeof *e);
}

static void merger_forget_all(struct merger *m)
{
	for (size_t i = 0; i < m->npf; i++)
		prefetched_release(&m->pf[i]);
	free(m->pf);
	m->pf = NULL;
	m->npf = 0;
}

/* A document is about to write incident `id` imported from `source`: what was fetched of either is
 * stale. */
static void merger_forget(struct merger *m, const char *id, const char *source)
{
	for (size_t i = 0; i < m->npf; i++)
		if (m->pf[i].id && (!strcmp(m->pf[i].id, id) || !strcmp(m->pf[i].source, source)))
			prefetched_release(&m->pf[i]);
}

int merger_prefetch(struct merger *m, const char *const *ids, const char *const *sources, size_t n,
		    struct error *err)
{
	merger_forget_all(m);
	if (!n)
		return 0;
	struct prefetched *pf = calloc(n, sizeof *pf);
	int *found = calloc(n, sizeof *found);
	struct incident_prev *prev = calloc(n, sizeof *prev);
	struct incident_other *other = calloc(n, sizeof *other);
	int rc = -1;
	if (!pf || !found || !prev || !other) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (incidents_batch_get_many(m->incidents, ids, sources, n, found, prev, other, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		pf[i] = (struct prefetched){.id = strdup(ids[i]),
					    .source = strdup(sources[i]),
					    .found = found[i],
					    .prev = prev[i],
					    .other = other[i]};
		if (!pf[i].id || !pf[i].source)
			prefetched_release(&pf[i]); /* (out of memory: looked up again when needed) */
	}
	m->pf = pf;
	m->npf = n;
	pf = NULL;
	rc = 0;
out:
	free(pf);
	free(found);
	free(prev);
	free(other);
	return rc;
}

/* incidents_batch_get_with_source(), from what merger_prefetch() fetched when that is still valid. */
static int get_with_source(struct merger *m, const char *id, const char *source, struct incident_prev *prev,
			   struct incident_other *other, struct error *err)
{
	for (size_t i = 0; i < m->npf; i++) {
		struct prefetched *e = &m->pf[i];
		if (e->id && !strcmp(e->id, id) && !strcmp(e->source, source)) {
			int found = e->found;
			*prev = e->prev;
			*other = e->other;
			memset(&e->prev, 0, sizeof e->prev);
			memset(&e->other, 0, sizeof e->other);
			prefetched_release(e);
			return found;
		}
	}
	return incidents_batch_get_with_source(m->incidents, id, source, prev, other, err);
}

struct merger *merger_new(struct store *st, struct error *err)
{
	struct merger *m = calloc(1, sizeof *m);
	if (!m) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	m->st = st;
	if (!(m->items = items_batch_new(st, err)) || !(m->incidents = incidents_batch_new(st, err)) ||
	    events_prepare(st, &m->events, err) < 0 || store_savepoint_prepare(st, &m->sp, err) < 0) {
		merger_free(m);
		return NULL;
	}
	if (!(m->refresh = stats_refresh_new(st, err))) { /* issue 11 §5 */
		merger_free(m);
		return NULL;
	}
	return m;
}

int merger_begin_doc(struct merger *m, struct error *err)
{
	return store_savepoint_set(m->st, &m->sp, err);
}

int merger_end_doc(struct merger *m, bool keep, struct error *err)
{
	if (!keep)
		merger_forget_all(m); /* (fetched while this document's writes were there) */
	return store_savepoint_end(m->st, &m->sp, keep, err);
}

int merger_group_begin(struct merger *m, struct error *err)
{
	if (store_savepoint_set(m->st, &m->sp, err) < 0)
		return -1;
	m->grouped = true;
	return 0;
}

int merger_group_end(struct merger *m, bool keep, struct error *err)
{
	m->grouped = false;
	if (keep && store_flush(m->st, err) < 0)
		keep = false;
	if (!keep) {
		merger_forget_all(m);
		struct error ignored;
		store_savepoint_end(m->st, &m->sp, false, &ignored);
		return -1;
	}
	return store_savepoint_end(m->st, &m->sp, true, err);
}

void merger_free(struct merger *m)
{
	if (!m)
		return;
	items_batch_free(m->items);
	incidents_batch_free(m->incidents);
	events_finish(m->events);
	store_savepoint_free(&m->sp);
	stats_refresh_free(m->refresh); /* issue 11 §5 */
	merger_forget_all(m);
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
				  .note = note,
				  .origin = m->origin ? m->origin->id : 0};
	/* the items added before it first: the history in the order of the document on both engines */
	if (items_batch_send(m->items, err) < 0)
		return -1;
	return events_add_deferred(m->st, m->events, &e, err);
}

/* A priority as the text the merge compares ("0".."3"), NULL when none. */
static char *priority_text(int p)
{
	if (p < 0)
		return NULL;
	char b[16];
	snprintf(b, sizeof b, "%d", p);
	return strdup(b);
}

static int int_of_priority(const char *p)
{
	return p ? p[0] - '0' : -1;
}

/* A callback's list; `oom` says why it stopped (the store's error is then unset). */
struct loaded {
	struct stored *v;
	size_t n, cap;
	bool oom;
};

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

static int load_row(const struct item_row *r, void *ud)
{
	struct loaded *l = ud;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct stored *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv) {
			l->oom = true;
			return -1;
		}
		l->v = nv;
		l->cap = cap;
	}
	struct stored *x = &l->v[l->n++];
	bool oom = false;
	memset(x, 0, sizeof *x);
	x->id = r->id;
	x->key = dup_or_null(r->key, &oom);
	const char *cur[F_COUNT] = {r->action, r->owners, r->due, NULL, r->status};
	const char *base[F_COUNT] = {r->base_action, r->base_owners, r->base_due, NULL, r->base_status};
	for (int f = 0; f < F_COUNT; f++) {
		x->cur.v[f] = dup_or_null(cur[f], &oom);
		x->base.v[f] = dup_or_null(base[f], &oom);
	}
	x->cur.v[F_PRIORITY] = priority_text(r->priority);
	x->base.v[F_PRIORITY] = priority_text(r->base_priority);
	oom |=
	    (r->priority >= 0 && !x->cur.v[F_PRIORITY]) || (r->base_priority >= 0 && !x->base.v[F_PRIORITY]);
	x->removed = r->removed_at != NULL;
	x->position = r->position;
	x->line = r->line;
	x->status_raw = dup_or_null(r->status_raw, &oom);
	x->extra = dup_or_null(r->extra, &oom);
	l->oom |= oom;
	return oom ? -1 : 0;
}

static int load_items(struct merger *m, const char *inc, struct stored **out, size_t *n, struct error *err)
{
	struct loaded l = {0};
	int rc = items_batch_of_incident(m->items, inc, load_row, &l, err);
	*out = l.v;
	*n = l.n;
	if (rc < 0 && l.oom)
		error_set(err, ERR_IO, "out of memory");
	return rc;
}

/* The first owner of a JSON array of owners (NULL for "[]"), copied. */
static char *first_owner(const char *owners)
{
	if (!strcmp(owners, "[]"))
		return NULL;
	json_t *a = json_loads(owners, 0, NULL);
	const char *o = json_string_value(json_array_get(a, 0));
	char *r = o ? strdup(o) : NULL;
	json_decref(a);
	return r;
}

static int insert_item(struct merger *m, const char *inc, const struct import_item *it, const char *key,
		       int pos, const struct vals *v, const char *now, const char *actor, struct error *err)
{
	struct item_insert x = {
	    .incident = inc,
	    .key = key,
	    .position = pos,
	    .line = (int)it->line,
	    .action = v->v[F_ACTION],
	    .owners = v->v[F_OWNERS],
	    .owner = it->nowners > 0 ? it->owners[0] : NULL,
	    .due = v->v[F_DUE],
	    .priority = int_of_priority(v->v[F_PRIORITY]),
	    .status = v->v[F_STATUS],
	    .status_raw = it->status_raw,
	    .extra = it->extra,
	    .now = now,
	    /* An item already closed when first imported was closed at a time the tracker cannot know (a
	     * back-filled post-mortem): closed_at stays NULL, never the import time (docs/metrics.md). */
	    .closed_at = NULL,
	    .actor = actor, /* the created event */
	    .origin = m->origin ? m->origin->id : 0,
	};
	return items_batch_insert(m->items, &x, err);
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
				return -1;
			sum->conflicts++;
		}
		if (!same(val, cur)) {
			changed = true;
			if (event(m, x->id, inc, now, actor, "changed", field_names[f], cur, val, NULL, err) <
			    0)
				return -1;
		}
		next.v[f] = (char *)val;
	}
	if (restored && event(m, x->id, inc, now, actor, "restored", NULL, NULL, NULL,
			      "the row is back in the document", err) < 0)
		return -1;
	bool base_changed = false;
	for (int f = 0; f < F_COUNT; f++)
		base_changed |= !same(x->base.v[f], d->v[f]);
	bool meta_changed = x->position != pos || x->line != (int)it->line ||
			    !same(x->status_raw, it->status_raw) || !same(x->extra, it->extra);
	if (changed || restored || base_changed || meta_changed) {
		char *owner = first_owner(next.v[F_OWNERS]);
		struct item_update u = {
		    .id = x->id,
		    .position = pos,
		    .line = (int)it->line,
		    .action = next.v[F_ACTION],
		    .owners = next.v[F_OWNERS],
		    .owner = owner,
		    .due = next.v[F_DUE],
		    .priority = int_of_priority(next.v[F_PRIORITY]),
		    .status = next.v[F_STATUS],
		    .status_raw = it->status_raw,
		    .extra = it->extra,
		    .base_action = d->v[F_ACTION],
		    .base_owners = d->v[F_OWNERS],
		    .base_due = d->v[F_DUE],
		    .base_priority = int_of_priority(d->v[F_PRIORITY]),
		    .base_status = d->v[F_STATUS],
		    .touched = changed || restored,
		    .now = now,
		};
		int r = items_batch_update(m->items, &u, err);
		free(owner);
		if (r < 0)
			return -1;
	}
	if (restored)
		sum->restored++;
	else if (changed)
		sum->updated++;
	else
		sum->unchanged++;
	return 0;
}

static struct source_stat source_stat_of(const struct import_stat *st)
{
	return (struct source_stat){
	    .size = st->size, .mtime_ns = st->mtime_ns, .ino = st->ino, .known = st->known};
}

int merger_source_touch(struct merger *m, const char *id, const struct import_stat *st, struct error *err)
{
	struct source_stat ss = source_stat_of(st);
	return incidents_batch_set_stat(m->incidents, id, &ss, err);
}

struct sources {
	struct merge_source **v; /* the list of source i */
	size_t *n;
	bool oom;
};

static int add_source(size_t i, const struct incident_source *s, void *ud)
{
	struct sources *l = ud;
	struct merge_source *nv = realloc(l->v[i], (l->n[i] + 1) * sizeof *nv);
	if (!nv) {
		l->oom = true;
		return -1;
	}
	l->v[i] = nv;
	struct merge_source *x = &nv[l->n[i]];
	if (!(x->id = strdup(s->id))) {
		l->oom = true;
		return -1;
	}
	l->n[i]++;
	snprintf(x->hash, sizeof x->hash, "%s", s->source_hash ? s->source_hash : "");
	x->st = (struct import_stat){
	    .known = s->stat.known, .size = s->stat.size, .mtime_ns = s->stat.mtime_ns, .ino = s->stat.ino};
	return 0;
}

static int cmp_source(const void *a, const void *b)
{
	return strcmp(((const struct merge_source *)a)->id, ((const struct merge_source *)b)->id);
}

int merger_sources(struct merger *m, const char *const *sources, size_t n, const char *rules,
		   struct merge_source **out, size_t *nout, struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = NULL;
		nout[i] = 0;
	}
	struct sources l = {.v = out, .n = nout};
	int rc = incidents_batch_sources(m->incidents, sources, n, rules, add_source, &l, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (nout[i] > 1) /* by id: the same first match on both engines */
			qsort(out[i], nout[i], sizeof *out[i], cmp_source);
	if (rc < 0) {
		if (l.oom)
			error_set(err, ERR_IO, "out of memory");
		for (size_t i = 0; i < n; i++) {
			merge_sources_free(out[i], nout[i]);
			out[i] = NULL;
			nout[i] = 0;
		}
	}
	return rc;
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
	return items_batch_count(m->items, id, nitems, err);
}

static int upsert_incident(struct merger *m, const struct import_doc *doc, const char *source,
			   const char *hash, const char *now, struct error *err)
{
	const struct import_incident *i = &doc->inc;
	char date[11], review[11];
	if (i->date != DATE_NONE)
		date_format(i->date, date);
	if (i->review_date != DATE_NONE)
		date_format(i->review_date, review);
	struct incident_record r = {
	    .id = i->id,
	    .title = i->title ? i->title : "",
	    .date = i->date != DATE_NONE ? date : NULL,
	    .duration = i->duration,
	    .severity = i->severity,
	    .reporter = i->reporter,
	    .approved_by = i->approved_by,
	    .review_date = i->review_date != DATE_NONE ? review : NULL,
	    .status = i->status,
	    .source = source,
	    .source_hash = hash,
	    .imported_at = now,
	    .stat = source_stat_of(&doc->src),
	    .rules = doc->rules[0] ? doc->rules : NULL,
	    .id_derived = i->id_derived,
	};
	return incidents_batch_upsert(m->incidents, &r, err);
}

struct moved {
	struct {
		int64_t id;
		char *key;
	} * v;
	size_t n, cap;
	bool oom;
};

static int add_moved(int64_t id, const char *key, void *ud)
{
	struct moved *l = ud;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *nv = realloc(l->v, cap * sizeof *l->v);
		if (!nv) {
			l->oom = true;
			return -1;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].id = id;
	if (!(l->v[l->n].key = strdup(key))) {
		l->oom = true;
		return -1;
	}
	l->n++;
	return 0;
}

/* The document at `source` was imported before as incident `old`: its items (history, status,
 * tracker changes and all) move to the document's new id, each with a `rekeyed` event, and the old
 * row is marked rekeyed_to (it stays: the events name it). */
static int rekey(struct merger *m, const char *old, const char *nw, const char *now, const char *actor,
		 struct error *err)
{
	struct moved l = {0};
	int ret = -1;
	if (items_batch_rekey(m->items, old, nw, now, add_moved, &l, err) < 0) {
		if (l.oom)
			error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		if (event(m, l.v[i].id, nw, now, actor, "rekeyed", "incident", old, nw,
			  "the document's incident id changed; the item moved with it", err) < 0)
			goto out;
	if (event(m, 0, nw, now, actor, "rekeyed", "incident", old, nw, "the document's incident id changed",
		  err) < 0)
		goto out;
	if (incidents_batch_rekey(m->incidents, old, nw, err) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].key);
	free(l.v);
	return ret;
}

static int cmp_stored(const void *a, const void *b)
{
	return strcmp(((const struct stored *)a)->key, ((const struct stored *)b)->key);
}

/* Whether the document of another incident still exists (import_origin.exists, else access(2)). */
static bool doc_exists(const struct merger *m, const char *ref)
{
	if (m->origin && m->origin->exists)
		return m->origin->exists(ref, m->origin->ud);
	return access(ref, F_OK) == 0;
}

/* incidents_batch_by_hash(): an incident whose old path is gone is this document renamed (the smallest
 * id when several are). */
struct renamed {
	const struct merger *m;
	const char *source;
	char *id;
	bool oom;
};

static int find_renamed(const char *id, const char *src, void *ud)
{
	struct renamed *r = ud;
	if (!src || !strcmp(src, r->source) || (r->id && strcmp(id, r->id) >= 0) || doc_exists(r->m, src))
		return 0;
	free(r->id);
	if (!(r->id = strdup(id))) {
		r->oom = true;
		return -1;
	}
	return 0;
}

static int merge_doc_writes(struct merger *m, const struct import_doc *doc, const char *source,
			    const char *actor, int64_t now_t, struct merge_summary *sum, struct error *err)
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
	struct incident_prev prev;
	struct incident_other other;
	int found = get_with_source(m, doc->inc.id, source, &prev, &other, err);
	if (found < 0)
		return -1;
	/* This document writes its incident and source: what was fetched of either is stale now. (A
	 * move, a rename or a new id for an old incident writes others too: everything is.) */
	merger_forget(m, doc->inc.id, source);
	if ((found == 0 && (!prev.source || strcmp(prev.source, source) || prev.rekeyed)) ||
	    (found == 1 && other.found == 0) || !other.fetched)
		merger_forget_all(m);
	char *rekey_from = NULL;
	bool was_rekeyed = false, other_source = false;
	if (found == 0) {
		const char *old_src = prev.source;
		was_rekeyed = prev.rekeyed;
		if (old_src && strcmp(old_src, source)) {
			if (!was_rekeyed && doc_exists(m, old_src)) {
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
				incident_prev_release(&prev);
				free(other.id);
				return -1;
			}
			sum->moved = !was_rekeyed;
		} else if (prev.source_hash && !strcmp(prev.source_hash, hash) && !was_rekeyed &&
			   same(prev.source_rules, doc->rules[0] ? doc->rules : NULL)) {
			sum->same_file = true;
		}
		incident_prev_release(&prev);
	}
	if (found == 1 || was_rekeyed) {
		/* A new id (or one this document had before): was this document imported before under another
		 * one? */
		bool derived = other.derived;
		int r = other.found;
		if (other.fetched)
			rekey_from = other.id, other.id = NULL;
		else
			r = incidents_batch_by_source(m->incidents, source, doc->inc.id, &rekey_from,
						      &derived, err);
		if (r < 0)
			return -1;
		other_source = r == 0;
		/* Both ids written and different: another document took this path (or the team
		 * renumbered); only an id derived from the file name is the same document's. */
		if (other_source && !doc->inc.id_derived && !derived) {
			free(rekey_from);
			rekey_from = NULL;
		}
	}
	free(other.id); /* unused: the incident is known under its id */
	other.id = NULL;
	if ((found == 1 || was_rekeyed) && !other_source && doc->inc.id_derived) {
		/* A renamed file whose id came from its name: the same bytes, the old path gone. (A
		 * written id survives a rename: the "moved" rule above handles that.) */
		struct renamed rn = {.m = m, .source = source};
		if (incidents_batch_by_hash(m->incidents, hash, doc->inc.id, find_renamed, &rn, err) < 0 ||
		    rn.oom) {
			if (rn.oom)
				error_set(err, ERR_IO, "out of memory");
			free(rn.id);
			return -1;
		}
		if (rn.id) {
			rekey_from = rn.id;
			sum->moved = true;
		}
	}
	if (sum->same_file) {
		sum->unchanged = (unsigned)doc->nitems;
		/* The hash proved the file unchanged: its stat is the key of the next re-import. */
		return doc->src.known ? merger_source_touch(m, doc->inc.id, &doc->src, err) : 0;
	}
	if (upsert_incident(m, doc, source, hash, now, err) < 0) {
		free(rekey_from);
		return -1;
	}
	/* A new incident that took no items from an old id has none yet (items.incident_id references
	 * incidents.id on both engines, and no incident is ever deleted): nothing to read. */
	bool has_items = found == 0 || rekey_from;
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
	if (has_items && load_items(m, doc->inc.id, &items, &n, err) < 0)
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
	/* PostgreSQL: the new items go in one statement (before the refresh below reads them) */
	if (items_batch_send(m->items, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (items[i].seen || items[i].removed)
			continue;
		if (items_batch_remove(m->items, items[i].id, now, err) < 0)
			goto out;
		if (event(m, items[i].id, doc->inc.id, now, actor, "removed", NULL, NULL, NULL,
			  "the row is no longer in the document", err) < 0)
			goto out;
		sum->removed++;
	}
	/* issue 11 §5: the document's items' stored start dates and close times (stats.h). A new
	 * incident's items were all inserted just now with their start date computed in the INSERT
	 * (items.c, ITEM_START_EXPR) and no close time (closed_at is NULL at first import): nothing to
	 * refresh — on PostgreSQL the UPDATE would write a second version of every new row. */
	if (has_items && stats_refresh_run(m->refresh, doc->inc.id, err) < 0)
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

/* The writes are deferred (store_defer): they are waited for here, inside the document's savepoint, so
 * a write that failed is this document's error and rolls back this document alone. */
int merge_doc(struct merger *m, const struct import_doc *doc, const char *source, const char *actor,
	      int64_t now_t, struct merge_summary *sum, struct error *err)
{
	return merge_doc_from(m, doc, source, actor, now_t, NULL, sum, err);
}

int merge_doc_from(struct merger *m, const struct import_doc *doc, const char *source, const char *actor,
		   int64_t now_t, const struct import_origin *origin, struct merge_summary *sum,
		   struct error *err)
{
	if (origin && origin->actor)
		actor = origin->actor;
	if (origin && origin->time > 0)
		now_t = origin->time;
	m->origin = origin;
	int rc = merge_doc_writes(m, doc, source, actor, now_t, sum, err);
	m->origin = NULL;
	if (rc < 0) {
		items_batch_discard(m->items); /* not sent: the document is rolled back */
		return -1;
	}
	return m->grouped ? 0 : store_flush(m->st, err);
}

struct gone {
	char **ids;
	size_t n;
	bool oom;
};

static int add_gone(const struct incident_ref *r, void *ud)
{
	struct gone *g = ud;
	char **nv = realloc(g->ids, (g->n + 1) * sizeof *nv);
	if (!nv || !(nv[g->n] = strdup(r->id))) {
		if (nv)
			g->ids = nv;
		g->oom = true;
		return -1;
	}
	g->ids = nv;
	g->n++;
	return 0;
}

int merge_source_gone(struct merger *m, const char *source, const char *actor, int64_t now_t,
		      const struct import_origin *origin, unsigned *removed, unsigned *incidents,
		      struct error *err)
{
	struct gone g = {0};
	struct stored *items = NULL;
	size_t n = 0;
	int rc = -1;
	char now[21];
	merger_forget_all(m);
	*removed = 0;
	if (incidents)
		*incidents = 0;
	if (origin && origin->actor)
		actor = origin->actor;
	if (origin && origin->time > 0)
		now_t = origin->time;
	time_format(now_t, now);
	m->origin = origin;
	if (incidents_find_source(m->st, source, add_gone, &g, err) < 0 || g.oom) {
		if (g.oom)
			error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < g.n; k++) {
		if (load_items(m, g.ids[k], &items, &n, err) < 0)
			goto out;
		unsigned before = *removed;
		for (size_t i = 0; i < n; i++) {
			if (items[i].removed)
				continue;
			if (items_batch_remove(m->items, items[i].id, now, err) < 0 ||
			    event(m, items[i].id, g.ids[k], now, actor, "removed", NULL, NULL, NULL,
				  "the document was deleted from its repository", err) < 0)
				goto out;
			(*removed)++;
		}
		if (*removed > before && stats_refresh_run(m->refresh, g.ids[k], err) < 0)
			goto out;
		/* the document is gone: if the same bytes come back, they must be merged again (the
		 * same-file skip would leave its items removed) */
		if (incidents_set_hash(m->st, g.ids[k], "", err) < 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			stored_release(&items[i]);
		free(items);
		items = NULL;
		n = 0;
		if (incidents)
			(*incidents)++;
	}
	rc = store_flush(m->st, err);
out:
	m->origin = NULL;
	for (size_t i = 0; i < n; i++)
		stored_release(&items[i]);
	free(items);
	for (size_t k = 0; k < g.n; k++)
		free(g.ids[k]);
	free(g.ids);
	return rc;
}
