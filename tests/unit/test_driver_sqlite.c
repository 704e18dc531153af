/*
 * test_driver_sqlite.c - the SQLite driver through its vtable, against real
 * database files: what the engine's tests cannot reach from migc_up.
 *
 * BEGIN IMMEDIATE and COMMIT run from statements the connection keeps
 * prepared; when another connection holds the lock they need, they fail
 * with the database's message, leave the connection usable, and work
 * again once the lock is free.
 *
 * exec() skips the blanks and comments between statements itself (exactly
 * what SQLite's tokenizer skips) and still names the line of a failing
 * statement.
 *
 * Connections are opened without SQLite's per-connection mutex (a migc_db
 * belongs to one thread at a time): distinct migc_db objects on the same
 * file, in distinct threads at once, each apply everything or find it done,
 * and every migration is applied exactly once.
 *
 * The `migrate` CLI owns its process: migc_cli_main turns SQLite's memory
 * statistics off before anything uses SQLite (so this test runs first).
 */
#define _DEFAULT_SOURCE

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "engine.h"
#include "migc.h"
#include "unit.h"

static const char *tmpdir;
static int dbseq;

/* A fresh database file for one test, opened with a short busy timeout. */
static migc_db *open_new(char path[512], int busy_ms)
{
	char url[600];
	migc_options o;
	migc_error err;
	migc_db *db = NULL;

	snprintf(path, 512, "%s/t%d.db", tmpdir, ++dbseq);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	migc_options_init(&o, MIGC_OPTIONS_VERSION);
	o.wait_ms = 0;
	o.busy_timeout_ms = busy_ms;
	if (migc_db_open(&db, url, &o, &err))
		unit_fail(__FILE__, __LINE__, "open %s: %s", url, err.message);
	return db;
}

static void test_cli_turns_memory_statistics_off(void)
{
	char prog[] = "migrate", cmd[] = "no-such-command";
	char *argv[] = {prog, cmd, NULL};
	sqlite3 *db = NULL;

	CHECK_INT(migc_cli_main(2, argv, NULL), MIGC_EXIT_USAGE);
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES "
			       "(randomblob(100000))", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_memory_used(), 0); /* nothing counted */
	sqlite3_close(db);
	migc_sqlite_configure_process(); /* too late now: harmless */
}

/* A set of one migration. */
static migc_set *one(const char *name, const char *sql)
{
	migc_error err;
	migc_set *set = NULL;

	if (migc_set_new(&set, &err) ||
	    migc_set_add(set, name, NULL, sql, strlen(sql), &err) ||
	    migc_set_finish(set, &err))
		unit_fail(__FILE__, __LINE__, "set: %s", err.message);
	return set;
}

