/*
 * writeback.c — writing the tracker's values back into the post-mortem (see writeback.h).
 *
 * The document is never re-parsed by hand: table cells come from the importer's positions
 * (cmark-gfm source positions), the Review checklist lines from a cmark walk of list items. The new
 * file is built by copying the old bytes and splicing in the replaced cell contents and checkbox
 * characters; line splitting here only maps (line, column) to byte offsets.
 */
#include "writeback.h"

#include <cmark-gfm.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "atomicfile.h"
#include "buf.h"
#include "events.h"
#include "incidents.h"
#include "itemkeys.h"
#include "items.h"
#include "readfile.h"
#include "report.h"
#include "sha256.h"
#include "tdate.h"
#include "banned.h"

#define DEFAULT_MAX_SIZE ((size_t)4 << 20)

/* --- the review checklist ------------------------------------------------------------------ */

void review_checklist(const struct wb_item *items, size_t n, struct review_check *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const struct wb_item *it = &items[i];
		unsigned b = report_item_blocks(it->priority, it->status, it->due != NULL, it->removed);
		out->blockers_p0 += (b >> REPORT_P0_COMPLETED) & 1u;
		out->blockers_p1 += (b >> REPORT_P1_SCHEDULED) & 1u;
	}
	out->p0_completed = out->blockers_p0 == 0;
	out->p1_scheduled = out->blockers_p1 == 0;
}

/* --- results --------------------------------------------------------------------------------- */

void wb_result_init(struct wb_result *r)
{
	memset(r, 0, sizeof *r);
	import_doc_init(&r->doc);
}

void wb_result_release(struct wb_result *r)
{
	free(r->data);
	for (size_t i = 0; i < r->nedits; i++) {
		free(r->edits[i].key);
		free(r->edits[i].old_text);
		free(r->edits[i].new_text);
	}
	free(r->edits);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	import_doc_release(&r->doc);
	wb_result_init(r);
}

static int add_note(struct wb_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_note(struct wb_result *r, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	buf_init(&b, 4096);
	va_start(ap, fmt);
	int rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char **nn = rc < 0 ? NULL : realloc(r->notes, (r->nnotes + 1) * sizeof *nn);
	if (!nn) {
		buf_release(&b);
		return -1;
	}
	r->notes = nn;
	r->notes[r->nnotes++] = buf_detach(&b);
	return 0;
}

/* --- lines ----------------------------------------------------------------------------------- */

struct line {
	size_t off, len, eol; /* content at [off, off+len), then eol bytes of line end */
};

/* Splits into lines (CRLF, CR, LF). A final line without an end counts if it has bytes. */
static struct line *split_lines(const char *s, size_t n, size_t *count)
{
	size_t cap = 64, k = 0, start = 0;
	struct line *v = malloc(cap * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		size_t eol = 0;
		if (i == n) {
			if (start == n)
				break;
		} else if (s[i] == '\n') {
			eol = 1;
		} else if (s[i] == '\r') {
			eol = i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
		} else {
			continue;
		}
		if (k == cap) {
			struct line *nv = realloc(v, cap * 2 * sizeof *nv);
			if (!nv) {
				free(v);
				return NULL;
			}
			v = nv;
			cap *= 2;
		}
		v[k].off = start;
		v[k].len = i - start;
		v[k].eol = eol;
		k++;
		if (i == n)
			break;
		i += eol - 1;
		start = i + 1;
	}
	*count = k;
	return v;
}

/* --- locating cells ------------------------------------------------------------------------ */

struct ctx {
	const char *data;
	size_t len, bom;
	struct line *lines;
	size_t nlines;
};

static bool span_is_cell(const struct ctx *c, const struct line *l, size_t lo, size_t b, size_t e)
{
	if (b < lo || e > l->off + l->len || b > e)
		return false;
	/* left: a pipe, or only indentation and blockquote markers before it */
	if (b > lo && c->data[b - 1] != '|') {
		for (size_t i = lo; i < b; i++)
			if (c->data[i] != ' ' && c->data[i] != '\t' && c->data[i] != '>')
				return false;
	}
	/* right: a pipe or the end of the line (trailing white space allowed) */
	if (e < l->off + l->len && c->data[e] != '|') {
		for (size_t i = e; i < l->off + l->len; i++)
			if (c->data[i] != ' ' && c->data[i] != '\t')
				return false;
	}
	for (size_t i = b; i < e; i++)
		if (c->data[i] == '|' && (i == b || c->data[i - 1] != '\\'))
			return false;
	return true;
}

/* Byte range [*b, *e) of a cell's content. Returns 0, or -1 with err set. */
static int locate(const struct ctx *c, const struct cellpos *p, const char *key, const char *what, size_t *b,
		  size_t *e, struct error *err)
{
	if (!p->line || p->line > c->nlines || !p->col_start || p->col_end + 1 < p->col_start)
		return error_set(err, ERR_DATA, "line %u: item %s: no usable position for its %s cell",
				 p->line, key, what);
	const struct line *l = &c->lines[p->line - 1];
	size_t lo = l->off + (p->line == 1 ? c->bom : 0);
	size_t indent = 0;
	while (lo + indent < l->off + l->len && (c->data[lo + indent] == ' ' || c->data[lo + indent] == '\t'))
		indent++;
	size_t shifts[2] = {0, indent};
	for (int k = 0; k < (indent ? 2 : 1); k++) {
		size_t sb = lo + p->col_start - 1 + shifts[k], se = lo + p->col_end + shifts[k];
		if (span_is_cell(c, l, lo, sb, se)) {
			*b = sb;
			*e = se;
			return 0;
		}
	}
	return error_set(err, ERR_DATA,
			 "line %u: item %s: the %s cell is not at columns %u-%u as the parser reported; "
			 "nothing written (please report this with the file)",
			 p->line, key, what, p->col_start, p->col_end);
}

/* --- formatting values -------------------------------------------------------------------- */

static size_t display_width(const char *s, size_t n)
{
	size_t w = 0, i = 0;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t adv =
		    utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (adv <= 0) {
			w++;
			i++;
			continue;
		}
		int cw = utf8proc_charwidth(cp);
		/* emoji presentation selectors and joiners are zero-width; most emoji are two wide */
		w += cw > 0 ? (size_t)cw : 0;
		i += (size_t)adv;
	}
	return w;
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t';
}

