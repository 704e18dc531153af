/*
 * lint_output.c - collecting the rolling-deploy lint's findings over a
 * migration set, and printing them for people, as JSON for scripts, and as
 * GitHub workflow annotations for pull requests.
 *
 * The JSON document of `migc lint --format json` (format_version 1; fields
 * are only ever added):
 *
 *   {
 *     "format_version": 1,
 *     "command": "lint",
 *     "ok": true,                 true when there is no finding
 *     "strict": false,            findings are errors (exit 1)
 *     "dialect": "postgres",      or "sqlite"
 *     "directory": "migrations",  as given
 *     "checked": 12,              migrations linted
 *     "findings": [
 *       {"file": "migrations/0004_drop_name.sql", "line": 3,
 *        "rule": "drop-column", "severity": "warning",   "error" under strict
 *        "message": "...", "suggestion": "..."}
 *     ]
 *   }
 *
 * When the migrations cannot be read (an invalid file, an unknown rule in
 * `-- migc:allow`: exit 1; a usage error: exit 2), "ok": false with
 * "error": {"code", "exit", "message", "hint"}, "problems": [{"file",
 * "line", "message", "hint"}] (each invalid file; line null when none) and
 * no findings.
 *
 * GitHub: `::warning file=F,line=N,title=migc lint: RULE::MESSAGE (HINT)`,
 * `::error` under --strict, then one plain summary line.
 */
#include "lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "model.h"
#include "set_internal.h"
#include "util.h"

struct collector {
	struct lint_result *res;
	migc_error *err;
	int line_offset; /* the file line before the SQL's first */
};

/* lint_report_fn: keep a copy of the finding. */
static int collect(void *ctx, const struct lint_finding *f)
{
	struct collector *col = ctx;
	struct lint_result *res = col->res;
	struct lint_item *it;

	if (res->count == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 16;
		struct lint_item *p = realloc(res->items, cap * sizeof(*p));

		if (!p)
			return migc_err(col->err, MIGC_ENOMEM, "out of memory");
		res->items = p;
		res->cap = cap;
	}
	it = &res->items[res->count];
	/* a section of its file (goose, dbmate) starts below line 1 */
	it->line = f->line > 0 ? f->line + col->line_offset : f->line;
	it->rule = f->rule;
	it->file = migc_strdup(f->file);
	it->message = migc_strdup(f->message);
	it->suggestion = migc_strdup(f->suggestion);
	res->count++;
	if (!it->file || !it->message || !it->suggestion)
		return migc_err(col->err, MIGC_ENOMEM, "out of memory");
	return 0;
}

int lint_set(struct lint_result *res, const migc_set *set, const char *dir,
	     enum lint_dialect dialect, const char *since, migc_error *err)
{
	struct collector col;
	migc_buf display = MIGC_BUF_INIT;
	size_t i, dl = strlen(dir);
	int rc = 0;

	memset(res, 0, sizeof(*res));
	col.res = res;
	col.err = err;
	res->dir = dir;
	res->dialect = dialect;
	for (i = 0; i < migc_set_count(set) && !rc; i++) {
		const migc_migration *m = migc_set_get(set, i);

		if (since && m->kind == MIGC_KIND_VERSIONED &&
		    migc_version_compare(m->version, since) <= 0)
			continue;
		display.len = 0;
		/* named as the sources name files: "dir/name" */
		if (migc_buf_printf(&display, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
				    m->filename)) {
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
			break;
		}
		col.line_offset = m->sql_line > 1 ? m->sql_line - 1 : 0;
		rc = lint_sql_scanned(display.data, m->sql, m->sql_len,
				      set_sql_scan(set, i), dialect, collect, &col, err);
		res->checked++;
	}
	migc_buf_free(&display);
	return rc;
}

void lint_result_free(struct lint_result *res)
{
	size_t i;

	for (i = 0; i < res->count; i++) {
		free(res->items[i].file);
		free(res->items[i].message);
		free(res->items[i].suggestion);
	}
	free(res->items);
	res->items = NULL;
	res->count = res->cap = 0;
}

