/*
 * directives.c - `-- migc:` directives in a migration's leading comments.
 *
 * Directives live in the leading comment block: the lines before the first
 * line that is neither blank nor a `--` comment. A line there of the form
 *
 *     -- migc:<name> [argument]
 *
 * is a directive (spaces after `--` are optional). Known directives:
 *
 *     -- migc:no-transaction     run outside a transaction (CREATE INDEX
 *                                CONCURRENTLY and the like)
 *     -- migc:phase pre|post     pre-deploy (default) or post-deploy
 *     -- migc:lock-timeout 5s    how long the SQL may wait for a lock
 *                                (PostgreSQL lock_timeout), instead of
 *                                the --db-lock-timeout default
 *     -- migc:statement-timeout 30min   the same for statement_timeout
 *     -- migc:allow drop-column,truncate  opt this file out of those rules
 *                                of the rolling-deploy lint (`migc lint`)
 *
 * Durations are written as migc_duration_parse() reads them: 500ms, 5s,
 * 10min, 1h; 0 means no limit.
 *
 * Everything else is refused rather than ignored: a misspelt directive, a
 * repeated one, a bad argument, and a `-- migc:` line further down the file
 * (it would look like it took effect when it did not). `allow` is the one
 * directive that may be repeated (the lists add up); a rule name it does
 * not know is an error, so a typo cannot silently leave a rule on.
 *
 * The rule names are here, not in the compiler's lint, because the runtime
 * reads directives too (it re-parses them from a bundle's SQL) and both must
 * accept the same files.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "util.h"

struct line {
	const char *p;
	size_t len;
	int no;
};

static int directive_fail(migc_error *err, const char *file, int line,
			  const char *hint, const char *fmt, const char *arg,
			  size_t arglen)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, (int)(arglen > 80 ? 80 : arglen), arg);
	migc_err(err, MIGC_EINVALID, "%s:%d: %s", file, line, what);
	migc_err_where(err, file, line);
	if (hint)
		migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

static void trim(const char **p, size_t *len)
{
	while (*len && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (*len && strchr(" \t\r", (*p)[*len - 1]))
		(*len)--;
}

/* Whether "migc:" occurs in sql[0..len). */
static int has_marker(const char *sql, size_t len)
{
	const char *p = sql, *end = sql + len;

	while (end - p >= 5 && (p = memchr(p + 4, ':', (size_t)(end - p - 4))) != NULL) {
		if (memcmp(p - 4, "migc", 4) == 0)
			return 1;
		p -= 3; /* the next ':' is at p + 1 or later */
	}
	return 0;
}

/* If the comment text (after `--`) is a directive, return its start. */
static const char *directive_start(const char *p, size_t len, size_t *rest)
{
	trim(&p, &len);
	if (len < 5 || memcmp(p, "migc:", 5) != 0)
		return NULL;
	*rest = len - 5;
	return p + 5;
}

static int word_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(p, word, len) == 0;
}

static const char known[] =
	"known directives: -- migc:no-transaction, -- migc:phase pre|post, "
	"-- migc:lock-timeout DURATION, -- migc:statement-timeout DURATION, "
	"-- migc:allow RULE[,RULE...]";

/* Bits of `seen`, so each directive is given at most once (but allow). */
enum { SEEN_NOTX = 1, SEEN_PHASE = 2, SEEN_LOCK = 4, SEEN_STMT = 8 };

/* Indexed by enum migc_lint_rule. */
static const char *const lint_rules[MIGC_LINT_NRULES] = {
	[MIGC_LINT_DROP_COLUMN] = "drop-column",
	[MIGC_LINT_RENAME_COLUMN] = "rename-column",
	[MIGC_LINT_DROP_TABLE] = "drop-table",
	[MIGC_LINT_RENAME_TABLE] = "rename-table",
	[MIGC_LINT_CHANGE_COLUMN_TYPE] = "change-column-type",
	[MIGC_LINT_ADD_NOT_NULL] = "add-not-null-without-default",
	[MIGC_LINT_SET_NOT_NULL] = "set-not-null",
	[MIGC_LINT_CREATE_INDEX] = "create-index-non-concurrently",
	[MIGC_LINT_NEEDS_NO_TRANSACTION] = "needs-no-transaction",
	[MIGC_LINT_LOCK_TIMEOUT] = "lock-without-timeout",
	[MIGC_LINT_ADD_FOREIGN_KEY] = "add-foreign-key",
	[MIGC_LINT_ADD_CHECK] = "add-check-constraint",
	[MIGC_LINT_VOLATILE_DEFAULT] = "add-column-volatile-default",
	[MIGC_LINT_TRUNCATE] = "truncate",
};

const char *migc_lint_rule_name(int rule)
{
	return rule >= 0 && rule < MIGC_LINT_NRULES ? lint_rules[rule] : NULL;
}

int migc_lint_rule_find(const char *name, size_t len)
{
	int i;

	for (i = 0; i < MIGC_LINT_NRULES; i++)
		if (word_is(name, len, lint_rules[i]))
			return i;
	return -1;
}

/*
 * `-- migc:allow RULE[,RULE...]`: add each rule to the file's allow mask.
 * Spaces around the commas are fine; an empty or unknown name is an error
 * whose hint lists the rules there are.
 */