static char *trimmed_copy(const char *s, size_t n)
{
	size_t b = 0, e = n;
	while (b < e && is_ws(s[b]))
		b++;
	while (e > b && is_ws(s[e - 1]))
		e--;
	return strndup(s + b, e - b);
}

/*
 * The new bytes of a cell whose old content is old[0..n): the old leading white space, the value,
 * and padding so that the cell keeps its display width when the value fits (before the value when
 * the old content was right-aligned), else one trailing space if the old cell had one.
 */
static int format_cell(const char *old, size_t n, const char *value, struct buf *out)
{
	size_t lead = 0, trail = 0;
	while (lead < n && is_ws(old[lead]))
		lead++;
	if (lead == n) { /* an empty cell */
		lead = n > 0 ? 1 : 0;
		trail = n > 1 ? 1 : 0;
	} else {
		while (trail < n && is_ws(old[n - 1 - trail]))
			trail++;
	}
	bool right = lead > 1 && trail <= 1 && lead > trail && lead < n;
	size_t old_w = display_width(old, n);
	struct buf v;
	buf_init(&v, 0);
	for (const char *p = value; *p; p++) /* a pipe in a value would end the cell */
		if ((*p == '|' && buf_addc(&v, '\\') < 0) || buf_addc(&v, *p) < 0) {
			buf_release(&v);
			return -1;
		}
	size_t val_w = display_width(buf_cstr(&v), v.len);
	size_t keep_trail = trail ? 1 : 0;
	int rc = 0;
	if (!right || 1 + val_w + keep_trail > old_w) {
		size_t used = lead + val_w;
		rc |= buf_add(out, old, lead);
		rc |= buf_add(out, buf_cstr(&v), v.len);
		if (used + keep_trail <= old_w)
			for (size_t i = used; i < old_w; i++)
				rc |= buf_addc(out, ' ');
		else if (keep_trail)
			rc |= buf_addc(out, ' ');
	} else {
		for (size_t i = val_w + keep_trail; i < old_w; i++)
			rc |= buf_addc(out, ' ');
		rc |= buf_add(out, buf_cstr(&v), v.len);
		if (keep_trail)
			rc |= buf_addc(out, ' ');
	}
	buf_release(&v);
	return rc ? -1 : 0;
}

static const char *const template_words[STATUS_COUNT] = {"Not started", "In progress", "Blocked", "Done",
							 "Won't do"};

/* Whether a status cell is just a status said shortly (so other rows may copy it): at most three
 * words, no digits, no '#', '(' or link, and a word the normalizer knows. */
static bool short_status(const char *text)
{
	size_t n = strlen(text), words = 0;
	if (!n || n > 32)
		return false;
	bool in = false;
	for (const char *p = text; *p; p++) {
		if ((*p >= '0' && *p <= '9') || *p == '#' || *p == '(' || *p == '|' || *p == '/')
			return false;
		if (*p == ' ')
			in = false;
		else if (!in)
			in = true, words++;
	}
	return words <= 3;
}

/* Owners as the document writes them: "@a, @b"; an owner that is not a handle as its text. */
static char *format_owners(const char *owners_json)
{
	struct buf b;
	buf_init(&b, 0);
	json_t *a = owners_json ? json_loads(owners_json, 0, NULL) : NULL;
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		const char *h = json_string_value(v);
		if (!h || !*h)
			continue;
		bool handle = true;
		for (const char *p = h; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
				handle = false;
		if (b.len)
			buf_adds(&b, ", ");
		if (handle)
			buf_addc(&b, '@');
		buf_adds(&b, h);
	}
	json_decref(a);
	return buf_detach(&b);
}

/* Whether the document's owners equal a JSON array of owners. */
static bool owners_equal(char **owners, int n, const char *owners_json)
{
	json_t *a = owners_json ? json_loads(owners_json, 0, NULL) : NULL;
	bool eq = (size_t)n == json_array_size(a);
	for (int i = 0; eq && i < n; i++) {
		const char *s = json_string_value(json_array_get(a, (size_t)i));
		eq = s && !strcmp(s, owners[i]);
	}
	json_decref(a);
	return eq;
}

static bool due_equal(int32_t due, const char *s)
{
	if (due == DATE_NONE || !s)
		return due == DATE_NONE && !s;
	char d[11];
	date_format(due, d);
	return !strcmp(d, s);
}

