/*
 * sync.c — one source: fetch into the mirror, list what changed since the last synced commit, import it
 * (see sync.h and docs/sync.md).
 *
 * The diff is `git diff --raw -z -M --no-abbrev LAST HEAD` (modes tell files from symlinks and
 * submodules; object ids feed the cat-file reader), or `git ls-tree -r -z HEAD` for a full sync. Each
 * changed path gets the origin of the newest commit of LAST..HEAD that touched it (one `git log`), with
 * the subject of the first-parent commit that brought that commit onto the branch (a merge, or the
 * commit itself when pushed directly): the "merge subject".
 */
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "config.h"
#include "git.h"
#include "import.h"
#include "merge.h"
#include "people.h"
#include "sha256.h"
#include "source.h"
#include "sources.h"
#include "tdate.h"
#include "banned.h"

#define COMMIT_EVERY 500
#define FETCH_TIMEOUT_S 300
/* A full sync that would flag more than this share of a source's documents removed (and more than
 * PRUNE_MIN of them) holds back unless told (--prune): a force-push that emptied a branch, or a wrong
 * `paths`, must not silently remove a team's whole history. */
#define PRUNE_MIN 1

/* ---- small helpers ---- */

static void say(const struct sync_opts *o, enum sync_line_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const struct sync_opts *o, enum sync_line_kind k, const char *fmt, ...)
{
	if (!o->line)
		return;
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	o->line(o->ud, k, text);
}

/* Whether a repository path can name a document: valid UTF-8 without control characters. */
static bool path_ok(const char *p)
{
	size_t n = strlen(p), i = 0;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r =
		    utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (r <= 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return false;
		i += (size_t)r;
	}
	return true;
}

/* A path fit for a message: bytes that are not printable ASCII or valid UTF-8 as \xHH, \n as \n. */
static void path_show(const char *p, char *out, size_t outsz)
{
	size_t k = 0, n = strlen(p), i = 0;
	while (i < n && k + 8 < outsz) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '\\') {
			k += (size_t)snprintf(out + k, outsz - k, c == '\\' ? "\\\\" : "\\x%02x", c);
			i++;
			continue;
		}
		if (c < 0x80) {
			out[k++] = (char)c;
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t r =
		    utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (r <= 0 || (cp >= 0x80 && cp < 0xa0)) {
			k += (size_t)snprintf(out + k, outsz - k, "\\x%02x", c);
			i++;
			continue;
		}
		if (k + (size_t)r + 1 >= outsz)
			break;
		memcpy(out + k, p + i, (size_t)r);
		k += (size_t)r;
		i += (size_t)r;
	}
	if (i < n && k + 4 < outsz)
		k += (size_t)snprintf(out + k, outsz - k, "...");
	out[k] = '\0';
}

static int mkdir_p(const char *path, struct error *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return error_set(err, ERR_CONFIG, "%s: path too long", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return error_set(err, ERR_IO, "%s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return error_set(err, ERR_IO, "%s: %s", tmp, strerror(errno));
	return 0;
}

/* ---- the git environment of a source ---- */

int sync_env(const struct config *cfg, const struct source_cfg *src, const struct sync_opts *o,
	     struct git_env *g, struct sync_env *hold, struct error *err)
{
	memset(g, 0, sizeof *g);
	hold->mirror = calloc(1, sizeof *hold->mirror);
	hold->askpass = calloc(1, sizeof *hold->askpass);
	if (!hold->mirror || !hold->askpass) {
		sync_env_release(hold);
		return error_set(err, ERR_IO, "out of memory");
	}
	buf_init(hold->mirror, 8192);
	buf_init(hold->askpass, 8192);
	if (source_mirror_path(src, cfg->sync_dir, hold->mirror, err) < 0)
		goto fail;
	/* the directory of the mirrors */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", buf_cstr(hold->mirror));
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (mkdir_p(dir, err) < 0) {
		error_prefix(err, "[source %s] mirror directory", src->name);
		goto fail;
	}
	if (src->token_file) {
		if (access(src->token_file, R_OK) < 0) {
			error_set(err, ERR_CONFIG, "[source %s] token_file %s: %s", src->name,
				  src->token_file, strerror(errno));
			goto fail;
		}
		if (git_askpass_install(dir, hold->askpass, err) < 0)
			goto fail;
		g->askpass = buf_cstr(hold->askpass);
		g->token_file = src->token_file;
		g->username = src->username;
	}
	if (src->ssh_key) {
		if (access(src->ssh_key, R_OK) < 0) {
			error_set(err, ERR_CONFIG, "[source %s] ssh_key %s: %s", src->name, src->ssh_key,
				  strerror(errno));
			goto fail;
		}
		g->ssh_key = src->ssh_key;
	}
	g->git = o ? o->git : NULL;
	g->git_dir = buf_cstr(hold->mirror);
	return 0;
fail:
	sync_env_release(hold);
	return -1;
}

void sync_env_release(struct sync_env *hold)
{
	if (hold->mirror)
		buf_release(hold->mirror);
	if (hold->askpass)
		buf_release(hold->askpass);
	free(hold->mirror);
	free(hold->askpass);
	hold->mirror = hold->askpass = NULL;
}

/* An exclusive lock on MIRROR.lock: one fetch or sync of a mirror at a time (CLI, poller, webhook). */
static int lock_mirror(const char *mirror, int *fd, struct error *err)
{
	char path[4200];
	snprintf(path, sizeof path, "%s.lock", mirror);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return error_set(err, ERR_IO, "%s: %s", path, strerror(errno));
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(*fd);
			*fd = -1;
			return error_set(err, ERR_IO, "%s: lock: %s", path, strerror(e));
		}
	}
	return 0;
}

