/*
 * rules.c — the import rules: from the raw walk (cleaned cells and fields) to typed items.
 *
 * This is where the specification of issue 2 lives: which columns mean what, which rows are
 * placeholders, how owners, due dates, priorities and statuses are read, what is a warning and
 * what rejects the file. Every problem names its line. Value parsing itself is in normalize.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ident.h"
#include "import_raw.h"
#include "normalize.h"
#include "tdate.h"
#include "banned.h"

static const char *field_label(enum incident_field f)
{
	switch (f) {
	case IF_DATE:
		return "Date";
	case IF_REVIEW_DATE:
		return "Post-Mortem Review Date";
	default:
		return "field";
	}
}

/* A whole "[...]" value is a template placeholder. */
static bool is_bracketed(const char *s)
{
	size_t n = strlen(s);
	return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

static int32_t field_date(struct import_doc *doc, const struct raw_field *f, enum incident_field which,
			  enum date_order order)
{
	int32_t d;
	if (!f->value || !*f->value || is_bracketed(f->value) || norm_is_template_token(f->value))
		return DATE_NONE;
	enum due_result r = ident_date(f->value, order, &d);
	if (r == DUE_OK)
		return d;
	if (r != DUE_NONE)
		import_diag(doc, DIAG_WARNING, f->line, "%s \"%s\" is not a date (use YYYY-MM-DD); ignored",
			    field_label(which), f->value);
	return DATE_NONE;
}

static char *person(const struct raw_field *f)
{
	if (!f->value || !*f->value || norm_is_template_person(f->value) || norm_is_template_token(f->value))
		return NULL;
	char **owners = NULL;
	int n = norm_owners(f->value, &owners);
	char *first = n > 0 ? strdup(owners[0]) : NULL;
	norm_owners_free(owners, n);
	return first;
}

/* The first of "Anmol, Puneet.", "@hana and @lior", "jo; sam": the incident's reporter. */
static char *first_author(const struct raw_field *f)
{
	if (!f->value || !*f->value)
		return NULL;
	char *v = strdup(f->value);
	if (!v)
		return NULL;
	size_t n = strcspn(v, ",;&");
	char *conj = strstr(v, " and ");
	if (conj && (size_t)(conj - v) < n)
		n = (size_t)(conj - v);
	while (n > 0 && (v[n - 1] == '.' || v[n - 1] == ' '))
		n--;
	v[n] = '\0';
	struct raw_field one = {.value = v, .line = f->line};
	char *p = n ? person(&one) : NULL;
	free(v);
	return p;
}

/* Removes the id (and brackets or parentheses around it) from a title, and tidies separators. */
static char *title_without_id(const char *title, long at, size_t idlen)
{
	size_t n = strlen(title);
	size_t a = (size_t)at, b = (size_t)at + idlen;
	if (a > 0 && b < n &&
	    ((title[a - 1] == '[' && title[b] == ']') || (title[a - 1] == '(' && title[b] == ')')))
		a--, b++;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, title, a);
	memcpy(out + a, title + b, n - b + 1);
	char *clean = norm_text(out, strlen(out));
	free(out);
	if (!clean)
		return NULL;
	/* Trim separators left at either end: "- Payment outage", "Payment outage:" */
	static const char *const seps[] = {"\xE2\x80\x94", "\xE2\x80\x93", "-", ":", "|", "\xC2\xB7"};
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
			size_t sl = strlen(seps[i]), cl = strlen(clean);
			if (cl >= sl && !strncmp(clean, seps[i], sl)) {
				memmove(clean, clean + sl, cl - sl + 1);
				again = true;
			} else if (cl >= sl && !strcmp(clean + cl - sl, seps[i])) {
				clean[cl - sl] = '\0';
				again = true;
			}
			cl = strlen(clean);
			size_t lead = 0;
			while (clean[lead] == ' ')
				lead++;
			memmove(clean, clean + lead, cl - lead + 1);
			cl = strlen(clean);
			while (cl && clean[cl - 1] == ' ')
				clean[--cl] = '\0';
		}
	}
	return clean;
}

