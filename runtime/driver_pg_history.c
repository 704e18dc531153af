/*
 * driver_pg_history.c - the history table on PostgreSQL (history.h).
 *
 * Columns as in every dialect, with PostgreSQL types: id is a bigint
 * identity, applied_at a timestamptz (written from and read back as
 * ISO-8601 UTC text, so rows look the same as SQLite's), duration_ms a
 * bigint. One extra column, applied_role, defaults to current_user: the
 * database role that applied the migration (the --role), next to
 * applied_by's "user@host" of the machine.
 *
 * Every value goes as a parameter; only identifiers are put in the SQL
 * text, quoted with PQescapeIdentifier (the engine has validated them as
 * ident or schema.ident already). The INSERT is prepared once per
 * connection on a direct one (exec_history()). An applied migration's
 * INSERT and its COMMIT are sent together in pipeline mode
 * (migc_pg_history_insert_commit()), with the next transaction's begin on
 * a direct connection: a transactional migration costs two round trips
 * (its SQL, then INSERT + COMMIT + the next BEGIN; driver_pg_pipeline.c).
 *
 * `runner` of a "running" row: see driver_pg_runner.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_pg.h"
#include "pg_binary.h"
#include "util.h"

/* A history table's names, quoted. */
struct table_name {
	char qualified[330]; /* "schema"."table" or "table" */
	char index[120];     /* "table_version_once" */
	char schema[80];     /* unquoted schema, "" when not qualified */
};

static int quote(struct migc_conn *c, char *out, size_t size, const char *s,
		 size_t len, migc_error *err)
{
	char *q = PQescapeIdentifier(c->pg, s, len);

	if (!q)
		return migc_pg_fail(c, NULL, MIGC_EUSAGE, "cannot quote the "
				    "history table name", err);
	migc_strlcpy(out, q, size);
	PQfreemem(q);
	return 0;
}

/* The quoted names of `table`, without touching the lock key. */
static int quote_names(struct migc_conn *c, const char *table,
		       struct table_name *t, migc_error *err)
{
	const char *dot = strchr(table, '.'), *bare = dot ? dot + 1 : table;
	char index[100], schema[100] = "";
	int rc = 0;

	memset(t, 0, sizeof(*t));
	snprintf(index, sizeof(index), "%s_version_once", bare);
	if (dot) {
		snprintf(t->schema, sizeof(t->schema), "%.*s",
			 (int)(dot - table), table);
		rc = quote(c, schema, sizeof(schema), t->schema,
			   strlen(t->schema), err);
	}
	if (!rc)
		rc = quote(c, t->index, sizeof(t->index), index, strlen(index),
			   err);
	if (!rc)
		rc = quote(c, t->qualified, sizeof(t->qualified), bare,
			   strlen(bare), err);
	if (!rc && dot) {
		char q[sizeof(t->qualified) + 110];

		snprintf(q, sizeof(q), "%s.%s", schema, t->qualified);
		migc_strlcpy(t->qualified, q, sizeof(t->qualified));
	}
	return rc;
}

static int table_name(struct migc_conn *c, const char *table,
		      struct table_name *t, migc_error *err)
{
	migc_pg_set_key(c, table);
	return quote_names(c, table, t, err);
}

int migc_pg_history_qualified(struct migc_conn *c, const char *table,
			      char *out, size_t size, migc_error *err)
{
	struct table_name t;
	int rc = quote_names(c, table, &t, err);

	if (!rc)
		migc_strlcpy(out, t.qualified, size);
	return rc;
}

void migc_pg_history_seen(struct migc_conn *c, const char *table,
			  const char *qualified)
{
	migc_strlcpy(c->table_seen, table, sizeof(c->table_seen));
	migc_strlcpy(c->seen_qualified, qualified, sizeof(c->seen_qualified));
}

/* Does the table exist? Remembered once seen: tables do not vanish
 * (connect already asked for the options' table: setup() in driver_pg.c). */
static int table_exists(struct migc_conn *c, const char *table,
			const struct table_name *t, int *exists,
			migc_error *err)
{
	const char *params[1] = {t->qualified};
	PGresult *r;

	*exists = strcmp(c->table_seen, table) == 0;
	if (*exists)
		return 0;
	r = migc_pg_exec_params(c, "SELECT to_regclass($1) IS NOT NULL", 1,
				params);
	if (!migc_pg_ok(r) || PQntuples(r) != 1)
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read the catalog",
				    err);
	*exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (*exists)
		migc_pg_history_seen(c, table, t->qualified);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Creating it                                                         */
