/*
 * git.c — starting git without a shell, feeding and draining its pipes under a time limit, the askpass
 * helper, and the cat-file batch reader (see git.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include "git.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

extern char **environ;

static const char askpass_script[] =
    "#!/bin/sh\n"
    "# tracker's GIT_ASKPASS helper (docs/sync.md). git asks for a user name or a password; the\n"
    "# password is the first line of the file named by $TRACKER_GIT_TOKEN_FILE. No secret is here.\n"
    "case \"$1\" in\n"
    "[Uu]sername*) printf '%s\\n' \"${TRACKER_GIT_USERNAME:-git}\" ;;\n"
    "*) line=; IFS= read -r line < \"$TRACKER_GIT_TOKEN_FILE\" || [ -n \"$line\" ] || exit 1\n"
    "   printf '%s\\n' \"$line\" ;;\n"
    "esac\n";

int git_askpass_install(const char *dir, struct buf *out, struct error *err)
{
	buf_reset(out);
	if (buf_printf(out, "%s/askpass", dir) < 0)
		return error_set(err, ERR_IO, "out of memory");
	const char *path = buf_cstr(out);
	char have[sizeof askpass_script + 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		ssize_t n = read(fd, have, sizeof have);
		struct stat sb;
		bool same = n == (ssize_t)(sizeof askpass_script - 1) &&
			    !memcmp(have, askpass_script, sizeof askpass_script - 1) && fstat(fd, &sb) == 0 &&
			    (sb.st_mode & 0777) == 0700 && sb.st_uid == geteuid();
		close(fd);
		if (same)
			return 0;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0700);
	if (fd < 0)
		return error_set(err, ERR_IO, "%s: %s", tmp, strerror(errno));
	size_t len = sizeof askpass_script - 1;
	bool ok = write(fd, askpass_script, len) == (ssize_t)len && fchmod(fd, 0700) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return error_set(err, ERR_IO, "%s: %s", path, strerror(e));
	}
	return 0;
}

/* The child's environment: ours without GIT_* and SSH_ASKPASS, then our settings. */
struct envp {
	char **v;
	size_t n, cap;
	char *owned[8];
	size_t nowned;
};

static int env_add(struct envp *e, const char *s)
{
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = (char *)s; /* posix_spawn's envp is char *const[] */
	e->v[e->n] = NULL;
	return 0;
}

static int env_addf(struct envp *e, const char *name, const char *value)
{
	if (e->nowned == sizeof e->owned / sizeof e->owned[0])
		return -1;
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);
	if (!s)
		return -1;
	snprintf(s, n, "%s=%s", name, value);
	e->owned[e->nowned++] = s;
	return env_add(e, s);
}

