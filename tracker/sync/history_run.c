/*
 * history_run.c — the replay of `tracker sync --history` (history.h): git log read once, the plan
 * (history.c), each version's blob through one `git cat-file --batch-command`, merged at its commit time
 * with its commit as origin; the marks of schema 0009 (backfill.h) make a second run change nothing.
 */
#include "history.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "git.h"
#include "incidents.h"
#include "sha256.h"
#include "import.h"
#include "merge.h"
#include "source.h"
#include "sources.h"
#include "sync.h"
#include "store.h"
#include "tdate.h"
#include "banned.h"

/* ---- the replay ---- */

/* The state of one lineage during a run. */
enum lin_state {
	LIN_NEW,      /* no mark: decided at its first good version */
	LIN_SKIPPING, /* a mark: skipping its steps up to the mark's commit */
	LIN_CATCHUP,  /* after the mark, skipping up to the version the store already has (a plain sync) */
	LIN_REPLAY,   /* replaying */
	LIN_REFUSED,  /* left alone */
	LIN_LOST,     /* its mark's commit is no longer on the branch: left alone */
};

struct lineage {
	enum lin_state state;
	size_t first;      /* its first step */
	char *incident;    /* the incident it became (malloc'd), or NULL */
	const char *path;  /* the path at the last step replayed (borrowed from the log) */
	size_t last;       /* the commit of the last step replayed */
	bool dirty;        /* the mark must be written */
	bool deleted;      /* its last step replayed was a deletion */
	bool counted;      /* counted in r->replayed */
	char *mark_commit; /* the mark's last_commit (malloc'd), or NULL */
	size_t mark_step;  /* the step of the mark's commit, SIZE_MAX none */
	size_t catchup;    /* the last step after the mark whose version the store has, SIZE_MAX none */
};

struct run {
	struct store *st;
	const struct hist_opts *o;
	struct hist_result *r;
	struct hist_log log;
	struct hist_plan plan;
	struct lineage *lin;
	int64_t *origins;       /* per commit: its event_origins row, 0 not yet */
	struct hist_paths live; /* the tracked paths in the branch at the step being replayed */
	struct merger *m;
	/* the blobs: sizes from one `cat-file --batch-check`, contents read in chunks of
	 * HIST_CHUNK_BLOBS / HIST_CHUNK_BYTES by one `cat-file --batch` each (blob_of()) */
	bool *wanted;     /* per step: its blob will be read */
	size_t *bsize;    /* per step: the blob's size, SIZE_MAX unknown (missing) */
	size_t *boff;     /* per step: where its content is in `chunk` */
	unsigned *bchunk; /* per step: the chunk it was read in (0 none) */
	unsigned nchunk;  /* the chunk in `chunk` */
	struct buf chunk;
	struct buf ref;
	char actor[1024];
	char shown[2][1024]; /* paths fit for a message (shown()) */
};

static void note(struct run *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct run *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* a full notes buffer drops the line (the counters still count it) */
	if (buf_vprintf(&x->r->notes, fmt, ap) == 0)
		buf_addc(&x->r->notes, '\n');
	va_end(ap);
}

void hist_result_release(struct hist_result *r)
{
	buf_release(&r->notes);
}

/* A path fit for a message (sync_path_show()); two at a time. */
static const char *shown(struct run *x, int k, const char *path)
{
	sync_path_show(path, x->shown[k], sizeof x->shown[k]);
	return x->shown[k];
}

/* merge's question "does the document at `ref` still exist?": is it a tracked path of the branch at the
 * step being replayed. */
static bool live_exists(const char *ref, void *ud)
{
	struct run *x = ud;
	const char *path;
	if (!source_ref_parse(ref, x->o->src->name, &path))
		return false;
	return hist_paths_has(&x->live, path);
}

/* The lineage key of the mark table: "<commit>\0<path>" compared as two strings. */
struct mark_row {
	char *first_commit, *first_path, *last_commit, *path, *incident;
};
struct marks {
	struct mark_row *v;
	size_t n;
	bool oom;
};

