/*
 * policy.c — the reminder policy (see policy.h for the rules): [reminders] parsing and one planning
 * pass, a pure function of its inputs.
 *
 * A pass is O(n log n) in items, people and sent records: people are sorted by handle (and by name) and
 * found by binary search, sent records are sorted by item id, and each distinct time zone is resolved and
 * converted once per pass (the local date and time of `now` in it), never per item. Every open item
 * that the rules look at gets one explanation line saying what was decided and why; the wording is
 * documented in docs/reminders.md. next_wakeup is computed per zone from the earliest local date on
 * which something may be sent there (cadence, snooze, due date) and the earliest local midnight at
 * which an item changes state for a recipient in another zone.
 */
#include "policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "tdate.h"
#include "tz.h"
#include "banned.h"

#define MAX_SPAN_DAYS 3650

const char *reminder_kind_name(enum reminder_kind k)
{
	switch (k) {
	case REMIND_OVERDUE:
		return "overdue";
	case REMIND_DUE_SOON:
		return "due_soon";
	case REMIND_ESCALATION:
		return "escalation";
	}
	return "unknown";
}

/* ---- [reminders] parsing ---- */

struct tok {
	const char *b, *e;
};

/* The next comma-separated token of *p, trimmed; false at the end. */
static bool next_tok(const char **p, struct tok *t)
{
	const char *s = *p;
	if (!s)
		return false;
	const char *c = strchr(s, ',');
	const char *end = c ? c : s + strlen(s);
	*p = c ? c + 1 : NULL;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	t->b = s;
	t->e = end;
	return true;
}

static int tok_len(const struct tok *t)
{
	return (int)(t->e - t->b);
}

static bool tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(t->e - t->b) == n && !strncasecmp(t->b, word, n);
}

/* "Nd" or "Nw" (or "0"), N whole; false if malformed or longer than MAX_SPAN_DAYS. */
static bool parse_span(const char *b, const char *e, int *days)
{
	long n = 0;
	const char *p = b;
	if (p == e || !isdigit((unsigned char)*p))
		return false;
	while (p < e && isdigit((unsigned char)*p)) {
		n = n * 10 + (*p - '0');
		if (n > MAX_SPAN_DAYS)
			return false;
		p++;
	}
	if (p == e) {
		if (n != 0)
			return false; /* a bare number has no unit; only 0 is unambiguous */
	} else if (p + 1 == e && (*p == 'd' || *p == 'D')) {
		/* days */
	} else if (p + 1 == e && (*p == 'w' || *p == 'W')) {
		n *= 7;
	} else {
		return false;
	}
	if (n > MAX_SPAN_DAYS)
		return false;
	*days = (int)n;
	return true;
}

/* "P0".."P3" (case-insensitive); -1 if not. */
static int parse_prio(const char *b, const char *e)
{
	if (e - b == 2 && (b[0] == 'P' || b[0] == 'p') && b[1] >= '0' && b[1] <= '3')
		return b[1] - '0';
	return -1;
}

static int parse_priorities(const char *s, const char *what, unsigned *mask, struct error *err)
{
	struct tok t;
	unsigned m = 0;
	const char *p = s;
	if (!strcasecmp(s, "none") || !*s) {
		*mask = 0;
		return 0;
	}
	while (next_tok(&p, &t)) {
		int pr = parse_prio(t.b, t.e);
		if (pr < 0)
			return error_set(
			    err, ERR_CONFIG,
			    "%s: \"%.*s\" is not a priority (expected P0, P1, P2 or P3, comma-separated, "
			    "or none)",
			    what, tok_len(&t), t.b);
		m |= 1u << pr;
	}
	*mask = m;
	return 0;
}

/* "P0:1d,P1:3d" or a single span for every priority; `allow_off` admits "off"/"never" (-1). */
static int parse_per_prio(const char *s, const char *what, bool allow_off, int v[4], struct error *err)
{
	struct tok t;
	const char *p = s;
	int out[4];
	memcpy(out, v, sizeof out);
	const char *allowed = allow_off ? "P0..P3:SPAN or SPAN, SPAN like 3d or 2w, or off"
					: "P0..P3:SPAN or SPAN, SPAN like 1d or 2w";
	if (!*s)
		return error_set(err, ERR_CONFIG, "%s: empty value (expected %s)", what, allowed);
	while (next_tok(&p, &t)) {
		const char *colon = memchr(t.b, ':', (size_t)(t.e - t.b));
		int pr = -1;
		const char *vb = t.b;
		if (colon) {
			vb = colon + 1;
			while (vb < t.e && isspace((unsigned char)*vb))
				vb++;
			const char *pe = colon;
			while (pe > t.b && isspace((unsigned char)pe[-1]))
				pe--;
			pr = parse_prio(t.b, pe);
			if (pr < 0)
				return error_set(err, ERR_CONFIG,
						 "%s: \"%.*s\": \"%.*s\" is not a priority (expected %s)",
						 what, tok_len(&t), t.b, (int)(pe - t.b), t.b, allowed);
		}
		int days;
		struct tok vt = {vb, t.e};
		if (allow_off && (tok_is(&vt, "off") || tok_is(&vt, "never") || tok_is(&vt, "none")))
			days = -1;
		else if (!parse_span(vb, t.e, &days))
			return error_set(err, ERR_CONFIG,
					 "%s: \"%.*s\" is not valid (expected %s; at most %d days)", what,
					 tok_len(&t), t.b, allowed, MAX_SPAN_DAYS);
		if (pr >= 0)
			out[pr] = days;
		else
			for (int i = 0; i < 4; i++)
				out[i] = days;
	}
	memcpy(v, out, sizeof out);
	return 0;
}

