/*
 * lint_tok.h - a tiny token iterator over one SQL statement, for the
 * rolling-deploy lint (lint.c).
 *
 * The statement boundaries come from the library's lexer (sqllex.h); this
 * only walks the tokens inside one statement so that the lint can match
 * statement shapes (ALTER TABLE t DROP COLUMN c) by keywords. It skips
 * whitespace and comments (`--`, nesting block comments), and returns
 * strings ('', E'', $$ and $tag$ dollar quotes) as opaque tokens, so that a
 * word inside a string, a comment or a function body is never a keyword.
 * Quoted identifiers ("drop", `x`) are returned as identifiers, never as
 * keywords. Parenthesis depth is tracked so that rules can tell the words
 * of a statement from the words of an expression inside it.
 *
 * It never reads at or past the end it is given, and a construct left open
 * (which the lexer would have refused) simply runs to that end.
 */
#ifndef MIGC_LINT_TOK_H
#define MIGC_LINT_TOK_H

#include <stddef.h>

enum ltok_kind {
	LTOK_END,    /* no more tokens */
	LTOK_WORD,   /* unquoted identifier or keyword */
	LTOK_IDENT,  /* "quoted" or `quoted` identifier (p/len include quotes) */
	LTOK_STRING, /* '...', E'...', $$...$$ and the like */
	LTOK_NUMBER, /* 42, 1.5e3, and parameters such as $1 */
	LTOK_PUNCT   /* any other single byte: ( ) , ; . = ... */
};

struct ltok {
	enum ltok_kind kind;
	const char *p; /* the token's bytes as written */
	size_t len;
	int depth; /* parentheses open before it; '(' and ')' get the outer depth */
};

struct ltok_iter {
	const char *s;
	size_t len, pos;
	int depth;
};

void ltok_init(struct ltok_iter *it, const char *s, size_t len);

/* The next token into *t (LTOK_END at the end); returns t->kind. */
enum ltok_kind ltok_next(struct ltok_iter *it, struct ltok *t);

/* The next token without consuming it. */
enum ltok_kind ltok_peek(const struct ltok_iter *it, struct ltok *t);

/* 1 when `t` is the unquoted keyword `kw` (lower case), in any case. */
int ltok_is(const struct ltok *t, const char *kw);

/* 1 when `t` is the one-byte punctuation `c`. */
int ltok_punct(const struct ltok *t, char c);

/* 1 when `t` can be a name: a word or a quoted identifier. */
int ltok_is_name(const struct ltok *t);

/* If the next token is the keyword `kw`, consume it and return 1. */
int ltok_accept(struct ltok_iter *it, const char *kw);

/*
 * A name as the database folds it, into out[size] (truncated): an unquoted
 * word in lower case, a quoted identifier without its quotes and with
 * doubled quotes undone. Used to compare table names.
 */
void ltok_fold(const struct ltok *t, char *out, size_t size);

#endif /* MIGC_LINT_TOK_H */
