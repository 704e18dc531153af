/*
 * git.c - opening the repository of a migrations directory, resolving
 * revisions, reading the directory's tree at a commit, and the working
 * tree's status. See git.h.
 *
 * Paths: the user names the directory relative to the current directory
 * (or absolutely); git trees are addressed relative to the repository's
 * root. repo_open() resolves the directory (symlinks included, even when
 * its last components do not exist yet) and keeps the difference as
 * `prefix`.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "git.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void repo_oid_hex(char out[GIT_OID_HEXSZ + 1], const git_oid *id)
{
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, id);
}

void repo_oid_short(char out[REPO_SHORT_LEN + 1], const git_oid *id)
{
	git_oid_tostr(out, REPO_SHORT_LEN + 1, id);
}

int repo_git_error(migc_error *err, int code, const char *what)
{
	const git_error *e = git_error_last();

	if (e && e->message && *e->message)
		return migc_err(err, code, "%s: %s", what, e->message);
	return migc_err(err, code, "%s", what);
}

void repo_hint_unshallow(migc_error *err)
{
	migc_err_hint(err, "this clone is shallow: fetch the history with 'git fetch "
			   "--unshallow' (in GitHub Actions: actions/checkout with "
			   "fetch-depth: 0)");
}

/*
 * The real path of `dir`, which may not exist: the real path of its
 * closest existing ancestor with the missing components appended.
 * `*existing` receives that ancestor's real path. Both are malloc'd.
 * Returns 0, MIGC_ENOMEM, or MIGC_EIO with errno set.
 */
static int resolve_path(const char *dir, char **out, char **existing)
{
	const char *parent, *base;
	size_t n = strlen(dir);
	char *copy, *slash;
	migc_buf b = MIGC_BUF_INIT;
	int rc;

	if ((*out = realpath(dir, NULL))) {
		*existing = migc_strdup(*out);
		if (*existing)
			return 0;
		free(*out);
		*out = NULL;
		return MIGC_ENOMEM;
	}
	if (errno != ENOENT)
		return MIGC_EIO;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	copy = malloc(n + 1);
	if (!copy)
		return MIGC_ENOMEM;
	memcpy(copy, dir, n);
	copy[n] = '\0';
	slash = strrchr(copy, '/');
	if (!slash) {
		parent = ".";
		base = copy;
	} else if (slash == copy) {
		parent = "/";
		base = copy + 1;
	} else {
		*slash = '\0';
		parent = copy;
		base = slash + 1;
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		free(copy);
		errno = ENOENT;
		return MIGC_EIO;
	}
	rc = resolve_path(parent, out, existing);
	if (!rc && migc_buf_printf(&b, "%s%s%s", *out, strcmp(*out, "/") ? "/" : "", base))
		rc = MIGC_ENOMEM;
	if (!rc) {
		free(*out);
		*out = migc_buf_detach(&b);
	} else if (*out) {
		free(*out);
		free(*existing);
		*out = *existing = NULL;
	}
	free(copy);
	return rc;
}

/* The owner of `path` when it is not the current user, else -1. */
static long foreign_owner(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || st.st_uid == geteuid())
		return -1;
	return (long)st.st_uid;
}

/*
 * A repository owned by another user: git's advice. libgit2 1.5 reports it
 * as GIT_EOWNER, or (a libgit2 1.5.1 quirk when no safe.directory is
 * configured at all) as "config value 'safe.directory' was not found";
 * both come here, with the working tree found by git_repository_discover,
 * which does not check ownership.
 */
static int owner_error(const char *start, migc_error *err)
{
	git_buf gitdir = {NULL, 0, 0};
	char top[4096];
	size_t n;
	long uid;

	migc_strlcpy(top, start, sizeof(top));
	if (git_repository_discover(&gitdir, start, 0, NULL) == 0) {
		migc_strlcpy(top, gitdir.ptr, sizeof(top));
		n = strlen(top);
		while (n > 1 && top[n - 1] == '/')
			top[--n] = '\0';
		if (n > 5 && !strcmp(top + n - 5, "/.git"))
			top[n - 5] = '\0';
	}
	git_buf_dispose(&gitdir);
	uid = foreign_owner(top);
	migc_err(err, MIGC_EUSAGE, "the git repository at '%s' is owned by another user "
		 "(uid %ld), so it is not trusted", top, uid);
	migc_err_hint(err, "if you trust it, run: git config --global --add safe.directory %s",
		      top);
	return MIGC_EUSAGE;
}

