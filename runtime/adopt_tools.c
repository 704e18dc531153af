/*
 * adopt_tools.c - what other migration tools keep in their history tables,
 * and how to read it (for migc_adopt, engine_adopt.c).
 *
 * One entry per tool: its default table, the query that reads it (as text,
 * the same on SQLite and PostgreSQL except where noted), how a row is
 * understood, and how the checksum it stored is recomputed from the
 * migration migc embeds. The tables are only ever read.
 *
 *   golang-migrate  schema_migrations(version bigint, dirty boolean): one
 *                   row, the newest version; every version up to it is
 *                   applied. dirty = a failed migration nobody fixed.
 *   dbmate          schema_migrations(version varchar primary key): one row
 *                   per applied version.
 *   goose           goose_db_version(id, version_id, is_applied, tstamp):
 *                   one row per up or down; the newest row of a version
 *                   says whether it is applied; version 0 is goose's own.
 *   flyway          flyway_schema_history(installed_rank, version,
 *                   description, type, script, checksum, ..., success):
 *                   SQL rows (versioned, or repeatable with version NULL),
 *                   a BASELINE row, UNDO_SQL rows, DELETE rows (`repair`
 *                   marked a missing migration deleted); success = false
 *                   is a failed migration. checksum: CRC-32 over lines.
 *   sqlx            _sqlx_migrations(version, description, installed_on,
 *                   success, checksum SHA-384, execution_time).
 *   refinery        refinery_schema_history(version, name, applied_on,
 *                   checksum): checksum a u64 SipHash-1-3 as text.
 *   diesel          __diesel_schema_migrations(version, run_on).
 *   prisma          _prisma_migrations(id, checksum SHA-256, finished_at,
 *                   migration_name, logs, rolled_back_at, started_at,
 *                   applied_steps_count): rolled-back rows do not count; a
 *                   row neither finished nor rolled back is a failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adopt.h"
#include "foreign_sum.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static int push(struct adopt_rows *rows, const char *version, const char *name,
		const char *checksum, enum adopt_state state, const char *extra)
{
	struct adopt_row *r;

	if (rows->count == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 32;
		struct adopt_row *p = realloc(rows->items, cap * sizeof(*p));

		if (!p)
			return MIGC_ENOMEM;
		rows->items = p;
		rows->cap = cap;
	}
	r = &rows->items[rows->count];
	memset(r, 0, sizeof(*r));
	r->version = version ? migc_strdup(version) : NULL;
	r->name = migc_strdup(name ? name : "");
	r->checksum = checksum ? migc_strdup(checksum) : NULL;
	r->extra = migc_strdup(extra ? extra : "");
	r->state = state;
	rows->count++;
	if ((version && !r->version) || !r->name || (checksum && !r->checksum) ||
	    !r->extra)
		return MIGC_ENOMEM;
	return 0;
}

void adopt_rows_free(struct adopt_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->count; i++) {
		free(rows->items[i].version);
		free(rows->items[i].name);
		free(rows->items[i].checksum);
		free(rows->items[i].extra);
	}
	free(rows->items);
	memset(rows, 0, sizeof(*rows));
}

static const char *col(int n, const char *const *v, int i)
{
	return i < n && v[i] ? v[i] : NULL;
}

static int truthy(const char *s)
{
	return s && (strcmp(s, "1") == 0 || strcmp(s, "t") == 0 ||
		     strcmp(s, "true") == 0);
}

/* ------------------------------------------------------------------ */
/* Per tool: rows                                                      */
/* ------------------------------------------------------------------ */

static int row_golang(void *ctx, int n, const char *const *v)
{
	struct adopt_rows *rows = ctx;
	const char *version = col(n, v, 0);

	if (!version)
		return 0;
	rows->upto = 1; /* the one row is the newest version */
	return push(rows, version, "", NULL,
		    truthy(col(n, v, 1)) ? ADOPT_DIRTY : ADOPT_APPLIED, NULL);
}

static int row_version_only(void *ctx, int n, const char *const *v)
{
	const char *version = col(n, v, 0);

	return version ? push(ctx, version, "", NULL, ADOPT_APPLIED, NULL) : 0;
}

