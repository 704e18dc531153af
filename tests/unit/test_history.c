/*
 * test_history.c - the history row array (runtime/history.c): pushed rows
 * keep their strings, unchanged and at the same addresses, until the clear,
 * however many rows come after (their strings live in an arena of blocks);
 * NULL is stored as ""; a string larger than any block fits; a cleared
 * history is empty and can be filled again; at every size around the row
 * array's growth steps (it grows 4-fold, then as a bulk block, bulk.h) the
 * rows come back intact, and a large history's rows and strings are in
 * huge-page-advised blocks; migc_history_reserve(n) sizes the rows once
 * (n pushes move nothing) and is only a hint (more rows, or a bound far
 * above the count, still work); rows pushed borrowed keep their strings'
 * addresses, and what they borrow from is released once, at the clear. A
 * row's applied_at (migc_utc_format, written by hand) is what strftime's
 * "%Y-%m-%dT%H:%M:%SZ" gives, at any time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "migc.h"
#include "unit.h"
#include "util.h"

/* A row whose strings all say which row it is. */
static void make_row(struct migc_history_row *r, char buf[9][48], size_t i)
{
	int k;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < 9; k++)
		snprintf(buf[k], 48, "%zu-%d%.*s", i, k, (int)(i % 17), "xxxxxxxxxxxxxxxxx");
	r->id = (long long)i + 1;
	r->kind = MIGC_KIND_VERSIONED;
	r->state = MIGC_H_APPLIED;
	r->duration_ms = (long long)i;
	r->version = buf[0];
	r->name = buf[1];
	r->checksum = buf[2];
	r->applied_at = buf[3];
	r->bundle_id = buf[4];
	r->source_commit = buf[5];
	r->applied_by = buf[6];
	r->note = buf[7];
	r->runner = buf[8];
}

static int row_is(const struct migc_history_row *r, size_t i)
{
	const char *got[9] = {r->version, r->name, r->checksum, r->applied_at,
			      r->bundle_id, r->source_commit, r->applied_by,
			      r->note, r->runner};
	char buf[9][48];
	struct migc_history_row want;
	int k;

	make_row(&want, buf, i);
	for (k = 0; k < 9; k++)
		if (strcmp(got[k], buf[k]) != 0)
			return 0;
	return r->id == want.id && r->duration_ms == want.duration_ms &&
	       r->state == want.state && r->kind == want.kind;
}

static void test_rows_keep_their_strings_until_clear(void)
{
	enum { N = 30000 };
	struct migc_history h = {NULL, 0, 0};
	struct migc_history_row r;
	char buf[9][48];
	const char *first_name = NULL, *early_note = NULL;
	size_t i, bad = 0;

	for (i = 0; i < N; i++) {
		make_row(&r, buf, i);
		if (migc_history_push(&h, &r) != 0)
			break;
		memset(buf, '#', sizeof(buf)); /* the push copied them */
		if (i == 0)
			first_name = h.rows[0].name;
		if (i == 100)
			early_note = h.rows[100].note;
	}
	CHECK_INT(h.count, N);
	for (i = 0; i < h.count; i++)
		bad += !row_is(&h.rows[i], i);
	CHECK_INT(bad, 0);
	/* the strings did not move while the row array grew around them */
	CHECK(first_name == h.rows[0].name);
	CHECK(early_note == h.rows[100].note);
	CHECK_STR(first_name, "0-1");
	migc_history_clear(&h);
	CHECK(h.rows == NULL && h.count == 0 && h.cap == 0);
}

static void test_null_strings_become_empty(void)
{
	struct migc_history h = {NULL, 0, 0};
	struct migc_history_row r;

	memset(&r, 0, sizeof(r));
	r.id = 7;
	r.version = "0001";
	CHECK_INT(migc_history_push(&h, &r), 0);
	CHECK_INT(h.count, 1);
	CHECK_STR(h.rows[0].version, "0001");
	CHECK_STR(h.rows[0].name, "");
	CHECK_STR(h.rows[0].runner, "");
	CHECK_STR(h.rows[0].note, "");
	CHECK(h.rows[0].version != r.version);
	migc_history_clear(&h);
	migc_history_clear(&h); /* twice is fine */
	migc_history_clear(NULL);
}

