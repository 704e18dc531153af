/*
 * pg_url.c - DATABASE_URL to libpq connection parameters (see pg_url.h).
 *
 * Invariant: no message made here contains a value from the URL. libpq's
 * own parse errors quote the string they choke on (password included:
 * `missing "=" after "cret"`, `invalid percent-encoding token: "..."`), so
 * they are never passed on; only a parameter's name is, and only when it
 * looks like a name.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pg_url.h"
#include "pq_load.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Recognising the forms                                               */
/* ------------------------------------------------------------------ */

static int is_uri(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 ||
	       strncmp(url, "postgresql://", 13) == 0;
}

static int is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

/* "key = value ...": a keyword, optional blanks, then '='. */
static int is_keyword_value(const char *s)
{
	const char *p = s;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	s = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       *p == '_')
		p++;
	if (p == s)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=';
}

int migc_pg_accepts(const char *url)
{
	return url && (!*url || is_uri(url) || is_keyword_value(url));
}

/* ------------------------------------------------------------------ */
/* The parameter list                                                  */
/* ------------------------------------------------------------------ */

const char *migc_pg_conninfo_get(const struct migc_pg_conninfo *ci,
				 const char *key)
{
	size_t i;

	for (i = 0; i < ci->count; i++)
		if (strcmp(ci->keys[i], key) == 0)
			return ci->values[i];
	return NULL;
}

/* Overwrite a secret before freeing it. */
static void wipe(char *s)
{
	volatile char *p = s;

	while (p && *p)
		*p++ = '\0';
	free(s);
}

static int ci_grow(struct migc_pg_conninfo *ci)
{
	size_t cap = ci->cap ? ci->cap * 2 : 16;
	const char **k, **v;

	k = realloc(ci->keys, cap * sizeof(*k));
	if (!k)
		return MIGC_ENOMEM;
	ci->keys = k;
	v = realloc(ci->values, cap * sizeof(*v));
	if (!v)
		return MIGC_ENOMEM;
	ci->values = v;
	ci->cap = cap;
	return 0;
}

/* Set `key` to `value` (both copied), replacing an earlier value; the
 * arrays always end with a NULL key. */
static int ci_set(struct migc_pg_conninfo *ci, const char *key,
		  const char *value)
{
	char *k, *v;
	size_t i;

	v = migc_strdup(value);
	if (!v)
		return MIGC_ENOMEM;
	for (i = 0; i < ci->count; i++) {
		if (strcmp(ci->keys[i], key) == 0) {
			wipe((char *)ci->values[i]);
			ci->values[i] = v;
			return 0;
		}
	}
	k = migc_strdup(key);
	if (!k || (ci->count + 1 >= ci->cap && ci_grow(ci))) {
		free(k);
		free(v);
		return MIGC_ENOMEM;
	}
	ci->keys[ci->count] = k;
	ci->values[ci->count] = v;
	ci->count++;
	ci->keys[ci->count] = NULL;
	ci->values[ci->count] = NULL;
	return 0;
}

static int add_secret(struct migc_pg_conninfo *ci, const char *value)
{
	if (!value || !*value || ci->nsecrets >= MIGC_PG_MAX_SECRETS)
		return 0;
	ci->secrets[ci->nsecrets] = migc_strdup(value);
	if (!ci->secrets[ci->nsecrets])
		return MIGC_ENOMEM;
	ci->nsecrets++;
	return 0;
}

static int add_warning(struct migc_pg_conninfo *ci, const char *name,
		       const char *why)
{
	char msg[300], **w;

	snprintf(msg, sizeof(msg), "ignoring the database URL parameter "
		 "\"%s\": %s", name, why);
	w = realloc(ci->warnings, (ci->nwarnings + 1) * sizeof(*w));
	if (!w)
		return MIGC_ENOMEM;
	ci->warnings = w;
	w[ci->nwarnings] = migc_strdup(msg);
	if (!w[ci->nwarnings])
		return MIGC_ENOMEM;
	ci->nwarnings++;
	return 0;
}

void migc_pg_conninfo_free(struct migc_pg_conninfo *ci)
{
	size_t i;

	if (!ci)
		return;
	for (i = 0; i < ci->count; i++) {
		free((char *)ci->keys[i]);
		wipe((char *)ci->values[i]); /* one of them is the password */
	}
	free(ci->keys);
	free(ci->values);
	for (i = 0; i < ci->nsecrets; i++)
		wipe(ci->secrets[i]);
	for (i = 0; i < ci->nwarnings; i++)
		free(ci->warnings[i]);
	free(ci->warnings);
	memset(ci, 0, sizeof(*ci));
}

