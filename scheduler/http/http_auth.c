/*
 * http_auth.c — what the server-rendered pages share: who is looking (the session cookie), CSRF
 * tokens, the Origin and Host checks, form bodies, links under base_url's path prefix, HTML responses
 * and redirects. The design and its reasons are in docs/dashboard.md.
 *
 * Sessions: signing in with an API token makes a session (tokens.h); the cookie tracker_session holds
 * its random id, never the API token. CSRF: each form carries "csrf" = HMAC(server secret, "csrf",
 * session id); before sign-in (the login form, an open dashboard) the MAC is over a random
 * tracker_csrf cookie instead (a signed double-submit cookie). A page on another origin can make the
 * browser post, and on the same host name (another port) even with our SameSite=Strict cookies, but it
 * cannot read our pages, so it cannot know the field's value. Origin is checked as well when sent.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "banned.h"

#define SESSION_COOKIE "tracker_session"
#define CSRF_COOKIE "tracker_csrf"

/* ---- who is looking --------------------------------------------------------------------------- */

int http_viewer_get(struct http_impl *s, struct store *st, struct MHD_Connection *c, struct http_viewer *v)
{
	memset(v, 0, sizeof *v);
	struct error err;
	error_init(&err);
	const char *sid = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SESSION_COOKIE);
	if (sid) {
		int rc = session_lookup(st, sid, strlen(sid), http_now(s), &v->tok, &err);
		if (rc < 0) {
			http_logf(s, "dashboard session: %s", err.msg);
			return -1;
		}
		if (rc == 0) {
			v->signed_in = true;
			v->can_write = !v->tok.read_only;
			snprintf(v->sid, sizeof v->sid, "%s", sid);
			action_secret_mac(&s->secret, "csrf", sid, v->csrf);
			if (apitoken_touch(st, v->tok.id, http_now(s), &err) < 0)
				http_logf(s, "recording a token's use: %s", err.msg); /* not fatal */
			return 0;
		}
	}
	v->can_write = s->dashboard_open;
	const char *pre = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, CSRF_COOKIE);
	if (pre && token_well_formed(pre, strlen(pre))) {
		action_secret_mac(&s->secret, "csrf", pre, v->csrf);
		return 0;
	}
	/* No CSRF cookie yet: give one with this page; its forms carry the matching token. */
	char fresh[TOKEN_CHARS + 1];
	if (token_generate(fresh, &err) < 0) {
		http_logf(s, "dashboard: %s", err.msg);
		return -1;
	}
	action_secret_mac(&s->secret, "csrf", fresh, v->csrf);
	snprintf(v->set_cookie, sizeof v->set_cookie,
		 CSRF_COOKIE "=%s; Path=%s/; HttpOnly; SameSite=Strict%s", fresh, s->prefix,
		 s->secure_cookie ? "; Secure" : "");
	return 0;
}

void http_viewer_release(struct http_viewer *v)
{
	apitoken_release(&v->tok);
	OPENSSL_cleanse(v, sizeof *v);
}

/* ---- Origin, Host, CSRF ----------------------------------------------------------------------- */

bool http_origin_ok(struct http_impl *s, struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return true; /* an old browser or a non-browser client: the CSRF token decides */
	if (s->base_origin && !strcasecmp(origin, s->base_origin))
		return true;
	/* Direct access (no proxy): the origin is the Host the browser used, which passed http_host_ok(). */
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *o = !strncmp(origin, "http://", 7)    ? origin + 7
			: !strncmp(origin, "https://", 8) ? origin + 8
							  : NULL;
	return host && o && !strcasecmp(o, host);
}

bool http_form_ok(struct http_impl *s, struct MHD_Connection *c, const struct req *q,
		  const struct http_viewer *v)
{
	char got[ACTION_SIG_CHARS + 8];
	if (!http_origin_ok(s, c) || !v->csrf[0] || v->set_cookie[0])
		return false; /* no CSRF cookie came with the request: the form cannot be ours */
	if (!http_form_get(&q->body, "csrf", got, sizeof got) || strlen(got) != ACTION_SIG_CHARS)
		return false;
	return CRYPTO_memcmp(got, v->csrf, ACTION_SIG_CHARS) == 0;
}

