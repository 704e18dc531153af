/*
 * test_lint.c - the rolling-deploy lint (compiler/lint.c) and its opt-out
 * directive, `-- migc:allow RULE[,RULE...]` (runtime/directives.c).
 *
 * Protects: each rule fires on the statement shapes it is for, with the
 * statement's line, and stays quiet on the safe variants next to them;
 * words inside strings, comments, dollar-quoted bodies and quoted
 * identifiers are never taken for keywords; tables created in the same
 * file are exempt; post-deploy files may drop; the lock rule follows
 * -- migc:lock-timeout and SET/RESET lock_timeout through the file;
 * SQLite skips the PostgreSQL-only rules; `allow` silences exactly the
 * rules it names, and a misspelt rule is an error with file and line.
 *
 * Each case is SQL and the findings it must give, as "LINE:rule ..." in
 * order ("" for none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "lint.h"
#include "migc.h"
#include "model.h"
#include "set_internal.h"
#include "sqllex.h"
#include "unit.h"
#include "util.h"

/* lint_report_fn: append "LINE:rule" to a migc_buf. */
static int describe(void *ctx, const struct lint_finding *f)
{
	migc_buf *b = ctx;

	return migc_buf_printf(b, "%s%d:%s", b->len ? " " : "", f->line,
			       migc_lint_rule_name(f->rule));
}

/*
 * The findings for `sql` as "LINE:rule ..." (a static buffer), or "!msg".
 * With `scanned`, through lint_sql_scanned() with what the build's lexer
 * pass (migc_sql_check_transaction_control_scan) saw of the file, as
 * `migc build` lints; every case runs both ways and must agree.
 */
static const char *lint_as_how(const char *sql, enum lint_dialect dialect, int scanned)
{
	static char out[1024];
	migc_buf b = MIGC_BUF_INIT;
	migc_error err;
	size_t len = strlen(sql);
	char *copy = malloc(len ? len : 1);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, sql, len); /* exactly len bytes: a read past it is an ASan error */
	migc_error_clear(&err);
	if (scanned) {
		struct migc_sql_scan scan;
		migc_error ignored;

		/* a file with transaction control never reaches the lint of
		 * a build: lint it without the scan */
		migc_directives d;

		rc = migc_sql_check_transaction_control_scan("t.sql", copy, len, &scan,
							     &ignored);
		/* nor one whose directives do not parse */
		if (!rc)
			rc = migc_directives_parse(&d, "t.sql", copy, len, &ignored);
		rc = lint_sql_scanned("t.sql", copy, len, rc ? NULL : &scan, dialect,
				      describe, &b, &err);
	} else {
		rc = lint_sql("t.sql", copy, len, dialect, describe, &b, &err);
	}
	out[0] = '!';
	if (rc)
		migc_strlcpy(out + 1, err.message, sizeof(out) - 1);
	else
		migc_strlcpy(out, b.len ? b.data : "", sizeof(out));
	migc_buf_free(&b);
	free(copy);
	return out;
}

static const char *lint_as(const char *sql, enum lint_dialect dialect)
{
	static char plain[1024];
	const char *scanned;

	migc_strlcpy(plain, lint_as_how(sql, dialect, 0), sizeof(plain));
	scanned = lint_as_how(sql, dialect, 1);
	if (strcmp(plain, scanned) != 0)
		unit_fail(__FILE__, __LINE__, "%s\n#     lint_sql gave \"%s\", "
			  "lint_sql_scanned \"%s\"", sql, plain, scanned);
	return plain;
}

struct lint_case {
	const char *sql;
	const char *want;
};

static void run_cases(const struct lint_case *cases, size_t n, enum lint_dialect dialect)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *got = lint_as(cases[i].sql, dialect);

		if (strcmp(got, cases[i].want) != 0)
			unit_fail(__FILE__, __LINE__, "case %zu: %s\n#     expected \"%s\", got \"%s\"",
				  i, cases[i].sql, cases[i].want, got);
	}
}

#define RUN_CASES(cases, dialect) run_cases(cases, sizeof(cases) / sizeof(cases[0]), dialect)

