/*
 * sign.c — Standard Webhooks signatures (standardwebhooks.com): the webhook id derived from the
 * idempotency key, and "v1,<base64 HMAC-SHA256 of id.timestamp.body>" keyed with the secret, where a
 * "whsec_<base64>" secret is decoded first, as the spec's reference libraries do. OpenSSL does the
 * cryptography; the key never leaves this file's stack frames, which are wiped.
 */
#include "notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "banned.h"

void webhook_msg_id(const char *idempotency_key, char out[static 37])
{
	memcpy(out, "msg_", 4);
	notify_sha256_hex(idempotency_key, strlen(idempotency_key), out + 4, 32);
}

/* Decodes standard base64 (with padding) into key; returns the length or -1. */
static int b64_decode(const char *s, unsigned char *key, size_t keysz)
{
	size_t n = strlen(s);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > keysz)
		return -1;
	int k = EVP_DecodeBlock(key, (const unsigned char *)s, (int)n);
	if (k < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (s[n - 1] == '=')
		k--;
	if (s[n - 2] == '=')
		k--;
	return k;
}

int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp, const char *body, size_t len,
		 char *out, size_t outsz, struct error *err)
{
	unsigned char key[512];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t keylen;
	int rc = -1;
	struct buf content;
	buf_init(&content, BUF_MAX_DEFAULT);

	if (!secret || !*secret) {
		error_set(err, ERR_CONFIG, "webhook secret is empty");
		goto out;
	}
	if (!strncmp(secret, "whsec_", 6)) {
		int k = b64_decode(secret + 6, key, sizeof key);
		if (k <= 0) {
			error_set(err, ERR_CONFIG,
				  "webhook secret starts with whsec_ but the rest is not base64");
			goto out;
		}
		keylen = (size_t)k;
	} else {
		keylen = strlen(secret);
		if (keylen > sizeof key) {
			error_set(err, ERR_CONFIG, "webhook secret is longer than %zu bytes", sizeof key);
			goto out;
		}
		memcpy(key, secret, keylen);
	}
	if (buf_printf(&content, "%s.%" PRId64 ".", msg_id, timestamp) < 0 ||
	    buf_add(&content, body, len) < 0) {
		error_set(err, ERR_IO, "webhook body too large to sign");
		goto out;
	}
	if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)content.data, content.len, mac,
		  &maclen)) {
		error_set(err, ERR_IO, "HMAC-SHA256 failed");
		goto out;
	}
	if (outsz < 3 + 4 * ((maclen + 2) / 3) + 1) {
		error_set(err, ERR_IO, "signature buffer too small");
		goto out;
	}
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)maclen);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	buf_release(&content);
	return rc;
}
