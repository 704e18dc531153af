/*
 * render.h - rendering a finished migration set as a C bundle
 * (templates/bundle.c.in), the file `migc build` writes.
 */
#ifndef MIGC_RENDER_H
#define MIGC_RENDER_H

#include "emit.h"
#include "migc.h"

#define RENDER_DEFAULT_SYMBOL "migc_embedded_bundle"

struct render_info {
	const char *symbol;        /* C name of the bundle; NULL: the default */
	const char *source_commit; /* commit the files came from; NULL or "" */
	int source_dirty;          /* 1 dirty, 0 clean, -1 unknown */
	int one_thread;            /* 1: render the SQL on the caller's thread
				      only (tests); 0: big chunks on two */
};

/*
 * 0 when `name` can name the bundle: a C identifier that is not a keyword,
 * not reserved (`_X`, `__x`), and not one of the names the bundle itself
 * uses (`main`, `entries`, `sql_<n>`). MIGC_EUSAGE otherwise.
 */
int render_symbol_check(const char *name, migc_error *err);

/*
 * Write the bundle for `set` (finished) to `out`. Deterministic: the same
 * set and info give the same bytes.
 */
int render_bundle(struct emit_out *out, const migc_set *set,
		  const struct render_info *info, migc_error *err);

#endif /* MIGC_RENDER_H */
