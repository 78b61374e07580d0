/*
 * gitwb — status back into git (issue 13, `writeback = branch | push` of a [source NAME]): the tracker's
 * item statuses (and the due dates and owners it changed) and the Review checklist written into the
 * source's documents — the byte-exact write-back of writeback.h, applied to the blobs at the branch
 * head — as ONE commit by the tracker, then pushed.
 *
 *   1. sync_source(): fetch and import first, so the store knows what the branch head says (the write-back
 *      of a document is refused when its blob is not the one last imported, as for files);
 *   2. for each incident of the source (incidents.source "git:NAME:PATH"), read HEAD:PATH from the mirror,
 *      writeback_prepare() it; documents with nothing to write are left alone;
 *   3. one commit on top of the head, made without a work tree (hash-object, a private index file,
 *      write-tree, commit-tree), author and committer `commit_author` (default "tracker
 *      <tracker@localhost>"), its message listing each edit and ending with the trailer
 *      "Tracker-Writeback: yes";
 *   4. push:  branch  → refs/heads/tracker/status, forced: that branch is the tracker's, made again on top
 *                       of the head at each write-back, for a merge request — unless it already is this
 *                       write-back (same parent, same tree): then nothing is pushed; the store is not changed
 * (the documents on the branch still say what they said; when the merge request is merged, the next sync
 * imports values equal to the tracker's: no change); push    → refs/heads/BRANCH, never forced. When the
 * remote moved on (the push is refused), sync again (import the upstream commit) and make the commit again on
 * the new head — a rebase of our one commit — and push once more; refused again: reported, nothing changed.
 * Once pushed, the written values become the items' base and each document's hash the new blob's, in one
 * transaction, so the next sync finds the documents unchanged and records nothing;
 *   5. the commit is recorded as the tracker's own (sources_own_commit_add()).
 * Nothing is printed; rep says what happened.
 */
#ifndef TRACKER_GITWB_H
#define TRACKER_GITWB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "store.h"

struct config;
struct source_cfg;

#define GITWB_BRANCH "tracker/status"
#define GITWB_DEFAULT_AUTHOR "tracker <tracker@localhost>"
#define GITWB_TRAILER "Tracker-Writeback: yes"

struct gitwb_opts {
	int64_t now;
	const char *actor;  /* who the store's writeback events name */
	const char *author; /* "Name <email>"; NULL: GITWB_DEFAULT_AUTHOR */
	bool dry_run;       /* compute and report the diff (rep->diff); no commit, no push */
	const char *git;    /* the git program; NULL: "git" */
	const char *synced; /* the caller just synced the source to this commit: no first sync */
};

struct gitwb_report {
	char head[72];    /* the branch head the commit was made on */
	char commit[72];  /* the commit made ("" when nothing to write or a dry run) */
	char ref[300];    /* where it was pushed: refs/heads/tracker/status or refs/heads/BRANCH */
	size_t documents; /* documents changed */
	size_t edits;     /* cells and checklist boxes changed */
	bool rebased;     /* the push was refused once and made again on the new head */
	bool already;     /* branch mode: tracker/status already was this write-back (commit: that one);
			     nothing pushed */
	struct buf diff;  /* the unified diff of the commit (always filled when something is written) */
	struct buf notes; /* lines: documents refused or not written, and why */
};
void gitwb_report_init(struct gitwb_report *r);
void gitwb_report_release(struct gitwb_report *r);

/* Writes back the source's documents (see above). 0 done (rep->commit "" when there was nothing to
 * write); -1 with err: the source's writeback is off, the sync failed, a document could not be read, git
 * failed, or the push was refused twice (ERR_IO, "… the remote moved on again; left as it is"). */
int gitwb_run(struct store *st, const struct config *cfg, const struct source_cfg *src,
	      const struct gitwb_opts *o, struct gitwb_report *rep, struct error *err);

#endif
