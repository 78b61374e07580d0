/*
 * http_dash.c — the server-rendered pages: the dashboard at /, its login (/login, /logout), the
 * subscribe form (/subscribe) and the confirmation pages of signed action links (/act/…).
 *
 * Every value is HTML-escaped (notify_html_escape); pages carry no external assets (inline CSS only)
 * and the security headers of http_common_headers() (CSP default-src 'none'). The dashboard reads; the
 * only writes are creating a feed (POST /subscribe), logging in (a cookie) and following an action link
 * (POST, after the signature, expiry and nonce checks). A GET never changes anything.
 *
 * Access: [server] dashboard = open lets anyone who reaches the port in (loopback installs); otherwise
 * an API token, given once in the login form and kept in a cookie (HttpOnly, SameSite=Strict, Secure
 * when base_url is https).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "change.h"
#include "model.h"
#include "notify.h"
#include "scope.h"
#include "tdate.h"
#include "banned.h"

int html_esc(struct buf *b, const char *s)
{
	return notify_html_escape(b, s ? s : "");
}

static const char css[] =
    "body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1f24;"
    "background:#f6f7f9}"
    "header{background:#24292f;color:#fff;padding:.7em 1em;display:flex;justify-content:space-between;"
    "align-items:center;flex-wrap:wrap;gap:.5em}header h1{font-size:1.15em;margin:0}"
    "main{max-width:60em;margin:0 auto;padding:.5em 1em 2em}"
    "section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6em 1em;margin:1em 0}"
    "h2{font-size:1.05em;margin:.3em 0 .6em}h3{font-size:.95em;margin:.8em 0 .3em;color:#57606a}"
    "ul{list-style:none;padding:0;margin:0}li{padding:.45em 0;border-top:1px solid #eaeef2}"
    "li:first-child{border-top:0}.id{font-family:ui-monospace,monospace;font-size:.85em;color:#57606a}"
    ".p0{color:#fff;background:#cf222e;border-radius:4px;padding:0 .35em;font-size:.8em}"
    ".p1{color:#000;background:#f2cc60;border-radius:4px;padding:0 .35em;font-size:.8em}"
    ".late{color:#cf222e;font-weight:600}.ok{color:#1a7f37}.bad{color:#cf222e}.muted{color:#57606a}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35em .3em;border-top:1px "
    "solid #eaeef2;vertical-align:top}"
    "input,select,button{font:inherit;padding:.45em .6em;border:1px solid #d0d7de;border-radius:6px;"
    "max-width:100%}button{background:#1f883d;color:#fff;border-color:#1f883d;cursor:pointer}"
    "form.inline{display:inline}header button{background:#57606a;border-color:#57606a}"
    ".url{word-break:break-all;font-family:ui-monospace,monospace;font-size:.85em;background:#f6f8fa;"
    "padding:.4em;border-radius:6px;display:block}"
    "@media(max-width:40em){td,th{display:block;border:0;padding:.1em 0}tr{display:block;border-top:1px "
    "solid #eaeef2;padding:.4em 0}thead{display:none}.lbl{display:inline}}.lbl{display:none}";

int html_page_start(struct buf *b, const char *title)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_esc(b, title);
	buf_adds(b, "</title><style>");
	buf_adds(b, css);
	return buf_adds(b, "</style></head><body>");
}

int html_page_end(struct buf *b)
{
	return buf_adds(b, "</body></html>\n");
}

static enum MHD_Result send_html(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				 struct buf *b, const char *cookie)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(b->len, b->data ? b->data : (void *)"", MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	http_common_headers(r);
	http_header(r, "Content-Type", "text/html; charset=utf-8");
	http_header(r, "Cache-Control", "no-store");
	if (cookie)
		http_header(r, "Set-Cookie", cookie);
	enum MHD_Result ret = http_queue(s, c, q, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result redirect(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *to,
				const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	http_common_headers(r);
	http_header(r, "Location", to);
	http_header(r, "Cache-Control", "no-store");
	if (cookie)
		http_header(r, "Set-Cookie", cookie);
	enum MHD_Result ret = http_queue(s, c, q, 303, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- form bodies ------------------------------------------------------------------------------ */

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

