/*
 * test_model.c - the migration model: version ordering, file names, the
 * canonical form and its checksum (golden vectors from `xxhsum -H2`), the
 * content rules, directives, and the set's ordering and duplicate checks.
 * These rules are a format users keep for years: a change here that makes a
 * test fail would make every existing database look drifted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migc.h"
#include "model.h"
#include "set_internal.h"
#include "unit.h"
#include "util.h"

static void version_compare_numbers_of_any_length(void)
{
	CHECK(migc_version_compare("1", "2") < 0);
	CHECK(migc_version_compare("10", "9") > 0);
	CHECK(migc_version_compare("0001", "1") == 0);
	CHECK(migc_version_compare("0009", "10") < 0);
	CHECK(migc_version_compare("20261124093000", "20261124093001") < 0);
	/* far past 64 bits: no overflow, still numeric */
	CHECK(migc_version_compare("123456789012345678901234567890",
				   "99999999999999999999999999999") > 0);
	CHECK(migc_version_compare("000000000000000000000000000042", "42") == 0);
	/* equal lengths take a shortcut: the first differing digit decides,
	 * a dot or a longer string after equal digits does not */
	CHECK(migc_version_compare("0010", "0009") > 0);
	CHECK(migc_version_compare("0009", "0010") < 0);
	CHECK(migc_version_compare("20261124", "20261124") == 0);
	CHECK(migc_version_compare("19", "2") > 0);
	CHECK(migc_version_compare("12", "12.1") < 0);
	CHECK(migc_version_compare("12.1", "12") > 0);
	CHECK(migc_version_compare("12.0", "12") == 0);
	CHECK(migc_version_compare("21.1", "12.9") > 0);
}

static void version_compare_dotted_part_by_part(void)
{
	CHECK(migc_version_compare("1.2", "1.10") < 0);
	CHECK(migc_version_compare("1.2.3", "1.2.10") < 0);
	CHECK(migc_version_compare("2", "1.9.9") > 0);
	CHECK(migc_version_compare("1.2", "1.2.0") == 0);
	CHECK(migc_version_compare("1.2.0.1", "1.2") > 0);
	CHECK(migc_version_compare("1.02", "1.2") == 0);
}

static void version_valid_forms(void)
{
	CHECK(migc_version_valid("0001"));
	CHECK(migc_version_valid("1.2.3"));
	CHECK(!migc_version_valid(""));
	CHECK(!migc_version_valid(".1"));
	CHECK(!migc_version_valid("1."));
	CHECK(!migc_version_valid("1..2"));
	CHECK(!migc_version_valid("1a"));
	CHECK(!migc_version_valid("-1"));
}

static void filename_versioned_and_repeatable(void)
{
	migc_filename fn;
	migc_error err;

	CHECK_INT(migc_filename_parse(&fn, "0001_create_users.sql", &err), 0);
	CHECK_INT(fn.kind, MIGC_KIND_VERSIONED);
	CHECK_STR(fn.version, "0001");
	CHECK_STR(fn.name, "create_users");
	CHECK_INT(migc_filename_parse(&fn, "1.2.3_add_index.sql", &err), 0);
	CHECK_STR(fn.version, "1.2.3");
	CHECK_STR(fn.name, "add_index");
	CHECK_INT(migc_filename_parse(&fn, "R__views.sql", &err), 0);
	CHECK_INT(fn.kind, MIGC_KIND_REPEATABLE);
	CHECK_STR(fn.version, "");
	CHECK_STR(fn.name, "views");
}

static void filename_refusals_name_the_file(void)
{
	static const char *bad[] = {
		"create_users.sql", "0001create.sql", "0001_.sql", "0001_a.txt",
		"0001_a", "R__.sql", "1..2_a.sql", "_a.sql", "V1__init.sql",
		"0001_a.up.sql", "0001_a.down.sql", "0001_a\tb.sql", "x1_a.sql",
	};
	migc_filename fn;
	migc_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		migc_error_clear(&err);
		CHECK_INT(migc_filename_parse(&fn, bad[i], &err), MIGC_EINVALID);
		CHECK_CONTAINS(err.message, bad[i]);
		CHECK_STR(err.file, bad[i]);
	}
}

static void normalize_strips_bom_and_crlf_only(void)
{
	char a[] = "\xEF\xBB\xBFSELECT 1;\r\nSELECT 2; \r\n\r";
	char b[] = "no bom\r\rx\r\n";
	size_t n;

	n = migc_normalize(a, strlen(a));
	CHECK_INT(n, strlen("SELECT 1;\nSELECT 2; \n\r"));
	CHECK(memcmp(a, "SELECT 1;\nSELECT 2; \n\r", n) == 0);
	n = migc_normalize(b, strlen(b));
	CHECK(memcmp(b, "no bom\r\rx\n", n) == 0 && n == 10);
}

