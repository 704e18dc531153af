/*
 * test_source_dir.c - the directory source reading files into room the
 * visitor gives (source.h: `room`, `file_placed`; the loader's huge-page
 * arena): a file that fits is read there whole, an empty one too; a file
 * that grows between being measured and being read is read on to its end
 * into a buffer of the source's own, never cut short; one that shrinks is
 * read as it is now; without room every file comes malloc'd as before. And
 * the loader's set, built from files in its arena, keeps them readable
 * until it is freed, and reports an empty file as it always did. Files,
 * placed or not, and problems reach the visitor in name order, a
 * subdirectory's after the files before it.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "source.h"
#include "unit.h"
#include "util.h"

/* What the visitor saw of one walk. */
struct seen {
	const char *dir;
	char room[64];    /* the room handed out (one file per test) */
	size_t room_size; /* asked for; 0: none asked */
	int give_room;    /* hand out room at all */
	const char *grow; /* appended to the file when room is asked for */
	int shrink;       /* the file truncated to 2 bytes then */
	int placed, owned;
	char data[128];
	size_t len;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		unit_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

/* A directory of its own for each case, under the test's temporary one. */
static const char *case_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir("source-dir"), name);
	if (mkdir(path, 0755) != 0)
		unit_fail(__FILE__, __LINE__, "cannot make %s", path);
	return path;
}

/* The room callback; it may change the file meanwhile, as another process
 * could between the source's fstat and its read. */
static char *room(void *ctx, size_t size)
{
	struct seen *s = ctx;
	char path[512];

	s->room_size = size;
	snprintf(path, sizeof(path), "%s/0001_a.sql", s->dir);
	if (s->grow) {
		FILE *f = fopen(path, "ab");

		if (f) {
			fputs(s->grow, f);
			fclose(f);
		}
	}
	if (s->shrink && truncate(path, 2) != 0)
		unit_fail(__FILE__, __LINE__, "cannot truncate %s", path);
	return s->give_room && size <= sizeof(s->room) ? s->room : NULL;
}

static void keep(struct seen *s, const char *data, size_t len)
{
	s->len = len;
	if (len < sizeof(s->data)) {
		memcpy(s->data, data, len + 1); /* the NUL after the bytes too */
	} else {
		unit_fail(__FILE__, __LINE__, "file of %zu bytes", len);
	}
}

static int on_placed(void *ctx, const char *filename, const char *display,
		     char *data, size_t len, migc_error *err)
{
	struct seen *s = ctx;

	(void)filename, (void)display, (void)err;
	if (data < s->room || data + len >= s->room + sizeof(s->room))
		unit_fail(__FILE__, __LINE__, "placed bytes outside the room");
	s->placed++;
	keep(s, data, len);
	return 0;
}

static int on_owned(void *ctx, const char *filename, const char *display,
		    char *data, size_t len, migc_error *err)
{
	struct seen *s = ctx;

	(void)filename, (void)display, (void)err;
	s->owned++;
	keep(s, data, len);
	free(data);
	return 0;
}

static int on_file(void *ctx, const char *filename, const char *display,
		   const char *data, size_t len, migc_error *err)
{
	(void)ctx, (void)filename, (void)display, (void)data, (void)len, (void)err;
	unit_fail(__FILE__, __LINE__, "file() called though file_owned is set");
	return 0;
}

/* Walk `dir` (one file, 0001_a.sql) with the room visitor. */
static int walk(struct seen *s, const char *dir, int with_room)
{
	struct migc_source_visitor v;
	struct migc_source *src = NULL;
	migc_error err;
	int rc;

	s->dir = dir;
	memset(&v, 0, sizeof(v));
	v.file = on_file;
	v.file_owned = on_owned;
	v.room = with_room ? room : NULL;
	v.file_placed = with_room ? on_placed : NULL;
	v.ctx = s;
	rc = migc_source_dir_open(&src, dir, &err);
	if (!rc)
		rc = src->walk(src, &v, &err);
	migc_source_free(src);
	return rc;
}

static void fits_is_read_into_the_room(void)
{
	const char *dir = case_dir("fits");
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.give_room = 1;
	write_file(dir, "0001_a.sql", "SELECT 1;\n");
	CHECK_INT(walk(&s, dir, 1), 0);
	CHECK_INT(s.room_size, 11); /* the file and its NUL */
	CHECK_INT(s.placed, 1);
	CHECK_INT(s.owned, 0);
	CHECK_STR(s.data, "SELECT 1;\n");
	CHECK_INT(s.len, 10);
}

