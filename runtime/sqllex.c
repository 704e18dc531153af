/*
 * sqllex.c - a PostgreSQL-dialect SQL lexer: statement splitting, error
 * position to line. See sqllex.h. The transaction-control check built on
 * it is in sqllex_txn.c.
 *
 * Tokens follow PostgreSQL's scanner (src/backend/parser/scan.l) with
 * standard_conforming_strings on:
 *
 *  - whitespace is [ \t\n\r\f\v]; `--` runs to the next \n or \r;
 *    `/ * ... * /` comments nest;
 *  - 'x' strings double '' and know no backslash escapes; E'x' (one letter
 *    E directly before the quote) also takes \ as an escape, so E'\'' is
 *    one string; B'' X'' N'' lex like ''; U&'x' and U&"x" are the word U,
 *    the operator & and a plain string or identifier, which covers exactly
 *    the same bytes;
 *  - "x" identifiers double "";
 *  - $tag$ ... $tag$ and $$ ... $$ are dollar quotes; a tag is an
 *    identifier without '$' that does not start with a digit, so $1 is a
 *    parameter; '$' continues a word, so `a$$b` is one identifier (and
 *    `AS$$` is the identifier "as$$", exactly as PostgreSQL reads it);
 *  - a word is [A-Za-z_\x80-\xff][A-Za-z_0-9$\x80-\xff]*: UTF-8 letters,
 *    and any other byte of 0x80 or more, are identifier bytes;
 *  - a number is a digit (or .digit) followed by digits, '.', identifier
 *    bytes, and a sign right after an exponent's e;
 *  - any other byte is a one-byte token (';', '(', ')', '.', operators,
 *    stray bytes such as NUL or a psql backslash).
 *
 * Statements: a ';' ends one only at parenthesis depth 0 and outside a
 * routine body. A body begins with BEGIN ATOMIC at depth 0 in CREATE [OR
 * REPLACE] FUNCTION|PROCEDURE, or with BEGIN followed by a DML keyword at
 * depth 0 in CREATE [TEMP] TRIGGER (SQLite's trigger bodies); inside it,
 * CASE opens and END closes (at depth 0, as psql counts them), and the body
 * ends at the END that balances its BEGIN. This is psql's heuristic made
 * stricter, so that a function, parameter or trigger named "begin" opens
 * no body; a word after '.' or AS is a name, not CASE/END.
 *
 * Not supported, by design: psql meta-commands (a line starting with '\'
 * is lexed as SQL, and the server rejects it); COPY ... FROM STDIN with
 * inline data (the data is lexed as SQL); SQLite's `ident` and [ident]
 * quoting; a migration that turns standard_conforming_strings off.
 *
 * Invariants: nothing reads sql[len] or past it; lexer.line is always
 * 1 + the number of '\n' in sql[0, lexer.line_pos) (lines are counted on
 * demand, with memchr, not byte by byte); a statement starts at a token's
 * first byte and ends at a token's last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqllex.h"
#include "util.h"

#include "sqllex_impl.h"


/* Byte classes: one table lookup instead of a chain of comparisons. */
enum {
	C_SPACE = 1,       /* [ \t\n\r\f\v] */
	C_IDENT_START = 2, /* [A-Za-z_\x80-\xff] */
	C_DIGIT = 4,       /* [0-9] */
	C_IDENT_CONT = 8,  /* [A-Za-z_0-9$\x80-\xff] */
	C_CHAR = 16        /* a token of its own: printable ASCII but the above, ' " $ . */
};

static const unsigned char byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 16, 0, 16, 8, 16, 16, 0, 16, 16, 16, 16, 16, 16, 0, 16,
	12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 16, 16, 16, 16, 16, 16,
	16, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 16, 16, 16, 16, 10,
	16, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 16, 16, 16, 16, 0,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
};

static int is_digit(unsigned char c)
{
	return byte_class[c] & C_DIGIT;
}

static int is_ident_start(unsigned char c)
{
	return byte_class[c] & C_IDENT_START;
}

static int is_ident_cont(unsigned char c)
{
	return byte_class[c] & C_IDENT_CONT;
}

/* The byte `ahead` places past the current one, or -1 past the end. */
static int peek(const struct lexer *lx, size_t ahead)
{
	if (ahead >= lx->len - lx->pos)
		return -1;
	return (unsigned char)lx->sql[lx->pos + ahead];
}

