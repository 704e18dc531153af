/*
 * sqllex_txn.c - top-level transaction control in a transactional
 * migration, found with the lexer of sqllex.c; and what the build's pass
 * over a file keeps for the lint (struct migc_sql_scan). See sqllex.h.
 */
#include <stdint.h>
#include <string.h>

#include "sqllex_impl.h"
#include "util.h"

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
	struct lexer lx = {sql, st->start + st->len, st->start, st->start, st->line,
			   NULL, NULL};
	struct token w[3];
	size_t i;

	/* Every form below starts with one of the words abort, begin,
	 * commit, end, prepare, release, rollback, savepoint or start: a
	 * statement whose first byte starts none of them (INSERT after
	 * INSERT in a data file) is not re-lexed. */
	switch (sql[st->start] | 0x20) {
	case 'a': case 'b': case 'c': case 'e': case 'p': case 'r': case 's':
		break;
	default:
		return NULL;
	}
	for (i = 0; i < 3; i++)
		if (sqllex_next(&lx, &w[i]))
			w[i].kind = TOK_EOF;
	*why = why_2pc;
	if (WORD_IS(sql, &w[0], "commit") && WORD_IS(sql, &w[1], "prepared"))
		return "COMMIT PREPARED";
	if (WORD_IS(sql, &w[0], "rollback") && WORD_IS(sql, &w[1], "prepared"))
		return "ROLLBACK PREPARED";
	if (WORD_IS(sql, &w[0], "prepare") && WORD_IS(sql, &w[1], "transaction") &&
	    w[2].kind == TOK_QUOTED)
		return "PREPARE TRANSACTION";
	*why = why_savepoint;
	if (WORD_IS(sql, &w[0], "rollback") &&
	    (WORD_IS(sql, &w[1], "to") ||
	     (sqllex_word_in(sql, &w[1], work) && WORD_IS(sql, &w[2], "to"))))
		return "ROLLBACK TO SAVEPOINT";
	if (WORD_IS(sql, &w[0], "savepoint"))
		return "SAVEPOINT";
	if (WORD_IS(sql, &w[0], "release"))
		return "RELEASE SAVEPOINT";
	*why = why_begin;
	if (WORD_IS(sql, &w[0], "begin"))
		return "BEGIN";
	if (WORD_IS(sql, &w[0], "start") && WORD_IS(sql, &w[1], "transaction"))
		return "START TRANSACTION";
	*why = why_commit;
	if (WORD_IS(sql, &w[0], "commit"))
		return "COMMIT";
	if (WORD_IS(sql, &w[0], "end"))
		return "END";
	*why = why_rollback;
	if (WORD_IS(sql, &w[0], "rollback"))
		return "ROLLBACK";
	if (WORD_IS(sql, &w[0], "abort"))
		return "ABORT";
	return NULL;
}

/* Whether word token `t` is one that txn_control() looks further at. */
static int txn_word(const char *sql, const struct token *t)
{
	static const struct {
		const char *word;
		size_t len;
	} words[] = {{"abort", 5}, {"begin", 5}, {"commit", 6}, {"end", 3}, {"prepare", 7},
		     {"release", 7}, {"rollback", 8}, {"savepoint", 9}, {"start", 5}};
	size_t n = t->end - t->start, i;

	switch (sql[t->start] | 0x20) { /* most statements: not these */
	case 'a': case 'b': case 'c': case 'e': case 'p': case 'r': case 's':
		break;
	default:
		return 0;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].len == n && sqllex_word_is_n(sql, t, words[i].word, n))
			return 1;
	return 0;
}

/*
 * The quick pass of the checks that let an unlexable file pass: decides
 * without lexing the file when it can prove that there is nothing to find.
 * A statement starts at the file's first token or at the first token after
 * a top-level ';'. Here every ';' of the file, top-level or not (in a
 * string, a comment, a body), is taken for an end, and the token after it
 * (past blanks and comments, skipped as the lexer skips them) for a start:
 * the real starts are among these candidates. So when no candidate is a
 * word that begins transaction control, no statement is one, and the file
 * passes whether it lexes or not; the candidates' lead bits hold every
 * statement's. Returns 1 when it decided so (*leads filled), 0 when the
 * full pass must decide: a candidate is such a word (a function body's
 * END, say), or reading the candidates' tokens took more than about a
 * pass over the file (block comments nested after many ';').
 */
