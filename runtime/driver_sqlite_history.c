/*
 * driver_sqlite_history.c - the history table on SQLite (history.h), for
 * driver_sqlite.c.
 *
 * The history INSERT, UPDATE and stamp run once or twice per migration, so
 * they are prepared once per connection and reset after every use
 * (migc_sqlite_stmt()): preparing them each time was a fifth of an apply.
 */
#define _DEFAULT_SOURCE

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_sqlite.h"
#include "util.h"

/*
 * The table name, validated by the engine as ident or schema.ident, split
 * and quoted: `qualified` is "schema"."table" (or "table"), `schema` the
 * schema for sqlite_master ("main" by default), `bare` the table alone.
 */
struct table_name {
	char qualified[200];
	char schema[80];
	char bare[80];
};

static void table_name(struct table_name *t, const char *table)
{
	const char *dot = strchr(table, '.');

	if (dot) {
		snprintf(t->schema, sizeof(t->schema), "%.*s",
			 (int)(dot - table), table);
		snprintf(t->bare, sizeof(t->bare), "%s", dot + 1);
	} else {
		snprintf(t->schema, sizeof(t->schema), "main");
		snprintf(t->bare, sizeof(t->bare), "%s", table);
	}
	snprintf(t->qualified, sizeof(t->qualified), "\"%s\".\"%s\"",
		 t->schema, t->bare);
}

/* The SQL of each cached statement; %s is the quoted table name. */
static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_INSERT] = "INSERT INTO %s (version, name, kind, checksum, state, "
			"applied_at, duration_ms, bundle_id, source_commit, "
			"applied_by, note) VALUES "
			"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[STMT_UPDATE] = "UPDATE %s SET state = ?1, duration_ms = CASE WHEN ?2 < 0 "
			"THEN duration_ms ELSE ?2 END, note = coalesce(?3, note) "
			"WHERE id = ?4",
	/* max of the INTEGER PRIMARY KEY: one b-tree descent */
	[STMT_STAMP] = "SELECT coalesce(max(id), 0) FROM %s",
};

/*
 * Statement `which` for `table`, from the connection's cache
 * (migc_sqlite_stmt()); the caller steps it and hands it back with
 * stmt_done(). A
 * history table other than the cached one (a library caller switching
 * tables) drops the cache first.
 */
static int stmt_get(struct migc_conn *c, enum cached_stmt which,
		    const char *table, sqlite3_stmt **out, const char *what,
		    migc_error *err)
{
	struct table_name t;
	char sql[512];

	*out = NULL;
	if (c->stmt_table && strcmp(c->stmt_table, table) != 0)
		migc_sqlite_stmts_drop(c);
	if (c->stmt[which]) {
		*out = c->stmt[which];
		return 0;
	}
	if (!c->stmt_table && !(c->stmt_table = migc_strdup(table)))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	table_name(&t, table);
	snprintf(sql, sizeof(sql), stmt_sql[which], t.qualified);
	return migc_sqlite_stmt(c, which, sql, out, what, err);
}

/* Ready a cached statement for its next use: no open cursor, no lock, and
 * no binding left pointing at the caller's strings. */
static void stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int migc_sqlite_history_ensure(struct migc_conn *c, const char *table,
				 migc_error *err)
{
	struct table_name t;
	migc_buf sql = MIGC_BUF_INIT;
	int rc;

	table_name(&t, table);
	rc = migc_buf_printf(&sql,
		"BEGIN IMMEDIATE;\n"
		"CREATE TABLE IF NOT EXISTS %s (\n"
		"  id INTEGER PRIMARY KEY,\n"
		"  version TEXT NOT NULL,\n"
		"  name TEXT NOT NULL,\n"
		"  kind TEXT NOT NULL,\n"
		"  checksum TEXT NOT NULL,\n"
		"  state TEXT NOT NULL,\n"
		"  applied_at TEXT NOT NULL,\n"
		"  duration_ms INTEGER NOT NULL DEFAULT 0,\n"
		"  bundle_id TEXT NOT NULL DEFAULT '',\n"
		"  source_commit TEXT NOT NULL DEFAULT '',\n"
		"  applied_by TEXT NOT NULL DEFAULT '',\n"
		"  note TEXT NOT NULL DEFAULT '',\n"
		"  runner TEXT NOT NULL DEFAULT ''\n"
		");\n"
		"CREATE UNIQUE INDEX IF NOT EXISTS \"%s\".\"%s_version\"\n"
		"  ON \"%s\" (version)\n"
		"  WHERE kind = 'versioned' AND state <> 'undone';\n"
		"COMMIT;\n",
		t.qualified, t.schema, t.bare, t.bare);
	if (rc)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = sqlite3_exec(c->db, sql.data, NULL, NULL, NULL);
	migc_buf_free(&sql);
	if (rc != SQLITE_OK) {
		migc_sqlite_db_error(c, err, "cannot create the history table");
		migc_sqlite_rollback(c);
		return MIGC_EDB;
	}
	return 0;
}

