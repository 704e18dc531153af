/*
 * test_emit.c - the bundle emitter: escaping every byte value into C string
 * literals, splitting SQL into rows of 4095 bytes, making comment text safe,
 * the template renderer, and the bundle's symbol rules.
 *
 * The escaped text is decoded back here with a strict reader of C string
 * literals, so a test fails both when a byte does not survive and when the
 * text uses a form the rules forbid (\x escapes, raw `??`, two literals in
 * one element, an over-long row).
 *
 * Run with `--emit-c OUT.c FILE...` it is instead the helper of
 * tests/e2e/bundle_property.sh: it writes a C program that embeds each FILE
 * with the real row emitter and, run as `prog N`, prints FILE number N back.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "outfile.h"
#include "render.h"
#include "template.h"
#include "unit.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* A strict reader of what the emitter writes                          */
/* ------------------------------------------------------------------ */

static int octal(char c)
{
	return c >= '0' && c <= '7';
}

/*
 * Decode one string literal starting at `*p` (at its opening quote) into
 * `out`, advancing `*p` past the closing quote. Returns 0, or -1 with a
 * reason in `why` when the text is not what the rules allow.
 */
static int read_literal(const char **p, migc_buf *out, const char **why)
{
	const char *s = *p;

	if (*s != '"')
		return *why = "no opening quote", -1;
	for (s++; *s != '"'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!c || c == '\n')
			return *why = "unterminated literal", -1;
		if (c < 0x20 || c >= 0x7f)
			return *why = "raw non-printable byte in literal", -1;
		if (c == '?')
			return *why = "raw '?' (trigraph risk)", -1;
		if (c != '\\') {
			migc_buf_put(out, s, 1);
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '?':
			migc_buf_put(out, s, 1);
			break;
		case 'n':
			migc_buf_put(out, "\n", 1);
			break;
		case 't':
			migc_buf_put(out, "\t", 1);
			break;
		case 'r':
			migc_buf_put(out, "\r", 1);
			break;
		default:
			if (!octal(s[0]) || !octal(s[1]) || !octal(s[2]))
				return *why = "escape is not \\\" \\\\ \\? \\n \\t \\r or 3-digit octal", -1;
			c = (unsigned char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
			migc_buf_put(out, &c, 1);
			s += 2;
		}
	}
	*p = s + 1;
	return 0;
}

/*
 * Decode emit_rows() output: lines `\t"..."` separated by ",\n", no comma
 * after the last; every row but the last exactly 4095 bytes, the last 1 to
 * 4095 (0 only when it is the only row).
 */
static int read_rows(const char *text, migc_buf *out, size_t *rows,
		     const char **why)
{
	const char *p = text;

	*rows = 0;
	for (;;) {
		size_t before = out->len;

		if (*p++ != '\t')
			return *why = "row does not start with a tab", -1;
		if (read_literal(&p, out, why))
			return -1;
		++*rows;
		if (out->len - before > MIGC_BUNDLE_ROW_BYTES)
			return *why = "row longer than 4095 bytes", -1;
		if (!*p)
			break;
		if (out->len - before != MIGC_BUNDLE_ROW_BYTES)
			return *why = "a row before the last is not full", -1;
		if (p[0] != ',' || p[1] != '\n')
			return *why = "rows not separated by \",\\n\"", -1;
		p += 2;
	}
	if (*rows > 1 && out->len % MIGC_BUNDLE_ROW_BYTES == 0 &&
	    out->len / MIGC_BUNDLE_ROW_BYTES != *rows)
		return *why = "empty trailing row", -1;
	return 0;
}

/* Emit `data` as rows and check it decodes back to exactly `data`. */
static void check_round_trip(const char *what, const void *data, size_t len)
{
	struct emit_out o;
	migc_buf back = MIGC_BUF_INIT;
	const char *why = NULL;
	size_t rows = 0;

	emit_out_init(&o, NULL);
	CHECK_INT(emit_rows(&o, data, len, "\t"), 0);
	if (read_rows(o.buf.data, &back, &rows, &why))
		unit_fail(__FILE__, __LINE__, "%s: emitted rows are malformed: %s", what, why);
	else if (back.len != len || (len && memcmp(back.data, data, len) != 0))
		unit_fail(__FILE__, __LINE__, "%s: %zu bytes in, %zu different bytes back",
			  what, len, back.len);
	else if (rows != emit_row_count(len))
		unit_fail(__FILE__, __LINE__, "%s: %zu rows, emit_row_count says %zu", what,
			  rows, emit_row_count(len));
	if (strstr(o.buf.data, "\\x"))
		unit_fail(__FILE__, __LINE__, "%s: a \\x escape was written", what);
	migc_buf_free(&back);
	emit_out_free(&o);
}

