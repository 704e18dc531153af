/*
 * cmd_new.c - `migc new NAME [DIR]`: create the next migration, numbered
 * and written the way the directory already is, in the layout of the tool
 * it was written for (runtime/layout.h), so a team that switched to migc
 * keeps its conventions.
 *
 * The style is read from the newest versioned migration (names taken apart
 * by layout_name_parse(), as `migc build` reads them):
 *   20261124093000  14 digits: a UTC timestamp, now (or newest + 1 if the
 *                   clock is behind the newest one)
 *   0042            zero-padded: the next number, same width
 *   42              plain: the next number
 *   1.2.3           dotted: the last part bumped (1.2.4), same width
 * and written back the way the directory writes versions (Flyway's V1_2__,
 * diesel's 2024-01-02-030405_). An empty or missing directory starts where
 * the tool's own command starts: 0001 (migc), V1__ (Flyway, refinery), a
 * UTC timestamp for the others (goose create, migrate create, dbmate new,
 * sqlx migrate add, diesel migration generate, prisma migrate dev all
 * default to one). Numbers are incremented as digit strings, so any length
 * works.
 *
 * The files hold the skeleton the tool's own command writes (goose's
 * template, dbmate's empty sections, sqlx's and diesel's comments, ...),
 * which `migc build` accepts as it is. Every file and directory is created
 * with O_EXCL / mkdir: nothing is ever overwritten, and when the second
 * file of a pair cannot be created the first one is removed again.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "layout.h"
#include "load.h"
#include "source.h"
#include "ui.h"
#include "util.h"

#define NEW_NAME_MAX 200

const char cmd_new_usage[] =
	"usage: migc new NAME [DIR] [--repeatable] [--layout TOOL]\n"
	"\n"
	"Create the next migration in DIR (default: " MIGC_DEFAULT_DIR "), numbered and\n"
	"written the way the directory already is, and print the path of each file\n"
	"created. Versions follow the newest one (timestamps, 0001-style, plain or\n"
	"dotted numbers); an empty directory starts at 0001, or where the tool of\n"
	"--layout starts (V1 for flyway and refinery, a UTC timestamp otherwise).\n"
	"In another tool's directory the files are that tool's: goose and dbmate\n"
	"sections, .up.sql/.down.sql pairs (golang-migrate, and sqlx when its newest\n"
	"migration is a pair), V<version>__NAME.sql (flyway, refinery), diesel's\n"
	"<version>_NAME/up.sql and down.sql, prisma's <timestamp>_NAME/migration.sql.\n"
	"NAME is letters, digits, '_' and '-', written in snake_case\n"
	"(AddUsers -> add_users). Existing files are never overwritten.\n"
	"\n"
	"options:\n"
	"  --repeatable           create R__NAME.sql, a repeatable migration (migc, flyway)\n"
	UI_LAYOUT_HELP;

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

/* ---- the newest migration ------------------------------------------ */

/* The newest versioned migration of a directory, as its layout reads it. */
struct newest {
	migc_layout layout;
	char version[256]; /* as migc compares it; "" when there is none */
	char written[256]; /* as its file name writes it ("1_1", "2024-01-01-000000") */
	int pair;          /* sqlx: it is an .up.sql / .down.sql pair */
};

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The walk's visitor: keep the newest version among the migration files. */
static int scan_file(void *ctx, const char *filename, const char *display,
		     const char *data, size_t len, migc_error *err)
{
	struct newest *nw = ctx;
	struct layout_name ln;
	migc_error ignored;
	int c, pair = has_suffix(filename, ".up.sql") || has_suffix(filename, ".down.sql");

	(void)display;
	(void)data;
	(void)len;
	(void)err;
	if (layout_name_parse(nw->layout, filename, &ln, &ignored) ||
	    ln.kind != MIGC_KIND_VERSIONED || ln.role == LAYOUT_IGNORE ||
	    ln.role == LAYOUT_CONFIG)
		return 0;
	c = *nw->version ? migc_version_compare(ln.version, nw->version) : 1;
	if (c > 0) {
		migc_strlcpy(nw->version, ln.version, sizeof(nw->version));
		migc_strlcpy(nw->written, ln.key + 2, sizeof(nw->written)); /* "v:..." */
		nw->pair = pair;
	} else if (c == 0) {
		nw->pair |= pair;
	}
	return 0;
}

/* Entries that cannot be migrations do not count (build reports them). */
static int scan_problem(void *ctx, const migc_error *problem)
{
	(void)ctx;
	(void)problem;
	return 0;
}

/*
 * The layout of `dir` (`*layout` when given, else detected) and its newest
 * migration. A missing directory is an empty one (`*missing` says so).
 */
