/*
 * bulk.c - large blocks on their own 2 MiB-aligned, huge-page-advised
 * mappings, and an arena built on them. See bulk.h for why.
 *
 * A mapped block is `migc_bulk_size(size)` bytes at a 2 MiB boundary: the
 * kernel only backs a range with a huge page when the whole 2 MiB-aligned
 * range lies in one mapping, so the mapping is made 2 MiB larger and the
 * unaligned head and the tail are unmapped again.
 */
#define _DEFAULT_SOURCE

#include "bulk.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_SIZE ((size_t)2 << 20)

size_t migc_bulk_size(size_t size)
{
	if (size < MIGC_BULK_MIN || size > SIZE_MAX - HUGE_SIZE)
		return size;
	return (size + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

void *migc_bulk_alloc(size_t size)
{
	size_t len = migc_bulk_size(size);
	uintptr_t start, aligned;
	char *p;

	if (len < MIGC_BULK_MIN)
		return calloc(1, len ? len : 1);
	if (len > SIZE_MAX - HUGE_SIZE)
		return NULL;
	p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	aligned = (start + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	if (aligned + len < start + len + HUGE_SIZE)
		munmap((char *)aligned + len, start + HUGE_SIZE - aligned);
#ifdef MADV_HUGEPAGE
	/* advice only: without THP the block is ordinary memory */
	madvise((char *)aligned, len, MADV_HUGEPAGE);
#endif
	return (void *)aligned;
}

void migc_bulk_free(void *p, size_t size)
{
	size_t len = migc_bulk_size(size);

	if (!p)
		return;
	if (len < MIGC_BULK_MIN)
		free(p);
	else
		munmap(p, len);
}

/* ------------------------------------------------------------------ */

struct migc_arena_block {
	struct migc_arena_block *prev; /* the block filled before this one */
	size_t size;                   /* of the whole block, header included */
	size_t used;                   /* bytes from the block's start */
};

#define ARENA_FIRST ((size_t)16 * 1024)

/* The size of the block after one of `prev` bytes (0: none) that must hold
 * `need` bytes after its header. */
static size_t next_block_size(size_t prev, size_t need)
{
	size_t size = !prev ? ARENA_FIRST
			    : prev >= MIGC_BULK_MIN / 4 ? HUGE_SIZE : prev * 4;

	if (need > SIZE_MAX - sizeof(struct migc_arena_block) - 16)
		return 0;
	if (size < need + sizeof(struct migc_arena_block) + 16)
		size = need + sizeof(struct migc_arena_block) + 16;
	return migc_bulk_size(size);
}

/* Start a block after the current one that holds `n` bytes; 0 or -1. */
static int arena_grow(struct migc_arena *a, size_t n)
{
	struct migc_arena_block *b;
	size_t size = next_block_size(a->head ? a->head->size : 0, n);

	if (!size)
		return -1;
	b = migc_bulk_alloc(size);
	if (!b)
		return -1;
	b->prev = a->head;
	b->size = size;
	/* the header is 24 bytes: allocations start at 32 (16-aligned) */
	b->used = (sizeof(*b) + 15) & ~(size_t)15;
	a->head = b;
	return 0;
}

/* Room for `n` bytes aligned to `align` in the current block? */
static int arena_fits(const struct migc_arena_block *b, size_t n, size_t align,
		      size_t *at)
{
	if (!b)
		return 0;
	*at = (b->used + align - 1) & ~(align - 1);
	return *at <= b->size && b->size - *at >= n;
}

void *migc_arena_alloc(struct migc_arena *a, size_t n, size_t align)
{
	size_t at = 0;

	if (!arena_fits(a->head, n, align, &at)) {
		if (arena_grow(a, n))
			return NULL;
		arena_fits(a->head, n, align, &at);
	}
	a->head->used = at + n;
	return (char *)a->head + at;
}

int migc_arena_reserve(struct migc_arena *a, size_t n)
{
	size_t at = 0;

	if (n > SIZE_MAX - 16)
		return -1;
	if (arena_fits(a->head, n + 16, 1, &at))
		return 0;
	return arena_grow(a, n + 16);
}

void migc_arena_clear(struct migc_arena *a)
{
	struct migc_arena_block *b;

	if (!a)
		return;
	while ((b = a->head)) {
		a->head = b->prev;
		migc_bulk_free(b, b->size);
	}
}