/* The escaped text of `data` (caller frees). */
static char *escaped(const void *data, size_t len)
{
	struct emit_out o;
	char *s;

	emit_out_init(&o, NULL);
	emit_escape(&o, data, len);
	s = migc_buf_detach(&o.buf);
	emit_out_free(&o);
	return s;
}

/* ------------------------------------------------------------------ */
/* Escaping                                                            */
/* ------------------------------------------------------------------ */

/* What the rules say byte `c` becomes in a string literal. */
static void spec_escape(unsigned char c, char want[8])
{
	if (c == '"' || c == '\\' || c == '?')
		snprintf(want, 8, "\\%c", c);
	else if (c == '\n')
		snprintf(want, 8, "\\n");
	else if (c == '\t')
		snprintf(want, 8, "\\t");
	else if (c == '\r')
		snprintf(want, 8, "\\r");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(want, 8, "%c", c);
	else
		snprintf(want, 8, "\\%03o", c);
}

static void test_every_byte_has_the_specified_escape(void)
{
	int b;

	for (b = 0; b < 256; b++) {
		unsigned char c = (unsigned char)b;
		char want[8], *got = escaped(&c, 1);

		spec_escape(c, want);
		if (strcmp(got, want) != 0)
			unit_fail(__FILE__, __LINE__, "byte %d: expected \"%s\", got \"%s\"", b,
				  want, got);
		free(got);
	}
}

/*
 * Long input goes through the 16-byte scan for runs that need no escape:
 * every byte value at every position of 16-byte blocks and across their
 * ends, alone and next to another escape, gives the same text as the
 * rules applied one byte at a time.
 */
static void test_every_byte_at_every_offset(void)
{
	unsigned char in[48];
	migc_buf want = MIGC_BUF_INIT;
	int b;
	size_t pos, len, i;

	for (b = 0; b < 256; b++) {
		for (pos = 0; pos < sizeof(in); pos++) {
			for (len = pos + 1; len <= sizeof(in); len += 7) {
				char e[8], *got;

				for (i = 0; i < len; i++)
					in[i] = (unsigned char)("SELECT x FROM t;"[i % 16]);
				in[pos] = (unsigned char)b;
				if (pos + 1 < len)
					in[pos + 1] = (unsigned char)(b ^ 0x80);
				want.len = 0;
				for (i = 0; i < len; i++) {
					spec_escape(in[i], e);
					migc_buf_puts(&want, e);
				}
				got = escaped(in, len);
				if (strcmp(got, want.data) != 0)
					unit_fail(__FILE__, __LINE__, "byte %d at %zu of %zu: expected "
						  "\"%s\", got \"%s\"", b, pos, len, want.data, got);
				free(got);
			}
		}
	}
	migc_buf_free(&want);
}

/*
 * Blocks of 16 with several escapes each (every run length between them,
 * a block that is all escapes, escapes at both ends): the escaper walks a
 * block's escapes one after another, so each must land where the rules
 * applied one byte at a time put it.
 */
static void test_dense_escapes_in_blocks(void)
{
	static const unsigned char alphabet[] = {'a', 'Z', '7', '"', '?', '\\',
						 '\n', 0, 0x80, 0xff, '\t', ' '};
	unsigned char in[160];
	migc_buf want = MIGC_BUF_INIT;
	unsigned seed = 12345;
	size_t round, len, i;

	for (round = 0; round < 4000; round++) {
		char e[8], *got;

		len = round % sizeof(in);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* a plain byte half the time at most, fewer in later rounds */
			in[i] = alphabet[(seed >> 16) % (round % 3 ? sizeof(alphabet) : 3)];
		}
		want.len = 0;
		migc_buf_puts(&want, "");
		for (i = 0; i < len; i++) {
			spec_escape(in[i], e);
			migc_buf_puts(&want, e);
		}
		got = escaped(in, len);
		if (strcmp(got, want.data) != 0)
			unit_fail(__FILE__, __LINE__, "round %zu (%zu bytes): expected "
				  "\"%s\", got \"%s\"", round, len, want.data, got);
		free(got);
	}
	migc_buf_free(&want);
}

