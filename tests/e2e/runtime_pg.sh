#!/usr/bin/env bash
# tests/e2e/runtime_pg.sh - the `migrate` release binary against a real
# PostgreSQL started by the suite (tests/pg.sh), one database per test:
# apply / no-op / verify; every exit code 0-8; atomicity of a multi-statement
# file sent as one simple query; error lines from the server's positions;
# CREATE INDEX CONCURRENTLY in a no-transaction file, and the INVALID index a
# failed one leaves, named, then resolve; SIGTERM during a long statement
# (transaction rolled back; no-transaction migration marked failed); --role,
# --schema/--table; URL forms (key=value, PG* variables only, search_path,
# other tools' parameters); 8 runners at once over several rounds; a live
# runner's no-transaction migration waited for (directly and through
# PgBouncer, tests/pgbouncer.sh), not taken for a dead run; lock
# timeouts retried while a reader's latency stays near the lock timeout; and
# no password in any output of failing runs (URL, key=value, PGPASSWORD).
# Binaries are built with `migc build --binary`.
source "$(dirname "$0")/../lib.sh"
source "$MIGC_ROOT/tests/pg.sh"
source "$MIGC_ROOT/tests/pgbouncer.sh"

if ! pg_available; then
	echo "# skipped: PostgreSQL server binaries not found (apt-get install postgresql)"
	exit 0
fi
pg_start || { echo "not ok - pg_start: could not start PostgreSQL"; exit 1; }

sanitize_binaries

# newdb: a fresh database named after the test; sets DB and DATABASE_URL.
newdb() {
	DB=$(tr -c 'a-z0-9_\n' _ <<<"${FUNCNAME[1]}" | cut -c1-60)
	createdb "$DB" || fail "createdb $DB failed"
	export DATABASE_URL="postgresql://$PGUSER@127.0.0.1:$PGPORT/$DB"
}

# q SQL: one query in the test's database, unaligned tuples.
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

# lock_key [SCHEMA.TABLE]: the advisory lock key (formula of runtime/pg_url.h).
lock_key() {
	python3 -c '
import sys
h = 0xcbf29ce484222325
for b in ("migc:" + sys.argv[1]).encode():
    h = ((h ^ b) * 0x100000001b3) % 2**64
print(h - 2**64 if h >= 2**63 else h)' "${1:-public.migc_history}"
}

# until_sql SQL: wait (up to 10 s) until the query returns "t".
until_sql() {
	local i
	for i in $(seq 1 100); do
		[ "$(q "$1")" = t ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for: $1"
}

basic() {
	mig m 0001_create_users.sql 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'
	mig m 0002_add_name.sql $'ALTER TABLE users ADD COLUMN name text;\nCREATE TABLE orders (id bigint, user_id bigint);'
	mig m 0003_index.sql $'-- migc:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);'
	mig m R__views.sql 'CREATE OR REPLACE VIEW user_emails AS SELECT email FROM users;'
	build m ./migrate
}

test_up_applies_then_is_a_no_op() {
	newdb
	basic
	run ./migrate up
	expect_rc 0
	expect_out "applied 0001 create_users"
	expect_out "applied 0003 index"
	expect_out "applied R__views"
	expect_out "4 migrations applied in "
	expect_eq "$(q 'SELECT count(*) FROM migc_history')" 4 "history rows"
	expect_eq "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass")" t "CIC index valid"
	expect_eq "$(q "SELECT count(*) FROM migc_history WHERE applied_by <> '' AND applied_role = current_user AND state = 'applied'")" 4 "who applied"
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0003"
	expect_eq "$(q 'SELECT count(*) FROM migc_history')" 4 "history rows after re-run"
	run ./migrate verify
	expect_rc 0
	run ./migrate status --format json
	expect_rc 0
	json '[m["state"] for m in d["migrations"]] == ["applied"] * 4'
	json 'all(m["applied_at"].endswith("Z") and len(m["applied_at"]) == 20 for m in d["migrations"])'
}

# The history is read in binary (runtime/pg_binary.c): applied_at must come
# out exactly as the server's own to_char prints it in UTC, for odd values
# too (fractions, BC, years past 9999, infinity; rows in one second share
# their text), and the ids and durations as stored.
history_times_match() { # T0001 T0002 T0003 T_R
	q "UPDATE migc_history SET applied_at = (CASE version
		WHEN '0001' THEN '$1' WHEN '0002' THEN '$2' WHEN '0003' THEN '$3'
		ELSE '$4' END)::timestamptz, duration_ms = id * 1000000007" >/dev/null
	local want
	want=$(q "SELECT string_agg(format('%s=%s=%s', name, coalesce(to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), duration_ms), ' ' ORDER BY id) FROM migc_history")
	expect_eq "$(wc -w <<<"$want")" 4 "expected values"
	run ./migrate status --format json
	expect_rc 0
	json "' '.join('%s=%s=%s' % (m['name'], m['applied_at'] or '', m['duration_ms']) for m in d['migrations']) == '$want'"
}

test_history_read_matches_the_servers_text() {
	newdb
	basic
	run ./migrate up
	expect_rc 0
	history_times_match '0044-03-15 12:34:56.999999+00 BC' '12345-06-07 08:09:10.5+02' \
		'1999-12-31 23:59:59.999999-01' infinity
	history_times_match '2020-01-01 00:00:00.1+00' '2020-01-01 00:00:00.9+00' infinity infinity
	history_times_match -infinity '1969-12-31 23:59:59.5+00' '1969-12-31 23:59:59.7+00' \
		'1970-01-01 00:00:00+00'
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0003"
}

