/*
 * layout.c - reading other tools' migration directories as they are
 * (see layout.h for the forms).
 *
 * Every rule here is the tool's own, read from its source: a directory the
 * tool accepts must mean the same to migc (the same versions, the same up
 * and down SQL, the same no-transaction marker). Where a tool accepts
 * something a bundle cannot hold (Go or Rust migrations, environment
 * substitution, callbacks, subdirectories), the file is refused with a
 * message saying what to do; nothing is skipped or reinterpreted quietly.
 *
 * Nothing here allocates: names land in the fixed fields of struct
 * layout_name, sections are offsets into the caller's data.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "util.h"

static const char *const layout_names[MIGC_LAYOUT_COUNT + 1] = {
	NULL, "migc", "golang-migrate", "goose", "dbmate", "flyway",
	"sqlx", "refinery", "diesel", "prisma",
};
#define LAYOUT_LIST \
	"migc, golang-migrate, goose, dbmate, flyway, sqlx, refinery, diesel, prisma"

/* The expected form, for hints. */
static const char *const layout_forms[MIGC_LAYOUT_COUNT + 1] = {
	NULL,
	"name migration files <version>_<name>.sql (e.g. 0001_create_users.sql) or R__<name>.sql",
	"golang-migrate names files <version>_<name>.up.sql and .down.sql "
	"(e.g. 000001_create_users.up.sql)",
	"goose names files <version>_<name>.sql (e.g. 20240101120000_create_users.sql) "
	"with -- +goose Up and -- +goose Down sections",
	"dbmate names files <version>_<name>.sql (e.g. 20240101120000_create_users.sql) "
	"with -- migrate:up and -- migrate:down sections",
	"Flyway names files V<version>__<description>.sql (e.g. V1_1__create_users.sql), "
	"U<version>__<description>.sql (undo) or R__<description>.sql",
	"sqlx names files <version>_<description>.sql, or .up.sql and .down.sql "
	"(e.g. 20240101120000_create_users.sql)",
	"refinery names files V<n>__<name>.sql or U<n>__<name>.sql "
	"(e.g. V1__create_users.sql; the name is letters, digits and _)",
	"diesel keeps a directory per migration, <version>_<name>/ with up.sql, down.sql "
	"and metadata.toml (e.g. 2024-01-01-000000_create_users/up.sql)",
	"Prisma keeps a directory per migration, <timestamp>_<name>/migration.sql "
	"(e.g. 20240101120000_init/migration.sql)",
};

const char *migc_layout_name(migc_layout layout)
{
	if ((int)layout < MIGC_LAYOUT_MIGC || (int)layout > MIGC_LAYOUT_COUNT)
		return NULL;
	return layout_names[layout];
}

int migc_layout_parse(migc_layout *out, const char *name, migc_error *err)
{
	int i;

	for (i = MIGC_LAYOUT_MIGC; i <= MIGC_LAYOUT_COUNT; i++) {
		if (name && strcmp(name, layout_names[i]) == 0) {
			*out = (migc_layout)i;
			return 0;
		}
	}
	migc_err(err, MIGC_EUSAGE, "unknown layout '%s' (valid: " LAYOUT_LIST ")",
		 name ? name : "");
	migc_err_hint(err, "pass --layout with one of: " LAYOUT_LIST);
	return MIGC_EUSAGE;
}

/* Fail with MIGC_EINVALID: "PATH: why" or "PATH:LINE: why", and a hint. */
static int fail(migc_error *err, const char *path, int line, const char *hint,
		const char *fmt, ...) MIGC_PRINTF(5, 6);
