/*
 * test_bundle.c - loading a bundle refuses anything damaged: another ABI,
 * SQL whose bytes no longer match the checksum (in a migration that shares
 * its row with another, and in one that spans two rows), SQL placed beyond
 * the bundle's stream, strings placed beyond its string table or not ended
 * there, a wrong bundle id, fields that disagree, records damaged in their
 * bytes or a record table that does not match its count. A good
 * bundle loads into the same set the compiler would build, its strings
 * used where the bundle has them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migc.h"
#include "unit.h"

/* A short migration and a 5023-byte one after it in the same stream: the
 * first row holds all of the first and the start of the second. */
#define SHORT_SQL "CREATE TABLE a (x int);\n"
#define SHORT_LEN (sizeof(SHORT_SQL) - 1)
#define LONG_LEN 5023
static char rows[2][MIGC_BUNDLE_ROW];
static struct migc_bundle_entry entries[2];
static struct migc_bundle bundle;
static const char (*records)[MIGC_BUNDLE_ROW]; /* entries' (unit_records) */
static char sum_short[33], sum_long[33], bundle_id[33];

/* Stream byte `at`, as the loader finds it. */
static char *stream_byte(size_t at)
{
	return &rows[at / MIGC_BUNDLE_ROW_BYTES][at % MIGC_BUNDLE_ROW_BYTES];
}

/* Build a correct two-migration bundle the way generated code lays it out,
 * with the bundle id the compiler would compute for the same files. */
static void make_bundle(void)
{
	static const char head[] = "-- migc:no-transaction\nSELECT '";
	char flat[SHORT_LEN + LONG_LEN];
	char *lng = flat + SHORT_LEN;
	migc_set *set;
	migc_error err;

	memcpy(flat, SHORT_SQL, SHORT_LEN);
	memset(lng, 'x', LONG_LEN);
	memcpy(lng, head, strlen(head));
	memcpy(lng + LONG_LEN - 3, "';\n", 3);
	memset(rows, 0, sizeof(rows));
	memcpy(rows[0], flat, MIGC_BUNDLE_ROW_BYTES);
	memcpy(rows[1], flat + MIGC_BUNDLE_ROW_BYTES,
	       sizeof(flat) - MIGC_BUNDLE_ROW_BYTES);
	migc_checksum(sum_short, flat, SHORT_LEN);
	migc_checksum(sum_long, lng, LONG_LEN);

	entries[0] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
		.version_off = unit_str("0001"), .name_off = unit_str("a"),
		.filename_off = unit_str("0001_a.sql"),
		.checksum_off = unit_str(sum_short), .sql_off = 0,
		.sql_len = SHORT_LEN, .sql_line = 1};
	entries[1] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
		.flags = MIGC_FLAG_NO_TRANSACTION, .version_off = unit_str("0002"),
		.name_off = unit_str("long"), .filename_off = unit_str("0002_long.sql"),
		.checksum_off = unit_str(sum_long), .sql_off = SHORT_LEN,
		.sql_len = LONG_LEN, .sql_line = 1};

	migc_set_new(&set, &err);
	migc_set_add(set, "0001_a.sql", NULL, flat, SHORT_LEN, &err);
	migc_set_add(set, "0002_long.sql", NULL, lng, LONG_LEN, &err);
	migc_set_finish(set, &err);
	migc_set_bundle_id(set, bundle_id);
	migc_set_free(set);

	bundle = (struct migc_bundle){.abi = MIGC_BUNDLE_ABI,
		.compiler_version = MIGC_VERSION, .bundle_id = bundle_id,
		.source_commit = "0123456789abcdef0123456789abcdef01234567",
		.source_dirty = 0, .count = 2, .layout = MIGC_LAYOUT_MIGC,
		.sql = unit_chunks(rows, SHORT_LEN + LONG_LEN),
		.sql_size = SHORT_LEN + LONG_LEN, .sql_chunks = 1,
		.strings = unit_strings(),
		.string_rows = unit_string_rows()};
	if (!records)
		records = unit_records(entries, 2);
	bundle.records = records;
	bundle.record_rows = unit_record_rows(2);
	unit_rerecord(&bundle, entries);
}