/* --- edits ------------------------------------------------------------------------------------ */

struct splice {
	size_t b, e;
	char *bytes;
	size_t n;
};

struct plan {
	struct splice *v;
	size_t n;
};

static int plan_add(struct plan *p, size_t b, size_t e, const char *bytes, size_t n)
{
	struct splice *nv = realloc(p->v, (p->n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	p->v = nv;
	char *copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, bytes, n);
	copy[n] = '\0';
	p->v[p->n++] = (struct splice){b, e, copy, n};
	return 0;
}

static void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].bytes);
	free(p->v);
}

static int cmp_splice(const void *a, const void *b)
{
	const struct splice *x = a, *y = b;
	return (x->b > y->b) - (x->b < y->b);
}

static int add_edit(struct wb_result *r, enum wb_field f, unsigned line, const char *key, const char *old,
		    size_t oldn, const char *nw, size_t nwn)
{
	struct wb_edit *ne = realloc(r->edits, (r->nedits + 1) * sizeof *ne);
	if (!ne)
		return -1;
	r->edits = ne;
	struct wb_edit *e = &r->edits[r->nedits];
	e->field = f;
	e->line = line;
	e->key = key ? strdup(key) : NULL;
	e->old_text = trimmed_copy(old, oldn);
	e->new_text = trimmed_copy(nw, nwn);
	e->box = false;
	r->nedits++;
	if ((key && !e->key) || !e->old_text || !e->new_text)
		return -1;
	return 0;
}

/* Replaces one cell: locate, format, plan, record. */
static int replace_cell(const struct ctx *c, struct plan *pl, struct wb_result *r, enum wb_field f,
			const struct cellpos *pos, const char *key, const char *value, struct error *err)
{
	static const char *const names[] = {"Status", "Due", "Owner", "checklist"};
	size_t b, e;
	if (locate(c, pos, key, names[f], &b, &e, err) < 0)
		return -1;
	struct buf nb;
	buf_init(&nb, 0);
	int rc = -1;
	if (format_cell(c->data + b, e - b, value, &nb) < 0 ||
	    plan_add(pl, b, e, buf_cstr(&nb), nb.len) < 0 ||
	    add_edit(r, f, pos->line, key, c->data + b, e - b, buf_cstr(&nb), nb.len) < 0)
		error_set(err, ERR_IO, "out of memory");
	else
		rc = 0;
	buf_release(&nb);
	return rc;
}

/* --- the review checklist lines ----------------------------------------------------------- */

/* The cleaned text of the first line of a paragraph. */
static char *first_line_text(cmark_node *para)
{
	struct buf b;
	buf_init(&b, 4096);
	cmark_iter *it = cmark_iter_new(para);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK)
			break;
		if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
			const char *lit = cmark_node_get_literal(n);
			if (lit && buf_adds(&b, lit) < 0)
				break;
		}
	}
	cmark_iter_free(it);
	char *s = norm_text(buf_cstr(&b), b.len);
	buf_release(&b);
	return s;
}

/* Which checklist line a list item's text is: 0 (P0 completed), 1 (P1 scheduled) or -1. */
static int checklist_kind(const char *text)
{
	static const char *const lines[] = {"all p0 items completed", "all p1 items scheduled"};
	if (text[0] != '[' || !text[1] || text[2] != ']' ||
	    (text[1] != ' ' && text[1] != 'x' && text[1] != 'X'))
		return -1;
	const char *p = text + 3;
	while (*p == ' ')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == '.' || p[n - 1] == ' '))
		n--;
	for (int k = 0; k < 2; k++)
		if (n == strlen(lines[k]) && !strncasecmp(p, lines[k], n))
			return k;
	return -1;
}

/* Offset of the box character ("[ ]" → the space) on a raw line: only indentation, blockquote and
 * list markers may come before the '['. */
static bool find_box(const struct ctx *c, unsigned line, size_t *at)
{
	if (!line || line > c->nlines)
		return false;
	const struct line *l = &c->lines[line - 1];
	size_t i = l->off + (line == 1 ? c->bom : 0), end = l->off + l->len;
	while (i < end && strchr(" \t>-*+.)0123456789", c->data[i]))
		i++;
	if (i + 2 >= end || c->data[i] != '[' || c->data[i + 2] != ']')
		return false;
	char ch = c->data[i + 1];
	if (ch != ' ' && ch != 'x' && ch != 'X')
		return false;
	*at = i + 1;
	return true;
}

