/*
 * test_engine.c - the verify rules and the apply loop against real SQLite
 * files: apply and re-run, drift, missing, out of order, future, failed SQL
 * rolling back, no-transaction failures and resolve, baseline, repeatables,
 * phases, targets, the history table name, the unique index, the lock, and
 * connecting. Sets are built in memory with migc_set_add.
 */
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "migc.h"
#include "unit.h"
#include "util.h"

static const char *tmpdir;
static int dbseq;

/* What the engine told us through on_event. */
struct events {
	int start, done, failed, warnings;
	char last_warning[1024];
};

static void on_event(const migc_event *ev, void *ctx)
{
	struct events *e = ctx;

	switch (ev->type) {
	case MIGC_EVENT_START: e->start++; break;
	case MIGC_EVENT_DONE: e->done++; break;
	case MIGC_EVENT_FAILED: e->failed++; break;
	case MIGC_EVENT_WARNING:
		e->warnings++;
		migc_strlcpy(e->last_warning, ev->message ? ev->message : "",
			     sizeof(e->last_warning));
		break;
	default: break;
	}
}

static migc_options opts_with(struct events *ev)
{
	migc_options o;

	migc_options_init(&o, MIGC_OPTIONS_VERSION);
	o.wait_ms = 0;
	o.lock_timeout_ms = 2000;
	o.applied_by = "tester@host";
	if (ev) {
		memset(ev, 0, sizeof(*ev));
		o.on_event = on_event;
		o.event_ctx = ev;
	}
	return o;
}

/* A set from NULL-terminated name/content pairs. */
static migc_set *mkset(const char *const *files)
{
	migc_error err;
	migc_set *set = NULL;

	if (migc_set_new(&set, &err)) {
		unit_fail(__FILE__, __LINE__, "set_new: %s", err.message);
		return NULL;
	}
	for (; files[0]; files += 2)
		if (migc_set_add(set, files[0], NULL, files[1], strlen(files[1]),
				 &err))
			unit_fail(__FILE__, __LINE__, "set_add %s: %s", files[0],
				  err.message);
	if (migc_set_finish(set, &err))
		unit_fail(__FILE__, __LINE__, "set_finish: %s", err.message);
	return set;
}

/* A fresh database file path for one test. */
static void new_db(char path[512])
{
	snprintf(path, 512, "%s/t%d.db", tmpdir, ++dbseq);
}

static migc_db *open_path(const char *path, const migc_options *o)
{
	char url[600];
	migc_error err;
	migc_db *db = NULL;

	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (migc_db_open(&db, url, o, &err))
		unit_fail(__FILE__, __LINE__, "open %s: %s", url, err.message);
	return db;
}

static int q_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int table_exists(const char *path, const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE "
		 "name = '%s'", name);
	return unit_sqlite_int(path, sql) == 1;
}

/* Apply `files` to `path`; returns the code, `*n` how many were applied. */
static int up_files(const char *path, const char *const *files,
		    migc_options *o, size_t *n, migc_error *err)
{
	migc_set *set = mkset(files);
	migc_db *db = open_path(path, o);
	int rc = MIGC_ERROR;

	if (set && db)
		rc = migc_up(db, set, o, n, err);
	migc_db_free(db);
	migc_set_free(set);
	return rc;
}

static int verify_files(const char *path, const char *const *files,
			migc_options *o, migc_error *err)
{
	migc_set *set = mkset(files);
	migc_db *db = open_path(path, o);
	int rc = MIGC_ERROR;

	if (set && db)
		rc = migc_verify(db, set, o, err);
	migc_db_free(db);
	migc_set_free(set);
	return rc;
}

/* The state status reports for `version` (or a repeatable's name). */
static const char *state_of(const char *path, const char *const *files,
			    migc_options *o, const char *what)
{
	static char out[64];
	migc_set *set = mkset(files);
	migc_db *db = open_path(path, o);
	migc_report *r = NULL;
	migc_error err;
	size_t i;

	snprintf(out, sizeof(out), "(absent)");
	if (set && db && migc_status(&r, db, set, o, &err) == 0) {
		for (i = 0; i < migc_report_count(r); i++) {
			const migc_report_row *row = migc_report_get(r, i);

			if (strcmp(row->version, what) == 0 ||
			    (!*row->version && strcmp(row->name, what) == 0))
				snprintf(out, sizeof(out), "%s",
					 migc_state_name(row->state));
		}
	}
	migc_report_free(r);
	migc_db_free(db);
	migc_set_free(set);
	return out;
}

static const char *const base3[] = {
	"0001_a.sql", "CREATE TABLE a(x);\n",
	"0002_b.sql", "CREATE TABLE b(x);\n",
	"0003_c.sql", "CREATE TABLE c(x);\n",
	NULL,
};

