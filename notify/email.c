/*
 * email.c — builds a reminder e-mail: one digest for one recipient as a MIME message with a text/plain
 * and a text/html alternative, both UTF-8 and quoted-printable, CRLF line ends. Headers that carry data
 * (the recipient, the subject) are checked for CR, LF and other control characters and refused if they
 * hold any — libcurl would pass them to the server and the server would read an injected command — and
 * non-ASCII text is written as RFC 2047 encoded-words. Everything here is a pure function of its
 * arguments; the SMTP transport (smtp.c) only moves the bytes.
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tdate.h"

#include "mailaddr.h"
#include "banned.h"

#define QP_LINE 76

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return true;
	return false;
}

int email_check_address(const char *addr, struct error *err)
{
	return mailaddr_check(addr, err); /* the one rule, shared with tracker people */
}

int email_split_from(const char *from, struct buf *name, struct buf *addr, struct error *err)
{
	if (!from || !*from)
		return error_set(err, ERR_CONFIG, "[smtp] from is not set");
	if (has_control(from))
		return error_set(err, ERR_CONFIG, "[smtp] from holds a control character (CR, LF…): refused");
	const char *lt = strchr(from, '<');
	if (!lt)
		return buf_adds(addr, from) < 0 ? error_set(err, ERR_IO, "out of memory")
						: email_check_address(from, err);
	const char *gt = strchr(lt, '>');
	if (!gt || gt[1])
		return error_set(err, ERR_CONFIG, "[smtp] from \"%s\": expected \"Name <addr@domain>\"",
				 from);
	const char *s = from, *e = lt;
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	if (e - s >= 2 && *s == '"' && e[-1] == '"')
		s++, e--;
	if (buf_add(name, s, (size_t)(e - s)) < 0 || buf_add(addr, lt + 1, (size_t)(gt - lt - 1)) < 0)
		return error_set(err, ERR_IO, "out of memory");
	if (email_check_address(buf_cstr(addr), err) < 0) {
		error_prefix(err, "[smtp] from");
		return -1;
	}
	return 0;
}

static int b64(struct buf *out, const unsigned char *p, size_t n)
{
	char tmp[4 * 64 / 3 + 4];
	while (n > 0) {
		size_t chunk = n > 48 ? 48 : n;
		int k = EVP_EncodeBlock((unsigned char *)tmp, p, (int)chunk);
		if (buf_add(out, tmp, (size_t)k) < 0)
			return -1;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

/* Length of the longest prefix of s[0..n) that fits `max` bytes without splitting a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k ? k : max;
}

int email_header_encode(struct buf *out, const char *s, size_t used, struct error *err)
{
	if (has_control(s))
		return error_set(err, ERR_DATA,
				 "header text holds CR, LF or another control character: refused");
	struct buf clean;
	buf_init(&clean, 64 * 1024);
	int rc = -1;
	if (notify_text_clean(&clean, s, false) < 0) {
		error_set(err, ERR_DATA, "header text too long");
		goto out;
	}
	const char *c = buf_cstr(&clean);
	bool plain = used + clean.len <= QP_LINE && !strstr(c, "=?");
	for (size_t i = 0; plain && i < clean.len; i++)
		if ((unsigned char)c[i] >= 0x80)
			plain = false;
	if (plain) {
		rc = buf_add(out, c, clean.len);
		goto out;
	}
	/* Encoded-words of at most 76 - line prefix octets each, split on UTF-8 boundaries (RFC 2047 §2,
	 * §5: an encoded-word may not split a character). */
	size_t pos = 0;
	bool first = true;
	while (first || pos < clean.len) {
		size_t room;
		if (first && used + 12 + 8 <= QP_LINE) {
			room = QP_LINE - used - 12;
		} else {
			if (buf_adds(out, "\r\n ") < 0)
				goto oom;
			room = QP_LINE - 1 - 12;
		}
		size_t take = utf8_prefix(c + pos, clean.len - pos, room / 4 * 3);
		if (buf_adds(out, "=?UTF-8?B?") < 0 || b64(out, (const unsigned char *)c + pos, take) < 0 ||
		    buf_adds(out, "?=") < 0)
			goto oom;
		pos += take;
		first = false;
	}
	rc = 0;
	goto out;
oom:
	error_set(err, ERR_IO, "out of memory");
out:
	buf_release(&clean);
	return rc;
}

int email_qp_encode(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (ch == '\n') {
			if (buf_adds(out, "\r\n") < 0)
				return -1;
			col = 0;
			continue;
		}
		bool at_eol = i + 1 == len || s[i + 1] == '\n' || s[i + 1] == '\r';
		char tok[3];
		size_t k;
		if ((ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && !at_eol)) {
			tok[0] = (char)ch;
			k = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[ch >> 4];
			tok[2] = hex[ch & 15];
			k = 3;
		}
		/* keep room for the soft break '=' */
		if (col + k > QP_LINE - 1) {
			if (buf_adds(out, "=\r\n") < 0)
				return -1;
			col = 0;
		}
		if (k == 1 && ch == '.' && col == 0) { /* no lone "." lines, whatever the transport */
			tok[0] = '=';
			tok[1] = '2';
			tok[2] = 'E';
			k = 3;
		}
		if (buf_add(out, tok, k) < 0)
			return -1;
		col += k;
	}
	return 0;
}

