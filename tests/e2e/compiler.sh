#!/usr/bin/env bash
# tests/e2e/compiler.sh - the `migc` command: build, list, new, help, and
# every kind of invalid input.
#
# Protects: invalid migrations are refused with an error naming the file
# (and line) and exit 1, nothing is written then; usage errors exit 2; the
# bundle is byte-identical for the same input wherever it sits; `--binary`
# gives a runnable release binary; `new` numbers files the way the
# directory already does.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# A small valid migrations directory in ./migrations.
valid_dir() {
	mig migrations 0001_create_users.sql 'CREATE TABLE users (id integer primary key);'
	mig migrations 0002_add_email.sql 'ALTER TABLE users ADD COLUMN email text;'
	mig migrations R__views.sql 'CREATE VIEW IF NOT EXISTS v AS SELECT 1;'
}

# The build must have failed and written nothing.
expect_nothing_written() {
	[ ! -e "${1:-out.c}" ] || fail "${1:-out.c} was written despite the error"
	[ -z "$(ls -A "$(dirname "${1:-out.c}")" | grep '^\.out\.c\.' || true)" ] ||
		fail "a temporary file was left behind"
}

# ------------------------------------------------------------------ build

test_build_writes_a_bundle() {
	valid_dir
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	expect_out "3 migrations"
	grep -q 'const struct migc_bundle migc_embedded_bundle = {' out.c || fail "no bundle symbol"
	grep -q '^#ifdef MIGC_BUNDLE_MAIN' out.c || fail "no main() block"
	grep -qF '/* 0001_create_users.sql */' out.c || fail "no file name"
	grep -q '^ \*   source      working tree$' out.c || fail "header does not name the source"
	grep -q '\.source_dirty = -1,' out.c || fail "source_dirty is not unknown"
	grep -q '\.source_commit = "",' out.c || fail "source_commit is not empty"
	cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$MIGC_ROOT/include" -c out.c -o out.o ||
		fail "the bundle does not compile"
}

test_build_defaults_to_the_migrations_directory() {
	valid_dir
	run "$MIGC" build -o out.c
	expect_rc 0
	grep -qF '/* R__views.sql */' out.c || fail "repeatable migration missing"
}

