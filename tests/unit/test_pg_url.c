/*
 * test_pg_url.c - what the PostgreSQL driver makes of DATABASE_URL
 * (pg_url.c): which strings it accepts; URL parameters of other tools
 * translated (search_path, Prisma's schema, ssl), ignored with a warning
 * (x-*, pgbouncer, pool settings) or refused naming the parameter; libpq
 * key=value strings passed through; the defaults it adds (application
 * name with a per-connection token, connect timeout from --wait,
 * keepalives) unless the user set them;
 * that no message ever carries the password, even when libpq's own parse
 * error would; scrubbing; the advisory lock key formula; and the duration
 * forms the PostgreSQL options take.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migc.h"
#include "pg_url.h"
#include "unit.h"
#include "util.h"

#define SECRET "hunter2Sup3r"

static migc_options opts(void)
{
	migc_options o;

	migc_options_init(&o, MIGC_OPTIONS_VERSION);
	return o;
}

/* Build, expecting success; the caller frees. */
static int build_ok(struct migc_pg_conninfo *ci, const char *url)
{
	migc_options o = opts();
	migc_error err;
	int rc;

	migc_error_clear(&err);
	rc = migc_pg_conninfo_build(ci, url, &o, &err);
	if (rc)
		unit_fail(__FILE__, __LINE__, "building from a URL failed: %s",
			  err.message);
	return rc;
}

/* Build, expecting MIGC_EUSAGE; returns the error. */
static migc_error build_fails(const char *url)
{
	struct migc_pg_conninfo ci;
	migc_options o = opts();
	migc_error err;
	int rc;

	migc_error_clear(&err);
	rc = migc_pg_conninfo_build(&ci, url, &o, &err);
	if (rc != MIGC_EUSAGE)
		unit_fail(__FILE__, __LINE__, "expected MIGC_EUSAGE for a bad "
			  "string, got %d", rc);
	migc_pg_conninfo_free(&ci);
	return err;
}

static void no_secret(const migc_error *err, const char *secret)
{
	CHECK(!strstr(err->message, secret));
	CHECK(!strstr(err->hint, secret));
}

static void test_accepts(void)
{
	CHECK(migc_pg_accepts("postgres://u@h/db"));
	CHECK(migc_pg_accepts("postgresql://h"));
	CHECK(migc_pg_accepts("host=/tmp port=5432 dbname=app"));
	CHECK(migc_pg_accepts("  dbname = app"));
	CHECK(migc_pg_accepts(""));
	CHECK(!migc_pg_accepts("sqlite:app.db"));
	CHECK(!migc_pg_accepts("file:app.db?mode=rwc"));
	CHECK(!migc_pg_accepts("mysql://u:p@h/db"));
	CHECK(!migc_pg_accepts("app.db"));
	CHECK(!migc_pg_accepts(NULL));
}

