#!/usr/bin/env bash
# tests/e2e/release_path.sh - the whole path, as a user walks it:
#
#   1. a project with migrations in git (main pushed to an `origin`), migc's
#      source in third_party/migc, and templates/docker/Dockerfile;
#   2. the Dockerfile's steps run here (tests/dockerfile.py) with .git in the
#      build context: the release binary records HEAD's commit, and the final
#      stage holds nothing but it;
#   3. that binary, run as Fly.io's release command (templates/fly/fly.toml),
#      migrates a real PostgreSQL: the pre phase leaves the `-- migc:phase
#      post` migration deferred, the old code's column still there;
#   4. the post phase after the new code is live drops it; a second deploy
#      of the same image has nothing to do;
#   5. the CI drift check of templates/github/migrations.yml on a branch that
#      edits a merged migration fails with the finding, and passes on one that
#      only adds a migration.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$MIGC_ROOT/tests/pg.sh"
source "$MIGC_ROOT/tests/gitlib.sh"

if ! pg_available; then
	echo "# skipped: PostgreSQL server binaries not found (apt-get install postgresql)"
	exit 0
fi
pg_start || { echo "not ok - pg_start: could not start PostgreSQL"; exit 1; }
python3() { if [ -x /usr/bin/python3 ]; then /usr/bin/python3 "$@"; else command python3 "$@"; fi; }
python3 -c 'import yaml' 2>/dev/null || { echo "not ok - python3's yaml module is missing (apt-get install python3-yaml)"; exit 1; }

TPL=$MIGC_ROOT/templates

# cfg FILE EXPR: a value from a TOML or YAML file (as `d`).
cfg() {
	python3 - "$@" <<'EOF'
import sys, tomllib, yaml
path, expr = sys.argv[1], sys.argv[2]
d = tomllib.load(open(path, "rb")) if path.endswith(".toml") else yaml.safe_load(open(path))
print(eval(expr))
EOF
}

# in_image [VAR=VALUE...] -- COMMAND: run a command string split into words
# (as flyctl splits release_command) with only the final image's
# /usr/local/bin before /usr/bin:/bin.
in_image() {
	local envs=() argv=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mapfile -d '' argv < <(python3 -c 'import shlex, sys
sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$1")
	run env -i PATH="$FINAL/usr/local/bin:/usr/bin:/bin" HOME="$T" "${envs[@]}" "${argv[@]}"
}

test_the_release_path() {
	# 1. the project
	git init -q --bare origin.git
	new_repo project
	git remote add origin ../origin.git
	printf 'third_party/\n' >.git/info/exclude
	add_mig 0001_users.sql 'CREATE TABLE users (id bigint PRIMARY KEY, name text, legacy_flag boolean);'
	add_mig 0002_orders.sql 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);'
	add_mig 0003_drop_legacy_flag.sql $'-- migc:phase post\n-- the old code still reads legacy_flag: drop it once the new code is live\nALTER TABLE users DROP COLUMN legacy_flag;'
	cp "$TPL/docker/Dockerfile" "$TPL/docker/.dockerignore" .
	git add Dockerfile .dockerignore && gcommit 'Dockerfile'
	git push -q origin main && git fetch -q origin
	mkdir -p third_party/migc
	cp -R "$MIGC_ROOT"/{Makefile,include,runtime,compiler,templates} third_party/migc/
	local head
	head=$(git rev-parse HEAD)
	cd "$T"

	# 2. the image build, with .git in the context
	python3 "$MIGC_ROOT/tests/dockerfile.py" build project/Dockerfile --context project \
		--root "$T/image" >"$T/stages.json" 2>"$T/build.log" ||
		fail "the Dockerfile's steps failed: $(tail -n 15 "$T/build.log")"
	grep -q "commit ${head:0:12} (clean)" "$T/build.log" || fail "the build did not record HEAD, clean: $(tail -n 3 "$T/build.log")"
	FINAL=$T/image/stage1
	expect_eq "$(cd "$FINAL" && find . -type f)" "./usr/local/bin/migrate" "files of the final stage"
	in_image -- "migrate info"
	expect_rc 0
	expect_out "source commit:    $head"

	# 3. the release command, pre phase, against PostgreSQL
	createdb app || fail "createdb failed"
	local url="postgresql://$PGUSER@127.0.0.1:$PGPORT/app" release
	release=$(cfg "$TPL/fly/fly.toml" 'd["deploy"]["release_command"]')
	expect_eq "$release" "migrate up" "Fly release_command"
	in_image DATABASE_URL="$url" -- "$release"
	expect_rc 0
	expect_out "applied 0001 users"
	expect_out "applied 0002 orders"
	expect_out "1 post-phase migration deferred"
	expect_eq "$(psql -X -A -t -d app -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'legacy_flag'")" 1 \
		"the old code's column after the pre phase"
	in_image DATABASE_URL="$url" -- "migrate status --phase pre"
	expect_rc 0
	grep -E '^0003 +drop_legacy_flag +deferred' <<<"$OUT" >/dev/null || fail "status does not show 0003 deferred"
	in_image DATABASE_URL="$url" -- "migrate verify"
	expect_rc 0

	# 4. the post phase, then the same image deployed again
	in_image DATABASE_URL="$url" -- "migrate up --phase post"
	expect_rc 0
	expect_out "applied 0003 drop_legacy_flag"
	expect_eq "$(psql -X -A -t -d app -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'legacy_flag'")" 0 \
		"the column after the post phase"
	expect_eq "$(psql -X -A -t -d app -c "SELECT string_agg(version || ':' || source_commit, ',' ORDER BY version) FROM migc_history")" \
		"0001:$head,0002:$head,0003:$head" "history rows and their source commit"
	in_image DATABASE_URL="$url" -- "$release"
	expect_rc 0
	expect_out "database is up to date"

	# 5. the CI drift check on branches (the workflow's own command line)
	local check
	check=$(cfg "$TPL/github/migrations.yml" '[s["run"] for s in d["jobs"]["drift-check"]["steps"] if "migc check" in s.get("run", "")][0]')
	check=${check//'${{ github.base_ref }}'/main}
	cd project
	git checkout -q -b add-index
	add_mig 0004_orders_user_id.sql 'CREATE INDEX orders_user_id ON orders (user_id);'
	PATH="$T/image/migrations/usr/local/bin:$PATH" run bash -eo pipefail -c "$check"
	expect_rc 0
	git checkout -q main
	git checkout -q -b edit-merged
	mig migrations 0002_orders.sql 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, total numeric);'
	git commit -q -am 'add total to orders'
	PATH="$T/image/migrations/usr/local/bin:$PATH" run bash -eo pipefail -c "$check"
	expect_rc 1
	expect_out "::error file=migrations/0002_orders.sql"
	expect_out "edited"
}

run_tests
