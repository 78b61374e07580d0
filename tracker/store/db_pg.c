/*
 * db_pg.c — the PostgreSQL engine behind db.h, on libpq.
 *
 * Connecting: the target (a postgresql:// URL or a libpq key=value string) goes to
 * PQconnectdbParams with expand_dbname, after two defaults it may override: connect_timeout=10 (unless
 * $PGCONNECT_TIMEOUT is set) and fallback_application_name=tracker. A password comes only from what
 * libpq itself reads: the URL, passfile / $PGPASSFILE (the CLI sets it from [store] password_file) or
 * ~/.pgpass. Nothing here ever prints the target: db->desc is "postgresql DBNAME on HOST:PORT", and a
 * target libpq cannot parse is reported with its quoted parts blanked out. A missing database is an
 * error that says how to create it; the engine never creates one.
 *
 * Statements: `?` and `?NNN` become $N when prepared (string literals, quoted identifiers,
 * dollar-quoted strings and comments are left alone). A statement is prepared on the server lazily, at
 * its first step, with parameter types int8 for integer binds, float8 for doubles and "unknown" (the
 * server infers) for text and NULL; values travel and come back as text. The connection keeps a cache
 * from SQL text (and those parameter types) to the server-side statement's name, so preparing the same
 * SQL again — the store modules prepare per call — costs no round trip; db_finalize() leaves cached
 * statements on the server. A whole result is fetched at the first step.
 *
 * Transactions: db_begin() is BEGIN plus pg_advisory_xact_lock(TRACKER_PG_WRITE_LOCK), one
 * database-wide lock held to the end of the transaction, so writers serialise as with SQLite's BEGIN
 * IMMEDIATE, and in READ COMMITTED every statement after the lock sees what earlier writers committed.
 * busy_ms becomes lock_timeout: a writer that waits longer gets DBE_BUSY. With a busy handler
 * (db_set_busy_handler, the HTTP server's pool) db_begin() instead tries the lock without waiting
 * (pg_try_advisory_xact_lock) and asks the handler after each failed try. db_begin_rows() is a plain
 * BEGIN ISOLATION LEVEL READ COMMITTED without that lock (row locks only: the outbox's claims).
 *
 * The schema version lives in the table tracker_schema (one row); db_data_version() is a digest of the
 * server's current snapshot (see pg_data_version()).
 *
 * Change notification: a transaction that changed rows sends pg_notify('tracker', TAG) just before its
 * COMMIT (deferred, so it travels with the COMMIT's round trip when other statements are queued); a
 * change made in autocommit sends it right after. "Changed rows" is what the server reported (the
 * command tag's row count of INSERT/UPDATE/DELETE, with or without RETURNING) or any db_exec() inside a
 * transaction (migrations). See db.h.
 *
 * Reconnecting: ensure_connected() (below) opens a broken connection again between transactions, with
 * a backoff after a failed attempt (PG_BACKOFF_MIN_MS doubling to PG_BACKOFF_MAX_MS) during which
 * commands fail at once.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db_impl.h"
#include "banned.h"

/* The key of the database-wide write lock taken by db_begin(): the bytes "tracker" and 0x01 read as a
 * big-endian 64-bit integer. Advisory locks are per database, so one key serves every tracker database
 * on a cluster; anything else that wants to exclude tracker's writers may take the same key. */
#define TRACKER_PG_WRITE_LOCK "8391162236016554497"

/* Parameters and cached statements are bounded: more than this many distinct statements per
 * connection and the rest run unnamed (PQexecParams, parsed each time). */
enum { PG_MAX_PARAMS = 65535, PG_CACHE_MAX = 4096 };

/* At most this many queries wait in the pipeline; then it is synced and read. Bounded so that the
 * server's answers never fill the socket while libpq is still writing (a deadlock libpq's manual warns
 * about): a few hundred short answers fit the kernel's buffers many times over. */
enum { PG_PIPE_MAX = 256 };

/* The backoff between reconnect attempts of one connection. */
enum { PG_BACKOFF_MIN_MS = 250, PG_BACKOFF_MAX_MS = 4000 };

/* The channel of change notifications (db.h). */
#define PG_CHANNEL "tracker"

/* Process-wide reconnect counters (db_conn_stats). */
static atomic_uint_fast64_t pg_reconnects, pg_reconnect_fails, pg_lost;

/* The tag is made again in a forked child: a process is an instance of its own. */
static char notify_tag[17];
static pid_t notify_tag_pid;
static pthread_mutex_t notify_tag_lock = PTHREAD_MUTEX_INITIALIZER;

static void notify_tag_init(void)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec;
	}
	snprintf(notify_tag, sizeof notify_tag, "%016llx", (unsigned long long)r);
}

const char *db_notify_tag(void)
{
	pthread_mutex_lock(&notify_tag_lock);
	if (notify_tag_pid != getpid()) {
		notify_tag_init();
		notify_tag_pid = getpid();
	}
	pthread_mutex_unlock(&notify_tag_lock);
	return notify_tag;
}

void db_pg_conn_stats(struct db_conn_stats *out)
{
	out->reconnects = atomic_load(&pg_reconnects);
	out->reconnect_fails = atomic_load(&pg_reconnect_fails);
	out->lost = atomic_load(&pg_lost);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One server-side prepared statement: a SQL text with one set of parameter types. */
struct pg_variant {
	char *sig; /* per parameter: 'i' int8, 'd' float8, 'u' unknown */
	char name[24];
	struct pg_variant *next;
};

/* A cache entry: the SQL text as given, its rewrite, and its prepared variants. */
struct pg_entry {
	char *sql;
	char *pgsql;
	int nparams;
	uint64_t hash;
	struct pg_variant *variants;
};

/* A query sent in pipeline mode whose result is not read yet (db_step_deferred). */
struct pg_pending {
	const char *what;       /* the statement's kind, for its error (NULL: the caller's own) */
	struct pg_entry *entry; /* its cache entry */
	struct pg_variant *v;   /* the server-side statement it prepares or runs */
	bool prepare;           /* a PQsendPrepare of v (dropped again when it fails) */
	bool tail;              /* the non-deferred statement whose result the caller reads */
};

struct pg_db {
	struct db base;
	PGconn *c;
	struct pg_pending *pend; /* in pipeline mode while npend > 0 */
	size_t npend;
	struct pg_entry **slots; /* open addressing, power-of-two size */
	size_t nslots, nentries;
	unsigned long next_name;
	bool tx;       /* a transaction was open at the last command (kept when the connection breaks) */
	bool readonly; /* session settings, applied again after a reconnect */
	long busy_ms;
	int (*busy)(void *ctx, int attempt); /* db_set_busy_handler(): how db_begin() waits, or NULL */
	void *busy_ctx;
	/* change notification */
	bool wrote;             /* the open transaction changed rows: its commit notifies */
	bool listening;         /* db_listen(): LISTEN again after a reconnect */
	struct db_stmt *notify; /* SELECT pg_notify(...), prepared at the first commit that wrote */
	/* reconnecting */
	bool down;           /* found broken, not yet opened again */
	uint64_t resets;     /* reconnects that succeeded */
	long backoff_ms;     /* after a failed attempt: the wait before the next one */
	int64_t retry_at_ms; /* CLOCK_MONOTONIC: no attempt before this… */
	uint64_t fail_seen;  /* …unless pg_reconnects moved since the failed attempt */
	char down_msg[300];  /* why the last attempt failed */
};

struct pg_param {
	char kind; /* 'i', 'd', 't', 'n' */
	char *text;
	char num[32];
};

struct pg_stmt {
	struct db_stmt base;
	struct pg_entry *entry; /* NULL when the cache is full: then the fields below own the text */
	char *own_sql;
	const char *pgsql;
	int nparams;
	struct pg_param *params;
	const char **values;
	char *sig;
	PGresult *res;
	int row, nrows;
	enum { ST_FRESH, ST_ROWS, ST_DONE } state;
};

static PGconn *C(struct db *db)
{
	return ((struct pg_db *)db)->c;
}

/* ---- placeholders ---- */

static bool ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || (unsigned char)ch >= 0x80;
}

