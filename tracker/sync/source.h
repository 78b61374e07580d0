/*
 * source — a git source of post-mortems: the `[source NAME]` section of the config (issue 13,
 * docs/sync.md), its checks, which paths of the repository it takes, and how its documents are named in
 * the store.
 *
 * config.c hands each key of a `[source NAME]` section to source_set(), which checks the value at once
 * so a bad one is reported with its file and line; source_check() runs when the file is read whole (a
 * source without `repo`). The struct owns its strings; source_release() frees them.
 *
 * A document of a source is stored as incidents.source = "git:NAME:PATH" (source_ref()), PATH relative
 * to the repository's root: the same document synced on another machine has the same reference, and a
 * reference is never mistaken for a file path (those are absolute).
 */
#ifndef TRACKER_SOURCE_H
#define TRACKER_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

enum source_writeback { WRITEBACK_OFF, WRITEBACK_BRANCH, WRITEBACK_PUSH };

#define SOURCE_NAME_MAX 64
#define SOURCE_DEFAULT_PATHS "**/*.md"
#define SOURCE_DEFAULT_INTERVAL (10 * 60)

struct source_cfg {
	char *name;                /* [source NAME]: letters, digits, '-', '_', '.' (not first), ≤ 64 */
	char *repo;                /* https:// or http:// URL, ssh:// or scp-like user@host:path, file://
				      URL or local path */
	char *branch;              /* NULL: "main" */
	char *paths;               /* globs separated by ',' or whitespace; NULL: SOURCE_DEFAULT_PATHS */
	char *username;            /* for https with token_file; NULL: "git" */
	char *token_file;          /* https: file whose first line is the token (the password) */
	char *ssh_key;             /* ssh: private key file (-i, IdentitiesOnly) */
	long interval;             /* polling fallback, seconds; default SOURCE_DEFAULT_INTERVAL */
	char *webhook_secret_file; /* push webhooks: the shared secret, first line */
	enum source_writeback writeback;
	char *commit_author; /* write-back commits' author and committer "Name <email>"; NULL: the default
				(gitwb.h) */
	int line;            /* where the section started in the config file (for messages), 0 unknown */
};

void source_init(struct source_cfg *s);
void source_release(struct source_cfg *s);

/* Whether `name` can name a source (it becomes part of file names and of /hooks/git/NAME). */
bool source_name_ok(const char *name);
/* Sets key `key` (repo, branch, paths, username, token_file, ssh_key, interval, webhook_secret_file,
 * writeback). 0 set; -1 bad value (problem says why, naming the key); 1 unknown key. */
int source_set(struct source_cfg *s, const char *key, const char *value, char *problem, size_t plen);
/* The keys source_set() knows, NULL-terminated (for "did you mean" and the docs test). */
extern const char *const source_keys[];
/* Checks the section as a whole (repo is required). */
int source_check(const struct source_cfg *s, char *problem, size_t plen);

const char *source_branch(const struct source_cfg *s);
const char *source_writeback_name(enum source_writeback w);
/* A duration: a number with s, m, h or d (no unit: seconds), > 0. */
int source_parse_interval(const char *v, long *out);

/* Whether the repository path `path` (relative, '/'-separated) matches the source's globs. A glob is
 * matched component by component (fnmatch, FNM_PERIOD off); a component "**" matches any number of
 * directories (zero included): "**" + "/" + "*.md" takes README.md and a/b/c.md. */
bool source_path_matches(const struct source_cfg *s, const char *path);
/* The same for one glob (tests). */
bool source_glob_match(const char *glob, const char *path);

/* "git:NAME:PATH" into out (reset first). -1 out of memory. */
int source_ref(const char *name, const char *path, struct buf *out);
/* Splits a reference: true when `ref` is "git:NAME:..." for this `name`; *path points into ref. */
bool source_ref_parse(const char *ref, const char *name, const char **path);

/* Whether the repository names a remote reached over the network (http, https, ssh, scp-like). */
bool source_repo_is_remote(const char *repo);

/* The local mirror of the source (a bare clone): DIR/NAME-HASH.git, HASH the first 12 hex digits of the
 * SHA-256 of the repo setting (two configs naming one source after different repositories never share a
 * mirror). DIR: [sync] dir, else $XDG_DATA_HOME/tracker/sources (default ~/.local/share/tracker/sources).
 * -1 when no directory can be found (no HOME) or out of memory. */
int source_mirror_path(const struct source_cfg *s, const char *dir, struct buf *out, struct error *err);

#endif
