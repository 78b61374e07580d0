/*
 * cmd_feed.c — `tracker feed create|list|revoke`: private calendar subscriptions (tokens.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "table.h"
#include "tokens.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker feed create --scope SCOPE [--todo] [--name NAME]\n"
    "       tracker feed list [--all]\n"
    "       tracker feed revoke ID\n"
    "\n"
    "Private calendar feeds served by `tracker serve` at /feeds/<token>.ics. `create` prints the\n"
    "https:// and webcal:// URLs once (from [server] base_url); only a hash of the token is kept, so\n"
    "a lost URL cannot be shown again: revoke it and create another.\n"
    "\n"
    "      --scope SCOPE  all, overdue, owner:HANDLE, incident:ID or priority:P0,P1\n"
    "      --todo         VTODO tasks instead of all-day events\n"
    "      --name NAME    the calendar's name (default: \"Action items (SCOPE)\")\n"
    "      --all          list revoked feeds too\n"
    "  -h, --help         show this help\n";

/* Prints the URLs of a feed path; notes go to stderr. Shared with the dashboard's wording. */
static void print_urls(struct ctx *c, const char *token)
{
	const char *base = c->cfg.server_base_url;
	if (!base || !*base) {
		fprintf(c->out, "/feeds/%s.ics\n", token);
		fprintf(c->err,
			"tracker: [server] base_url is not set, so only the path is shown; subscribe to\n"
			"  <the server's URL>/feeds/%s.ics (set base_url to print whole URLs)\n",
			"<token>");
		return;
	}
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	fprintf(c->out, "%.*s/feeds/%s.ics\n", (int)n, base, token);
	const char *rest = !strncmp(base, "https://", 8)  ? base + 8
			   : !strncmp(base, "http://", 7) ? base + 7
							  : NULL;
	if (rest)
		fprintf(c->out, "webcal://%.*s/feeds/%s.ics\n", (int)(n - (size_t)(rest - base)), rest,
			token);
}

static int create(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"scope", required_argument, NULL, 's'},
					     {"todo", no_argument, NULL, 't'},
					     {"name", required_argument, NULL, 'N'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *scope = NULL, *name = NULL;
	bool todo = false;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			scope = optarg;
			break;
		case 't':
			todo = true;
			break;
		case 'N':
			name = optarg;
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
		return cli_usage_error(c, "feed create: unexpected argument \"%s\"", argv[optind]);
	if (!scope)
		return cli_usage_error(c, "feed create: --scope is required (e.g. --scope owner:alice)");
	struct buf title;
	buf_init(&title, 1024);
	if (!name) {
		buf_printf(&title, "Action items (%s)", scope);
		name = buf_cstr(&title);
	}
	struct error err;
	error_init(&err);
	char token[TOKEN_CHARS + 1];
	int64_t id;
	int rc = EXIT_OK;
	if (feed_create(&c->st, name, scope, todo ? "todo" : "events", c->now, 0, token, &id, &err) < 0) {
		rc = cli_fail(c, &err);
	} else {
		print_urls(c, token);
		fprintf(
		    c->err,
		    "tracker: feed %lld created (%s). The URL is shown only now and is the only key to the "
		    "feed; revoke it with: tracker feed revoke %lld\n",
		    (long long)id, scope, (long long)id);
	}
	memset(token, 0, sizeof token);
	buf_release(&title);
	return rc;
}

static int list_row(const struct feed_row *f, void *ud)
{
	struct table *t = ud;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)f->id);
	char by[240];
	if (f->created_by_name)
		snprintf(by, sizeof by, "%s (token %lld)", f->created_by_name, (long long)f->created_by);
	else
		snprintf(by, sizeof by, "cli");
	const char *cells[] = {
	    id, f->name, f->scope, f->flavour, f->created_at, f->revoked_at ? f->revoked_at : "-", by};
	return table_add(t, cells, NULL) < 0;
}

static int list(struct ctx *c, int argc, char **argv)
{
	bool all;
	int rc = EXIT_OK;
	if (!cli_parse_list_all(c, "feed list", usage, argc, argv, &all, &rc))
		return rc;
	static const char *const h[] = {"ID", "NAME", "SCOPE", "FLAVOUR", "CREATED", "REVOKED", "CREATED BY"};
	struct table *t = table_new(7, h);
	struct error err;
	error_init(&err);
	if (feed_list(&c->st, all, list_row, t, &err) < 0)
		rc = cli_fail(c, &err);
	else
		cli_print_table(c, t,
				"no feeds (make one with tracker feed create; --all shows revoked ones)");
	table_free(t);
	return rc;
}

static int revoke(struct ctx *c, int argc, char **argv)
{
	long long id;
	int rc;
	if (!cli_parse_one_id(c, "feed revoke", "give one feed id (see tracker feed list)", usage, argc, argv,
			      &id, &rc))
		return rc;
	struct error err;
	error_init(&err);
	if (feed_revoke(&c->st, id, c->now, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->out, "feed %lld revoked\n", id);
	return EXIT_OK;
}

int cmd_feed(struct ctx *c, int argc, char **argv)
{
	static const struct subcommand verbs[] = {
	    {"create", create, NEED_DB | NEED_WRITE},
	    {"list", list, NEED_DB},
	    {"revoke", revoke, NEED_DB | NEED_WRITE},
	};
	return cli_subcommand(c, "feed", verbs, sizeof verbs / sizeof verbs[0], usage, argc, argv);
}