/* libgit2 was initialised (repo_lib_init) and is to be shut down. */
static int lib_ready;

/*
 * Initialise libgit2 on first use. Owner validation (git's safe.directory
 * rule) is on by default; it is set explicitly so that no build of libgit2
 * can quietly trust a repository owned by someone else.
 */
static int repo_lib_init(migc_error *err)
{
	if (lib_ready)
		return 0;
	if (git_libgit2_init() < 0)
		return repo_git_error(err, MIGC_ERROR, "cannot initialise libgit2");
	lib_ready = 1;
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 1);
	return 0;
}

void repo_lib_shutdown(void)
{
	if (lib_ready)
		git_libgit2_shutdown();
	lib_ready = 0;
}

/* 1 when `dir/name` exists (as anything, a broken symlink included). */
static int has_entry(const char *dir, size_t len, const char *name)
{
	char path[PATH_MAX];
	size_t nl = strlen(name);
	struct stat st;

	if (len + 1 + nl >= sizeof(path))
		return 1; /* cannot tell: let libgit2 look */
	memcpy(path, dir, len);
	path[len] = '/';
	memcpy(path + len + 1, name, nl + 1);
	return lstat(path, &st) == 0 || errno != ENOENT;
}

/*
 * 0 when no repository can hold the real path `start`: neither it nor any
 * directory above it, up to the root, has a `.git` entry or looks like a
 * git directory itself (HEAD, or a linked worktree's commondir). This is
 * looser than git's discovery (which also stops at file system boundaries
 * and $GIT_CEILING_DIRECTORIES), so 1 only means "ask libgit2".
 */
static int may_be_in_repo(const char *start)
{
	size_t len = strlen(start);

	for (;;) {
		while (len > 0 && start[len - 1] == '/')
			len--;
		if (has_entry(start, len, ".git") || has_entry(start, len, "HEAD") ||
		    has_entry(start, len, "commondir"))
			return 1;
		if (!len)
			return 0;
		while (len > 0 && start[len - 1] != '/')
			len--;
	}
}

/* Open the repository from `start`, classifying the failures. */
static int open_git(git_repository **out, const char *start, migc_error *err)
{
	git_buf gitdir = {NULL, 0, 0};
	const char *ceiling = getenv("GIT_CEILING_DIRECTORIES");
	int rc, found;

	if (!may_be_in_repo(start))
		goto none;
	rc = repo_lib_init(err);
	if (rc)
		return rc;
	rc = git_repository_open_ext(out, start, 0, ceiling && *ceiling ? ceiling : NULL);
	if (!rc)
		return 0;
	if (rc == GIT_EOWNER)
		return owner_error(start, err);
	if (rc != GIT_ENOTFOUND)
		return repo_git_error(err, MIGC_EUSAGE, "cannot open the git repository");
	found = git_repository_discover(&gitdir, start, 0,
					ceiling && *ceiling ? ceiling : NULL) == 0;
	if (found && foreign_owner(gitdir.ptr) >= 0) {
		git_buf_dispose(&gitdir);
		return owner_error(start, err);
	}
	git_buf_dispose(&gitdir);
	if (found)
		return repo_git_error(err, MIGC_EUSAGE, "cannot open the git repository");
none:
	migc_err(err, MIGC_ENOTFOUND, "'%s' is not in a git repository", start);
	return MIGC_ENOTFOUND;
}

