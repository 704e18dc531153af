/*
 * duration.c - durations as users write them: "500ms", "5s", "10min", "1h",
 * or a plain number of seconds ("30"). Used by the timeout directives and
 * the command-line options, so both accept exactly the same forms.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *unit;
	long long ms;
} units[] = {
	{"ms", 1}, {"s", 1000}, {"sec", 1000}, {"min", 60000}, {"m", 60000},
	{"h", 3600000},
};

int migc_duration_parse(long *out_ms, const char *text)
{
	unsigned long long n;
	const char *p = text;
	char *end;
	size_t i;

	if (!text || *text < '0' || *text > '9')
		return MIGC_EUSAGE;
	errno = 0;
	n = strtoull(p, &end, 10);
	if (errno || end == p)
		return MIGC_EUSAGE;
	if (!*end) {
		if (n > (unsigned long long)LONG_MAX / 1000)
			return MIGC_EUSAGE;
		*out_ms = (long)(n * 1000);
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (n > (unsigned long long)LONG_MAX / (unsigned long long)units[i].ms)
			return MIGC_EUSAGE;
		*out_ms = (long)(n * (unsigned long long)units[i].ms);
		return 0;
	}
	return MIGC_EUSAGE;
}
