/*
 * check_rules.c - the rules of `migc check`, over the migrations of three
 * sides already read (cmd_check.c reads them from git): the merge base,
 * REF's tip, and the branch (HEAD or the working tree).
 *
 * (a) Against the merge base, a versioned migration that was there must
 *     still be there under the same name with the same canonical checksum;
 *     otherwise it was edited, deleted, or renamed (deleted, plus a new
 *     file with the same checksum). Repeatable migrations may change.
 * (b) Against REF's tip, each new versioned migration must have a version
 *     of its own that sorts after the tip's newest one (else: collision,
 *     out of order); two new migrations must not share a version. A file
 *     the tip already has with the same content is not new any more.
 *
 * Each finding that needs a new file name suggests the next free version,
 * numbered as `migc new` would (same style and width) above the newest of
 * all three sides, a different one for each finding, so following every
 * suggestion leaves no conflict.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "commands.h"
#include "util.h"

static int by_filename(const void *a, const void *b)
{
	return strcmp(((const struct mfile *)a)->filename, ((const struct mfile *)b)->filename);
}

void check_sort_files(struct mlist *l)
{
	if (l->count)
		qsort(l->items, l->count, sizeof(*l->items), by_filename);
}

static struct mfile *find_file(const struct mlist *l, const char *filename)
{
	struct mfile key;

	if (!l->count)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.filename = (char *)filename;
	return bsearch(&key, l->items, l->count, sizeof(*l->items), by_filename);
}

/* The versioned migration of `l` with `version`, or NULL. */
static const struct mfile *find_version(const struct mlist *l, const char *version)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i].kind == MIGC_KIND_VERSIONED &&
		    !migc_version_compare(l->items[i].version, version))
			return &l->items[i];
	return NULL;
}

static const struct mfile *newest(const struct mlist *l)
{
	const struct mfile *n = NULL;
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i].kind == MIGC_KIND_VERSIONED &&
		    (!n || migc_version_compare(l->items[i].version, n->version) > 0))
			n = &l->items[i];
	return n;
}

/* ------------------------------------------------------------------ */
/* findings                                                            */
/* ------------------------------------------------------------------ */

/*
 * The texts of one finding, built with migc_buf (paths have no length
 * limit); `oom` is sticky, checked once in finding_add().
 */
struct texts {
	migc_buf path, other, msg, sug;
	int oom;
};

static void texts_free(struct texts *t)
{
	migc_buf_free(&t->path);
	migc_buf_free(&t->other);
	migc_buf_free(&t->msg);
	migc_buf_free(&t->sug);
}

/* Append "migrations/0001_a.sql", a path from the repository root. */
static void put_path(struct texts *t, migc_buf *b, const struct checker *k,
		     const char *filename)
{
	if (migc_buf_printf(b, "%s%s%s", k->prefix, *k->prefix ? "/" : "",
			    filename))
		t->oom = 1;
}

static void put(struct texts *t, migc_buf *b, const char *fmt, ...) MIGC_PRINTF(3, 4);

static void put(struct texts *t, migc_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (migc_buf_vprintf(b, fmt, ap))
		t->oom = 1;
	va_end(ap);
}

static int finding_add(struct checker *k, struct texts *t, const char *kind,
		       const struct mfile *f, const char *commit,
		       const char *next_version, migc_error *err)
{
	int rc;

	if (t->oom)
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	else
		rc = check_add(k->res, kind, t->path.data, f->version, commit,
			       t->other.len ? t->other.data : NULL, next_version,
			       t->msg.data, t->sug.data, err);
	texts_free(t);
	return rc;
}

/* Hand out the next free version (a new one on every call), or NULL. */
static const char *next_free(struct checker *k, char *out, size_t size)
{
	if (new_version_after(k->next, out, size))
		return NULL;
	migc_strlcpy(k->next, out, sizeof(k->next));
	return out;
}