/* Where the directory sits in the working tree: `abs` minus `workdir`. */
static int set_prefix(struct repo *r, const char *abs, migc_error *err)
{
	size_t wl = strlen(r->workdir), al = strlen(abs);

	if (al + 1 == wl && !strncmp(abs, r->workdir, al)) {
		r->prefix = migc_strdup("");
	} else if (al > wl && !strncmp(abs, r->workdir, wl)) {
		r->prefix = migc_strdup(abs + wl);
	} else {
		migc_err(err, MIGC_EUSAGE, "'%s' is outside the working tree of the git "
			 "repository at '%s'", r->dir, r->workdir);
		migc_err_hint(err, "run migc inside the repository that holds the migrations");
		return MIGC_EUSAGE;
	}
	if (!r->prefix)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	return 0;
}

static int workdir_of(struct repo *r, migc_error *err)
{
	const char *wd = git_repository_workdir(r->git);
	char *real;

	if (!wd) {
		migc_err(err, MIGC_EUSAGE, "the git repository of '%s' is bare (it has no "
			 "working tree)", r->dir);
		migc_err_hint(err, "run migc in a clone with a working tree");
		return MIGC_EUSAGE;
	}
	real = realpath(wd, NULL);
	if (!real)
		return migc_err(err, MIGC_EIO, "cannot resolve '%s': %s", wd, strerror(errno));
	if (!strcmp(real, "/")) {
		r->workdir = real;
		return 0;
	}
	r->workdir = malloc(strlen(real) + 2);
	if (r->workdir)
		snprintf(r->workdir, strlen(real) + 2, "%s/", real);
	free(real);
	return r->workdir ? 0 : migc_err(err, MIGC_ENOMEM, "out of memory");
}

int repo_open(struct repo **out, const char *dir, migc_error *err)
{
	struct repo *r = calloc(1, sizeof(*r));
	char *abs = NULL, *existing = NULL;
	int rc;

	*out = NULL;
	if (!r || !(r->dir = migc_strdup(dir))) {
		free(r);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	rc = resolve_path(dir, &abs, &existing);
	if (rc == MIGC_ENOMEM) {
		rc = migc_err(err, rc, "out of memory");
	} else if (rc) {
		rc = migc_err(err, MIGC_EIO, "cannot resolve '%s': %s", dir, strerror(errno));
	}
	if (!rc)
		rc = open_git(&r->git, existing, err);
	if (!rc)
		rc = workdir_of(r, err);
	if (!rc)
		rc = set_prefix(r, abs, err);
	free(abs);
	free(existing);
	if (rc) {
		repo_free(r);
		return rc;
	}
	r->shallow = git_repository_is_shallow(r->git) == 1;
	*out = r;
	return 0;
}

void repo_free(struct repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->workdir);
	free(r->prefix);
	free(r->dir);
	free(r);
}

int repo_commit(git_commit **out, struct repo *r, const char *rev,
		const char *what, migc_error *err)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc;

	*out = NULL;
	rc = git_revparse_single(&obj, r->git, rev);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS) {
		migc_err(err, MIGC_EUSAGE, "%s: unknown revision '%s'%s", what, rev,
			 rc == GIT_EAMBIGUOUS ? " (ambiguous)" : "");
		if (r->shallow)
			migc_err_hint(err, "this clone is shallow and may lack '%s': fetch the "
				      "branches with their history, e.g. 'git fetch --unshallow "
				      "origin \"+refs/heads/*:refs/remotes/origin/*\"' (GitHub "
				      "Actions: actions/checkout with fetch-depth: 0)", rev);
		else
			migc_err_hint(err, "fetch it first (e.g. 'git fetch origin'), or check "
					   "its spelling with 'git rev-parse %s'", rev);
		return MIGC_EUSAGE;
	}
	if (rc)
		return repo_git_error(err, MIGC_EUSAGE, rev);
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc) {
		migc_err(err, MIGC_EUSAGE, "%s: '%s' does not name a commit", what, rev);
		return MIGC_EUSAGE;
	}
	*out = (git_commit *)peeled;
	return 0;
}

