#!/usr/bin/env bash
# tests/e2e/pg_resilience.sh - `migrate up` as the release command of a
# production deploy, against a real PostgreSQL (tests/pg.sh) and a real
# PgBouncer in transaction pooling mode (tests/pgbouncer.sh):
#
#   - 8+ runners started at once on one fresh database, several rounds,
#     directly and through PgBouncer: all exit 0, every migration is applied
#     exactly once, the schema is complete;
#   - `kill -9` of the runner at random moments of a long migration set:
#     after every kill the database is before or after each migration (a
#     migration's table exists iff its history row does, with all its rows),
#     and a rerun completes; a kill during a no-transaction migration leaves
#     it `running`, the next `up` exits 6, `resolve` clears it;
#   - the connection cut mid-migration, by a loopback TCP proxy the test
#     controls (tests/tcpproxy.py) and by pg_terminate_backend: a clear
#     error, a non-zero exit, nothing half-applied, and a rerun completes;
#   - (tests/soak.sh only) runners at once while some of them are killed.
#
# `make test` runs a sample; tests/soak.sh (`make soak`) runs the same tests
# with many trials by raising these counts:
PGR_ROUNDS=${PGR_ROUNDS:-3}   # concurrent rounds, directly and through PgBouncer
PGR_RUNNERS=${PGR_RUNNERS:-8} # runners per round
PGR_KILLS=${PGR_KILLS:-5}     # kill -9 trials
PGR_CUTS=${PGR_CUTS:-3}       # random-moment proxy cuts, and as many pg_terminate_backend
PGR_MIXED=${PGR_MIXED:-0}     # mixed trials: runners at once, some killed (soak)
PGR_SEED=${PGR_SEED:-$(($(date +%s) % 1000000))}
# Every random choice derives from PGR_SEED: rerun with it to replay a failure
# (timing still varies).
echo "# PGR_SEED=$PGR_SEED rounds=$PGR_ROUNDS runners=$PGR_RUNNERS kills=$PGR_KILLS cuts=$PGR_CUTS mixed=$PGR_MIXED"

source "$(dirname "$0")/../lib.sh"
source "$MIGC_ROOT/tests/pg.sh"
source "$MIGC_ROOT/tests/pgbouncer.sh"

sanitize_binaries

if ! pg_start >"$TEST_TMP/pg_start.log" 2>&1; then
	echo "not ok - pg_start: $(head -c 1000 "$TEST_TMP/pg_start.log")"
	echo "#   install with: apt-get install -y postgresql pgbouncer (or: bash .ci/run)"
	exit 1
fi
if ! pgb_start >"$TEST_TMP/pgb_start.log" 2>&1; then
	echo "not ok - pgb_start: $(head -c 1000 "$TEST_TMP/pgb_start.log")"
	echo "#   install with: apt-get install -y pgbouncer (or: bash .ci/run)"
	exit 1
fi

# Without a PostgreSQL driver in this build every test below would fail the
# same way, slowly: say so once.
mkdir -p "$TEST_TMP/preflight/m"
printf 'SELECT 1;\n' >"$TEST_TMP/preflight/m/0001_one.sql"
if ! "$MIGC" build "$TEST_TMP/preflight/m" --binary "$TEST_TMP/preflight/migrate" >"$TEST_TMP/preflight/out" 2>&1 ||
	! "$TEST_TMP/preflight/migrate" wait --url "$PG_URL" --wait 10 >>"$TEST_TMP/preflight/out" 2>&1; then
	echo "not ok - preflight: a release binary cannot reach PostgreSQL: $(head -c 1000 "$TEST_TMP/preflight/out")"
	exit 1
fi

# ---------------------------------------------------------------- helpers

