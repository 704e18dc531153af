/*
 * pg_url.h - what users put in DATABASE_URL, turned into libpq connection
 * parameters for the PostgreSQL driver, without ever printing a password.
 *
 * Accepted forms: "postgres://..." and "postgresql://..." URLs, libpq
 * key=value strings ("host=/tmp port=5432 dbname=app"), and "" (everything
 * from the PG* environment variables). libpq parses them
 * (PQconninfoParse); this file only prepares a URL's query string first,
 * because other tools put parameters in DATABASE_URL that libpq rejects
 * with an error that echoes the whole URL, password included:
 *
 *   search_path=a,b  schema=a (Prisma)  currentSchema=a (JDBC)
 *                    -> options=-csearch_path=a,b
 *   ssl=true|false   -> sslmode=require|disable (when sslmode is not set)
 *   x-* (golang-migrate), pgbouncer, connection_limit, pool_timeout,
 *   statement_cache_size, socket_timeout (Prisma), pool_* and statement
 *   cache settings (pgx)
 *                    -> ignored, with a warning naming the parameter
 *   anything else libpq does not know
 *                    -> refused (MIGC_EUSAGE) naming the parameter
 *
 * Then defaults are added where the user set nothing (in the string or in
 * the environment): fallback_application_name (see below),
 * connect_timeout (from opts->wait_ms, 2 to 10 s), TCP keepalives
 * (keepalives=1, idle 30 s, interval 10 s, count 3, so a dead network is
 * noticed within about a minute), client_encoding=UTF8 (error positions
 * are counted in characters of the text we send). Everything else, such
 * as sslmode, passes through untouched.
 *
 * The application name is a prefix (a fallback_application_name in the
 * string, else opts->application_name, else "migc"), a space and a random
 * token of this connection, e.g. "migc 3fa2c1d0": pg_stat_activity then
 * tells this runner's backends from every other's, also behind PgBouncer,
 * which gives the client's name to whichever server connection it lends
 * (driver_pg_history.c relies on it). When the user named the application
 * (application_name in the string, or PGAPPNAME), libpq uses that name and
 * there is no token (nor does one reach the server when a service file
 * names it: the driver checks what the server shows before relying on it).
 *
 * The migration lock key is computed here too, so tests and DBAs can
 * compute it the same way: see migc_pg_lock_key().
 */
#ifndef MIGC_PG_URL_H
#define MIGC_PG_URL_H

#include <stddef.h>

#include "migc.h"

#define MIGC_PG_MAX_SECRETS 4
#define MIGC_PG_TOKEN_LEN 8     /* hex characters of the runner token */
#define MIGC_PG_APP_NAME_MAX 63 /* bytes pg_stat_activity keeps */

/* Connection parameters, ready for PQconnectdbParams(keys, values, 0). */
struct migc_pg_conninfo {
	const char **keys;   /* NULL-terminated; every string is owned */
	const char **values; /* parallel to keys */
	size_t count, cap;
	/* values that must never be printed (password, sslpassword,
	 * PGPASSWORD), for migc_pg_scrub() */
	char *secrets[MIGC_PG_MAX_SECRETS];
	size_t nsecrets;
	/* one warning per ignored URL parameter */
	char **warnings;
	size_t nwarnings;
	/* the token in fallback_application_name; "" when the user named
	 * the application */
	char app_token[MIGC_PG_TOKEN_LEN + 1];
};

/* 1 for "postgres://", "postgresql://", "key=value ..." and "". */
int migc_pg_accepts(const char *url);

/*
 * Build `ci` from `url` and `opts`. MIGC_EUSAGE for a malformed string or
 * a parameter that cannot be used, with a message that names at most the
 * parameter, never a value; MIGC_ENOMEM. Free with migc_pg_conninfo_free
 * (also after a failure).
 */
int migc_pg_conninfo_build(struct migc_pg_conninfo *ci, const char *url,
			   const migc_options *opts, migc_error *err);
void migc_pg_conninfo_free(struct migc_pg_conninfo *ci);

/* The value set for `key`, or NULL. */
const char *migc_pg_conninfo_get(const struct migc_pg_conninfo *ci,
				 const char *key);

/*
 * "PREFIX TOKEN" into out[size], at most MIGC_PG_APP_NAME_MAX bytes: the
 * prefix is cut (at a UTF-8 character boundary) so the token always fits
 * whole. Just the (cut) prefix when `token` is empty.
 */
void migc_pg_app_name(char *out, size_t size, const char *prefix,
		      const char *token);

/* Replace, in place, every occurrence of `secret` in `text` with "***"
 * (or as many stars as it has characters, when shorter). */
void migc_pg_scrub(char *text, const char *secret);

/* Scrub every one of `secrets` from err's message, hint and file. */
void migc_pg_scrub_error(migc_error *err, char *const *secrets,
			 size_t nsecrets);

/*
 * The advisory lock key of a history table: the 64-bit FNV-1a hash of the
 * bytes "migc:" SCHEMA "." TABLE, read as a signed bigint. In Python:
 *
 *   h = 0xcbf29ce484222325
 *   for b in b"migc:public.migc_history":
 *       h = ((h ^ b) * 0x100000001b3) % 2**64
 *   key = h - 2**64 if h >= 2**63 else h
 *
 * pg_locks shows it as classid = key >> 32, objid = key & 0xffffffff.
 */
long long migc_pg_lock_key(const char *schema, const char *table);

#endif /* MIGC_PG_URL_H */