static int fail(migc_error *err, const char *path, int line, const char *hint,
		const char *fmt, ...)
{
	char why[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (line > 0)
		migc_err(err, MIGC_EINVALID, "%s:%d: %s", path, line, why);
	else
		migc_err(err, MIGC_EINVALID, "%s: %s", path, why);
	migc_err_where(err, path, line);
	if (hint)
		migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

/* ---- small text helpers ------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return n > 0;
}

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

static int has_suffix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s + n - k, p, k) == 0;
}

/* s[0..n) equals p, ignoring ASCII case. */
static int eq_nocase(const char *s, size_t n, const char *p)
{
	size_t i;

	if (strlen(p) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char a = s[i], b = p[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* p occurs in s[0..n). */
static int contains(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, p, k) == 0)
			return 1;
	return 0;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* One line of a file: [off, off+len) without its "\n" or "\r\n". */
struct text_line {
	size_t off, len, next;
	int no;
};

static int line_next(const char *d, size_t len, struct text_line *l)
{
	const char *nl;
	size_t end;

	if (l->next >= len)
		return 0;
	l->off = l->next;
	nl = memchr(d + l->off, '\n', len - l->off);
	end = nl ? (size_t)(nl - d) : len;
	l->next = nl ? end + 1 : len;
	l->len = end - l->off;
	if (l->len && d[l->off + l->len - 1] == '\r')
		l->len--;
	l->no++;
	return 1;
}

/* ---- file names ----------------------------------------------------- */

/* The descriptive part: non-empty, printable, no path separator. */
static int name_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			return 0;
	}
	return n > 0;
}

/*
 * Finish `out` for a versioned migration: the version as the tool writes
 * it is ver[0..vlen) (the key keeps that form); migc's version drops
 * diesel's dashes and reads Flyway's underscores as dots.
 */
static int finish_versioned(struct layout_name *out, migc_layout layout,
			    const char *path, const char *ver, size_t vlen,
			    const char *name, size_t nlen, migc_error *err)
{
	size_t i, k = 0;

	if (vlen >= sizeof(out->version) || nlen >= sizeof(out->name) ||
	    vlen + 3 > sizeof(out->key))
		return fail(err, path, 0, NULL, "the file name is too long");
	for (i = 0; i < vlen; i++) {
		if (layout == MIGC_LAYOUT_DIESEL && ver[i] == '-')
			continue;
		out->version[k++] = layout == MIGC_LAYOUT_FLYWAY && ver[i] == '_' ? '.' : ver[i];
	}
	out->version[k] = '\0';
	if (!migc_version_valid(out->version))
		return fail(err, path, 0, layout_forms[layout],
			    "the version '%.*s' is not digits, or digit groups separated by dots",
			    (int)vlen, ver);
	if (!name_ok(name, nlen))
		return fail(err, path, 0, layout_forms[layout],
			    "the name after the version is empty or has control characters; "
			    "migc needs one");
	memcpy(out->name, name, nlen);
	snprintf(out->key, sizeof(out->key), "v:%.*s", (int)vlen, ver);
	out->kind = MIGC_KIND_VERSIONED;
	return 0;
}

static int parse_migc(const char *path, struct layout_name *out,
		      migc_error *err)
{
	migc_filename fn;
	int rc = migc_filename_parse(&fn, path, err);

	if (rc)
		return rc;
	out->role = LAYOUT_UP;
	out->kind = fn.kind;
	migc_strlcpy(out->version, fn.version, sizeof(out->version));
	migc_strlcpy(out->name, fn.name, sizeof(out->name));
	snprintf(out->key, sizeof(out->key), "%s:%s",
		 fn.kind == MIGC_KIND_REPEATABLE ? "r" : "v",
		 fn.kind == MIGC_KIND_REPEATABLE ? fn.name : fn.version);
	return 0;
}

/* golang-migrate, source/parse.go: ^([0-9]+)_(.*)\.(down|up)\.(.*)$ */
static int parse_golang_migrate(const char *p, size_t n,
				struct layout_name *out, migc_error *err)
{
	const char *form = layout_forms[MIGC_LAYOUT_GOLANG_MIGRATE];
	const char *us = memchr(p, '_', n), *rest, *ext;
	size_t vlen, rlen, i;

	if (!us || !all_digits(p, (size_t)(us - p)))
		return fail(err, p, 0, form, "not a golang-migrate file name: no <digits>_ prefix");
	vlen = (size_t)(us - p);
	rest = us + 1;
	rlen = n - vlen - 1;
	/* the name's (.*) is greedy: the direction is the last one */
	for (i = rlen; i > 0; i--) {
		if (has_prefix(rest + i - 1, rlen - i + 1, ".up.") ||
		    has_prefix(rest + i - 1, rlen - i + 1, ".down."))
			break;
	}
	if (!i)
		return fail(err, p, 0, form,
			    "not a golang-migrate file name: no .up. or .down. before the extension");
	out->role = rest[i] == 'u' ? LAYOUT_UP : LAYOUT_DOWN;
	ext = rest + i - 1 + (out->role == LAYOUT_UP ? 4 : 6);
	if (strcmp(ext, "sql") != 0)
		return fail(err, p, 0,
			    "migc embeds SQL migrations: end the name in .up.sql or .down.sql",
			    "not a SQL migration (golang-migrate reads any extension, migc .sql)");
	return finish_versioned(out, MIGC_LAYOUT_GOLANG_MIGRATE, p, p, vlen,
				rest, i - 1, err);
}

/* goose, migrate.go NumericComponent: <int64 > 0>_<name>.sql or .go */
static int parse_goose(const char *p, size_t n, struct layout_name *out,
		       migc_error *err)
{
	const char *form = layout_forms[MIGC_LAYOUT_GOOSE];
	const char *us = memchr(p, '_', n);
	size_t vlen;

	if (has_suffix(p, n, ".go"))
		return fail(err, p, 0,
			    "rewrite it as a SQL migration (-- +goose Up / -- +goose Down), "
			    "or apply it with goose before the directory moves to migc",
			    "Go migrations cannot be embedded in a migc bundle (SQL only)");
	if (!has_suffix(p, n, ".sql"))
		return fail(err, p, 0, form, "not a goose migration: goose reads <version>_<name>.sql");
	if (!us || !all_digits(p, (size_t)(us - p)))
		return fail(err, p, 0, form, "not a goose file name: no <digits>_ prefix");
	vlen = (size_t)(us - p);
	if (strspn(p, "0") >= vlen)
		return fail(err, p, 0, form, "goose versions must be greater than zero");
	out->role = LAYOUT_SECTIONS;
	return finish_versioned(out, MIGC_LAYOUT_GOOSE, p, p, vlen, us + 1,
				n - vlen - 5, err);
}

/* dbmate, db.go migrationFileRegexp ^(\d+).*\.sql$: the digits are the version */
static int parse_dbmate(const char *p, size_t n, struct layout_name *out,
			migc_error *err)
{
	const char *form = layout_forms[MIGC_LAYOUT_DBMATE];
	size_t vlen = strspn(p, "0123456789"), skip;

	if (!has_suffix(p, n, ".sql"))
		return fail(err, p, 0, form, "not a dbmate migration: dbmate reads .sql files");
	if (!vlen || vlen + 4 > n)
		return fail(err, p, 0, form, "not a dbmate file name: it does not start with digits");
	skip = p[vlen] == '_' ? 1 : 0;
	out->role = LAYOUT_SECTIONS;
	return finish_versioned(out, MIGC_LAYOUT_DBMATE, p, p, vlen,
				p + vlen + skip, n - 4 - vlen - skip, err);
}

/*
 * Flyway, ResourceNameParser and MigrationVersion: a prefix, the version up
 * to the first "__" ('_' in it means '.'), the description after it; R__
 * has no version; <script>.sql.conf configures <script>.sql.
 */
static int parse_flyway(const char *p, size_t n, struct layout_name *out,
			migc_error *err)
{
	const char *form = layout_forms[MIGC_LAYOUT_FLYWAY];
	size_t stem, v;

	if (has_suffix(p, n, ".sql.conf"))
		stem = n - 9;
	else if (has_suffix(p, n, ".sql"))
		stem = n - 4;
	else
		return fail(err, p, 0, form,
			    "not a Flyway migration: Flyway reads .sql and .sql.conf files");
	out->role = stem == n - 4 ? LAYOUT_UP : LAYOUT_CONFIG;
	if (has_prefix(p, n, "before") || has_prefix(p, n, "after") ||
	    has_prefix(p, n, "createSchema"))
		return fail(err, p, 0,
			    "make the callback's SQL a migration of its own, or run it outside migc",
			    "Flyway callbacks run on events (before/after migrate, ...); "
			    "a migc bundle cannot run them");
	if (p[0] == 'B')
		return fail(err, p, 0,
			    "keep the versioned migrations it summarises; "
			    "`migrate baseline` adopts an existing database",
			    "Flyway baseline migrations (B prefix) cannot be represented: "
			    "migc applies every versioned migration");
	if (p[0] == 'R') {
		if (!has_prefix(p + 1, stem - 1, "__"))
			return fail(err, p, 0, form,
				    "a repeatable Flyway migration has no version: R__<description>.sql");
		if (!name_ok(p + 3, stem - 3) || stem - 3 >= sizeof(out->name))
			return fail(err, p, 0, form,
				    "the description after R__ is empty or has control characters");
		memcpy(out->name, p + 3, stem - 3);
		snprintf(out->key, sizeof(out->key), "r:%s", out->name);
		out->kind = MIGC_KIND_REPEATABLE;
		return 0;
	}
	if (p[0] != 'V' && p[0] != 'U')
		return fail(err, p, 0, form, "not a Flyway migration name: no V, U or R prefix");
	for (v = 1; v + 1 < stem && !(p[v] == '_' && p[v + 1] == '_'); v++)
		;
	if (v + 1 >= stem)
		return fail(err, p, 0, form, "no __<description> after the version; migc needs a name");
	if (v == 1)
		return fail(err, p, 0, form, "no version after %c", p[0]);
	if (p[0] == 'U' && out->role == LAYOUT_UP)
		out->role = LAYOUT_DOWN;
	return finish_versioned(out, MIGC_LAYOUT_FLYWAY, p, p + 1, v - 1,
				p + v + 2, stem - v - 2, err);
}

/* sqlx, migrate/source.rs: splitn(2, '_'), an i64 version, .up/.down.sql */
static int parse_sqlx(const char *p, size_t n, struct layout_name *out,
		      migc_error *err)
{
	const char *form = layout_forms[MIGC_LAYOUT_SQLX];
	const char *us = memchr(p, '_', n);
	size_t vlen, cut = 4;

	if (!has_suffix(p, n, ".sql") || !us)
		return fail(err, p, 0, form,
			    "not a sqlx migration: sqlx reads <version>_<description>.sql");
	vlen = (size_t)(us - p);
	if (!all_digits(p, vlen))
		return fail(err, p, 0, form,
			    "sqlx reads the part before the first _ as an integer version, "
			    "and '%.*s' is not one",
			    (int)vlen, p);
	out->role = LAYOUT_UP;
	if (has_suffix(us + 1, n - vlen - 1, ".up.sql")) {
		cut = 7;
	} else if (has_suffix(us + 1, n - vlen - 1, ".down.sql")) {
		cut = 9;
		out->role = LAYOUT_DOWN;
	}
	return finish_versioned(out, MIGC_LAYOUT_SQLX, p, p, vlen, us + 1,
				n - vlen - 1 - cut, err);
}

/* refinery, util.rs: ^([U|V])(\d+(?:\.\d+)?)__(\w+)\.sql$, an integer version */
static int parse_refinery(const char *p, size_t n, struct layout_name *out,
			  migc_error *err)
{
	const char *form = layout_forms[MIGC_LAYOUT_REFINERY];
	size_t vlen, i;

	if (has_suffix(p, n, ".rs"))
		return fail(err, p, 0,
			    "rewrite it as a .sql migration, or apply it with refinery "
			    "before the directory moves to migc",
			    "Rust migrations cannot be embedded in a migc bundle (SQL only)");
	if (!has_suffix(p, n, ".sql") || (p[0] != 'V' && p[0] != 'U'))
		return fail(err, p, 0, form, "not a refinery migration (refinery skips it)");
	vlen = strspn(p + 1, "0123456789");
	if (!vlen)
		return fail(err, p, 0, form, "no version after %c", p[0]);
	if (p[1 + vlen] == '.' && is_digit(p[2 + vlen]))
		return fail(err, p, 0, form,
			    "refinery reads the version as an integer and fails on '%.*s'",
			    (int)strspn(p + 1, "0123456789."), p + 1);
	if (!has_prefix(p + 1 + vlen, n - 1 - vlen, "__"))
		return fail(err, p, 0, form, "no __ between the version and the name");
	for (i = vlen + 3; i + 4 < n; i++) {
		if (!is_alnum(p[i]) && p[i] != '_' && (unsigned char)p[i] < 0x80)
			return fail(err, p, 0, form,
				    "the name is not letters, digits and _ (refinery skips the file)");
	}
	out->role = LAYOUT_UP; /* U ("unversioned") runs in version order too */
	return finish_versioned(out, MIGC_LAYOUT_REFINERY, p, p + 1, vlen,
				p + vlen + 3, n - vlen - 7, err);
}

/*
 * diesel (migrations_internals version_from_string: the directory name up
 * to the first '_', dashes removed) and Prisma (<timestamp>_<name>/
 * migration.sql beside migration_lock.toml).
 */
static int parse_dirs(migc_layout layout, const char *path,
		      struct layout_name *out, migc_error *err)
{
	const char *form = layout_forms[layout];
	const char *slash = strchr(path, '/'), *file, *us;
	size_t dlen, vlen;
	int diesel = layout == MIGC_LAYOUT_DIESEL;

	if (!slash) {
		/* diesel_cli leaves .keep (formerly .gitkeep) in the directory */
		if (diesel ? !strcmp(path, ".keep") || !strcmp(path, ".gitkeep")
			   : !strcmp(path, "migration_lock.toml")) {
			out->role = LAYOUT_IGNORE;
			return 0;
		}
		return fail(err, path, 0, form, "not part of a %s migrations directory",
			    layout_names[layout]);
	}
	file = slash + 1;
	dlen = (size_t)(slash - path);
	if (strchr(file, '/') || !dlen)
		return fail(err, path, 0, form, "a migration directory is one level deep");
	if (diesel && !strcmp(file, "up.sql"))
		out->role = LAYOUT_UP;
	else if (diesel && !strcmp(file, "down.sql"))
		out->role = LAYOUT_DOWN;
	else if (diesel && !strcmp(file, "metadata.toml"))
		out->role = LAYOUT_CONFIG;
	else if (!diesel && !strcmp(file, "migration.sql"))
		out->role = LAYOUT_UP;
	else
		return fail(err, path, 0, form, "not a file %s reads in a migration directory",
			    layout_names[layout]);
	us = memchr(path, '_', dlen);
	vlen = us ? (size_t)(us - path) : dlen;
	if (!vlen || strspn(path, diesel ? "0123456789-" : "0123456789") < vlen)
		return fail(err, path, 0, form,
			    diesel ? "diesel's version is the directory name up to the first _ without "
				     "its dashes, and migc needs digits there"
				   : "the directory name does not start with a <timestamp>_ of digits");
	if (!us)
		return fail(err, path, 0, form, "no _<name> after the version in the directory name");
	return finish_versioned(out, layout, path, path, vlen, us + 1,
				dlen - vlen - 1, err);
}

int layout_name_parse(migc_layout layout, const char *path,
		      struct layout_name *out, migc_error *err)
{
	size_t n = strlen(path);

	memset(out, 0, sizeof(*out));
	out->kind = MIGC_KIND_VERSIONED;
	if (!migc_layout_name(layout))
		return migc_err(err, MIGC_EUSAGE, "unknown layout %d", (int)layout);
	if (!n || n >= sizeof(out->key) - 3)
		return fail(err, path, 0, NULL, "the path is empty or too long");
	if (layout == MIGC_LAYOUT_DIESEL || layout == MIGC_LAYOUT_PRISMA)
		return parse_dirs(layout, path, out, err);
	if (strchr(path, '/'))
		return fail(err, path, 0,
			    layout == MIGC_LAYOUT_REFINERY
				    ? "refinery reads subdirectories, a migc bundle does not: "
				      "move the file up into the migrations directory"
				    : "move the file up into the migrations directory",
			    "%s migrations are not kept in subdirectories", layout_names[layout]);
	switch (layout) {
	case MIGC_LAYOUT_GOLANG_MIGRATE:
		return parse_golang_migrate(path, n, out, err);
	case MIGC_LAYOUT_GOOSE:
		return parse_goose(path, n, out, err);
	case MIGC_LAYOUT_DBMATE:
		return parse_dbmate(path, n, out, err);
	case MIGC_LAYOUT_FLYWAY:
		return parse_flyway(path, n, out, err);
	case MIGC_LAYOUT_SQLX:
		return parse_sqlx(path, n, out, err);
	case MIGC_LAYOUT_REFINERY:
		return parse_refinery(path, n, out, err);
	default:
		return parse_migc(path, out, err);
	}
}

/* ---- sections and markers ------------------------------------------ */

enum { G_UP, G_DOWN, G_BEGIN, G_END, G_NOTX, G_ENV_ON, G_ENV_OFF, G_NONE };
static const char *const goose_words[] = {
	"Up", "Down", "StatementBegin", "StatementEnd", "NO TRANSACTION",
	"ENVSUB ON", "ENVSUB OFF",
};

/*
 * goose's reading of an annotation line (sqlparser extractAnnotation):
 * every "--" removed, the first "+goose" removed (a second one is an
 * error), the rest trimmed and compared ignoring case.
 */
static int goose_annotation(const char *s, size_t n)
{
	char cmd[40];
	const char *c = cmd;
	size_t i = 0, k = 0;
	int seen = 0;

	while (i < n) {
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
			i += 2;
		} else if (has_prefix(s + i, n - i, "+goose")) {
			if (seen++)
				return G_NONE;
			i += 6;
		} else if (k + 1 < sizeof(cmd)) {
			cmd[k++] = s[i++];
		} else {
			return G_NONE;
		}
	}
	trim(&c, &k);
	for (i = 0; i < G_NONE; i++)
		if (eq_nocase(c, k, goose_words[i]))
			return (int)i;
	return G_NONE;
}

/* A line goose treats as an annotation: "--..." containing "+goose". */
static int goose_line(const char *s, size_t n)
{
	const char *t = s;
	size_t k = n;

	trim(&t, &k);
	return has_prefix(t, k, "--") && contains(s, n, "+goose");
}

static int split_goose(const char *display, const char *d, size_t len,
		       struct layout_sections *out, migc_error *err)
{
	static const char hint[] =
		"goose reads -- +goose Up, then the up SQL, then optionally -- +goose Down "
		"and the down SQL; StatementBegin/StatementEnd wrap statements holding semicolons";
	struct text_line l = {0, 0, 0, 0};
	enum { START, UP, UP_BLOCK, DOWN, DOWN_BLOCK } st = START;
	int begin_line = 0;

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *t = s;
		size_t n = l.len, k = n;
		int a;

		if (!goose_line(s, n)) {
			trim(&t, &k);
			if (st == START && k && !has_prefix(t, k, "--"))
				return fail(err, display, l.no, hint,
					    "SQL before the '-- +goose Up' line "
					    "(goose runs nothing outside its sections)");
			continue;
		}
		if (s[0] == ' ' || s[0] == '\t')
			return fail(err, display, l.no, hint,
				    "a goose annotation must start at the beginning of its line");
		a = goose_annotation(s, n);
		if (a == G_UP) {
			if (st != START)
				return fail(err, display, l.no, hint, "a second '-- +goose Up'");
			st = UP;
			out->up_off = l.next;
			out->up_line = l.no + 1;
		} else if (a == G_DOWN) {
			if (st == START)
				return fail(err, display, l.no, hint,
					    "'-- +goose Down' before '-- +goose Up'");
			if (st != UP)
				return fail(err, display, l.no, hint,
					    st == DOWN ? "a second '-- +goose Down'"
						       : "'-- +goose Down' inside a StatementBegin block");
			st = DOWN;
			out->up_len = l.off - out->up_off;
			out->has_down = 1;
			out->down_off = l.next;
			out->down_line = l.no + 1;
		} else if (a == G_BEGIN) {
			if (st != UP && st != DOWN)
				return fail(err, display, l.no, hint,
					    st == START ? "'-- +goose StatementBegin' before '-- +goose Up'"
							: "a StatementBegin inside another StatementBegin block");
			st = st == UP ? UP_BLOCK : DOWN_BLOCK;
			begin_line = l.no;
		} else if (a == G_END) {
			if (st != UP_BLOCK && st != DOWN_BLOCK)
				return fail(err, display, l.no, hint,
					    "'-- +goose StatementEnd' without a StatementBegin");
			st = st == UP_BLOCK ? UP : DOWN;
		} else if (a == G_NOTX) {
			out->flags |= MIGC_FLAG_NO_TRANSACTION;
		} else if (a == G_ENV_ON) {
			return fail(err, display, l.no,
				    "write the values into the SQL; a bundle is compiled once, "
				    "not when it runs",
				    "'-- +goose ENVSUB ON': goose substitutes environment variables when it "
				    "runs, which cannot be compiled into a bundle");
		} else if (a == G_NONE) {
			return fail(err, display, l.no,
				    "goose knows Up, Down, StatementBegin, StatementEnd, NO TRANSACTION "
				    "and ENVSUB ON/OFF (goose itself refuses this line)",
				    "unknown goose annotation '%.*s'", (int)(n > 80 ? 80 : n), s);
		}
	}
	if (st == START)
		return fail(err, display, 0, hint, "no '-- +goose Up' line");
	if (st == UP_BLOCK || st == DOWN_BLOCK)
		return fail(err, display, begin_line, hint,
			    "'-- +goose StatementBegin' without a StatementEnd");
	if (st == UP)
		out->up_len = len - out->up_off;
	else
		out->down_len = len - out->down_off;
	return 0;
}

