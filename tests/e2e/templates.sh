#!/usr/bin/env bash
# tests/e2e/templates.sh - the files users copy from templates/, each checked
# by running its commands here (no Docker engine, no network, no platform):
#
#  - docker/Dockerfile: its steps run by tests/dockerfile.py (apt-get steps
#    only checked: their packages must be installed here); the final stage
#    holds nothing but migrate, which runs from there alone and loads only
#    libraries of libc6 (no SQLite, no libgit2, and no libpq, which it loads
#    with dlopen() only for a PostgreSQL URL: libpq5 is the one package the
#    stage installs), and records the commit given as a build argument;
#  - the release-command wiring of Heroku, Fly.io (PostgreSQL and SQLite),
#    Render, Kubernetes, Helm, Convox and Northflank: every file parses, the
#    commands in it are commands `migrate` accepts, they apply the pre-phase
#    migrations of a SQLite database the way the platform would run them
#    (through a shell or split into words), and the skip switch makes them
#    exit 0 without connecting;
#  - github/migrations.yml: it parses, and its run: steps, run in a real git
#    repository, fail a branch that edits a merged migration (drift check)
#    and a staging database that drifted (verify), and pass clean ones.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$MIGC_ROOT/tests/gitlib.sh"

if ! python3 -c 'import yaml' 2>/dev/null && ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	echo "not ok - python3's yaml module is missing (apt-get install python3-yaml)"
	exit 1
fi
TPL=$MIGC_ROOT/templates
# Debian's python3 (python3-yaml) when there is one: it starts faster than a
# version manager's shim, and these tests call it often.
python3() { if [ -x /usr/bin/python3 ]; then /usr/bin/python3 "$@"; else command python3 "$@"; fi; }
DOCKER=$TEST_TMP/docker # the emulated image build, shared by the tests
COMMIT=0123456789abcdef0123456789abcdef01234567

# migc_source DIR: what `make` and `make install` of migc read, as a user's
# third_party/migc would hold it.
migc_source() {
	mkdir -p "$1"
	cp -R "$MIGC_ROOT"/{Makefile,include,runtime,compiler,templates} "$1"/
}

# docker_build: run the Dockerfile once for a project with three migrations
# (the third a post-phase one), without .git; sets FINAL (the final image's
# directory), BUILDER (the builder's) and STAGES (the summary JSON).
docker_build() {
	FINAL=$DOCKER/root/stage1 BUILDER=$DOCKER/root/migrations STAGES=$DOCKER/stages.json
	[ -f "$DOCKER/ok" ] && return 0
	local ctx=$DOCKER/ctx
	mkdir -p "$ctx"
	mig "$ctx/migrations" 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);'
	mig "$ctx/migrations" 0002_posts.sql 'CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER);'
	mig "$ctx/migrations" 0003_drop_email.sql $'-- migc:phase post\nALTER TABLE users DROP COLUMN email;'
	migc_source "$ctx/third_party/migc"
	cp "$TPL/docker/Dockerfile" "$TPL/docker/.dockerignore" "$ctx/"
	python3 "$MIGC_ROOT/tests/dockerfile.py" build "$ctx/Dockerfile" --context "$ctx" \
		--root "$DOCKER/root" --build-arg "MIGC_SOURCE_COMMIT=$COMMIT" \
		>"$STAGES" 2>"$DOCKER/build.log" ||
		fail "the Dockerfile's steps failed: $(tail -n 15 "$DOCKER/build.log")"
	touch "$DOCKER/ok"
}

# cfg FILE EXPR: load a YAML, TOML or JSON file as `d`, print EXPR (a list
# one item per line, booleans as true/false).
cfg() {
	python3 - "$@" <<'EOF'
import json, signal, sys, tomllib, yaml
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
path, expr = sys.argv[1], sys.argv[2]
if path.endswith(".toml"):
    d = tomllib.load(open(path, "rb"))
elif path.endswith(".json"):
    d = json.load(open(path))
else:
    d = yaml.safe_load(open(path))
r = eval(expr)
if isinstance(r, bool):
    print("true" if r else "false")
elif isinstance(r, list):
    print("\n".join(map(str, r)))
else:
    print(r)
EOF
}