q() { # DB SQL: one query over the Unix socket, unaligned tuples
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
newdb() { psql_q "CREATE DATABASE $1" >/dev/null; }
# db_drop DB: drop a database a test is done with (its pooled connections too).
db_drop() { psql_q "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null; }
direct_url() { echo "postgresql://migc_admin@127.0.0.1:$PGPORT/$1"; }
pgb_url() { echo "postgresql://migc_admin@127.0.0.1:$PGB_PORT/$1"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
rand() { echo $((RANDOM * 32768 + RANDOM)); } # 0 .. 2^30-1

# alive PID: the process exists and is not a zombie (Linux /proc).
alive() {
	local s
	s=$(cut -d')' -f2- "/proc/$1/stat" 2>/dev/null | awk '{print $1}')
	[ -n "$s" ] && [ "$s" != Z ]
}

# spawn OUT ERR CMD...: start CMD in the background with its stdout and
# stderr in OUT and ERR; SPAWN is its pid (to kill), SPAWN_WRAP the pid to
# reap. It runs inside a wrapper subshell so that bash does not print
# "Killed" when it is killed with -9; the wrapper exits with its status.
spawn() {
	local out=$1 err=$2 i
	shift 2
	rm -f "$T/.spawn"
	("$@" >"$out" 2>"$err" &
		echo $! >"$T/.spawn.tmp" && mv "$T/.spawn.tmp" "$T/.spawn"
		wait $!) 2>/dev/null &
	SPAWN_WRAP=$!
	for i in $(seq 1 500); do
		[ -s "$T/.spawn" ] && break
		sleep 0.01
	done
	SPAWN=$(cat "$T/.spawn")
}

# reap PID [SECONDS]: wait for a background runner, at most SECONDS (90)
# before killing it; RC = its exit code (137: killed).
reap() {
	local i
	for i in $(seq 1 $((${2:-90} * 20))); do
		alive "$1" || break
		sleep 0.05
	done
	if alive "$1"; then
		echo "#   runner $1 still running after ${2:-90} s: killed"
		pkill -9 -P "$1" 2>/dev/null || true # the runner, when $1 is spawn's wrapper
		kill -9 "$1" 2>/dev/null || true
	fi
	set +e
	wait "$1" 2>/dev/null
	RC=$?
	set -e
}

# dump DB: the history and the tables, for a failure message.
dump() {
	echo "#   history of $1:"
	if [ "$(q "$1" "SELECT to_regclass('public.migc_history') IS NOT NULL")" = t ]; then
		q "$1" "SELECT id, version, name, state, note FROM migc_history ORDER BY id" 2>&1 | sed 's/^/#     /'
	else
		echo "#     (no table migc_history)"
	fi
	echo "#   tables of $1: $(q "$1" "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'" 2>&1)"
	echo "#   sessions: $(q "$1" "SELECT string_agg(pid || ' ' || coalesce(application_name, '') || ' ' || coalesce(state, '') || ' ' || left(query, 60), ' | ') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" 2>&1)"
}

# drain DB: wait (at most 30 s) until no other session of DB is busy, so
# that a dead runner's orphaned backend has finished: it notices the client
# is gone only when its statement ends and it writes the result.
drain() {
	local i n
	for i in $(seq 1 300); do
		n=$(q "$1" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state IS DISTINCT FROM 'idle'")
		[ "$n" = 0 ] && return 0
		sleep 0.1
	done
	dump "$1"
	fail "sessions of $1 still busy after 30 s"
}

# hist DB [WHERE]: the versions in the history, sorted, space-separated
# ("" when the table is missing).
hist() {
	if [ "$(q "$1" "SELECT to_regclass('public.migc_history') IS NOT NULL")" != t ]; then
		echo ""
		return
	fi
	q "$1" "SELECT coalesce(string_agg(version, ' ' ORDER BY version), '') FROM migc_history WHERE ${2:-true}"
}

seqv() { # FROM TO: versions 0001 ... as the files name them
	[ "$2" -ge "$1" ] || return 0
	seq -f '%04g' "$1" "$2" | tr '\n' ' ' | sed 's/ $//'
}

# ------------------------------------------------------ the migration sets

# The concurrency set: 20 migrations, one slow (0008), one no-transaction
# with CREATE INDEX CONCURRENTLY (0013), and a repeatable view. Table cNNNN
# holds NNNN rows.
conc_set() { # DIR [FROM TO]
	local i n
	for i in $(seq "${2:-1}" "${3:-20}"); do
		n=$(printf '%04d' "$i")
		case $i in
		8) mig "$1" "${n}_slow.sql" "CREATE TABLE c$n (id int PRIMARY KEY, v text);
INSERT INTO c$n SELECT g, 'r' || g FROM generate_series(1, $i) g;
SELECT pg_sleep(0.3);" ;;
		13) mig "$1" "${n}_concurrent_index.sql" "-- migc:no-transaction
CREATE TABLE c$n (id int PRIMARY KEY, v text);
INSERT INTO c$n SELECT g, 'r' || g FROM generate_series(1, $i) g;
CREATE INDEX CONCURRENTLY c_idx ON c0005 (v);" ;;
		*) mig "$1" "${n}_t$i.sql" "CREATE TABLE c$n (id int PRIMARY KEY, v text);
INSERT INTO c$n SELECT g, 'r' || g FROM generate_series(1, $i) g;" ;;
		esac
	done
	mig "$1" R__view.sql "CREATE OR REPLACE VIEW c_view AS SELECT count(*) AS n FROM c0001;"
}

# check_conc DB N: versions 1..N each applied exactly once (plus the view),
# every table present with all its rows, the index present once and valid.
check_conc() {
	local db=$1 n=$2
	expect_eq "$(hist "$db" "kind = 'versioned'")" "$(seqv 1 "$n")" "versions in the history of $db"
	expect_eq "$(q "$db" "SELECT count(*) FROM migc_history WHERE kind = 'versioned'")" "$n" "versioned history rows of $db"
	expect_eq "$(q "$db" "SELECT count(*) FROM migc_history WHERE kind = 'repeatable'")" 1 "repeatable history rows of $db"
	expect_eq "$(q "$db" "SELECT count(*) FROM migc_history WHERE state <> 'applied'")" 0 "rows not applied in $db"
	expect_eq "$(q "$db" "SELECT string_agg(substr(tablename, 2), ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^c[0-9]{4}$'")" "$(seqv 1 "$n")" "tables of $db"
	expect_eq "$(q "$db" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^c[0-9]{4}$' AND (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM public.%I', tablename), false, true, '')))[1]::text::int <> substr(tablename, 2)::int")" 0 "tables of $db with a wrong row count"
	expect_eq "$(q "$db" "SELECT count(*) || ' ' || bool_and(i.indisvalid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'c_idx'")" "1 true" "index c_idx (count, valid)"
	expect_eq "$(q "$db" "SELECT n FROM c_view")" 1 "view c_view"
}

# conc_round URL DB BIN N: PGR_RUNNERS runners of BIN at once on URL; all
# must exit 0 and together apply every pending migration once.
conc_round() {
	local url=$1 db=$2 bin=$3 n=$4 i pids=() bad=0 rc applied
	for i in $(seq 1 "$PGR_RUNNERS"); do
		timeout -s KILL 120 "$bin" up --url "$url" --wait 10 --lock-timeout 90 --format json \
			>"$T/$db.r$i.out" 2>"$T/$db.r$i.err" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		set +e
		wait "${pids[$i]}"
		rc=$?
		set -e
		if [ "$rc" != 0 ]; then
			bad=1
			echo "#   runner $((i + 1)) on $url exited $rc:"
			head -c 1500 "$T/$db.r$((i + 1)).out" "$T/$db.r$((i + 1)).err" | sed 's/^/#     /'
		fi
	done
	[ "$bad" = 0 ] || { dump "$db"; fail "a concurrent runner failed ($url)"; }
	applied=$(cat "$T/$db".r*.out | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        n += len(json.loads(line).get("applied") or [])
print(n)') || fail "runner JSON output did not parse: $(head -c 1000 "$T/$db.r1.out")"
	CONC_APPLIED=$applied
	(check_conc "$db" "$n") || { dump "$db"; exit 1; }
}

# The kill set: 30 transactional migrations, each creating table kNNNN with
# 100 rows and sleeping 20-50 ms.
kill_set() { # DIR
	local i n
	for i in $(seq 1 30); do
		n=$(printf '%04d' "$i")
		mig "$1" "${n}_k$i.sql" "CREATE TABLE k$n (id int);
INSERT INTO k$n SELECT generate_series(1, 100);
SELECT pg_sleep(0.0$((20 + (i * 7) % 31)));"
	done
}

# consistent DB: the database is before or after each migration of the
# kill set: the applied versions are 0001..000k in order, exactly the tables
# k0001..k000k exist, each with all its 100 rows, and no row is in another
# state (they are all transactional).
consistent() {
	local db=$1 h t k
	drain "$db"
	h=$(hist "$db" "kind = 'versioned' AND state = 'applied'")
	t=$(q "$db" "SELECT coalesce(string_agg(substr(tablename, 2), ' ' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^k[0-9]{4}$'")
	k=$(wc -w <<<"$h")
	if [ "$h" != "$t" ] || [ "$h" != "$(seqv 1 "$k")" ]; then
		dump "$db"
		fail "$db: history '$h' does not match the tables '$t'"
	fi
	if [ -n "$h" ]; then
		expect_eq "$(q "$db" "SELECT count(*) FROM migc_history WHERE state <> 'applied' OR kind <> 'versioned'")" 0 "rows of $db not applied"
		expect_eq "$(q "$db" "SELECT count(*) - count(DISTINCT version) FROM migc_history")" 0 "versions of $db recorded twice"
	fi
	expect_eq "$(q "$db" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^k[0-9]{4}$' AND (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM public.%I', tablename), false, true, '')))[1]::text::int <> 100")" 0 "half-filled tables of $db"
	CONSISTENT_K=$k
}

# complete DB BIN: a clean rerun applies the rest and exits 0.
complete() {
	run "$2" up --url "$(direct_url "$1")" --wait 10 --lock-timeout 90
	[ "$RC" = 0 ] || { dump "$1"; fail "rerun on $1 exited $RC"; }
	consistent "$1"
	expect_eq "$CONSISTENT_K" 30 "migrations applied in $1 after the rerun"
}

# calibrate BIN: how long (ms) one clean run of the kill set takes.
calibrate() {
	local t0
	newdb "${1}_cal"
	t0=$(now_ms)
	run "$2" up --url "$(direct_url "${1}_cal")" --wait 10
	expect_rc 0
	CAL_MS=$(($(now_ms) - t0))
	db_drop "${1}_cal"
	echo "#   a clean run of the kill set takes $CAL_MS ms"
}

# start_proxy UPSTREAM_PORT [OPTIONS]: PROXY_PID, PROXY_PORT.
start_proxy() {
	local i
	python3 "$MIGC_ROOT/tests/tcpproxy.py" "$@" --timeout 3000 >"$T/proxy.port" 2>"$T/proxy.log" &
	PROXY_PID=$!
	for i in $(seq 1 100); do
		[ -s "$T/proxy.port" ] && break
		sleep 0.05
	done
	PROXY_PORT=$(head -n 1 "$T/proxy.port")
	[ -n "$PROXY_PORT" ] || fail "tcpproxy did not start: $(cat "$T/proxy.log")"
}

# interrupt_trials METHOD TRIALS: on fresh databases, start `up` of the kill
# set, interrupt it at a random moment of its run, check the database is
# consistent; up to three interruptions per database, then a clean rerun
# must complete. A runner may exit 0 only with every migration applied.
#   kill   kill -9 the runner
#   cut    drop its connection: the runner talks through tests/tcpproxy.py
#   term   pg_terminate_backend of its backend (found by application_name)
interrupt_trials() {
	local method=$1 trials=$2 done_=0 hits=0 dbn=0 db url delay per i
	RANDOM=$((PGR_SEED + ${#method} * 7919))
	kill_set m
	build m ./migrate
	calibrate "$method" ./migrate
	[ "$method" = cut ] && start_proxy "$PGPORT"
	while [ "$done_" -lt "$trials" ]; do
		dbn=$((dbn + 1))
		db="${method}_$dbn"
		newdb "$db"
		CONSISTENT_K=0
		url=$(direct_url "$db")
		[ "$method" = cut ] && url="postgresql://migc_admin@127.0.0.1:$PROXY_PORT/$db"
		per=$((1 + $(rand) % 3))
		for i in $(seq 1 "$per"); do
			[ "$done_" -lt "$trials" ] || break
			done_=$((done_ + 1))
			# a moment within what is left of the run, or just after it
			delay=$(($(rand) % (CAL_MS * (30 - ${CONSISTENT_K:-0}) / 30 + 200)))
			spawn "$T/$db.$i.out" "$T/$db.$i.err" ./migrate up --url "$url" --wait 10 --lock-timeout 90
			sleep_ms "$delay"
			case $method in
			kill) kill -9 "$SPAWN" 2>/dev/null || true ;;
			cut) kill -USR1 "$PROXY_PID" ;;
			term) q "$db" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'migc%'" >/dev/null ;;
			esac
			reap "$SPAWN_WRAP" 90
			consistent "$db"
			case $RC in
			0)
				# finished before the blow, or recovered from it by itself
				expect_eq "$CONSISTENT_K" 30 "$db: migrations applied when the runner exited 0"
				;;
			137)
				[ "$method" = kill ] || fail "$db: runner killed by SIGKILL?"
				hits=$((hits + 1))
				;;
			1 | 5)
				[ "$method" != kill ] || fail "$db: runner exited $RC before it was killed"
				grep -q 'error' "$T/$db.$i.err" || fail "$db: exit $RC without an error message: $(head -c 500 "$T/$db.$i.err")"
				hits=$((hits + 1))
				;;
			*)
				fail "$db: runner exited $RC after $method at $delay ms: $(head -c 1500 "$T/$db.$i.err")"
				;;
			esac
			[ "$CONSISTENT_K" -lt 30 ] || break
		done
		complete "$db" ./migrate
		db_drop "$db"
	done
	echo "#   $method: $trials trials on $dbn databases, $hits hit a running runner"
}