/*
 * dbmate, migration.go: a marker is ^--\s*migrate:(up|down) at the start
 * of a line, then the end of the line or options "key:value" after
 * whitespace. Returns 1 (up), 2 (down) or 0, with the options text.
 */
static int dbmate_marker(const char *s, size_t n, const char **opt,
			 size_t *optlen)
{
	size_t i = 2;
	int kind;

	if (!has_prefix(s, n, "--"))
		return 0;
	while (i < n && is_space(s[i]))
		i++;
	if (has_prefix(s + i, n - i, "migrate:up")) {
		kind = 1;
		i += 10;
	} else if (has_prefix(s + i, n - i, "migrate:down")) {
		kind = 2;
		i += 12;
	} else {
		return 0;
	}
	if (i < n && !is_space(s[i]))
		return 0;
	*opt = s + i;
	*optlen = n - i;
	return kind;
}

/* The options after a dbmate marker; dbmate knows only transaction. */
static int dbmate_options(const char *display, int line, const char *s,
			  size_t n, unsigned *flags, migc_error *err)
{
	size_t i = 0, start;

	while (i < n) {
		while (i < n && is_space(s[i]))
			i++;
		start = i;
		while (i < n && !is_space(s[i]))
			i++;
		if (i == start)
			break;
		if (i - start == 17 && !memcmp(s + start, "transaction:false", 17))
			*flags |= MIGC_FLAG_NO_TRANSACTION;
		else if (i - start != 16 || memcmp(s + start, "transaction:true", 16))
			return fail(err, display, line,
				    "dbmate knows one option, transaction:false (or transaction:true)",
				    "unknown dbmate option '%.*s'", (int)(i - start), s + start);
	}
	return 0;
}

