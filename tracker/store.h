/*
 * store — the SQLite database: opening, pragmas, migrations, transactions.
 *
 * Every connection runs in WAL mode with foreign keys on and a busy timeout; writers take the write
 * lock up front with BEGIN IMMEDIATE (store_begin). Every SQL value is bound with sqlite3_bind_*;
 * SQL text is always a literal. Opening a database applies the embedded migrations (schema/) in one
 * transaction and records the version in PRAGMA user_version; a database from a newer tracker is
 * refused. With STORE_CREATE a new database file is created with mode 0600 and its parent directory is
 * made; without it a missing file is an error.
 */
#ifndef TRACKER_STORE_H
#define TRACKER_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct config;

struct store {
	sqlite3 *db;
	char *path;
};

/* STORE_READONLY opens read-only. STORE_CREATE makes a missing database (and its parent directory);
 * without it a missing file is an ERR_STORE "no database at PATH" error, so a typo in a path never
 * leaves an empty database behind (only import, people add/import and db init pass it). */
enum { STORE_READONLY = 1, STORE_CREATE = 2 };

/* Resolves the database path: `cli` (--db), else $TRACKER_DB, else [store] path, else
 * $XDG_DATA_HOME/tracker/tracker.db (default ~/.local/share/tracker/tracker.db). Caller frees. */
char *store_resolve_path(const char *cli, const struct config *cfg);

int store_open(struct store *st, const char *path, int flags, long busy_timeout_ms, struct error *err);
/* An in-memory database with every migration applied (tests). */
int store_open_memory(struct store *st, struct error *err);
void store_close(struct store *st);

/* The schema version this binary knows (the highest embedded migration). */
int store_schema_version(void);

/* Transactions. store_begin() is BEGIN IMMEDIATE. Savepoint names are fixed literals. */
int store_begin(struct store *st, struct error *err);
int store_commit(struct store *st, struct error *err);
void store_rollback(struct store *st);
int store_exec(struct store *st, const char *sql, struct error *err);

/* Prepares a literal statement; on failure fills err with the SQLite message. */
int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql, struct error *err);
/* Fills err from the connection's last error: "what: sqlite message". Returns -1. */
int store_error(struct store *st, struct error *err, const char *what);

/* Binding helpers: NULL / DATE_NONE / negative become SQL NULL. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);
int store_bind_int_or_null(sqlite3_stmt *s, int idx, int v);
/* Copies a column as a malloc'd string (NULL for SQL NULL). */
char *store_col_strdup(sqlite3_stmt *s, int col);

#endif