static void test_drop_and_rename(void)
{
	static const struct lint_case cases[] = {
		{ "ALTER TABLE users DROP COLUMN name;", "1:drop-column" },
		{ "alter table users drop name", "1:drop-column" },
		{ "ALTER TABLE IF EXISTS ONLY public.users DROP COLUMN IF EXISTS name CASCADE;",
		  "1:drop-column" },
		{ "ALTER TABLE users ADD COLUMN a text, DROP COLUMN b;", "1:drop-column" },
		{ "ALTER TABLE users DROP CONSTRAINT users_name_key;", "" },
		{ "ALTER TABLE users ALTER COLUMN name DROP DEFAULT;", "" },
		{ "ALTER TABLE users ALTER COLUMN name DROP NOT NULL;", "" },
		{ "-- migc:phase post\nALTER TABLE users DROP COLUMN name;", "" },
		{ "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;", "" },
		{ "ALTER TABLE users RENAME COLUMN a TO b;", "1:rename-column" },
		{ "ALTER TABLE users RENAME a TO b;", "1:rename-column" },
		{ "-- migc:phase post\nALTER TABLE users RENAME COLUMN a TO b;", "2:rename-column" },
		{ "ALTER TABLE users RENAME CONSTRAINT a TO b;", "" },
		{ "SELECT 1;\n\nDROP TABLE legacy;", "3:drop-table" },
		{ "DROP TABLE IF EXISTS a, b CASCADE;", "1:drop-table" },
		{ "CREATE TABLE tmp (x int);\nDROP TABLE tmp;", "" },
		{ "CREATE TEMP TABLE a (x int);\nDROP TABLE a, b;", "2:drop-table" },
		{ "-- migc:phase post\nDROP TABLE legacy;", "" },
		{ "DROP VIEW v; DROP INDEX i; DROP FUNCTION f();", "" },
		{ "ALTER TABLE users RENAME TO people;", "1:rename-table" },
		{ "CREATE TABLE a (x int);\nALTER TABLE a RENAME TO b;\n"
		  "ALTER TABLE b ADD COLUMN y int NOT NULL;", "" },
	};

	RUN_CASES(cases, LINT_POSTGRES);
}

static void test_column_changes(void)
{
	static const struct lint_case cases[] = {
		{ "ALTER TABLE t ALTER COLUMN c TYPE bigint;", "1:change-column-type" },
		{ "ALTER TABLE t ALTER c SET DATA TYPE bigint USING c::bigint;",
		  "1:change-column-type" },
		{ "ALTER TABLE t ALTER COLUMN type TYPE text;", "1:change-column-type" },
		{ "ALTER TABLE t ALTER COLUMN type SET DEFAULT 'x';", "" },
		{ "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", "1:set-not-null" },
		{ "ALTER TABLE t ALTER COLUMN c SET STATISTICS 100;", "" },
		{ "ALTER TABLE t ADD COLUMN c int NOT NULL;", "1:add-not-null-without-default" },
		{ "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int NOT NULL;",
		  "1:add-not-null-without-default" },
		{ "ALTER TABLE t ADD COLUMN c int PRIMARY KEY;", "1:add-not-null-without-default" },
		{ "ALTER TABLE t ADD c int NOT NULL DEFAULT 0;", "" },
		{ "ALTER TABLE t ADD COLUMN c int DEFAULT 0 NOT NULL;", "" },
		{ "ALTER TABLE t ADD COLUMN c int DEFAULT NULL;", "" },
		{ "ALTER TABLE t ADD COLUMN c int CHECK (c IS NOT NULL);", "" },
		{ "ALTER TABLE t ADD COLUMN c varchar(10);", "" },
		{ "ALTER TABLE t ADD COLUMN c timestamptz NOT NULL DEFAULT now();", "" },
		{ "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();",
		  "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN c uuid NOT NULL DEFAULT public.gen_random_uuid();",
		  "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT (random() * 10)::int;",
		  "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN id bigserial;", "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;",
		  "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY;",
		  "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a + 1) STORED NOT NULL;",
		  "1:add-column-volatile-default" },
		{ "ALTER TABLE t ADD COLUMN c uuid;\nALTER TABLE t ALTER COLUMN c SET DEFAULT "
		  "gen_random_uuid();", "" },
		{ "ALTER TABLE t ADD COLUMN c int NOT NULL CHECK (c > random());",
		  "1:add-not-null-without-default" },
	};

	RUN_CASES(cases, LINT_POSTGRES);
}

