/*
 * copy.c — copying a whole store between databases, on either engine, and the per-table checksum
 * that proves it (see copy.h).
 *
 * The statements name tables and columns, so their text is assembled here — from the fixed table list
 * below and from column names read from the catalog, each checked to be a plain lower-case identifier
 * and quoted. No value ever goes into the text: every value is bound.
 */
#include "copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "banned.h"

/* A table: its key (the primary key, a single column), whether the key is text, and the column that
 * references the table itself (filled in a second pass), if any. */
struct table_spec {
	const char *name;
	const char *key;
	bool text_key;
	const char *self_ref;
};

/* Foreign-key order: every reference points to an earlier table, or to its own (self_ref). */
static const struct table_spec specs[] = {
    {"people", "handle", true, NULL},
    {"incidents", "id", true, "rekeyed_to"},
    {"items", "id", false, NULL},
    {"event_origins", "id", false, NULL},
    {"events", "id", false, NULL},
    {"outbox", "id", false, NULL},
    {"reminders_sent", "id", false, NULL},
    {"api_tokens", "id", false, NULL},
    {"feeds", "id", false, NULL},
    {"sessions", "id", false, NULL},
    {"action_nonces", "nonce", true, NULL},
    {"sources", "name", true, NULL},
    {"source_deliveries", "id", false, NULL},
    {"source_own_commits", "id", false, NULL},
    {"source_history", "id", false, NULL},
};
enum { NSPECS = sizeof specs / sizeof specs[0] };

const char *copy_table_name(size_t i)
{
	return i < NSPECS ? specs[i].name : NULL;
}

/* Rows read per statement (keyset pages: bounded memory on PostgreSQL, which fetches whole results),
 * and the most parameters one INSERT may carry. */
enum { PAGE_ROWS = 5000, MAX_BATCH_PARAMS = 2000, MAX_BATCH_ROWS = 64 };

struct column {
	char *name;
	char kind; /* 'i' integer (and boolean), 'r' real, 't' text */
};

struct table {
	const struct table_spec *spec;
	struct column *cols;
	size_t ncols;
	size_t key_col;  /* index of the key in cols */
	size_t self_col; /* index of spec->self_ref in cols, or ncols */
	char *select_first, *select_next;
};

