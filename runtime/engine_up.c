/*
 * engine_up.c - `up`'s run loop: migc_engine_up and migc_up. One
 * migration's apply step (its transaction, history row, no-transaction
 * states) is engine_apply.c's.
 *
 * Each migration starts with the driver's begin(), which holds the
 * migration lock for that transaction, and the history is re-read only
 * when its stamp says another runner wrote, so N runners started at once
 * apply each migration exactly once: the first one applies, the others
 * find the rows already there. The lock is always released, on error too.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

/*
 * This runner's view of the history: the report it verified and the plan
 * made from it, with the history's stamp when it was read plus this
 * runner's own writes since. A stamp that no longer matches means another
 * runner committed in between: read, verify and plan again.
 */
struct view {
	migc_report *report;
	const migc_migration **plan;
	size_t n, next;
	long long max_id; /* the history's stamp plus our own inserts */
	int has_running; /* re-read every time while a "running" row exists */
};

static void view_reset(struct view *v)
{
	free(v->plan);
	migc_report_free(v->report);
	memset(v, 0, sizeof(*v));
}

/* Another runner is applying a no-transaction migration right now. */
#define PEER_RUNNING 1

/* PEER_RUNNING (and the row's file in `*busy`) when a live runner owns a
 * "running" row; 0 when none does (dead runners' rows fail verify). */
static int live_runner(const struct migc_run_ctx *c, const struct view *v,
		       const char **busy, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	size_t i;

	for (i = 0; i < v->report->count; i++) {
		const struct migc_report_item *it = &v->report->items[i];
		int alive;

		if (it->pub.state != MIGC_STATE_RUNNING || !it->hist)
			continue;
		alive = d->runner_alive ? d->runner_alive(c->db->conn, it->hist, err) : 0;
		if (alive < 0)
			return alive;
		if (alive) {
			*busy = it->pub.migration ? it->pub.migration->filename : it->pub.name;
			return PEER_RUNNING;
		}
	}
	return 0;
}

/* In an open transaction: bring the view up to date with the history. */
static int view_refresh(const struct migc_run_ctx *c, struct view *v,
			const char **busy, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	long long max_id;
	size_t i;
	int rc;

	rc = d->history_stamp(c->db->conn, c->opts->history_table, &max_id,
			      err);
	if (rc)
		return rc;
	if (v->report && !v->has_running && max_id == v->max_id)
		return 0;
	view_reset(v);
	v->max_id = max_id;
	rc = migc_engine_report_brief(&v->report, c->db, c->set, c->opts, err);
	if (rc)
		return rc;
	for (i = 0; i < v->report->count; i++)
		if (v->report->items[i].pub.state == MIGC_STATE_RUNNING)
			v->has_running = 1;
	if (v->has_running) {
		rc = live_runner(c, v, busy, err);
		if (rc)
			return rc;
	}
	rc = migc_engine_verify(v->report, c->opts, err);
	if (!rc)
		rc = migc_engine_plan(&v->plan, &v->n, v->report, c->opts, err);
	return rc;
}

/*
 * A signal asked us to stop (migc_db_interrupt). Whatever was running has
 * been rolled back, or marked failed if it ran without a transaction; say
 * which, and how far the run got.
 */
static int interrupted(const migc_migration *m, size_t done, int rc,
		       migc_error *err)
{
	if (rc && m && (m->flags & MIGC_FLAG_NO_TRANSACTION)) {
		migc_err(err, MIGC_EINTR, "%s: interrupted by a signal; it ran "
			 "without a transaction and is marked failed", m->filename);
		migc_err_hint(err, "check what it left behind, then run `migrate "
			      "resolve %s --applied` or `--pending`",
			      *m->version ? m->version : m->name);
	} else if (rc && m) {
		migc_err(err, MIGC_EINTR, "%s: interrupted by a signal; its "
			 "transaction was rolled back", m->filename);
		migc_err_hint(err, "run `migrate up` again to continue");
	} else {
		migc_err(err, MIGC_EINTR, "interrupted by a signal after %zu "
			 "migrations", done);
		migc_err_hint(err, "run `migrate up` again to continue");
	}
	if (m)
		migc_err_where(err, m->filename, 0);
	return MIGC_EINTR;
}

/* Exponential backoff with a cap, for waits and retries. */
static long long backoff(long long *nap, long long cap)
{
	long long now = *nap;

	*nap = *nap * 2 > cap ? cap : *nap * 2;
	return now;
}

