/*
 * cli_progress.c - a live line on the terminal while a migration runs for
 * longer than a couple of seconds:
 *
 *     running 0007 backfill_orders ... 1m05s
 *
 * so a person watching a release does not wonder whether it hangs. Only
 * when stderr is a terminal (never in CI logs or piped output), not with
 * --quiet or --format json, and not when TERM is "dumb". The line is
 * erased before the "applied" line is printed.
 *
 * The database call that runs the migration blocks, so the line is drawn
 * from a SIGALRM handler (setitimer), which only reads a clock and calls
 * write(2): both async-signal-safe. SA_RESTART keeps the interrupted
 * system calls going (libpq and SQLite retry on EINTR anyway).
 *
 * MIGC_PROGRESS_DELAY_MS (default 2000) changes when the line first
 * appears; the tests use it to avoid slow migrations.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static char prefix[320];
static size_t prefix_len;
static struct timespec started;
static volatile sig_atomic_t shown;
static int armed;

/* Append the decimal digits of `v` to `p`; returns how many. */
static size_t put_uint(char *p, unsigned long long v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* "\r<prefix> 1m05s\033[K", built without stdio (signal handler). */
static void on_alarm(int sig)
{
	char buf[sizeof(prefix) + 48];
	struct timespec now;
	long long secs;
	size_t n = 0;
	int saved = errno;

	(void)sig;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (long long)(now.tv_sec - started.tv_sec);
	buf[n++] = '\r';
	memcpy(buf + n, prefix, prefix_len);
	n += prefix_len;
	buf[n++] = ' ';
	if (secs >= 60) {
		n += put_uint(buf + n, (unsigned long long)(secs / 60));
		buf[n++] = 'm';
		if (secs % 60 < 10)
			buf[n++] = '0';
	}
	n += put_uint(buf + n, (unsigned long long)(secs % 60));
	memcpy(buf + n, "s\033[K", 4);
	n += 4;
	if (write(STDERR_FILENO, buf, n) > 0)
		shown = 1;
	errno = saved;
}

static int wanted(const struct cli *c)
{
	const char *term = getenv("TERM");

	return !c->json && !c->quiet && isatty(STDERR_FILENO) &&
	       !(term && strcmp(term, "dumb") == 0);
}

void cli_progress_start(const struct cli *c, const migc_migration *m)
{
	const char *env = getenv("MIGC_PROGRESS_DELAY_MS");
	long delay = 2000;
	struct itimerval it;
	struct sigaction sa;
	char label[300];

	if (!wanted(c))
		return;
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);

		if (!*end && v > 0 && v < 3600000)
			delay = v;
	}
	cli_label(label, sizeof(label), m->version, m->name, m->kind);
	snprintf(prefix, sizeof(prefix), "running %s ...", label);
	prefix_len = strlen(prefix);
	clock_gettime(CLOCK_MONOTONIC, &started);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = delay / 1000;
	it.it_value.tv_usec = (delay % 1000) * 1000;
	it.it_interval.tv_sec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	armed = 1;
}

void cli_progress_stop(void)
{
	struct itimerval off;

	if (!armed)
		return;
	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	armed = 0;
	if (shown) {
		ssize_t w = write(STDERR_FILENO, "\r\033[K", 4); /* best effort */

		(void)w;
		shown = 0;
	}
}
