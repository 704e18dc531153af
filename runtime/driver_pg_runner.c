/*
 * driver_pg_runner.c - who runs a "running" row, on PostgreSQL: our own
 * backend as such a row names it, and whether the runner that wrote one
 * is still there (the driver's runner_alive()).
 *
 * `runner` of a "running" row is "PID:MICROS:TOKEN": the backend pid and
 * its backend_start in microseconds since the epoch, computed by the
 * server (at the first "running" row of a direct connection, or at the
 * insert behind a pooler: driver_pg_history.c), and the random token of
 * the runner's application_name ("migc 3fa2c1d0", pg_url.h). The token is
 * written only when the server shows it in the backend's application_name
 * (not when the user named the application, nor behind a pooler that does
 * not pass the name on); rows without one ("PID:MICROS", also every row of
 * older versions) are judged by the backend alone, as before.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_pg.h"
#include "util.h"

/*
 * Our backend as a "running" row names it (c->runner, c->runner_token),
 * asked once per connection, at the first "running" row on a direct one:
 * pg_stat_activity costs the server ~4 ms the first time a session reads
 * it (the view and its catalogs), which every other run (a no-op up, a
 * run of transactional migrations only) need not pay. The backend is the
 * one connect() saw (a direct connection keeps it), and the token counts
 * only when pg_stat_activity shows it in our application_name.
 */
int migc_pg_runner_self(struct migc_conn *c, migc_error *err)
{
	const char *params[1] = {c->token};
	const char *start;
	PGresult *r;

	if (c->runner_known)
		return 0;
	r = migc_pg_exec_params(c, "SELECT pg_backend_pid(), coalesce((SELECT "
		"(extract(epoch FROM backend_start) * 1000000)::bigint::text "
		"|| CASE WHEN $1::text <> '' AND strpos(application_name, "
		"' ' || $1::text) > 0 THEN ':' ELSE '' END FROM "
		"pg_stat_activity WHERE pid = pg_backend_pid()), '')", 1,
		params);
	if (!migc_pg_ok(r) || PQntuples(r) != 1 || PQnfields(r) != 2)
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read our backend "
				    "in pg_stat_activity", err);
	start = PQgetvalue(r, 0, 1);
	snprintf(c->runner, sizeof(c->runner), "%s:%s", PQgetvalue(r, 0, 0),
		 start);
	/* "PID:MICROS:" when the token showed: keep "PID:MICROS" */
	if (start[0] && c->runner[strlen(c->runner) - 1] == ':') {
		c->runner[strlen(c->runner) - 1] = '\0';
		c->runner_token = 1;
	}
	PQclear(r);
	c->runner_known = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Is the runner of a "running" row still there?                       */
/* ------------------------------------------------------------------ */

/* The parts of a `runner`: "PID:MICROS" or "PID:MICROS:TOKEN". */
struct runner_id {
	char pid[16];
	char start[24]; /* "" when unknown */
	char token[MIGC_PG_TOKEN_LEN + 1]; /* "" when none */
};

static int all_of(const char *s, size_t n, const char *set)
{
	return strspn(s, set) >= n;
}

/* 0 when `runner` has that form; a token of another form is ignored. */
static int parse_runner(const char *runner, struct runner_id *id)
{
	const char *colon = strchr(runner, ':'), *start, *tok;
	size_t n = colon ? (size_t)(colon - runner) : 0;

	memset(id, 0, sizeof(*id));
	if (n == 0 || n >= sizeof(id->pid) || !all_of(runner, n, "0123456789"))
		return -1;
	memcpy(id->pid, runner, n);
	start = colon + 1;
	tok = strchr(start, ':');
	n = tok ? (size_t)(tok - start) : strlen(start);
	if (n < sizeof(id->start) && all_of(start, n, "-0123456789"))
		memcpy(id->start, start, n);
	if (tok && strlen(tok + 1) < sizeof(id->token) && tok[1] &&
	    all_of(tok + 1, strlen(tok + 1), "0123456789abcdef"))
		migc_strlcpy(id->token, tok + 1, sizeof(id->token));
	return 0;
}

/* What this connection has seen of row `id`'s runner: a new entry (first
 * look: now) when none, replacing the oldest when all are taken. */
