/*
 * cmd_build.c - `migc build`: compile a migrations directory into a C
 * bundle, and optionally into the release binary.
 *
 * Nothing is written unless every migration is valid, and what is written
 * appears atomically (outfile.h), so a failed build never leaves a stale or
 * half-written bundle for the next step of a Dockerfile to pick up.
 *
 * Where the files come from: the tree of a commit (--rev, read through
 * source_git.c), or the working tree. The bundle records the commit: --rev's,
 * else an explicit --source-commit / $MIGC_SOURCE_COMMIT, else HEAD; and
 * whether the migrations directory is dirty (1/0), or -1 when unknown (no
 * repository, or an explicit commit other than HEAD). No repository at all
 * is fine unless an option needs one.
 *
 * Every build runs the rolling-deploy lint (lint.h) over the valid set and
 * prints its findings as warnings on stderr; under --strict they fail the
 * build before anything is written.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "emit.h"
#include "git.h"
#include "lint.h"
#include "load.h"
#include "outfile.h"
#include "tempfile.h"
#include "render.h"
#include "source.h"
#include "toolchain.h"
#include "ui.h"
#include "util.h"

const char cmd_build_usage[] =
	"usage: migc build [DIR] -o FILE.c [options]\n"
	"   or: migc build [DIR] --binary PATH [-o FILE.c] [options]\n"
	"\n"
	"Compile the migrations in DIR (default: " MIGC_DEFAULT_DIR ") into a C bundle,\n"
	"after checking every file. Nothing is written if any migration is invalid.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE.c    write the bundle to FILE.c\n"
	"  --binary PATH          also compile and link the release binary with $CC\n"
	"                         ($CFLAGS, default -O2, and $LDFLAGS are passed on)\n"
	"  --symbol NAME          C name of the bundle (default " RENDER_DEFAULT_SYMBOL ")\n"
	UI_LAYOUT_HELP
	"\n"
	"rolling-deploy lint (see 'migc lint --help'; findings are warnings on stderr):\n"
	"  --strict               fail (exit 1, nothing written) on any lint finding\n"
	"  --dialect postgres|sqlite  the database the migrations are for (default\n"
	"                         postgres); sqlite skips the PostgreSQL-only rules\n"
	"  --lint-since VERSION   lint only versioned migrations newer than VERSION\n"
	"  --no-lint              do not run the lint\n"
	"\n"
	"git (DIR is looked up in the repository that holds it):\n"
	"  --rev REV              read DIR from the tree of commit REV (a branch, tag, or\n"
	"                         hash), not from the working tree; records REV's commit\n"
	"  --require-clean        refuse to build when DIR has uncommitted changes (staged,\n"
	"                         unstaged or untracked files; ignored files do not count)\n"
	"  --provenance           record for each migration the commit that added it\n"
	"                         (walking the first-parent history of HEAD or REV)\n"
	"  --source-commit SHA    record SHA (7 to 64 hex digits) as the source commit:\n"
	"                         for builds without .git (a Docker build context); it\n"
	"                         wins over the HEAD found in a repository\n"
	"\n"
	"Without --rev the bundle records HEAD's commit and whether DIR is dirty. Without\n"
	"a repository the build still works; the commit is then --source-commit, else\n"
	"$MIGC_SOURCE_COMMIT, else unknown.\n"
	"\n"
	"--binary links, after libmigc.a, the libraries this migc was built with:\n"
	"    \"" MIGC_LINK_LIBS "\"\n"
	"SQLite is linked statically when libsqlite3.a was found then (the binary needs\n"
	"only libc and libm, and starts faster; a SQLite security fix needs the binary\n"
	"rebuilt, as an image build does anyway), else the shared libsqlite3.\n"
	"libpq is never linked: it is loaded when a PostgreSQL URL is used.\n"
	"\n"
	"environment: CC, CFLAGS, LDFLAGS; MIGC_LINK_LIBS replaces those libraries\n"
	"(\"-lsqlite3 -lm\" for the shared SQLite, \"-Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic\n"
	"-lm\" for a static one; -pthread and -ldl are added as needed);\n"
	"MIGC_SOURCE_COMMIT; MIGC_LIBDIR and MIGC_INCLUDEDIR say where libmigc.a and\n"
	"migc.h are when they are not next to migc or installed with it.\n";

struct build_opts {
	const char *dir;
	const char *output;
	const char *binary;
	const char *symbol;
	const char *source_commit; /* --source-commit, or $MIGC_SOURCE_COMMIT */
	int commit_option;         /* it came from --source-commit */
	const char *rev;
	int require_clean;
	int provenance;
	int strict;             /* lint findings fail the build */
	int no_lint;
	const char *dialect;    /* --dialect, NULL: postgres */
	const char *lint_since; /* --lint-since VERSION */
	const char *layout_name; /* --layout */
	migc_layout layout;     /* 0: detect */
};

