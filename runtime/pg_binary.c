/*
 * pg_binary.c - PostgreSQL binary values as the history rows show them
 * (pg_binary.h).
 *
 * The calendar is the proleptic Gregorian one the server uses for every
 * date (its j2date()): days are converted with the era arithmetic of
 * Howard Hinnant's civil_from_days, exact for any day count an int8 of
 * microseconds can hold. Years are astronomical there (0 is 1 BC), and
 * printed the way to_char's YYYY does (year <= 0 as 1 - year).
 */
#include "pg_binary.h"
#include "util.h"

int migc_pg_bin_int8(const char *p, int len, long long *out)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned long long v;

	*out = 0;
	if (len != 8)
		return -1;
	/* one load and a byte swap, for compilers that see the pattern */
	v = (unsigned long long)u[0] << 56 | (unsigned long long)u[1] << 48 |
	    (unsigned long long)u[2] << 40 | (unsigned long long)u[3] << 32 |
	    (unsigned long long)u[4] << 24 | (unsigned long long)u[5] << 16 |
	    (unsigned long long)u[6] << 8 | u[7];
	/* two's complement, without relying on the conversion's
	 * implementation-defined result */
	*out = v > 0x7fffffffffffffffull
	       ? -(long long)(~v) - 1 : (long long)v;
	return 0;
}

/* Floor division and its remainder (0 <= *rem < d), for d > 0. */
static long long floor_div(long long n, long long d, long long *rem)
{
	long long q = n / d, r = n % d;

	if (r < 0) {
		r += d;
		q--;
	}
	*rem = r;
	return q;
}

/* `v` (>= 0) in decimal, at least `width` digits, at `p`; the end. */
static char *digits(char *p, long long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 || n < width);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* 0..99 as two digits and `sep` after them; the end. */
static char *two(char *p, unsigned v, char sep)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	p[2] = sep;
	return p + 3;
}

int migc_pg_bin_utc(char *out, size_t size, const char *p, int len)
{
	/* 2000-01-01 is day 10957 of the Unix epoch */
	const long long usecs_per_day = 86400000000LL, epoch_2000 = 10957;
	long long us, days, t, z, era, y, year;
	unsigned doe, yoe, doy, mp, d, m, secs;
	char text[MIGC_PG_UTC_MAX], *q;

	if (size)
		out[0] = '\0';
	if (len == -1)
		return 0; /* NULL */
	if (migc_pg_bin_int8(p, len, &us))
		return -1;
	if (us == 0x7fffffffffffffffLL || us == -0x7fffffffffffffffLL - 1)
		return 0; /* infinity, -infinity: to_char's NULL */
	days = floor_div(us, usecs_per_day, &t);
	secs = (unsigned)(t / 1000000); /* fractions dropped, as SS does */
	z = days + epoch_2000 + 719468; /* days since 0000-03-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	year = y <= 0 ? 1 - y : y;
	/* by hand, not snprintf: this runs for every history row */
	q = size >= MIGC_PG_UTC_MAX ? out : text;
	if (year <= 9999) {
		q = two(q, (unsigned)(year / 100), (char)('0' + year / 10 % 10));
		*q++ = (char)('0' + year % 10);
		*q++ = '-';
	} else {
		q = digits(q, year, 4);
		*q++ = '-';
	}
	q = two(q, m, '-');
	q = two(q, d, 'T');
	q = two(q, secs / 3600, ':');
	q = two(q, secs / 60 % 60, ':');
	q = two(q, secs % 60, 'Z');
	*q = '\0';
	if (size && size < MIGC_PG_UTC_MAX)
		migc_strlcpy(out, text, size);
	return 0;
}