static void test_indexes_and_constraints(void)
{
	static const struct lint_case cases[] = {
		{ "CREATE INDEX i ON t (c);", "1:create-index-non-concurrently" },
		{ "CREATE UNIQUE INDEX IF NOT EXISTS i ON ONLY public.t USING btree (c) "
		  "WHERE status = 'on';", "1:create-index-non-concurrently" },
		{ "CREATE INDEX \"concurrently\" ON t (c);", "1:create-index-non-concurrently" },
		{ "-- migc:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);", "" },
		{ "CREATE TABLE t (c int);\nCREATE INDEX i ON t (c);", "" },
		{ "CREATE INDEX CONCURRENTLY i ON t (c);", "1:needs-no-transaction" },
		{ "DROP INDEX CONCURRENTLY IF EXISTS i;", "1:needs-no-transaction" },
		{ "REINDEX (VERBOSE) INDEX CONCURRENTLY i;", "1:needs-no-transaction" },
		{ "VACUUM ANALYZE t;", "1:needs-no-transaction" },
		{ "-- migc:no-transaction\nVACUUM;", "" },
		{ "ALTER TABLE t ADD CONSTRAINT u UNIQUE (c);", "1:create-index-non-concurrently" },
		{ "ALTER TABLE t ADD PRIMARY KEY (id);", "1:create-index-non-concurrently" },
		{ "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i;", "" },
		{ "ALTER TABLE p ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id);",
		  "1:add-foreign-key" },
		{ "ALTER TABLE p ADD FOREIGN KEY (u) REFERENCES users (id) ON DELETE CASCADE;",
		  "1:add-foreign-key" },
		{ "ALTER TABLE p ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;",
		  "" },
		{ "ALTER TABLE p VALIDATE CONSTRAINT fk;", "" },
		{ "ALTER TABLE p ADD COLUMN u int REFERENCES users (id);", "" },
		{ "ALTER TABLE p ADD COLUMN u int DEFAULT NULL REFERENCES users (id);",
		  "1:add-foreign-key" },
		{ "ALTER TABLE p ADD COLUMN u int CHECK (u <> 'references');", "" },
		{ "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0);", "1:add-check-constraint" },
		{ "ALTER TABLE t ADD CHECK (x > 0) NOT VALID;", "" },
		{ "ALTER TABLE t ADD CONSTRAINT c CHECK (note <> 'NOT VALID');",
		  "1:add-check-constraint" },
		{ "TRUNCATE TABLE ONLY a, b RESTART IDENTITY;", "1:truncate" },
		{ "CREATE TEMP TABLE s (x int); TRUNCATE s;", "" },
	};

	RUN_CASES(cases, LINT_POSTGRES);
}

static void test_lock_timeout(void)
{
	static const struct lint_case cases[] = {
		{ "ALTER TABLE t ADD COLUMN c int;", "" },
		{ "-- migc:lock-timeout 0\nALTER TABLE t ADD COLUMN c int;",
		  "2:lock-without-timeout" },
		{ "-- migc:lock-timeout 10s\nALTER TABLE t ADD COLUMN c int;", "" },
		{ "SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN c int;", "2:lock-without-timeout" },
		{ "SET LOCAL lock_timeout TO '0s';\nLOCK TABLE t;", "2:lock-without-timeout" },
		{ "SET lock_timeout = '2s';\nLOCK TABLE t;", "" },
		{ "SET lock_timeout = '0.5s';\nLOCK TABLE t;", "" },
		{ "-- migc:lock-timeout 0\nSET lock_timeout = '2s';\nTRUNCATE t;", "3:truncate" },
		{ "RESET lock_timeout;\nDROP INDEX i;", "2:lock-without-timeout" },
		{ "SET lock_timeout TO DEFAULT;\nCLUSTER t;", "2:lock-without-timeout" },
		{ "-- migc:lock-timeout 0\nLOCK TABLE t IN SHARE MODE;", "" },
		{ "-- migc:lock-timeout 0\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT;", "" },
		{ "-- migc:lock-timeout 0\nLOCK t, u IN ACCESS EXCLUSIVE MODE;",
		  "2:lock-without-timeout" },
		{ "-- migc:lock-timeout 0\nALTER TABLE t VALIDATE CONSTRAINT c;", "" },
		{ "-- migc:lock-timeout 0\n-- migc:no-transaction\nVACUUM (FULL, ANALYZE) t;",
		  "3:lock-without-timeout" },
		{ "-- migc:lock-timeout 0\n-- migc:no-transaction\nVACUUM (FULL false) t;", "" },
		{ "-- migc:lock-timeout 0\nREFRESH MATERIALIZED VIEW CONCURRENTLY v;", "" },
		{ "-- migc:lock-timeout 0\nREFRESH MATERIALIZED VIEW v;", "2:lock-without-timeout" },
		{ "-- migc:lock-timeout 0\nREINDEX TABLE t;", "2:lock-without-timeout" },
		{ "-- migc:lock-timeout 0\nCREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;",
		  "" },
		{ "-- migc:lock-timeout 0\nALTER TABLE t RENAME COLUMN a TO b;",
		  "2:rename-column 2:lock-without-timeout" },
		{ "-- migc:lock-timeout 0\nSELECT * FROM t;\nUPDATE t SET a = 1;", "" },
	};

	RUN_CASES(cases, LINT_POSTGRES);
}

