/*
 * outfile.h - writing a file atomically: into a temporary file beside the
 * target, renamed over it only once everything is written. A failed or
 * interrupted build never leaves a half-written bundle or binary where a
 * later step would pick it up.
 */
#ifndef MIGC_OUTFILE_H
#define MIGC_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "migc.h"

struct outfile {
	char *path; /* the target */
	char *tmp;  /* the temporary file beside it */
	FILE *file; /* open on tmp, until closed */
	int slot;   /* tempfile.h registration: removed on SIGINT/SIGTERM */
};

/*
 * Create the temporary file for `path` and open it for writing. A symbolic
 * link to a file stays a link (the file it names is replaced). With
 * `in_place_ok`, a FIFO or a character device (/dev/null, a pipe) is opened
 * and written in place (`tmp` NULL: nothing renamed, no atomicity); without
 * it, and for anything else that is not a regular file, MIGC_EUSAGE.
 */
int outfile_open(struct outfile *of, const char *path, int in_place_ok,
		 migc_error *err);

/*
 * Close the temporary file (if still open), give it `mode` (less the
 * umask) and rename it to the target (in place: close it only). The outfile is released either way;
 * on failure the temporary file is removed.
 */
int outfile_commit(struct outfile *of, mode_t mode, migc_error *err);

/* Remove the temporary file and release the outfile; safe to call twice. */
void outfile_abort(struct outfile *of);

#endif /* MIGC_OUTFILE_H */
