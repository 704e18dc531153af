/*
 * set_check.c - checking one migration's SQL before it enters a set: the
 * content rules, the directives, no transaction control in a transactional
 * file; and, for a native file, set_prepare(): its name parsed, its bytes
 * canonicalised, checked and hashed into a struct set_prepared that
 * set_add_prepared() then adds. Preparing touches no set and no global
 * state, so the compiler's loader prepares files on several threads and
 * adds them in file order (compiler/load.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "set_internal.h"
#include "sqllex.h"
#include "util.h"

/*
 * A transactional migration must not manage transactions itself: a
 * top-level COMMIT would end migc's transaction half-way, so the history
 * row and the rest of the file would no longer commit together. Refused at
 * build time with file and line. A file the lexer cannot read (SQLite's
 * [ident] quoting, say) is left to the database to judge at run time.
 */
static int check_transaction_control(const char *display, const char *sql,
				     size_t len, unsigned flags,
				     struct migc_sql_scan *scan, int *scanned,
				     migc_error *err)
{
	if (flags & MIGC_FLAG_NO_TRANSACTION)
		return 0;
	/* a file with a lexing error anywhere passes, in one pass */
	if (!scan)
		return migc_sql_check_transaction_control_lexable(display, sql,
								  len, err);
	*scanned = 1;
	return migc_sql_check_transaction_control_scan(display, sql, len, scan,
						       err);
}

/*
 * A message about line L of a section that starts at line `first` of its
 * file names the file's own line: "x.sql:3: ..." becomes "x.sql:12: ...".
 */
static void shift_line(migc_error *err, const char *display, int first)
{
	char prefix[300], rest[sizeof(err->message)];
	size_t pl;

	if (!err || first <= 1 || err->line <= 0)
		return;
	pl = (size_t)snprintf(prefix, sizeof(prefix), "%s:%d:", display, err->line);
	err->line += first - 1;
	if (pl >= sizeof(prefix) || strncmp(err->message, prefix, pl) != 0)
		return;
	migc_strlcpy(rest, err->message + pl, sizeof(rest));
	snprintf(err->message, sizeof(err->message), "%.200s:%d:%.800s", display,
		 err->line, rest);
}

static int only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(" \t\r\n\f\v", s[i]))
			return 0;
	return 1;
}

/* set_check_sql(), keeping what the lexer pass saw in *scan (*scanned 1)
 * when there was one. */
static int check_sql(migc_directives *d, const char *display, const char *sql,
		     size_t len, int first_line, unsigned extra_flags,
		     int allow_empty, struct migc_sql_scan *scan, int *scanned,
		     migc_error *err)
{
	int rc = 0;

	memset(d, 0, sizeof(*d));
	d->lock_timeout_ms = d->statement_timeout_ms = -1;
	if (!(allow_empty && only_space(sql, len)))
		rc = migc_content_check(display, sql, len, err);
	if (!rc)
		rc = migc_directives_parse(d, display, sql, len, err);
	if (!rc) {
		d->flags |= extra_flags;
		rc = check_transaction_control(display, sql, len, d->flags,
					       scan, scanned, err);
	}
	if (rc)
		shift_line(err, display, first_line);
	return rc;
}

int set_check_sql(migc_directives *d, const char *display, const char *sql,
		  size_t len, int first_line, unsigned extra_flags,
		  int allow_empty, migc_error *err)
{
	return check_sql(d, display, sql, len, first_line, extra_flags,
			 allow_empty, NULL, NULL, err);
}

int set_prepare(struct set_prepared *p, const char *filename,
		const char *display, char *data, size_t len, int borrowed,
		migc_error *err)
{
	migc_directives d;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!display)
		display = filename;
	rc = migc_filename_parse(&p->fn, filename, err);
	if (rc) {
		if (err && strcmp(display, filename) != 0)
			migc_err_where(err, display, 0);
		if (!borrowed)
			free(data);
		return rc;
	}
	len = migc_normalize(data, len);
	data[len] = '\0';
	rc = check_sql(&d, display, data, len, 1, 0, 0, &p->scan, &p->scanned, err);
	if (rc) {
		migc_err_version(err, p->fn.version);
		if (!borrowed)
			free(data);
		return rc;
	}
	p->in.kind = p->fn.kind;
	p->in.flags = d.flags;
	p->in.lock_timeout_ms = d.lock_timeout_ms;
	p->in.statement_timeout_ms = d.statement_timeout_ms;
	p->in.filename = filename;
	p->in.sql = data;
	p->in.sql_len = len;
	p->in.sql_owned = borrowed ? NULL : data;
	migc_checksum(p->in.checksum, data, len);
	return 0;
}

int set_add_prepared(migc_set *set, struct set_prepared *p, migc_error *err)
{
	int rc;

	/* fn moves with the struct: point at it only now */
	p->in.version = p->fn.version;
	p->in.name = p->fn.name;
	p->in.scan = p->scanned ? &p->scan : NULL;
	rc = set_add_entry(set, &p->in, err);
	if (rc)
		set_prepared_free(p);
	p->in.sql_owned = NULL;
	return rc;
}

void set_prepared_free(struct set_prepared *p)
{
	free(p->in.sql_owned);
	p->in.sql_owned = NULL;
}
