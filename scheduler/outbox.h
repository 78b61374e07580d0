/*
 * outbox — the durable queue of notifications (table `outbox`, schema/0002) and its dispatcher.
 *
 * Delivery is at-least-once (the reason is written at the top of outbox.c and in docs/outbox.md):
 *
 *   pending --claim--> sending --OK--> sent
 *      ^                  |----TEMPFAIL, attempts < max----> pending (next_attempt_at = now + backoff)
 *      |                  |----TEMPFAIL at max, PERMFAIL---> dead
 *      +--- retry --------+<-- lease expired: another claim takes it again (same idempotency key)
 *
 * The rows themselves — enqueue, list, get, retry, purge, and the statements below — are the store
 * module tracker/store/outbox.h (included here, so callers see one API); this module holds the delivery
 * policy on top of them: the lease and its length, what an outcome means (backoff, Retry-After, dead
 * after max_attempts), the dispatcher, and the payload.
 *
 * A row is enqueued (outbox_enqueue) in the caller's transaction together with the reminders_sent rows
 * that record it, so a pass either records and queues a digest or does neither. The idempotency key is
 * unique: enqueueing the same digest twice does nothing. The dispatcher claims ready rows with a lease
 * (one write transaction, store_begin), sends outside any transaction, and marks each row only while it
 * still holds the lease.
 *
 * Times are Unix seconds in the API and "YYYY-MM-DDTHH:MM:SSZ" in the table; every function takes
 * `now` so a pass can be pinned to any moment (tracker remind --now). Errors fill struct error.
 */
#ifndef SCHEDULER_OUTBOX_H
#define SCHEDULER_OUTBOX_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "notify.h"
#include "store.h"
/* The table's rows: tracker/store/outbox.h (this header's name is taken by the dispatcher's). */
#include "store/outbox.h"

/* [reminders] max_attempts, backoff_base, backoff_max, lease, claim_batch. */
struct outbox_config {
	long max_attempts;    /* >= 1; default 8 */
	int64_t backoff_base; /* seconds; default 60 */
	int64_t backoff_max;  /* seconds; default 6 h */
	int64_t lease;        /* seconds; default 5 min */
	long claim_batch;     /* rows per claim, 1-1000; default 32 */
};

/* Defaults, then the [reminders] values (and a check of [server] instance); a bad value is an
 * ERR_CONFIG naming its key. */
int outbox_config_parse(const struct config *cfg, struct outbox_config *oc, struct error *err);
/* "30s", "5m", "6h", "2d" (a bare number is seconds) → seconds > 0. `key` names the setting in the
 * message, e.g. "[reminders] lease". */
int outbox_parse_duration(const char *s, const char *key, int64_t *out, struct error *err);

/* The delay before the next attempt after `attempts` attempts (>= 1) failed temporarily: full jitter,
 * a uniform draw from [0, min(backoff_max, backoff_base * 2^(attempts-1))] using `rnd`, at least 1 s. */
int64_t outbox_backoff(const struct outbox_config *oc, long attempts, uint64_t rnd);

/* Claims up to `limit` ready rows (pending and due, or sending with an expired lease) for `owner`:
 * state sending, lease_until = now + oc->lease, attempts + 1. One row-level write transaction
 * (store_begin_rows: PostgreSQL claims rows with FOR UPDATE SKIP LOCKED, no database-wide lock); the rows
 * come back ordered by next_attempt_at, id. In the same transaction, a sending row whose lease expired
 * with attempts >= max_attempts becomes dead: every dispatcher that took it died before an outcome. */
int outbox_claim(struct store *st, const char *owner, int64_t now, const struct outbox_config *oc,
		 size_t limit, struct outbox_rows *rows, struct error *err);

/* Records the outcome of one attempt on a claimed row, only while `owner` still holds it. OK → sent;
 * TEMPFAIL → pending at now + max(backoff, retry_after), or dead when attempts reached max_attempts;
 * PERMFAIL → dead. *state receives the new state, *next_at (may be NULL) the retry time. Returns 0, 1 when
 * the lease was lost (the row was left alone: another dispatcher owns it now), or -1. */
