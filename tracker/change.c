/*
 * change.c — validating a requested change and writing it to one item with its events (see change.h).
 *
 * change_apply() reads the item's current values, compares each requested field as text (the same
 * text the import's events use), writes one event per difference and then one UPDATE of the current
 * columns. base_* columns are never touched, so the three-way merge keeps tracker changes.
 */
#include "change.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "items.h"
#include "model.h"
#include "stats.h"
#include "tdate.h"
#include "banned.h"

void change_init(struct change *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->priority = -1;
}

void change_release(struct change *ch)
{
	free(ch->owners_json);
	ch->owners_json = NULL;
}

static bool is_none(const char *v)
{
	return !*v || !strcmp(v, "none") || !strcmp(v, "-");
}

int change_set_status(struct change *ch, const char *value, struct error *err)
{
	int s = status_from_name(value);
	if (s < 0)
		return error_set(
		    err, ERR_USAGE,
		    "status \"%s\" is not a status: use open, in_progress, blocked, done or wont_do", value);
	ch->status = s;
	ch->set |= CHANGE_STATUS;
	return 0;
}

static int parse_date_or_none(const char *what, const char *value, char out[11], struct error *err)
{
	int32_t d;
	if (is_none(value)) {
		out[0] = '\0';
		return 0;
	}
	if (date_parse(value, &d) < 0)
		return error_set(err, ERR_USAGE, "%s \"%s\" is not a date: write YYYY-MM-DD (or none)", what,
				 value);
	date_format(d, out);
	return 0;
}

int change_set_due(struct change *ch, const char *value, struct error *err)
{
	if (parse_date_or_none("due", value, ch->due, err) < 0)
		return -1;
	ch->set |= CHANGE_DUE;
	return 0;
}

int change_set_snooze(struct change *ch, const char *value, struct error *err)
{
	if (parse_date_or_none("snooze until", value, ch->snoozed_until, err) < 0)
		return -1;
	ch->set |= CHANGE_SNOOZE;
	return 0;
}

int change_set_snooze_from(struct change *ch, const char *value, int32_t today, struct error *err)
{
	char d[11];
	int32_t until;
	if (parse_date_or_none("snooze until", value, d, err) < 0)
		return -1;
	if (d[0] && date_parse(d, &until) == 0 && until < today) {
		char t[11];
		date_format(today, t);
		return error_set(err, ERR_USAGE,
				 "snooze until %s: that day is past (today is %s); give the last day without "
				 "reminders, today or later (or none to end a snooze)",
				 d, t);
	}
	return change_set_snooze(ch, value, err);
}

static bool valid_handle(const char *h)
{
	if (!*h)
		return false;
	for (const unsigned char *p = (const unsigned char *)h; *p; p++)
		if (*p <= ' ' || *p == ',' || *p == 0x7f)
			return false;
	return true;
}

int change_set_owners(struct change *ch, const char *value, struct error *err)
{
	json_t *a = json_array();
	char *copy = strdup(value), *save = NULL;
	if (!a || !copy) {
		json_decref(a);
		free(copy);
		return error_set(err, ERR_IO, "out of memory");
	}
	if (!is_none(value)) {
		for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			while (*w == ' ')
				w++;
			size_t n = strlen(w);
			while (n && w[n - 1] == ' ')
				w[--n] = '\0';
			if (*w == '@')
				w++;
			if (!valid_handle(w)) {
				error_set(err, ERR_USAGE,
					  "owner \"%s\" is not a handle: write owner=@alice (several: "
					  "owner=@alice,@bob; none to unassign)",
					  value);
				json_decref(a);
				free(copy);
				return -1;
			}
			json_array_append_new(a, json_string(w));
		}
		if (!json_array_size(a)) {
			json_decref(a);
			free(copy);
			return error_set(err, ERR_USAGE,
					 "owner \"%s\" names nobody (use owner=none to unassign)", value);
		}
	}
	free(copy);
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	free(ch->owners_json);
	ch->owners_json = s;
	ch->set |= CHANGE_OWNERS;
	return 0;
}

