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
 * Whether `filename` is the name migc's layout gives a migration of `kind`,
 * `version` and `name` (`<version>_<name>.sql`, `R__<name>.sql`), the
 * version well-formed and the name not empty: migc_filename_parse() run
 * backwards, for the loader, whose names the compiler parsed already and
 * the bundle id covers (filename.c).
 */
int migc_filename_agrees(const char *filename, migc_kind kind,
			 const char *version, const char *name);

/*
 * The length of `v` when it is a well-formed version (migc_version_valid),
 * else 0: the check and strlen() in one pass (version.c).
 */
size_t migc_version_span(const char *v);

/*
 * Validate canonical content: not empty (nor only whitespace), no NUL byte,
 * valid UTF-8. `file` names the file in messages; errors carry the line.
 */
int migc_content_check(const char *file, const char *data, size_t len,
		       migc_error *err);

/*
 * The rules of the rolling-deploy lint (compiler/lint.c), as far as the
 * directive parser needs them: `-- migc:allow RULE[,RULE...]` names rules
 * a file opts out of, and a misspelt name must be an error with file and
 * line, so the names live here, in the library. The names are stable (users
 * write them in files, CI reads them from JSON); the numbers are internal
 * and only index the allow bitmask. New rules go at the end.
 */
enum migc_lint_rule {
	MIGC_LINT_DROP_COLUMN,
	MIGC_LINT_RENAME_COLUMN,
	MIGC_LINT_DROP_TABLE,
	MIGC_LINT_RENAME_TABLE,
	MIGC_LINT_CHANGE_COLUMN_TYPE,
	MIGC_LINT_ADD_NOT_NULL,
	MIGC_LINT_SET_NOT_NULL,
	MIGC_LINT_CREATE_INDEX,
	MIGC_LINT_NEEDS_NO_TRANSACTION,
	MIGC_LINT_LOCK_TIMEOUT,
	MIGC_LINT_ADD_FOREIGN_KEY,
	MIGC_LINT_ADD_CHECK,
	MIGC_LINT_VOLATILE_DEFAULT,
	MIGC_LINT_TRUNCATE,
	MIGC_LINT_NRULES
};

/* The kebab-case name of a rule ("drop-column"), or NULL out of range. */
const char *migc_lint_rule_name(int rule);

/* The rule called name[0..len), or -1 when there is none. */
int migc_lint_rule_find(const char *name, size_t len);

/* What a file's `-- migc:` directives say. */
typedef struct migc_directives {
	unsigned flags;            /* MIGC_FLAG_* */
	long lock_timeout_ms;      /* -- migc:lock-timeout, -1 when absent */
	long statement_timeout_ms; /* -- migc:statement-timeout, -1 when absent */
	unsigned lint_allow;       /* -- migc:allow: bit (1u << rule) per rule */
} migc_directives;

/*
 * Read the `-- migc:` directives from the leading comment block of `sql`.
 * An unknown directive, a bad argument, a repeated directive, or a
 * directive below the first statement is an error naming the file and line.
 */
int migc_directives_parse(migc_directives *out, const char *file,
			  const char *sql, size_t len, migc_error *err);

/*
 * migc_checksum() of `len` bytes from byte `start` of a bundle's SQL
 * stream, kept in rows in chunks (include/migc.h). Hashed in place, one
 * piece per row touched.
 */
void migc_checksum_rows(char out[MIGC_CHECKSUM_HEX_LEN + 1],
			const char (*const *chunks)[MIGC_BUNDLE_ROW], size_t start,
			size_t len);

/* Row `r` of a bundle's SQL stream kept in `chunks` (include/migc.h). */
static inline const char *migc_stream_row(const char (*const *chunks)[MIGC_BUNDLE_ROW],
					  size_t r)
{
	return chunks[r / MIGC_BUNDLE_CHUNK_ROWS][r % MIGC_BUNDLE_CHUNK_ROWS];
}

/* Incremental XXH3-128, for checksums over pieces (bundle rows, ids). */
typedef struct migc_hash migc_hash;
migc_hash *migc_hash_new(void); /* NULL when out of memory */
void migc_hash_update(migc_hash *h, const void *data, size_t len);
/* Write the digest as hex and free the state. */
void migc_hash_final(migc_hash *h, char out[MIGC_CHECKSUM_HEX_LEN + 1]);

/* Line number (1-based) of byte offset `off` in `data`. */
int migc_line_of(const char *data, size_t off);

#endif /* MIGC_MODEL_H */
