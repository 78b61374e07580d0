/*
 * hooksig — checking a git host's push delivery (POST /hooks/git/NAME of `tracker serve`): who signed
 * it, whether the signature is the source's secret's, the delivery id, and which branch and commit the
 * push names. Pure functions over the request's headers and body: no network, no database.
 *
 * Providers, told apart by the signature header present (first match wins, in this order):
 *   Gitea/Forgejo  X-Gitea-Signature (or X-Forgejo-Signature): hex HMAC-SHA256(secret, body), no prefix;
 *                  delivery id X-Gitea-Delivery (X-Forgejo-Delivery); event X-Gitea-Event (X-Forgejo-Event)
 *   GitHub         X-Hub-Signature-256: "sha256=" hex HMAC-SHA256(secret, body);
 *                  delivery id X-GitHub-Delivery; event X-GitHub-Event
 *   GitLab         X-Gitlab-Token: the secret itself;
 *                  delivery id X-Gitlab-Event-UUID; event X-Gitlab-Event
 * Gitea also sends X-Hub-Signature-256 and the X-GitHub-* headers for compatibility; its own
 * signature is checked first, and both are the same HMAC anyway.
 *
 * Every comparison with the secret is constant-time (CRYPTO_memcmp): a received hex signature is
 * decoded to its 32 bytes first (anything but 64 hex digits is a bad signature), and a GitLab token is
 * compared through SHA-256 of both sides, so not even the secret's length leaks. A request with no
 * signature header at all is HOOK_UNSIGNED; a wrong one HOOK_BAD_SIGNATURE. The reason is for the
 * server's log only; the client is told 401 and nothing more.
 */
#ifndef TRACKER_SYNC_HOOKSIG_H
#define TRACKER_SYNC_HOOKSIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum hook_provider { HOOK_PROVIDER_NONE = 0, HOOK_GITHUB, HOOK_GITLAB, HOOK_GITEA };

/* Looks a request header up by name (case-insensitively); NULL when absent. */
typedef const char *(*hook_header_fn)(void *ctx, const char *name);

enum hook_auth {
	HOOK_AUTH_OK = 0,
	HOOK_UNSIGNED,      /* no signature header at all */
	HOOK_BAD_SIGNATURE, /* a signature header, but not the secret's (or malformed) */
};

/* Hex digits of a git object id (SHA-1: 40, SHA-256: 64), plus NUL. */
#define HOOK_COMMIT_MAX 65
#define HOOK_ID_MAX 128

struct hook_delivery {
	enum hook_provider provider;
	char id[HOOK_ID_MAX]; /* the delivery id ("" when the provider's header was absent) */
	char event[64];       /* the event header as sent ("push", "Push Hook"), "" when absent */
	bool is_push;         /* the event is a push (or, without an event header, the body has a ref) */
	char ref[256];        /* "refs/heads/main" from the body, "" when absent */
	char after[HOOK_COMMIT_MAX]; /* the commit the branch points to after the push, "" when absent */
	bool deleted;                /* the push deleted the ref (after is all zeros) */
};

const char *hook_provider_name(enum hook_provider p);

/*
 * Checks the request's signature against `secret` (`secret_len` bytes) and fills d->provider,
 * d->id and d->event from the headers. Returns HOOK_AUTH_OK, HOOK_UNSIGNED or HOOK_BAD_SIGNATURE;
 * `why` (may be NULL) receives a line for the log ("X-Hub-Signature-256 does not match").
 */
enum hook_auth hook_verify(hook_header_fn header, void *hctx, const char *body, size_t len,
			   const unsigned char *secret, size_t secret_len, struct hook_delivery *d, char *why,
			   size_t whysz);

/*
 * Reads what a verified push delivery names from its JSON body: d->ref, d->after, d->deleted and
 * d->is_push (an event header other than a push leaves is_push false). Returns 0, or -1 with ERR_DATA
 * when the body is not a JSON object, or a push without a "ref" string.
 */
int hook_parse_push(const char *body, size_t len, struct hook_delivery *d, struct error *err);

/* True when d->ref names `branch` ("main" matches "refs/heads/main"; a tag never matches). */
bool hook_ref_is_branch(const struct hook_delivery *d, const char *branch);

/*
 * Reads a webhook secret file: its first line (without CR/LF), 1 to 1024 bytes, into a malloc'd
 * buffer (*out, *outlen; wiped and freed by the caller with hook_secret_free). ERR_CONFIG naming the
 * path when it cannot be read or its first line is empty. Permissions are warned about where the other
 * secret files are (file_perm_warning in cli.c), not refused here.
 */
int hook_secret_load(const char *path, unsigned char **out, size_t *outlen, struct error *err);
void hook_secret_free(unsigned char *secret, size_t len);

#endif
