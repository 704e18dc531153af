#!/usr/bin/env bash
# tests/e2e/adopt_pg.sh - other tools' directories and history tables on a
# real PostgreSQL (tests/pg.sh), one database per test.
#
# Protects: the scenarios of adopt.sh that read the tools' tables the
# PostgreSQL way (sourced here with ADOPT_ON_PG=1), for every tool, with its
# PostgreSQL-only fixture where it has one (goose-pg, dbmate-pg, flyway-pg,
# sqlx-pg, diesel-pg: CREATE INDEX CONCURRENTLY in each tool's
# no-transaction form, function bodies with semicolons): status, dry run,
# adopt, up, a new migration in the tool's format, adopting again; partial
# histories; drift with both checksums (Flyway, sqlx); dirty and failed
# states; rolled-back rows; missing versions; a history of migc's own; a
# missing or renamed table; dbmate's and golang-migrate's tables told apart.
# Also: the -pg fixtures applied by the release binary with the schema their
# up SQL makes (valid CONCURRENTLY indexes, functions, triggers), rolled
# back with their down SQL (`--to 0` including diesel's 00000000000000 setup
# migration) and applied again, or refused before anything runs when one
# has no down SQL; `down` refused on a database that is not on this machine
# unless --allow-remote, while 127.0.0.1 and the Unix socket count as
# local; --from-table naming a table in another schema; runners adopting at
# once record each migration once.
source "$(dirname "$0")/../lib.sh"
source "$MIGC_ROOT/tests/pg.sh"

if ! pg_available; then
	echo "# skipped: PostgreSQL server binaries not found (apt-get install postgresql)"
	exit 0
fi

# An address of this machine that is not loopback, when it has one: the
# server listens there too, so that a connection can be "remote".
REMOTE_IP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.' | head -n 1)
if [ -n "$REMOTE_IP" ]; then
	pg_start "listen_addresses=127.0.0.1,$REMOTE_IP" || { echo "not ok - pg_start: could not start PostgreSQL"; exit 1; }
	# trust it only from this machine's own address
	echo "host all all $REMOTE_IP/32 trust" >>"$PG_DIR/data/pg_hba.conf"
	psql_q "SELECT pg_reload_conf()" >/dev/null
	# a container may refuse the address: then there is no remote to test
	psql -X -q -h "$REMOTE_IP" -c "SELECT 1" >/dev/null 2>&1 || REMOTE_IP=
else
	pg_start || { echo "not ok - pg_start: could not start PostgreSQL"; exit 1; }
fi

ADOPT_ON_PG=1 ADOPT_NO_RUN=1
source "$MIGC_ROOT/tests/e2e/adopt.sh"

# adopt.sh's scenarios whose outcome does not depend on the database (the
# mapping of rows to migrations, the checksum algorithms over the embedded
# SQL, messages without a query behind them) run once, on SQLite. What
# reads the tools' tables the PostgreSQL way (booleans, bytea, timestamptz
# ordering, bigint versions, to_regclass, pg_attribute) runs here too.
for _fn in test_refinery_edited_migration_is_refused_with_both_checksums \
	test_prisma_edited_migration_is_refused_with_both_checksums \
	test_edited_down_file_is_not_drift test_flyway_repeatable_changed_since_is_left_for_up \
	test_checksums_of_crlf_and_bom_files_still_verify \
	test_flyway_undone_and_deleted_rows_do_not_count \
	test_flyway_baseline_row_records_older_versions_as_baseline \
	test_prisma_migration_newer_than_the_bundle_is_left_with_a_warning \
	test_flyway_repeatable_the_directory_dropped_is_not_adopted \
	test_newer_release_adopts_what_an_older_one_left \
	test_golang_migrate_version_newer_than_the_bundle_adopts_the_older_ones \
	test_goose_reapplied_version_is_adopted test_prisma_rolled_back_migration_stays_pending \
	test_prisma_migration_missing_from_the_bundle_is_refused \
	test_version_newer_than_the_bundle_is_left_with_a_warning \
	test_from_defaults_to_the_layout_of_the_bundle test_unknown_tool_is_a_usage_error \
	test_goose_partial_history_adopts_what_ran_and_up_applies_the_rest \
	test_flyway_partial_history_adopts_what_ran_and_up_applies_the_rest \
	test_sqlx_partial_history_adopts_what_ran_and_up_applies_the_rest \
	test_refinery_partial_history_adopts_what_ran_and_up_applies_the_rest \
	test_diesel_partial_history_adopts_what_ran_and_up_applies_the_rest; do
	unset -f "$_fn"