# in_image [VAR=VALUE...] -- MODE COMMAND: run a platform's command string as
# the platform would in the final image: MODE sh through `sh -c`, MODE argv
# split into words (shlex, as flyctl does) and executed. Only the image's
# /usr/local/bin (migrate, and a stand-in `app`) comes before /usr/bin:/bin;
# no other variable leaks in (IMAGE_BIN replaces the image's directory). Runs
# in $T/run.
in_image() {
	local envs=() argv=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mkdir -p "$T/run" "$T/image-bin"
	[ -x "$T/image-bin/app" ] || printf '#!/bin/sh\necho "app: serving"\n' >"$T/image-bin/app"
	chmod +x "$T/image-bin/app"
	local path="${IMAGE_BIN:-$FINAL/usr/local/bin}:$T/image-bin:/usr/bin:/bin"
	case $1 in
	sh) argv=(sh -c "$2") ;;
	argv) mapfile -d '' argv < <(python3 -c 'import shlex, sys
sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$2") ;;
	*) fail "in_image: unknown mode $1" ;;
	esac
	cd "$T/run"
	run env -i PATH="$path" HOME="$T" "${envs[@]}" "${argv[@]}"
	cd "$T"
}

# accepts COMMAND: every `migrate ...` invocation in the command string uses
# a command and options migrate knows (`migrate ARGS --help` exits 0).
accepts() {
	local line
	while IFS= read -r line; do
		local -a words
		read -r -a words <<<"$line"
		run "$FINAL/usr/local/bin/migrate" "${words[@]}" --help
		[ "$RC" = 0 ] || fail "migrate does not accept '${words[*]}' (from '$1'): exit $RC"
	done < <(python3 -c 'import re, shlex, sys
def segments(cmd):
    w = shlex.split(cmd)
    if w[:2] == ["sh", "-c"]:  # sh -c SCRIPT: the commands of SCRIPT
        return segments(w[2])
    return [shlex.split(s) for s in re.split(r"&&|\|\||;|\|", cmd)]
for w in segments(sys.argv[1]):
    if w[:1] == ["exec"]:
        w = w[1:]
    if w[:1] == ["migrate"]:
        print(" ".join(w[1:]))' "$1")
}

# expect_release MODE COMMAND [VAR=VALUE...]: COMMAND, run as the release
# command, applies the pre-phase migrations of a fresh SQLite database (the
# post-phase one stays deferred); with MIGC_SKIP=1 it exits 0 without
# touching a database it could not even open.
expect_release() {
	local mode=$1 cmd=$2
	shift 2
	accepts "$cmd"
	rm -rf "$T/db" && mkdir -p "$T/db"
	in_image DATABASE_URL="sqlite:$T/db/app.db" "$@" -- "$mode" "$cmd"
	expect_rc 0
	expect_out "applied 0001 users"
	expect_out "applied 0002 posts"
	expect_out "1 post-phase migration deferred"
	expect_eq "$(sql "$T/db/app.db" "SELECT group_concat(version, ',') FROM (SELECT version FROM migc_history ORDER BY version)")" \
		"0001,0002" "applied versions"
	in_image DATABASE_URL="sqlite:$T/nowhere/app.db" "$@" MIGC_SKIP=1 -- "$mode" "$cmd"
	expect_rc 0
	expect_err "MIGC_SKIP is set"
	[ ! -e "$T/nowhere" ] || fail "MIGC_SKIP=1 still touched the database"
}

# broken_migrate DIR: a release binary whose second migration fails, built
# with the migc the Dockerfile installed.
broken_migrate() {
	mig "$T/broken" 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY);'
	mig "$T/broken" 0002_bad.sql 'CREATE TABLE users (id INTEGER);'
	mkdir -p "$1"
	"$BUILDER/usr/local/bin/migc" build "$T/broken" --binary "$1/migrate" >/dev/null 2>&1 ||
		fail "building the broken binary failed"
}

