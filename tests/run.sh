#!/usr/bin/env bash
# tests/run.sh - run every unit test binary and every end-to-end script and
# print "N passed, N failed" last. Each test program prints "ok - NAME" or
# "not ok - NAME" per test; a program that dies without reporting a failure
# counts as one failed test.
#
# Environment: BUILD (build dir), ONLY=unit|e2e, FILTER=substring of script
# names, VERBOSE=1 to show every line.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export MIGC_ROOT=$PWD
if [ "${SANITIZE:-}" = 1 ]; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

passed=0 failed=0
failures=()

run_one() { # label, command...
	local label=$1; shift
	local out rc p f
	out=$(timeout 900 "$@" 2>&1)
	rc=$?
	p=$(grep -c '^ok - ' <<<"$out")
	f=$(grep -c '^not ok - ' <<<"$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		out+=$'\n'"not ok - $label exited $rc without reporting a failure"
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" != 0 ] || [ "${VERBOSE:-}" = 1 ]; then
		printf '%s\n' "--- $label" "$out"
	fi
	while IFS= read -r line; do failures+=("$label: ${line#not ok - }"); done < <(grep '^not ok - ' <<<"$out")
	printf '%-40s %3d passed, %d failed\n' "$label" "$p" "$f"
}

if [ "${ONLY:-unit}" = unit ] || [ -z "${ONLY:-}" ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		case "$t" in *"${FILTER:-}"*) ;; *) continue ;; esac
		run_one "unit/$(basename "$t")" "$t"
	done
fi
if [ "${ONLY:-e2e}" = e2e ] || [ -z "${ONLY:-}" ]; then
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		case "$t" in *"${FILTER:-}"*) ;; *) continue ;; esac
		run_one "e2e/$(basename "$t" .sh)" bash "$t"
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failed tests:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
