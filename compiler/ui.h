/*
 * ui.h - how the migc command talks to people: git-style messages
 * ("migc: error: ...", "hint: ..."), exit codes, and option parsing helpers
 * shared by the commands.
 */
#ifndef MIGC_UI_H
#define MIGC_UI_H

#include "migc.h"
#include "util.h"

/* Exit codes of the compiler (DESIGN.md). */
enum {
	UI_EXIT_OK = 0,
	UI_EXIT_INVALID = 1, /* migrations invalid, check found a problem, failure */
	UI_EXIT_USAGE = 2
};

/* The exit code for a MIGC_E* code. */
int ui_exit_code(int code);

/* "migc: error: <message>" and, when there is one, "hint: <hint>". */
void ui_error(const migc_error *err);

/* The same, returning ui_exit_code(err->code). */
int ui_fail(const migc_error *err);

/* ui_error() as a load_report_fn (load.h); `ctx` is unused. */
void ui_report_problem(void *ctx, const migc_error *problem);

void ui_errorf(const char *fmt, ...) MIGC_PRINTF(1, 2);
void ui_hint(const char *fmt, ...) MIGC_PRINTF(1, 2);

/*
 * A usage error: the message, then the command's usage, on stderr.
 * Returns UI_EXIT_USAGE.
 */
int ui_usage_error(const char *usage, const char *fmt, ...) MIGC_PRINTF(2, 3);

/*
 * If argv[*i] is the option `shortname` ("-o", may be NULL) or `longname`
 * ("--output"), in any of the forms "-o FILE", "-oFILE", "--output FILE",
 * "--output=FILE", store its value, advance *i past it and return 1.
 * Return 0 when argv[*i] is another argument, and -1 (after printing a
 * usage error) when the value is missing.
 */
int ui_opt_value(int argc, char **argv, int *i, const char *shortname,
		 const char *longname, const char *usage, const char **value);

/*
 * The --layout option's value as a layout (NULL: 0, detect from the files).
 * Returns 0, or UI_EXIT_USAGE after a usage error listing the layouts.
 */
int ui_layout(migc_layout *out, const char *name, const char *usage);

/* The help text of --layout, shared by the commands that read a directory. */
#define UI_LAYOUT_HELP \
	"  --layout TOOL          read DIR as TOOL writes it: migc, golang-migrate,\n" \
	"                         goose, dbmate, flyway, sqlx, refinery, diesel, prisma\n" \
	"                         (default: detected from the files)\n"

#endif /* MIGC_UI_H */
