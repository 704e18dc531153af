/*
 * bundle.h - a bundle's set whose SQL is assembled on first use.
 *
 * Not part of the public API. A bundle keeps all its SQL in one stream of
 * rows of MIGC_BUNDLE_ROW (include/migc.h), so a migration's SQL is not a
 * string in the binary (it may span rows, and the next migration follows
 * it in the same row), and migc_migration.sql must be one. The public
 * migc_bundle_load() copies every SQL into one block; on a 100 MB bundle
 * that copy was 40 % of `migrate info` (100 MB of fresh pages written,
 * then read again to hash it). Most commands never read the SQL: info,
 * status, verify and a no-op up need only the checksums, which are
 * verified against the rows in place. So the `migrate` command line loads
 * its bundle deferred and assembles a migration's SQL only where it is
 * about to run or print it.
 *
 * In a deferred set, every migration has `sql` and `down_sql` NULL until
 * set_sql_assemble(); every other field is set. migc_set_get() assembles
 * before it returns, so what the public API hands out is always complete;
 * inside the runtime, set_peek() reads a migration without assembling it,
 * for the loops over every migration that look only at names, versions,
 * flags and checksums.
 *
 * A migration whose `sql` is NULL is always such an entry: views made for
 * the driver or for events (down's) copy an assembled migration.
 *
 * Assembling cannot fail (the block is reserved at load) but writes into
 * the set: a deferred set is for one thread, as the command line and
 * migc_run() use it.
 */
#ifndef MIGC_BUNDLE_H
#define MIGC_BUNDLE_H

#include "migc.h"

/* migc_bundle_load(), every check included, with long SQL deferred. */
int bundle_load_deferred(migc_set **out, const struct migc_bundle *bundle,
			 migc_error *err);

/* The migration at `index` as it is: `sql` may be NULL (see above). */
const migc_migration *set_peek(const migc_set *set, size_t index);

/*
 * Make `m`'s `sql` and `down_sql` complete. `m` must be a migration of a
 * set (from migc_set_get, set_peek or a report row), not a copy. Nothing
 * happens when it is complete already, which is the case for every
 * migration of a set built from files or by migc_bundle_load().
 */
void set_sql_assemble(const migc_migration *m);

#endif /* MIGC_BUNDLE_H */
