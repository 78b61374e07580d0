/*
 * incidents — the imported incidents: the list (`tracker incidents`, GET /api/v1/incidents, the
 * dashboard's checklist), one incident (the dashboard's /incidents/ID page), finding an incident by a
 * prefix of its id or by its document's path, and the importer's writes (struct incidents_batch).
 *
 * Rows stream to a callback; a struct incident_row's strings are borrowed from the engine and valid only
 * during the call. Item counts leave out items removed from their document; open is ITEM_OPEN_SQL.
 * An incident whose document took another id (rekeyed_to, issue 9) is left out of every listing and
 * lookup here except incidents_rekeyed_to() and the importer's own.
 */
#ifndef TRACKER_INCIDENTS_H
#define TRACKER_INCIDENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct incident_row {
	const char *id, *title, *date, *reporter, *approved_by, *review_date, *duration;
	const char *source; /* the document's absolute path on the importing machine */
	int severity;       /* -1 when none */
	int items, open_items;
	const char *status; /* the document's own status ("Draft", "Complete"), NULL when none */
};

typedef int (*incident_cb)(const struct incident_row *r, void *ud);

/* The incident list, the one query for it: every incident, newest date first (undated ones last), then
 * by id; `limit` 0 = all. The callback returns 0 to go on. */
int incidents_list(struct store *st, long limit, incident_cb cb, void *ud, struct error *err);
/* One incident by its exact id: 0 found (cb called), 1 none, -1 error. */
int incidents_get(struct store *st, const char *id, incident_cb cb, void *ud, struct error *err);

/* The `tracker incidents --format json` object. With `full_path` false (the HTTP API), "source" is only
 * the document's file name: the server's directories are nobody's business. Caller owns the result. */
json_t *incident_to_json(const struct incident_row *r, bool full_path);

/* An incident found by a reference: its id, its document's path and the document's SHA-256 as last
 * imported or written back (hex). Borrowed during the callback. */
struct incident_ref {
	const char *id, *source, *source_hash;
};
typedef int (*incident_ref_cb)(const struct incident_ref *r, void *ud);
/* The incidents whose id is `ref` or starts with it: the exact one first, then by id, at most `max`
 * (> 0). Callers tell "none", "one" and "ambiguous" apart by the count. */
int incidents_find_prefix(struct store *st, const char *ref, long max, incident_ref_cb cb, void *ud,
			  struct error *err);
/* The incidents (usually one) imported from the document at `source` (an absolute path), in no
 * particular order. */
int incidents_find_source(struct store *st, const char *source, incident_ref_cb cb, void *ud,
			  struct error *err);
/* The incidents (not rekeyed) whose source starts with `prefix` ("git:NAME:" for a git source's
 * documents), by source then id. */
int incidents_find_source_prefix(struct store *st, const char *prefix, incident_ref_cb cb, void *ud,
				 struct error *err);
/* The id the document of `id` now has when it changed its id (following the chain), into out: true
 * when there is one. */
bool incidents_rekeyed_to(struct store *st, const char *id, char *out, size_t outsz);
/* Write-back wrote the document: its new SHA-256 is the one of the last import. */
int incidents_set_hash(struct store *st, const char *id, const char *hash, struct error *err);

/* ---- the importer's incident rows (statements prepared once per batch) ---- */

/* What the file system said of a document when it was read: the re-import skip's key. */
struct source_stat {
	int64_t size, mtime_ns, ino;
	bool known; /* false: no key (NULLs are stored) */
};

/* An incident as a document gives it, and where it came from. */
struct incident_record {
	const char *id, *title, *date, *duration; /* title "" when none; date "YYYY-MM-DD" or NULL */
	int severity;                             /* -1 none */
	const char *reporter, *approved_by, *review_date, *status;
	const char *source, *source_hash, *imported_at; /* absolute path; hex SHA-256; UTC time */
	struct source_stat stat;
	const char *rules; /* import_rules_id(), NULL when none */
	bool id_derived;   /* the id came from the file name */
};

/* What the store knows of an incident id before an import (caller frees with incident_prev_release). */
struct incident_prev {
	char *source, *source_hash, *source_rules;
	bool rekeyed; /* its document took another id */
};
void incident_prev_release(struct incident_prev *p);

/* A row of incidents_batch_sources(), borrowed during the callback. */
struct incident_source {
	const char *id, *source_hash;
	struct source_stat stat;
};

struct incidents_batch;
struct incidents_batch *incidents_batch_new(struct store *st, struct error *err);
void incidents_batch_free(struct incidents_batch *b);
/* The incident `id`, rekeyed or not: 0 found (*out filled), 1 none, -1 error. */
int incidents_batch_get(struct incidents_batch *b, const char *id, struct incident_prev *out,
			struct error *err);
/* incidents_batch_by_source(source, id) fetched with incidents_batch_get(): `fetched` says whether it
 * was; then `found`, `id` (caller frees) and `derived` are its results. */
struct incident_other {
	bool fetched;
	int found;
	char *id;
	bool derived;
};
/* incidents_batch_get() of `id`; on PostgreSQL also incidents_batch_by_source(source, id) in the same
 * statement (one round trip for both) into *other. On SQLite other->fetched is false (two indexed
 * look-ups cost less there than one UNION): call incidents_batch_by_source() when needed. */
int incidents_batch_get_with_source(struct incidents_batch *b, const char *id, const char *source,
				    struct incident_prev *out, struct incident_other *other,
				    struct error *err);
/* incidents_batch_get_with_source() of n (id, source) pairs at once (one statement, one round trip on
 * PostgreSQL): found[i] 0 or 1, prev[i], other[i] (release each; on error nothing is left to release). */
int incidents_batch_get_many(struct incidents_batch *b, const char *const *ids, const char *const *sources,
			     size_t n, int *found, struct incident_prev *prev, struct incident_other *other,
			     struct error *err);
/* Another incident (not `not_id`, not rekeyed) imported from `source`, the smallest id when several:
 * 0 found (*id, caller frees, and whether its id was derived), 1 none, -1 error. */
int incidents_batch_by_source(struct incidents_batch *b, const char *source, const char *not_id, char **id,
			      bool *derived, struct error *err);
/* The incidents (not `not_id`, not rekeyed, id derived from a file name) last imported from exactly the
 * bytes `hash`, in no particular order: cb(id, source) until it returns nonzero. */
int incidents_batch_by_hash(struct incidents_batch *b, const char *hash, const char *not_id,
			    int (*cb)(const char *id, const char *source, void *ud), void *ud,
			    struct error *err);
/* Inserts the incident or replaces its fields (rekeyed_to becomes NULL: a document that took its old
 * id back is current again). This and incidents_batch_rekey() are deferred writes (store_defer): an
 * error may come from a later call or store_flush(). */
int incidents_batch_upsert(struct incidents_batch *b, const struct incident_record *r, struct error *err);
/* Marks `from` as the old id of the document now imported as `to`. */
int incidents_batch_rekey(struct incidents_batch *b, const char *from, const char *to, struct error *err);
/* The incidents (not rekeyed) imported from each of `sources` (n paths) under `rules`, in no
 * particular order: cb(i, row) for a row of sources[i], usually one per source. One statement for all
 * of them (one round trip on PostgreSQL). */
int incidents_batch_sources(struct incidents_batch *b, const char *const *sources, size_t n,
			    const char *rules, int (*cb)(size_t i, const struct incident_source *s, void *ud),
			    void *ud, struct error *err);
/* Records the document's stat as the key of the next re-import. */
int incidents_batch_set_stat(struct incidents_batch *b, const char *id, const struct source_stat *s,
			     struct error *err);

#endif
