#!/usr/bin/env bash
# tests/e2e/lint.sh - the rolling-deploy lint as users meet it: in `migc
# build` and as `migc lint`.
#
# Protects: `migc build` prints lint findings as warnings (file:line, rule,
# hint) and still builds; `--strict` fails it with exit 1 and writes
# nothing; `migc lint` exits 0 with warnings, 1 under --strict, 2 on usage
# errors, in human, JSON (parsed here) and GitHub annotation formats;
# `-- migc:allow RULE` silences a file, an unknown rule there is an error
# with file and line (build too); post-deploy files may drop columns;
# --dialect sqlite skips the PostgreSQL-only rules; --since skips shipped
# migrations; a release binary built from files with `allow` runs.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# A directory whose 0002 drops a column the old code still reads.
risky_dir() {
	mig migrations 0001_create_users.sql 'CREATE TABLE users (id integer primary key, name text);
CREATE INDEX users_name ON users (name);'
	mig migrations 0002_drop_name.sql '-- the name moved to profiles
ALTER TABLE users DROP COLUMN name;'
}

clean_dir() {
	mig migrations 0001_create_users.sql 'CREATE TABLE users (id integer primary key);'
	mig migrations 0002_add_email.sql "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';"
}

# ------------------------------------------------------------------ build

test_build_warns_and_still_builds() {
	risky_dir
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	[ -s out.c ] || fail "no bundle written"
	expect_out "built out.c: 2 migrations"
	expect_err "migrations/0002_drop_name.sql:2: warning: drop-column: drops column users.name in a pre-deploy migration"
	expect_err "hint: stop using the column in the code first"
	expect_err "1 rolling-deploy lint finding"
	# the index on a table created in the same file is not a finding
	expect_no "create-index-non-concurrently"
}

test_build_strict_fails_and_writes_nothing() {
	risky_dir
	run "$MIGC" build migrations -o out.c --strict
	expect_rc 1
	expect_err "migrations/0002_drop_name.sql:2: error: drop-column:"
	expect_err "nothing was written"
	[ ! -e out.c ] || fail "out.c was written under --strict"
	[ -z "$(ls -A | grep '^\.out\.c\.' || true)" ] || fail "a temporary file was left behind"
}

test_build_clean_directory_says_nothing() {
	clean_dir
	run "$MIGC" build migrations -o out.c --strict
	expect_rc 0
	expect_eq "$ERR" "" "stderr"
}

test_build_no_lint_and_dialect() {
	mig migrations 0001_a.sql 'CREATE INDEX i ON t (c);'
	run "$MIGC" build migrations -o out.c --no-lint
	expect_rc 0
	expect_eq "$ERR" "" "stderr with --no-lint"
	run "$MIGC" build migrations -o out.c --dialect sqlite --strict
	expect_rc 0
	expect_eq "$ERR" "" "stderr for sqlite"
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	expect_err "0001_a.sql:1: warning: create-index-non-concurrently:"
	run "$MIGC" build migrations -o out.c --no-lint --strict
	expect_rc 2
	run "$MIGC" build migrations -o out.c --dialect mysql
	expect_rc 2
	expect_err "unknown dialect 'mysql'"
}

# ------------------------------------------------------------------ migc lint

test_lint_human() {
	risky_dir
	run "$MIGC" lint migrations
	expect_rc 0
	expect_err "migrations/0002_drop_name.sql:2: warning: drop-column:"
	expect_err "1 rolling-deploy finding in 'migrations' (2 migrations linted for postgres)"
	run "$MIGC" lint --strict
	expect_rc 1
	expect_err "migrations/0002_drop_name.sql:2: error: drop-column:"
	rm migrations/0002_drop_name.sql
	run "$MIGC" lint --strict
	expect_rc 0
	expect_out "ok: no rolling-deploy problems in 'migrations' (1 migration linted for postgres)"
}

test_lint_json() {
	risky_dir
	mig migrations 0003_more.sql 'ALTER TABLE users ADD COLUMN age int NOT NULL;
TRUNCATE sessions;'
	run "$MIGC" lint migrations --format json
	expect_rc 0
	python3 - "$OUT" <<'EOF' || fail "unexpected JSON"
import json, sys
doc = json.loads(sys.argv[1])
assert doc["format_version"] == 1 and doc["command"] == "lint", doc
assert doc["ok"] is False and doc["strict"] is False and doc["dialect"] == "postgres", doc
assert doc["checked"] == 3, doc
got = [(f["file"], f["line"], f["rule"], f["severity"]) for f in doc["findings"]]
assert got == [
    ("migrations/0002_drop_name.sql", 2, "drop-column", "warning"),
    ("migrations/0003_more.sql", 1, "add-not-null-without-default", "warning"),
    ("migrations/0003_more.sql", 2, "truncate", "warning"),
], got
for f in doc["findings"]:
    assert f["message"] and f["suggestion"], f
EOF
	run "$MIGC" lint migrations --format=json --strict
	expect_rc 1
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["strict"] and all(f["severity"]=="error" for f in d["findings"])' "$OUT" ||
		fail "strict JSON"
	rm migrations/0002_drop_name.sql migrations/0003_more.sql
	run "$MIGC" lint migrations --format json
	expect_rc 0
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] and d["findings"]==[]' "$OUT" ||
		fail "clean JSON"
}

