/*
 * emit.h - writing C source text: an output sink, and the escaping that
 * turns arbitrary bytes into string literals and comments that every C11
 * compiler accepts under -Wall -Wextra -Werror -pedantic.
 *
 * The rules (DESIGN.md, "The bundle"):
 *  - in a string literal, printable ASCII is written as is except `"`, `\`
 *    and `?` (written `\?`, so no trigraph such as `??=` or `??/` can
 *    form); newline, tab and carriage return are `\n`, `\t`, `\r`; every
 *    other byte is a three-digit octal escape (never `\x`, which would
 *    swallow the hex digits that follow it);
 *  - SQL is split into rows of MIGC_BUNDLE_ROW_BYTES (4095) bytes, one
 *    string literal per row and one row per line, so no literal exceeds
 *    ISO C's 4095-byte limit and no array element is two adjacent literals;
 *  - comment text keeps only printable ASCII other than `*`, `/`, `\` and
 *    `?`; everything else is shown as a three-digit octal escape, so a
 *    file name can never close the comment or form a trigraph.
 */
#ifndef MIGC_EMIT_H
#define MIGC_EMIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "migc.h"
#include "util.h"

/*
 * Where generated text goes: a buffer that is written to `file` whenever it
 * grows past a threshold, or kept whole when `file` is NULL (the unit tests
 * read it back). Errors are sticky, like a FILE's: after the first failed
 * write every call returns the same code and writes nothing; emit_finish()
 * reports it.
 */
struct emit_writer; /* emit.c: a thread that writes full buffers */

struct emit_out {
	migc_buf buf;
	FILE *file;
	int rc;        /* first error (MIGC_ENOMEM, MIGC_EIO), 0 if none */
	int saved_errno; /* errno of a failed write */
	struct emit_writer *writer; /* NULL: written by the caller's thread */
};

void emit_out_init(struct emit_out *o, FILE *file);
void emit_out_free(struct emit_out *o);

/*
 * Write `o->file` from a thread of its own, so that generating the next
 * buffer overlaps writing the last one (the file is not touched by the
 * caller until emit_finish() or emit_out_free(), which end the thread).
 * The output and the errors reported are the same. When no thread can be
 * started the output stays synchronous; returns 0 when it is in the
 * background.
 */
int emit_out_background(struct emit_out *o);

int emit_put(struct emit_out *o, const void *data, size_t len);
int emit_puts(struct emit_out *o, const char *s);
int emit_printf(struct emit_out *o, const char *fmt, ...) MIGC_PRINTF(2, 3);

/*
 * Append the bytes of `b` (text rendered elsewhere, e.g. on another
 * thread), then empty `b`. A big `b` going to a background writer is
 * handed over instead of copied (after what `o` has buffered), and `b`
 * gets one of the writer's empty buffers back.
 */
int emit_put_buf(struct emit_out *o, migc_buf *b);

/*
 * Write out what is buffered (when there is a file) and report any earlier
 * error in `err`, naming `what` (e.g. the output path).
 */
int emit_finish(struct emit_out *o, const char *what, migc_error *err);

/* The escaped form of `data` for the inside of a string literal. */
int emit_escape(struct emit_out *o, const void *data, size_t len);

/* A whole string literal: `"` + escaped `s` + `"`. */
int emit_string(struct emit_out *o, const char *s);

/* Number of rows `len` bytes take (at least 1: empty content is `""`). */
size_t emit_row_count(size_t len);

/*
 * The rows of `data` as array elements: each line is `indent`, one string
 * literal of at most MIGC_BUNDLE_ROW_BYTES bytes, and a comma except after
 * the last; lines are separated by newlines, with none after the last.
 * Empty content is one empty literal.
 */
int emit_rows(struct emit_out *o, const void *data, size_t len,
	      const char *indent);

/*
 * A stream of rows written in pieces (a bundle's SQL stream, include/
 * migc.h): each piece continues the row the last one left open, so pieces
 * share rows and only the stream's last row is short. Rows are laid out as
 * emit_rows() lays them out, `indent` before each; an empty stream is one
 * empty literal. Escapes are per byte and complete (three octal digits,
 * `?` escaped), so no escape or trigraph can form across two pieces.
 */
struct emit_stream {
	const char *indent;
	size_t col;  /* bytes in the current row; a row is open when < 4095 */
	size_t rows; /* rows begun */
};

void emit_stream_init(struct emit_stream *s, const char *indent);
int emit_stream_put(struct emit_out *o, struct emit_stream *s,
		    const void *data, size_t len);
/* Close the last row (or write the empty stream's one literal). */
int emit_stream_end(struct emit_out *o, struct emit_stream *s);

/*
 * A bundle's string table (include/migc.h): strings laid out in rows as
 * literals, each NUL-terminated and never crossing a row's end (a string
 * that does not fit in what is left of a row starts the next one; the
 * rest of the row is zero, as C fills it). emit_strtab_add() says where a
 * string goes and, when `o` is not NULL, writes it: the same calls with
 * `o` NULL give the offsets before anything is written, so one function
 * lays the table out for both.
 */
struct emit_strtab {
	const char *indent;
	size_t col;  /* bytes used in the current row (a row is open when rows) */
	size_t rows; /* rows begun */
};

void emit_strtab_init(struct emit_strtab *t, const char *indent);

/*
 * Add `len` bytes of `s` (no NUL among them) to the table: *off is where
 * it is. 0, or -1 when it is longer than a row's MIGC_BUNDLE_ROW_BYTES or
 * the table would pass what an offset can hold (UINT32_MAX); errors
 * writing are `o`'s (sticky).
 */
int emit_strtab_add(struct emit_out *o, struct emit_strtab *t, const char *s,
		    size_t len, uint32_t *off);

/* Close the last row (the table has at least one: it starts with a NUL). */
int emit_strtab_end(struct emit_out *o, struct emit_strtab *t);

/* `data` made safe for the inside of a C block comment (see above). */
int emit_comment_text(struct emit_out *o, const void *data, size_t len);

#endif /* MIGC_EMIT_H */