static int split_dbmate(const char *display, const char *d, size_t len,
			struct layout_sections *out, migc_error *err)
{
	static const char hint[] =
		"dbmate reads -- migrate:up, the up SQL, then -- migrate:down and the down SQL";
	struct text_line l = {0, 0, 0, 0};
	int st = 0, rc;

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *opt, *t = s;
		size_t n = l.len, optlen, k = n;
		int m = dbmate_marker(s, n, &opt, &optlen);

		if (m == 1) {
			if (st)
				return fail(err, display, l.no, hint,
					    st == 1 ? "a second '-- migrate:up'"
						    : "'-- migrate:up' after '-- migrate:down'");
			st = 1;
			out->up_off = l.next;
			out->up_line = l.no + 1;
		} else if (m == 2) {
			if (st != 1)
				return fail(err, display, l.no, hint,
					    st ? "a second '-- migrate:down'"
					       : "'-- migrate:down' before '-- migrate:up'");
			st = 2;
			out->up_len = l.off - out->up_off;
			out->has_down = 1;
			out->down_off = l.next;
			out->down_line = l.no + 1;
		} else {
			trim(&t, &k);
			if (!st && k && !has_prefix(t, k, "--"))
				return fail(err, display, l.no, hint,
					    "SQL before the '-- migrate:up' line "
					    "(dbmate refuses statements before it)");
			continue;
		}
		rc = dbmate_options(display, l.no, opt, optlen, &out->flags, err);
		if (rc)
			return rc;
	}
	if (!st)
		return fail(err, display, 0, hint, "no '-- migrate:up' line");
	if (st == 1)
		out->up_len = len - out->up_off;
	else
		out->down_len = len - out->down_off;
	return 0;
}