/* The line of byte `pos`: 1 + the '\n' before it (capped at INT_MAX). */
static int line_at(struct lexer *lx, size_t pos)
{
	const char *p = lx->sql + lx->line_pos, *end = lx->sql + pos;

	if (pos < lx->line_pos) { /* not expected: count from the start */
		lx->line_pos = 0;
		lx->line = 1;
		p = lx->sql;
	}
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (lx->line < 0x7fffffff)
			lx->line++;
		p++;
	}
	lx->line_pos = pos;
	return lx->line;
}

/* An unterminated token or comment that begins at byte `start`. */
static int lex_fail(struct lexer *lx, size_t start, const char *what,
		    const char *hint)
{
	const char *file = lx->file ? lx->file : "sql";
	int line;

	if (!lx->err) /* peeking: the real pass reports it */
		return MIGC_EINVALID;
	line = line_at(lx, start);
	migc_err(lx->err, MIGC_EINVALID,
		 "%s:%d: unterminated %s (it begins on this line and is never closed)",
		 file, line, what);
	migc_err_where(lx->err, file, line);
	migc_err_hint(lx->err, "%s", hint);
	return MIGC_EINVALID;
}

/* Skip a nesting block comment; lx->pos is at its opening slash-star. */
static int skip_block_comment(struct lexer *lx)
{
	const char *s = lx->sql;
	size_t start = lx->pos, depth = 1, p = lx->pos + 2, len = lx->len;

	while (p < len) {
		if (s[p] == '/' && p + 1 < len && s[p + 1] == '*') {
			depth++;
			p += 2;
		} else if (s[p] == '*' && p + 1 < len && s[p + 1] == '/') {
			p += 2;
			if (--depth == 0) {
				lx->pos = p;
				return 0;
			}
		} else {
			p++;
		}
	}
	lx->pos = len;
	return lex_fail(lx, start, "/* comment",
			"block comments nest in PostgreSQL: each /* inside one needs its own */");
}

/* Skip whitespace and comments up to the next token or the end. */
static int skip_blank(struct lexer *lx)
{
	const char *s = lx->sql;
	size_t len = lx->len;

	while (lx->pos < len) {
		unsigned char c = (unsigned char)s[lx->pos];

		if (byte_class[c] & C_SPACE) {
			lx->pos++;
		} else if (c == '-' && lx->pos + 1 < len && s[lx->pos + 1] == '-') {
			size_t p = lx->pos + 2;

			while (p < len && s[p] != '\n' && s[p] != '\r')
				p++;
			lx->pos = p;
		} else if (c == '/' && lx->pos + 1 < len && s[lx->pos + 1] == '*') {
			int rc = skip_block_comment(lx);

			if (rc)
				return rc;
		} else {
			break;
		}
	}
	return 0;
}

/*
 * Scan a quoted run; lx->pos is at the opening `q`. A doubled `q` stands
 * for itself; with `backslash` a backslash escapes the next byte. Returns 0
 * past the closing quote, -1 at the end of the input.
 */
static int scan_quoted(struct lexer *lx, int q, int backslash)
{
	const char *s = lx->sql;
	size_t p = lx->pos + 1, len = lx->len;

	while (p < len) {
		if (!backslash) { /* the next quote is a candidate end */
			const char *e = memchr(s + p, q, len - p);

			if (!e)
				break;
			p = (size_t)(e - s);
		} else if (s[p] == '\\') {
			if (p + 1 >= len)
				break;
			p += 2;
			continue;
		} else if ((unsigned char)s[p] != q) {
			p++;
			continue;
		}
		/* s[p] is q */
		if (p + 1 < len && (unsigned char)s[p + 1] == q) {
			p += 2;
			continue;
		}
		lx->pos = p + 1;
		return 0;
	}
	lx->pos = len;
	return -1;
}

/* Length of the dollar-quote delimiter ($$ or $tag$) at lx->pos, or 0. */
static size_t dollar_delim(const struct lexer *lx)
{
	size_t i = 1;

	if (peek(lx, i) >= 0 && is_ident_start((unsigned char)peek(lx, i))) {
		/* a tag is identifier bytes without '$' */
		while (peek(lx, i) >= 0 && (is_ident_start((unsigned char)peek(lx, i)) ||
					    is_digit((unsigned char)peek(lx, i))))
			i++;
	}
	return peek(lx, i) == '$' ? i + 1 : 0;
}

