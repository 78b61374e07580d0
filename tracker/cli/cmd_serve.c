/*
 * cmd_serve.c — `tracker serve`: the long-running service (foreground, for systemd).
 *
 * The service itself — the loop, its signals (SIGTERM / SIGINT stop, SIGHUP reloads the
 * configuration), the passes and the HTTP endpoint beside them — is serve_run() (scheduler/serve.h);
 * this command parses its options, checks the configuration, opens the database and prints the log.
 * One log line per action on stderr (journald adds the time); never a secret.
 * `tracker serve --check` validates the configuration (the [reminders] policy and outbox keys, the
 * [webhook NAME] filters, and opens the configured SMTP and webhook transports) and exits 0 or 3.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "http/http.h"
#include "outbox.h"
#include "plan.h"
#include "policy.h"
#include "serve.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker serve [--check] [--http] [--listen HOST:PORT]\n"
    "\n"
    "Runs the reminder service in the foreground (for systemd): a reminder pass at each\n"
    "recipient's send_at on their business days, retries of failed notifications when they\n"
    "fall due, sleeping in between. One log line per action on standard error.\n"
    "With [server] listen set in the configuration, or --http or --listen, the same process also\n"
    "serves the HTTP endpoint (calendar feeds, JSON API, /metrics, dashboard) on its own threads.\n"
    "SIGTERM stops accepting connections, finishes the requests and the send in flight and exits 0;\n"
    "SIGHUP reloads the reminder configuration (a bad configuration is reported and the old one\n"
    "kept; the HTTP endpoint keeps the settings it started with until a restart).\n"
    "\n"
    "      --check          validate the configuration (reminders, outbox, webhooks; opens the SMTP\n"
    "                       and webhook transports without sending) and exit: 0 valid, 3 invalid\n"
    "      --http           serve HTTP on [server] listen (default 127.0.0.1:8080)\n"
    "      --listen ADDR    serve HTTP on ADDR (HOST:PORT; port 0 picks a free one)\n"
    "  -h, --help           show this help\n";

/* One line of the service's log on stderr. */
static void slog(void *ctx, const char *line)
{
	FILE *f = ctx;
	fprintf(f, "tracker serve: %s\n", line);
	fflush(f);
}

static int serve_check(struct ctx *c)
{
	struct policy_config pc;
	struct outbox_config oc;
	struct error err;
	error_init(&err);
	cli_warn_permissions(c, true, true);
	if (plan_check_config(&c->cfg, &pc, &oc, true, &err) < 0 ||
	    (c->cfg.server_listen && http_check_listen(c->cfg.server_listen, &err) < 0)) {
		fprintf(c->err, "tracker: serve --check: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	fprintf(c->out, "configuration %s is valid: e-mail %s, %zu webhook%s\n",
		c->cfg.path ? c->cfg.path : "(defaults)", c->cfg.smtp_url ? "on" : "off (no [smtp] url)",
		c->cfg.nwebhooks, c->cfg.nwebhooks == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_serve(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"check", no_argument, NULL, 'c'},
					     {"http", no_argument, NULL, 'H'},
					     {"listen", required_argument, NULL, 'l'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool check = false, want_http = false;
	const char *listen_opt = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			check = true;
			break;
		case 'H':
			want_http = true;
			break;
		case 'l':
			listen_opt = optarg;
			want_http = true;
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
		return cli_usage_error(c, "serve: unexpected argument \"%s\"", argv[optind]);
	if (check)
		return serve_check(c);

	struct error err;
	error_init(&err);
	struct serve_options so = {.db_path = NULL,
				   .cfg = &c->cfg,
				   .config_path = c->config_path,
				   .http = want_http || c->cfg.server_listen,
				   .listen = listen_opt,
				   .log = slog,
				   .log_ctx = c->err};
	/* The same check as remind, without opening the transports (serve --check does). */
	if (plan_check_config(&c->cfg, &so.pc, &so.oc, false, &err) < 0)
		return cli_fail(c, &err);
	if (cli_open_store(c, true, &err) < 0)
		return cli_fail(c, &err);
	cli_warn_permissions(c, false, true);
	so.st = &c->st;
	so.db_path = c->db_path;
	if (serve_run(&so, &err) < 0)
		return cli_fail(c, &err);
	return EXIT_OK;
}
