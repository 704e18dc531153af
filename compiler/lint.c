/*
 * lint.c - the rules of the rolling-deploy lint. See lint.h.
 *
 * During a rolling deploy the old code keeps serving while a pre-deploy
 * migration runs, and the new code serves while a post-deploy one runs. A
 * rule fires on a statement that breaks one of them, or that holds a lock
 * blocking their queries for as long as it takes to rewrite or scan a
 * table. Each finding says what breaks and the safe alternative.
 *
 * Statements come from the library's lexer (migc_sql_split) and are
 * matched by their leading keywords with lint_tok.h, which never takes a
 * word inside a string, a comment, a dollar-quoted body or a quoted
 * identifier for a keyword. Statements inside function bodies and DO
 * blocks are not looked at (they are strings).
 *
 * Tables created earlier in the same file are new: no deployed code uses
 * them and nothing waits on them, so no rule fires on them (compared by
 * their last name part, case-folded as PostgreSQL folds).
 *
 * The lock timeout a statement runs with is followed through the file: the
 * file's `-- migc:lock-timeout`, else migc's default (--db-lock-timeout,
 * 5 s unless the deploy changes it: the compiler cannot know, and assumes
 * it is on), then any `SET [LOCAL] lock_timeout` or `RESET lock_timeout`
 * (which returns to the server's default, 0 unless configured).
 *
 * This file walks a file's statements and holds the rules for everything
 * but ALTER TABLE (lint_alter.c), and the helpers both share
 * (lint_rules.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_rules.h"
#include "sqllex.h"

/*
 * Rules that mean nothing on SQLite (no such syntax, locks or rewrites).
 * needs-no-transaction stays: SQLite refuses VACUUM in a transaction too.
 */
int lint_rule_postgres_only(int rule)
{
	return rule != MIGC_LINT_DROP_COLUMN && rule != MIGC_LINT_RENAME_COLUMN &&
	       rule != MIGC_LINT_DROP_TABLE && rule != MIGC_LINT_RENAME_TABLE &&
	       rule != MIGC_LINT_ADD_NOT_NULL && rule != MIGC_LINT_NEEDS_NO_TRANSACTION;
}

int lint_finding(struct lint_ctx *c, int rule, const char *hint,
		 const char *fmt, ...)
{
	struct lint_finding f;
	char message[640];
	va_list ap;

	if (c->d.lint_allow & (1u << rule))
		return 0;
	if (c->dialect == LINT_SQLITE && lint_rule_postgres_only(rule))
		return 0;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	f.file = c->file;
	f.line = c->line;
	f.rule = rule;
	f.message = message;
	f.suggestion = hint;
	return c->report(c->report_ctx, &f);
}

/* ------------------------------------------------------------------ */
/* names                                                               */
/* ------------------------------------------------------------------ */

/* Append bytes to q->shown, printable, cut at a UTF-8 boundary. */
static void show_append(struct qname *q, const char *p, size_t len)
{
	size_t n = strlen(q->shown), room = sizeof(q->shown) - 4, i;

	for (i = 0; i < len && n < room; i++)
		q->shown[n++] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
	if (i < len) {
		while (n && ((unsigned char)q->shown[n - 1] & 0xc0) == 0x80)
			n--;
		if (n && (unsigned char)q->shown[n - 1] >= 0xc0)
			n--;
		memcpy(q->shown + n, "...", 3);
		n += 3;
	}
	q->shown[n] = '\0';
}

/* Read a possibly qualified name (a.b.c); 0 when the next token is none. */
int lint_read_name(struct ltok_iter *it, struct qname *q)
{
	struct ltok last, dot, t;
	const char *start;

	q->shown[0] = q->folded[0] = '\0';
	ltok_next(it, &last);
	if (!ltok_is_name(&last))
		return 0;
	start = last.p;
	for (;;) {
		struct ltok_iter save = *it;

		ltok_fold(&last, q->folded, sizeof(q->folded));
		ltok_next(it, &dot);
		if (!ltok_punct(&dot, '.') || ltok_next(it, &t) == LTOK_END || !ltok_is_name(&t)) {
			*it = save;
			break;
		}
		last = t;
	}
	show_append(q, start, (size_t)(last.p + last.len - start));
	return 1;
}

