#!/usr/bin/env bash
# tests/bench/run.sh - `make bench`: every step of migc timed against a
# floor measured in the same run, on workloads generated here.
#
#   make bench            the full sizes (issue 7): a few minutes on 2 cores
#   make bench QUICK=1    small sizes and fewer runs: well under a minute
#
# Every figure is the median, min and max of several runs of the real
# command (tests/bench/benchtime.c: posix_spawn + wait4, no shell in the
# timed path) with its peak RSS, next to a floor program doing only what
# no tool can avoid (tests/bench/floor_*.c), and their ratio. A command and
# its floor are measured interleaved (one run of each per round), so that
# load that drifts during the run moves both alike. Times are
# never asserted: the script exits non-zero only when something is broken
# (a command fails, a workload does not come out as expected).
#
# Workloads (tests/bench/gen.py) live in one temporary directory, on tmpfs
# (/dev/shm) when it has room, so that SQLite's fsync and the disk do not
# drown what is measured (PostgreSQL runs with fsync=off for the same
# reason); it is removed at exit, as is the throwaway PostgreSQL
# (tests/pg.sh). Environment:
#   BUILD=build       where migc and libmigc.a are
#   QUICK=1           small sizes
#   BENCH_TMP=DIR     where to put the workloads (default /dev/shm or $TMPDIR)
#   BENCH_OUT=FILE    also write every measurement there (tab-separated)
#   BENCH_RUNS=N      override the number of runs of every row
#   BENCH_DBMATE=0    do not install/time dbmate (the one .ci/install-tools
#                     installed is used when there is one)
#   CC=cc             the compiler of the floors; gcc and clang are timed
#                     on the bundle when installed
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
MIGC=$BUILD/migc
LIB=$BUILD/libmigc.a
HERE=$ROOT/tests/bench
CC=${CC:-cc}
QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
unset DATABASE_URL MIGC_SKIP

die() { echo "bench: error: $*" >&2; exit 1; }
[ -x "$MIGC" ] && [ -f "$LIB" ] || die "$MIGC or $LIB is missing; run make first"
command -v python3 >/dev/null || die "python3 is needed to generate the workloads"

if [ -n "$QUICK" ]; then
	BIG_MB=10 BIG_FILES=1000 NOOP_N=1000 APPLY_N=200 GROWTH="100 1000"
	GIT_N=1000 RUNS=3 FAST_RUNS=5 SLOW_RUNS=1 NEED_MB=600
else
	BIG_MB=100 BIG_FILES=10000 NOOP_N=10000 APPLY_N=1000 GROWTH="100 1000 10000"
	GIT_N=10000 RUNS=5 FAST_RUNS=11 SLOW_RUNS=3 NEED_MB=3000
fi
if [ -n "${BENCH_RUNS:-}" ]; then
	RUNS=$BENCH_RUNS FAST_RUNS=$BENCH_RUNS SLOW_RUNS=$BENCH_RUNS
fi
CONCURRENCY=8
# The no-op sizes: the growth sizes and the main one.
SIZES=$(printf '%s\n' $GROWTH "$NOOP_N" | sort -n -u | tr '\n' ' ')

# ------------------------------------------------------------------ #
# The working directory, and cleaning up                             #
# ------------------------------------------------------------------ #