static const char *const day_names[7][2] = {
    {"mon", "monday"}, {"tue", "tuesday"},  {"wed", "wednesday"}, {"thu", "thursday"},
    {"fri", "friday"}, {"sat", "saturday"}, {"sun", "sunday"},
};

static int parse_day(const char *b, const char *e)
{
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	struct tok t = {b, e};
	for (int i = 0; i < 7; i++)
		if (tok_is(&t, day_names[i][0]) || tok_is(&t, day_names[i][1]))
			return i;
	return -1;
}

static int parse_business_days(const char *s, unsigned *mask, struct error *err)
{
	static const char what[] = "[reminders] business_days";
	struct tok t;
	const char *p = s;
	unsigned m = 0;
	if (!strcasecmp(s, "all")) {
		*mask = 0x7f;
		return 0;
	}
	while (next_tok(&p, &t)) {
		const char *dash = memchr(t.b, '-', (size_t)(t.e - t.b));
		int a = parse_day(t.b, dash ? dash : t.e);
		int z = dash ? parse_day(dash + 1, t.e) : a;
		if (a < 0 || z < 0)
			return error_set(err, ERR_CONFIG,
					 "%s: \"%.*s\" is not a day or range of days (expected e.g. mon-fri, "
					 "mon,tue,thu, sun-thu or all)",
					 what, tok_len(&t), t.b);
		for (int d = a;; d = (d + 1) % 7) {
			m |= 1u << d;
			if (d == z)
				break;
		}
	}
	if (!m)
		return error_set(err, ERR_CONFIG, "%s: no day given (expected e.g. mon-fri or all)", what);
	*mask = m;
	return 0;
}

static int parse_send_at(const char *s, int *minutes, struct error *err)
{
	const char *p = s;
	int h = 0, m = 0, nd = 0;
	while (isdigit((unsigned char)*p) && nd < 2) {
		h = h * 10 + (*p++ - '0');
		nd++;
	}
	if (nd == 0 || *p != ':' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] ||
	    h > 23 || (m = (p[1] - '0') * 10 + (p[2] - '0')) > 59)
		return error_set(
		    err, ERR_CONFIG,
		    "[reminders] send_at: \"%s\" is not a time of day (expected HH:MM, 00:00 to 23:59)", s);
	*minutes = h * 60 + m;
	return 0;
}

/* An e-mail address or a handle (optionally with '@'): no spaces or control characters. */
static int parse_target(const char *s, const char *what, char *out, size_t outsz, struct error *err)
{
	size_t n = strlen(s);
	if (n >= outsz)
		return error_set(err, ERR_CONFIG, "%s: longer than %zu characters", what, outsz - 1);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == ',' || *p == '<' || *p == '>')
			return error_set(
			    err, ERR_CONFIG,
			    "%s: \"%s\" is not an e-mail address or a handle (no spaces, commas or "
			    "control characters)",
			    what, s);
	memcpy(out, s, n + 1);
	return 0;
}

static void policy_config_defaults(struct policy_config *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->priorities = 1u << 0 | 1u << 1;
	pc->repeat_days[0] = 1;
	pc->repeat_days[1] = 3;
	pc->repeat_days[2] = 7;
	pc->repeat_days[3] = 7;
	pc->due_soon_days = 2;
	pc->escalate_after_days[0] = 3;
	pc->escalate_after_days[1] = 7;
	pc->escalate_after_days[2] = -1;
	pc->escalate_after_days[3] = -1;
	pc->send_at_minutes = 9 * 60;
	pc->business_days = 0x1f;
	memcpy(pc->timezone, "UTC", 4);
}

int policy_config_parse(const struct config *cfg, struct policy_config *pc, struct error *err)
{
	struct policy_config n;
	policy_config_defaults(&n);
	if (!cfg) {
		*pc = n;
		return 0;
	}
	if (cfg->rem_priorities &&
	    parse_priorities(cfg->rem_priorities, "[reminders] priorities", &n.priorities, err))
		return -1;
	if (cfg->rem_repeat &&
	    parse_per_prio(cfg->rem_repeat, "[reminders] repeat", false, n.repeat_days, err))
		return -1;
	if (cfg->rem_due_soon) {
		const char *s = cfg->rem_due_soon;
		int d;
		if (!strcasecmp(s, "off") || !strcasecmp(s, "none") || !strcasecmp(s, "never"))
			d = 0;
		else if (!parse_span(s, s + strlen(s), &d))
			return error_set(
			    err, ERR_CONFIG,
			    "[reminders] due_soon: \"%s\" is not valid (expected a span like 2d or 1w, "
			    "or 0/off for no heads-up; at most %d days)",
			    s, MAX_SPAN_DAYS);
		n.due_soon_days = d == 0 ? -1 : d;
	}
	if (cfg->rem_escalate_after && parse_per_prio(cfg->rem_escalate_after, "[reminders] escalate_after",
						      true, n.escalate_after_days, err))
		return -1;
	if (cfg->rem_escalation_to && parse_target(cfg->rem_escalation_to, "[reminders] escalation_to",
						   n.escalation_to, sizeof n.escalation_to, err))
		return -1;
	if (cfg->rem_send_at && parse_send_at(cfg->rem_send_at, &n.send_at_minutes, err))
		return -1;
	if (cfg->rem_business_days && parse_business_days(cfg->rem_business_days, &n.business_days, err))
		return -1;
	if (cfg->rem_timezone) {
		const char *s = cfg->rem_timezone;
		if (strlen(s) >= sizeof n.timezone || !tz_valid(s))
			return error_set(
			    err, ERR_CONFIG,
			    "[reminders] timezone: \"%s\" is not a known time zone (expected an IANA name "
			    "like Europe/Berlin, or UTC)",
			    s);
		memcpy(n.timezone, s, strlen(s) + 1);
	}
	if (cfg->rem_fallback_to && parse_target(cfg->rem_fallback_to, "[reminders] fallback_to",
						 n.fallback_to, sizeof n.fallback_to, err))
		return -1;
	*pc = n;
	return 0;
}

