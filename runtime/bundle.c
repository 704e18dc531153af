/*
 * bundle.c - loading an embedded bundle into a set, refusing a corrupted
 * one.
 *
 * A bundle is data compiled into the release binary (include/migc.h
 * describes the layout). Before anything connects to a database, the whole
 * bundle is checked: the ABI number, every field's shape, every migration's
 * SQL re-hashed against its recorded checksum, and the bundle id recomputed.
 * A binary whose bytes were damaged (a bad copy, a patched image) is
 * refused with MIGC_ECORRUPT instead of running something nobody reviewed.
 *
 * A migration's SQL is used in place when it fits one row (the row is
 * already NUL-terminated). Longer ones must be made contiguous, since
 * migc_migration.sql is one string: they are copied, row by row, into one
 * block shared by the whole set (struct sql_block), and hashed there. On
 * a 100 MB bundle the copy is most of `migrate info`, and most of the
 * copy's cost is the kernel faulting in and zeroing fresh pages one by one
 * (25,000 faults): one block, aligned and marked for huge pages where the
 * system has them, takes ~50 faults instead.
 */
#define _DEFAULT_SOURCE /* madvise */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "layout.h"
#include "model.h"
#include "set_internal.h"
#include "util.h"

static int corrupt(migc_error *err, const char *what, const char *file)
{
	if (file)
		migc_err(err, MIGC_ECORRUPT, "corrupted bundle: %s: %s", file, what);
	else
		migc_err(err, MIGC_ECORRUPT, "corrupted bundle: %s", what);
	migc_err_where(err, file, 0);
	migc_err_hint(err, "rebuild the release binary with 'migc build --binary'; "
			   "do not patch or truncate it");
	return MIGC_ECORRUPT;
}

static int is_hex32(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < MIGC_CHECKSUM_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[MIGC_CHECKSUM_HEX_LEN] == '\0';
}

/*
 * The copies of the multi-row migrations' SQL, all in one allocation sized
 * before the first is made. The first entry whose SQL lands in it owns it
 * (set_entry_in.sql_owned: freed with the set, as every entry is); the
 * others borrow from it, as one-row migrations borrow from the bundle.
 */
struct sql_block {
	char *base;
	size_t size, used;
	int given; /* a set entry owns `base` now */
};

#define HUGE_PAGE ((size_t)2 * 1024 * 1024)

/* The bytes a multi-row SQL of `len` takes in the block (0 for one row). */
static size_t copy_size(size_t len)
{
	return len >= MIGC_BUNDLE_ROW_BYTES ? len + 1 : 0;
}

/* Size and allocate the block for bundle `b`; 0 or MIGC_ENOMEM. */
static int block_init(struct sql_block *blk, const struct migc_bundle *b,
		      migc_error *err)
{
	size_t i, size = 0;

	memset(blk, 0, sizeof(*blk));
	for (i = 0; i < b->count; i++) {
		size_t a = copy_size(b->entries[i].sql_len),
		       d = b->entries[i].down ? copy_size(b->entries[i].down_len) : 0;

		if (a > (size_t)-1 - size || d > (size_t)-1 - size - a)
			return migc_err(err, MIGC_ENOMEM, "bundle too large");
		size += a + d;
	}
	if (!size)
		return 0;
	if (size >= HUGE_PAGE) {
		void *p = NULL;

		/* aligned, so the kernel can back it with whole huge pages
		 * (posix_memalign memory is released with free() like any) */
		if (posix_memalign(&p, HUGE_PAGE, size) == 0) {
			blk->base = p;
#ifdef MADV_HUGEPAGE
			madvise(p, size - size % HUGE_PAGE, MADV_HUGEPAGE);
#endif
		}
	}
	if (!blk->base)
		blk->base = malloc(size);
	if (!blk->base)
		return migc_err(err, MIGC_ENOMEM, "out of memory for the bundle's SQL");
	blk->size = size;
	return 0;
}

/* Free the block unless an entry of the set owns it. */
static void block_release(struct sql_block *blk)
{
	if (!blk->given)
		free(blk->base);
	blk->base = NULL;
}

/*
 * Re-hash `len` bytes kept as `rows` against `checksum`; on success `*sql`
 * is contiguous NUL-terminated SQL: the row itself, or a copy in `blk`.
 */
static int load_rows(const char (*rows)[MIGC_BUNDLE_ROW], size_t len,
		     const char *checksum, const char *file,
		     struct sql_block *blk, const char **sql, migc_error *err)
{
	char sum[MIGC_CHECKSUM_HEX_LEN + 1];
	size_t off, i;
	char *buf;