/* Where the migrations come from, and what the bundle says about it. */
struct build_source {
	struct repo *repo;      /* NULL without a git repository */
	git_commit *commit;     /* --rev's commit, or HEAD (NULL: unborn/none) */
	struct migc_source *src;
	char commit_hex[GIT_OID_HEXSZ + 1]; /* "" when none */
	int dirty;              /* 1, 0, or -1 unknown */
};

/* A flag option (no value): --name only. */
static int flag_option(const char *arg, const char *name, int *flag)
{
	if (strcmp(arg, name) != 0)
		return 0;
	*flag = 1;
	return 1;
}

static int parse_build(struct build_opts *o, int argc, char **argv)
{
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!only_args && arg[0] == '-' && arg[1]) {
			if (!strcmp(arg, "--")) {
				only_args = 1;
				continue;
			}
			if ((rc = ui_opt_value(argc, argv, &i, "-o", "--output", cmd_build_usage, &o->output)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--binary", cmd_build_usage, &o->binary)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--symbol", cmd_build_usage, &o->symbol)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--rev", cmd_build_usage, &o->rev)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--source-commit", cmd_build_usage,
					       &o->source_commit)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--dialect", cmd_build_usage,
					       &o->dialect)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--lint-since", cmd_build_usage,
					       &o->lint_since)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--layout", cmd_build_usage,
					       &o->layout_name))) {
				if (rc < 0)
					return UI_EXIT_USAGE;
				continue;
			}
			if (flag_option(arg, "--require-clean", &o->require_clean) ||
			    flag_option(arg, "--provenance", &o->provenance) ||
			    flag_option(arg, "--strict", &o->strict) ||
			    flag_option(arg, "--no-lint", &o->no_lint))
				continue;
			return ui_usage_error(cmd_build_usage, "unknown option '%s'", arg);
		}
		if (o->dir)
			return ui_usage_error(cmd_build_usage, "unexpected argument '%s' "
					      "(the directory is '%s')", arg, o->dir);
		o->dir = arg;
	}
	if (!o->dir)
		o->dir = MIGC_DEFAULT_DIR;
	if (!o->output && !o->binary)
		return ui_usage_error(cmd_build_usage, "nothing to write: give -o FILE.c or --binary PATH");
	if ((o->output && !*o->output) || (o->binary && !*o->binary) || !*o->dir)
		return ui_usage_error(cmd_build_usage, "empty path");
	if (o->rev && !*o->rev)
		return ui_usage_error(cmd_build_usage, "empty revision");
	o->commit_option = o->source_commit != NULL;
	if (ui_layout(&o->layout, o->layout_name, cmd_build_usage))
		return UI_EXIT_USAGE;
	if (o->no_lint && (o->strict || o->dialect || o->lint_since))
		return ui_usage_error(cmd_build_usage, "--no-lint excludes --strict, --dialect "
				      "and --lint-since (they configure the lint)");
	if (o->lint_since && !migc_version_valid(o->lint_since))
		return ui_usage_error(cmd_build_usage, "--lint-since '%s' is not a version",
				      o->lint_since);
	if (o->rev && o->commit_option)
		return ui_usage_error(cmd_build_usage, "--rev and --source-commit exclude each "
				      "other (--rev records the commit it builds)");
	if (!o->source_commit && !o->rev) {
		o->source_commit = getenv("MIGC_SOURCE_COMMIT");
		if (o->source_commit && !*o->source_commit)
			o->source_commit = NULL;
	}
	return 0;
}

