/*
 * reminders.c — the reminder pass's reads and the reminders_sent ledger (see reminders.h). Portable
 * SQL: the open rule is ITEM_OPEN_SQL, a boolean is written as CASE … THEN 1 ELSE 0 (PostgreSQL would
 * return 't'/'f'), dates are text compared with text binds.
 */
#include "reminders.h"

#include "items.h"
#include "tdate.h"
#include "banned.h"

int reminders_begin_read(struct store *st, struct error *err)
{
	/* The engines differ: SQLite's deferred BEGIN reads one snapshot from its first read on;
	 * PostgreSQL needs REPEATABLE READ for that (READ COMMITTED takes one per statement). */
	return store_exec(st, db_pick(st->conn, "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
			  err);
}

int reminders_open_items(struct store *st, int (*cb)(const struct reminder_item *it, void *ud), void *ud,
			 struct error *err)
{
	struct db_stmt *s = NULL;
	int rc = 0, r;
	if (store_sql(st, &s,
		      "SELECT i.id, i.incident_id, i.key, i.owner, i.status, i.due, i.priority, "
		      "i.snoozed_until, CASE WHEN i.removed_at IS NOT NULL THEN 1 ELSE 0 END, inc.reporter, "
		      "inc.approved_by, i.action, inc.title, i.sequence, i.updated_at "
		      "FROM items i JOIN incidents inc ON inc.id = i.incident_id "
		      "WHERE " ITEM_OPEN_SQL " ORDER BY i.id",
		      err) < 0)
		return -1;
	while ((r = db_step(s)) == DB_ROW) {
		struct reminder_item it = {
		    .id = db_column_int64(s, 0),
		    .incident = db_column_text(s, 1),
		    .key = db_column_text(s, 2),
		    .owner = db_column_text(s, 3),
		    .status = db_column_text(s, 4),
		    .due = db_column_text(s, 5),
		    .priority = db_column_is_null(s, 6) ? -1 : db_column_int(s, 6),
		    .snoozed_until = db_column_text(s, 7),
		    .removed = db_column_int(s, 8) != 0,
		    .reporter = db_column_text(s, 9),
		    .approved_by = db_column_text(s, 10),
		    .action = db_column_text(s, 11),
		    .title = db_column_text(s, 12),
		    .sequence = db_column_int(s, 13),
		    .updated_at = db_column_text(s, 14),
		};
		if ((rc = cb(&it, ud)) != 0)
			break;
	}
	if (rc == 0 && r != DB_DONE)
		rc = store_fail(st, err, "remind: loading items");
	db_finalize(s);
	return rc;
}

int reminders_sent_since(struct store *st, const char *since,
			 int (*cb)(const struct reminder_sent *r, void *ud), void *ud, struct error *err)
{
	struct db_stmt *s = NULL;
	int rc = 0, r;
	if (store_sql(st, &s,
		      "SELECT item_id, kind, channel, recipient, MAX(local_date) FROM reminders_sent "
		      "WHERE local_date >= ?1 GROUP BY item_id, kind, channel, recipient",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, since);
	while ((r = db_step(s)) == DB_ROW) {
		struct reminder_sent rs = {.item_id = db_column_int64(s, 0),
					   .kind = db_column_text(s, 1),
					   .channel = db_column_text(s, 2),
					   .recipient = db_column_text(s, 3),
					   .local_date = db_column_text(s, 4)};
		if ((rc = cb(&rs, ud)) != 0)
			break;
	}
	if (rc == 0 && r != DB_DONE)
		rc = store_fail(st, err, "remind: loading reminders_sent");
	db_finalize(s);
	return rc;
}

int reminders_record(struct store *st, const struct reminder_sent *v, size_t n, int64_t outbox_id,
		     int64_t now, struct error *err)
{
	struct db_stmt *s = NULL;
	int rc = -1;
	char at[21];
	time_format(now, at);
	if (!n)
		return 0;
	if (store_sql(st, &s,
		      "INSERT INTO reminders_sent (item_id, kind, channel, recipient, local_date, at, "
		      "outbox_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		      "ON CONFLICT (item_id, kind, channel, recipient, local_date) DO NOTHING",
		      err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		db_reset(s);
		db_bind_int64(s, 1, v[i].item_id);
		db_bind_text(s, 2, v[i].kind);
		db_bind_text(s, 3, v[i].channel);
		db_bind_text(s, 4, v[i].recipient);
		db_bind_text(s, 5, v[i].local_date);
		db_bind_text(s, 6, at);
		if (outbox_id)
			db_bind_int64(s, 7, outbox_id);
		else
			db_bind_null(s, 7);
		if (store_run(st, s, err, "remind: recording a reminder") < 0)
			goto out;
	}
	rc = 0;
out:
	db_finalize(s);
	return rc;
}