/* The length of a dollar-quote tag ("$$" or "$tag$") at p, or 0. */
static size_t dollar_tag(const char *p)
{
	size_t n = 1;
	if (p[n] == '$')
		return 2;
	if (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_'))
		return 0;
	while (ident_char(p[n]) && p[n] != '$')
		n++;
	return p[n] == '$' ? n + 1 : 0;
}

/* Rewrites `?` and `?NNN` to $N (a bare `?` numbers one above the highest so far, as in SQLite).
 * Returns the malloc'd text, or NULL with msg filled. */
static char *rewrite_params(const char *sql, int *nparams, char *msg, size_t msgsz)
{
	size_t len = strlen(sql);
	char *out = malloc(len * 6 + 1), *o = out;
	if (!out) {
		snprintf(msg, msgsz, "out of memory");
		return NULL;
	}
	int max = 0;
	const char *p = sql;
	while (*p) {
		if (*p == '\'') {
			/* E'...' takes backslash escapes; '' is a quote in either. */
			bool esc =
			    p > sql && (p[-1] == 'E' || p[-1] == 'e') && (p - 1 == sql || !ident_char(p[-2]));
			*o++ = *p++;
			while (*p) {
				if (esc && *p == '\\' && p[1]) {
					*o++ = *p++;
					*o++ = *p++;
				} else if (*p == '\'' && p[1] == '\'') {
					*o++ = *p++;
					*o++ = *p++;
				} else if (*p == '\'') {
					*o++ = *p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
		} else if (*p == '"') {
			*o++ = *p++;
			while (*p && *p != '"')
				*o++ = *p++;
			if (*p)
				*o++ = *p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*o++ = *p++;
		} else if (p[0] == '/' && p[1] == '*') {
			/* PostgreSQL's block comments nest. */
			int depth = 0;
			do {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					*o++ = *p++;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					*o++ = *p++;
				}
				*o++ = *p++;
			} while (*p && depth > 0);
		} else if (*p == '$' && (p == sql || !ident_char(p[-1])) && dollar_tag(p)) {
			size_t n = dollar_tag(p);
			const char *tag = p, *end;
			memcpy(o, p, n);
			o += n;
			p += n;
			for (end = p; *end && strncmp(end, tag, n); end++)
				;
			size_t body = (size_t)(end - p) + (*end ? n : 0);
			memcpy(o, p, body);
			o += body;
			p += body;
		} else if (*p == '?') {
			long n;
			p++;
			if (*p >= '0' && *p <= '9') {
				char *e;
				errno = 0;
				n = strtol(p, &e, 10);
				if (errno || n < 1 || n > PG_MAX_PARAMS) {
					snprintf(msg, msgsz, "parameter ?%.*s out of range", (int)(e - p), p);
					free(out);
					return NULL;
				}
				p = e;
			} else {
				n = max + 1;
				if (n > PG_MAX_PARAMS) {
					snprintf(msg, msgsz, "too many parameters");
					free(out);
					return NULL;
				}
			}
			if (n > max)
				max = (int)n;
			o += snprintf(o, 8, "$%ld", n);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
}

/* ---- errors ---- */

/* Copies a libpq message to dst on one line: newlines and tabs become spaces, runs collapse, the
 * "ERROR:  " / "FATAL:  " prefixes go. */
static void one_line(char *dst, size_t dstsz, const char *src)
{
	size_t n = 0;
	bool space = true;
	if (!dstsz)
		return;
	for (const char *p = src ? src : ""; *p && n + 1 < dstsz; p++) {
		if (!strncmp(p, "ERROR:  ", 8) || !strncmp(p, "FATAL:  ", 8)) {
			p += 7;
			continue;
		}
		char ch = *p;
		if (ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ') {
			if (space)
				continue;
			ch = ' ';
			space = true;
		} else {
			space = false;
		}
		dst[n++] = ch;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

static enum db_errclass classify_state(const char *state)
{
	if (!state || !*state)
		return DBE_OTHER;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
		return DBE_SERIALIZATION;
	if (!strcmp(state, "55P03"))
		return DBE_BUSY;
	if (!strncmp(state, "08", 2) || !strcmp(state, "57P01") || !strcmp(state, "57P02") ||
	    !strcmp(state, "57P03"))
		return DBE_CONNECTION;
	if (!strncmp(state, "23", 2))
		return DBE_CONSTRAINT;
	if (!strcmp(state, "25006"))
		return DBE_READONLY;
	if (!strcmp(state, "53100"))
		return DBE_FULL;
	return DBE_OTHER;
}

/* Records the error of `res` (which may be NULL: then the connection's). Returns DB_ERR. */
static int fail_res(struct db *db, const PGresult *res)
{
	PGconn *c = C(db);
	char line[400];
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	enum db_errclass cls = classify_state(state);
	if (PQstatus(c) == CONNECTION_BAD || cls == DBE_CONNECTION) {
		const char *m = res && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				    ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				    : PQerrorMessage(c);
		one_line(line, sizeof line, m);
		return db_set_error(db, DBE_CONNECTION, "the connection to PostgreSQL was lost (%s)",
				    *line ? line : "no reason given");
	}
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!primary) {
		one_line(line, sizeof line, res ? PQresultErrorMessage(res) : PQerrorMessage(c));
		return db_set_error(db, cls, "%s", *line ? line : "unknown PostgreSQL error");
	}
	one_line(line, sizeof line, primary);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	if (detail) {
		char d[256];
		one_line(d, sizeof d, detail);
		return db_set_error(db, cls, "%s (%s)", line, d);
	}
	return db_set_error(db, cls, "%s", line);
}

/* ---- the statement cache ---- */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct pg_entry *cache_find(struct pg_db *d, const char *sql, uint64_t h)
{
	if (!d->nslots)
		return NULL;
	for (size_t i = h & (d->nslots - 1);; i = (i + 1) & (d->nslots - 1)) {
		struct pg_entry *e = d->slots[i];
		if (!e)
			return NULL;
		if (e->hash == h && !strcmp(e->sql, sql))
			return e;
	}
}

static void cache_put(struct pg_db *d, struct pg_entry *e)
{
	for (size_t i = e->hash & (d->nslots - 1);; i = (i + 1) & (d->nslots - 1))
		if (!d->slots[i]) {
			d->slots[i] = e;
			d->nentries++;
			return;
		}
}

/* Adds an entry; false when the cache is full or memory ran out. */
static bool cache_add(struct pg_db *d, struct pg_entry *e)
{
	if (d->nentries >= PG_CACHE_MAX)
		return false;
	if ((d->nentries + 1) * 2 > d->nslots) {
		size_t n = d->nslots ? d->nslots * 2 : 64;
		struct pg_entry **old = d->slots;
		size_t oldn = d->nslots;
		d->slots = calloc(n, sizeof *d->slots);
		if (!d->slots) {
			d->slots = old;
			return false;
		}
		d->nslots = n;
		d->nentries = 0;
		for (size_t i = 0; i < oldn; i++)
			if (old[i])
				cache_put(d, old[i]);
		free(old);
	}
	cache_put(d, e);
	return true;
}

static void variants_free(struct pg_variant *v)
{
	while (v) {
		struct pg_variant *next = v->next;
		free(v->sig);
		free(v);
		v = next;
	}
}

static void entry_free(struct pg_entry *e)
{
	variants_free(e->variants);
	free(e->sql);
	free(e->pgsql);
	free(e);
}

/* ---- connection ---- */

/* Forgets every server-side statement (they went with a lost session). */
static void cache_forget_variants(struct pg_db *d)
{
	for (size_t i = 0; i < d->nslots; i++)
		if (d->slots[i]) {
			variants_free(d->slots[i]->variants);
			d->slots[i]->variants = NULL;
		}
}

/* Records whether a transaction is open after a command; a broken connection keeps the last state,
 * so a transaction lost with its connection stays "open" until the caller rolls it back. */
static void note_tx(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (PQstatus(d->c) == CONNECTION_OK)
		d->tx = PQtransactionStatus(d->c) != PQTRANS_IDLE;
}

static int pg_exec_params(struct db *db, const char *sql, int n, const char *const *values);
static int pipe_settle(struct db *db);
static int session_setup(struct pg_db *d);
static void connect_error(PGconn *c, const char *where, const char *dbname, const char *user, char *msg,
			  size_t msgsz);

/*
 * Before a command: a connection that broke (server restarted, backend terminated, network) is
 * opened again — but only between transactions. A transaction that was open when it broke is gone on
 * the server; until the caller rolls it back every command fails, so nothing meant to be part of it
 * runs on its own in autocommit. This is what lets `tracker serve` outlive a database restart.
 */
/* Between transactions nothing should arrive on an idle connection but notifications: a readable
 * socket there may be the server closing it (restart, failover, terminated backend). Reading it then
 * lets the command reconnect first instead of failing on a connection libpq still thinks is up. One
 * poll() with no wait. */
static bool idle_broken(struct pg_db *d)
{
	if (PQtransactionStatus(d->c) != PQTRANS_IDLE)
		return false;
	struct pollfd p = {.fd = PQsocket(d->c), .events = POLLIN};
	if (p.fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	PQconsumeInput(d->c); /* notifications stay queued for db_notifications() */
	return PQstatus(d->c) != CONNECTION_OK;
}

static int ensure_connected(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (PQstatus(d->c) == CONNECTION_OK && (d->npend || !idle_broken(d)))
		return DB_OK;
	if (!d->down) {
		d->down = true;
		atomic_fetch_add(&pg_lost, 1);
	}
	if (d->tx)
		return db_set_error(db, DBE_CONNECTION,
				    "the connection to PostgreSQL was lost in the middle of a transaction, "
				    "which was rolled back");
	/* Another connection of this process got through since: the database is back, try at once. */
	int64_t now = mono_ms();
	if (d->backoff_ms && now < d->retry_at_ms && atomic_load(&pg_reconnects) == d->fail_seen)
		return db_set_error(db, DBE_CONNECTION,
				    "the connection to PostgreSQL was lost: %s (next attempt in %lld ms)",
				    d->down_msg, (long long)(d->retry_at_ms - now));
	/* PQreset goes through the target's hosts again (target_session_attrs included). */
	PQreset(d->c);
	if (PQstatus(d->c) != CONNECTION_OK) {
		const char *host = PQhost(d->c), *port = PQport(d->c), *dbn = PQdb(d->c);
		char where[200];
		snprintf(where, sizeof where, "%s:%s", host && *host ? host : "localhost",
			 port && *port ? port : "5432");
		connect_error(d->c, where, dbn ? dbn : "?", PQuser(d->c) ? PQuser(d->c) : "?", d->down_msg,
			      sizeof d->down_msg);
		atomic_fetch_add(&pg_reconnect_fails, 1);
		d->fail_seen = atomic_load(&pg_reconnects);
		d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : PG_BACKOFF_MIN_MS;
		if (d->backoff_ms > PG_BACKOFF_MAX_MS)
			d->backoff_ms = PG_BACKOFF_MAX_MS;
		d->retry_at_ms = mono_ms() + d->backoff_ms;
		return db_set_error(db, DBE_CONNECTION, "the connection to PostgreSQL was lost: %s",
				    d->down_msg);
	}
	d->down = false;
	d->backoff_ms = 0;
	d->resets++;
	d->npend = 0;
	d->wrote = false;
	atomic_fetch_add(&pg_reconnects, 1);
	cache_forget_variants(d);
	return session_setup(d);
}

static void pg_finalize(struct db_stmt *st);

static void pg_close(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (d->notify)
		pg_finalize(d->notify);
	for (size_t i = 0; i < d->nslots; i++)
		if (d->slots[i])
			entry_free(d->slots[i]);
	free(d->slots);
	free(d->pend);
	PQfinish(d->c);
	free(d);
}

static int pg_exec(struct db *db, const char *sql)
{
	if (ensure_connected(db) < 0 || pipe_settle(db) < 0)
		return DB_ERR;
	PGresult *res = PQexec(C(db), sql);
	note_tx(db);
	ExecStatusType st = PQresultStatus(res);
	int rc = DB_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
		rc = fail_res(db, res);
	else if (((struct pg_db *)db)->tx)
		((struct pg_db *)db)->wrote = true; /* DDL, migrations: counted as a change */
	PQclear(res);
	return rc;
}

/* Runs one statement with text parameters (no result wanted but its status). */
static int pg_exec_params(struct db *db, const char *sql, int n, const char *const *values)
{
	if (pipe_settle(db) < 0)
		return DB_ERR;
	PGresult *res = PQexecParams(C(db), sql, n, NULL, values, NULL, NULL, 0);
	note_tx(db);
	ExecStatusType st = PQresultStatus(res);
	int rc = DB_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = fail_res(db, res);
	PQclear(res);
	return rc;
}

static int pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_db *d = (struct pg_db *)db;
	uint64_t h = fnv1a(sql);
	struct pg_entry *e = cache_find(d, sql, h);
	struct pg_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return db_set_error(db, DBE_OTHER, "out of memory");
	s->base.db = db;
	if (e) {
		s->entry = e;
		s->pgsql = e->pgsql;
		s->nparams = e->nparams;
	} else {
		char msg[128];
		int n = 0;
		char *pgsql = rewrite_params(sql, &n, msg, sizeof msg);
		if (!pgsql) {
			free(s);
			return db_set_error(db, DBE_OTHER, "%s", msg);
		}
		e = calloc(1, sizeof *e);
		if (e && (e->sql = strdup(sql)) != NULL) {
			e->pgsql = pgsql;
			e->nparams = n;
			e->hash = h;
			if (cache_add(d, e)) {
				s->entry = e;
			} else {
				free(e->sql);
				free(e);
				e = NULL;
			}
		} else {
			free(e);
			e = NULL;
		}
		if (!e)
			s->own_sql = pgsql;
		s->pgsql = pgsql;
		s->nparams = n;
	}
	s->sig = calloc((size_t)s->nparams + 1, 1);
	if (s->nparams) {
		s->params = calloc((size_t)s->nparams, sizeof *s->params);
		s->values = calloc((size_t)s->nparams, sizeof *s->values);
	}
	if (!s->sig || (s->nparams && (!s->params || !s->values))) {
		free(s->params);
		free(s->values);
		free(s->sig);
		free(s->own_sql);
		free(s);
		return db_set_error(db, DBE_OTHER, "out of memory");
	}
	for (int i = 0; i < s->nparams; i++)
		s->params[i].kind = 'n';
	*out = &s->base;
	return DB_OK;
}

static void clear_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	s->state = ST_FRESH;
}

static int pg_bind(struct db_stmt *st, int idx, char kind, int64_t i, double dv, const char *t, int n)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	if (idx < 1 || idx > s->nparams)
		return db_set_error(st->db, DBE_OTHER,
				    "bind index %d out of range (the statement has %d parameters)", idx,
				    s->nparams);
	if (s->state != ST_FRESH)
		clear_result(s);
	struct pg_param *p = &s->params[idx - 1];
	free(p->text);
	p->text = NULL;
	p->kind = kind;
	switch (kind) {
	case 'i':
		snprintf(p->num, sizeof p->num, "%lld", (long long)i);
		break;
	case 'd':
		snprintf(p->num, sizeof p->num, "%.17g", dv);
		break;
	case 't': {
		size_t len = n < 0 ? strlen(t) : (size_t)n;
		if (memchr(t, '\0', len))
			return db_set_error(st->db, DBE_OTHER,
					    "a text value holds a NUL byte, which PostgreSQL cannot store");
		p->text = malloc(len + 1);
		if (!p->text) {
			p->kind = 'n';
			return db_set_error(st->db, DBE_OTHER, "out of memory");
		}
		memcpy(p->text, t, len);
		p->text[len] = '\0';
		break;
	}
	default:
		p->kind = 'n';
	}
	return DB_OK;
}

/* The parameter values and type signature of the current bindings. */
static void marshal(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		struct pg_param *p = &s->params[i];
		s->values[i] = p->kind == 'i' || p->kind == 'd' ? p->num : p->kind == 't' ? p->text : NULL;
		s->sig[i] = p->kind == 'i' ? 'i' : p->kind == 'd' ? 'd' : 'u';
	}
}

/* Drops a variant whose server-side statement is unusable, so the next step prepares it afresh. */
static void variant_drop(struct pg_entry *e, struct pg_variant *gone)
{
	for (struct pg_variant **pp = &e->variants; *pp; pp = &(*pp)->next)
		if (*pp == gone) {
			*pp = gone->next;
			gone->next = NULL;
			variants_free(gone);
			return;
		}
}

/* Rows inserted, updated or deleted (db.h: not the rows a SELECT returned, which libpq also counts). */
static int64_t cmd_tuples(PGresult *res)
{
	if (!strncmp(PQcmdStatus(res), "SELECT", 6))
		return 0;
	const char *t = PQcmdTuples(res);
	return t && *t ? strtoll(t, NULL, 10) : 0;
}

/* ---- deferred statements: libpq's pipeline mode ----
 *
 * db_step_deferred() inside a transaction sends the statement (and, the first time, its PQsendPrepare)
 * into the pipeline and returns. The next non-deferred call settles the pipeline: a step sends its own
 * statement behind the queued ones, then PQpipelineSync and the results are read in order — one round
 * trip for all of them. The first failure becomes that call's error, "WHAT: reason"; the server
 * answers everything after it in the same pipeline with PGRES_PIPELINE_ABORTED (not run), and the
 * transaction is failed, as after any failed statement. After a sync the connection leaves pipeline
 * mode, so everything else here works on a plain connection. */

/* Records the error of a queued statement, prefixed with its kind. */
static void fail_pending(struct db *db, const PGresult *res, const char *what)
{
	fail_res(db, res);
	if (what) {
		char m[sizeof db->errmsg];
		memcpy(m, db->errmsg, sizeof m);
		db_set_error(db, db->errclass, "%s: %s", what, m);
	}
}

static bool is_stale_statement(const PGresult *res)
{
	/* 26000: the server forgot the statement (DISCARD ALL); 0A000: "cached plan must not change
	 * result type" after a schema change. Prepare again next time. */
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return state && (!strcmp(state, "26000") || !strcmp(state, "0A000"));
}

/*
 * Syncs the pipeline and reads every queued result in order, then leaves pipeline mode. *tail (when
 * the last queued query is the caller's own, pend[].tail) receives its result if everything before
 * it succeeded. Returns DB_OK, or DB_ERR with the first failure recorded.
 */
static int pipe_drain(struct pg_db *d, PGresult **tail)
{
	PGconn *c = d->c;
	struct db *db = &d->base;
	bool failed = false;
	if (tail)
		*tail = NULL;
	if (PQpipelineSync(c) != 1) {
		fail_res(db, NULL);
		failed = true;
	}
	for (size_t i = 0; i < d->npend && !failed; i++) {
		struct pg_pending *p = &d->pend[i];
		PGresult *r = PQgetResult(c);
		if (!r) {
			fail_pending(db, NULL, p->what);
			failed = true;
			break;
		}
		ExecStatusType st = PQresultStatus(r);
		bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
		if (!ok) {
			if (p->prepare)
				variant_drop(p->entry, p->v);
			else if (p->entry && is_stale_statement(r))
				variant_drop(p->entry, p->v);
			if (st != PGRES_PIPELINE_ABORTED)
				fail_pending(db, r, p->tail ? NULL : p->what);
			else
				db_set_error(db, DBE_OTHER, "%s: not run: an earlier statement failed",
					     p->what ? p->what : "statement");
			failed = true;
		}
		if (ok && !p->prepare && cmd_tuples(r) > 0)
			d->wrote = true;
		if (ok && p->tail)
			*tail = r;
		else
			PQclear(r);
		/* each query's results end with NULL */
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
		if (failed) {
			/* The rest were aborted by the server: the variants they would have prepared are not
			 * there. */
			for (size_t j = i + 1; j < d->npend; j++)
				if (d->pend[j].prepare)
					variant_drop(d->pend[j].entry, d->pend[j].v);
		}
		if (PQstatus(c) != CONNECTION_OK && !failed) {
			fail_res(db, NULL);
			failed = true;
		}
	}
	/* The rest of the answers (aborted ones) up to the sync, which ends the pipeline. */
	size_t nulls = 0; /* one after each aborted query's answer: never more than the queue */
	while (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQgetResult(c);
		if (!r) {
			if (++nulls > d->npend + 1)
				break;
			continue;
		}
		ExecStatusType st = PQresultStatus(r);
		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	if (PQstatus(c) == CONNECTION_OK && PQexitPipelineMode(c) != 1 && !failed) {
		fail_res(db, NULL);
		failed = true;
	}
	d->npend = 0;
	note_tx(db);
	if (failed && tail && *tail) {
		PQclear(*tail);
		*tail = NULL;
	}
	return failed ? DB_ERR : DB_OK;
}

/* Before a command that is not deferred: waits for the queued statements. */
static int pipe_settle(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	return d->npend ? pipe_drain(d, NULL) : DB_OK;
}

/* The statement's variant for its current bindings, looked up only. */
static struct pg_variant *variant_find(struct pg_stmt *s)
{
	for (struct pg_variant *v = s->entry->variants; v; v = v->next)
		if (!strcmp(v->sig, s->sig))
			return v;
	return NULL;
}

/* A new variant for the statement's bindings (not yet on the server) and its parameter types. */
static struct pg_variant *variant_new(struct pg_stmt *s, Oid **types)
{
	struct pg_db *d = (struct pg_db *)s->base.db;
	struct pg_variant *v = calloc(1, sizeof *v);
	*types = s->nparams ? calloc((size_t)s->nparams, sizeof **types) : NULL;
	if (!v || (s->nparams && !*types) || !(v->sig = strdup(s->sig))) {
		free(*types);
		*types = NULL;
		if (v)
			free(v->sig);
		free(v);
		db_set_error(s->base.db, DBE_OTHER, "out of memory");
		return NULL;
	}
	for (int i = 0; i < s->nparams; i++) /* int8 is OID 20, float8 701 (pg_type.dat) */
		(*types)[i] = s->sig[i] == 'i' ? 20 : s->sig[i] == 'd' ? 701 : 0;
	snprintf(v->name, sizeof v->name, "tracker_%lu", ++d->next_name);
	return v;
}

/* A send into the pipeline failed (libpq could not write: the connection is gone). */
static int pipe_send_failed(struct pg_db *d, const char *what)
{
	char m[400];
	one_line(m, sizeof m, PQerrorMessage(d->c));
	pipe_drain(d, NULL);
	return db_set_error(&d->base, DBE_CONNECTION, "%s: cannot send the statement to PostgreSQL (%s)",
			    what ? what : "statement", *m ? m : "no reason given");
}

/* Sends the statement with its current bindings into the pipeline (entering pipeline mode, and
 * preparing its variant there the first time). */
static int pipe_send(struct pg_stmt *s, const char *what, bool tail)
{
	struct pg_db *d = (struct pg_db *)s->base.db;
	PGconn *c = d->c;
	if (!d->pend && !(d->pend = calloc(PG_PIPE_MAX, sizeof *d->pend)))
		return db_set_error(&d->base, DBE_OTHER, "out of memory");
	if (d->npend + 2 > PG_PIPE_MAX && pipe_drain(d, NULL) < 0)
		return DB_ERR;
	if (!d->npend && PQenterPipelineMode(c) != 1)
		return fail_res(&d->base, NULL);
	struct pg_variant *v = variant_find(s);
	if (!v) {
		Oid *types;
		if (!(v = variant_new(s, &types))) {
			pipe_settle(&d->base);
			return db_set_error(&d->base, DBE_OTHER, "out of memory");
		}
		int ok = PQsendPrepare(c, v->name, s->entry->pgsql, s->nparams, types);
		free(types);
		if (!ok) {
			variants_free(v);
			return pipe_send_failed(d, what);
		}
		v->next = s->entry->variants;
		s->entry->variants = v;
		d->pend[d->npend++] =
		    (struct pg_pending){.what = what, .entry = s->entry, .v = v, .prepare = true};
	}
	if (!PQsendQueryPrepared(c, v->name, s->nparams, s->values, NULL, NULL, 0))
		return pipe_send_failed(d, what);
	d->pend[d->npend++] = (struct pg_pending){.what = what, .entry = s->entry, .v = v, .tail = tail};
	/* A deferred statement is a write by contract (db.h): counted at once, so the commit that drains
	 * it notifies (and the notification travels in the same round trip). */
	if (!tail && &s->base != d->notify)
		d->wrote = true;
	return DB_OK;
}

static int pg_flush(struct db *db)
{
	return pipe_settle(db);
}

/* Prepares the statement's current variant on the server if it is not yet. */
static struct pg_variant *variant(struct pg_stmt *s)
{
	struct pg_db *d = (struct pg_db *)s->base.db;
	struct pg_variant *v = variant_find(s);
	if (v)
		return v;
	Oid *types;
	if (!(v = variant_new(s, &types)))
		return NULL;
	PGresult *res = PQprepare(d->c, v->name, s->entry->pgsql, s->nparams, types);
	free(types);
	note_tx(s->base.db);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fail_res(s->base.db, res);
		PQclear(res);
		variants_free(v);
		return NULL;
	}
	PQclear(res);
	v->next = s->entry->variants;
	s->entry->variants = v;
	return v;
}

/* A statement changed rows: inside a transaction its commit notifies; in autocommit the change is
 * committed already and the notification goes now (best effort: the change stands either way). */
static void wrote_rows(struct pg_db *d)
{
	if (PQstatus(d->c) == CONNECTION_OK && PQtransactionStatus(d->c) == PQTRANS_IDLE) {
		const char *values[] = {db_notify_tag()};
		PQclear(PQexecParams(d->c, "SELECT pg_notify('" PG_CHANNEL "', $1)", 1, NULL, values, NULL,
				     NULL, 0));
		return;
	}
	d->wrote = true;
}

static int execute(struct pg_stmt *s)
{
	struct db *db = s->base.db;
	if (ensure_connected(db) < 0)
		return DB_ERR;
	PGconn *c = C(db);
	marshal(s);
	PGresult *res;
	if (((struct pg_db *)db)->npend && s->entry) {
		/* Deferred statements wait: this one goes behind them, one round trip for all. */
		if (pipe_send(s, NULL, true) < 0 || pipe_drain((struct pg_db *)db, &res) < 0)
			return DB_ERR;
	} else if (pipe_settle(db) < 0) {
		return DB_ERR;
	} else if (s->entry) {
		struct pg_variant *v = variant(s);
		if (!v)
			return DB_ERR;
		res = PQexecPrepared(c, v->name, s->nparams, s->values, NULL, NULL, 0);
		if (is_stale_statement(res))
			variant_drop(s->entry, v);
	} else {
		Oid *types = s->nparams ? calloc((size_t)s->nparams, sizeof *types) : NULL;
		if (s->nparams && !types)
			return db_set_error(db, DBE_OTHER, "out of memory");
		for (int i = 0; i < s->nparams; i++)
			types[i] = s->sig[i] == 'i' ? 20 : s->sig[i] == 'd' ? 701 : 0;
		res = PQexecParams(c, s->pgsql, s->nparams, types, s->values, NULL, NULL, 0);
		free(types);
	}
	note_tx(db);
	ExecStatusType st = PQresultStatus(res);
	if ((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) && cmd_tuples(res) > 0)
		wrote_rows((struct pg_db *)db);
	if (st == PGRES_TUPLES_OK) {
		s->res = res;
		s->nrows = PQntuples(res);
		s->row = -1;
		s->state = ST_ROWS;
		return DB_OK;
	}
	if (st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) {
		s->base.changes = cmd_tuples(res);
		s->res = res;
		s->nrows = 0;
		s->row = -1;
		s->state = ST_DONE;
		return DB_OK;
	}
	fail_res(db, res);
	PQclear(res);
	return DB_ERR;
}

static int pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	if (s->state == ST_DONE) /* stepping a finished statement runs it again, as sqlite3_step() does */
		clear_result(s);
	if (s->state == ST_FRESH) {
		if (execute(s) < 0)
			return DB_ERR;
		if (s->state == ST_DONE)
			return DB_DONE;
	}
	if (++s->row < s->nrows)
		return DB_ROW;
	s->base.changes = cmd_tuples(s->res);
	s->state = ST_DONE;
	return DB_DONE;
}

/* db_step_deferred(): queued inside a transaction (see "deferred statements" above), else a step. */
static int pg_step_deferred(struct db_stmt *st, const char *what)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	struct pg_db *d = (struct pg_db *)st->db;
	if (s->state != ST_FRESH)
		clear_result(s);
	bool queue = s->entry && PQstatus(d->c) == CONNECTION_OK &&
		     (d->npend || PQtransactionStatus(d->c) == PQTRANS_INTRANS);
	if (!queue) {
		int rc;
		while ((rc = pg_step(st)) == DB_ROW)
			;
		return rc == DB_DONE ? DB_DONE : DB_ERR;
	}
	marshal(s);
	if (pipe_send(s, what, false) < 0)
		return DB_ERR;
	st->changes = 0;
	s->state = ST_DONE;
	return DB_DONE;
}