static void test_apply_then_rerun_is_a_no_op(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_b.sql", "CREATE TABLE b(x);\nINSERT INTO b VALUES (1);\n",
		"R__v.sql", "DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT x FROM b;\n",
		NULL,
	};
	char path[512];
	struct events ev;
	migc_options o = opts_with(&ev);
	migc_error err;
	size_t n = 99;

	new_db(path);
	CHECK_INT(up_files(path, files, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	CHECK_INT(ev.start, 3);
	CHECK_INT(ev.done, 3);
	CHECK(table_exists(path, "a") && table_exists(path, "b") &&
	      table_exists(path, "v"));
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history"), 3);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE "
			"state = 'applied' AND checksum LIKE 'xxh3-128:%' AND "
			"applied_by = 'tester@host' AND length(bundle_id) = 32"), 3);
	CHECK_INT(up_files(path, files, &o, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history"), 3);
	CHECK_INT(verify_files(path, files, &o, &err), 0);
	CHECK_STR(state_of(path, files, &o, "0002"), "applied");
	CHECK_STR(state_of(path, files, &o, "v"), "applied");
}

static void test_drift_is_refused(void)
{
	const char *const edited[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_b.sql", "CREATE TABLE b(x, y);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		"0004_d.sql", "CREATE TABLE d(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	CHECK_INT(verify_files(path, edited, &o, &err), MIGC_EDRIFT);
	CHECK_CONTAINS(err.message, "0002_b.sql: checksum differs from the "
			"applied one (applied ");
	CHECK_CONTAINS(err.message, ", bundle ");
	CHECK_STR(err.file, "0002_b.sql");
	CHECK_STR(err.version, "0002");
	CHECK_CONTAINS(err.hint, "must not be edited");
	CHECK_INT(up_files(path, edited, &o, &n, &err), MIGC_EDRIFT);
	CHECK_INT(n, 0);
	CHECK(!table_exists(path, "d"));
	CHECK_STR(state_of(path, edited, &o, "0002"), "drifted");
}

static void test_unknown_checksum_algorithm_is_drift(void)
{
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	CHECK_INT(q_exec(path, "UPDATE migc_history SET checksum = 'sha1:abc' "
			 "WHERE version = '0001'"), SQLITE_OK);
	CHECK_INT(verify_files(path, base3, &o, &err), MIGC_EDRIFT);
	CHECK_CONTAINS(err.message, "unknown checksum algorithm");
	CHECK_CONTAINS(err.message, "sha1:abc");
}

static void test_missing_is_refused(void)
{
	const char *const without_b[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	CHECK_INT(verify_files(path, without_b, &o, &err), MIGC_EMISSING);
	CHECK_CONTAINS(err.message, "0002_b.sql");
	CHECK_STR(err.version, "0002");
	CHECK_STR(state_of(path, without_b, &o, "0002"), "missing");
}

static void test_out_of_order_refused_unless_allowed(void)
{
	const char *const first[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, first, &o, &n, &err), 0);
	CHECK_INT(verify_files(path, base3, &o, &err), MIGC_EORDER);
	CHECK_CONTAINS(err.message, "0002_b.sql: pending, but older than the "
			"newest applied version 0003");
	CHECK_CONTAINS(err.hint, "--allow-out-of-order");
	CHECK_STR(state_of(path, base3, &o, "0002"), "out-of-order");
	CHECK_INT(up_files(path, base3, &o, &n, &err), MIGC_EORDER);
	CHECK(!table_exists(path, "b"));
	o.allow_out_of_order = 1;
	CHECK_INT(verify_files(path, base3, &o, &err), 0);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(table_exists(path, "b"));
}

static void test_future_warns_and_strict_refuses(void)
{
	const char *const older[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		NULL,
	};
	char path[512];
	struct events ev;
	migc_options o = opts_with(&ev);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	ev.warnings = 0;
	CHECK_INT(verify_files(path, older, &o, &err), 0);
	CHECK_INT(ev.warnings, 2);
	CHECK_CONTAINS(ev.last_warning, "0003_c.sql");
	CHECK_CONTAINS(ev.last_warning, "newer than the bundle");
	CHECK_INT(up_files(path, older, &o, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_STR(state_of(path, older, &o, "0002"), "future");
	o.strict = 1;
	CHECK_INT(verify_files(path, older, &o, &err), MIGC_EFUTURE);
	CHECK_CONTAINS(err.message, "0002_b.sql");
	CHECK_CONTAINS(err.message, "(and 1 more problem)");
}

static void test_failed_sql_rolls_back(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_bad.sql", "CREATE TABLE t2(x);\n-- a comment\n\nCREATE TABEL oops(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		NULL,
	};
	char path[512];
	struct events ev;
	migc_options o = opts_with(&ev);
	migc_error err;
	size_t n = 0;

	new_db(path);
	CHECK_INT(up_files(path, files, &o, &n, &err), MIGC_EFAILED);
	CHECK_INT(n, 1);
	CHECK_INT(ev.failed, 1);
	CHECK_CONTAINS(err.message, "0002_bad.sql:4: near \"TABEL\": syntax error");
	CHECK_INT(err.line, 4);
	CHECK_STR(err.file, "0002_bad.sql");
	CHECK_STR(err.version, "0002");
	CHECK(table_exists(path, "a"));
	CHECK(!table_exists(path, "t2"));
	CHECK(!table_exists(path, "c"));
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history"), 1);
}

static void test_runtime_error_names_the_statement_line(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE a(x UNIQUE);\nINSERT INTO a VALUES (1);\n"
			      "INSERT INTO a\n  VALUES (1);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, files, &o, &n, &err), MIGC_EFAILED);
	CHECK_CONTAINS(err.message, "0001_a.sql:3: UNIQUE constraint failed");
	CHECK(!table_exists(path, "a"));
}

/*
 * A COMMIT in a transactional migration is refused when the set is built
 * (the compiler's check). One the lexer cannot see (here behind SQLite's
 * `ident` quoting, which it does not know) is still caught by the driver
 * when it runs: the transaction must be the one migc began.
 */
static void test_commit_inside_a_migration_is_refused(void)
{
	const char *const plain[] = {
		"0001_a.sql", "CREATE TABLE a(x);\nCOMMIT;\nCREATE TABLE b(x);\n",
		NULL,
	};
	const char *const hidden[] = {
		"0001_a.sql", "CREATE TABLE `it's`(x);\nCOMMIT;\nCREATE TABLE b(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	migc_set *set = NULL;

	migc_set_new(&set, &err);
	CHECK_INT(migc_set_add(set, plain[0], NULL, plain[1], strlen(plain[1]), &err),
		  MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0001_a.sql:2: top-level COMMIT");
	migc_set_free(set);
	new_db(path);
	CHECK_INT(up_files(path, hidden, &o, &n, &err), MIGC_EFAILED);
	CHECK_CONTAINS(err.message, "0001_a.sql:2: this statement ended the "
			"migration's transaction");
	CHECK(!table_exists(path, "b"));
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history"), 0);
}

static void test_no_transaction_failure_then_resolve(void)
{
	const char *const bad[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_n.sql", "-- migc:no-transaction\nCREATE TABLE n(x);\n"
			      "INSERT INTO nope VALUES (1);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_set *set;
	migc_db *db;
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, bad, &o, &n, &err), MIGC_EFAILED);
	CHECK_CONTAINS(err.message, "0002_n.sql:3: no such table: nope");
	CHECK_CONTAINS(err.hint, "migrate resolve 0002");
	CHECK(table_exists(path, "n")); /* no transaction: the first part stays */
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE "
			"version = '0002' AND state = 'failed'"), 1);
	CHECK_STR(state_of(path, bad, &o, "0002"), "failed");
	CHECK_INT(up_files(path, bad, &o, &n, &err), MIGC_EDIRTY);
	CHECK_CONTAINS(err.message, "0002_n.sql: left failed by an earlier run");
	CHECK_CONTAINS(err.hint, "migrate resolve 0002 --applied");

	set = mkset(bad);
	db = open_path(path, &o);
	CHECK_INT(migc_resolve(db, set, "0001", MIGC_RESOLVE_APPLIED, &o, &err),
		  MIGC_EUSAGE);
	CHECK_CONTAINS(err.message, "only a failed or running migration");
	CHECK_INT(migc_resolve(db, set, "0009", MIGC_RESOLVE_APPLIED, &o, &err),
		  MIGC_ENOTFOUND);
	CHECK_INT(migc_resolve(db, set, "0002", MIGC_RESOLVE_APPLIED, &o, &err), 0);
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(migc_verify(db, set, &o, &err), 0);
	migc_db_free(db);
	migc_set_free(set);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE version = "
			"'0002' AND state = 'applied' AND note LIKE 'resolved as "
			"applied by tester@host at %'"), 1);
}

static void test_resolve_pending_runs_it_again(void)
{
	const char *const bad[] = {
		"0001_n.sql", "-- migc:no-transaction\nINSERT INTO nope VALUES (1);\n",
		NULL,
	};
	const char *const fixed[] = {
		"0001_n.sql", "-- migc:no-transaction\nCREATE TABLE n(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_set *set;
	migc_db *db;
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, bad, &o, &n, &err), MIGC_EFAILED);
	set = mkset(fixed);
	db = open_path(path, &o);
	CHECK_INT(migc_resolve(db, set, "0001_n.sql", MIGC_RESOLVE_PENDING, &o,
			       &err), 0);
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 1);
	migc_db_free(db);
	migc_set_free(set);
	CHECK(table_exists(path, "n"));
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE state = "
			"'undone' AND note LIKE 'resolved as pending%'"), 1);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE state = "
			"'applied'"), 1);
}