static struct migc_pg_peer *peer_for(struct migc_conn *c, long long id,
				     long long now)
{
	struct migc_pg_peer *p, *end = c->peers + MIGC_PG_PEERS;
	struct migc_pg_peer *victim = c->peers;

	for (p = c->peers; p < end; p++)
		if (p->id == id)
			return p;
	for (p = c->peers; p < end; p++) {
		if (!p->id) {
			victim = p;
			break;
		}
		if (p->first_ms < victim->first_ms)
			victim = p;
	}
	memset(victim, 0, sizeof(*victim));
	victim->id = id;
	victim->first_ms = now;
	return victim;
}

static int parse_count(PGresult *r, int col, long long *out)
{
	return migc_pg_parse_ll(PQgetvalue(r, 0, col), out);
}

/*
 * Is the runner that wrote a "running" row still there? 1: yes (the caller
 * waits), 0: gone (the row needs `migrate resolve`).
 *
 * The recorded backend (pid and start time) is exact on a direct
 * connection: the backend lives exactly as long as the runner's session
 * (pid reuse is caught by the start time). Behind PgBouncer it is a pooled
 * server connection that outlives a dead client, or that the pooler closes
 * while the runner works on another one. So, with a token:
 *
 *   - some client backend whose application_name carries the token is
 *     busy (any state but idle; a hidden state counts as busy): alive.
 *     PgBouncer names a server connection after the client it lends it
 *     to, but an idle pooled connection keeps the last client's name, so
 *     idle ones say nothing;
 *   - else, when the recorded backend is gone and the token was never seen
 *     busy on another backend (nothing suggests a pooler): dead at once;
 *   - else alive until MIGC_PG_RUNNER_GRACE_MS have passed since this
 *     connection first looked at the row or last saw the token busy,
 *     whichever is later. A live runner is idle only for moments: between
 *     two statements, and while it waits for the lock to mark the row.
 *
 * Without a token, the recorded backend alone decides. When
 * pg_stat_activity hides the start time (another user's session, without
 * pg_read_all_stats) the pid alone does.
 */
int migc_pg_runner_alive(struct migc_conn *c,
			 const struct migc_history_row *row, migc_error *err)
{
	static const char sql[] =
		"SELECT (SELECT coalesce((extract(epoch FROM backend_start) * "
		"1000000)::bigint::text, '') FROM pg_stat_activity "
		"WHERE pid = $1::int), count(*), "
		"count(*) FILTER (WHERE pid <> $1::int) "
		"FROM pg_stat_activity WHERE $2::text <> '' "
		"AND strpos(application_name, ' ' || $2::text) > 0 "
		"AND state IS DISTINCT FROM 'idle' "
		"AND coalesce(backend_type, 'client backend') = "
		"'client backend' "
		"AND pid <> pg_backend_pid()";
	struct runner_id id;
	struct migc_pg_peer *p;
	const char *params[2];
	long long busy = 0, elsewhere = 0, now, since;
	PGresult *r;
	int gone;

	if (parse_runner(row->runner ? row->runner : "", &id))
		return 0; /* not written by a PostgreSQL runner: gone */
	params[0] = id.pid;
	params[1] = id.token;
	r = migc_pg_exec_params(c, sql, 2, params);
	if (!migc_pg_ok(r) || PQntuples(r) != 1 || parse_count(r, 1, &busy) ||
	    parse_count(r, 2, &elsewhere))
		return migc_pg_fail(c, r, MIGC_EDB, "cannot read "
				    "pg_stat_activity", err);
	if (PQgetisnull(r, 0, 0))
		gone = 1;
	else if (!*PQgetvalue(r, 0, 0) || !id.start[0])
		gone = 0;
	else
		gone = strcmp(PQgetvalue(r, 0, 0), id.start) != 0;
	PQclear(r);
	if (!id.token[0])
		return !gone;
	now = migc_now_ms();
	p = peer_for(c, row->id, now);
	if (elsewhere > 0)
		p->pooled = 1;
	if (busy > 0) {
		p->busy_ms = now;
		return 1;
	}
	if (gone && !p->pooled)
		return 0;
	since = p->busy_ms > p->first_ms ? p->busy_ms : p->first_ms;
	return now - since < MIGC_PG_RUNNER_GRACE_MS;
}
