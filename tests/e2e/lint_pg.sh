#!/usr/bin/env bash
# tests/e2e/lint_pg.sh - the rolling-deploy lint's claims, checked on a real
# PostgreSQL (tests/pg.sh).
#
# Protects: each statement the lint flags for a table rewrite, a full scan
# or a deploy failure really does that on the server, and the safe variants
# it stays quiet on (or recommends) really do not: a rewrite is a new
# relfilenode, a scan is pg_stat_xact_user_tables.seq_scan going up, both
# seen inside one transaction that is rolled back, so every case starts from
# the same table.
source "$(dirname "$0")/../lib.sh"
source "$MIGC_ROOT/tests/pg.sh"

if ! pg_available; then
	echo "# skipped: PostgreSQL server binaries not found (apt-get install postgresql)"
	exit 0
fi
pg_start || { echo "not ok - pg_start: could not start PostgreSQL"; exit 1; }
psql_q "CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1);
CREATE TABLE t (a int, v varchar(10), u_id int);
INSERT INTO t SELECT g, 'x', 1 FROM generate_series(1, 100) g;" >/dev/null ||
	{ echo "not ok - could not create the test tables"; exit 1; }

# lint_rules SQL: the rules `migc lint` reports for SQL, space-separated.
lint_rules() {
	mkdir -p "$T/m"
	printf '%s\n' "$1" >"$T/m/0001_claim.sql"
	"$MIGC" lint "$T/m" --format json >"$T/lint.json" || return 1
	python3 -c 'import json,sys; print(" ".join(f["rule"] for f in json.load(sys.stdin)["findings"]))' \
		<"$T/lint.json"
}

# in_tx SQL BEFORE_AFTER_QUERY: run SQL in a transaction that is rolled
# back, printing what the query says before and after it.
in_tx() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "BEGIN" -c "$2" -c "$1" -c "$2" -c "ROLLBACK"
}

# claim SQL RULES EFFECT: the lint reports RULES ("" for none) and the
# server shows EFFECT: rewrite, no-rewrite, scan, no-scan or fails.
claim() {
	local sql=$1 want=$2 effect=$3 got out
	got=$(lint_rules "$sql") || fail "migc lint failed on '$sql'"
	[ "$got" = "$want" ] || fail "lint of '$sql': expected '$want', got '$got'"
	case $effect in
	rewrite | no-rewrite)
		out=$(in_tx "$sql" "SELECT relfilenode FROM pg_class WHERE relname = 't'") ||
			fail "'$sql' failed on the server"
		[ "$(sort -u <<<"$out" | wc -l)" = 1 ] && got=no-rewrite || got=rewrite ;;
	scan | no-scan)
		out=$(in_tx "$sql" "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 't'") ||
			fail "'$sql' failed on the server"
		[ "$(sort -u <<<"$out" | wc -l)" = 1 ] && got=no-scan || got=scan ;;
	fails)
		psql -X -q -v ON_ERROR_STOP=1 -c "BEGIN" -c "$sql" -c "ROLLBACK" >/dev/null 2>&1 &&
			got=ok || got=fails ;;
	esac
	[ "$got" = "$effect" ] || fail "'$sql' on the server: expected $effect, got $got"
}

test_rewrites_match_postgres() {
	claim "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();" "" no-rewrite
	claim "ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT 'x';" "" no-rewrite
	claim "ALTER TABLE t ADD COLUMN c float8 DEFAULT random();" add-column-volatile-default rewrite
	claim "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();" add-column-volatile-default rewrite
	claim "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();" add-column-volatile-default rewrite
	claim "ALTER TABLE t ADD COLUMN c bigserial;" add-column-volatile-default rewrite
	claim "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;" add-column-volatile-default rewrite
	claim "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (a + 1) STORED;" add-column-volatile-default rewrite
	claim "ALTER TABLE t ALTER COLUMN a TYPE bigint;" change-column-type rewrite
	# the hint's exception: a widening needs no rewrite (allow it)
	claim "ALTER TABLE t ALTER COLUMN v TYPE varchar(20);" change-column-type no-rewrite
	claim "ALTER TABLE t ALTER COLUMN v TYPE text;" change-column-type no-rewrite
}

test_scans_match_postgres() {
	claim "ALTER TABLE t ALTER COLUMN a SET NOT NULL;" set-not-null scan
	# the hint's way: a valid CHECK first, then SET NOT NULL scans nothing
	psql_q "ALTER TABLE t ADD CONSTRAINT v_nn CHECK (v IS NOT NULL) NOT VALID" >/dev/null
	claim "ALTER TABLE t VALIDATE CONSTRAINT v_nn;" "" scan
	psql_q "ALTER TABLE t VALIDATE CONSTRAINT v_nn" >/dev/null
	claim "ALTER TABLE t ALTER COLUMN v SET NOT NULL;" set-not-null no-scan
	psql_q "ALTER TABLE t DROP CONSTRAINT v_nn" >/dev/null
	claim "ALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0);" add-check-constraint scan
	claim "ALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0) NOT VALID;" "" no-scan
	claim "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id);" add-foreign-key scan
	claim "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID;" "" no-scan
	claim "ALTER TABLE t ADD COLUMN c int REFERENCES u (id);" "" no-scan
	claim "ALTER TABLE t ADD COLUMN c int DEFAULT NULL REFERENCES u (id);" add-foreign-key scan
}

test_failures_match_postgres() {
	claim "ALTER TABLE t ADD COLUMN c int NOT NULL;" add-not-null-without-default fails
	claim "CREATE INDEX CONCURRENTLY t_a ON t (a);" needs-no-transaction fails
	claim "VACUUM t;" needs-no-transaction fails
	claim "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;" "" no-rewrite
}

# RESET lock_timeout goes back to the server's default (0 here), not to
# what migc set for the migration: the lock rule's reasoning.
test_reset_lock_timeout_is_the_server_default() {
	local got
	got=$(psql -X -q -A -t -c "BEGIN" -c "SET LOCAL lock_timeout = '5s'" -c "RESET lock_timeout" \
		-c "SHOW lock_timeout" -c "ROLLBACK")
	expect_eq "$got" 0 "lock_timeout after RESET"
	expect_eq "$(lint_rules "RESET lock_timeout;
ALTER TABLE t ADD COLUMN c int;")" lock-without-timeout "lint"
}

run_tests