static int table_exists(struct migc_conn *c, const struct table_name *t,
			int *exists, migc_error *err)
{
	char sql[256];
	sqlite3_stmt *stmt = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\".sqlite_master "
		 "WHERE type = 'table' AND name = ?1", t->schema);
	if (sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return migc_sqlite_db_error(c, err, "cannot read the schema");
	sqlite3_bind_text(stmt, 1, t->bare, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*exists = rc == SQLITE_ROW;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return migc_sqlite_db_error(c, err, "cannot read the schema");
	return 0;
}

static const char *col_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s ? (const char *)s : "";
}

/* One row of the SELECT below into `row` (strings borrowed); `brief`:
 * the first six columns only, the other fields stay empty. */
static int read_row(struct migc_conn *c, const char *table, sqlite3_stmt *stmt,
		    int brief, struct migc_history_row *row, migc_error *err)
{
	memset(row, 0, sizeof(*row));
	row->id = sqlite3_column_int64(stmt, 0);
	row->version = (char *)col_text(stmt, 1);
	row->name = (char *)col_text(stmt, 2);
	if (migc_kind_parse(col_text(stmt, 3), &row->kind))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"unknown kind \"%.40s\"", c->label, table,
				row->id, col_text(stmt, 3));
	row->checksum = (char *)col_text(stmt, 4);
	if (migc_hstate_parse(col_text(stmt, 5), &row->state))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"unknown state \"%.40s\"", c->label, table,
				row->id, col_text(stmt, 5));
	if (brief)
		return 0;
	row->applied_at = (char *)col_text(stmt, 6);
	row->duration_ms = sqlite3_column_int64(stmt, 7);
	row->bundle_id = (char *)col_text(stmt, 8);
	row->source_commit = (char *)col_text(stmt, 9);
	row->applied_by = (char *)col_text(stmt, 10);
	row->note = (char *)col_text(stmt, 11);
	row->runner = (char *)col_text(stmt, 12);
	return 0;
}

/*
 * Room for `bound` rows in `h`, up to HISTORY_RESERVE_MAX: a hint, so a
 * bound far above the real count (ids with gaps) or a failure costs
 * nothing but growing as usual.
 */
#define HISTORY_RESERVE_MAX 1000000
static void reserve_rows(struct migc_history *h, long long bound)
{
	if (bound > 0)
		(void)migc_history_reserve(h, bound > HISTORY_RESERVE_MAX
						  ? (size_t)HISTORY_RESERVE_MAX
						  : (size_t)bound);
}

/*
 * The whole history, or (`brief`, driver.h's history_read_brief) the six
 * columns the verify rules and the plan read: the strings of the other
 * seven (~110 bytes a row) are then neither read nor copied.
 */
static int history_read(struct migc_conn *c, const char *table, int brief,
			struct migc_history *out, migc_error *err)
{
	struct table_name t;
	sqlite3_stmt *stmt = NULL;
	char sql[1024];
	int exists = 0, rc, bound = brief ? 6 : 13;

