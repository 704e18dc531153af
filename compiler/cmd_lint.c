/*
 * cmd_lint.c - `migc lint`: only the rolling-deploy lint (lint.h) over a
 * migrations directory, for people, scripts (--format json) and pull
 * requests (--format github). `migc build` runs the same lint and prints
 * its findings as warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "lint.h"
#include "load.h"
#include "source.h"
#include "ui.h"
#include "util.h"

const char cmd_lint_usage[] =
	"usage: migc lint [DIR] [--format human|json|github] [--strict]\n"
	"                 [--dialect postgres|sqlite] [--since VERSION]\n"
	"\n"
	"Check the migrations in DIR (default: " MIGC_DEFAULT_DIR ") for statements that break\n"
	"the code still running during a rolling deploy, or that block its tables while\n"
	"they run. `migc build` runs the same lint and prints its findings as warnings.\n"
	"\n"
	"options:\n"
	"  --format human|json|github  output format (default human; github prints\n"
	"                              ::warning annotations, ::error under --strict)\n"
	"  --strict                    findings are errors: exit 1\n"
	"  --dialect postgres|sqlite   the database the migrations are for (default\n"
	"                              postgres); sqlite skips the PostgreSQL-only rules\n"
	"  --since VERSION             only versioned migrations newer than VERSION (the\n"
	"                              ones up to it have shipped), and repeatable ones\n"
	"  --layout TOOL               read DIR as another tool writes it (see\n"
	"                              'migc build --help'; default: detected)\n"
	"\n"
	"rules (a file opts out with `-- migc:allow RULE[,RULE...]` in its top comments):\n"
	"  drop-column, drop-table     in a pre-deploy migration (the old code uses them);\n"
	"                              do it in a `-- migc:phase post` migration instead\n"
	"  rename-column, rename-table a rename breaks whichever code uses the other name\n"
	"  change-column-type          ALTER COLUMN ... TYPE: a table rewrite under lock\n"
	"  add-not-null-without-default  ADD COLUMN ... NOT NULL without DEFAULT\n"
	"  set-not-null                ALTER COLUMN ... SET NOT NULL: a full scan under lock\n"
	"  create-index-non-concurrently  CREATE INDEX, ADD UNIQUE/PRIMARY KEY blocking writes\n"
	"  needs-no-transaction        CONCURRENTLY or VACUUM in a transactional migration\n"
	"  lock-without-timeout        an exclusive lock taken with lock_timeout 0\n"
	"  add-foreign-key, add-check-constraint  without NOT VALID\n"
	"  add-column-volatile-default ADD COLUMN ... DEFAULT random() (or serial): a rewrite\n"
	"  truncate                    TRUNCATE of a table the running code uses\n"
	"\n"
	"exit codes: 0 no findings (or only warnings, without --strict); 1 findings under\n"
	"--strict, or invalid migrations; 2 usage error.\n";

struct lint_opts {
	const char *dir, *format, *dialect, *since, *layout_name;
	int strict;
	migc_layout layout; /* 0: detect */
};

static int parse_lint(struct lint_opts *o, int argc, char **argv)
{
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!only_args && arg[0] == '-' && arg[1]) {
			if (!strcmp(arg, "--")) {
				only_args = 1;
				continue;
			}
			if ((rc = ui_opt_value(argc, argv, &i, NULL, "--format", cmd_lint_usage, &o->format)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--dialect", cmd_lint_usage, &o->dialect)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--since", cmd_lint_usage, &o->since)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--layout", cmd_lint_usage,
					       &o->layout_name))) {
				if (rc < 0)
					return UI_EXIT_USAGE;
				continue;
			}
			if (!strcmp(arg, "--strict")) {
				o->strict = 1;
				continue;
			}
			return ui_usage_error(cmd_lint_usage, "unknown option '%s'", arg);
		}
		if (o->dir)
			return ui_usage_error(cmd_lint_usage, "unexpected argument '%s' "
					      "(the directory is '%s')", arg, o->dir);
		o->dir = arg;
	}
	if (!o->dir)
		o->dir = MIGC_DEFAULT_DIR;
	if (!*o->dir)
		return ui_usage_error(cmd_lint_usage, "empty path");
	return ui_layout(&o->layout, o->layout_name, cmd_lint_usage);
}

/* The invalid files the loader reports: said on stderr, and kept for CI. */
struct problems {
	migc_error items[LOAD_MAX_SHOWN];
	size_t count;
};

static void keep_problem(void *ctx, const migc_error *problem)
{
	struct problems *p = ctx;

	ui_error(problem);
	if (p->count < LOAD_MAX_SHOWN)
		p->items[p->count++] = *problem;
}

/* Read DIR into a set; on failure say why (in `format` too) and return the
 * exit code. */
static int lint_load(migc_set **set, const struct lint_opts *o, struct lint_result *res,
		     enum lint_format format)
{
	struct migc_source *src = NULL;
	struct problems *probs = calloc(1, sizeof(*probs));
	size_t n = 0;
	migc_error err;
	int rc;

	migc_error_clear(&err);
	if (!probs) {
		ui_errorf("out of memory");
		return UI_EXIT_INVALID;
	}
	rc = migc_source_dir_open(&src, o->dir, &err);
	if (!rc)
		rc = load_set(set, src, o->layout, keep_problem, probs, &n, &err);
	if (rc) {
		if (n != 1)
			ui_error(&err);
		rc = ui_exit_code(rc);
		lint_print_error(res, format, o->strict, &err, rc, probs->items, probs->count);
	}
	migc_source_free(src);
	free(probs);
	return rc;
}

int cmd_lint(int argc, char **argv)
{
	struct lint_opts o;
	struct lint_result res;
	enum lint_format format = LINT_HUMAN;
	enum lint_dialect dialect = LINT_POSTGRES;
	migc_set *set = NULL;
	migc_error err;
	int rc;

	rc = parse_lint(&o, argc, argv);
	if (rc)
		return rc;
	if (o.format && lint_format_parse(&format, o.format))
		return ui_usage_error(cmd_lint_usage, "unknown format '%s' (human, json or github)",
				      o.format);
	if (o.dialect && lint_dialect_parse(&dialect, o.dialect))
		return ui_usage_error(cmd_lint_usage, "unknown dialect '%s' (postgres or sqlite)",
				      o.dialect);
	if (o.since && !migc_version_valid(o.since))
		return ui_usage_error(cmd_lint_usage, "--since '%s' is not a version (digits, or "
				      "dotted digits such as 1.2.3)", o.since);
	memset(&res, 0, sizeof(res));
	res.dir = o.dir;
	res.dialect = dialect;
	rc = lint_load(&set, &o, &res, format);
	if (rc)
		return rc;
	migc_error_clear(&err);
	rc = lint_set(&res, set, o.dir, dialect, o.since, &err);
	if (!rc)
		rc = lint_print(&res, format, o.strict);
	if (rc) {
		if (!err.message[0])
			migc_err(&err, rc, "cannot write the output");
		rc = ui_fail(&err);
	} else if (o.strict && res.count) {
		rc = UI_EXIT_INVALID;
	}
	lint_result_free(&res);
	migc_set_free(set);
	return rc;
}
