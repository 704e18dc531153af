/*
 * load.c - walking a source into a migration set.
 *
 * The loader keeps going after an invalid file so that one run shows every
 * problem (up to LOAD_MAX_SHOWN), the way a compiler reports more than its
 * first error. Validation itself is the library's (migc_set_add and
 * migc_set_finish): the compiler and the runtime agree on what a valid
 * migration is because they run the same code.
 */
#define _POSIX_C_SOURCE 200809L

#include "load.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulk.h"
#include "layout.h"
#include "load_threads.h"
#include "util.h"

/* One file as the walk reported it, kept until the layout is known. */
struct loaded_file {
	char *filename;
	char *display;
	char *data; /* malloc'd, or in the loader's `text` arena (`borrowed`) */
	size_t len;
	int borrowed;
	struct load_job *ahead; /* prepared during the walk (struct ahead), or NULL */
};

/*
 * Preparing native files during the walk. Most of a build of migc's own
 * layout is the walk (reading the files) and then preparing them (checks
 * and hash, load_threads.c), which reads all the bytes again, from memory
 * by then. While the walk reads the next files, a thread of the loader
 * prepares those it has read, a few files behind it, while their bytes are
 * still in the cache. The layout is only known after the walk, so this is
 * done ahead of knowing it: for migc's own layout the results are used
 * (the same set_prepare() of the same bytes, added in file order, as
 * before), for another the jobs are dropped. So that another layout still
 * sees a file's bytes as they were read, only files that preparing does
 * not change are prepared ahead: no byte order mark and no CR (nothing
 * for canonicalisation to do); the others, and those of a subdirectory,
 * are prepared after the walk as before. When the layout is to be
 * detected, the thread also classifies each file it prepares for
 * layout_detect (layout_classify_file()) while the bytes are in the cache,
 * rather than reading all of them again, from memory, after the walk.
 */
struct ahead {
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* a job was queued, or the walk ended */
	struct load_job **queue;  /* to prepare, in walk order */
	size_t queued, taken, cap;
	int walk_done;
	int sleeping;             /* the thread waits on `cond` */
	int classify;             /* the layout is to be detected */
	struct migc_arena jobs;   /* the jobs (the walk's thread allocates) */
};

struct loader {
	migc_set *set;
	const struct migc_source *src;
	load_report_fn report;
	void *report_ctx;
	size_t problems;
	struct loaded_file *files;
	size_t count, cap;
	migc_buf dirs; /* subdirectories' display names, NUL-separated */
	/* the files' bytes, read into huge-page blocks (bulk.h) rather than
	 * one malloc (and one page fault per 4 KiB) each; the set keeps them */
	struct migc_arena text;
	struct ahead ahead;
};

static void loader_problem(struct loader *l, const migc_error *problem)
{
	if (l->problems++ < LOAD_MAX_SHOWN && l->report)
		l->report(l->report_ctx, problem);
}

/* Layouts with one directory per migration. */
static int layout_has_dirs(migc_layout layout)
{
	return layout == MIGC_LAYOUT_DIESEL || layout == MIGC_LAYOUT_PRISMA;
}

static int on_dir(void *ctx, const char *name, const char *display,
		  migc_error *err)
{
	struct loader *l = ctx;

	(void)name;
	if (migc_buf_put(&l->dirs, display, strlen(display) + 1))
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	return 0;
}

/* Outside diesel and prisma a subdirectory is a problem (once, not once per
 * file in it): migration files sit directly in the directory. */
static void report_dirs(struct loader *l, migc_layout layout)
{
	size_t off = 0;

	if (layout_has_dirs(layout))
		return;
	while (off < l->dirs.len) {
		const char *display = l->dirs.data + off;
		migc_error e;

		migc_err(&e, MIGC_EINVALID, "%s: not a regular file (a directory)", display);
		migc_err_where(&e, display, 0);
		migc_err_hint(&e, "migration files sit directly in '%s' (only diesel and "
			      "prisma keep a directory per migration); move its files "
			      "up or the directory out", l->src->where);
		loader_problem(l, &e);
		off += strlen(display) + 1;
	}
}


/*
 * Messages about a file name name the base name; say where it is, as the
 * content messages do ("migrations/x.txt: ...").
 */
static void name_with_path(migc_error *err, const char *filename,
			   const char *display)
{
	size_t fl = strlen(filename);
	char rest[sizeof(err->message)];

	if (strcmp(filename, display) == 0 ||
	    strncmp(err->message, filename, fl) != 0 || err->message[fl] != ':')
		return;
	migc_strlcpy(rest, err->message + fl, sizeof(rest));
	snprintf(err->message, sizeof(err->message), "%s%s", display, rest);
}