/* Keywords in strings, comments, bodies and quoted identifiers. */
static void test_false_positive_traps(void)
{
	static const struct lint_case cases[] = {
		{ "SELECT 'ALTER TABLE t DROP COLUMN c';", "" },
		{ "INSERT INTO notes (body) VALUES ('DROP TABLE users; TRUNCATE x');", "" },
		{ "SELECT E'it\\'s; DROP TABLE x';", "" },
		{ "-- DROP TABLE users;\n/* ALTER TABLE t DROP COLUMN c; /* nested */ TRUNCATE x; */\n"
		  "SELECT 1;", "" },
		{ "CREATE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE users; TRUNCATE x; END $$ "
		  "LANGUAGE plpgsql;", "" },
		{ "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n"
		  "  ALTER TABLE t DROP COLUMN c;\nEND\n$body$;", "" },
		{ "DO $$ BEGIN ALTER TABLE t DROP COLUMN c; END $$;", "" },
		{ "ALTER TABLE \"drop\" ADD COLUMN \"drop\" int;", "" },
		{ "CREATE TABLE \"truncate\" (x int);\nALTER TABLE \"truncate\" ADD COLUMN y int "
		  "NOT NULL;", "" },
		{ "UPDATE t SET \"drop\" = 1 WHERE \"truncate\" = 'DROP TABLE';", "" },
		{ "ALTER TABLE t ADD COLUMN \"not\" int NULL;", "" },
		{ "ALTER TABLE t ADD COLUMN note text DEFAULT 'NOT NULL';", "" },
		{ "ALTER TABLE t ADD COLUMN c text DEFAULT 'random()';", "" },
		{ "ALTER TABLE t ADD COLUMN drop_at timestamptz;", "" },
		{ "CREATE TABLE truncate_log (x int);\nCREATE VIEW drop_table AS SELECT 1;", "" },
		{ "ALTER TABLE t DROP CONSTRAINT \"column\";", "" },
		{ "COMMENT ON COLUMN t.c IS 'ALTER TABLE t ALTER COLUMN c TYPE int';", "" },
		{ "SELECT 'unterminated", "" },
	};

	RUN_CASES(cases, LINT_POSTGRES);
}

static void test_sqlite_dialect(void)
{
	static const struct lint_case cases[] = {
		{ "ALTER TABLE t DROP COLUMN c;", "1:drop-column" },
		{ "ALTER TABLE t RENAME COLUMN a TO b;", "1:rename-column" },
		{ "ALTER TABLE t ADD COLUMN c TEXT NOT NULL;", "1:add-not-null-without-default" },
		{ "ALTER TABLE t ADD COLUMN c NOT NULL;", "1:add-not-null-without-default" },
		{ "ALTER TABLE t ADD COLUMN c NOT NULL DEFAULT 1;", "" },
		{ "CREATE INDEX i ON t (c);", "" },
		{ "ALTER TABLE t ADD COLUMN c TEXT DEFAULT (random());", "" },
		{ "-- migc:lock-timeout 0\nDROP TABLE t;", "2:drop-table" },
		{ "VACUUM;", "1:needs-no-transaction" },
	};

	RUN_CASES(cases, LINT_SQLITE);
}

