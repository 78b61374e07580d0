/*
 * report.c — the Review follow-up checklist of one incident (see report.h): the incident's items in
 * document order (items_of_incident), each blocking item's key added to the line it blocks.
 */
#include "report.h"

#include "incidents.h"
#include "items.h"
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const texts[REPORT_LINES] = {"All P0 items completed", "All P1 items scheduled"};

void report_release(struct report *r)
{
	free(r->incident);
	r->incident = NULL;
	for (int i = 0; i < REPORT_LINES; i++) {
		for (size_t k = 0; k < r->lines[i].nblocking; k++)
			free(r->lines[i].blocking[k]);
		free(r->lines[i].blocking);
		r->lines[i].blocking = NULL;
		r->lines[i].nblocking = 0;
	}
}

/* The first two incidents incidents_find_prefix() gives, and how many there were. */
struct found {
	char *first, *second;
	int n;
	bool oom;
};

static int found_cb(const struct incident_ref *r, void *ud)
{
	struct found *f = ud;
	if (f->n == 0 && !(f->first = strdup(r->id)))
		f->oom = true;
	else if (f->n == 1 && !(f->second = strdup(r->id)))
		f->oom = true;
	f->n++;
	return 0;
}

int report_find_incident(struct store *st, const char *ref, char **id, struct error *err)
{
	struct found f = {0};
	int rc = -1;
	if (incidents_find_prefix(st, ref, 3, found_cb, &f, err) < 0)
		goto out;
	bool exact = f.first && !strcmp(f.first, ref);
	if (f.oom)
		error_set(err, ERR_IO, "out of memory");
	else if (f.n == 0 || !*ref) {
		error_set(err, ERR_DATA, "no incident %s (see tracker incidents)", ref);
		rc = 1;
	} else if (f.n > 1 && !exact)
		error_set(err, ERR_DATA, "\"%s\" is ambiguous: %s, %s%s; give more of the incident id", ref,
			  f.first, f.second ? f.second : "", f.n > 2 ? ", …" : "");
	else {
		*id = f.first;
		f.first = NULL;
		rc = 0;
	}
out:
	free(f.first);
	free(f.second);
	return rc;
}

int report_resolve_incident(struct store *st, const char *ref, char **id, struct error *err)
{
	return report_find_incident(st, ref, id, err) == 0 ? 0 : -1;
}

static int push(struct report_line *l, const char *key, struct error *err)
{
	char **nb = realloc(l->blocking, (l->nblocking + 1) * sizeof *nb);
	if (!nb)
		return error_set(err, ERR_IO, "out of memory");
	l->blocking = nb;
	if (!(nb[l->nblocking] = strdup(key)))
		return error_set(err, ERR_IO, "out of memory");
	l->nblocking++;
	l->ok = false;
	return 0;
}

unsigned report_item_blocks(int priority, enum status status, bool has_due, bool removed)
{
	if (removed || status_is_closed(status))
		return 0;
	if (priority == 0)
		return 1u << REPORT_P0_COMPLETED;
	if (priority == 1 && !has_due)
		return 1u << REPORT_P1_SCHEDULED;
	return 0;
}

struct checklist {
	struct report *r;
	struct error *err;
};

static int checklist_row(const struct item_row *it, void *ud)
{
	struct checklist *x = ud;
	int sv = status_from_name(it->status);
	unsigned blocks = report_item_blocks(it->priority, sv < 0 ? STATUS_OPEN : (enum status)sv,
					     it->due != NULL, it->removed_at != NULL);
	for (int i = 0; i < REPORT_LINES; i++)
		if ((blocks & (1u << i)) && push(&x->r->lines[i], it->key, x->err) < 0)
			return -1;
	return 0;
}

int report_checklist(struct store *st, const char *incident, struct report *r, struct error *err)
{
	int rc = -1;
	memset(r, 0, sizeof *r);
	for (int i = 0; i < REPORT_LINES; i++) {
		r->lines[i].text = texts[i];
		r->lines[i].ok = true;
	}
	if (report_resolve_incident(st, incident, &r->incident, err) < 0)
		goto out;
	/* the incident's items in document order; the rule is report_item_blocks() alone */
	struct checklist x = {.r = r, .err = err};
	if (items_of_incident(st, r->incident, checklist_row, &x, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		report_release(r);
	return rc;
}
