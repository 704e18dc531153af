/*
 * engine.h - internals shared by the engine's files (db.c, engine_plan.c,
 * engine_apply.c, engine_up.c) and the `migrate` CLI. Not installed.
 *
 * The engine is driver-agnostic: it talks to the database only through
 * `db->driver` (driver.h). Dialect-specific SQL lives in the drivers.
 */
#ifndef MIGC_ENGINE_H
#define MIGC_ENGINE_H

#include <signal.h>
#include <stddef.h>

#include "driver.h"
#include "history.h"
#include "migc.h"

/* An open connection and the driver that made it. */
struct migc_db {
	const struct migc_driver *driver;
	struct migc_conn *conn;
	volatile sig_atomic_t interrupted; /* set by migc_db_interrupt */
};

/* One report row: the public part and where it came from. */
struct migc_report_item {
	migc_report_row pub;
	const struct migc_history_row *hist; /* the row that counts, or NULL */
	int unknown_algorithm; /* the applied checksum has a tag we do not know */
};

/*
 * A report owns its history (rows point into it) but not the set: the set
 * must outlive the report.
 */
struct migc_report {
	struct migc_report_item *items; /* migc_bulk_alloc(items_bytes) */
	size_t count;
	size_t items_bytes;
	struct migc_history history;
	const char *newest_bundle;  /* newest versioned in the set, or NULL */
	const char *newest_applied; /* newest versioned in the history, or NULL */
};

/*
 * Resolve `in` (may be NULL) into `out` with defaults, check its version
 * and validate the history table name. `default_phase` replaces an unset
 * phase (0).
 */
/* db.c: the preload() of the driver that accepts `url` (driver.h), or
 * NULL when it has none: for a caller that overlaps it with other
 * start-up work (cli_output.c runs it on a thread of its own). */
typedef int (*migc_preload_fn)(void);
migc_preload_fn migc_db_preloader(const char *url);

int migc_engine_options(migc_options *out, const migc_options *in,
			migc_phase default_phase, migc_error *err);

/* 0 when `name` is `ident` or `schema.ident`, ident = [A-Za-z_][A-Za-z0-9_]*
 * of at most 63 bytes; MIGC_EUSAGE with a message otherwise. */
int migc_engine_check_table(const char *name, migc_error *err);

/* Read the history (one query) and merge it with the set. */
int migc_engine_report(migc_report **out, migc_db *db, const migc_set *set,
		       const migc_options *opts, migc_error *err);
/*
 * The same for the verify rules and the plan alone (`up`, `verify`,
 * `plan`): applied, baseline and undone rows may come without what only
 * `status` shows (applied_at, duration, applied_by, note...: "" and 0);
 * see history_read_brief in driver.h. Rows in other states (failed,
 * running) are complete, as their messages and liveness checks need.
 */
int migc_engine_report_brief(migc_report **out, migc_db *db,
			     const migc_set *set, const migc_options *opts,
			     migc_error *err);

/* The verify rules over a report; warnings go to opts->on_event. */
int migc_engine_verify(const migc_report *report, const migc_options *opts,
		       migc_error *err);

/*
 * What `up` would apply, in order, given a verified report: the pending
 * (and, when allowed, out-of-order) versioned migrations of the phase up to
 * opts->target, then the pending or changed repeatables. `*out` is an array
 * the caller frees with free(); it may be NULL when `*count` is 0.
 */
int migc_engine_plan(const migc_migration ***out, size_t *count,
		     const migc_report *report, const migc_options *opts,
		     migc_error *err);

/*
 * The whole of `migrate plan`: read the history, verify, and return what
 * `up` would apply now (without taking the lock or changing anything).
 */
int migc_engine_pending(const migc_migration ***out, size_t *count,
			migc_db *db, const migc_set *set,
			const migc_options *opts, migc_error *err);

/* Send an event to opts->on_event, if any. */
void migc_engine_event(const migc_options *opts, migc_event_type type,
		       const migc_migration *m, long long duration_ms,
		       const char *message);