/* ------------------------------------------------------------------ */
/* A URL's query string                                                */
/* ------------------------------------------------------------------ */

/* What other tools put in a URL, and what we do with it. */
enum param_action { P_SEARCH_PATH, P_SSL, P_IGNORE, P_REFUSE };

static const struct foreign_param {
	const char *name;
	int prefix; /* matches every name starting with `name` */
	enum param_action action;
	const char *why; /* the warning, or the hint for a refusal */
} foreign[] = {
	{"search_path", 0, P_SEARCH_PATH, NULL},
	{"schema", 0, P_SEARCH_PATH, NULL},        /* Prisma */
	{"currentSchema", 0, P_SEARCH_PATH, NULL}, /* JDBC */
	{"ssl", 0, P_SSL, NULL},                   /* node-postgres */
	{"x-", 1, P_IGNORE, "a golang-migrate setting; migc keeps its own "
	 "history table (--table, --schema)"},
	{"pgbouncer", 0, P_IGNORE, "a Prisma setting; migc works through "
	 "PgBouncer's transaction pooling as it is"},
	{"connection_limit", 0, P_IGNORE, "a Prisma pool setting; migc uses "
	 "one connection"},
	{"pool_", 1, P_IGNORE, "a connection pool setting; migc uses one "
	 "connection"},
	{"statement_cache_", 1, P_IGNORE, "a prepared statement cache "
	 "setting; migc prepares no named statements"},
	{"socket_timeout", 0, P_IGNORE, "a Prisma setting; use "
	 "--statement-timeout"},
	{"default_query_exec_mode", 0, P_IGNORE, "a pgx setting"},
	{"sslaccept", 0, P_REFUSE, "write sslmode=verify-full (for strict) or "
	 "sslmode=require (for accept_invalid_certs) instead"},
};

static const struct foreign_param *find_foreign(const char *name)
{
	size_t i, n;

	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		n = strlen(foreign[i].name);
		if (foreign[i].prefix ? strncmp(name, foreign[i].name, n) == 0
				      : strcmp(name, foreign[i].name) == 0)
			return &foreign[i];
	}
	return NULL;
}

static int known_keyword(const PQconninfoOption *known, const char *name)
{
	for (; known && known->keyword; known++)
		if (strcmp(known->keyword, name) == 0)
			return 1;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into a new string (libpq's rules: no '+' for
 * space). NULL on a bad escape, an encoded NUL, or out of memory. */
static char *decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *w = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			*w++ = s[i];
			continue;
		}
		hi = i + 2 < n ? hexval(s[i + 1]) : -1;
		lo = hi >= 0 ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			*w = '\0';
			wipe(out);
			return NULL;
		}
		*w++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*w = '\0';
	return out;
}

/* A name fit to print: letters, digits, _ and -, at most 64 bytes. */
static const char *printable_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!is_name_char(name[i]) || i >= 64)
			return "(unprintable)";
	return i ? name : "(empty)";
}

static int bad_url(migc_error *err, const char *what)
{
	migc_err(err, MIGC_EUSAGE, "malformed PostgreSQL connection string: %s",
		 what);
	migc_err_hint(err, "write postgres://USER:PASSWORD@HOST:PORT/DBNAME"
		      "?sslmode=require (percent-encode special characters of "
		      "the password, e.g. @ as %%40) or key=value pairs "
		      "(host=... dbname=...)");
	return MIGC_EUSAGE;
}

/* What the query string asked for beyond libpq's own parameters. */
struct translated {
	char *search_path;   /* decoded value, or NULL */
	const char *sslmode; /* from ssl=, or NULL */
};

