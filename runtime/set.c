/*
 * set.c - an ordered, validated set of migrations.
 *
 * The compiler fills a set from files (migc_set_add validates everything a
 * migration file must be); the runtime fills one from a bundle (bundle.c,
 * through set_add_entry, after re-hashing). Both then use the same ordering
 * and lookups, so the rules live in one place.
 *
 * Invariants after migc_set_finish(): versioned migrations first, in
 * version order, then repeatable ones by name; no two share a version, and
 * no two file names are equal ignoring case.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulk.h"
#include "bundle.h"
#include "model.h"
#include "set_internal.h"
#include "sqllex.h"
#include "util.h"

struct entry {
	migc_migration m;
	char checksum[MIGC_CHECKSUM_HEX_LEN + 1];
	char down_checksum[MIGC_CHECKSUM_HEX_LEN + 1];
	char *sql_owned;  /* NULL when sql points into a bundle */
	char *down_owned; /* likewise for the down SQL */
	char *commit;
	struct migc_sql_scan scan; /* the build's lexer pass, when scan_known */
	int scan_known;
	/* deferred SQL (bundle.h): the bundle's stream m.sql and m.down_sql
	 * are assembled from (never NULL while deferred; NULL once
	 * assembled), where in it, and where into, in the set's sql_block
	 * (NULL when both parts are empty) */
	const char (*const *rows)[MIGC_BUNDLE_ROW];
	size_t sql_off, down_off;
	int down_in_rows;
	char *dest;
	/* version, name, filename, down filename, in the entry's own
	 * allocation (one per migration: a bundle loads thousands); empty
	 * when they are borrowed (set_entry_in.borrowed: a bundle's) */
	char strings[];
};

/*
 * Entries are allocated from the set's arena (bulk.h) and freed with it by
 * migc_set_free, never one by one: 10,000 entries are ~2 MB, which as
 * separate mallocs was one page fault per 4 KiB and, in an arena, is a few
 * small blocks and one fault per 2 MiB. What an entry points to that it
 * owns (sql_owned, down_owned, commit) is malloc'd and freed by entry_free_owned.
 */

struct migc_set {
	struct entry **items;
	size_t count, cap;
	struct migc_arena entries; /* every item's struct entry */
	int finished;
	size_t nversioned; /* once finished: the versioned entries, a prefix */
	char *source_commit;
	int source_dirty;
	migc_layout layout;
	struct set_parts parts; /* another tool's files, until finish */
	char *sql_block; /* deferred SQL is assembled here (set_sql_reserve) */
	struct migc_arena kept; /* bytes entries borrow (set_keep_arena) */
	size_t sql_size, sql_used;
	char id[MIGC_CHECKSUM_HEX_LEN + 1]; /* the bundle id, once finished */
};

int migc_set_new(migc_set **out, migc_error *err)
{
	migc_set *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	s->source_commit = migc_strdup("");
	if (!s->source_commit) {
		free(s);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	s->source_dirty = -1;
	s->layout = MIGC_LAYOUT_MIGC;
	*out = s;
	return 0;
}

static void entry_free_owned(struct entry *e)
{
	if (!e)
		return;
	free(e->sql_owned);
	free(e->down_owned);
	free(e->commit);
}

void migc_set_free(migc_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->count; i++)
		entry_free_owned(set->items[i]);
	free(set->items);
	migc_arena_clear(&set->entries);
	migc_bulk_free(set->sql_block, set->sql_size);
	migc_arena_clear(&set->kept);
	free(set->source_commit);
	set_parts_free(&set->parts);
	free(set);
}

int migc_set_set_layout(migc_set *set, migc_layout layout, migc_error *err)
{
	if (!migc_layout_name(layout))
		return migc_err(err, MIGC_EUSAGE, "unknown layout %d", (int)layout);
	if (set->count || set->parts.count || set->finished)
		return migc_err(err, MIGC_EUSAGE,
				"migc_set_set_layout after the first migc_set_add");
	set->layout = layout;
	return 0;
}

migc_layout migc_set_layout(const migc_set *set)
{
	return set->layout;
}

int set_sql_reserve(migc_set *set, size_t size, migc_error *err)
{
	if (set->sql_block || set->count)
		return migc_err(err, MIGC_EUSAGE, "set_sql_reserve called twice or late");
	if (!size)
		return 0;
	/* a bulk block: mapped, not touched, huge pages where granted */
	set->sql_block = migc_bulk_alloc(size);
	if (!set->sql_block)
		return migc_err(err, MIGC_ENOMEM, "out of memory for the bundle's SQL");
	set->sql_size = size;
	return 0;
}

