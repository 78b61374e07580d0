/*
 * text.c — text helpers shared by the channels: cleaning untrusted text (invalid UTF-8 becomes U+FFFD,
 * control characters go), HTML escaping, item ids and links, SHA-256 ids, the digest's one-line
 * summary, and reading secret files. See notify.h.
 */
#include "notify.h"
#include "readfile.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <utf8proc.h>

#include "banned.h"

static int add_plain(void *ctx, int32_t cp, const char *bytes, size_t n);
static int (*const add_plain_fn)(void *, int32_t, const char *, size_t) = add_plain;

/* Calls fn(ctx, codepoint, bytes, n) for each valid, non-control character of s; invalid sequences
 * yield U+FFFD. */
static int clean_walk(const char *s, bool keep_newline, int (*fn)(void *, int32_t, const char *, size_t),
		      void *ctx)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t left = strlen(s);
	while (left > 0) {
		if (fn == add_plain_fn) {
			/* fast path: a run of printable ASCII is appended at once */
			size_t run = 0;
			while (run < left && p[run] >= 0x20 && p[run] < 0x7F)
				run++;
			if (run) {
				if (buf_add(ctx, p, run) < 0)
					return -1;
				p += run;
				left -= run;
				continue;
			}
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)left, &cp);
		if (n <= 0) {
			if (fn(ctx, 0xFFFD, "\xEF\xBF\xBD", 3) < 0)
				return -1;
			p++;
			left--;
			continue;
		}
		bool control =
		    cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
		if (cp == '\n' && keep_newline)
			control = false;
		int rc = 0;
		if (cp == '\t')
			rc = fn(ctx, ' ', " ", 1); /* a tab becomes a space */
		else if (!control)
			rc = fn(ctx, cp, (const char *)p, (size_t)n);
		if (rc < 0)
			return -1;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

static int add_plain(void *ctx, int32_t cp, const char *bytes, size_t n)
{
	(void)cp;
	return buf_add(ctx, bytes, n);
}

int notify_text_clean(struct buf *out, const char *s, bool keep_newline)
{
	if (!s)
		return 0;
	return clean_walk(s, keep_newline, add_plain, out);
}

static int add_html(void *ctx, int32_t cp, const char *bytes, size_t n)
{
	switch (cp) {
	case '&':
		return buf_adds(ctx, "&amp;");
	case '<':
		return buf_adds(ctx, "&lt;");
	case '>':
		return buf_adds(ctx, "&gt;");
	case '"':
		return buf_adds(ctx, "&quot;");
	case '\'':
		return buf_adds(ctx, "&#39;");
	default:
		return buf_add(ctx, bytes, n);
	}
}

int notify_html_escape(struct buf *out, const char *s)
{
	if (!s)
		return 0;
	return clean_walk(s, false, add_html, out);
}

int notify_item_id(struct buf *out, const struct notify_item *it)
{
	if (notify_text_clean(out, it->incident_id, false) < 0 || buf_addc(out, '#') < 0)
		return -1;
	return notify_text_clean(out, it->key, false);
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static int url_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			if (buf_addc(out, (char)c) < 0)
				return -1;
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			if (buf_add(out, e, 3) < 0)
				return -1;
		}
	}
	return 0;
}

static int add_base(struct buf *out, const char *base_url)
{
	size_t n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)base_url[i] <= 0x20 || base_url[i] == 0x7F)
			return -1; /* refuse to link to a URL with spaces or controls */
	return buf_add(out, base_url, n);
}

int notify_incident_url(struct buf *out, const char *base_url, const char *incident_id)
{
	if (!base_url || !*base_url)
		return 0;
	if (add_base(out, base_url) < 0 || buf_adds(out, "/incidents/") < 0)
		return -1;
	return url_escape(out, incident_id);
}

int notify_item_url(struct buf *out, const char *base_url, const struct notify_item *it)
{
	if (!base_url || !*base_url)
		return 0;
	if (add_base(out, base_url) < 0 || buf_adds(out, "/items/") < 0 ||
	    url_escape(out, it->incident_id) < 0 || buf_adds(out, "%23") < 0)
		return -1;
	return url_escape(out, it->key);
}

void notify_sha256_hex(const char *s, size_t len, char *out, size_t nhex)
{
	char full[SHA256_HEX_CHARS + 1];
	sha256_hex(s, len, full);
	if (nhex > SHA256_HEX_CHARS)
		nhex = SHA256_HEX_CHARS;
	memcpy(out, full, nhex);
	out[nhex] = '\0';
}

