/*
 * backfill.c — the marks of `tracker sync --history` (backfill.h), table source_history (schema 0009).
 * Portable statements, every value bound.
 */
#include "backfill.h"

#include "banned.h"

int backfill_marks(struct store *st, const char *source, int (*cb)(const struct backfill_mark *m, void *ud),
		   void *ud, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "SELECT first_commit, first_path, last_commit, path, incident_id FROM source_history "
		      "WHERE source = ?1 ORDER BY first_commit, first_path",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, source);
	int rc, ret = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		struct backfill_mark m = {.first_commit = db_column_text(s, 0),
					  .first_path = db_column_text(s, 1),
					  .last_commit = db_column_text(s, 2),
					  .path = db_column_text(s, 3),
					  .incident_id = db_column_text(s, 4)};
		if ((ret = cb(&m, ud)) != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = store_fail(st, err, "reading what --history replayed");
	db_finalize(s);
	return ret < 0 ? -1 : 0;
}

int backfill_mark_put(struct store *st, const char *source, const struct backfill_mark *m, const char *now,
		      struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "INSERT INTO source_history (source, first_commit, first_path, last_commit, path, "
		      "incident_id, replayed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		      "ON CONFLICT (source, first_commit, first_path) DO UPDATE SET "
		      "last_commit = excluded.last_commit, path = excluded.path, "
		      "incident_id = excluded.incident_id, replayed_at = excluded.replayed_at",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, m->first_commit);
	db_bind_text(s, 3, m->first_path);
	db_bind_text(s, 4, m->last_commit);
	db_bind_text(s, 5, m->path);
	db_bind_text(s, 6, m->incident_id);
	db_bind_text(s, 7, now);
	int rc = store_run(st, s, err, "recording what --history replayed");
	db_finalize(s);
	return rc;
}

int backfill_incident(struct store *st, const char *source, const char *id, bool *exists, bool *ours,
		      struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      "SELECT EXISTS (SELECT 1 FROM incidents WHERE id = ?2), EXISTS (SELECT 1 FROM "
		      "source_history WHERE source = ?1 AND incident_id = ?2)",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, id);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		*exists = db_column_int(s, 0) != 0;
		*ours = db_column_int(s, 1) != 0;
	}
	db_finalize(s);
	return rc == DB_ROW ? 0 : store_fail(st, err, "looking up an incident");
}