static int rev_parse(const struct git_env *g, const char *rev, char out[72], struct error *err)
{
	struct buf b;
	buf_init(&b, 4096);
	char spec[200];
	snprintf(spec, sizeof spec, "%s^{commit}", rev);
	const char *argv[] = {"rev-parse", "--verify", "--quiet", spec, NULL};
	int status = 0;
	int rc = git_run_status(g, argv, NULL, 0, &b, NULL, &status, err);
	if (rc == 0 && status != 0)
		rc = 1;
	if (rc == 0) {
		size_t n = strcspn(buf_cstr(&b), "\n");
		if (n == 0 || n >= 72)
			rc = error_set(err, ERR_IO, "git rev-parse %s: unexpected answer", rev);
		else
			snprintf(out, 72, "%.*s", (int)n, buf_cstr(&b));
	}
	buf_release(&b);
	return rc;
}

static int fetch_locked(const struct source_cfg *src, const struct sync_opts *o, struct git_env *g,
			char head[72], struct error *err)
{
	struct stat sb;
	if (stat(g->git_dir, &sb) < 0) {
		struct git_env init = *g;
		init.git_dir = NULL;
		const char *argv[] = {"init", "--bare", "--quiet", g->git_dir, NULL};
		if (git_run(&init, argv, NULL, 0, NULL, err) < 0) {
			error_prefix(err, "[source %s] making the mirror", src->name);
			return -1;
		}
	}
	char refspec[512];
	snprintf(refspec, sizeof refspec, "+refs/heads/%s:refs/tracker/head", source_branch(src));
	const char *argv[] = {"fetch",   "--quiet", "--no-tags", "--no-write-fetch-head",
			      src->repo, refspec,   NULL};
	g->timeout_s = o->fetch_timeout_s > 0 ? o->fetch_timeout_s : FETCH_TIMEOUT_S;
	int r = git_run(g, argv, NULL, 0, NULL, err);
	g->timeout_s = 0;
	if (r < 0) {
		error_prefix(err, "source %s: cannot fetch branch %s of %s", src->name, source_branch(src),
			     src->repo);
		return -1;
	}
	r = rev_parse(g, "refs/tracker/head", head, err);
	if (r != 0) {
		if (r > 0)
			error_set(err, ERR_IO, "source %s: the fetched branch %s is not a commit", src->name,
				  source_branch(src));
		return -1;
	}
	return 0;
}

int sync_fetch(const struct config *cfg, const struct source_cfg *src, const struct sync_opts *o,
	       char head[72], struct error *err)
{
	struct git_env g;
	struct sync_env hold = {0};
	if (sync_env(cfg, src, o, &g, &hold, err) < 0)
		return -1;
	int fd;
	int rc = lock_mirror(g.git_dir, &fd, err);
	if (rc == 0) {
		rc = fetch_locked(src, o, &g, head, err);
		close(fd);
	}
	sync_env_release(&hold);
	return rc;
}

/* ---- what changed ---- */

enum change_kind { CH_ADD, CH_MODIFY, CH_DELETE, CH_RENAME, CH_TYPE };

struct change {
	enum change_kind kind;
	unsigned mode;     /* the new mode (0 for a deletion) */
	char oid[72];      /* the new object (blob, link or submodule commit) */
	char *path, *from; /* from: the old path of a rename */
	int origin;        /* index into the commits of the range, -1: the head */
};

struct changes {
	struct change *v;
	size_t n, cap;
};

static void changes_release(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].from);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static struct change *changes_add(struct changes *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct change *v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	struct change *x = &c->v[c->n++];
	memset(x, 0, sizeof *x);
	x->origin = -1;
	return x;
}

/* `git diff --raw -z`: ":OLDMODE NEWMODE OLDOID NEWOID STATUS\0PATH\0[PATH2\0]" per entry. */
static int parse_raw(const char *s, size_t len, struct changes *out, struct error *err)
{
	size_t i = 0;
	while (i < len) {
		if (s[i] != ':')
			return error_set(err, ERR_IO, "git diff: unexpected output at byte %zu", i);
		const char *hdr = s + i + 1;
		size_t hl = strnlen(hdr, len - i - 1);
		if (i + 1 + hl >= len)
			return error_set(err, ERR_IO, "git diff: output cut short");
		char omode[16], nmode[16], ooid[72], noid[72], status[16];
		char h[256];
		snprintf(h, sizeof h, "%.*s", (int)hl, hdr);
		if (sscanf(h, "%15s %15s %71s %71s %15s", omode, nmode, ooid, noid, status) != 5)
			return error_set(err, ERR_IO, "git diff: unexpected entry \"%s\"", h);
		i += 1 + hl + 1;
		const char *p1 = s + i;
		size_t l1 = strnlen(p1, len - i);
		if (i + l1 >= len)
			return error_set(err, ERR_IO, "git diff: output cut short");
		i += l1 + 1;
		struct change *c = changes_add(out);
		if (!c)
			return error_set(err, ERR_IO, "out of memory");
		c->mode = (unsigned)strtoul(nmode, NULL, 8);
		snprintf(c->oid, sizeof c->oid, "%s", noid);
		switch (status[0]) {
		case 'A':
			c->kind = CH_ADD;
			break;
		case 'M':
			c->kind = CH_MODIFY;
			break;
		case 'D':
			c->kind = CH_DELETE;
			c->mode = (unsigned)strtoul(omode, NULL, 8);
			break;
		case 'T':
			c->kind = CH_TYPE;
			break;
		case 'R':
		case 'C':
			c->kind = status[0] == 'R' ? CH_RENAME : CH_ADD;
			break;
		default:
			c->kind = CH_MODIFY;
			break;
		}
		if (status[0] == 'R' || status[0] == 'C') {
			const char *p2 = s + i;
			size_t l2 = strnlen(p2, len - i);
			if (i + l2 >= len)
				return error_set(err, ERR_IO, "git diff: output cut short");
			i += l2 + 1;
			if (!(c->path = strndup(p2, l2)))
				return error_set(err, ERR_IO, "out of memory");
			if (status[0] == 'R' && !(c->from = strndup(p1, l1)))
				return error_set(err, ERR_IO, "out of memory");
		} else if (!(c->path = strndup(p1, l1))) {
			return error_set(err, ERR_IO, "out of memory");
		}
	}
	return 0;
}

