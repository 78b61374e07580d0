/*
 * sources — what the store keeps of the git sources (issue 13, docs/sync.md; schema 0008):
 *   - each source's state: the last commit fully synced (the base of the next diff), when, and the last
 *     failure (kept until the next success) — for `tracker sync`, /metrics and the polling loop;
 *   - event_origins: one row per commit events were recorded from (source, commit id, author, subject,
 *     commit time); events.origin points at it (events.h);
 *   - source_deliveries (the push webhook deliveries seen) belongs to the store module deliveries.[ch];
 *   - source_own_commits: commits the tracker made itself (write-back), which a sync skips.
 *
 * The functions run inside the caller's transaction when there is one (a sync records its origin rows
 * and its new last commit in the transaction of its imports: all or nothing), else each is its own.
 */
#ifndef TRACKER_SOURCES_H
#define TRACKER_SOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct source_state {
	char *name, *repo, *branch;
	char *last_commit; /* NULL: never synced */
	char *synced_at;   /* UTC "YYYY-MM-DDTHH:MM:SSZ" of the last success, or NULL */
	char *last_error;  /* NULL after a success */
	char *error_at;
	int64_t syncs, failures;
};
void source_state_release(struct source_state *s);

/* 0 found (*out filled, caller releases), 1 no row for `name`, -1 error. */
int sources_get(struct store *st, const char *name, struct source_state *out, struct error *err);
/* Every source with a row, by name; cb returns 0 to go on. The strings are the callee's, valid during
 * the call. */
int sources_list(struct store *st, int (*cb)(const struct source_state *s, void *ud), void *ud,
		 struct error *err);
/* A successful sync up to `commit` at `at`: last_commit, synced_at, syncs + 1, last_error cleared (the
 * row is made if needed; repo and branch are updated to the configured ones). */
int sources_synced(struct store *st, const char *name, const char *repo, const char *branch,
		   const char *commit, const char *at, struct error *err);
/* A failed sync: last_error = msg, error_at = at, failures + 1; last_commit, repo and branch are kept
 * (they are those of the last success: repo and branch only fill a new row). */
int sources_failed(struct store *st, const char *name, const char *repo, const char *branch, const char *msg,
		   const char *at, struct error *err);
/* Forgets the last synced commit (the next sync is a full one). */
int sources_reset(struct store *st, const char *name, struct error *err);

/* The documents of source `name` (incidents.source "git:NAME:…", not rekeyed), each reference once:
 * cb(ref) until it returns nonzero. */
int sources_documents(struct store *st, const char *name, int (*cb)(const char *ref, void *ud), void *ud,
		      struct error *err);

/* The event_origins row of (source, commit), made if needed: *id. `committed_at` UTC text. */
int sources_origin(struct store *st, const char *source, const char *commit, const char *author,
		   const char *subject, const char *committed_at, int64_t *id, struct error *err);

/* A commit the tracker made (write-back). */
int sources_own_commit_add(struct store *st, const char *source, const char *commit, const char *at,
			   struct error *err);
int sources_own_commit_is(struct store *st, const char *source, const char *commit, bool *own,
			  struct error *err);

#endif
