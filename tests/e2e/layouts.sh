#!/usr/bin/env bash
# tests/e2e/layouts.sh - other tools' migration directories read as they are
# (goose, dbmate, golang-migrate, Flyway, sqlx, refinery, diesel, Prisma),
# on real SQLite files; the PostgreSQL-only fixtures (-pg) run in
# adopt_pg.sh.
#
# Protects, for every fixture directory of tests/fixtures/foreign/: `migc
# build` and `migc list` detect the tool (refinery's V-files read as Flyway
# unless --layout refinery says otherwise) and show its versions, names and
# no-transaction flags; the release binary applies it and the schema is what
# the up SQL creates; the embedded down SQL rolls back (`migrate down`,
# `--steps N`, `--to 0`, a zero version included) with the history rows kept
# as 'undone', and `up` applies again; a migration without down SQL (or
# with an empty down file, or diesel's comment-only template) refuses
# `down` before anything runs (exit 2 naming the file); a no-transaction
# down section failing half-way leaves its row failed until `resolve`
# (exit 6 before that). Each tool's own
# no-transaction marker (goose NO TRANSACTION, dbmate transaction:false,
# sqlx -- no-transaction, refinery:noTransaction, diesel metadata.toml,
# Flyway .sql.conf) maps to the flag. Errors name the file (and line): a
# goose file without an Up marker, a .down.sql without its .up.sql, two up
# files for one version, two layouts in one directory (both files named,
# --layout suggested), --layout refinery forced on Flyway names, a SQL error
# inside a goose up section (the line of the FILE). `migc check --base`
# flags an edited merged goose migration and a new one sorting before main's
# newest.
source "$(dirname "$0")/../lib.sh"

sanitize_binaries

FIX="$MIGC_ROOT/tests/fixtures/foreign"
TOOLS="golang-migrate goose dbmate flyway sqlx refinery diesel prisma"

# fixture_bin TOOL: the release binary of the fixture directory, built once
# per run (tests only read it).
fixture_bin() {
	local bin="$TEST_TMP/bin/$1" layout=()
	[ "$1" = refinery ] && layout=(--layout refinery)
	if [ ! -x "$bin" ]; then
		mkdir -p "$TEST_TMP/bin"
		"$MIGC" build "$FIX/$1" "${layout[@]}" --binary "$bin" >"$T/.build.out" 2>&1 ||
			fail "migc build $FIX/$1 failed: $(cat "$T/.build.out")"
	fi
	printf '%s\n' "$bin"
}

# objects DB: the schema objects (tables, indexes, views) apart from migc's
# own and SQLite's, sorted, on one line.
objects() {
	sql "$1" "SELECT name FROM sqlite_master WHERE name NOT LIKE 'migc%' AND
		name NOT LIKE 'sqlite%' ORDER BY name" | tr '\n' ' ' | sed 's/ $//'
}

# columns DB TABLE: a table's columns, in order, on one line.
columns() {
	sql "$1" "SELECT name FROM pragma_table_info('$2') ORDER BY cid" | tr '\n' ' ' | sed 's/ $//'
}

# states DB: "version:state" of every history row, in id order.
states() {
	sql "$1" "SELECT version || ':' || state FROM migc_history ORDER BY id" | tr '\n' ' ' | sed 's/ $//'
}

# jsons EXPR...: each Python expression holds for the last stdout parsed
# as `d` (one python3 run for all of them; python3 is slow to start).
jsons() {
	local msg
	msg=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for e in sys.argv[1:]:
    if not eval(e):
        sys.exit("JSON check failed: " + e)
' "$@" <<<"$OUT" 2>&1) || fail "$msg"
}

# ------------------------------------------------------------------ #
# Every fixture: detected, listed, applied, rolled back, applied again #
# ------------------------------------------------------------------ #

# What each fixture directory is: layout as detected, versions, names,
# no-transaction flags, the objects its up SQL makes, the objects left after
# one `down`, and which file refuses `down --to 0` (or "" when every
# migration has down SQL; "-" when already the first `down` refuses).
declare -A LAYOUT VERSIONS NAMES NOTX SCHEMA AFTER_DOWN NO_DOWN
LAYOUT=([golang-migrate]=golang-migrate [goose]=goose [dbmate]=dbmate [flyway]=flyway
	[sqlx]=sqlx [refinery]=flyway [diesel]=diesel [prisma]=prisma)
