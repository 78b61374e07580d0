/*
 * cmd_import.c — `tracker import [--dry-run] [--atomic] PATH...`
 *
 * Each file is all or nothing: it runs inside a SAVEPOINT of one batch transaction, and a rejected
 * file rolls back to it. The batch commits every COMMIT_EVERY files (and at the end), so a killed
 * import loses at most the files since the last commit and never half a file. --atomic makes the
 * whole batch one transaction that any rejection rolls back. --dry-run does everything and rolls
 * back at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "import.h"
#include "merge.h"
#include "people.h"
#include "readfile.h"
#include "banned.h"

#define COMMIT_EVERY 500

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

static void print_diags(struct ctx *c, const struct import_doc *d)
{
	for (size_t i = 0; i < d->ndiags; i++) {
		const struct diag *g = &d->diags[i];
		const char *lvl = g->level == DIAG_ERROR ? "error" : "warning";
		if (g->line)
			fprintf(c->err, "%s:%u: %s: %s\n", d->path, g->line, lvl, g->msg);
		else
			fprintf(c->err, "%s: %s: %s\n", d->path, lvl, g->msg);
	}
}

static size_t count_warnings(const struct import_doc *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->ndiags; i++)
		n += d->diags[i].level == DIAG_WARNING;
	return n;
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
	struct import_opts io = {.max_size = (size_t)c->cfg.import_max_size,
				 .date_order = DATE_ORDER_AUTO,
				 .action_headings = c->cfg.import_action_headings};
	if (c->cfg.import_date_order && !strcmp(c->cfg.import_date_order, "dmy"))
		io.date_order = DATE_ORDER_DMY;
	else if (c->cfg.import_date_order && !strcmp(c->cfg.import_date_order, "mdy"))
		io.date_order = DATE_ORDER_MDY;

	/* A batch checkpoints the WAL at its end instead of every 1000 pages: pages that several commits of
	 * the batch touch (indexes) are then copied into the database once. */
	if (people_list(&c->st, people_names_cb, &pn, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	io.people = (const char *const *)pn.names;
	io.people_handles = (const char *const *)pn.handles;
	if (!(m = merger_new(&c->st, &err)) ||
	    store_exec(&c->st, "PRAGMA wal_autocheckpoint = 16384", &err) < 0 ||
	    store_begin(&c->st, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	size_t rejected = 0, since_commit = 0, imported = 0, no_items = 0;
	for (size_t i = 0; i < paths.n; i++) {
		const char *path = paths.v[i];
		struct import_doc doc;
		struct merge_summary sum;
		char real[PATH_MAX];
		import_doc_init(&doc);
		error_init(&err);
		int r = import_read_file(path, &io, &doc, &err);
		print_diags(c, &doc);
		if (r < 0) {
			if (err.kind != ERR_NONE)
				fprintf(c->err, "tracker: %s\n", err.msg);
			else
				fprintf(c->err, "%s: rejected: nothing imported from this file\n", path);
			rejected++;
		} else if (!realpath(path, real)) {
			fprintf(c->err, "tracker: %s: %s\n", path, strerror(errno));
			rejected++;
		} else if (merger_begin_doc(m, &err) < 0) {
			import_doc_release(&doc);
			rc = cli_fail(c, &err);
			goto out;
		} else if (merge_doc(m, &doc, real, c->actor, c->now, &sum, &err) < 0) {
			fprintf(c->err, "%s: error: %s\n", path, err.msg);
			struct error ignored;
			merger_end_doc(m, false, &ignored);
			if (err.kind == ERR_STORE) {
				import_doc_release(&doc);
				rc = EXIT_STORE;
				goto out;
			}
			rejected++;
		} else if (merger_end_doc(m, true, &err) < 0) {
			import_doc_release(&doc);
			rc = cli_fail(c, &err);
			goto out;
		} else {
			size_t warns = count_warnings(&doc);
			int pr;
			if (sum.same_file)
				pr = buf_printf(
				    &pend.text,
				    "%s: unchanged (%u items, file identical to the last import) (%s)\n",
				    doc.inc.id, sum.unchanged, path);
			else
				pr = buf_printf(
				    &pend.text,
				    "%s: %u new, %u updated, %u unchanged, %u removed%s%s, %zu placeholder%s "
				    "skipped, %zu warning%s (%s)\n",
				    doc.inc.id, sum.created, sum.updated + sum.restored, sum.unchanged,
				    sum.removed, sum.conflicts ? ", conflicts: " : "",
				    sum.conflicts ? "see tracker show" : "", doc.placeholders,
				    doc.placeholders == 1 ? "" : "s", warns, warns == 1 ? "" : "s", path);
			if (pr < 0 || paths_add(&pend.files, path) < 0) {
				import_doc_release(&doc);
				error_set(&err, ERR_IO, "out of memory");
				rc = cli_fail(c, &err);
				goto out;
			}
			since_commit++;
			imported++;
			no_items += doc.no_items_warned;
		}
		import_doc_release(&doc);
		if (rejected && atomic)
			break;
		if (!atomic && !dry && since_commit >= COMMIT_EVERY) {
			if (store_commit(&c->st, &err) < 0) {
				rc = cli_fail(c, &err);
				goto out;
			}
			pending_flush(c, &pend);
			if (store_begin(&c->st, &err) < 0) {
				rc = cli_fail(c, &err);
				goto out;
			}
			since_commit = 0;
		}
	}
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
			imported, rejected, no_items);
	if (rejected)
		rc = EXIT_DATA;
out:
	pending_rolled_back(c, &pend); /* empty unless a failure left files uncommitted */
	free(pend.files.v);
	buf_release(&pend.text);
	store_rollback(&c->st);
	merger_free(m);
	people_names_release(&pn);
out_paths:
	for (size_t i = 0; i < paths.n; i++)
		free(paths.v[i]);
	free(paths.v);
	return rc;
}