/*
 * A commit as given by the user (--source-commit, MIGC_SOURCE_COMMIT):
 * 7 to 64 hex digits (an abbreviated or full SHA-1 or SHA-256 id), stored
 * in lower case in `out`.
 */
static int check_commit(const char *commit, int option, char out[65],
			migc_error *err)
{
	size_t i, n = strlen(commit);

	if (n < 7 || n > 64 || strspn(commit, "0123456789abcdefABCDEF") != n) {
		migc_err(err, MIGC_EUSAGE, "%s '%.100s' is not a commit id (7 to 64 hex digits)",
			 option ? "--source-commit" : "MIGC_SOURCE_COMMIT", commit);
		migc_err_hint(err, "pass the full hash, e.g. --source-commit \"$(git rev-parse HEAD)\"");
		return MIGC_EUSAGE;
	}
	for (i = 0; i <= n; i++)
		out[i] = (char)(commit[i] >= 'A' && commit[i] <= 'F' ? commit[i] - 'A' + 'a'
								 : commit[i]);
	return 0;
}

/* Refuse a dirty directory under --require-clean, listing what is dirty. */
static int refuse_dirty(const struct repo *r, const struct repo_change *ch,
			size_t n)
{
	size_t i;

	ui_errorf("'%s' has uncommitted changes (--require-clean):", r->dir);
	for (i = 0; i < n && i < 50; i++)
		fprintf(stderr, "\t%-12s %s\n", ch[i].what, ch[i].path);
	if (n > 50)
		fprintf(stderr, "\t... and %zu more\n", n - 50);
	ui_hint("commit them (git add %s && git commit), or build a commit with --rev",
		r->dir);
	return UI_EXIT_INVALID;
}

/* The working tree of a repository: HEAD, and whether DIR is dirty. */
static int open_worktree(struct build_source *bs, const struct build_opts *o,
			 migc_error *err)
{
	struct repo_change *changes = NULL;
	size_t n = 0;
	int rc;

	rc = repo_head(&bs->commit, bs->repo, err);
	if (!rc)
		rc = repo_dir_status(&changes, &n, bs->repo, err);
	if (rc)
		return ui_fail(err);
	if (bs->commit)
		repo_oid_hex(bs->commit_hex, git_commit_id(bs->commit));
	bs->dirty = n > 0;
	if (o->require_clean && n) {
		rc = refuse_dirty(bs->repo, changes, n);
		repo_changes_free(changes, n);
		return rc;
	}
	repo_changes_free(changes, n);
	rc = migc_source_dir_open(&bs->src, o->dir, err);
	return rc ? ui_fail(err) : 0;
}

/*
 * Open the source: the tree of --rev, or the working tree (of a repository
 * when there is one). Returns 0 or the exit code, after saying why.
 */