# `up`, `verify` and `plan` read only what the verify rules and the plan
# use (id, version, name, kind, checksum, state) while every row is
# applied, baseline or undone; applied_at, applied_by, duration and the
# rest are for `status` (at 10,000 rows they were half a no-op up's time).
# A row in another state has its time in the message and its runner
# checked: then the history is read again in full, and the messages are
# those of a full read. Seen in the server's statement log ("brief" or
# "full" per history SELECT) and in what each command prints.
history_reads() { # LINE: the history SELECTs after LINE of the server's log
	server_log_since "$1" | grep -o 'SELECT id::bigint, .* FROM "migc_history" ORDER BY id' |
		sed -e 's/.*applied_at.*/full/' -e 's/^SELECT.*/brief/' | tr '\n' ' '
}

test_up_and_verify_read_the_history_brief_unless_a_row_failed() {
	local from
	newdb
	q "ALTER DATABASE $DB SET log_statement = 'all'"
	basic
	run ./migrate up
	expect_rc 0
	# a baseline row, an undone one, and one newer than the bundle (its
	# file name comes from the brief read)
	q "UPDATE migc_history SET state = 'baseline' WHERE version = '0001'"
	q "INSERT INTO migc_history (version, name, kind, checksum, state, applied_by) VALUES
		('0009', 'undone_one', 'versioned', 'xxh3-128:00', 'undone', 'ops@old'),
		('0010', 'from_the_future', 'versioned', 'xxh3-128:00', 'applied', 'ops@next')"
	from=$(wc -l <"$PG_DIR/server.log")
	run ./migrate up
	expect_rc 0
	expect_err "0010_from_the_future.sql: applied, but newer than the bundle's newest version 0003"
	run ./migrate up --strict
	expect_rc 3
	expect_err "0010_from_the_future.sql: applied, but newer than the bundle's newest version 0003"
	run ./migrate plan
	expect_rc 0
	run ./migrate verify
	expect_rc 0
	# up --strict reads twice (before the lock, then under it); verify
	# prints its summary from a status (a full read)
	expect_eq "$(history_reads "$from")" "brief brief brief brief brief full " "history reads"
	run ./migrate status --format json
	expect_rc 0
	json '[m["state"] for m in d["migrations"]] == ["baseline", "applied", "applied", "future", "applied"]'
	json 'all(m["applied_at"].endswith("Z") and m["applied_by"] for m in d["migrations"])'

	q "DELETE FROM migc_history WHERE version = '0010'"
	q "UPDATE migc_history SET state = 'failed', applied_at = '2026-01-02 03:04:05+00' WHERE version = '0003'"
	from=$(wc -l <"$PG_DIR/server.log")
	run ./migrate up
	expect_rc 6
	expect_err "0003_index.sql: left failed by an earlier run (at 2026-01-02T03:04:05Z)"
	run ./migrate verify
	expect_rc 6
	expect_err "0003_index.sql: left failed by an earlier run (at 2026-01-02T03:04:05Z)"
	# up: before the lock and under it, each brief, then in full
	expect_eq "$(history_reads "$from")" "brief full brief full brief full full " "history reads with a failed row"
	run ./migrate resolve 0003 --applied
	expect_rc 0
	from=$(wc -l <"$PG_DIR/server.log")
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0003"
	expect_eq "$(history_reads "$from")" "brief " "history reads once resolved"
}

# A migration that is only comments (a fresh `migc new` file not filled in
# yet, an empty goose section) runs as nothing: PostgreSQL answers an empty
# query, which is not an error.
test_comment_only_migration_applies() {
	newdb
	mig m 0001_a.sql $'-- 0001_a.sql\n-- Write the SQL of this migration below.'
	mig m 0002_b.sql $'-- migc:no-transaction\n-- nothing yet'
	build m ./migrate
	run ./migrate up
	expect_rc 0
	expect_out "2 migrations applied"
	expect_eq "$(q "SELECT count(*) FROM migc_history WHERE state = 'applied'")" 2 "applied rows"
}

# Output names the PostgreSQL database the way its errors do (user, host,
# port, database), never with the password of the URL.
test_status_names_the_database_without_password() {
	newdb
	basic
	psql_q "CREATE ROLE label_user LOGIN PASSWORD 'sekrit-pw' SUPERUSER" 2>/dev/null || true
	local url="postgres://label_user:sekrit-pw@127.0.0.1:$PGPORT/$DB"
	run ./migrate status --url "$url"
	expect_rc 0
	expect_out "postgres label_user@127.0.0.1:$PGPORT/$DB"
	expect_no "sekrit-pw"
	run ./migrate up --url "$url" --format json
	expect_rc 0
	json "d['database'] == 'postgres label_user@127.0.0.1:$PGPORT/$DB'"
	expect_no "sekrit-pw"
}

# The history INSERT is a prepared statement on a direct connection; a
# migration that deallocates it (DEALLOCATE ALL, DISCARD ALL) must not lose
# or duplicate a row: preparing is switched off and that migration is run
# again, once.
test_prepared_history_insert_survives_deallocate_all() {
	newdb
	mig m 0001_a.sql 'CREATE TABLE a (id int);'
	mig m 0002_b.sql $'CREATE TABLE b (id int);\nDEALLOCATE ALL;'
	mig m 0003_c.sql 'CREATE TABLE c (id int);'
	mig m 0004_d.sql 'DEALLOCATE ALL;'
	mig m 0005_e.sql 'CREATE TABLE e (id int);'
	build m ./migrate
	run ./migrate up
	expect_rc 0
	expect_out "5 migrations applied"
	expect_eq "$(q "SELECT string_agg(version, ',' ORDER BY version) FROM migc_history WHERE state = 'applied'")" "0001,0002,0003,0004,0005" "applied rows"
	expect_eq "$(q 'SELECT count(*) FROM migc_history')" 5 "history rows (none twice)"
	expect_eq "$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('a','b','c','e')")" 4 "tables"
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0005"
}

