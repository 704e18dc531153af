/*
 * benchtime.c - run a command several times and print its wall time and
 * peak memory: the measuring tool of `make bench` (tests/bench/run.sh).
 *
 *   benchtime [-n RUNS] [-w WARMUPS] [-j JOBS] [-p PREP] [-e ERRLOG] -- CMD ARGS...
 *
 * Each run first executes PREP with `sh -c` (untimed: resetting a database,
 * removing an output), then starts JOBS copies of CMD at once (default 1)
 * and waits for all of them. The time of a run is from the first start to
 * the last exit, taken with CLOCK_MONOTONIC around posix_spawn and wait4,
 * so a run costs only what the command itself costs (no shell, no `env`).
 * Peak RSS is ru_maxrss from wait4, which covers the command's own
 * descendants too (cc1 under gcc). WARMUPS runs come first and are not
 * counted (they fill the page cache and the database's caches).
 *
 * Output, one line on stdout, times in seconds and memory in KiB:
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

int main(int argc, char **argv)
{
	static double times[MAX_RUNS];
	const char *prep = NULL, *errlog = "/dev/null";
	long runs = 5, warmups = 0, jobs = 1, peak = 0;
	int opt, i;

	while ((opt = getopt(argc, argv, "+n:w:j:p:e:")) != -1) {
		switch (opt) {
		case 'n': runs = number(optarg, "run count", 1, MAX_RUNS); break;
		case 'w': warmups = number(optarg, "warm-up count", 0, MAX_RUNS); break;
		case 'j': jobs = number(optarg, "job count", 1, MAX_JOBS); break;
		case 'p': prep = optarg; break;
		case 'e': errlog = optarg; break;
		default:
			fprintf(stderr, "usage: benchtime [-n RUNS] [-w WARMUPS] [-j JOBS] "
					"[-p PREP] [-e ERRLOG] -- CMD ARGS...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "benchtime: no command\n");
		return 2;
	}
	for (i = 0; i < warmups + runs; i++) {
		double wall;
		long rss;

		if (prep && prep_run(prep) != 0) {
			fprintf(stderr, "benchtime: run %d: the preparation failed: %s\n", i + 1, prep);
			return 1;
		}
		if (one_run(argv + optind, (int)jobs, errlog, &wall, &rss) != 0) {
			fprintf(stderr, "benchtime: run %d of %s failed\n", i + 1, argv[optind]);
			show_log(errlog);
			return 1;
		}
		if (i < warmups)
			continue;
		times[i - warmups] = wall;
		if (rss > peak)
			peak = rss;
	}
	qsort(times, (size_t)runs, sizeof(times[0]), cmp_double);
	printf("%.6f %.6f %.6f %ld %ld\n",
	       runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2,
	       times[0], times[runs - 1], peak, runs);
	return 0;
}
