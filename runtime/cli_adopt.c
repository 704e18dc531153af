/*
 * cli_adopt.c - `migrate down` and `migrate adopt`, the commands for teams
 * switching from another tool: rolling back with the down sections that
 * tool's files carry (development only), and taking over its history table.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "util.h"

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* The migrations an event reported (undone or adopted), as JSON; for
 * `down`, the file whose down SQL ran too. */
static void json_list(struct cli *c, struct migc_json *j, const char *key,
		      int down)
{
	size_t i;

	migc_json_array(j, key);
	for (i = 0; i < c->napplied; i++) {
		const migc_migration *m = c->applied[i].m;

		migc_json_object(j, NULL);
		migc_json_string(j, "version", *m->version ? m->version : NULL);
		migc_json_string(j, "name", m->name);
		migc_json_string(j, "file", m->filename);
		if (down)
			migc_json_string(j, "down_file", m->down_filename);
		migc_json_int(j, "duration_ms", c->applied[i].duration_ms);
		migc_json_end_object(j);
	}
	migc_json_end_array(j);
}

/* down drops data: only on this machine unless --allow-remote. */
static int down_allowed(struct cli *c, migc_db *db, migc_error *err)
{
	int local = 0, rc;

	if (c->allow_remote)
		return 0;
	rc = migc_engine_db_local(db, &local, err);
	if (rc)
		return rc;
	if (local)
		return 0;
	migc_err(err, MIGC_EUSAGE, "refusing to roll back a database that is not "
		 "on this machine: down migrations drop data");
	migc_err_hint(err, "down is for development databases; pass --allow-remote "
			   "if this really is one");
	return MIGC_EUSAGE;
}

int cli_cmd_down(struct cli *c)
{
	char database[600];
	migc_db *db = NULL;
	struct migc_json j;
	migc_error err;
	size_t n = 0;
	int rc;

	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	cli_database_label(database, sizeof(database), c, db);
	c->done_word = "undone";
	migc_error_clear(&err);
	rc = down_allowed(c, db, &err);
	if (!rc)
		rc = migc_down(db, c->set, c->down_to, c->down_steps, &c->opts, &n,
			       &err);
	cli_close(db);
	if (rc)
		cli_error(&err);
	if (!rc && !c->json && !c->quiet) {
		if (n)
			printf("%zu migration%s rolled back\n", n, plural(n));
		else
			printf("nothing to roll back\n");
	}
	if (!c->json)
		return migc_exit_code(rc);
	cli_json_begin(c, &j, "down");
	migc_json_string(&j, "database", database);
	json_list(c, &j, "undone", 1);
	migc_json_int(&j, "undone_count", (long long)n);
	return cli_json_end(c, &j, &err, rc);
}

int cli_cmd_adopt(struct cli *c)
{
	char database[600];
	migc_db *db = NULL;
	struct migc_json j;
	migc_error err;
	size_t n = 0;
	int rc;

	if (!c->adopt_from && migc_set_layout(c->set) != MIGC_LAYOUT_MIGC)
		c->adopt_from = migc_layout_name(migc_set_layout(c->set));
	if (!c->adopt_from) {
		fprintf(stderr, "migrate: error: adopt needs --from TOOL\nhint: the "
			"tool that migrated this database: golang-migrate, goose, "
			"dbmate, flyway, sqlx, refinery, diesel or prisma\n");
		return MIGC_EXIT_USAGE;
	}
	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	cli_database_label(database, sizeof(database), c, db);
	migc_error_clear(&err);
	rc = migc_adopt(db, c->set, c->adopt_from, c->adopt_table, c->dry_run,
			&c->opts, &n, &err);
	cli_close(db);
	if (rc)
		cli_error(&err);
	if (!rc && !c->json && !c->quiet)
		printf("%zu migration%s %s from %s%s\n", n, plural(n),
		       c->dry_run ? "would be adopted" : "adopted", c->adopt_from,
		       c->dry_run ? " (dry run: nothing recorded)"
				  : n ? "; `migrate up` now applies only what is new" : "");
	if (!c->json)
		return migc_exit_code(rc);
	cli_json_begin(c, &j, "adopt");
	migc_json_string(&j, "database", database);
	migc_json_string(&j, "from", c->adopt_from);
	migc_json_bool(&j, "dry_run", c->dry_run);
	json_list(c, &j, "adopted", 0);
	migc_json_int(&j, "adopted_count", (long long)n);
	return cli_json_end(c, &j, &err, rc);
}
