/*
 * sha256 — SHA-256 (OpenSSL) and lowercase hexadecimal: the one copy of each, for file hashes
 * (import, write-back), token hashes (tokens.c, the feed cache), idempotency keys and Message-IDs
 * (notify_sha256_hex()) and the server secret.
 */
#ifndef TRACKER_SHA256_H
#define TRACKER_SHA256_H

#include <stddef.h>

enum { SHA256_BYTES = 32, SHA256_HEX_CHARS = 64 };

/* The digest of `len` bytes at `data`. */
void sha256_bytes(const void *data, size_t len, unsigned char out[static SHA256_BYTES]);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[static SHA256_HEX_CHARS + 1]);
/* `n` bytes as 2n lowercase hex digits and a NUL (out holds 2n + 1). */
void hex_lower(const unsigned char *in, size_t n, char *out);

#endif
