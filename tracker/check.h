/*
 * check — the review checks `tracker check` adds to the importer's own diagnostics, without a
 * database: what a post-mortem should fix before its review merges.
 *
 * check_review() appends to doc->diags (as warnings, with their lines):
 *   - a P0 or P1 item with no owner, or with no due date (unless the importer already said why its
 *     due date is not one);
 *   - a due date before the incident's date;
 *   - template placeholders left in the text: "@username", "YYYY-MM-DD", "[Specific, actionable
 *     item]", "INC-YYYY-MM-DD-XXX", "SEV-X" — found by scanning the raw lines for these literal
 *     tokens (a check, not an import: a line in a code block is reported too).
 * check_sort() orders the diagnostics by line (stable), for printing.
 */
#ifndef TRACKER_CHECK_H
#define TRACKER_CHECK_H

#include <stddef.h>

#include "import.h"

/* `data`/`len`: the file as read (the same bytes `doc` was parsed from). */
void check_review(const char *data, size_t len, struct import_doc *doc);
void check_sort(struct import_doc *doc);

#endif
