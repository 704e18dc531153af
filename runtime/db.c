/*
 * db.c - options, and connecting to a database through the driver that
 * accepts its URL.
 *
 * migc_db_open() retries a driver's connect() with exponential backoff and
 * jitter until opts->wait_ms has passed: a release command often starts
 * while the database is still booting. Only MIGC_ECONNECT is retried; a
 * malformed URL fails at once.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "driver.h"
#include "engine.h"
#include "util.h"

/* Every driver this library was built with, tried in order. */
static const struct migc_driver *const drivers[] = {
	&migc_driver_sqlite,
	&migc_driver_pg,
};

#define MAX_IDENT 63

int migc_options_init(migc_options *opts, unsigned version)
{
	if (!opts)
		return MIGC_EUSAGE;
	memset(opts, 0, sizeof(*opts));
	if (version != MIGC_OPTIONS_VERSION)
		return MIGC_EUSAGE;
	opts->version = MIGC_OPTIONS_VERSION;
	opts->history_table = "migc_history";
	opts->wait_ms = 5000;
	opts->lock_timeout_ms = 60000;
	opts->busy_timeout_ms = 5000;
	opts->db_lock_timeout_ms = 5000;
	opts->statement_timeout_ms = 0;
	opts->lock_retries = 4;
	opts->application_name = "migc";
	/* phase 0: "the command's default" (pre for up, all elsewhere) */
	return 0;
}

static int ident_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > MAX_IDENT)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    c == '_';

		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

int migc_engine_check_table(const char *name, migc_error *err)
{
	const char *dot = name ? strchr(name, '.') : NULL;
	int ok;

	if (!name)
		ok = 0;
	else if (dot)
		ok = ident_ok(name, (size_t)(dot - name)) &&
		     ident_ok(dot + 1, strlen(dot + 1));
	else
		ok = ident_ok(name, strlen(name));
	if (ok)
		return 0;
	migc_err(err, MIGC_EUSAGE, "invalid history table name \"%.100s\"",
		 name ? name : "");
	migc_err_hint(err, "use letters, digits and _ (not first), at most "
			   "63 bytes, optionally as schema.table");
	return MIGC_EUSAGE;
}

int migc_engine_options(migc_options *out, const migc_options *in,
			migc_phase default_phase, migc_error *err)
{
	if (in) {
		if (in->version != MIGC_OPTIONS_VERSION)
			return migc_err(err, MIGC_EUSAGE,
					"unknown migc_options version %u "
					"(this library knows %d)",
					in->version, MIGC_OPTIONS_VERSION);
		*out = *in;
	} else {
		migc_options_init(out, MIGC_OPTIONS_VERSION);
	}
	if (!out->history_table)
		out->history_table = "migc_history";
	if (out->phase == 0)
		out->phase = default_phase;
	if (out->phase < MIGC_PHASE_PRE || out->phase > MIGC_PHASE_ALL)
		return migc_err(err, MIGC_EUSAGE, "unknown phase %d",
				(int)out->phase);
	return migc_engine_check_table(out->history_table, err);
}

void migc_engine_event(const migc_options *opts, migc_event_type type,
		       const migc_migration *m, long long duration_ms,
		       const char *message)
{
	migc_event ev;

	if (!opts || !opts->on_event)
		return;
	/* what an application is handed is complete: only a deferred set's
	 * entry has a NULL sql (bundle.h), never a view made from one */
	if (m && !m->sql)
		set_sql_assemble(m);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.migration = m;
	ev.duration_ms = duration_ms;
	ev.message = message;
	opts->on_event(&ev, opts->event_ctx);
}

static const struct migc_driver *driver_for(const char *url)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i]->accepts(url))
			return drivers[i];
	return NULL;
}

/* The scheme of `url` for a message: the part before ':' when it looks
 * like one, never anything after it (which may hold a password). */
static void url_scheme(char out[32], const char *url)
{
	size_t n = strcspn(url, ":/@ =");

	if (url[n] != ':' || n == 0 || n >= 32) {
		migc_strlcpy(out, "", 32);
		return;
	}
	memcpy(out, url, n);
	out[n] = '\0';
}

