/*
 * cli_progress.c - a live line on the terminal while a migration runs for
 * longer than a couple of seconds:
 *
 *     running 0007 backfill_orders ... 1m05s
 *     running 0008 orders_by_day ... 14s, building index: scanning table, 12% (1234 of 10240 blocks)
 *
 * so a person watching a release does not wonder whether it hangs. What
 * follows the elapsed time is migc_db_progress(): what the database says
 * the statement is doing (PostgreSQL index builds), or nothing. Only when
 * stderr is a terminal (never in CI logs or piped output), not with --quiet
 * or --format json, and not when TERM is "dumb". The line is cut to the
 * terminal's width (a wrapped line could not be redrawn in place), and
 * erased before the "applied" line is printed; no escapes but the carriage
 * return and "erase to end of line".
 *
 * The database call that runs the migration blocks the main thread, so the
 * line is drawn by a thread of its own, started by cli_progress_start() for
 * each migration and stopped and joined by cli_progress_stop(): it sleeps
 * MIGC_PROGRESS_DELAY_MS (default 2000; the tests use it to avoid slow
 * migrations), then once a second asks migc_db_progress() (made to be
 * called from another thread while the database runs a migration) and
 * redraws the line with write(2). The thread blocks the asynchronous
 * signals, so SIGTERM and SIGINT reach the main thread, whose handler
 * interrupts the database (cli_output.c). Joining waits for a
 * migc_db_progress() call in flight, which the driver bounds (a couple of
 * seconds at worst). cli_close() stops the thread before freeing the
 * database it reads.
 *
 * The state below is the CLI's: one line, one thread at a time, started and
 * stopped from the main thread only.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* on CLOCK_MONOTONIC: stop asked */
	int running;         /* a thread was started and is not joined yet */
	int stop;            /* under `lock` */

	/* set before the thread starts, read-only while it runs */
	migc_db *db;
	char prefix[320];
	struct timespec started;
	long delay_ms;

	int shown; /* the thread drew a line; read after the join */

	/* whether stderr is a terminal that can show the line: the process's
	 * stderr and TERM, looked at once (0: not yet, 1: yes, 2: no) rather
	 * than with an ioctl for every migration */
	int terminal;
} progress = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* `ms` milliseconds after the migration started, for the timed wait. */
static struct timespec after_start(long long ms)
{
	struct timespec t = progress.started;

	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static long long elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - progress.started.tv_sec) * 1000 +
	       (now.tv_nsec - progress.started.tv_nsec) / 1000000;
}

/* The terminal's width in columns, or 0 when it does not say. */
static size_t terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

/* Cut `s` to at most `cols` characters (UTF-8 aware: one column each). */
static void cut_to(char *s, size_t cols)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue; /* inside a character */
		if (n++ == cols) {
			*s = '\0';
			return;
		}
	}
}

/* "\r<prefix> 1m05s, <text>\033[K" */
static void draw(const char *text)
{
	char line[sizeof(progress.prefix) + 320], buf[sizeof(line) + 8];
	long long secs = elapsed_ms() / 1000;
	size_t cols = terminal_width(), n;

	if (secs >= 60)
		snprintf(line, sizeof(line), "%s %lldm%02llds%s%s",
			 progress.prefix, secs / 60, secs % 60,
			 *text ? ", " : "", text);
	else
		snprintf(line, sizeof(line), "%s %llds%s%s", progress.prefix,
			 secs, *text ? ", " : "", text);
	if (cols > 1)
		cut_to(line, cols - 1); /* the last column would wrap */
	n = (size_t)snprintf(buf, sizeof(buf), "\r%s\033[K", line);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(STDERR_FILENO, buf, n) > 0)
		progress.shown = 1;
}

/* Wait until `ms` after the start; 1 when stop was asked meanwhile.
 * Called and returns with `lock` held. */
static int sleep_until(long long ms)
{
	struct timespec when = after_start(ms);

	while (!progress.stop)
		if (pthread_cond_timedwait(&progress.wake, &progress.lock,
					   &when) == ETIMEDOUT)
			break;
	return progress.stop;
}

static void *progress_thread(void *arg)
{
	long long next = progress.delay_ms;
	char text[256];

	(void)arg;
	pthread_mutex_lock(&progress.lock);
	while (!sleep_until(next)) {
		migc_error err;

		pthread_mutex_unlock(&progress.lock);
		memset(&err, 0, sizeof(err));
		text[0] = '\0';
		if (progress.db)
			migc_db_progress(progress.db, text, sizeof(text), &err);
		pthread_mutex_lock(&progress.lock);
		if (progress.stop)
			break;
		draw(text);
		/* the next whole second of the elapsed time */
		next = (elapsed_ms() / 1000 + 1) * 1000;
	}
	pthread_mutex_unlock(&progress.lock);
	return NULL;
}

static int wanted(const struct cli *c)
{
	if (c->json || c->quiet)
		return 0;
	if (!progress.terminal) {
		const char *term = getenv("TERM");

		progress.terminal = isatty(STDERR_FILENO) &&
					    !(term && strcmp(term, "dumb") == 0)
					    ? 1 : 2;
	}
	return progress.terminal == 1;
}

/* Every signal but those a fault raises in the thread itself. */
static void async_signals(sigset_t *set)
{
	static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL,
				     SIGTRAP, SIGSYS, SIGABRT};
	size_t i;

	sigfillset(set);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(set, faults[i]);
}

void cli_progress_start(const struct cli *c, migc_db *db,
			const migc_migration *m)
{
	const char *env;
	pthread_condattr_t attr;
	sigset_t blocked, old;
	char label[300];
	int rc;

	cli_progress_stop(); /* one line at a time */
	if (!wanted(c))
		return;
	env = getenv("MIGC_PROGRESS_DELAY_MS");
	progress.delay_ms = 2000;
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);

		if (!*end && v > 0 && v < 3600000)
			progress.delay_ms = v;
	}
	cli_label(label, sizeof(label), m->version, m->name, m->kind);
	snprintf(progress.prefix, sizeof(progress.prefix), "running %s ...",
		 label);
	progress.db = db;
	progress.stop = 0;
	progress.shown = 0;
	clock_gettime(CLOCK_MONOTONIC, &progress.started);
	if (pthread_condattr_init(&attr))
		return;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!rc)
		rc = pthread_cond_init(&progress.wake, &attr);
	pthread_condattr_destroy(&attr);
	if (rc)
		return; /* no live line: nothing else changes */
	/* the thread inherits the mask: signals go to the main thread */
	async_signals(&blocked);
	pthread_sigmask(SIG_BLOCK, &blocked, &old);
	rc = pthread_create(&progress.thread, NULL, progress_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&progress.wake);
		return;
	}
	progress.running = 1;
}

void cli_progress_stop(void)
{
	if (!progress.running)
		return;
	pthread_mutex_lock(&progress.lock);
	progress.stop = 1;
	pthread_cond_signal(&progress.wake);
	pthread_mutex_unlock(&progress.lock);
	pthread_join(progress.thread, NULL);
	pthread_cond_destroy(&progress.wake);
	progress.running = 0;
	progress.db = NULL;
	if (progress.shown) {
		ssize_t w = write(STDERR_FILENO, "\r\033[K", 4); /* best effort */

		(void)w;
		progress.shown = 0;
	}
}