pick_tmp() {
	local d
	for d in ${BENCH_TMP:-} /dev/shm "${TMPDIR:-/tmp}"; do
		[ -d "$d" ] && [ -w "$d" ] || continue
		if [ -n "${BENCH_TMP:-}" ] || [ "$(df -Pm "$d" | awk 'NR == 2 { print $4 }')" -gt "$NEED_MB" ]; then
			echo "$d"
			return
		fi
	done
	echo "${TMPDIR:-/tmp}"
}
W=$(mktemp -d "$(pick_tmp)/migc-bench.XXXXXX")
chmod 755 "$W" # the PostgreSQL server (user postgres) lives below it
PG_DIR=
cleanup() {
	if [ -n "$PG_DIR" ]; then pg_stop; fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BIN=$W/bin
mkdir -p "$BIN"
ERRLOG=$W/stderr.log
START=$(date +%s)

# ------------------------------------------------------------------ #
# Measuring and reporting                                            #
# ------------------------------------------------------------------ #

declare -A MED MIN MAX RSS
TABLE=()   # rows of the final table, tab-separated

# fmt_t SECONDS: "12.3 ms" or "1.23 s"
fmt_t() { awk -v t="$1" 'BEGIN { if (t < 1) printf "%.1f ms", t * 1000; else printf "%.2f s", t }'; }
# fmt_mb KIB
fmt_mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
# fmt_run KEY: "median (min–max)"
fmt_run() {
	printf '%s (%s–%s)' "$(fmt_t "${MED[$1]}")" "$(fmt_t "${MIN[$1]}")" "$(fmt_t "${MAX[$1]}")"
}

# record KEY LABEL "MEDIAN MIN MAX RSS RUNS": keep one arm's figures.
record() {
	local key=$1 label=$2
	read -r MED[$key] MIN[$key] MAX[$key] RSS[$key] _ <<<"$3"
	printf '  %-52s %-30s %8s\n' "$label" "$(fmt_run "$key")" "$(fmt_mb "${RSS[$key]}")"
	[ -z "${BENCH_OUT:-}" ] ||
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "${MED[$key]}" "${MIN[$key]}" \
			"${MAX[$key]}" "${RSS[$key]}" >>"$BENCH_OUT"
}

# measure KEY LABEL [benchtime options] -- CMD...: run it, keep the figures.
measure() {
	local key=$1 label=$2 out
	shift 2
	out=$("$BIN/benchtime" -e "$ERRLOG" "$@") || die "$label failed (see above)"
	record "$key" "$label" "$out"
}

# compare KEY=LABEL... [-n RUNS] [-w WARMUPS] ARM --vs ARM...: the arms (a
# command and its floor) measured interleaved, one run of each per round
# (benchtime), so that the ratio between them survives a machine whose load
# drifts during the measurement. One KEY=LABEL per arm, in order.
compare() {
	local specs=() out line i=0
	while [[ $1 == *=* && $1 != -* ]]; do specs+=("$1"); shift; done
	out=$("$BIN/benchtime" -e "$ERRLOG" "$@") || die "${specs[0]#*=} failed (see above)"
	while IFS= read -r line; do
		[ "$i" -lt "${#specs[@]}" ] || die "benchtime printed more arms than asked for"
		record "${specs[i]%%=*}" "${specs[i]#*=}" "$line"
		i=$((i + 1))
	done <<<"$out"
	[ "$i" = "${#specs[@]}" ] || die "benchtime printed $i arms, expected ${#specs[@]}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }'; }

# row STEP WORKLOAD KEY FLOOR_LABEL FLOOR_KEY TARGET [diff]: a line of the
# final table; `diff` shows the difference in ms instead of the ratio.
row() {
	local step=$1 work=$2 key=$3 flabel=$4 fkey=$5 target=$6 mode=${7:-ratio} r
	if [ "$mode" = diff ]; then
		r=$(awk -v a="${MED[$key]}" -v b="${MED[$fkey]}" 'BEGIN { printf "%+.1f ms", (a - b) * 1000 }')
	else
		r=$(ratio "${MED[$key]}" "${MED[$fkey]}")
	fi
	TABLE+=("$step	$work	$(fmt_run "$key")	$(fmt_mb "${RSS[$key]}")	$flabel	$(fmt_run "$fkey")	$(fmt_mb "${RSS[$fkey]}")	$r	$target")
}
skip_row() { # STEP WORKLOAD REASON
	TABLE+=("$1	$2	skipped: $3	-	-	-	-	-	-")
	echo "  skipped: $1: $3"
}
section() { printf '\n== %s\n' "$*"; }

print_table() {
	local line
	printf '\n| step | workload | migc: median (min–max) | peak RSS | floor | floor: median (min–max) | floor RSS | ratio | target |\n'
	printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
	for line in "${TABLE[@]}"; do
		printf '| %s |\n' "${line//	/ | }"
	done
}

# ------------------------------------------------------------------ #
# Tools: the timer, the floors                                       #
# ------------------------------------------------------------------ #

FLOOR_CFLAGS="-std=c11 -O2 -w -D_DEFAULT_SOURCE $(pkg-config --cflags libxxhash libpq sqlite3)"
$CC -O2 -o "$BIN/benchtime" "$HERE/benchtime.c" || die "cannot build benchtime"
$CC $FLOOR_CFLAGS -o "$BIN/floor_readhash" "$HERE/floor_readhash.c"
$CC $FLOOR_CFLAGS -o "$BIN/ctext" "$HERE/ctext.c"
# shellcheck disable=SC2046 # pkg-config prints several words
$CC $FLOOR_CFLAGS -o "$BIN/floor_sqlite" "$HERE/floor_sqlite.c" $(pkg-config --libs sqlite3)
# shellcheck disable=SC2046
$CC $FLOOR_CFLAGS -o "$BIN/floor_pg" "$HERE/floor_pg.c" $(pkg-config --libs libpq)
# what the Makefile links a release binary with (make bench passes its
# LINK_LIBS: SQLite statically where libsqlite3.a is installed); libpq is
# loaded with dlopen() only for a PostgreSQL URL (runtime/pq_load.c)
LINK_LIBS=${LINK_LIBS:-"$(pkg-config --libs sqlite3) -pthread"}

LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg)
echo "migc bench${QUICK:+ (QUICK)}: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)," \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), load average $LOAD"
echo "workloads in $W ($(df -P "$W" | awk 'NR == 2 { print $1 }'));" \
	"runs: $FAST_RUNS fast / $RUNS / $SLOW_RUNS slow; times: median (min–max), peak RSS"

# ------------------------------------------------------------------ #
# Workloads                                                          #
# ------------------------------------------------------------------ #

