#!/usr/bin/env bash
# headers.sh - every public header compiles on its own, as C11 and C++,
# pedantic and warning-free, under gcc and clang (libgit2's headertest).
. "$(dirname "$0")/../lib.sh"

compile_alone() { # compiler, header, language flags...
	local cc=$1 h=$2; shift 2
	printf '#include <%s>\nint migc_headertest_dummy;\n' "$(basename "$h")" >"$T/h.c"
	run "$cc" "$@" -Wall -Wextra -Werror -pedantic -I"$MIGC_ROOT/include" -c "$T/h.c" -o "$T/h.o"
	expect_rc 0
}

test_headers_compile_alone_gcc() {
	for h in "$MIGC_ROOT"/include/*.h; do compile_alone gcc "$h" -std=c11 -x c; done
}

test_headers_compile_alone_clang() {
	for h in "$MIGC_ROOT"/include/*.h; do compile_alone clang "$h" -std=c11 -x c; done
}

test_headers_compile_as_cxx() {
	for h in "$MIGC_ROOT"/include/*.h; do compile_alone g++ "$h" -std=c++11 -x c++; done
}

run_tests