static bool plain_ident(const char *s)
{
	if (!s || !*s || strlen(s) > 63 || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static const struct table_spec *spec_of(const char *name)
{
	for (size_t i = 0; i < NSPECS; i++)
		if (!strcmp(specs[i].name, name))
			return &specs[i];
	return NULL;
}

static void table_release(struct table *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
	free(t->select_first);
	free(t->select_next);
	memset(t, 0, sizeof *t);
}

/* The kind of a declared column type, as far as copying and the checksum care. */
static char kind_of(const char *type)
{
	char lower[64];
	size_t n = 0;
	for (; type && type[n] && n + 1 < sizeof lower; n++)
		lower[n] = (char)(type[n] >= 'A' && type[n] <= 'Z' ? type[n] + 32 : type[n]);
	lower[n] = '\0';
	if (strstr(lower, "int") || !strcmp(lower, "boolean"))
		return 'i';
	if (strstr(lower, "real") || strstr(lower, "double") || strstr(lower, "numeric") ||
	    strstr(lower, "float"))
		return 'r';
	return 't';
}

static int fail_oom(struct error *err)
{
	return error_set(err, ERR_STORE, "out of memory");
}

/* Reads a table's columns from the catalog, in name order. */
static int load_columns(struct store *st, const struct table_spec *spec, struct table *t, struct error *err)
{
	struct db_stmt *s;
	memset(t, 0, sizeof *t);
	t->spec = spec;
	/* The catalogs differ: SQLite's table_info pragma, PostgreSQL's information_schema. */
	if (store_sql(st, &s,
		      db_pick(st->conn, "SELECT name, type FROM pragma_table_info(?) ORDER BY name",
			      "SELECT column_name, data_type FROM information_schema.columns "
			      "WHERE table_schema = current_schema() AND table_name = CAST(? AS TEXT) "
			      "ORDER BY column_name COLLATE \"C\""),
		      err) < 0)
		return -1;
	db_bind_text(s, 1, spec->name);
	int rc;
	size_t cap = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		const char *name = db_column_text(s, 0);
		if (!plain_ident(name)) {
			db_finalize(s);
			return error_set(err, ERR_STORE, "%s: table %s has a column named \"%s\", which %s",
					 store_describe(st), spec->name, name ? name : "",
					 "this tracker does not know how to copy");
		}
		if (t->ncols == cap) {
			cap = cap ? cap * 2 : 32;
			struct column *c = realloc(t->cols, cap * sizeof *c);
			if (!c) {
				db_finalize(s);
				return fail_oom(err);
			}
			t->cols = c;
		}
		t->cols[t->ncols].name = strdup(name);
		t->cols[t->ncols].kind = kind_of(db_column_text(s, 1));
		if (!t->cols[t->ncols].name) {
			db_finalize(s);
			return fail_oom(err);
		}
		t->ncols++;
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, err, "reading the catalog");
	if (!t->ncols)
		return error_set(err, ERR_STORE, "%s: has no table %s", store_describe(st), spec->name);
	t->key_col = t->self_col = t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		if (!strcmp(t->cols[i].name, spec->key))
			t->key_col = i;
		if (spec->self_ref && !strcmp(t->cols[i].name, spec->self_ref))
			t->self_col = i;
	}
	if (t->key_col == t->ncols)
		return error_set(err, ERR_STORE, "%s: table %s has no column %s", store_describe(st),
				 spec->name, spec->key);

	/* SELECT cols FROM t [WHERE key > ?] ORDER BY key LIMIT ?; text keys in byte order. */
	const char *collate = spec->text_key && store_engine(st) == DB_POSTGRESQL ? " COLLATE \"C\"" : "";
	struct buf b;
	for (int next = 0; next < 2; next++) {
		buf_init(&b, 1 << 20);
		buf_adds(&b, "SELECT ");
		for (size_t i = 0; i < t->ncols; i++)
			buf_printf(&b, "%s\"%s\"", i ? ", " : "", t->cols[i].name);
		buf_printf(&b, " FROM %s", spec->name);
		if (next)
			buf_printf(&b, " WHERE \"%s\"%s > ?", spec->key, collate);
		if (buf_printf(&b, " ORDER BY \"%s\"%s LIMIT ?", spec->key, collate) < 0) {
			buf_release(&b);
			return fail_oom(err);
		}
		*(next ? &t->select_next : &t->select_first) = buf_detach(&b);
	}
	return 0;
}

/* ---- the canonical text and the checksum chain ---- */

struct chain {
	unsigned char h[SHA256_BYTES];
	struct buf row;
	int64_t rows;
};

static int chain_init(struct chain *c, const struct table *t)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_adds(&b, t->spec->name);
	for (size_t i = 0; i < t->ncols; i++)
		buf_printf(&b, "\x1f%s:%c", t->cols[i].name, t->cols[i].kind);
	sha256_bytes(b.data ? b.data : "", b.len, c->h);
	buf_release(&b);
	buf_init(&c->row, (size_t)256 << 20);
	c->rows = 0;
	return 0;
}

/* Adds the current row of s (columns as in t) to the chain. */
static int chain_row(struct chain *c, const struct table *t, struct db_stmt *s, struct error *err)
{
	struct buf *b = &c->row;
	buf_reset(b);
	int rc = buf_add(b, c->h, sizeof c->h);
	for (size_t i = 0; i < t->ncols && rc == 0; i++) {
		int col = (int)i;
		if (db_column_is_null(s, col))
			rc = buf_adds(b, "N");
		else if (t->cols[i].kind == 'i')
			rc = buf_printf(b, "I%lld", (long long)db_column_int64(s, col));
		else if (t->cols[i].kind == 'r')
			rc = buf_printf(b, "R%.17g", db_column_double(s, col));
		else {
			const char *v = db_column_text(s, col);
			int n = db_column_bytes(s, col);
			rc = buf_printf(b, "T%d:", n);
			if (rc == 0)
				rc = buf_add(b, v, (size_t)n);
		}
		if (rc == 0)
			rc = buf_addc(b, '\x1f');
	}
	if (rc == 0)
		rc = buf_addc(b, '\n');
	if (rc < 0)
		return error_set(err, ERR_STORE, "table %s: a row is too large to checksum", t->spec->name);
	sha256_bytes(b->data, b->len, c->h);
	c->rows++;
	return 0;
}

