#!/usr/bin/env bash
# tests/e2e/bundle_property.sh - the bundle round-trips any bytes and
# compiles warning-free under both gcc and clang.
#
# Property: for any input bytes, the C text the emitter writes compiles with
# `-std=c11 -Wall -Wextra -Werror -pedantic` under gcc and clang, and the
# compiled program gives back exactly the input. Inputs: all 256 byte
# values, row-boundary lengths, hostile patterns (trigraphs, comment ends,
# quotes, backslash-newline, NUL runs, escapes followed by digits) and many
# seeded random buffers (a failure names its seed). All inputs of a run go
# into one stream of rows, as a bundle's migrations do, so each also starts
# and ends at some offset inside a row. Raw bytes go through the
# helper mode of the emitter's unit test (build/tests/test_emit --emit-c),
# which uses the same row emitter as `migc build`; whole `migc build`
# bundles of valid UTF-8 hostile SQL are compiled too, and read back through
# the runtime's own bundle loader, which re-hashes every migration.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

HELPER="$BUILD/tests/test_emit"
PEDANTIC="-std=c11 -Wall -Wextra -Werror -pedantic"
SEEDS=${BUNDLE_PROPERTY_SEEDS:-1000}

# compile_both SRC OUT [args...]: build OUT.gcc and OUT.clang from SRC.
compile_both() {
	local src=$1 out=$2 cc
	shift 2
	for cc in gcc clang; do
		command -v "$cc" >/dev/null || fail "$cc is not installed (apt-get install gcc clang)"
		run "$cc" $PEDANTIC -I"$MIGC_ROOT/include" "$src" "$@" -o "$out.$cc"
		[ "$RC" = 0 ] || fail "$cc rejected $src"
	done
}

# check_inputs FILE...: emit one program for all of them, compile it with
# both compilers, and compare what each prints for each input.
check_inputs() {
	local i=0 f cc
	[ -x "$HELPER" ] || fail "$HELPER is missing: run 'make test', which builds it"
	run "$HELPER" --emit-c "$T/prog.c" "$@"
	expect_rc 0
	compile_both "$T/prog.c" "$T/prog"
	for f in "$@"; do
		for cc in gcc clang; do
			"$T/prog.$cc" "$i" >"$T/back" || fail "$cc build: input $f: exit $?"
			cmp -s "$f" "$T/back" || fail "$cc build: input $f came back different"
		done
		i=$((i + 1))
	done
}

# gen.py MODE DIR ARGS: write input files (see the modes below).
write_generator() {
	cat >"$T/gen.py" <<'EOF'
import os, random, sys

mode, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

# Bytes that matter to a C lexer, weighted up in "hostile" random inputs.
NASTY = b'?\\"*/\n\r\t\x00\'01234567xX89%{}#=(!)<>-' + bytes(range(0x7f, 0x100, 17))

if mode == "bytes":
    put("all", bytes(range(256)))
    put("all_rev", bytes(range(255, -1, -1)) * 20)
    put("digits_after", b"".join(bytes([b]) + b"0178" for b in range(256)))
elif mode == "lengths":
    rnd = random.Random(7)
    for n in (0, 1, 2, 4094, 4095, 4096, 4097, 8189, 8190, 8191, 12285, 12286):
        put("len%05d" % n, bytes(rnd.randrange(256) for _ in range(n)))
elif mode == "hostile":
    put("trigraphs", b"??= ??/ ??' ??( ??) ??! ??< ??> ??- ???= ??" * 300 + b"??")
    put("comments", b"*/ /* */ // /*/ */*/" * 500)
    put("quotes", b'"\\"\\\\"\'\\' * 700 + b"\\")
    put("splice", b"\\\n\\\r\n\\" * 900)
    put("nuls", b"\x00" * 5000 + b"0" * 10 + b"\x00")
    put("escapes", b"\\x41\\101\\0\\n%s%n%%" * 400)
    put("question_run", b"?" * 9000)
    put("boundary_escape", b"a" * 4094 + b"\x01" + b"7" * 10)
    put("utf8", "héllo — ünïcödé ✓ 🚀 \u2028\u2029".encode() * 300)
elif mode == "random":
    first, count = int(sys.argv[3]), int(sys.argv[4])
    for seed in range(first, first + count):
        rnd = random.Random(seed)
        n = rnd.choice([rnd.randrange(0, 64), rnd.randrange(0, 5000),
                        rnd.randrange(4000, 13000)])
        if seed % 2:
            data = bytes(rnd.randrange(256) for _ in range(n))
        else:
            data = bytes(rnd.choice(NASTY) for _ in range(n))
        put("seed%05d" % seed, data)
EOF
}