# -------------------------------------------------------------- the tests

test_concurrent_runners_directly() {
	local r
	conc_set m
	build m ./v1
	for r in $(seq 1 "$PGR_ROUNDS"); do
		newdb "cd_$r"
		conc_round "$(direct_url "cd_$r")" "cd_$r" ./v1 20
		expect_eq "$CONC_APPLIED" 21 "migrations the runners of round $r reported applied"
		[ "$r" = "$PGR_ROUNDS" ] || db_drop "cd_$r"
	done
	# a new release: 5 more, on a database that is already migrated
	conc_set m 21 25
	build m ./v2
	conc_round "$(direct_url "cd_$PGR_ROUNDS")" "cd_$PGR_ROUNDS" ./v2 25
	expect_eq "$CONC_APPLIED" 5 "migrations the runners of the new release reported applied"
	echo "#   $PGR_ROUNDS rounds of $PGR_RUNNERS runners, and one upgrade round"
}

test_concurrent_runners_through_pgbouncer() {
	local r
	conc_set m
	build m ./v1
	for r in $(seq 1 "$PGR_ROUNDS"); do
		newdb "cb_$r"
		conc_round "$(pgb_url "cb_$r")" "cb_$r" ./v1 20
		expect_eq "$CONC_APPLIED" 21 "migrations the runners of round $r reported applied"
		[ "$r" = "$PGR_ROUNDS" ] || db_drop "cb_$r"
	done
	conc_set m 21 25
	build m ./v2
	conc_round "$(pgb_url "cb_$PGR_ROUNDS")" "cb_$PGR_ROUNDS" ./v2 25
	expect_eq "$CONC_APPLIED" 5 "migrations the runners of the new release reported applied"
	echo "#   $PGR_ROUNDS rounds of $PGR_RUNNERS runners through PgBouncer (pool of ${PGB_POOL_SIZE:-4}), and one upgrade round"
}

