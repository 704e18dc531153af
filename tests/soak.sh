#!/usr/bin/env bash
# tests/soak.sh - `make soak`: the PostgreSQL resilience tests
# (tests/e2e/pg_resilience.sh) with many trials instead of `make test`'s
# sample, plus the mixed test (runners at once while some are killed).
#
# Counts (environment, defaults in brackets): PGR_ROUNDS [50] concurrent
# rounds of PGR_RUNNERS [8] runners, directly and through PgBouncer;
# PGR_KILLS [100] kill -9 trials; PGR_CUTS [30] random proxy cuts and as
# many pg_terminate_backend; PGR_MIXED [30] mixed trials; PGR_SEED replays
# the random choices of an earlier run. TEST_ONLY=test_name runs one test.
# Takes about 15 minutes; the log is kept in $BUILD/soak.log.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD MIGC_ROOT=$PWD
export PGR_ROUNDS=${PGR_ROUNDS:-50} PGR_RUNNERS=${PGR_RUNNERS:-8} PGR_KILLS=${PGR_KILLS:-100}
export PGR_CUTS=${PGR_CUTS:-30} PGR_MIXED=${PGR_MIXED:-30}
export PGR_SEED=${PGR_SEED:-$(($(date +%s) % 1000000))}

mkdir -p "$BUILD"
log="$BUILD/soak.log"
start=$(date +%s)
set -o pipefail
timeout 3600 bash tests/e2e/pg_resilience.sh 2>&1 | while IFS= read -r line; do
	printf '[%4ds] %s\n' $(($(date +%s) - start)) "$line"
done | tee "$log"
rc=$?
passed=$(grep -c '\] ok - ' "$log")
failed=$(grep -c '\] not ok - ' "$log")
[ "$rc" != 0 ] && [ "$failed" = 0 ] && failed=1
echo
echo "soak: $passed passed, $failed failed in $(($(date +%s) - start)) s (PGR_SEED=$PGR_SEED; log: $log)"
[ "$failed" = 0 ] && [ "$rc" = 0 ]