static int quick_pass(const char *sql, size_t len, uint64_t *leads)
{
	size_t at = 0, budget = len + 65536;
	struct lexer lx;

	*leads = 0;
	memset(&lx, 0, sizeof(lx));
	lx.sql = sql;
	lx.len = len;
	lx.line = 1; /* err NULL: a lexing error is not reported */
	for (;;) {
		const char *semi;
		struct token t;
		int rc;

		lx.pos = at;
		rc = sqllex_next(&lx, &t);
		if (lx.pos - at > budget)
			return 0;
		budget -= lx.pos - at;
		if (!rc && t.kind != TOK_EOF) {
			if (len - t.start >= 3)
				*leads |= migc_sql_lead_bit(sql + t.start);
			if (t.kind == TOK_WORD && txn_word(sql, &t))
				return 0;
		}
		if (at >= len || !(semi = memchr(sql + at, ';', len - at)))
			return 1;
		at = (size_t)(semi - sql) + 1;
	}
}

/*
 * The check of the three entry points. With `unlexable_passes`, a lexing
 * error anywhere in the file, even after a finding, makes it pass: the
 * quick pass above decides first when it can; otherwise the lexer is run
 * without an error object, and on past a finding to the end.
 */
static int check_txn(const char *file, const char *sql, size_t len,
		     int unlexable_passes, struct migc_sql_scan *scan,
		     migc_error *err)
{
	struct splitter sp;
	migc_sql_stmt st;
	uint64_t leads;
	int rc;

	if (!file)
		file = "sql";
	if (scan) {
		scan->lexable = 0;
		scan->leads = 0;
	}
	if (unlexable_passes && sql && quick_pass(sql, len, &leads)) {
		if (scan) {
			scan->lexable = -1;
			scan->leads = leads;
		}
		return 0;
	}
	sqllex_splitter_init(&sp, file, sql, len, unlexable_passes ? NULL : err);
	sp.no_lines = 1; /* counted for a finding only */
	while ((rc = sqllex_split_next(&sp, &st)) == 1) {
		const char *why, *what;
		migc_sql_stmt rest;

		if (scan && st.len >= 3)
			scan->leads |= migc_sql_lead_bit(sql + st.start);
		what = txn_control(sql, &st, &why);
		if (!what)
			continue;
		st.line = sqllex_line_at(&sp.lx, st.start);
		if (unlexable_passes) {
			while ((rc = sqllex_split_next(&sp, &rest)) == 1)
				;
			if (rc < 0)
				return 0;
		}
		migc_err(err, MIGC_EINVALID,
			 "%s:%d: top-level %s in a transactional migration: %s",
			 file, st.line, what, why);
		migc_err_where(err, file, st.line);
		migc_err_hint(err,
			      "remove it; or, if the file manages its own transactions, put -- migc:no-transaction in its leading comments");
		return MIGC_EINVALID;
	}
	if (scan && rc == 0)
		scan->lexable = 1;
	return rc < 0 && unlexable_passes ? 0 : rc;
}

int migc_sql_check_transaction_control(const char *file, const char *sql,
				       size_t len, migc_error *err)
{
	return check_txn(file, sql, len, 0, NULL, err);
}

int migc_sql_check_transaction_control_lexable(const char *file,
						const char *sql, size_t len,
						migc_error *err)
{
	return check_txn(file, sql, len, 1, NULL, err);
}

int migc_sql_check_transaction_control_scan(const char *file, const char *sql,
					    size_t len,
					    struct migc_sql_scan *scan,
					    migc_error *err)
{
	return check_txn(file, sql, len, 1, scan, err);
}

uint64_t migc_sql_lead_bit(const char *p)
{
	unsigned h = 0;
	int i;

	for (i = 0; i < 3; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = h * 33 + c;
	}
	return (uint64_t)1 << (h % 64);
}