/* Accept IF EXISTS (IF alone may be a name). */
void lint_accept_if_exists(struct ltok_iter *it)
{
	struct ltok_iter save = *it;

	if (!ltok_accept(it, "if") || !ltok_accept(it, "exists"))
		*it = save;
}

void lint_accept_if_not_exists(struct ltok_iter *it)
{
	struct ltok_iter save = *it;

	if (!ltok_accept(it, "if") || !ltok_accept(it, "not") || !ltok_accept(it, "exists"))
		*it = save;
}

int lint_is_created(const struct lint_ctx *c, const struct qname *q)
{
	size_t i;

	for (i = 0; i < c->ncreated; i++)
		if (!strcmp(c->created[i], q->folded))
			return 1;
	return 0;
}

int lint_add_created(struct lint_ctx *c, const struct qname *q)
{
	char *name;

	if (lint_is_created(c, q))
		return 0;
	if (c->ncreated == c->capcreated) {
		size_t cap = c->capcreated ? c->capcreated * 2 : 8;
		char **p = realloc(c->created, cap * sizeof(*p));

		if (!p)
			return migc_err(c->err, MIGC_ENOMEM, "out of memory");
		c->created = p;
		c->capcreated = cap;
	}
	name = migc_strdup(q->folded);
	if (!name)
		return migc_err(c->err, MIGC_ENOMEM, "out of memory");
	c->created[c->ncreated++] = name;
	return 0;
}

/* If the next token is the punctuation `ch`, consume it and return 1. */
int lint_accept_punct(struct ltok_iter *it, char ch)
{
	struct ltok t;

	if (ltok_peek(it, &t) != LTOK_PUNCT || !ltok_punct(&t, ch))
		return 0;
	ltok_next(it, &t);
	return 1;
}

/*
 * Read a comma-separated list of table names (DROP TABLE a, b; TRUNCATE
 * ONLY a *, b) into *first: the first one not created in this file. 0 when
 * every one of them is new. Stops before the first token after the list.
 */
static int read_old_tables(const struct lint_ctx *c, struct ltok_iter *it,
			   struct qname *first)
{
	struct qname q;
	int found = 0;

	do {
		ltok_accept(it, "only");
		if (!lint_read_name(it, &q))
			break;
		if (!found && !lint_is_created(c, &q)) {
			*first = q;
			found = 1;
		}
		lint_accept_punct(it, '*');
	} while (lint_accept_punct(it, ','));
	return found;
}

/* ------------------------------------------------------------------ */
/* locks                                                               */
/* ------------------------------------------------------------------ */

static const char hint_lock[] =
	"keep a lock timeout: without -- migc:lock-timeout 0 (or the SET/RESET of "
	"lock_timeout) migc sets it to --db-lock-timeout (5 s by default) for every "
	"migration and retries when it runs out; or give a short one with "
	"-- migc:lock-timeout 5s";

/* `what` on `table` waits for a strong lock: fine unless there is no timeout. */
int lint_lock_check(struct lint_ctx *c, const char *what, const struct qname *table)
{
	if (!c->lock_unlimited)
		return 0;
	return lint_finding(c, MIGC_LINT_LOCK_TIMEOUT, hint_lock,
			    "%s%s%s waits for an exclusive lock with no lock timeout (%s): while a "
			    "long query holds the table, every other query on it queues behind this "
			    "statement", what, table ? " " : "", table ? table->shown : "", c->lock_why);
}

/* 1 when a SET value (0, '0', '0s', '0ms', 0.0) is zero. */
static int value_is_zero(const struct ltok *t)
{
	size_t i = 0, digits = 0;
	const char *p = t->p;
	size_t len = t->len;

	if (t->kind == LTOK_STRING && len >= 2 && p[0] == '\'') {
		p++;
		len -= 2;
	} else if (t->kind != LTOK_NUMBER) {
		return 0;
	}
	while (i < len && p[i] == ' ')
		i++;
	for (; i < len && (p[i] == '0' || p[i] == '.'); i++)
		digits += p[i] == '0';
	return digits && (i == len || !(p[i] >= '1' && p[i] <= '9'));
}

