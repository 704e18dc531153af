#!/usr/bin/env bash
# tests/e2e/progress_pg.sh - the live progress line of `migrate up` on a
# terminal, for PostgreSQL index builds (runtime/cli_progress.c and
# runtime/driver_pg_progress.c), against a real PostgreSQL (tests/pg.sh):
# CREATE INDEX shows its phase and blocks done ("building index: scanning
# table, 40% (6 of 15 blocks)"), directly and through PgBouncer's
# transaction pooling (tests/pgbouncer.sh), where the backend pid is not the
# server's; CREATE INDEX CONCURRENTLY says which old snapshot it waits for;
# SIGTERM during a build with the line running still stops it (exit 8, the
# index rolled back, at once); a second connection the server refuses
# leaves the elapsed time alone, without a word; and with --format json on
# a terminal no line is drawn. The index builds are slowed down deterministically: an
# expression index over an IMMUTABLE plpgsql function that sleeps 1 ms a
# row. script(1) gives migrate a pseudo-terminal. SQLite's line is covered by
# tests/e2e/runtime_sqlite.sh.
source "$(dirname "$0")/../lib.sh"
source "$MIGC_ROOT/tests/pg.sh"
source "$MIGC_ROOT/tests/pgbouncer.sh"

if ! pg_available; then
	echo "# skipped: PostgreSQL server binaries not found (apt-get install postgresql)"
	exit 0
fi
if ! command -v script >/dev/null; then
	echo "# skipped: script(1) not found (apt-get install util-linux)"
	exit 0
fi
pg_start || { echo "not ok - pg_start: could not start PostgreSQL"; exit 1; }

sanitize_binaries
export MIGC_PROGRESS_DELAY_MS=200

# newdb: a fresh database named after the test; sets DB and DATABASE_URL.
newdb() {
	DB=$(tr -c 'a-z0-9_\n' _ <<<"${FUNCNAME[1]}" | cut -c1-60)
	createdb "$DB" || fail "createdb $DB failed"
	export DATABASE_URL="postgresql://$PGUSER@127.0.0.1:$PGPORT/$DB"
}

# q SQL: one query in the test's database, unaligned tuples.
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

