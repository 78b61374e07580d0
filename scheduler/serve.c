/*
 * serve.c — one scheduler pass and the service loop (see serve.h), shared by `tracker remind` and
 * `tracker serve`.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "listener.h"
#include "store.h"
#include "syncsvc.h"
#include "tdate.h"
#include "banned.h"

int serve_pass(struct serve_pass *sp, struct error *err)
{
	sp->added = 0;
	sp->next_wakeup = 0;
	memset(&sp->stats, 0, sizeof sp->stats);
	sp->ms_dispatch = 0;
	sp->failed = NULL;

	struct plan p;
	struct plan_options po = {.cfg = sp->cfg,
				  .pc = sp->pc,
				  .now = sp->now,
				  .dry_run = sp->dry_run,
				  .email_enabled = sp->cfg->smtp_url && *sp->cfg->smtp_url};
	if (plan_pass(sp->st, &po, &p, err) < 0) {
		plan_release(&p);
		sp->failed = "plan";
		return -1;
	}
	sp->next_wakeup = p.out.next_wakeup;
	sp->added = p.nadded;
	if (sp->planned)
		sp->planned(sp->planned_ctx, &p);
	plan_release(&p);
	if (sp->dry_run)
		return 0;

	char owner[128];
	if (!sp->owner)
		outbox_owner_id(owner);
	struct outbox_dispatcher d = {.st = sp->st,
				      .cfg = sp->cfg,
				      .oc = sp->oc,
				      .owner = sp->owner ? sp->owner : owner,
				      .now = sp->now,
				      .wall_clock = sp->wall_clock,
				      .stop = sp->stop,
				      .log = sp->log,
				      .log_ctx = sp->log_ctx};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (outbox_dispatch(&d, &sp->stats, err) < 0) {
		sp->failed = "dispatch";
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sp->ms_dispatch = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return 0;
}

/* ---- the service loop -------------------------------------------------------------------------- */

/* Longest sleep: data can change under us (imports, edits) without a signal. */
enum { MAX_SLEEP = 3600, ERROR_SLEEP = 60 };

static volatile sig_atomic_t got_term, got_hup;
/* Another instance changed something (listener.h): run a pass now. */
static atomic_int got_change;
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

