/*
 * test_bulk.c - large blocks and arenas (runtime/bulk.c): a block of
 * MIGC_BULK_MIN bytes or more is zeroed, 2 MiB-aligned, a whole number of
 * 2 MiB long and advised for huge pages (its mapping carries the "hg"
 * VmFlag), so that a large array costs one page fault per 2 MiB; a smaller
 * one is zeroed too; arena memory is aligned as asked, keeps its address
 * and contents while the arena grows (16, 64, 256 KiB blocks, then bulk
 * ones) and holds a request larger than any block.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "unit.h"

#define MIB ((size_t)1 << 20)

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_large_blocks_are_aligned_zeroed_and_advised(void)
{
	size_t sizes[] = {MIGC_BULK_MIN, MIGC_BULK_MIN + 1, 2 * MIB, 2 * MIB + 1, 5 * MIB};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = migc_bulk_size(sizes[i]);
		unsigned char *p = migc_bulk_alloc(sizes[i]);
		int hg;

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_INT(len % (2 * MIB), 0);
		CHECK(len >= sizes[i] && len - sizes[i] < 2 * MIB);
		CHECK_INT((uintptr_t)p % (2 * MIB), 0);
		CHECK(all_zero(p, len));
		memset(p, 0xa5, len); /* all of the rounded size is usable */
		hg = unit_huge_advised(p);
		if (hg >= 0)
			CHECK_INT(hg, 1);
		migc_bulk_free(p, sizes[i]);
	}
}

static void test_small_blocks_are_zeroed_and_not_rounded(void)
{
	size_t sizes[] = {0, 1, 4096, MIGC_BULK_MIN - 1};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = migc_bulk_alloc(sizes[i]);

		CHECK_INT(migc_bulk_size(sizes[i]), sizes[i]);
		CHECK(p != NULL);
		if (p)
			CHECK(all_zero(p, sizes[i]));
		migc_bulk_free(p, sizes[i]);
	}
	migc_bulk_free(NULL, 5 * MIB);
}

static void test_arena_keeps_addresses_and_alignment(void)
{
	enum { N = 100000 };
	struct migc_arena a = {NULL};
	unsigned char **ptr = calloc(N, sizeof(*ptr));
	size_t i, bad = 0, misaligned = 0;

	CHECK(ptr != NULL);
	if (!ptr)
		return;
	/* 100,000 allocations of 1 to 64 bytes: ~3 MB, every kind of block */
	for (i = 0; i < N; i++) {
		size_t n = 1 + i % 64, align = (size_t)1 << (i % 5);

		ptr[i] = migc_arena_alloc(&a, n, align);
		if (!ptr[i])
			break;
		misaligned += ((uintptr_t)ptr[i] & (align - 1)) != 0;
		memset(ptr[i], (int)(i & 0xff), n);
	}
	CHECK(i == N);
	CHECK_INT(misaligned, 0);
	for (i = 0; i < N && ptr[i]; i++) {
		size_t n = 1 + i % 64, k;

		for (k = 0; k < n; k++)
			bad += ptr[i][k] != (unsigned char)(i & 0xff);
	}
	CHECK_INT(bad, 0);
	/* the later blocks are bulk ones */
	if (unit_huge_advised(ptr[N - 1]) >= 0)
		CHECK_INT(unit_huge_advised(ptr[N - 1]), 1);
	migc_arena_clear(&a);
	CHECK(a.head == NULL);
	migc_arena_clear(&a);
	migc_arena_clear(NULL);
	free(ptr);
}

static void test_arena_holds_a_request_larger_than_a_block(void)
{
	struct migc_arena a = {NULL};
	char *small = migc_arena_alloc(&a, 10, 1), *big, *after;

	CHECK(small != NULL);
	big = migc_arena_alloc(&a, 5 * MIB, 16);
	CHECK(big != NULL);
	if (big)
		memset(big, 'b', 5 * MIB);
	after = migc_arena_alloc(&a, 100, 8);
	CHECK(after != NULL);
	if (small && after) {
		memcpy(small, "small", 6);
		memcpy(after, "after", 6);
		CHECK_STR(small, "small");
		CHECK_STR(after, "after");
	}
	if (big)
		CHECK(big[0] == 'b' && big[5 * MIB - 1] == 'b');
	migc_arena_clear(&a);
}

int main(void)
{
	RUN(test_large_blocks_are_aligned_zeroed_and_advised);
	RUN(test_small_blocks_are_zeroed_and_not_rounded);
	RUN(test_arena_keeps_addresses_and_alignment);
	RUN(test_arena_holds_a_request_larger_than_a_block);
	return unit_done();
}