/* Golden vectors: `printf '...' | xxhsum -H2`. */
static void checksum_golden_vectors(void)
{
	char out[MIGC_CHECKSUM_HEX_LEN + 1];

	migc_checksum(out, "", 0);
	CHECK_STR(out, "99aa06d3014798d86001c324468d497f");
	migc_checksum(out, "SELECT 1;\n", 10);
	CHECK_STR(out, "bfee1af6ec5101394c8485ac907b8049");
	migc_checksum(out, "CREATE TABLE users (id integer primary key);\n", 45);
	CHECK_STR(out, "fef51d9a76e2de9d9eda4213d5631500");
}

static void checksum_of_crlf_and_bom_equals_lf(void)
{
	const char *lf = "CREATE TABLE users (id integer primary key);\n";
	migc_set *s1, *s2;
	migc_error err;

	CHECK_INT(migc_set_new(&s1, &err), 0);
	CHECK_INT(migc_set_new(&s2, &err), 0);
	CHECK_INT(migc_set_add(s1, "0001_a.sql", NULL, lf, strlen(lf), &err), 0);
	CHECK_INT(migc_set_add(s2, "0001_a.sql", NULL,
			       "\xEF\xBB\xBF" "CREATE TABLE users (id integer primary key);\r\n",
			       strlen(lf) + 4, &err), 0);
	CHECK_STR(migc_set_get(s1, 0)->checksum, "fef51d9a76e2de9d9eda4213d5631500");
	CHECK_STR(migc_set_get(s2, 0)->checksum, "fef51d9a76e2de9d9eda4213d5631500");
	CHECK_STR(migc_set_get(s2, 0)->sql, lf);
	migc_set_free(s1);
	migc_set_free(s2);
}

static int add_one(const char *name, const char *data, size_t len,
		   migc_error *err)
{
	migc_set *s;
	int rc;

	migc_error_clear(err);
	if (migc_set_new(&s, err))
		return -100;
	rc = migc_set_add(s, name, NULL, data, len, err);
	migc_set_free(s);
	return rc;
}

