/*
 * cli_output.c - what the `migrate` commands share: error lines
 * (`migrate: error: ...` then `hint: ...`), progress events, connecting,
 * naming the database without credentials, and the JSON envelope
 * ("format_version": 1, "ok", "error", "warnings").
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "engine.h"
#include "util.h"

int cli_error(const migc_error *err)
{
	fprintf(stderr, "migrate: error: %s\n",
		err->message[0] ? err->message : migc_strerror(err->code));
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return migc_exit_code(err->code ? err->code : MIGC_ERROR);
}

/* Append `n` bytes of `s` at out[*at], as far as `size` leaves room for the
 * NUL (snprintf's truncation). */
static void put(char *out, size_t size, size_t *at, const char *s, size_t n)
{
	if (n > size - 1 - *at)
		n = size - 1 - *at;
	memcpy(out + *at, s, n);
	*at += n;
}

/* What snprintf "R__%s" or "%s %s" wrote, copied instead: `up` labels
 * every migration it applies. */
void cli_label(char *out, size_t size, const char *version, const char *name,
	       migc_kind kind)
{
	size_t at = 0;

	if (!size)
		return;
	if (kind == MIGC_KIND_REPEATABLE) {
		put(out, size, &at, "R__", 3);
	} else {
		put(out, size, &at, version, strlen(version));
		put(out, size, &at, " ", 1);
	}
	put(out, size, &at, name, strlen(name));
	out[at] = '\0';
}

size_t cli_label_len(size_t size, const char *version, const char *name,
		     migc_kind kind)
{
	size_t n = strlen(name);

	n += kind == MIGC_KIND_REPEATABLE ? 3 : strlen(version) + 1;
	return size && n >= size ? size - 1 : n;
}

static void remember_applied(struct cli *c, const migc_migration *m,
			     long long ms)
{
	if (c->napplied == c->capplied) {
		size_t cap = c->capplied ? c->capplied * 2 : 16;
		struct cli_applied *p = realloc(c->applied, cap * sizeof(*p));

		if (!p) {
			c->oom = 1;
			return;
		}
		c->applied = p;
		c->capplied = cap;
	}
	/* down reports a view of the migration that does not outlive the
	 * event: keep the set's own. up reports the set's own, in set order:
	 * the one after the last is checked first, to skip the lookup */
	if (m->kind == MIGC_KIND_VERSIONED && c->set) {
		long i = c->applied_next < migc_set_count(c->set) &&
				 set_peek(c->set, c->applied_next) == m
			 ? (long)c->applied_next
			 : migc_set_find_version(c->set, m->version);

		if (i >= 0) {
			m = set_peek(c->set, (size_t)i);
			c->applied_next = (size_t)i + 1;
		}
	}
	c->applied[c->napplied].m = m;
	c->applied[c->napplied++].duration_ms = ms;
}

static void remember_warning(struct cli *c, const char *msg)
{
	char *s;

	if (c->nwarnings == c->cwarnings) {
		size_t cap = c->cwarnings ? c->cwarnings * 2 : 8;
		char **p = realloc(c->warnings, cap * sizeof(*p));

		if (!p) {
			c->oom = 1;
			return;
		}
		c->warnings = p;
		c->cwarnings = cap;
	}
	s = migc_strdup(msg);
	if (!s) {
		c->oom = 1;
		return;
	}
	c->warnings[c->nwarnings++] = s;
}

/* "0001 create_users      adopted installed_rank 2 (checksum verified)" */
static void print_note(const struct cli *c, const migc_migration *m,
		       const char *msg)
{
	char label[600];

	cli_label(label, sizeof(label), m->version, m->name, m->kind);
	printf("%-*s %s\n", c->label_width, label, msg);
}

/* `s` left-aligned in `width` columns at line[at] ("%-*s"); the new end. */
static size_t put_padded(char *line, size_t at, const char *s, int width)
{
	size_t n = strlen(s);

	memcpy(line + at, s, n);
	for (at += n; width > 0 && n < (size_t)width; n++)
		line[at++] = ' ';
	return at;
}

/*
 * One progress line: "applied 0001 create_users      12 ms", exactly what
 * printf("%-7s %-*s %6lld ms\n") writes, put together by hand (printf was
 * most of the cost of an event, and `up` prints one per migration; the
 * rare odd case still goes through printf). Flushed, so that a deploy log
 * shows each migration as it is done.
 */
