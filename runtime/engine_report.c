/*
 * engine_report.c - merging the set with the history into a report
 * (migc_status): every migration of either side with its state. The verify
 * rules and the plan (engine_plan.c) and `up` (engine_up.c) all work
 * from this one report, so they can never disagree about a state.
 *
 * Invariant: everything here is O(n log n) in the number of migrations and
 * history rows. The set and the history are each sorted by one key (kind,
 * then version for versioned and name for repeatable migrations) and merged
 * in a single pass; nothing loops over one side for each row of the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "bundle.h"
#include "engine.h"
#include "util.h"

static const char *const state_names[] = {
	[MIGC_STATE_APPLIED] = "applied",
	[MIGC_STATE_PENDING] = "pending",
	[MIGC_STATE_DRIFTED] = "drifted",
	[MIGC_STATE_MISSING] = "missing",
	[MIGC_STATE_FUTURE] = "future",
	[MIGC_STATE_FAILED] = "failed",
	[MIGC_STATE_RUNNING] = "running",
	[MIGC_STATE_BASELINE] = "baseline",
	[MIGC_STATE_OUT_OF_ORDER] = "out-of-order",
	[MIGC_STATE_CHANGED] = "changed",
	[MIGC_STATE_DEFERRED] = "deferred",
};

const char *migc_state_name(migc_state state)
{
	if (state < MIGC_STATE_APPLIED || state > MIGC_STATE_DEFERRED)
		return "unknown";
	return state_names[state];
}

/* The merge key: versioned before repeatable, then version or name. */
static int key_compare(int ka, const char *va, const char *na, int kb,
		       const char *vb, const char *nb)
{
	if (ka != kb)
		return ka == MIGC_KIND_VERSIONED ? -1 : 1;
	if (ka == MIGC_KIND_VERSIONED)
		return migc_version_compare(va, vb);
	return strcmp(na, nb);
}

static int migration_cmp(const void *a, const void *b)
{
	const migc_migration *x = *(const migc_migration *const *)a;
	const migc_migration *y = *(const migc_migration *const *)b;

	return key_compare(x->kind, x->version, x->name, y->kind, y->version,
			   y->name);
}

static int hrow_key_compare(const struct migc_history_row *x,
			    const struct migc_history_row *y)
{
	return key_compare(x->kind, x->version, x->name, y->kind, y->version,
			   y->name);
}

/* By key, then oldest (lowest id) first: the newest row of a key is the
 * last of its run. */
static int hrow_cmp(const void *a, const void *b)
{
	const struct migc_history_row *x =
		*(const struct migc_history_row *const *)a;
	const struct migc_history_row *y =
		*(const struct migc_history_row *const *)b;
	int c = hrow_key_compare(x, y);

	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

/*
 * qsort, unless `v` is already in order: the set comes sorted (the order
 * of migc_set_finish is the merge order), and sorting 10,000 sorted items
 * would cost n log n version comparisons on every run.
 */
static void sort_unless_sorted(void *v, size_t n, size_t size,
			       int (*cmp)(const void *, const void *))
{
	const char *p = v;
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(v, n, size, cmp);
			return;
		}
}

/* The set's migrations in merge order. */
static int sorted_set(const migc_migration ***out, const migc_set *set)
{
	size_t i, n = migc_set_count(set);
	const migc_migration **v;

	*out = NULL;
	if (!n)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return MIGC_ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = set_peek(set, i); /* what runs is assembled when it runs */
	sort_unless_sorted(v, n, sizeof(*v), migration_cmp);
	*out = v;
	return 0;
}

/* Keep the last row of each run of equal keys in v[0..n) (sorted by
 * hrow_cmp: the newest of each key); the new count. */
static size_t last_per_key(const struct migc_history_row **v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k && hrow_key_compare(v[k - 1], v[i]) == 0)
			v[k - 1] = v[i];
		else
			v[k++] = v[i];
	}
	return k;
}

