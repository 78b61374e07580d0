/*
 * http_feed.c — GET/HEAD /feeds/<token>.ics: calendar feeds served from an in-memory cache.
 *
 * Each feed that has been asked for has an entry keyed by the SHA-256 of its token. The entry holds
 * ready libmicrohttpd responses — the body, its gzip form, and the two 304 answers — built once and
 * queued as often as asked (responses are reference-counted, so a rebuild never frees bytes a slow
 * client is still reading). An entry is rebuilt when the data generation (store_data_version, see
 * http.c) or the date changed since it was built; a rebuild first re-reads the feed row, so a revoked
 * token stops working at the next request. If the new body is byte-identical (same SHA-256) the old
 * responses and ETag are kept. Entry lookup is a scan with CRYPTO_memcmp over the cached hashes; a
 * miss asks the database by hash (an index lookup). Unknown tokens get the same 404 as unknown paths.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "feeditems.h"
#include "http_internal.h"
#include "model.h"
#include "notify.h"
#include "scope.h"
#include "sha256.h"
#include "tdate.h"
#include "banned.h"

struct feed_entry {
	unsigned char hash[32];
	char hash_hex[65];
	int64_t id;
	pthread_mutex_t lock;
	bool built, dead;
	uint64_t gen;
	int32_t today;
	char sha[65]; /* hex SHA-256 of the plain body: the ETag */
	char last_modified[32];
	int64_t lm; /* Last-Modified, Unix seconds */
	struct MHD_Response *plain, *gz, *nm_plain, *nm_gz;
};

static void entry_drop_responses(struct feed_entry *e)
{
	struct MHD_Response **rs[] = {&e->plain, &e->gz, &e->nm_plain, &e->nm_gz};
	for (size_t i = 0; i < 4; i++) {
		if (*rs[i])
			MHD_destroy_response(*rs[i]);
		*rs[i] = NULL;
	}
	e->built = false;
}

void http_feed_cache_free(struct feed_cache *fc)
{
	for (size_t i = 0; i < fc->n; i++) {
		entry_drop_responses(fc->v[i]);
		pthread_mutex_destroy(&fc->v[i]->lock);
		free(fc->v[i]);
	}
	free(fc->v);
	fc->v = NULL;
	fc->n = fc->cap = 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static void http_date(int64_t t, char out[static 32])
{
	static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int32_t day = time_to_date(t);
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	int64_t sec = t - (int64_t)day * 86400;
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[date_weekday(day)], d, mon[m - 1], y,
		 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

static int gzip_buf(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&z, (uLong)len) + 32;
	unsigned char *o = malloc(bound);
	if (!o) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = o;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(o);
		return -1;
	}
	*out = o;
	return 0;
}

static struct MHD_Response *feed_response(struct feed_entry *e, void *body, size_t len, bool gz)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return NULL;
	char etag[72];
	snprintf(etag, sizeof etag, gz ? "\"%s-gz\"" : "\"%s\"", e->sha);
	http_common_headers(r);
	http_header(r, "Content-Type", "text/calendar; charset=utf-8");
	http_header(r, "ETag", etag);
	http_header(r, "Last-Modified", e->last_modified);
	http_header(r, "Cache-Control", "private, max-age=900");
	http_header(r, "Vary", "Accept-Encoding");
	if (gz)
		http_header(r, "Content-Encoding", "gzip");
	return r;
}

static struct MHD_Response *not_modified(struct feed_entry *e, bool gz)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return NULL;
	char etag[72];
	snprintf(etag, sizeof etag, gz ? "\"%s-gz\"" : "\"%s\"", e->sha);
	http_header(r, "ETag", etag);
	http_header(r, "Last-Modified", e->last_modified);
	http_header(r, "Cache-Control", "private, max-age=900");
	http_header(r, "Vary", "Accept-Encoding");
	return r;
}

/* Renders the feed into fresh responses. 0 ok, 1 the feed is gone (revoked), -1 error, -2 the database
 * failed (503: the old body is not served, it may be stale). */