int change_set_priority(struct change *ch, const char *value, struct error *err)
{
	const char *p = value;
	if (is_none(value)) {
		ch->priority = -1;
	} else {
		if (*p == 'P' || *p == 'p')
			p++;
		if (p[0] < '0' || p[0] > '3' || p[1])
			return error_set(err, ERR_USAGE,
					 "priority \"%s\" is not a priority: use P0, P1, P2, P3 or none",
					 value);
		ch->priority = p[0] - '0';
	}
	ch->set |= CHANGE_PRIORITY;
	return 0;
}

int change_parse(struct change *ch, const char *word, struct error *err)
{
	const char *eq = strchr(word, '=');
	if (!eq || eq == word)
		return error_set(err, ERR_USAGE,
				 "\"%s\" is not field=value (fields: status, due, owner, priority)", word);
	size_t n = (size_t)(eq - word);
	const char *v = eq + 1;
#define IS(name) (n == sizeof(name) - 1 && !strncmp(word, name, n))
	if (IS("status"))
		return change_set_status(ch, v, err);
	if (IS("due"))
		return change_set_due(ch, v, err);
	if (IS("owner") || IS("owners"))
		return change_set_owners(ch, v, err);
	if (IS("priority"))
		return change_set_priority(ch, v, err);
#undef IS
	return error_set(err, ERR_USAGE,
			 "unknown field \"%.*s\" in \"%s\": fields are status, due, owner and priority",
			 (int)n, word, word);
}

