/*
 * parse.c — the Markdown walk of the importer, on cmark-gfm (GitHub's own parser, so what the team
 * sees rendered is what we read).
 *
 * The walk visits the document tree once. It keeps the first H1, collects incident fields from
 * paragraph and list lines ("**Label:** value", "**Label**: value", "Label: value") and from two-column
 * table rows ("| **Label** | value |"), tracks action sections (a heading whose text names one, up to
 * the next heading of the same or a higher level), and copies every table inside an action section
 * with each cell cleaned: links and images become their text, code spans their content, emphasis and
 * strike markers are dropped (strike is remembered per cell), <br> becomes a space, other HTML is
 * dropped, entities are decoded by the parser, then norm_text() collapses whitespace and applies NFC.
 * Code blocks and HTML blocks are never read. Traversal uses cmark's iterator, not recursion, so
 * deeply nested input cannot exhaust the stack.
 */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "ident.h"
#include "import_raw.h"
#include "normalize.h"
#include "sections.h"
#include "banned.h"

enum kind { K_OTHER, K_TABLE, K_ROW, K_CELL, K_STRIKE };

struct walker {
	struct raw_doc *raw;
	const char *const *extra_headings; /* [import] action_headings, split */
	struct import_doc *doc;
	struct buf b;
	/* node type → kind for the extension types, learnt from their names */
	cmark_node_type t_table, t_row, t_cell, t_strike;
	bool in_action;
	int quote_depth;
	int timeline_level; /* level of the "Timeline" heading we are under, 0 if none */
	int action_level;
	unsigned action_line;
	bool action_has_table, action_has_list;
	/* incident fields: a heading that is a label ("## Date") gives its value to the next paragraph */
	enum incident_field pending_field;
	bool oom;
};

static enum kind kind_of(struct walker *w, cmark_node *n)
{
	cmark_node_type t = cmark_node_get_type(n);
	if (t == w->t_table)
		return K_TABLE;
	if (t == w->t_row)
		return K_ROW;
	if (t == w->t_cell)
		return K_CELL;
	if (t == w->t_strike)
		return K_STRIKE;
	if ((t & CMARK_NODE_VALUE_MASK) <= 0x000b)
		return K_OTHER; /* a core CommonMark type; extensions register above these */
	const char *name = cmark_node_get_type_string(n);
	if (!strcmp(name, "table"))
		return w->t_table = t, K_TABLE;
	if (!strcmp(name, "table_row") || !strcmp(name, "table_header"))
		return w->t_row = t, K_ROW;
	if (!strcmp(name, "table_cell"))
		return w->t_cell = t, K_CELL;
	if (!strcmp(name, "strikethrough"))
		return w->t_strike = t, K_STRIKE;
	return K_OTHER;
}

static bool is_br_tag(const char *s)
{
	if (!s || s[0] != '<' || strncasecmp(s + 1, "br", 2))
		return false;
	s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '/')
		s++;
	return *s == '>';
}

/* Appends the text of one inline node to the buffer; returns the bytes added. */
static size_t add_inline(struct walker *w, cmark_node *n)
{
	size_t before = w->b.len;
	const char *lit;
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_TEXT:
	case CMARK_NODE_CODE:
		lit = cmark_node_get_literal(n);
		if (lit && buf_adds(&w->b, lit) < 0)
			w->oom = true;
		break;
	case CMARK_NODE_SOFTBREAK:
	case CMARK_NODE_LINEBREAK:
		if (buf_addc(&w->b, ' ') < 0)
			w->oom = true;
		break;
	case CMARK_NODE_HTML_INLINE:
		if (is_br_tag(cmark_node_get_literal(n)) && buf_addc(&w->b, ' ') < 0)
			w->oom = true;
		break;
	default:
		break;
	}
	return w->b.len - before;
}

static bool has_visible(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return true;
	return false;
}

/* Cleans the inline content below `node` into a malloc'd string; *struck tells whether all visible
 * text was inside strikethrough. */
static char *clean_inlines(struct walker *w, cmark_node *node, bool *struck)
{
	buf_reset(&w->b);
	int strike_depth = 0;
	bool any_in = false, any_out = false;
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (n == node)
			continue;
		if (kind_of(w, n) == K_STRIKE) {
			strike_depth += ev == CMARK_EVENT_ENTER ? 1 : -1;
			continue;
		}
		if (ev != CMARK_EVENT_ENTER)
			continue;
		size_t start = w->b.len;
		size_t added = add_inline(w, n);
		if (added && has_visible(w->b.data + start, added)) {
			if (strike_depth > 0)
				any_in = true;
			else
				any_out = true;
		}
	}
	cmark_iter_free(it);
	if (struck)
		*struck = any_in && !any_out;
	char *t = norm_text(buf_cstr(&w->b), w->b.len);
	if (!t)
		w->oom = true;
	return t;
}

