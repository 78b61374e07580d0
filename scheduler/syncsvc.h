/*
 * syncsvc — the git sources inside `tracker serve`: one worker thread that syncs a [source NAME] when a
 * push delivery asked for it (POST /hooks/git/NAME, http_hooks.c) or when its polling `interval` has
 * passed, and the figures /metrics shows about it.
 *
 * Threads: the HTTP workers only call syncsvc_source() (a copy of a source's secret and branch),
 * syncsvc_request() (mark it due, wake the worker) and the counters; they never sync. The worker runs
 * one sync at a time, on its own database connection and its own copy of the configuration, so neither
 * a slow sync stalls a request nor a SIGHUP reload of the service's configuration frees anything under
 * it. Requests coalesce: pushes that arrive while a source syncs make one more sync after it, not one
 * each.
 *
 * Sources are read from the configuration when the service starts; a SIGHUP reload does not change them
 * (the log says so): restart to add or remove a source or change its secret.
 *
 * Lifecycle: syncsvc_start() … syncsvc_stop() (waits for a sync in flight to end). Prints nothing; lines
 * go to the log callback.
 */
#ifndef SCHEDULER_SYNCSVC_H
#define SCHEDULER_SYNCSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "error.h"

struct syncsvc;

struct syncsvc_options {
	const char *db_path;      /* the worker opens its own connection */
	const struct config *cfg; /* the sources are read from cfg->path again (a private copy) */
	long busy_timeout_ms;     /* the worker's connection waits this long for the write lock */
	bool poll;                /* sync each source every `interval` (and once at start) */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

/* Starts the worker when the configuration has at least one source; *out is NULL (and 0 returned)
 * when it has none. -1 with err: a source's webhook_secret_file cannot be read (ERR_CONFIG), the
 * database cannot be opened, the thread cannot start. */
int syncsvc_start(struct syncsvc **out, const struct syncsvc_options *o, struct error *err);
/* Stops the worker (after the sync in flight) and frees everything. NULL is fine. */
void syncsvc_stop(struct syncsvc *s);

/* What the HTTP side needs of a source: its branch and a copy of its webhook secret (free it with
 * hook_secret_free). 0 found (secret NULL when the source has no webhook_secret_file), 1 no such
 * source, -1 out of memory. */
int syncsvc_source(struct syncsvc *s, const char *name, char branch[256], unsigned char **secret,
		   size_t *secret_len);

/* Marks a source due for a sync now (`commit`: the pushed commit, for the log; may be NULL). */
void syncsvc_request(struct syncsvc *s, const char *name, const char *commit);

/* Outcomes of a delivery, counted per source. */
enum syncsvc_delivery {
	SYNC_DELIVERY_ACCEPTED = 0,  /* a push to the source's branch: a sync was asked for */
	SYNC_DELIVERY_IGNORED,       /* a valid delivery that asks nothing: another branch, a tag, a ping */
	SYNC_DELIVERY_REPLAY,        /* a delivery id seen before: refused */
	SYNC_DELIVERY_UNSIGNED,      /* no signature header: refused */
	SYNC_DELIVERY_BAD_SIGNATURE, /* refused */
	SYNC_DELIVERY_BAD_REQUEST,   /* signed, but no delivery id or a body that is not a push */
	SYNC_DELIVERY_COUNT
};
void syncsvc_count_delivery(struct syncsvc *s, const char *name, enum syncsvc_delivery what);

/* Appends the Prometheus text of the sources: syncs and failures, deliveries by result, the last
 * synced commit (an info metric) and when. -1 out of memory. */
int syncsvc_metrics(struct syncsvc *s, struct buf *b);

#endif