/* The decoded value of field `name` in an application/x-www-form-urlencoded body; false if absent. */
static bool form_get(const struct buf *body, const char *name, char *out, size_t outsz)
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

/* A POST from a page of ours: no Origin header, or one naming base_url. */
static bool same_origin(struct http_impl *s, struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin || !strcmp(origin, "null"))
		return origin == NULL;
	if (!strcmp(origin, s->base_url))
		return true;
	/* Also accept the Host the browser used (base_url may name a proxy in front of us). */
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *o = !strncmp(origin, "http://", 7)    ? origin + 7
			: !strncmp(origin, "https://", 8) ? origin + 8
							  : NULL;
	return host && o && !strcmp(o, host);
}

/* ---- login ------------------------------------------------------------------------------------ */

static enum MHD_Result login_page(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				  const char *msg)
{
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	html_page_start(&b, "tracker — sign in");
	buf_adds(&b, "<header><h1>tracker</h1></header><main><section><h2>Sign in</h2>");
	if (msg) {
		buf_adds(&b, "<p class=\"bad\">");
		html_esc(&b, msg);
		buf_adds(&b, "</p>");
	}
	buf_adds(&b, "<p>Paste an API token (<code>tracker token create --name YOU --read-only</code>).</p>"
		     "<form method=\"post\" action=\"/login\"><p><input type=\"password\" name=\"token\" "
		     "autocomplete=\"off\" required size=\"48\" aria-label=\"API token\"></p>"
		     "<p><button type=\"submit\">Sign in</button></p></form></section></main>");
	html_page_end(&b);
	enum MHD_Result r = send_html(s, c, q, status, &b, NULL);
	buf_release(&b);
	return r;
}

static enum MHD_Result login(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	char tok[128];
	if (!same_origin(s, c))
		return http_send(s, c, q, 403, "text/plain; charset=utf-8", "cross-site request refused\n",
				 27);
	if (!form_get(&q->body, "token", tok, sizeof tok))
		return login_page(s, c, q, 400, "No token given.");
	size_t len = strlen(tok);
	while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\n' || tok[len - 1] == '\r'))
		tok[--len] = '\0';
	struct api_token t;
	int rc = 1;
	if (token_well_formed(tok, len)) {
		struct store *st = http_pool_get(s);
		struct error err;
		error_init(&err);
		rc = apitoken_lookup(st, tok, len, &t, &err);
		http_pool_put(s, st);
		if (rc == 0)
			apitoken_release(&t);
	}
	if (rc != 0) {
		memset(tok, 0, sizeof tok);
		return login_page(s, c, q, 401, "That token is not valid (revoked, or mistyped).");
	}
	char cookie[256];
	snprintf(cookie, sizeof cookie,
		 "tracker_token=%s; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict%s", tok,
		 s->secure_cookie ? "; Secure" : "");
	memset(tok, 0, sizeof tok);
	enum MHD_Result r = redirect(s, c, q, "/", cookie);
	memset(cookie, 0, sizeof cookie);
	return r;
}

/* ---- dashboard -------------------------------------------------------------------------------- */

static const char *txt(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? t : "";
}

static void item_id(struct buf *b, sqlite3_stmt *s, int inc, int key)
{
	buf_adds(b, "<span class=\"id\">");
	html_esc(b, txt(s, inc));
	buf_addc(b, '#');
	html_esc(b, txt(s, key));
	buf_adds(b, "</span>");
}

static void prio(struct buf *b, int p)
{
	if (p == 0)
		buf_adds(b, "<span class=\"p0\">P0</span> ");
	else if (p == 1)
		buf_adds(b, "<span class=\"p1\">P1</span> ");
}

