/*
 * engine_down.c - migc_down: rolling applied migrations back with their
 * down SQL, newest first.
 *
 * Down migrations are a development tool (a release command never runs
 * them: the CLI refuses remote databases unless told), but they change the
 * database, so they follow up's rules: the history is read under the
 * migration lock, the database is verified first (nothing drifted,
 * missing, failed or running), and each step runs in its own transaction
 * with its history row, re-reading the history every time so concurrent
 * runners never undo one migration twice. Everything that can be checked
 * in advance is: a migration without down SQL refuses the whole command
 * before anything runs, rather than stopping half-way.
 *
 * A rolled-back row is not deleted: it is marked "undone" with a note
 * saying who rolled it back and when, so the history keeps what happened
 * and `up` applies the migration again.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "engine.h"
#include "sqllex.h"
#include "util.h"

/* Items that count as applied (the ones down can undo), newest first. */
static int applied(const struct migc_report_item *it)
{
	return it->pub.kind == MIGC_KIND_VERSIONED && it->hist &&
	       (it->pub.state == MIGC_STATE_APPLIED ||
		it->pub.state == MIGC_STATE_BASELINE);
}

/*
 * 1 when `m` has down SQL that does something: golang-migrate's `migrate
 * create` (and `migc new`) write an empty .down.sql, diesel a down.sql
 * holding only a comment. Running one would mark the migration undone
 * without undoing anything, and the next `up` would fail on what is still
 * there. SQL the lexer cannot take apart counts (running it reports the
 * problem with its line). -1: out of memory.
 */
static int has_down_sql(const migc_migration *m)
{
	migc_sql_stmt *stmts = NULL;
	size_t count = 0;
	migc_error ignored;
	int rc;

	set_sql_assemble(m); /* a deferred set's down SQL is NULL until then */
	if (!m->down_sql)
		return 0;
	rc = migc_sql_split(&stmts, &count, m->down_filename, m->down_sql,
			    m->down_len, &ignored);
	free(stmts);
	if (rc == MIGC_ENOMEM)
		return -1;
	return rc || count > 0;
}

/* How many steps `to` or `steps` asks for, given the report, and check
 * each of them can be undone. */
static int down_plan(const migc_report *r, const char *to, size_t steps,
		     size_t *count, migc_error *err)
{
	size_t i = r->count, n = 0;
	int has;

	while (i-- > 0) {
		const struct migc_report_item *it = &r->items[i];
		const migc_migration *m = it->pub.migration;

		if (!applied(it))
			continue;
		if (to ? migc_version_compare(it->pub.version, to) <= 0 : n == steps)
			break;
		has = has_down_sql(m);
		if (has < 0)
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		if (!has) {
			if (m->down_sql)
				migc_err(err, MIGC_EUSAGE, "%s has an empty down migration "
					 "(%s holds no SQL): nothing was rolled back",
					 m->filename, m->down_filename);
			else
				migc_err(err, MIGC_EUSAGE, "%s has no down migration: "
					 "nothing was rolled back", m->filename);
			migc_err_where(err, m->filename, 0);
			migc_err_version(err, m->version);
			if (n)
				migc_err_hint(err, "roll back only the migrations newer than "
					      "it (--to %s), or give it down SQL the way "
					      "the tool writes one and rebuild", m->version);
			else
				migc_err_hint(err, "give it down SQL the way the tool writes "
					      "one (a down section or file) and rebuild; "
					      "migrate down never guesses how to undo a "
					      "migration");
			return MIGC_EUSAGE;
		}
		n++;
	}
	*count = n;
	return 0;
}

/* The newest applied migration: the next one to undo. */
static const struct migc_report_item *newest_applied(const migc_report *r)
{
	size_t i = r->count;

	while (i-- > 0)
		if (applied(&r->items[i]))
			return &r->items[i];
	return NULL;
}

/* The down SQL of `m` dressed as a migration, for the driver and events. */
static void down_view(migc_migration *dm, const migc_migration *m)
{
	*dm = *m;
	/* the down SQL's own marker decides (dbmate marks each section) */
	dm->flags &= ~(MIGC_FLAG_NO_TRANSACTION | MIGC_FLAG_DOWN_NO_TRANSACTION);
	if (m->flags & MIGC_FLAG_DOWN_NO_TRANSACTION)
		dm->flags |= MIGC_FLAG_NO_TRANSACTION;
	dm->sql = m->down_sql;
	dm->sql_len = m->down_len;
	dm->filename = m->down_filename;
	dm->sql_line = m->down_line;
	dm->down_sql = NULL;
	dm->down_len = 0;
}

/*
 * Undo `it` inside the transaction the caller began (which holds the lock):
 * run the down SQL, mark the row undone, commit. A no-transaction
 * migration's down SQL runs in autocommit after the row is claimed.
 */