static int checklist(const struct ctx *c, const struct review_check *rc, struct plan *pl, struct wb_result *r,
		     struct error *err)
{
	cmark_parser *p = cmark_parser_new(CMARK_OPT_SOURCEPOS);
	if (!p)
		return error_set(err, ERR_IO, "out of memory");
	cmark_parser_feed(p, c->data + c->bom, c->len - c->bom);
	cmark_node *root = cmark_parser_finish(p);
	int ret = 0;
	cmark_iter *it = root ? cmark_iter_new(root) : NULL;
	cmark_event_type ev;
	while (it && ret == 0 && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_ITEM)
			continue;
		cmark_node *para = cmark_node_first_child(n);
		if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH)
			continue;
		char *text = first_line_text(para);
		int kind = text ? checklist_kind(text) : -1;
		free(text);
		if (kind < 0)
			continue;
		unsigned line = (unsigned)cmark_node_get_start_line(para);
		size_t at;
		if (!find_box(c, line, &at)) {
			if (add_note(r, "line %u: the checklist line's box is not where expected: left as is",
				     line) < 0)
				ret = error_set(err, ERR_IO, "out of memory");
			continue;
		}
		bool want = kind == 0 ? rc->p0_completed : rc->p1_scheduled;
		bool has = c->data[at] != ' ';
		if (want == has)
			continue;
		const char *nw = want ? "x" : " ";
		const struct line *l = &c->lines[line - 1];
		size_t lo = l->off + (line == 1 ? c->bom : 0);
		/* the edit records the whole line's text for messages */
		struct buf nl;
		buf_init(&nl, 0);
		if (plan_add(pl, at, at + 1, nw, 1) < 0 || buf_add(&nl, c->data + lo, at - lo) < 0 ||
		    buf_adds(&nl, nw) < 0 || buf_add(&nl, c->data + at + 1, l->off + l->len - at - 1) < 0 ||
		    add_edit(r, WB_CHECKLIST, line, NULL, c->data + lo, l->off + l->len - lo, buf_cstr(&nl),
			     nl.len) < 0)
			ret = error_set(err, ERR_IO, "out of memory");
		buf_release(&nl);
	}
	if (it)
		cmark_iter_free(it);
	if (root)
		cmark_node_free(root);
	cmark_parser_free(p);
	if (!root && ret == 0)
		ret = error_set(err, ERR_IO, "out of memory while parsing");
	return ret;
}

/* --- the computation ------------------------------------------------------------------------ */

/* A list item's status (issue 9): a task-list box follows it ("[x]" for done, "[ ]" otherwise);
 * other list items are not rewritten, and the note says so. -1 if out of memory. */
static int list_box(const struct ctx *c, struct plan *pl, struct wb_result *r, const struct import_item *it,
		    const struct wb_item *w)
{
	if (!it->pos_box.line)
		return add_note(r,
				"line %u: item %s is a list item without a task box: its status (%s) is not "
				"written (only \"- [ ]\" items are rewritten)",
				it->line, it->key, status_name(w->status));
	if (w->status == STATUS_WONT_DO)
		return add_note(r, "line %u: item %s: a task box cannot say \"won't do\": left as is",
				it->line, it->key);
	size_t at;
	if (!find_box(c, it->pos_box.line, &at))
		return add_note(r, "line %u: item %s: its task box is not where expected: left as is",
				it->line, it->key);
	bool want = w->status == STATUS_DONE, has = c->data[at] != ' ';
	if (want == has)
		return 0;
	const char *nw = want ? "x" : " ";
	char oldb[4] = {'[', c->data[at], ']', '\0'}, newb[4] = {'[', nw[0], ']', '\0'};
	if (plan_add(pl, at, at + 1, nw, 1) < 0 ||
	    add_edit(r, WB_STATUS, it->line, it->key, oldb, 3, newb, 3) < 0)
		return -1;
	r->edits[r->nedits - 1].box = true;
	return 0;
}

static const struct wb_item *find_item(const struct wb_item *items, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(items[i].key, key))
			return &items[i];
	return NULL;
}

static const struct import_item *find_doc_item(const struct import_doc *d, const char *key)
{
	for (size_t i = 0; i < d->nitems; i++)
		if (!strcmp(d->items[i].key, key))
			return &d->items[i];
	return NULL;
}

/* The document's own spelling for each status: the first short, understood Status cell. */
static void status_style(const struct ctx *c, const struct import_doc *doc, char *style[STATUS_COUNT])
{
	for (size_t i = 0; i < doc->nitems; i++) {
		const struct import_item *it = &doc->items[i];
		bool known = false;
		if (style[it->status] || !it->status_raw || !it->pos_status.line)
			continue;
		norm_status(it->status_raw, &known);
		if (!known || !short_status(it->status_raw))
			continue;
		size_t b, e;
		struct error ignored;
		if (locate(c, &it->pos_status, it->key, "Status", &b, &e, &ignored) < 0)
			continue;
		style[it->status] = trimmed_copy(c->data + b, e - b);
	}
}

/* Checks that the new document reads back as the tracker's values for every written cell. */
static int verify(const struct wb_result *r, const struct import_doc *old, const struct wb_item *items,
		  size_t nitems, struct error *err)
{
	const struct import_doc *d = &r->doc;
	if (d->nerrors) {
		for (size_t i = 0; i < d->ndiags; i++)
			if (d->diags[i].level == DIAG_ERROR)
				return error_set(err, ERR_DATA,
						 "line %u: the written document would not import (%s); "
						 "nothing written",
						 d->diags[i].line, d->diags[i].msg);
		return error_set(err, ERR_DATA, "the written document would not import; nothing written");
	}
	if (d->nitems != old->nitems)
		return error_set(err, ERR_DATA,
				 "the written document has %zu items instead of %zu; nothing written",
				 d->nitems, old->nitems);
	for (size_t i = 0; i < r->nedits; i++) {
		const struct wb_edit *e = &r->edits[i];
		if (!e->key)
			continue;
		const struct import_item *ni = find_doc_item(d, e->key);
		const struct wb_item *w = find_item(items, nitems, e->key);
		bool ok = ni && w;
		if (ok && e->field == WB_STATUS && e->box)
			ok = (ni->status == STATUS_DONE) == (w->status == STATUS_DONE);
		else if (ok && e->field == WB_STATUS)
			ok = ni->status == w->status;
		else if (ok && e->field == WB_DUE)
			ok = due_equal(ni->due, w->due);
		else if (ok && e->field == WB_OWNER)
			ok = owners_equal(ni->owners, ni->nowners, w->owners_json);
		if (!ok)
			return error_set(err, ERR_DATA,
					 "line %u: item %s: \"%s\" would not read back as the tracker's "
					 "value; nothing written",
					 e->line, e->key, e->new_text);
	}
	return 0;
}

