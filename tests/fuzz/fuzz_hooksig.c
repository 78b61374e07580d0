/*
 * fuzz_hooksig — libFuzzer target for push deliveries (tracker/sync/hooksig.h), outside input of
 * POST /hooks/git/NAME. The input is the body; its first bytes also become header values. Properties: a
 * body signed with the secret (OpenSSL HMAC here) verifies, the same signature over another secret
 * does not; hook_parse_push() either refuses or fills a ref and an after that is "" or hex.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hooksig.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *hdr(void *ctx, const char *name)
{
	const char *const *h = ctx;
	for (; h[0]; h += 2)
		if (!strcasecmp(h[0], name))
			return h[1];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	static const unsigned char secret[] = "fuzz-secret";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (!HMAC(EVP_sha256(), secret, (int)sizeof secret - 1, size ? data : (const uint8_t *)"", size, mac,
		  &maclen))
		return 0;
	char sig[80] = "sha256=";
	for (unsigned i = 0; i < maclen; i++)
		snprintf(sig + 7 + 2 * i, 3, "%02x", mac[i]);
	char junk[64];
	size_t n = size < sizeof junk - 1 ? size : sizeof junk - 1;
	memcpy(junk, data, n);
	junk[n] = '\0'; /* may end early at a NUL: any header value */
	const char *good[] = {
	    "X-Hub-Signature-256", sig, "X-GitHub-Delivery", junk, "X-GitHub-Event", junk, NULL};
	const char *gitea[] = {"X-Gitea-Signature", sig + 7, "X-Gitea-Delivery", junk, NULL};
	const char *bad[] = {"X-Hub-Signature-256", junk, NULL};
	const char *lab[] = {"X-Gitlab-Token", junk, NULL};
	struct hook_delivery d;
	char why[200];
	const char *body = (const char *)data;
	if (hook_verify(hdr, (void *)good, body, size, secret, sizeof secret - 1, &d, why, sizeof why) !=
	    HOOK_AUTH_OK)
		abort();
	if (hook_verify(hdr, (void *)gitea, body, size, secret, sizeof secret - 1, &d, why, sizeof why) !=
	    HOOK_AUTH_OK)
		abort();
	if (hook_verify(hdr, (void *)good, body, size, (const unsigned char *)"other", 5, &d, why,
			sizeof why) == HOOK_AUTH_OK)
		abort();
	(void)hook_verify(hdr, (void *)bad, body, size, secret, sizeof secret - 1, &d, why, sizeof why);
	if (hook_verify(hdr, (void *)lab, body, size, secret, sizeof secret - 1, &d, why, sizeof why) ==
		HOOK_AUTH_OK &&
	    strcmp(junk, "fuzz-secret"))
		abort();
	memset(&d, 0, sizeof d);
	snprintf(d.event, sizeof d.event, "%s", n && data[0] & 1 ? "push" : "");
	struct error err;
	error_init(&err);
	if (hook_parse_push(body, size, &d, &err) == 0 && d.is_push) {
		size_t a = strlen(d.after);
		if (!d.ref[0] || (a && a != 40 && a != 64) || strspn(d.after, "0123456789abcdef") != a)
			abort();
		(void)hook_ref_is_branch(&d, "main");
	}
	return 0;
}
