/*
 * set_internal.h - the parts of the set shared by the files that build one:
 * set.c (native files), set_layout.c (other tools' directories, grouped
 * into migrations at finish) and bundle.c (the loader, which checks content
 * by re-hashing instead).
 */
#ifndef MIGC_SET_INTERNAL_H
#define MIGC_SET_INTERNAL_H

#include "bulk.h"
#include "migc.h"
#include "model.h"
#include "sqllex.h"

struct set_entry_in {
	migc_kind kind;
	unsigned flags;
	long lock_timeout_ms;      /* -1 when unset */
	long statement_timeout_ms; /* -1 when unset */
	const char *version;
	const char *name;
	const char *filename;
	char checksum[MIGC_CHECKSUM_HEX_LEN + 1];
	const char *sql;  /* NUL-terminated at sql[sql_len] */
	size_t sql_len;
	char *sql_owned;  /* freed with the set (== sql) or NULL when borrowed */
	int sql_line;     /* 0 is taken as 1 */
	/* the down SQL, when there is one (down_sql != NULL) */
	const char *down_sql; /* NUL-terminated at down_sql[down_len] */
	size_t down_len;
	char *down_owned;     /* as sql_owned */
	const char *down_filename;
	int down_line;
	/* what the build's lexer pass saw of sql (copied), or NULL */
	const struct migc_sql_scan *scan;
	/* the down SQL's checksum when already known (a bundle's, verified),
	 * or NULL: computed from down_sql */
	const char *down_checksum;
	/*
	 * A bundle's SQL, verified but left in the bundle's stream of rows
	 * (include/migc.h): `rows` is the stream, `sql` and `down_sql` are
	 * NULL, the SQL is sql_len bytes from stream byte sql_off (and, when
	 * down_in_rows, the down SQL down_len bytes from down_off). It is
	 * assembled on first use (set_sql_assemble) into the block of
	 * set_sql_reserve(). A down SQL in rows makes the migration have one.
	 */
	const char (*const *rows)[MIGC_BUNDLE_ROW]; /* the stream's chunks */
	size_t sql_off, down_off;
	int down_in_rows;
	/*
	 * `borrowed`: version, name, filename, down_filename and the
	 * checksums are used where they are, not copied, and must outlive the
	 * set: a bundle's string table (static data of the binary), whose
	 * checksums the loader compared with the SQL's, so each is 32 hex
	 * digits and a NUL. `checksum` is then unused and `checksum_at` is the
	 * checksum; down_checksum must be given when there is down SQL.
	 */
	int borrowed;
	const char *checksum_at;
};

/*
 * The bytes SQL of `len` kept in a bundle's stream takes in the block when
 * assembled: len + 1, or none when it is empty (it is then "").
 */
size_t set_sql_size(size_t len);

/* Copy `len` bytes of the stream kept in `rows` (its chunks) from byte
 * `off` to `dest` (len + 1 bytes), NUL-terminated. */
void set_rows_copy(char *dest, const char (*const *rows)[MIGC_BUNDLE_ROW],
		   size_t off, size_t len);

/*
 * Reserve `size` bytes for assembling deferred SQL (the sum of their
 * set_sql_size()): address space only, each page is touched when a
 * migration is assembled into it. Once per set, before the first
 * set_add_entry() with rows. MIGC_ENOMEM.
 */
int set_sql_reserve(migc_set *set, size_t size, migc_error *err);

/*
 * Make room for `count` entries with borrowed strings (a bundle's) before
 * the first is added: the item array once, and the entries in one block
 * of the set's arena (one fault per 2 MiB, where growing from 16 KiB cost
 * ~85 faults of 4 KiB at every start). Nothing happens once entries are
 * added. MIGC_ENOMEM.
 */
int set_reserve_entries(migc_set *set, size_t count, migc_error *err);

/*
 * Keep arena `a` (its blocks; `a` is left empty) until the set is freed:
 * the memory of SQL that entries borrow (sql_owned NULL), the loader's
 * file bytes. Once per set; MIGC_EUSAGE the second time.
 */
int set_keep_arena(migc_set *set, struct migc_arena *a, migc_error *err);

/*
 * Takes ownership of in->sql_owned and in->down_owned on success only.
 * MIGC_EUSAGE when rows are given beyond what set_sql_reserve() reserved.
 */
int set_add_entry(migc_set *set, const struct set_entry_in *in,
		  migc_error *err);

/*
 * Check one migration's up SQL as every layout must: content rules
 * (`allow_empty`: an empty section is what some tools accept), directives,
 * no transaction control in a transactional file. `first_line` is the
 * file's line where `sql` starts, so messages name the file's own line.
 * `*d` receives the directives.
 */
int set_check_sql(migc_directives *d, const char *display, const char *sql,
		  size_t len, int first_line, unsigned extra_flags,
		  int allow_empty, migc_error *err);

/*
 * One native migration file prepared for a set (set_check.c): its name
 * parsed, its bytes canonicalised, checked and hashed, not yet added.
 */
struct set_prepared {
	migc_filename fn;
	struct set_entry_in in; /* in.sql owned; version, name set on adding */
	struct migc_sql_scan scan;
	int scanned;
};

/*
 * Prepare native file `filename` (`display`: what messages call it, NULL
 * for filename) from `data`, `len` bytes plus one (data[len] is
 * overwritten; the bytes are canonicalised in place). Unless `borrowed`,
 * it takes `data`: malloc'd, freed on failure, else owned by *p until
 * set_add_prepared() or set_prepared_free(). `borrowed` data stays the
 * caller's and must outlive the set (set_keep_arena). Fails as
 * migc_set_add() does for a native file; `filename` must outlive *p.
 * Touches no set and no global state: safe on several threads at once,
 * each with its own *p and *err.
 */
int set_prepare(struct set_prepared *p, const char *filename,
		const char *display, char *data, size_t len, int borrowed,
		migc_error *err);

/* Add a prepared file; the set owns its SQL from then on, or on failure
 * (MIGC_ENOMEM, MIGC_EUSAGE after finish) it is freed. */
int set_add_prepared(migc_set *set, struct set_prepared *p, migc_error *err);

/* Free a prepared file that is not added; accepts one already added. */
void set_prepared_free(struct set_prepared *p);

/* migc_set_bundle_id() computed from the migrations (bundle_id.c); the
 * set keeps it from migc_set_finish() on. */
void set_bundle_id_compute(const migc_set *set,
			   char out[MIGC_CHECKSUM_HEX_LEN + 1]);

/*
 * What the build's lexer pass saw of the migration at `index` (sqllex.h),
 * or NULL when it is not known (not a native file, a no-transaction file,
 * a bundle's set). Valid as long as the set.
 */
const struct migc_sql_scan *set_sql_scan(const migc_set *set, size_t index);

/* Files of another tool's directory, kept until migc_set_finish groups
 * them (set_layout.c). */
struct set_parts {
	struct set_part **items;
	size_t count, cap;
};

int set_layout_add(migc_set *set, struct set_parts *parts, migc_layout layout,
		   const char *path, const char *display, const char *data,
		   size_t len, migc_error *err);
int set_layout_finish(migc_set *set, struct set_parts *parts,
		      migc_layout layout, migc_error *err);
void set_parts_free(struct set_parts *parts);

#endif