/*
 * Keep the newest row of each key of v[0..n) (rows of one kind), in key
 * order; the new count. The drivers read the history in id order, so the
 * rows of one kind are nearly always in key order already, each key's rows
 * oldest first: one pass checks that and drops the older rows with one
 * comparison per row. Only rows out of order cost a sort.
 */
static size_t newest_per_key(const struct migc_history_row **v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int c = k ? hrow_key_compare(v[k - 1], v[i]) : -1;

		if (c > 0 || (c == 0 && v[k - 1]->id > v[i]->id))
			break; /* out of order */
		if (c == 0)
			v[k - 1] = v[i]; /* a newer row of the same key */
		else
			v[k++] = v[i];
	}
	if (i == n)
		return k;
	/* The rows dropped so far were older rows of a key still kept, so
	 * sorting what is left and keeping the newest gives the same answer. */
	memmove(v + k, v + i, (n - i) * sizeof(*v));
	n = k + (n - i);
	qsort(v, n, sizeof(*v), hrow_cmp);
	return last_per_key(v, n);
}

/*
 * The history rows that count, in merge order: for each version (or
 * repeatable name) the latest row whose state is not "undone". Versioned
 * and repeatable rows are taken apart first: a repeatable applied between
 * two versioned migrations puts the id order out of key order, and every
 * report would then sort the whole history.
 */
static int effective_history(const struct migc_history_row ***out,
			     size_t *count, const struct migc_history *h)
{
	const struct migc_history_row **v;
	size_t i, nv = 0, nr = 0, kv, kr;

	*out = NULL;
	*count = 0;
	if (!h->count)
		return 0;
	v = calloc(h->count, sizeof(*v));
	if (!v)
		return MIGC_ENOMEM;
	for (i = 0; i < h->count; i++)
		if (h->rows[i].state != MIGC_H_UNDONE &&
		    h->rows[i].kind == MIGC_KIND_VERSIONED)
			v[nv++] = &h->rows[i];
	for (i = 0; i < h->count; i++)
		if (h->rows[i].state != MIGC_H_UNDONE &&
		    h->rows[i].kind != MIGC_KIND_VERSIONED)
			v[nv + nr++] = &h->rows[i];
	kv = newest_per_key(v, nv);
	kr = newest_per_key(v + nv, nr);
	memmove(v + kv, v + nv, kr * sizeof(*v)); /* repeatables after */
	*out = v;
	*count = kv + kr;
	return 0;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* Fill the history side of an item. */
static void item_history(struct migc_report_item *it,
			 const struct migc_history_row *h)
{
	size_t tag = strlen(MIGC_CHECKSUM_TAG);

	it->hist = h;
	if (strncmp(h->checksum, MIGC_CHECKSUM_TAG, tag) == 0) {
		it->pub.checksum_applied = h->checksum + tag;
	} else {
		it->pub.checksum_applied = h->checksum;
		it->unknown_algorithm = 1;
	}
	it->pub.applied_at = h->applied_at;
	it->pub.duration_ms = h->duration_ms;
	it->pub.applied_by = h->applied_by;
	it->pub.note = nonempty(h->note);
}

/* The state of a migration found on both sides. */
static migc_state state_both(const struct migc_report_item *it)
{
	const struct migc_history_row *h = it->hist;
	const migc_migration *m = it->pub.migration;
	int same;

	if (h->state == MIGC_H_FAILED)
		return MIGC_STATE_FAILED;
	if (h->state == MIGC_H_RUNNING)
		return MIGC_STATE_RUNNING;
	same = !it->unknown_algorithm &&
	       strcmp(it->pub.checksum_applied, m->checksum) == 0;
	if (m->kind == MIGC_KIND_REPEATABLE)
		return same ? MIGC_STATE_APPLIED : MIGC_STATE_CHANGED;
	if (!same)
		return MIGC_STATE_DRIFTED;
	return h->state == MIGC_H_BASELINE ? MIGC_STATE_BASELINE
					   : MIGC_STATE_APPLIED;
}

/* The state of a history row whose migration is not in the bundle. */
static migc_state state_history_only(const struct migc_history_row *h,
				     const char *newest_bundle)
{
	if (h->state == MIGC_H_FAILED)
		return MIGC_STATE_FAILED;
	if (h->state == MIGC_H_RUNNING)
		return MIGC_STATE_RUNNING;
	if (h->kind == MIGC_KIND_VERSIONED &&
	    (!newest_bundle || migc_version_compare(h->version, newest_bundle) > 0))
		return MIGC_STATE_FUTURE;
	return MIGC_STATE_MISSING;
}

/* Pending rows become out-of-order or deferred. */
static void classify_pending(struct migc_report *r, migc_phase phase)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		struct migc_report_item *it = &r->items[i];
		const migc_migration *m = it->pub.migration;

		if (it->pub.state != MIGC_STATE_PENDING)
			continue;
		if (m->flags & MIGC_FLAG_PHASE_POST) {
			/* post-phase migrations are exempt from ordering */
			if (phase == MIGC_PHASE_PRE)
				it->pub.state = MIGC_STATE_DEFERRED;
		} else if (m->kind == MIGC_KIND_VERSIONED && r->newest_applied &&
			   migc_version_compare(m->version, r->newest_applied) < 0) {
			it->pub.state = MIGC_STATE_OUT_OF_ORDER;
		}
	}
}