VERSIONS=([golang-migrate]="000001 000002 000003" [goose]="00001 00002 00003"
	[dbmate]="20240101000000 20240102000000 20240103000000" [flyway]="1 1.1 "
	[sqlx]="20240101000000 20240102000000 20240103000000" [refinery]="1 2 3"
	[diesel]="20240101000000 20240102000000 20240103000000"
	[prisma]="20240101000000 20240102000000 20240103000000")
NAMES=([golang-migrate]="create_users_table create_posts_table add_posts_user_index"
	[goose]="create_users create_posts add_posts_user_index"
	[dbmate]="create_users create_posts add_posts_user_index" [flyway]="init more views"
	[sqlx]="create_users create_posts add_posts_user_index"
	[refinery]="initial create_posts add_posts_user_index"
	[diesel]="create_users create_posts add_posts_user_index"
	[prisma]="init add_posts post_author_index")
NOTX=([golang-migrate]="False False False" [goose]="False False True"
	[dbmate]="False False True" [flyway]="False False False" [sqlx]="False False True"
	[refinery]="False False False" [diesel]="False False True" [prisma]="False False False")
SCHEMA=([golang-migrate]="posts posts_user_id_idx users users_email_key"
	[goose]="posts posts_user_id_idx users users_email_key"
	[dbmate]="posts posts_user_id_idx users users_email_key"
	[flyway]="post_titles posts posts_user_id_idx users"
	[sqlx]="posts posts_user_id_idx users" [refinery]="posts posts_user_id_idx users"
	[diesel]="posts posts_user_id_idx users"
	[prisma]="Post Post_authorId_idx User User_email_key")
AFTER_DOWN=([golang-migrate]="posts users" [goose]="posts users" [dbmate]="posts users"
	[flyway]="post_titles users" [sqlx]="posts users" [diesel]="posts users")
NO_DOWN=([golang-migrate]="" [goose]="" [dbmate]="" [flyway]=V1__init.sql
	[sqlx]=20240102000000_create_posts.sql [refinery]=- [diesel]=""
	[prisma]=-)

# The first migration's file.
declare -A FIRST_FILE
FIRST_FILE=([golang-migrate]=000001_create_users_table.up.sql [goose]=00001_create_users.sql
	[dbmate]=20240101000000_create_users.sql [flyway]=V1__init.sql
	[sqlx]=20240101000000_create_users.up.sql [refinery]=V1__initial.sql
	[diesel]=2024-01-01-000000_create_users/up.sql [prisma]=20240101000000_init/migration.sql)

