/*
 * lint_rules.h - what the files of the rolling-deploy lint's rules share
 * (lint.c: files, locks, CREATE/DROP/TRUNCATE and maintenance statements;
 * lint_alter.c: ALTER TABLE). Not used outside the lint.
 */
#ifndef MIGC_LINT_RULES_H
#define MIGC_LINT_RULES_H

#include <stddef.h>

#include "lint.h"
#include "lint_tok.h"
#include "model.h"
#include "util.h"

/* A table or column name as written, and its last part folded. */
struct qname {
	char shown[80];  /* printable, truncated */
	char folded[128];
};

struct lint_ctx {
	const char *file;
	enum lint_dialect dialect;
	migc_directives d;
	int line;                /* the current statement's first line */
	int lock_unlimited;      /* statements run with lock_timeout 0 */
	char lock_why[96];       /* what made it 0 */
	char **created;          /* folded names of tables created in the file */
	size_t ncreated, capcreated;
	lint_report_fn report;
	void *report_ctx;
	migc_error *err;
};

/*
 * Report a finding at the current statement's line, unless the file
 * allows the rule or the dialect lacks it. Returns what the report
 * callback returned (0 to go on).
 */
int lint_finding(struct lint_ctx *c, int rule, const char *hint,
		 const char *fmt, ...) MIGC_PRINTF(4, 5);

/* Read a possibly qualified name (a.b.c); 0 when the next token is none. */
int lint_read_name(struct ltok_iter *it, struct qname *q);

/* Accept IF EXISTS / IF NOT EXISTS (IF alone may be a name). */
void lint_accept_if_exists(struct ltok_iter *it);
void lint_accept_if_not_exists(struct ltok_iter *it);

/* If the next token is the punctuation `ch`, consume it and return 1. */
int lint_accept_punct(struct ltok_iter *it, char ch);

/* Tables created earlier in the file (no rule fires on them). */
int lint_is_created(const struct lint_ctx *c, const struct qname *q);
int lint_add_created(struct lint_ctx *c, const struct qname *q);

/*
 * `what` on `table` (may be NULL) waits for a strong lock: a finding when
 * the statement runs without a lock timeout.
 */
int lint_lock_check(struct lint_ctx *c, const char *what, const struct qname *table);

/* ALTER TABLE, after those two words (lint_alter.c). */
int lint_alter_table(struct lint_ctx *c, struct ltok_iter *it);

#endif /* MIGC_LINT_RULES_H */