/* A file that could not be added: a problem to report, or MIGC_ENOMEM. */
static int add_failed(struct loader *l, const struct loaded_file *f, int rc,
		      migc_error *err)
{
	if (rc == MIGC_ENOMEM)
		return rc;
	name_with_path(err, f->filename, f->display);
	loader_problem(l, err);
	return 0;
}

/* Add a file, handing its bytes to the set (no copy) when malloc'd. */
static int add_file(struct loader *l, struct loaded_file *f, migc_error *err)
{
	char *data = f->data;
	int rc;

	if (f->borrowed) {
		rc = migc_set_add(l->set, f->filename, f->display, data, f->len, err);
	} else {
		f->data = NULL;
		rc = migc_set_add_owned(l->set, f->filename, f->display, data, f->len, err);
	}
	return rc ? add_failed(l, f, rc, err) : 0;
}

/* Whether file `f` goes into the set (a subdirectory's files only in the
 * layouts that have them; report_dirs() names the others). */
static int file_wanted(const struct loader *l, const struct loaded_file *f)
{
	return layout_has_dirs(migc_set_layout(l->set)) || !strchr(f->filename, '/');
}

/*
 * Add every file of migc's own layout: prepared on several threads
 * (load_threads.c), added here in file order, so that the set and the
 * problems, in their order, are those of adding one file after another.
 */
static int add_native_files(struct loader *l, migc_error *err)
{
	/* the jobs prepared during the walk, and one for each other file
	 * (~800 bytes: a parsed name holds two 256-byte arrays) from the same
	 * arena of huge-page blocks */
	struct load_job **jobs = l->count <= (size_t)-1 / sizeof(*jobs)
				 ? malloc((l->count ? l->count : 1) * sizeof(*jobs)) : NULL;
	size_t i;
	int rc = 0;

	if (!jobs)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; i < l->count && !rc; i++) {
		struct loaded_file *f = &l->files[i];
		struct load_job *j = f->ahead;

		if (!j) {
			j = migc_arena_alloc(&l->ahead.jobs, sizeof(*j), 16);
			if (!j) {
				rc = migc_err(err, MIGC_ENOMEM, "out of memory");
				break;
			}
			memset(j, 0, sizeof(*j));
			j->filename = f->filename;
			j->display = f->display;
			j->skip = !file_wanted(l, f);
			if (!j->skip) {
				j->data = f->data;
				j->len = f->len;
				j->borrowed = f->borrowed;
				f->data = NULL;
			}
		}
		f->ahead = NULL;
		jobs[i] = j;
	}
	if (rc) { /* jobs[0, i) are the arena's; the rest stay the files' */
		while (i--)
			load_job_free(jobs[i]);
		free(jobs);
		return rc;
	}
	load_prepare_all(jobs, l->count);
	for (i = 0; i < l->count && !rc; i++) {
		struct load_job *j = jobs[i];

		if (j->skip)
			continue;
		if (!j->rc) {
			rc = set_add_prepared(l->set, &j->prepared, err);
		} else if (!j->err) {
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
		} else {
			*err = *j->err;
			rc = add_failed(l, &l->files[i], j->rc, err);
		}
	}
	for (i = 0; i < l->count; i++)
		load_job_free(jobs[i]);
	free(jobs);
	return rc;
}

/* The thread waits for this many files at a time (not a wake-up each). */
#define AHEAD_BATCH 16

/* Take queued jobs and prepare them until the walk has ended and none is
 * left (the thread, and the walk's thread once the walk is over). */
static void ahead_drain(struct ahead *a)
{
	for (;;) {
		size_t from, to;

		pthread_mutex_lock(&a->lock);
		while (a->queued - a->taken < AHEAD_BATCH && !a->walk_done) {
			a->sleeping = 1;
			pthread_cond_wait(&a->cond, &a->lock);
			a->sleeping = 0;
		}
		from = a->taken;
		to = a->queued;
		a->taken = to;
		pthread_mutex_unlock(&a->lock);
		if (from == to)
			return;
		/* the queue may be moved by the walk meanwhile: each job
		 * pointer is read under the lock */
		for (; from < to; from++) {
			struct load_job *j;

			pthread_mutex_lock(&a->lock);
			j = a->queue[from];
			pthread_mutex_unlock(&a->lock);
			if (a->classify) { /* before preparing: it takes the data */
				layout_classify_file(&j->cls, j->filename, j->data, j->len);
				j->classified = 1;
			}
			load_prepare_one(j);
		}
	}
}

static void *ahead_main(void *arg)
{
	ahead_drain(arg);
	return NULL;
}

/* Start preparing ahead when it can pay: migc's own layout possible (asked
 * for, or to be detected) and a second processor. */
