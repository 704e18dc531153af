#!/usr/bin/env bash
# tests/e2e/install.sh - `make install` / `make uninstall`, as a C tool:
#
#  - the installed files, exactly (bin, lib, include, pkg-config, man pages,
#    the templates users copy), with their modes; DESTDIR staging; uninstall
#    leaves no file behind;
#  - the installed migc, moved elsewhere as a whole and run from another
#    directory, builds a release binary with the installed libmigc.a and
#    migc.h (not the build tree's), and that binary runs;
#  - `pkg-config --cflags --libs migc` builds templates/embed/app.c, and
#    links SQLite the way `migc build --binary` does (statically when
#    libsqlite3.a was there at build time);
#  - the man pages render without a warning (groff -ww, man -l), and agree
#    with the help texts: every command, option, environment variable and
#    exit code of `migc COMMAND --help` and `migrate COMMAND --help` is in
#    the page, and every option the page documents is in the help.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

sanitize_binaries
for tool in groff:groff-base man:man-db pkg-config:pkg-config; do
	command -v "${tool%%:*}" >/dev/null ||
		{ echo "not ok - ${tool%%:*} is missing (apt-get install ${tool#*:})"; exit 1; }
done
VERSION=$(sed -n 's/^#define MIGC_VERSION "\(.*\)"$/\1/p' "$MIGC_ROOT/include/migc.h")

# make_in TARGET VAR=VALUE...: run the top-level Makefile's TARGET for the
# build under test, as a user would (not as a sub-make of `make test`).
make_in() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$MIGC_ROOT" BUILD="$BUILD" \
		SANITIZE="${SANITIZE:-}" "$@" >"$T/make.log" 2>&1 ||
		fail "make $* failed: $(tail -n 20 "$T/make.log")"
}