/* The in-file marker of a one-section file. */
static unsigned file_flags(migc_layout layout, const char *d, size_t len)
{
	struct text_line l = {0, 0, 0, 0};

	/* sqlx, source.rs: sql.starts_with("-- no-transaction") */
	if (layout == MIGC_LAYOUT_SQLX)
		return has_prefix(d, len, "-- no-transaction") ? MIGC_FLAG_NO_TRANSACTION : 0;
	if (layout != MIGC_LAYOUT_REFINERY)
		return 0;
	/* refinery, util.rs: any line ^[-]{2,}[\s]?(refinery:noTransaction)$ */
	while (line_next(d, len, &l)) {
		const char *s = d + l.off;
		size_t n = l.len, i = 0;

		while (i < n && s[i] == '-')
			i++;
		if (i < 2)
			continue;
		if (i < n && is_space(s[i]))
			i++;
		if (n - i == 22 && memcmp(s + i, "refinery:noTransaction", 22) == 0)
			return MIGC_FLAG_NO_TRANSACTION;
	}
	return 0;
}

int layout_split(migc_layout layout, enum layout_role role,
		 const char *display, const char *data, size_t len,
		 struct layout_sections *out, migc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (role == LAYOUT_UP) {
		out->up_len = len;
		out->up_line = 1;
	} else if (role == LAYOUT_DOWN) {
		out->has_down = 1;
		out->down_len = len;
		out->down_line = 1;
	} else if (role == LAYOUT_SECTIONS && layout == MIGC_LAYOUT_GOOSE) {
		return split_goose(display, data, len, out, err);
	} else if (role == LAYOUT_SECTIONS && layout == MIGC_LAYOUT_DBMATE) {
		return split_dbmate(display, data, len, out, err);
	} else {
		return migc_err(err, MIGC_ERROR, "%s: not a SQL file of the %s layout",
				display, migc_layout_name(layout) ? migc_layout_name(layout) : "?");
	}
	out->flags = file_flags(layout, data, len);
	return 0;
}