static void slog(const struct serve_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slog(const struct serve_options *o, const char *fmt, ...)
{
	if (!o->log)
		return;
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	o->log(o->log_ctx, line);
}

static void dispatch_log(void *ctx, const char *line)
{
	slog(ctx, "%s", line);
}

static void http_log(void *ctx, const char *line)
{
	slog(ctx, "http: %s", line);
}

static void reload(struct serve_options *o)
{
	struct config nc;
	struct policy_config npc;
	struct outbox_config noc;
	struct error err;
	error_init(&err);
	config_init(&nc);
	if (config_load(&nc, o->config_path, &err) < 0 ||
	    plan_check_config(&nc, &npc, &noc, true, &err) < 0) {
		slog(o, "reload: configuration rejected, keeping the previous one: %s", err.msg);
		config_release(&nc);
		return;
	}
	config_release(o->cfg);
	*o->cfg = nc;
	o->pc = npc;
	o->oc = noc;
	slog(o, "reload: configuration %s loaded", o->cfg->path ? o->cfg->path : "(defaults)");
}

/* What the service logs of a pass's plan. */
static void log_plan(void *ctx, const struct plan *p)
{
	const struct serve_options *o = ctx;
	for (size_t i = 0; i < p->ndigests; i++) {
		const struct plan_digest *d = &p->digests[i];
		if (d->added)
			slog(o, "queued #%lld %s %s (%zu item%s, %s)", (long long)d->outbox_id, d->channel,
			     d->recipient, d->n, d->n == 1 ? "" : "s", d->kind);
	}
	if (p->warning[0])
		slog(o, "%s", p->warning);
	if (p->nskipped)
		slog(o, "%zu e-mail digest%s not queued: [smtp] url is not set", p->nskipped,
		     p->nskipped == 1 ? "" : "s");
}

/* One pass at `now`; *next receives the policy's next wakeup (0 if none). Returns 0 or -1 (logged). */
static int pass(struct serve_options *o, const char *owner, int64_t now, int64_t *next)
{
	struct error err;
	error_init(&err);
	struct serve_pass sp = {.st = o->st,
				.cfg = o->cfg,
				.pc = &o->pc,
				.oc = &o->oc,
				.now = now,
				.owner = owner,
				.wall_clock = true,
				.stop = &got_term,
				.log = dispatch_log,
				.log_ctx = o,
				.planned = log_plan,
				.planned_ctx = o};
	int rc = serve_pass(&sp, &err);
	*next = sp.next_wakeup;
	if (rc < 0) {
		slog(o, "%s: %s", sp.failed, err.msg);
		return -1;
	}
	if (sp.stats.released)
		slog(o, "stopping: %lu claimed notification%s given back to the outbox", sp.stats.released,
		     sp.stats.released == 1 ? "" : "s");
	return 0;
}

/* Sleeps until `until` (Unix seconds), a signal or (when `wakes`) another instance's change. */
static void sleep_until(int64_t until, bool wakes)
{
	for (;;) {
		if (got_term || got_hup || (wakes && atomic_load(&got_change)))
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

/* The listener's callback: another instance committed a change (or the database came back). */
struct wake_ctx {
	struct serve_options *o;
	struct http_server *http; /* NULL without the HTTP endpoint */
};

static void on_change(void *ctx)
{
	http_notify_data_changed(((struct wake_ctx *)ctx)->http);
	atomic_store(&got_change, 1);
	if (wake_fd[1] >= 0) {
		ssize_t n = write(wake_fd[1], "x", 1);
		(void)n;
	}
}

static void listener_log(void *ctx, const char *line)
{
	slog(((struct wake_ctx *)ctx)->o, "%s", line);
}

/* The wait after a failed pass: 1 s, doubling to ERROR_SLEEP while it keeps failing (a database that
 * fails over is back within seconds; one that is down for long is not asked every second). */
static int64_t error_sleep(int fails)
{
	return fails >= 6 ? ERROR_SLEEP : (int64_t)1 << fails;
}

static void signals_default(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	close(wake_fd[0]);
	close(wake_fd[1]);
	wake_fd[0] = wake_fd[1] = -1;
}

int serve_run(struct serve_options *o, struct error *err)
{
	if (pipe(wake_fd) < 0)
		return error_set(err, ERR_IO, "serve: pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(wake_fd[i], F_SETFL, fcntl(wake_fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(wake_fd[i], F_SETFD, FD_CLOEXEC);
	}
	got_term = got_hup = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* The instance's name, fixed for the life of the process (a reload does not rename it): the
	 * lease owner of what it claims, and /metrics' instance label. */
	char owner[128];
	if (outbox_instance_id(o->cfg, owner, err) < 0) {
		signals_default();
		return -1;
	}
	char *shown = db_redact(o->db_path);
	slog(o, "started: instance %s, pid %ld, database %s, configuration %s", owner, (long)getpid(),
	     shown ? shown : "?", o->cfg->path ? o->cfg->path : "(defaults)");
	free(shown);

	/* The HTTP endpoint runs on its own threads with its own database connections, so a slow client
	 * never stalls a pass. http_start() copies the settings it needs, so a SIGHUP reload that
	 * replaces *o->cfg never frees anything under its threads. */
	/* The git sources ([source NAME]): their own worker thread and connection (syncsvc.h), so a sync
	 * never delays a reminder pass and a pass never delays a sync. */
	struct syncsvc *sync = NULL;
	struct syncsvc_options so = {.db_path = o->db_path,
				     .cfg = o->cfg,
				     .busy_timeout_ms = o->cfg->busy_timeout_ms,
				     .poll = true,
				     .log = dispatch_log,
				     .log_ctx = o};
	if (syncsvc_start(&sync, &so, err) < 0) {
		signals_default();
		return -1;
	}
	if (sync)
		slog(o, "sync: git sources are polled and synced on push");

	struct http_server http = {0};
	bool http_on = false;
	if (o->http) {
		struct http_options ho = {.db_path = o->db_path,
					  .cfg = o->cfg,
					  .listen = o->listen,
					  .instance = owner,
					  .log = http_log,
					  .log_ctx = o,
					  .sync = sync};
		if (http_start(&http, &ho, err) < 0) {
			syncsvc_stop(sync);
			signals_default();
			return -1;
		}
		http_on = true;
		slog(o, "http: listening on %s", http.address);
	}
	/* On PostgreSQL, other instances' changes wake this one (listener.h). */
	struct listener *lis = NULL;
	struct wake_ctx wctx = {.o = o, .http = http_on ? &http : NULL};
	atomic_store(&got_change, 0);
	if (store_engine(o->st) == DB_POSTGRESQL) {
		struct listener_options lo = {
		    .db_path = o->db_path, .changed = on_change, .log = listener_log, .ctx = &wctx};
		struct error e;
		error_init(&e);
		if (listener_start(&lis, &lo, &e) < 0)
			slog(o, "%s (other instances' changes are seen at the next pass)", e.msg);
	}
	int fails = 0;
	int64_t last_pass = 0;

	while (!got_term) {
		/* A pass woken by another instance's change runs at most once a second. */
		if (atomic_exchange(&got_change, 0) && (int64_t)time(NULL) <= last_pass)
			sleep_until(last_pass + 1, false);
		if (got_term)
			break;
		int64_t now = (int64_t)time(NULL);
		last_pass = now;
		int64_t policy_next = 0, outbox_next = 0;
		int64_t wake = now + MAX_SLEEP;
		if (pass(o, owner, now, &policy_next) < 0) {
			wake = now + error_sleep(fails++);
		} else {
			fails = 0;
			if (policy_next > now && policy_next < wake)
				wake = policy_next;
			struct error e;
			error_init(&e);
			if (outbox_next_due(o->st, &outbox_next, &e) < 0) {
				slog(o, "outbox: %s", e.msg);
				wake = now + error_sleep(fails++);
			} else if (outbox_next && outbox_next < wake) {
				wake = outbox_next > now ? outbox_next : now + 1;
			}
		}
		if (got_term)
			break;
		char when[21];
		time_format(wake, when);
		slog(o, "next pass at %s", when);
		sleep_until(wake, true);
		if (got_hup) {
			got_hup = 0;
			reload(o);
			if (sync)
				slog(o, "reload: the git sources and their secrets are kept as they were at "
					"start "
					"(restart to change them)");
		}
	}

	listener_stop(lis);
	if (http_on) {
		slog(o, "http: finishing the requests in flight");
		http_stop(&http);
	}
	if (sync) {
		slog(o, "sync: finishing the sync in flight");
		syncsvc_stop(sync);
	}

	slog(o, "stopped");
	signals_default();
	return 0;
}
