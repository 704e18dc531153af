/*
 * benchtime.c - run commands several times and print their wall time and
 * peak memory: the measuring tool of `make bench` (tests/bench/run.sh).
 *
 *   benchtime [-n RUNS] [-w WARMUPS] [-e ERRLOG] ARM [--vs ARM]...
 *   ARM:      [-j JOBS] [-p PREP] -- CMD ARGS...
 *
 * Each run of an arm first executes its PREP with `sh -c` (untimed:
 * resetting a database, removing an output), then starts JOBS copies of
 * its CMD at once (default 1) and waits for all of them. The time of a run
 * is from the first start to the last exit, taken with CLOCK_MONOTONIC
 * around posix_spawn and wait4, so a run costs only what the command
 * itself costs (no shell, no `env`). Peak RSS is ru_maxrss from wait4,
 * which covers the command's own descendants too (cc1 under gcc). WARMUPS
 * runs of each arm come first and are not counted (they fill the page
 * cache and the database's caches).
 *
 * Several arms (a command and its floor) are measured interleaved: round r
 * runs one of each, starting with arm r mod ARMS, so a machine that gets
 * busier or quieter during the measurement moves every arm alike, and the
 * ratio of two arms measured in one call is robust to drift that would
 * skew figures taken one after the other.
 *
 * Output, one line per arm on stdout, in the order of the arms, times in
 * seconds and memory in KiB:
 *
 *   MEDIAN MIN MAX PEAK_RSS_KIB RUNS
 *
 * CMD's stdout goes to /dev/null and its stderr to ERRLOG (default
 * /dev/null). A command that exits non-zero, or a PREP that fails, stops
 * everything: benchtime prints which run and the end of ERRLOG on stderr
 * and exits 1. Timings are never judged here.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* wait4 */
#endif
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_RUNS 1000
#define MAX_JOBS 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void show_log(const char *path)
{
	char buf[4096];
	FILE *f;
	long size;
	size_t n;

	if (!path || strcmp(path, "/dev/null") == 0)
		return;
	f = fopen(path, "rb");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > (long)sizeof(buf) - 1)
		fseek(f, size - (long)sizeof(buf) + 1, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "benchtime: end of its stderr:\n%s\n", buf);
}

static int prep_run(const char *prep)
{
	int status;
	pid_t pid;
	char *argv[] = {"sh", "-c", (char *)prep, NULL};

	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One run of `jobs` copies; the wall time in *wall, the peak RSS (KiB) in
 * *rss. Returns 0, or -1 when a copy failed (reported). */
static int one_run(char **cmd, int jobs, const char *errlog, double *wall,
		   long *rss)
{
	posix_spawn_file_actions_t fa;
	pid_t pids[MAX_JOBS];
	int i, failed = 0;
	double t0;

	if (strcmp(errlog, "/dev/null") != 0) /* keep only this run's messages */
		close(open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
	*rss = 0;
	t0 = now();
	for (i = 0; i < jobs; i++) {
		int e = posix_spawnp(&pids[i], cmd[0], &fa, NULL, cmd, environ);

		if (e != 0) {
			fprintf(stderr, "benchtime: cannot start %s: %s\n", cmd[0], strerror(e));
			jobs = i;
			failed = 1;
			break;
		}
	}
	for (i = 0; i < jobs; i++) {
		struct rusage ru;
		int status;

		while (wait4(pids[i], &status, 0, &ru) < 0) {
			if (errno != EINTR) {
				perror("benchtime: wait4");
				return -1;
			}
		}
		if (ru.ru_maxrss > *rss)
			*rss = ru.ru_maxrss;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (WIFEXITED(status))
				fprintf(stderr, "benchtime: %s exited %d\n", cmd[0], WEXITSTATUS(status));
			else
				fprintf(stderr, "benchtime: %s died of signal %d\n", cmd[0], WTERMSIG(status));
			failed = 1;
		}
	}
	*wall = now() - t0;
	posix_spawn_file_actions_destroy(&fa);
	return failed ? -1 : 0;
}

static long number(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "benchtime: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

#define MAX_ARMS 8

struct arm {
	char **cmd; /* NULL-terminated, within argv */
	const char *prep;
	long jobs;
	long peak;
	double times[MAX_RUNS];
};

static void usage(void)
{
	fprintf(stderr, "usage: benchtime [-n RUNS] [-w WARMUPS] [-e ERRLOG] "
			"[-j JOBS] [-p PREP] -- CMD ARGS... [--vs [-j JOBS] [-p PREP] -- CMD ARGS...]...\n");
	exit(2);
}

/* The value of the option at argv[*i]; advances *i past it. */
static const char *optval(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "benchtime: %s needs a value\n", argv[*i]);
		usage();
	}
	*i += 1;
	return argv[*i];
}

