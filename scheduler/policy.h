/*
 * policy — which reminders are due now: a pure function of items, people, what was already sent,
 * the configuration and `now`. It reads no clock, no database and no files, so a test can replay a
 * month with a pinned clock. The caller (scheduler/plan.c) loads the inputs from the store, calls
 * policy_plan(), groups the reminders into digests and enqueues them in the outbox.
 *
 * The rules ([reminders] in the config; every key has a default — see policy_config_parse()):
 *  - Only open items (status open, in_progress, blocked) that are not removed from their document and
 *    not snoozed (snoozed_until >= the recipient's local date) are considered; the incident's own state
 *    does not matter.
 *  - priorities (P0,P1): which priorities get reminders at all.
 *  - A date-only due date is the end of that day in the owner's time zone: an item is overdue when the
 *    owner's local date is after its due date (an item due today is not overdue this morning).
 *  - overdue: repeats every repeat[priority] days (P0:1d,P1:3d) while the item stays overdue, counted
 *    in the recipient's local dates from the last overdue reminder of that item to that recipient.
 *  - due_soon (2d): one heads-up, once per item, when 0 <= due - local today <= due_soon days.
 *  - escalation: from escalate_after[priority] days overdue (P0:3d,P1:7d), each overdue reminder also
 *    goes to the owner's manager, else the incident's approver, else escalation_to (kind escalation,
 *    same cadence). Nothing extra is sent when that person already receives the item's reminder.
 *  - Timing: a recipient is reminded only at or after send_at (09:00) in their own time zone (people.tz,
 *    else [reminders] timezone, else UTC) and only on their business days (mon-fri).
 *  - Recipients: the owner's e-mail from people. An item with no owner, or whose owner has no people
 *    entry or no e-mail, goes to the incident's reporter, else its approver (if they have an e-mail),
 *    else fallback_to (an address, or a handle with an e-mail); never silently dropped — when no one
 *    can be found, the item's explanation says so.
 *  - Webhooks: each [webhook NAME] receives the overdue (and due-soon) items that match its optional
 *    priorities / owners / incidents filters, once per local day of [reminders] timezone at/after
 *    send_at on business days, with the same cadence rules keyed on the webhook's name.
 *
 * Ownership: every pointer in the inputs is borrowed for the duration of the call. The output owns its
 * strings; free it with policy_output_release().
 */
#ifndef SCHEDULER_POLICY_H
#define SCHEDULER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

enum reminder_kind { REMIND_OVERDUE = 0, REMIND_DUE_SOON, REMIND_ESCALATION };
/* "overdue", "due_soon", "escalation". */
const char *reminder_kind_name(enum reminder_kind k);

struct policy_config {
	unsigned priorities;        /* bit p set: priority p gets reminders */
	int repeat_days[4];         /* per priority; 0 = every day */
	int due_soon_days;          /* -1 = no heads-up */
	int escalate_after_days[4]; /* per priority; -1 = never */
	char escalation_to[256];    /* address or handle, "" if none */
	int send_at_minutes;        /* minutes after local midnight */
	unsigned business_days;     /* bit 0 = Monday … bit 6 = Sunday */
	char timezone[64];          /* default zone for people without one; "UTC" */
	char fallback_to[256];      /* address or handle, "" if none */
};

/* Parses [reminders] from the config (cfg NULL: all defaults); each bad value is an error naming its key
 * and what is allowed. Syntax and defaults: docs/reminders.md and contrib/config.example.ini. */
int policy_config_parse(const struct config *cfg, struct policy_config *pc, struct error *err);

struct policy_item {
	int64_t id;
	const char *incident; /* INC-… */
	const char *key;
	const char *owner; /* first owner's handle or name; NULL if none */
	const char *status;
	int32_t due;           /* DATE_NONE if none */
	int priority;          /* 0..3, -1 if none */
	int32_t snoozed_until; /* DATE_NONE if not snoozed */
	bool removed;
	const char *reporter;    /* the incident's, may be NULL */
	const char *approved_by; /* the incident's, may be NULL */
};

