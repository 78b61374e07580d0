/*
 * git — running the `git` program (issue 13: sources are git repositories; docs/architecture.md says why
 * the program and not libgit2).
 *
 * git_run() starts git with posix_spawnp() — never a shell — with its standard input fed from a buffer
 * and its standard output and error captured, under an optional time limit. The child's environment is
 * ours without any GIT_* variable or SSH_ASKPASS (a stray GIT_DIR or GIT_INDEX_FILE must not redirect
 * it), plus:
 *   GIT_TERMINAL_PROMPT=0          git never waits on a terminal for a password;
 *   GIT_ALLOW_PROTOCOL             file, git, http, https and ssh only (no ext:: remote helpers);
 *   GIT_ASKPASS + TRACKER_GIT_*    with a token_file: the askpass helper (git_askpass_install()) answers
 *                                  git's user name question with `username` and its password question
 *                                  with the first line of the token file. The token is never in argv,
 *                                  in the environment or in a message: only the file's name is;
 *   GIT_SSH_COMMAND                with an ssh_key: ssh -i KEY -o IdentitiesOnly=yes -o BatchMode=yes;
 *   LC_ALL=C                       messages we quote are in one language.
 * Every command also gets `-c credential.helper=` (no stored credentials of the user running us are
 * tried or written). Paths come back with -z (NUL-separated, never quoted).
 *
 * Core code: nothing is printed; a failure fills err with git's own last words (its standard error).
 */
#ifndef TRACKER_GIT_H
#define TRACKER_GIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define GIT_OID_HEX 64 /* room for a SHA-256 object id; SHA-1 ids are 40 */

struct git_env {
	const char *git;              /* the program; NULL: "git" from PATH */
	const char *git_dir;          /* --git-dir for the command (a mirror), or NULL */
	const char *username;         /* https user name with token_file; NULL: "git" */
	const char *token_file;       /* https token (first line); NULL: none */
	const char *askpass;          /* the helper of git_askpass_install(); needed with token_file */
	const char *ssh_key;          /* ssh private key file; NULL: ssh's defaults */
	const char *const *extra_env; /* more NAME=VALUE entries (GIT_AUTHOR_NAME, …), NULL-terminated */
	long timeout_s;               /* the command is killed after this many seconds; 0: no limit */
	size_t max_output;            /* cap of standard output; 0: BUF_MAX_DEFAULT (64 MiB) */
};

/* Runs `git [options] argv…` (argv[0] is the git command, e.g. "fetch"; NULL-terminated). `in` (inlen
 * bytes, may be NULL) is its standard input. Its standard output is appended to `out` (may be NULL:
 * discarded). 0 when git exited 0; otherwise -1 with err "git CMD: <what git said>" (ERR_IO). */
int git_run(const struct git_env *g, const char *const argv[], const char *in, size_t inlen, struct buf *out,
	    struct error *err);
/* The same, but git's exit status is returned in *status (-1 if killed by a signal) instead of being an
 * error; standard error is appended to `errout` (may be NULL). -1 only when git could not be run, timed
 * out or its output passed the cap. */
int git_run_status(const struct git_env *g, const char *const argv[], const char *in, size_t inlen,
		   struct buf *out, struct buf *errout, int *status, struct error *err);

/* Writes the GIT_ASKPASS helper (a fixed sh script: it holds no secret; it reads the file named by
 * $TRACKER_GIT_TOKEN_FILE when git asks) into DIR/askpass, mode 0700, unless it is there with that
 * content; its path into out. */
int git_askpass_install(const char *dir, struct buf *out, struct error *err);

/* A running `git cat-file --batch-command` on g->git_dir: many objects read over one pair of pipes. */
struct git_batch;
struct git_batch *git_batch_open(const struct git_env *g, struct error *err);
/* Reads object `name` (an id, or REV:PATH without a newline): 0 read into out (reset first), *type
 * ("blob", "tree", "commit", "tag") and *size set; 1 there is no such object; 2 it is larger than `max`
 * (*type and *size set, nothing kept in out). */
int git_batch_read(struct git_batch *b, const char *name, size_t max, struct buf *out, char type[16],
		   size_t *size, struct error *err);
/* The type and size of `name` without its content: 0 found, 1 none. */
int git_batch_info(struct git_batch *b, const char *name, char type[16], size_t *size, struct error *err);
/* Ends the process (NULL is fine). */
void git_batch_close(struct git_batch *b);

/* A line of git's standard error fit for one message: the last non-empty line, control bytes as '?', at
 * most 300 bytes. */
void git_last_words(const struct buf *errout, char *out, size_t outsz);

#endif