static bool has_ctl(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

int change_check(const struct change *ch, struct error *err)
{
	if (!ch->set && !(ch->note && *ch->note))
		return error_set(err, ERR_USAGE, "nothing to change: give field=value or --note TEXT");
	if ((ch->set & CHANGE_STATUS) && ch->status == STATUS_WONT_DO && !(ch->reason && *ch->reason))
		return error_set(err, ERR_USAGE, "wont_do needs a reason: add --reason TEXT");
	if (has_ctl(ch->note) || has_ctl(ch->reason))
		return error_set(err, ERR_USAGE, "--note and --reason must be one line (no CR or LF)");
	return 0;
}

/* Current values of the item, as text. */
struct cur {
	char *incident, *key, *status, *due, *owners, *priority, *snoozed;
	bool found, oom;
};

static void cur_release(struct cur *c)
{
	free(c->incident);
	free(c->key);
	free(c->status);
	free(c->due);
	free(c->owners);
	free(c->priority);
	free(c->snoozed);
}

static char *dup_opt(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	*oom |= s && !d;
	return d;
}

static int read_cur(const struct item *it, void *ud)
{
	struct cur *c = ud;
	char prio[16];
	c->found = true;
	c->incident = dup_opt(it->incident, &c->oom);
	c->key = dup_opt(it->key, &c->oom);
	c->status = dup_opt(it->status, &c->oom);
	c->due = dup_opt(it->due, &c->oom);
	c->owners = dup_opt(it->owners_json, &c->oom);
	if (it->priority >= 0) {
		snprintf(prio, sizeof prio, "%d", it->priority);
		c->priority = dup_opt(prio, &c->oom);
	}
	c->snoozed = dup_opt(it->snoozed_until, &c->oom);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int add_event(struct store *st, struct db_stmt *ev, int64_t item, const struct cur *c, const char *at,
		     const char *actor, const char *source, const char *kind, const char *field,
		     const char *old, const char *nw, const char *note, struct error *err)
{
	struct history_event e = {.item_id = item,
				  .incident = c->incident,
				  .at = at,
				  .actor = actor,
				  .source = source,
				  .kind = kind,
				  .field = field,
				  .old_value = old,
				  .new_value = nw,
				  .note = note};
	if (events_add(st, ev, &e, err) < 0) {
		error_prefix(err, "%s#%s", c->incident, c->key);
		return -1;
	}
	return 0;
}

int change_apply(struct store *st, int64_t item, const struct change *ch, const char *actor,
		 const char *source, int64_t now, struct change_result *res, struct error *err)
{
	struct db_stmt *ev = NULL;
	struct cur c = {0};
	struct change_result r = {0};
	char at[21], prio[2] = "", *note = NULL, *owner = NULL;
	int rc = -1;

	if (change_check(ch, err) < 0)
		return -1;
	time_format(now, at);
	if (items_get(st, item, 0, read_cur, &c, err) < 0 || events_prepare(st, &ev, err) < 0)
		goto out;
	if (!c.found) {
		error_set(err, ERR_DATA, "no item with row id %lld", (long long)item);
		goto out;
	}
	if (c.oom || !c.incident || !c.key || !c.status || !c.owners) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	bool was_closed = status_is_closed((enum status)status_from_name(c.status));
	if (ch->only_if_closed && !was_closed) {
		error_set(err, ERR_DATA, "%s#%s is %s, not done or wont_do: nothing to reopen", c.incident,
			  c.key, c.status);
		goto out;
	}

	/* The event note: for wont_do the reason, then the note. */
	bool to_wont = (ch->set & CHANGE_STATUS) && ch->status == STATUS_WONT_DO;
	if (to_wont && ch->note && *ch->note) {
		size_t n = strlen(ch->reason) + strlen(ch->note) + 3;
		note = malloc(n);
		if (!note) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		snprintf(note, n, "%s; %s", ch->reason, ch->note);
	} else {
		note = strdup(to_wont ? ch->reason : ch->note ? ch->note : "");
		if (!note) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
	}
	const char *evnote = *note ? note : NULL;

	/* New values, as text. */
	const char *n_status = c.status, *n_due = c.due, *n_owners = c.owners, *n_prio = c.priority,
		   *n_snooze = c.snoozed;
	if (ch->set & CHANGE_STATUS)
		n_status = status_name((enum status)ch->status);
	if (ch->set & CHANGE_DUE)
		n_due = ch->due[0] ? ch->due : NULL;
	if (ch->set & CHANGE_OWNERS)
		n_owners = ch->owners_json;
	if (ch->set & CHANGE_PRIORITY) {
		if (ch->priority >= 0) {
			prio[0] = (char)('0' + ch->priority);
			prio[1] = '\0';
			n_prio = prio;
		} else {
			n_prio = NULL;
		}
	}
	if (ch->set & CHANGE_SNOOZE)
		n_snooze = ch->snoozed_until[0] ? ch->snoozed_until : NULL;

	struct {
		const char *field, *old, *nw;
	} f[] = {{"status", c.status, n_status},
		 {"due", c.due, n_due},
		 {"owners", c.owners, n_owners},
		 {"priority", c.priority, n_prio},
		 {"snoozed_until", c.snoozed, n_snooze}};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (same(f[i].old, f[i].nw))
			continue;
		const char *kind = "changed";
		if (i == 1 && f[i].old && f[i].nw && strcmp(f[i].nw, f[i].old) > 0) {
			kind = "slipped";
			r.slipped = true;
		}
		if (add_event(st, ev, item, &c, at, actor, source, kind, f[i].field, f[i].old, f[i].nw,
			      evnote, err) < 0)
			goto out;
		r.fields++;
	}
	if (!r.fields && evnote &&
	    add_event(st, ev, item, &c, at, actor, source, "note", NULL, NULL, NULL, evnote, err) < 0)
		goto out;
	r.changed = r.fields > 0 || evnote;
	if (r.changed) {
		json_t *a = json_loads(n_owners, 0, NULL);
		const char *o = json_string_value(json_array_get(a, 0));
		owner = o ? strdup(o) : NULL;
		json_decref(a);
		struct item_change x = {.id = item,
					.status = n_status,
					.due = n_due,
					.owners = n_owners,
					.owner = owner,
					.snoozed_until = n_snooze,
					.priority = n_prio ? n_prio[0] - '0' : -1,
					.now = at};
		if (items_change(st, &x, err) < 0) {
			error_prefix(err, "%s#%s", c.incident, c.key);
			goto out;
		}
		/* issue 11 §5: the item's stored start date and close time (stats.h) */
		if (stats_refresh_items(st, c.incident, err) < 0)
			goto out;
	}
	if (res)
		*res = r;
	rc = 0;
out:
	events_finish(ev);
	cur_release(&c);
	free(note);
	free(owner);
	return rc;
}
