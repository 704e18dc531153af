/*
 * bundle_id.c - the bundle id: XXH3-128 over every migration's kind, flags,
 * version, name and checksums, in set order (migc.h). Ids are recorded in
 * databases, so the bytes hashed for a migration never change; this file
 * writes them by hand into one record per migration, because the loader
 * computes the id at every start of `migrate` (for 10,000 migrations an
 * snprintf and six hash updates each were 8 % of a no-op `up`).
 */
#include <string.h>

#include "bundle.h"
#include "migc.h"
#include "model.h"
#include "set_internal.h"

/* Writes the decimal digits of `v` ending just before `end`; returns
 * where they start. */
static char *decimal_before(char *end, unsigned long v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/* `out` = "%d:%u" of kind and flags, NUL-terminated (`out` holds 32
 * bytes); returns its length counting the NUL. */
static size_t kind_flags_text(char out[32], const migc_migration *m)
{
	char tmp[32], *end = tmp + sizeof(tmp), *p;
	int kind = (int)m->kind;
	size_t n;

	if (kind >= 0 && kind <= 9 && m->flags <= 9) { /* every real one */
		out[0] = (char)('0' + kind);
		out[1] = ':';
		out[2] = (char)('0' + m->flags);
		out[3] = '\0';
		return 4;
	}
	p = decimal_before(end, m->flags);
	*--p = ':';
	p = decimal_before(p, kind < 0 ? 0UL - (unsigned long)kind
				       : (unsigned long)kind);
	if (kind < 0)
		*--p = '-';
	n = (size_t)(end - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n + 1;
}

/*
 * The bundle id's bytes for one migration: "%d:%u" of kind and flags, its
 * NUL, the version and its NUL, the name and its NUL, the checksum, then
 * "down:" and the down checksum when there is a down SQL, then "\n". The
 * ids recorded in databases were hashed so: never change a byte. Written
 * into `buf` (records are gathered and hashed together, no snprintf: 8 %
 * of a no-op up at 10,000 before); returns the length, or 0 when it does
 * not fit `size`.
 */
static size_t bundle_id_record(char *buf, size_t size, const migc_migration *m)
{
	char flags[32];
	size_t fl = kind_flags_text(flags, m), vl = strlen(m->version) + 1,
	       nl = strlen(m->name) + 1, n = 0;

	if (fl + vl + nl + 2 * MIGC_CHECKSUM_HEX_LEN + 6 > size)
		return 0;
	memcpy(buf, flags, fl);
	n = fl;
	memcpy(buf + n, m->version, vl);
	n += vl;
	memcpy(buf + n, m->name, nl);
	n += nl;
	memcpy(buf + n, m->checksum, MIGC_CHECKSUM_HEX_LEN);
	n += MIGC_CHECKSUM_HEX_LEN;
	if (m->down_checksum) { /* absent in native bundles: ids stay */
		memcpy(buf + n, "down:", 5);
		n += 5;
		memcpy(buf + n, m->down_checksum, MIGC_CHECKSUM_HEX_LEN);
		n += MIGC_CHECKSUM_HEX_LEN;
	}
	buf[n++] = '\n';
	return n;
}

/* The same bytes hashed part by part, for a record no buffer holds. */
static void bundle_id_parts(migc_hash *h, const migc_migration *m)
{
	char flags[32];
	size_t fl = kind_flags_text(flags, m);

	migc_hash_update(h, flags, fl);
	migc_hash_update(h, m->version, strlen(m->version) + 1);
	migc_hash_update(h, m->name, strlen(m->name) + 1);
	migc_hash_update(h, m->checksum, MIGC_CHECKSUM_HEX_LEN);
	if (m->down_checksum) {
		migc_hash_update(h, "down:", 5);
		migc_hash_update(h, m->down_checksum, MIGC_CHECKSUM_HEX_LEN);
	}
	migc_hash_update(h, "\n", 1);
}

void set_bundle_id_compute(const migc_set *set,
			   char out[MIGC_CHECKSUM_HEX_LEN + 1])
{
	migc_hash *h = migc_hash_new();
	char buf[16384]; /* records gathered: one hash update per ~150 */
	size_t i, n, used = 0, count = migc_set_count(set);

	if (!h) {
		memset(out, '0', MIGC_CHECKSUM_HEX_LEN);
		out[MIGC_CHECKSUM_HEX_LEN] = '\0';
		return;
	}
	for (i = 0; i < count; i++) {
		const migc_migration *m = set_peek(set, i);

		n = bundle_id_record(buf + used, sizeof(buf) - used, m);
		if (!n) { /* full: hash what is gathered, then this one */
			migc_hash_update(h, buf, used);
			used = 0;
			n = bundle_id_record(buf, sizeof(buf), m);
			if (!n)
				bundle_id_parts(h, m);
		}
		used += n;
	}
	migc_hash_update(h, buf, used);
	migc_hash_final(h, out);
}