int repo_head(git_commit **out, struct repo *r, migc_error *err)
{
	git_oid id;
	int rc;

	*out = NULL;
	rc = git_reference_name_to_id(&id, r->git, "HEAD");
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH)
		return 0; /* unborn: no commits yet */
	if (rc)
		return repo_git_error(err, MIGC_EUSAGE, "cannot read HEAD");
	if (git_commit_lookup(out, r->git, &id))
		return repo_git_error(err, MIGC_EUSAGE, "cannot read HEAD's commit");
	return 0;
}

int repo_dir_id(git_oid *out, struct repo *r, const git_commit *commit,
		migc_error *err)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int rc;

	if (!*r->prefix) {
		git_oid_cpy(out, git_commit_tree_id(commit));
		return 1;
	}
	if (git_commit_tree(&root, commit))
		return repo_git_error(err, MIGC_EIO, "cannot read a commit's tree");
	rc = git_tree_entry_bypath(&e, root, r->prefix);
	git_tree_free(root);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc)
		return repo_git_error(err, MIGC_EIO, "cannot read a commit's tree");
	rc = git_tree_entry_type(e) == GIT_OBJECT_TREE;
	if (rc)
		git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return rc;
}

int repo_dir_tree(git_tree **out, struct repo *r, const git_commit *commit,
		  migc_error *err)
{
	git_oid id;
	int rc;

	*out = NULL;
	rc = repo_dir_id(&id, r, commit, err);
	if (rc <= 0)
		return rc;
	if (git_tree_lookup(out, r->git, &id))
		return repo_git_error(err, MIGC_EIO, "cannot read a tree");
	return 0;
}

static const char *change_name(unsigned s)
{
	if (s & (GIT_STATUS_WT_NEW))
		return "untracked";
	if (s & GIT_STATUS_INDEX_NEW)
		return "new file";
	if (s & (GIT_STATUS_INDEX_DELETED | GIT_STATUS_WT_DELETED))
		return "deleted";
	if (s & (GIT_STATUS_INDEX_RENAMED | GIT_STATUS_WT_RENAMED))
		return "renamed";
	if (s & (GIT_STATUS_INDEX_TYPECHANGE | GIT_STATUS_WT_TYPECHANGE))
		return "type changed";
	if (s & GIT_STATUS_CONFLICTED)
		return "conflicted";
	return "modified";
}

void repo_changes_free(struct repo_change *changes, size_t count)
{
	size_t i;

	for (i = 0; changes && i < count; i++)
		free(changes[i].path);
	free(changes);
}

/* Copy the status list into `changes`. */
static int collect_changes(struct repo_change **changes, size_t *count,
			   git_status_list *list, migc_error *err)
{
	size_t i, n = git_status_list_entrycount(list);
	struct repo_change *c;

	*changes = NULL;
	*count = 0;
	if (!n)
		return 0;
	c = calloc(n, sizeof(*c));
	if (!c)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir
							       : e->head_to_index;

		c[i].what = change_name(e->status);
		c[i].path = migc_strdup(d && d->new_file.path ? d->new_file.path
					: d && d->old_file.path ? d->old_file.path : "?");
		if (!c[i].path) {
			repo_changes_free(c, i);
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		}
	}
	*changes = c;
	*count = n;
	return 0;
}

int repo_dir_status(struct repo_change **changes, size_t *count,
		    struct repo *r, migc_error *err)
{
	git_status_options opts;
	git_status_list *list = NULL;
	char *paths[1];
	int rc;

	if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION))
		return repo_git_error(err, MIGC_ERROR, "libgit2 status options");
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/* Untracked files count (a new migration not yet added is exactly
	 * what a dirty build would ship); ignored ones do not. The pathspec
	 * is a literal path: a directory named "[x]" is not a glob. */
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (*r->prefix) {
		paths[0] = r->prefix;
		opts.pathspec.strings = paths;
		opts.pathspec.count = 1;
	}
	if (git_status_list_new(&list, r->git, &opts))
		return repo_git_error(err, MIGC_EIO, "cannot read the working tree's status");
	rc = collect_changes(changes, count, list, err);
	git_status_list_free(list);
	return rc;
}
