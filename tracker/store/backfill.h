/*
 * backfill — what `tracker sync --history` has replayed (schema 0009, table source_history): one row per
 * document lineage of a source (a file from the commit that added it, through its renames), naming the
 * last commit of it that was replayed and the incident it became. A second run replays only what came
 * after (running --history twice changes nothing); an incident the tracker knew before from elsewhere
 * (a file import, a plain `tracker sync`) is not a lineage's and is left alone (docs/sync.md, "History
 * back-fill").
 */
#ifndef TRACKER_BACKFILL_H
#define TRACKER_BACKFILL_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

struct backfill_mark {
	const char *first_commit, *first_path; /* the lineage */
	const char *last_commit, *path, *incident_id;
};

/* Every mark of source `source`; strings borrowed during the callback, which returns 0 to go on. */
int backfill_marks(struct store *st, const char *source, int (*cb)(const struct backfill_mark *m, void *ud),
		   void *ud, struct error *err);

/* Records (inserts or moves forward) a lineage's mark, at `now` (UTC text). Inside the caller's
 * transaction. */
int backfill_mark_put(struct store *st, const char *source, const struct backfill_mark *m, const char *now,
		      struct error *err);

/* Whether incident `id` is in the store (*exists) and whether a mark of source `source` names it
 * (*ours: the incident was made by this source's history). */
int backfill_incident(struct store *st, const char *source, const char *id, bool *exists, bool *ours,
		      struct error *err);

#endif
