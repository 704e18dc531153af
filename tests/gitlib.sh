# tests/gitlib.sh - helpers for the end-to-end tests that make real git
# repositories with the git CLI (tests/e2e/git*.sh). Source it after lib.sh.
#
# Every commit is deterministic: fixed author and committer, and a clock
# that advances one minute per commit from 2024-01-01 (gcommit). git and
# libgit2 read their global configuration from a HOME of the test run, so
# the machine's ~/.gitconfig never changes a result, and repository
# discovery stops at the test run's directory (GIT_CEILING_DIRECTORIES).

export GIT_AUTHOR_NAME="Migc Test" GIT_AUTHOR_EMAIL="test@migc.invalid"
export GIT_COMMITTER_NAME="Migc Test" GIT_COMMITTER_EMAIL="test@migc.invalid"
export GIT_CONFIG_NOSYSTEM=1
export HOME="$TEST_TMP/home"
export GIT_CEILING_DIRECTORIES="$TEST_TMP"
unset GIT_DIR GIT_WORK_TREE MIGC_SOURCE_COMMIT
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
git config --global protocol.file.allow always

GIT_TICK=0
# gcommit MESSAGE [git commit options]: commit what is staged, at the next
# minute of the test clock.
gcommit() {
	local msg=$1; shift
	GIT_TICK=$((GIT_TICK + 1))
	local when="@$((1704067200 + GIT_TICK * 60)) +0000"
	GIT_AUTHOR_DATE="$when" GIT_COMMITTER_DATE="$when" git commit -q -m "$msg" "$@"
}

# gmerge BRANCH: merge BRANCH into the current branch with a merge commit.
gmerge() {
	GIT_TICK=$((GIT_TICK + 1))
	local when="@$((1704067200 + GIT_TICK * 60)) +0000"
	GIT_AUTHOR_DATE="$when" GIT_COMMITTER_DATE="$when" git merge -q --no-ff --no-edit "$1"
}

# gtime REV: author time (Unix seconds) of a commit.
gtime() { git log -1 --format=%at "$1"; }

# new_repo DIR: an empty repository on branch main, and cd into it.
new_repo() {
	git init -q "$1"
	cd "$1"
}

# add_mig FILE CONTENT [MESSAGE]: write migrations/FILE, add and commit it.
add_mig() {
	mig migrations "$1" "$2"
	git add "migrations/$1"
	gcommit "${3:-add $1}"
}

# json_get EXPR: evaluate a Python expression over the JSON on $OUT (as d).
json_get() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print("" if r is None else r)' "$1" <<<"$OUT"
}
