/*
 * store.c — opening the database, applying migrations, transactions.
 *
 * Migrations: schema/NNNN_*.sql are embedded (see cmake/embed_schema.cmake). Opening reads PRAGMA
 * user_version; if it is behind, the missing migrations run in one BEGIN IMMEDIATE transaction that
 * also sets the new user_version, so an upgrade is all or nothing. A version above ours is refused:
 * an older binary must not write a schema it does not know.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "migrate.h"
#include "banned.h"

int store_schema_version(void)
{
	return store_migration_count;
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

/* mkdir -p for the parent of `path`, mode 0700 for directories we create. */
static int make_parent(const char *path, struct error *err)
{
	char *dir = strdup(path);
	if (!dir)
		return error_set(err, ERR_IO, "out of memory");
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
				int e = errno;
				error_set(err, ERR_IO, "%s: cannot create directory: %s", dir, strerror(e));
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

int store_error(struct store *st, struct error *err, const char *what)
{
	const char *m = st && st->db ? sqlite3_errmsg(st->db) : "no database";
	return error_set(err, ERR_STORE, "%s: %s", what, m);
}

int store_exec(struct store *st, const char *sql, struct error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, ERR_STORE, "database: %s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql, struct error *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return store_error(st, err, "database");
	return 0;
}

int store_begin(struct store *st, struct error *err)
{
	return store_exec(st, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, struct error *err)
{
	return store_exec(st, "COMMIT", err);
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(struct store *st, int *v, struct error *err)
{
	sqlite3_stmt *s;
	if (store_prepare(st, &s, "PRAGMA user_version", err) < 0)
		return -1;
	int rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, err, "reading schema version");
}

static int migrate(struct store *st, bool readonly, struct error *err)
{
	int v;
	if (user_version(st, &v, err) < 0)
		return -1;
	if (v > store_migration_count)
		return error_set(err, ERR_STORE,
				 "%s: database schema version %d is newer than this tracker knows (%d); "
				 "use a newer tracker",
				 st->path, v, store_migration_count);
	if (v == store_migration_count)
		return 0;
	if (readonly)
		return error_set(
		    err, ERR_STORE,
		    "%s: database schema version %d needs upgrading to %d; run a command that writes "
		    "(e.g. tracker import) first",
		    st->path, v, store_migration_count);
	if (store_begin(st, err) < 0)
		return -1;
	/* Re-read under the write lock: another process may have migrated meanwhile. */
	if (user_version(st, &v, err) < 0)
		goto fail;
	for (int i = v; i < store_migration_count; i++) {
		if (store_exec(st, store_migrations[i].sql, err) < 0) {
			error_prefix(err, "%s: applying migration %s", st->path, store_migrations[i].name);
			goto fail;
		}
	}
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", store_migration_count);
	if (store_exec(st, pragma, err) < 0 || store_commit(st, err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static int configure(struct store *st, long busy_timeout_ms, bool memory, bool readonly, struct error *err)
{
	sqlite3_busy_timeout(st->db, (int)(busy_timeout_ms > 0 ? busy_timeout_ms : 5000));
	sqlite3_extended_result_codes(st->db, 1);
	if (!memory && !readonly && store_exec(st, "PRAGMA journal_mode = WAL", err) < 0)
		return -1;
	if (store_exec(st,
		       "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192; "
		       "PRAGMA temp_store = MEMORY",
		       err) < 0)
		return -1;
	return 0;
}

int store_open(struct store *st, const char *path, int flags, long busy_timeout_ms, struct error *err)
{
	bool readonly = flags & STORE_READONLY;
	st->db = NULL;
	st->path = strdup(path);
	if (!st->path)
		return error_set(err, ERR_IO, "out of memory");
	struct stat sb;
	if (!(flags & STORE_CREATE) && stat(path, &sb) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
		error_set(err, ERR_STORE,
			  "no database at %s (run `tracker import` first, or check --db / $TRACKER_DB)",
			  path);
		goto fail;
	}
	if (!readonly && (flags & STORE_CREATE)) {
		if (make_parent(path, err) < 0)
			goto fail;
		/* Create the file ourselves so it is 0600 from the first byte — only when it is missing:
		 * closing any descriptor of the file drops every POSIX lock this process holds on it, so
		 * an open()/close() here would strip the locks of the process's other connections, and
		 * another process would then take itself for the last user and delete the WAL under them. */
		if (stat(path, &sb) != 0) {
			int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0 && errno != EEXIST) {
				error_set(err, ERR_IO, "%s: cannot open database: %s", path, strerror(errno));
				goto fail;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(err, ERR_STORE, "%s: cannot open database: %s", path,
			  st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	if (configure(st, busy_timeout_ms, false, readonly, err) < 0 || migrate(st, readonly, err) < 0) {
		if (!strstr(err->msg, path))
			error_prefix(err, "%s", path);
		goto fail;
	}
	return 0;
fail:
	store_close(st);
	return -1;
}

int store_open_memory(struct store *st, struct error *err)
{
	st->path = strdup(":memory:");
	if (sqlite3_open_v2(":memory:", &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		SQLITE_OK ||
	    configure(st, 1000, true, false, err) < 0 || migrate(st, false, err) < 0) {
		if (err->kind == ERR_NONE)
			store_error(st, err, "opening in-memory database");
		store_close(st);
		return -1;
	}
	return 0;
}

void store_close(struct store *st)
{
	if (st->db)
		sqlite3_close_v2(st->db);
	st->db = NULL;
	free(st->path);
	st->path = NULL;
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (!v)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

int store_bind_int_or_null(sqlite3_stmt *s, int idx, int v)
{
	if (v < 0)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_int(s, idx, v);
}

char *store_col_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? strdup((const char *)t) : NULL;
}
