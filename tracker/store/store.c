/*
 * store.c — opening the database on its engine, applying migrations, transactions.
 *
 * Migrations: schema/ENGINE/NNNN_*.sql are embedded (see cmake/embed_schema.cmake). Opening reads the
 * recorded schema version; if it is behind, the missing migrations run in one write transaction that
 * also records the new version, so an upgrade is all or nothing. A version above ours is refused: an
 * older binary must not write a schema it does not know.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "migrate.h"
#include "banned.h"

int store_schema_version(void)
{
	return migrations_sqlite_count;
}

static char *xstrdup_printf(const char *a, const char *b)
{
	struct buf bf;
	buf_init(&bf, 8192);
	if (buf_adds(&bf, a) < 0 || buf_adds(&bf, b) < 0) {
		buf_release(&bf);
		return NULL;
	}
	return buf_detach(&bf);
}

char *store_resolve_path(const char *cli, const struct config *cfg)
{
	if (cli && *cli)
		return strdup(cli);
	const char *env = getenv("TRACKER_DB");
	if (env && *env)
		return strdup(env);
	if (cfg && cfg->store_url && *cfg->store_url)
		return strdup(cfg->store_url);
	if (cfg && cfg->store_path && *cfg->store_path)
		return strdup(cfg->store_path);
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg)
		return xstrdup_printf(xdg, "/tracker/tracker.db");
	const char *home = getenv("HOME");
	if (!home || !*home)
		home = ".";
	return xstrdup_printf(home, "/.local/share/tracker/tracker.db");
}

static const struct migration *engine_migrations(const struct store *st, int *count)
{
	if (db_engine(st->conn) == DB_POSTGRESQL) {
		*count = migrations_postgresql_count;
		return migrations_postgresql;
	}
	*count = migrations_sqlite_count;
	return migrations_sqlite;
}

enum db_engine store_engine(const struct store *st)
{
	return db_engine(st->conn);
}

const char *store_describe(const struct store *st)
{
	return st->conn ? db_describe(st->conn) : (st->path ? st->path : "(no database)");
}

void store_library_versions(char *out, size_t n)
{
	db_library_versions(out, n);
}

int store_data_version(struct store *st, int64_t *version, struct error *err)
{
	if (db_data_version(st->conn, version) < 0)
		return store_fail(st, err, "reading the data version");
	return 0;
}

int store_ping(struct store *st, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "SELECT count(*) FROM incidents WHERE rekeyed_to IS NULL", err) < 0)
		return -1;
	int rc = db_step(s) == DB_ROW ? 0 : store_fail(st, err, "reading incidents");
	db_finalize(s);
	return rc;
}

int store_health(struct store *st, bool *writable, struct error *err)
{
	*writable = false;
	if (store_ping(st, err) < 0)
		return -1;
	if (db_writable(st->conn, writable) < 0)
		return store_fail(st, err, "asking whether the database is writable");
	return 0;
}

bool store_unreachable(struct store *st)
{
	return !st || !st->conn || db_errclass(st->conn) == DBE_CONNECTION;
}

int store_listen(struct store *st, struct error *err)
{
	if (db_listen(st->conn) < 0)
		return store_fail(st, err, "listening for changes");
	return 0;
}

int store_socket(struct store *st)
{
	return db_socket(st->conn);
}

int store_notifications(struct store *st, int *others, int *own, struct error *err)
{
	if (db_notifications(st->conn, others, own) < 0)
		return store_fail(st, err, "reading change notifications");
	return 0;
}

uint64_t store_reconnects(struct store *st)
{
	return db_reconnect_count(st->conn);
}

void store_conn_stats(struct db_conn_stats *out)
{
	db_conn_stats(out);
}

int store_set_busy_handler(struct store *st, int (*wait)(void *ctx, int attempt), void *ctx)
{
	return db_set_busy_handler(st->conn, wait, ctx);
}

int store_fail(struct store *st, struct error *err, const char *what)
{
	return error_set(err, ERR_STORE, "%s: %s", what,
			 st && st->conn ? db_errmsg(st->conn) : "no database");
}

int store_exec(struct store *st, const char *sql, struct error *err)
{
	if (db_exec(st->conn, sql) < 0)
		return store_fail(st, err, "database");
	return 0;
}

int store_sql(struct store *st, struct db_stmt **stmt, const char *sql, struct error *err)
{
	if (db_prepare(st->conn, sql, stmt) < 0)
		return store_fail(st, err, "database");
	return 0;
}

int store_run(struct store *st, struct db_stmt *s, struct error *err, const char *what)
{
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		;
	return rc == DB_DONE ? 0 : store_fail(st, err, what);
}

int store_defer(struct store *st, struct db_stmt *s, struct error *err, const char *what)
{
	return db_step_deferred(s, what) == DB_DONE ? 0 : store_fail(st, err, what);
}

int store_flush(struct store *st, struct error *err)
{
	if (db_flush(st->conn) < 0)
		return error_set(err, ERR_STORE, "%s", db_errmsg(st->conn));
	return 0;
}

int store_bind_opt_int(struct db_stmt *s, int idx, int v)
{
	return v < 0 ? db_bind_null(s, idx) : db_bind_int(s, idx, v);
}

char *store_col_dup(struct db_stmt *s, int col)
{
	const char *t = db_column_text(s, col);
	return t ? strdup(t) : NULL;
}

int store_savepoint_prepare(struct store *st, struct store_savepoint *sp, struct error *err)
{
	memset(sp, 0, sizeof *sp);
	/* the same words on both engines (SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT) */
	if (store_sql(st, &sp->set, "SAVEPOINT store_sp", err) < 0 ||
	    store_sql(st, &sp->release, "RELEASE SAVEPOINT store_sp", err) < 0 ||
	    store_sql(st, &sp->rollback_to, "ROLLBACK TO SAVEPOINT store_sp", err) < 0) {
		store_savepoint_free(sp);
		return -1;
	}
	return 0;
}