static int scan_dir(const char *dir, migc_layout *layout, struct newest *nw,
		    int *missing, migc_error *err)
{
	struct migc_source_visitor v = {scan_file, scan_problem, NULL, NULL, NULL, NULL, NULL};
	struct migc_source *src = NULL;
	struct stat st;
	int rc;

	memset(nw, 0, sizeof(*nw));
	*missing = stat(dir, &st) != 0 && errno == ENOENT;
	if (*missing) {
		nw->layout = *layout ? *layout : MIGC_LAYOUT_MIGC;
		*layout = nw->layout;
		return 0;
	}
	rc = migc_source_dir_open(&src, dir, err);
	if (!rc && !*layout)
		rc = load_detect_layout(layout, src, err);
	nw->layout = *layout;
	v.ctx = nw;
	if (!rc)
		rc = src->walk(src, &v, err);
	migc_source_free(src);
	return rc;
}

/* ---- the next version, written the directory's way ------------------ */

static int all_zeros(const char *v)
{
	return *v && strspn(v, "0") == strlen(v);
}

/*
 * The version of the new migration, as migc compares it. diesel's
 * 2024-01-02-030405-0000 (a subversion after the timestamp) keeps its
 * subversion: a new timestamp, then 0000.
 */
static int choose_version(const struct newest *nw, char *out, size_t size)
{
	migc_layout l = nw->layout;
	char ts[15], now[15];

	if (!*nw->version || ((l == MIGC_LAYOUT_DIESEL || l == MIGC_LAYOUT_PRISMA) &&
			      all_zeros(nw->version))) {
		/* diesel setup writes 00000000000000_diesel_initial_setup */
		if (l == MIGC_LAYOUT_MIGC)
			migc_strlcpy(out, "0001", size);
		else if (l == MIGC_LAYOUT_FLYWAY || l == MIGC_LAYOUT_REFINERY)
			migc_strlcpy(out, "1", size);
		else {
			timestamp_now(now);
			migc_strlcpy(out, now, size);
		}
		return 0;
	}
	if (l == MIGC_LAYOUT_DIESEL && strlen(nw->version) == 18 &&
	    strlen(nw->written) == 22 && nw->written[17] == '-') {
		memcpy(ts, nw->version, 14);
		ts[14] = '\0';
		if (is_timestamp(ts) && !new_version_after(ts, out, size - 4) &&
		    strlen(out) == 14) {
			memcpy(out + 14, "0000", 5);
			return 0;
		}
	}
	return new_version_after(nw->version, out, size);
}

/*
 * `version` as the directory writes versions, into out[size]: Flyway's
 * separators ('.' or '_') as the newest migration has them; diesel's
 * dashes where the newest has them, YYYY-MM-DD-HHMMSS for a timestamp after
 * an empty directory or diesel's 00000000000000 setup migration; other
 * layouts write the digits as they are.
 */
static void write_version(const struct newest *nw, const char *version,
			  char *out, size_t size)
{
	const char *w = nw->written, *sep, *last;
	size_t i, k = 0, vlen = strlen(version);

	if (nw->layout == MIGC_LAYOUT_FLYWAY && (sep = strpbrk(w, "._"))) {
		/* only the last part changed: keep the prefix as written */
		for (last = sep; (sep = strpbrk(sep + 1, "._"));)
			last = sep;
		snprintf(out, size, "%.*s%s", (int)(last - w + 1), w,
			 strrchr(version, '.') ? strrchr(version, '.') + 1 : version);
		return;
	}
	if (nw->layout != MIGC_LAYOUT_DIESEL || (!strchr(w, '-') && !all_zeros(w) && *w)) {
		migc_strlcpy(out, version, size);
		return;
	}
	if (strchr(w, '-') && strlen(w) < size) {
		for (i = 0; w[i] && k < vlen; i++)
			out[i] = w[i] == '-' ? '-' : version[k++];
		out[i] = '\0';
		if (!w[i] && k == vlen)
			return; /* the same number of digits: the same dashes */
	}
	if (vlen == 14)
		snprintf(out, size, "%.4s-%.2s-%.2s-%s", version, version + 4, version + 6,
			 version + 8);
	else
		migc_strlcpy(out, version, size);
}

/* ---- the files -------------------------------------------------------- */

/* What one migration is on disk: a directory (diesel, prisma) and files. */
struct new_plan {
	char sub[512];        /* the migration's own directory in `dir`, or "" */
	migc_buf subdir;      /* the same with `dir` in front */
	migc_buf path[2];     /* the files, with `dir` in front */
	const char *body[2];  /* their skeletons (NULL: a comment naming the file) */
	size_t nfiles;
	char rel[600];        /* the first file relative to `dir`, as build reads it */
};