/*
 * Scan a dollar-quoted string whose delimiter is the `n` bytes at lx->pos:
 * the body ends at the first copy of the delimiter (the same place
 * PostgreSQL's scanner ends it).
 */
static int scan_dollar(struct lexer *lx, size_t n)
{
	const char *delim = lx->sql + lx->pos, *d;
	size_t start = lx->pos, p = lx->pos + n;
	char what[96];

	while (lx->len - p >= n &&
	       (d = memchr(lx->sql + p, '$', lx->len - p - n + 1)) != NULL) {
		p = (size_t)(d - lx->sql);
		if (memcmp(d, delim, n) == 0) {
			lx->pos = p + n;
			return 0;
		}
		p++;
	}
	snprintf(what, sizeof(what), "dollar-quoted string %.*s",
		 (int)(n > 64 ? 64 : n), delim);
	lx->pos = lx->len;
	return lex_fail(lx, start, what,
			"close the body with the same delimiter it opens with");
}

static const char hint_string[] =
	"close it with '; a quote inside a string is written ''";
static const char hint_estring[] =
	"in an E'' string a backslash escapes the next character, so \\' does not end it: write \\\\ for a backslash";
static const char hint_ident[] =
	"close it with \"; a double quote inside an identifier is written \"\"";

/* A word, or a prefixed string: E'..' (escapes), B'..' X'..' N'..'. */
static int lex_word(struct lexer *lx, struct token *t)
{
	int c = peek(lx, 0);

	if (peek(lx, 1) == '\'' && strchr("eEbBxXnN", c)) {
		int esc = c == 'e' || c == 'E';

		lx->pos++;
		t->kind = TOK_QUOTED;
		if (scan_quoted(lx, '\'', esc))
			return lex_fail(lx, t->start, "quoted string",
					esc ? hint_estring : hint_string);
		return 0;
	}
	t->kind = TOK_WORD;
	lx->pos++;
	while (lx->pos < lx->len && is_ident_cont((unsigned char)lx->sql[lx->pos]))
		lx->pos++;
	return 0;
}

static void lex_number(struct lexer *lx)
{
	const char *s = lx->sql;
	size_t p = lx->pos + 1, len = lx->len;

	while (p < len) {
		unsigned char c = (unsigned char)s[p];

		if ((byte_class[c] & (C_DIGIT | C_IDENT_START)) || c == '.')
			p++;
		else if ((c == '+' || c == '-') && (s[p - 1] == 'e' || s[p - 1] == 'E') &&
			 p + 1 < len && is_digit((unsigned char)s[p + 1]))
			p++;
		else
			break;
	}
	lx->pos = p;
}

/* The token at lx->pos, not blank and not the end: all but plain words. */
static int lex_other(struct lexer *lx, struct token *t)
{
	int rc = 0, c = peek(lx, 0);
	size_t n;

	t->kind = TOK_CHAR;
	if (is_ident_start((unsigned char)c)) {
		rc = lex_word(lx, t);
	} else if (c == '\'') {
		t->kind = TOK_QUOTED;
		if (scan_quoted(lx, '\'', 0))
			return lex_fail(lx, t->start, "quoted string", hint_string);
	} else if (c == '"') {
		t->kind = TOK_QUOTED;
		if (scan_quoted(lx, '"', 0))
			return lex_fail(lx, t->start, "quoted identifier", hint_ident);
	} else if (c == '$' && peek(lx, 1) >= 0 && is_digit((unsigned char)peek(lx, 1))) {
		t->kind = TOK_PARAM;
		lx->pos++;
		while (lx->pos < lx->len && is_digit((unsigned char)peek(lx, 0)))
			lx->pos++;
	} else if (c == '$' && (n = dollar_delim(lx)) != 0) {
		t->kind = TOK_QUOTED;
		rc = scan_dollar(lx, n);
	} else if (is_digit((unsigned char)c) ||
		   (c == '.' && peek(lx, 1) >= 0 && is_digit((unsigned char)peek(lx, 1)))) {
		t->kind = TOK_NUMBER;
		lex_number(lx);
	} else {
		lx->pos++;
	}
	t->end = lx->pos;
	return rc;
}

