/*
 * driver.h - the interface every database backend implements.
 *
 * The engine (verify rules, apply loop) never knows which database it talks
 * to: it calls through a `struct migc_driver`, the way SQLite's core calls
 * through a `sqlite3_vfs`. A driver owns its connection type; the engine
 * only holds a `struct migc_conn *`.
 *
 * Versioning: `version` says which fields a driver fills. Fields are only
 * ever added at the end; the engine checks `version` before calling a field
 * newer than MIGC_DRIVER_VERSION 1, so a driver written against an older
 * layout keeps working.
 *
 * Every function returns 0 or a negative MIGC_E* code and fills `err`.
 * Error messages never contain a password.
 */
#ifndef MIGC_DRIVER_H
#define MIGC_DRIVER_H

#include "migc.h"
#include "history.h"

#define MIGC_DRIVER_VERSION 6

/* A row of a query's result: `values[i]` is column i as text (NULL for SQL
 * NULL). A non-zero return stops the query and is returned by it. */
typedef int (*migc_query_row_fn)(void *ctx, int ncols,
				 const char *const *values);

struct migc_conn; /* defined by each driver */

struct migc_driver {
	int version;      /* MIGC_DRIVER_VERSION the driver was written for */
	const char *name; /* "sqlite", "postgres" */

	/* 1 when this driver handles `url` (by its scheme or form). */
	int (*accepts)(const char *url);

	/* Open one connection (one attempt: the engine retries for --wait).
	 * Returns MIGC_ECONNECT when the server is not (yet) reachable and
	 * MIGC_EUSAGE when the URL itself is wrong. */
	int (*connect)(struct migc_conn **out, const char *url,
		       const migc_options *opts, migc_error *err);
	void (*close)(struct migc_conn *conn);

	/* Take the session-wide migration lock, polling with backoff for up
	 * to `timeout_ms`; MIGC_ELOCKED (naming the holder where the database
	 * can say) when it is not free in time. Held until unlock or close.
	 * While waiting the driver holds no transaction open. A driver whose
	 * lock is per transaction (see begin) may make this a no-op. */
	int (*lock)(struct migc_conn *conn, const char *table, int timeout_ms,
		    migc_error *err);
	int (*unlock)(struct migc_conn *conn, migc_error *err);

	/* Create the history table and its indexes when missing; safe when
	 * several runners do it at once. */
	int (*history_ensure)(struct migc_conn *conn, const char *table,
			      migc_error *err);

	/* Read the whole history table in one query, ordered by id. A
	 * missing table is an empty history, not an error. */
	int (*history_read)(struct migc_conn *conn, const char *table,
			    struct migc_history *out, migc_error *err);

	/*
	 * Transactions around one migration and its history row.
	 *
	 * begin() returns holding the migration lock for the transaction's
	 * lifetime, when the driver locks per transaction (PostgreSQL: BEGIN
	 * then pg_try_advisory_xact_lock, polled with backoff up to
	 * opts->lock_timeout_ms, rolling back between attempts so a waiting
	 * runner never sits in a blocking call or an open transaction). Such a
	 * lock survives no session state (it holds behind PgBouncer's
	 * transaction pooling) and dies with the connection. Because other
	 * runners may commit between two transactions, the engine checks
	 * history_stamp() after every begin() and re-reads the history when it
	 * changed.
	 */
	int (*begin)(struct migc_conn *conn, migc_error *err);
	int (*commit)(struct migc_conn *conn, migc_error *err);
	void (*rollback)(struct migc_conn *conn);

	/* Run a migration's SQL (all its statements). On failure `err`
	 * carries the database's message and the line in the file where
	 * the failing statement is. Transactional migrations run inside
	 * begin()/commit(); no-transaction ones statement by statement in
	 * autocommit. Timeouts (m->lock_timeout_ms, m->statement_timeout_ms,
	 * falling back to the options) are applied here where the database
	 * has them. MIGC_EBUSY: the database gave up waiting for a lock the
	 * SQL needed (the engine rolls back and retries with backoff). */
	int (*exec)(struct migc_conn *conn, const migc_migration *m,
		    migc_error *err);

	/* Insert a history row; `*id` (may be NULL) receives its id. */
	int (*history_insert)(struct migc_conn *conn, const char *table,
			      const struct migc_history_row *row, long long *id,
			      migc_error *err);

	/* Change a row's state, duration (-1: leave) and note (NULL: leave). */
	int (*history_update)(struct migc_conn *conn, const char *table,
			      long long id, migc_hstate state,
			      long long duration_ms, const char *note,
			      migc_error *err);

