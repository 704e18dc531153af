/*
 * test_sqllex.c - the SQL lexer behind statement splitting (no-transaction
 * migrations run one statement at a time on PostgreSQL), the build-time
 * refusal of top-level BEGIN/COMMIT in transactional migrations, and error
 * position to line mapping.
 *
 * Most cases live in the files of tests/unit/sqllex_corpus/, in this format:
 *
 *     #### case: what it protects
 *     <the SQL, every line of it, ending with a newline>
 *     #### split: N           N statements, optionally followed by
 *     @@ LINE                 a block for the next statement: the line of
 *     <its exact text>        its first token, then its text (no ';', no
 *                             blanks around); "@@ #K LINE" for the Kth
 *     #### txn: ok            no top-level transaction control, or
 *     #### txn: LINE WORDS    "top-level WORDS" found on LINE
 *     #### error: LINE TEXT   split and txn both fail on LINE, message has TEXT
 *
 * Byte-exact inputs (CRLF, no final newline, NUL) are tables below; the
 * transaction-control matrix is generated (each statement at top level and
 * hidden in strings, comments, bodies); and a fuzzer feeds random and
 * SQL-shaped bytes, requiring no crash (run it under ASan) and results that
 * agree with themselves. Every input is copied into a buffer of exactly its
 * length, so a read past `len` is an ASan error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migc.h"
#include "sqllex.h"
#include "unit.h"
#include "util.h"

static size_t corpus_cases; /* counted for the summary line */

/* A heap copy of exactly `n` bytes, not NUL-terminated. */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (n)
		memcpy(p, s, n);
	return p;
}

/*
 * Split and describe the result as "LINE:TEXT | LINE:TEXT", or
 * "!LINE:MESSAGE" on error, with its length in *out_len (texts may hold
 * NUL bytes). The caller frees the string.
 */
static char *describe_split_n(const char *sql, size_t len, size_t *out_len)
{
	migc_buf b = MIGC_BUF_INIT;
	migc_sql_stmt *st;
	migc_error err;
	size_t n, i;
	char *copy = exact(sql, len);
	int rc = migc_sql_split(&st, &n, "t.sql", copy, len, &err);

	if (rc) {
		migc_buf_printf(&b, "!%d:%s", err.line, err.message);
	} else {
		for (i = 0; i < n; i++) {
			migc_buf_printf(&b, "%s%d:", i ? " | " : "", st[i].line);
			migc_buf_put(&b, copy + st[i].start, st[i].len);
		}
		free(st);
	}
	free(copy);
	*out_len = b.len;
	return migc_buf_detach(&b);
}

static char *describe_split(const char *sql, size_t len)
{
	size_t n;

	return describe_split_n(sql, len, &n);
}

/* Describe the transaction check: "ok", "LINE:MESSAGE" or "!..." . */
static char *describe_txn(const char *sql, size_t len, migc_error *err)
{
	migc_buf b = MIGC_BUF_INIT;
	char *copy = exact(sql, len);
	int rc = migc_sql_check_transaction_control("t.sql", copy, len, err);

	if (!rc)
		migc_buf_puts(&b, "ok");
	else
		migc_buf_printf(&b, "%d:%s", err->line, err->message);
	free(copy);
	return migc_buf_detach(&b);
}

/*
 * Properties every successful split has: statements in order, inside the
 * input, starting on a token and on the line they claim; each one split on
 * its own is itself; joined with ";\n" they split the same way again (the
 * last one gets no ';', since it may have ended at the end of the input
 * inside parentheses).
 */
static void check_split_properties(const char *what, const char *sql,
				   size_t len)
{
	migc_sql_stmt *st, *one;
	migc_buf joined = MIGC_BUF_INIT;
	size_t n, n1, i, j, prev_end = 0;
	char *copy = exact(sql, len);
	int line;

	if (migc_sql_split(&st, &n, "t.sql", copy, len, NULL)) {
		free(copy);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *s = copy + st[i].start;
		char *alone;

		if (st[i].start < prev_end || st[i].len == 0 ||
		    st[i].len > len - st[i].start || memchr(" \t\r\n\f\v;", s[0], 7) ||
		    (st[i].len >= 2 && (!memcmp(s, "--", 2) || !memcmp(s, "/*", 2)))) {
			unit_fail(__FILE__, __LINE__, "%s: statement %zu is malformed (%zu+%zu of %zu)",
				  what, i, st[i].start, st[i].len, len);
			break;
		}
		for (line = 1, j = 0; j < st[i].start; j++)
			line += copy[j] == '\n';
		if (line != st[i].line)
			unit_fail(__FILE__, __LINE__, "%s: statement %zu says line %d, is on %d",
				  what, i, st[i].line, line);
		prev_end = st[i].start + st[i].len;
		alone = exact(s, st[i].len);
		if (migc_sql_split(&one, &n1, "t.sql", alone, st[i].len, NULL) ||
		    n1 != 1 || one[0].start != 0 || one[0].len != st[i].len)
			unit_fail(__FILE__, __LINE__, "%s: statement %zu does not split to itself: %.*s",
				  what, i, (int)st[i].len, s);
		else
			free(one);
		free(alone);
		if (i)
			migc_buf_puts(&joined, ";\n");
		migc_buf_put(&joined, s, st[i].len);
	}
	/* lines differ after rejoining; compare the texts only */
	if (n && (migc_sql_split(&one, &n1, "t.sql", joined.data, joined.len, NULL) ||
		  n1 != n)) {
		char *orig = describe_split(copy, len);
		char *again = describe_split(joined.data, joined.len);

		unit_fail(__FILE__, __LINE__, "%s: rejoined statements split differently:\n#   %s\n#   %s",
			  what, orig, again);
		free(orig);
		free(again);
	} else if (n) {
		for (i = 0; i < n; i++)
			if (one[i].len != st[i].len ||
			    memcmp(joined.data + one[i].start, copy + st[i].start, st[i].len))
				unit_fail(__FILE__, __LINE__, "%s: rejoined statement %zu differs", what, i);
		free(one);
	}
	migc_buf_free(&joined);
	free(st);
	free(copy);
}