static int add_mark(const struct backfill_mark *m, void *ud)
{
	struct marks *l = ud;
	struct mark_row *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv) {
		l->oom = true;
		return -1;
	}
	l->v = nv;
	struct mark_row *r = &nv[l->n++];
	r->first_commit = strdup(m->first_commit);
	r->first_path = strdup(m->first_path);
	r->last_commit = strdup(m->last_commit);
	r->path = strdup(m->path);
	r->incident = strdup(m->incident_id);
	if (!r->first_commit || !r->first_path || !r->last_commit || !r->path || !r->incident) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static void marks_release(struct marks *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].first_commit);
		free(l->v[i].first_path);
		free(l->v[i].last_commit);
		free(l->v[i].path);
		free(l->v[i].incident);
	}
	free(l->v);
}

static int cmp_mark(const void *a, const void *b)
{
	const struct mark_row *x = a, *y = b;
	int c = strcmp(x->first_commit, y->first_commit);
	return c ? c : strcmp(x->first_path, y->first_path);
}

static const struct hist_change *step_change(const struct run *x, const struct hist_step *s)
{
	return &x->log.v[s->commit].ch[s->change];
}

/* The path a step leaves its lineage at: the new path of an import, the path that went away for a
 * deletion (a rename away from the tracked paths: the old one). */
static const char *step_path(const struct run *x, const struct hist_step *s)
{
	const struct hist_change *h = step_change(x, s);
	if (s->op == HIST_DELETE && h->old_path)
		return h->old_path;
	return h->path;
}

