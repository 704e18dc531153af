/*
 * cli.c - `migrate`, the release binary's command line: the command table
 * with each command's usage, option parsing, help and dispatch. Output and
 * errors are in cli_output.c, the commands in cli_cmds.c and cli_status.c.
 * All the migration logic is in the library; the CLI only translates.
 *
 *   migrate [OPTIONS] COMMAND [ARGS]   (options before or after COMMAND)
 *
 * Exit codes are migc_exit_code()'s (DESIGN.md): scripts depend on them.
 */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cli.h"
#include "driver.h"
#include "util.h"

enum {
	CMD_UP = 1u << 0,
	CMD_STATUS = 1u << 1,
	CMD_VERIFY = 1u << 2,
	CMD_PLAN = 1u << 3,
	CMD_BASELINE = 1u << 4,
	CMD_RESOLVE = 1u << 5,
	CMD_INFO = 1u << 6,
	CMD_WAIT = 1u << 7,
	CMD_HELP = 1u << 8,
	CMD_DOWN = 1u << 9,
	CMD_ADOPT = 1u << 10,
	CMD_DB = CMD_UP | CMD_STATUS | CMD_VERIFY | CMD_PLAN | CMD_BASELINE |
		 CMD_RESOLVE | CMD_WAIT | CMD_DOWN | CMD_ADOPT,
	CMD_ALL = 0x7ffu,
};

/* ------------------------------------------------------------------ */
/* Commands and their usage                                            */
/* ------------------------------------------------------------------ */

#define U_URL "  --url URL              database URL (default: $DATABASE_URL, else PG* vars)\n"
#define U_TABLE "  --table NAME           history table (default: migc_history)\n"
#define U_WAIT "  --wait SECONDS         wait this long for the database (default: 5)\n"
#define U_LOCK "  --lock-timeout SECONDS wait this long for the migration lock (default: 60)\n"
#define U_FORMAT "  --format human|json    output format (default: human)\n"
#define U_ORDER "  --allow-out-of-order   apply pending versions older than applied ones\n"
#define U_STRICT "  --strict               refuse applied versions newer than the bundle\n"
#define U_QUIET "  -q, --quiet            print only warnings and errors\n"
#define U_HELP "  -h, --help             show this help\n"
#define U_SCHEMA "  --schema NAME          the history table's schema (default: the current one)\n"
#define U_ROLE "  --role NAME            SET ROLE NAME for the work, so objects belong to it\n"
#define U_APP "  --application-name N   pg_stat_activity shows N and a run token (default: migc)\n"
#define U_PG "\nPostgreSQL (ignored by SQLite; DURATION: 500ms, 5s, 10min, 1h or seconds):\n" \
	"  --db-lock-timeout D    lock_timeout of each migration (default: 5s; 0: none)\n" \
	"  --statement-timeout D  statement_timeout of each migration (default: 0, none)\n" \
	"  --lock-retries N       retries of a migration after a lock timeout (default: 4)\n" \
	U_ROLE U_SCHEMA U_APP
#define U_PG_OTHER "\nPostgreSQL:\n" U_ROLE U_SCHEMA U_APP