/* ---- webhook filters ---- */

static char **split_list(const char *s, bool strip_at)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	char **v = calloc(n + 1, sizeof *v);
	if (!v)
		return NULL;
	struct tok t;
	const char *p = s;
	size_t k = 0;
	while (next_tok(&p, &t)) {
		if (strip_at && t.b < t.e && *t.b == '@')
			t.b++;
		if (t.b == t.e)
			continue;
		v[k] = strndup(t.b, (size_t)(t.e - t.b));
		if (!v[k]) {
			for (size_t i = 0; i < k; i++)
				free(v[i]);
			free(v);
			return NULL;
		}
		k++;
	}
	return v;
}

static void free_list(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void policy_webhooks_release(struct policy_webhooks *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free_list(w->lists[2 * i]);
		free_list(w->lists[2 * i + 1]);
	}
	free(w->lists);
	free(w->v);
	w->v = NULL;
	w->lists = NULL;
	w->n = 0;
}

int policy_webhooks_from_config(const struct config *cfg, struct policy_webhooks *w, struct error *err)
{
	int rc = -1;
	w->v = NULL;
	w->lists = NULL;
	w->n = 0;
	if (!cfg || !cfg->nwebhooks)
		return 0;
	w->v = calloc(cfg->nwebhooks, sizeof *w->v);
	w->lists = calloc(2 * cfg->nwebhooks, sizeof *w->lists);
	if (!w->v || !w->lists) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct webhook_config *wc = &cfg->webhooks[i];
		struct policy_webhook *pw = &w->v[i];
		char what[300];
		w->n = i + 1;
		pw->name = wc->name;
		snprintf(what, sizeof what, "[webhook %s] priorities", wc->name);
		if (wc->priorities && parse_priorities(wc->priorities, what, &pw->priorities, err))
			goto out;
		if (wc->priorities && !pw->priorities) {
			error_set(err, ERR_CONFIG,
				  "%s: no priority given (leave it out for the [reminders] ones)", what);
			goto out;
		}
		if (wc->owners && !(w->lists[2 * i] = split_list(wc->owners, true)))
			goto oom;
		if (wc->incidents && !(w->lists[2 * i + 1] = split_list(wc->incidents, false)))
			goto oom;
		pw->owners = (const char *const *)w->lists[2 * i];
		pw->incidents = (const char *const *)w->lists[2 * i + 1];
	}
	rc = 0;
	goto out;
oom:
	error_set(err, ERR_IO, "out of memory");
out:
	if (rc)
		policy_webhooks_release(w);
	return rc;
}

/* ---- planning ---- */

struct zone {
	const char *name; /* as written; the default zone's is pc->timezone */
	struct tz tz;
	int32_t today;         /* local date of `now` */
	int minutes;           /* local minutes after midnight of `now` */
	int32_t next_send;     /* earliest local date on which something may be sent here; INT32_MAX: none */
	int32_t next_midnight; /* earliest future local date whose start changes an item; INT32_MAX: none */
};

struct key_idx {
	const char *key;
	size_t idx;
};

struct item_idx {
	int64_t id;
	size_t idx;
};

/* A resolved recipient. */
struct who {
	const char *addr;
	const char *name;   /* display name, may be NULL */
	const char *handle; /* the handle or text it was found by, may be NULL */
	const char *role;   /* "owner", "reporter", "approver", "manager", "[reminders] fallback_to", … */
	size_t zone;
};

struct plan {
	const struct policy_config *pc;
	const struct policy_input *in;
	struct policy_output *out;
	size_t capr, cape;
	struct zone *zones;
	size_t nzones, capzones;
	struct key_idx *by_handle, *by_name;
	size_t nby_name;
	size_t *person_zone;
	struct item_idx *sent;
	char **wh_channel;
	struct buf text, reason, note, why, esc;
	/* for the reminders of the item being planned: the stand-in's reason (NULL: the owner gets it)
	 * and the owner's Slack id */
	struct buf because, cause, whb, escb;
	const char *cur_because, *cur_slack;
	bool oom;
};

