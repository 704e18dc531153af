/*
 * driver_sqlite.c - the SQLite backend (struct migc_driver).
 *
 * URLs: "sqlite:PATH" (relative or absolute), "sqlite:///ABS/PATH",
 * "sqlite::memory:", and "file:" URIs handed to SQLite as they are
 * (SQLITE_OPEN_URI, so "?mode=rwc&cache=shared" works). "sqlite://x" is
 * refused: it could mean the relative "x" or a host "x".
 *
 * Locking. Runners in different processes are serialised by an advisory
 * flock(LOCK_EX) on the database file itself, polled with backoff up to the
 * lock timeout. flock locks belong to the open file description and the
 * kernel drops them when the process dies (even kill -9), so a crashed
 * runner never leaves a stale lock. On Linux they are independent of the
 * POSIX fcntl() byte-range locks SQLite uses (except over NFS, where flock
 * is emulated with fcntl: keep migration databases on a local disk).
 *
 * POSIX caveat: closing ANY descriptor of a file drops every fcntl lock the
 * process holds on it, including SQLite's. So the lock descriptor is opened
 * once and closed only after sqlite3_close(), never while the connection
 * is open; unlock only releases the flock.
 *
 * In-memory and temporary databases belong to one connection: no lock.
 *
 * Writes start with BEGIN IMMEDIATE, so another writer (the application)
 * is waited for with the busy timeout instead of failing half-way.
 *
 * The history table lives in driver_sqlite_history.c.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "driver_sqlite.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* URLs and connecting                                                 */
/* ------------------------------------------------------------------ */

static int sqlite_accepts(const char *url)
{
	return strncmp(url, "sqlite:", 7) == 0 || strncmp(url, "file:", 5) == 0;
}

/*
 * "sqlite:PATH?k=v&..." as the SQLite URI "file:PATH?k=v&..." (the path
 * percent-encoded where URI syntax needs it), so URI parameters such as
 * mode=ro or cache=shared work in sqlite: URLs too. `*owned` is freed by
 * the caller.
 */
static int query_to_uri(const char **path, char **owned, int *uri,
			migc_error *err)
{
	const char *q = strchr(*path, '?'), *p;
	migc_buf b = MIGC_BUF_INIT;
	int rc = migc_buf_puts(&b, "file:");

	for (p = *path; !rc && p < q; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '%' || ch == '#' || ch < 0x21 || ch > 0x7e)
			rc = migc_buf_printf(&b, "%%%02X", ch);
		else
			rc = migc_buf_put(&b, p, 1);
	}
	if (!rc)
		rc = migc_buf_puts(&b, q);
	if (rc) {
		migc_buf_free(&b);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	*path = *owned = migc_buf_detach(&b);
	*uri = 1;
	return 0;
}

/* The filename for sqlite3_open_v2 and its flags, or MIGC_EUSAGE. */
static int parse_url(const char **path, char **owned, int *uri,
		     const char *url, migc_error *err)
{
	*uri = 0;
	*owned = NULL;
	if (strncmp(url, "file:", 5) == 0) {
		*path = url;
		*uri = 1;
		return 0;
	}
	url += 7; /* "sqlite:" */
	if (strncmp(url, "///", 3) == 0) {
		*path = url + 2;
	} else if (strncmp(url, "//", 2) == 0) {
		migc_err(err, MIGC_EUSAGE, "ambiguous SQLite URL \"sqlite:%.200s\"",
			 url);
		migc_err_hint(err, "use sqlite:%s for a relative path or "
			      "sqlite:///ABS/PATH for an absolute one", url + 2);
		return MIGC_EUSAGE;
	} else {
		*path = url;
	}
	if (!**path || **path == '?') {
		migc_err(err, MIGC_EUSAGE, "SQLite URL without a path");
		migc_err_hint(err, "use sqlite:PATH, e.g. sqlite:app.db");
		return MIGC_EUSAGE;
	}
	if (strchr(*path, '?'))
		return query_to_uri(path, owned, uri, err);
	return 0;
}