# The migration lock and the history's stamp are statements prepared once
# per connection too (EXECUTE): a no-transaction migration that deallocates
# them between two transactions costs one attempt, sent again whole; the
# run applies everything once.
test_prepared_lock_survives_deallocate_all_between_transactions() {
	newdb
	mig m 0001_a.sql 'CREATE TABLE a (id int);'
	mig m 0002_b.sql 'CREATE TABLE b (id int);'
	mig m 0003_gone.sql $'-- migc:no-transaction\nDEALLOCATE ALL;'
	mig m 0004_d.sql 'CREATE TABLE d (id int);'
	build m ./migrate
	run ./migrate up
	expect_rc 0
	expect_out "4 migrations applied"
	expect_eq "$(q "SELECT string_agg(version || ':' || state, ',' ORDER BY id) FROM migc_history")" \
		"0001:applied,0002:applied,0003:applied,0004:applied" "history"
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0004"
}

# What the server is sent per migration (its statement log): on a direct
# connection the lock and the stamp run as prepared statements, and every
# transactional migration's INSERT and COMMIT come with the next
# transaction's BEGIN, lock and stamp (extended protocol, one round trip:
# a migration costs two, its SQL and that); the run's only attempts sent
# as a string are the first two (creating the history table, the first
# migration). Through PgBouncer (transaction pooling) nothing is prepared
# and nothing is sent ahead: each attempt is one string, as the pooler may
# lend another backend to the next transaction. The attempt sent ahead
# after the last migration is rolled back explicitly.
server_log_since() { # LINE: the server's log after line LINE
	tail -n +"$(($1 + 1))" "$PG_DIR/server.log"
}

test_two_round_trips_per_migration_direct_not_through_pgbouncer() {
	local from log
	newdb
	q "ALTER DATABASE $DB SET log_statement = 'all'"
	mig m 0001_a.sql 'CREATE TABLE a (id int);'
	mig m 0002_b.sql 'CREATE TABLE b (id int);'
	mig m 0003_c.sql 'CREATE TABLE c (id int);'
	mig m 0004_d.sql 'CREATE TABLE d (id int);'
	build m ./migrate
	from=$(wc -l <"$PG_DIR/server.log")
	run ./migrate up
	expect_rc 0
	expect_out "4 migrations applied"
	log=$(server_log_since "$from")
	expect_eq "$(grep -c 'statement: BEGIN ISOLATION LEVEL READ COMMITTED; EXECUTE migc_history_[0-9]*_2(' <<<"$log")" 2 "attempts sent as a string"
	expect_eq "$(grep -c 'execute <unnamed>: BEGIN ISOLATION LEVEL READ COMMITTED' <<<"$log")" 4 "attempts sent ahead"
	expect_eq "$(grep -c 'execute migc_history_[0-9]*_1: SELECT coalesce(max(id), 0)' <<<"$log")" 4 "stamps sent ahead, prepared"
	expect_eq "$(grep -c 'pg_try_advisory_xact_lock([0-9-]*)' <<<"$log")" 0 "locks sent whole"
	# the last migration's COMMIT also sent the next attempt ahead; the
	# loop's last begin() takes it, finds nothing left and rolls it back
	# itself, not leaving it to the disconnect (a library caller keeping
	# the connection must not be left holding the lock): the run's last
	# statement, and its only ROLLBACK
	expect_eq "$(grep -E 'LOG:  (statement|execute [^:]*):' <<<"$log" | tail -n 1 | sed 's/.*LOG:  //')" \
		"statement: ROLLBACK" "the run's last statement"
	expect_eq "$(grep -c 'statement: ROLLBACK' <<<"$log")" 1 "rollbacks"
	expect_eq "$(q "SELECT string_agg(version || ':' || state, ',' ORDER BY id) FROM migc_history")" \
		"0001:applied,0002:applied,0003:applied,0004:applied" "history"

	pgb_for_test || return 0
	q "CREATE DATABASE two_round_trips_pgb"
	q "ALTER DATABASE two_round_trips_pgb SET log_statement = 'all'"
	from=$(wc -l <"$PG_DIR/server.log")
	run ./migrate up --url "postgresql://$PGUSER@127.0.0.1:$PGB_PORT/two_round_trips_pgb"
	expect_rc 0
	expect_out "4 migrations applied"
	log=$(server_log_since "$from")
	expect_eq "$(grep -c 'BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_try_advisory_xact_lock([0-9-]*)' <<<"$log")" 6 "attempts sent whole through PgBouncer"
	expect_eq "$(grep -c 'migc_history_[0-9]*_[12]' <<<"$log")" 0 "prepared lock or stamp through PgBouncer"
}