/* An IP literal ("127.0.0.1", "[::1]") cannot be a rebound name; "localhost" resolves here. */
static bool host_is_local_literal(const char *h, size_t n)
{
	if (n && h[0] == '[')
		return memchr(h, ']', n) != NULL;
	size_t i = 0;
	while (i < n && ((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
		i++;
	if (i == n && n > 0)
		return true;
	return n == 9 && !strncasecmp(h, "localhost", 9);
}

/* The length of a Host value's name without its port: "127.0.0.1:8080" → 9, "[::1]:8080" → 5. */
static size_t host_name_len(const char *h)
{
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		return close ? (size_t)(close - h) + 1 : strlen(h);
	}
	const char *colon = strrchr(h, ':');
	return colon ? (size_t)(colon - h) : strlen(h);
}

/* A rebinding attack makes a browser send the attacker's host name: the name is what is checked (the
 * port a proxy or the browser adds is not). */
bool http_host_ok(struct http_impl *s, struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!host)
		return true; /* HTTP/1.0 without Host: no name was used, so none was rebound */
	size_t n = host_name_len(host);
	if (s->base_host && n == host_name_len(s->base_host) && !strncasecmp(host, s->base_host, n))
		return true;
	return host_is_local_literal(host, n);
}

/* ---- forms and links -------------------------------------------------------------------------- */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool http_form_get(const struct buf *body, const char *name, char *out, size_t outsz)
{
	const char *p = body->data ? body->data : "", *end = p + body->len;
	size_t nlen = strlen(name);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *fe = amp ? amp : end;
		if ((size_t)(fe - p) > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			size_t o = 0;
			for (const char *v = p + nlen + 1; v < fe && o + 1 < outsz; v++) {
				if (*v == '+')
					out[o++] = ' ';
				else if (*v == '%' && v + 2 < fe && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
					out[o++] = (char)(hexval(v[1]) * 16 + hexval(v[2]));
					v += 2;
				} else
					out[o++] = *v;
			}
			out[o] = '\0';
			return true;
		}
		p = fe + 1;
	}
	return false;
}

int http_pct(struct buf *b, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		unsigned char ch = *p;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			rc |= buf_addc(b, (char)ch);
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			rc |= buf_add(b, e, 3);
		}
	}
	return rc;
}

int html_href(struct buf *b, struct http_impl *s, const char *path)
{
	html_esc(b, s->prefix);
	return html_esc(b, path);
}

int html_item_href(struct buf *b, struct http_impl *s, const char *incident, const char *key)
{
	html_esc(b, s->prefix);
	buf_adds(b, "/items/");
	http_pct(b, incident ? incident : "");
	buf_adds(b, "%23");
	return http_pct(b, key ? key : "");
}

int html_incident_href(struct buf *b, struct http_impl *s, const char *incident)
{
	html_esc(b, s->prefix);
	buf_adds(b, "/incidents/");
	return http_pct(b, incident ? incident : "");
}

int html_csrf_field(struct buf *b, const struct http_viewer *v)
{
	buf_adds(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_esc(b, v->csrf);
	return buf_adds(b, "\">");
}

/* ---- responses -------------------------------------------------------------------------------- */

enum MHD_Result http_html(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			  struct buf *b, const struct http_viewer *v, const char *cookie)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(b->len, b->data ? b->data : (void *)"", MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	http_common_headers(r);
	http_header(r, "Content-Type", "text/html; charset=utf-8");
	http_header(r, "Cache-Control", "no-store");
	if (v && v->set_cookie[0])
		http_header(r, "Set-Cookie", v->set_cookie);
	if (cookie)
		http_header(r, "Set-Cookie", cookie);
	enum MHD_Result ret = http_queue(s, c, q, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result http_redirect(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *path,
			      const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	struct buf to;
	buf_init(&to, 8192);
	buf_adds(&to, s->prefix);
	buf_adds(&to, path);
	http_common_headers(r);
	if (http_header(r, "Location", buf_cstr(&to)) < 0)
		http_header(r, "Location", *s->prefix ? s->prefix : "/");
	http_header(r, "Cache-Control", "no-store");
	if (cookie)
		http_header(r, "Set-Cookie", cookie);
	buf_release(&to);
	enum MHD_Result ret = http_queue(s, c, q, 303, r);
	MHD_destroy_response(r);
	return ret;
}

int http_pct_path(struct buf *b, const char *path)
{
	int rc = 0;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		char seg[2048];
		if (n >= sizeof seg)
			n = sizeof seg - 1;
		memcpy(seg, p, n);
		seg[n] = '\0';
		rc |= http_pct(b, seg);
		p += strcspn(p, "/");
		if (*p == '/') {
			rc |= buf_addc(b, '/');
			p++;
		}
	}
	return rc;
}

enum MHD_Result http_to_login(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *path)
{
	/* The path comes decoded from libmicrohttpd: encode it back as the path to return to, then encode
	 * that as the query value. */
	struct buf back, to;
	buf_init(&back, 8192);
	buf_init(&to, 16384);
	http_pct_path(&back, path);
	buf_adds(&to, "/login?next=");
	http_pct(&to, buf_cstr(&back));
	enum MHD_Result r = http_redirect(s, c, q, buf_cstr(&to), NULL);
	buf_release(&back);
	buf_release(&to);
	return r;
}

enum MHD_Result http_message_page(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				  const char *title, const char *msg)
{
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	html_page_start(&b, title);
	html_header(&b, s, "tracker", NULL);
	buf_adds(&b, "<main><section><h2>");
	html_esc(&b, title);
	buf_adds(&b, "</h2><p>");
	html_esc(&b, msg);
	buf_adds(&b, "</p><p><a href=\"");
	html_href(&b, s, "/");
	buf_adds(&b, "\">Back to the dashboard</a></p></section></main>");
	html_page_end(&b);
	enum MHD_Result r = http_html(s, c, q, status, &b, NULL, NULL);
	buf_release(&b);
	return r;
}
