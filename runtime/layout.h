/*
 * layout.h - reading migration directories written for other tools.
 *
 * A team switching to migc keeps its directory as it is. A *layout* is one
 * tool's way of naming files and marking sections inside them:
 *
 *   migc            <version>_<name>.sql, R__<name>.sql (the native form)
 *   golang-migrate  <version>_<name>.up.sql / .down.sql
 *   goose           <version>_<name>.sql with -- +goose Up / Down sections,
 *                   -- +goose NO TRANSACTION, StatementBegin / StatementEnd
 *   dbmate          <version>_<name>.sql with -- migrate:up / -- migrate:down
 *                   sections (transaction:false after either marker)
 *   flyway          V<version>__<desc>.sql (version parts split by . or _),
 *                   R__<desc>.sql, U<version>__<desc>.sql (undo = down),
 *                   V...sql.conf (executeInTransaction=false)
 *   sqlx            <version>_<desc>.sql, or .up.sql / .down.sql; a first
 *                   line "-- no-transaction"
 *   refinery        V<n>__<name>.sql, U<n>__<name>.sql (U: "unversioned",
 *                   applied in version order like V); a line
 *                   "-- refinery:noTransaction"
 *   diesel          <version>_<name>/up.sql, down.sql, metadata.toml
 *                   (run_in_transaction = false); the version is the
 *                   directory prefix with its dashes removed
 *   prisma          <timestamp>_<name>/migration.sql (no down);
 *                   migration_lock.toml beside them is not a migration
 *
 * This file only takes names and contents apart; the set (set.c) groups the
 * files of one migration, checks them and checksums them. Paths are relative
 * to the migrations directory and use '/' ("2024-01-01-000000_x/up.sql").
 *
 * Each tool's no-transaction marker maps to MIGC_FLAG_NO_TRANSACTION. The
 * `-- migc:` directives still apply, read from the leading comment block of
 * the up section.
 *
 * The rules are the tools' own, read from their source (layout.c cites the
 * file beside each). What a tool accepts but a bundle cannot hold is refused
 * with a message saying what to do: Go (goose) and Rust (refinery)
 * migrations, goose ENVSUB ON, Flyway callbacks, B (baseline) scripts and
 * shouldExecute, subdirectories outside diesel and Prisma.
 */
#ifndef MIGC_LAYOUT_H
#define MIGC_LAYOUT_H

#include <stddef.h>

#include "migc.h"

/* What one file is to its migration. */
enum layout_role {
	LAYOUT_UP = 1,  /* the whole file is the up SQL (migc, flyway V, .up.sql) */
	LAYOUT_DOWN,    /* the whole file is the down SQL (.down.sql, U (flyway), down.sql) */
	LAYOUT_SECTIONS, /* one file holding up and down sections (goose, dbmate) */
	LAYOUT_CONFIG,  /* settings for the migration (diesel metadata.toml,
			 * flyway V1__x.sql.conf): see layout_config() */
	LAYOUT_IGNORE   /* part of the tool's layout, not a migration
			 * (prisma's migration_lock.toml) */
};

/* A path taken apart. */
struct layout_name {
	enum layout_role role;
	migc_kind kind;    /* VERSIONED, or REPEATABLE (flyway R__) */
	char version[256]; /* as migc compares it: "1.1" for flyway V1_1__x,
			    * "20240101000000" for diesel 2024-01-01-000000_x;
			    * "" for repeatable */
	char name[256];    /* the descriptive part ("create_users") */
	char key[512];     /* files with equal keys make one migration:
			    * "v:<version as the tool writes it>" ("v:1_1"
			    * for Flyway V1_1__x and U1_1__x, "v:2024-01-01-000000"
			    * for every file of a diesel directory) or
			    * "r:<name>" */
};

/*
 * Take `path` apart under `layout`. Fails with MIGC_EINVALID naming the
 * path and saying which form the layout expects (in the hint). Layouts
 * that cannot know yet whether a file is a migration (goose, dbmate: it
 * depends on the content) report LAYOUT_SECTIONS; layout_split() then
 * judges the content.
 */
int layout_name_parse(migc_layout layout, const char *path,
		      struct layout_name *out, migc_error *err);

