/*
 * http.c — the HTTP endpoint's core: starting and stopping libmicrohttpd, the database connection pool,
 * data-change detection, request dispatch, response helpers, authentication and request counters.
 * The routes live in http_feed.c (feeds), http_api.c (JSON API), http_dash.c (dashboard, login),
 * http_pages.c (item and incident pages), http_act.c (action links) and http_metrics.c (/metrics).
 * See http.h for the contract.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_internal.h"
#include "banned.h"

const char *const http_route_names[R_COUNT] = {
    [R_FEED] = "feed",
    [R_API_ITEMS] = "api_items",
    [R_API_ITEM] = "api_item",
    [R_API_INCIDENTS] = "api_incidents",
    [R_ACT] = "act",
    [R_METRICS] = "metrics",
    [R_HEALTHZ] = "healthz",
    [R_DASHBOARD] = "dashboard",
    [R_LOGIN] = "login",
    [R_LOGOUT] = "logout",
    [R_SUBSCRIBE] = "subscribe",
    [R_ITEM_PAGE] = "item_page",
    [R_INCIDENT_PAGE] = "incident_page",
    [R_HOOK] = "hooks",
    [R_OTHER] = "other",
};
const int http_codes[HTTP_NCODES - 1] = HTTP_CODES;

static const char not_found_body[] = "not found\n";

int64_t http_now(struct http_impl *s)
{
	return s->clock ? s->clock(s->clock_ctx) : (int64_t)time(NULL);
}

void http_logf(struct http_impl *s, const char *fmt, ...)
{
	if (!s->log)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	s->log(s->log_ctx, line);
}

/* ---- data change detection -------------------------------------------------------------------- */

uint64_t http_generation(struct http_impl *s)
{
	/* Reading the data version costs a round trip (SQLite: a read transaction, shared-memory locks,
	 * system calls; PostgreSQL: a query): under load, ask at most every WATCH_INTERVAL_NS; changes
	 * made through this server bump the generation themselves, so only other processes' commits wait
	 * for the next look. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (now - atomic_load_explicit(&s->last_watch_ns, memory_order_relaxed) < WATCH_INTERVAL_NS ||
	    pthread_mutex_trylock(&s->watch_lock) != 0)
		return atomic_load(&s->gen);
	atomic_store_explicit(&s->last_watch_ns, now, memory_order_relaxed);
	int64_t v;
	struct error err;
	error_init(&err);
	bool ok = store_data_version(&s->watcher, &v, &err) == 0;
	if (ok && v != s->last_data_version) {
		s->last_data_version = v;
		atomic_fetch_add(&s->gen, 1);
	}
	if (!ok) /* whatever is cached now may be older than the database it cannot see */
		atomic_fetch_add(&s->gen, 1);
	atomic_store(&s->watch_ok, ok);
	pthread_mutex_unlock(&s->watch_lock);
	return atomic_load(&s->gen);
}

void http_notify_data_changed(struct http_server *h)
{
	if (h && h->impl)
		atomic_fetch_add(&h->impl->gen, 1);
}

/* ---- connection pool -------------------------------------------------------------------------- */

struct store *http_pool_get(struct http_impl *s)
{
	struct http_pool *p = &s->pool;
	pthread_mutex_lock(&p->lock);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cond, &p->lock);
	struct store *st = p->free[--p->nfree];
	pthread_mutex_unlock(&p->lock);
	return st;
}