int set_reserve_entries(migc_set *set, size_t count, migc_error *err)
{
	struct entry **p;

	if (set->count || count <= set->cap)
		return 0;
	if (count > SIZE_MAX / sizeof(struct entry))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	p = realloc(set->items, count * sizeof(*p));
	if (!p)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	set->items = p;
	set->cap = count;
	/* alignment may take up to 15 bytes an entry */
	if (migc_arena_reserve(&set->entries,
			       count * ((sizeof(struct entry) + 15) & ~(size_t)15)))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	return 0;
}

int set_keep_arena(migc_set *set, struct migc_arena *a, migc_error *err)
{
	if (set->kept.head)
		return migc_err(err, MIGC_EUSAGE, "set_keep_arena called twice");
	set->kept = *a;
	a->head = NULL;
	return 0;
}

size_t set_sql_size(size_t len)
{
	return len == 0 || len == (size_t)-1 ? 0 : len + 1;
}

/* Room in the set's block for `in`'s deferred SQL, or *dest = NULL when it
 * has none. */
static int take_dest(migc_set *set, const struct set_entry_in *in, char **dest,
		     migc_error *err)
{
	size_t left = set->sql_size - set->sql_used, up, down;

	*dest = NULL;
	if (!in->rows)
		return 0;
	up = set_sql_size(in->sql_len);
	down = in->down_in_rows ? set_sql_size(in->down_len) : 0;
	if (up > left || down > left - up)
		return migc_err(err, MIGC_EUSAGE, "%s: deferred SQL beyond the "
				"reserved block", in->filename);
	if (up + down) {
		*dest = set->sql_block + set->sql_used;
		set->sql_used += up + down;
	}
	return 0;
}

/*
 * The strings of `in` in entry `e`: where they are when borrowed (a
 * bundle's, which outlive the set), else copied into e->strings, which
 * has room for them (`vl`, `nl`, `fl`, `dl`: their lengths).
 */
static void entry_take_strings(struct entry *e, const struct set_entry_in *in,
			       int has_down, size_t vl, size_t nl, size_t fl,
			       size_t dl)
{
	char *df;

	if (in->borrowed) {
		e->m.version = in->version;
		e->m.name = in->name;
		e->m.filename = in->filename;
		e->m.checksum = in->checksum_at;
		if (has_down) {
			e->m.down_filename = in->down_filename ? in->down_filename
							       : in->filename;
			e->m.down_checksum = in->down_checksum;
		}
		return;
	}
	memcpy(e->strings, in->version, vl + 1);
	memcpy(e->strings + vl + 1, in->name, nl + 1);
	memcpy(e->strings + vl + nl + 2, in->filename, fl + 1);
	e->m.version = e->strings;
	e->m.name = e->strings + vl + 1;
	e->m.filename = e->strings + vl + nl + 2;
	memcpy(e->checksum, in->checksum, sizeof(e->checksum));
	e->checksum[MIGC_CHECKSUM_HEX_LEN] = '\0';
	e->m.checksum = e->checksum;
	if (!has_down)
		return;
	df = e->strings + vl + nl + fl + 3;
	memcpy(df, in->down_filename ? in->down_filename : "", dl + 1);
	e->m.down_filename = in->down_filename ? df : e->m.filename;
	if (in->down_checksum)
		migc_strlcpy(e->down_checksum, in->down_checksum,
			     sizeof(e->down_checksum));
	else
		migc_checksum(e->down_checksum, in->down_sql, in->down_len);
	e->m.down_checksum = e->down_checksum;
}

