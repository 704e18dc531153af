/*
 * engine_adopt.c - migc_adopt: taking over the history another tool kept.
 *
 * A team switching to migc has a database whose history lives in the old
 * tool's table (adopt_tools.c knows each). Adopting reads that table under
 * migc's migration lock, maps every version it applied to the embedded
 * migration, verifies the checksum the tool stored with the tool's own
 * algorithm, and records migc history rows for them - all in one
 * transaction, without running any SQL of the migrations, and without
 * touching the old table (the old tool keeps working until the switch is
 * done, and a failed adoption leaves nothing behind).
 *
 * What is refused, before anything is written: a dirty or failed state in
 * the old table (the old tool's own repair comes first), a checksum that
 * does not match (the file was edited after it ran: drift caught at the
 * switch, not inherited), a version the old tool applied that the bundle
 * does not have (missing), and a migc history that already has rows of its
 * own (adopt is for a database migc has never migrated). Running it again
 * after a successful adoption is a no-op; rows an earlier adoption wrote
 * are not "of its own": a newer release adopts what an older one had to
 * leave (versions newer than its bundle), and only that.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adopt.h"
#include "engine.h"
#include "util.h"

/* The tools whose history migc reads, for messages. */
#define ADOPT_TOOLS "golang-migrate, goose, dbmate, flyway, sqlx, refinery, " \
	"diesel or prisma"

/* One migration to record. */
struct adoption {
	const migc_migration *m;
	const struct adopt_row *row; /* NULL for versions under a baseline */
	migc_hstate state;           /* APPLIED, or BASELINE */
	const char *verified;        /* "checksum verified", "no checksum", ... */
	int recorded;                /* migc's history has it already */
};

struct adopt_plan {
	struct adoption *items;
	size_t count, cap;
	size_t skipped; /* repeatables changed since, future versions */
};

static void plan_free(struct adopt_plan *p)
{
	free(p->items);
	memset(p, 0, sizeof(*p));
}

static int planned(const struct adopt_plan *p, const migc_migration *m)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (p->items[i].m == m)
			return 1;
	return 0;
}

static int plan_add(struct adopt_plan *p, const migc_migration *m,
		    const struct adopt_row *row, migc_hstate state,
		    const char *verified)
{
	if (planned(p, m))
		return 0;
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct adoption *n = realloc(p->items, cap * sizeof(*n));

		if (!n)
			return MIGC_ENOMEM;
		p->items = n;
		p->cap = cap;
	}
	p->items[p->count].m = m;
	p->items[p->count].row = row;
	p->items[p->count].state = state;
	p->items[p->count].verified = verified;
	p->items[p->count].recorded = 0;
	p->count++;
	return 0;
}

struct adopt_run {
	const struct migc_run_ctx *c;
	const struct adopt_tool *tool;
	const char *from;  /* the tool's name */
	const char *table; /* its history table */
	struct adopt_rows rows;
	struct adopt_plan plan;
};

/* The migration a row names, or NULL. */
static const migc_migration *row_migration(const struct adopt_run *a,
					   const struct adopt_row *r)
{
	size_t i, n = migc_set_count(a->c->set);

	if (r->version) {
		long idx = migc_version_valid(r->version)
				   ? migc_set_find_version(a->c->set, r->version) : -1;

		return idx < 0 ? NULL : migc_set_get(a->c->set, (size_t)idx);
	}
	for (i = 0; i < n; i++) {
		const migc_migration *m = migc_set_get(a->c->set, i);
		size_t nl = strlen(r->name);

		if (a->tool->layout == MIGC_LAYOUT_PRISMA) {
			/* "<timestamp>_<name>/migration.sql" answers to its directory */
			if (!strncmp(m->filename, r->name, nl) && m->filename[nl] == '/')
				return m;
		} else if (m->kind == MIGC_KIND_REPEATABLE && !strcmp(m->filename, r->name)) {
			return m;
		}
	}
	return NULL;
}

