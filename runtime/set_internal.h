/*
 * set_internal.h - adding an already-validated migration to a set (used by
 * the bundle loader, which checks content by re-hashing instead).
 */
#ifndef MIGC_SET_INTERNAL_H
#define MIGC_SET_INTERNAL_H

#include "migc.h"

struct set_entry_in {
	migc_kind kind;
	unsigned flags;
	long lock_timeout_ms;      /* -1 when unset */
	long statement_timeout_ms; /* -1 when unset */
	const char *version;
	const char *name;
	const char *filename;
	char checksum[MIGC_CHECKSUM_HEX_LEN + 1];
	const char *sql;  /* NUL-terminated at sql[sql_len] */
	size_t sql_len;
	char *sql_owned;  /* freed with the set (== sql) or NULL when borrowed */
};

/* Takes ownership of in->sql_owned on success only. */
int set_add_entry(migc_set *set, const struct set_entry_in *in,
		  migc_error *err);

#endif