/* goose create's sqlMigrationTemplate (create.go) */
static const char goose_body[] =
	"-- +goose Up\n-- +goose StatementBegin\nSELECT 'up SQL query';\n"
	"-- +goose StatementEnd\n\n-- +goose Down\n-- +goose StatementBegin\n"
	"SELECT 'down SQL query';\n-- +goose StatementEnd\n";

static void plan_free(struct new_plan *p)
{
	migc_buf_free(&p->subdir);
	migc_buf_free(&p->path[0]);
	migc_buf_free(&p->path[1]);
}

/* Add file `name` (in the plan's own directory when it has one). */
static int plan_file(struct new_plan *p, const char *dir, const char *name,
		     const char *body)
{
	migc_buf *b = &p->path[p->nfiles];
	const char *slash = dir[strlen(dir) - 1] == '/' ? "" : "/";

	if (!p->nfiles)
		snprintf(p->rel, sizeof(p->rel), "%s%s%s", p->sub, *p->sub ? "/" : "", name);
	p->body[p->nfiles++] = body;
	if (*p->sub)
		return migc_buf_printf(b, "%s/%s", p->subdir.data, name);
	return migc_buf_printf(b, "%s%s%s", dir, slash, name);
}

/*
 * The files of migration `v` (written form) named `name` under `layout`,
 * as each tool's own command writes them.
 */
static int plan_files(struct new_plan *p, migc_layout layout, const char *dir,
		      const char *v, const char *name, int repeatable, int pair)
{
	const char *slash = dir[strlen(dir) - 1] == '/' ? "" : "/";
	char f[600];
	int rc;

	memset(p, 0, sizeof(*p));
	if (layout == MIGC_LAYOUT_DIESEL || layout == MIGC_LAYOUT_PRISMA) {
		snprintf(p->sub, sizeof(p->sub), "%s_%s", v, name);
		rc = migc_buf_printf(&p->subdir, "%s%s%s", dir, slash, p->sub);
		if (rc)
			return rc;
	}
	switch (layout) {
	case MIGC_LAYOUT_GOLANG_MIGRATE: /* migrate create: two empty files */
	case MIGC_LAYOUT_SQLX:           /* sqlx migrate add [-r] */
		if (layout == MIGC_LAYOUT_SQLX && !pair) {
			snprintf(f, sizeof(f), "%s_%s.sql", v, name);
			rc = plan_file(p, dir, f, "-- Add migration script here\n");
			break;
		}
		snprintf(f, sizeof(f), "%s_%s.up.sql", v, name);
		rc = plan_file(p, dir, f, layout == MIGC_LAYOUT_SQLX
					     ? "-- Add up migration script here\n" : "");
		snprintf(f, sizeof(f), "%s_%s.down.sql", v, name);
		rc = rc ? rc : plan_file(p, dir, f, layout == MIGC_LAYOUT_SQLX
					     ? "-- Add down migration script here\n" : "");
		break;
	case MIGC_LAYOUT_GOOSE:
	case MIGC_LAYOUT_DBMATE: /* dbmate new: db.go migrationTemplate */
		snprintf(f, sizeof(f), "%s_%s.sql", v, name);
		rc = plan_file(p, dir, f, layout == MIGC_LAYOUT_GOOSE
					     ? goose_body : "-- migrate:up\n\n\n-- migrate:down\n\n");
		break;
	case MIGC_LAYOUT_FLYWAY:
	case MIGC_LAYOUT_REFINERY: /* neither has a command: migc's comment */
		if (repeatable)
			snprintf(f, sizeof(f), "R__%s.sql", name);
		else
			snprintf(f, sizeof(f), "V%s__%s.sql", v, name);
		rc = plan_file(p, dir, f, NULL);
		break;
	case MIGC_LAYOUT_DIESEL: /* diesel migration generate */
		rc = plan_file(p, dir, "up.sql", "-- Your SQL goes here\n");
		rc = rc ? rc : plan_file(p, dir, "down.sql",
					 "-- This file should undo anything in `up.sql`\n");
		break;
	case MIGC_LAYOUT_PRISMA: /* prisma migrate dev --create-only, nothing to diff */
		rc = plan_file(p, dir, "migration.sql", "-- This is an empty migration.\n");
		break;
	default:
		if (repeatable)
			snprintf(f, sizeof(f), "R__%s.sql", name);
		else
			snprintf(f, sizeof(f), "%s_%s.sql", v, name);
		rc = plan_file(p, dir, f, NULL);
		break;
	}
	return rc;
}

