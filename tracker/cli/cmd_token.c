/*
 * cmd_token.c — `tracker token create|list|revoke`: bearer tokens for the HTTP API and the dashboard.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "table.h"
#include "tokens.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker token create --name NAME [--read-only]\n"
    "       tracker token list [--all]\n"
    "       tracker token revoke ID\n"
    "\n"
    "Bearer tokens for the HTTP API (Authorization: Bearer TOKEN) and the dashboard's login. `create`\n"
    "prints the token once; only its hash is kept. Changes made with a token are recorded in the\n"
    "history with source \"api\" and the token's name as the actor. A read-only token cannot change items.\n"
    "\n"
    "      --name NAME    who holds the token (recorded as the actor)\n"
    "      --read-only    reading only: POST requests get 403\n"
    "      --all          list revoked tokens too\n"
    "  -h, --help         show this help\n";

static int create(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'N'},
					     {"read-only", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *name = NULL;
	bool ro = false;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'N':
			name = optarg;
			break;
		case 'r':
			ro = true;
			break;
		case 'h':
			fputs(usage, c->out);
			return EXIT_OK;
		default:
			fputs(usage, c->err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(c, "token create: unexpected argument \"%s\"", argv[optind]);
	if (!name)
		return cli_usage_error(c, "token create: --name is required");
	struct error err;
	error_init(&err);
	char token[TOKEN_CHARS + 1];
	int64_t id;
	if (apitoken_create(&c->st, name, ro, c->now, token, &id, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "%s\n", token);
	fprintf(
	    c->err,
	    "tracker: token %lld created for %s (%s). It is shown only now; revoke it with: tracker token "
	    "revoke %lld\n",
	    (long long)id, name, ro ? "read-only" : "read-write", (long long)id);
	memset(token, 0, sizeof token);
	return EXIT_OK;
}

static int list_row(const struct api_token *t, void *ud)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)t->id);
	const char *cells[] = {id,
			       t->name,
			       t->read_only ? "read-only" : "read-write",
			       t->created_at,
			       t->last_used_at ? t->last_used_at : "-",
			       t->revoked_at ? t->revoked_at : "-"};
	return table_add(ud, cells, NULL) < 0;
}

static int list(struct ctx *c, int argc, char **argv)
{
	bool all;
	int rc = EXIT_OK;
	if (!cli_parse_list_all(c, "token list", usage, argc, argv, &all, &rc))
		return rc;
	static const char *const h[] = {"ID", "NAME", "ACCESS", "CREATED", "LAST USED", "REVOKED"};
	struct table *t = table_new(6, h);
	struct error err;
	error_init(&err);
	if (apitoken_list(&c->st, all, list_row, t, &err) < 0)
		rc = cli_fail(c, &err);
	else
		cli_print_table(c, t,
				"no tokens (make one with tracker token create; --all shows revoked ones)");
	table_free(t);
	return rc;
}

static int revoke(struct ctx *c, int argc, char **argv)
{
	long long id;
	int rc;
	if (!cli_parse_one_id(c, "token revoke", "give one token id (see tracker token list)", usage, argc,
			      argv, &id, &rc))
		return rc;
	struct error err;
	error_init(&err);
	int feeds = 0;
	if (apitoken_revoke(&c->st, id, c->now, &feeds, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "token %lld revoked", id);
	if (feeds)
		fprintf(c->out, ", with the %d feed%s created through it", feeds, feeds == 1 ? "" : "s");
	fprintf(c->out, "; its dashboard sessions ended\n");
	return EXIT_OK;
}

int cmd_token(struct ctx *c, int argc, char **argv)
{
	static const struct subcommand verbs[] = {
	    {"create", create, NEED_DB | NEED_WRITE},
	    {"list", list, NEED_DB},
	    {"revoke", revoke, NEED_DB | NEED_WRITE},
	};
	return cli_subcommand(c, "token", verbs, sizeof verbs / sizeof verbs[0], usage, argc, argv);
}
