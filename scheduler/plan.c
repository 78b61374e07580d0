/*
 * plan.c — a scheduler pass's planning half (see plan.h): store → policy_plan() → digests → outbox.
 *
 * Inputs are loaded with one query each into arrays whose strings live in a chunked arena (100,000
 * items cost a few allocations, not a few hundred thousand). The pass holds the write lock from the
 * first read to the commit so that concurrent passes serialise.
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "actionlink.h"
#include "buf.h"
#include "notify.h"
#include "outbox.h"
#include "people.h"
#include "reminders.h"
#include "tdate.h"
#include "banned.h"

/* ---------------------------------------------------------------------------------------------------- */
/* Arena                                                                                                 */

struct plan_arena {
	struct plan_arena *next;
	size_t used, cap;
	char data[];
};

static char *arena_strdup(struct plan *p, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	struct plan_arena *a = p->arena;
	if (!a || a->cap - a->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		struct plan_arena *na = malloc(sizeof *na + cap);
		if (!na)
			return NULL;
		na->next = a;
		na->used = 0;
		na->cap = cap;
		p->arena = a = na;
	}
	char *r = a->data + a->used;
	memcpy(r, s, n);
	a->used += n;
	return r;
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 256;
	void *nv = realloc(v, nc * size);
	if (nv)
		*cap = nc;
	return nv;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int plan_check_config(const struct config *cfg, struct policy_config *pc, struct outbox_config *oc,
		      bool transports, struct error *err)
{
	if (policy_config_parse(cfg, pc, err) < 0 || outbox_config_parse(cfg, oc, err) < 0 ||
	    plan_check_webhooks(cfg, err) < 0)
		return -1;
	if (!transports)
		return 0;
	struct notify_options opt = {.config = cfg};
	struct notify_transport t = {0};
	if (cfg->smtp_url) {
		if (notify_open(&t, "smtp", &opt, err) < 0)
			return -1;
		notify_close(&t);
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		opt.webhook = cfg->webhooks[i].name;
		memset(&t, 0, sizeof t);
		if (notify_open(&t, "webhook", &opt, err) < 0)
			return -1;
		notify_close(&t);
	}
	return 0;
}

int plan_check_webhooks(const struct config *cfg, struct error *err)
{
	struct policy_webhooks w;
	memset(&w, 0, sizeof w);
	int rc = policy_webhooks_from_config(cfg, &w, err);
	policy_webhooks_release(&w);
	return rc;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Loading                                                                                               */

/* A date column: "YYYY-MM-DD", or a time "YYYY-MM-DDTHH:MM:SSZ" taken as its UTC date. */
static int32_t parse_date(const char *v)
{
	int32_t d = DATE_NONE;
	if (!v)
		return DATE_NONE;
	if (date_parse(v, &d) == 0)
		return d;
	int64_t t;
	if (time_parse(v, &t) == 0)
		return time_to_date(t);
	return DATE_NONE;
}

struct load_items {
	struct plan *p;
	size_t cap;
	const char *inc, *reporter, *approved, *title; /* the previous row's incident, in the arena */
	const char *statuses[3];
	bool oom;
};

static int add_item(const struct reminder_item *r, void *ud)
{
	static const char *const status_names[3] = {"open", "in_progress", "blocked"};
	struct load_items *l = ud;
	struct plan *p = l->p;
	struct plan_item *nv = grow(p->items, &l->cap, p->nitems, sizeof *nv);
	if (!nv)
		goto oom;
	p->items = nv;
	struct plan_item *it = &p->items[p->nitems];
	memset(it, 0, sizeof *it);
	if (!l->inc || strcmp(l->inc, r->incident)) { /* items of one incident are mostly consecutive */
		if (!(l->inc = arena_strdup(p, r->incident)))
			goto oom;
		l->reporter = arena_strdup(p, r->reporter);
		l->approved = arena_strdup(p, r->approved_by);
		l->title = arena_strdup(p, r->title);
	}
	it->p.id = r->id;
	it->p.incident = l->inc;
	it->p.reporter = l->reporter;
	it->p.approved_by = l->approved;
	it->title = l->title;
	it->p.key = arena_strdup(p, r->key);
	it->p.owner = arena_strdup(p, r->owner);
	for (int k = 0; k < 3; k++) {
		if (!strcmp(r->status, status_names[k])) {
			if (!l->statuses[k] && !(l->statuses[k] = arena_strdup(p, r->status)))
				goto oom;
			it->p.status = l->statuses[k];
		}
	}
	it->p.due = parse_date(r->due);
	it->p.priority = r->priority;
	it->p.snoozed_until = parse_date(r->snoozed_until);
	it->p.removed = r->removed;
	it->action = arena_strdup(p, r->action);
	it->sequence = r->sequence;
	if (r->updated_at && time_parse(r->updated_at, &it->updated_at) < 0)
		it->updated_at = 0;
	if (!it->p.key || !it->action || !it->p.status)
		goto oom;
	p->nitems++;
	return 0;
oom:
	l->oom = true;
	return 1;
}

static int load_items(struct store *st, struct plan *p, struct error *err)
{
	struct load_items l = {.p = p};
	int rc = reminders_open_items(st, add_item, &l, err);
	if (l.oom)
		return error_set(err, ERR_IO, "remind: out of memory loading items");
	return rc < 0 ? -1 : 0;
}

struct load_people {
	struct plan *p;
	size_t cap;
	bool oom;
};

static int add_person(const struct person *pr, void *ud)
{
	struct load_people *l = ud;
	struct plan *p = l->p;
	struct policy_person *nv = grow(p->people, &l->cap, p->npeople, sizeof *nv);
	if (!nv) {
		l->oom = true;
		return 1;
	}
	p->people = nv;
	struct policy_person *pp = &p->people[p->npeople++];
	pp->handle = arena_strdup(p, pr->handle);
	pp->name = arena_strdup(p, pr->name);
	pp->email = arena_strdup(p, pr->email);
	pp->tz = arena_strdup(p, pr->tz);
	pp->manager = arena_strdup(p, pr->manager);
	pp->slack = arena_strdup(p, pr->slack);
	return 0;
}

/* Everyone in `tracker people`, by handle (the people module's list). */
static int load_people(struct store *st, struct plan *p, struct error *err)
{
	struct load_people l = {.p = p};
	struct error perr;
	error_init(&perr);
	if (people_list(st, add_person, &l, &perr) < 0)
		return error_set(err, perr.kind, "remind: loading people: %s", perr.msg);
	if (l.oom)
		return error_set(err, ERR_IO, "remind: out of memory loading people");
	return 0;
}

static int kind_from_name(const char *s)
{
	for (int k = REMIND_OVERDUE; k <= REMIND_ESCALATION; k++)
		if (s && !strcmp(s, reminder_kind_name((enum reminder_kind)k)))
			return k;
	return -1;
}

struct load_sent {
	struct plan *p;
	size_t cap;
	bool oom;
};

static int add_sent(const struct reminder_sent *r, void *ud)
{
	struct load_sent *l = ud;
	struct plan *p = l->p;
	int k = kind_from_name(r->kind);
	int32_t d = parse_date(r->local_date);
	if (k < 0 || d == DATE_NONE)
		return 0;
	struct policy_sent *nv = grow(p->sent, &l->cap, p->nsent, sizeof *nv);
	if (!nv) {
		l->oom = true;
		return 1;
	}
	p->sent = nv;
	struct policy_sent *ps = &p->sent[p->nsent++];
	ps->item_id = r->item_id;
	ps->kind = (enum reminder_kind)k;
	ps->channel = arena_strdup(p, r->channel);
	ps->recipient = arena_strdup(p, r->recipient);
	ps->local_date = d;
	return 0;
}

/* The latest reminders_sent row per (item, kind, channel, recipient) within the window the policy
 * can need: the longest repeat cadence, the heads-up window, and two weeks of slack for time zones
 * and weekends. */
static int load_sent(struct store *st, const struct policy_config *pc, int64_t now, struct plan *p,
		     struct error *err)
{
	int window = pc->due_soon_days > 0 ? pc->due_soon_days : 0;
	for (int i = 0; i < 4; i++) {
		if (pc->repeat_days[i] > window)
			window = pc->repeat_days[i];
		if (pc->escalate_after_days[i] > window)
			window = pc->escalate_after_days[i];
	}
	window += 14;
	char since[11];
	date_format(time_to_date(now) - window, since);
	struct load_sent l = {.p = p};
	int rc = reminders_sent_since(st, since, add_sent, &l, err);
	if (l.oom)
		return error_set(err, ERR_IO, "remind: out of memory loading reminders_sent");
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Grouping and enqueueing                                                                               */

static int cmp_order(const void *a, const void *b)
{
	const struct policy_reminder *x = *(const struct policy_reminder *const *)a;
	const struct policy_reminder *y = *(const struct policy_reminder *const *)b;
	int c = strcmp(x->channel, y->channel);
	if (!c)
		c = strcmp(x->recipient, y->recipient);
	if (!c)
		c = x->item_id < y->item_id ? -1 : x->item_id > y->item_id;
	if (!c)
		c = (int)x->kind - (int)y->kind;
	return c;
}

const struct plan_item *plan_find_item(const struct plan *p, int64_t id)
{
	size_t lo = 0, hi = p->nitems;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->items[mid].p.id < id)
			lo = mid + 1;
		else if (p->items[mid].p.id > id)
			hi = mid;
		else
			return &p->items[mid];
	}
	return NULL;
}

static int group(struct plan *p, struct error *err)
{
	size_t n = p->out.nreminders;
	if (!n)
		return 0;
	p->order = malloc(n * sizeof *p->order);
	p->digests = calloc(n, sizeof *p->digests);
	if (!p->order || !p->digests)
		return error_set(err, ERR_IO, "out of memory");
	const struct policy_reminder **byrecipient = malloc(n * sizeof *byrecipient);
	if (!byrecipient)
		return error_set(err, ERR_IO, "out of memory");
	for (size_t i = 0; i < n; i++)
		byrecipient[i] = &p->out.reminders[i];
	qsort(byrecipient, n, sizeof *byrecipient, cmp_order);
	for (size_t i = 0; i < n; i++)
		p->order[i] = (size_t)(byrecipient[i] - p->out.reminders);
	free(byrecipient);
	struct buf kb;
	buf_init(&kb, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < n;) {
		const struct policy_reminder *r0 = &p->out.reminders[p->order[i]];
		struct plan_digest *d = &p->digests[p->ndigests++];
		d->channel = r0->channel;
		d->recipient = r0->recipient;
		d->recipient_name = r0->recipient_name;
		d->first = i;
		unsigned kinds = 0;
		char date[11];
		date_format(r0->local_date, date);
		buf_reset(&kb);
		buf_printf(&kb, "%s\n%s\n%s\n", r0->channel, r0->recipient, date);
		size_t j = i;
		for (; j < n; j++) {
			const struct policy_reminder *r = &p->out.reminders[p->order[j]];
			if (strcmp(r->channel, r0->channel) || strcmp(r->recipient, r0->recipient))
				break;
			kinds |= 1u << r->kind;
			if (buf_printf(&kb, "%lld:%s\n", (long long)r->item_id, reminder_kind_name(r->kind)) <
			    0) {
				buf_release(&kb);
				return error_set(err, ERR_IO, "out of memory");
			}
		}
		d->n = j - i;
		d->kind = kinds == (1u << REMIND_OVERDUE)      ? "overdue"
			  : kinds == (1u << REMIND_DUE_SOON)   ? "due_soon"
			  : kinds == (1u << REMIND_ESCALATION) ? "escalation"
							       : "mixed";
		memcpy(d->key, "r1:", 3);
		notify_sha256_hex(kb.data, kb.len, d->key + 3, 64);
		i = j;
	}
	buf_release(&kb);
	return 0;
}

/* Action links live this long: a reminder is read within days; an old one should not still act. */
#define ACTION_LINK_TTL (14 * 86400)

/* The item's "mark done" and "snooze a week" links into links[0] and links[1]. */
static int make_links(const struct action_secret *sec, const char *base_url, const struct plan_item *it,
		      int64_t now, char **links, struct error *err)
{
	static const char *const actions[] = {"done", "snooze"};
	struct buf ref;
	buf_init(&ref, 1024);
	if (buf_printf(&ref, "%s#%s", it->p.incident, it->p.key) < 0) {
		buf_release(&ref);
		return error_set(err, ERR_IO, "out of memory");
	}
	for (int a = 0; a < 2; a++) {
		struct buf url;
		buf_init(&url, 8192);
		if (action_link_make(sec, base_url, actions[a], buf_cstr(&ref), now + ACTION_LINK_TTL, &url,
				     err) < 0) {
			buf_release(&url);
			buf_release(&ref);
			return -1;
		}
		links[a] = buf_detach(&url);
	}
	buf_release(&ref);
	return 0;
}

static int build_payload(const struct plan *p, const struct plan_digest *d, int64_t now,
			 const struct action_secret *sec, const char *base_url, char **out, struct error *err)
{
	struct notify_item *items = calloc(d->n, sizeof *items);
	const char **kinds = calloc(d->n, sizeof *kinds), **reasons = calloc(d->n, sizeof *reasons);
	char **links = calloc(2 * d->n, sizeof *links);
	int rc = -1;
	if (!items || !kinds || !reasons || !links) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < d->n; k++) {
		const struct policy_reminder *r = &p->out.reminders[p->order[d->first + k]];
		const struct plan_item *it = plan_find_item(p, r->item_id);
		if (!it) {
			error_set(err, ERR_DATA, "remind: the policy returned unknown item %lld",
				  (long long)r->item_id);
			goto out;
		}
		items[k] = (struct notify_item){.incident_id = it->p.incident,
						.key = it->p.key,
						.action = it->action,
						.owner = it->p.owner,
						.incident_title = it->title,
						.status = it->p.status,
						.due = it->p.due,
						.priority = it->p.priority,
						.days_late = r->days_late,
						.sequence = it->sequence,
						.updated_at = it->updated_at,
						.kind = reminder_kind_name(r->kind),
						.why = r->because,
						.owner_slack = r->owner_slack};
		kinds[k] = reminder_kind_name(r->kind);
		reasons[k] = r->reason;
		if (sec) {
			if (make_links(sec, base_url, it, now, &links[2 * k], err) < 0)
				goto out;
			items[k].done_url = links[2 * k];
			items[k].snooze_url = links[2 * k + 1];
		}
	}
	struct notify_digest dg = {.idempotency_key = d->key,
				   .recipient_addr = d->recipient,
				   .recipient_name = d->recipient_name,
				   .kind = d->kind,
				   .items = items,
				   .nitems = d->n,
				   .now = now};
	rc = outbox_payload_build(&dg, kinds, reasons, out, err);
out:
	if (links)
		for (size_t k = 0; k < 2 * d->n; k++)
			free(links[k]);
	free(links);
	free(items);
	free(kinds);
	free(reasons);
	return rc;
}

