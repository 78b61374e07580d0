/*
 * import_raw — the intermediate form between the Markdown walk (parse.c) and the rules (rules.c).
 * Private to the importer. Every string is cleaned (norm_text) and owned by the struct.
 */
#ifndef TRACKER_IMPORT_RAW_H
#define TRACKER_IMPORT_RAW_H

#include <stdbool.h>
#include <stddef.h>

#include "import.h"

struct raw_cell {
	char *text;
	bool struck;  /* all of its text is inside ~~strikethrough~~ (and there is some) */
	bool present; /* false for a cell the parser padded into a short row */
	unsigned col_start, col_end;
};

struct raw_row {
	unsigned line;
	struct raw_cell *cells; /* ncols of them */
};

struct raw_table {
	unsigned line;
	unsigned ncols;
	struct raw_cell *header;
	struct raw_row *rows;
	size_t nrows;
};

struct raw_field {
	char *value; /* NULL if not seen */
	unsigned line;
};

struct raw_doc {
	char *h1;
	unsigned h1_line;
	struct raw_field fields[IF_COUNT]; /* indexed by enum incident_field */
	bool id_strong;                    /* the id's label was "Incident ID", "ID" or front matter */
	bool fm_fields[IF_COUNT];          /* which fields came from the YAML front matter */
	struct raw_table *tables;          /* tables inside action sections, in order */
	size_t ntables;
};

void raw_doc_release(struct raw_doc *r);
/* Walks the Markdown (without BOM) and fills `raw`; problems go to `doc` as diagnostics. The first
 * `skip` bytes (YAML front matter, `skip_lines` lines) are not Markdown: the parser sees that many
 * empty lines instead, so line numbers stay the file's. Returns 0, or -1 if out of memory. */
int parse_markdown(const char *data, size_t len, size_t skip, unsigned skip_lines, struct raw_doc *raw,
		   struct import_doc *doc);
/* Applies the import rules to the raw document; fills doc. */
void rules_apply(const struct raw_doc *raw, const struct import_opts *o, struct import_doc *doc);

#endif
