/*
 * unit.c - the unit-test harness behind unit.h.
 */
#include "unit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* 1: the mapping holding `p` has MADV_HUGEPAGE ("hg"), 0: not, -1: unknown
 * (no /proc/self/smaps). */
int unit_huge_advised(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* a mapping's first line: "lo-hi perms ..."; its fields
		 * ("Size:", "VmFlags:") start with a capital letter */
		if (line[0] >= 'A' && line[0] <= 'Z')
			;
		else if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			found = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}
