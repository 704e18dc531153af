/*
 * unit.h - a small unit-test harness. A test file defines static test
 * functions and a main() that RUNs them and returns unit_done(). Each test
 * prints "ok - name" or "not ok - name" followed by what was expected and
 * what came; tests/run.sh counts those lines.
 */
#ifndef MIGC_UNIT_H
#define MIGC_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "migc.h"

void unit_fail(const char *file, int line, const char *fmt, ...);
void unit_run(const char *name, void (*fn)(void));
int unit_done(void);
/* 1: the mapping holding `p` is advised MADV_HUGEPAGE (VmFlags "hg"), 0: it
 * is not, -1: unknown (no /proc/self/smaps). */
int unit_huge_advised(const void *p);
/* A directory of this test program's own, made under $TMPDIR (or /tmp) on
 * the first call as "<TMPDIR>/migc-<name>.XXXXXX" and removed at exit; the
 * program stops with a message when it cannot be made. */
const char *unit_tmpdir(const char *name);

/* One integer query on the SQLite file `path`, with the sqlite3 API
 * directly (not through migc): the value, or -1 on any error. */
long long unit_sqlite_int(const char *path, const char *sql);

/*
 * A string table for bundles written by hand (include/migc.h): one per
 * test program, never moved, so a bundle built over it stays valid while
 * later tests add strings. unit_str() adds `s` (NUL-terminated, within a
 * row) and returns its offset, MIGC_BUNDLE_NO_STRING for NULL; a bundle
 * sets .strings = unit_strings(), .string_rows = unit_string_rows().
 */
uint32_t unit_str(const char *s);
const char (*unit_strings(void))[MIGC_BUNDLE_ROW];
size_t unit_string_rows(void);

/*
 * The chunk table (include/migc.h) of a stream of `size` bytes kept in the
 * contiguous `rows`, as a bundle's `sql`; unit_chunk_count() is its
 * `sql_chunks`. The tables come from one pool that lives as long as the
 * program.
 */
const char (*const *unit_chunks(const void *rows, size_t size))[MIGC_BUNDLE_ROW];
size_t unit_chunk_count(size_t size);

/*
 * A bundle's record table (include/migc.h) holding `count` entries,
 * written with the library's one encoder (migc_bundle_record_put), in rows
 * that live as long as the program (NULL when `count` is 0);
 * unit_record_rows() is its `record_rows`. A test that changes an entry
 * afterwards calls unit_rerecord() to write the entries again into the
 * records of `b` (which must come from unit_records), so a bundle sees the
 * change as ABI 4's array of structs did.
 */
const char (*unit_records(const struct migc_bundle_entry *entries,
			  size_t count))[MIGC_BUNDLE_ROW];
size_t unit_record_rows(size_t count);
void unit_rerecord(struct migc_bundle *b, const struct migc_bundle_entry *entries);

/*
 * A bundle written by hand over unit_strings(), the records of `count`
 * `entries` (unit_records) and the SQL stream of `size` bytes in the
 * contiguous `rows` (NULL: no chunk table; the caller sets .sql and
 * .sql_chunks): migc's layout, no source commit (""), dirty unknown.
 * Tests change the fields they are about afterwards.
 */
struct migc_bundle unit_bundle(const struct migc_bundle_entry *entries,
			       size_t count, const char *bundle_id,
			       const void *rows, size_t size);

#define RUN(fn) unit_run(#fn, fn)

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			unit_fail(__FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

#define CHECK_INT(got, want)                                               \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (g_ != w_)                                              \
			unit_fail(__FILE__, __LINE__,                      \
				  "%s: expected %lld, got %lld", #got, w_, g_); \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		if (!g_ || strcmp(g_, w_) != 0)                            \
			unit_fail(__FILE__, __LINE__,                      \
				  "%s: expected \"%s\", got \"%s\"", #got, w_, \
				  g_ ? g_ : "(null)");                     \
	} while (0)

#define CHECK_CONTAINS(got, part)                                          \
	do {                                                               \
		const char *g_ = (got), *p_ = (part);                      \
		if (!g_ || !strstr(g_, p_))                                \
			unit_fail(__FILE__, __LINE__,                      \
				  "%s: expected it to contain \"%s\", got \"%s\"", \
				  #got, p_, g_ ? g_ : "(null)");           \
	} while (0)

#endif
