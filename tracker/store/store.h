/*
 * store — the database: resolving which one, opening it on its engine, migrations, transactions, and
 * the helpers the store modules share. The store modules (tracker/store/: incidents, items, events,
 * people, outbox, reminders, feeds, tokens, stats) are the only code that holds SQL; they reach the
 * engine through db.h. Commands, the scheduler and the HTTP endpoint call the modules' functions.
 *
 * The target is a SQLite file path or a PostgreSQL URL / libpq key=value string (db_is_postgresql).
 * Opening applies the engine's embedded migrations (schema/sqlite/, schema/postgresql/) in one
 * transaction and records the version; a database from a newer tracker is refused. With STORE_CREATE a
 * missing SQLite file (and its parent directory) is made, mode 0600; without it a missing file is an
 * error, so a typo in a path never leaves an empty database behind.
 */
#ifndef TRACKER_STORE_H
#define TRACKER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

struct config;

struct store {
	struct db *conn;
	char *path; /* the target as given (a PostgreSQL URL may hold a password: never print it) */
};

/* STORE_READONLY opens read-only. STORE_CREATE makes a missing database (and its parent directory);
 * without it a missing file is an ERR_STORE "no database at PATH" error (only import, people
 * add/import and db init pass it). */
enum { STORE_READONLY = 1, STORE_CREATE = 2 };

/* Resolves the database: `cli` (--db), else $TRACKER_DB, else [store] url, else [store] path, else
 * $XDG_DATA_HOME/tracker/tracker.db (default ~/.local/share/tracker/tracker.db). Caller frees. */
char *store_resolve_path(const char *cli, const struct config *cfg);

int store_open(struct store *st, const char *path, int flags, long busy_timeout_ms, struct error *err);
/* An in-memory SQLite database with every migration applied (tests). */
int store_open_memory(struct store *st, struct error *err);
void store_close(struct store *st);
enum db_engine store_engine(const struct store *st);
/* Where the store is, safe to print (no password). */
const char *store_describe(const struct store *st);

/* The schema version this binary knows (the highest embedded migration). */
int store_schema_version(void);
/* The database libraries this binary runs with ("SQLite 3.40.1, libpq 15.10"), for --version. */
void store_library_versions(char *out, size_t n);

/* A number that changes whenever any connection commits a change (db_data_version): caches compare it
 * to know when to rebuild. */
int store_data_version(struct store *st, int64_t *version, struct error *err);
/* Whether the database answers a read of the schema (the incidents table): /healthz. */
int store_ping(struct store *st, struct error *err);
/* /healthz: whether the database answers (store_ping) and accepts writes (db_writable: PostgreSQL not
 * a standby nor read-only by default; SQLite a writable file). 0 with *writable set, or -1. */
int store_health(struct store *st, bool *writable, struct error *err);
/* Whether the last error on the store was a lost or unreachable database (DBE_CONNECTION): the HTTP
 * endpoint answers 503 with Retry-After, the service retries soon. */
bool store_unreachable(struct store *st);

/* Change notification between processes (db.h: db_listen and friends; PostgreSQL only). */
int store_listen(struct store *st, struct error *err);
int store_socket(struct store *st);
int store_notifications(struct store *st, int *others, int *own, struct error *err);
uint64_t store_reconnects(struct store *st);
/* The process's reconnect counters (db_conn_stats). */
void store_conn_stats(struct db_conn_stats *out);

/* How a connection waits for the write lock (db_set_busy_handler); -1 when the engine cannot. */
int store_set_busy_handler(struct store *st, int (*wait)(void *ctx, int attempt), void *ctx);

/* Transactions. store_begin() takes the write lock up front (see db.h). */
int store_begin(struct store *st, struct error *err);
/* A write transaction without the database-wide lock (db_begin_rows): for statements that lock only
 * the rows they take (the outbox's claims and outcomes). On SQLite the same as store_begin(). */
int store_begin_rows(struct store *st, struct error *err);
int store_commit(struct store *st, struct error *err);
void store_rollback(struct store *st);
int store_exec(struct store *st, const char *sql, struct error *err);

/* Prepares a literal statement; on failure fills err ("database: message"). */
int store_sql(struct store *st, struct db_stmt **stmt, const char *sql, struct error *err);
/* Fills err from the connection's last error: "what: message", kind ERR_STORE. Returns -1. */
int store_fail(struct store *st, struct error *err, const char *what);
/* Steps a statement that returns no row (INSERT/UPDATE/DELETE); -1 with err filled on failure. */
int store_run(struct store *st, struct db_stmt *s, struct error *err, const char *what);
/* A write whose result the caller never reads (no row, no db_changes): db_step_deferred(). It may only
 * be queued (PostgreSQL, inside a transaction): its error may come from a later call on the store, or
 * from store_flush(), which waits for every queued write (-1 with err "what: message"). */
int store_defer(struct store *st, struct db_stmt *s, struct error *err, const char *what);
int store_flush(struct store *st, struct error *err);
/* Binds an int, or NULL when negative. */
int store_bind_opt_int(struct db_stmt *s, int idx, int v);
/* Copies a column as a malloc'd string (NULL for SQL NULL). */
char *store_col_dup(struct db_stmt *s, int col);

/* A savepoint inside the caller's transaction, its three statements prepared once and reused (the
 * importer takes one per document: a rejected document rolls back to it, all or nothing).
 * store_savepoint_end() keeps the work since store_savepoint_set() (`keep`) or undoes it, and releases
 * the savepoint either way. On PostgreSQL rolling back to it also clears a failed statement's abort. */
struct store_savepoint {
	struct db_stmt *set, *release, *rollback_to;
};
int store_savepoint_prepare(struct store *st, struct store_savepoint *sp, struct error *err);
int store_savepoint_set(struct store *st, struct store_savepoint *sp, struct error *err);
int store_savepoint_end(struct store *st, struct store_savepoint *sp, bool keep, struct error *err);
void store_savepoint_free(struct store_savepoint *sp);

/* Tunes the connection for a batch of many small transactions (the import): on SQLite the WAL is
 * checkpointed every 16384 pages instead of every 1000, so pages that several commits touch (indexes)
 * are copied into the database once. Nothing to do on PostgreSQL. */
int store_batch_mode(struct store *st, struct error *err);

#endif
