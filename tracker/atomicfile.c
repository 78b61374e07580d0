/*
 * atomicfile.c — atomic file replacement (see atomicfile.h).
 */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "banned.h"

int atomic_file_write(struct atomic_file *af, const char *path, const char *tag, const void *data, size_t len,
		      const struct stat *keep, struct error *err)
{
	af->path = strdup(path);
	af->tmp = NULL;
	char *dup = strdup(path), *dup2 = strdup(path);
	struct buf name;
	buf_init(&name, PATH_MAX);
	int rc = -1;
	if (!af->path || !dup || !dup2 ||
	    buf_printf(&name, "%s/.%s.%s-XXXXXX", dirname(dup), basename(dup2), tag) < 0 ||
	    !(af->tmp = buf_detach(&name))) {
		error_set(err, ERR_IO, "%s: out of memory (or path too long)", path);
		goto out;
	}
	int fd = mkstemp(af->tmp);
	if (fd < 0) {
		error_set(err, ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
		free(af->tmp);
		af->tmp = NULL;
		goto out;
	}
	if (keep && (keep->st_uid != geteuid() || keep->st_gid != getegid()) &&
	    fchown(fd, keep->st_uid, keep->st_gid) < 0) {
		error_set(err, ERR_IO,
			  "%s: cannot keep its owner and group (%ld:%ld) on the rewritten copy: %s; write "
			  "back as its owner (or root)",
			  path, (long)keep->st_uid, (long)keep->st_gid, strerror(errno));
		close(fd);
		goto out;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || (keep && fchmod(fd, keep->st_mode & 07777) < 0) || fsync(fd) < 0) {
		error_set(err, ERR_IO, "%s: cannot write: %s", af->tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) < 0) {
		error_set(err, ERR_IO, "%s: cannot write: %s", af->tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && af->tmp) {
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
	}
	buf_release(&name);
	free(dup);
	free(dup2);
	return rc;
}

static void sync_dir(const char *path)
{
	char *dup = strdup(path);
	if (!dup)
		return;
	int fd = open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dup);
}

int atomic_file_commit(struct atomic_file *af, struct error *err)
{
	if (!af->tmp || rename(af->tmp, af->path) < 0)
		return error_set(err, ERR_IO, "%s: cannot replace the file: %s", af->path,
				 af->tmp ? strerror(errno) : "no temporary file");
	free(af->tmp);
	af->tmp = NULL;
	sync_dir(af->path);
	return 0;
}

int atomic_file_create(struct atomic_file *af, struct error *err)
{
	if (!af->tmp)
		return error_set(err, ERR_IO, "%s: cannot create the file: no temporary file", af->path);
	if (link(af->tmp, af->path) < 0) {
		if (errno == EEXIST)
			return 1;
		return error_set(err, ERR_IO, "%s: cannot create the file: %s", af->path, strerror(errno));
	}
	sync_dir(af->path);
	return 0; /* (the temporary name goes with atomic_file_release) */
}

void atomic_file_release(struct atomic_file *af)
{
	if (af->tmp) {
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
	}
	free(af->path);
	af->path = NULL;
}

int atomic_replace(const char *path, const char *tag, const void *data, size_t len, const struct stat *keep,
		   struct error *err)
{
	struct atomic_file af = {0};
	int rc = atomic_file_write(&af, path, tag, data, len, keep, err);
	if (rc == 0)
		rc = atomic_file_commit(&af, err);
	atomic_file_release(&af);
	return rc;
}
