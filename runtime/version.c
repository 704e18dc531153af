/*
 * version.c - migration versions: validation and ordering.
 *
 * A version is a run of digits ("0001", "20261124093000") or dotted digit
 * groups ("1.2.3"). Each group is compared as a number of any length,
 * without converting it (so no overflow): leading zeros are skipped, then a
 * longer group is larger, then the digits decide. A missing group counts as
 * zero, so "1.2" equals "1.2.0" and "001" equals "1": such pairs are
 * duplicates, not distinct versions.
 */
#include <string.h>

#include "migc.h"
#include "model.h"

size_t migc_version_span(const char *v)
{
	const char *p;
	int digits = 0;

	if (!v || !*v)
		return 0;
	for (p = v; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
		} else if (*p == '.') {
			if (!digits)
				return 0; /* leading or doubled dot */
			digits = 0;
		} else {
			return 0;
		}
	}
	return digits > 0 ? (size_t)(p - v) : 0; /* no trailing dot */
}

int migc_version_valid(const char *v)
{
	return migc_version_span(v) != 0;
}

/* Length of the digit group starting at `s` (stops at '.' or the end). */
static size_t group_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != '.')
		n++;
	return n;
}

/* Compare two digit groups numerically. */
static int group_compare(const char *a, size_t alen, const char *b,
			 size_t blen)
{
	int c;

	while (alen && *a == '0') {
		a++;
		alen--;
	}
	while (blen && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return (c > 0) - (c < 0);
}

int migc_version_compare(const char *a, const char *b)
{
	static const char zero[] = "0";
	size_t i;

	/* The common case first: two runs of digits of the same length
	 * (zero-padded numbers, timestamps) compare as text. The sort, the
	 * report and the set compare every neighbour pair at every start. */
	for (i = 0; a[i] >= '0' && a[i] <= '9' && b[i] >= '0' && b[i] <= '9'; i++)
		;
	if (!a[i] && !b[i]) {
		int c = memcmp(a, b, i);

		return (c > 0) - (c < 0);
	}
	for (;;) {
		size_t alen, blen;
		int c;

		if (!*a && !*b)
			return 0;
		alen = *a ? group_len(a) : 0;
		blen = *b ? group_len(b) : 0;
		c = group_compare(*a ? a : zero, *a ? alen : 1, *b ? b : zero,
				  *b ? blen : 1);
		if (c)
			return c;
		a += alen;
		b += blen;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
}