# ------------------------------------------------------------------ Dockerfile

test_dockerfile_builds_migrate_with_sqlite_static_and_libpq_loaded_on_use() {
	docker_build
	expect_eq "$(cfg "$STAGES" 'len(d)')" 2 "stages"
	expect_eq "$(cfg "$STAGES" 'd[0]["image"]')" "debian:bookworm" "builder image"
	expect_eq "$(cfg "$STAGES" 'd[-1]["image"]')" "debian:bookworm-slim" "final image"
	expect_eq "$(cfg "$STAGES" 'd[-1]["apt"]')" "libpq5" "final stage packages"
	expect_eq "$(cfg "$STAGES" 'd[-1]["entrypoint"]')" "None" "final ENTRYPOINT"
	# the final stage holds migrate and nothing else
	expect_eq "$(cd "$FINAL" && find . -type f)" "./usr/local/bin/migrate" "files of the final stage"
	run python3 "$MIGC_ROOT/tests/dockerfile.py" ldd-check "$FINAL/usr/local/bin/migrate" \
		$(cfg "$STAGES" 'd[-1]["apt"]')
	expect_rc 0
	expect_no "libpq"
	expect_no "sqlite"
	expect_no "git2"
	# libpq5 is there for what migrate loads for a PostgreSQL URL
	run python3 "$MIGC_ROOT/tests/dockerfile.py" ldd-check "$FINAL/usr/local/bin/migrate" \
		$(cfg "$STAGES" 'd[-1]["apt"]') --dlopen libpq.so.5
	expect_rc 0
	expect_out "dlopen libpq.so.5"
	expect_out "libpq5"
	expect_out "dlopen libssl.so"
	# it runs from there alone, in an empty directory
	in_image -- argv "migrate info --format json"
	expect_rc 0
	expect_eq "$(json_get 'd["source_commit"]')" "$COMMIT" "source commit (build argument)"
	expect_eq "$(json_get 'd["migrations"]')" 3 "migrations"
	in_image DATABASE_URL="sqlite:$T/run/app.db" -- argv "migrate up --phase all"
	expect_rc 0
	expect_out "3 migrations applied"
}

test_dockerfile_apt_steps_name_packages_installed_here() {
	docker_build
	# tests/dockerfile.py refuses an apt-get step whose packages are not
	# installed here. The builder installs what migc's build needs, and the
	# packages CI installs (.ci/packages) include them, so a fresh machine
	# can run this test.
	local p
	for p in build-essential pkg-config libsqlite3-dev libxxhash-dev libgit2-dev libpq-dev; do
		cfg "$STAGES" 'd[0]["apt"]' | grep -qx "$p" || fail "the builder does not install $p"
		grep -qx "$p" "$MIGC_ROOT/.ci/packages" || fail "$p is not in .ci/packages"
	done
}

# ------------------------------------------------------------------ Heroku

test_heroku_release_phase() {
	docker_build
	local cmd
	cmd=$(sed -n 's/^release: *//p' "$TPL/heroku/Procfile")
	expect_eq "$cmd" "migrate up" "Procfile release"
	expect_release sh "$cmd"
	cmd=$(cfg "$TPL/heroku/heroku.yml" 'd["release"]["command"]')
	expect_eq "$(cfg "$TPL/heroku/heroku.yml" 'd["release"]["image"]')" web "heroku.yml release image"
	expect_release sh "$cmd"
	grep -q 'one hour' "$TPL/heroku/heroku.yml" || fail "heroku.yml does not note the one-hour limit"
	# review apps: the skip switch comes from app.json
	local skip
	skip=$(cfg "$TPL/heroku/app.json" 'd["environments"]["review"]["env"]["MIGC_SKIP"]')
	in_image DATABASE_URL="sqlite:$T/nowhere/app.db" MIGC_SKIP="$skip" -- sh "$cmd"
	expect_rc 0
	expect_err "MIGC_SKIP is set"
}