/* goose: rows ordered by id; the last row of a version wins. */
static int row_goose(void *ctx, int n, const char *const *v)
{
	struct adopt_rows *rows = ctx;
	const char *version = col(n, v, 0);
	size_t i;

	if (!version || strcmp(version, "0") == 0)
		return 0; /* goose's own initial row */
	for (i = 0; i < rows->count; i++)
		if (rows->items[i].version && strcmp(rows->items[i].version, version) == 0) {
			rows->items[i].state = truthy(col(n, v, 1)) ? ADOPT_APPLIED
								    : ADOPT_UNDONE;
			return 0;
		}
	return push(rows, version, "", NULL,
		    truthy(col(n, v, 1)) ? ADOPT_APPLIED : ADOPT_UNDONE, NULL);
}

/* flyway: installed_rank order; the last row of a version or script wins. */
static int row_flyway(void *ctx, int n, const char *const *v)
{
	struct adopt_rows *rows = ctx;
	const char *version = col(n, v, 1), *type = col(n, v, 3),
		   *script = col(n, v, 4), *checksum = col(n, v, 5);
	enum adopt_state state;
	char extra[64];
	size_t i;

	if (!type)
		return 0;
	if (!strcmp(type, "SCHEMA"))
		return 0; /* Flyway's own bookkeeping row */
	if (!strcmp(type, "DELETE")) {
		/* `flyway repair` marked a migration missing from the
		 * directory as deleted: no longer applied */
		state = ADOPT_UNDONE;
	} else if (!strcmp(type, "BASELINE")) {
		rows->baseline = 1;
		state = ADOPT_BASELINE;
	} else if (!strncmp(type, "UNDO", 4)) {
		state = ADOPT_UNDONE;
	} else {
		state = truthy(col(n, v, 6)) ? ADOPT_APPLIED : ADOPT_FAILED;
	}
	snprintf(extra, sizeof(extra), "installed_rank %s",
		 col(n, v, 0) ? col(n, v, 0) : "?");
	for (i = 0; i < rows->count; i++) {
		struct adopt_row *r = &rows->items[i];
		int same = version ? r->version && strcmp(r->version, version) == 0
				   : !r->version && script && strcmp(r->name, script) == 0;

		if (same) {
			free(r->checksum);
			free(r->extra);
			r->checksum = checksum ? migc_strdup(checksum) : NULL;
			r->extra = migc_strdup(extra);
			r->state = state;
			return (checksum && !r->checksum) || !r->extra ? MIGC_ENOMEM : 0;
		}
	}
	return push(rows, version, script, checksum, state, extra);
}

static int row_sqlx(void *ctx, int n, const char *const *v)
{
	const char *version = col(n, v, 0);

	if (!version)
		return 0;
	return push(ctx, version, col(n, v, 1), col(n, v, 3),
		    truthy(col(n, v, 2)) ? ADOPT_APPLIED : ADOPT_FAILED, NULL);
}

static int row_refinery(void *ctx, int n, const char *const *v)
{
	const char *version = col(n, v, 0);

	if (!version)
		return 0;
	return push(ctx, version, col(n, v, 1), col(n, v, 2), ADOPT_APPLIED, NULL);
}

/* prisma: by migration_name; rolled-back rows do not count. */
static int row_prisma(void *ctx, int n, const char *const *v)
{
	struct adopt_rows *rows = ctx;
	const char *name = col(n, v, 0);
	enum adopt_state state;
	size_t i;

	if (!name)
		return 0;
	if (truthy(col(n, v, 3)))
		state = ADOPT_UNDONE;
	else if (truthy(col(n, v, 2)))
		state = ADOPT_APPLIED;
	else
		state = ADOPT_FAILED;
	for (i = 0; i < rows->count; i++)
		if (strcmp(rows->items[i].name, name) == 0) {
			if (state != ADOPT_UNDONE) {
				rows->items[i].state = state;
				free(rows->items[i].checksum);
				rows->items[i].checksum = col(n, v, 1) ? migc_strdup(col(n, v, 1)) : NULL;
			}
			return 0;
		}
	return push(rows, NULL, name, col(n, v, 1), state, NULL);
}

