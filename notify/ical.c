/*
 * ical.c — renders a calendar feed of action items as iCalendar (RFC 5545 + RFC 7986 calendar
 * properties), in one of two flavours: all-day VEVENTs on each open item's due date (what calendar apps
 * subscribe to) or VTODOs with STATUS and DUE (Thunderbird and task apps).
 *
 * libical writes every property: its value types, TEXT escaping (\\ \; \, \n), parameters and line
 * folding (CRLF, continuation lines of at most 75 octets that never split a UTF-8 sequence). It does
 * not build the component tree: serialising a 10,000-event tree with icalcomponent_as_ical_string()
 * costs several times more than writing the same bytes (docs/performance.md), so this file writes the
 * BEGIN/END lines itself and serialises one property at a time into a struct buf.
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
	struct buf b;
	buf_init(&b, 1 << 20);
	if (fl == ICAL_TODOS)
		buf_adds(&b, "todo:");
	buf_adds(&b, it->incident_id ? it->incident_id : "");
	buf_addc(&b, '#');
	buf_adds(&b, it->key ? it->key : "");
	notify_sha256_hex(buf_cstr(&b), b.len, out, 32);
	memcpy(out + 32, "@tracker", 9);
	buf_release(&b);
}

struct render {
	struct buf *out;
	struct buf text; /* scratch for cleaned text */
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

static struct icaltimetype date_value(int32_t day)
{
	struct icaltimetype t = icaltime_null_date();
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	t.year = y;
	t.month = m;
	t.day = d;
	return t;
}

static struct icaltimetype utc_value(int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	struct icaltimetype v = date_value((int32_t)days);
	v.is_date = 0;
	v.hour = (int)(secs / 3600);
	v.minute = (int)(secs / 60 % 60);
	v.second = (int)(secs % 60);
	v.zone = icaltimezone_get_utc_timezone();
	return v;
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

static void put_description(struct render *r, const struct ical_feed *f, const struct notify_item *it)
{
	struct buf d;
	buf_init(&d, 1 << 20);
	int rc = 0;
	if (it->owner && *it->owner) {
		rc |= buf_adds(&d, "Owner: ");
		rc |= notify_text_clean(&d, it->owner, false);
		rc |= buf_addc(&d, '\n');
	}
	rc |= buf_adds(&d, "Incident: ");
	rc |= notify_text_clean(&d, it->incident_id, false);
	if (it->incident_title && *it->incident_title) {
		rc |= buf_adds(&d, " \xE2\x80\x94 ");
		rc |= notify_text_clean(&d, it->incident_title, false);
	}
	rc |= buf_adds(&d, "\nStatus: ");
	rc |= notify_text_clean(&d, it->status ? it->status : "open", false);
	if (it->priority >= 0 && it->priority <= 3)
		rc |= buf_printf(&d, "\nPriority: %s", notify_priority_name(it->priority));
	if (f->base_url && *f->base_url) {
		rc |= buf_adds(&d, "\nLink: ");
		rc |= notify_item_url(&d, f->base_url, it);
	}
	if (rc)
		r->failed = 1;
	put(r, icalproperty_new_description(buf_cstr(&d)));
	buf_release(&d);
}

static void put_item(struct render *r, const struct ical_feed *f, const struct notify_item *it)
{
	bool todo = f->flavour == ICAL_TODOS;
	char uid[41];
	ical_uid(it, f->flavour, uid);
	put_line(r, todo ? "BEGIN:VTODO" : "BEGIN:VEVENT");
	put(r, icalproperty_new_uid(uid));
	put(r, icalproperty_new_dtstamp(utc_value(it->updated_at)));
	put(r, icalproperty_new_lastmodified(utc_value(it->updated_at)));
	put(r, icalproperty_new_sequence(it->sequence > 0 ? it->sequence : 0));

	struct buf s;
	buf_init(&s, 1 << 20);
	if (it->priority >= 0 && it->priority <= 3)
		buf_printf(&s, "[%s] ", notify_priority_name(it->priority));
	notify_text_clean(&s, it->action, false);
	buf_adds(&s, " (");
	notify_item_id(&s, it);
	if (buf_adds(&s, ")") < 0)
		r->failed = 1;
	put(r, icalproperty_new_summary(buf_cstr(&s)));
	buf_release(&s);
	put_description(r, f, it);
	if (it->priority >= 0 && it->priority <= 3)
		put(r, icalproperty_new_priority(1 + 2 * it->priority));
	if (f->base_url && *f->base_url) {
		struct buf u;
		buf_init(&u, 1 << 20);
		if (notify_item_url(&u, f->base_url, it) == 0 && u.len)
			put(r, icalproperty_new_url(buf_cstr(&u)));
		buf_release(&u);
	}
	if (!todo) {
		put(r, icalproperty_new_dtstart(date_value(it->due)));
		put(r, icalproperty_new_dtend(date_value(it->due + 1)));
		put(r, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
	} else {
		const char *st = it->status ? it->status : "open";
		if (it->due != DATE_NONE)
			put(r, icalproperty_new_due(date_value(it->due)));
		if (!strcmp(st, "done")) {
			put(r, icalproperty_new_status(ICAL_STATUS_COMPLETED));
			put(r, icalproperty_new_percentcomplete(100));
			if (it->closed_at > 0)
				put(r, icalproperty_new_completed(utc_value(it->closed_at)));
		} else if (!strcmp(st, "wont_do")) {
			put(r, icalproperty_new_status(ICAL_STATUS_CANCELLED));
		} else if (!strcmp(st, "in_progress") || !strcmp(st, "blocked")) {
			put(r, icalproperty_new_status(ICAL_STATUS_INPROCESS));
			put(r, icalproperty_new_percentcomplete(0));
		} else {
			put(r, icalproperty_new_status(ICAL_STATUS_NEEDSACTION));
			put(r, icalproperty_new_percentcomplete(0));
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
	return rc;
}
