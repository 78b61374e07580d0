/*
 * import.c — reading a post-mortem: the input checks, then the walk and the rules.
 *
 * Input rules: a file over the size limit is rejected before it is read; a NUL byte or invalid
 * UTF-8 rejects the file naming the line; a leading UTF-8 BOM is skipped; CRLF, CR and LF are all
 * line ends (the parser knows them). The SHA-256 of the whole file is kept for change detection.
 */
#include "import.h"

#include <cmark-gfm-core-extensions.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#include "buf.h"
#include "config.h"
#include "frontmatter.h"
#include "ident.h"
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
	free(d->inc.status);
	free(d->inc.id_placeholder);
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

void import_prepare_threads(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

#define IMPORT_RULES_VERSION                                                                                 \
	5 /* 2: issue 9 ids, front matter, incident dates; 3: lists beside a table are notes; 4: "#000"      \
	   * is a placeholder; 5: no id over 64 characters from a title */

/* First 8 hex digits of the SHA-256 of the NUL-separated strings (a NULL list is the empty one). */
static void digest8(const char *const *v, const char *one, char out[9])
{
	struct buf b;
	unsigned char md[SHA256_BYTES];
	buf_init(&b, BUF_MAX_DEFAULT);
	if (one)
		buf_add(&b, one, strlen(one) + 1);
	for (size_t i = 0; v && v[i]; i++)
		buf_add(&b, v[i], strlen(v[i]) + 1);
	sha256_bytes(b.data ? b.data : "", b.len, md);
	buf_release(&b);
	hex_lower(md, 4, out);
}

void import_rules_id(const struct import_opts *o, char out[64])
{
	enum date_order d = o ? o->date_order : DATE_ORDER_AUTO;
	char headings[9], people[9];
	/* What changes how a document reads: the date order, the extra section headings, and the people
	 * table ("(Name)" owners in list items are owners only when they name a person). */
	digest8(NULL, o && o->action_headings ? o->action_headings : "", headings);
	digest8(o ? o->people : NULL, NULL, people);
	if (o && o->people_handles) {
		char h[9];
		digest8(o->people_handles, people, h);
		memcpy(people, h, sizeof h);
	}
	/* and the id rules: [import] id_pattern and require_id */
	char ids[9];
	digest8(NULL, o && o->id_pattern ? o->id_pattern : "", ids);
	snprintf(out, 64, "r%d;dates=%s;h=%s;p=%s;i=%s%s", IMPORT_RULES_VERSION,
		 d == DATE_ORDER_DMY   ? "dmy"
		 : d == DATE_ORDER_MDY ? "mdy"
				       : "auto",
		 headings, people, ids, o && o->require_id ? "!" : "");
}

void import_stat_from(struct import_stat *out, const struct stat *sb)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	out->size = (int64_t)sb->st_size;
	out->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	out->ino = (int64_t)sb->st_ino;
	/* A file changed in the same clock tick as its reading could change again without its stat
	 * changing: only a stat older than that is a key (git's "racily clean" problem). */
	out->known = sb->st_mtim.tv_sec + IMPORT_RACY_S <= now.tv_sec;
}

int import_parse_buffer(const char *path, const char *data, size_t len, const struct import_opts *o,
			struct import_doc *doc)
{
	sha256_bytes(data, len, doc->sha256);
	return import_parse_hashed(path, data, len, o, doc);
}

int import_parse_hashed(const char *path, const char *data, size_t len, const struct import_opts *o,
			struct import_doc *doc)
{
	size_t max = o && o->max_size ? o->max_size : DEFAULT_MAX_SIZE;
	if (!doc->path)
		doc->path = strdup(path);
	if (o && o->rules_id)
		snprintf(doc->rules, sizeof doc->rules, "%s", o->rules_id);
	else
		import_rules_id(o, doc->rules);
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
	struct frontmatter fm;
	struct raw_field fmf[IF_COUNT];
	memset(fmf, 0, sizeof fmf);
	int prc = frontmatter_read(data, len, &fm, fmf, IF_COUNT, doc);
	if (prc == 0)
		prc = parse_markdown(data, len, fm.skip, fm.skip_lines, o, &raw, doc);
	else
		memset(&raw, 0, sizeof raw);
	/* Front matter is the document's own metadata: its fields win over labels in the text. */
	for (size_t f = 0; f < IF_COUNT; f++) {
		if (!fmf[f].value || !*fmf[f].value) {
			free(fmf[f].value); /* "id:" with nothing after it says nothing */
			continue;
		}
		free(raw.fields[f].value);
		raw.fields[f] = fmf[f];
		raw.fm_fields[f] = true;
		if (f == IF_ID)
			raw.id_strong = true;
	}
	if (prc < 0) {
		raw_doc_release(&raw);
		import_diag(doc, DIAG_ERROR, 0, "out of memory while parsing");
		return -1;
	}
	rules_apply(&raw, o, doc);
	raw_doc_release(&raw);
	return doc->nerrors ? -1 : 0;
}

int import_load_file(const char *path, const struct import_opts *o, struct import_doc *doc, char **out,
		     size_t *out_len, struct error *err)
{
	*out = NULL;
	*out_len = 0;
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
	import_stat_from(&doc->src, &sb);
	/* The stat is the key only if the file is what was read: same size (a file that grew or shrank
	 * while it was read has another stat now). */
	if ((int64_t)b.len != doc->src.size)
		doc->src.known = false;
	*out_len = b.len;
	*out = buf_detach(&b);
	if (!*out)
		return error_set(err, ERR_IO, "%s: out of memory", path);
	return 0;
}

int import_read_file(const char *path, const struct import_opts *o, struct import_doc *doc, struct error *err)
{
	char *data;
	size_t len;
	if (import_load_file(path, o, doc, &data, &len, err) < 0)
		return -1;
	int rc = import_parse_buffer(path, data, len, o, doc);
	free(data);
	return rc;
}

int import_opts_from_config(struct import_opts *o, const struct config *cfg, struct error *err)
{
	memset(o, 0, sizeof *o);
	o->max_size = (size_t)cfg->import_max_size;
	o->date_order = DATE_ORDER_AUTO;
	if (cfg->import_date_order && !strcmp(cfg->import_date_order, "dmy"))
		o->date_order = DATE_ORDER_DMY;
	else if (cfg->import_date_order && !strcmp(cfg->import_date_order, "mdy"))
		o->date_order = DATE_ORDER_MDY;
	o->require_id = cfg->import_require_id;
	o->id_pattern = cfg->import_id_pattern;
	o->action_headings = cfg->import_action_headings;
	if (cfg->import_id_pattern && *cfg->import_id_pattern) {
		char msg[256];
		regex_t *re = malloc(sizeof *re);
		if (!re)
			return error_set(err, ERR_IO, "out of memory");
		if (ident_compile(cfg->import_id_pattern, re, msg, sizeof msg) < 0) {
			free(re);
			return error_set(err, ERR_CONFIG,
					 "%s: [import] id_pattern \"%s\" is not a valid POSIX "
					 "extended regular expression: %s",
					 cfg->path ? cfg->path : "config", cfg->import_id_pattern, msg);
		}
		o->id_re = re;
	}
	return 0;
}

void import_opts_release(struct import_opts *o)
{
	if (o->id_re) {
		regfree(o->id_re);
		free(o->id_re);
	}
	o->id_re = NULL;
}
