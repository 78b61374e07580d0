/*
 * source.c — the [source NAME] section: values checked as they are read, path globs, document
 * references and the mirror's place (see source.h).
 */
#include "source.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "banned.h"

const char *const source_keys[] = {"repo",       "branch",        "paths",    "username",
				   "token_file", "ssh_key",       "interval", "webhook_secret_file",
				   "writeback",  "commit_author", NULL};

void source_init(struct source_cfg *s)
{
	memset(s, 0, sizeof *s);
	s->interval = SOURCE_DEFAULT_INTERVAL;
	s->writeback = WRITEBACK_OFF;
}

void source_release(struct source_cfg *s)
{
	free(s->name);
	free(s->repo);
	free(s->branch);
	free(s->paths);
	free(s->username);
	free(s->token_file);
	free(s->ssh_key);
	free(s->webhook_secret_file);
	free(s->commit_author);
	source_init(s);
}

bool source_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SOURCE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

int source_parse_interval(const char *v, long *out)
{
	char *end;
	errno = 0;
	if (*v < '0' || *v > '9')
		return -1;
	long n = strtol(v, &end, 10);
	if (errno || n <= 0)
		return -1;
	long mul = 1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	if (n > 366L * 86400 / mul)
		return -1;
	*out = n * mul;
	return 0;
}

