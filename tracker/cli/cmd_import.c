/*
 * cmd_import.c — `tracker import [--dry-run] [--atomic] PATH...`
 *
 * Each file is all or nothing: it runs inside a SAVEPOINT of one batch transaction, and a rejected
 * file rolls back to it. The batch commits every COMMIT_EVERY files (and at the end), so a killed
 * import loses at most the files since the last commit and never half a file. --atomic makes the
 * whole batch one transaction that any rejection rolls back. --dry-run does everything and rolls
 * back at the end.
 *
 * Re-import skip: a file whose (size, mtime, inode) equal those stored for its source is reported
 * unchanged without being read; a file whose stat differs is read and hashed, and if the hash equals
 * the stored one it is not parsed (its new stat is recorded). See merge.h.
 *
 * Pipeline: one worker thread reads, hashes and parses the next files (at most PIPE_DEPTH - 1 files
 * and about PIPE_BYTES of them ahead) while this thread writes the current one. Either side that has to wait
 * waits for half a queue, not one file: a wake-up per file costs a trip through the scheduler, which on a
 * busy machine is more than the file. Only this thread touches the database and prints, in file order, so
 * messages, savepoints and commits are exactly those of a one-file-at-a-time import (which
 * TRACKER_IMPORT_NO_PIPELINE=1 runs, for measurements).
 *
 * Groups (PostgreSQL, not --atomic): waiting for each file's writes costs a round trip in which one
 * side idles while the other works, and a savepoint per file costs the server a subtransaction. So up
 * to GROUP_MAX files go under one savepoint without waiting (merger_group_begin), their incidents
 * looked up half a queue at a time (merger_prefetch), while the server writes the files before; the
 * group's messages are held until its writes are all known to have succeeded. If anything of a group
 * fails — a write, a look-up, or a file the merge rejects — the group is rolled back and merged again
 * one file at a time with a savepoint each, as on SQLite: the same files imported and rejected, the
 * same messages, in the same order.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "import.h"
#include "merge.h"
#include "people.h"
#include "readfile.h"
#include "sha256.h"
#include "banned.h"

#define COMMIT_EVERY 500
#define PIPE_DEPTH 128
/* The worker does not start another file while the files it has read and the main thread has not yet
 * taken add up to this many bytes: a batch of large documents is not held in memory 127 at a time. */
#define PIPE_BYTES ((size_t)8 << 20)
/* PostgreSQL: at most this many documents in a group (see "Groups" above); under PIPE_DEPTH / 2, so the
 * queue's refill never reaches a job of the open group. */
#define GROUP_MAX 32

static const char usage[] =
    "usage: tracker import [--dry-run] [--atomic] PATH...\n"
    "\n"
    "Reads post-mortems (files, or directories searched for *.md) into the database: action items\n"
    "written as tables or lists under an action heading, and tables with an Action column anywhere.\n"
    "Re-importing an edited document merges: what people changed in the tracker stays unless the\n"
    "document changed the same field.\n"
    "\n"
    "  -n, --dry-run  report what would change; write nothing\n"
    "      --atomic   all files or none: any rejected file aborts the whole batch\n"
    "  -h, --help     show this help\n";

struct paths {
	char **v;
	size_t n, cap;
};

static int paths_add(struct paths *p, const char *s)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		char **nv = realloc(p->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		p->v = nv;
		p->cap = nc;
	}
	if (!(p->v[p->n] = strdup(s)))
		return -1;
	p->n++;
	return 0;
}

struct walk_ctx {
	struct ctx *c;
	struct paths *p;
};

static int walk_file(void *ud, const char *path)
{
	struct walk_ctx *w = ud;
	return paths_add(w->p, path);
}

/* The people table as two parallel NULL-terminated lists — each handle and each name, and the handle
 * it stands for — for "(Name)" owners in list items (import_opts.people). */
struct people_names {
	char **names, **handles;
	size_t n, cap;
};