/* What every history row of one run shares (engine_apply.c). */
struct migc_run_ctx {
	migc_db *db;
	const migc_set *set;
	const migc_options *opts;
	char bundle_id[MIGC_CHECKSUM_HEX_LEN + 1];
	char applied_by[256];
};

void migc_engine_ctx_init(struct migc_run_ctx *c, migc_db *db,
			  const migc_set *set, const migc_options *opts);

/* A history row for `m` in `state`; `checksum` (of `size`) and `now` (32
 * bytes) are caller buffers the row points into. */
void migc_engine_row_for(struct migc_history_row *row, char *checksum,
			 size_t size, char *now, const struct migc_run_ctx *c,
			 const migc_migration *m, migc_hstate state,
			 long long duration_ms);

/* Insert the row for `m` (in the caller's transaction). */
int migc_engine_insert_row(const struct migc_run_ctx *c, const migc_migration *m,
			   migc_hstate state, long long duration_ms,
			   long long *id, migc_error *err);

/* Apply `m` in the transaction the loop began (engine_up.c); it ends
 * committed or rolled back. `*id` receives the history row's id. */
int migc_engine_apply_one(const struct migc_run_ctx *c, const migc_migration *m,
			  long long *id, migc_error *err);

/* Mark row `id` with `state` in a small transaction of its own. */
int migc_engine_mark(const struct migc_run_ctx *c, long long id,
		     migc_hstate state, long long duration_ms, const char *note,
		     migc_error *err);

/*
 * What a run of `up` leaves behind, for the CLI's summary line, so that it
 * need not read the history a second time. Filled as far as the run got,
 * failures included: `seen` is 0 when the run stopped before it read the
 * history (options, lock, a failed read), and then the two fields after it
 * are NULL and 0. The state is the run's last view of the history plus its
 * own applications since: what `migrate status` with up's phase would show.
 */
struct migc_up_result {
	size_t applied;        /* migrations this run applied */
	int seen;              /* the history was read: the fields below hold */
	char *current_version; /* the newest applied version (as `status`
				* counts it), or NULL; owned */
	size_t deferred;       /* post-phase migrations left for --phase post */
};

/*
 * migc_up (which wraps it), filling `*out` on success and failure alike;
 * the caller frees it with migc_engine_up_result_clear.
 */
int migc_engine_up(struct migc_up_result *out, migc_db *db, const migc_set *set,
		   const migc_options *opts, migc_error *err);
void migc_engine_up_result_clear(struct migc_up_result *r);

/* Take the session lock (a no-op for per-transaction drivers: begin()
 * locks) and make sure the history table is there. */
int migc_engine_lock(migc_db *db, const migc_options *opts, migc_error *err);

/* Release it; an unlock failure only matters when `rc` is 0. */
int migc_engine_unlock(migc_db *db, int rc, migc_error *err);

/*
 * Whether the database runs on this machine (engine_down.c): an SQLite
 * file always does; a PostgreSQL server when the connection is a Unix
 * socket or loopback, as the server itself sees it (inet_server_addr()).
 */
int migc_engine_db_local(migc_db *db, int *local, migc_error *err);

/*
 * Another tool's history table in the database (engine_adopt.c), looking
 * for `prefer`'s first: `*tool` and `*table` are static names, NULL when
 * there is none. For `migrate status` to say `migrate adopt --from TOOL`.
 */
int migc_engine_foreign_history(migc_db *db, migc_layout prefer,
				const char **tool, const char **table,
				migc_error *err);

/*
 * `up` with a bundle read as another tool's layout (engine_adopt.c): 0, or
 * MIGC_EUSAGE when that tool's table records migrations migc's history
 * does not (`up` would run them again: `migrate adopt` first), or the
 * error adopt would give (dirty, drift).
 */
int migc_engine_adopt_guard(migc_db *db, const migc_set *set,
			    const migc_options *opts, migc_error *err);

/* 1 for the report states that hold an applied version (the current
 * version `status` and `up` print): applied, baseline, drifted, missing,
 * future. */
int migc_engine_holds_version(migc_state state);

#endif /* MIGC_ENGINE_H */
