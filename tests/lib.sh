# tests/lib.sh - helpers for the end-to-end scripts in tests/e2e/.
#
# A script sources this file, defines functions named test_*, and ends with
# `run_tests`. Each test runs in its own subshell under `set -eu`, in its own
# empty directory ($T), so one test's files never leak into another's. An
# assertion that fails prints what was expected and what came, and ends the
# test; run_tests prints "ok - name" or "not ok - name" for each.
#
# Everything made here lives under one temporary directory removed at exit,
# whether the tests pass or fail.

set -u
MIGC_ROOT=${MIGC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$MIGC_ROOT/$BUILD" ;; esac
MIGC="$BUILD/migc"
export MIGC BUILD MIGC_ROOT
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migc-e2e.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT
unset DATABASE_URL MIGC_SKIP
# git discovery never leaves the test directory, wherever TMPDIR is
export GIT_CEILING_DIRECTORIES="$TEST_TMP"

# run CMD...: run a command, capturing $OUT (stdout), $ERR (stderr), $RC.
run() {
	set +e
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	set -e
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

fail() {
	echo "#   $*"
	[ -n "${OUT:-}" ] && printf '#   stdout: %s\n' "$(head -c 2000 <<<"$OUT")"
	[ -n "${ERR:-}" ] && printf '#   stderr: %s\n' "$(head -c 2000 <<<"$ERR")"
	exit 1
}

expect_rc() { # WANT: the last run's exit code
	[ "$RC" = "$1" ] || fail "expected exit $1, got $RC"
}
expect_eq() { # GOT WANT [what]
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}
expect_out() { # TEXT: stdout contains it
	grep -qF -- "$1" <<<"$OUT" || fail "expected stdout to contain '$1'"
}
expect_err() { # TEXT: stderr contains it
	grep -qF -- "$1" <<<"$ERR" || fail "expected stderr to contain '$1'"
}
expect_no() { # TEXT: neither stdout nor stderr contains it
	! grep -qF -- "$1" <<<"$OUT$ERR" || fail "expected no '$1' in the output"
}

# sql DBFILE QUERY: run a query with the sqlite3 shell, print the result.
sql() { sqlite3 -batch "$1" "$2"; }

# mig DIR FILE CONTENT: write a migration file.
mig() {
	mkdir -p "$1"
	printf '%s\n' "$3" >"$1/$2"
}

# sanitize_binaries: under `make test SANITIZE=1`, the release binaries the
# test builds with `migc build --binary` get ASan+UBSan too.
sanitize_binaries() {
	if [ "${SANITIZE:-}" = 1 ]; then
		export CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer"
		export LDFLAGS="-fsanitize=address,undefined"
	fi
}

# build DIR BIN: compile the migrations in DIR into the release binary BIN.
build() {
	"$MIGC" build "$1" --binary "$2" >"$T/.build.out" 2>&1 ||
		fail "migc build $1 failed: $(cat "$T/.build.out")"
}

# bundle_dump FILE.c: print the entries `migc build` wrote into the bundle
# FILE.c, one line each (tests/bundle_dump.c says the format): its records
# are bytes since bundle ABI 5, which grep cannot read.
bundle_dump() {
	local exe="$T/.bundle_dump.$$" san=""
	# under SANITIZE=1 libmigc.a is instrumented: link the runtimes
	[ "${SANITIZE:-}" = 1 ] && san="-fsanitize=address,undefined"
	cc -std=c11 $san -I"$MIGC_ROOT/include" -o "$exe" "$MIGC_ROOT/tests/bundle_dump.c" "$1" \
		"$BUILD/libmigc.a" $(pkg-config --libs sqlite3) -pthread -ldl >"$T/.bundle_dump.err" 2>&1 ||
		fail "bundle_dump: compiling $1 failed: $(cat "$T/.bundle_dump.err")"
	"$exe" || fail "bundle_dump: $1: the records do not decode"
	rm -f "$exe"
}

# json PYTHON-EXPR: evaluate EXPR with the last stdout parsed as `d`.
json() {
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
if not eval(sys.argv[1]):
    sys.exit("json check failed: " + sys.argv[1])
' "$1" <<<"$OUT" || fail "JSON check: $1"
}

run_tests() {
	local fn failed=0
	for fn in $(declare -F | awk '{print $3}' | grep '^test_'); do
		if [ -n "${TEST_ONLY:-}" ] && [ "$fn" != "$TEST_ONLY" ]; then continue; fi
		T="$TEST_TMP/$fn"
		mkdir -p "$T"
		if (cd "$T" && set -eu && "$fn"); then
			echo "ok - $fn"
		else
			echo "not ok - $fn"
			failed=1
		fi
	done
	return $failed
}