test_kill_9_at_random_moments() {
	interrupt_trials kill "$PGR_KILLS"
}

test_connection_cut_by_proxy_at_random_moments() {
	interrupt_trials cut "$PGR_CUTS"
}

test_backend_terminated_at_random_moments() {
	interrupt_trials term "$PGR_CUTS"
}

# The slow migration of the cut tests: a table, a row, then 5 s of sleep.
slow_set() {
	mig m 0001_a.sql "CREATE TABLE a (x int);"
	mig m 0002_slow.sql "CREATE TABLE slow (x int);
INSERT INTO slow VALUES (1);
SELECT pg_sleep(5);"
	mig m 0003_c.sql "CREATE TABLE c (x int);"
	build m ./migrate
}

# sleeper DB RUNNER: the pid of the runner's backend once it runs
# pg_sleep(5) (found by its application_name), polled for at most 20 s.
sleeper() {
	local i pid
	for i in $(seq 1 200); do
		alive "$2" || break
		pid=$(q "$1" "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'migc%' AND state = 'active' AND query LIKE '%pg_sleep(5)%' LIMIT 1")
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.1
	done
	dump "$1" >&2
	return 1
}

# after_cut DB: nothing of 0002 is left, and a direct rerun completes.
after_cut() {
	local db=$1
	[ "$RC" != 0 ] || fail "exit 0 after the connection was cut"
	[ "$RC" = 1 ] || [ "$RC" = 5 ] || fail "expected exit 1 or 5, got $RC"
	expect_err "0002_slow.sql"
	drain "$db"
	expect_eq "$(hist "$db")" "0001" "history after the cut"
	expect_eq "$(q "$db" "SELECT to_regclass('public.slow') IS NULL")" t "table slow absent"
	run ./migrate up --url "$(direct_url "$db")" --wait 10 --lock-timeout 30
	expect_rc 0
	expect_eq "$(hist "$db")" "0001 0002 0003" "history after the rerun"
	expect_eq "$(q "$db" "SELECT count(*) FROM slow")" 1 "rows of slow"
}

