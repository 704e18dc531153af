/*
 * bundle_record.h - a bundle's entry records (include/migc.h), the format
 * and its one decoder, inline.
 *
 * Not part of the public API: migc_bundle_entry_get() (bundle_record.c) is
 * the public reader, and the encoder, migc_bundle_record_put(), is there
 * too. The decoder is here so the loader's passes over 10,000 records
 * (bundle.c) inline it: a pass that needs only the SQL's lengths then
 * reads only those fields (a call decoding all 16 fields was ~2 % of a
 * 100 MB start's instructions).
 *
 * Fields are read a byte at a time with shifts, never by copying a
 * struct, so the format does not depend on a compiler's struct layout or
 * the machine's byte order; gcc and clang make each read one load on a
 * little-endian machine.
 */
#ifndef MIGC_BUNDLE_RECORD_H
#define MIGC_BUNDLE_RECORD_H

#include <limits.h>
#include <stdint.h>

#include "migc.h"

/* Where each field is in a record; the widths are in the comments and in
 * the table of include/migc.h. */
enum {
	RECORD_KIND = 0,              /* 2 */
	RECORD_FLAGS = 2,             /* 2 */
	RECORD_VERSION_OFF = 4,       /* 4 */
	RECORD_NAME_OFF = 8,          /* 4 */
	RECORD_FILENAME_OFF = 12,     /* 4 */
	RECORD_CHECKSUM_OFF = 16,     /* 4 */
	RECORD_ADDED_COMMIT_OFF = 20, /* 4 */
	RECORD_DOWN_FILENAME_OFF = 24, /* 4 */
	RECORD_DOWN_CHECKSUM_OFF = 28, /* 4 */
	RECORD_SQL_LINE = 32,         /* 4 */
	RECORD_DOWN_LINE = 36,        /* 4 */
	RECORD_ADDED_TIME = 40,       /* 8, two's complement */
	RECORD_SQL_OFF = 48,          /* 8 */
	RECORD_SQL_LEN = 56,          /* 8 */
	RECORD_DOWN_OFF = 64,         /* 8 */
	RECORD_DOWN_LEN = 72,         /* 8 */
	RECORD_END = 80
};

static inline uint16_t record_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t record_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t record_le64(const unsigned char *p)
{
	return (uint64_t)record_le32(p) | (uint64_t)record_le32(p + 4) << 32;
}

/* Whether a 64-bit offset or length fits a size_t (always on 64-bit). */
static inline int record_fits_size(uint64_t v)
{
#if SIZE_MAX < UINT64_MAX
	return v <= SIZE_MAX;
#else
	(void)v;
	return 1;
#endif
}

/* Record `index` of `b`, or NULL when it is not in the table (`index` not
 * below `count`, or beyond `record_rows`). */
static inline const unsigned char *record_at(const struct migc_bundle *b,
					     size_t index)
{
	if (index >= b->count || !b->records ||
	    index / MIGC_BUNDLE_ROW_RECORDS >= b->record_rows)
		return NULL;
	return (const unsigned char *)b->records[index / MIGC_BUNDLE_ROW_RECORDS] +
	       index % MIGC_BUNDLE_ROW_RECORDS * MIGC_BUNDLE_RECORD;
}

/*
 * Decode record `p` into *out: 0, or -1 when a field cannot be what its
 * decoded form holds (a line over INT_MAX, an offset over SIZE_MAX).
 */
static inline int record_decode(struct migc_bundle_entry *out,
				const unsigned char *p)
{
	uint64_t sql_off = record_le64(p + RECORD_SQL_OFF),
		 sql_len = record_le64(p + RECORD_SQL_LEN),
		 down_off = record_le64(p + RECORD_DOWN_OFF),
		 down_len = record_le64(p + RECORD_DOWN_LEN),
		 added = record_le64(p + RECORD_ADDED_TIME);
	uint32_t sql_line = record_le32(p + RECORD_SQL_LINE),
		 down_line = record_le32(p + RECORD_DOWN_LINE);

	if (sql_line > INT_MAX || down_line > INT_MAX ||
	    !record_fits_size(sql_off) || !record_fits_size(sql_len) ||
	    !record_fits_size(down_off) || !record_fits_size(down_len))
		return -1;
	out->kind = record_le16(p + RECORD_KIND);
	out->flags = record_le16(p + RECORD_FLAGS);
	out->version_off = record_le32(p + RECORD_VERSION_OFF);
	out->name_off = record_le32(p + RECORD_NAME_OFF);
	out->filename_off = record_le32(p + RECORD_FILENAME_OFF);
	out->checksum_off = record_le32(p + RECORD_CHECKSUM_OFF);
	out->added_commit_off = record_le32(p + RECORD_ADDED_COMMIT_OFF);
	out->down_filename_off = record_le32(p + RECORD_DOWN_FILENAME_OFF);
	out->down_checksum_off = record_le32(p + RECORD_DOWN_CHECKSUM_OFF);
	/* two's complement, without the implementation-defined conversion
	 * of an unsigned value over LLONG_MAX */
	out->added_time = added <= (uint64_t)LLONG_MAX ? (long long)added
						       : -(long long)~added - 1;
	out->sql_off = (size_t)sql_off;
	out->sql_len = (size_t)sql_len;
	out->down_off = (size_t)down_off;
	out->down_len = (size_t)down_len;
	out->sql_line = (int)sql_line;
	out->down_line = (int)down_line;
	return 0;
}

/* Entry `index` of `b` decoded: 0, or -1 when migc_bundle_entry_get()
 * would refuse it (which says why). */
static inline int record_get(struct migc_bundle_entry *out,
			     const struct migc_bundle *b, size_t index)
{
	const unsigned char *p = record_at(b, index);

	return p ? record_decode(out, p) : -1;
}

#endif /* MIGC_BUNDLE_RECORD_H */
