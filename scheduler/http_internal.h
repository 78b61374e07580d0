/*
 * http_internal — what the parts of the HTTP endpoint share (scheduler/http*.c); not a public API.
 */
#ifndef SCHEDULER_HTTP_INTERNAL_H
#define SCHEDULER_HTTP_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "actionlink.h"
#include "buf.h"
#include "error.h"
#include "http.h"
#include "store.h"
#include "tokens.h"

enum route {
	R_FEED = 0,
	R_API_ITEMS,
	R_API_ITEM,
	R_API_INCIDENTS,
	R_ACT,
	R_METRICS,
	R_HEALTHZ,
	R_DASHBOARD,
	R_LOGIN,
	R_LOGOUT,
	R_SUBSCRIBE,
	R_OTHER,
	R_COUNT
};

/* The status codes counted per route in /metrics (others count as "other"). */
#define HTTP_CODES                                                                                           \
	{                                                                                                    \
		200, 303, 304, 400, 401, 403, 404, 405, 409, 410, 413, 500, 503                              \
	}
#define HTTP_NCODES 14 /* 13 codes + other */

/* How often PRAGMA data_version is asked, at most: another process's commit is seen within this. */
#define WATCH_INTERVAL_NS (100 * 1000 * 1000)
/* Seconds a client is told to wait after a 503 (the database was busy: another process writes). */
#define HTTP_RETRY_AFTER "1"

struct http_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct store *all;
	struct store **free;
	size_t n, nfree;
};

struct feed_entry;

struct feed_cache {
	pthread_rwlock_t lock;
	struct feed_entry **v;
	size_t n, cap;
};

struct http_impl {
	struct MHD_Daemon *d;
	struct http_pool pool;
	struct feed_cache feeds;
	/* data change detection */
	pthread_mutex_t watch_lock;
	struct store watcher;
	sqlite3_stmt *data_version;
	int64_t last_data_version;
	atomic_uint_fast64_t gen;
	atomic_int_fast64_t last_watch_ns; /* CLOCK_MONOTONIC of the last data_version look */
	/* settings (copied) */
	char *db_path, *base_url;
	bool dashboard_open, secure_cookie;
	long max_request_size;
	long busy_ms;                        /* [server] busy_timeout_ms */
	atomic_int_fast64_t busy_gave_up_ms; /* CLOCK_MONOTONIC ms when a write last gave up waiting */
	struct action_secret secret;
	bool access_log;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	int64_t (*clock)(void *ctx);
	void *clock_ctx;
	/* metrics */
	atomic_uint_fast64_t requests[R_COUNT][HTTP_NCODES];
	atomic_int in_flight;
	struct MHD_Response *not_found; /* shared 404 body */
};

/* One request's state (MHD's con_cls). */
struct req {
	enum route route;
	int status;
	bool too_large;
	struct buf body;
	char log_path[160];
};

extern const char *const http_route_names[R_COUNT];
extern const int http_codes[HTTP_NCODES - 1];

int64_t http_now(struct http_impl *s);
/* The current data generation (checks PRAGMA data_version on the watcher connection). */
uint64_t http_generation(struct http_impl *s);

struct store *http_pool_get(struct http_impl *s);
void http_pool_put(struct http_impl *s, struct store *st);

void http_logf(struct http_impl *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds the security headers every response carries. */
void http_common_headers(struct MHD_Response *r);
/* Adds a header; refuses (returns -1) values holding CR, LF or NUL. */
int http_header(struct MHD_Response *r, const char *name, const char *value);
/* Queues `r` (the caller keeps its reference) and counts it. */
enum MHD_Result http_queue(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			   struct MHD_Response *r);
/* Queues a copied body with a content type (and Cache-Control: no-store). */
enum MHD_Result http_send(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			  const char *ctype, const char *body, size_t len);
/* {"error": msg} with `status`; 401 adds WWW-Authenticate: Bearer. */
enum MHD_Result http_json_error(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				const char *fmt, ...) __attribute__((format(printf, 5, 6)));
enum MHD_Result http_not_found(struct http_impl *s, struct MHD_Connection *c, struct req *q);
/* A JSON value as the body (consumes j). */
enum MHD_Result http_send_json(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			       json_t *j);

/* Authentication: the API token from "Authorization: Bearer …" or the dashboard cookie.
 * 0 found, 1 none or bad, -1 database error. */
int http_auth(struct http_impl *s, struct store *st, struct MHD_Connection *c, bool allow_cookie,
	      struct api_token *out);

/* The row id of "INC-…#KEY" (exact match), 0 when there is none, -1 on a database error. */
int64_t http_find_item(struct store *st, const char *ref);

/* HTML helpers (http_dash.c). */
int html_esc(struct buf *b, const char *s);
int html_page_start(struct buf *b, const char *title);
int html_page_end(struct buf *b);

/* Route handlers. `rest` is the path after the route prefix. */
enum MHD_Result http_feed(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *rest);
void http_feed_cache_free(struct feed_cache *fc);
enum MHD_Result http_api(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *path);
enum MHD_Result http_metrics(struct http_impl *s, struct MHD_Connection *c, struct req *q);
enum MHD_Result http_dashboard(struct http_impl *s, struct MHD_Connection *c, struct req *q,
			       const char *method, const char *path);
enum MHD_Result http_act(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *rest);

#endif
