/*
 * driver_pg_progress.c - what the migration's statement is doing, when it
 * builds an index: the PostgreSQL driver's progress() (driver.h), read by
 * the CLI's live line ("building index: scanning table, 12% (1234 of 10240
 * blocks)").
 *
 * PostgreSQL 12 and newer show every CREATE INDEX [CONCURRENTLY] and
 * REINDEX in pg_stat_progress_create_index: its phase, and the blocks,
 * tuples, partitions and lockers (transactions waited for) done of their
 * totals. The migration's connection is busy running the statement, so the
 * view is read on a second connection, opened on the first call with the
 * parameters of the first (password included, never printed; pinned to the
 * server the first one reached), a connect_timeout of 2 s and an
 * application_name of its own: "migc progress:3fa2c1d0" for the runner
 * "migc 3fa2c1d0" (not "migc 3fa2c1d0 ...", which runner_alive() of peers
 * would take for the runner itself), else the runner's name and
 * " progress".
 *
 * Finding our row: the view's pid is the server backend's. Behind PgBouncer
 * PQbackendPID() is the pooler's own number, and under transaction pooling
 * the server backend changes from one transaction to the next, so the row
 * is found through pg_stat_activity, by the exact application name the
 * server showed for the migration's connection at connect: with the
 * runner's random token (pg_url.h) in it, it names this runner alone, on
 * whichever backend the pooler lent. When the user named the application
 * there is no token (the name may be shared), so the pid must match too:
 * exact on a direct connection; behind a pooler nothing is found then, and
 * the line shows the elapsed time only.
 *
 * Threads: progress() runs on another thread (the CLI's progress thread)
 * while the main thread is inside exec(), or any other call, on c->pg. So
 * it never touches c->pg, its notice receiver, the event callback or
 * c->interrupted: only c->progress_pg and c->progress_off (its own, one
 * progress() call at a time) and fields that connect() set and nothing
 * changes afterwards (conninfo, host, hostaddr, port, app_name, token,
 * backend_pid, server_version). libpq allows one thread per PGconn. close()
 * frees the second connection: the caller makes sure no progress() call
 * runs then (the CLI joins its thread before it closes the database).
 *
 * Best effort: connecting, sending and waiting are bounded (2 s each), and
 * any failure (cannot connect, an error, no answer in time, PostgreSQL
 * older than 12) closes the second connection for good; progress() then
 * returns "" and 0 quietly. It never fails a migration and never prints.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_pg.h"
#include "util.h"

#define PROGRESS_CONNECT_MS 2000 /* connecting the second connection */
#define PROGRESS_QUERY_MS 2000   /* one read of the view */

/* Keys of the first connection's parameters that the second one sets. */
static int replaced(const char *key)
{
	static const char *const keys[] = {
		"application_name", "fallback_application_name",
		"connect_timeout", "host", "hostaddr", "port", NULL};
	size_t i;

	for (i = 0; keys[i]; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

/* The second connection's application_name (see the top comment). */
static void progress_app_name(const struct migc_conn *c, char *out,
			      size_t size)
{
	char tail[MIGC_PG_TOKEN_LEN + 16], prefix[MIGC_PG_APP_NAME_MAX + 1];
	size_t n = strlen(c->app_name), t = strlen(c->token);

	if (t && n > t && c->app_name[n - t - 1] == ' ' &&
	    strcmp(c->app_name + n - t, c->token) == 0) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(n - t - 1),
			 c->app_name);
		snprintf(tail, sizeof(tail), "progress:%s", c->token);
		migc_pg_app_name(out, size, prefix, tail);
	} else {
		migc_pg_app_name(out, size, n ? c->app_name : "migc",
				 "progress");
	}
}

/* 1 when the server shows the runner's token in our application name:
 * that name is ours alone. */
static int name_is_unique(const struct migc_conn *c)
{
	char needle[MIGC_PG_TOKEN_LEN + 2];

	if (!c->token[0])
		return 0;
	snprintf(needle, sizeof(needle), " %s", c->token);
	return strstr(c->app_name, needle) != NULL;
}

/* Wait until `pg`'s socket is ready for `events`; -1 at the deadline. */
static int wait_socket(PGconn *pg, short events, long long deadline)
{
	struct pollfd p;

	p.fd = PQsocket(pg);
	p.events = events;
	if (p.fd < 0)
		return -1;
	for (;;) {
		long long left = deadline - migc_now_ms();
		int n;

		if (left <= 0)
			return -1;
		p.revents = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Notices of the second connection would be printed on stderr, through
 * the live line: it has nothing to say. */
static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Open the second connection, without blocking past the deadline (libpq's
 * connect_timeout is set too, for the record in pg_stat_activity tools). */
static PGconn *open_second(const struct migc_conn *c)
{
	const struct migc_pg_conninfo *ci = &c->conninfo;
	char name[MIGC_PG_APP_NAME_MAX + 1];
	const char **keys, **values;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	long long deadline = migc_now_ms() + PROGRESS_CONNECT_MS;
	PGconn *pg = NULL;
	size_t i, n = 0;

	keys = calloc(ci->count + 8, sizeof(*keys));
	values = calloc(ci->count + 8, sizeof(*values));
	if (!keys || !values)
		goto done;
	for (i = 0; i < ci->count; i++) {
		if (replaced(ci->keys[i]))
			continue;
		keys[n] = ci->keys[i];
		values[n++] = ci->values[i];
	}
	progress_app_name(c, name, sizeof(name));
	keys[n] = "application_name";
	values[n++] = name;
	keys[n] = "connect_timeout";
	values[n++] = "2";
	/* the very server the first connection reached: a host list (or
	 * load_balance_hosts) could send this one elsewhere */
	if (c->host[0]) {
		keys[n] = "host";
		values[n++] = c->host;
	}
	if (c->hostaddr[0]) {
		keys[n] = "hostaddr";
		values[n++] = c->hostaddr;
	}
	if (c->port[0]) {
		keys[n] = "port";
		values[n++] = c->port;
	}
	pg = PQconnectStartParams(keys, values, 0);
	while (pg && st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED || PQstatus(pg) == CONNECTION_BAD ||
		    wait_socket(pg, st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
				deadline)) {
			PQfinish(pg);
			pg = NULL;
			break;
		}
		st = PQconnectPoll(pg);
	}
	if (pg)
		PQsetNoticeProcessor(pg, no_notices, NULL);
done:
	free(keys);
	free(values);
	return pg;
}

/* One query with a deadline; NULL when it failed or took too long (the
 * connection is then unusable: the caller closes it). */
static PGresult *ask(PGconn *pg, const char *sql, int nparams,
		     const char *const *params)
{
	long long deadline = migc_now_ms() + PROGRESS_QUERY_MS;
	PGresult *r, *extra;

	if (!PQsendQueryParams(pg, sql, nparams, NULL, params, NULL, NULL, 0))
		return NULL;
	while (PQisBusy(pg))
		if (wait_socket(pg, POLLIN, deadline) || !PQconsumeInput(pg))
			return NULL;
	r = PQgetResult(pg);
	while ((extra = PQgetResult(pg)) != NULL)
		PQclear(extra);
	return r;
}

static long long column(const PGresult *r, int col)
{
	const char *v = PQgetisnull(r, 0, col) ? "" : PQgetvalue(r, 0, col);
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 10);
	return errno || end == v || x < 0 ? 0 : x;
}