static int section_overdue(struct store *st, struct buf *b, const char *today)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(
		st->db,
		"SELECT owner, incident_id, key, action, due, priority FROM items "
		"WHERE status NOT IN ('done','wont_do') AND removed_at IS NULL AND priority IN (0, 1) "
		"AND due IS NOT NULL AND due < ?1 "
		"ORDER BY owner IS NULL, owner, priority, due, incident_id, position",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(s, 1, today);
	int32_t t;
	date_parse(today, &t);
	buf_adds(b, "<section id=\"overdue\"><h2>Overdue P0/P1 by owner</h2>");
	int rc, n = 0;
	char last[256] = "\x01";
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(s, 0);
		const char *ow = owner ? owner : "(unassigned)";
		if (strcmp(ow, last)) {
			if (n)
				buf_adds(b, "</ul>");
			buf_adds(b, "<h3>");
			html_esc(b, ow);
			buf_adds(b, "</h3><ul>");
			snprintf(last, sizeof last, "%s", ow);
		}
		int32_t due = 0;
		date_parse(txt(s, 4), &due);
		buf_adds(b, "<li>");
		prio(b, sqlite3_column_int(s, 5));
		item_id(b, s, 1, 2);
		buf_adds(b, " ");
		html_esc(b, txt(s, 3));
		buf_adds(b, " <span class=\"late\">due ");
		html_esc(b, txt(s, 4));
		buf_printf(b, ", %d days late</span></li>", t - due);
		n++;
	}
	sqlite3_finalize(s);
	buf_adds(b, n ? "</ul>" : "<p class=\"ok\">Nothing overdue at P0 or P1.</p>");
	buf_adds(b, "</section>");
	return rc == SQLITE_DONE ? 0 : -1;
}

static int section_checklist(struct store *st, struct buf *b)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(
		st->db,
		"SELECT n.id, n.title, coalesce(sum(i.priority = 0), 0), "
		"coalesce(sum(i.priority = 0 AND i.status IN ('done','wont_do')), 0), "
		"coalesce(sum(i.priority = 1 AND i.status NOT IN ('done','wont_do')), 0), "
		"coalesce(sum(i.priority = 1 AND i.status NOT IN ('done','wont_do') AND i.due IS NOT NULL), "
		"0) "
		"FROM incidents n LEFT JOIN items i ON i.incident_id = n.id AND i.removed_at IS NULL "
		"GROUP BY n.id ORDER BY n.date DESC, n.id LIMIT 100",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	buf_adds(b, "<section id=\"checklist\"><h2>Follow-up checklist by incident</h2><table><thead><tr>"
		    "<th>Incident</th><th>All P0 done</th><th>All open P1 have a due date</th></tr></thead>"
		    "<tbody>");
	int rc, n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long p0 = sqlite3_column_int64(s, 2), p0d = sqlite3_column_int64(s, 3);
		long long p1 = sqlite3_column_int64(s, 4), p1d = sqlite3_column_int64(s, 5);
		buf_adds(b, "<tr><td><span class=\"id\">");
		html_esc(b, txt(s, 0));
		buf_adds(b, "</span><br>");
		html_esc(b, txt(s, 1));
		buf_printf(b,
			   "</td><td class=\"%s\"><span class=\"lbl\">All P0 done: </span>%s %lld/%lld</td>"
			   "<td class=\"%s\"><span class=\"lbl\">Open P1 with a due date: </span>%s "
			   "%lld/%lld</td></tr>",
			   p0 == p0d ? "ok" : "bad", p0 == p0d ? "&#10003;" : "&#10007;", p0d, p0,
			   p1 == p1d ? "ok" : "bad", p1 == p1d ? "&#10003;" : "&#10007;", p1d, p1);
		n++;
	}
	sqlite3_finalize(s);
	buf_adds(b, "</tbody></table>");
	if (!n)
		buf_adds(b, "<p class=\"muted\">No incidents imported yet.</p>");
	buf_adds(b, "<p class=\"muted\">P0 counts done or won't do (with a reason) as closed.</p></section>");
	return rc == SQLITE_DONE ? 0 : -1;
}

