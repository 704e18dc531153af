/*
 * sqllex.c - a PostgreSQL-dialect SQL lexer: statement splitting, top-level
 * transaction control, error position to line. See sqllex.h.
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
 * 1 + the number of '\n' in sql[0, lexer.pos) once a token is complete; a
 * statement starts at a token's first byte and ends at a token's last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqllex.h"
#include "util.h"

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
	int line;
};

struct lexer {
	const char *sql;
	size_t len, pos;
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
};

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

/* The byte `ahead` places past the current one, or -1 past the end. */
static int peek(const struct lexer *lx, size_t ahead)
{
	if (ahead >= lx->len - lx->pos)
		return -1;
	return (unsigned char)lx->sql[lx->pos + ahead];
}

static void newline(struct lexer *lx)
{
	if (lx->line < 0x7fffffff)
		lx->line++;
}

static int lex_fail(struct lexer *lx, int line, const char *what,
		    const char *hint)
{
	const char *file = lx->file ? lx->file : "sql";

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
	int line = lx->line;
	size_t depth = 1;

	lx->pos += 2;
	while (lx->pos < lx->len) {
		int c = peek(lx, 0), next = peek(lx, 1);

		if (c == '/' && next == '*') {
			depth++;
			lx->pos += 2;
		} else if (c == '*' && next == '/') {
			lx->pos += 2;
			if (--depth == 0)
				return 0;
		} else {
			if (c == '\n')
				newline(lx);
			lx->pos++;
		}
	}
	return lex_fail(lx, line, "/* comment",
			"block comments nest in PostgreSQL: each /* inside one needs its own */");
}

