/*
 * cmd_serve.c — `tracker serve`: the long-running service (foreground, for systemd).
 *
 * The loop: run a pass (plan and enqueue, then dispatch what is due), then sleep until the next thing
 * can be due — the policy's next_wakeup (a recipient's next send_at on a business day, a due date
 * passing), the earliest outbox retry or lease expiry — capped at an hour so that changes made to the
 * database by other processes (imports, `tracker set`) are picked up. It never polls: it sleeps in
 * poll(2) on a self-pipe that the signal handlers write to.
 *
 * Signals: SIGTERM / SIGINT finish the send in flight, give claimed unsent rows back to the outbox and
 * exit 0. SIGHUP reloads the configuration file; a bad one is reported and the old one kept.
 * One log line per action on stderr (journald adds the time); never a secret.
 * `tracker serve --check` validates the configuration (the [reminders] policy and outbox keys, the
 * [webhook NAME] filters, and opens the configured SMTP and webhook transports) and exits 0 or 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "http/http.h"
#include "notify.h"
#include "outbox.h"
#include "plan.h"
#include "policy.h"
#include "tdate.h"
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

/* Longest sleep: data can change under us (imports, edits) without a signal. */
enum { MAX_SLEEP = 3600, ERROR_SLEEP = 60 };

static volatile sig_atomic_t got_term, got_hup;
static int wake_fd[2] = {-1, -1};

static void on_signal(int sig)
{
	int e = errno;
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
	if (wake_fd[1] >= 0) {
		ssize_t n = write(wake_fd[1], "x", 1);
		(void)n;
	}
	errno = e;
}

