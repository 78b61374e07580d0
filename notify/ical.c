/*
 * ical.c — renders a calendar feed of action items as iCalendar (RFC 5545 + RFC 7986 calendar
 * properties), in one of two flavours: all-day VEVENTs on each open item's due date (what calendar apps
 * subscribe to) or VTODOs with STATUS and DUE (Thunderbird and task apps).
 *
 * libical writes the calendar's own properties (VERSION, PRODID, CALSCALE, METHOD, NAME,
 * X-WR-CALNAME, REFRESH-INTERVAL, X-PUBLISHED-TTL). The components are written here, one content line
 * at a time, with RFC 5545's TEXT escaping (\\ \; \, \n) and folding (CRLF, at most 75 octets per line,
 * never inside a UTF-8 sequence): creating and serialising ~13 libical property objects per item made a
 * 10,000-item feed cost 8.5x a plain fprintf of the same lines, and libical's component tree 5.9x
 * (docs/performance.md); this writer is within 2x. The unit tests parse every feed back with libical's
 * parser and two more parsers check it in tests/e2e/t0420-notify-ical.sh.
 *
 * Text is cleaned before it reaches libical (invalid UTF-8 → U+FFFD, control characters removed,
 * newlines kept only in DESCRIPTION). The output is a pure function of the feed: items are sorted by
 * (incident, key), and every time in it comes from the items, never from the clock.
 */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "tdate.h"

#include "banned.h"

int ical_flavour_from_name(const char *name)
{
	if (!name || !strcmp(name, "events"))
		return ICAL_EVENTS;
	if (!strcmp(name, "todo") || !strcmp(name, "todos"))
		return ICAL_TODOS;
	return -1;
}

void ical_uid(const struct notify_item *it, enum ical_flavour fl, char out[static 41])
{
	char tmp[1024];
	const char *inc = it->incident_id ? it->incident_id : "", *key = it->key ? it->key : "";
	int n = snprintf(tmp, sizeof tmp, "%s%s#%s", fl == ICAL_TODOS ? "todo:" : "", inc, key);
	if (n >= 0 && (size_t)n < sizeof tmp) {
		notify_sha256_hex(tmp, (size_t)n, out, 32);
	} else {
		struct buf b;
		buf_init(&b, 1 << 20);
		buf_printf(&b, "%s%s#%s", fl == ICAL_TODOS ? "todo:" : "", inc, key);
		notify_sha256_hex(buf_cstr(&b), b.len, out, 32);
		buf_release(&b);
	}
	memcpy(out + 32, "@tracker", 9);
}

struct render {
	struct buf *out;
	struct buf text; /* scratch: cleaned text */
	struct buf line; /* scratch: one unfolded content line */
	struct buf desc; /* scratch: SUMMARY, DESCRIPTION, URL before cleaning */
	int failed;
};

/* Serialises one property (libical: escaping, parameters, folding) and frees it. */
static void put(struct render *r, icalproperty *p)
{
	if (!p) {
		r->failed = 1;
		return;
	}
	char *s = icalproperty_as_ical_string_r(p);
	if (!s || buf_adds(r->out, s) < 0)
		r->failed = 1;
	icalmemory_free_buffer(s);
	icalproperty_free(p);
}

static void put_line(struct render *r, const char *line)
{
	if (buf_adds(r->out, line) < 0 || buf_adds(r->out, "\r\n") < 0)
		r->failed = 1;
}

static const char *clean(struct render *r, const char *s, bool keep_newline)
{
	buf_reset(&r->text);
	if (notify_text_clean(&r->text, s ? s : "", keep_newline) < 0)
		r->failed = 1;
	return buf_cstr(&r->text);
}

static icalproperty *x_prop(const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);
	if (p)
		icalproperty_set_x_name(p, name);
	return p;
}

static bool is_closed(const char *status)
{
	return status && (!strcmp(status, "done") || !strcmp(status, "wont_do"));
}

/* Appends one content line (no CRLF in `s`) folded after RFC 5545 §3.1: at most 75 octets per
 * physical line, continuation lines start with a space, no fold splits a UTF-8 sequence. */
