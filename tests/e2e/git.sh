#!/usr/bin/env bash
# tests/e2e/git.sh - git awareness of `migc build` and `migc list`, on real
# repositories made with the git CLI.
#
# Protects: --rev builds exactly what the commit holds (not the working
# tree) and records the commit; a working-tree build records HEAD and
# whether the migrations directory is dirty, and --require-clean refuses a
# dirty one; a build without .git works and takes the commit from
# --source-commit or MIGC_SOURCE_COMMIT; --provenance records the commit
# that added each migration and `migrate status` shows it; repositories
# owned by another user are refused with git's safe.directory advice;
# libmigc and release binaries never link libgit2.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$MIGC_ROOT/tests/gitlib.sh"

# Flags a binary linked against this build's libmigc.a needs.
binary_env() {
	if [ "${SANITIZE:-}" = 1 ]; then
		export CFLAGS="-O0 -fsanitize=address,undefined"
	fi
}

# A repository in ./repo with two committed migrations; cd into it.
two_commits() {
	new_repo repo
	add_mig 0001_users.sql 'CREATE TABLE users (id integer primary key);'
	add_mig 0002_email.sql 'ALTER TABLE users ADD COLUMN email text;'
}

# The value of `.field = value,` in a generated bundle.
bundle_field() { sed -n "s/^	\.$2 = \(.*\),\$/\1/p" "$1"; }

# ------------------------------------------------------------------ working tree

test_build_records_head_and_a_clean_tree() {
	two_commits
	echo 'notes' >README.md # outside the migrations directory: not dirty
	run "$MIGC" build -o ../out.c
	expect_rc 0
	expect_out "commit $(git rev-parse --short=12 HEAD) (clean)"
	expect_eq "$(bundle_field ../out.c source_commit)" "\"$(git rev-parse HEAD)\"" "source_commit"
	expect_eq "$(bundle_field ../out.c source_dirty)" 0 "source_dirty"
	grep -q "source      commit $(git rev-parse HEAD)\$" ../out.c || fail "header does not name the commit"
	run "$MIGC" build -o ../out2.c --require-clean
	expect_rc 0
}

test_build_detects_a_dirty_directory() {
	two_commits
	printf '.DS_Store\n' >.gitignore
	git add .gitignore && gcommit ignore
	touch migrations/.DS_Store # ignored by .gitignore (and by migc): clean
	run "$MIGC" build migrations -o ../out.c --require-clean
	expect_rc 0
	echo 'ALTER TABLE users ADD COLUMN name text;' >>migrations/0002_email.sql
	run "$MIGC" build migrations -o ../out.c
	expect_rc 0
	expect_out "(dirty)"
	expect_eq "$(bundle_field ../out.c source_dirty)" 1 "modified file"
	grep -q 'source      commit [0-9a-f]* (dirty)$' ../out.c || fail "header does not say dirty"
	git checkout -q migrations/0002_email.sql
	mig migrations 0003_new.sql 'SELECT 3;'
	run "$MIGC" build migrations -o ../out.c
	expect_eq "$(bundle_field ../out.c source_dirty)" 1 "untracked file"
	git add migrations/0003_new.sql
	run "$MIGC" build migrations -o ../out.c
	expect_eq "$(bundle_field ../out.c source_dirty)" 1 "staged file"
	gcommit three
	git rm -q --cached migrations/0001_users.sql
	run "$MIGC" build migrations -o ../out.c
	expect_eq "$(bundle_field ../out.c source_dirty)" 1 "staged deletion"
}

test_require_clean_refuses_and_lists_the_files() {
	two_commits
	echo '-- more' >>migrations/0001_users.sql
	mig migrations 0003_new.sql 'SELECT 3;'
	rm -f ../out.c
	run "$MIGC" build migrations -o ../out.c --require-clean
	expect_rc 1
	expect_err "migc: error: 'migrations' has uncommitted changes (--require-clean):"
	expect_err "modified     migrations/0001_users.sql"
	expect_err "untracked    migrations/0003_new.sql"
	expect_err "hint: commit them"
	[ ! -e ../out.c ] || fail "a bundle was written"
	# --rev builds a commit: clean by definition, whatever the working tree
	run "$MIGC" build migrations -o ../out.c --require-clean --rev HEAD
	expect_rc 0
}

