/*
 * history.c - the text forms of history rows and a growable row array.
 * See history.h for the table layout.
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "migc.h"
#include "util.h"

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

static void row_free(struct migc_history_row *r)
{
	free(r->version);
	free(r->name);
	free(r->checksum);
	free(r->applied_at);
	free(r->bundle_id);
	free(r->source_commit);
	free(r->applied_by);
	free(r->note);
	free(r->runner);
}

static char *dup_or_empty(const char *s, int *failed)
{
	char *p = migc_strdup(s ? s : "");

	if (!p)
		*failed = 1;
	return p;
}

int migc_history_push(struct migc_history *h,
		      const struct migc_history_row *row)
{
	struct migc_history_row *r;
	int failed = 0;

	if (h->count == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct migc_history_row *p;

		if (cap > (size_t)-1 / sizeof(*p))
			return MIGC_ENOMEM;
		p = realloc(h->rows, cap * sizeof(*p));
		if (!p)
			return MIGC_ENOMEM;
		h->rows = p;
		h->cap = cap;
	}
	r = &h->rows[h->count];
	*r = *row;
	r->version = dup_or_empty(row->version, &failed);
	r->name = dup_or_empty(row->name, &failed);
	r->checksum = dup_or_empty(row->checksum, &failed);
	r->applied_at = dup_or_empty(row->applied_at, &failed);
	r->bundle_id = dup_or_empty(row->bundle_id, &failed);
	r->source_commit = dup_or_empty(row->source_commit, &failed);
	r->applied_by = dup_or_empty(row->applied_by, &failed);
	r->note = dup_or_empty(row->note, &failed);
	r->runner = dup_or_empty(row->runner, &failed);
	if (failed) {
		row_free(r);
		return MIGC_ENOMEM;
	}
	h->count++;
	return 0;
}

void migc_history_clear(struct migc_history *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->count; i++)
		row_free(&h->rows[i]);
	free(h->rows);
	h->rows = NULL;
	h->count = h->cap = 0;
}
