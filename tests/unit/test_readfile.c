/*
 * test_readfile.c — read_file_capped() on regular files, FIFOs, devices and directories and at its
 * cap; md_walk() through symbolic link loops; file_perm_warning(); import_read_file(), which reads
 * through read_file_capped().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "readfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test-readfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *name, const char *text, char *path, size_t plen)
{
	snprintf(path, plen, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_regular_and_cap(void **state)
{
	(void)state;
	char path[256];
	put("a.txt", "hello\n", path, sizeof path);
	struct buf b;
	struct error err;
	struct stat sb;
	buf_init(&b, 100);
	error_init(&err);
	assert_int_equal(read_file_capped(path, 100, &b, &sb, &err), 0);
	assert_string_equal(buf_cstr(&b), "hello\n");
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(read_file_capped(path, 5, &b, &sb, &err), -1);
	assert_int_equal(err.kind, ERR_DATA);
	assert_non_null(strstr(err.msg, "over the 5-byte limit"));
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_not_regular(void **state)
{
	(void)state;
	char fifo[256];
	snprintf(fifo, sizeof fifo, "%s/pipe", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	struct buf b;
	struct error err;
	buf_init(&b, 1 << 20);
	error_init(&err);
	/* no writer: a blocking open would wait for ever */
	assert_int_equal(read_file_capped(fifo, 1 << 20, &b, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is a FIFO (named pipe), not a regular file"));
	assert_int_equal(read_file_capped("/dev/zero", 1 << 20, &b, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "/dev/zero: is a character device"));
	assert_int_equal(read_file_capped(dir, 1 << 20, &b, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(read_file_capped("/nonexistent/x", 1 << 20, &b, NULL, &err), -1);
	assert_int_equal(err.kind, ERR_IO);
	buf_release(&b);
}

struct seen {
	int files;
	int loops;
};

static int on_file(void *ud, const char *path)
{
	(void)path;
	((struct seen *)ud)->files++;
	return 0;
}

static void on_note(void *ud, const char *msg)
{
	if (strstr(msg, "symbolic link loop"))
		((struct seen *)ud)->loops++;
}

static void test_walk_loops(void **state)
{
	(void)state;
	char path[256], link[256], sub[256];
	put("one.md", "# x\n", path, sizeof path);
	snprintf(sub, sizeof sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	put("sub/two.md", "# y\n", path, sizeof path);
	const char *links[][2] = {{".", "a"}, {".", "b"}, {"..", "sub/up"}};
	for (size_t i = 0; i < 3; i++) {
		snprintf(link, sizeof link, "%s/%s", dir, links[i][1]);
		assert_int_equal(symlink(links[i][0], link), 0);
	}
	struct seen s = {0};
	assert_int_equal(md_walk(dir, on_file, on_note, &s), 0);
	assert_int_equal(s.files, 2);
	assert_int_equal(s.loops, 3);
}

static void test_perm_warning(void **state)
{
	(void)state;
	char path[256], msg[512];
	put("secret", "k\n", path, sizeof path);
	chmod(path, 0600);
	assert_int_equal(file_perm_warning(path, "the secret", 077, msg, sizeof msg), 0);
	chmod(path, 0640);
	assert_int_equal(file_perm_warning(path, "the secret", 077, msg, sizeof msg), 1);
	assert_non_null(strstr(msg, "permissions 0640: its group can read it (chmod 600"));
	chmod(path, 0666);
	assert_int_equal(file_perm_warning(path, "the database", 007, msg, sizeof msg), 1);
	assert_non_null(strstr(msg, "everyone can read or change it"));
	assert_int_equal(file_perm_warning("/nonexistent/x", "x", 077, msg, sizeof msg), 0);
	assert_int_equal(file_perm_warning(NULL, "x", 077, msg, sizeof msg), 0);
}

static bool has_error(const struct import_doc *d, const char *needle)
{
	for (size_t i = 0; i < d->ndiags; i++)
		if (d->diags[i].level == DIAG_ERROR && strstr(d->diags[i].msg, needle))
			return true;
	return false;
}

/* The importer reads through read_file_capped(): a file over [import] max_size is a rejected
 * document (a diagnostic naming the setting, no read error), a FIFO a read error naming it. */
static void test_import_read_file(void **state)
{
	(void)state;
	char path[256];
	struct import_doc d;
	struct error err;
	put("ok.md",
	    "# T\n\n**Incident ID:** INC-2026-01-01-1\n\n## Action Items\n\n| ID | Action |\n|---|---|\n"
	    "| 1 | a |\n",
	    path, sizeof path);
	import_doc_init(&d);
	error_init(&err);
	assert_int_equal(import_read_file(path, NULL, &d, &err), 0);
	assert_string_equal(d.inc.id, "INC-2026-01-01-1");
	assert_int_equal(d.nitems, 1);
	import_doc_release(&d);

	struct import_opts small = {.max_size = 10};
	put("big.md", "0123456789AB", path, sizeof path);
	import_doc_init(&d);
	error_init(&err);
	assert_int_equal(import_read_file(path, &small, &d, &err), -1);
	assert_int_equal(err.kind, ERR_NONE);
	assert_true(
	    has_error(&d, "file is 12 bytes, over the 10-byte limit ([import] max_size in the config)"));
	assert_string_equal(d.path, path);
	import_doc_release(&d);

	snprintf(path, sizeof path, "%s/fifo.md", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	import_doc_init(&d);
	error_init(&err);
	assert_int_equal(import_read_file(path, NULL, &d, &err), -1);
	assert_int_equal(err.kind, ERR_IO);
	assert_non_null(strstr(err.msg, "is a FIFO (named pipe), not a regular file"));
	import_doc_release(&d);

	snprintf(path, sizeof path, "%s/missing.md", dir);
	import_doc_init(&d);
	error_init(&err);
	assert_int_equal(import_read_file(path, NULL, &d, &err), -1);
	assert_int_equal(err.kind, ERR_IO);
	assert_non_null(strstr(err.msg, "missing.md: cannot open"));
	import_doc_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_regular_and_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_loops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_perm_warning, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_read_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