/* No control characters (they would reach git's argv and our messages). */
static bool printable(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* A URL with a password in it ("https://user:secret@host/") would put the secret in the config, in
 * git's argv and in its messages: the token belongs in token_file. */
static bool url_has_password(const char *repo)
{
	const char *s = strstr(repo, "://");
	if (!s)
		return false;
	s += 3;
	const char *at = strchr(s, '@'), *slash = strchr(s, '/');
	if (!at || (slash && slash < at))
		return false;
	const char *colon = memchr(s, ':', (size_t)(at - s));
	return colon != NULL;
}

static int set_str(char **dst, const char *v, char *problem, size_t plen)
{
	char *d = strdup(v);
	if (!d) {
		snprintf(problem, plen, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = d;
	return 0;
}

int source_set(struct source_cfg *s, const char *key, const char *value, char *problem, size_t plen)
{
	const char *sec = s->name ? s->name : "?";
	if (!printable(value)) {
		snprintf(problem, plen, "[source %s] %s: control characters are not allowed", sec, key);
		return -1;
	}
	if (!strcmp(key, "repo")) {
		if (!*value) {
			snprintf(problem, plen, "[source %s] repo: empty (a URL or a local path)", sec);
			return -1;
		}
		if (value[0] == '-') {
			snprintf(problem, plen, "[source %s] repo: \"%s\" must not start with '-'", sec,
				 value);
			return -1;
		}
		if (!strncmp(value, "ext::", 5) || strstr(value, "::")) {
			snprintf(problem, plen,
				 "[source %s] repo: \"%s\": only https, http, ssh, file URLs and paths are "
				 "allowed (no git remote helpers)",
				 sec, value);
			return -1;
		}
		if (url_has_password(value)) {
			snprintf(problem, plen,
				 "[source %s] repo: the URL holds a password; put the token in token_file "
				 "instead",
				 sec);
			return -1;
		}
		return set_str(&s->repo, value, problem, plen);
	}
	if (!strcmp(key, "branch")) {
		/* git check-ref-format's main rules: the name goes into refspecs */
		if (!*value || value[0] == '-' || value[0] == '/' || strstr(value, "..") ||
		    strstr(value, "@{") || strpbrk(value, " ~^:?*[\\") || value[strlen(value) - 1] == '/' ||
		    value[strlen(value) - 1] == '.') {
			snprintf(problem, plen, "[source %s] branch: \"%s\" is not a valid branch name", sec,
				 value);
			return -1;
		}
		return set_str(&s->branch, value, problem, plen);
	}
	if (!strcmp(key, "paths")) {
		if (!*value) {
			snprintf(problem, plen,
				 "[source %s] paths: empty (globs like docs/**/*.md, separated by commas)",
				 sec);
			return -1;
		}
		return set_str(&s->paths, value, problem, plen);
	}
	if (!strcmp(key, "username"))
		return set_str(&s->username, value, problem, plen);
	if (!strcmp(key, "token_file"))
		return set_str(&s->token_file, value, problem, plen);
	if (!strcmp(key, "ssh_key"))
		return set_str(&s->ssh_key, value, problem, plen);
	if (!strcmp(key, "webhook_secret_file"))
		return set_str(&s->webhook_secret_file, value, problem, plen);
	if (!strcmp(key, "interval")) {
		if (source_parse_interval(value, &s->interval) < 0) {
			snprintf(problem, plen,
				 "[source %s] interval: expected a duration like 30s, 10m, 1h or 1d (at "
				 "most a year), got \"%s\"",
				 sec, value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "commit_author")) {
		const char *lt = strchr(value, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (!lt || lt == value || !gt || gt == lt + 1 || gt[1] || strpbrk(value, "\r\n")) {
			snprintf(problem, plen,
				 "[source %s] commit_author: write \"Name <email>\", e.g. \"tracker "
				 "<tracker@example.org>\", not \"%s\"",
				 sec, value);
			return -1;
		}
		return set_str(&s->commit_author, value, problem, plen);
	}
	if (!strcmp(key, "writeback")) {
		if (!strcmp(value, "off"))
			s->writeback = WRITEBACK_OFF;
		else if (!strcmp(value, "branch"))
			s->writeback = WRITEBACK_BRANCH;
		else if (!strcmp(value, "push"))
			s->writeback = WRITEBACK_PUSH;
		else {
			snprintf(problem, plen,
				 "[source %s] writeback must be off, branch or push, not \"%s\"", sec, value);
			return -1;
		}
		return 0;
	}
	return 1;
}

int source_check(const struct source_cfg *s, char *problem, size_t plen)
{
	if (!s->repo) {
		snprintf(problem, plen, "[source %s] has no repo", s->name);
		return -1;
	}
	return 0;
}

const char *source_branch(const struct source_cfg *s)
{
	return s->branch ? s->branch : "main";
}

const char *source_writeback_name(enum source_writeback w)
{
	return w == WRITEBACK_BRANCH ? "branch" : w == WRITEBACK_PUSH ? "push" : "off";
}

/* Matches path components [p, pend) against glob components [g, gend). */
static bool match_parts(const char *g, const char *p)
{
	for (;;) {
		const char *gs = strchr(g, '/');
		size_t glen = gs ? (size_t)(gs - g) : strlen(g);
		if (glen == 2 && g[0] == '*' && g[1] == '*') {
			if (!gs)
				return true; /* a trailing ** takes everything below */
			const char *rest = gs + 1;
			/* zero or more directories */
			for (const char *q = p;;) {
				if (match_parts(rest, q))
					return true;
				const char *slash = strchr(q, '/');
				if (!slash)
					return false;
				q = slash + 1;
			}
		}
		const char *ps = strchr(p, '/');
		size_t plen = ps ? (size_t)(ps - p) : strlen(p);
		char gc[256], pc[256];
		if (glen >= sizeof gc || plen >= sizeof pc)
			return false;
		memcpy(gc, g, glen);
		gc[glen] = '\0';
		memcpy(pc, p, plen);
		pc[plen] = '\0';
		if (fnmatch(gc, pc, 0) != 0)
			return false;
		if (!gs || !ps)
			return !gs && !ps;
		g = gs + 1;
		p = ps + 1;
	}
}

bool source_glob_match(const char *glob, const char *path)
{
	return match_parts(glob, path);
}

bool source_path_matches(const struct source_cfg *s, const char *path)
{
	const char *list = s->paths ? s->paths : SOURCE_DEFAULT_PATHS;
	char glob[512];
	const char *p = list;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		if (!n)
			break;
		if (n < sizeof glob) {
			memcpy(glob, p, n);
			glob[n] = '\0';
			const char *g = glob;
			if (g[0] == '/')
				g++; /* a leading '/' anchors at the root, as every glob is */
			if (match_parts(g, path))
				return true;
		}
		p += n;
	}
	return false;
}

int source_ref(const char *name, const char *path, struct buf *out)
{
	buf_reset(out);
	return buf_printf(out, "git:%s:%s", name, path);
}

bool source_ref_parse(const char *ref, const char *name, const char **path)
{
	size_t n = strlen(name);
	if (strncmp(ref, "git:", 4) || strncmp(ref + 4, name, n) || ref[4 + n] != ':')
		return false;
	*path = ref + 4 + n + 1;
	return true;
}

bool source_repo_is_remote(const char *repo)
{
	if (!strncmp(repo, "https://", 8) || !strncmp(repo, "http://", 7) || !strncmp(repo, "ssh://", 6) ||
	    !strncmp(repo, "git://", 6))
		return true;
	if (!strncmp(repo, "file://", 7) || repo[0] == '/' || repo[0] == '.')
		return false;
	/* scp-like user@host:path — a colon before any slash */
	const char *colon = strchr(repo, ':'), *slash = strchr(repo, '/');
	return colon && (!slash || colon < slash);
}

int source_mirror_path(const struct source_cfg *s, const char *dir, struct buf *out, struct error *err)
{
	char hash[65];
	sha256_hex(s->repo, strlen(s->repo), hash);
	buf_reset(out);
	int r;
	if (dir && *dir) {
		r = buf_printf(out, "%s/%s-%.12s.git", dir, s->name, hash);
	} else {
		const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			r = buf_printf(out, "%s/tracker/sources/%s-%.12s.git", xdg, s->name, hash);
		else if (home && *home)
			r = buf_printf(out, "%s/.local/share/tracker/sources/%s-%.12s.git", home, s->name,
				       hash);
		else
			return error_set(err, ERR_CONFIG,
					 "[source %s]: no place for its mirror: set [sync] dir (or HOME)",
					 s->name);
	}
	if (r < 0)
		return error_set(err, ERR_IO, "out of memory");
	return 0;
}
