/*
 * model.h - internal pieces of the migration model shared between the files
 * that implement it (checksum.c, directives.c, set.c, bundle.c). Not
 * installed.
 */
#ifndef MIGC_MODEL_H
#define MIGC_MODEL_H

#include <stddef.h>

#include "migc.h"

/*
 * Validate canonical content: not empty (nor only whitespace), no NUL byte,
 * valid UTF-8. `file` names the file in messages; errors carry the line.
 */
int migc_content_check(const char *file, const char *data, size_t len,
		       migc_error *err);

/* What a file's `-- migc:` directives say. */
typedef struct migc_directives {
	unsigned flags;            /* MIGC_FLAG_* */
	long lock_timeout_ms;      /* -- migc:lock-timeout, -1 when absent */
	long statement_timeout_ms; /* -- migc:statement-timeout, -1 when absent */
} migc_directives;

/*
 * Read the `-- migc:` directives from the leading comment block of `sql`.
 * An unknown directive, a bad argument, a repeated directive, or a
 * directive below the first statement is an error naming the file and line.
 */
int migc_directives_parse(migc_directives *out, const char *file,
			  const char *sql, size_t len, migc_error *err);

/* Incremental XXH3-128, for checksums over pieces (bundle rows, ids). */
typedef struct migc_hash migc_hash;
migc_hash *migc_hash_new(void); /* NULL when out of memory */
void migc_hash_update(migc_hash *h, const void *data, size_t len);
/* Write the digest as hex and free the state. */
void migc_hash_final(migc_hash *h, char out[MIGC_CHECKSUM_HEX_LEN + 1]);

/* Line number (1-based) of byte offset `off` in `data`. */
int migc_line_of(const char *data, size_t off);

#endif /* MIGC_MODEL_H */
