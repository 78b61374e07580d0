/*
 * feeditems.c — items from the store as notify_item structs (see feeditems.h). This is the bridge
 * between the store (tracker core) and the channels (notify/), which know nothing of SQLite.
 */
#include "feeditems.h"

#include <stdlib.h>
#include <string.h>

#include "tdate.h"
#include "banned.h"

struct load {
	struct store *st;
	struct feed_items *fi;
	sqlite3_stmt *title;
	bool oom;
};

static const char *keep(struct load *l, const char *s)
{
	if (!s)
		return NULL;
	struct feed_items *fi = l->fi;
	if (fi->nstrings == fi->capstrings) {
		size_t nc = fi->capstrings ? fi->capstrings * 2 : 256;
		char **ns = realloc(fi->strings, nc * sizeof *ns);
		if (!ns) {
			l->oom = true;
			return NULL;
		}
		fi->strings = ns;
		fi->capstrings = nc;
	}
	char *c = strdup(s);
	if (!c) {
		l->oom = true;
		return NULL;
	}
	fi->strings[fi->nstrings++] = c;
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
	sqlite3_reset(l->title);
	store_bind_text(l->title, 1, it->incident);
	if (sqlite3_step(l->title) == SQLITE_ROW)
		n->incident_title = keep(l, (const char *)sqlite3_column_text(l->title, 0));
	fi->n++;
	return l->oom ? -1 : 0;
}

int feed_items_load(struct store *st, const struct item_filter *f, int32_t today, struct feed_items *fi,
		    struct error *err)
{
	struct load l = {.st = st, .fi = fi};
	if (store_prepare(st, &l.title, "SELECT title FROM incidents WHERE id = ?1", err) < 0)
		return -1;
	int rc = items_query(st, f, today, add, &l, err);
	sqlite3_finalize(l.title);
	if (l.oom)
		return error_set(err, ERR_IO, "out of memory");
	return rc;
}

void feed_items_release(struct feed_items *fi)
{
	for (size_t i = 0; i < fi->nstrings; i++)
		free(fi->strings[i]);
	free(fi->strings);
	free(fi->v);
	memset(fi, 0, sizeof *fi);
}
