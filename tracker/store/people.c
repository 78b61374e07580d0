/*
 * people.c — the people table: validation, upsert, listing, the CSV import and the unmapped owners.
 *
 * The CSV reader is a small RFC 4180 state machine over a buffer (no file I/O here, so tests pass
 * strings): it yields one record at a time with the line it starts on, so every error can say
 * file:line. Upserts write only the fields the caller sets, so a CSV without a `slack` column does
 * not wipe the Slack ids already stored.
 */
#include "people.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "items.h"
#include "mailaddr.h"
#include "tdate.h"
#include "tz.h"
#include "banned.h"

const char *people_handle(const char *h)
{
	return h && h[0] == '@' ? h + 1 : h;
}

static bool has_ctl(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return true;
	return false;
}

static bool valid_handle(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 64 || h[0] == '@')
		return false;
	for (const unsigned char *p = (const unsigned char *)h; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ',')
			return false;
	return true;
}

int people_check(const struct person *p, unsigned set, struct error *err)
{
	if (!p->handle || !valid_handle(p->handle))
		return error_set(err, ERR_DATA,
				 "handle \"%s\" is not valid: 1-64 characters, no spaces, commas or control "
				 "characters (e.g. alice)",
				 p->handle ? p->handle : "");
	const struct {
		unsigned bit;
		const char *name, *v;
	} f[] = {{PERSON_NAME, "name", p->name},
		 {PERSON_EMAIL, "email", p->email},
		 {PERSON_TZ, "tz", p->tz},
		 {PERSON_MANAGER, "manager", p->manager},
		 {PERSON_SLACK, "slack", p->slack}};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if ((set & f[i].bit) && f[i].v && has_ctl(f[i].v))
			return error_set(err, ERR_DATA,
					 "%s of %s contains a control character (CR, LF, tab…)", f[i].name,
					 p->handle);
	if ((set & PERSON_EMAIL) && p->email && *p->email && mailaddr_check(p->email, err) < 0) {
		error_prefix(err, "email of %s", p->handle);
		return -1;
	}
	if ((set & PERSON_TZ) && p->tz && *p->tz && !tz_valid(p->tz))
		return error_set(err, ERR_DATA,
				 "time zone \"%s\" of %s is unknown: use an IANA name like Europe/Berlin or "
				 "America/New_York",
				 p->tz, p->handle);
	if ((set & PERSON_MANAGER) && p->manager && *p->manager && !valid_handle(people_handle(p->manager)))
		return error_set(err, ERR_DATA, "manager \"%s\" of %s is not a handle", p->manager,
				 p->handle);
	return 0;
}

static void bind_opt(struct db_stmt *s, int idx, const char *v)
{
	db_bind_text(s, idx, v && *v ? v : NULL);
}

/*
 * The handles of an item's owners (items.owners, a JSON array of strings) as rows o(value), after
 * "FROM items i CROSS JOIN": the one place the engines differ here. SQLite's json_each yields its
 * columns; PostgreSQL unnests the array with jsonb_array_elements_text. A handle sorts byte-wise on
 * both (PostgreSQL's function results take the database's collation, so the order says COLLATE "C").
 */
#define OWNERS_SQLITE "json_each(i.owners) o"
#define OWNERS_PG "jsonb_array_elements_text(CAST(i.owners AS jsonb)) AS o(value)"
#define BYTEWISE_SQLITE ""
#define BYTEWISE_PG " COLLATE \"C\""