static int unknown_url(const char *url, migc_error *err)
{
	char scheme[32];

	url_scheme(scheme, url);
	if (strcmp(scheme, "postgres") == 0 || strcmp(scheme, "postgresql") == 0)
		migc_err(err, MIGC_EUSAGE, "this build of migc has no "
					   "PostgreSQL driver");
	else if (scheme[0])
		migc_err(err, MIGC_EUSAGE, "unsupported database URL scheme "
					   "\"%s:\"", scheme);
	else
		migc_err(err, MIGC_EUSAGE, "unrecognised database URL");
	migc_err_hint(err, "use sqlite:PATH, sqlite:///ABS/PATH or a file: URI");
	return MIGC_EUSAGE;
}

/*
 * One connection attempt after another until one works, a non-retryable
 * error comes, or the wait is over. Delays grow 50 ms, 100 ms, ... up to
 * 2 s, each with up to 50% random jitter so that many runners started at
 * once do not retry in lockstep.
 */
static int connect_retry(struct migc_conn **conn, const struct migc_driver *drv,
			 const char *url, const migc_options *opts,
			 migc_error *err)
{
	long long start = migc_now_ms(), delay = 50;
	unsigned seed = (unsigned)start ^ ((unsigned)getpid() << 16);
	int attempts = 0, rc;

	for (;;) {
		long long left, nap;

		attempts++;
		rc = drv->connect(conn, url, opts, err);
		if (rc != MIGC_ECONNECT)
			return rc;
		left = opts->wait_ms - (migc_now_ms() - start);
		if (left <= 0)
			break;
		if (attempts == 1) {
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "waiting up to %d ms for the database",
				 opts->wait_ms);
			migc_engine_event(opts, MIGC_EVENT_INFO, NULL, 0, msg);
		}
		nap = delay + (long long)(migc_xorshift(&seed) % (unsigned)(delay / 2 + 1));
		migc_sleep_ms(nap < left ? nap : left);
		delay = delay * 2 > 2000 ? 2000 : delay * 2;
	}
	if (attempts > 1)
		migc_err_prefix(err, "gave up after %d attempts in %lld ms",
				attempts, migc_now_ms() - start);
	migc_err_hint(err, "check the database URL (--url or DATABASE_URL), "
			   "or wait longer with --wait SECONDS");
	return MIGC_ECONNECT;
}

migc_preload_fn migc_db_preloader(const char *url)
{
	const struct migc_driver *drv = url ? driver_for(url) : NULL;

	return drv && drv->version >= 5 ? drv->preload : NULL;
}

int migc_db_open(migc_db **out, const char *url, const migc_options *opts_in,
		 migc_error *err)
{
	const struct migc_driver *drv;
	struct migc_conn *conn = NULL;
	migc_options opts;
	migc_db *db;
	int rc;

	*out = NULL;
	rc = migc_engine_options(&opts, opts_in, MIGC_PHASE_ALL, err);
	if (rc)
		return rc;
	if (!url) /* "" is libpq's: everything from the PG* variables */
		return migc_err(err, MIGC_EUSAGE, "no database URL given");
	drv = driver_for(url);
	if (!drv)
		return unknown_url(url, err);
	db = calloc(1, sizeof(*db));
	if (!db)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	rc = connect_retry(&conn, drv, url, &opts, err);
	if (rc) {
		free(db);
		return rc;
	}
	db->driver = drv;
	db->conn = conn;
	*out = db;
	return 0;
}

void migc_db_free(migc_db *db)
{
	if (!db)
		return;
	if (db->conn)
		db->driver->close(db->conn);
	free(db);
}

void migc_db_interrupt(migc_db *db)
{
	if (!db)
		return;
	db->interrupted = 1;
	if (db->conn && db->driver->version >= 1 && db->driver->interrupt)
		db->driver->interrupt(db->conn);
}

int migc_db_progress(migc_db *db, char *out, size_t size, migc_error *err)
{
	if (size)
		*out = '\0';
	if (!db || !db->conn || db->driver->version < 3 || !db->driver->progress)
		return 0;
	return db->driver->progress(db->conn, out, size, err);
}

const char *migc_db_label(const migc_db *db)
{
	if (!db || !db->conn || db->driver->version < 3 || !db->driver->label)
		return db ? db->driver->name : "";
	return db->driver->label(db->conn);
}

const char *migc_db_driver(const migc_db *db)
{
	return db ? db->driver->name : "";
}
