/*
 * emit.c - the output sink and the escaping of bytes into C string literals
 * and comments. The rules are in emit.h; tests/unit/test_emit.c checks them
 * on every byte value and tests/e2e/bundle_property.sh compiles the result
 * with gcc and clang.
 */
#define _POSIX_C_SOURCE 200809L

#include "emit.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

/* Buffered output is written to the file once it grows past this. */
#define EMIT_FLUSH_AT (256u * 1024u)

/* Input is escaped in slices of this size (worst case 4 bytes out per byte). */
#define EMIT_SLICE 4095u

void emit_out_init(struct emit_out *o, FILE *file)
{
	memset(o, 0, sizeof(*o));
	o->file = file;
}

/* Write `b` to `f`: 0, or MIGC_EIO with `*saved_errno` set. */
static int write_buf(FILE *f, const migc_buf *b, int *saved_errno)
{
	if (fwrite(b->data, 1, b->len, f) == b->len)
		return 0;
	*saved_errno = errno ? errno : EIO;
	return MIGC_EIO;
}

/*
 * The background writer: the caller fills `o->buf` while the thread
 * writes `full`; at each drain they swap, after the thread is done with
 * the last one. `rc` and `saved_errno` are the thread's until it is idle.
 */
struct emit_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	FILE *file;
	migc_buf full;
	int busy; /* `full` is to be written */
	int stop;
	int rc, saved_errno;
};

static void *writer_main(void *arg)
{
	struct emit_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->lock);
		if (!w->rc) /* after a failure nothing more is written */
			w->rc = write_buf(w->file, &w->full, &w->saved_errno);
		w->full.len = 0;
		pthread_mutex_lock(&w->lock);
		w->busy = 0;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int emit_out_background(struct emit_out *o)
{
	struct emit_writer *w;

	if (o->writer || !o->file)
		return o->writer ? 0 : -1;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	w->file = o->file;
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		goto no_lock;
	if (pthread_cond_init(&w->cond, NULL) != 0)
		goto no_cond;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		goto no_thread;
	o->writer = w;
	return 0;
no_thread:
	pthread_cond_destroy(&w->cond);
no_cond:
	pthread_mutex_destroy(&w->lock);
no_lock:
	free(w);
	return -1;
}

/* Wait until the writer is idle; its first error becomes the sink's. */
static int writer_wait(struct emit_out *o)
{
	struct emit_writer *w = o->writer;

	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	if (w->rc && !o->rc) {
		o->rc = w->rc;
		o->saved_errno = w->saved_errno;
	}
	pthread_mutex_unlock(&w->lock);
	return o->rc;
}

/* End the writer after it has written what it was given. */
static void writer_end(struct emit_out *o)
{
	struct emit_writer *w = o->writer;

	if (!w)
		return;
	writer_wait(o);
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	migc_buf_free(&w->full);
	free(w);
	o->writer = NULL;
}

void emit_out_free(struct emit_out *o)
{
	writer_end(o);
	migc_buf_free(&o->buf);
}

/* Hand `b` to the writer once it is idle; `b` gets its empty buffer back. */
static int writer_hand(struct emit_out *o, migc_buf *b)
{
	struct emit_writer *w = o->writer;
	migc_buf spare;

	if (writer_wait(o))
		return o->rc;
	spare = w->full; /* written: empty */
	pthread_mutex_lock(&w->lock);
	w->full = *b;
	w->busy = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	*b = spare;
	return 0;
}

/* Write the buffer to the file, or hand it to the writer; keep the first error. */
static int emit_drain(struct emit_out *o)
{
	if (o->rc || !o->file || !o->buf.len)
		return o->rc;
	if (!o->writer) {
		o->rc = write_buf(o->file, &o->buf, &o->saved_errno);
		o->buf.len = 0;
		return o->rc;
	}
	return writer_hand(o, &o->buf);
}