	if (len && !rows)
		return corrupt(err, "SQL rows are missing", file);
	if (len < MIGC_BUNDLE_ROW_BYTES) {
		*sql = len ? rows[0] : "";
		if (len && (*sql)[len] != '\0')
			return corrupt(err, "SQL length does not match its row", file);
		migc_checksum(sum, *sql, len);
	} else {
		if (blk->size - blk->used < len + 1) /* sized by block_init */
			return corrupt(err, "SQL lengths changed while loading", file);
		buf = blk->base + blk->used;
		for (i = 0, off = 0; off < len; i++, off += MIGC_BUNDLE_ROW_BYTES) {
			size_t n = len - off;

			memcpy(buf + off, rows[i], n < MIGC_BUNDLE_ROW_BYTES
						   ? n : MIGC_BUNDLE_ROW_BYTES);
		}
		buf[len] = '\0';
		/* One pass over the copy: a streaming hash over the rows in
		 * place measured 3 % more instructions, and the copy is made
		 * anyway. */
		migc_checksum(sum, buf, len);
		blk->used += len + 1;
		*sql = buf;
	}
	if (strcmp(sum, checksum) != 0)
		return corrupt(err, "embedded SQL does not match its checksum", file);
	return 0;
}

static int load_sql(const struct migc_bundle_entry *e, struct set_entry_in *in,
		    struct sql_block *blk, migc_error *err)
{
	int rc = load_rows(e->sql, e->sql_len, e->checksum, e->filename, blk,
			   &in->sql, err);

	if (rc || !e->down_filename)
		return rc;
	if (!is_hex32(e->down_checksum))
		return corrupt(err, "the down SQL's checksum is malformed", e->down_filename);
	in->down_len = e->down_len;
	in->down_filename = e->down_filename;
	in->down_line = e->down_line;
	return load_rows(e->down, e->down_len, e->down_checksum, e->down_filename,
			 blk, &in->down_sql, err);
}

/*
 * The part of `sql` that can hold directives: the lines before the first
 * one that is neither blank nor a `--` comment, trimmed as
 * migc_directives_parse trims them. Below it a `-- migc:` line can only be
 * the error "directive below the first statement", which the compiler
 * reported when it built the bundle, and the checksum says these are the
 * bytes it accepted: so a start need not read 100 MB of SQL line by line
 * (it was a third of `migrate info`'s instructions).
 */
static size_t leading_block(const char *sql, size_t len)
{
	size_t off = 0;

	while (off < len) {
		const char *nl = memchr(sql + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - sql) : len, l = end - off;
		const char *p = sql + off;

		while (l && (*p == ' ' || *p == '\t')) {
			p++;
			l--;
		}
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r'))
			l--;
		if (l && (l < 2 || p[0] != '-' || p[1] != '-'))
			return off; /* the first statement starts on this line */
		off = end + 1;
	}
	return len;
}

/*
 * Timeouts are not bundle fields: they are read again from the SQL's own
 * directives, which the checksum covers. The flags recorded in the bundle
 * must say the same as the directives do.
 */
static int load_directives(struct set_entry_in *in, migc_layout layout,
			   migc_error *err)
{
	/* another tool's marker or settings file may add no-transaction */
	unsigned tool = layout == MIGC_LAYOUT_MIGC ? 0
			: MIGC_FLAG_NO_TRANSACTION | MIGC_FLAG_DOWN_NO_TRANSACTION;
	migc_directives d;
	migc_error derr;

	if (migc_directives_parse(&d, in->filename, in->sql,
				  leading_block(in->sql, in->sql_len), &derr) ||
	    (d.flags & ~tool) != (in->flags & ~tool) || (d.flags & ~in->flags))
		return corrupt(err, "flags do not match the file's directives",
			       in->filename);
	in->lock_timeout_ms = d.lock_timeout_ms;
	in->statement_timeout_ms = d.statement_timeout_ms;
	return 0;
}

/* The file name says what the entry says: kind, version, name. */
static int name_agrees(const struct migc_bundle_entry *e, migc_layout layout)
{
	struct layout_name ln;
	migc_filename fn;
	migc_error perr;

	if (layout == MIGC_LAYOUT_MIGC)
		return !migc_filename_parse(&fn, e->filename, &perr) &&
		       (int)fn.kind == e->kind && strcmp(fn.version, e->version) == 0 &&
		       strcmp(fn.name, e->name) == 0;
	return !layout_name_parse(layout, e->filename, &ln, &perr) &&
	       (ln.role == LAYOUT_UP || ln.role == LAYOUT_SECTIONS) &&
	       (int)ln.kind == e->kind && strcmp(ln.version, e->version) == 0 &&
	       strcmp(ln.name, e->name) == 0;
}

