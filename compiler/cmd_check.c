/*
 * cmd_check.c - `migc check [DIR] --base REF`: the CI drift check.
 *
 * This file reads three versions of the migrations directory: the merge
 * base of REF and HEAD (what the branch started from), REF's tip (what the
 * branch will be merged into, which may have moved on since), and the
 * branch itself; check_rules.c compares them and check_output.c prints the
 * findings. Each file is reduced to its name and canonical checksum
 * (migc_normalize + migc_checksum, the library's: a CRLF checkout or a BOM
 * is not an edit).
 *
 * Why HEAD and not the working tree by default: CI checks what was
 * committed (that is what will be merged), and the answer must not depend
 * on stray files. --worktree adds uncommitted and untracked files, for a
 * pre-commit hook or a local run.
 *
 * Files whose names are not migration names, subdirectories and symlinks
 * leaving the directory are skipped here: `migc build` and `migc list`
 * report them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layout.h"
#include "load.h"
#include "commands.h"
#include "git.h"
#include "ui.h"
#include "util.h"

const char cmd_check_usage[] =
	"usage: migc check [DIR] --base REF [--worktree] [--format human|json|github]\n"
	"\n"
	"The CI drift check: compare the migrations in DIR (default: " MIGC_DEFAULT_DIR ")\n"
	"of HEAD with the git revision REF (e.g. origin/main). Reports\n"
	"  - against the merge base of REF and HEAD: versioned migrations that were\n"
	"    edited (their checksum differs), deleted, or renamed;\n"
	"  - against REF's tip: new migrations whose version collides with one there,\n"
	"    or sorts before its newest one (the branch-merge race); and two new\n"
	"    migrations sharing one version.\n"
	"Each finding names the file, the commit, and the next free version. Line\n"
	"endings and a UTF-8 BOM do not count as edits. Repeatable migrations (R__)\n"
	"may change and are not checked.\n"
	"\n"
	"options:\n"
	"  --base REF             the revision to compare with (required)\n"
	"  --worktree             check the working tree (uncommitted and untracked\n"
	"                         files included) instead of HEAD's commit\n"
	"  --format FORMAT        human (default), json, or github (annotations for\n"
	"                         GitHub Actions, on stdout)\n"
	UI_LAYOUT_HELP
	"\n"
	"Exit codes: 0 no problem, 1 problems found, 2 usage error (e.g. REF unknown,\n"
	"or no merge base: in a shallow clone, fetch the history first).\n";

struct check_opts {
	const char *dir;
	const char *ref;
	int worktree;
	enum check_format format;
	const char *layout_name;
	migc_layout layout; /* 0: detected from HEAD's side */
};

/* One side being read: its list, and the layout to read file names with. */
struct side {
	struct mlist *l;
	migc_layout layout;
};

/* ------------------------------------------------------------------ */
/* reading one side                                                    */
/* ------------------------------------------------------------------ */