static int section_slipping(struct store *st, struct buf *b)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(
		st->db,
		"SELECT i.incident_id, i.key, i.action, i.owner, i.due, count(*), min(e.old), "
		"i.priority FROM events e JOIN items i ON i.id = e.item_id "
		"WHERE e.field = 'due' AND e.old IS NOT NULL AND e.new IS NOT NULL AND e.new > e.old "
		"AND i.status NOT IN ('done','wont_do') AND i.removed_at IS NULL "
		"GROUP BY i.id ORDER BY count(*) DESC, i.due LIMIT 50",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	buf_adds(b, "<section id=\"slipping\"><h2>Slipping items</h2><ul>");
	int rc, n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		buf_adds(b, "<li>");
		prio(b, sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 7));
		item_id(b, s, 0, 1);
		buf_adds(b, " ");
		html_esc(b, txt(s, 2));
		buf_adds(b, "<br><span class=\"muted\">");
		html_esc(b, sqlite3_column_type(s, 3) == SQLITE_NULL ? "(unassigned)" : txt(s, 3));
		buf_printf(b, " · moved %lld time%s, ", sqlite3_column_int64(s, 5),
			   sqlite3_column_int64(s, 5) == 1 ? "" : "s");
		html_esc(b, txt(s, 6));
		buf_adds(b, " → ");
		html_esc(b, txt(s, 4));
		buf_adds(b, "</span></li>");
		n++;
	}
	sqlite3_finalize(s);
	buf_adds(b, "</ul>");
	if (!n)
		buf_adds(b, "<p class=\"ok\">No open item has had its due date moved later.</p>");
	buf_adds(b, "</section>");
	return rc == SQLITE_DONE ? 0 : -1;
}

static int feed_li(const struct feed_row *f, void *ud)
{
	struct buf *b = ud;
	buf_adds(b, "<li>");
	html_esc(b, f->name);
	buf_adds(b, " <span class=\"muted\">");
	html_esc(b, f->scope);
	buf_adds(b, ", ");
	html_esc(b, f->flavour);
	buf_printf(b, ", #%lld</span></li>", (long long)f->id);
	return 0;
}

static int section_subscribe(struct store *st, struct buf *b, const char *who)
{
	struct error err;
	error_init(&err);
	buf_adds(b, "<section id=\"subscribe\"><h2>Subscribe in your calendar</h2>"
		    "<form method=\"post\" action=\"/subscribe\"><p><label>Items: <select name=\"scope\">");
	if (who) {
		buf_adds(b, "<option value=\"owner:");
		html_esc(b, who);
		buf_adds(b, "\">mine (");
		html_esc(b, who);
		buf_adds(b, ")</option>");
	}
	buf_adds(b,
		 "<option value=\"overdue\">overdue</option><option value=\"priority:P0,P1\">P0 and "
		 "P1</option><option value=\"all\">all open</option></select></label> "
		 "<label><input type=\"checkbox\" name=\"todo\" value=\"1\"> as tasks</label></p>"
		 "<p><button type=\"submit\">Create a private feed</button></p></form>"
		 "<p class=\"muted\">The feed's address is shown once; anyone who has it can read the feed. "
		 "Existing feeds (their addresses are not stored):</p><ul>");
	int rc = feed_list(st, false, feed_li, b, &err);
	buf_adds(b, "</ul></section>");
	return rc;
}

static enum MHD_Result dashboard(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				 struct store *st, const char *who)
{
	struct buf b;
	char today[11];
	buf_init(&b, BUF_MAX_DEFAULT);
	date_format(time_to_date(http_now(s)), today);
	html_page_start(&b, "tracker — action items");
	buf_adds(&b, "<header><h1>tracker · action items</h1><span>");
	html_esc(&b, today);
	if (who) {
		buf_adds(&b, " · ");
		html_esc(&b, who);
		buf_adds(&b, " <form class=\"inline\" method=\"post\" action=\"/logout\"><button "
			     "type=\"submit\">Sign out</button></form>");
	}
	buf_adds(&b, "</span></header><main>");
	int rc = section_overdue(st, &b, today);
	if (rc == 0)
		rc = section_checklist(st, &b);
	if (rc == 0)
		rc = section_slipping(st, &b);
	if (rc == 0)
		rc = section_subscribe(st, &b, who);
	buf_adds(&b, "</main>");
	html_page_end(&b);
	enum MHD_Result r;
	if (rc < 0) {
		http_logf(s, "dashboard: %s", sqlite3_errmsg(st->db));
		r = http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
	} else {
		r = send_html(s, c, q, 200, &b, NULL);
	}
	buf_release(&b);
	return r;
}

