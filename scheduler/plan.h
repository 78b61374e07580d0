/*
 * plan — one scheduler pass's planning half: load the policy's inputs from the store (open items
 * joined with their incidents, people, the recent reminders_sent rows, the webhooks' filters from the
 * config), call policy_plan(), group the reminders into one digest per (channel, recipient), and in
 * ONE transaction record the reminders (reminders_sent) and enqueue the digests (outbox).
 *
 * The whole pass runs inside a BEGIN IMMEDIATE transaction (a read transaction for a dry run): two
 * passes started at once are serialised, and the second sees what the first recorded, so it plans
 * nothing twice. Even if two passes did plan the same digest, its idempotency key would make the
 * second enqueue a no-op.
 *
 * The idempotency key is "r1:" + hex SHA-256 of the channel, the recipient, the recipient's local date
 * and the sorted (item id, kind) pairs: the same digest on the same local day has the same key, so a
 * second pass that day enqueues nothing; an item that newly became due makes a new digest (of the
 * newly due reminders only, since the others are recorded as sent).
 */
#ifndef SCHEDULER_PLAN_H
#define SCHEDULER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "policy.h"
#include "store.h"

struct plan_options {
	const struct config *cfg;
	const struct policy_config *pc;
	int64_t now;
	bool dry_run;       /* plan only: a read transaction, nothing written */
	bool email_enabled; /* [smtp] url is set; otherwise e-mail digests are counted but not enqueued
			       (and not recorded, so they go out once e-mail is configured) */
};

/* One loaded open item: the policy's view plus what a digest shows. */
struct plan_item {
	struct policy_item p;
	const char *action, *title;
	int sequence;
	int64_t updated_at;
};

struct plan_digest {
	const char *channel, *recipient, *recipient_name; /* borrowed from the policy output */
	const char *kind;                                 /* overdue | due_soon | escalation | mixed */
	char key[68];                                     /* "r1:" + 64 hex */
	size_t first, n;                                  /* reminders plan.order[first .. first+n) */
	bool added;                                       /* this pass enqueued it */
	bool skipped;                                     /* its channel is off (no [smtp] url) */
	int64_t outbox_id;                                /* 0 for a dry run or a skipped digest */
};

struct plan {
	struct plan_item *items; /* by id */
	size_t nitems;
	struct policy_person *people;
	size_t npeople;
	struct policy_sent *sent;
	size_t nsent;
	struct policy_webhooks webhooks; /* from the [webhook NAME] sections */
	struct policy_output out;
	size_t *order; /* reminder indexes sorted by channel, recipient, item, kind */
	struct plan_digest *digests;
	size_t ndigests;
	size_t nadded;      /* digests enqueued by this pass */
	size_t nskipped;    /* digests not enqueued: channel off */
	char warning[1200]; /* something the operator should know, "" if nothing (e.g. no action links) */
	double ms_load, ms_policy, ms_write;
	struct plan_arena *arena;
};

/* Runs the pass (see above). On failure nothing is written. Release with plan_release(). */
int plan_pass(struct store *st, const struct plan_options *o, struct plan *p, struct error *err);
void plan_release(struct plan *p);
/* The loaded item with row id `id`, or NULL. */
const struct plan_item *plan_find_item(const struct plan *p, int64_t id);

/* Parses the [webhook NAME] filters (priorities, owners, incidents) of `cfg`: a bad value is an
 * ERR_CONFIG naming its section and key. Used by plan_pass() and `tracker serve --check`. */
int plan_check_webhooks(const struct config *cfg, struct error *err);

struct outbox_config;
/* The one configuration check of the reminder commands — `serve --check`, `serve` (start and
 * SIGHUP) and `remind` (dry run or not): the [reminders] policy, the outbox keys, the webhook filters
 * and, with `transports`, each configured transport opened once (an [smtp] url without from, a
 * password in the url without TLS, a webhook secret file that cannot be read…). Fills pc and oc.
 * Returns 0, or -1 with an ERR_CONFIG naming the section and key. */
int plan_check_config(const struct config *cfg, struct policy_config *pc, struct outbox_config *oc,
		      bool transports, struct error *err);

#endif