/* ---- configuration files ------------------------------------------- */

/*
 * diesel's metadata.toml (migrations_internals TomlMetadata): the only key
 * is run_in_transaction, a TOML boolean; other keys are ignored. Its serde
 * default is false: a metadata.toml without the key makes diesel run the
 * migration outside a transaction, which is seldom what the author meant,
 * so migc asks for the key to be written.
 */
static int config_diesel(const char *display, const char *d, size_t len,
			 unsigned *flags, migc_error *err)
{
	struct text_line l = {0, 0, 0, 0};
	int in_table = 0, found = 0;

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *v, *hash, *key;
		size_t n = l.len, kn, vn;

		trim(&s, &n);
		if (!n || s[0] == '#')
			continue;
		if (s[0] == '[') {
			in_table = 1;
			continue;
		}
		if (s[0] == '"' || s[0] == '\'') { /* a quoted key */
			key = s + 1;
			v = memchr(key, s[0], n - 1);
			if (!v)
				continue;
			kn = (size_t)(v - key);
			v++;
		} else {
			key = s;
			for (kn = 0; kn < n && (is_alnum(s[kn]) || s[kn] == '_' || s[kn] == '-');)
				kn++;
			v = s + kn;
		}
		vn = n - (size_t)(v - s);
		trim(&v, &vn);
		if (in_table || kn != 18 || memcmp(key, "run_in_transaction", 18) != 0)
			continue;
		if (!vn || v[0] != '=')
			return fail(err, display, l.no, "write run_in_transaction = false",
				    "run_in_transaction without '=' after it");
		v++;
		vn--;
		hash = memchr(v, '#', vn);
		if (hash)
			vn = (size_t)(hash - v);
		trim(&v, &vn);
		if (found)
			return fail(err, display, l.no, NULL,
				    "run_in_transaction is set twice (TOML refuses a repeated key)");
		found = 1;
		if (vn == 5 && memcmp(v, "false", 5) == 0)
			*flags |= MIGC_FLAG_NO_TRANSACTION;
		else if (vn != 4 || memcmp(v, "true", 4) != 0)
			return fail(err, display, l.no,
				    "write run_in_transaction = false (a TOML boolean: lowercase, unquoted)",
				    "run_in_transaction must be true or false, not '%.*s'", (int)vn, v);
	}
	if (!found)
		return fail(err, display, 0,
			    "write run_in_transaction = true (or = false) in it, or delete the file",
			    "no run_in_transaction: diesel then runs the migration outside a "
			    "transaction (its default for a present metadata.toml)");
	return 0;
}