/* 1 added, 2 updated, 0 unchanged, -1 error. */
static int upsert(struct store *st, const struct person *p, unsigned set, int64_t now, struct error *err)
{
	if (people_check(p, set, err) < 0)
		return -1;
	struct db_stmt *s = NULL, *get = NULL;
	char at[21];
	int rc = -1, existed;
	time_format(now, at);
	if (store_sql(st, &get, "SELECT name, email, tz, manager, slack FROM people WHERE handle = ?1", err) <
		0 ||
	    store_sql(st, &s,
		      "INSERT INTO people (handle, name, email, tz, manager, slack, created_at, updated_at) "
		      "VALUES (?1, CASE WHEN (?7 & 1) <> 0 THEN ?2 END, CASE WHEN (?7 & 2) <> 0 THEN ?3 END, "
		      "CASE WHEN (?7 & 4) <> 0 THEN ?4 END, CASE WHEN (?7 & 8) <> 0 THEN ?5 END, "
		      "CASE WHEN (?7 & 16) <> 0 THEN ?6 END, ?8, ?8) "
		      "ON CONFLICT (handle) DO UPDATE SET "
		      "name = CASE WHEN (?7 & 1) <> 0 THEN ?2 ELSE people.name END, "
		      "email = CASE WHEN (?7 & 2) <> 0 THEN ?3 ELSE people.email END, "
		      "tz = CASE WHEN (?7 & 4) <> 0 THEN ?4 ELSE people.tz END, "
		      "manager = CASE WHEN (?7 & 8) <> 0 THEN ?5 ELSE people.manager END, "
		      "slack = CASE WHEN (?7 & 16) <> 0 THEN ?6 ELSE people.slack END, updated_at = ?8",
		      err) < 0)
		goto out;
	db_bind_text(get, 1, p->handle);
	int step = db_step(get);
	if (step != DB_ROW && step != DB_DONE) {
		store_fail(st, err, "reading people");
		goto out;
	}
	existed = step == DB_ROW;
	if (existed) {
		/* unchanged if every set field already has this value */
		const char *vals[] = {p->name, p->email, p->tz, people_handle(p->manager), p->slack};
		bool same = true;
		for (int i = 0; i < 5; i++) {
			if (!(set & (1u << i)))
				continue;
			const char *old = db_column_text(get, i);
			const char *nw = vals[i] && *vals[i] ? vals[i] : NULL;
			if (!(old == nw || (old && nw && !strcmp(old, nw))))
				same = false;
		}
		if (same) {
			rc = 0;
			goto out;
		}
	}
	db_bind_text(s, 1, p->handle);
	bind_opt(s, 2, p->name);
	bind_opt(s, 3, p->email);
	bind_opt(s, 4, p->tz);
	bind_opt(s, 5, people_handle(p->manager));
	bind_opt(s, 6, p->slack);
	db_bind_int(s, 7, (int)set);
	db_bind_text(s, 8, at);
	if (store_run(st, s, err, "saving a person") < 0)
		goto out;
	rc = existed ? 2 : 1;
out:
	db_finalize(get);
	db_finalize(s);
	return rc;
}

int people_upsert(struct store *st, const struct person *p, unsigned set, int64_t now, struct error *err)
{
	return upsert(st, p, set, now, err) < 0 ? -1 : 0;
}

int people_remove(struct store *st, const char *handle, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "DELETE FROM people WHERE handle = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, people_handle(handle));
	int rc = store_run(st, s, err, "removing a person");
	int64_t n = db_changes(s);
	db_finalize(s);
	if (rc == 0 && n == 0)
		return error_set(err, ERR_DATA, "no person \"%s\" (see tracker people list)", handle);
	return rc;
}

#define PERSON_COLS "SELECT handle, name, email, tz, manager, slack, created_at, updated_at FROM people "

static int each(struct store *st, struct db_stmt *s, person_cb cb, void *ud, int *n, struct error *err)
{
	int rc;
	*n = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		struct person p;
		p.handle = db_column_text(s, 0);
		p.name = db_column_text(s, 1);
		p.email = db_column_text(s, 2);
		p.tz = db_column_text(s, 3);
		p.manager = db_column_text(s, 4);
		p.slack = db_column_text(s, 5);
		p.created_at = db_column_text(s, 6);
		p.updated_at = db_column_text(s, 7);
		(*n)++;
		if (cb(&p, ud) != 0)
			return 0;
	}
	return rc == DB_DONE ? 0 : store_fail(st, err, "reading people");
}

int people_list(struct store *st, person_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	int n;
	if (store_sql(st, &s, PERSON_COLS "ORDER BY handle", err) < 0)
		return -1;
	int rc = each(st, s, cb, ud, &n, err);
	db_finalize(s);
	return rc;
}

int people_get(struct store *st, const char *handle, person_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	int n;
	if (store_sql(st, &s, PERSON_COLS "WHERE handle = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, people_handle(handle));
	int rc = each(st, s, cb, ud, &n, err);
	db_finalize(s);
	return rc < 0 ? -1 : n == 0 ? 1 : 0;
}

/* CASE stops at the first hit: the indexed lookups before the scan of owners */
#define KNOWN_SQL(OWNERS)                                                                                    \
	"SELECT CASE WHEN EXISTS (SELECT 1 FROM people WHERE handle = ?1) THEN 1 "                           \
	"WHEN EXISTS (SELECT 1 FROM items WHERE owner = ?1) THEN 1 "                                         \
	"WHEN EXISTS (SELECT 1 FROM items i CROSS JOIN " OWNERS " WHERE o.value = ?1) THEN 1 ELSE 0 END"

int people_known(struct store *st, const char *handle, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, db_pick(st->conn, KNOWN_SQL(OWNERS_SQLITE), KNOWN_SQL(OWNERS_PG)), err) < 0)
		return -1;
	db_bind_text(s, 1, people_handle(handle));
	int rc = db_step(s) == DB_ROW ? db_column_int(s, 0) != 0 : store_fail(st, err, "looking up a person");
	db_finalize(s);
	return rc;
}

