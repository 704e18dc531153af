/*
 * test_bundle.c - loading a bundle refuses anything damaged: another ABI,
 * SQL whose bytes no longer match the checksum (in a one-row and in a
 * multi-row migration), a wrong bundle id, fields that disagree. A good
 * bundle loads into the same set the compiler would build.
 */
#include <stdlib.h>
#include <string.h>

#include "migc.h"
#include "unit.h"

/* A one-row migration and a 5023-byte one that spans two rows. */
static char short_rows[1][MIGC_BUNDLE_ROW] = {"CREATE TABLE a (x int);\n"};
static char long_rows[2][MIGC_BUNDLE_ROW];
static struct migc_bundle_entry entries[2];
static struct migc_bundle bundle;
static char sum_short[33], sum_long[33], bundle_id[33];

#define LONG_LEN 5023

/* Build a correct two-migration bundle the way generated code lays it out,
 * with the bundle id the compiler would compute for the same files. */
static void make_bundle(void)
{
	static const char head[] = "-- migc:no-transaction\nSELECT '";
	char flat[LONG_LEN];
	migc_set *set;
	migc_error err;

	memset(flat, 'x', sizeof(flat));
	memcpy(flat, head, strlen(head));
	memcpy(flat + LONG_LEN - 3, "';\n", 3);
	memset(long_rows, 0, sizeof(long_rows));
	memcpy(long_rows[0], flat, MIGC_BUNDLE_ROW_BYTES);
	memcpy(long_rows[1], flat + MIGC_BUNDLE_ROW_BYTES, LONG_LEN - MIGC_BUNDLE_ROW_BYTES);
	migc_checksum(sum_short, short_rows[0], strlen(short_rows[0]));
	migc_checksum(sum_long, flat, LONG_LEN);

	entries[0] = (struct migc_bundle_entry){MIGC_KIND_VERSIONED, 0, "0001", "a",
		"0001_a.sql", sum_short, strlen(short_rows[0]),
		(const char(*)[MIGC_BUNDLE_ROW])short_rows, NULL, 0, 1, NULL, NULL, 0, NULL, 0};
	entries[1] = (struct migc_bundle_entry){MIGC_KIND_VERSIONED, MIGC_FLAG_NO_TRANSACTION,
		"0002", "long", "0002_long.sql", sum_long, LONG_LEN,
		(const char(*)[MIGC_BUNDLE_ROW])long_rows, NULL, 0, 1, NULL, NULL, 0, NULL, 0};

	migc_set_new(&set, &err);
	migc_set_add(set, "0001_a.sql", NULL, short_rows[0], strlen(short_rows[0]), &err);
	migc_set_add(set, "0002_long.sql", NULL, flat, LONG_LEN, &err);
	migc_set_finish(set, &err);
	migc_set_bundle_id(set, bundle_id);
	migc_set_free(set);

	bundle = (struct migc_bundle){MIGC_BUNDLE_ABI, MIGC_VERSION, bundle_id,
		"0123456789abcdef0123456789abcdef01234567", 0, 2, entries,
		MIGC_LAYOUT_MIGC};
}

static void good_bundle_loads(void)
{
	migc_set *set = NULL;
	migc_error err;

	make_bundle();
	CHECK_INT(migc_bundle_load(&set, &bundle, &err), 0);
	CHECK_INT(migc_set_count(set), 2);
	CHECK_STR(migc_set_get(set, 0)->sql, short_rows[0]);
	CHECK_INT(migc_set_get(set, 1)->sql_len, LONG_LEN);
	CHECK(strncmp(migc_set_get(set, 1)->sql, "-- migc:no-transaction\nSELECT '", 31) == 0);
	CHECK_INT(migc_set_get(set, 1)->flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_STR(migc_set_source_commit(set), "0123456789abcdef0123456789abcdef01234567");
	CHECK_INT(migc_set_source_dirty(set), 0);
	migc_set_free(set);
}

static int load_err(migc_error *err)
{
	migc_set *set = NULL;
	int rc = migc_bundle_load(&set, &bundle, err);

	migc_set_free(set);
	return rc;
}

static void flipped_byte_is_corrupt(void)
{
	migc_error err;

	make_bundle();
	short_rows[0][3] ^= 1;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	short_rows[0][3] ^= 1;
	long_rows[1][100] ^= 1;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "0002_long.sql");
	CHECK_INT(migc_exit_code(err.code), MIGC_EXIT_CORRUPT);
}

static void header_damage_is_corrupt(void)
{
	migc_error err;

	make_bundle();
	bundle.abi = MIGC_BUNDLE_ABI + 1;
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "ABI");
	make_bundle();
	bundle_id[0] = bundle_id[0] == 'a' ? 'b' : 'a';
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "bundle id");
	make_bundle();
	entries[1].flags = 0; /* flags no longer what the id covers */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	make_bundle();
	entries[0].version = "0003";
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
	CHECK_CONTAINS(err.message, "disagree");
	make_bundle();
	entries[0].sql_len = 5; /* row no longer ends where the length says */
	CHECK_INT(load_err(&err), MIGC_ECORRUPT);
}

static void empty_bundle_loads(void)
{
	struct migc_bundle empty = {MIGC_BUNDLE_ABI, MIGC_VERSION, NULL, "", -1, 0, NULL, 0};
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
	RUN(flipped_byte_is_corrupt);
	RUN(header_damage_is_corrupt);
	RUN(empty_bundle_loads);
	return unit_done();
}
