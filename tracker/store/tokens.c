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

static int insert(struct store *st, const char *sql, const char *a, const char *b, const char *c, int flag,
		  int64_t by, int64_t now, char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err)
{
	char hash[65], at[21];
	sqlite3_stmt *s = NULL;
	int rc = -1;
	if (token_generate(token, err) < 0)
		return -1;
	token_hash_hex(token, TOKEN_CHARS, hash);
	time_format(now, at);
	if (store_begin(st, err) < 0)
		return -1;
	if (store_prepare(st, &s, sql, err) < 0)
		goto out;
	store_bind_text(s, 1, a);
	store_bind_text(s, 2, hash);
	store_bind_text(s, 3, at);
	store_bind_text(s, 4, b);
	if (c)
		store_bind_text(s, 5, c);
	else
		sqlite3_bind_int(s, 5, flag);
	if (by > 0)
		sqlite3_bind_int64(s, 6, by);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(st, err, "storing the token");
		goto out;
	}
	*id = sqlite3_last_insert_rowid(st->db);
	if (store_commit(st, err) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(s);
	if (rc < 0) {
		store_rollback(st);
		memset(token, 0, TOKEN_CHARS + 1);
	}
	return rc;
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
	return insert(st,
		      "INSERT INTO feeds (name, token_hash, created_at, scope, flavour, created_by) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		      name, sc.text, flavour, 0, created_by, now, token, id, err);
}

int apitoken_create(struct store *st, const char *name, bool read_only, int64_t now,
		    char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err)
{
	if (check_name("token", name, err) < 0)
		return -1;
	return insert(st,
		      "INSERT INTO api_tokens (name, token_hash, created_at, last_used_at, read_only) "
		      "VALUES (?1, ?2, ?3, ?4, ?5)",
		      name, NULL, NULL, read_only, 0, now, token, id, err);
}

static int revoke(struct store *st, const char *sql, const char *what, int64_t id, int64_t now,
		  struct error *err)
{
	char at[21];
	sqlite3_stmt *s = NULL;
	time_format(now, at);
	if (store_prepare(st, &s, sql, err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, at);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, err, "revoking");
	if (sqlite3_changes(st->db) == 0)
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
	sqlite3_stmt *s = NULL;
	int rc = -1;
	time_format(now, at);
	if (store_begin(st, err) < 0)
		return -1;
	if (revoke(st, "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", "token",
		   id, now, err) < 0)
		goto out;
	if (store_prepare(st, &s,
			  "UPDATE feeds SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL",
			  err) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, at);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(st, err, "revoking the token's feeds");
		goto out;
	}
	if (feeds_revoked)
		*feeds_revoked = sqlite3_changes(st->db);
	sqlite3_finalize(s);
	if (store_prepare(st, &s, "DELETE FROM sessions WHERE token_id = ?1", err) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(st, err, "ending the token's dashboard sessions");
		goto out;
	}
	if (store_commit(st, err) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(s);
	if (rc < 0)
		store_rollback(st);
	return rc;
}

#define FEED_COLS                                                                                            \
	"SELECT f.id, f.name, f.scope, f.flavour, f.created_at, f.revoked_at, f.token_hash, f.created_by, "  \
	"t.name FROM feeds f LEFT JOIN api_tokens t ON t.id = f.created_by "

static void feed_from_row(sqlite3_stmt *s, struct feed_row *f)
{
	f->id = sqlite3_column_int64(s, 0);
	f->name = store_col_strdup(s, 1);
	f->scope = store_col_strdup(s, 2);
	f->flavour = store_col_strdup(s, 3);
	f->created_at = store_col_strdup(s, 4);
	f->revoked_at = store_col_strdup(s, 5);
	f->created_by = sqlite3_column_int64(s, 7);
	f->created_by_name = store_col_strdup(s, 8);
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
	sqlite3_stmt *s;
	if (store_prepare(st, &s, FEED_COLS "WHERE ?1 OR f.revoked_at IS NULL ORDER BY f.id", err) < 0)
		return -1;
	sqlite3_bind_int(s, 1, all);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct feed_row f;
		feed_from_row(s, &f);
		int stop = cb(&f, ud);
		feed_row_release(&f);
		if (stop)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, err, "reading feeds");
	return 0;
}

/* The stored hash must equal the computed one; the index found it, the comparison is constant-time. */
static bool hash_matches(sqlite3_stmt *s, int col, const char *hash_hex)
{
	const char *stored = (const char *)sqlite3_column_text(s, col);
	return stored && strlen(stored) == 64 && CRYPTO_memcmp(stored, hash_hex, 64) == 0;
}

int feed_lookup_hash(struct store *st, const char *hash_hex, struct feed_row *out, struct error *err)
{
	sqlite3_stmt *s;
	memset(out, 0, sizeof *out);
	if (store_prepare(st, &s, FEED_COLS "WHERE f.token_hash = ?1 AND f.revoked_at IS NULL", err) < 0)
		return -1;
	store_bind_text(s, 1, hash_hex);
	int rc = sqlite3_step(s), ret = 1;
	if (rc == SQLITE_ROW && hash_matches(s, 6, hash_hex)) {
		feed_from_row(s, out);
		ret = 0;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = store_error(st, err, "looking up a feed");
	}
	sqlite3_finalize(s);
	return ret;
}

#define TOKEN_COLS                                                                                           \
	"SELECT id, name, read_only, created_at, revoked_at, last_used_at, token_hash FROM api_tokens "

