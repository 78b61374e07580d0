/*
 * syncsvc.c — the sync worker of `tracker serve` (see syncsvc.h): a table of the configured sources
 * under one mutex, a condition variable the HTTP side signals, and one thread that syncs whichever
 * source is due, then sleeps until the next poll or the next request.
 */
#include "syncsvc.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gitwb.h"
#include "hooksig.h"
#include "source.h"
#include "store.h"
#include "sync.h"
#include "banned.h"

struct src {
	const struct source_cfg *cfg; /* into syncsvc.cfg, for the sync */
	char *name, *branch, *secret_file;
	long interval;         /* seconds */
	unsigned char *secret; /* NULL: no webhook_secret_file */
	size_t secret_len;
	bool due;
	char asked_commit[HOOK_COMMIT_MAX];
	int64_t next_poll;
	/* figures */
	uint64_t syncs, failures, deliveries[SYNC_DELIVERY_COUNT];
	char last_commit[HOOK_COMMIT_MAX];
	int64_t last_ok;
};

struct syncsvc {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, stop;
	struct config cfg;
	struct store st;
	struct src *v;
	size_t n;
	bool poll;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

static void slog(struct syncsvc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slog(struct syncsvc *s, const char *fmt, ...)
{
	if (!s->log)
		return;
	char line[2000];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->log(s->log_ctx, line);
}

/* One sync of a source on the worker's connection (sync_source(), tracker/sync/sync.h), then, when the
 * source writes back (writeback = branch | push), the write-back commit (gitwb.h). On success `commit`
 * receives the commit the source is synced to and `summary` a line for the log. A failed write-back is
 * logged but does not fail the sync. */
static int run_sync(struct syncsvc *s, const struct src *src, char commit[HOOK_COMMIT_MAX], char *summary,
		    size_t sumsz, struct error *err)
{
	struct sync_opts so = {.actor = "tracker", .now = (int64_t)time(NULL)};
	struct sync_report rep;
	memset(&rep, 0, sizeof rep);
	if (sync_source(&s->st, &s->cfg, src->cfg, &so, &rep, err) < 0)
		return -1;
	snprintf(commit, HOOK_COMMIT_MAX, "%.*s", HOOK_COMMIT_MAX - 1, rep.to);
	int n = snprintf(summary, sumsz,
			 "%s at %.12s: %zu document%s imported, %zu unchanged, %zu removed, %zu renamed, %zu "
			 "rejected; items %u new, %u changed, %u removed",
			 rep.up_to_date ? "up to date" : "synced", rep.to, rep.imported,
			 rep.imported == 1 ? "" : "s", rep.unchanged, rep.removed_docs, rep.renamed,
			 rep.rejected, rep.items_created, rep.items_updated, rep.items_removed);
	if (src->cfg->writeback == WRITEBACK_OFF || n < 0 || (size_t)n >= sumsz)
		return 0;
	struct gitwb_opts wo = {.now = (int64_t)time(NULL),
				.actor = "tracker",
				.author = src->cfg->commit_author,
				.synced = rep.to};
	struct gitwb_report wr;
	struct error we;
	error_init(&we);
	gitwb_report_init(&wr);
	if (gitwb_run(&s->st, &s->cfg, src->cfg, &wo, &wr, &we) < 0)
		snprintf(summary + n, sumsz - (size_t)n, "; write-back failed: %s", we.msg);
	else if (wr.already)
		snprintf(summary + n, sumsz - (size_t)n, "; %s already holds the write-back", wr.ref);
	else if (wr.commit[0])
		snprintf(summary + n, sumsz - (size_t)n, "; wrote back %zu change%s as %.12s on %s%s",
			 wr.edits, wr.edits == 1 ? "" : "s", wr.commit, wr.ref,
			 wr.rebased ? " (remade on the moved head)" : "");
	gitwb_report_release(&wr);
	return 0;
}

/* The [source NAME] sections of the worker's configuration as its table (names, branches and secret
 * files copied: the table outlives nothing, but keeps the HTTP side off the config). */
static int load_sources(struct syncsvc *s, const struct config *cfg, struct error *err)
{
	if (!cfg->nsources)
		return 0;
	s->v = calloc(cfg->nsources, sizeof *s->v);
	if (!s->v)
		return error_set(err, ERR_IO, "out of memory");
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct source_cfg *c = &cfg->sources[i];
		struct src *x = &s->v[s->n++];
		x->cfg = c;
		x->name = strdup(c->name);
		x->branch = strdup(source_branch(c));
		x->secret_file = c->webhook_secret_file ? strdup(c->webhook_secret_file) : NULL;
		x->interval = c->interval > 0 ? c->interval : SOURCE_DEFAULT_INTERVAL;
		if (!x->name || !x->branch || (c->webhook_secret_file && !x->secret_file))
			return error_set(err, ERR_IO, "out of memory");
	}
	return 0;
}

static struct src *find(struct syncsvc *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

static void *worker(void *arg)
{
	struct syncsvc *s = arg;
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		int64_t now = (int64_t)time(NULL), next = INT64_MAX;
		struct src *pick = NULL;
		for (size_t i = 0; i < s->n && !pick; i++)
			if (s->v[i].due)
				pick = &s->v[i];
		for (size_t i = 0; i < s->n && !pick && s->poll; i++) {
			if (s->v[i].next_poll <= now)
				pick = &s->v[i];
			else if (s->v[i].next_poll < next)
				next = s->v[i].next_poll;
		}
		if (!pick) {
			if (next == INT64_MAX) {
				pthread_cond_wait(&s->cond, &s->lock);
			} else {
				struct timespec ts = {.tv_sec = (time_t)next, .tv_nsec = 0};
				pthread_cond_timedwait(&s->cond, &s->lock, &ts);
			}
			continue;
		}
		bool pushed = pick->due;
		char asked[HOOK_COMMIT_MAX];
		snprintf(asked, sizeof asked, "%s", pick->asked_commit);
		pick->due = false;
		pick->asked_commit[0] = '\0';
		pthread_mutex_unlock(&s->lock);

		char commit[HOOK_COMMIT_MAX] = "", summary[1500] = "";
		struct error err;
		error_init(&err);
		int rc = run_sync(s, pick, commit, summary, sizeof summary, &err);
		store_rollback(&s->st); /* never keep a transaction open between syncs */
		if (rc < 0)
			slog(s, "sync %s (%s%s%s): failed: %s", pick->name, pushed ? "push" : "poll",
			     asked[0] ? " of " : "", asked, err.msg);
		else
			slog(s, "sync %s (%s%s%s): %s", pick->name, pushed ? "push" : "poll",
			     asked[0] ? " of " : "", asked, summary);

		pthread_mutex_lock(&s->lock);
		if (rc < 0) {
			pick->failures++;
		} else {
			pick->syncs++;
			snprintf(pick->last_commit, sizeof pick->last_commit, "%s", commit);
			pick->last_ok = (int64_t)time(NULL);
		}
		pick->next_poll = (int64_t)time(NULL) + pick->interval;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void svc_free(struct syncsvc *s)
{
	for (size_t i = 0; i < s->n; i++) {
		hook_secret_free(s->v[i].secret, s->v[i].secret_len);
		free(s->v[i].name);
		free(s->v[i].branch);
		free(s->v[i].secret_file);
	}
	free(s->v);
	store_close(&s->st);
	config_release(&s->cfg);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

int syncsvc_start(struct syncsvc **out, const struct syncsvc_options *o, struct error *err)
{
	*out = NULL;
	struct syncsvc *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	/* timed waits on CLOCK_REALTIME: the poll times are Unix seconds */
	pthread_cond_init(&s->cond, NULL);
	config_init(&s->cfg);
	s->poll = o->poll;
	s->log = o->log;
	s->log_ctx = o->log_ctx;
	/* The worker's own copy of the configuration: a reload of the service's frees its copy. */
	if (config_load(&s->cfg, o->cfg->path, err) < 0)
		goto fail;
	if (load_sources(s, &s->cfg, err) < 0)
		goto fail;
	if (!s->n) {
		svc_free(s);
		return 0;
	}
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < s->n; i++) {
		struct src *x = &s->v[i];
		x->next_poll = now; /* a first sync at start catches up with what was pushed while down */
		if (x->interval <= 0)
			x->interval = SOURCE_DEFAULT_INTERVAL;
		if (x->secret_file && hook_secret_load(x->secret_file, &x->secret, &x->secret_len, err) < 0) {
			error_prefix(err, "[source %s]", x->name);
			goto fail;
		}
	}
	if (store_open(&s->st, o->db_path, 0, o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000, err) < 0)
		goto fail;
	int e = pthread_create(&s->thread, NULL, worker, s);
	if (e) {
		error_set(err, ERR_IO, "starting the sync worker: %s", strerror(e));
		goto fail;
	}
	s->started = true;
	*out = s;
	return 0;
fail:
	svc_free(s);
	return -1;
}

void syncsvc_stop(struct syncsvc *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->started)
		pthread_join(s->thread, NULL);
	svc_free(s);
}

int syncsvc_source(struct syncsvc *s, const char *name, char branch[256], unsigned char **secret,
		   size_t *secret_len)
{
	*secret = NULL;
	*secret_len = 0;
	if (!s)
		return 1;
	/* the table never changes after start: no lock needed to read it */
	struct src *x = find(s, name);
	if (!x)
		return 1;
	snprintf(branch, 256, "%s", x->branch);
	if (x->secret) {
		if (!(*secret = malloc(x->secret_len)))
			return -1;
		memcpy(*secret, x->secret, x->secret_len);
		*secret_len = x->secret_len;
	}
	return 0;
}

void syncsvc_request(struct syncsvc *s, const char *name, const char *commit)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	struct src *x = find(s, name);
	if (x) {
		x->due = true;
		snprintf(x->asked_commit, sizeof x->asked_commit, "%s", commit ? commit : "");
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
}

void syncsvc_count_delivery(struct syncsvc *s, const char *name, enum syncsvc_delivery what)
{
	if (!s || what >= SYNC_DELIVERY_COUNT)
		return;
	pthread_mutex_lock(&s->lock);
	struct src *x = find(s, name);
	if (x)
		x->deliveries[what]++;
	pthread_mutex_unlock(&s->lock);
}

static const char *const delivery_names[SYNC_DELIVERY_COUNT] = {
    [SYNC_DELIVERY_ACCEPTED] = "accepted",
    [SYNC_DELIVERY_IGNORED] = "ignored",
    [SYNC_DELIVERY_REPLAY] = "replay",
    [SYNC_DELIVERY_UNSIGNED] = "unsigned",
    [SYNC_DELIVERY_BAD_SIGNATURE] = "bad_signature",
    [SYNC_DELIVERY_BAD_REQUEST] = "bad_request",
};

int syncsvc_metrics(struct syncsvc *s, struct buf *b)
{
	if (!s)
		return 0;
	/* source names are [A-Za-z0-9._-] (source_name_ok), commits hex: nothing to escape in labels */
	pthread_mutex_lock(&s->lock);
	buf_adds(b, "# HELP tracker_sync_runs_total Syncs of a git source that succeeded (this process).\n"
		    "# TYPE tracker_sync_runs_total counter\n");
	for (size_t i = 0; i < s->n; i++)
		buf_printf(b, "tracker_sync_runs_total{source=\"%s\"} %" PRIu64 "\n", s->v[i].name,
			   s->v[i].syncs);
	buf_adds(b, "# HELP tracker_sync_failures_total Syncs of a git source that failed (this process).\n"
		    "# TYPE tracker_sync_failures_total counter\n");
	for (size_t i = 0; i < s->n; i++)
		buf_printf(b, "tracker_sync_failures_total{source=\"%s\"} %" PRIu64 "\n", s->v[i].name,
			   s->v[i].failures);
	buf_adds(b, "# HELP tracker_sync_deliveries_total Push webhook deliveries, by source and result.\n"
		    "# TYPE tracker_sync_deliveries_total counter\n");
	for (size_t i = 0; i < s->n; i++)
		for (int k = 0; k < SYNC_DELIVERY_COUNT; k++)
			buf_printf(b,
				   "tracker_sync_deliveries_total{source=\"%s\",result=\"%s\"} %" PRIu64 "\n",
				   s->v[i].name, delivery_names[k], s->v[i].deliveries[k]);
	buf_adds(b, "# HELP tracker_sync_last_commit_info The commit a git source was last synced to by this "
		    "process.\n# TYPE tracker_sync_last_commit_info gauge\n");
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].last_commit[0])
			buf_printf(b, "tracker_sync_last_commit_info{source=\"%s\",commit=\"%s\"} 1\n",
				   s->v[i].name, s->v[i].last_commit);
	buf_adds(b, "# HELP tracker_sync_last_success_timestamp_seconds When a git source last synced "
		    "successfully (0: not yet).\n# TYPE tracker_sync_last_success_timestamp_seconds gauge\n");
	int rc = 0;
	for (size_t i = 0; i < s->n; i++)
		rc = buf_printf(b, "tracker_sync_last_success_timestamp_seconds{source=\"%s\"} %" PRId64 "\n",
				s->v[i].name, s->v[i].last_ok);
	pthread_mutex_unlock(&s->lock);
	return rc < 0 ? -1 : 0;
}