static void ahead_start(struct ahead *a, migc_layout asked)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(a, 0, sizeof(*a));
	if ((asked && asked != MIGC_LAYOUT_MIGC) || cpus < 2)
		return;
	a->classify = !asked;
	if (pthread_mutex_init(&a->lock, NULL) != 0)
		return;
	if (pthread_cond_init(&a->cond, NULL) != 0) {
		pthread_mutex_destroy(&a->lock);
		return;
	}
	if (pthread_create(&a->thread, NULL, ahead_main, a) != 0) {
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
		return;
	}
	a->running = 1;
}

/* The walk is over: prepare what is left (with the thread), then end it.
 * Every queued job is prepared when this returns. */
static void ahead_finish(struct ahead *a)
{
	if (!a->running)
		return;
	pthread_mutex_lock(&a->lock);
	a->walk_done = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	ahead_drain(a);
	pthread_join(a->thread, NULL);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	a->running = 0;
}

/* Queue file `f` (just kept, its bytes in the arena) to be prepared ahead,
 * when preparing leaves its bytes as they are. Out of memory: not queued. */
static void ahead_queue(struct loader *l, struct loaded_file *f)
{
	struct ahead *a = &l->ahead;
	const unsigned char *d = (const unsigned char *)f->data;
	struct load_job *j;

	if (!a->running || strchr(f->filename, '/') ||
	    (f->len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) ||
	    memchr(f->data, '\r', f->len))
		return;
	j = migc_arena_alloc(&a->jobs, sizeof(*j), 16);
	if (!j)
		return;
	memset(j, 0, sizeof(*j));
	j->filename = f->filename;
	j->display = f->display;
	j->data = f->data;
	j->len = f->len;
	j->borrowed = 1;
	pthread_mutex_lock(&a->lock);
	if (a->queued == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 1024;
		struct load_job **q = realloc(a->queue, cap * sizeof(*q));

		if (!q) {
			pthread_mutex_unlock(&a->lock);
			return;
		}
		a->queue = q;
		a->cap = cap;
	}
	a->queue[a->queued++] = j;
	if (a->sleeping && a->queued - a->taken >= AHEAD_BATCH)
		pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	f->ahead = j;
}

/* Drop the jobs prepared ahead that were not used (after ahead_finish). */
static void ahead_free(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (l->files[i].ahead)
			load_job_free(l->files[i].ahead);
		l->files[i].ahead = NULL;
	}
	free(l->ahead.queue);
	l->ahead.queue = NULL;
	migc_arena_clear(&l->ahead.jobs);
}

/* The walk's visitor: keep the file (the layout is judged on all of them),
 * `data` with a NUL after its bytes: taken over when malloc'd, else
 * (`borrowed`) in the loader's arena. */
static int keep_file(struct loader *l, const char *filename,
		     const char *display, char *data, size_t len, int borrowed,
		     migc_error *err)
{
	struct loaded_file *f;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct loaded_file *p = realloc(l->files, cap * sizeof(*p));

		if (!p) {
			if (!borrowed)
				free(data);
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		}
		l->files = p;
		l->cap = cap;
	}
	f = &l->files[l->count];
	f->filename = migc_strdup(filename);
	f->display = migc_strdup(display);
	f->data = data;
	f->len = len;
	f->borrowed = borrowed;
	f->ahead = NULL;
	if (!f->filename || !f->display || !f->data) {
		free(f->filename);
		free(f->display);
		if (!borrowed)
			free(f->data);
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	l->count++;
	return 0;
}

/* A source's own buffer, handed over (the directory source). */
static int on_file_owned(void *ctx, const char *filename, const char *display,
			 char *data, size_t len, migc_error *err)
{
	return keep_file(ctx, filename, display, data, len, 0, err);
}

/* Room for a file in the loader's arena (source.h), or NULL. */
static char *file_room(void *ctx, size_t size)
{
	struct loader *l = ctx;

	return migc_arena_alloc(&l->text, size, 1);
}

/* A file read into the room of file_room(). */
static int on_file_placed(void *ctx, const char *filename, const char *display,
			  char *data, size_t len, migc_error *err)
{
	struct loader *l = ctx;
	int rc = keep_file(l, filename, display, data, len, 1, err);

	if (!rc)
		ahead_queue(l, &l->files[l->count - 1]);
	return rc;
}

/* Bytes valid only during the call (the git source): kept as a copy. */
static int on_file(void *ctx, const char *filename, const char *display,
		   const char *data, size_t len, migc_error *err)
{
	char *copy = malloc(len + 1);

	if (copy) {
		if (len)
			memcpy(copy, data, len);
		copy[len] = '\0';
	}
	return keep_file(ctx, filename, display, copy, len, 0, err);
}

static int on_problem(void *ctx, const migc_error *problem)
{
	loader_problem(ctx, problem);
	return 0;
}

static void loader_free_files(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		free(l->files[i].filename);
		free(l->files[i].display);
		if (!l->files[i].borrowed)
			free(l->files[i].data);
	}
	free(l->files);
	l->files = NULL;
	l->count = l->cap = 0;
	migc_buf_free(&l->dirs);
}

