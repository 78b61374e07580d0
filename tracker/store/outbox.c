/*
 * outbox.c — the rows of the notification outbox (see outbox.h; the delivery policy and its guarantee
 * are in scheduler/outbox.c). Every statement is one literal, portable to SQLite and PostgreSQL: times
 * are bound as "YYYY-MM-DDTHH:MM:SSZ" text, counts as integers, and a parameter whose type the statement
 * does not fix is cast.
 */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "tdate.h"
#include "banned.h"

static const char *const state_names[] = {"pending", "sending", "sent", "dead"};

const char *outbox_state_name(enum outbox_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "?";
}

int outbox_state_from_name(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, state_names[i]))
			return i;
	return -1;
}

static int bind_time(struct db_stmt *s, int idx, int64_t t)
{
	char buf[21];
	time_format(t, buf);
	return db_bind_text(s, idx, buf);
}

static int64_t col_time(struct db_stmt *s, int col)
{
	const char *v = db_column_text(s, col);
	int64_t t = 0;
	if (v && time_parse(v, &t) < 0)
		t = 0;
	return t;
}

#define ROW_COLUMNS                                                                                          \
	"id, channel, recipient, kind, idempotency_key, payload, state, attempts, next_attempt_at, "         \
	"lease_owner, lease_until, last_error, last_code, created_at, updated_at, sent_at"

static int read_row(struct db_stmt *s, struct outbox_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(s, 0);
	r->channel = store_col_dup(s, 1);
	r->recipient = store_col_dup(s, 2);
	r->kind = store_col_dup(s, 3);
	r->idempotency_key = store_col_dup(s, 4);
	r->payload = store_col_dup(s, 5);
	int st = outbox_state_from_name(db_column_text(s, 6));
	r->state = st < 0 ? OUTBOX_DEAD : (enum outbox_state)st;
	r->attempts = (long)db_column_int64(s, 7);
	r->next_attempt_at = col_time(s, 8);
	r->lease_owner = store_col_dup(s, 9);
	r->lease_until = col_time(s, 10);
	r->last_error = store_col_dup(s, 11);
	r->last_code = db_column_is_null(s, 12) ? 0 : (long)db_column_int64(s, 12);
	r->created_at = col_time(s, 13);
	r->updated_at = col_time(s, 14);
	r->sent_at = col_time(s, 15);
	if (!r->channel || !r->recipient || !r->kind || !r->idempotency_key || !r->payload)
		return -1;
	return 0;
}

void outbox_row_release(struct outbox_row *r)
{
	free(r->channel);
	free(r->recipient);
	free(r->kind);
	free(r->idempotency_key);
	free(r->payload);
	free(r->lease_owner);
	free(r->last_error);
	memset(r, 0, sizeof *r);
}

void outbox_rows_release(struct outbox_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		outbox_row_release(&rows->v[i]);
	free(rows->v);
	rows->v = NULL;
	rows->n = 0;
}

/* Steps `s` to the end, appending each row to *rows. */
static int collect(struct store *st, struct db_stmt *s, struct outbox_rows *rows, const char *what,
		   struct error *err)
{
	size_t cap = rows->n;
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (rows->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct outbox_row *nv = realloc(rows->v, nc * sizeof *nv);
			if (!nv)
				return error_set(err, ERR_STORE, "%s: out of memory", what);
			rows->v = nv;
			cap = nc;
		}
		if (read_row(s, &rows->v[rows->n]) < 0) {
			outbox_row_release(&rows->v[rows->n]);
			return error_set(err, ERR_STORE, "%s: out of memory", what);
		}
		rows->n++;
	}
	if (rc != DB_DONE)
		return store_fail(st, err, what);
	return 0;
}

/* Runs one prepared UPDATE in its own write transaction; *changes (may be NULL) gets the row count.
 * `rows`: a row-level transaction (store_begin_rows: on PostgreSQL no database-wide lock, only the
 * updated rows are locked) for the dispatcher's own writes; otherwise the writers' lock (operator
 * commands). Finalizes `s` either way. */