static int people_names_add(struct people_names *pn, const char *name, const char *handle)
{
	if (pn->n + 2 > pn->cap) {
		size_t ncap = pn->cap ? pn->cap * 2 : 16;
		char **a = realloc(pn->names, ncap * sizeof *a);
		if (!a)
			return -1;
		pn->names = a;
		char **b = realloc(pn->handles, ncap * sizeof *b);
		if (!b)
			return -1;
		pn->handles = b;
		pn->cap = ncap;
	}
	pn->names[pn->n] = strdup(name);
	pn->handles[pn->n] = strdup(handle);
	if (!pn->names[pn->n] || !pn->handles[pn->n]) {
		free(pn->names[pn->n]);
		free(pn->handles[pn->n]);
		return -1;
	}
	pn->n++;
	pn->names[pn->n] = pn->handles[pn->n] = NULL;
	return 0;
}

static int people_names_cb(const struct person *p, void *ud)
{
	struct people_names *pn = ud;
	if (people_names_add(pn, p->handle, p->handle) < 0)
		return -1;
	return p->name && *p->name ? people_names_add(pn, p->name, p->handle) : 0;
}

static void people_names_release(struct people_names *pn)
{
	for (size_t i = 0; i < pn->n; i++) {
		free(pn->names[i]);
		free(pn->handles[i]);
	}
	free(pn->names);
	free(pn->handles);
}

static void walk_note(void *ud, const char *msg)
{
	struct walk_ctx *w = ud;
	fprintf(w->c->err, "tracker: %s\n", msg);
}

/* The result lines of the files merged since the last commit. They are printed only once that commit
 * succeeded: a failed commit (disk full, I/O error) rolls the files back, and no line may then have
 * said "N new" for them — they are reported as rolled back instead. */
struct pending {
	struct buf text;    /* the lines for standard output */
	struct paths files; /* the files, for the rollback report */
};

static void pending_reset(struct pending *p)
{
	buf_reset(&p->text);
	for (size_t i = 0; i < p->files.n; i++)
		free(p->files.v[i]);
	p->files.n = 0;
}

static void pending_flush(struct ctx *c, struct pending *p)
{
	fputs(buf_cstr(&p->text), c->out);
	fflush(c->out);
	pending_reset(p);
}

static void pending_rolled_back(struct ctx *c, struct pending *p)
{
	for (size_t i = 0; i < p->files.n; i++)
		fprintf(c->err, "%s: rolled back: nothing imported from this file\n", p->files.v[i]);
	if (p->files.n)
		fprintf(c->err,
			"tracker: import: %zu file%s rolled back because the database could not be written "
			"(see the error above); import again when it can\n",
			p->files.n, p->files.n == 1 ? "" : "s");
	pending_reset(p);
}

static void print_diags(FILE *ef, const struct import_doc *d)
{
	for (size_t i = 0; i < d->ndiags; i++) {
		const struct diag *g = &d->diags[i];
		const char *lvl = g->level == DIAG_ERROR ? "error" : "warning";
		if (g->line)
			fprintf(ef, "%s:%u: %s: %s\n", d->path, g->line, lvl, g->msg);
		else
			fprintf(ef, "%s: %s: %s\n", d->path, lvl, g->msg);
	}
}

static size_t count_warnings(const struct import_doc *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->ndiags; i++)
		n += d->diags[i].level == DIAG_WARNING;
	return n;
}

/* One file on its way through the pipeline. */
struct job {
	const char *path;
	char *real; /* realpath(), NULL if it failed (real_errno) */
	int real_errno;
	struct merge_source *known; /* what the store knew of this source when the job was queued */
	size_t nknown;
	int match;    /* index into known of the incident this very content was imported as, or -1 */
	bool by_stat; /* matched by stat: the file was not read */
	struct import_doc doc;
	struct error err;
	int r;        /* import_read_file()'s result */
	size_t bytes; /* the file's size as read */
};

struct pipeline {
	const struct import_opts *io;
	struct job slot[PIPE_DEPTH]; /* job i is slot[i % PIPE_DEPTH] */
	size_t queued, worked;       /* jobs [0, queued) are queued; [0, worked) are read */
	size_t total;                /* files in the batch */
	size_t main_until;           /* the main thread waits until job main_until is read */
	size_t ahead;                /* bytes of the jobs read and not yet released by the main thread */
	bool stop, threaded, worker_idle, main_waiting;
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
};

