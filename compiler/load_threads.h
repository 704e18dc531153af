/*
 * load_threads.h - preparing native migration files on several threads
 * for the loader (load.c); see load_threads.c.
 */
#ifndef MIGC_LOAD_THREADS_H
#define MIGC_LOAD_THREADS_H

#include <stddef.h>

#include "layout.h"
#include "migc.h"
#include "set_internal.h"

/* At most this many threads prepare files, the caller's included. */
#define LOAD_THREADS_MAX 4
/* Fewer files than this are prepared on the caller's thread alone. */
#define LOAD_THREADS_MIN_FILES 32

/* One file to prepare, and what came of it. */
struct load_job {
	/* in: the file (strings outlive the job); `data` len + 1 bytes,
	 * taken by the preparation when malloc'd, else (`borrowed`) the
	 * loader's arena's; `skip`: not a file to add */
	const char *filename;
	const char *display;
	char *data;
	size_t len;
	int borrowed;
	int skip;
	int done; /* prepared already (load_prepare_one): skipped by _all */
	/* the file's layout class, when `classified` (load.c, struct ahead:
	 * taken while the bytes are in the cache, for layout detection) */
	int classified;
	struct layout_file_class cls;
	/* out: rc 0 and `prepared`, or rc and a malloc'd copy of the error
	 * in `err` (NULL when even that copy failed: out of memory) */
	int rc;
	migc_error *err;
	struct set_prepared prepared;
};

/* Prepare one job (set_prepare()) on the calling thread; sets `done`. */
void load_prepare_one(struct load_job *j);

/*
 * Prepare every job that is not `skip` nor `done` (set_prepare()), on several threads
 * when there are enough of them. Returns when all are done.
 */
void load_prepare_all(struct load_job *const *jobs, size_t count);

/* Free what a job still holds (its data, a prepared file not added, its
 * error). */
void load_job_free(struct load_job *j);

#endif /* MIGC_LOAD_THREADS_H */