/* ------------------------------------------------------------------ */
/* The corpus files                                                    */
/* ------------------------------------------------------------------ */

#define MAX_STMTS 64

struct corpus_case {
	const char *file;
	int at; /* line of "#### case:" in the corpus file */
	char name[160];
	migc_buf sql;
	int split; /* expected count, -1 when not given */
	int ntexts;
	int index[MAX_STMTS]; /* 0-based statement each text is for */
	int lines[MAX_STMTS];
	migc_buf texts[MAX_STMTS];
	int err_line; /* 0: no error expected */
	char err_text[160];
	int txn_given, txn_line; /* txn_line 0: "ok" */
	char txn_words[64];
};

static void case_reset(struct corpus_case *c)
{
	int i;

	migc_buf_free(&c->sql);
	for (i = 0; i < MAX_STMTS; i++)
		migc_buf_free(&c->texts[i]);
	memset(c, 0, sizeof(*c));
	c->split = -1;
}

#define CASE_FAIL(c, ...)                                                   \
	do {                                                                \
		char m_[2048];                                              \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                      \
		unit_fail((c)->file, (c)->at, "[%s] %s", (c)->name, m_);    \
	} while (0)

static void run_case_split(const struct corpus_case *c)
{
	migc_sql_stmt *st;
	migc_error err;
	size_t n, i;
	char *copy = exact(c->sql.data, c->sql.len);
	int rc = migc_sql_split(&st, &n, "t.sql", copy, c->sql.len, &err);

	if (rc) {
		CASE_FAIL(c, "split failed: %s", err.message);
	} else {
		if ((int)n != c->split) {
			char *d = describe_split(copy, c->sql.len);

			CASE_FAIL(c, "expected %d statements, got %zu: %s", c->split, n, d);
			free(d);
		}
		for (i = 0; (int)i < c->ntexts; i++) {
			const char *want = c->texts[i].data ? c->texts[i].data : "";
			size_t k = (size_t)c->index[i];

			if (k >= n)
				break;
			if (st[k].line != c->lines[i])
				CASE_FAIL(c, "statement %zu: expected line %d, got %d",
					  k + 1, c->lines[i], st[k].line);
			if (st[k].len != strlen(want) || memcmp(copy + st[k].start, want, st[k].len))
				CASE_FAIL(c, "statement %zu: expected\n#     \"%s\"\n#   got\n#     \"%.*s\"",
					  k + 1, want, (int)st[k].len, copy + st[k].start);
		}
		free(st);
	}
	free(copy);
}

static void run_case_error(const struct corpus_case *c)
{
	migc_sql_stmt *st = NULL;
	migc_error err, err2;
	char prefix[64];
	size_t n = 99;
	char *copy = exact(c->sql.data, c->sql.len);
	int rc = migc_sql_split(&st, &n, "t.sql", copy, c->sql.len, &err);

	snprintf(prefix, sizeof(prefix), "t.sql:%d: unterminated ", c->err_line);
	if (rc != MIGC_EINVALID || st || n) {
		CASE_FAIL(c, "expected an error, got rc %d and %zu statements", rc, n);
		free(st);
	} else {
		if (err.line != c->err_line || strncmp(err.message, prefix, strlen(prefix)) ||
		    !strstr(err.message, c->err_text) || strcmp(err.file, "t.sql") || !err.hint[0])
			CASE_FAIL(c, "expected \"%s...%s\" with a hint, got line %d \"%s\"",
				  prefix, c->err_text, err.line, err.message);
		rc = migc_sql_check_transaction_control("t.sql", copy, c->sql.len, &err2);
		if (rc != MIGC_EINVALID || strcmp(err.message, err2.message))
			CASE_FAIL(c, "txn check should fail the same way, got \"%s\"", err2.message);
	}
	free(copy);
}

