/*
 * cli.c — the helpers every command shares (see cli.h): the one error → exit code mapping, messages,
 * opening the database, permission warnings, nested verbs and the common argument parsers.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actionlink.h"
#include "buf.h"
#include "readfile.h"
#include "suggest.h"
#include "table.h"
#include "tdate.h"
#include "banned.h"

int cli_exit_code(const struct error *e)
{
	switch (e->kind) {
	case ERR_NONE:
		return EXIT_OK;
	case ERR_DATA:
		return EXIT_DATA;
	case ERR_USAGE:
		return EXIT_USAGE;
	case ERR_CONFIG:
		return EXIT_CONFIG;
	case ERR_STORE:
		return EXIT_STORE;
	case ERR_IO:
		return EXIT_IO;
	}
	return EXIT_DATA;
}

int cli_fail(struct ctx *c, const struct error *e)
{
	fprintf(c->err, "tracker: %s\n", e->msg[0] ? e->msg : "unknown error");
	int code = cli_exit_code(e);
	return code ? code : EXIT_DATA;
}

void cli_warning(struct ctx *c, const struct error *e)
{
	fprintf(c->err, "tracker: warning: %s\n", e->msg);
}

int cli_usage_error(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	fputs("tracker: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	return EXIT_USAGE;
}

int cli_open_store(struct ctx *c, bool write, struct error *err)
{
	if (c->st.conn)
		return 0;
	if (!c->db_path)
		c->db_path = store_resolve_path(NULL, &c->cfg);
	if (!c->db_path)
		return error_set(err, ERR_IO, "out of memory");
	int flags = write ? 0 : STORE_READONLY;
	if (write && (c->flags & NEED_CREATE))
		flags |= STORE_CREATE;
	if (store_open(&c->st, c->db_path, flags, c->cfg.busy_timeout_ms, err) < 0)
		return -1;
	cli_warn_permissions(c, true, false);
	return 0;
}

void cli_warn_permissions(struct ctx *c, bool db, bool secrets)
{
	char msg[8192];
	if (db && c->db_path && !db_is_postgresql(c->db_path) &&
	    file_perm_warning(c->db_path, "the database", 007, msg, sizeof msg))
		fprintf(c->err, "tracker: %s\n", msg);
	if (!secrets)
		return;
	if (!c->db_path)
		c->db_path = store_resolve_path(NULL, &c->cfg);
	char *sp = c->db_path ? action_secret_path(c->cfg.server_secret_file, c->db_path) : NULL;
	if (sp && file_perm_warning(sp, "the server secret", 077, msg, sizeof msg))
		fprintf(c->err, "tracker: %s\n", msg);
	free(sp);
	if (file_perm_warning(c->cfg.smtp_password_file, "[smtp] password_file", 077, msg, sizeof msg))
		fprintf(c->err, "tracker: %s\n", msg);
	for (size_t i = 0; i < c->cfg.nwebhooks; i++)
		if (file_perm_warning(c->cfg.webhooks[i].secret_file, "a [webhook] secret_file", 077, msg,
				      sizeof msg))
			fprintf(c->err, "tracker: %s\n", msg);
}

int cli_subcommand(struct ctx *c, const char *command, const struct subcommand *verbs, size_t n,
		   const char *usage, int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, c->err);
		return EXIT_USAGE;
	}
	const char *v = argv[1];
	if (!strcmp(v, "-h") || !strcmp(v, "--help") || !strcmp(v, "help")) {
		fputs(usage, c->out);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(verbs[i].name, v))
			continue;
		bool help = false;
		for (int j = 2; j < argc && strcmp(argv[j], "--"); j++)
			help |= !strcmp(argv[j], "-h") || !strcmp(argv[j], "--help");
		struct error err;
		error_init(&err);
		c->flags = verbs[i].flags;
		if (!help && (verbs[i].flags & NEED_DB) &&
		    cli_open_store(c, verbs[i].flags & NEED_WRITE, &err) < 0)
			return cli_fail(c, &err);
		optind = 1;
		return verbs[i].fn(c, argc - 1, argv + 1);
	}
	struct buf names;
	const char *known[32];
	size_t nk = 0;
	buf_init(&names, 1024);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&names, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", verbs[i].name);
		if (nk < sizeof known / sizeof known[0])
			known[nk++] = verbs[i].name;
	}
	const char *near = suggest_nearest(v, known, nk);
	int rc = near ? cli_usage_error(c, "%s: unknown verb \"%s\": did you mean %s? (use %s)", command, v,
					near, buf_cstr(&names))
		      : cli_usage_error(c, "%s: unknown verb \"%s\": use %s", command, v, buf_cstr(&names));
	buf_release(&names);
	return rc;
}

int cli_parse_id(struct ctx *c, const char *what, const char *arg, long long *id)
{
	char *end;
	errno = 0;
	*id = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || *id <= 0) {
		cli_usage_error(c, "%s: \"%s\" is not an id (a positive number; see the list)", what, arg);
		return -1;
	}
	return 0;
}

int cli_parse_list_all(struct ctx *c, const char *what, const char *usage, int argc, char **argv, bool *all,
		       int *rc)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int o;
	*all = false;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'a') {
			*all = true;
		} else {
			*rc = o == 'h' ? EXIT_OK : EXIT_USAGE;
			fputs(usage, o == 'h' ? c->out : c->err);
			return 0;
		}
	}
	if (optind < argc) {
		*rc = cli_usage_error(c, "%s: unexpected argument \"%s\"", what, argv[optind]);
		return 0;
	}
	return 1;
}

int cli_parse_one_id(struct ctx *c, const char *what, const char *need, const char *usage, int argc,
		     char **argv, long long *id, int *rc)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, c->out);
		*rc = EXIT_OK;
		return 0;
	}
	if (argc != 2) {
		*rc = cli_usage_error(c, "%s: %s", what, need);
		return 0;
	}
	if (cli_parse_id(c, what, argv[1], id) < 0) {
		*rc = EXIT_USAGE;
		return 0;
	}
	return 1;
}

void cli_print_table(struct ctx *c, struct table *t, const char *none)
{
	if (!table_rows(t))
		fprintf(c->out, "%s\n", none);
	else
		table_print(t, c->out);
}

int cli_parse_format(struct ctx *c, const char *what, const char *arg, const char *alt, bool *json)
{
	if (!strcmp(arg, "json"))
		*json = true;
	else if (strcmp(arg, alt)) {
		cli_usage_error(c, "%s \"%s\": use %s or json", what, arg, alt);
		return -1;
	}
	return 0;
}

int cli_parse_show_options(struct ctx *c, const char *what, const char *usage, int argc, char **argv,
			   bool *json, int *rc)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"now", required_argument, NULL, 'N'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char fmt[64];
	snprintf(fmt, sizeof fmt, "%s --format:", what);
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (cli_parse_format(c, fmt, optarg, "text", json) < 0) {
				*rc = EXIT_USAGE;
				return 0;
			}
			break;
		case 'N':
			if (cli_parse_now(c, optarg) < 0) {
				*rc = EXIT_USAGE;
				return 0;
			}
			break;
		case 'h':
			fputs(usage, c->out);
			*rc = EXIT_OK;
			return 0;
		default:
			fputs(usage, c->err);
			*rc = EXIT_USAGE;
			return 0;
		}
	}
	return 1;
}

int cli_parse_now(struct ctx *c, const char *arg)
{
	int64_t t;
	if (time_parse(arg, &t) < 0) {
		cli_usage_error(c,
				"--now: \"%s\" is not an ISO 8601 date or date-time (e.g. 2026-04-20 or "
				"2026-04-20T10:00:00Z)",
				arg);
		return -1;
	}
	c->now = t;
	return 0;
}
