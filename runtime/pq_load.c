/*
 * pq_load.c - loading libpq on first use (see pq_load.h).
 *
 * Why a table behind libpq's own names (#define PQexec (migc_pq.PQexec))
 * rather than `pq->exec(...)` at every call site: the driver's 250-odd
 * libpq calls stay exactly as libpq's documentation writes them, so
 * reading, reviewing and grepping the driver is unchanged, and no call can
 * quietly bypass the table: the release binary no longer links -lpq, so a
 * name without its #define would be an undefined reference at link time.
 * Each function's type is written once, in MIGC_PQ_FUNCTIONS; below, every
 * entry is compared with libpq-fe.h's declaration at compile time, without
 * referencing the symbol.
 *
 * dlopen(RTLD_NOW | RTLD_LOCAL): every symbol is bound at once, so a
 * broken library fails here with a message rather than later with a
 * crash, and nothing of libpq's leaks into the global namespace. The
 * handle is never closed (libpq keeps process-wide state: OpenSSL, the
 * Kerberos library).
 *
 * A missing library is MIGC_EUSAGE (exit code 2, "usage or configuration
 * error"): the machine is not set up for the URL it was given, which
 * retrying (--wait) cannot fix, unlike MIGC_ECONNECT (exit code 5).
 */
#define _POSIX_C_SOURCE 200809L
#define MIGC_PQ_LOAD_IMPL /* libpq's names mean libpq's declarations here */

#include "pq_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "util.h"

struct migc_pq_api migc_pq;

/* Each entry's type must be libpq-fe.h's (a distinct pointer type in the
 * comparison is an error under -Werror); sizeof evaluates nothing, so no
 * reference to the symbol is made. */
#define MIGC_PQ_CHECK(ret, name, params)                                 \
	_Static_assert(sizeof(name == (ret(*) params)0) > 0,             \
		       #name " is declared as in libpq-fe.h");
MIGC_PQ_FUNCTIONS(MIGC_PQ_CHECK)
MIGC_PQ_OPTIONAL(MIGC_PQ_CHECK)
#undef MIGC_PQ_CHECK

static void install_hint(migc_error *err)
{
	migc_err_hint(err, "PostgreSQL URLs need the libpq client library "
		      "(version 12 or newer): install libpq5 on Debian and "
		      "Ubuntu, libpq on Alpine, Fedora and RHEL, "
		      "postgresql-libs on Arch; SQLite URLs do not need it");
}

/* dlsym()'s answer as a function pointer (POSIX guarantees the sizes
 * match; ISO C has no cast between the two kinds of pointer). */
static void *resolve(void *handle, const char *name, void *fn, size_t size)
{
	void *sym;

	dlerror();
	sym = dlsym(handle, name);
	if (sym && size == sizeof(sym))
		memcpy(fn, &sym, size);
	return sym;
}

int migc_pq_open(struct migc_pq_api *api, const char *soname,
		 migc_error *err)
{
	const char *missing = NULL;
	void *handle;

	memset(api, 0, sizeof(*api));
	handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();

		migc_err(err, MIGC_EUSAGE, "cannot load %s, the PostgreSQL "
			 "client library: %s", soname, why ? why : "not found");
		install_hint(err);
		return MIGC_EUSAGE;
	}
#define MIGC_PQ_RESOLVE(ret, name, params)                                \
	if (!missing && !resolve(handle, #name, &api->name, sizeof(api->name))) \
		missing = #name;
	MIGC_PQ_FUNCTIONS(MIGC_PQ_RESOLVE)
#undef MIGC_PQ_RESOLVE
#define MIGC_PQ_RESOLVE(ret, name, params)                                \
	resolve(handle, #name, &api->name, sizeof(api->name));
	MIGC_PQ_OPTIONAL(MIGC_PQ_RESOLVE)
#undef MIGC_PQ_RESOLVE
	if (missing) {
		memset(api, 0, sizeof(*api));
		dlclose(handle);
		migc_err(err, MIGC_EUSAGE, "%s has no function %s: it is not "
			 "libpq, or a libpq older than 12", soname, missing);
		install_hint(err);
		return MIGC_EUSAGE;
	}
	return 0;
}

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static migc_error load_err;
static int load_rc;

static void load(void)
{
	load_rc = migc_pq_open(&migc_pq, MIGC_LIBPQ_SONAME, &load_err);
}

int migc_pq_load(migc_error *err)
{
	if (pthread_once(&load_once, load) != 0)
		return migc_err(err, MIGC_ERROR, "cannot load %s: pthread_once "
				"failed", MIGC_LIBPQ_SONAME);
	if (load_rc && err)
		*err = load_err;
	return load_rc;
}
