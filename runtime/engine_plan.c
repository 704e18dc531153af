/*
 * engine_plan.c - the verify rules over a report (migc_verify: drift,
 * missing, out of order, future, failed or running, in that precedence)
 * and choosing what `up` applies (migc_engine_plan). Nothing here changes
 * the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "engine.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Verify                                                              */
/* ------------------------------------------------------------------ */

/* Precedence of the error verify returns, most serious first. */
static const int problem_codes[] = {
	MIGC_EDIRTY, MIGC_EDRIFT, MIGC_EMISSING, MIGC_EORDER, MIGC_EFUTURE,
};
#define NPROBLEMS (sizeof(problem_codes) / sizeof(problem_codes[0]))

/* The file name of a row, reconstructed when it is only in the history. */
static void item_file(char *out, size_t size, const struct migc_report_item *it)
{
	if (it->pub.migration)
		snprintf(out, size, "%s", it->pub.migration->filename);
	else if (it->pub.kind == MIGC_KIND_REPEATABLE)
		snprintf(out, size, "R__%s.sql", it->pub.name);
	else
		snprintf(out, size, "%s_%s.sql", it->pub.version, it->pub.name);
}

/* The error code a row stands for (0: none), given the options. */
static int item_problem(const struct migc_report_item *it,
			const migc_options *opts)
{
	switch (it->pub.state) {
	case MIGC_STATE_FAILED:
	case MIGC_STATE_RUNNING:
		return MIGC_EDIRTY;
	case MIGC_STATE_DRIFTED:
		return MIGC_EDRIFT;
	case MIGC_STATE_MISSING:
		return it->pub.kind == MIGC_KIND_VERSIONED ? MIGC_EMISSING : 0;
	case MIGC_STATE_OUT_OF_ORDER:
		return opts->allow_out_of_order ? 0 : MIGC_EORDER;
	case MIGC_STATE_FUTURE:
		return opts->strict ? MIGC_EFUTURE : 0;
	default:
		return 0;
	}
}

static void warn_item(const struct migc_report_item *it,
		      const struct migc_report *r, const migc_options *opts)
{
	char file[600], msg[1024];

	/* Called for every item without a problem: name the file only for
	 * the two states that warn (8 % of a no-op up at 10,000 did it for
	 * every one). */
	if (it->pub.state != MIGC_STATE_MISSING &&
	    it->pub.state != MIGC_STATE_FUTURE)
		return;
	item_file(file, sizeof(file), it);
	if (it->pub.state == MIGC_STATE_MISSING)
		snprintf(msg, sizeof(msg), "%s: repeatable migration applied "
			 "earlier is no longer in the bundle", file);
	else
		snprintf(msg, sizeof(msg), "%s: applied, but newer than the "
			 "bundle's newest version %s (was a release rolled "
			 "back?)", file, r->newest_bundle ? r->newest_bundle
							  : "(none)");
	migc_engine_event(opts, MIGC_EVENT_WARNING, it->pub.migration, 0, msg);
}

/* The message and hint for the problem of `it`. */
static void problem_message(migc_error *err, int code,
			    const struct migc_report_item *it,
			    const struct migc_report *r)
{
	const char *v = it->pub.version, *applied = it->pub.checksum_applied;
	const char *bundle = it->pub.migration ? it->pub.migration->checksum : "";
	char file[600];

	item_file(file, sizeof(file), it);
	switch (code) {
	case MIGC_EDIRTY:
		migc_err(err, code, "%s: left %s by an earlier run (at %s)",
			 file, migc_state_name(it->pub.state),
			 it->pub.applied_at ? it->pub.applied_at : "?");
		migc_err_hint(err, "fix the database by hand, then run "
			      "`migrate resolve %s --applied` or `--pending`",
			      *v ? v : it->pub.name);
		break;
	case MIGC_EDRIFT:
		if (it->unknown_algorithm)
			migc_err(err, code, "%s: applied with an unknown checksum "
				 "algorithm (applied %s, bundle %s%s)", file,
				 applied, MIGC_CHECKSUM_TAG, bundle);
		else
			migc_err(err, code, "%s: checksum differs from the "
				 "applied one (applied %s, bundle %s)", file,
				 applied, bundle);
		migc_err_hint(err, "migrations that ran must not be edited: "
				   "restore the file and add a new migration");
		break;
	case MIGC_EMISSING:
		migc_err(err, code, "%s: applied to the database but missing "
			 "from the bundle", file);
		migc_err_hint(err, "restore the file: a migration that ran must "
				   "stay in the migrations directory");
		break;
	case MIGC_EORDER:
		migc_err(err, code, "%s: pending, but older than the newest "
			 "applied version %s", file, r->newest_applied);
		migc_err_hint(err, "rename it to sort after %s, or pass "
			      "--allow-out-of-order", r->newest_applied);
		break;
	default:
		migc_err(err, code, "%s: applied, but newer than the bundle's "
			 "newest version %s", file,
			 r->newest_bundle ? r->newest_bundle : "(none)");
		migc_err_hint(err, "deploy the release that has it, or run "
				   "without --strict to allow it");
		break;
	}
	migc_err_where(err, file, 0);
	migc_err_version(err, v);
}

