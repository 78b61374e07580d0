/*
 * db_impl — what an engine implements behind db.h (private to tracker/store/db*.c).
 *
 * Each engine embeds struct db and struct db_stmt as the first member of its own connection and
 * statement structs and fills a struct db_ops; db.c dispatches. An engine records the last error in
 * db->errmsg / db->errclass (db_set_error).
 */
#ifndef TRACKER_STORE_DB_IMPL_H
#define TRACKER_STORE_DB_IMPL_H

#include <stddef.h>

#include "db.h"

struct db_ops {
	void (*close)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	/* kind: 'i' int64, 'd' double, 't' text (n bytes, n < 0: NUL-terminated), 'n' NULL */
	int (*bind)(struct db_stmt *s, int idx, char kind, int64_t i, double d, const char *t, int n);
	int (*step)(struct db_stmt *s);
	int (*reset)(struct db_stmt *s);
	int (*clear_bindings)(struct db_stmt *s);
	void (*finalize)(struct db_stmt *s);
	int (*column_count)(struct db_stmt *s);
	bool (*column_is_null)(struct db_stmt *s, int col);
	int64_t (*column_int64)(struct db_stmt *s, int col);
	double (*column_double)(struct db_stmt *s, int col);
	const char *(*column_text)(struct db_stmt *s, int col);
	int (*column_bytes)(struct db_stmt *s, int col);
	int (*begin)(struct db *db);
	/* optional (NULL: db_begin_rows() is db_begin()) */
	int (*begin_rows)(struct db *db);
	int (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	bool (*in_transaction)(struct db *db);
	int (*schema_version)(struct db *db, int *version);
	int (*set_schema_version)(struct db *db, int version);
	int (*data_version)(struct db *db, int64_t *version);
	/* optional (NULL: db_step_deferred() steps to the end, db_flush() does nothing) */
	int (*step_deferred)(struct db_stmt *s, const char *what);
	int (*flush)(struct db *db);
	/* optional (NULL: db_set_busy_handler() returns -1) */
	int (*busy_handler)(struct db *db, int (*wait)(void *ctx, int attempt), void *ctx);
	int (*writable)(struct db *db, bool *writable);
	/* optional (NULL: no change notifications, see db.h) */
	int (*listen)(struct db *db);
	int (*socket)(struct db *db);
	int (*notifications)(struct db *db, int *others, int *own);
	uint64_t (*reconnect_count)(struct db *db);
};

struct db {
	const struct db_ops *ops;
	enum db_engine engine;
	enum db_errclass errclass;
	char errmsg[512];
	char desc[256];
};

struct db_stmt {
	struct db *db;
	int64_t changes;
};

/* Records the connection's last error; returns DB_ERR. */
int db_set_error(struct db *db, enum db_errclass cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct db *db_sqlite_open(const char *path, int flags, long busy_ms, char *msg, size_t msgsz);
struct db *db_pg_open(const char *conninfo, int flags, long busy_ms, char *msg, size_t msgsz);
/* The linked libraries' versions (db_library_versions): "3.40.1"; PQlibVersion(). */
const char *db_sqlite_libversion(void);
int db_pg_libversion(void);
/* The process-wide reconnect counters of the PostgreSQL engine (db_conn_stats). */
void db_pg_conn_stats(struct db_conn_stats *out);

#endif
