/*
 * cmd_new.c - `migc new NAME [DIR]`: create the next migration file,
 * numbered the way the directory already is.
 *
 * The style is read from the newest versioned migration:
 *   20261124093000  14 digits: a UTC timestamp, now (or newest + 1 if the
 *                   clock is behind the newest one)
 *   0042            zero-padded: the next number, same width
 *   42              plain: the next number
 *   1.2.3           dotted: the last part bumped (1.2.4), same width
 * An empty or missing directory starts at 0001 (and is created).
 * Numbers are incremented as digit strings, so any length works. The file
 * is created with O_EXCL: an existing file is never overwritten.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ui.h"
#include "util.h"

#define NEW_NAME_MAX 200

const char cmd_new_usage[] =
	"usage: migc new NAME [DIR] [--repeatable]\n"
	"\n"
	"Create the next migration file in DIR (default: " MIGC_DEFAULT_DIR "), numbered\n"
	"the way the directory already is (timestamps, 0001-style, plain or dotted\n"
	"numbers; 0001 for an empty directory), and print its path. NAME is letters,\n"
	"digits, '_' and '-', written in snake_case (AddUsers -> add_users).\n"
	"\n"
	"options:\n"
	"  --repeatable    create R__NAME.sql, a repeatable migration\n";

/*
 * NAME in snake_case: lower case, '-' to '_', '_' before an upper-case
 * letter that follows a lower-case letter or digit. 0 or MIGC_EUSAGE.
 */
static int snake_name(const char *name, char *out, size_t size)
{
	size_t i, n = 0;

	if (!*name)
		return MIGC_EUSAGE;
	for (i = 0; name[i]; i++) {
		char c = name[i];
		int upper = c >= 'A' && c <= 'Z';

		if (!upper && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '_' && c != '-')
			return MIGC_EUSAGE;
		if (upper && i && ((name[i - 1] >= 'a' && name[i - 1] <= 'z') ||
				   (name[i - 1] >= '0' && name[i - 1] <= '9'))) {
			if (n + 1 >= size)
				return MIGC_EUSAGE;
			out[n++] = '_';
		}
		if (n + 1 >= size)
			return MIGC_EUSAGE;
		out[n++] = upper ? (char)(c - 'A' + 'a') : c == '-' ? '_' : c;
	}
	out[n] = '\0';
	return 0;
}

/* Add one to the digit string `s[0..len)` in place; 1 when it overflowed
 * (all nines), leaving zeros. */
static int digits_increment(char *s, size_t len)
{
	while (len--) {
		if (s[len] != '9') {
			s[len]++;
			return 0;
		}
		s[len] = '0';
	}
	return 1;
}

/* The version after `v` in its own style, into out[size]. */
static int next_version(const char *v, char *out, size_t size)
{
	const char *last = strrchr(v, '.');
	size_t start = last ? (size_t)(last - v) + 1 : 0, len = strlen(v);
	int carry;

	if (len + 2 > size)
		return MIGC_EUSAGE;
	memcpy(out, v, len + 1);
	carry = digits_increment(out + start, len - start);
	if (carry) {
		/* 9 -> 10, 0999 -> 1000, 1.9 -> 1.10 */
		memmove(out + start + 1, out + start, len - start + 1);
		out[start] = '1';
	}
	return 0;
}

/* UTC now as YYYYMMDDHHMMSS. */
static void timestamp_now(char out[15])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

static int is_timestamp(const char *v)
{
	return strlen(v) == 14 && strspn(v, "0123456789") == 14 && v[0] != '0';
}

/*
 * Scan `dir` for the newest versioned migration (into newest, "" when
 * none). A missing directory is an empty one (`*missing` says so).
 */
static int scan_dir(const char *dir, char *newest, size_t size, int *missing)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	*newest = '\0';
	*missing = 0;
	if (!d) {
		if (errno == ENOENT) {
			*missing = 1;
			return 0;
		}
		return -1;
	}
	while ((de = readdir(d))) {
		migc_filename fn;
		migc_error ignored;

		if (de->d_name[0] == '.')
			continue;
		if (migc_filename_parse(&fn, de->d_name, &ignored) ||
		    fn.kind != MIGC_KIND_VERSIONED)
			continue;
		if (!*newest || migc_version_compare(fn.version, newest) > 0)
			migc_strlcpy(newest, fn.version, size);
	}
	closedir(d);
	return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return -1;
		path[i] = dir[i];
	}
	return 0;
}