section "generating workloads"
python3 "$HERE/gen.py" big "$W/big" "$BIG_MB" "$BIG_FILES"
cat "$W"/big/*.sql >"$W/big.sql"
BIG_BYTES=$(stat -c %s "$W/big.sql")
BIG_WORK="$BIG_FILES files, $BIG_MB MB"
for n in $SIZES; do
	python3 "$HERE/gen.py" small "$W/noop_$n" "$n"
done
python3 "$HERE/gen.py" small "$W/apply" "$APPLY_N"
echo "  big: $BIG_WORK ($BIG_BYTES bytes); small: $SIZES migrations; apply: $APPLY_N"

# ------------------------------------------------------------------ #
# migc build                                                         #
# ------------------------------------------------------------------ #

section "migc build -o, $BIG_WORK"
compare "build_big=migc build DIR -o bundle.c" "floor_readhash=floor: read + XXH3 every file" \
	-n "$RUNS" -w 1 -- "$MIGC" build "$W/big" -o "$W/big.c" --vs -- "$BIN/floor_readhash" "$W/big"
row "migc build -o" "$BIG_WORK" build_big "read + XXH3 loop" floor_readhash "≤ 2×"
echo "  bundle: $(( $(stat -c %s "$W/big.c") / 1000000 )) MB of C for $((BIG_BYTES / 1000000)) MB of SQL"

# ------------------------------------------------------------------ #
# cc on the bundle                                                   #
# ------------------------------------------------------------------ #

section "cc -O2 -c on the bundle"
"$BIN/ctext" <"$W/big.sql" >"$W/ctext.c"
"$BIN/ctext" --rows <"$W/big.sql" >"$W/packed.c"
BUNDLE_CFLAGS="-std=c11 -Wall -Wextra -Werror -pedantic -O2 -I$ROOT/include -DMIGC_BUNDLE_MAIN"
cd "$W" # ld names the symbols after the path it is given
measure ld_binary "floor: ld -r -b binary (the raw bytes)" -n "$SLOW_RUNS" -- ld -r -b binary big.sql -o "$W/blob.o"
cd "$ROOT"
CCS=""
for cc in gcc clang; do
	command -v "$cc" >/dev/null || { skip_row "$cc -O2 -c bundle.c" "$BIG_MB MB bundle" "$cc not installed"; continue; }
	CCS="$CCS $cc"
	compare "cc_$cc=$cc -O2 -c bundle.c (-Wall -Wextra -Werror -pedantic)" \
		"ctext_$cc=floor: $cc -O2 -w -c (one string literal)" \
		"packed_$cc=  for comparison: the SQL packed into rows, strict flags" -n "$SLOW_RUNS" \
		-- "$cc" $BUNDLE_CFLAGS -c "$W/big.c" -o "$W/big.$cc.o" \
		--vs -- "$cc" -O2 -w -c "$W/ctext.c" -o "$W/ctext.$cc.o" \
		--vs -- "$cc" $BUNDLE_CFLAGS -c "$W/packed.c" -o "$W/packed.$cc.o"
	row "$cc -O2 -c bundle" "$BIG_MB MB bundle" "cc_$cc" "C-text floor (-w)" "ctext_$cc" "≤ 1.2×"
	row "  the same SQL packed in 4095-byte rows (no padding per migration)" "$BIG_MB MB" "packed_$cc" "C-text floor (-w)" "ctext_$cc" "-"
	rss_x=$(awk -v k="${RSS[cc_$cc]}" -v b="$BIG_BYTES" 'BEGIN { printf "%.1f×", k * 1024 / b }')
	TABLE+=("$cc peak RSS ÷ input size	$BIG_MB MB bundle	$(fmt_mb "${RSS[cc_$cc]}")	-	input bytes	$((BIG_BYTES / 1000000)) MB	-	$rss_x	≤ 8×")
done
TABLE+=("ld -r -b binary (for scale)	$BIG_MB MB raw	$(fmt_run ld_binary)	$(fmt_mb "${RSS[ld_binary]}")	-	-	-	-	-")

# ------------------------------------------------------------------ #
# Release binary start                                               #
# ------------------------------------------------------------------ #

section "release binary start, $BIG_MB MB embedded"
first_cc=${CCS# }
first_cc=${first_cc%% *}
[ -n "$first_cc" ] || die "no C compiler to link the release binary"
"$first_cc" "$W/big.$first_cc.o" "$LIB" $LINK_LIBS -o "$W/migrate_big"
$CC $FLOOR_CFLAGS -DBLOB_PATH="\"$W/big.sql\"" -o "$BIN/floor_hashmem" "$HERE/floor_hashmem.c"
$CC $FLOOR_CFLAGS -DBLOB_PATH="\"$W/big.sql\"" -o "$BIN/floor_hashmem_libs" "$HERE/floor_hashmem.c" \
	-Wl,--no-as-needed $LINK_LIBS -lm
"$W/migrate_big" info >/dev/null || die "migrate info failed on the big bundle"
compare "start_info=migrate info (self-check included)" "start_hash=floor: XXH3 of the embedded bytes" \
	"start_hashlibs=floor + the release binary's shared libs loaded" "start_version=migrate --version (exec + loading only)" \
	"start_true=true" -n "$FAST_RUNS" -w 2 -- "$W/migrate_big" info --vs -- "$BIN/floor_hashmem" \
	--vs -- "$BIN/floor_hashmem_libs" --vs -- "$W/migrate_big" --version --vs -- true
row "release binary start (migrate info)" "$BIG_MB MB embedded" start_info "XXH3 in memory" start_hash "≤ +2 ms" diff
row "  the same, vs true" "$BIG_MB MB embedded" start_info "true" start_true "-"
row "  the same, vs floor + same shared libs" "$BIG_MB MB embedded" start_info "hash + same libs" start_hashlibs "-" diff

# ------------------------------------------------------------------ #
# Release binaries of the small workloads                            #
# ------------------------------------------------------------------ #

section "building the release binaries of the small workloads"
for n in $SIZES; do
	"$MIGC" build "$W/noop_$n" --binary "$W/migrate_$n" >/dev/null
done
"$MIGC" build "$W/apply" --binary "$W/migrate_apply" >/dev/null
echo "  migrate_{$(echo $SIZES | tr ' ' ,)}, migrate_apply"

# count_sqlite DB TABLE: rows in a table
count_sqlite() { sqlite3 -batch "$1" "SELECT count(*) FROM $2"; }
expect_count() { # GOT WANT WHAT
	[ "$1" = "$2" ] || die "$3: expected $2 rows, found $1"
}

# ------------------------------------------------------------------ #
# SQLite                                                             #
# ------------------------------------------------------------------ #

section "SQLite: populate (one timed run each), then no-op up"
for n in $SIZES; do
	DATABASE_URL="sqlite:$W/noop_$n.db" measure "pop_sqlite_$n" "migrate up from empty, $n (populate)" -n 1 -- "$W/migrate_$n" up
	expect_count "$(count_sqlite "$W/noop_$n.db" migc_history)" "$n" "SQLite history of $n"
	DATABASE_URL="sqlite:$W/noop_$n.db" compare "noop_sqlite_$n=migrate up, $n applied (no-op)" \
		"floor_noop_sqlite_$n=floor: open + read $n history rows" -n "$FAST_RUNS" -w 1 \
		-- "$W/migrate_$n" up --vs -- "$BIN/floor_sqlite" noop "$W/noop_$n.db" migc_history
done
row "no-op migrate up, SQLite" "$NOOP_N applied" "noop_sqlite_$NOOP_N" "sqlite3: open + read history" "floor_noop_sqlite_$NOOP_N" "≤ 1.5×"

section "SQLite: migrate up from empty, $APPLY_N migrations"
DATABASE_URL="sqlite:$W/apply.db" compare "apply_sqlite=migrate up, $APPLY_N pending" \
	"floor_apply_sqlite=floor: BEGIN; SQL; INSERT history; COMMIT" -n "$RUNS" \
	-p "rm -f '$W/apply.db'" -- "$W/migrate_apply" up \
	--vs -p "rm -f '$W/floor_apply.db'" -- "$BIN/floor_sqlite" apply "$W/floor_apply.db" "$W/apply"
expect_count "$(count_sqlite "$W/apply.db" migc_history)" "$APPLY_N" "SQLite apply"
expect_count "$(count_sqlite "$W/floor_apply.db" floor_history)" "$APPLY_N" "SQLite floor apply"
row "migrate up from empty, SQLite" "$APPLY_N small migrations" apply_sqlite "sqlite3 loop" floor_apply_sqlite "≤ 1.1×"

# ------------------------------------------------------------------ #
# PostgreSQL                                                         #
# ------------------------------------------------------------------ #

PG_OK=
PG_WHY=
# shellcheck source=../pg.sh
. "$ROOT/tests/pg.sh"
if ! pg_available; then
	PG_WHY="PostgreSQL server binaries not found (apt-get install postgresql)"
elif ! TMPDIR=$W pg_start >"$W/pg_start.log" 2>&1; then
	PG_WHY="could not start PostgreSQL: $(tail -n 1 "$W/pg_start.log")"
else
	trap cleanup EXIT # pg_start set its own
	pg_url() { echo "postgresql://$PGUSER@127.0.0.1:$PGPORT/$1"; }
	psql_q "CREATE DATABASE bench_probe" >/dev/null
	if DATABASE_URL=$(pg_url bench_probe) "$W/migrate_apply" up -q >"$W/probe.log" 2>&1; then
		PG_OK=1
	else
		PG_WHY="PostgreSQL driver not available ($(head -n 1 "$W/probe.log"))"
	fi
fi

if [ -n "$PG_OK" ]; then
	section "PostgreSQL $(psql_q 'SHOW server_version'): populate (one timed run each), then no-op up"
	for n in $SIZES; do
		psql_q "CREATE DATABASE noop_$n" >/dev/null
		DATABASE_URL=$(pg_url "noop_$n") measure "pop_pg_$n" "migrate up from empty, $n (populate)" -n 1 -- "$W/migrate_$n" up
		expect_count "$(PGDATABASE=noop_$n psql_q 'SELECT count(*) FROM migc_history')" "$n" "PostgreSQL history of $n"
		DATABASE_URL=$(pg_url "noop_$n") compare "noop_pg_$n=migrate up, $n applied (no-op)" \
			"floor_noop_pg_$n=floor: connect + read $n history rows" -n "$FAST_RUNS" -w 1 \
			-- "$W/migrate_$n" up --vs -- "$BIN/floor_pg" noop "$(pg_url "noop_$n")" migc_history
	done
	row "no-op migrate up, PostgreSQL" "$NOOP_N applied" "noop_pg_$NOOP_N" "libpq: connect + read history" "floor_noop_pg_$NOOP_N" "≤ 1.2×"

	section "PostgreSQL: migrate up from empty, $APPLY_N migrations"
	reset_db() { echo "PGOPTIONS='-c client_min_messages=warning' psql -X -q -c 'DROP DATABASE IF EXISTS $1' -c 'CREATE DATABASE $1'"; }
	DATABASE_URL=$(pg_url apply) compare "apply_pg=migrate up, $APPLY_N pending" \
		"floor_apply_pg=floor: BEGIN; SQL; INSERT history; COMMIT" -n "$RUNS" \
		-p "$(reset_db apply)" -- "$W/migrate_apply" up \
		--vs -p "$(reset_db floor_apply)" -- "$BIN/floor_pg" apply "$(pg_url floor_apply)" "$W/apply"
	expect_count "$(PGDATABASE=apply psql_q 'SELECT count(*) FROM migc_history')" "$APPLY_N" "PostgreSQL apply"
	expect_count "$(PGDATABASE=floor_apply psql_q 'SELECT count(*) FROM floor_history')" "$APPLY_N" "PostgreSQL floor apply"
	row "migrate up from empty, PostgreSQL" "$APPLY_N small migrations" apply_pg "libpq loop" floor_apply_pg "≤ 1.1×"

	section "PostgreSQL: $CONCURRENCY concurrent no-op up runners, $NOOP_N applied"
	export DATABASE_URL
	DATABASE_URL=$(pg_url "noop_$NOOP_N")
	# What 2 cores allow at best: the floor's reader has no lock at all.
	compare "conc_1=1 runner" "conc_n=$CONCURRENCY runners at once (wall time of the last)" \
		"conc_floor_1=floor: 1 libpq reader" "conc_floor_n=floor: $CONCURRENCY libpq readers at once" \
		-n "$RUNS" -w 1 -- "$W/migrate_$NOOP_N" up --vs -j "$CONCURRENCY" -- "$W/migrate_$NOOP_N" up \
		--vs -- "$BIN/floor_pg" noop "$(pg_url "noop_$NOOP_N")" migc_history \
		--vs -j "$CONCURRENCY" -- "$BIN/floor_pg" noop "$(pg_url "noop_$NOOP_N")" migc_history
	unset DATABASE_URL
	row "$CONCURRENCY concurrent no-op up, PostgreSQL" "$NOOP_N applied" conc_n "one runner" conc_1 "≤ 2×"
	row "  floor: $CONCURRENCY concurrent history readers (no lock)" "$NOOP_N applied" conc_floor_n "one reader" conc_floor_1 "-"
else
	echo
	echo "== PostgreSQL: skipped: $PG_WHY"
	skip_row "no-op migrate up, PostgreSQL" "$NOOP_N applied" "$PG_WHY"
	skip_row "migrate up from empty, PostgreSQL" "$APPLY_N small migrations" "$PG_WHY"
	skip_row "$CONCURRENCY concurrent no-op up, PostgreSQL" "$NOOP_N applied" "$PG_WHY"
fi

# ------------------------------------------------------------------ #
# git: migc check --base, migc build --provenance                    #
# ------------------------------------------------------------------ #

if ! "$MIGC" check --help >/dev/null 2>&1; then
	skip_row "migc check --base" "$GIT_N commits" "this migc has no 'check' command"
	skip_row "migc build --provenance" "$GIT_N commits" "this migc has no 'check' command"
elif ! command -v git >/dev/null; then
	skip_row "migc check --base" "$GIT_N commits" "git is not installed"
	skip_row "migc build --provenance" "$GIT_N commits" "git is not installed"
else
	section "git: a repository of $GIT_N commits, $GIT_N migrations"
	(
		export GIT_CONFIG_NOSYSTEM=1 HOME="$W/home" GIT_CEILING_DIRECTORIES="$W"
		mkdir -p "$HOME" "$W/repo"
		cd "$W/repo"
		git init -q -b main .
		python3 "$HERE/gen.py" git "$GIT_N" "$GIT_N" | git fast-import --quiet
		git gc -q
		git checkout -q -f main
		# A feature branch with one new migration on top: what a CI check sees.
		git checkout -q -b feature
		next=$(printf '%06d' $((GIT_N + 1)))
		printf 'CREATE TABLE feature_%s (id integer);\n' "$next" >"migrations/${next}_feature.sql"
		git add migrations
		git -c user.name=Bench -c user.email=bench@migc.invalid commit -q -m feature
	)
	ORIG_HOME=$HOME
	export GIT_CONFIG_NOSYSTEM=1 HOME="$W/home" GIT_CEILING_DIRECTORIES="$W"
	cd "$W/repo"
	GIT_WORK="$GIT_N commits, $GIT_N migrations"
	echo "  $(git rev-list --count HEAD) commits, $(ls migrations | wc -l) migrations, .git $(du -sh .git | cut -f1)"
	# git log and --provenance take seconds at full size: SLOW_RUNS of them
	compare "git_prov=migc build migrations --provenance -o" "git_log=floor: git log --format=%H -- migrations" \
		-n "$SLOW_RUNS" -- "$MIGC" build migrations --provenance -o "$W/prov.c" \
		--vs -- git log --format=%H -- migrations
	measure git_check "migc check migrations --base main" -n "$RUNS" -w 1 -- "$MIGC" check migrations --base main
	measure git_build "migc build migrations -o (no history)" -n "$RUNS" -w 1 -- "$MIGC" build migrations -o "$W/plain.c"
	# the records are bytes (bundle ABI 5): read them with the public decoder
	cc -std=c11 -I"$ROOT/include" -o "$W/prov_dump" "$ROOT/tests/bundle_dump.c" "$W/prov.c" \
		"$BUILD/libmigc.a" $(pkg-config --libs sqlite3) -pthread -ldl ||
		die "tests/bundle_dump.c did not compile with the --provenance bundle"
	[ "$("$W/prov_dump" | grep -vc ' added_commit=- ')" = $((GIT_N + 1)) ] ||
		die "migc build --provenance did not credit every migration to a commit"
	cd "$ROOT"
	unset GIT_CONFIG_NOSYSTEM GIT_CEILING_DIRECTORIES
	export HOME=$ORIG_HOME
	row "migc check --base" "$GIT_WORK" git_check "git log -- DIR" git_log "≤ 1×"
	row "migc build --provenance" "$GIT_WORK" git_prov "git log -- DIR" git_log "≤ 1×"
	row "  migc build (same tree, no history)" "$GIT_WORK" git_build "git log -- DIR" git_log "-"
fi

# ------------------------------------------------------------------ #
# dbmate, the peer                                                   #
# ------------------------------------------------------------------ #

DBMATE=
DBMATE_WHY=
TOOLS_DBMATE=${MIGC_TOOLS_DIR:-${HOME:-/root}/.cache/migc-tools}/bin/dbmate
if [ "${BENCH_DBMATE:-1}" = 0 ]; then
	DBMATE_WHY="BENCH_DBMATE=0"
elif [ -x "$TOOLS_DBMATE" ] && "$TOOLS_DBMATE" --version >/dev/null 2>&1; then
	section "dbmate (the one .ci/install-tools installed)"
	DBMATE=$(readlink -f "$TOOLS_DBMATE")
elif ! command -v npm >/dev/null; then
	DBMATE_WHY="npm is not installed"
else
	section "dbmate (npm install dbmate)"
	mkdir -p "$W/dbmate"
	if (cd "$W/dbmate" && timeout 180 npm install --no-audit --no-fund --loglevel=error dbmate >"$W/npm.log" 2>&1); then
		# The Go binary itself, not the node wrapper in .bin (which would
		# add node's start-up to every run).
		DBMATE=$(find "$W/dbmate/node_modules" -path '*/bin/dbmate' -type f -perm -u+x 2>/dev/null | head -n 1)
		[ -n "$DBMATE" ] && "$DBMATE" --version >/dev/null 2>&1 || { DBMATE='' DBMATE_WHY="the installed package has no runnable dbmate binary"; }
	else
		DBMATE_WHY="npm install dbmate failed: $(tail -n 1 "$W/npm.log")"
	fi
