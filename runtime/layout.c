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
#include "layout_text.h"
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
int layout_fail(migc_error *err, const char *path, int line, const char *hint,
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
		return layout_fail(err, path, 0, NULL, "the file name is too long");
	for (i = 0; i < vlen; i++) {
		if (layout == MIGC_LAYOUT_DIESEL && ver[i] == '-')
			continue;
		out->version[k++] = layout == MIGC_LAYOUT_FLYWAY && ver[i] == '_' ? '.' : ver[i];
	}
	out->version[k] = '\0';
	if (!migc_version_valid(out->version))
		return layout_fail(err, path, 0, layout_forms[layout],
			    "the version '%.*s' is not digits, or digit groups separated by dots",
			    (int)vlen, ver);
	if (!name_ok(name, nlen))
		return layout_fail(err, path, 0, layout_forms[layout],
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
		return layout_fail(err, p, 0, form, "not a golang-migrate file name: no <digits>_ prefix");
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
		return layout_fail(err, p, 0, form,
			    "not a golang-migrate file name: no .up. or .down. before the extension");
	out->role = rest[i] == 'u' ? LAYOUT_UP : LAYOUT_DOWN;
	ext = rest + i - 1 + (out->role == LAYOUT_UP ? 4 : 6);
	if (strcmp(ext, "sql") != 0)
		return layout_fail(err, p, 0,
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
		return layout_fail(err, p, 0,
			    "rewrite it as a SQL migration (-- +goose Up / -- +goose Down), "
			    "or apply it with goose before the directory moves to migc",
			    "Go migrations cannot be embedded in a migc bundle (SQL only)");
	if (!has_suffix(p, n, ".sql"))
		return layout_fail(err, p, 0, form, "not a goose migration: goose reads <version>_<name>.sql");
	if (!us || !all_digits(p, (size_t)(us - p)))
		return layout_fail(err, p, 0, form, "not a goose file name: no <digits>_ prefix");
	vlen = (size_t)(us - p);
	if (strspn(p, "0") >= vlen)
		return layout_fail(err, p, 0, form, "goose versions must be greater than zero");
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
		return layout_fail(err, p, 0, form, "not a dbmate migration: dbmate reads .sql files");
	if (!vlen || vlen + 4 > n)
		return layout_fail(err, p, 0, form, "not a dbmate file name: it does not start with digits");
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
		return layout_fail(err, p, 0, form,
			    "not a Flyway migration: Flyway reads .sql and .sql.conf files");
	out->role = stem == n - 4 ? LAYOUT_UP : LAYOUT_CONFIG;
	if (has_prefix(p, n, "before") || has_prefix(p, n, "after") ||
	    has_prefix(p, n, "createSchema"))
		return layout_fail(err, p, 0,
			    "make the callback's SQL a migration of its own, or run it outside migc",
			    "Flyway callbacks run on events (before/after migrate, ...); "
			    "a migc bundle cannot run them");
	if (p[0] == 'B')
		return layout_fail(err, p, 0,
			    "keep the versioned migrations it summarises; "
			    "`migrate baseline` adopts an existing database",
			    "Flyway baseline migrations (B prefix) cannot be represented: "
			    "migc applies every versioned migration");
	if (p[0] == 'R') {
		if (!has_prefix(p + 1, stem - 1, "__"))
			return layout_fail(err, p, 0, form,
				    "a repeatable Flyway migration has no version: R__<description>.sql");
		if (!name_ok(p + 3, stem - 3) || stem - 3 >= sizeof(out->name))
			return layout_fail(err, p, 0, form,
				    "the description after R__ is empty or has control characters");
		memcpy(out->name, p + 3, stem - 3);
		snprintf(out->key, sizeof(out->key), "r:%s", out->name);
		out->kind = MIGC_KIND_REPEATABLE;
		return 0;
	}
	if (p[0] != 'V' && p[0] != 'U')
		return layout_fail(err, p, 0, form, "not a Flyway migration name: no V, U or R prefix");
	for (v = 1; v + 1 < stem && !(p[v] == '_' && p[v + 1] == '_'); v++)
		;
	if (v + 1 >= stem)
		return layout_fail(err, p, 0, form, "no __<description> after the version; migc needs a name");
	if (v == 1)
		return layout_fail(err, p, 0, form, "no version after %c", p[0]);
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
		return layout_fail(err, p, 0, form,
			    "not a sqlx migration: sqlx reads <version>_<description>.sql");
	vlen = (size_t)(us - p);
	if (!all_digits(p, vlen))
		return layout_fail(err, p, 0, form,
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
		return layout_fail(err, p, 0,
			    "rewrite it as a .sql migration, or apply it with refinery "
			    "before the directory moves to migc",
			    "Rust migrations cannot be embedded in a migc bundle (SQL only)");
	if (!has_suffix(p, n, ".sql") || (p[0] != 'V' && p[0] != 'U'))
		return layout_fail(err, p, 0, form, "not a refinery migration (refinery skips it)");
	vlen = strspn(p + 1, "0123456789");
	if (!vlen)
		return layout_fail(err, p, 0, form, "no version after %c", p[0]);
	if (p[1 + vlen] == '.' && is_digit(p[2 + vlen]))
		return layout_fail(err, p, 0, form,
			    "refinery reads the version as an integer and fails on '%.*s'",
			    (int)strspn(p + 1, "0123456789."), p + 1);
	if (!has_prefix(p + 1 + vlen, n - 1 - vlen, "__"))
		return layout_fail(err, p, 0, form, "no __ between the version and the name");
	for (i = vlen + 3; i + 4 < n; i++) {
		if (!is_alnum(p[i]) && p[i] != '_' && (unsigned char)p[i] < 0x80)
			return layout_fail(err, p, 0, form,
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
		return layout_fail(err, path, 0, form, "not part of a %s migrations directory",
			    layout_names[layout]);
	}
	file = slash + 1;
	dlen = (size_t)(slash - path);
	if (strchr(file, '/') || !dlen)
		return layout_fail(err, path, 0, form, "a migration directory is one level deep");
	if (diesel && !strcmp(file, "up.sql"))
		out->role = LAYOUT_UP;
	else if (diesel && !strcmp(file, "down.sql"))
		out->role = LAYOUT_DOWN;
	else if (diesel && !strcmp(file, "metadata.toml"))
		out->role = LAYOUT_CONFIG;
	else if (!diesel && !strcmp(file, "migration.sql"))
		out->role = LAYOUT_UP;
	else
		return layout_fail(err, path, 0, form, "not a file %s reads in a migration directory",
			    layout_names[layout]);
	us = memchr(path, '_', dlen);
	vlen = us ? (size_t)(us - path) : dlen;
	if (!vlen || strspn(path, diesel ? "0123456789-" : "0123456789") < vlen)
		return layout_fail(err, path, 0, form,
			    diesel ? "diesel's version is the directory name up to the first _ without "
				     "its dashes, and migc needs digits there"
				   : "the directory name does not start with a <timestamp>_ of digits");
	if (!us)
		return layout_fail(err, path, 0, form, "no _<name> after the version in the directory name");
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
		return layout_fail(err, path, 0, NULL, "the path is empty or too long");
	if (layout == MIGC_LAYOUT_DIESEL || layout == MIGC_LAYOUT_PRISMA)
		return parse_dirs(layout, path, out, err);
	if (strchr(path, '/'))
		return layout_fail(err, path, 0,
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
	/* goose's lines hold "+goose", dbmate's "migrate:": a file with no
	 * '+' and no ':' has neither (two memchr instead of every line) */
	if (!memchr(d, '+', len) && !memchr(d, ':', len))
		return F_NONE;
	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *opt;
		size_t optlen;

		if (layout_goose_line(s, l.len) && s[0] == '-' &&
		    layout_goose_annotation(s, l.len) == G_UP)
			return F_GOOSE;
		if (layout_dbmate_marker(s, l.len, &opt, &optlen) == 1)
			return F_DBMATE;
	}
	return F_NONE;
}

void layout_classify_file(struct layout_file_class *out, const char *path,
			  const char *data, size_t len)
{
	int sqlx = 0;
	enum family f = classify(path, data ? data : "", data ? len : 0, &sqlx);

	out->family = (unsigned char)f;
	out->sqlx = (unsigned char)sqlx;
	out->plain = 0;
	if (f == F_NONE) {
		/* <version>_<name>.sql: sqlx's simple form beside pairs */
		size_t vl = strspn(path, "0123456789"), pl = strlen(path);

		out->plain = vl && path[vl] == '_' && has_suffix(path, pl, ".sql");
	}
}

/* What detect_step() has combined of the files so far, in path order. */
struct detect_state {
	enum family seen;
	const char *first; /* the first file of `seen` */
	int sqlx, plain;
};

/* Combine one more file into `st`; two families fail naming both files. */
static int detect_step(struct detect_state *st, const char *path,
		       const struct layout_file_class *c, migc_error *err)
{
	enum family f = (enum family)c->family;

	st->sqlx |= c->sqlx;
	st->plain |= c->plain;
	if (f == F_NONE || f == st->seen)
		return 0;
	if (st->seen != F_NONE) {
		migc_err(err, MIGC_EINVALID, "%s belongs to a %s directory but %s to a %s one",
			 st->first, family_names[st->seen], path, family_names[f]);
		migc_err_where(err, path, 0);
		migc_err_hint(err, "one directory holds one tool's layout: choose with "
			      "--layout NAME (" LAYOUT_LIST ")");
		return MIGC_EINVALID;
	}
	st->seen = f;
	st->first = path;
	return 0;
}

/* The layout of the files combined into `st`. */
static migc_layout detect_result(const struct detect_state *st)
{
	static const migc_layout of_family[] = {
		MIGC_LAYOUT_MIGC, MIGC_LAYOUT_PRISMA, MIGC_LAYOUT_DIESEL,
		MIGC_LAYOUT_FLYWAY, MIGC_LAYOUT_GOLANG_MIGRATE, MIGC_LAYOUT_GOOSE,
		MIGC_LAYOUT_DBMATE,
	};

	/* golang-migrate has only pairs; sqlx mixes them with simple files */
	if (st->seen == F_UPDOWN && (st->sqlx || st->plain))
		return MIGC_LAYOUT_SQLX;
	return of_family[st->seen];
}

int layout_detect_classified(migc_layout *out, size_t n,
			     const char *const *paths,
			     const struct layout_file_class *classes,
			     migc_error *err)
{
	struct detect_state st = {F_NONE, NULL, 0, 0};
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = detect_step(&st, paths[i], &classes[i], err)) != 0)
			return rc;
	*out = detect_result(&st);
	return 0;
}

int layout_detect(migc_layout *out, size_t n, const char *const *paths,
		  const char *const *data, const size_t *lens, migc_error *err)
{
	struct detect_state st = {F_NONE, NULL, 0, 0};
	struct layout_file_class c;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		layout_classify_file(&c, paths[i], data ? data[i] : NULL,
				     data && data[i] && lens ? lens[i] : 0);
		if ((rc = detect_step(&st, paths[i], &c, err)) != 0)
			return rc;
	}
	*out = detect_result(&st);
	return 0;
}
