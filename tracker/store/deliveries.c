/*
 * deliveries.c — the seen-delivery table behind replay refusal (see deliveries.h). The insert is
 * INSERT … ON CONFLICT DO NOTHING, so a replay is told by the number of rows changed, on both engines,
 * without a failed statement aborting the PostgreSQL transaction.
 */
#include "deliveries.h"

#include "tdate.h"
#include "banned.h"

int delivery_record(struct store *st, const char *source, const char *id, const char *provider, int64_t now,
		    bool *fresh, struct error *err)
{
	char at[21], cutoff[21];
	struct db_stmt *s = NULL;
	int rc = -1;
	*fresh = false;
	time_format(now, at);
	time_format(now - DELIVERY_KEEP_SECONDS, cutoff);
	if (store_begin(st, err) < 0)
		return -1;
	if (store_sql(st, &s, "DELETE FROM source_deliveries WHERE received_at < ?", err) < 0)
		goto out;
	db_bind_text(s, 1, cutoff);
	if (store_run(st, s, err, "pruning old webhook deliveries") < 0)
		goto out;
	db_finalize(s);
	s = NULL;
	if (store_sql(
		st, &s,
		"INSERT INTO source_deliveries (source, delivery, provider, received_at) VALUES (?, ?, ?, ?) "
		"ON CONFLICT (source, delivery) DO NOTHING",
		err) < 0)
		goto out;
	db_bind_text(s, 1, source);
	db_bind_text(s, 2, id);
	db_bind_text(s, 3, provider);
	db_bind_text(s, 4, at);
	if (store_run(st, s, err, "recording a webhook delivery") < 0)
		goto out;
	bool added = db_changes(s) > 0;
	if (store_commit(st, err) < 0)
		goto out;
	*fresh = added;
	rc = 0;
out:
	db_finalize(s);
	if (rc < 0)
		store_rollback(st);
	return rc;
}

int delivery_count(struct store *st, const char *source, int64_t *n, struct error *err)
{
	struct db_stmt *s;
	*n = 0;
	if (store_sql(st, &s, "SELECT count(*) FROM source_deliveries WHERE source = ?", err) < 0)
		return -1;
	db_bind_text(s, 1, source);
	int r = db_step(s);
	if (r == DB_ROW)
		*n = db_column_int64(s, 0);
	db_finalize(s);
	return r == DB_ROW ? 0 : store_fail(st, err, "counting webhook deliveries");
}
