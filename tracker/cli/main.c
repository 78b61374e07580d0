/*
 * main.c — the tracker executable: global options, the command table, and the one place that turns
 * a command into an exit code. Each subcommand lives in cmd_<verb>.c; what they share is in cli.c.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "suggest.h"
#include "banned.h"

static int cmd_help(struct ctx *c, int argc, char **argv);
static int cmd_version(struct ctx *c, int argc, char **argv);

static const struct command commands[] = {
#define COMMAND(name, fn, flags, summary) {name, fn, flags, summary},
#include "commands.def"
#undef COMMAND
    {"help", cmd_help, 0, "show help for tracker or one command"},
    {"version", cmd_version, 0, "print the version"},
};

static char *resolve_actor(const struct config *cfg)
{
	const char *u = getenv("TRACKER_USER");
	if (u && *u)
		return strdup(u);
	if (cfg->user_handle && *cfg->user_handle)
		return strdup(cfg->user_handle);
	struct passwd pw, *res = NULL;
	char pbuf[4096];
	if (getpwuid_r(getuid(), &pw, pbuf, sizeof pbuf, &res) == 0 && res)
		return strdup(res->pw_name);
	u = getenv("USER");
	return strdup(u && *u ? u : "unknown");
}

static void print_usage(FILE *f)
{
	fputs("usage: tracker [--db PATH|URL] [--config PATH] COMMAND [ARGS]\n\n"
	      "Tracks post-mortem action items until they are done. The database is a SQLite file or a\n"
	      "PostgreSQL URL (postgresql://…; the password in a password file, never in the URL).\n\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'tracker COMMAND -h' for a command's options; 'man tracker' for the manual.\n", f);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* "unknown command", with the nearest known one when it is one typo away. Returns EXIT_USAGE. */
static int unknown_command(struct ctx *c, const char *name)
{
	const char *names[sizeof commands / sizeof commands[0]];
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		names[k] = commands[k].name;
	const char *near = suggest_nearest(name, names, sizeof names / sizeof names[0]);
	if (near)
		return cli_usage_error(c, "unknown command \"%s\": did you mean %s? (see tracker help)", name,
				       near);
	return cli_usage_error(c, "unknown command \"%s\" (see tracker help)", name);
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs("usage: tracker help [COMMAND]\n", c->out);
		return EXIT_OK;
	}
	if (argc > 1) {
		const struct command *cmd = find_command(argv[1]);
		if (!cmd)
			return unknown_command(c, argv[1]);
		if (cmd->fn == cmd_help) {
			fputs("usage: tracker help [COMMAND]\n", c->out);
			return EXIT_OK;
		}
		char *hargv[] = {(char *)cmd->name, (char *)"-h", NULL};
		return cmd->fn(c, 2, hargv);
	}
	print_usage(c->out);
	return EXIT_OK;
}

static int cmd_version(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fputs("usage: tracker version\n", c->out);
		return EXIT_OK;
	}
	char libs[128];
	store_library_versions(libs, sizeof libs);
	fprintf(c->out, "tracker %s (schema %d, %s)\n", TRACKER_VERSION, store_schema_version(), libs);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctx c = {.out = stdout, .err = stderr};
	struct error err;
	const char *db_opt = NULL;
	int rc = EXIT_OK;

	setlocale(LC_CTYPE, "");
	signal(SIGPIPE, SIG_IGN);
	error_init(&err);
	config_init(&c.cfg);
	c.now = (int64_t)time(NULL);

	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--db") || !strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				rc = cli_usage_error(&c, "%s needs a value", a);
				goto out;
			}
			if (!strcmp(a, "--db"))
				db_opt = argv[++i];
			else
				c.config_path = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			db_opt = a + 5;
		} else if (!strncmp(a, "--config=", 9)) {
			c.config_path = a + 9;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(c.out);
			goto out;
		} else if (!strcmp(a, "--version")) {
			rc = cmd_version(&c, 1, argv);
			goto out;
		} else {
			rc = cli_usage_error(&c, "unknown option \"%s\" (see tracker -h)", a);
			goto out;
		}
	}
	if (i >= argc) {
		print_usage(c.err);
		rc = EXIT_USAGE;
		goto out;
	}
	const struct command *cmd = find_command(argv[i]);
	if (!cmd) {
		rc = unknown_command(&c, argv[i]);
		goto out;
	}
	bool wants_help = false;
	for (int j = i + 1; j < argc; j++) {
		if (!strcmp(argv[j], "--"))
			break;
		if (!strcmp(argv[j], "-h") || !strcmp(argv[j], "--help"))
			wants_help = true;
	}
	if (!wants_help) {
		if (config_load(&c.cfg, c.config_path, &err) < 0) {
			rc = cli_fail(&c, &err);
			goto out;
		}
		c.actor = resolve_actor(&c.cfg);
		if (db_target_has_password(db_opt)) {
			rc = cli_usage_error(
			    &c, "%s",
			    "--db: the database URL holds a password, which other users can read "
			    "in the process list; put it in a password file ([store] password_file "
			    "or $PGPASSFILE, docs/postgresql.md)");
			goto out;
		}
		if (c.cfg.store_password_file && *c.cfg.store_password_file)
			setenv("PGPASSFILE", c.cfg.store_password_file, 1);
		c.db_path = store_resolve_path(db_opt, &c.cfg);
		c.flags = cmd->flags;
		if (cmd->flags & NEED_DB) {
			if (cli_open_store(&c, cmd->flags & NEED_WRITE, &err) < 0) {
				rc = cli_fail(&c, &err);
				goto out;
			}
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	optind = 1;
	rc = cmd->fn(&c, argc - i, argv + i);
	curl_global_cleanup();
	if (fflush(c.out) != 0 && rc == EXIT_OK) {
		fprintf(c.err, "tracker: error writing output\n");
		rc = EXIT_IO;
	}
out:
	store_close(&c.st);
	config_release(&c.cfg);
	free(c.db_path);
	free(c.actor);
	return rc;
}