static int set_allow(unsigned *mask, const char *file, int line,
		     const char *arg, size_t arg_len, migc_error *err)
{
	char hint[512];
	size_t off = 0, n;
	int i;

	n = (size_t)snprintf(hint, sizeof(hint), "known rules:");
	for (i = 0; i < MIGC_LINT_NRULES && n < sizeof(hint); i++)
		n += (size_t)snprintf(hint + n, sizeof(hint) - n, "%s %s", i ? "," : "",
				      lint_rules[i]);
	if (!arg_len)
		return directive_fail(err, file, line, hint,
				      "migc:allow wants rule names, e.g. -- migc:allow drop-column%.*s",
				      arg, arg_len);
	while (off <= arg_len) {
		const char *comma = memchr(arg + off, ',', arg_len - off);
		size_t end = comma ? (size_t)(comma - arg) : arg_len;
		const char *name = arg + off;
		size_t name_len = end - off;
		int rule;

		trim(&name, &name_len);
		rule = migc_lint_rule_find(name, name_len);
		if (!name_len)
			return directive_fail(err, file, line, hint,
					      "migc:allow has an empty rule name in '%.*s'",
					      arg, arg_len);
		if (rule < 0)
			return directive_fail(err, file, line, hint,
					      "migc:allow: unknown rule '%.*s'", name, name_len);
		*mask |= 1u << rule;
		off = end + 1;
	}
	return 0;
}

static int set_timeout(long *out, const char *file, int line, const char *name,
		       const char *arg, size_t arg_len, migc_error *err)
{
	char text[32];

	if (!arg_len || arg_len >= sizeof(text))
		return directive_fail(err, file, line,
				      "write a duration such as 500ms, 5s, 10min or 1h",
				      name, arg, arg_len);
	memcpy(text, arg, arg_len);
	text[arg_len] = '\0';
	if (migc_duration_parse(out, text))
		return directive_fail(err, file, line,
				      "write a duration such as 500ms, 5s, 10min or 1h",
				      name, arg, arg_len);
	return 0;
}

static int apply_directive(migc_directives *d, unsigned *seen, const char *file,
			   int line, const char *p, size_t len,
			   migc_error *err)
{
	const char *arg;
	size_t name_len, arg_len;
	unsigned bit;

	trim(&p, &len);
	for (name_len = 0; name_len < len && p[name_len] != ' ' && p[name_len] != '\t'; name_len++)
		;
	arg = p + name_len;
	arg_len = len - name_len;
	trim(&arg, &arg_len);

	if (word_is(p, name_len, "no-transaction"))
		bit = SEEN_NOTX;
	else if (word_is(p, name_len, "phase"))
		bit = SEEN_PHASE;
	else if (word_is(p, name_len, "lock-timeout"))
		bit = SEEN_LOCK;
	else if (word_is(p, name_len, "statement-timeout"))
		bit = SEEN_STMT;
	else if (word_is(p, name_len, "allow"))
		return set_allow(&d->lint_allow, file, line, arg, arg_len, err);
	else
		return directive_fail(err, file, line, known,
				      "unknown directive 'migc:%.*s'", p, name_len);
	if (*seen & bit)
		return directive_fail(err, file, line, NULL,
				      "migc:%.*s is given twice", p, name_len);
	*seen |= bit;

	switch (bit) {
	case SEEN_NOTX:
		if (arg_len)
			return directive_fail(err, file, line, known,
					      "migc:no-transaction takes no argument, got '%.*s'",
					      arg, arg_len);
		d->flags |= MIGC_FLAG_NO_TRANSACTION;
		return 0;
	case SEEN_PHASE:
		if (word_is(arg, arg_len, "post"))
			d->flags |= MIGC_FLAG_PHASE_POST;
		else if (!word_is(arg, arg_len, "pre"))
			return directive_fail(err, file, line,
					      "write -- migc:phase pre or -- migc:phase post",
					      "migc:phase wants pre or post, got '%.*s'",
					      arg, arg_len);
		return 0;
	case SEEN_LOCK:
		return set_timeout(&d->lock_timeout_ms, file, line,
				   "migc:lock-timeout wants a duration, got '%.*s'",
				   arg, arg_len, err);
	default:
		return set_timeout(&d->statement_timeout_ms, file, line,
				   "migc:statement-timeout wants a duration, got '%.*s'",
				   arg, arg_len, err);
	}
}

int migc_directives_parse(migc_directives *out, const char *file,
			  const char *sql, size_t len, migc_error *err)
{
	unsigned seen = 0;
	int in_header = 1, no = 0;
	size_t off = 0;

	out->flags = 0;
	out->lock_timeout_ms = -1;
	out->statement_timeout_ms = -1;
	out->lint_allow = 0;
	/* every directive, and every misplaced one, has "migc:": without one
	 * there is nothing to read or refuse (most files; a start reads
	 * every migration's header) */
	if (!has_marker(sql, len))
		return 0;
	while (off < len) {
		const char *nl = memchr(sql + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - sql) : len;
		const char *p = sql + off, *d;
		size_t l = end - off, rest;
		int rc;

		no++;
		off = end + 1;
		trim(&p, &l);
		if (!l)
			continue;
		if (l < 2 || p[0] != '-' || p[1] != '-') {
			in_header = 0;
			/* A directive below the first statement must start a line. */
			continue;
		}
		d = directive_start(p + 2, l - 2, &rest);
		if (!d)
			continue;
		if (!in_header)
			return directive_fail(err, file, no,
					      "move it to the comment block at the top of the file",
					      "directive 'migc:%.*s' below the first statement is not read",
					      d, rest);
		rc = apply_directive(out, &seen, file, no, d, rest, err);
		if (rc)
			return rc;
	}
	return 0;
}
