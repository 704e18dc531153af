/*
 * driver_pg_pipeline.c - the last round trip of a transactional migration
 * on PostgreSQL: its history row's INSERT and the COMMIT sent together in
 * libpq's pipeline mode (libpq 14+; pq_load.h resolves the pipeline
 * functions optionally, and an older libpq sends the two one after the
 * other). On a direct connection the next transaction's attempt (BEGIN,
 * lock, timeouts, stamp: driver_pg.c's migc_pg_attempt_queue) follows the
 * COMMIT in the same pipeline, so an applied migration costs two round
 * trips: its SQL (driver_pg_exec.c), and INSERT + COMMIT + the next
 * attempt (here). The INSERT's SQL, parameters and prepared statement
 * bookkeeping are driver_pg_history.c's.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "driver_pg.h"
#include "util.h"

/*
 * Read a pipeline of `n` statements and its sync point: each one's first
 * result into res[i] (NULL when none came: a lost connection). libpq ends
 * each statement's results with a NULL, then gives the sync's
 * PGRES_PIPELINE_SYNC.
 */
static void pipeline_read(struct migc_conn *c, PGresult **res, int n)
{
	int i = 0;

	for (;;) {
		PGresult *r = PQgetResult(c->pg);

		if (!r) {
			if (PQstatus(c->pg) != CONNECTION_OK || ++i > n)
				break;
			continue;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (i < n && !res[i])
			res[i] = r;
		else
			PQclear(r);
	}
}

/* Back to ordinary mode. Everything was read up to the sync point, so
 * this only fails on a lost connection (which nothing uses any more:
 * rollback() checks the status first) or after a protocol surprise,
 * where the results still due are read and dropped. */
static void pipeline_exit(struct migc_conn *c)
{
	int tries = 0;

	while (!PQexitPipelineMode(c->pg) &&
	       PQstatus(c->pg) == CONNECTION_OK && tries++ < 16) {
		PGresult *r = PQgetResult(c->pg);

		PQclear(r);
	}
}

/* The history row, then COMMIT, one after the other (a libpq before 14). */
static int insert_then_commit(struct migc_conn *c, const char *table,
			      const struct migc_history_row *row, long long *id,
			      int *at_commit, migc_error *err)
{
	int rc = migc_pg_history_insert(c, table, row, id, err);

	if (rc)
		return rc;
	*at_commit = 1;
	return migc_pg_commit(c, err);
}

/* The server answered this statement with an error and the connection
 * is still there: the pipeline stopped at it, nothing after it ran. */
static int refused(struct migc_conn *c, const PGresult *r)
{
	return r && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
	       PQstatus(c->pg) == CONNECTION_OK;
}

/* Which statements a pipeline holds: res[] indexes (-1: not sent). */
enum { P_PREPARE, P_INSERT, P_COMMIT, P_MAX };

/*
 * The driver's history_insert_commit(): the INSERT and COMMIT sent
 * together in pipeline mode (libpq 14+), one round trip instead of two.
 * All through the extended protocol: on a direct connection the INSERT is
 * the prepared statement (its Parse goes first in the same pipeline the
 * first time), behind a pooler unnamed (the pooler keeps the server
 * connection for us until the COMMIT, as for any statement of the
 * transaction). What each failure means:
 *
 *  - the server refused the Parse or the INSERT: it skipped the rest (a
 *    pipeline stops at its first error until the sync point) and the
 *    transaction is aborted: an insert failure, exactly as before (a
 *    prepared statement found gone, 26000, or one already there, 42P05,
 *    is the same lost transaction as in exec_history(), driver_pg_history.c);
 *  - the INSERT succeeded and the COMMIT failed (serialization, deferred
 *    constraint): a commit failure, as before;
 *  - no answer to the INSERT, or the connection lost with it (a server
 *    crash, a pooler's own error): the COMMIT may have run, so it is
 *    reported as a commit failure, whose outcome is unknown (`migrate
 *    status` tells), never as a rolled-back insert. Before pipelining, a
 *    connection lost during the INSERT was reported as an insert failure.
 */
int migc_pg_history_insert_commit(struct migc_conn *c, const char *table,
				  const struct migc_history_row *row,
				  long long *id, int *at_commit,
				  migc_error *err)
{
	/* P_MAX, then the next transaction's attempt */
	PGresult *res[P_MAX + MIGC_PG_ATTEMPT_MAX] = {NULL}, *why;
	int named, prepare = 0, sent, rc, i, ahead = 0;
	struct migc_pg_insert s;
	char name[48] = "";

	*at_commit = 0;
	if (!PQenterPipelineMode) /* the loaded libpq is older than 14 */
		return insert_then_commit(c, table, row, id, at_commit, err);
	c->stamp_ready = 0;
	rc = migc_pg_insert_init(c, table, row, &s, err);
	if (rc) {
		migc_buf_free(&s.sql);
		return rc;
	}
	named = s.prepared && !c->pooled && !c->prep_off;
	prepare = named && !migc_pg_prep_name(c, table, MIGC_PG_PREP_INSERT,
					      name, sizeof(name));
	if (!PQenterPipelineMode(c->pg)) {
		migc_buf_free(&s.sql);
		return insert_then_commit(c, table, row, id, at_commit, err);
	}
	sent = !prepare || PQsendPrepare(c->pg, name, s.sql.data, s.n, NULL);
	if (sent && named)
		sent = PQsendQueryPrepared(c->pg, name, s.n, s.params, NULL,
					   NULL, 0);
	else if (sent)
		sent = PQsendQueryParams(c->pg, s.sql.data, s.n, NULL,
					 s.params, NULL, NULL, 0);
	migc_buf_free(&s.sql);
	if (!sent) { /* queued at most, never sent */
		pipeline_exit(c);
		return migc_pg_fail(c, NULL, MIGC_EDB, "cannot write the "
				    "history table", err);
	}
	/* the next transaction's attempt after the COMMIT, before the one
	 * sync point: one round trip for both (an error of the INSERT or the
	 * COMMIT skips it, and the engine's rollback ends what is left) */
	sent = PQsendQueryParams(c->pg, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
	if (sent)
		ahead = migc_pg_attempt_queue(c);
	if (sent && PQpipelineSync(c->pg))
		pipeline_read(c, res + !prepare, P_MAX - !prepare + ahead);
	if (ahead > 0)
		migc_pg_attempt_ahead(c, res + P_MAX, ahead);
	pipeline_exit(c);

	if (prepare && migc_pg_ok(res[P_PREPARE]))
		c->prep_bits |= 1u << MIGC_PG_PREP_INSERT;
	why = refused(c, res[P_PREPARE]) ? res[P_PREPARE]
	      : refused(c, res[P_INSERT]) ? res[P_INSERT] : NULL;
	if (why) {
		/* the server refused the Parse or the INSERT, skipped the
		 * rest; the transaction is aborted */
		for (i = 0; i < P_MAX; i++)
			if (res[i] != why)
				PQclear(res[i]);
		if (migc_pg_sqlstate_is(why, "26000") || migc_pg_sqlstate_is(why, "42P05")) {
			c->prep_off = 1;
			return migc_pg_lost_statement(c, why, err);
		}
		return migc_pg_insert_result(c, why, id, err);
	}
	PQclear(res[P_PREPARE]);
	*at_commit = 1; /* from here on the COMMIT may have run */
	if (!res[P_INSERT] || !migc_pg_ok(res[P_INSERT])) {
		/* no answer, or the connection is gone with it */
		why = res[P_INSERT] ? res[P_INSERT] : res[P_COMMIT];
		PQclear(why == res[P_INSERT] ? res[P_COMMIT] : NULL);
		return migc_pg_fail(c, why, MIGC_EDB, "cannot commit", err);
	}
	rc = migc_pg_insert_result(c, res[P_INSERT], id, err);
	if (rc) { /* no row came back: the COMMIT ran all the same */
		PQclear(res[P_COMMIT]);
		return rc;
	}
	if (!migc_pg_ok(res[P_COMMIT]))
		return migc_pg_fail(c, res[P_COMMIT], MIGC_EDB, "cannot commit",
				    err);
	if (strcmp(PQcmdStatus(res[P_COMMIT]), "COMMIT") != 0) {
		PQclear(res[P_COMMIT]);
		migc_err(err, MIGC_EDB, "%s: the transaction had failed and was "
			 "rolled back at COMMIT", c->label);
		return MIGC_EDB;
	}
	PQclear(res[P_COMMIT]);
	return 0;
}
