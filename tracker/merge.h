/*
 * merge — writing an imported document into the store with the three-way merge.
 *
 * For each field of an item already stored (action, owners, due, priority, status): if the
 * document's value equals the stored base, the tracker's current value stays (someone changed it in
 * the tracker); if only the document changed, it wins; if both changed (differently), the document
 * wins and a `conflict` event records both values. The base becomes the document's value. Items
 * that vanish from the document are flagged removed (never deleted); a flagged item that comes back
 * is restored. Incident fields come from the document. Every change is an event (source `import`).
 *
 * The caller owns the transaction: merge_doc() runs inside the caller's transaction or savepoint
 * and leaves it to the caller to commit or roll back. A struct merger caches prepared statements
 * across documents of one batch.
 */
#ifndef TRACKER_MERGE_H
#define TRACKER_MERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "import.h"
#include "store.h"

struct merge_summary {
	unsigned created, updated, unchanged, removed, restored, conflicts;
	bool same_file;        /* the file's hash equals the last import: nothing to do */
	bool moved;            /* the incident's source path changed (the old file is gone) */
	char rekeyed_from[72]; /* the id this document had before (its items moved), or "" */
};

struct merger;

struct merger *merger_new(struct store *st, struct error *err);
void merger_free(struct merger *m);

/* A savepoint around one document inside the caller's transaction: merger_end_doc() keeps the
 * document's changes (`keep`) or rolls them back, and releases the savepoint. Prepared once per batch:
 * a batch of ten thousand files does not compile these statements thirty thousand times. */
int merger_begin_doc(struct merger *m, struct error *err);
int merger_end_doc(struct merger *m, bool keep, struct error *err);

/* A group of documents under one savepoint, written without waiting (PostgreSQL: the server works on
 * one document while this process reads the next). Between merger_group_begin() and
 * merger_group_end() merge_doc() neither sets a savepoint nor waits for its writes, so an error it
 * returns, or one that shows later, may be any document's of the group: merger_group_end(keep) waits
 * for them all and releases the savepoint (0), or — when keep is false or a write failed — rolls the
 * whole group back (-1). The caller then merges the group's documents again one by one
 * (merger_begin_doc), which says which document failed and keeps the others. */
int merger_group_begin(struct merger *m, struct error *err);
int merger_group_end(struct merger *m, bool keep, struct error *err);

/* Looks up what the store knows of n documents' incidents (ids[i], imported from sources[i]) in one
 * statement, for merge_doc() to use instead of a look-up of its own (one round trip for many
 * documents on PostgreSQL). What was fetched of an incident id or source that a document writes later,
 * and everything after a document is rolled back, is dropped and looked up again when needed. */
int merger_prefetch(struct merger *m, const char *const *ids, const char *const *sources, size_t n,
		    struct error *err);

/* The re-import skip (see docs/import.md "Re-import"). merger_sources() lists the incidents imported
 * from each of `sources` (n absolute paths, looked up in one statement) under the rules `rules`
 * (import_rules_id()) into out[i] (nout[i] of them, sorted by id; free each with merge_sources_free):
 * usually one, more when the document changed its id (the old incident keeps its source). A row whose stored
 * stat equals the file's (merge_source_by_stat) or whose hash equals the file's (merge_source_by_hash) was
 * imported from this very content: the file need not be parsed again. merger_source_items() counts that
 * incident's items still in the document; merger_source_touch() records the stat of a file that the
 * hash proved unchanged. merge_doc() records doc->src itself. */
struct merge_source {
	char *id;
	char hash[65]; /* hex SHA-256 */
	struct import_stat st;
};
int merger_sources(struct merger *m, const char *const *sources, size_t n, const char *rules,
		   struct merge_source **out, size_t *nout, struct error *err);
void merge_sources_free(struct merge_source *v, size_t n);
int merge_source_by_stat(const struct merge_source *v, size_t n, const struct import_stat *st);
int merge_source_by_hash(const struct merge_source *v, size_t n, const unsigned char sha256[32]);
int merger_source_items(struct merger *m, const char *id, unsigned *nitems, struct error *err);
int merger_source_touch(struct merger *m, const char *id, const struct import_stat *st, struct error *err);

/* `source` is the document's absolute path; `actor` who runs the import; `now` the clock. */
int merge_doc(struct merger *m, const struct import_doc *doc, const char *source, const char *actor,
	      int64_t now, struct merge_summary *sum, struct error *err);

/* Where a document version came from when it is not a file on this machine (issue 13: a commit of a git
 * source, docs/sync.md). With an origin, merge_doc_from() records every event, item creation time and
 * close time at `time` (the commit time) instead of the clock, as `actor` (the commit's author), with the
 * event_origins row `id` (sources_origin(), store/sources.h) in each event's origin column.
 *
 * `exists` says whether the document of another incident, at `ref` (an incidents.source: a path, or a
 * "git:NAME:PATH" reference of source.h), still exists: merge's move and rename rules ask it where a
 * file import asks access(2). NULL: access(2). */
struct import_origin {
	int64_t id;        /* event_origins row, 0 for none */
	const char *actor; /* recorded as the events' actor; NULL: merge_doc_from()'s `actor` */
	int64_t time;      /* Unix seconds of the commit; 0: merge_doc_from()'s `now` */
	bool (*exists)(const char *ref, void *ud);
	void *ud;
};

/* merge_doc() with an origin (NULL: merge_doc()). */
int merge_doc_from(struct merger *m, const struct import_doc *doc, const char *source, const char *actor,
		   int64_t now, const struct import_origin *origin, struct merge_summary *sum,
		   struct error *err);

/* The document at `source` is gone (deleted from its repository): every item of the incidents imported
 * from it that is not already flagged is flagged removed, each with a `removed` event (the same rule
 * as a row that vanished from its document; nothing is deleted). *removed counts them; *incidents (may
 * be NULL) counts the incidents. Inside the caller's transaction, like merge_doc(). */
int merge_source_gone(struct merger *m, const char *source, const char *actor, int64_t now,
		      const struct import_origin *origin, unsigned *removed, unsigned *incidents,
		      struct error *err);

#endif