int new_version_after(const char *newest, char *out, size_t size)
{
	char now[15];

	if (!*newest) {
		migc_strlcpy(out, "0001", size);
		return 0;
	}
	if (is_timestamp(newest)) {
		timestamp_now(now);
		if (migc_version_compare(now, newest) > 0) {
			migc_strlcpy(out, now, size);
			return 0;
		}
	}
	return next_version(newest, out, size);
}

/*
 * Create `path` (never overwriting) with a first comment line, so that it
 * is not empty (an empty migration is invalid) and holds no directive.
 */
static int create_file(const char *path)
{
	const char *slash = strrchr(path, '/');
	migc_buf body = MIGC_BUF_INIT;
	int fd, ok, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		ui_errorf("cannot create '%s': %s", path, strerror(errno));
		if (errno == EEXIST)
			ui_hint("choose another name; migc new never overwrites a file");
		return -1;
	}
	ok = !migc_buf_printf(&body, "-- %s\n-- Write the SQL of this migration below.\n\n",
			      slash ? slash + 1 : path) &&
	     write(fd, body.data, body.len) == (ssize_t)body.len;
	e = errno;
	migc_buf_free(&body);
	if (close(fd) != 0 || !ok) {
		ui_errorf("cannot write '%s': %s", path, strerror(ok ? errno : e));
		unlink(path);
		return -1;
	}
	return 0;
}

int cmd_new(int argc, char **argv)
{
	const char *name = NULL, *dir = NULL;
	char snake[NEW_NAME_MAX + 1], newest[256], version[260];
	migc_buf path = MIGC_BUF_INIT;
	int i, repeatable = 0, missing, only_args = 0;

	for (i = 1; i < argc; i++) {
		if (!only_args && !strcmp(argv[i], "--")) {
			only_args = 1;
		} else if (!only_args && !strcmp(argv[i], "--repeatable")) {
			repeatable = 1;
		} else if (!only_args && argv[i][0] == '-' && argv[i][1]) {
			return ui_usage_error(cmd_new_usage, "unknown option '%s'", argv[i]);
		} else if (!name) {
			name = argv[i];
		} else if (!dir) {
			dir = argv[i];
		} else {
			return ui_usage_error(cmd_new_usage, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!name)
		return ui_usage_error(cmd_new_usage, "missing the migration's NAME");
	if (snake_name(name, snake, sizeof(snake))) {
		ui_errorf("'%.200s' is not a migration name", name);
		ui_hint("use letters, digits, '_' and '-' (at most %d), e.g. add_users", NEW_NAME_MAX);
		return UI_EXIT_USAGE;
	}
	if (!dir)
		dir = MIGC_DEFAULT_DIR;
	if (!*dir)
		return ui_usage_error(cmd_new_usage, "empty directory name");
	if (scan_dir(dir, newest, sizeof(newest), &missing) != 0) {
		ui_errorf("cannot read '%s': %s", dir, strerror(errno));
		return UI_EXIT_INVALID;
	}
	if (missing && make_dirs(dir) != 0) {
		ui_errorf("cannot create '%s': %s", dir, strerror(errno));
		return UI_EXIT_INVALID;
	}
	if (!repeatable && new_version_after(newest, version, sizeof(version))) {
		ui_errorf("cannot number a migration after version '%s'", newest);
		return UI_EXIT_INVALID;
	}
	if (migc_buf_printf(&path, "%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/") ||
	    (repeatable ? migc_buf_printf(&path, "R__%s.sql", snake)
			: migc_buf_printf(&path, "%s_%s.sql", version, snake))) {
		migc_buf_free(&path);
		ui_errorf("out of memory");
		return UI_EXIT_INVALID;
	}
	if (create_file(path.data) != 0) {
		migc_buf_free(&path);
		return UI_EXIT_INVALID;
	}
	printf("%s\n", path.data);
	migc_buf_free(&path);
	return UI_EXIT_OK;
}