static void test_every_byte_round_trips(void)
{
	unsigned char all[256 * 3];
	int b;

	for (b = 0; b < 256; b++) {
		unsigned char c = (unsigned char)b;
		char name[32];

		snprintf(name, sizeof(name), "byte %d", b);
		check_round_trip(name, &c, 1);
		/* followed by digits: an escape must not swallow them */
		all[3 * b] = c;
		all[3 * b + 1] = (unsigned char)('0' + b % 8);
		all[3 * b + 2] = (unsigned char)"0123456789abcdefABCDEF"[b % 22];
	}
	check_round_trip("all bytes followed by digits", all, sizeof(all));
}

static void test_trigraphs_are_defeated(void)
{
	static const char tri[] = "?\?= ?\?/ ?\?' ?\?( ?\?) ?\?! ?\?< ?\?> ?\?- ?\?\?=";
	char *got = escaped(tri, strlen(tri));

	CHECK(strstr(got, "?\?") == NULL);
	CHECK_STR(got, "\\?\\?= \\?\\?/ \\?\\?' \\?\\?( \\?\\?) \\?\\?! \\?\\?< \\?\\?> "
		       "\\?\\?- \\?\\?\\?=");
	free(got);
	check_round_trip("trigraphs", tri, strlen(tri));
}

static void test_quotes_backslashes_and_comment_ends(void)
{
	static const char s[] = "\"\\\"*/ /* \\\\\"\" \\n \\0 */";
	char *got = escaped(s, strlen(s));

	CHECK_STR(got, "\\\"\\\\\\\"*/ /* \\\\\\\\\\\"\\\" \\\\n \\\\0 */");
	free(got);
	check_round_trip("quotes", s, strlen(s));
}

static void test_nul_and_high_bytes(void)
{
	static const char s[] = {'a', 0, '1', '2', (char)0xff, '7', (char)0x80, 0};
	char *got = escaped(s, sizeof(s));

	CHECK_STR(got, "a\\00012\\3777\\200\\000");
	free(got);
	check_round_trip("nul and high bytes", s, sizeof(s));
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static void test_empty_input_is_one_empty_literal(void)
{
	struct emit_out o;

	emit_out_init(&o, NULL);
	emit_rows(&o, "", 0, "\t");
	CHECK_STR(o.buf.data, "\t\"\"");
	CHECK_INT(emit_row_count(0), 1);
	emit_out_free(&o);
	check_round_trip("empty", "", 0);
}

/* Rows of a buffer of `len` bytes cycling through every byte value. */
static void check_length(size_t len, size_t want_rows)
{
	char *data = malloc(len + 1), name[64];
	size_t i;

	if (!data) {
		unit_fail(__FILE__, __LINE__, "out of memory");
		return;
	}
	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + 3);
	snprintf(name, sizeof(name), "%zu bytes", len);
	CHECK_INT(emit_row_count(len), want_rows);
	check_round_trip(name, data, len);
	free(data);
}

static void test_row_boundaries(void)
{
	check_length(1, 1);
	check_length(4094, 1);
	check_length(4095, 1);
	check_length(4096, 2);
	check_length(8189, 2);
	check_length(8190, 2);
	check_length(8191, 3);
	check_length(3 * 4095 + 17, 4);
}

/*
 * A stream written in pieces is laid out as the rows of the pieces joined:
 * a piece continues the row the last one left open, at every split around
 * a row's end, and empty pieces change nothing.
 */
static void test_stream_pieces_continue_the_row(void)
{
	static const size_t splits[] = {0, 1, 4094, 4095, 4096, 8190, 8191};
	char data[3 * 4095 + 17];
	size_t i, k;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	for (k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
		struct emit_out whole, pieces;
		struct emit_stream st;
		size_t a = splits[k], b = a + (sizeof(data) - a) / 2;

		emit_out_init(&whole, NULL);
		emit_out_init(&pieces, NULL);
		emit_rows(&whole, data, sizeof(data), "\t");
		emit_stream_init(&st, "\t");
		emit_stream_put(&pieces, &st, data, a);
		emit_stream_put(&pieces, &st, "", 0);
		emit_stream_put(&pieces, &st, data + a, b - a);
		emit_stream_put(&pieces, &st, data + b, sizeof(data) - b);
		emit_stream_end(&pieces, &st);
		CHECK_STR(pieces.buf.data, whole.buf.data);
		emit_out_free(&whole);
		emit_out_free(&pieces);
	}
}

