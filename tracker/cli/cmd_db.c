/*
 * cmd_db.c — `tracker db init|path|copy`: the database itself.
 *
 * Commands that only read (and writers other than import and people add/import) never create a
 * database: a typo in --db must fail, not leave an empty file behind. `db init` is the explicit way to
 * make an empty one (for `tracker serve` or `tracker http` before the first import); `db path` says
 * which database the commands would use and whether it is there; `db copy FROM TO` copies a whole store
 * between databases (SQLite and PostgreSQL, either way; the store module copy.h does the work). A
 * PostgreSQL URL may hold a password: these commands print store_describe(), never the URL.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "copy.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker db init\n"
    "       tracker db path\n"
    "       tracker db copy [--force] FROM TO\n"
    "\n"
    "The database (--db, $TRACKER_DB, [store] url or path, or\n"
    "$XDG_DATA_HOME/tracker/tracker.db): a SQLite file or a PostgreSQL URL.\n"
    "  init  create it (a SQLite file and its directory) if missing, and bring its schema up to date\n"
    "  path  print the database the commands would use, and whether it is there\n"
    "  copy  copy every table of FROM into TO (each a SQLite path or a PostgreSQL URL) in one\n"
    "        transaction, and check the row counts and checksums; TO must be empty\n"
    "\n"
    "  -f, --force  (copy) replace what TO holds\n"
    "  -h, --help   show this help\n";

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
	bool pg = db_is_postgresql(c->db_path);
	bool existed = pg || access(c->db_path, F_OK) == 0;
	struct error err;
	error_init(&err);
	if (cli_open_store(c, true, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "%s %s (schema %d)\n", existed ? "up to date:" : "created", store_describe(&c->st),
		store_schema_version());
	return EXIT_OK;
}

static int path(struct ctx *c, int argc, char **argv)
{
	int rc = no_args(c, argc, argv);
	if (rc >= 0)
		return rc;
	if (db_is_postgresql(c->db_path)) {
		/* The URL may hold a password: connect and name the database instead. */
		struct error err;
		error_init(&err);
		if (cli_open_store(c, false, &err) < 0)
			return cli_fail(c, &err);
		fprintf(c->out, "%s\n", store_describe(&c->st));
		return EXIT_OK;
	}
	bool exists = access(c->db_path, F_OK) == 0;
	fprintf(c->out, "%s%s\n", c->db_path,
		exists ? "" : " (missing: run tracker db init or tracker import)");
	return EXIT_OK;
}

static int copy(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool force = false;
	int o;
	while ((o = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (o == 'f') {
			force = true;
		} else if (o == 'h') {
			fputs(usage, c->out);
			return EXIT_OK;
		} else {
			fputs(usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(c,
				       "db copy: expected FROM and TO (a SQLite path or a PostgreSQL "
				       "URL each), got %d argument%s",
				       argc - optind, argc - optind == 1 ? "" : "s");
	for (int i = optind; i < argc; i++)
		if (db_target_has_password(argv[i]))
			return cli_usage_error(
			    c,
			    "db copy: the %s URL holds a password, which other users can read in the "
			    "process list; put it in a password file ([store] password_file or "
			    "$PGPASSFILE, docs/postgresql.md)",
			    i == optind ? "FROM" : "TO");
	struct store from = {0}, to = {0};
	struct error err;
	error_init(&err);
	int rc = EXIT_OK;
	/* The source only read; a missing SQLite target is created, a PostgreSQL one must exist. */
	if (store_open(&from, argv[optind], STORE_READONLY, c->cfg.busy_timeout_ms, &err) < 0 ||
	    store_open(&to, argv[optind + 1], STORE_CREATE, c->cfg.busy_timeout_ms, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	struct copy_report rep;
	if (copy_store(&from, &to, force, &rep, &err) < 0) {
		rc = cli_fail(c, &err);
		goto out;
	}
	fprintf(c->out, "copied %s to %s (schema %d)\n", store_describe(&from), store_describe(&to),
		rep.schema_version);
	if (rep.emptied)
		fprintf(c->out, "replaced the %lld rows %s held (--force)\n", (long long)rep.old_rows,
			store_describe(&to));
	fprintf(c->out, "%-16s %10s  %s\n", "table", "rows", "sha256");
	long long total = 0;
	for (size_t i = 0; i < rep.ntables; i++) {
		fprintf(c->out, "%-16s %10lld  %s\n", rep.tables[i].table, (long long)rep.tables[i].rows,
			rep.tables[i].sha256);
		total += rep.tables[i].rows;
	}
	fprintf(c->out, "%-16s %10lld  row counts and checksums of the copy match the source\n", "total",
		total);
out:
	store_close(&from);
	store_close(&to);
	return rc;
}

int cmd_db(struct ctx *c, int argc, char **argv)
{
	static const struct subcommand verbs[] = {
	    {"init", init, NEED_CREATE},
	    {"path", path, 0},
	    {"copy", copy, 0},
	};
	return cli_subcommand(c, "db", verbs, sizeof verbs / sizeof verbs[0], usage, argc, argv);
}