/* Act on one decoded foreign parameter (not a libpq keyword). */
static int foreign_param(struct translated *tr, struct migc_pg_conninfo *ci,
			 const char *key, char **value, migc_error *err)
{
	const struct foreign_param *f = find_foreign(key);

	if (f && f->action == P_SEARCH_PATH) {
		free(tr->search_path);
		tr->search_path = *value;
		*value = NULL;
		return 0;
	}
	if (f && f->action == P_SSL) {
		if (!strcmp(*value, "true") || !strcmp(*value, "1") ||
		    !strcmp(*value, "require"))
			tr->sslmode = "require";
		else if (!strcmp(*value, "false") || !strcmp(*value, "0") ||
			 !strcmp(*value, "disable"))
			tr->sslmode = "disable";
		else
			return bad_url(err, "the URL parameter \"ssl\" wants "
				       "true or false");
		return 0;
	}
	if (f && f->action == P_IGNORE) {
		if (add_warning(ci, printable_name(key), f->why))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
		return 0;
	}
	migc_err(err, MIGC_EUSAGE, "unsupported parameter \"%s\" in the "
		 "database URL", printable_name(key));
	if (f)
		migc_err_hint(err, "%s", f->why);
	else
		migc_err_hint(err, "remove it: neither libpq nor migc knows it "
			      "(migc translates search_path, schema and ssl, "
			      "and ignores x-* and pool settings)");
	return MIGC_EUSAGE;
}

/* One `key=value` of the query: kept in `keep` when libpq knows it. */
static int query_param(migc_buf *keep, struct translated *tr,
		       struct migc_pg_conninfo *ci,
		       const PQconninfoOption *known, const char *piece,
		       size_t len, migc_error *err)
{
	const char *eq = memchr(piece, '=', len);
	char *key, *value;
	int rc;

	if (!eq)
		return bad_url(err, "a query parameter without '='");
	key = decode(piece, (size_t)(eq - piece));
	value = key ? decode(eq + 1, len - (size_t)(eq - piece) - 1) : NULL;
	if (!key || !value) {
		free(key);
		return bad_url(err, "bad percent-encoding in the query string");
	}
	if (known_keyword(known, key)) {
		rc = migc_buf_puts(keep, keep->len ? "&" : "?");
		if (!rc)
			rc = migc_buf_put(keep, piece, len);
		if (rc)
			rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	} else {
		rc = foreign_param(tr, ci, key, &value, err);
	}
	free(key);
	wipe(value);
	return rc;
}

/*
 * Split a URL at '?' and rebuild it with only the parameters libpq knows;
 * the others are translated into `tr`, ignored with a warning, or refused.
 * `*out` is the URL to give PQconninfoParse (caller frees).
 */
static int prepare_uri(char **out, struct translated *tr,
		       struct migc_pg_conninfo *ci,
		       const PQconninfoOption *known, const char *url,
		       migc_error *err)
{
	const char *q = strchr(url, '?'), *p;
	migc_buf base = MIGC_BUF_INIT, keep = MIGC_BUF_INIT;
	int rc = 0;

	if (!q) {
		*out = migc_strdup(url);
		return *out ? 0 : migc_err(err, MIGC_ENOMEM, "out of memory");
	}
	for (p = q + 1; !rc && *p;) {
		size_t n = strcspn(p, "&");

		if (n)
			rc = query_param(&keep, tr, ci, known, p, n, err);
		p += n;
		if (*p == '&')
			p++;
	}
	if (!rc && (migc_buf_put(&base, url, (size_t)(q - url)) ||
		    (keep.len && migc_buf_put(&base, keep.data, keep.len))))
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (!rc)
		*out = migc_buf_detach(&base);
	migc_buf_free(&base);
	migc_buf_free(&keep);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Parsing with libpq, then translations and defaults                  */
/* ------------------------------------------------------------------ */

/*
 * libpq could not parse the string. Its message may quote the password,
 * so only two forms are passed on, and then only the parameter's name.
 */
static int parse_error(const char *msg, migc_error *err)
{
	static const char *const forms[] = {
		"invalid connection option \"",
		"invalid URI query parameter: \"",
	};
	char name[80];
	size_t i, n;

	if (msg && strncmp(msg, "out of memory", 13) == 0)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; msg && i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (strncmp(msg, forms[i], strlen(forms[i])) != 0)
			continue;
		msg += strlen(forms[i]);
		n = strcspn(msg, "\"");
		if (msg[n] != '"' || n == 0 || n >= sizeof(name))
			break;
		memcpy(name, msg, n);
		name[n] = '\0';
		migc_err(err, MIGC_EUSAGE, "unknown connection parameter \"%s\"",
			 printable_name(name));
		migc_err_hint(err, "see the libpq documentation for the "
			      "parameters a connection string takes");
		return MIGC_EUSAGE;
	}
	return bad_url(err, "libpq could not parse it");
}

/* " -csearch_path=VALUE", with libpq's escaping of the options string
 * (backslash before spaces and backslashes), after `existing`. */