static void test_running_row_is_dirty(void)
{
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	/* a runner killed while a no-transaction migration ran */
	CHECK_INT(q_exec(path, "UPDATE migc_history SET state = 'running' "
			 "WHERE version = '0003'"), SQLITE_OK);
	CHECK_INT(q_exec(path, "UPDATE migc_history SET checksum = 'xxh3-128:00' "
			 "WHERE version = '0001'"), SQLITE_OK);
	CHECK_INT(verify_files(path, base3, &o, &err), MIGC_EDIRTY);
	CHECK_CONTAINS(err.message, "0003_c.sql: left running");
	CHECK_CONTAINS(err.message, "(and 1 more problem)");
}

static void test_baseline_adopts_a_database(void)
{
	char path[512];
	migc_options o = opts_with(NULL);
	migc_set *set = mkset(base3);
	migc_db *db;
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(q_exec(path, "CREATE TABLE a(x); CREATE TABLE b(x);"), SQLITE_OK);
	db = open_path(path, &o);
	CHECK_INT(migc_baseline(db, set, "0009", &o, &err), MIGC_ENOTFOUND);
	CHECK_INT(migc_baseline(db, set, "0002", &o, &err), 0);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE state = "
			"'baseline'"), 2);
	CHECK_INT(migc_baseline(db, set, "0002", &o, &err), MIGC_EUSAGE);
	CHECK_CONTAINS(err.message, "already has 2 rows");
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(table_exists(path, "c"));
	migc_db_free(db);
	migc_set_free(set);
	CHECK_STR(state_of(path, base3, &o, "0001"), "baseline");
	CHECK_STR(state_of(path, base3, &o, "0003"), "applied");
}

