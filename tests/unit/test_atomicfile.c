/*
 * test_atomicfile.c — atomic file replacement (atomicfile.h): the content and the mode kept, no
 * temporary file left after a commit, an abort or a failure, the target untouched until the commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "readfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test-atomicfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t entries(void)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void assert_content(const char *path, const char *want)
{
	struct buf b;
	struct error err;
	buf_init(&b, 1 << 20);
	error_init(&err);
	assert_int_equal(read_file_capped(path, 1 << 20, &b, NULL, &err), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_release(&b);
}

static void test_replace(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/doc.md", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("old\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0640), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	struct error err;
	error_init(&err);

	/* Written but not committed: the target is untouched, the temporary file is there. */
	struct atomic_file af = {0};
	assert_int_equal(atomic_file_write(&af, path, "wb", "new\n", 4, &sb, &err), 0);
	assert_non_null(af.tmp);
	assert_non_null(strstr(af.tmp, "/.doc.md.wb-"));
	assert_int_equal(entries(), 2);
	assert_content(path, "old\n");
	atomic_file_release(&af); /* an abort: the temporary file goes */
	assert_int_equal(entries(), 1);
	assert_content(path, "old\n");

	/* Committed: the new content with the old mode, nothing left over. */
	assert_int_equal(atomic_file_write(&af, path, "wb", "new\n", 4, &sb, &err), 0);
	assert_int_equal(atomic_file_commit(&af, &err), 0);
	atomic_file_release(&af);
	assert_content(path, "new\n");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(entries(), 1);

	/* Without `keep`: a private file (0600). */
	char out[128];
	snprintf(out, sizeof out, "%s/feed.ics", dir);
	assert_int_equal(atomic_replace(out, "tmp", "BEGIN:VCALENDAR\r\n", 17, NULL, &err), 0);
	assert_content(out, "BEGIN:VCALENDAR\r\n");
	assert_int_equal(stat(out, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(atomic_replace(out, "tmp", "", 0, NULL, &err), 0);
	assert_content(out, "");
	assert_int_equal(entries(), 2);
}

static void test_failures(void **state)
{
	(void)state;
	char path[128];
	struct error err;
	error_init(&err);
	snprintf(path, sizeof path, "%s/no-such-dir/feed.ics", dir);
	assert_int_equal(atomic_replace(path, "tmp", "x", 1, NULL, &err), -1);
	assert_int_equal(err.kind, ERR_IO);
	assert_non_null(strstr(err.msg, "feed.ics: cannot create a temporary file"));
	/* Replacing a directory fails at the rename, and leaves no temporary file. */
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	error_init(&err);
	assert_int_equal(atomic_replace(path, "tmp", "x", 1, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "sub: cannot replace the file"));
	assert_int_equal(entries(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