/*
 * Guess the layout of a directory from all its files: `n` paths with their
 * contents (canonical or raw; only read). Rules, first match wins:
 *  - a directory holding migration.sql: prisma; up.sql: diesel;
 *  - V<n>__ / R__ / U<n>__ names: flyway (refinery reads the same files;
 *    a caller wanting refinery says so with --layout);
 *  - .up.sql / .down.sql names: sqlx when a file's first line is
 *    "-- no-transaction" or a simple <digits>_<name>.sql sits beside
 *    them, golang-migrate otherwise (a plain <digits>_<name>.sql starting
 *    "-- no-transaction" is sqlx's too);
 *  - a file with a "-- +goose Up" line (any case) or a .go file: goose;
 *    a "-- migrate:up" line: dbmate;
 *  - otherwise migc (also for an empty directory; R__ names alone decide
 *    nothing, migc has them too).
 * A leading UTF-8 BOM of raw content is skipped.
 * Files that belong to two different layouts (a goose file beside a
 * Flyway one) fail with MIGC_EINVALID naming both and suggesting --layout.
 */
int layout_detect(migc_layout *out, size_t n, const char *const *paths,
		  const char *const *data, const size_t *lens, migc_error *err);

/*
 * What one file says about the layout (layout_detect()'s rules applied to
 * that file alone): so that a caller reading many files can classify each
 * while its bytes are in the cache, and combine the results after
 * (layout_detect_classified()).
 */
struct layout_file_class {
	unsigned char family; /* the tool the file belongs to, 0 for none */
	unsigned char sqlx;   /* an up/down file starting "-- no-transaction" */
	unsigned char plain;  /* a <digits>_<name>.sql of no tool (sqlx's
			       * simple form beside pairs) */
};

/* Classify file `path` with its raw or canonical content (`data` may be
 * NULL: no content; a leading BOM is skipped). */
void layout_classify_file(struct layout_file_class *out, const char *path,
			  const char *data, size_t len);

/*
 * layout_detect() from the files' classes (layout_classify_file()), in
 * the same (path) order: the same result and the same errors.
 */
int layout_detect_classified(migc_layout *out, size_t n,
			     const char *const *paths,
			     const struct layout_file_class *classes,
			     migc_error *err);

/* The sections of one file, as offsets into its (canonical) content. */
struct layout_sections {
	size_t up_off, up_len;
	int up_line;       /* 1-based line of the file where the up SQL starts */
	int has_down;
	size_t down_off, down_len;
	int down_line;
	unsigned flags;    /* MIGC_FLAG_NO_TRANSACTION from the tool's marker,
			    * for the up SQL */
	unsigned down_flags; /* the same for the down SQL (dbmate marks each
			      * section; goose's NO TRANSACTION is both) */
};

/*
 * Find the sections of a file with `role` LAYOUT_UP, LAYOUT_DOWN or
 * LAYOUT_SECTIONS. For UP and DOWN the whole file is one section (up, or
 * down with has_down = 1), and the tool's in-file marker is read (sqlx:
 * the file starts with "-- no-transaction"; refinery: a line
 * "-- refinery:noTransaction"). For SECTIONS (goose, dbmate) the
 * markers split the file; text before the up marker (comments) belongs to
 * neither, and SQL there is an error, as it is for the tools. The down
 * section is optional. Goose annotations are matched ignoring case, as
 * goose does; NO TRANSACTION anywhere in the file, or transaction:false
 * after either dbmate marker, sets the flag. Errors name `display` and the
 * line: no up marker, a marker twice, down before up, an unknown goose
 * annotation or dbmate option, goose ENVSUB ON (environment substitution
 * cannot be compiled into a bundle), an unbalanced StatementBegin/
 * StatementEnd.
 */
int layout_split(migc_layout layout, enum layout_role role,
		 const char *display, const char *data, size_t len,
		 struct layout_sections *out, migc_error *err);

/*
 * Read a LAYOUT_CONFIG file: diesel's metadata.toml
 * (run_in_transaction = false) and flyway's .sql.conf
 * (executeInTransaction=false) set MIGC_FLAG_NO_TRANSACTION in `*flags`
 * (other bits are left alone). Unknown keys are treated the way the tools
 * treat them: diesel ignores them, Flyway refuses them (so does migc). A
 * malformed value of a known key is an error naming the file and line, as
 * are a metadata.toml without run_in_transaction (diesel's serde default
 * for a present file is false: out of a transaction, seldom what was
 * meant) and Flyway's shouldExecute or a non-UTF-8 encoding.
 */
int layout_config(migc_layout layout, const char *display, const char *data,
		  size_t len, unsigned *flags, migc_error *err);

#endif /* MIGC_LAYOUT_H */