/*
 * The version a row stands for, for comparing with the bundle's newest:
 * its own, or for Prisma the timestamp its migration name starts with
 * ("20240103000000_x"). NULL for repeatables.
 */
static const char *row_version(const struct adopt_run *a,
			       const struct adopt_row *r, char *buf, size_t size)
{
	size_t n = 0;

	if (r->version || a->tool->layout != MIGC_LAYOUT_PRISMA)
		return r->version;
	while (r->name[n] >= '0' && r->name[n] <= '9' && n + 1 < size) {
		buf[n] = r->name[n];
		n++;
	}
	buf[n] = '\0';
	return n && migc_version_valid(buf) ? buf : NULL;
}

static const char *row_label(const struct adopt_row *r)
{
	return r->version ? r->version : r->name;
}

/* The newest versioned migration of the set, or NULL. */
static const char *newest_version(const migc_set *set)
{
	size_t i = migc_set_count(set);

	while (i-- > 0) {
		const migc_migration *m = migc_set_get(set, i);

		if (m->kind == MIGC_KIND_VERSIONED)
			return m->version;
	}
	return NULL;
}

static int refuse_state(const struct adopt_run *a, const struct adopt_row *r,
			migc_error *err)
{
	char what[600];

	snprintf(what, sizeof(what),
		 a->tool->failed_what ? a->tool->failed_what : "%s is not applied cleanly",
		 row_label(r));
	migc_err(err, MIGC_EDIRTY, "cannot adopt: %s (%s, table %s)", what,
		 a->from, a->table);
	migc_err_version(err, r->version);
	if (a->tool->failed_hint)
		migc_err_hint(err, "%s", a->tool->failed_hint);
	return MIGC_EDIRTY;
}

/* Check one row's checksum; 0, or MIGC_EDRIFT with both values. */
static int verify_row(struct adopt_run *a, const migc_migration *m,
		      const struct adopt_row *r, const char **verified,
		      migc_error *err)
{
	char computed[128] = "";
	int ok;

	*verified = "no checksum kept by the tool";
	if (!a->tool->checksum || !r->checksum)
		return 0;
	ok = a->tool->checksum(m, r, computed, sizeof(computed));
	if (ok < 0)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	if (ok) {
		*verified = "checksum verified";
		return 0;
	}
	migc_err(err, MIGC_EDRIFT, "%s: the checksum %s recorded when it applied "
		 "it (%s) does not match the file (%s): it was edited after it ran",
		 m->filename, a->from, r->checksum, computed);
	migc_err_where(err, m->filename, 0);
	migc_err_version(err, m->version);
	migc_err_hint(err, "restore the file as it was applied (git log -p -- FILE), "
		      "and put the change in a new migration; nothing was adopted");
	return MIGC_EDRIFT;
}

/* golang-migrate keeps one row: every bundle version up to it is applied. */
static int plan_upto(struct adopt_run *a, const struct adopt_row *r,
		     migc_error *err)
{
	size_t i, n = migc_set_count(a->c->set);
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		const migc_migration *m = migc_set_get(a->c->set, i);

		if (m->kind == MIGC_KIND_VERSIONED &&
		    migc_version_compare(m->version, r->version) <= 0)
			rc = plan_add(&a->plan, m, r, MIGC_H_APPLIED,
				      "no checksum kept by the tool");
	}
	return rc ? migc_err(err, rc, "out of memory") : 0;
}

