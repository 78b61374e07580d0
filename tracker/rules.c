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

/* Reads a due date; every problem is a diagnostic on `line` (only an impossible date is an error). */
/* A column header that asks a question: "Done?", "Completed?". */
static bool question_header(const char *h)
{
	size_t n = strlen(h);
	return n > 1 && h[n - 1] == '?';
}

/* "yes"/"y"/"true" → 1, "no"/"n"/"false" → 0 (any case, a trailing '.' or '!' allowed), else -1. */
static int yes_no(const char *s)
{
	char k[8];
	size_t n = strlen(s);
	while (n && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == ' '))
		n--;
	if (n == 0 || n >= sizeof k)
		return -1;
	for (size_t i = 0; i < n; i++)
		k[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	k[n] = '\0';
	if (!strcmp(k, "yes") || !strcmp(k, "y") || !strcmp(k, "true"))
		return 1;
	if (!strcmp(k, "no") || !strcmp(k, "n") || !strcmp(k, "false"))
		return 0;
	return -1;
}

/* A status word or mark written in a cell of its own: the whole cell ("DONE", "✅"), or a word at its
 * end or start in capitals ("n/a DONE", "Bug 5554823 TODO", "TODO."). */
static int status_in_cell(const char *c)
{
	bool known = false;
	enum status st = norm_status(c, &known);
	size_t n = strlen(c);
	if (known && n && n <= 24)
		return (int)st; /* the whole short cell is a status: "DONE", "Completed", "✅ Done" */
	static const struct {
		const char *w;
		enum status s;
	} caps[] = {
	    {"DONE", STATUS_DONE},       {"TODO", STATUS_OPEN},           {"FIXED", STATUS_DONE},
	    {"COMPLETE", STATUS_DONE},   {"COMPLETED", STATUS_DONE},      {"OPEN", STATUS_OPEN},
	    {"WIP", STATUS_IN_PROGRESS}, {"ONGOING", STATUS_IN_PROGRESS}, {"IN PROGRESS", STATUS_IN_PROGRESS},
	    {"BLOCKED", STATUS_BLOCKED}, {"WONTFIX", STATUS_WONT_DO},     {"WON'T FIX", STATUS_WONT_DO}};
	while (n && (c[n - 1] == '.' || c[n - 1] == '!' || c[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		size_t k = strlen(caps[i].w);
		if (n >= k && !strncmp(c + n - k, caps[i].w, k) && (n == k || c[n - k - 1] == ' '))
			return (int)caps[i].s;
		if (n > k && !strncmp(c, caps[i].w, k) && c[k] == ' ')
			return (int)caps[i].s;
	}
	/* a status emoji anywhere */
	static const char *const done[] = {"\xE2\x9C\x85", "\xE2\x98\x91", "\xE2\x9C\x94", NULL};
	for (size_t i = 0; done[i]; i++)
		if (strstr(c, done[i]))
			return STATUS_DONE;
	return -1;
}

/* No Status column: the first other cell (not action, key, owner, due or priority) with a status in
 * it sets the status; the cell stays in `extra` as written. */
static void status_from_other_cell(const struct raw_table *t, const struct raw_row *r, const struct colmap *m,
				   struct import_item *it)
{
	for (unsigned i = 0; i < t->ncols; i++) {
		bool mapped = false;
		for (int k = 1; k <= COL_STATUS; k++)
			mapped |= m->idx[k] == (int)i;
		if (mapped || !*r->cells[i].text)
			continue;
		int st = status_in_cell(r->cells[i].text);
		if (st >= 0) {
			it->status = (enum status)st;
			it->status_raw = strdup(r->cells[i].text);
			return;
		}
	}
}

static void read_due(struct import_doc *doc, unsigned line, const char *key, const char *due, int priority,
		     int year, const struct import_opts *o, int32_t *out)
{
	enum due_result dr = norm_due(due, year, o ? o->date_order : DATE_ORDER_AUTO, out);
	switch (dr) {
	case DUE_OK:
		break;
	case DUE_NONE:
		*out = DATE_NONE;
		break;
	case DUE_FREE_TEXT:
		*out = DATE_NONE;
		if (priority == 0 || priority == 1)
			import_diag(doc, DIAG_WARNING, line,
				    "item %s is P%d but its due date \"%s\" is not a date: no "
				    "reminders until "
				    "it has one (use YYYY-MM-DD)",
				    key, priority, due);
		break;
	case DUE_AMBIGUOUS:
		*out = DATE_NONE;
		import_diag(doc, DIAG_WARNING, line,
			    "item %s: due date \"%s\" is ambiguous (day/month or month/day?): left empty; "
			    "write YYYY-MM-DD or set [import] date_order = dmy|mdy",
			    key, due);
		break;
	case DUE_INVALID:
		*out = DATE_NONE;
		import_diag(doc, DIAG_ERROR, line,
			    "item %s: due date \"%s\" is not a real date: fix it (the file is not imported)",
			    key, due);
		break;
	}
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
	if (*due && !norm_is_template_token(due))
		read_due(doc, r->line, it.key, due, it.priority, year, o, &it.due);

	const char *st = cell(r, m, COL_STATUS);
	bool known = true;
	it.status = norm_status(st, &known);
	if (!known && m->idx[COL_STATUS] >= 0 && question_header(t->header[m->idx[COL_STATUS]].text)) {
		/* a "Done?" column: yes / no */
		int yn = yes_no(st);
		if (yn >= 0) {
			it.status = yn ? STATUS_DONE : STATUS_OPEN;
			known = true;
		}
	}
	if (*st)
		it.status_raw = strdup(st);
	else if (m->idx[COL_STATUS] < 0)
		status_from_other_cell(t, r, m, &it);
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

/* A JSON object for a list item's extra: details, links and the struck-out reason, when present. */
static char *litem_extra(const struct raw_litem *li, const char *reason)
{
	if (!li->ndetails && !li->nlinks && !reason)
		return strdup("{}");
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (li->ndetails) {
		json_t *a = json_array();
		for (size_t i = 0; i < li->ndetails; i++)
			json_array_append_new(a, json_string(li->details[i]));
		json_object_set_new(o, "details", a);
	}
	if (li->nlinks) {
		json_t *a = json_array();
		for (size_t i = 0; i < li->nlinks; i++)
			json_array_append_new(a, json_string(li->links[i]));
		json_object_set_new(o, "links", a);
	}
	if (reason)
		json_object_set_new(o, "reason", json_string(reason));
	char *out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

/* What is left of a list item is a placeholder: empty, a whole "[...]" ("[Action item]"), or a word
 * that says nothing is there (TBD, TODO, N/A, None, "...", "-"). */
static bool list_placeholder(const char *action)
{
	static const char *const words[] = {"tbd", "tba",          "todo", "n/a", "none",
					    "...", "\xE2\x80\xA6", "-",    NULL};
	if (!*action || norm_is_placeholder_action(action) || norm_is_empty_cell(action))
		return true;
	char k[16];
	size_t n = strlen(action);
	if (n >= sizeof k)
		return false;
	for (size_t i = 0; i <= n; i++)
		k[i] = (char)(action[i] >= 'A' && action[i] <= 'Z' ? action[i] + 32 : action[i]);
	for (size_t i = 0; words[i]; i++)
		if (!strcmp(k, words[i]))
			return true;
	return false;
}

/* One list item of an action section → one item (issue 9, §2). */
static void read_litem(struct import_doc *doc, const struct raw_litem *li, const struct import_opts *o,
		       int year, unsigned *autokey)
{
	struct list_fields f;
	if (norm_is_placeholder_action(li->text)) {
		doc->placeholders++;
		return;
	}
	if (lists_fields(li->text, o ? o->people : NULL, o ? o->people_handles : NULL, &f) < 0) {
		import_diag(doc, DIAG_ERROR, li->line, "out of memory");
		return;
	}
	if (list_placeholder(f.action)) {
		doc->placeholders++;
		list_fields_release(&f);
		return;
	}
	struct import_item it;
	memset(&it, 0, sizeof it);
	it.line = li->line;
	it.due = DATE_NONE;
	it.priority = f.priority;
	it.from_list = true;
	it.key_auto = true;
	char num[24];
	snprintf(num, sizeof num, "%u", ++*autokey);
	it.key = strdup(num);
	it.action = strdup(f.action);
	it.owners = f.owners;
	it.nowners = f.nowners;
	f.owners = NULL;
	f.nowners = 0;
	if (f.due_text && it.key)
		read_due(doc, li->line, it.key, f.due_text, it.priority, year, o, &it.due);
	it.status = f.status_set ? f.status : STATUS_OPEN;
	if (f.status_word)
		it.status_raw = strdup(f.status_word);
	const char *reason = NULL;
	if (li->struck) {
		it.status = STATUS_WONT_DO;
		reason = "struck out in the document";
	}
	if (f.has_box && li->box_col) {
		it.pos_box.line = li->line;
		it.pos_box.col_start = it.pos_box.col_end = li->box_col + 1;
	}
	it.extra = litem_extra(li, reason);
	list_fields_release(&f);
	if (!it.key || !it.action || !it.extra || push_item(doc, &it) < 0) {
		import_diag(doc, DIAG_ERROR, li->line, "out of memory");
		free(it.key);
		free(it.action);
		free(it.status_raw);
		free(it.extra);
		norm_owners_free(it.owners, it.nowners);
	}
}

static void read_table(struct import_doc *doc, const struct raw_table *t, const struct import_opts *o,
		       int year, unsigned *autokey)
{
	struct colmap m;
	map_columns(t, &m);
	if (m.idx[COL_ACTION] < 0) {
		import_diag(doc, DIAG_WARNING, t->line,
			    "table in the action section has no Action column: skipped (name a column "
			    "Action, Task or Description)");
		return;
	}
	if (t->anywhere)
		import_diag(doc, DIAG_WARNING, t->line,
			    "table with an action column outside an action section: its rows are read as "
			    "action items (put it under a heading such as \"Action Items\")");
	if (m.idx[COL_KEY] < 0 && !t->anywhere)
		import_diag(doc, DIAG_WARNING, t->line,
			    "table has no ID column: on re-import each row is matched to its item by its "
			    "text first and its position last; add an ID column to make that certain");
	for (size_t r = 0; r < t->nrows; r++)
		read_row(doc, t, &t->rows[r], &m, o, year, autokey);
}

/* Automatic keys never take a key written in an ID column of the same document. */
static void settle_auto_keys(struct import_doc *doc)
{
	bool any_written = false, any_auto = false;
	for (size_t i = 0; i < doc->nitems; i++) {
		any_written |= !doc->items[i].key_auto;
		any_auto |= doc->items[i].key_auto;
	}
	if (!any_written || !any_auto)
		return;
	unsigned next = 1;
	for (size_t i = 0; i < doc->nitems; i++) {
		struct import_item *it = &doc->items[i];
		if (!it->key_auto)
			continue;
		bool clash = true;
		char num[24];
		unsigned k = (unsigned)strtoul(it->key, NULL, 10);
		if (k < next)
			k = next;
		while (clash) {
			snprintf(num, sizeof num, "%u", k);
			clash = false;
			for (size_t j = 0; j < doc->nitems && !clash; j++)
				clash = j != i && !strcmp(doc->items[j].key, num) &&
					(!doc->items[j].key_auto || j < i);
			if (clash)
				k++;
		}
		next = k + 1;
		if (strcmp(num, it->key)) {
			char *nk = strdup(num);
			if (nk) {
				free(it->key);
				it->key = nk;
			}
		}
	}
}

static void no_items_warning(const struct raw_doc *raw, struct import_doc *doc)
{
	if (doc->nitems || doc->placeholders || doc->nerrors)
		return;
	doc->no_items_warned = true;
	if (raw->first_action_line)
		import_diag(
		    doc, DIAG_WARNING, raw->first_action_line,
		    "no action items: the section under this heading has no list and no table with an "
		    "Action column (a link to another tracker is not read); the incident is imported "
		    "without items");
	else
		import_diag(
		    doc, DIAG_WARNING, raw->h1_line ? raw->h1_line : 1,
		    "no action items: no table with an Action column and no list under a heading like "
		    "Action Items, Follow-ups, Remediation, Corrective and Preventive Measures, Next "
		    "Steps or To Do (add your own heading to [import] action_headings); the incident is "
		    "imported without items");
}

/* A list in an action section that also holds a table of items is the team's notes around the table
 * ("stuck transactions were accelerated", "see the board"), not more items: the table is the list
 * of promises. Says so once per section, at the first such list item. */
static bool litem_is_note(const struct raw_doc *raw, const struct raw_litem *li, unsigned *warned,
			  struct import_doc *doc)
{
	bool table = false;
	for (size_t i = 0; i < raw->ntables && !table; i++)
		table = raw->tables[i].section == li->section && raw->tables[i].nrows > 0;
	if (!table)
		return false;
	if (*warned != li->section) {
		*warned = li->section;
		import_diag(doc, DIAG_WARNING, li->line,
			    "this list is in an action section that also has a table of items: it is read "
			    "as notes, not as action items (put the items in the table, or the list under "
			    "a heading of its own)");
	}
	return true;
}

void rules_apply(const struct raw_doc *raw, const struct import_opts *o, struct import_doc *doc)
{
	unsigned noted = 0;
	incident_fields(raw, o, doc);
	int year = default_year(doc);
	unsigned autokey = 0;
	/* tables and list items in document order */
	size_t ti = 0, li = 0;
	while (ti < raw->ntables || li < raw->nlitems) {
		bool table =
		    li >= raw->nlitems || (ti < raw->ntables && raw->tables[ti].line <= raw->litems[li].line);
		if (table)
			read_table(doc, &raw->tables[ti++], o, year, &autokey);
		else if (litem_is_note(raw, &raw->litems[li], &noted, doc))
			li++;
		else
			read_litem(doc, &raw->litems[li++], o, year, &autokey);
	}
	settle_auto_keys(doc);
	check_duplicates(doc);
	no_items_warning(raw, doc);
}
