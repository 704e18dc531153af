/*
 * cli_cmds.c - the commands of `migrate` but status and verify (those are
 * in cli_status.c): each opens the database (if it needs one), calls the
 * library, and prints the result as text or as one JSON object
 * ("format_version": 1, stable field names).
 *
 * Human output goes to stdout; errors, warnings and progress notes to
 * stderr as `migrate: error: ...` / `hint: ...`. A URL is never printed
 * except SQLite's, which holds a path and no credentials.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle.h"
#include "cli.h"
#include "engine.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* The JSON fields every migration has. */
static void json_migration(struct migc_json *j, const migc_migration *m)
{
	migc_json_string(j, "version", *m->version ? m->version : NULL);
	migc_json_string(j, "name", m->name);
	migc_json_string(j, "kind", m->kind == MIGC_KIND_REPEATABLE
				    ? "repeatable" : "versioned");
	migc_json_string(j, "file", m->filename);
	migc_json_string(j, "checksum", m->checksum);
	migc_json_bool(j, "no_transaction", !!(m->flags & MIGC_FLAG_NO_TRANSACTION));
	migc_json_string(j, "phase", m->flags & MIGC_FLAG_PHASE_POST ? "post" : "pre");
}

/* ------------------------------------------------------------------ */
/* up                                                                  */
/* ------------------------------------------------------------------ */

static int skip_requested(void)
{
	const char *v = getenv("MIGC_SKIP");

	return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
		     strcasecmp(v, "yes") == 0);
}

static int up_skipped(struct cli *c)
{
	struct migc_json j;

	fprintf(stderr, "migrate: MIGC_SKIP is set; not running migrations\n");
	if (!c->json)
		return 0;
	cli_json_begin(c, &j, "up");
	migc_json_bool(&j, "skipped", 1);
	migc_json_array(&j, "applied");
	migc_json_end_array(&j);
	return cli_json_end(c, &j, NULL, 0);
}

static void up_human(const struct cli *c, const struct migc_up_result *r,
		     long long ms)
{
	const char *v = r->current_version;
	size_t n = r->applied, deferred = r->deferred;

	if (c->quiet)
		return;
	if (n && v)
		printf("%zu migration%s applied in %lld ms; database at version "
		       "%s\n", n, plural(n), ms, v);
	else if (n)
		printf("%zu migration%s applied in %lld ms\n", n, plural(n), ms);
	else if (v)
		printf("database is up to date at version %s\n", v);
	else
		printf("database is up to date\n");
	if (deferred)
		printf("%zu post-phase migration%s deferred: run `migrate up "
		       "--phase post` once the new code is live\n", deferred,
		       plural(deferred));
}

/* current_version and deferred are those of the run's last view of the
 * history (null and 0 when it failed before reading it). */
static int up_json(struct cli *c, const struct migc_up_result *r,
		   const char *database, long long ms, const migc_error *err,
		   int rc)
{
	struct migc_json j;
	size_t i;

	cli_json_begin(c, &j, "up");
	migc_json_bool(&j, "skipped", 0);
	migc_json_string(&j, "database", database);
	migc_json_array(&j, "applied");
	for (i = 0; i < c->napplied; i++) {
		migc_json_object(&j, NULL);
		json_migration(&j, c->applied[i].m);
		migc_json_int(&j, "duration_ms", c->applied[i].duration_ms);
		migc_json_end_object(&j);
	}
	migc_json_end_array(&j);
	migc_json_int(&j, "applied_count", (long long)c->napplied);
	migc_json_int(&j, "duration_ms", ms);
	migc_json_string(&j, "current_version", r->current_version);
	migc_json_int(&j, "deferred", (long long)r->deferred);
	return cli_json_end(c, &j, err, rc);
}

/*
 * The summary (version, deferred count) comes from up's own last view of
 * the history, not from a second read: that was a whole history read and
 * report again, a quarter of a no-op up.
 */