static int write_one(struct store *st, struct db_stmt *s, bool rows, const char *what, int64_t *changes,
		     struct error *err)
{
	int rc = -1;
	if ((rows ? store_begin_rows(st, err) : store_begin(st, err)) < 0)
		goto out;
	if (store_run(st, s, err, what) < 0) {
		store_rollback(st);
		goto out;
	}
	if (changes)
		*changes = db_changes(s);
	if (store_commit(st, err) < 0) {
		store_rollback(st);
		goto out;
	}
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

int outbox_enqueue(struct store *st, const struct outbox_new *m, int64_t now, int64_t *id, bool *added,
		   struct error *err)
{
	struct db_stmt *s = NULL;
	int rc = -1;
	*added = false;
	*id = 0;
	if (store_sql(st, &s,
		      "INSERT INTO outbox (channel, recipient, kind, idempotency_key, payload, state, "
		      "attempts, next_attempt_at, created_at, updated_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6) "
		      "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, m->channel);
	db_bind_text(s, 2, m->recipient);
	db_bind_text(s, 3, m->kind);
	db_bind_text(s, 4, m->idempotency_key);
	db_bind_text(s, 5, m->payload);
	bind_time(s, 6, now);
	int r = db_step(s);
	if (r == DB_ROW) {
		*id = db_column_int64(s, 0);
		*added = true;
		r = db_step(s);
	}
	if (r != DB_DONE) {
		store_fail(st, err, "outbox: enqueue");
		goto out;
	}
	db_finalize(s);
	s = NULL;
	if (!*added) {
		/* The key was there already (ON CONFLICT DO NOTHING returns no row): its row's id. */
		if (store_sql(st, &s, "SELECT id FROM outbox WHERE idempotency_key = ?1", err) < 0)
			goto out;
		db_bind_text(s, 1, m->idempotency_key);
		if (db_step(s) != DB_ROW) {
			store_fail(st, err, "outbox: enqueue");
			goto out;
		}
		*id = db_column_int64(s, 0);
	}
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

int outbox_bury_stalled(struct store *st, int64_t now, long max_attempts, long *n, struct error *err)
{
	struct db_stmt *s = NULL;
	if (n)
		*n = 0;
	/* PostgreSQL: several instances run this at once, each in a row-level transaction
	 * (store_begin_rows, no database-wide lock). The rows are picked with FOR UPDATE SKIP LOCKED, so
	 * a row another instance is claiming or recording right now is left to it (and two instances
	 * never wait on each other's rows in opposite orders). SQLite has no row locks and needs none:
	 * its transaction holds the database's one write lock. */
	if (store_sql(st, &s,
		      db_pick(st->conn,
			      "UPDATE outbox SET state = 'dead', lease_owner = NULL, lease_until = NULL, "
			      "updated_at = ?1, "
			      "last_error = 'no outcome after ' || CAST(attempts AS TEXT) || ' attempts: the "
			      "dispatcher stopped while sending (lease expired)' "
			      "WHERE state = 'sending' AND lease_until <= ?1 AND attempts >= ?2",
			      "UPDATE outbox SET state = 'dead', lease_owner = NULL, lease_until = NULL, "
			      "updated_at = ?1, "
			      "last_error = 'no outcome after ' || CAST(attempts AS TEXT) || ' attempts: the "
			      "dispatcher stopped while sending (lease expired)' "
			      "WHERE id IN (SELECT id FROM outbox "
			      "  WHERE state = 'sending' AND lease_until <= ?1 AND attempts >= ?2 "
			      "  FOR UPDATE SKIP LOCKED)"),
		      err) < 0)
		return -1;
	bind_time(s, 1, now);
	db_bind_int64(s, 2, max_attempts);
	int rc = store_run(st, s, err, "outbox: claim");
	if (rc == 0 && n)
		*n = (long)db_changes(s);
	db_finalize(s);
	return rc;
}

int outbox_take_ready(struct store *st, const char *owner, int64_t now, int64_t lease_until, size_t limit,
		      struct outbox_rows *rows, struct error *err)
{
	struct db_stmt *s = NULL;
	/* UPDATE … RETURNING (SQLite 3.35+, PostgreSQL): the claimed rows as they now are.
	 * SQLite: the subquery picks them; the transaction holds the database's one write lock, so two
	 * claims never pick the same rows.
	 * PostgreSQL: the transaction is row-level (store_begin_rows, no database-wide lock: several
	 * instances claim at once). The rows are picked and locked with FOR UPDATE SKIP LOCKED: a row
	 * another claim has locked is skipped, not waited for, and a row whose lease another claim
	 * renewed after our statement began is re-checked on its new version (READ COMMITTED) and
	 * dropped. The locked set is a MATERIALIZED CTE so that it is computed exactly once (a LIMIT
	 * subquery under IN could be re-scanned by a nested loop and lock other rows). */
	if (store_sql(st, &s,
		      db_pick(st->conn,
			      "UPDATE outbox SET state = 'sending', lease_owner = ?1, lease_until = ?2, "
			      "attempts = attempts + 1, updated_at = ?3 "
			      "WHERE id IN (SELECT id FROM outbox "
			      "  WHERE (state = 'pending' AND next_attempt_at <= ?3) "
			      "     OR (state = 'sending' AND lease_until <= ?3) "
			      "  ORDER BY next_attempt_at, id LIMIT ?4) "
			      "RETURNING " ROW_COLUMNS,
			      "WITH ready AS MATERIALIZED (SELECT id FROM outbox "
			      "  WHERE (state = 'pending' AND next_attempt_at <= ?3) "
			      "     OR (state = 'sending' AND lease_until <= ?3) "
			      "  ORDER BY next_attempt_at, id LIMIT ?4 FOR UPDATE SKIP LOCKED) "
			      "UPDATE outbox SET state = 'sending', lease_owner = ?1, lease_until = ?2, "
			      "attempts = attempts + 1, updated_at = ?3 "
			      "WHERE id IN (SELECT id FROM ready) "
			      "RETURNING " ROW_COLUMNS),
		      err) < 0)
		return -1;
	db_bind_text(s, 1, owner);
	bind_time(s, 2, lease_until);
	bind_time(s, 3, now);
	db_bind_int64(s, 4, (int64_t)(limit ? limit : 1));
	int rc = collect(st, s, rows, "outbox: claim", err);
	db_finalize(s);
	return rc;
}

int outbox_record(struct store *st, int64_t id, const char *owner, const struct outbox_outcome *o,
		  int64_t now, struct error *err)
{
	struct db_stmt *s = NULL;
	int64_t changes = 0;
	if (store_sql(st, &s,
		      "UPDATE outbox SET state = ?1, "
		      "next_attempt_at = CASE WHEN ?1 = 'pending' THEN ?2 ELSE next_attempt_at END, "
		      "sent_at = CASE WHEN ?1 = 'sent' THEN ?3 ELSE sent_at END, "
		      "lease_owner = NULL, lease_until = NULL, last_error = ?4, last_code = ?5, "
		      "updated_at = ?3 "
		      "WHERE id = ?6 AND lease_owner = ?7 AND state = 'sending'",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, outbox_state_name(o->state));
	bind_time(s, 2, o->state == OUTBOX_PENDING ? o->next_attempt_at : 0);
	bind_time(s, 3, now);
	db_bind_text(s, 4, o->last_error && *o->last_error ? o->last_error : NULL);
	if (o->last_code)
		db_bind_int64(s, 5, o->last_code);
	else
		db_bind_null(s, 5);
	db_bind_int64(s, 6, id);
	db_bind_text(s, 7, owner);
	if (write_one(st, s, true, "outbox: mark", &changes, err) < 0)
		return -1;
	return changes == 1 ? 0 : 1;
}

int outbox_renew(struct store *st, int64_t id, const char *owner, int64_t now, int64_t lease_until,
		 struct error *err)
{
	struct db_stmt *s = NULL;
	int64_t changes = 0;
	if (store_sql(st, &s,
		      "UPDATE outbox SET lease_until = ?1, updated_at = ?2 "
		      "WHERE id = ?3 AND lease_owner = ?4 AND state = 'sending'",
		      err) < 0)
		return -1;
	bind_time(s, 1, lease_until);
	bind_time(s, 2, now);
	db_bind_int64(s, 3, id);
	db_bind_text(s, 4, owner);
	if (write_one(st, s, true, "outbox: renew", &changes, err) < 0)
		return -1;
	return changes == 1 ? 0 : 1;
}

int outbox_release(struct store *st, const struct outbox_row *r, const char *owner, struct error *err)
{
	struct db_stmt *s = NULL;
	if (store_sql(st, &s,
		      "UPDATE outbox SET state = 'pending', "
		      "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
		      "lease_owner = NULL, lease_until = NULL "
		      "WHERE id = ?1 AND lease_owner = ?2 AND state = 'sending'",
		      err) < 0)
		return -1;
	db_bind_int64(s, 1, r->id);
	db_bind_text(s, 2, owner);
	return write_one(st, s, true, "outbox: release", NULL, err);
}

int outbox_list(struct store *st, int state, struct outbox_rows *rows, struct error *err)
{
	struct db_stmt *s = NULL;
	rows->v = NULL;
	rows->n = 0;
	if (store_sql(st, &s,
		      "SELECT " ROW_COLUMNS " FROM outbox WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 "
		      "ORDER BY id",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, state >= 0 ? outbox_state_name((enum outbox_state)state) : NULL);
	int rc = collect(st, s, rows, "outbox: list", err);
	db_finalize(s);
	if (rc < 0)
		outbox_rows_release(rows);
	return rc;
}

int outbox_get(struct store *st, int64_t id, struct outbox_row *r, struct error *err)
{
	struct db_stmt *s = NULL;
	struct outbox_rows rows = {0};
	memset(r, 0, sizeof *r);
	if (store_sql(st, &s, "SELECT " ROW_COLUMNS " FROM outbox WHERE id = ?1", err) < 0)
		return -1;
	db_bind_int64(s, 1, id);
	int rc = collect(st, s, &rows, "outbox: show", err);
	db_finalize(s);
	if (rc < 0) {
		outbox_rows_release(&rows);
		return -1;
	}
	if (rows.n == 0) {
		outbox_rows_release(&rows);
		return error_set(err, ERR_DATA, "outbox: no notification #%lld (see tracker outbox list)",
				 (long long)id);
	}
	*r = rows.v[0];
	rows.v[0] = (struct outbox_row){0};
	outbox_rows_release(&rows);
	return 0;
}

int outbox_retry(struct store *st, int64_t id, int64_t now, struct error *err)
{
	struct db_stmt *s = NULL;
	int64_t changes = 0;
	if (store_sql(st, &s,
		      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?1, "
		      "lease_owner = NULL, lease_until = NULL, updated_at = ?1 "
		      "WHERE id = ?2 AND state IN ('dead', 'pending')",
		      err) < 0)
		return -1;
	bind_time(s, 1, now);
	db_bind_int64(s, 2, id);
	if (write_one(st, s, false, "outbox: retry", &changes, err) < 0)
		return -1;
	if (changes == 1)
		return 0;
	struct outbox_row r;
	if (outbox_get(st, id, &r, err) < 0)
		return -1;
	error_set(err, ERR_DATA, "outbox: notification #%lld is %s; only dead or pending ones can be retried",
		  (long long)id, outbox_state_name(r.state));
	outbox_row_release(&r);
	return -1;
}

int outbox_retry_dead(struct store *st, int64_t now, long *n, struct error *err)
{
	struct db_stmt *s = NULL;
	int64_t changes = 0;
	*n = 0;
	if (store_sql(st, &s,
		      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?1, "
		      "lease_owner = NULL, lease_until = NULL, updated_at = ?1 WHERE state = 'dead'",
		      err) < 0)
		return -1;
	bind_time(s, 1, now);
	int rc = write_one(st, s, false, "outbox: retry", &changes, err);
	*n = (long)changes;
	return rc;
}

int outbox_purge_sent(struct store *st, int64_t before, long *n, struct error *err)
{
	struct db_stmt *unlink_rows = NULL, *del = NULL;
	int rc = -1;
	*n = 0;
	if (store_begin(st, err) < 0)
		return -1;
	/* reminders_sent rows stay (the policy's memory) but lose their link to the deleted rows. */
	if (store_sql(st, &unlink_rows,
		      "UPDATE reminders_sent SET outbox_id = NULL WHERE outbox_id IN "
		      "(SELECT id FROM outbox WHERE state = 'sent' AND sent_at < ?1)",
		      err) < 0 ||
	    store_sql(st, &del, "DELETE FROM outbox WHERE state = 'sent' AND sent_at < ?1", err) < 0)
		goto out;
	bind_time(unlink_rows, 1, before);
	bind_time(del, 1, before);
	if (store_run(st, unlink_rows, err, "outbox: purge") < 0 ||
	    store_run(st, del, err, "outbox: purge") < 0)
		goto out;
	*n = (long)db_changes(del);
	if (store_commit(st, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		store_rollback(st);
		*n = 0;
	}
	db_finalize(unlink_rows);
	db_finalize(del);
	return rc;
}

int outbox_next_due(struct store *st, int64_t *t, struct error *err)
{
	struct db_stmt *s = NULL;
	*t = 0;
	if (store_sql(st, &s,
		      "SELECT MIN(t) FROM ("
		      " SELECT MIN(next_attempt_at) AS t FROM outbox WHERE state = 'pending'"
		      " UNION ALL SELECT MIN(lease_until) AS t FROM outbox WHERE state = 'sending') AS due",
		      err) < 0)
		return -1;
	int rc = db_step(s);
	if (rc == DB_ROW) {
		*t = col_time(s, 0);
		rc = 0;
	} else {
		rc = store_fail(st, err, "outbox: next due");
	}
	db_finalize(s);
	return rc;
}
