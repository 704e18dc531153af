/*
 * engine_apply.c - the half of the engine that changes the database:
 * applying one migration with its history row (the step of `up`'s loop,
 * engine_up.c), the migration lock, migc_baseline, migc_resolve and
 * migc_run.
 *
 * Every change happens under the driver's migration lock, and the history
 * is read only after the lock is taken, so N runners started at once apply
 * each migration exactly once: the first one applies, the others find the
 * rows already there. The lock is always released, on error too.
 *
 * A transactional migration and its history row commit together or not at
 * all. A `no-transaction` migration is recorded "running" first (its own
 * small transaction), then run, then marked "applied" or "failed"; a crash
 * in between leaves "running", which a later run refuses until resolved.
 */
#define _POSIX_C_SOURCE 200809L

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "engine.h"
#include "util.h"

/* "user@host", or opts->applied_by. */
static void who(char out[256], const migc_options *opts)
{
	const char *user = getenv("USER");
	char host[128] = "";

	if (opts->applied_by && *opts->applied_by) {
		migc_strlcpy(out, opts->applied_by, 256);
		return;
	}
	if (!user || !*user)
		user = getenv("LOGNAME");
	if (!user || !*user) {
		struct passwd *pw = getpwuid(geteuid());

		user = pw ? pw->pw_name : "unknown";
	}
	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		migc_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(out, 256, "%s@%s", user, host);
}

void migc_engine_ctx_init(struct migc_run_ctx *c, migc_db *db, const migc_set *set,
		     const migc_options *opts)
{
	c->db = db;
	c->set = set;
	c->opts = opts;
	migc_set_bundle_id(set, c->bundle_id);
	who(c->applied_by, opts);
}

/* A history row for `m` in `state`; `checksum` is a caller buffer. */
void migc_engine_row_for(struct migc_history_row *row, char *checksum, size_t size,
		    char *now, const struct migc_run_ctx *c, const migc_migration *m,
		    migc_hstate state, long long duration_ms)
{
	const size_t tag = sizeof(MIGC_CHECKSUM_TAG) - 1;

	memset(row, 0, sizeof(*row));
	/* "TAG" "HEX", copied: snprintf was a third of this function */
	migc_strlcpy(checksum, MIGC_CHECKSUM_TAG, size);
	if (size > tag)
		migc_strlcpy(checksum + tag, m->checksum, size - tag);
	migc_utc_now(now);
	row->kind = m->kind;
	row->version = (char *)m->version;
	row->name = (char *)m->name;
	row->checksum = checksum;
	row->state = state;
	row->applied_at = now;
	row->duration_ms = duration_ms;
	row->bundle_id = (char *)c->bundle_id;
	row->source_commit = (char *)migc_set_source_commit(c->set);
	row->applied_by = (char *)c->applied_by;
	row->note = "";
}

int migc_engine_insert_row(const struct migc_run_ctx *c, const migc_migration *m,
		      migc_hstate state, long long duration_ms, long long *id,
		      migc_error *err)
{
	char checksum[64], now[32];
	struct migc_history_row row;

	migc_engine_row_for(&row, checksum, sizeof(checksum), now, c, m, state, duration_ms);
	return c->db->driver->history_insert(c->db->conn,
					     c->opts->history_table, &row, id,
					     err);
}

/* Mark row `id` with `state` in a small transaction of its own. */
int migc_engine_mark(const struct migc_run_ctx *c, long long id, migc_hstate state,
		long long duration_ms, const char *note, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	int rc;

	rc = d->begin(c->db->conn, err);
	if (rc)
		return rc;
	rc = d->history_update(c->db->conn, c->opts->history_table, id, state,
			       duration_ms, note, err);
	if (!rc)
		rc = d->commit(c->db->conn, err);
	if (rc)
		d->rollback(c->db->conn);
	return rc;
}

/*
 * The history row of an applied migration, then COMMIT: in one call when
 * the driver can send both at once (driver.h, version 4), else one after
 * the other. `*at_commit`: which of the two failed.
 */
