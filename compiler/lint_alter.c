/*
 * lint_alter.c - the rolling-deploy lint's rules for ALTER TABLE: dropping
 * and renaming columns and tables, changing a column's type, NOT NULL
 * without a default, SET NOT NULL, constraints added without NOT VALID or
 * building an index, defaults that rewrite the table. See lint.h for what
 * the lint is and lint.c for how a file is walked.
 *
 * An ALTER TABLE holds a list of actions separated by commas outside
 * parentheses; each is matched on its own iterator (next_action), so that
 * a rule reads only its action's words.
 */
#include <stdio.h>
#include <string.h>

#include "lint_rules.h"


static const char hint_drop_column[] =
	"stop using the column in the code first, then drop it in a post-deploy migration "
	"(-- migc:phase post), which runs once the new code is live; or, if no deployed "
	"code uses it, add -- migc:allow drop-column";
static const char hint_rename_column[] =
	"expand and contract instead: add the new column, write both, backfill, move the "
	"reads, then drop the old column in a post-deploy migration; or, if no deployed "
	"code uses it, add -- migc:allow rename-column";
static const char hint_rename_table[] =
	"create the new table (or a view under the new name), move the code to it, and "
	"drop the old one in a post-deploy migration; or, if no deployed code uses it, "
	"add -- migc:allow rename-table";
static const char hint_type[] =
	"add a column of the new type, backfill it in batches, move the code to it, and "
	"drop the old one in a post-deploy migration; a change that needs no rewrite "
	"(varchar(n) to a longer varchar or to text) is safe: add -- migc:allow "
	"change-column-type";
static const char hint_set_not_null[] =
	"add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later "
	"migration, then SET NOT NULL (PostgreSQL 12+ skips the scan when a valid CHECK "
	"proves it) and drop the CHECK";
static const char hint_not_valid[] =
	"add it NOT VALID (new rows are checked at once), then ALTER TABLE ... VALIDATE "
	"CONSTRAINT ... in a later migration: validating does not block reads or writes";
static const char hint_unique[] =
	"CREATE UNIQUE INDEX CONCURRENTLY in a -- migc:no-transaction migration, then "
	"ALTER TABLE ... ADD CONSTRAINT name UNIQUE (or PRIMARY KEY) USING INDEX index_name";
static const char hint_not_null[] =
	"give it a DEFAULT (a constant default is instant on PostgreSQL 11+), or add it "
	"nullable, backfill it, and enforce NOT NULL in a later migration";
static const char hint_column_fk[] =
	"add the column without a DEFAULT (a new all-NULL column's foreign key needs no "
	"check), or without REFERENCES and then ADD CONSTRAINT ... FOREIGN KEY ... NOT "
	"VALID, VALIDATE CONSTRAINT it in a later migration (that does not block writes)";
static const char hint_volatile[] =
	"add the column without a default (or with a constant one), then ALTER COLUMN ... "
	"SET DEFAULT (it applies to new rows only) and backfill the existing rows in "
	"batches; for a generated column, a plain column filled by a trigger and a backfill";

/* What a rename breaks, by the phase it runs in. */
static const char *who_breaks(const struct lint_ctx *c)
{
	return c->d.flags & MIGC_FLAG_PHASE_POST
		       ? "in a post-deploy migration: the new code, already live, fails on every "
			 "query that still uses the old name, or that uses the new one before this runs"
		       : "in a pre-deploy migration: the old code, still running until the deploy is "
			 "over, fails on every query that uses the old name";
}

/* ALTER TABLE t RENAME [COLUMN] a TO b / RENAME TO u / RENAME CONSTRAINT */
static int alter_rename(struct lint_ctx *c, struct ltok_iter *it, const struct qname *table)
{
	struct qname col, to;
	int rc;

	if (ltok_accept(it, "constraint"))
		return lint_lock_check(c, "ALTER TABLE", table);
	if (ltok_accept(it, "to")) {
		if (!lint_read_name(it, &to))
			return 0;
		rc = lint_finding(c, MIGC_LINT_RENAME_TABLE, hint_rename_table,
				  "renames table %s to %s %s", table->shown, to.shown, who_breaks(c));
	} else {
		ltok_accept(it, "column");
		if (!lint_read_name(it, &col) || !ltok_accept(it, "to") || !lint_read_name(it, &to))
			return 0;
		rc = lint_finding(c, MIGC_LINT_RENAME_COLUMN, hint_rename_column,
				  "renames column %s.%s to %s %s", table->shown, col.shown, to.shown,
				  who_breaks(c));
	}
	return rc ? rc : lint_lock_check(c, "ALTER TABLE", table);
}

