/*
 * import.c — reading a post-mortem: the input checks, then the walk and the rules.
 *
 * Input rules: a file over the size limit is rejected before it is read; a NUL byte or invalid
 * UTF-8 rejects the file naming the line; a leading UTF-8 BOM is skipped; CRLF, CR and LF are all
 * line ends (the parser knows them). The SHA-256 of the whole file is kept for change detection.
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "buf.h"
#include "import_raw.h"
#include "mdguard.h"
#include "readfile.h"
#include "sha256.h"
#include "tdate.h"
#include "banned.h"

#define DEFAULT_MAX_SIZE ((size_t)4 << 20)

void import_doc_init(struct import_doc *d)
{
	memset(d, 0, sizeof *d);
	d->inc.date = DATE_NONE;
	d->inc.review_date = DATE_NONE;
	d->inc.severity = -1;
}

static void item_release(struct import_item *it)
{
	free(it->key);
	free(it->action);
	norm_owners_free(it->owners, it->nowners);
	free(it->status_raw);
	free(it->extra);
}

void import_doc_release(struct import_doc *d)
{
	free(d->path);
	free(d->inc.id);
	free(d->inc.title);
	free(d->inc.duration);
	free(d->inc.reporter);
	free(d->inc.approved_by);
	for (size_t i = 0; i < d->nitems; i++)
		item_release(&d->items[i]);
	free(d->items);
	for (size_t i = 0; i < d->ndiags; i++)
		free(d->diags[i].msg);
	free(d->diags);
	import_doc_init(d);
}

void import_diag(struct import_doc *d, enum diag_level lvl, unsigned line, const char *fmt, ...)
{
	struct buf b;
	buf_init(&b, 4096);
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	struct diag *nd = rc < 0 ? NULL : realloc(d->diags, (d->ndiags + 1) * sizeof *nd);
	if (!nd) {
		buf_release(&b);
		d->nerrors++; /* out of memory: still refuse the file */
		return;
	}
	d->diags = nd;
	nd[d->ndiags].level = lvl;
	nd[d->ndiags].line = line;
	nd[d->ndiags].msg = buf_detach(&b);
	d->ndiags++;
	if (lvl == DIAG_ERROR)
		d->nerrors++;
}

/* 1-based line of byte `off` (CRLF, CR and LF end lines). */
static unsigned line_of(const char *s, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n')
			line++;
		else if (s[i] == '\r' && !(i + 1 < off && s[i + 1] == '\n'))
			line++;
	}
	return line;
}

/* Returns the offset of the first NUL or invalid UTF-8 sequence, or `len` if all is well. */
static size_t check_text(const char *s, size_t len, bool *is_nul)
{
	size_t i = 0;
	*is_nul = false;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		if (c == 0) {
			*is_nul = true;
			return i;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0)
			return i;
		i += (size_t)n;
	}
	return len;
}

int import_parse_buffer(const char *path, const char *data, size_t len, const struct import_opts *o,
			struct import_doc *doc)
{
	size_t max = o && o->max_size ? o->max_size : DEFAULT_MAX_SIZE;
	if (!doc->path)
		doc->path = strdup(path);
	sha256_bytes(data, len, doc->sha256);
	if (len > max) {
		import_diag(doc, DIAG_ERROR, 0,
			    "file is %zu bytes, over the %zu-byte limit ([import] max_size in the config)",
			    len, max);
		return -1;
	}
	bool nul;
	size_t bad = check_text(data, len, &nul);
	if (bad < len) {
		import_diag(doc, DIAG_ERROR, line_of(data, bad),
			    nul ? "file contains a NUL byte: not a text file"
				: "invalid UTF-8 (byte 0x%02x at offset %zu): save the file as UTF-8",
			    (unsigned)(unsigned char)data[bad], bad);
		return -1;
	}
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		data += 3;
		len -= 3;
	}
	char why[512];
	unsigned wline;
	if (mdguard_check(data, len, why, sizeof why, &wline) < 0) { /* cmark-gfm's slow shapes */
		import_diag(doc, DIAG_ERROR, wline, "%s", why);
		return -1;
	}
	struct raw_doc raw;
	if (parse_markdown(data, len, o, &raw, doc) < 0) {
		raw_doc_release(&raw);
		import_diag(doc, DIAG_ERROR, 0, "out of memory while parsing");
		return -1;
	}
	rules_apply(&raw, o, doc);
	raw_doc_release(&raw);
	return doc->nerrors ? -1 : 0;
}

int import_read_file(const char *path, const struct import_opts *o, struct import_doc *doc, struct error *err)
{
	size_t max = o && o->max_size ? o->max_size : DEFAULT_MAX_SIZE;
	struct buf b;
	struct stat sb;
	buf_init(&b, max);
	if (read_file_capped(path, max, &b, &sb, err) < 0) { /* a regular file only; a FIFO never blocks */
		buf_release(&b);
		if (err->kind != ERR_DATA)
			return -1;
		/* Over the limit: the document is rejected (a diagnostic), it was not a failure to read. */
		error_init(err);
		if (!doc->path)
			doc->path = strdup(path);
		if ((unsigned long long)sb.st_size > (unsigned long long)max)
			import_diag(
			    doc, DIAG_ERROR, 0,
			    "file is %lld bytes, over the %zu-byte limit ([import] max_size in the config)",
			    (long long)sb.st_size, max);
		else /* it grew while we read it */
			import_diag(doc, DIAG_ERROR, 0, "file is over the %zu-byte limit", max);
		return -1;
	}
	if (!doc->path)
		doc->path = strdup(path);
	int rc = import_parse_buffer(path, buf_cstr(&b), b.len, o, doc);
	buf_release(&b);
	return rc;
}