static void empty_file_is_read_into_the_room(void)
{
	const char *dir = case_dir("empty");
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.give_room = 1;
	write_file(dir, "0001_a.sql", "");
	CHECK_INT(walk(&s, dir, 1), 0);
	CHECK_INT(s.room_size, 1);
	CHECK_INT(s.placed, 1);
	CHECK_INT(s.len, 0);
	CHECK_STR(s.data, "");
}

static void file_that_grew_is_read_whole(void)
{
	const char *dir = case_dir("grew");
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.give_room = 1;
	s.grow = "SELECT 2;\nSELECT 3;\n";
	write_file(dir, "0001_a.sql", "SELECT 1;\n");
	CHECK_INT(walk(&s, dir, 1), 0);
	CHECK_INT(s.room_size, 11);
	CHECK_INT(s.placed, 0);
	CHECK_INT(s.owned, 1);
	CHECK_STR(s.data, "SELECT 1;\nSELECT 2;\nSELECT 3;\n");
	CHECK_INT(s.len, 30);
}

static void file_grown_by_one_byte_is_read_whole(void)
{
	const char *dir = case_dir("grew1");
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.give_room = 1;
	s.grow = "x";
	write_file(dir, "0001_a.sql", "");
	CHECK_INT(walk(&s, dir, 1), 0);
	CHECK_INT(s.owned, 1);
	CHECK_STR(s.data, "x");
}

static void file_that_shrank_is_read_as_it_is(void)
{
	const char *dir = case_dir("shrank");
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.give_room = 1;
	s.shrink = 1;
	write_file(dir, "0001_a.sql", "SELECT 1;\n");
	CHECK_INT(walk(&s, dir, 1), 0);
	CHECK_INT(s.placed, 1);
	CHECK_STR(s.data, "SE");
	CHECK_INT(s.len, 2);
}

static void no_room_given_or_asked_for(void)
{
	const char *dir = case_dir("noroom");
	struct seen s;

	memset(&s, 0, sizeof(s));
	write_file(dir, "0001_a.sql", "SELECT 1;\n");
	CHECK_INT(walk(&s, dir, 1), 0); /* asked, refused */
	CHECK_INT(s.room_size, 11);
	CHECK_INT(s.owned, 1);
	CHECK_STR(s.data, "SELECT 1;\n");
	memset(&s, 0, sizeof(s));
	s.give_room = 1;
	CHECK_INT(walk(&s, dir, 0), 0); /* a visitor without room */
	CHECK_INT(s.room_size, 0);
	CHECK_INT(s.owned, 1);
	CHECK_STR(s.data, "SELECT 1;\n");
}

static void report(void *ctx, const migc_error *problem)
{
	migc_buf *b = ctx;

	migc_buf_printf(b, "%s\n", problem->message);
}

/* The loader reads into its arena; the set it returns borrows the bytes. */
static void loaded_set_keeps_the_files_bytes(void)
{
	const char *dir = case_dir("load");
	struct migc_source *src = NULL;
	migc_buf problems = MIGC_BUF_INIT;
	migc_set *set = NULL;
	migc_error err;
	size_t n = 0, i;
	char name[64], sql[64];

	for (i = 1; i <= 40; i++) { /* enough files for the loader's threads */
		snprintf(name, sizeof(name), "%04zu_m%zu.sql", i, i);
		snprintf(sql, sizeof(sql), "CREATE TABLE t%zu (id int);\r\n", i);
		write_file(dir, name, sql);
	}
	CHECK_INT(migc_source_dir_open(&src, dir, &err), 0);
	CHECK_INT(load_set(&set, src, MIGC_LAYOUT_MIGC, report, &problems, &n, &err), 0);
	migc_source_free(src); /* the set needs no source */
	CHECK_INT(n, 0);
	CHECK_INT(migc_set_count(set), 40);
	for (i = 0; set && i < 40; i++) {
		const migc_migration *m = migc_set_get(set, i);

		snprintf(sql, sizeof(sql), "CREATE TABLE t%zu (id int);\n", i + 1);
		CHECK_STR(m->sql, sql); /* CRLF made LF in place */
		CHECK_INT(m->sql_len, strlen(sql));
	}
	migc_set_free(set);

	/* an empty file among them: the problem it always was */
	write_file(dir, "0041_empty.sql", "");
	set = NULL;
	CHECK_INT(migc_source_dir_open(&src, dir, &err), 0);
	CHECK_INT(load_set(&set, src, MIGC_LAYOUT_MIGC, report, &problems, &n, &err),
		  MIGC_EINVALID);
	migc_source_free(src);
	CHECK(set == NULL);
	CHECK_INT(n, 1);
	CHECK_CONTAINS(problems.data, "0041_empty.sql");
	CHECK_CONTAINS(problems.data, "empty");
	migc_buf_free(&problems);
}