static int pg_reset(struct db_stmt *st)
{
	clear_result((struct pg_stmt *)st);
	return DB_OK;
}

static int pg_clear(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	clear_result(s);
	for (int i = 0; i < s->nparams; i++) {
		free(s->params[i].text);
		s->params[i].text = NULL;
		s->params[i].kind = 'n';
	}
	return DB_OK;
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	PQclear(s->res);
	for (int i = 0; i < s->nparams; i++)
		free(s->params[i].text);
	free(s->params);
	free(s->values);
	free(s->sig);
	free(s->own_sql);
	free(s);
}

/* The current row's value, or NULL (no row, no such column, or SQL NULL). */
static const char *value(struct db_stmt *st, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	if (s->state != ST_ROWS || s->row < 0 || s->row >= s->nrows || col < 0 || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static int pg_column_count(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	return s->res ? PQnfields(s->res) : 0;
}
static bool pg_is_null(struct db_stmt *st, int c)
{
	return value(st, c) == NULL;
}
static double pg_double(struct db_stmt *st, int c)
{
	const char *v = value(st, c);
	if (!v)
		return 0;
	if (!strcmp(v, "t"))
		return 1;
	if (!strcmp(v, "f"))
		return 0;
	return strtod(v, NULL);
}
static int64_t pg_col_int64(struct db_stmt *st, int c)
{
	const char *v = value(st, c);
	if (!v)
		return 0;
	if (!strcmp(v, "t"))
		return 1;
	if (!strcmp(v, "f"))
		return 0;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E' || errno == ERANGE || end == v) {
		/* numeric or float text (avg(), sum() of numeric): truncated toward zero like SQLite */
		double dv = strtod(v, NULL);
		if (dv != dv)
			return 0;
		if (dv >= 9223372036854775807.0)
			return INT64_MAX;
		if (dv <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)dv;
	}
	return n;
}
static const char *pg_text(struct db_stmt *st, int c)
{
	return value(st, c);
}
static int pg_bytes(struct db_stmt *st, int c)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	return value(st, c) ? PQgetlength(s->res, s->row, c) : 0;
}