/* Reads the marks and sets each lineage's starting state. */
static int lineages_init(struct run *x, struct error *err)
{
	struct marks mk = {0};
	int rc = -1;
	if (!(x->lin = calloc(x->plan.nlineages ? x->plan.nlineages : 1, sizeof *x->lin)))
		return error_set(err, ERR_IO, "out of memory");
	for (size_t i = 0; i < x->plan.nlineages; i++)
		x->lin[i].first = x->lin[i].mark_step = x->lin[i].catchup = SIZE_MAX;
	for (size_t i = 0; i < x->plan.nsteps; i++) {
		struct lineage *l = &x->lin[x->plan.steps[i].lineage];
		if (l->first == SIZE_MAX)
			l->first = i;
	}
	if (backfill_marks(x->st, x->o->src->name, add_mark, &mk, err) < 0 || mk.oom) {
		if (mk.oom)
			error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (mk.n > 1)
		qsort(mk.v, mk.n, sizeof *mk.v, cmp_mark);
	for (size_t i = 0; i < x->plan.nlineages; i++) {
		struct lineage *l = &x->lin[i];
		const struct hist_step *s = &x->plan.steps[l->first];
		struct mark_row key = {.first_commit = x->log.v[s->commit].id,
				       .first_path = (char *)step_change(x, s)->path};
		struct mark_row *f = mk.n ? bsearch(&key, mk.v, mk.n, sizeof *mk.v, cmp_mark) : NULL;
		if (!f)
			continue;
		l->state = LIN_SKIPPING;
		l->incident = f->incident, f->incident = NULL;
		l->mark_commit = f->last_commit, f->last_commit = NULL;
	}
	rc = 0;
out:
	marks_release(&mk);
	return rc;
}

/* The event_origins row of commit ci (made once per commit). */
static int origin_of(struct run *x, size_t ci, int64_t *id, struct error *err)
{
	if (x->origins[ci]) {
		*id = x->origins[ci];
		return 0;
	}
	const struct hist_commit *c = &x->log.v[ci];
	char at[21];
	time_format(c->time, at);
	if (sources_origin(x->st, x->o->src->name, c->id, c->author, c->subject, at, id, err) < 0)
		return -1;
	x->origins[ci] = *id;
	return 0;
}

static int write_marks(struct run *x, struct error *err)
{
	char now[21];
	time_format(x->o->now, now);
	for (size_t i = 0; i < x->plan.nlineages; i++) {
		struct lineage *l = &x->lin[i];
		if (!l->dirty)
			continue;
		const struct hist_step *s = &x->plan.steps[l->first];
		struct backfill_mark mk = {.first_commit = x->log.v[s->commit].id,
					   .first_path = step_change(x, s)->path,
					   .last_commit = x->log.v[l->last].id,
					   .path = l->path,
					   .incident_id = l->incident};
		if (backfill_mark_put(x->st, x->o->src->name, &mk, now, err) < 0)
			return -1;
		l->dirty = false;
	}
	return 0;
}

/* Whether the incident `id` may take lineage `li`'s history: unknown to the store, or made by another
 * lineage of this history whose document was deleted before (the file came back). */
static int may_take(struct run *x, size_t li, const char *id, const char **why, struct error *err)
{
	bool exists, ours;
	*why = NULL;
	for (size_t i = 0; i < x->plan.nlineages; i++) {
		const struct lineage *o = &x->lin[i];
		if (i == li || !o->incident || strcmp(o->incident, id))
			continue;
		if (o->deleted)
			return 0;
		*why = "another document of this history is that incident";
		return 0;
	}
	if (backfill_incident(x->st, x->o->src->name, id, &exists, &ours, err) < 0)
		return -1;
	if (exists)
		*why = ours ? "it was replayed from another lineage (was the branch's history rewritten?)"
			    : "it is already tracked (imported by `tracker import` or `tracker sync`)";
	return 0;
}

/* The actor of a commit's events: as a plain sync names it (sync_people_actor()). */
static const char *actor_of(struct run *x, const struct hist_commit *c)
{
	if (!x->o->people)
		return c->author;
	const char *lt = strrchr(c->author, '<');
	size_t n = strlen(c->author);
	char email[512] = "";
	if (lt && n && c->author[n - 1] == '>')
		snprintf(email, sizeof email, "%.*s", (int)(c->author + n - 1 - lt - 1), lt + 1);
	snprintf(x->actor, sizeof x->actor, "%s", sync_people_actor(x->o->people, email, c->author));
	return x->actor;
}

static void add_sum(struct hist_result *r, const struct merge_summary *s)
{
	r->created += s->created;
	r->updated += s->updated;
	r->removed += s->removed;
	r->restored += s->restored;
	r->conflicts += s->conflicts;
}

static void short_id(const char *id, char out[13])
{
	snprintf(out, 13, "%.12s", id);
}

#define HIST_CHUNK_BLOBS 4096
#define HIST_CHUNK_BYTES ((size_t)64 << 20)

/* Which steps' blobs will be read: the imports of lineages not left alone, after their mark. */
static void mark_wanted(struct run *x)
{
	for (size_t si = 0; si < x->plan.nsteps; si++) {
		const struct hist_step *s = &x->plan.steps[si];
		const struct lineage *l = &x->lin[s->lineage];
		x->bsize[si] = SIZE_MAX;
		x->wanted[si] = s->op == HIST_IMPORT &&
				(!l->mark_commit || (l->mark_step != SIZE_MAX && si > l->mark_step));
	}
}

/* One `git cat-file --batch-check` for the sizes of every wanted blob (one line each). */
static int read_sizes(struct run *x, struct error *err)
{
	struct buf in, out;
	int rc = -1;
	buf_init(&in, (size_t)1 << 30);
	buf_init(&out, (size_t)1 << 30);
	size_t n = 0;
	for (size_t si = 0; si < x->plan.nsteps; si++)
		if (x->wanted[si]) {
			if (buf_adds(&in, step_change(x, &x->plan.steps[si])->blob) < 0 ||
			    buf_addc(&in, '\n') < 0)
				goto oom;
			n++;
		}
	if (!n) {
		rc = 0;
		goto out;
	}
	const char *argv[] = {"cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", NULL};
	struct git_env g = *x->o->git;
	g.max_output = out.max;
	if (git_run(&g, argv, in.data, in.len, &out, err) < 0)
		goto out;
	const char *p = out.data ? out.data : "", *end = p + out.len;
	for (size_t si = 0; si < x->plan.nsteps; si++) {
		if (!x->wanted[si])
			continue;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			error_set(err, ERR_IO, "git cat-file --batch-check: %zu answers for %zu objects", si,
				  n);
			goto out;
		}
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		const char *blob = step_change(x, &x->plan.steps[si])->blob;
		if (sp && (size_t)(sp - p) == strlen(blob) && !memcmp(p, blob, (size_t)(sp - p)) &&
		    !strncmp(sp, " blob ", 6)) {
			char *e;
			unsigned long long v = strtoull(sp + 6, &e, 10);
			if (e == nl)
				x->bsize[si] = (size_t)v;
		}
		p = nl + 1;
	}
	rc = 0;
	goto out;
oom:
	error_set(err, ERR_IO, "out of memory");
out:
	buf_release(&in);
	buf_release(&out);
	return rc;
}