# slow_table ROWS: table t of ROWS integers and slow(x), which returns x
# after sleeping 1 ms: an index on slow(x) takes ROWS ms or more to build
# (about twice that here: pg_sleep's timer slack).
slow_table() {
	q "CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, $1);
	   CREATE FUNCTION slow(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql
	   AS \$\$BEGIN PERFORM pg_sleep(0.001); RETURN x; END\$\$;" ||
		fail "cannot create the slow table"
}

# on_tty OUTFILE COMMAND: run the shell command on a pseudo-terminal,
# everything it writes (with its \r and escapes) into OUTFILE.
on_tty() {
	script -qfec "$2" /dev/null >"$1" 2>&1
}

# until_file FILE PATTERN: wait (up to 10 s) until FILE matches PATTERN.
until_file() {
	local i
	for i in $(seq 1 100); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$2' in $1: $(cat -v "$1" 2>/dev/null)"
}

# The line as a person sees it, each redraw on a line of its own.
redraws() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g'; }

test_create_index_shows_its_phase_and_blocks_done() {
	newdb
	slow_table 700
	mig m 0001_slow_index.sql 'CREATE INDEX t_slow ON t ((slow(x)));'
	build m ./migrate
	on_tty tty.out "./migrate up" || fail "migrate up on a pty failed: $(cat -v tty.out)"
	redraws tty.out | grep -Eq '^running 0001 slow_index \.\.\. [0-9]+s, building index: scanning table, [0-9]+% \([0-9]+ of [0-9]+ blocks\)$' ||
		fail "expected the index build's phase and blocks on the line, got: $(cat -v tty.out)"
	grep -q 'applied 0001 slow_index' tty.out || fail "expected the applied line: $(cat -v tty.out)"
	# erased before the applied line: the last redraw is followed by an erase
	redraws tty.out | grep -q '^applied 0001 slow_index' ||
		fail "the progress line was not erased before the applied line: $(cat -v tty.out)"
	expect_eq "$(q "SELECT count(*) FROM pg_indexes WHERE indexname = 't_slow'")" 1 "index t_slow"
}

test_progress_through_pgbouncer_finds_the_server_backend() {
	newdb
	pgb_for_test || return 0
	slow_table 700
	mig m 0001_slow_index.sql 'CREATE INDEX t_slow ON t ((slow(x)));'
	build m ./migrate
	export DATABASE_URL="postgresql://$PGUSER@127.0.0.1:$PGB_PORT/$DB"
	on_tty tty.out "./migrate up" || fail "migrate up through PgBouncer failed: $(cat -v tty.out)"
	redraws tty.out | grep -Eq '^running 0001 slow_index \.\.\. [0-9]+s, building index: scanning table, [0-9]+% \([0-9]+ of [0-9]+ blocks\)$' ||
		fail "expected the index build's progress through PgBouncer, got: $(cat -v tty.out)"
	grep -q 'applied 0001 slow_index' tty.out || fail "expected the applied line: $(cat -v tty.out)"
}

test_create_index_concurrently_names_the_old_snapshot_it_waits_for() {
	newdb
	q "CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100)"
	mig m 0001_cic.sql $'-- migc:no-transaction\nCREATE INDEX CONCURRENTLY t_x ON t (x);'
	build m ./migrate
	# a reader whose snapshot is older than the index: the build waits
	# for it to end before it can mark the index valid
	psql -X -q -d "$DB" -c "BEGIN ISOLATION LEVEL REPEATABLE READ" \
		-c "SELECT count(*) FROM t" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null &
	local reader=$! i
	for i in $(seq 1 100); do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(1.5)' AND state = 'active'")" = 1 ] && break
		sleep 0.05
	done
	on_tty tty.out "./migrate up" || fail "migrate up on a pty failed: $(cat -v tty.out)"
	wait "$reader"
	redraws tty.out | grep -Eq '^running 0001 cic \.\.\. [0-9]+s, building index: waiting for old snapshots, [0-9]+ of [0-9]+ transactions \(waiting for pid [0-9]+\)$' ||
		fail "expected the wait for old snapshots on the line, got: $(cat -v tty.out)"
	grep -q 'applied 0001 cic' tty.out || fail "expected the applied line: $(cat -v tty.out)"
}

test_sigterm_during_an_index_build_on_a_terminal_still_stops_it() {
	newdb
	slow_table 30000 # 30 s unless stopped
	mig m 0001_slow_index.sql 'CREATE INDEX t_slow ON t ((slow(x)));'
	build m ./migrate
	on_tty tty.out './migrate up & echo $! >pid; wait $!; echo "exit $?"' &
	local tty=$! start
	until_file tty.out 'building index: scanning table'
	start=$(date +%s%N)
	kill -TERM "$(cat pid)"
	wait "$tty" || true
	grep -q 'exit 8' tty.out || fail "expected exit 8 after SIGTERM, got: $(cat -v tty.out)"
	grep -q 'interrupted by a signal' tty.out || fail "expected the interruption message: $(cat -v tty.out)"
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "migrate took more than 5 s to stop after SIGTERM"
	expect_eq "$(q "SELECT count(*) FROM pg_indexes WHERE indexname = 't_slow'")" 0 "index t_slow after the rollback"
	expect_eq "$(q "SELECT count(*) FROM migc_history")" 0 "history rows"
}

test_a_refused_second_connection_leaves_the_elapsed_time_only() {
	newdb
	slow_table 400
	# a role with room for one connection: the progress one is refused
	q "CREATE ROLE progress_lim LOGIN CONNECTION LIMIT 1;
	   GRANT CREATE ON SCHEMA public TO progress_lim;
	   ALTER TABLE t OWNER TO progress_lim" || fail "cannot create the role"
	mig m 0001_slow_index.sql 'CREATE INDEX t_slow ON t ((slow(x)));'
	build m ./migrate
	export DATABASE_URL="postgresql://progress_lim@127.0.0.1:$PGPORT/$DB"
	on_tty tty.out "./migrate up" || fail "migrate up failed: $(cat -v tty.out)"
	redraws tty.out | grep -Eq '^running 0001 slow_index \.\.\. [0-9]+s$' ||
		fail "expected the line with the elapsed time only, got: $(cat -v tty.out)"
	! grep -qi 'building index\|too many connections\|warning' tty.out || fail "the refused connection showed: $(cat -v tty.out)"
	grep -q 'applied 0001 slow_index' tty.out || fail "expected the applied line: $(cat -v tty.out)"
}

test_json_output_on_a_terminal_draws_no_line() {
	newdb
	slow_table 300
	mig m 0001_slow_index.sql 'CREATE INDEX t_slow ON t ((slow(x)));'
	build m ./migrate
	on_tty tty.out "./migrate up --format json" || fail "migrate up --format json failed: $(cat -v tty.out)"
	! grep -q 'running 0001\|building index' tty.out || fail "a progress line in JSON mode: $(cat -v tty.out)"
	grep -q '"ok": *true' tty.out || fail "expected the JSON document: $(cat -v tty.out)"
}

run_tests
