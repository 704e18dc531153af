/*
 * unit.c - the unit-test harness behind unit.h.
 */
#define _DEFAULT_SOURCE /* mkdtemp */

#include "unit.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed_checks;
static int passed, failed;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failed_checks++;
	fprintf(stdout, "#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void unit_run(const char *name, void (*fn)(void))
{
	int before = failed_checks;

	fn();
	if (failed_checks == before) {
		passed++;
		printf("ok - %s\n", name);
	} else {
		failed++;
		printf("not ok - %s\n", name);
	}
	fflush(stdout);
}

int unit_done(void)
{
	return failed ? 1 : 0;
}

/* 1: the mapping holding `p` has MADV_HUGEPAGE ("hg"), 0: not, -1: unknown
 * (no /proc/self/smaps). */
int unit_huge_advised(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* a mapping's first line: "lo-hi perms ..."; its fields
		 * ("Size:", "VmFlags:") start with a capital letter */
		if (line[0] >= 'A' && line[0] <= 'Z')
			;
		else if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			found = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}

static char tmpdir[256];

static void tmpdir_remove(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

const char *unit_tmpdir(const char *name)
{
	const char *base;

	if (tmpdir[0])
		return tmpdir;
	base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/migc-%s.XXXXXX",
		 base && *base ? base : "/tmp", name);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(tmpdir_remove);
	return tmpdir;
}

/* 1 MiB: room for every hand-written bundle of a test program. Row 0,
 * byte 0 is never a string (offset 0 means none). */
enum { UNIT_STRING_ROWS = 256 };
static char strings[UNIT_STRING_ROWS][MIGC_BUNDLE_ROW];
static size_t strings_row, strings_col = 1;

uint32_t unit_str(const char *s)
{
	size_t len;
	uint32_t off;

	if (!s)
		return MIGC_BUNDLE_NO_STRING;
	len = strlen(s);
	if (len > MIGC_BUNDLE_ROW_BYTES - 1) {
		fprintf(stderr, "unit_str: a string of %zu bytes is longer than a row\n", len);
		exit(2);
	}
	if (strings_col + len + 1 > MIGC_BUNDLE_ROW) {
		strings_row++;
		strings_col = 0;
	}
	if (strings_row >= UNIT_STRING_ROWS) {
		fprintf(stderr, "unit_str: the test string table is full\n");
		exit(2);
	}
	off = (uint32_t)(strings_row * MIGC_BUNDLE_ROW + strings_col);
	memcpy(strings[strings_row] + strings_col, s, len + 1);
	strings_col += len + 1;
	return off;
}

const char (*unit_strings(void))[MIGC_BUNDLE_ROW]
{
	return (const char(*)[MIGC_BUNDLE_ROW])strings;
}

/* All of it, used or not: a bundle built before later tests add strings
 * still sees every offset they hand out. */
size_t unit_string_rows(void)
{
	return UNIT_STRING_ROWS;
}

size_t unit_chunk_count(size_t size)
{
	size_t rows = size / MIGC_BUNDLE_ROW_BYTES + (size % MIGC_BUNDLE_ROW_BYTES != 0);

	return rows ? (rows - 1) / MIGC_BUNDLE_CHUNK_ROWS + 1 : 1;
}

const char (*const *unit_chunks(const void *rows, size_t size))[MIGC_BUNDLE_ROW]
{
	static const char (*pool[4096])[MIGC_BUNDLE_ROW];
	static size_t used;
	size_t i, n = unit_chunk_count(size);
	const char (*first)[MIGC_BUNDLE_ROW] = rows;

	if (used + n > sizeof(pool) / sizeof(pool[0])) {
		fprintf(stderr, "unit_chunks: the pool of chunk tables is full\n");
		exit(2);
	}
	for (i = 0; i < n; i++)
		pool[used + i] = first + i * MIGC_BUNDLE_CHUNK_ROWS;
	used += n;
	return pool + used - n;
}

/* Every record table unit_records() handed out, freed at exit. */
static char (**record_tables)[MIGC_BUNDLE_ROW];
static size_t record_table_count;

static void record_tables_free(void)
{
	size_t i;

	for (i = 0; i < record_table_count; i++)
		free(record_tables[i]);
	free(record_tables);
	record_tables = NULL;
	record_table_count = 0;
}

size_t unit_record_rows(size_t count)
{
	return (count + MIGC_BUNDLE_ROW_RECORDS - 1) / MIGC_BUNDLE_ROW_RECORDS;
}

/* Write `count` entries into `rows` with the library's encoder. */
static void records_put(char (*rows)[MIGC_BUNDLE_ROW],
			const struct migc_bundle_entry *entries, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		migc_error err;

		if (migc_bundle_record_put(rows[i / MIGC_BUNDLE_ROW_RECORDS] +
					   i % MIGC_BUNDLE_ROW_RECORDS * MIGC_BUNDLE_RECORD,
					   &entries[i], &err)) {
			fprintf(stderr, "unit_records: entry %zu: %s\n", i, err.message);
			exit(2);
		}
	}
}

const char (*unit_records(const struct migc_bundle_entry *entries,
			  size_t count))[MIGC_BUNDLE_ROW]
{
	char (**more)[MIGC_BUNDLE_ROW];
	char (*rows)[MIGC_BUNDLE_ROW];

	if (!count)
		return NULL;
	rows = calloc(unit_record_rows(count), sizeof(*rows));
	more = realloc(record_tables, (record_table_count + 1) * sizeof(*more));
	if (!rows || !more) {
		fprintf(stderr, "unit_records: out of memory\n");
		exit(2);
	}
	if (!record_tables)
		atexit(record_tables_free);
	record_tables = more;
	record_tables[record_table_count++] = rows;
	records_put(rows, entries, count);
	return (const char(*)[MIGC_BUNDLE_ROW])rows;
}

void unit_rerecord(struct migc_bundle *b, const struct migc_bundle_entry *entries)
{
	size_t i;

	for (i = 0; i < record_table_count; i++)
		if ((const char(*)[MIGC_BUNDLE_ROW])record_tables[i] == b->records) {
			records_put(record_tables[i], entries, b->count);
			return;
		}
	fprintf(stderr, "unit_rerecord: the bundle's records are not unit_records()'\n");
	exit(2);
}

struct migc_bundle unit_bundle(const struct migc_bundle_entry *entries,
			       size_t count, const char *bundle_id,
			       const void *rows, size_t size)
{
	return (struct migc_bundle){.abi = MIGC_BUNDLE_ABI,
		.strings = unit_strings(), .string_rows = unit_string_rows(),
		.compiler_version = MIGC_VERSION, .bundle_id = bundle_id,
		.source_commit = "", .source_dirty = -1, .count = count,
		.records = unit_records(entries, count),
		.record_rows = unit_record_rows(count), .layout = MIGC_LAYOUT_MIGC,
		.sql = rows ? unit_chunks(rows, size) : NULL, .sql_size = size,
		.sql_chunks = rows ? unit_chunk_count(size) : 0};
}

long long unit_sqlite_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}
