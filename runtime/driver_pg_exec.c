/*
 * driver_pg_exec.c - running a migration's SQL on PostgreSQL.
 *
 * A transactional migration runs inside the transaction begin() opened,
 * which set `SET LOCAL lock_timeout` / `statement_timeout` of the options
 * (driver_pg.c); a file's directives that differ are set here. Then the
 * whole file goes as ONE simple-query string. In an
 * explicit transaction block every statement of such a string belongs to
 * that transaction, and the first error aborts the rest, so the file is
 * all-or-nothing with its history row. What would break that - a
 * top-level BEGIN/COMMIT/ROLLBACK/SAVEPOINT in the file - is refused
 * before anything is sent (migc_sql_check_transaction_control). Sending
 * the file whole means the server, not our lexer, decides what a statement
 * is; PostgreSQL's error position (characters into the string) gives the
 * line.
 *
 * A no-transaction migration is split by the lexer (CREATE INDEX
 * CONCURRENTLY refuses to run inside a multi-statement string) and run one
 * statement per PQexec in autocommit, with session-level timeouts that are
 * RESET afterwards. A failed CONCURRENTLY build leaves an INVALID index
 * behind: it is named in the error so a human can drop it before
 * `migrate resolve`.
 *
 * SQLSTATE 55P03 (lock_not_available: lock_timeout) and 40P01 (deadlock)
 * in a transactional migration are MIGC_EBUSY: nothing was applied, and
 * the engine retries the migration with backoff. 57014 after interrupt()
 * is MIGC_EINTR.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driver_pg.h"
#include "sqllex.h"
#include "util.h"

/* The file's directive, else the option. */
static long lock_timeout(const struct migc_conn *c, const migc_migration *m)
{
	return m->lock_timeout_ms >= 0 ? m->lock_timeout_ms : c->db_lock_timeout_ms;
}

static long statement_timeout(const struct migc_conn *c,
			      const migc_migration *m)
{
	return m->statement_timeout_ms >= 0 ? m->statement_timeout_ms
					    : c->statement_timeout_ms;
}

/* Server messages while a migration runs: WARNING as a warning event,
 * NOTICE and INFO (RAISE NOTICE, "... does not exist, skipping") as info.
 * Outside a migration (our own IF NOT EXISTS) they are dropped. */
void migc_pg_on_notice(void *arg, const PGresult *r)
{
	struct migc_conn *c = arg;
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	char msg[1024];

	if (!c->running || !primary)
		return;
	snprintf(msg, sizeof(msg), "%s: %s: %s", c->running->filename,
		 sev ? sev : "NOTICE", primary);
	migc_pg_event(c, sev && strcmp(sev, "WARNING") == 0
		      ? MIGC_EVENT_WARNING : MIGC_EVENT_INFO, c->running, msg);
}

/* ------------------------------------------------------------------ */
/* Sending SQL                                                         */
/* ------------------------------------------------------------------ */

static int is_copy(ExecStatusType st)
{
	return st == PGRES_COPY_IN || st == PGRES_COPY_OUT ||
	       st == PGRES_COPY_BOTH;
}

/* Leave COPY mode: refuse to send data, throw away data sent to us. */
static void end_copy(struct migc_conn *c, ExecStatusType st)
{
	char *buf;

	if (st == PGRES_COPY_IN) {
		PQputCopyEnd(c->pg, "COPY FROM STDIN has no data in a migration");
		return;
	}
	while (PQgetCopyData(c->pg, &buf, 0) > 0)
		PQfreemem(buf);
}

/*
 * PQexec, also through COPY: the statements after a COPY of the string
 * come one result at a time. Returns the first error, else the last
 * result; NULL when the connection is gone.
 */
static PGresult *exec_all(struct migc_conn *c, const char *sql)
{
	PGresult *r = PQexec(c->pg, sql), *keep = NULL;

	if (!r || !is_copy(PQresultStatus(r)))
		return r;
	do {
		if (is_copy(PQresultStatus(r))) {
			end_copy(c, PQresultStatus(r));
			PQclear(r);
		} else if (!keep || migc_pg_ok(keep)) {
			PQclear(keep);
			keep = r;
		} else {
			PQclear(r); /* keep the first error */
		}
	} while ((r = PQgetResult(c->pg)));
	return keep;
}