static void cannot_create(const char *path)
{
	int e = errno;

	ui_errorf("cannot create '%s': %s", path, strerror(e));
	if (e == EEXIST)
		ui_hint("choose another name; migc new never overwrites a file");
}

/*
 * Create `path` (never overwriting) holding `body`, or, when `body` is
 * NULL, a first comment line naming the file, so that it is not empty (an
 * empty migration is invalid in migc's layout) and holds no directive.
 */
static int create_file(const char *path, const char *body)
{
	const char *slash = strrchr(path, '/');
	migc_buf text = MIGC_BUF_INIT;
	int fd, ok, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		cannot_create(path);
		return -1;
	}
	ok = !(body ? migc_buf_puts(&text, body)
		    : migc_buf_printf(&text, "-- %s\n-- Write the SQL of this migration below.\n\n",
				      slash ? slash + 1 : path)) &&
	     (!text.len || write(fd, text.data, text.len) == (ssize_t)text.len);
	e = errno;
	migc_buf_free(&text);
	if (close(fd) != 0 || !ok) {
		ui_errorf("cannot write '%s': %s", path, strerror(ok ? errno : e));
		unlink(path);
		return -1;
	}
	return 0;
}

/* Create the plan's directory and files, all or nothing; print the files. */
static int plan_create(const struct new_plan *p)
{
	size_t i, made = 0;

	if (*p->sub && mkdir(p->subdir.data, 0777) != 0) {
		cannot_create(p->subdir.data);
		return -1;
	}
	while (made < p->nfiles && create_file(p->path[made].data, p->body[made]) == 0)
		made++;
	if (made < p->nfiles) {
		for (i = 0; i < made; i++)
			unlink(p->path[i].data);
		if (*p->sub)
			rmdir(p->subdir.data);
		return -1;
	}
	for (i = 0; i < p->nfiles; i++)
		printf("%s\n", p->path[i].data);
	return 0;
}

/* ---- the command ------------------------------------------------------ */

int cmd_new(int argc, char **argv)
{
	const char *name = NULL, *dir = NULL, *layout_name = NULL;
	char snake[NEW_NAME_MAX + 1], version[260], written[260];
	struct layout_name check;
	struct new_plan plan;
	struct newest nw;
	migc_layout layout;
	migc_error err;
	int i, rc, repeatable = 0, missing, only_args = 0;

	for (i = 1; i < argc; i++) {
		if (!only_args && !strcmp(argv[i], "--")) {
			only_args = 1;
		} else if (!only_args && !strcmp(argv[i], "--repeatable")) {
			repeatable = 1;
		} else if (!only_args && (rc = ui_opt_value(argc, argv, &i, NULL, "--layout",
							    cmd_new_usage, &layout_name))) {
			if (rc < 0)
				return UI_EXIT_USAGE;
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
	if (ui_layout(&layout, layout_name, cmd_new_usage))
		return UI_EXIT_USAGE;
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
	if (scan_dir(dir, &layout, &nw, &missing, &err))
		return ui_fail(&err);
	if (repeatable && layout != MIGC_LAYOUT_MIGC && layout != MIGC_LAYOUT_FLYWAY) {
		ui_errorf("%s has no repeatable migrations", migc_layout_name(layout));
		ui_hint("only migc and Flyway directories hold R__NAME.sql; drop --repeatable");
		return UI_EXIT_USAGE;
	}
	if (missing && make_dirs(dir) != 0) {
		ui_errorf("cannot create '%s': %s", dir, strerror(errno));
		return UI_EXIT_INVALID;
	}
	if (!repeatable && choose_version(&nw, version, sizeof(version))) {
		ui_errorf("cannot number a migration after version '%s'", nw.version);
		return UI_EXIT_INVALID;
	}
	write_version(&nw, repeatable ? "" : version, written, sizeof(written));
	if (plan_files(&plan, layout, dir, written, snake, repeatable, nw.pair)) {
		plan_free(&plan);
		ui_errorf("out of memory");
		return UI_EXIT_INVALID;
	}
	/* the name must read back as the version chosen, after the newest */
	if (!repeatable && (layout_name_parse(layout, plan.rel, &check, &err) ||
			    strcmp(check.version, version) != 0 ||
			    (*nw.version && migc_version_compare(version, nw.version) <= 0))) {
		ui_errorf("cannot number a migration after version '%s' in %s's layout",
			  nw.version, migc_layout_name(layout));
		plan_free(&plan);
		return UI_EXIT_INVALID;
	}
	rc = plan_create(&plan);
	plan_free(&plan);
	return rc ? UI_EXIT_INVALID : UI_EXIT_OK;
}