test_connection_cut_by_proxy_mid_migration() {
	local pid
	slow_set
	newdb cutp
	start_proxy "$PGPORT"
	./migrate up --url "postgresql://migc_admin@127.0.0.1:$PROXY_PORT/cutp" --wait 10 >"$T/.out" 2>"$T/.err" &
	pid=$!
	sleeper cutp "$pid" >/dev/null || fail "the runner's pg_sleep(5) never showed up in pg_stat_activity"
	kill -USR1 "$PROXY_PID"
	reap "$pid" 60
	OUT=$(cat "$T/.out") ERR=$(cat "$T/.err")
	echo "#   exit $RC, stderr: $(tr '\n' ' ' <<<"$ERR" | head -c 400)"
	after_cut cutp
}

test_backend_terminated_mid_migration() {
	local pid bpid
	slow_set
	newdb cutt
	./migrate up --url "$(direct_url cutt)" --wait 10 >"$T/.out" 2>"$T/.err" &
	pid=$!
	bpid=$(sleeper cutt "$pid") || fail "the runner's pg_sleep(5) never showed up in pg_stat_activity"
	expect_eq "$(q cutt "SELECT pg_terminate_backend($bpid)")" t "pg_terminate_backend"
	reap "$pid" 60
	OUT=$(cat "$T/.out") ERR=$(cat "$T/.err")
	echo "#   exit $RC, stderr: $(tr '\n' ' ' <<<"$ERR" | head -c 400)"
	after_cut cutt
}