static const struct cli_command commands[] = {
	{"up", cli_cmd_up, CMD_UP, 0, 1, "",
	 "verify, then apply every pending migration",
	 U_URL U_TABLE U_WAIT U_LOCK U_FORMAT U_ORDER U_STRICT
	 "  --phase pre|post|all   pre (default) skips `-- migc:phase post` migrations\n"
	 "  --target VERSION       apply versioned migrations up to VERSION only\n"
	 U_QUIET U_HELP U_PG
	 "\nMIGC_SKIP=1 (or true, yes) in the environment makes `up` print a\n"
	 "line and exit 0 without connecting, for review apps sharing a database.\n"},
	{"status", cli_cmd_status, CMD_STATUS, 0, 1, "",
	 "list every migration with its state",
	 U_URL U_TABLE U_WAIT U_FORMAT U_ORDER
	 "  --phase pre|post|all   show post-phase migrations as deferred with pre (default: all)\n"
	 U_QUIET U_HELP U_PG_OTHER},
	{"verify", cli_cmd_verify, CMD_VERIFY, 0, 1, "",
	 "check the database against the bundle, change nothing",
	 U_URL U_TABLE U_WAIT U_FORMAT U_ORDER U_STRICT
	 "  --phase pre|post|all   (default: all)\n" U_QUIET U_HELP U_PG_OTHER},
	{"plan", cli_cmd_plan, CMD_PLAN, 0, 1, "",
	 "print the SQL that `up` would run",
	 U_URL U_TABLE U_WAIT U_FORMAT U_ORDER U_STRICT
	 "  --phase pre|post|all   as for up (default: pre)\n"
	 "  --target VERSION       as for up\n" U_QUIET U_HELP U_PG_OTHER},
	{"baseline", cli_cmd_baseline, CMD_BASELINE, 1, 1, " VERSION",
	 "mark migrations up to VERSION as applied without running them",
	 U_URL U_TABLE U_WAIT U_LOCK U_FORMAT U_QUIET U_HELP U_PG_OTHER},
	{"resolve", cli_cmd_resolve, CMD_RESOLVE, 1, 1,
	 " VERSION --applied|--pending",
	 "clear a failed or running migration after fixing it by hand",
	 "  --applied              the change is in place: record it as applied\n"
	 "  --pending              it was undone: run it again on the next up\n"
	 U_URL U_TABLE U_WAIT U_LOCK U_FORMAT U_QUIET U_HELP U_PG_OTHER},
	{"adopt", cli_cmd_adopt, CMD_ADOPT, 0, 1, "",
	 "take over another tool's history table without running anything",
	 "  --from TOOL            golang-migrate, goose, dbmate, flyway, sqlx, refinery,\n"
	 "                         diesel or prisma: the tool that migrated the database\n"
	 "                         (default: the layout the bundle was built from)\n"
	 "  --from-table NAME      its history table, when not the tool's default\n"
	 "  --dry-run              print the mapping, record nothing\n"
	 U_URL U_TABLE U_WAIT U_LOCK U_FORMAT U_STRICT U_QUIET U_HELP U_PG_OTHER},
	{"down", cli_cmd_down, CMD_DOWN, 0, 1, "",
	 "roll back applied migrations with their down SQL (development)",
	 "  --steps N              roll back the newest N migrations (default: 1)\n"
	 "  --to VERSION           roll back every migration newer than VERSION\n"
	 "                         (0: all of them)\n"
	 "  --allow-remote         allow a database that is not on this machine\n"
	 "                         (refused by default: down drops data)\n"
	 U_URL U_TABLE U_WAIT U_LOCK U_FORMAT U_QUIET U_HELP U_PG_OTHER},
	{"info", cli_cmd_info, CMD_INFO, 0, 0, "",
	 "show the bundle's metadata (does not connect)", U_FORMAT U_HELP},
	{"wait", cli_cmd_wait, CMD_WAIT, 0, 1, "",
	 "wait until the database accepts connections (exit 0, or 5)",
	 U_URL U_WAIT U_FORMAT U_QUIET U_HELP "\nPostgreSQL:\n" U_ROLE U_APP
	 "\nWith MIGC_SKIP=1 (as for up) it exits 0 at once without connecting.\n"},
	{"help", NULL, CMD_HELP, -1, 0, " [COMMAND]", "show help for a command",
	 U_HELP},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes_help[] =
	"exit codes:\n"
	"  0  success, or nothing to do\n"
	"  1  a migration failed (its transaction rolled back)\n"
	"  2  usage or configuration error\n"
	"  3  drift: an applied migration was edited or is missing\n"
	"  4  a pending migration is out of order\n"
	"  5  could not connect, or could not take the lock in time\n"
	"  6  an earlier run left a migration failed or running: resolve it\n"
	"  7  the bundle itself is corrupted\n"
	"  8  interrupted by SIGTERM or SIGINT (the migration rolled back)\n";

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void help_general(FILE *out)
{
	size_t i;

	fprintf(out, "usage: migrate [OPTIONS] COMMAND [ARGS]\n\n"
		"Apply the SQL migrations compiled into this binary.\n\n"
		"commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nglobal options (before or after COMMAND):\n"
		U_URL U_FORMAT U_QUIET U_HELP
		"  --version              show the runtime and bundle versions\n"
		"\n`migrate COMMAND --help` shows a command's options.\n\n%s",
		exit_codes_help);
}

static void help_command(FILE *out, const struct cli_command *cmd)
{
	fprintf(out, "usage: migrate %s [OPTIONS]%s\n\n%s.\n\noptions:\n%s",
		cmd->name, cmd->args, cmd->summary, cmd->usage);
}

static int usage_error(const char *fmt, const char *arg, const char *cmd)
{
	fprintf(stderr, "migrate: error: ");
	fprintf(stderr, fmt, arg);
	if (cmd)
		fprintf(stderr, "\nhint: see 'migrate %s --help'\n", cmd);
	else
		fprintf(stderr, "\nhint: see 'migrate --help'\n");
	return MIGC_EXIT_USAGE;
}

/* ------------------------------------------------------------------ */
/* Option parsing                                                      */
/* ------------------------------------------------------------------ */

enum opt_id {
	O_URL, O_TABLE, O_FORMAT, O_WAIT, O_LOCK, O_ORDER, O_STRICT, O_PHASE,
	O_TARGET, O_APPLIED, O_PENDING, O_QUIET, O_HELP, O_VERSION,
	O_DB_LOCK, O_STMT_TIMEOUT, O_RETRIES, O_ROLE, O_SCHEMA, O_APP_NAME,
	O_TO, O_STEPS, O_ALLOW_REMOTE, O_FROM, O_FROM_TABLE, O_DRY_RUN,
};

struct cli_option {
	const char *name;
	char short_name;
	int has_value;
	unsigned commands; /* CMD_* bits of the commands taking it */
};

static const struct cli_option options[] = {
	[O_URL] = {"url", 0, 1, CMD_ALL},
	[O_TABLE] = {"table", 0, 1, CMD_DB & ~CMD_WAIT},
	[O_FORMAT] = {"format", 0, 1, CMD_ALL},
	[O_WAIT] = {"wait", 0, 1, CMD_DB},
	[O_LOCK] = {"lock-timeout", 0, 1, CMD_UP | CMD_BASELINE | CMD_RESOLVE |
					       CMD_DOWN | CMD_ADOPT},
	[O_ORDER] = {"allow-out-of-order", 0, 0,
		     CMD_UP | CMD_STATUS | CMD_VERIFY | CMD_PLAN},
	[O_STRICT] = {"strict", 0, 0, CMD_UP | CMD_VERIFY | CMD_PLAN | CMD_ADOPT},
	[O_PHASE] = {"phase", 0, 1, CMD_UP | CMD_STATUS | CMD_VERIFY | CMD_PLAN},
	[O_TARGET] = {"target", 0, 1, CMD_UP | CMD_PLAN},
	[O_APPLIED] = {"applied", 0, 0, CMD_RESOLVE},
	[O_PENDING] = {"pending", 0, 0, CMD_RESOLVE},
	[O_QUIET] = {"quiet", 'q', 0, CMD_ALL},
	[O_HELP] = {"help", 'h', 0, CMD_ALL},
	[O_VERSION] = {"version", 0, 0, CMD_ALL},
	[O_DB_LOCK] = {"db-lock-timeout", 0, 1, CMD_UP},
	[O_STMT_TIMEOUT] = {"statement-timeout", 0, 1, CMD_UP},
	[O_RETRIES] = {"lock-retries", 0, 1, CMD_UP},
	[O_ROLE] = {"role", 0, 1, CMD_DB},
	[O_SCHEMA] = {"schema", 0, 1, CMD_DB & ~CMD_WAIT},
	[O_APP_NAME] = {"application-name", 0, 1, CMD_DB},
	[O_TO] = {"to", 0, 1, CMD_DOWN},
	[O_STEPS] = {"steps", 0, 1, CMD_DOWN},
	[O_ALLOW_REMOTE] = {"allow-remote", 0, 0, CMD_DOWN},
	[O_FROM] = {"from", 0, 1, CMD_ADOPT},
	[O_FROM_TABLE] = {"from-table", 0, 1, CMD_ADOPT},
	[O_DRY_RUN] = {"dry-run", 0, 0, CMD_ADOPT},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

struct parsed {
	unsigned seen;                  /* 1 << O_* */
	const char *value[NOPTIONS];
	const char *positional[4];
	int npositional;
	const char *command;
};

/* Look up "--name" / "--name=value" / "-q"; NULL when unknown. */
static const struct cli_option *lookup(const char *arg, const char **inline_value)
{
	size_t i, n;

	*inline_value = NULL;
	if (arg[1] != '-') {
		for (i = 0; i < NOPTIONS; i++)
			if (options[i].short_name && arg[1] == options[i].short_name &&
			    arg[2] == '\0')
				return &options[i];
		return NULL;
	}
	arg += 2;
	n = strcspn(arg, "=");
	for (i = 0; i < NOPTIONS; i++) {
		if (strlen(options[i].name) == n &&
		    strncmp(options[i].name, arg, n) == 0) {
			if (arg[n] == '=')
				*inline_value = arg + n + 1;
			return &options[i];
		}
	}
	return NULL;
}

static int parse_args(struct parsed *p, int argc, char **argv)
{
	int i, dashdash = 0;

	memset(p, 0, sizeof(*p));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		const struct cli_option *o;

		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			if (!p->command)
				p->command = arg;
			else if (p->npositional < 4)
				p->positional[p->npositional++] = arg;
			else
				return usage_error("too many arguments ('%s')", arg, NULL);
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		o = lookup(arg, &value);
		if (!o)
			return usage_error("unknown option '%s'", arg, NULL);
		if (o->has_value && !value) {
			if (i + 1 >= argc)
				return usage_error("option '%s' needs a value", arg, NULL);
			value = argv[++i];
		} else if (!o->has_value && value) {
			return usage_error("option '--%s' takes no value", o->name, NULL);
		}
		p->seen |= 1u << (o - options);
		p->value[o - options] = value;
	}
	return 0;
}

/* Seconds (a non-negative decimal) into milliseconds. */
static int parse_seconds(int *ms, const char *text, const char *option)
{
	char *end = NULL;
	double s = strtod(text, &end);

	if (!*text || *end || !isfinite(s) || s < 0 || s > INT_MAX / 1000.0)
		return usage_error("%s wants a number of seconds", option, NULL);
	*ms = (int)(s * 1000.0 + 0.5);
	return 0;
}

/* A duration ("500ms", "5s", "10min", "1h", or seconds) in ms. */
static int parse_duration(long *ms, const char *text, const char *option)
{
	if (migc_duration_parse(ms, text))
		return usage_error("%s wants a duration such as 500ms, 5s, 10min "
				   "or 1h", option, NULL);
	return 0;
}

static int parse_retries(int *n, const char *text)
{
	char *end = NULL;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < 0 || v > 100)
		return usage_error("--lock-retries wants a number from 0 to 100, "
				   "not '%s'", text, NULL);
	*n = (int)v;
	return 0;
}

