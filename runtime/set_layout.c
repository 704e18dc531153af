/*
 * set_layout.c - turning another tool's migration directory into a set.
 *
 * In migc's own layout one file is one migration. Elsewhere a migration may
 * be several files (golang-migrate's .up.sql and .down.sql, diesel's
 * up.sql, down.sql and metadata.toml) or one file with sections (goose,
 * dbmate). migc_set_add() keeps each file as a part: its name taken apart
 * (layout_name_parse), its canonical content and its sections; files are
 * judged one by one there, so the compiler can report every bad file of a
 * directory in one run. migc_set_finish() then groups parts by key and
 * makes one migration of each group: the up SQL (what runs, and what the
 * checksum covers), the down SQL, and the flags of the tool's own
 * no-transaction markers and settings files.
 *
 * The checksum covers the up SQL alone, so editing a down section is not
 * drift: what ran on the database did not change.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "set_internal.h"
#include "util.h"

struct set_part {
	struct layout_name ln;
	char *path;
	char *display;
	char *data; /* canonical content, NUL-terminated */
	size_t len;
	struct layout_sections sec; /* UP, DOWN, SECTIONS */
	unsigned config_flags;      /* CONFIG */
};

static void part_free(struct set_part *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->display);
	free(p->data);
	free(p);
}

void set_parts_free(struct set_parts *parts)
{
	size_t i;

	for (i = 0; i < parts->count; i++)
		part_free(parts->items[i]);
	free(parts->items);
	memset(parts, 0, sizeof(*parts));
}

static int parts_push(struct set_parts *parts, struct set_part *p)
{
	if (parts->count == parts->cap) {
		size_t cap = parts->cap ? parts->cap * 2 : 64;
		struct set_part **n = realloc(parts->items, cap * sizeof(*n));

		if (!n)
			return MIGC_ENOMEM;
		parts->items = n;
		parts->cap = cap;
	}
	parts->items[parts->count++] = p;
	return 0;
}

/* Check what can be checked of one file alone. */
static int part_check(struct set_part *p, migc_layout layout, migc_error *err)
{
	migc_directives d;
	int rc;

	switch (p->ln.role) {
	case LAYOUT_CONFIG:
		return layout_config(layout, p->display, p->data, p->len,
				     &p->config_flags, err);
	case LAYOUT_UP:
	case LAYOUT_DOWN:
	case LAYOUT_SECTIONS:
		rc = layout_split(layout, p->ln.role, p->display, p->data, p->len,
				  &p->sec, err);
		if (rc)
			return rc;
		break;
	default:
		return 0;
	}
	if (p->ln.role != LAYOUT_DOWN) {
		rc = set_check_sql(&d, p->display, p->data + p->sec.up_off,
				   p->sec.up_len, p->sec.up_line, p->sec.flags, 1, err);
		if (rc)
			return rc;
	}
	if (p->sec.has_down && p->sec.down_len) {
		/* the down SQL is data here: only the content rules apply */
		char save = p->data[p->sec.down_off + p->sec.down_len];

		p->data[p->sec.down_off + p->sec.down_len] = '\0';
		rc = set_check_sql(&d, p->display, p->data + p->sec.down_off,
				   p->sec.down_len, p->sec.down_line,
				   MIGC_FLAG_NO_TRANSACTION, 1, err);
		p->data[p->sec.down_off + p->sec.down_len] = save;
	}
	return rc;
}

int set_layout_add(migc_set *set, struct set_parts *parts, migc_layout layout,
		   const char *path, const char *display, const char *data,
		   size_t len, migc_error *err)
{
	struct set_part *p = calloc(1, sizeof(*p));
	int rc;

	(void)set;
	if (!p)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = layout_name_parse(layout, path, &p->ln, err);
	if (rc || p->ln.role == LAYOUT_IGNORE) {
		if (rc && err && strcmp(display, path) != 0)
			migc_err_where(err, display, err->line);
		free(p);
		return rc;
	}
	p->path = migc_strdup(path);
	p->display = migc_strdup(display);
	p->data = malloc(len + 1);
	if (!p->path || !p->display || !p->data) {
		part_free(p);
		return migc_err(err, MIGC_ENOMEM, "%s: out of memory", display);
	}
	if (len)
		memcpy(p->data, data, len);
	p->len = migc_normalize(p->data, len);
	p->data[p->len] = '\0';
	rc = part_check(p, layout, err);
	if (!rc && parts_push(parts, p))
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (rc) {
		migc_err_version(err, p->ln.version);
		part_free(p);
	}
	return rc;
}