# roundtrip TOOL: list, build, up, down, down --to 0, up.
roundtrip() {
	local t=$1 bin layout=() newest
	[ "$t" = refinery ] && layout=(--layout refinery)
	run "$MIGC" list "$FIX/$t" --format json "${layout[@]}"
	expect_rc 0
	jsons "d['layout'] == '${layout[1]:-${LAYOUT[$t]}}'" \
		"' '.join(m['version'] or '' for m in d['migrations']) == '${VERSIONS[$t]}'" \
		"' '.join(m['name'] for m in d['migrations']) == '${NAMES[$t]}'" \
		"' '.join(str(m['no_transaction']) for m in d['migrations']) == '${NOTX[$t]}'" \
		"d['migrations'][0]['filename'] == '${FIRST_FILE[$t]}'"
	run "$MIGC" list "$FIX/$t" "${layout[@]}"
	expect_rc 0
	expect_out "3 migrations, bundle id "
	expect_out "read as ${layout[1]:-${LAYOUT[$t]}}'s layout"

	bin=$(fixture_bin "$t")
	run "$bin" info --format json
	expect_rc 0
	jsons "d['layout'] == '${layout[1]:-${LAYOUT[$t]}}' and d['migrations'] == 3"
	export DATABASE_URL=sqlite:app.db
	run "$bin" up
	expect_rc 0
	expect_out "3 migrations applied in "
	expect_eq "$(objects app.db)" "${SCHEMA[$t]}" "$t schema after up"
	case "$t" in
	prisma) expect_eq "$(columns app.db User)" "id email name" "$t User columns" ;;
	*) expect_eq "$(columns app.db users)" "id email" "$t users columns" ;;
	esac
	expect_eq "$(sql app.db "SELECT count(*) FROM migc_history WHERE state = 'applied'")" 3 "$t applied rows"
	run "$bin" up
	expect_rc 0
	expect_out "database is up to date"

	if [ "${NO_DOWN[$t]}" = - ]; then
		# the newest migration has no down SQL: nothing can be rolled back
		newest=$(sql app.db "SELECT version FROM migc_history ORDER BY id DESC LIMIT 1")
		run "$bin" down
		expect_rc 2
		expect_err "has no down migration: nothing was rolled back"
		expect_err "hint: give it down SQL"
		expect_eq "$(objects app.db)" "${SCHEMA[$t]}" "$t schema after a refused down"
		expect_eq "$(sql app.db "SELECT count(*) FROM migc_history WHERE state = 'applied'")" 3 "$t rows after a refused down"
		run "$bin" down --format json
		expect_rc 2
		jsons "d['ok'] is False and d['error']['exit_code'] == 2 and d['error']['version'] == '$newest'" \
			"d['error']['file'].endswith('.sql') and d['undone_count'] == 0"
		return 0
	fi
	run "$bin" down
	expect_rc 0
	expect_out "1 migration rolled back"
	expect_eq "$(objects app.db)" "${AFTER_DOWN[$t]}" "$t schema after one down"
	run "$bin" down --to 0
	if [ -n "${NO_DOWN[$t]}" ]; then
		expect_rc 2
		expect_err "${NO_DOWN[$t]} has no down migration: nothing was rolled back"
		expect_err "hint: give it down SQL"
		expect_eq "$(objects app.db)" "${AFTER_DOWN[$t]}" "$t schema after a refused down --to 0"
		expect_eq "$(sql app.db "SELECT count(*) FROM migc_history WHERE state = 'undone'")" 1 "$t undone rows"
		run "$bin" up
		expect_rc 0
		expect_out "1 migration applied in "
		expect_eq "$(objects app.db)" "${SCHEMA[$t]}" "$t schema after up again"
		return 0
	fi
	expect_rc 0
	expect_out "2 migrations rolled back"
	expect_eq "$(objects app.db)" "" "$t schema after down --to 0"
	expect_eq "$(sql app.db "SELECT group_concat(state, ' ') FROM (SELECT state FROM migc_history ORDER BY id)")" \
		"undone undone undone" "$t history after down --to 0"
	expect_eq "$(sql app.db "SELECT count(*) FROM migc_history WHERE note LIKE 'rolled back by migrate down (%'")" 3 "$t notes"
	run "$bin" down
	expect_rc 0
	expect_out "nothing to roll back"
	run "$bin" up
	expect_rc 0
	expect_out "3 migrations applied in "
	expect_eq "$(objects app.db)" "${SCHEMA[$t]}" "$t schema after up again"
	expect_eq "$(sql app.db "SELECT count(*) FROM migc_history WHERE state = 'applied'")" 3 "$t applied rows again"
	expect_eq "$(sql app.db "SELECT count(*) FROM migc_history")" 6 "$t rows kept"
	run "$bin" verify
	expect_rc 0
}

for _t in $TOOLS; do
	eval "test_${_t//-/_}_directory_is_detected_applied_and_rolled_back() { roundtrip $_t; }"
done

# ------------------------------------------------------------------ #
# down                                                               #
# ------------------------------------------------------------------ #