int cli_cmd_up(struct cli *c)
{
	char database[600];
	struct migc_up_result r;
	migc_db *db = NULL;
	migc_error err;
	long long start;
	int rc;

	if (skip_requested())
		return up_skipped(c);
	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	cli_database_label(database, sizeof(database), c, db);
	start = migc_now_ms();
	migc_error_clear(&err);
	rc = migc_engine_up(&r, db, c->set, &c->opts, &err);
	if (rc)
		cli_error(&err);
	if (!rc && !c->json)
		up_human(c, &r, migc_now_ms() - start);
	if (c->json)
		rc = up_json(c, &r, database, migc_now_ms() - start, &err, rc);
	else
		rc = migc_exit_code(rc);
	migc_engine_up_result_clear(&r);
	cli_close(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* plan                                                                */
/* ------------------------------------------------------------------ */

static void plan_human(const migc_migration **v, size_t n)
{
	size_t i;

	if (!n)
		printf("-- nothing to apply: the database is up to date\n");
	for (i = 0; i < n; i++) {
		const migc_migration *m = v[i];

		printf("%s-- %s\n", i ? "\n" : "", m->filename);
		fwrite(m->sql, 1, m->sql_len, stdout);
		if (m->sql_len && m->sql[m->sql_len - 1] != '\n')
			putchar('\n');
	}
}

static int plan_json(struct cli *c, const migc_migration **v, size_t n,
		     const char *database, const migc_error *err, int rc)
{
	struct migc_json j;
	size_t i;

	cli_json_begin(c, &j, "plan");
	migc_json_string(&j, "database", database);
	migc_json_array(&j, "migrations");
	for (i = 0; i < n; i++) {
		migc_json_object(&j, NULL);
		json_migration(&j, v[i]);
		migc_json_string(&j, "sql", v[i]->sql);
		migc_json_end_object(&j);
	}
	migc_json_end_array(&j);
	migc_json_int(&j, "count", (long long)n);
	return cli_json_end(c, &j, err, rc);
}

int cli_cmd_plan(struct cli *c)
{
	const migc_migration **v = NULL;
	char database[600];
	migc_db *db = NULL;
	migc_error err;
	size_t n = 0;
	int rc;

	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	cli_database_label(database, sizeof(database), c, db);
	migc_error_clear(&err);
	rc = migc_engine_pending(&v, &n, db, c->set, &c->opts, &err);
	if (rc)
		cli_error(&err);
	if (c->json)
		rc = plan_json(c, v, n, database, &err, rc);
	else if (rc)
		rc = migc_exit_code(rc);
	else
		plan_human(v, n);
	free(v);
	cli_close(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* baseline, resolve, wait                                             */
/* ------------------------------------------------------------------ */

/* The JSON (or nothing) for a command that only succeeds or fails. */
static int simple_result(struct cli *c, const migc_error *err, int rc)
{
	struct migc_json j;

	if (rc)
		cli_error(err);
	if (!c->json)
		return migc_exit_code(rc);
	cli_json_begin(c, &j, c->cmd->name);
	if (c->nargs)
		migc_json_string(&j, "version", c->args[0]);
	return cli_json_end(c, &j, err, rc);
}

int cli_cmd_baseline(struct cli *c)
{
	const char *version = c->args[0];
	migc_db *db = NULL;
	migc_error err;
	size_t i, n = 0;
	int rc;

	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	migc_error_clear(&err);
	rc = migc_baseline(db, c->set, version, &c->opts, &err);
	cli_close(db);
	for (i = 0; !rc && i < migc_set_count(c->set); i++) {
		const migc_migration *m = set_peek(c->set, i);

		n += m->kind == MIGC_KIND_VERSIONED &&
		     migc_version_compare(m->version, version) <= 0;
	}
	if (!rc && !c->json && !c->quiet)
		printf("database baselined at version %s: %zu migration%s "
		       "marked as applied without running\n", version, n,
		       plural(n));
	return simple_result(c, &err, rc);
}

int cli_cmd_resolve(struct cli *c)
{
	migc_db *db = NULL;
	migc_error err;
	int rc;

	if (!c->resolution) {
		fprintf(stderr, "migrate: error: resolve needs --applied or "
			"--pending\nhint: --applied if the change is in place, "
			"--pending to run the migration again\n");
		return MIGC_EXIT_USAGE;
	}
	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	migc_error_clear(&err);
	rc = migc_resolve(db, c->set, c->args[0], c->resolution, &c->opts, &err);
	cli_close(db);
	if (!rc && !c->json && !c->quiet)
		printf("resolved %s as %s\n", c->args[0],
		       c->resolution == MIGC_RESOLVE_APPLIED
		       ? "applied" : "pending: the next up runs it again");
	return simple_result(c, &err, rc);
}

int cli_cmd_wait(struct cli *c)
{
	char database[600];
	migc_db *db = NULL;
	migc_error err;
	int rc;

	migc_error_clear(&err);
	if (skip_requested()) {
		/* the init step before a skipped `up` (review apps): do not
		 * wait for a database nothing will use */
		fprintf(stderr, "migrate: MIGC_SKIP is set; not waiting for the database\n");
		return simple_result(c, &err, 0);
	}
	rc = cli_open(c, &db, &err);
	if (!rc && !c->quiet && !c->json) {
		cli_database_label(database, sizeof(database), c, db);
		printf("%s is ready\n", database);
	}
	cli_close(db);
	return simple_result(c, &err, rc);
}

/* ------------------------------------------------------------------ */
/* info                                                                */
/* ------------------------------------------------------------------ */

struct bundle_facts {
	size_t versioned, repeatable;
	const char *newest;
	char id[MIGC_CHECKSUM_HEX_LEN + 1];
	const char *commit;
	int dirty;
};

static void bundle_facts(struct bundle_facts *f, const struct cli *c)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < migc_set_count(c->set); i++) {
		const migc_migration *m = set_peek(c->set, i);

		if (m->kind == MIGC_KIND_VERSIONED) {
			f->versioned++;
			f->newest = m->version;
		} else {
			f->repeatable++;
		}
	}
	migc_set_bundle_id(c->set, f->id);
	f->commit = migc_set_source_commit(c->set);
	f->dirty = migc_set_source_dirty(c->set);
}

static int info_json(struct cli *c, const struct bundle_facts *f)
{
	struct migc_json j;

	cli_json_begin(c, &j, "info");
	migc_json_string(&j, "runtime_version", MIGC_VERSION);
	migc_json_string(&j, "compiler_version", c->bundle->compiler_version);
	migc_json_int(&j, "abi", c->bundle->abi);
	migc_json_string(&j, "bundle_id", f->id);
	migc_json_int(&j, "migrations", (long long)(f->versioned + f->repeatable));
	migc_json_int(&j, "versioned", (long long)f->versioned);
	migc_json_int(&j, "repeatable", (long long)f->repeatable);
	migc_json_string(&j, "layout", migc_layout_name(migc_set_layout(c->set)));
	migc_json_string(&j, "newest_version", f->newest);
	migc_json_string(&j, "source_commit", *f->commit ? f->commit : NULL);
	if (f->dirty < 0)
		migc_json_null(&j, "source_dirty");
	else
		migc_json_bool(&j, "source_dirty", f->dirty);
	return cli_json_end(c, &j, NULL, 0);
}

int cli_cmd_info(struct cli *c)
{
	struct bundle_facts f;

	bundle_facts(&f, c);
	if (c->json)
		return info_json(c, &f);
	printf("bundle id:        %s\n", f.id);
	printf("migrations:       %zu (%zu versioned, %zu repeatable)\n",
	       f.versioned + f.repeatable, f.versioned, f.repeatable);
	printf("newest version:   %s\n", f.newest ? f.newest : "-");
	printf("source commit:    %s%s\n", *f.commit ? f.commit : "unknown",
	       f.dirty > 0 ? " (dirty)" : f.dirty == 0 ? " (clean)" : "");
	printf("compiler version: %s\n", c->bundle->compiler_version);
	printf("runtime version:  %s\n", MIGC_VERSION);
	printf("bundle abi:       %u\n", c->bundle->abi);
	printf("layout:           %s\n", migc_layout_name(migc_set_layout(c->set)));
	return 0;
}