static int open_source(struct build_source *bs, const struct build_opts *o,
		       migc_error *err)
{
	int rc;

	memset(bs, 0, sizeof(*bs));
	bs->dirty = -1;
	rc = repo_open(&bs->repo, o->dir, err);
	if (rc == MIGC_ENOTFOUND && !o->rev && !o->require_clean && !o->provenance) {
		/* A Docker build context often has no .git: fine. */
		migc_error_clear(err);
		rc = migc_source_dir_open(&bs->src, o->dir, err);
		return rc ? ui_fail(err) : 0;
	}
	if (rc == MIGC_ENOTFOUND) {
		migc_err(err, MIGC_EUSAGE, "%s needs a git repository, and '%s' is not in one",
			 o->rev ? "--rev" : o->require_clean ? "--require-clean" : "--provenance",
			 o->dir);
		migc_err_hint(err, "build inside the clone (with its .git), or pass the commit "
				   "with --source-commit SHA");
	}
	if (rc)
		return ui_fail(err);
	if (!o->rev)
		return open_worktree(bs, o, err);
	rc = repo_commit(&bs->commit, bs->repo, o->rev, "--rev", err);
	if (!rc)
		rc = migc_source_git_open(&bs->src, bs->repo, bs->commit, err);
	if (rc)
		return ui_fail(err);
	repo_oid_hex(bs->commit_hex, git_commit_id(bs->commit));
	bs->dirty = 0;
	return 0;
}

static void close_source(struct build_source *bs)
{
	migc_source_free(bs->src);
	git_commit_free(bs->commit);
	repo_free(bs->repo);
}

/* Render the bundle into the open file `f`, named `path` in messages. */
static int write_bundle(FILE *f, const char *path, const migc_set *set,
			const struct render_info *info, migc_error *err)
{
	struct emit_out out;
	int rc;

	emit_out_init(&out, f);
	emit_out_background(&out); /* else written on this thread */
	rc = render_bundle(&out, set, info, err);
	if (!rc)
		rc = emit_finish(&out, path, err);
	emit_out_free(&out);
	return rc;
}

/* Write the bundle atomically to `path`. */
static int write_bundle_file(const char *path, const migc_set *set,
			     const struct render_info *info, migc_error *err)
{
	struct outfile of;
	int rc;

	rc = outfile_open(&of, path, 1, err);
	if (rc)
		return rc;
	rc = write_bundle(of.file, path, set, info, err);
	if (rc) {
		outfile_abort(&of);
		return rc;
	}
	return outfile_commit(&of, 0666, err);
}

/*
 * --binary without -o: the bundle goes to a private temporary directory,
 * removed after linking.
 */
static int link_binary(const struct build_opts *o, const migc_set *set,
		       const struct render_info *info, migc_error *err)
{
	struct toolchain tc;
	migc_buf dir = MIGC_BUF_INIT, file = MIGC_BUF_INIT;
	const char *tmp = getenv("TMPDIR");
	int rc, dslot, fslot;

	rc = toolchain_find(&tc, err);
	if (rc)
		return rc;
	if (o->output) {
		rc = toolchain_link(&tc, o->output, o->binary, err);
		toolchain_free(&tc);
		return rc;
	}
	if (migc_buf_printf(&dir, "%s/migc-XXXXXX", tmp && *tmp ? tmp : "/tmp")) {
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		goto out;
	}
	if (!mkdtemp(dir.data)) {
		rc = migc_err(err, MIGC_EIO, "cannot create a temporary directory in '%s': %s",
			      tmp && *tmp ? tmp : "/tmp", strerror(errno));
		goto out;
	}
	dslot = tempfile_register(dir.data, 1);
	if (migc_buf_printf(&file, "%s/bundle.c", dir.data)) {
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	} else {
		fslot = tempfile_register(file.data, 0);
		rc = write_bundle_file(file.data, set, info, err);
		if (!rc)
			rc = toolchain_link(&tc, file.data, o->binary, err);
		unlink(file.data);
		tempfile_forget(fslot);
	}
	rmdir(dir.data);
	tempfile_forget(dslot);
out:
	toolchain_free(&tc);
	migc_buf_free(&dir);
	migc_buf_free(&file);
	return rc;
}

/*
 * What the bundle records: an explicit --source-commit/MIGC_SOURCE_COMMIT
 * wins over the repository's HEAD; the dirty flag describes HEAD's working
 * tree, so it is kept only when the explicit commit is HEAD.
 */
