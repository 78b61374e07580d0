/*
 * history.c — reading `git log --raw -z` and planning the replay of `tracker sync --history`
 * (history.h). No git process and no store here: the runner and the importer are the caller's.
 *
 * The log is read sequentially, never split on a separator byte: a record is \x01, the header line
 * "<id> <committer time> <author>" up to NUL, the subject up to NUL, then newlines and raw entries
 * ":<old mode> <new mode> <old id> <new id> <status>[score]" NUL, a path NUL (and for renames and copies
 * the new path NUL). Paths may hold any byte but NUL (newlines and non-UTF-8 bytes included), so only NUL
 * ends them.
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *find_nul(const char *p, const char *end)
{
	const char *z = memchr(p, '\0', (size_t)(end - p));
	return z ? z : NULL;
}

static char *dup_range(const char *p, const char *e)
{
	size_t n = (size_t)(e - p);
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static bool is_hex_id(const char *p, size_t n)
{
	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static int bad(struct error *err, const char *buf, const char *at, const char *what)
{
	return error_set(err, ERR_DATA, "git log output at byte %zu: %s", (size_t)(at - buf), what);
}

static int parse_octal(const char *p, const char *e, unsigned *out)
{
	unsigned v = 0;
	if (p == e || e - p > 7)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		v = v * 8 + (unsigned)(*p - '0');
	}
	*out = v;
	return 0;
}

/* One raw entry at *pp (which points at ':'). */
static int parse_change(const char *buf, const char **pp, const char *end, struct hist_change *c,
			struct error *err)
{
	const char *p = *pp + 1, *z = find_nul(p, end);
	memset(c, 0, sizeof *c);
	if (!z)
		return bad(err, buf, p, "a raw entry without its end");
	/* "<old mode> <new mode> <old id> <new id> <status>" */
	const char *f[5], *fe[5];
	const char *q = p;
	for (int i = 0; i < 5; i++) {
		f[i] = q;
		while (q < z && *q != ' ')
			q++;
		fe[i] = q;
		if (i < 4) {
			if (q == z)
				return bad(err, buf, q, "a raw entry with too few fields");
			q++;
		}
	}
	if (fe[4] != z || parse_octal(f[0], fe[0], &c->old_mode) < 0 ||
	    parse_octal(f[1], fe[1], &c->new_mode) < 0 || !is_hex_id(f[2], (size_t)(fe[2] - f[2])) ||
	    !is_hex_id(f[3], (size_t)(fe[3] - f[3])) || fe[4] == f[4])
		return bad(err, buf, p, "a raw entry that is not \":mode mode id id status\"");
	c->status = f[4][0];
	if (!strchr("AMDRCT", c->status))
		return bad(err, buf, f[4], "an unknown change status");
	size_t idn = (size_t)(fe[3] - f[3]);
	bool zero = true;
	for (size_t i = 0; i < idn; i++)
		zero &= f[3][i] == '0';
	if (!zero) {
		memcpy(c->blob, f[3], idn);
		c->blob[idn] = '\0';
	}
	p = z + 1;
	int npaths = c->status == 'R' || c->status == 'C' ? 2 : 1;
	char *paths[2] = {NULL, NULL};
	for (int i = 0; i < npaths; i++) {
		z = p < end ? find_nul(p, end) : NULL;
		if (!z || z == p) {
			free(paths[0]);
			return bad(err, buf, p, "a raw entry without its path");
		}
		if (!(paths[i] = dup_range(p, z))) {
			free(paths[0]);
			return error_set(err, ERR_IO, "out of memory");
		}
		p = z + 1;
	}
	if (npaths == 2) {
		c->old_path = paths[0];
		c->path = paths[1];
	} else {
		c->path = paths[0];
	}
	*pp = p;
	return 0;
}

static void change_release(struct hist_change *c)
{
	free(c->path);
	free(c->old_path);
}