fi
if [ -n "$DBMATE" ]; then
	echo "  $("$DBMATE" --version) ($DBMATE)"
	python3 "$HERE/gen.py" small "$W/dbm_noop" "$NOOP_N" dbmate
	python3 "$HERE/gen.py" small "$W/dbm_apply" "$APPLY_N" dbmate
	dbm() { DBM=("$DBMATE" --no-dump-schema --migrations-dir "$1" --url "$2"); } # sets DBM
	# SQLite
	dbm "$W/dbm_noop" "sqlite:$W/dbm_noop.db"
	measure dbm_pop_sqlite "dbmate up from empty, $NOOP_N (populate), SQLite" -n 1 -- "${DBM[@]}" up
	expect_count "$(count_sqlite "$W/dbm_noop.db" schema_migrations)" "$NOOP_N" "dbmate SQLite history"
	dbm "$W/dbm_noop" "sqlite:$W/dbm_noop.db"
	measure dbm_noop_sqlite "dbmate up, $NOOP_N applied (no-op), SQLite" -n "$FAST_RUNS" -w 1 -- "${DBM[@]}" up
	dbm "$W/dbm_apply" "sqlite:$W/dbm_apply.db"
	measure dbm_apply_sqlite "dbmate up, $APPLY_N pending, SQLite" -n "$RUNS" -p "rm -f '$W/dbm_apply.db'" -- "${DBM[@]}" up
	row "dbmate: no-op up, SQLite" "$NOOP_N applied" dbm_noop_sqlite "sqlite3 floor" "floor_noop_sqlite_$NOOP_N" "(peer)"
	row "  migc ÷ dbmate, no-op up, SQLite" "$NOOP_N applied" "noop_sqlite_$NOOP_N" "dbmate" dbm_noop_sqlite "(< 1× is faster)"
	row "dbmate: up from empty, SQLite" "$APPLY_N small migrations" dbm_apply_sqlite "sqlite3 loop" floor_apply_sqlite "(peer)"
	row "  migc ÷ dbmate, up from empty, SQLite" "$APPLY_N small migrations" apply_sqlite "dbmate" dbm_apply_sqlite "(< 1× is faster)"
	if [ -n "$PG_OK" ]; then
		dpg() { echo "postgres://$PGUSER@127.0.0.1:$PGPORT/$1?sslmode=disable"; }
		psql_q "CREATE DATABASE dbm_noop" >/dev/null
		dbm "$W/dbm_noop" "$(dpg dbm_noop)"
		measure dbm_pop_pg "dbmate up from empty, $NOOP_N (populate), PostgreSQL" -n 1 -- "${DBM[@]}" up
		expect_count "$(PGDATABASE=dbm_noop psql_q 'SELECT count(*) FROM schema_migrations')" "$NOOP_N" "dbmate PostgreSQL history"
		dbm "$W/dbm_noop" "$(dpg dbm_noop)"
		measure dbm_noop_pg "dbmate up, $NOOP_N applied (no-op), PostgreSQL" -n "$FAST_RUNS" -w 1 -- "${DBM[@]}" up
		dbm "$W/dbm_apply" "$(dpg dbm_apply)"
		measure dbm_apply_pg "dbmate up, $APPLY_N pending, PostgreSQL" -n "$RUNS" -p "$(reset_db dbm_apply)" -- "${DBM[@]}" up
		row "dbmate: no-op up, PostgreSQL" "$NOOP_N applied" dbm_noop_pg "libpq floor" "floor_noop_pg_$NOOP_N" "(peer)"
		row "  migc ÷ dbmate, no-op up, PostgreSQL" "$NOOP_N applied" "noop_pg_$NOOP_N" "dbmate" dbm_noop_pg "(< 1× is faster)"
		row "dbmate: up from empty, PostgreSQL" "$APPLY_N small migrations" dbm_apply_pg "libpq loop" floor_apply_pg "(peer)"
		row "  migc ÷ dbmate, up from empty, PostgreSQL" "$APPLY_N small migrations" apply_pg "dbmate" dbm_apply_pg "(< 1× is faster)"
	else
		skip_row "dbmate, PostgreSQL" "-" "$PG_WHY"
	fi