test_build_in_a_subdirectory_of_the_repository() {
	new_repo repo
	mkdir -p db/migrations src
	mig db/migrations 0001_a.sql 'SELECT 1;'
	git add . && gcommit one
	cd src
	run "$MIGC" build ../db/migrations -o ../../out.c --require-clean
	expect_rc 0
	echo x >../db/migrations/0002_b.sql
	run "$MIGC" build ../db/migrations -o ../../out.c --require-clean
	expect_rc 1
	expect_err "untracked    db/migrations/0002_b.sql"
	cd ..
	ln -s db/migrations m # a symlink to the directory resolves to its real place
	run "$MIGC" build m -o ../out.c --rev HEAD
	expect_rc 0
	expect_out "1 migration,"
}

test_unborn_head_builds_with_an_empty_commit() {
	new_repo repo
	mig migrations 0001_a.sql 'SELECT 1;'
	run "$MIGC" build -o ../out.c --provenance
	expect_rc 0
	expect_eq "$(bundle_field ../out.c source_commit)" '""' "source_commit"
	expect_eq "$(bundle_field ../out.c source_dirty)" 1 "source_dirty (untracked)"
	bundle_dump ../out.c >../dump.txt
	grep -q ' added_commit=- added_time=0$' ../dump.txt || fail "provenance without a commit"
	run "$MIGC" build -o ../out.c --require-clean
	expect_rc 1
	run "$MIGC" build -o ../out.c --rev HEAD
	expect_rc 2
	expect_err "unknown revision 'HEAD'"
}

# ------------------------------------------------------------------ no .git

test_build_without_git_takes_the_commit_from_outside() {
	mkdir ctx && cd ctx
	mig migrations 0001_a.sql 'SELECT 1;'
	run "$MIGC" build -o out.c
	expect_rc 0
	expect_eq "$(bundle_field out.c source_commit)" '""' "no commit"
	expect_eq "$(bundle_field out.c source_dirty)" -1 "dirty unknown"
	local sha=0123456789abcdef0123456789abcdef01234567
	run "$MIGC" build -o out.c --source-commit "$sha"
	expect_rc 0
	expect_eq "$(bundle_field out.c source_commit)" "\"$sha\"" "--source-commit"
	expect_eq "$(bundle_field out.c source_dirty)" -1 "dirty unknown"
	MIGC_SOURCE_COMMIT=ABCDEF1 run "$MIGC" build -o out.c
	expect_rc 0
	expect_eq "$(bundle_field out.c source_commit)" '"abcdef1"' "MIGC_SOURCE_COMMIT, lower-cased"
	MIGC_SOURCE_COMMIT=feedbeef run "$MIGC" build -o out.c --source-commit 1234567
	expect_eq "$(bundle_field out.c source_commit)" '"1234567"' "the option wins over the variable"
	for bad in abc123 xyz1234 "$sha$sha" '1234567 '; do
		run "$MIGC" build -o bad.c --source-commit "$bad"
		expect_rc 2
		expect_err "is not a commit id (7 to 64 hex digits)"
	done
	MIGC_SOURCE_COMMIT=nothex! run "$MIGC" build -o bad.c
	expect_rc 2
	expect_err "MIGC_SOURCE_COMMIT 'nothex!' is not a commit id"
	[ ! -e bad.c ] || fail "bad.c written"
	for opt in "--rev HEAD" --require-clean --provenance; do
		run "$MIGC" build -o bad.c $opt
		expect_rc 2
		expect_err "needs a git repository, and 'migrations' is not in one"
	done
}

test_source_commit_wins_over_head() {
	two_commits
	local head other=0123456789abcdef0123456789abcdef01234567
	head=$(git rev-parse HEAD)
	run "$MIGC" build -o ../out.c --source-commit "$other"
	expect_rc 0
	expect_eq "$(bundle_field ../out.c source_commit)" "\"$other\"" "explicit commit"
	expect_eq "$(bundle_field ../out.c source_dirty)" -1 "dirty of another commit"
	run "$MIGC" build -o ../out.c --source-commit "${head:0:10}"
	expect_eq "$(bundle_field ../out.c source_dirty)" 0 "dirty of HEAD itself"
	MIGC_SOURCE_COMMIT=$other run "$MIGC" build -o ../out.c
	expect_eq "$(bundle_field ../out.c source_commit)" "\"$other\"" "MIGC_SOURCE_COMMIT"
	MIGC_SOURCE_COMMIT=$other run "$MIGC" build -o ../out.c --rev HEAD~1
	expect_rc 0
	expect_eq "$(bundle_field ../out.c source_commit)" "\"$(git rev-parse HEAD~1)\"" "--rev wins"
	run "$MIGC" build -o ../out.c --rev HEAD --source-commit "$other"
	expect_rc 2
	expect_err "--rev and --source-commit exclude each other"
}