# ------------------------------------------------------------------ Fly.io

test_fly_release_command() {
	docker_build
	local f=$TPL/fly/fly.toml cmd
	cmd=$(cfg "$f" 'd["deploy"]["release_command"]')
	expect_eq "$cmd" "migrate up" "release_command"
	cfg "$f" 'd["deploy"]["release_command_timeout"]' | grep -Eq '^[0-9]+[smh]$' ||
		fail "release_command_timeout is not a duration"
	expect_release argv "$cmd"
}

test_fly_sqlite_migrates_at_boot() {
	docker_build
	local f=$TPL/fly/fly.sqlite.toml cmd url
	cfg "$f" '"release_command" in d.get("deploy", {})' | grep -qx false ||
		fail "a SQLite app must not use release_command (no volume there)"
	expect_eq "$(cfg "$f" 'd["mounts"]["destination"]')" /data "volume"
	cmd=$(cfg "$f" 'd["processes"]["app"]')
	url=$(cfg "$f" 'd["env"]["DATABASE_URL"]')
	expect_eq "$url" "sqlite:///data/app.db" "DATABASE_URL"
	url="sqlite://$T/data/app.db" # the volume, here
	mkdir -p "$T/data"
	accepts "$cmd"
	in_image DATABASE_URL="$url" -- argv "$cmd"
	expect_rc 0
	expect_out "applied 0001 users"
	expect_out "app: serving"
	expect_eq "$(sql "$T/data/app.db" 'SELECT count(*) FROM migc_history')" 2 "history rows"
	# a failed migration: the app does not start
	broken_migrate "$T/broken-bin"
	rm -rf "$T/data" && mkdir -p "$T/data"
	IMAGE_BIN=$T/broken-bin in_image DATABASE_URL="$url" -- argv "$cmd"
	[ "$RC" != 0 ] || fail "a failed migration exited 0"
	expect_no "app: serving"
}

# ------------------------------------------------------------------ Render

test_render_pre_deploy_command() {
	docker_build
	local f=$TPL/render/render.yaml cmd skip
	expect_eq "$(cfg "$f" 'd["services"][0]["runtime"]')" docker "runtime"
	cmd=$(cfg "$f" 'd["services"][0]["preDeployCommand"]')
	expect_eq "$cmd" "migrate up" "preDeployCommand"
	expect_eq "$(cfg "$f" '[e["fromDatabase"]["property"] for e in d["services"][0]["envVars"] if e["key"] == "DATABASE_URL"]')" \
		connectionString "DATABASE_URL from the database"
	skip=$(cfg "$f" '[e["value"] for e in d["services"][0]["envVars"] if e["key"] == "MIGC_SKIP"][0]')
	# MIGC_SKIP=0 migrates; the preview override is documented beside it
	expect_release argv "$cmd" MIGC_SKIP="$skip"
	expect_release sh "$cmd" MIGC_SKIP="$skip"
	grep -q 'previewValue: "1"' "$f" || fail "render.yaml does not show the preview skip switch"
}

# ------------------------------------------------------------------ Kubernetes

# k8s_env MANIFEST-EXPR FILE: the container's env as VAR=VALUE words, with
# DATABASE_URL (a secretKeyRef) replaced by the test's database.
k8s_env() {
	cfg "$2" "[e['name'] + '=' + (e['value'] if 'value' in e else 'SECRET:' + e['valueFrom']['secretKeyRef']['name'] + '/' + e['valueFrom']['secretKeyRef']['key']) for e in $1['env']]"
}