test_build_is_deterministic_wherever_the_directory_is() {
	valid_dir
	printf '\xef\xbb\xbfSELECT 1;\r\n' >migrations/0003_bom_crlf.sql
	run "$MIGC" build migrations -o a.c
	expect_rc 0
	run "$MIGC" build migrations -o b.c
	expect_rc 0
	cmp a.c b.c || fail "two builds differ"
	mkdir -p elsewhere/deeper && cp -a migrations elsewhere/deeper/m2
	touch -d '2001-01-01' elsewhere/deeper/m2/*
	(cd elsewhere && "$MIGC" build "$PWD/deeper/m2" -o "$T/c.c" >/dev/null) ||
		fail "build from the copy failed"
	cmp a.c c.c || fail "a copy at another absolute path gives another bundle"
	! grep -q "$T" a.c || fail "the bundle contains an absolute path"
}

test_build_records_the_source_commit() {
	valid_dir
	run "$MIGC" build migrations -o out.c --source-commit 0123456789abcdef0123456789abcdef01234567
	expect_rc 0
	grep -q '\.source_commit = "0123456789abcdef0123456789abcdef01234567",' out.c ||
		fail "commit not recorded"
	grep -q 'source      commit 0123456789abcdef' out.c || fail "header does not name the commit"
	MIGC_SOURCE_COMMIT=feedbeef run "$MIGC" build migrations -o env.c
	expect_rc 0
	grep -q '\.source_commit = "feedbeef",' env.c || fail "MIGC_SOURCE_COMMIT not recorded"
	run "$MIGC" build migrations -o bad.c --source-commit 'a b'
	expect_rc 2
	expect_err "not a commit id"
}

test_build_symbol_option() {
	valid_dir
	run "$MIGC" build migrations -o out.c --symbol app_migrations
	expect_rc 0
	grep -q 'const struct migc_bundle app_migrations = {' out.c || fail "symbol not used"
	grep -q 'migc_cli_main(argc, argv, &app_migrations)' out.c || fail "main() uses another symbol"
	for bad in 1abc a-b int main entries migc_sql migc_strings __x; do
		run "$MIGC" build migrations -o bad.c --symbol "$bad"
		expect_rc 2
		expect_err "cannot name the bundle"
	done
	[ ! -e bad.c ] || fail "bad.c written"
}

test_build_of_an_empty_directory_is_an_empty_bundle() {
	mkdir migrations
	touch migrations/.gitkeep
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	grep -q '\.count = 0,' out.c || fail "count is not 0"
	grep -q '\.records = NULL,' out.c || fail "records is not NULL"
	grep -q '\.record_rows = 0,' out.c || fail "record_rows is not 0"
	cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$MIGC_ROOT/include" -c out.c -o out.o ||
		fail "the empty bundle does not compile"
}

test_build_of_a_large_file() {
	mkdir migrations
	python3 -c 'import sys; sys.stdout.write("INSERT INTO t VALUES (1);\n" * 200000)' \
		>migrations/0001_big.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	bundle_dump out.c >dump.txt
	grep -q '^1 0001_big.sql kind=1 flags=0 sql_off=0 sql_len=5200000 line=1 ' dump.txt ||
		fail "sql_len is not the file size: $(cat dump.txt)"
}

test_build_replaces_the_output_atomically() {
	valid_dir
	echo 'old' >out.c
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	grep -q migc_embedded_bundle out.c || fail "not replaced"
	[ -z "$(ls -A | grep '^\.out\.c\.' || true)" ] || fail "temporary file left behind"
	run "$MIGC" build migrations -o no/such/dir/out.c
	expect_rc 1
	expect_err "cannot create 'no/such/dir/out.c'"
}

test_build_error_leaves_the_old_output_alone() {
	valid_dir
	echo 'old' >out.c
	mig migrations 0003_bad.sql '-- migc:frobnicate'
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_eq "$(cat out.c)" old "out.c"
	expect_err "nothing was written"
}

# ------------------------------------------------------------------ invalid input

test_duplicate_versions() {
	mig migrations 1_a.sql 'SELECT 1;'
	mig migrations 001_b.sql 'SELECT 2;'
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "duplicate version"
	expect_err "1_a.sql"
	expect_err "001_b.sql"
	expect_nothing_written
}

test_unparsable_names() {
	valid_dir
	mig migrations notes.txt 'hello'
	mig migrations abc_x.sql 'SELECT 1;'
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/notes.txt:"
	expect_err "migrations/abc_x.sql:"
	expect_err "2 problems in 'migrations'"
	expect_nothing_written
}

test_unknown_directive_names_file_and_line() {
	printf -- '-- create users\n-- migc:frobnicate\nSELECT 1;\n' >x.sql
	mkdir migrations && mv x.sql migrations/0001_a.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/0001_a.sql:2: unknown directive 'migc:frobnicate'"
	expect_err "hint: "
	expect_nothing_written
}

test_fifo_is_refused_without_hanging() {
	valid_dir
	mkfifo migrations/0003_pipe.sql
	run timeout 20 "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/0003_pipe.sql: not a regular file (a FIFO)"
	expect_nothing_written
}

# A build cancelled half-way (Ctrl-C, a cancelled CI job) leaves neither a
# half-written file nor its hidden temporary beside the target, nor the
# private directory of the bundle; the compiler it ran is stopped too.
test_interrupted_build_leaves_no_temporary_files() {
	valid_dir
	mkdir out tmp
	cat >fakecc <<'EOS'
#!/bin/sh
# writes its -o file, then hangs like a slow link
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
echo partial >"$out"
touch "$PWD/cc.started"
sleep 30
EOS
	chmod +x fakecc
	for args in "-o out/bundle.c --binary out/migrate" "--binary out/migrate"; do
		rm -f cc.started
		# shellcheck disable=SC2086
		CC=$PWD/fakecc TMPDIR=$PWD/tmp "$MIGC" build migrations $args >build.log 2>&1 &
		pid=$!
		for _ in $(seq 1 100); do [ -e cc.started ] && break; sleep 0.1; done
		[ -e cc.started ] || fail "the fake compiler never started: $(cat build.log)"
		kill -TERM "$pid"
		set +e
		wait "$pid"
		st=$?
		set -e
		expect_eq "$st" 143 "exit status after SIGTERM ($args)"
		expect_eq "$(ls -A out | grep -v '^bundle.c$' | tr '\n' ' ')" "" "files left in out/ ($args)"
		expect_eq "$(ls -A tmp | tr '\n' ' ')" "" "files left in TMPDIR ($args)"
		pgrep -f "$PWD/fakecc" >/dev/null && fail "the compiler was left running ($args)"
		rm -f out/bundle.c
	done
}

test_subdirectory_is_refused() {
	valid_dir
	mkdir migrations/old
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/old: not a regular file (a directory)"
}

test_symlink_leaving_the_directory_is_refused() {
	valid_dir
	echo 'SELECT 1;' >outside.sql
	ln -s ../outside.sql migrations/0003_link.sql
	ln -s "$T/outside.sql" migrations/0004_abs.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/0003_link.sql: symlink leaves the migrations directory"
	expect_err "migrations/0004_abs.sql: symlink leaves the migrations directory"
	expect_nothing_written
}

test_symlink_inside_the_directory_is_followed() {
	valid_dir
	mkdir migrations/.shared
	echo 'SELECT 42;' >migrations/.shared/answer.sql
	ln -s .shared/answer.sql migrations/0003_answer.sql
	ln -s 0001_create_users.sql migrations/0004_again.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	grep -qF 'SELECT 42;\n' out.c || fail "symlinked content missing"
	grep -qF '/* 0004_again.sql */' out.c || fail "second symlink missing"
}