/* DROP [COLUMN] [IF EXISTS] c (DROP CONSTRAINT is harmless) */
static int action_drop(struct lint_ctx *c, struct ltok_iter *act, const struct qname *table)
{
	struct qname col;

	if (ltok_accept(act, "constraint"))
		return 0;
	ltok_accept(act, "column");
	lint_accept_if_exists(act);
	if (!lint_read_name(act, &col) || (c->d.flags & MIGC_FLAG_PHASE_POST))
		return 0;
	return lint_finding(c, MIGC_LINT_DROP_COLUMN, hint_drop_column,
			    "drops column %s.%s in a pre-deploy migration: the old code, still "
			    "running until the deploy is over, fails on every query that reads or "
			    "writes it", table->shown, col.shown);
}

/* ALTER [COLUMN] c [SET DATA] TYPE ... / SET NOT NULL */
static int action_alter(struct lint_ctx *c, struct ltok_iter *act, const struct qname *table)
{
	struct qname col;
	struct ltok t;

	if (ltok_accept(act, "constraint"))
		return 0;
	ltok_accept(act, "column");
	if (!lint_read_name(act, &col))
		return 0;
	ltok_next(act, &t);
	if (ltok_is(&t, "type") ||
	    (ltok_is(&t, "set") && ltok_accept(act, "data") && ltok_accept(act, "type")))
		return lint_finding(c, MIGC_LINT_CHANGE_COLUMN_TYPE, hint_type,
				    "changes the type of column %s.%s: PostgreSQL rewrites the table "
				    "and its indexes under an ACCESS EXCLUSIVE lock that blocks every read "
				    "and write, and running code may not handle the new type",
				    table->shown, col.shown);
	if (ltok_is(&t, "set") && ltok_accept(act, "not") && ltok_accept(act, "null"))
		return lint_finding(c, MIGC_LINT_SET_NOT_NULL, hint_set_not_null,
				    "sets NOT NULL on column %s.%s: PostgreSQL scans the whole table "
				    "under an ACCESS EXCLUSIVE lock that blocks every read and write, and "
				    "the old code's writes of NULL there fail", table->shown, col.shown);
	return 0;
}

/* ADD [CONSTRAINT n] CHECK|FOREIGN KEY|UNIQUE|PRIMARY KEY ... */
static int action_add_constraint(struct lint_ctx *c, struct ltok_iter *act,
				 const struct qname *table)
{
	struct ltok kind, t, prev = { LTOK_END, "", 0, 0 };
	int not_valid = 0, using_index = 0;

	if (ltok_accept(act, "constraint"))
		ltok_next(act, &t);
	ltok_next(act, &kind);
	while (ltok_next(act, &t) != LTOK_END) {
		if (t.depth == 0 && ltok_is(&prev, "not") && ltok_is(&t, "valid"))
			not_valid = 1;
		if (t.depth == 0 && ltok_is(&prev, "using") && ltok_is(&t, "index"))
			using_index = 1;
		prev = t;
	}
	if (ltok_is(&kind, "foreign") && !not_valid)
		return lint_finding(c, MIGC_LINT_ADD_FOREIGN_KEY, hint_not_valid,
				    "adds a foreign key to %s without NOT VALID: PostgreSQL checks every "
				    "row while holding locks that block writes to %s and to the table it "
				    "references", table->shown, table->shown);
	if (ltok_is(&kind, "check") && !not_valid)
		return lint_finding(c, MIGC_LINT_ADD_CHECK, hint_not_valid,
				    "adds a CHECK constraint to %s without NOT VALID: PostgreSQL checks "
				    "every row under an ACCESS EXCLUSIVE lock that blocks every read and "
				    "write", table->shown);
	if ((ltok_is(&kind, "unique") || ltok_is(&kind, "primary")) && !using_index)
		return lint_finding(c, MIGC_LINT_CREATE_INDEX, hint_unique,
				    "adds a %s constraint to %s: PostgreSQL builds its index under an "
				    "ACCESS EXCLUSIVE lock that blocks every read and write",
				    ltok_is(&kind, "unique") ? "UNIQUE" : "PRIMARY KEY", table->shown);
	return 0;
}

