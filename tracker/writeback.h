/*
 * writeback — keeping the post-mortem document true: the tracker's values written back into the
 * source Markdown, touching nothing else.
 *
 * What is written, per action row of the document (matched to the store by its ID cell):
 *   - the Status cell, when the tracker's status differs from the document's;
 *   - the Due cell and the Owner cell, only where the tracker changed them (current != base) and the
 *     document does not already say the same;
 *   - the two computed lines of the Review checklist ("- [ ] All P0 items completed", "- [ ] All P1
 *     items scheduled", text matched case-insensitively, whatever the box says) are ticked or
 *     unticked by review_checklist().
 * Every other byte stays as it was: line endings (CRLF, LF, CR), a BOM, other tables, the cell's
 * leading space. A shorter value is padded with spaces to keep the column's alignment (measured in
 * display columns, so "✅ Done" counts 7); a longer one widens just that cell.
 *
 * Cells are located with the parser's positions (struct cellpos, cmark-gfm byte columns). The bytes
 * there are verified to be one cell's content — a '|' (or the line's edge) on both sides and no
 * unescaped '|' inside — before they are replaced; cmark-gfm reports columns of an indented
 * top-level row without its indentation, which is the one shift we accept. Anything else refuses the
 * whole write-back with an error naming the line.
 *
 * Status words follow the document's own style: for each status, the first cell of the document
 * that already says it with a short word ("✅ Done", "Completed", "In Progress") is copied as
 * written; otherwise the template's word (Not started, In progress, Blocked, Done, Won't do). Due
 * dates are written YYYY-MM-DD; owners as "@handle" joined with ", " (an owner that is not a handle
 * is written as its text).
 *
 * After computing the new bytes, writeback_compute() parses them again and checks that each written
 * cell reads back as the tracker's value; if one does not, nothing is written. The parsed document
 * (struct wb_result.doc) is what the store's base becomes.
 */
#ifndef TRACKER_WRITEBACK_H
#define TRACKER_WRITEBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "import.h"
#include "model.h"
#include "store.h"

/* The tracker's view of one item of the incident. Strings are borrowed. */
struct wb_item {
	const char *key;
	enum status status;      /* current */
	int priority;            /* 0..3 or PRIORITY_NONE */
	const char *due;         /* current due date YYYY-MM-DD, NULL if none */
	const char *owners_json; /* current owners as a JSON array ("[]" or NULL for none) */
	bool due_changed;        /* the tracker changed the due date (current != base) */
	bool owners_changed;     /* the tracker changed the owners (current != base) */
	bool removed;            /* flagged as gone from the document: ignored */
};

/*
 * The computed lines of the Review checklist, from the tracker's data (removed items ignored):
 *   p0_completed: every P0 item is done or wont_do;
 *   p1_scheduled: every open P1 item has a due date.
 * Both are true when there is no such item (nothing is left to do). `blockers_p0`/`blockers_p1`
 * count the items that keep each line unticked. The per-item rule is report_item_blocks() (report.h),
 * the same one `tracker report` uses.
 */
struct review_check {
	bool p0_completed, p1_scheduled;
	size_t blockers_p0, blockers_p1;
};
void review_checklist(const struct wb_item *items, size_t n, struct review_check *out);

enum wb_field { WB_STATUS, WB_DUE, WB_OWNER, WB_CHECKLIST };

/* One replaced cell or checkbox. */
struct wb_edit {
	enum wb_field field;
	unsigned line;
	char *key;      /* the item's key; NULL for a checklist line */
	char *old_text; /* the replaced content, trimmed */
	char *new_text; /* what was written, trimmed */
	bool box;       /* WB_STATUS written as a task-list box "[x]"/"[ ]" (issue 9) */
};

struct wb_result {
	char *data; /* the new file, `len` bytes (malloc'd; NUL-terminated for convenience) */
	size_t len;
	struct wb_edit *edits;
	size_t nedits;
	char **notes; /* things not written, and why ("line 12: item 3 has no Status cell …") */
	size_t nnotes;
	struct import_doc doc; /* the new bytes parsed again */
};

void wb_result_init(struct wb_result *r);
void wb_result_release(struct wb_result *r);

/*
 * Computes the new document from the old bytes `data` (as read, BOM included), their parse `doc`
 * (import_parse_buffer on the same bytes, without errors) and the tracker's items. `res` receives the
 * new bytes (identical to the old when there is nothing to write), the edits and notes. Returns 0, or
 * -1 with `err` set (ERR_DATA: a cell is not where the parser said, or a value would not read back).
 */
int writeback_compute(const char *data, size_t len, const struct import_doc *doc, const struct wb_item *items,
		      size_t nitems, struct wb_result *res, struct error *err);

/*
 * Appends a unified diff of two versions of a file with the same lines (write-back never adds or
 * removes a line) to `out`, with 3 lines of context, labelled `label_a`/`label_b`. Nothing is
 * appended when they are equal. Returns 0, -1 if out of memory.
 */
struct buf;
int writeback_diff(const char *a, size_t alen, const char *b, size_t blen, const char *label_a,
		   const char *label_b, struct buf *out);

/* --- the whole operation on the store -------------------------------------------------------- */

struct writeback_opts {
	bool dry_run; /* compute and report; change nothing */
	bool force;   /* write even if the file changed since its last import */
	const char *actor;
	int64_t now;
	const struct import_opts *io;
};

struct writeback_report {
	char *incident; /* the incident id */
	char *path;     /* the document (incidents.source) */
	char *old_data; /* the file as read */
	size_t old_len;
	bool stale;   /* the file changed since its last import (only written with --force) */
	bool written; /* the file was replaced and the store updated */
	struct wb_result res;
};

void writeback_report_init(struct writeback_report *r);
void writeback_report_release(struct writeback_report *r);

/*
 * Writes the tracker's values back into the document of one incident. `target` is the document's
 * path or the incident id (a unique prefix is enough). The file must parse without errors and,
 * unless o->force, be unchanged since its last import (SHA-256 = incidents.source_hash) — else
 * ERR_DATA "re-import first".
 *
 * Unless o->dry_run, under one BEGIN IMMEDIATE transaction: the new file is written to a temporary
 * file in the same directory (same mode), fsync'd and renamed over the document, then the written
 * fields' base_* (and status_raw) become the document's and incidents.source_hash the new file's
 * hash, and the transaction commits. The rename comes before the commit: if the commit fails, the
 * next import finds the document already saying what the tracker says and changes nothing. With
 * --force over a changed file the stored hash is left as it was, so the next import still merges
 * the document's other changes.
 */
int writeback_incident(struct store *st, const char *target, const struct writeback_opts *o,
		       struct writeback_report *rep, struct error *err);

/*
 * The two halves of writeback_incident() for documents that are not files of their own (a git source's
 * blob, tracker/sync/gitwb.h). writeback_prepare(): rep->incident, rep->path (a label for messages) and
 * rep->old_data/old_len (owned by rep) are set by the caller; parses them, checks they are the
 * incident's document and, unless o->force, that their SHA-256 is `stored_hash` (incidents.source_hash),
 * then computes rep->res from the store's items. Changes nothing. writeback_record(): once the new bytes
 * are where the document lives, stores the written fields as the new base, one `writeback` event per
 * edit and (unless rep->stale) the new hash — inside the caller's transaction.
 */
int writeback_prepare(struct store *st, const char *stored_hash, const struct writeback_opts *o,
		      struct writeback_report *rep, struct error *err);
int writeback_record(struct store *st, const struct writeback_report *rep, const struct writeback_opts *o,
		     struct error *err);

#endif