static void print_progress(const struct cli *c, const char *what,
			   const migc_migration *m, long long ms)
{
	char label[600], line[1024], digits[24];
	int nd = 0, pad;
	size_t at;

	cli_label(label, sizeof(label), m->version, m->name, m->kind);
	if (ms < 0 || strlen(what) > 64 || c->label_width < 0 ||
	    c->label_width > 300) {
		printf("%-7s %-*s %6lld ms\n", what, c->label_width, label, ms);
		fflush(stdout);
		return;
	}
	at = put_padded(line, 0, what, 7);
	line[at++] = ' ';
	at = put_padded(line, at, label, c->label_width);
	line[at++] = ' ';
	do { /* right to left, at the end of `digits` */
		digits[sizeof(digits) - 1 - nd++] = (char)('0' + ms % 10);
		ms /= 10;
	} while (ms);
	for (pad = nd; pad < 6; pad++)
		line[at++] = ' ';
	memcpy(line + at, digits + sizeof(digits) - nd, (size_t)nd);
	at += (size_t)nd;
	memcpy(line + at, " ms\n", 4);
	fwrite(line, 1, at + 4, stdout);
	fflush(stdout);
}

/* The open connection: what a signal interrupts and the live line
 * reads (one per process). */
static migc_db *volatile watched_db;

