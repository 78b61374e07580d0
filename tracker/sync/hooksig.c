/*
 * hooksig.c — verification of git push deliveries (see hooksig.h). OpenSSL computes the HMACs and
 * compares in constant time; jansson reads the body. The secret is only ever in the caller's buffer and
 * in this file's stack frames, which are wiped.
 */
#include "hooksig.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "readfile.h"
#include "sha256.h"
#include "banned.h"

const char *hook_provider_name(enum hook_provider p)
{
	switch (p) {
	case HOOK_GITHUB:
		return "github";
	case HOOK_GITLAB:
		return "gitlab";
	case HOOK_GITEA:
		return "gitea";
	case HOOK_PROVIDER_NONE:
		break;
	}
	return "none";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes exactly 2*n hex digits (and nothing after them) into out. */
static bool unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[2 * n] == '\0';
}

/* Whether `sig_hex` is the hex HMAC-SHA256 of body under secret; constant-time in the secret. */
static bool hmac_matches(const char *sig_hex, const char *body, size_t len, const unsigned char *secret,
			 size_t secret_len)
{
	unsigned char got[32], want[EVP_MAX_MD_SIZE];
	unsigned int wlen = 0;
	bool ok = false;
	if (!unhex(sig_hex, got, sizeof got))
		return false;
	if (HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)(len ? body : ""), len, want,
		 &wlen) &&
	    wlen == 32)
		ok = CRYPTO_memcmp(got, want, 32) == 0;
	OPENSSL_cleanse(want, sizeof want);
	return ok;
}

/* GitLab sends the secret itself: compare SHA-256 of both sides, so the length does not leak either. */
static bool token_matches(const char *token, const unsigned char *secret, size_t secret_len)
{
	unsigned char a[SHA256_BYTES], b[SHA256_BYTES];
	sha256_bytes(token, strlen(token), a);
	sha256_bytes(secret, secret_len, b);
	bool ok = CRYPTO_memcmp(a, b, sizeof a) == 0;
	OPENSSL_cleanse(b, sizeof b);
	return ok;
}