static void test_begin_and_commit_when_locked(void)
{
	char path[512];
	migc_db *db = open_new(path, 50);
	const struct migc_driver *d = db ? db->driver : NULL;
	migc_set *set = one("0001_a.sql", "CREATE TABLE a(x);\n");
	sqlite3 *other = NULL;
	sqlite3_stmt *read = NULL;
	migc_error err;

	if (!db || !set)
		return;
	CHECK_INT(sqlite3_open(path, &other), SQLITE_OK);

	/* another writer: BEGIN IMMEDIATE waits 50 ms, then says why */
	CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(d->begin(db->conn, &err), MIGC_EDB);
	CHECK_CONTAINS(err.message, "cannot begin a transaction: database is locked");
	CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(d->begin(db->conn, &err), 0);
	CHECK_INT(d->exec(db->conn, migc_set_get(set, 0), &err), 0);

	/* a reader: COMMIT cannot take the exclusive lock; the transaction
	 * stays open, and commits once the reader is gone */
	CHECK_INT(sqlite3_prepare_v2(other, "SELECT count(*) FROM sqlite_master",
				     -1, &read, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(other, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(read), SQLITE_ROW);
	CHECK_INT(d->commit(db->conn, &err), MIGC_EDB);
	CHECK_CONTAINS(err.message, "cannot commit: database is locked");
	sqlite3_finalize(read);
	CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(d->commit(db->conn, &err), 0);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'a'"), 1);

	/* and again: the kept statements were reset after each failure */
	CHECK_INT(d->begin(db->conn, &err), 0);
	CHECK_INT(d->commit(db->conn, &err), 0);
	sqlite3_close(other);
	migc_set_free(set);
	migc_db_free(db);
}

/* exec() of one migration in a transaction; its code, the error in `err`. */
static int exec_one(migc_db *db, const char *sql, migc_error *err)
{
	const struct migc_driver *d = db->driver;
	migc_set *set = one("0001_a.sql", sql);
	int rc;

	if (!set)
		return -1;
	rc = d->begin(db->conn, err);
	if (!rc)
		rc = d->exec(db->conn, migc_set_get(set, 0), err);
	if (!rc)
		rc = d->commit(db->conn, err);
	else
		d->rollback(db->conn);
	migc_set_free(set);
	return rc;
}

static void test_exec_between_statements(void)
{
	char path[512];
	migc_db *db = open_new(path, 50);
	migc_error err;

	if (!db)
		return;
	CHECK_INT(exec_one(db, "-- lead\n\n/* block */ CREATE TABLE a(x);\n;;\n"
			   "  -- tail\n/* end */\n\n", &err), 0);
	CHECK_INT(exec_one(db, "CREATE TABLE b(x); -- same line\n\n"
			   "/* two\nlines */ INSERT INTO b VALUES (1);", &err), 0);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM b"), 1);

	/* the line of the failing statement, after comments and blank lines */
	CHECK_INT(exec_one(db, "CREATE TABLE c(x);\n\n  -- note\n"
			   "  INSERT INTO nope VALUES (1);\n", &err), MIGC_EFAILED);
	CHECK_CONTAINS(err.message, "0001_a.sql:4: no such table: nope");
	CHECK_INT(exec_one(db, "CREATE TABLE c(x);\n/* open comment", &err), 0);

	/* \v is no blank to SQLite: refused, as it was, never skipped */
	CHECK_INT(exec_one(db, "CREATE TABLE d(x);\n\v\n", &err), MIGC_EFAILED);
	CHECK_CONTAINS(err.message, "0001_a.sql:2: unrecognized token");
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'd'"), 0);
	migc_db_free(db);
}

struct runner {
	const char *path;
	const migc_set *set;
	int rc;
	size_t applied;
};

static void *run_up(void *arg)
{
	struct runner *r = arg;
	char url[600];
	migc_options o;
	migc_error err;
	migc_db *db = NULL;

	snprintf(url, sizeof(url), "sqlite:%s", r->path);
	migc_options_init(&o, MIGC_OPTIONS_VERSION);
	o.wait_ms = 0;
	o.lock_timeout_ms = 30000;
	r->rc = migc_db_open(&db, url, &o, &err);
	if (!r->rc)
		r->rc = migc_up(db, r->set, &o, &r->applied, &err);
	migc_db_free(db);
	return NULL;
}

static void test_threads_each_with_a_db(void)
{
	enum { THREADS = 4, MIGRATIONS = 40 };
	char path[512], name[64], sql[128];
	struct runner r[THREADS];
	pthread_t t[THREADS];
	migc_db *first = open_new(path, 5000);
	migc_set *set = NULL;
	migc_error err;
	size_t total = 0;
	int i;

	migc_db_free(first);
	if (migc_set_new(&set, &err))
		return;
	for (i = 1; i <= MIGRATIONS; i++) {
		snprintf(name, sizeof(name), "%04d_m.sql", i);
		snprintf(sql, sizeof(sql), "CREATE TABLE t%d(x);\n"
			 "INSERT INTO t%d VALUES (%d);\n", i, i, i);
		CHECK_INT(migc_set_add(set, name, NULL, sql, strlen(sql), &err), 0);
	}
	CHECK_INT(migc_set_finish(set, &err), 0);
	for (i = 0; i < THREADS; i++) {
		r[i].path = path;
		r[i].set = set;
		r[i].rc = -1;
		r[i].applied = 0;
		CHECK_INT(pthread_create(&t[i], NULL, run_up, &r[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(r[i].rc, 0);
		total += r[i].applied;
	}
	CHECK_INT(total, MIGRATIONS);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE state = 'applied'"),
		  MIGRATIONS);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
			"AND name GLOB 't[0-9]*'"), MIGRATIONS);
	migc_set_free(set);
}

int main(void)
{
	tmpdir = unit_tmpdir("driver-sqlite");
	RUN(test_cli_turns_memory_statistics_off); /* first */
	RUN(test_begin_and_commit_when_locked);
	RUN(test_exec_between_statements);
	RUN(test_threads_each_with_a_db);
	return unit_done();
}
