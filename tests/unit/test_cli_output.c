/*
 * test_cli_output.c - the `migrate` progress lines (cli_output.c): each is
 * exactly what printf("%-7s %-*s %6lld ms\n", what, width, label, ms)
 * writes, for labels shorter and longer than the width, repeatables, every
 * width of duration and negative ones; cli_label() is what snprintf's
 * "%s %s" / "R__%s" writes, truncation included; and `up`'s events keep
 * the set's own migration for the JSON output, in order or not.
 */
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migc.h"
#include "unit.h"

static const char *tmpdir;

/* What cli_on_event() printed on stdout for `ev`, into `out`. */
static void captured(struct cli *c, const migc_event *ev, char *out,
		     size_t size)
{
	char path[300];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/out", tmpdir);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (saved < 0 || fd < 0 || dup2(fd, 1) < 0) {
		unit_fail(__FILE__, __LINE__, "cannot redirect stdout");
		return;
	}
	cli_on_event(ev, c);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void check_line(int width, const char *version, const char *name,
		       migc_kind kind, migc_event_type type, long long ms)
{
	migc_migration m;
	migc_event ev;
	struct cli c;
	char got[2048], want[2048], label[600];

	memset(&m, 0, sizeof(m));
	m.version = version;
	m.name = name;
	m.kind = kind;
	memset(&c, 0, sizeof(c));
	c.label_width = width;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.migration = &m;
	ev.duration_ms = ms;
	captured(&c, &ev, got, sizeof(got));
	if (kind == MIGC_KIND_REPEATABLE)
		snprintf(label, sizeof(label), "R__%s", name);
	else
		snprintf(label, sizeof(label), "%s %s", version, name);
	snprintf(want, sizeof(want), "%-7s %-*s %6lld ms\n",
		 type == MIGC_EVENT_DONE ? "applied" : "failed", width, label,
		 ms);
	CHECK_STR(got, want);
	free(c.applied);
}

static void test_progress_lines_are_printfs(void)
{
	const long long ms[] = {0, 7, 42, 999, 123456, 999999, 1000000,
				9223372036854775807LL, -1, -123456};
	const int widths[] = {0, 5, 12, 30, 60};
	char longname[700];
	size_t i, j;

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		for (j = 0; j < sizeof(widths) / sizeof(widths[0]); j++) {
			check_line(widths[j], "0001", "create_users",
				   MIGC_KIND_VERSIONED, MIGC_EVENT_DONE, ms[i]);
			check_line(widths[j], "", "views", MIGC_KIND_REPEATABLE,
				   MIGC_EVENT_FAILED, ms[i]);
		}
	check_line(60, "20261124093000", longname, MIGC_KIND_VERSIONED,
		   MIGC_EVENT_DONE, 5);
}

static void test_label_is_snprintfs(void)
{
	char got[16], want[16];
	const size_t sizes[] = {1, 2, 5, 6, 9, 16};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(got, 'x', sizeof(got));
		cli_label(got, sizes[i], "0001", "create_users", MIGC_KIND_VERSIONED);
		snprintf(want, sizes[i], "%s %s", "0001", "create_users");
		CHECK_STR(got, want);
		cli_label(got, sizes[i], "", "views", MIGC_KIND_REPEATABLE);
		snprintf(want, sizes[i], "R__%s", "views");
		CHECK_STR(got, want);
	}
}

/* The JSON output's applied migrations are the set's own, whichever
 * migration object the event carried and in whatever order they came. */
static void test_applied_are_the_sets_own(void)
{
	const char *names[] = {"0001_a.sql", "0002_b.sql", "0003_c.sql"};
	migc_migration copy;
	migc_event ev;
	migc_error err;
	struct cli c;
	char out[4096];
	size_t i;

	memset(&c, 0, sizeof(c));
	c.quiet = 1;
	if (migc_set_new(&c.set, &err))
		return;
	for (i = 0; i < 3; i++)
		CHECK_INT(migc_set_add(c.set, names[i], NULL, "SELECT 1;\n", 10, &err), 0);
	CHECK_INT(migc_set_finish(c.set, &err), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = MIGC_EVENT_DONE;
	ev.migration = migc_set_get(c.set, 0); /* in order */
	captured(&c, &ev, out, sizeof(out));
	ev.migration = migc_set_get(c.set, 1);
	captured(&c, &ev, out, sizeof(out));
	copy = *migc_set_get(c.set, 0); /* a view, out of order */
	ev.migration = &copy;
	captured(&c, &ev, out, sizeof(out));
	ev.migration = migc_set_get(c.set, 2);
	captured(&c, &ev, out, sizeof(out));
	CHECK_INT(c.napplied, 4);
	if (c.napplied == 4) {
		CHECK(c.applied[0].m == migc_set_get(c.set, 0));
		CHECK(c.applied[1].m == migc_set_get(c.set, 1));
		CHECK(c.applied[2].m == migc_set_get(c.set, 0));
		CHECK(c.applied[3].m == migc_set_get(c.set, 2));
	}
	free(c.applied);
	migc_set_free(c.set);
}

int main(void)
{
	tmpdir = unit_tmpdir("cli-output");
	RUN(test_progress_lines_are_printfs);
	RUN(test_label_is_snprintfs);
	RUN(test_applied_are_the_sets_own);
	return unit_done();
}