static void start_next(struct checker *k)
{
	const struct mfile *c[3];
	size_t i;

	c[0] = newest(&k->base);
	c[1] = newest(&k->tip);
	c[2] = newest(&k->head);
	k->next[0] = '\0';
	for (i = 0; i < 3; i++)
		if (c[i] && (!*k->next || migc_version_compare(c[i]->version, k->next) > 0))
			migc_strlcpy(k->next, c[i]->version, sizeof(k->next));
}

static int edited(struct checker *k, const struct mfile *f, migc_error *err)
{
	struct texts t = {MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, 0};
	const char *b = k->res->merge_base;
	char nv[260];
	const char *v = next_free(k, nv, sizeof(nv));

	put_path(&t, &t.path, k, f->filename);
	put(&t, &t.msg, "edited after it was merged: its checksum differs from the merge "
	    "base %.12s of HEAD and %s, so databases that applied it would drift",
	    b, k->res->ref);
	put(&t, &t.sug, "restore it (git checkout %.12s -- %s) and put the change in a new "
	    "migration", b, t.path.data ? t.path.data : "");
	if (v) {
		put(&t, &t.sug, ", e.g. ");
		put_path(&t, &t.sug, k, "");
		put(&t, &t.sug, "%s_%s.sql", v, f->name);
	}
	return finding_add(k, &t, CHECK_EDITED, f, b, v, err);
}

static int deleted(struct checker *k, const struct mfile *f, migc_error *err)
{
	struct texts t = {MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, 0};
	const char *b = k->res->merge_base;

	put_path(&t, &t.path, k, f->filename);
	put(&t, &t.msg, "deleted, but it was merged (it is in the merge base %.12s of HEAD "
	    "and %s): databases that applied it would report it missing", b, k->res->ref);
	put(&t, &t.sug, "restore it (git checkout %.12s -- %s); to undo what it did, add a "
	    "new migration", b, t.path.data ? t.path.data : "");
	return finding_add(k, &t, CHECK_DELETED, f, b, NULL, err);
}

static int renamed(struct checker *k, const struct mfile *from,
		   const struct mfile *to, migc_error *err)
{
	struct texts t = {MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, 0};
	const char *b = k->res->merge_base;

	put_path(&t, &t.path, k, to->filename);
	put_path(&t, &t.other, k, from->filename);
	if (t.oom)
		return finding_add(k, &t, CHECK_RENAMED, to, b, NULL, err);
	put(&t, &t.msg, "renamed from %s, which was merged (merge base %.12s of HEAD and "
	    "%s): databases know it by its old name", t.other.data, b, k->res->ref);
	put(&t, &t.sug, "keep the old name: git mv %s %s", t.path.data, t.other.data);
	return finding_add(k, &t, CHECK_RENAMED, to, b, NULL, err);
}

/*
 * A new migration that must be renumbered (collision, order, duplicate):
 * `t` holds its message and the other file already.
 */
static int renumber(struct checker *k, struct texts *t, const char *kind,
		    const struct mfile *f, const char *commit, migc_error *err)
{
	char nv[260];
	const char *v = next_free(k, nv, sizeof(nv));

	put_path(t, &t->path, k, f->filename);
	if (v) {
		put(t, &t->sug, "renumber it to the next free version %s: git mv %s ", v,
		    t->path.data ? t->path.data : "");
		put_path(t, &t->sug, k, "");
		put(t, &t->sug, "%s_%s.sql", v, f->name);
	} else {
		put(t, &t->sug, "renumber it after the newest version of %s", k->res->ref);
	}
	return finding_add(k, t, kind, f, commit, v, err);
}