# The connection lost right after the client sent COMMIT: the server has
# committed, the client cannot know. The runner must fail (it cannot claim
# success) without telling the user that nothing was applied, and the
# rerun must see the migration as applied, not apply it twice.
test_connection_lost_at_commit() {
	mig m 0001_a.sql "CREATE TABLE a (x int);"
	build m ./v1
	newdb amb
	run ./v1 up --url "$(direct_url amb)" --wait 10
	expect_rc 0
	mig m 0002_b.sql "CREATE TABLE b (x int);
INSERT INTO b VALUES (1);"
	mig m 0003_c.sql "CREATE TABLE c (x int);"
	build m ./v2
	# the history table exists now, so the first COMMIT is 0002's
	start_proxy "$PGPORT" --cut-on 'COMMIT\0' --cut-delay 300
	run timeout -s KILL 60 ./v2 up --url "postgresql://migc_admin@127.0.0.1:$PROXY_PORT/amb" --wait 10
	echo "#   exit $RC, stderr: $(tr '\n' ' ' <<<"$ERR" | head -c 600)"
	grep -q "matched" "$T/proxy.log" || fail "the proxy never saw a COMMIT: $(cat "$T/proxy.log")"
	[ "$RC" = 1 ] || [ "$RC" = 5 ] || fail "expected exit 1 or 5 after losing the connection at COMMIT, got $RC"
	expect_err "0002_b.sql"
	drain amb
	expect_eq "$(hist amb)" "0001 0002" "history after the cut (the server committed 0002)"
	expect_eq "$(q amb "SELECT count(*) FROM b")" 1 "rows of b"
	expect_no "nothing of 0002_b.sql was applied"
	run ./v2 up --url "$(direct_url amb)" --wait 10
	expect_rc 0
	expect_eq "$(hist amb)" "0001 0002 0003" "history after the rerun"
}