static void mlist_free(struct mlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		free(l->items[i].filename);
		free(l->items[i].version);
		free(l->items[i].name);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int mlist_push(struct mlist *l, const struct layout_name *fn,
		      const char *filename, const char *checksum)
{
	struct mfile *f;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct mfile *p = realloc(l->items, cap * sizeof(*p));

		if (!p)
			return MIGC_ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	f = &l->items[l->count];
	memset(f, 0, sizeof(*f));
	f->filename = migc_strdup(filename);
	f->version = migc_strdup(fn->version);
	f->name = migc_strdup(fn->name);
	f->kind = fn->kind;
	memcpy(f->checksum, checksum, sizeof(f->checksum));
	l->count++;
	return f->filename && f->version && f->name ? 0 : MIGC_ENOMEM;
}

/*
 * The source visitor: file name and canonical checksum of each migration.
 * In another tool's layout only the file that holds a migration's up SQL
 * counts (a goose file, a .up.sql, diesel's up.sql), and for a goose or
 * dbmate file only its up section, as in the bundle: editing a down
 * section changes nothing a database ran, so it is not an edit here
 * either. A file whose sections cannot be read is left to build to report.
 */
static int collect_file(void *ctx, const char *filename, const char *display,
			const char *data, size_t len, migc_error *err)
{
	const struct side *s = ctx;
	char sum[MIGC_CHECKSUM_HEX_LEN + 1];
	struct layout_name fn;
	migc_error ignored;
	char *copy;

	(void)display;
	if (layout_name_parse(s->layout, filename, &fn, &ignored) ||
	    (fn.role != LAYOUT_UP && fn.role != LAYOUT_SECTIONS))
		return 0; /* not a migration: build and list report it */
	copy = malloc(len + 1);
	if (!copy)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	if (len)
		memcpy(copy, data, len);
	len = migc_normalize(copy, len);
	if (fn.role == LAYOUT_SECTIONS) {
		struct layout_sections sec;

		if (layout_split(s->layout, fn.role, filename, copy, len, &sec, &ignored)) {
			free(copy);
			return 0;
		}
		migc_checksum(sum, copy + sec.up_off, sec.up_len);
	} else {
		migc_checksum(sum, copy, len);
	}
	free(copy);
	if (mlist_push(s->l, &fn, filename, sum))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	return 0;
}

/* Subdirectories, symlinks leaving the directory...: build reports them. */
static int skip_problem(void *ctx, const migc_error *problem)
{
	(void)ctx;
	(void)problem;
	return 0;
}

/* Walk `src` into `l`; a missing directory is an empty side. */
static int load_side(struct mlist *l, struct migc_source *src,
		     migc_layout layout, migc_error *err)
{
	struct migc_source_visitor v;
	struct side s;
	int rc;

	s.l = l;
	s.layout = layout;
	v.file = collect_file;
	v.problem = skip_problem;
	v.dir = NULL;
	v.file_owned = NULL;
	v.room = NULL;
	v.file_placed = NULL;
	v.ctx = &s;
	rc = src->walk(src, &v, err);
	l->present = rc != MIGC_ENOTFOUND;
	if (rc == MIGC_ENOTFOUND) {
		migc_error_clear(err);
		rc = 0;
	}
	if (!rc)
		check_sort_files(l);
	return rc;
}

static int load_commit(struct mlist *l, struct repo *r, const git_commit *c,
		       migc_layout layout, migc_error *err)
{
	struct migc_source *src = NULL;
	int rc = migc_source_git_open(&src, r, c, err);

	if (!rc)
		rc = load_side(l, src, layout, err);
	migc_source_free(src);
	return rc;
}

static int load_worktree(struct mlist *l, const char *dir, migc_layout layout,
			 migc_error *err)
{
	struct migc_source *src = NULL;
	int rc = migc_source_dir_open(&src, dir, err);

	if (!rc)
		rc = load_side(l, src, layout, err);
	migc_source_free(src);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the command                                                         */
/* ------------------------------------------------------------------ */

static int parse_check(struct check_opts *o, int argc, char **argv)
{
	const char *format = "human";
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!only_args && arg[0] == '-' && arg[1]) {
			if (!strcmp(arg, "--")) {
				only_args = 1;
				continue;
			}
			if ((rc = ui_opt_value(argc, argv, &i, NULL, "--base", cmd_check_usage, &o->ref)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--format", cmd_check_usage, &format)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--layout", cmd_check_usage,
					       &o->layout_name))) {
				if (rc < 0)
					return UI_EXIT_USAGE;
				continue;
			}
			if (!strcmp(arg, "--worktree")) {
				o->worktree = 1;
				continue;
			}
			return ui_usage_error(cmd_check_usage, "unknown option '%s'", arg);
		}
		if (o->dir)
			return ui_usage_error(cmd_check_usage, "unexpected argument '%s'", arg);
		o->dir = arg;
	}
	if (!o->dir)
		o->dir = MIGC_DEFAULT_DIR;
	if (!strcmp(format, "human"))
		o->format = CHECK_HUMAN;
	else if (!strcmp(format, "json"))
		o->format = CHECK_JSON;
	else if (!strcmp(format, "github"))
		o->format = CHECK_GITHUB;
	else
		return ui_usage_error(cmd_check_usage, "unknown format '%s' (human, json or github)",
				      format);
	if (!o->ref || !*o->ref)
		return ui_usage_error(cmd_check_usage, "missing --base REF (e.g. --base origin/main)");
	if (!*o->dir)
		return ui_usage_error(cmd_check_usage, "empty directory name");
	return ui_layout(&o->layout, o->layout_name, cmd_check_usage);
}

/* The merge base of HEAD and REF's tip, with a hint when there is none. */
static int merge_base(git_oid *out, struct repo *r, const git_commit *head,
		      const git_commit *tip, const char *ref, migc_error *err)
{
	int rc = git_merge_base(out, r->git, git_commit_id(head), git_commit_id(tip));

	if (!rc)
		return 0;
	if (rc == GIT_ENOTFOUND && !r->shallow) {
		migc_err(err, MIGC_EUSAGE, "HEAD and '%s' have no common history (no merge base)",
			 ref);
		migc_err_hint(err, "compare with the branch this one was made from");
		return MIGC_EUSAGE;
	}
	if (r->shallow) {
		migc_err(err, MIGC_EUSAGE, "cannot find the merge base of HEAD and '%s': the "
			 "history is incomplete", ref);
		repo_hint_unshallow(err);
		return MIGC_EUSAGE;
	}
	return repo_git_error(err, MIGC_EUSAGE, "cannot compute the merge base");
}

/* Resolve HEAD, REF and their merge base into `res` and commits. */
static int resolve_commits(struct repo *r, const struct check_opts *o,
			   git_commit **head, git_commit **tip, git_commit **base,
			   struct check_result *res, migc_error *err)
{
	git_oid id;
	int rc;

