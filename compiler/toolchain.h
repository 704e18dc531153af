/*
 * toolchain.h - turning a bundle into the release binary: finding the
 * runtime (libmigc.a and migc.h) and running the C compiler.
 */
#ifndef MIGC_TOOLCHAIN_H
#define MIGC_TOOLCHAIN_H

#include "migc.h"

/*
 * What a release binary links besides libmigc.a, set by the Makefile (its
 * LINK_LIBS): SQLite statically when libsqlite3.a was there when migc was
 * built ("-Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm ..."), else the shared
 * library; then -pthread (and -ldl before glibc 2.34). The environment
 * variable MIGC_LINK_LIBS replaces it.
 */
#ifndef MIGC_LINK_LIBS
#define MIGC_LINK_LIBS "-lsqlite3 -lm -pthread"
#endif

/* Where the runtime is. */
struct toolchain {
	char *library;     /* path of libmigc.a */
	char *include_dir; /* directory holding migc.h */
};

/*
 * Find the runtime: $MIGC_LIBDIR and $MIGC_INCLUDEDIR when set; else next
 * to the migc executable (the build tree: <dir>/libmigc.a and
 * <dir>/include); else an installation (<dir>/../lib, <dir>/../include);
 * else the prefix migc was built for.
 */
int toolchain_find(struct toolchain *tc, migc_error *err);
void toolchain_free(struct toolchain *tc);

/*
 * Compile and link `bundle_c` into the executable `output`:
 *   $CC $CFLAGS -I<include> -DMIGC_BUNDLE_MAIN bundle.c libmigc.a
 *       <link libs> $LDFLAGS -o output
 * CC defaults to "cc" and CFLAGS to "-O2"; <link libs> are $MIGC_LINK_LIBS,
 * else what migc was built with; all are split on whitespace.
 * The compiler's messages go to stderr as they come. The binary appears
 * at `output` only when the compiler succeeded.
 */
int toolchain_link(const struct toolchain *tc, const char *bundle_c,
		   const char *output, migc_error *err);

#endif /* MIGC_TOOLCHAIN_H */