/* Flyway's baseline: bundle versions up to it that no SQL row covers. */
static int plan_baseline(struct adopt_run *a, const struct adopt_row *r,
			 migc_error *err)
{
	size_t i, n = migc_set_count(a->c->set);

	for (i = 0; i < n; i++) {
		const migc_migration *m = migc_set_get(a->c->set, i);

		if (m->kind == MIGC_KIND_VERSIONED && r->version &&
		    migc_version_compare(m->version, r->version) <= 0 &&
		    plan_add(&a->plan, m, NULL, MIGC_H_BASELINE,
			     "under the tool's baseline: never run"))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	return 0;
}

/* The set's order: versions, then repeatables by name. */
static int adoption_order(const void *pa, const void *pb)
{
	const migc_migration *a = ((const struct adoption *)pa)->m;
	const migc_migration *b = ((const struct adoption *)pb)->m;

	if (a->kind != b->kind)
		return a->kind == MIGC_KIND_VERSIONED ? -1 : 1;
	if (a->kind == MIGC_KIND_VERSIONED)
		return migc_version_compare(a->version, b->version);
	return strcmp(a->name, b->name);
}

static int plan_rows(struct adopt_run *a, migc_error *err)
{
	const char *newest = newest_version(a->c->set);
	size_t i;
	int rc = 0;

	for (i = 0; i < a->rows.count; i++) {
		const struct adopt_row *r = &a->rows.items[i];

		if (r->state == ADOPT_DIRTY || r->state == ADOPT_FAILED)
			return refuse_state(a, r, err);
	}
	/* real rows first, so a baseline never hides a checksum check */
	for (i = 0; !rc && i < a->rows.count; i++) {
		const struct adopt_row *r = &a->rows.items[i];
		const migc_migration *m;
		const char *verified, *version;
		char prisma_version[64];

		if (r->state != ADOPT_APPLIED)
			continue;
		m = row_migration(a, r);
		version = row_version(a, r, prisma_version, sizeof(prisma_version));
		if (!m && !version && !a->c->opts->strict) {
			/* a repeatable the directory no longer has: nothing to
			 * adopt, and nothing that `up` would run again */
			char msg[600];

			snprintf(msg, sizeof(msg), "%s ran %s, which this bundle does not "
				 "have: not adopted", a->from, row_label(r));
			migc_engine_event(a->c->opts, MIGC_EVENT_WARNING, NULL, 0, msg);
			a->plan.skipped++;
			continue;
		}
		if (!m && version && (!newest || migc_version_compare(version, newest) > 0) &&
		    !a->c->opts->strict) {
			char msg[600];

			if (a->rows.upto)
				snprintf(msg, sizeof(msg), "%s is at version %s, newer than "
					 "every migration of this bundle: the bundle's versions "
					 "are adopted, the newer ones are left for a newer "
					 "release", a->from, r->version);
			else
				snprintf(msg, sizeof(msg), "%s applied %s%s, which is newer "
					 "than every migration of this bundle: not adopted (a "
					 "newer release will adopt it)", a->from,
					 r->version ? "version " : "", row_label(r));
			migc_engine_event(a->c->opts, MIGC_EVENT_WARNING, NULL, 0, msg);
			a->plan.skipped++;
			/* golang-migrate's one row still says every older version ran */
			if (a->rows.upto)
				rc = plan_upto(a, r, err);
			continue;
		}
		if (!m) {
			migc_err(err, MIGC_EMISSING, "cannot adopt: %s applied %s (%s) but "
				 "no migration of this bundle is %s", a->from, row_label(r),
				 *r->extra ? r->extra : a->table, r->version ? "that version" : "that file");
			migc_err_version(err, r->version);
			migc_err_hint(err, "build the binary from the migrations directory "
				      "the database was migrated from (with --layout %s if "
				      "it was not detected)", a->from);
			return MIGC_EMISSING;
		}
		if (a->rows.upto) {
			rc = plan_upto(a, r, err);
			continue;
		}
		rc = verify_row(a, m, r, &verified, err);
		if (rc == MIGC_EDRIFT && m->kind == MIGC_KIND_REPEATABLE) {
			/* changed since: `up` re-applies it, as the old tool would */
			migc_error_clear(err);
			a->plan.skipped++;
			rc = 0;
			continue;
		}
		if (!rc && plan_add(&a->plan, m, r, MIGC_H_APPLIED, verified))
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	for (i = 0; !rc && i < a->rows.count; i++)
		if (a->rows.items[i].state == ADOPT_BASELINE)
			rc = plan_baseline(a, &a->rows.items[i], err);
	/* reported and recorded in the bundle's order, as `up` would have */
	if (!rc && a->plan.count > 1)
		qsort(a->plan.items, a->plan.count, sizeof(*a->plan.items),
		      adoption_order);
	return rc;
}

static int set_flag(void *ctx, int n, const char *const *v)
{
	(void)n;
	(void)v;
	*(int *)ctx = 1;
	return 0;
}

/* 1 when `table` exists; the check goes through the catalog so that a
 * missing table does not abort PostgreSQL's transaction. */
static int table_exists(migc_db *db, const char *table, int *exists,
			migc_error *err)
{
	const char *dot = strchr(table, '.');
	char sql[512];

	*exists = 0;
	if (strcmp(db->driver->name, "postgres") == 0)
		snprintf(sql, sizeof(sql), "SELECT 1 WHERE to_regclass('%s') IS NOT NULL",
			 table);
	else if (dot)
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %.*s.sqlite_master WHERE "
			 "type = 'table' AND name = '%s'", (int)(dot - table), table,
			 dot + 1);
	else
		snprintf(sql, sizeof(sql), "SELECT 1 FROM sqlite_master WHERE "
			 "type = 'table' AND name = '%s'", table);
	return db->driver->query(db->conn, sql, set_flag, exists, err);
}

/* golang-migrate's schema_migrations has a dirty column; dbmate's not. */
static int has_dirty_column(migc_db *db, const char *table, int *yes,
			    migc_error *err)
{
	const char *dot = strchr(table, '.');
	char sql[512];

	*yes = 0;
	if (strcmp(db->driver->name, "postgres") == 0)
		snprintf(sql, sizeof(sql), "SELECT 1 FROM pg_attribute WHERE attrelid = "
			 "to_regclass('%s') AND attname = 'dirty' AND NOT attisdropped",
			 table);
	else
		snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') "
			 "WHERE name = 'dirty'", dot ? dot + 1 : table);
	return db->driver->query(db->conn, sql, set_flag, yes, err);
}