int people_check_manager(struct store *st, const char *handle, const char *manager, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "SELECT 1 FROM people WHERE handle = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, people_handle(manager));
	int step = db_step(s);
	if (step != DB_ROW && step != DB_DONE)
		store_fail(st, err, "looking up a manager");
	db_finalize(s);
	if (step == DB_ROW)
		return 0;
	if (step != DB_DONE)
		return -1;
	return error_set(err, ERR_DATA,
			 "manager %s of %s is not in tracker people: add them first (escalations would go "
			 "nowhere), or pass --allow-unknown-manager",
			 people_handle(manager), handle);
}

/* The owners of open items with no usable entry; p.handle is grouped too (it is o.value or NULL). */
#define UNMAPPED_SQL(OWNERS, BYTEWISE)                                                                       \
	"SELECT o.value, CASE WHEN p.handle IS NULL THEN 'no entry' ELSE 'no email' END, "                   \
	"count(DISTINCT i.id) FROM items i CROSS JOIN " OWNERS " LEFT JOIN people p ON p.handle = o.value "  \
	"WHERE " ITEM_OPEN_SQL " AND (p.handle IS NULL OR p.email IS NULL OR p.email = '') "                 \
	"GROUP BY o.value, p.handle ORDER BY o.value" BYTEWISE
#define OWNED_SQL(OWNERS)                                                                                    \
	"SELECT count(DISTINCT i.id) FROM items i CROSS JOIN " OWNERS " WHERE o.value = ?1 "                 \
	"AND " ITEM_OPEN_SQL

int people_unmapped(struct store *st, unmapped_cb cb, void *ud, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      db_pick(st->conn, UNMAPPED_SQL(OWNERS_SQLITE, BYTEWISE_SQLITE),
			      UNMAPPED_SQL(OWNERS_PG, BYTEWISE_PG)),
		      err) < 0)
		return -1;
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		if (cb(db_column_text(s, 0), db_column_text(s, 1), db_column_int(s, 2), ud) != 0)
			break;
	rc = rc == DB_ROW || rc == DB_DONE ? 0 : store_fail(st, err, "reading owners");
	db_finalize(s);
	if (rc < 0)
		return -1;
	/* Then people whose stored address the mailer refuses (stored before the check, or edited in
	 * the database) or whose manager is nobody: their reminders or escalations go nowhere. */
	struct db_stmt *cnt = NULL;
	if (store_sql(st, &s,
		      "SELECT p.handle, p.email, p.manager, "
		      "p.manager IS NOT NULL AND NOT EXISTS (SELECT 1 FROM people m WHERE m.handle = "
		      "p.manager) FROM people p ORDER BY p.handle",
		      err) < 0)
		return -1;
	if (store_sql(st, &cnt, db_pick(st->conn, OWNED_SQL(OWNERS_SQLITE), OWNED_SQL(OWNERS_PG)), err) < 0) {
		db_finalize(s);
		return -1;
	}
	bool stop = false;
	while (!stop && (rc = db_step(s)) == DB_ROW) {
		const char *h = db_column_text(s, 0);
		const char *email = db_column_text(s, 1);
		const char *manager = db_column_text(s, 2);
		struct error why;
		char reason[1100];
		error_init(&why);
		bool bad_email = email && *email && mailaddr_check(email, &why) < 0;
		bool bad_manager = db_column_int(s, 3) != 0;
		if (!bad_email && !bad_manager)
			continue;
		/* how many open items they own: counted only for the few with a problem */
		db_reset(cnt);
		db_bind_text(cnt, 1, h);
		int n = 0, c = db_step(cnt);
		if (c == DB_ROW)
			n = db_column_int(cnt, 0);
		else {
			rc = c;
			break;
		}
		if (bad_email) {
			snprintf(reason, sizeof reason, "unusable email: %s", why.msg);
			stop = cb(h, reason, n, ud) != 0;
		}
		if (!stop && bad_manager) {
			snprintf(reason, sizeof reason, "manager %s not in people", manager);
			stop = cb(h, reason, n, ud) != 0;
		}
	}
	rc = stop || rc == DB_ROW || rc == DB_DONE ? 0 : store_fail(st, err, "reading people");
	db_finalize(s);
	db_finalize(cnt);
	return rc;
}

