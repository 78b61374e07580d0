/*
 * tokens.c — feed and API tokens: generation, hashing, storage and lookup (see tokens.h).
 */
#include "tokens.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"
#include "sha256.h"
#include "tdate.h"
#include "banned.h"

void token_base64url(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
	}
	out[o] = '\0';
}

int token_generate(char out[static TOKEN_CHARS + 1], struct error *err)
{
	unsigned char raw[32];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return error_set(err, ERR_IO, "cannot get random bytes for a token (OpenSSL RAND_bytes)");
	token_base64url(raw, sizeof raw, out);
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}

void token_hash_hex(const char *s, size_t len, char out[static 65])
{
	sha256_hex(s, len, out);
}

bool token_well_formed(const char *s, size_t len)
{
	if (len != TOKEN_CHARS)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static int check_name(const char *what, const char *name, struct error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200)
		return error_set(err, ERR_USAGE, "%s name must be 1 to 200 bytes", what);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return error_set(err, ERR_USAGE, "%s name must not hold control characters", what);
	return 0;
}

/* Runs one statement that changes rows; *changes (may be NULL) gets how many. */
static int run(struct store *st, struct db_stmt *s, int64_t *changes, struct error *err, const char *what)
{
	if (store_run(st, s, err, what) < 0)
		return -1;
	if (changes)
		*changes = db_changes(s);
	return 0;
}

/* The one way a secret is stored: a fresh token, only its hash in the row `sql` inserts, in a
 * transaction of its own. `sql` binds ?1 the hash and ?2 the time (text), the caller's values from ?3
 * (through `bind`), and ends in RETURNING id. `prune` (may be NULL) runs first in the same transaction
 * with ?1 = now (Unix seconds). On failure nothing is stored and the token is wiped. */
static int insert_secret(struct store *st, const char *prune, const char *sql, int64_t now,
			 void (*bind)(struct db_stmt *s, const void *ud), const void *ud,
			 char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err)
{
	char hash[65], at[21];
	struct db_stmt *s = NULL;
	int rc = -1;
	if (token_generate(token, err) < 0)
		return -1;
	token_hash_hex(token, TOKEN_CHARS, hash);
	time_format(now, at);
	if (store_begin(st, err) < 0)
		goto out;
	if (prune) {
		if (store_sql(st, &s, prune, err) < 0)
			goto out;
		db_bind_int64(s, 1, now);
		if (store_run(st, s, err, "pruning expired rows") < 0)
			goto out;
		db_finalize(s);
		s = NULL;
	}
	if (store_sql(st, &s, sql, err) < 0)
		goto out;
	db_bind_text(s, 1, hash);
	db_bind_text(s, 2, at);
	bind(s, ud);
	if (db_step(s) != DB_ROW) {
		store_fail(st, err, "storing the token");
		goto out;
	}
	int64_t got = db_column_int64(s, 0);
	if (store_run(st, s, err, "storing the token") < 0 || store_commit(st, err) < 0)
		goto out;
	if (id)
		*id = got;
	rc = 0;
out:
	db_finalize(s);
	if (rc < 0) {
		store_rollback(st);
		memset(token, 0, TOKEN_CHARS + 1);
	}
	return rc;
}

struct feed_binds {
	const char *name, *scope, *flavour;
	int64_t created_by;
};

static void bind_feed(struct db_stmt *s, const void *ud)
{
	const struct feed_binds *f = ud;
	db_bind_text(s, 3, f->name);
	db_bind_text(s, 4, f->scope);
	db_bind_text(s, 5, f->flavour);
	if (f->created_by > 0)
		db_bind_int64(s, 6, f->created_by);
	else
		db_bind_null(s, 6);
}

int feed_create(struct store *st, const char *name, const char *scope, const char *flavour, int64_t now,
		int64_t created_by, char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err)
{
	struct scope sc;
	struct item_filter f;
	if (check_name("feed", name, err) < 0 || scope_parse(scope, &sc, &f, err) < 0 ||
	    scope_resolve(st, &sc, err) != 0)
		return -1;
	if (strcmp(flavour, "events") && strcmp(flavour, "todo"))
		return error_set(err, ERR_USAGE, "feed flavour must be events or todo, not \"%s\"", flavour);
	struct feed_binds fb = {.name = name, .scope = sc.text, .flavour = flavour, .created_by = created_by};
	return insert_secret(st, NULL,
			     "INSERT INTO feeds (token_hash, created_at, name, scope, flavour, created_by) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
			     now, bind_feed, &fb, token, id, err);
}

