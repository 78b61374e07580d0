/*
 * incidents — reading the imported incidents: the list (`tracker incidents`, GET /api/v1/incidents,
 * the dashboard's checklist) and one incident (the dashboard's /incidents/ID page).
 *
 * Rows stream to a callback; a struct incident_row's strings are borrowed from SQLite and valid only
 * during the call. Item counts leave out items removed from their document; open = not done/wont_do.
 */
#ifndef TRACKER_INCIDENTS_H
#define TRACKER_INCIDENTS_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "store.h"

struct incident_row {
	const char *id, *title, *date, *reporter, *approved_by, *review_date, *duration;
	const char *source; /* the document's absolute path on the importing machine */
	int severity;       /* -1 when none */
	int items, open_items;
	const char *status; /* the document's own status ("Draft", "Complete"), NULL when none */
};

typedef int (*incident_cb)(const struct incident_row *r, void *ud);

/* Every incident, newest date first (then by id); `limit` 0 = all. The callback returns 0 to go on.
 * An incident whose document took another id (rekeyed_to, issue 9) is left out, here and by get. */
int incidents_list(struct store *st, long limit, incident_cb cb, void *ud, struct error *err);
/* One incident by its exact id: 0 found (cb called), 1 none, -1 error. */
int incidents_get(struct store *st, const char *id, incident_cb cb, void *ud, struct error *err);

/* The `tracker incidents --format json` object. With `full_path` false (the HTTP API), "source" is only
 * the document's file name: the server's directories are nobody's business. Caller owns the result. */
json_t *incident_to_json(const struct incident_row *r, bool full_path);

#endif
