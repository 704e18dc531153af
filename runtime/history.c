/*
 * history.c - the text forms of history rows and a growable row array
 * whose strings live in one arena. See history.h for the table layout.
 */
#include "history.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "migc.h"

static const char *const hstate_names[] = {
	[MIGC_H_APPLIED] = "applied", [MIGC_H_BASELINE] = "baseline",
	[MIGC_H_RUNNING] = "running", [MIGC_H_FAILED] = "failed",
	[MIGC_H_UNDONE] = "undone",
};

const char *migc_hstate_name(migc_hstate state)
{
	if (state < MIGC_H_APPLIED || state > MIGC_H_UNDONE)
		return "unknown";
	return hstate_names[state];
}

int migc_hstate_parse(const char *text, migc_hstate *out)
{
	int s;

	for (s = MIGC_H_APPLIED; s <= MIGC_H_UNDONE; s++) {
		if (text && strcmp(text, hstate_names[s]) == 0) {
			*out = (migc_hstate)s;
			return 0;
		}
	}
	return -1;
}

const char *migc_kind_name(int kind)
{
	switch (kind) {
	case MIGC_KIND_VERSIONED: return "versioned";
	case MIGC_KIND_REPEATABLE: return "repeatable";
	default: return "unknown";
	}
}

int migc_kind_parse(const char *text, int *out)
{
	if (text && strcmp(text, "versioned") == 0)
		*out = MIGC_KIND_VERSIONED;
	else if (text && strcmp(text, "repeatable") == 0)
		*out = MIGC_KIND_REPEATABLE;
	else
		return -1;
	return 0;
}

/*
 * Storage. A no-op `up` reads the whole history, 10,000 rows of nine
 * strings each, and nine malloc'd strings per row were a sixth of its time
 * (and as much again in the frees). So a history keeps its strings in an
 * arena (bulk.h: blocks of 16, 64, 256 KiB, then 2 MiB huge-page blocks),
 * bump-allocated and freed together by migc_history_clear. Blocks never
 * move or shrink, so a row's strings stay valid until the clear, whatever
 * is pushed after it (the row structs themselves move when `rows` grows).
 *
 * The row array grows 4-fold (16, 64, ... rows): every page of an array is
 * faulted in once, so the fewer arrays the fewer faults, and once it
 * reaches MIGC_BULK_MIN it is a bulk block (one fault per 2 MiB) that
 * grows by copying into a larger one. 10,000 rows: arrays of 16 to 4,096
 * rows from malloc, then one of 16,384 in a 2 MiB block.
 *
 * A reader that knows how many rows come (or a bound) calls
 * migc_history_reserve first: one array and one string block, nothing
 * copied or faulted twice.
 *
 * The arena's head and the array's size sit in front of the row array, in
 * the same allocation (struct row_store), so that struct migc_history keeps
 * its three fields and its users' `{NULL, 0, 0}` initialisers. Hence
 * `rows` belongs to this file: only migc_history_push grows it, only
 * migc_history_clear frees it.
 */
/* Memory the rows borrow strings from (migc_history_keep). */
struct kept {
	void *owner;
	void (*release)(void *);
	struct kept *next;
};

struct row_store {
	struct migc_arena strings;
	struct kept *kept; /* released at the clear; nodes in `strings` */
	size_t bytes; /* this allocation's size, for migc_bulk_free */
	struct migc_history_row rows[];
};

#define ROWS_FIRST 16
/* What migc_history_reserve sets aside for a row's nine strings: a
 * version, a name, "xxh3-128:" and 32 hex, a date, a bundle id, ... are
 * ~140 bytes; a guess only (more rows or longer ones just grow the arena) */
#define HISTORY_ROW_TEXT 160

static struct row_store *store_of(const struct migc_history *h)
{
	if (!h->rows)
		return NULL;
	return (struct row_store *)(void *)((char *)h->rows -
					    offsetof(struct row_store, rows));
}

/* The row array with room for `cap` rows (> h->cap); 0 or MIGC_ENOMEM. */
static int grow_rows(struct migc_history *h, size_t cap)
{
	struct row_store *st = store_of(h), *p;
	size_t bytes;

	if (cap > ((size_t)-1 / 2 - sizeof(*p)) / sizeof(p->rows[0]))
		return MIGC_ENOMEM;
	bytes = migc_bulk_size(sizeof(*p) + cap * sizeof(p->rows[0]));
	cap = (bytes - sizeof(*p)) / sizeof(p->rows[0]);
	if (bytes < MIGC_BULK_MIN) {
		p = realloc(st, bytes);
		if (!p)
			return MIGC_ENOMEM;
		if (!st) {
			p->strings.head = NULL;
			p->kept = NULL;
		}
	} else {
		p = migc_bulk_alloc(bytes);
		if (!p)
			return MIGC_ENOMEM;
		if (st) {
			memcpy(p, st, sizeof(*p) + h->count * sizeof(p->rows[0]));
			migc_bulk_free(st, st->bytes);
		}
	}
	p->bytes = bytes;
	h->rows = p->rows; /* store_of() finds `p` again from here */
	h->cap = cap;
	/* cppcheck-suppress memleak */
	return 0;
}