# check_job FILE SECRET: the Job in FILE waits, then migrates, once.
check_job() {
	local f=$1 secret=$2 spec='d["spec"]' init main
	expect_eq "$(cfg "$f" 'd["kind"]')" Job "kind"
	expect_eq "$(cfg "$f" "${spec}['backoffLimit']")" 0 "backoffLimit"
	cfg "$f" "${spec}['activeDeadlineSeconds']" | grep -Eq '^[1-9][0-9]*$' ||
		fail "activeDeadlineSeconds is not a number of seconds"
	expect_eq "$(cfg "$f" "${spec}['template']['spec']['restartPolicy']")" Never "restartPolicy"
	init="${spec}['template']['spec']['initContainers'][0]"
	main="${spec}['template']['spec']['containers'][0]"
	expect_eq "$(cfg "$f" "${init}['command'][:2]")" $'migrate\nwait' "init container"
	expect_eq "$(cfg "$f" "${main}['command']")" $'migrate\nup' "container"
	k8s_env "$init" "$f" | grep -qx "DATABASE_URL=SECRET:$secret" || fail "init container: DATABASE_URL is not from $secret"
	k8s_env "$main" "$f" | grep -qx "DATABASE_URL=SECRET:$secret" || fail "container: DATABASE_URL is not from $secret"
	# run both commands, in order, with the container's other variables
	local -a icmd mcmd envs
	mapfile -t icmd < <(cfg "$f" "${init}['command']")
	mapfile -t mcmd < <(cfg "$f" "${main}['command']")
	mapfile -t envs < <(k8s_env "$main" "$f" | grep -v '^DATABASE_URL=')
	accepts "${icmd[*]}"
	accepts "${mcmd[*]}"
	rm -rf "$T/db" && mkdir -p "$T/db"
	in_image DATABASE_URL="sqlite:$T/db/app.db" -- sh "${icmd[*]} && ${mcmd[*]}"
	expect_rc 0
	expect_out "is ready"
	expect_out "applied 0002 posts"
	in_image DATABASE_URL="sqlite:$T/db/app.db" "${envs[@]}" -- sh "${mcmd[*]}"
	expect_rc 0
	expect_out "database is up to date"
	K8S_ENV=("${envs[@]}")
	K8S_CMD="${mcmd[*]}"
}

test_kubernetes_job() {
	docker_build
	check_job "$TPL/kubernetes/migrate-job.yaml" myapp-database/url
	printf '%s\n' "${K8S_ENV[@]}" | grep -qx 'MIGC_SKIP=0' || fail "the Job has no MIGC_SKIP switch"
	in_image DATABASE_URL="sqlite:$T/nowhere/app.db" MIGC_SKIP=1 -- sh "$K8S_CMD"
	expect_rc 0
	expect_err "MIGC_SKIP is set"
}

# helm_render OUT [VALUE=...]: render the chart's hook with values.yaml (and
# overrides such as migrations.skip=true). Only `{{ .Path }}` and
# `{{ .Path | quote }}` are understood; anything else fails the test, so a
# template feature that this check cannot follow is noticed.
helm_render() {
	python3 - "$TPL/helm" "$@" <<'EOF' || fail "rendering the Helm hook failed"
import json, re, sys, yaml
chart, out, overrides = sys.argv[1], sys.argv[2], sys.argv[3:]
values = yaml.safe_load(open(chart + "/values.yaml"))
for o in overrides:
    path, _, v = o.partition("=")
    *parents, last = path.split(".")
    node = values
    for p in parents:
        node = node[p]
    node[last] = yaml.safe_load(v)
meta = yaml.safe_load(open(chart + "/Chart.yaml"))
ctx = {"Values": values, "Release": {"Name": "myapp", "Namespace": "default"},
       "Chart": {k[0].upper() + k[1:]: v for k, v in meta.items()}}
def value(m):
    node = ctx
    for p in m.group(1).split(".")[1:]:
        node = node[p]
    s = ("true" if node else "false") if isinstance(node, bool) else str(node)
    return json.dumps(s) if m.group(2) else s
text = open(chart + "/templates/migrate-job.yaml").read()
text = re.sub(r"{{-?\s*(\.[A-Za-z][\w.]*)\s*(\|\s*quote\s*)?-?}}", value, text)
if "{{" in text:
    sys.exit("unsupported template construct: " + text[text.index("{{"):][:60])
open(out, "w").write(text)
EOF
}