# The history INSERT and the COMMIT go to the server together (pipeline
# mode), and each failure is still told apart: an INSERT the server refuses
# rolls the migration back ("recording it in the history"); a COMMIT that
# fails after it (a deferred constraint) is a commit failure; in neither
# case is the migration recorded or its table left. Directly (the INSERT
# prepared) and through PgBouncer (unnamed statements), each failing after
# earlier migrations of the same run were sent pipelined.
pipeline_failures() { # URL DBNAME
	local url=$1
	DB=$2
	mig mi 0001_a.sql 'CREATE TABLE a (id int);'
	mig mi 0002_b.sql $'-- migc:allow add-check-constraint\nALTER TABLE migc_history ADD CONSTRAINT no_0004 CHECK (version <> \'0004\');'
	mig mi 0003_c.sql 'CREATE TABLE c (id int);'
	mig mi 0004_d.sql 'CREATE TABLE d (id int);'
	build mi ./migrate_insert
	run ./migrate_insert up --url "$url"
	expect_rc 1
	expect_out "applied 0003 c"
	expect_err "0004_d.sql: recording it in the history: "
	expect_err "cannot write the history table: ERROR 23514"
	expect_eq "$(q "SELECT string_agg(version || ':' || state, ',' ORDER BY id) FROM migc_history")" \
		"0001:applied,0002:applied,0003:applied" "history after the refused INSERT"
	expect_eq "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'd'")" 0 "table of the rolled-back migration"
	q "ALTER TABLE migc_history DROP CONSTRAINT no_0004" >/dev/null
	run ./migrate_insert up --url "$url"
	expect_rc 0
	expect_out "1 migration applied"

	mig mc 0001_a.sql 'CREATE TABLE a (id int);'
	mig mc 0002_b.sql 'CREATE TABLE b (id int);'
	mig mc 0003_p.sql $'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE ch (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO ch VALUES (42);'
	build mc ./migrate_commit
	q "DROP TABLE a, c, d, migc_history" >/dev/null
	run ./migrate_commit up --url "$url"
	expect_rc 1
	expect_out "applied 0002 b"
	expect_err "0003_p.sql: committing: "
	expect_err "cannot commit: ERROR 23503"
	expect_eq "$(q "SELECT string_agg(version || ':' || state, ',' ORDER BY id) FROM migc_history")" \
		"0001:applied,0002:applied" "history after the failed COMMIT"
	expect_eq "$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('p', 'ch')")" 0 "tables of the failed migration"
	run ./migrate_commit status --url "$url"
	expect_out "pending"
}

test_pipelined_history_insert_and_commit_fail_apart() {
	newdb
	pipeline_failures "$DATABASE_URL" "$DB"
}

test_pipelined_history_insert_and_commit_fail_apart_through_pgbouncer() {
	newdb
	pgb_for_test || return 0
	pipeline_failures "postgresql://$PGUSER@127.0.0.1:$PGB_PORT/$DB" "$DB"
}

test_url_forms() {
	newdb
	basic
	# libpq key=value
	run ./migrate up --url "host=$PGHOST port=$PGPORT dbname=$DB user=$PGUSER"
	expect_rc 0
	expect_out "4 migrations applied"
	# nothing but the PG* variables: no DATABASE_URL, or --url ''
	unset DATABASE_URL
	PGDATABASE=$DB run ./migrate status
	expect_rc 0
	expect_out "at version 0003: 4 applied"
	PGDATABASE=$DB run ./migrate verify --url ''
	expect_rc 0
	# search_path from the URL; other tools' parameters ignored, with a warning
	q 'CREATE SCHEMA app'
	mig n 0001_t.sql 'CREATE TABLE in_app (x int);'
	build n ./other
	run ./other up --table other_history --url "postgres://$PGUSER@127.0.0.1:$PGPORT/$DB?search_path=app&x-migrations-table=schema_migrations&sslmode=disable"
	expect_rc 0
	expect_err "migrate: warning: ignoring the database URL parameter \"x-migrations-table\""
	expect_eq "$(q "SELECT to_regclass('app.in_app') IS NOT NULL AND to_regclass('app.other_history') IS NOT NULL")" t "created in app"
	run ./other up --url "postgres://$PGUSER@127.0.0.1:$PGPORT/$DB?frobnicate=1"
	expect_rc 2
	expect_err "unsupported parameter \"frobnicate\""
}

test_exit_1_multi_statement_file_is_atomic() {
	newdb
	mig m 0001_ok.sql 'CREATE TABLE ok (x int);'
	mig m 0002_three.sql $'CREATE TABLE one (x int);\nINSERT INTO one VALUES (1);\n\n-- the third statement fails on its fourth line\nINSERT INTO one\nSELECT x\nFROM ok\nWHERE nosuchcol = 1;'
	build m ./migrate
	run ./migrate up
	expect_rc 1
	expect_err "migrate: error: 0002_three.sql:8: ERROR 42703: column \"nosuchcol\" does not exist"
	expect_out "applied 0001 ok"
	expect_out "failed  0002 three"
	expect_eq "$(q "SELECT to_regclass('one') IS NULL")" t "statements 1-2 rolled back"
	expect_eq "$(q "SELECT string_agg(version, ',') FROM migc_history")" 0001 "history"
	run ./migrate up --format json
	expect_rc 1
	json 'd["error"]["code"] == "failed" and d["error"]["file"] == "0002_three.sql" and d["error"]["line"] == 8'
}

test_top_level_commit_refused_with_file_and_line() {
	mig m 0001_commit.sql $'CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);'
	run "$MIGC" build m --binary ./migrate
	expect_rc 1
	expect_err "0001_commit.sql:2: top-level COMMIT in a transactional migration"
	[ ! -e migrate ] || fail "a binary was built"
}

