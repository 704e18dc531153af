/*
 * json.h - a small JSON writer for the `--format json` outputs.
 *
 * Strings are escaped in one place (migc_json_escape): quotes, backslash,
 * every control character, U+2028/U+2029, and each byte that is not part
 * of well-formed UTF-8 becomes \ufffd, so the output is always valid JSON
 * whatever bytes a migration name or a database message holds.
 *
 * The writer tracks commas per nesting level and has a sticky error flag,
 * so callers write a whole document and check once at the end.
 */
#ifndef MIGC_JSON_H
#define MIGC_JSON_H

#include <stdio.h>

#include "util.h"

#define MIGC_JSON_DEPTH 16

struct migc_json {
	migc_buf buf;
	int depth;
	unsigned char has_member[MIGC_JSON_DEPTH];
	int failed; /* out of memory or nesting too deep */
};

/* Append `s` as a quoted, escaped JSON string. 0 or MIGC_ENOMEM. */
int migc_json_escape(migc_buf *b, const char *s);

void migc_json_init(struct migc_json *j);
/* `key` is the member name inside an object, NULL inside an array or at
 * the top level. */
void migc_json_object(struct migc_json *j, const char *key);
void migc_json_array(struct migc_json *j, const char *key);
void migc_json_end_object(struct migc_json *j);
void migc_json_end_array(struct migc_json *j);
void migc_json_string(struct migc_json *j, const char *key, const char *value);
void migc_json_int(struct migc_json *j, const char *key, long long value);
void migc_json_bool(struct migc_json *j, const char *key, int value);
void migc_json_null(struct migc_json *j, const char *key);

/* Write the document and a newline to `out`, free the writer; 0 or
 * MIGC_ENOMEM / MIGC_EIO. */
int migc_json_finish(struct migc_json *j, FILE *out);
void migc_json_free(struct migc_json *j);

#endif /* MIGC_JSON_H */