static int step_once(struct store *st, struct db_stmt *s, struct error *err)
{
	db_reset(s);
	int rc = store_run(st, s, err, "database");
	db_reset(s);
	return rc;
}

/* SAVEPOINT is deferred (its answer is never read): on PostgreSQL it travels with the document's first
 * read. A failure shows at that read. */
int store_savepoint_set(struct store *st, struct store_savepoint *sp, struct error *err)
{
	db_reset(sp->set);
	int rc = store_defer(st, sp->set, err, "setting a savepoint");
	db_reset(sp->set);
	return rc;
}

int store_savepoint_end(struct store *st, struct store_savepoint *sp, bool keep, struct error *err)
{
	/* Undoing: the queued writes are waited for first and their errors dropped — they are what is
	 * undone (otherwise a failed one would abort the ROLLBACK TO sent behind it). */
	if (!keep)
		db_flush(st->conn);
	if (!keep && step_once(st, sp->rollback_to, err) < 0)
		return -1;
	/* RELEASE is deferred as well: the caller decided on the document's work before this (the
	 * importer flushes inside the savepoint), and it travels with the next document's first read, or
	 * the commit. */
	db_reset(sp->release);
	int rc = store_defer(st, sp->release, err, "releasing a savepoint");
	db_reset(sp->release);
	return rc;
}

void store_savepoint_free(struct store_savepoint *sp)
{
	db_finalize(sp->set);
	db_finalize(sp->release);
	db_finalize(sp->rollback_to);
	memset(sp, 0, sizeof *sp);
}

int store_batch_mode(struct store *st, struct error *err)
{
	if (db_engine(st->conn) != DB_SQLITE)
		return 0;
	return store_exec(st, "PRAGMA wal_autocheckpoint = 16384", err);
}