static int cmp_key_idx(const void *a, const void *b)
{
	const struct key_idx *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_item_idx(const void *a, const void *b)
{
	const struct item_idx *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static const struct key_idx *find_key(const struct key_idx *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(v[lo].key, key) ? &v[lo] : NULL;
}

/* The person a handle (with or without '@') or a display name refers to; NULL if none. */
static const struct policy_person *find_person(const struct plan *p, const char *s, size_t *idx)
{
	if (!s || !*s)
		return NULL;
	const char *h = *s == '@' ? s + 1 : s;
	const struct key_idx *k = find_key(p->by_handle, p->in->npeople, h);
	if (!k)
		k = find_key(p->by_name, p->nby_name, s);
	if (!k)
		return NULL;
	if (idx)
		*idx = k->idx;
	return &p->in->people[k->idx];
}

static bool has_email(const struct policy_person *pp)
{
	return pp && pp->email && *pp->email;
}

static bool is_address(const char *s)
{
	return s && *s && *s != '@' && strchr(s, '@');
}

/* Opens zone `name` (non-empty) as a new entry of the pass's zone table; (size_t)-1 if unknown. */
static size_t zone_add(struct plan *p, const char *name)
{
	struct tz tz;
	if (tz_open(&tz, name) < 0)
		return (size_t)-1;
	if (p->nzones == p->capzones) {
		size_t nc = p->capzones ? p->capzones * 2 : 8;
		struct zone *nz = realloc(p->zones, nc * sizeof *nz);
		if (!nz) {
			p->oom = true;
			return (size_t)-1;
		}
		p->zones = nz;
		p->capzones = nc;
	}
	struct zone *z = &p->zones[p->nzones];
	z->name = name;
	z->tz = tz;
	tz_to_local(&tz, p->in->now, &z->today, &z->minutes);
	z->next_send = INT32_MAX;
	z->next_midnight = INT32_MAX;
	return p->nzones++;
}

/* Index of zone `name` (NULL or "": the default, index 0), opened on first use; (size_t)-1 if unknown.
 * Linear: a pass sees a handful of distinct zones, each resolved once. */
static size_t zone_get(struct plan *p, const char *name)
{
	if (!name || !*name)
		return 0;
	for (size_t i = 0; i < p->nzones; i++)
		if (!strcmp(p->zones[i].name, name))
			return i;
	return zone_add(p, name);
}

/* Resolves a handle, name or address to a recipient with an e-mail; false if it has none. */
static bool who_from(struct plan *p, const char *s, const char *role, struct who *w)
{
	size_t idx;
	const struct policy_person *pp = find_person(p, s, &idx);
	if (has_email(pp)) {
		w->addr = pp->email;
		w->name = pp->name;
		w->handle = pp->handle;
		w->role = role;
		w->zone = p->person_zone[idx];
		return true;
	}
	if (!pp && is_address(s)) {
		w->addr = s;
		w->name = NULL;
		w->handle = NULL;
		w->role = role;
		w->zone = 0;
		return true;
	}
	return false;
}

/* "approver of INC-…", "reporter of INC-…", "manager", or the role as it is: how a stand-in is addressed. */
static void role_of(struct buf *b, const struct who *w, const struct policy_item *it)
{
	if (!strcmp(w->role, "reporter") || !strcmp(w->role, "approver"))
		buf_printf(b, "%s of %s", w->role, it->incident);
	else
		buf_adds(b, w->role);
}

static void note_who(struct buf *b, const struct who *w)
{
	buf_printf(b, "%s ", w->role);
	if (w->handle)
		buf_printf(b, "%s <%s>", w->handle, w->addr);
	else
		buf_adds(b, w->addr);
}

static bool business_day(const struct policy_config *pc, int32_t d)
{
	return pc->business_days & (1u << date_weekday(d));
}

static const char *const weekday_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
					     "Friday", "Saturday", "Sunday"};

/* Whether now is a sending moment for zone `z`; if not, says why in `b`. */
static bool gate(struct plan *p, size_t zi, struct buf *b)
{
	const struct zone *z = &p->zones[zi];
	if (!business_day(p->pc, z->today)) {
		buf_printf(b, "not a business day in %s (%s)", z->name,
			   weekday_names[date_weekday(z->today)]);
		return false;
	}
	if (z->minutes < p->pc->send_at_minutes) {
		buf_printf(b, "before %02d:%02d in %s (it is %02d:%02d there)", p->pc->send_at_minutes / 60,
			   p->pc->send_at_minutes % 60, z->name, z->minutes / 60, z->minutes % 60);
		return false;
	}
	return true;
}

static void want_send(struct plan *p, size_t zi, int32_t d)
{
	if (d < p->zones[zi].next_send)
		p->zones[zi].next_send = d;
}

/* Something about the item changes at the start of owner-local date `d`: wake then (or, when the
 * recipient shares the owner's zone, at that day's send_at). */
static void want_change(struct plan *p, size_t owner_zone, size_t rcpt_zone, int32_t d)
{
	if (owner_zone == rcpt_zone)
		want_send(p, rcpt_zone, d);
	else if (d < p->zones[owner_zone].next_midnight)
		p->zones[owner_zone].next_midnight = d;
}

/* The latest local date a reminder of `kind` for item `id` went to `recipient` on `channel` (any
 * recipient when NULL); DATE_NONE if never. */
static int32_t last_sent(const struct plan *p, int64_t id, enum reminder_kind kind, const char *channel,
			 const char *recipient)
{
	const struct policy_input *in = p->in;
	size_t lo = 0, hi = in->nsent;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->sent[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	int32_t last = DATE_NONE;
	for (size_t i = lo; i < in->nsent && p->sent[i].id == id; i++) {
		const struct policy_sent *s = &in->sent[p->sent[i].idx];
		if (s->kind != kind || !s->channel || strcmp(s->channel, channel))
			continue;
		if (recipient && (!s->recipient || strcasecmp(s->recipient, recipient)))
			continue;
		if (last == DATE_NONE || s->local_date > last)
			last = s->local_date;
	}
	return last;
}

static int32_t next_business_day(const struct policy_config *pc, int32_t d)
{
	for (int i = 0; i < 7 && !business_day(pc, d); i++)
		d++;
	return d;
}

/* Cadence: may a reminder last sent on `last` go again today (recipient-local)? If not, says why. */
static bool cadence(struct plan *p, int32_t last, size_t zi, int every, struct buf *b)
{
	if (last == DATE_NONE)
		return true;
	int32_t today = p->zones[zi].today;
	char d1[11], d2[11];
	if (last >= today) {
		if (last == today)
			buf_adds(b, "sent today already");
		else {
			date_format(last, d1);
			buf_printf(b, "already sent for %s (a later date than today here)", d1);
		}
		want_send(p, zi, last + every);
		return false;
	}
	if (today - last < every) {
		date_format(last, d1);
		date_format(next_business_day(p->pc, last + every), d2);
		buf_printf(b, "last sent %s, next on %s (every %dd)", d1, d2, every);
		want_send(p, zi, last + every);
		return false;
	}
	return true;
}

static char *dup_or_null(struct plan *p, const char *s)
{
	if (!s)
		return NULL;
	char *c = strdup(s);
	if (!c)
		p->oom = true;
	return c;
}

static void add_reminder(struct plan *p, int64_t id, enum reminder_kind kind, const char *channel,
			 const char *addr, const char *name, int32_t local_date, int days_late,
			 const char *reason)
{
	struct policy_output *o = p->out;
	if (o->nreminders == p->capr) {
		size_t nc = p->capr ? p->capr * 2 : 64;
		struct policy_reminder *nv = realloc(o->reminders, nc * sizeof *nv);
		if (!nv) {
			p->oom = true;
			return;
		}
		o->reminders = nv;
		p->capr = nc;
	}
	struct policy_reminder *r = &o->reminders[o->nreminders++];
	r->item_id = id;
	r->kind = kind;
	r->channel = dup_or_null(p, channel);
	r->recipient = dup_or_null(p, addr);
	r->recipient_name = dup_or_null(p, name);
	r->local_date = local_date;
	r->days_late = days_late;
	r->reason = dup_or_null(p, reason);
	r->because = dup_or_null(p, p->cur_because);
	r->owner_slack = dup_or_null(p, p->cur_slack);
}

static void add_explanation(struct plan *p, int64_t id, bool reminded, const char *text)
{
	struct policy_output *o = p->out;
	if (o->nexplanations == p->cape) {
		size_t nc = p->cape ? p->cape * 2 : 64;
		struct policy_explanation *nv = realloc(o->explanations, nc * sizeof *nv);
		if (!nv) {
			p->oom = true;
			return;
		}
		o->explanations = nv;
		p->cape = nc;
	}
	struct policy_explanation *e = &o->explanations[o->nexplanations++];
	e->item_id = id;
	e->reminded = reminded;
	e->text = dup_or_null(p, text);
}

static const char *plural(int n)
{
	return n == 1 || n == -1 ? "" : "s";
}

/* What an item's state calls for now, in the owner's dates. */
struct state {
	const struct policy_item *it;
	const struct policy_person *owner;
	size_t owner_zone;
	int days_late; /* owner's today - due */
	int every;     /* overdue cadence in days, >= 1 */
};

/* Snoozed for a recipient in zone `zi`? */
static bool snoozed(const struct plan *p, const struct policy_item *it, size_t zi)
{
	return it->snoozed_until != DATE_NONE && it->snoozed_until >= p->zones[zi].today;
}

/*
 * One channel's decision for an item: overdue (with cadence) or due-soon (once), gated by snooze and
 * the recipient's local time. Returns true if a reminder was added; `why` gets the reason otherwise.
 */
static bool decide(struct plan *p, const struct state *st, const char *channel, const struct who *w,
		   struct buf *why)
{
	const struct policy_item *it = st->it;
	const struct policy_config *pc = p->pc;
	int32_t rtoday = p->zones[w->zone].today;
	char d1[11];
	int ahead = -st->days_late; /* days until due */
	bool overdue = st->days_late > 0;
	bool window = !overdue && pc->due_soon_days >= 0 && ahead <= pc->due_soon_days;
	int32_t soon_last = DATE_NONE;
	if (window)
		soon_last = last_sent(p, it->id, REMIND_DUE_SOON, channel, NULL);

	/* future state changes, for next_wakeup */
	if (!overdue) {
		int32_t otoday = p->zones[st->owner_zone].today;
		int32_t change = it->due + 1;
		if (pc->due_soon_days >= 0 && it->due - pc->due_soon_days > otoday)
			change = it->due - pc->due_soon_days;
		want_change(p, st->owner_zone, w->zone, change);
	}
	if (snoozed(p, it, w->zone)) {
		date_format(it->snoozed_until, d1);
		buf_printf(why, "snoozed until %s", d1);
		if (overdue || window)
			want_send(p, w->zone, it->snoozed_until + 1);
		return false;
	}
	if (!overdue && !(window && soon_last == DATE_NONE)) {
		date_format(it->due, d1);
		if (st->days_late == 0) {
			buf_printf(why, "due today, not overdue until the end of %s in %s", d1,
				   p->zones[st->owner_zone].name);
		} else if (window) {
			char d2[11];
			date_format(soon_last, d2);
			buf_printf(why, "heads-up sent %s; due %s (in %d day%s)", d2, d1, ahead,
				   plural(ahead));
		} else {
			buf_printf(why, "due %s (in %d day%s)", d1, ahead, plural(ahead));
			if (pc->due_soon_days >= 0) {
				char d2[11];
				date_format(it->due - pc->due_soon_days, d2);
				buf_printf(why, ", heads-up from %s", d2);
			}
		}
		return false;
	}
	if (overdue) {
		int32_t last = last_sent(p, it->id, REMIND_OVERDUE, channel, w->addr);
		if (!cadence(p, last, w->zone, st->every, why))
			return false;
		if (!gate(p, w->zone, why)) {
			want_send(p, w->zone, rtoday);
			return false;
		}
		buf_reset(&p->reason);
		buf_printf(&p->reason, "P%d overdue %d day%s", it->priority, st->days_late,
			   plural(st->days_late));
		if (last != DATE_NONE) {
			date_format(last, d1);
			buf_printf(&p->reason, ", last reminded %s", d1);
		}
		buf_printf(&p->reason, " (every %dd)", st->every);
		add_reminder(p, it->id, REMIND_OVERDUE, channel, w->addr, w->name, rtoday, st->days_late,
			     buf_cstr(&p->reason));
		want_send(p, w->zone, rtoday + st->every);
		return true;
	}
	/* due soon, not yet sent on this channel */
	if (!gate(p, w->zone, why)) {
		want_send(p, w->zone, rtoday);
		return false;
	}
	date_format(it->due, d1);
	buf_reset(&p->reason);
	if (ahead == 0)
		buf_printf(&p->reason, "P%d due today (%s)", it->priority, d1);
	else
		buf_printf(&p->reason, "P%d due in %d day%s (%s)", it->priority, ahead, plural(ahead), d1);
	add_reminder(p, it->id, REMIND_DUE_SOON, channel, w->addr, w->name, rtoday, st->days_late,
		     buf_cstr(&p->reason));
	return true;
}

/* The last reminder added, for the explanation's wording. */
static const char *last_reason(const struct plan *p)
{
	return p->out->nreminders ? p->out->reminders[p->out->nreminders - 1].reason : "";
}

static bool list_has(const char *const *v, const char *s)
{
	if (!v)
		return true;
	if (!s)
		return false;
	if (*s == '@')
		s++;
	for (; *v; v++)
		if (!strcmp(*v[0] == '@' ? *v + 1 : *v, s))
			return true;
	return false;
}

/* The e-mail recipient when the owner cannot be reached: reporter, approver, fallback_to. */
static bool fallback(struct plan *p, const struct policy_item *it, struct who *w)
{
	if (it->reporter && who_from(p, it->reporter, "reporter", w))
		return true;
	if (it->approved_by && who_from(p, it->approved_by, "approver", w))
		return true;
	if (p->pc->fallback_to[0] && who_from(p, p->pc->fallback_to, "[reminders] fallback_to", w))
		return true;
	return false;
}

static void plan_escalation(struct plan *p, const struct state *st, const struct who *primary, bool *any)
{
	const struct policy_item *it = st->it;
	struct who w;
	bool found = false;
	if (st->owner && st->owner->manager && *st->owner->manager)
		found = who_from(p, st->owner->manager, "manager", &w);
	if (!found && it->approved_by)
		found = who_from(p, it->approved_by, "approver", &w);
	if (!found && p->pc->escalation_to[0])
		found = who_from(p, p->pc->escalation_to, "[reminders] escalation_to", &w);
	struct buf *t = &p->text;
	if (!found) {
		buf_adds(
		    t,
		    "; escalation due, but no manager, approver or [reminders] escalation_to with an e-mail");
		return;
	}
	if (primary && !strcasecmp(primary->addr, w.addr)) {
		buf_printf(t, "; escalation: %s %s is already the recipient", w.role, w.addr);
		return;
	}
	buf_reset(&p->esc);
	int32_t last = last_sent(p, it->id, REMIND_ESCALATION, "email", w.addr);
	int32_t rtoday = p->zones[w.zone].today;
	if (snoozed(p, it, w.zone)) {
		char d1[11];
		date_format(it->snoozed_until, d1);
		buf_printf(&p->esc, "snoozed until %s", d1);
		want_send(p, w.zone, it->snoozed_until + 1);
	} else if (cadence(p, last, w.zone, st->every, &p->esc)) {
		if (gate(p, w.zone, &p->esc)) {
			const char *owner = it->owner && *it->owner ? it->owner : NULL;
			buf_reset(&p->escb);
			if (!strcmp(w.role, "manager"))
				buf_printf(&p->escb, "you are %s's manager; this P%d is", owner,
					   it->priority);
			else {
				buf_adds(&p->escb, "you get this as ");
				role_of(&p->escb, &w, it);
				if (owner)
					buf_printf(&p->escb, "; this P%d of %s's is", it->priority, owner);
				else
					buf_printf(&p->escb, "; this P%d has no owner and is", it->priority);
			}
			buf_printf(&p->escb, " %d day%s overdue (escalated after %d day%s)", st->days_late,
				   plural(st->days_late), p->pc->escalate_after_days[it->priority],
				   plural(p->pc->escalate_after_days[it->priority]));
			const char *saved = p->cur_because;
			p->cur_because = buf_cstr(&p->escb);
			buf_reset(&p->reason);
			buf_printf(&p->reason,
				   "P%d overdue %d day%s, owner %s, escalated after %dd (every %dd)",
				   it->priority, st->days_late, plural(st->days_late),
				   it->owner && *it->owner ? it->owner : "(none)",
				   p->pc->escalate_after_days[it->priority], st->every);
			add_reminder(p, it->id, REMIND_ESCALATION, "email", w.addr, w.name, rtoday,
				     st->days_late, buf_cstr(&p->reason));
			p->cur_because = saved;
			want_send(p, w.zone, rtoday + st->every);
			buf_adds(t, "; escalated to ");
			note_who(t, &w);
			*any = true;
			return;
		}
		want_send(p, w.zone, rtoday);
	}
	buf_adds(t, "; escalation to ");
	note_who(t, &w);
	buf_printf(t, " not now: %s", buf_cstr(&p->esc));
}

static void plan_item(struct plan *p, const struct policy_item *it)
{
	const struct policy_config *pc = p->pc;
	const struct policy_input *in = p->in;
	if (it->removed || it->priority < 0 || it->priority > 3 || !it->status)
		return;
	if (strcmp(it->status, "open") && strcmp(it->status, "in_progress") && strcmp(it->status, "blocked"))
		return;
	bool in_prio = pc->priorities & (1u << it->priority);
	struct buf *t = &p->text;
	buf_reset(t);
	if (it->due == DATE_NONE) {
		if (in_prio)
			add_explanation(p, it->id, false, "no due date: nothing to remind (set one)");
		return;
	}
	struct state st = {.it = it, .owner_zone = 0};
	size_t oidx;
	st.owner = find_person(p, it->owner, &oidx);
	if (st.owner)
		st.owner_zone = p->person_zone[oidx];
	st.days_late = p->zones[st.owner_zone].today - it->due;
	st.every = pc->repeat_days[it->priority] > 0 ? pc->repeat_days[it->priority] : 1;
	bool any = false;
	p->cur_because = NULL;
	p->cur_slack = st.owner && st.owner->slack && *st.owner->slack ? st.owner->slack : NULL;
	/* for webhooks: who stands in for an owner e-mail cannot reach (set below when known) */
	const char *wh_because = NULL;

	if (!in_prio) {
		buf_printf(t, "P%d: not in [reminders] priorities", it->priority);
	} else {
		struct who w;
		bool have = false;
		bool via_owner = false;
		buf_reset(&p->note);
		buf_reset(&p->cause);
		if (has_email(st.owner)) {
			have = who_from(p, it->owner, "owner", &w);
			via_owner = have;
		} else if (!it->owner || !*it->owner) {
			buf_adds(&p->note, "no owner");
			buf_printf(&p->cause, "%s#%s has no owner", it->incident, it->key);
		} else if (!st.owner) {
			buf_printf(&p->note, "owner %s is not in people", it->owner);
			buf_printf(&p->cause, "owner %s is not in tracker people", it->owner);
		} else {
			buf_printf(&p->note, "owner %s has no e-mail", it->owner);
			buf_printf(&p->cause, "owner %s has no e-mail in tracker people", it->owner);
		}
		if (!have)
			have = fallback(p, it, &w);
		if (have && !via_owner) {
			buf_reset(&p->because);
			buf_adds(&p->because, "you get this as ");
			role_of(&p->because, &w, it);
			buf_printf(&p->because, ", because %s", buf_cstr(&p->cause));
			if (strcmp(w.role, "reporter") && strcmp(w.role, "approver"))
				buf_printf(&p->because, " and %s has no reporter or approver with an e-mail",
					   it->incident);
			p->cur_because = buf_cstr(&p->because);
		}
		if (!have) {
			buf_reset(&p->whb);
			buf_printf(&p->whb, "%s, and no one stands in by e-mail", buf_cstr(&p->cause));
			wh_because = buf_cstr(&p->whb);
			buf_printf(t, "no one to send to: %s, no reporter or approver with an e-mail, ",
				   buf_cstr(&p->note));
			if (pc->fallback_to[0])
				buf_printf(t, "[reminders] fallback_to %s has no e-mail", pc->fallback_to);
			else
				buf_adds(t, "no [reminders] fallback_to");
		} else {
			struct buf *why = &p->why;
			buf_reset(why);
			bool sent = decide(p, &st, "email", &w, why);
			if (sent) {
				struct policy_reminder *r = &p->out->reminders[p->out->nreminders - 1];
				if (r->kind == REMIND_OVERDUE)
					buf_printf(t, "reminded: P%d overdue %d day%s", it->priority,
						   st.days_late, plural(st.days_late));
				else
					buf_printf(t, "reminded: %s", last_reason(p));
				if (via_owner)
					buf_printf(t, " → %s", w.addr);
				if (r->kind == REMIND_OVERDUE)
					buf_printf(t, " (every %dd)", st.every);
				else
					buf_adds(t, " (heads-up)");
				any = true;
			} else {
				buf_printf(t, "not reminded: %s", buf_cstr(why));
			}
			if (!via_owner) {
				buf_printf(t, "; %s → %s ", buf_cstr(&p->note), sent ? "sent to" : "goes to");
				note_who(t, &w);
			}
			if (!via_owner) {
				buf_reset(&p->whb);
				buf_printf(&p->whb, "%s: e-mail reminders go to ", buf_cstr(&p->cause));
				note_who(&p->whb, &w);
				wh_because = buf_cstr(&p->whb);
			}
			int esc = pc->escalate_after_days[it->priority];
			if (st.days_late > 0 && esc >= 0) {
				if (st.days_late >= esc)
					plan_escalation(p, &st, &w, &any);
				else
					want_change(p, st.owner_zone, 0, it->due + esc);
			}
		}
	}

	for (size_t i = 0; i < in->nwebhooks; i++) {
		const struct policy_webhook *wh = &in->webhooks[i];
		unsigned mask = wh->priorities ? wh->priorities : pc->priorities;
		if (!(mask & (1u << it->priority)) || !list_has(wh->owners, it->owner) ||
		    !list_has(wh->incidents, it->incident))
			continue;
		struct who w = {.addr = wh->name, .role = "webhook", .zone = 0};
		struct buf *why = &p->why;
		buf_reset(why);
		p->cur_because = wh_because;
		if (decide(p, &st, p->wh_channel[i], &w, why)) {
			buf_printf(t, "; webhook %s: reminded", wh->name);
			any = true;
		} else if (in_prio) {
			/* the e-mail explanation usually says the same; only state what differs */
			if (!strstr(buf_cstr(t), buf_cstr(why)))
				buf_printf(t, "; webhook %s: not reminded: %s", wh->name, buf_cstr(why));
		} else {
			buf_printf(t, "; webhook %s: not reminded: %s", wh->name, buf_cstr(why));
		}
	}
	add_explanation(p, it->id, any, buf_cstr(t));
}

static int cmp_reminder(const void *a, const void *b)
{
	const struct policy_reminder *x = a, *y = b;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp(x->channel, y->channel);
	return c ? c : strcmp(x->recipient, y->recipient);
}

static int cmp_explanation(const void *a, const void *b)
{
	const struct policy_explanation *x = a, *y = b;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* The earliest instant after now at which zone `z` has something to do. */
static int64_t zone_wakeup(const struct plan *p, const struct zone *z)
{
	int64_t best = 0;
	if (z->next_send != INT32_MAX) {
		int32_t d = z->next_send > z->today ? z->next_send : z->today;
		for (int i = 0; i < 15; i++, d++) {
			if (!business_day(p->pc, d))
				continue;
			int64_t t = tz_to_utc(&z->tz, d, p->pc->send_at_minutes);
			if (t > p->in->now) {
				best = t;
				break;
			}
		}
	}
	if (z->next_midnight != INT32_MAX) {
		int64_t t = tz_to_utc(&z->tz, z->next_midnight, 0);
		if (t > p->in->now && (!best || t < best))
			best = t;
	}
	return best;
}

void policy_output_release(struct policy_output *out)
{
	if (!out)
		return;
	for (size_t i = 0; i < out->nreminders; i++) {
		struct policy_reminder *r = &out->reminders[i];
		free(r->channel);
		free(r->recipient);
		free(r->recipient_name);
		free(r->reason);
		free(r->because);
		free(r->owner_slack);
	}
	for (size_t i = 0; i < out->nexplanations; i++)
		free(out->explanations[i].text);
	free(out->reminders);
	free(out->explanations);
	memset(out, 0, sizeof *out);
}

int policy_plan(const struct policy_config *pc, const struct policy_input *in, struct policy_output *out,
		struct error *err)
{
	int rc = -1;
	struct plan p = {.pc = pc, .in = in, .out = out};
	memset(out, 0, sizeof *out);
	buf_init(&p.text, 64 * 1024);
	buf_init(&p.reason, 4096);
	buf_init(&p.note, 4096);
	buf_init(&p.why, 4096);
	buf_init(&p.esc, 4096);
	buf_init(&p.because, 4096);
	buf_init(&p.cause, 4096);
	buf_init(&p.whb, 4096);
	buf_init(&p.escb, 4096);

	if (zone_add(&p, pc->timezone[0] ? pc->timezone : "UTC") != 0) {
		if (!p.oom)
			error_set(err, ERR_CONFIG, "[reminders] timezone: \"%s\" is not a known time zone",
				  pc->timezone);
		goto out;
	}
	p.by_handle = malloc((in->npeople ? in->npeople : 1) * sizeof *p.by_handle);
	p.by_name = malloc((in->npeople ? in->npeople : 1) * sizeof *p.by_name);
	p.person_zone = malloc((in->npeople ? in->npeople : 1) * sizeof *p.person_zone);
	p.sent = malloc((in->nsent ? in->nsent : 1) * sizeof *p.sent);
	p.wh_channel = calloc(in->nwebhooks ? in->nwebhooks : 1, sizeof *p.wh_channel);
	if (!p.by_handle || !p.by_name || !p.person_zone || !p.sent || !p.wh_channel) {
		p.oom = true;
		goto out;
	}
	for (size_t i = 0; i < in->npeople; i++) {
		const struct policy_person *pp = &in->people[i];
		p.by_handle[i] = (struct key_idx){pp->handle ? pp->handle : "", i};
		if (pp->name && *pp->name)
			p.by_name[p.nby_name++] = (struct key_idx){pp->name, i};
		size_t z = zone_get(&p, pp->tz);
		if (z == (size_t)-1) {
			if (!p.oom)
				error_set(err, ERR_DATA,
					  "person %s: time zone \"%s\" is not known (set an IANA name like "
					  "Europe/Berlin with `tracker people`)",
					  pp->handle ? pp->handle : "(no handle)", pp->tz);
			goto out;
		}
		p.person_zone[i] = z;
	}
	qsort(p.by_handle, in->npeople, sizeof *p.by_handle, cmp_key_idx);
	qsort(p.by_name, p.nby_name, sizeof *p.by_name, cmp_key_idx);
	for (size_t i = 0; i < in->nsent; i++)
		p.sent[i] = (struct item_idx){in->sent[i].item_id, i};
	qsort(p.sent, in->nsent, sizeof *p.sent, cmp_item_idx);
	for (size_t i = 0; i < in->nwebhooks; i++) {
		size_t n = strlen(in->webhooks[i].name) + sizeof "webhook:";
		if (!(p.wh_channel[i] = malloc(n))) {
			p.oom = true;
			goto out;
		}
		snprintf(p.wh_channel[i], n, "webhook:%s", in->webhooks[i].name);
	}

	for (size_t i = 0; i < in->nitems && !p.oom; i++)
		plan_item(&p, &in->items[i]);
	if (p.oom)
		goto out;

	if (out->nreminders)
		qsort(out->reminders, out->nreminders, sizeof *out->reminders, cmp_reminder);
	if (out->nexplanations)
		qsort(out->explanations, out->nexplanations, sizeof *out->explanations, cmp_explanation);
	for (size_t i = 0; i < p.nzones; i++) {
		int64_t t = zone_wakeup(&p, &p.zones[i]);
		if (t && (!out->next_wakeup || t < out->next_wakeup))
			out->next_wakeup = t;
	}
	rc = 0;
out:
	if (p.oom)
		error_set(err, ERR_IO, "planning reminders: out of memory");
	if (rc)
		policy_output_release(out);
	if (p.wh_channel)
		for (size_t i = 0; i < in->nwebhooks; i++)
			free(p.wh_channel[i]);
	free(p.wh_channel);
	free(p.sent);
	free(p.person_zone);
	free(p.by_name);
	free(p.by_handle);
	free(p.zones);
	buf_release(&p.text);
	buf_release(&p.reason);
	buf_release(&p.note);
	buf_release(&p.why);
	buf_release(&p.esc);
	buf_release(&p.because);
	buf_release(&p.cause);
	buf_release(&p.whb);
	buf_release(&p.escb);
	return rc;
}