/* --- CSV (RFC 4180) --- */

enum { CSV_MAX_FIELDS = 32, CSV_MAX_FIELD = 4096 };

struct csv {
	const char *p, *end;
	unsigned line; /* the line the reader is on */
	struct buf f[CSV_MAX_FIELDS];
	size_t n;
};

/* Reads one record into c->f[0..n). Returns 1 on a record, 0 at the end, -1 on error. */
static int csv_record(struct csv *c, const char *name, unsigned *start, struct error *err)
{
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_reset(&c->f[i]);
	c->n = 0;
	if (c->p >= c->end)
		return 0;
	*start = c->line;
	struct buf *f = &c->f[0];
	bool quoted = false, was_quoted = false;
	c->n = 1;
	while (c->p < c->end) {
		char ch = *c->p++;
		if (ch == '\0')
			return error_set(err, ERR_DATA, "%s:%u: a NUL byte: this is not a text CSV file",
					 name, c->line);
		if (quoted) {
			if (ch == '"') {
				if (c->p < c->end && *c->p == '"') {
					c->p++;
				} else {
					quoted = false;
					continue;
				}
			} else if (ch == '\n') {
				c->line++;
			}
			if (buf_addc(f, ch) < 0)
				return error_set(err, ERR_DATA, "%s:%u: field longer than %d bytes", name,
						 *start, CSV_MAX_FIELD);
			continue;
		}
		if (ch == '"') {
			if (f->len || was_quoted)
				return error_set(
				    err, ERR_DATA,
				    "%s:%u: a quote inside an unquoted field: quote the whole field "
				    "and double inner quotes (\"\")",
				    name, c->line);
			quoted = was_quoted = true;
		} else if (ch == ',') {
			if (c->n == CSV_MAX_FIELDS)
				return error_set(err, ERR_DATA, "%s:%u: more than %d fields", name, c->line,
						 CSV_MAX_FIELDS);
			f = &c->f[c->n++];
			was_quoted = false;
		} else if (ch == '\r' && c->p < c->end && *c->p == '\n') {
			continue;
		} else if (ch == '\n') {
			c->line++;
			return 1;
		} else {
			if (was_quoted)
				return error_set(err, ERR_DATA, "%s:%u: text after a closing quote", name,
						 c->line);
			if (buf_addc(f, ch) < 0)
				return error_set(err, ERR_DATA, "%s:%u: field longer than %d bytes", name,
						 *start, CSV_MAX_FIELD);
		}
	}
	if (quoted)
		return error_set(err, ERR_DATA, "%s:%u: a quoted field is not closed", name, *start);
	return 1;
}