int store_begin(struct store *st, struct error *err)
{
	if (db_begin(st->conn) < 0)
		return store_fail(st, err, "database");
	return 0;
}

int store_begin_rows(struct store *st, struct error *err)
{
	if (db_begin_rows(st->conn) < 0)
		return store_fail(st, err, "database");
	return 0;
}

int store_commit(struct store *st, struct error *err)
{
	if (db_commit(st->conn) < 0)
		return store_fail(st, err, "database");
	return 0;
}

void store_rollback(struct store *st)
{
	if (st->conn)
		db_rollback(st->conn);
}

static int migrate(struct store *st, bool readonly, struct error *err)
{
	int v, n;
	const struct migration *m = engine_migrations(st, &n);
	const char *where = store_describe(st);
	if (n < store_schema_version())
		return error_set(
		    err, ERR_STORE,
		    "%s: this tracker has no %s schema beyond version %d (it knows %d for SQLite)", where,
		    db_engine(st->conn) == DB_POSTGRESQL ? "PostgreSQL" : "SQLite", n,
		    store_schema_version());
	if (db_schema_version(st->conn, &v) < 0)
		return store_fail(st, err, "reading schema version");
	if (v > n)
		return error_set(err, ERR_STORE,
				 "%s: database schema version %d is newer than this tracker knows (%d); "
				 "use a newer tracker",
				 where, v, n);
	if (v == n)
		return 0;
	if (readonly)
		return error_set(
		    err, ERR_STORE,
		    "%s: database schema version %d needs upgrading to %d; run a command that writes "
		    "(e.g. tracker import) first",
		    where, v, n);
	if (store_begin(st, err) < 0)
		return -1;
	/* Re-read under the write lock: another process may have migrated meanwhile — then there is
	 * nothing to write (several instances starting at once: one migrates, the others only wait), and
	 * if a newer tracker did, recording our version would hide its migrations from it. */
	if (db_schema_version(st->conn, &v) < 0) {
		store_fail(st, err, "reading schema version");
		goto fail;
	}
	if (v > n) {
		error_set(err, ERR_STORE,
			  "%s: database schema version %d is newer than this tracker knows (%d); use a newer "
			  "tracker",
			  where, v, n);
		goto fail;
	}
	if (v == n) {
		store_rollback(st);
		return 0;
	}
	for (int i = v; i < n; i++) {
		if (store_exec(st, m[i].sql, err) < 0) {
			error_prefix(err, "%s: applying migration %s", where, m[i].name);
			goto fail;
		}
	}
	if (db_set_schema_version(st->conn, n) < 0) {
		store_fail(st, err, "recording schema version");
		goto fail;
	}
	if (store_commit(st, err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int store_open(struct store *st, const char *path, int flags, long busy_timeout_ms, struct error *err)
{
	bool readonly = flags & STORE_READONLY;
	st->conn = NULL;
	st->path = strdup(path);
	if (!st->path)
		return error_set(err, ERR_IO, "out of memory");
	char msg[768];
	int dflags = (readonly ? DB_OPEN_READONLY : 0) | (flags & STORE_CREATE ? DB_OPEN_CREATE : 0);
	st->conn = db_open(path, dflags, busy_timeout_ms, msg, sizeof msg);
	if (!st->conn) {
		error_set(err, ERR_STORE, "%s", msg);
		goto fail;
	}
	if (migrate(st, readonly, err) < 0) {
		const char *where = store_describe(st);
		if (!strstr(err->msg, where))
			error_prefix(err, "%s", where);
		goto fail;
	}
	return 0;
fail:
	store_close(st);
	return -1;
}

int store_open_memory(struct store *st, struct error *err)
{
	return store_open(st, ":memory:", STORE_CREATE, 1000, err);
}

void store_close(struct store *st)
{
	db_close(st->conn);
	st->conn = NULL;
	free(st->path);
	st->path = NULL;
}
