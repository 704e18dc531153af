#!/usr/bin/env bash
# embed.sh - an application embeds its own bundle and migrates at start-up
# through the library (templates/embed/app.c, built the way the README
# says): it applies pending migrations, is a no-op the second time, and a
# failure comes back as the documented exit code with the file named.
. "$(dirname "$0")/../lib.sh"

if [ "${SANITIZE:-}" = 1 ]; then
	SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
else
	SAN=
fi

# build_app DIR: the README's two commands, for the migrations in DIR.
build_app() {
	"$MIGC" build "$1" -o migrations.c >/dev/null || fail "migc build $1 failed"
	# shellcheck disable=SC2086
	cc $SAN -std=c11 -Wall -Wextra -Werror -I"$BUILD/include" \
		"$MIGC_ROOT/templates/embed/app.c" migrations.c "$BUILD/libmigc.a" \
		$(pkg-config --libs sqlite3) -pthread -o app 2>"$T/cc.log" ||
		fail "compiling the embedded app failed: $(cat "$T/cc.log")"
}

test_app_migrates_at_start_up() {
	mig m 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY);'
	mig m 0002_posts.sql 'CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER);'
	build_app m
	DATABASE_URL=sqlite:app.db run ./app
	expect_rc 0
	expect_err "app: applied 0001_users.sql"
	expect_err "app: applied 0002_posts.sql"
	expect_out "app: database is ready"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name IN ('users','posts')")" 2 "tables"
	DATABASE_URL=sqlite:app.db run ./app
	expect_rc 0
	expect_no "app: applied"
	expect_eq "$(sql app.db 'SELECT count(*) FROM migc_history')" 2 "history rows"
}

test_app_reports_a_failed_migration() {
	mig m 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY);'
	mig m 0002_bad.sql $'CREATE TABLE ok (x);\nCREATE TABLE users (id INTEGER);'
	build_app m
	DATABASE_URL=sqlite:app.db run ./app
	expect_rc 1
	expect_err "0002_bad.sql:2"
	expect_err "already exists"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'ok'")" 0 "table of the failed migration"
}

test_app_refuses_drift() {
	mig m 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY);'
	build_app m
	DATABASE_URL=sqlite:app.db run ./app
	expect_rc 0
	mig m 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);'
	build_app m
	DATABASE_URL=sqlite:app.db run ./app
	expect_rc 3
	expect_err "0001_users.sql: checksum differs"
}

run_tests