static void test_allow_directive(void)
{
	static const struct lint_case cases[] = {
		{ "-- migc:allow drop-column\nALTER TABLE users DROP COLUMN name;", "" },
		{ "-- migc:allow drop-column, truncate\nALTER TABLE u DROP COLUMN n;\nTRUNCATE x;", "" },
		{ "-- migc:allow truncate\nALTER TABLE u DROP COLUMN n;", "2:drop-column" },
		{ "-- migc:allow drop-table\n-- migc:allow lock-without-timeout\n"
		  "-- migc:lock-timeout 0\nDROP TABLE x;", "" },
		{ "--migc:allow create-index-non-concurrently\nCREATE INDEX i ON t (c);", "" },
	};

	RUN_CASES(cases, LINT_POSTGRES);
}

/* The directive parser refuses what it cannot read, with file and line. */
static void test_allow_errors(void)
{
	static const char *const bad[] = {
		"-- a comment\n-- migc:allow drop-colum\nSELECT 1;",
		"-- a comment\n-- migc:allow\nSELECT 1;",
		"-- a comment\n-- migc:allow drop-column,\nSELECT 1;",
		"-- a comment\n-- migc:allow drop-column,,truncate\nSELECT 1;",
	};
	migc_directives d;
	migc_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		migc_error_clear(&err);
		CHECK_INT(migc_directives_parse(&d, "m/0002_x.sql", bad[i], strlen(bad[i]), &err),
			  MIGC_EINVALID);
		CHECK_INT(err.line, 2);
		CHECK_CONTAINS(err.message, "m/0002_x.sql:2: ");
		CHECK_CONTAINS(err.hint, "known rules: drop-column, rename-column");
	}
	migc_error_clear(&err);
	migc_directives_parse(&d, "f.sql", bad[0], strlen(bad[0]), &err);
	CHECK_CONTAINS(err.message, "unknown rule 'drop-colum'");
	migc_error_clear(&err);
	CHECK_INT(migc_directives_parse(&d, "f.sql", "SELECT 1;\n-- migc:allow truncate\n", 33,
					&err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "below the first statement");
	/* the same text goes through lint_sql as an error, not a finding */
	CHECK_CONTAINS(lint_as(bad[0], LINT_POSTGRES), "!t.sql:2: migc:allow: unknown rule");
}

/* allow sets a mask, not a flag: the bundle's flags and id do not change. */
static void test_allow_mask_and_names(void)
{
	static const char sql[] = "-- migc:allow truncate,drop-table\n-- migc:allow truncate\n"
				  "TRUNCATE t;\n";
	migc_directives d;
	migc_set *set = NULL;
	migc_error err;
	int i, j;

	migc_error_clear(&err);
	CHECK_INT(migc_directives_parse(&d, "f.sql", sql, strlen(sql), &err), 0);
	CHECK_INT(d.lint_allow, (1u << MIGC_LINT_TRUNCATE) | (1u << MIGC_LINT_DROP_TABLE));
	CHECK_INT(d.flags, 0);
	CHECK_INT(migc_set_new(&set, &err), 0);
	CHECK_INT(migc_set_add(set, "0001_t.sql", NULL, sql, strlen(sql), &err), 0);
	CHECK_INT(migc_set_get(set, 0)->flags, 0);
	migc_set_free(set);
	for (i = 0; i < MIGC_LINT_NRULES; i++) {
		const char *name = migc_lint_rule_name(i);

		CHECK(name != NULL);
		if (!name)
			continue;
		CHECK_INT(migc_lint_rule_find(name, strlen(name)), i);
		CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz-") == strlen(name));
		CHECK_CONTAINS(cmd_lint_usage, name);
		for (j = 0; j < i; j++)
			CHECK(strcmp(name, migc_lint_rule_name(j)) != 0);
	}
	CHECK(migc_lint_rule_name(MIGC_LINT_NRULES) == NULL);
	CHECK(migc_lint_rule_name(-1) == NULL);
	CHECK_INT(migc_lint_rule_find("drop", 4), -1);
}

/* lint_report_fn keeping the last finding's text. */
static int keep_last(void *ctx, const struct lint_finding *f)
{
	char *out = ctx;

	snprintf(out, 2048, "%s:%d|%s|%s", f->file, f->line, f->message, f->suggestion);
	return 0;
}