test_down_without_down_sql_refuses_before_anything_runs() {
	# sqlx: 0003 has a .down.sql, 0002 is a simple (irreversible) migration
	local bin
	bin=$(fixture_bin sqlx)
	export DATABASE_URL=sqlite:app.db
	run "$bin" up -q
	expect_rc 0
	run "$bin" down --steps 3 --format json
	expect_rc 2
	jsons "d['error']['file'] == '20240102000000_create_posts.sql' and d['error']['version'] == '20240102000000'" \
		"d['undone'] == [] and d['undone_count'] == 0"
	run "$bin" down --to 20240101000000
	expect_rc 2
	expect_err "migrate: error: 20240102000000_create_posts.sql has no down migration: nothing was rolled back"
	expect_err "hint: roll back only the migrations newer than it (--to 20240102000000)"
	# 0003, which has down SQL, did not run either
	expect_eq "$(states app.db)" "20240101000000:applied 20240102000000:applied 20240103000000:applied" "history"
	expect_eq "$(objects app.db)" "posts posts_user_id_idx users" "schema"
	# what can be undone, can
	run "$bin" down --to 20240102000000 --format json
	expect_rc 0
	jsons "[m['version'] for m in d['undone']] == ['20240103000000']" \
		"d['undone'][0]['file'] == '20240103000000_add_posts_user_index.up.sql'" \
		"d['undone'][0]['down_file'] == '20240103000000_add_posts_user_index.down.sql'"
	expect_eq "$(objects app.db)" "posts users" "schema after down --to 20240102000000"
}

test_empty_or_comment_only_down_is_no_down_sql() {
	# golang-migrate's `migrate create` writes an empty .down.sql; diesel
	# writes down.sql with only a comment: neither undoes anything
	mig g 000001_a.up.sql 'CREATE TABLE a (x INTEGER);'
	: >g/000001_a.down.sql
	mkdir -p d/2024-01-01-000000_a
	echo 'CREATE TABLE a (x INTEGER);' >d/2024-01-01-000000_a/up.sql
	echo '-- This file should undo anything in `up.sql`' >d/2024-01-01-000000_a/down.sql
	local dir
	declare -A said=([g]="000001_a.up.sql has an empty down migration (000001_a.down.sql holds no SQL)"
		[d]="2024-01-01-000000_a/up.sql has an empty down migration (2024-01-01-000000_a/down.sql holds no SQL)")
	for dir in g d; do
		build "$dir" "./migrate-$dir"
		run "./migrate-$dir" up --url "sqlite:$dir.db"
		expect_rc 0
		run "./migrate-$dir" down --url "sqlite:$dir.db"
		expect_rc 2
		expect_err "migrate: error: ${said[$dir]}: nothing was rolled back"
		expect_eq "$(states "$dir.db")" "$(sql "$dir.db" 'SELECT version FROM migc_history'):applied" "$dir history"
		expect_eq "$(objects "$dir.db")" "a" "$dir schema"
	done
}

test_down_steps_and_to_roll_back_newest_first() {
	local bin
	bin=$(fixture_bin goose)
	export DATABASE_URL=sqlite:app.db
	run "$bin" up -q
	run "$bin" down --steps 2
	expect_rc 0
	expect_out "undone  00003 add_posts_user_index"
	expect_out "undone  00002 create_posts"
	expect_out "2 migrations rolled back"
	expect_eq "$(objects app.db)" "users" "schema"
	expect_eq "$(states app.db)" "00001:applied 00002:undone 00003:undone" "history"
	run "$bin" status --format json
	jsons "[m['state'] for m in d['migrations']] == ['applied', 'pending', 'pending']"
	run "$bin" down --steps 1 --to 0
	expect_rc 2
	run "$bin" down --to banana
	expect_rc 2
	run "$bin" up --target 00002
	expect_rc 0
	expect_eq "$(objects app.db)" "posts users" "schema after up --target"
}

test_down_to_0_undoes_a_zero_version_too() {
	# diesel setup writes 00000000000000_diesel_initial_setup
	mkdir -p m/00000000000000_diesel_initial_setup m/2024-01-01-000000_t
	echo 'CREATE TABLE setup (x INTEGER);' >m/00000000000000_diesel_initial_setup/up.sql
	echo 'DROP TABLE setup;' >m/00000000000000_diesel_initial_setup/down.sql
	echo 'CREATE TABLE t (x INTEGER);' >m/2024-01-01-000000_t/up.sql
	echo 'DROP TABLE t;' >m/2024-01-01-000000_t/down.sql
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	run ./migrate up
	expect_rc 0
	expect_eq "$(objects app.db)" "setup t" "schema"
	run ./migrate down --to 0
	expect_rc 0
	expect_out "2 migrations rolled back"
	expect_eq "$(objects app.db)" "" "schema after down --to 0"
	expect_eq "$(states app.db)" "00000000000000:undone 20240101000000:undone" "history"
}