/* Run `sql` (our own SET/RESET); 0 or MIGC_EDB. */
static int run(struct migc_conn *c, const char *sql, migc_error *err)
{
	PGresult *r = PQexec(c->pg, sql);

	if (!migc_pg_ok(r))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot set the timeouts", err);
	PQclear(r);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static const char *field(const PGresult *r, int code)
{
	const char *v = r ? PQresultErrorField(r, code) : NULL;

	return v ? v : "";
}

/* DETAIL and HINT of the server's error, for err->hint. */
static void server_hint(const PGresult *r, migc_error *err)
{
	const char *detail = field(r, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = field(r, PG_DIAG_MESSAGE_HINT);

	if (*detail || *hint)
		migc_err_hint(err, "%s%s%s%s%s", *detail ? "DETAIL: " : "",
			      detail, *detail && *hint ? " " : "",
			      *hint ? "HINT: " : "", hint);
}

/* Which error code, and what to say before the server's words. */
static int classify(struct migc_conn *c, const migc_migration *m,
		    const PGresult *r, int notx, char *why, size_t size)
{
	const char *state = field(r, PG_DIAG_SQLSTATE);

	*why = '\0';
	if (!r || PQstatus(c->pg) != CONNECTION_OK) {
		migc_strlcpy(why, "lost the connection to the server: ", size);
		return MIGC_EFAILED;
	}
	if (strcmp(state, "57014") == 0 && c->interrupted) {
		migc_strlcpy(why, "interrupted: ", size);
		return MIGC_EINTR;
	}
	if (strcmp(state, "57014") == 0 && statement_timeout(c, m) > 0) {
		snprintf(why, size, "statement timeout (%ld ms, --statement-"
			 "timeout or -- migc:statement-timeout): ",
			 statement_timeout(c, m));
		return MIGC_EFAILED;
	}
	if (strcmp(state, "55P03") == 0 || strcmp(state, "40P01") == 0) {
		if (strcmp(state, "55P03") == 0)
			snprintf(why, size, "lock timeout (waited %ld ms for a "
				 "lock; --db-lock-timeout or -- migc:lock-timeout): ",
				 lock_timeout(c, m));
		else
			migc_strlcpy(why, "deadlock: ", size);
		return notx ? MIGC_EFAILED : MIGC_EBUSY;
	}
	return MIGC_EFAILED;
}

/*
 * A failed statement of `m`: "FILE:LINE: ERROR 42P01: relation ..." with
 * the line from the server's position (characters into the text that was
 * sent, which began at byte `offset` of the file), else `line`.
 * `extra` (may be "") is appended. Clears `r`.
 */
static int sql_error(struct migc_conn *c, const migc_migration *m,
		     PGresult *r, size_t offset, int line, int notx,
		     const char *extra, migc_error *err)
{
	const char *pos = field(r, PG_DIAG_STATEMENT_POSITION);
	char why[300], what[700];
	int code = classify(c, m, r, notx, why, sizeof(why));

	if (*pos) {
		char *end;
		long p = strtol(pos, &end, 10);
		int at = *end ? 0 : migc_sql_line_at(m->sql, m->sql_len, offset, p);

		if (at > 0)
			line = at;
	}
	migc_pg_describe(c, r, what, sizeof(what));
	if (line > 0 && m->sql_line > 1) /* a section of its file (goose) */
		line += m->sql_line - 1;
	if (line > 0)
		migc_err(err, code, "%s:%d: %s%s%s", m->filename, line, why,
			 what, extra);
	else
		migc_err(err, code, "%s: %s%s%s", m->filename, why, what, extra);
	migc_err_where(err, m->filename, line);
	migc_err_version(err, m->version);
	server_hint(r, err);
	PQclear(r);
	migc_pg_scrub_err(c, err);
	return code;
}

/* ------------------------------------------------------------------ */
/* Transactional                                                       */
/* ------------------------------------------------------------------ */

/* The line of a file's only statement, else 0: where an error without a
 * position (a statement timeout, say) can only have happened. */
static int only_statement_line(const migc_migration *m)
{
	migc_sql_stmt *st = NULL;
	size_t n = 0;
	int line = 0;

	if (migc_sql_split(&st, &n, m->filename, m->sql, m->sql_len, NULL) == 0 &&
	    n == 1)
		line = st[0].line;
	free(st);
	return line;
}

static int exec_tx(struct migc_conn *c, const migc_migration *m,
		   migc_error *err)
{
	char set[160];
	PGresult *r;
	int rc;

	rc = migc_sql_check_transaction_control(m->filename, m->sql,
						m->sql_len, err);
	if (rc) {
		migc_err_version(err, m->version);
		return rc;
	}
	/* begin() set the options' timeouts: only a file's own are sent */
	if (lock_timeout(c, m) != c->db_lock_timeout_ms ||
	    statement_timeout(c, m) != c->statement_timeout_ms) {
		snprintf(set, sizeof(set), "SET LOCAL lock_timeout = %ld; "
			 "SET LOCAL statement_timeout = %ld", lock_timeout(c, m),
			 statement_timeout(c, m));
		rc = run(c, set, err);
		if (rc)
			return rc;
	}
	if (c->interrupted)
		return migc_err(err, MIGC_EINTR, "%s: interrupted", m->filename);
	r = exec_all(c, m->sql);
	if (migc_pg_ok(r)) {
		PQclear(r);
		return 0;
	}
	return sql_error(c, m, r, 0, only_statement_line(m), 0, "", err);
}

/* ------------------------------------------------------------------ */
/* No transaction                                                      */
/* ------------------------------------------------------------------ */

/* ", and left INVALID index(es) public.x: DROP INDEX CONCURRENTLY ..."
 * when the failed statement was a CONCURRENTLY build. */
static void invalid_indexes(struct migc_conn *c, const char *stmt, char *out,
			    size_t size)
{
	static const char sql[] =
		"SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' "
		"ORDER BY n.nspname, c.relname) FROM pg_index i "
		"JOIN pg_class c ON c.oid = i.indexrelid "
		"JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE NOT i.indisvalid AND n.nspname = ANY (current_schemas(false))";
	const char *p;
	PGresult *r;

	*out = '\0';
	for (p = stmt; *p && strncasecmp(p, "concurrently", 12) != 0; p++)
		;
	if (!*p || PQstatus(c->pg) != CONNECTION_OK)
		return;
	r = PQexec(c->pg, sql);
	if (migc_pg_ok(r) && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		snprintf(out, size, "; it left the INVALID index %s: drop it "
			 "with DROP INDEX CONCURRENTLY before `migrate resolve`",
			 PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* Statement `i` of `st`, NUL-terminated in the copy `buf`, then run. */
static PGresult *exec_stmt(struct migc_conn *c, char *buf,
			   const migc_sql_stmt *st)
{
	char *end = buf + st->start + st->len, save = *end;
	PGresult *r;

	*end = '\0';
	r = exec_all(c, buf + st->start);
	*end = save;
	return r;
}

/* Statement by statement in autocommit; stops at the first failure. */
static int run_statements(struct migc_conn *c, const migc_migration *m,
			  char *buf, const migc_sql_stmt *st, size_t n,
			  migc_error *err)
{
	char extra[700], idx[600];
	size_t i;

	for (i = 0; i < n; i++) {
		PGresult *r;

		if (c->interrupted)
			return migc_err(err, MIGC_EINTR, "%s:%d: interrupted "
					"before statement %zu of %zu",
					m->filename, st[i].line, i + 1, n);
		r = exec_stmt(c, buf, &st[i]);
		if (migc_pg_ok(r)) {
			PQclear(r);
			continue;
		}
		/* a failed statement inside the file's own BEGIN: end it
		 * before asking the catalog anything */
		migc_pg_rollback(c);
		buf[st[i].start + st[i].len] = '\0';
		invalid_indexes(c, buf + st[i].start, idx, sizeof(idx));
		snprintf(extra, sizeof(extra), " (statement %zu of %zu)%s",
			 i + 1, n, idx);
		return sql_error(c, m, r, st[i].start, st[i].line, 1, extra, err);
	}
	if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		migc_pg_rollback(c);
		migc_err(err, MIGC_EFAILED, "%s: the migration left a transaction "
			 "open (rolled back)", m->filename);
		migc_err_where(err, m->filename, 0);
		return MIGC_EFAILED;
	}
	return 0;
}

static int exec_notx(struct migc_conn *c, const migc_migration *m,
		     migc_error *err)
{
	migc_sql_stmt *st = NULL;
	char set[160], *buf;
	size_t n = 0;
	int rc;

	rc = migc_sql_split(&st, &n, m->filename, m->sql, m->sql_len, err);
	if (rc)
		return rc;
	buf = malloc(m->sql_len + 1);
	if (!buf) {
		free(st);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	memcpy(buf, m->sql, m->sql_len + 1);
	snprintf(set, sizeof(set), "SET lock_timeout = %ld; "
		 "SET statement_timeout = %ld", lock_timeout(c, m),
		 statement_timeout(c, m));
	rc = run(c, set, err);
	if (!rc)
		rc = run_statements(c, m, buf, st, n, err);
	if (PQstatus(c->pg) == CONNECTION_OK)
		PQclear(PQexec(c->pg, "RESET lock_timeout; RESET statement_timeout"));
	free(buf);
	free(st);
	return rc;
}

int migc_pg_exec(struct migc_conn *c, const migc_migration *m,
		 migc_error *err)
{
	int rc;

	c->stamp_ready = 0;
	c->running = m;
	if (m->flags & MIGC_FLAG_NO_TRANSACTION)
		rc = exec_notx(c, m, err);
	else
		rc = exec_tx(c, m, err);
	c->running = NULL;
	return rc;
}