# ------------------------------------------------------------------ --rev

test_rev_builds_the_commit_not_the_working_tree() {
	binary_env
	two_commits
	local first
	first=$(git rev-parse HEAD~1)
	echo 'CREATE TABLE users (id integer primary key, edited int);' >migrations/0001_users.sql
	mig migrations 0003_wip.sql 'SELECT 3;'
	run "$MIGC" build --rev HEAD~1 --binary ../migrate
	expect_rc 0
	expect_out "1 migration,"
	expect_out "commit ${first:0:12} (clean)"
	cd ..
	run ./migrate info --format json
	expect_rc 0
	expect_eq "$(json_get 'd["source_commit"]')" "$first" "info source_commit"
	expect_eq "$(json_get 'd["source_dirty"]')" False "info source_dirty"
	expect_eq "$(json_get 'd["migrations"]')" 1 "info migrations"
	run ./migrate info
	expect_out "source commit:    $first (clean)"
	DATABASE_URL=sqlite:db.sqlite run ./migrate plan
	expect_rc 0
	expect_out "CREATE TABLE users (id integer primary key);"
	expect_no "edited int"
	expect_no "0002_email"
	expect_no "0003_wip"
	cd repo
	run "$MIGC" list --rev main --format json
	expect_rc 0
	expect_eq "$(json_get 'len(d["migrations"])')" 2 "list --rev main"
}

test_rev_reads_raw_blobs_and_tree_rules() {
	new_repo repo
	mkdir -p migrations/.shared
	printf 'SELECT 1;\r\n' >migrations/0001_crlf.sql
	printf 'SELECT 42;\n' >migrations/.shared/answer.sql
	ln -s .shared/answer.sql migrations/0002_link.sql
	printf '#!/bin/sh\nSELECT 3;\n' >migrations/0003_exec.sql
	chmod +x migrations/0003_exec.sql
	git add . && gcommit one
	run "$MIGC" build --rev HEAD -o ../rev.c
	expect_rc 0
	expect_out "3 migrations"
	grep -qF 'SELECT 42;\n' ../rev.c || fail "symlink inside the directory not followed"
	run "$MIGC" build -o ../wt.c
	expect_rc 0
	sed -i '/source/d' ../rev.c ../wt.c
	cmp ../rev.c ../wt.c || fail "--rev and the working tree give different bundles"
	# a symlink leaving the directory, a subdirectory, a submodule
	echo 'SELECT 9;' >outside.sql
	ln -s ../outside.sql migrations/0004_out.sql
	mkdir migrations/sub && echo x >migrations/sub/x.sql
	git add . && gcommit two
	git update-index --add --cacheinfo "160000,$(git rev-parse HEAD),migrations/0005_module"
	gcommit three
	run "$MIGC" build --rev HEAD -o ../bad.c
	expect_rc 1
	expect_err "migrations/0004_out.sql: symlink leaves the migrations directory"
	expect_err "migrations/sub: not a regular file (a directory)"
	expect_err "migrations/0005_module: not a regular file (a submodule)"
	expect_err "3 problems in 'migrations'"
	[ ! -e ../bad.c ] || fail "a bundle was written"
}

test_rev_broken_and_absolute_symlinks() {
	new_repo repo
	mig migrations 0001_a.sql 'SELECT 1;'
	ln -s nowhere.sql migrations/0002_gone.sql
	ln -s /etc/hostname migrations/0003_abs.sql
	ln -s ../../../x.sql migrations/0004_up.sql
	git add . && gcommit one
	run "$MIGC" build --rev HEAD -o ../out.c
	expect_rc 1
	expect_err "migrations/0002_gone.sql: broken symlink"
	expect_err "migrations/0003_abs.sql: symlink leaves the migrations directory"
	expect_err "migrations/0004_up.sql: symlink leaves the migrations directory"
}