test_down_of_a_no_transaction_migration_runs_outside_a_transaction() {
	# dbmate's transaction:false down section: marked running, run, undone
	local bin
	bin=$(fixture_bin dbmate)
	export DATABASE_URL=sqlite:app.db
	run "$bin" up -q
	run "$bin" down --format json
	expect_rc 0
	jsons "d['undone'][0]['file'] == '20240103000000_add_posts_user_index.sql' and d['undone_count'] == 1" \
		"d['undone'][0]['down_file'] == '20240103000000_add_posts_user_index.sql'"
	expect_eq "$(sql app.db "SELECT state FROM migc_history WHERE version = '20240103000000'")" undone "row"
	expect_eq "$(objects app.db)" "posts users" "schema"
}

test_failed_no_transaction_down_is_marked_failed_until_resolved() {
	# a dbmate transaction:false down section failing half-way
	mig m 20240101000000_a.sql $'-- migrate:up\nCREATE TABLE a (x INTEGER);\n-- migrate:down\nDROP TABLE a;'
	mig m 20240102000000_b.sql $'-- migrate:up transaction:false\nCREATE INDEX a_x ON a (x);\n-- migrate:down transaction:false\nDROP INDEX a_x;\nDROP INDEX nope;'
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	run ./migrate up -q
	expect_rc 0
	run ./migrate down
	expect_rc 1
	expect_err "migrate: error: 20240102000000_b.sql:5: no such index: nope"
	expect_err "the row is now marked failed"
	expect_err "\`migrate resolve 20240102000000 --pending\` if it is rolled back"
	expect_eq "$(states app.db)" "20240101000000:applied 20240102000000:failed" "history"
	run ./migrate down
	expect_rc 6
	run ./migrate resolve 20240102000000 --pending
	expect_rc 0
	run ./migrate up
	expect_rc 0
	expect_out "applied 20240102000000 b"
	expect_eq "$(objects app.db)" "a a_x" "schema"
}

test_allow_remote_is_accepted_on_a_local_database() {
	local bin
	bin=$(fixture_bin golang-migrate)
	export DATABASE_URL=sqlite:app.db
	run "$bin" up -q
	run "$bin" down --allow-remote
	expect_rc 0
	expect_out "1 migration rolled back"
	run "$bin" down --help
	expect_rc 0
	expect_out "--allow-remote"
}

# ------------------------------------------------------------------ #
# no-transaction markers                                             #
# ------------------------------------------------------------------ #

# dbmate's transaction:false belongs to the section whose marker carries
# it: a down-only option leaves the up SQL in its transaction, and the
# other way round; goose's NO TRANSACTION is the whole file's.
test_no_transaction_is_per_section_where_the_tool_says_so() {
	mig m 20240101000000_a.sql $'-- migrate:up\nCREATE TABLE a (x INTEGER);\n-- migrate:down transaction:false\nDROP TABLE a;'
	mig m 20240102000000_b.sql $'-- migrate:up transaction:false\nCREATE TABLE b (x INTEGER);\n-- migrate:down\nDROP TABLE b;'
	run "$MIGC" list m --format json
	expect_rc 0
	json '[(x["no_transaction"], x["down_no_transaction"]) for x in d["migrations"]] == [(False, True), (True, False)]'
	mig g 00001_a.sql $'-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (x INTEGER);\n-- +goose Down\nDROP TABLE a;'
	run "$MIGC" list g --format json
	json '[(x["no_transaction"], x["down_no_transaction"]) for x in d["migrations"]] == [(True, True)]'
	# and down honours it: the up ran in a transaction, the down outside one
	build m ./migrate
	run ./migrate up --url sqlite:m.db
	expect_rc 0
	run ./migrate down --to 0 --url sqlite:m.db
	expect_rc 0
	expect_eq "$(sql m.db "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')")" 0 "tables left"
}

