/*
 * sha256.c — SHA-256 and lowercase hex (see sha256.h).
 */
#include "sha256.h"

#include <openssl/evp.h>

#include "banned.h"

void sha256_bytes(const void *data, size_t len, unsigned char out[static SHA256_BYTES])
{
	unsigned int mdlen = 0;
	EVP_Digest(data, len, out, &mdlen, EVP_sha256(), NULL);
}

void hex_lower(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[static SHA256_HEX_CHARS + 1])
{
	unsigned char md[SHA256_BYTES];
	sha256_bytes(data, len, md);
	hex_lower(md, sizeof md, out);
}
