/*
 * test_pg_binary.c - the PostgreSQL binary values the history read
 * decodes (pg_binary.c): int8 of every sign and a bad length refused, and
 * timestamptz printed exactly as the server's to_char(v AT TIME ZONE
 * 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') prints it: fractions dropped (not
 * rounded, also before 2000), leap days, years BC and past 9999, and ""
 * for infinity, -infinity and NULL. (tests/e2e/runtime_pg.sh compares
 * with the server itself.)
 */
#include <string.h>

#include "pg_binary.h"
#include "unit.h"

/* `v` as the 8 big-endian bytes the server sends. */
static void be8(char out[8], long long v)
{
	unsigned long long u = (unsigned long long)v;
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (char)(u & 0xff);
		u >>= 8;
	}
}

static long long int8_of(long long v)
{
	char b[8];
	long long got = 42;

	be8(b, v);
	CHECK_INT(migc_pg_bin_int8(b, 8, &got), 0);
	return got;
}

static void test_int8(void)
{
	char b[8] = {0};
	long long got;

	CHECK_INT(int8_of(0), 0);
	CHECK_INT(int8_of(1), 1);
	CHECK_INT(int8_of(-1), -1);
	CHECK_INT(int8_of(10000), 10000);
	CHECK_INT(int8_of(0x7fffffffffffffffLL), 0x7fffffffffffffffLL);
	CHECK_INT(int8_of(-0x7fffffffffffffffLL - 1), -0x7fffffffffffffffLL - 1);
	CHECK_INT(migc_pg_bin_int8(b, 4, &got), -1); /* an int4 */
	CHECK_INT(migc_pg_bin_int8(b, -1, &got), -1); /* NULL */
	CHECK_INT(migc_pg_bin_int8(b, 0, &got), -1);
}

static const char *utc(long long us)
{
	static char out[MIGC_PG_UTC_MAX];
	char b[8];

	be8(b, us);
	memcpy(out, "junk", 5);
	if (migc_pg_bin_utc(out, sizeof(out), b, 8))
		return "(refused)";
	return out;
}

static void test_timestamptz(void)
{
	char out[MIGC_PG_UTC_MAX] = "junk", b[8] = {0};

	/* microseconds since 2000-01-01 00:00:00 UTC, from the server */
	CHECK_STR(utc(0), "2000-01-01T00:00:00Z");
	CHECK_STR(utc(849076175123456LL), "2026-11-27T06:29:35Z");
	CHECK_STR(utc(-1), "1999-12-31T23:59:59Z");
	CHECK_STR(utc(5145255160000LL), "2000-02-29T13:14:15Z");
	CHECK_STR(utc(-64464465600000000LL), "0044-03-15T12:00:00Z"); /* BC */
	CHECK_STR(utc(252455616000000000LL), "10000-01-01T00:00:00Z");
	CHECK_STR(utc(-946684800000000LL), "1970-01-01T00:00:00Z");
	CHECK_STR(utc(0x7fffffffffffffffLL), "");       /* infinity */
	CHECK_STR(utc(-0x7fffffffffffffffLL - 1), ""); /* -infinity */
	CHECK_INT(migc_pg_bin_utc(out, sizeof(out), b, -1), 0); /* NULL */
	CHECK_STR(out, "");
	CHECK_INT(migc_pg_bin_utc(out, sizeof(out), b, 4), -1);
	CHECK_INT(migc_pg_bin_utc(out, 5, b, 8), 0); /* truncated, ended */
	CHECK_STR(out, "2000");
}

int main(void)
{
	RUN(test_int8);
	RUN(test_timestamptz);
	return unit_done();
}
