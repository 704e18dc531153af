/*
 * outfile.c - atomic file output (temporary file + rename). See outfile.h.
 */
#define _GNU_SOURCE /* realpath, renameat2 */

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/*
 * Put `tmp` in the place of `path`, atomically: 0 or an errno value.
 *
 * An existing regular file is exchanged with `tmp` (renameat2
 * RENAME_EXCHANGE), and the old file, now under the temporary name, is
 * then removed. Readers see the old file or the new one, as with rename();
 * but ext4 (auto_da_alloc) makes a rename over an existing file allocate
 * the new file's blocks and start writing it out, and not an exchange.
 * That flush, and on the next rebuild the freeing of the blocks it
 * allocated (a synchronous discard on a file system mounted with
 * `discard`), made the rename of a 131 MB bundle take 100-280 ms; a
 * bundle replaced before the kernel wrote it out now never reaches the
 * disk. It also gives up what that flush was for: after a power loss
 * right after a build, the new file may be empty (migc never fsyncs: a
 * bundle is rebuilt). Where there is no exchange (another system, a file
 * system without it, no file to replace), or what was exchanged is not a
 * regular file any more (it changed meanwhile: put back), plain rename().
 */
static int replace_target(const char *tmp, const char *path)
{
#if defined(RENAME_EXCHANGE)
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode)) {
			unlink(tmp); /* the old file; left hidden should it fail */
			return 0;
		}
		/* not what was checked: back, and as rename() would */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) != 0)
			return errno;
	}
#endif
	return rename(tmp, path) == 0 ? 0 : errno;
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
	if (!e && of->tmp)
		e = replace_target(of->tmp, of->path);
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
