/*
 * cmd_http.c — `tracker http`: runs the HTTP endpoint alone in the foreground until SIGTERM or SIGINT.
 * A stand-in until `tracker serve` runs it beside the scheduler (it calls the same http_start/http_stop).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "http/http.h"
#include "outbox.h"
#include "banned.h"

static const char usage[] =
    "usage: tracker http [--listen HOST:PORT] [--threads N] [--access-log]\n"
    "\n"
    "Serves calendar feeds, the JSON API, action links, /metrics, /healthz and the dashboard until\n"
    "SIGTERM or SIGINT, then finishes the requests in flight and exits 0. Prints \"listening on\n"
    "ADDRESS:PORT\" to standard error once it accepts connections (port 0 picks a free port).\n"
    "\n"
    "      --listen ADDR   overrides [server] listen (default 127.0.0.1:8080)\n"
    "      --threads N     polling threads (default: one per CPU, at least 2)\n"
    "      --access-log    log every request to standard error (tokens are never logged)\n"
    "  -h, --help          show this help\n";

static void log_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "tracker http: %s\n", line);
}

int cmd_http(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"threads", required_argument, NULL, 't'},
					     {"access-log", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct http_options o = {.log = log_stderr};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			o.listen = optarg;
			break;
		case 't': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 64)
				return cli_usage_error(
				    c, "http --threads: \"%s\" is not a number from 1 to 64", optarg);
			o.threads = (unsigned)n;
			break;
		}
		case 'a':
			o.access_log = true;
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
		return cli_usage_error(c, "http: unexpected argument \"%s\"", argv[optind]);
	/* Block the signals before the server's threads start, so they inherit the mask and only
	 * sigwait below receives them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct error err;
	error_init(&err);
	/* main opened the database (NEED_DB | NEED_WRITE: it must exist, and is migrated) before the
	 * server secret is made next to it; the server has its own connections. */
	store_close(&c->st);
	o.db_path = c->db_path;
	o.cfg = &c->cfg;
	char instance[128]; /* /metrics' instance label ([server] instance) */
	if (outbox_instance_id(&c->cfg, instance, &err) < 0)
		return cli_fail(c, &err);
	o.instance = instance;
	struct http_server h;
	cli_warn_permissions(c, true, true);
	if (http_start(&h, &o, &err) < 0)
		return cli_fail(c, &err);
	fprintf(c->err, "listening on %s\n", h.address);
	fflush(c->err);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(c->err, "tracker http: %s: finishing requests in flight\n",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_stop(&h);
	return EXIT_OK;
}