struct token_binds {
	const char *name;
	bool read_only;
};

static void bind_token(struct db_stmt *s, const void *ud)
{
	const struct token_binds *t = ud;
	db_bind_text(s, 3, t->name);
	db_bind_int(s, 4, t->read_only ? 1 : 0);
}

int apitoken_create(struct store *st, const char *name, bool read_only, int64_t now,
		    char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err)
{
	if (check_name("token", name, err) < 0)
		return -1;
	struct token_binds tb = {.name = name, .read_only = read_only};
	return insert_secret(st, NULL,
			     "INSERT INTO api_tokens (token_hash, created_at, name, read_only) "
			     "VALUES (?1, ?2, ?3, ?4) RETURNING id",
			     now, bind_token, &tb, token, id, err);
}

/* An UPDATE of one live row by id (?1) at time ?2: ERR_DATA when there is none. */
static int revoke(struct store *st, const char *sql, const char *what, int64_t id, int64_t now,
		  struct error *err)
{
	char at[21];
	struct db_stmt *s = NULL;
	int64_t n = 0;
	time_format(now, at);
	if (store_sql(st, &s, sql, err) < 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, at);
	int rc = run(st, s, &n, err, "revoking");
	db_finalize(s);
	if (rc < 0)
		return -1;
	if (n == 0)
		return error_set(err, ERR_DATA, "no live %s with id %lld (see tracker %s list)", what,
				 (long long)id, what);
	return 0;
}

int feed_revoke(struct store *st, int64_t id, int64_t now, struct error *err)
{
	return revoke(st, "UPDATE feeds SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", "feed", id,
		      now, err);
}

int apitoken_revoke(struct store *st, int64_t id, int64_t now, int *feeds_revoked, struct error *err)
{
	char at[21];
	struct db_stmt *s = NULL;
	int64_t n = 0;
	int rc = -1;
	time_format(now, at);
	if (store_begin(st, err) < 0)
		return -1;
	if (revoke(st, "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", "token",
		   id, now, err) < 0)
		goto out;
	if (store_sql(st, &s, "UPDATE feeds SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL",
		      err) < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, at);
	if (run(st, s, &n, err, "revoking the token's feeds") < 0)
		goto out;
	if (feeds_revoked)
		*feeds_revoked = (int)n;
	db_finalize(s);
	s = NULL;
	if (store_sql(st, &s, "DELETE FROM sessions WHERE token_id = ?1", err) < 0)
		goto out;
	db_bind_int64(s, 1, id);
	if (run(st, s, NULL, err, "ending the token's dashboard sessions") < 0 || store_commit(st, err) < 0)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	if (rc < 0)
		store_rollback(st);
	return rc;
}

#define FEED_COLS                                                                                            \
	"SELECT f.id, f.name, f.scope, f.flavour, f.created_at, f.revoked_at, f.token_hash, f.created_by, "  \
	"t.name FROM feeds f LEFT JOIN api_tokens t ON t.id = f.created_by "

static void feed_from_row(struct db_stmt *s, struct feed_row *f)
{
	f->id = db_column_int64(s, 0);
	f->name = store_col_dup(s, 1);
	f->scope = store_col_dup(s, 2);
	f->flavour = store_col_dup(s, 3);
	f->created_at = store_col_dup(s, 4);
	f->revoked_at = store_col_dup(s, 5);
	f->created_by = db_column_is_null(s, 7) ? 0 : db_column_int64(s, 7);
	f->created_by_name = store_col_dup(s, 8);
}

void feed_row_release(struct feed_row *f)
{
	free(f->name);
	free(f->scope);
	free(f->flavour);
	free(f->created_at);
	free(f->revoked_at);
	free(f->created_by_name);
	memset(f, 0, sizeof *f);
}

