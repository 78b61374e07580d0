/*
 * test_git.c — running the real git (tracker/sync/git.h): standard input and output both larger than a
 * pipe (no deadlock), git's own error as the message, a stray GIT_DIR in our environment ignored, the
 * time limit (a server that accepts and never answers), the output cap, the askpass helper, and the
 * cat-file batch reader (found, missing, too large — and the stream still in step after each).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git.h"
#include "banned.h"

static char dir[256], repo[300];

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "/tmp/tracker-test-git-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(repo, sizeof repo, "%s/r.git", dir);
	struct git_env g = {0};
	struct error err;
	error_init(&err);
	const char *argv[] = {"init", "--bare", "--quiet", repo, NULL};
	if (git_run(&g, argv, NULL, 0, NULL, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes `n` bytes of `data` as a blob; its id into oid. */
static void put_blob(const char *data, size_t n, char oid[72])
{
	struct git_env g = {.git_dir = repo};
	struct buf out;
	buf_init(&out, 4096);
	struct error err;
	error_init(&err);
	const char *argv[] = {"hash-object", "-w", "--stdin", NULL};
	if (git_run(&g, argv, data, n, &out, &err) < 0)
		fail_msg("%s", err.msg);
	snprintf(oid, 72, "%.*s", (int)strcspn(buf_cstr(&out), "\n"), buf_cstr(&out));
	buf_release(&out);
}

static void test_big_in_and_out(void **state)
{
	(void)state;
	size_t n = (size_t)3 << 20; /* far more than a pipe holds, both ways */
	char *data = malloc(n);
	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	char oid[72];
	put_blob(data, n, oid);
	assert_int_equal(strlen(oid), 40);
	struct git_env g = {.git_dir = repo};
	struct buf out;
	buf_init(&out, (size_t)8 << 20);
	struct error err;
	error_init(&err);
	const char *argv[] = {"cat-file", "blob", oid, NULL};
	assert_int_equal(git_run(&g, argv, NULL, 0, &out, &err), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, data, n);
	/* the output cap stops it */
	buf_reset(&out);
	g.max_output = 1 << 20;
	assert_int_equal(git_run(&g, argv, NULL, 0, &out, &err), -1);
	assert_non_null(strstr(err.msg, "output larger than 1048576 bytes"));
	buf_release(&out);
	free(data);
}

static void test_errors(void **state)
{
	(void)state;
	struct git_env g = {.git_dir = repo};
	struct error err;
	error_init(&err);
	const char *argv[] = {"rev-parse", "--verify", "no-such-ref", NULL};
	assert_int_equal(git_run(&g, argv, NULL, 0, NULL, &err), -1);
	assert_int_equal(err.kind, ERR_IO);
	assert_string_equal(err.msg, "git rev-parse failed (exit 128): fatal: Needed a single revision");
	int status = 0;
	struct buf eb;
	buf_init(&eb, 4096);
	assert_int_equal(git_run_status(&g, argv, NULL, 0, NULL, &eb, &status, &err), 0);
	assert_int_equal(status, 128);
	assert_non_null(strstr(buf_cstr(&eb), "Needed a single revision"));
	buf_release(&eb);
	/* not installed */
	struct git_env none = {.git = "/nonexistent/git"};
	assert_int_equal(git_run(&none, argv, NULL, 0, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot run /nonexistent/git"));
}

/* Our GIT_DIR (say, from a hook that runs us) must not redirect the mirror's commands. */
static void test_clean_environment(void **state)
{
	(void)state;
	setenv("GIT_DIR", "/nonexistent", 1);
	setenv("GIT_INDEX_FILE", "/nonexistent/index", 1);
	struct git_env g = {.git_dir = repo};
	struct buf out;
	buf_init(&out, 4096);
	struct error err;
	error_init(&err);
	const char *argv[] = {"rev-parse", "--absolute-git-dir", NULL};
	int rc = git_run(&g, argv, NULL, 0, &out, &err);
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
	if (rc < 0)
		fail_msg("%s", err.msg);
	char want[400];
	snprintf(want, sizeof want, "%s\n", repo);
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
}

/* A server that takes the connection and never answers: the time limit stops git. */
static void test_timeout(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 4), 0);
	socklen_t al = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &al);
	char url[100];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x.git", ntohs(a.sin_port));
	struct git_env g = {.git_dir = repo, .timeout_s = 1};
	struct error err;
	error_init(&err);
	const char *argv[] = {"ls-remote", url, NULL};
	assert_int_equal(git_run(&g, argv, NULL, 0, NULL, &err), -1);
	assert_string_equal(err.msg, "git ls-remote: no answer within 1 s (stopped)");
	/* git's helper that held the connection (git-remote-http) was stopped too: the connection is
	 * closed. (Killing git alone left the helper waiting on it for ever.) */
	int c = accept(s, NULL, NULL);
	assert_true(c >= 0);
	struct pollfd pfd = {.fd = c, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	char b[4096];
	ssize_t n;
	while ((n = read(c, b, sizeof b)) > 0) /* the request git sent, then the end */
		assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_true(n == 0 || errno == ECONNRESET);
	close(c);
	close(s);
}

