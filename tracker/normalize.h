/*
 * normalize — turning one cleaned cell or field value into a typed value, by the import rules
 * (issue 2, "Item fields", "Incident fields", "Which tables", "Columns", "Rows").
 *
 * Every function here is pure: it reads a NUL-terminated, already *cleaned* string (Markdown markup
 * removed by the parser, whitespace collapsed, trimmed, NFC — see norm_text()) and returns a value.
 * None of them allocate except where the signature returns a `char *` or fills an owned array.
 * Matching of words is case-insensitive (ASCII) unless said otherwise.
 */
#ifndef TRACKER_NORMALIZE_H
#define TRACKER_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Collapses runs of Unicode/ASCII whitespace (including NBSP) to one space, trims both ends, and
 * returns the NFC form, malloc'd (never NULL unless out of memory). `n` bytes of UTF-8. White space
 * is ASCII white space, Unicode space separators (Zs), U+2028/U+2029, NEL, and also NUL, ZERO WIDTH
 * SPACE and BOM; an invalid byte becomes U+FFFD. Pure ASCII (and other already-NFC text) skips NFC. */
char *norm_text(const char *s, size_t n);

/* --- incident fields ----------------------------------------------------------------------- */

enum incident_field {
	IF_NONE = 0,
	IF_ID,          /* Incident ID, ID, Incident, Incident #, Incident number, Post-mortem ID */
	IF_DATE,        /* Date, Incident Date, Start date, Date of incident, Incident date(s), Dates */
	IF_DURATION,    /* Duration */
	IF_SEVERITY,    /* Severity, Sev */
	IF_REPORTER,    /* Reporter, Reported by */
	IF_APPROVED_BY, /* Approved by, Approver */
	IF_REVIEW_DATE, /* Post-Mortem Review Date (any spelling of post-mortem/postmortem), Review Date */
	IF_STATUS,      /* Status, Document status, Post-mortem status (the document's, not an item's) */
	IF_AUTHORS,     /* Authors, Author, Written by, Incident owner */
	IF_TITLE,       /* only from front matter ("title:"); no Markdown label maps to it */
	IF_COUNT
};
/* The field a label names (the label without its trailing ':'), IF_NONE if none. */
enum incident_field norm_label(const char *label);

/* True if `s` is exactly a whole incident id: "INC-" 4-digit year "-" 2-digit month "-" 2-digit day
 * "-" then one or more of [A-Za-z0-9] (e.g. INC-2026-03-14-042). The date must be a real date. A
 * template value (INC-YYYY-MM-DD-XXX, or a half-filled INC-2026-03-14-XXX: a suffix of only X's) is
 * not one. Case of "INC" must be upper. */
bool norm_is_incident_id(const char *s);
/* Finds the first whole incident id inside `s` (delimited by non-[A-Za-z0-9-] characters). Returns
 * its offset and sets *len, or -1. Used only for the H1 title fallback. */
long norm_find_incident_id(const char *s, size_t *len);

/* Removes a leading "Post-Mortem:" (any spelling: Postmortem, Post Mortem, Post-mortem, with ':' or a
 * dash – — - or '|') from a title; returns a pointer into `s` past it (and past following spaces).
 * Without a separator nothing is removed ("Postmortem process"), except when the title is only
 * "Post-Mortem", which gives "". */
const char *norm_strip_postmortem_prefix(const char *s);

/* "SEV-2", "Sev 2", "SEV2", "sev-2", "Sev 2 (Major)", "SEV 2 - Major", "Severity 2" → 2 (0..9);
 * "SEV-X", "SEV-12", a bare "2", empty or anything else → -1. Leading emoji are ignored. */
int norm_severity(const char *s);

/* Template person values: "@username", "@name", "@names" (also @user, @handle, @owner, @person,
 * @someone, @detector, @reporter, @approver), "[name]", "[Name]", any whole "[...]". */
bool norm_is_template_person(const char *s);

/* --- sections and columns ------------------------------------------------------------------ */

/* True if a heading's cleaned text names an action section: section_is_action_heading(text, NULL)
 * (sections.h has the rule and the vocabulary). */
bool norm_is_action_heading(const char *text);

enum column {
	COL_OTHER = 0,
	COL_KEY,      /* ID # No No. Ref Item # Action ID Key */
	COL_ACTION,   /* Action, Action Item(s), Item, Task, Description, What, Remediation, Follow-up… */
	COL_OWNER,    /* Owner Owners Owner(s) Assignee Assigned to Who DRI Responsible Team … */
	COL_DUE,      /* Due, Due Date, Target, Target (date), Deadline, ETA, By, When … */
	COL_PRIORITY, /* Priority Pri Prio P */
	COL_STATUS,   /* Status State Done? Progress */
};
enum column norm_column(const char *header);
/* A reference column: Bug, Ticket, Issue, Link, PR, Jira, Type (and plurals). Its cells stay in
 * `extra`; with no Status column, a status word in one of them sets the status (rules.c). */
bool norm_is_ref_column(const char *header);

/* --- rows ---------------------------------------------------------------------------------- */

