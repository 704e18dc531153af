/*
 * source.h - where migration files come from.
 *
 * The compiler never reads files itself: it walks a `struct migc_source`,
 * which hands it every candidate file's name and bytes. The directory
 * source (source_dir.c) reads the working tree; the git source
 * (source_git.c, opened with migc_source_git_open() of git.h, which keeps
 * libgit2 types out of this header) reads the blobs of a commit's tree
 * through the same interface, so `build`, `list` and `check` work on
 * either without knowing which (as SQLite's core calls through a
 * sqlite3_vfs).
 *
 * Versioning: `version` says which fields a source fills. Fields are only
 * ever added at the end; a caller checks `version` before using a field
 * newer than MIGC_SOURCE_VERSION 1.
 */
#ifndef MIGC_SOURCE_H
#define MIGC_SOURCE_H

#include <stddef.h>

#include "migc.h"

#define MIGC_SOURCE_VERSION 1

/* What a walk reports to its caller. */
struct migc_source_visitor {
	/*
	 * One file that may be a migration. `filename` is its base name,
	 * `display` what messages call it ("migrations/0001_a.sql"), `data`
	 * its bytes (valid only during the call). Return 0 to go on; any
	 * other value stops the walk, which returns it.
	 */
	int (*file)(void *ctx, const char *filename, const char *display,
		    const char *data, size_t len, migc_error *err);
	/*
	 * An entry that cannot be a migration (not a regular file, a symlink
	 * leaving the directory, unreadable), described by `problem`. Return
	 * 0 to go on (so every problem can be reported), anything else to
	 * stop. When NULL, the first problem stops the walk and is returned.
	 */
	int (*problem)(void *ctx, const migc_error *problem);
	void *ctx;
	/*
	 * A subdirectory `name` (display: what messages call it), reported
	 * before its files, which follow as "name/file" (diesel and prisma
	 * keep one directory per migration). May be NULL. Return 0 to go on.
	 */
	int (*dir)(void *ctx, const char *name, const char *display,
		   migc_error *err);
	/*
	 * May be NULL. When set, a source that reads a file into a buffer of
	 * its own (the directory) calls this instead of `file`, with the same
	 * meaning, and hands the buffer over: `data` is malloc'd, with a NUL
	 * after its `len` bytes, and the visitor frees it, whatever it
	 * returns. The loader keeps the bytes without copying them.
	 */
	int (*file_owned)(void *ctx, const char *filename, const char *display,
			  char *data, size_t len, migc_error *err);
	/*
	 * May be NULL; used only with file_owned and file_placed set. Before
	 * reading a file that measures `size` - 1 bytes, a source that reads
	 * into memory (the directory) asks for `size` bytes of the visitor's
	 * own that stay valid after the call (the loader's huge-page arena:
	 * one block for many files instead of a malloc, and its page faults,
	 * per file), or NULL for none. A file read whole into them (a NUL
	 * after its `len` bytes) is reported with file_placed, `data` pointing
	 * into them, and stays the visitor's memory. A file that grew since
	 * it was measured is read on into the source's own buffer, so that it
	 * is never cut short, and reported with file_owned.
	 */
	char *(*room)(void *ctx, size_t size);
	int (*file_placed)(void *ctx, const char *filename, const char *display,
			   char *data, size_t len, migc_error *err);
};

struct migc_source {
	int version;      /* MIGC_SOURCE_VERSION the source was written for */
	const char *kind; /* "directory", "git" */
	const char *where; /* what messages call the source ("migrations") */

	/* What the bundle records about the source. */
	const char *commit; /* commit the files come from, NULL when none */
	int dirty;          /* 1 uncommitted changes, 0 clean, -1 unknown */

	/*
	 * Report every file of the source, in name order. Entries whose name
	 * starts with "." are not migrations and are not reported. Fails
	 * when the source itself cannot be read (a missing directory), or
	 * with what a visitor callback returned.
	 */
	int (*walk)(struct migc_source *src,
		    const struct migc_source_visitor *visitor, migc_error *err);

	/* Release the source; accepts NULL. */
	void (*free)(struct migc_source *src);
};

/*
 * The working-tree directory `dir`. Symlinks are followed only to regular
 * files inside `dir`. Nothing is read until walk().
 */
int migc_source_dir_open(struct migc_source **out, const char *dir,
			 migc_error *err);

/* Release any source; accepts NULL. */
static inline void migc_source_free(struct migc_source *src)
{
	if (src)
		src->free(src);
}

#endif /* MIGC_SOURCE_H */