int writeback_compute(const char *data, size_t len, const struct import_doc *doc, const struct wb_item *items,
		      size_t nitems, struct wb_result *res, struct error *err)
{
	int rc = -1;
	struct ctx c = {.data = data, .len = len};
	struct plan pl = {0};
	char *style[STATUS_COUNT] = {0};
	struct buf out;
	buf_init(&out, len * 2 + 65536);
	c.bom = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
	if (!(c.lines = split_lines(data, len, &c.nlines))) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	status_style(&c, doc, style);

	for (size_t i = 0; i < doc->nitems; i++) {
		const struct import_item *it = &doc->items[i];
		const struct wb_item *w = find_item(items, nitems, it->key);
		if (!w) {
			if (add_note(res, "line %u: item %s is not in the tracker: left as is", it->line,
				     it->key) < 0)
				goto oom;
			continue;
		}
		if (w->status != it->status && it->from_list) {
			if (list_box(&c, &pl, res, it, w) < 0)
				goto oom;
		} else if (w->status != it->status) {
			if (!it->pos_status.line) {
				if (add_note(res,
					     "line %u: item %s: its row has no Status cell (a short row, or "
					     "no Status column in its table): status not written",
					     it->line, it->key) < 0)
					goto oom;
			} else {
				const char *word =
				    style[w->status] ? style[w->status] : template_words[w->status];
				if (replace_cell(&c, &pl, res, WB_STATUS, &it->pos_status, it->key, word,
						 err) < 0)
					goto out;
			}
		}
		if (w->due_changed && !due_equal(it->due, w->due)) {
			if (!it->pos_due.line) {
				if (add_note(
					res,
					"line %u: item %s: its row has no Due cell: due date not written",
					it->line, it->key) < 0)
					goto oom;
			} else if (replace_cell(&c, &pl, res, WB_DUE, &it->pos_due, it->key,
						w->due ? w->due : "", err) < 0) {
				goto out;
			}
		}
		if (w->owners_changed && !owners_equal(it->owners, it->nowners, w->owners_json)) {
			if (!it->pos_owner.line) {
				if (add_note(res,
					     "line %u: item %s: its row has no Owner cell: owner not written",
					     it->line, it->key) < 0)
					goto oom;
			} else {
				char *own = format_owners(w->owners_json);
				int r = own ? replace_cell(&c, &pl, res, WB_OWNER, &it->pos_owner, it->key,
							   own, err)
					    : error_set(err, ERR_IO, "out of memory");
				free(own);
				if (r < 0)
					goto out;
			}
		}
	}

	struct review_check rv;
	review_checklist(items, nitems, &rv);
	if (checklist(&c, &rv, &pl, res, err) < 0)
		goto out;

	/* splice */
	if (pl.n)
		qsort(pl.v, pl.n, sizeof *pl.v, cmp_splice);
	size_t at = 0;
	for (size_t i = 0; i < pl.n; i++) {
		if (pl.v[i].b < at) {
			error_set(err, ERR_DATA, "two write-back edits overlap; nothing written");
			goto out;
		}
		if (buf_add(&out, data + at, pl.v[i].b - at) < 0 ||
		    buf_add(&out, pl.v[i].bytes, pl.v[i].n) < 0)
			goto oom;
		at = pl.v[i].e;
	}
	if (buf_add(&out, data + at, len - at) < 0)
		goto oom;
	res->len = out.len;
	res->data = buf_detach(&out);
	if (!res->data)
		goto oom;

	import_parse_buffer(doc->path ? doc->path : "document", res->data, res->len, NULL, &res->doc);
	/* keys of items without a written key were matched to the store (itemkeys.h) on `doc`; the
	 * new bytes hold the same items in the same order */
	for (size_t i = 0; i < res->doc.nitems && res->doc.nitems == doc->nitems; i++) {
		if (!res->doc.items[i].key_auto || !strcmp(res->doc.items[i].key, doc->items[i].key))
			continue;
		char *k = strdup(doc->items[i].key);
		if (!k)
			goto oom;
		free(res->doc.items[i].key);
		res->doc.items[i].key = k;
	}
	if (verify(res, doc, items, nitems, err) < 0)
		goto out;
	rc = 0;
	goto out;
oom:
	error_set(err, ERR_IO, "out of memory");
out:
	for (int i = 0; i < STATUS_COUNT; i++)
		free(style[i]);
	plan_release(&pl);
	buf_release(&out);
	free(c.lines);
	return rc;
}

/* --- unified diff --------------------------------------------------------------------------- */