static void item_init(struct migc_report_item *it, const migc_migration *m,
		      const struct migc_history_row *h)
{
	memset(it, 0, sizeof(*it));
	it->pub.duration_ms = -1;
	it->pub.migration = m;
	if (m) {
		it->pub.kind = m->kind;
		it->pub.version = m->version;
		it->pub.name = m->name;
	} else if (h) {
		it->pub.kind = (migc_kind)h->kind;
		it->pub.version = h->version;
		it->pub.name = h->name;
	}
	if (h)
		item_history(it, h);
}

/* The single merge pass over two sorted lists. */
static void merge(struct migc_report *r, const migc_migration **mv, size_t mn,
		  const struct migc_history_row **hv, size_t hn)
{
	size_t i = 0, j = 0;

	while (i < mn || j < hn) {
		struct migc_report_item *it = &r->items[r->count++];
		int c;

		if (i == mn)
			c = 1;
		else if (j == hn)
			c = -1;
		else
			c = key_compare(mv[i]->kind, mv[i]->version, mv[i]->name,
					hv[j]->kind, hv[j]->version, hv[j]->name);
		if (c < 0) {
			item_init(it, mv[i++], NULL);
			it->pub.state = MIGC_STATE_PENDING;
		} else if (c > 0) {
			item_init(it, NULL, hv[j]);
			it->pub.state = state_history_only(hv[j++], r->newest_bundle);
		} else {
			item_init(it, mv[i++], hv[j++]);
			it->pub.state = state_both(it);
		}
	}
}

/* Newest versions on each side (both lists are sorted, versioned first). */
static void newest_versions(struct migc_report *r, const migc_migration **mv,
			    size_t mn, const struct migc_history_row **hv,
			    size_t hn)
{
	size_t i;

	for (i = mn; i-- > 0;)
		if (mv[i]->kind == MIGC_KIND_VERSIONED) {
			r->newest_bundle = mv[i]->version;
			break;
		}
	for (i = hn; i-- > 0;)
		if (hv[i]->kind == MIGC_KIND_VERSIONED) {
			r->newest_applied = hv[i]->version;
			break;
		}
}

