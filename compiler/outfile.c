/*
 * outfile.c - atomic file output (temporary file + rename). See outfile.h.
 */
#define _POSIX_C_SOURCE 200809L

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

int outfile_open(struct outfile *of, const char *path, migc_error *err)
{
	migc_buf tmp = MIGC_BUF_INIT;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	int fd;

	memset(of, 0, sizeof(*of));
	of->slot = -1;
	if (!*path || (slash && !slash[1]))
		return migc_err(err, MIGC_EUSAGE, "'%s' is not a file name", path);
	/* "dir/.name.XXXXXX": hidden, and on the same file system. */
	if (migc_buf_put(&tmp, path, dirlen) ||
	    migc_buf_printf(&tmp, ".%s.XXXXXX", path + dirlen))
		goto nomem;
	of->path = migc_strdup(path);
	if (!of->path)
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
	if (!e && chmod(of->tmp, mode & ~mask) != 0)
		e = errno;
	if (!e && rename(of->tmp, of->path) != 0)
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