test_no_transaction_errors_name_statement_and_line() {
	newdb
	mig m 0001_notx.sql $'-- migc:no-transaction\nCREATE TABLE a (x int);\n\nINSERT INTO a\n  SELECT nosuch FROM a;\nCREATE TABLE never (x int);'
	build m ./migrate
	run ./migrate up
	expect_rc 1
	expect_err "0001_notx.sql:5: ERROR 42703: column \"nosuch\" does not exist (statement 2 of 3)"
	expect_eq "$(q "SELECT to_regclass('a') IS NOT NULL AND to_regclass('never') IS NULL")" t "ran up to the failure"
	expect_eq "$(q "SELECT state FROM migc_history")" failed "state"
}

test_exit_6_failed_concurrent_index_then_resolve() {
	newdb
	mig m 0001_t.sql $'CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);'
	mig m 0002_uniq.sql $'-- migc:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY t_x_uniq ON t (x);'
	build m ./migrate
	run ./migrate up
	expect_rc 1
	expect_err "0002_uniq.sql:2: ERROR 23505: could not create unique index \"t_x_uniq\""
	expect_err "it left the INVALID index public.t_x_uniq: drop it with DROP INDEX CONCURRENTLY"
	expect_eq "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x_uniq'::regclass")" f "invalid index left"
	expect_eq "$(q "SELECT state FROM migc_history WHERE version = '0002'")" failed "state"
	run ./migrate up
	expect_rc 6
	expect_err "0002_uniq.sql: left failed by an earlier run"
	run ./migrate verify
	expect_rc 6
	q 'DROP INDEX CONCURRENTLY t_x_uniq'
	q 'DELETE FROM t WHERE ctid <> (SELECT min(ctid) FROM t)'
	run ./migrate resolve 0002 --pending
	expect_rc 0
	run ./migrate up
	expect_rc 0
	expect_out "applied 0002 uniq"
	expect_eq "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x_uniq'::regclass")" t "index now valid"
	expect_eq "$(q "SELECT string_agg(state, ' ' ORDER BY id) FROM migc_history WHERE version = '0002'")" "undone applied" "states"
}

test_exit_2_usage_errors() {
	newdb
	basic
	run ./migrate up --db-lock-timeout soon
	expect_rc 2
	expect_err "--db-lock-timeout wants a duration"
	run ./migrate up --lock-retries -1
	expect_rc 2
	run ./migrate status --statement-timeout 1s
	expect_rc 2
	expect_err "does not apply to 'status'"
	run ./migrate up --schema ops --table a.b
	expect_rc 2
	expect_err "not both"
	run ./migrate up --role no_such_role
	expect_rc 2
	expect_err "cannot SET ROLE"
	run ./migrate up --url "$DATABASE_URL?sslmode=bogus"
	expect_rc 2
	expect_err "sslmode"
	run ./migrate up --url "host=$PGHOST dbname=$DB nosuchoption=1"
	expect_rc 2
	expect_err "unknown connection parameter \"nosuchoption\""
	expect_eq "$(q "SELECT to_regclass('migc_history') IS NULL")" t "nothing created"
}

test_exit_3_drift_and_missing_exit_4_order() {
	newdb
	basic
	run ./migrate up
	expect_rc 0
	mig m 0002_add_name.sql 'ALTER TABLE users ADD COLUMN full_name text;'
	build m ./drifted
	run ./drifted verify
	expect_rc 3
	expect_err "0002_add_name.sql: checksum differs from the applied one"
	run ./drifted up
	expect_rc 3
	rm m/0002_add_name.sql
	build m ./missing
	run ./missing up
	expect_rc 3
	json_out=$(./missing verify --format json 2>/dev/null) || true
	OUT=$json_out
	json 'd["error"]["code"] == "missing"'
	basic
	mig m 0000_early.sql 'CREATE TABLE early (x int);'
	mig m 0004_late.sql 'CREATE TABLE late (x int);'
	build m ./ordered
	run ./ordered up
	expect_rc 4
	expect_err "0000_early.sql: pending, but older than the newest applied version 0003"
	run ./ordered up --allow-out-of-order
	expect_rc 0
}

test_exit_5_unreachable_server() {
	newdb
	basic
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run ./migrate up --url "postgres://$PGUSER@127.0.0.1:$port/$DB" --wait 1
	expect_rc 5
	expect_err "could not connect to postgres $PGUSER@127.0.0.1:$port/$DB: Connection refused"
	expect_err "gave up after "
	run ./migrate wait --url "postgres://$PGUSER@127.0.0.1:$port/$DB" --wait 0.3
	expect_rc 5
	run ./migrate wait
	expect_rc 0
	expect_out "is ready"
	# the server said no: not retried until --wait runs out
	local t0
	t0=$(date +%s)
	run ./migrate up --url "postgres://$PGUSER@127.0.0.1:$PGPORT/no_such_db" --wait 20
	expect_rc 5
	expect_err "database \"no_such_db\" does not exist"
	expect_err "hint: the server refused the login"
	[ $(($(date +%s) - t0)) -lt 10 ] || fail "a refused login was retried for --wait"
	run ./migrate wait --url "postgres://no_such_role@127.0.0.1:$PGPORT/$DB" --wait 20 --format json
	expect_rc 5
	json 'd["error"]["code"] == "auth"'
	[ $(($(date +%s) - t0)) -lt 15 ] || fail "a refused login was retried for --wait"
}