static enum MHD_Result subscribe(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				 struct store *st, const char *who)
{
	char scope[256], todo[8], name[300];
	if (!same_origin(s, c))
		return http_send(s, c, q, 403, "text/plain; charset=utf-8", "cross-site request refused\n",
				 27);
	if (!form_get(&q->body, "scope", scope, sizeof scope))
		return http_send(s, c, q, 400, "text/plain; charset=utf-8", "no scope\n", 9);
	bool as_todo = form_get(&q->body, "todo", todo, sizeof todo);
	snprintf(name, sizeof name, "Action items (%s)", scope);
	struct error err;
	error_init(&err);
	char token[TOKEN_CHARS + 1];
	int64_t id;
	if (feed_create(st, name, scope, as_todo ? "todo" : "events", http_now(s), token, &id, &err) < 0) {
		if (err.kind == ERR_USAGE || err.kind == ERR_DATA) /* a bad scope, or one naming nobody */
			return http_send(s, c, q, 400, "text/plain; charset=utf-8", err.msg, strlen(err.msg));
		http_logf(s, "subscribe: %s", err.msg);
		return http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
	}
	http_logf(s, "feed #%lld created from the dashboard by %s", (long long)id,
		  who ? who : "(open dashboard)");
	struct buf b, url;
	buf_init(&b, BUF_MAX_DEFAULT);
	buf_init(&url, 4096);
	buf_printf(&url, "%s/feeds/%s.ics", s->base_url, token);
	const char *rest = strstr(buf_cstr(&url), "://");
	html_page_start(&b, "tracker — your feed");
	buf_adds(&b, "<header><h1>tracker · your feed</h1></header><main><section><h2>");
	html_esc(&b, name);
	buf_adds(
	    &b, "</h2><p>Copy this address now; it is not shown again.</p><p><a class=\"url\" href=\"webcal");
	html_esc(&b, rest ? rest : "");
	buf_adds(&b, "\">webcal");
	html_esc(&b, rest ? rest : "");
	buf_adds(&b,
		 "</a></p><p>Or, in Google Calendar (Other calendars → From URL) and Outlook (Add calendar → "
		 "Subscribe from web):</p><p><span class=\"url\">");
	html_esc(&b, buf_cstr(&url));
	buf_adds(
	    &b,
	    "</span></p><p class=\"muted\">Google refreshes subscriptions only every several hours; "
	    "reminders, not the calendar, are the alarm.</p><p><a href=\"/\">Back</a></p></section></main>");
	html_page_end(&b);
	enum MHD_Result r = send_html(s, c, q, 200, &b, NULL);
	memset(token, 0, sizeof token);
	memset(url.data, 0, url.len);
	memset(b.data, 0, b.len);
	buf_release(&url);
	buf_release(&b);
	return r;
}