static void test_repeatable_reapplied_when_changed(void)
{
	const char *const v1[] = {
		"0001_a.sql", "CREATE TABLE a(x, y);\n",
		"R__v.sql", "DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT x FROM a;\n",
		NULL,
	};
	const char *const v2[] = {
		"0001_a.sql", "CREATE TABLE a(x, y);\n",
		"R__v.sql", "DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT x, y FROM a;\n",
		NULL,
	};
	const char *const gone[] = {
		"0001_a.sql", "CREATE TABLE a(x, y);\n",
		NULL,
	};
	char path[512];
	struct events ev;
	migc_options o = opts_with(&ev);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, v1, &o, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(state_of(path, v2, &o, "v"), "changed");
	CHECK_INT(verify_files(path, v2, &o, &err), 0);
	CHECK_INT(up_files(path, v2, &o, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE name = 'v'"), 2);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM pragma_table_info('v')"), 2);
	CHECK_INT(up_files(path, v2, &o, &n, &err), 0);
	CHECK_INT(n, 0);
	/* removing a repeatable is legitimate: a warning, not an error */
	ev.warnings = 0;
	CHECK_INT(verify_files(path, gone, &o, &err), 0);
	CHECK_INT(ev.warnings, 1);
	CHECK_CONTAINS(ev.last_warning, "R__v.sql");
	CHECK_STR(state_of(path, gone, &o, "v"), "missing");
}

