/*
 * template.h - a very small template language for the files migc renders
 * (the bundle today; Dockerfiles and CI files later).
 *
 *   {{name}}              the value of `name`, written by the caller
 *   {{#name}} ... {{/name}}  a section: rendered 0, 1 or n times, as the
 *                         caller says; a list section renders once per
 *                         item, and {{name}}s inside see that item
 *   {{! text }}           a comment, not rendered (may span lines)
 *
 * A section or comment tag alone on its line takes the whole line with it,
 * so templates can be laid out readably without blank lines leaking into
 * the output. Values are written by the caller as they are: escaping is the
 * caller's business (it knows whether a value goes in a string literal, a
 * comment or code). Sections of the same name do not nest.
 */
#ifndef MIGC_TEMPLATE_H
#define MIGC_TEMPLATE_H

#include <stddef.h>

#include "emit.h"
#include "migc.h"

struct tpl_vars {
	/*
	 * Write the value of `name` for `item` (the index in the innermost
	 * list section, 0 outside any). Return 0, MIGC_ENOTFOUND for a name
	 * the caller does not know, or another error code.
	 */
	int (*value)(void *data, const char *name, size_t item,
		     struct emit_out *out);
	/*
	 * How many times section `name` renders (0: hidden), or -1 when it is
	 * unknown. Set `*list` to 1 when the section walks items, so that
	 * values inside it see the item index.
	 */
	long (*section)(void *data, const char *name, size_t item, int *list);
	void *data;
};

/*
 * Render `tpl[0..len)` into `out`. Fails with MIGC_ERROR and a message
 * naming `tpl_name` and the line for an unknown name or a malformed
 * template, or with the code a callback returned.
 */
int tpl_render(const char *tpl_name, const char *tpl, size_t len,
	       const struct tpl_vars *vars, struct emit_out *out,
	       migc_error *err);

#endif /* MIGC_TEMPLATE_H */