/*
 * Open and touch the database, so a file that is not one fails here.
 *
 * SQLITE_OPEN_NOMUTEX: a migc_db is used by one thread at a time (migc.h),
 * so the connection's own mutex, taken by every sqlite3_* call, only cost
 * time (2 % of an apply). Nothing here reaches the connection from another
 * thread: there is no progress() to call from the CLI's progress thread,
 * and interrupt() only calls sqlite3_interrupt, which needs no mutex.
 */
static int open_db(sqlite3 **db, const char *path, int uri, int busy_ms,
		   migc_error *err)
{
	/* NOMUTEX: a connection is used by one thread (migc.h: objects are
	 * not shared between threads; sqlite3_interrupt takes no mutex in
	 * either mode). SQLite's default serialized mode locks a mutex in
	 * every call: reading 10,000 history rows of 12 columns made that
	 * 13 % of a no-op up's instructions. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX;
	int rc;

	if (uri)
		flags |= SQLITE_OPEN_URI;
	rc = sqlite3_open_v2(path, db, flags, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(*db, 1);
		sqlite3_busy_timeout(*db, busy_ms > 0 ? busy_ms : 0);
		rc = sqlite3_exec(*db, "SELECT count(*) FROM sqlite_master",
				  NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		return 0;
	migc_err(err, MIGC_ECONNECT, "could not open SQLite database %s: %s",
		 path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
	sqlite3_close(*db);
	*db = NULL;
	return MIGC_ECONNECT;
}

static int sqlite_connect(struct migc_conn **out, const char *url,
			  const migc_options *opts, migc_error *err)
{
	struct migc_conn *c;
	const char *path;
	char *owned;
	int uri, rc;

	*out = NULL;
	rc = parse_url(&path, &owned, &uri, url, err);
	if (rc)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->label = migc_strdup(path))) {
		free(c);
		free(owned);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	c->lock_fd = -1;
	rc = open_db(&c->db, path, uri, opts->busy_timeout_ms, err);
	free(owned);
	if (rc) {
		free(c->label);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * Memory statistics off (SQLITE_CONFIG_MEMSTATUS): with them on, every
 * allocation and free inside SQLite takes a global mutex and updates
 * counters (sqlite3_memory_used(), the soft heap limit) that migc never
 * reads; that bookkeeping was 13 % of an apply. Nothing else changes: not
 * the journal, not synchronous, not what is written. sqlite3_config fails
 * harmlessly (SQLITE_MISUSE) once SQLite is initialized.
 */
void migc_sqlite_configure_process(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Finalize the cached statements (before a close, or for another table). */
void migc_sqlite_stmts_drop(struct migc_conn *c)
{
	int i;

	for (i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(c->stmt[i]);
		c->stmt[i] = NULL;
	}
	free(c->stmt_table);
	c->stmt_table = NULL;
}

static void sqlite_close(struct migc_conn *c)
{
	if (!c)
		return;
	migc_sqlite_stmts_drop(c);
	sqlite3_close(c->db);
	/* only now: closing it earlier would drop SQLite's fcntl locks */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->label);
	free(c);
}

/* A database error outside a migration's SQL. */
int migc_sqlite_db_error(struct migc_conn *c, migc_error *err, const char *what)
{
	return migc_err(err, MIGC_EDB, "%s: %s: %s", c->label, what,
			sqlite3_errmsg(c->db));
}

/* ------------------------------------------------------------------ */
/* The migration lock                                                  */
/* ------------------------------------------------------------------ */

static int sqlite_lock(struct migc_conn *c, const char *table, int timeout_ms,
		       migc_error *err)
{
	const char *file = sqlite3_db_filename(c->db, "main");
	long long start = migc_now_ms(), delay = 10;

	(void)table;
	if (!file || !*file)
		return 0; /* in-memory or temporary: nobody else can see it */
	if (c->lock_fd < 0) {
		c->lock_fd = open(file, O_RDONLY | O_CLOEXEC);
		if (c->lock_fd < 0)
			return migc_err(err, MIGC_EDB, "%s: cannot open for "
					"locking: %s", file, strerror(errno));
	}
	for (;;) {
		long long left;

		if (flock(c->lock_fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return migc_err(err, MIGC_EDB, "%s: cannot lock: %s",
					file, strerror(errno));
		if (c->interrupted)
			return migc_err(err, MIGC_EINTR, "%s: interrupted while "
					"waiting for the migration lock", file);
		left = timeout_ms - (migc_now_ms() - start);
		if (left <= 0)
			break;
		migc_sleep_ms(delay < left ? delay : left);
		delay = delay * 2 > 500 ? 500 : delay * 2;
	}
	migc_err(err, MIGC_ELOCKED, "%s: could not take the migration lock "
		 "within %d ms: another migrate process holds it", file,
		 timeout_ms);
	migc_err_hint(err, "wait for the other run to finish, or raise "
			   "--lock-timeout");
	return MIGC_ELOCKED;
}

static int sqlite_unlock(struct migc_conn *c, migc_error *err)
{
	if (c->lock_fd >= 0 && flock(c->lock_fd, LOCK_UN) != 0)
		return migc_err(err, MIGC_EDB, "%s: cannot unlock: %s",
				c->label, strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                        */
/* ------------------------------------------------------------------ */

/*
 * Statement `which` of the connection's cache, prepared from `sql` on first
 * use (SQLITE_PREPARE_PERSISTENT) and kept until migc_sqlite_stmts_drop();
 * the caller steps it and resets it. A reset statement holds no lock and no
 * read transaction, and SQLite re-prepares it by itself after a schema
 * change.
 */
int migc_sqlite_stmt(struct migc_conn *c, enum cached_stmt which,
		     const char *sql, sqlite3_stmt **out, const char *what,
		     migc_error *err)
{
	*out = NULL;
	if (!c->stmt[which] &&
	    sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &c->stmt[which], NULL) != SQLITE_OK) {
		c->stmt[which] = NULL;
		return migc_sqlite_db_error(c, err, what);
	}
	*out = c->stmt[which];
	return 0;
}

/*
 * BEGIN IMMEDIATE and COMMIT run once per migration each: from the cache,
 * since parsing them every time (sqlite3_exec) was 6 % of an apply. The
 * error message is read before the reset, which may replace it.
 */
static int run_cached(struct migc_conn *c, enum cached_stmt which,
		      const char *sql, const char *what, migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = migc_sqlite_stmt(c, which, sql, &stmt, what, err);
	if (rc)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		migc_sqlite_db_error(c, err, what);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : MIGC_EDB;
}

static int sqlite_begin(struct migc_conn *c, migc_error *err)
{
	int rc = run_cached(c, STMT_BEGIN, "BEGIN IMMEDIATE",
			    "cannot begin a transaction", err);

	if (!rc)
		c->in_tx = 1;
	return rc;
}

static int sqlite_commit(struct migc_conn *c, migc_error *err)
{
	int rc = run_cached(c, STMT_COMMIT, "COMMIT", "cannot commit", err);

	if (!rc)
		c->in_tx = 0;
	return rc;
}

void migc_sqlite_rollback(struct migc_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	c->in_tx = 0;
}

/* ------------------------------------------------------------------ */
/* Running a migration                                                 */
/* ------------------------------------------------------------------ */

/*
 * Skip whitespace and comments to the first token of a statement: what
 * SQLite's tokenizer skips (not \v, which it refuses), so that handing it
 * the rest changes nothing but the work.
 */
static const char *skip_blank(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       *p == '\f')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			if (!end)
				return p;
			p = end + 2;
		} else {
			return p;
		}
	}
}

/* Line counting that only moves forward, so a file costs O(length). */
struct line_pos {
	const char *at;
	int line;
};

static int line_at(struct line_pos *lp, const char *to)
{
	while (lp->at < to) {
		if (*lp->at == '\n')
			lp->line++;
		lp->at++;
	}
	return lp->line;
}

static int exec_error(const migc_migration *m, int line, const char *msg,
		      migc_error *err)
{
	if (m->sql_line > 1) /* a section of its file (goose, dbmate) */
		line += m->sql_line - 1;
	migc_err(err, MIGC_EFAILED, "%s:%d: %s", m->filename, line, msg);
	migc_err_where(err, m->filename, line);
	migc_err_version(err, m->version);
	return MIGC_EFAILED;
}

/* Step one prepared statement to its end. */
static int step_all(sqlite3_stmt *stmt)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	return rc;
}

