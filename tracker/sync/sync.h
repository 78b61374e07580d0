/*
 * sync — following a git source (issue 13, docs/sync.md): fetch into the local mirror, diff the last
 * synced commit against the branch head, and import what changed.
 *
 * sync_source() of one [source NAME]:
 *   1. fetch: the mirror (a bare repository, source_mirror_path()) is made on first use, then
 *      `git fetch` of the branch into refs/tracker/head. An unreachable remote or refused credentials
 *      is an ERR_IO error naming the source and git's last words; nothing in the store changes.
 *   2. diff: `git diff --name-status -M -z LAST HEAD` (LAST: sources.last_commit). No LAST (first
 *      sync), or a LAST the branch no longer contains (a force-push dropped it), or --full: a full sync
 *      of the tree at HEAD (`git ls-tree -r -z`): every matching document is imported (unchanged ones
 *      are recognised by hash and cost nothing), and the documents of this source the tree no longer
 *      holds are reported — never silently removed in bulk: a full sync after a force-push removes
 *      them only when the diff from the merge base says so (docs/sync.md "Force-push").
 *   3. import: each added or modified file matching `paths` is read from git (cat-file --batch-command)
 *      and merged (merge_doc_from()) as incidents.source "git:NAME:PATH", with the origin of the
 *      commit (event_origins: id, author, time, merge subject); renamed files keep their incident (a
 *      `moved` event); deleted files' items are flagged removed (merge_source_gone()).
 *   4. the new last commit is recorded in the same transaction: a sync is all or nothing per batch of
 *      documents, and a document rejected by the import rules is reported (path:line, commit) while the
 *      others are still imported.
 * Bad input is refused and said (sync_report's lines): symlinks (a link is not a document; one pointing
 * outside the repository is named so), submodules (ignored), binary files named .md, files over
 * [import] max_size, paths that are not UTF-8 or hold control characters (shown escaped).
 *
 * Core code: nothing printed. Each line a command should show goes to o->line (may be NULL).
 */
#ifndef TRACKER_SYNC_H
#define TRACKER_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct config;
struct source_cfg;

enum sync_line_kind {
	SYNC_INFO,    /* "docs: INC-1: 2 new, … (postmortems/a.md)" — standard output */
	SYNC_WARNING, /* a file refused or skipped, a document warning — standard error */
	SYNC_ERROR,   /* a document rejected — standard error */
};

struct sync_opts {
	const char *actor;    /* who runs the sync (events of the tracker itself); commit authors otherwise */
	int64_t now;          /* the clock (Unix seconds) */
	bool dry_run;         /* do everything, then roll back */
	bool full;            /* a full sync of the tree even when the diff is possible */
	bool no_fetch;        /* use the mirror as it is (tests, and a sync right after a webhook's fetch) */
	bool prune;           /* a full sync may flag more than half of the source's documents removed */
	const char *git;      /* the git program; NULL: "git" from PATH */
	long fetch_timeout_s; /* 0: 300 */
	void (*line)(void *ud, enum sync_line_kind kind, const char *text);
	void *ud;
};

struct sync_report {
	char from[72], to[72]; /* commit ids: the last synced one ("" none) and the head synced */
	bool full;             /* a full sync of the tree ran */
	bool force_pushed;     /* the last synced commit is no longer on the branch */
	bool up_to_date;       /* nothing new: the head is the last synced commit */
	size_t files;          /* changed paths seen in the diff (or tree entries in a full sync) */
	size_t imported;       /* documents merged (new or changed) */
	size_t unchanged;      /* documents identical to their last import */
	size_t removed_docs;   /* deleted documents whose items were flagged removed */
	size_t renamed;        /* documents that moved */
	size_t rejected;       /* documents the import rules refused */
	size_t refused;        /* paths refused (symlink, binary, too large, bad name) */
	size_t ignored;        /* paths not matching `paths`, submodules */
	size_t held_back;      /* full sync: documents gone from the tree but not removed (see prune) */
	unsigned items_created, items_updated, items_removed;
};

/* Syncs one source (see above). 0 done (rep filled; rejected documents do not make it fail), -1 with err
 * (fetch failed, store error): the store is as it was, and the failure is recorded in the source's row
 * (sources_failed()) unless the store itself failed. */
int sync_source(struct store *st, const struct config *cfg, const struct source_cfg *src,
		const struct sync_opts *o, struct sync_report *rep, struct error *err);

/* Fetches the source into its mirror (made if needed) without importing: the webhook receiver fetches
 * at once, then syncs with no_fetch. *head gets the branch head's commit id. */
int sync_fetch(const struct config *cfg, const struct source_cfg *src, const struct sync_opts *o,
	       char head[72], struct error *err);

/* The git environment of a source (credentials, mirror) for others running git on it (write-back,
 * history): fills *g with pointers into `hold` (released with sync_env_release()). */
struct git_env;
struct sync_env {
	struct buf *mirror, *askpass;
};
int sync_env(const struct config *cfg, const struct source_cfg *src, const struct sync_opts *o,
	     struct git_env *g, struct sync_env *hold, struct error *err);
void sync_env_release(struct sync_env *hold);

/* The people side of a sync, for others importing a source's documents (`sync --history`): the people
 * table as import options ("(Name)" owners; io->people, people_handles and rules_id point into the
 * result, which must outlive io's use), and the actor of a commit: the handle of the person with the
 * author's e-mail, else the e-mail, else the author as written. */
struct sync_people;
struct import_opts;
struct sync_people *sync_people_load(struct store *st, struct import_opts *io, struct error *err);
const char *sync_people_actor(const struct sync_people *p, const char *email, const char *author);
void sync_people_free(struct sync_people *p);

/* The path rules of a sync, for `sync --history`: whether a repository path can name a document (valid
 * UTF-8, no control characters), and the path fit for a message (\n, \xHH). */
bool sync_path_ok(const char *path);
void sync_path_show(const char *path, char *out, size_t outsz);

#endif