static void good_bundle_loads(void)
{
	migc_set *set = NULL;
	migc_error err;

	make_bundle();
	CHECK_INT(migc_bundle_load(&set, &bundle, &err), 0);
	CHECK_INT(migc_set_count(set), 2);
	CHECK_STR(migc_set_get(set, 0)->sql, SHORT_SQL);
	CHECK_INT(migc_set_get(set, 1)->sql_len, LONG_LEN);
	CHECK(strncmp(migc_set_get(set, 1)->sql, "-- migc:no-transaction\nSELECT '", 31) == 0);
	CHECK_INT(migc_set_get(set, 1)->flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_STR(migc_set_source_commit(set), "0123456789abcdef0123456789abcdef01234567");
	CHECK_INT(migc_set_source_dirty(set), 0);
	migc_set_free(set);
}

/* The string of bundle `b`'s table at `off`, where the loader finds it. */
static const char *table_at(const struct migc_bundle *b, uint32_t off)
{
	return b->strings[off / MIGC_BUNDLE_ROW] + off % MIGC_BUNDLE_ROW;
}

/* A loaded set uses the bundle's strings in place (include/migc.h,
 * migc_bundle_load): no copy of a version, name, file name or checksum. */
static void strings_are_the_bundles_own(void)
{
	migc_set *set = NULL;
	migc_error err;
	size_t i;

	make_bundle();
	CHECK_INT(migc_bundle_load(&set, &bundle, &err), 0);
	for (i = 0; set && i < 2; i++) {
		const migc_migration *m = migc_set_get(set, i);
		const struct migc_bundle_entry *e = &entries[i];

		CHECK(m->version == table_at(&bundle, e->version_off));
		CHECK(m->name == table_at(&bundle, e->name_off));
		CHECK(m->filename == table_at(&bundle, e->filename_off));
		CHECK(m->checksum == table_at(&bundle, e->checksum_off));
		CHECK_STR(m->checksum, i ? sum_long : sum_short);
	}
	migc_set_free(set);
}

/* Load `bundle`, its records written from `entries` as a test left them
 * (unless the test points it at records of its own). */
static int load_err(migc_error *err)
{
	migc_set *set = NULL;
	int rc;

	if (bundle.records == records && bundle.count <= 2)
		unit_rerecord(&bundle, entries);
	rc = migc_bundle_load(&set, &bundle, err);

	migc_set_free(set);
	return rc;
}

/* Damage in the row two migrations share is the one's it hits. */
static void flipped_byte_is_corrupt(void)
{
	static const size_t at[] = {3, SHORT_LEN - 1, SHORT_LEN, SHORT_LEN + 3,
				    MIGC_BUNDLE_ROW_BYTES - 1, MIGC_BUNDLE_ROW_BYTES,
				    SHORT_LEN + LONG_LEN - 1};
	size_t k;
	migc_error err;

	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		make_bundle();
		*stream_byte(at[k]) ^= 1;
		CHECK_INT(load_err(&err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, at[k] < SHORT_LEN ? "0001_a.sql"
							      : "0002_long.sql");
		CHECK(strstr(err.message, at[k] < SHORT_LEN ? "0002_long.sql"
							    : "0001_a.sql") == NULL);
		CHECK_INT(migc_exit_code(err.code), MIGC_EXIT_CORRUPT);
	}
}

/* An offset or length past the stream is refused before a byte is read
 * there, naming the migration; so is a stream size its rows disagree with. */
static void sql_beyond_the_stream_is_corrupt(void)
{
	migc_error err;

	make_bundle();
	entries[1].sql_len = LONG_LEN + 1;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_CONTAINS(err.message, "beyond");
	make_bundle();
	entries[1].sql_off = SIZE_MAX - 10; /* off + len wraps around */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_CONTAINS(err.message, "beyond");
	make_bundle();
	entries[0].sql_off = SHORT_LEN + LONG_LEN + 1;
	entries[0].sql_len = 0;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	make_bundle();
	entries[0].sql_len = SIZE_MAX;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	make_bundle();
	entries[1].sql_len = SIZE_MAX / 2; /* not "out of memory" reserving it */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	make_bundle();
	bundle.sql_size -= 2; /* what the rows hold goes on past the size */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "size");
	make_bundle();
	bundle.sql = NULL;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
}

