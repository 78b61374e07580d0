/*
 * cmd_writeback.c — `tracker writeback [--dry-run] [--force] PATH|INC...`: the tracker's status,
 * due dates and owners written back into the post-mortems (tracker/writeback.h does the work).
 *
 * Each target is its own transaction; one refused target does not stop the others, and the exit
 * code is the worst seen.
 *
 * `tracker writeback --source NAME [--dry-run]`: the documents of a git source, as one commit pushed to
 * tracker/status or to the branch (the source's writeback setting; tracker/sync/gitwb.h).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "config.h"
#include "gitwb.h"
#include "source.h"
#include "writeback.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker writeback [--dry-run] [--force] PATH|INC...\n"
    "       tracker writeback [--dry-run] --source NAME\n"
    "\n"
    "Writes the tracker's values back into post-mortem documents: the Status cell of each action\n"
    "row, the Due and Owner cells where they were changed in the tracker, and the Review checklist\n"
    "lines \"All P0 items completed\" and \"All P1 items scheduled\". Nothing else in the file changes.\n"
    "A document that changed since its last import is refused: re-import it first.\n"
    "\n"
    "  -n, --dry-run  print the change as a unified diff; write nothing\n"
    "  -f, --force    write even if the document changed since its last import\n"
    "  -s, --source NAME  the documents of git source NAME: sync it, then one commit by the\n"
    "                 tracker pushed to tracker/status (writeback = branch) or to the branch\n"
    "                 (writeback = push); with --dry-run, print the diff of that commit\n"
    "  -h, --help     show this help\n";

static const char *const field_names[] = {"status", "due", "owner", "checklist"};

static int git_source(struct ctx *c, const char *name, bool dry_run)
{
	const struct source_cfg *src = config_source(&c->cfg, name);
	if (!src) {
		fprintf(c->err, "tracker: writeback: no [source %s] in %s\n", name,
			c->cfg.path ? c->cfg.path : "the configuration (no file was read)");
		return EXIT_CONFIG;
	}
	struct gitwb_opts o = {
	    .now = c->now, .actor = c->actor, .author = src->commit_author, .dry_run = dry_run};
	struct gitwb_report rep;
	struct error err;
	error_init(&err);
	gitwb_report_init(&rep);
	int rc = EXIT_OK;
	if (gitwb_run(&c->st, &c->cfg, src, &o, &rep, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	fputs(buf_cstr(&rep.notes), c->err);
	if (dry_run)
		fputs(buf_cstr(&rep.diff), c->out);
	if (!rep.edits)
		fprintf(c->out,
			"%s: nothing to write (the documents at %.12s already say what the tracker says)\n",
			name, rep.head);
	else if (rep.already)
		fprintf(c->out, "%s: %s already holds this write-back (%s): nothing pushed\n", name, rep.ref,
			rep.commit);
	else if (dry_run)
		fprintf(c->err, "dry run: nothing was committed (%zu change%s in %zu document%s)\n",
			rep.edits, rep.edits == 1 ? "" : "s", rep.documents, rep.documents == 1 ? "" : "s");
	else
		fprintf(c->out, "%s: %s %zu change%s in %zu document%s as %s on %s%s\n", name,
			src->writeback == WRITEBACK_PUSH ? "pushed" : "committed", rep.edits,
			rep.edits == 1 ? "" : "s", rep.documents, rep.documents == 1 ? "" : "s", rep.commit,
			rep.ref, rep.rebased ? " (made again on the new head: the remote had moved on)" : "");
out:
	gitwb_report_release(&rep);
	return rc;
}

int cmd_writeback(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {"force", no_argument, NULL, 'f'},
					     {"source", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct writeback_opts wo = {.actor = c->actor, .now = c->now};
	const char *source = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "nfs:h", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			wo.dry_run = true;
			break;
		case 'f':
			wo.force = true;
			break;
		case 's':
			source = optarg;
			break;
		case 'h':
			fputs(usage, c->out);
			return EXIT_OK;
		default:
			fputs(usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (source) {
		if (optind < argc || wo.force)
			return cli_usage_error(
			    c, "writeback: --source takes no PATH, INC or --force (see tracker "
			       "writeback -h)");
		return git_source(c, source, wo.dry_run);
	}
	if (optind >= argc)
		return cli_usage_error(
		    c, "writeback: name a document or an incident (see tracker writeback -h)");

	struct import_opts io;
	struct error oerr;
	error_init(&oerr);
	if (import_opts_from_config(&io, &c->cfg, &oerr) < 0)
		return cli_fail(c, &oerr);
	wo.io = &io;

	int rc = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct writeback_report rep;
		struct error err;
		error_init(&err);
		writeback_report_init(&rep);
		if (writeback_incident(&c->st, argv[i], &wo, &rep, &err) < 0) {
			int code = cli_fail(c, &err);
			if (code > rc)
				rc = code;
			writeback_report_release(&rep);
			continue;
		}
		for (size_t k = 0; k < rep.res.nnotes; k++)
			fprintf(c->err, "%s: note: %s\n", rep.path, rep.res.notes[k]);
		if (wo.dry_run) {
			struct buf d;
			buf_init(&d, 0);
			if (writeback_diff(rep.old_data, rep.old_len, rep.res.data, rep.res.len, rep.path,
					   rep.path, &d) < 0) {
				fprintf(c->err, "tracker: out of memory\n");
				rc = EXIT_IO;
			} else {
				fwrite(buf_cstr(&d), 1, d.len, c->out);
			}
			buf_release(&d);
			if (rep.stale)
				fprintf(c->err, "%s: warning: changed since its last import (--force)\n",
					rep.path);
		} else if (rep.written) {
			fprintf(c->out, "%s: wrote %zu change%s to %s\n", rep.incident, rep.res.nedits,
				rep.res.nedits == 1 ? "" : "s", rep.path);
			for (size_t k = 0; k < rep.res.nedits; k++) {
				const struct wb_edit *e = &rep.res.edits[k];
				fprintf(c->out, "  line %u: %s%s%s: \"%s\" -> \"%s\"\n", e->line,
					field_names[e->field], e->key ? " of item " : "",
					e->key ? e->key : "", e->old_text, e->new_text);
			}
			if (rep.stale)
				fprintf(c->err,
					"%s: the document had other changes since its last import: run "
					"tracker import %s to merge them\n",
					rep.path, rep.path);
		} else {
			fprintf(c->out, "%s: nothing to write (%s already says what the tracker says)\n",
				rep.incident, rep.path);
		}
		writeback_report_release(&rep);
	}
	if (wo.dry_run)
		fprintf(c->err, "dry run: nothing was written\n");
	import_opts_release(&io);
	return rc;
}