/* --schema S with --table T (default migc_history): "S.T". */
static int schema_table(struct cli *c, const char *schema)
{
	const char *table = c->opts.history_table;

	if (strchr(table, '.'))
		return usage_error("%s", "pass the schema in --schema or in "
				   "--table (schema.table), not both", NULL);
	if (!*schema || strchr(schema, '.') ||
	    (size_t)snprintf(c->table_buf, sizeof(c->table_buf), "%s.%s",
			     schema, table) >= sizeof(c->table_buf))
		return usage_error("invalid --schema '%s'", schema, NULL);
	c->opts.history_table = c->table_buf;
	return 0;
}

/* The PostgreSQL options. */
static int apply_pg_options(struct cli *c, const struct parsed *p)
{
	const char *const *v = p->value;
	int rc = 0;

	if (v[O_DB_LOCK])
		rc = parse_duration(&c->opts.db_lock_timeout_ms, v[O_DB_LOCK],
				    "--db-lock-timeout");
	if (!rc && v[O_STMT_TIMEOUT])
		rc = parse_duration(&c->opts.statement_timeout_ms,
				    v[O_STMT_TIMEOUT], "--statement-timeout");
	if (!rc && v[O_RETRIES])
		rc = parse_retries(&c->opts.lock_retries, v[O_RETRIES]);
	if (!rc && v[O_ROLE]) {
		if (!*v[O_ROLE])
			return usage_error("%s", "--role wants a role name", NULL);
		c->opts.role = v[O_ROLE];
	}
	if (!rc && v[O_APP_NAME])
		c->opts.application_name = v[O_APP_NAME];
	if (!rc && v[O_SCHEMA])
		rc = schema_table(c, v[O_SCHEMA]);
	return rc;
}