static const char *const wday_names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int add_rfc5322_date(struct buf *out, int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0)
		secs += 86400, days--;
	int y, m, d;
	date_to_ymd((int32_t)days, &y, &m, &d);
	return buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d +0000", wday_names[date_weekday((int32_t)days)],
			  d, month_names[m - 1], y, (int)(secs / 3600), (int)(secs / 60 % 60),
			  (int)(secs % 60));
}

/* A display name + address: `"Name" <addr>` (quoted ASCII) or `=?UTF-8?B?…?= <addr>`. */
static int add_mailbox(struct buf *out, const char *name, const char *addr, size_t used, struct error *err)
{
	if (name && *name) {
		if (has_control(name))
			return error_set(err, ERR_DATA,
					 "display name holds CR, LF or another control character: refused");
		bool ascii = strlen(name) < 60 && !strstr(name, "=?");
		for (const unsigned char *p = (const unsigned char *)name; ascii && *p; p++)
			if (*p >= 0x80)
				ascii = false;
		if (ascii) {
			if (buf_addc(out, '"') < 0)
				return -1;
			for (const char *p = name; *p; p++)
				if ((*p == '"' || *p == '\\') && buf_addc(out, '\\') < 0)
					return -1;
				else if (buf_addc(out, *p) < 0)
					return -1;
			if (buf_adds(out, "\" ") < 0)
				return -1;
		} else {
			if (email_header_encode(out, name, used, err) < 0 || buf_adds(out, "\r\n ") < 0)
				return -1;
		}
	}
	return buf_printf(out, "<%s>", addr);
}

static int due_text(struct buf *out, const struct notify_digest *d, const struct notify_item *it)
{
	if (it->due == DATE_NONE)
		return buf_adds(out, "no due date");
	char ds[11];
	date_format(it->due, ds);
	if (it->days_late > 0)
		return buf_printf(out, "due %s (%d day%s late)", ds, it->days_late,
				  it->days_late == 1 ? "" : "s");
	const char *soon = strcmp(notify_item_kind(d, it), "due_soon") ? "" : "due soon: ";
	if (it->days_late == 0)
		return buf_printf(out, "due %s (%stoday)", ds, soon);
	return buf_printf(out, "due %s (%sin %d day%s)", ds, soon, -it->days_late,
			  it->days_late == -1 ? "" : "s");
}

/* Order of first appearance of each incident: group[i] = index of the first item of item i's incident. */
static bool same_incident(const struct notify_item *a, const struct notify_item *b)
{
	return !strcmp(a->incident_id ? a->incident_id : "", b->incident_id ? b->incident_id : "");
}

