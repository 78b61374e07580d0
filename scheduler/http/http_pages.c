/*
 * http_pages.c — the item and incident pages, where every link in a reminder, a Slack message, a
 * webhook payload or a calendar entry leads:
 *
 *   GET  /items/<INC-…%23KEY>    the item: its fields, its history, and (read-write) its buttons
 *   POST /items/<INC-…%23KEY>    action=done | snooze (a week) | reopen | wont_do (with reason=…);
 *                                then 303 back to the item (post/redirect/get)
 *   GET  /incidents/<ID>         the incident: its fields, the Review checklist with what blocks each
 *                                line (report.h, the one rule), and its items
 *
 * Not signed in (and dashboard = token): GET goes to the sign-in page, which comes back here. Every
 * change goes through change_apply() (change.h) with source "api" and the token's name as the actor
 * ("dashboard" on an open dashboard). A unique prefix of the incident id is enough, as in the CLI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "change.h"
#include "incidents.h"
#include "items.h"
#include "model.h"
#include "report.h"
#include "tdate.h"
#include "banned.h"

static void prio(struct buf *b, int p)
{
	if (p == 0)
		buf_adds(b, "<span class=\"p0\">P0</span> ");
	else if (p == 1)
		buf_adds(b, "<span class=\"p1\">P1</span> ");
	else if (p >= 2)
		buf_printf(b, "<span class=\"muted\">P%d</span> ", p);
}

static void field(struct buf *b, const char *id, const char *name, const char *value)
{
	buf_printf(b, "<tr><th>%s</th><td id=\"%s\">", name, id);
	html_esc(b, value && *value ? value : "—");
	buf_adds(b, "</td></tr>");
}

/* ---- the item page ---------------------------------------------------------------------------- */

struct item_view {
	struct buf *b;
	struct http_impl *s;
	const struct http_viewer *v;
	char today[11];
	bool found;
};

static void button(struct buf *b, struct http_impl *s, const struct http_viewer *v, const struct item *it,
		   const char *action, const char *label, bool alt)
{
	buf_adds(b, "<form method=\"post\" action=\"");
	html_item_href(b, s, it->incident, it->key);
	buf_adds(b, "\">");
	html_csrf_field(b, v);
	buf_printf(b,
		   "<input type=\"hidden\" name=\"action\" value=\"%s\"><button type=\"submit\" id=\"%s\"%s>",
		   action, action, alt ? " class=\"alt\"" : "");
	html_esc(b, label);
	buf_adds(b, "</button></form>");
}

static int item_body(const struct item *it, void *ud)
{
	struct item_view *x = ud;
	struct buf *b = x->b;
	x->found = true;
	buf_adds(b, "<main><section id=\"item\"><h2>");
	prio(b, it->priority);
	html_esc(b, it->action);
	buf_adds(b, "</h2><p><a class=\"id incident\" href=\"");
	html_incident_href(b, x->s, it->incident);
	buf_adds(b, "\">");
	html_esc(b, it->incident);
	buf_adds(b, "</a><span class=\"id\">#");
	html_esc(b, it->key);
	buf_adds(b, "</span>");
	if (it->overdue)
		buf_printf(b, " <span class=\"late\">%d day%s late</span>", it->days_late,
			   it->days_late == 1 ? "" : "s");
	html_snoozed(b, it->snoozed_until, x->today, "snoozed");
	buf_adds(b, "</p><table>");
	field(b, "status", "Status", it->status);
	field(b, "owner", "Owner", it->owner ? it->owner : "(unassigned)");
	field(b, "due", "Due", it->due);
	field(b, "snoozed_until", "Snoozed until", it->snoozed_until);
	field(b, "closed_at", "Closed", it->closed_at);
	if (it->removed_at)
		field(b, "removed_at", "Removed from its document", it->removed_at);
	field(b, "updated_at", "Updated", it->updated_at);
	buf_adds(b, "</table></section><section id=\"actions\"><h2>Change</h2>");
	int st = status_from_name(it->status ? it->status : "");
	bool closed = st >= 0 && status_is_closed((enum status)st);
	if (!x->v->can_write) {
		buf_adds(b,
			 "<p class=\"muted\" id=\"readonly\">Signed in with a read-only token: you can see "
			 "this item but not change it.</p>");
	} else if (closed) {
		buf_adds(b, "<div class=\"btns\">");
		button(b, x->s, x->v, it, "reopen", "Reopen", false);
		buf_adds(b, "</div>");
	} else {
		buf_adds(b, "<div class=\"btns\">");
		button(b, x->s, x->v, it, "done", "Mark done", false);
		button(b, x->s, x->v, it, "snooze", "Snooze a week", true);
		buf_adds(b, "</div><form method=\"post\" action=\"");
		html_item_href(b, x->s, it->incident, it->key);
		buf_adds(b, "\">");
		html_csrf_field(b, x->v);
		buf_adds(b, "<input type=\"hidden\" name=\"action\" value=\"wont_do\"><p><label>Won't do, "
			    "because: <input name=\"reason\" id=\"reason\" required maxlength=\"2000\" "
			    "size=\"30\"></label> <button type=\"submit\" id=\"wont_do\" class=\"alt\">Won't "
			    "do</button></p></form>");
	}
	return buf_adds(b, "</section>");
}