static int parse_phase(migc_phase *phase, const char *text)
{
	if (strcmp(text, "pre") == 0)
		*phase = MIGC_PHASE_PRE;
	else if (strcmp(text, "post") == 0)
		*phase = MIGC_PHASE_POST;
	else if (strcmp(text, "all") == 0)
		*phase = MIGC_PHASE_ALL;
	else
		return usage_error("--phase wants pre, post or all, not '%s'",
				   text, NULL);
	return 0;
}

/* The options of down and adopt. */
static int apply_down_adopt(struct cli *c, const struct parsed *p)
{
	const char *const *v = p->value;

	c->down_to = v[O_TO];
	if (v[O_TO] && !migc_version_valid(v[O_TO]))
		return usage_error("--to wants a version, not '%s'", v[O_TO], "down");
	if (v[O_STEPS]) {
		char *end = NULL;
		long long n = strtoll(v[O_STEPS], &end, 10);

		if (!*v[O_STEPS] || *end || n < 1 || n > 1000000)
			return usage_error("--steps wants a number of migrations "
					   "(1 or more), not '%s'", v[O_STEPS], "down");
		c->down_steps = (size_t)n;
	}
	if (v[O_TO] && v[O_STEPS])
		return usage_error("%s", "give --to or --steps, not both", "down");
	c->allow_remote = !!(p->seen & (1u << O_ALLOW_REMOTE));
	c->adopt_from = v[O_FROM];
	c->adopt_table = v[O_FROM_TABLE];
	c->dry_run = !!(p->seen & (1u << O_DRY_RUN));
	return 0;
}