/* ------------------------------------------------------------------ */

static int create_schema(struct migc_conn *c, const struct table_name *t,
			 migc_error *err)
{
	const char *params[1] = {t->schema};
	migc_buf sql = MIGC_BUF_INIT;
	char quoted[100];
	PGresult *r;
	int missing, rc;

	/* CREATE SCHEMA IF NOT EXISTS wants the CREATE privilege on the
	 * database even when the schema is there: ask first */
	r = migc_pg_exec_params(c, "SELECT to_regnamespace(quote_ident($1)) "
				"IS NULL", 1, params);
	if (!migc_pg_ok(r) || PQntuples(r) != 1)
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read the catalog",
				    err);
	missing = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!missing)
		return 0;
	rc = quote(c, quoted, sizeof(quoted), t->schema, strlen(t->schema), err);
	if (rc)
		return rc;
	if (migc_buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", quoted))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	r = PQexec(c->pg, sql.data);
	migc_buf_free(&sql);
	if (!migc_pg_ok(r))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot create the history "
				    "table's schema", err);
	PQclear(r);
	return 0;
}

static int create_table(struct migc_conn *c, const struct table_name *t,
			migc_error *err)
{
	migc_buf sql = MIGC_BUF_INIT;
	PGresult *r;

	if (migc_buf_printf(&sql,
		"CREATE TABLE IF NOT EXISTS %s (\n"
		"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
		"  version text NOT NULL DEFAULT '',\n"
		"  name text NOT NULL,\n"
		"  kind text NOT NULL,\n"
		"  checksum text NOT NULL,\n"
		"  state text NOT NULL,\n"
		"  applied_at timestamptz NOT NULL DEFAULT now(),\n"
		"  duration_ms bigint NOT NULL DEFAULT 0,\n"
		"  bundle_id text NOT NULL DEFAULT '',\n"
		"  source_commit text NOT NULL DEFAULT '',\n"
		"  applied_by text NOT NULL DEFAULT '',\n"
		"  applied_role text NOT NULL DEFAULT current_user,\n"
		"  note text NOT NULL DEFAULT '',\n"
		"  runner text NOT NULL DEFAULT ''\n"
		");\n"
		"CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (version)\n"
		"  WHERE kind = 'versioned' AND state <> 'undone'",
		t->qualified, t->index, t->qualified))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	r = PQexec(c->pg, sql.data);
	migc_buf_free(&sql);
	if (!migc_pg_ok(r))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot create the history "
				    "table", err);
	PQclear(r);
	return 0;
}

/*
 * Create the table (and its schema) when missing, under the migration
 * lock, so runners starting at once on a fresh database do not trip over
 * each other's CREATE (IF NOT EXISTS is not safe against a concurrent
 * creator on its own).
 */