test_helm_pre_upgrade_hook() {
	docker_build
	expect_eq "$(cfg "$TPL/helm/Chart.yaml" 'd["apiVersion"]')" v2 "Chart apiVersion"
	helm_render "$T/job.yaml"
	local a='d["metadata"]["annotations"]'
	expect_eq "$(cfg "$T/job.yaml" "${a}['helm.sh/hook']")" "pre-install,pre-upgrade" "hook"
	cfg "$T/job.yaml" "${a}['helm.sh/hook-weight']" | grep -Eq '^-?[0-9]+$' || fail "hook-weight is not a number"
	expect_eq "$(cfg "$T/job.yaml" "${a}['helm.sh/hook-delete-policy']")" \
		"before-hook-creation,hook-succeeded" "hook-delete-policy"
	expect_eq "$(cfg "$T/job.yaml" 'type(d["spec"]["activeDeadlineSeconds"]).__name__')" int \
		"activeDeadlineSeconds renders as a number"
	expect_eq "$(cfg "$T/job.yaml" 'd["metadata"]["name"]')" myapp-migrate "Job name"
	check_job "$T/job.yaml" myapp-database/url
	printf '%s\n' "${K8S_ENV[@]}" | grep -qx 'MIGC_SKIP=false' || fail "skip: false does not render MIGC_SKIP=false"
	# review environments: --set migrations.skip=true
	helm_render "$T/job-skip.yaml" migrations.skip=true
	k8s_env 'd["spec"]["template"]["spec"]["containers"][0]' "$T/job-skip.yaml" | grep -qx 'MIGC_SKIP=true' ||
		fail "skip: true does not render MIGC_SKIP=true"
	in_image DATABASE_URL="sqlite:$T/nowhere/app.db" MIGC_SKIP=true -- sh "$K8S_CMD"
	expect_rc 0
	expect_err "MIGC_SKIP is set"
}

# ------------------------------------------------------------------ Convox

# fake_convox: a `convox` that logs its calls to $T/convox.log; `build`
# prints a release id, `run SERVICE [--app A] [--release R] CMD...` runs CMD
# here (as a one-off process of release R would), `releases promote` only logs.
fake_convox() {
	mkdir -p "$T/convox-bin"
	cat >"$T/convox-bin/convox" <<'EOF'
#!/bin/sh
echo "convox $*" >>"$CONVOX_LOG"
case $1 in
build) echo "building..." >&2; echo RTEST12345 ;;
run)
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in --app|--release) shift 2 ;; *) break ;; esac
	done
	exec "$@" ;;
releases) ;;
*) echo "fake convox: unknown command $1" >&2; exit 2 ;;
esac
EOF
	chmod +x "$T/convox-bin/convox"
}