test_exit_5_lock_timeout_names_the_holder() {
	newdb
	basic
	run ./migrate up --target 0001
	expect_rc 0
	local key rows
	rows=$(q 'SELECT count(*) FROM migc_history')
	key=$(lock_key public.migc_history)
	PGAPPNAME=holder_app psql -X -q -d "$DB" -c "BEGIN; SELECT pg_advisory_xact_lock($key); SELECT pg_sleep(15); COMMIT;" >/dev/null 2>&1 &
	local holder=$!
	until_sql "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
	run ./migrate up --lock-timeout 1
	kill "$holder" 2>/dev/null || true
	q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder_app'" >/dev/null
	wait "$holder" 2>/dev/null || true
	expect_rc 5
	expect_err "migrate: the migration lock is held by pid "
	expect_err "could not take the migration lock within 1000 ms: held by pid "
	expect_err "(holder_app, local) since 20"
	expect_eq "$(q 'SELECT count(*) FROM migc_history')" "$rows" "nothing applied while locked"
	run ./migrate up
	expect_rc 0
	expect_out "applied 0002 add_name"
}

test_exit_7_corrupted_bundle() {
	newdb
	mig m 0001_a.sql 'CREATE TABLE corruption_marker_table (x int);'
	build m ./migrate
	python3 - <<'PY'
data = bytearray(open("migrate", "rb").read())
i = data.find(b"corruption_marker_table")
assert i >= 0 and data.find(b"corruption_marker_table", i + 1) < 0, "marker not unique"
data[i] ^= 0x01
open("migrate", "wb").write(bytes(data))
PY
	run ./migrate up
	expect_rc 7
	expect_eq "$(q "SELECT to_regclass('migc_history') IS NULL")" t "untouched"
}

# start_up ARGS...: `migrate up` in the background; sets UP_PID.
start_up() {
	./migrate up "$@" >"$T/up.out" 2>"$T/up.err" &
	UP_PID=$!
}

# stop_up SIGNAL: send it, wait; sets RC, OUT, ERR and ELAPSED_MS.
stop_up() {
	local t0=$(date +%s%N)
	kill -"$1" "$UP_PID"
	set +e
	wait "$UP_PID"
	RC=$?
	set -e
	ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
	OUT=$(cat "$T/up.out")
	ERR=$(cat "$T/up.err")
}

test_exit_8_sigterm_rolls_back_a_transaction() {
	newdb
	mig m 0001_ok.sql 'CREATE TABLE ok (x int);'
	mig m 0002_slow.sql $'CREATE TABLE half (x int);\nSELECT pg_sleep(30);'
	build m ./migrate
	start_up --application-name sigterm_tx
	until_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name LIKE 'sigterm_tx %' AND query LIKE '%pg_sleep(30)%'"
	stop_up TERM
	expect_rc 8
	expect_err "0002_slow.sql: interrupted by a signal; its transaction was rolled back"
	[ "$ELAPSED_MS" -lt 5000 ] || fail "took ${ELAPSED_MS} ms to stop"
	expect_eq "$(q "SELECT to_regclass('half') IS NULL")" t "rolled back"
	expect_eq "$(q "SELECT string_agg(version || ':' || state, ',') FROM migc_history")" 0001:applied "history unchanged"
	expect_eq "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" 0 "lock released"
	run ./migrate up --target 0001
	expect_rc 0
}

test_exit_8_sigterm_marks_no_transaction_failed() {
	newdb
	mig m 0001_slow.sql $'-- migc:no-transaction\nCREATE TABLE before_sleep (x int);\nSELECT pg_sleep(30);'
	build m ./migrate
	start_up
	until_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name LIKE 'migc %' AND query LIKE '%pg_sleep(30)%'"
	stop_up TERM
	expect_rc 8
	expect_err "0001_slow.sql: interrupted by a signal; it ran without a transaction and is marked failed"
	expect_eq "$(q "SELECT state FROM migc_history")" failed "state"
	run ./migrate up
	expect_rc 6
}