int set_add_entry(migc_set *set, const struct set_entry_in *in,
		  migc_error *err)
{
	int has_down = in->down_sql || (in->rows && in->down_in_rows);
	size_t vl = 0, nl = 0, fl = 0, dl = 0, room = 0;
	struct entry *e;
	char *dest;
	int rc;

	if (set->finished)
		return migc_err(err, MIGC_EUSAGE, "migc_set_add after migc_set_finish");
	if (in->borrowed && (!in->checksum_at || (has_down && !in->down_checksum)))
		return migc_err(err, MIGC_EUSAGE, "%s: borrowed strings without "
				"their checksums", in->filename);
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct entry **p = realloc(set->items, cap * sizeof(*p));

		if (!p)
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		set->items = p;
		set->cap = cap;
	}
	if (!in->borrowed) {
		vl = strlen(in->version);
		nl = strlen(in->name);
		fl = strlen(in->filename);
		dl = has_down && in->down_filename ? strlen(in->down_filename) : 0;
		room = vl + nl + fl + dl + 4;
	}
	e = migc_arena_alloc(&set->entries, sizeof(*e) + room,
			     _Alignof(struct entry));
	if (!e)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = take_dest(set, in, &dest, err);
	if (rc)
		return rc;
	memset(e, 0, sizeof(*e));
	entry_take_strings(e, in, has_down, vl, nl, fl, dl);
	if (has_down) {
		e->m.down_sql = in->down_sql;
		e->m.down_len = in->down_len;
		e->m.down_line = in->down_line > 0 ? in->down_line : 1;
		e->down_owned = in->down_owned;
	}
	e->m.sql_line = in->sql_line > 0 ? in->sql_line : 1;
	e->m.kind = in->kind;
	e->m.flags = in->flags;
	e->m.lock_timeout_ms = in->lock_timeout_ms;
	e->m.statement_timeout_ms = in->statement_timeout_ms;
	e->m.sql = in->sql;
	e->m.sql_len = in->sql_len;
	e->sql_owned = in->sql_owned;
	if (in->rows) {
		/* both stay NULL until assembled, so that nothing takes a
		 * deferred down SQL for none */
		e->dest = dest;
		e->rows = in->rows;
		e->sql_off = in->sql_off;
		e->down_off = in->down_off;
		e->down_in_rows = in->down_in_rows;
		e->m.sql = NULL;
		e->m.down_sql = NULL;
	}
	if (in->scan) {
		e->scan = *in->scan;
		e->scan_known = 1;
	}
	set->items[set->count++] = e;
	return 0;
}

/* A native file: checked, then added; takes `data` (len + 1 bytes). */
static int add_native(migc_set *set, const char *filename, const char *display,
		      char *data, size_t len, migc_error *err)
{
	struct set_prepared p;
	int rc = set_prepare(&p, filename, display, data, len, 0, err);

	if (!rc)
		rc = set_add_prepared(set, &p, err);
	return rc;
}

int migc_set_add(migc_set *set, const char *filename, const char *display,
		 const char *data, size_t len, migc_error *err)
{
	char *copy;

	if (set->finished)
		return migc_err(err, MIGC_EUSAGE, "migc_set_add after migc_set_finish");
	if (set->layout != MIGC_LAYOUT_MIGC)
		return set_layout_add(set, &set->parts, set->layout, filename,
				      display ? display : filename, data, len, err);
	copy = malloc(len + 1);
	if (!copy)
		return migc_err(err, MIGC_ENOMEM, "%s: out of memory",
				display ? display : filename);
	if (len)
		memcpy(copy, data, len);
	return add_native(set, filename, display, copy, len, err);
}

int migc_set_add_owned(migc_set *set, const char *filename, const char *display,
		       char *data, size_t len, migc_error *err)
{
	int rc;

	if (set->finished || set->layout != MIGC_LAYOUT_MIGC) {
		rc = migc_set_add(set, filename, display, data, len, err);
		free(data);
		return rc;
	}
	return add_native(set, filename, display, data, len, err);
}

const struct migc_sql_scan *set_sql_scan(const migc_set *set, size_t index)
{
	const struct entry *e;

	if (index >= set->count)
		return NULL;
	e = set->items[index];
	return e->scan_known ? &e->scan : NULL;
}

static int entry_order(const void *pa, const void *pb)
{
	const struct entry *a = *(const struct entry *const *)pa;
	const struct entry *b = *(const struct entry *const *)pb;
	int c;

	if (a->m.kind != b->m.kind)
		return a->m.kind == MIGC_KIND_VERSIONED ? -1 : 1;
	if (a->m.kind == MIGC_KIND_VERSIONED) {
		c = migc_version_compare(a->m.version, b->m.version);
		if (c)
			return c;
		return strcmp(a->m.filename, b->m.filename);
	}
	c = strcmp(a->m.name, b->m.name);
	return c ? c : strcmp(a->m.filename, b->m.filename);
}

static int name_order_nocase(const void *pa, const void *pb)
{
	const struct entry *a = *(const struct entry *const *)pa;
	const struct entry *b = *(const struct entry *const *)pb;

	return strcasecmp(a->m.filename, b->m.filename);
}

