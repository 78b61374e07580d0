/*
 * report — an incident's Review follow-up checklist, computed from the tracker's data.
 *
 * The post-mortem template ends with a checklist; two of its lines are facts the tracker knows:
 *   line 0, REPORT_P0_COMPLETED, "All P0 items completed": every P0 item is done or wont_do;
 *   line 1, REPORT_P1_SCHEDULED, "All P1 items scheduled": every P1 item that is still open (not
 *           done or wont_do) has a due date.
 * Items removed from the document do not count. A line with no such items is ok (nothing blocks it).
 * `tracker report` prints the lines; write-back ticks them in the document (`- [x]`) when ok.
 *
 * Use:
 *     struct report r;
 *     if (report_checklist(st, "INC-2026-03-14-042", &r, &err) < 0) ... err.msg ...
 *     for (int i = 0; i < REPORT_LINES; i++)
 *         r.lines[i].text, r.lines[i].ok, r.lines[i].blocking[0 .. nblocking)  (item keys, e.g. "3")
 *     report_release(&r);
 * `incident` is an exact incident id or a unique prefix of one; r.incident is the full id. The
 * struct owns its strings (report_release frees them); r.lines[i].text is a static literal.
 * Read-only: no transaction needed.
 */
#ifndef TRACKER_REPORT_H
#define TRACKER_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "model.h"
#include "store.h"

enum { REPORT_P0_COMPLETED = 0, REPORT_P1_SCHEDULED = 1, REPORT_LINES = 2 };

struct report_line {
	const char *text; /* "All P0 items completed" / "All P1 items scheduled" */
	bool ok;          /* nothing blocks the line */
	char **blocking;  /* keys of the items that block it, in document order */
	size_t nblocking;
};

struct report {
	char *incident; /* the resolved incident id */
	struct report_line lines[REPORT_LINES];
};

/* The one rule, for one item: which lines it blocks, as bits (1u << REPORT_P0_COMPLETED, …). An open
 * P0 blocks "completed"; an open P1 without a due date blocks "scheduled"; closed or removed items
 * block nothing. Write-back ticks the document's checklist with this same rule. */
unsigned report_item_blocks(int priority, enum status status, bool has_due, bool removed);

int report_checklist(struct store *st, const char *incident, struct report *r, struct error *err);
void report_release(struct report *r);

/* Resolves an exact incident id or a unique prefix to the full id (caller frees *id). ERR_DATA if
 * there is no such incident or the prefix is ambiguous. */
int report_resolve_incident(struct store *st, const char *ref, char **id, struct error *err);
/* The same with "none" told apart: 0 found, 1 no such incident (err says so, ERR_DATA), -1 an
 * ambiguous prefix (ERR_DATA, naming two candidates) or a database error. */
int report_find_incident(struct store *st, const char *ref, char **id, struct error *err);

#endif
