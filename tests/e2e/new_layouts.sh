#!/usr/bin/env bash
# tests/e2e/new_layouts.sh - `migc new` in other tools' migration directories:
# the next migration is numbered the way the directory numbers (sequential
# numbers keep their width, timestamps stay UTC timestamps, Flyway's V1_1
# and diesel's 2024-01-02-030405 keep their separators) and written as the
# tool's own command writes it (goose's template, dbmate's sections, the
# .up.sql/.down.sql pair, diesel's and Prisma's directories); `migc build`
# then reads one more migration and `migc list` shows it last. --layout
# forces a layout; nothing is ever overwritten, and a pair that cannot be
# created whole leaves nothing behind.
#
# Each test copies a directory of tests/fixtures/foreign/ (three migrations).
source "$(dirname "$0")/../lib.sh"

FIXTURES="$MIGC_ROOT/tests/fixtures/foreign"

# fixture TOOL: a copy of the tool's example directory, named TOOL.
fixture() {
	cp -R "$FIXTURES/$1" "$1"
}

# new_files NAME DIR [ARGS...]: run migc new, expect success, print the
# created paths relative to DIR, one a line, after checking each is a file.
new_files() {
	local name=$1 dir=$2 line
	shift 2
	run "$MIGC" new "$name" "$dir" "$@"
	expect_rc 0
	[ -n "$OUT" ] || fail "migc new printed no path"
	while IFS= read -r line; do
		[ -f "$line" ] || fail "migc new printed '$line', which is not a file"
		echo "${line#"$dir"/}"
	done <<<"$OUT"
}

# expect_last DIR COUNT NAME [--layout TOOL]: the directory builds, with
# COUNT migrations, the newest versioned one named NAME.
expect_last() {
	local dir=$1 count=$2 name=$3
	shift 3
	run "$MIGC" build "$dir" -o out.c "$@"
	expect_rc 0
	expect_out "$count migration"
	run "$MIGC" list "$dir" --format json "$@"
	expect_rc 0
	json "d['count'] == $count"
	json "[m for m in d['migrations'] if m['kind'] == 'versioned'][-1]['name'] == '$name'"
}

# expect_timestamp VALUE BEFORE AFTER: a UTC timestamp taken between the two.
expect_timestamp() {
	[[ "$1" =~ ^[0-9]{14}$ ]] || fail "'$1' is not a YYYYMMDDHHMMSS timestamp"
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ] || fail "timestamp $1 is not now ($2..$3)"
}

utc_now() { date -u +%Y%m%d%H%M%S; }

# ------------------------------------------------------------ sequential

test_golang_migrate_gets_the_next_pair_same_width() {
	fixture golang-migrate
	expect_eq "$(new_files add_things golang-migrate | tr '\n' ' ')" \
		"000004_add_things.up.sql 000004_add_things.down.sql " "files"
	# migrate create writes two empty files
	[ ! -s golang-migrate/000004_add_things.up.sql ] || fail "the up file is not empty"
	[ ! -s golang-migrate/000004_add_things.down.sql ] || fail "the down file is not empty"
	expect_last golang-migrate 4 add_things
	run "$MIGC" list golang-migrate --format json
	json "d['layout'] == 'golang-migrate'"
	json "d['migrations'][-1]['down_file'] == '000004_add_things.down.sql'"
}

test_goose_gets_its_template_and_the_next_number() {
	fixture goose
	expect_eq "$(new_files add_things goose)" 00004_add_things.sql
	expect_eq "$(head -n 1 goose/00004_add_things.sql)" "-- +goose Up"
	grep -qxF -- "-- +goose Down" goose/00004_add_things.sql || fail "no Down section"
	grep -qxF -- "SELECT 'up SQL query';" goose/00004_add_things.sql ||
		fail "not goose create's template"
	expect_last goose 4 add_things
}

test_flyway_keeps_dotted_and_integer_versions_as_written() {
	fixture flyway # V1__init, V1_1__more (and U1_1__more, R__views)
	expect_eq "$(new_files add_things flyway)" V1_2__add_things.sql
	expect_last flyway 4 add_things
	run "$MIGC" list flyway --format json
	json "[m['version'] for m in d['migrations'] if m['kind'] == 'versioned'] == ['1', '1.1', '1.2']"
	fixture flyway-pg # V1__init, V2__users_email_index (+ .sql.conf)
	expect_eq "$(new_files add_things flyway-pg)" V3__add_things.sql
	expect_last flyway-pg 4 add_things
	mkdir dots
	mig dots V1.9__a.sql 'SELECT 1;'
	expect_eq "$(new_files b dots)" V1.10__b.sql
	expect_last dots 2 b
}