void hist_log_release(struct hist_log *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct hist_commit *c = &l->v[i];
		for (size_t j = 0; j < c->nch; j++)
			change_release(&c->ch[j]);
		free(c->ch);
		free(c->author);
		free(c->subject);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int parse_header(const char *buf, const char *p, const char *z, struct hist_commit *c,
			struct error *err)
{
	/* "<id> <time> <author>" */
	const char *sp = memchr(p, ' ', (size_t)(z - p));
	if (!sp || !is_hex_id(p, (size_t)(sp - p)))
		return bad(err, buf, p, "a commit header without its object id");
	memcpy(c->id, p, (size_t)(sp - p));
	c->id[sp - p] = '\0';
	const char *t = sp + 1, *te = memchr(t, ' ', (size_t)(z - t));
	if (!te || te == t)
		return bad(err, buf, t, "a commit header without its time");
	int64_t v = 0;
	for (const char *q = t; q < te; q++) {
		if (*q < '0' || *q > '9' || v > (INT64_MAX - 9) / 10)
			return bad(err, buf, q, "a commit time that is not a number of seconds");
		v = v * 10 + (*q - '0');
	}
	c->time = v;
	if (!(c->author = dup_range(te + 1, z)))
		return error_set(err, ERR_IO, "out of memory");
	return 0;
}

int hist_log_parse(const char *buf, size_t len, struct hist_log *out, struct error *err)
{
	const char *p = buf, *end = buf + len;
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	while (p < end && *p == '\n')
		p++;
	while (p < end) {
		if (*p != '\x01') {
			bad(err, buf, p, "expected the start of a commit");
			goto fail;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 256;
			struct hist_commit *nv = realloc(out->v, cap * sizeof *nv);
			if (!nv) {
				error_set(err, ERR_IO, "out of memory");
				goto fail;
			}
			out->v = nv;
		}
		struct hist_commit *c = &out->v[out->n++];
		memset(c, 0, sizeof *c);
		p++;
		const char *z = find_nul(p, end);
		if (!z) {
			bad(err, buf, p, "a commit header without its end");
			goto fail;
		}
		if (parse_header(buf, p, z, c, err) < 0)
			goto fail;
		p = z + 1;
		if (!(z = find_nul(p, end))) {
			bad(err, buf, p, "a commit subject without its end");
			goto fail;
		}
		if (!(c->subject = dup_range(p, z))) {
			error_set(err, ERR_IO, "out of memory");
			goto fail;
		}
		p = z + 1;
		size_t ccap = 0;
		for (;;) {
			while (p < end && *p == '\n')
				p++;
			if (p >= end || *p != ':')
				break;
			if (c->nch == ccap) {
				ccap = ccap ? ccap * 2 : 4;
				struct hist_change *nc = realloc(c->ch, ccap * sizeof *nc);
				if (!nc) {
					error_set(err, ERR_IO, "out of memory");
					goto fail;
				}
				c->ch = nc;
			}
			if (parse_change(buf, &p, end, &c->ch[c->nch], err) < 0)
				goto fail;
			c->nch++;
		}
	}
	return 0;
fail:
	hist_log_release(out);
	return -1;
}

/* ---- the plan ---- */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct hist_path_slot *map_find(const struct hist_paths *m, const char *path)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash_str(path) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct hist_path_slot *s = &m->v[i];
		if (!s->path && !s->dead)
			return NULL;
		if (s->path && !strcmp(s->path, path))
			return s;
	}
}

static int map_grow(struct hist_paths *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct hist_path_slot *nv = calloc(cap, sizeof *nv);
	if (!nv)
		return -1;
	m->used = 0;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i].path)
			continue;
		size_t j = hash_str(m->v[i].path) & (cap - 1);
		while (nv[j].path)
			j = (j + 1) & (cap - 1);
		nv[j] = m->v[i];
		m->used++;
	}
	free(m->v);
	m->v = nv;
	m->cap = cap;
	return 0;
}

int hist_paths_put(struct hist_paths *m, const char *path, size_t lineage)
{
	struct hist_path_slot *s = map_find(m, path);
	if (s) {
		s->lineage = lineage;
		return 0;
	}
	if ((m->used + 1) * 2 > m->cap && map_grow(m) < 0)
		return -1;
	size_t i = hash_str(path) & (m->cap - 1);
	while (m->v[i].path)
		i = (i + 1) & (m->cap - 1);
	if (!m->v[i].dead)
		m->used++;
	m->v[i] = (struct hist_path_slot){.path = path, .lineage = lineage};
	return 0;
}

void hist_paths_del(struct hist_paths *m, const char *path)
{
	struct hist_path_slot *s = map_find(m, path);
	if (s) {
		s->path = NULL;
		s->dead = true;
	}
}

static int add_step(struct hist_plan *p, size_t *cap, size_t commit, size_t change, size_t lineage,
		    enum hist_op op)
{
	if (p->nsteps == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		struct hist_step *nv = realloc(p->steps, nc * sizeof *nv);
		if (!nv)
			return -1;
		p->steps = nv;
		*cap = nc;
	}
	p->steps[p->nsteps++] =
	    (struct hist_step){.commit = commit, .change = change, .lineage = lineage, .op = op};
	return 0;
}