static int build_text(struct buf *t, const struct email_params *p, const struct notify_digest *d)
{
	int rc = 0;
	rc |= buf_adds(t, "Hello");
	if (d->recipient_name && *d->recipient_name) {
		rc |= buf_addc(t, ' ');
		rc |= notify_text_clean(t, d->recipient_name, false);
	}
	char asof[11];
	date_format(time_to_date(d->now), asof);
	rc |= buf_adds(t, ",\n\n");
	rc |= notify_summary(t, d);
	rc |= buf_printf(t, ", as of %s.\n", asof);
	for (size_t i = 0; i < d->nitems; i++) {
		const struct notify_item *g = &d->items[i];
		size_t j;
		for (j = 0; j < i && !same_incident(&d->items[j], g); j++)
			;
		if (j < i)
			continue; /* incident already written */
		rc |= buf_adds(t, "\n");
		rc |= notify_text_clean(t, g->incident_id, false);
		if (g->incident_title && *g->incident_title) {
			rc |= buf_adds(t, ": ");
			rc |= notify_text_clean(t, g->incident_title, false);
		}
		rc |= buf_adds(t, "\n");
		if (p->base_url && *p->base_url) {
			rc |= notify_incident_url(t, p->base_url, g->incident_id);
			rc |= buf_adds(t, "\n");
		}
		for (size_t k = i; k < d->nitems; k++) {
			const struct notify_item *it = &d->items[k];
			if (!same_incident(it, g))
				continue;
			rc |= buf_printf(t, "\n  * [%s] ", notify_priority_name(it->priority));
			rc |= notify_item_id(t, it);
			rc |= buf_adds(t, ": ");
			rc |= notify_text_clean(t, it->action, false);
			rc |= buf_adds(t, "\n    ");
			rc |= due_text(t, d, it);
			rc |= buf_adds(t, ", status ");
			rc |= notify_text_clean(t, it->status ? it->status : "open", false);
			if (it->owner && *it->owner) {
				rc |= buf_adds(t, ", owner ");
				rc |= notify_text_clean(t, it->owner, false);
			}
			rc |= buf_adds(t, "\n");
			if (it->why && *it->why) {
				rc |= buf_adds(t, "    Note: ");
				rc |= notify_text_clean(t, it->why, false);
				rc |= buf_adds(t, "\n");
			}
			if (p->base_url && *p->base_url) {
				rc |= buf_adds(t, "    ");
				rc |= notify_item_url(t, p->base_url, it);
				rc |= buf_adds(t, "\n");
			}
			if (it->done_url && it->snooze_url) {
				rc |= buf_adds(t, "    Mark done: ");
				rc |= notify_text_clean(t, it->done_url, false);
				rc |= buf_adds(t, "\n    Snooze a week: ");
				rc |= notify_text_clean(t, it->snooze_url, false);
				rc |= buf_adds(t, "\n");
			}
		}
	}
	rc |= buf_adds(t, "\n-- \nSent automatically by tracker. Close an item with\n  tracker set ");
	rc |= notify_item_id(t, &d->items[0]);
	rc |= buf_adds(t, " status=done\n");
	return rc ? -1 : 0;
}

/* A cell's label, shown only when the rows stack on a phone (see build_html). */
#define LBL(name) "<span class=\"lbl\" style=\"display: none\">" name ": </span>"