else
	echo
	echo "== dbmate: skipped: $DBMATE_WHY"
	skip_row "dbmate: no-op up and up from empty" "-" "$DBMATE_WHY"
fi

# ------------------------------------------------------------------ #
# Growth                                                             #
# ------------------------------------------------------------------ #

section "growth: migc build -o at $SIZES migrations"
for n in $SIZES; do
	measure "grow_build_$n" "migc build -o, $n small files" -n "$RUNS" -w 1 -- "$MIGC" build "$W/noop_$n" -o "$W/grow.c"
done

# per-migration and marginal cost of KEYPREFIX over the sizes
GROWTH_LINES=()
growth_line() { # LABEL KEYPREFIX
	local label=$1 prefix=$2 n prev_n='' prev_t='' t line
	line="$label"
	for n in $SIZES; do
		[ -n "${MED[$prefix$n]:-}" ] || { line="$line	-"; continue; }
		t=${MED[$prefix$n]}
		if [ -n "$prev_n" ]; then
			line="$line	$(awk -v t="$t" -v n="$n" -v pt="$prev_t" -v pn="$prev_n" \
				'BEGIN { printf "%s; %.1f µs/mig; %+.1f µs/mig", (t < 1 ? sprintf("%.1f ms", t * 1000) : sprintf("%.2f s", t)), t / n * 1e6, (t - pt) / (n - pn) * 1e6 }')"
		else
			line="$line	$(awk -v t="$t" -v n="$n" \
				'BEGIN { printf "%s; %.1f µs/mig", (t < 1 ? sprintf("%.1f ms", t * 1000) : sprintf("%.2f s", t)), t / n * 1e6 }')"
		fi
		prev_n=$n prev_t=$t
	done
	GROWTH_LINES+=("$line")
}
growth_line "migc build -o" grow_build_
growth_line "no-op up, SQLite" noop_sqlite_
growth_line "floor: no-op, SQLite" floor_noop_sqlite_
growth_line "up from empty, SQLite (1 run)" pop_sqlite_
if [ -n "$PG_OK" ]; then
	growth_line "no-op up, PostgreSQL" noop_pg_
	growth_line "floor: no-op, PostgreSQL" floor_noop_pg_
	growth_line "up from empty, PostgreSQL (1 run)" pop_pg_