int migc_engine_foreign_history(migc_db *db, migc_layout prefer,
				const char **tool, const char **table,
				migc_error *err)
{
	static const migc_layout order[] = {
		MIGC_LAYOUT_FLYWAY, MIGC_LAYOUT_GOOSE, MIGC_LAYOUT_SQLX,
		MIGC_LAYOUT_REFINERY, MIGC_LAYOUT_DIESEL, MIGC_LAYOUT_PRISMA,
		MIGC_LAYOUT_GOLANG_MIGRATE, MIGC_LAYOUT_DBMATE,
	};
	size_t i;
	int rc;

	*tool = *table = NULL;
	if (db->driver->version < 2 || !db->driver->query)
		return 0;
	for (i = 0; i <= sizeof(order) / sizeof(order[0]); i++) {
		migc_layout l = i ? order[i - 1] : prefer;
		const struct adopt_tool *t = adopt_tool_find(l);
		int exists, dirty;

		if (!t)
			continue;
		rc = table_exists(db, t->table, &exists, err);
		if (rc)
			return rc;
		if (!exists)
			continue;
		if (!strcmp(t->table, "schema_migrations")) {
			rc = has_dirty_column(db, t->table, &dirty, err);
			if (rc)
				return rc;
			if (dirty != (l == MIGC_LAYOUT_GOLANG_MIGRATE))
				continue;
		}
		*tool = migc_layout_name(l);
		*table = t->table;
		return 0;
	}
	return 0;
}

