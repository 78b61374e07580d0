/*
 * outbox (store) — the table `outbox` (schema 0002): the durable queue of notifications, as rows. The
 * delivery policy (leases, backoff, what an outcome means, the dispatcher) is scheduler/outbox.h's; this
 * module only reads and writes rows, each statement portable to both engines.
 *
 *   pending --claim--> sending --outcome--> sent | pending (later) | dead
 *
 * Claiming is two statements the dispatcher runs in ONE transaction it holds (store_begin_rows …
 * commit): outbox_bury_stalled() then outbox_take_ready(). On PostgreSQL that transaction takes no
 * database-wide lock: the rows are picked with SELECT … FOR UPDATE SKIP LOCKED, so several instances
 * claim disjoint rows at once; on SQLite it is BEGIN IMMEDIATE as before. The dispatcher's other
 * writes (outbox_record, outbox_renew, outbox_release) each run in their own row-level transaction
 * (store_begin_rows) too; the operator's (retry, purge) take the writers' lock (store_begin).
 * outbox_enqueue() runs in the caller's transaction (a reminder pass enqueues and records its
 * reminders together, under the writers' lock).
 *
 * An outcome, a release and a retry are conditional updates: outbox_record() and outbox_release() touch
 * a row only while `owner` still holds its lease (state 'sending'), so a dispatcher that stalled past its
 * lease cannot overwrite the outcome of the one that took over.
 *
 * Times are Unix seconds in this API and "YYYY-MM-DDTHH:MM:SSZ" text in the table (so they compare as
 * text on both engines). Errors fill struct error (ERR_STORE, or ERR_DATA for a row that is not there or
 * not in a state the operation allows).
 */
#ifndef TRACKER_STORE_OUTBOX_H
#define TRACKER_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

enum outbox_state { OUTBOX_PENDING = 0, OUTBOX_SENDING, OUTBOX_SENT, OUTBOX_DEAD };
/* The state's name in the table ("pending", "sending", "sent", "dead"); "?" if unknown. */
const char *outbox_state_name(enum outbox_state s);
/* -1 if unknown. */
int outbox_state_from_name(const char *s);

/* A new notification (all strings borrowed). */
struct outbox_new {
	const char *channel;   /* "email" or "webhook:NAME" */
	const char *recipient; /* address or webhook name */
	const char *kind;      /* overdue | due_soon | escalation | mixed */
	const char *idempotency_key;
	const char *payload; /* JSON snapshot of the digest */
};

/* INSERT … ON CONFLICT (idempotency_key) DO NOTHING, due at `now`, in the caller's transaction.
 * *id receives the row's id (the existing row's when the key was already there); *added tells whether
 * this call inserted it. */
int outbox_enqueue(struct store *st, const struct outbox_new *m, int64_t now, int64_t *id, bool *added,
		   struct error *err);

/* One row as read from the table; every string is owned (outbox_row_release). */
struct outbox_row {
	int64_t id;
	char *channel, *recipient, *kind, *idempotency_key, *payload, *lease_owner, *last_error;
	enum outbox_state state;
	long attempts;
	long last_code;                                                        /* 0 when NULL */
	int64_t next_attempt_at, lease_until, created_at, updated_at, sent_at; /* 0 when NULL */
};
void outbox_row_release(struct outbox_row *r);

struct outbox_rows {
	struct outbox_row *v;
	size_t n;
};
void outbox_rows_release(struct outbox_rows *rows);

/* ---- claiming: both in the caller's write transaction ---- */

/* Every 'sending' row whose lease ran out at `now` with attempts >= max_attempts becomes dead, with
 * last_error "no outcome after N attempts: …": each dispatcher that took it stopped before an outcome.
 * *n (may be NULL) receives how many. */
int outbox_bury_stalled(struct store *st, int64_t now, long max_attempts, long *n, struct error *err);

/* Takes up to `limit` (>= 1) ready rows — pending with next_attempt_at <= now, or sending with
 * lease_until <= now — the earliest next_attempt_at first (then id): state 'sending', lease_owner =
 * owner, lease_until, attempts + 1. The rows as updated are appended to *rows (which the caller
 * initialised), in no particular order. */
int outbox_take_ready(struct store *st, const char *owner, int64_t now, int64_t lease_until, size_t limit,
		      struct outbox_rows *rows, struct error *err);

/* ---- outcomes (each in its own row-level write transaction, store_begin_rows) ---- */

/* The outcome of one attempt. */
struct outbox_outcome {
	enum outbox_state state; /* OUTBOX_SENT, OUTBOX_PENDING (retry) or OUTBOX_DEAD */
	int64_t next_attempt_at; /* when state is OUTBOX_PENDING */
	const char *last_error;  /* NULL: none */
	long last_code;          /* SMTP reply / HTTP status; 0: none */
};

/* Records `o` on row `id` (sent_at = now when sent; the lease is dropped), only while `owner` holds the
 * row's lease. Returns 0, 1 when the lease was lost (the row was left alone), or -1. */
int outbox_record(struct store *st, int64_t id, const char *owner, const struct outbox_outcome *o,
		  int64_t now, struct error *err);

/* Extends the lease of claimed row `id` to lease_until, only while `owner` holds it (the dispatcher
 * renews a row whose lease is half gone before sending it). Returns 0, 1 when the lease was lost (the
 * row was left alone: do not send it), or -1. */
int outbox_renew(struct store *st, int64_t id, const char *owner, int64_t now, int64_t lease_until,
		 struct error *err);

/* Gives a claimed but unsent row back (pending, attempts - 1, no lease), only while `owner` holds it:
 * e.g. on SIGTERM. Returns 0 (also when the lease had been lost: then nothing changed) or -1. */
int outbox_release(struct store *st, const struct outbox_row *r, const char *owner, struct error *err);

/* ---- listing and operator commands ---- */

/* Every row (state -1) or those in `state`, by id. */
int outbox_list(struct store *st, int state, struct outbox_rows *rows, struct error *err);
/* ERR_DATA when there is no row `id`. */
int outbox_get(struct store *st, int64_t id, struct outbox_row *r, struct error *err);
/* Makes row `id` (dead or pending) due at `now` with its attempts reset; ERR_DATA if it is sent,
 * being sent, or missing. */
int outbox_retry(struct store *st, int64_t id, int64_t now, struct error *err);
/* Every dead row; *n receives how many. */
int outbox_retry_dead(struct store *st, int64_t now, long *n, struct error *err);
/* Deletes sent rows with sent_at before `before` (reminders_sent keeps its rows, unlinked). */
int outbox_purge_sent(struct store *st, int64_t before, long *n, struct error *err);
/* The earliest moment a row becomes ready (a pending row's next_attempt_at, a sending row's
 * lease_until); 0 when nothing is waiting. */
int outbox_next_due(struct store *st, int64_t *t, struct error *err);

#endif