static void env_release(struct envp *e)
{
	for (size_t i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	free(e->v);
}

/* ssh -i 'KEY' …: GIT_SSH_COMMAND is run by a shell, so the path is single-quoted. */
static int ssh_command(const char *key, struct buf *b)
{
	if (buf_adds(b, "ssh -o IdentitiesOnly=yes -o BatchMode=yes -i '") < 0)
		return -1;
	for (const char *p = key; *p; p++)
		if ((*p == '\'' ? buf_adds(b, "'\\''") : buf_addc(b, *p)) < 0)
			return -1;
	return buf_adds(b, "'");
}

static int env_build(const struct git_env *g, struct envp *e, struct buf *sshcmd)
{
	for (char **p = environ; p && *p; p++) {
		if (!strncmp(*p, "GIT_", 4) || !strncmp(*p, "SSH_ASKPASS=", 12) ||
		    !strncmp(*p, "TRACKER_GIT_", 12) || !strncmp(*p, "LC_ALL=", 7))
			continue;
		if (env_add(e, *p) < 0)
			return -1;
	}
	if (env_add(e, "GIT_TERMINAL_PROMPT=0") < 0 ||
	    env_add(e, "GIT_ALLOW_PROTOCOL=file:git:http:https:ssh") < 0 || env_add(e, "LC_ALL=C") < 0)
		return -1;
	if (g->token_file) {
		if (!g->askpass || env_addf(e, "GIT_ASKPASS", g->askpass) < 0 ||
		    env_addf(e, "TRACKER_GIT_TOKEN_FILE", g->token_file) < 0 ||
		    env_addf(e, "TRACKER_GIT_USERNAME", g->username ? g->username : "git") < 0)
			return -1;
	}
	if (g->ssh_key) {
		if (ssh_command(g->ssh_key, sshcmd) < 0 ||
		    env_addf(e, "GIT_SSH_COMMAND", buf_cstr(sshcmd)) < 0)
			return -1;
	}
	for (const char *const *p = g->extra_env; p && *p; p++)
		if (env_add(e, *p) < 0)
			return -1;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The whole argv: git -c credential.helper= [--git-dir=DIR] argv… */
static char **full_argv(const struct git_env *g, const char *const argv[], char **gitdir_arg)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = calloc(n + 6, sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	v[k++] = (char *)(g->git ? g->git : "git");
	v[k++] = (char *)"-c";
	v[k++] = (char *)"credential.helper=";
	if (g->git_dir) {
		size_t len = strlen(g->git_dir) + 11;
		if (!(*gitdir_arg = malloc(len))) {
			free(v);
			return NULL;
		}
		snprintf(*gitdir_arg, len, "--git-dir=%s", g->git_dir);
		v[k++] = *gitdir_arg;
	}
	for (size_t i = 0; i < n; i++)
		v[k++] = (char *)argv[i];
	v[k] = NULL;
	return v;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Starts git with pipes on its stdin (if in_fd), stdout and stderr. */
static int spawn(const struct git_env *g, const char *const argv[], int *in_fd, int *out_fd, int *err_fd,
		 pid_t *pid, struct error *err)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	struct envp e = {0};
	struct buf sshcmd;
	char *gitdir_arg = NULL;
	char **av = NULL;
	int rc = -1;
	buf_init(&sshcmd, 8192);
	if (env_build(g, &e, &sshcmd) < 0 || !(av = full_argv(g, argv, &gitdir_arg))) {
		error_set(err, ERR_IO, "git %s: out of memory", argv[0]);
		goto out;
	}
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		error_set(err, ERR_IO, "git %s: cannot make pipes: %s", argv[0], strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl); /* we ignore SIGPIPE; git expects the default */
	/* Its own process group: git runs helpers (git-remote-http, ssh) as children, and a time limit
	 * must stop them too — killing git alone left a hung git-remote-http behind for ever. */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	int r = posix_spawnp(pid, av[0], &fa, &at, av, e.v);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (r != 0) {
		error_set(err, ERR_IO, "cannot run %s: %s (is git installed?)", av[0], strerror(r));
		goto out;
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	*in_fd = pin[1];
	*out_fd = pout[0];
	*err_fd = perr[0];
	pin[1] = pout[0] = perr[0] = -1;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	free(av);
	free(gitdir_arg);
	env_release(&e);
	buf_release(&sshcmd);
	return rc;
}

void git_last_words(const struct buf *errout, char *out, size_t outsz)
{
	out[0] = '\0';
	if (!errout || !errout->len)
		return;
	const char *s = errout->data;
	size_t end = errout->len;
	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
		end--;
	size_t start = end;
	while (start && s[start - 1] != '\n')
		start--;
	/* "fatal: …" says more than a "hint:" line after it: prefer the last fatal/error line */
	for (size_t i = end; i > 0; i--) {
		if ((i == 1 || s[i - 2] == '\n') &&
		    (!strncmp(s + i - 1, "fatal:", 6) || !strncmp(s + i - 1, "error:", 6))) {
			start = i - 1;
			end = start;
			while (end < errout->len && s[end] != '\n')
				end++;
			break;
		}
	}
	size_t k = 0;
	for (size_t i = start; i < end && k + 1 < outsz && k < 300; i++) {
		unsigned char c = (unsigned char)s[i];
		out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[k] = '\0';
}

int git_run_status(const struct git_env *g, const char *const argv[], const char *in, size_t inlen,
		   struct buf *out, struct buf *errout, int *status, struct error *err)
{
	int in_fd, out_fd, err_fd;
	pid_t pid;
	if (spawn(g, argv, &in_fd, &out_fd, &err_fd, &pid, err) < 0)
		return -1;
	set_nonblock(in_fd);
	set_nonblock(out_fd);
	set_nonblock(err_fd);
	struct buf discard;
	buf_init(&discard, (size_t)1 << 30);
	struct buf ebuf;
	buf_init(&ebuf, (size_t)64 << 10);
	size_t max_out = g->max_output ? g->max_output : BUF_MAX_DEFAULT;
	size_t inpos = 0, got_out = 0;
	int rc = 0;
	bool too_big = false, timed_out = false;
	int64_t deadline = g->timeout_s > 0 ? mono_ms() + g->timeout_s * 1000 : 0;
	if (!in || !inlen) {
		close(in_fd);
		in_fd = -1;
	}
	char chunk[65536];
	while (out_fd >= 0 || err_fd >= 0) {
		struct pollfd p[3];
		int np = 0, iin = -1, iout = -1, ierr = -1;
		if (in_fd >= 0)
			p[iin = np++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
		if (out_fd >= 0)
			p[iout = np++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
		if (err_fd >= 0)
			p[ierr = np++] = (struct pollfd){.fd = err_fd, .events = POLLIN};
		int wait = -1;
		if (deadline) {
			int64_t left = deadline - mono_ms();
			if (left <= 0) {
				timed_out = true;
				break;
			}
			wait = left > 60000 ? 60000 : (int)left;
		}
		int r = poll(p, (nfds_t)np, wait);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = error_set(err, ERR_IO, "git %s: poll: %s", argv[0], strerror(errno));
			break;
		}
		if (iin >= 0 && p[iin].revents) {
			ssize_t w = write(in_fd, in + inpos, inlen - inpos);
			if (w > 0)
				inpos += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || inpos == inlen) {
				close(in_fd); /* done, or git stopped reading (EPIPE) */
				in_fd = -1;
			}
		}
		if (iout >= 0 && p[iout].revents) {
			ssize_t n = read(out_fd, chunk, sizeof chunk);
			if (n > 0) {
				got_out += (size_t)n;
				if (got_out > max_out) {
					too_big = true;
					break;
				}
				if (out && buf_add(out, chunk, (size_t)n) < 0) {
					too_big = true;
					break;
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(out_fd);
				out_fd = -1;
			}
		}
		if (ierr >= 0 && p[ierr].revents) {
			ssize_t n = read(err_fd, chunk, sizeof chunk);
			if (n > 0) {
				if (ebuf.len + (size_t)n > ebuf.max) /* keep the last words */
					buf_reset(&ebuf);
				buf_add(&ebuf, chunk, (size_t)n);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(err_fd);
				err_fd = -1;
			}
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (timed_out || too_big || rc < 0)
		kill(-pid, SIGKILL); /* the group: git and the helpers it started */
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		rc =
		    error_set(err, ERR_IO, "git %s: no answer within %ld s (stopped)", argv[0], g->timeout_s);
	else if (too_big)
		rc = error_set(err, ERR_IO, "git %s: output larger than %zu bytes (stopped)", argv[0],
			       max_out);
	if (rc == 0)
		*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	if (errout && ebuf.len)
		buf_add(errout, ebuf.data, ebuf.len);
	buf_release(&ebuf);
	buf_release(&discard);
	return rc;
}

int git_run(const struct git_env *g, const char *const argv[], const char *in, size_t inlen, struct buf *out,
	    struct error *err)
{
	struct buf eb;
	buf_init(&eb, (size_t)64 << 10);
	int status = 0;
	int rc = git_run_status(g, argv, in, inlen, out, &eb, &status, err);
	if (rc == 0 && status != 0) {
		char words[320];
		git_last_words(&eb, words, sizeof words);
		rc = error_set(err, ERR_IO, "git %s failed (exit %d): %s", argv[0], status,
			       words[0] ? words : "(git said nothing)");
	}
	buf_release(&eb);
	return rc;
}

/* ---- git cat-file --batch-command ---- */

struct git_batch {
	pid_t pid;
	int in_fd, err_fd;
	FILE *out;
};

struct git_batch *git_batch_open(const struct git_env *g, struct error *err)
{
	struct git_batch *b = calloc(1, sizeof *b);
	if (!b) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	static const char *const argv[] = {"cat-file", "--batch-command", NULL};
	int out_fd;
	if (spawn(g, argv, &b->in_fd, &out_fd, &b->err_fd, &b->pid, err) < 0) {
		free(b);
		return NULL;
	}
	/* git's messages on stderr are few; they are read when an answer is missing */
	set_nonblock(b->err_fd);
	if (!(b->out = fdopen(out_fd, "r"))) {
		close(out_fd);
		error_set(err, ERR_IO, "out of memory");
		git_batch_close(b);
		return NULL;
	}
	return b;
}

void git_batch_close(struct git_batch *b)
{
	if (!b)
		return;
	if (b->in_fd >= 0)
		close(b->in_fd);
	if (b->out)
		fclose(b->out);
	if (b->err_fd >= 0)
		close(b->err_fd);
	int ws;
	while (waitpid(b->pid, &ws, 0) < 0 && errno == EINTR)
		;
	free(b);
}

static int batch_fail(struct git_batch *b, const char *what, struct error *err)
{
	char words[320] = "";
	struct buf eb;
	buf_init(&eb, 8192);
	char tmp[4096];
	ssize_t n;
	while ((n = read(b->err_fd, tmp, sizeof tmp)) > 0 && buf_add(&eb, tmp, (size_t)n) == 0)
		;
	git_last_words(&eb, words, sizeof words);
	buf_release(&eb);
	return error_set(err, ERR_IO, "git cat-file: %s%s%s", what, words[0] ? ": " : "", words);
}

static int send_cmd(struct git_batch *b, const char *cmd, const char *name, struct error *err)
{
	if (strchr(name, '\n'))
		return error_set(err, ERR_DATA, "git cat-file: an object name holds a newline");
	size_t cl = strlen(cmd), nl = strlen(name);
	char *line = malloc(cl + nl + 2);
	if (!line)
		return error_set(err, ERR_IO, "out of memory");
	memcpy(line, cmd, cl);
	memcpy(line + cl, name, nl);
	line[cl + nl] = '\n';
	size_t len = cl + nl + 1, off = 0;
	while (off < len) {
		ssize_t w = write(b->in_fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(line);
			return batch_fail(b, "git stopped reading", err);
		}
		off += (size_t)w;
	}
	free(line);
	return 0;
}

/* "<oid> <type> <size>" or "<name> missing" (also "ambiguous"). 0 found, 1 missing. */
static int read_header(struct git_batch *b, char type[16], size_t *size, struct error *err)
{
	char line[8192];
	if (!fgets(line, sizeof line, b->out))
		return batch_fail(b, "no answer", err);
	size_t n = strlen(line);
	if (!n || line[n - 1] != '\n')
		return batch_fail(b, "answer line too long", err);
	line[--n] = '\0';
	if ((n >= 8 && !strcmp(line + n - 8, " missing")) ||
	    (n >= 10 && !strcmp(line + n - 10, " ambiguous")))
		return 1;
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2)
		return batch_fail(b, "unexpected answer", err);
	*sp2 = '\0';
	snprintf(type, 16, "%s", sp1 + 1);
	char *end;
	errno = 0;
	unsigned long long v = strtoull(sp2 + 1, &end, 10);
	if (errno || *end)
		return batch_fail(b, "unexpected size", err);
	*size = (size_t)v;
	return 0;
}

int git_batch_info(struct git_batch *b, const char *name, char type[16], size_t *size, struct error *err)
{
	if (send_cmd(b, "info ", name, err) < 0)
		return -1;
	return read_header(b, type, size, err);
}

int git_batch_read(struct git_batch *b, const char *name, size_t max, struct buf *out, char type[16],
		   size_t *size, struct error *err)
{
	buf_reset(out);
	if (send_cmd(b, "contents ", name, err) < 0)
		return -1;
	int r = read_header(b, type, size, err);
	if (r != 0)
		return r;
	bool keep = *size <= max;
	char chunk[65536];
	size_t left = *size;
	while (left) {
		size_t want = left < sizeof chunk ? left : sizeof chunk;
		size_t n = fread(chunk, 1, want, b->out);
		if (n == 0)
			return batch_fail(b, "object cut short", err);
		if (keep && buf_add(out, chunk, n) < 0) {
			keep = false; /* the buffer's own cap: treat as too large, drain the rest */
			buf_reset(out);
		}
		left -= n;
	}
	if (fgetc(b->out) != '\n')
		return batch_fail(b, "object not followed by a newline", err);
	if (!keep) {
		buf_reset(out);
		return 2;
	}
	if (!out->data && buf_add(out, "", 0) < 0) /* an empty object: still a string */
		return error_set(err, ERR_IO, "out of memory");
	return 0;
}