/* SET [SESSION|LOCAL] lock_timeout {TO|=} value|DEFAULT */
static int set_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct ltok t;
	char name[32];

	if (!ltok_accept(it, "session"))
		ltok_accept(it, "local");
	ltok_next(it, &t);
	ltok_fold(&t, name, sizeof(name));
	if (!ltok_is_name(&t) || strcmp(name, "lock_timeout") != 0)
		return 0;
	ltok_next(it, &t);
	if (!ltok_is(&t, "to") && !ltok_punct(&t, '='))
		return 0;
	ltok_next(it, &t);
	c->lock_unlimited = ltok_is(&t, "default") || value_is_zero(&t);
	snprintf(c->lock_why, sizeof(c->lock_why), "SET lock_timeout on line %d", c->line);
	return 0;
}

/* RESET lock_timeout / RESET ALL: back to the server's default (0 unless set). */
static int reset_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct ltok t;
	char name[32];

	ltok_next(it, &t);
	ltok_fold(&t, name, sizeof(name));
	if (!ltok_is(&t, "all") && (!ltok_is_name(&t) || strcmp(name, "lock_timeout") != 0))
		return 0;
	c->lock_unlimited = 1;
	snprintf(c->lock_why, sizeof(c->lock_why),
		 "RESET on line %d: the server's default, 0 unless configured", c->line);
	return 0;
}

/* LOCK [TABLE] [ONLY] name [, ...] [IN mode MODE] [NOWAIT] */
static int lock_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname table;
	struct ltok t;
	int in_mode = 0, access = 0, exclusive = 0;

	ltok_accept(it, "table");
	if (!read_old_tables(c, it, &table))
		return 0;
	while (ltok_next(it, &t) != LTOK_END) {
		if (ltok_is(&t, "nowait"))
			return 0;
		if (ltok_is(&t, "in"))
			in_mode = 1;
		access |= in_mode && ltok_is(&t, "access");
		exclusive |= in_mode && ltok_is(&t, "exclusive");
	}
	if (in_mode && !(access && exclusive))
		return 0;
	return lint_lock_check(c, "LOCK TABLE", &table);
}

/* ------------------------------------------------------------------ */
/* CREATE, DROP, TRUNCATE, maintenance                                 */
/* ------------------------------------------------------------------ */

static const char hint_index[] =
	"CREATE INDEX CONCURRENTLY in a migration of its own with -- migc:no-transaction: "
	"it does not block writes (if it fails it leaves an INVALID index to drop first)";
static const char hint_index_no_tx[] =
	"write CREATE INDEX CONCURRENTLY: this file already runs outside a transaction "
	"(-- migc:no-transaction); it does not block writes (if it fails it leaves an "
	"INVALID index to drop first)";
static const char hint_no_tx[] =
	"add -- migc:no-transaction to the comment block at the top of the file (migc then "
	"runs it statement by statement, outside a transaction)";
static const char hint_drop_table[] =
	"stop using the table in the code first, then drop it in a post-deploy migration "
	"(-- migc:phase post); or, if no deployed code uses it, add -- migc:allow drop-table";
static const char hint_truncate[] =
	"if the data must really go now, add -- migc:allow truncate; to empty a table the "
	"code still uses without blocking it, DELETE in batches";

/* A statement PostgreSQL refuses inside a transaction block. */
static int needs_no_transaction(struct lint_ctx *c, const char *what)
{
	if (c->d.flags & MIGC_FLAG_NO_TRANSACTION)
		return 0;
	return lint_finding(c, MIGC_LINT_NEEDS_NO_TRANSACTION, hint_no_tx,
			    "%s cannot run inside a transaction block, and migc runs this migration "
			    "in one: it fails on deploy", what);
}

/* CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t */
static int create_index(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname table;
	struct ltok t;
	int concurrently = ltok_accept(it, "concurrently");

	while (ltok_next(it, &t) != LTOK_END && !(t.depth == 0 && ltok_is(&t, "on")))
		;
	if (t.kind == LTOK_END)
		return 0;
	ltok_accept(it, "only");
	if (!lint_read_name(it, &table))
		return 0;
	if (concurrently)
		return needs_no_transaction(c, "CREATE INDEX CONCURRENTLY");
	if (lint_is_created(c, &table))
		return 0;
	return lint_finding(c, MIGC_LINT_CREATE_INDEX,
			    c->d.flags & MIGC_FLAG_NO_TRANSACTION ? hint_index_no_tx : hint_index,
			    "creates an index on %s without CONCURRENTLY: every write to the table "
			    "waits until the index is built", table.shown);
}

/* CREATE [GLOBAL|LOCAL] [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] t, or INDEX */
static int create_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname table;

	if (ltok_accept(it, "unique"))
		return ltok_accept(it, "index") ? create_index(c, it) : 0;
	if (ltok_accept(it, "index"))
		return create_index(c, it);
	if (!ltok_accept(it, "global"))
		ltok_accept(it, "local");
	if (!ltok_accept(it, "temp") && !ltok_accept(it, "temporary") &&
	    !ltok_accept(it, "unlogged"))
		ltok_accept(it, "virtual");
	if (!ltok_accept(it, "table"))
		return 0;
	lint_accept_if_not_exists(it);
	return lint_read_name(it, &table) ? lint_add_created(c, &table) : 0;
}

/* DROP TABLE [IF EXISTS] t [, ...] / DROP INDEX [CONCURRENTLY] ... */
static int drop_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname table;
	int rc = 0;

	if (ltok_accept(it, "index")) {
		if (ltok_accept(it, "concurrently"))
			return needs_no_transaction(c, "DROP INDEX CONCURRENTLY");
		lint_accept_if_exists(it);
		return lint_read_name(it, &table) ? lint_lock_check(c, "DROP INDEX", &table) : 0;
	}
	if (!ltok_accept(it, "table"))
		return 0;
	lint_accept_if_exists(it);
	if (!read_old_tables(c, it, &table))
		return 0;
	if (!(c->d.flags & MIGC_FLAG_PHASE_POST))
		rc = lint_finding(c, MIGC_LINT_DROP_TABLE, hint_drop_table,
				  "drops table %s in a pre-deploy migration: the old code, still running "
				  "until the deploy is over, fails on every query that uses it", table.shown);
	return rc ? rc : lint_lock_check(c, "DROP TABLE", &table);
}

/* TRUNCATE [TABLE] [ONLY] t [*] [, ...] */
static int truncate_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname table;
	int rc;

	ltok_accept(it, "table");
	if (!read_old_tables(c, it, &table))
		return 0;
	rc = lint_finding(c, MIGC_LINT_TRUNCATE, hint_truncate,
			  "truncates %s: every row goes while running code still uses the table, "
			  "under an ACCESS EXCLUSIVE lock", table.shown);
	return rc ? rc : lint_lock_check(c, "TRUNCATE", &table);
}

/* REINDEX [(options)] INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] n */
static int reindex_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname name;
	struct ltok t;

	ltok_next(it, &t);
	if (ltok_punct(&t, '(')) {
		while (ltok_next(it, &t) != LTOK_END && !(t.depth == 0 && ltok_punct(&t, ')')))
			;
		ltok_next(it, &t);
	}
	if (ltok_accept(it, "concurrently"))
		return needs_no_transaction(c, "REINDEX CONCURRENTLY");
	return lint_read_name(it, &name) ? lint_lock_check(c, "REINDEX", &name) : 0;
}