static int insert_commit(const struct migc_run_ctx *c, const migc_migration *m,
			 long long duration_ms, long long *id, int *at_commit,
			 migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	char checksum[64], now[32];
	struct migc_history_row row;
	int rc;

	*at_commit = 0;
	if (d->version >= 4 && d->history_insert_commit) {
		migc_engine_row_for(&row, checksum, sizeof(checksum), now, c, m,
				    MIGC_H_APPLIED, duration_ms);
		return d->history_insert_commit(c->db->conn,
						c->opts->history_table, &row,
						id, at_commit, err);
	}
	rc = migc_engine_insert_row(c, m, MIGC_H_APPLIED, duration_ms, id, err);
	if (rc)
		return rc;
	*at_commit = 1;
	return d->commit(c->db->conn, err);
}

/*
 * A transactional migration, inside the transaction the loop began: SQL and
 * history row commit together, or neither does.
 */
static int apply_tx(const struct migc_run_ctx *c, const migc_migration *m,
		    long long start, long long *id, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	int rc, at_commit = 0;

	rc = d->exec(c->db->conn, m, err);
	if (rc) {
		d->rollback(c->db->conn);
		if (rc == MIGC_EBUSY || rc == MIGC_EINTR)
			return rc;
		if (err)
			err->code = MIGC_EFAILED;
		migc_err_hint_append(err, "its transaction was rolled back, "
				     "nothing of %s was applied: fix it and run "
				     "again", m->filename);
		return MIGC_EFAILED;
	}
	rc = insert_commit(c, m, migc_now_ms() - start, id, &at_commit, err);
	if (rc && !at_commit) {
		d->rollback(c->db->conn);
		migc_err_prefix(err, "%s: recording it in the history", m->filename);
		return rc;
	}
	if (rc) {
		/* The server may have committed before the connection dropped:
		 * the outcome is unknown here, never half-applied. */
		d->rollback(c->db->conn);
		migc_err_prefix(err, "%s: committing", m->filename);
		migc_err_hint(err, "if the connection dropped during COMMIT, %s may "
			      "or may not have been applied (never in part): "
			      "`migrate status` tells, and `migrate up` again "
			      "never applies it twice", m->filename);
	}
	return rc;
}

/*
 * A no-transaction migration: recorded "running" in the transaction the
 * loop began (so no other runner can claim it), then run statement by
 * statement in autocommit, then marked applied or failed.
 */
static int apply_notx(const struct migc_run_ctx *c, const migc_migration *m,
		      long long start, long long *id, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	migc_error ignored;
	int rc;

	rc = migc_engine_insert_row(c, m, MIGC_H_RUNNING, 0, id, err);
	if (!rc)
		rc = d->commit(c->db->conn, err);
	if (rc) {
		d->rollback(c->db->conn);
		return rc;
	}
	rc = d->exec(c->db->conn, m, err);
	if (rc) {
		migc_engine_mark(c, *id, MIGC_H_FAILED, migc_now_ms() - start, NULL, &ignored);
		if (rc == MIGC_EINTR)
			return rc;
		if (err)
			err->code = MIGC_EFAILED;
		migc_err_hint_append(err, "it ran without a transaction and is "
				     "now marked failed: fix the database by "
				     "hand, then run `migrate resolve %s "
				     "--applied` or `--pending`",
				     *m->version ? m->version : m->name);
		return MIGC_EFAILED;
	}
	return migc_engine_mark(c, *id, MIGC_H_APPLIED, migc_now_ms() - start, NULL, err);
}

/* Apply `m` in the transaction the loop began; it ends committed or
 * rolled back. `*id` receives the history row's id. */
int migc_engine_apply_one(const struct migc_run_ctx *c, const migc_migration *m,
			  long long *id, migc_error *err)
{
	long long start = migc_now_ms();
	int rc;

	set_sql_assemble(m); /* a deferred set's SQL, now that it runs */
	migc_engine_event(c->opts, MIGC_EVENT_START, m, 0, NULL);
	if (m->flags & MIGC_FLAG_NO_TRANSACTION)
		rc = apply_notx(c, m, start, id, err);
	else
		rc = apply_tx(c, m, start, id, err);
	if (rc) {
		if (err && !err->version[0])
			migc_err_version(err, m->version);
		if (err && !err->file[0])
			migc_err_where(err, m->filename, err->line);
		if (rc != MIGC_EBUSY)
			migc_engine_event(c->opts, MIGC_EVENT_FAILED, m,
					  migc_now_ms() - start,
					  err ? err->message : "failed");
		return rc;
	}
	migc_engine_event(c->opts, MIGC_EVENT_DONE, m, migc_now_ms() - start,
			  NULL);
	return 0;
}

