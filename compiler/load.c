/*
 * load.c - walking a source into a migration set.
 *
 * The loader keeps going after an invalid file so that one run shows every
 * problem (up to LOAD_MAX_SHOWN), the way a compiler reports more than its
 * first error. Validation itself is the library's (migc_set_add and
 * migc_set_finish): the compiler and the runtime agree on what a valid
 * migration is because they run the same code.
 */
#include "load.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

struct loader {
	migc_set *set;
	const struct migc_source *src;
	load_report_fn report;
	void *report_ctx;
	size_t problems;
};

static void loader_problem(struct loader *l, const migc_error *problem)
{
	if (l->problems++ < LOAD_MAX_SHOWN && l->report)
		l->report(l->report_ctx, problem);
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

static int on_file(void *ctx, const char *filename, const char *display,
		   const char *data, size_t len, migc_error *err)
{
	struct loader *l = ctx;
	int rc = migc_set_add(l->set, filename, display, data, len, err);

	if (!rc || rc == MIGC_ENOMEM)
		return rc;
	name_with_path(err, filename, display);
	loader_problem(l, err);
	return 0;
}

static int on_problem(void *ctx, const migc_error *problem)
{
	loader_problem(ctx, problem);
	return 0;
}

int load_set(migc_set **out, struct migc_source *src, load_report_fn report,
	     void *report_ctx, size_t *problems, migc_error *err)
{
	struct migc_source_visitor v;
	struct loader l;
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
	v.problem = on_problem;
	v.ctx = &l;
	rc = src->walk(src, &v, err);
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
	if (rc) {
		migc_set_free(l.set);
		return rc;
	}
	*out = l.set;
	return 0;
}