static void test_messages(void)
{
	static const char drop[] = "-- why\nALTER TABLE public.users\n  DROP COLUMN \"Full\nName\";";
	static const char lock[] = "-- migc:lock-timeout 0\nTRUNCATE big;";
	char out[2048] = "";
	migc_error err;

	CHECK_INT(lint_sql("m/0004_drop.sql", drop, strlen(drop), LINT_POSTGRES, keep_last, out,
			   &err), 0);
	CHECK_CONTAINS(out, "m/0004_drop.sql:2|drops column public.users.\"Full?Name\" in a "
			    "pre-deploy migration");
	CHECK_CONTAINS(out, "-- migc:phase post");
	CHECK_CONTAINS(out, "-- migc:allow drop-column");
	CHECK_INT(lint_sql("f.sql", lock, strlen(lock), LINT_POSTGRES, keep_last, out, &err), 0);
	CHECK_CONTAINS(out, "TRUNCATE big waits for an exclusive lock with no lock timeout "
			    "(-- migc:lock-timeout 0)");
	CHECK_CONTAINS(out, "--db-lock-timeout");
}

/* lint_set: names files "dir/name", honours --since, keeps repeatables. */
static void test_lint_set(void)
{
	static const char a[] = "DROP TABLE a;", b[] = "DROP TABLE b;", r[] = "TRUNCATE c;";
	struct lint_result res;
	migc_set *set = NULL;
	migc_error err;

	migc_error_clear(&err);
	CHECK_INT(migc_set_new(&set, &err), 0);
	CHECK_INT(migc_set_add(set, "0001_a.sql", NULL, a, strlen(a), &err), 0);
	CHECK_INT(migc_set_add(set, "0002_b.sql", NULL, b, strlen(b), &err), 0);
	CHECK_INT(migc_set_add(set, "R__c.sql", NULL, r, strlen(r), &err), 0);
	CHECK_INT(migc_set_finish(set, &err), 0);
	CHECK_INT(lint_set(&res, set, "db/migrations/", LINT_POSTGRES, NULL, &err), 0);
	CHECK_INT(res.checked, 3);
	CHECK_INT(res.count, 3);
	if (res.count == 3) {
		CHECK_STR(res.items[0].file, "db/migrations/0001_a.sql");
		CHECK_STR(res.items[2].file, "db/migrations/R__c.sql");
		CHECK_INT(res.items[2].rule, MIGC_LINT_TRUNCATE);
	}
	lint_result_free(&res);
	CHECK_INT(lint_set(&res, set, "m", LINT_POSTGRES, "1", &err), 0);
	CHECK_INT(res.checked, 2);
	CHECK_INT(res.count, 2);
	if (res.count == 2)
		CHECK_STR(res.items[0].file, "m/0002_b.sql");
	lint_result_free(&res);
	migc_set_free(set);
}

/*
 * lint_set() lints from what the set's lexer pass saw (set_sql_scan): the
 * same findings as the file-by-file lint, for a file whose lead words are
 * only in strings, one the lexer cannot read, one that starts with
 * INSERT, and a no-transaction file (not scanned: linted the usual way).
 */
