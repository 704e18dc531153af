/*
 * ui.c - messages, exit codes and option parsing for the migc command. See
 * ui.h.
 */
#include "ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ui_exit_code(int code)
{
	if (code == MIGC_OK)
		return UI_EXIT_OK;
	if (code == MIGC_EUSAGE)
		return UI_EXIT_USAGE;
	return UI_EXIT_INVALID;
}

void ui_error(const migc_error *err)
{
	fprintf(stderr, "migc: error: %s\n",
		err->message[0] ? err->message : migc_strerror(err->code));
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
}

int ui_fail(const migc_error *err)
{
	ui_error(err);
	return ui_exit_code(err->code);
}

void ui_report_problem(void *ctx, const migc_error *problem)
{
	(void)ctx;
	ui_error(problem);
}

void ui_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("migc: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ui_hint(const char *fmt, ...)
{
	va_list ap;

	fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ui_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("migc: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	fputs(usage, stderr);
	return UI_EXIT_USAGE;
}

int ui_opt_value(int argc, char **argv, int *i, const char *shortname,
		 const char *longname, const char *usage, const char **value)
{
	const char *arg = argv[*i];
	size_t n = strlen(longname);

	if (strncmp(arg, longname, n) == 0 && arg[n] == '=') {
		*value = arg + n + 1;
		return 1;
	}
	if (shortname && strncmp(arg, shortname, 2) == 0 && arg[2]) {
		*value = arg + 2;
		return 1;
	}
	if (strcmp(arg, longname) != 0 && (!shortname || strcmp(arg, shortname) != 0))
		return 0;
	if (*i + 1 >= argc) {
		ui_usage_error(usage, "option '%s' needs a value", arg);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int ui_layout(migc_layout *out, const char *name, const char *usage)
{
	migc_error err;

	*out = (migc_layout)0;
	if (!name)
		return 0;
	if (migc_layout_parse(out, name, &err))
		return ui_usage_error(usage, "%s", err.message);
	return 0;
}