/* "ID", "Incident ID", "Post-mortem ID": a label that says the value is an id. */
static bool label_is_strong_id(const char *label)
{
	char k[24];
	size_t o = 0;
	for (const char *p = label; *p && o + 1 < sizeof k; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			k[o++] = (char)(*p | 0x20);
	k[o] = '\0';
	return !strcmp(k, "id") || !strcmp(k, "incidentid") || !strcmp(k, "postmortemid");
}

static void set_field_f(struct walker *w, enum incident_field f, bool strong, const char *value,
			unsigned line)
{
	if (f == IF_NONE || f == IF_TITLE || w->raw->fields[f].value)
		return; /* the first occurrence wins */
	/* Labels that items also use are read outside action sections only. */
	if (w->in_action && (f == IF_STATUS || f == IF_AUTHORS || (f == IF_ID && strong)))
		return;
	if (f == IF_ID)
		w->raw->id_strong = strong;
	char *v = strdup(value);
	if (!v) {
		w->oom = true;
		return;
	}
	w->raw->fields[f].value = v;
	w->raw->fields[f].line = line;
}

static void set_field(struct walker *w, const char *label, const char *value, unsigned line)
{
	enum incident_field f = norm_label(label);
	if (f != IF_NONE)
		set_field_f(w, f, f == IF_ID && label_is_strong_id(label), value, line);
}

/* "Incident #465" (or "Incident 465") alone on a line: the label and the id without a colon. */
static void incident_number_line(struct walker *w, const char *text, unsigned line)
{
	if (strncasecmp(text, "incident", 8) || (text[8] != ' ' && text[8] != '#'))
		return;
	const char *v = text + 8;
	while (*v == ' ')
		v++;
	if (*v == '#' && v[1] >= '0' && v[1] <= '9' && !strchr(v, ' '))
		set_field_f(w, IF_ID, false, v, line);
}

/* "Label: value" on one cleaned line. */
static void field_from_line(struct walker *w, const char *text, unsigned line)
{
	const char *colon = strchr(text, ':');
	if (!colon) {
		incident_number_line(w, text, line);
		return;
	}
	if (colon == text || colon - text > 64)
		return;
	char label[80];
	size_t n = (size_t)(colon - text);
	memcpy(label, text, n);
	label[n] = '\0';
	const char *v = colon + 1;
	while (*v == ' ')
		v++;
	set_field(w, label, v, line);
}

/* Splits a paragraph into its source lines and looks for "Label: value" in each. */
/* Cleans the collected line and reads a field from it — only when it can hold one: a label is short,
 * so a line without ':' in its first bytes is prose and is not normalised at all. */
static void flush_line(struct walker *w, unsigned line)
{
	const char *colon = w->b.len ? memchr(w->b.data, ':', w->b.len < 96 ? w->b.len : 96) : NULL;
	if (colon || (w->b.len < 96 && w->b.len > 9 && !strncasecmp(w->b.data, "incident", 8))) {
		char *clean = norm_text(buf_cstr(&w->b), w->b.len);
		if (clean)
			field_from_line(w, clean, line);
		free(clean);
	}
	buf_reset(&w->b);
}

/* "<id>", "<incident-id>": a template placeholder the parser takes for an HTML tag. Kept as text in
 * field values so the warning can name it; real tags (<b>, <span …>) are still dropped. */
static bool is_placeholder_tag(const char *s)
{
	static const char *const html[] = {"a",    "b",   "i",   "u",   "s",   "em",   "strong", "span",
					   "code", "sub", "sup", "del", "ins", "mark", "small",  "kbd",
					   "img",  "p",   "div", "br",  "q",   "abbr", "time",   NULL};
	if (!s || s[0] != '<')
		return false;
	size_t n = strcspn(s + 1, ">");
	if (n == 0 || n > 30 || s[1 + n] != '>' || s[2 + n] != '\0')
		return false;
	for (size_t i = 1; i <= n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	for (const char *const *h = html; *h; h++)
		if (strlen(*h) == n && !strncasecmp(s + 1, *h, n))
			return false;
	return true;
}

static void paragraph_fields(struct walker *w, cmark_node *para)
{
	if (w->pending_field != IF_NONE) {
		/* "## Date" then "2015-10-21": the paragraph is the value (its first line) */
		enum incident_field f = w->pending_field;
		w->pending_field = IF_NONE;
		char *text = clean_inlines(w, para, NULL);
		if (text) {
			set_field_f(w, f, false, text, (unsigned)cmark_node_get_start_line(para));
			free(text);
		}
	}
	buf_reset(&w->b);
	unsigned line = 0;
	cmark_iter *it = cmark_iter_new(para);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER || n == para)
			continue;
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) {
			flush_line(w, line);
			line = 0;
			continue;
		}
		if (!line)
			line = (unsigned)cmark_node_get_start_line(n);
		if (t == CMARK_NODE_HTML_INLINE && is_placeholder_tag(cmark_node_get_literal(n))) {
			if (buf_adds(&w->b, cmark_node_get_literal(n)) < 0)
				w->oom = true;
		} else {
			add_inline(w, n);
		}
	}
	cmark_iter_free(it);
	flush_line(w, line);
}

