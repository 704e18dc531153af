/*
 * cli_status.c - `migrate status` and `migrate verify`: the report as a
 * table or as JSON, and the verify result with the rows needing attention.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "cli.h"
#include "engine.h"
#include "util.h"

static int row_is_applied(const migc_report_row *r)
{
	return migc_engine_holds_version(r->state);
}

/* The newest applied version in a report (rows are in version order). */
const char *cli_current_version(const migc_report *r)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < migc_report_count(r); i++) {
		const migc_report_row *row = migc_report_get(r, i);

		if (row->kind == MIGC_KIND_VERSIONED && row_is_applied(row))
			v = row->version;
	}
	return v;
}

size_t cli_count_history(const migc_report *r)
{
	size_t i, n = 0;

	for (i = 0; i < migc_report_count(r); i++)
		n += migc_report_get(r, i)->applied_at != NULL;
	return n;
}

size_t cli_count_state(const migc_report *r, migc_state state)
{
	size_t i, n = 0;

	for (i = 0; i < migc_report_count(r); i++)
		n += migc_report_get(r, i)->state == state;
	return n;
}

/* The file name of a report row (rebuilt when only in the history). */
static void row_file(char *out, size_t size, const migc_report_row *r)
{
	if (r->migration)
		snprintf(out, size, "%s", r->migration->filename);
	else if (r->kind == MIGC_KIND_REPEATABLE)
		snprintf(out, size, "R__%s.sql", r->name);
	else
		snprintf(out, size, "%s_%s.sql", r->version, r->name);
}

/* ------------------------------------------------------------------ */
/* status                                                              */
/* ------------------------------------------------------------------ */

struct widths {
	int version, name, state, at;
};

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void duration_text(char out[32], long long ms)
{
	if (ms < 0)
		snprintf(out, 32, "-");
	else
		snprintf(out, 32, "%lld ms", ms);
}

static const char *version_text(const migc_report_row *row)
{
	return row->kind == MIGC_KIND_REPEATABLE ? "R" : row->version;
}

/* 1 when the bundle was built with --provenance (some migration has it). */
static int has_provenance(const migc_set *set)
{
	size_t i;

	for (i = 0; i < migc_set_count(set); i++)
		if (set_peek(set, i)->added_commit)
			return 1;
	return 0;
}

/* 1 when the bundle has post-deploy migrations: status shows phases. */
static int has_post_phase(const migc_set *set)
{
	size_t i;

	for (i = 0; i < migc_set_count(set); i++)
		if (set_peek(set, i)->flags & MIGC_FLAG_PHASE_POST)
			return 1;
	return 0;
}

/* "pre", "post", or NULL for a row that is only in the history. */
static const char *phase_name(const migc_report_row *row)
{
	if (!row->migration)
		return NULL;
	return row->migration->flags & MIGC_FLAG_PHASE_POST ? "post" : "pre";
}