/* Functions whose value differs per row: as a new column's DEFAULT, each
 * existing row gets its own, so PostgreSQL 11+ rewrites the table. */
static int is_volatile_function(const struct ltok *t)
{
	static const char *const names[] = {
		"random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid",
		"gen_random_bytes", "uuid_generate_v1", "uuid_generate_v1mc",
		"uuid_generate_v4", "uuidv4", "uuidv7", "nextval",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ltok_is(t, names[i]))
			return 1;
	return 0;
}

static int is_serial(const struct ltok *t)
{
	return ltok_is(t, "serial") || ltok_is(t, "bigserial") || ltok_is(t, "smallserial") ||
	       ltok_is(t, "serial2") || ltok_is(t, "serial4") || ltok_is(t, "serial8");
}

/* A column's parts after its name, as far as the rules care. */
struct column_def {
	int not_null, has_default, references;
	int explicit_default; /* a DEFAULT clause, even DEFAULT NULL */
	char volatile_why[64]; /* "" or what fills every row */
};

/* Scan a column definition: NOT NULL, PRIMARY KEY, DEFAULT, GENERATED. */
static void scan_column(struct ltok_iter *act, struct column_def *def)
{
	struct ltok t, next, prev = { LTOK_END, "", 0, 0 };
	int in_default = 0, generated = 0;

	memset(def, 0, sizeof(*def));
	/* the type's first word (SQLite allows none: then it is a constraint's) */
	if (ltok_next(act, &t) != LTOK_END && is_serial(&t)) {
		def->has_default = def->not_null = 1;
		snprintf(def->volatile_why, sizeof(def->volatile_why), "%.*s: nextval()",
			 (int)t.len, t.p);
	}
	prev = t;
	while (ltok_next(act, &t) != LTOK_END) {
		int kw = t.depth == 0 && t.kind == LTOK_WORD;

		if (kw && in_default > 1 &&
		    (ltok_is(&t, "not") || ltok_is(&t, "null") || ltok_is(&t, "constraint") ||
		     ltok_is(&t, "check") || ltok_is(&t, "unique") || ltok_is(&t, "primary") ||
		     ltok_is(&t, "references") || ltok_is(&t, "generated") || ltok_is(&t, "collate")))
			in_default = 0;
		if (in_default && is_volatile_function(&t) && ltok_peek(act, &next) == LTOK_PUNCT &&
		    ltok_punct(&next, '(') && !def->volatile_why[0])
			snprintf(def->volatile_why, sizeof(def->volatile_why), "%.*s()",
				 (int)t.len, t.p);
		if (in_default)
			in_default++;
		if (kw && ltok_is(&prev, "not") && ltok_is(&t, "null"))
			def->not_null = 1;
		if (kw && ltok_is(&t, "primary"))
			def->not_null = 1;
		if (kw && ltok_is(&t, "references"))
			def->references = 1;
		if (kw && ltok_is(&t, "default") && !generated)
			def->has_default = def->explicit_default = in_default = 1;
		if (kw && ltok_is(&t, "generated"))
			generated = def->has_default = 1;
		if (generated && kw && ltok_is(&t, "identity")) {
			def->not_null = 1;
			snprintf(def->volatile_why, sizeof(def->volatile_why),
				 "an identity column: nextval()");
		}
		if (generated && kw && ltok_is(&t, "stored"))
			snprintf(def->volatile_why, sizeof(def->volatile_why),
				 "a STORED generated column");
		prev = t;
	}
}