int migc_engine_verify(const migc_report *r, const migc_options *opts,
		       migc_error *err)
{
	const struct migc_report_item *first[NPROBLEMS] = {NULL};
	size_t i, k, problems = 0;

	for (i = 0; i < r->count; i++) {
		const struct migc_report_item *it = &r->items[i];
		int code = item_problem(it, opts);

		if (!code) {
			warn_item(it, r, opts);
			continue;
		}
		problems++;
		for (k = 0; k < NPROBLEMS; k++)
			if (problem_codes[k] == code && !first[k])
				first[k] = it;
	}
	for (k = 0; k < NPROBLEMS; k++) {
		if (!first[k])
			continue;
		problem_message(err, problem_codes[k], first[k], r);
		if (problems > 1 && err) {
			size_t n = strlen(err->message);

			snprintf(err->message + n, sizeof(err->message) - n,
				 " (and %zu more problem%s)", problems - 1,
				 problems > 2 ? "s" : "");
		}
		return problem_codes[k];
	}
	return 0;
}

int migc_verify(migc_db *db, const migc_set *set, const migc_options *opts_in,
		migc_error *err)
{
	migc_options opts;
	migc_report *r;
	int rc;

	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (!rc)
		rc = migc_engine_report_brief(&r, db, set, &opts, err);
	if (rc)
		return rc;
	rc = migc_engine_verify(r, &opts, err);
	migc_report_free(r);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Plan                                                                */
/* ------------------------------------------------------------------ */

static int wanted(const struct migc_report_item *it, const migc_options *opts)
{
	const migc_migration *m = it->pub.migration;

	if (!m)
		return 0;
	if ((m->flags & MIGC_FLAG_PHASE_POST) && opts->phase == MIGC_PHASE_PRE)
		return 0;
	if (m->kind == MIGC_KIND_REPEATABLE)
		return it->pub.state == MIGC_STATE_PENDING ||
		       it->pub.state == MIGC_STATE_CHANGED;
	if (opts->target && migc_version_compare(m->version, opts->target) > 0)
		return 0;
	return it->pub.state == MIGC_STATE_PENDING ||
	       (it->pub.state == MIGC_STATE_OUT_OF_ORDER &&
		opts->allow_out_of_order);
}

int migc_engine_plan(const migc_migration ***out, size_t *count,
		     const migc_report *r, const migc_options *opts,
		     migc_error *err)
{
	const migc_migration **v = NULL;
	size_t i, n = 0;

	*out = NULL;
	*count = 0;
	for (i = 0; i < r->count; i++)
		n += (size_t)wanted(&r->items[i], opts);
	if (!n)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	n = 0;
	for (i = 0; i < r->count; i++)
		if (wanted(&r->items[i], opts))
			v[n++] = r->items[i].pub.migration;
	*out = v;
	*count = n;
	return 0;
}

int migc_engine_pending(const migc_migration ***out, size_t *count,
			migc_db *db, const migc_set *set,
			const migc_options *opts_in, migc_error *err)
{
	migc_options opts;
	migc_report *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*count = 0;
	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_PRE, err);
	if (!rc && opts.target && migc_set_find_version(set, opts.target) < 0)
		rc = migc_err(err, MIGC_ENOTFOUND, "target version %s is not "
			      "in the bundle", opts.target);
	if (!rc)
		rc = migc_engine_report_brief(&r, db, set, &opts, err);
	if (!rc)
		rc = migc_engine_verify(r, &opts, err);
	if (!rc)
		rc = migc_engine_plan(out, count, r, &opts, err);
	for (i = 0; !rc && i < *count; i++)
		set_sql_assemble((*out)[i]); /* `migrate plan` prints it */
	migc_report_free(r);
	return rc;
}