/*
 * The string table: strings of every length around a row's end, with
 * bytes that need escapes, read back from the offsets emit_strtab_add()
 * gave, each NUL-terminated within its row; the offsets are the same
 * whether the table is written or only laid out; a string longer than a
 * row is refused.
 */
static void test_string_table_round_trips(void)
{
	static const size_t lens[] = {0, 1, 32, 4000, 94, 4095, 0, 7, 4094, 1, 4095, 4095, 3};
	enum { NS = sizeof(lens) / sizeof(lens[0]) };
	static char table[16][MIGC_BUNDLE_ROW];
	char *strs[NS];
	uint32_t offs[NS], laid[NS], off;
	struct emit_out o;
	struct emit_strtab t, dry;
	const char *p, *why = NULL;
	size_t i, k, rows = 0;

	emit_out_init(&o, NULL);
	emit_strtab_init(&t, "\t");
	emit_strtab_init(&dry, "\t");
	for (i = 0; i < NS; i++) {
		strs[i] = malloc(lens[i] + 1);
		for (k = 0; k < lens[i]; k++)
			strs[i][k] = (char)(1 + (i * 31 + k * 7) % 255); /* no NUL */
		strs[i][lens[i]] = '\0';
		CHECK_INT(emit_strtab_add(&o, &t, strs[i], lens[i], &offs[i]), 0);
		CHECK_INT(emit_strtab_add(NULL, &dry, strs[i], lens[i], &laid[i]), 0);
		CHECK_INT(laid[i], offs[i]);
	}
	CHECK_INT(emit_strtab_end(&o, &t), 0);
	CHECK_INT(emit_strtab_add(NULL, &dry, strs[3], MIGC_BUNDLE_ROW, &off), -1);
	memset(table, 0, sizeof(table));
	for (p = o.buf.data; *p && rows < 16; rows++) {
		migc_buf row = MIGC_BUF_INIT;

		CHECK(*p == '\t');
		p++;
		if (read_literal(&p, &row, &why)) {
			unit_fail(__FILE__, __LINE__, "row %zu: %s", rows, why);
			break;
		}
		CHECK(row.len <= MIGC_BUNDLE_ROW_BYTES);
		if (row.len <= MIGC_BUNDLE_ROW_BYTES)
			memcpy(table[rows], row.data, row.len);
		migc_buf_free(&row);
		if (*p) {
			CHECK(p[0] == ',' && p[1] == '\n');
			p += 2;
		}
	}
	CHECK_INT(rows, t.rows);
	for (i = 0; i < NS; i++) {
		size_t r = offs[i] / MIGC_BUNDLE_ROW, c = offs[i] % MIGC_BUNDLE_ROW;

		CHECK(r < rows && c + lens[i] < MIGC_BUNDLE_ROW);
		if (r < rows && c + lens[i] < MIGC_BUNDLE_ROW) {
			CHECK(memcmp(table[r] + c, strs[i], lens[i]) == 0);
			CHECK_INT(table[r][c + lens[i]], 0);
		}
		free(strs[i]);
	}
	emit_out_free(&o);
}

static void test_rows_are_one_literal_per_line(void)
{
	struct emit_out o;
	char data[5000];
	const char *nl;

	memset(data, 'x', sizeof(data));
	emit_out_init(&o, NULL);
	emit_rows(&o, data, sizeof(data), "\t");
	nl = strchr(o.buf.data, '\n');
	CHECK(nl != NULL);
	if (nl) {
		CHECK_INT(nl - o.buf.data, 1 + 1 + 4095 + 1 + 1); /* \t"...", */
		CHECK(strchr(nl + 1, '\n') == NULL);
		CHECK_INT(strlen(nl + 1), 1 + 1 + 905 + 1);
	}
	emit_out_free(&o);
}

/* ------------------------------------------------------------------ */
/* Comments                                                            */
/* ------------------------------------------------------------------ */

static void test_comment_text_cannot_close_the_comment(void)
{
	unsigned char all[256];
	struct emit_out o;
	const char *p;
	int b;

	for (b = 0; b < 256; b++)
		all[b] = (unsigned char)b;
	emit_out_init(&o, NULL);
	emit_comment_text(&o, "0001_x*/y/*?\?/.sql", 18);
	CHECK_STR(o.buf.data, "0001_x\\052\\057y\\057\\052\\077\\077\\057.sql");
	o.buf.len = 0;
	emit_comment_text(&o, all, sizeof(all));
	CHECK(strstr(o.buf.data, "*/") == NULL);
	CHECK(strstr(o.buf.data, "/*") == NULL);
	CHECK(strstr(o.buf.data, "?\?") == NULL);
	for (p = o.buf.data; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			unit_fail(__FILE__, __LINE__, "raw byte %d in comment text",
				  (unsigned char)*p);
			break;
		}
	emit_out_free(&o);
}

