/*
 * check_output.c - `migc check` findings as text for people, as JSON for
 * scripts, and as GitHub workflow annotations for pull requests.
 *
 * The JSON document (format_version 1; fields are only ever added):
 *
 *   {
 *     "format_version": 1,
 *     "command": "check",
 *     "ok": false,                     true when there is no finding
 *     "directory": "migrations",       from the repository root ("." for it)
 *     "base": {"ref": "origin/main", "tip": "<commit>", "merge_base": "<commit>"},
 *     "head": {"commit": "<commit>", "worktree": false},
 *     "checked": 12,                   versioned migrations on the branch
 *     "added": 2,                      of which new since the merge base
 *     "findings": [
 *       {"kind": "edited|deleted|renamed|collision|out-of-order|duplicate",
 *        "file": "migrations/0003_x.sql",   from the repository root
 *        "line": 1,
 *        "version": "0003",
 *        "commit": "<commit>",         the merge base (edited, deleted,
 *                                      renamed), REF's tip (collision,
 *                                      out-of-order) or HEAD (duplicate)
 *        "conflicts_with": "migrations/0003_y.sql" or null,
 *        "next_version": "0006" or null,
 *        "message": "...", "suggestion": "..."}
 *     ]
 *   }
 *
 * and when the check could not run (exit 2), "ok": false with
 * "error": {"code", "exit", "message", "hint"} and no findings.
 *
 * GitHub annotations follow the workflow-command syntax
 * `::error file=F,line=1,title=T::MESSAGE`, where '%', CR and LF are
 * escaped in the message, and also ':' and ',' in property values.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = migc_strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

int check_add(struct check_result *res, const char *kind, const char *file,
	      const char *version, const char *commit,
	      const char *conflicts_with, const char *next_version,
	      const char *message, const char *suggestion, migc_error *err)
{
	struct check_finding *f;
	int oom = 0;

	if (res->count == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 16;
		struct check_finding *p = realloc(res->findings, cap * sizeof(*p));

		if (!p)
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		res->findings = p;
		res->cap = cap;
	}
	f = &res->findings[res->count];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->file = dup_or_null(file, &oom);
	f->version = dup_or_null(version, &oom);
	f->conflicts_with = dup_or_null(conflicts_with, &oom);
	f->message = dup_or_null(message, &oom);
	f->suggestion = dup_or_null(suggestion, &oom);
	migc_strlcpy(f->commit, commit ? commit : "", sizeof(f->commit));
	migc_strlcpy(f->next_version, next_version ? next_version : "", sizeof(f->next_version));
	res->count++;
	return oom ? migc_err(err, MIGC_ENOMEM, "out of memory") : 0;
}

void check_result_free(struct check_result *res)
{
	size_t i;

	for (i = 0; i < res->count; i++) {
		struct check_finding *f = &res->findings[i];

		free(f->file);
		free(f->version);
		free(f->conflicts_with);
		free(f->message);
		free(f->suggestion);
	}
	free(res->findings);
	res->findings = NULL;
	res->count = res->cap = 0;
}

/* ------------------------------------------------------------------ */
/* human                                                               */
/* ------------------------------------------------------------------ */

static int print_human(const struct check_result *res)
{
	size_t i;

	for (i = 0; i < res->count; i++) {
		const struct check_finding *f = &res->findings[i];

		fprintf(stderr, "migc: error: %s: %s\n", f->file, f->message);
		fprintf(stderr, "hint: %s\n", f->suggestion);
	}
	if (res->count) {
		fprintf(stderr, "migc: %zu problem%s in '%s' against %s (tip %.12s, merge base %.12s)\n",
			res->count, res->count == 1 ? "" : "s", res->dir, res->ref, res->tip,
			res->merge_base);
		return fflush(stderr) ? MIGC_EIO : 0;
	}
	printf("ok: no migration problems in '%s' against %s (tip %.12s, merge base %.12s): "
	       "%zu migration%s, %zu new\n", res->dir, res->ref, res->tip, res->merge_base,
	       res->checked, res->checked == 1 ? "" : "s", res->added);
	return 0;
}

/* ------------------------------------------------------------------ */
/* json                                                                */
/* ------------------------------------------------------------------ */

static void json_finding(struct migc_json *j, const struct check_finding *f)
{
	migc_json_object(j, NULL);
	migc_json_string(j, "kind", f->kind);
	migc_json_string(j, "file", f->file);
	migc_json_int(j, "line", 1);
	migc_json_string(j, "version", f->version);
	migc_json_string(j, "commit", f->commit);
	migc_json_string(j, "conflicts_with", f->conflicts_with);
	migc_json_string(j, "next_version", *f->next_version ? f->next_version : NULL);
	migc_json_string(j, "message", f->message);
	migc_json_string(j, "suggestion", f->suggestion);
	migc_json_end_object(j);
}

