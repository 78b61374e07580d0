/*
 * http_dash.c — the server-rendered pages: the dashboard at /, its sign-in (/login, /logout) and the
 * subscribe form (/subscribe). The item and incident pages are in http_pages.c, the confirmation pages
 * of signed action links (/act/…) in http_act.c; what the pages share (sessions, CSRF, links) in
 * http_auth.c.
 *
 * Every value is HTML-escaped (notify_html_escape); pages carry no external assets (inline CSS only)
 * and the security headers of http_common_headers() (CSP default-src 'none'). A GET never changes
 * anything; every POST form carries a CSRF token (http_auth.c) and its Origin, when sent, must be ours.
 *
 * Access: [server] dashboard = open lets anyone who reaches the port in (loopback installs); otherwise
 * an API token, given once in the sign-in form, starts a session (tokens.h) whose id is the cookie.
 * A read-only token sees everything and changes nothing (no buttons, no feed creation).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "incidents.h"
#include "items.h"
#include "model.h"
#include "notify.h"
#include "report.h"
#include "scope.h"
#include "tdate.h"
#include "banned.h"

int html_esc(struct buf *b, const char *s)
{
	return notify_html_escape(b, s ? s : "");
}

/* Mobile first: at 390 px nothing is wider than the screen (long ids and URLs break, tables become
 * blocks under 40em). The .lbl labels are hidden on wide screens and shown in the stacked layout, so
 * the rule hiding them comes before the media query that shows them. */
static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1f24;"
    "background:#f6f7f9;overflow-wrap:anywhere}"
    "header{background:#24292f;color:#fff;padding:.7em 1em;display:flex;justify-content:space-between;"
    "align-items:center;flex-wrap:wrap;gap:.5em}header h1{font-size:1.15em;margin:0}"
    "header a{color:#fff}"
    "main{max-width:60em;margin:0 auto;padding:.5em 1em 2em}"
    "section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6em 1em;margin:1em 0}"
    "h2{font-size:1.05em;margin:.3em 0 .6em}h3{font-size:.95em;margin:.8em 0 .3em;color:#57606a}"
    "ul{list-style:none;padding:0;margin:0}li{padding:.45em 0;border-top:1px solid #eaeef2}"
    "li:first-child{border-top:0}.id{font-family:ui-monospace,monospace;font-size:.85em;color:#57606a}"
    ".p0{color:#fff;background:#cf222e;border-radius:4px;padding:0 .35em;font-size:.8em}"
    ".p1{color:#000;background:#f2cc60;border-radius:4px;padding:0 .35em;font-size:.8em}"
    ".snz{color:#0550ae;background:#ddf4ff;border-radius:4px;padding:0 .35em;font-size:.8em}"
    ".late{color:#cf222e;font-weight:600}.ok{color:#1a7f37}.bad{color:#cf222e}.muted{color:#57606a}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35em .3em;border-top:1px "
    "solid #eaeef2;vertical-align:top}"
    "input,select,button{font:inherit;padding:.45em .6em;border:1px solid #d0d7de;border-radius:6px;"
    "max-width:100%}button{background:#1f883d;color:#fff;border-color:#1f883d;cursor:pointer}"
    "button.alt{background:#57606a;border-color:#57606a}"
    "form.inline{display:inline}header button{background:#57606a;border-color:#57606a}"
    ".btns{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}.btns form{margin:0}"
    ".url{word-break:break-all;font-family:ui-monospace,monospace;font-size:.85em;background:#f6f8fa;"
    "padding:.4em;border-radius:6px;display:block}"
    ".lbl{display:none}"
    "@media(max-width:40em){td,th{display:block;border:0;padding:.1em 0}tr{display:block;border-top:1px "
    "solid #eaeef2;padding:.4em 0}thead{display:none}.lbl{display:inline}}";

int html_page_start(struct buf *b, const char *title)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"referrer\" content=\"same-origin\"><title>");
	html_esc(b, title);
	buf_adds(b, "</title><style>");
	buf_adds(b, css);
	return buf_adds(b, "</style></head><body>");
}

