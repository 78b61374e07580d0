/*
 * test_config.c — the INI configuration: contrib/config.example.ini documents every key and parses
 * (as shipped and with every key uncommented); bad input is an error naming file, line and key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "banned.h"

#define EXAMPLE TEST_SRCDIR "/contrib/config.example.ini"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	size_t n;
	while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *t = realloc(s, cap * 2);
			if (!t) {
				free(s);
				s = NULL;
				break;
			}
			s = t;
			cap *= 2;
		}
	}
	fclose(f);
	if (s)
		s[len] = '\0';
	return s;
}

/* A commented-out entry is "# key = value" or "# [section]"; explanations never look like that. */
static const char *commented_entry(const char *line)
{
	if (line[0] != '#' && line[0] != ';')
		return NULL;
	const char *p = line + 1;
	if (*p == ' ')
		p++;
	if (*p == '[')
		return p;
	const char *q = p;
	while ((*q >= 'a' && *q <= 'z') || *q == '_')
		q++;
	if (q == p || strncmp(q, " = ", 3) != 0)
		return NULL;
	return p;
}

/* The example with every commented-out entry uncommented. Caller frees. */
static char *uncomment(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1);
	assert_non_null(out);
	char *o = out;
	const char *line = text;
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) + 1 : strlen(line);
		const char *entry = commented_entry(line);
		const char *from = entry ? entry : line;
		size_t skip = (size_t)(from - line);
		memcpy(o, from, len - skip);
		o += len - skip;
		line += len;
	}
	*o = '\0';
	return out;
}

static void test_example_documents_every_key(void **state)
{
	(void)state;
	char *text = read_all(EXAMPLE);
	assert_non_null(text);
	for (const char *const *k = config_known_keys; *k; k++) {
		const char *dot = strchr(*k, '.');
		assert_non_null(dot);
		char section[64], key[64];
		snprintf(section, sizeof section, "%.*s", (int)(dot - *k), *k);
		snprintf(key, sizeof key, "%s", dot + 1);
		/* Walk the file keeping track of the (possibly commented-out) section. */
		bool found = false;
		char cur[64] = "";
		const char *line = text;
		while (*line && !found) {
			const char *eol = strchr(line, '\n');
			size_t len = eol ? (size_t)(eol - line) : strlen(line);
			const char *e = line[0] == '[' ? line : commented_entry(line);
			if (e && *e == '[') {
				size_t m = strcspn(e + 1, " ]");
				snprintf(cur, sizeof cur, "%.*s", (int)m, e + 1);
			} else if (e && !strcmp(cur, section) && !strncmp(e, key, strlen(key)) &&
				   !strncmp(e + strlen(key), " = ", 3)) {
				found = true;
			}
			line += len + (eol ? 1 : 0);
		}
		if (!found)
			fail_msg("config.example.ini does not document [%s] %s", section, key);
	}
	free(text);
}