	/* Ask the running statement, or a lock wait, to stop as soon as it
	 * can (it then fails with MIGC_EINTR). Called from a signal handler:
	 * it must be async-signal-safe (sqlite3_interrupt, PQcancel). */
	void (*interrupt)(struct migc_conn *conn);

	/* A cheap change detector: the history's largest id (an index
	 * lookup, not a scan: it runs once per migration). Rows are never
	 * deleted, so any insert by another runner changes it; state changes
	 * of "running" rows are caught by re-reading while one exists.
	 * Called only after history_ensure(). */
	int (*history_stamp)(struct migc_conn *conn, const char *table,
			     long long *max_id, migc_error *err);

	/* For a row left "running": 1 when the runner that wrote it is still
	 * connected (a peer is applying it right now: wait), 0 when it is
	 * gone (an earlier run died: the row needs `migrate resolve`).
	 * history_insert() records in `runner` whatever this needs (e.g.
	 * PostgreSQL's backend pid and start time); a driver whose lock()
	 * is session-wide returns 0, since no live peer can be mid-run. */
	int (*runner_alive)(struct migc_conn *conn,
			    const struct migc_history_row *row,
			    migc_error *err);

	/* ---- version 2 ---- */

	/* Run one read-only statement (the caller's SQL, no parameters)
	 * and hand every row to `row`, as text. Used to read other tools'
	 * history tables (`migrate adopt`). MIGC_EDB when it fails; on
	 * PostgreSQL inside begin() a failure aborts the transaction, so
	 * callers check that a table exists (through the catalog) first. */
	int (*query)(struct migc_conn *conn, const char *sql,
		     migc_query_row_fn row, void *ctx, migc_error *err);

	/* ---- version 3 ---- */

	/* What the statement running on `conn` is doing, as a short text
	 * for a progress line ("building index: scanning table, 1234 of 5678
	 * blocks"), or "" when there is nothing to say. Called from another
	 * thread while exec() runs, so it never touches the connection exec()
	 * uses: PostgreSQL reads pg_stat_progress_create_index on a second
	 * connection it opens on first use (and closes in close()). May be
	 * NULL. */
	int (*progress)(struct migc_conn *conn, char *out, size_t size,
			migc_error *err);

	/* What messages call this database: "postgres user@host:5432/app",
	 * an SQLite file's path. Never a password. May be NULL. */
	const char *(*label)(const struct migc_conn *conn);

	/* ---- version 4 ---- */

	/* history_insert() then commit(), in one round trip where the
	 * database can (PostgreSQL: pipeline mode), for the last steps of a
	 * transactional migration. On failure `*at_commit` says which step
	 * failed: 0 the insert (nothing was committed; the caller rolls back,
	 * as after history_insert()), 1 the commit (as after commit(): when
	 * the connection was lost the outcome is unknown). May be NULL: the
	 * engine then calls the two.
	 *
	 * After it succeeds the engine's next call on the connection is
	 * begin() (the apply loop goes on), or unlock() (it stops), so a
	 * driver may send the next begin()'s work in the same round trip
	 * (PostgreSQL does): begin() then returns at once, and unlock(),
	 * rollback() or close() end a transaction begun that way. */
	int (*history_insert_commit)(struct migc_conn *conn, const char *table,
				     const struct migc_history_row *row,
				     long long *id, int *at_commit,
				     migc_error *err);

	/* ---- version 5 ---- */

	/* Load what connect() will need (PostgreSQL: libpq, ~4 ms of
	 * dlopen), so that a caller can do it on another thread while it
	 * does other start-up work. Touches no database; safe from any
	 * thread and more than once; connect() reports any failure itself,
	 * so the result is a hint only. May be NULL. */
	int (*preload)(void);

	/* ---- version 6 ---- */

	/* history_read() for the verify rules and the plan (`up`, `verify`,
	 * `plan`): every row's id, version, name, kind, checksum and state;
	 * a driver may leave the other fields empty ("" and 0) in rows whose
	 * state is applied, baseline or undone, which are read only by
	 * `status` (PostgreSQL: half the no-op up at 10,000 rows is the
	 * server sending them). Rows in any other state must be complete
	 * (the engine reads everything again then anyway). May be NULL: the
	 * engine calls history_read(). */
	int (*history_read_brief)(struct migc_conn *conn, const char *table,
				  struct migc_history *out, migc_error *err);
};

/* The built-in drivers. */
extern const struct migc_driver migc_driver_sqlite;
extern const struct migc_driver migc_driver_pg;

/*
 * SQLite's process-wide settings (sqlite3_config), for a program whose
 * main() is migc_cli_main: a library leaves them to the program it is in.
 * Effective only before anything in the process has used SQLite; after
 * that the program's settings stay, and this does nothing.
 */
void migc_sqlite_configure_process(void);

#endif /* MIGC_DRIVER_H */