/* ---- transactions ---- */

static int pg_rollback_quiet(struct db *db)
{
	PGconn *c = C(db);
	if (((struct pg_db *)db)->npend) { /* their answers no longer matter, only the error kept */
		char m[sizeof db->errmsg];
		enum db_errclass cls = db->errclass;
		memcpy(m, db->errmsg, sizeof m);
		pipe_settle(db);
		db_set_error(db, cls, "%s", m);
	}
	if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	((struct pg_db *)db)->tx = false; /* also one that went with a broken connection */
	((struct pg_db *)db)->wrote = false;
	return DB_ERR;
}

/* db_begin() with a busy handler (db_set_busy_handler): try the write lock without waiting, and ask the
 * handler after each failed try whether to try again — the same policy as SQLite's busy handler. */
static int pg_begin_polling(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	const char *try_lock = "SELECT pg_try_advisory_xact_lock(" TRACKER_PG_WRITE_LOCK ")";
	d->wrote = false;
	PGresult *res = PQexec(d->c, "BEGIN");
	note_tx(db);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fail_res(db, res);
		PQclear(res);
		return pg_rollback_quiet(db);
	}
	PQclear(res);
	for (int attempt = 0;; attempt++) {
		res = PQexec(d->c, try_lock);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			fail_res(db, res);
			PQclear(res);
			return pg_rollback_quiet(db);
		}
		bool got = !strcmp(PQgetvalue(res, 0, 0), "t");
		PQclear(res);
		if (got)
			return DB_OK;
		if (!d->busy(d->busy_ctx, attempt)) {
			pg_rollback_quiet(db);
			return db_set_error(
			    db, DBE_BUSY,
			    "database is locked: another writer holds PostgreSQL's tracker write "
			    "lock");
		}
	}
}