/* VACUUM [FULL] / VACUUM (FULL [true], ...): never in a transaction. */
static int vacuum_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname table;
	struct ltok t, v;
	int full = 0, rc;

	rc = needs_no_transaction(c, "VACUUM");
	if (rc)
		return rc;
	ltok_next(it, &t);
	if (ltok_is(&t, "full")) {
		full = 1;
	} else if (ltok_punct(&t, '(')) {
		while (ltok_next(it, &t) != LTOK_END && !(t.depth == 0 && ltok_punct(&t, ')')))
			if (ltok_is(&t, "full") && ltok_peek(it, &v) != LTOK_END &&
			    !ltok_is(&v, "false") && !ltok_is(&v, "off") &&
			    !(v.kind == LTOK_NUMBER && v.len == 1 && v.p[0] == '0'))
				full = 1;
	} else {
		return 0;
	}
	while (ltok_accept(it, "freeze") || ltok_accept(it, "verbose") || ltok_accept(it, "analyze"))
		;
	if (!full)
		return 0;
	if (!lint_read_name(it, &table))
		return lint_lock_check(c, "VACUUM FULL", NULL);
	return lint_is_created(c, &table) ? 0 : lint_lock_check(c, "VACUUM FULL", &table);
}

/* REFRESH MATERIALIZED VIEW [CONCURRENTLY] v */
static int refresh_stmt(struct lint_ctx *c, struct ltok_iter *it)
{
	struct qname view;

	if (!ltok_accept(it, "materialized") || !ltok_accept(it, "view") ||
	    ltok_accept(it, "concurrently") || !lint_read_name(it, &view))
		return 0;
	return lint_lock_check(c, "REFRESH MATERIALIZED VIEW", &view);
}

/* ------------------------------------------------------------------ */
/* files                                                               */
/* ------------------------------------------------------------------ */

/* A rule for a statement that starts with another word needs it in lead_words. */
static int lint_statement(struct lint_ctx *c, const char *s, size_t len)
{
	struct ltok_iter it;
	struct ltok t;

	ltok_init(&it, s, len);
	ltok_next(&it, &t);
	if (ltok_is(&t, "alter"))
		return ltok_accept(&it, "table") ? lint_alter_table(c, &it) : 0;
	if (ltok_is(&t, "create"))
		return create_stmt(c, &it);
	if (ltok_is(&t, "drop"))
		return drop_stmt(c, &it);
	if (ltok_is(&t, "truncate"))
		return truncate_stmt(c, &it);
	if (ltok_is(&t, "lock"))
		return lock_stmt(c, &it);
	if (ltok_is(&t, "reindex"))
		return reindex_stmt(c, &it);
	if (ltok_is(&t, "vacuum"))
		return vacuum_stmt(c, &it);
	if (ltok_is(&t, "cluster"))
		return lint_lock_check(c, "CLUSTER", NULL);
	if (ltok_is(&t, "refresh"))
		return refresh_stmt(c, &it);
	if (ltok_is(&t, "set"))
		return set_stmt(c, &it);
	if (ltok_is(&t, "reset"))
		return reset_stmt(c, &it);
	return 0;
}

/* The first words of the statements lint_statement() looks at. */
static const struct {
	const char *word;
	size_t len;
} lead_words[] = {{"alter", 5}, {"create", 6}, {"drop", 4}, {"truncate", 8}, {"lock", 4},
		  {"reindex", 7}, {"vacuum", 6}, {"cluster", 7}, {"refresh", 7}, {"set", 3},
		  {"reset", 5}};