test_all_byte_values_round_trip() {
	write_generator
	python3 "$T/gen.py" bytes "$T/in"
	check_inputs "$T"/in/*
}

test_row_boundary_lengths_round_trip() {
	write_generator
	python3 "$T/gen.py" lengths "$T/in"
	check_inputs "$T"/in/*
}

test_hostile_patterns_round_trip() {
	write_generator
	python3 "$T/gen.py" hostile "$T/in"
	check_inputs "$T"/in/*
}

test_random_seeds_round_trip() {
	local first batch=50
	write_generator
	for ((first = 1; first <= SEEDS; first += batch)); do
		rm -rf "$T/in"
		python3 "$T/gen.py" random "$T/in" "$first" "$batch"
		check_inputs "$T"/in/*
	done
}

# A checker linked with the bundle and libmigc: loads the bundle through
# the runtime (which re-hashes every migration) and writes each migration's
# SQL, read from the bundle's stream of rows (in chunks), to
# OUTDIR/<filename>.
write_checker() {
	cat >"$T/check.c" <<'EOF'
#include <stdio.h>
#include <string.h>

#include <migc.h>

extern const struct migc_bundle migc_embedded_bundle;

int main(int argc, char **argv)
{
	const struct migc_bundle *b = &migc_embedded_bundle;
	migc_set *set = NULL;
	migc_error err;
	size_t i, j;

	if (argc != 2)
		return 2;
	if (migc_bundle_load(&set, b, &err) != 0) {
		fprintf(stderr, "load: %s\n", err.message);
		return 1;
	}
	migc_set_free(set);
	for (i = 0; i < b->count; i++) {
		struct migc_bundle_entry rec;
		const struct migc_bundle_entry *e = &rec;
		char path[4096];
		FILE *f;

		if (migc_bundle_entry_get(&rec, b, i, &err) != 0) {
			fprintf(stderr, "record: %s\n", err.message);
			return 1;
		}

		snprintf(path, sizeof(path), "%s/%s", argv[1],
			 b->strings[e->filename_off / MIGC_BUNDLE_ROW] +
				 e->filename_off % MIGC_BUNDLE_ROW);
		f = fopen(path, "wb");
		if (!f)
			return 1;
		for (j = e->sql_off; j < e->sql_off + e->sql_len; j++) {
			size_t r = j / MIGC_BUNDLE_ROW_BYTES;

			fputc(b->sql[r / MIGC_BUNDLE_CHUNK_ROWS][r % MIGC_BUNDLE_CHUNK_ROWS]
				    [j % MIGC_BUNDLE_ROW_BYTES], f);
		}
		if (fclose(f) != 0)
			return 1;
	}
	printf("%zu\n", (size_t)b->count);
	return 0;
}
EOF
}

test_migc_build_of_hostile_sql_compiles_and_round_trips() {
	local m=$T/migrations f cc san=""
	mkdir -p "$m"
	printf 'CREATE TABLE "t??=" (x text); -- */ ??/\n' >"$m/0001_tri??=.sql"
	printf -- "-- migc:no-transaction\nSELECT '\"\\\\'; /* */ */\n" >"$m/0002_quo\"te*.sql"
	printf 'SELECT 1;\\\n' >"$m/0003_backslash_newline.sql"
	printf "INSERT INTO t VALUES ('héllo — ✓ 🚀');\n" >"$m/0004_café.sql"
	python3 -c 'import sys; sys.stdout.write(("SELECT \x27??=\\\\0\x27; -- */ ?\n" * 2000))' \
		>"$m/0005_long.sql"
	python3 -c 'import sys; sys.stdout.write("x" * 4094 + "é" + "y" * 4095 + "??" + "\n")' \
		>"$m/0006_split_utf8.sql"
	# 5 MB: across the end of the stream's first chunk of rows
	python3 -c 'import sys; sys.stdout.write("INSERT INTO t VALUES (\x27??/\x27);\n" * 200000)' \
		>"$m/0007_across_chunks.sql"
	printf 'CREATE VIEW v AS SELECT 1; -- ??!\n' >"$m/R__v*iew.sql"
	run "$MIGC" build "$m" -o "$T/bundle.c"
	expect_rc 0
	grep -q '^static const char migc_sql_1\[\]' "$T/bundle.c" || fail "no second chunk"
	[ "${SANITIZE:-}" = 1 ] && san="-fsanitize=address,undefined"
	write_checker
	for cc in gcc clang; do
		run "$cc" $PEDANTIC -I"$MIGC_ROOT/include" -c "$T/bundle.c" -o "$T/bundle.$cc.o"
		[ "$RC" = 0 ] || fail "$cc rejected the bundle"
		run "$cc" $PEDANTIC -I"$MIGC_ROOT/include" -DMIGC_BUNDLE_MAIN -c "$T/bundle.c" \
			-o "$T/bundle_main.$cc.o"
		[ "$RC" = 0 ] || fail "$cc rejected the bundle with -DMIGC_BUNDLE_MAIN"
		run "$cc" $PEDANTIC $san -I"$MIGC_ROOT/include" "$T/check.c" "$T/bundle.$cc.o" \
			"$BUILD/libmigc.a" $(pkg-config --libs sqlite3) -o "$T/check.$cc"
		[ "$RC" = 0 ] || fail "linking the checker with $cc failed"
		rm -rf "$T/out" && mkdir "$T/out"
		run "$T/check.$cc" "$T/out"
		expect_rc 0
		expect_eq "$OUT" 8 "migrations in the bundle"
		for f in "$m"/*; do
			cmp -s "$f" "$T/out/$(basename "$f")" ||
				fail "$cc: $(basename "$f") came back different"
		done
	done
}

run_tests
