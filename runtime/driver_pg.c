/*
 * driver_pg.c - the PostgreSQL backend (struct migc_driver) over libpq:
 * connecting, the migration lock, transactions, interrupting, and the
 * vtable. Running a migration's SQL is in driver_pg_exec.c, the history
 * table in driver_pg_history.c, index build progress (on a second
 * connection) in driver_pg_progress.c, URL handling in pg_url.c.
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
 *
 * Invariant: no message leaves this driver without its secrets (password,
 * sslpassword, PGPASSWORD) scrubbed out, although libpq and the server are
 * not known to print them; the URL itself is never printed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_pg.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Results and errors                                                  */
/* ------------------------------------------------------------------ */

int migc_pg_ok(const PGresult *r)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	/* PGRES_EMPTY_QUERY: SQL that is only comments (a fresh `migc new`
	 * file, an empty goose section) ran, and did nothing */
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	       st == PGRES_EMPTY_QUERY;
}

/* The first line of `text`, blanks collapsed, into out[size]. */
static void first_line(char *out, size_t size, const char *text)
{
	size_t n = 0;
	int blank = 0;

	for (; text && *text && *text != '\n' && n + 1 < size; text++) {
		if (*text == ' ' || *text == '\t') {
			blank = n > 0;
			continue;
		}
		if (blank && n + 2 < size)
			out[n++] = ' ';
		blank = 0;
		out[n++] = *text;
	}
	out[n] = '\0';
}

void migc_pg_describe(struct migc_conn *c, const PGresult *r, char *out,
		      size_t size)
{
	const char *sev = NULL, *state = NULL, *primary = NULL;

	if (r) {
		sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (primary) {
		snprintf(out, size, "%s %s: %s", sev ? sev : "ERROR",
			 state ? state : "XX000", primary);
		return;
	}
	first_line(out, size, r && *PQresultErrorMessage(r)
			      ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
	if (!*out)
		migc_strlcpy(out, "no answer from the server", size);
}

void migc_pg_scrub_err(struct migc_conn *c, migc_error *err)
{
	migc_pg_scrub_error(err, c->secrets, c->nsecrets);
}

int migc_pg_fail(struct migc_conn *c, PGresult *r, int code, const char *what,
		 migc_error *err)
{
	char why[700];

	migc_pg_describe(c, r, why, sizeof(why));
	PQclear(r);
	migc_err(err, code, "%s: %s: %s", c->label, what, why);
	migc_pg_scrub_err(c, err);
	return code;
}

PGresult *migc_pg_exec_params(struct migc_conn *c, const char *sql,
			      int nparams, const char *const *params)
{
	return PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
}

void migc_pg_event(struct migc_conn *c, migc_event_type type,
		   const migc_migration *m, const char *message)
{
	migc_event ev;
	char text[1024];
	size_t i;

	if (!c->on_event)
		return;
	migc_strlcpy(text, message, sizeof(text));
	for (i = 0; i < c->nsecrets; i++)
		migc_pg_scrub(text, c->secrets[i]);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.migration = m;
	ev.message = text;
	c->on_event(&ev, c->event_ctx);
}

/* ------------------------------------------------------------------ */
/* Connecting                                                          */
/* ------------------------------------------------------------------ */

/* "user@host:port/dbname" from what libpq resolved (no password). */
static void make_label(struct migc_conn *c)
{
	const char *host = PQhost(c->pg), *port = PQport(c->pg);
	const char *db = PQdb(c->pg), *user = PQuser(c->pg);

	snprintf(c->label, sizeof(c->label), "postgres %s@%s:%s/%s",
		 user && *user ? user : "?", host && *host ? host : "localhost",
		 port && *port ? port : "5432", db && *db ? db : "?");
}

/*
 * libpq's reason for a failed connection, on one line: the last
 * "connection to server ... failed: REASON" line's REASON, or the first
 * line. A message starting "invalid " is a bad parameter value
 * (sslmode=bogus, port=x): a usage error, not worth retrying.
 */
/*
 * The server answered and said no: waiting longer will not help, so the
 * caller does not retry. libpq keeps no SQLSTATE for a failed connection,
 * so this goes by the server's (English) message: 28P01 password, 28000 no
 * pg_hba.conf entry or role, 3D000 no such database. A server speaking
 * another language (lc_messages) is retried until --wait, as before.
 */
static int refused(const char *reason)
{
	static const char *const says[] = {
		"password authentication failed", "no pg_hba.conf entry",
		"does not exist", "authentication failed",
		"is not permitted to log in", "permission denied for database",
		NULL
	};
	size_t i;

	for (i = 0; says[i]; i++)
		if (strstr(reason, says[i]))
			return 1;
	return 0;
}

static int connect_reason(struct migc_conn *c, char *out, size_t size)
{
	const char *msg = PQerrorMessage(c->pg), *line, *best = msg;

	for (line = msg; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, "connection to server", 20) == 0)
			best = line;
	}
	if (strncmp(best, "connection to server", 20) == 0) {
		const char *f = strstr(best, "failed: ");
		const char *nl = strchr(best, '\n');

		if (f && (!nl || f < nl))
			best = f + 8;
	}
	first_line(out, size, best);
	if (strncmp(msg, "invalid ", 8) == 0)
		return MIGC_EUSAGE;
	return refused(out) ? MIGC_EAUTH : MIGC_ECONNECT;
}

