/*
 * serve — the reminder service, assembled once for `tracker remind` and `tracker serve`: one scheduler
 * pass (plan and enqueue, then dispatch what is due), and the service loop around it with its
 * signals (SIGTERM/SIGINT stop, SIGHUP reloads the configuration) and the optional HTTP endpoint.
 *
 * A pass: plan_pass() in one transaction, then outbox_dispatch() at the same `now`. The loop: a pass,
 * then sleep until the next thing can be due — the policy's next_wakeup (a recipient's next send_at on
 * a business day, a due date passing), the earliest outbox retry or lease expiry — capped at an hour so
 * that changes made to the database by other processes (imports, `tracker set`) are picked up. It never
 * polls: it sleeps in poll(2) on a self-pipe that the signal handlers write to.
 *
 * Like the rest of the scheduler it prints nothing: every line goes to the caller's log callback (no
 * secrets in it); the commands print and pick exit codes.
 */
#ifndef SCHEDULER_SERVE_H
#define SCHEDULER_SERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "outbox.h"
#include "plan.h"
#include "policy.h"
#include "store.h"

struct serve_pass {
	/* In. */
	struct store *st;
	const struct config *cfg;
	const struct policy_config *pc;
	const struct outbox_config *oc;
	int64_t now;                 /* the pass's clock, retry and lease times included */
	bool dry_run;                /* plan only (a read transaction): nothing written or sent */
	const char *owner;           /* the outbox lease owner (outbox_instance_id); NULL: made here */
	bool wall_clock;             /* leases and outcomes at the real time (outbox_dispatcher) */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop after the send in flight */
	/* The dispatcher's lines, one per action; NULL = quiet. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/* Called once the plan is made (and, unless a dry run, committed), before anything is sent:
	 * what `remind` prints and `serve` logs. The plan is released after the call. */
	void (*planned)(void *ctx, const struct plan *p);
	void *planned_ctx;

	/* Out. */
	size_t added;              /* digests this pass enqueued */
	int64_t next_wakeup;       /* the policy's next wakeup, 0 if none */
	struct outbox_stats stats; /* all zero for a dry run */
	double ms_dispatch;        /* how long the dispatch took */
	const char *failed;        /* on -1: "plan" or "dispatch" */
};

/* Runs one pass. Returns 0, or -1 with err set (and sp->failed saying which half). */
int serve_pass(struct serve_pass *sp, struct error *err);

struct serve_options {
	struct store *st;        /* open, writable */
	const char *db_path;     /* for the log and the HTTP endpoint's own connections */
	struct config *cfg;      /* replaced by a SIGHUP reload (config_release()d, then overwritten) */
	const char *config_path; /* what a reload reads (NULL: the default search) */
	struct policy_config pc; /* validated with plan_check_config() */
	struct outbox_config oc;
	bool http;          /* also serve the HTTP endpoint */
	const char *listen; /* overrides [server] listen, or NULL */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

/* Runs the service until SIGTERM or SIGINT: installs the signal handlers, starts the HTTP endpoint
 * when o->http, loops, then stops the endpoint (finishing the requests in flight), gives claimed unsent
 * rows back and restores the default handlers. Returns 0 after a signal, or -1 with err set when it
 * could not start (self-pipe, HTTP endpoint). */
int serve_run(struct serve_options *o, struct error *err);

#endif
