/*
 * util.h - small helpers shared by the library, the compiler and the tests:
 * filling a migc_error, a growable byte buffer, and checked allocation.
 *
 * Not part of the public API (not installed); the compiler may use it since
 * it is built from the same tree.
 */
#ifndef MIGC_UTIL_H
#define MIGC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include "migc.h"

#if defined(__GNUC__)
#define MIGC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MIGC_PRINTF(f, a)
#endif

/*
 * Fill `err` (which may be NULL) and return `code`, so a failure is one
 * line: `return migc_err(err, MIGC_EINVALID, "%s: empty file", name);`.
 * The message is truncated to fit, never overflowed.
 */
int migc_err(migc_error *err, int code, const char *fmt, ...) MIGC_PRINTF(3, 4);

/* Set where the error is: file (may be NULL), line (0: none). */
void migc_err_where(migc_error *err, const char *file, int line);

/* Set the error's version (may be NULL). */
void migc_err_version(migc_error *err, const char *version);

/* Set the hint line ("what to do"). */
void migc_err_hint(migc_error *err, const char *fmt, ...) MIGC_PRINTF(2, 3);

/* Add to the hint: after the one already there (e.g. the database's own
 * HINT), separated by "; ", or as the hint when there is none. */
void migc_err_hint_append(migc_error *err, const char *fmt, ...) MIGC_PRINTF(2, 3);

/* Prefix the existing message with "context: ". */
void migc_err_prefix(migc_error *err, const char *fmt, ...) MIGC_PRINTF(2, 3);

/* A growable buffer, always NUL-terminated when len > 0 or after any append. */
typedef struct migc_buf {
	char *data;
	size_t len;
	size_t cap;
} migc_buf;

#define MIGC_BUF_INIT {NULL, 0, 0}

int migc_buf_grow(migc_buf *b, size_t extra); /* 0 or MIGC_ENOMEM */
int migc_buf_put(migc_buf *b, const void *data, size_t len);
int migc_buf_puts(migc_buf *b, const char *s);
int migc_buf_printf(migc_buf *b, const char *fmt, ...) MIGC_PRINTF(2, 3);
int migc_buf_vprintf(migc_buf *b, const char *fmt, va_list ap);
/* Hand the data to the caller (who frees it); the buffer is reset. */
char *migc_buf_detach(migc_buf *b);
void migc_buf_free(migc_buf *b);

/* strdup that returns NULL on NULL input or out of memory. */
char *migc_strdup(const char *s);

/* Copy `src` into `dst[size]`, truncating; always NUL-terminates. */
void migc_strlcpy(char *dst, const char *src, size_t size);

/*
 * Parse a duration: "500ms", "5s", "10min" (or "10m"), "1h", or a plain
 * number of seconds. 0 or MIGC_EUSAGE (empty, negative, unknown unit,
 * overflow). Shared by the directives and the command-line options.
 */
int migc_duration_parse(long *out_ms, const char *text);

/* Sleep `ms` milliseconds (returns early when a signal arrives). */
void migc_sleep_ms(long long ms);

/* The next value of a small xorshift generator (for retry jitter; the
 * caller keeps the state, 0 starts a fixed sequence). */
unsigned migc_xorshift(unsigned *state);

/* Monotonic milliseconds, for durations. */
long long migc_now_ms(void);

/* Current UTC time as ISO-8601 "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL). */
void migc_utc_now(char out[32]);
/* The same for time `t`, as strftime's "%Y-%m-%dT%H:%M:%SZ" would. */
void migc_utc_format(char out[32], time_t t);

#endif /* MIGC_UTIL_H */