static int read_rows(struct adopt_run *a, migc_error *err)
{
	const struct migc_driver *d = a->c->db->driver;
	int pg = strcmp(d->name, "postgres") == 0, exists, rc;
	char sql[1024];

	rc = table_exists(a->c->db, a->table, &exists, err);
	if (rc)
		return rc;
	if (!exists) {
		migc_err(err, MIGC_ENOTFOUND, "cannot adopt: this database has no "
			 "%s history table '%s'", a->from, a->table);
		migc_err_hint(err, "name the table with --from-table if %s was "
			      "configured to use another one; `migrate status` says "
			      "which tools' tables it finds", a->from);
		return MIGC_ENOTFOUND;
	}
	if (a->tool->layout == MIGC_LAYOUT_GOLANG_MIGRATE ||
	    a->tool->layout == MIGC_LAYOUT_DBMATE) {
		/* both call it schema_migrations: golang-migrate's has `dirty` */
		int golang = a->tool->layout == MIGC_LAYOUT_GOLANG_MIGRATE, dirty;

		rc = has_dirty_column(a->c->db, a->table, &dirty, err);
		if (rc)
			return rc;
		if (dirty && !golang)
			migc_err(err, MIGC_EUSAGE, "cannot adopt: '%s' has a dirty "
				 "column: it is golang-migrate's history table, not "
				 "dbmate's", a->table);
		else if (!dirty && golang)
			migc_err(err, MIGC_EUSAGE, "cannot adopt: '%s' has no dirty "
				 "column: it is not golang-migrate's history table "
				 "(dbmate's has the same name)", a->table);
		if (dirty != golang) {
			migc_err_hint(err, "adopt --from %s, if that tool migrated this "
				      "database", golang ? "dbmate" : "golang-migrate");
			return MIGC_EUSAGE;
		}
	}
	snprintf(sql, sizeof(sql), pg && a->tool->sql_pg ? a->tool->sql_pg : a->tool->sql,
		 a->table);
	rc = d->query(a->c->db->conn, sql, a->tool->row, &a->rows, err);
	if (rc == MIGC_ENOMEM)
		return migc_err(err, rc, "out of memory");
	if (rc == MIGC_EDB && err) {
		/* the table is there but not the tool's: a configuration error */
		migc_err_prefix(err, "cannot adopt: reading %s's table '%s'",
				a->from, a->table);
		err->code = rc = MIGC_EUSAGE;
	}
	if (rc)
		migc_err_hint(err, "migc reads %s from %s's table '%s'; is it that "
			      "tool's table?", a->tool->columns, a->from, a->table);
	return rc;
}

static void report(const struct adopt_run *a, int dry_run)
{
	size_t i;

	for (i = 0; i < a->plan.count; i++) {
		const struct adoption *x = &a->plan.items[i];
		char msg[700];

		if (x->recorded)
			continue;
		snprintf(msg, sizeof(msg), "%s%s%s%s (%s)",
			 dry_run ? "would adopt" : "adopted",
			 x->state == MIGC_H_BASELINE ? " as baseline" : "",
			 x->row && *x->row->extra ? ", " : "",
			 x->row && *x->row->extra ? x->row->extra : "", x->verified);
		migc_engine_event(a->c->opts, MIGC_EVENT_ADOPTED, x->m, 0, msg);
	}
}

/* The live row of migc's history that records `m`, or NULL. */
static const struct migc_history_row *history_row(const struct migc_history *h,
						  const migc_migration *m)
{
	size_t i;

	for (i = 0; i < h->count; i++) {
		const struct migc_history_row *r = &h->rows[i];

		if (r->state != MIGC_H_UNDONE && r->kind == (int)m->kind &&
		    (m->kind == MIGC_KIND_VERSIONED
			     ? migc_version_compare(r->version, m->version) == 0
			     : strcmp(r->name, m->name) == 0))
			return r;
	}
	return NULL;
}

