/*
 * db_sqlite.c — the SQLite engine behind db.h.
 *
 * Every connection runs in WAL mode with foreign keys on and a busy timeout; db_begin() is BEGIN
 * IMMEDIATE, so a writer takes the write lock before it reads. With DB_OPEN_CREATE a missing database
 * file is created with mode 0600 (and its parent directory, 0700); without it a missing file is an
 * error, so a typo in a path never leaves an empty database behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_impl.h"
#include "banned.h"

struct sq_db {
	struct db base;
	sqlite3 *h;
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *h;
};

static sqlite3 *H(struct db *db)
{
	return ((struct sq_db *)db)->h;
}
static sqlite3_stmt *S(struct db_stmt *s)
{
	return ((struct sq_stmt *)s)->h;
}

static enum db_errclass classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DBE_NONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DBE_BUSY;
	case SQLITE_CONSTRAINT:
		return DBE_CONSTRAINT;
	case SQLITE_READONLY:
		return DBE_READONLY;
	case SQLITE_FULL:
		return DBE_FULL;
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_IOERR:
		return DBE_CONNECTION;
	default:
		return DBE_OTHER;
	}
}

static int fail(struct db *db, int rc)
{
	return db_set_error(db, classify(rc), "%s", sqlite3_errmsg(H(db)));
}

static void sq_close(struct db *db)
{
	sqlite3_close_v2(H(db));
	free(db);
}

static int sq_exec(struct db *db, const char *sql)
{
	char *m = NULL;
	int rc = sqlite3_exec(H(db), sql, NULL, NULL, &m);
	if (rc != SQLITE_OK) {
		db_set_error(db, classify(sqlite3_extended_errcode(H(db))), "%s",
			     m ? m : sqlite3_errmsg(H(db)));
		sqlite3_free(m);
		return DB_ERR;
	}
	return DB_OK;
}

static int sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct sq_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return db_set_error(db, DBE_OTHER, "out of memory");
	int rc = sqlite3_prepare_v2(H(db), sql, -1, &s->h, NULL);
	if (rc != SQLITE_OK) {
		free(s);
		return fail(db, rc);
	}
	s->base.db = db;
	*out = &s->base;
	return DB_OK;
}

static int sq_bind(struct db_stmt *st, int idx, char kind, int64_t i, double d, const char *t, int n)
{
	sqlite3_stmt *h = S(st);
	int rc;
	switch (kind) {
	case 'i':
		rc = sqlite3_bind_int64(h, idx, i);
		break;
	case 'd':
		rc = sqlite3_bind_double(h, idx, d);
		break;
	case 't':
		rc = sqlite3_bind_text(h, idx, t, n, SQLITE_TRANSIENT);
		break;
	default:
		rc = sqlite3_bind_null(h, idx);
	}
	return rc == SQLITE_OK ? DB_OK : fail(st->db, rc);
}

static int sq_step(struct db_stmt *st)
{
	int rc = sqlite3_step(S(st));
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		/* sqlite3_changes64() is the connection's last change: a SELECT changed nothing. */
		st->changes = sqlite3_stmt_readonly(S(st)) ? 0 : sqlite3_changes64(H(st->db));
		return DB_DONE;
	}
	/* The statement's own error code; the connection's message. */
	return db_set_error(st->db, classify(sqlite3_extended_errcode(H(st->db))), "%s",
			    sqlite3_errmsg(H(st->db)));
}

static int sq_reset(struct db_stmt *st)
{
	sqlite3_reset(S(st));
	return DB_OK;
}

static int sq_clear(struct db_stmt *st)
{
	sqlite3_clear_bindings(S(st));
	return DB_OK;
}

static void sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(S(st));
	free(st);
}

static int sq_column_count(struct db_stmt *st)
{
	return sqlite3_column_count(S(st));
}
static bool sq_is_null(struct db_stmt *st, int c)
{
	return sqlite3_column_type(S(st), c) == SQLITE_NULL;
}
static int64_t sq_int64(struct db_stmt *st, int c)
{
	return sqlite3_column_int64(S(st), c);
}
static double sq_double(struct db_stmt *st, int c)
{
	return sqlite3_column_double(S(st), c);
}
static const char *sq_text(struct db_stmt *st, int c)
{
	return (const char *)sqlite3_column_text(S(st), c);
}
static int sq_bytes(struct db_stmt *st, int c)
{
	return sqlite3_column_bytes(S(st), c);
}

static int sq_begin(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}
static int sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}
static void sq_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(H(db)))
		sqlite3_exec(H(db), "ROLLBACK", NULL, NULL, NULL);
}
static bool sq_in_tx(struct db *db)
{
	return !sqlite3_get_autocommit(H(db));
}

static int pragma_int(struct db *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(H(db), sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(db, rc);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? DB_OK : fail(db, rc);
}

static int sq_schema_version(struct db *db, int *version)
{
	int64_t v = 0;
	if (pragma_int(db, "PRAGMA user_version", &v) < 0)
		return DB_ERR;
	*version = (int)v;
	return DB_OK;
}

static int sq_set_schema_version(struct db *db, int version)
{
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version);
	return sq_exec(db, pragma);
}