/* ------------------------------------------------------------------ */
/* Per tool: checksums                                                 */
/* ------------------------------------------------------------------ */

/*
 * The tools hashed the file as it was on disk; migc embeds its canonical
 * form (BOM removed, CRLF turned into LF). For the tools that hash bytes as
 * they are, the file may therefore have been any of these: as embedded,
 * with CRLF line endings, with a BOM, or both.
 */
struct variant {
	char *data;
	size_t len;
};

static int variants(struct variant out[4], const migc_migration *m)
{
	size_t lf = 0, i, j;
	char *crlf;

	for (i = 0; i < m->sql_len; i++)
		lf += m->sql[i] == '\n';
	crlf = malloc(m->sql_len + lf + 4);
	out[0].data = malloc(m->sql_len + 4);
	if (!crlf || !out[0].data) {
		free(crlf);
		free(out[0].data);
		return MIGC_ENOMEM;
	}
	memcpy(out[0].data, "\xef\xbb\xbf", 3);
	memcpy(out[0].data + 3, m->sql, m->sql_len);
	out[0].len = m->sql_len + 3;
	memcpy(crlf, "\xef\xbb\xbf", 3);
	for (i = 0, j = 3; i < m->sql_len; i++) {
		if (m->sql[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = m->sql[i];
	}
	out[1].data = crlf;
	out[1].len = j;
	/* without the BOM: the same buffers, 3 bytes in */
	out[2].data = out[0].data + 3;
	out[2].len = out[0].len - 3;
	out[3].data = crlf + 3;
	out[3].len = j - 3;
	return 0;
}

static void variants_free(struct variant v[4])
{
	free(v[0].data);
	free(v[1].data);
}

static int sum_flyway(const migc_migration *m, const struct adopt_row *r,
		      char *computed, size_t size)
{
	int32_t sum = migc_flyway_checksum(m->sql, m->sql_len);

	snprintf(computed, size, "%" PRId32, sum);
	return strcmp(computed, r->checksum) == 0;
}

static int sum_sqlx(const migc_migration *m, const struct adopt_row *r,
		    char *computed, size_t size)
{
	struct variant v[4];
	unsigned char raw[48];
	char hex[97];
	int i, ok = 0;

	if (variants(v, m))
		return -1;
	for (i = 3; i >= 0 && !ok; i--) {
		migc_sqlx_checksum(raw, v[i].data, v[i].len);
		migc_hex_encode(hex, raw, sizeof(raw));
		if (i == 2)
			migc_strlcpy(computed, hex, size);
		ok = strcmp(hex, r->checksum) == 0;
	}
	variants_free(v);
	return ok;
}

/* refinery: name after "__", version as the number after V/U. */
static int sum_refinery(const migc_migration *m, const struct adopt_row *r,
			char *computed, size_t size)
{
	struct variant v[4];
	char *end;
	long long version = strtoll(r->version, &end, 10);
	uint64_t want;
	int i, ok = 0;

	if (*end)
		return 0;
	want = strtoull(r->checksum, &end, 10);
	if (*end || !*r->checksum)
		return 0;
	if (variants(v, m))
		return -1;
	for (i = 3; i >= 0 && !ok; i--) {
		uint64_t s32 = migc_refinery_checksum(r->name, (int32_t)version,
						      v[i].data, v[i].len);
		uint64_t s64 = migc_refinery_checksum_i64(r->name, version,
							  v[i].data, v[i].len);

		if (i == 2)
			snprintf(computed, size, "%" PRIu64, s32);
		ok = s32 == want || s64 == want;
	}
	variants_free(v);
	return ok;
}

static int sum_prisma(const migc_migration *m, const struct adopt_row *r,
		      char *computed, size_t size)
{
	struct variant v[4];
	char hex[65];
	int i, ok = 0;

	if (variants(v, m))
		return -1;
	migc_prisma_checksum(hex, m->sql, m->sql_len);
	migc_strlcpy(computed, hex, size);
	/* Prisma itself accepts either line ending; a BOM is what remains */
	for (i = 3; i >= 0 && !ok; i--)
		ok = migc_prisma_checksum_matches(r->checksum, v[i].data, v[i].len);
	variants_free(v);
	return ok;
}

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

static const struct adopt_tool tools[] = {
	{MIGC_LAYOUT_GOLANG_MIGRATE, "schema_migrations",
	 "SELECT CAST(version AS TEXT), CASE WHEN dirty THEN 1 ELSE 0 END FROM %s",
	 NULL, row_golang, NULL, "version,dirty",
	 "golang-migrate left version %s dirty (a migration failed half-way)",
	 "fix the database by hand, then `migrate -path DIR -database URL force "
	 "VERSION` with golang-migrate, and adopt again"},
	{MIGC_LAYOUT_DBMATE, "schema_migrations",
	 "SELECT CAST(version AS TEXT) FROM %s ORDER BY version", NULL,
	 row_version_only, NULL, "version", NULL, NULL},
	{MIGC_LAYOUT_GOOSE, "goose_db_version",
	 "SELECT CAST(version_id AS TEXT), CASE WHEN is_applied THEN 1 ELSE 0 END "
	 "FROM %s ORDER BY id",
	 NULL, row_goose, NULL, "version_id,is_applied", NULL, NULL},
	{MIGC_LAYOUT_FLYWAY, "flyway_schema_history",
	 "SELECT CAST(installed_rank AS TEXT), version, description, type, script, "
	 "CAST(checksum AS TEXT), CASE WHEN success THEN 1 ELSE 0 END FROM %s "
	 "ORDER BY installed_rank",
	 NULL, row_flyway, sum_flyway, "installed_rank,version,type,script,checksum,success",
	 "Flyway recorded %s as failed",
	 "fix the database by hand, run `flyway repair` to remove the failed row, "
	 "and adopt again"},
	{MIGC_LAYOUT_SQLX, "_sqlx_migrations",
	 "SELECT CAST(version AS TEXT), description, CASE WHEN success THEN 1 ELSE 0 END, "
	 "lower(hex(checksum)) FROM %s ORDER BY version",
	 "SELECT CAST(version AS TEXT), description, CASE WHEN success THEN 1 ELSE 0 END, "
	 "encode(checksum, 'hex') FROM %s ORDER BY version",
	 row_sqlx, sum_sqlx, "version,description,success,checksum",
	 "sqlx recorded %s as failed (success = false: the migration is dirty)",
	 "fix the database by hand, delete that row from _sqlx_migrations "
	 "(`sqlx migrate` refuses it too), and adopt again"},
	{MIGC_LAYOUT_REFINERY, "refinery_schema_history",
	 "SELECT CAST(version AS TEXT), name, checksum FROM %s ORDER BY version", NULL,
	 row_refinery, sum_refinery, "version,name,checksum", NULL, NULL},
	{MIGC_LAYOUT_DIESEL, "__diesel_schema_migrations",
	 "SELECT CAST(version AS TEXT) FROM %s ORDER BY version", NULL,
	 row_version_only, NULL, "version", NULL, NULL},
	{MIGC_LAYOUT_PRISMA, "_prisma_migrations",
	 "SELECT migration_name, checksum, "
	 "CASE WHEN finished_at IS NOT NULL THEN 1 ELSE 0 END, "
	 "CASE WHEN rolled_back_at IS NOT NULL THEN 1 ELSE 0 END "
	 "FROM %s ORDER BY started_at",
	 NULL, row_prisma, sum_prisma, "migration_name,checksum,finished_at,rolled_back_at",
	 "Prisma recorded %s as started but neither finished nor rolled back",
	 "fix the database by hand, then `prisma migrate resolve --applied NAME` "
	 "or `--rolled-back NAME`, and adopt again"},
};

const struct adopt_tool *adopt_tool_find(migc_layout layout)
{
	size_t i;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (tools[i].layout == layout)
			return &tools[i];
	return NULL;
}