static void test_phases(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_drop.sql", "-- migc:phase post\nDROP TABLE a;\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, files, &o, &n, &err), 0); /* default: pre */
	CHECK_INT(n, 2);
	CHECK(table_exists(path, "a") && table_exists(path, "c"));
	o.phase = MIGC_PHASE_PRE;
	CHECK_STR(state_of(path, files, &o, "0002"), "deferred");
	CHECK_INT(verify_files(path, files, &o, &err), 0);
	o.phase = MIGC_PHASE_ALL;
	CHECK_STR(state_of(path, files, &o, "0002"), "pending");
	/* post-phase migrations are exempt from the out-of-order rule */
	CHECK_INT(verify_files(path, files, &o, &err), 0);
	o.phase = MIGC_PHASE_POST;
	CHECK_INT(up_files(path, files, &o, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(!table_exists(path, "a"));
}

static void test_target_stops_there(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_b.sql", "CREATE TABLE b(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		"R__v.sql", "CREATE VIEW IF NOT EXISTS v AS SELECT 1;\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	o.target = "0009";
	CHECK_INT(up_files(path, files, &o, &n, &err), MIGC_ENOTFOUND);
	CHECK_CONTAINS(err.message, "0009");
	o.target = "2"; /* versions compare as numbers */
	CHECK_INT(up_files(path, files, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	CHECK(table_exists(path, "b") && !table_exists(path, "c"));
	o.target = NULL;
	CHECK_INT(up_files(path, files, &o, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(table_exists(path, "c"));
}

static void test_history_table_name(void)
{
	static const char *const bad[] = {
		"bad-name", "1abc", "", "a.b.c", ".x", "x.",
		"a234567890123456789012345678901234567890123456789012345678901234",
		"robert'); DROP TABLE a; --",
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_set *set = mkset(base3);
	migc_report *r = NULL;
	migc_db *db;
	migc_error err;
	size_t i, n;

	new_db(path);
	db = open_path(path, &o);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.history_table = bad[i];
		CHECK_INT(migc_up(db, set, &o, &n, &err), MIGC_EUSAGE);
		CHECK_CONTAINS(err.message, "invalid history table name");
		CHECK_INT(migc_status(&r, db, set, &o, &err), MIGC_EUSAGE);
		CHECK(r == NULL);
	}
	o.history_table = "main.deploy_history";
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	migc_db_free(db);
	migc_set_free(set);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM deploy_history"), 3);
	CHECK(!table_exists(path, "migc_history"));
}

static void test_unique_index_refuses_a_second_application(void)
{
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;
	static const char insert[] =
		"INSERT INTO migc_history (version, name, kind, checksum, state, "
		"applied_at) VALUES ('0002', 'b', 'versioned', 'xxh3-128:00', "
		"'%s', '2026-01-01T00:00:00Z')";
	char sql[512];

	new_db(path);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	snprintf(sql, sizeof(sql), insert, "applied");
	CHECK_INT(q_exec(path, sql), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof(sql), insert, "undone");
	CHECK_INT(q_exec(path, sql), SQLITE_OK);
	CHECK_INT(verify_files(path, base3, &o, &err), 0);
}

static void test_lock_timeout(void)
{
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;
	int fd;

	new_db(path);
	CHECK_INT(q_exec(path, "CREATE TABLE x(y);"), SQLITE_OK);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
	o.lock_timeout_ms = 200;
	CHECK_INT(up_files(path, base3, &o, &n, &err), MIGC_ELOCKED);
	CHECK_CONTAINS(err.message, "could not take the migration lock");
	CHECK_INT(migc_exit_code(err.code), MIGC_EXIT_CONNECT);
	close(fd);
	CHECK_INT(up_files(path, base3, &o, &n, &err), 0);
	CHECK_INT(n, 3);
}

static void test_urls(void)
{
	char path[512], url[600];
	migc_options o = opts_with(NULL);
	migc_set *set = mkset(base3);
	migc_db *db = NULL;
	migc_error err;
	long long t0;
	size_t n;

	CHECK_INT(migc_db_open(&db, "sqlite://x.db", &o, &err), MIGC_EUSAGE);
	CHECK_CONTAINS(err.message, "ambiguous");
	CHECK_INT(migc_db_open(&db, "sqlite:", &o, &err), MIGC_EUSAGE);
	CHECK_INT(migc_db_open(&db, "mysql://u:secret@h/db", &o, &err), MIGC_EUSAGE);
	CHECK(strstr(err.message, "secret") == NULL);
	CHECK_INT(migc_db_open(&db, "sqlite:/nonexistent/dir/x.db", &o, &err),
		  MIGC_ECONNECT);
	CHECK_CONTAINS(err.message, "/nonexistent/dir/x.db");
	o.wait_ms = 300;
	t0 = migc_now_ms();
	CHECK_INT(migc_db_open(&db, "sqlite:/nonexistent/dir/x.db", &o, &err),
		  MIGC_ECONNECT);
	CHECK(migc_now_ms() - t0 >= 300);
	CHECK_CONTAINS(err.message, "attempts");
	o.wait_ms = 0;

	CHECK_INT(migc_db_open(&db, "sqlite::memory:", &o, &err), 0);
	CHECK_STR(migc_db_driver(db), "sqlite");
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	migc_db_free(db);

	new_db(path);
	snprintf(url, sizeof(url), "file:%s?mode=rwc&cache=private", path);
	CHECK_INT(migc_db_open(&db, url, &o, &err), 0);
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	migc_db_free(db);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history"), 3);

	new_db(path);
	snprintf(url, sizeof(url), "sqlite://%s", path); /* sqlite:///abs */
	CHECK_INT(migc_db_open(&db, url, &o, &err), 0);
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	migc_db_free(db);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history"), 3);
	migc_set_free(set);
}

/* Build a bundle struct by hand, the way generated code lays it out. */
static void test_run_from_a_bundle(void)
{
	static const char stream[][MIGC_BUNDLE_ROW] = {
		"CREATE TABLE a(x);\nCREATE TABLE b(x);\n"};
	static const char sql1[] = "CREATE TABLE a(x);\n", sql2[] = "CREATE TABLE b(x);\n";
	char sum1[MIGC_CHECKSUM_HEX_LEN + 1], sum2[MIGC_CHECKSUM_HEX_LEN + 1];
	char id[MIGC_CHECKSUM_HEX_LEN + 1], path[512], url[600];
	const char *const files[] = {
		"0001_a.sql", sql1, "0002_b.sql", sql2, NULL,
	};
	migc_set *set = mkset(files);
	struct migc_bundle_entry e[2];
	struct migc_bundle b;
	migc_error err;

	migc_checksum(sum1, sql1, strlen(sql1));
	migc_checksum(sum2, sql2, strlen(sql2));
	migc_set_bundle_id(set, id);
	migc_set_free(set);
	memset(e, 0, sizeof(e));
	e[0] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
		.version_off = unit_str("0001"), .name_off = unit_str("a"),
		.filename_off = unit_str("0001_a.sql"),
		.checksum_off = unit_str(sum1), .sql_len = strlen(sql1)};
	e[1] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
		.version_off = unit_str("0002"), .name_off = unit_str("b"),
		.filename_off = unit_str("0002_b.sql"),
		.checksum_off = unit_str(sum2), .sql_off = strlen(sql1), .sql_len = strlen(sql2)};
	b = (struct migc_bundle){.abi = MIGC_BUNDLE_ABI,
		.strings = unit_strings(), .string_rows = unit_string_rows(),
		.compiler_version = MIGC_VERSION, .bundle_id = id,
		.source_commit = "abc123", .count = 2, .records = unit_records(e, 2),
		.record_rows = unit_record_rows(2),
		.sql = unit_chunks(stream, strlen(stream[0])),
		.sql_size = strlen(stream[0]), .sql_chunks = 1};
	new_db(path);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	CHECK_INT(migc_run(&b, url, NULL, &err), 0);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM migc_history WHERE "
			"source_commit = 'abc123'"), 2);
	CHECK_INT(migc_run(&b, url, NULL, &err), 0);
	e[1].checksum_off = unit_str(sum1); /* corrupted: the SQL no longer matches */
	unit_rerecord(&b, e);
	CHECK_INT(migc_run(&b, url, NULL, &err), MIGC_ECORRUPT);
}

/* 10,000 migrations: baseline in one transaction, then a merged status. */
static void test_ten_thousand_migrations(void)
{
	enum { N = 10000 };
	char path[512], name[64], last[16];
	char (*sql)[32] = calloc(N, sizeof(*sql));
	migc_options o = opts_with(NULL);
	migc_report *r = NULL;
	migc_set *set = NULL;
	migc_db *db;
	migc_error err;
	size_t i;

	CHECK(sql != NULL && migc_set_new(&set, &err) == 0);
	if (!sql || !set)
		return;
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "%05zu_m.sql", i + 1);
		snprintf(sql[i], sizeof(sql[i]), "SELECT %zu;\n", i);
		if (migc_set_add(set, name, NULL, sql[i], strlen(sql[i]), &err))
			break;
	}
	CHECK_INT(migc_set_finish(set, &err), 0);
	new_db(path);
	db = open_path(path, &o);
	snprintf(last, sizeof(last), "%05d", N - 1);
	CHECK_INT(migc_baseline(db, set, last, &o, &err), 0);
	CHECK_INT(migc_status(&r, db, set, &o, &err), 0);
	CHECK_INT(migc_report_count(r), N);
	if (migc_report_count(r) == N) {
		CHECK_STR(migc_state_name(migc_report_get(r, 0)->state), "baseline");
		CHECK_STR(migc_state_name(migc_report_get(r, N - 1)->state), "pending");
	}
	CHECK_INT(migc_verify(db, set, &o, &err), 0);
	migc_report_free(r);
	migc_db_free(db);
	migc_set_free(set);
	free(sql);
}

