/*
 * driver_pg_tx.c - the PostgreSQL driver's migration lock and transactions
 * (begin, commit, rollback, interrupt), and the attempt a COMMIT's pipeline
 * sends ahead for the next begin().
 *
 * Locking is per transaction. begin() is `BEGIN`, the role and the
 * options' timeouts (SET LOCAL), `pg_try_advisory_xact_lock(key)` and the
 * history's stamp, in one simple-query string (one round trip; on a direct
 * connection the lock and the stamp are EXECUTEs of statements prepared
 * once, as the history INSERT is: driver_pg_history.c); when
 * another runner holds the key it rolls back, sleeps (10 ms doubling to
 * 1 s, with jitter) and tries again until the lock timeout. So a waiting
 * runner never sits in a blocking lock call nor in an open transaction (a
 * concurrent CREATE INDEX CONCURRENTLY of the holder waits for every open
 * transaction: peers deadlocked exactly there in other tools), and the
 * lock needs no session state, so it holds behind PgBouncer's transaction
 * pooling and dies with the transaction or the connection. lock() is a
 * no-op, unlock() ends a transaction left open. The transaction ends, for
 * an applied migration, with its history row and COMMIT in one round trip
 * (driver_pg_pipeline.c), and on a direct connection the next
 * transaction's attempt goes in the same round trip
 * (migc_pg_attempt_queue): two round trips per migration, its SQL and that.
 *
 * The key is a hash of "migc:" and the schema-qualified history table
 * (pg_url.h), so two applications with their own history tables in one
 * database do not wait for each other.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_pg.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* The migration lock and transactions                                 */
/* ------------------------------------------------------------------ */

/* Per transaction (see begin): nothing to do for the session. */
int migc_pg_lock(struct migc_conn *c, const char *table, int timeout_ms,
		 migc_error *err)
{
	(void)timeout_ms;
	(void)err;
	migc_pg_set_key(c, table);
	return 0;
}

/* The engine's last call: nothing of ours stays open (a transaction
 * begun ahead, migc_pg_attempt_queue, when the loop stopped after it). */
int migc_pg_unlock(struct migc_conn *c, migc_error *err)
{
	(void)err;
	migc_pg_rollback(c);
	return 0;
}

/* Who holds the key: "pid 1234 (migc, 10.0.0.5) since 2026-...+00", or
 * "another session" when pg_locks no longer shows it. */
static void lock_holder(struct migc_conn *c, char *out, size_t size)
{
	static const char sql[] =
		"SELECT l.pid, coalesce(a.application_name, ''), "
		"coalesce(host(a.client_addr), a.client_hostname, 'local'), "
		"coalesce(to_char(a.xact_start AT TIME ZONE 'UTC', "
		"'YYYY-MM-DD HH24:MI:SS') || '+00', '') "
		"FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted "
		"AND l.database = (SELECT oid FROM pg_database "
		"WHERE datname = current_database()) "
		"AND l.classid = $1::oid AND l.objid = $2::oid "
		"AND l.objsubid = 1 LIMIT 1";
	unsigned long long key = (unsigned long long)c->lock_key;
	char hi[24], lo[24];
	const char *params[2] = {hi, lo};
	PGresult *r;

	snprintf(hi, sizeof(hi), "%llu", key >> 32);
	snprintf(lo, sizeof(lo), "%llu", key & 0xffffffffull);
	r = migc_pg_exec_params(c, sql, 2, params);
	if (migc_pg_ok(r) && PQntuples(r) == 1) {
		const char *since = PQgetvalue(r, 0, 3);
		const char *app = PQgetvalue(r, 0, 1);

		snprintf(out, size, "pid %s (%s%s%s)%s%s", PQgetvalue(r, 0, 0),
			 app, *app ? ", " : "", PQgetvalue(r, 0, 2),
			 *since ? " since " : "", since);
	} else {
		migc_strlcpy(out, "another session", size);
	}
	PQclear(r);
}

/* The results of try_lock()'s string: the first error, else the lock's
 * row and the stamp's (when asked for). */
struct attempt {
	PGresult *bad, *lock, *stamp;
};