/* After a lock timeout inside a migration: retry it, or give up. */
static int retry_busy(const struct migc_run_ctx *c, const migc_migration *m,
		      int *attempts, long long *nap, migc_error *err)
{
	char msg[1400];

	if (*attempts >= c->opts->lock_retries) {
		migc_err_prefix(err, "gave up after %d attempts", *attempts + 1);
		if (err)
			err->code = MIGC_EFAILED;
		migc_err_hint(err, "something holds a lock %s needs for longer "
			      "than the lock timeout; find it in pg_locks / "
			      "pg_stat_activity, or raise --db-lock-timeout or "
			      "-- migc:lock-timeout", m->filename);
		migc_engine_event(c->opts, MIGC_EVENT_FAILED, m, 0,
				  err ? err->message : "lock timeout");
		return MIGC_EFAILED;
	}
	(*attempts)++;
	snprintf(msg, sizeof(msg), "%s (attempt %d of %d); retrying in %lld ms",
		 err ? err->message : "lock timeout", *attempts,
		 c->opts->lock_retries + 1, *nap);
	migc_engine_event(c->opts, MIGC_EVENT_WARNING, m, 0, msg);
	migc_sleep_ms(backoff(nap, 8000));
	return 0;
}

/* Wait for a live runner's no-transaction migration, within the lock
 * timeout; MIGC_ELOCKED naming it when it takes longer. */
static int wait_peer(const struct migc_run_ctx *c, const char *busy,
		     long long since, long long *nap, int *told,
		     migc_error *err)
{
	char msg[512];

	if (migc_now_ms() - since >= c->opts->lock_timeout_ms) {
		migc_err(err, MIGC_ELOCKED, "%s is still being applied by another "
			 "runner after %d ms", busy, c->opts->lock_timeout_ms);
		migc_err_hint(err, "wait for it and run again, or raise "
			      "--lock-timeout; if that runner is gone, `migrate "
			      "status` shows the row to resolve");
		return MIGC_ELOCKED;
	}
	if (!*told) {
		snprintf(msg, sizeof(msg), "another runner is applying %s; "
			 "waiting up to %d ms", busy, c->opts->lock_timeout_ms);
		migc_engine_event(c->opts, MIGC_EVENT_INFO, NULL, 0, msg);
		*told = 1;
	}
	migc_sleep_ms(backoff(nap, 1000));
	return 0;
}

int migc_engine_holds_version(migc_state state)
{
	switch (state) {
	case MIGC_STATE_APPLIED:
	case MIGC_STATE_BASELINE:
	case MIGC_STATE_DRIFTED:
	case MIGC_STATE_MISSING:
	case MIGC_STATE_FUTURE:
		return 1;
	default:
		return 0;
	}
}

void migc_engine_up_result_clear(struct migc_up_result *r)
{
	if (!r)
		return;
	free(r->current_version);
	r->current_version = NULL;
	r->deferred = 0;
	r->seen = 0;
}

/*
 * The summary from report `r` and the `ndone` migrations applied since it
 * was read (a prefix of its plan): the newest applied version and the
 * deferred count, as a fresh report would give them. The plan never holds
 * a deferred migration, so the count is the report's. A summary that cannot
 * be copied is left unknown: it must not fail the run.
 */
static void summarize(struct migc_up_result *out, const migc_report *r,
		      const migc_migration *const *done, size_t ndone)
{
	const char *v = NULL;
	size_t i, deferred = 0;

	migc_engine_up_result_clear(out);
	for (i = 0; i < r->count; i++) { /* versioned first, in version order */
		const migc_report_row *row = &r->items[i].pub;

		deferred += row->state == MIGC_STATE_DEFERRED;
		if (row->kind == MIGC_KIND_VERSIONED && migc_engine_holds_version(row->state))
			v = row->version;
	}
	for (i = 0; i < ndone; i++)
		if (done[i]->kind == MIGC_KIND_VERSIONED &&
		    (!v || migc_version_compare(done[i]->version, v) > 0))
			v = done[i]->version;
	if (v && !(out->current_version = migc_strdup(v)))
		return;
	out->deferred = deferred;
	out->seen = 1;
}

/*
 * The apply loop. Each migration starts with begin(), which holds the
 * migration lock for that transaction; the view is refreshed only when the
 * history's stamp says another runner wrote. So N runners started at once
 * apply each migration exactly once, and all of them finish. `out` gets the
 * count and the summary of the last view.
 */
