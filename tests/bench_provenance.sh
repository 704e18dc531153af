#!/usr/bin/env bash
# tests/bench_provenance.sh - how long `migc build --provenance` takes on a
# long history, next to `git log -- DIR` on the same repository.
#
# Generates (with git fast-import, in a few seconds) a repository of
# COMMITS commits on one branch, of which MIGRATIONS add one migration
# each (spread evenly over the history) and the rest change files outside
# the migrations directory; then times, best of RUNS:
#   migc build                 the bundle alone (no history walk)
#   migc build --provenance    the bundle and the adding commit of every file
#   git log -- migrations      the commits that touched the directory
#   git log --first-parent     the same along the first-parent chain
#
# Usage: bash tests/bench_provenance.sh [COMMITS] [MIGRATIONS]
#        (defaults 10000 and 1000; BUILD=build, RUNS=3, KEEP=1 keeps the repo)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MIGC="$PWD/$BUILD/migc"
COMMITS=${1:-10000}
MIGRATIONS=${2:-1000}
RUNS=${RUNS:-3}
[ -x "$MIGC" ] || { echo "bench: build migc first (make)" >&2; exit 2; }
[ "$MIGRATIONS" -le "$COMMITS" ] || { echo "bench: MIGRATIONS > COMMITS" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/migc-bench-prov.XXXXXX")
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME="$WORK/home" GIT_CEILING_DIRECTORIES="$WORK"
mkdir -p "$HOME"

# The fast-import stream: commit i (1-based) adds migration k when
# i == ceil(k * COMMITS / MIGRATIONS); other commits edit one of 64 source
# files.
gen_stream() {
	python3 - "$COMMITS" "$MIGRATIONS" <<'PY'
import sys
commits, migrations = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.buffer
adds = {}
for k in range(1, migrations + 1):
    adds[-(-k * commits // migrations)] = k
def data(b):
    out.write(b"data %d\n" % len(b) + b + b"\n")
for i in range(1, commits + 1):
    t = 1704067200 + i * 60
    out.write(b"commit refs/heads/main\nmark :%d\n" % i)
    out.write(b"author Bench <bench@migc.invalid> %d +0000\n" % t)
    out.write(b"committer Bench <bench@migc.invalid> %d +0000\n" % t)
    data(b"commit %d" % i)
    if i > 1:
        out.write(b"from :%d\n" % (i - 1))
    k = adds.get(i)
    if k:
        out.write(b"M 100644 inline migrations/%06d_step_%d.sql\n" % (k, k))
        data(b"CREATE TABLE t%d (id integer primary key, note text);\n" % k)
    else:
        out.write(b"M 100644 inline src/file_%02d.txt\n" % (i % 64))
        data(b"revision %d of file %d\n" % (i, i % 64))
PY
}

# best_of CMD...: the fastest of RUNS runs, in seconds.
best_of() {
	local best="" s e t i
	for ((i = 0; i < RUNS; i++)); do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
	done
	printf '%.3f' "$best"
}

cd "$WORK"
git init -q repo
cd repo
s=$(date +%s.%N)
gen_stream | git fast-import --quiet
git gc -q
git checkout -q main
e=$(date +%s.%N)
printf 'repository: %d commits, %d migrations (%s), generated in %.1f s\n' \
	"$(git rev-list --count HEAD)" "$(ls migrations | wc -l)" "$(du -sh .git | cut -f1)" \
	"$(echo "$e - $s" | bc)"

plain=$(best_of "$MIGC" build migrations -o "$WORK/plain.c")
prov=$(best_of "$MIGC" build migrations -o "$WORK/prov.c" --provenance)
glog=$(best_of git log --format=%H -- migrations)
gfp=$(best_of git log --first-parent --format=%H -- migrations)

# The walk must agree with git: every migration credited to the commit
# that git log names for its file.
first=$(grep -m 1 '\.added_commit = "' "$WORK/prov.c" | sed 's/.*"\([0-9a-f]*\)".*/\1/')
want=$(git log --format=%H --diff-filter=A -- "migrations/$(printf '%06d' 1)_step_1.sql")
[ "$first" = "$want" ] || { echo "bench: provenance of the first migration is $first, git says $want" >&2; exit 1; }
[ "$(grep -c '\.added_commit = "' "$WORK/prov.c")" = "$MIGRATIONS" ] ||
	{ echo "bench: not every migration has provenance" >&2; exit 1; }

printf '%-42s %8s s\n' "migc build (no provenance)" "$plain" \
	"migc build --provenance" "$prov" \
	"git log --format=%H -- migrations" "$glog" \
	"git log --first-parent --format=%H -- migrations" "$gfp"