static int pg_busy_handler(struct db *db, int (*wait)(void *ctx, int attempt), void *ctx)
{
	struct pg_db *d = (struct pg_db *)db;
	d->busy = wait;
	d->busy_ctx = ctx;
	return 0;
}

/* Before BEGIN: connected, nothing queued, no transaction open. */
static int begin_ready(struct db *db)
{
	if (ensure_connected(db) < 0 || pipe_settle(db) < 0)
		return DB_ERR;
	if (PQtransactionStatus(C(db)) != PQTRANS_IDLE)
		return db_set_error(db, DBE_OTHER, "a transaction is already open");
	return DB_OK;
}

static int pg_begin(struct db *db)
{
	if (begin_ready(db) < 0)
		return DB_ERR;
	PGconn *c = C(db);
	struct pg_db *d = (struct pg_db *)db;
	if (d->busy)
		return pg_begin_polling(db);
	/* One round trip: both statements in one simple query. */
	d->wrote = false;
	PGresult *res = PQexec(c, "BEGIN; SELECT pg_advisory_xact_lock(" TRACKER_PG_WRITE_LOCK ")");
	note_tx(db);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fail_res(db, res);
		PQclear(res);
		if (db->errclass == DBE_BUSY)
			db_set_error(db, DBE_BUSY,
				     "database is locked: another writer held PostgreSQL's tracker write "
				     "lock longer than the lock timeout");
		return pg_rollback_quiet(db);
	}
	PQclear(res);
	return DB_OK;
}

