/*
 * bundle_record.c - a bundle's entries as fixed-width records: the one
 * encoder (the compiler's renderer and the tests write records with it)
 * and the public reader over the one decoder (bundle_record.h, inline for
 * the loader's passes).
 *
 * include/migc.h is the contract: 80 bytes per record, 51 records to a row
 * of MIGC_BUNDLE_ROW chars, each field an unsigned little-endian integer
 * at a fixed offset (RECORD_* in bundle_record.h, the table in migc.h).
 * Fields are written a byte at a time with shifts, never by copying a
 * struct, so the format does not depend on the compiler's struct layout,
 * padding or the machine's byte order.
 *
 * The decoder checks only what a record can say that its decoded form
 * cannot hold (a line over INT_MAX, an offset over SIZE_MAX) and that the
 * record is in the table; what the values mean (offsets inside the string
 * table and the stream, kinds, flags) the loader checks (bundle.c).
 */
#include <stdint.h>
#include <stdio.h>

#include "bundle_record.h"
#include "migc.h"
#include "util.h"

/* The table in migc.h and bundle_record.h must agree on the size, and a
 * row must hold its records and its literal's NUL. */
typedef char record_size_matches[RECORD_END == MIGC_BUNDLE_RECORD ? 1 : -1];
typedef char records_fit_a_row[MIGC_BUNDLE_ROW_RECORDS * MIGC_BUNDLE_RECORD <=
			       MIGC_BUNDLE_ROW_BYTES ? 1 : -1];

static void put_le(unsigned char *p, uint64_t v, int width)
{
	int i;

	for (i = 0; i < width; i++)
		p[i] = (unsigned char)(v >> (8 * i));
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
	put_le(p + RECORD_KIND, (uint64_t)e->kind, 2);
	put_le(p + RECORD_FLAGS, e->flags, 2);
	put_le(p + RECORD_VERSION_OFF, e->version_off, 4);
	put_le(p + RECORD_NAME_OFF, e->name_off, 4);
	put_le(p + RECORD_FILENAME_OFF, e->filename_off, 4);
	put_le(p + RECORD_CHECKSUM_OFF, e->checksum_off, 4);
	put_le(p + RECORD_ADDED_COMMIT_OFF, e->added_commit_off, 4);
	put_le(p + RECORD_DOWN_FILENAME_OFF, e->down_filename_off, 4);
	put_le(p + RECORD_DOWN_CHECKSUM_OFF, e->down_checksum_off, 4);
	put_le(p + RECORD_SQL_LINE, (uint64_t)e->sql_line, 4);
	put_le(p + RECORD_DOWN_LINE, (uint64_t)e->down_line, 4);
	put_le(p + RECORD_ADDED_TIME, (uint64_t)e->added_time, 8);
	put_le(p + RECORD_SQL_OFF, e->sql_off, 8);
	put_le(p + RECORD_SQL_LEN, e->sql_len, 8);
	put_le(p + RECORD_DOWN_OFF, e->down_off, 8);
	put_le(p + RECORD_DOWN_LEN, e->down_len, 8);
	return 0;
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

int migc_bundle_entry_get(struct migc_bundle_entry *out,
			  const struct migc_bundle *b, size_t index,
			  migc_error *err)
{
	const unsigned char *p = record_at(b, index);

	if (!p)
		return record_corrupt(err, index, "beyond the bundle's record table");
	if (record_decode(out, p))
		return record_corrupt(err, index, "a line number, SQL offset or "
				      "length is out of range");
	return 0;
}