static int item_history(struct buf *b, struct store *st, int64_t id, struct error *err)
{
	json_t *h = items_history_json(st, id, err);
	if (!h)
		return -1;
	buf_adds(b, "<section id=\"history\"><h2>History</h2><ul>");
	size_t i;
	json_t *e;
	json_array_foreach(h, i, e)
	{
		const char *at = json_string_value(json_object_get(e, "at"));
		const char *actor = json_string_value(json_object_get(e, "actor"));
		const char *source = json_string_value(json_object_get(e, "source"));
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const char *fld = json_string_value(json_object_get(e, "field"));
		const char *old = json_string_value(json_object_get(e, "old"));
		const char *nw = json_string_value(json_object_get(e, "new"));
		const char *note = json_string_value(json_object_get(e, "note"));
		buf_adds(b, "<li><span class=\"muted\">");
		html_esc(b, at);
		buf_adds(b, " · ");
		html_esc(b, actor ? actor : "?");
		buf_adds(b, " (");
		html_esc(b, source);
		buf_adds(b, ")</span><br>");
		html_esc(b, kind);
		if (fld) {
			buf_adds(b, " <strong>");
			html_esc(b, fld);
			buf_adds(b, "</strong>: ");
			html_esc(b, old ? old : "—");
			buf_adds(b, " → ");
			html_esc(b, nw ? nw : "—");
		}
		if (note) {
			buf_adds(b, " <em>");
			html_esc(b, note);
			buf_adds(b, "</em>");
		}
		buf_adds(b, "</li>");
	}
	if (!json_array_size(h))
		buf_adds(b, "<li class=\"muted\">No history recorded.</li>");
	json_decref(h);
	return buf_adds(b, "</ul></section></main>");
}

static enum MHD_Result item_page(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				 struct store *st, const struct http_viewer *v, int64_t id, const char *ref)
{
	struct buf b;
	struct error err;
	error_init(&err);
	buf_init(&b, BUF_MAX_DEFAULT);
	int32_t today = time_to_date(http_now(s));
	struct item_view x = {.b = &b, .s = s, .v = v};
	date_format(today, x.today);
	html_page_start(&b, ref);
	html_header(&b, s, "tracker · action item", v);
	int rc = items_get(st, id, today, item_body, &x, &err);
	if (rc == 0 && x.found)
		rc = item_history(&b, st, id, &err);
	html_page_end(&b);
	enum MHD_Result r;
	if (rc < 0 || !x.found) {
		http_logf(s, "item page: %s", err.msg);
		r = http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
	} else {
		r = http_html(s, c, q, 200, &b, v, NULL);
	}
	buf_release(&b);
	return r;
}

