/*
 * load_threads.c - preparing native migration files on several threads.
 *
 * What migc_set_add() does to a file in migc's own layout (canonicalise,
 * check the content, the directives and transaction control, hash) is most
 * of `migc build` and independent from file to file (set_prepare(),
 * set_internal.h, touches no set and no global state). The loader prepares
 * some files one by one during the walk (load_prepare_one(); load.c,
 * struct ahead) and hands every file to load_prepare_all(), which prepares
 * those not done yet on up to LOAD_THREADS_MAX threads (the caller's
 * included) taking the next file from a shared counter, and then adds
 * them all to the set in file order
 * itself (load.c), so the set, the problems reported and their order are
 * exactly those of adding the files one after another.
 */
#define _POSIX_C_SOURCE 200809L

#include "load_threads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct batch {
	struct load_job *const *jobs;
	size_t count;
	atomic_size_t next;
};

/* Prepare one file into its job; a failure keeps a copy of its error. */
void load_prepare_one(struct load_job *j)
{
	migc_error e;
	char *data = j->data;

	j->data = NULL; /* set_prepare takes it */
	migc_error_clear(&e);
	j->rc = set_prepare(&j->prepared, j->filename, j->display, data, j->len,
			    j->borrowed, &e);
	if (j->rc) {
		j->err = malloc(sizeof(*j->err));
		if (j->err)
			*j->err = e;
	}
	j->done = 1;
}

static void *worker(void *arg)
{
	struct batch *b = arg;
	size_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->count)
		if (!b->jobs[i]->skip && !b->jobs[i]->done)
			load_prepare_one(b->jobs[i]);
	return NULL;
}

/* How many threads: the online processors, at most LOAD_THREADS_MAX. */
static size_t thread_count(size_t jobs)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = n > 0 ? (size_t)n : 1;

	if (t > LOAD_THREADS_MAX)
		t = LOAD_THREADS_MAX;
	if (jobs < LOAD_THREADS_MIN_FILES)
		t = 1;
	return t;
}

void load_prepare_all(struct load_job *const *jobs, size_t count)
{
	pthread_t tid[LOAD_THREADS_MAX];
	struct batch b;
	size_t i, started = 0, want = thread_count(count);

	b.jobs = jobs;
	b.count = count;
	atomic_init(&b.next, 0);
	/* a thread that cannot be started leaves its share to the others */
	while (started + 1 < want && pthread_create(&tid[started], NULL, worker, &b) == 0)
		started++;
	worker(&b);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

void load_job_free(struct load_job *j)
{
	if (!j->borrowed)
		free(j->data);
	j->data = NULL;
	set_prepared_free(&j->prepared);
	free(j->err);
	j->err = NULL;
}