test_rev_errors() {
	two_commits
	run "$MIGC" build --rev no-such-branch -o ../out.c
	expect_rc 2
	expect_err "migc: error: --rev: unknown revision 'no-such-branch'"
	expect_err "hint: "
	run "$MIGC" build --rev "HEAD^{tree}" -o ../out.c
	expect_rc 2
	expect_err "does not name a commit"
	run "$MIGC" build db -o ../out.c --rev HEAD
	expect_rc 1
	expect_err "migrations directory 'db' does not exist in commit $(git rev-parse --short=12 HEAD)"
	# a directory deleted from the working tree still builds from a commit
	rm -r migrations
	run "$MIGC" build --rev HEAD -o ../out.c
	expect_rc 0
	expect_out "2 migrations"
	run "$MIGC" build /tmp -o ../out.c --rev HEAD
	expect_rc 2
	expect_err "needs a git repository, and '/tmp' is not in one"
	git tag v1 HEAD~1
	run "$MIGC" build --rev v1 -o ../out.c
	expect_rc 0
	expect_out "1 migration,"
}

# ------------------------------------------------------------------ --provenance

test_provenance_is_embedded_and_shown_by_status() {
	binary_env
	new_repo repo
	add_mig 0001_users.sql 'CREATE TABLE users (id integer primary key);'
	local c1 c2 c3 cm
	c1=$(git rev-parse HEAD)
	echo readme >README && git add README && gcommit "not a migration"
	add_mig 0002_posts.sql 'CREATE TABLE posts (id integer primary key);'
	# an edit does not change who added it
	echo '-- comment' >>migrations/0001_users.sql && git add -A && gcommit edit
	git checkout -q -b feature
	add_mig 0003_tags.sql 'CREATE TABLE tags (id integer primary key);'
	git checkout -q main
	gmerge feature
	cm=$(git rev-parse HEAD)
	# a rename is an addition under the new name
	git mv migrations/0002_posts.sql migrations/0002_articles.sql && gcommit rename
	c2=$(git rev-parse HEAD)
	# deleted and added again: the second addition counts
	git rm -q migrations/0003_tags.sql && gcommit drop
	mig migrations 0003_tags.sql 'CREATE TABLE tags (id integer primary key);'
	git add -A && gcommit readd
	c3=$(git rev-parse HEAD)
	mig migrations 0004_wip.sql 'SELECT 4;' # not committed: no provenance
	run "$MIGC" build --provenance --binary ../migrate
	expect_rc 0
	cd ..
	DATABASE_URL=sqlite:db.sqlite run ./migrate status --format json
	expect_rc 0
	expect_eq "$(json_get '[m["added_commit"] for m in d["migrations"]]')" \
		"['$c1', '$c2', '$c3', None]" "added_commit"
	expect_eq "$(json_get 'd["migrations"][0]["added_at"]')" \
		"$(date -u -d "@$(git -C repo log -1 --format=%at "$c1")" +%Y-%m-%dT%H:%M:%SZ)" "added_at"
	DATABASE_URL=sqlite:db.sqlite run ./migrate status
	expect_out "ADDED IN"
	expect_out "${c1:0:12} 2024-01-01"
	grep -q "0004 .* -\$" <<<"$OUT" || fail "the uncommitted migration shows a commit"
	# the merge brought 0003 first: first-parent history credits the merge
	git -C repo checkout -q "$cm"
	(cd repo && "$MIGC" list --provenance --format json) >list.json
	OUT=$(cat list.json)
	expect_eq "$(json_get '[m["added_commit"] for m in d["migrations"]][2]')" "$cm" "merge commit"
	# --rev starts the walk at that commit
	cd repo
	run "$MIGC" build --rev "$c1" --provenance -o ../one.c
	expect_rc 0
	bundle_dump ../one.c >../one.txt
	grep -q " added_commit=$c1 " ../one.txt || fail "--rev provenance: $(cat ../one.txt)"
	# without --provenance the bundle has none
	run "$MIGC" build -o ../none.c
	bundle_dump ../none.c >../none.txt
	! grep -q -v ' added_commit=- ' ../none.txt || fail "provenance without --provenance"
}

test_provenance_in_a_shallow_clone_asks_for_history() {
	two_commits
	cd ..
	git clone -q --depth 1 "file://$PWD/repo" shallow
	cd shallow
	run "$MIGC" build -o ../out.c --provenance
	expect_rc 2
	expect_err "--provenance: the history ends at commit"
	expect_err "git fetch --unshallow"
	expect_err "fetch-depth: 0"
	run "$MIGC" build -o ../out.c
	expect_rc 0
}

# ------------------------------------------------------------------ safety