static bool blank_record(const struct csv *c)
{
	return c->n == 1 && c->f[0].len == 0;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* A row problem: counted, handed to the caller's callback, the first kept for a caller without one. */
struct import_problems {
	const struct people_import_opts *opts;
	unsigned n;
	struct error first;
};

static void row_problem(struct import_problems *pr, const struct error *e)
{
	if (pr->n++ == 0)
		pr->first = *e;
	if (pr->opts && pr->opts->problem)
		pr->opts->problem(e->msg, pr->opts->ud);
}

struct import_row {
	char *handle, *manager;
	unsigned line;
};

int people_import_csv(struct store *st, const char *name, const char *data, size_t len, int64_t now,
		      const struct people_import_opts *opts, struct people_import_summary *sum,
		      struct error *err)
{
	static const char *const cols[] = {"handle", "name", "email", "tz", "manager", "slack"};
	struct csv c = {.p = data, .end = data + len, .line = 1};
	int map[CSV_MAX_FIELDS]; /* csv column → cols index, -1 none */
	size_t ncols = 0, nseen = 0, capseen = 0;
	struct import_row *seen = NULL;
	struct import_problems pr = {.opts = opts};
	struct error row;
	unsigned set = 0, start = 0;
	int rc = -1, r;
	memset(sum, 0, sizeof *sum);
	error_init(&pr.first);
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_init(&c.f[i], CSV_MAX_FIELD);
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		c.p += 3; /* a UTF-8 BOM from a spreadsheet */

	/* header */
	while ((r = csv_record(&c, name, &start, err)) == 1 && blank_record(&c))
		;
	if (r < 0)
		goto out;
	if (r == 0) {
		error_set(err, ERR_DATA, "%s: empty file: the first row names the columns (handle,email,…)",
			  name);
		goto out;
	}
	bool have_handle = false;
	ncols = c.n;
	for (size_t i = 0; i < c.n; i++) {
		char *h = c.f[i].data ? c.f[i].data : (char *)"";
		if (c.f[i].data)
			trim(h);
		map[i] = -1;
		for (int k = 0; k < 6; k++)
			if (!strcasecmp(h, cols[k]))
				map[i] = k;
		if (map[i] < 0) {
			error_set(
			    err, ERR_DATA,
			    "%s:%u: unknown column \"%s\": columns are handle, name, email, tz, manager, "
			    "slack",
			    name, start, h);
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (map[j] == map[i]) {
				error_set(err, ERR_DATA, "%s:%u: column \"%s\" appears twice", name, start,
					  h);
				goto out;
			}
		if (map[i] == 0)
			have_handle = true;
		else
			set |= 1u << (map[i] - 1);
	}
	if (!have_handle) {
		error_set(err, ERR_DATA, "%s:%u: no \"handle\" column in the header row", name, start);
		goto out;
	}

	/* Every row is checked and every bad one reported; the good ones are written (inside the
	 * caller's transaction, rolled back when any row was bad). */
	while ((r = csv_record(&c, name, &start, err)) == 1) {
		if (blank_record(&c))
			continue;
		error_init(&row);
		if (c.n != ncols) {
			error_set(&row, ERR_DATA, "%s:%u: %zu fields, but the header has %zu", name, start,
				  c.n, ncols);
			row_problem(&pr, &row);
			continue;
		}
		const char *v[6] = {NULL};
		for (size_t i = 0; i < c.n; i++) {
			char *s = c.f[i].data ? c.f[i].data : (char *)"";
			if (c.f[i].data)
				trim(s);
			v[map[i]] = s;
		}
		struct person p = {.handle = people_handle(v[0]),
				   .name = v[1],
				   .email = v[2],
				   .tz = v[3],
				   .manager = v[4],
				   .slack = v[5]};
		bool dup = false;
		for (size_t k = 0; k < nseen && !dup; k++)
			if (!strcmp(seen[k].handle, p.handle)) {
				error_set(&row, ERR_DATA, "%s:%u: handle \"%s\" already on line %u", name,
					  start, p.handle, seen[k].line);
				dup = true;
			}
		if (dup || people_check(&p, set, &row) < 0) {
			if (!dup)
				error_prefix(&row, "%s:%u", name, start);
			row_problem(&pr, &row);
			continue;
		}
		int u = upsert(st, &p, set, now, err);
		if (u < 0) {
			error_prefix(err, "%s:%u", name, start);
			goto out;
		}
		if (u == 1)
			sum->added++;
		else if (u == 2)
			sum->updated++;
		else
			sum->unchanged++;
		if (nseen == capseen) {
			capseen = capseen ? capseen * 2 : 64;
			struct import_row *ns = realloc(seen, capseen * sizeof *ns);
			if (!ns) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			seen = ns;
		}
		const char *m = p.manager && *p.manager ? people_handle(p.manager) : NULL;
		seen[nseen] = (struct import_row){
		    .handle = strdup(p.handle), .manager = m ? strdup(m) : NULL, .line = start};
		if (!seen[nseen].handle || (m && !seen[nseen].manager)) {
			free(seen[nseen].handle);
			free(seen[nseen].manager);
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		nseen++;
	}
	if (r < 0)
		goto out;
	/* Managers last: one defined further down the same file is fine. */
	for (size_t k = 0; k < nseen; k++) {
		if (!seen[k].manager || (opts && opts->allow_unknown_manager))
			continue;
		error_init(&row);
		if (people_check_manager(st, seen[k].handle, seen[k].manager, &row) < 0) {
			if (row.kind != ERR_DATA) {
				*err = row;
				goto out;
			}
			error_prefix(&row, "%s:%u", name, seen[k].line);
			row_problem(&pr, &row);
		}
	}
	if (pr.n == 1 && !(opts && opts->problem))
		*err = pr.first;
	else if (pr.n)
		error_set(err, ERR_DATA, "%s: %u bad row%s", name, pr.n, pr.n == 1 ? "" : "s");
	else
		rc = 0;
out:
	for (size_t i = 0; i < nseen; i++) {
		free(seen[i].handle);
		free(seen[i].manager);
	}
	free(seen);
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_release(&c.f[i]);
	return rc;
}