static int diff_line(struct buf *out, char mark, const char *s, const struct line *l, bool last)
{
	int rc = buf_addc(out, mark);
	rc |= buf_add(out, s + l->off, l->len);
	rc |= buf_addc(out, '\n');
	if (last && !l->eol)
		rc |= buf_adds(out, "\\ No newline at end of file\n");
	return rc ? -1 : 0;
}

static bool line_same(const char *a, const struct line *la, const char *b, const struct line *lb)
{
	return la->len == lb->len && la->eol == lb->eol && !memcmp(a + la->off, b + lb->off, la->len);
}

int writeback_diff(const char *a, size_t alen, const char *b, size_t blen, const char *label_a,
		   const char *label_b, struct buf *out)
{
	enum { CONTEXT = 3 };
	size_t na, nb;
	int rc = -1;
	struct line *la = split_lines(a, alen, &na);
	struct line *lb = split_lines(b, blen, &nb);
	if (!la || !lb)
		goto out;
	if (na != nb) {
		/* not a write-back result: show the whole files */
		if (buf_printf(out, "--- %s\n+++ %s\n@@ -1,%zu +1,%zu @@\n", label_a, label_b, na, nb) < 0)
			goto out;
		for (size_t i = 0; i < na; i++)
			if (diff_line(out, '-', a, &la[i], i + 1 == na) < 0)
				goto out;
		for (size_t i = 0; i < nb; i++)
			if (diff_line(out, '+', b, &lb[i], i + 1 == nb) < 0)
				goto out;
		rc = 0;
		goto out;
	}
	bool header = false;
	size_t i = 0;
	while (i < na) {
		if (line_same(a, &la[i], b, &lb[i])) {
			i++;
			continue;
		}
		/* a hunk: from the first change, extend while the next change is within 2*CONTEXT */
		size_t first = i, last = i;
		for (size_t j = i + 1; j < na && j <= last + 2 * CONTEXT + 1; j++)
			if (!line_same(a, &la[j], b, &lb[j]))
				last = j;
		size_t hs = first > CONTEXT ? first - CONTEXT : 0;
		size_t he = last + CONTEXT + 1 < na ? last + CONTEXT + 1 : na;
		if (!header && buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b) < 0)
			goto out;
		header = true;
		/* a range of one line is written without its count, as diff -u does */
		if ((he - hs == 1 ? buf_printf(out, "@@ -%zu +%zu @@\n", hs + 1, hs + 1)
				  : buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", hs + 1, he - hs, hs + 1,
					       he - hs)) < 0)
			goto out;
		size_t k = hs;
		while (k < he) {
			if (line_same(a, &la[k], b, &lb[k])) {
				if (diff_line(out, ' ', a, &la[k], k + 1 == na) < 0)
					goto out;
				k++;
				continue;
			}
			size_t run = k;
			while (run < he && !line_same(a, &la[run], b, &lb[run]))
				run++;
			for (size_t m = k; m < run; m++)
				if (diff_line(out, '-', a, &la[m], m + 1 == na) < 0)
					goto out;
			for (size_t m = k; m < run; m++)
				if (diff_line(out, '+', b, &lb[m], m + 1 == nb) < 0)
					goto out;
			k = run;
		}
		i = he;
	}
	rc = 0;
out:
	free(la);
	free(lb);
	return rc;
}

/* --- the store side ------------------------------------------------------------------------- */

void writeback_report_init(struct writeback_report *r)
{
	memset(r, 0, sizeof *r);
	wb_result_init(&r->res);
}

void writeback_report_release(struct writeback_report *r)
{
	free(r->incident);
	free(r->path);
	free(r->old_data);
	wb_result_release(&r->res);
	memset(r, 0, sizeof *r);
	wb_result_init(&r->res);
}

/* The incidents a target names: the first one's id, path and hash (copied), and how many. */
struct target {
	char *inc, *source, *hash;
	int n;
	bool oom;
};

/* Keeps the smallest id: the exact one when a prefix names several (a prefix sorts first). */
static int target_cb(const struct incident_ref *r, void *ud)
{
	struct target *t = ud;
	if (t->n++ == 0 || (t->inc && strcmp(r->id, t->inc) < 0)) {
		free(t->inc);
		free(t->source);
		free(t->hash);
		t->inc = strdup(r->id);
		t->source = strdup(r->source);
		t->hash = strdup(r->source_hash);
		t->oom |= !t->inc || !t->source || !t->hash;
	}
	return 0;
}

/* Finds the incident of a path (by its absolute path) or of an id (a unique prefix is enough). */
static int resolve_target(struct store *st, const char *target, char **inc, char **source, char **hash,
			  struct error *err)
{
	char real[PATH_MAX];
	struct stat sb;
	bool is_file = stat(target, &sb) == 0 && S_ISREG(sb.st_mode) && realpath(target, real);
	struct target t = {0};
	int rc = -1;
	if ((is_file ? incidents_find_source(st, real, target_cb, &t, err)
		     : incidents_find_prefix(st, target, 2, target_cb, &t, err)) < 0)
		goto out;
	bool exact = t.inc && !strcmp(t.inc, target);
	if (t.n == 0)
		error_set(err, ERR_DATA,
			  is_file ? "%s has not been imported (tracker import %s first)"
				  : "no incident or file \"%s\" (see tracker incidents)",
			  target, target);
	else if (t.n > 1 && !exact)
		error_set(err, ERR_DATA, "\"%s\" names more than one incident: give more of the id", target);
	else if (t.oom)
		error_set(err, ERR_IO, "out of memory");
	else {
		*inc = t.inc;
		*source = t.source;
		*hash = t.hash;
		t.inc = t.source = t.hash = NULL;
		rc = 0;
	}
out:
	free(t.inc);
	free(t.source);
	free(t.hash);
	return rc;
}