/* Take the session lock (a no-op for per-transaction drivers) and make
 * sure the history table is there. */
int migc_engine_lock(migc_db *db, const migc_options *opts,
			   migc_error *err)
{
	migc_error busy;
	int rc;

	/* one try first, so the user hears why nothing happens for a while */
	rc = db->driver->lock(db->conn, opts->history_table, 0, &busy);
	if (rc == MIGC_ELOCKED && opts->lock_timeout_ms > 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "another runner holds the migration "
			 "lock; waiting up to %d ms", opts->lock_timeout_ms);
		migc_engine_event(opts, MIGC_EVENT_INFO, NULL, 0, msg);
		rc = db->driver->lock(db->conn, opts->history_table,
				      opts->lock_timeout_ms, err);
	} else if (rc && err) {
		*err = busy;
	}
	if (rc)
		return rc;
	rc = db->driver->history_ensure(db->conn, opts->history_table, err);
	if (rc) {
		migc_error ignored;

		db->driver->unlock(db->conn, &ignored);
	}
	return rc;
}

/* Release the lock; an unlock failure only matters when all else worked. */
int migc_engine_unlock(migc_db *db, int rc, migc_error *err)
{
	migc_error uerr;
	int urc = db->driver->unlock(db->conn, &uerr);

	if (urc && !rc) {
		if (err)
			*err = uerr;
		return urc;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Baseline                                                            */
/* ------------------------------------------------------------------ */

static int baseline_rows(const struct migc_run_ctx *c, const char *version,
			 migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	size_t i, n = migc_set_count(c->set);
	int rc;

	rc = d->begin(c->db->conn, err);
	for (i = 0; !rc && i < n; i++) {
		const migc_migration *m = set_peek(c->set, i); /* no SQL runs */

		if (m->kind != MIGC_KIND_VERSIONED ||
		    migc_version_compare(m->version, version) > 0)
			continue;
		rc = migc_engine_insert_row(c, m, MIGC_H_BASELINE, 0, NULL, err);
	}
	if (!rc)
		rc = d->commit(c->db->conn, err);
	if (rc)
		d->rollback(c->db->conn);
	return rc;
}

static int baseline_locked(const struct migc_run_ctx *c, const char *version,
			   migc_error *err)
{
	struct migc_history h = {NULL, 0, 0};
	size_t i, live = 0;
	int rc;

	rc = c->db->driver->history_read(c->db->conn, c->opts->history_table,
					 &h, err);
	if (rc)
		return rc;
	for (i = 0; i < h.count; i++)
		live += h.rows[i].state != MIGC_H_UNDONE;
	migc_history_clear(&h);
	if (live) {
		migc_err(err, MIGC_EUSAGE, "cannot baseline: the history table "
			 "%s already has %zu row%s", c->opts->history_table,
			 live, live == 1 ? "" : "s");
		migc_err_hint(err, "baseline adopts a database that migc has "
				   "never migrated; see `migrate status`");
		return MIGC_EUSAGE;
	}
	return baseline_rows(c, version, err);
}

int migc_baseline(migc_db *db, const migc_set *set, const char *version,
		  const migc_options *opts_in, migc_error *err)
{
	struct migc_run_ctx c;
	migc_options opts;
	int rc;

	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (rc)
		return rc;
	if (!version || migc_set_find_version(set, version) < 0) {
		migc_err(err, MIGC_ENOTFOUND, "version %s is not in the bundle",
			 version ? version : "(none)");
		migc_err_version(err, version);
		migc_err_hint(err, "baseline takes a version of the bundle: see "
				   "`migrate status`");
		return MIGC_ENOTFOUND;
	}
	migc_engine_ctx_init(&c, db, set, &opts);
	rc = migc_engine_lock(db, &opts, err);
	if (rc)
		return rc;
	rc = baseline_locked(&c, version, err);
	return migc_engine_unlock(db, rc, err);
}

/* ------------------------------------------------------------------ */
/* Resolve                                                             */
/* ------------------------------------------------------------------ */

/* Does report item `it` answer to `what` (a version, a file name, or a
 * repeatable's name with or without R__)? */
static int item_matches(const struct migc_report_item *it, const char *what)
{
	const migc_report_row *p = &it->pub;
	char file[600];

	if (p->kind == MIGC_KIND_VERSIONED) {
		if (migc_version_valid(what) &&
		    migc_version_compare(p->version, what) == 0)
			return 1;
		snprintf(file, sizeof(file), "%s_%s.sql", p->version, p->name);
		return strcmp(file, what) == 0;
	}
	if (strncmp(what, "R__", 3) == 0)
		what += 3;
	snprintf(file, sizeof(file), "%s.sql", p->name);
	return strcmp(p->name, what) == 0 || strcmp(file, what) == 0;
}

static int resolve_item(const struct migc_run_ctx *c,
			const struct migc_report_item *it, const char *what,
			migc_resolution how, migc_error *err)
{
	char note[512], now[32];
	migc_hstate state;

	if (!it->hist || (it->hist->state != MIGC_H_FAILED &&
			  it->hist->state != MIGC_H_RUNNING)) {
		migc_err(err, MIGC_EUSAGE, "%s is %s, not failed or running: "
			 "only a failed or running migration can be resolved",
			 what, migc_state_name(it->pub.state));
		migc_err_version(err, it->pub.version);
		return MIGC_EUSAGE;
	}
	migc_utc_now(now);
	state = how == MIGC_RESOLVE_APPLIED ? MIGC_H_APPLIED : MIGC_H_UNDONE;
	snprintf(note, sizeof(note), "resolved as %s by %s at %s (was %s)",
		 how == MIGC_RESOLVE_APPLIED ? "applied" : "pending",
		 c->applied_by, now, migc_hstate_name(it->hist->state));
	return migc_engine_mark(c, it->hist->id, state, -1, note, err);
}

static int resolve_locked(const struct migc_run_ctx *c, const char *what,
			  migc_resolution how, migc_error *err)
{
	migc_report *r = NULL;
	size_t i;
	int rc;

	rc = migc_engine_report(&r, c->db, c->set, c->opts, err);
	if (rc)
		return rc;
	for (i = 0; i < r->count; i++)
		if (r->items[i].hist && item_matches(&r->items[i], what))
			break;
	if (i == r->count) {
		migc_err(err, MIGC_ENOTFOUND, "%s has no row in the history: "
			 "there is nothing to resolve", what);
		migc_err_hint(err, "`migrate status` shows failed and running "
				   "migrations");
		rc = MIGC_ENOTFOUND;
	} else {
		rc = resolve_item(c, &r->items[i], what, how, err);
	}
	migc_report_free(r);
	return rc;
}

int migc_resolve(migc_db *db, const migc_set *set, const char *version,
		 migc_resolution how, const migc_options *opts_in,
		 migc_error *err)
{
	struct migc_run_ctx c;
	migc_options opts;
	int rc;

	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (rc)
		return rc;
	if (!version || !*version)
		return migc_err(err, MIGC_EUSAGE, "resolve needs a version");
	if (how != MIGC_RESOLVE_APPLIED && how != MIGC_RESOLVE_PENDING)
		return migc_err(err, MIGC_EUSAGE, "unknown resolution %d",
				(int)how);
	migc_engine_ctx_init(&c, db, set, &opts);
	rc = migc_engine_lock(db, &opts, err);
	if (rc)
		return rc;
	rc = resolve_locked(&c, version, how, err);
	return migc_engine_unlock(db, rc, err);
}

/* ------------------------------------------------------------------ */
/* The one-call entry point                                            */
/* ------------------------------------------------------------------ */

int migc_run(const struct migc_bundle *bundle, const char *url,
	     const migc_options *opts, migc_error *err)
{
	migc_set *set = NULL;
	migc_db *db = NULL;
	int rc;

	/* the set never leaves this call, and what runs or reaches
	 * opts->on_event is assembled first: SQL is copied only as needed */
	rc = bundle_load_deferred(&set, bundle, err);
	if (!rc)
		rc = migc_db_open(&db, url, opts, err);
	if (!rc)
		rc = migc_up(db, set, opts, NULL, err);
	migc_db_free(db);
	migc_set_free(set);
	return rc;
}