static int flyway_bool(const char *v, size_t n, int *out)
{
	if (eq_nocase(v, n, "true"))
		*out = 1;
	else if (eq_nocase(v, n, "false"))
		*out = 0;
	else
		return -1;
	return 0;
}

/*
 * Flyway's <script>.sql.conf (SqlScriptMetadata): Java properties with
 * executeInTransaction, encoding, placeholderReplacement and shouldExecute;
 * Flyway refuses any other key, and so does migc.
 */
static int config_flyway(const char *display, const char *d, size_t len,
			 unsigned *flags, migc_error *err)
{
	struct text_line l = {0, 0, 0, 0};

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *v;
		size_t n = l.len, k = 0, vn;
		int b;

		trim(&s, &n);
		if (!n || s[0] == '#' || s[0] == '!')
			continue;
		while (k < n && s[k] != '=' && s[k] != ':' && !is_space(s[k]))
			k++;
		v = s + k;
		vn = n - k;
		trim(&v, &vn);
		if (vn && (v[0] == '=' || v[0] == ':')) {
			v++;
			vn--;
			trim(&v, &vn);
		}
		if (k == 20 && !memcmp(s, "executeInTransaction", 20)) {
			if (flyway_bool(v, vn, &b))
				return fail(err, display, l.no, "write executeInTransaction=false",
					    "executeInTransaction must be true or false, not '%.*s'",
					    (int)vn, v);
			if (!b)
				*flags |= MIGC_FLAG_NO_TRANSACTION;
		} else if (k == 8 && !memcmp(s, "encoding", 8)) {
			if (!eq_nocase(v, vn, "UTF-8") && !eq_nocase(v, vn, "UTF8"))
				return fail(err, display, l.no,
					    "convert the script to UTF-8 and drop the encoding line",
					    "migc reads every script as UTF-8, not %.*s", (int)vn, v);
		} else if (k == 22 && !memcmp(s, "placeholderReplacement", 22)) {
			continue; /* migc never replaces placeholders */
		} else if (k == 13 && !memcmp(s, "shouldExecute", 13)) {
			return fail(err, display, l.no,
				    "split the migration per environment, or drop shouldExecute",
				    "shouldExecute: conditional execution cannot be compiled in");
		} else {
			return fail(err, display, l.no,
				    "Flyway script configuration knows executeInTransaction, encoding, "
				    "placeholderReplacement and shouldExecute",
				    "unknown key '%.*s' (Flyway refuses it too)", (int)k, s);
		}
	}
	return 0;
}

