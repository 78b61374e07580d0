/*
 * readfile — the one way tracker reads a whole file it was given (a post-mortem, a CSV, the config,
 * a secret): capped, and only a regular file.
 *
 * read_file_capped() opens with O_NONBLOCK (opening a FIFO never waits for a writer), refuses at once
 * what is not a regular file — a directory, a FIFO, a device, a socket ("--config /dev/zero" spun
 * for ever before) — and reads at most `max` bytes into `out` (initialised by the caller, any cap;
 * cleared first). Errors: ERR_IO (cannot open, not a regular file, read error) and ERR_DATA (over
 * `max`: the message says "over the N-byte limit"); callers that report config errors may change
 * the kind. Messages start with the path. `sb` (may be NULL) gets the file's fstat, also on a size
 * error.
 *
 * file_perm_warning() is the ssh-style permission check: a file holding a secret (or the database)
 * that group or others may read or write gets a warning in `msg` (returns 1); 0 when fine or when
 * the file does not exist. It never refuses: the operator decides.
 */
#ifndef TRACKER_READFILE_H
#define TRACKER_READFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "buf.h"
#include "error.h"

int read_file_capped(const char *path, size_t max, struct buf *out, struct stat *sb, struct error *err);

/* "a directory", "a FIFO", "a character device", … for a stat mode. */
const char *file_type_name(mode_t mode);

/* `what` names the file in the message ("the server secret"); `forbidden` is the mode bits that
 * must be clear (077 for secrets, 007 for the database). */
int file_perm_warning(const char *path, const char *what, mode_t forbidden, char *msg, size_t msglen);

/* Calls `file` for every regular *.md file below the directory `dir`, in name order, skipping hidden
 * entries, at most 32 levels deep. Each directory is read once, by device and inode: a symbolic link
 * back to one already read (two links to `.` made 2^32 paths) is skipped, and so is a *.md that is
 * not a regular file, each with a message to `note`. A directory that cannot be read is noted and
 * makes the result -1; a `file` that returns < 0 stops the walk with -1. */
int md_walk(const char *dir, int (*file)(void *ud, const char *path), void (*note)(void *ud, const char *msg),
	    void *ud);

#endif