static void run_case_txn(const struct corpus_case *c)
{
	migc_error err;
	char want[160];
	char *got = describe_txn(c->sql.data, c->sql.len, &err);

	if (!c->txn_line) {
		if (strcmp(got, "ok"))
			CASE_FAIL(c, "expected no transaction control, got %s", got);
	} else {
		snprintf(want, sizeof(want), "t.sql:%d: top-level %s in a transactional migration",
			 c->txn_line, c->txn_words);
		if (err.line != c->txn_line || strncmp(err.message, want, strlen(want)) ||
		    !strstr(err.hint, "migc:no-transaction") || err.code != MIGC_EINVALID)
			CASE_FAIL(c, "expected \"%s\", got %s", want, got);
	}
	free(got);
}

static void run_case(struct corpus_case *c)
{
	char what[256];

	if (!c->name[0])
		return;
	corpus_cases++;
	if (c->split < 0 && !c->err_line && !c->txn_given)
		CASE_FAIL(c, "case expects nothing");
	if (c->ntexts && c->index[c->ntexts - 1] >= c->split)
		CASE_FAIL(c, "case lists texts past its %d statements", c->split);
	if (c->split >= 0)
		run_case_split(c);
	if (c->err_line)
		run_case_error(c);
	if (c->txn_given)
		run_case_txn(c);
	snprintf(what, sizeof(what), "%s:%d [%s]", c->file, c->at, c->name);
	check_split_properties(what, c->sql.data ? c->sql.data : "", c->sql.len);
}

/* Read a directive line "#### key: value" into the case. */
static int case_directive(struct corpus_case *c, const char *key, const char *val)
{
	if (!strcmp(key, "split")) {
		c->split = (int)strtol(val, NULL, 10);
	} else if (!strcmp(key, "txn")) {
		c->txn_given = 1;
		if (strcmp(val, "ok")) {
			char *rest;

			c->txn_line = (int)strtol(val, &rest, 10);
			migc_strlcpy(c->txn_words, rest + (*rest == ' '), sizeof(c->txn_words));
			if (c->txn_line <= 0)
				return -1;
		}
	} else if (!strcmp(key, "error")) {
		char *rest;

		c->err_line = (int)strtol(val, &rest, 10);
		migc_strlcpy(c->err_text, rest + (*rest == ' '), sizeof(c->err_text));
		if (c->err_line <= 0)
			return -1;
	} else {
		return -1;
	}
	return 0;
}

static void run_corpus_file(const char *name)
{
	static struct corpus_case c;
	char path[512], line[4096];
	const char *root = getenv("MIGC_ROOT");
	int no = 0, section = 0; /* 0 none, 1 sql, 2 statement text */
	size_t before = corpus_cases;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/unit/sqllex_corpus/%s",
		 root ? root : ".", name);
	f = fopen(path, "r");
	if (!f) {
		unit_fail(__FILE__, __LINE__, "cannot open %s", path);
		return;
	}
	case_reset(&c);
	while (fgets(line, sizeof(line), f)) {
		char key[32], *val;
		size_t n = strlen(line);

		no++;
		if (strncmp(line, "#### ", 5) && strncmp(line, "@@ ", 3)) {
			if (section == 1)
				migc_buf_put(&c.sql, line, n);
			else if (section == 2) {
				migc_buf *t = &c.texts[c.ntexts - 1];

				if (t->len || t->data)
					migc_buf_puts(t, "\n");
				migc_buf_put(t, line, n - (line[n - 1] == '\n'));
			}
			continue;
		}
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!strncmp(line, "@@ ", 3)) {
			if (c.ntexts == MAX_STMTS)
				unit_fail(path, no, "too many statements");
			else {
				const char *p = line + 3;
				int k = c.ntexts ? c.index[c.ntexts - 1] + 1 : 0;

				if (*p == '#')
					k = (int)strtol(p + 1, (char **)&p, 10) - 1;
				c.index[c.ntexts] = k;
				c.lines[c.ntexts++] = (int)strtol(p, NULL, 10);
				section = 2;
			}
			continue;
		}
		val = strchr(line, ':');
		if (!val || (size_t)(val - line - 5) >= sizeof(key)) {
			unit_fail(path, no, "bad directive: %s", line);
			continue;
		}
		memcpy(key, line + 5, (size_t)(val - line - 5));
		key[val - line - 5] = '\0';
		val += 1 + (val[1] == ' ');
		if (!strcmp(key, "case")) {
			run_case(&c);
			case_reset(&c);
			c.file = name;
			c.at = no;
			migc_strlcpy(c.name, val, sizeof(c.name));
			section = 1;
		} else if (case_directive(&c, key, val)) {
			unit_fail(path, no, "bad directive: %s", line);
		} else {
			section = 0;
		}
	}
	run_case(&c);
	case_reset(&c);
	fclose(f);
	if (corpus_cases - before < 5)
		unit_fail(path, 0, "only %zu cases read", corpus_cases - before);
}

static void corpus_basics(void) { run_corpus_file("basics.sql"); }
static void corpus_strings(void) { run_corpus_file("strings.sql"); }
static void corpus_dollar_quotes(void) { run_corpus_file("dollar.sql"); }
static void corpus_bodies_and_parens(void) { run_corpus_file("bodies.sql"); }
static void corpus_transaction_control(void) { run_corpus_file("txn.sql"); }
static void corpus_unterminated(void) { run_corpus_file("errors.sql"); }
static void corpus_real_world(void) { run_corpus_file("realworld.sql"); }