done

# ------------------------------------------------------------------ #
# The PostgreSQL-only fixtures, applied and rolled back               #
# ------------------------------------------------------------------ #

# relations: tables, views and indexes of public (migc's own aside).
relations() {
	q "SELECT coalesce(string_agg(relname, ' ' ORDER BY relname), '') FROM pg_class
		WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'i')
		AND relname NOT LIKE 'migc%'"
}
functions() {
	q "SELECT coalesce(string_agg(proname || ':' || coalesce(t.tgname, '-'), ' ' ORDER BY proname), '')
		FROM pg_proc p LEFT JOIN pg_trigger t ON t.tgfoid = p.oid
		WHERE p.pronamespace = 'public'::regnamespace"
}

declare -A PG_RELATIONS PG_FUNCTIONS PG_NO_DOWN
PG_RELATIONS=([goose-pg]="users users_email_key users_pkey" [dbmate-pg]="users users_email_key users_pkey"
	[flyway-pg]="user_emails users users_email_key users_pkey" [sqlx-pg]="users users_email_key users_pkey"
	[diesel-pg]="users users_email_key users_pkey")
PG_FUNCTIONS=([goose-pg]="touch_updated_at:users_touch" [dbmate-pg]="touch_updated_at:users_touch"
	[flyway-pg]="" [sqlx-pg]="normalize_email:-"
	[diesel-pg]="diesel_manage_updated_at:- diesel_set_updated_at:set_updated_at")
# the file `down --to 0` stops at ("" when every migration has down SQL)
PG_NO_DOWN=([goose-pg]="" [dbmate-pg]="" [diesel-pg]="" [flyway-pg]=V2__users_email_index.sql
	[sqlx-pg]=20240102000000_normalize_email.sql)

pg_layout_roundtrip() {
	local t=$1 bin
	bin=$(fixture_bin "$t")
	newdb
	run "$bin" up
	expect_rc 0
	expect_out "3 migrations applied in "
	expect_eq "$(relations)" "${PG_RELATIONS[$t]}" "$t relations"
	expect_eq "$(functions)" "${PG_FUNCTIONS[$t]}" "$t functions and their triggers"
	expect_eq "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_key'::regclass")" t \
		"$t: the CONCURRENTLY index is valid"
	if [ "$t" = goose-pg ] || [ "$t" = dbmate-pg ] || [ "$t" = diesel-pg ]; then
		# the trigger function, whose body holds semicolons, works
		q "INSERT INTO users (email, updated_at) VALUES ('a@b', '2000-01-01')" >/dev/null
		q "UPDATE users SET email = 'c@d'" >/dev/null
		expect_eq "$(q "SELECT updated_at > '2001-01-01' FROM users")" t "$t: updated_at kept current"
		q "DELETE FROM users" >/dev/null
	fi
	run "$bin" down --to 0
	if [ -n "${PG_NO_DOWN[$t]}" ]; then
		expect_rc 2
		expect_err "${PG_NO_DOWN[$t]} has no down migration: nothing was rolled back"
		expect_eq "$(q "SELECT count(*) FROM migc_history WHERE state = 'applied'")" 3 "$t: nothing undone"
		expect_eq "$(relations)" "${PG_RELATIONS[$t]}" "$t relations after a refused down"
		return 0
	fi
	expect_rc 0
	expect_out "3 migrations rolled back"
	expect_eq "$(relations)" "" "$t relations after down --to 0"
	expect_eq "$(functions)" "" "$t functions after down --to 0"
	expect_eq "$(q "SELECT string_agg(state, ' ' ORDER BY id) FROM migc_history")" "undone undone undone" "$t history"
	run "$bin" up
	expect_rc 0
	expect_out "3 migrations applied in "
	expect_eq "$(relations)" "${PG_RELATIONS[$t]}" "$t relations after up again"
	expect_eq "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_key'::regclass")" t \
		"$t: the CONCURRENTLY index is valid again"
}

