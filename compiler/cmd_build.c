/*
 * cmd_build.c - `migc build`: compile a migrations directory into a C
 * bundle, and optionally into the release binary.
 *
 * Nothing is written unless every migration is valid, and what is written
 * appears atomically (outfile.h), so a failed build never leaves a stale or
 * half-written bundle for the next step of a Dockerfile to pick up.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "emit.h"
#include "load.h"
#include "outfile.h"
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
	"  --source-commit SHA    record the commit the migrations come from\n"
	"                         (default: $MIGC_SOURCE_COMMIT, else none)\n"
	"\n"
	"environment: CC, CFLAGS, LDFLAGS; MIGC_LIBDIR and MIGC_INCLUDEDIR say where\n"
	"libmigc.a and migc.h are when they are not next to migc or installed with it.\n";

struct build_opts {
	const char *dir;
	const char *output;
	const char *binary;
	const char *symbol;
	const char *source_commit;
};

static int parse_build(struct build_opts *o, int argc, char **argv)
{
	static const char *const git_only[] = {
		"--rev", "--require-clean", "--provenance", NULL
	};
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		size_t g;

		if (!only_args && arg[0] == '-' && arg[1]) {
			if (!strcmp(arg, "--")) {
				only_args = 1;
				continue;
			}
			if ((rc = ui_opt_value(argc, argv, &i, "-o", "--output", cmd_build_usage, &o->output)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--binary", cmd_build_usage, &o->binary)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--symbol", cmd_build_usage, &o->symbol)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--source-commit", cmd_build_usage,
					       &o->source_commit))) {
				if (rc < 0)
					return UI_EXIT_USAGE;
				continue;
			}
			for (g = 0; git_only[g]; g++)
				if (ui_opt_is(arg, git_only[g])) {
					ui_errorf("'%s' needs git support, which this migc does not have yet",
						  git_only[g]);
					ui_hint("build from the working tree and pass --source-commit SHA");
					return UI_EXIT_USAGE;
				}
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
	if ((o->output && !*o->output) || (o->binary && !*o->binary))
		return ui_usage_error(cmd_build_usage, "empty output path");
	if (!o->source_commit)
		o->source_commit = getenv("MIGC_SOURCE_COMMIT");
	return 0;
}

/* A commit as given by the user: printable ASCII without blanks. */
static int check_commit(const char *commit, migc_error *err)
{
	size_t i, n = strlen(commit);

	if (n > 200)
		goto bad;
	for (i = 0; i < n; i++)
		if ((unsigned char)commit[i] <= 0x20 || (unsigned char)commit[i] >= 0x7f)
			goto bad;
	return 0;
bad:
	migc_err(err, MIGC_EUSAGE, "source commit '%.200s' is not a commit id", commit);
	migc_err_hint(err, "pass the full hash, e.g. --source-commit \"$(git rev-parse HEAD)\"");
	return MIGC_EUSAGE;
}

/* Render the bundle into the open file `f`, named `path` in messages. */
static int write_bundle(FILE *f, const char *path, const migc_set *set,
			const struct render_info *info, migc_error *err)
{
	struct emit_out out;
	int rc;

	emit_out_init(&out, f);
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

	rc = outfile_open(&of, path, err);
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
	int rc;

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
	if (migc_buf_printf(&file, "%s/bundle.c", dir.data)) {
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	} else {
		rc = write_bundle_file(file.data, set, info, err);
		if (!rc)
			rc = toolchain_link(&tc, file.data, o->binary, err);
		unlink(file.data);
	}
	rmdir(dir.data);
out:
	toolchain_free(&tc);
	migc_buf_free(&dir);
	migc_buf_free(&file);
	return rc;
}

int cmd_build(int argc, char **argv)
{
	struct build_opts o;
	struct render_info info;
	struct migc_source *src = NULL;
	migc_set *set = NULL;
	migc_error err;
	size_t problems = 0;
	int rc;

	rc = parse_build(&o, argc, argv);
	if (rc)
		return rc;
	migc_error_clear(&err);
	info.symbol = o.symbol ? o.symbol : RENDER_DEFAULT_SYMBOL;
	info.source_commit = o.source_commit ? o.source_commit : "";
	info.source_dirty = -1;
	if (render_symbol_check(info.symbol, &err) || check_commit(info.source_commit, &err))
		return ui_fail(&err);
	rc = migc_source_dir_open(&src, o.dir, &err);
	if (!rc)
		rc = load_set(&set, src, ui_report_problem, NULL, &problems, &err);
	if (rc) {
		if (problems != 1)
			ui_error(&err);
		if (problems)
			fprintf(stderr, "migc: nothing was written\n");
		migc_source_free(src);
		return ui_exit_code(rc);
	}
	if (src->commit && !*info.source_commit) {
		info.source_commit = src->commit;
		info.source_dirty = src->dirty;
	}
	if (o.output)
		rc = write_bundle_file(o.output, set, &info, &err);
	if (!rc && o.binary)
		rc = link_binary(&o, set, &info, &err);
	if (!rc) {
		char id[MIGC_CHECKSUM_HEX_LEN + 1];

		migc_set_bundle_id(set, id);
		printf("built %s%s%s: %zu migration%s, bundle id %s\n",
		       o.output ? o.output : "", o.output && o.binary ? " and " : "",
		       o.binary ? o.binary : "", migc_set_count(set),
		       migc_set_count(set) == 1 ? "" : "s", id);
	}
	migc_set_free(set);
	migc_source_free(src);
	return rc ? ui_fail(&err) : UI_EXIT_OK;
}
