/*
 * driver_sqlite.h - internals shared by the SQLite driver's files:
 * driver_sqlite.c (URLs, connecting, the flock migration lock,
 * transactions, running a migration's SQL, the vtable) and
 * driver_sqlite_history.c (the history table). Not installed; nothing
 * outside these files uses it.
 */
#ifndef MIGC_DRIVER_SQLITE_H
#define MIGC_DRIVER_SQLITE_H

#include <signal.h>
#include <sqlite3.h>

#include "driver.h"

/* The statements kept prepared on a connection: the transaction's, and
 * the history's for one history table (`stmt_table`). All are finalized
 * before sqlite3_close, which would refuse to close with statements left. */
enum cached_stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_STAMP,
	STMT_COUNT
};

struct migc_conn {
	sqlite3 *db;
	char *label;  /* the path, for messages (SQLite URLs hold no secrets) */
	int lock_fd;  /* flock descriptor, -1 until the first lock */
	int in_tx;    /* inside begin() ... commit()/rollback() */
	volatile sig_atomic_t interrupted; /* set from a signal handler */
	char *stmt_table; /* the history table of STMT_INSERT... (NULL: none) */
	sqlite3_stmt *stmt[STMT_COUNT];    /* NULL until first used */
};

/* driver_sqlite.c */

/* A database error outside a migration's SQL: MIGC_EDB, "LABEL: WHAT:
 * sqlite3_errmsg()". */
int migc_sqlite_db_error(struct migc_conn *c, migc_error *err,
			 const char *what);
/* Statement `which` of the cache, prepared from `sql` on first use. */
int migc_sqlite_stmt(struct migc_conn *c, enum cached_stmt which,
		     const char *sql, sqlite3_stmt **out, const char *what,
		     migc_error *err);
/* Finalize the cached statements (before a close, or for another table). */
void migc_sqlite_stmts_drop(struct migc_conn *c);
/* Roll back the open transaction, if any (driver.h rollback). */
void migc_sqlite_rollback(struct migc_conn *c);

/* driver_sqlite_history.c: the history functions of driver.h */

int migc_sqlite_history_ensure(struct migc_conn *c, const char *table,
			       migc_error *err);
int migc_sqlite_history_read(struct migc_conn *c, const char *table,
			     struct migc_history *out, migc_error *err);
int migc_sqlite_history_read_brief(struct migc_conn *c, const char *table,
				     struct migc_history *out, migc_error *err);
int migc_sqlite_history_insert(struct migc_conn *c, const char *table,
			       const struct migc_history_row *row,
			       long long *id, migc_error *err);
int migc_sqlite_history_update(struct migc_conn *c, const char *table,
			       long long id, migc_hstate state,
			       long long duration_ms, const char *note,
			       migc_error *err);
int migc_sqlite_history_stamp(struct migc_conn *c, const char *table,
			      long long *max_id, migc_error *err);
int migc_sqlite_runner_alive(struct migc_conn *c,
			     const struct migc_history_row *row,
			     migc_error *err);

#endif /* MIGC_DRIVER_SQLITE_H */