enum MHD_Result http_dashboard(struct http_impl *s, struct MHD_Connection *c, struct req *q,
			       const char *method, const char *path)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool post = !strcmp(method, "POST");
	(void)path;
	if (q->route == R_LOGIN) {
		if (get)
			return login_page(s, c, q, 200, NULL);
		if (post)
			return login(s, c, q);
		return http_send(s, c, q, 405, "text/plain; charset=utf-8", "method not allowed\n", 19);
	}
	if (q->route == R_LOGOUT) {
		if (!post)
			return http_send(s, c, q, 405, "text/plain; charset=utf-8", "method not allowed\n",
					 19);
		return redirect(s, c, q, "/login",
				"tracker_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	}
	if ((q->route == R_DASHBOARD && !get) || (q->route == R_SUBSCRIBE && !post))
		return http_send(s, c, q, 405, "text/plain; charset=utf-8", "method not allowed\n", 19);
	struct store *st = http_pool_get(s);
	struct api_token tok;
	memset(&tok, 0, sizeof tok);
	int a = http_auth(s, st, c, true, &tok);
	enum MHD_Result r;
	if (a != 0 && !s->dashboard_open) {
		http_pool_put(s, st);
		if (a < 0)
			return http_send(s, c, q, 503, "text/plain; charset=utf-8",
					 "database busy or failing\n", 25);
		return redirect(s, c, q, "/login", NULL);
	}
	const char *who = a == 0 ? tok.name : NULL;
	if (q->route == R_SUBSCRIBE)
		r = subscribe(s, c, q, st, who);
	else
		r = dashboard(s, c, q, st, who);
	apitoken_release(&tok);
	http_pool_put(s, st);
	return r;
}

/* ---- action links ----------------------------------------------------------------------------- */

static enum MHD_Result act_page(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				const char *title, const char *msg, const char *form_label)
{
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	html_page_start(&b, title);
	buf_adds(&b, "<header><h1>tracker</h1></header><main><section><h2>");
	html_esc(&b, title);
	buf_adds(&b, "</h2>");
	buf_adds(&b, msg); /* already escaped by the caller */
	if (form_label) {
		buf_adds(&b, "<form method=\"post\"><p><button type=\"submit\">");
		html_esc(&b, form_label);
		buf_adds(&b, "</button></p></form>");
	}
	buf_adds(&b, "</section></main>");
	html_page_end(&b);
	enum MHD_Result r = send_html(s, c, q, status, &b, NULL);
	buf_release(&b);
	return r;
}

static int nonce_used(struct store *st, const char *nonce)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM action_nonces WHERE nonce = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	store_bind_text(s, 1, nonce);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static void item_summary(struct store *st, int64_t id, struct buf *b)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT incident_id, key, action, owner, due, status FROM items WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		buf_adds(b, "<p>");
		item_id(b, s, 0, 1);
		buf_adds(b, "<br><strong>");
		html_esc(b, txt(s, 2));
		buf_adds(b, "</strong><br><span class=\"muted\">owner ");
		html_esc(b, sqlite3_column_type(s, 3) == SQLITE_NULL ? "(unassigned)" : txt(s, 3));
		buf_adds(b, " · due ");
		html_esc(b, sqlite3_column_type(s, 4) == SQLITE_NULL ? "(none)" : txt(s, 4));
		buf_adds(b, " · ");
		html_esc(b, txt(s, 5));
		buf_adds(b, "</span></p>");
	}
	sqlite3_finalize(s);
}

