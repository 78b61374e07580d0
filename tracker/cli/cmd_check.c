/*
 * cmd_check.c — `tracker check [--strict] [--format text|json] PATH...`: what `tracker import` would
 * reject or warn about, plus the review checks of check.h, without opening the database.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "commands.h"
#include "import.h"
#include "readfile.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker check [--strict] [--format text|json] PATH...\n"
    "\n"
    "Checks post-mortems (files, or directories searched for *.md) without a database: everything\n"
    "tracker import would reject or warn about, P0/P1 items with no owner or no due date, due dates\n"
    "before the incident, and template placeholders left in. Prints path:line: error|warning: ...\n"
    "Exits 1 if there are errors (or, with --strict, warnings).\n"
    "\n"
    "  -s, --strict    warnings fail the check too, and a document must carry its own id\n"
    "                  (INC-YYYY-MM-DD-N, or one matching [import] id_pattern)\n"
    "      --format F  text (default) or json: [{\"path\", \"line\", \"level\", \"message\"}]\n"
    "  -h, --help      show this help\n";

struct run {
	struct ctx *c;
	struct import_opts io;
	bool json;
	json_t *out;
	size_t errors, warnings;
	int rc;
};

static void emit(struct run *r, const char *path, unsigned line, const char *level, const char *msg)
{
	if (r->json) {
		json_t *o = json_object();
		json_object_set_new(o, "path", json_string(path));
		json_object_set_new(o, "line", line ? json_integer(line) : json_null());
		json_object_set_new(o, "level", json_string(level));
		json_object_set_new(o, "message", json_string(msg));
		json_array_append_new(r->out, o);
	} else if (line) {
		fprintf(r->c->out, "%s:%u: %s: %s\n", path, line, level, msg);
	} else {
		fprintf(r->c->out, "%s: %s: %s\n", path, level, msg);
	}
}

static void check_file(struct run *r, const char *path)
{
	size_t max = r->io.max_size ? r->io.max_size : (size_t)4 << 20;
	struct buf b;
	struct error err;
	struct import_doc doc;
	buf_init(&b, max);
	error_init(&err);
	import_doc_init(&doc);
	if (read_file_capped(path, max, &b, NULL, &err) < 0) {
		size_t pl = strlen(path);
		bool prefixed = !strncmp(err.msg, path, pl) && !strncmp(err.msg + pl, ": ", 2);
		emit(r, path, 0, "error", prefixed ? err.msg + pl + 2 : err.msg);
		r->errors++;
		if (err.kind == ERR_IO && r->rc < EXIT_IO)
			r->rc = EXIT_IO;
		goto out;
	}
	import_parse_buffer(path, buf_cstr(&b), b.len, &r->io, &doc);
	check_review(buf_cstr(&b), b.len, &doc);
	check_sort(&doc);
	for (size_t i = 0; i < doc.ndiags; i++) {
		const struct diag *d = &doc.diags[i];
		bool e = d->level == DIAG_ERROR;
		emit(r, path, d->line, e ? "error" : "warning", d->msg);
		if (e)
			r->errors++;
		else
			r->warnings++;
	}
out:
	import_doc_release(&doc);
	buf_release(&b);
}

static int walk_file(void *ud, const char *path)
{
	check_file(ud, path);
	return 0;
}

static void walk_note(void *ud, const char *msg)
{
	struct run *r = ud;
	fprintf(r->c->err, "tracker: %s\n", msg);
}

static void check_path(struct run *r, const char *path)
{
	struct stat sb;
	if (stat(path, &sb) < 0) {
		fprintf(r->c->err, "tracker: %s: %s\n", path, strerror(errno));
		if (r->rc < EXIT_IO)
			r->rc = EXIT_IO;
		return;
	}
	if (!S_ISDIR(sb.st_mode))
		check_file(r, path);
	else if (md_walk(path, walk_file, walk_note, r) < 0 && r->rc < EXIT_IO)
		r->rc = EXIT_IO;
}

int cmd_check(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"strict", no_argument, NULL, 's'},
					     {"format", required_argument, NULL, 'F'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool strict = false;
	struct run r = {.c = c, .rc = EXIT_OK};
	int o;
	while ((o = getopt_long(argc, argv, "sh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			strict = true;
			break;
		case 'F':
			if (!strcmp(optarg, "json"))
				r.json = true;
			else if (strcmp(optarg, "text"))
				return cli_usage_error(c, "check: --format is text or json, not \"%s\"",
						       optarg);
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
				       "check: name at least one file or directory (see tracker check -h)");
	struct error oerr;
	error_init(&oerr);
	if (import_opts_from_config(&r.io, &c->cfg, &oerr) < 0)
		return cli_fail(c, &oerr);
	/* --strict restores the template's rule: a document must carry its id */
	if (strict)
		r.io.require_id = true;
	if (r.json && !(r.out = json_array())) {
		fprintf(c->err, "tracker: out of memory\n");
		import_opts_release(&r.io);
		return EXIT_IO;
	}
	for (int i = optind; i < argc; i++)
		check_path(&r, argv[i]);
	if (r.json) {
		json_dumpf(r.out, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(r.out);
	} else {
		fprintf(c->err, "%zu error%s, %zu warning%s\n", r.errors, r.errors == 1 ? "" : "s",
			r.warnings, r.warnings == 1 ? "" : "s");
	}
	if (r.rc == EXIT_OK && (r.errors || (strict && r.warnings)))
		r.rc = EXIT_DATA;
	import_opts_release(&r.io);
	return r.rc;
}
