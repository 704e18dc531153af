/*
 * bundle_record.c - a bundle's entries as fixed-width records: the one
 * encoder (the compiler's renderer and the tests write records with it)
 * and the one decoder (the loader reads them with it).
 *
 * include/migc.h is the contract: 80 bytes per record, 51 records to a row
 * of MIGC_BUNDLE_ROW chars, each field an unsigned little-endian integer
 * at a fixed offset (FIELD_* below, the table in migc.h). Fields are read
 * and written a byte at a time with shifts, never by copying a struct, so
 * the format does not depend on the compiler's struct layout, padding or
 * the machine's byte order; gcc and clang turn each read into one load on
 * a little-endian machine, so decoding 10,000 records costs little at
 * start.
 *
 * The decoder checks only what a record can say that its decoded form
 * cannot hold (a line over INT_MAX, an offset over SIZE_MAX) and that the
 * record is in the table; what the values mean (offsets inside the string
 * table and the stream, kinds, flags) the loader checks (bundle.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "migc.h"
#include "util.h"

/* Where each field is in a record, and its width (include/migc.h). */
enum {
	FIELD_KIND = 0,              /* 2 */
	FIELD_FLAGS = 2,             /* 2 */
	FIELD_VERSION_OFF = 4,       /* 4 */
	FIELD_NAME_OFF = 8,          /* 4 */
	FIELD_FILENAME_OFF = 12,     /* 4 */
	FIELD_CHECKSUM_OFF = 16,     /* 4 */
	FIELD_ADDED_COMMIT_OFF = 20, /* 4 */
	FIELD_DOWN_FILENAME_OFF = 24, /* 4 */
	FIELD_DOWN_CHECKSUM_OFF = 28, /* 4 */
	FIELD_SQL_LINE = 32,         /* 4 */
	FIELD_DOWN_LINE = 36,        /* 4 */
	FIELD_ADDED_TIME = 40,       /* 8 */
	FIELD_SQL_OFF = 48,          /* 8 */
	FIELD_SQL_LEN = 56,          /* 8 */
	FIELD_DOWN_OFF = 64,         /* 8 */
	FIELD_DOWN_LEN = 72,         /* 8 */
	RECORD_END = 80
};

/* The table in migc.h and the enum above must agree on the size. */
typedef char record_size_matches[RECORD_END == MIGC_BUNDLE_RECORD ? 1 : -1];
typedef char records_fit_a_row[MIGC_BUNDLE_ROW_RECORDS * MIGC_BUNDLE_RECORD <=
			       MIGC_BUNDLE_ROW_BYTES ? 1 : -1];