/*
 * What migc's own history says, with each planned migration it already
 * records marked `recorded`. Returns 0 when there is nothing to refuse (no
 * live rows, or only rows an earlier adoption wrote: then only what is not
 * recorded yet is adopted, as when a newer release adopts the versions an
 * older one had to leave); -1 when migc has applied migrations of its own
 * and some planned migration is not recorded (rc 0), or on error (rc set).
 * `*missing` says how many planned migrations are not recorded.
 */
static int own_history(struct adopt_run *a, size_t *missing, migc_error *err,
		       int *rc)
{
	struct migc_history h = {NULL, 0, 0};
	size_t i, own = 0;

	*missing = a->plan.count;
	*rc = a->c->db->driver->history_read(a->c->db->conn,
					     a->c->opts->history_table, &h, err);
	if (*rc)
		return -1;
	for (i = 0; i < h.count; i++)
		own += h.rows[i].state != MIGC_H_UNDONE &&
		       (!h.rows[i].note || strncmp(h.rows[i].note, "adopted from ", 13) != 0);
	for (i = 0; i < a->plan.count; i++) {
		a->plan.items[i].recorded = history_row(&h, a->plan.items[i].m) != NULL;
		*missing -= a->plan.items[i].recorded;
	}
	migc_history_clear(&h);
	return own && *missing ? -1 : 0;
}

static int record(const struct adopt_run *a, migc_error *err)
{
	const struct migc_driver *d = a->c->db->driver;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < a->plan.count; i++) {
		const struct adoption *x = &a->plan.items[i];
		struct migc_history_row row;
		char checksum[64], now[32], note[600];

		if (x->recorded)
			continue;
		migc_engine_row_for(&row, checksum, sizeof(checksum), now, a->c, x->m,
				    x->state, 0);
		snprintf(note, sizeof(note), "adopted from %s (%s%s%s)", a->from, a->table,
			 x->row && *x->row->extra ? ", " : "",
			 x->row && *x->row->extra ? x->row->extra : "");
		row.note = note;
		rc = d->history_insert(a->c->db->conn, a->c->opts->history_table, &row,
				       NULL, err);
	}
	return rc;
}

static int adopt_locked(struct adopt_run *a, int dry_run, size_t *adopted,
			migc_error *err)
{
	const struct migc_driver *d = a->c->db->driver;
	size_t missing = 0;
	int rc, own;

	rc = d->begin(a->c->db->conn, err);
	if (rc)
		return rc;
	rc = read_rows(a, err);
	if (!rc)
		rc = plan_rows(a, err);
	own = rc ? 0 : own_history(a, &missing, err, &rc);
	if (!rc && !missing && a->plan.count) {
		migc_engine_event(a->c->opts, MIGC_EVENT_INFO, NULL, 0,
				  "nothing to adopt: the migc history already records "
				  "every migration the old tool applied");
		d->rollback(a->c->db->conn);
		return 0;
	}
	if (!rc && own < 0) {
		rc = migc_err(err, MIGC_EUSAGE, "cannot adopt: the history table %s "
			      "already has rows of its own", a->c->opts->history_table);
		migc_err_hint(err, "adopt takes over a database migc has never "
				   "migrated; `migrate status` shows what is there");
	}
	if (!rc && !dry_run)
		rc = record(a, err);
	if (!rc && !dry_run)
		rc = d->commit(a->c->db->conn, err);
	else
		d->rollback(a->c->db->conn);
	if (!rc) {
		report(a, dry_run);
		*adopted = missing;
	}
	return rc;
}

