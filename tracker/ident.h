/*
 * ident — an incident's identity and date as teams really write them (issue 9, §1 and §5).
 *
 * Pure functions on cleaned strings (see normalize.h), used by the import rules (rules.c):
 *   - whether a written value is an incident id, a template placeholder, or neither;
 *   - the id that leads (or closes) an H1 title: "PM2021-011 - Log4Shell",
 *     "Shakespeare Sonnet++ Postmortem (incident #465)", "[INC-2026-05-01-3] Login failures";
 *   - the id derived from the file name when a document has none;
 *   - incident dates in the forms people write ("7th September, 2022", "January 14-19, 2026",
 *     "2026-03-03 14:20 UTC", a date inside the title, a date at the start of the file name).
 *
 * An id is a case-sensitive token of 1..64 characters among letters, digits and "._#-" (ASCII), not
 * a template placeholder. Without [import] id_pattern, an id read from a weak place (the label
 * "Incident:", the H1) must also contain a digit, so a word is never taken for an id; an id under a
 * strong label ("Incident ID:", "ID:", front matter id/incident_id) need not. With id_pattern, a
 * value is an id exactly when the whole value matches the pattern (POSIX ERE).
 */
#ifndef TRACKER_IDENT_H
#define TRACKER_IDENT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "normalize.h"

#define IDENT_MAX 64

enum id_class {
	ID_NOT = 0,     /* not an id at all (prose, empty) */
	ID_OK,          /* a usable id */
	ID_PLACEHOLDER, /* a template placeholder: INC-YYYY-MM-DD-XXX, TBD, <id>, [id], {{id}} … */
};

/* Classifies a written value. `strong` for a value under an explicit id label. `re` is the
 * compiled [import] id_pattern or NULL. A leading '#' is not part of the id ("#465" → "465"); the
 * caller passes the value as written and uses ident_trim_hash() for the id itself. */
enum id_class ident_classify(const char *s, bool strong, const regex_t *re);
/* The value without one leading '#' when more follows. */
const char *ident_trim_hash(const char *s);
/* True for the template's own form INC-YYYY-MM-DD-N (a real date). */
bool ident_is_template_form(const char *s);

/* Finds the id in an H1 title (already without a "Post-Mortem:" prefix). Tries, in order: the
 * template id anywhere (INC-…); a match of `re` anywhere (at token boundaries); a token leading the
 * title followed by a separator (" - ", " – ", " — ", ": ", " | ") or in brackets ("[PM-12] …");
 * a closing "(incident #465)", "(Incident 465)", "[PM-12]" or "(PM-12)". On success returns true,
 * sets [*id_at, *id_len) to the id inside `title` and [*cut_at, *cut_len) to the span the title
 * loses (the id with its brackets and the word "incident"). */
bool ident_find_in_title(const char *title, const regex_t *re, size_t *id_at, size_t *id_len, size_t *cut_at,
			 size_t *cut_len);

/* The id derived from a file name. The base name without its .md/.markdown extension (the stem);
 * if the stem carries an id by the title's rule (ident_find_in_title: "PM2021-011 - Log4Shell.md"
 * → "PM2021-011"), that id; else the stem with characters outside [A-Za-z0-9._#-] turned into '-',
 * runs of '-' squeezed, '-' and '.' trimmed at both ends, cut to 64 characters. A name with nothing
 * left becomes "doc-" and 8 hex digits of its SHA-256. Deterministic: the same base name always
 * gives the same id, whatever the directory. malloc'd. */
char *ident_derive(const char *path, const regex_t *re);

/* An incident date as written: every form of norm_date(), plus ranges ("January 14-19, 2026",
 * "2021-01-20 - 2021-05-11", "Mar 3 to Mar 5, 2026": the first day) and a trailing time with a zone
 * ("2026-03-03 14:20 UTC"). Returns DUE_OK and sets *days, or another due_result. */
enum due_result ident_date(const char *s, enum date_order order, int32_t *days);
/* A date somewhere in a title ("2020-07-09, Simultaneous launches", "Incident report August 12 2025
 * - LEAP hub outage"): the first run of 1..4 words that is a whole date. DATE_NONE if none. */
int32_t ident_date_in_text(const char *s, enum date_order order);
/* A date at the start of a file's base name: "2025-09-29-flags-is-down.md", "20250212_stuck.md",
 * "07-Sept-2022_upgrade.md". DATE_NONE if none (or ambiguous under `order`). */
int32_t ident_date_in_name(const char *path, enum date_order order);

/* Compiles an id pattern (POSIX ERE); on failure writes regerror()'s text into msg and returns -1. */
int ident_compile(const char *pattern, regex_t *re, char *msg, size_t msgsz);

#endif