for _t in goose-pg dbmate-pg flyway-pg sqlx-pg diesel-pg; do
	eval "test_${_t//-/_}_directory_applies_and_rolls_back() { pg_layout_roundtrip $_t; }"
done

test_sqlx_pg_down_of_a_concurrently_index_runs_outside_a_transaction() {
	local bin
	bin=$(fixture_bin sqlx-pg)
	newdb
	run "$bin" up -q
	run "$bin" down --format json
	expect_rc 0
	jsons "d['undone'][0]['down_file'] == '20240103000000_users_email_index.down.sql'"
	expect_eq "$(relations)" "users users_pkey" "relations"
	run "$bin" down
	expect_rc 2
	expect_err "20240102000000_normalize_email.sql has no down migration"
	expect_err "hint: give it down SQL"
}

# ------------------------------------------------------------------ #
# down on a database that is not on this machine                     #
# ------------------------------------------------------------------ #

test_down_refuses_a_remote_database_unless_allowed() {
	local bin local_url socket_url remote_url
	bin=$(fixture_bin goose-pg)
	newdb
	local_url=$DATABASE_URL
	socket_url="postgresql:///$DB?host=$PGHOST&port=$PGPORT&user=$PGUSER"
	run "$bin" up -q
	expect_rc 0
	if [ -n "$REMOTE_IP" ]; then
		remote_url="postgresql://$PGUSER@$REMOTE_IP:$PGPORT/$DB"
		run "$bin" down --url "$remote_url"
		expect_rc 2
		expect_err "migrate: error: refusing to roll back a database that is not on this machine: down migrations drop data"
		expect_err "hint: down is for development databases; pass --allow-remote"
		expect_eq "$(q "SELECT count(*) FROM migc_history WHERE state = 'applied'")" 3 "nothing undone"
		run "$bin" down --url "$remote_url" --format json
		expect_rc 2
		jsons "d['error']['exit_code'] == 2 and d['undone_count'] == 0"
		run "$bin" down --url "$remote_url" --allow-remote
		expect_rc 0
		expect_out "undone  00003 users_email_index"
	else
		echo "# skipped the remote part: this machine has no address but loopback"
		run "$bin" down --allow-remote
		expect_rc 0
	fi
	# 127.0.0.1 and the Unix socket are this machine
	run "$bin" down --url "$local_url"
	expect_rc 0
	expect_out "undone  00002 touch_updated_at"
	run "$bin" down --url "$socket_url"
	expect_rc 0
	expect_out "undone  00001 create_users"
	expect_eq "$(relations)" "" "relations"
}

# ------------------------------------------------------------------ #
# PostgreSQL specifics of adoption                                   #
# ------------------------------------------------------------------ #

test_from_table_reads_a_table_in_another_schema() {
	local bin
	bin=$(fixture_bin flyway)
	newdb
	adopted flyway "$FDB"
	q "CREATE SCHEMA legacy; ALTER TABLE flyway_schema_history SET SCHEMA legacy" >/dev/null
	run "$bin" adopt --from flyway
	expect_rc 2
	expect_err "no flyway history table 'flyway_schema_history'"
	run "$bin" adopt --from flyway --from-table legacy.flyway_schema_history
	expect_rc 0
	expect_out "3 migrations adopted from flyway"
	expect_eq "$(q "SELECT count(*) FROM migc_history WHERE note LIKE 'adopted from flyway (legacy.flyway_schema_history, installed_rank _)'")" 3 "notes"
}

test_runners_adopting_at_once_record_each_migration_once() {
	local bin i
	bin=$(fixture_bin sqlx-pg)
	newdb
	adopted sqlx-pg "$FDB"
	for i in 1 2 3 4; do
		"$bin" adopt --from sqlx >"out.$i" 2>"err.$i" &
	done
	for i in 1 2 3 4; do
		wait -n || fail "a runner failed: $(cat err.* out.*)"
	done
	expect_eq "$(q "SELECT count(*) FROM migc_history")" 3 "history rows"
	expect_eq "$(cat out.* | grep -c '3 migrations adopted from sqlx')" 1 "runners that adopted"
	expect_eq "$(cat err.* | grep -c 'nothing to adopt')" 3 "runners that found it done"
	run "$bin" up
	expect_rc 0
	expect_out "database is up to date"
}

run_tests
