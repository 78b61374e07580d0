/*
 * cmd_db.c — `tracker db init|path`: the database itself.
 *
 * Commands that only read (and writers other than import and people add/import) never create a
 * database: a typo in --db must fail, not leave an empty file behind. `db init` is the explicit way to
 * make an empty one (for `tracker serve` or `tracker http` before the first import); `db path` says
 * which file the commands would use and whether it is there.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker db init\n"
    "       tracker db path\n"
    "\n"
    "The database file (--db, $TRACKER_DB, [store] path, or\n"
    "$XDG_DATA_HOME/tracker/tracker.db).\n"
    "  init  create it (and its directory) if missing, and bring its schema up to date\n"
    "  path  print the path the commands would use, and whether it exists\n"
    "\n"
    "  -h, --help  show this help\n";

/* Both verbs take no arguments: answers -h, refuses anything else. Returns -1 to go on. */
static int no_args(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'h') {
			fputs(usage, c->out);
			return EXIT_OK;
		}
		fputs(usage, c->err);
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(c, "db %s: unexpected argument \"%s\"", argv[0], argv[optind]);
	return -1;
}

static int init(struct ctx *c, int argc, char **argv)
{
	int rc = no_args(c, argc, argv);
	if (rc >= 0)
		return rc;
	bool existed = access(c->db_path, F_OK) == 0;
	struct error err;
	error_init(&err);
	if (cli_open_store(c, true, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "%s %s (schema %d)\n", existed ? "up to date:" : "created", c->db_path,
		store_schema_version());
	return EXIT_OK;
}

static int path(struct ctx *c, int argc, char **argv)
{
	int rc = no_args(c, argc, argv);
	if (rc >= 0)
		return rc;
	bool exists = access(c->db_path, F_OK) == 0;
	fprintf(c->out, "%s%s\n", c->db_path,
		exists ? "" : " (missing: run tracker db init or tracker import)");
	return EXIT_OK;
}

int cmd_db(struct ctx *c, int argc, char **argv)
{
	static const struct subcommand verbs[] = {
	    {"init", init, NEED_CREATE},
	    {"path", path, 0},
	};
	return cli_subcommand(c, "db", verbs, sizeof verbs / sizeof verbs[0], usage, argc, argv);
}
