/*
 * cli — what every command receives, and helpers shared by the commands (tracker/cli/cmd_*.c),
 * implemented in cli.c.
 *
 * main.c parses the global options, loads the config, opens the database when the command table says
 * the command needs it (NEED_DB; NEED_WRITE opens it writable and applies migrations), and then calls
 * the command with its own argv (argv[0] is the command name). A command returns an exit code
 * (enum exit_code); it prints its own output and its errors (with cli_fail()).
 */
#ifndef TRACKER_CLI_H
#define TRACKER_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "error.h"
#include "store.h"

struct table;

/* Exit codes, documented in tracker(1). */
enum exit_code {
	EXIT_OK = 0,
	EXIT_DATA = 1,   /* a document rejected, an item not found, bad data */
	EXIT_USAGE = 2,  /* bad command line */
	EXIT_CONFIG = 3, /* bad configuration */
	EXIT_STORE = 4,  /* database error */
	EXIT_IO = 5,     /* file, network or delivery error */
};

/* Command table flags. NEED_DB: main opens the database before the call (NEED_WRITE: writable, with
 * migrations). NEED_CREATE: the command may create a missing database; every other command (and every
 * read) fails with "no database at PATH", exit 4. Only import, people add/import and db init have it. */
enum { NEED_DB = 1 << 0, NEED_WRITE = 1 << 1, NEED_CREATE = 1 << 2 };

struct ctx {
	struct config cfg;
	struct store st; /* open iff the command has NEED_DB */
	char *db_path;
	const char *config_path; /* --config, or NULL */
	int64_t now;             /* the clock; commands with --now replace it */
	char *actor;             /* who makes changes: $TRACKER_USER, [user] handle, or the login name */
	unsigned flags;          /* the table flags of the running command or verb (NEED_CREATE …) */
	FILE *out;
	FILE *err;
};

struct command {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
	unsigned flags;
	const char *summary;
};

/* Nested verbs (`tracker feed create`) go through a table too: cli_subcommand() finds the verb,
 * answers -h/--help and `help` with the command's usage, opens the database as `flags` say
 * (NEED_DB, NEED_WRITE, NEED_CREATE; they become c->flags) and calls the verb with argv starting at
 * the verb. An unknown verb is answered with the nearest known one. */
struct subcommand {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
	unsigned flags;
};
int cli_subcommand(struct ctx *c, const char *command, const struct subcommand *verbs, size_t n,
		   const char *usage, int argc, char **argv);
/* Parses a positive row id ("feed revoke 3"); prints a usage error naming `what` and returns -1. */
int cli_parse_id(struct ctx *c, const char *what, const char *arg, long long *id);

/* The verbs of the revocable things (feed, token) share their command lines. Each parser answers
 * -h/--help with `usage` and returns 1 to go on, or 0 to stop with the exit code in *rc.
 * `what` names the verb in messages ("feed list"). */
/* `VERB list [--all]`: sets *all. */
int cli_parse_list_all(struct ctx *c, const char *what, const char *usage, int argc, char **argv, bool *all,
		       int *rc);
/* `VERB revoke ID`: one positive id, else the usage error "<what>: <need>". */
int cli_parse_one_id(struct ctx *c, const char *what, const char *need, const char *usage, int argc,
		     char **argv, long long *id, int *rc);
/* Prints the table on c->out, or the line `none` when it has no rows: a list that found nothing says so. */
void cli_print_table(struct ctx *c, struct table *t, const char *none);

/* Maps an error kind to its exit code (the one mapping). */
int cli_exit_code(const struct error *e);
/* Prints "tracker: <msg>" to stderr and returns the exit code for the error. */
int cli_fail(struct ctx *c, const struct error *e);
/* Prints "tracker: warning: <msg>" to stderr: something looks wrong, the command goes on. */
void cli_warning(struct ctx *c, const struct error *e);
/* Prints "tracker: <formatted>" and returns EXIT_USAGE. */
int cli_usage_error(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Opens the database (for commands that open it themselves); creates a missing one only when the
 * running command's table entry has NEED_CREATE. */
int cli_open_store(struct ctx *c, bool write, struct error *err);
/* Warns on c->err, as ssh does, about a database others may read (`db`; cli_open_store does this) and
 * about secrets — the server secret, [smtp] password_file, [webhook] secret_file — that the group or
 * others may read (`secrets`: the commands that use them). Never refuses. */
void cli_warn_permissions(struct ctx *c, bool db, bool secrets);
/* Parses the value of --format: `alt` (the default, "table" or "text") or "json", which sets *json.
 * Another value is a usage error `<what> "<arg>": use <alt> or json`, where `what` names the option as
 * the command's message starts ("show --format:", "outbox list: --format"); it returns -1 then. */
int cli_parse_format(struct ctx *c, const char *what, const char *arg, const char *alt, bool *json);
/* The options of a command that shows one thing (report, show): --format text|json (sets *json), --now
 * (sets c->now) and -h, which prints `usage`. `what` names the command in messages. Returns 1 to go
 * on (optind is the first operand), or 0 to stop with the exit code in *rc. */
int cli_parse_show_options(struct ctx *c, const char *what, const char *usage, int argc, char **argv,
			   bool *json, int *rc);
/* Parses --now: an ISO 8601 date or date-time. Returns 0 or prints a usage error and returns -1. */
int cli_parse_now(struct ctx *c, const char *arg);

#endif