int feed_list(struct store *st, bool all, int (*cb)(const struct feed_row *f, void *ud), void *ud,
	      struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s,
		      FEED_COLS "WHERE CAST(?1 AS INTEGER) <> 0 OR f.revoked_at IS NULL ORDER BY f.id",
		      err) < 0)
		return -1;
	db_bind_int(s, 1, all ? 1 : 0);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		struct feed_row f;
		feed_from_row(s, &f);
		int stop = cb(&f, ud);
		feed_row_release(&f);
		if (stop) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		store_fail(st, err, "reading feeds");
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

/* The stored hash must equal the computed one; the index found it, the comparison is constant-time. */
static bool hash_matches(struct db_stmt *s, int col, const char *hash_hex)
{
	const char *stored = db_column_text(s, col);
	return stored && strlen(stored) == 64 && CRYPTO_memcmp(stored, hash_hex, 64) == 0;
}

/* Steps a lookup by hash (at most one row): 0 and `fill` called when it matches, 1 none, -1 error. */
static int lookup_one(struct store *st, struct db_stmt *s, int hash_col, const char *hash_hex,
		      void (*fill)(struct db_stmt *s, void *out), void *out, struct error *err,
		      const char *what)
{
	int rc = db_step(s), ret = 1;
	if (rc == DB_ROW && hash_matches(s, hash_col, hash_hex)) {
		fill(s, out);
		ret = 0;
	} else if (rc != DB_ROW && rc != DB_DONE) {
		ret = store_fail(st, err, what);
	}
	db_finalize(s);
	return ret;
}

static void fill_feed(struct db_stmt *s, void *out)
{
	feed_from_row(s, out);
}

int feed_lookup_hash(struct store *st, const char *hash_hex, struct feed_row *out, struct error *err)
{
	struct db_stmt *s;
	memset(out, 0, sizeof *out);
	if (store_sql(st, &s, FEED_COLS "WHERE f.token_hash = ?1 AND f.revoked_at IS NULL", err) < 0)
		return -1;
	db_bind_text(s, 1, hash_hex);
	return lookup_one(st, s, 6, hash_hex, fill_feed, out, err, "looking up a feed");
}

#define TOKEN_COLS                                                                                           \
	"SELECT id, name, read_only, created_at, revoked_at, last_used_at, token_hash FROM api_tokens "

static void token_from_row(struct db_stmt *s, struct api_token *t)
{
	t->id = db_column_int64(s, 0);
	t->name = store_col_dup(s, 1);
	t->read_only = db_column_int(s, 2) != 0;
	t->created_at = store_col_dup(s, 3);
	t->revoked_at = store_col_dup(s, 4);
	t->last_used_at = store_col_dup(s, 5);
}

static void fill_token(struct db_stmt *s, void *out)
{
	token_from_row(s, out);
}

void apitoken_release(struct api_token *t)
{
	free(t->name);
	free(t->created_at);
	free(t->revoked_at);
	free(t->last_used_at);
	memset(t, 0, sizeof *t);
}

int apitoken_list(struct store *st, bool all, int (*cb)(const struct api_token *t, void *ud), void *ud,
		  struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, TOKEN_COLS "WHERE CAST(?1 AS INTEGER) <> 0 OR revoked_at IS NULL ORDER BY id",
		      err) < 0)
		return -1;
	db_bind_int(s, 1, all ? 1 : 0);
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		struct api_token t;
		token_from_row(s, &t);
		int stop = cb(&t, ud);
		apitoken_release(&t);
		if (stop) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		store_fail(st, err, "reading API tokens");
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

int apitoken_lookup(struct store *st, const char *token, size_t len, struct api_token *out, struct error *err)
{
	char hash[65];
	struct db_stmt *s;
	memset(out, 0, sizeof *out);
	token_hash_hex(token, len, hash);
	if (store_sql(st, &s, TOKEN_COLS "WHERE token_hash = ?1 AND revoked_at IS NULL", err) < 0)
		return -1;
	db_bind_text(s, 1, hash);
	return lookup_one(st, s, 6, hash, fill_token, out, err, "looking up an API token");
}