static void test_lint_set_scanned(void)
{
	static const char *const files[][2] = {
		{"0001_a.sql", "INSERT INTO t VALUES ('DROP TABLE x; ALTER TABLE y');"},
		{"0002_b.sql", "DROP TABLE b; SELECT 'unterminated"},
		{"0003_c.sql", "INSERT INTO t VALUES (1);\n  drop TABLE c;"},
		{"0004_d.sql", "-- migc:no-transaction\nDROP TABLE d;"},
		{"0005_e.sql", "insert into t values (2); Set lock_timeout = 0;\n"
			       "ALTER TABLE e ADD COLUMN f int NOT NULL DEFAULT 1;"},
	};
	struct lint_result res;
	migc_set *set = NULL;
	migc_error err;
	migc_buf b = MIGC_BUF_INIT;
	size_t i;

	migc_error_clear(&err);
	CHECK_INT(migc_set_new(&set, &err), 0);
	for (i = 0; i < 5; i++)
		CHECK_INT(migc_set_add(set, files[i][0], NULL, files[i][1],
				       strlen(files[i][1]), &err), 0);
	CHECK_INT(migc_set_finish(set, &err), 0);
	CHECK(set_sql_scan(set, 0) != NULL);
	/* decided without lexing: no statement starts like transaction control */
	CHECK(set_sql_scan(set, 0) && set_sql_scan(set, 0)->lexable == -1);
	CHECK(set_sql_scan(set, 1) && set_sql_scan(set, 1)->lexable != 1);
	CHECK(set_sql_scan(set, 3) == NULL);
	CHECK_INT(lint_set(&res, set, "m", LINT_POSTGRES, NULL, &err), 0);
	for (i = 0; i < res.count; i++)
		migc_buf_printf(&b, "%s%s:%d:%s", i ? " " : "", res.items[i].file,
				res.items[i].line, migc_lint_rule_name(res.items[i].rule));
	for (i = 0; i < 5; i++) {
		const char *want = lint_as(files[i][1], LINT_POSTGRES);

		if (*want && !strstr(b.data ? b.data : "", files[i][0]))
			unit_fail(__FILE__, __LINE__, "%s: lint_sql found \"%s\", lint_set "
				  "nothing (%s)", files[i][0], want, b.data ? b.data : "");
	}
	CHECK_STR(b.data ? b.data : "", "m/0003_c.sql:2:drop-table m/0004_d.sql:2:drop-table "
		  "m/0005_e.sql:2:lock-without-timeout");
	migc_buf_free(&b);
	lint_result_free(&res);
	migc_set_free(set);
}

/*
 * SQL-shaped noise (keywords, names, quotes, comments, dollar quotes,
 * parentheses, cut anywhere): the lint must neither crash nor read past
 * the input (run under ASan), and must say either findings or an error.
 */
static void test_fuzz_never_crashes(void)
{
	static const char *const words[] = {
		"ALTER ", "TABLE ", "DROP ", "COLUMN ", "ADD ", "RENAME ", "TO ", "TYPE ",
		"SET ", "NOT ", "NULL ", "DEFAULT ", "random()", "CREATE ", "INDEX ", "ON ",
		"UNIQUE ", "CONCURRENTLY ", "TRUNCATE ", "LOCK ", "IN ", "MODE ", "lock_timeout ",
		"= ", "0 ", "RESET ", "VACUUM ", "FULL ", "REINDEX ", "CONSTRAINT ", "CHECK ",
		"FOREIGN ", "KEY ", "REFERENCES ", "VALID ", "IF ", "EXISTS ", "t ", "c ", "\"q\"\" ",
		"'s''x' ", "E'\\'' ", "$$ x $$ ", "$a$ ; $a$ ", "-- c\n", "/* /* */ */ ", "( ",
		") ", ", ", ". ", "; ", "\n", "GENERATED ", "IDENTITY ", "STORED ", "bigserial ",
		"-- migc:lock-timeout 0\n", "-- migc:phase post\n", "$1 ", "`b` ", "\xc3\xa9 ",
	};
	unsigned long long seed = 0x9e3779b97f4a7c15ull;
	char sql[512];
	size_t n, i, w, runs = 0;

	for (i = 0; i < 20000; i++) {
		n = 0;
		for (w = 0; w < 24; w++) {
			const char *word;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			word = words[(seed >> 33) % (sizeof(words) / sizeof(words[0]))];
			if (n + strlen(word) >= sizeof(sql))
				break;
			memcpy(sql + n, word, strlen(word));
			n += strlen(word);
		}
		sql[n] = '\0';
		/* cut at a random place, mid-token included */
		sql[(seed >> 17) % (n + 1)] = '\0';
		if (lint_as(sql, i % 2 ? LINT_SQLITE : LINT_POSTGRES)[0] != '!')
			runs++;
	}
	CHECK(runs > 1000);
}

int main(void)
{
	RUN(test_drop_and_rename);
	RUN(test_column_changes);
	RUN(test_indexes_and_constraints);
	RUN(test_lock_timeout);
	RUN(test_false_positive_traps);
	RUN(test_sqlite_dialect);
	RUN(test_allow_directive);
	RUN(test_allow_errors);
	RUN(test_allow_mask_and_names);
	RUN(test_messages);
	RUN(test_lint_set);
	RUN(test_lint_set_scanned);
	RUN(test_fuzz_never_crashes);
	return unit_done();
}
