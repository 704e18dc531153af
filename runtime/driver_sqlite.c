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
 * The history INSERT, UPDATE and stamp run once or twice per migration, so
 * they are prepared once per connection (SQLITE_PREPARE_PERSISTENT) and
 * reset after every use: preparing them each time was a fifth of an apply.
 * A reset statement holds no lock and no read transaction, and SQLite
 * re-prepares it by itself if the schema changes; all are finalized before
 * sqlite3_close, which would refuse to close with statements left.
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

#include "driver.h"
#include "util.h"

/* The history statements kept prepared for one history table. */
enum cached_stmt { STMT_INSERT, STMT_UPDATE, STMT_STAMP, STMT_COUNT };

struct migc_conn {
	sqlite3 *db;
	char *label;  /* the path, for messages (SQLite URLs hold no secrets) */
	int lock_fd;  /* flock descriptor, -1 until the first lock */
	int in_tx;    /* inside begin() ... commit()/rollback() */
	volatile sig_atomic_t interrupted; /* set from a signal handler */
	char *stmt_table;                  /* the table `stmt` was prepared for */
	sqlite3_stmt *stmt[STMT_COUNT];    /* NULL until first used */
};

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

/* Open and touch the database, so a file that is not one fails here. */
static int open_db(sqlite3 **db, const char *path, int uri, int busy_ms,
		   migc_error *err)
{
	/* NOMUTEX: a connection is used by one thread (migc.h: objects are
	 * not shared between threads; sqlite3_interrupt takes no mutex in
	 * either mode). SQLite's default serialized mode locks a mutex in
	 * every call: reading 10,000 history rows of 12 columns made that
	 * 13 % of a no-op up's instructions. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
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

/* Finalize the cached statements (before a close, or for another table). */
static void stmts_drop(struct migc_conn *c)
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
	stmts_drop(c);
	sqlite3_close(c->db);
	/* only now: closing it earlier would drop SQLite's fcntl locks */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->label);
	free(c);
}

/* A database error outside a migration's SQL. */
static int db_error(struct migc_conn *c, migc_error *err, const char *what)
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

static int sqlite_begin(struct migc_conn *c, migc_error *err)
{
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot begin a transaction");
	c->in_tx = 1;
	return 0;
}

static int sqlite_commit(struct migc_conn *c, migc_error *err)
{
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot commit");
	c->in_tx = 0;
	return 0;
}

static void sqlite_rollback(struct migc_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	c->in_tx = 0;
}

/* ------------------------------------------------------------------ */
/* Running a migration                                                 */
/* ------------------------------------------------------------------ */

/* Skip whitespace and comments to the first token of a statement. */
static const char *skip_blank(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       *p == '\f' || *p == '\v')
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
 * by sqlite3_error_offset() for syntax errors. A transactional migration
 * that ends its own transaction (COMMIT inside the file) is an error: the
 * history row could then no longer commit with it.
 */
