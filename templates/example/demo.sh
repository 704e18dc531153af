#!/usr/bin/env bash
# demo.sh - the quick start, end to end: compile the example migrations into
# a release binary, then run it against a fresh SQLite file.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out="$BUILD/demo"
rm -rf "$out" && mkdir -p "$out"

step() { printf '\n$ %s\n' "$*"; "$@"; }

step "$BUILD/migc" list templates/example/migrations
step "$BUILD/migc" build templates/example/migrations --dialect sqlite --binary "$out/migrate"
export DATABASE_URL="sqlite:$out/app.db"
echo; echo "DATABASE_URL=$DATABASE_URL"
step "$out/migrate" up
step "$out/migrate" status
step "$out/migrate" up
step "$out/migrate" info
echo
echo "The release binary is $out/migrate; it needs no SQL files at run time."