/* Reads the blobs of the wanted steps from si on, up to a chunk's count and bytes, in one process. */
static int load_chunk(struct run *x, size_t si, size_t max, struct error *err)
{
	struct buf in;
	int rc = -1;
	size_t count = 0, bytes = 0, last = si;
	buf_init(&in, (size_t)1 << 30);
	for (size_t sj = si; sj < x->plan.nsteps && count < HIST_CHUNK_BLOBS; sj++) {
		if (!x->wanted[sj] || x->bsize[sj] == SIZE_MAX || x->bsize[sj] > max)
			continue;
		if (count && bytes + x->bsize[sj] > HIST_CHUNK_BYTES)
			break;
		if (buf_adds(&in, step_change(x, &x->plan.steps[sj])->blob) < 0 || buf_addc(&in, '\n') < 0) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
		count++;
		bytes += x->bsize[sj];
		last = sj;
	}
	const char *argv[] = {"cat-file", "--batch", NULL};
	struct git_env g = *x->o->git;
	buf_reset(&x->chunk);
	g.max_output = bytes + count * 100 + 4096;
	if (git_run(&g, argv, in.data, in.len, &x->chunk, err) < 0)
		goto out;
	x->nchunk++;
	const char *base = x->chunk.data ? x->chunk.data : "", *p = base, *end = base + x->chunk.len;
	for (size_t sj = si; sj <= last; sj++) {
		if (!x->wanted[sj] || x->bsize[sj] == SIZE_MAX || x->bsize[sj] > max)
			continue;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t sz = x->bsize[sj];
		if (!nl || (size_t)(end - (nl + 1)) < sz + 1) {
			error_set(err, ERR_IO, "git cat-file --batch: its output ended early");
			goto out;
		}
		x->boff[sj] = (size_t)(nl + 1 - base);
		x->bchunk[sj] = x->nchunk;
		p = nl + 1 + sz + 1;
	}
	rc = 0;
out:
	buf_release(&in);
	return rc;
}

/* The blob of step si: 0 (*data, *len), 1 missing from the repository, 2 larger than max (*size), -1. */
static int blob_of(struct run *x, size_t si, size_t max, const char **data, size_t *len, size_t *size,
		   struct error *err)
{
	*size = x->bsize[si];
	if (x->bsize[si] == SIZE_MAX)
		return 1;
	if (x->bsize[si] > max)
		return 2;
	if (x->bchunk[si] != x->nchunk || !x->bchunk[si]) {
		if (load_chunk(x, si, max, err) < 0)
			return -1;
		if (x->bchunk[si] != x->nchunk)
			return error_set(err, ERR_IO, "git cat-file --batch: blob %s not read",
					 step_change(x, &x->plan.steps[si])->blob);
	}
	*data = x->chunk.data + x->boff[si];
	*len = x->bsize[si];
	return 0;
}

