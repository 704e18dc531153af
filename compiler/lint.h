/*
 * lint.h - the rolling-deploy lint: statements that break the code still
 * running while a release rolls out (dropping a column the old code reads),
 * or that block the tables it uses (an index built without CONCURRENTLY).
 *
 * The rules (lint.c) match statement shapes, not a full SQL grammar: the
 * library's lexer splits a file into statements and lint_tok.h walks the
 * tokens of each. Rule names are the library's (model.h, enum
 * migc_lint_rule), because `-- migc:allow RULE` is a directive and must be
 * checked where directives are read. Findings are collected per directory
 * and printed (lint_output.c) for people, as JSON or as GitHub annotations.
 *
 * `migc build` prints the findings as warnings (errors under --strict) and
 * `migc lint` runs only the lint.
 */
#ifndef MIGC_LINT_H
#define MIGC_LINT_H

#include <stddef.h>

#include "migc.h"

enum lint_dialect { LINT_POSTGRES = 1, LINT_SQLITE = 2 };

/* "postgres" (or "postgresql", "pg") / "sqlite": 0, else -1. */
int lint_dialect_parse(enum lint_dialect *out, const char *name);
const char *lint_dialect_name(enum lint_dialect dialect);

/* 1 when `rule` only means something on PostgreSQL (skipped for SQLite). */
int lint_rule_postgres_only(int rule);

struct lint_finding {
	const char *file;       /* what messages call the file */
	int line;               /* the statement's first line */
	int rule;               /* enum migc_lint_rule */
	const char *message;    /* what it does and what breaks */
	const char *suggestion; /* the safe alternative */
};

/* Called once per finding; a non-zero return stops the lint with it. */
typedef int (*lint_report_fn)(void *ctx, const struct lint_finding *f);

/*
 * Lint one migration: its canonical SQL sql[0..len) (as a migc_set holds
 * it), named `file` in findings. Its directives say the phase, the lock
 * timeout and the rules it allows; findings of allowed rules, and of rules
 * that do not apply to `dialect`, are not reported. A file the lexer
 * cannot split (an unterminated quote) is not linted: 0. Returns 0,
 * MIGC_EINVALID for invalid directives, MIGC_ENOMEM, or what `report`
 * returned.
 */
int lint_sql(const char *file, const char *sql, size_t len,
	     enum lint_dialect dialect, lint_report_fn report, void *ctx,
	     migc_error *err);

/*
 * lint_sql() for a migration of a set that kept what the build's lexer pass
 * saw of it (set_sql_scan(), sqllex.h; NULL: not known, as lint_sql()):
 * the same findings and result, without scanning the file again when that
 * pass proves that no statement starts with a word a rule looks at. A
 * `scan` is only for SQL whose directives parse (as every migration of a
 * set does): it returns 0 then without parsing them again.
 */
struct migc_sql_scan;
int lint_sql_scanned(const char *file, const char *sql, size_t len,
		     const struct migc_sql_scan *scan, enum lint_dialect dialect,
		     lint_report_fn report, void *ctx, migc_error *err);

/* A finding kept for printing (strings owned). */
struct lint_item {
	char *file;
	int line;
	int rule;
	char *message;
	char *suggestion;
};

struct lint_result {
	const char *dir;           /* the directory as given */
	enum lint_dialect dialect;
	size_t checked;            /* migrations linted */
	struct lint_item *items;
	size_t count, cap;
};

/*
 * Lint every migration of `set`, read from `dir` (files are called
 * "dir/name" in findings). `since` (NULL: all): only versioned migrations
 * newer than that version, and every repeatable one. `res` is filled from
 * scratch; free it with lint_result_free() whatever happens.
 */
int lint_set(struct lint_result *res, const migc_set *set, const char *dir,
	     enum lint_dialect dialect, const char *since, migc_error *err);
void lint_result_free(struct lint_result *res);

enum lint_format { LINT_HUMAN, LINT_JSON, LINT_GITHUB };

/* "human", "json", "github": 0, else -1. */
int lint_format_parse(enum lint_format *out, const char *name);

/*
 * `migc lint`'s output. Human: each finding on stderr as
 * "FILE:LINE: warning: RULE: MESSAGE" and "hint: ...", ("error" under
 * `strict`), then a summary (stderr; stdout when clean). JSON and GitHub
 * annotations on stdout (lint_output.c documents the schema). 0, or
 * MIGC_EIO / MIGC_ENOMEM when the output could not be written.
 */
int lint_print(const struct lint_result *res, enum lint_format format,
	       int strict);

/* `migc build`'s warnings (errors under `strict`) on stderr. */
void lint_print_build(const struct lint_result *res, int strict);

/*
 * The migrations could not be read (invalid files, exit `exit_code`): the
 * problems were already said on stderr; for JSON and GitHub, say it on
 * stdout too, so that CI shows why. `res` gives the directory and dialect;
 * `problems` are the first invalid files (may be none).
 */
void lint_print_error(const struct lint_result *res, enum lint_format format,
		      int strict, const migc_error *err, int exit_code,
		      const migc_error *problems, size_t nproblems);

#endif /* MIGC_LINT_H */