/* Copies a header value (at most outsz-1 bytes; CR, LF and other control bytes become '?'). */
static void copy_header(char *out, size_t outsz, const char *v)
{
	size_t i = 0;
	for (; v && v[i] && i + 1 < outsz; i++)
		out[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	out[i] = '\0';
}

static const char *first_header(hook_header_fn header, void *hctx, const char *a, const char *b)
{
	const char *v = header(hctx, a);
	return v ? v : b ? header(hctx, b) : NULL;
}

static void set_why(char *why, size_t whysz, const char *msg)
{
	if (why && whysz)
		snprintf(why, whysz, "%s", msg);
}

enum hook_auth hook_verify(hook_header_fn header, void *hctx, const char *body, size_t len,
			   const unsigned char *secret, size_t secret_len, struct hook_delivery *d, char *why,
			   size_t whysz)
{
	memset(d, 0, sizeof *d);
	set_why(why, whysz, "");
	const char *gitea = first_header(header, hctx, "X-Gitea-Signature", "X-Forgejo-Signature");
	const char *github = header(hctx, "X-Hub-Signature-256");
	const char *gitlab = header(hctx, "X-Gitlab-Token");
	const char *id = NULL, *event = NULL;
	bool ok;
	if (gitea) {
		d->provider = HOOK_GITEA;
		id = first_header(header, hctx, "X-Gitea-Delivery", "X-Forgejo-Delivery");
		event = first_header(header, hctx, "X-Gitea-Event", "X-Forgejo-Event");
		ok = hmac_matches(gitea, body, len, secret, secret_len);
		if (!ok)
			set_why(why, whysz, "X-Gitea-Signature does not match the body and the secret");
	} else if (github) {
		d->provider = HOOK_GITHUB;
		id = header(hctx, "X-GitHub-Delivery");
		event = header(hctx, "X-GitHub-Event");
		ok =
		    !strncmp(github, "sha256=", 7) && hmac_matches(github + 7, body, len, secret, secret_len);
		if (!ok)
			set_why(why, whysz, "X-Hub-Signature-256 does not match the body and the secret");
	} else if (gitlab) {
		d->provider = HOOK_GITLAB;
		id = header(hctx, "X-Gitlab-Event-UUID");
		event = header(hctx, "X-Gitlab-Event");
		ok = token_matches(gitlab, secret, secret_len);
		if (!ok)
			set_why(why, whysz, "X-Gitlab-Token is not the secret");
	} else {
		set_why(
		    why, whysz,
		    "no X-Hub-Signature-256, X-Gitlab-Token or X-Gitea-Signature header (X-Hub-Signature, "
		    "SHA-1, is not accepted)");
		return HOOK_UNSIGNED;
	}
	if (!ok)
		return HOOK_BAD_SIGNATURE;
	copy_header(d->id, sizeof d->id, id);
	copy_header(d->event, sizeof d->event, event);
	return HOOK_AUTH_OK;
}

/* Whether the event header names a push (GitHub/Gitea "push", GitLab "Push Hook"); an absent header
 * leaves the decision to the body. */
static bool event_is_push(const struct hook_delivery *d)
{
	if (!d->event[0])
		return true;
	return !strcmp(d->event, "push") || !strcmp(d->event, "Push Hook") ||
	       !strcmp(d->event, "System Hook");
}

int hook_parse_push(const char *body, size_t len, struct hook_delivery *d, struct error *err)
{
	json_error_t je;
	d->ref[0] = d->after[0] = '\0';
	d->deleted = false;
	d->is_push = false;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		if (j)
			json_decref(j);
		else
			return error_set(err, ERR_DATA, "the body is not JSON: %s at line %d column %d",
					 je.text, je.line, je.column);
		return error_set(err, ERR_DATA, "the body is not a JSON object");
	}
	int rc = 0;
	if (!event_is_push(d))
		goto out;
	/* A GitLab system hook carries other kinds too: only "push" is one. */
	const char *kind = json_string_value(json_object_get(j, "object_kind"));
	if (!strcmp(d->event, "System Hook") && (!kind || strcmp(kind, "push")))
		goto out;
	const char *ref = json_string_value(json_object_get(j, "ref"));
	if (ref && !*ref)
		ref = NULL; /* an empty ref names nothing */
	if (!ref) {
		if (d->event[0])
			rc = error_set(err, ERR_DATA, "a push delivery without a \"ref\" (or an empty one)");
		goto out; /* no event header and no ref: not a push */
	}
	if (strlen(ref) >= sizeof d->ref || strpbrk(ref, "\r\n")) {
		rc =
		    error_set(err, ERR_DATA, "the pushed \"ref\" is longer than %zu bytes or holds a newline",
			      sizeof d->ref - 1);
		goto out;
	}
	snprintf(d->ref, sizeof d->ref, "%s", ref);
	d->is_push = true;
	const char *after = json_string_value(json_object_get(j, "after"));
	if (after) {
		size_t n = strlen(after);
		bool hex = (n == 40 || n == 64) && strspn(after, "0123456789abcdef") == n;
		if (!hex) {
			rc = error_set(err, ERR_DATA, "\"after\" is not a commit id (40 or 64 hex digits)");
			goto out;
		}
		snprintf(d->after, sizeof d->after, "%s", after);
		d->deleted = strspn(after, "0") == n;
	}
	if (json_is_true(json_object_get(j, "deleted")))
		d->deleted = true;
out:
	json_decref(j);
	return rc;
}

bool hook_ref_is_branch(const struct hook_delivery *d, const char *branch)
{
	if (!branch || !*branch)
		return false;
	return !strncmp(d->ref, "refs/heads/", 11) && !strcmp(d->ref + 11, branch);
}

int hook_secret_load(const char *path, unsigned char **out, size_t *outlen, struct error *err)
{
	*out = NULL;
	*outlen = 0;
	struct buf b;
	buf_init(&b, 8192);
	if (read_file_capped(path, 8192, &b, NULL, err) < 0) {
		err->kind = ERR_CONFIG;
		error_prefix(err, "webhook_secret_file");
		buf_release(&b);
		return -1;
	}
	const char *t = buf_cstr(&b);
	size_t n = strcspn(t, "\r\n");
	int rc = 0;
	if (n == 0 || n > 1024) {
		rc = error_set(err, ERR_CONFIG,
			       "%s: webhook_secret_file must hold the secret on its first line (1 to 1024 "
			       "bytes)",
			       path);
	} else if (!(*out = malloc(n))) {
		rc = error_set(err, ERR_IO, "out of memory");
	} else {
		memcpy(*out, t, n);
		*outlen = n;
	}
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	return rc;
}

void hook_secret_free(unsigned char *secret, size_t len)
{
	if (secret)
		OPENSSL_cleanse(secret, len);
	free(secret);
}