/* `git ls-tree -r -z`: "MODE TYPE OID\tPATH\0" per entry. */
static int parse_tree(const char *s, size_t len, struct changes *out, struct error *err)
{
	size_t i = 0;
	while (i < len) {
		const char *e = s + i;
		size_t l = strnlen(e, len - i);
		const char *tab = memchr(e, '\t', l);
		if (!tab)
			return error_set(err, ERR_IO, "git ls-tree: unexpected output at byte %zu", i);
		char h[256], mode[16], type[16], oid[72];
		snprintf(h, sizeof h, "%.*s", (int)(tab - e), e);
		if (sscanf(h, "%15s %15s %71s", mode, type, oid) != 3)
			return error_set(err, ERR_IO, "git ls-tree: unexpected entry \"%s\"", h);
		struct change *c = changes_add(out);
		if (!c || !(c->path = strndup(tab + 1, l - (size_t)(tab + 1 - e))))
			return error_set(err, ERR_IO, "out of memory");
		c->kind = CH_ADD;
		c->mode = (unsigned)strtoul(mode, NULL, 8);
		snprintf(c->oid, sizeof c->oid, "%s", oid);
		i += l + 1;
	}
	return 0;
}

/* ---- where each change came from ---- */

struct commit {
	char id[72];
	char *parents; /* space-separated */
	char *author;  /* "Name <email>" */
	char *email;
	int64_t time;
	char *subject;
	int brought_by; /* index of the first-parent commit that brought it onto the branch, -1 unknown */
	int64_t origin; /* event_origins row, 0 until made */
};

struct byid {
	const char *id;
	int idx;
};

struct range {
	struct commit *v;
	size_t n;
	char **paths; /* path → commit index: parallel arrays, sorted by path for bsearch */
	int *who;
	size_t npaths;
	struct byid *byid; /* commit_index() */
};

static void range_release(struct range *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].parents);
		free(r->v[i].author);
		free(r->v[i].email);
		free(r->v[i].subject);
	}
	free(r->v);
	for (size_t i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->who);
	free(r->byid);
	memset(r, 0, sizeof *r);
}

/* The commits by id (r->byid sorted by id), for the walk below: a range of 20,000 commits is not
 * 20,000² comparisons. */
static int cmp_byid(const void *a, const void *b)
{
	return strcmp(((const struct byid *)a)->id, ((const struct byid *)b)->id);
}

static int commit_index(const struct range *r, const char *id)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->byid[mid].id, id);
		if (!c)
			return r->byid[mid].idx;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* One commit's fields from "%H%x00%P%x00%an%x00%ae%x00%ct%x00%s". */
static int commit_fill(struct commit *c, char **f)
{
	snprintf(c->id, sizeof c->id, "%s", f[0]);
	c->parents = strdup(f[1]);
	size_t al = strlen(f[2]) + strlen(f[3]) + 4;
	c->author = malloc(al);
	if (c->author)
		snprintf(c->author, al, "%s <%s>", f[2], f[3]);
	c->email = strdup(f[3]);
	c->time = strtoll(f[4], NULL, 10);
	c->subject = strdup(f[5]);
	c->brought_by = -1;
	return c->parents && c->author && c->email && c->subject ? 0 : -1;
}

struct pathmap_entry {
	char *path;
	int who;
};

static int cmp_pme(const void *a, const void *b)
{
	return strcmp(((const struct pathmap_entry *)a)->path, ((const struct pathmap_entry *)b)->path);
}

/* The commits of FROM..TO (newest first, topological) with the paths each changed; for each path the
 * newest commit that changed it; for each commit the first-parent commit that brought it. */
