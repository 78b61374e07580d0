/*
 * test_hooksig.c — push delivery verification (tracker/sync/hooksig.h). The expected HMACs are not
 * computed by the code under test: GitHub's documented example ("It's a Secret to Everybody",
 * "Hello, World!") and values precomputed with Python's hmac module
 * (hmac.new(secret, body, hashlib.sha256).hexdigest()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooksig.h"

/* A request's headers: pairs of name and value, NULL-terminated. */
static const char *hdr(void *ctx, const char *name)
{
	const char *const *h = ctx;
	for (; h[0]; h += 2)
		if (!strcasecmp(h[0], name))
			return h[1];
	return NULL;
}

#define SECRET(s) (const unsigned char *)(s), strlen(s)

static const char gh_doc_sig[] = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
static const char push_body[] =
    "{\"ref\":\"refs/heads/main\",\"before\":\"1111111111111111111111111111111111111111\","
    "\"after\":\"2222222222222222222222222222222222222222\"}";
/* python3: hmac.new(b"s3cret-hook", push_body, hashlib.sha256).hexdigest() */
static const char push_sig[] = "a35351388dd98da38c2b3350314bb30785dbba7a0f89c09a58b1566e3151695e";

static void test_github_documented_vector(void **state)
{
	(void)state;
	struct hook_delivery d;
	char why[200];
	const char *h[] = {"X-Hub-Signature-256",
			   "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
			   "X-GitHub-Delivery",
			   "72d3162e-cc78-11e3-81ab-4c9367dc0958",
			   "X-GitHub-Event",
			   "push",
			   NULL};
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_AUTH_OK);
	assert_int_equal(d.provider, HOOK_GITHUB);
	assert_string_equal(d.id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
	assert_string_equal(d.event, "push");
	/* uppercase hex is the same signature */
	char upper[80] = "sha256=";
	for (size_t i = 0; i < 64; i++)
		upper[7 + i] = (char)(gh_doc_sig[i] >= 'a' ? gh_doc_sig[i] - 32 : gh_doc_sig[i]);
	upper[71] = '\0';
	h[1] = upper;
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_AUTH_OK);
}