static enum MHD_Result item_change(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				   struct store *st, const struct http_viewer *v, int64_t id,
				   const char *path)
{
	char action[16], reason[2100];
	if (!http_form_get(&q->body, "action", action, sizeof action))
		action[0] = '\0';
	struct change ch;
	struct error err;
	change_init(&ch);
	error_init(&err);
	int64_t now = http_now(s);
	char until[11];
	int rc = 0;
	if (!strcmp(action, "done")) {
		rc = change_set_status(&ch, "done", &err);
	} else if (!strcmp(action, "snooze")) {
		date_format(time_to_date(now) + 7, until);
		rc = change_set_snooze(&ch, until, &err);
		ch.note = "snoozed a week from the dashboard";
	} else if (!strcmp(action, "reopen")) {
		rc = change_set_status(&ch, "open", &err);
		ch.only_if_closed = true;
	} else if (!strcmp(action, "wont_do")) {
		rc = change_set_status(&ch, "wont_do", &err);
		if (http_form_get(&q->body, "reason", reason, sizeof reason) && reason[0])
			ch.reason = reason;
	} else {
		change_release(&ch);
		return http_message_page(
		    s, c, q, 400, "Unknown action",
		    "The form asked for an action this page does not know (done, snooze, "
		    "reopen, wont_do).");
	}
	if (rc == 0)
		rc = change_check(&ch, &err);
	if (rc == 0 && (rc = store_begin(st, &err)) == 0) {
		rc = change_apply(st, id, &ch, v->signed_in ? v->tok.name : "dashboard", "api", now, NULL,
				  &err);
		if (rc == 0)
			rc = store_commit(st, &err);
		if (rc < 0)
			store_rollback(st);
	}
	change_release(&ch);
	if (rc < 0) {
		if (err.kind == ERR_USAGE || err.kind == ERR_DATA)
			return http_message_page(s, c, q, 400, "Nothing was changed", err.msg);
		http_logf(s, "item page change: %s", err.msg);
		return http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
	}
	atomic_fetch_add(&s->gen, 1);
	struct buf back;
	buf_init(&back, 8192);
	http_pct_path(&back, path);
	enum MHD_Result r = http_redirect(s, c, q, buf_cstr(&back), NULL);
	buf_release(&back);
	return r;
}

/* ---- the incident page ------------------------------------------------------------------------ */

struct incident_view {
	struct buf *b;
	struct http_impl *s;
	char today[11];
	int n;
};

static int incident_head(const struct incident_row *n, void *ud)
{
	struct incident_view *x = ud;
	struct buf *b = x->b;
	char sev[16] = "";
	if (n->severity >= 0)
		snprintf(sev, sizeof sev, "SEV%d", n->severity);
	buf_adds(b, "<main><section id=\"incident\"><h2>");
	html_esc(b, n->title);
	buf_adds(b, "</h2><p class=\"id\">");
	html_esc(b, n->id);
	buf_adds(b, "</p><table>");
	field(b, "date", "Date", n->date);
	field(b, "severity", "Severity", sev);
	field(b, "reporter", "Reporter", n->reporter);
	field(b, "approved_by", "Approved by", n->approved_by);
	field(b, "review_date", "Review date", n->review_date);
	buf_printf(b, "<tr><th>Items</th><td id=\"counts\">%d, %d open</td></tr></table></section>", n->items,
		   n->open_items);
	return 0;
}

static int incident_item(const struct item *it, void *ud)
{
	struct incident_view *x = ud;
	struct buf *b = x->b;
	buf_adds(b, "<tr><td><a class=\"id item\" href=\"");
	html_item_href(b, x->s, it->incident, it->key);
	buf_adds(b, "\">#");
	html_esc(b, it->key);
	buf_adds(b, "</a> ");
	prio(b, it->priority);
	html_esc(b, it->action);
	buf_adds(b, "</td><td><span class=\"lbl\">Owner: </span>");
	html_esc(b, it->owner ? it->owner : "(unassigned)");
	buf_adds(b, "</td><td><span class=\"lbl\">Due: </span>");
	html_esc(b, it->due ? it->due : "—");
	if (it->overdue)
		buf_printf(b, " <span class=\"late\">%d d late</span>", it->days_late);
	buf_adds(b, "</td><td><span class=\"lbl\">Status: </span>");
	html_esc(b, it->removed_at ? "removed" : it->status);
	html_snoozed(b, it->snoozed_until, x->today, NULL);
	buf_adds(b, "</td></tr>");
	x->n++;
	return 0;
}