static void test_example_parses_as_shipped(void **state)
{
	(void)state;
	char *text = read_all(EXAMPLE);
	assert_non_null(text);
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	int rc = config_load_string(&c, text, "config.example.ini", &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	/* Everything is commented out: the defaults stand. */
	assert_int_equal(c.busy_timeout_ms, 5000);
	assert_null(c.smtp_url);
	assert_int_equal(c.nwebhooks, 0);
	config_release(&c);
	free(text);
}

static void test_example_parses_uncommented(void **state)
{
	(void)state;
	char *text = read_all(EXAMPLE);
	assert_non_null(text);
	char *all = uncomment(text);
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	int rc = config_load_string(&c, all, "config.example.ini (uncommented)", &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	/* The documented defaults are the real defaults. */
	struct config d;
	config_init(&d);
	assert_int_equal(c.busy_timeout_ms, d.busy_timeout_ms);
	assert_int_equal(c.import_max_size, d.import_max_size);
	assert_int_equal(c.smtp_timeout, d.smtp_timeout);
	assert_int_equal(c.smtp_verify_tls, d.smtp_verify_tls);
	assert_int_equal(c.server_max_connections, d.server_max_connections);
	assert_int_equal(c.server_connection_timeout, d.server_connection_timeout);
	assert_int_equal(c.server_max_request_size, d.server_max_request_size);
	assert_int_equal(c.rem_max_attempts, d.rem_max_attempts);
	assert_string_equal(c.import_date_order, "auto");
	assert_non_null(c.smtp_url);
	assert_non_null(c.rem_lease);
	assert_int_equal(c.nwebhooks, 1);
	assert_string_equal(c.webhooks[0].name, "sre-alerts");
	assert_int_equal(c.webhooks[0].timeout, 10);
	assert_false(c.webhooks[0].allow_http);
	config_release(&d);
	config_release(&c);
	free(all);
	free(text);
}

/* Loads `text` expecting failure and checks the message mentions each needle. */
static void expect_error(const char *text, const char *const *needles)
{
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	assert_int_equal(config_load_string(&c, text, "t.ini", &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	for (; *needles; needles++)
		if (!strstr(err.msg, *needles))
			fail_msg("error \"%s\" does not mention \"%s\"", err.msg, *needles);
	config_release(&c);
}

static void test_unknown_key(void **state)
{
	(void)state;
	const char *const n1[] = {"t.ini:3:", "colour", NULL};
	expect_error("[store]\nbusy_timeout_ms = 10\ncolour = blue\n", n1);
	const char *const n2[] = {"t.ini:2:", "nope", "[webhook x]", NULL};
	expect_error("[webhook x]\nnope = 1\nurl = https://x\n", n2);
	const char *const n3[] = {"t.ini:3:", "[stroe]", NULL};
	expect_error("\n[stroe]\npath = x\n", n3);
	const char *const n4[] = {"t.ini:1:", "outside", NULL};
	expect_error("path = x\n", n4);
	/* the nearest known key or section is suggested; nothing when nothing is near */
	const char *const n5[] = {"t.ini:3:", "unknown key \"form\" in [smtp] (did you mean from?)", NULL};
	expect_error("[smtp]\nurl = smtp://x\nform = a@b\n", n5);
	const char *const n6[] = {"(did you mean send_at?)", NULL};
	expect_error("[reminders]\nsendat = 09:00\n", n6);
	const char *const n7[] = {"did you mean [store]?", NULL};
	expect_error("[stroe]\npath = x\n", n7);
	const char *const n8[] = {"unknown key \"urll\" in [webhook x] (did you mean url?)", NULL};
	expect_error("[webhook x]\nurll = https://x\n", n8);
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	assert_int_equal(config_load_string(&c, "[store]\ncolour = blue\n", "t.ini", &err), -1);
	assert_null(strstr(err.msg, "did you mean"));
	config_release(&c);
}

/* Issue 9: a bad id pattern is a config error naming file and line; a good one loads. */
static void test_id_pattern(void **state)
{
	(void)state;
	const char *const n[] = {"t.ini:3:", "id_pattern", "PM[0-9", "regular expression", NULL};
	expect_error("[import]\nrequire_id = true\nid_pattern = PM[0-9\n", n);
	const char *const n2[] = {"t.ini:2:", "require_id", NULL};
	expect_error("[import]\nrequire_id = sometimes\n", n2);
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	assert_int_equal(config_load_string(&c,
					    "[import]\nid_pattern = PM[0-9]{4}-[0-9]{3}\nrequire_id = yes\n",
					    "t.ini", &err),
			 0);
	assert_string_equal(c.import_id_pattern, "PM[0-9]{4}-[0-9]{3}");
	assert_true(c.import_require_id);
	config_release(&c);
}

static void test_bad_bool(void **state)
{
	(void)state;
	const char *const n[] = {"t.ini:2:", "verify_tls", "maybe", NULL};
	expect_error("[smtp]\nverify_tls = maybe\n", n);
}

static void test_bad_number(void **state)
{
	(void)state;
	const char *const n1[] = {"t.ini:3:", "timeout", "30s", NULL};
	expect_error("[smtp]\n\ntimeout = 30s\n", n1);
	const char *const n2[] = {"t.ini:2:", "busy_timeout_ms", NULL};
	expect_error("[store]\nbusy_timeout_ms = -1\n", n2);
	const char *const n3[] = {"t.ini:2:", "max_size", NULL};
	expect_error("[import]\nmax_size = 99999999999999999999999\n", n3);
}

static void test_bad_enum(void **state)
{
	(void)state;
	const char *const n1[] = {"date_order", "ymd", NULL};
	expect_error("[import]\ndate_order = ymd\n", n1);
	const char *const n2[] = {"[webhook x]", "url", NULL};
	expect_error("[webhook x]\nformat = slack\n", n2);
}

static void test_missing_config_file(void **state)
{
	(void)state;
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	const char *path = TEST_SRCDIR "/tests/does-not-exist/config.ini";
	assert_int_equal(config_load(&c, path, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_non_null(strstr(err.msg, path));
	config_release(&c);
}

static void test_load_example_file(void **state)
{
	(void)state;
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	if (config_load(&c, EXAMPLE, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.path, EXAMPLE);
	config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_documents_every_key),
	    cmocka_unit_test(test_example_parses_as_shipped),
	    cmocka_unit_test(test_example_parses_uncommented),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_bad_bool),
	    cmocka_unit_test(test_id_pattern),
	    cmocka_unit_test(test_bad_number),
	    cmocka_unit_test(test_bad_enum),
	    cmocka_unit_test(test_missing_config_file),
	    cmocka_unit_test(test_load_example_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