int layout_config(migc_layout layout, const char *display, const char *data,
		  size_t len, unsigned *flags, migc_error *err)
{
	if (layout == MIGC_LAYOUT_DIESEL)
		return config_diesel(display, data, len, flags, err);
	if (layout == MIGC_LAYOUT_FLYWAY)
		return config_flyway(display, data, len, flags, err);
	return migc_err(err, MIGC_ERROR, "%s: the %s layout has no configuration files",
			display, migc_layout_name(layout) ? migc_layout_name(layout) : "?");
}

/* ---- detection ------------------------------------------------------ */

enum family { F_NONE, F_PRISMA, F_DIESEL, F_FLYWAY, F_UPDOWN, F_GOOSE, F_DBMATE };
static const char *const family_names[] = {
	"", "Prisma", "diesel", "Flyway", "golang-migrate/sqlx", "goose", "dbmate",
};

/* Which tool one file belongs to, from its path, then its content. */
static enum family classify(const char *path, const char *d, size_t len,
			    int *sqlx)
{
	const char *slash = strchr(path, '/');
	size_t n = strlen(path), vlen = strspn(path, "0123456789");
	struct text_line l = {0, 0, 0, 0};

	if (slash) {
		if (!strcmp(slash + 1, "migration.sql"))
			return F_PRISMA;
		if (!strcmp(slash + 1, "up.sql") || !strcmp(slash + 1, "down.sql") ||
		    !strcmp(slash + 1, "metadata.toml"))
			return F_DIESEL;
		return F_NONE;
	}
	if (!strcmp(path, "migration_lock.toml"))
		return F_PRISMA;
	if (has_prefix(d, len, "\xEF\xBB\xBF")) { /* raw content: skip the BOM */
		d += 3;
		len -= 3;
	}
	if ((path[0] == 'V' || path[0] == 'U') && is_digit(path[1]) && strstr(path, "__"))
		return F_FLYWAY;
	if (has_prefix(d, len, "-- no-transaction") && vlen && path[vlen] == '_' &&
	    has_suffix(path, n, ".sql")) {
		*sqlx = 1;
		return F_UPDOWN;
	}
	if (has_suffix(path, n, ".up.sql") || has_suffix(path, n, ".down.sql"))
		return F_UPDOWN;
	if (has_suffix(path, n, ".go"))
		return F_GOOSE;
	if (!has_suffix(path, n, ".sql"))
		return F_NONE;
	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *opt;
		size_t optlen;

		if (goose_line(s, l.len) && s[0] == '-' &&
		    goose_annotation(s, l.len) == G_UP)
			return F_GOOSE;
		if (dbmate_marker(s, l.len, &opt, &optlen) == 1)
			return F_DBMATE;
	}
	return F_NONE;
}

int layout_detect(migc_layout *out, size_t n, const char *const *paths,
		  const char *const *data, const size_t *lens, migc_error *err)
{
	static const migc_layout of_family[] = {
		MIGC_LAYOUT_MIGC, MIGC_LAYOUT_PRISMA, MIGC_LAYOUT_DIESEL,
		MIGC_LAYOUT_FLYWAY, MIGC_LAYOUT_GOLANG_MIGRATE, MIGC_LAYOUT_GOOSE,
		MIGC_LAYOUT_DBMATE,
	};
	enum family seen = F_NONE, f;
	size_t i, first = 0;
	int sqlx = 0;

	for (i = 0; i < n; i++) {
		f = classify(paths[i], data && data[i] ? data[i] : "",
			     data && data[i] && lens ? lens[i] : 0, &sqlx);
		if (f == F_NONE || f == seen)
			continue;
		if (seen != F_NONE) {
			migc_err(err, MIGC_EINVALID, "%s belongs to a %s directory but %s to a %s one",
				 paths[first], family_names[seen], paths[i], family_names[f]);
			migc_err_where(err, paths[i], 0);
			migc_err_hint(err, "one directory holds one tool's layout: choose with "
				      "--layout NAME (" LAYOUT_LIST ")");
			return MIGC_EINVALID;
		}
		seen = f;
		first = i;
	}
	*out = of_family[seen];
	if (seen == F_UPDOWN && sqlx)
		*out = MIGC_LAYOUT_SQLX;
	return 0;
}
