/*
 * driver_pg.h - internals shared by the PostgreSQL driver's files:
 * driver_pg.c (connecting, the per-transaction migration lock, the vtable),
 * driver_pg_exec.c (running a migration's SQL), driver_pg_history.c (the
 * history table), driver_pg_runner.c (who runs a "running" row),
 * driver_pg_pipeline.c (a migration's history row and
 * COMMIT in one round trip) and driver_pg_progress.c (index build
 * progress, from another thread). Not installed; nothing outside these files uses it.
 */
#ifndef MIGC_DRIVER_PG_H
#define MIGC_DRIVER_PG_H

#include <signal.h>

#include "driver.h"
#include "pg_url.h"
#include "pq_load.h" /* libpq-fe.h, libpq loaded on first use */
#include "util.h"       /* migc_buf */

/* How long a runner's token may be seen idle before its "running" row is
 * taken for a dead runner's (driver_pg_history.c). */
#define MIGC_PG_RUNNER_GRACE_MS 10000
#define MIGC_PG_PEERS 8

/* What this connection saw of the runner of one "running" row. */
struct migc_pg_peer {
	long long id;       /* the history row; 0: a free slot */
	long long first_ms; /* when runner_alive() first looked at it */
	long long busy_ms;  /* when its token was last seen busy (0: never) */
	int pooled;         /* its token was busy on another backend */
};

struct migc_conn {
	PGconn *pg;
	PGcancel *cancel;  /* for interrupt(), from a signal handler */
	char label[300];   /* "user@host:port/dbname": never a password */
	char *secrets[MIGC_PG_MAX_SECRETS]; /* scrubbed from every message */
	size_t nsecrets;
	char schema[128];  /* current_schema() at connect, for the lock key */
	char key_table[160]; /* the history table the key is for */
	long long lock_key;  /* pg_try_advisory_xact_lock(lock_key) */
	char *role;          /* quoted role for SET LOCAL ROLE, or NULL */

	/* from the options given to connect() */
	int lock_timeout_ms;       /* waiting for the migration lock */
	long db_lock_timeout_ms;   /* SET LOCAL lock_timeout */
	long statement_timeout_ms; /* SET LOCAL statement_timeout */
	migc_event_cb on_event;
	void *event_ctx;

	const migc_migration *running; /* for notices, while exec() runs */
	char table_seen[160]; /* a history table known to exist */
	int told_wait;        /* "waiting for the lock" said once */
	unsigned seed;        /* jitter */
	char token[MIGC_PG_TOKEN_LEN + 1]; /* in our application_name, or "" */
	struct migc_pg_peer peers[MIGC_PG_PEERS]; /* for runner_alive() */
	char seen_qualified[330]; /* table_seen, quoted ("" when none) */

	/* Our backend as a "running" row names it, "PID:MICROS" ("PID:"
	 * when the server hides the start), and whether pg_stat_activity
	 * showed our token: asked at the first "running" row (runner_known;
	 * driver_pg_history.c). */
	char runner[48];
	int runner_token;
	int runner_known;
	/* PQbackendPID() is not pg_backend_pid(): a pooler (PgBouncer sends
	 * its own number) may lend us another backend every transaction, so
	 * nothing session-level is kept on the server (no named prepared
	 * statements) and a "running" row asks for its backend each time. */
	int pooled;

	/* The history statements kept prepared on a direct connection
	 * (driver_pg_history.c): for prep_table, bit i for statement i,
	 * named after prep_gen (bumped when the table changes). prep_off:
	 * a prepared statement was gone once, unnamed ones from then on. */
	char prep_table[160];
	unsigned prep_bits, prep_gen;
	int prep_off;
	/* The history INSERT's text for insert_table, formatted once
	 * (driver_pg_history.c); freed by close. */
	char insert_table[160];
	char *insert_sql;