static void cell_release(struct raw_cell *c)
{
	free(c->text);
	c->text = NULL;
}

static void fill_cell(struct walker *w, cmark_node *cell, struct raw_cell *out)
{
	out->text = clean_inlines(w, cell, &out->struck);
	out->present = cmark_node_get_start_column(cell) > 0;
	out->col_start = (unsigned)cmark_node_get_start_column(cell);
	out->col_end = (unsigned)cmark_node_get_end_column(cell);
}

/* Reads one table into `t`: header and rows, each with exactly `ncols` cells. */
static int read_table(struct walker *w, cmark_node *table, struct raw_table *t)
{
	memset(t, 0, sizeof *t);
	t->line = (unsigned)cmark_node_get_start_line(table);
	t->ncols = cmark_gfm_extensions_get_table_columns(table);
	size_t nrows = 0;
	for (cmark_node *r = cmark_node_first_child(table); r; r = cmark_node_next(r))
		nrows++;
	if (!t->ncols || !nrows)
		return 0;
	t->rows = calloc(nrows, sizeof *t->rows);
	if (!t->rows)
		return -1;
	bool first = true;
	for (cmark_node *r = cmark_node_first_child(table); r; r = cmark_node_next(r)) {
		struct raw_cell *cells = calloc(t->ncols, sizeof *cells);
		if (!cells)
			return -1;
		unsigned i = 0;
		for (cmark_node *c = cmark_node_first_child(r); c && i < t->ncols;
		     c = cmark_node_next(c), i++)
			fill_cell(w, c, &cells[i]);
		for (; i < t->ncols; i++)
			if (!(cells[i].text = calloc(1, 1)))
				w->oom = true;
		if (first && cmark_gfm_extensions_get_table_row_is_header(r)) {
			t->header = cells;
		} else {
			t->rows[t->nrows].line = (unsigned)cmark_node_get_start_line(r);
			t->rows[t->nrows].cells = cells;
			t->nrows++;
		}
		first = false;
	}
	if (!t->header) {
		t->header = calloc(t->ncols, sizeof *t->header);
		if (!t->header)
			return -1;
		for (unsigned i = 0; i < t->ncols; i++)
			t->header[i].text = calloc(1, 1);
	}
	return w->oom ? -1 : 0;
}

static void raw_table_release(struct raw_table *t, unsigned ncols)
{
	if (t->header)
		for (unsigned i = 0; i < ncols; i++)
			cell_release(&t->header[i]);
	free(t->header);
	for (size_t r = 0; r < t->nrows; r++) {
		for (unsigned i = 0; i < ncols; i++)
			cell_release(&t->rows[r].cells[i]);
		free(t->rows[r].cells);
	}
	free(t->rows);
}

/* Two-column tables anywhere may hold incident fields: | **Label** | value |. */
static void table_fields(struct walker *w, const struct raw_table *t)
{
	if (t->ncols != 2)
		return;
	/* A header row names columns: "| ID | Description |" or "| Status | Owner |" hold no value. */
	enum incident_field hf = norm_label(t->header[0].text);
	int32_t day;
	bool column_names = hf == IF_STATUS || hf == IF_AUTHORS ||
			    (hf == IF_ID && !strcasecmp(t->header[0].text, "id")) ||
			    ((hf == IF_DATE || hf == IF_REVIEW_DATE) &&
			     ident_date(t->header[1].text, DATE_ORDER_AUTO, &day) != DUE_OK);
	if (!column_names)
		set_field(w, t->header[0].text, t->header[1].text, t->line);
	for (size_t r = 0; r < t->nrows; r++) {
		char label[128];
		const char *l = t->rows[r].cells[0].text;
		size_t n = strlen(l);
		if (n >= sizeof label)
			continue;
		memcpy(label, l, n + 1);
		if (n && label[n - 1] == ':')
			label[n - 1] = '\0';
		set_field(w, label, t->rows[r].cells[1].text, t->rows[r].line);
	}
}