static int connect_error(struct migc_conn *c, migc_error *err)
{
	char reason[700];
	int code = connect_reason(c, reason, sizeof(reason));

	if (code == MIGC_EUSAGE) {
		migc_err(err, code, "bad PostgreSQL connection parameter: %s",
			 reason);
		migc_err_hint(err, "check the URL's parameters (see the libpq "
			      "documentation)");
	} else {
		migc_err(err, code, "could not connect to %s: %s", c->label,
			 reason);
		if (code == MIGC_EAUTH)
			migc_err_hint(err, "the server refused the login: check the "
				      "user, password and database name of the URL "
				      "(not retried)");
	}
	migc_pg_scrub_err(c, err);
	return code;
}

void migc_pg_set_key(struct migc_conn *c, const char *table)
{
	const char *dot = strchr(table, '.');
	char schema[128];

	if (strcmp(c->key_table, table) == 0 && c->lock_key)
		return;
	migc_strlcpy(c->key_table, table, sizeof(c->key_table));
	if (dot) {
		snprintf(schema, sizeof(schema), "%.*s", (int)(dot - table),
			 table);
		c->lock_key = migc_pg_lock_key(schema, dot + 1);
	} else {
		c->lock_key = migc_pg_lock_key(c->schema, table);
	}
}

/* SET ROLE for the session (and remember it for SET LOCAL ROLE). */
static int set_role(struct migc_conn *c, const char *role, migc_error *err)
{
	char *quoted = PQescapeIdentifier(c->pg, role, strlen(role));
	migc_buf sql = MIGC_BUF_INIT;
	PGresult *r;

	if (!quoted)
		return migc_pg_fail(c, NULL, MIGC_EUSAGE, "invalid role name",
				    err);
	c->role = migc_strdup(quoted);
	PQfreemem(quoted);
	if (!c->role || migc_buf_printf(&sql, "SET ROLE %s", c->role))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	r = PQexec(c->pg, sql.data);
	migc_buf_free(&sql);
	if (!migc_pg_ok(r)) {
		migc_pg_fail(c, r, MIGC_EUSAGE, "cannot SET ROLE", err);
		migc_err_hint(err, "--role names a role the connecting user is "
			      "a member of (GRANT %.100s TO <user>)", role);
		return MIGC_EUSAGE;
	}
	PQclear(r);
	return 0;
}

/* Where the connection went, for progress()'s second connection to go
 * to the same server (a host list may hold several). */