static int rebuild(struct http_impl *s, struct feed_entry *e, int32_t today)
{
	struct store *st = http_pool_get(s);
	struct feed_row row;
	struct feed_items fi = {0};
	struct buf out;
	struct error err;
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	int rc = -1;
	error_init(&err);
	buf_init(&out, BUF_MAX_DEFAULT);
	int found = feed_lookup_hash(st, e->hash_hex, &row, &err);
	if (found != 0) {
		http_pool_put(s, st);
		if (found < 0)
			http_logf(s, "feed #%lld: %s", (long long)e->id, err.msg);
		return found < 0 ? -2 : found;
	}
	struct scope sc;
	struct item_filter f;
	bool todo = !strcmp(row.flavour, "todo");
	if (scope_parse(row.scope, &sc, &f, &err) < 0)
		goto out;
	if (todo)
		f.statuses = (1u << STATUS_COUNT) - 1;
	if (feed_items_load(st, &f, today, &fi, &err) < 0) {
		rc = -2;
		goto out;
	}
	http_pool_put(s, st);
	st = NULL;
	struct ical_feed feed = {.name = row.name,
				 .flavour = todo ? ICAL_TODOS : ICAL_EVENTS,
				 .base_url = s->base_url,
				 .items = fi.v,
				 .nitems = fi.n};
	if (ical_render(&out, &feed, &err) < 0)
		goto out;
	int64_t lm = 0;
	for (size_t i = 0; i < fi.n; i++)
		if (fi.v[i].updated_at > lm)
			lm = fi.v[i].updated_at;
	if (lm == 0 && row.created_at)
		time_parse(row.created_at, &lm);
	char sha[65];
	notify_sha256_hex(out.data ? out.data : "", out.len, sha, 64);
	e->id = row.id;
	if (e->built && !strcmp(sha, e->sha)) {
		rc = 0; /* same bytes: keep the responses and the ETag */
		goto out;
	}
	if (gzip_buf(out.data ? out.data : "", out.len, &gz, &gzlen) < 0) {
		error_set(&err, ERR_IO, "gzip failed");
		goto out;
	}
	bool had_version = e->built;
	entry_drop_responses(e);
	memcpy(e->sha, sha, sizeof sha);
	/* New bytes get a new Last-Modified, even when no item in the feed changed: an item that left
	 * it (done, out of scope) or the date moving on changes the feed too, and If-Modified-Since is
	 * compared exactly. "When this server first produced these bytes" is never earlier than the
	 * newest item, nor than the previous version's date plus one second. */
	int64_t now = http_now(s);
	if (lm < now)
		lm = now;
	if (had_version && lm <= e->lm)
		lm = e->lm + 1;
	e->lm = lm;
	http_date(lm, e->last_modified);
	size_t plen = out.len;
	char *plain = buf_detach(&out);
	if (!plain)
		plain = strdup("");
	e->plain = feed_response(e, plain, plen, false);
	if (!e->plain)
		free(plain);
	e->gz = feed_response(e, gz, gzlen, true);
	if (!e->gz)
		free(gz);
	gz = NULL;
	e->nm_plain = not_modified(e, false);
	e->nm_gz = not_modified(e, true);
	if (!e->plain || !e->gz || !e->nm_plain || !e->nm_gz) {
		entry_drop_responses(e);
		error_set(&err, ERR_IO, "out of memory");
		goto out;
	}
	e->built = true;
	rc = 0;
out:
	if (rc != 0)
		http_logf(s, "feed #%lld: %s", (long long)row.id, err.msg);
	if (st)
		http_pool_put(s, st);
	free(gz);
	feed_items_release(&fi);
	feed_row_release(&row);
	buf_release(&out);
	return rc;
}

static bool accepts_gzip(const char *ae)
{
	if (!ae)
		return false;
	const char *p = ae;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ',' && *p != ';' && *p != ' ')
			p++;
		size_t n = (size_t)(p - start);
		bool name = (n == 4 && !strncasecmp(start, "gzip", 4)) ||
			    (n == 6 && !strncasecmp(start, "x-gzip", 6));
		bool q0 = false;
		while (*p && *p != ',') {
			if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
				double q = strtod(p + 2, NULL);
				q0 = q <= 0.0;
			}
			p++;
		}
		if (name)
			return !q0;
	}
	return false;
}

static struct feed_entry *find_entry(struct feed_cache *fc, const unsigned char hash[32])
{
	struct feed_entry *found = NULL;
	pthread_rwlock_rdlock(&fc->lock);
	for (size_t i = 0; i < fc->n; i++)
		if (CRYPTO_memcmp(fc->v[i]->hash, hash, 32) == 0)
			found = fc->v[i];
	pthread_rwlock_unlock(&fc->lock);
	return found;
}