/* ------------------------------------------------------------------ */
/* Output sink                                                         */
/* ------------------------------------------------------------------ */

/*
 * emit_printf() writes one number alone (%zu %lu %d %lld) without
 * vsnprintf: the text is what snprintf gives, at the limits too, and
 * other formats still go through vsnprintf.
 */
static void test_printf_numbers_match_snprintf(void)
{
	static const long long signed_values[] = {0, 1, -1, 9, 10, -10, 4095,
		INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN};
	static const unsigned long long unsigned_values[] = {0, 1, 9, 10, 99,
		100, 4096, UINT32_MAX, ULONG_MAX, SIZE_MAX};
	struct emit_out o;
	migc_buf want = MIGC_BUF_INIT;
	char tmp[64];
	size_t i;

	emit_out_init(&o, NULL);
	for (i = 0; i < sizeof(signed_values) / sizeof(*signed_values); i++) {
		long long v = signed_values[i];

		if (v >= INT_MIN && v <= INT_MAX) {
			emit_printf(&o, "%d", (int)v);
			snprintf(tmp, sizeof(tmp), "%d", (int)v);
			migc_buf_printf(&want, "%s|", tmp);
			emit_puts(&o, "|");
		}
		emit_printf(&o, "%lld", v);
		snprintf(tmp, sizeof(tmp), "%lld", v);
		migc_buf_printf(&want, "%s|", tmp);
		emit_puts(&o, "|");
	}
	for (i = 0; i < sizeof(unsigned_values) / sizeof(*unsigned_values); i++) {
		unsigned long long v = unsigned_values[i];

		emit_printf(&o, "%zu", (size_t)v);
		emit_printf(&o, ",%lu|", (unsigned long)v);
		emit_printf(&o, "%lu", (unsigned long)v);
		snprintf(tmp, sizeof(tmp), "%zu,%lu|%lu", (size_t)v,
			 (unsigned long)v, (unsigned long)v);
		migc_buf_printf(&want, "%s|", tmp);
		emit_puts(&o, "|");
	}
	if (o.rc || strcmp(o.buf.data, want.data) != 0)
		unit_fail(__FILE__, __LINE__, "expected \"%s\", got \"%s\" (rc %d)",
			  want.data, o.buf.data ? o.buf.data : "", o.rc);
	emit_out_free(&o);
	migc_buf_free(&want);
}

static void test_write_errors_are_reported(void)
{
	int background;

	for (background = 0; background < 2; background++) {
		FILE *f = fopen("/dev/full", "w");
		struct emit_out o;
		migc_error err;
		char big[4096];
		int i, rc;

		if (!f) {
			printf("# /dev/full is missing; skipped\n");
			return;
		}
		memset(big, 'a', sizeof(big));
		emit_out_init(&o, f);
		if (background)
			CHECK_INT(emit_out_background(&o), 0);
		for (i = 0; i < 200; i++)
			emit_escape(&o, big, sizeof(big));
		rc = emit_finish(&o, "out.c", &err);
		CHECK_INT(rc, MIGC_EIO);
		CHECK_CONTAINS(err.message, "out.c: write failed: No space left on device");
		emit_out_free(&o);
		fclose(f);
	}
}

/*
 * A file written in the background holds what a synchronous one does,
 * across many buffer swaps, and an abandoned sink (an error before
 * emit_finish) ends its thread in emit_out_free.
 */
