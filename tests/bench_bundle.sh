#!/usr/bin/env bash
# tests/bench_bundle.sh - how long `migc build` and the C compilers take on a
# big bundle, and how much memory they need. Not part of `make test`: it
# measures, it does not assert.
#
#   bash tests/bench_bundle.sh [MB] [FILES]     (default 100 MB in 10,000 files)
#
# Generates MB megabytes of SQL (valid UTF-8, with quotes, backslashes,
# `??` and non-ASCII text so escaping is exercised) in FILES migrations,
# then times, with /usr/bin/time -v (wall clock and peak RSS):
#   migc build DIR -o bundle.c
#   gcc   -std=c11 -Wall -Wextra -Werror -pedantic -O2 -c bundle.c
#   clang -std=c11 -Wall -Wextra -Werror -pedantic -O2 -c bundle.c
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MIGC="$PWD/$BUILD/migc"
MB=${1:-100}
FILES=${2:-10000}
[ -x "$MIGC" ] || { echo "bench: $MIGC is missing; run make first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/migc-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK/migrations" "$MB" "$FILES" <<'EOF'
import os, sys

out, mb, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out)
per_file = mb * 1000 * 1000 // files
line = ("INSERT INTO events (id, note) VALUES (%d, 'r\u00e9sum\u00e9 \"q\" \\\\ ??= caf\u00e9 "
        "-- */ tab\there');\n")
for i in range(1, files + 1):
    parts, size, n = [], 0, 0
    while size < per_file:
        s = line % (i * 100000 + n)
        parts.append(s)
        size += len(s.encode())
        n += 1
    body = "".join(parts).encode()[:per_file]
    # do not end in the middle of a UTF-8 sequence
    while body and (body[-1] & 0xC0) == 0x80:
        body = body[:-1]
    if body and body[-1] >= 0xC0:
        body = body[:-1]
    with open(os.path.join(out, "%05d_bench_%d.sql" % (i, i)), "wb") as f:
        f.write(body)
EOF

# measure LABEL CMD...: run under /usr/bin/time -v, print seconds and peak RSS.
measure() {
	local label=$1 log="$WORK/time.log"
	shift
	if ! /usr/bin/time -v "$@" >"$WORK/out.log" 2>"$log"; then
		echo "bench: $label failed:" >&2
		tail -n 30 "$log" >&2
		return 1
	fi
	awk -v label="$label" '
		/Elapsed \(wall clock\)/ { n = split($NF, t, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
		/Maximum resident set size/ { rss = $NF }
		END { printf "%-28s %8.2f s   %8.1f MB peak RSS\n", label, wall, rss / 1024 }' "$log"
}

size=$(du -sb "$WORK/migrations" | cut -f1)
echo "input: $(ls "$WORK/migrations" | wc -l) files, $((size / 1000000)) MB of SQL"
measure "migc build -o bundle.c" "$MIGC" build "$WORK/migrations" -o "$WORK/bundle.c"
echo "bundle.c: $(($(stat -c %s "$WORK/bundle.c") / 1000000)) MB"
FLAGS="-std=c11 -Wall -Wextra -Werror -pedantic -O2 -I$PWD/include"
for cc in gcc clang; do
	if command -v "$cc" >/dev/null; then
		measure "$cc -O2 -c bundle.c" "$cc" $FLAGS -c "$WORK/bundle.c" -o "$WORK/bundle.$cc.o"
	else
		echo "$cc: not installed, skipped"
	fi
done