/* Why a written id was not taken, for the warning or the error. */
static void describe_bad_id(struct buf *b, const struct raw_doc *raw, const struct import_opts *o)
{
	const struct raw_field *idf = &raw->fields[IF_ID];
	if (!idf->value || !*idf->value)
		return;
	if (ident_classify(idf->value, raw->id_strong, o ? o->id_re : NULL) == ID_PLACEHOLDER)
		buf_printf(b, " (\"%s\" on line %u is a template placeholder)", idf->value, idf->line);
	else if (o && o->id_re && raw->id_strong)
		buf_printf(b, " (\"%s\" on line %u does not match [import] id_pattern)", idf->value,
			   idf->line);
	else if (raw->id_strong)
		buf_printf(b,
			   " (\"%s\" on line %u is not an id: 1-64 letters, digits and ._#- without spaces)",
			   idf->value, idf->line);
}

static void incident_fields(const struct raw_doc *raw, const struct import_opts *o, struct import_doc *doc)
{
	enum date_order order = o ? o->date_order : DATE_ORDER_AUTO;
	const regex_t *re = o ? o->id_re : NULL;
	const struct raw_field *idf = &raw->fields[IF_ID];
	const char *t = raw->h1 ? norm_strip_postmortem_prefix(raw->h1) : NULL;
	size_t id_at = 0, id_len = 0, cut_at = 0, cut_len = 0;

	/* 1. a labelled id (front matter, "Incident ID:", a metadata row); 2. the id leading the H1 */
	enum id_class c = idf->value ? ident_classify(idf->value, raw->id_strong, re) : ID_NOT;
	/* the title is searched when it may give the id, or hold the labelled one (to cut it out) */
	bool in_title = t && (c != ID_OK || strstr(t, ident_trim_hash(idf->value))) &&
			ident_find_in_title(t, re, &id_at, &id_len, &cut_at, &cut_len);
	if (c == ID_OK)
		doc->inc.id = strdup(ident_trim_hash(idf->value));
	else if (in_title)
		doc->inc.id = strndup(t + id_at, id_len);
	if (c == ID_PLACEHOLDER)
		doc->inc.id_placeholder = strdup(idf->value);

	struct buf why;
	buf_init(&why, 4096);
	describe_bad_id(&why, raw, o);
	if (o && o->require_id) {
		/* the strict rule: a written id, of the template's form unless the team declared its own */
		if (doc->inc.id && !re && !ident_is_template_form(doc->inc.id)) {
			import_diag(
			    doc, DIAG_ERROR, c == ID_OK ? idf->line : raw->h1_line,
			    "incident id \"%s\" is not of the form INC-YYYY-MM-DD-N, and [import] "
			    "require_id is on: write such an id, or declare your scheme with [import] "
			    "id_pattern",
			    doc->inc.id);
		} else if (!doc->inc.id) {
			import_diag(doc, DIAG_ERROR, idf->value ? idf->line : 1,
				    "no incident id%s, and [import] require_id is on: add a line like "
				    "**Incident ID:** %s (or put the id in the title)",
				    buf_cstr(&why),
				    re ? "<an id matching id_pattern>" : "INC-2026-03-14-042");
		}
	} else if (!doc->inc.id) {
		doc->inc.id = ident_derive(doc->path ? doc->path : "document", re);
		doc->inc.id_derived = true;
		import_diag(doc, DIAG_WARNING, idf->value ? idf->line : (raw->h1_line ? raw->h1_line : 1),
			    "no incident id in the document%s: using \"%s\", derived from the file name; "
			    "write one (e.g. **Incident ID:** PM-2026-014) and re-import: the items move to "
			    "it with their history",
			    buf_cstr(&why), doc->inc.id ? doc->inc.id : "?");
	}
	buf_release(&why);

	/* Title: front matter "title:", else the H1 without "Post-Mortem:" and without the id */
	const struct raw_field *tf = &raw->fields[IF_TITLE];
	if (tf->value && *tf->value) {
		doc->inc.title = strdup(tf->value);
	} else if (t) {
		bool cut = in_title && doc->inc.id && id_len == strlen(doc->inc.id) &&
			   !strncmp(t + id_at, doc->inc.id, id_len);
		doc->inc.title = cut ? title_without_id(t, (long)cut_at, cut_len) : strdup(t);
	}
	if (!doc->inc.title)
		doc->inc.title = strdup("");

	/* Date: the labelled or front-matter date, else a date in the H1, else in the file name */
	doc->inc.date = field_date(doc, &raw->fields[IF_DATE], IF_DATE, order);
	if (doc->inc.date == DATE_NONE && raw->h1)
		doc->inc.date = ident_date_in_text(raw->h1, order);
	if (doc->inc.date == DATE_NONE && doc->path)
		doc->inc.date = ident_date_in_name(doc->path, order);
	doc->inc.review_date = field_date(doc, &raw->fields[IF_REVIEW_DATE], IF_REVIEW_DATE, order);
	const struct raw_field *dur = &raw->fields[IF_DURATION];
	if (dur->value && *dur->value && !is_bracketed(dur->value))
		doc->inc.duration = strdup(dur->value);
	const char *sev = raw->fields[IF_SEVERITY].value;
	if (sev)
		doc->inc.severity = norm_severity(sev);
	/* front matter "severity: 2": the key says what the bare number is */
	if (sev && doc->inc.severity < 0 && raw->fm_fields[IF_SEVERITY] && sev[0] >= '0' && sev[0] <= '9' &&
	    !sev[1])
		doc->inc.severity = sev[0] - '0';
	doc->inc.reporter = person(&raw->fields[IF_REPORTER]);
	if (!doc->inc.reporter)
		doc->inc.reporter = first_author(&raw->fields[IF_AUTHORS]);
	doc->inc.approved_by = person(&raw->fields[IF_APPROVED_BY]);
	const struct raw_field *sf = &raw->fields[IF_STATUS];
	if (sf->value && *sf->value && !is_bracketed(sf->value) && !norm_is_template_token(sf->value))
		doc->inc.status = strdup(sf->value);
}