fi

# ------------------------------------------------------------------ #
# Where the no-op up's time goes                                     #
# ------------------------------------------------------------------ #

section "where the time of a no-op up goes ($NOOP_N applied)"
compare "ver_$NOOP_N=migrate --version: exec + dynamic loading" "info_$NOOP_N=migrate info: + bundle self-check" \
	"floor_load_sqlite=floor: exec + load sqlite3" "floor_open_sqlite=floor: + open the database" \
	"floor_load_pg=floor: exec + load libpq" -n "$FAST_RUNS" -w 2 \
	-- "$W/migrate_$NOOP_N" --version --vs -- "$W/migrate_$NOOP_N" info \
	--vs -- "$BIN/floor_sqlite" load x y --vs -- "$BIN/floor_sqlite" connect "$W/noop_$NOOP_N.db" x \
	--vs -- "$BIN/floor_pg" load x y
[ -z "$PG_OK" ] ||
	measure floor_conn_pg "floor: + connect" -n "$FAST_RUNS" -w 2 -- "$BIN/floor_pg" connect "$(pg_url "noop_$NOOP_N")" x
# Differences of minimums (the least noisy figure on a shared machine):
# each line is what one layer adds to the one above it.
BREAKDOWN=()
bd() { BREAKDOWN+=("$1	$(awk -v t="$2" 'BEGIN { printf "%.1f ms", t * 1000 }')"); }
calc() { awk "BEGIN { print $1 }"; }
N=$NOOP_N
bd "exec + dynamic loading (migrate --version)" "${MIN[ver_$N]}"
bd "  for scale: the floor's exec + loading sqlite3 (floor_sqlite load)" "${MIN[floor_load_sqlite]:-0}"
bd "bundle self-check, $N migrations (info − --version)" "$(calc "${MIN[info_$N]} - ${MIN[ver_$N]}")"
bd "SQLite: open + schema (floor open − floor load)" "$(calc "${MIN[floor_open_sqlite]} - ${MIN[floor_load_sqlite]}")"
bd "SQLite: read $N history rows (floor no-op − floor open)" "$(calc "${MIN[floor_noop_sqlite_$N]} - ${MIN[floor_open_sqlite]}")"
bd "SQLite: migc's own work: lock, verify, report (up − info − open − read)" \
	"$(calc "${MIN[noop_sqlite_$N]} - ${MIN[info_$N]} - (${MIN[floor_noop_sqlite_$N]} - ${MIN[floor_load_sqlite]})")"
