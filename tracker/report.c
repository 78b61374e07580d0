/*
 * report.c — the Review follow-up checklist of one incident (see report.h): one query over the
 * incident's items in document order, each blocking item's key added to the line it blocks.
 */
#include "report.h"

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

int report_find_incident(struct store *st, const char *ref, char **id, struct error *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, &s,
			  "SELECT id FROM incidents WHERE rekeyed_to IS NULL AND (id = ?1 OR "
			  "substr(id, 1, length(?1)) = ?1) ORDER BY id = ?1 DESC, id LIMIT 3",
			  err) < 0)
		return -1;
	store_bind_text(s, 1, ref);
	int n = 0, rc = -1;
	bool exact = false;
	char *first = NULL, *second = NULL;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == 0) {
			first = store_col_strdup(s, 0);
			exact = first && !strcmp(first, ref);
		} else if (n == 1) {
			second = store_col_strdup(s, 0);
		}
		n++;
	}
	sqlite3_finalize(s);
	if (n == 0 || !*ref) {
		error_set(err, ERR_DATA, "no incident %s (see tracker incidents)", ref);
		rc = 1;
	} else if (!first)
		error_set(err, ERR_IO, "out of memory");
	else if (n > 1 && !exact)
		error_set(err, ERR_DATA, "\"%s\" is ambiguous: %s, %s%s; give more of the incident id", ref,
			  first, second ? second : "", n > 2 ? ", …" : "");
	else {
		*id = first;
		first = NULL;
		rc = 0;
	}
	free(first);
	free(second);
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

int report_checklist(struct store *st, const char *incident, struct report *r, struct error *err)
{
	sqlite3_stmt *s = NULL;
	int rc = -1, step;
	memset(r, 0, sizeof *r);
	for (int i = 0; i < REPORT_LINES; i++) {
		r->lines[i].text = texts[i];
		r->lines[i].ok = true;
	}
	if (report_resolve_incident(st, incident, &r->incident, err) < 0)
		goto out;
	if (store_prepare(
		st, &s,
		"SELECT key, priority, status, due IS NOT NULL FROM items "
		"WHERE incident_id = ?1 AND removed_at IS NULL AND priority IN (0, 1) ORDER BY position",
		err) < 0)
		goto out;
	store_bind_text(s, 1, r->incident);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		int sv = status_from_name((const char *)sqlite3_column_text(s, 2));
		unsigned blocks =
		    report_item_blocks(sqlite3_column_int(s, 1), sv < 0 ? STATUS_OPEN : (enum status)sv,
				       sqlite3_column_int(s, 3) != 0, false);
		for (int i = 0; i < REPORT_LINES; i++)
			if ((blocks & (1u << i)) && push(&r->lines[i], key, err) < 0)
				goto out;
	}
	if (step != SQLITE_DONE) {
		store_error(st, err, "reading items");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	if (rc < 0)
		report_release(r);
	return rc;
}