/* The worker's part: read, hash, and parse unless the hash shows the content is already stored. */
static void job_run(struct job *j, const struct import_opts *io)
{
	if (j->by_stat)
		return;
	char *data;
	size_t len;
	j->r = import_load_file(j->path, io, &j->doc, &data, &len, &j->err);
	if (j->r < 0)
		return;
	j->bytes = len;
	sha256_bytes(data, len, j->doc.sha256);
	j->match = merge_source_by_hash(j->known, j->nknown, j->doc.sha256);
	if (j->match < 0)
		j->r = import_parse_hashed(j->path, data, len, io, &j->doc);
	free(data);
}

static void *worker_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (p->worked == p->queued || p->ahead >= PIPE_BYTES)) {
			p->worker_idle = true;
			pthread_cond_wait(&p->cv_work, &p->mu);
		}
		p->worker_idle = false;
		if (p->stop)
			break;
		struct job *j = &p->slot[p->worked % PIPE_DEPTH];
		pthread_mutex_unlock(&p->mu);
		job_run(j, p->io);
		pthread_mutex_lock(&p->mu);
		p->worked++;
		p->ahead += j->bytes;
		if (p->main_waiting && (p->worked > p->main_until || p->ahead >= PIPE_BYTES))
			pthread_cond_signal(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void job_release(struct job *j)
{
	free(j->real);
	merge_sources_free(j->known, j->nknown);
	import_doc_release(&j->doc);
	memset(j, 0, sizeof *j);
}

/* Queues jobs [from, to): realpath, what the store knows of the sources (one lookup for all of them: one
 * round trip on PostgreSQL), and the stat skip (no read). */
static int pipeline_queue(struct pipeline *p, struct merger *m, char *const *paths, size_t from, size_t to,
			  const char *rules, struct error *err)
{
	const char *reals[PIPE_DEPTH];
	struct merge_source *known[PIPE_DEPTH];
	size_t nknown[PIPE_DEPTH], nreal = 0;
	for (size_t k = from; k < to; k++) {
		struct job *j = &p->slot[k % PIPE_DEPTH];
		memset(j, 0, sizeof *j);
		j->path = paths[k];
		j->match = -1;
		import_doc_init(&j->doc);
		error_init(&j->err);
		char real[PATH_MAX];
		if (!realpath(j->path, real))
			j->real_errno = errno;
		else if (!(j->real = strdup(real)))
			j->real_errno = ENOMEM;
		else
			reals[nreal++] = j->real;
	}
	if (nreal && merger_sources(m, reals, nreal, rules, known, nknown, err) < 0) {
		for (size_t k = from; k < to; k++)
			job_release(&p->slot[k % PIPE_DEPTH]);
		return -1;
	}
	for (size_t k = from, r = 0; k < to; k++) {
		struct job *j = &p->slot[k % PIPE_DEPTH];
		if (!j->real)
			continue;
		j->known = known[r];
		j->nknown = nknown[r++];
		struct stat sb;
		if (j->nknown && stat(j->path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			struct import_stat st;
			import_stat_from(&st, &sb);
			j->match = merge_source_by_stat(j->known, j->nknown, &st);
			j->by_stat = j->match >= 0;
		}
	}
	if (!p->threaded) {
		for (size_t k = from; k < to; k++)
			job_run(&p->slot[k % PIPE_DEPTH], p->io);
		p->queued = p->worked = to;
		return 0;
	}
	pthread_mutex_lock(&p->mu);
	for (size_t k = from; k < to; k++) {
		/* Nothing to read and the worker has nothing before it: done here, without a hand-over (a
		 * re-import of an unchanged tree never wakes the worker). */
		if (p->slot[k % PIPE_DEPTH].by_stat && p->worked == p->queued)
			p->worked++;
		p->queued++;
	}
	if (p->worker_idle && p->worked < p->queued)
		pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static struct job *pipeline_wait(struct pipeline *p, size_t i)
{
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		if (p->worked <= i) {
			p->main_until = i + PIPE_DEPTH / 2 < p->queued ? i + PIPE_DEPTH / 2 : p->queued - 1;
			p->main_waiting = true;
			if (p->worker_idle)
				pthread_cond_signal(&p->cv_work);
			/* For job i at least; for half a queue unless the byte budget stops the worker. */
			while (p->worked <= i || (p->worked <= p->main_until && p->ahead < PIPE_BYTES))
				pthread_cond_wait(&p->cv_done, &p->mu);
			p->main_waiting = false;
		}
		pthread_mutex_unlock(&p->mu);
	}
	return &p->slot[i % PIPE_DEPTH];
}

/* The main thread is done with job i (handled in order): its bytes no longer count against the
 * worker's budget. */
static void pipeline_done(struct pipeline *p, struct job *j)
{
	size_t bytes = j->bytes;
	job_release(j);
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	p->ahead -= bytes;
	if (p->worker_idle && p->worked < p->queued && p->ahead < PIPE_BYTES / 2)
		pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
}

static void pipeline_start(struct pipeline *p, const struct import_opts *io, size_t nfiles)
{
	memset(p, 0, sizeof *p);
	p->io = io;
	p->total = nfiles;
	/* The parser's one-time global set-up, before a second thread can parse. */
	import_prepare_threads();
	if (nfiles < 2 || getenv("TRACKER_IMPORT_NO_PIPELINE") || pthread_mutex_init(&p->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&p->cv_work, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return;
	}
	if (pthread_cond_init(&p->cv_done, NULL) != 0) {
		pthread_cond_destroy(&p->cv_work);
		pthread_mutex_destroy(&p->mu);
		return;
	}
	if (pthread_create(&p->worker, NULL, worker_main, p) != 0) {
		pthread_cond_destroy(&p->cv_work);
		pthread_cond_destroy(&p->cv_done);
		pthread_mutex_destroy(&p->mu);
		return; /* no thread: one file at a time */
	}
	p->threaded = true;
}

/* Stops the worker (after the job it is reading) and frees the jobs not handled, from `next` on. */
static void pipeline_stop(struct pipeline *p, size_t next)
{
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv_work);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->worker, NULL);
		pthread_cond_destroy(&p->cv_work);
		pthread_cond_destroy(&p->cv_done);
		pthread_mutex_destroy(&p->mu);
		p->threaded = false;
	}
	for (size_t i = next; i < p->queued; i++)
		job_release(&p->slot[i % PIPE_DEPTH]);
	p->queued = next;
}

