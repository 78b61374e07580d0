/*
 * test_sha256.c — the one SHA-256 hex helper (sha256.h) against the FIPS 180-2 vectors, and the
 * callers that now share it: token_hash_hex() and notify_sha256_hex() (truncated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "notify.h"
#include "sha256.h"
#include "tokens.h"

static const char abc_hex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char empty_hex[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void test_vectors(void **state)
{
	(void)state;
	char out[SHA256_HEX_CHARS + 1];
	sha256_hex("abc", 3, out);
	assert_string_equal(out, abc_hex);
	sha256_hex("", 0, out);
	assert_string_equal(out, empty_hex);
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	unsigned char md[SHA256_BYTES];
	sha256_bytes("abc", 3, md);
	assert_int_equal(md[0], 0xba);
	assert_int_equal(md[31], 0xad);
}

static void test_hex_lower(void **state)
{
	(void)state;
	const unsigned char in[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[9];
	hex_lower(in, sizeof in, out);
	assert_string_equal(out, "000fa5ff");
	hex_lower(in, 0, out);
	assert_string_equal(out, "");
}

static void test_callers(void **state)
{
	(void)state;
	char tok[65];
	token_hash_hex("abc", 3, tok);
	assert_string_equal(tok, abc_hex);
	char part[33];
	notify_sha256_hex("abc", 3, part, 32);
	assert_string_equal(part, "ba7816bf8f01cfea414140de5dae2223");
	char odd[8];
	notify_sha256_hex("abc", 3, odd, 7);
	assert_string_equal(odd, "ba7816b");
	char all[65];
	notify_sha256_hex("abc", 3, all, 99); /* capped at 64 */
	assert_string_equal(all, abc_hex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_hex_lower),
	    cmocka_unit_test(test_callers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