static void test_github_refusals(void **state)
{
	(void)state;
	struct hook_delivery d;
	char why[200];
	char sig[80];
	const char *h[] = {"X-Hub-Signature-256", sig, "X-GitHub-Delivery", "abc", NULL};
	/* wrong secret, changed body, one flipped digit, no prefix, truncated, trailing junk, SHA-1 header */
	snprintf(sig, sizeof sig, "sha256=%s", gh_doc_sig);
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a secret to everybody"), &d,
				     why, sizeof why),
			 HOOK_BAD_SIGNATURE);
	assert_non_null(strstr(why, "X-Hub-Signature-256"));
	assert_int_equal(hook_verify(hdr, h, "Hello, World?", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_BAD_SIGNATURE);
	sig[7] = '8';
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_BAD_SIGNATURE);
	snprintf(sig, sizeof sig, "%s", gh_doc_sig);
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_BAD_SIGNATURE);
	snprintf(sig, sizeof sig, "sha256=%.62s", gh_doc_sig);
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_BAD_SIGNATURE);
	snprintf(sig, sizeof sig, "sha256=%s00", gh_doc_sig);
	assert_int_equal(hook_verify(hdr, h, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_BAD_SIGNATURE);
	const char *sha1[] = {"X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", NULL};
	assert_int_equal(hook_verify(hdr, sha1, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_UNSIGNED);
	const char *none[] = {"X-GitHub-Delivery", "abc", NULL};
	assert_int_equal(hook_verify(hdr, none, "Hello, World!", 13, SECRET("It's a Secret to Everybody"), &d,
				     why, sizeof why),
			 HOOK_UNSIGNED);
	assert_string_equal(d.id, ""); /* nothing is taken from a refused request */
}

static void test_gitea(void **state)
{
	(void)state;
	struct hook_delivery d;
	char why[200];
	const char *h[] = {"X-Gitea-Signature", push_sig, "X-Gitea-Delivery",
			   "f6266f16-1bf3-46a5-9ea4-602e06ead473", "X-Gitea-Event", "push",
			   /* Gitea's compatibility headers, with a wrong value: its own signature wins */
			   "X-Hub-Signature-256", "sha256=00", NULL};
	assert_int_equal(
	    hook_verify(hdr, h, push_body, strlen(push_body), SECRET("s3cret-hook"), &d, why, sizeof why),
	    HOOK_AUTH_OK);
	assert_int_equal(d.provider, HOOK_GITEA);
	assert_string_equal(d.id, "f6266f16-1bf3-46a5-9ea4-602e06ead473");
	assert_string_equal(hook_provider_name(d.provider), "gitea");
	/* Forgejo's names */
	const char *fj[] = {"X-Forgejo-Signature", push_sig, "X-Forgejo-Delivery", "fj-1", NULL};
	assert_int_equal(
	    hook_verify(hdr, fj, push_body, strlen(push_body), SECRET("s3cret-hook"), &d, why, sizeof why),
	    HOOK_AUTH_OK);
	assert_string_equal(d.id, "fj-1");
	/* Gitea has no "sha256=" prefix: with one it is refused */
	char pref[80];
	snprintf(pref, sizeof pref, "sha256=%s", push_sig);
	const char *bad[] = {"X-Gitea-Signature", pref, NULL};
	assert_int_equal(
	    hook_verify(hdr, bad, push_body, strlen(push_body), SECRET("s3cret-hook"), &d, why, sizeof why),
	    HOOK_BAD_SIGNATURE);
}

static void test_gitlab(void **state)
{
	(void)state;
	struct hook_delivery d;
	char why[200];
	const char *h[] = {"X-Gitlab-Token",
			   "s3cret-hook",
			   "X-Gitlab-Event",
			   "Push Hook",
			   "X-Gitlab-Event-UUID",
			   "13792a34-cac6-4fda-95a8-c58e00a3954e",
			   NULL};
	assert_int_equal(
	    hook_verify(hdr, h, push_body, strlen(push_body), SECRET("s3cret-hook"), &d, why, sizeof why),
	    HOOK_AUTH_OK);
	assert_int_equal(d.provider, HOOK_GITLAB);
	assert_string_equal(d.id, "13792a34-cac6-4fda-95a8-c58e00a3954e");
	/* a prefix, an extension and a near miss of the secret are all refused */
	const char *wrong[] = {"s3cret-hoo", "s3cret-hook2", "s3cret-hooK", "", NULL};
	for (int i = 0; wrong[i]; i++) {
		h[1] = wrong[i];
		assert_int_equal(hook_verify(hdr, h, push_body, strlen(push_body), SECRET("s3cret-hook"), &d,
					     why, sizeof why),
				 HOOK_BAD_SIGNATURE);
	}
}

static void test_header_values_sanitised(void **state)
{
	(void)state;
	struct hook_delivery d;
	const char *h[] = {"X-Gitlab-Token", "k", "X-Gitlab-Event-UUID", "a\r\nb", NULL};
	assert_int_equal(hook_verify(hdr, h, "{}", 2, SECRET("k"), &d, NULL, 0), HOOK_AUTH_OK);
	assert_string_equal(d.id, "a??b");
}

static void test_parse_push(void **state)
{
	(void)state;
	struct hook_delivery d;
	struct error err;
	error_init(&err);
	memset(&d, 0, sizeof d);
	snprintf(d.event, sizeof d.event, "push");
	assert_int_equal(hook_parse_push(push_body, strlen(push_body), &d, &err), 0);
	assert_true(d.is_push);
	assert_string_equal(d.ref, "refs/heads/main");
	assert_string_equal(d.after, "2222222222222222222222222222222222222222");
	assert_false(d.deleted);
	assert_true(hook_ref_is_branch(&d, "main"));
	assert_false(hook_ref_is_branch(&d, "mai"));
	assert_false(hook_ref_is_branch(&d, "refs/heads/main"));

	const char tag[] =
	    "{\"ref\":\"refs/tags/main\",\"after\":\"2222222222222222222222222222222222222222\"}";
	assert_int_equal(hook_parse_push(tag, strlen(tag), &d, &err), 0);
	assert_false(hook_ref_is_branch(&d, "main"));

	const char del[] =
	    "{\"ref\":\"refs/heads/main\",\"after\":\"0000000000000000000000000000000000000000\"}";
	assert_int_equal(hook_parse_push(del, strlen(del), &d, &err), 0);
	assert_true(d.deleted);

	/* a ping is not a push */
	snprintf(d.event, sizeof d.event, "ping");
	const char ping[] = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}";
	assert_int_equal(hook_parse_push(ping, strlen(ping), &d, &err), 0);
	assert_false(d.is_push);

	/* bad bodies, said so */
	snprintf(d.event, sizeof d.event, "push");
	assert_int_equal(hook_parse_push("{\"ref\":", 7, &d, &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	assert_non_null(strstr(err.msg, "not JSON"));
	assert_int_equal(hook_parse_push("[1]", 3, &d, &err), -1);
	assert_non_null(strstr(err.msg, "not a JSON object"));
	assert_int_equal(hook_parse_push("{\"after\":\"x\"}", 13, &d, &err), -1);
	assert_non_null(strstr(err.msg, "\"ref\""));
	assert_int_equal(hook_parse_push("{\"ref\":\"\"}", 10, &d, &err), -1); /* found by fuzz_hooksig */
	assert_non_null(strstr(err.msg, "empty"));
	const char badafter[] = "{\"ref\":\"refs/heads/main\",\"after\":\"zz\"}";
	assert_int_equal(hook_parse_push(badafter, strlen(badafter), &d, &err), -1);
	assert_non_null(strstr(err.msg, "commit id"));
	const char dup[] = "{\"ref\":\"refs/heads/a\",\"ref\":\"refs/heads/b\"}";
	assert_int_equal(hook_parse_push(dup, strlen(dup), &d, &err), -1);
}

static void test_secret_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_hooksig.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/secret", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("s3cret-hook\r\nsecond line\n", f);
	fclose(f);
	unsigned char *s;
	size_t n;
	struct error err;
	error_init(&err);
	assert_int_equal(hook_secret_load(path, &s, &n, &err), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(s, "s3cret-hook", 11);
	hook_secret_free(s, n);
	f = fopen(path, "w");
	fputs("\n", f);
	fclose(f);
	assert_int_equal(hook_secret_load(path, &s, &n, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_non_null(strstr(err.msg, path));
	unlink(path);
	assert_int_equal(hook_secret_load(path, &s, &n, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_non_null(strstr(err.msg, "webhook_secret_file"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_github_documented_vector),
	    cmocka_unit_test(test_github_refusals),
	    cmocka_unit_test(test_gitea),
	    cmocka_unit_test(test_gitlab),
	    cmocka_unit_test(test_header_values_sanitised),
	    cmocka_unit_test(test_parse_push),
	    cmocka_unit_test(test_secret_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