static int search_path_option(struct migc_pg_conninfo *ci, const char *path,
			      const char *existing)
{
	migc_buf b = MIGC_BUF_INIT;
	const char *p;
	int rc = 0;

	if (existing && *existing)
		rc = migc_buf_printf(&b, "%s ", existing);
	if (!rc)
		rc = migc_buf_puts(&b, "-csearch_path=");
	for (p = path; !rc && *p; p++) {
		if (*p == ' ' || *p == '\\' || *p == '\t')
			rc = migc_buf_puts(&b, "\\");
		if (!rc)
			rc = migc_buf_put(&b, p, 1);
	}
	if (!rc)
		rc = ci_set(ci, "options", b.data);
	migc_buf_free(&b);
	return rc;
}

/* Set `key` unless the string or the environment variable `env` did. */
static int set_default(struct migc_pg_conninfo *ci, const char *key,
		       const char *env, const char *value)
{
	if (migc_pg_conninfo_get(ci, key))
		return 0;
	if (env && getenv(env) && *getenv(env))
		return 0;
	return ci_set(ci, key, value);
}

void migc_pg_app_name(char *out, size_t size, const char *prefix,
		      const char *token)
{
	size_t max, tlen = token ? strlen(token) : 0, n;

	if (size == 0)
		return;
	max = size - 1;
	if (max > MIGC_PG_APP_NAME_MAX)
		max = MIGC_PG_APP_NAME_MAX;
	if (tlen + 1 > max) /* no room for a prefix: cannot happen here */
		tlen = 0;
	n = strlen(prefix ? prefix : "");
	if (n > max - (tlen ? tlen + 1 : 0))
		n = max - (tlen ? tlen + 1 : 0);
	/* do not end in the middle of a UTF-8 character */
	while (n > 0 && prefix[n] && ((unsigned char)prefix[n] & 0xc0) == 0x80)
		n--;
	if (n)
		memcpy(out, prefix, n);
	if (tlen) {
		out[n++] = ' ';
		memcpy(out + n, token, tlen);
		n += tlen;
	}
	out[n] = '\0';
}

/*
 * MIGC_PG_TOKEN_LEN random hex characters, from /dev/urandom; without it
 * (a chroot, a sandbox) from the pid and the clocks, which is unique
 * enough between the runners of one deploy.
 */