int outbox_mark(struct store *st, const struct outbox_config *oc, const struct outbox_row *r,
		const char *owner, const struct notify_outcome *out, int64_t now, uint64_t rnd,
		enum outbox_state *state, int64_t *next_at, struct error *err);

/* Like outbox_claim(), with the lease counted from `lease_from` (the wall clock of a long pass)
 * instead of `now` (which still decides what is ready). */
int outbox_claim_at(struct store *st, const char *owner, int64_t now, int64_t lease_from,
		    const struct outbox_config *oc, size_t limit, struct outbox_rows *rows,
		    struct error *err);

/* A unique lease owner for this process: "host:pid:random". out holds 128 bytes. */
void outbox_owner_id(char out[static 128]);

/* The name of this service instance: [server] instance when set (1 to 100 characters among letters,
 * digits and . _ - : @ /; an ERR_CONFIG naming the key otherwise), else outbox_owner_id(). It is the
 * lease owner of every row the instance claims (tracker outbox list shows it) and the `instance`
 * label of /metrics. Each running instance needs its own: two live processes with one name could
 * record outcomes of each other's claims. out holds 128 bytes. */
int outbox_instance_id(const struct config *cfg, char out[static 128], struct error *err);

/* ---------------------------------------------------------------------------------------------------- */
/* The dispatcher                                                                                        */

struct outbox_stats {
	unsigned long claimed, sent, retried, dead, lost, released, renewed;
};

struct outbox_dispatcher {
	struct store *st;
	const struct config *cfg; /* the transports' settings */
	const struct outbox_config *oc;
	const char *owner; /* lease owner */
	int64_t now;       /* the pass's clock: lease and retry times */
	size_t batch;      /* rows per claim; 0 = oc->claim_batch (32 by default) */
	/* Leases and outcome times from the wall clock (time(NULL), never before `now`) instead of
	 * `now`, which still decides what is ready: `tracker serve`, where a pass may outlast a lease.
	 * A row whose lease is half gone when its turn comes is renewed before it is sent (and skipped
	 * when another dispatcher took it over meanwhile). */
	bool wall_clock;
	int64_t (*clock)(void *ctx); /* the wall clock (tests); NULL: time() */
	void *clock_ctx;
	/* Set (by a signal handler) to stop after the send in flight; claimed unsent rows are released. */
	volatile sig_atomic_t *stop;
	/* One line per action (no secrets); NULL = quiet. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/* Tests: a transport name that replaces every channel's ("capture"), with its directory. */
	const char *transport_override;
	const char *capture_dir;
};

/* Claims and sends every ready row, batch after batch, until none is ready at `now` (a row that fails
 * is due again only later, so each row is tried at most once per call). Each transport is opened once
 * per call (one SMTP connection for the batch). A transport that cannot be opened counts as a
 * TEMPFAIL of its rows. Returns 0 or -1 (database error). */
int outbox_dispatch(struct outbox_dispatcher *d, struct outbox_stats *stats, struct error *err);

/* ---------------------------------------------------------------------------------------------------- */
/* The payload: a JSON snapshot of the digest, so a retry sends exactly what was planned                */

/* Builds the payload of digest `d`: {"version":1,"kind","recipient","recipient_name","now","items":[
 * {"incident","key","title","action","owner","status","due","priority","days_late","sequence",
 *  "updated_at","kind","reason"[,"why"][,"owner_slack"][,"done_url","snooze_url"]}…]}. kinds[i] /
 * reasons[i] (may be NULL) describe items[i]; without kinds, each item's own kind is written. "why" and
 * "owner_slack" come from the items (a stand-in's reason, the owner's Slack id). Caller frees *out. */
int outbox_payload_build(const struct notify_digest *d, const char *const *kinds, const char *const *reasons,
			 char **out, struct error *err);
/* Decodes a payload into a digest. The strings are borrowed from *json and *items is malloc'd: free
 * both (json_decref, free) when done. */
int outbox_payload_digest(const char *payload, const char *idempotency_key, json_t **json,
			  struct notify_digest *d, struct notify_item **items, struct error *err);

#endif
