#!/usr/bin/env bash
# bench_tool.sh - the measuring tool of `make bench` (tests/bench/benchtime.c):
# arms measured interleaved, one line per arm, failures reported, never a
# figure for a command that failed. Times themselves are never judged.
. "$(dirname "$0")/../lib.sh"

BT="$TEST_TMP/benchtime"
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$BT" "$MIGC_ROOT/tests/bench/benchtime.c" ||
	{ echo "not ok - benchtime does not compile"; exit 1; }

# figures LINE: five fields, a median between min and max, RUNS as asked
expect_figures() { # LINE RUNS
	awk -v runs="$2" 'NF == 5 && $2 <= $1 && $1 <= $3 && $4 > 0 && $5 == runs { ok = 1 }
		END { exit !ok }' <<<"$1" || fail "not a figures line for $2 runs: '$1'"
}

test_one_arm_prints_one_line() {
	run "$BT" -n 3 -w 1 -- true
	expect_rc 0
	expect_eq "$(wc -l <<<"$OUT")" 1 "lines"
	expect_figures "$OUT" 3
}

test_arms_alternate_and_print_in_order() {
	# Each arm's preparation logs its name: rounds start with a different arm
	# each time, so three arms and two runs (plus a warm-up) log a rotation.
	run "$BT" -n 2 -w 1 -p "echo a >>'$T/log'" -- true \
		--vs -p "echo b >>'$T/log'" -- true \
		--vs -p "echo c >>'$T/log'" -j 2 -- sleep 0.05
	expect_rc 0
	expect_eq "$(tr -d '\n' <"$T/log")" "abcbcacab" "order of the runs"
	expect_eq "$(wc -l <<<"$OUT")" 3 "lines"
	while read -r line; do expect_figures "$line" 2; done <<<"$OUT"
	# the third arm (two sleeps at once) is the slowest: lines follow the arms
	awk 'NR == 3 { s = $2 } NR < 3 { if ($3 > m) m = $3 } END { exit !(s >= 0.05 && s > m) }' <<<"$OUT" ||
		fail "the lines are not in the order of the arms: $OUT"
}

test_a_failing_arm_stops_everything() {
	run "$BT" -n 3 -e "$T/err.log" -- true --vs -- sh -c 'echo broken >&2; exit 3'
	expect_rc 1
	expect_eq "$OUT" "" "figures of a failed measurement"
	expect_err "sh exited 3"
	expect_err "broken"
}

test_a_failing_preparation_stops_everything() {
	run "$BT" -n 2 -p false -- true
	expect_rc 1
	expect_err "the preparation failed: false"
}

test_bad_usage_exits_2() {
	run "$BT" -n 0 -- true
	expect_rc 2
	expect_err "bad run count '0'"
	run "$BT" -n 2 -- true --vs
	expect_rc 2
	expect_err "nothing after --vs"
	run "$BT" -- true --vs -n 3 -- true
	expect_rc 2
	expect_err "unknown option '-n'"
	run "$BT" -n 2
	expect_rc 2
	expect_err "no command"
}

run_tests