static int build_html(struct buf *h, const struct email_params *p, const struct notify_digest *d)
{
	int rc = 0;
	/* Readable on a phone (390 px): a viewport; under 480 px the table's rows stack, each cell with its
	 * label (hidden by an inline style on wide screens, shown by the media query — mail clients that
	 * ignore <style> keep the plain table); long ids may break. */
	rc |= buf_adds(h,
		       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<style>@media (max-width: 480px) {table.items, table.items tbody, table.items tr, "
		       "table.items td {display: block !important; width: auto !important} "
		       "table.items tr.head {display: none !important} table.items td {border: 0 !important} "
		       "table.items tr {border-top: 1px solid #999 !important; padding: 4px 0} "
		       "span.lbl {display: inline !important}}</style><title>");
	struct buf sum;
	buf_init(&sum, 4096);
	rc |= notify_summary(&sum, d);
	rc |= notify_html_escape(h, buf_cstr(&sum));
	rc |= buf_adds(
	    h,
	    "</title></head>\n<body style=\"font-family: sans-serif; overflow-wrap: break-word\">\n<p>Hello");
	if (d->recipient_name && *d->recipient_name) {
		rc |= buf_addc(h, ' ');
		rc |= notify_html_escape(h, d->recipient_name);
	}
	char asof[11];
	date_format(time_to_date(d->now), asof);
	rc |= buf_adds(h, ",</p>\n<p>");
	rc |= notify_html_escape(h, buf_cstr(&sum));
	rc |= buf_printf(h, ", as of %s.</p>\n", asof);
	buf_release(&sum);
	struct buf url;
	buf_init(&url, 64 * 1024);
	for (size_t i = 0; i < d->nitems; i++) {
		const struct notify_item *g = &d->items[i];
		size_t j;
		for (j = 0; j < i && !same_incident(&d->items[j], g); j++)
			;
		if (j < i)
			continue;
		rc |= buf_adds(h, "<h3>");
		buf_reset(&url);
		rc |= notify_incident_url(&url, p->base_url, g->incident_id);
		if (url.len) {
			rc |= buf_adds(h, "<a href=\"");
			rc |= notify_html_escape(h, buf_cstr(&url));
			rc |= buf_adds(h, "\">");
		}
		rc |= notify_html_escape(h, g->incident_id);
		if (url.len)
			rc |= buf_adds(h, "</a>");
		if (g->incident_title && *g->incident_title) {
			rc |= buf_adds(h, ": ");
			rc |= notify_html_escape(h, g->incident_title);
		}
		rc |= buf_adds(
		    h, "</h3>\n<table class=\"items\" border=\"1\" cellpadding=\"4\" cellspacing=\"0\" "
		       "style=\"max-width: 100%; border-collapse: collapse\">\n"
		       "<tr class=\"head\"><th>Item</th><th>Action</th><th>Due</th><th>Days late</th>"
		       "<th>Priority</th><th>Status</th><th>Owner</th></tr>\n");
		for (size_t k = i; k < d->nitems; k++) {
			const struct notify_item *it = &d->items[k];
			if (!same_incident(it, g))
				continue;
			struct buf id;
			buf_init(&id, 4096);
			rc |= notify_item_id(&id, it);
			buf_reset(&url);
			rc |= notify_item_url(&url, p->base_url, it);
			rc |= buf_adds(h, "<tr><td>");
			if (url.len) {
				rc |= buf_adds(h, "<a href=\"");
				rc |= notify_html_escape(h, buf_cstr(&url));
				rc |= buf_adds(h, "\">");
			}
			rc |= notify_html_escape(h, buf_cstr(&id));
			buf_release(&id);
			if (url.len)
				rc |= buf_adds(h, "</a>");
			rc |= buf_adds(h, "</td><td>");
			rc |= notify_html_escape(h, it->action);
			if (it->why && *it->why) {
				rc |= buf_adds(h, "<br><em>Note: ");
				rc |= notify_html_escape(h, it->why);
				rc |= buf_adds(h, "</em>");
			}
			if (it->done_url && it->snooze_url) {
				rc |= buf_adds(h, "<br><a href=\"");
				rc |= notify_html_escape(h, it->done_url);
				rc |= buf_adds(h, "\">Mark done</a> &middot; <a href=\"");
				rc |= notify_html_escape(h, it->snooze_url);
				rc |= buf_adds(h, "\">Snooze a week</a>");
			}
			rc |= buf_adds(h, "</td><td>");
			rc |= buf_adds(h, LBL("Due"));
			if (it->due != DATE_NONE) {
				char ds[11];
				date_format(it->due, ds);
				rc |= buf_adds(h, ds);
				if (!strcmp(notify_item_kind(d, it), "due_soon"))
					rc |= buf_adds(h, " (due soon)");
			}
			rc |= buf_printf(
			    h, "</td><td>" LBL("Days late") "%d</td><td>" LBL("Priority") "%s</td><td>",
			    it->days_late > 0 ? it->days_late : 0, notify_priority_name(it->priority));
			rc |= buf_adds(h, LBL("Status"));
			rc |= notify_html_escape(h, it->status ? it->status : "open");
			rc |= buf_adds(h, "</td><td>" LBL("Owner"));
			rc |= notify_html_escape(h, it->owner);
			rc |= buf_adds(h, "</td></tr>\n");
		}
		rc |= buf_adds(h, "</table>\n");
	}
	buf_release(&url);
	rc |= buf_adds(h, "<p style=\"color: #666\">Sent automatically by tracker.</p>\n</body></html>\n");
	return rc ? -1 : 0;
}

int email_build(struct buf *out, const struct email_params *p, const struct notify_digest *d,
		struct error *err)
{
	int rc = -1;
	struct buf fname, faddr, body, subj;
	buf_init(&fname, 4096);
	buf_init(&faddr, 4096);
	buf_init(&body, BUF_MAX_DEFAULT);
	buf_init(&subj, 64 * 1024);
	size_t start = out->len;

	if (!d->nitems || !d->items) {
		error_set(err, ERR_DATA, "digest %s has no items",
			  d->idempotency_key ? d->idempotency_key : "");
		goto out;
	}
	if (!d->idempotency_key || !*d->idempotency_key) {
		error_set(err, ERR_DATA, "digest has no idempotency key");
		goto out;
	}
	if (email_split_from(p->from, &fname, &faddr, err) < 0)
		goto out;
	if (email_check_address(d->recipient_addr, err) < 0) {
		error_prefix(err, "recipient");
		goto out;
	}
	const char *domain = strrchr(buf_cstr(&faddr), '@') + 1;
	char hash[33];
	notify_sha256_hex(d->idempotency_key, strlen(d->idempotency_key), hash, 32);

	/* Headers */
	if (buf_adds(out, "From: ") < 0 || add_mailbox(out, buf_cstr(&fname), buf_cstr(&faddr), 6, err) < 0)
		goto out;
	if (buf_adds(out, "\r\nTo: ") < 0 ||
	    add_mailbox(out, d->recipient_name, d->recipient_addr, 4, err) < 0)
		goto out;
	if (buf_adds(&subj, "[tracker] ") < 0 || notify_summary(&subj, d) < 0)
		goto oom;
	bool one_incident = true;
	for (size_t i = 1; i < d->nitems; i++)
		if (!same_incident(&d->items[i], &d->items[0]))
			one_incident = false;
	if (one_incident && d->items[0].incident_title && *d->items[0].incident_title &&
	    (buf_adds(&subj, ": ") < 0 || buf_adds(&subj, d->items[0].incident_title) < 0))
		goto oom;
	if (buf_adds(out, "\r\nSubject: ") < 0 || email_header_encode(out, buf_cstr(&subj), 9, err) < 0)
		goto out;
	if (buf_adds(out, "\r\nDate: ") < 0 || add_rfc5322_date(out, p->date) < 0)
		goto oom;
	if (buf_printf(out, "\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n", hash, domain) < 0)
		goto oom;
	if (buf_printf(out, "Content-Type: multipart/alternative; boundary=\"=_tracker_%.16s\"\r\n", hash) <
	    0)
		goto oom;
	if (buf_adds(out, "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n") < 0)
		goto oom;
	if (p->list_id && *p->list_id) {
		if (has_control(p->list_id)) {
			error_set(err, ERR_CONFIG, "[smtp] list_id holds a control character: refused");
			goto out;
		}
		if (buf_printf(out, strchr(p->list_id, '<') ? "List-Id: %s\r\n" : "List-Id: <%s>\r\n",
			       p->list_id) < 0)
			goto oom;
	} else if (buf_printf(out, "List-Id: tracker reminders <reminders.tracker.%s>\r\n", domain) < 0) {
		goto oom;
	}
	if (p->unsubscribe_url && *p->unsubscribe_url) {
		for (const unsigned char *q = (const unsigned char *)p->unsubscribe_url; *q; q++)
			if (*q <= 0x20 || *q == 0x7F || *q == '<' || *q == '>') {
				error_set(
				    err, ERR_CONFIG,
				    "[smtp] unsubscribe_url holds a space, control character or <>: refused");
				goto out;
			}
		if (buf_printf(out, "List-Unsubscribe: <%s>\r\n", p->unsubscribe_url) < 0)
			goto oom;
	}
	if (buf_printf(out, "X-Tracker-Kind: %s\r\n", notify_digest_kind(d)) < 0)
		goto oom;
	if (buf_printf(out, "\r\nThis is a multi-part message in MIME format.\r\n\r\n--=_tracker_%.16s\r\n",
		       hash) < 0)
		goto oom;

	/* text/plain */
	if (buf_adds(out, "Content-Type: text/plain; charset=utf-8\r\n"
			  "Content-Transfer-Encoding: quoted-printable\r\n\r\n") < 0)
		goto oom;
	if (build_text(&body, p, d) < 0 || email_qp_encode(out, body.data, body.len) < 0)
		goto oom;
	/* text/html */
	buf_reset(&body);
	if (buf_printf(out,
		       "\r\n--=_tracker_%.16s\r\nContent-Type: text/html; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		       hash) < 0)
		goto oom;
	if (build_html(&body, p, d) < 0 || email_qp_encode(out, body.data, body.len) < 0)
		goto oom;
	if (buf_printf(out, "\r\n--=_tracker_%.16s--\r\n", hash) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	error_set(err, ERR_IO, "message too large or out of memory");
out:
	if (rc < 0)
		buf_truncate(out, start);
	buf_release(&fname);
	buf_release(&faddr);
	buf_release(&body);
	buf_release(&subj);
	return rc;
}
