/*
 * db — the engine interface under the store modules: one small API, two implementations (SQLite in
 * db_sqlite.c, PostgreSQL through libpq in db_pg.c). Only the store modules (tracker/store/) use it;
 * nothing outside tracker/store/ includes sqlite3.h or libpq-fe.h (contrib/check-layout.sh).
 *
 * SQL text is a literal, never built from values. Parameters are written `?` (or `?NNN`) in both
 * engines; the PostgreSQL engine renumbers them to $N. Where the engines disagree the store module
 * picks the text with db_pick(). Every value is bound: db_bind_* numbers parameters from 1, columns
 * from 0. A parameter whose type the statement does not fix (`? IS NULL`) is written CAST(? AS TEXT).
 *
 * Steps: db_step() returns DB_ROW while rows come, then DB_DONE; DB_ERR on error (db_errmsg(),
 * db_errclass()). db_reset() rewinds a statement keeping its bindings; db_changes() is the number of
 * rows the last completed step of that statement inserted, updated or deleted.
 *
 * Transactions: db_begin() takes the database's single write lock up front (SQLite BEGIN IMMEDIATE;
 * PostgreSQL BEGIN plus a transaction-scoped advisory lock), so writers are serialised the same way on
 * both engines and a read-modify-write inside one transaction is never interleaved with another.
 * db_begin_rows() opens a write transaction WITHOUT that lock, for work that protects itself with row
 * locks (the outbox's claims and outcomes: SELECT … FOR UPDATE SKIP LOCKED, conditional UPDATEs):
 * SQLite has one write lock whatever is asked, so it is BEGIN IMMEDIATE as db_begin(); PostgreSQL
 * BEGIN ISOLATION LEVEL READ COMMITTED, where each statement sees what others committed before it and
 * only the rows it touches are locked, so several instances claim and record outcomes side by side.
 */
#ifndef TRACKER_STORE_DB_H
#define TRACKER_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum db_engine { DB_SQLITE = 1, DB_POSTGRESQL = 2 };

enum { DB_OK = 0, DB_ROW = 100, DB_DONE = 101, DB_ERR = -1 };

/* What went wrong, as far as a caller can act on it. */
enum db_errclass {
	DBE_NONE = 0,
	DBE_BUSY,          /* the lock wait timed out */
	DBE_SERIALIZATION, /* the transaction must be retried */
	DBE_CONNECTION,    /* the server went away, refused us, or the file is unreadable */
	DBE_CONSTRAINT,    /* a UNIQUE, CHECK, NOT NULL or foreign key was violated */
	DBE_READONLY,      /* the database is read-only */
	DBE_FULL,          /* disk full */
	DBE_OTHER,
};

struct db;
struct db_stmt;

enum { DB_OPEN_READONLY = 1, DB_OPEN_CREATE = 2 };

/* True when `target` names a PostgreSQL database (postgresql://, postgres://, or a libpq key=value
 * string such as "host=/run/pg dbname=tracker"); anything else is a SQLite file path. */
bool db_is_postgresql(const char *target);

/* True when the target carries a password (postgresql://user:PASSWORD@…, or a password= key). */
bool db_target_has_password(const char *target);
/* The target with any password replaced by "***", for logs and messages. Caller frees. */
char *db_redact(const char *target);

/* Opens `target` (a path or a PostgreSQL URL). On failure returns NULL and writes a message (without
 * any password) to msg. busy_ms bounds lock waits. */
struct db *db_open(const char *target, int flags, long busy_ms, char *msg, size_t msgsz);
void db_close(struct db *db);
enum db_engine db_engine(const struct db *db);
/* Either text, by engine. */
static inline const char *db_pick(const struct db *db, const char *sqlite_sql, const char *pg_sql)
{
	return db_engine(db) == DB_SQLITE ? sqlite_sql : pg_sql;
}

/* The last error on the connection: message and class. */
const char *db_errmsg(struct db *db);
enum db_errclass db_errclass(struct db *db);

/* Runs one or more statements without parameters or results (DDL, migrations). */
int db_exec(struct db *db, const char *sql);

int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
int db_bind_int64(struct db_stmt *s, int idx, int64_t v);
int db_bind_int(struct db_stmt *s, int idx, int v);
int db_bind_double(struct db_stmt *s, int idx, double v);
/* Copies the text; NULL binds SQL NULL. */
int db_bind_text(struct db_stmt *s, int idx, const char *v);
int db_bind_textn(struct db_stmt *s, int idx, const char *v, int n);
int db_bind_null(struct db_stmt *s, int idx);
int db_step(struct db_stmt *s);
/*
 * Deferred statements: a write whose result the caller never reads — no row, no db_changes().
 * db_step_deferred() runs the statement to its end (as db_step() until DB_DONE) or, when the engine
 * can, only queues it: PostgreSQL inside a transaction sends it in libpq's pipeline mode without
 * waiting for its answer (no round trip per statement). The bindings are taken at the call: the
 * caller may reset, bind again and defer the same statement at once. Queued statements run in order,
 * before anything sent after them on the connection, so a later read on the connection sees their
 * writes.
 *
 * Errors: one that can be seen at once (bad binding, broken connection) is returned here; one the
 * server reports later is returned by the next non-deferred call on the connection — a db_step() of
 * any statement, db_exec(), db_flush(), db_commit(), and the statements of savepoints — with the
 * message "WHAT: reason", `what` naming the deferred statement's kind (a static string such as
 * "adding an item"). The transaction is then failed as after any failed statement: roll back (to a
 * savepoint or entirely). To keep an error with the work that caused it, call db_flush() before
 * deciding on that work (the importer flushes at the end of each file, inside its savepoint).
 * Outside a transaction, and on SQLite, db_step_deferred() is a plain step and reports its error
 * itself. Returns DB_DONE or DB_ERR.
 */