test_lint_github() {
	risky_dir
	run "$MIGC" lint --format github
	expect_rc 0
	expect_out "::warning file=migrations/0002_drop_name.sql,line=2,title=migc lint%3A drop-column::drops column users.name"
	run "$MIGC" lint --format github --strict
	expect_rc 1
	expect_out "::error file=migrations/0002_drop_name.sql,line=2,title=migc lint%3A drop-column::"
}

test_lint_usage_errors() {
	clean_dir
	run "$MIGC" lint --format xml
	expect_rc 2
	expect_err "unknown format 'xml'"
	run "$MIGC" lint --dialect oracle
	expect_rc 2
	run "$MIGC" lint --since v1
	expect_rc 2
	run "$MIGC" lint migrations other
	expect_rc 2
	run "$MIGC" lint --bogus
	expect_rc 2
	run "$MIGC" lint --help
	expect_rc 0
	expect_out "usage: migc lint"
	expect_out "add-column-volatile-default"
	run "$MIGC" lint nowhere
	expect_rc 1
	run "$MIGC" --help
	expect_out "lint"
}

# ------------------------------------------------------------------ directives

test_allow_directive_silences_one_file() {
	risky_dir
	mig migrations 0002_drop_name.sql '-- the name moved to profiles; nothing reads it since v41
-- migc:allow drop-column
ALTER TABLE users DROP COLUMN name;'
	mig migrations 0003_trunc.sql '-- migc:allow drop-column
TRUNCATE sessions;'
	run "$MIGC" lint --strict
	expect_rc 1
	expect_no "0002_drop_name.sql"
	expect_err "migrations/0003_trunc.sql:2: error: truncate:"
	mig migrations 0003_trunc.sql '-- migc:allow drop-column, truncate
TRUNCATE sessions;'
	run "$MIGC" build migrations -o out.c --strict
	expect_rc 0
	expect_eq "$ERR" "" "stderr"
}

test_unknown_rule_is_an_error_with_file_and_line() {
	clean_dir
	mig migrations 0003_x.sql '-- cleanup
-- migc:allow drop-colum
ALTER TABLE users DROP COLUMN email;'
	run "$MIGC" lint
	expect_rc 1
	expect_err "migrations/0003_x.sql:2: migc:allow: unknown rule 'drop-colum'"
	expect_err "hint: known rules: drop-column, rename-column,"
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/0003_x.sql:2: migc:allow: unknown rule 'drop-colum'"
	[ ! -e out.c ] || fail "out.c written despite an invalid directive"
	run "$MIGC" lint --format json
	expect_rc 1
	python3 - "$OUT" <<'EOF' || fail "unexpected error JSON"
import json, sys
doc = json.loads(sys.argv[1])
assert doc["ok"] is False and doc["error"]["exit"] == 1 and doc["findings"] == [], doc
p = doc["problems"][0]
assert p["file"] == "migrations/0003_x.sql" and p["line"] == 2, p
assert "unknown rule" in p["message"] and "drop-column" in p["hint"], p
EOF
	run "$MIGC" lint --format github
	expect_rc 1
	expect_out "::error file=migrations/0003_x.sql,line=2,title=migc lint::"
}

test_post_phase_may_drop() {
	clean_dir
	mig migrations 0003_drop_email.sql '-- migc:phase post
ALTER TABLE users DROP COLUMN email;'
	run "$MIGC" lint --strict
	expect_rc 0
	mig migrations 0004_rename.sql '-- migc:phase post
ALTER TABLE users RENAME COLUMN id TO user_id;'
	run "$MIGC" lint
	expect_rc 0
	expect_err "0004_rename.sql:2: warning: rename-column:"
	expect_err "the new code, already live"
}

test_since_skips_shipped_migrations() {
	risky_dir
	mig migrations 0003_add.sql 'ALTER TABLE users ADD COLUMN bio text;'
	run "$MIGC" lint --since 0002 --strict
	expect_rc 0
	expect_out "(1 migration linted"
	run "$MIGC" build migrations -o out.c --lint-since 2
	expect_rc 0
	expect_eq "$ERR" "" "stderr"
}

# The example project targets SQLite: it must lint clean for it, and must
# never fail a default build (warnings at most).
test_example_project() {
	run "$MIGC" lint "$MIGC_ROOT/templates/example/migrations" --dialect sqlite --strict
	expect_rc 0
	run "$MIGC" build "$MIGC_ROOT/templates/example/migrations" -o out.c
	expect_rc 0
}

# The runtime re-reads directives from the bundle: `allow` must load there.
test_release_binary_accepts_allow() {
	if [ "${SANITIZE:-}" = 1 ]; then
		export CFLAGS="-O0 -fsanitize=address,undefined"
	fi
	mig migrations 0001_create_users.sql 'CREATE TABLE users (id integer primary key, name text);'
	mig migrations 0002_drop_name.sql '-- migc:allow drop-column,lock-without-timeout
ALTER TABLE users DROP COLUMN name;'
	run "$MIGC" build migrations --binary ./migrate --strict
	expect_rc 0
	DATABASE_URL=sqlite:app.db run ./migrate up
	expect_rc 0
	expect_eq "$(sql app.db 'SELECT count(*) FROM migc_history')" 2 "history rows"
}

run_tests