static int load_range(const struct git_env *g, const char *from, const char *to, struct range *r,
		      struct error *err)
{
	struct buf b;
	buf_init(&b, (size_t)256 << 20);
	char spec[200];
	snprintf(spec, sizeof spec, "%s..%s", from, to);
	/* \x01 starts a commit; merges list no files (no diff for a merge without -m): a path is owed to
	 * the commit that really changed it. */
	const char *argv[] = {"log",          "-z",
			      "--topo-order", "--no-renames",
			      "--name-only",  "--format=%x01%H%x00%P%x00%an%x00%ae%x00%ct%x00%s",
			      spec,           NULL};
	struct pathmap_entry *pm = NULL;
	size_t npm = 0, cappm = 0;
	int rc = -1;
	if (git_run(g, argv, NULL, 0, &b, err) < 0)
		goto out;
	size_t cap = 0;
	const char *s = b.data ? b.data : "";
	size_t len = b.len, i = 0;
	int cur = -1;
	while (i < len) {
		if (s[i] == '\x01') {
			char *f[6];
			size_t j = i + 1;
			for (int k = 0; k < 6; k++) {
				size_t l = strnlen(s + j, len - j);
				f[k] = (char *)s + j; /* fields end at the NULs git wrote */
				j += l + 1;
				if (j > len && k < 5) {
					error_set(err, ERR_IO, "git log: output cut short");
					goto out;
				}
			}
			/* the subject ends at a newline before the file list */
			char *nl = strchr(f[5], '\n');
			size_t after = nl ? (size_t)(nl - s) + 1 : j;
			if (nl)
				*nl = '\0';
			if (r->n == cap) {
				cap = cap ? cap * 2 : 64;
				struct commit *v = realloc(r->v, cap * sizeof *v);
				if (!v) {
					error_set(err, ERR_IO, "out of memory");
					goto out;
				}
				r->v = v;
			}
			memset(&r->v[r->n], 0, sizeof r->v[r->n]);
			cur = (int)r->n++;
			if (commit_fill(&r->v[cur], f) < 0) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			i = nl ? after : j;
			continue;
		}
		size_t l = strnlen(s + i, len - i);
		const char *p = s + i;
		i += l + 1;
		if (p[0] == '\n') /* the blank line between a commit's header and its files */
			p++, l--;
		if (!l || cur < 0)
			continue;
		if (npm == cappm) {
			cappm = cappm ? cappm * 2 : 256;
			struct pathmap_entry *v = realloc(pm, cappm * sizeof *v);
			if (!v) {
				error_set(err, ERR_IO, "out of memory");
				goto out;
			}
			pm = v;
		}
		if (!(pm[npm].path = strndup(p, l))) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		pm[npm++].who = cur;
	}
	/* by path; among one path's entries the smallest index (the newest commit) wins below */
	qsort(pm, npm, sizeof *pm, cmp_pme);
	r->paths = calloc(npm ? npm : 1, sizeof *r->paths);
	r->who = calloc(npm ? npm : 1, sizeof *r->who);
	if (!r->paths || !r->who) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < npm;) {
		size_t e = k;
		int best = pm[k].who;
		while (e < npm && !strcmp(pm[e].path, pm[k].path)) {
			if (pm[e].who < best)
				best = pm[e].who;
			e++;
		}
		r->paths[r->npaths] = pm[k].path;
		pm[k].path = NULL;
		r->who[r->npaths++] = best;
		for (size_t q = k + 1; q < e; q++) {
			free(pm[q].path);
			pm[q].path = NULL;
		}
		k = e;
	}
	if (!(r->byid = calloc(r->n ? r->n : 1, sizeof *r->byid))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < r->n; k++)
		r->byid[k] = (struct byid){.id = r->v[k].id, .idx = (int)k};
	qsort(r->byid, r->n, sizeof *r->byid, cmp_byid);
	/* which first-parent commit brought each commit: walk the first-parent chain from the head
	 * (r->v[0] in topological order is the head) to its oldest, then, oldest first, give each
	 * merge the commits reachable from its other parents that no older one took. */
	size_t nchain = 0;
	int *chain = calloc(r->n ? r->n : 1, sizeof *chain);
	int *stack = calloc(r->n ? r->n : 1, sizeof *stack);
	if (!chain || !stack) {
		free(chain);
		free(stack);
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	int at = r->n ? commit_index(r, to) : -1;
	while (at >= 0) {
		chain[nchain++] = at;
		char first[72];
		if (sscanf(r->v[at].parents, "%71s", first) != 1)
			break;
		at = commit_index(r, first);
	}
	for (size_t k = nchain; k-- > 0;) {
		int f = chain[k];
		r->v[f].brought_by = f;
		const char *p = strchr(r->v[f].parents, ' '); /* the other parents */
		size_t sp = 0;
		while (p && *p) {
			while (*p == ' ')
				p++;
			char id[72];
			if (sscanf(p, "%71s", id) != 1)
				break;
			p += strlen(id);
			int x = commit_index(r, id);
			if (x >= 0 && r->v[x].brought_by < 0)
				stack[sp++] = x;
		}
		while (sp) {
			int x = stack[--sp];
			if (r->v[x].brought_by >= 0)
				continue;
			r->v[x].brought_by = f;
			const char *q = r->v[x].parents;
			while (q && *q) {
				while (*q == ' ')
					q++;
				char id[72];
				if (sscanf(q, "%71s", id) != 1)
					break;
				q += strlen(id);
				int y = commit_index(r, id);
				if (y >= 0 && r->v[y].brought_by < 0 && sp < r->n)
					stack[sp++] = y;
			}
		}
	}
	free(chain);
	free(stack);
	rc = 0;
out:
	for (size_t k = 0; k < npm; k++)
		free(pm[k].path);
	free(pm);
	buf_release(&b);
	return rc;
}