# The files `make install` must install under PREFIX, with their modes.
expected_files() {
	{
		echo "755 bin/migc"
		echo "644 lib/libmigc.a"
		echo "644 lib/pkgconfig/migc.pc"
		echo "644 share/man/man1/migc.1"
		echo "644 share/man/man1/migrate.1"
		local h f
		for h in "$MIGC_ROOT"/include/*.h; do echo "644 include/${h##*/}"; done
		(cd "$MIGC_ROOT/templates" && find . -type f | sed 's|^\./||') | while read -r f; do
			case $f in bundle.c.in | migc.pc.in | man/* | example/demo.sh) continue ;; esac
			if [ -x "$MIGC_ROOT/templates/$f" ]; then echo "755 share/migc/templates/$f"; else echo "644 share/migc/templates/$f"; fi
		done
	} | LC_ALL=C sort -k2
}

installed_files() { # DIR
	(cd "$1" && find . -type f -printf '%m %P\n') | LC_ALL=C sort -k2
}

# a tiny migrations directory
migrations() {
	mig m 0001_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);'
	mig m 0002_posts.sql 'CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER);'
}

test_install_puts_every_file_in_its_place() {
	make_in install PREFIX="$T/prefix"
	expect_eq "$(installed_files "$T/prefix")" "$(expected_files)" "installed files"
	expect_eq "$(sed -n 's/^prefix=//p' "$T/prefix/lib/pkgconfig/migc.pc")" "$T/prefix" "migc.pc prefix"
	expect_eq "$(sed -n 's/^Version: //p' "$T/prefix/lib/pkgconfig/migc.pc")" "$VERSION" "migc.pc version"
	cmp -s "$T/prefix/bin/migc" "$BUILD/migc" || fail "bin/migc is not the build's migc"
	run "$T/prefix/bin/migc" --version
	expect_rc 0
	expect_out "migc $VERSION"
}

test_destdir_stages_and_uninstall_removes_everything() {
	make_in install PREFIX=/opt/migc DESTDIR="$T/stage"
	expect_eq "$(installed_files "$T/stage/opt/migc")" "$(expected_files)" "staged files"
	expect_eq "$(find "$T/stage" -mindepth 1 -maxdepth 1)" "$T/stage/opt" "nothing outside DESTDIR/PREFIX"
	expect_eq "$(sed -n 's/^prefix=//p' "$T/stage/opt/migc/lib/pkgconfig/migc.pc")" /opt/migc "migc.pc prefix (not DESTDIR)"
	make_in uninstall PREFIX=/opt/migc DESTDIR="$T/stage"
	expect_eq "$(find "$T/stage" -type f)" "" "files left after uninstall"
	make_in install PREFIX="$T/prefix"
	make_in uninstall PREFIX="$T/prefix"
	expect_eq "$(find "$T/prefix" -type f)" "" "files left after uninstall"
}

# cc_uses [-I]PATH: the recorded compiler call has PATH (normalised) as an argument.
cc_uses() {
	local a prefix=
	case $1 in -I*) prefix=-I ;; esac
	while IFS= read -r a; do
		case $a in "$prefix"/*) ;; *) continue ;; esac
		[ "$prefix$(realpath -m "${a#"$prefix"}")" = "$1" ] && return 0
	done <"$T/cc.args"
	return 1
}

test_installed_migc_builds_a_binary_anywhere() {
	make_in install PREFIX="$T/prefix"
	# the installed tree, moved as a whole; migc run from another directory
	mv "$T/prefix" "$T/moved"
	mkdir -p "$T/elsewhere" && cd "$T/elsewhere"
	migrations
	# a C compiler that records how migc calls it
	cat >"$T/cc-log" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/cc.args"
exec cc "\$@"
EOF
	chmod +x "$T/cc-log"
	CC="$T/cc-log" run "$T/moved/bin/migc" build m --binary ./migrate
	expect_rc 0
	cc_uses "$T/moved/lib/libmigc.a" || fail "not linked with the installed libmigc.a: $(cat "$T/cc.args")"
	cc_uses "-I$T/moved/include" || fail "not compiled with the installed headers: $(cat "$T/cc.args")"
	! grep -q "$BUILD" "$T/cc.args" || fail "the build tree was used: $(cat "$T/cc.args")"
	DATABASE_URL=sqlite:app.db run ./migrate up
	expect_rc 0
	expect_out "2 migrations applied"
	run ./migrate --version
	expect_out "migc $VERSION"
	# MIGC_LINK_LIBS replaces the libraries: SQLite static (libpq is
	# loaded when needed, not linked)
	MIGC_LINK_LIBS="-Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm" CC="$T/cc-log" \
		run "$T/moved/bin/migc" build m --binary ./migrate-static
	expect_rc 0
	grep -qx -- "-Wl,-Bstatic" "$T/cc.args" || fail "MIGC_LINK_LIBS was not used: $(cat "$T/cc.args")"
	! ldd ./migrate-static | grep -q sqlite || fail "SQLite is still linked dynamically: $(ldd ./migrate-static)"
	DATABASE_URL=sqlite:static.db run ./migrate-static up
	expect_rc 0
}

test_pkg_config_builds_the_embedding_example() {
	make_in install PREFIX="$T/prefix"
	export PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig"
	run pkg-config --modversion migc
	expect_eq "$OUT" "$VERSION" "pkg-config --modversion"
	run pkg-config --cflags --libs migc
	expect_rc 0
	expect_out "-I$T/prefix/include"
	expect_out "-lmigc"
	migrations
	"$T/prefix/bin/migc" build m -o migrations.c >/dev/null || fail "migc build -o failed"
	# shellcheck disable=SC2046
	run cc ${CFLAGS:-} -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags migc) \
		"$T/prefix/share/migc/templates/embed/app.c" migrations.c ${LDFLAGS:-} $(pkg-config --libs migc) -o app
	expect_rc 0
	DATABASE_URL=sqlite:app.db run ./app
	expect_rc 0
	expect_out "app: database is ready"
	expect_err "app: applied 0002_posts.sql"
	# the same libraries as `migc build --binary`: SQLite statically when
	# libsqlite3.a was there when migc was built, else the shared one
	run pkg-config --libs migc
	case $(${CC:-cc} -print-file-name=libsqlite3.a) in
	/*)
		expect_out "-lmigc -Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm"
		! readelf -d app | grep -q 'NEEDED.*libsqlite3' ||
			fail "the embedding app needs a shared SQLite: $(readelf -d app | grep NEEDED)"
		;;
	*) expect_out "-lsqlite3" ;;
	esac
}

test_man_pages_render_without_warnings() {
	make_in install PREFIX="$T/prefix"
	local page
	for page in migc migrate; do
		local f=$T/prefix/share/man/man1/$page.1
		run groff -man -Tutf8 -ww -z "$f"
		expect_rc 0
		[ -z "$ERR" ] || fail "groff warns about $page.1: $ERR"
		MANWIDTH=80 run man --warnings -E UTF-8 -l "$f"
		expect_rc 0
		[ -z "$ERR" ] || fail "man warns about $page.1: $ERR"
		expect_out "NAME"
		grep -q "^\.TH [A-Z]* 1 \"\" \"migc $VERSION\"" "$f" || fail "$page.1 does not say migc $VERSION"
	done
	MANPATH="$T/prefix/share/man" run man -w migrate
	expect_eq "$OUT" "$T/prefix/share/man/man1/migrate.1" "man finds the installed page"
}

# agree PAGE PROGRAM: the help texts of PROGRAM (migc, or a built migrate)
# against the man page.
agree() {
	python3 - "$1" "$2" <<'EOF'
import re, subprocess, sys

page, program = sys.argv[1], sys.argv[2]
name = "migrate" if program.endswith("migrate") else "migc"
OPT = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
ENV = re.compile(r"\$([A-Z][A-Z0-9_]*)|\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")
problems = []

def unescape(s):
    s = re.sub(r"\\f[BIRP]", "", s)
    for a, b in (("\\-", "-"), ("\\ ", " "), ("\\(dq", '"'), ("\\&", "")):
        s = s.replace(a, b)
    return s

# The page: per (.SH, .SS) the options of its synopsis (the lines between
# .SS and the first paragraph or tag) and of its tags (.TP/.TQ lines).
sections, sh, cur, mode = {}, None, None, None
for line in open(page, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith('.\\"'):
        continue
    m = re.match(r'\.(SH|SS)\s+"?([^"]*)"?$', line)
    if m:
        if m.group(1) == "SH":
            sh, ss = m.group(2), None
        else:
            ss = m.group(2)
        cur = sections.setdefault((sh, ss), {"synopsis": set(), "tags": set(), "words": set()})
        mode = "synopsis" if m.group(1) == "SS" else None
        continue
    if cur is None:
        continue
    if line in (".TP", ".TQ"):
        mode = "tag"
        continue
    if mode == "tag":
        text = unescape(line)
        cur["tags"] |= set(OPT.findall(text))
        cur["words"] |= set(re.findall(r"[\w-]+", text))
        mode = None
        continue
    if re.match(r"\.(PP|P|LP|RS|RE|nf|IP)\b", line):
        mode = None
    if mode == "synopsis":
        cur["synopsis"] |= set(OPT.findall(unescape(line)))

def helptext(*args):
    r = subprocess.run([program, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s %s exited %d: %s" % (program, " ".join(args), r.returncode, r.stderr))
    return r.stdout

def help_options(text):
    """Options of a help text: its usage lines and its option lines."""
    opts = set()
    for line in text.splitlines():
        s = line.strip()
        if re.match(r"(usage|or):", s):
            opts |= set(OPT.findall(s))
        elif re.match(r"\s+-", line) and re.match(r"--?[A-Za-z]", s):
            opts |= set(OPT.findall(re.split(r"\s{2,}", s)[0]))
    return opts

def compare(what, in_help, in_page):
    for o in sorted(in_help - in_page):
        problems.append("%s: %s is in the help but not in the man page" % (what, o))
    for o in sorted(in_page - in_help):
        problems.append("%s: %s is in the man page but not in the help" % (what, o))

general = helptext("--help")
commands = re.findall(r"^  ([a-z]+) {2,}\S", general.split("commands:")[1].split("\n\n")[0], re.M)
page_commands = {ss.split()[-1] for (sh, ss) in sections if sh == "COMMANDS" and ss}
compare("commands", set(commands), page_commands)

env_in_help, all_help_opts = set(), set()
for text in [general] + [helptext(c, "--help") for c in commands]:
    env_in_help |= {a or b for a, b in ENV.findall(text)}
for c in commands:
    text = helptext(c, "--help")
    opts = help_options(text)
    all_help_opts |= opts
    sec = sections.get(("COMMANDS", "%s %s" % (name, c)), {"synopsis": set(), "tags": set()})
    compare("%s %s synopsis" % (name, c), opts, sec["synopsis"])
    if name == "migc":  # migc.1 describes each option under its command
        compare("%s %s options" % (name, c), opts, sec["tags"])

if name == "migc":
    global_help = help_options(general)
    compare("migc global options", global_help, sections[("DESCRIPTION", "Options")]["tags"])
else:
    global_help = help_options(general.split("global options")[1].split("\n\n")[0])
    compare("migrate global options", global_help, sections[("OPTIONS", "Global options")]["tags"])
    # OPTIONS describes every option of every command, and nothing else
    described = set().union(*(v["tags"] for (sh, ss), v in sections.items() if sh == "OPTIONS"))
    compare("migrate OPTIONS", all_help_opts | global_help, described)

env_page = set().union(*(v["words"] for (sh, ss), v in sections.items() if sh == "ENVIRONMENT"))
for e in sorted(env_in_help - env_page):
    problems.append("environment variable %s is in the help but not in ENVIRONMENT" % e)

codes = set(re.findall(r"^\s+(\d)\s{2}", general.split("exit codes:")[1], re.M)) if "exit codes:" in general \
    else set(re.findall(r"(\d) [a-z]", general.split("Exit codes:")[1]))
page_codes = {w for (sh, ss), v in sections.items() if sh == "EXIT STATUS" for w in v["words"] if w.isdigit()}
compare("exit codes", codes, page_codes)

if problems:
    sys.exit("\n".join(problems))
print("%s: %d commands, %d options agree" % (page, len(commands), len(all_help_opts)))
EOF
}

# The rule names users write in `-- migc:allow` are the library's
# (runtime/directives.c); `migc lint --help` and migc.1 must list every one
# of them, and no other.
test_lint_rules_agree_in_code_help_and_man_page() {
	python3 - "$MIGC_ROOT/runtime/directives.c" "$MIGC_ROOT/templates/man/migc.1" \
		"$("$MIGC" lint --help)" <<'EOF' || fail "lint rule lists disagree (above)"
import re, sys
src, page, helptext = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
code = set(re.findall(r'\[MIGC_LINT_\w+\]\s*=\s*"([a-z-]+)"', src))
rules = helptext.split("rules (", 1)[1].split("exit codes:", 1)[0]
helped = set()
for item in re.findall(r"^  ([a-z][a-z-]+(?:, [a-z][a-z-]+)?)", rules, re.M):
    helped |= set(item.split(", "))
man = page.split("The rules:", 1)[1].split(".RE", 1)[0].replace("\\-", "-")
manned = set()
for tag in re.findall(r"^\.TP\n(.*)$", man, re.M):
    manned |= set(re.findall(r"[a-z]+(?:-[a-z]+)+|truncate", tag))
ok = True
for name, got in (("lint --help", helped), ("migc.1", manned)):
    if got != code:
        print("%s: missing %s, unknown %s" % (name, sorted(code - got), sorted(got - code)))
        ok = False
if len(code) < 14:
    print("only %d rules found in directives.c" % len(code))
    ok = False
sys.exit(0 if ok else 1)
EOF
}

test_help_and_man_pages_agree() {
	agree "$MIGC_ROOT/templates/man/migc.1" "$MIGC" || fail "migc's help and migc.1 disagree (above)"
	migrations
	"$MIGC" build m --binary ./migrate >/dev/null 2>&1 || fail "building migrate failed"
	agree "$MIGC_ROOT/templates/man/migrate.1" "$PWD/migrate" || fail "migrate's help and migrate.1 disagree (above)"
}

run_tests