static int sqlite_exec(struct migc_conn *c, const migc_migration *m,
		       migc_error *err)
{
	struct line_pos lp = {m->sql, 1};
	const char *p = m->sql, *tail = NULL;

	while (*p) {
		sqlite3_stmt *stmt = NULL;
		const char *first = skip_blank(p);
		int rc, off;

		if (sqlite3_prepare_v2(c->db, p, -1, &stmt, &tail) != SQLITE_OK) {
			off = sqlite3_error_offset(c->db);
			return exec_error(m, line_at(&lp, off >= 0 ? p + off : first),
					  sqlite3_errmsg(c->db), err);
		}
		if (!stmt) {
			if (!tail || tail <= p)
				break;
			p = tail;
			continue;
		}
		rc = step_all(stmt);
		if (rc != SQLITE_DONE) {
			exec_error(m, line_at(&lp, first), sqlite3_errmsg(c->db), err);
			sqlite3_finalize(stmt);
			return MIGC_EFAILED;
		}
		sqlite3_finalize(stmt);
		if (c->in_tx && sqlite3_get_autocommit(c->db))
			return exec_error(m, line_at(&lp, first), "this statement "
					  "ended the migration's transaction; use "
					  "-- migc:no-transaction to manage "
					  "transactions yourself", err);
		p = tail;
	}
	if (!c->in_tx && !sqlite3_get_autocommit(c->db)) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return exec_error(m, line_at(&lp, p), "the migration left a "
				  "transaction open (rolled back)", err);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The history table                                                   */
/* ------------------------------------------------------------------ */

/*
 * The table name, validated by the engine as ident or schema.ident, split
 * and quoted: `qualified` is "schema"."table" (or "table"), `schema` the
 * schema for sqlite_master ("main" by default), `bare` the table alone.
 */
struct table_name {
	char qualified[200];
	char schema[80];
	char bare[80];
};

static void table_name(struct table_name *t, const char *table)
{
	const char *dot = strchr(table, '.');

	if (dot) {
		snprintf(t->schema, sizeof(t->schema), "%.*s",
			 (int)(dot - table), table);
		snprintf(t->bare, sizeof(t->bare), "%s", dot + 1);
	} else {
		snprintf(t->schema, sizeof(t->schema), "main");
		snprintf(t->bare, sizeof(t->bare), "%s", table);
	}
	snprintf(t->qualified, sizeof(t->qualified), "\"%s\".\"%s\"",
		 t->schema, t->bare);
}

/* The SQL of each cached statement; %s is the quoted table name. */
static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_INSERT] = "INSERT INTO %s (version, name, kind, checksum, state, "
			"applied_at, duration_ms, bundle_id, source_commit, "
			"applied_by, note) VALUES "
			"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[STMT_UPDATE] = "UPDATE %s SET state = ?1, duration_ms = CASE WHEN ?2 < 0 "
			"THEN duration_ms ELSE ?2 END, note = coalesce(?3, note) "
			"WHERE id = ?4",
	/* max of the INTEGER PRIMARY KEY: one b-tree descent */
	[STMT_STAMP] = "SELECT coalesce(max(id), 0) FROM %s",
};

/*
 * Statement `which` for `table`, prepared on first use and kept for the
 * connection; the caller steps it and hands it back with stmt_done(). A
 * history table other than the cached one (a library caller switching
 * tables) drops the cache first.
 */
static int stmt_get(struct migc_conn *c, enum cached_stmt which,
		    const char *table, sqlite3_stmt **out, const char *what,
		    migc_error *err)
{
	struct table_name t;
	char sql[512];

	*out = NULL;
	if (c->stmt_table && strcmp(c->stmt_table, table) != 0)
		stmts_drop(c);
	if (!c->stmt[which]) {
		if (!c->stmt_table && !(c->stmt_table = migc_strdup(table)))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		table_name(&t, table);
		snprintf(sql, sizeof(sql), stmt_sql[which], t.qualified);
		if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmt[which], NULL) != SQLITE_OK) {
			c->stmt[which] = NULL;
			return db_error(c, err, what);
		}
	}
	*out = c->stmt[which];
	return 0;
}

/* Ready a cached statement for its next use: no open cursor, no lock, and
 * no binding left pointing at the caller's strings. */