static void chain_finish(struct chain *c, char hex[SHA256_HEX_CHARS + 1])
{
	hex_lower(c->h, sizeof c->h, hex);
	buf_release(&c->row);
}

/* ---- reading a table in key order ---- */

typedef int (*row_fn)(void *arg, struct db_stmt *s, struct error *err);

static int scan(struct store *st, const struct table *t, row_fn fn, void *arg, struct error *err)
{
	struct db_stmt *first = NULL, *next = NULL;
	int64_t last_int = 0;
	char *last_text = NULL;
	int rc = -1;
	if (store_sql(st, &first, t->select_first, err) < 0 || store_sql(st, &next, t->select_next, err) < 0)
		goto out;
	struct db_stmt *s = first;
	db_bind_int(first, 1, PAGE_ROWS);
	for (;;) {
		int step, n = 0;
		while ((step = db_step(s)) == DB_ROW) {
			n++;
			if (fn(arg, s, err) < 0)
				goto out;
			if (t->spec->text_key) {
				free(last_text);
				last_text = store_col_dup(s, (int)t->key_col);
				if (!last_text) {
					fail_oom(err);
					goto out;
				}
			} else {
				last_int = db_column_int64(s, (int)t->key_col);
			}
		}
		if (step != DB_DONE) {
			store_fail(st, err, t->spec->name);
			goto out;
		}
		if (n < PAGE_ROWS)
			break;
		s = next;
		db_reset(s);
		if (t->spec->text_key)
			db_bind_text(s, 1, last_text);
		else
			db_bind_int64(s, 1, last_int);
		db_bind_int(s, 2, PAGE_ROWS);
	}
	rc = 0;
out:
	free(last_text);
	db_finalize(first);
	db_finalize(next);
	return rc;
}

static int sum_row(void *arg, struct db_stmt *s, struct error *err)
{
	void **a = arg;
	return chain_row(a[0], a[1], s, err);
}

static int table_sum(struct store *st, const struct table *t, struct copy_table_sum *out, struct error *err)
{
	struct chain c;
	chain_init(&c, t);
	void *arg[] = {&c, (void *)t};
	int rc = scan(st, t, sum_row, arg, err);
	chain_finish(&c, out->sha256);
	out->table = t->spec->name;
	out->rows = c.rows;
	return rc;
}

int copy_table_sum(struct store *st, const char *table, struct copy_table_sum *out, struct error *err)
{
	const struct table_spec *spec = spec_of(table);
	if (!spec)
		return error_set(err, ERR_STORE, "no table %s to checksum", table);
	struct table t;
	int rc = load_columns(st, spec, &t, err);
	if (rc == 0)
		rc = table_sum(st, &t, out, err);
	table_release(&t);
	return rc;
}

/* ---- the catalog ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int copy_catalog_tables(struct store *st, char ***names, size_t *n, struct error *err)
{
	struct db_stmt *s;
	*names = NULL;
	*n = 0;
	/* The engines' catalogs: SQLite's schema table, PostgreSQL's information_schema; the engine's own
	 * bookkeeping (sqlite_*, tracker_schema) left out. */
	if (store_sql(st, &s,
		      db_pick(st->conn,
			      "SELECT name FROM sqlite_schema WHERE type = 'table' "
			      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
			      "SELECT table_name FROM information_schema.tables "
			      "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
			      "AND table_name <> 'tracker_schema'"),
		      err) < 0)
		return -1;
	int rc;
	size_t cap = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **p = realloc(*names, cap * sizeof *p);
			if (!p)
				break;
			*names = p;
		}
		if (!((*names)[*n] = store_col_dup(s, 0)))
			break;
		(*n)++;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
		return rc == DB_ROW ? fail_oom(err) : store_fail(st, err, "reading the catalog");
	}
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_str);
	return 0;
}

