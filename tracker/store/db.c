/*
 * db.c — the engine-independent half of the engine interface: choosing the engine from the target and
 * dispatching to it (see db.h).
 */
#include "db_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

bool db_is_postgresql(const char *target)
{
	if (!target)
		return false;
	if (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11))
		return true;
	/* A libpq key=value string: "host=... dbname=...". A file path has no '=' before its first '/'. */
	const char *eq = strchr(target, '='), *slash = strchr(target, '/');
	if (!eq || (slash && slash < eq))
		return false;
	for (const char *p = target; p < eq; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p == ' '))
			return false;
	return true;
}

/* In a URL, the span of the password: after "scheme://user:" up to the '@' of the authority. */
static bool url_password(const char *t, const char **from, const char **to)
{
	const char *p = strstr(t, "://");
	if (!p || !db_is_postgresql(t))
		return false;
	p += 3;
	size_t auth = strcspn(p, "/?#");
	const char *at = memchr(p, '@', auth), *colon = memchr(p, ':', auth);
	if (!at || !colon || colon > at)
		return false;
	*from = colon + 1;
	*to = at;
	return true;
}

/* In a key=value string, the span of the value of `password`. */
static bool kv_password(const char *t, const char **from, const char **to)
{
	if (!db_is_postgresql(t) || strstr(t, "://"))
		return false;
	for (const char *p = t; (p = strstr(p, "password")); p += 8) {
		if (p != t && p[-1] != ' ')
			continue;
		const char *q = p + 8;
		while (*q == ' ')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ')
			q++;
		const char *e = q;
		if (*e == '\'') {
			for (e++; *e && *e != '\''; e++)
				if (*e == '\\' && e[1])
					e++;
			if (*e)
				e++;
		} else
			e += strcspn(e, " ");
		*from = q;
		*to = e;
		return true;
	}
	return false;
}

bool db_target_has_password(const char *target)
{
	const char *a, *b;
	return target && (url_password(target, &a, &b) || kv_password(target, &a, &b));
}

char *db_redact(const char *target)
{
	const char *a, *b;
	if (!target)
		return NULL;
	if (!url_password(target, &a, &b) && !kv_password(target, &a, &b))
		return strdup(target);
	size_t n = (size_t)(a - target), m = strlen(b);
	char *r = malloc(n + 3 + m + 1);
	if (!r)
		return NULL;
	memcpy(r, target, n);
	memcpy(r + n, "***", 3);
	memcpy(r + n + 3, b, m + 1);
	return r;
}

int db_set_error(struct db *db, enum db_errclass cls, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
	va_end(ap);
	db->errclass = cls;
	return DB_ERR;
}

struct db *db_open(const char *target, int flags, long busy_ms, char *msg, size_t msgsz)
{
	if (msgsz)
		msg[0] = '\0';
	return db_is_postgresql(target) ? db_pg_open(target, flags, busy_ms, msg, msgsz)
					: db_sqlite_open(target, flags, busy_ms, msg, msgsz);
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

enum db_engine db_engine(const struct db *db)
{
	return db->engine;
}
const char *db_errmsg(struct db *db)
{
	return db ? db->errmsg : "no database";
}
enum db_errclass db_errclass(struct db *db)
{
	return db ? db->errclass : DBE_CONNECTION;
}
const char *db_describe(const struct db *db)
{
	return db->desc;
}

int db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}
int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	*out = NULL;
	return db->ops->prepare(db, sql, out);
}

int db_bind_int64(struct db_stmt *s, int idx, int64_t v)
{
	return s->db->ops->bind(s, idx, 'i', v, 0, NULL, 0);
}
int db_bind_int(struct db_stmt *s, int idx, int v)
{
	return s->db->ops->bind(s, idx, 'i', v, 0, NULL, 0);
}
int db_bind_double(struct db_stmt *s, int idx, double v)
{
	return s->db->ops->bind(s, idx, 'd', 0, v, NULL, 0);
}
int db_bind_null(struct db_stmt *s, int idx)
{
	return s->db->ops->bind(s, idx, 'n', 0, 0, NULL, 0);
}
int db_bind_text(struct db_stmt *s, int idx, const char *v)
{
	return s->db->ops->bind(s, idx, v ? 't' : 'n', 0, 0, v, -1);
}
int db_bind_textn(struct db_stmt *s, int idx, const char *v, int n)
{
	return s->db->ops->bind(s, idx, v ? 't' : 'n', 0, 0, v, n);
}

