/*
 * history — `tracker sync --history`: the whole history of a source's post-mortems, replayed oldest
 * first, so that items get their real created time, status changes happen at the commit that made them,
 * due dates slip as they did, and `stats` is true for back-filled items (docs/sync.md, "History
 * back-fill").
 *
 * The history is read from git in one pass: `git log --first-parent --diff-merges=first-parent --reverse
 * --raw --no-abbrev -M -z` over the branch (hist_log_parse() reads its output), then the blobs of every
 * version through one `git cat-file --batch`. The branch's first-parent chain is the sequence of states
 * the branch was in: a change made on a feature branch counts from the commit that brought it onto the
 * branch (its merge), at that commit's committer time — when the document said so on the branch.
 *
 * hist_plan() turns the log into the steps to replay: each change of a file the source tracks (its
 * `paths` globs), in commit order, with the lineage it belongs to — a renamed file keeps its lineage (the
 * same document, the same incident), a deleted one ends it (its items are removed at that commit).
 */
#ifndef TRACKER_SYNC_HISTORY_H
#define TRACKER_SYNC_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/* One file changed by a commit (a `git log --raw` entry). */
struct hist_change {
	char status; /* 'A' added, 'M' modified, 'D' deleted, 'R' renamed, 'C' copied, 'T' type */
	unsigned old_mode, new_mode; /* octal modes: 0100644, 0100755, 0120000 symlink, 0160000 submodule */
	char blob[65];               /* the new blob's hex id ("" for a deletion) */
	char *path;                  /* the path after the change (the deleted path for 'D') */
	char *old_path;              /* renames and copies: the path before; else NULL */
};

struct hist_commit {
	char id[65];   /* full hex object id (SHA-1 or SHA-256) */
	int64_t time;  /* committer time, Unix seconds */
	char *author;  /* "Name <email>" */
	char *subject; /* first line of the message */
	struct hist_change *ch;
	size_t nch;
};

struct hist_log {
	struct hist_commit *v;
	size_t n;
};

/* The exact format hist_log_parse() reads (for `git log --format=`). */
#define HIST_LOG_FORMAT "%x01%H %ct %an <%ae>%x00%s"

/* Parses the output of `git log --format=HIST_LOG_FORMAT --raw --no-abbrev -z …` (any order; the
 * caller asks for --reverse). 0, or -1 with err (ERR_IO: out of memory; ERR_DATA: not that format, with
 * the byte offset). The caller releases out. */
int hist_log_parse(const char *buf, size_t len, struct hist_log *out, struct error *err);
void hist_log_release(struct hist_log *l);

/* One step of the replay: commit `commit`, its change `change`, on lineage `lineage` (0, 1, … in the order
 * lineages start). op: import the blob (a new version of the document, also after a rename), or the
 * document was deleted (its items are removed). */
enum hist_op { HIST_IMPORT, HIST_DELETE };
struct hist_step {
	size_t commit, change;
	size_t lineage;
	enum hist_op op;
};

/* Why a change was left out of the plan (reported, never silent). */
struct hist_skip {
	size_t commit, change;
	const char *why; /* static text */
};

struct hist_plan {
	struct hist_step *steps;
	size_t nsteps;
	size_t nlineages;
	struct hist_skip *skips;
	size_t nskips;
};

/* `match(path, ud)` says whether the source tracks a path (its globs). A file renamed from an untracked
 * path to a tracked one starts a lineage (an import); renamed from a tracked path to an untracked one, it
 * ends its lineage (a deletion). Symlinks and submodules are skipped (said in skips). 0, or -1 (out of
 * memory, err filled). The caller releases the plan. */
int hist_plan_make(const struct hist_log *log, bool (*match)(const char *path, void *ud), void *ud,
		   struct hist_plan *plan, struct error *err);
void hist_plan_release(struct hist_plan *p);

/* A set of paths, each with its lineage (open addressing: a repository has some thousands of
 * documents). The paths are borrowed (from the log): they must outlive the set. */
struct hist_path_slot {
	const char *path; /* NULL: empty */
	size_t lineage;
	bool dead; /* a tombstone */
};
struct hist_paths {
	struct hist_path_slot *v;
	size_t cap, used; /* used counts tombstones too */
};
bool hist_paths_has(const struct hist_paths *m, const char *path);
int hist_paths_put(struct hist_paths *m, const char *path, size_t lineage); /* -1 out of memory */
void hist_paths_del(struct hist_paths *m, const char *path);
void hist_paths_release(struct hist_paths *m);

/* ---- the replay (`tracker sync --history`) ---- */

struct store;
struct source_cfg;
struct git_env;
struct import_opts;
struct sync_people;

struct hist_opts {
	const struct source_cfg *src;
	const struct git_env *git;        /* git_dir: the source's mirror, already fetched */
	const char *rev;                  /* what to replay: the branch's ref or commit id in the mirror */
	const struct import_opts *import; /* the import rules (config [import]) */
	const struct sync_people *people; /* commit authors → actors (sync.h); NULL: the author as written */
	int64_t now;                      /* the clock: when the marks were written */
};

struct hist_result {
	char head[65];      /* the commit replayed up to ("" when the branch has no commit) */
	unsigned commits;   /* commits read (first-parent) */
	unsigned versions;  /* document versions imported */
	unsigned deletions; /* documents deleted (items removed) */
	unsigned created, updated, removed, restored, conflicts; /* items, summed over the versions */
	unsigned lineages;                                       /* documents (lineages) in the history */
	unsigned replayed;   /* lineages with something replayed by this run */
	unsigned up_to_date; /* lineages replayed by an earlier run with nothing new */
	unsigned refused;    /* lineages left alone (their incident known from elsewhere) */
	unsigned broken;     /* versions rejected (their problems in notes) */
	unsigned skipped;    /* files refused or ignored: symlinks, submodules (in notes) */
	struct buf notes;    /* one line per problem or refusal, "\n"-terminated */
};
void hist_result_release(struct hist_result *r);

/* Replays the history of o->src (docs/sync.md, "History back-fill"), in the store's own transactions
 * (committed every few hundred commits: an interrupted run keeps what it did and the next one goes on).
 * A broken version, a document too large or not a regular file, a lineage refused: reported in r->notes
 * and counted, the rest goes on. -1 with err for what stops the run (git failed, the store failed). */
int hist_run(struct store *st, const struct hist_opts *o, struct hist_result *r, struct error *err);

/* `tracker sync --history NAME`: fetches the source into its mirror (sync_fetch(), sync.h; with
 * so->no_fetch, the mirror as last fetched), then hist_run() on the branch head, with the import rules
 * and people of a plain sync (sync_people_load()). */
struct config;
struct sync_opts;
int hist_sync(struct store *st, const struct config *cfg, const struct source_cfg *src,
	      const struct sync_opts *so, struct hist_result *r, struct error *err);

#endif
