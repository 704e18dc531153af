/*
 * layout_text.h - the small text helpers shared by layout.c (names,
 * detection) and layout_sections.c (sections, settings files). Internal.
 */
#ifndef MIGC_LAYOUT_TEXT_H
#define MIGC_LAYOUT_TEXT_H

#include <stddef.h>
#include <string.h>

#include "migc.h"
#include "util.h"

/* Fail with MIGC_EINVALID: "PATH: why" or "PATH:LINE: why", and a hint. */
int layout_fail(migc_error *err, const char *path, int line, const char *hint,
		const char *fmt, ...) MIGC_PRINTF(5, 6);

/* ---- small text helpers ------------------------------------------- */

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static inline int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return n > 0;
}

static inline int has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

static inline int has_suffix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s + n - k, p, k) == 0;
}

/* s[0..n) equals p, ignoring ASCII case. */
static inline int eq_nocase(const char *s, size_t n, const char *p)
{
	size_t i;

	if (strlen(p) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char a = s[i], b = p[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* p occurs in s[0..n). */
static inline int contains(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, p, k) == 0)
			return 1;
	return 0;
}

static inline void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* One line of a file: [off, off+len) without its "\n" or "\r\n". */
struct text_line {
	size_t off, len, next;
	int no;
};

static inline int line_next(const char *d, size_t len, struct text_line *l)
{
	const char *nl;
	size_t end;

	if (l->next >= len)
		return 0;
	l->off = l->next;
	nl = memchr(d + l->off, '\n', len - l->off);
	end = nl ? (size_t)(nl - d) : len;
	l->next = nl ? end + 1 : len;
	l->len = end - l->off;
	if (l->len && d[l->off + l->len - 1] == '\r')
		l->len--;
	l->no++;
	return 1;
}

/* goose's annotations (layout_sections.c), for detection too. */
enum { G_UP, G_DOWN, G_BEGIN, G_END, G_NOTX, G_ENV_ON, G_ENV_OFF, G_NONE };

/* A line goose treats as an annotation: "--..." containing "+goose". */
int layout_goose_line(const char *s, size_t n);

/* Which annotation (G_*) a goose line is, as goose's sqlparser reads it. */
int layout_goose_annotation(const char *s, size_t n);

/* A dbmate marker line: 1 up, 2 down, 0 none; `*opt` its options text. */
int layout_dbmate_marker(const char *s, size_t n, const char **opt,
			 size_t *optlen);

#endif /* MIGC_LAYOUT_TEXT_H */