static int add_skip(struct hist_plan *p, size_t *cap, size_t commit, size_t change, const char *why)
{
	if (p->nskips == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct hist_skip *nv = realloc(p->skips, nc * sizeof *nv);
		if (!nv)
			return -1;
		p->skips = nv;
		*cap = nc;
	}
	p->skips[p->nskips++] = (struct hist_skip){.commit = commit, .change = change, .why = why};
	return 0;
}

bool hist_paths_has(const struct hist_paths *m, const char *path)
{
	return map_find(m, path) != NULL;
}

void hist_paths_release(struct hist_paths *m)
{
	free(m->v);
	memset(m, 0, sizeof *m);
}

void hist_plan_release(struct hist_plan *p)
{
	free(p->steps);
	free(p->skips);
	memset(p, 0, sizeof *p);
}

#define MODE_TYPE(m) ((m)&0170000u)
#define MODE_FILE 0100000u
#define MODE_LINK 0120000u
#define MODE_GITLINK 0160000u

static const char *mode_refused(unsigned mode)
{
	if (MODE_TYPE(mode) == MODE_LINK)
		return "a symbolic link (refused: a link may point outside the repository)";
	if (MODE_TYPE(mode) == MODE_GITLINK)
		return "a submodule (ignored)";
	if (MODE_TYPE(mode) != MODE_FILE)
		return "not a regular file (ignored)";
	return NULL;
}

int hist_plan_make(const struct hist_log *log, bool (*match)(const char *path, void *ud), void *ud,
		   struct hist_plan *plan, struct error *err)
{
	struct hist_paths map = {0};
	size_t scap = 0, kcap = 0;
	size_t *lin = NULL, lcap = 0;
	memset(plan, 0, sizeof *plan);
	for (size_t ci = 0; ci < log->n; ci++) {
		const struct hist_commit *c = &log->v[ci];
		if (c->nch > lcap) {
			size_t *nl = realloc(lin, c->nch * sizeof *nl);
			if (!nl)
				goto oom;
			lin = nl;
			lcap = c->nch;
		}
		/* Pass 1: the lineage each change continues, read before this commit's moves (a commit may
		 * swap two names). SIZE_MAX: none. */
		for (size_t j = 0; j < c->nch; j++) {
			const struct hist_change *h = &c->ch[j];
			const char *before = h->status == 'R'                       ? h->old_path
					     : h->status == 'C' || h->status == 'A' ? NULL
										    : h->path;
			struct hist_path_slot *s = before ? map_find(&map, before) : NULL;
			lin[j] = s ? s->lineage : SIZE_MAX;
		}
		/* Pass 2: the old names go. */
		for (size_t j = 0; j < c->nch; j++) {
			const struct hist_change *h = &c->ch[j];
			if (h->status == 'R')
				hist_paths_del(&map, h->old_path);
			else if (h->status == 'D')
				hist_paths_del(&map, h->path);
		}
		/* Pass 3: the steps and the new names. */
		for (size_t j = 0; j < c->nch; j++) {
			const struct hist_change *h = &c->ch[j];
			bool tracked = match(h->path, ud);
			if (h->status == 'D') {
				if (lin[j] != SIZE_MAX &&
				    add_step(plan, &scap, ci, j, lin[j], HIST_DELETE) < 0)
					goto oom;
				continue;
			}
			const char *refused = tracked ? mode_refused(h->new_mode) : NULL;
			if (!tracked || refused) {
				/* renamed away from the tracked paths, or no longer a regular file: the
				 * document is gone */
				if (lin[j] != SIZE_MAX) {
					if (add_step(plan, &scap, ci, j, lin[j], HIST_DELETE) < 0)
						goto oom;
					hist_paths_del(&map, h->path);
				}
				if (refused && add_skip(plan, &kcap, ci, j, refused) < 0)
					goto oom;
				continue;
			}
			size_t l = lin[j];
			if (l == SIZE_MAX)
				l = plan->nlineages++;
			if (add_step(plan, &scap, ci, j, l, HIST_IMPORT) < 0 ||
			    hist_paths_put(&map, h->path, l) < 0)
				goto oom;
		}
	}
	free(lin);
	free(map.v);
	return 0;
oom:
	free(lin);
	free(map.v);
	hist_plan_release(plan);
	return error_set(err, ERR_IO, "out of memory");
}