int migc_pg_history_ensure(struct migc_conn *c, const char *table,
			   migc_error *err)
{
	struct table_name t;
	int exists = 0, rc;

	rc = table_name(c, table, &t, err);
	if (!rc)
		rc = table_exists(c, table, &t, &exists, err);
	if (rc || exists)
		return rc;
	rc = migc_pg_begin(c, err);
	if (rc)
		return rc;
	if (t.schema[0])
		rc = create_schema(c, &t, err);
	if (!rc)
		rc = create_table(c, &t, err);
	if (!rc)
		rc = migc_pg_commit(c, err);
	if (rc)
		migc_pg_rollback(c);
	else /* the next begin() reads its stamp: no catalog query first */
		migc_pg_history_seen(c, table, t.qualified);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

int migc_pg_parse_ll(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

/*
 * The history, read in binary (pg_binary.h): the server sends the int8
 * and timestamptz columns as they are stored instead of formatting each
 * row's, and the casts make sure that is what comes, whatever types an
 * older or hand-made table has (a cast to the column's own type costs
 * nothing). Text columns are the same bytes in either format.
 */
static const char history_select[] =
	"SELECT id::bigint, version::text, name::text, kind::text, "
	"checksum::text, state::text, applied_at::timestamptz, "
	"duration_ms::bigint, bundle_id::text, source_commit::text, "
	"applied_by::text, note::text, runner::text FROM %s ORDER BY id";
#define HISTORY_COLUMNS 13

/*
 * The brief read (driver.h, history_read_brief): the first six columns,
 * what the verify rules and the plan read. At 10,000 rows the other seven
 * were half the no-op up's time: the server reading and sending them
 * (applied_at, bundle_id, source_commit: ~110 bytes a row), libpq parsing
 * them. The engine reads in full when a row is neither applied, baseline
 * nor undone.
 */
static const char history_select_brief[] =
	"SELECT id::bigint, version::text, name::text, kind::text, "
	"checksum::text, state::text FROM %s ORDER BY id";
#define BRIEF_COLUMNS 6

/*
 * Row i's applied_at as text. A deploy applies many migrations a second,
 * and the text depends on the second only: a row in the same second as
 * the previous one shares its text; another is printed at *buf (room for
 * MIGC_PG_UTC_MAX), which then moves past it. Infinities have seconds of
 * their own (no valid timestamp shares theirs), NULL never matches.
 */
struct last_time {
	long long second;
	char *text; /* NULL: none yet */
};

static int applied_at(PGresult *r, int i, char **buf, struct last_time *last,
		      char **out)
{
	const char *p = PQgetvalue(r, i, 6);
	int len = PQgetisnull(r, i, 6) ? -1 : PQgetlength(r, i, 6);
	long long us = 0, second = 0;

	if (len == 8) {
		migc_pg_bin_int8(p, len, &us);
		second = us / 1000000 - (us % 1000000 < 0);
		if (last->text && second == last->second) {
			*out = last->text;
			return 0;
		}
	}
	if (migc_pg_bin_utc(*buf, MIGC_PG_UTC_MAX, p, len))
		return -1;
	*out = *buf;
	*buf += strlen(*buf) + 1;
	last->text = len == 8 ? *out : NULL;
	last->second = second;
	return 0;
}

/* Row `i` of history_select (or of history_select_brief when `brief`:
 * the fields after state stay empty) into `row` (strings borrowed from
 * `r`, the time from applied_at()). */
static int read_row(struct migc_conn *c, const char *table, PGresult *r,
		    int i, int brief, struct migc_history_row *row, char **buf,
		    struct last_time *last, migc_error *err)
{
	memset(row, 0, sizeof(*row));
	if (migc_pg_bin_int8(PQgetvalue(r, i, 0), PQgetlength(r, i, 0),
			     &row->id) ||
	    (!brief && migc_pg_bin_int8(PQgetvalue(r, i, 7),
					PQgetlength(r, i, 7),
					&row->duration_ms)))
		return migc_err(err, MIGC_EDB, "%s: history table %s: a row "
				"with a bad id or duration", c->label, table);
	row->version = PQgetvalue(r, i, 1);
	row->name = PQgetvalue(r, i, 2);
	if (migc_kind_parse(PQgetvalue(r, i, 3), &row->kind))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"unknown kind \"%.40s\"", c->label, table,
				row->id, PQgetvalue(r, i, 3));
	row->checksum = PQgetvalue(r, i, 4);
	if (migc_hstate_parse(PQgetvalue(r, i, 5), &row->state))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"unknown state \"%.40s\"", c->label, table,
				row->id, PQgetvalue(r, i, 5));
	if (brief)
		return 0;
	if (applied_at(r, i, buf, last, &row->applied_at))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"a bad applied_at", c->label, table, row->id);
	row->bundle_id = PQgetvalue(r, i, 8);
	row->source_commit = PQgetvalue(r, i, 9);
	row->applied_by = PQgetvalue(r, i, 10);
	row->note = PQgetvalue(r, i, 11);
	row->runner = PQgetvalue(r, i, 12);
	return 0;
}

static void result_free(void *r)
{
	PQclear(r);
}

/*
 * The rows borrow their strings from the result, which `out` keeps until
 * it is cleared (history.h): nothing is copied; the times are printed
 * one after the other in one buffer (applied_at()).
 */
static int history_read(struct migc_conn *c, const char *table, int brief,
			struct migc_history *out, migc_error *err)
{
	struct table_name t;
	migc_buf sql = MIGC_BUF_INIT;
	PGresult *r;
	struct last_time last = {0, NULL};
	char *at = NULL;
	int exists = 0, rc, i, n;