static int undo_one(const struct migc_run_ctx *c,
		    const struct migc_report_item *it, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	long long start = migc_now_ms();
	char note[512], now[32];
	migc_migration dm;
	int rc;

	down_view(&dm, it->pub.migration);
	migc_utc_now(now);
	snprintf(note, sizeof(note), "rolled back by migrate down (%s at %s)",
		 c->applied_by, now);
	migc_engine_event(c->opts, MIGC_EVENT_START, &dm, 0, NULL);
	if (dm.flags & MIGC_FLAG_NO_TRANSACTION) {
		rc = d->history_update(c->db->conn, c->opts->history_table,
				       it->hist->id, MIGC_H_RUNNING, -1, note, err);
		if (!rc)
			rc = d->commit(c->db->conn, err);
		if (rc) {
			d->rollback(c->db->conn);
			return rc;
		}
		rc = d->exec(c->db->conn, &dm, err);
		if (rc) {
			migc_error ignored;

			migc_engine_mark(c, it->hist->id, MIGC_H_FAILED, -1, note, &ignored);
			migc_err_hint_append(err, "its down migration ran without a "
					     "transaction and the row is now marked failed: "
					     "fix the database by hand, then `migrate "
					     "resolve %s --pending` if it is rolled back, "
					     "`--applied` if it is back in place",
					     dm.version);
		} else {
			rc = migc_engine_mark(c, it->hist->id, MIGC_H_UNDONE, -1, note, err);
		}
	} else {
		rc = d->exec(c->db->conn, &dm, err);
		if (!rc)
			rc = d->history_update(c->db->conn, c->opts->history_table,
					       it->hist->id, MIGC_H_UNDONE, -1, note, err);
		if (!rc)
			rc = d->commit(c->db->conn, err);
		if (rc) {
			d->rollback(c->db->conn);
			migc_err_hint_append(err, "its transaction was rolled back: %s "
					     "is still applied", dm.version);
		}
	}
	if (rc) {
		if (rc != MIGC_EINTR && err)
			err->code = rc = MIGC_EFAILED;
		migc_err_version(err, dm.version);
		migc_engine_event(c->opts, MIGC_EVENT_FAILED, &dm,
				  migc_now_ms() - start, err ? err->message : "failed");
		return rc;
	}
	migc_engine_event(c->opts, MIGC_EVENT_DONE, &dm, migc_now_ms() - start, NULL);
	return 0;
}

/*
 * One step: begin (taking the lock), read and verify, undo the newest
 * applied migration. On the first step, `*left` (the steps asked for) is
 * replaced by how many there are to undo. `*did` is 1 when one was undone.
 */
static int down_step(const struct migc_run_ctx *c, const char *to,
		     size_t *left, int first, int *did, migc_error *err)
{
	const struct migc_driver *d = c->db->driver;
	const struct migc_report_item *it = NULL;
	migc_options vopts = *c->opts;
	migc_report *r = NULL;
	size_t n;
	int rc;

	*did = 0;
	rc = d->begin(c->db->conn, err);
	if (rc)
		return rc;
	rc = migc_engine_report(&r, c->db, c->set, c->opts, err);
	/* pending migrations do not matter to down; a damaged history does */
	vopts.allow_out_of_order = 1;
	vopts.on_event = NULL;
	if (!rc)
		rc = migc_engine_verify(r, &vopts, err);
	if (!rc && first && !(rc = down_plan(r, to, *left, &n, err)))
		*left = n;
	if (!rc && *left)
		it = newest_applied(r);
	if (it && to && migc_version_compare(it->pub.version, to) <= 0)
		it = NULL;
	/* another runner may have moved the history since the plan */
	if (it && has_down_sql(it->pub.migration) != 1)
		rc = down_plan(r, NULL, 1, &n, err);
	if (!rc && it) {
		rc = undo_one(c, it, err); /* commits or rolls back */
		*did = !rc;
	} else {
		d->rollback(c->db->conn);
	}
	migc_report_free(r);
	return rc;
}

int migc_down(migc_db *db, const migc_set *set, const char *to, size_t steps,
	      const migc_options *opts_in, size_t *undone, migc_error *err)
{
	struct migc_run_ctx c;
	migc_options opts;
	size_t left, done = 0;
	int rc, did = 1, first = 1;

	if (undone)
		*undone = 0;
	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (rc)
		return rc;
	if (to && !migc_version_valid(to))
		return migc_err(err, MIGC_EUSAGE, "'%s' is not a version", to);
	if (to && steps)
		return migc_err(err, MIGC_EUSAGE, "give a version to roll back to, "
				"or a number of steps, not both");
	left = to ? (size_t)-1 : steps ? steps : 1;
	/* "--to 0" is every migration, a version made of zeros included
	 * (diesel's 00000000000000_diesel_initial_setup) */
	if (to && strcmp(to, "0") == 0)
		to = NULL;
	migc_engine_ctx_init(&c, db, set, &opts);
	rc = migc_engine_lock(db, &opts, err);
	if (rc)
		return rc;
	while (!rc && left && did) {
		rc = down_step(&c, to, &left, first, &did, err);
		first = 0;
		if (did) {
			done++;
			left--;
		}
	}
	if (undone)
		*undone = done;
	return migc_engine_unlock(db, rc, err);
}

static int first_column(void *ctx, int n, const char *const *v)
{
	*(int *)ctx = n > 0 && v[0] && strcmp(v[0], "1") == 0;
	return 0;
}

int migc_engine_db_local(migc_db *db, int *local, migc_error *err)
{
	*local = 0;
	if (strcmp(db->driver->name, "sqlite") == 0) {
		*local = 1;
		return 0;
	}
	if (db->driver->version < 2 || !db->driver->query)
		return 0;
	return db->driver->query(db->conn,
				 "SELECT CASE WHEN inet_server_addr() IS NULL "
				 "OR inet_server_addr() <<= inet '127.0.0.0/8' "
				 "OR inet_server_addr() = inet '::1' THEN 1 ELSE 0 END",
				 first_column, local, err);
}