/*
 * The next token, skipping whitespace and comments; TOK_EOF at the end.
 * Plain whitespace and plain words, most of what a file holds, are
 * scanned here; comments and every other token in the functions above.
 */
static inline int lex_next(struct lexer *lx, struct token *t)
{
	const char *s = lx->sql;
	size_t p = lx->pos, len = lx->len;
	unsigned char c;

	while (p < len && (byte_class[(unsigned char)s[p]] & C_SPACE))
		p++;
	lx->pos = p;
	if (p < len && (s[p] == '-' || s[p] == '/')) {
		int rc = skip_blank(lx);

		if (rc)
			return rc;
		p = lx->pos;
	}
	t->start = p;
	if (p >= len) {
		t->kind = TOK_EOF;
		t->end = p;
		return 0;
	}
	c = (unsigned char)s[p];
	if (byte_class[c] & C_CHAR) { /* ( ) , ; = and the like */
		lx->pos = t->end = p + 1;
		t->kind = TOK_CHAR;
		return 0;
	}
	if ((byte_class[c] & C_IDENT_START) && !(p + 1 < len && s[p + 1] == '\'')) {
		p++;
		while (p < len && (byte_class[(unsigned char)s[p]] & C_IDENT_CONT))
			p++;
		lx->pos = t->end = p;
		t->kind = TOK_WORD;
		return 0;
	}
	return lex_other(lx, t);
}

/*
 * Whether token `t` is the word `kw` (lower case, `n` bytes), ignoring
 * ASCII case. WORD_IS passes a literal's length.
 */
int sqllex_word_is_n(const char *sql, const struct token *t, const char *kw,
		     size_t n)
{
	size_t i;

	if (t->kind != TOK_WORD || t->end - t->start != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = sql[t->start + i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != kw[i])
			return 0;
	}
	return 1;
}

static int word_is(const char *sql, const struct token *t, const char *kw)
{
	return sqllex_word_is_n(sql, t, kw, strlen(kw));
}

int sqllex_word_in(const char *sql, const struct token *t,
		   const char *const *words)
{
	if (t->kind != TOK_WORD)
		return 0;
	for (; *words; words++)
		if (word_is(sql, t, *words))
			return 1;
	return 0;
}

static int char_is(const char *sql, const struct token *t, char c)
{
	return t->kind == TOK_CHAR && sql[t->start] == c;
}

/* Follow CREATE [OR REPLACE] [TEMP] [CONSTRAINT] FUNCTION|PROCEDURE|TRIGGER. */
static void track_head(struct splitter *sp, const struct token *t)
{
	static const char *const skip[] = {"or", "replace", "temp", "temporary",
					   "constraint", NULL};
	static const char *const routine[] = {"function", "procedure", NULL};
	const char *sql = sp->lx.sql;

	if (sp->head == HEAD_START)
		sp->head = WORD_IS(sql, t, "create") ? HEAD_CREATE : HEAD_OTHER;
	else if (sp->head != HEAD_CREATE || sqllex_word_in(sql, t, skip))
		return;
	else if (sqllex_word_in(sql, t, routine))
		sp->head = HEAD_ROUTINE;
	else if (WORD_IS(sql, t, "trigger"))
		sp->head = HEAD_TRIGGER;
	else
		sp->head = HEAD_OTHER;
}

/* Whether a BEGIN at the top of this statement opens a routine body. */
static int opens_body(const struct splitter *sp)
{
	static const char *const dml[] = {"insert", "update", "delete", "select",
					  "replace", "with", "values", NULL};
	struct lexer ahead = sp->lx;
	struct token t;

	ahead.err = NULL;
	if (lex_next(&ahead, &t))
		return 0;
	if (sp->head == HEAD_ROUTINE)
		return WORD_IS(sp->lx.sql, &t, "atomic");
	return sp->head == HEAD_TRIGGER && sqllex_word_in(sp->lx.sql, &t, dml);
}