int html_page_end(struct buf *b)
{
	return buf_adds(b, "</body></html>\n");
}

int html_header(struct buf *b, struct http_impl *s, const char *title, const struct http_viewer *v)
{
	buf_adds(b, "<header><h1><a href=\"");
	html_href(b, s, "/");
	buf_adds(b, "\">");
	html_esc(b, title);
	buf_adds(b, "</a></h1>");
	if (v && v->signed_in) {
		buf_adds(b, "<span><span id=\"who\">");
		html_esc(b, v->tok.name);
		if (v->tok.read_only)
			buf_adds(b, " (read-only)");
		buf_adds(b, "</span> <form class=\"inline\" method=\"post\" action=\"");
		html_href(b, s, "/logout");
		buf_adds(b, "\">");
		html_csrf_field(b, v);
		buf_adds(b, "<button type=\"submit\" id=\"signout\">Sign out</button></form></span>");
	}
	return buf_adds(b, "</header>");
}

static enum MHD_Result text(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
			    const char *msg)
{
	return http_send(s, c, q, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

static enum MHD_Result refused(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	return http_message_page(s, c, q, 403, "Request refused",
				 "This form did not come from a page of this tracker (cross-site request, or "
				 "a page older than your sign-in): nothing was changed. Reload the page and "
				 "try again.");
}

/* ---- sign-in ---------------------------------------------------------------------------------- */

/* A path to go back to after sign-in: a site path of ours ("/…", not "//…"), else "/". */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return "/";
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' || *p == '<' || *p == '>')
			return "/";
	return next;
}

static enum MHD_Result login_page(struct http_impl *s, struct MHD_Connection *c, struct req *q, int status,
				  const struct http_viewer *v, const char *next, const char *msg)
{
	struct buf b;
	buf_init(&b, BUF_MAX_DEFAULT);
	html_page_start(&b, "tracker — sign in");
	html_header(&b, s, "tracker", NULL);
	buf_adds(&b, "<main><section><h2>Sign in</h2>");
	if (msg) {
		buf_adds(&b, "<p class=\"bad\" id=\"error\">");
		html_esc(&b, msg);
		buf_adds(&b, "</p>");
	}
	buf_adds(&b, "<p>Paste an API token (<code>tracker token create --name YOU</code>; add "
		     "<code>--read-only</code> to only look).</p><form method=\"post\" action=\"");
	html_href(&b, s, "/login");
	buf_adds(&b, "\">");
	html_csrf_field(&b, v);
	buf_adds(&b, "<input type=\"hidden\" name=\"next\" value=\"");
	html_esc(&b, safe_next(next));
	buf_adds(&b, "\"><p><input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"off\" "
		     "required size=\"48\" aria-label=\"API token\"></p>"
		     "<p><button type=\"submit\" id=\"signin\">Sign in</button></p></form></section></main>");
	html_page_end(&b);
	enum MHD_Result r = http_html(s, c, q, status, &b, v, NULL);
	buf_release(&b);
	return r;
}

static enum MHD_Result login(struct http_impl *s, struct MHD_Connection *c, struct req *q, struct store *st,
			     const struct http_viewer *v)
{
	char tok[128], next[1024] = "/";
	http_form_get(&q->body, "next", next, sizeof next);
	if (!http_form_ok(s, c, q, v))
		return refused(s, c, q);
	if (!http_form_get(&q->body, "token", tok, sizeof tok))
		return login_page(s, c, q, 400, v, next, "No token given.");
	size_t len = strlen(tok);
	while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\n' || tok[len - 1] == '\r'))
		tok[--len] = '\0';
	struct api_token t;
	struct error err;
	error_init(&err);
	int rc = 1;
	memset(&t, 0, sizeof t);
	if (token_well_formed(tok, len))
		rc = apitoken_lookup(st, tok, len, &t, &err);
	memset(tok, 0, sizeof tok);
	char sid[TOKEN_CHARS + 1];
	if (rc == 0 && session_create(st, t.id, http_now(s), SESSION_TTL, sid, &err) < 0)
		rc = -1;
	apitoken_release(&t);
	if (rc < 0) {
		http_logf(s, "sign-in: %s", err.msg);
		return text(s, c, q, 503, "database busy or failing\n");
	}
	if (rc != 0)
		return login_page(s, c, q, 401, v, next, "That token is not valid (revoked, or mistyped).");
	/* Signing in again (maybe as someone else) replaces the browser's session: end the old one. */
	if (v->signed_in && session_end(st, v->sid, strlen(v->sid), &err) < 0)
		http_logf(s, "sign-in: ending the previous session: %s", err.msg); /* not fatal */
	char cookie[256];
	snprintf(cookie, sizeof cookie,
		 "tracker_session=%s; Path=%s/; Max-Age=%d; HttpOnly; SameSite=Strict%s", sid, s->prefix,
		 SESSION_TTL, s->secure_cookie ? "; Secure" : "");
	memset(sid, 0, sizeof sid);
	enum MHD_Result r = http_redirect(s, c, q, safe_next(next), cookie);
	memset(cookie, 0, sizeof cookie);
	return r;
}

static enum MHD_Result logout(struct http_impl *s, struct MHD_Connection *c, struct req *q, struct store *st,
			      const struct http_viewer *v)
{
	if (!http_form_ok(s, c, q, v))
		return refused(s, c, q);
	struct error err;
	error_init(&err);
	if (v->signed_in && session_end(st, v->sid, strlen(v->sid), &err) < 0) {
		http_logf(s, "sign-out: %s", err.msg);
		return text(s, c, q, 503, "database busy or failing\n");
	}
	char cookie[160];
	snprintf(cookie, sizeof cookie, "tracker_session=; Path=%s/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		 s->prefix, s->secure_cookie ? "; Secure" : "");
	return http_redirect(s, c, q, "/login", cookie);
}

/* ---- dashboard -------------------------------------------------------------------------------- */

static void prio(struct buf *b, int p)
{
	if (p == 0)
		buf_adds(b, "<span class=\"p0\">P0</span> ");
	else if (p == 1)
		buf_adds(b, "<span class=\"p1\">P1</span> ");
}

/* The start of an item's line in a dashboard list: <li>, its priority, a link INC#KEY and its action. */
static void item_li_start(struct buf *b, struct http_impl *s, int priority, const char *incident,
			  const char *key, const char *action)
{
	buf_adds(b, "<li>");
	prio(b, priority);
	buf_adds(b, "<a class=\"id item\" href=\"");
	html_item_href(b, s, incident, key);
	buf_adds(b, "\">");
	html_esc(b, incident);
	buf_addc(b, '#');
	html_esc(b, key);
	buf_adds(b, "</a> ");
	html_esc(b, action);
}

int html_snoozed(struct buf *b, const char *snoozed_until, const char *today, const char *id)
{
	if (!snoozed_until || strcmp(snoozed_until, today) < 0)
		return 0;
	buf_adds(b, " <span class=\"snz\"");
	if (id)
		buf_printf(b, " id=\"%s\"", id);
	buf_adds(b, ">snoozed until ");
	html_esc(b, snoozed_until);
	return buf_adds(b, "</span>");
}

struct overdue_ctx {
	struct buf *b;
	struct http_impl *s;
	char today[11];
	char last[256];
	int n;
};

static int overdue_li(const struct item *it, void *ud)
{
	struct overdue_ctx *o = ud;
	struct buf *b = o->b;
	const char *ow = it->owner ? it->owner : "(unassigned)";
	if (!o->n || strcmp(ow, o->last)) {
		if (o->n)
			buf_adds(b, "</ul>");
		buf_adds(b, "<h3>");
		html_esc(b, ow);
		buf_adds(b, "</h3><ul>");
		snprintf(o->last, sizeof o->last, "%s", ow);
	}
	item_li_start(b, o->s, it->priority, it->incident, it->key, it->action);
	buf_adds(b, " <span class=\"late\">due ");
	html_esc(b, it->due);
	buf_printf(b, ", %d day%s late</span>", it->days_late, it->days_late == 1 ? "" : "s");
	html_snoozed(b, it->snoozed_until, o->today, NULL);
	buf_adds(b, "</li>");
	o->n++;
	return 0;
}

static int section_overdue(struct http_impl *s, struct store *st, struct buf *b, int32_t today,
			   struct error *err)
{
	struct overdue_ctx o = {.b = b, .s = s};
	date_format(today, o.today);
	struct item_filter f = {.overdue = true, .priorities = 1u << 0 | 1u << 1, .sort = SORT_OWNER};
	buf_adds(b, "<section id=\"overdue\"><h2>Overdue P0/P1 by owner</h2>");
	int rc = items_query(st, &f, today, overdue_li, &o, err);
	buf_adds(b, o.n ? "</ul>" : "<p class=\"ok\">Nothing overdue at P0 or P1.</p>");
	buf_adds(b, "</section>");
	return rc;
}

struct checklist_ctx {
	struct buf *b;
	struct http_impl *s;
	struct store *st;
	struct error *err;
	int n;
};

int html_checklist_line(struct buf *b, struct http_impl *s, const char *incident, const struct report_line *l)
{
	buf_printf(b, "<span class=\"%s\">%s</span> ", l->ok ? "ok" : "bad", l->ok ? "&#10003;" : "&#10007;");
	if (l->ok)
		return buf_adds(b, "done");
	buf_adds(b, "blocked by ");
	for (size_t k = 0; k < l->nblocking; k++) {
		if (k)
			buf_adds(b, ", ");
		buf_adds(b, "<a class=\"item\" href=\"");
		html_item_href(b, s, incident, l->blocking[k]);
		buf_adds(b, "\">#");
		html_esc(b, l->blocking[k]);
		buf_adds(b, "</a>");
	}
	return 0;
}

static int checklist_row(const struct incident_row *n, void *ud)
{
	struct checklist_ctx *x = ud;
	struct buf *b = x->b;
	struct report r;
	if (report_checklist(x->st, n->id, &r, x->err) < 0)
		return -1;
	buf_adds(b, "<tr><td><a class=\"id incident\" href=\"");
	html_incident_href(b, x->s, n->id);
	buf_adds(b, "\">");
	html_esc(b, n->id);
	buf_adds(b, "</a><br>");
	html_esc(b, n->title);
	buf_adds(b, "</td>");
	for (int i = 0; i < REPORT_LINES; i++) {
		buf_adds(b, "<td><span class=\"lbl\">");
		html_esc(b, r.lines[i].text);
		buf_adds(b, ": </span>");
		html_checklist_line(b, x->s, r.incident, &r.lines[i]);
		buf_adds(b, "</td>");
	}
	buf_adds(b, "</tr>");
	report_release(&r);
	x->n++;
	return 0;
}

static int section_checklist(struct http_impl *s, struct store *st, struct buf *b, struct error *err)
{
	struct checklist_ctx x = {.b = b, .s = s, .st = st, .err = err};
	buf_adds(b, "<section id=\"checklist\"><h2>Follow-up checklist by incident</h2><table><thead><tr>"
		    "<th>Incident</th><th>All P0 items completed</th><th>All P1 items scheduled</th></tr>"
		    "</thead><tbody>");
	int rc = incidents_list(st, 100, checklist_row, &x, err);
	buf_adds(b, "</tbody></table>");
	if (!x.n)
		buf_adds(b, "<p class=\"muted\">No incidents imported yet.</p>");
	buf_adds(b, "<p class=\"muted\">The Review checklist of each post-mortem: every P0 done or won't do, "
		    "every open P1 with a due date.</p></section>");
	return rc;
}

struct slip_ctx {
	struct buf *b;
	struct http_impl *s;
	int n;
};

static int slip_li(const struct item_slip *x, void *ud)
{
	struct slip_ctx *o = ud;
	struct buf *b = o->b;
	item_li_start(b, o->s, x->priority, x->incident, x->key, x->action);
	buf_adds(b, "<br><span class=\"muted\">");
	html_esc(b, x->owner ? x->owner : "(unassigned)");
	buf_printf(b, " · moved %d time%s, ", x->moves, x->moves == 1 ? "" : "s");
	html_esc(b, x->first_due);
	buf_adds(b, " → ");
	html_esc(b, x->due);
	buf_adds(b, "</span></li>");
	o->n++;
	return 0;
}

static int section_slipping(struct http_impl *s, struct store *st, struct buf *b, struct error *err)
{
	struct slip_ctx o = {.b = b, .s = s};
	buf_adds(b, "<section id=\"slipping\"><h2>Slipping items</h2><ul>");
	int rc = items_slipping(st, 50, slip_li, &o, err);
	buf_adds(b, "</ul>");
	if (!o.n)
		buf_adds(b, "<p class=\"ok\">No open item has had its due date moved later.</p>");
	buf_adds(b, "</section>");
	return rc;
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
	buf_printf(b, ", #%lld", (long long)f->id);
	if (f->created_by_name) {
		buf_adds(b, ", by ");
		html_esc(b, f->created_by_name);
	}
	buf_adds(b, "</span></li>");
	return 0;
}

static int section_subscribe(struct http_impl *s, struct store *st, struct buf *b,
			     const struct http_viewer *v, struct error *err)
{
	buf_adds(b, "<section id=\"subscribe\"><h2>Subscribe in your calendar</h2>");
	if (v->can_write) {
		buf_adds(b, "<form method=\"post\" action=\"");
		html_href(b, s, "/subscribe");
		buf_adds(b, "\">");
		html_csrf_field(b, v);
		buf_adds(b, "<p><label>Items: <select name=\"scope\" id=\"scope\">");
		if (v->signed_in) {
			buf_adds(b, "<option value=\"owner:");
			html_esc(b, v->tok.name);
			buf_adds(b, "\">mine (");
			html_esc(b, v->tok.name);
			buf_adds(b, ")</option>");
		}
		buf_adds(
		    b, "<option value=\"overdue\">overdue</option><option value=\"priority:P0,P1\">P0 and "
		       "P1</option><option value=\"all\">all open</option></select></label> "
		       "<label><input type=\"checkbox\" name=\"todo\" value=\"1\"> as tasks</label></p>"
		       "<p><button type=\"submit\" id=\"subscribe-button\">Create a private feed</button></p>"
		       "</form><p class=\"muted\">The feed's address is shown once; anyone who has it can "
		       "read the feed. ");
	} else {
		buf_adds(
		    b, "<p class=\"muted\" id=\"readonly\">You are signed in with a read-only token: ask for "
		       "a feed with <code>tracker feed create</code>. ");
	}
	buf_adds(b, "Existing feeds (their addresses are not stored):</p><ul>");
	int rc = feed_list(st, false, feed_li, b, err);
	buf_adds(b, "</ul></section>");
	return rc;
}

static enum MHD_Result dashboard(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				 struct store *st, const struct http_viewer *v)
{
	struct buf b;
	char today_s[11];
	int32_t today = time_to_date(http_now(s));
	struct error err;
	error_init(&err);
	buf_init(&b, BUF_MAX_DEFAULT);
	date_format(today, today_s);
	html_page_start(&b, "tracker — action items");
	html_header(&b, s, "tracker · action items", v);
	buf_adds(&b, "<main><p class=\"muted\">");
	html_esc(&b, today_s);
	buf_adds(&b, "</p>");
	int rc = section_overdue(s, st, &b, today, &err);
	if (rc == 0)
		rc = section_checklist(s, st, &b, &err);
	if (rc == 0)
		rc = section_slipping(s, st, &b, &err);
	if (rc == 0)
		rc = section_subscribe(s, st, &b, v, &err);
	buf_adds(&b, "</main>");
	html_page_end(&b);
	enum MHD_Result r;
	if (rc < 0) {
		http_logf(s, "dashboard: %s", err.msg);
		r = text(s, c, q, 503, "database busy or failing\n");
	} else {
		r = http_html(s, c, q, 200, &b, v, NULL);
	}
	buf_release(&b);
	return r;
}

static enum MHD_Result subscribe(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				 struct store *st, const struct http_viewer *v)
{
	char scope[256], todo[8], name[300];
	if (!http_form_ok(s, c, q, v))
		return refused(s, c, q);
	if (!v->can_write)
		return http_message_page(s, c, q, 403, "Read-only",
					 "Your token is read-only: it cannot create feeds.");
	if (!http_form_get(&q->body, "scope", scope, sizeof scope))
		return text(s, c, q, 400, "no scope\n");
	bool as_todo = http_form_get(&q->body, "todo", todo, sizeof todo);
	snprintf(name, sizeof name, "Action items (%s)", scope);
	struct error err;
	error_init(&err);
	char token[TOKEN_CHARS + 1];
	int64_t id;
	if (feed_create(st, name, scope, as_todo ? "todo" : "events", http_now(s),
			v->signed_in ? v->tok.id : 0, token, &id, &err) < 0) {
		if (err.kind == ERR_USAGE || err.kind == ERR_DATA) /* a bad scope, or one naming nobody */
			return http_message_page(s, c, q, 400, "Cannot create the feed", err.msg);
		http_logf(s, "subscribe: %s", err.msg);
		return text(s, c, q, 503, "database busy or failing\n");
	}
	http_logf(s, "feed #%lld created from the dashboard by %s", (long long)id,
		  v->signed_in ? v->tok.name : "(open dashboard)");
	struct buf b, url;
	buf_init(&b, BUF_MAX_DEFAULT);
	buf_init(&url, 4096);
	buf_printf(&url, "%s/feeds/%s.ics", s->base_url, token);
	const char *rest = strstr(buf_cstr(&url), "://");
	html_page_start(&b, "tracker — your feed");
	html_header(&b, s, "tracker · your feed", v);
	buf_adds(&b, "<main><section><h2>");
	html_esc(&b, name);
	buf_adds(&b,
		 "</h2><p>Copy this address now; it is not shown again.</p><p><a class=\"url\" id=\"webcal\" "
		 "href=\"webcal");
	html_esc(&b, rest ? rest : "");
	buf_adds(&b, "\">webcal");
	html_esc(&b, rest ? rest : "");
	buf_adds(&b,
		 "</a></p><p>Or, in Google Calendar (Other calendars → From URL) and Outlook (Add calendar → "
		 "Subscribe from web):</p><p><span class=\"url\" id=\"feed-url\">");
	html_esc(&b, buf_cstr(&url));
	buf_adds(&b, "</span></p><p class=\"muted\">Google refreshes subscriptions only every several hours; "
		     "reminders, not the calendar, are the alarm.</p><p><a href=\"");
	html_href(&b, s, "/");
	buf_adds(&b, "\">Back</a></p></section></main>");
	html_page_end(&b);
	enum MHD_Result r = http_html(s, c, q, 200, &b, v, NULL);
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
	if ((q->route == R_LOGIN && !get && !post) || (q->route == R_DASHBOARD && !get))
		return http_method_not_allowed(s, c, q,
					       q->route == R_LOGIN ? "GET, HEAD, POST" : "GET, HEAD");
	if ((q->route == R_LOGOUT || q->route == R_SUBSCRIBE) && !post)
		return http_method_not_allowed(s, c, q, "POST");
	struct store *st = http_pool_get(s);
	struct http_viewer v;
	enum MHD_Result r;
	if (http_viewer_get(s, st, c, &v) < 0) {
		r = text(s, c, q, 503, "database busy or failing\n");
	} else if (q->route == R_LOGIN && get) {
		const char *next = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "next");
		r = login_page(s, c, q, 200, &v, next, NULL);
	} else if (q->route == R_LOGIN) {
		r = login(s, c, q, st, &v);
	} else if (q->route == R_LOGOUT) {
		r = logout(s, c, q, st, &v);
	} else if (!v.signed_in && !s->dashboard_open) {
		r = get ? http_to_login(s, c, q, "/") : refused(s, c, q);
	} else if (q->route == R_SUBSCRIBE) {
		r = subscribe(s, c, q, st, &v);
	} else {
		r = dashboard(s, c, q, st, &v);
	}
	http_viewer_release(&v);
	http_pool_put(s, st);
	return r;
}