enum MHD_Result http_act(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *rest)
{
	char path[1024], action[16];
	snprintf(q->log_path, sizeof q->log_path, "/act/(bad link)");
	if (strlen(rest) >= sizeof path)
		return http_not_found(s, c, q);
	snprintf(path, sizeof path, "%s", rest);
	/* action / item (may hold '/') / expiry / nonce / sig */
	char *slash = strchr(path, '/');
	char *sig = strrchr(path, '/');
	if (!slash || sig == slash)
		return http_not_found(s, c, q);
	*sig++ = '\0';
	char *nonce = strrchr(path, '/');
	if (!nonce || nonce == slash)
		return http_not_found(s, c, q);
	*nonce++ = '\0';
	char *expiry = strrchr(path, '/');
	if (!expiry || expiry == slash)
		return http_not_found(s, c, q);
	*expiry++ = '\0';
	*slash = '\0';
	const char *item_ref = slash + 1;
	if (strlen(path) >= sizeof action || !action_known(path))
		return http_not_found(s, c, q);
	memcpy(action, path, strlen(path) + 1); /* shorter than action: checked above */
	snprintf(q->log_path, sizeof q->log_path, "/act/%s/(item)/%.20s", action, expiry);
	bool post = !strcmp(method, "POST");
	int64_t now = http_now(s), exp;
	struct error err;
	error_init(&err);
	if (action_link_verify(&s->secret, action, item_ref, expiry, nonce, sig, now, &exp, &err) < 0) {
		bool expired = !strcmp(err.msg, "expired");
		return act_page(
		    s, c, q, expired ? 410 : 403,
		    expired ? "This link has expired" : "This link is not valid",
		    expired ? "<p>Links in reminders work for a limited time. Use the newest reminder, or "
			      "<code>tracker done</code>.</p>"
			    : "<p>The link is incomplete or was changed. Nothing was done.</p>",
		    NULL);
	}
	struct store *st = http_pool_get(s);
	enum MHD_Result r;
	struct buf msg;
	struct change ch;
	change_init(&ch);
	buf_init(&msg, BUF_MAX_DEFAULT);
	int64_t id = http_find_item(st, item_ref);
	int used = id > 0 ? nonce_used(st, nonce) : 0;
	if (id < 0 || used < 0) {
		r = http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
		goto out;
	}
	if (id == 0) {
		r = act_page(s, c, q, 404, "No such item", "<p>The item is no longer in the tracker.</p>",
			     NULL);
		goto out;
	}
	if (used) {
		item_summary(st, id, &msg);
		buf_adds(&msg,
			 "<p>This link has already been used; it works once. Nothing more was done.</p>");
		r = act_page(s, c, q, 410, "Link already used", buf_cstr(&msg), NULL);
		goto out;
	}
	bool done = !strcmp(action, "done");
	if (!post) {
		item_summary(st, id, &msg);
		buf_adds(&msg, done ? "<p>Mark this item as done?</p>"
				    : "<p>Snooze reminders for this item for a week?</p>");
		r = act_page(s, c, q, 200, done ? "Mark done" : "Snooze a week", buf_cstr(&msg),
			     done ? "Mark done" : "Snooze for a week");
		goto out;
	}
	/* POST: record the nonce and make the change in one transaction; a second use fails on the key. */
	char until[11];
	if (done) {
		change_set_status(&ch, "done", &err);
		ch.note = "via a reminder link";
	} else {
		date_format(time_to_date(now) + 7, until);
		change_set_snooze(&ch, until, &err);
		ch.note = "snoozed a week via a reminder link";
	}
	char at[21];
	time_format(now, at);
	sqlite3_stmt *ins = NULL;
	int rc = store_begin(st, &err);
	if (rc == 0 &&
	    (rc = store_prepare(st, &ins,
				"INSERT INTO action_nonces (nonce, action, item_id, expires, used_at) "
				"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (nonce) DO NOTHING",
				&err)) == 0) {
		store_bind_text(ins, 1, nonce);
		store_bind_text(ins, 2, action);
		sqlite3_bind_int64(ins, 3, id);
		sqlite3_bind_int64(ins, 4, exp);
		store_bind_text(ins, 5, at);
		rc = sqlite3_step(ins) == SQLITE_DONE ? 0 : store_error(st, &err, "recording the link's use");
		sqlite3_finalize(ins);
	}
	bool replay = rc == 0 && sqlite3_changes(st->db) == 0;
	if (rc == 0 && !replay)
		rc = change_apply(st, id, &ch, "action-link", "api", now, NULL, &err);
	if (rc == 0 && !replay)
		rc = store_commit(st, &err);
	if (rc < 0 || replay) {
		store_rollback(st);
		if (replay) {
			r = act_page(
			    s, c, q, 410, "Link already used",
			    "<p>This link has already been used; it works once. Nothing more was done.</p>",
			    NULL);
		} else {
			http_logf(s, "action link: %s", err.msg);
			r = http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n",
				      25);
		}
		goto out;
	}
	atomic_fetch_add(&s->gen, 1);
	item_summary(st, id, &msg);
	buf_adds(&msg,
		 done ? "<p class=\"ok\">Marked done. Thank you.</p>" : "<p class=\"ok\">Snoozed until ");
	if (!done) {
		html_esc(&msg, until);
		buf_adds(&msg, ".</p>");
	}
	r = act_page(s, c, q, 200, done ? "Done" : "Snoozed", buf_cstr(&msg), NULL);
out:
	change_release(&ch);
	buf_release(&msg);
	http_pool_put(s, st);
	return r;
}