int lint_format_parse(enum lint_format *out, const char *name)
{
	if (!strcmp(name, "human"))
		*out = LINT_HUMAN;
	else if (!strcmp(name, "json"))
		*out = LINT_JSON;
	else if (!strcmp(name, "github"))
		*out = LINT_GITHUB;
	else
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* human                                                               */
/* ------------------------------------------------------------------ */

/* "FILE:LINE: warning: RULE: MESSAGE" and "hint: ..." on stderr. */
static void print_findings(const struct lint_result *res, int strict)
{
	size_t i;

	for (i = 0; i < res->count; i++) {
		const struct lint_item *f = &res->items[i];

		fprintf(stderr, "%s:%d: %s: %s: %s\n", f->file, f->line,
			strict ? "error" : "warning", migc_lint_rule_name(f->rule), f->message);
		fprintf(stderr, "hint: %s\n", f->suggestion);
	}
}

static int print_human(const struct lint_result *res, int strict)
{
	print_findings(res, strict);
	if (!res->count) {
		printf("ok: no rolling-deploy problems in '%s' (%zu migration%s linted for %s)\n",
		       res->dir, res->checked, res->checked == 1 ? "" : "s",
		       lint_dialect_name(res->dialect));
		return 0;
	}
	fprintf(stderr, "migc: %zu rolling-deploy finding%s in '%s' (%zu migration%s linted "
		"for %s)%s\n", res->count, res->count == 1 ? "" : "s", res->dir, res->checked,
		res->checked == 1 ? "" : "s", lint_dialect_name(res->dialect),
		strict ? "" : "; --strict makes them errors");
	return fflush(stderr) ? MIGC_EIO : 0;
}

void lint_print_build(const struct lint_result *res, int strict)
{
	if (!res->count)
		return;
	print_findings(res, strict);
	if (strict)
		fprintf(stderr, "migc: error: %zu rolling-deploy lint finding%s (--strict): "
			"nothing was written\n", res->count, res->count == 1 ? "" : "s");
	else
		fprintf(stderr, "migc: warning: %zu rolling-deploy lint finding%s (the build goes "
			"on; --strict fails it, -- migc:allow RULE opts a file out)\n",
			res->count, res->count == 1 ? "" : "s");
}

/* ------------------------------------------------------------------ */
/* json                                                                */
/* ------------------------------------------------------------------ */

static void json_head(struct migc_json *j, int ok, int strict, enum lint_dialect dialect,
		      const char *dir)
{
	migc_json_object(j, NULL);
	migc_json_int(j, "format_version", 1);
	migc_json_string(j, "command", "lint");
	migc_json_bool(j, "ok", ok);
	migc_json_bool(j, "strict", strict);
	migc_json_string(j, "dialect", lint_dialect_name(dialect));
	migc_json_string(j, "directory", dir);
}

static int print_json(const struct lint_result *res, int strict)
{
	struct migc_json j;
	size_t i;

	migc_json_init(&j);
	json_head(&j, res->count == 0, strict, res->dialect, res->dir);
	migc_json_int(&j, "checked", (long long)res->checked);
	migc_json_array(&j, "findings");
	for (i = 0; i < res->count; i++) {
		const struct lint_item *f = &res->items[i];

		migc_json_object(&j, NULL);
		migc_json_string(&j, "file", f->file);
		migc_json_int(&j, "line", f->line);
		migc_json_string(&j, "rule", migc_lint_rule_name(f->rule));
		migc_json_string(&j, "severity", strict ? "error" : "warning");
		migc_json_string(&j, "message", f->message);
		migc_json_string(&j, "suggestion", f->suggestion);
		migc_json_end_object(&j);
	}
	migc_json_end_array(&j);
	migc_json_end_object(&j);
	return migc_json_finish(&j, stdout);
}

/* ------------------------------------------------------------------ */
/* github                                                              */
/* ------------------------------------------------------------------ */

static int print_github(const struct lint_result *res, int strict)
{
	migc_buf b = MIGC_BUF_INIT, title = MIGC_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < res->count; i++) {
		const struct lint_item *f = &res->items[i];

		title.len = 0;
		rc = migc_buf_printf(&title, "migc lint: %s", migc_lint_rule_name(f->rule));
		if (!rc)
			rc = github_annotation(&b, strict ? "error" : "warning", f->file, f->line,
					 title.data, f->message, f->suggestion);
	}
	if (!rc && res->count)
		rc = migc_buf_printf(&b, "migc: %zu rolling-deploy finding%s in '%s'\n",
				     res->count, res->count == 1 ? "" : "s", res->dir);
	else if (!rc)
		rc = migc_buf_printf(&b, "ok: no rolling-deploy problems in '%s'\n", res->dir);
	if (!rc && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = MIGC_EIO;
	migc_buf_free(&b);
	migc_buf_free(&title);
	return rc;
}

int lint_print(const struct lint_result *res, enum lint_format format, int strict)
{
	if (format == LINT_JSON)
		return print_json(res, strict);
	if (format == LINT_GITHUB)
		return print_github(res, strict);
	return print_human(res, strict);
}

void lint_print_error(const struct lint_result *res, enum lint_format format,
		      int strict, const migc_error *err, int exit_code,
		      const migc_error *problems, size_t nproblems)
{
	const char *msg = err->message[0] ? err->message : migc_strerror(err->code);
	struct migc_json j;
	migc_buf b = MIGC_BUF_INIT;
	size_t i;

	if (format == LINT_GITHUB) {
		for (i = 0; i < nproblems; i++)
			github_annotation(&b, "error", problems[i].file, problems[i].line, "migc lint",
				    problems[i].message, problems[i].hint);
		if (!nproblems)
			github_annotation(&b, "error", NULL, 0, "migc lint", msg, err->hint);
		if (b.len)
			fwrite(b.data, 1, b.len, stdout);
		migc_buf_free(&b);
		return;
	}
	if (format != LINT_JSON)
		return;
	migc_json_init(&j);
	json_head(&j, 0, strict, res->dialect, res->dir);
	migc_json_object(&j, "error");
	migc_json_string(&j, "code", exit_code == 2 ? "usage" : "invalid");
	migc_json_int(&j, "exit", exit_code);
	migc_json_string(&j, "message", msg);
	migc_json_string(&j, "hint", err->hint[0] ? err->hint : NULL);
	migc_json_end_object(&j);
	migc_json_array(&j, "problems");
	for (i = 0; i < nproblems; i++) {
		migc_json_object(&j, NULL);
		migc_json_string(&j, "file", problems[i].file[0] ? problems[i].file : NULL);
		if (problems[i].line > 0)
			migc_json_int(&j, "line", problems[i].line);
		else
			migc_json_null(&j, "line");
		migc_json_string(&j, "message", problems[i].message);
		migc_json_string(&j, "hint", problems[i].hint[0] ? problems[i].hint : NULL);
		migc_json_end_object(&j);
	}
	migc_json_end_array(&j);
	migc_json_array(&j, "findings");
	migc_json_end_array(&j);
	migc_json_end_object(&j);
	migc_json_finish(&j, stdout);
}