test_role_owns_the_objects() {
	newdb
	q 'CREATE ROLE app_owner NOLOGIN'
	q "GRANT CREATE ON SCHEMA public TO app_owner"
	basic
	run ./migrate up --role app_owner
	expect_rc 0
	expect_eq "$(q "SELECT string_agg(tableowner, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")" "app_owner,app_owner,app_owner" "table owners"
	expect_eq "$(q "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'users_email'")" app_owner "CIC index owner"
	expect_eq "$(q "SELECT DISTINCT applied_role FROM migc_history")" app_owner "applied_role"
	run ./migrate status --role app_owner
	expect_rc 0
	expect_out "4 applied"
}

test_schema_and_table() {
	newdb
	basic
	run ./migrate up --schema ops --table deploys
	expect_rc 0
	expect_eq "$(q "SELECT count(*) FROM ops.deploys")" 4 "rows in ops.deploys"
	expect_eq "$(q "SELECT to_regclass('public.migc_history') IS NULL")" t "no default table"
	run ./migrate status --table ops.deploys
	expect_rc 0
	expect_out "4 applied"
	run ./migrate status
	expect_out "4 pending"
}

test_statement_timeout_and_directive() {
	newdb
	mig m 0001_slow.sql 'SELECT pg_sleep(2);'
	build m ./migrate
	run ./migrate up --statement-timeout 200ms --lock-retries 0
	expect_rc 1
	expect_err "0001_slow.sql:1: statement timeout (200 ms"
	mig m 0001_slow.sql $'-- migc:statement-timeout 5s\nSELECT pg_sleep(0.5);'
	build m ./migrate
	run ./migrate up --statement-timeout 100ms
	expect_rc 0
}

test_notices_are_reported() {
	newdb
	mig m 0001_n.sql $'DO $$ BEGIN RAISE NOTICE \'hello from the migration\'; RAISE WARNING \'careful\'; END $$;'
	build m ./migrate
	run ./migrate up
	expect_rc 0
	expect_err "migrate: 0001_n.sql: NOTICE: hello from the migration"
	expect_err "migrate: warning: 0001_n.sql: WARNING: careful"
}

# 8 runners at once on a fresh database, several rounds: every migration
# exactly once, every runner exits 0.
test_eight_concurrent_runners() {
	local round i pids rc
	mig m 0001_a.sql $'CREATE TABLE a (x int);\nSELECT pg_sleep(0.1);'
	mig m 0002_b.sql 'CREATE TABLE b (x int);'
	mig m 0003_idx.sql $'-- migc:no-transaction\nCREATE INDEX CONCURRENTLY a_x ON a (x);\nSELECT pg_sleep(0.2);'
	mig m 0004_c.sql 'INSERT INTO a VALUES (1);'
	mig m R__v.sql 'CREATE OR REPLACE VIEW v AS SELECT x FROM a;'
	build m ./migrate
	for round in 1 2 3; do
		DB=concurrent_$round
		createdb "$DB"
		pids=()
		for i in 1 2 3 4 5 6 7 8; do
			./migrate up --url "postgresql://$PGUSER@127.0.0.1:$PGPORT/$DB" >"r$round.$i.out" 2>&1 &
			pids+=($!)
		done
		for i in 0 1 2 3 4 5 6 7; do
			set +e
			wait "${pids[$i]}"
			rc=$?
			set -e
			[ "$rc" = 0 ] || { OUT=$(cat "r$round.$((i + 1)).out"); fail "round $round runner $((i + 1)) exited $rc"; }
		done
		expect_eq "$(q "SELECT string_agg(coalesce(nullif(version, ''), name) || ':' || state, ',' ORDER BY id) FROM migc_history")" \
			"0001:applied,0002:applied,0003:applied,0004:applied,v:applied" "round $round history"
		expect_eq "$(q 'SELECT count(*) FROM a')" 1 "round $round: 0004 ran once"
	done
}

# live_peer URL: while one runner applies a long no-transaction migration
# (longer than the 10 s a runner's token may look idle), a second `up` on
# URL waits for it, then exits 0: a live peer, not a dead run to resolve
# (exit 6). The row records the backend and the runner's token.
live_peer() {
	local url=$1 first rc t0 ms
	mig m 0001_a.sql 'CREATE TABLE a (x int);'
	mig m 0002_slow.sql $'-- migc:no-transaction\nSELECT pg_sleep(6);\nCREATE INDEX CONCURRENTLY a_x ON a (x);\nSELECT pg_sleep(6);'
	mig m 0003_b.sql 'CREATE TABLE b (x int);'
	build m ./migrate
	./migrate up --url "$url" >"$T/first.out" 2>"$T/first.err" &
	first=$!
	until_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'migc %' AND query LIKE '%pg_sleep(6)%' AND state = 'active'"
	t0=$(date +%s%N)
	run ./migrate up --url "$url" --lock-timeout 60
	ms=$((($(date +%s%N) - t0) / 1000000))
	set +e
	wait "$first"
	rc=$?
	set -e
	echo "# the second runner waited ${ms} ms and exited $RC"
	expect_rc 0
	expect_err "another runner is applying 0002_slow.sql; waiting up to 60000 ms"
	[ "$rc" = 0 ] || fail "the first runner exited $rc: $(head -c 1000 "$T/first.err")"
	[ "$ms" -ge 8000 ] || fail "the second runner did not wait for the first (${ms} ms)"
	expect_eq "$(q "SELECT string_agg(version || ':' || state, ',' ORDER BY id) FROM migc_history")" \
		"0001:applied,0002:applied,0003:applied" "history"
	expect_eq "$(q "SELECT runner ~ '^[0-9]+:[0-9]+:[0-9a-f]{8}\$' FROM migc_history WHERE version = '0002'")" t \
		"runner of 0002 (pid:start:token)"
}

test_live_peer_no_transaction_waits_then_exit_0() {
	newdb
	live_peer "$DATABASE_URL"
}

test_live_peer_no_transaction_through_pgbouncer() {
	newdb
	pgb_for_test || return 0
	# fill the pool with idle server connections, so that (round robin)
	# the runner's statements run on other backends than its history row
	local i
	for i in $(seq 1 "${PGB_POOL_SIZE:-4}"); do
		psql -X -q -A -t -h 127.0.0.1 -p "$PGB_PORT" -d "$DB" -c "SELECT pg_sleep(0.3)" >/dev/null &
	done
	wait
	live_peer "postgresql://$PGUSER@127.0.0.1:$PGB_PORT/$DB"
}

# While a transaction holds a lock the migration needs, the migration waits
# at most --db-lock-timeout per attempt (so readers queued behind its lock
# request wait at most that long), is retried --lock-retries times, then
# fails with exit 1 naming the lock timeout.
test_lock_timeout_retries_and_reader_latency() {
	newdb
	mig m 0001_t.sql $'CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);'
	build m ./migrate
	run ./migrate up
	expect_rc 0
	mig m 0002_alter.sql 'ALTER TABLE t ADD COLUMN y int;'
	build m ./migrate
	# a long reader: holds ACCESS SHARE, which the ALTER's ACCESS EXCLUSIVE
	# waits for; readers arriving later queue behind the ALTER's request
	PGAPPNAME=long_reader psql -X -q -d "$DB" -c "BEGIN; LOCK TABLE t IN ACCESS SHARE MODE; SELECT pg_sleep(20); COMMIT;" >/dev/null 2>&1 &
	local holder=$! t0 t1 ms max=0 n=0
	until_sql "SELECT count(*) = 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'long_reader' AND l.relation = 't'::regclass AND l.granted"
	start_up --db-lock-timeout 200ms --lock-retries 2
	until_sql "SELECT count(*) >= 1 FROM pg_locks WHERE relation = 't'::regclass AND NOT granted"
	while kill -0 "$UP_PID" 2>/dev/null; do
		t0=$(date +%s%N)
		q 'SELECT count(*) FROM t' >/dev/null
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ "$ms" -gt "$max" ] && max=$ms
		n=$((n + 1))
	done
	set +e
	wait "$UP_PID"
	RC=$?
	set -e
	OUT=$(cat "$T/up.out")
	ERR=$(cat "$T/up.err")
	q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'long_reader'" >/dev/null
	wait "$holder" 2>/dev/null || true
	echo "# reader latency during the lock-timeout attempts: max ${max} ms over $n reads (lock timeout 200 ms)"
	expect_rc 1
	expect_err "lock timeout (waited 200 ms for a lock; --db-lock-timeout or -- migc:lock-timeout)"
	expect_err "attempt 1 of 3"
	expect_err "gave up after 3 attempts"
	[ "$n" -ge 3 ] || fail "only $n reads during the run"
	[ "$max" -lt 1000 ] || fail "a reader waited ${max} ms: longer than the lock timeout allows"
	expect_eq "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'y'")" 0 "not applied"
	run ./migrate up
	expect_rc 0
	expect_out "applied 0002 alter"
}