static void test_search_path_becomes_options(void)
{
	struct migc_pg_conninfo ci;

	unsetenv("PGOPTIONS");
	if (build_ok(&ci, "postgres://u:" SECRET "@db.example:6432/app"
		     "?search_path=app%2Cpublic&sslmode=require"))
		return;
	CHECK_STR(migc_pg_conninfo_get(&ci, "options"), "-csearch_path=app,public");
	CHECK(!migc_pg_conninfo_get(&ci, "search_path"));
	CHECK_STR(migc_pg_conninfo_get(&ci, "sslmode"), "require");
	CHECK_STR(migc_pg_conninfo_get(&ci, "host"), "db.example");
	CHECK_STR(migc_pg_conninfo_get(&ci, "port"), "6432");
	CHECK_STR(migc_pg_conninfo_get(&ci, "dbname"), "app");
	CHECK_STR(migc_pg_conninfo_get(&ci, "password"), SECRET);
	CHECK_INT(ci.nsecrets, 1);
	CHECK_STR(ci.secrets[0], SECRET);
	CHECK_INT(ci.nwarnings, 0);
	migc_pg_conninfo_free(&ci);

	/* joined to the URL's own options; spaces escaped the libpq way */
	if (build_ok(&ci, "postgresql://h/db?options=-c%20work_mem%3D4MB"
		     "&search_path=my%20schema"))
		return;
	CHECK_STR(migc_pg_conninfo_get(&ci, "options"),
		  "-c work_mem=4MB -csearch_path=my\\ schema");
	migc_pg_conninfo_free(&ci);

	/* an options parameter would hide PGOPTIONS: it is kept */
	setenv("PGOPTIONS", "-cstatement_timeout=5s", 1);
	if (build_ok(&ci, "postgres://h/db?schema=tenant1")) {
		unsetenv("PGOPTIONS");
		return;
	}
	unsetenv("PGOPTIONS");
	CHECK_STR(migc_pg_conninfo_get(&ci, "options"),
		  "-cstatement_timeout=5s -csearch_path=tenant1");
	migc_pg_conninfo_free(&ci);

	if (build_ok(&ci, "postgres://h/db?currentSchema=s1"))
		return;
	CHECK_STR(migc_pg_conninfo_get(&ci, "options"), "-csearch_path=s1");
	migc_pg_conninfo_free(&ci);
}

static void test_foreign_parameters_ignored_with_warnings(void)
{
	struct migc_pg_conninfo ci;
	size_t i;

	if (build_ok(&ci, "postgres://u:" SECRET "@h/db?x-migrations-table="
		     "schema_migrations&x-multi-statement=true&pgbouncer=true"
		     "&connection_limit=1&pool_timeout=10"
		     "&statement_cache_size=0&sslmode=disable"))
		return;
	CHECK_INT(ci.nwarnings, 6);
	CHECK_CONTAINS(ci.warnings[0], "\"x-migrations-table\"");
	CHECK_CONTAINS(ci.warnings[0], "golang-migrate");
	CHECK_CONTAINS(ci.warnings[2], "\"pgbouncer\"");
	CHECK_CONTAINS(ci.warnings[2], "transaction pooling");
	CHECK_CONTAINS(ci.warnings[3], "\"connection_limit\"");
	for (i = 0; i < ci.nwarnings; i++) {
		CHECK(!strstr(ci.warnings[i], SECRET));
		CHECK(!strstr(ci.warnings[i], "schema_migrations"));
	}
	CHECK(!migc_pg_conninfo_get(&ci, "x-migrations-table"));
	CHECK_STR(migc_pg_conninfo_get(&ci, "sslmode"), "disable");
	migc_pg_conninfo_free(&ci);
}

static void test_ssl_flag(void)
{
	struct migc_pg_conninfo ci;
	migc_error err;

	if (build_ok(&ci, "postgres://h/db?ssl=true"))
		return;
	CHECK_STR(migc_pg_conninfo_get(&ci, "sslmode"), "require");
	migc_pg_conninfo_free(&ci);
	/* the user's sslmode wins over the translation */
	if (build_ok(&ci, "postgres://h/db?ssl=true&sslmode=verify-full"
		     "&sslrootcert=/etc/ca.pem"))
		return;
	CHECK_STR(migc_pg_conninfo_get(&ci, "sslmode"), "verify-full");
	CHECK_STR(migc_pg_conninfo_get(&ci, "sslrootcert"), "/etc/ca.pem");
	migc_pg_conninfo_free(&ci);
	err = build_fails("postgres://h/db?ssl=maybe");
	CHECK_CONTAINS(err.message, "\"ssl\"");
}