void cli_on_event(const migc_event *ev, void *ctx)
{
	struct cli *c = ctx;
	const char *msg = ev->message ? ev->message : "";

	if (ev->type == MIGC_EVENT_START) {
		if (ev->migration)
			cli_progress_start(c, watched_db, ev->migration);
		return;
	}
	cli_progress_stop();
	switch (ev->type) {
	case MIGC_EVENT_DONE:
		remember_applied(c, ev->migration, ev->duration_ms);
		if (!c->json && !c->quiet)
			print_progress(c, c->done_word ? c->done_word : "applied",
				       ev->migration, ev->duration_ms);
		break;
	case MIGC_EVENT_FAILED:
		if (!c->json && !c->quiet)
			print_progress(c, "failed", ev->migration, ev->duration_ms);
		break;
	case MIGC_EVENT_WARNING:
		remember_warning(c, msg);
		fprintf(stderr, "migrate: warning: %s\n", msg);
		break;
	case MIGC_EVENT_ADOPTED: /* one line per migration */
		remember_applied(c, ev->migration, 0);
		if (!c->json && !c->quiet)
			print_note(c, ev->migration, msg);
		break;
	case MIGC_EVENT_INFO:
		if (!c->quiet)
			fprintf(stderr, "migrate: %s\n", msg);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Shared by the commands                                              */
/* ------------------------------------------------------------------ */

/* The database URL of the command line or the environment; NULL: none. */
static const char *cli_url(const struct cli *c)
{
	const char *url = c->url ? c->url : getenv("DATABASE_URL");

	/* libpq's PG* variables alone are a PostgreSQL connection ("") */
	if ((!url || !*url) && (getenv("PGHOST") || getenv("PGDATABASE") ||
				getenv("PGSERVICE")))
		return "";
	return url && *url ? url : NULL;
}

static void *preload_run(void *arg)
{
	const struct cli *c = arg;

	c->preload_fn();
	return NULL;
}

void cli_preload_start(struct cli *c)
{
	sigset_t all, old;

	if (c->preloading || !c->cmd || !c->cmd->needs_db)
		return;
	c->preload_fn = migc_db_preloader(cli_url(c));
	if (!c->preload_fn)
		return;
	/* signals stay with the main thread (on_signal) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	c->preloading = pthread_create(&c->preload, NULL, preload_run, c) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void cli_preload_wait(struct cli *c)
{
	if (c->preloading)
		pthread_join(c->preload, NULL);
	c->preloading = 0;
}

int cli_open(struct cli *c, migc_db **db, migc_error *err)
{
	const char *url = cli_url(c);
	int rc;

	*db = NULL;
	if (!url) {
		migc_err(err, MIGC_EUSAGE, "no database URL: pass --url or set "
			 "DATABASE_URL");
		migc_err_hint(err, "e.g. DATABASE_URL=sqlite:app.db migrate %s; "
			      "for PostgreSQL postgres://USER@HOST/DB, or "
			      "PGHOST and friends", c->cmd->name);
		return MIGC_EUSAGE;
	}
	c->url = url;
	rc = migc_db_open(db, url, &c->opts, err);
	if (!rc)
		watched_db = *db;
	return rc;
}

void cli_close(migc_db *db)
{
	cli_progress_stop(); /* its thread reads `db` */
	watched_db = NULL;
	migc_db_free(db);
}

static void on_signal(int sig)
{
	migc_db *db = watched_db;

	(void)sig;
	if (!db)
		_exit(MIGC_EXIT_INTERRUPTED);
	migc_db_interrupt(db);
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second signal: the default action */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

void cli_database_label(char *out, size_t size, const struct cli *c,
			const migc_db *db)
{
	const char *driver = db ? migc_db_driver(db) : "";

	/* SQLite URLs hold a path and no credentials; for anything else the
	 * driver's label (user@host:port/db), which never has a password */
	if (strcmp(driver, "sqlite") == 0 && c->url)
		snprintf(out, size, "%s%s",
			 strncmp(c->url, "sqlite:", 7) == 0 ? "" : "sqlite:",
			 c->url);
	else if (db && strcmp(migc_db_label(db), driver) != 0)
		snprintf(out, size, "%s", migc_db_label(db));
	else
		snprintf(out, size, "%s:<redacted>", *driver ? driver : "database");
}

void cli_json_begin(struct cli *c, struct migc_json *j, const char *command)
{
	(void)c;
	migc_json_init(j);
	migc_json_object(j, NULL);
	migc_json_int(j, "format_version", 1);
	migc_json_string(j, "command", command);
}

/* Stable names for error codes in JSON ("code": "drift"). */
static const char *code_name(int code)
{
	switch (code) {
	case MIGC_ENOMEM: return "out_of_memory";
	case MIGC_EUSAGE: return "usage";
	case MIGC_EINVALID: return "invalid";
	case MIGC_EIO: return "io";
	case MIGC_EFAILED: return "failed";
	case MIGC_EDRIFT: return "drift";
	case MIGC_EMISSING: return "missing";
	case MIGC_EORDER: return "out_of_order";
	case MIGC_EFUTURE: return "future";
	case MIGC_ECONNECT: return "connect";
	case MIGC_ELOCKED: return "locked";
	case MIGC_EDIRTY: return "dirty";
	case MIGC_ECORRUPT: return "corrupt";
	case MIGC_ENOTFOUND: return "not_found";
	case MIGC_EDB: return "database";
	case MIGC_EINTR: return "interrupted";
	case MIGC_EBUSY: return "busy";
	case MIGC_EAUTH: return "auth";
	default: return "error";
	}
}

int cli_json_end(struct cli *c, struct migc_json *j, const migc_error *err,
		 int rc)
{
	size_t i;

	migc_json_bool(j, "ok", rc == 0);
	if (rc == 0 || !err) {
		migc_json_null(j, "error");
	} else {
		migc_json_object(j, "error");
		migc_json_string(j, "code", code_name(rc));
		migc_json_int(j, "exit_code", migc_exit_code(rc));
		migc_json_string(j, "message", err->message);
		migc_json_string(j, "hint", err->hint[0] ? err->hint : NULL);
		migc_json_string(j, "file", err->file[0] ? err->file : NULL);
		if (err->line)
			migc_json_int(j, "line", err->line);
		else
			migc_json_null(j, "line");
		migc_json_string(j, "version", err->version[0] ? err->version : NULL);
		migc_json_end_object(j);
	}
	migc_json_array(j, "warnings");
	for (i = 0; i < c->nwarnings; i++)
		migc_json_string(j, NULL, c->warnings[i]);
	migc_json_end_array(j);
	migc_json_end_object(j);
	if (migc_json_finish(j, stdout) || c->oom) {
		fprintf(stderr, "migrate: error: could not write the JSON output\n");
		return rc ? migc_exit_code(rc) : MIGC_EXIT_FAILED;
	}
	return migc_exit_code(rc);
}

/* A command that failed: JSON (if asked) and the error on stderr. */
int cli_fail(struct cli *c, const char *command, const migc_error *err,
		int rc)
{
	struct migc_json j;
	int code = cli_error(err);

	if (c->json) {
		cli_json_begin(c, &j, command);
		return cli_json_end(c, &j, err, rc);
	}
	return code;
}

/* Connect or fail. */
int cli_open_or_fail(struct cli *c, migc_db **db, migc_error *err)
{
	int rc = cli_open(c, db, err);

	if (rc)
		return cli_fail(c, c->cmd->name, err, rc);
	return 0;
}