static void stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static int sqlite_history_ensure(struct migc_conn *c, const char *table,
				 migc_error *err)
{
	struct table_name t;
	migc_buf sql = MIGC_BUF_INIT;
	int rc;

	table_name(&t, table);
	rc = migc_buf_printf(&sql,
		"BEGIN IMMEDIATE;\n"
		"CREATE TABLE IF NOT EXISTS %s (\n"
		"  id INTEGER PRIMARY KEY,\n"
		"  version TEXT NOT NULL,\n"
		"  name TEXT NOT NULL,\n"
		"  kind TEXT NOT NULL,\n"
		"  checksum TEXT NOT NULL,\n"
		"  state TEXT NOT NULL,\n"
		"  applied_at TEXT NOT NULL,\n"
		"  duration_ms INTEGER NOT NULL DEFAULT 0,\n"
		"  bundle_id TEXT NOT NULL DEFAULT '',\n"
		"  source_commit TEXT NOT NULL DEFAULT '',\n"
		"  applied_by TEXT NOT NULL DEFAULT '',\n"
		"  note TEXT NOT NULL DEFAULT '',\n"
		"  runner TEXT NOT NULL DEFAULT ''\n"
		");\n"
		"CREATE UNIQUE INDEX IF NOT EXISTS \"%s\".\"%s_version\"\n"
		"  ON \"%s\" (version)\n"
		"  WHERE kind = 'versioned' AND state <> 'undone';\n"
		"COMMIT;\n",
		t.qualified, t.schema, t.bare, t.bare);
	if (rc)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = sqlite3_exec(c->db, sql.data, NULL, NULL, NULL);
	migc_buf_free(&sql);
	if (rc != SQLITE_OK) {
		db_error(c, err, "cannot create the history table");
		sqlite_rollback(c);
		return MIGC_EDB;
	}
	return 0;
}

static int table_exists(struct migc_conn *c, const struct table_name *t,
			int *exists, migc_error *err)
{
	char sql[256];
	sqlite3_stmt *stmt = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\".sqlite_master "
		 "WHERE type = 'table' AND name = ?1", t->schema);
	if (sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot read the schema");
	sqlite3_bind_text(stmt, 1, t->bare, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*exists = rc == SQLITE_ROW;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(c, err, "cannot read the schema");
	return 0;
}

static const char *col_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s ? (const char *)s : "";
}

/* One row of the SELECT below into `row` (strings borrowed). */
static int read_row(struct migc_conn *c, const char *table, sqlite3_stmt *stmt,
		    struct migc_history_row *row, migc_error *err)
{
	memset(row, 0, sizeof(*row));
	row->id = sqlite3_column_int64(stmt, 0);
	row->version = (char *)col_text(stmt, 1);
	row->name = (char *)col_text(stmt, 2);
	if (migc_kind_parse(col_text(stmt, 3), &row->kind))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"unknown kind \"%.40s\"", c->label, table,
				row->id, col_text(stmt, 3));
	row->checksum = (char *)col_text(stmt, 4);
	if (migc_hstate_parse(col_text(stmt, 5), &row->state))
		return migc_err(err, MIGC_EDB, "%s: history table %s, row %lld: "
				"unknown state \"%.40s\"", c->label, table,
				row->id, col_text(stmt, 5));
	row->applied_at = (char *)col_text(stmt, 6);
	row->duration_ms = sqlite3_column_int64(stmt, 7);
	row->bundle_id = (char *)col_text(stmt, 8);
	row->source_commit = (char *)col_text(stmt, 9);
	row->applied_by = (char *)col_text(stmt, 10);
	row->note = (char *)col_text(stmt, 11);
	row->runner = (char *)col_text(stmt, 12);
	return 0;
}

/*
 * Room for `bound` rows in `h`, up to HISTORY_RESERVE_MAX: a hint, so a
 * bound far above the real count (ids with gaps) or a failure costs
 * nothing but growing as usual.
 */
#define HISTORY_RESERVE_MAX 1000000
static void reserve_rows(struct migc_history *h, long long bound)
{
	if (bound > 0)
		(void)migc_history_reserve(h, bound > HISTORY_RESERVE_MAX
						  ? (size_t)HISTORY_RESERVE_MAX
						  : (size_t)bound);
}

static int sqlite_history_read(struct migc_conn *c, const char *table,
			       struct migc_history *out, migc_error *err)
{
	struct table_name t;
	sqlite3_stmt *stmt = NULL;
	char sql[1024];
	int exists = 0, rc;

