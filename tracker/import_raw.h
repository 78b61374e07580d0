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
	bool anywhere;    /* outside an action section: read because of its columns */
	unsigned section; /* the action section it is in (1, 2, … in document order), 0 if none */
	unsigned ncols;
	struct raw_cell *header;
	struct raw_row *rows;
	size_t nrows;
};

struct raw_field {
	char *value; /* NULL if not seen */
	unsigned line;
};

/* One item of a list inside an action section (lists.c). */
struct raw_litem {
	char *text;       /* the item's own first paragraph, cleaned; "[ ] " etc. still in front */
	bool struck;      /* all of that text is inside ~~strikethrough~~ */
	unsigned line;    /* line of that paragraph */
	unsigned box_col; /* 1-based byte column of the first character of the paragraph (where a
			     task box "[ ]" starts), 0 if unknown */
	char **details;   /* the nested items and further paragraphs, cleaned, in order */
	size_t ndetails;
	char **links; /* every URL of the item and its details, in order, once each */
	size_t nlinks;
	unsigned section; /* the action section it is in (1, 2, … in document order) */
};

struct raw_doc {
	char *h1;
	unsigned h1_line;
	struct raw_field fields[IF_COUNT]; /* indexed by enum incident_field */
	bool id_strong;                    /* the id's label was "Incident ID", "ID" or front matter */
	bool fm_fields[IF_COUNT];          /* which fields came from the YAML front matter */
	struct raw_table *tables; /* tables inside action sections (or with action columns), in order */
	size_t ntables;
	struct raw_litem *litems; /* list items inside action sections, in order */
	size_t nlitems;
	/* what the walk saw, for the "no action items" warning */
	unsigned action_sections;   /* headings that opened an action section */
	unsigned first_action_line; /* line of the first such heading, 0 if none */
};

void raw_doc_release(struct raw_doc *r);
/* Walks the Markdown (without BOM) and fills `raw`; problems go to `doc` as diagnostics. The first
 * `skip` bytes (YAML front matter, `skip_lines` lines) are not Markdown: the parser sees that many
 * empty lines instead, so line numbers stay the file's. Returns 0, or -1 if out of memory. */
int parse_markdown(const char *data, size_t len, size_t skip, unsigned skip_lines,
		   const struct import_opts *o, struct raw_doc *raw, struct import_doc *doc);

/* lists.c: reads the list `list` (a CMARK_NODE_LIST inside an action section) into raw->litems. A
 * top-level item is one item; its nested items and further paragraphs are its details — unless its
 * text ends with ':' and it has a nested list (a label), then the nested items are the items.
 * `t_strike` is cmark's strikethrough node type (CMARK_NODE_NONE if not known yet). Returns 0, or -1
 * if out of memory. Iterative, so hostile nesting cannot exhaust the stack; details are capped. */
struct cmark_node;
int lists_read(struct cmark_node *list, int t_strike, struct raw_doc *raw);
void raw_litem_release(struct raw_litem *li);

/* The fields written inside a list item's text (issue 9, §2), taken out of `text`:
 *   status  task box "[ ]"/"[x]"/"[X]", a leading ✅ ☑ ✔, a leading "DONE"/"Done:"/"DONE -", a
 *           trailing "DONE", "(done)", "(completed)", "- done", ". Done in X."; struck → wont_do;
 *   owners  "@handle" anywhere (several), "Owner: X", "Owners: X, Y", "owner X", "(X)" when X is
 *           one of `people` (handles or names of the people table; the owner is then
 *           handles[i], or the text as written when handles is NULL);
 *   due     "due 2026-05-01", "due: …", "Due: 14 Oct 2026", "by 2026-05-01", "(by Friday 2026-10-16)",
 *           "due by …", "deadline …";
 *   priority a P0..P3 token or "[P1]";
 *   links   issue/PR URLs are removed from the text (all URLs are in raw_litem.links).
 * Everything else stays in the text. */
struct list_fields {
	char *action; /* the rest of the text, tidied; malloc'd */
	bool has_box; /* a task box was there */
	bool status_set;
	enum status status;
	char *status_word; /* the marker as written ("[x]", "DONE", "✅"), NULL if none */
	char **owners;
	int nowners;
	char *due_text; /* the due expression as written, NULL if none */
	int priority;   /* PRIORITY_NONE if none */
};
int lists_fields(const char *text, const char *const *people, const char *const *handles,
		 struct list_fields *out);
void list_fields_release(struct list_fields *f);
/* Applies the import rules to the raw document; fills doc. */
void rules_apply(const struct raw_doc *raw, const struct import_opts *o, struct import_doc *doc);

#endif
