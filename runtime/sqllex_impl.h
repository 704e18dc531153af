/*
 * sqllex_impl.h - the lexer's internals shared by sqllex.c (tokens,
 * statement splitting) and sqllex_txn.c (the transaction-control check).
 * Not for other files: sqllex.h is the interface. See sqllex.c for the
 * token rules and the invariants.
 */
#ifndef MIGC_SQLLEX_IMPL_H
#define MIGC_SQLLEX_IMPL_H

#include <stddef.h>

#include "sqllex.h"

enum tok_kind {
	TOK_EOF,
	TOK_WORD,   /* unquoted identifier or keyword */
	TOK_QUOTED, /* '' E'' "" $$ strings and identifiers */
	TOK_NUMBER,
	TOK_PARAM, /* $1 */
	TOK_CHAR   /* any other single byte */
};

struct token {
	enum tok_kind kind;
	size_t start, end;
};

/*
 * Lines are counted only when one is asked for (a statement's first token,
 * an error): `line` is the line of byte `line_pos`, and line_at() moves
 * that mark forward with memchr. Positions asked for only grow.
 */
struct lexer {
	const char *sql;
	size_t len, pos;
	size_t line_pos;
	int line;
	const char *file;
	migc_error *err; /* NULL when peeking */
};

/* What a statement starts with, as far as routine bodies care. */
enum head { HEAD_START, HEAD_CREATE, HEAD_ROUTINE, HEAD_TRIGGER, HEAD_OTHER };

struct splitter {
	struct lexer lx;
	size_t depth; /* open parentheses */
	size_t body;  /* inside a routine body: 1 + open CASEs; else 0 */
	enum head head;
	struct token prev; /* the statement's previous token; TOK_EOF at its start */
	int no_lines; /* statements' `line` left 0 (the caller asks line_at()) */
};

/* The next token, skipping whitespace and comments; TOK_EOF at the end. */
int sqllex_next(struct lexer *lx, struct token *t);

/* The line of byte `pos` (positions asked for only grow). */
int sqllex_line_at(struct lexer *lx, size_t pos);

/* Start splitting sql[0..len); `err` NULL: lexing errors are not reported. */
void sqllex_splitter_init(struct splitter *sp, const char *file,
			  const char *sql, size_t len, migc_error *err);

/* The next statement: 1, 0 at the end, or a negative error code. */
int sqllex_split_next(struct splitter *sp, migc_sql_stmt *st);

/* Whether token `t` is the word `kw` (lower case, `n` bytes), ignoring
 * ASCII case; WORD_IS passes a literal's length. */
int sqllex_word_is_n(const char *sql, const struct token *t, const char *kw,
		     size_t n);
#define WORD_IS(sql, t, kw) sqllex_word_is_n((sql), (t), kw, sizeof(kw) - 1)

/* Whether token `t` is one of the NULL-terminated `words`. */
int sqllex_word_in(const char *sql, const struct token *t,
		   const char *const *words);

#endif /* MIGC_SQLLEX_IMPL_H */