/* (a) Every merged versioned migration is still there, unchanged. */
static int check_merged(struct checker *k, migc_error *err)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; !rc && i < k->base.count; i++) {
		const struct mfile *f = &k->base.items[i];
		struct mfile *h = find_file(&k->head, f->filename), *to = NULL;

		if (h)
			h->old = 1;
		if (f->kind != MIGC_KIND_VERSIONED)
			continue;
		if (h) {
			if (strcmp(h->checksum, f->checksum) != 0)
				rc = edited(k, f, err);
			continue;
		}
		for (j = 0; j < k->head.count && !to; j++) {
			struct mfile *g = &k->head.items[j];

			if (g->kind == MIGC_KIND_VERSIONED && !g->taken &&
			    !find_file(&k->base, g->filename) && !strcmp(g->checksum, f->checksum))
				to = g;
		}
		if (to) {
			to->taken = 1;
			rc = renamed(k, f, to, err);
		} else {
			rc = deleted(k, f, err);
		}
	}
	return rc;
}

static int by_version(const void *a, const void *b)
{
	const struct mfile *x = *(const struct mfile *const *)a;
	const struct mfile *y = *(const struct mfile *const *)b;
	int c = migc_version_compare(x->version, y->version);

	return c ? c : strcmp(x->filename, y->filename);
}

/* One new migration against REF's tip. 1 when it was reported. */
static int check_new_one(struct checker *k, struct mfile *n, migc_error *err,
			 int *rc)
{
	const struct mfile *same = find_file(&k->tip, n->filename), *top = newest(&k->tip);
	const struct mfile *clash = find_version(&k->tip, n->version);
	struct texts t = {MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, 0};
	const char *tip = k->res->tip;

	if (clash) {
		put_path(&t, &t.other, k, clash->filename);
		put(&t, &t.msg, "version %s is already taken in %s (commit %.12s) by %s%s",
		    n->version, k->res->ref, tip, t.other.data ? t.other.data : "",
		    same ? ", with other content" : "");
		*rc = renumber(k, &t, CHECK_COLLISION, n, tip, err);
		return 1;
	}
	if (top && migc_version_compare(n->version, top->version) < 0) {
		put_path(&t, &t.other, k, top->filename);
		put(&t, &t.msg, "version %s sorts before %s, the newest migration in %s (commit "
		    "%.12s): databases that applied %s would refuse it as out of order",
		    n->version, t.other.data ? t.other.data : "", k->res->ref, tip, top->version);
		*rc = renumber(k, &t, CHECK_ORDER, n, tip, err);
		return 1;
	}
	return 0;
}

/* (b) New migrations: their own version, after the tip's newest. */
static int check_new(struct checker *k, migc_error *err)
{
	struct mfile **news, *prev = NULL;
	size_t i, n = 0;
	int rc = 0;

	news = k->head.count ? malloc(k->head.count * sizeof(*news)) : NULL;
	if (k->head.count && !news)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; i < k->head.count; i++) {
		struct mfile *f = &k->head.items[i], *t;

		if (f->kind != MIGC_KIND_VERSIONED || f->old || f->taken)
			continue;
		t = find_file(&k->tip, f->filename);
		if (t && !strcmp(t->checksum, f->checksum))
			continue; /* REF has it already, as it is */
		news[n++] = f;
	}
	k->res->added = n;
	if (n)
		qsort(news, n, sizeof(*news), by_version);
	for (i = 0; !rc && i < n; i++) {
		struct texts t = {MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, MIGC_BUF_INIT, 0};

		if (check_new_one(k, news[i], err, &rc))
			continue;
		if (prev && !migc_version_compare(prev->version, news[i]->version)) {
			put_path(&t, &t.other, k, prev->filename);
			put(&t, &t.msg, "version %s is also the version of %s, another new "
			    "migration", news[i]->version, t.other.data ? t.other.data : "");
			rc = renumber(k, &t, CHECK_DUPLICATE, news[i], k->res->head, err);
			continue;
		}
		prev = news[i];
	}
	free(news);
	return rc;
}

int check_rules(struct checker *k, migc_error *err)
{
	int rc;

	start_next(k);
	rc = check_merged(k, err);
	if (!rc)
		rc = check_new(k, err);
	return rc;
}