/* ------------------------------------------------------------------ */
/* Byte-exact cases                                                    */
/* ------------------------------------------------------------------ */

struct exact_case {
	const char *sql;
	size_t len;
	const char *want; /* describe_split() */
	size_t want_len;
};

#define X(sql, want) {sql, sizeof(sql) - 1, want, sizeof(want) - 1}

static const struct exact_case exact_cases[] = {
	X("", ""),
	X(";", ""),
	X(";;;\n;", ""),
	X("   \n\t\r\n", ""),
	X("-- only a comment", ""),
	X("-- one\n-- two\n/* three */\n", ""),
	X("/* a */ ; -- b\n ; /* c /* d */ */", ""),
	X("SELECT 1", "1:SELECT 1"),
	X("SELECT 1;", "1:SELECT 1"),
	X("SELECT 1 ;  ", "1:SELECT 1"),
	X("SELECT 1;;SELECT 2", "1:SELECT 1 | 1:SELECT 2"),
	X("SELECT 1 -- no newline at the end", "1:SELECT 1"),
	X("SELECT 1 /* trailing */", "1:SELECT 1"),
	X("SELECT 1 /* inside */ + 2", "1:SELECT 1 /* inside */ + 2"),
	X("SELECT 1;\r\nSELECT 2;\r\n", "1:SELECT 1 | 2:SELECT 2"),
	X("SELECT 1\r\n;\r\n\r\nSELECT\r\n 2\r\n", "1:SELECT 1 | 4:SELECT\r\n 2"),
	X("-- crlf comment; not a statement\r\nSELECT 1;", "2:SELECT 1"),
	X("-- a lone CR ends a comment too\rSELECT 1;", "1:SELECT 1"),
	X("SELECT 'a;b'", "1:SELECT 'a;b'"),
	X("SELECT 'unterminated", "!1:t.sql:1: unterminated quoted string (it begins on this line and is never closed)"),
	X("\n\nSELECT \"x", "!3:t.sql:3: unterminated quoted identifier (it begins on this line and is never closed)"),
	X("SELECT 1;\n/* a\n/* b */\n", "!2:t.sql:2: unterminated /* comment (it begins on this line and is never closed)"),
	X("SELECT $a$ x $a", "!1:t.sql:1: unterminated dollar-quoted string $a$ (it begins on this line and is never closed)"),
	X("SELECT $$", "!1:t.sql:1: unterminated dollar-quoted string $$ (it begins on this line and is never closed)"),
	X("SELECT $", "1:SELECT $"),
	X("SELECT $1", "1:SELECT $1"),
	X("SELECT E'\\", "!1:t.sql:1: unterminated quoted string (it begins on this line and is never closed)"),
	X("SELECT E'\\'", "!1:t.sql:1: unterminated quoted string (it begins on this line and is never closed)"),
	X("SELECT E'\\''", "1:SELECT E'\\''"),
	X("SELECT '\\'", "1:SELECT '\\'"),
	X("SELECT '\\';SELECT 2", "1:SELECT '\\' | 1:SELECT 2"),
	X("SELECT 1 /", "1:SELECT 1 /"),
	X("SELECT 1 -", "1:SELECT 1 -"),
	X("SELECT '", "!1:t.sql:1: unterminated quoted string (it begins on this line and is never closed)"),
	X("E'", "!1:t.sql:1: unterminated quoted string (it begins on this line and is never closed)"),
	X("E", "1:E"),
	X("$", "1:$"),
	X("$a", "1:$a"),
	X("/*", "!1:t.sql:1: unterminated /* comment (it begins on this line and is never closed)"),
	X("/*/", "!1:t.sql:1: unterminated /* comment (it begins on this line and is never closed)"),
	X("/**/", ""),
	X("-", "1:-"),
	X("--", ""),
	X(".", "1:."),
	X(".5", "1:.5"),
	X("1e", "1:1e"),
	X("1e-", "1:1e-"),
	X("1e-5;", "1:1e-5"),
	X("SELECT 1--x\n;", "1:SELECT 1"),
	X("SELECT\0 1; SELECT 2", "1:SELECT\0 1 | 1:SELECT 2"),
	X("SELECT '\0;'; x", "1:SELECT '\0;' | 1:x"),
	X("\xef\xbb\xbfSELECT 1", "1:\xef\xbb\xbfSELECT 1"),
	X("SELECT 'caf\xc3\xa9;' AS \"\xc3\xa9;t\xc3\xa9\"; SELECT 2",
	  "1:SELECT 'caf\xc3\xa9;' AS \"\xc3\xa9;t\xc3\xa9\" | 1:SELECT 2"),
	X("SELECT \xff\xfe; SELECT \x80", "1:SELECT \xff\xfe | 1:SELECT \x80"),
	X("\\connect foo\nSELECT 1;", "1:\\connect foo\nSELECT 1"),
	X("SELECT 1;\n\\gset\n", "1:SELECT 1 | 2:\\gset"),
	X("(((", "1:((("),
	X(")));SELECT 1", "1:))) | 1:SELECT 1"),
	X("SELECT (1;2);3", "1:SELECT (1;2) | 1:3"),
	X("SELECT 1)\n; SELECT (2;\n3)", "1:SELECT 1) | 2:SELECT (2;\n3)"),
	X("\f\vSELECT 1\f;", "1:SELECT 1"),
	X("SELECT 'a'\n'b';", "1:SELECT 'a'\n'b'"),
};