static int sq_data_version(struct db *db, int64_t *version)
{
	return pragma_int(db, "PRAGMA data_version", version);
}

static int sq_busy_handler(struct db *db, int (*wait)(void *ctx, int attempt), void *ctx)
{
	return sqlite3_busy_handler(H(db), wait, ctx) == SQLITE_OK ? 0 : -1;
}

/* The file (and the directory that holds its -wal and -shm files) writable by this process; an
 * in-memory or temporary database always is. The connection's own read-only flag does not count:
 * /healthz asks on a read-only connection whether the database could be written. */
static int sq_writable(struct db *db, bool *writable)
{
	const char *f = sqlite3_db_filename(H(db), "main");
	*writable = !f || !*f || access(f, W_OK) == 0;
	return DB_OK;
}

static const struct db_ops sqlite_ops = {
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .reset = sq_reset,
    .clear_bindings = sq_clear,
    .finalize = sq_finalize,
    .column_count = sq_column_count,
    .column_is_null = sq_is_null,
    .column_int64 = sq_int64,
    .column_double = sq_double,
    .column_text = sq_text,
    .column_bytes = sq_bytes,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_transaction = sq_in_tx,
    .schema_version = sq_schema_version,
    .set_schema_version = sq_set_schema_version,
    .data_version = sq_data_version,
    .busy_handler = sq_busy_handler,
    .writable = sq_writable,
};

/* mkdir -p for the parent of `path`, mode 0700 for directories we create. */
static int make_parent(const char *path, char *msg, size_t msgsz)
{
	char *dir = strdup(path);
	if (!dir) {
		snprintf(msg, msgsz, "out of memory");
		return -1;
	}
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				snprintf(msg, msgsz, "%s: cannot create directory: %s", dir, strerror(errno));
				free(dir);
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(dir);
	return 0;
}

/* Switch the file to WAL. On a new file several processes may race to switch it: the switch needs the
 * exclusive lock while the others hold shared ones, and SQLite reports that deadlock as SQLITE_BUSY at
 * once without calling the busy handler — so retry here, within the same busy timeout. */
static int set_wal(struct sq_db *d, long busy_ms)
{
	for (long waited = 0;; waited += 10) {
		int rc = sqlite3_exec(d->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return DB_OK;
		if ((rc & 0xff) != SQLITE_BUSY || waited >= busy_ms)
			return db_set_error(&d->base, classify(sqlite3_extended_errcode(d->h)), "%s",
					    sqlite3_errmsg(d->h));
		usleep(10000);
	}
}

struct db *db_sqlite_open(const char *path, int flags, long busy_ms, char *msg, size_t msgsz)
{
	bool readonly = flags & DB_OPEN_READONLY, memory = !strcmp(path, ":memory:");
	struct stat sb;
	if (!memory && !(flags & DB_OPEN_CREATE) && stat(path, &sb) != 0 &&
	    (errno == ENOENT || errno == ENOTDIR)) {
		snprintf(msg, msgsz,
			 "no database at %s (run `tracker import` first, or check --db / $TRACKER_DB)", path);
		return NULL;
	}
	if (!memory && !readonly && (flags & DB_OPEN_CREATE)) {
		if (make_parent(path, msg, msgsz) < 0)
			return NULL;
		/* Create the file ourselves so it is 0600 from the first byte — only when it is missing:
		 * closing any descriptor of the file drops every POSIX lock this process holds on it, so
		 * an open()/close() here would strip the locks of the process's other connections, and
		 * another process would then take itself for the last user and delete the WAL under them. */
		if (stat(path, &sb) != 0) {
			int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0 && errno != EEXIST) {
				snprintf(msg, msgsz, "%s: cannot open database: %s", path, strerror(errno));
				return NULL;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	struct sq_db *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(msg, msgsz, "out of memory");
		return NULL;
	}
	d->base.ops = &sqlite_ops;
	d->base.engine = DB_SQLITE;
	snprintf(d->base.desc, sizeof d->base.desc, "%s", path);
	int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (memory)
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &d->h, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(msg, msgsz, "%s: cannot open database: %s", path,
			 d->h ? sqlite3_errmsg(d->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(d->h, (int)(busy_ms > 0 ? busy_ms : 5000));
	sqlite3_extended_result_codes(d->h, 1);
	if ((!memory && !readonly && set_wal(d, busy_ms > 0 ? busy_ms : 5000) < 0) ||
	    sq_exec(&d->base, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
			      "PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY") < 0) {
		snprintf(msg, msgsz, "%s: %s", path, d->base.errmsg);
		goto fail;
	}
	return &d->base;
fail:
	sqlite3_close_v2(d->h);
	free(d);
	return NULL;
}

const char *db_sqlite_libversion(void)
{
	return sqlite3_libversion();
}
