/*
 * test_render.c - rendering a bundle's SQL on two threads: every chunk of
 * rows big enough is rendered in two halves at once (render.c), and the
 * bundle is byte for byte the one a single thread writes, whether the
 * output is kept in memory or written by the background writer (which
 * takes the second half's buffer instead of a copy). A write that fails
 * in the writer thread is reported, never dropped.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "render.h"
#include "unit.h"
#include "util.h"

/* Three migrations, ~9 MB of SQL: three chunks of rows, the last short,
 * and a migration across each chunk's border. */
static migc_set *big_set(void)
{
	static const char line[] = "INSERT INTO t VALUES ('it''s \"q\"', 'a\\b', '?\?=', E'\\t');\n";
	static const size_t sizes[] = {3000000, 4500000, 1600001};
	migc_set *set = NULL;
	migc_error err;
	char name[32];
	size_t i, j;

	if (migc_set_new(&set, &err))
		return NULL;
	for (i = 0; i < 3; i++) {
		char *sql = malloc(sizes[i]);

		if (!sql)
			break;
		for (j = 0; j < sizes[i]; j++)
			sql[j] = line[(j + i) % (sizeof(line) - 1)];
		snprintf(name, sizeof(name), "%04zu_m%zu.sql", i + 1, i);
		CHECK_INT(migc_set_add(set, name, NULL, sql, sizes[i], &err), 0);
		free(sql);
	}
	CHECK_INT(migc_set_finish(set, &err), 0);
	return set;
}

/* The bundle for `set`: in memory (`f` NULL) or through `f` with a
 * background writer, then read back. */
static void render_to(const migc_set *set, int one_thread, FILE *f,
		      migc_buf *got)
{
	struct render_info info = {NULL, "", -1, one_thread};
	struct emit_out o;
	migc_error err;
	char block[65536];
	size_t n;

	emit_out_init(&o, f);
	if (f)
		CHECK_INT(emit_out_background(&o), 0);
	CHECK_INT(render_bundle(&o, set, &info, &err), 0);
	CHECK_INT(emit_finish(&o, "bundle.c", &err), 0);
	if (!f) {
		migc_buf_put(got, o.buf.data, o.buf.len);
		emit_out_free(&o);
		return;
	}
	emit_out_free(&o);
	rewind(f);
	while ((n = fread(block, 1, sizeof(block), f)) > 0)
		migc_buf_put(got, block, n);
}

static void test_two_threads_render_the_same_bytes(void)
{
	migc_set *set = big_set();
	migc_buf want = MIGC_BUF_INIT, got = MIGC_BUF_INIT;
	FILE *f;
	int k;

	CHECK(set != NULL);
	if (!set)
		return;
	render_to(set, 1, NULL, &want);
	CHECK(want.len > 9000000);
	CHECK(want.data && strstr(want.data, "migc_sql_2[]") != NULL);
	for (k = 0; k < 3; k++) {
		f = k ? tmpfile() : NULL;
		CHECK(!k || f);
		if (k && !f)
			break;
		got.len = 0;
		/* two threads in memory, two threads and one through the writer */
		render_to(set, k == 2, f, &got);
		if (got.len != want.len || memcmp(got.data, want.data, want.len) != 0)
			unit_fail(__FILE__, __LINE__, "case %d: %zu bytes differ from "
				  "the %zu one thread wrote in memory", k, got.len, want.len);
		if (f)
			fclose(f);
	}
	migc_buf_free(&want);
	migc_buf_free(&got);
	migc_set_free(set);
}

/* A full device under the writer thread: the failure is reported. */
static void test_writer_failure_is_reported(void)
{
	migc_set *set = big_set();
	struct render_info info = {NULL, "", -1, 0};
	struct emit_out o;
	migc_error err;
	FILE *f = fopen("/dev/full", "w");
	int rc;

	CHECK(set != NULL);
	if (!f || !set) { /* no /dev/full here: nothing to test */
		if (f)
			fclose(f);
		migc_set_free(set);
		return;
	}
	emit_out_init(&o, f);
	CHECK_INT(emit_out_background(&o), 0);
	migc_error_clear(&err);
	rc = render_bundle(&o, set, &info, &err);
	if (!rc)
		rc = emit_finish(&o, "bundle.c", &err);
	CHECK_INT(rc, MIGC_EIO);
	CHECK_CONTAINS(err.message, "No space left on device");
	emit_out_free(&o);
	fclose(f);
	migc_set_free(set);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	RUN(test_two_threads_render_the_same_bytes);
	RUN(test_writer_failure_is_reported);
	return unit_done();
}
