/*
 * test_pq_load.c - loading libpq on first use (pq_load.c): a library that
 * is not there, and one that is there but is not libpq, each give
 * MIGC_EUSAGE (exit code 2) with a message naming the library and a hint
 * naming the package to install, never a crash; the real libpq loads with
 * every function resolved; migc_pq_load() fills the shared table once and
 * gives the same answer every time; the PostgreSQL driver's preload (for
 * the CLI's start-up) is that load, and only PostgreSQL URLs have one.
 */
#define _POSIX_C_SOURCE 200809L
#define MIGC_PQ_LOAD_IMPL /* the table's fields by name, not libpq's calls */

#include <string.h>

#include "engine.h" /* migc_db_preloader */
#include "migc.h"
#include "pq_load.h"
#include "unit.h"

static void test_a_missing_library_names_itself_and_the_package(void)
{
	struct migc_pq_api api;
	migc_error err;

	migc_error_clear(&err);
	CHECK_INT(migc_pq_open(&api, "libmigc-no-such-libpq.so.5", &err),
		  MIGC_EUSAGE);
	CHECK_INT(err.code, MIGC_EUSAGE);
	CHECK_INT(migc_exit_code(err.code), MIGC_EXIT_USAGE);
	CHECK_CONTAINS(err.message, "cannot load libmigc-no-such-libpq.so.5, "
		       "the PostgreSQL client library");
	CHECK_CONTAINS(err.hint, "install libpq5 on Debian and Ubuntu");
	CHECK_CONTAINS(err.hint, "postgresql-libs");
	CHECK_CONTAINS(err.hint, "SQLite URLs do not need it");
	CHECK(api.PQconnectdbParams == NULL);
}

static void test_a_library_without_libpq_functions_is_refused(void)
{
	struct migc_pq_api api;
	migc_error err;

	/* the C library: loads fine, has none of libpq's functions */
	migc_error_clear(&err);
	CHECK_INT(migc_pq_open(&api, "libc.so.6", &err), MIGC_EUSAGE);
	CHECK_CONTAINS(err.message, "libc.so.6 has no function "
		       "PQconnectdbParams");
	CHECK_CONTAINS(err.message, "older than 12");
	CHECK_CONTAINS(err.hint, "libpq5");
	CHECK(api.PQexec == NULL); /* nothing half-filled is left */
}

static void test_the_real_libpq_loads_with_every_function(void)
{
	struct migc_pq_api api;
	migc_error err;

	migc_error_clear(&err);
	CHECK_INT(migc_pq_open(&api, MIGC_LIBPQ_SONAME, &err), 0);
#define IS_SET(ret, name, params) CHECK(api.name != NULL);
	MIGC_PQ_FUNCTIONS(IS_SET)
#undef IS_SET
}

static void test_the_shared_table_is_loaded_once(void)
{
	migc_error err;

	migc_error_clear(&err);
	CHECK_INT(migc_pq_load(&err), 0);
	CHECK(migc_pq.PQconnectdbParams != NULL);
	CHECK(migc_pq.PQcancel != NULL);
	CHECK_INT(migc_pq_load(&err), 0);
	CHECK_INT(migc_pq_load(NULL), 0);
}

/* What the CLI loads on a thread of its own while it checks the bundle
 * (cli_preload_start): libpq for a PostgreSQL URL (the PG* variables
 * alone are one: ""), nothing for SQLite, an unknown URL or none. */
static void test_a_postgres_url_preloads_libpq(void)
{
	migc_preload_fn f = migc_db_preloader("postgres://u@localhost/db");

	CHECK(f != NULL);
	CHECK(migc_db_preloader("postgresql://u@localhost/db") == f);
	CHECK(migc_db_preloader("host=localhost dbname=db") == f);
	CHECK(migc_db_preloader("") == f);
	CHECK(migc_db_preloader("sqlite:app.db") == NULL);
	CHECK(migc_db_preloader("file:app.db") == NULL);
	CHECK(migc_db_preloader("mysql://u@h/db") == NULL);
	CHECK(migc_db_preloader(NULL) == NULL);
	if (f) {
		CHECK_INT(f(), 0);
		CHECK(migc_pq.PQconnectdbParams != NULL);
		CHECK_INT(f(), 0); /* again: nothing more */
	}
}

int main(void)
{
	RUN(test_a_missing_library_names_itself_and_the_package);
	RUN(test_a_library_without_libpq_functions_is_refused);
	RUN(test_the_real_libpq_loads_with_every_function);
	RUN(test_the_shared_table_is_loaded_once);
	RUN(test_a_postgres_url_preloads_libpq);
	return unit_done();
}