static void remember_server(struct migc_conn *c)
{
	const char *host = PQhost(c->pg), *addr = PQhostaddr(c->pg);
	const char *port = PQport(c->pg);

	migc_strlcpy(c->host, host ? host : "", sizeof(c->host));
	migc_strlcpy(c->hostaddr, addr ? addr : "", sizeof(c->hostaddr));
	migc_strlcpy(c->port, port ? port : "", sizeof(c->port));
	c->backend_pid = PQbackendPID(c->pg);
	c->server_version = PQserverVersion(c->pg);
}

/* After connecting: the server version, notices, role, schema, key, the
 * history table's existence and the cancel handle. */
static int setup(struct migc_conn *c, const migc_options *opts,
		 migc_error *err)
{
	const char *table = opts->history_table ? opts->history_table
			    : "migc_history";
	const char *params[1];
	char qualified[sizeof(c->seen_qualified)];
	PGresult *r;
	int rc;

	if (PQserverVersion(c->pg) < 100000)
		return migc_err(err, MIGC_EDB, "%s: PostgreSQL %d is too old: "
				"migc needs 10 or newer", c->label,
				PQserverVersion(c->pg) / 10000);
	PQsetNoticeReceiver(c->pg, migc_pg_on_notice, c);
	if (opts->role && *opts->role) {
		rc = set_role(c, opts->role, err);
		if (rc)
			return rc;
	}
	/* the application name as the server has it (a service file or a
	 * pooler may have its say): progress() finds our backend by it; our
	 * backend (pooled); and whether the history table is there, which
	 * every command asks next (one round trip fewer). A name that cannot
	 * be quoted is left for history_ensure/read to refuse. */
	if (migc_pg_history_qualified(c, table, qualified, sizeof(qualified),
				      NULL))
		qualified[0] = '\0';
	params[0] = qualified[0] ? qualified : NULL;
	r = migc_pg_exec_params(c, "SELECT coalesce(current_schema(), ''), "
		"coalesce(current_setting('application_name', true), ''), "
		"pg_backend_pid(), to_regclass($1) IS NOT NULL", 1, params);
	if (!migc_pg_ok(r) || PQntuples(r) != 1 || PQnfields(r) != 4)
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read the current "
				    "schema", err);
	migc_strlcpy(c->schema, PQgetvalue(r, 0, 0), sizeof(c->schema));
	migc_strlcpy(c->app_name, PQgetvalue(r, 0, 1), sizeof(c->app_name));
	c->pooled = strtol(PQgetvalue(r, 0, 2), NULL, 10) != PQbackendPID(c->pg);
	if (strcmp(PQgetvalue(r, 0, 3), "t") == 0)
		migc_pg_history_seen(c, table, qualified);
	PQclear(r);
	migc_pg_set_key(c, table);
	c->cancel = PQgetCancel(c->pg);
	if (!c->cancel)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	remember_server(c);
	return 0;
}

static void pg_close(struct migc_conn *c);

static int pg_connect(struct migc_conn **out, const char *url,
		      const migc_options *opts, migc_error *err)
{
	struct migc_pg_conninfo ci;
	struct migc_conn *c;
	size_t i;
	int rc;

	*out = NULL;
	rc = migc_pg_conninfo_build(&ci, url, opts, err);
	c = rc ? NULL : calloc(1, sizeof(*c));
	if (!rc && !c)
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (rc) {
		migc_pg_conninfo_free(&ci);
		return rc;
	}
	for (i = 0; i < ci.nsecrets; i++) /* the connection takes them */
		c->secrets[i] = ci.secrets[i];
	c->nsecrets = ci.nsecrets;
	ci.nsecrets = 0;
	c->lock_timeout_ms = opts->lock_timeout_ms;
	c->db_lock_timeout_ms = opts->db_lock_timeout_ms;
	c->statement_timeout_ms = opts->statement_timeout_ms;
	c->on_event = opts->on_event;
	c->event_ctx = opts->event_ctx;
	c->seed = (unsigned)migc_now_ms() ^ ((unsigned)getpid() << 16);
	migc_strlcpy(c->token, ci.app_token, sizeof(c->token));
	c->pg = PQconnectdbParams(ci.keys, ci.values, 0);
	if (!c->pg)
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (!rc)
		make_label(c);
	if (!rc && PQstatus(c->pg) != CONNECTION_OK)
		rc = connect_error(c, err);
	else if (!rc)
		rc = setup(c, opts, err);
	for (i = 0; !rc && i < ci.nwarnings; i++)
		migc_pg_event(c, MIGC_EVENT_WARNING, NULL, ci.warnings[i]);
	if (rc) {
		migc_pg_conninfo_free(&ci);
		migc_pg_scrub_err(c, err);
		pg_close(c);
		return rc;
	}
	c->conninfo = ci; /* for progress()'s second connection; freed by close */
	*out = c;
	return 0;
}