int emit_put_buf(struct emit_out *o, migc_buf *b)
{
	if (!o->writer || b->len < EMIT_FLUSH_AT) {
		emit_put(o, b->data, b->len);
	} else if (!emit_drain(o)) {
		writer_hand(o, b);
	}
	b->len = 0;
	return o->rc;
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

/* The decimal digits of `v`, after a '-' when `neg`, at `p`; the end. */
static char *put_decimal(char *p, unsigned long long v, int neg)
{
	char digits[24];
	size_t n = 0;

	if (neg)
		*p++ = '-';
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

int emit_printf(struct emit_out *o, const char *fmt, ...)
{
	va_list ap;
	unsigned long long v = 0;
	int rc, neg = 0, number = 1;

	if (emit_reserve(o, 0))
		return o->rc;
	va_start(ap, fmt);
	/* one number alone (most of a bundle's entries): without vsnprintf,
	 * the same text */
	if (!strcmp(fmt, "%zu")) {
		v = va_arg(ap, size_t);
	} else if (!strcmp(fmt, "%lu")) {
		v = va_arg(ap, unsigned long);
	} else if (!strcmp(fmt, "%d") || !strcmp(fmt, "%lld")) {
		long long x = fmt[1] == 'd' ? (long long)va_arg(ap, int)
					    : va_arg(ap, long long);

		neg = x < 0;
		v = neg ? 0ull - (unsigned long long)x : (unsigned long long)x;
	} else {
		number = 0;
	}
	if (number) {
		char *p;

		va_end(ap);
		if (migc_buf_grow(&o->buf, 24))
			return o->rc = MIGC_ENOMEM;
		p = put_decimal(o->buf.data + o->buf.len, v, neg);
		*p = '\0';
		o->buf.len = (size_t)(p - o->buf.data);
		return 0;
	}
	rc = migc_buf_vprintf(&o->buf, fmt, ap);
	va_end(ap);
	if (rc)
		o->rc = rc == MIGC_ENOMEM ? MIGC_ENOMEM : MIGC_ERROR;
	return o->rc;
}

int emit_finish(struct emit_out *o, const char *what, migc_error *err)
{
	emit_drain(o);
	writer_end(o);
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
 * The escape of every byte value in a string literal (at most 4 bytes) and
 * its length: '"', '\\' and '?' (no trigraphs) take a backslash; \n \t \r
 * are written so; other bytes outside printable ASCII are 3 octal digits
 * (never followed by a 4th, so the next byte cannot join them).
 */
struct escape {
	char text[4];
	unsigned char len;
};

#define LIT(c) {{(c)}, 1}
#define BSL(c) {{'\\', (c)}, 2}
#define OCT(c) {{'\\', '0' + ((c) >> 6), '0' + (((c) >> 3) & 7), '0' + ((c) & 7)}, 4}

static const struct escape escapes[256] = {
	OCT(0), OCT(1), OCT(2), OCT(3), OCT(4), OCT(5), OCT(6), OCT(7),
	OCT(8), BSL('t'), BSL('n'), OCT(11), OCT(12), BSL('r'), OCT(14), OCT(15),
	OCT(16), OCT(17), OCT(18), OCT(19), OCT(20), OCT(21), OCT(22), OCT(23),
	OCT(24), OCT(25), OCT(26), OCT(27), OCT(28), OCT(29), OCT(30), OCT(31),
	LIT(' '), LIT('!'), BSL('"'), LIT('#'), LIT('$'), LIT('%'), LIT('&'), LIT('\''),
	LIT('('), LIT(')'), LIT('*'), LIT('+'), LIT(','), LIT('-'), LIT('.'), LIT('/'),
	LIT('0'), LIT('1'), LIT('2'), LIT('3'), LIT('4'), LIT('5'), LIT('6'), LIT('7'),
	LIT('8'), LIT('9'), LIT(':'), LIT(';'), LIT('<'), LIT('='), LIT('>'), BSL('?'),
	LIT('@'), LIT('A'), LIT('B'), LIT('C'), LIT('D'), LIT('E'), LIT('F'), LIT('G'),
	LIT('H'), LIT('I'), LIT('J'), LIT('K'), LIT('L'), LIT('M'), LIT('N'), LIT('O'),
	LIT('P'), LIT('Q'), LIT('R'), LIT('S'), LIT('T'), LIT('U'), LIT('V'), LIT('W'),
	LIT('X'), LIT('Y'), LIT('Z'), LIT('['), BSL('\\'), LIT(']'), LIT('^'), LIT('_'),
	LIT('`'), LIT('a'), LIT('b'), LIT('c'), LIT('d'), LIT('e'), LIT('f'), LIT('g'),
	LIT('h'), LIT('i'), LIT('j'), LIT('k'), LIT('l'), LIT('m'), LIT('n'), LIT('o'),
	LIT('p'), LIT('q'), LIT('r'), LIT('s'), LIT('t'), LIT('u'), LIT('v'), LIT('w'),
	LIT('x'), LIT('y'), LIT('z'), LIT('{'), LIT('|'), LIT('}'), LIT('~'), OCT(127),
	OCT(128), OCT(129), OCT(130), OCT(131), OCT(132), OCT(133), OCT(134), OCT(135),
	OCT(136), OCT(137), OCT(138), OCT(139), OCT(140), OCT(141), OCT(142), OCT(143),
	OCT(144), OCT(145), OCT(146), OCT(147), OCT(148), OCT(149), OCT(150), OCT(151),
	OCT(152), OCT(153), OCT(154), OCT(155), OCT(156), OCT(157), OCT(158), OCT(159),
	OCT(160), OCT(161), OCT(162), OCT(163), OCT(164), OCT(165), OCT(166), OCT(167),
	OCT(168), OCT(169), OCT(170), OCT(171), OCT(172), OCT(173), OCT(174), OCT(175),
	OCT(176), OCT(177), OCT(178), OCT(179), OCT(180), OCT(181), OCT(182), OCT(183),
	OCT(184), OCT(185), OCT(186), OCT(187), OCT(188), OCT(189), OCT(190), OCT(191),
	OCT(192), OCT(193), OCT(194), OCT(195), OCT(196), OCT(197), OCT(198), OCT(199),
	OCT(200), OCT(201), OCT(202), OCT(203), OCT(204), OCT(205), OCT(206), OCT(207),
	OCT(208), OCT(209), OCT(210), OCT(211), OCT(212), OCT(213), OCT(214), OCT(215),
	OCT(216), OCT(217), OCT(218), OCT(219), OCT(220), OCT(221), OCT(222), OCT(223),
	OCT(224), OCT(225), OCT(226), OCT(227), OCT(228), OCT(229), OCT(230), OCT(231),
	OCT(232), OCT(233), OCT(234), OCT(235), OCT(236), OCT(237), OCT(238), OCT(239),
	OCT(240), OCT(241), OCT(242), OCT(243), OCT(244), OCT(245), OCT(246), OCT(247),
	OCT(248), OCT(249), OCT(250), OCT(251), OCT(252), OCT(253), OCT(254), OCT(255),
};

#undef LIT
#undef BSL
#undef OCT

/*
 * A bit for each of the 16 bytes at `s` that does not stand for itself
 * (not a LIT entry of escapes[]: outside printable ASCII, or " ? \\).
 * With SSE2 one compare per rule: signed, bytes 0x80-0xff are below 0x20,
 * and only 0x7f is above 0x7e.
 */
static unsigned escape_mask16(const unsigned char *s)
{
#if defined(__SSE2__) && defined(__GNUC__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
				   _mm_cmpgt_epi8(v, _mm_set1_epi8(0x7e)));

	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('?')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
	return (unsigned)_mm_movemask_epi8(bad);
#else
	unsigned i, mask = 0;

	for (i = 0; i < 16; i++)
		if (escapes[s[i]].len != 1)
			mask |= 1u << i;
	return mask;
#endif
}

/* The index of the lowest bit set in `mask` (not 0). */
static unsigned lowest_bit(unsigned mask)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctz(mask);
#else
	unsigned k = 0;

	while (!(mask & 1u)) {
		mask >>= 1;
		k++;
	}
	return k;
#endif
}

/*
 * Escape `s[0..n)` to `p` (room for 4 * n + 16 bytes); returns the end.
 * Blocks of 16 input bytes are looked at once: each run of plain bytes is
 * one 16-byte copy (the run is shorter, the rest is overwritten next) and
 * each escape one table entry copied whole, so there is no branch per
 * byte. A run's copy reads up to 16 bytes past the run, so the blocks stop
 * 32 bytes before the end; the tail goes byte by byte.
 */
static char *escape_bytes(char *p, const unsigned char *s, size_t n)
{
	size_t i = 0;

	for (; i + 32 <= n; i += 16) {
		const unsigned char *b = s + i;
		unsigned mask = escape_mask16(b), at = 0;

		while (mask) {
			unsigned k = lowest_bit(mask);
			const struct escape *e = &escapes[b[k]];

			memcpy(p, b + at, 16); /* the run [at, k) */
			p += k - at;
			memcpy(p, e->text, 4); /* a whole entry */
			p += e->len;
			at = k + 1;
			mask &= mask - 1;
		}
		memcpy(p, b + at, 16); /* the run [at, 16): b + at + 16 <= s + n */
		p += 16 - at;
	}
	for (; i < n; i++) {
		const struct escape *e = &escapes[s[i]];

		memcpy(p, e->text, 4);
		p += e->len;
	}
	return p;
}

int emit_escape(struct emit_out *o, const void *data, size_t len)
{
	const unsigned char *s = data;

	while (len) {
		size_t n = len < EMIT_SLICE ? len : EMIT_SLICE;
		char *p;

		/* at most 4 bytes out per byte in; 16 more for the last run
		 * copied whole, or the last entry's 4 bytes */
		if (emit_reserve(o, 4 * n + 16))
			return o->rc;
		p = escape_bytes(o->buf.data + o->buf.len, s, n);
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
	struct emit_stream s;

	emit_stream_init(&s, indent);
	emit_stream_put(o, &s, data, len);
	return emit_stream_end(o, &s);
}

void emit_stream_init(struct emit_stream *s, const char *indent)
{
	s->indent = indent;
	s->col = MIGC_BUNDLE_ROW_BYTES; /* no row open */
	s->rows = 0;
}

int emit_stream_put(struct emit_out *o, struct emit_stream *s,
		    const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		size_t n;

		if (s->col == MIGC_BUNDLE_ROW_BYTES) { /* begin a row */
			if (s->rows)
				emit_put(o, ",\n", 2);
			emit_puts(o, s->indent);
			emit_put(o, "\"", 1);
			s->col = 0;
			s->rows++;
		}
		n = len < MIGC_BUNDLE_ROW_BYTES - s->col ? len
							 : MIGC_BUNDLE_ROW_BYTES - s->col;
		emit_escape(o, p, n);
		p += n;
		len -= n;
		s->col += n;
		if (s->col == MIGC_BUNDLE_ROW_BYTES) /* the row is full */
			emit_put(o, "\"", 1);
	}
	return o->rc;
}

int emit_stream_end(struct emit_out *o, struct emit_stream *s)
{
	if (!s->rows) {
		emit_puts(o, s->indent);
		return emit_put(o, "\"\"", 2);
	}
	if (s->col < MIGC_BUNDLE_ROW_BYTES)
		emit_put(o, "\"", 1);
	s->col = MIGC_BUNDLE_ROW_BYTES;
	return o->rc;
}

void emit_strtab_init(struct emit_strtab *t, const char *indent)
{
	t->indent = indent;
	t->col = 0;
	t->rows = 0;
}

int emit_strtab_add(struct emit_out *o, struct emit_strtab *t, const char *s,
		    size_t len, uint32_t *off)
{
	if (len > MIGC_BUNDLE_ROW_BYTES)
		return -1;
	if (!t->rows || t->col + len > MIGC_BUNDLE_ROW_BYTES) {
		if ((t->rows + 1) > UINT32_MAX / MIGC_BUNDLE_ROW)
			return -1;
		if (o) {
			if (t->rows)
				emit_put(o, "\",\n", 3);
			emit_puts(o, t->indent);
			emit_put(o, "\"", 1);
		}
		t->rows++;
		t->col = 0;
	}
	*off = (uint32_t)((t->rows - 1) * MIGC_BUNDLE_ROW + t->col);
	if (o)
		emit_escape(o, s, len);
	t->col += len;
	/* at a row's last column the literal's own NUL ends the string */
	if (t->col < MIGC_BUNDLE_ROW_BYTES) {
		if (o)
			emit_put(o, "\\000", 4);
		t->col++;
	}
	return 0;
}

int emit_strtab_end(struct emit_out *o, struct emit_strtab *t)
{
	if (t->rows)
		emit_put(o, "\"", 1);
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