int apitoken_touch(struct store *st, int64_t id, int64_t now, struct error *err)
{
	char at[21], before[21];
	time_format(now, at);
	time_format(now - 60, before);
	/* Look before writing: an UPDATE takes the write lock even when it changes nothing, and the
	 * HTTP server calls this on every request (under load, or while another process writes, that
	 * would make every read a writer). A busy database skips the record: it is a hint, not data. */
	struct db_stmt *s;
	if (store_sql(
		st, &s,
		"SELECT 1 FROM api_tokens WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)",
		err) < 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, before);
	int rc = db_step(s);
	if (rc != DB_ROW && rc != DB_DONE)
		store_fail(st, err, "recording a token's use");
	db_finalize(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	if (store_sql(st, &s,
		      "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 AND "
		      "(last_used_at IS NULL OR last_used_at < ?3)",
		      err) < 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, at);
	db_bind_text(s, 3, before);
	rc = db_step(s);
	if (rc == DB_ERR && db_errclass(st->conn) == DBE_BUSY)
		rc = DB_DONE;
	else if (rc != DB_DONE)
		store_fail(st, err, "recording a token's use");
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

/* ---- dashboard sessions ----------------------------------------------------------------------- */

static void bind_session(struct db_stmt *s, const void *ud)
{
	const int64_t *v = ud; /* token id, expiry */
	db_bind_int64(s, 3, v[0]);
	db_bind_int64(s, 4, v[1]);
}

int session_create(struct store *st, int64_t token_id, int64_t now, int64_t ttl,
		   char sid[static TOKEN_CHARS + 1], struct error *err)
{
	const int64_t v[2] = {token_id, now + ttl};
	return insert_secret(st, "DELETE FROM sessions WHERE expires <= ?1",
			     "INSERT INTO sessions (sid_hash, created_at, token_id, expires) "
			     "VALUES (?1, ?2, ?3, ?4) RETURNING id",
			     now, bind_session, v, sid, NULL, err);
}

int session_lookup(struct store *st, const char *sid, size_t len, int64_t now, struct api_token *out,
		   struct error *err)
{
	char hash[65];
	struct db_stmt *s;
	memset(out, 0, sizeof *out);
	if (!token_well_formed(sid, len))
		return 1;
	token_hash_hex(sid, len, hash);
	if (store_sql(st, &s,
		      "SELECT t.id, t.name, t.read_only, t.created_at, t.revoked_at, t.last_used_at, "
		      "x.sid_hash FROM sessions x JOIN api_tokens t ON t.id = x.token_id "
		      "WHERE x.sid_hash = ?1 AND x.expires > ?2 AND t.revoked_at IS NULL",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, hash);
	db_bind_int64(s, 2, now);
	return lookup_one(st, s, 6, hash, fill_token, out, err, "looking up a session");
}

int session_end(struct store *st, const char *sid, size_t len, struct error *err)
{
	char hash[65];
	struct db_stmt *s;
	if (!token_well_formed(sid, len))
		return 0;
	token_hash_hex(sid, len, hash);
	if (store_sql(st, &s, "DELETE FROM sessions WHERE sid_hash = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, hash);
	int rc = run(st, s, NULL, err, "ending a session");
	db_finalize(s);
	return rc;
}

/* ---- action-link nonces ----------------------------------------------------------------------- */

int action_nonce_used(struct store *st, const char *nonce, struct error *err)
{
	struct db_stmt *s;
	if (store_sql(st, &s, "SELECT 1 FROM action_nonces WHERE nonce = ?1", err) < 0)
		return -1;
	db_bind_text(s, 1, nonce);
	int rc = db_step(s);
	if (rc != DB_ROW && rc != DB_DONE)
		store_fail(st, err, "looking up an action link's use");
	db_finalize(s);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int action_nonce_consume(struct store *st, const char *nonce, const char *action, int64_t item,
			 int64_t expires, int64_t now, struct error *err)
{
	char at[21];
	struct db_stmt *s;
	int64_t n = 0;
	time_format(now, at);
	/* One statement on the primary key: never "insert and catch the constraint error", which would
	 * abort a PostgreSQL transaction. */
	if (store_sql(st, &s,
		      "INSERT INTO action_nonces (nonce, action, item_id, expires, used_at) "
		      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (nonce) DO NOTHING",
		      err) < 0)
		return -1;
	db_bind_text(s, 1, nonce);
	db_bind_text(s, 2, action);
	db_bind_int64(s, 3, item);
	db_bind_int64(s, 4, expires);
	db_bind_text(s, 5, at);
	int rc = run(st, s, &n, err, "recording the link's use");
	db_finalize(s);
	return rc < 0 ? -1 : n == 0 ? 1 : 0;
}