/* The order a walk reports things in, one line each. */
static int order_file(void *ctx, const char *filename, const char *display,
		      char *data, size_t len, migc_error *err)
{
	(void)display, (void)data, (void)len, (void)err;
	migc_buf_printf(ctx, "file %s\n", filename);
	return 0;
}

static int order_owned(void *ctx, const char *filename, const char *display,
		       char *data, size_t len, migc_error *err)
{
	order_file(ctx, filename, display, data, len, err);
	free(data);
	return 0;
}

static char order_room[400][16];
static size_t order_rooms;

static char *order_give_room(void *ctx, size_t size)
{
	(void)ctx;
	return size <= sizeof(order_room[0]) && order_rooms < 400
	       ? order_room[order_rooms++] : NULL;
}

static int order_problem(void *ctx, const migc_error *problem)
{
	migc_buf_printf(ctx, "problem %s\n", problem->message);
	return 0;
}

static int order_dir(void *ctx, const char *name, const char *display,
		     migc_error *err)
{
	(void)display, (void)err;
	migc_buf_printf(ctx, "dir %s\n", name);
	return 0;
}

static void walk_keeps_name_order(void)
{
	const char *dir = case_dir("order");
	struct migc_source_visitor v;
	struct migc_source *src = NULL;
	migc_buf got = MIGC_BUF_INIT, want = MIGC_BUF_INIT;
	migc_error err;
	char name[64], path[600];
	size_t i;

	for (i = 1; i <= 300; i++) {
		snprintf(name, sizeof(name), "%04zu_m.sql", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (i % 61 == 7) { /* a FIFO: a problem where it sorts */
			CHECK_INT(mkfifo(path, 0644), 0);
			migc_buf_printf(&want, "problem %s/%s: not a regular file (a FIFO)\n",
					dir, name);
		} else if (i % 89 == 3) { /* a subdirectory, one file in it */
			CHECK_INT(mkdir(path, 0755), 0);
			snprintf(path, sizeof(path), "%s/%04zu_m.sql", dir, i);
			write_file(path, "a.sql", "SELECT 1;\n");
			migc_buf_printf(&want, "dir %s\nfile %s/a.sql\n", name, name);
		} else {
			write_file(dir, name, i % 2 ? "SELECT 1;\n" : "SELECT 22222222222222;\n");
			migc_buf_printf(&want, "file %s\n", name);
		}
	}
	memset(&v, 0, sizeof(v));
	v.file = NULL;
	v.file_owned = order_owned;
	v.file_placed = order_file;
	v.room = order_give_room; /* small files only: the others malloc'd */
	v.problem = order_problem;
	v.dir = order_dir;
	v.ctx = &got;
	CHECK_INT(migc_source_dir_open(&src, dir, &err), 0);
	CHECK_INT(src->walk(src, &v, &err), 0);
	migc_source_free(src);
	CHECK(order_rooms > 100);
	CHECK_STR(got.data, want.data);
	migc_buf_free(&got);
	migc_buf_free(&want);
}

/*
 * Files prepared during the walk (load.c, struct ahead) and after it give
 * the set and the problems, in file order, that preparing every file after
 * the walk gave: among many native files, some with CR LF or a byte order
 * mark (prepared after the walk: canonicalising changes them), some
 * invalid (transaction control, no name), one in a subdirectory. And a
 * goose directory whose files preparing ahead would have looked at is read
 * as goose, its CR LF files canonicalised as goose's.
 */
static void files_prepared_during_the_walk_give_the_same_set(void)
{
	char dir[512], gdir[512]; /* case_dir() returns one buffer */
	struct migc_source *src = NULL;
	migc_buf problems = MIGC_BUF_INIT, want = MIGC_BUF_INIT;
	migc_set *set = NULL;
	migc_error err;
	size_t i, n = 0, count = 0;
	char name[64], sql[128], sub[600];

	snprintf(dir, sizeof(dir), "%s", case_dir("ahead"));
	snprintf(gdir, sizeof(gdir), "%s", case_dir("ahead-goose"));
	for (i = 1; i <= 200; i++) {
		snprintf(name, sizeof(name), "%04zu_m%zu.sql", i, i);
		if (i % 37 == 0) {
			write_file(dir, name, "BEGIN;\nSELECT 1;\nCOMMIT;\n");
			migc_buf_printf(&want, "%s/%s:1: ", dir, name);
			continue;
		}
		if (i % 41 == 0) {
			snprintf(name, sizeof(name), "%04zu.sql", i);
			write_file(dir, name, "SELECT 1;\n");
			migc_buf_printf(&want, "%s/%s: ", dir, name);
			continue;
		}
		snprintf(sql, sizeof(sql), "%sCREATE TABLE t%zu (id int);%s",
			 i % 5 == 0 ? "\xEF\xBB\xBF" : "", i, i % 3 == 0 ? "\r\n" : "\n");
		write_file(dir, name, sql);
		count++;
	}
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK_INT(mkdir(sub, 0755), 0);
	write_file(sub, "0999_x.sql", "SELECT 1;\n");
	CHECK_INT(migc_source_dir_open(&src, dir, &err), 0);
	CHECK_INT(load_set(&set, src, (migc_layout)0, report, &problems, &n, &err), MIGC_EINVALID);
	migc_source_free(src);
	CHECK(set == NULL);
	CHECK_INT(n, 5 + 4 + 1); /* 5 transaction control, 4 no name, the directory */
	{ /* each problem names its file, in file order (the directory's first: it is
	   * reported before the files are added) */
		const char *at = problems.data ? problems.data : "", *w = want.data;

		CHECK_CONTAINS(at, "sub: not a regular file (a directory)");
		while (w && *w) {
			const char *end = strstr(w, ": ") + 2;
			char one[700];

			snprintf(one, sizeof(one), "%.*s", (int)(end - w - 2), w);
			at = strstr(at, one);
			if (!at) {
				unit_fail(__FILE__, __LINE__, "no problem for %s in order", one);
				break;
			}
			at += strlen(one);
			w = end;
		}
	}
	migc_buf_free(&problems);
	migc_buf_free(&want);

	/* the valid ones alone: the set, CR LF and marks canonicalised */
	for (i = 1; i <= 200; i++) {
		if (i % 37 == 0)
			snprintf(sub, sizeof(sub), "%s/%04zu_m%zu.sql", dir, i, i);
		else if (i % 41 == 0)
			snprintf(sub, sizeof(sub), "%s/%04zu.sql", dir, i);
		else
			continue;
		CHECK_INT(unlink(sub), 0);
	}
	snprintf(sub, sizeof(sub), "%s/sub/0999_x.sql", dir);
	CHECK_INT(unlink(sub), 0);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK_INT(rmdir(sub), 0);
	CHECK_INT(migc_source_dir_open(&src, dir, &err), 0);
	CHECK_INT(load_set(&set, src, (migc_layout)0, report, &problems, &n, &err), 0);
	migc_source_free(src);
	CHECK_INT(n, 0);
	CHECK_INT(migc_set_count(set), count);
	for (i = 0; set && i < migc_set_count(set); i++) {
		const migc_migration *m = migc_set_get(set, i);
		char want_sql[64];

		snprintf(want_sql, sizeof(want_sql), "CREATE TABLE t%s (id int);\n", m->version + strspn(m->version, "0"));
		CHECK_STR(m->sql, want_sql);
	}
	migc_set_free(set);

	/* goose: names a native file could have, CR LF in some */
	for (i = 1; i <= 60; i++) {
		snprintf(name, sizeof(name), "%05zu_g%zu.sql", i, i);
		write_file(gdir, name, i % 2 ? "-- +goose Up\r\nSELECT 1;\r\n-- +goose Down\r\nSELECT 2;\r\n"
					     : "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n");
	}
	set = NULL;
	CHECK_INT(migc_source_dir_open(&src, gdir, &err), 0);
	CHECK_INT(load_set(&set, src, (migc_layout)0, report, &problems, &n, &err), 0);
	migc_source_free(src);
	CHECK_INT(n, 0);
	CHECK_INT(migc_set_layout(set), MIGC_LAYOUT_GOOSE);
	CHECK_INT(migc_set_count(set), 60);
	for (i = 0; set && i < 60; i++) {
		const migc_migration *m = migc_set_get(set, i);

		CHECK_STR(m->sql, "SELECT 1;\n");
		CHECK(m->down_sql != NULL && !strcmp(m->down_sql, "SELECT 2;\n"));
	}
	migc_set_free(set);
	migc_buf_free(&problems);
}

int main(void)
{
	RUN(fits_is_read_into_the_room);
	RUN(empty_file_is_read_into_the_room);
	RUN(file_that_grew_is_read_whole);
	RUN(file_grown_by_one_byte_is_read_whole);
	RUN(file_that_shrank_is_read_as_it_is);
	RUN(no_room_given_or_asked_for);
	RUN(loaded_set_keeps_the_files_bytes);
	RUN(walk_keeps_name_order);
	RUN(files_prepared_during_the_walk_give_the_same_set);
	return unit_done();
}