test_flyway_repeatable() {
	fixture flyway
	expect_eq "$(new_files reports flyway --repeatable)" R__reports.sql
	run "$MIGC" list flyway --format json
	json "[m['name'] for m in d['migrations'] if m['kind'] == 'repeatable'] == ['reports', 'views']"
}

test_refinery_gets_the_next_integer() {
	fixture refinery
	expect_eq "$(new_files add_things refinery --layout refinery)" V4__add_things.sql
	expect_last refinery 4 add_things --layout refinery
	# detected, its V names read as Flyway's: the same file comes next
	expect_eq "$(new_files more refinery)" V5__more.sql
	expect_last refinery 5 more --layout refinery
}

# ------------------------------------------------------------- timestamps

test_dbmate_gets_a_timestamp_and_its_sections() {
	local before after f
	fixture dbmate
	before=$(utc_now)
	f=$(new_files add_things dbmate)
	after=$(utc_now)
	[[ "$f" =~ ^([0-9]+)_add_things\.sql$ ]] || fail "unexpected file $f"
	expect_timestamp "${BASH_REMATCH[1]}" "$before" "$after"
	expect_eq "$(cat dbmate/"$f"; echo x)" "$(printf -- '-- migrate:up\n\n\n-- migrate:down\n\nx')" \
		"dbmate new's template"
	expect_last dbmate 4 add_things
}

test_sqlx_pair_follows_the_newest_migration() {
	local before after up down v
	fixture sqlx # the newest, 20240103000000, is an .up.sql/.down.sql pair
	before=$(utc_now)
	run "$MIGC" new add_things sqlx
	after=$(utc_now)
	expect_rc 0
	up=$(sed -n 1p <<<"$OUT")
	down=$(sed -n 2p <<<"$OUT")
	[[ "$up" =~ ^sqlx/([0-9]+)_add_things\.up\.sql$ ]] || fail "not an sqlx up file: $up"
	v=${BASH_REMATCH[1]}
	expect_timestamp "$v" "$before" "$after"
	expect_eq "$down" "sqlx/${v}_add_things.down.sql" "the down file"
	expect_eq "$(cat "$up")" "-- Add up migration script here"
	expect_last sqlx 4 add_things
	# after a simple migration, sqlx migrate add writes a simple one
	fixture sqlx-pg
	rm sqlx-pg/20240103000000_*
	run "$MIGC" new add_things sqlx-pg --layout sqlx
	expect_rc 0
	[[ "$OUT" =~ ^sqlx-pg/[0-9]{14}_add_things\.sql$ ]] || fail "not one simple sqlx file"
	expect_eq "$(cat "$OUT")" "-- Add migration script here"
	expect_last sqlx-pg 3 add_things --layout sqlx
}

test_diesel_gets_a_dashed_timestamp_directory() {
	local before after f
	fixture diesel
	before=$(utc_now)
	f=$(new_files add_things diesel | tr '\n' ' ')
	after=$(utc_now)
	[[ "$f" =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})-([0-9]{6})_add_things/up\.sql\ \
([^ ]+)/down\.sql\ $ ]] || fail "unexpected files: $f"
	expect_timestamp "${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]}${BASH_REMATCH[4]}" \
		"$before" "$after"
	# diesel's version is the directory name's digits, dashes removed
	run "$MIGC" list diesel --format json
	json "d['migrations'][-1]['version'] == '${f:0:4}${f:5:2}${f:8:2}${f:11:6}'"
	expect_eq "$(cat diesel/*_add_things/up.sql)" "-- Your SQL goes here"
	expect_eq "$(cat diesel/*_add_things/down.sql)" "-- This file should undo anything in \`up.sql\`"
	expect_last diesel 4 add_things
	# after diesel setup's 00000000000000_diesel_initial_setup alone too
	mkdir setup
	cp -R "$FIXTURES/diesel-pg/00000000000000_diesel_initial_setup" setup/
	f=$(new_files add_things setup --layout diesel | head -n 1)
	[[ "$f" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}_add_things/up\.sql$ ]] ||
		fail "not a diesel timestamp after the setup migration: $f"
	expect_last setup 2 add_things --layout diesel
}

test_diesel_subversion_is_kept() {
	local f
	mkdir -p sub/2024-01-01-000000-0000_a
	mig sub/2024-01-01-000000-0000_a up.sql 'SELECT 1;'
	f=$(new_files b sub --layout diesel | head -n 1)
	[[ "$f" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}-0000_b/up\.sql$ ]] ||
		fail "the subversion is lost: $f"
	expect_last sub 2 b --layout diesel
}

test_prisma_gets_a_timestamp_directory() {
	local before after f
	fixture prisma
	before=$(utc_now)
	f=$(new_files add_things prisma)
	after=$(utc_now)
	[[ "$f" =~ ^([0-9]+)_add_things/migration\.sql$ ]] || fail "unexpected file $f"
	expect_timestamp "${BASH_REMATCH[1]}" "$before" "$after"
	expect_eq "$(cat "prisma/$f")" "-- This is an empty migration."
	expect_last prisma 4 add_things
}