/* db_begin_rows(): a transaction without the write lock; the statements in it lock rows (FOR UPDATE
 * SKIP LOCKED, UPDATE) and wait at most lock_timeout for one. READ COMMITTED is named even though it is
 * the server's default, so a database whose default_transaction_isolation was raised does not turn a
 * skipped row into a serialization failure. */
static int pg_begin_rows(struct db *db)
{
	if (begin_ready(db) < 0)
		return DB_ERR;
	PGconn *c = C(db);
	((struct pg_db *)db)->wrote = false;
	PGresult *res = PQexec(c, "BEGIN ISOLATION LEVEL READ COMMITTED");
	note_tx(db);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fail_res(db, res);
		PQclear(res);
		return pg_rollback_quiet(db);
	}
	PQclear(res);
	return DB_OK;
}

/* Queues the notification of a transaction that wrote, to go just before its COMMIT. */
static int queue_notify(struct pg_db *d)
{
	if (!d->notify && pg_prepare(&d->base, "SELECT pg_notify('" PG_CHANNEL "', ?)", &d->notify) < 0)
		return DB_ERR;
	pg_reset(d->notify);
	if (pg_bind(d->notify, 1, 't', 0, 0, db_notify_tag(), -1) < 0)
		return DB_ERR;
	return pg_step_deferred(d->notify, "notifying the other tracker processes") == DB_DONE ? DB_OK
											       : DB_ERR;
}