	/* The history's stamp, read by begin() in the same round trip as
	 * the lock, for the next history_stamp() of stamp_table; any other
	 * statement drops it (stamp_ready = 0). */
	char stamp_table[160];
	long long stamp;
	int stamp_ready;
	/* The next transaction was begun, and the lock taken, ahead of
	 * begin() (migc_pg_attempt_queue): begin() returns at once. */
	int ahead;
	volatile sig_atomic_t interrupted; /* set from a signal handler */

	/* Set by connect() and never changed afterwards: progress() reads
	 * them from another thread (driver_pg_progress.c). */
	struct migc_pg_conninfo conninfo; /* what connected (password too) */
	char host[256], hostaddr[64], port[16]; /* the server it reached */
	char app_name[MIGC_PG_APP_NAME_MAX + 1]; /* as the server shows it */
	int backend_pid;    /* PQbackendPID (a pooler's own number behind one) */
	int server_version; /* PQserverVersion */

	/* Only progress() touches these, and close() once it cannot run. */
	PGconn *progress_pg; /* the second connection, opened on first use */
	int progress_off;    /* it failed once: progress() stays quiet */
};

/* 1 when `r` is a successful command or query result. */
int migc_pg_ok(const PGresult *r);

/*
 * "ERROR 42P01: relation "x" does not exist" for a failed result, or
 * libpq's own first line (a lost connection) when the server sent none.
 */
void migc_pg_describe(struct migc_conn *c, const PGresult *r, char *out,
		      size_t size);

/* A database error outside a migration: "<label>: <what>: <describe>".
 * Clears `r` (which may be NULL) and returns `code`. */
int migc_pg_fail(struct migc_conn *c, PGresult *r, int code, const char *what,
		 migc_error *err);

/* Remove every secret of the connection from err's texts. */
void migc_pg_scrub_err(struct migc_conn *c, migc_error *err);

/* Run a statement with text parameters (NULL entries are SQL NULL). */
PGresult *migc_pg_exec_params(struct migc_conn *c, const char *sql,
			      int nparams, const char *const *params);

/* The driver's lock(), unlock() and interrupt() (driver_pg_tx.c). */
int migc_pg_lock(struct migc_conn *c, const char *table, int timeout_ms,
		 migc_error *err);
int migc_pg_unlock(struct migc_conn *c, migc_error *err);
void migc_pg_interrupt(struct migc_conn *c);

/* The driver's begin(): BEGIN and the migration lock, polled. */
int migc_pg_begin(struct migc_conn *c, migc_error *err);
int migc_pg_commit(struct migc_conn *c, migc_error *err);
void migc_pg_rollback(struct migc_conn *c);

/* The next begin()'s attempt sent ahead, queued in a pipeline after a
 * COMMIT (driver_pg_pipeline.c): queue() returns how many statements it
 * queued, each with a result (0 when the connection cannot: behind a
 * pooler, nothing prepared yet); ahead() takes those results, read after
 * the pipeline's sync point (clearing them). */
#define MIGC_PG_ATTEMPT_MAX 4 /* BEGIN, SET LOCAL ROLE, lock, stamp */
int migc_pg_attempt_queue(struct migc_conn *c);
void migc_pg_attempt_ahead(struct migc_conn *c, PGresult **res, int n);

/* Point the lock key at `table` ("t" or "schema.t"). */
void migc_pg_set_key(struct migc_conn *c, const char *table);

/* Send an event to the options' callback, if any. */
void migc_pg_event(struct migc_conn *c, migc_event_type type,
		   const migc_migration *m, const char *message);

/* driver_pg_exec.c */
int migc_pg_exec(struct migc_conn *c, const migc_migration *m,
		 migc_error *err);
void migc_pg_on_notice(void *arg, const PGresult *r);

/* driver_pg_history.c */
int migc_pg_history_ensure(struct migc_conn *c, const char *table,
			   migc_error *err);
int migc_pg_history_read(struct migc_conn *c, const char *table,
			 struct migc_history *out, migc_error *err);
int migc_pg_history_read_brief(struct migc_conn *c, const char *table,
			       struct migc_history *out, migc_error *err);