static void exact_inputs_split_as_expected(void)
{
	size_t i;

	for (i = 0; i < sizeof(exact_cases) / sizeof(exact_cases[0]); i++) {
		const struct exact_case *c = &exact_cases[i];
		size_t got_len;
		char *got = describe_split_n(c->sql, c->len, &got_len);
		char what[32];

		corpus_cases++;
		if (got_len != c->want_len || memcmp(got, c->want, got_len))
			unit_fail(__FILE__, __LINE__, "case %zu: expected \"%s\", got \"%s\"",
				  i, c->want, got);
		free(got);
		snprintf(what, sizeof(what), "exact case %zu", i);
		check_split_properties(what, c->sql, c->len);
	}
}

static void null_and_empty_inputs(void)
{
	migc_sql_stmt *st = (migc_sql_stmt *)&st;
	migc_error err;
	size_t n = 5;

	CHECK_INT(migc_sql_split(&st, &n, NULL, NULL, 0, &err), 0);
	CHECK(st == NULL);
	CHECK_INT(n, 0);
	CHECK_INT(migc_sql_check_transaction_control(NULL, NULL, 0, &err), 0);
	CHECK_INT(migc_sql_split(&st, &n, NULL, "'", 1, &err), MIGC_EINVALID);
	CHECK_STR(err.file, "sql");
	CHECK_CONTAINS(err.message, "sql:1: unterminated quoted string");
	CHECK_INT(migc_sql_check_transaction_control(NULL, "x;\nCOMMIT", 9, &err),
		  MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "sql:2: top-level COMMIT");
	/* a NULL error object is allowed */
	CHECK_INT(migc_sql_split(&st, &n, "f", "'", 1, NULL), MIGC_EINVALID);
	CHECK_INT(migc_sql_check_transaction_control("f", "END", 3, NULL), MIGC_EINVALID);
}

/* The statement's text must stop exactly at `len`, never at a NUL. */
static void reads_stop_at_len(void)
{
	static const char text[] = "SELECT 'x'; COMMIT; SELECT $$y$$";
	size_t cut;

	for (cut = 0; cut <= sizeof(text) - 1; cut++) {
		char *got = describe_split(text, cut);

		CHECK(got != NULL);
		free(got);
		free(describe_txn(text, cut, &(migc_error){0}));
	}
	{
		char *got = describe_split(text, 17);

		CHECK_STR(got, "1:SELECT 'x' | 1:COMMI");
		free(got);
	}
}

/* ------------------------------------------------------------------ */
/* Transaction control, generated                                      */
/* ------------------------------------------------------------------ */

struct txn_stmt {
	const char *sql;
	const char *words; /* "top-level WORDS" */
};

static const struct txn_stmt txn_stmts[] = {
	{"BEGIN", "BEGIN"},
	{"begin", "BEGIN"},
	{"Begin Work", "BEGIN"},
	{"BEGIN TRANSACTION", "BEGIN"},
	{"BEGIN ISOLATION LEVEL SERIALIZABLE", "BEGIN"},
	{"BEGIN READ ONLY, DEFERRABLE", "BEGIN"},
	{"BEGIN IMMEDIATE", "BEGIN"},
	{"BEGIN EXCLUSIVE TRANSACTION", "BEGIN"},
	{"START TRANSACTION", "START TRANSACTION"},
	{"start transaction isolation level repeatable read", "START TRANSACTION"},
	{"COMMIT", "COMMIT"},
	{"commit work", "COMMIT"},
	{"COMMIT AND CHAIN", "COMMIT"},
	{"COMMIT TRANSACTION", "COMMIT"},
	{"END", "END"},
	{"end transaction", "END"},
	{"ROLLBACK", "ROLLBACK"},
	{"ROLLBACK AND NO CHAIN", "ROLLBACK"},
	{"ABORT", "ABORT"},
	{"abort work", "ABORT"},
	{"SAVEPOINT sp1", "SAVEPOINT"},
	{"RELEASE SAVEPOINT sp1", "RELEASE SAVEPOINT"},
	{"RELEASE sp1", "RELEASE SAVEPOINT"},
	{"ROLLBACK TO SAVEPOINT sp1", "ROLLBACK TO SAVEPOINT"},
	{"ROLLBACK TO sp1", "ROLLBACK TO SAVEPOINT"},
	{"ROLLBACK WORK TO SAVEPOINT sp1", "ROLLBACK TO SAVEPOINT"},
	{"PREPARE TRANSACTION 'tx1'", "PREPARE TRANSACTION"},
	{"COMMIT PREPARED 'tx1'", "COMMIT PREPARED"},
	{"ROLLBACK PREPARED 'tx1'", "ROLLBACK PREPARED"},
	{"/* leading comment */ COMMIT", "COMMIT"},
	{"COMMIT -- trailing", "COMMIT"},
};