static int print_json(const struct check_result *res)
{
	struct migc_json j;
	size_t i;

	migc_json_init(&j);
	migc_json_object(&j, NULL);
	migc_json_int(&j, "format_version", 1);
	migc_json_string(&j, "command", "check");
	migc_json_bool(&j, "ok", res->count == 0);
	migc_json_string(&j, "directory", *res->prefix ? res->prefix : ".");
	migc_json_object(&j, "base");
	migc_json_string(&j, "ref", res->ref);
	migc_json_string(&j, "tip", res->tip);
	migc_json_string(&j, "merge_base", res->merge_base);
	migc_json_end_object(&j);
	migc_json_object(&j, "head");
	migc_json_string(&j, "commit", *res->head ? res->head : NULL);
	migc_json_bool(&j, "worktree", res->worktree);
	migc_json_end_object(&j);
	migc_json_int(&j, "checked", (long long)res->checked);
	migc_json_int(&j, "added", (long long)res->added);
	migc_json_array(&j, "findings");
	for (i = 0; i < res->count; i++)
		json_finding(&j, &res->findings[i]);
	migc_json_end_array(&j);
	migc_json_end_object(&j);
	return migc_json_finish(&j, stdout);
}

/* ------------------------------------------------------------------ */
/* github                                                              */
/* ------------------------------------------------------------------ */

int check_github_escape(migc_buf *out, const char *s, int prop)
{
	for (; *s; s++) {
		const char *esc = NULL;

		switch (*s) {
		case '%': esc = "%25"; break;
		case '\r': esc = "%0D"; break;
		case '\n': esc = "%0A"; break;
		case ':': esc = prop ? "%3A" : NULL; break;
		case ',': esc = prop ? "%2C" : NULL; break;
		default: break;
		}
		if (esc ? migc_buf_puts(out, esc) : migc_buf_put(out, s, 1))
			return MIGC_ENOMEM;
	}
	return migc_buf_put(out, "", 0);
}

int github_annotation(migc_buf *b, const char *level, const char *file,
		      int line, const char *title, const char *message,
		      const char *hint)
{
	int rc = migc_buf_printf(b, "::%s ", level);

	if (!rc && file && *file) {
		rc = migc_buf_puts(b, "file=");
		if (!rc)
			rc = check_github_escape(b, file, 1);
		if (!rc && line > 0)
			rc = migc_buf_printf(b, ",line=%d", line);
		if (!rc)
			rc = migc_buf_puts(b, ",");
	}
	if (!rc)
		rc = migc_buf_puts(b, "title=");
	if (!rc)
		rc = check_github_escape(b, title, 1);
	if (!rc)
		rc = migc_buf_puts(b, "::");
	if (!rc)
		rc = check_github_escape(b, message, 0);
	if (!rc && hint && *hint) {
		rc = migc_buf_puts(b, " (");
		if (!rc)
			rc = check_github_escape(b, hint, 0);
		if (!rc)
			rc = migc_buf_puts(b, ")");
	}
	return rc ? rc : migc_buf_puts(b, "\n");
}

/* The annotation's title for a finding kind. */
static const char *kind_title(const char *kind)
{
	if (!strcmp(kind, CHECK_EDITED))
		return "merged migration edited";
	if (!strcmp(kind, CHECK_DELETED))
		return "merged migration deleted";
	if (!strcmp(kind, CHECK_RENAMED))
		return "merged migration renamed";
	if (!strcmp(kind, CHECK_COLLISION))
		return "migration version already taken";
	if (!strcmp(kind, CHECK_ORDER))
		return "migration out of order";
	return "duplicate migration version";
}

static int print_github(const struct check_result *res)
{
	migc_buf b = MIGC_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < res->count; i++) {
		const struct check_finding *f = &res->findings[i];

		rc = github_annotation(&b, "error", f->file, 1, kind_title(f->kind), f->message, f->suggestion);
	}
	if (!rc && res->count)
		rc = migc_buf_printf(&b, "migc: %zu problem%s in '%s' against %s\n", res->count,
				     res->count == 1 ? "" : "s", res->dir, res->ref);
	else if (!rc)
		rc = migc_buf_printf(&b, "ok: no migration problems in '%s' against %s\n",
				     res->dir, res->ref);
	if (!rc && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = MIGC_EIO;
	migc_buf_free(&b);
	return rc;
}

int check_print(const struct check_result *res, enum check_format format)
{
	if (format == CHECK_JSON)
		return print_json(res);
	if (format == CHECK_GITHUB)
		return print_github(res);
	return print_human(res);
}

void check_print_error(const migc_error *err, int exit_code,
		       enum check_format format)
{
	const char *msg = err->message[0] ? err->message : migc_strerror(err->code);
	struct migc_json j;
	migc_buf b = MIGC_BUF_INIT;

	fprintf(stderr, "migc: error: %s\n", msg);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	if (format == CHECK_GITHUB) {
		if (!github_annotation(&b, "error", NULL, 0, "migc check", msg, err->hint))
			fwrite(b.data, 1, b.len, stdout);
		migc_buf_free(&b);
	} else if (format == CHECK_JSON) {
		migc_json_init(&j);
		migc_json_object(&j, NULL);
		migc_json_int(&j, "format_version", 1);
		migc_json_string(&j, "command", "check");
		migc_json_bool(&j, "ok", 0);
		migc_json_object(&j, "error");
		migc_json_string(&j, "code", exit_code == 2 ? "usage" : "failed");
		migc_json_int(&j, "exit", exit_code);
		migc_json_string(&j, "message", msg);
		migc_json_string(&j, "hint", err->hint[0] ? err->hint : NULL);
		migc_json_end_object(&j);
		migc_json_array(&j, "findings");
		migc_json_end_array(&j);
		migc_json_end_object(&j);
		migc_json_finish(&j, stdout);
	}
}