bd "SQLite: no-op up in all" "${MIN[noop_sqlite_$N]}"
if [ -n "$PG_OK" ]; then
	# migrate loads libpq only for a PostgreSQL URL (dlopen): info does not
	bd "PostgreSQL: loading libpq (floor_pg load − floor_sqlite load)" \
		"$(calc "${MIN[floor_load_pg]} - ${MIN[floor_load_sqlite]}")"
	bd "PostgreSQL: connect (floor connect − floor load)" "$(calc "${MIN[floor_conn_pg]} - ${MIN[floor_load_pg]}")"
	bd "PostgreSQL: read $N history rows (floor no-op − floor connect)" "$(calc "${MIN[floor_noop_pg_$N]} - ${MIN[floor_conn_pg]}")"
	# migrate loads libpq on a thread during the self-check and reads the
	# rows in binary (cheaper for the server than the floor's text): the
	# phases overlap, so this difference can be negative
	bd "PostgreSQL: migc's own work, less the overlap (up − info − libpq − connect − read)" \
		"$(calc "${MIN[noop_pg_$N]} - ${MIN[info_$N]} - (${MIN[floor_noop_pg_$N]} - ${MIN[floor_load_sqlite]})")"
	bd "PostgreSQL: no-op up in all" "${MIN[noop_pg_$N]}"