/* Places where the statement's words appear but are not a statement. */
static const char *const txn_hiding[] = {
	"SELECT '%s';\n",
	"SELECT 'it''s %s; ok';\n",
	"SELECT E'\\' %s; \\'';\n",
	"SELECT $$ %s; $$;\n",
	"SELECT $fn$ $$ %s; $$ $fn$;\n",
	"DO $$\nBEGIN\n  PERFORM 1;\n  %s;\nEND\n$$;\n",
	"SELECT 1 AS \"%s;\";\n",
	"-- %s;\n",
	"/* %s; */ SELECT 1;\n",
	"/* /* %s; */ %s; */ SELECT 1;\n",
	"COMMENT ON TABLE t IS '%s;';\n",
	"CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; %s);\n",
	"SELECT 1 -- %s;\n;\n",
};

static void txn_control_found_at_top_level(void)
{
	size_t i;

	for (i = 0; i < sizeof(txn_stmts) / sizeof(txn_stmts[0]); i++) {
		migc_buf b = MIGC_BUF_INIT;
		migc_error err;
		char want[128];
		char *got;

		migc_buf_printf(&b, "-- migration\nCREATE TABLE t (id int);\n\n%s;\nSELECT 1;\n",
				txn_stmts[i].sql);
		snprintf(want, sizeof(want), "4:t.sql:4: top-level %s in a transactional migration: ",
			 txn_stmts[i].words);
		got = describe_txn(b.data, b.len, &err);
		corpus_cases++;
		if (strncmp(got, want, strlen(want)))
			unit_fail(__FILE__, __LINE__, "%s: expected \"%s\", got \"%s\"",
				  txn_stmts[i].sql, want, got);
		free(got);
		/* also as the last statement, with no ';' */
		b.len = 0;
		migc_buf_printf(&b, "SELECT 1;\n%s", txn_stmts[i].sql);
		got = describe_txn(b.data, b.len, &err);
		CHECK_INT(err.line, 2);
		CHECK_CONTAINS(got, txn_stmts[i].words);
		free(got);
		migc_buf_free(&b);
	}
}

static void txn_control_hidden_is_not_flagged(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(txn_stmts) / sizeof(txn_stmts[0]); i++) {
		for (j = 0; j < sizeof(txn_hiding) / sizeof(txn_hiding[0]); j++) {
			migc_buf b = MIGC_BUF_INIT;
			migc_error err;
			const char *s = txn_stmts[i].sql;
			char *got, *split;

			if (strchr(s, '\'') && strchr(txn_hiding[j], '\''))
				s = "ROLLBACK PREPARED"; /* keep the quotes balanced */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
			migc_buf_printf(&b, txn_hiding[j], s, s);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
			corpus_cases++;
			got = describe_txn(b.data, b.len, &err);
			if (strcmp(got, "ok"))
				unit_fail(__FILE__, __LINE__, "flagged hidden \"%s\" in\n%s\n#   %s",
					  s, b.data, got);
			free(got);
			split = describe_split(b.data, b.len);
			if (split[0] == '!' || strstr(split, " | "))
				unit_fail(__FILE__, __LINE__, "expected one statement from\n%s\n#   got %s",
					  b.data, split);
			free(split);
			migc_buf_free(&b);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Error positions                                                     */
/* ------------------------------------------------------------------ */

static void position_maps_to_line(void)
{
	/* "é" is 2 bytes, "€" 3, "𝄞" 4: one character each */
	static const char sql[] =
		"-- m\n"                     /* line 1 */
		"SELECT 1;\n"                /* 2 */
		"INSERT INTO t VALUES\n"     /* 3: statement 2 starts at byte 15 */
		"  ('\xc3\xa9t\xc3\xa9', '\xe2\x82\xac'),\n" /* 4 */
		"  ('\xf0\x9d\x84\x9e', bogus);\n";          /* 5 */
	size_t len = sizeof(sql) - 1;
	migc_sql_stmt *st;
	size_t n;
	char *copy = exact(sql, len);

	CHECK_INT(migc_sql_split(&st, &n, "t.sql", copy, len, NULL), 0);
	CHECK_INT(n, 2);
	if (n != 2) {
		free(copy);
		free(st);
		return;
	}
	CHECK_INT(st[1].start, 15);
	/* INSERT ... VALUES\n = 21 characters: 'I' is 1, '\n' is 21 */
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 1), 3);
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 20), 3);
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 21), 3);
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 22), 4);
	/*
	 * line 4 is "  ('été', '€'),\n": 16 characters (20 bytes), positions
	 * 22..37; counting bytes would put 38 on line 4
	 */
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 37), 4);
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 38), 5);
	/* "bogus" on line 5: "  ('𝄞', " is 8 characters, so b is 38 + 8 */
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 46), 5);
	CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 1000), 5);
	/* the whole file sent as one string (a transactional migration) */
	CHECK_INT(migc_sql_line_at(copy, len, 0, 1), 1);
	CHECK_INT(migc_sql_line_at(copy, len, 0, 6), 2);
	CHECK_INT(migc_sql_line_at(copy, len, 0, 15 + 46), 5);
	/* nothing to map */
	CHECK_INT(migc_sql_line_at(copy, len, 0, 0), 0);
	CHECK_INT(migc_sql_line_at(copy, len, 0, -3), 0);
	CHECK_INT(migc_sql_line_at(copy, len, len + 1, 1), 0);
	CHECK_INT(migc_sql_line_at(NULL, 0, 0, 1), 0);
	CHECK_INT(migc_sql_line_at(copy, 0, 0, 1), 1);
	free(st);
	free(copy);
}