# kill_during_no_transaction URL DB: kill -9 while a no-transaction
# migration runs leaves it `running`; the next `up` exits 6 once the dead
# runner's statement is over, `resolve --pending` clears it, `up` completes.
kill_during_no_transaction() {
	local url=$1 db=$2 i pid
	mig m 0001_a.sql "CREATE TABLE a (x int);
INSERT INTO a SELECT generate_series(1, 1000);"
	mig m 0002_index.sql "-- migc:no-transaction
SELECT pg_sleep(2);
CREATE INDEX CONCURRENTLY a_x ON a (x);"
	mig m 0003_b.sql "CREATE TABLE b (x int);"
	build m ./migrate
	newdb "$db"
	[ -z "${PGB_WARM:-}" ] || pgb_warm "$db"
	spawn "$T/.out" "$T/.err" ./migrate up --url "$url" --wait 10
	pid=$SPAWN
	for i in $(seq 1 200); do
		alive "$pid" || break
		[ "$(hist "$db" "state = 'running'")" = 0002 ] && break
		sleep 0.05
	done
	[ "$(hist "$db" "state = 'running'")" = 0002 ] ||
		{ dump "$db"; fail "0002 never showed up as running; the runner said: $(head -c 1000 "$T/.err")"; }
	sleep 0.3
	kill -9 "$pid"
	reap "$SPAWN_WRAP" 10
	expect_eq "$RC" 137 "exit of the killed runner"
	expect_eq "$(q "$db" "SELECT string_agg(version || ':' || state, ' ' ORDER BY id) FROM migc_history")" "0001:applied 0002:running" "history after the kill"
	expect_eq "$(q "$db" "SELECT to_regclass('public.b') IS NULL")" t "table b absent"
	# the dead runner's backend may still be in pg_sleep: `up` must not
	# take its row for a live peer's once it is gone
	run ./migrate up --url "$url" --wait 10 --lock-timeout 30
	[ "$RC" = 6 ] || { dump "$db"; fail "expected exit 6 after a runner died in a no-transaction migration, got $RC"; }
	expect_err "0002_index.sql"
	expect_err "migrate resolve 0002"
	expect_eq "$(q "$db" "SELECT to_regclass('public.b') IS NULL")" t "table b absent after the refused run"
	run ./migrate resolve 0002 --pending --url "$url"
	expect_rc 0
	run ./migrate up --url "$url" --wait 10 --lock-timeout 30
	expect_rc 0
	expect_eq "$(q "$db" "SELECT string_agg(version || ':' || state, ' ' ORDER BY id) FROM migc_history")" "0001:applied 0002:undone 0002:applied 0003:applied" "history after resolve and up"
	expect_eq "$(q "$db" "SELECT count(*) || ' ' || bool_and(i.indisvalid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'a_x'")" "1 true" "index a_x (count, valid)"
}

test_kill_during_no_transaction_migration_leaves_running() {
	kill_during_no_transaction "$(direct_url ntx_d)" ntx_d
}

test_kill_during_no_transaction_migration_through_pgbouncer() {
	PGB_WARM=1 kill_during_no_transaction "$(pgb_url ntx_b)" ntx_b
}

# pgb_warm DB: fill PgBouncer's pool for DB with idle server connections,
# so that (round robin) a client's consecutive transactions run on
# different ones, as they do in production under load.
pgb_warm() {
	local i
	for i in $(seq 1 "${PGB_POOL_SIZE:-4}"); do
		psql -X -q -A -t -h 127.0.0.1 -p "$PGB_PORT" -d "$1" -c "SELECT pg_sleep(0.3)" >/dev/null &
	done
	wait
}

# Soak only: PGR_RUNNERS runners at once (every other one through
# PgBouncer) while up to half of them are killed at random moments; the
# survivors all exit 0 having applied everything exactly once.
if [ "$PGR_MIXED" -gt 0 ]; then
	test_mixed_concurrent_runners_and_kills() {
		local trial db i u pids wraps victims delay killed=0 rc bad
		RANDOM=$((PGR_SEED + 4242))
		kill_set m
		build m ./migrate
		calibrate mixed ./migrate
		for trial in $(seq 1 "$PGR_MIXED"); do
			db="mixed_$trial"
			newdb "$db"
			pids=() wraps=()
			for i in $(seq 1 "$PGR_RUNNERS"); do
				if [ $((i % 2)) = 0 ]; then u=$(pgb_url "$db"); else u=$(direct_url "$db"); fi
				spawn "$T/$db.$i.out" "$T/$db.$i.err" ./migrate up --url "$u" --wait 10 --lock-timeout 90
				pids+=("$SPAWN")
				wraps+=("$SPAWN_WRAP")
			done
			victims=$((1 + $(rand) % (PGR_RUNNERS / 2)))
			declare -A dead=()
			for _ in $(seq 1 "$victims"); do
				delay=$(($(rand) % (CAL_MS * 12 / 10 / victims + 1)))
				sleep_ms "$delay"
				i=$(($(rand) % PGR_RUNNERS))
				kill -9 "${pids[$i]}" 2>/dev/null && dead[$i]=1
			done
			bad=0
			for i in "${!pids[@]}"; do
				reap "${wraps[$i]}" 120
				rc=$RC
				if [ -n "${dead[$i]:-}" ] && [ "$rc" = 137 ]; then
					killed=$((killed + 1))
				elif [ "$rc" != 0 ]; then
					bad=1
					echo "#   $db runner $((i + 1)) exited $rc: $(head -c 1500 "$T/$db.$((i + 1)).err")"
				fi
			done
			unset dead
			[ "$bad" = 0 ] || { dump "$db"; fail "$db: a surviving runner failed"; }
			consistent "$db"
			[ "$CONSISTENT_K" = 30 ] || { dump "$db"; fail "$db: survivors exited 0 with $CONSISTENT_K of 30 applied"; }
			run ./migrate up --url "$(pgb_url "$db")" --wait 10
			expect_rc 0
			db_drop "$db"
		done
		echo "#   mixed: $PGR_MIXED trials of $PGR_RUNNERS runners, $killed runners killed mid-run"
	}
fi

run_tests
