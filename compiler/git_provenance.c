/*
 * git_provenance.c - which commit added each migration (`migc build
 * --provenance`).
 *
 * The walk follows the first-parent chain back from the start commit (HEAD,
 * or the --rev commit). For each commit C and its first parent P it
 * compares the id of the migrations directory's tree, which costs one small
 * root-tree read and no diff:
 *  - equal (most commits: they touched other files): nothing in the
 *    directory changed, go on;
 *  - different: read both directory trees and merge their sorted entries;
 *    a wanted file present in C and absent in P was added by C.
 * The walk stops as soon as every wanted file is found, or at the root
 * commit, which added whatever it holds. Each file is credited to the
 * newest commit that added it under its current name (a renamed file is
 * added by the rename; one deleted and added again, by the second add).
 *
 * Why first parent: the chain is the history of the branch itself, so a
 * migration that came in with a merge is credited to the merge commit, the
 * moment it landed on the branch being built (which is what ordering and
 * deploys care about), and the result does not depend on the order side
 * branches are visited in. It also keeps the walk linear: one commit per
 * step, never a side branch.
 *
 * Only the files present in the directory at the start commit are looked
 * for: a file that is not committed there (an untracked migration in a
 * dirty working tree) has no adding commit, and looking for it would walk
 * the whole history for nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "util.h"

struct wanted {
	const char *name; /* the file name (owned by the set) */
	size_t index;     /* in the set */
	int found;
};

struct walk {
	struct repo *repo;
	migc_set *set;
	struct wanted *items;
	size_t count, remaining;
};

static int wanted_order(const void *a, const void *b)
{
	return strcmp(((const struct wanted *)a)->name, ((const struct wanted *)b)->name);
}

static int wanted_key(const void *key, const void *item)
{
	return strcmp(key, ((const struct wanted *)item)->name);
}

/* Credit the file `name` (if wanted and not found yet) to `c`. */
static int credit(struct walk *w, const char *name, const git_commit *c,
		  migc_error *err)
{
	struct wanted *it = bsearch(name, w->items, w->count, sizeof(*w->items), wanted_key);
	char hex[GIT_OID_HEXSZ + 1];

	if (!it || it->found)
		return 0;
	it->found = 1;
	w->remaining--;
	repo_oid_hex(hex, git_commit_id(c));
	return migc_set_set_provenance(w->set, it->index, hex,
				       (long long)git_commit_author(c)->when.time, err);
}

/*
 * Credit to `c` every file of its directory tree `now` that is absent from
 * its parent's `before` (NULL: the parent has no such directory). Both
 * trees are sorted the git way, so one merge pass finds them. A migration
 * may sit one directory down (diesel, prisma: "dir/up.sql"): a subtree
 * that is new, or whose id changed, is compared the same way, its files
 * named with `prefix` "dir/".
 */
static int credit_new_entries(struct walk *w, const git_tree *now,
			      const git_tree *before, const git_commit *c,
			      const char *prefix, migc_error *err);

static int credit_subtree(struct walk *w, const git_tree_entry *a,
			  const git_tree_entry *b, const git_commit *c,
			  migc_error *err)
{
	git_tree *now = NULL, *before = NULL;
	migc_buf prefix = MIGC_BUF_INIT;
	int rc = 0;

	if (git_tree_lookup(&now, w->repo->git, git_tree_entry_id(a)) ||
	    (b && git_tree_entry_type(b) == GIT_OBJECT_TREE &&
	     git_tree_lookup(&before, w->repo->git, git_tree_entry_id(b))))
		rc = repo_git_error(err, MIGC_EIO, "cannot read a tree");
	else if (migc_buf_printf(&prefix, "%s/", git_tree_entry_name(a)))
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	else
		rc = credit_new_entries(w, now, before, c, prefix.data, err);
	migc_buf_free(&prefix);
	git_tree_free(now);
	git_tree_free(before);
	return rc;
}

static int credit_entry(struct walk *w, const git_tree_entry *a,
			const git_commit *c, const char *prefix,
			migc_error *err)
{
	migc_buf name = MIGC_BUF_INIT;
	int rc;

	if (!*prefix)
		return credit(w, git_tree_entry_name(a), c, err);
	if (migc_buf_printf(&name, "%s%s", prefix, git_tree_entry_name(a)))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = credit(w, name.data, c, err);
	migc_buf_free(&name);
	return rc;
}

static int credit_new_entries(struct walk *w, const git_tree *now,
			      const git_tree *before, const git_commit *c,
			      const char *prefix, migc_error *err)
{
	size_t i = 0, j = 0, nn = git_tree_entrycount(now);
	size_t nb = before ? git_tree_entrycount(before) : 0;
	int rc = 0;

	while (!rc && i < nn && w->remaining) {
		const git_tree_entry *a = git_tree_entry_byindex(now, i);
		const git_tree_entry *b = j < nb ? git_tree_entry_byindex(before, j) : NULL;
		int cmp = b ? git_tree_entry_cmp(a, b) : -1;
		int subtree = !*prefix && git_tree_entry_type(a) == GIT_OBJECT_TREE;

		if (cmp < 0) {
			if (git_tree_entry_type(a) == GIT_OBJECT_BLOB)
				rc = credit_entry(w, a, c, prefix, err);
			else if (subtree)
				rc = credit_subtree(w, a, NULL, c, err);
			i++;
		} else if (cmp > 0) {
			j++;
		} else {
			if (subtree && !git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)))
				rc = credit_subtree(w, a, b, c, err);
			i++;
			j++;
		}
	}
	return rc;
}