test_a_clock_behind_the_newest_timestamp_still_goes_forward() {
	mkdir -p future/2999-12-31-235959_a
	mig future/2999-12-31-235959_a up.sql 'SELECT 1;'
	expect_eq "$(new_files b future | head -n 1)" 2999-12-31-235960_b/up.sql
	expect_last future 2 b
}

# ---------------------------------------------------------------- --layout

test_layout_forces_the_style_of_an_empty_directory() {
	local before after f
	before=$(utc_now)
	f=$(new_files first goose_dir --layout goose)
	after=$(utc_now)
	[[ "$f" =~ ^([0-9]+)_first\.sql$ ]] || fail "not a goose timestamp file: $f"
	expect_timestamp "${BASH_REMATCH[1]}" "$before" "$after"
	expect_eq "$(head -n 1 "goose_dir/$f")" "-- +goose Up"
	expect_last goose_dir 1 first
	expect_eq "$(new_files first fw --layout flyway)" V1__first.sql
	expect_eq "$(new_files second fw)" V2__second.sql
	expect_last fw 2 second
	expect_eq "$(new_files first rf --layout=refinery)" V1__first.sql
	f=$(new_files first gm --layout golang-migrate | tr '\n' ' ')
	[[ "$f" =~ ^[0-9]{14}_first\.up\.sql\ [0-9]{14}_first\.down\.sql\ $ ]] ||
		fail "not a golang-migrate timestamp pair: $f"
	expect_last gm 1 first
	# without --layout an empty directory is migc's
	expect_eq "$(new_files first plain)" 0001_first.sql
}

test_layout_errors() {
	fixture goose
	run "$MIGC" new x goose --layout nosuch
	expect_rc 2
	expect_err "unknown layout 'nosuch'"
	run "$MIGC" new x goose --layout
	expect_rc 2
	run "$MIGC" new x goose --repeatable
	expect_rc 2
	expect_err "goose has no repeatable migrations"
	mkdir mixed
	mig mixed 00001_a.sql '-- +goose Up'
	mig mixed V2__b.sql 'SELECT 1;'
	run "$MIGC" new x mixed
	expect_rc 1
	expect_err "--layout"
	[ "$(ls mixed | wc -l)" = 2 ] || fail "a file was created in a directory of two layouts"
	run "$MIGC" new x mixed --layout flyway
	expect_rc 0
	expect_eq "$OUT" mixed/V3__x.sql
}

# -------------------------------------------------------- never overwrite

test_a_second_new_in_the_same_second_does_not_overwrite() {
	local first second
	fixture dbmate
	first=$(new_files add_things dbmate)
	printf 'CREATE TABLE things (id int);\n' >"dbmate/$first.edit"
	cat "dbmate/$first" "dbmate/$first.edit" >"dbmate/$first.new"
	mv "dbmate/$first.new" "dbmate/$first"
	rm "dbmate/$first.edit"
	second=$(new_files add_things dbmate)
	[ "$first" != "$second" ] || fail "the second migc new reused $first"
	[ "${second%%_*}" -gt "${first%%_*}" ] || fail "$second does not come after $first"
	grep -q "CREATE TABLE things" "dbmate/$first" || fail "$first was overwritten"
	expect_last dbmate 5 add_things
	fixture diesel
	first=$(new_files add_things diesel | head -n 1)
	second=$(new_files add_things diesel | head -n 1)
	[ "$first" != "$second" ] || fail "the second diesel migration reused $first"
	expect_last diesel 5 add_things
	fixture goose
	new_files add_things goose >/dev/null
	expect_eq "$(new_files add_things goose)" 00005_add_things.sql
}

test_a_pair_is_created_whole_or_not_at_all() {
	fixture golang-migrate
	# a dangling symlink is no migration, but O_EXCL refuses its name
	ln -s nowhere golang-migrate/000004_add_things.down.sql
	run "$MIGC" new add_things golang-migrate
	expect_rc 1
	expect_err "000004_add_things.down.sql"
	expect_err "never overwrites"
	expect_eq "$OUT" "" "stdout"
	[ ! -e golang-migrate/000004_add_things.up.sql ] || fail "the up file was left behind"
	mkdir -p later/2999-12-31-235959_a
	mig later/2999-12-31-235959_a up.sql 'SELECT 1;'
	ln -s nowhere later/2999-12-31-235960_b
	run "$MIGC" new b later
	expect_rc 1
	expect_err "never overwrites"
	[ "$(readlink later/2999-12-31-235960_b)" = nowhere ] || fail "the symlink was replaced"
}

run_tests