struct policy_person {
	const char *handle;
	const char *name;  /* may be NULL */
	const char *email; /* may be NULL */
	const char *tz;    /* may be NULL: the default zone */
	const char *manager;
	const char *slack; /* Slack member id, may be NULL */
};

/* A reminder already planned/sent: the policy's memory (reminders_sent rows). */
struct policy_sent {
	int64_t item_id;
	enum reminder_kind kind;
	const char *channel;   /* "email" or "webhook:NAME" */
	const char *recipient; /* address or webhook name */
	int32_t local_date;    /* the recipient's date it was planned on */
};

struct policy_webhook {
	const char *name;
	unsigned priorities;       /* 0 = the [reminders] priorities */
	const char *const *owners; /* NULL-terminated, or NULL for any */
	const char *const *incidents;
};

/* The [webhook NAME] filters of a config as policy_webhook structs: priorities parsed, owners and
 * incidents split at commas (a leading '@' of an owner dropped). `name` is borrowed from the config,
 * which must outlive the set; the lists are owned. Errors name the section and key. */
struct policy_webhooks {
	struct policy_webhook *v;
	size_t n;
	char ***lists; /* owners and incidents arrays of each webhook, owned */
};
int policy_webhooks_from_config(const struct config *cfg, struct policy_webhooks *w, struct error *err);
void policy_webhooks_release(struct policy_webhooks *w);

struct policy_input {
	const struct policy_item *items;
	size_t nitems;
	const struct policy_person *people; /* any order */
	size_t npeople;
	const struct policy_sent *sent;
	size_t nsent;
	const struct policy_webhook *webhooks;
	size_t nwebhooks;
	int64_t now; /* Unix seconds, UTC */
};

/* One reminder due now: one item, one kind, one recipient on one channel. */
struct policy_reminder {
	int64_t item_id;
	enum reminder_kind kind;
	char *channel;        /* "email" or "webhook:NAME" */
	char *recipient;      /* e-mail address, or the webhook's name */
	char *recipient_name; /* display name or NULL */
	int32_t local_date;   /* the recipient's local date now (part of the idempotency key) */
	int days_late;        /* in the owner's local date; <= 0 when not late */
	char *reason;         /* e.g. "P0 overdue 4 days, last reminded 2026-04-19 (every 1d)" */
	/* Why this recipient gets it, said to them, when they are not the owner (NULL when they are):
	 * "you get this as approver of INC-…, because owner bob has no e-mail in tracker people", "you
	 * are bob's manager; this P0 is 5 days overdue (escalated after 3 days)". On webhook reminders, who
	 * stands in for an owner that e-mail cannot reach. */
	char *because;
	char *owner_slack; /* the owner's people.slack, NULL if none */
};

/* Why an item is or is not reminded now, one per open P0..P3 item considered (for --explain). */
struct policy_explanation {
	int64_t item_id;
	bool reminded;
	char *text; /* e.g. "not reminded: sent 5 h ago (every 1d)", "not a business day in Europe/Berlin",
		       "owner bob has no e-mail → sent to approver carol" */
};

struct policy_output {
	struct policy_reminder *reminders;
	size_t nreminders;
	struct policy_explanation *explanations;
	size_t nexplanations;
	/* The earliest moment after `now` at which something may become due (a recipient's next send_at
	 * on a business day, a due date passing): `tracker serve` sleeps until then. 0 if nothing. */
	int64_t next_wakeup;
};

/* Plans. Deterministic: the same input gives the same output in the same order (by item id, kind,
 * channel, recipient). Returns 0, or -1 (out of memory, unknown time zone in a person) with err set. */
int policy_plan(const struct policy_config *pc, const struct policy_input *in, struct policy_output *out,
		struct error *err);
void policy_output_release(struct policy_output *out);

#endif