static int range_who(const struct range *r, const char *path)
{
	size_t lo = 0, hi = r->npaths;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->paths[mid], path);
		if (!c)
			return r->who[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The head commit alone (a full sync): its fields into r->v[0]. */
static int load_head(const struct git_env *g, const char *head, struct range *r, struct error *err)
{
	struct buf b;
	buf_init(&b, (size_t)1 << 20);
	const char *argv[] = {"log", "-1", "-z", "--format=%H%x00%P%x00%an%x00%ae%x00%ct%x00%s", head, NULL};
	int rc = -1;
	if (git_run(g, argv, NULL, 0, &b, err) < 0)
		goto out;
	char *f[6];
	size_t j = 0;
	for (int k = 0; k < 6; k++) {
		if (j >= b.len) {
			error_set(err, ERR_IO, "git log: unexpected answer for %s", head);
			goto out;
		}
		f[k] = b.data + j;
		j += strlen(b.data + j) + 1;
	}
	char *nl = strchr(f[5], '\n');
	if (nl)
		*nl = '\0';
	if (!(r->v = calloc(1, sizeof *r->v)) || (r->n = 1, commit_fill(&r->v[0], f) < 0)) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	r->v[0].brought_by = 0;
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

/* ---- people: "(Name)" owners, and commit authors' e-mails → handles ---- */

struct people_names {
	char **names, **handles, **emails, **email_handles;
	size_t n, cap, ne, cape;
	bool oom;
};

static int pn_push(char ***a, char ***b, size_t *n, size_t *cap, const char *x, const char *y)
{
	if (*n + 2 > *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **na = realloc(*a, nc * sizeof *na);
		if (!na)
			return -1;
		*a = na;
		char **nb = realloc(*b, nc * sizeof *nb);
		if (!nb)
			return -1;
		*b = nb;
		*cap = nc;
	}
	(*a)[*n] = strdup(x);
	(*b)[*n] = strdup(y);
	if (!(*a)[*n] || !(*b)[*n]) {
		free((*a)[*n]);
		free((*b)[*n]);
		return -1;
	}
	(*n)++;
	(*a)[*n] = (*b)[*n] = NULL;
	return 0;
}

static int pn_cb(const struct person *p, void *ud)
{
	struct people_names *pn = ud;
	if (pn_push(&pn->names, &pn->handles, &pn->n, &pn->cap, p->handle, p->handle) < 0 ||
	    (p->name && *p->name &&
	     pn_push(&pn->names, &pn->handles, &pn->n, &pn->cap, p->name, p->handle) < 0) ||
	    (p->email && *p->email &&
	     pn_push(&pn->emails, &pn->email_handles, &pn->ne, &pn->cape, p->email, p->handle) < 0)) {
		pn->oom = true;
		return -1;
	}
	return 0;
}

static void pn_release(struct people_names *pn)
{
	for (size_t i = 0; i < pn->n; i++) {
		free(pn->names[i]);
		free(pn->handles[i]);
	}
	for (size_t i = 0; i < pn->ne; i++) {
		free(pn->emails[i]);
		free(pn->email_handles[i]);
	}
	free(pn->names);
	free(pn->handles);
	free(pn->emails);
	free(pn->email_handles);
}

static const char *actor_by_email(const struct people_names *pn, const char *email, const char *author)
{
	for (size_t i = 0; i < pn->ne; i++)
		if (!strcasecmp(pn->emails[i], email))
			return pn->email_handles[i];
	return email[0] ? email : author;
}

static const char *actor_of(const struct people_names *pn, const struct commit *c)
{
	return actor_by_email(pn, c->email, c->author);
}

/* ---- the sync ---- */

struct run {
	struct store *st;
	const struct source_cfg *src;
	const struct sync_opts *o;
	struct sync_report *rep;
	struct git_env *g;
	struct git_batch *batch;
	struct merger *m;
	struct import_opts io;
	struct people_names pn;
	struct range range;
	char head[72];
	char short_head[16];
	struct buf data, ref;
	size_t since_commit;
};

/* import_origin.exists: a document of this source exists when the head tree has its path; a document of
 * another source cannot be checked here and is taken to exist; a file path is asked of the file system. */
static bool doc_exists(const char *ref, void *ud)
{
	struct run *r = ud;
	const char *path;
	if (source_ref_parse(ref, r->src->name, &path)) {
		if (strchr(path, '\n'))
			return false;
		char name[8192];
		if (snprintf(name, sizeof name, "%s:%s", r->head, path) >= (int)sizeof name)
			return true;
		char type[16];
		size_t size;
		struct error e;
		error_init(&e);
		int x = git_batch_info(r->batch, name, type, &size, &e);
		return x != 1; /* an error: say it exists (never steal an incident on doubt) */
	}
	if (!strncmp(ref, "git:", 4))
		return true;
	return access(ref, F_OK) == 0;
}

static int origin_of(struct run *r, int who, struct import_origin *out, struct error *err)
{
	struct commit *c = &r->range.v[who >= 0 ? who : 0];
	if (!c->origin) {
		int b = c->brought_by >= 0 ? c->brought_by : who >= 0 ? who : 0;
		char at[21];
		time_format(c->time, at);
		if (sources_origin(r->st, r->src->name, c->id, c->author, r->range.v[b].subject, at,
				   &c->origin, err) < 0)
			return -1;
	}
	*out = (struct import_origin){
	    .id = c->origin, .actor = actor_of(&r->pn, c), .time = c->time, .exists = doc_exists, .ud = r};
	return 0;
}

static int who_of(struct run *r, const char *path)
{
	if (r->range.npaths) {
		int w = range_who(&r->range, path);
		if (w >= 0)
			return w;
	}
	return 0; /* the head (full sync), or a path the log did not list */
}

static void print_diags(struct run *r, const struct import_doc *d, const char *shown)
{
	for (size_t i = 0; i < d->ndiags; i++) {
		const struct diag *g = &d->diags[i];
		enum sync_line_kind k = g->level == DIAG_ERROR ? SYNC_ERROR : SYNC_WARNING;
		const char *lvl = g->level == DIAG_ERROR ? "error" : "warning";
		if (g->line)
			say(r->o, k, "%s:%u: %s: %s (commit %s)", shown, g->line, lvl, g->msg, r->short_head);
		else
			say(r->o, k, "%s: %s: %s (commit %s)", shown, lvl, g->msg, r->short_head);
	}
}

static int maybe_commit(struct run *r, struct error *err)
{
	if (r->o->dry_run || ++r->since_commit < COMMIT_EVERY)
		return 0;
	r->since_commit = 0;
	if (store_commit(r->st, err) < 0 || store_begin(r->st, err) < 0)
		return -1;
	return 0;
}

/* Is the blob text a post-mortem could be? NUL bytes in the first 8000 (git's own test) say binary. */
static bool looks_binary(const char *d, size_t n)
{
	return memchr(d, '\0', n < 8000 ? n : 8000) != NULL;
}

/* A symbolic link's target (the blob's content): inside the repository or not. */
static bool link_escapes(const char *path, const char *target)
{
	if (target[0] == '/')
		return true;
	int depth = 0;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	const char *t = target;
	while (*t) {
		size_t l = strcspn(t, "/");
		if (l == 2 && t[0] == '.' && t[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (!(l == 1 && t[0] == '.') && l) {
			depth++;
		}
		t += l;
		while (*t == '/')
			t++;
	}
	return false;
}

/* One added or modified path of the head tree. */
static int import_one(struct run *r, const struct change *c, struct error *err)
{
	char shown[1024];
	path_show(c->path, shown, sizeof shown);
	if (c->mode == 0160000) {
		say(r->o, SYNC_WARNING, "%s: ignored: a submodule (tracker does not follow submodules)",
		    shown);
		r->rep->ignored++;
		return 0;
	}
	if (!source_path_matches(r->src, c->path)) {
		r->rep->ignored++;
		return 0;
	}
	if (!path_ok(c->path)) {
		say(r->o, SYNC_WARNING,
		    "%s: refused: the path is not valid UTF-8 or holds control characters (rename the file)",
		    shown);
		r->rep->refused++;
		return 0;
	}
	char type[16];
	size_t size = 0;
	size_t max = r->io.max_size ? r->io.max_size : (size_t)4 << 20;
	if (c->mode == 0120000) {
		int x = git_batch_read(r->batch, c->oid, 4096, &r->data, type, &size, err);
		if (x < 0)
			return -1;
		char target[1100];
		path_show(x == 0 ? buf_cstr(&r->data) : "?", target, sizeof target);
		if (x == 0 && link_escapes(c->path, buf_cstr(&r->data)))
			say(r->o, SYNC_WARNING,
			    "%s: refused: a symbolic link pointing outside the repository (to %s)", shown,
			    target);
		else
			say(r->o, SYNC_WARNING,
			    "%s: refused: a symbolic link (to %s); only regular files are read", shown,
			    target);
		r->rep->refused++;
		return 0;
	}
	if ((c->mode & 0170000) != 0100000) {
		say(r->o, SYNC_WARNING, "%s: refused: not a regular file (mode %o)", shown, c->mode);
		r->rep->refused++;
		return 0;
	}
	int x = git_batch_read(r->batch, c->oid, max, &r->data, type, &size, err);
	if (x < 0)
		return -1;
	if (x == 1) {
		error_set(err, ERR_IO, "%s: object %s is missing from the mirror", shown, c->oid);
		return -1;
	}
	if (x == 2) {
		say(r->o, SYNC_ERROR,
		    "%s: refused: %zu bytes, over the %zu-byte limit ([import] max_size) (commit %s)", shown,
		    size, max, r->short_head);
		r->rep->refused++;
		return 0;
	}
	if (looks_binary(r->data.data, r->data.len)) {
		say(r->o, SYNC_ERROR, "%s: refused: a binary file, not a Markdown document (commit %s)",
		    shown, r->short_head);
		r->rep->refused++;
		return 0;
	}
	struct import_doc doc;
	import_doc_init(&doc);
	sha256_bytes(r->data.data, r->data.len, doc.sha256);
	int pr = import_parse_hashed(shown, r->data.data, r->data.len, &r->io, &doc);
	print_diags(r, &doc, shown);
	int rc = 0;
	if (pr < 0) {
		say(r->o, SYNC_ERROR, "%s: rejected: nothing imported from this file (commit %s)", shown,
		    r->short_head);
		r->rep->rejected++;
		goto out;
	}
	if (source_ref(r->src->name, c->path, &r->ref) < 0) {
		rc = error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	struct import_origin origin;
	if (origin_of(r, who_of(r, c->path), &origin, err) < 0) {
		rc = -1;
		goto out;
	}
	struct merge_summary sum;
	if (merger_begin_doc(r->m, err) < 0) {
		rc = -1;
		goto out;
	}
	if (merge_doc_from(r->m, &doc, buf_cstr(&r->ref), r->o->actor, r->o->now, &origin, &sum, err) < 0) {
		struct error ignored;
		error_init(&ignored);
		merger_end_doc(r->m, false, &ignored);
		if (err->kind == ERR_STORE) {
			rc = -1;
			goto out;
		}
		say(r->o, SYNC_ERROR, "%s: error: %s (commit %s)", shown, err->msg, r->short_head);
		error_init(err);
		r->rep->rejected++;
		goto out;
	}
	if (merger_end_doc(r->m, true, err) < 0) {
		rc = -1;
		goto out;
	}
	if (sum.same_file) {
		r->rep->unchanged++;
	} else {
		r->rep->imported++;
		r->rep->items_created += sum.created;
		r->rep->items_updated += sum.updated + sum.restored;
		r->rep->items_removed += sum.removed;
		if (sum.moved)
			r->rep->renamed++;
		say(r->o, SYNC_INFO, "%s: %u new, %u updated, %u unchanged, %u removed%s%s (%s)", doc.inc.id,
		    sum.created, sum.updated + sum.restored, sum.unchanged, sum.removed,
		    sum.moved ? ", moved" : "", sum.conflicts ? ", conflicts: see tracker show" : "", shown);
	}
	rc = maybe_commit(r, err);
out:
	import_doc_release(&doc);
	return rc;
}

/* A path gone from the tree (deleted, or the old side of a rename): its documents' items removed. */
static int remove_one(struct run *r, const char *path, int who, struct error *err)
{
	if (!source_path_matches(r->src, path) || !path_ok(path))
		return 0;
	if (source_ref(r->src->name, path, &r->ref) < 0)
		return error_set(err, ERR_IO, "out of memory");
	struct import_origin origin;
	if (origin_of(r, who, &origin, err) < 0)
		return -1;
	unsigned removed = 0, incs = 0;
	if (merger_begin_doc(r->m, err) < 0)
		return -1;
	if (merge_source_gone(r->m, buf_cstr(&r->ref), r->o->actor, r->o->now, &origin, &removed, &incs,
			      err) < 0) {
		struct error ignored;
		merger_end_doc(r->m, false, &ignored);
		return -1;
	}
	if (merger_end_doc(r->m, true, err) < 0)
		return -1;
	if (removed) {
		char shown[1024];
		path_show(path, shown, sizeof shown);
		r->rep->removed_docs++;
		r->rep->items_removed += removed;
		say(r->o, SYNC_INFO, "%s: deleted from the repository: %u item%s flagged removed", shown,
		    removed, removed == 1 ? "" : "s");
	}
	return maybe_commit(r, err);
}

static int cmp_change_path(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path, ((const struct change *)b)->path);
}

struct known_docs {
	const char *prefix;
	char **paths;
	size_t n, cap;
	bool oom;
};

static int add_known(const char *source, void *ud)
{
	struct known_docs *k = ud;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		char **v = realloc(k->paths, cap * sizeof *v);
		if (!v) {
			k->oom = true;
			return -1;
		}
		k->paths = v;
		k->cap = cap;
	}
	if (!(k->paths[k->n] = strdup(source + strlen(k->prefix)))) {
		k->oom = true;
		return -1;
	}
	k->n++;
	return 0;
}

/* A full sync: the documents of this source the store knows and the head tree no longer holds. */
static int full_removals(struct run *r, struct changes *tree, struct error *err)
{
	struct known_docs k = {0};
	char prefix[SOURCE_NAME_MAX + 8];
	snprintf(prefix, sizeof prefix, "git:%s:", r->src->name);
	k.prefix = prefix;
	int rc = -1;
	if (sources_documents(r->st, r->src->name, add_known, &k, err) < 0 || k.oom) {
		if (k.oom)
			error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	size_t gone = 0;
	for (size_t i = 0; i < k.n; i++) {
		struct change key = {.path = k.paths[i]};
		struct change *c =
		    tree->n ? bsearch(&key, tree->v, tree->n, sizeof *tree->v, cmp_change_path) : NULL;
		if (!c || !source_path_matches(r->src, k.paths[i]) || (c->mode & 0170000) != 0100000) {
			if (gone != i)
				free(k.paths[gone]);
			k.paths[gone] = k.paths[i];
			if (gone != i)
				k.paths[i] = NULL;
			gone++;
		}
	}
	for (size_t i = gone; i < k.n; i++) {
		free(k.paths[i]);
		k.paths[i] = NULL;
	}
	size_t known = k.n;
	k.n = gone;
	if (gone > PRUNE_MIN && gone * 2 > known && !r->o->prune) {
		say(r->o, SYNC_WARNING,
		    "source %s: %zu of the %zu documents synced before are not in the tree at %s: NOT "
		    "flagging their items removed (a force-push or a change of `paths`?); check the branch, "
		    "then run `tracker sync --full --prune %s` to remove them",
		    r->src->name, gone, known, r->short_head, r->src->name);
		r->rep->held_back = gone;
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < gone; i++)
		if (remove_one(r, k.paths[i], 0, err) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < k.n; i++)
		free(k.paths[i]);
	free(k.paths);
	return rc;
}

static int sync_locked(struct run *r, const char *last, struct error *err)
{
	struct changes ch = {0};
	struct buf out;
	buf_init(&out, (size_t)1 << 30);
	int rc = -1;
	const struct sync_opts *o = r->o;
	bool full = o->full || !last;
	if (!full) {
		char tmp[72];
		int x = rev_parse(r->g, last, tmp, err);
		if (x < 0)
			goto out;
		int status = 1;
		if (x == 0) {
			const char *argv[] = {"merge-base", "--is-ancestor", last, r->head, NULL};
			if (git_run_status(r->g, argv, NULL, 0, NULL, NULL, &status, err) < 0)
				goto out;
		}
		if (status != 0) {
			r->rep->force_pushed = true;
			full = true;
			say(o, SYNC_WARNING,
			    "source %s: the last synced commit %.12s is no longer on branch %s "
			    "(force-push?): "
			    "syncing the whole tree at %s",
			    r->src->name, last, source_branch(r->src), r->short_head);
		}
	}
	r->rep->full = full;
	if (full) {
		const char *argv[] = {"ls-tree", "-r", "-z", "--full-tree", r->head, NULL};
		if (git_run(r->g, argv, NULL, 0, &out, err) < 0 ||
		    parse_tree(out.data ? out.data : "", out.len, &ch, err) < 0 ||
		    load_head(r->g, r->head, &r->range, err) < 0)
			goto out;
	} else {
		const char *argv[] = {"diff",          "--raw", "-z",    "-M", "--no-abbrev",
				      "--no-ext-diff", last,    r->head, NULL};
		if (git_run(r->g, argv, NULL, 0, &out, err) < 0 ||
		    parse_raw(out.data ? out.data : "", out.len, &ch, err) < 0 ||
		    load_range(r->g, last, r->head, &r->range, err) < 0)
			goto out;
		if (!r->range.n && load_head(r->g, r->head, &r->range, err) < 0)
			goto out;
	}
	buf_release(&out);
	r->rep->files = ch.n;
	if (!(r->batch = git_batch_open(r->g, err)))
		goto out;
	/* additions and changes first (a renamed document is found by its id at its new path, with the
	 * old path gone from the tree), then deletions and the old sides of renames */
	for (size_t i = 0; i < ch.n; i++) {
		struct change *c = &ch.v[i];
		if (c->kind == CH_DELETE)
			continue;
		if (import_one(r, c, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < ch.n; i++) {
		struct change *c = &ch.v[i];
		const char *gone = c->kind == CH_DELETE ? c->path : c->kind == CH_RENAME ? c->from : NULL;
		if (gone && remove_one(r, gone, who_of(r, c->path), err) < 0)
			goto out;
	}
	if (full) {
		if (ch.n > 1)
			qsort(ch.v, ch.n, sizeof *ch.v, cmp_change_path);
		if (full_removals(r, &ch, err) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_release(&out);
	changes_release(&ch);
	return rc;
}

int sync_source(struct store *st, const struct config *cfg, const struct source_cfg *src,
		const struct sync_opts *o, struct sync_report *rep, struct error *err)
{
	memset(rep, 0, sizeof *rep);
	struct run r = {.st = st, .src = src, .o = o, .rep = rep};
	struct git_env g;
	struct sync_env hold = {0};
	struct source_state state = {0};
	int lock_fd = -1, rc = -1;
	bool in_tx = false;
	char now[21];
	time_format(o->now, now);
	buf_init(&r.data, (size_t)64 << 20);
	buf_init(&r.ref, 1 << 16);
	if (import_opts_from_config(&r.io, cfg, err) < 0)
		goto out_nostate;
	if (sync_env(cfg, src, o, &g, &hold, err) < 0)
		goto out_nostate;
	r.g = &g;
	if (lock_mirror(g.git_dir, &lock_fd, err) < 0)
		goto out_nostate;
	int got = sources_get(st, src->name, &state, err);
	if (got < 0)
		goto out_nostate;
	/* the last commit counts only for the repository and branch it was synced from */
	const char *last = got == 0 && state.last_commit && !strcmp(state.repo, src->repo) &&
				   !strcmp(state.branch, source_branch(src))
			       ? state.last_commit
			       : NULL;
	snprintf(rep->from, sizeof rep->from, "%s", last ? last : "");
	if (o->no_fetch) {
		int x = rev_parse(&g, "refs/tracker/head", r.head, err);
		if (x != 0) {
			if (x > 0)
				error_set(err, ERR_IO,
					  "source %s: nothing fetched yet (sync without --no-fetch first)",
					  src->name);
			goto out_fail;
		}
	} else if (fetch_locked(src, o, &g, r.head, err) < 0) {
		goto out_fail;
	}
	snprintf(rep->to, sizeof rep->to, "%s", r.head);
	snprintf(r.short_head, sizeof r.short_head, "%.12s", r.head);
	if (last && !strcmp(last, r.head) && !o->full) {
		rep->up_to_date = true;
		if (!o->dry_run) {
			if (store_begin(st, err) < 0)
				goto out_nostate;
			in_tx = true;
			if (sources_synced(st, src->name, src->repo, source_branch(src), r.head, now, err) <
				0 ||
			    store_commit(st, err) < 0)
				goto out_nostate;
			in_tx = false;
		}
		rc = 0;
		goto out_nostate;
	}
	if (people_list(st, pn_cb, &r.pn, err) < 0) {
		if (r.pn.oom)
			error_set(err, ERR_IO, "out of memory");
		goto out_nostate;
	}
	r.io.people = (const char *const *)r.pn.names;
	r.io.people_handles = (const char *const *)r.pn.handles;
	char rules[64];
	import_rules_id(&r.io, rules);
	r.io.rules_id = rules;
	import_prepare_threads();
	if (!(r.m = merger_new(st, err)) || store_begin(st, err) < 0)
		goto out_nostate;
	in_tx = true;
	if (sync_locked(&r, last, err) < 0) {
		if (err->kind == ERR_STORE)
			goto out_nostate;
		goto out_fail;
	}
	if (o->dry_run) {
		store_rollback(st);
		in_tx = false;
		rc = 0;
		goto out_nostate;
	}
	if (sources_synced(st, src->name, src->repo, source_branch(src), r.head, now, err) < 0 ||
	    store_commit(st, err) < 0)
		goto out_nostate;
	in_tx = false;
	rc = 0;
	goto out_nostate;
out_fail:
	/* recorded for `tracker sync` and /metrics; the imports of this run are rolled back */
	if (in_tx) {
		store_rollback(st);
		in_tx = false;
	}
	if (!o->dry_run) {
		struct error e2;
		error_init(&e2);
		sources_failed(st, src->name, src->repo, source_branch(src), err->msg, now, &e2);
	}
out_nostate:
	if (in_tx)
		store_rollback(st);
	git_batch_close(r.batch);
	merger_free(r.m);
	range_release(&r.range);
	pn_release(&r.pn);
	import_opts_release(&r.io);
	source_state_release(&state);
	buf_release(&r.data);
	buf_release(&r.ref);
	if (lock_fd >= 0)
		close(lock_fd);
	sync_env_release(&hold);
	return rc;
}

/* ---- the same rules for `sync --history` (history_run.c) ---- */

struct sync_people {
	struct people_names pn;
	char rules[64];
};

struct sync_people *sync_people_load(struct store *st, struct import_opts *io, struct error *err)
{
	struct sync_people *p = calloc(1, sizeof *p);
	if (!p) {
		error_set(err, ERR_IO, "out of memory");
		return NULL;
	}
	if (people_list(st, pn_cb, &p->pn, err) < 0) {
		if (p->pn.oom)
			error_set(err, ERR_IO, "out of memory");
		sync_people_free(p);
		return NULL;
	}
	io->people = (const char *const *)p->pn.names;
	io->people_handles = (const char *const *)p->pn.handles;
	import_rules_id(io, p->rules);
	io->rules_id = p->rules;
	return p;
}

const char *sync_people_actor(const struct sync_people *p, const char *email, const char *author)
{
	return actor_by_email(&p->pn, email, author);
}

void sync_people_free(struct sync_people *p)
{
	if (!p)
		return;
	pn_release(&p->pn);
	free(p);
}

bool sync_path_ok(const char *path)
{
	return path_ok(path);
}

void sync_path_show(const char *path, char *out, size_t outsz)
{
	path_show(path, out, outsz);
}