static void pg_close(struct migc_conn *c)
{
	size_t i;

	if (!c)
		return;
	migc_pg_progress_close(c);
	migc_pg_conninfo_free(&c->conninfo);
	if (c->cancel)
		PQfreeCancel(c->cancel);
	if (c->pg)
		PQfinish(c->pg);
	for (i = 0; i < c->nsecrets; i++) {
		volatile char *p = c->secrets[i];

		while (*p)
			*p++ = '\0';
		free(c->secrets[i]);
	}
	free(c->role);
	free(c->insert_sql);
	free(c);
}

/* ------------------------------------------------------------------ */
/* The migration lock and transactions                                 */
/* ------------------------------------------------------------------ */

/* Per transaction (see begin): nothing to do for the session. */
static int pg_lock(struct migc_conn *c, const char *table, int timeout_ms,
		   migc_error *err)
{
	(void)timeout_ms;
	(void)err;
	migc_pg_set_key(c, table);
	return 0;
}

/* The engine's last call: nothing of ours stays open (a transaction
 * begun ahead, migc_pg_attempt_queue, when the loop stopped after it). */
static int pg_unlock(struct migc_conn *c, migc_error *err)
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

static unsigned jitter(unsigned *state)
{
	unsigned x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
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
		nap = delay + (long long)(jitter(&c->seed) % (unsigned)(delay / 2 + 1));
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
static void pg_interrupt(struct migc_conn *c)
{
	char errbuf[256];

	c->interrupted = 1;
	if (c->cancel)
		PQcancel(c->cancel, errbuf, sizeof(errbuf));
}

/* ------------------------------------------------------------------ */
/* The vtable                                                          */
/* ------------------------------------------------------------------ */

static int pg_query(struct migc_conn *c, const char *sql,
		    migc_query_row_fn row, void *ctx, migc_error *err)
{
	PGresult *r;
	const char *values[32];
	int rows, n, i, j, stop = 0;

	c->stamp_ready = 0;
	r = PQexec(c->pg, sql);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
		return migc_pg_fail(c, r, MIGC_EDB, "query failed", err);
	rows = PQntuples(r);
	n = PQnfields(r);
	if (n > 32)
		n = 32;
	for (i = 0; !stop && i < rows; i++) {
		for (j = 0; j < n; j++)
			values[j] = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
		stop = row(ctx, n, values);
	}
	PQclear(r);
	return stop;
}

static int pg_preload(void)
{
	return migc_pq_load(NULL);
}

static const char *pg_label(const struct migc_conn *c)
{
	return c->label;
}

const struct migc_driver migc_driver_pg = {
	.version = MIGC_DRIVER_VERSION,
	.name = "postgres",
	.accepts = migc_pg_accepts,
	.connect = pg_connect,
	.close = pg_close,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.history_ensure = migc_pg_history_ensure,
	.history_read = migc_pg_history_read,
	.begin = migc_pg_begin,
	.commit = migc_pg_commit,
	.rollback = migc_pg_rollback,
	.exec = migc_pg_exec,
	.history_insert = migc_pg_history_insert,
	.history_update = migc_pg_history_update,
	.interrupt = pg_interrupt,
	.history_stamp = migc_pg_history_stamp,
	.runner_alive = migc_pg_runner_alive,
	.query = pg_query,
	.label = pg_label,
	.progress = migc_pg_progress,
	.history_insert_commit = migc_pg_history_insert_commit,
	.preload = pg_preload,
};