static void test_askpass(void **state)
{
	(void)state;
	struct buf p;
	buf_init(&p, 4096);
	struct error err;
	error_init(&err);
	assert_int_equal(git_askpass_install(dir, &p, &err), 0);
	struct stat sb;
	assert_int_equal(stat(buf_cstr(&p), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(git_askpass_install(dir, &p, &err), 0); /* already there: kept */
	char tok[400], cmd[1200];
	snprintf(tok, sizeof tok, "%s/token", dir);
	FILE *f = fopen(tok, "w");
	assert_non_null(f);
	fputs("s3cret-token\nsecond line\n", f);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "TRACKER_GIT_TOKEN_FILE='%s' TRACKER_GIT_USERNAME=bot '%s' 'Password for x: ' && "
		 "TRACKER_GIT_TOKEN_FILE='%s' TRACKER_GIT_USERNAME=bot '%s' 'Username for x: '",
		 tok, buf_cstr(&p), tok, buf_cstr(&p));
	FILE *o = popen(cmd, "r");
	char got[200] = "";
	size_t n = fread(got, 1, sizeof got - 1, o);
	got[n] = '\0';
	pclose(o);
	assert_string_equal(got, "s3cret-token\nbot\n");
	buf_release(&p);
}

static void test_batch(void **state)
{
	(void)state;
	char small[72], big[72];
	put_blob("hello\n", 6, small);
	char *data = malloc(100000);
	memset(data, 'x', 100000);
	put_blob(data, 100000, big);
	free(data);
	struct git_env g = {.git_dir = repo};
	struct error err;
	error_init(&err);
	struct git_batch *b = git_batch_open(&g, &err);
	assert_non_null(b);
	struct buf out;
	buf_init(&out, (size_t)1 << 20);
	char type[16];
	size_t size;
	for (int round = 0; round < 2; round++) {
		assert_int_equal(git_batch_read(b, small, 1000, &out, type, &size, &err), 0);
		assert_string_equal(type, "blob");
		assert_int_equal(size, 6);
		assert_string_equal(buf_cstr(&out), "hello\n");
		assert_int_equal(git_batch_read(b, big, 1000, &out, type, &size, &err), 2);
		assert_int_equal(size, 100000);
		assert_int_equal(out.len, 0);
		assert_int_equal(git_batch_read(b, "0123456789012345678901234567890123456789", 1000, &out,
						type, &size, &err),
				 1);
		assert_int_equal(git_batch_info(b, big, type, &size, &err), 0);
		assert_int_equal(size, 100000);
		assert_int_equal(git_batch_read(b, big, 200000, &out, type, &size, &err), 0);
		assert_int_equal(out.len, 100000);
	}
	assert_int_equal(git_batch_read(b, "a\nb", 1000, &out, type, &size, &err), -1);
	assert_non_null(strstr(err.msg, "newline"));
	buf_release(&out);
	git_batch_close(b);
}

static void test_last_words(void **state)
{
	(void)state;
	struct buf e;
	buf_init(&e, 4096);
	buf_adds(&e, "remote: x\nfatal: Authentication failed for 'http://h/'\nhint: try\n");
	char w[320];
	git_last_words(&e, w, sizeof w);
	assert_string_equal(w, "fatal: Authentication failed for 'http://h/'");
	buf_reset(&e);
	buf_adds(&e, "just \x1b[31mthis\r\n");
	git_last_words(&e, w, sizeof w);
	assert_string_equal(w, "just ?[31mthis");
	buf_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_big_in_and_out),    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_clean_environment), cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_askpass),           cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_last_words),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
