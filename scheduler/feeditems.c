/*
 * feeditems.c — items from the store as notify_item structs (see feeditems.h). This is the bridge
 * between the store (tracker core) and the channels (notify/), which know nothing of the database.
 *
 * The items come from items_query(); their incidents' titles are read afterwards, once per distinct
 * incident, with feeds_incident_titles() (never from inside the item query's callback).
 */
#include "feeditems.h"

#include <stdlib.h>
#include <string.h>

#include "feeds.h"
#include "tdate.h"
#include "banned.h"

struct load {
	struct feed_items *fi;
	bool oom;
};

/* Hands `c` (malloc'd) to fi->strings; frees it and returns NULL when that fails. */
static char *own(struct feed_items *fi, char *c)
{
	if (fi->nstrings == fi->capstrings) {
		size_t nc = fi->capstrings ? fi->capstrings * 2 : 256;
		char **ns = realloc(fi->strings, nc * sizeof *ns);
		if (!ns) {
			free(c);
			return NULL;
		}
		fi->strings = ns;
		fi->capstrings = nc;
	}
	fi->strings[fi->nstrings++] = c;
	return c;
}

static const char *keep(struct load *l, const char *s)
{
	if (!s)
		return NULL;
	char *c = strdup(s);
	if (!c || !own(l->fi, c)) {
		l->oom = true;
		return NULL;
	}
	return c;
}

static int add(const struct item *it, void *ud)
{
	struct load *l = ud;
	struct feed_items *fi = l->fi;
	if (fi->n == fi->cap) {
		size_t nc = fi->cap ? fi->cap * 2 : 64;
		struct notify_item *nv = realloc(fi->v, nc * sizeof *nv);
		if (!nv)
			return l->oom = true, -1;
		fi->v = nv;
		fi->cap = nc;
	}
	struct notify_item *n = &fi->v[fi->n];
	memset(n, 0, sizeof *n);
	n->incident_id = keep(l, it->incident);
	n->key = keep(l, it->key);
	n->action = keep(l, it->action);
	n->owner = keep(l, it->owner);
	n->status = keep(l, it->status);
	n->priority = it->priority;
	n->days_late = it->days_late;
	n->sequence = it->sequence;
	n->due = DATE_NONE;
	if (it->due)
		date_parse(it->due, &n->due);
	if (it->updated_at)
		time_parse(it->updated_at, &n->updated_at);
	if (it->closed_at)
		time_parse(it->closed_at, &n->closed_at);
	fi->n++;
	return l->oom ? -1 : 0;
}

static int cmp_incident(const void *a, const void *b)
{
	const struct notify_item *x = *(const struct notify_item *const *)a;
	const struct notify_item *y = *(const struct notify_item *const *)b;
	return strcmp(x->incident_id, y->incident_id);
}

/* Sets incident_title on fi->v[first..n), one lookup per distinct incident. */
static int add_titles(struct store *st, struct feed_items *fi, size_t first, struct error *err)
{
	size_t n = fi->n - first, nids = 0;
	int rc = -1;
	if (!n)
		return 0;
	struct notify_item **by = malloc(n * sizeof *by);
	const char **ids = malloc(n * sizeof *ids);
	char **titles = calloc(n, sizeof *titles);
	if (!by || !ids || !titles) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		by[i] = &fi->v[first + i];
	qsort(by, n, sizeof *by, cmp_incident);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(by[i]->incident_id, by[i - 1]->incident_id))
			ids[nids++] = by[i]->incident_id;
	if (feeds_incident_titles(st, ids, nids, titles, err) < 0)
		goto out;
	for (size_t i = 0, j = 0; i < n; i++) {
		if (i > 0 && strcmp(by[i]->incident_id, by[i - 1]->incident_id))
			j++;
		by[i]->incident_title = titles[j];
	}
	for (size_t j = 0; j < nids; j++) {
		if (titles[j] && !own(fi, titles[j])) {
			for (size_t k = j + 1; k < nids; k++)
				free(titles[k]);
			for (size_t i = first; i < fi->n; i++)
				fi->v[i].incident_title = NULL;
			error_set(err, ERR_IO, "out of memory");
			goto out_owned;
		}
	}
	rc = 0;
	goto out_owned;
out:
	for (size_t j = 0; titles && j < nids; j++)
		free(titles[j]);
out_owned:
	free(by);
	free(ids);
	free(titles);
	return rc;
}

int feed_items_load(struct store *st, const struct item_filter *f, int32_t today, struct feed_items *fi,
		    struct error *err)
{
	struct load l = {.fi = fi};
	size_t first = fi->n;
	int rc = items_query(st, f, today, add, &l, err);
	if (l.oom)
		return error_set(err, ERR_IO, "out of memory");
	if (rc < 0)
		return -1;
	return add_titles(st, fi, first, err);
}

void feed_items_release(struct feed_items *fi)
{
	for (size_t i = 0; i < fi->nstrings; i++)
		free(fi->strings[i]);
	free(fi->strings);
	free(fi->v);
	memset(fi, 0, sizeof *fi);
}
