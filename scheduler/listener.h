/*
 * listener — how one `tracker serve` hears what the others did (PostgreSQL LISTEN/NOTIFY, db.h).
 *
 * A thread with its own connection listens on the channel every committing write transaction notifies
 * (tracker/store/db_pg.c). When another process committed a change, or when the connection was lost and
 * opened again (notifications sent meanwhile are lost, so everything counts as changed), it calls
 * changed(ctx): `tracker serve` then invalidates the HTTP endpoint's caches and wakes its dispatcher. A
 * process's own notifications are ignored: its HTTP endpoint bumps its caches itself, and a pass that
 * woke itself would loop.
 *
 * The thread is also where an outage is logged — once when the connection is lost, once when it is
 * back (with how long it took) — and where reconnecting goes on while nothing else asks the database:
 * it tries again with the engine's backoff (250 ms doubling to 4 s) until the database is back or the
 * listener is stopped. Nothing is started on SQLite (there is no other process to hear).
 */
#ifndef SCHEDULER_LISTENER_H
#define SCHEDULER_LISTENER_H

#include "error.h"

struct listener;

struct listener_options {
	const char *db_path; /* the target (a PostgreSQL one) */
	void (*changed)(void *ctx);
	void (*log)(void *ctx, const char *line);
	void *ctx;
};

/* Opens the listening connection and starts the thread; -1 with err set when the connection cannot be
 * opened or the engine has no notifications. */
int listener_start(struct listener **out, const struct listener_options *o, struct error *err);
/* Stops the thread (within its poll interval) and closes the connection. NULL is a no-op. */
void listener_stop(struct listener *l);

#endif
