/*
 * emit.c - the output sink and the escaping of bytes into C string literals
 * and comments. The rules are in emit.h; tests/unit/test_emit.c checks them
 * on every byte value and tests/e2e/bundle_property.sh compiles the result
 * with gcc and clang.
 */
#define _POSIX_C_SOURCE 200809L

#include "emit.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* Buffered output is written to the file once it grows past this. */
#define EMIT_FLUSH_AT (256u * 1024u)

/* Input is escaped in slices of this size (worst case 4 bytes out per byte). */
#define EMIT_SLICE 4095u

void emit_out_init(struct emit_out *o, FILE *file)
{
	memset(o, 0, sizeof(*o));
	o->file = file;
}

void emit_out_free(struct emit_out *o)
{
	migc_buf_free(&o->buf);
}

/* Write the buffer to the file; keep the first error. */
static int emit_drain(struct emit_out *o)
{
	if (o->rc || !o->file || !o->buf.len)
		return o->rc;
	if (fwrite(o->buf.data, 1, o->buf.len, o->file) != o->buf.len) {
		o->saved_errno = errno ? errno : EIO;
		o->rc = MIGC_EIO;
		return o->rc;
	}
	o->buf.len = 0;
	return 0;
}

/* Make room for `n` more bytes, draining to the file first if it is big. */
static int emit_reserve(struct emit_out *o, size_t n)
{
	if (o->rc)
		return o->rc;
	if (o->file && o->buf.len >= EMIT_FLUSH_AT && emit_drain(o))
		return o->rc;
	if (migc_buf_grow(&o->buf, n))
		o->rc = MIGC_ENOMEM;
	return o->rc;
}

int emit_put(struct emit_out *o, const void *data, size_t len)
{
	if (emit_reserve(o, len))
		return o->rc;
	if (len)
		memcpy(o->buf.data + o->buf.len, data, len);
	o->buf.len += len;
	o->buf.data[o->buf.len] = '\0';
	return 0;
}

int emit_puts(struct emit_out *o, const char *s)
{
	return emit_put(o, s, strlen(s));
}

int emit_printf(struct emit_out *o, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (emit_reserve(o, 0))
		return o->rc;
	va_start(ap, fmt);
	rc = migc_buf_vprintf(&o->buf, fmt, ap);
	va_end(ap);
	if (rc)
		o->rc = rc == MIGC_ENOMEM ? MIGC_ENOMEM : MIGC_ERROR;
	return o->rc;
}

int emit_finish(struct emit_out *o, const char *what, migc_error *err)
{
	emit_drain(o);
	if (!o->rc && o->file && fflush(o->file) != 0) {
		o->saved_errno = errno;
		o->rc = MIGC_EIO;
	}
	switch (o->rc) {
	case 0:
		return 0;
	case MIGC_ENOMEM:
		return migc_err(err, MIGC_ENOMEM, "%s: out of memory", what);
	case MIGC_EIO:
		return migc_err(err, MIGC_EIO, "%s: write failed: %s", what,
				strerror(o->saved_errno));
	default:
		return migc_err(err, o->rc, "%s: could not format output", what);
	}
}

/*
 * Escape one byte for a string literal at `p`; returns the end. Writes at
 * most 4 bytes.
 */
static char *escape_byte(char *p, unsigned char c)
{
	switch (c) {
	case '"':
	case '\\':
	case '?':
		*p++ = '\\';
		*p++ = (char)c;
		return p;
	case '\n':
		*p++ = '\\';
		*p++ = 'n';
		return p;
	case '\t':
		*p++ = '\\';
		*p++ = 't';
		return p;
	case '\r':
		*p++ = '\\';
		*p++ = 'r';
		return p;
	default:
		break;
	}
	if (c >= 0x20 && c < 0x7f) {
		*p++ = (char)c;
		return p;
	}
	*p++ = '\\';
	*p++ = (char)('0' + (c >> 6));
	*p++ = (char)('0' + ((c >> 3) & 7));
	*p++ = (char)('0' + (c & 7));
	return p;
}

int emit_escape(struct emit_out *o, const void *data, size_t len)
{
	const unsigned char *s = data;

	while (len) {
		size_t n = len < EMIT_SLICE ? len : EMIT_SLICE, i;
		char *p;

		if (emit_reserve(o, 4 * n))
			return o->rc;
		p = o->buf.data + o->buf.len;
		for (i = 0; i < n; i++)
			p = escape_byte(p, s[i]);
		*p = '\0';
		o->buf.len = (size_t)(p - o->buf.data);
		s += n;
		len -= n;
	}
	return o->rc;
}

int emit_string(struct emit_out *o, const char *s)
{
	emit_put(o, "\"", 1);
	emit_escape(o, s, strlen(s));
	return emit_put(o, "\"", 1);
}

size_t emit_row_count(size_t len)
{
	if (!len)
		return 1;
	return len / MIGC_BUNDLE_ROW_BYTES + (len % MIGC_BUNDLE_ROW_BYTES != 0);
}

int emit_rows(struct emit_out *o, const void *data, size_t len,
	      const char *indent)
{
	const char *s = data;
	size_t rows = emit_row_count(len), i;

	for (i = 0; i < rows; i++) {
		size_t off = i * MIGC_BUNDLE_ROW_BYTES;
		size_t n = len - off < MIGC_BUNDLE_ROW_BYTES ?
				   len - off : MIGC_BUNDLE_ROW_BYTES;

		emit_puts(o, indent);
		emit_put(o, "\"", 1);
		emit_escape(o, s + off, n);
		emit_put(o, i + 1 < rows ? "\",\n" : "\"", i + 1 < rows ? 3 : 1);
	}
	return o->rc;
}

/* 1 when `c` can stand in a block comment as itself. */
static int comment_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '*' && c != '/' && c != '\\' &&
	       c != '?';
}

int emit_comment_text(struct emit_out *o, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i;

	for (i = 0; i < len; i++) {
		char esc[4];

		if (comment_safe(s[i])) {
			emit_put(o, &s[i], 1);
			continue;
		}
		esc[0] = '\\';
		esc[1] = (char)('0' + (s[i] >> 6));
		esc[2] = (char)('0' + ((s[i] >> 3) & 7));
		esc[3] = (char)('0' + (s[i] & 7));
		emit_put(o, esc, 4);
	}
	return o->rc;
}