static void test_background_writer_writes_the_same(void)
{
	FILE *f[2];
	migc_buf got[2] = {MIGC_BUF_INIT, MIGC_BUF_INIT};
	struct emit_out o;
	migc_error err;
	unsigned char chunk[5000];
	char line[4096];
	size_t i, n;
	int k;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (unsigned char)(i * 7 + i / 13);
	for (k = 0; k < 2; k++) {
		f[k] = tmpfile();
		CHECK(f[k] != NULL);
		if (!f[k])
			return;
		emit_out_init(&o, f[k]);
		if (k)
			CHECK_INT(emit_out_background(&o), 0);
		for (i = 0; i < 400; i++) {
			emit_printf(&o, "row %zu: ", i);
			emit_rows(&o, chunk, sizeof(chunk) - i, "\t");
			emit_put(&o, "\n", 1);
		}
		CHECK_INT(emit_finish(&o, "out.c", &err), 0);
		emit_out_free(&o);
		rewind(f[k]);
		while ((n = fread(line, 1, sizeof(line), f[k])) > 0)
			migc_buf_put(&got[k], line, n);
		fclose(f[k]);
	}
	CHECK(got[0].len > 4 * 256 * 1024);
	CHECK(got[0].len == got[1].len && memcmp(got[0].data, got[1].data, got[0].len) == 0);
	migc_buf_free(&got[0]);
	migc_buf_free(&got[1]);

	f[0] = tmpfile();
	CHECK(f[0] != NULL);
	if (!f[0])
		return;
	emit_out_init(&o, f[0]);
	CHECK_INT(emit_out_background(&o), 0);
	for (i = 0; i < 100; i++)
		emit_rows(&o, chunk, sizeof(chunk), "\t");
	emit_out_free(&o); /* no emit_finish: the thread still ends */
	fclose(f[0]);
}

/* Whether the open file `fd` has blocks the file system has only
 * reserved (ext4's delayed allocation): 1, 0, or -1 when FIEMAP cannot
 * tell. */
static int has_delayed_blocks(int fd)
{
#if defined(__linux__) && defined(FS_IOC_FIEMAP)
	union {
		struct fiemap map;
		char bytes[sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent)];
	} fm;
	unsigned i;

	memset(&fm, 0, sizeof(fm));
	fm.map.fm_length = ~(__u64)0;
	fm.map.fm_extent_count = 64;
	if (ioctl(fd, FS_IOC_FIEMAP, &fm.map) != 0)
		return -1;
	for (i = 0; i < fm.map.fm_mapped_extents; i++)
		if (fm.map.fm_extents[i].fe_flags & FIEMAP_EXTENT_DELALLOC)
			return 1;
	return 0;
#else
	(void)fd;
	return -1;
#endif
}