static int read_all(const char *path, size_t max, char **data, size_t *len, struct stat *sb,
		    struct error *err)
{
	struct buf b;
	buf_init(&b, max);
	if (read_file_capped(path, max, &b, sb, err) < 0) {
		buf_release(&b);
		return -1;
	}
	*len = b.len;
	*data = buf_detach(&b);
	return *data ? 0 : error_set(err, ERR_IO, "out of memory");
}

struct stored_item {
	char *key, *due, *owners, *base_due, *base_owners, *status, *action, *base_action;
	int priority, position;
	bool removed;
};

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct loaded {
	struct stored_item *v;
	size_t n;
	bool oom;
};

static char *dup_opt(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	*oom |= s && !d;
	return d;
}

static int load_row(const struct item_row *r, void *ud)
{
	struct loaded *l = ud;
	struct stored_item *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv) {
		l->oom = true;
		return -1;
	}
	l->v = nv;
	struct stored_item *x = &nv[l->n++];
	bool oom = false;
	x->key = dup_opt(r->key, &oom);
	x->status = dup_opt(r->status, &oom);
	x->priority = r->priority < 0 ? PRIORITY_NONE : r->priority;
	x->due = dup_opt(r->due, &oom);
	x->owners = dup_opt(r->owners, &oom);
	x->base_due = dup_opt(r->base_due, &oom);
	x->base_owners = dup_opt(r->base_owners, &oom);
	x->removed = r->removed_at != NULL;
	x->action = dup_opt(r->action, &oom);
	x->base_action = dup_opt(r->base_action, &oom);
	x->position = r->position;
	l->oom |= oom;
	return oom ? -1 : 0;
}

static int load_items(struct store *st, const char *inc, struct stored_item **out, size_t *n,
		      struct error *err)
{
	struct loaded l = {0};
	int rc = items_of_incident(st, inc, load_row, &l, err);
	*out = l.v;
	*n = l.n;
	if (rc < 0 && l.oom)
		error_set(err, ERR_IO, "out of memory");
	return rc;
}

static void stored_free(struct stored_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].due);
		free(v[i].owners);
		free(v[i].base_due);
		free(v[i].base_owners);
		free(v[i].status);
		free(v[i].action);
		free(v[i].base_action);
	}
	free(v);
}

/* Stores the written fields as the new base, and records one event per edit. */
static int update_store(struct store *st, const struct writeback_report *rep, const char *new_hash,
			const struct writeback_opts *o, struct error *err)
{
	static const enum item_base_field base_of[] = {
	    [WB_STATUS] = ITEM_BASE_STATUS, [WB_DUE] = ITEM_BASE_DUE, [WB_OWNER] = ITEM_BASE_OWNERS};
	static const char *const fields[] = {"status", "due", "owners", "checklist"};
	struct db_stmt *ev = NULL;
	int rc = -1;
	char now[21];
	time_format(o->now, now);
	if (events_prepare(st, &ev, err) < 0)
		goto out;
	for (size_t i = 0; i < rep->res.nedits; i++) {
		const struct wb_edit *e = &rep->res.edits[i];
		int64_t item_id = 0; /* a checklist line is about the incident, not one item */
		if (e->key) {
			const struct import_item *ni = find_doc_item(&rep->res.doc, e->key);
			if (!ni) {
				error_set(err, ERR_DATA, "item %s vanished from the written document",
					  e->key);
				goto out;
			}
			char due[11];
			char *owners = NULL;
			const char *value = NULL, *status_raw = NULL;
			if (e->field == WB_STATUS) {
				value = status_name(ni->status);
				status_raw = ni->status_raw;
			} else if (e->field == WB_DUE) {
				if (ni->due != DATE_NONE) {
					date_format(ni->due, due);
					value = due;
				}
			} else {
				json_t *a = json_array();
				for (int k = 0; k < ni->nowners; k++)
					json_array_append_new(a, json_string(ni->owners[k]));
				owners = json_dumps(a, JSON_COMPACT);
				json_decref(a);
				if (!owners) {
					error_set(err, ERR_IO, "out of memory");
					goto out;
				}
				value = owners;
			}
			int r = items_set_base(st, rep->incident, e->key, base_of[e->field], value,
					       status_raw, &item_id, err);
			free(owners);
			if (r > 0)
				error_set(err, ERR_DATA, "updating an item's base: no item %s#%s",
					  rep->incident, e->key);
			if (r != 0)
				goto out;
		}
		struct history_event hev = {.item_id = item_id,
					    .incident = rep->incident,
					    .at = now,
					    .actor = o->actor ? o->actor : "unknown",
					    .source = "cli",
					    .kind = "writeback",
					    .field = fields[e->field],
					    .old_value = e->old_text,
					    .new_value = e->new_text,
					    .note = "written back to the document"};
		if (events_add(st, ev, &hev, err) < 0)
			goto out;
	}
	if (!rep->stale && incidents_set_hash(st, rep->incident, new_hash, err) < 0)
		goto out;
	rc = 0;
out:
	events_finish(ev);
	return rc;
}

