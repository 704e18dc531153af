/*
 * cli.h - internals of the `migrate` command line (cli.c parses and
 * dispatches, cli_output.c prints, cli_cmds.c and cli_status.c run the
 * commands). The CLI is a client of libmigc like any other: every rule
 * lives in the engine, the CLI only turns options into a migc_options and
 * results into text or JSON.
 */
#ifndef MIGC_CLI_H
#define MIGC_CLI_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "migc.h"

struct cli;

/* One command: `migrate NAME ...`. */
struct cli_command {
	const char *name;
	int (*run)(struct cli *c);
	unsigned id;        /* CMD_* bit, for the options it accepts */
	int nargs;          /* positional arguments it takes */
	int needs_db;
	const char *args;   /* "VERSION" for usage lines, or "" */
	const char *summary;
	const char *usage;  /* the options it takes, one per line */
};

/* A migration applied during this run, for the JSON output. */
struct cli_applied {
	const migc_migration *m;
	long long duration_ms;
};

struct cli {
	const struct migc_bundle *bundle;
	migc_set *set;
	const struct cli_command *cmd;
	const char *args[2];
	int nargs;
	const char *url;
	migc_options opts;
	int json, quiet;
	migc_resolution resolution; /* 0 until --applied or --pending */
	const char *done_word;      /* "applied", "undone": progress lines */
	const char *down_to;        /* down --to VERSION */
	size_t down_steps;          /* down --steps N (0: not given) */
	int allow_remote;           /* down --allow-remote */
	const char *adopt_from;     /* adopt --from TOOL */
	const char *adopt_table;    /* adopt --from-table NAME */
	int dry_run;                /* adopt --dry-run */
	const char *found_tool;     /* status: another tool's history found */
	const char *found_table;
	int label_width;            /* of "0001 create_users" labels */
	char table_buf[160];        /* "schema.table" from --schema */

	/* the driver's client library loading on a thread of its own
	 * while the bundle is checked (cli_preload_start) */
	pthread_t preload;
	int (*preload_fn)(void);
	int preloading;

	/* gathered from events for the JSON output */
	struct cli_applied *applied;
	size_t napplied, capplied;
	size_t applied_next; /* set index after the last one in `applied` */
	char **warnings;
	size_t nwarnings, cwarnings;
	int oom;
};

/* The commands (cli_cmds.c). */
int cli_cmd_up(struct cli *c);
int cli_cmd_status(struct cli *c);
int cli_cmd_verify(struct cli *c);
int cli_cmd_plan(struct cli *c);
int cli_cmd_baseline(struct cli *c);
int cli_cmd_resolve(struct cli *c);
int cli_cmd_info(struct cli *c);
int cli_cmd_wait(struct cli *c);
int cli_cmd_down(struct cli *c);  /* cli_adopt.c */
int cli_cmd_adopt(struct cli *c); /* cli_adopt.c */

/* The progress callback put in migc_options (ctx: the struct cli). */
void cli_on_event(const migc_event *ev, void *ctx);

/* Print `migrate: error: ...` and the hint; return the exit code. */
int cli_error(const migc_error *err);

/* Connect with --url / DATABASE_URL and --wait; prints the error itself.
 * Returns 0 or the exit code. */
/*
 * The live "running ... 12s" line on a terminal (cli_progress.c), drawn by
 * a thread while `m` runs on `db` (which may be NULL), with what
 * migc_db_progress() says. start() stops a line still running; stop()
 * joins the thread and erases the line. Main thread only.
 */
void cli_progress_start(const struct cli *c, migc_db *db,
			const migc_migration *m);
void cli_progress_stop(void);

/*
 * Signals: SIGTERM and SIGINT (a platform ending the release command at its
 * time limit, or ^C) interrupt the database work of the open connection, so
 * the running migration rolls back (or is marked failed without a
 * transaction), the lock is released, and migrate exits 8. Before a
 * connection exists there is nothing to undo: the process exits 8 at once.
 * A second signal ends the process the default way.
 */
void cli_signals_install(void);
/* Stop watching `db` for signals and the live line reading it; free it. */
void cli_close(migc_db *db);

int cli_open(struct cli *c, migc_db **db, migc_error *err);

/* "sqlite:app.db" or "postgres user@host:5432/app": never a password. */
void cli_database_label(char *out, size_t size, const struct cli *c,
			const migc_db *db);

/* A JSON document's opening members; and its error/warnings closing. */
void cli_json_begin(struct cli *c, struct migc_json *j, const char *command);
int cli_json_end(struct cli *c, struct migc_json *j, const migc_error *err,
		 int rc);

/* A command that failed: its JSON (with --format json) and the error on
 * stderr; returns the exit code. */
int cli_fail(struct cli *c, const char *command, const migc_error *err, int rc);

/*
 * Start-up overlap: when the command connects to a database whose driver
 * has a client library to load (PostgreSQL's libpq: ~4 ms of dlopen),
 * cli_preload_start loads it on another thread while the caller checks
 * the bundle (11 ms at 10,000 migrations); cli_preload_wait joins it.
 * Nothing touches the database before the bundle is checked, and a
 * failure to load is reported by the connect, as before.
 */
void cli_preload_start(struct cli *c);
void cli_preload_wait(struct cli *c);

/* cli_open(), calling cli_fail() when it fails: 0 or the exit code. */
int cli_open_or_fail(struct cli *c, migc_db **db, migc_error *err);

/* The newest applied version of a report, or NULL; rows in a state. */
const char *cli_current_version(const migc_report *r);
size_t cli_count_state(const migc_report *r, migc_state state);
/* Rows of the report that come from the history. */
size_t cli_count_history(const migc_report *r);

/* "0001 create_users" or "R__views". */
void cli_label(char *out, size_t size, const char *version, const char *name,
	       migc_kind kind);
/* strlen of what cli_label() writes into a buffer of `size` bytes, without
 * writing it. */
size_t cli_label_len(size_t size, const char *version, const char *name,
		     migc_kind kind);

#endif /* MIGC_CLI_H */