/*
 * A string offset that is missing or past the table is refused before a
 * byte past the table is read, naming the file (or, when the file name is
 * what is damaged, the migration's number); so is a table with a row that
 * does not end in a NUL.
 */
static void strings_beyond_the_table_are_corrupt(void)
{
	uint32_t past = (uint32_t)(unit_string_rows() * MIGC_BUNDLE_ROW);
	static char unended[2][MIGC_BUNDLE_ROW];
	migc_error err;

	make_bundle();
	entries[1].version_off = past;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_CONTAINS(err.message, "string table");
	make_bundle();
	entries[1].checksum_off = UINT32_MAX;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	make_bundle();
	entries[0].name_off = MIGC_BUNDLE_NO_STRING; /* a required string */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	make_bundle();
	entries[1].down_filename_off = past; /* an optional one, damaged */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	make_bundle();
	entries[1].added_commit_off = past;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	make_bundle();
	entries[1].down_checksum_off = unit_str("0123456789abcdef0123456789abcdef");
	CHECK_INT(load_err(&err), MIGC_ECORRUPT); /* without a down file name */
	CHECK_CONTAINS(err.message, "0002_long.sql");
	make_bundle();
	entries[1].filename_off = past;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "migration #2");
	make_bundle();
	entries[0].filename_off = MIGC_BUNDLE_NO_STRING;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "migration #1");

	/* a table with a row that does not end in a NUL: a string read in
	 * place there could run past the table */
	make_bundle();
	memset(unended, 'x', sizeof(unended));
	unended[0][MIGC_BUNDLE_ROW - 1] = '\0';
	bundle.strings = (const char(*)[MIGC_BUNDLE_ROW])unended;
	bundle.string_rows = 2;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "string table");
	make_bundle();
	bundle.strings = NULL;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	make_bundle();
	bundle.string_rows = 0;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
}

/* A file name that no longer says the entry's version or name: the bytes
 * the bundle id does not cover. */
static void file_name_that_disagrees_is_corrupt(void)
{
	static const char *const bad[] = {"0002_a.sql", "0001-a.sql", "0001_a.sq",
					  "0001_ab.sql", "0001_a.sqlx", "R__a.sql",
					  "0001_.sql", "_a.sql"};
	migc_error err;
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		make_bundle();
		entries[0].filename_off = unit_str(bad[k]);
		CHECK_INT(load_err(&err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, bad[k]);
		CHECK_CONTAINS(err.message, "disagree");
	}
	make_bundle();
	entries[0].kind = MIGC_KIND_REPEATABLE; /* "0001" is not "" */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
}

static void header_damage_is_corrupt(void)
{
	migc_error err;

	make_bundle();
	bundle.abi = MIGC_BUNDLE_ABI + 1;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "ABI");
	make_bundle();
	bundle.abi = 2; /* rows per migration: refused before its fields are read */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "bundle ABI 2");
	make_bundle();
	bundle.abi = 4; /* an array of structs: refused before `records` is read */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "bundle ABI 4 is not the runtime's ABI 5");
	make_bundle();
	bundle_id[0] = bundle_id[0] == 'a' ? 'b' : 'a';
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "bundle id");
	make_bundle();
	entries[1].flags = 0; /* flags no longer what the id covers */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	make_bundle();
	entries[0].version_off = unit_str("0003");
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "disagree");
	make_bundle();
	entries[0].sql_len = 5; /* no longer the bytes the checksum covers */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
}

/*
 * A record is the bytes include/migc.h documents: little-endian fields of
 * fixed widths at fixed places, whatever the compiler's struct layout.
 * The encoder writes them, the decoder reads the same entry back, and the
 * encoder refuses what a field cannot hold.
 */
