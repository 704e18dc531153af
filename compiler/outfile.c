/*
 * outfile.c - atomic file output (temporary file + rename). See outfile.h.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tempfile.h"
#include "util.h"

static void outfile_release(struct outfile *of)
{
	tempfile_forget(of->slot);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	of->slot = -1;
}

/*
 * Where to write `path`. A regular file (or none yet) is replaced through a
 * temporary file beside it. A symbolic link to a regular file keeps pointing
 * where it did: the file it names is replaced, beside itself (a link to
 * nothing is replaced, as before). A FIFO or a character device (/dev/null,
 * a pipe) is written in place: renaming over it would replace the device
 * with a file (as root, even /dev/null), when the caller can write a
 * stream (`in_place_ok`; a linked binary cannot). Anything else is refused.
 * *target: the path to replace (allocated), or NULL to write in place.
 */
static int resolve_target(const char *path, int in_place_ok, char **target,
			  migc_error *err)
{
	struct stat st;
	int exists = lstat(path, &st) == 0, linked = 0;

	*target = NULL;
	if (!exists && errno != ENOENT)
		return migc_err(err, MIGC_EIO, "cannot write '%s': %s", path,
				strerror(errno));
	if (exists && S_ISLNK(st.st_mode)) {
		linked = stat(path, &st) == 0;
		exists = linked;
	}
	if (!exists || S_ISREG(st.st_mode)) {
		*target = linked ? realpath(path, NULL) : migc_strdup(path);
		if (*target)
			return 0;
		if (linked)
			return migc_err(err, MIGC_EIO, "cannot resolve '%s': %s", path,
					strerror(errno));
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	if (in_place_ok && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
		return 0;
	return migc_err(err, MIGC_EUSAGE, "cannot write '%s': it is %s", path,
			S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
}

int outfile_open(struct outfile *of, const char *path, int in_place_ok,
		 migc_error *err)
{
	migc_buf tmp = MIGC_BUF_INIT;
	const char *slash;
	size_t dirlen;
	int fd, rc;

	memset(of, 0, sizeof(*of));
	of->slot = -1;
	slash = strrchr(path, '/');
	if (!*path || (slash && !slash[1]))
		return migc_err(err, MIGC_EUSAGE, "'%s' is not a file name", path);
	rc = resolve_target(path, in_place_ok, &of->path, err);
	if (rc)
		return rc;
	if (!of->path) { /* a device or a FIFO: written where it is */
		of->path = migc_strdup(path);
		if (!of->path)
			goto nomem;
		of->file = fopen(path, "w");
		if (!of->file) {
			int e = errno;

			outfile_release(of);
			return migc_err(err, MIGC_EIO, "cannot write '%s': %s", path,
					strerror(e));
		}
		return 0;
	}
	/* "dir/.name.XXXXXX": hidden, and on the same file system. */
	slash = strrchr(of->path, '/');
	dirlen = slash ? (size_t)(slash - of->path) + 1 : 0;
	if (migc_buf_put(&tmp, of->path, dirlen) ||
	    migc_buf_printf(&tmp, ".%s.XXXXXX", of->path + dirlen))
		goto nomem;
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		int e = errno;

		migc_buf_free(&tmp);
		outfile_release(of);
		migc_err(err, MIGC_EIO, "cannot create '%s': %s", path, strerror(e));
		if (e == ENOENT)
			migc_err_hint(err, "create the directory first");
		return MIGC_EIO;
	}
	of->tmp = migc_buf_detach(&tmp);
	of->slot = tempfile_register(of->tmp, 0);
	of->file = fdopen(fd, "w");
	if (!of->file) {
		close(fd);
		outfile_abort(of);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	return 0;
nomem:
	migc_buf_free(&tmp);
	outfile_release(of);
	return migc_err(err, MIGC_ENOMEM, "out of memory");
}

int outfile_commit(struct outfile *of, mode_t mode, migc_error *err)
{
	mode_t mask = umask(0);
	int e = 0;

	umask(mask);
	if (of->file) {
		if (fflush(of->file) != 0 || ferror(of->file))
			e = errno ? errno : EIO;
		if (fclose(of->file) != 0 && !e)
			e = errno;
		of->file = NULL;
	}
	if (!e && of->tmp && chmod(of->tmp, mode & ~mask) != 0)
		e = errno;
	if (!e && of->tmp && rename(of->tmp, of->path) != 0)
		e = errno;
	if (e) {
		migc_err(err, MIGC_EIO, "cannot write '%s': %s", of->path, strerror(e));
		outfile_abort(of);
		return MIGC_EIO;
	}
	outfile_release(of);
	return 0;
}

void outfile_abort(struct outfile *of)
{
	if (of->file)
		fclose(of->file);
	of->file = NULL;
	if (of->tmp)
		unlink(of->tmp);
	outfile_release(of);
}