/* The catalog holds exactly the listed tables. */
static int check_catalog(struct store *st, struct error *err)
{
	char **names;
	size_t n;
	if (copy_catalog_tables(st, &names, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!spec_of(names[i]))
			rc = error_set(err, ERR_STORE,
				       "%s: has a table \"%s\" that this tracker does not know how to copy "
				       "(a newer tracker's database?)",
				       store_describe(st), names[i]);
	for (size_t i = 0; i < NSPECS && rc == 0; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(names[j], specs[i].name);
		if (!found)
			rc = error_set(err, ERR_STORE, "%s: has no table %s", store_describe(st),
				       specs[i].name);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

bool copy_same_database(struct store *a, struct store *b)
{
	if (store_engine(a) != store_engine(b))
		return false;
	if (store_engine(a) == DB_POSTGRESQL)
		return !strcmp(store_describe(a), store_describe(b));
	if (!strcmp(a->path, ":memory:") || !strcmp(b->path, ":memory:"))
		return false; /* every in-memory database is its own */
	struct stat sa, sb;
	if (stat(a->path, &sa) != 0 || stat(b->path, &sb) != 0)
		return !strcmp(a->path, b->path);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---- writing ---- */

static int64_t count_rows(struct store *st, const char *table, struct error *err)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	struct db_stmt *s;
	if (store_sql(st, &s, sql, err) < 0)
		return -1;
	int64_t n = -1;
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	else
		store_fail(st, err, table);
	db_finalize(s);
	return n;
}

/* Empties every listed table of the target, last first. The events table's append-only triggers are
 * lifted for it and restored, all inside the caller's transaction. */
static int empty_target(struct store *to, struct error *err)
{
	char sql[256];
	for (size_t k = NSPECS; k-- > 0;) {
		const char *name = specs[k].name;
		if (store_engine(to) == DB_POSTGRESQL) {
			/* DISABLE TRIGGER USER: the table's own triggers, not the foreign-key checks. */
			snprintf(sql, sizeof sql,
				 "ALTER TABLE %s DISABLE TRIGGER USER; DELETE FROM %s; "
				 "ALTER TABLE %s ENABLE TRIGGER USER",
				 name, name, name);
			if (store_exec(to, sql, err) < 0)
				return -1;
			continue;
		}
		/* SQLite cannot disable a trigger: drop the table's triggers and create them again from
		 * their own text in the schema table. */
		struct db_stmt *s;
		if (store_sql(to, &s,
			      "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?",
			      err) < 0)
			return -1;
		db_bind_text(s, 1, name);
		char *tnames[16], *tsql[16];
		size_t nt = 0;
		int rc;
		while ((rc = db_step(s)) == DB_ROW && nt < 16) {
			tnames[nt] = store_col_dup(s, 0);
			tsql[nt] = store_col_dup(s, 1);
			nt++;
		}
		db_finalize(s);
		rc = rc == DB_DONE || rc == DB_ROW ? 0 : store_fail(to, err, "reading triggers");
		for (size_t i = 0; i < nt && rc == 0; i++) {
			if (!tnames[i] || !tsql[i] || !plain_ident(tnames[i])) {
				rc = error_set(err, ERR_STORE,
					       "table %s: a trigger this tracker cannot restore", name);
				break;
			}
			snprintf(sql, sizeof sql, "DROP TRIGGER \"%s\"", tnames[i]);
			rc = store_exec(to, sql, err);
		}
		snprintf(sql, sizeof sql, "DELETE FROM %s", name);
		if (rc == 0)
			rc = store_exec(to, sql, err);
		for (size_t i = 0; i < nt && rc == 0; i++)
			rc = store_exec(to, tsql[i], err);
		for (size_t i = 0; i < nt; i++) {
			free(tnames[i]);
			free(tsql[i]);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* One value waiting for its INSERT. */
struct value {
	char kind; /* 'n', 'i', 'r', 't' */
	int64_t i;
	double d;
	char *t;
	int n;
};

/* Copying one table: the rows read go to a batch of `batch` rows per INSERT. */
struct writer {
	struct store *to;
	const struct table *t;
	struct chain chain;
	size_t batch, pending;
	struct value *vals; /* batch * ncols */
	struct db_stmt *insert_full;
	struct value *later; /* (key, self_ref) pairs for the second pass, 2 per row */
	size_t nlater, later_cap;
	int64_t max_id;
};

static char *insert_sql(const struct table *t, size_t rows)
{
	struct buf b;
	buf_init(&b, 16 << 20);
	buf_printf(&b, "INSERT INTO %s (", t->spec->name);
	for (size_t i = 0; i < t->ncols; i++)
		buf_printf(&b, "%s\"%s\"", i ? ", " : "", t->cols[i].name);
	buf_adds(&b, ") VALUES ");
	for (size_t r = 0; r < rows; r++) {
		buf_adds(&b, r ? ", (" : "(");
		for (size_t i = 0; i < t->ncols; i++)
			buf_adds(&b, i ? ", ?" : "?");
		buf_addc(&b, ')');
	}
	if (b.len == 0 || b.data[b.len - 1] != ')') {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void value_clear(struct value *v)
{
	free(v->t);
	memset(v, 0, sizeof *v);
	v->kind = 'n';
}

static int value_take(struct value *v, struct db_stmt *s, int col, char kind)
{
	value_clear(v);
	if (db_column_is_null(s, col))
		return 0;
	v->kind = kind;
	if (kind == 'i') {
		v->i = db_column_int64(s, col);
	} else if (kind == 'r') {
		v->d = db_column_double(s, col);
	} else {
		v->n = db_column_bytes(s, col);
		v->t = malloc((size_t)v->n + 1);
		if (!v->t)
			return -1;
		memcpy(v->t, db_column_text(s, col), (size_t)v->n);
		v->t[v->n] = '\0';
	}
	return 0;
}

static int value_bind(struct db_stmt *s, int idx, const struct value *v)
{
	switch (v->kind) {
	case 'i':
		return db_bind_int64(s, idx, v->i);
	case 'r':
		return db_bind_double(s, idx, v->d);
	case 't':
		return db_bind_textn(s, idx, v->t, v->n);
	default:
		return db_bind_null(s, idx);
	}
}

/* Inserts the pending rows. */
static int flush(struct writer *w, struct error *err)
{
	if (!w->pending)
		return 0;
	struct db_stmt *s = w->insert_full, *own = NULL;
	if (w->pending < w->batch) {
		char *sql = insert_sql(w->t, w->pending);
		if (!sql)
			return fail_oom(err);
		int rc = store_sql(w->to, &own, sql, err);
		free(sql);
		if (rc < 0)
			return -1;
		s = own;
	}
	db_reset(s);
	size_t nc = w->t->ncols;
	for (size_t r = 0; r < w->pending; r++)
		for (size_t i = 0; i < nc; i++)
			if (value_bind(s, (int)(r * nc + i + 1), &w->vals[r * nc + i]) < 0) {
				db_finalize(own);
				return store_fail(w->to, err, w->t->spec->name);
			}
	int rc = store_run(w->to, s, err, w->t->spec->name);
	db_finalize(own);
	if (rc < 0) {
		error_prefix(err, "%s: copying into table %s", store_describe(w->to), w->t->spec->name);
		return -1;
	}
	w->pending = 0;
	return 0;
}

static int copy_row(void *arg, struct db_stmt *s, struct error *err)
{
	struct writer *w = arg;
	const struct table *t = w->t;
	if (chain_row(&w->chain, t, s, err) < 0)
		return -1;
	struct value *row = &w->vals[w->pending * t->ncols];
	for (size_t i = 0; i < t->ncols; i++)
		if (value_take(&row[i], s, (int)i, t->cols[i].kind) < 0)
			return fail_oom(err);
	if (!t->spec->text_key && row[t->key_col].kind == 'i' && row[t->key_col].i > w->max_id)
		w->max_id = row[t->key_col].i;
	if (t->self_col < t->ncols && row[t->self_col].kind != 'n') {
		/* Set in the second pass, once every row it may point to is there. */
		if (w->nlater + 2 > w->later_cap) {
			size_t cap = w->later_cap ? w->later_cap * 2 : 64;
			struct value *p = realloc(w->later, cap * sizeof *p);
			if (!p)
				return fail_oom(err);
			w->later = p;
			w->later_cap = cap;
		}
		w->later[w->nlater++] = row[t->key_col];
		w->later[w->nlater++] = row[t->self_col];
		/* The pair owns the texts now. */
		row[t->key_col].t = NULL;
		row[t->self_col].t = NULL;
		value_take(&row[t->key_col], s, (int)t->key_col, t->cols[t->key_col].kind);
		value_clear(&row[t->self_col]);
	}
	if (++w->pending == w->batch)
		return flush(w, err);
	return 0;
}

static int second_pass(struct writer *w, struct error *err)
{
	const struct table *t = w->t;
	if (!w->nlater)
		return 0;
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE %s SET \"%s\" = ? WHERE \"%s\" = ?", t->spec->name,
		 t->cols[t->self_col].name, t->cols[t->key_col].name);
	struct db_stmt *s;
	if (store_sql(w->to, &s, sql, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < w->nlater && rc == 0; i += 2) {
		db_reset(s);
		value_bind(s, 1, &w->later[i + 1]);
		value_bind(s, 2, &w->later[i]);
		rc = store_run(w->to, s, err, t->spec->name);
	}
	db_finalize(s);
	return rc;
}

/* PostgreSQL: the identity sequence of an integer key continues after the highest id copied. */
static int set_sequence(struct store *to, const struct table *t, int64_t max_id, struct error *err)
{
	if (store_engine(to) != DB_POSTGRESQL || t->spec->text_key)
		return 0;
	struct db_stmt *s;
	if (store_sql(to, &s,
		      "SELECT setval(CAST(pg_get_serial_sequence(CAST(? AS TEXT), CAST(? AS TEXT)) "
		      "AS regclass), CAST(? AS BIGINT), false)",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, t->spec->name);
	db_bind_text(s, 2, t->spec->key);
	db_bind_int64(s, 3, max_id + 1 > 1 ? max_id + 1 : 1);
	int rc = store_run(to, s, err, "setting the identity sequence");
	db_finalize(s);
	return rc;
}

static int copy_table(struct store *from, struct store *to, const struct table *src, const struct table *dst,
		      struct copy_table_sum *sum, struct error *err)
{
	struct writer w = {.to = to, .t = src};
	int rc = -1;
	w.batch = MAX_BATCH_PARAMS / src->ncols;
	if (w.batch > MAX_BATCH_ROWS)
		w.batch = MAX_BATCH_ROWS;
	if (w.batch < 1)
		w.batch = 1;
	chain_init(&w.chain, src);
	w.vals = calloc(w.batch * src->ncols, sizeof *w.vals);
	char *sql = insert_sql(src, w.batch);
	if (!w.vals || !sql) {
		fail_oom(err);
		goto out;
	}
	if (store_sql(to, &w.insert_full, sql, err) < 0)
		goto out;
	if (scan(from, src, copy_row, &w, err) < 0 || flush(&w, err) < 0 || second_pass(&w, err) < 0 ||
	    set_sequence(to, dst, w.max_id, err) < 0)
		goto out;
	rc = 0;
out:
	chain_finish(&w.chain, sum->sha256);
	sum->table = src->spec->name;
	sum->rows = w.chain.rows;
	free(sql);
	db_finalize(w.insert_full);
	if (w.vals)
		for (size_t i = 0; i < w.batch * src->ncols; i++)
			free(w.vals[i].t);
	free(w.vals);
	for (size_t i = 0; i < w.nlater; i++)
		free(w.later[i].t);
	free(w.later);
	return rc;
}

/* The same columns, of the same kinds, on both sides. */
static int same_columns(struct store *from, struct store *to, const struct table *a, const struct table *b,
			struct error *err)
{
	for (size_t i = 0, j = 0; i < a->ncols || j < b->ncols;) {
		int c = i == a->ncols ? 1 : j == b->ncols ? -1 : strcmp(a->cols[i].name, b->cols[j].name);
		if (c < 0)
			return error_set(err, ERR_STORE, "table %s: column %s is in %s but not in %s",
					 a->spec->name, a->cols[i].name, store_describe(from),
					 store_describe(to));
		if (c > 0)
			return error_set(err, ERR_STORE, "table %s: column %s is in %s but not in %s",
					 a->spec->name, b->cols[j].name, store_describe(to),
					 store_describe(from));
		if (a->cols[i].kind != b->cols[j].kind)
			return error_set(
			    err, ERR_STORE, "table %s: column %s is of another kind in %s than in %s",
			    a->spec->name, a->cols[i].name, store_describe(from), store_describe(to));
		i++;
		j++;
	}
	return 0;
}

int copy_store(struct store *from, struct store *to, bool force, struct copy_report *rep, struct error *err)
{
	struct table src[NSPECS], dst[NSPECS];
	memset(src, 0, sizeof src);
	memset(dst, 0, sizeof dst);
	memset(rep, 0, sizeof *rep);
	int rc = -1, vf = 0, vt = 0;
	bool reading = false, writing = false;

	if (copy_same_database(from, to))
		return error_set(err, ERR_USAGE, "%s: cannot copy a database onto itself",
				 store_describe(from));
	if (db_schema_version(from->conn, &vf) < 0)
		return store_fail(from, err, "reading the schema version");
	if (db_schema_version(to->conn, &vt) < 0)
		return store_fail(to, err, "reading the schema version");
	if (vf != vt || vf != store_schema_version())
		return error_set(err, ERR_STORE,
				 "schema versions differ: %s has %d, %s has %d, this tracker knows %d",
				 store_describe(from), vf, store_describe(to), vt, store_schema_version());
	rep->schema_version = vf;
	if (check_catalog(from, err) < 0 || check_catalog(to, err) < 0)
		return -1;

	if (store_begin(to, err) < 0) {
		error_prefix(err, "%s", store_describe(to));
		return -1;
	}
	writing = true;
	/* One snapshot of the source for the whole copy. */
	if (store_exec(from, db_pick(from->conn, "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
		       err) < 0)
		goto out;
	reading = true;

	for (size_t k = 0; k < NSPECS; k++) {
		if (load_columns(from, &specs[k], &src[k], err) < 0 ||
		    load_columns(to, &specs[k], &dst[k], err) < 0 ||
		    same_columns(from, to, &src[k], &dst[k], err) < 0)
			goto out;
	}
	struct buf held;
	buf_init(&held, 4096);
	for (size_t k = 0; k < NSPECS; k++) {
		int64_t n = count_rows(to, specs[k].name, err);
		if (n < 0) {
			buf_release(&held);
			goto out;
		}
		if (n > 0)
			buf_printf(&held, "%s%s %lld", rep->old_rows ? ", " : "", specs[k].name,
				   (long long)n);
		rep->old_rows += n;
	}
	if (rep->old_rows && !force) {
		error_set(err, ERR_DATA,
			  "%s is not empty (%s); add --force to replace its contents with the copy",
			  store_describe(to), buf_cstr(&held));
		buf_release(&held);
		goto out;
	}
	buf_release(&held);
	if (rep->old_rows) {
		if (empty_target(to, err) < 0) {
			error_prefix(err, "%s: emptying", store_describe(to));
			goto out;
		}
		rep->emptied = true;
	}

	for (size_t k = 0; k < NSPECS; k++) {
		if (copy_table(from, to, &src[k], &dst[k], &rep->tables[k], err) < 0)
			goto out;
		rep->ntables = k + 1;
	}
	/* Read every table back from the target and compare. */
	for (size_t k = 0; k < NSPECS; k++) {
		struct copy_table_sum back;
		if (table_sum(to, &dst[k], &back, err) < 0)
			goto out;
		if (back.rows != rep->tables[k].rows || strcmp(back.sha256, rep->tables[k].sha256)) {
			error_set(err, ERR_STORE,
				  "table %s: the copy differs from the source (%lld rows, sha256 %s; the "
				  "source has %lld rows, sha256 %s); nothing was written",
				  specs[k].name, (long long)back.rows, back.sha256,
				  (long long)rep->tables[k].rows, rep->tables[k].sha256);
			goto out;
		}
	}
	if (store_commit(to, err) < 0) {
		error_prefix(err, "%s", store_describe(to));
		writing = false;
		goto out;
	}
	writing = false;
	/* PostgreSQL: the planner's statistics of what was just loaded, as after any bulk load (its
	 * autovacuum would only get to it a minute or more later, and a query planned before that runs
	 * blind). Not on SQLite, whose plans here are written for its defaults (no sqlite_stat1). After
	 * the commit: the copy is complete and verified whatever happens to this. */
	if (store_engine(to) == DB_POSTGRESQL && store_exec(to, "ANALYZE", err) < 0) {
		error_prefix(err, "%s: the copy is complete; updating the planner's statistics failed",
			     store_describe(to));
		goto out;
	}
	rc = 0;
out:
	if (writing)
		store_rollback(to);
	if (reading)
		store_rollback(from);
	for (size_t k = 0; k < NSPECS; k++) {
		table_release(&src[k]);
		table_release(&dst[k]);
	}
	return rc;
}