static int check_entry(const struct migc_bundle_entry *e, size_t i,
		       migc_layout layout, migc_error *err)
{
	if (!e->version || !e->name || !e->filename || !is_hex32(e->checksum)) {
		char where[64]; /* only now: 10,000 snprintfs were 4 % of a start */

		snprintf(where, sizeof(where), "migration #%zu", i + 1);
		return corrupt(err, "a field is missing or malformed", where);
	}
	if (e->kind != MIGC_KIND_VERSIONED && e->kind != MIGC_KIND_REPEATABLE)
		return corrupt(err, "unknown kind", e->filename);
	if (e->flags & ~(MIGC_FLAG_NO_TRANSACTION | MIGC_FLAG_PHASE_POST |
			 MIGC_FLAG_DOWN_NO_TRANSACTION))
		return corrupt(err, "unknown flags", e->filename);
	if ((e->flags & MIGC_FLAG_DOWN_NO_TRANSACTION) && !e->down_filename)
		return corrupt(err, "down flags without down SQL", e->filename);
	if (!name_agrees(e, layout))
		return corrupt(err, "name, version and file name disagree", e->filename);
	if (e->down_filename && layout == MIGC_LAYOUT_MIGC)
		return corrupt(err, "down SQL in a migc-layout bundle", e->filename);
	return 0;
}

int migc_bundle_load(migc_set **out, const struct migc_bundle *b,
		     migc_error *err)
{
	char id[MIGC_CHECKSUM_HEX_LEN + 1];
	struct sql_block blk;
	migc_set *set = NULL;
	migc_layout layout;
	size_t i;
	int rc;

	*out = NULL;
	if (!b)
		return corrupt(err, "no bundle", NULL);
	if (b->abi != MIGC_BUNDLE_ABI) {
		migc_err(err, MIGC_ECORRUPT,
			 "bundle ABI %u is not the runtime's ABI %d", b->abi, MIGC_BUNDLE_ABI);
		migc_err_hint(err, "build the bundle and the runtime with the same migc version");
		return MIGC_ECORRUPT;
	}
	/* a bundle written by hand may leave the layout 0: migc's own */
	layout = b->layout ? (migc_layout)b->layout : MIGC_LAYOUT_MIGC;
	if (!b->compiler_version || !is_hex32(b->bundle_id) ||
	    (b->count && !b->entries) || !migc_layout_name(layout))
		return corrupt(err, "bundle header is malformed", NULL);
	rc = block_init(&blk, b, err);
	if (rc)
		return rc;
	rc = migc_set_new(&set, err);
	if (rc) {
		block_release(&blk);
		return rc;
	}
	rc = migc_set_set_source(set, b->source_commit, b->source_dirty, err);
	if (!rc)
		rc = migc_set_set_layout(set, layout, err);
	for (i = 0; !rc && i < b->count; i++) {
		const struct migc_bundle_entry *e = &b->entries[i];
		struct set_entry_in in;

		rc = check_entry(e, i, layout, err);
		if (rc)
			break;
		memset(&in, 0, sizeof(in));
		in.kind = (migc_kind)e->kind;
		in.flags = e->flags;
		in.version = e->version;
		in.name = e->name;
		in.filename = e->filename;
		migc_strlcpy(in.checksum, e->checksum, sizeof(in.checksum));
		in.sql_len = e->sql_len;
		in.sql_line = e->sql_line;
		rc = load_sql(e, &in, &blk, err);
		if (!rc)
			rc = load_directives(&in, layout, err);
		if (rc)
			break;
		if (!blk.given && blk.used) { /* the first copy's entry owns the block */
			if (in.sql == blk.base)
				in.sql_owned = blk.base;
			else
				in.down_owned = blk.base;
		}
		rc = set_add_entry(set, &in, err);
		if (rc)
			break;
		blk.given |= in.sql_owned || in.down_owned;
		if (e->added_commit)
			rc = migc_set_set_provenance(set, migc_set_count(set) - 1,
						     e->added_commit, e->added_time, err);
	}
	if (!rc) {
		rc = migc_set_finish(set, err);
		if (rc)
			rc = corrupt(err, err ? err->message : "invalid set", NULL);
	}
	if (!rc) {
		migc_set_bundle_id(set, id);
		if (strcmp(id, b->bundle_id) != 0)
			rc = corrupt(err, "bundle id does not match its migrations", NULL);
	}
	if (rc) {
		migc_set_free(set);
		block_release(&blk);
		return rc;
	}
	*out = set;
	return 0;
}