static void record_layout_is_the_documented_one(void)
{
	static const unsigned char want[MIGC_BUNDLE_RECORD] = {
		0x02, 0x00, 0x05, 0x00,                         /* kind, flags */
		0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14, /* version, name */
		0x21, 0x22, 0x23, 0x24, 0x31, 0x32, 0x33, 0x34, /* file, checksum */
		0x41, 0x42, 0x43, 0x44, 0x51, 0x52, 0x53, 0x54, /* commit, down file */
		0x61, 0x62, 0x63, 0x64,                         /* down checksum */
		0xff, 0xff, 0xff, 0x7f, 0x07, 0x00, 0x00, 0x00, /* lines */
		0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* added_time -2 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, /* sql_off */
		0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* sql_len */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* down_off */
		0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* down_len */
	};
	const struct migc_bundle_entry e = {.kind = MIGC_KIND_REPEATABLE,
		.flags = 5, .version_off = 0x04030201, .name_off = 0x14131211,
		.filename_off = 0x24232221, .checksum_off = 0x34333231,
		.added_commit_off = 0x44434241, .down_filename_off = 0x54535251,
		.down_checksum_off = 0x64636261, .sql_line = 0x7fffffff,
		.down_line = 7, .added_time = -2, .sql_off = (size_t)0x07060504030201ull,
		.sql_len = 16, .down_off = 0x01000000, .down_len = 255};
	static char row[1][MIGC_BUNDLE_ROW];
	struct migc_bundle b = {.count = 2, .records = (const char(*)[MIGC_BUNDLE_ROW])row,
				.record_rows = 1};
	struct migc_bundle_entry got, bad;
	migc_error err;

	memset(row, 0, sizeof(row));
	CHECK_INT(migc_bundle_record_put(row[0] + MIGC_BUNDLE_RECORD, &e, &err), 0);
	CHECK(memcmp(row[0] + MIGC_BUNDLE_RECORD, want, sizeof(want)) == 0);
	CHECK_INT(MIGC_BUNDLE_ROW_RECORDS, 51);
	memset(&got, 0, sizeof(got));
	CHECK_INT(migc_bundle_entry_get(&got, &b, 1, &err), 0);
	CHECK(got.kind == e.kind && got.flags == e.flags &&
	      got.version_off == e.version_off && got.name_off == e.name_off &&
	      got.filename_off == e.filename_off && got.checksum_off == e.checksum_off &&
	      got.added_commit_off == e.added_commit_off &&
	      got.down_filename_off == e.down_filename_off &&
	      got.down_checksum_off == e.down_checksum_off &&
	      got.sql_line == e.sql_line && got.down_line == e.down_line &&
	      got.added_time == -2 && got.sql_off == e.sql_off &&
	      got.sql_len == e.sql_len && got.down_off == e.down_off &&
	      got.down_len == e.down_len);
	/* beyond the count, or the rows */
	CHECK_INT(migc_bundle_entry_get(&got, &b, 2, &err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #3");
	b.count = MIGC_BUNDLE_ROW_RECORDS + 1;
	CHECK_INT(migc_bundle_entry_get(&got, &b, MIGC_BUNDLE_ROW_RECORDS, &err),
		  MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #52");
	/* a line over INT_MAX cannot be read back */
	row[0][MIGC_BUNDLE_RECORD + 35] = (char)0x80;
	CHECK_INT(migc_bundle_entry_get(&got, &b, 1, &err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #2");
	CHECK_CONTAINS(err.message, "out of range");
	/* what a field cannot hold is refused, the record left as it was */
	memset(row, 0, sizeof(row));
	bad = e;
	bad.kind = -1;
	CHECK_INT(migc_bundle_record_put(row[0], &bad, &err), MIGC_EINVALID);
	bad = e;
	bad.flags = 0x10000;
	CHECK_INT(migc_bundle_record_put(row[0], &bad, &err), MIGC_EINVALID);
	bad = e;
	bad.sql_line = -1;
	CHECK_INT(migc_bundle_record_put(row[0], &bad, &err), MIGC_EINVALID);
	CHECK(row[0][0] == 0 && row[0][32] == 0);
}

/* Byte `at` of record `i` of `bundle`, in a copy of its table the test
 * may damage (load_err then leaves it as it is). */
static char *record_byte(size_t i, size_t at)
{
	static char copy[1][MIGC_BUNDLE_ROW];

	memcpy(copy, bundle.records, sizeof(copy));
	bundle.records = (const char(*)[MIGC_BUNDLE_ROW])copy;
	return copy[0] + i * MIGC_BUNDLE_RECORD + at;
}

/*
 * A damaged record is refused (MIGC_ECORRUPT) naming its migration, or the
 * record when what names the migration is what is damaged: an unknown
 * kind or flag, a string offset past the table, SQL placed past the
 * stream, a line out of range, and a record table shorter or longer than
 * the count says (a truncated table is not read past).
 */
static void damaged_records_are_corrupt(void)
{
	migc_error err;

	make_bundle();
	entries[0].kind = 7;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	CHECK_CONTAINS(err.message, "unknown kind");
	make_bundle();
	entries[1].flags = 0x80;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_CONTAINS(err.message, "unknown flags");

	/* the bytes themselves, as a patched binary would have them */
	make_bundle();
	*record_byte(1, 15) = 0x7f; /* filename_off's high byte */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "migration #2");
	CHECK_CONTAINS(err.message, "string table");
	make_bundle();
	*record_byte(0, 11) = 0x01; /* name_off: 16 MiB on */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	CHECK_CONTAINS(err.message, "string table");
	make_bundle();
	*record_byte(1, 56 + 2) = 0x01; /* sql_len + 64 KiB */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_CONTAINS(err.message, "beyond");
	make_bundle();
	*record_byte(1, 48 + 7) = 0x40; /* sql_off far past the stream */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_CONTAINS(err.message, "beyond");
	make_bundle();
	*record_byte(1, 1) = 0x01; /* kind 257 */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "unknown kind");
	make_bundle();
	*record_byte(1, 3) = 0x01; /* flags bit 8 */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "unknown flags");
	make_bundle();
	*record_byte(1, 35) = (char)0x80; /* sql_line over INT_MAX */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #2");
	CHECK_CONTAINS(err.message, "out of range");

	/* the table against the count */
	make_bundle();
	bundle.count = MIGC_BUNDLE_ROW_RECORDS + 1; /* a second row it lacks */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #52");
	CHECK_CONTAINS(err.message, "record table");
	make_bundle();
	bundle.record_rows = 0;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #1");
	make_bundle();
	bundle.records = NULL;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record #1");
	make_bundle();
	bundle.record_rows = 2;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "record table has 2 rows");
	make_bundle();
	bundle.count = 1; /* a record more than the count: refused by the id */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "bundle id");
}