/*
 * Run the statements of `m` one at a time (prepare, step, move to the
 * tail), so a failure names the line of the statement that failed, refined
 * by sqlite3_error_offset() for syntax errors. Blanks and comments between
 * statements are skipped here: preparing a file's trailing newline alone
 * cost as much as a short statement. A transactional migration that ends
 * its own transaction (COMMIT inside the file) is an error: the history
 * row could then no longer commit with it.
 */
static int sqlite_exec(struct migc_conn *c, const migc_migration *m,
		       migc_error *err)
{
	struct line_pos lp = {m->sql, 1};
	const char *p, *tail = NULL;

	for (p = skip_blank(m->sql); *p; p = skip_blank(tail)) {
		sqlite3_stmt *stmt = NULL;
		int rc, off;

		if (sqlite3_prepare_v2(c->db, p, -1, &stmt, &tail) != SQLITE_OK) {
			off = sqlite3_error_offset(c->db);
			return exec_error(m, line_at(&lp, off >= 0 ? p + off : p),
					  sqlite3_errmsg(c->db), err);
		}
		if (!stmt) { /* an empty statement (";") or an open comment */
			if (!tail || tail <= p)
				break;
			continue;
		}
		rc = step_all(stmt);
		if (rc != SQLITE_DONE) {
			exec_error(m, line_at(&lp, p), sqlite3_errmsg(c->db), err);
			sqlite3_finalize(stmt);
			return MIGC_EFAILED;
		}
		sqlite3_finalize(stmt);
		if (c->in_tx && sqlite3_get_autocommit(c->db))
			return exec_error(m, line_at(&lp, p), "this statement "
					  "ended the migration's transaction; use "
					  "-- migc:no-transaction to manage "
					  "transactions yourself", err);
	}
	if (!c->in_tx && !sqlite3_get_autocommit(c->db)) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return exec_error(m, line_at(&lp, p), "the migration left a "
				  "transaction open (rolled back)", err);
	}
	return 0;
}