static int duplicate(migc_error *err, const struct entry *a,
		     const struct entry *b, const char *why, const char *hint)
{
	migc_err(err, MIGC_EINVALID, "%s and %s: %s", a->m.filename,
		 b->m.filename, why);
	migc_err_where(err, b->m.filename, 0);
	migc_err_version(err, b->m.version);
	migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

/* Whether every entry compares below the next one under `order`. */
static int strictly_sorted(struct entry *const *items, size_t count,
			   int (*order)(const void *, const void *))
{
	size_t i;

	for (i = 1; i < count; i++)
		if (order(&items[i - 1], &items[i]) >= 0)
			return 0;
	return 1;
}

/*
 * Refuse file names that differ only in case: they collide on macOS and
 * Windows checkouts, so one of them would silently vanish there.
 *
 * In migc's own layout only repeatable migrations need looking at (a
 * tenth of the work at every start, where nearly all are versioned): a
 * versioned file is named <version>_<name>.sql (the compiler parsed it,
 * the loader checked it), its version digits and dots and then the first
 * '_', so two such names equal but for case have the same version and
 * are refused as duplicates before this runs; a repeatable one starts
 * "R__", never a digit. Another tool's names have other shapes: all are
 * compared.
 */
static int check_case_clash(migc_set *set, size_t first, migc_error *err)
{
	struct entry **copy, **items = set->items + first;
	size_t i, count = set->count - first;
	int rc = 0;

	if (count < 2)
		return 0;
	/* The common case, file names already in case-insensitive order
	 * (zero-padded or timestamp versions): no clash, nothing to sort.
	 * Any tie or inversion takes the sort below, which names the pair. */
	if (strictly_sorted(items, count, name_order_nocase))
		return 0;
	copy = malloc(count * sizeof(*copy));
	if (!copy)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	memcpy(copy, items, count * sizeof(*copy));
	qsort(copy, count, sizeof(*copy), name_order_nocase);
	for (i = 1; i < count && !rc; i++)
		if (strcasecmp(copy[i - 1]->m.filename, copy[i]->m.filename) == 0)
			rc = duplicate(err, copy[i - 1], copy[i],
				       "file names differ only in case",
				       "they collide on case-insensitive file systems; rename one");
	free(copy);
	return rc;
}

/*
 * One pass over the entries, each pair compared once: whether they are
 * strictly in entry_order; *dup is the first i whose entry has the version
 * (or the repeatable name) of entry i - 1, or 0 when none has. Sorted, two
 * such entries are neighbours.
 */
static int in_order(const migc_set *set, size_t *dup)
{
	size_t i;
	int sorted = 1;

	*dup = 0;
	for (i = 1; i < set->count && (sorted || !*dup); i++) {
		const struct entry *a = set->items[i - 1], *b = set->items[i];
		int c;

		if (a->m.kind != b->m.kind) {
			sorted &= a->m.kind == MIGC_KIND_VERSIONED;
			continue;
		}
		c = a->m.kind == MIGC_KIND_VERSIONED
		    ? migc_version_compare(a->m.version, b->m.version)
		    : strcmp(a->m.name, b->m.name);
		if (!c) {
			if (!*dup)
				*dup = i;
			c = strcmp(a->m.filename, b->m.filename);
		}
		sorted &= c < 0;
	}
	return sorted;
}

/* How many entries from the first are versioned (all of them, once the
 * set is finished and sorted: versioned before repeatable). */
static size_t versioned_prefix(const migc_set *set)
{
	size_t n = 0;

	while (n < set->count && set->items[n]->m.kind == MIGC_KIND_VERSIONED)
		n++;
	return n;
}

int migc_set_finish(migc_set *set, migc_error *err)
{
	size_t i;
	int rc;

	if (set->finished)
		return 0;
	if (set->parts.count) {
		rc = set_layout_finish(set, &set->parts, set->layout, err);
		set_parts_free(&set->parts);
		if (rc)
			return rc;
	}
	/* A bundle, and most directories, come in order already: sorting a
	 * strictly increasing array changes nothing, so check first (qsort
	 * was 13 % of a no-op up at 10,000 migrations). */
	if (!in_order(set, &i)) {
		qsort(set->items, set->count, sizeof(*set->items), entry_order);
		in_order(set, &i);
	}
	if (i) {
		const struct entry *a = set->items[i - 1], *b = set->items[i];

		if (a->m.kind == MIGC_KIND_VERSIONED)
			return duplicate(err, a, b, "duplicate version",
					 "every migration needs its own version; renumber one (migc new prints the next free one)");
		return duplicate(err, a, b, "duplicate repeatable migration name",
				 "rename one of them");
	}
	set->nversioned = versioned_prefix(set);
	rc = check_case_clash(set, set->layout == MIGC_LAYOUT_MIGC ? set->nversioned : 0,
			      err);
	if (rc)
		return rc;
	set->finished = 1;
	/* nothing it covers changes after finish: computed once (a start
	 * needs it twice, to check the bundle and to stamp history rows) */
	set_bundle_id_compute(set, set->id);
	return 0;
}

void migc_set_bundle_id(const migc_set *set, char out[MIGC_CHECKSUM_HEX_LEN + 1])
{
	if (set->finished)
		memcpy(out, set->id, sizeof(set->id));
	else
		set_bundle_id_compute(set, out);
}

int migc_set_set_provenance(migc_set *set, size_t index, const char *commit,
			    long long author_time, migc_error *err)
{
	struct entry *e;
	char *c;

	if (index >= set->count)
		return migc_err(err, MIGC_EUSAGE, "provenance: index %zu out of range", index);
	e = set->items[index];
	c = migc_strdup(commit ? commit : "");
	if (!c)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	free(e->commit);
	e->commit = c;
	e->m.added_commit = commit ? c : NULL;
	e->m.added_time = author_time;
	return 0;
}

int migc_set_set_source(migc_set *set, const char *commit, int dirty,
			migc_error *err)
{
	char *c = migc_strdup(commit ? commit : "");

	if (!c)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	free(set->source_commit);
	set->source_commit = c;
	set->source_dirty = dirty < 0 ? -1 : dirty > 0;
	return 0;
}

const char *migc_set_source_commit(const migc_set *set)
{
	return set->source_commit;
}

int migc_set_source_dirty(const migc_set *set)
{
	return set->source_dirty;
}

size_t migc_set_count(const migc_set *set)
{
	return set ? set->count : 0;
}

const migc_migration *set_peek(const migc_set *set, size_t index)
{
	return set && index < set->count ? &set->items[index]->m : NULL;
}

void set_rows_copy(char *dest, const char (*const *rows)[MIGC_BUNDLE_ROW],
		   size_t off, size_t len)
{
	size_t r = off / MIGC_BUNDLE_ROW_BYTES, col = off % MIGC_BUNDLE_ROW_BYTES,
	       done = 0;

	while (done < len) {
		size_t n = len - done < MIGC_BUNDLE_ROW_BYTES - col
			   ? len - done : MIGC_BUNDLE_ROW_BYTES - col;

		memcpy(dest + done, migc_stream_row(rows, r) + col, n);
		done += n;
		r++;
		col = 0;
	}
	dest[len] = '\0';
}

/* `len` bytes of the stream `rows` from `off` made one string at `*at`
 * (which moves past it), or "" when empty: a migration's bytes are not
 * NUL-terminated in the stream (the next one follows). */
static const char *assemble_rows(char **at,
				 const char (*const *rows)[MIGC_BUNDLE_ROW],
				 size_t off, size_t len)
{
	char *dest = *at;

	if (!set_sql_size(len))
		return "";
	*at += set_sql_size(len);
	set_rows_copy(dest, rows, off, len);
	return dest;
}

void set_sql_assemble(const migc_migration *m)
{
	/* m is the first member of its entry (bundle.h: never a copy), and
	 * entries are not const objects: the set's arena holds them */
	struct entry *e = (struct entry *)(uintptr_t)m;
	char *at = e->dest;

	if (!e->rows)
		return;
	e->m.sql = assemble_rows(&at, e->rows, e->sql_off, e->m.sql_len);
	if (e->down_in_rows)
		e->m.down_sql = assemble_rows(&at, e->rows, e->down_off,
					      e->m.down_len);
	e->rows = NULL;
	e->dest = NULL;
}

const migc_migration *migc_set_get(const migc_set *set, size_t index)
{
	const migc_migration *m = set_peek(set, index);

	if (m)
		set_sql_assemble(m);
	return m;
}

long migc_set_find_version(const migc_set *set, const char *version)
{
	/* Versioned entries are a sorted prefix: binary search it. Its length
	 * is kept at finish: measuring it here made every lookup O(n), and
	 * `up` looks up each migration it applies (O(n^2) from empty). */
	size_t lo = 0, hi = set->finished ? set->nversioned : versioned_prefix(set);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = migc_version_compare(set->items[mid]->m.version, version);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