static int pg_commit(struct db *db)
{
	PGconn *c = C(db);
	struct pg_db *d = (struct pg_db *)db;
	bool wrote = d->wrote;
	d->wrote = false;
	/* (with deferred statements queued the status is "active": they go first) */
	if (wrote && PQstatus(c) == CONNECTION_OK &&
	    (d->npend || PQtransactionStatus(c) == PQTRANS_INTRANS) && queue_notify(d) < 0)
		return pg_rollback_quiet(db);
	/* The deferred statements first: one that failed fails the commit (the transaction is rolled
	 * back with its message). */
	if (pipe_settle(db) < 0)
		return pg_rollback_quiet(db);
	if (PQstatus(c) != CONNECTION_OK) {
		pg_rollback_quiet(db);
		return db_set_error(db, DBE_CONNECTION,
				    "the connection to PostgreSQL was lost in the middle of a transaction, "
				    "which was rolled back");
	}
	if (PQtransactionStatus(c) == PQTRANS_INERROR) {
		pg_rollback_quiet(db);
		return db_set_error(db, DBE_OTHER,
				    "the transaction was rolled back: an earlier statement in it failed");
	}
	PGresult *res = PQexec(c, "COMMIT");
	d->tx = false;
	d->wrote = false;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fail_res(db, res);
		PQclear(res);
		return pg_rollback_quiet(db);
	}
	/* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK. */
	bool rolled_back = !strcmp(PQcmdStatus(res), "ROLLBACK");
	PQclear(res);
	if (rolled_back)
		return db_set_error(db, DBE_OTHER,
				    "the transaction was rolled back: an earlier statement in it failed");
	return DB_OK;
}

static void pg_rollback(struct db *db)
{
	pg_rollback_quiet(db);
}

static bool pg_in_tx(struct db *db)
{
	if (PQstatus(C(db)) != CONNECTION_OK)
		return ((struct pg_db *)db)->tx;
	PGTransactionStatusType t = PQtransactionStatus(C(db));
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* ---- versions ---- */

/* Runs a one-row, one-column query; *out is the text (malloc'd, NULL for SQL NULL). */
static int query_one(struct db *db, const char *sql, int n, const char *const *values, char **out)
{
	*out = NULL;
	if (ensure_connected(db) < 0 || pipe_settle(db) < 0)
		return DB_ERR;
	PGresult *res = PQexecParams(C(db), sql, n, NULL, values, NULL, NULL, 0);
	note_tx(db);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fail_res(db, res);
		PQclear(res);
		return DB_ERR;
	}
	if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0)) {
		*out = strdup(PQgetvalue(res, 0, 0));
		if (!*out) {
			PQclear(res);
			return db_set_error(db, DBE_OTHER, "out of memory");
		}
	}
	PQclear(res);
	return DB_OK;
}

static int pg_schema_version(struct db *db, int *version)
{
	char *t;
	*version = 0;
	/* pg_tables, read under the statement's snapshot, not to_regclass(): that looks in the catalog
	 * cache, which may still hold "no such table" from before another instance's migration committed
	 * (invalidations are taken at the next lock, and the re-read under the write lock takes none). */
	if (query_one(db,
		      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
		      "AND tablename = 'tracker_schema')",
		      0, NULL, &t) < 0)
		return DB_ERR;
	bool exists = t && !strcmp(t, "t");
	free(t);
	if (!exists)
		return DB_OK;
	if (query_one(db, "SELECT max(version) FROM tracker_schema", 0, NULL, &t) < 0)
		return DB_ERR;
	if (t)
		*version = (int)strtol(t, NULL, 10);
	free(t);
	return DB_OK;
}

static int pg_set_schema_version(struct db *db, int version)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	const char *values[] = {v};
	if (pg_exec(db, "CREATE TABLE IF NOT EXISTS tracker_schema (version integer NOT NULL); "
			"DELETE FROM tracker_schema") < 0)
		return DB_ERR;
	return pg_exec_params(db, "INSERT INTO tracker_schema (version) VALUES ($1::integer)", 1, values);
}

/*
 * The data version is a digest of the server's current snapshot (pg_current_snapshot(): xmin, xmax
 * and the transactions in progress), not the WAL position. A snapshot fixes exactly which
 * transactions' changes are visible, and it changes whenever any transaction that wrote commits or
 * aborts; reads leave it alone. The WAL position would race: a commit's WAL record is written (and the
 * position moves) a moment before the commit becomes visible, so a reader could take the new position
 * together with the old data and keep a stale cache for good. Snapshots are cluster-wide, so writes to
 * other databases change the number too — more often, never less, as db.h allows. On a standby the
 * snapshot follows replay.
 */
static int pg_data_version(struct db *db, int64_t *version)
{
	char *t;
	if (query_one(db, "SELECT pg_current_snapshot()::text", 0, NULL, &t) < 0)
		return DB_ERR;
	*version = t ? (int64_t)(fnv1a(t) >> 1) : 0;
	free(t);
	return DB_OK;
}

/* ---- change notification, health ---- */

static int pg_listen(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (ensure_connected(db) < 0)
		return DB_ERR;
	if (d->listening) /* session_setup() listens again after a reconnect */
		return DB_OK;
	if (pg_exec(db, "LISTEN " PG_CHANNEL) < 0)
		return DB_ERR;
	d->listening = true;
	return DB_OK;
}

static int pg_socket(struct db *db)
{
	return PQsocket(C(db));
}

static int pg_notifications(struct db *db, int *others, int *own)
{
	struct pg_db *d = (struct pg_db *)db;
	if (PQstatus(d->c) != CONNECTION_OK || !PQconsumeInput(d->c) || PQstatus(d->c) != CONNECTION_OK) {
		if (!d->down) {
			d->down = true;
			atomic_fetch_add(&pg_lost, 1);
		}
		return fail_res(db, NULL);
	}
	const char *tag = db_notify_tag();
	PGnotify *n;
	while ((n = PQnotifies(d->c)) != NULL) {
		if (n->extra && !strcmp(n->extra, tag))
			(*own)++;
		else
			(*others)++;
		PQfreemem(n);
	}
	return DB_OK;
}

static uint64_t pg_reconnect_count(struct db *db)
{
	return ((struct pg_db *)db)->resets;
}

/* reset_val is the setting without this session's own SET (session_setup() makes read-only
 * connections read-only by default): the server's, the database's or the role's default. */
static int pg_writable(struct db *db, bool *writable)
{
	char *t;
	if (query_one(
		db,
		"SELECT NOT pg_is_in_recovery() AND coalesce((SELECT reset_val FROM pg_catalog.pg_settings "
		"WHERE name = 'default_transaction_read_only'), 'off') = 'off'",
		0, NULL, &t) < 0)
		return DB_ERR;
	*writable = t && !strcmp(t, "t");
	free(t);
	return DB_OK;
}

