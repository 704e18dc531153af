/*
 * load.h - reading a source into a validated, ordered migration set, with
 * every invalid file reported (not just the first).
 */
#ifndef MIGC_LOAD_H
#define MIGC_LOAD_H

#include "migc.h"
#include "source.h"

/* At most this many problems are passed to the report callback. */
#define LOAD_MAX_SHOWN 20

/* Called once per invalid file (or duplicate) found. */
typedef void (*load_report_fn)(void *ctx, const migc_error *problem);

/*
 * Walk `src` into a new set and finish it, reading the files as `layout`
 * (0: the layout the files show, see layout_detect()). Each invalid file goes to
 * `report` (the first LOAD_MAX_SHOWN of them). Returns 0 with `*out` set
 * (freed with migc_set_free), MIGC_EINVALID with a one-line summary in
 * `err` when anything was invalid (`*problems` says how many, may be
 * NULL), or another code when the source could not be read at all.
 */
int load_set(migc_set **out, struct migc_source *src, migc_layout layout,
	     load_report_fn report, void *report_ctx, size_t *problems,
	     migc_error *err);

/*
 * The layout of the files `src` holds (layout_detect()), for commands that
 * read files without building a set (`migc check`, `migc new`).
 */
int load_detect_layout(migc_layout *out, struct migc_source *src,
		       migc_error *err);

#endif /* MIGC_LOAD_H */