static enum MHD_Result incident_page(struct http_impl *s, struct MHD_Connection *c, struct req *q,
				     struct store *st, const struct http_viewer *v, const char *id)
{
	struct buf b;
	struct error err;
	struct report r;
	error_init(&err);
	memset(&r, 0, sizeof r);
	buf_init(&b, BUF_MAX_DEFAULT);
	int32_t today = time_to_date(http_now(s));
	struct incident_view x = {.b = &b, .s = s};
	date_format(today, x.today);
	html_page_start(&b, id);
	html_header(&b, s, "tracker · incident", v);
	int rc = incidents_get(st, id, incident_head, &x, &err);
	if (rc == 0)
		rc = report_checklist(st, id, &r, &err);
	if (rc == 0) {
		buf_adds(&b, "<section id=\"checklist\"><h2>Review checklist</h2><ul>");
		for (int i = 0; i < REPORT_LINES; i++) {
			buf_printf(&b, "<li id=\"line%d\"><strong>", i);
			html_esc(&b, r.lines[i].text);
			buf_adds(&b, "</strong>: ");
			html_checklist_line(&b, s, r.incident, &r.lines[i]);
			buf_adds(&b, "</li>");
		}
		buf_adds(&b, "</ul></section><section id=\"items\"><h2>Action items</h2><table><thead><tr>"
			     "<th>Item</th><th>Owner</th><th>Due</th><th>Status</th></tr></thead><tbody>");
		struct item_filter f = {.all = true, .incident = id, .sort = SORT_INCIDENT};
		rc = items_query(st, &f, today, incident_item, &x, &err);
		buf_adds(&b, "</tbody></table>");
		if (!x.n)
			buf_adds(&b, "<p class=\"muted\">This post-mortem has no action items.</p>");
		buf_adds(&b, "</section></main>");
	}
	report_release(&r);
	html_page_end(&b);
	enum MHD_Result ret;
	if (rc != 0) {
		http_logf(s, "incident page: %s", rc < 0 ? err.msg : "vanished");
		ret = http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
	} else {
		ret = http_html(s, c, q, 200, &b, v, NULL);
	}
	buf_release(&b);
	return ret;
}

/* ---- routing ---------------------------------------------------------------------------------- */

enum MHD_Result http_pages(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			   const char *path)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool post = !strcmp(method, "POST");
	bool item = q->route == R_ITEM_PAGE;
	if (!get && !(post && item))
		return http_method_not_allowed(s, c, q, item ? "GET, HEAD, POST" : "GET, HEAD");
	const char *ref = path + (item ? strlen("/items/") : strlen("/incidents/"));
	struct store *st = http_pool_get(s);
	struct http_viewer v;
	struct error err;
	error_init(&err);
	enum MHD_Result r;
	if (http_viewer_get(s, st, c, &v) < 0) {
		r = http_send(s, c, q, 503, "text/plain; charset=utf-8", "database busy or failing\n", 25);
		goto out;
	}
	if (!v.signed_in && !s->dashboard_open) {
		r = get ? http_to_login(s, c, q, path)
			: http_message_page(
			      s, c, q, 403, "Not signed in",
			      "Sign in first (your session may have ended): nothing was changed.");
		goto out;
	}
	if (post && !http_form_ok(s, c, q, &v)) {
		r = http_message_page(
		    s, c, q, 403, "Request refused",
		    "This form did not come from a page of this tracker (cross-site request, or a "
		    "page older than your sign-in): nothing was changed.");
		goto out;
	}
	if (post && !v.can_write) {
		r = http_message_page(s, c, q, 403, "Read-only",
				      "Your token is read-only: it can see items but not change them.");
		goto out;
	}
	if (item) {
		int64_t id = 0;
		if (items_resolve(st, ref, &id, &err) < 0) {
			if (err.kind == ERR_USAGE || err.kind == ERR_DATA)
				r = http_message_page(s, c, q, 404, "No such item", err.msg);
			else
				r = http_send(s, c, q, 503, "text/plain; charset=utf-8",
					      "database busy or failing\n", 25);
			goto out;
		}
		r = post ? item_change(s, c, q, st, &v, id, path) : item_page(s, c, q, st, &v, id, ref);
	} else {
		char *id = NULL;
		if (report_resolve_incident(st, ref, &id, &err) < 0) {
			if (err.kind == ERR_DATA)
				r = http_message_page(s, c, q, 404, "No such incident", err.msg);
			else
				r = http_send(s, c, q, 503, "text/plain; charset=utf-8",
					      "database busy or failing\n", 25);
			goto out;
		}
		r = incident_page(s, c, q, st, &v, id);
		free(id);
	}
out:
	http_viewer_release(&v);
	http_pool_put(s, st);
	return r;
}