static void test_options_version_is_checked(void)
{
	migc_options o;

	CHECK_INT(migc_options_init(&o, 99), MIGC_EUSAGE);
	CHECK_INT(migc_options_init(&o, MIGC_OPTIONS_VERSION), 0);
	CHECK_STR(o.history_table, "migc_history");
	CHECK_INT(o.wait_ms, 5000);
	CHECK_INT(o.lock_timeout_ms, 60000);
	CHECK_STR(migc_state_name(MIGC_STATE_OUT_OF_ORDER), "out-of-order");
}

/*
 * The SQLite driver keeps its history statements prepared for the
 * connection: they must follow a switch of history table on the same
 * connection, survive a migration that alters the history table (SQLite
 * re-prepares them), and serve the no-transaction path's UPDATE.
 */
static void test_cached_history_statements(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE IF NOT EXISTS a(x);\n",
		"0002_b.sql", "-- migc:no-transaction\nCREATE TABLE IF NOT EXISTS b(x);\n",
		"0003_c.sql", "CREATE TABLE IF NOT EXISTS c(x);\n",
		NULL,
	};
	const char *const alter[] = {
		"0001_a.sql", "CREATE TABLE IF NOT EXISTS a(x);\n",
		"0002_b.sql", "-- migc:no-transaction\nCREATE TABLE IF NOT EXISTS b(x);\n",
		"0003_c.sql", "CREATE TABLE IF NOT EXISTS c(x);\n",
		"0004_alter.sql", "ALTER TABLE h1 ADD COLUMN extra TEXT;\n",
		"0005_d.sql", "-- migc:no-transaction\nCREATE TABLE d(x);\n",
		"0006_e.sql", "CREATE TABLE e(x);\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_set *set = mkset(files), *set2 = mkset(alter);
	migc_db *db;
	migc_error err;
	size_t n;

	new_db(path);
	db = open_path(path, &o);
	o.history_table = "h1";
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	o.history_table = "h2"; /* same connection, another table */
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	o.history_table = "h1";
	CHECK_INT(migc_up(db, set, &o, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(migc_up(db, set2, &o, &n, &err), 0);
	CHECK_INT(n, 3);
	migc_db_free(db);
	migc_set_free(set);
	migc_set_free(set2);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM h1 WHERE state = 'applied'"), 6);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM h2 WHERE state = 'applied'"), 3);
	CHECK_INT(unit_sqlite_int(path, "SELECT count(*) FROM h1 WHERE version = '0005' "
			"AND duration_ms >= 0 AND note = ''"), 1);
	CHECK(table_exists(path, "d") && table_exists(path, "e"));
}