static void make_token(char out[MIGC_PG_TOKEN_LEN + 1])
{
	unsigned char b[MIGC_PG_TOKEN_LEN / 2];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = 0, i;

	if (f) {
		got = fread(b, 1, sizeof(b), f);
		fclose(f);
	}
	if (got != sizeof(b)) {
		struct timespec ts;
		unsigned long x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (unsigned long)getpid() * 2654435761ul;
		x ^= (unsigned long)time(NULL) ^ (unsigned long)ts.tv_nsec;
		x ^= (unsigned long)ts.tv_sec << 16;
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(x >> (8 * i));
	}
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/*
 * fallback_application_name: "PREFIX TOKEN" (pg_url.h). libpq's order is
 * application_name, then PGAPPNAME, then the fallback; when either of the
 * first two names the application, the token would never reach the
 * server, so there is none (the fallback is set as before, unused).
 */
static int add_app_name(struct migc_pg_conninfo *ci, const migc_options *opts)
{
	const char *mine = opts->application_name, *prefix;
	const char *theirs = migc_pg_conninfo_get(ci, "application_name");
	const char *env = getenv("PGAPPNAME");
	char name[MIGC_PG_APP_NAME_MAX + 1];

	if ((theirs && *theirs) || (env && *env)) {
		if (mine && *mine)
			return set_default(ci, "fallback_application_name",
					   NULL, mine);
		return 0;
	}
	prefix = migc_pg_conninfo_get(ci, "fallback_application_name");
	if (!prefix || !*prefix)
		prefix = mine && *mine ? mine : "migc";
	make_token(ci->app_token);
	migc_pg_app_name(name, sizeof(name), prefix, ci->app_token);
	return ci_set(ci, "fallback_application_name", name);
}

static int add_defaults(struct migc_pg_conninfo *ci, const migc_options *opts)
{
	char timeout[16];
	long secs = (opts->wait_ms + 999) / 1000;
	int rc;

	if (secs < 2)
		secs = 2;
	if (secs > 10)
		secs = 10;
	snprintf(timeout, sizeof(timeout), "%ld", secs);
	rc = add_app_name(ci, opts);
	if (!rc)
		rc = set_default(ci, "connect_timeout", "PGCONNECT_TIMEOUT",
				 timeout);
	if (!rc)
		rc = set_default(ci, "keepalives", NULL, "1");
	if (!rc)
		rc = set_default(ci, "keepalives_idle", NULL, "30");
	if (!rc)
		rc = set_default(ci, "keepalives_interval", NULL, "10");
	if (!rc)
		rc = set_default(ci, "keepalives_count", NULL, "3");
	if (!rc)
		rc = set_default(ci, "client_encoding", "PGCLIENTENCODING",
				 "UTF8");
	return rc;
}

/* Copy what libpq parsed; remember secret values ('*' display). */
static int copy_parsed(struct migc_pg_conninfo *ci,
		       const PQconninfoOption *parsed)
{
	int rc = 0;

	for (; !rc && parsed->keyword; parsed++) {
		if (!parsed->val)
			continue;
		rc = ci_set(ci, parsed->keyword, parsed->val);
		if (!rc && parsed->dispchar && parsed->dispchar[0] == '*')
			rc = add_secret(ci, parsed->val);
	}
	if (!rc)
		rc = add_secret(ci, getenv("PGPASSWORD"));
	return rc;
}

static int apply_translations(struct migc_pg_conninfo *ci,
			      const struct translated *tr)
{
	int rc = 0;

	if (tr->search_path) {
		const char *existing = migc_pg_conninfo_get(ci, "options");

		/* an explicit options parameter would hide PGOPTIONS */
		if (!existing)
			existing = getenv("PGOPTIONS");
		rc = search_path_option(ci, tr->search_path, existing);
	}
	if (!rc && tr->sslmode)
		rc = set_default(ci, "sslmode", NULL, tr->sslmode);
	return rc;
}

int migc_pg_conninfo_build(struct migc_pg_conninfo *ci, const char *url,
			   const migc_options *opts, migc_error *err)
{
	struct translated tr = {NULL, NULL};
	PQconninfoOption *known = NULL, *parsed = NULL;
	char *text = NULL, *msg = NULL;
	int rc = 0;

	memset(ci, 0, sizeof(*ci));
	/* libpq parses the string: the first thing that needs it */
	rc = migc_pq_load(err);
	if (rc)
		return rc;
	if (!url)
		url = "";
	known = PQconninfoParse("", &msg);
	if (!known)
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	else if (is_uri(url))
		rc = prepare_uri(&text, &tr, ci, known, url, err);
	else if (!(text = migc_strdup(url)))
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (msg)
		PQfreemem(msg);
	msg = NULL;
	if (!rc && !(parsed = PQconninfoParse(text, &msg)))
		rc = parse_error(msg, err);
	if (!rc && (copy_parsed(ci, parsed) || apply_translations(ci, &tr) ||
		    add_defaults(ci, opts)))
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (msg)
		PQfreemem(msg);
	if (parsed)
		PQconninfoFree(parsed);
	if (known)
		PQconninfoFree(known);
	wipe(text);
	wipe(tr.search_path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Scrubbing and the lock key                                          */
/* ------------------------------------------------------------------ */

void migc_pg_scrub(char *text, const char *secret)
{
	size_t n;
	char *r, *w;

	if (!text || !secret || !*secret || !strstr(text, secret))
		return;
	n = strlen(secret);
	for (r = w = text; *r;) {
		if (strncmp(r, secret, n) == 0) {
			size_t stars = n < 3 ? n : 3;

			memset(w, '*', stars);
			w += stars;
			r += n;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

void migc_pg_scrub_error(migc_error *err, char *const *secrets,
			 size_t nsecrets)
{
	size_t i;

	if (!err)
		return;
	for (i = 0; i < nsecrets; i++) {
		migc_pg_scrub(err->message, secrets[i]);
		migc_pg_scrub(err->hint, secrets[i]);
		migc_pg_scrub(err->file, secrets[i]);
	}
}

long long migc_pg_lock_key(const char *schema, const char *table)
{
	unsigned long long h = 0xcbf29ce484222325ull;
	const char *parts[4] = {"migc:", schema, ".", table};
	const unsigned char *p;
	size_t i;

	for (i = 0; i < 4; i++)
		for (p = (const unsigned char *)parts[i]; p && *p; p++) {
			h ^= *p;
			h *= 0x100000001b3ull;
		}
	/* two's complement, without relying on an implementation-defined
	 * conversion of an out-of-range unsigned value */
	if (h >= 0x8000000000000000ull)
		return -(long long)(~h) - 1;
	return (long long)h;
}