int db_step(struct db_stmt *s)
{
	return s->db->ops->step(s);
}
int db_step_deferred(struct db_stmt *s, const char *what)
{
	if (s->db->ops->step_deferred)
		return s->db->ops->step_deferred(s, what);
	int rc;
	while ((rc = s->db->ops->step(s)) == DB_ROW)
		;
	return rc == DB_DONE ? DB_DONE : DB_ERR;
}
int db_flush(struct db *db)
{
	return db->ops->flush ? db->ops->flush(db) : DB_OK;
}
int db_reset(struct db_stmt *s)
{
	return s->db->ops->reset(s);
}
int db_clear_bindings(struct db_stmt *s)
{
	return s->db->ops->clear_bindings(s);
}
void db_finalize(struct db_stmt *s)
{
	if (s)
		s->db->ops->finalize(s);
}
int64_t db_changes(struct db_stmt *s)
{
	return s->changes;
}

int db_column_count(struct db_stmt *s)
{
	return s->db->ops->column_count(s);
}
bool db_column_is_null(struct db_stmt *s, int col)
{
	return s->db->ops->column_is_null(s, col);
}
int64_t db_column_int64(struct db_stmt *s, int col)
{
	return s->db->ops->column_int64(s, col);
}
int db_column_int(struct db_stmt *s, int col)
{
	return (int)s->db->ops->column_int64(s, col);
}
double db_column_double(struct db_stmt *s, int col)
{
	return s->db->ops->column_double(s, col);
}
const char *db_column_text(struct db_stmt *s, int col)
{
	return s->db->ops->column_text(s, col);
}
int db_column_bytes(struct db_stmt *s, int col)
{
	return s->db->ops->column_bytes(s, col);
}

int db_begin(struct db *db)
{
	return db->ops->begin(db);
}
int db_begin_rows(struct db *db)
{
	return db->ops->begin_rows ? db->ops->begin_rows(db) : db->ops->begin(db);
}
int db_commit(struct db *db)
{
	return db->ops->commit(db);
}
void db_rollback(struct db *db)
{
	db->ops->rollback(db);
}
bool db_in_transaction(struct db *db)
{
	return db->ops->in_transaction(db);
}
int db_schema_version(struct db *db, int *v)
{
	return db->ops->schema_version(db, v);
}
int db_set_schema_version(struct db *db, int v)
{
	return db->ops->set_schema_version(db, v);
}
int db_data_version(struct db *db, int64_t *v)
{
	return db->ops->data_version(db, v);
}
int db_set_busy_handler(struct db *db, int (*wait)(void *ctx, int attempt), void *ctx)
{
	return db->ops->busy_handler ? db->ops->busy_handler(db, wait, ctx) : -1;
}

int db_writable(struct db *db, bool *writable)
{
	*writable = false;
	return db->ops->writable(db, writable);
}
int db_listen(struct db *db)
{
	if (!db->ops->listen)
		return db_set_error(db, DBE_OTHER, "no change notifications on SQLite");
	return db->ops->listen(db);
}
int db_socket(struct db *db)
{
	return db->ops->socket ? db->ops->socket(db) : -1;
}
int db_notifications(struct db *db, int *others, int *own)
{
	*others = *own = 0;
	if (!db->ops->notifications)
		return db_set_error(db, DBE_OTHER, "no change notifications on SQLite");
	return db->ops->notifications(db, others, own);
}
uint64_t db_reconnect_count(struct db *db)
{
	return db->ops->reconnect_count ? db->ops->reconnect_count(db) : 0;
}
void db_conn_stats(struct db_conn_stats *out)
{
	db_pg_conn_stats(out);
}

/* Both libraries are linked whatever the engine of the moment, so both are named. */
void db_library_versions(char *out, size_t n)
{
	int pq = db_pg_libversion(); /* e.g. 150010 for 15.10 */
	snprintf(out, n, "SQLite %s, libpq %d.%d", db_sqlite_libversion(), pq / 10000, pq % 10000);
}
