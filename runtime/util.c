/*
 * util.c - error filling, growable buffers, small string and time helpers.
 * See util.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void migc_error_clear(migc_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int migc_err(migc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	memset(err, 0, sizeof(*err));
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void migc_err_where(migc_error *err, const char *file, int line)
{
	if (!err)
		return;
	migc_strlcpy(err->file, file ? file : "", sizeof(err->file));
	err->line = line;
}

void migc_err_version(migc_error *err, const char *version)
{
	if (err)
		migc_strlcpy(err->version, version ? version : "",
			     sizeof(err->version));
}

void migc_err_hint(migc_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void migc_err_hint_append(migc_error *err, const char *fmt, ...)
{
	char more[sizeof(((migc_error *)0)->hint)];
	size_t n;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(more, sizeof(more), fmt, ap);
	va_end(ap);
	n = strlen(err->hint);
	if (n)
		snprintf(err->hint + n, sizeof(err->hint) - n, "; %s", more);
	else
		migc_strlcpy(err->hint, more, sizeof(err->hint));
}

void migc_err_prefix(migc_error *err, const char *fmt, ...)
{
	char joined[sizeof(migc_error) + 512];
	size_t n;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(joined, 512, fmt, ap);
	va_end(ap);
	n = strlen(joined);
	memcpy(joined + n, ": ", 3);
	migc_strlcpy(joined + n + 2, err->message, sizeof(joined) - n - 2);
	migc_strlcpy(err->message, joined, sizeof(err->message));
}

const char *migc_strerror(int code)
{
	switch (code) {
	case MIGC_OK: return "success";
	case MIGC_ENOMEM: return "out of memory";
	case MIGC_EUSAGE: return "usage or configuration error";
	case MIGC_EINVALID: return "invalid migration";
	case MIGC_EIO: return "i/o error";
	case MIGC_EFAILED: return "migration failed";
	case MIGC_EDRIFT: return "drift";
	case MIGC_EMISSING: return "missing migration";
	case MIGC_EORDER: return "out of order";
	case MIGC_EFUTURE: return "database is ahead of the bundle";
	case MIGC_ECONNECT: return "could not connect";
	case MIGC_ELOCKED: return "lock timeout";
	case MIGC_EDIRTY: return "earlier failed or running migration";
	case MIGC_ECORRUPT: return "corrupted bundle";
	case MIGC_ENOTFOUND: return "not found";
	case MIGC_EDB: return "database error";
	case MIGC_EINTR: return "interrupted";
	case MIGC_EBUSY: return "lock wait timed out";
	case MIGC_EAUTH: return "connection refused by the server";
	default: return "error";
	}
}

int migc_exit_code(int code)
{
	switch (code) {
	case MIGC_OK: return MIGC_EXIT_OK;
	case MIGC_EUSAGE:
	case MIGC_ENOTFOUND: return MIGC_EXIT_USAGE;
	case MIGC_EDRIFT:
	case MIGC_EMISSING:
	case MIGC_EFUTURE: return MIGC_EXIT_DRIFT;
	case MIGC_EORDER: return MIGC_EXIT_ORDER;
	case MIGC_ECONNECT:
	case MIGC_EAUTH:
	case MIGC_ELOCKED: return MIGC_EXIT_CONNECT;
	case MIGC_EDIRTY: return MIGC_EXIT_DIRTY;
	case MIGC_ECORRUPT: return MIGC_EXIT_CORRUPT;
	case MIGC_EINTR: return MIGC_EXIT_INTERRUPTED;
	default: return MIGC_EXIT_FAILED;
	}
}

int migc_buf_grow(migc_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 - b->len - 1)
		return MIGC_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return MIGC_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int migc_buf_put(migc_buf *b, const void *data, size_t len)
{
	if (migc_buf_grow(b, len))
		return MIGC_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int migc_buf_puts(migc_buf *b, const char *s)
{
	return migc_buf_put(b, s, strlen(s));
}

int migc_buf_vprintf(migc_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return MIGC_ERROR;
	if (migc_buf_grow(b, (size_t)n))
		return MIGC_ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int migc_buf_printf(migc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = migc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *migc_buf_detach(migc_buf *b)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void migc_buf_free(migc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *migc_strdup(const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void migc_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return;
	n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void migc_sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

long long migc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `n` as `width` decimal digits at `p`. */
static char *put_digits(char *p, int n, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
	return p + width;
}

/*
 * Written by hand: strftime was three quarters of the cost, and every
 * history row carries one. Years outside 0..9999 (never in practice) go
 * through strftime, which writes them as it always did.
 */
void migc_utc_format(char out[32], time_t t)
{
	struct tm tm;
	char *p = out;

	gmtime_r(&t, &tm);
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = 'Z';
	*p = '\0';
}

void migc_utc_now(char out[32])
{
	migc_utc_format(out, time(NULL));
}

unsigned migc_xorshift(unsigned *state)
{
	unsigned x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