static void position_at_end_of_input(void)
{
	/* "syntax error at end of input" reports the length + 1 */
	static const char sql[] = "SELECT 1;\nSELECT 1 +\n  2 *\n;\n";
	size_t len = sizeof(sql) - 1;
	char *copy = exact(sql, len);
	migc_sql_stmt *st;
	size_t n;

	CHECK_INT(migc_sql_split(&st, &n, "t.sql", copy, len, NULL), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(st[1].len, 16);
		CHECK_INT(migc_sql_line_at(copy, len, st[1].start, 17), 3);
		free(st);
	}
	CHECK_INT(migc_sql_line_at(copy, len, 0, (long)len + 1), 4);
	CHECK_INT(migc_sql_line_at(copy, len, 0, 100000), 4);
	/* stray continuation bytes count with the character before them */
	CHECK_INT(migc_sql_line_at("a\x80\x80\nb", 5, 0, 2), 1);
	CHECK_INT(migc_sql_line_at("a\x80\x80\nb", 5, 0, 3), 2);
	free(copy);
}

/* ------------------------------------------------------------------ */
/* Fuzzing                                                             */
/* ------------------------------------------------------------------ */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 32);
}

/* Pieces that stress the lexer's states when glued together at random. */
static const char *const fragments[] = {
	"'", "''", "\"", "\"\"", "$$", "$a$", "$ab$", "$1", "$", "E'", "e'",
	"\\", "\\'", "/*", "*/", "--", "-", "/", "*", "\n", "\r\n", "\r", ";",
	";", ";", "(", ")", " ", " ", "\t", "x", "a$", "1", "1e", ".", "U&'",
	"BEGIN", "ATOMIC", "END", "CASE", "CREATE", "FUNCTION", "PROCEDURE",
	"TRIGGER", "INSERT", "COMMIT", "ROLLBACK", "TO", "AS", "\xc3\xa9",
	"\xe2\x82", "\0", "\xff", "SELECT", "OR REPLACE", "x.end",
};

/* The scan of the build's pass: lexable, and the lead bits of statements. */
static void scan_lexable_and_leads(void)
{
	static const char ok[] = "-- c\nINSERT INTO t VALUES ('DROP');\n  Alter TABLE t ADD c int;\n;x;";
	static const char bad[] = "DROP TABLE t; SELECT 'open";
	static const char txn_then_bad[] = "COMMIT; SELECT 'open";
	/* a ';' in a string followed by a word of transaction control: the
	 * quick look cannot tell, the lexer does */
	static const char looks_like[] = "INSERT INTO t VALUES ('a; commit');\nDROP TABLE u;";
	struct migc_sql_scan scan;
	migc_error err;

	/* no candidate start is transaction control: decided without lexing */
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", ok, strlen(ok), &scan, &err), 0);
	CHECK_INT(scan.lexable, -1);
	CHECK(scan.leads & migc_sql_lead_bit("ins"));
	CHECK(scan.leads & migc_sql_lead_bit("ALT"));
	CHECK(!(scan.leads & migc_sql_lead_bit("dro"))); /* inside a string only */
	CHECK(migc_sql_lead_bit("Set") == migc_sql_lead_bit("sET"));
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", bad, strlen(bad), &scan, &err), 0);
	CHECK(scan.lexable != 1);
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", txn_then_bad,
							  strlen(txn_then_bad), &scan, &err), 0);
	CHECK_INT(scan.lexable, 0);
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", looks_like,
							  strlen(looks_like), &scan, &err), 0);
	CHECK_INT(scan.lexable, 1);
	CHECK(scan.leads & migc_sql_lead_bit("dro"));
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", "COMMIT;", 7, &scan, &err),
		  MIGC_EINVALID);
	/* the quick look stops at a candidate it cannot judge, wherever */
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", "SELECT 1;\n/* c */ end;", 22,
							  &scan, &err), MIGC_EINVALID);
	CHECK_STR(err.message, "f.sql:2: top-level END in a transactional migration: it would "
		  "commit migc's transaction early, so the statements after it and the history "
		  "row would not be atomic with the ones before");
	CHECK_INT(migc_sql_check_transaction_control_lexable("f.sql", "", 0, &err), 0);
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", ";;", 2, &scan, &err), 0);
	CHECK_INT(scan.lexable, -1);
}

/*
 * Block comments nested after many ';' make every candidate's token run to
 * the end of the file: the quick look gives up after about one pass (a
 * quadratic time otherwise) and the lexer decides, the same way.
 */