static void attempt_read(struct migc_conn *c, struct attempt *a)
{
	PGresult *r;
	int rows = 0;

	while ((r = PQgetResult(c->pg))) {
		if (!migc_pg_ok(r) && !a->bad)
			a->bad = r;
		else if (!a->bad && PQresultStatus(r) == PGRES_TUPLES_OK &&
			 rows++ == 0)
			a->lock = r;
		else if (!a->bad && PQresultStatus(r) == PGRES_TUPLES_OK &&
			 !a->stamp)
			a->stamp = r;
		else
			PQclear(r);
	}
}

/* The attempt's answers: 0 and *got (and the stamp, when `stamp` and got),
 * or -1 when it failed or something is missing. Clears nothing. */
static int attempt_take(struct migc_conn *c, const struct attempt *a,
			int stamp, int *got)
{
	char *end;

	if (a->bad || !a->lock || PQntuples(a->lock) != 1 ||
	    (stamp && (!a->stamp || PQntuples(a->stamp) != 1)))
		return -1;
	*got = strcmp(PQgetvalue(a->lock, 0, 0), "t") == 0;
	if (*got && stamp) {
		c->stamp = strtoll(PQgetvalue(a->stamp, 0, 0), &end, 10);
		c->stamp_ready = !*end;
		migc_strlcpy(c->stamp_table, c->key_table, sizeof(c->stamp_table));
	}
	return 0;
}

/* The lock and the options' timeouts (set_config(..., true) is SET
 * LOCAL, in the lock's statement: one statement fewer per attempt), and
 * the history's stamp. */
static const char lock_sql[] =
	"SELECT pg_try_advisory_xact_lock($1::bigint), "
	"set_config('lock_timeout', $2::text, true), "
	"set_config('statement_timeout', $3::text, true)";

/*
 * try_lock()'s string: BEGIN, SET LOCAL ROLE, the lock and, when `stamp`,
 * the stamp. On a direct connection the lock and the stamp are statements
 * prepared once (EXECUTE: the server neither parses nor plans them again,
 * and max(id)'s plan was the dearest part of an attempt); behind a pooler,
 * or once a prepared statement was found gone, they are sent whole.
 */
static int attempt_sql(struct migc_conn *c, int stamp, char *sql, size_t size)
{
	char lock[48], max[48], text[400];
	int n, prepared;

	prepared = migc_pg_prepared(c, c->key_table, MIGC_PG_PREP_LOCK,
				    lock_sql, 3, lock, sizeof(lock));
	if (prepared && stamp) {
		n = snprintf(text, sizeof(text), "SELECT coalesce(max(id), 0) "
			     "FROM %s", c->seen_qualified);
		prepared = n > 0 && (size_t)n < sizeof(text) &&
			   migc_pg_prepared(c, c->key_table, MIGC_PG_PREP_STAMP,
					    text, 0, max, sizeof(max));
	}
	n = snprintf(sql, size, "BEGIN ISOLATION LEVEL READ COMMITTED; %s%s%s",
		     c->role ? "SET LOCAL ROLE " : "", c->role ? c->role : "",
		     c->role ? "; " : "");
	if (n < 0 || (size_t)n >= size)
		return -1;
	if (prepared)
		n += snprintf(sql + n, size - (size_t)n, "EXECUTE %s(%lld, "
			      "'%ld', '%ld')%s%s", lock, c->lock_key,
			      c->db_lock_timeout_ms, c->statement_timeout_ms,
			      stamp ? "; EXECUTE " : "", stamp ? max : "");
	else
		n += snprintf(sql + n, size - (size_t)n, "SELECT "
			      "pg_try_advisory_xact_lock(%lld), set_config("
			      "'lock_timeout', '%ld', true), set_config("
			      "'statement_timeout', '%ld', true)%s%s",
			      c->lock_key, c->db_lock_timeout_ms,
			      c->statement_timeout_ms,
			      stamp ? "; SELECT coalesce(max(id), 0) FROM " : "",
			      stamp ? c->seen_qualified : "");
	return n < 0 || (size_t)n >= size ? -1 : prepared;
}