/* Refuse options that the command does not take. */
static int check_options(const struct parsed *p, const struct cli_command *cmd)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		if (!(p->seen & (1u << i)) || (options[i].commands & cmd->id))
			continue;
		fprintf(stderr, "migrate: error: option '--%s' does not apply "
			"to '%s'\nhint: see 'migrate %s --help'\n",
			options[i].name, cmd->name, cmd->name);
		return MIGC_EXIT_USAGE;
	}
	return 0;
}

/* Turn parsed options into the cli's settings. */
static int apply_options(struct cli *c, const struct parsed *p)
{
	const char *const *v = p->value;
	int rc = 0;

	c->url = v[O_URL];
	if (v[O_TABLE])
		c->opts.history_table = v[O_TABLE];
	if (v[O_FORMAT]) {
		if (strcmp(v[O_FORMAT], "json") == 0)
			c->json = 1;
		else if (strcmp(v[O_FORMAT], "human") != 0)
			return usage_error("--format wants human or json, not '%s'",
					   v[O_FORMAT], NULL);
	}
	if (v[O_WAIT])
		rc = parse_seconds(&c->opts.wait_ms, v[O_WAIT], "--wait");
	if (!rc && v[O_LOCK])
		rc = parse_seconds(&c->opts.lock_timeout_ms, v[O_LOCK],
				   "--lock-timeout");
	if (!rc && v[O_PHASE])
		rc = parse_phase(&c->opts.phase, v[O_PHASE]);
	c->opts.target = v[O_TARGET];
	c->opts.allow_out_of_order = !!(p->seen & (1u << O_ORDER));
	c->opts.strict = !!(p->seen & (1u << O_STRICT));
	c->quiet = !!(p->seen & (1u << O_QUIET));
	if (p->seen & (1u << O_APPLIED))
		c->resolution = MIGC_RESOLVE_APPLIED;
	if (p->seen & (1u << O_PENDING)) {
		if (c->resolution)
			return usage_error("%s", "pass one of --applied and "
					   "--pending, not both", "resolve");
		c->resolution = MIGC_RESOLVE_PENDING;
	}
	if (!rc)
		rc = apply_down_adopt(c, p);
	return rc ? rc : apply_pg_options(c, p);
}

