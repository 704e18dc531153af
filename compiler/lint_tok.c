/*
 * lint_tok.c - the token iterator behind the rolling-deploy lint. See
 * lint_tok.h.
 *
 * The token rules are a subset of PostgreSQL's scanner, the same as the
 * library's lexer (runtime/sqllex.c) follows: '' strings double '', E''
 * strings also take backslash escapes, $tag$ dollar quotes end at the first
 * copy of their delimiter ($1 is a parameter), "" identifiers double "",
 * block comments nest. Backquoted identifiers (SQLite, MySQL) are read as
 * identifiers too: that only makes a keyword inside them not a keyword.
 */
#include "lint_tok.h"

#include <string.h>

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

static int is_ident_cont(unsigned char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The byte `ahead` places past the current one, or -1 past the end. */
static int at(const struct ltok_iter *it, size_t ahead)
{
	if (ahead >= it->len - it->pos)
		return -1;
	return (unsigned char)it->s[it->pos + ahead];
}

void ltok_init(struct ltok_iter *it, const char *s, size_t len)
{
	it->s = s;
	it->len = len;
	it->pos = 0;
	it->depth = 0;
}

/* Skip whitespace, `--` comments and nesting block comments. */
static void skip_blank(struct ltok_iter *it)
{
	while (it->pos < it->len) {
		int c = at(it, 0);

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			it->pos++;
		} else if (c == '-' && at(it, 1) == '-') {
			while (it->pos < it->len && at(it, 0) != '\n')
				it->pos++;
		} else if (c == '/' && at(it, 1) == '*') {
			size_t depth = 1;

			it->pos += 2;
			while (it->pos < it->len && depth) {
				if (at(it, 0) == '/' && at(it, 1) == '*') {
					depth++;
					it->pos += 2;
				} else if (at(it, 0) == '*' && at(it, 1) == '/') {
					depth--;
					it->pos += 2;
				} else {
					it->pos++;
				}
			}
		} else {
			break;
		}
	}
}

/* Past a run quoted with `q` (doubled `q` stands for itself). */
static void skip_quoted(struct ltok_iter *it, int q, int backslash)
{
	it->pos++;
	while (it->pos < it->len) {
		int c = at(it, 0);

		if (c == '\\' && backslash) {
			it->pos += at(it, 1) < 0 ? 1 : 2;
		} else if (c == q && at(it, 1) == q) {
			it->pos += 2;
		} else {
			it->pos++;
			if (c == q)
				return;
		}
	}
}

/* Length of the $$ or $tag$ delimiter at the current byte, or 0. */
static size_t dollar_delim(const struct ltok_iter *it)
{
	size_t i = 1;

	if (at(it, i) >= 0 && is_ident_start((unsigned char)at(it, i)))
		while (at(it, i) >= 0 && (is_ident_start((unsigned char)at(it, i)) ||
					  is_digit((unsigned char)at(it, i))))
			i++;
	return at(it, i) == '$' ? i + 1 : 0;
}

/* Past a dollar-quoted string whose delimiter is `n` bytes long. */
static void skip_dollar(struct ltok_iter *it, size_t n)
{
	const char *delim = it->s + it->pos;
	size_t p;

	for (p = it->pos + n; it->len - p >= n; p++) {
		if (it->s[p] == '$' && memcmp(it->s + p, delim, n) == 0) {
			it->pos = p + n;
			return;
		}
	}
	it->pos = it->len;
}

static void scan_number(struct ltok_iter *it)
{
	while (it->pos < it->len) {
		int c = at(it, 0);

		if ((c == '+' || c == '-') && (lower(it->s[it->pos - 1]) == 'e'))
			it->pos++;
		else if (c >= 0 && (is_ident_cont((unsigned char)c) || c == '.') && c != '$')
			it->pos++;
		else
			break;
	}
}

/* One token starting at the current byte (not blank). */
static enum ltok_kind scan(struct ltok_iter *it)
{
	int c = at(it, 0), next = at(it, 1);
	size_t n;

	if (c == '\'') {
		skip_quoted(it, '\'', 0);
		return LTOK_STRING;
	}
	if (c == '"' || c == '`') {
		skip_quoted(it, c, 0);
		return LTOK_IDENT;
	}
	if (next == '\'' && c && strchr("EeBbXxNn", c)) {
		it->pos++;
		skip_quoted(it, '\'', c == 'E' || c == 'e');
		return LTOK_STRING;
	}
	if (is_ident_start((unsigned char)c)) {
		while (it->pos < it->len && is_ident_cont((unsigned char)at(it, 0)))
			it->pos++;
		return LTOK_WORD;
	}
	if (is_digit((unsigned char)c) || (c == '.' && next >= 0 && is_digit((unsigned char)next)) ||
	    (c == '$' && next >= 0 && is_digit((unsigned char)next))) {
		it->pos++;
		scan_number(it);
		return LTOK_NUMBER;
	}
	if (c == '$' && (n = dollar_delim(it)) != 0) {
		skip_dollar(it, n);
		return LTOK_STRING;
	}
	it->pos++;
	return LTOK_PUNCT;
}

enum ltok_kind ltok_next(struct ltok_iter *it, struct ltok *t)
{
	size_t start;

	skip_blank(it);
	start = it->pos;
	t->p = it->s + start;
	t->len = 0;
	t->depth = it->depth;
	if (it->pos >= it->len) {
		t->kind = LTOK_END;
		return t->kind;
	}
	t->kind = scan(it);
	t->len = it->pos - start;
	if (ltok_punct(t, '('))
		it->depth++;
	else if (ltok_punct(t, ')') && it->depth > 0)
		t->depth = --it->depth;
	return t->kind;
}

enum ltok_kind ltok_peek(const struct ltok_iter *it, struct ltok *t)
{
	struct ltok_iter copy = *it;

	return ltok_next(&copy, t);
}

int ltok_is(const struct ltok *t, const char *kw)
{
	size_t i;

	/* the first letter before strlen: most calls are misses */
	if (t->kind != LTOK_WORD || !t->len || lower((unsigned char)t->p[0]) != kw[0] ||
	    t->len != strlen(kw))
		return 0;
	for (i = 0; i < t->len; i++)
		if (lower((unsigned char)t->p[i]) != kw[i])
			return 0;
	return 1;
}

int ltok_punct(const struct ltok *t, char c)
{
	return t->kind == LTOK_PUNCT && t->p[0] == c;
}

int ltok_is_name(const struct ltok *t)
{
	return t->kind == LTOK_WORD || t->kind == LTOK_IDENT;
}

int ltok_accept(struct ltok_iter *it, const char *kw)
{
	struct ltok_iter copy = *it;
	struct ltok t;

	ltok_next(&copy, &t);
	if (!ltok_is(&t, kw))
		return 0;
	*it = copy;
	return 1;
}

void ltok_fold(const struct ltok *t, char *out, size_t size)
{
	size_t i, n = 0;

	if (!size)
		return;
	if (t->kind == LTOK_IDENT && t->len >= 2) {
		char q = t->p[0];

		for (i = 1; i + 1 < t->len && n + 1 < size; i++) {
			out[n++] = t->p[i];
			if (t->p[i] == q && t->p[i + 1] == q)
				i++;
		}
	} else {
		for (i = 0; i < t->len && n + 1 < size; i++)
			out[n++] = (char)lower((unsigned char)t->p[i]);
	}
	out[n] = '\0';
}