/* When a migration was added (its author time), ISO-8601 UTC, or "". */
static void added_at(char out[32], const migc_migration *m)
{
	time_t t;
	struct tm tm;

	out[0] = '\0';
	if (!m || !m->added_commit || !*m->added_commit)
		return;
	t = (time_t)m->added_time;
	if (gmtime_r(&t, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Provenance for the table: "<12 hex> <date>", or "-". */
static void added_text(char out[48], const migc_report_row *row)
{
	char at[32];

	added_at(at, row->migration);
	if (!*at) {
		snprintf(out, 48, "-");
		return;
	}
	snprintf(out, 48, "%.12s %.10s", row->migration->added_commit, at);
}

static void status_widths(struct widths *w, const migc_report *r)
{
	size_t i;

	w->version = 7; /* "VERSION" */
	w->name = 4;
	w->state = 5;
	w->at = 10;
	for (i = 0; i < migc_report_count(r); i++) {
		const migc_report_row *row = migc_report_get(r, i);
		int v = (int)strlen(version_text(row)), n = (int)strlen(row->name);
		int s = (int)strlen(migc_state_name(row->state));
		int a = (int)strlen(or_dash(row->applied_at));

		w->version = v > w->version ? v : w->version;
		w->name = n > w->name ? (n > 48 ? 48 : n) : w->name;
		w->state = s > w->state ? s : w->state;
		w->at = a > w->at ? a : w->at;
	}
}

static void status_summary(const migc_report *r, const char *database)
{
	const char *v = cli_current_version(r);
	int state, first = 1;

	if (v)
		printf("%s at version %s", database, v);
	else
		printf("%s has no migrations applied", database);
	for (state = MIGC_STATE_APPLIED; state <= MIGC_STATE_DEFERRED; state++) {
		size_t n = cli_count_state(r, (migc_state)state);

		if (!n)
			continue;
		printf("%s%zu %s", first ? ": " : ", ", n,
		       migc_state_name((migc_state)state));
		first = 0;
	}
	printf("\n");
}

static void status_human(const struct cli *c, const migc_report *r,
			 const char *database)
{
	int prov = has_provenance(c->set), post = has_post_phase(c->set);
	struct widths w;
	size_t i;

	status_widths(&w, r);
	if (!c->quiet)
		printf("%-*s  %-*s  %-*s  %s%-*s  %-*s%s\n", w.version, "VERSION",
		       w.name, "NAME", w.state, "STATE", post ? "PHASE  " : "",
		       w.at, "APPLIED AT", prov ? 11 : 0, "DURATION",
		       prov ? "  ADDED IN" : "");
	for (i = 0; !c->quiet && i < migc_report_count(r); i++) {
		const migc_report_row *row = migc_report_get(r, i);
		char dur[32], added[48], phase[8] = "";

		duration_text(dur, row->duration_ms);
		added_text(added, row);
		if (post)
			snprintf(phase, sizeof(phase), "%-5s  ",
				 phase_name(row) ? phase_name(row) : "-");
		printf("%-*s  %-*s  %-*s  %s%-*s  %-*s%s%s\n", w.version,
		       version_text(row), w.name, row->name, w.state,
		       migc_state_name(row->state), phase, w.at,
		       or_dash(row->applied_at), prov ? 11 : 0, dur,
		       prov ? "  " : "", prov ? added : "");
	}
	if (!c->quiet)
		printf("\n");
	status_summary(r, database);
	if (c->found_tool)
		printf("\nThis database was migrated by %s (history table %s) and migc "
		       "has no history yet.\nTake it over without running anything: "
		       "migrate adopt --from %s (--dry-run shows the mapping first)\n",
		       c->found_tool, c->found_table, c->found_tool);
}

static void json_row(struct migc_json *j, const migc_report_row *row)
{
	const migc_migration *m = row->migration;
	char file[600], at[32];

	row_file(file, sizeof(file), row);
	added_at(at, m);
	migc_json_object(j, NULL);
	migc_json_string(j, "version", *row->version ? row->version : NULL);
	migc_json_string(j, "name", row->name);
	migc_json_string(j, "kind", row->kind == MIGC_KIND_REPEATABLE
				    ? "repeatable" : "versioned");
	migc_json_string(j, "file", file);
	migc_json_string(j, "state", migc_state_name(row->state));
	migc_json_string(j, "phase", phase_name(row));
	migc_json_bool(j, "in_bundle", m != NULL);
	migc_json_string(j, "checksum", m ? m->checksum : NULL);
	migc_json_string(j, "checksum_applied", row->checksum_applied);
	migc_json_string(j, "applied_at", row->applied_at);
	if (row->duration_ms >= 0)
		migc_json_int(j, "duration_ms", row->duration_ms);
	else
		migc_json_null(j, "duration_ms");
	migc_json_string(j, "applied_by", row->applied_by);
	migc_json_string(j, "note", row->note);
	/* provenance (migc build --provenance): the commit that added it */
	migc_json_string(j, "added_commit", *at ? m->added_commit : NULL);
	migc_json_string(j, "added_at", *at ? at : NULL);
	migc_json_end_object(j);
}

static void json_counts(struct migc_json *j, const migc_report *r)
{
	int state;

	migc_json_object(j, "counts");
	for (state = MIGC_STATE_APPLIED; state <= MIGC_STATE_DEFERRED; state++)
		migc_json_int(j, migc_state_name((migc_state)state),
			      (long long)cli_count_state(r, (migc_state)state));
	migc_json_end_object(j);
}

static int status_json(struct cli *c, const migc_report *r,
		       const char *database)
{
	struct migc_json j;
	char id[MIGC_CHECKSUM_HEX_LEN + 1];
	size_t i;

	migc_set_bundle_id(c->set, id);
	cli_json_begin(c, &j, "status");
	migc_json_string(&j, "database", database);
	migc_json_string(&j, "bundle_id", id);
	migc_json_string(&j, "current_version", cli_current_version(r));
	migc_json_array(&j, "migrations");
	for (i = 0; i < migc_report_count(r); i++)
		json_row(&j, migc_report_get(r, i));
	migc_json_end_array(&j);
	json_counts(&j, r);
	if (c->found_tool) {
		migc_json_object(&j, "adoptable");
		migc_json_string(&j, "tool", c->found_tool);
		migc_json_string(&j, "table", c->found_table);
		migc_json_end_object(&j);
	} else {
		migc_json_null(&j, "adoptable");
	}
	return cli_json_end(c, &j, NULL, 0);
}

int cli_cmd_status(struct cli *c)
{
	char database[600];
	migc_report *r = NULL;
	migc_db *db = NULL;
	migc_error err;
	int rc;

	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	cli_database_label(database, sizeof(database), c, db);
	rc = migc_status(&r, db, c->set, &c->opts, &err);
	if (!rc && !cli_count_history(r))
		/* only a hint: a failure to look is not the status's failure */
		migc_engine_foreign_history(db, migc_set_layout(c->set), &c->found_tool,
					    &c->found_table, &err);
	if (rc)
		rc = cli_fail(c, "status", &err, rc);
	else if (c->json)
		rc = status_json(c, r, database);
	else
		status_human(c, r, database);
	migc_report_free(r);
	cli_close(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* verify                                                              */
/* ------------------------------------------------------------------ */

static int needs_attention(const migc_report_row *row)
{
	switch (row->state) {
	case MIGC_STATE_DRIFTED:
	case MIGC_STATE_MISSING:
	case MIGC_STATE_FUTURE:
	case MIGC_STATE_FAILED:
	case MIGC_STATE_RUNNING:
	case MIGC_STATE_OUT_OF_ORDER:
		return 1;
	default:
		return 0;
	}
}

static int verify_json(struct cli *c, const migc_report *r,
		       const char *database, const migc_error *err, int rc)
{
	struct migc_json j;
	size_t i;

	cli_json_begin(c, &j, "verify");
	migc_json_string(&j, "database", database);
	migc_json_string(&j, "current_version", r ? cli_current_version(r) : NULL);
	/* every row needing attention; whether each is an error depends on
	 * --strict and --allow-out-of-order: see "error" */
	migc_json_array(&j, "problems");
	for (i = 0; r && i < migc_report_count(r); i++)
		if (needs_attention(migc_report_get(r, i)))
			json_row(&j, migc_report_get(r, i));
	migc_json_end_array(&j);
	if (r)
		json_counts(&j, r);
	return cli_json_end(c, &j, err, rc);
}

int cli_cmd_verify(struct cli *c)
{
	char database[600];
	migc_report *r = NULL;
	migc_db *db = NULL;
	migc_error err, serr;
	int rc;

	rc = cli_open_or_fail(c, &db, &err);
	if (rc)
		return rc;
	cli_database_label(database, sizeof(database), c, db);
	migc_error_clear(&err);
	rc = migc_verify(db, c->set, &c->opts, &err);
	if (rc)
		cli_error(&err);
	if (rc != MIGC_ECONNECT && migc_status(&r, db, c->set, &c->opts, &serr))
		r = NULL;
	if (c->json) {
		rc = verify_json(c, r, database, &err, rc);
	} else {
		if (!rc && !c->quiet && r)
			printf("ok: %s matches the bundle (%zu applied, %zu "
			       "pending)\n", database,
			       cli_count_state(r, MIGC_STATE_APPLIED) +
			       cli_count_state(r, MIGC_STATE_BASELINE),
			       cli_count_state(r, MIGC_STATE_PENDING) +
			       cli_count_state(r, MIGC_STATE_CHANGED) +
			       cli_count_state(r, MIGC_STATE_DEFERRED));
		rc = migc_exit_code(rc);
	}
	migc_report_free(r);
	cli_close(db);
	return rc;
}