test_repository_owned_by_another_user_is_refused() {
	if [ "$(id -u)" != 0 ]; then
		echo "# skipped: needs root to give the repository to another user"
		return 0
	fi
	two_commits
	cd ..
	chown -R nobody repo
	cd repo
	run "$MIGC" build -o ../out.c
	expect_rc 2
	expect_err "migc: error: the git repository at '$T/repo' is owned by another user"
	expect_err "hint: if you trust it, run: git config --global --add safe.directory $T/repo"
	run "$MIGC" check --base main
	expect_rc 2
	expect_err "safe.directory"
	# libgit2 1.5.1 reports a missing safe.directory setting differently
	# from a non-matching one: both are refused
	git config --global --add safe.directory /somewhere/else
	run "$MIGC" build -o ../out.c
	expect_rc 2
	expect_err "safe.directory $T/repo"
	git config --global --add safe.directory "$T/repo"
	run "$MIGC" build -o ../out.c
	expect_rc 0
}

# A preloaded shim that logs every git_libgit2_init and _shutdown to
# $LIBGIT2_LOG and calls the real one; run_traced CMD... runs under it.
libgit2_shim() {
	cat >shim.c <<-'EOF'
	#define _GNU_SOURCE
	#include <dlfcn.h>
	#include <stdio.h>
	#include <stdlib.h>
	static int call(const char *name)
	{
		FILE *f = fopen(getenv("LIBGIT2_LOG"), "a");
		int (*real)(void);
		*(void **)&real = dlsym(RTLD_NEXT, name);
		if (f) {
			fprintf(f, "%s\n", name);
			fclose(f);
		}
		return real();
	}
	int git_libgit2_init(void) { return call("git_libgit2_init"); }
	int git_libgit2_shutdown(void) { return call("git_libgit2_shutdown"); }
	EOF
	${CC:-cc} -shared -fPIC -o "$T/shim.so" shim.c -ldl || fail "cannot build the shim"
}
run_traced() {
	rm -f "$T/libgit2.log"
	: >"$T/libgit2.log"
	LIBGIT2_LOG="$T/libgit2.log" LD_PRELOAD="$T/shim.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" run "$@"
}
# libgit2_calls: the log of the last run_traced, on one line.
libgit2_calls() { tr '\n' ' ' <"$T/libgit2.log"; }

test_libgit2_is_started_only_to_open_a_repository() {
	libgit2_shim
	mkdir ctx && cd ctx
	mig migrations 0001_a.sql 'SELECT 1;'
	run_traced "$MIGC" build -o out.c
	expect_rc 0
	expect_eq "$(libgit2_calls)" "" "a build outside any repository"
	run_traced "$MIGC" lint
	expect_eq "$(libgit2_calls)" "" "a lint"
	run_traced "$MIGC" build -o bad.c --provenance
	expect_rc 2
	expect_eq "$(libgit2_calls)" "" "--provenance outside a repository"
	cd "$T"
	two_commits
	local both="git_libgit2_init git_libgit2_shutdown "
	run_traced "$MIGC" build -o ../in.c
	expect_rc 0
	expect_out "commit $(git rev-parse --short=12 HEAD) (clean)"
	expect_eq "$(libgit2_calls)" "$both" "a build in a repository"
	run_traced "$MIGC" build --rev HEAD~1 --provenance -o ../rev.c
	expect_rc 0
	expect_eq "$(libgit2_calls)" "$both" "build --rev --provenance"
	run_traced "$MIGC" list --rev HEAD
	expect_rc 0
	expect_eq "$(libgit2_calls)" "$both" "list --rev"
	run_traced "$MIGC" check --base HEAD~1
	expect_eq "$(libgit2_calls)" "$both" "check --base"
	mkdir ../ctx/.git # looks like a repository but is none: libgit2 says so
	cd ../ctx
	run_traced "$MIGC" build -o out2.c
	expect_rc 0
	expect_eq "$(libgit2_calls)" "$both" "a build under a stray .git"
	cmp out.c out2.c || fail "the stray .git changed the bundle"
}

test_release_binary_and_libmigc_do_not_link_libgit2() {
	binary_env
	! nm "$BUILD/libmigc.a" 2>/dev/null | grep -q ' U git_' || fail "libmigc.a uses libgit2"
	mkdir ctx && cd ctx
	mig migrations 0001_a.sql 'SELECT 1;'
	run "$MIGC" build --binary ./migrate
	expect_rc 0
	! ldd ./migrate | grep -q libgit2 || fail "the release binary links libgit2"
	ldd "$MIGC" | grep -q libgit2 || fail "migc itself does not link libgit2?"
}

run_tests