static void put_folded(struct render *r, const char *s, size_t len)
{
	size_t limit = 75;
	int rc = 0;
	while (len > limit) {
		size_t k = limit;
		while (k > 1 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		rc |= buf_add(r->out, s, k);
		rc |= buf_add(r->out, "\r\n ", 3);
		s += k;
		len -= k;
		limit = 74;
	}
	rc |= buf_add(r->out, s, len);
	rc |= buf_add(r->out, "\r\n", 2);
	if (rc)
		r->failed = 1;
}

/* NAME:value for a TEXT value: escaped (\\ \; \, \n, RFC 5545 §3.3.11), then folded. `value` must be
 * clean already (notify_text_clean()). */
static void put_text(struct render *r, const char *name, const char *value)
{
	buf_reset(&r->line);
	int rc = buf_adds(&r->line, name) | buf_addc(&r->line, ':');
	const char *v = value;
	while (*v) {
		size_t run = strcspn(v, "\\;,\n");
		rc |= buf_add(&r->line, v, run);
		v += run;
		if (!*v)
			break;
		rc |= *v == '\n' ? buf_add(&r->line, "\\n", 2)
				 : (buf_addc(&r->line, '\\') | buf_addc(&r->line, *v));
		v++;
	}
	if (rc)
		r->failed = 1;
	put_folded(r, r->line.data, r->line.len);
}

/* NAME:value for values that need no escaping (dates, numbers, URIs made by notify_item_url()). */
static void put_value(struct render *r, const char *name, const char *value)
{
	buf_reset(&r->line);
	if (buf_adds(&r->line, name) < 0 || buf_addc(&r->line, ':') < 0 || buf_adds(&r->line, value) < 0)
		r->failed = 1;
	put_folded(r, r->line.data, r->line.len);
}

static void put_date(struct render *r, const char *name, int32_t day)
{
	int y, m, d;
	char v[16];
	date_to_ymd(day, &y, &m, &d);
	snprintf(v, sizeof v, "%04d%02d%02d", y, m, d);
	put_value(r, name, v);
}

static void put_utc(struct render *r, const char *name, int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	int y, m, d;
	char v[32];
	date_to_ymd((int32_t)days, &y, &m, &d);
	snprintf(v, sizeof v, "%04d%02d%02dT%02d%02d%02dZ", y, m, d, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
	put_value(r, name, v);
}

static void put_int(struct render *r, const char *name, int n)
{
	char v[16];
	snprintf(v, sizeof v, "%d", n);
	put_value(r, name, v);
}

static void put_description(struct render *r, const struct ical_feed *f, const struct notify_item *it)
{
	struct buf *d = &r->desc;
	buf_reset(d);
	int rc = 0;
	if (it->owner && *it->owner) {
		rc |= buf_adds(d, "Owner: ");
		rc |= notify_text_clean(d, it->owner, false);
		rc |= buf_addc(d, '\n');
	}
	rc |= buf_adds(d, "Incident: ");
	rc |= notify_text_clean(d, it->incident_id, false);
	if (it->incident_title && *it->incident_title) {
		rc |= buf_adds(d, " \xE2\x80\x94 ");
		rc |= notify_text_clean(d, it->incident_title, false);
	}
	rc |= buf_adds(d, "\nStatus: ");
	rc |= notify_text_clean(d, it->status ? it->status : "open", false);
	if (it->priority >= 0 && it->priority <= 3)
		rc |= buf_printf(d, "\nPriority: %s", notify_priority_name(it->priority));
	if (f->base_url && *f->base_url) {
		rc |= buf_adds(d, "\nLink: ");
		rc |= notify_item_url(d, f->base_url, it);
	}
	if (rc)
		r->failed = 1;
	put_text(r, "DESCRIPTION", buf_cstr(d));
}

static void put_item(struct render *r, const struct ical_feed *f, const struct notify_item *it)
{
	bool todo = f->flavour == ICAL_TODOS;
	char uid[41];
	ical_uid(it, f->flavour, uid);
	put_line(r, todo ? "BEGIN:VTODO" : "BEGIN:VEVENT");
	put_value(r, "UID", uid);
	put_utc(r, "DTSTAMP", it->updated_at);
	put_utc(r, "LAST-MODIFIED", it->updated_at);
	put_int(r, "SEQUENCE", it->sequence > 0 ? it->sequence : 0);

	struct buf *s = &r->desc;
	buf_reset(s);
	int rc = 0;
	if (it->priority >= 0 && it->priority <= 3)
		rc |= buf_printf(s, "[%s] ", notify_priority_name(it->priority));
	rc |= notify_text_clean(s, it->action, false);
	rc |= buf_adds(s, " (");
	rc |= notify_item_id(s, it);
	rc |= buf_adds(s, ")");
	if (rc)
		r->failed = 1;
	put_text(r, "SUMMARY", buf_cstr(s));
	put_description(r, f, it);
	if (it->priority >= 0 && it->priority <= 3)
		put_int(r, "PRIORITY", 1 + 2 * it->priority);
	if (f->base_url && *f->base_url) {
		buf_reset(s);
		if (notify_item_url(s, f->base_url, it) == 0 && s->len)
			put_value(r, "URL", buf_cstr(s));
	}
	if (!todo) {
		put_date(r, "DTSTART;VALUE=DATE", it->due);
		put_date(r, "DTEND;VALUE=DATE", it->due + 1);
		put_line(r, "TRANSP:TRANSPARENT");
	} else {
		const char *st = it->status ? it->status : "open";
		if (it->due != DATE_NONE)
			put_date(r, "DUE;VALUE=DATE", it->due);
		if (!strcmp(st, "done")) {
			put_line(r, "STATUS:COMPLETED");
			put_line(r, "PERCENT-COMPLETE:100");
			if (it->closed_at > 0)
				put_utc(r, "COMPLETED", it->closed_at);
		} else if (!strcmp(st, "wont_do")) {
			put_line(r, "STATUS:CANCELLED");
		} else if (!strcmp(st, "in_progress") || !strcmp(st, "blocked")) {
			put_line(r, "STATUS:IN-PROCESS");
			put_line(r, "PERCENT-COMPLETE:0");
		} else {
			put_line(r, "STATUS:NEEDS-ACTION");
			put_line(r, "PERCENT-COMPLETE:0");
		}
	}
	put_line(r, todo ? "END:VTODO" : "END:VEVENT");
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct notify_item *a = *(const struct notify_item *const *)pa;
	const struct notify_item *b = *(const struct notify_item *const *)pb;
	int c = cmp_str(a->incident_id, b->incident_id);
	if (c)
		return c;
	/* numeric keys in numeric order ("2" before "10"), then by text */
	size_t la = strlen(a->key ? a->key : ""), lb = strlen(b->key ? b->key : "");
	if (la != lb && a->key && b->key && strspn(a->key, "0123456789") == la &&
	    strspn(b->key, "0123456789") == lb)
		return la < lb ? -1 : 1;
	return cmp_str(a->key, b->key);
}

int ical_render(struct buf *out, const struct ical_feed *feed, struct error *err)
{
	int rc = -1;
	size_t start = out->len;
	const struct notify_item **order = NULL;
	struct render r = {.out = out, .failed = 0};
	buf_init(&r.text, 1 << 20);
	buf_init(&r.line, 1 << 20);
	buf_init(&r.desc, 1 << 20);
	icalerror_clear_errno();

	if (feed->nitems) {
		order = malloc(feed->nitems * sizeof *order);
		if (!order) {
			error_set(err, ERR_IO, "out of memory");
			goto out;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < feed->nitems; i++) {
		const struct notify_item *it = &feed->items[i];
		if (feed->flavour == ICAL_EVENTS && (it->due == DATE_NONE || is_closed(it->status)))
			continue; /* an event needs a date; closed items leave the calendar */
		order[n++] = it;
	}
	if (n > 1)
		qsort(order, n, sizeof *order, cmp_items);

	put_line(&r, "BEGIN:VCALENDAR");
	put(&r, icalproperty_new_version("2.0"));
	put(&r, icalproperty_new_prodid("-//tracker//action items//EN"));
	put(&r, icalproperty_new_calscale("GREGORIAN"));
	put(&r, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	const char *name = clean(&r, feed->name && *feed->name ? feed->name : "Action items", false);
	put(&r, icalproperty_new_name(name));
	put(&r, x_prop("X-WR-CALNAME", name));
	icalproperty *ri = icalproperty_new_refreshinterval(icaldurationtype_from_int(3600));
	if (ri)
		icalproperty_add_parameter(ri, icalparameter_new_value(ICAL_VALUE_DURATION));
	put(&r, ri);
	put(&r, x_prop("X-PUBLISHED-TTL", "PT1H"));
	for (size_t i = 0; i < n; i++)
		put_item(&r, feed, order[i]);
	put_line(&r, "END:VCALENDAR");
	if (r.failed || icalerrno != ICAL_NO_ERROR) {
		error_set(err, ERR_IO, "cannot render the calendar: %s",
			  r.failed ? "out of memory or feed too large" : icalerror_strerror(icalerrno));
		icalerror_clear_errno();
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		buf_truncate(out, start);
	free(order);
	buf_release(&r.text);
	buf_release(&r.line);
	buf_release(&r.desc);
	return rc;
}