	table_name(&t, table);
	rc = table_exists(c, &t, &exists, err);
	if (rc || !exists)
		return rc;
	/* the last column bounds the row count (ids are distinct integers), so
	 * that the rows and their strings are allocated once
	 * (migc_history_reserve): two constant subqueries, each a single
	 * min() or max() so that SQLite answers it with one b-tree descent
	 * (`max(id) - min(id)` in one subquery would scan the table) */
	snprintf(sql, sizeof(sql), "SELECT id, version, name, kind, checksum, "
		 "state, applied_at, duration_ms, bundle_id, source_commit, "
		 "applied_by, note, runner, (SELECT max(id) FROM %s) - "
		 "(SELECT min(id) FROM %s) + 1 FROM %s ORDER BY id",
		 t.qualified, t.qualified, t.qualified);
	if (sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot read the history table");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct migc_history_row row;

		if (out->count == 0)
			reserve_rows(out, sqlite3_column_int64(stmt, 13));

		if (read_row(c, table, stmt, &row, err)) {
			rc = MIGC_EDB;
			break;
		}
		if (migc_history_push(out, &row)) {
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
			break;
		}
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = db_error(c, err, "cannot read the history table");
	sqlite3_finalize(stmt);
	if (rc)
		migc_history_clear(out);
	return rc;
}

static int sqlite_history_insert(struct migc_conn *c, const char *table,
				 const struct migc_history_row *row,
				 long long *id, migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = stmt_get(c, STMT_INSERT, table, &stmt,
		      "cannot write the history table", err);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, row->version ? row->version : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, row->name ? row->name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, migc_kind_name(row->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, row->checksum ? row->checksum : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, migc_hstate_name(row->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, row->applied_at ? row->applied_at : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, row->duration_ms);
	sqlite3_bind_text(stmt, 8, row->bundle_id ? row->bundle_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, row->source_commit ? row->source_commit : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, row->applied_by ? row->applied_by : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, row->note ? row->note : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		db_error(c, err, "cannot write the history table");
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return MIGC_EDB;
	if (id)
		*id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int sqlite_history_update(struct migc_conn *c, const char *table,
				 long long id, migc_hstate state,
				 long long duration_ms, const char *note,
				 migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = stmt_get(c, STMT_UPDATE, table, &stmt,
		      "cannot update the history table", err);
	if (rc)
		return rc;
	sqlite3_bind_text(stmt, 1, migc_hstate_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, duration_ms);
	if (note) /* unbound (NULL) keeps the note: coalesce(?3, note) */
		sqlite3_bind_text(stmt, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		db_error(c, err, "cannot update the history table");
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return MIGC_EDB;
	if (sqlite3_changes(c->db) != 1)
		return migc_err(err, MIGC_EDB, "%s: history row %lld is gone",
				c->label, id);
	return 0;
}

/* The largest id: how the engine notices that the history changed (under
 * flock nobody else writes, but the check is cheap). */
static int sqlite_history_stamp(struct migc_conn *c, const char *table,
				long long *max_id, migc_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	*max_id = 0;
	rc = stmt_get(c, STMT_STAMP, table, &stmt,
		      "cannot read the history table", err);
	if (rc)
		return rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*max_id = sqlite3_column_int64(stmt, 0);
	else
		db_error(c, err, "cannot read the history table");
	stmt_done(stmt);
	return rc == SQLITE_ROW ? 0 : MIGC_EDB;
}

/* The flock is held for the whole run, so a "running" row seen by a
 * runner that holds it can only be an earlier, dead run's. */
static int sqlite_runner_alive(struct migc_conn *c,
			       const struct migc_history_row *row,
			       migc_error *err)
{
	(void)c;
	(void)row;
	(void)err;
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
		return db_error(c, err, "query failed");
	n = sqlite3_column_count(stmt);
	if (n > 32)
		n = 32;
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(stmt, i);
		stop = row(ctx, n, values);
	}
	if (!stop && rc != SQLITE_DONE) {
		rc = db_error(c, err, "query failed");
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
	.history_ensure = sqlite_history_ensure,
	.history_read = sqlite_history_read,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.exec = sqlite_exec,
	.history_insert = sqlite_history_insert,
	.history_update = sqlite_history_update,
	.interrupt = sqlite_interrupt,
	.history_stamp = sqlite_history_stamp,
	.runner_alive = sqlite_runner_alive,
	.query = sqlite_query,
	.label = sqlite_label,
};
