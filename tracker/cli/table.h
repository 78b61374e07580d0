/*
 * table — printing aligned text tables for people: display-width aware (utf8proc), every line within
 * the terminal's width (the last column cut to fit; the one before it gives way first when the last
 * would get under 16 columns), colour only on a terminal and never when NO_COLOR is set.
 *
 * Rows are buffered (alignment needs every width first); use JSON or CSV output for large lists.
 */
#ifndef TRACKER_TABLE_H
#define TRACKER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum cell_style { STYLE_PLAIN = 0, STYLE_BOLD, STYLE_RED, STYLE_YELLOW, STYLE_DIM, STYLE_GREEN };

struct table;

struct table *table_new(size_t ncols, const char *const *headers);
void table_free(struct table *t);
/* Adds a row of ncols strings (copied); styles may be NULL. Returns 0 or -1 (out of memory). */
int table_add(struct table *t, const char *const *cells, const enum cell_style *styles);
/* The number of rows added (the header not counted). */
size_t table_rows(const struct table *t);
/* Prints to f; colour and width are decided from f (isatty) and the environment. */
void table_print(struct table *t, FILE *f);

/* Display width of a UTF-8 string (East Asian wide = 2, combining = 0). */
size_t text_width(const char *s);
/* True when colour should be used on f. */
bool use_colour(FILE *f);

#endif