test_each_tools_no_transaction_marker_maps_to_the_flag() {
	local t
	# the fixtures: goose NO TRANSACTION, dbmate transaction:false, sqlx
	# -- no-transaction, diesel metadata.toml, Flyway .sql.conf
	for t in goose dbmate sqlx diesel goose-pg dbmate-pg sqlx-pg diesel-pg flyway-pg; do
		"$MIGC" list "$FIX/$t" --format json >"$t.json" || fail "migc list $t failed"
	done
	# refinery: a "-- refinery:noTransaction" line
	mig r V1__a.sql 'CREATE TABLE a (x INTEGER);'
	mig r V2__b.sql $'-- refinery:noTransaction\nCREATE INDEX a_x ON a (x);'
	"$MIGC" list r --layout refinery --format json >refinery.json || fail "migc list r failed"
	# goose: the annotation in any case, anywhere in the file
	mig g 00001_a.sql $'-- +goose Up\nCREATE TABLE a (x INTEGER);'
	mig g 00002_b.sql $'-- +goose up\nCREATE INDEX a_x ON a (x);\n-- +goose no transaction'
	"$MIGC" list g --format json >goose-case.json || fail "migc list g failed"
	# diesel: run_in_transaction = true is a transaction
	mkdir -p d/2024-01-01-000000_a d/2024-01-02-000000_b
	echo 'CREATE TABLE a (x INTEGER);' >d/2024-01-01-000000_a/up.sql
	echo 'run_in_transaction = true' >d/2024-01-01-000000_a/metadata.toml
	echo 'CREATE INDEX a_x ON a (x);' >d/2024-01-02-000000_b/up.sql
	printf '# comment\nrun_in_transaction = false\n' >d/2024-01-02-000000_b/metadata.toml
	"$MIGC" list d --format json >diesel-true.json || fail "migc list d failed"
	OUT=$(python3 -c '
import json, sys
want = {
    "goose": ("goose", [False, False, True]), "dbmate": ("dbmate", [False, False, True]),
    "sqlx": ("sqlx", [False, False, True]), "diesel": ("diesel", [False, False, True]),
    "goose-pg": ("goose", [False, False, True]), "dbmate-pg": ("dbmate", [False, False, True]),
    "sqlx-pg": ("sqlx", [False, False, True]), "diesel-pg": ("diesel", [False, False, True]),
    "flyway-pg": ("flyway", [False, True, False]), "refinery": ("refinery", [False, True]),
    "goose-case": ("goose", [False, True]), "diesel-true": ("diesel", [False, True]),
}
for name, (layout, flags) in want.items():
    d = json.load(open(name + ".json"))
    got = (d["layout"], [m["no_transaction"] for m in d["migrations"]])
    if got != (layout, flags):
        print("%s: expected %s, got %s" % (name, (layout, flags), got))
')
	[ -z "$OUT" ] || fail "no-transaction flags: $OUT"
	# the human list shows the flag too
	run "$MIGC" list "$FIX/dbmate"
	expect_out "20240103000000  add_posts_user_index  versioned   no-transaction"
}

test_no_transaction_migration_applies_with_its_row_marked_first() {
	# sqlx's -- no-transaction file applies outside a transaction and
	# ends applied
	local bin
	bin=$(fixture_bin sqlx)
	export DATABASE_URL=sqlite:app.db
	run "$bin" up
	expect_rc 0
	expect_out "applied 20240103000000 add_posts_user_index"
	expect_eq "$(sql app.db "SELECT state FROM migc_history WHERE version = '20240103000000'")" applied "row"
}

# ------------------------------------------------------------------ #
# Errors                                                             #
# ------------------------------------------------------------------ #

test_goose_file_without_up_marker_is_refused() {
	mig m 00001_a.sql $'-- +goose Up\nCREATE TABLE a (x INTEGER);'
	mig m 00002_b.sql $'-- TODO: write this migration'
	run "$MIGC" build m -o out.c
	expect_rc 1
	expect_err "m/00002_b.sql: no '-- +goose Up' line"
	expect_err "hint: goose reads -- +goose Up"
	expect_err "nothing was written"
	[ ! -e out.c ] || fail "out.c was written"
	# SQL before the marker is refused too, with its line
	mig m 00002_b.sql $'-- a comment\nCREATE TABLE b (x INTEGER);\n-- +goose Up\nSELECT 1;'
	run "$MIGC" build m -o out.c
	expect_rc 1
	expect_err "m/00002_b.sql:2: SQL before the '-- +goose Up' line"
	# a Down before the Up
	mig m 00002_b.sql $'-- +goose Down\nDROP TABLE b;\n-- +goose Up\nCREATE TABLE b (x INTEGER);'
	run "$MIGC" list m
	expect_rc 1
	expect_err "m/00002_b.sql:1: '-- +goose Down' before '-- +goose Up'"
}

test_golang_migrate_down_without_up_is_refused() {
	mig m 000001_a.up.sql 'CREATE TABLE a (x INTEGER);'
	mig m 000001_a.down.sql 'DROP TABLE a;'
	mig m 000002_b.down.sql 'DROP TABLE b;'
	run "$MIGC" build m -o out.c
	expect_rc 1
	expect_err "000002_b.down.sql: a down migration (or settings) without its up migration"
	expect_err "hint: add the up migration, or remove this file"
	[ ! -e out.c ] || fail "out.c was written"
	run "$MIGC" list m --format json
	expect_rc 1
}

test_two_up_files_for_one_version_are_refused() {
	mig m 000001_a.up.sql 'CREATE TABLE a (x INTEGER);'
	mig m 000001_b.up.sql 'CREATE TABLE b (x INTEGER);'
	run "$MIGC" build m -o out.c
	expect_rc 1
	expect_err "m: 000001_a.up.sql and 000001_b.up.sql: two up migrations for one version"
	expect_err "hint: every migration needs its own version"
}

test_mixed_layouts_name_both_files_and_suggest_layout() {
	mig m 00001_a.sql $'-- +goose Up\nCREATE TABLE a (x INTEGER);'
	mig m V2__b.sql 'CREATE TABLE b (x INTEGER);'
	run "$MIGC" build m -o out.c
	expect_rc 1
	expect_err "00001_a.sql"
	expect_err "V2__b.sql"
	expect_err "--layout"
	[ ! -e out.c ] || fail "out.c was written"
	# goose and dbmate markers in one directory
	rm m/V2__b.sql
	mig m 00002_b.sql $'-- migrate:up\nCREATE TABLE b (x INTEGER);'
	run "$MIGC" list m
	expect_rc 1
	expect_err "00001_a.sql"
	expect_err "00002_b.sql"
	expect_err "--layout"
	# --layout settles it: as goose, the dbmate file is not a goose file
	run "$MIGC" list m --layout goose
	expect_rc 1
	expect_err "00002_b.sql"
	run "$MIGC" list m --layout liquibase
	expect_rc 2
	expect_err "unknown layout 'liquibase'"
}

test_layout_refinery_on_flyway_names_is_refused_file_by_file() {
	# Flyway's dotted versions, undo and repeatable files are not refinery's
	run "$MIGC" build "$FIX/flyway" --layout refinery -o out.c
	expect_rc 1
	expect_err "V1_1__more.sql"
	expect_err "U1_1__more.sql"
	expect_err "R__views.sql"
	expect_err "hint: refinery names files V<n>__<name>.sql"
	expect_err "3 problems in "
	[ ! -e out.c ] || fail "out.c was written"
	# the refinery fixture reads as Flyway by default, and as refinery when told
	run "$MIGC" list "$FIX/refinery" --format json
	jsons "d['layout'] == 'flyway'"
	run "$MIGC" list "$FIX/refinery" --layout refinery --format json
	jsons "d['layout'] == 'refinery' and [m['version'] for m in d['migrations']] == ['1', '2', '3']"
}

test_sql_error_in_a_goose_up_section_names_the_file_line() {
	mig m 00001_a.sql $'-- +goose Up\nCREATE TABLE a (x INTEGER);\n\n-- +goose Down\nDROP TABLE a;'
	mig m 00002_b.sql $'-- header comment\n\n-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE b (x INTEGER);\nCREATE TABEL oops (x);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE b;'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 1
	expect_err "migrate: error: 00002_b.sql:6: near \"TABEL\": syntax error"
	expect_out "applied 00001 a"
	expect_out "failed  00002 b"
	expect_eq "$(objects app.db)" "a" "b rolled back"
	run ./migrate up --url sqlite:app.db --format json
	expect_rc 1
	jsons "d['error']['file'] == '00002_b.sql' and d['error']['line'] == 6 and d['error']['version'] == '00002'"
	# a down section's error names the down section's line of the file
	mig m 00002_b.sql $'-- +goose Up\nCREATE TABLE b (x INTEGER);\n\n-- +goose Down\nSELECT 1;\nDROP TABEL b;'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 0
	run ./migrate down --url sqlite:app.db
	expect_rc 1
	expect_err "00002_b.sql:6: "
	expect_eq "$(sql app.db "SELECT state FROM migc_history WHERE version = '00002'")" applied "row of the failed down"
	expect_eq "$(objects app.db)" "a b" "the failed down rolled back"
}

test_sql_error_in_a_dbmate_up_section_names_the_file_line() {
	mig m 20240101000000_a.sql $'-- migrate:up\n\nCREATE TABLE a (x INTEGER);\nINSERT INTO nope VALUES (1);\n\n-- migrate:down\nDROP TABLE a;'
	build m ./migrate
	run ./migrate up --url sqlite:app.db --format json
	expect_rc 1
	jsons "d['error']['file'] == '20240101000000_a.sql' and d['error']['line'] == 4"
}

# ------------------------------------------------------------------ #
# migc check on a goose directory                                    #
# ------------------------------------------------------------------ #

test_check_base_flags_an_edited_merged_goose_migration() {
	source "$MIGC_ROOT/tests/gitlib.sh"
	new_repo repo
	mkdir migrations
	cp "$FIX"/goose/*.sql migrations/
	git add migrations && gcommit "goose migrations"
	git checkout -q -b feature
	mig migrations 00004_comments.sql $'-- +goose Up\nCREATE TABLE comments (id INTEGER);\n\n-- +goose Down\nDROP TABLE comments;'
	git add -A && gcommit "a new migration"
	run "$MIGC" check --base main
	expect_rc 0
	expect_out "4 migrations, 1 new"
	# an edit of a merged up section
	sed -i 's/title TEXT NOT NULL/title TEXT/' migrations/00002_create_posts.sql
	git add -A && gcommit "edit a merged migration"
	run "$MIGC" check --base main
	expect_rc 1
	expect_err "migrations/00002_create_posts.sql: edited after it was merged"
	expect_err "e.g. migrations/00005_create_posts.sql"
	run "$MIGC" check --base main --format json
	expect_rc 1
	jsons "len(d['findings']) == 1 and d['findings'][0]['kind'] == 'edited'" \
		"d['findings'][0]['file'] == 'migrations/00002_create_posts.sql' and d['findings'][0]['version'] == '00002'"
	git checkout -q main -- migrations/00002_create_posts.sql && gcommit "restore it"
	run "$MIGC" check --base main
	expect_rc 0
	# a down section is not what a database ran: editing it is no edit
	sed -i 's/DROP TABLE posts;/DROP TABLE IF EXISTS posts;/' migrations/00002_create_posts.sql
	grep -q 'IF EXISTS' migrations/00002_create_posts.sql || fail "the fixture's down section changed"
	git add -A && gcommit "fix a merged down section"
	run "$MIGC" check --base main
	expect_rc 0
	# main moves on past the new migration's version
	git checkout -q main
	mig migrations 00005_tags.sql $'-- +goose Up\nCREATE TABLE tags (id INTEGER);'
	git add -A && gcommit "tags"
	git checkout -q feature
	run "$MIGC" check --base main
	expect_rc 1
	expect_err "migrations/00004_comments.sql: version 00004 sorts before migrations/00005_tags.sql"
}

run_tests
