/*
 * source_git.c - migration files from the tree of a commit (`migc build
 * --rev`, `migc check`), through the same interface as the working-tree
 * directory (source.h), with the same rules:
 *  - names starting with "." are not migrations and are ignored;
 *  - blobs (executable or not) are read raw from the object database: no
 *    smudge or CRLF filter runs, so the bundle holds exactly what was
 *    committed (the canonical checksum makes line endings irrelevant);
 *  - a symlink (mode 120000) is followed inside the commit's tree only
 *    when it resolves to a file inside the directory; an absolute target
 *    is refused, since it cannot be checked against the commit;
 *  - subtrees and submodules are problems.
 * Entries are visited in byte order of their names, like source_dir.c.
 */
#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "util.h"

#define MAX_LINK_HOPS 16

struct git_source {
	struct migc_source base;
	struct repo *repo;
	git_commit *commit;
	char commit_hex[GIT_OID_HEXSZ + 1];
	char commit_short[REPO_SHORT_LEN + 1];
};

static int problem(migc_error *err, const char *display, const char *hint,
		   const char *what)
{
	migc_err(err, MIGC_EINVALID, "%s: %s", display, what);
	migc_err_where(err, display, 0);
	if (hint)
		migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

static int not_regular(struct git_source *s, migc_error *err,
		       const char *display, git_filemode_t mode)
{
	if (mode == GIT_FILEMODE_TREE) {
		problem(err, display, NULL, "not a regular file (a directory)");
		migc_err_hint(err, "migration files sit in '%s' or one directory below it (diesel, prisma); "
			      "move its files up or the directory out",
			      s->repo->dir);
		return MIGC_EINVALID;
	}
	if (mode == GIT_FILEMODE_COMMIT)
		return problem(err, display, "a submodule cannot be a migration; remove it "
			       "from the migrations directory", "not a regular file (a submodule)");
	return problem(err, display, "only regular files can be migrations",
		       "not a regular file");
}

static int leaves(migc_error *err, const char *display)
{
	return problem(err, display, "a migration must be part of the migrations directory; "
		       "copy the file in instead of linking to it",
		       "symlink leaves the migrations directory");
}

/*
 * `base` (a path in the tree, '/'-separated) joined with the link target
 * `t[0..n)` and normalised lexically ("." dropped, ".." pops). Fails (1)
 * when the result would climb above the repository's root.
 */
static int join_path(migc_buf *out, const char *base, const char *t, size_t n)
{
	const char *slash = strrchr(base, '/');
	size_t i = 0, start;

	out->len = 0;
	if (slash && migc_buf_put(out, base, (size_t)(slash - base)))
		return -1;
	if (migc_buf_put(out, "", 0))
		return -1;
	while (i < n) {
		start = i;
		while (i < n && t[i] != '/')
			i++;
		if (i - start == 2 && t[start] == '.' && t[start + 1] == '.') {
			char *up;

			if (!out->len)
				return 1;
			up = strrchr(out->data, '/');
			out->len = up ? (size_t)(up - out->data) : 0;
			out->data[out->len] = '\0';
		} else if (i > start && !(i - start == 1 && t[start] == '.')) {
			if ((out->len && migc_buf_put(out, "/", 1)) ||
			    migc_buf_put(out, t + start, i - start))
				return -1;
		}
		i++;
	}
	return 0;
}

/* 1 when the tree path `p` lies inside the migrations directory. */
static int inside(const struct git_source *s, const char *p)
{
	size_t n = strlen(s->repo->prefix);

	if (!n)
		return 1;
	return !strncmp(p, s->repo->prefix, n) && p[n] == '/';
}

/*
 * Follow the symlink at tree path `path` to a blob inside the directory
 * (`*blob`, to free), or fail with a problem.
 */
static int follow_link(struct git_source *s, git_tree *root, const char *path,
		       const char *display, git_blob **blob, migc_error *err)
{
	migc_buf cur = MIGC_BUF_INIT, next = MIGC_BUF_INIT;
	git_tree_entry *e = NULL;
	git_blob *link = NULL;
	int hops, rc = 0;

	*blob = NULL;
	if (migc_buf_puts(&cur, path))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (hops = 0; !rc; hops++) {
		const char *t;
		size_t n;

		git_tree_entry_free(e);
		e = NULL;
		if (hops > MAX_LINK_HOPS) {
			rc = problem(err, display, NULL, "symlink cannot be resolved (too many levels)");
			break;
		}
		rc = git_tree_entry_bypath(&e, root, cur.data);
		if (rc == GIT_ENOTFOUND) {
			rc = problem(err, display, "point the symlink at a migration file in the "
				     "same directory, or replace it with the file",
				     "broken symlink (its target does not exist)");
			break;
		}
		if (rc) {
			rc = repo_git_error(err, MIGC_EIO, display);
			break;
		}
		if (git_tree_entry_filemode(e) != GIT_FILEMODE_LINK) {
			if (!inside(s, cur.data))
				rc = leaves(err, display);
			else if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
				rc = not_regular(s, err, display, git_tree_entry_filemode(e));
			else if (git_blob_lookup(blob, s->repo->git, git_tree_entry_id(e)))
				rc = repo_git_error(err, MIGC_EIO, display);
			break;
		}
		if (git_blob_lookup(&link, s->repo->git, git_tree_entry_id(e))) {
			rc = repo_git_error(err, MIGC_EIO, display);
			break;
		}
		t = git_blob_rawcontent(link);
		n = (size_t)git_blob_rawsize(link);
		if (!n || t[0] == '/' || memchr(t, '\0', n))
			rc = leaves(err, display);
		else if ((rc = join_path(&next, cur.data, t, n)) > 0)
			rc = leaves(err, display);
		else if (rc < 0)
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		git_blob_free(link);
		link = NULL;
		if (!rc) {
			migc_buf tmp = cur;

			cur = next;
			next = tmp;
		}
	}
	git_tree_entry_free(e);
	migc_buf_free(&cur);
	migc_buf_free(&next);
	return rc;
}

/* The blob behind entry `e` (a file, or a symlink followed). */
static int entry_blob(struct git_source *s, git_tree *root,
		      const git_tree_entry *e, const char *name,
		      const char *display, git_blob **blob, migc_error *err)
{
	git_filemode_t mode = git_tree_entry_filemode(e);
	migc_buf path = MIGC_BUF_INIT;
	int rc;

	*blob = NULL;
	if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
		if (git_blob_lookup(blob, s->repo->git, git_tree_entry_id(e)))
			return repo_git_error(err, MIGC_EIO, display);
		return 0;
	}
	if (mode != GIT_FILEMODE_LINK)
		return not_regular(s, err, display, mode);
	if (migc_buf_printf(&path, "%s%s%s", s->repo->prefix, *s->repo->prefix ? "/" : "",
			    name))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = follow_link(s, root, path.data, display, blob, err);
	migc_buf_free(&path);
	return rc;
}

