/*
 * feeds.c — the incident titles a feed shows beside its items (see feeds.h).
 */
#include "feeds.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

int feeds_incident_titles(struct store *st, const char *const *ids, size_t n, char **titles,
			  struct error *err)
{
	struct db_stmt *s = NULL;
	int rc = -1;
	for (size_t i = 0; i < n; i++)
		titles[i] = NULL;
	if (!n)
		return 0;
	if (store_sql(st, &s, "SELECT title FROM incidents WHERE id = ?1", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		db_reset(s);
		db_bind_text(s, 1, ids[i]);
		int r = db_step(s);
		if (r == DB_ROW && !db_column_is_null(s, 0)) {
			if (!(titles[i] = store_col_dup(s, 0))) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
		} else if (r != DB_ROW && r != DB_DONE) {
			store_fail(st, err, "feed: reading incident titles");
			goto out;
		}
	}
	rc = 0;
out:
	db_finalize(s);
	if (rc < 0)
		for (size_t i = 0; i < n; i++) {
			free(titles[i]);
			titles[i] = NULL;
		}
	return rc;
}