/* Update parenthesis depth and routine-body nesting for token `t`. */
static void track(struct splitter *sp, const struct token *t)
{
	const char *sql = sp->lx.sql;

	/* No routine or trigger (that is for good: the head is known) and
	 * no body (none can open): only parentheses count, and `prev` is
	 * never looked at again in this statement. Most statements. */
	if (sp->head == HEAD_OTHER && !sp->body) {
		if (char_is(sql, t, '('))
			sp->depth++;
		else if (char_is(sql, t, ')') && sp->depth)
			sp->depth--;
		return;
	}
	if (sp->head == HEAD_START || sp->head == HEAD_CREATE)
		track_head(sp, t);
	if (char_is(sql, t, '(')) {
		sp->depth++;
	} else if (char_is(sql, t, ')')) {
		if (sp->depth)
			sp->depth--;
	} else if (t->kind == TOK_WORD && !sp->depth &&
		   (sp->body || sp->head == HEAD_ROUTINE || sp->head == HEAD_TRIGGER) &&
		   /* a word after '.' or AS is a name */
		   !char_is(sql, &sp->prev, '.') && !WORD_IS(sql, &sp->prev, "as")) {
		if (sp->body) {
			if (WORD_IS(sql, t, "case"))
				sp->body++;
			else if (WORD_IS(sql, t, "end"))
				sp->body--;
		} else if (WORD_IS(sql, t, "begin") && opens_body(sp)) {
			sp->body = 1;
		}
	}
	sp->prev = *t;
}

static void splitter_init(struct splitter *sp, const char *file,
			  const char *sql, size_t len, migc_error *err)
{
	memset(sp, 0, sizeof(*sp));
	sp->lx.sql = sql;
	sp->lx.len = sql ? len : 0;
	sp->lx.line = 1;
	sp->lx.line_pos = 0;
	sp->lx.file = file;
	sp->lx.err = err;
}

/*
 * The next statement into *st: returns 1 when there is one, 0 at the end,
 * or a negative error code from the lexer.
 */
static int split_next(struct splitter *sp, migc_sql_stmt *st)
{
	struct token t;
	int have = 0;

	sp->depth = sp->body = 0;
	sp->head = HEAD_START;
	sp->prev.kind = TOK_EOF;
	for (;;) {
		int rc = lex_next(&sp->lx, &t);

		if (rc)
			return rc;
		if (t.kind == TOK_EOF)
			return have;
		if (char_is(sp->lx.sql, &t, ';') && !sp->depth && !sp->body) {
			if (have)
				return 1;
			continue; /* an empty statement */
		}
		if (!have) {
			st->start = t.start;
			st->line = sp->no_lines ? 0 : line_at(&sp->lx, t.start);
			have = 1;
		}
		st->len = t.end - st->start;
		track(sp, &t);
	}
}

int migc_sql_split(migc_sql_stmt **out, size_t *count, const char *file,
		   const char *sql, size_t len, migc_error *err)
{
	struct splitter sp;
	migc_sql_stmt st, *v = NULL, *grown;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*count = 0;
	splitter_init(&sp, file, sql, len, err);
	while ((rc = split_next(&sp, &st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = cap <= (size_t)-1 / sizeof(*v) ?
					realloc(v, cap * sizeof(*v)) : NULL;
			if (!grown) {
				free(v);
				return migc_err(err, MIGC_ENOMEM,
						"out of memory splitting %s into statements",
						file ? file : "sql");
			}
			v = grown;
		}
		v[n++] = st;
	}
	if (rc < 0) {
		free(v);
		return rc;
	}
	*out = v;
	*count = n;
	return 0;
}

/* The lexer for sqllex_txn.c (sqllex_impl.h). */
int sqllex_next(struct lexer *lx, struct token *t)
{
	return lex_next(lx, t);
}

int sqllex_line_at(struct lexer *lx, size_t pos)
{
	return line_at(lx, pos);
}

void sqllex_splitter_init(struct splitter *sp, const char *file,
			  const char *sql, size_t len, migc_error *err)
{
	splitter_init(sp, file, sql, len, err);
}

int sqllex_split_next(struct splitter *sp, migc_sql_stmt *st)
{
	return split_next(sp, st);
}

int migc_sql_line_at(const char *sql, size_t len, size_t stmt_start,
		     long char_pos)
{
	size_t off = stmt_start, i;
	long n;
	int line = 1;

	if (!sql || stmt_start > len || char_pos < 1)
		return 0;
	for (n = 1; n < char_pos && off < len; n++) {
		off++;
		while (off < len && ((unsigned char)sql[off] & 0xc0) == 0x80)
			off++;
	}
	if (off >= len && len > 0)
		off = len - 1;
	for (i = 0; i < off; i++)
		if (sql[i] == '\n' && line < 0x7fffffff)
			line++;
	return line;
}