/* The jobs the worker has read so far (all of them are read once queued when there is no worker). */
static size_t pipeline_ready(struct pipeline *p)
{
	if (!p->threaded)
		return p->worked;
	pthread_mutex_lock(&p->mu);
	size_t n = p->worked;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* What the batch has done so far. */
struct tally {
	size_t rejected, since_commit, imported, no_items;
};

enum outcome {
	JOB_DONE,  /* handled: imported, unchanged or rejected */
	JOB_FATAL, /* the import stops (*rc says how) */
	JOB_REDO,  /* in a group: something failed; the group is merged again one document at a time */
};

/* Handles job j: its messages to `ef` (diagnostics and errors) and to p (the lines for standard
 * output, and the files for the rollback report), its counts to t. `grouped`: inside a merger group (no
 * savepoint per document, nothing waited for), where any failure is JOB_REDO. */
static enum outcome handle_job(struct ctx *c, struct merger *m, struct job *j, bool grouped, FILE *ef,
			       struct pending *p, struct tally *t, int *rc, struct error *err)
{
	const char *path = j->path;
	struct import_doc *doc = &j->doc;
	error_init(err);
	print_diags(ef, doc);
	if (j->match >= 0) {
		/* The very content an incident was imported from: nothing to parse or merge. */
		const struct merge_source *k = &j->known[j->match];
		unsigned nitems;
		if (merger_source_items(m, k->id, &nitems, err) < 0 ||
		    (!j->by_stat && doc->src.known && merger_source_touch(m, k->id, &doc->src, err) < 0)) {
			if (grouped)
				return JOB_REDO;
			*rc = cli_fail(c, err);
			return JOB_FATAL;
		}
		if (buf_printf(&p->text, "%s: unchanged (%u items, file identical to the last import) (%s)\n",
			       k->id, nitems, path) < 0 ||
		    paths_add(&p->files, path) < 0) {
			error_set(err, ERR_IO, "out of memory");
			*rc = cli_fail(c, err);
			return JOB_FATAL;
		}
		t->since_commit++;
		t->imported++;
		t->no_items += nitems == 0; /* it was imported, and warned about, with none */
		return JOB_DONE;
	}
	if (j->r < 0) {
		if (j->err.kind != ERR_NONE)
			fprintf(ef, "tracker: %s\n", j->err.msg);
		else
			fprintf(ef, "%s: rejected: nothing imported from this file\n", path);
		t->rejected++;
		return JOB_DONE;
	}
	if (!j->real) {
		fprintf(ef, "tracker: %s: %s\n", path, strerror(j->real_errno));
		t->rejected++;
		return JOB_DONE;
	}
	struct merge_summary sum;
	if (!grouped && merger_begin_doc(m, err) < 0) {
		*rc = cli_fail(c, err);
		return JOB_FATAL;
	}
	if (merge_doc(m, doc, j->real, c->actor, c->now, &sum, err) < 0) {
		if (grouped)
			return JOB_REDO;
		fprintf(ef, "%s: error: %s\n", path, err->msg);
		struct error ignored;
		merger_end_doc(m, false, &ignored);
		if (err->kind == ERR_STORE) {
			*rc = EXIT_STORE;
			return JOB_FATAL;
		}
		t->rejected++;
		return JOB_DONE;
	}
	if (!grouped && merger_end_doc(m, true, err) < 0) {
		*rc = cli_fail(c, err);
		return JOB_FATAL;
	}
	size_t warns = count_warnings(doc);
	/* say where the id came from when the document did not write one */
	const char *how = doc->inc.id_derived ? " (id derived from the file name)" : "";
	int pr = 0;
	if (sum.rekeyed_from[0])
		pr = buf_printf(&p->text, "%s: was %s: its items moved to the new id (%s)\n", doc->inc.id,
				sum.rekeyed_from, path);
	if (pr >= 0 && sum.same_file)
		pr = buf_printf(&p->text,
				"%s%s: unchanged (%u items, file identical to the last import) (%s)\n",
				doc->inc.id, how, sum.unchanged, path);
	else if (pr >= 0)
		pr = buf_printf(&p->text,
				"%s%s: %u new, %u updated, %u unchanged, %u removed%s%s, %zu placeholder%s "
				"skipped, %zu warning%s (%s)\n",
				doc->inc.id, how, sum.created, sum.updated + sum.restored, sum.unchanged,
				sum.removed, sum.conflicts ? ", conflicts: " : "",
				sum.conflicts ? "see tracker show" : "", doc->placeholders,
				doc->placeholders == 1 ? "" : "s", warns, warns == 1 ? "" : "s", path);
	if (pr < 0 || paths_add(&p->files, path) < 0) {
		error_set(err, ERR_IO, "out of memory");
		*rc = cli_fail(c, err);
		return JOB_FATAL;
	}
	t->since_commit++;
	t->imported++;
	t->no_items += doc->no_items_warned;
	return JOB_DONE;
}

/* An open group of jobs [first, …]: what the batch had done before it, to undo when it is merged
 * again, and its messages to standard error, held until it is kept. */
#define NO_GROUP SIZE_MAX
struct group {
	size_t first;
	size_t bytes;       /* of its files: a group ends before it holds half the queue's budget */
	struct tally t;     /* the tally before it */
	size_t text, files; /* the pending lines and files before it */
	FILE *err;          /* its messages to standard error */
	char *errbuf;
	size_t errlen;
};

static int group_open(struct group *g, struct merger *m, const struct tally *t, const struct pending *p,
		      size_t first, struct error *err)
{
	if (!(g->err = open_memstream(&g->errbuf, &g->errlen)))
		return error_set(err, ERR_IO, "out of memory");
	if (merger_group_begin(m, err) < 0) {
		fclose(g->err);
		free(g->errbuf);
		return -1;
	}
	g->first = first;
	g->bytes = 0;
	g->t = *t;
	g->text = p->text.len;
	g->files = p->files.n;
	return 0;
}

/* The group's messages to standard error: written out, or dropped (the group is merged again). */
static void group_messages(struct ctx *c, struct group *g, bool write)
{
	fclose(g->err);
	if (write)
		fwrite(g->errbuf, 1, g->errlen, c->err);
	free(g->errbuf);
	g->err = NULL;
	g->errbuf = NULL;
}

/* Ends the group of jobs [g->first, last]: kept when `ok` and every write of it succeeded; otherwise
 * rolled back and merged again one document at a time, exactly as without groups. The jobs are done
 * with either way. -1: the import stops (*rc). */
static int group_close(struct ctx *c, struct group *g, struct merger *m, struct pipeline *pipe, size_t last,
		       bool ok, struct pending *p, struct tally *t, int *rc, struct error *err)
{
	struct error ignored;
	if (ok && merger_group_end(m, true, err) == 0) {
		group_messages(c, g, true);
	} else {
		if (ok)
			ok = false; /* (merger_group_end rolled the group back) */
		else
			merger_group_end(m, false, &ignored);
		group_messages(c, g, false);
		*t = g->t;
		buf_truncate(&p->text, g->text);
		while (p->files.n > g->files)
			free(p->files.v[--p->files.n]);
		for (size_t k = g->first; k <= last; k++)
			if (handle_job(c, m, &pipe->slot[k % PIPE_DEPTH], false, c->err, p, t, rc, err) ==
			    JOB_FATAL)
				return -1;
	}
	for (size_t k = g->first; k <= last; k++)
		pipeline_done(pipe, &pipe->slot[k % PIPE_DEPTH]);
	g->first = NO_GROUP;
	return 0;
}

/* The import stops with a group open: its messages are written (what was found in the files stays
 * said; the files are reported rolled back), and *i becomes its first job, from which pipeline_stop()
 * frees the jobs. */
static void group_abandon(struct ctx *c, struct group *g, size_t *i)
{
	if (g->first == NO_GROUP)
		return;
	group_messages(c, g, true);
	*i = g->first;
	g->first = NO_GROUP;
}

/* Looks up the incidents of the documents read from job i on (up to half a queue) in one statement
 * (merger_prefetch); *until: the jobs looked at. */
static int prefetch(struct pipeline *pipe, struct merger *m, size_t i, size_t *until, struct error *err)
{
	const char *ids[PIPE_DEPTH / 2], *sources[PIPE_DEPTH / 2];
	size_t n = 0, ready = pipeline_ready(pipe), k;
	for (k = i; k < ready && k < i + PIPE_DEPTH / 2; k++) {
		const struct job *j = &pipe->slot[k % PIPE_DEPTH];
		if (j->match < 0 && j->r == 0 && j->real && j->doc.inc.id) {
			ids[n] = j->doc.inc.id;
			sources[n++] = j->real;
		}
	}
	*until = k;
	return merger_prefetch(m, ids, sources, n, err);
}

int cmd_import(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {"atomic", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool dry = false, atomic = false;
	int o;
	while ((o = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			dry = true;
			break;
		case 'a':
			atomic = true;
			break;
		case 'h':
			fputs(usage, c->out);
			return EXIT_OK;
		default:
			fputs(usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(c,
				       "import: name at least one file or directory (see tracker import -h)");

	struct paths paths = {0};
	struct walk_ctx wc = {c, &paths};
	struct pending pend = {0};
	buf_init(&pend.text, (size_t)1 << 30);
	int rc = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) < 0) {
			fprintf(c->err, "tracker: %s: %s\n", argv[i], strerror(errno));
			rc = EXIT_DATA;
		} else if (S_ISDIR(sb.st_mode)) {
			if (md_walk(argv[i], walk_file, walk_note, &wc) < 0)
				rc = EXIT_DATA;
		} else if (paths_add(&paths, argv[i]) < 0) {
			rc = EXIT_IO;
		}
	}
	if (rc != EXIT_OK && atomic)
		goto out_paths;

	struct error err;
	error_init(&err);
	struct merger *m = NULL;
	struct people_names pn = {0};
	struct import_opts io;
	if (import_opts_from_config(&io, &c->cfg, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out_paths;
	}

	if (people_list(&c->st, people_names_cb, &pn, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	io.people = (const char *const *)pn.names;
	io.people_handles = (const char *const *)pn.handles;
	if (!(m = merger_new(&c->st, &err)) ||
	    /* a batch checkpoints SQLite's WAL rarely: pages several commits touch are copied once */
	    store_batch_mode(&c->st, &err) < 0 || store_begin(&c->st, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	struct tally t = {0};
	size_t i = 0;
	char rules[64];
	import_rules_id(&io, rules);
	io.rules_id = rules;
	struct pipeline pipe;
	pipeline_start(&pipe, &io, paths.n);
	/* PostgreSQL: documents in groups, written without waiting (see "Groups" above) */
	bool grouping = store_engine(&c->st) == DB_POSTGRESQL && !atomic;
	struct group g = {.first = NO_GROUP};
	size_t prefetched = 0; /* jobs [0, prefetched) were looked up by merger_prefetch() or need not be */
	for (i = 0; i < paths.n; i++) {
		/* refilled half a queue at a time: one source lookup for many files (never over a job of
		 * the open group, which is kept until the group ends) */
		size_t base = g.first != NO_GROUP ? g.first : i;
		if (pipe.queued < paths.n && pipe.queued <= base + PIPE_DEPTH / 2) {
			size_t to = base + PIPE_DEPTH < paths.n ? base + PIPE_DEPTH : paths.n;
			if (pipeline_queue(&pipe, m, paths.v, pipe.queued, to, rules, &err) < 0) {
				group_abandon(c, &g, &i);
				rc = cli_fail(c, &err);
				goto out_pipe;
			}
		}
		struct job *j = pipeline_wait(&pipe, i);
		enum outcome out = JOB_DONE;
		if (grouping && g.first == NO_GROUP && group_open(&g, m, &t, &pend, i, &err) < 0) {
			rc = cli_fail(c, &err);
			goto out_pipe;
		}
		if (g.first != NO_GROUP && i >= prefetched && prefetch(&pipe, m, i, &prefetched, &err) < 0)
			out = JOB_REDO; /* a write of the group or the look-up failed: merge again */
		if (out == JOB_DONE)
			out = handle_job(c, m, j, g.first != NO_GROUP, g.first != NO_GROUP ? g.err : c->err,
					 &pend, &t, &rc, &err);
		if (out == JOB_FATAL) {
			group_abandon(c, &g, &i);
			goto out_pipe;
		}
		if (g.first == NO_GROUP) {
			pipeline_done(&pipe, j);
		} else {
			g.bytes += j->bytes;
			if (out == JOB_REDO || i + 1 - g.first >= GROUP_MAX || i + 1 == paths.n ||
			    g.bytes >= PIPE_BYTES / 2 || t.since_commit >= COMMIT_EVERY) {
				if (group_close(c, &g, m, &pipe, i, out == JOB_DONE, &pend, &t, &rc, &err) <
				    0) {
					i = g.first;
					g.first = NO_GROUP;
					goto out_pipe;
				}
			}
		}
		if (t.rejected && atomic) {
			i++;
			break;
		}
		if (g.first == NO_GROUP && !atomic && !dry && t.since_commit >= COMMIT_EVERY) {
			if (store_commit(&c->st, &err) < 0) {
				rc = cli_fail(c, &err);
				i++;
				goto out_pipe;
			}
			pending_flush(c, &pend);
			if (store_begin(&c->st, &err) < 0) {
				rc = cli_fail(c, &err);
				i++;
				goto out_pipe;
			}
			t.since_commit = 0;
		}
	}
	pipeline_stop(&pipe, i);
	size_t rejected = t.rejected;
	if (dry || (atomic && rejected)) {
		store_rollback(&c->st);
		if (dry)
			pending_flush(c, &pend); /* what would have been imported */
		else
			pending_reset(&pend); /* the message below says nothing was imported */
		if (dry)
			fprintf(c->out, "dry run: nothing was written\n");
		else
			fprintf(c->err, "tracker: --atomic: %zu file%s rejected, nothing imported\n",
				rejected, rejected == 1 ? "" : "s");
	} else if (store_commit(&c->st, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	pending_flush(c, &pend);
	if (paths.n > 1)
		fprintf(c->out, "%zu files: %zu imported, %zu rejected, %zu with no action items\n", paths.n,
			t.imported, rejected, t.no_items);
	if (rejected)
		rc = EXIT_DATA;
	goto out;
out_pipe:
	pipeline_stop(&pipe, i);
out:
	pending_rolled_back(c, &pend); /* empty unless a failure left files uncommitted */
	free(pend.files.v);
	buf_release(&pend.text);
	store_rollback(&c->st);
	merger_free(m);
	import_opts_release(&io);
	people_names_release(&pn);
out_paths:
	for (size_t k = 0; k < paths.n; k++)
		free(paths.v[k]);
	free(paths.v);
	return rc;
}