test_broken_symlink_is_refused() {
	valid_dir
	ln -s nowhere.sql migrations/0003_gone.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/0003_gone.sql: broken symlink"
}

test_empty_file_is_refused() {
	valid_dir
	: >migrations/0003_empty.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "0003_empty.sql"
	expect_err "empty"
	expect_nothing_written
}

test_nul_byte_is_refused() {
	valid_dir
	printf 'SELECT 1;\nSELECT\0 2;\n' >migrations/0003_nul.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "0003_nul.sql:2"
	expect_err "NUL"
}

test_invalid_utf8_names_the_line() {
	valid_dir
	printf 'SELECT 1;\n\nSELECT '"'"'\xff\xfe'"'"';\n' >migrations/0003_latin1.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "migrations/0003_latin1.sql:3"
	expect_err "UTF-8"
}

test_names_differing_only_in_case() {
	mig migrations R__View.sql 'SELECT 1;'
	mig migrations R__view.sql 'SELECT 2;'
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "differ only in case"
	expect_err "R__View.sql"
	expect_err "R__view.sql"
}

test_missing_directory() {
	run "$MIGC" build nope -o out.c
	expect_rc 1
	expect_err "migrations directory 'nope' does not exist"
	expect_err "hint: "
	run "$MIGC" list
	expect_rc 1
	expect_err "'migrations' does not exist"
	echo x >afile
	run "$MIGC" build afile -o out.c
	expect_rc 1
	expect_err "'afile' is not a directory"
}

test_dotfiles_are_ignored() {
	valid_dir
	touch migrations/.gitkeep migrations/.DS_Store migrations/.0001_x.sql.swp
	run "$MIGC" build migrations -o out.c
	expect_rc 0
	expect_out "3 migrations"
}

test_every_problem_is_reported() {
	valid_dir
	: >migrations/0003_empty.sql
	mig migrations 0004_d.sql '-- migc:nope'
	mig migrations README.md 'docs'
	mkfifo migrations/0005_fifo.sql
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_err "0003_empty.sql"
	expect_err "0004_d.sql:1"
	expect_err "README.md"
	expect_err "0005_fifo.sql"
	expect_err "4 problems in 'migrations'"
}