fi
LDSTATS=$(LD_DEBUG=statistics "$W/migrate_$NOOP_N" --version 2>&1 >/dev/null |
	awk '/total startup time in dynamic loader/ { t = $(NF - 1) }
	     /time needed for relocation/ { for (i = 1; i < NF; i++) if ($(i + 1) == "cycles") r = $i }
	     /number of relocations:/ { n = $NF } /number of relative relocations/ { rel = $NF }
	     END { printf "%s cycles in the dynamic loader (%s relocating); %s relocations, %s relative", t, r, n, rel }')
NLIBS=$(ldd "$W/migrate_$NOOP_N" | grep -c '=>' || true)

# ------------------------------------------------------------------ #
# Results                                                            #
# ------------------------------------------------------------------ #

echo
echo "== results (load average at start $LOAD, at end $(cut -d ' ' -f 1-3 /proc/loadavg);" \
	"$(( $(date +%s) - START )) s in all)"
print_table
echo
echo "(each ratio's two sides were measured interleaved: one run of each per round)"
printf '\n| growth | %s |\n' "$(echo $SIZES | sed 's/ / | /g')"
printf '| --- |%s\n' "$(for n in $SIZES; do printf ' --- |'; done)"
for line in "${GROWTH_LINES[@]}"; do
	printf '| %s |\n' "${line//	/ | }"
done
echo
echo "(per size: median; time per migration; after the first size, the marginal cost per added"
echo " migration (Δt/Δn): a marginal cost that grows with n is super-linear work)"
printf '\n| no-op up, %s applied: where the time goes (differences of minimums) | time |\n| --- | --- |\n' "$NOOP_N"
for line in "${BREAKDOWN[@]}"; do
	printf '| %s |\n' "${line//	/ | }"
done
echo
echo "dynamic loading of migrate: $NLIBS shared objects; $LDSTATS (LD_DEBUG=statistics)"
exit 0