void http_pool_put(struct http_impl *s, struct store *st)
{
	struct http_pool *p = &s->pool;
	store_rollback(st); /* never hand on an open transaction */
	pthread_mutex_lock(&p->lock);
	p->free[p->nfree++] = st;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* ---- responses -------------------------------------------------------------------------------- */

int http_header(struct MHD_Response *r, const char *name, const char *value)
{
	if (strpbrk(value, "\r\n") || strpbrk(name, "\r\n: "))
		return -1;
	return MHD_add_response_header(r, name, value) == MHD_YES ? 0 : -1;
}

void http_common_headers(struct MHD_Response *r)
{
	http_header(r, "X-Content-Type-Options", "nosniff");
	/* same-origin: our own form posts keep their Origin (no-referrer made Chromium send "null"),
	 * and no URL of ours (an action link, a feed page) reaches another site. */
	http_header(r, "Referrer-Policy", "same-origin");
	http_header(
	    r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
}

static void count(struct http_impl *s, enum route r, int status)
{
	size_t i = 0;
	while (i < HTTP_NCODES - 1 && http_codes[i] != status)
		i++;
	atomic_fetch_add_explicit(&s->requests[r][i], 1, memory_order_relaxed);
}

enum MHD_Result http_queue(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			   struct MHD_Response *r)
{
	q->status = status;
	count(s, q->route, status);
	return MHD_queue_response(c, (unsigned)status, r);
}

/* The headers of http_send and http_send_json — with `bearer`, a 401 carries the API's challenge — then
 * queues the response and drops our reference to it. */
static enum MHD_Result send_no_store(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				     const char *ctype, bool bearer, struct MHD_Response *r)
{
	http_common_headers(r);
	http_header(r, "Content-Type", ctype);
	http_header(r, "Cache-Control", "no-store");
	if (bearer && status == 401)
		http_header(r, "WWW-Authenticate", "Bearer realm=\"tracker\"");
	if (status == 503)
		http_header(r, "Retry-After", HTTP_RETRY_AFTER);
	enum MHD_Result ret = http_queue(s, c, q, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result http_send(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			  const char *ctype, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	return send_no_store(s, c, q, status, ctype, false, r);
}

enum MHD_Result http_send_json(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			       json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return http_send(s, c, q, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
	size_t len = strlen(text);
	text[len] = '\0';
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	return send_no_store(s, c, q, status, "application/json", true, r);
}

enum MHD_Result http_json_error(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return http_send_json(s, c, q, status, json_pack("{s:s}", "error", msg));
}

enum MHD_Result http_not_found(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	return http_queue(s, c, q, 404, s->not_found);
}

/* ---- authentication --------------------------------------------------------------------------- */

int http_auth(struct http_impl *s, struct store *st, struct MHD_Connection *c, struct api_token *out)
{
	const char *tok = NULL;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h) {
		if (strncasecmp(h, "Bearer ", 7))
			return 1;
		tok = h + 7;
		while (*tok == ' ')
			tok++;
	}
	if (!tok)
		return 1;
	size_t len = strlen(tok);
	while (len && tok[len - 1] == ' ')
		len--;
	if (!token_well_formed(tok, len))
		return 1;
	struct error err;
	error_init(&err);
	int rc = apitoken_lookup(st, tok, len, out, &err);
	if (rc < 0)
		http_logf(s, "authentication: %s", err.msg);
	if (rc == 0 && apitoken_touch(st, out->id, http_now(s), &err) < 0)
		http_logf(s, "recording a token's use: %s", err.msg); /* not fatal */
	return rc;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

static enum route classify(const char *url)
{
	if (!strncmp(url, "/feeds/", 7))
		return R_FEED;
	if (!strcmp(url, "/api/v1/items"))
		return R_API_ITEMS;
	if (!strncmp(url, "/api/v1/items/", 14))
		return R_API_ITEM;
	if (!strcmp(url, "/api/v1/incidents"))
		return R_API_INCIDENTS;
	if (!strncmp(url, "/act/", 5))
		return R_ACT;
	if (!strcmp(url, "/metrics"))
		return R_METRICS;
	if (!strcmp(url, "/healthz"))
		return R_HEALTHZ;
	if (!strcmp(url, "/"))
		return R_DASHBOARD;
	if (!strcmp(url, "/login"))
		return R_LOGIN;
	if (!strcmp(url, "/logout"))
		return R_LOGOUT;
	if (!strcmp(url, "/subscribe"))
		return R_SUBSCRIBE;
	if (!strncmp(url, "/items/", 7))
		return R_ITEM_PAGE;
	if (!strncmp(url, "/incidents/", 11))
		return R_INCIDENT_PAGE;
	if (!strncmp(url, "/hooks/git/", 11))
		return R_HOOK;
	return R_OTHER;
}

enum MHD_Result http_method_not_allowed(struct http_impl *s, struct MHD_Connection *c, struct req *q,
					const char *allow)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(19, (void *)"method not allowed\n", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	http_common_headers(r);
	http_header(r, "Content-Type", "text/plain; charset=utf-8");
	http_header(r, "Allow", allow);
	enum MHD_Result ret = http_queue(s, c, q, 405, r);
	MHD_destroy_response(r);
	return ret;
}

/* /healthz runs on the watcher connection (read-only; on SQLite in WAL a reader never waits for the
 * write lock), not on the pool, so that it answers while every pooled connection is busy. */
int http_db_health(struct http_impl *s, bool *writable, struct error *err)
{
	pthread_mutex_lock(&s->watch_lock);
	int rc = store_health(&s->watcher, writable, err);
	bool lost = rc < 0 && store_unreachable(&s->watcher);
	pthread_mutex_unlock(&s->watch_lock);
	return rc < 0 ? (lost ? -2 : -1) : 0;
}

/* 200 "ENGINE writable" when this instance can write to its database; 503 otherwise, saying why. A
 * lost database is logged by the service once per outage (listener.h), not here per probe. */
static enum MHD_Result healthz(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	struct error err;
	error_init(&err);
	bool writable;
	int rc = http_db_health(s, &writable, &err);
	const char *engine = store_engine(&s->watcher) == DB_POSTGRESQL ? "postgresql" : "sqlite";
	char body[64];
	int n;
	if (rc == 0 && writable) {
		n = snprintf(body, sizeof body, "%s writable\n", engine);
		return http_send(s, c, q, 200, "text/plain; charset=utf-8", body, (size_t)n);
	}
	if (rc == -1)
		http_logf(s, "healthz: %s", err.msg);
	n = snprintf(body, sizeof body, rc == 0 ? "%s read-only\n" : "%s unreachable\n", engine);
	return http_send(s, c, q, 503, "text/plain; charset=utf-8", body, (size_t)n);
}

static enum MHD_Result dispatch(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *url,
				const char *method)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool post = !strcmp(method, "POST");
	switch (q->route) {
	case R_FEED:
		if (!get)
			return http_method_not_allowed(s, c, q, "GET, HEAD");
		return http_feed(s, c, q, url + 7);
	case R_API_ITEMS:
	case R_API_ITEM:
	case R_API_INCIDENTS:
		return http_api(s, c, q, method, url);
	case R_ACT:
		if (!get && !post)
			return http_method_not_allowed(s, c, q, "GET, HEAD, POST");
		return http_act(s, c, q, method, url + 5);
	case R_METRICS:
		if (!get)
			return http_method_not_allowed(s, c, q, "GET, HEAD");
		return http_metrics(s, c, q);
	case R_HEALTHZ:
		if (!get)
			return http_method_not_allowed(s, c, q, "GET, HEAD");
		return healthz(s, c, q);
	case R_DASHBOARD:
	case R_LOGIN:
	case R_LOGOUT:
	case R_SUBSCRIBE:
		return http_dashboard(s, c, q, method, url);
	case R_ITEM_PAGE:
	case R_INCIDENT_PAGE:
		return http_pages(s, c, q, method, url);
	case R_HOOK:
		return http_hooks(s, c, q, method, url + 11);
	case R_OTHER:
	case R_COUNT:
		break;
	}
	return http_not_found(s, c, q);
}

static long body_cap(const struct http_impl *s, const struct req *q)
{
	return q->route == R_HOOK && s->max_request_size < HTTP_HOOK_MAX_BODY ? HTTP_HOOK_MAX_BODY
									      : s->max_request_size;
}

static enum MHD_Result too_large(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	if (q->route == R_HOOK)
		return http_json_error(s, c, q, 413, "push delivery larger than %ld bytes", body_cap(s, q));
	return http_json_error(s, c, q, 413, "request body larger than %ld bytes ([server] max_request_size)",
			       s->max_request_size);
}

/* Behind a reverse proxy at base_url's path (https://intranet.example/tracker/), the proxy may pass
 * the prefix on or strip it: both work, the routes see the path after it. */
static const char *strip_prefix(const struct http_impl *s, const char *url)
{
	size_t n = s->prefix ? strlen(s->prefix) : 0;
	if (n && !strncmp(url, s->prefix, n) && (url[n] == '/' || url[n] == '\0'))
		return url[n] ? url + n : "/";
	return url;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload_data, size_t *upload_data_size,
			       void **con_cls)
{
	(void)version;
	struct http_impl *s = cls;
	struct req *q = *con_cls;
	url = strip_prefix(s, url);
	if (!q) {
		q = calloc(1, sizeof *q);
		if (!q)
			return MHD_NO;
		*con_cls = q;
		atomic_fetch_add(&s->in_flight, 1);
		q->route = classify(url);
		buf_init(&q->body, (size_t)body_cap(s, q));
		if (q->route == R_OTHER)
			snprintf(q->log_path, sizeof q->log_path, "(unknown path)");
		else if (q->route == R_FEED)
			snprintf(q->log_path, sizeof q->log_path, "/feeds/(unknown)");
		else if (q->route == R_ACT)
			snprintf(q->log_path, sizeof q->log_path, "/act/(bad link)");
		else
			snprintf(q->log_path, sizeof q->log_path, "%s", url);

		if (!strcmp(method, "POST")) {
			const char *cl =
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (cl) {
				char *end;
				errno = 0;
				unsigned long long n = strtoull(cl, &end, 10);
				if (errno || *end || n > (unsigned long long)body_cap(s, q))
					return too_large(s, c, q);
			}
			return MHD_YES; /* the body comes in the next calls */
		}
		/* Answer on the next call: a response queued before MHD has the whole request closes the
		 * connection after it (no keep-alive). */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!q->too_large && buf_add(&q->body, upload_data, *upload_data_size) < 0)
			q->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (q->too_large)
		return too_large(s, c, q);
	if (q->route != R_HEALTHZ && !http_host_ok(s, c)) {
		const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		char msg[400];
		int n = snprintf(msg, sizeof msg,
				 "Host \"%.200s\" is not a name of this server: use its address, or the "
				 "host of [server] base_url\n",
				 host ? host : "");
		return http_send(s, c, q, 400, "text/plain; charset=utf-8", msg,
				 n < 0                    ? 0
				 : (size_t)n < sizeof msg ? (size_t)n
							  : sizeof msg - 1);
	}
	return dispatch(s, c, q, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)c;
	(void)toe;
	struct http_impl *s = cls;
	struct req *q = *con_cls;
	if (!q)
		return;
	if (s->log && (s->access_log || q->status >= 500 || q->status == 0))
		http_logf(s, "%s %s %d", http_route_names[q->route], q->log_path, q->status);
	buf_release(&q->body);
	free(q);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

/* libmicrohttpd's own messages may quote the request's URL: cut every path after /feeds/ or /act/ so
 * that no token or link signature reaches the log. */
static void redact(char *line)
{
	static const char *const marks[] = {"/feeds/", "/act/", "/login"};
	for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
		char *p = line;
		while ((p = strstr(p, marks[m]))) {
			p += strlen(marks[m]);
			char *end = p + strcspn(p, "' \"`");
			if (end > p) {
				memmove(p + 3, end, strlen(end) + 1);
				memcpy(p, "...", 3);
			}
		}
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_impl *s = cls;
	char line[1024];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	redact(line);
	http_logf(s, "libmicrohttpd: %s", line);
}

/* ---- start and stop --------------------------------------------------------------------------- */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
			struct error *err)
{
	char host[256], port[16];
	const char *colon;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
			goto bad;
		memcpy(host, listen + 1, (size_t)(close - listen - 1));
		host[close - listen - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof host)
			goto bad;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		goto bad;
	/* getaddrinfo() would take 70000 as 70000 mod 65536 = 4464: check the range ourselves. */
	if (strtol(colon + 1, NULL, 10) > 65535)
		return error_set(err, ERR_CONFIG,
				 "[server] listen \"%s\": port %s is not in 1-65535 (0 picks a free port)",
				 listen, colon + 1);
	snprintf(port, sizeof port, "%s", colon + 1);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
			*res = NULL;
	int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (gai != 0 || !res) {
		error_set(err, ERR_CONFIG, "[server] listen \"%s\": %s", listen, gai_strerror(gai));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
bad:
	return error_set(err, ERR_CONFIG,
			 "[server] listen \"%s\": write HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8080",
			 listen);
}

int http_check_listen(const char *listen, struct error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	bool v6;
	return parse_listen(listen, &ss, &len, &v6, err);
}

/* Why MHD could not listen: bind the address once more ourselves and name the errno. */
static void bind_problem(const struct sockaddr_storage *ss, socklen_t sslen, const char *where,
			 struct error *err)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0, one = 1;
	if (fd < 0)
		e = errno;
	else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
		 bind(fd, (const struct sockaddr *)ss, sslen) < 0 || listen(fd, 1) < 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e == EADDRINUSE)
		error_set(err, ERR_IO,
			  "cannot listen on %s: address in use (another process listens there; another "
			  "tracker serve or http?)",
			  where);
	else if (e)
		error_set(err, ERR_IO, "cannot listen on %s: %s", where, strerror(e));
	else
		error_set(err, ERR_IO, "cannot listen on %s (see the libmicrohttpd message above)", where);
}

static int check_base_url(const char *u, struct error *err)
{
	if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
		return error_set(err, ERR_CONFIG,
				 "[server] base_url \"%s\" must start with http:// or https://", u);
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
			return error_set(err, ERR_CONFIG,
					 "[server] base_url must not hold spaces, quotes or "
					 "control characters");
	return 0;
}

/* base_url's parts: the path prefix the pages link under, and (when base_url was configured) the
 * origin a browser's form posts carry and the host name a request's Host header may use. */
static int split_base_url(struct http_impl *s, bool configured)
{
	const char *u = s->base_url ? s->base_url : "";
	const char *auth = strstr(u, "://");
	auth = auth ? auth + 3 : u;
	size_t alen = strcspn(auth, "/?#");
	const char *path = auth + alen;
	size_t plen = strcspn(path, "?#");
	while (plen && path[plen - 1] == '/')
		plen--;
	s->prefix = strndup(path, plen);
	if (!s->prefix)
		return -1;
	if (!configured)
		return 0;
	s->base_origin = strndup(u, (size_t)(auth - u) + alen);
	s->base_host = strndup(auth, alen);
	if (!s->base_origin || !s->base_host)
		return -1;
	for (char *p = s->base_host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

static void impl_free(struct http_impl *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->pool.n; i++)
		store_close(&s->pool.all[i]);
	free(s->pool.all);
	free(s->pool.free);
	store_close(&s->watcher);
	http_feed_cache_free(&s->feeds);
	if (s->not_found)
		MHD_destroy_response(s->not_found);
	action_secret_wipe(&s->secret);
	free(s->db_path);
	free(s->instance);
	free(s->base_url);
	free(s->prefix);
	free(s->base_origin);
	free(s->base_host);
	pthread_mutex_destroy(&s->pool.lock);
	pthread_cond_destroy(&s->pool.cond);
	pthread_mutex_destroy(&s->watch_lock);
	pthread_rwlock_destroy(&s->feeds.lock);
	free(s);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The busy handler on the pooled connections (store_set_busy_handler): wait for the write lock in 5 ms steps
 * up to [server] busy_timeout_ms, then give up (the request is answered 503 with Retry-After). Once a request
 * gave up, a write that finds the lock held within BUSY_FAST_FAIL_MS (the Retry-After) gives up at once
 * instead of waiting out the timeout again: the lock is known to be held, and waiting writes occupy the
 * workers that also serve /healthz and the feeds. The engine calls this only after a failed attempt, so a
 * write after the lock was released is not refused. */
#define BUSY_FAST_FAIL_MS 1000
static int busy_wait(void *ctx, int n)
{
	struct http_impl *s = ctx;
	int64_t now = mono_ms();
	if (n == 0 && now - atomic_load(&s->busy_gave_up_ms) < BUSY_FAST_FAIL_MS)
		return 0;
	if ((long)n * 5 >= s->busy_ms) {
		atomic_store(&s->busy_gave_up_ms, now);
		return 0;
	}
	struct timespec ts = {0, 5 * 1000 * 1000};
	nanosleep(&ts, NULL);
	return 1;
}

/* The connection limit must fit the open-file limit (each connection is a descriptor; 64 are kept
 * for the database, logs and mail): raise the soft limit towards the hard one, else lower `limit`. */
static unsigned fd_budget(struct http_impl *s, unsigned limit)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return limit;
	rlim_t want = (rlim_t)limit + 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		unsigned fit = rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur - 64) : 64;
		http_logf(s, "[server] max_connections %u lowered to %u: the open-file limit is %llu", limit,
			  fit, (unsigned long long)rl.rlim_cur);
		return fit;
	}
	return limit;
}

int http_start(struct http_server *h, const struct http_options *o, struct error *err)
{
	const struct config *cfg = o->cfg;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	bool v6 = false;
	char *secret_path = NULL;
	memset(h, 0, sizeof *h);
	const char *listen = o->listen            ? o->listen
			     : cfg->server_listen ? cfg->server_listen
						  : "127.0.0.1:8080";
	if (parse_listen(listen, &ss, &sslen, &v6, err) < 0)
		return -1;
	if (cfg->server_base_url && *cfg->server_base_url && check_base_url(cfg->server_base_url, err) < 0)
		return -1;
	struct http_impl *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	pthread_mutex_init(&s->pool.lock, NULL);
	pthread_cond_init(&s->pool.cond, NULL);
	pthread_mutex_init(&s->watch_lock, NULL);
	pthread_rwlock_init(&s->feeds.lock, NULL);
	s->db_path = strdup(o->db_path);
	s->instance = o->instance ? strdup(o->instance) : NULL;
	s->dashboard_open = cfg->server_dashboard && !strcmp(cfg->server_dashboard, "open");
	s->max_request_size = cfg->server_max_request_size > 0 ? cfg->server_max_request_size : 65536;
	s->access_log = o->access_log;
	s->log = o->log;
	s->log_ctx = o->log_ctx;
	s->clock = o->clock;
	s->clock_ctx = o->clock_ctx;
	s->sync = o->sync;
	s->not_found = MHD_create_response_from_buffer(sizeof not_found_body - 1, (void *)not_found_body,
						       MHD_RESPMEM_PERSISTENT);
	if (!s->db_path || !s->not_found) {
		error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	http_common_headers(s->not_found);
	http_header(s->not_found, "Content-Type", "text/plain; charset=utf-8");
	http_header(s->not_found, "Cache-Control", "no-store");

	/* The secret for action links. */
	secret_path = action_secret_path(cfg->server_secret_file, o->db_path);
	if (!secret_path || action_secret_load(secret_path, &s->secret, err) < 0)
		goto fail;

	/* Connections: opened with the [store] busy timeout (the first one is writable and may apply
	 * migrations), then given the short [server] busy_timeout_ms: a request that needs the write lock
	 * while another process holds it waits that long at most and is answered 503 with Retry-After,
	 * because a libmicrohttpd worker serves all its connections one after the other — a request
	 * waiting 5 s for the lock would stall every client on that worker, /healthz included. */
	long busy = cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : 5000;
	s->busy_ms = cfg->server_busy_timeout_ms > 0 ? cfg->server_busy_timeout_ms : 100;
	unsigned threads = o->threads;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 2 ? 2 : n > 16 ? 16 : (unsigned)n;
	}
	s->pool.n = threads + 2;
	s->pool.all = calloc(s->pool.n, sizeof *s->pool.all);
	s->pool.free = calloc(s->pool.n, sizeof *s->pool.free);
	if (!s->pool.all || !s->pool.free) {
		error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	/* A first connection applies any migrations, waiting the [store] timeout for the write lock;
	 * the pool's connections then wait for it the server's way (busy_wait). */
	struct store first;
	if (store_open(&first, o->db_path, 0, busy, err) < 0)
		goto fail;
	store_close(&first);
	for (size_t i = 0; i < s->pool.n; i++) {
		if (store_open(&s->pool.all[i], o->db_path, 0, s->busy_ms, err) < 0) {
			s->pool.n = i;
			goto fail;
		}
		store_set_busy_handler(&s->pool.all[i], busy_wait, s);
		s->pool.free[s->pool.nfree++] = &s->pool.all[i];
	}
	if (store_open(&s->watcher, o->db_path, STORE_READONLY, s->busy_ms, err) < 0)
		goto fail;
	s->last_data_version = -1;
	http_generation(s);

	/* No MHD_USE_TURBO: with it, libmicrohttpd 0.9.75 (epoll, thread pool) stops serving a worker
	 * that reached its share of the connection limit — connections its clients closed stay in
	 * CLOSE-WAIT and the listening socket is not polled until the connection timeout, so after a
	 * burst of 200 connections (256 / 2 workers = 128 each) the server answered nothing for 25-30 s
	 * (docs/performance.md, "Bursts and slow clients"). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 (v6 ? MHD_USE_IPv6 : 0);
	unsigned limit = cfg->server_max_connections > 0 ? (unsigned)cfg->server_max_connections : 1024;
	unsigned per_ip =
	    cfg->server_max_connections_per_ip > 0 ? (unsigned)cfg->server_max_connections_per_ip : 256;
	unsigned timeout = cfg->server_connection_timeout > 0 ? (unsigned)cfg->server_connection_timeout : 30;
	limit = fd_budget(s, limit);
	if (limit < threads)
		threads = limit;
	s->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, limit,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_END);
	/* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it sets SO_REUSEPORT, and a second tracker would then
	 * share the port silently. MHD's default (SO_REUSEADDR only) still rebinds over TIME_WAIT. */
	if (!s->d) {
		bind_problem(&ss, sslen, listen, err);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	char hostbuf[INET6_ADDRSTRLEN] = "";
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, hostbuf, sizeof hostbuf);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, hostbuf, sizeof hostbuf);
	snprintf(h->address, sizeof h->address, v6 ? "[%s]:%u" : "%s:%u", hostbuf, (unsigned)h->port);
	bool any = v6 ? IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr)
		      : ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (any && s->dashboard_open)
		http_logf(s,
			  "warning: listening on every interface (%s) with [server] dashboard = open: anyone "
			  "who can reach this host can read and change items; listen on 127.0.0.1 (behind a "
			  "proxy) or use dashboard = token",
			  h->address);
	if (cfg->server_base_url && *cfg->server_base_url) {
		s->base_url = strdup(cfg->server_base_url);
		size_t n = s->base_url ? strlen(s->base_url) : 0;
		while (n && s->base_url[n - 1] == '/')
			s->base_url[--n] = '\0';
	} else {
		struct buf b;
		buf_init(&b, 256);
		buf_printf(&b, "http://%s", h->address);
		s->base_url = buf_detach(&b);
	}
	s->secure_cookie = s->base_url && !strncmp(s->base_url, "https://", 8);
	if (split_base_url(s, cfg->server_base_url && *cfg->server_base_url) < 0) {
		error_set(err, ERR_IO, "out of memory");
		goto fail;
	}
	free(secret_path);
	h->impl = s;
	return 0;
fail:
	free(secret_path);
	if (s->d)
		MHD_stop_daemon(s->d);
	impl_free(s);
	return -1;
}

void http_stop(struct http_server *h)
{
	struct http_impl *s = h ? h->impl : NULL;
	if (!s)
		return;
	MHD_socket ls = MHD_quiesce_daemon(s->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	for (int i = 0; i < 1000 && atomic_load(&s->in_flight) > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(s->d);
	impl_free(s);
	h->impl = NULL;
}
