/*
 * table.c — aligned, width-aware text tables (see table.h).
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utf8proc.h>

#include "banned.h"

struct table {
	size_t ncols, nrows, cap;
	char **cells;            /* nrows * ncols, row 0 is the header */
	enum cell_style *styles; /* parallel */
};

size_t text_width(const char *s)
{
	size_t w = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	while (*p) {
		if (*p < 0x80) {
			w += *p >= 0x20;
			p++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0) {
			p++;
			w++;
			continue;
		}
		int cw = utf8proc_charwidth(cp);
		w += cw > 0 ? (size_t)cw : 0;
		p += n;
	}
	return w;
}

bool use_colour(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

struct table *table_new(size_t ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	if (table_add(t, headers, NULL) < 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->styles);
	free(t);
}

int table_add(struct table *t, const char *const *cells, const enum cell_style *styles)
{
	if (t->nrows == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 32;
		char **ncells = realloc(t->cells, nc * t->ncols * sizeof *ncells);
		if (!ncells)
			return -1;
		t->cells = ncells;
		enum cell_style *ns = realloc(t->styles, nc * t->ncols * sizeof *ns);
		if (!ns)
			return -1;
		t->styles = ns;
		t->cap = nc;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char *c = strdup(cells[i] ? cells[i] : "");
		if (!c)
			return -1;
		/* A table cell is one line: control characters become spaces. */
		for (char *p = c; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		t->cells[t->nrows * t->ncols + i] = c;
		t->styles[t->nrows * t->ncols + i] = styles ? styles[i] : STYLE_PLAIN;
	}
	t->nrows++;
	return 0;
}

static const char *sgr(enum cell_style s)
{
	switch (s) {
	case STYLE_BOLD:
		return "\033[1m";
	case STYLE_RED:
		return "\033[31m";
	case STYLE_YELLOW:
		return "\033[33m";
	case STYLE_DIM:
		return "\033[2m";
	case STYLE_GREEN:
		return "\033[32m";
	default:
		return "";
	}
}

/* Prints s cut to at most `max` columns (with "…" when cut). Returns the width printed. */
static size_t put_cut(FILE *f, const char *s, size_t max)
{
	size_t w = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t total = text_width(s);
	if (total <= max) {
		fputs(s, f);
		return total;
	}
	while (*p) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0)
			n = 1, cp = '?';
		int cw = cp < 0x80 ? 1 : utf8proc_charwidth(cp);
		if (cw < 0)
			cw = 0;
		if (w + (size_t)cw + 1 > max)
			break;
		fwrite(p, 1, (size_t)n, f);
		w += (size_t)cw;
		p += n;
	}
	fputs("\xE2\x80\xA6", f);
	return w + 1;
}

size_t table_rows(const struct table *t)
{
	return t && t->nrows ? t->nrows - 1 : 0;
}

void table_print(struct table *t, FILE *f)
{
	bool colour = use_colour(f);
	size_t *w = calloc(t->ncols, sizeof *w);
	if (!w)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t cw = text_width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	size_t term = 0;
	struct winsize ws;
	if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		term = ws.ws_col;
	size_t used = 0;
	for (size_t c = 0; c + 1 < t->ncols; c++)
		used += w[c] + 2;
	/* On a terminal every line fits: the last column is cut to what is left, and when that would
	 * be under MIN_LAST columns the column before it (an owner, a manager) gives way first, down
	 * to its header's width; the other columns (ids, dates, statuses) are never cut. */
	enum { MIN_LAST = 16 };
	if (t->ncols >= 3) {
		size_t c = t->ncols - 2, floor = text_width(t->cells[c]);
		while (term && used + MIN_LAST > term && w[c] > floor) {
			w[c]--;
			used--;
		}
	}
	size_t last_max = !term ? (size_t)-1 / 2 : term > used + 1 ? term - used : 1;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			enum cell_style st = r == 0 ? STYLE_BOLD : t->styles[r * t->ncols + c];
			if (colour && st != STYLE_PLAIN)
				fputs(sgr(st), f);
			bool last = c + 1 == t->ncols;
			size_t printed = put_cut(f, cell, last ? last_max : w[c]);
			if (colour && st != STYLE_PLAIN)
				fputs("\033[0m", f);
			if (!last)
				for (size_t k = printed; k < w[c] + 2; k++)
					fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(w);
}