# Enough files for the loader to prepare them on several threads
# (compiler/load_threads.c): problems still come in file order, the first
# LOAD_MAX_SHOWN of them, even when an early file takes longest; the bundle
# is the same on every run.
test_many_files_problems_in_file_order() {
	local i f
	mkdir -p migrations
	# 0002 is large and fails at its end: later, small files are done first
	{ for i in $(seq 1 40000); do printf 'INSERT INTO t VALUES (%d);\n' "$i"; done
	  printf 'COMMIT;\n'; } >migrations/0002_big.sql
	for i in $(seq 3 300); do
		f=$(printf 'migrations/%04d_m%d.sql' "$i" "$i")
		if [ $((i % 9)) = 0 ]; then printf 'SELECT 1;\nROLLBACK;\n' >"$f"
		else printf 'INSERT INTO t VALUES (%d);\n' "$i" >"$f"; fi
	done
	run "$MIGC" build migrations -o out.c
	expect_rc 1
	expect_nothing_written
	expect_err "34 problems in 'migrations' (the first ones are shown)"
	local got want
	got=$(grep -o '^migc: error: migrations/[0-9]*_[a-z0-9]*\.sql:[0-9]*' <<<"$ERR" | tr '\n' ' ')
	want="migc: error: migrations/0002_big.sql:40001 "
	for i in $(seq 9 9 171); do want+=$(printf 'migc: error: migrations/%04d_m%d.sql:2 ' "$i" "$i"); done
	expect_eq "$got" "$want" "problems shown"

	rm migrations/0002_big.sql
	for i in $(seq 9 9 300); do printf 'SELECT %d;\n' "$i" >"$(printf 'migrations/%04d_m%d.sql' "$i" "$i")"; done
	run "$MIGC" build migrations -o a.c
	expect_rc 0
	expect_out "298 migrations"
	run "$MIGC" build migrations -o b.c
	expect_rc 0
	cmp a.c b.c || fail "two builds of 298 files differ"
	got=$(grep -o '^	"[^"]*",\{0,1\} /\* [0-9]*_m[0-9]*\.sql \*/$' a.c | sed 's/.* \/\* \(.*\) \*\/$/\1/' | tr '\n' ' ')
	want=$(cd migrations && printf '%s ' *.sql)
	expect_eq "$got" "$want" "the files in the bundle"
}