static void scan_nested_comments_bounded(void)
{
	size_t n = 20000, i, len = 0;
	char *sql = malloc(n * 5 + 2);
	struct migc_sql_scan scan;
	migc_error err;

	if (!sql)
		abort();
	for (i = 0; i < n; i++) {
		memcpy(sql + len, ";/*", 3);
		len += 3;
	}
	for (i = 0; i < n; i++) {
		memcpy(sql + len, "*/", 2);
		len += 2;
	}
	CHECK_INT(migc_sql_check_transaction_control_scan("f.sql", sql, len, &scan, &err), 0);
	CHECK_INT(scan.lexable, 1);
	free(sql);
}

static void fuzz_one(const char *buf, size_t len)
{
	migc_sql_stmt *st;
	migc_error e1, e2;
	size_t n;
	char *copy = exact(buf, len);
	int rc1 = migc_sql_split(&st, &n, "f.sql", copy, len, &e1);
	int rc2 = migc_sql_check_transaction_control("f.sql", copy, len, &e2);

	if (rc1 != 0 && rc1 != MIGC_EINVALID)
		unit_fail(__FILE__, __LINE__, "split returned %d", rc1);
	struct migc_sql_scan scan;
	migc_error e3;
	int rc3 = migc_sql_check_transaction_control_scan("f.sql", copy, len, &scan, &e3);
	size_t i;

	/* the scan: a file that does not split passes with lexable 0 or -1
	 * (not lexed); one that splits and passes has lexable 1 or -1 and
	 * every statement's lead bit */
	if (rc1 != 0 && (rc3 != 0 || scan.lexable == 1))
		unit_fail(__FILE__, __LINE__, "split failed, scan returned %d, lexable %d",
			  rc3, scan.lexable);
	if (rc1 == 0 && rc3 != rc2)
		unit_fail(__FILE__, __LINE__, "txn check %d, scan %d", rc2, rc3);
	if (rc1 == 0 && rc3 == 0) {
		if (scan.lexable == 0)
			unit_fail(__FILE__, __LINE__, "split ok, scan says not lexable");
		for (i = 0; i < n; i++)
			if (st[i].len >= 3 &&
			    !(scan.leads & migc_sql_lead_bit(copy + st[i].start)))
				unit_fail(__FILE__, __LINE__, "statement %zu's lead bit missing", i);
	}
	if (rc1 == 0) {
		free(st);
		if (rc2 && !strstr(e2.message, "top-level"))
			unit_fail(__FILE__, __LINE__, "split ok, txn check: %s", e2.message);
		check_split_properties("fuzz", copy, len);
	} else if (!strstr(e1.message, "unterminated") || e1.line < 1 || rc2 != rc1 ||
		   (strcmp(e1.message, e2.message) &&
		    (!strstr(e2.message, "top-level") || e2.line > e1.line))) {
		/* the txn check reports what comes first: the same error, or an earlier statement */
		unit_fail(__FILE__, __LINE__, "split \"%s\" vs txn \"%s\"", e1.message,
			  e2.message);
	}
	if (len)
		(void)migc_sql_line_at(copy, len, rng() % len, (long)(rng() % (len + 2)));
	free(copy);
}

static void fuzz_random_bytes(void)
{
	char buf[256];
	int iter;
	size_t i, len;

	for (iter = 0; iter < 20000; iter++) {
		len = rng() % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = (char)(rng() & 0xff);
		fuzz_one(buf, len);
	}
}

static void fuzz_sql_shaped(void)
{
	size_t nfrag = sizeof(fragments) / sizeof(fragments[0]);
	migc_buf b = MIGC_BUF_INIT;
	int iter, k, pieces;

	for (iter = 0; iter < 30000; iter++) {
		b.len = 0;
		pieces = (int)(rng() % 40);
		for (k = 0; k < pieces; k++) {
			const char *f = fragments[rng() % nfrag];

			migc_buf_put(&b, f, *f ? strlen(f) : 1);
		}
		fuzz_one(b.data ? b.data : "", b.len);
	}
	migc_buf_free(&b);
}

static void corpus_size(void)
{
	printf("# %zu lexer cases checked\n", corpus_cases);
	CHECK(corpus_cases >= 300);
}

int main(void)
{
	RUN(corpus_basics);
	RUN(corpus_strings);
	RUN(corpus_dollar_quotes);
	RUN(corpus_bodies_and_parens);
	RUN(corpus_transaction_control);
	RUN(corpus_unterminated);
	RUN(corpus_real_world);
	RUN(exact_inputs_split_as_expected);
	RUN(null_and_empty_inputs);
	RUN(reads_stop_at_len);
	RUN(txn_control_found_at_top_level);
	RUN(txn_control_hidden_is_not_flagged);
	RUN(position_maps_to_line);
	RUN(position_at_end_of_input);
	RUN(fuzz_random_bytes);
	RUN(scan_lexable_and_leads);
	RUN(scan_nested_comments_bounded);
	RUN(fuzz_sql_shaped);
	RUN(corpus_size);
	return unit_done();
}