/* ADD [COLUMN] [IF NOT EXISTS] c type [constraints] */
static int action_add_column(struct lint_ctx *c, struct ltok_iter *act,
			     const struct qname *table)
{
	struct column_def def;
	struct qname col;
	int rc = 0;

	ltok_accept(act, "column");
	lint_accept_if_not_exists(act);
	if (!lint_read_name(act, &col))
		return 0;
	scan_column(act, &def);
	if (def.not_null && !def.has_default)
		rc = lint_finding(c, MIGC_LINT_ADD_NOT_NULL, hint_not_null,
				  "adds NOT NULL column %s.%s without a default: it fails on a table "
				  "that has rows, and the old code's INSERTs, which do not set it, fail",
				  table->shown, col.shown);
	if (!rc && def.volatile_why[0])
		rc = lint_finding(c, MIGC_LINT_VOLATILE_DEFAULT, hint_volatile,
				  "adds column %s.%s with a volatile default (%s): PostgreSQL computes "
				  "it for every existing row, rewriting the table under an ACCESS "
				  "EXCLUSIVE lock (constant and stable defaults such as now() are instant "
				  "since PostgreSQL 11)", table->shown, col.shown, def.volatile_why);
	/* without a DEFAULT the new column is all NULL and PostgreSQL skips the check */
	if (!rc && def.references && def.explicit_default)
		rc = lint_finding(c, MIGC_LINT_ADD_FOREIGN_KEY, hint_column_fk,
				  "adds column %s.%s with a DEFAULT and a foreign key (REFERENCES): "
				  "PostgreSQL checks every row under an ACCESS EXCLUSIVE lock on %s and "
				  "blocks writes to the table it references", table->shown, col.shown,
				  table->shown);
	return rc;
}

/*
 * The next action of an ALTER TABLE (up to a ',' outside parentheses) as
 * an iterator of its own. 0 when there is none left.
 */
static int next_action(struct ltok_iter *it, struct ltok_iter *act)
{
	struct ltok t;
	const char *start = NULL, *end = NULL;

	while (ltok_next(it, &t) != LTOK_END) {
		if (t.depth == 0 && ltok_punct(&t, ','))
			break;
		if (!start)
			start = t.p;
		end = t.p + t.len;
	}
	if (!start)
		return 0;
	ltok_init(act, start, (size_t)(end - start));
	return 1;
}

/* One ALTER TABLE action; *strong is set unless it is VALIDATE CONSTRAINT. */
static int alter_action(struct lint_ctx *c, struct ltok_iter *act,
			const struct qname *table, int *strong)
{
	struct ltok t, next;

	ltok_next(act, &t);
	if (ltok_is(&t, "validate"))
		return 0;
	*strong = 1;
	if (ltok_is(&t, "drop"))
		return action_drop(c, act, table);
	if (ltok_is(&t, "alter"))
		return action_alter(c, act, table);
	if (!ltok_is(&t, "add"))
		return 0;
	ltok_peek(act, &next);
	if (ltok_is(&next, "constraint") || ltok_is(&next, "check") ||
	    ltok_is(&next, "foreign") || ltok_is(&next, "unique") ||
	    ltok_is(&next, "primary") || ltok_is(&next, "exclude"))
		return action_add_constraint(c, act, table);
	return action_add_column(c, act, table);
}

/* ALTER TABLE [IF EXISTS] [ONLY] t [*] action [, ...] | RENAME ... */
int lint_alter_table(struct lint_ctx *c, struct ltok_iter *it)
{
	struct ltok_iter act;
	struct qname table;
	int strong = 0, rc = 0;

	lint_accept_if_exists(it);
	ltok_accept(it, "only");
	if (!lint_read_name(it, &table))
		return 0;
	if (lint_is_created(c, &table)) {
		/* a new table renamed is still new */
		if (ltok_accept(it, "rename") && ltok_accept(it, "to") && lint_read_name(it, &table))
			return lint_add_created(c, &table);
		return 0;
	}
	lint_accept_punct(it, '*');
	if (ltok_accept(it, "rename"))
		return alter_rename(c, it, &table);
	while (!rc && next_action(it, &act))
		rc = alter_action(c, &act, &table, &strong);
	if (!rc && strong)
		rc = lint_lock_check(c, "ALTER TABLE", &table);
	return rc;
}