/* Skip whitespace and comments up to the next token or the end. */
static int skip_blank(struct lexer *lx)
{
	while (lx->pos < lx->len) {
		int c = peek(lx, 0);

		if (c == '\n') {
			newline(lx);
			lx->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
			   c == '\v') {
			lx->pos++;
		} else if (c == '-' && peek(lx, 1) == '-') {
			while (lx->pos < lx->len && peek(lx, 0) != '\n' &&
			       peek(lx, 0) != '\r')
				lx->pos++;
		} else if (c == '/' && peek(lx, 1) == '*') {
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
	lx->pos++;
	while (lx->pos < lx->len) {
		int c = peek(lx, 0);

		if (c == '\\' && backslash) {
			if (peek(lx, 1) < 0)
				break;
			if (peek(lx, 1) == '\n')
				newline(lx);
			lx->pos += 2;
			continue;
		}
		if (c == q) {
			if (peek(lx, 1) == q) {
				lx->pos += 2;
				continue;
			}
			lx->pos++;
			return 0;
		}
		if (c == '\n')
			newline(lx);
		lx->pos++;
	}
	lx->pos = lx->len;
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
	const char *delim = lx->sql + lx->pos;
	int line = lx->line;
	char what[96];
	size_t p;

	for (p = lx->pos + n; lx->len - p >= n; p++) {
		if (lx->sql[p] == '$' && memcmp(lx->sql + p, delim, n) == 0) {
			lx->pos = p + n;
			return 0;
		}
		if (lx->sql[p] == '\n')
			newline(lx);
	}
	snprintf(what, sizeof(what), "dollar-quoted string %.*s",
		 (int)(n > 64 ? 64 : n), delim);
	lx->pos = lx->len;
	return lex_fail(lx, line, what,
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
			return lex_fail(lx, t->line, "quoted string",
					esc ? hint_estring : hint_string);
		return 0;
	}
	t->kind = TOK_WORD;
	while (lx->pos < lx->len && is_ident_cont((unsigned char)peek(lx, 0)))
		lx->pos++;
	return 0;
}

static void lex_number(struct lexer *lx)
{
	lx->pos++;
	while (lx->pos < lx->len) {
		int c = peek(lx, 0), prev = (unsigned char)lx->sql[lx->pos - 1];

		if (is_digit((unsigned char)c) || c == '.' || is_ident_start((unsigned char)c))
			lx->pos++;
		else if ((c == '+' || c == '-') && (prev == 'e' || prev == 'E') &&
			 peek(lx, 1) >= 0 && is_digit((unsigned char)peek(lx, 1)))
			lx->pos++;
		else
			break;
	}
}

/* The next token, skipping whitespace and comments; TOK_EOF at the end. */
static int lex_next(struct lexer *lx, struct token *t)
{
	int rc = skip_blank(lx), c;
	size_t n;

	if (rc)
		return rc;
	t->start = lx->pos;
	t->line = lx->line;
	t->kind = TOK_CHAR;
	c = peek(lx, 0);
	if (c < 0) {
		t->kind = TOK_EOF;
	} else if (c == '\'') {
		t->kind = TOK_QUOTED;
		if (scan_quoted(lx, '\'', 0))
			return lex_fail(lx, t->line, "quoted string", hint_string);
	} else if (c == '"') {
		t->kind = TOK_QUOTED;
		if (scan_quoted(lx, '"', 0))
			return lex_fail(lx, t->line, "quoted identifier", hint_ident);
	} else if (c == '$' && peek(lx, 1) >= 0 && is_digit((unsigned char)peek(lx, 1))) {
		t->kind = TOK_PARAM;
		lx->pos++;
		while (lx->pos < lx->len && is_digit((unsigned char)peek(lx, 0)))
			lx->pos++;
	} else if (c == '$' && (n = dollar_delim(lx)) != 0) {
		t->kind = TOK_QUOTED;
		rc = scan_dollar(lx, n);
	} else if (is_ident_start((unsigned char)c)) {
		rc = lex_word(lx, t);
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

/* Whether token `t` is the word `kw` (lower case), ignoring ASCII case. */
static int word_is(const char *sql, const struct token *t, const char *kw)
{
	size_t i, n = strlen(kw);

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

static int word_in(const char *sql, const struct token *t,
		   const char *const *words)
{
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
		sp->head = word_is(sql, t, "create") ? HEAD_CREATE : HEAD_OTHER;
	else if (sp->head != HEAD_CREATE || word_in(sql, t, skip))
		return;
	else if (word_in(sql, t, routine))
		sp->head = HEAD_ROUTINE;
	else if (word_is(sql, t, "trigger"))
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
		return word_is(sp->lx.sql, &t, "atomic");
	return sp->head == HEAD_TRIGGER && word_in(sp->lx.sql, &t, dml);
}

/* Update parenthesis depth and routine-body nesting for token `t`. */
static void track(struct splitter *sp, const struct token *t)
{
	const char *sql = sp->lx.sql;
	int is_name = char_is(sql, &sp->prev, '.') || word_is(sql, &sp->prev, "as");

	if (sp->head == HEAD_START || sp->head == HEAD_CREATE)
		track_head(sp, t);
	if (char_is(sql, t, '(')) {
		sp->depth++;
	} else if (char_is(sql, t, ')')) {
		if (sp->depth)
			sp->depth--;
	} else if (t->kind == TOK_WORD && !is_name && !sp->depth) {
		if (sp->body) {
			if (word_is(sql, t, "case"))
				sp->body++;
			else if (word_is(sql, t, "end"))
				sp->body--;
		} else if (word_is(sql, t, "begin") &&
			   (sp->head == HEAD_ROUTINE || sp->head == HEAD_TRIGGER) &&
			   opens_body(sp)) {
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
			st->line = t.line;
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

/* Why each kind of transaction control breaks a transactional migration. */
static const char why_begin[] =
	"migc already runs the file in a transaction of its own, and the COMMIT that goes with this would end it early";
static const char why_commit[] =
	"it would commit migc's transaction early, so the statements after it and the history row would not be atomic with the ones before";
static const char why_rollback[] =
	"it would roll back migc's transaction, including the statements before it";
static const char why_savepoint[] =
	"savepoints are transaction control too, and a migration is already all-or-nothing: any error rolls the whole file back";
static const char why_2pc[] =
	"two-phase commit cannot run inside migc's transaction";

/*
 * If statement `st` is transaction control, return how to call it and set
 * *why; otherwise NULL. Looks at its first three tokens.
 */
static const char *txn_control(const char *sql, const migc_sql_stmt *st,
			       const char **why)
{
	static const char *const work[] = {"work", "transaction", NULL};
	struct lexer lx = {sql, st->start + st->len, st->start, st->line, NULL, NULL};
	struct token w[3];
	size_t i;

	for (i = 0; i < 3; i++)
		if (lex_next(&lx, &w[i]))
			w[i].kind = TOK_EOF;
	*why = why_2pc;
	if (word_is(sql, &w[0], "commit") && word_is(sql, &w[1], "prepared"))
		return "COMMIT PREPARED";
	if (word_is(sql, &w[0], "rollback") && word_is(sql, &w[1], "prepared"))
		return "ROLLBACK PREPARED";
	if (word_is(sql, &w[0], "prepare") && word_is(sql, &w[1], "transaction") &&
	    w[2].kind == TOK_QUOTED)
		return "PREPARE TRANSACTION";
	*why = why_savepoint;
	if (word_is(sql, &w[0], "rollback") &&
	    (word_is(sql, &w[1], "to") ||
	     (word_in(sql, &w[1], work) && word_is(sql, &w[2], "to"))))
		return "ROLLBACK TO SAVEPOINT";
	if (word_is(sql, &w[0], "savepoint"))
		return "SAVEPOINT";
	if (word_is(sql, &w[0], "release"))
		return "RELEASE SAVEPOINT";
	*why = why_begin;
	if (word_is(sql, &w[0], "begin"))
		return "BEGIN";
	if (word_is(sql, &w[0], "start") && word_is(sql, &w[1], "transaction"))
		return "START TRANSACTION";
	*why = why_commit;
	if (word_is(sql, &w[0], "commit"))
		return "COMMIT";
	if (word_is(sql, &w[0], "end"))
		return "END";
	*why = why_rollback;
	if (word_is(sql, &w[0], "rollback"))
		return "ROLLBACK";
	if (word_is(sql, &w[0], "abort"))
		return "ABORT";
	return NULL;
}

int migc_sql_check_transaction_control(const char *file, const char *sql,
				       size_t len, migc_error *err)
{
	struct splitter sp;
	migc_sql_stmt st;
	int rc;

	if (!file)
		file = "sql";
	splitter_init(&sp, file, sql, len, err);
	while ((rc = split_next(&sp, &st)) == 1) {
		const char *why, *what = txn_control(sql, &st, &why);

		if (!what)
			continue;
		migc_err(err, MIGC_EINVALID,
			 "%s:%d: top-level %s in a transactional migration: %s",
			 file, st.line, what, why);
		migc_err_where(err, file, st.line);
		migc_err_hint(err,
			      "remove it; or, if the file manages its own transactions, put -- migc:no-transaction in its leading comments");
		return MIGC_EINVALID;
	}
	return rc;
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