/*
 * One attempt, in one round trip: BEGIN, SET LOCAL ROLE and the timeouts
 * of the options (exec() sets a file's own), try the key, and when the
 * history table is known to exist, its stamp for history_stamp(): in a
 * statement of its own, after the lock, so that its snapshot sees what
 * the previous holder committed. *got = 1 when held. A prepared statement
 * found gone (26000: a pooler not detected, a migration's DEALLOCATE ALL)
 * costs nothing but the attempt, sent again whole.
 */
static int try_lock(struct migc_conn *c, int *got, migc_error *err)
{
	int stamp = c->seen_qualified[0] && strcmp(c->table_seen, c->key_table) == 0;
	struct attempt a = {NULL, NULL, NULL};
	char sql[1024];
	int prepared, code;

	c->stamp_ready = 0;
	prepared = attempt_sql(c, stamp, sql, sizeof(sql));
	if (prepared < 0)
		return migc_err(err, MIGC_EUSAGE, "%s: the role or history "
				"table name is too long", c->label);
	if (PQsendQuery(c->pg, sql))
		attempt_read(c, &a);
	if (prepared && a.bad && migc_pg_sqlstate_is(a.bad, "26000")) {
		PQclear(a.bad);
		PQclear(a.lock);
		PQclear(a.stamp);
		migc_pg_rollback(c);
		c->prep_off = 1;
		return try_lock(c, got, err);
	}
	if (attempt_take(c, &a, stamp, got)) {
		/* our own cancel may land here, between two statements */
		code = c->interrupted ? MIGC_EINTR : MIGC_EDB;
		PQclear(a.lock);
		PQclear(a.stamp);
		migc_pg_fail(c, a.bad, code, "cannot begin a transaction", err);
		migc_pg_rollback(c);
		return code;
	}
	PQclear(a.lock);
	PQclear(a.stamp);
	return 0;
}

/*
 * The next transaction's attempt, sent ahead: history_insert_commit()
 * (driver_pg_pipeline.c) queues it in its pipeline after the COMMIT,
 * before the pipeline's one sync point, since the apply loop's next call
 * is begin() (driver.h), and so an applied migration costs two round trips
 * instead of three. Only on a direct connection whose lock and stamp are
 * prepared already (behind a pooler nothing is prepared, and the attempt
 * is begin()'s string as before). Its results are read with the
 * pipeline's: held, begin() returns at once; not held or failed (an error
 * of the INSERT or the COMMIT skips it), begin() rolls it back and tries as
 * always. Whatever else comes first ends it: rollback(), unlock() (the
 * engine's last call), close().
 */
int migc_pg_attempt_queue(struct migc_conn *c)
{
	char lock[48], max[48], key[24], lt[24], st[24], role[300];
	const char *params[3] = {key, lt, st};
	int n = 0;

	c->ahead = 0;
	if (c->pooled || c->prep_off || !c->seen_qualified[0] ||
	    strcmp(c->table_seen, c->key_table) != 0 ||
	    !migc_pg_prep_name(c, c->key_table, MIGC_PG_PREP_LOCK, lock,
			       sizeof(lock)) ||
	    !migc_pg_prep_name(c, c->key_table, MIGC_PG_PREP_STAMP, max,
			       sizeof(max)))
		return 0;
	snprintf(key, sizeof(key), "%lld", c->lock_key);
	snprintf(lt, sizeof(lt), "%ld", c->db_lock_timeout_ms);
	snprintf(st, sizeof(st), "%ld", c->statement_timeout_ms);
	if (c->role)
		snprintf(role, sizeof(role), "SET LOCAL ROLE %s", c->role);
	/* each queued statement has a result; queueing stops at a failure
	 * (attempt_ahead() then misses the lock's or the stamp's) */
	if (PQsendQueryParams(c->pg, "BEGIN ISOLATION LEVEL READ COMMITTED",
			      0, NULL, NULL, NULL, NULL, 0) &&
	    ++n && (!c->role || (PQsendQueryParams(c->pg, role, 0, NULL, NULL,
						   NULL, NULL, 0) && ++n)) &&
	    PQsendQueryPrepared(c->pg, lock, 3, params, NULL, NULL, 0) &&
	    ++n && PQsendQueryPrepared(c->pg, max, 0, NULL, NULL, NULL, 0))
		n++;
	return n;
}