/* One run of arm a, recorded as run number `slot` unless it is a warm-up
 * (slot < 0). Returns 0, or -1 when it failed (reported). */
static int arm_run(struct arm *a, int slot, const char *errlog, int number)
{
	double wall;
	long rss;

	if (a->prep && prep_run(a->prep) != 0) {
		fprintf(stderr, "benchtime: run %d: the preparation failed: %s\n", number, a->prep);
		return -1;
	}
	if (one_run(a->cmd, (int)a->jobs, errlog, &wall, &rss) != 0) {
		fprintf(stderr, "benchtime: run %d of %s failed\n", number, a->cmd[0]);
		show_log(errlog);
		return -1;
	}
	if (slot >= 0) {
		a->times[slot] = wall;
		if (rss > a->peak)
			a->peak = rss;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct arm arms[MAX_ARMS];
	const char *errlog = "/dev/null";
	long runs = 5, warmups = 0;
	int narms = 0, i = 1, r, k;

	/* Global options, then arms; -j and -p belong to the arm they start. */
	while (i < argc) {
		struct arm *a;

		if (narms == MAX_ARMS) {
			fprintf(stderr, "benchtime: at most %d arms\n", MAX_ARMS);
			return 2;
		}
		a = &arms[narms];
		a->jobs = 1;
		for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
			const char *o = argv[i];

			if (strcmp(o, "-j") == 0)
				a->jobs = number(optval(argc, argv, &i), "job count", 1, MAX_JOBS);
			else if (strcmp(o, "-p") == 0)
				a->prep = optval(argc, argv, &i);
			else if (narms == 0 && strcmp(o, "-n") == 0)
				runs = number(optval(argc, argv, &i), "run count", 1, MAX_RUNS);
			else if (narms == 0 && strcmp(o, "-w") == 0)
				warmups = number(optval(argc, argv, &i), "warm-up count", 0, MAX_RUNS);
			else if (narms == 0 && strcmp(o, "-e") == 0)
				errlog = optval(argc, argv, &i);
			else {
				fprintf(stderr, "benchtime: unknown option '%s'\n", o);
				usage();
			}
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "benchtime: no command for arm %d\n", narms + 1);
			usage();
		}
		a->cmd = &argv[++i];
		while (i < argc && strcmp(argv[i], "--vs") != 0)
			i++;
		if (i < argc) {
			argv[i++] = NULL; /* ends this arm's command */
			if (i == argc) {
				fprintf(stderr, "benchtime: nothing after --vs\n");
				usage();
			}
		}
		if (!a->cmd[0]) {
			fprintf(stderr, "benchtime: no command for arm %d\n", narms + 1);
			usage();
		}
		narms++;
	}
	if (narms == 0) {
		fprintf(stderr, "benchtime: no command\n");
		usage();
	}
	for (r = 0; r < warmups + runs; r++) {
		for (k = 0; k < narms; k++) {
			struct arm *a = &arms[(r + k) % narms];

			if (arm_run(a, r < warmups ? -1 : (int)(r - warmups), errlog, r + 1) != 0)
				return 1;
		}
	}
	for (k = 0; k < narms; k++) {
		double *t = arms[k].times;

		qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
		printf("%.6f %.6f %.6f %ld %ld\n",
		       runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2,
		       t[0], t[runs - 1], arms[k].peak, runs);
	}
	return 0;
}