/* An empty cell or one that is only dashes ("-", "--", "—", "–") and spaces. */
bool norm_is_empty_cell(const char *s);
/* An action that is a whole bracketed template phrase: "[Specific, actionable item]". */
bool norm_is_placeholder_action(const char *s);
/* Template tokens that just make a field empty: "@username" (the template handles of
 * norm_is_template_person), date shapes spelled with Y/M/D ("YYYY-MM-DD", "DD.MM.YYYY"), "HH:MM",
 * priority lists ("P0/P1/P2", "P0-P3"), and a whole "[...]" of two or more characters ("[date]").
 * Checkboxes "[ ]" and "[x]" are not tokens: they are statuses. */
bool norm_is_template_token(const char *s);

/* --- item fields --------------------------------------------------------------------------- */

/* Owners of a cell. empty/TBD/TBA/-/n/a/?/unassigned/none or a template token → 0 owners;
 * "@a, @b and @c" → a, b, c in order (any separators; a repeated handle counts once; template
 * handles are skipped); if the cell has any @handle, only the handles count ("@alice (backup: Bob)"
 * → alice). A handle is norm_handle_at(), not preceded by a handle character (so an e-mail address
 * is not a handle). Without handles the text is names separated by ',', ';', '&', '/', '+' or
 * " and " ("Alice and Bob", "luk,ale" → two owners; "Platform team" → one), each as written. Fills *owners
 * with a malloc'd array of malloc'd strings (NULL when 0); returns the count, or -1 if out of memory. Free
 * with norm_owners_free(). */
int norm_owners(const char *s, char ***owners);
/* Length in bytes of the handle at p ('@' included), 0 if none: '@' then letters of any script
 * (utf8proc: L*, M*, Nd), ASCII digits, '.', '_', '-' — "@jörg", "@łukasz.nowak", "@Zoë", "@山田" —
 * and one "/team" part ("@org/team" is one GitHub team); trailing '.' and '-' are not part of it. */
size_t norm_handle_at(const char *p, const char *e);
void norm_owners_free(char **owners, int n);

enum date_order { DATE_ORDER_AUTO = 0, DATE_ORDER_DMY, DATE_ORDER_MDY };
enum due_result {
	DUE_NONE = 0,  /* empty or a template token: no due date, no warning */
	DUE_OK,        /* *days set */
	DUE_FREE_TEXT, /* TBD, ASAP, Q3, a sprint…: no due date (warn when P0/P1) */
	DUE_AMBIGUOUS, /* 05/06/2026 with date_order auto: no due date, warn */
	DUE_INVALID,   /* date-shaped but not a real date (2026-02-30): reject the file */
};
/* Parses a due cell. Forms: YYYY-MM-DD (also / or . separators), optionally followed by a time
 * ("T17:00Z", " 17:00", " 5pm", a zone); "April 7, 2026", "Apr 7 2026", "7 Apr 2026", "7 April, 2026",
 * "7-Apr-2026", with a weekday prefix ("Tue, April 7, 2026"), ordinals ("April 7th", "7th of April");
 * a trailing "(EOD)", "EOD", "end of day", "COB" or any trailing "(...)" remark is ignored.
 * DD.MM.YYYY is day-first; NN/NN/YYYY (or NN-NN-YYYY) is ambiguous unless one reading is not a real
 * date (13/05/2026 is 13 May) or `order` decides (if `order`'s reading is not a real date but the
 * other is, the real one is taken). Two-digit years mean 20YY, under the same rules ("4/7/26" is
 * ambiguous in auto order). A month and day with no year take `default_year` (if default_year <= 0:
 * DUE_FREE_TEXT). A recognised date followed by other text ("2026-04-07 or earlier") is free text. */
enum due_result norm_due(const char *s, int default_year, enum date_order order, int32_t *days);

/* Incident date fields (date, review_date): the same forms as norm_due. */
#define norm_date norm_due

/* "P0".."P3" any case, any suffix ("P1 – high", "p2 (medium)", "P0 🔥"); Critical/Urgent/Highest/
 * Blocker → 0; High → 1; Medium/Med/Normal → 2; Low/Lowest/Minor → 3 (whole word, any suffix);
 * leading emoji ignored; empty or "-" → PRIORITY_NONE; template token "P0/P1/P2" → PRIORITY_NONE.
 * Anything else (P4, "1", "Very high") → -2 (unknown: caller warns). */
int norm_priority(const char *s);

/* Maps a status cell (see the list, emoji and "[x]"/"[ ]" included) by its leading word(s),
 * case-insensitive, so trailing detail is fine ("Done (PR #123)", "Blocked - waiting on vendor").
 * When a status emoji and a word disagree ("✅ Blocked"), the word wins; with no known word, the
 * first status emoji anywhere decides ("✅ see PR", "merged ✅"). *known is false for an unknown word
 * (→ STATUS_OPEN; the caller warns and keeps the raw text). Empty or "-" → open, known. `known` may
 * be NULL. */
enum status norm_status(const char *s, bool *known);

#endif