/* The names in `dir` but . and .., joined with spaces. */
static void dir_listing(const char *dir, migc_buf *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	out->len = 0;
	migc_buf_puts(out, "");
	while (d && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			migc_buf_printf(out, "%s ", de->d_name);
	if (d)
		closedir(d);
}

/*
 * Replacing an existing bundle (outfile.c): the new bytes are in place,
 * with the mode asked for, and nothing else is left in the directory (the
 * old file is gone, no temporary file stays). And the replacement is an
 * exchange, not a rename over the old file: ext4 makes such a rename
 * allocate and start writing out the new file's blocks (auto_da_alloc),
 * which made replacing a 131 MB bundle take 100-280 ms; after an exchange
 * the blocks are still only reserved. Seen with FIEMAP where the file
 * system delays allocation at all.
 */
static void test_outfile_replaces_an_existing_file(void)
{
	const char *dir = unit_tmpdir("outfile");
	char path[512], chunk[4096], back[16];
	migc_buf names = MIGC_BUF_INIT;
	struct outfile of;
	struct stat st;
	migc_error err;
	mode_t mask = umask(0);
	int i, delayed;
	FILE *f;

	umask(mask);
	snprintf(path, sizeof(path), "%s/bundle.c", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("old bundle\n", f);
	fclose(f);
	memset(chunk, 'n', sizeof(chunk));
	CHECK_INT(outfile_open(&of, path, 1, &err), 0);
	for (i = 0; i < 256; i++) /* 1 MB */
		fwrite(chunk, 1, sizeof(chunk), of.file);
	fflush(of.file);
	delayed = has_delayed_blocks(fileno(of.file));
	CHECK_INT(outfile_commit(&of, 0640, &err), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT((long)st.st_size, 256 * 4096);
	CHECK_INT((int)(st.st_mode & 0777), (int)(0640 & ~mask));
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT((int)fread(back, 1, sizeof(back), f), (int)sizeof(back));
		CHECK(memcmp(back, chunk, sizeof(back)) == 0);
		if (delayed == 1) /* ext4: still only reserved after replacing */
			CHECK_INT(has_delayed_blocks(fileno(f)), 1);
		fclose(f);
	}
	dir_listing(dir, &names);
	CHECK_STR(names.data, "bundle.c ");
	migc_buf_free(&names);
}

/* ------------------------------------------------------------------ */
/* Template renderer                                                   */
/* ------------------------------------------------------------------ */

static const char *const items[] = {"a", "b", "c"};

static int t_value(void *data, const char *name, size_t item,
		   struct emit_out *out)
{
	(void)data;
	if (!strcmp(name, "title"))
		return emit_puts(out, "T");
	if (!strcmp(name, "item"))
		return emit_puts(out, items[item]);
	if (!strcmp(name, "i"))
		return emit_printf(out, "%zu", item);
	return MIGC_ENOTFOUND;
}

static long t_section(void *data, const char *name, size_t item, int *list)
{
	long *n = data;

	(void)item;
	*list = 0;
	if (!strcmp(name, "items")) {
		*list = 1;
		return *n;
	}
	if (!strcmp(name, "any"))
		return *n > 0;
	if (!strcmp(name, "none"))
		return *n == 0;
	return -1;
}

/* Render `tpl` with `n` items; returns the text (caller frees) or NULL. */
static char *render(const char *tpl, long n, migc_error *err)
{
	struct tpl_vars v = {t_value, t_section, NULL};
	struct emit_out o;
	char *s = NULL;

	v.data = &n;
	emit_out_init(&o, NULL);
	if (tpl_render("t.in", tpl, strlen(tpl), &v, &o, err) == 0)
		s = migc_buf_detach(&o.buf);
	emit_out_free(&o);
	return s;
}

static void test_template_values_and_sections(void)
{
	static const char tpl[] =
		"{{! a comment\n   over two lines }}\n"
		"# {{title}}\n"
		"{{#items}}\n"
		"  - {{item}} ({{i}}){{#any}}!{{/any}}\n"
		"{{/items}}\n"
		"    {{#none}}\n"
		"nothing\n"
		"    {{/none}}\n"
		"end {{ title }}\n";
	migc_error err;
	char *s;

	s = render(tpl, 3, &err);
	CHECK_STR(s, "# T\n  - a (0)!\n  - b (1)!\n  - c (2)!\nend T\n");
	free(s);
	s = render(tpl, 0, &err);
	CHECK_STR(s, "# T\nnothing\nend T\n");
	free(s);
}

static void test_template_errors_name_the_line(void)
{
	migc_error err;
	char *s;

	s = render("a\nb {{nope}}\n", 1, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "t.in:2: unknown name 'nope'");
	free(s);
	s = render("{{#items}}\nx\n", 1, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "t.in:1: unclosed section 'items'");
	s = render("x {{/items}}", 1, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "unexpected end of section");
	s = render("x {{title", 1, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "unclosed tag");
	s = render("{{#what}}{{/what}}", 1, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "unknown section 'what'");
	s = render("{{Bad-Name}}", 1, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "bad name");
}

/* ------------------------------------------------------------------ */
/* Bundle symbol                                                       */
/* ------------------------------------------------------------------ */

static void test_symbol_rules(void)
{
	migc_error err;

	CHECK_INT(render_symbol_check("migc_embedded_bundle", &err), 0);
	CHECK_INT(render_symbol_check("app_migrations2", &err), 0);
	CHECK_INT(render_symbol_check("_private", &err), 0);
	CHECK_INT(render_symbol_check("sql_x", &err), 0);
	CHECK_INT(render_symbol_check("", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("2fast", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("a-b", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("int", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("main", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("entries", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("sql_12", &err), 0); /* ABI 2's arrays */
	CHECK_INT(render_symbol_check("migc_sql", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("migc_strings", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("migc_sql_0", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("migc_sqlx", &err), 0);
	CHECK_INT(render_symbol_check("__x", &err), MIGC_EUSAGE);
	CHECK_INT(render_symbol_check("_X", &err), MIGC_EUSAGE);
	CHECK_CONTAINS(err.message, "cannot name the bundle");
}

/* ------------------------------------------------------------------ */
/* --emit-c: the property test's helper                                */
/* ------------------------------------------------------------------ */

static int read_file(const char *path, migc_buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (migc_buf_put(out, chunk, n)) {
			fclose(f);
			return -1;
		}
	n = ferror(f);
	fclose(f);
	return n ? -1 : 0;
}

/*
 * Write a program embedding the inputs as a bundle embeds SQL: one stream
 * of rows, each input continuing the row the last one left (same rows,
 * same escaping, same emitter), plus a comment made of each input's bytes;
 * `prog N` writes input N back to stdout, and exits 3 if a row is not
 * NUL-terminated or the stream does not end where its size says.
 */
static int emit_c(const char *out_path, int n, char **inputs)
{
	FILE *f = fopen(out_path, "w");
	struct emit_out o;
	struct emit_stream st;
	migc_buf offs = MIGC_BUF_INIT;
	migc_error err;
	size_t at = 0;
	int i, pass, rc;

	if (!f) {
		perror(out_path);
		return 1;
	}
	emit_out_init(&o, f);
	emit_puts(&o, "/* written by test_emit --emit-c for tests/e2e/bundle_property.sh */\n"
		      "#include <stdio.h>\n#include <stdlib.h>\n\n#include <migc.h>\n");
	emit_stream_init(&st, "\t");
	/* the comments, then the stream (a comment cannot stand in a row) */
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			emit_puts(&o, "\nstatic const char stream[][MIGC_BUNDLE_ROW] = {\n");
		for (i = 0; i < n; i++) {
			migc_buf data = MIGC_BUF_INIT;

			if (read_file(inputs[i], &data)) {
				perror(inputs[i]);
				fclose(f);
				return 1;
			}
			if (!pass) {
				emit_puts(&o, "\n/* ");
				emit_comment_text(&o, data.data,
						  data.len < 3000 ? data.len : 3000);
				emit_puts(&o, " */\n");
			} else {
				emit_stream_put(&o, &st, data.data, data.len);
				migc_buf_printf(&offs, "\t{%zu, %zu},\n", at, data.len);
				at += data.len;
			}
			migc_buf_free(&data);
		}
	}
	emit_stream_end(&o, &st);
	emit_printf(&o, "\n};\nstatic const size_t stream_size = %zu;\n"
		    "static const size_t inputs[][2] = {\n%s\t{0, 0}\n};\n",
		    at, offs.data ? offs.data : "");
	migc_buf_free(&offs);
	emit_printf(&o, "\nint main(int argc, char **argv)\n{\n"
		      "\tsize_t off, len, i;\n"
		      "\tunsigned long which;\n\n"
		      "\tif (argc != 2)\n\t\treturn 2;\n"
		      "\twhich = strtoul(argv[1], NULL, 10);\n"
		      "\tif (which >= %d)\n\t\treturn 2;\n"
		      "\toff = inputs[which][0];\n"
		      "\tlen = inputs[which][1];\n"
		      "\tfor (i = off; i < off + len; i++)\n"
		      "\t\tputchar(stream[i / MIGC_BUNDLE_ROW_BYTES][i %% MIGC_BUNDLE_ROW_BYTES]);\n"
		      "\tfor (i = 0; i * MIGC_BUNDLE_ROW_BYTES < stream_size; i++)\n"
		      "\t\tif (stream[i][MIGC_BUNDLE_ROW_BYTES] != '\\0')\n"
		      "\t\t\treturn 3;\n"
		      "\tif (stream_size && stream[(stream_size - 1) / MIGC_BUNDLE_ROW_BYTES]\n"
		      "\t\t\t  [(stream_size - 1) %% MIGC_BUNDLE_ROW_BYTES + 1] != '\\0')\n"
		      "\t\treturn 3;\n"
		      "\treturn 0;\n}\n", n);
	rc = emit_finish(&o, out_path, &err);
	emit_out_free(&o);
	if (fclose(f) != 0 || rc) {
		fprintf(stderr, "%s: %s\n", out_path, rc ? err.message : "write failed");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--emit-c"))
		return emit_c(argv[2], argc - 3, argv + 3);
	RUN(test_every_byte_has_the_specified_escape);
	RUN(test_every_byte_at_every_offset);
	RUN(test_dense_escapes_in_blocks);
	RUN(test_every_byte_round_trips);
	RUN(test_trigraphs_are_defeated);
	RUN(test_quotes_backslashes_and_comment_ends);
	RUN(test_nul_and_high_bytes);
	RUN(test_empty_input_is_one_empty_literal);
	RUN(test_row_boundaries);
	RUN(test_stream_pieces_continue_the_row);
	RUN(test_string_table_round_trips);
	RUN(test_rows_are_one_literal_per_line);
	RUN(test_comment_text_cannot_close_the_comment);
	RUN(test_printf_numbers_match_snprintf);
	RUN(test_write_errors_are_reported);
	RUN(test_background_writer_writes_the_same);
	RUN(test_outfile_replaces_an_existing_file);
	RUN(test_template_values_and_sections);
	RUN(test_template_errors_name_the_line);
	RUN(test_symbol_rules);
	return unit_done();
}