	rc = table_name(c, table, &t, err);
	if (!rc)
		rc = table_exists(c, table, &t, &exists, err);
	if (rc || !exists)
		return rc;
	if (migc_buf_printf(&sql, brief ? history_select_brief : history_select,
			    t.qualified))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	r = PQexecParams(c->pg, sql.data, 0, NULL, NULL, NULL, NULL, 1);
	migc_buf_free(&sql);
	if (!migc_pg_ok(r) ||
	    PQnfields(r) != (brief ? BRIEF_COLUMNS : HISTORY_COLUMNS))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read the history "
				    "table", err);
	n = PQntuples(r);
	if (migc_history_keep(out, r, result_free) ||
	    migc_history_reserve_rows(out, out->count + (size_t)n) ||
	    (!brief && !(at = migc_history_text(out, ((size_t)n + 1) *
						     MIGC_PG_UTC_MAX))))
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; !rc && i < n; i++) {
		struct migc_history_row row;

		rc = read_row(c, table, r, i, brief, &row, &at, &last, err);
		if (!rc && migc_history_push_borrowed(out, &row))
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	if (rc)
		migc_history_clear(out);
	return rc;
}

int migc_pg_history_read(struct migc_conn *c, const char *table,
			 struct migc_history *out, migc_error *err)
{
	return history_read(c, table, 0, out, err);
}

int migc_pg_history_read_brief(struct migc_conn *c, const char *table,
			       struct migc_history *out, migc_error *err)
{
	return history_read(c, table, 1, out, err);
}

int migc_pg_history_stamp(struct migc_conn *c, const char *table,
			  long long *max_id, migc_error *err)
{
	struct table_name t;
	migc_buf sql = MIGC_BUF_INIT;
	PGresult *r;
	int rc;

	*max_id = 0;
	if (c->stamp_ready && strcmp(c->stamp_table, table) == 0) {
		/* begin() read it, after taking the lock (driver_pg.c) */
		c->stamp_ready = 0;
		*max_id = c->stamp;
		return 0;
	}
	rc = table_name(c, table, &t, err);
	if (rc)
		return rc;
	/* max of the primary key: an index lookup, once per migration */
	if (migc_buf_printf(&sql, "SELECT coalesce(max(id), 0) FROM %s",
			    t.qualified))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	r = PQexec(c->pg, sql.data);
	migc_buf_free(&sql);
	if (!migc_pg_ok(r) || PQntuples(r) != 1 ||
	    migc_pg_parse_ll(PQgetvalue(r, 0, 0), max_id))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read the history "
				    "table", err);
	PQclear(r);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static const char *text(const char *s)
{
	return s ? s : "";
}

/* The history statements kept prepared: bit and name suffix. */
enum { PREP_INSERT = MIGC_PG_PREP_INSERT };

int migc_pg_sqlstate_is(const PGresult *r, const char *state)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s && strcmp(s, state) == 0;
}

int migc_pg_prep_name(struct migc_conn *c, const char *table, unsigned which,
		      char *name, size_t size)
{
	if (strcmp(c->prep_table, table) != 0) {
		migc_strlcpy(c->prep_table, table, sizeof(c->prep_table));
		c->prep_bits = 0;
		c->prep_gen++;
	}
	snprintf(name, size, "migc_history_%u_%u", c->prep_gen, which);
	return (c->prep_bits & (1u << which)) != 0;
}

/*
 * Prepare statement `which` (`sql`, for `table`) unless it is already:
 * NULL when it is ready as `name`, else the server's refusal (42P05, the
 * name already taken, means a pooler not detected: see exec_history()).
 */
static PGresult *prepare_once(struct migc_conn *c, const char *table,
			      unsigned which, const char *sql, int n,
			      char *name, size_t size)
{
	PGresult *r;

	if (migc_pg_prep_name(c, table, which, name, size))
		return NULL;
	r = PQprepare(c->pg, name, sql, n, NULL);
	if (migc_pg_ok(r)) {
		c->prep_bits |= 1u << which;
		PQclear(r);
		return NULL;
	}
	return r;
}