/* The files of the set present at the start (`dir` its directory tree). */
static int wanted_init(struct walk *w, const git_tree *dir, migc_error *err)
{
	size_t i, n = migc_set_count(w->set);

	w->items = n ? calloc(n, sizeof(*w->items)) : NULL;
	if (n && !w->items)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; dir && i < n; i++) {
		const migc_migration *m = migc_set_get(w->set, i);
		git_tree_entry *e = NULL;
		int blob;

		/* by path: diesel and prisma files sit one directory down */
		if (git_tree_entry_bypath(&e, dir, m->filename))
			continue;
		blob = git_tree_entry_type(e) == GIT_OBJECT_BLOB;
		git_tree_entry_free(e);
		if (!blob)
			continue;
		w->items[w->count].name = m->filename;
		w->items[w->count].index = i;
		w->count++;
	}
	if (w->count)
		qsort(w->items, w->count, sizeof(*w->items), wanted_order);
	w->remaining = w->count;
	return 0;
}

/* The history stops at `c` although its parent is named: a shallow clone. */
static int history_cut(struct walk *w, const git_commit *c, migc_error *err)
{
	char hex[REPO_SHORT_LEN + 1];

	repo_oid_short(hex, git_commit_id(c));
	if (!w->repo->shallow)
		return repo_git_error(err, MIGC_EIO, "cannot read the parent of a commit");
	migc_err(err, MIGC_EUSAGE, "--provenance: the history ends at commit %s before the "
		 "commit that added %zu migration%s was found", hex, w->remaining,
		 w->remaining == 1 ? "" : "s");
	repo_hint_unshallow(err);
	return MIGC_EUSAGE;
}

/* Credit everything still wanted to the root commit `c`. */
static int credit_root(struct walk *w, const git_commit *c, migc_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < w->count; i++)
		if (!w->items[i].found)
			rc = credit(w, w->items[i].name, c, err);
	return rc;
}

/*
 * One step: `c` (whose directory tree is `*now`, id `now_id`) against its
 * first parent, which becomes the new `*c`.
 */
static int step(struct walk *w, git_commit **c, git_tree **now,
		git_oid *now_id, migc_error *err)
{
	git_commit *parent = NULL;
	git_tree *before = NULL;
	git_oid before_id;
	int has, rc;

	rc = git_commit_parent(&parent, *c, 0);
	if (rc == GIT_ENOTFOUND)
		return history_cut(w, *c, err);
	if (rc)
		return repo_git_error(err, MIGC_EIO, "cannot read a commit");
	has = repo_dir_id(&before_id, w->repo, parent, err);
	if (has < 0) {
		git_commit_free(parent);
		return has;
	}
	rc = 0;
	if (!has || !git_oid_equal(&before_id, now_id)) {
		if (!*now && git_tree_lookup(now, w->repo->git, now_id))
			rc = repo_git_error(err, MIGC_EIO, "cannot read a tree");
		if (!rc && has && git_tree_lookup(&before, w->repo->git, &before_id))
			rc = repo_git_error(err, MIGC_EIO, "cannot read a tree");
		if (!rc)
			rc = credit_new_entries(w, *now, before, *c, "", err);
		git_tree_free(*now);
		*now = before;
	}
	git_commit_free(*c);
	*c = parent;
	if (has)
		git_oid_cpy(now_id, &before_id);
	return rc;
}

int repo_provenance(struct repo *r, const git_commit *start, migc_set *set,
		    migc_error *err)
{
	struct walk w;
	git_commit *c = NULL;
	git_tree *now = NULL;
	git_oid now_id;
	int rc;

	memset(&w, 0, sizeof(w));
	w.repo = r;
	w.set = set;
	rc = repo_dir_tree(&now, r, start, err);
	if (!rc)
		rc = wanted_init(&w, now, err);
	if (!rc && w.remaining) {
		git_oid_cpy(&now_id, git_tree_id(now));
		if (git_commit_dup(&c, (git_commit *)start))
			rc = repo_git_error(err, MIGC_ENOMEM, "cannot keep the commit");
	}
	/* The walk only compares object ids and names, so it skips re-hashing
	 * every object it reads (as git does); blob contents for the bundle
	 * are read with verification on. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	while (!rc && w.remaining) {
		if (git_commit_parentcount(c) == 0)
			rc = credit_root(&w, c, err);
		else
			rc = step(&w, &c, &now, &now_id, err);
	}
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_commit_free(c);
	git_tree_free(now);
	free(w.items);
	return rc;
}
