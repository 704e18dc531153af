/*
 * sqllex.h - a PostgreSQL-dialect SQL lexer for migration files: split a
 * file into statements, find top-level transaction control, and map an
 * error position that PostgreSQL reports back to a line of the file.
 *
 * Internal to libmigc (not installed). The compiler uses it to refuse
 * BEGIN/COMMIT in a transactional migration at build time; the runtime uses
 * it to run a `-- migc:no-transaction` migration on PostgreSQL one
 * statement at a time (CREATE INDEX CONCURRENTLY refuses to run inside a
 * multi-statement query string) and to say which line an error is on.
 *
 * The lexer follows PostgreSQL's own scanner with
 * standard_conforming_strings on: '' strings with '' doubling and no
 * backslash escapes; E'' strings with backslash escapes; B'' X'' N'' U&'';
 * $$ and $tag$ dollar quotes ($1 is a parameter); "" identifiers; -- and
 * nesting block comments. A semicolon ends a statement only at the top
 * level: not inside any of those, not inside parentheses (CREATE RULE ...
 * DO ALSO (a; b)), and not inside a `BEGIN ATOMIC ... END` body of CREATE
 * FUNCTION/PROCEDURE or a SQLite `CREATE TRIGGER ... BEGIN ... END` body
 * (CASE ... END inside such a body is counted). See sqllex.c for the exact
 * rules and what is not supported (psql meta-commands, COPY FROM STDIN
 * data, SQLite's `ident` and [ident] quoting).
 *
 * `sql` is any bytes; it need not be NUL-terminated and is never read at or
 * past `len`. Lines are 1-based and counted by '\n' (so CRLF works).
 */
#ifndef MIGC_SQLLEX_H
#define MIGC_SQLLEX_H

#include <stddef.h>
#include <stdint.h>

#include "migc.h"

/*
 * One statement: bytes sql[start, start + len) run from its first token to
 * the end of its last one, so whitespace and comments around it and the
 * terminating ';' are not part of it (comments inside it are). It is what
 * to send to the server. `line` is the line of its first token.
 */
typedef struct migc_sql_stmt {
	size_t start;
	size_t len; /* never 0 */
	int line;
} migc_sql_stmt;

/*
 * Split sql[0..len) into statements, in order. Pieces that hold only
 * whitespace and comments (`;;`, a file of comments) are not statements; a
 * last statement needs no ';'. On success *out is a malloc'd array of
 * *count statements (NULL when *count is 0) that the caller frees.
 *
 * Errors: MIGC_EINVALID for an unterminated quoted string, quoted
 * identifier, dollar quote or block comment, with the message
 * "<file>:<line>: unterminated ..." naming the line where it begins, that
 * line in err->line and a hint; MIGC_ENOMEM. On error *out is NULL and
 * *count 0. `file` names the file in messages (NULL: "sql").
 */
int migc_sql_split(migc_sql_stmt **out, size_t *count, const char *file,
		   const char *sql, size_t len, migc_error *err);

/*
 * Refuse top-level transaction control in a migration that migc runs in a
 * transaction of its own: a statement that starts with BEGIN, START
 * TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE,
 * ROLLBACK TO, PREPARE TRANSACTION, COMMIT PREPARED or ROLLBACK PREPARED.
 * Savepoints are refused too: a migration is already all-or-nothing, and a
 * file that needs its own transaction structure should say
 * `-- migc:no-transaction`.
 *
 * Words inside strings, identifiers, comments and function bodies ($$ ...
 * BEGIN ... END $$, BEGIN ATOMIC ... END) and the END of CASE are not
 * statements and are never flagged.
 *
 * Returns 0 when there is none. Otherwise MIGC_EINVALID for whichever
 * comes first in the file: a transaction-control statement, with
 * "<file>:<line>: top-level COMMIT in a transactional migration: ..." (the
 * line of its first word) and a hint to remove it or to use
 * `-- migc:no-transaction`; or a lexing error, as migc_sql_split() reports
 * it. Never MIGC_ENOMEM: nothing is allocated.
 */
int migc_sql_check_transaction_control(const char *file, const char *sql,
				       size_t len, migc_error *err);

/*
 * The same check for a file that the lexer may not be able to read (SQLite's
 * [ident] quoting, say): a lexing error anywhere in it, even after a
 * transaction-control statement, makes it pass (returns 0) and leaves it to
 * the database to judge. Otherwise as migc_sql_check_transaction_control().
 * What the build runs on every migration: most files are decided without
 * lexing them (see struct migc_sql_scan), the others in one lexer pass.
 */
int migc_sql_check_transaction_control_lexable(const char *file,
						const char *sql, size_t len,
						migc_error *err);

/*
 * What the build's pass over a file (below) saw, for a later pass that
 * looks only at statements starting with given words (the compiler's lint)
 * and would otherwise scan the file again:
 *  - `lexable`: 1 when the whole file lexed (migc_sql_split() would
 *    succeed), 0 when it did not, -1 when it was not lexed: a quick look at
 *    the token after every ';' proved that no statement is transaction
 *    control (sqllex_txn.c), which is most files;
 *  - `leads`: a 64-bit Bloom filter of how statements start: for every
 *    statement of 3 bytes or more, the bit migc_sql_lead_bit() of its first
 *    3 bytes (with lexable -1, also those of tokens that only look like a
 *    statement's start: after a ';' in a string, say). A statement starting
 *    with a word of 3 letters or more sets that word's prefix bit, so a
 *    clear bit proves that no statement starts with any word of that prefix
 *    (a set bit proves nothing).
 */
struct migc_sql_scan {
	int lexable;
	uint64_t leads;
};

/* The bit of `p[0..3)` (ASCII letters folded to lower case) in `leads`. */
uint64_t migc_sql_lead_bit(const char *p);

/*
 * migc_sql_check_transaction_control_lexable() that also fills *scan (the
 * same single pass). *scan is meaningful only when this returns 0.
 */
int migc_sql_check_transaction_control_scan(const char *file, const char *sql,
					    size_t len,
					    struct migc_sql_scan *scan,
					    migc_error *err);

/*
 * Map a position that PostgreSQL reports for a statement (the error field
 * PG_DIAG_STATEMENT_POSITION: 1-based, counting characters, not bytes, of
 * the text that was sent) to a 1-based line of the file, given the byte
 * offset in `sql` where the text sent begins (a migc_sql_stmt's start, or 0
 * when the whole file was sent). Characters are UTF-8 sequences (a stray
 * continuation byte belongs to the character before it). A position past
 * the end maps to the last line. Returns 0 when there is nothing to map:
 * char_pos < 1, stmt_start > len, or sql NULL.
 */
int migc_sql_line_at(const char *sql, size_t len, size_t stmt_start,
		     long char_pos);

#endif /* MIGC_SQLLEX_H */