	table_name(&t, table);
	rc = table_exists(c, &t, &exists, err);
	if (rc || !exists)
		return rc;
	/* the last column bounds the row count (ids are distinct integers), so
	 * that the rows and their strings are allocated once
	 * (migc_history_reserve): two constant subqueries, each a single
	 * min() or max() so that SQLite answers it with one b-tree descent
	 * (`max(id) - min(id)` in one subquery would scan the table) */
	snprintf(sql, sizeof(sql), "SELECT id, version, name, kind, checksum, "
		 "state, %s(SELECT max(id) FROM %s) - "
		 "(SELECT min(id) FROM %s) + 1 FROM %s ORDER BY id",
		 brief ? "" : "applied_at, duration_ms, bundle_id, "
			      "source_commit, applied_by, note, runner, ",
		 t.qualified, t.qualified, t.qualified);
	if (sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return migc_sqlite_db_error(c, err, "cannot read the history table");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct migc_history_row row;

		if (out->count == 0)
			reserve_rows(out, sqlite3_column_int64(stmt, bound));

		if (read_row(c, table, stmt, brief, &row, err)) {
			rc = MIGC_EDB;
			break;
		}
		if (migc_history_push(out, &row)) {
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
			break;
		}
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = migc_sqlite_db_error(c, err, "cannot read the history table");
	sqlite3_finalize(stmt);
	if (rc)
		migc_history_clear(out);
	return rc;
}

int migc_sqlite_history_read(struct migc_conn *c, const char *table,
			       struct migc_history *out, migc_error *err)
{
	return history_read(c, table, 0, out, err);
}

int migc_sqlite_history_read_brief(struct migc_conn *c, const char *table,
				     struct migc_history *out, migc_error *err)
{
	return history_read(c, table, 1, out, err);
}

int migc_sqlite_history_insert(struct migc_conn *c, const char *table,
				 const struct migc_history_row *row,
				 long long *id, migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = stmt_get(c, STMT_INSERT, table, &stmt,
		      "cannot write the history table", err);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, row->version ? row->version : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, row->name ? row->name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, migc_kind_name(row->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, row->checksum ? row->checksum : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, migc_hstate_name(row->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, row->applied_at ? row->applied_at : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, row->duration_ms);
	sqlite3_bind_text(stmt, 8, row->bundle_id ? row->bundle_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, row->source_commit ? row->source_commit : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, row->applied_by ? row->applied_by : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, row->note ? row->note : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		migc_sqlite_db_error(c, err, "cannot write the history table");
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return MIGC_EDB;
	if (id)
		*id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

int migc_sqlite_history_update(struct migc_conn *c, const char *table,
				 long long id, migc_hstate state,
				 long long duration_ms, const char *note,
				 migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = stmt_get(c, STMT_UPDATE, table, &stmt,
		      "cannot update the history table", err);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, migc_hstate_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, duration_ms);
	if (note) /* unbound (NULL) keeps the note: coalesce(?3, note) */
		sqlite3_bind_text(stmt, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		migc_sqlite_db_error(c, err, "cannot update the history table");
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return MIGC_EDB;
	if (sqlite3_changes(c->db) != 1)
		return migc_err(err, MIGC_EDB, "%s: history row %lld is gone",
				c->label, id);
	return 0;
}

/* The largest id: how the engine notices that the history changed (under
 * flock nobody else writes, but the check is cheap). */
int migc_sqlite_history_stamp(struct migc_conn *c, const char *table,
				long long *max_id, migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*max_id = 0;
	rc = stmt_get(c, STMT_STAMP, table, &stmt,
		      "cannot read the history table", err);
	if (rc)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*max_id = sqlite3_column_int64(stmt, 0);
	else
		migc_sqlite_db_error(c, err, "cannot read the history table");
	stmt_done(stmt);
	return rc == SQLITE_ROW ? 0 : MIGC_EDB;
}

/* The flock is held for the whole run, so a "running" row seen by a
 * runner that holds it can only be an earlier, dead run's. */
int migc_sqlite_runner_alive(struct migc_conn *c,
			       const struct migc_history_row *row,
			       migc_error *err)
{
	(void)c;
	(void)row;
	(void)err;
	return 0;
}