int db_step_deferred(struct db_stmt *s, const char *what);
/* Waits for every deferred statement on the connection; DB_OK, or DB_ERR with the first failure
 * (see db_step_deferred). No-op when nothing is pending. */
int db_flush(struct db *db);
int db_reset(struct db_stmt *s);
int db_clear_bindings(struct db_stmt *s);
void db_finalize(struct db_stmt *s);
int64_t db_changes(struct db_stmt *s);

int db_column_count(struct db_stmt *s);
bool db_column_is_null(struct db_stmt *s, int col);
int64_t db_column_int64(struct db_stmt *s, int col);
int db_column_int(struct db_stmt *s, int col);
double db_column_double(struct db_stmt *s, int col);
/* Borrowed until the next step, reset or finalize; NULL for SQL NULL. */
const char *db_column_text(struct db_stmt *s, int col);
int db_column_bytes(struct db_stmt *s, int col);

/* Transactions (see above). db_rollback() is a no-op outside a transaction. */
int db_begin(struct db *db);
int db_begin_rows(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_transaction(struct db *db);

/* The schema version recorded in the database (0 for a new one) and setting it (inside the
 * migration transaction). */
int db_schema_version(struct db *db, int *version);
int db_set_schema_version(struct db *db, int version);

/* A number that changes whenever any connection commits a change to the database (SQLite PRAGMA
 * data_version; PostgreSQL a digest of the server's current snapshot, which may change more often,
 * never less — see db_pg.c):
 * caches compare it to know when to rebuild. */
int db_data_version(struct db *db, int64_t *version);

/* A waiting policy for the write lock instead of the busy_ms given to db_open: while another connection
 * holds the lock, the engine calls wait(ctx, attempt) (attempt 0, 1, …) after each failed try; nonzero
 * means try again, 0 gives up (the statement or db_begin() fails with DBE_BUSY). The handler does its own
 * sleeping. SQLite: sqlite3_busy_handler (every lock wait); PostgreSQL: db_begin() polls the write lock
 * with pg_try_advisory_xact_lock (other lock waits keep busy_ms as lock_timeout). Returns -1 when the
 * engine has no such hook (it then keeps busy_ms). */
int db_set_busy_handler(struct db *db, int (*wait)(void *ctx, int attempt), void *ctx);

/*
 * Change notification between processes (PostgreSQL LISTEN/NOTIFY; SQLite has none).
 *
 * On PostgreSQL every transaction that changed a row (db_begin … db_commit, or a single statement in
 * autocommit) also sends pg_notify('tracker', TAG) — in the transaction, so it is delivered only if
 * the commit is, and only after it — where TAG names this process (db_notify_tag(): 16 hex digits,
 * random per process). A transaction that changed nothing sends nothing, so passes that find no work
 * never wake anyone.
 *
 * db_listen() makes a connection listen on the channel (again after every reconnect); db_socket() is
 * its socket, for poll(); db_notifications() reads what arrived without blocking and counts the
 * notifications of other processes (*others) and of this one (*own). It fails with DBE_CONNECTION
 * when the connection broke: call db_listen() again to reconnect (with the backoff below). On SQLite
 * db_listen() fails with DBE_OTHER ("no change notifications on SQLite") and db_socket() is -1.
 */
const char *db_notify_tag(void);
int db_listen(struct db *db);
int db_socket(struct db *db);
int db_notifications(struct db *db, int *others, int *own);
/* How many times this connection was opened again after it broke (PostgreSQL; 0 on SQLite): a
 * listener that sees it move knows it may have missed notifications meanwhile. */
uint64_t db_reconnect_count(struct db *db);

/*
 * Reconnecting (PostgreSQL): a connection that broke is opened again before the next command, never
 * inside a transaction (db_pg.c). A reconnect that fails is not tried again before a backoff (250 ms,
 * doubling to 4 s) has passed, or another connection of the process got through (the database is
 * back): meanwhile every command fails at once with DBE_CONNECTION, so an outage
 * costs no connect timeout per request. libpq's multi-host targets (host=a,b … target_session_attrs=
 * read-write, or the URL form) are tried host by host at each reconnect, which is how an instance
 * finds the new primary after a failover. Process-wide counters (all connections), for /metrics:
 */
struct db_conn_stats {
	uint64_t reconnects;      /* connections opened again after they broke */
	uint64_t reconnect_fails; /* attempts that failed */
	uint64_t lost;            /* times a connection was found broken */
};
void db_conn_stats(struct db_conn_stats *out);

/* Whether the database accepts writes right now: PostgreSQL — the server is not in recovery (not a
 * standby) and the session's default (the server's, database's or role's, not this connection's own
 * read-only setting) is not read-only; SQLite — the file (or :memory:) is writable by this process.
 * DB_OK with *writable set, or DB_ERR when the database cannot be asked. */
int db_writable(struct db *db, bool *writable);

/* The engine libraries this binary runs with, e.g. "SQLite 3.40.1, libpq 15.10". */
void db_library_versions(char *out, size_t n);

/* A short human description of the target without secrets ("tracker.db", "postgresql db@host"). */
const char *db_describe(const struct db *db);

#endif