int migc_adopt(migc_db *db, const migc_set *set, const char *from,
	       const char *table, int dry_run, const migc_options *opts_in,
	       size_t *adopted, migc_error *err)
{
	struct migc_run_ctx c;
	struct adopt_run a;
	migc_options opts;
	migc_layout layout;
	size_t n = 0;
	int rc;

	if (adopted)
		*adopted = 0;
	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (rc)
		return rc;
	memset(&a, 0, sizeof(a));
	if (migc_layout_parse(&layout, from ? from : "", err) == 0)
		a.tool = adopt_tool_find(layout);
	if (!a.tool) {
		migc_err(err, MIGC_EUSAGE, "cannot adopt from '%s': migc reads the "
			 "history of " ADOPT_TOOLS, from ? from : "");
		migc_err_hint(err, "pass --from with the tool that migrated the "
			      "database");
		return MIGC_EUSAGE;
	}
	if (db->driver->version < 2 || !db->driver->query)
		return migc_err(err, MIGC_EUSAGE, "the %s driver cannot read other "
				"tools' tables", db->driver->name);
	a.from = migc_layout_name(layout);
	a.table = table ? table : a.tool->table;
	rc = migc_engine_check_table(a.table, err);
	if (rc)
		return rc;
	migc_engine_ctx_init(&c, db, set, &opts);
	a.c = &c;
	rc = migc_engine_lock(db, &opts, err);
	if (rc)
		return rc;
	rc = adopt_locked(&a, dry_run, &n, err);
	rc = migc_engine_unlock(db, rc, err);
	adopt_rows_free(&a.rows);
	plan_free(&a.plan);
	if (adopted)
		*adopted = n;
	return rc;
}

/*
 * Before `up` applies anything with a bundle read as another tool's layout:
 * when that tool's table says it applied migrations migc's history does not
 * record, applying would run them a second time (a team that switched and
 * ran `up` before `adopt`, or a release that has versions an earlier
 * adoption had to skip). Refuse, pointing at `migrate adopt`. A table that
 * is not there, or is another tool's (golang-migrate vs dbmate), is no
 * reason to stop; a dirty or failed state in it, or drift, is.
 */
int migc_engine_adopt_guard(migc_db *db, const migc_set *set,
			    const migc_options *opts, migc_error *err)
{
	const struct adopt_tool *tool = adopt_tool_find(migc_set_layout(set));
	struct migc_run_ctx c;
	struct adopt_run a;
	size_t missing = 0;
	int rc, exists, dirty;

	if (!tool || db->driver->version < 2 || !db->driver->query)
		return 0;
	rc = table_exists(db, tool->table, &exists, err);
	if (rc || !exists)
		return rc;
	if (!strcmp(tool->table, "schema_migrations")) {
		rc = has_dirty_column(db, tool->table, &dirty, err);
		if (rc || dirty != (tool->layout == MIGC_LAYOUT_GOLANG_MIGRATE))
			return rc;
	}
	memset(&a, 0, sizeof(a));
	migc_engine_ctx_init(&c, db, set, opts);
	a.c = &c;
	a.tool = tool;
	a.from = migc_layout_name(tool->layout);
	a.table = tool->table;
	rc = read_rows(&a, err);
	if (!rc)
		rc = plan_rows(&a, err);
	if (!rc)
		own_history(&a, &missing, err, &rc);
	if (!rc && missing) {
		const struct adoption *first = NULL;
		size_t i;

		for (i = 0; i < a.plan.count && !first; i++)
			if (!a.plan.items[i].recorded)
				first = &a.plan.items[i];
		rc = migc_err(err, MIGC_EUSAGE, "%s applied %zu migration%s that migc's "
			      "history does not record (the first: %s): `up` would run "
			      "them again", a.from, missing, missing == 1 ? "" : "s",
			      first ? first->m->filename : "?");
		migc_err_hint(err, "take the history over first, without running "
			      "anything: migrate adopt --from %s (--dry-run shows the "
			      "mapping)", a.from);
	} else if (rc && rc != MIGC_ENOMEM) {
		migc_err_prefix(err, "before applying anything, %s's table '%s' was "
				"checked", a.from, a.table);
	}
	adopt_rows_free(&a.rows);
	plan_free(&a.plan);
	return rc;
}