static int write_digests(struct store *st, const struct plan_options *o, struct plan *p, struct error *err)
{
	int rc = -1;
	struct reminder_sent *rec = NULL;
	char(*dates)[11] = NULL;
	/* With [server] base_url set, every item in a digest carries signed "mark done" and "snooze a
	 * week" links. A secret that cannot be read costs the links, never the reminder. */
	struct action_secret sec;
	bool have_secret = false;
	if (o->cfg->server_base_url && *o->cfg->server_base_url) {
		char *path = action_secret_path(o->cfg->server_secret_file, st->path);
		struct error serr;
		error_init(&serr);
		if (path && action_secret_load(path, &sec, &serr) == 0)
			have_secret = true;
		else
			snprintf(p->warning, sizeof p->warning, "reminders go out without action links: %s",
				 path ? serr.msg : "out of memory");
		free(path);
	}
	size_t most = 0;
	for (size_t i = 0; i < p->ndigests; i++)
		if (p->digests[i].n > most)
			most = p->digests[i].n;
	if (most && (!(rec = calloc(most, sizeof *rec)) || !(dates = calloc(most, sizeof *dates)))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->ndigests; i++) {
		struct plan_digest *d = &p->digests[i];
		if (!strcmp(d->channel, "email") && !o->email_enabled) {
			d->skipped = true;
			p->nskipped++;
			continue;
		}
		char *payload = NULL;
		if (build_payload(p, d, o->now, have_secret ? &sec : NULL, o->cfg->server_base_url, &payload,
				  err) < 0)
			goto out;
		struct outbox_new m = {.channel = d->channel,
				       .recipient = d->recipient,
				       .kind = d->kind,
				       .idempotency_key = d->key,
				       .payload = payload};
		int r = outbox_enqueue(st, &m, o->now, &d->outbox_id, &d->added, err);
		free(payload);
		if (r < 0)
			goto out;
		if (d->added)
			p->nadded++;
		for (size_t k = 0; k < d->n; k++) {
			const struct policy_reminder *rm = &p->out.reminders[p->order[d->first + k]];
			date_format(rm->local_date, dates[k]);
			rec[k] = (struct reminder_sent){.item_id = rm->item_id,
							.kind = reminder_kind_name(rm->kind),
							.channel = rm->channel,
							.recipient = rm->recipient,
							.local_date = dates[k]};
		}
		if (reminders_record(st, rec, d->n, d->outbox_id, o->now, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (have_secret)
		action_secret_wipe(&sec);
	free(rec);
	free(dates);
	return rc;
}

int plan_pass(struct store *st, const struct plan_options *o, struct plan *p, struct error *err)
{
	memset(p, 0, sizeof *p);
	struct timespec t0;
	bool in_tx = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (policy_webhooks_from_config(o->cfg, &p->webhooks, err) < 0)
		goto fail;
	if ((o->dry_run ? reminders_begin_read(st, err) : store_begin(st, err)) < 0)
		goto fail;
	in_tx = true;
	if (load_items(st, p, err) < 0 || load_people(st, p, err) < 0 ||
	    load_sent(st, o->pc, o->now, p, err) < 0)
		goto fail;
	p->ms_load = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct policy_input inbuf = {0}, *in = &inbuf;
	in->nitems = p->nitems;
	struct policy_item *pis = NULL;
	if (p->nitems && !(pis = malloc(p->nitems * sizeof *pis))) {
		error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < p->nitems; i++)
		pis[i] = p->items[i].p;
	in->items = pis;
	in->people = p->people;
	in->npeople = p->npeople;
	in->sent = p->sent;
	in->nsent = p->nsent;
	in->webhooks = p->webhooks.v;
	in->nwebhooks = p->webhooks.n;
	in->now = o->now;
	int prc = policy_plan(o->pc, in, &p->out, err);
	free(pis);
	if (prc < 0)
		goto fail;
	if (group(p, err) < 0)
		goto fail;
	p->ms_policy = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o->dry_run) {
		store_rollback(st);
		in_tx = false;
		for (size_t i = 0; i < p->ndigests; i++)
			if (!strcmp(p->digests[i].channel, "email") && !o->email_enabled) {
				p->digests[i].skipped = true;
				p->nskipped++;
			}
		return 0;
	}
	if (write_digests(st, o, p, err) < 0 || store_commit(st, err) < 0)
		goto fail;
	p->ms_write = ms_since(&t0);
	return 0;
fail:
	if (in_tx)
		store_rollback(st);
	p->nadded = 0;
	return -1;
}

void plan_release(struct plan *p)
{
	policy_output_release(&p->out);
	free(p->items);
	free(p->people);
	free(p->sent);
	policy_webhooks_release(&p->webhooks);
	free(p->order);
	free(p->digests);
	while (p->arena) {
		struct plan_arena *n = p->arena->next;
		free(p->arena);
		p->arena = n;
	}
	memset(p, 0, sizeof *p);
}