/* One import step: the blob, parsed, merged at its commit. 0 done (or reported), -1 fatal. */
static int replay_import(struct run *x, size_t si, struct error *err)
{
	const struct hist_step *s = &x->plan.steps[si];
	const struct hist_commit *c = &x->log.v[s->commit];
	const struct hist_change *h = step_change(x, s);
	struct lineage *l = &x->lin[s->lineage];
	char type[16], cid[13];
	size_t size;
	size_t max = x->o->import && x->o->import->max_size ? x->o->import->max_size : (size_t)4 << 20;
	short_id(c->id, cid);
	const char *data;
	size_t len;
	(void)type;
	int r = blob_of(x, si, max, &data, &len, &size, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return error_set(err, ERR_IO, "git: blob %s of %s (commit %s) is missing from the mirror",
				 h->blob, h->path, c->id);
	if (r == 2) {
		x->r->broken++;
		note(x, "%s: %zu bytes, over the %zu-byte limit (commit %s): this version skipped",
		     shown(x, 0, h->path), size, max, cid);
		return 0;
	}
	struct import_doc d;
	import_doc_init(&d);
	int rc = -1;
	if (import_parse_buffer(h->path, data, len, x->o->import, &d) < 0) {
		x->r->broken++;
		for (size_t i = 0; i < d.ndiags; i++)
			if (d.diags[i].level == DIAG_ERROR)
				note(x, "%s:%u: error: %s (commit %s): this version skipped",
				     shown(x, 0, h->path), d.diags[i].line, d.diags[i].msg, cid);
		rc = 0;
		goto out;
	}
	if (l->state == LIN_NEW) {
		const char *why;
		if (may_take(x, s->lineage, d.inc.id, &why, err) < 0)
			goto out;
		if (why) {
			l->state = LIN_REFUSED;
			x->r->refused++;
			note(x, "%s: incident %s not replayed: %s; its history is left as it is",
			     shown(x, 0, h->path), d.inc.id, why);
			rc = 0;
			goto out;
		}
		l->state = LIN_REPLAY;
	}
	if (source_ref(x->o->src->name, h->path, &x->ref) < 0) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	const char *actor = actor_of(x, c);
	struct import_origin org = {.actor = actor, .time = c->time, .exists = live_exists, .ud = x};
	if (origin_of(x, s->commit, &org.id, err) < 0)
		goto out;
	struct merge_summary sum;
	if (merger_begin_doc(x->m, err) < 0)
		goto out;
	int mr = merge_doc_from(x->m, &d, buf_cstr(&x->ref), actor, c->time, &org, &sum, err);
	if (merger_end_doc(x->m, mr == 0, err) < 0)
		goto out;
	if (mr < 0) {
		if (err->kind != ERR_DATA)
			goto out;
		x->r->broken++;
		note(x, "%s: %s (commit %s): this version skipped", shown(x, 0, h->path), err->msg, cid);
		error_init(err);
		rc = 0;
		goto out;
	}
	x->r->versions++;
	add_sum(x->r, &sum);
	free(l->incident);
	if (!(l->incident = strdup(d.inc.id))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	l->deleted = false;
	rc = 0;
out:
	import_doc_release(&d);
	return rc;
}

static int replay_delete(struct run *x, size_t si, struct error *err)
{
	const struct hist_step *s = &x->plan.steps[si];
	const struct hist_commit *c = &x->log.v[s->commit];
	if (source_ref(x->o->src->name, step_path(x, s), &x->ref) < 0)
		return error_set(err, ERR_IO, "out of memory");
	const char *actor = actor_of(x, c);
	struct import_origin org = {.actor = actor, .time = c->time, .exists = live_exists, .ud = x};
	if (origin_of(x, s->commit, &org.id, err) < 0)
		return -1;
	unsigned removed;
	if (merger_begin_doc(x->m, err) < 0)
		return -1;
	int mr = merge_source_gone(x->m, buf_cstr(&x->ref), actor, c->time, &org, &removed, NULL, err);
	if (merger_end_doc(x->m, mr == 0, err) < 0 || mr < 0)
		return -1;
	/* The document is gone: no content is its last import any more. Without this, the same bytes added
	 * back (a revert) would be recognised as unchanged and its items would stay removed. */
	const char *inc = x->lin[s->lineage].incident;
	if (inc && incidents_set_hash(x->st, inc, "", err) < 0)
		return -1;
	x->r->deletions++;
	x->r->removed += removed;
	x->lin[s->lineage].deleted = true;
	return 0;
}

/* The tracked paths of the branch after step s (whatever the lineage's state: merge asks about any). */
static int live_update(struct run *x, const struct hist_step *s)
{
	const struct hist_change *h = step_change(x, s);
	if (h->old_path)
		hist_paths_del(&x->live, h->old_path);
	if (s->op == HIST_DELETE) {
		hist_paths_del(&x->live, h->path);
		return 0;
	}
	return hist_paths_put(&x->live, h->path, s->lineage);
}

static int hash_of(const struct incident_ref *r, void *ud)
{
	snprintf(ud, 65, "%s", r->source_hash ? r->source_hash : "");
	return 1; /* the exact id comes first */
}

/*
 * A lineage replayed by an earlier run whose document a plain `tracker sync` has imported since: the
 * versions between the mark and the one the store has must not be replayed again on top of it (they
 * would undo and redo what the sync recorded). The last version after the mark whose bytes are the
 * incident's last import (its SHA-256) is where the replay goes on from.
 */
static void find_marks(struct run *x)
{
	for (size_t si = 0; si < x->plan.nsteps; si++) {
		const struct hist_step *s = &x->plan.steps[si];
		struct lineage *l = &x->lin[s->lineage];
		if (l->mark_commit && !strcmp(x->log.v[s->commit].id, l->mark_commit))
			l->mark_step = si;
	}
}

static int find_catchup(struct run *x, struct error *err)
{
	char want[65], got[65];
	size_t lineage = SIZE_MAX;
	for (size_t si = 0; si < x->plan.nsteps; si++) {
		const struct hist_step *s = &x->plan.steps[si];
		struct lineage *l = &x->lin[s->lineage];
		if (l->mark_step == SIZE_MAX || si <= l->mark_step || s->op != HIST_IMPORT)
			continue;
		if (lineage != s->lineage) { /* the incident's hash, read once per lineage with new steps */
			want[0] = '\0';
			if (l->incident &&
			    incidents_find_prefix(x->st, l->incident, 1, hash_of, want, err) < 0)
				return -1;
			lineage = s->lineage;
		}
		if (!want[0])
			continue;
		const struct hist_change *h = step_change(x, s);
		const char *data;
		size_t len, size;
		(void)h;
		int r = blob_of(x, si, SIZE_MAX, &data, &len, &size, err);
		if (r < 0)
			return -1;
		if (r != 0)
			continue;
		unsigned char sum[32];
		sha256_bytes(data, len, sum);
		hex_lower(sum, sizeof sum, got);
		if (!strcmp(got, want))
			l->catchup = si;
	}
	return 0;
}

#define HIST_COMMITS_PER_TX 500

static int run_steps(struct run *x, struct error *err)
{
	bool in_tx = false;
	size_t tx_commit = SIZE_MAX, commits_in_tx = 0;
	for (size_t si = 0; si < x->plan.nsteps; si++) {
		const struct hist_step *s = &x->plan.steps[si];
		struct lineage *l = &x->lin[s->lineage];
		if (live_update(x, s) < 0)
			goto oom;
		if (l->state == LIN_SKIPPING) {
			if (si == l->mark_step) /* the steps after the mark are new */
				l->state = l->catchup != SIZE_MAX ? LIN_CATCHUP : LIN_REPLAY;
			continue;
		}
		if (l->state == LIN_CATCHUP) {
			if (si == l->catchup) { /* the store has this version: the mark moves here */
				l->state = LIN_REPLAY;
				l->last = s->commit;
				l->path = step_path(x, s);
				l->dirty = true;
				if (!in_tx) {
					if (store_begin(x->st, err) < 0)
						return -1;
					in_tx = true;
					commits_in_tx = 0;
				}
			}
			continue;
		}
		if (l->state == LIN_REFUSED || l->state == LIN_LOST)
			continue;
		if (l->state == LIN_NEW && s->op == HIST_DELETE)
			continue; /* every version so far was broken: nothing was imported */
		if (s->commit != tx_commit) {
			tx_commit = s->commit;
			if (in_tx && ++commits_in_tx >= HIST_COMMITS_PER_TX) {
				if (write_marks(x, err) < 0 || store_commit(x->st, err) < 0)
					goto fail;
				in_tx = false;
			}
			if (!in_tx) {
				if (store_begin(x->st, err) < 0)
					return -1;
				in_tx = true;
				commits_in_tx = 0;
			}
		}
		enum lin_state before = l->state;
		int rc = s->op == HIST_DELETE ? replay_delete(x, si, err) : replay_import(x, si, err);
		if (rc < 0)
			goto fail;
		if (l->state == LIN_REPLAY && (before == LIN_REPLAY || before == LIN_NEW) && l->incident) {
			l->last = s->commit;
			l->path = step_path(x, s);
			l->dirty = true;
			if (!l->counted) {
				l->counted = true;
				x->r->replayed++;
			}
		}
	}
	if (in_tx && (write_marks(x, err) < 0 || store_commit(x->st, err) < 0))
		goto fail;
	return 0;
oom:
	error_set(err, ERR_IO, "out of memory");
fail:
	if (in_tx)
		store_rollback(x->st);
	return -1;
}

static bool match_path(const char *path, void *ud)
{
	return source_path_matches(ud, path) && sync_path_ok(path);
}

int hist_run(struct store *st, const struct hist_opts *o, struct hist_result *r, struct error *err)
{
	struct run x = {.st = st, .o = o, .r = r};
	struct buf out;
	int rc = -1;
	memset(r, 0, sizeof *r);
	buf_init(&r->notes, (size_t)1 << 20);
	buf_init(&out, (size_t)1 << 30);
	buf_init(&x.chunk, (size_t)1 << 31);
	buf_init(&x.ref, 4096);
	/* One pass over the branch's first-parent chain, oldest first, with every change's blob id. */
	const char *argv[] = {"log",
			      "--first-parent",
			      "--diff-merges=first-parent",
			      "--reverse",
			      "--format=" HIST_LOG_FORMAT,
			      "--raw",
			      "--no-abbrev",
			      "-M",
			      "-z",
			      "--no-color",
			      "--no-textconv",
			      o->rev,
			      "--",
			      NULL};
	struct git_env g = *o->git;
	g.max_output = out.max;
	if (git_run(&g, argv, NULL, 0, &out, err) < 0)
		goto out;
	if (hist_log_parse(out.data ? out.data : "", out.len, &x.log, err) < 0)
		goto out;
	buf_release(&out);
	r->commits = (unsigned)x.log.n;
	if (x.log.n)
		snprintf(r->head, sizeof r->head, "%s", x.log.v[x.log.n - 1].id);
	if (hist_plan_make(&x.log, match_path, (void *)o->src, &x.plan, err) < 0)
		goto out;
	r->lineages = (unsigned)x.plan.nlineages;
	if (!(x.origins = calloc(x.log.n ? x.log.n : 1, sizeof *x.origins))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	if (lineages_init(&x, err) < 0)
		goto out;
	size_t ns = x.plan.nsteps ? x.plan.nsteps : 1;
	if (!(x.wanted = calloc(ns, sizeof *x.wanted)) || !(x.bsize = calloc(ns, sizeof *x.bsize)) ||
	    !(x.boff = calloc(ns, sizeof *x.boff)) || !(x.bchunk = calloc(ns, sizeof *x.bchunk))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	find_marks(&x);
	/* What was refused is said for the commits this run is the first to see: those after the newest
	 * commit an earlier run replayed (a second run is silent about what the first one said). */
	size_t seen = 0;
	bool any_mark = false;
	for (size_t i = 0; i < x.plan.nlineages; i++)
		if (x.lin[i].mark_step != SIZE_MAX) {
			size_t c = x.plan.steps[x.lin[i].mark_step].commit;
			if (!any_mark || c > seen)
				seen = c;
			any_mark = true;
		}
	for (size_t i = 0; i < x.plan.nskips; i++) {
		const struct hist_skip *k = &x.plan.skips[i];
		if (any_mark && k->commit <= seen)
			continue;
		r->skipped++;
		char cid[13];
		short_id(x.log.v[k->commit].id, cid);
		note(&x, "%s: %s (commit %s)", shown(&x, 0, x.log.v[k->commit].ch[k->change].path), k->why,
		     cid);
	}
	/* a path a plain sync refuses is refused here too: said once, where it comes into the branch */
	for (size_t ci = any_mark ? seen + 1 : 0; ci < x.log.n; ci++)
		for (size_t j = 0; j < x.log.v[ci].nch; j++) {
			const struct hist_change *h = &x.log.v[ci].ch[j];
			if ((h->status != 'A' && h->status != 'R' && h->status != 'C') ||
			    !source_path_matches(o->src, h->path) || sync_path_ok(h->path))
				continue;
			char cid[13];
			short_id(x.log.v[ci].id, cid);
			note(&x,
			     "%s: refused: the path is not valid UTF-8 or holds control characters (commit "
			     "%s)",
			     shown(&x, 0, h->path), cid);
			r->skipped++;
		}
	mark_wanted(&x);
	if (read_sizes(&x, err) < 0 || !(x.m = merger_new(st, err)))
		goto out;
	if (find_catchup(&x, err) < 0 || run_steps(&x, err) < 0)
		goto out;
	for (size_t i = 0; i < x.plan.nlineages; i++) {
		struct lineage *l = &x.lin[i];
		if (l->state == LIN_SKIPPING) {
			/* the mark's commit never came: the history it was replayed from is gone */
			l->state = LIN_LOST;
			x.r->refused++;
			note(&x,
			     "%s: its history was replayed up to commit %.12s, which is no longer on the "
			     "branch "
			     "(history rewritten?): not replayed again; incident %s is left as it is",
			     shown(&x, 0, step_change(&x, &x.plan.steps[x.lin[i].first])->path),
			     l->mark_commit, l->incident ? l->incident : "?");
		} else if (l->mark_commit && !l->counted && l->state == LIN_REPLAY) {
			r->up_to_date++;
		}
	}
	rc = 0;
out:
	buf_release(&out);
	buf_release(&x.chunk);
	free(x.wanted);
	free(x.bsize);
	free(x.boff);
	free(x.bchunk);
	buf_release(&x.ref);
	merger_free(x.m);
	if (x.lin)
		for (size_t i = 0; i < x.plan.nlineages; i++) {
			free(x.lin[i].incident);
			free(x.lin[i].mark_commit);
		}
	free(x.lin);
	free(x.origins);
	hist_paths_release(&x.live);
	hist_plan_release(&x.plan);
	hist_log_release(&x.log);
	return rc;
}

int hist_sync(struct store *st, const struct config *cfg, const struct source_cfg *src,
	      const struct sync_opts *so, struct hist_result *r, struct error *err)
{
	char head[72] = "refs/tracker/head";
	struct git_env g;
	struct sync_env hold = {0};
	struct import_opts io;
	struct sync_people *people = NULL;
	int rc = -1;
	memset(r, 0, sizeof *r);
	buf_init(&r->notes, 1);
	if (!so->no_fetch && sync_fetch(cfg, src, so, head, err) < 0)
		return -1;
	if (import_opts_from_config(&io, cfg, err) < 0)
		return -1;
	if (sync_env(cfg, src, so, &g, &hold, err) < 0 || !(people = sync_people_load(st, &io, err)))
		goto out;
	struct hist_opts o = {
	    .src = src, .git = &g, .rev = head, .import = &io, .people = people, .now = so->now};
	rc = hist_run(st, &o, r, err);
out:
	sync_people_free(people);
	sync_env_release(&hold);
	import_opts_release(&io);
	return rc;
}
