/*
 * bulk.h - memory for the large arrays a run fills once: the history's rows
 * and strings, the set's entries, the report's items.
 *
 * Not part of the public API. Every first touch of a 4 KiB page is a page
 * fault, and on this kind of VM a fault costs more than the work done on the
 * page (a no-op `up` over 10,000 applied migrations took ~3,500 of them).
 * A block of MIGC_BULK_MIN bytes or more is therefore mapped on its own,
 * 2 MiB-aligned and advised MADV_HUGEPAGE: with transparent huge pages in
 * "madvise" or "always" mode, each 2 MiB of it is one fault. Without them
 * (or where madvise fails) it is ordinary anonymous memory, faulted page by
 * page as malloc's would be. Smaller blocks come from calloc.
 */
#ifndef MIGC_BULK_H
#define MIGC_BULK_H

#include <stddef.h>

/*
 * From this size on, a block is mapped (and its size rounded up to 2 MiB).
 * Measured here: a 2 MiB huge-page fault (zeroing 2 MiB) costs ~0.35 ms,
 * as much as ~105 faults of 4 KiB pages (~3.3 µs each): a block pays off
 * from ~420 KiB of it used.
 */
#define MIGC_BULK_MIN ((size_t)512 << 10)

/*
 * The size a block of `size` bytes really has: `size` rounded up to a
 * multiple of 2 MiB from MIGC_BULK_MIN on, `size` below. A caller may use
 * all of it, and must pass the same `size` (or this one) to migc_bulk_free.
 */
size_t migc_bulk_size(size_t size);

/* `size` zeroed bytes (like calloc), or NULL. Free with migc_bulk_free. */
void *migc_bulk_alloc(size_t size);

/* Free a block from migc_bulk_alloc(size); NULL is ignored. */
void migc_bulk_free(void *p, size_t size);

/*
 * An arena: allocations that are freed all together. Blocks grow 16 KiB,
 * 64 KiB, 256 KiB, then 2 MiB bulk blocks, so a small arena stays small
 * and a large one costs one fault per 2 MiB. Start from {NULL}; memory
 * handed out stays valid, at its address, until migc_arena_clear.
 */
struct migc_arena_block;
struct migc_arena {
	struct migc_arena_block *head; /* the block being filled, or NULL */
};

/* `n` bytes aligned to `align` (a power of two ≤ 16), or NULL. Not zeroed. */
void *migc_arena_alloc(struct migc_arena *a, size_t n, size_t align);

/*
 * Make sure the next `n` bytes (at most 16 of them lost to alignment) come
 * from one block: when the current one has less room left, start one of at
 * least `n` bytes (a bulk block from MIGC_BULK_MIN on). For a caller that
 * knows the total up front. 0, or -1 when out of memory (`a` unchanged).
 */
int migc_arena_reserve(struct migc_arena *a, size_t n);

/* Free every block; `a` is then empty. NULL is ignored. */
void migc_arena_clear(struct migc_arena *a);

#endif /* MIGC_BULK_H */
