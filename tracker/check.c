/*
 * check.c — review checks on a parsed post-mortem (see check.h).
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "tdate.h"
#include "banned.h"

static const char *const placeholders[] = {
    "INC-YYYY-MM-DD-XXX", "@username", "YYYY-MM-DD", "[Specific, actionable item]", "SEV-X",
};

/* Whether the importer already reported this line's due date. */
static bool due_reported(const struct import_doc *doc, unsigned line)
{
	for (size_t i = 0; i < doc->ndiags; i++)
		if (doc->diags[i].line == line && strstr(doc->diags[i].msg, "due date"))
			return true;
	return false;
}

static bool has_memstr(const char *s, size_t n, const char *tok)
{
	size_t k = strlen(tok);
	for (size_t i = 0; i + k <= n; i++)
		if (s[i] == tok[0] && !memcmp(s + i, tok, k))
			return true;
	return false;
}

static void scan_placeholders(const char *data, size_t len, struct import_doc *doc)
{
	unsigned line = 1;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		bool end = i == len || data[i] == '\n' || data[i] == '\r';
		if (!end)
			continue;
		const char *s = data + start;
		size_t n = i - start;
		bool inc_id = false;
		for (size_t t = 0; t < sizeof placeholders / sizeof placeholders[0]; t++) {
			/* the template incident id contains the date token: report it once */
			if (t == 2 && inc_id)
				continue;
			if (has_memstr(s, n, placeholders[t])) {
				inc_id |= t == 0;
				import_diag(doc, DIAG_WARNING, line,
					    "template placeholder \"%s\" left in: replace it with the real "
					    "value",
					    placeholders[t]);
			}
		}
		if (i == len)
			break;
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			i++;
		line++;
		start = i + 1;
	}
}

void check_review(const char *data, size_t len, struct import_doc *doc)
{
	for (size_t i = 0; i < doc->nitems; i++) {
		const struct import_item *it = &doc->items[i];
		if (it->priority == 0 || it->priority == 1) {
			if (it->nowners == 0)
				import_diag(doc, DIAG_WARNING, it->line,
					    "item %s is P%d and has no owner: name one (@handle)", it->key,
					    it->priority);
			if (it->due == DATE_NONE && !due_reported(doc, it->line))
				import_diag(doc, DIAG_WARNING, it->line,
					    "item %s is P%d and has no due date: give it one (YYYY-MM-DD)",
					    it->key, it->priority);
		}
		if (it->due != DATE_NONE && doc->inc.date != DATE_NONE && it->due < doc->inc.date) {
			char due[11], date[11];
			date_format(it->due, due);
			date_format(doc->inc.date, date);
			import_diag(doc, DIAG_WARNING, it->line,
				    "item %s is due %s, before the incident (%s): a typo?", it->key, due,
				    date);
		}
	}
	scan_placeholders(data, len, doc);
}

struct ranked {
	struct diag d;
	size_t idx;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->d.line != y->d.line)
		return (x->d.line > y->d.line) - (x->d.line < y->d.line);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

void check_sort(struct import_doc *doc)
{
	/* stable: diagnostics of one line keep their order */
	if (doc->ndiags < 2)
		return;
	struct ranked *v = malloc(doc->ndiags * sizeof *v);
	if (!v)
		return; /* unsorted output is still correct output */
	for (size_t i = 0; i < doc->ndiags; i++)
		v[i] = (struct ranked){doc->diags[i], i};
	qsort(v, doc->ndiags, sizeof *v, cmp_ranked);
	for (size_t i = 0; i < doc->ndiags; i++)
		doc->diags[i] = v[i].d;
	free(v);
}