/* Items without a written key get the keys the importer matched them to (itemkeys.h), so a status
 * is written to the item it belongs to even after bullets were inserted or moved. */
static int rekey_doc(struct import_doc *doc, const struct stored_item *stored, size_t n)
{
	struct key_cand *c = calloc(n ? n : 1, sizeof *c);
	char **keys = NULL;
	if (!c)
		return -1;
	for (size_t i = 0; i < n; i++)
		c[i] = (struct key_cand){.key = stored[i].key,
					 .base_action = stored[i].base_action,
					 .action = stored[i].action,
					 .position = stored[i].position,
					 .removed = stored[i].removed};
	int rc = keys_match(doc, c, n, &keys);
	free(c);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < doc->nitems; i++) {
		free(doc->items[i].key);
		doc->items[i].key = keys[i];
	}
	free(keys);
	return 0;
}

int writeback_prepare(struct store *st, const char *stored_hash, const struct writeback_opts *o,
		      struct writeback_report *rep, struct error *err)
{
	int rc = -1;
	struct import_doc doc;
	struct stored_item *stored = NULL;
	struct wb_item *items = NULL;
	size_t nstored = 0;
	import_doc_init(&doc);
	if (import_parse_buffer(rep->path, rep->old_data, rep->old_len, o->io, &doc) < 0) {
		error_set(err, ERR_DATA,
			  "%s: the document has errors (see tracker check %s): fix it and re-import first",
			  rep->path, rep->path);
		goto out;
	}
	if (!doc.inc.id || strcmp(doc.inc.id, rep->incident)) {
		error_set(err, ERR_DATA, "%s is now the document of %s, not %s: re-import first", rep->path,
			  doc.inc.id ? doc.inc.id : "no incident", rep->incident);
		goto out;
	}
	char old_hash[65];
	hex_lower(doc.sha256, sizeof doc.sha256, old_hash);
	rep->stale = strcmp(old_hash, stored_hash) != 0;
	if (rep->stale && !o->force) {
		error_set(err, ERR_DATA,
			  "%s changed since it was last imported: re-import first (tracker import %s), "
			  "or write anyway with --force",
			  rep->path, rep->path);
		goto out;
	}
	if (load_items(st, rep->incident, &stored, &nstored, err) < 0)
		goto out;
	items = calloc(nstored ? nstored : 1, sizeof *items);
	if (!items || rekey_doc(&doc, stored, nstored) < 0) {
		error_set(err, ERR_IO, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nstored; i++) {
		const struct stored_item *x = &stored[i];
		int stv = status_from_name(x->status);
		items[i] = (struct wb_item){
		    .key = x->key,
		    .status = stv < 0 ? STATUS_OPEN : (enum status)stv,
		    .priority = x->priority,
		    .due = x->due,
		    .owners_json = x->owners,
		    .due_changed = !same(x->due, x->base_due),
		    .owners_changed = !same(x->owners, x->base_owners),
		    .removed = x->removed,
		};
	}
	if (writeback_compute(rep->old_data, rep->old_len, &doc, items, nstored, &rep->res, err) < 0)
		goto out;
	rc = 0;
out:
	stored_free(stored, nstored);
	free(items);
	import_doc_release(&doc);
	return rc;
}

int writeback_record(struct store *st, const struct writeback_report *rep, const struct writeback_opts *o,
		     struct error *err)
{
	char new_hash[65];
	hex_lower(rep->res.doc.sha256, sizeof rep->res.doc.sha256, new_hash);
	return update_store(st, rep, new_hash, o, err);
}

int writeback_incident(struct store *st, const char *target, const struct writeback_opts *o,
		       struct writeback_report *rep, struct error *err)
{
	int rc = -1;
	char *hash = NULL;
	struct atomic_file af = {0};
	bool in_tx = false;
	struct stat orig = {.st_mode = 0644};

	if (resolve_target(st, target, &rep->incident, &rep->path, &hash, err) < 0)
		goto out;
	if (!o->dry_run) {
		if (store_begin(st, err) < 0)
			goto out;
		in_tx = true;
	}
	size_t max = o->io && o->io->max_size ? o->io->max_size : DEFAULT_MAX_SIZE;
	if (read_all(rep->path, max, &rep->old_data, &rep->old_len, &orig, err) < 0)
		goto out;
	if (writeback_prepare(st, hash, o, rep, err) < 0)
		goto out;
	if (o->dry_run || rep->res.nedits == 0) {
		rc = 0;
		goto out;
	}
	/* The copy keeps the document's owner, group and mode, or nothing is written. */
	if (atomic_file_write(&af, rep->path, "wb", rep->res.data, rep->res.len, &orig, err) < 0)
		goto out;
	if (writeback_record(st, rep, o, err) < 0)
		goto out;
	if (atomic_file_commit(&af, err) < 0)
		goto out;
	rep->written = true;
	if (store_commit(st, err) < 0) {
		error_prefix(err,
			     "%s was written but the database was not updated (the next import will "
			     "catch up)",
			     rep->path);
		in_tx = false;
		goto out;
	}
	in_tx = false;
	rc = 0;
out:
	atomic_file_release(&af);
	if (in_tx)
		store_rollback(st);
	free(hash);
	return rc;
}