int migc_pg_prepared(struct migc_conn *c, const char *table, unsigned which,
		     const char *sql, int n, char *name, size_t size)
{
	PGresult *r;

	if (c->pooled || c->prep_off ||
	    PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		return 0;
	r = prepare_once(c, table, which, sql, n, name, size);
	if (!r)
		return 1;
	if (migc_pg_sqlstate_is(r, "42P05"))
		c->prep_off = 1;
	PQclear(r);
	return 0;
}

/*
 * Run history statement `which` (`sql`, for `table`): prepared once per
 * connection and table (PQprepare, then PQexecPrepared), or unnamed
 * (PQexecParams) behind a pooler, where the next transaction may run on
 * another backend (driver_pg.h, pooled). When a prepared statement is gone
 * anyway (26000 invalid_sql_statement_name, or 42P05 on preparing: a
 * pooler not detected), prepared ones are off for the connection; outside
 * a transaction the statement is sent again unnamed, inside one the
 * transaction is lost and *lost is set for the caller.
 */
static PGresult *exec_history(struct migc_conn *c, const char *table,
			      unsigned which, const char *sql, int n,
			      const char *const *params, int *lost)
{
	char name[48];
	PGresult *r;

	*lost = 0;
	if (c->pooled || c->prep_off)
		return migc_pg_exec_params(c, sql, n, params);
	r = prepare_once(c, table, which, sql, n, name, sizeof(name));
	if (!r)
		r = PQexecPrepared(c->pg, name, n, params, NULL, NULL, 0);
	else if (!migc_pg_sqlstate_is(r, "42P05"))
		return r;
	if (!migc_pg_sqlstate_is(r, "26000") && !migc_pg_sqlstate_is(r, "42P05"))
		return r;
	c->prep_off = 1;
	if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		*lost = 1;
		return r;
	}
	PQclear(r);
	return migc_pg_exec_params(c, sql, n, params);
}

/* A lost transaction (exec_history): nothing it did stays, so the apply
 * loop may run it again, now without prepared statements. */
int migc_pg_lost_statement(struct migc_conn *c, PGresult *r, migc_error *err)
{
	migc_pg_fail(c, r, MIGC_EBUSY, "the history statement prepared on "
		     "this connection is gone (a connection pooler?)", err);
	migc_err_hint(err, "the transaction was rolled back; migc runs it "
		      "again without prepared statements");
	return MIGC_EBUSY;
}

/* A "running" row's runner when another backend may run each transaction
 * (pooled): asked of the server at the insert (see the file's top). */
static const char insert_pooled_running[] =
	"INSERT INTO %s (version, name, kind, checksum, state, "
	"applied_at, duration_ms, bundle_id, source_commit, applied_by, "
	"note, runner) VALUES ($1::text, $2::text, $3::text, $4::text, "
	"$5::text, coalesce(nullif($6::text, '')::timestamptz, now()), "
	"$7::bigint, $8::text, $9::text, $10::text, $11::text, "
	"CASE WHEN $5::text = 'running' THEN pg_backend_pid()::text || "
	"':' || coalesce((SELECT (extract(epoch FROM backend_start) * "
	"1000000)::bigint::text || CASE WHEN $12::text <> '' AND "
	"strpos(application_name, ' ' || $12::text) > 0 THEN ':' || "
	"$12::text ELSE '' END FROM pg_stat_activity WHERE pid = "
	"pg_backend_pid()), '') ELSE '' END) RETURNING id";

/* Otherwise: $12 is our backend as connect() saw it ("" for rows that are
 * not "running"), $13 the token when pg_stat_activity showed it then and
 * the session still carries it (a migration may SET application_name). */
static const char insert_direct[] =
	"INSERT INTO %s (version, name, kind, checksum, state, "
	"applied_at, duration_ms, bundle_id, source_commit, applied_by, "
	"note, runner) VALUES ($1::text, $2::text, $3::text, $4::text, "
	"$5::text, coalesce(nullif($6::text, '')::timestamptz, now()), "
	"$7::bigint, $8::text, $9::text, $10::text, $11::text, "
	"CASE WHEN $12::text = '' THEN '' WHEN $13::text <> '' AND "
	"strpos(current_setting('application_name'), ' ' || $13::text) > 0 "
	"THEN $12::text || ':' || $13::text ELSE $12::text END) RETURNING id";

/* insert_direct for `table`, formatted once per connection and table
 * (c->insert_sql): formatting it was a quarter of `up`'s instructions,
 * once per migration, for a text the server already has prepared. */
static int insert_direct_text(struct migc_conn *c, const char *table,
			      migc_buf *out, migc_error *err)
{
	migc_buf fresh = MIGC_BUF_INIT;
	struct table_name t;
	int rc;

	if (!c->insert_sql || strcmp(c->insert_table, table) != 0) {
		rc = quote_names(c, table, &t, err);
		if (rc)
			return rc;
		if (migc_buf_printf(&fresh, insert_direct, t.qualified))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		free(c->insert_sql);
		c->insert_sql = migc_buf_detach(&fresh);
		migc_strlcpy(c->insert_table, table, sizeof(c->insert_table));
	}
	if (migc_buf_puts(out, c->insert_sql))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	return 0;
}