static void source_facts(struct render_info *info, const struct build_source *bs,
			 const char *explicit_commit)
{
	info->source_commit = bs->commit_hex;
	info->source_dirty = bs->dirty;
	if (!explicit_commit)
		return;
	info->source_commit = explicit_commit;
	if (strncmp(bs->commit_hex, explicit_commit, strlen(explicit_commit)) != 0 ||
	    !*bs->commit_hex)
		info->source_dirty = -1;
}

/*
 * The rolling-deploy lint over the loaded set: findings are warnings, or,
 * under --strict, errors that stop the build (UI_EXIT_INVALID) before
 * anything is written. Returns 0 or an exit code, after saying why.
 */
static int run_lint(const struct build_opts *o, const migc_set *set,
		    const char *where, migc_error *err)
{
	enum lint_dialect dialect = LINT_POSTGRES;
	struct lint_result res;
	int rc;

	if (o->no_lint)
		return 0;
	if (o->dialect && lint_dialect_parse(&dialect, o->dialect))
		return ui_usage_error(cmd_build_usage, "unknown dialect '%s' (postgres or sqlite)",
				      o->dialect);
	rc = lint_set(&res, set, where, dialect, o->lint_since, err);
	if (rc) {
		lint_result_free(&res);
		return ui_fail(err);
	}
	lint_print_build(&res, o->strict);
	rc = o->strict && res.count ? UI_EXIT_INVALID : 0;
	lint_result_free(&res);
	return rc;
}

static void print_built(const struct build_opts *o, const migc_set *set,
			const struct render_info *info)
{
	char id[MIGC_CHECKSUM_HEX_LEN + 1];

	migc_set_bundle_id(set, id);
	printf("built %s%s%s: %zu migration%s, bundle id %s", o->output ? o->output : "",
	       o->output && o->binary ? " and " : "", o->binary ? o->binary : "",
	       migc_set_count(set), migc_set_count(set) == 1 ? "" : "s", id);
	if (*info->source_commit)
		printf(", commit %.12s%s", info->source_commit,
		       info->source_dirty == 1 ? " (dirty)" : info->source_dirty == 0 ? " (clean)" : "");
	printf("\n");
}

int cmd_build(int argc, char **argv)
{
	struct build_opts o;
	struct render_info info;
	struct build_source bs;
	char explicit_commit[65];
	migc_set *set = NULL;
	migc_error err;
	size_t problems = 0;
	int rc;

	rc = parse_build(&o, argc, argv);
	if (rc)
		return rc;
	migc_error_clear(&err);
	memset(&info, 0, sizeof(info));
	info.symbol = o.symbol ? o.symbol : RENDER_DEFAULT_SYMBOL;
	if (render_symbol_check(info.symbol, &err) ||
	    (o.source_commit && check_commit(o.source_commit, o.commit_option,
					     explicit_commit, &err)))
		return ui_fail(&err);
	rc = open_source(&bs, &o, &err);
	if (rc) {
		close_source(&bs);
		return rc;
	}
	rc = load_set(&set, bs.src, o.layout, ui_report_problem, NULL, &problems, &err);
	if (rc) {
		if (problems != 1)
			ui_error(&err);
		if (problems)
			fprintf(stderr, "migc: nothing was written\n");
		close_source(&bs);
		return ui_exit_code(rc);
	}
	rc = run_lint(&o, set, bs.src->where, &err);
	if (rc) {
		migc_set_free(set);
		close_source(&bs);
		return rc;
	}
	source_facts(&info, &bs, o.source_commit ? explicit_commit : NULL);
	if (o.provenance && bs.commit)
		rc = repo_provenance(bs.repo, bs.commit, set, &err);
	if (!rc && o.output)
		rc = write_bundle_file(o.output, set, &info, &err);
	if (!rc && o.binary)
		rc = link_binary(&o, set, &info, &err);
	if (!rc)
		print_built(&o, set, &info);
	migc_set_free(set);
	close_source(&bs);
	return rc ? ui_fail(&err) : UI_EXIT_OK;
}