/* Room for one more row; 0 or MIGC_ENOMEM. */
static int reserve_row(struct migc_history *h)
{
	if (h->count < h->cap)
		return 0;
	if (h->cap > (size_t)-1 / 4)
		return MIGC_ENOMEM;
	return grow_rows(h, h->cap ? h->cap * 4 : ROWS_FIRST);
}

int migc_history_reserve_rows(struct migc_history *h, size_t rows)
{
	return rows > h->cap && grow_rows(h, rows) ? MIGC_ENOMEM : 0;
}

int migc_history_reserve(struct migc_history *h, size_t rows)
{
	size_t more = rows > h->count ? rows - h->count : 0;

	if (!more)
		return 0;
	if (rows > h->cap && grow_rows(h, rows))
		return MIGC_ENOMEM;
	if (more > (size_t)-1 / HISTORY_ROW_TEXT ||
	    migc_arena_reserve(&store_of(h)->strings, more * HISTORY_ROW_TEXT))
		return MIGC_ENOMEM;
	return 0;
}

int migc_history_push(struct migc_history *h,
		      const struct migc_history_row *row)
{
	/* the string fields, in one order for measuring and for copying */
	const char *src[9] = {
		row->version, row->name, row->checksum, row->applied_at,
		row->bundle_id, row->source_commit, row->applied_by,
		row->note, row->runner,
	};
	size_t len[9], total = 0;
	struct migc_history_row *r;
	char *p;
	int i;

	for (i = 0; i < 9; i++) {
		if (!src[i])
			src[i] = "";
		len[i] = strlen(src[i]) + 1;
		total += len[i];
	}
	if (reserve_row(h))
		return MIGC_ENOMEM;
	p = migc_arena_alloc(&store_of(h)->strings, total, 1);
	if (!p)
		return MIGC_ENOMEM;
	r = &h->rows[h->count];
	*r = *row;
	r->version = p;
	r->name = (p += len[0]);
	r->checksum = (p += len[1]);
	r->applied_at = (p += len[2]);
	r->bundle_id = (p += len[3]);
	r->source_commit = (p += len[4]);
	r->applied_by = (p += len[5]);
	r->note = (p += len[6]);
	r->runner = (p += len[7]);
	for (i = 0, p = r->version; i < 9; p += len[i], i++)
		memcpy(p, src[i], len[i]);
	h->count++;
	return 0;
}

int migc_history_keep(struct migc_history *h, void *owner,
		      void (*release)(void *))
{
	struct row_store *st = NULL;
	struct kept *k = NULL;

	if (h->rows || !grow_rows(h, ROWS_FIRST)) {
		st = store_of(h);
		k = migc_arena_alloc(&st->strings, sizeof(*k), sizeof(void *));
	}
	if (!k) {
		release(owner);
		return MIGC_ENOMEM;
	}
	k->owner = owner;
	k->release = release;
	k->next = st->kept;
	st->kept = k;
	return 0;
}

int migc_history_push_borrowed(struct migc_history *h,
			       const struct migc_history_row *row)
{
	struct migc_history_row *r;

	if (reserve_row(h))
		return MIGC_ENOMEM;
	r = &h->rows[h->count];
	*r = *row;
	r->version = r->version ? r->version : (char *)"";
	r->name = r->name ? r->name : (char *)"";
	r->checksum = r->checksum ? r->checksum : (char *)"";
	r->applied_at = r->applied_at ? r->applied_at : (char *)"";
	r->bundle_id = r->bundle_id ? r->bundle_id : (char *)"";
	r->source_commit = r->source_commit ? r->source_commit : (char *)"";
	r->applied_by = r->applied_by ? r->applied_by : (char *)"";
	r->note = r->note ? r->note : (char *)"";
	r->runner = r->runner ? r->runner : (char *)"";
	h->count++;
	return 0;
}

char *migc_history_text(struct migc_history *h, size_t n)
{
	if (!h->rows && grow_rows(h, ROWS_FIRST))
		return NULL;
	return migc_arena_alloc(&store_of(h)->strings, n, 1);
}

void migc_history_clear(struct migc_history *h)
{
	struct row_store *st;
	struct kept *k;

	if (!h)
		return;
	st = store_of(h);
	if (st) {
		/* the nodes live in the arena: release them first */
		for (k = st->kept; k; k = k->next)
			k->release(k->owner);
		migc_arena_clear(&st->strings);
		migc_bulk_free(st, st->bytes);
	}
	h->rows = NULL;
	h->count = h->cap = 0;
}