test_convox_migrates_before_promote() {
	docker_build
	local f=$TPL/convox/convox.yml
	expect_eq "$(cfg "$f" 'd["services"]["web"]["resources"]')" database "web's resources"
	expect_eq "$(cfg "$f" 'd["resources"]["database"]["type"]')" postgres "database resource"
	cfg "$f" 'd["environment"]' | grep -qx 'MIGC_SKIP=0' || fail "convox.yml has no MIGC_SKIP switch"
	grep -q 'Before Promote' "$f" || fail "convox.yml does not explain the Before Promote hook"
	fake_convox
	local path="$T/convox-bin:$FINAL/usr/local/bin:/usr/bin:/bin"
	mkdir -p "$T/db"
	run env -i PATH="$path" CONVOX_LOG="$T/convox.log" CONVOX_APP=myapp \
		DATABASE_URL="sqlite:$T/db/app.db" sh "$TPL/convox/deploy.sh"
	expect_rc 0
	expect_out "applied 0002 posts"
	expect_eq "$(cat "$T/convox.log")" "convox build . --app myapp --id
convox run web --app myapp --release RTEST12345 migrate up
convox releases promote RTEST12345 --app myapp" "convox calls"
	accepts "migrate up"
	# a failed migration: no promotion
	broken_migrate "$T/broken-bin"
	rm -f "$T/convox.log" "$T/db/app.db"
	run env -i PATH="$T/convox-bin:$T/broken-bin:/usr/bin:/bin" CONVOX_LOG="$T/convox.log" \
		CONVOX_APP=myapp DATABASE_URL="sqlite:$T/db/app.db" sh "$TPL/convox/deploy.sh"
	[ "$RC" != 0 ] || fail "deploy.sh exited 0 after a failed migration"
	! grep -q promote "$T/convox.log" || fail "a release was promoted after a failed migration"
	# the skip switch
	rm -f "$T/convox.log"
	run env -i PATH="$path" CONVOX_LOG="$T/convox.log" CONVOX_APP=myapp MIGC_SKIP=1 \
		DATABASE_URL="sqlite:$T/nowhere/app.db" sh "$TPL/convox/deploy.sh"
	expect_rc 0
	grep -q 'releases promote RTEST12345' "$T/convox.log" || fail "MIGC_SKIP=1 did not promote"
	[ ! -e "$T/nowhere" ] || fail "MIGC_SKIP=1 still touched the database"
}

# ------------------------------------------------------------------ Northflank

test_northflank_release_flow() {
	docker_build
	local y=$TPL/northflank/release-flow.yaml j=$TPL/northflank/release-flow.json cmd
	python3 -c 'import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b else "release-flow.json differs from release-flow.yaml")' "$y" "$j" ||
		fail "the JSON and the YAML release flow differ"
	local steps='d["spec"]["spec"]["steps"]'
	expect_eq "$(cfg "$y" 'd["spec"]["spec"]["type"]')" sequential "workflow type"
	expect_eq "$(cfg "$y" "[s['kind'] for s in $steps]")" $'AddonBackup\nRelease\nJobRun\nRelease' \
		"back up, deploy the job, migrate, promote"
	expect_eq "$(cfg "$y" "[s['condition'] for s in ${steps}[:3]]")" $'success\nrunning\nsuccess' "conditions"
	expect_eq "$(cfg "$y" "${steps}[1]['spec']['target']['id'] == ${steps}[2]['spec']['jobId']")" true \
		"the migration runs the job the new image was deployed to"
	cmd=$(cfg "$y" "${steps}[2]['spec']['deployment']['docker']['customCommand']")
	expect_eq "$(cfg "$y" "${steps}[2]['spec']['deployment']['docker']['configType']")" customCommand "configType"
	expect_release argv "$cmd"
}

# ------------------------------------------------------------------ GitHub Actions

