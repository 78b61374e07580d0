/*
 * http_internal — what the parts of the HTTP endpoint share (scheduler/http/http*.c); not a public API.
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
#include "report.h"
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
	R_ITEM_PAGE,
	R_INCIDENT_PAGE,
	R_HOOK,
	R_OTHER,
	R_COUNT
};

/* The status codes counted per route in /metrics (others count as "other"). */
#define HTTP_CODES                                                                                           \
	{                                                                                                    \
		200, 202, 303, 304, 400, 401, 403, 404, 405, 409, 410, 413, 500, 503                         \
	}
#define HTTP_NCODES 15 /* 14 codes + other */

/* The body a push delivery may have (POST /hooks/git/NAME), whatever [server] max_request_size says:
 * a git host's push payload lists the pushed commits. */
#define HTTP_HOOK_MAX_BODY (1024 * 1024)

/* How often the data version (store_data_version) is asked, at most: another process's commit is seen within
 * this. */
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
	struct store watcher; /* read-only: the data version and /healthz, under watch_lock */
	int64_t last_data_version;
	atomic_uint_fast64_t gen;
	atomic_int_fast64_t last_watch_ns; /* CLOCK_MONOTONIC of the last data_version look */
	atomic_bool watch_ok;              /* that look succeeded (else feeds answer 503) */
	/* settings (copied) */
	char *db_path, *base_url;
	char *instance;    /* this instance's name (/metrics), NULL when not given */
	char *prefix;      /* base_url's path without the trailing slash: "" or e.g. "/tracker" */
	char *base_origin; /* "https://intranet.example" when base_url is set, else NULL */
	char *base_host;   /* base_url's host[:port], lowercase, when set, else NULL */
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
	struct syncsvc *sync; /* borrowed; may be NULL */
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
/* The current data generation (checks store_data_version() on the watcher connection). */
uint64_t http_generation(struct http_impl *s);

/* The database's health on the watcher connection (store_health): 0 with *writable, -2 unreachable,
 * -1 another error (err). */
int http_db_health(struct http_impl *s, bool *writable, struct error *err);

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

/* Authentication of the API: the token from "Authorization: Bearer …" (never a cookie).
 * 0 found, 1 none or bad, -1 database error. */
int http_auth(struct http_impl *s, struct store *st, struct MHD_Connection *c, struct api_token *out);

/* ---- pages: who is looking, CSRF, Host and Origin (http_auth.c) ----
 * A signed-in browser holds the cookie tracker_session (a session id, tokens.h sessions); every form
 * carries a CSRF token, HMAC(server secret, session id), in its "csrf" field. Before sign-in (the
 * login form, an open dashboard) the CSRF token is bound instead to a random tracker_csrf cookie
 * (double submit, signed). Both cookies are HttpOnly, SameSite=Strict, Path=<prefix>/, Secure on https.
 * A POST passes when its Origin, if sent, names this site, and its csrf field matches. */
struct http_viewer {
	struct api_token tok; /* the session's API token, when signed_in */
	bool signed_in;
	bool can_write;                  /* a read-write token, or the open dashboard */
	char sid[TOKEN_CHARS + 1];       /* the session id from the cookie, when signed_in */
	char csrf[ACTION_SIG_CHARS + 1]; /* the form token for this browser ("" if it has no cookie yet) */
	char set_cookie[200];            /* a CSRF cookie to set with the page, or "" */
};
/* Reads the cookies of a page request. 0, or -1 on a database error (logged). */
int http_viewer_get(struct http_impl *s, struct store *st, struct MHD_Connection *c, struct http_viewer *v);
void http_viewer_release(struct http_viewer *v);
/* True when the request's Origin header is absent or names this site ("null" does not). */
bool http_origin_ok(struct http_impl *s, struct MHD_Connection *c);
/* True for a POST from one of our forms: http_origin_ok() and the csrf field matches. */
bool http_form_ok(struct http_impl *s, struct MHD_Connection *c, const struct req *q,
		  const struct http_viewer *v);
/* True when the Host header names this server (see docs/dashboard.md: DNS rebinding). */
bool http_host_ok(struct http_impl *s, struct MHD_Connection *c);
/* The decoded value of a form field (application/x-www-form-urlencoded); false if absent. */
bool http_form_get(const struct buf *body, const char *name, char *out, size_t outsz);
/* Percent-encodes `v` for a URL path segment or query value. */
int http_pct(struct buf *b, const char *v);
/* Percent-encodes a decoded path segment by segment, keeping its '/'. */
int http_pct_path(struct buf *b, const char *path);
/* Appends prefix + path, HTML-escaped (for href and action attributes). */
int html_href(struct buf *b, struct http_impl *s, const char *path);
/* prefix/items/<incident>%23<key> and prefix/incidents/<id>, HTML-escaped. */
int html_item_href(struct buf *b, struct http_impl *s, const char *incident, const char *key);
int html_incident_href(struct buf *b, struct http_impl *s, const char *incident);
/* <input type=hidden name=csrf …>. */
int html_csrf_field(struct buf *b, const struct http_viewer *v);
/* Sends an HTML page; sets v->set_cookie (if any) and `cookie` (may be NULL). */
enum MHD_Result http_html(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			  struct buf *b, const struct http_viewer *v, const char *cookie);
/* 303 to prefix + path (a site path starting with "/"), with an optional Set-Cookie. */
enum MHD_Result http_redirect(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *path,
			      const char *cookie);
/* 303 to the login page, asking it to come back to `path` (a decoded site path) afterwards. */
enum MHD_Result http_to_login(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *path);
/* A short page with a message (escaped) and a link back to the dashboard. */
enum MHD_Result http_message_page(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				  const char *title, const char *msg);
/* 405 with an Allow header. */
enum MHD_Result http_method_not_allowed(struct http_impl *s, struct MHD_Connection *c, struct req *q,
					const char *allow);

/* The row id of "INC-…#KEY" (exact match), 0 when there is none, -1 on a database error. */
int64_t http_find_item(struct store *st, const char *ref);

/* HTML helpers (http_dash.c). */
int html_esc(struct buf *b, const char *s);
int html_page_start(struct buf *b, const char *title);
int html_page_end(struct buf *b);
/* One Review checklist line: ✓, or ✗ with links to the items that block it (report.h holds the rule). */
int html_checklist_line(struct buf *b, struct http_impl *s, const char *incident,
			const struct report_line *l);
/* " snoozed until DATE" in a span of class snz (with the element id `id`, or none when NULL) when an item
 * snoozed until `snoozed_until` (YYYY-MM-DD, or NULL) is still snoozed on `today`; nothing otherwise. */
int html_snoozed(struct buf *b, const char *snoozed_until, const char *today, const char *id);
/* The page header: title, a link to the dashboard, who is signed in and a sign-out button. */
int html_header(struct buf *b, struct http_impl *s, const char *title, const struct http_viewer *v);

/* Route handlers. `rest` is the path after the route prefix. */
enum MHD_Result http_feed(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *rest);
void http_feed_cache_free(struct feed_cache *fc);
enum MHD_Result http_api(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *path);
enum MHD_Result http_metrics(struct http_impl *s, struct MHD_Connection *c, struct req *q);
enum MHD_Result http_dashboard(struct http_impl *s, struct MHD_Connection *c, struct req *q,
			       const char *method, const char *path);
enum MHD_Result http_pages(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			   const char *path);
/* POST /hooks/git/<source> (http_hooks.c); `name` is the path after /hooks/git/. */
enum MHD_Result http_hooks(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			   const char *name);
/* The action-link pages (http_act.c). */
enum MHD_Result http_act(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *rest);

#endif
