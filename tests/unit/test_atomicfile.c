/*
 * test_atomicfile.c — atomic file replacement and creation (atomicfile.h), and the server secret made
 * by several processes at once: the content and the mode kept, no
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
#include <sys/wait.h>
#include <unistd.h>

#include "actionlink.h"
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

/* atomic_file_create: the target appears whole, once; a second creator finds it (1) and leaves it. */
static void test_create(void **state)
{
	(void)state;
	char path[128];
	struct error err;
	snprintf(path, sizeof path, "%s/made", dir);
	struct atomic_file a = {0}, b = {0};
	error_init(&err);
	assert_int_equal(atomic_file_write(&a, path, "tmp", "first\n", 6, NULL, &err), 0);
	assert_int_equal(atomic_file_write(&b, path, "tmp", "second\n", 7, NULL, &err), 0);
	assert_int_equal(atomic_file_create(&a, &err), 0);
	assert_int_equal(atomic_file_create(&b, &err), 1);
	atomic_file_release(&a);
	atomic_file_release(&b);
	assert_content(path, "first\n");
	assert_int_equal(entries(), 1); /* no temporary name left */
}

/* Several processes loading a server secret that does not exist yet, at once (several `tracker serve`
 * starting together): each gets the same whole secret. Creating the file in place let one read it
 * empty and refuse to start ("the server secret must be one line of 32 to 512 bytes", t0920 once). */
static void test_secret_concurrent_first_load(void **state)
{
	(void)state;
	enum { PROCS = 8, ROUNDS = 30 };
	for (int round = 0; round < ROUNDS; round++) {
		char path[128];
		snprintf(path, sizeof path, "%s/server-%d.secret", dir, round);
		int fds[PROCS][2];
		pid_t pids[PROCS];
		for (int k = 0; k < PROCS; k++) {
			assert_int_equal(pipe(fds[k]), 0);
			pids[k] = fork();
			assert_true(pids[k] >= 0);
			if (pids[k] == 0) {
				struct action_secret sec;
				struct error err;
				error_init(&err);
				close(fds[k][0]);
				if (action_secret_load(path, &sec, &err) < 0) {
					fprintf(stderr, "%s\n", err.msg);
					_exit(1);
				}
				ssize_t w = write(fds[k][1], sec.key, sec.len);
				_exit(w == (ssize_t)sec.len ? 0 : 1);
			}
			close(fds[k][1]);
		}
		char first[ACTION_SECRET_MAX + 1] = "";
		for (int k = 0; k < PROCS; k++) {
			char got[ACTION_SECRET_MAX + 1];
			ssize_t n = read(fds[k][0], got, sizeof got - 1);
			close(fds[k][0]);
			int status;
			assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
			assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			assert_true(n >= 32);
			got[n] = '\0';
			if (k == 0)
				memcpy(first, got, (size_t)n + 1);
			else
				assert_string_equal(got, first);
		}
	}
	assert_int_equal(entries(), ROUNDS); /* the secrets, and no temporary file */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_concurrent_first_load, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