/* Visit entry `e`, called `name` relative to the migrations directory. */
static int visit(struct git_source *s, git_tree *root, const git_tree_entry *e,
		 const char *name, const struct migc_source_visitor *v,
		 migc_error *err)
{
	const char *dir = s->repo->dir;
	migc_buf display = MIGC_BUF_INIT;
	size_t dl = strlen(dir);
	git_blob *blob = NULL;
	int rc;

	if (migc_buf_printf(&display, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
			    name))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = entry_blob(s, root, e, name, display.data, &blob, err);
	if (!rc)
		rc = v->file(v->ctx, name, display.data, git_blob_rawcontent(blob),
			     (size_t)git_blob_rawsize(blob), err);
	else if (rc == MIGC_EINVALID && v->problem)
		rc = v->problem(v->ctx, err);
	git_blob_free(blob);
	migc_buf_free(&display);
	return rc;
}

static int entry_order(const void *a, const void *b)
{
	return strcmp(git_tree_entry_name(*(const git_tree_entry *const *)a),
		      git_tree_entry_name(*(const git_tree_entry *const *)b));
}

/* The entries of `tree` in byte order of their names (`*out` to free). */
static int sorted_entries(const git_tree_entry ***out, size_t *count,
			  const git_tree *tree, migc_error *err)
{
	size_t i, n = git_tree_entrycount(tree);

	*out = NULL;
	*count = 0;
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		(*out)[i] = git_tree_entry_byindex(tree, i);
	qsort((void *)*out, n, sizeof(**out), entry_order);
	*count = n;
	return 0;
}