static void put_le(unsigned char *p, uint64_t v, int width)
{
	int i;

	for (i = 0; i < width; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

int migc_bundle_record_put(char *rec, const struct migc_bundle_entry *e,
			   migc_error *err)
{
	unsigned char *p = (unsigned char *)rec;

	if (e->kind < 0 || e->kind > 0xffff || e->flags > 0xffff ||
	    e->sql_line < 0 || e->down_line < 0)
		return migc_err(err, MIGC_EINVALID,
				"a bundle record cannot hold kind %d, flags 0x%x, "
				"lines %d and %d", e->kind, e->flags, e->sql_line,
				e->down_line);
	put_le(p + FIELD_KIND, (uint64_t)e->kind, 2);
	put_le(p + FIELD_FLAGS, e->flags, 2);
	put_le(p + FIELD_VERSION_OFF, e->version_off, 4);
	put_le(p + FIELD_NAME_OFF, e->name_off, 4);
	put_le(p + FIELD_FILENAME_OFF, e->filename_off, 4);
	put_le(p + FIELD_CHECKSUM_OFF, e->checksum_off, 4);
	put_le(p + FIELD_ADDED_COMMIT_OFF, e->added_commit_off, 4);
	put_le(p + FIELD_DOWN_FILENAME_OFF, e->down_filename_off, 4);
	put_le(p + FIELD_DOWN_CHECKSUM_OFF, e->down_checksum_off, 4);
	put_le(p + FIELD_SQL_LINE, (uint64_t)e->sql_line, 4);
	put_le(p + FIELD_DOWN_LINE, (uint64_t)e->down_line, 4);
	put_le(p + FIELD_ADDED_TIME, (uint64_t)e->added_time, 8);
	put_le(p + FIELD_SQL_OFF, e->sql_off, 8);
	put_le(p + FIELD_SQL_LEN, e->sql_len, 8);
	put_le(p + FIELD_DOWN_OFF, e->down_off, 8);
	put_le(p + FIELD_DOWN_LEN, e->down_len, 8);
	return 0;
}

/* A two's complement 64-bit value as a long long, without relying on the
 * implementation-defined conversion of an out-of-range unsigned. */
static long long signed64(uint64_t v)
{
	if (v <= (uint64_t)LLONG_MAX)
		return (long long)v;
	return -(long long)(~v) - 1;
}

static int record_corrupt(migc_error *err, size_t index, const char *what)
{
	char where[64];

	snprintf(where, sizeof(where), "record #%zu", index + 1);
	migc_err(err, MIGC_ECORRUPT, "corrupted bundle: %s: %s", where, what);
	migc_err_where(err, where, 0);
	migc_err_hint(err, "rebuild the release binary with 'migc build --binary'; "
			   "do not patch or truncate it");
	return MIGC_ECORRUPT;
}

/* Whether a 64-bit offset or length fits a size_t (always on 64-bit). */
static int fits_size(uint64_t v)
{
#if SIZE_MAX < UINT64_MAX
	return v <= SIZE_MAX;
#else
	(void)v;
	return 1;
#endif
}

int migc_bundle_entry_get(struct migc_bundle_entry *out,
			  const struct migc_bundle *b, size_t index,
			  migc_error *err)
{
	const unsigned char *p;
	uint64_t sql_off, sql_len, down_off, down_len;
	uint32_t sql_line, down_line;

	if (index >= b->count || !b->records ||
	    index / MIGC_BUNDLE_ROW_RECORDS >= b->record_rows)
		return record_corrupt(err, index, "beyond the bundle's record table");
	p = (const unsigned char *)b->records[index / MIGC_BUNDLE_ROW_RECORDS] +
	    index % MIGC_BUNDLE_ROW_RECORDS * MIGC_BUNDLE_RECORD;
	sql_line = get_le32(p + FIELD_SQL_LINE);
	down_line = get_le32(p + FIELD_DOWN_LINE);
	sql_off = get_le64(p + FIELD_SQL_OFF);
	sql_len = get_le64(p + FIELD_SQL_LEN);
	down_off = get_le64(p + FIELD_DOWN_OFF);
	down_len = get_le64(p + FIELD_DOWN_LEN);
	if (sql_line > INT_MAX || down_line > INT_MAX)
		return record_corrupt(err, index, "a line number is out of range");
	if (!fits_size(sql_off) || !fits_size(sql_len) || !fits_size(down_off) ||
	    !fits_size(down_len))
		return record_corrupt(err, index, "an SQL offset or length is out of range");
	out->kind = get_le16(p + FIELD_KIND);
	out->flags = get_le16(p + FIELD_FLAGS);
	out->version_off = get_le32(p + FIELD_VERSION_OFF);
	out->name_off = get_le32(p + FIELD_NAME_OFF);
	out->filename_off = get_le32(p + FIELD_FILENAME_OFF);
	out->checksum_off = get_le32(p + FIELD_CHECKSUM_OFF);
	out->added_commit_off = get_le32(p + FIELD_ADDED_COMMIT_OFF);
	out->down_filename_off = get_le32(p + FIELD_DOWN_FILENAME_OFF);
	out->down_checksum_off = get_le32(p + FIELD_DOWN_CHECKSUM_OFF);
	out->added_time = signed64(get_le64(p + FIELD_ADDED_TIME));
	out->sql_off = (size_t)sql_off;
	out->sql_len = (size_t)sql_len;
	out->down_off = (size_t)down_off;
	out->down_len = (size_t)down_len;
	out->sql_line = (int)sql_line;
	out->down_line = (int)down_line;
	return 0;
}