static int build_report(struct migc_report *r, const migc_set *set,
			migc_phase phase)
{
	const migc_migration **mv = NULL;
	const struct migc_history_row **hv = NULL;
	size_t mn = migc_set_count(set), hn = 0;
	int rc;

	rc = sorted_set(&mv, set);
	if (!rc)
		rc = effective_history(&hv, &hn, &r->history);
	if (!rc && mn + hn) {
		/* zeroed; a bulk block from MIGC_BULK_MIN on (10,000 items: one
		 * fault per 2 MiB instead of one per 4 KiB) */
		if (mn + hn > (size_t)-1 / 2 / sizeof(*r->items))
			rc = MIGC_ENOMEM;
		else
			r->items_bytes = (mn + hn) * sizeof(*r->items);
		if (!rc)
			r->items = migc_bulk_alloc(r->items_bytes);
		if (!rc && !r->items)
			rc = MIGC_ENOMEM;
	}
	if (!rc) {
		newest_versions(r, mv, mn, hv, hn);
		merge(r, mv, mn, hv, hn);
		classify_pending(r, phase);
	}
	free(mv);
	free(hv);
	return rc;
}

/*
 * Does the brief read (history_read_brief) cover row `h`? Rows in states
 * other than these carry fields verify reads (a failed row's applied_at,
 * a running row's runner), so the history is then read in full.
 */
static int brief_enough(const struct migc_history_row *h)
{
	return h->state == MIGC_H_APPLIED || h->state == MIGC_H_BASELINE ||
	       h->state == MIGC_H_UNDONE;
}

/*
 * The history into r->history: in full, or brief (driver.h), the common
 * case of `up` and `verify` where every row is applied: then nothing else
 * is read. A brief read with a row in another state is read again in full,
 * so every row that verify's messages or the liveness check look at is
 * complete, whatever the driver left out.
 */
static int read_history(struct migc_report *r, migc_db *db,
			const migc_options *opts, int brief, migc_error *err)
{
	const struct migc_driver *d = db->driver;
	size_t i;
	int rc;

	if (!brief || d->version < 6 || !d->history_read_brief)
		return d->history_read(db->conn, opts->history_table,
				       &r->history, err);
	rc = d->history_read_brief(db->conn, opts->history_table, &r->history,
				   err);
	if (rc)
		return rc;
	for (i = 0; i < r->history.count; i++)
		if (!brief_enough(&r->history.rows[i]))
			break;
	if (i == r->history.count)
		return 0;
	migc_history_clear(&r->history);
	return d->history_read(db->conn, opts->history_table, &r->history, err);
}

static int report(migc_report **out, migc_db *db, const migc_set *set,
		  const migc_options *opts, int brief, migc_error *err)
{
	struct migc_report *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = read_history(r, db, opts, brief, err);
	if (!rc) {
		rc = build_report(r, set, opts->phase);
		if (rc)
			migc_err(err, rc, "out of memory building the report");
	}
	if (rc) {
		migc_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int migc_engine_report(migc_report **out, migc_db *db, const migc_set *set,
		       const migc_options *opts, migc_error *err)
{
	return report(out, db, set, opts, 0, err);
}

int migc_engine_report_brief(migc_report **out, migc_db *db,
			     const migc_set *set, const migc_options *opts,
			     migc_error *err)
{
	return report(out, db, set, opts, 1, err);
}

int migc_status(migc_report **out, migc_db *db, const migc_set *set,
		const migc_options *opts_in, migc_error *err)
{
	migc_options opts;
	int rc;

	*out = NULL;
	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (rc)
		return rc;
	return migc_engine_report(out, db, set, &opts, err);
}

size_t migc_report_count(const migc_report *report)
{
	return report ? report->count : 0;
}

const migc_report_row *migc_report_get(const migc_report *report, size_t i)
{
	if (!report || i >= report->count)
		return NULL;
	return &report->items[i].pub;
}

void migc_report_free(migc_report *report)
{
	if (!report)
		return;
	migc_history_clear(&report->history);
	migc_bulk_free(report->items, report->items_bytes);
	free(report);
}