static void test_a_string_larger_than_a_block(void)
{
	enum { BIG = 3 * 1024 * 1024 };
	struct migc_history h = {NULL, 0, 0};
	struct migc_history_row r;
	char *note = malloc(BIG + 1);
	char buf[9][48];

	CHECK(note != NULL);
	if (!note)
		return;
	memset(note, 'n', BIG);
	note[BIG] = '\0';
	make_row(&r, buf, 1);
	CHECK_INT(migc_history_push(&h, &r), 0);
	r.note = note;
	CHECK_INT(migc_history_push(&h, &r), 0);
	make_row(&r, buf, 3);
	CHECK_INT(migc_history_push(&h, &r), 0);
	free(note);
	CHECK_INT(h.count, 3);
	CHECK_INT(strlen(h.rows[1].note), BIG);
	CHECK(row_is(&h.rows[0], 1) && row_is(&h.rows[2], 3));
	migc_history_clear(&h);
	/* filled again after a clear */
	make_row(&r, buf, 5);
	CHECK_INT(migc_history_push(&h, &r), 0);
	CHECK(h.count == 1 && row_is(&h.rows[0], 5));
	migc_history_clear(&h);
}

/* N rows pushed and read back, for N at and around every growth step. */
static void test_every_size_around_the_growth_steps(void)
{
	static const size_t sizes[] = {0, 1, 2, 15, 16, 17, 63, 64, 65, 255, 256, 257,
				       1023, 1024, 1025, 4095, 4096, 4097, 10000,
				       16383, 16384, 16385, 20164, 20165, 70000};
	size_t s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct migc_history h = {NULL, 0, 0};
		struct migc_history_row r;
		char buf[9][48];
		size_t i, bad = 0, n = sizes[s];

		for (i = 0; i < n; i++) {
			make_row(&r, buf, i);
			if (migc_history_push(&h, &r) != 0)
				break;
		}
		CHECK_INT(h.count, n);
		CHECK(h.cap >= h.count);
		for (i = 0; i < h.count; i++)
			bad += !row_is(&h.rows[i], i);
		if (bad)
			unit_fail(__FILE__, __LINE__, "%zu rows: %zu differ", n, bad);
		if (n >= 10000 && unit_huge_advised(h.rows) >= 0) {
			/* 10,000 rows: ~1 MB of rows, ~1 MB of strings */
			CHECK_INT(unit_huge_advised(h.rows), 1);
			CHECK_INT(unit_huge_advised(h.rows[n - 1].name), 1);
		}
		migc_history_clear(&h);
	}
}

/* Reserved up front: the same rows, and the array never moves. */
static void test_reserve_sizes_the_rows_once(void)
{
	static const size_t sizes[] = {0, 1, 2, 16, 17, 1024, 4097, 10000, 16385, 30000};
	size_t s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct migc_history h = {NULL, 0, 0};
		struct migc_history_row r;
		char buf[9][48];
		const struct migc_history_row *rows;
		size_t i, bad = 0, n = sizes[s], moved = 0;

		CHECK_INT(migc_history_reserve(&h, n), 0);
		CHECK(h.cap >= n);
		rows = h.rows;
		for (i = 0; i < n; i++) {
			make_row(&r, buf, i);
			if (migc_history_push(&h, &r) != 0)
				break;
			moved += h.rows != rows;
		}
		CHECK_INT(h.count, n);
		if (moved)
			unit_fail(__FILE__, __LINE__, "%zu rows reserved: the array moved", n);
		/* beyond the reservation, and a smaller reservation later */
		for (i = n; i < n + 40; i++) {
			make_row(&r, buf, i);
			CHECK_INT(migc_history_push(&h, &r), 0);
		}
		CHECK_INT(migc_history_reserve(&h, 3), 0);
		for (i = 0; i < h.count; i++)
			bad += !row_is(&h.rows[i], i);
		if (bad)
			unit_fail(__FILE__, __LINE__, "%zu rows reserved: %zu differ", n, bad);
		migc_history_clear(&h);
	}
}