/*
 * The files of subtree `sub` as "sub/name", in name order (diesel and prisma
 * keep one directory per migration); a tree further down is a problem,
 * reported by visit().
 */
static int visit_subtree(struct git_source *s, git_tree *root,
			 const git_tree_entry *sub,
			 const struct migc_source_visitor *v, migc_error *err)
{
	const git_tree_entry **entries = NULL;
	migc_buf rel = MIGC_BUF_INIT;
	git_tree *tree = NULL;
	size_t i, n;
	int rc = 0;

	if (v->dir) {
		const char *dir = s->repo->dir;
		size_t dl = strlen(dir);

		if (migc_buf_printf(&rel, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
				    git_tree_entry_name(sub)))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		rc = v->dir(v->ctx, git_tree_entry_name(sub), rel.data, err);
		migc_buf_free(&rel);
		if (rc)
			return rc;
	}
	if (git_tree_lookup(&tree, s->repo->git, git_tree_entry_id(sub)))
		return repo_git_error(err, MIGC_EIO, git_tree_entry_name(sub));
	rc = sorted_entries(&entries, &n, tree, err);
	for (i = 0; !rc && i < n; i++) {
		const char *name = git_tree_entry_name(entries[i]);

		if (name[0] == '.')
			continue;
		rel.len = 0;
		if (migc_buf_printf(&rel, "%s/%s", git_tree_entry_name(sub), name))
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		else
			rc = visit(s, root, entries[i], rel.data, v, err);
	}
	migc_buf_free(&rel);
	free(entries);
	git_tree_free(tree);
	return rc;
}

static int missing_dir(struct git_source *s, migc_error *err)
{
	migc_err(err, MIGC_ENOTFOUND, "migrations directory '%s' does not exist in commit %s",
		 s->repo->dir, s->commit_short);
	migc_err_hint(err, "see what the commit holds with 'git ls-tree %s -- %s/'",
		      s->commit_short, *s->repo->prefix ? s->repo->prefix : ".");
	migc_err_where(err, s->repo->dir, 0);
	return MIGC_ENOTFOUND;
}

static int git_walk(struct migc_source *src,
		    const struct migc_source_visitor *v, migc_error *err)
{
	struct git_source *s = (struct git_source *)src;
	const git_tree_entry **entries = NULL;
	git_tree *root = NULL, *dir = NULL;
	size_t i, n;
	int rc;

	rc = repo_dir_tree(&dir, s->repo, s->commit, err);
	if (rc)
		return rc;
	if (!dir)
		return missing_dir(s, err);
	if (git_commit_tree(&root, s->commit)) {
		git_tree_free(dir);
		return repo_git_error(err, MIGC_EIO, "cannot read the commit's tree");
	}
	rc = sorted_entries(&entries, &n, dir, err);
	for (i = 0; !rc && i < n; i++) {
		const char *name = git_tree_entry_name(entries[i]);

		if (name[0] == '.')
			continue;
		if (git_tree_entry_filemode(entries[i]) == GIT_FILEMODE_TREE)
			rc = visit_subtree(s, root, entries[i], v, err);
		else
			rc = visit(s, root, entries[i], name, v, err);
	}
	free(entries);
	git_tree_free(root);
	git_tree_free(dir);
	return rc;
}

static void git_source_free(struct migc_source *src)
{
	struct git_source *s = (struct git_source *)src;

	if (!s)
		return;
	git_commit_free(s->commit);
	free(s);
}

int migc_source_git_open(struct migc_source **out, struct repo *r,
			 const git_commit *commit, migc_error *err)
{
	struct git_source *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	if (git_commit_dup(&s->commit, (git_commit *)commit)) {
		free(s);
		return repo_git_error(err, MIGC_ENOMEM, "cannot keep the commit");
	}
	repo_oid_hex(s->commit_hex, git_commit_id(commit));
	repo_oid_short(s->commit_short, git_commit_id(commit));
	s->repo = r;
	s->base.version = MIGC_SOURCE_VERSION;
	s->base.kind = "git";
	s->base.where = r->dir;
	s->base.commit = s->commit_hex;
	s->base.dirty = 0;
	s->base.walk = git_walk;
	s->base.free = git_source_free;
	*out = &s->base;
	return 0;
}