/* The year a due date without one takes: the incident's date, else the id's. */
static int default_year(const struct import_doc *doc)
{
	if (doc->inc.date != DATE_NONE) {
		int y, m, d;
		date_to_ymd(doc->inc.date, &y, &m, &d);
		return y;
	}
	if (doc->inc.id && strlen(doc->inc.id) >= 8) {
		const char *y = doc->inc.id + 4;
		int v = 0;
		for (int i = 0; i < 4; i++) {
			if (y[i] < '0' || y[i] > '9')
				return 0;
			v = v * 10 + (y[i] - '0');
		}
		return v;
	}
	return 0;
}

struct colmap {
	int idx[COL_STATUS + 1]; /* column index for each enum column, -1 if none */
};

static void map_columns(const struct raw_table *t, struct colmap *m)
{
	for (int k = 0; k <= COL_STATUS; k++)
		m->idx[k] = -1;
	for (unsigned i = 0; i < t->ncols; i++) {
		enum column c = norm_column(t->header[i].text);
		if (c != COL_OTHER && m->idx[c] < 0)
			m->idx[c] = (int)i;
	}
}

static const char *cell(const struct raw_row *r, const struct colmap *m, enum column c)
{
	return m->idx[c] >= 0 ? r->cells[m->idx[c]].text : "";
}

static bool row_is_empty(const struct raw_table *t, const struct raw_row *r)
{
	for (unsigned i = 0; i < t->ncols; i++)
		if (!norm_is_empty_cell(r->cells[i].text))
			return false;
	return true;
}

static bool row_is_struck(const struct raw_table *t, const struct raw_row *r)
{
	bool any = false;
	for (unsigned i = 0; i < t->ncols; i++) {
		if (!*r->cells[i].text)
			continue;
		if (!r->cells[i].struck)
			return false;
		any = true;
	}
	return any;
}