/* The layout the kept files show: each file classified by the thread
 * preparing ahead (struct ahead), or here. */
static int detect_files(struct loader *l, migc_layout *found, migc_error *err)
{
	const char **paths;
	struct layout_file_class *classes;
	size_t i;
	int rc = 0;

	paths = malloc((l->count + 1) * sizeof(*paths));
	classes = malloc((l->count + 1) * sizeof(*classes));
	if (!paths || !classes)
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; !rc && i < l->count; i++) {
		const struct loaded_file *f = &l->files[i];

		paths[i] = f->filename;
		if (f->ahead && f->ahead->classified)
			classes[i] = f->ahead->cls;
		else
			layout_classify_file(&classes[i], f->filename, f->data, f->len);
	}
	if (!rc)
		rc = layout_detect_classified(found, l->count, paths, classes, err);
	if (rc && rc != MIGC_ENOMEM)
		migc_err_prefix(err, "%s", l->src->where);
	free(paths);
	free(classes);
	return rc;
}

/* Which layout: the one asked for, or the one the files show. */
static int choose_layout(struct loader *l, migc_layout asked, migc_error *err)
{
	migc_layout found = asked;
	int rc = asked ? 0 : detect_files(l, &found, err);

	return rc ? rc : migc_set_set_layout(l->set, found, err);
}

int load_detect_layout(migc_layout *out, struct migc_source *src,
		       migc_error *err)
{
	struct migc_source_visitor v;
	struct loader l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.src = src;
	v.file = on_file;
	v.file_owned = on_file_owned;
	v.room = NULL;
	v.file_placed = NULL;
	v.problem = on_problem;
	v.dir = NULL;
	v.ctx = &l;
	*out = MIGC_LAYOUT_MIGC;
	rc = src->walk(src, &v, err);
	if (!rc)
		rc = detect_files(&l, out, err);
	loader_free_files(&l);
	return rc;
}


int load_set(migc_set **out, struct migc_source *src, migc_layout layout,
	     load_report_fn report, void *report_ctx, size_t *problems,
	     migc_error *err)
{
	struct migc_source_visitor v;
	struct loader l;
	size_t i;
	int rc;

	*out = NULL;
	if (problems)
		*problems = 0;
	memset(&l, 0, sizeof(l));
	l.src = src;
	l.report = report;
	l.report_ctx = report_ctx;
	rc = migc_set_new(&l.set, err);
	if (rc)
		return rc;
	v.file = on_file;
	v.file_owned = on_file_owned;
	v.room = file_room;
	v.file_placed = on_file_placed;
	v.problem = on_problem;
	v.dir = on_dir;
	v.ctx = &l;
	ahead_start(&l.ahead, layout);
	rc = src->walk(src, &v, err);
	ahead_finish(&l.ahead);
	if (!rc)
		rc = choose_layout(&l, layout, err);
	if (!rc)
		report_dirs(&l, migc_set_layout(l.set));
	if (!rc && migc_set_layout(l.set) == MIGC_LAYOUT_MIGC)
		rc = add_native_files(&l, err);
	for (i = 0; !rc && migc_set_layout(l.set) != MIGC_LAYOUT_MIGC && i < l.count; i++) {
		if (file_wanted(&l, &l.files[i]))
			rc = add_file(&l, &l.files[i], err);
		/* another tool's layout keeps a copy: give the bytes back now,
		 * so that the next copy reuses them instead of new pages */
		if (!l.files[i].borrowed)
			free(l.files[i].data);
		l.files[i].data = NULL;
	}
	ahead_free(&l);
	loader_free_files(&l);
	if (migc_set_layout(l.set) != MIGC_LAYOUT_MIGC)
		migc_arena_clear(&l.text); /* the set has copies */
	if (!rc) {
		/* Duplicates among the valid files are worth showing too. */
		rc = migc_set_finish(l.set, err);
		if (rc && rc != MIGC_ENOMEM) {
			migc_err_prefix(err, "%s", src->where);
			loader_problem(&l, err);
			rc = 0;
		}
	}
	if (!rc && l.problems) {
		rc = migc_err(err, MIGC_EINVALID, "%zu problem%s in '%s'%s", l.problems,
			      l.problems == 1 ? "" : "s", src->where,
			      l.problems > LOAD_MAX_SHOWN ? " (the first ones are shown)" : "");
	}
	if (problems)
		*problems = l.problems;
	if (!rc) /* the set's entries borrow the files' bytes */
		rc = set_keep_arena(l.set, &l.text, err);
	if (rc) {
		migc_set_free(l.set);
		migc_arena_clear(&l.text);
		return rc;
	}
	*out = l.set;
	return 0;
}