/* Bytes of a word run: 2 for what may start one ([A-Za-z_\x80-\xff]), 1 for a digit. */
static const unsigned char word_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2,
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether bytes p[0, n) are one of lead_words, ignoring ASCII case. */
static int is_lead_word(const char *p, size_t n)
{
	char first = ascii_lower(p[0]);
	size_t w, i;

	for (w = 0; w < sizeof(lead_words) / sizeof(lead_words[0]); w++) {
		if (lead_words[w].len != n || lead_words[w].word[0] != first)
			continue;
		for (i = 1; i < n && ascii_lower(p[i]) == lead_words[w].word[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/*
 * 0 when no statement of the file can start with one of lead_words, so
 * that no rule can fire: none of them occurs as a word anywhere in the
 * bytes, strings and comments included (an over-approximation). A word
 * token (sqllex.c) never starts right after a letter, '_', a byte >= 0x80
 * or a digit that belongs to the same word, and ends before the next byte
 * that is none of those and no '$'; runs here also stop at '$' (the end
 * of a $tag$ may touch a word), which only finds more. Data files (INSERT
 * after INSERT) then skip the lexer's second pass entirely.
 */
static int may_have_findings(const char *sql, size_t len)
{
	const unsigned char *s = (const unsigned char *)sql;
	size_t i = 0;

	while (i < len) {
		size_t start, n;
		unsigned first;

		if (word_class[s[i]] != 2) {
			i++;
			continue;
		}
		start = i++;
		while (i < len && word_class[s[i]])
			i++;
		n = i - start;
		/* lead words are 3 to 8 ASCII letters long and start with
		 * one of a c d l r s t v */
		first = s[start] | 0x20;
		if (n < 3 || n > 8 || !(first == 'a' || first == 'c' || first == 'd' ||
					first == 'l' || first == 'r' || first == 's' ||
					first == 't' || first == 'v'))
			continue;
		if (is_lead_word(sql + start, n))
			return 1;
	}
	return 0;
}

/* The lead bits (sqllex.h) of every word lint_statement() looks at. */
static uint64_t lead_bits(void)
{
	uint64_t bits = 0;
	size_t w;

	for (w = 0; w < sizeof(lead_words) / sizeof(lead_words[0]); w++)
		bits |= migc_sql_lead_bit(lead_words[w].word);
	return bits;
}

int lint_sql(const char *file, const char *sql, size_t len,
	     enum lint_dialect dialect, lint_report_fn report, void *ctx,
	     migc_error *err)
{
	return lint_sql_scanned(file, sql, len, NULL, dialect, report, ctx, err);
}

int lint_sql_scanned(const char *file, const char *sql, size_t len,
		     const struct migc_sql_scan *scan, enum lint_dialect dialect,
		     lint_report_fn report, void *ctx, migc_error *err)
{
	struct lint_ctx c;
	migc_sql_stmt *stmts = NULL;
	size_t n = 0, i;
	migc_error lexerr;
	int rc;

	memset(&c, 0, sizeof(c));
	c.file = file;
	c.dialect = dialect;
	c.report = report;
	c.report_ctx = ctx;
	c.err = err;
	/* the build's lexer pass saw the statements already: none starts
	 * with a word looked at, or the split below fails (and the set parsed
	 * these directives already, so parsing them again cannot fail) */
	if (scan && (scan->lexable == 0 || !(scan->leads & lead_bits())))
		return 0;
	rc = migc_directives_parse(&c.d, file, sql, len, err);
	if (rc)
		return rc;
	if (c.d.lock_timeout_ms == 0) {
		c.lock_unlimited = 1;
		snprintf(c.lock_why, sizeof(c.lock_why), "-- migc:lock-timeout 0");
	}
	if (!scan && !may_have_findings(sql, len))
		return 0;
	rc = migc_sql_split(&stmts, &n, file, sql, len, &lexerr);
	if (rc == MIGC_EINVALID)
		return 0; /* not SQL the lexer reads: the database will judge it */
	if (rc)
		return migc_err(err, rc, "%s", lexerr.message);
	for (i = 0; i < n && !rc; i++) {
		c.line = stmts[i].line;
		rc = lint_statement(&c, sql + stmts[i].start, stmts[i].len);
	}
	free(stmts);
	for (i = 0; i < c.ncreated; i++)
		free(c.created[i]);
	free(c.created);
	return rc;
}

int lint_dialect_parse(enum lint_dialect *out, const char *name)
{
	if (!strcmp(name, "postgres") || !strcmp(name, "postgresql") || !strcmp(name, "pg"))
		*out = LINT_POSTGRES;
	else if (!strcmp(name, "sqlite") || !strcmp(name, "sqlite3"))
		*out = LINT_SQLITE;
	else
		return -1;
	return 0;
}

const char *lint_dialect_name(enum lint_dialect dialect)
{
	return dialect == LINT_SQLITE ? "sqlite" : "postgres";
}