static void content_refusals_carry_the_line(void)
{
	migc_error err;

	CHECK_INT(add_one("0001_a.sql", "", 0, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0001_a.sql: empty migration file");
	CHECK_INT(add_one("0001_a.sql", " \n\t\r\n", 5, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "empty");
	CHECK_INT(add_one("0001_a.sql", "SELECT 1;\nSELECT '\0';\n", 22, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0001_a.sql:2: NUL byte");
	CHECK_INT(err.line, 2);
	CHECK_INT(add_one("0001_a.sql", "a\nb\nSELECT '\xE9t\xE9';\n", 18, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0001_a.sql:3: invalid UTF-8");
	/* overlong '/', a surrogate, past U+10FFFF, a truncated sequence */
	CHECK_INT(add_one("0001_a.sql", "\xC0\xAF", 2, &err), MIGC_EINVALID);
	CHECK_INT(add_one("0001_a.sql", "\xED\xA0\x80", 3, &err), MIGC_EINVALID);
	CHECK_INT(add_one("0001_a.sql", "\xF4\x90\x80\x80", 4, &err), MIGC_EINVALID);
	CHECK_INT(add_one("0001_a.sql", "x\xE2\x82", 3, &err), MIGC_EINVALID);
	/* valid multi-byte text is fine */
	CHECK_INT(add_one("0001_a.sql", "SELECT '\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80';", 19, &err), 0);
}

/*
 * The content check skips plain ASCII 8 bytes at a time and, in a word
 * that is not plain, goes straight to its first byte that is not: a NUL,
 * a stray continuation byte or a bad lead byte is found at every offset of
 * every word (with plain bytes, and a valid é, before it in the word), on
 * the line it is on; a valid sequence at every offset passes.
 */
static void content_check_finds_a_bad_byte_anywhere(void)
{
	static const char bad[] = {'\0', '\x80', '\xff', '\xc0'};
	char buf[64];
	migc_error err;
	size_t at, b, n;

	for (at = 1; at < 40; at++) {
		for (b = 0; b < sizeof(bad); b++) {
			memset(buf, 'a', sizeof(buf));
			buf[0] = '\n'; /* the bad byte is on line 2 */
			if (at > 4 && b % 2) { /* a valid é shortly before it */
				buf[at - 3] = '\xc3';
				buf[at - 2] = '\xa9';
			}
			buf[at] = bad[b];
			n = at + 1 + (at % 11);
			migc_error_clear(&err);
			if (migc_content_check("f.sql", buf, n, &err) != MIGC_EINVALID ||
			    err.line != 2)
				unit_fail(__FILE__, __LINE__, "byte 0x%02x at %zu of %zu: got "
					  "\"%s\"", (unsigned char)bad[b], at, n, err.message);
		}
		memset(buf, 'a', sizeof(buf));
		buf[at] = '\xe2'; /* U+20AC */
		buf[at + 1] = '\x82';
		buf[at + 2] = '\xac';
		CHECK_INT(migc_content_check("f.sql", buf, at + 3 + (at % 7), &err), 0);
	}
}

static migc_directives directives_of(const char *sql, migc_error *err, int *rc)
{
	migc_directives d;

	migc_error_clear(err);
	memset(&d, 0, sizeof(d));
	*rc = migc_directives_parse(&d, "f.sql", sql, strlen(sql), err);
	return d;
}

static void transactional_file_may_not_commit(void)
{
	const char *bad = "CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);\n";
	const char *notx = "-- migc:no-transaction\nCREATE TABLE a (x int);\nCOMMIT;\n";
	const char *body = "CREATE FUNCTION f() RETURNS void AS $$\nBEGIN\n  PERFORM 1;\nEND;\n$$ LANGUAGE plpgsql;\n";
	migc_error err;

	CHECK_INT(add_one("0001_a.sql", bad, strlen(bad), &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0001_a.sql:2:");
	CHECK_CONTAINS(err.message, "COMMIT");
	CHECK_INT(add_one("0001_a.sql", notx, strlen(notx), &err), 0);
	CHECK_INT(add_one("0001_a.sql", body, strlen(body), &err), 0);
	/* SQLite's [ident] quoting confuses the lexer: left to the database */
	CHECK_INT(add_one("0001_a.sql", "SELECT [it's] FROM t;", 21, &err), 0);
}

static unsigned flags_of(const char *sql, migc_error *err, int *rc)
{
	return directives_of(sql, err, rc).flags;
}

static void directives_in_leading_comments(void)
{
	migc_error err;
	int rc;

	CHECK_INT(flags_of("-- migc:no-transaction\nCREATE INDEX CONCURRENTLY i ON t(x);\n", &err, &rc),
		  MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(rc, 0);
	CHECK_INT(flags_of("-- a comment\n\n--migc:phase post\n  -- migc: no-transaction  \nSELECT 1;\n", &err, &rc),
		  MIGC_FLAG_PHASE_POST | MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(rc, 0);
	CHECK_INT(flags_of("-- migc:phase pre\nSELECT 1;", &err, &rc), 0);
	CHECK_INT(rc, 0);
	CHECK_INT(flags_of("SELECT '-- migc:no-transaction';\n", &err, &rc), 0);
	CHECK_INT(rc, 0);
}

/* The parser skips text without "migc:" unread: the marker is found
 * wherever it starts, after decoy colons, at the very start or end. */
static void directives_found_after_any_prefix(void)
{
	static const char *const decoys[] = {"", ":", "::", "mig:", "migc ", "migc-:",
					     " a::b migd: mi:gc:", "x:y:z:"};
	char sql[128];
	size_t i, pad;
	migc_error err;
	int rc;

	for (i = 0; i < sizeof(decoys) / sizeof(decoys[0]); i++) {
		for (pad = 0; pad < 6; pad++) {
			snprintf(sql, sizeof(sql), "--%s%.*s\n--%*smigc:phase post\n",
				 decoys[i], (int)pad, "::::::", (int)pad, "");
			if (flags_of(sql, &err, &rc) != MIGC_FLAG_PHASE_POST)
				unit_fail(__FILE__, __LINE__, "%s: %s", sql, err.message);
			CHECK_INT(rc, 0);
		}
	}
	/* refused, not skipped, when the marker ends the text */
	flags_of("SELECT 1;\n--migc:", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_INT(flags_of("-- mig c: migc no-transaction\nSELECT 1;\n", &err, &rc), 0);
	CHECK_INT(rc, 0);
}

static void directives_refused_with_line(void)
{
	migc_error err;
	int rc;

	flags_of("-- x\n-- migc:no-transactoin\nSELECT 1;\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "f.sql:2: unknown directive 'migc:no-transactoin'");
	flags_of("-- migc:phase later\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "f.sql:1: migc:phase wants pre or post, got 'later'");
	flags_of("-- migc:no-transaction yes\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	flags_of("-- migc:no-transaction\n-- migc:no-transaction\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "twice");
	flags_of("SELECT 1;\n-- migc:no-transaction\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "f.sql:2: directive 'migc:no-transaction' below the first statement");
	CHECK_INT(err.line, 2);
}

static void directives_timeouts(void)
{
	migc_directives d;
	migc_error err;
	int rc;

	d = directives_of("-- migc:lock-timeout 2s\n-- migc:statement-timeout 10min\nALTER TABLE t ADD x int;\n", &err, &rc);
	CHECK_INT(rc, 0);
	CHECK_INT(d.lock_timeout_ms, 2000);
	CHECK_INT(d.statement_timeout_ms, 600000);
	d = directives_of("-- migc:lock-timeout 500ms\nSELECT 1;", &err, &rc);
	CHECK_INT(d.lock_timeout_ms, 500);
	CHECK_INT(d.statement_timeout_ms, -1);
	d = directives_of("SELECT 1;", &err, &rc);
	CHECK_INT(d.lock_timeout_ms, -1);
	directives_of("-- migc:lock-timeout soon\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "f.sql:1: migc:lock-timeout wants a duration, got 'soon'");
	directives_of("-- migc:statement-timeout\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	directives_of("-- migc:lock-timeout 1s\n-- migc:lock-timeout 2s\n", &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "f.sql:2: migc:lock-timeout is given twice");
}

static void duration_forms(void)
{
	long ms = 0;

	CHECK_INT(migc_duration_parse(&ms, "500ms"), 0);
	CHECK_INT(ms, 500);
	CHECK_INT(migc_duration_parse(&ms, "5s"), 0);
	CHECK_INT(ms, 5000);
	CHECK_INT(migc_duration_parse(&ms, "10min"), 0);
	CHECK_INT(ms, 600000);
	CHECK_INT(migc_duration_parse(&ms, "1h"), 0);
	CHECK_INT(ms, 3600000);
	CHECK_INT(migc_duration_parse(&ms, "30"), 0);
	CHECK_INT(ms, 30000);
	CHECK_INT(migc_duration_parse(&ms, "0"), 0);
	CHECK_INT(ms, 0);
	CHECK_INT(migc_duration_parse(&ms, ""), MIGC_EUSAGE);
	CHECK_INT(migc_duration_parse(&ms, "-1s"), MIGC_EUSAGE);
	CHECK_INT(migc_duration_parse(&ms, "5 s"), MIGC_EUSAGE);
	CHECK_INT(migc_duration_parse(&ms, "5d"), MIGC_EUSAGE);
	CHECK_INT(migc_duration_parse(&ms, "99999999999999999999s"), MIGC_EUSAGE);
}

static migc_set *set_of(const char **names, size_t n, migc_error *err, int *rc)
{
	migc_set *s;
	size_t i;

	migc_error_clear(err);
	*rc = migc_set_new(&s, err);
	for (i = 0; i < n && !*rc; i++)
		*rc = migc_set_add(s, names[i], NULL, "SELECT 1;", 9, err);
	if (!*rc)
		*rc = migc_set_finish(s, err);
	return s;
}

static void set_orders_versions_then_repeatables(void)
{
	const char *names[] = {"R__b.sql", "10_ten.sql", "R__a.sql", "9_nine.sql",
			       "1.10_x.sql", "1.2_y.sql", "0100_hundred.sql"};
	const char *want[] = {"1.2_y.sql", "1.10_x.sql", "9_nine.sql", "10_ten.sql",
			      "0100_hundred.sql", "R__a.sql", "R__b.sql"};
	migc_error err;
	size_t i;
	int rc;
	migc_set *s = set_of(names, 7, &err, &rc);

	CHECK_INT(rc, 0);
	CHECK_INT(migc_set_count(s), 7);
	for (i = 0; i < 7; i++)
		CHECK_STR(migc_set_get(s, i)->filename, want[i]);
	CHECK_INT(migc_set_find_version(s, "10"), 3);
	CHECK_INT(migc_set_find_version(s, "0010"), 3);
	CHECK_INT(migc_set_find_version(s, "11"), -1);
	/* every versioned entry by its version (the versioned prefix is 5
	 * long: kept when the set was finished), nothing past the ends */
	for (i = 0; i < 5; i++)
		CHECK_INT(migc_set_find_version(s, migc_set_get(s, i)->version), (long)i);
	CHECK_INT(migc_set_find_version(s, "1.1"), -1);
	CHECK_INT(migc_set_find_version(s, "101"), -1);
	migc_set_free(s);
	/* only repeatables: no version to find; only versioned: the last */
	s = set_of(names, 1, &err, &rc);
	CHECK_INT(rc, 0);
	CHECK_INT(migc_set_find_version(s, "10"), -1);
	migc_set_free(s);
	s = set_of(names + 3, 4, &err, &rc);
	CHECK_INT(rc, 0);
	CHECK_INT(migc_set_find_version(s, "100"), 3);
	CHECK_INT(migc_set_find_version(s, "1.2"), 0);
	migc_set_free(s);
}

static void set_refuses_duplicates_and_case_clashes(void)
{
	const char *dup[] = {"1_a.sql", "001_b.sql"};
	const char *dotted[] = {"1.2_a.sql", "1.2.0_b.sql"};
	const char *cased[] = {"R__View.sql", "R__view.sql"};
	migc_error err;
	int rc;
	migc_set *s;

	s = set_of(dup, 2, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "001_b.sql");
	CHECK_CONTAINS(err.message, "1_a.sql");
	CHECK_CONTAINS(err.message, "duplicate version");
	migc_set_free(s);
	s = set_of(dotted, 2, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	migc_set_free(s);
	s = set_of(cased, 2, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "differ only in case");
	migc_set_free(s);
}

/* malloc'd copy of `s` with one spare byte, for migc_set_add_owned. */
static char *owned(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (!p)
		abort();
	memcpy(p, s, n + 1);
	return p;
}

/*
 * migc_set_add_owned takes the bytes (canonicalised in place: same
 * checksum as migc_set_add's copy), and frees them on every failure (the
 * sanitizer build's leak check): a bad name, bad content, after finish,
 * and for another tool's layout, which copies.
 */
static void set_add_owned_takes_the_bytes(void)
{
	const char *crlf = "\xef\xbb\xbfSELECT 1;\r\nSELECT 2;\r\n";
	migc_error err;
	migc_set *a = NULL, *b = NULL;

	CHECK_INT(migc_set_new(&a, &err), 0);
	CHECK_INT(migc_set_new(&b, &err), 0);
	CHECK_INT(migc_set_add(a, "0001_a.sql", NULL, crlf, strlen(crlf), &err), 0);
	CHECK_INT(migc_set_add_owned(b, "0001_a.sql", NULL, owned(crlf), strlen(crlf), &err), 0);
	CHECK_INT(migc_set_add_owned(b, "bad name.sql", "m/bad name.sql", owned("SELECT 1;"), 9,
				     &err), MIGC_EINVALID);
	CHECK_STR(err.file, "m/bad name.sql");
	CHECK_INT(migc_set_add_owned(b, "0002_b.sql", NULL, owned("COMMIT;"), 7, &err),
		  MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0002_b.sql:1: top-level COMMIT");
	CHECK_INT(migc_set_finish(a, &err), 0);
	CHECK_INT(migc_set_finish(b, &err), 0);
	CHECK_INT(migc_set_count(b), 1);
	CHECK_STR(migc_set_get(b, 0)->checksum, migc_set_get(a, 0)->checksum);
	CHECK_STR(migc_set_get(b, 0)->sql, "SELECT 1;\nSELECT 2;\n");
	CHECK_INT(migc_set_add_owned(b, "0003_c.sql", NULL, owned("SELECT 3;"), 9, &err),
		  MIGC_EUSAGE);
	migc_set_free(a);
	migc_set_free(b);
	CHECK_INT(migc_set_new(&a, &err), 0);
	CHECK_INT(migc_set_set_layout(a, MIGC_LAYOUT_DBMATE, &err), 0);
	CHECK_INT(migc_set_add_owned(a, "20240101000000_t.sql", NULL,
				     owned("-- migrate:up\nSELECT 1;\n"), 23, &err), 0);
	CHECK_INT(migc_set_finish(a, &err), 0);
	CHECK_INT(migc_set_count(a), 1);
	migc_set_free(a);
}

/* The loader's file-name check (model.h): the name migc_filename_parse
 * would take apart into the same kind, version and name, and nothing else;
 * the version measured and checked in the same pass. */
static void filename_agrees_with_its_parts(void)
{
	static const struct {
		const char *file, *version, *name;
		migc_kind kind;
		int agrees;
	} cases[] = {
		{"0001_a.sql", "0001", "a", MIGC_KIND_VERSIONED, 1},
		{"1.2.3_x y.sql", "1.2.3", "x y", MIGC_KIND_VERSIONED, 1},
		{"R__views.sql", "", "views", MIGC_KIND_REPEATABLE, 1},
		{"0001_ab.sql", "0001", "a", MIGC_KIND_VERSIONED, 0},
		{"0001_a.sql", "0001", "ab", MIGC_KIND_VERSIONED, 0},
		{"0001_a.sqlx", "0001", "a", MIGC_KIND_VERSIONED, 0},
		{"0001_a.sq", "0001", "a", MIGC_KIND_VERSIONED, 0},
		{"0001-a.sql", "0001", "a", MIGC_KIND_VERSIONED, 0},
		{"00_a.sql", "0001", "a", MIGC_KIND_VERSIONED, 0},
		{"1._a.sql", "1.", "a", MIGC_KIND_VERSIONED, 0},
		{".1_a.sql", ".1", "a", MIGC_KIND_VERSIONED, 0},
		{"1..2_a.sql", "1..2", "a", MIGC_KIND_VERSIONED, 0},
		{"1a_a.sql", "1a", "a", MIGC_KIND_VERSIONED, 0},
		{"_a.sql", "", "a", MIGC_KIND_VERSIONED, 0},
		{"0001_.sql", "0001", "", MIGC_KIND_VERSIONED, 0},
		{"R__a.sql", "0001", "a", MIGC_KIND_REPEATABLE, 0},
		{"r__a.sql", "", "a", MIGC_KIND_REPEATABLE, 0},
		{"0001_a.sql", "0001", "a", MIGC_KIND_REPEATABLE, 0},
		{"R__a.sql", "", "a", MIGC_KIND_VERSIONED, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (migc_filename_agrees(cases[i].file, cases[i].kind,
					 cases[i].version, cases[i].name) != cases[i].agrees)
			unit_fail(__FILE__, __LINE__, "%s as %s / %s: expected %d",
				  cases[i].file, cases[i].version, cases[i].name,
				  cases[i].agrees);
	CHECK_INT(migc_version_span("20261124093000"), 14);
	CHECK_INT(migc_version_span("1.2.3"), 5);
	CHECK_INT(migc_version_span("1.2."), 0);
	CHECK_INT(migc_version_span(""), 0);
	CHECK_INT(migc_version_span("12x"), 0);
}

/* A bundle's entries, reserved up front, come from one block: evenly
 * spaced (growing the arena from 16 KiB put the first ~50 in a block of
 * their own), their borrowed strings used where they are. */
static void reserved_entries_are_one_block(void)
{
	static char versions[300][8];
	static const char sum[] = "0123456789abcdef0123456789abcdef";
	const char *first, *second;
	migc_error err;
	migc_set *s = NULL;
	size_t i;

	CHECK_INT(migc_set_new(&s, &err), 0);
	CHECK_INT(set_reserve_entries(s, 300, &err), 0);
	for (i = 0; s && i < 300; i++) {
		struct set_entry_in in;

		memset(&in, 0, sizeof(in));
		snprintf(versions[i], sizeof(versions[i]), "%04zu", i + 1);
		in.kind = MIGC_KIND_VERSIONED;
		in.version = versions[i];
		in.name = "n";
		in.filename = "file.sql";
		in.sql = "";
		in.borrowed = 1;
		in.checksum_at = sum;
		CHECK_INT(set_add_entry(s, &in, &err), 0);
	}
	CHECK_INT(migc_set_finish(s, &err), 0);
	first = (const char *)migc_set_get(s, 0);
	second = (const char *)migc_set_get(s, 1);
	for (i = 0; i < 300; i++) {
		const migc_migration *m = migc_set_get(s, i);

		CHECK((const char *)m == first + i * (size_t)(second - first));
		CHECK(m->version == versions[i]);
		CHECK(m->checksum == sum);
	}
	migc_set_free(s);
}

/* Bundle ids are recorded in databases: a known set must keep its id
 * (computed before the id's text was formatted by hand: kind 0 and 1,
 * flags 0 and 3, with and without a down checksum). */
static void bundle_id_golden(void)
{
	const char *post = "-- migc:no-transaction\n-- migc:phase post\n"
			   "CREATE INDEX CONCURRENTLY i ON t (a);\n";
	const char *dbmate = "-- migrate:up\nCREATE TABLE t (a int);\n"
			     "-- migrate:down\nDROP TABLE t;\n";
	migc_error err;
	migc_set *s = NULL;
	char id[33];

	CHECK_INT(migc_set_new(&s, &err), 0);
	CHECK_INT(migc_set_add(s, "R__views.sql", NULL, "SELECT 1;", 9, &err), 0);
	CHECK_INT(migc_set_add(s, "20261124093000_second.sql", NULL, post,
			       strlen(post), &err), 0);
	CHECK_INT(migc_set_add(s, "0001_first.sql", NULL,
			       "CREATE TABLE t (a int);\n", 24, &err), 0);
	CHECK_INT(migc_set_finish(s, &err), 0);
	CHECK_INT(migc_set_get(s, 1)->flags, 3);
	migc_set_bundle_id(s, id);
	CHECK_STR(id, "c47006a1b3c065569e98dc3173352892");
	migc_set_free(s);
	/* with a down checksum (another tool's layout) */
	CHECK_INT(migc_set_new(&s, &err), 0);
	CHECK_INT(migc_set_set_layout(s, MIGC_LAYOUT_DBMATE, &err), 0);
	CHECK_INT(migc_set_add(s, "20240101000000_t.sql", NULL, dbmate,
			       strlen(dbmate), &err), 0);
	CHECK_INT(migc_set_finish(s, &err), 0);
	CHECK(migc_set_get(s, 0)->down_checksum != NULL);
	migc_set_bundle_id(s, id);
	CHECK_STR(id, "aeab2829c3c557d8e400c545dfcd74d5");
	migc_set_free(s);
}

/* The id's bytes spelled out with snprintf, one hash update per part. */
static void bundle_id_reference(const migc_set *s, char out[33])
{
	migc_hash *h = migc_hash_new();
	char kf[32];
	size_t i;

	for (i = 0; h && i < migc_set_count(s); i++) {
		const migc_migration *m = migc_set_get(s, i);

		snprintf(kf, sizeof(kf), "%d:%u", (int)m->kind, m->flags);
		migc_hash_update(h, kf, strlen(kf) + 1);
		migc_hash_update(h, m->version, strlen(m->version) + 1);
		migc_hash_update(h, m->name, strlen(m->name) + 1);
		migc_hash_update(h, m->checksum, 32);
		if (m->down_checksum) {
			migc_hash_update(h, "down:", 5);
			migc_hash_update(h, m->down_checksum, 32);
		}
		migc_hash_update(h, "\n", 1);
	}
	if (h)
		migc_hash_final(h, out);
}

/* Records are gathered in a buffer and hashed together: a set whose
 * records fill it several times over (names up to 200 bytes) has the id
 * of the bytes spelled out one by one, before and after it is kept. */
static void bundle_id_of_many_migrations(void)
{
	char name[300], want[33], got[33];
	migc_error err;
	migc_set *s = NULL;
	int i;

	CHECK_INT(migc_set_new(&s, &err), 0);
	for (i = 1; s && i <= 700; i++) {
		snprintf(name, sizeof(name), "%05d_%.*s.sql", i, 1 + (i * 37) % 200,
			 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
			 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
			 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
			 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
		if (migc_set_add(s, name, NULL, "SELECT 1;\n", 10, &err))
			unit_fail(__FILE__, __LINE__, "%s: %s", name, err.message);
	}
	bundle_id_reference(s, want);
	migc_set_bundle_id(s, got); /* not finished: computed */
	CHECK_STR(got, want);
	CHECK_INT(migc_set_finish(s, &err), 0);
	migc_set_bundle_id(s, got); /* finished: kept */
	CHECK_STR(got, want);
	migc_set_free(s);
}

/* In migc's layout the case check looks at repeatable migrations only:
 * versioned names equal but for case are still refused, as duplicate
 * versions (dotted ones too), and repeatable ones as a case clash, also
 * behind many versioned ones. */
static void case_variants_are_refused_in_every_kind(void)
{
	const char *versioned[] = {"0001_a.sql", "0001_A.sql"};
	const char *dotted[] = {"1.2_Add.sql", "1.2_add.sql", "R__v.sql"};
	const char *repeatable[] = {"0001_a.sql", "0002_b.sql", "R__Views.sql",
				    "R__views.sql"};
	migc_error err;
	int rc;
	migc_set *s;

	s = set_of(versioned, 2, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "duplicate version");
	migc_set_free(s);
	s = set_of(dotted, 3, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "duplicate version");
	migc_set_free(s);
	s = set_of(repeatable, 4, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "differ only in case");
	migc_set_free(s);
}

/* migc_set_finish skips its sorts when the input is in order already:
 * in-order sets, sets in version order but not in file-name order, and
 * clashes inside an in-order set still come out as the sorts said. */
static void set_finish_in_order_input(void)
{
	const char *sorted[] = {"0001_a.sql", "0002_b.sql", "0003_c.sql",
				"R__m.sql", "R__n.sql"};
	const char *numeric[] = {"9_z.sql", "10_a.sql", "R__A.sql", "R__b.sql"};
	const char *clash[] = {"0001_a.sql", "0002_b.sql", "R__View.sql",
			       "R__view.sql", "R__w.sql"};
	const char *dup[] = {"0001_a.sql", "0002_b.sql", "0002_c.sql"};
	const char *twice[] = {"0002_b.sql", "0001_a.sql", "R__v.sql", "0001_a.sql"};
	const char *twice_r[] = {"R__w.sql", "R__v.sql", "0001_a.sql", "R__v.sql"};
	migc_error err;
	size_t i;
	int rc;
	migc_set *s;

	s = set_of(sorted, 5, &err, &rc);
	CHECK_INT(rc, 0);
	for (i = 0; i < 5; i++)
		CHECK_STR(migc_set_get(s, i)->filename, sorted[i]);
	migc_set_free(s);
	s = set_of(numeric, 4, &err, &rc);
	CHECK_INT(rc, 0);
	for (i = 0; i < 4; i++)
		CHECK_STR(migc_set_get(s, i)->filename, numeric[i]);
	migc_set_free(s);
	s = set_of(clash, 5, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "differ only in case");
	CHECK_CONTAINS(err.message, "R__View.sql");
	CHECK_CONTAINS(err.message, "R__view.sql");
	migc_set_free(s);
	s = set_of(dup, 3, &err, &rc);
	CHECK_INT(rc, MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "duplicate version");
	CHECK_CONTAINS(err.message, "0002_b.sql");
	migc_set_free(s);
	/* out of order, and the same file twice (equal under the sort's
	 * order too), or a repeatable name twice behind an inversion */
	for (i = 0; i < 2; i++) {
		s = set_of(i ? twice_r : twice, 4, &err, &rc);
		CHECK_INT(rc, MIGC_EINVALID);
		CHECK_CONTAINS(err.message, i ? "duplicate repeatable migration name"
					      : "duplicate version");
		CHECK_CONTAINS(err.message, i ? "R__v.sql and R__v.sql" : "0001_a.sql and 0001_a.sql");
		migc_set_free(s);
	}
}

static void bundle_id_depends_on_content_and_order(void)
{
	const char *a[] = {"1_a.sql", "2_b.sql"};
	const char *b[] = {"1_a.sql", "3_b.sql"};
	char ida[33], ida2[33], idb[33];
	migc_error err;
	int rc;
	migc_set *sa = set_of(a, 2, &err, &rc), *sa2 = set_of(a, 2, &err, &rc),
		 *sb = set_of(b, 2, &err, &rc);

	migc_set_bundle_id(sa, ida);
	migc_set_bundle_id(sa2, ida2);
	migc_set_bundle_id(sb, idb);
	CHECK_STR(ida, ida2);
	CHECK(strcmp(ida, idb) != 0);
	migc_set_free(sa);
	migc_set_free(sa2);
	migc_set_free(sb);
}

int main(void)
{
	RUN(version_compare_numbers_of_any_length);
	RUN(version_compare_dotted_part_by_part);
	RUN(version_valid_forms);
	RUN(filename_versioned_and_repeatable);
	RUN(filename_refusals_name_the_file);
	RUN(normalize_strips_bom_and_crlf_only);
	RUN(checksum_golden_vectors);
	RUN(checksum_of_crlf_and_bom_equals_lf);
	RUN(content_refusals_carry_the_line);
	RUN(transactional_file_may_not_commit);
	RUN(directives_in_leading_comments);
	RUN(directives_found_after_any_prefix);
	RUN(directives_refused_with_line);
	RUN(directives_timeouts);
	RUN(duration_forms);
	RUN(set_orders_versions_then_repeatables);
	RUN(set_refuses_duplicates_and_case_clashes);
	RUN(bundle_id_depends_on_content_and_order);
	RUN(filename_agrees_with_its_parts);
	RUN(reserved_entries_are_one_block);
	RUN(bundle_id_golden);
	RUN(bundle_id_of_many_migrations);
	RUN(content_check_finds_a_bad_byte_anywhere);
	RUN(set_add_owned_takes_the_bytes);
	RUN(set_finish_in_order_input);
	RUN(case_variants_are_refused_in_every_kind);
	return unit_done();
}