static void test_unknown_parameters_refused(void)
{
	migc_error err;

	err = build_fails("postgres://u:" SECRET "@h/db?frobnicate=" SECRET);
	CHECK_CONTAINS(err.message, "unsupported parameter \"frobnicate\"");
	CHECK_CONTAINS(err.hint, "remove it");
	no_secret(&err, SECRET);

	err = build_fails("postgres://u:" SECRET "@h/db?sslaccept=strict");
	CHECK_CONTAINS(err.message, "\"sslaccept\"");
	CHECK_CONTAINS(err.hint, "sslmode=verify-full");
	no_secret(&err, SECRET);

	/* a key=value string: libpq names the option, we pass the name on */
	err = build_fails("host=h password=" SECRET " search_path=x");
	CHECK_CONTAINS(err.message, "unknown connection parameter \"search_path\"");
	no_secret(&err, SECRET);
}

/* libpq's own messages for these quote the password; ours must not. */
static void test_malformed_strings_never_echo_the_password(void)
{
	static const char *const bad[] = {
		"host=h password=hunter2 Sup3r",
		"host=h password='" SECRET,
		"postgresql://u:" SECRET "@[::1",
		"postgres://u:" SECRET "%zz@h/db",
		"postgres://u:" SECRET "@h/db?sslmode=%zz",
		"postgres://u:" SECRET "@h/db?novalue",
		"postgres://u:" SECRET "@h:port/db",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct migc_pg_conninfo ci;
		migc_options o = opts();
		migc_error err;
		int rc;

		migc_error_clear(&err);
		rc = migc_pg_conninfo_build(&ci, bad[i], &o, &err);
		migc_pg_conninfo_free(&ci);
		if (rc == 0)
			continue; /* libpq defers some checks to connecting */
		CHECK_INT(rc, MIGC_EUSAGE);
		no_secret(&err, SECRET);
		no_secret(&err, "hunter2");
		no_secret(&err, "Sup3r");
		CHECK(err.message[0] != '\0');
	}
}

static void test_key_value_passthrough_and_defaults(void)
{
	struct migc_pg_conninfo ci;
	migc_options o = opts();
	migc_error err;

	unsetenv("PGCONNECT_TIMEOUT");
	unsetenv("PGCLIENTENCODING");
	if (build_ok(&ci, "host=/tmp port=5432 dbname=app sslmode=prefer"))
		return;
	CHECK_STR(migc_pg_conninfo_get(&ci, "host"), "/tmp");
	CHECK_STR(migc_pg_conninfo_get(&ci, "port"), "5432");
	CHECK_STR(migc_pg_conninfo_get(&ci, "dbname"), "app");
	CHECK_STR(migc_pg_conninfo_get(&ci, "sslmode"), "prefer");
	CHECK_STR(migc_pg_conninfo_get(&ci, "connect_timeout"), "5");
	CHECK_STR(migc_pg_conninfo_get(&ci, "keepalives"), "1");
	CHECK_STR(migc_pg_conninfo_get(&ci, "keepalives_idle"), "30");
	CHECK_STR(migc_pg_conninfo_get(&ci, "keepalives_interval"), "10");
	CHECK_STR(migc_pg_conninfo_get(&ci, "keepalives_count"), "3");
	CHECK_STR(migc_pg_conninfo_get(&ci, "client_encoding"), "UTF8");
	CHECK(ci.keys[ci.count] == NULL && ci.values[ci.count] == NULL);
	migc_pg_conninfo_free(&ci);

	/* the user's settings win; the connect timeout follows --wait */
	o.application_name = "billing-release";
	o.wait_ms = 60000;
	migc_error_clear(&err);
	CHECK_INT(migc_pg_conninfo_build(&ci, "keepalives_idle=5 host=h "
					 "application_name=mine", &o, &err), 0);
	CHECK_STR(migc_pg_conninfo_get(&ci, "keepalives_idle"), "5");
	CHECK_STR(migc_pg_conninfo_get(&ci, "application_name"), "mine");
	CHECK_STR(migc_pg_conninfo_get(&ci, "fallback_application_name"),
		  "billing-release");
	CHECK_STR(ci.app_token, "");
	CHECK_STR(migc_pg_conninfo_get(&ci, "connect_timeout"), "10");
	migc_pg_conninfo_free(&ci);

	o.wait_ms = 0;
	setenv("PGCLIENTENCODING", "LATIN1", 1);
	CHECK_INT(migc_pg_conninfo_build(&ci, "", &o, &err), 0);
	unsetenv("PGCLIENTENCODING");
	CHECK_STR(migc_pg_conninfo_get(&ci, "connect_timeout"), "2");
	CHECK(!migc_pg_conninfo_get(&ci, "client_encoding"));
	CHECK(!migc_pg_conninfo_get(&ci, "host")); /* "" leaves it to PG* */
	migc_pg_conninfo_free(&ci);
}