static char *extra_json(const struct raw_table *t, const struct raw_row *r, const struct colmap *m)
{
	bool any = false;
	for (unsigned i = 0; i < t->ncols && !any; i++) {
		bool mapped = false;
		for (int k = 1; k <= COL_STATUS; k++)
			mapped |= m->idx[k] == (int)i;
		any = !mapped && *r->cells[i].text;
	}
	if (!any)
		return strdup("{}"); /* the common case: no other columns, no JSON to build */
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (unsigned i = 0; i < t->ncols; i++) {
		bool mapped = false;
		for (int k = 1; k <= COL_STATUS; k++)
			mapped |= m->idx[k] == (int)i;
		if (mapped || !*r->cells[i].text)
			continue;
		const char *name = *t->header[i].text ? t->header[i].text : "column";
		json_object_set_new(o, name, json_string(r->cells[i].text));
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static struct cellpos pos_of(const struct raw_row *r, const struct colmap *m, enum column c)
{
	struct cellpos p = {0, 0, 0};
	if (m->idx[c] >= 0 && r->cells[m->idx[c]].present) {
		p.line = r->line;
		p.col_start = r->cells[m->idx[c]].col_start;
		p.col_end = r->cells[m->idx[c]].col_end;
	}
	return p;
}

static int push_item(struct import_doc *doc, struct import_item *it)
{
	if ((doc->nitems & (doc->nitems - 1)) == 0) { /* grow at powers of two */
		size_t ncap = doc->nitems ? doc->nitems * 2 : 8;
		struct import_item *ni = realloc(doc->items, ncap * sizeof *ni);
		if (!ni)
			return -1;
		doc->items = ni;
	}
	doc->items[doc->nitems++] = *it;
	return 0;
}

static void read_row(struct import_doc *doc, const struct raw_table *t, const struct raw_row *r,
		     const struct colmap *m, const struct import_opts *o, int year, unsigned *autokey)
{
	const char *action = cell(r, m, COL_ACTION);
	if (row_is_empty(t, r) || norm_is_empty_cell(action) || norm_is_placeholder_action(action)) {
		doc->placeholders++;
		return;
	}
	struct import_item it;
	memset(&it, 0, sizeof it);
	it.line = r->line;
	it.due = DATE_NONE;
	it.priority = PRIORITY_NONE;

	/* key */
	const char *key = cell(r, m, COL_KEY);
	if (key[0] == '#' && key[1])
		key++;
	char num[24];
	(*autokey)++;
	if (m->idx[COL_KEY] < 0 || norm_is_empty_cell(key)) {
		if (m->idx[COL_KEY] >= 0)
			import_diag(doc, DIAG_WARNING, r->line, "row has no ID: keyed by its position (%u)",
				    *autokey);
		snprintf(num, sizeof num, "%u", *autokey);
		key = num;
		it.key_auto = true;
	}
	it.key = strdup(key);
	it.action = strdup(action);

	/* priority first: the due-date warning depends on it */
	const char *pri = cell(r, m, COL_PRIORITY);
	if (*pri && !norm_is_template_token(pri)) {
		int p = norm_priority(pri);
		if (p == -2)
			import_diag(doc, DIAG_WARNING, r->line,
				    "item %s: priority \"%s\" not understood (use P0..P3); left empty",
				    it.key, pri);
		else
			it.priority = p;
	}

	const char *own = cell(r, m, COL_OWNER);
	if (*own && !norm_is_template_token(own) && !norm_is_template_person(own)) {
		int n = norm_owners(own, &it.owners);
		it.nowners = n > 0 ? n : 0;
	}

	const char *due = cell(r, m, COL_DUE);
	if (*due && !norm_is_template_token(due)) {
		enum due_result dr = norm_due(due, year, o ? o->date_order : DATE_ORDER_AUTO, &it.due);
		switch (dr) {
		case DUE_OK:
			break;
		case DUE_NONE:
			it.due = DATE_NONE;
			break;
		case DUE_FREE_TEXT:
			it.due = DATE_NONE;
			if (it.priority == 0 || it.priority == 1)
				import_diag(doc, DIAG_WARNING, r->line,
					    "item %s is P%d but its due date \"%s\" is not a date: no "
					    "reminders until "
					    "it has one (use YYYY-MM-DD)",
					    it.key, it.priority, due);
			break;
		case DUE_AMBIGUOUS:
			it.due = DATE_NONE;
			import_diag(
			    doc, DIAG_WARNING, r->line,
			    "item %s: due date \"%s\" is ambiguous (day/month or month/day?): left empty; "
			    "write YYYY-MM-DD or set [import] date_order = dmy|mdy",
			    it.key, due);
			break;
		case DUE_INVALID:
			it.due = DATE_NONE;
			import_diag(
			    doc, DIAG_ERROR, r->line,
			    "item %s: due date \"%s\" is not a real date: fix it (the file is not imported)",
			    it.key, due);
			break;
		}
	}

	const char *st = cell(r, m, COL_STATUS);
	bool known = true;
	it.status = norm_status(st, &known);
	if (*st)
		it.status_raw = strdup(st);
	if (!*st && row_is_struck(t, r))
		it.status = STATUS_WONT_DO;
	if (!known)
		import_diag(doc, DIAG_WARNING, r->line,
			    "item %s: status \"%s\" not understood: treated as open", it.key, st);

	it.extra = extra_json(t, r, m);
	it.pos_status = pos_of(r, m, COL_STATUS);
	it.pos_due = pos_of(r, m, COL_DUE);
	it.pos_owner = pos_of(r, m, COL_OWNER);
	if (!it.key || !it.action || !it.extra || push_item(doc, &it) < 0) {
		import_diag(doc, DIAG_ERROR, r->line, "out of memory");
		free(it.key);
		free(it.action);
		free(it.status_raw);
		free(it.extra);
		norm_owners_free(it.owners, it.nowners);
	}
}

static int cmp_key(const void *a, const void *b)
{
	const struct import_item *x = *(const struct import_item *const *)a;
	const struct import_item *y = *(const struct import_item *const *)b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void check_duplicates(struct import_doc *doc)
{
	if (doc->nitems < 2)
		return;
	const struct import_item **v = malloc(doc->nitems * sizeof *v);
	if (!v) {
		import_diag(doc, DIAG_ERROR, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < doc->nitems; i++)
		v[i] = &doc->items[i];
	qsort(v, doc->nitems, sizeof *v, cmp_key);
	for (size_t i = 1; i < doc->nitems; i++)
		if (!strcmp(v[i]->key, v[i - 1]->key))
			import_diag(
			    doc, DIAG_ERROR, v[i]->line,
			    "duplicate action item ID \"%s\" (also on line %u): give each row its own ID",
			    v[i]->key, v[i - 1]->line);
	free(v);
}

void rules_apply(const struct raw_doc *raw, const struct import_opts *o, struct import_doc *doc)
{
	incident_fields(raw, o, doc);
	int year = default_year(doc);
	unsigned autokey = 0;
	for (size_t ti = 0; ti < raw->ntables; ti++) {
		const struct raw_table *t = &raw->tables[ti];
		struct colmap m;
		map_columns(t, &m);
		if (m.idx[COL_ACTION] < 0) {
			import_diag(
			    doc, DIAG_WARNING, t->line,
			    "table in the action section has no Action column: skipped (name a column "
			    "Action, Task or Description)");
			continue;
		}
		if (m.idx[COL_KEY] < 0)
			import_diag(
			    doc, DIAG_WARNING, t->line,
			    "table has no ID column: items are keyed 1..n by their order, so inserting or "
			    "moving a row changes which item is which; add an ID column");
		for (size_t r = 0; r < t->nrows; r++)
			read_row(doc, t, &t->rows[r], &m, o, year, &autokey);
	}
	check_duplicates(doc);
}
