/*
 * adopt.h - reading other tools' history tables (adopt_tools.c) for
 * `migrate adopt` (engine_adopt.c). Not installed.
 */
#ifndef MIGC_ADOPT_H
#define MIGC_ADOPT_H

#include <stddef.h>

#include "driver.h"
#include "migc.h"

enum adopt_state {
	ADOPT_APPLIED = 1, /* the tool applied it */
	ADOPT_BASELINE,    /* Flyway's baseline marker: versions up to it count */
	ADOPT_UNDONE,      /* rolled back since (goose down, Flyway undo, Prisma) */
	ADOPT_DIRTY,       /* golang-migrate's dirty flag */
	ADOPT_FAILED       /* success = false, or never finished */
};

/* One version (or repeatable script) as the other tool's table has it. */
struct adopt_row {
	char *version;  /* as the tool wrote it; NULL for repeatables, Prisma */
	char *name;     /* description, script or migration name, or "" */
	char *checksum; /* the tool's checksum as text, or NULL */
	char *extra;    /* where in the table, for messages ("installed_rank 3") */
	enum adopt_state state;
};

struct adopt_rows {
	struct adopt_row *items;
	size_t count, cap;
	int upto;     /* golang-migrate: the one row covers every older version */
	int baseline; /* Flyway: a BASELINE row is among them */
};

void adopt_rows_free(struct adopt_rows *rows);

/*
 * One tool. `checksum` (NULL when the tool stores none) recomputes the
 * tool's checksum of `m` into `computed` and says whether it matches
 * `r->checksum`: 1 yes, 0 no, -1 out of memory.
 */
struct adopt_tool {
	migc_layout layout;
	const char *table;      /* default table name */
	const char *sql;        /* the query, with %s for the table */
	const char *sql_pg;     /* PostgreSQL's, where it differs (or NULL) */
	migc_query_row_fn row;  /* ctx: struct adopt_rows */
	int (*checksum)(const migc_migration *m, const struct adopt_row *r,
			char *computed, size_t size);
	const char *columns;    /* what the query reads, for messages */
	const char *failed_what; /* "... %s ..." (the version) for a failed row */
	const char *failed_hint;
};

/* The tool whose directory layout is `layout`, or NULL (migc has none). */
const struct adopt_tool *adopt_tool_find(migc_layout layout);

#endif
