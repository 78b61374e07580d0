/*
 * http — the HTTP endpoint of `tracker serve` (libmicrohttpd): private calendar feeds, the JSON API,
 * signed action links, /metrics, /healthz and a small dashboard.
 *
 *   GET|HEAD /feeds/<token>.ics            a feed (ETag, 304, gzip; unknown or revoked token → 404)
 *   GET      /api/v1/items[?filters]       items as in `tracker list --format json`   (Bearer token)
 *   GET      /api/v1/items/<INC-…%23KEY>   one item with its history                   (Bearer token)
 *   POST     /api/v1/items/<INC-…%23KEY>   change status, due or owner                 (read-write token)
 *   GET      /api/v1/incidents             incidents as in `tracker incidents --format json`
 *   GET|POST /act/<action>/<item>/<expiry>/<nonce>/<sig>   action links (actionlink.h): GET confirms only
 *   GET      /metrics                      Prometheus text format 0.0.4
 *   GET      /healthz                      200 "ok" when the database answers
 *   POST     /hooks/git/<source>           a git host's push delivery (http_hooks.c, docs/sync.md)
 *   GET      /                             dashboard (token cookie after /login, or [server] dashboard=open)
 *
 * Threads: http_start() runs libmicrohttpd with its own polling threads (a thread pool, epoll), so the
 * caller's thread — the scheduler loop — is never stalled by a client. The server opens its own
 * connections to the database (a small pool; on SQLite, WAL lets readers run beside a writer) and never
 * uses the caller's. Feeds are rendered once per data change and kept (plain and gzip) in memory; a
 * change is noticed through the store's data version on a watcher connection (any process's commit) or
 * http_notify_data_changed().
 *
 * Logging: one line per failed request (5xx) and, with access_log, per request, through `log`. Tokens
 * never appear: feed requests are logged as "/feeds/#<feed id>", action links without their signature.
 *
 * Lifecycle: zero the struct, http_start(), … , http_stop() (stop accepting, let requests in flight
 * finish for up to 10 s, close). http_stop() on a struct whose start failed is a no-op.
 */
#ifndef SCHEDULER_HTTP_H
#define SCHEDULER_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

struct syncsvc;

struct http_options {
	const char *db_path;      /* the database (required) */
	const struct config *cfg; /* [server] and [store] busy_timeout_ms; copied, need not outlive start */
	const char *listen;   /* overrides [server] listen when set; "HOST:PORT", "[V6]:PORT", port 0 ok */
	const char *instance; /* this instance's name for /metrics (outbox_instance_id); NULL: none; copied */
	unsigned threads;     /* polling threads; 0 = one per CPU, at least 2 */
	bool access_log;      /* log every request, not only failures */
	void (*log)(void *ctx, const char *line); /* NULL: no logging */
	void *log_ctx;
	int64_t (*clock)(void *ctx); /* "now" for overdue and link expiry; NULL: time() */
	void *clock_ctx;
	struct syncsvc *sync; /* the git sources (syncsvc.h) for /hooks/git/ and /metrics; NULL: none */
};

struct http_impl;

struct http_server {
	struct http_impl *impl;
	char address[80]; /* the bound address, "127.0.0.1:43127" (the real port when 0 was asked) */
	unsigned short port;
};

/* Binds, opens the database connections and starts serving. Errors: ERR_CONFIG (bad listen address,
 * base_url or secret file), ERR_IO (cannot bind), ERR_STORE (database). */
/* Checks a listen address (HOST:PORT or [IPV6]:PORT, port 0-65535, 0 = a free one) without binding;
 * `serve --check` uses it. Returns 0 or -1 with an ERR_CONFIG. */
int http_check_listen(const char *listen, struct error *err);
int http_start(struct http_server *h, const struct http_options *o, struct error *err);
/* Tells the server the data changed (cached feeds are rebuilt on their next request). Thread-safe. */
void http_notify_data_changed(struct http_server *h);
/* Stops accepting, waits for requests in flight (at most 10 s), closes everything. */
void http_stop(struct http_server *h);

#endif