# Every failing run's output, in every form a password can be given.
test_password_never_printed() {
	newdb
	local pw='S3cr3t-Pa55-Zq' port out all=""
	q "CREATE ROLE pw_user LOGIN PASSWORD '$pw'"
	# this role, over TCP, must really authenticate (the rest stays trust);
	# rewritten in place so the file keeps its owner
	{ echo "host all pw_user 127.0.0.1/32 scram-sha-256"; cat "$PG_DIR/data/pg_hba.conf"; } >"$T/hba"
	cat "$T/hba" >"$PG_DIR/data/pg_hba.conf"
	q 'SELECT pg_reload_conf()' >/dev/null
	basic
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	local urls=(
		"postgres://pw_user:$pw@127.0.0.1:$PGPORT/no_such_db"
		"postgres://pw_user:wrong$pw@127.0.0.1:$PGPORT/$DB"
		"postgres://pw_user:$pw@127.0.0.1:$port/$DB"
		"postgres://pw_user:$pw@127.0.0.1:$PGPORT/$DB?frobnicate=1"
		"postgres://pw_user:$pw@127.0.0.1:$PGPORT/$DB?sslmode=bogus"
		"postgres://pw_user:$pw@127.0.0.1:$PGPORT/$DB?search_path=%zz"
		"postgres://pw_user:$pw@[::1"
		"postgres://pw_user:${pw}%zz@127.0.0.1/$DB"
		"postgres://pw_user:$pw@127.0.0.1:port/$DB"
		"host=127.0.0.1 port=$PGPORT dbname=no_such_db user=pw_user password=$pw"
		"host=127.0.0.1 port=$PGPORT dbname=$DB user=pw_user password=${pw}x"
		"host=127.0.0.1 port=$port dbname=$DB user=pw_user password=$pw"
		"host=127.0.0.1 password=$pw dangling"
		"host=127.0.0.1 password='$pw"
		"host=127.0.0.1 dbname=$DB password=$pw search_path=x"
		"host=127.0.0.1 port=$PGPORT dbname=$DB user=pw_user password=$pw sslmode=bogus"
	)
	local u cmd
	for u in "${urls[@]}"; do
		for cmd in up status wait; do
			run ./migrate "$cmd" --url "$u" --wait 0
			[ "$RC" != 0 ] || fail "'$cmd' with a bad URL succeeded"
			expect_no "$pw"
			expect_no "S3cr3t"
			all+="$OUT$ERR"
		done
		run ./migrate up --url "$u" --wait 0 --format json
		expect_no "$pw"
	done
	# PGPASSWORD
	PGPASSWORD=$pw run ./migrate up --url "postgres://pw_user@127.0.0.1:$PGPORT/no_such_db" --wait 0
	expect_rc 5
	expect_no "$pw"
	PGPASSWORD=$pw run ./migrate up --url "postgres://pw_user@127.0.0.1:$port/$DB" --wait 1
	expect_rc 5
	expect_no "$pw"
	PGPASSWORD=$pw run ./migrate up --url "host=127.0.0.1 port=$PGPORT dbname=$DB user=pw_user nosuch=1" --wait 0
	expect_rc 2
	expect_no "$pw"
	PGPASSWORD=x$pw run ./migrate up --url "postgres://pw_user@127.0.0.1:$PGPORT/$DB" --wait 0
	expect_rc 5
	expect_err "password authentication failed for user \"pw_user\""
	expect_no "$pw"
	# a run that connects, with a warning and a failing migration
	mig m 0004_bad.sql 'SELECT * FROM no_such_table;'
	build m ./migrate
	q "GRANT CREATE ON SCHEMA public TO pw_user"
	run ./migrate up --url "postgres://pw_user:$pw@127.0.0.1:$PGPORT/$DB?x-multi-statement=true"
	expect_rc 1
	expect_err "ignoring the database URL parameter \"x-multi-statement\""
	expect_err "0004_bad.sql:1: ERROR 42P01"
	expect_no "$pw"
	grep -q "could not connect" <<<"$all" || fail "the failing runs did not even say they failed"
	grep -q "password authentication failed" <<<"$all" || fail "no run met password authentication"
}

run_tests