/* A bound far above the count costs address space, not a failure. */
static void test_reserve_far_above_the_count(void)
{
	struct migc_history h = {NULL, 0, 0};
	struct migc_history_row r;
	char buf[9][48];

	CHECK_INT(migc_history_reserve(&h, 1000000), 0);
	make_row(&r, buf, 0);
	CHECK_INT(migc_history_push(&h, &r), 0);
	CHECK(h.count == 1 && row_is(&h.rows[0], 0));
	migc_history_clear(&h);
	CHECK(h.rows == NULL && h.count == 0 && h.cap == 0);
}

/* What a borrowing reader hands over: released exactly once, at the
 * clear (or at once when keep fails). */
static int releases;
static void count_release(void *owner)
{
	CHECK_STR((const char *)owner, "owner");
	releases++;
}

static void test_borrowed_rows_and_their_owner(void)
{
	struct migc_history h = {NULL, 0, 0};
	struct migc_history_row r;
	char owner[] = "owner", name[] = "borrowed", *text;
	size_t i;

	releases = 0;
	CHECK_INT(migc_history_keep(&h, owner, count_release), 0);
	CHECK_INT(migc_history_keep(&h, owner, count_release), 0);
	text = migc_history_text(&h, 32);
	CHECK(text != NULL);
	memcpy(text, "2026-01-02T03:04:05Z", 21);
	CHECK_INT(migc_history_reserve_rows(&h, 1000), 0);
	CHECK(h.cap >= 1000);
	for (i = 0; i < 1000; i++) {
		memset(&r, 0, sizeof(r));
		r.id = (long long)i + 1;
		r.name = name;      /* borrowed: the same address comes back */
		r.applied_at = text;
		CHECK_INT(migc_history_push_borrowed(&h, &r), 0);
	}
	CHECK_INT(h.count, 1000);
	CHECK(h.rows[999].name == name);
	CHECK_STR(h.rows[999].applied_at, "2026-01-02T03:04:05Z");
	CHECK_STR(h.rows[0].version, ""); /* NULL as "" */
	CHECK_STR(h.rows[0].runner, "");
	CHECK_INT(h.rows[999].id, 1000);
	/* copied rows mix with borrowed ones */
	r.name = NULL;
	CHECK_INT(migc_history_push(&h, &r), 0);
	CHECK_STR(h.rows[1000].name, "");
	CHECK_INT(releases, 0);
	migc_history_clear(&h);
	CHECK_INT(releases, 2);
	CHECK(h.rows == NULL && h.count == 0);
	migc_history_clear(&h);
	CHECK_INT(releases, 2);
}

static void test_applied_at_is_strftimes(void)
{
	/* the epoch, a leap day, the turns of 1999, 2000 and 2038 (32 bits),
	 * the last second of 9999 and a year after it, a time before 1970 */
	const long long times[] = {0, 951782400, 946684799, 946684800,
				   2147483647, 2147483648LL, 253402300799LL,
				   253402300800LL, -86401, 1795680000};
	char got[32], want[32];
	struct tm tm;
	time_t now;
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		time_t t = (time_t)times[i];

		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		migc_utc_format(got, t);
		CHECK_STR(got, want);
	}
	for (i = 0; i < 100000; i++) { /* every 997 s over three years */
		time_t t = (time_t)(1700000000 + (long long)i * 997);

		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		migc_utc_format(got, t);
		if (strcmp(got, want) != 0) {
			CHECK_STR(got, want);
			break;
		}
	}
	now = time(NULL);
	migc_utc_now(got);
	migc_utc_format(want, now);
	if (strcmp(got, want) != 0) /* the second turned in between */
		migc_utc_format(want, now + 1);
	CHECK_STR(got, want);
}

int main(void)
{
	RUN(test_rows_keep_their_strings_until_clear);
	RUN(test_null_strings_become_empty);
	RUN(test_a_string_larger_than_a_block);
	RUN(test_every_size_around_the_growth_steps);
	RUN(test_reserve_sizes_the_rows_once);
	RUN(test_reserve_far_above_the_count);
	RUN(test_borrowed_rows_and_their_owner);
	RUN(test_applied_at_is_strftimes);
	return unit_done();
}