static int part_order(const void *pa, const void *pb)
{
	const struct set_part *a = *(const struct set_part *const *)pa;
	const struct set_part *b = *(const struct set_part *const *)pb;
	int c = strcmp(a->ln.key, b->ln.key);

	return c ? c : strcmp(a->path, b->path);
}

/*
 * A problem of a group, found after every file was read: named by paths
 * relative to the directory, as the set's other whole-directory findings
 * are (the compiler puts the directory in front). `other` is the file it
 * clashes with, or NULL.
 */
static int group_fail(migc_error *err, const struct set_part *p,
		      const struct set_part *other, const char *why,
		      const char *hint)
{
	if (other)
		migc_err(err, MIGC_EINVALID, "%s and %s: %s", other->path, p->path, why);
	else
		migc_err(err, MIGC_EINVALID, "%s: %s", p->path, why);
	migc_err_where(err, p->path, 0);
	migc_err_version(err, p->ln.version);
	if (hint)
		migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

/* A copy of data[off, off+len), NUL-terminated. */
static char *slice(const struct set_part *p, size_t off, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p->data + off, len);
		s[len] = '\0';
	}
	return s;
}

/* Make one migration of parts[0..n), which share a key. */
static int group_add(migc_set *set, struct set_part **g, size_t n,
		     migc_error *err)
{
	const struct set_part *up = NULL, *down = NULL;
	struct set_entry_in in;
	migc_directives d;
	unsigned flags = 0;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		const struct set_part *p = g[i];

		if (p->ln.role == LAYOUT_CONFIG) {
			flags |= p->config_flags;
			continue;
		}
		if (p->ln.role == LAYOUT_UP || p->ln.role == LAYOUT_SECTIONS) {
			if (up)
				return group_fail(err, p, up, "two up migrations for one version",
						  "every migration needs its own version; renumber "
						  "one (migc new prints the next free one)");
			up = p;
		}
		if (p->ln.role == LAYOUT_DOWN || p->ln.role == LAYOUT_SECTIONS) {
			if (down && p->sec.has_down)
				return group_fail(err, p, down, "two down migrations for one version",
						  "keep one down migration per version");
			if (p->sec.has_down)
				down = p;
		}
	}
	if (!up)
		return group_fail(err, g[0], NULL, "a down migration (or settings) without "
				  "its up migration",
				  "add the up migration, or remove this file");
	memset(&in, 0, sizeof(in));
	in.sql_owned = slice(up, up->sec.up_off, up->sec.up_len);
	if (down)
		in.down_owned = slice(down, down->sec.down_off, down->sec.down_len);
	if (!in.sql_owned || (down && !in.down_owned)) {
		free(in.sql_owned);
		free(in.down_owned);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	rc = set_check_sql(&d, up->display, in.sql_owned, up->sec.up_len,
			   up->sec.up_line, up->sec.flags | flags, 1, err);
	if (rc) {
		free(in.sql_owned);
		free(in.down_owned);
		return rc;
	}
	in.kind = up->ln.kind;
	in.flags = d.flags;
	/* settings files (diesel) cover both directions */
	if (down && ((down->sec.down_flags | flags) & MIGC_FLAG_NO_TRANSACTION))
		in.flags |= MIGC_FLAG_DOWN_NO_TRANSACTION;
	in.lock_timeout_ms = d.lock_timeout_ms;
	in.statement_timeout_ms = d.statement_timeout_ms;
	in.version = up->ln.version;
	in.name = up->ln.name;
	in.filename = up->path;
	in.sql = in.sql_owned;
	in.sql_len = up->sec.up_len;
	in.sql_line = up->sec.up_line;
	migc_checksum(in.checksum, in.sql, in.sql_len);
	if (down) {
		in.down_sql = in.down_owned;
		in.down_len = down->sec.down_len;
		in.down_filename = down->path;
		in.down_line = down->sec.down_line;
	}
	rc = set_add_entry(set, &in, err);
	if (rc) {
		free(in.sql_owned);
		free(in.down_owned);
	}
	return rc;
}

int set_layout_finish(migc_set *set, struct set_parts *parts,
		      migc_layout layout, migc_error *err)
{
	size_t i = 0, j;
	int rc = 0;

	(void)layout;
	qsort(parts->items, parts->count, sizeof(*parts->items), part_order);
	while (!rc && i < parts->count) {
		for (j = i + 1; j < parts->count &&
				strcmp(parts->items[j]->ln.key, parts->items[i]->ln.key) == 0;
		     j++)
			;
		rc = group_add(set, parts->items + i, j - i, err);
		i = j;
	}
	return rc;
}