static void token_from_row(sqlite3_stmt *s, struct api_token *t)
{
	t->id = sqlite3_column_int64(s, 0);
	t->name = store_col_strdup(s, 1);
	t->read_only = sqlite3_column_int(s, 2) != 0;
	t->created_at = store_col_strdup(s, 3);
	t->revoked_at = store_col_strdup(s, 4);
	t->last_used_at = store_col_strdup(s, 5);
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
	sqlite3_stmt *s;
	if (store_prepare(st, &s, TOKEN_COLS "WHERE ?1 OR revoked_at IS NULL ORDER BY id", err) < 0)
		return -1;
	sqlite3_bind_int(s, 1, all);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct api_token t;
		token_from_row(s, &t);
		int stop = cb(&t, ud);
		apitoken_release(&t);
		if (stop)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, err, "reading API tokens");
	return 0;
}

int apitoken_lookup(struct store *st, const char *token, size_t len, struct api_token *out, struct error *err)
{
	char hash[65];
	sqlite3_stmt *s;
	memset(out, 0, sizeof *out);
	token_hash_hex(token, len, hash);
	if (store_prepare(st, &s, TOKEN_COLS "WHERE token_hash = ?1 AND revoked_at IS NULL", err) < 0)
		return -1;
	store_bind_text(s, 1, hash);
	int rc = sqlite3_step(s), ret = 1;
	if (rc == SQLITE_ROW && hash_matches(s, 6, hash)) {
		token_from_row(s, out);
		ret = 0;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = store_error(st, err, "looking up an API token");
	}
	sqlite3_finalize(s);
	return ret;
}

int apitoken_touch(struct store *st, int64_t id, int64_t now, struct error *err)
{
	char at[21], before[21];
	time_format(now, at);
	time_format(now - 60, before);
	/* Look before writing: an UPDATE takes the write lock even when it changes nothing, and the
	 * HTTP server calls this on every request (under load, or while another process writes, that
	 * would make every read a writer). A busy database skips the record: it is a hint, not data. */
	sqlite3_stmt *s;
	if (store_prepare(st, &s,
			  "SELECT 1 FROM api_tokens WHERE id = ?1 AND "
			  "(last_used_at IS NULL OR last_used_at < ?2)",
			  err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, before);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_error(st, err, "recording a token's use");
	if (store_prepare(st, &s,
			  "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 AND "
			  "(last_used_at IS NULL OR last_used_at < ?3)",
			  err) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, at);
	store_bind_text(s, 3, before);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;
	return rc == SQLITE_DONE ? 0 : store_error(st, err, "recording a token's use");
}

/* ---- dashboard sessions ----------------------------------------------------------------------- */

int session_create(struct store *st, int64_t token_id, int64_t now, int64_t ttl,
		   char sid[static TOKEN_CHARS + 1], struct error *err)
{
	char hash[65], at[21];
	sqlite3_stmt *s = NULL;
	int rc = -1;
	if (token_generate(sid, err) < 0)
		return -1;
	token_hash_hex(sid, TOKEN_CHARS, hash);
	time_format(now, at);
	if (store_begin(st, err) < 0)
		goto out;
	if (store_prepare(st, &s, "DELETE FROM sessions WHERE expires <= ?1", err) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(st, err, "pruning expired sessions");
		goto out;
	}
	sqlite3_finalize(s);
	if (store_prepare(
		st, &s,
		"INSERT INTO sessions (sid_hash, token_id, created_at, expires) VALUES (?1, ?2, ?3, ?4)",
		err) < 0)
		goto out;
	store_bind_text(s, 1, hash);
	sqlite3_bind_int64(s, 2, token_id);
	store_bind_text(s, 3, at);
	sqlite3_bind_int64(s, 4, now + ttl);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_error(st, err, "storing the session");
		goto out;
	}
	if (store_commit(st, err) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(s);
	if (rc < 0) {
		store_rollback(st);
		memset(sid, 0, TOKEN_CHARS + 1);
	}
	return rc;
}

int session_lookup(struct store *st, const char *sid, size_t len, int64_t now, struct api_token *out,
		   struct error *err)
{
	char hash[65];
	sqlite3_stmt *s;
	memset(out, 0, sizeof *out);
	if (!token_well_formed(sid, len))
		return 1;
	token_hash_hex(sid, len, hash);
	if (store_prepare(st, &s,
			  "SELECT t.id, t.name, t.read_only, t.created_at, t.revoked_at, t.last_used_at, "
			  "x.sid_hash FROM sessions x JOIN api_tokens t ON t.id = x.token_id "
			  "WHERE x.sid_hash = ?1 AND x.expires > ?2 AND t.revoked_at IS NULL",
			  err) < 0)
		return -1;
	store_bind_text(s, 1, hash);
	sqlite3_bind_int64(s, 2, now);
	int rc = sqlite3_step(s), ret = 1;
	if (rc == SQLITE_ROW && hash_matches(s, 6, hash)) {
		token_from_row(s, out);
		ret = 0;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = store_error(st, err, "looking up a session");
	}
	sqlite3_finalize(s);
	return ret;
}

int session_end(struct store *st, const char *sid, size_t len, struct error *err)
{
	char hash[65];
	sqlite3_stmt *s;
	if (!token_well_formed(sid, len))
		return 0;
	token_hash_hex(sid, len, hash);
	if (store_prepare(st, &s, "DELETE FROM sessions WHERE sid_hash = ?1", err) < 0)
		return -1;
	store_bind_text(s, 1, hash);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, err, "ending a session");
}