/* MIGC_PG_TOKEN_LEN lowercase hex characters. */
static int is_token(const char *s)
{
	return strlen(s) == MIGC_PG_TOKEN_LEN &&
	       strspn(s, "0123456789abcdef") == MIGC_PG_TOKEN_LEN;
}

/* The fallback application name of `url` built with prefix `app`. */
static void app_name_of(struct migc_pg_conninfo *ci, const char *url,
			const char *app)
{
	migc_options o = opts();
	migc_error err;

	o.application_name = app;
	migc_error_clear(&err);
	CHECK_INT(migc_pg_conninfo_build(ci, url, &o, &err), 0);
}

/* Each connection's application name carries a random token, unless the
 * user named the application; at most 63 bytes, the token always whole. */
static void test_application_name_token(void)
{
	struct migc_pg_conninfo ci, ci2;
	char want[128], name[64];
	const char *got;

	unsetenv("PGAPPNAME");
	app_name_of(&ci, "host=h", NULL);
	app_name_of(&ci2, "host=h", "migc");
	CHECK(is_token(ci.app_token));
	CHECK(is_token(ci2.app_token));
	CHECK(strcmp(ci.app_token, ci2.app_token) != 0);
	snprintf(want, sizeof(want), "migc %s", ci.app_token);
	CHECK_STR(migc_pg_conninfo_get(&ci, "fallback_application_name"), want);
	snprintf(want, sizeof(want), "migc %s", ci2.app_token);
	CHECK_STR(migc_pg_conninfo_get(&ci2, "fallback_application_name"), want);
	migc_pg_conninfo_free(&ci);
	migc_pg_conninfo_free(&ci2);

	/* --application-name is the prefix; a fallback in the URL wins */
	app_name_of(&ci, "postgres://h/db", "billing");
	snprintf(want, sizeof(want), "billing %s", ci.app_token);
	CHECK_STR(migc_pg_conninfo_get(&ci, "fallback_application_name"), want);
	migc_pg_conninfo_free(&ci);
	app_name_of(&ci, "postgres://h/db?fallback_application_name=web",
		    "billing");
	snprintf(want, sizeof(want), "web %s", ci.app_token);
	CHECK_STR(migc_pg_conninfo_get(&ci, "fallback_application_name"), want);
	migc_pg_conninfo_free(&ci);

	/* a long prefix is cut so that the token fits */
	app_name_of(&ci, "host=h", "a-very-long-application-name-that-goes-"
		    "on-and-on-well-past-sixty-three-bytes");
	got = migc_pg_conninfo_get(&ci, "fallback_application_name");
	CHECK_INT(strlen(got), MIGC_PG_APP_NAME_MAX);
	CHECK(strncmp(got, "a-very-long-application-name", 28) == 0);
	CHECK_STR(got + MIGC_PG_APP_NAME_MAX - MIGC_PG_TOKEN_LEN, ci.app_token);
	CHECK(got[MIGC_PG_APP_NAME_MAX - MIGC_PG_TOKEN_LEN - 1] == ' ');
	migc_pg_conninfo_free(&ci);

	/* the user's name: no token */
	app_name_of(&ci, "postgres://h/db?application_name=theirs", "migc");
	CHECK_STR(ci.app_token, "");
	CHECK_STR(migc_pg_conninfo_get(&ci, "application_name"), "theirs");
	CHECK_STR(migc_pg_conninfo_get(&ci, "fallback_application_name"), "migc");
	migc_pg_conninfo_free(&ci);
	setenv("PGAPPNAME", "from_env", 1);
	app_name_of(&ci, "host=h", "migc");
	unsetenv("PGAPPNAME");
	CHECK_STR(ci.app_token, "");
	CHECK_STR(migc_pg_conninfo_get(&ci, "fallback_application_name"), "migc");
	migc_pg_conninfo_free(&ci);
	/* an empty one is no name: libpq falls back */
	app_name_of(&ci, "host=h application_name=''", "migc");
	CHECK(is_token(ci.app_token));
	migc_pg_conninfo_free(&ci);

	/* the cut never splits a UTF-8 character (53 a's, then e-acute) */
	migc_pg_app_name(name, sizeof(name), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaa\xc3\xa9", "0123abcd");
	CHECK_INT(strlen(name), 53 + 9);
	CHECK_STR(name + 53, " 0123abcd");
	migc_pg_app_name(name, sizeof(name), "x\xc3\xa9", "0123abcd");
	CHECK_STR(name, "x\xc3\xa9 0123abcd");
	migc_pg_app_name(name, 8, "migc", "");
	CHECK_STR(name, "migc");
	migc_pg_app_name(name, 5, "migc-long", "");
	CHECK_STR(name, "migc");
}

static void test_secrets_collected(void)
{
	struct migc_pg_conninfo ci;

	setenv("PGPASSWORD", "envpass99", 1);
	if (build_ok(&ci, "host=h password=" SECRET " sslpassword=keypass77")) {
		unsetenv("PGPASSWORD");
		return;
	}
	unsetenv("PGPASSWORD");
	CHECK_INT(ci.nsecrets, 3);
	CHECK_STR(ci.secrets[0], SECRET);
	CHECK_STR(ci.secrets[1], "keypass77");
	CHECK_STR(ci.secrets[2], "envpass99");
	migc_pg_conninfo_free(&ci);
}

static void test_scrub(void)
{
	char text[128] = "auth failed for hunter2 (hunter2)";
	char *secrets[2] = {"hunter2", "ab"};
	migc_error err;

	migc_pg_scrub(text, "hunter2");
	CHECK_STR(text, "auth failed for *** (***)");
	migc_strlcpy(text, "xabx", sizeof(text));
	migc_pg_scrub(text, "ab");
	CHECK_STR(text, "x**x");
	migc_pg_scrub(text, "");
	CHECK_STR(text, "x**x");
	migc_error_clear(&err);
	migc_strlcpy(err.message, "hunter2 here", sizeof(err.message));
	migc_strlcpy(err.hint, "and ab there", sizeof(err.hint));
	migc_pg_scrub_error(&err, secrets, 2);
	CHECK_STR(err.message, "*** here");
	CHECK_STR(err.hint, "and ** there");
}

/* The same numbers as the formula in pg_url.h, computed in Python. */
static void test_lock_key(void)
{
	CHECK(migc_pg_lock_key("public", "migc_history") ==
	      -3043272823018692931LL);
	CHECK(migc_pg_lock_key("app", "schema_history") ==
	      6893302132945614570LL);
	CHECK(migc_pg_lock_key("", "") == -2240133489226925327LL);
	CHECK(migc_pg_lock_key("a", "migc_history") !=
	      migc_pg_lock_key("b", "migc_history"));
}

/* The forms --db-lock-timeout and --statement-timeout take. */
int main(void)
{
	RUN(test_accepts);
	RUN(test_search_path_becomes_options);
	RUN(test_foreign_parameters_ignored_with_warnings);
	RUN(test_ssl_flag);
	RUN(test_unknown_parameters_refused);
	RUN(test_malformed_strings_never_echo_the_password);
	RUN(test_key_value_passthrough_and_defaults);
	RUN(test_application_name_token);
	RUN(test_secrets_collected);
	RUN(test_scrub);
	RUN(test_lock_key);
	return unit_done();
}