static void slog(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slog(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	fputs("tracker serve: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	fflush(c->err);
}

static void dispatch_log(void *ctx, const char *line)
{
	slog(ctx, "%s", line);
}

/* Everything a configuration must pass before the service uses it. */
static void http_log(void *ctx, const char *line)
{
	slog(ctx, "http: %s", line);
}

static int validate(const struct config *cfg, struct policy_config *pc, struct outbox_config *oc,
		    bool transports, struct error *err)
{
	return plan_check_config(cfg, pc, oc, transports, err); /* the same check as remind */
}

static void reload(struct ctx *c, struct policy_config *pc, struct outbox_config *oc)
{
	struct config nc;
	struct policy_config npc;
	struct outbox_config noc;
	struct error err;
	error_init(&err);
	config_init(&nc);
	if (config_load(&nc, c->config_path, &err) < 0 || validate(&nc, &npc, &noc, true, &err) < 0) {
		slog(c, "reload: configuration rejected, keeping the previous one: %s", err.msg);
		config_release(&nc);
		return;
	}
	config_release(&c->cfg);
	c->cfg = nc;
	*pc = npc;
	*oc = noc;
	slog(c, "reload: configuration %s loaded", c->cfg.path ? c->cfg.path : "(defaults)");
}

/* One pass at `now`; *next receives the policy's next wakeup (0 if none). Returns 0 or -1 (logged). */
static int pass(struct ctx *c, const struct policy_config *pc, const struct outbox_config *oc,
		const char *owner, int64_t now, int64_t *next)
{
	struct error err;
	error_init(&err);
	struct plan p;
	struct plan_options po = {
	    .cfg = &c->cfg, .pc = pc, .now = now, .email_enabled = c->cfg.smtp_url && *c->cfg.smtp_url};
	*next = 0;
	if (plan_pass(&c->st, &po, &p, &err) < 0) {
		slog(c, "plan: %s", err.msg);
		plan_release(&p);
		return -1;
	}
	*next = p.out.next_wakeup;
	for (size_t i = 0; i < p.ndigests; i++) {
		const struct plan_digest *d = &p.digests[i];
		if (d->added)
			slog(c, "queued #%lld %s %s (%zu item%s, %s)", (long long)d->outbox_id, d->channel,
			     d->recipient, d->n, d->n == 1 ? "" : "s", d->kind);
	}
	if (p.warning[0])
		slog(c, "%s", p.warning);
	if (p.nskipped)
		slog(c, "%zu e-mail digest%s not queued: [smtp] url is not set", p.nskipped,
		     p.nskipped == 1 ? "" : "s");
	plan_release(&p);
	struct outbox_dispatcher d = {.st = &c->st,
				      .cfg = &c->cfg,
				      .oc = oc,
				      .owner = owner,
				      .now = now,
				      .stop = &got_term,
				      .log = dispatch_log,
				      .log_ctx = c};
	struct outbox_stats s;
	if (outbox_dispatch(&d, &s, &err) < 0) {
		slog(c, "dispatch: %s", err.msg);
		return -1;
	}
	if (s.released)
		slog(c, "stopping: %lu claimed notification%s given back to the outbox", s.released,
		     s.released == 1 ? "" : "s");
	return 0;
}

/* Sleeps until `until` (Unix seconds) or a signal. */
static void sleep_until(int64_t until)
{
	for (;;) {
		if (got_term || got_hup)
			return;
		int64_t now = (int64_t)time(NULL);
		if (now >= until)
			return;
		int64_t ms = (until - now) * 1000;
		struct pollfd pfd = {.fd = wake_fd[0], .events = POLLIN};
		int r = poll(&pfd, 1, ms > 3600000 ? 3600000 : (int)ms);
		if (r > 0) {
			char buf[64];
			while (read(wake_fd[0], buf, sizeof buf) > 0)
				;
		}
	}
}

static int serve_check(struct ctx *c)
{
	struct policy_config pc;
	struct outbox_config oc;
	struct error err;
	error_init(&err);
	cli_warn_permissions(c, true, true);
	if (validate(&c->cfg, &pc, &oc, true, &err) < 0 ||
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
	struct policy_config pc;
	struct outbox_config oc;
	if (validate(&c->cfg, &pc, &oc, false, &err) < 0)
		return cli_fail(c, &err);
	if (cli_open_store(c, true, &err) < 0)
		return cli_fail(c, &err);
	cli_warn_permissions(c, false, true);
	if (pipe(wake_fd) < 0) {
		fprintf(c->err, "tracker: serve: pipe: %s\n", strerror(errno));
		return EXIT_IO;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(wake_fd[i], F_SETFL, fcntl(wake_fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(wake_fd[i], F_SETFD, FD_CLOEXEC);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	char owner[128];
	outbox_owner_id(owner);
	slog(c, "started: pid %ld, database %s, configuration %s", (long)getpid(), c->db_path,
	     c->cfg.path ? c->cfg.path : "(defaults)");

	/* The HTTP endpoint runs on its own threads with its own database connections, so a slow client
	 * never stalls a pass. http_start() copies the settings it needs, so a SIGHUP reload that
	 * replaces c->cfg never frees anything under its threads. */
	struct http_server http = {0};
	bool http_on = false;
	if (want_http || c->cfg.server_listen) {
		struct http_options ho = {.db_path = c->db_path,
					  .cfg = &c->cfg,
					  .listen = listen_opt,
					  .log = http_log,
					  .log_ctx = c};
		if (http_start(&http, &ho, &err) < 0)
			return cli_fail(c, &err);
		http_on = true;
		slog(c, "http: listening on %s", http.address);
	}

	while (!got_term) {
		int64_t now = (int64_t)time(NULL);
		int64_t policy_next = 0, outbox_next = 0;
		int64_t wake = now + MAX_SLEEP;
		if (pass(c, &pc, &oc, owner, now, &policy_next) < 0) {
			wake = now + ERROR_SLEEP;
		} else {
			if (policy_next > now && policy_next < wake)
				wake = policy_next;
			if (outbox_next_due(&c->st, &outbox_next, &err) < 0) {
				slog(c, "outbox: %s", err.msg);
				wake = now + ERROR_SLEEP;
			} else if (outbox_next && outbox_next < wake) {
				wake = outbox_next > now ? outbox_next : now + 1;
			}
		}
		if (got_term)
			break;
		char when[21];
		time_format(wake, when);
		slog(c, "next pass at %s", when);
		sleep_until(wake);
		if (got_hup) {
			got_hup = 0;
			reload(c, &pc, &oc);
		}
	}

	if (http_on) {
		slog(c, "http: finishing the requests in flight");
		http_stop(&http);
	}

	slog(c, "stopped");
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	close(wake_fd[0]);
	close(wake_fd[1]);
	wake_fd[0] = wake_fd[1] = -1;
	return EXIT_OK;
}