static void empty_bundle_loads(void)
{
	static const char no_rows[][MIGC_BUNDLE_ROW] = {""};
	static const char (*const no_sql[])[MIGC_BUNDLE_ROW] = {no_rows};
	static const char no_strings[][MIGC_BUNDLE_ROW] = {""};
	struct migc_bundle empty = {.abi = MIGC_BUNDLE_ABI,
		.compiler_version = MIGC_VERSION, .source_commit = "",
		.source_dirty = -1, .sql = no_sql, .sql_chunks = 1,
		.strings = no_strings,
		.string_rows = 1};
	char id[33];
	migc_set *set;
	migc_error err;

	migc_set_new(&set, &err);
	migc_set_finish(set, &err);
	migc_set_bundle_id(set, id);
	migc_set_free(set);
	empty.bundle_id = id;
	set = NULL;
	CHECK_INT(migc_bundle_load(&set, &empty, &err), 0);
	CHECK_INT(migc_set_count(set), 0);
	migc_set_free(set);
}

int main(void)
{
	RUN(good_bundle_loads);
	RUN(strings_are_the_bundles_own);
	RUN(flipped_byte_is_corrupt);
	RUN(sql_beyond_the_stream_is_corrupt);
	RUN(strings_beyond_the_table_are_corrupt);
	RUN(file_name_that_disagrees_is_corrupt);
	RUN(header_damage_is_corrupt);
	RUN(record_layout_is_the_documented_one);
	RUN(damaged_records_are_corrupt);
	RUN(empty_bundle_loads);
	return unit_done();
}