void migc_pg_attempt_ahead(struct migc_conn *c, PGresult **res, int n)
{
	struct attempt a = {NULL, NULL, NULL};
	int i, bad = 0, got = 0;

	for (i = 0; i < n; i++) {
		if (!res[i] || !migc_pg_ok(res[i]))
			bad = 1; /* skipped (PIPELINE_ABORTED), failed, or lost */
		else if (PQresultStatus(res[i]) == PGRES_TUPLES_OK && !a.lock)
			a.lock = res[i];
		else if (PQresultStatus(res[i]) == PGRES_TUPLES_OK && !a.stamp)
			a.stamp = res[i];
	}
	if (!bad && a.stamp && !attempt_take(c, &a, 1, &got))
		c->ahead = got && PQtransactionStatus(c->pg) == PQTRANS_INTRANS;
	if (!c->ahead)
		c->stamp_ready = 0;
	for (i = 0; i < n; i++)
		PQclear(res[i]);
}

static int lock_timed_out(struct migc_conn *c, migc_error *err)
{
	char holder[400];

	lock_holder(c, holder, sizeof(holder));
	migc_err(err, MIGC_ELOCKED, "%s: could not take the migration lock "
		 "within %d ms: held by %s", c->label, c->lock_timeout_ms,
		 holder);
	migc_err_hint(err, "another migrate run holds it: wait for it to "
		      "finish, or raise --lock-timeout (pg_stat_activity shows "
		      "what it is doing)");
	migc_pg_scrub_err(c, err);
	return MIGC_ELOCKED;
}

/*
 * BEGIN and the migration lock, polled: try, and when another runner holds
 * it, roll back and sleep before the next try, so that nothing is held
 * while waiting. The first try happens even after an interrupt (the engine
 * then needs one more transaction to mark a migration failed).
 */
int migc_pg_begin(struct migc_conn *c, migc_error *err)
{
	long long start = migc_now_ms(), delay = 10;

	if (c->ahead && PQtransactionStatus(c->pg) == PQTRANS_INTRANS) {
		c->ahead = 0; /* held: sent ahead (migc_pg_attempt_queue) */
		return 0;
	}
	migc_pg_rollback(c); /* nothing may be left open from before */
	for (;;) {
		long long left, nap;
		int got = 0, rc;

		rc = try_lock(c, &got, err);
		if (rc || got)
			return rc;
		migc_pg_rollback(c);
		if (c->interrupted)
			return migc_err(err, MIGC_EINTR, "%s: interrupted while "
					"waiting for the migration lock", c->label);
		left = c->lock_timeout_ms - (migc_now_ms() - start);
		if (left <= 0)
			return lock_timed_out(c, err);
		if (!c->told_wait) {
			char holder[400], msg[600];

			lock_holder(c, holder, sizeof(holder));
			snprintf(msg, sizeof(msg), "the migration lock is held by "
				 "%s; waiting up to %d ms", holder,
				 c->lock_timeout_ms);
			migc_pg_event(c, MIGC_EVENT_INFO, NULL, msg);
			c->told_wait = 1;
		}
		nap = delay + (long long)(migc_xorshift(&c->seed) % (unsigned)(delay / 2 + 1));
		migc_sleep_ms(nap < left ? nap : left);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
}

/* COMMIT; a transaction that had failed answers ROLLBACK instead. */
int migc_pg_commit(struct migc_conn *c, migc_error *err)
{
	PGresult *r;

	c->stamp_ready = 0;
	r = PQexec(c->pg, "COMMIT");

	if (!migc_pg_ok(r))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot commit", err);
	if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		PQclear(r);
		migc_err(err, MIGC_EDB, "%s: the transaction had failed and was "
			 "rolled back at COMMIT", c->label);
		return MIGC_EDB;
	}
	PQclear(r);
	return 0;
}

void migc_pg_rollback(struct migc_conn *c)
{
	c->stamp_ready = 0;
	c->ahead = 0;
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK &&
	    PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		PQclear(PQexec(c->pg, "ROLLBACK"));
}

/* From a signal handler: PQcancel is async-signal-safe, and the lock
 * loop polls the flag between attempts. */
void migc_pg_interrupt(struct migc_conn *c)
{
	char errbuf[256];

	c->interrupted = 1;
	if (c->cancel)
		PQcancel(c->cancel, errbuf, sizeof(errbuf));
}
