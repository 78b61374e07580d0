/*
 * deliveries — push webhook deliveries already accepted per [source NAME] (table source_deliveries,
 * migration 0008), so that a replayed delivery is refused (POST /hooks/git/NAME, hooksig.h).
 *
 * A delivery is recorded once it passed its signature check; a second one with the same id for the
 * same source is a replay. Rows are kept DELIVERY_KEEP_SECONDS (7 days) and pruned when a delivery is
 * recorded: a replay older than that is taken as new (what it starts, a sync, is idempotent).
 */
#ifndef TRACKER_DELIVERIES_H
#define TRACKER_DELIVERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define DELIVERY_KEEP_SECONDS (7 * 86400)

/*
 * Records delivery `id` of `source` received at `now` (Unix seconds) from `provider` ("github", …), in
 * one write transaction that first prunes rows older than DELIVERY_KEEP_SECONDS. *fresh is true when it
 * was new, false when the id was already recorded (a replay; nothing changes). -1 with err on a database
 * error (nothing recorded).
 */
int delivery_record(struct store *st, const char *source, const char *id, const char *provider, int64_t now,
		    bool *fresh, struct error *err);

/* How many deliveries are recorded for `source` (tests and `tracker sync` status). */
int delivery_count(struct store *st, const char *source, int64_t *n, struct error *err);

#endif
