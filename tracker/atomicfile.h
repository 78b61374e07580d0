/*
 * atomicfile — replacing a file atomically, the one way: the new content goes into a temporary file
 * in the same directory (".NAME.TAG-XXXXXX", made 0600 by mkstemp), is written whole and fsync'd,
 * then renamed over the target, and the directory is fsync'd. A reader sees the old file or the new
 * one, never a half-written one; a crash leaves at most the temporary file.
 *
 * Two steps, so a caller can do something between them (write-back updates the database after the
 * temporary file is safely written and before the rename): atomic_file_write(), then
 * atomic_file_commit(); atomic_file_release() always, which removes a temporary file left over.
 * atomic_replace() is both in one.
 */
#ifndef TRACKER_ATOMICFILE_H
#define TRACKER_ATOMICFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "error.h"

struct atomic_file {
	char *path; /* the target */
	char *tmp;  /* the temporary file; NULL once renamed or removed */
};

/* Writes `data` to a new temporary file next to `path` (`tag` goes into its name: "wb", "tmp").
 * With `keep` (the target's fstat), the copy gets its owner, group and mode; when the owner and group
 * cannot be given (not root, someone else's file) nothing is written and the error says so — the
 * replace would give the file away. Without `keep` it stays 0600. Returns 0, or -1 with ERR_IO (and
 * no temporary file left). */
int atomic_file_write(struct atomic_file *af, const char *path, const char *tag, const void *data, size_t len,
		      const struct stat *keep, struct error *err);
/* Renames the temporary file over the target and fsyncs the directory. Returns 0 or -1 (ERR_IO). */
int atomic_file_commit(struct atomic_file *af, struct error *err);
/* Creates the target from the temporary file if it does not exist yet (link(): the target appears
 * whole or not at all, and never replaces a file another process made meanwhile). Returns 0 made, 1 the
 * target exists already (left as it is), -1 error (ERR_IO). atomic_file_release() then removes the
 * temporary name. */
int atomic_file_create(struct atomic_file *af, struct error *err);
/* Removes the temporary file if it is still there; frees. Safe on a zeroed struct. */
void atomic_file_release(struct atomic_file *af);

/* atomic_file_write() + atomic_file_commit() + atomic_file_release(). */
int atomic_replace(const char *path, const char *tag, const void *data, size_t len, const struct stat *keep,
		   struct error *err);

#endif