static struct feed_entry *add_entry(struct feed_cache *fc, const unsigned char hash[32], const char *hex,
				    int64_t id)
{
	pthread_rwlock_wrlock(&fc->lock);
	struct feed_entry *e = NULL;
	for (size_t i = 0; i < fc->n && !e; i++)
		if (CRYPTO_memcmp(fc->v[i]->hash, hash, 32) == 0)
			e = fc->v[i];
	if (!e && fc->n == fc->cap) {
		size_t nc = fc->cap ? fc->cap * 2 : 16;
		struct feed_entry **nv = realloc(fc->v, nc * sizeof *nv);
		if (nv) {
			fc->v = nv;
			fc->cap = nc;
		}
	}
	if (!e && fc->n < fc->cap && (e = calloc(1, sizeof *e))) {
		memcpy(e->hash, hash, 32);
		memcpy(e->hash_hex, hex, 65);
		e->id = id;
		pthread_mutex_init(&e->lock, NULL);
		fc->v[fc->n++] = e;
	}
	pthread_rwlock_unlock(&fc->lock);
	return e;
}

enum MHD_Result http_feed(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *rest)
{
	snprintf(q->log_path, sizeof q->log_path, "/feeds/(unknown)");
	size_t tlen = strcspn(rest, "./");
	const char *after = rest + tlen;
	bool shape =
	    !strcmp(after, ".ics") || (after[0] == '/' && strlen(after) > 5 &&
				       !strcmp(after + strlen(after) - 4, ".ics") && !strchr(after + 1, '/'));
	if (!shape || !token_well_formed(rest, tlen))
		return http_not_found(s, c, q);
	unsigned char hash[SHA256_BYTES];
	char hex[SHA256_HEX_CHARS + 1];
	sha256_bytes(rest, tlen, hash);
	hex_lower(hash, sizeof hash, hex);
	struct feed_entry *e = find_entry(&s->feeds, hash);
	if (!e) {
		struct store *st = http_pool_get(s);
		struct feed_row row;
		struct error err;
		error_init(&err);
		int rc = feed_lookup_hash(st, hex, &row, &err);
		http_pool_put(s, st);
		if (rc < 0) {
			http_logf(s, "feed lookup: %s", err.msg);
			return http_send(s, c, q, 503, "text/plain; charset=utf-8", "database unavailable\n",
					 21);
		}
		if (rc > 0)
			return http_not_found(s, c, q);
		e = add_entry(&s->feeds, hash, hex, row.id);
		feed_row_release(&row);
		if (!e)
			return http_send(s, c, q, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
	}
	snprintf(q->log_path, sizeof q->log_path, "/feeds/#%lld", (long long)e->id);
	uint64_t gen = http_generation(s);
	/* The data version could not be read (the database is unreachable): a cached body may be stale
	 * (another instance may have changed it), so none is served. */
	if (!atomic_load(&s->watch_ok))
		return http_send(s, c, q, 503, "text/plain; charset=utf-8", "database unavailable\n", 21);
	int32_t today = time_to_date(http_now(s));
	enum MHD_Result ret;
	pthread_mutex_lock(&e->lock);
	if (!e->built || e->dead || e->gen != gen || e->today != today) {
		int rc = rebuild(s, e, today);
		if (rc != 0) {
			if (rc > 0) {
				entry_drop_responses(e);
				e->dead = true;
				e->gen = gen;
				e->today = today;
			}
			pthread_mutex_unlock(&e->lock);
			if (rc > 0)
				return http_not_found(s, c, q);
			if (rc == -2)
				return http_send(s, c, q, 503, "text/plain; charset=utf-8",
						 "database unavailable\n", 21);
			return http_send(s, c, q, 500, "text/plain; charset=utf-8",
					 "cannot render the feed\n", 23);
		}
		e->dead = false;
		e->gen = gen;
		e->today = today;
	}
	bool gz =
	    accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	bool match = false;
	if (inm)
		match = strstr(inm, e->sha) != NULL || !strcmp(inm, "*");
	else {
		const char *ims =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
		match = ims && !strcmp(ims, e->last_modified);
	}
	if (match)
		ret = http_queue(s, c, q, 304, gz ? e->nm_gz : e->nm_plain);
	else
		ret = http_queue(s, c, q, 200, gz ? e->gz : e->plain);
	pthread_mutex_unlock(&e->lock);
	return ret;
}