/* `migrate help [COMMAND]` and `--help`. */
static int show_help(const char *name)
{
	const struct cli_command *cmd;

	if (!name) {
		help_general(stdout);
		return 0;
	}
	cmd = find_command(name);
	if (!cmd)
		return usage_error("unknown command '%s'", name, NULL);
	help_command(stdout, cmd);
	return 0;
}

static void show_version(const struct migc_bundle *b)
{
	printf("migrate (migc runtime %s), bundle built by migc %s, abi %u\n",
	       MIGC_VERSION, b && b->compiler_version ? b->compiler_version : "?",
	       b ? b->abi : 0);
}

/* The longest "0001 create_users" label of the set, for aligned output. */
static int label_width(const migc_set *set)
{
	size_t i, n = migc_set_count(set), w = 0;

	for (i = 0; i < n; i++) {
		const migc_migration *m = set_peek(set, i);
		/* the length of the 600-byte label the commands print, not
		 * formatted: this runs for every migration of every command */
		size_t len = cli_label_len(600, m->version, m->name, m->kind);

		if (len > w)
			w = len;
	}
	return w > 60 ? 60 : (int)w;
}

static void cli_free(struct cli *c)
{
	size_t i;

	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c->applied);
	migc_set_free(c->set);
}

/* Parse, check and set up; returns -1 to go on, or an exit code. */
static int prepare(struct cli *c, struct parsed *p, int argc, char **argv)
{
	int rc = parse_args(p, argc, argv);

	if (rc)
		return rc;
	if (p->seen & (1u << O_VERSION)) {
		show_version(c->bundle);
		return 0;
	}
	if (p->command && strcmp(p->command, "help") == 0)
		return show_help(p->npositional ? p->positional[0]
				 : (p->seen & (1u << O_HELP)) ? "help" : NULL);
	if (p->seen & (1u << O_HELP))
		return show_help(p->command);
	if (!p->command) {
		help_general(stderr);
		return MIGC_EXIT_USAGE;
	}
	c->cmd = find_command(p->command);
	if (!c->cmd)
		return usage_error("unknown command '%s'", p->command, NULL);
	if (p->npositional != c->cmd->nargs) {
		fprintf(stderr, "migrate: error: usage: migrate %s%s\nhint: see "
			"'migrate %s --help'\n", c->cmd->name, c->cmd->args,
			c->cmd->name);
		return MIGC_EXIT_USAGE;
	}
	c->nargs = p->npositional;
	memcpy(c->args, p->positional, sizeof(c->args));
	rc = check_options(p, c->cmd);
	if (!rc)
		rc = apply_options(c, p);
	return rc ? rc : -1;
}

int migc_cli_main(int argc, char **argv, const struct migc_bundle *bundle)
{
	struct cli c;
	struct parsed p;
	migc_error err;
	int rc;

	/* the program is ours (as its signal handlers are): first of all,
	 * before anything uses SQLite */
	migc_sqlite_configure_process();
	memset(&c, 0, sizeof(c));
	c.bundle = bundle;
	migc_options_init(&c.opts, MIGC_OPTIONS_VERSION);
	c.opts.on_event = cli_on_event;
	c.opts.event_ctx = &c;
	rc = prepare(&c, &p, argc, argv);
	if (rc >= 0)
		return rc;
	cli_signals_install();
	migc_error_clear(&err);
	cli_preload_start(&c);
	rc = bundle_load_deferred(&c.set, bundle, &err);
	cli_preload_wait(&c);
	if (rc) {
		if (!err.hint[0])
			migc_err_hint(&err, "rebuild the binary with `migc build "
					   "--binary`: it does not match its own "
					   "checksums");
		return cli_error(&err);
	}
	/* info prints no migration's line: 10,000 labels measured for
	 * nothing were 2 % of its start */
	if (c.cmd->id != CMD_INFO)
		c.label_width = label_width(c.set);
	rc = c.cmd->run(&c);
	fflush(stdout);
	cli_free(&c);
	return rc;
}