int migc_pg_history_insert(struct migc_conn *c, const char *table,
			   const struct migc_history_row *row, long long *id,
			   migc_error *err);
/* driver_pg_history.c, for driver_pg_pipeline.c: a history row's INSERT,
 * its SQL and parameters (free `sql` after init, also after a failure).
 * `prepared`: it may run as the statement kept prepared, bit
 * MIGC_PG_PREP_INSERT of prep_bits, named "migc_history_<prep_gen>_0". */
#define MIGC_PG_PREP_INSERT 0
struct migc_pg_insert {
	migc_buf sql;
	const char *params[13];
	int n;
	int prepared;
	char duration[32];
};
int migc_pg_insert_init(struct migc_conn *c, const char *table,
			const struct migc_history_row *row,
			struct migc_pg_insert *s, migc_error *err);
/* The INSERT's answer: its id into *id (may be NULL); clears `r`. */
int migc_pg_insert_result(struct migc_conn *c, PGresult *r, long long *id,
			  migc_error *err);
/* driver_pg_history.c: the statements kept prepared on a direct
 * connection, bit `which` of prep_bits, for history table `table`:
 * migc_pg_prep_name() writes the name of statement `which`
 * ("migc_history_<prep_gen>_<which>", starting a new generation when the
 * table changes) and says whether it is prepared already;
 * migc_pg_prepared() prepares it when it is not (outside a transaction
 * only; one round trip, once) and returns 1 when `name` is ready for
 * EXECUTE, 0 when the connection keeps nothing prepared (pooled, prep_off,
 * in a transaction, or the server refused). */
#define MIGC_PG_PREP_STAMP 1
#define MIGC_PG_PREP_LOCK 2
int migc_pg_prep_name(struct migc_conn *c, const char *table, unsigned which,
		      char *name, size_t size);
int migc_pg_prepared(struct migc_conn *c, const char *table, unsigned which,
		     const char *sql, int n, char *name, size_t size);
/* The quoted name of history table `table` ("s"."t" or "t"), and
 * remembering that it exists (setup() asks at connect). */
int migc_pg_history_qualified(struct migc_conn *c, const char *table,
			      char *out, size_t size, migc_error *err);
void migc_pg_history_seen(struct migc_conn *c, const char *table,
			  const char *qualified);
/* A prepared history statement found gone inside a transaction: the
 * transaction is lost, MIGC_EBUSY (the apply loop runs it again). */
int migc_pg_lost_statement(struct migc_conn *c, PGresult *r, migc_error *err);
/* 1 when `r` failed with SQLSTATE `state`. */
int migc_pg_sqlstate_is(const PGresult *r, const char *state);

/* driver_pg_pipeline.c: the history row and COMMIT in one round trip. */
int migc_pg_history_insert_commit(struct migc_conn *c, const char *table,
				  const struct migc_history_row *row,
				  long long *id, int *at_commit,
				  migc_error *err);
int migc_pg_history_update(struct migc_conn *c, const char *table,
			   long long id, migc_hstate state,
			   long long duration_ms, const char *note,
			   migc_error *err);
int migc_pg_history_stamp(struct migc_conn *c, const char *table,
			  long long *max_id, migc_error *err);
/* A decimal integer, all of `s`: 0, or -1. */
int migc_pg_parse_ll(const char *s, long long *out);

/* driver_pg_runner.c: our backend as a "running" row names it (once per
 * connection, c->runner), and the driver's runner_alive(). */
int migc_pg_runner_self(struct migc_conn *c, migc_error *err);
int migc_pg_runner_alive(struct migc_conn *c,
			 const struct migc_history_row *row, migc_error *err);

/* driver_pg_progress.c: the driver's progress(), and closing its second
 * connection (from close(), when no progress() call can be running). */
int migc_pg_progress(struct migc_conn *c, char *out, size_t size,
		     migc_error *err);
void migc_pg_progress_close(struct migc_conn *c);

#endif /* MIGC_DRIVER_PG_H */