static void end_action_section(struct walker *w)
{
	w->in_action = false;
}

/* Outside an action section a table is read when its header has an action-like column and at
 * least one owner, status, due, priority or reference column (issue 9, §3). */
static bool table_has_action_columns(const struct raw_table *t)
{
	bool action = false, other = false;
	/* a timeline is not a list of promises: its first column is a time */
	char first[32];
	size_t fl = strlen(t->header[0].text);
	if (fl < sizeof first) {
		for (size_t i = 0; i <= fl; i++)
			first[i] = (char)(t->header[0].text[i] >= 'A' && t->header[0].text[i] <= 'Z'
					      ? t->header[0].text[i] + 32
					      : t->header[0].text[i]);
		if (!strncmp(first, "time", 4) || !strncmp(first, "date", 4) || !strcmp(first, "when"))
			return false;
	}
	for (unsigned i = 0; i < t->ncols; i++) {
		enum column c = norm_column(t->header[i].text);
		if (c == COL_ACTION)
			action = true;
		else if (c == COL_OWNER || c == COL_STATUS || c == COL_DUE || c == COL_PRIORITY ||
			 norm_is_ref_column(t->header[i].text))
			other = true;
	}
	return action && other;
}

static void on_table(struct walker *w, cmark_node *node)
{
	struct raw_table t;
	if (read_table(w, node, &t) < 0) {
		raw_table_release(&t, t.ncols);
		w->oom = true;
		return;
	}
	table_fields(w, &t);
	if (t.ncols && !w->in_action && !w->timeline_level && t.header && table_has_action_columns(&t))
		t.anywhere = true;
	if ((!w->in_action && !t.anywhere) || !t.ncols) {
		raw_table_release(&t, t.ncols);
		return;
	}
	w->action_has_table = true;
	t.section = t.anywhere ? 0 : w->raw->action_sections;
	struct raw_table *nt = realloc(w->raw->tables, (w->raw->ntables + 1) * sizeof *nt);
	if (!nt) {
		raw_table_release(&t, t.ncols);
		w->oom = true;
		return;
	}
	w->raw->tables = nt;
	nt[w->raw->ntables++] = t;
}

/* A cheap test before norm_label(): heading labels are short and name a date, a status, a severity
 * or authors. */
static bool may_be_label(const char *text)
{
	static const char *const words[] = {"date", "status", "sev", "author", "written", NULL};
	size_t n = 0;
	for (const char *p = text; *p; p++, n++) {
		if (n >= 32)
			return false;
		char c = (char)(*p | 0x20);
		if (c != 'd' && c != 's' && c != 'a' && c != 'w')
			continue;
		for (const char *const *w = words; *w; w++) {
			size_t k = 0;
			while ((*w)[k] && (p[k] | 0x20) == (*w)[k])
				k++;
			if (!(*w)[k])
				return true;
		}
	}
	return false;
}

static bool ci_contains(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (!strncasecmp(s, w, n))
			return true;
	return false;
}

static void on_heading(struct walker *w, cmark_node *node)
{
	int level = cmark_node_get_heading_level(node);
	unsigned line = (unsigned)cmark_node_get_start_line(node);
	if (w->in_action && level <= w->action_level)
		end_action_section(w);
	if (w->timeline_level && level <= w->timeline_level)
		w->timeline_level = 0;
	char *text = clean_inlines(w, node, NULL);
	if (!text)
		return;
	w->pending_field = IF_NONE;
	if (level >= 2 && !w->in_action && may_be_label(text)) {
		enum incident_field f = norm_label(text);
		if (f == IF_DATE || f == IF_STATUS || f == IF_AUTHORS || f == IF_SEVERITY ||
		    f == IF_REVIEW_DATE)
			w->pending_field = f;
	}
	if (!w->timeline_level && (ci_contains(text, "timeline") || ci_contains(text, "chronology")))
		w->timeline_level = level;
	if (level == 1 && !w->raw->h1) {
		w->raw->h1 = strdup(text);
		w->raw->h1_line = line;
	}
	if (!w->in_action && section_is_action_heading(text, w->extra_headings)) {
		w->raw->action_sections++;
		if (!w->raw->first_action_line)
			w->raw->first_action_line = line;
		w->in_action = true;
		w->action_level = level;
		w->action_line = line;
		w->action_has_list = w->action_has_table = false;
	}
	free(text);
}