	rc = repo_head(head, r, err);
	if (!rc && !*head) {
		migc_err(err, MIGC_EUSAGE, "HEAD has no commits yet: there is nothing to compare "
			 "with '%s'", o->ref);
		migc_err_hint(err, "commit the migrations first");
		rc = MIGC_EUSAGE;
	}
	if (!rc)
		rc = repo_commit(tip, r, o->ref, "--base", err);
	if (!rc)
		rc = merge_base(&id, r, *head, *tip, o->ref, err);
	if (!rc && git_commit_lookup(base, r->git, &id))
		rc = repo_git_error(err, MIGC_EIO, "cannot read the merge base");
	if (rc)
		return rc;
	repo_oid_hex(res->head, git_commit_id(*head));
	repo_oid_hex(res->tip, git_commit_id(*tip));
	repo_oid_hex(res->merge_base, &id);
	return 0;
}

/* The layout of HEAD's side (or the working tree's), unless given. */
static int side_layout(migc_layout *out, struct checker *k,
		       const struct check_opts *o, git_commit *head,
		       migc_error *err)
{
	struct migc_source *src = NULL;
	int rc;

	*out = o->layout ? o->layout : MIGC_LAYOUT_MIGC;
	if (o->layout)
		return 0;
	rc = o->worktree ? migc_source_dir_open(&src, o->dir, err)
			 : migc_source_git_open(&src, k->repo, head, err);
	if (!rc)
		rc = load_detect_layout(out, src, err);
	migc_source_free(src);
	if (rc == MIGC_ENOTFOUND) { /* no directory on this side */
		migc_error_clear(err);
		rc = 0;
	}
	return rc;
}

static int load_sides(struct checker *k, const struct check_opts *o,
		      git_commit *head, git_commit *tip, git_commit *base,
		      migc_error *err)
{
	migc_layout layout;
	int rc = side_layout(&layout, k, o, head, err);

	if (!rc)
		rc = load_commit(&k->base, k->repo, base, layout, err);
	if (!rc)
		rc = load_commit(&k->tip, k->repo, tip, layout, err);
	if (!rc)
		rc = o->worktree ? load_worktree(&k->head, o->dir, layout, err)
				 : load_commit(&k->head, k->repo, head, layout, err);
	if (!rc && !k->base.present && !k->tip.present && !k->head.present) {
		migc_err(err, MIGC_EUSAGE, "migrations directory '%s' is in none of HEAD%s, '%s' "
			 "and their merge base", o->dir, o->worktree ? " (working tree)" : "",
			 o->ref);
		migc_err_hint(err, "pass the directory that holds the migrations");
		rc = MIGC_EUSAGE;
	}
	return rc;
}

/* Everything but option parsing and output; 0 or a MIGC_E* code. */
static int run_check(struct checker *k, const struct check_opts *o,
		     migc_error *err)
{
	git_commit *head = NULL, *tip = NULL, *base = NULL;
	size_t i;
	int rc;

	rc = repo_open(&k->repo, o->dir, err);
	if (rc == MIGC_ENOTFOUND) {
		migc_err_prefix(err, "migc check needs a git repository");
		migc_err_hint(err, "run it in a clone of the repository");
		rc = MIGC_EUSAGE;
	}
	if (!rc)
		rc = resolve_commits(k->repo, o, &head, &tip, &base, k->res, err);
	if (!rc)
		rc = load_sides(k, o, head, tip, base, err);
	if (!rc) {
		k->prefix = k->res->prefix = k->repo->prefix;
		for (i = 0; i < k->head.count; i++)
			k->res->checked += k->head.items[i].kind == MIGC_KIND_VERSIONED;
		rc = check_rules(k, err);
	}
	git_commit_free(head);
	git_commit_free(tip);
	git_commit_free(base);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o;
	struct check_result res;
	struct checker k;
	migc_error err;
	int rc, exit_code;

	rc = parse_check(&o, argc, argv);
	if (rc)
		return rc;
	memset(&res, 0, sizeof(res));
	memset(&k, 0, sizeof(k));
	res.ref = o.ref;
	res.dir = o.dir;
	res.prefix = "";
	res.worktree = o.worktree;
	k.res = &res;
	migc_error_clear(&err);
	rc = run_check(&k, &o, &err);
	if (rc) {
		exit_code = ui_exit_code(rc);
		check_print_error(&err, exit_code, o.format);
	} else if (check_print(&res, o.format)) {
		ui_errorf("cannot write the output");
		exit_code = UI_EXIT_INVALID;
	} else {
		exit_code = res.count ? UI_EXIT_INVALID : UI_EXIT_OK;
	}
	mlist_free(&k.base);
	mlist_free(&k.tip);
	mlist_free(&k.head);
	repo_free(k.repo);
	check_result_free(&res);
	return exit_code;
}
