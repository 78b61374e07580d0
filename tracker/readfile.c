/*
 * readfile.c — capped reads of regular files only, and the ssh-style permission warning (readfile.h).
 */
#include "readfile.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

const char *file_type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISREG(mode))
		return "a regular file";
	return "not a regular file";
}

int read_file_capped(const char *path, size_t max, struct buf *out, struct stat *sb, struct error *err)
{
	struct stat local;
	if (!sb)
		sb = &local;
	buf_reset(out);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	int rc = -1;
	if (fstat(fd, sb) < 0) {
		error_set(err, ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb->st_mode)) {
		error_set(err, ERR_IO, "%s: is %s, not a regular file", path, file_type_name(sb->st_mode));
		goto out;
	}
	if ((unsigned long long)sb->st_size > (unsigned long long)max) {
		error_set(err, ERR_DATA, "%s: file is %lld bytes, over the %zu-byte limit", path,
			  (long long)sb->st_size, max);
		goto out;
	}
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			error_set(err, ERR_IO, "%s: read error: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max || buf_add(out, chunk, (size_t)n) < 0) {
			/* it grew while we read it */
			error_set(err, ERR_DATA, "%s: file is over the %zu-byte limit", path, max);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	if (rc < 0)
		buf_reset(out);
	return rc;
}

int file_perm_warning(const char *path, const char *what, mode_t forbidden, char *msg, size_t msglen)
{
	struct stat sb;
	if (!path || stat(path, &sb) < 0 || !(sb.st_mode & forbidden))
		return 0;
	snprintf(msg, msglen, "warning: %s %s has permissions %04o: %s can %s it (chmod %s %s)", what, path,
		 (unsigned)(sb.st_mode & 07777),
		 (sb.st_mode & forbidden & 070) && (sb.st_mode & forbidden & 07) ? "group and others"
		 : (sb.st_mode & forbidden & 070)                                ? "its group"
										 : "everyone",
		 (sb.st_mode & forbidden & 0222) ? "read or change" : "read",
		 forbidden == 077 ? "600" : "o-rwx", path);
	return 1;
}

struct walk {
	int (*file)(void *ud, const char *path);
	void (*note)(void *ud, const char *msg);
	void *ud;
	struct {
		dev_t dev;
		ino_t ino;
	} * seen;
	size_t nseen, cap;
	bool failed, stop;
};

static void wnote(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wnote(struct walk *w, const char *fmt, ...)
{
	char msg[PATH_MAX + 200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	w->note(w->ud, msg);
}

/* 1 when `sb` was read before, 0 when it is recorded now, -1 when out of memory. */
static int seen_add(struct walk *w, const struct stat *sb)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == sb->st_dev && w->seen[i].ino == sb->st_ino)
			return 1;
	if (w->nseen == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 32;
		void *nv = realloc(w->seen, nc * sizeof *w->seen);
		if (!nv)
			return -1;
		w->seen = nv;
		w->cap = nc;
	}
	w->seen[w->nseen].dev = sb->st_dev;
	w->seen[w->nseen].ino = sb->st_ino;
	w->nseen++;
	return 0;
}

static bool is_md(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && !strcmp(name + n - 3, ".md");
}

static void walk_dir(struct walk *w, const char *dir, int depth)
{
	struct stat self;
	if (depth > 32) {
		wnote(w, "%s: skipped: more than 32 directories deep", dir);
		return;
	}
	if (stat(dir, &self) == 0) {
		int r = seen_add(w, &self);
		if (r != 0) {
			if (r < 0)
				w->failed = w->stop = true;
			else
				wnote(w, "%s: skipped: a directory already read (a symbolic link loop?)%s",
				      dir, "");
			return;
		}
	}
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		wnote(w, "%s: cannot read directory: %s", dir, strerror(errno));
		w->failed = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char path[PATH_MAX];
		int len = snprintf(path, sizeof path, "%s/%s", dir, name);
		struct stat sb;
		if (name[0] == '.' || w->stop) {
			/* hidden, or stopped */
		} else if (len < 0 || (size_t)len >= sizeof path) {
			wnote(w, "%s/%s: path too long", dir, name);
			w->failed = true;
		} else if (stat(path, &sb) < 0) {
			/* a dangling link: nothing to read */
		} else if (S_ISDIR(sb.st_mode)) {
			walk_dir(w, path, depth + 1);
		} else if (is_md(name) && !S_ISREG(sb.st_mode)) {
			wnote(w, "%s: skipped: is %s, not a regular file", path, file_type_name(sb.st_mode));
		} else if (is_md(name) && w->file(w->ud, path) < 0) {
			w->failed = w->stop = true;
		}
		free(ents[i]);
	}
	free(ents);
}

int md_walk(const char *dir, int (*file)(void *ud, const char *path), void (*note)(void *ud, const char *msg),
	    void *ud)
{
	struct walk w = {.file = file, .note = note, .ud = ud};
	walk_dir(&w, dir, 0);
	free(w.seen);
	return w.failed ? -1 : 0;
}