static const struct db_ops pg_ops = {
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .step_deferred = pg_step_deferred,
    .flush = pg_flush,
    .reset = pg_reset,
    .clear_bindings = pg_clear,
    .finalize = pg_finalize,
    .column_count = pg_column_count,
    .column_is_null = pg_is_null,
    .column_int64 = pg_col_int64,
    .column_double = pg_double,
    .column_text = pg_text,
    .column_bytes = pg_bytes,
    .begin = pg_begin,
    .begin_rows = pg_begin_rows,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_tx,
    .schema_version = pg_schema_version,
    .set_schema_version = pg_set_schema_version,
    .data_version = pg_data_version,
    .busy_handler = pg_busy_handler,
    .writable = pg_writable,
    .listen = pg_listen,
    .socket = pg_socket,
    .notifications = pg_notifications,
    .reconnect_count = pg_reconnect_count,
};

/* ---- opening ---- */

static void ignore_notice(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* A libpq parse error with every quoted part blanked: it may quote the target, password included. */
static void scrub_quoted(char *dst, size_t dstsz, const char *src)
{
	char line[400];
	one_line(line, sizeof line, src);
	size_t n = 0;
	bool in = false;
	for (const char *p = line; *p && n + 4 < dstsz; p++) {
		if (*p == '"') {
			if (!in) {
				memcpy(dst + n, "\"...", 4);
				n += 4;
			} else {
				dst[n++] = '"';
			}
			in = !in;
		} else if (!in) {
			dst[n++] = *p;
		}
	}
	dst[n] = '\0';
}

static const char *opt(PQconninfoOption *o, const char *key)
{
	for (; o && o->keyword; o++)
		if (!strcmp(o->keyword, key))
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

/* The message for a connection that failed, by what went wrong. */
static void connect_error(PGconn *c, const char *where, const char *dbname, const char *user, char *msg,
			  size_t msgsz)
{
	char line[400];
	one_line(line, sizeof line, PQerrorMessage(c));
	if (strstr(line, "does not exist") && strstr(line, "database \""))
		snprintf(msg, msgsz,
			 "PostgreSQL database \"%s\" does not exist on %s; create it first "
			 "(createdb -O %s %s, or CREATE DATABASE in psql), then run tracker db init",
			 dbname, where, user, dbname);
	else if (strstr(line, "password authentication failed") ||
		 strstr(line, "authentication failed for user"))
		snprintf(msg, msgsz,
			 "PostgreSQL on %s refused the password for user \"%s\" (check [store] "
			 "password_file, $PGPASSFILE or ~/.pgpass)",
			 where, user);
	else if (strstr(line, "no password supplied"))
		snprintf(msg, msgsz,
			 "PostgreSQL on %s wants a password for user \"%s\" and none was found (set "
			 "[store] password_file, $PGPASSFILE or ~/.pgpass)",
			 where, user);
	else if (strstr(line, "Connection refused") || strstr(line, "No such file or directory") ||
		 strstr(line, "could not translate host name") || strstr(line, "timeout expired") ||
		 strstr(line, "Network is unreachable") || strstr(line, "No route to host") ||
		 strstr(line, "the database system is starting up") ||
		 strstr(line, "the database system is shutting down"))
		snprintf(msg, msgsz, "cannot reach the PostgreSQL server on %s: is it running? (%s)", where,
			 line);
	else
		snprintf(msg, msgsz, "cannot connect to PostgreSQL on %s: %s", where, line);
}

/* The session's settings, every value bound: UTF-8, the lock timeout, read-only if asked. */
static int session_setup(struct pg_db *d)
{
	char lock[32];
	snprintf(lock, sizeof lock, "%ldms", d->busy_ms > 0 ? d->busy_ms : 5000);
	const char *v1[] = {lock};
	PQsetNoticeReceiver(d->c, ignore_notice, NULL);
	if (PQsetClientEncoding(d->c, "UTF8") != 0)
		return db_set_error(&d->base, DBE_CONNECTION, "cannot set the client encoding to UTF8");
	/* Read-only only when asked: a role the DBA made read-only stays so. */
	if (pg_exec_params(&d->base,
			   d->readonly ? "SELECT set_config('lock_timeout', $1, false), "
					 "set_config('default_transaction_read_only', 'on', false)"
				       : "SELECT set_config('lock_timeout', $1, false)",
			   1, v1) < 0)
		return DB_ERR;
	/* A listener listens again on its new session (notifications sent meanwhile are lost: the
	 * caller sees db_reconnect_count() move and treats everything as changed). */
	if (d->listening && pg_exec(&d->base, "LISTEN " PG_CHANNEL) < 0)
		return DB_ERR;
	return DB_OK;
}

struct db *db_pg_open(const char *conninfo, int flags, long busy_ms, char *msg, size_t msgsz)
{
	char *perr = NULL;
	PQconninfoOption *o = PQconninfoParse(conninfo, &perr);
	if (!o) {
		char clean[400];
		scrub_quoted(clean, sizeof clean, perr ? perr : "out of memory");
		snprintf(msg, msgsz, "cannot use the PostgreSQL connection string: %s", clean);
		PQfreemem(perr);
		return NULL;
	}
	const char *given_timeout = opt(o, "connect_timeout");
	const char *env_timeout = getenv("PGCONNECT_TIMEOUT");
	bool add_timeout = !given_timeout && !(env_timeout && *env_timeout);
	PQconninfoFree(o);

	/* Defaults first: what the target itself says comes later and wins (expand_dbname). */
	const char *keys[5], *vals[5];
	int k = 0;
	keys[k] = "fallback_application_name", vals[k++] = "tracker";
	if (add_timeout)
		keys[k] = "connect_timeout", vals[k++] = "10";
	keys[k] = "dbname", vals[k++] = conninfo;
	keys[k] = NULL, vals[k] = NULL;

	struct pg_db *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(msg, msgsz, "out of memory");
		return NULL;
	}
	d->base.ops = &pg_ops;
	d->base.engine = DB_POSTGRESQL;
	d->c = PQconnectdbParams(keys, vals, 1);
	if (!d->c) {
		snprintf(msg, msgsz, "out of memory");
		free(d);
		return NULL;
	}
	const char *host = PQhost(d->c), *port = PQport(d->c), *db = PQdb(d->c), *user = PQuser(d->c);
	char where[200];
	snprintf(where, sizeof where, "%s:%s", host && *host ? host : "localhost",
		 port && *port ? port : "5432");
	snprintf(d->base.desc, sizeof d->base.desc, "postgresql %s on %s", db ? db : "?", where);
	if (PQstatus(d->c) != CONNECTION_OK) {
		connect_error(d->c, where, db ? db : "?", user ? user : "?", msg, msgsz);
		PQfinish(d->c);
		free(d);
		return NULL;
	}
	d->readonly = flags & DB_OPEN_READONLY;
	d->busy_ms = busy_ms;
	if (session_setup(d) < 0) {
		snprintf(msg, msgsz, "%s: %s", d->base.desc, d->base.errmsg);
		PQfinish(d->c);
		free(d);
		return NULL;
	}
	return &d->base;
}

int db_pg_libversion(void)
{
	return PQlibVersion();
}