/* From a signal handler: sqlite3_interrupt only sets a flag the running
 * statement polls, and the lock loop polls ours. */
static void sqlite_interrupt(struct migc_conn *c)
{
	c->interrupted = 1;
	if (c->db)
		sqlite3_interrupt(c->db);
}

static int sqlite_query(struct migc_conn *c, const char *sql,
			migc_query_row_fn row, void *ctx, migc_error *err)
{
	const char *values[32];
	sqlite3_stmt *stmt = NULL;
	int rc, n, i, stop = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return migc_sqlite_db_error(c, err, "query failed");
	n = sqlite3_column_count(stmt);
	if (n > 32)
		n = 32;
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(stmt, i);
		stop = row(ctx, n, values);
	}
	if (!stop && rc != SQLITE_DONE) {
		rc = migc_sqlite_db_error(c, err, "query failed");
		sqlite3_finalize(stmt);
		return rc;
	}
	sqlite3_finalize(stmt);
	return stop;
}

static const char *sqlite_label(const struct migc_conn *c)
{
	return c->label;
}

const struct migc_driver migc_driver_sqlite = {
	.version = MIGC_DRIVER_VERSION,
	.name = "sqlite",
	.accepts = sqlite_accepts,
	.connect = sqlite_connect,
	.close = sqlite_close,
	.lock = sqlite_lock,
	.unlock = sqlite_unlock,
	.history_ensure = migc_sqlite_history_ensure,
	.history_read = migc_sqlite_history_read,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = migc_sqlite_rollback,
	.exec = sqlite_exec,
	.history_insert = migc_sqlite_history_insert,
	.history_update = migc_sqlite_history_update,
	.interrupt = sqlite_interrupt,
	.history_stamp = migc_sqlite_history_stamp,
	.runner_alive = migc_sqlite_runner_alive,
	.query = sqlite_query,
	.label = sqlite_label,
	.history_read_brief = migc_sqlite_history_read_brief,
};
