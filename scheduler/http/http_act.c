/*
 * http_act.c — the confirmation pages of signed action links (/act/ACTION/ITEM/EXPIRY/NONCE/SIG), the
 * "mark done" and "snooze a week" links that reminders carry (actionlink.h). A GET shows the item and
 * a button; only the POST changes it, and records the link's nonce in the same transaction, so a link
 * works once. Every value is HTML-escaped; the pages are built with the helpers of http_dash.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "change.h"
#include "items.h"
#include "tdate.h"
#include "banned.h"

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
	enum MHD_Result r = http_html(s, c, q, status, &b, NULL, NULL);
	buf_release(&b);
	return r;
}

static int summary_cb(const struct item *it, void *ud)
{
	struct buf *b = ud;
	buf_adds(b, "<p><span class=\"id\">");
	html_esc(b, it->incident);
	buf_addc(b, '#');
	html_esc(b, it->key);
	buf_adds(b, "</span><br><strong>");
	html_esc(b, it->action);
	buf_adds(b, "</strong><br><span class=\"muted\">owner ");
	html_esc(b, it->owner ? it->owner : "(unassigned)");
	buf_adds(b, " · due ");
	html_esc(b, it->due ? it->due : "(none)");
	buf_adds(b, " · ");
	html_esc(b, it->status);
	return buf_adds(b, "</span></p>");
}

/* The item's id, action, owner, due date and status (nothing if it cannot be read). */
static void item_summary(struct http_impl *s, struct store *st, int64_t id, struct buf *b)
{
	struct error err;
	error_init(&err);
	if (items_get(st, id, time_to_date(http_now(s)), summary_cb, b, &err) < 0)
		http_logf(s, "action link: %s", err.msg);
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
	if (post && !http_origin_ok(s, c))
		return act_page(s, c, q, 403, "Request refused",
				"<p>This came from a page of another site. Nothing was done.</p>", NULL);
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
	int used = id > 0 ? action_nonce_used(st, nonce, &err) : 0;
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
		item_summary(s, st, id, &msg);
		buf_adds(&msg,
			 "<p>This link has already been used; it works once. Nothing more was done.</p>");
		r = act_page(s, c, q, 410, "Link already used", buf_cstr(&msg), NULL);
		goto out;
	}
	bool done = !strcmp(action, "done");
	if (!post) {
		item_summary(s, st, id, &msg);
		buf_adds(&msg, done ? "<p>Mark this item as done?</p>"
				    : "<p>Snooze reminders for this item for a week?</p>");
		r = act_page(s, c, q, 200, done ? "Mark done" : "Snooze a week", buf_cstr(&msg),
			     done ? "Mark done" : "Snooze for a week");
		goto out;
	}
	/* POST: use the nonce and make the change in one transaction (action_nonce_consume: of two
	 * concurrent clicks one changes the item, the other is told the link was used). */
	char until[11];
	if (done) {
		change_set_status(&ch, "done", &err);
		ch.note = "via a reminder link";
	} else {
		date_format(time_to_date(now) + 7, until);
		change_set_snooze(&ch, until, &err);
		ch.note = "snoozed a week via a reminder link";
	}
	int rc = store_begin(st, &err);
	int recorded = rc == 0 ? action_nonce_consume(st, nonce, action, id, exp, now, &err) : -1;
	rc = recorded < 0 ? -1 : 0;
	bool replay = recorded == 1;
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
	item_summary(s, st, id, &msg);
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