/*
 * migc_engine_up hands back what `migrate up` prints after the run (the
 * newest applied version, the deferred count) without a second history
 * read: it must say what a fresh `status` with up's phase says, after
 * applying, after a no-op, and after a failure that came once the history
 * was read; and nothing (seen = 0) after a failure before that.
 */
static void check_summary_like_status(const char *path,
				      const char *const *files,
				      const struct migc_up_result *res)
{
	migc_options o = opts_with(NULL);
	migc_set *set = mkset(files);
	migc_db *db = open_path(path, &o);
	migc_report *r = NULL;
	migc_error err;
	const char *v;

	o.phase = MIGC_PHASE_PRE;
	CHECK_INT(migc_status(&r, db, set, &o, &err), 0);
	CHECK(res->seen);
	v = cli_current_version(r);
	if (v)
		CHECK_STR(res->current_version, v);
	else
		CHECK(res->current_version == NULL);
	CHECK_INT(res->deferred, cli_count_state(r, MIGC_STATE_DEFERRED));
	migc_report_free(r);
	migc_db_free(db);
	migc_set_free(set);
}

static void test_up_result_is_the_status_after_the_run(void)
{
	const char *const files[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_post.sql", "-- migc:phase post\nCREATE TABLE p(x);\n",
		"0003_b.sql", "CREATE TABLE b(x);\n",
		"R__v.sql", "CREATE VIEW IF NOT EXISTS v AS SELECT 1;\n",
		NULL,
	};
	const char *const broken[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_post.sql", "-- migc:phase post\nCREATE TABLE p(x);\n",
		"0003_b.sql", "CREATE TABLE b(x);\n",
		"0004_c.sql", "CREATE TABLE c(x);\n",
		"0005_bad.sql", "CREATE TABEL oops(x);\n",
		"R__v.sql", "CREATE VIEW IF NOT EXISTS v AS SELECT 1;\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_set *set = mkset(files), *bad = mkset(broken);
	struct migc_up_result res;
	migc_db *db;
	migc_error err;

	new_db(path);
	db = open_path(path, &o);
	o.target = "0001";
	CHECK_INT(migc_engine_up(&res, db, set, &o, &err), 0);
	CHECK_INT(res.applied, 2); /* 0001 and the repeatable */
	CHECK_STR(res.current_version, "0001");
	CHECK_INT(res.deferred, 1);
	check_summary_like_status(path, files, &res);
	migc_engine_up_result_clear(&res);
	o.target = NULL;
	CHECK_INT(migc_engine_up(&res, db, set, &o, &err), 0);
	CHECK_INT(res.applied, 1);
	CHECK_STR(res.current_version, "0003");
	check_summary_like_status(path, files, &res);
	migc_engine_up_result_clear(&res);
	CHECK_INT(migc_engine_up(&res, db, set, &o, &err), 0); /* a no-op */
	CHECK_INT(res.applied, 0);
	CHECK_STR(res.current_version, "0003");
	CHECK_INT(res.deferred, 1);
	migc_engine_up_result_clear(&res);
	/* 0004 applies, 0005 fails: the summary is the state it left */
	CHECK_INT(migc_engine_up(&res, db, bad, &o, &err), MIGC_EFAILED);
	CHECK_INT(res.applied, 1);
	CHECK_STR(res.current_version, "0004");
	check_summary_like_status(path, broken, &res);
	migc_engine_up_result_clear(&res);
	/* a failure before the history is read: nothing is known */
	o.history_table = "bad-name";
	CHECK_INT(migc_engine_up(&res, db, set, &o, &err), MIGC_EUSAGE);
	CHECK(!res.seen && res.current_version == NULL && res.deferred == 0);
	migc_engine_up_result_clear(&res);
	migc_engine_up_result_clear(NULL);
	migc_db_free(db);
	migc_set_free(set);
	migc_set_free(bad);
}

/*
 * The report keeps, for each version or repeatable, the newest history row,
 * however the rows' id order interleaves them: repeatables applied between
 * versioned migrations, a repeatable applied again, a version applied out
 * of order. (The report checks the id order and sorts only when it must.)
 */
static void test_report_takes_the_newest_row_in_any_order(void)
{
	const char *const s1[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"R__b.sql", "DROP VIEW IF EXISTS b;\nCREATE VIEW b AS SELECT 1;\n",
		NULL,
	};
	const char *const s2[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		"R__a.sql", "DROP VIEW IF EXISTS va;\nCREATE VIEW va AS SELECT 1;\n",
		"R__b.sql", "DROP VIEW IF EXISTS b;\nCREATE VIEW b AS SELECT 2;\n",
		NULL,
	};
	const char *const s3[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_b.sql", "CREATE TABLE b2(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		"R__a.sql", "DROP VIEW IF EXISTS va;\nCREATE VIEW va AS SELECT 1;\n",
		"R__b.sql", "DROP VIEW IF EXISTS b;\nCREATE VIEW b AS SELECT 2;\n",
		NULL,
	};
	const char *const old_b[] = {
		"0001_a.sql", "CREATE TABLE a(x);\n",
		"0002_b.sql", "CREATE TABLE b2(x);\n",
		"0003_c.sql", "CREATE TABLE c(x);\n",
		"R__a.sql", "DROP VIEW IF EXISTS va;\nCREATE VIEW va AS SELECT 1;\n",
		"R__b.sql", "DROP VIEW IF EXISTS b;\nCREATE VIEW b AS SELECT 1;\n",
		NULL,
	};
	char path[512];
	migc_options o = opts_with(NULL);
	migc_error err;
	size_t n;

	new_db(path);
	CHECK_INT(up_files(path, s1, &o, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(up_files(path, s2, &o, &n, &err), 0); /* 0003, R__a, R__b */
	CHECK_INT(n, 3);
	o.allow_out_of_order = 1;
	CHECK_INT(up_files(path, s3, &o, &n, &err), 0); /* 0002 after 0003 */
	CHECK_INT(n, 1);
	/* ids: 0001 R__b 0003 R__a R__b 0002 */
	CHECK_INT(unit_sqlite_int(path, "SELECT group_concat(coalesce(nullif(version, ''), "
			"name), ' ') = '0001 b 0003 a b 0002' FROM (SELECT * FROM "
			"migc_history ORDER BY id)"), 1);
	CHECK_STR(state_of(path, s3, &o, "b"), "applied");
	CHECK_STR(state_of(path, s3, &o, "a"), "applied");
	CHECK_STR(state_of(path, s3, &o, "0002"), "applied");
	CHECK_STR(state_of(path, old_b, &o, "b"), "changed");
	CHECK_INT(verify_files(path, s3, &o, &err), 0);
	CHECK_INT(up_files(path, s3, &o, &n, &err), 0);
	CHECK_INT(n, 0);
}

int main(void)
{
	tmpdir = unit_tmpdir("engine");
	RUN(test_options_version_is_checked);
	RUN(test_apply_then_rerun_is_a_no_op);
	RUN(test_drift_is_refused);
	RUN(test_unknown_checksum_algorithm_is_drift);
	RUN(test_missing_is_refused);
	RUN(test_out_of_order_refused_unless_allowed);
	RUN(test_future_warns_and_strict_refuses);
	RUN(test_failed_sql_rolls_back);
	RUN(test_runtime_error_names_the_statement_line);
	RUN(test_commit_inside_a_migration_is_refused);
	RUN(test_no_transaction_failure_then_resolve);
	RUN(test_resolve_pending_runs_it_again);
	RUN(test_running_row_is_dirty);
	RUN(test_baseline_adopts_a_database);
	RUN(test_repeatable_reapplied_when_changed);
	RUN(test_phases);
	RUN(test_target_stops_there);
	RUN(test_history_table_name);
	RUN(test_unique_index_refuses_a_second_application);
	RUN(test_lock_timeout);
	RUN(test_urls);
	RUN(test_run_from_a_bundle);
	RUN(test_ten_thousand_migrations);
	RUN(test_cached_history_statements);
	RUN(test_up_result_is_the_status_after_the_run);
	RUN(test_report_takes_the_newest_row_in_any_order);
	return unit_done();
}
