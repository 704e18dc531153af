/*
 * pg_binary.h - the few PostgreSQL binary-format values the driver reads
 * (libpq result format 1): int8 and timestamptz. Pure functions over the
 * bytes libpq returns, so they are tested without a server
 * (tests/unit/test_pg_binary.c; tests/e2e/runtime_pg.sh compares them with
 * the server's own to_char on odd timestamps).
 *
 * Why binary: the history read is the one statement of a no-op `up` that
 * grows with the table, and text output made the server format every
 * row's numbers and its timestamp (a to_char per row was ~60 % of the
 * statement's execution at 10,000 rows: EXPLAIN ANALYZE 14.8 -> 6.0 ms).
 */
#ifndef MIGC_PG_BINARY_H
#define MIGC_PG_BINARY_H

#include <stddef.h>

/*
 * `len` is PQgetlength()'s, or -1 for a NULL (PQgetisnull(): libpq gives
 * a NULL the length 0).
 *
 * An int8 (8 bytes, big-endian) into *out: 0, or -1 when `len` is not 8
 * (a NULL included).
 */
int migc_pg_bin_int8(const char *p, int len, long long *out);

/*
 * A timestamptz (int8 microseconds since 2000-01-01 00:00:00 UTC) as
 * "YYYY-MM-DDTHH:MM:SSZ" in UTC, exactly what the server's
 * to_char(v AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') prints:
 * fractions of a second dropped, a year of more than 4 digits in full, a
 * year BC as its number (44 BC: "0044"), and "" for infinity, -infinity
 * and NULL (to_char gives NULL, read as ""). `size` >= 32 holds every
 * value. 0, or -1 when `len` is neither 8 nor -1 (NULL).
 */
#define MIGC_PG_UTC_MAX 32
int migc_pg_bin_utc(char *out, size_t size, const char *p, int len);

#endif /* MIGC_PG_BINARY_H */