/* ", 12% (1234 of 10240 blocks)" */
static void add_share(migc_buf *b, long long done, long long total,
		      const char *what)
{
	long long pct = done >= total ? 100 : done * 100 / total;

	migc_buf_printf(b, ", %lld%% (%lld of %lld %s)", pct, done, total,
			what);
}

/*
 * The row (columns as in progress()'s query) as text: the view's phase
 * under "building index" (whose own first phase "building index: scanning
 * table" is not said twice), then what it counts.
 */
static void describe(const PGresult *r, char *out, size_t size)
{
	static const char lead[] = "building index";
	const char *phase = PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0);
	long long blocks_done = column(r, 1), blocks_total = column(r, 2);
	long long tuples_done = column(r, 3), tuples_total = column(r, 4);
	long long parts_done = column(r, 5), parts_total = column(r, 6);
	long long lockers_done = column(r, 7), lockers_total = column(r, 8);
	long long locker = column(r, 9);
	migc_buf b = MIGC_BUF_INIT;

	if (strncmp(phase, lead, sizeof(lead) - 1) == 0) {
		phase += sizeof(lead) - 1;
		if (strncmp(phase, ": ", 2) == 0)
			phase += 2;
	}
	migc_buf_printf(&b, "%s%s%s", lead, *phase ? ": " : "", phase);
	/* the counters of an earlier phase stay: only this phase's count */
	if (strncmp(phase, "waiting for ", 12) == 0)
		blocks_total = tuples_total = 0;
	else
		lockers_total = 0;
	if (blocks_total > 0)
		add_share(&b, blocks_done, blocks_total, "blocks");
	else if (tuples_total > 0)
		add_share(&b, tuples_done, tuples_total, "tuples");
	else if (lockers_total > 0 && locker > 0)
		migc_buf_printf(&b, ", %lld of %lld transactions (waiting for "
				"pid %lld)", lockers_done, lockers_total, locker);
	else if (lockers_total > 0)
		migc_buf_printf(&b, ", %lld of %lld transactions", lockers_done,
				lockers_total);
	if (parts_total > 0)
		migc_buf_printf(&b, ", %lld of %lld partitions", parts_done,
				parts_total);
	migc_strlcpy(out, b.data ? b.data : "", size);
	migc_buf_free(&b);
}

void migc_pg_progress_close(struct migc_conn *c)
{
	if (c->progress_pg)
		PQfinish(c->progress_pg);
	c->progress_pg = NULL;
}

/* Something went wrong: quiet from now on. */
static int give_up(struct migc_conn *c, PGresult *r)
{
	PQclear(r);
	migc_pg_progress_close(c);
	c->progress_off = 1;
	return 0;
}

int migc_pg_progress(struct migc_conn *c, char *out, size_t size,
		     migc_error *err)
{
	static const char sql[] =
		"SELECT p.phase, p.blocks_done, p.blocks_total, "
		"p.tuples_done, p.tuples_total, p.partitions_done, "
		"p.partitions_total, p.lockers_done, p.lockers_total, "
		"p.current_locker_pid "
		"FROM pg_stat_progress_create_index p "
		"JOIN pg_stat_activity a ON a.pid = p.pid "
		"WHERE a.application_name = $1::text "
		"AND ($2::int = 0 OR p.pid = $2::int) "
		"ORDER BY p.pid LIMIT 1";
	char pid[16];
	const char *params[2] = {c->app_name, pid};
	PGresult *r;

	(void)err; /* best effort: never an error */
	if (!size)
		return 0;
	*out = '\0';
	if (c->progress_off)
		return 0;
	if (c->server_version < 120000) /* no pg_stat_progress_create_index */
		return give_up(c, NULL);
	if (!c->progress_pg && !(c->progress_pg = open_second(c)))
		return give_up(c, NULL);
	snprintf(pid, sizeof(pid), "%d", name_is_unique(c) ? 0 : c->backend_pid);
	r = ask(c->progress_pg, sql, 2, params);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
		return give_up(c, r);
	if (PQntuples(r) == 1)
		describe(r, out, size);
	PQclear(r);
	return 0;
}