const char *notify_priority_name(int priority)
{
	static const char *const names[] = {"P0", "P1", "P2", "P3"};
	return priority >= 0 && priority <= 3 ? names[priority] : "P?";
}

const char *notify_item_kind(const struct notify_digest *d, const struct notify_item *it)
{
	static const char *const kinds[] = {"overdue", "due_soon", "escalation"};
	for (int k = 0; k < 3; k++)
		if (it->kind && !strcmp(it->kind, kinds[k]))
			return kinds[k];
	if (d->kind && !strcmp(d->kind, "escalation"))
		return kinds[2];
	return it->days_late > 0 ? kinds[0] : kinds[1];
}

void notify_digest_counts(const struct notify_digest *d, struct notify_counts *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < d->nitems; i++) {
		const char *k = notify_item_kind(d, &d->items[i]);
		if (!strcmp(k, "overdue"))
			c->overdue++;
		else if (!strcmp(k, "due_soon"))
			c->due_soon++;
		else
			c->escalation++;
	}
}

const char *notify_digest_kind(const struct notify_digest *d)
{
	struct notify_counts c;
	notify_digest_counts(d, &c);
	if (c.overdue == d->nitems)
		return "overdue";
	if (c.due_soon == d->nitems)
		return "due_soon";
	if (c.escalation == d->nitems)
		return "escalation";
	return "mixed";
}

int notify_summary(struct buf *out, const struct notify_digest *d)
{
	size_t counts[4] = {0};
	for (size_t i = 0; i < d->nitems; i++)
		if (d->items[i].priority >= 0 && d->items[i].priority <= 3)
			counts[d->items[i].priority]++;
	struct notify_counts c;
	notify_digest_counts(d, &c);
	const char *plural = d->nitems == 1 ? "" : "s";
	int rc;
	if (c.due_soon == d->nitems)
		rc = buf_printf(out, "%zu action item%s due soon", d->nitems, plural);
	else if (c.escalation == d->nitems)
		rc = buf_printf(out, "Escalation: %zu overdue action item%s", d->nitems, plural);
	else if (c.overdue == d->nitems)
		rc = buf_printf(out, "%zu overdue action item%s", d->nitems, plural);
	else {
		/* mixed: "2 overdue, 1 escalated, 3 due soon" */
		const char *sep = "";
		rc = 0;
		if (c.overdue) {
			rc |= buf_printf(out, "%zu overdue", c.overdue);
			sep = ", ";
		}
		if (c.escalation) {
			rc |= buf_printf(out, "%s%zu escalated", sep, c.escalation);
			sep = ", ";
		}
		if (c.due_soon)
			rc |= buf_printf(out, "%s%zu due soon", sep, c.due_soon);
	}
	if (rc < 0)
		return -1;
	for (int p = 0; p < 4; p++)
		if (counts[p])
			return buf_printf(out, " (%zu P%d)", counts[p], p);
	return 0;
}

bool notify_slack_id_ok(const char *id)
{
	if (!id)
		return false;
	size_t n = 0;
	for (; id[n]; n++)
		if (!((id[n] >= 'A' && id[n] <= 'Z') || (id[n] >= 'a' && id[n] <= 'z') ||
		      (id[n] >= '0' && id[n] <= '9')))
			return false;
	return n >= 2 && n <= 32;
}

int notify_read_secret_file(const char *path, char **out, struct error *err)
{
	*out = NULL;
	struct buf text;
	buf_init(&text, 4096);
	int rc = -1;
	if (read_file_capped(path, 4096, &text, NULL, err) < 0) {
		err->kind = ERR_CONFIG;
		error_prefix(err, "secret file (at most 4 KiB)");
		goto out;
	}
	const char *t = buf_cstr(&text);
	size_t n = text.len, len = 0;
	while (len < n && t[len] != '\n' && t[len] != '\r' && t[len] != '\0')
		len++;
	if (len == 0) {
		error_set(err, ERR_CONFIG, "%s: secret file is empty", path);
		goto out;
	}
	*out = malloc(len + 1);
	if (!*out) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	memcpy(*out, t, len);
	(*out)[len] = '\0';
	rc = 0;
out:
	if (text.data)
		OPENSSL_cleanse(text.data, text.len);
	buf_release(&text);
	return rc;
}