# gh_job FILE JOB REPO [SECRET-URL]: run the job's steps in REPO the way a
# runner would: `uses:` steps are checked (checkout's fetch-depth), apt-get
# steps only checked (their packages installed here), other run: blocks run
# with bash -eo pipefail, ${{ github.base_ref }} = main and the secret
# STAGING_DATABASE_URL = SECRET-URL; $GITHUB_PATH is honoured. Stops at the
# first failing step; RC/OUT/ERR are that step's (or the last one's).
gh_job() {
	local file=$1 job=$2 repo=$3 secret=${4:-}
	python3 - "$file" "$job" "$secret" >"$T/steps.json" <<'EOF'
import json, re, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
job = d["jobs"][sys.argv[2]]
def subst(s):
    s = s.replace("${{ github.base_ref }}", "main")
    s = s.replace("${{ secrets.STAGING_DATABASE_URL }}", sys.argv[3])
    if "${{" in s:
        sys.exit("unknown expression in: " + s)
    return s
env = {k: subst(str(v)) for k, v in job.get("env", {}).items()}
steps = []
for st in job["steps"]:
    if "uses" in st:
        steps.append({"uses": st["uses"], "with": st.get("with", {})})
    else:
        steps.append({"run": subst(st["run"])})
print(json.dumps({"env": env, "steps": steps}))
EOF
	[ -s "$T/steps.json" ] || fail "cannot read job $job"
	local n i step gpath="$T/github_path"
	: >"$gpath"
	n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["steps"]))' "$T/steps.json")
	local -a jobenv
	mapfile -t jobenv < <(python3 -c 'import json, sys
for k, v in json.load(open(sys.argv[1]))["env"].items(): print(k + "=" + v)' "$T/steps.json")
	for ((i = 0; i < n; i++)); do
		step=$(python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["steps"][int(sys.argv[2])]))' "$T/steps.json" "$i")
		case $step in
		*'"uses"'*) continue ;;
		esac
		local script
		script=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["run"])' "$step")
		if grep -q 'apt-get' <<<"$script"; then
			local p
			for p in $(sed -n 's/.*apt-get install\(.*\)$/\1/p' <<<"$script"); do
				case $p in -*) continue ;; esac
				dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
					fail "the workflow installs $p, which is not installed here"
			done
			continue
		fi
		local path="/usr/bin:/bin"
		[ -s "$gpath" ] && path="$(tac "$gpath" | paste -sd:):$path"
		cd "$repo"
		run env -i PATH="$path" HOME="$HOME" GITHUB_PATH="$gpath" GIT_CONFIG_NOSYSTEM=1 \
			GIT_CEILING_DIRECTORIES="$GIT_CEILING_DIRECTORIES" TMPDIR="${TMPDIR:-/tmp}" "${jobenv[@]}" \
			bash --noprofile --norc -eo pipefail -c "$script"
		cd "$T"
		[ "$RC" = 0 ] || return 0
	done
}

test_github_workflow() {
	docker_build
	local f=$TPL/github/migrations.yml
	expect_eq "$(cfg "$f" 'd["jobs"]["drift-check"]["steps"][0]["with"]["fetch-depth"]')" 0 "fetch-depth"
	cfg "$f" 'd["jobs"]["drift-check"]["if"]' | grep -q pull_request || fail "drift-check does not run on pull requests"
	cfg "$f" 'd["jobs"]["verify-staging"]["env"]["DATABASE_URL"]' | grep -q 'secrets.STAGING_DATABASE_URL' ||
		fail "verify-staging does not take DATABASE_URL from a secret"
	# a project: main with two migrations, pushed to a bare origin
	git init -q --bare origin.git
	new_repo project
	git remote add origin ../origin.git
	echo third_party/ >>.git/info/exclude
	add_mig 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY);'
	add_mig 0002_posts.sql 'CREATE TABLE posts (id INTEGER PRIMARY KEY);'
	git push -q origin main && git fetch -q origin
	mkdir -p third_party && cp -a "$BUILDER/src/migc" third_party/migc # built: make is quick
	cd "$T"
	# staging is at main
	"$BUILDER/usr/local/bin/migc" build project/migrations --binary "$T/main-migrate" >/dev/null 2>&1 ||
		fail "building main's binary failed"
	DATABASE_URL="sqlite:$T/staging.db" "$T/main-migrate" up -q || fail "migrating staging failed"
	# a branch that only adds a migration passes both jobs
	(cd project && git checkout -q -b add-comments && add_mig 0003_comments.sql 'CREATE TABLE comments (id INTEGER);')
	gh_job "$f" drift-check "$T/project"
	expect_rc 0
	gh_job "$f" verify-staging "$T/project" "sqlite:$T/staging.db"
	expect_rc 0
	expect_out "1 pending"
	# a branch that edits a merged migration fails both
	(cd project && git checkout -q main && git checkout -q -b edit-merged &&
		mig migrations 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);' &&
		git commit -q -am 'edit a merged migration')
	gh_job "$f" drift-check "$T/project"
	expect_rc 1
	expect_out "::error file=migrations/0001_users.sql"
	gh_job "$f" verify-staging "$T/project" "sqlite:$T/staging.db"
	expect_rc 3
	expect_err "0001_users.sql"
}

run_tests