/* Splits "[import] action_headings" (',' or ';' separated) into a NULL-terminated array of at most
 * 16 phrases, in `store` (malloc'd copy), or NULL. */
static char **split_headings(const char *s, char **store)
{
	*store = NULL;
	if (!s || !*s)
		return NULL;
	char *copy = strdup(s);
	char **v = calloc(17, sizeof *v);
	if (!copy || !v) {
		free(copy);
		free(v);
		return NULL;
	}
	size_t n = 0;
	char *p = copy;
	while (*p && n < 16) {
		char *e = p + strcspn(p, ",;");
		bool last = !*e;
		*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			v[n++] = p;
		if (last)
			break;
		p = e + 1;
	}
	*store = copy;
	return v;
}

int parse_markdown(const char *data, size_t len, size_t skip, unsigned skip_lines,
		   const struct import_opts *o, struct raw_doc *raw, struct import_doc *doc)
{
	struct walker w = {.raw = raw, .doc = doc, .t_table = CMARK_NODE_NONE};
	w.t_row = w.t_cell = w.t_strike = CMARK_NODE_NONE;
	buf_init(&w.b, len + 1024);
	memset(raw, 0, sizeof *raw);
	char *headings_store = NULL;
	char **headings = split_headings(o ? o->action_headings : NULL, &headings_store);
	w.extra_headings = (const char *const *)headings;

	cmark_gfm_core_extensions_ensure_registered();
	cmark_parser *p = cmark_parser_new(CMARK_OPT_SOURCEPOS);
	if (!p)
		return -1;
	cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("table"));
	cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("strikethrough"));
	if (skip && skip <= len) {
		/* front matter: as many empty lines in its place, so the body keeps its line numbers */
		static const char nl[64] = "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
					   "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n";
		for (unsigned left = skip_lines; left > 0;) {
			unsigned k = left < sizeof nl - 1 ? left : (unsigned)(sizeof nl - 1);
			cmark_parser_feed(p, nl, k);
			left -= k;
		}
		data += skip;
		len -= skip;
	}
	cmark_parser_feed(p, data, len);
	cmark_node *root = cmark_parser_finish(p);
	if (!root) {
		cmark_parser_free(p);
		return -1;
	}

	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while (!w.oom && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_BLOCK_QUOTE) /* lists quoted in a block quote are not items */
			w.quote_depth += ev == CMARK_EVENT_ENTER ? 1 : -1;
		if (ev != CMARK_EVENT_ENTER)
			continue;
		bool skip_children = true;
		if (t == CMARK_NODE_HEADING)
			on_heading(&w, n);
		else if (t == CMARK_NODE_PARAGRAPH)
			paragraph_fields(&w, n);
		else if (t == CMARK_NODE_LIST) {
			if (w.in_action && !w.quote_depth) {
				/* the action section's list: its items are action items (lists.c) */
				w.action_has_list = true;
				size_t before = raw->nlitems;
				if (lists_read(n, (int)w.t_strike, raw) < 0)
					w.oom = true;
				for (size_t i = before; i < raw->nlitems; i++)
					raw->litems[i].section = raw->action_sections;
			} else {
				skip_children = false;
			}
		} else if (kind_of(&w, n) == K_TABLE)
			on_table(&w, n);
		else if (t == CMARK_NODE_CODE_BLOCK || t == CMARK_NODE_HTML_BLOCK)
			; /* never read */
		else
			skip_children = false;
		if (skip_children && n != root && cmark_node_first_child(n))
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
	}
	end_action_section(&w);
	cmark_iter_free(it);
	cmark_node_free(root);
	cmark_parser_free(p);
	buf_release(&w.b);
	free(headings);
	free(headings_store);
	return w.oom ? -1 : 0;
}

void raw_doc_release(struct raw_doc *r)
{
	free(r->h1);
	for (size_t i = 0; i < sizeof r->fields / sizeof r->fields[0]; i++)
		free(r->fields[i].value);
	for (size_t i = 0; i < r->ntables; i++)
		raw_table_release(&r->tables[i], r->tables[i].ncols);
	free(r->tables);
	for (size_t i = 0; i < r->nlitems; i++)
		raw_litem_release(&r->litems[i]);
	free(r->litems);
	memset(r, 0, sizeof *r);
}
