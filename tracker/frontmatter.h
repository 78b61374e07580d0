/*
 * frontmatter — YAML front matter at the top of a post-mortem ("---" … "---"), read with libyaml.
 *
 * The block must start on the document's first line (after a BOM) with a line that is exactly "---"
 * and end with a line that is exactly "---" or "...". Its bytes are never read as Markdown: the
 * importer feeds the parser that many empty lines instead, so every line number after it is the
 * file's own. Keys read (case-insensitive, '-'/'_'/spaces ignored, as labels are): title, date, id,
 * incident_id (and every incident label of normalize.h: severity, duration, reporter, …), authors
 * (a list or a string; the first is the reporter), author, owner, status. Other keys are ignored.
 *
 * Bad input never loses the document: front matter that is not YAML, not a mapping, or over
 * FRONTMATTER_MAX bytes gives a warning with its line and its fields are ignored; a "---" first
 * line that is never closed is read as Markdown, with a warning.
 */
#ifndef TRACKER_FRONTMATTER_H
#define TRACKER_FRONTMATTER_H

#include <stddef.h>

#include "import_raw.h"

#define FRONTMATTER_MAX ((size_t)64 << 10)

struct frontmatter {
	size_t skip;         /* bytes of the block, fences included (0: none) */
	unsigned skip_lines; /* lines of the block, fences included */
};

/* Finds the block at the start of `data` and reads its fields into `fm_fields` (indexed by enum
 * incident_field; each value malloc'd, NULL when absent) — warnings go to `doc`. Returns 0, or -1 if
 * out of memory. */
int frontmatter_read(const char *data, size_t len, struct frontmatter *fm, struct raw_field *fm_fields,
		     size_t nfields, struct import_doc *doc);

#endif
