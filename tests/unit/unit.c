/*
 * unit.c - the unit-test harness behind unit.h.
 */
#include "unit.h"

#include <stdarg.h>
#include <stdio.h>

static int failed_checks;
static int passed, failed;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failed_checks++;
	fprintf(stdout, "#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void unit_run(const char *name, void (*fn)(void))
{
	int before = failed_checks;

	fn();
	if (failed_checks == before) {
		passed++;
		printf("ok - %s\n", name);
	} else {
		failed++;
		printf("not ok - %s\n", name);
	}
	fflush(stdout);
}

int unit_done(void)
{
	return failed ? 1 : 0;
}