int migc_pg_insert_init(struct migc_conn *c, const char *table,
			const struct migc_history_row *row,
			struct migc_pg_insert *s, migc_error *err)
{
	int running = row->state == MIGC_H_RUNNING, rc = 0;
	struct table_name t;

	memset(s, 0, sizeof(*s));
	migc_pg_set_key(c, table);
	if (running && !c->pooled)
		rc = migc_pg_runner_self(c, err);
	if (rc)
		return rc;
	snprintf(s->duration, sizeof(s->duration), "%lld", row->duration_ms);
	s->params[0] = text(row->version);
	s->params[1] = text(row->name);
	s->params[2] = migc_kind_name(row->kind);
	s->params[3] = text(row->checksum);
	s->params[4] = migc_hstate_name(row->state);
	s->params[5] = text(row->applied_at);
	s->params[6] = s->duration;
	s->params[7] = text(row->bundle_id);
	s->params[8] = text(row->source_commit);
	s->params[9] = text(row->applied_by);
	s->params[10] = text(row->note);
	/* Only a "running" row records who runs it (pid, backend start, and
	 * the token only when pg_stat_activity shows it, as waiters will
	 * look for it there). */
	if (running && c->pooled) {
		s->params[11] = c->token;
		s->n = 12;
		rc = quote_names(c, table, &t, err);
		if (!rc && migc_buf_printf(&s->sql, insert_pooled_running,
					   t.qualified))
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		return rc;
	}
	s->params[11] = running ? c->runner : "";
	s->params[12] = running && c->runner_token ? c->token : "";
	s->n = 13;
	s->prepared = 1;
	return insert_direct_text(c, table, &s->sql, err);
}

int migc_pg_insert_result(struct migc_conn *c, PGresult *r, long long *id,
			  migc_error *err)
{
	if (!migc_pg_ok(r) || PQntuples(r) != 1)
		return migc_pg_fail(c, r, MIGC_EDB, "cannot write the history "
				    "table", err);
	if (id && migc_pg_parse_ll(PQgetvalue(r, 0, 0), id))
		*id = 0;
	PQclear(r);
	return 0;
}

int migc_pg_history_insert(struct migc_conn *c, const char *table,
			   const struct migc_history_row *row, long long *id,
			   migc_error *err)
{
	struct migc_pg_insert s;
	int lost = 0, rc;
	PGresult *r;

	c->stamp_ready = 0;
	rc = migc_pg_insert_init(c, table, row, &s, err);
	if (rc) {
		migc_buf_free(&s.sql);
		return rc;
	}
	if (s.prepared)
		r = exec_history(c, table, PREP_INSERT, s.sql.data, s.n,
				 s.params, &lost);
	else
		r = migc_pg_exec_params(c, s.sql.data, s.n, s.params);
	migc_buf_free(&s.sql);
	if (lost)
		return migc_pg_lost_statement(c, r, err);
	return migc_pg_insert_result(c, r, id, err);
}

int migc_pg_history_update(struct migc_conn *c, const char *table,
			   long long id, migc_hstate state,
			   long long duration_ms, const char *note,
			   migc_error *err)
{
	struct table_name t;
	migc_buf sql = MIGC_BUF_INIT;
	char ids[32], duration[32];
	const char *params[4];
	PGresult *r;
	int rc;

	c->stamp_ready = 0;
	rc = table_name(c, table, &t, err);
	if (rc)
		return rc;
	snprintf(ids, sizeof(ids), "%lld", id);
	snprintf(duration, sizeof(duration), "%lld", duration_ms);
	params[0] = migc_hstate_name(state);
	params[1] = duration;
	params[2] = note; /* NULL: leave it */
	params[3] = ids;
	if (migc_buf_printf(&sql, "UPDATE %s SET state = $1::text, "
			    "duration_ms = CASE WHEN $2::bigint < 0 THEN "
			    "duration_ms ELSE $2::bigint END, note = "
			    "coalesce($3::text, note) WHERE id = $4::bigint",
			    t.qualified))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	/* unnamed: not once per migration, and after a file's SQL (down)
	 * a vanished statement would cost the transaction (exec_history) */
	r = migc_pg_exec_params(c, sql.data, 4, params);
	migc_buf_free(&sql);
	if (!migc_pg_ok(r))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot update the history "
				    "table", err);
	rc = strcmp(PQcmdTuples(r), "1") == 0 ? 0 : MIGC_EDB;
	PQclear(r);
	if (rc)
		return migc_err(err, MIGC_EDB, "%s: history row %lld is gone",
				c->label, id);
	return 0;
}