test_crlf_and_bom_give_the_lf_checksum() {
	mkdir lf crlf bom
	printf 'CREATE TABLE t (x int);\nSELECT 1;\n' >lf/0001_a.sql
	printf 'CREATE TABLE t (x int);\r\nSELECT 1;\r\n' >crlf/0001_a.sql
	printf '\xef\xbb\xbfCREATE TABLE t (x int);\r\nSELECT 1;\n' >bom/0001_a.sql
	local a b c
	a=$("$MIGC" list lf --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["migrations"][0]["checksum"])')
	b=$("$MIGC" list crlf --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["migrations"][0]["checksum"])')
	c=$("$MIGC" list bom --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["migrations"][0]["checksum"])')
	[ ${#a} = 32 ] || fail "no checksum: '$a'"
	expect_eq "$b" "$a" "CRLF checksum"
	expect_eq "$c" "$a" "BOM checksum"
	"$MIGC" build lf -o lf.c >/dev/null && "$MIGC" build crlf -o crlf.c >/dev/null ||
		fail "build failed"
	cmp lf.c crlf.c || fail "CRLF bundle differs from the LF one"
}

# ------------------------------------------------------------------ --binary

# Flags a binary linked against this build's libmigc.a needs.
binary_env() {
	if [ "${SANITIZE:-}" = 1 ]; then
		export CFLAGS="-O0 -fsanitize=address,undefined"
	fi
}

test_binary_is_runnable() {
	valid_dir
	binary_env
	run "$MIGC" build migrations --binary ./migrate --source-commit abc1234
	expect_rc 0
	[ -x migrate ] || fail "no executable ./migrate"
	local id
	id=$("$MIGC" list --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["bundle_id"])')
	run ./migrate info
	expect_rc 0
	expect_out "$id"
	expect_out "abc123"
	[ -z "$(ls -A | grep '^\.migrate\.' || true)" ] || fail "temporary file left behind"
}

# SQLite is linked into a release binary statically by default when the C
# compiler finds libsqlite3.a (Debian's libsqlite3-dev ships it): the binary
# needs only libc and libm and still runs up/info/verify on SQLite, whatever
# the compiler (gcc, clang) and with -Wl,--as-needed (Ubuntu's default).
# MIGC_LINK_LIBS still replaces the list: "-lsqlite3 -lm" gives a working
# binary linked with the shared libsqlite3.
needed() { # BINARY: its NEEDED libraries, one a line
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

test_binary_links_sqlite_statically_when_the_archive_is_there() {
	valid_dir
	binary_env
	local cc archive ccs="gcc clang"
	# sanitized, libmigc.a needs the sanitizer runtime of the compiler
	# that built it
	[ "${SANITIZE:-}" = 1 ] && ccs=${CC:-cc}
	for cc in $ccs; do
		command -v "$cc" >/dev/null || continue
		archive=$("$cc" -print-file-name=libsqlite3.a)
		case $archive in
		/*) ;;
		*) echo "# $cc finds no libsqlite3.a: the default is the shared library"; continue ;;
		esac
		CC=$cc CFLAGS="${CFLAGS:-} -O2 -Wl,--as-needed" run "$MIGC" build migrations --binary "./migrate-$cc"
		expect_rc 0
		! needed "./migrate-$cc" | grep -q sqlite ||
			fail "$cc: the default release binary needs a shared SQLite: $(needed "./migrate-$cc" | tr '\n' ' ')"
		needed "./migrate-$cc" | grep -qx 'libc\.so\.6' || fail "$cc: no libc in $(needed "./migrate-$cc")"
		export DATABASE_URL=sqlite:$cc.db
		run "./migrate-$cc" up
		expect_rc 0
		expect_out "3 migrations applied"
		run "./migrate-$cc" verify
		expect_rc 0
		run "./migrate-$cc" info
		expect_rc 0
		expect_out "3 (2 versioned, 1 repeatable)"
		expect_eq "$(sql "$cc.db" 'SELECT count(*) FROM migc_history')" 3 "$cc: history rows"
	done
	# `migc build --help` shows the default migc was built with
	run "$MIGC" build --help
	case $("${CC:-cc}" -print-file-name=libsqlite3.a) in
	/*) expect_out "-Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm" ;;
	*) expect_out "-lsqlite3" ;;
	esac
	unset DATABASE_URL
	MIGC_LINK_LIBS="-lsqlite3 -lm" run "$MIGC" build migrations --binary ./migrate-shared
	expect_rc 0
	needed ./migrate-shared | grep -q '^libsqlite3\.so' ||
		fail "MIGC_LINK_LIBS=-lsqlite3 gave no shared SQLite: $(needed ./migrate-shared | tr '\n' ' ')"
	DATABASE_URL=sqlite:shared.db run ./migrate-shared up
	expect_rc 0
	expect_out "3 migrations applied"
	DATABASE_URL=sqlite:shared.db run ./migrate-shared verify
	expect_rc 0
}

test_binary_and_bundle_together() {
	valid_dir
	binary_env
	run "$MIGC" build migrations -o bundle.c --binary bin/migrate
	expect_rc 1
	expect_err "cannot create 'bin/migrate'"
	mkdir bin
	run "$MIGC" build migrations -o bundle.c --binary bin/migrate
	expect_rc 0
	[ -f bundle.c ] && [ -x bin/migrate ] || fail "bundle.c or bin/migrate missing"
}

# -o names a path; what is there decides how it is written: a FIFO or a
# device is written in place (a rename over it would put a file where the
# device was: as root, even over /dev/null), a symbolic link keeps pointing
# at the file it names, a directory is refused.
test_output_fifo_link_and_directory() {
	valid_dir
	"$MIGC" build migrations -o ref.c >/dev/null
	mkfifo pipe.c
	timeout 20 cat pipe.c >got.c &
	run "$MIGC" build migrations -o pipe.c
	expect_rc 0
	wait
	[ -p pipe.c ] || fail "the FIFO was replaced"
	cmp -s ref.c got.c || fail "what came through the FIFO is not the bundle"
	echo old >target.c
	ln -s target.c link.c
	run "$MIGC" build migrations -o link.c
	expect_rc 0
	[ -L link.c ] || fail "the symbolic link was replaced by a file"
	cmp -s ref.c target.c || fail "the file the link names was not written"
	[ -z "$(ls -A | grep '^\.target\.c\.' || true)" ] || fail "temporary file left behind"
	mkdir dir.c
	run "$MIGC" build migrations -o dir.c
	expect_rc 2
	expect_err "cannot write 'dir.c': it is a directory"
	ln -s dir.c dirlink.c
	run "$MIGC" build migrations -o dirlink.c
	expect_rc 2
	expect_err "it is a directory"
}

test_binary_to_a_fifo_is_refused() {
	valid_dir
	binary_env
	mkfifo pipe
	run "$MIGC" build migrations --binary pipe
	expect_rc 2
	expect_err "cannot write 'pipe': it is not a regular file"
	[ -p pipe ] || fail "the FIFO was replaced"
}

test_binary_compiler_failure_is_reported() {
	valid_dir
	CC=false run "$MIGC" build migrations --binary ./migrate
	expect_rc 1
	expect_err "the C compiler failed (exit 1)"
	expect_err "hint: check CC, CFLAGS and LDFLAGS"
	[ ! -e migrate ] || fail "a binary was left after a failed compile"
	[ -z "$(ls -A | grep '^\.migrate\.' || true)" ] || fail "temporary file left behind"
	CC=/no/such/cc run "$MIGC" build migrations --binary ./migrate
	expect_rc 1
	expect_err "cannot run the C compiler '/no/such/cc'"
	CFLAGS="-DX -Wall -fthis-is-not-a-flag" run "$MIGC" build migrations --binary ./migrate
	expect_rc 1
	expect_err "fthis-is-not-a-flag"
}

test_binary_runtime_lookup() {
	valid_dir
	MIGC_LIBDIR=/nowhere run "$MIGC" build migrations --binary ./migrate
	expect_rc 2
	expect_err "no libmigc.a in '/nowhere'"
	expect_err "hint: set MIGC_LIBDIR"
	mkdir -p inst/bin inst/lib inst/include
	cp "$MIGC" inst/bin/migc
	cp "$BUILD/libmigc.a" inst/lib/
	cp "$MIGC_ROOT"/include/*.h inst/include/
	binary_env
	run inst/bin/migc build migrations --binary ./migrate
	expect_rc 0
	[ -x migrate ] || fail "no binary from the installed layout"
}

# ------------------------------------------------------------------ list

test_list_human() {
	valid_dir
	printf -- '-- migc:no-transaction\n-- migc:phase post\nCREATE INDEX i ON users (email);\n' \
		>migrations/0010_index.sql
	run "$MIGC" list migrations
	expect_rc 0
	expect_out "0001     create_users"
	expect_out "no-transaction,phase-post"
	expect_out "4 migrations, bundle id"
	# order: versioned by version (0002 before 0010), then repeatable
	[ "$(grep -n '0002' <<<"$OUT" | cut -d: -f1)" -lt "$(grep -n '0010' <<<"$OUT" | cut -d: -f1)" ] ||
		fail "0010 listed before 0002"
	tail -n 3 <<<"$OUT" | head -n 1 | grep -q views || fail "repeatable is not last"
}

test_list_json_parses() {
	valid_dir
	printf -- '-- migc:phase post\nSELECT 1;\n' >migrations/0003_post.sql
	mig migrations '0004_quo"te*é.sql' 'SELECT 2;'
	run "$MIGC" list migrations --format json
	expect_rc 0
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["count"] == 5, d; \
m=d["migrations"]; assert [x["filename"] for x in m][-1] == "R__views.sql"; \
assert m[2]["phase"] == "post" and m[2]["no_transaction"] is False; \
assert m[3]["name"] == "quo\"te*\u00e9"; assert len(m[0]["checksum"]) == 32' <<<"$OUT" ||
		fail "JSON does not parse or is wrong"
	run "$MIGC" list migrations --format=xml
	expect_rc 2
}

test_list_reports_invalid_files() {
	valid_dir
	: >migrations/0003_empty.sql
	run "$MIGC" list migrations
	expect_rc 1
	expect_err "0003_empty.sql"
}

# ------------------------------------------------------------------ new

# new_in DIR NAME: run migc new and print the base name it created.
new_in() {
	run "$MIGC" new "$2" "$1"
	expect_rc 0
	[ -f "$OUT" ] || fail "migc new printed '$OUT', which is not a file"
	basename "$OUT"
}

test_new_in_an_empty_or_missing_directory() {
	expect_eq "$(new_in db/migrations create_users)" 0001_create_users.sql
	run "$MIGC" list db/migrations
	expect_rc 0
	mkdir empty
	expect_eq "$(new_in empty first)" 0001_first.sql
	cd empty && run "$MIGC" new second && cd ..
	expect_eq "$OUT" migrations/0001_second.sql
}

test_new_numbering_styles() {
	mig padded 0001_a.sql 'SELECT 1;'
	mig padded 0009_b.sql 'SELECT 1;'
	mig padded R__z.sql 'SELECT 1;'
	expect_eq "$(new_in padded c)" 0010_c.sql
	mig plain 1_a.sql 'SELECT 1;'
	mig plain 2_b.sql 'SELECT 1;'
	mig plain 10_c.sql 'SELECT 1;'
	expect_eq "$(new_in plain d)" 11_d.sql
	mig dotted 1.2.3_a.sql 'SELECT 1;'
	mig dotted 1.2.10_b.sql 'SELECT 1;'
	expect_eq "$(new_in dotted c)" 1.2.11_c.sql
	mig dotted9 1.9_a.sql 'SELECT 1;'
	expect_eq "$(new_in dotted9 b)" 1.10_b.sql
	mig long 99999999999999999999999_a.sql 'SELECT 1;'
	expect_eq "$(new_in long b)" 100000000000000000000000_b.sql
}

test_new_timestamps() {
	local got now
	mig ts 20200101000000_a.sql 'SELECT 1;'
	got=$(new_in ts b)
	now=$(date -u +%Y%m%d%H%M%S)
	[[ "$got" =~ ^[0-9]{14}_b\.sql$ ]] || fail "not a timestamp: $got"
	[ "${got:0:14}" -gt 20200101000000 ] && [ "${got:0:14}" -le "$now" ] ||
		fail "timestamp $got is not now ($now)"
	mig future 29991231235959_a.sql 'SELECT 1;'
	expect_eq "$(new_in future b)" 29991231235960_b.sql
	run "$MIGC" list future
	expect_rc 0
}

test_new_names_and_repeatable() {
	mkdir m
	expect_eq "$(new_in m AddUserEmail)" 0001_add_user_email.sql
	expect_eq "$(new_in m add-index)" 0002_add_index.sql
	run "$MIGC" new --repeatable Views m
	expect_rc 0
	expect_eq "$OUT" m/R__views.sql
	run "$MIGC" new views m --repeatable
	expect_rc 1
	expect_err "File exists"
	expect_err "never overwrites"
	for bad in "bad name" "x;rm" "" "dot.name" "sl/ash"; do
		run "$MIGC" new "$bad" m
		expect_rc 2
	done
	run "$MIGC" build m -o out.c
	expect_rc 0
}

# ------------------------------------------------------------------ usage

test_usage_errors_exit_2() {
	valid_dir
	local args
	while IFS= read -r args; do
		eval "run \"\$MIGC\" $args"
		[ "$RC" = 2 ] || fail "'migc $args': expected exit 2, got $RC"
		grep -q '^migc: error: ' <<<"$ERR" || fail "'migc $args': no error message"
	done <<'EOF'
nosuchcommand
--nosuchoption
build
build migrations
build migrations -o
build migrations -o out.c --frob
build migrations other -o out.c
build migrations -o ''
build --rev HEAD -o out.c
list --format
list --format yaml
list a b
new
new a b c
new --frob x
EOF
	run "$MIGC"
	expect_rc 2
	expect_err "usage: migc"
}

test_help_and_version() {
	run "$MIGC" --version
	expect_rc 0
	expect_out "migc 0.1.0"
	run "$MIGC" --help
	expect_rc 0
	expect_out "build"
	expect_out "list"
	expect_out "new"
	run "$MIGC" help build
	expect_rc 0
	expect_out "usage: migc build"
	expect_out "--binary PATH"
	run "$MIGC" build --help
	expect_rc 0
	expect_out "usage: migc build"
	run "$MIGC" new -h
	expect_rc 0
	expect_out "usage: migc new"
	run "$MIGC" help list
	expect_rc 0
	expect_out "--format"
	run "$MIGC" help nosuch
	expect_rc 2
}

run_tests