static int up_loop(const struct migc_run_ctx *c, struct migc_up_result *out,
		   migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	const migc_migration *m = NULL;
	long long wait_since = migc_now_ms(), wait_nap = 50, busy_nap = 1000;
	struct view v;
	int rc = 0, attempts = 0, told = 0;

	memset(&v, 0, sizeof(v));
	for (;;) {
		const char *busy = NULL;
		long long id = 0;

		m = NULL;
		if (c->db->interrupted)
			break;
		rc = d->begin(c->db->conn, err);
		if (rc)
			break;
		rc = view_refresh(c, &v, &busy, err);
		if (rc == PEER_RUNNING) {
			d->rollback(c->db->conn);
			rc = wait_peer(c, busy, wait_since, &wait_nap, &told, err);
			if (rc)
				break;
			continue;
		}
		/* a signal during begin()'s wait: start nothing new */
		if (rc || v.next >= v.n || c->db->interrupted) {
			d->rollback(c->db->conn);
			break;
		}
		m = v.plan[v.next];
		rc = migc_engine_apply_one(c, m, &id, err);
		if (rc == MIGC_EBUSY) {
			rc = retry_busy(c, m, &attempts, &busy_nap, err);
			if (rc)
				break;
			continue;
		}
		if (rc)
			break;
		attempts = 0;
		busy_nap = 1000;
		v.next++;
		if (id > v.max_id)
			v.max_id = id;
		out->applied++;
	}
	if (c->db->interrupted)
		rc = interrupted(m, out->applied, rc, err);
	if (v.report)
		summarize(out, v.report, v.plan, v.next);
	else if (out->applied)
		migc_engine_up_result_clear(out); /* a re-read failed after writes */
	view_reset(&v);
	return rc;
}

/*
 * The common deploy has nothing to apply: read and verify without the lock
 * and stop there, so N replicas starting at once do not queue for it. 1
 * when the run is complete (verify passed, nothing pending), 0 when the
 * locked loop must decide (something pending, a "running" row, any doubt).
 * What is seen here is committed state, and the locked loop re-reads and
 * re-verifies anyway, so this path can only ever skip work that is done.
 * `out` gets the summary of what was read, for a run that stops here or
 * fails before the locked loop reads again.
 */
static int nothing_to_do(migc_db *db, const migc_set *set,
			 const migc_options *opts, struct migc_up_result *out)
{
	const migc_migration **plan = NULL;
	migc_options quiet = *opts;
	migc_report *r = NULL;
	migc_error ignored;
	size_t n = 1;
	int done;

	quiet.on_event = NULL;
	if (migc_engine_report_brief(&r, db, set, &quiet, &ignored))
		return 0;
	summarize(out, r, NULL, 0);
	done = !migc_engine_verify(r, &quiet, &ignored) &&
	       !migc_engine_plan(&plan, &n, r, &quiet, &ignored) && n == 0;
	if (done) /* once more, for the warnings (future versions...) */
		migc_engine_verify(r, opts, &ignored);
	free(plan);
	migc_report_free(r);
	return done;
}

int migc_engine_up(struct migc_up_result *out, migc_db *db, const migc_set *set,
		   const migc_options *opts_in, migc_error *err)
{
	struct migc_run_ctx c;
	migc_options opts;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_PRE, err);
	if (rc)
		return rc;
	if (opts.target && migc_set_find_version(set, opts.target) < 0) {
		migc_err(err, MIGC_ENOTFOUND, "target version %s is not in the "
			 "bundle", opts.target);
		migc_err_hint(err, "`migrate status` lists the bundle's versions");
		return MIGC_ENOTFOUND;
	}
	/* before the run context: a no-op needs no bundle id (a hash over
	 * every migration) and no user name */
	if (nothing_to_do(db, set, &opts, out))
		return 0;
	/* a directory of another tool's: its table may say these ran */
	rc = migc_engine_adopt_guard(db, set, &opts, err);
	if (rc)
		return rc;
	migc_engine_ctx_init(&c, db, set, &opts);
	rc = migc_engine_lock(db, &opts, err);
	if (rc)
		return rc;
	rc = up_loop(&c, out, err);
	return migc_engine_unlock(db, rc, err);
}

int migc_up(migc_db *db, const migc_set *set, const migc_options *opts,
	    size_t *applied, migc_error *err)
{
	struct migc_up_result r;
	int rc = migc_engine_up(&r, db, set, opts, err);

	if (applied)
		*applied = r.applied;
	migc_engine_up_result_clear(&r);
	return rc;
}
