/*
 * driver_pg.c - the PostgreSQL backend (struct migc_driver) over libpq:
 * results and errors, connecting, and the vtable. The migration lock and
 * transactions are in driver_pg_tx.c, running a migration's SQL in
 * driver_pg_exec.c, the history table in driver_pg_history.c, index build
 * progress (on a second connection) in driver_pg_progress.c, URL handling
 * in pg_url.c.
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
	.lock = migc_pg_lock,
	.unlock = migc_pg_unlock,
	.history_ensure = migc_pg_history_ensure,
	.history_read = migc_pg_history_read,
	.begin = migc_pg_begin,
	.commit = migc_pg_commit,
	.rollback = migc_pg_rollback,
	.exec = migc_pg_exec,
	.history_insert = migc_pg_history_insert,
	.history_update = migc_pg_history_update,
	.interrupt = migc_pg_interrupt,
	.history_stamp = migc_pg_history_stamp,
	.runner_alive = migc_pg_runner_alive,
	.query = pg_query,
	.label = pg_label,
	.progress = migc_pg_progress,
	.history_insert_commit = migc_pg_history_insert_commit,
	.preload = pg_preload,
	.history_read_brief = migc_pg_history_read_brief,
};
