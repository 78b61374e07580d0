/*
 * test_source.c — [source NAME] sections (tracker/sync/source.h through config.c): defaults, every key,
 * bad values reported with file:line and the key, path globs, document references, the mirror's place.
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
#include "source.h"
#include "banned.h"

static int load(struct config *c, const char *text, struct error *err)
{
	config_init(c);
	error_init(err);
	return config_load_string(c, text, "t.ini", err);
}

static void test_defaults_and_keys(void **state)
{
	(void)state;
	struct config c;
	struct error err;
	assert_int_equal(
	    load(&c,
		 "[sync]\ndir = /var/lib/t\n"
		 "[source pm]\nrepo = https://git.example.com/pm.git\n"
		 "[source ops.docs-2]\nrepo = git@example.com:ops/docs.git\nbranch = release/1\n"
		 "paths = docs/**/*.md, *.markdown\nusername = bot\ntoken_file = /t\nssh_key = /k\n"
		 "interval = 90s\nwebhook_secret_file = /s\nwriteback = branch\n",
		 &err),
	    0);
	assert_string_equal(c.sync_dir, "/var/lib/t");
	assert_int_equal(c.nsources, 2);
	const struct source_cfg *a = config_source(&c, "pm");
	assert_non_null(a);
	assert_string_equal(source_branch(a), "main");
	assert_null(a->paths);
	assert_int_equal(a->interval, 600);
	assert_int_equal(a->writeback, WRITEBACK_OFF);
	assert_true(source_repo_is_remote(a->repo));
	const struct source_cfg *b = config_source(&c, "ops.docs-2");
	assert_non_null(b);
	assert_string_equal(source_branch(b), "release/1");
	assert_string_equal(b->username, "bot");
	assert_int_equal(b->interval, 90);
	assert_int_equal(b->writeback, WRITEBACK_BRANCH);
	assert_true(source_repo_is_remote(b->repo));
	assert_null(config_source(&c, "nope"));
	config_release(&c);
}

/* Each bad value: the message names the file, the line and what is wrong. */
static void test_bad_values(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"[source pm]\nrepo = x\ninterval = 10 minutes\n",
	     "t.ini:3: [source pm] interval: expected a duration"},
	    {"[source pm]\nrepo = x\ninterval = 0\n", "t.ini:3: [source pm] interval"},
	    {"[source pm]\nwriteback = yes\n",
	     "t.ini:2: [source pm] writeback must be off, branch or push, not \"yes\""},
	    {"[source pm]\nrepo = https://u:secret@h/x.git\n",
	     "t.ini:2: [source pm] repo: the URL holds a password"},
	    {"[source pm]\nrepo = ext::sh -c evil\n",
	     "t.ini:2: [source pm] repo: \"ext::sh -c evil\": only https"},
	    {"[source pm]\nrepo = --upload-pack=evil\n",
	     "t.ini:2: [source pm] repo: \"--upload-pack=evil\" must not start"},
	    {"[source pm]\nbranch = a..b\n",
	     "t.ini:2: [source pm] branch: \"a..b\" is not a valid branch name"},
	    {"[source pm]\nbranch = -x\n", "t.ini:2: [source pm] branch"},
	    {"[source pm]\nrepo = x\nrepos = y\n",
	     "t.ini:3: unknown key \"repos\" in [source pm] (did you mean repo?)"},
	    {"[source]\nrepo = x\n", "t.ini:2: [source] needs a name"},
	    {"[source a/b]\nrepo = x\n", "t.ini:2: [source a/b]: a source name is"},
	    {"[source pm]\nbranch = main\n", "t.ini: [source pm] has no repo"},
	    {"[sources pm]\nrepo = x\n", "t.ini:2: unknown section [sources pm]"},
	    {"[sync]\ndirs = /x\n", "t.ini:2: unknown key \"dirs\" in [sync] (did you mean dir?)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config c;
		struct error err;
		assert_int_equal(load(&c, cases[i].text, &err), -1);
		if (strncmp(err.msg, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got \"%s\", want \"%s…\"", i, err.msg, cases[i].want);
		assert_int_equal(err.kind, ERR_CONFIG);
		config_release(&c);
	}
}

static void test_globs(void **state)
{
	(void)state;
	assert_true(source_glob_match("**/*.md", "a.md"));
	assert_true(source_glob_match("**/*.md", "a/b/c.md"));
	assert_false(source_glob_match("**/*.md", "a/b/c.txt"));
	assert_true(source_glob_match("pm/**/*.md", "pm/a.md"));
	assert_true(source_glob_match("pm/**/*.md", "pm/2026/q1/a.md"));
	assert_false(source_glob_match("pm/**/*.md", "other/pm/a.md"));
	assert_false(source_glob_match("pm/*.md", "pm/2026/a.md"));
	assert_true(source_glob_match("pm/**", "pm/x/y"));
	assert_true(source_glob_match("*.md", ".hidden.md")); /* no FNM_PERIOD: a dot file is a file */
	assert_false(source_glob_match("*.md", "a\nb/c.md"));
	struct source_cfg s;
	source_init(&s);
	assert_true(source_path_matches(&s, "x/y.md"));
	s.paths = strdup("docs/*.md, /postmortems/**/*.md");
	assert_true(source_path_matches(&s, "docs/a.md"));
	assert_true(source_path_matches(&s, "postmortems/2026/a.md"));
	assert_false(source_path_matches(&s, "README.md"));
	source_release(&s);
}

static void test_refs_and_mirror(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(source_ref("pm", "a/b:c.md", &b), 0);
	assert_string_equal(buf_cstr(&b), "git:pm:a/b:c.md");
	const char *path;
	assert_true(source_ref_parse("git:pm:a/b:c.md", "pm", &path));
	assert_string_equal(path, "a/b:c.md");
	assert_false(source_ref_parse("git:pmx:a.md", "pm", &path));
	assert_false(source_ref_parse("/srv/pm/a.md", "pm", &path));
	assert_false(source_repo_is_remote("/srv/pm.git"));
	assert_false(source_repo_is_remote("file:///srv/pm.git"));
	assert_true(source_repo_is_remote("ssh://git@h/pm.git"));

	struct source_cfg s;
	source_init(&s);
	s.name = strdup("pm");
	s.repo = strdup("https://h/pm.git");
	struct error err;
	error_init(&err);
	assert_int_equal(source_mirror_path(&s, "/m", &b, &err), 0);
	assert_int_equal(strncmp(buf_cstr(&b), "/m/pm-", 6), 0);
	assert_int_equal(strlen(buf_cstr(&b)), strlen("/m/pm-") + 12 + 4);
	char first[256];
	snprintf(first, sizeof first, "%s", buf_cstr(&b));
	free(s.repo);
	s.repo = strdup("https://h/other.git"); /* another repository: another mirror */
	assert_int_equal(source_mirror_path(&s, "/m", &b, &err), 0);
	assert_string_not_equal(first, buf_cstr(&b));
	source_release(&s);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_and_keys),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_globs),
	    cmocka_unit_test(test_refs_and_mirror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
