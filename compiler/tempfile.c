/*
 * tempfile.c - removing temporary files when migc is interrupted. See
 * tempfile.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "tempfile.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct slot {
	char *path;
	int is_dir;
	volatile sig_atomic_t used; /* set last, cleared first */
};

static struct slot slots[TEMPFILE_MAX];
static volatile pid_t child;
static int installed;

static void remove_all(void)
{
	int pass, i;

	/* files first, then the directories that held them */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < TEMPFILE_MAX; i++) {
			if (!slots[i].used || slots[i].is_dir != pass)
				continue;
			if (pass)
				rmdir(slots[i].path);
			else
				unlink(slots[i].path);
		}
}

static void on_signal(int sig)
{
	pid_t pid = child;

	if (pid > 0)
		kill(pid, sig);
	remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	size_t i;

	if (installed)
		return;
	installed = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal ignored by whoever started us stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int tempfile_register(const char *path, int is_dir)
{
	int i;

	install();
	for (i = 0; i < TEMPFILE_MAX; i++) {
		if (slots[i].used)
			continue;
		free(slots[i].path);
		slots[i].path = malloc(strlen(path) + 1);
		if (!slots[i].path)
			return -1;
		memcpy(slots[i].path, path, strlen(path) + 1);
		slots[i].is_dir = is_dir;
		slots[i].used = 1;
		return i;
	}
	return -1;
}

void tempfile_forget(int slot)
{
	if (slot < 0 || slot >= TEMPFILE_MAX)
		return;
	slots[slot].used = 0;
	free(slots[slot].path);
	slots[slot].path = NULL;
}

void tempfile_child(pid_t pid)
{
	child = pid;
}
