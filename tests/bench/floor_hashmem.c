/*
 * floor_hashmem.c - the floor of a release binary's start: a program with
 * the same bytes embedded that hashes them with XXH3-128 once and exits.
 *
 *   cc -O2 -DBLOB_PATH='"/path/all.sql"' floor_hashmem.c -o floor_hashmem
 *
 * The bytes are in .rodata, as the bundle's are in `migrate` (put there with
 * .incbin, so this file compiles in no time), so the floor pays the same
 * page faults on the binary's pages as `migrate info` does, and the same
 * hashing; nothing else (no option parsing, no set building, no output
 * beyond one line). Linked with -lpq -lsqlite3 (--no-as-needed) it also
 * shows what loading migc's shared libraries costs by itself.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <stdio.h>

#ifndef BLOB_PATH
#error "compile with -DBLOB_PATH='\"file\"'"
#endif

__asm__(".section .rodata\n"
	".global blob_start\n"
	".global blob_end\n"
	".balign 64\n"
	"blob_start:\n"
	".incbin \"" BLOB_PATH "\"\n"
	"blob_end:\n"
	".byte 0\n"
	".previous\n");

extern const char blob_start[], blob_end[];

int main(void)
{
	XXH128_hash_t h = XXH3_128bits(blob_start, (size_t)(blob_end - blob_start));

	printf("%zu bytes, %016llx%016llx\n", (size_t)(blob_end - blob_start),
	       (unsigned long long)h.high64, (unsigned long long)h.low64);
	return 0;
}
