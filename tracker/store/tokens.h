/*
 * tokens — secrets handed to people: calendar feed tokens and API bearer tokens.
 *
 * A token is 32 bytes from OpenSSL's RAND_bytes, written as unpadded base64url (43 characters). It is
 * shown once, when created; the database keeps only its SHA-256 (lowercase hex, `token_hash`), so a
 * copy of the database gives no working token. Lookups hash the presented token, find the row by the
 * hash (an index lookup) and compare the stored and computed hashes with CRYPTO_memcmp.
 *
 * feeds: a calendar subscription (scope as in scope.h, flavour "events" or "todo", a name).
 * api_tokens: a bearer token for /api/v1 and the dashboard, with a name (the actor recorded in the
 * history for changes made with it) and a read-only flag. Revoking sets revoked_at; rows are kept.
 *
 * sessions: a dashboard sign-in. The browser's cookie holds a fresh random session id (never the API
 * token); the table keeps its SHA-256, the token it was made with and an expiry. A session is live while
 * it has not expired, was not ended (sign-out deletes it) and its API token is not revoked.
 *
 * action_nonces: the one-time rule of signed action links (actionlink.h): a link's nonce is recorded
 * when the link is used, and a used nonce refuses the link.
 *
 * Every function takes the caller's open store; writers run in their own write transaction
 * (store_begin) unless said otherwise.
 * Lookups return 0 (found), 1 (no such token, or revoked) or -1 (database error, err filled).
 */
#ifndef TRACKER_TOKENS_H
#define TRACKER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define TOKEN_CHARS 43 /* base64url of 32 bytes, no padding */

/* Writes a fresh token (TOKEN_CHARS characters and a NUL). */
int token_generate(char out[static TOKEN_CHARS + 1], struct error *err);
/* Lowercase hex SHA-256 of `len` bytes of `s` (65 bytes with the NUL). */
void token_hash_hex(const char *s, size_t len, char out[static 65]);
/* Unpadded base64url of `n` bytes; `out` holds 4 * ((n + 2) / 3) + 1 bytes. */
void token_base64url(const unsigned char *in, size_t n, char *out);
/* True when `s` has the shape of a token (TOKEN_CHARS base64url characters). */
bool token_well_formed(const char *s, size_t len);

struct feed_row {
	int64_t id;
	char *name, *scope, *flavour, *created_at, *revoked_at;
	int64_t created_by;    /* the API token it was made through (dashboard), 0 for the CLI */
	char *created_by_name; /* that token's name, or NULL */
};

/* Creates a feed; `token` receives the token to show once. The scope is checked with scope_parse()
 * and scope_resolve(): an owner: or incident: scope that names nobody and nothing is an ERR_DATA
 * error, an incident prefix is stored as the whole id. The flavour must be "events" or "todo".
 * `created_by` is the API token whose holder made it (the dashboard), or 0 (the CLI); revoking that
 * token revokes the feed. */
int feed_create(struct store *st, const char *name, const char *scope, const char *flavour, int64_t now,
		int64_t created_by, char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err);
/* Calls cb for each feed (revoked ones too when `all`), by id. */
int feed_list(struct store *st, bool all, int (*cb)(const struct feed_row *f, void *ud), void *ud,
	      struct error *err);
/* Revokes feed `id`: ERR_DATA if there is none or it is already revoked. */
int feed_revoke(struct store *st, int64_t id, int64_t now, struct error *err);
/* The live feed whose token hash is `hash_hex`; fills *out (release with feed_row_release). */
int feed_lookup_hash(struct store *st, const char *hash_hex, struct feed_row *out, struct error *err);
void feed_row_release(struct feed_row *f);

struct api_token {
	int64_t id;
	char *name;
	bool read_only;
	char *created_at, *revoked_at, *last_used_at;
};

int apitoken_create(struct store *st, const char *name, bool read_only, int64_t now,
		    char token[static TOKEN_CHARS + 1], int64_t *id, struct error *err);
int apitoken_list(struct store *st, bool all, int (*cb)(const struct api_token *t, void *ud), void *ud,
		  struct error *err);
/* Revokes token `id`, in one transaction with the live feeds created through it (their count in
 * *feeds_revoked, which may be NULL) and its sessions (deleted). ERR_DATA if there is no live token. */
int apitoken_revoke(struct store *st, int64_t id, int64_t now, int *feeds_revoked, struct error *err);
/* The live API token `token` (as presented); 1 when unknown or revoked. */
int apitoken_lookup(struct store *st, const char *token, size_t len, struct api_token *out,
		    struct error *err);
/* Records a use (last_used_at = now) unless one was recorded in the last minute; takes the write lock
 * only then, and skips the record (returns 0) when the database is busy. */
int apitoken_touch(struct store *st, int64_t id, int64_t now, struct error *err);
void apitoken_release(struct api_token *t);

/* Dashboard sessions (see the top of this file). SESSION_TTL is how long one lasts after sign-in. */
#define SESSION_TTL (7 * 24 * 3600)
/* Starts a session for API token `token_id`, ending at now + ttl; `sid` receives the session id for the
 * cookie. Expired sessions are pruned in the same transaction. */
int session_create(struct store *st, int64_t token_id, int64_t now, int64_t ttl,
		   char sid[static TOKEN_CHARS + 1], struct error *err);
/* The API token of the live session `sid` at `now` (0), 1 when unknown, expired or its token revoked. */
int session_lookup(struct store *st, const char *sid, size_t len, int64_t now, struct api_token *out,
		   struct error *err);
/* Ends session `sid` (sign-out); ending an unknown session is not an error. */
int session_end(struct store *st, const char *sid, size_t len, struct error *err);

/* 1 when the action-link nonce `nonce` was used already, 0 not, -1 error (the GET page says so before
 * offering the button). */
int action_nonce_used(struct store *st, const char *nonce, struct error *err);
/* Uses the nonce of a link to `action` item `item` (row id) that expires at `expires`, inside the
 * caller's transaction that also makes the link's change: 0 when this call used it, 1 when it was used
 * already (a replay: the caller rolls back and does nothing), -1 error. Atomic on both engines — one
 * INSERT … ON CONFLICT DO NOTHING on the nonce's primary key — so of two concurrent uses exactly one
 * gets 0 (a second use waits for the first's commit, then finds the row; if the first rolled back, the
 * second uses the link). */
int action_nonce_consume(struct store *st, const char *nonce, const char *action, int64_t item,
			 int64_t expires, int64_t now, struct error *err);

#endif
