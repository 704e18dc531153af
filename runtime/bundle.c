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
 * All of a bundle's SQL is one stream of rows, and a migration is an offset
 * and a length in it (include/migc.h). Each migration is hashed where it
 * is, over the pieces of the rows it spans, after checking that it lies
 * inside the stream (a damaged offset or length must not read past it).
 * Its bytes are not a string in place (the next migration follows them
 * in the same row), and migc_migration.sql is one string: the set
 * assembles it into one block reserved for the whole set (set.c), on first
 * use when the bundle is loaded deferred (bundle.h, the command line), or
 * before migc_bundle_load() returns.
 *
 * Each entry is a fixed-width record in the bundle's record table,
 * decoded (bundle_record.h, inline) where a pass needs it: a few loads,
 * cheaper than keeping a decoded copy of 10,000 entries. A record that
 * cannot be decoded, or a table shorter than the count says, is refused
 * naming the record.
 *
 * An entry's strings (version, name, file names, checksums, provenance)
 * are offsets into the bundle's string table; each is looked up once and
 * checked to lie inside the table (entry_strings), and used in place: every
 * row of the table ends in a NUL (checked once, table_ends_rows), so no
 * string runs past its row.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "bundle_record.h"
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

/* An entry's strings, found in the bundle's string table. */
struct entry_view {
	const char *version, *name, *filename, *checksum;
	const char *added_commit, *down_filename, *down_checksum; /* or NULL */
};

/*
 * The string at `off` of `b`'s table, or NULL when there is none there:
 * MIGC_BUNDLE_NO_STRING or beyond the table (a damaged offset must not
 * read past it). It ends within its row: load() checked that every row
 * ends in a NUL, once, instead of a memchr per string (40,000 of them).
 */
static const char *table_string(const struct migc_bundle *b, uint32_t off)
{
	size_t row = off / MIGC_BUNDLE_ROW;

	if (off == MIGC_BUNDLE_NO_STRING || row >= b->string_rows)
		return NULL;
	return b->strings[row] + off % MIGC_BUNDLE_ROW;
}

/* Whether every row of `b`'s string table ends in a NUL, as its literal's
 * own terminator does, so no string read in place can run past its row. */
static int table_ends_rows(const struct migc_bundle *b)
{
	size_t i;

	for (i = 0; i < b->string_rows; i++)
		if (b->strings[i][MIGC_BUNDLE_ROW - 1] != '\0')
			return 0;
	return 1;
}

/* An optional string: 0 with *out NULL when `off` says none, -1 when it is
 * given but not in the table. */
static int table_optional(const struct migc_bundle *b, uint32_t off,
			  const char **out)
{
	*out = NULL;
	if (off == MIGC_BUNDLE_NO_STRING)
		return 0;
	*out = table_string(b, off);
	return *out ? 0 : -1;
}

/*
 * Find the strings of `e`, entry `i`. A damaged offset is refused naming
 * the file, or the entry's number when the file name itself is what is
 * damaged.
 * `err` may be NULL (the hashing helper only skips such an entry: the
 * loader reports it, in order).
 */
static int entry_strings(const struct migc_bundle *b,
			 const struct migc_bundle_entry *e, size_t i,
			 struct entry_view *v, migc_error *err)
{
	v->filename = table_string(b, e->filename_off);
	if (!v->filename) {
		char where[64]; /* only now: 10,000 snprintfs were 4 % of a start */

		snprintf(where, sizeof(where), "migration #%zu", i + 1);
		return corrupt(err, "its file name is missing or beyond the bundle's "
			       "string table", where);
	}
	v->version = table_string(b, e->version_off);
	v->name = table_string(b, e->name_off);
	v->checksum = table_string(b, e->checksum_off);
	if (!v->version || !v->name || !v->checksum ||
	    table_optional(b, e->added_commit_off, &v->added_commit) ||
	    table_optional(b, e->down_filename_off, &v->down_filename) ||
	    table_optional(b, e->down_checksum_off, &v->down_checksum))
		return corrupt(err, "a string is missing or beyond the bundle's "
			       "string table", v->filename);
	if (!v->down_filename != !v->down_checksum)
		return corrupt(err, "down file name and down checksum do not go "
			       "together", v->filename);
	return 0;
}

/* The chunks a stream of `size` bytes is kept in (one, empty, when 0). */
static size_t stream_chunks(size_t size)
{
	size_t rows = size / MIGC_BUNDLE_ROW_BYTES + (size % MIGC_BUNDLE_ROW_BYTES != 0);

	return rows ? rows / MIGC_BUNDLE_CHUNK_ROWS + (rows % MIGC_BUNDLE_CHUNK_ROWS != 0)
		    : 1;
}

/* Whether `len` bytes from `off` lie inside `b`'s stream. */
static int in_stream(const struct migc_bundle *b, size_t off, size_t len)
{
	return off <= b->sql_size && len <= b->sql_size - off;
}

/* Whether entry `e` says it has down SQL (entry_strings checks the rest). */
static int has_down(const struct migc_bundle_entry *e)
{
	return e->down_filename_off != MIGC_BUNDLE_NO_STRING;
}

/* What entry `e`'s SQL takes when assembled (up and down); a part placed
 * beyond the stream takes nothing, the loader refuses it by name. */
static size_t assembled(const struct migc_bundle *b,
			const struct migc_bundle_entry *e)
{
	size_t up = in_stream(b, e->sql_off, e->sql_len) ? set_sql_size(e->sql_len) : 0,
	       down = has_down(e) && in_stream(b, e->down_off, e->down_len)
		      ? set_sql_size(e->down_len) : 0;

	return up > (size_t)-1 - down ? (size_t)-1 : up + down;
}

static size_t saturated_add(size_t a, size_t b)
{
	return a > (size_t)-1 - b ? (size_t)-1 : a + b;
}

/* The SQL bytes entry `e` holds, up and down (what the helper hashes). */
static size_t entry_sql_bytes(const struct migc_bundle_entry *e)
{
	return saturated_add(e->sql_len, has_down(e) ? e->down_len : 0);
}

/*
 * What assembling every SQL of `b` takes, and how many SQL bytes its
 * entries hold (*total, saturated: for hash_half_start); 0 or
 * MIGC_ENOMEM. A record that cannot be decoded counts nothing: the loader
 * refuses it, in order.
 */
static int reserve_size(size_t *out, size_t *total, const struct migc_bundle *b,
			migc_error *err)
{
	size_t i, size = 0, bytes = 0;

	for (i = 0; i < b->count; i++) {
		struct migc_bundle_entry e;
		size_t a;

		if (record_get(&e, b, i))
			continue;
		a = assembled(b, &e);
		bytes = saturated_add(bytes, entry_sql_bytes(&e));
		if (a > (size_t)-1 - size)
			return migc_err(err, MIGC_ENOMEM, "bundle too large");
		size += a;
	}
	*out = size;
	*total = bytes;
	return 0;
}

/*
 * Re-hash `len` bytes of `b`'s stream from `off` against `checksum`, in
 * place, after checking that they lie inside the stream.
 */
static int check_sql(const struct migc_bundle *b, size_t off, size_t len,
		     const char *checksum, const char *file, migc_error *err)
{
	char sum[MIGC_CHECKSUM_HEX_LEN + 1];

	if (!in_stream(b, off, len))
		return corrupt(err, "SQL offset or length beyond the bundle's SQL",
			       file);
	migc_checksum_rows(sum, b->sql, off, len);
	if (strcmp(sum, checksum) != 0)
		return corrupt(err, "embedded SQL does not match its checksum", file);
	return 0;
}

/*
 * Check the SQL of entry `e` (up and down), unless `hashed` says it is. A
 * checksum that is not 32 hex digits cannot equal the one computed, so
 * comparing them checks its form too.
 */
static int check_entry_sql(const struct migc_bundle *b,
			   const struct migc_bundle_entry *e,
			   const struct entry_view *v, int hashed,
			   migc_error *err)
{
	int rc;

	if (hashed) { /* elsewhere; but the loader reads it: in the stream? */
		if (!in_stream(b, e->sql_off, e->sql_len))
			return corrupt(err, "SQL offset or length beyond the "
				       "bundle's SQL", v->filename);
		if (v->down_filename && !in_stream(b, e->down_off, e->down_len))
			return corrupt(err, "SQL offset or length beyond the "
				       "bundle's SQL", v->down_filename);
		return 0;
	}
	rc = check_sql(b, e->sql_off, e->sql_len, v->checksum, v->filename, err);
	if (!rc && v->down_filename)
		rc = check_sql(b, e->down_off, e->down_len, v->down_checksum,
			       v->down_filename, err);
	return rc;
}

/* Check entry `e`'s SQL and say where it is: in the stream, to assemble. */
static int load_sql(const struct migc_bundle *b,
		    const struct migc_bundle_entry *e, const struct entry_view *v,
		    struct set_entry_in *in, int hashed, migc_error *err)
{
	int rc = check_entry_sql(b, e, v, hashed, err);

	if (rc)
		return rc;
	in->rows = b->sql;
	in->sql_off = e->sql_off;
	if (v->down_filename) {
		in->down_len = e->down_len;
		in->down_filename = v->down_filename;
		in->down_line = e->down_line;
		in->down_checksum = v->down_checksum;
		in->down_off = e->down_off;
		in->down_in_rows = 1;
	}
	return 0;
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
 * Whether `text` (`avail` of a SQL's `len` bytes) settles its leading
 * block: *lead is it when the first statement's line ends within `avail`
 * (a line cut at its end could be a comment that goes on), or when `avail`
 * is all of it.
 */
static int lead_within(const char *text, size_t avail, size_t len, size_t *lead)
{
	*lead = leading_block(text, avail);
	return avail == len ||
	       (*lead < avail && memchr(text + *lead, '\n', avail - *lead));
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
	char near[2 * MIGC_BUNDLE_ROW_BYTES + 1];
	const char *text = in->sql;
	char *copy = NULL;
	size_t lead;
	migc_directives d;
	migc_error derr;
	int rc;

	if (in->rows) {
		/* Not assembled: read the leading block where the SQL starts,
		 * in its row; else from a copy of its first two rows' worth;
		 * else (a leading block of comments over 4 KiB: rare) from a
		 * copy of all of it. */
		size_t col = in->sql_off % MIGC_BUNDLE_ROW_BYTES,
		       avail = MIGC_BUNDLE_ROW_BYTES - col;

		text = migc_stream_row(in->rows, in->sql_off / MIGC_BUNDLE_ROW_BYTES) + col;
		if (avail > in->sql_len)
			avail = in->sql_len;
		if (!lead_within(text, avail, in->sql_len, &lead)) {
			avail = in->sql_len < sizeof(near) - 1 ? in->sql_len
							       : sizeof(near) - 1;
			set_rows_copy(near, in->rows, in->sql_off, avail);
			text = near;
			if (!lead_within(near, avail, in->sql_len, &lead)) {
				copy = malloc(in->sql_len + 1);
				if (!copy)
					return migc_err(err, MIGC_ENOMEM,
							"%s: out of memory",
							in->filename);
				set_rows_copy(copy, in->rows, in->sql_off,
					      in->sql_len);
				text = copy;
				lead = leading_block(copy, in->sql_len);
			}
		}
	} else {
		lead = leading_block(text, in->sql_len);
	}
	rc = migc_directives_parse(&d, in->filename, text, lead, &derr);
	free(copy);
	if (rc || (d.flags & ~tool) != (in->flags & ~tool) || (d.flags & ~in->flags))
		return corrupt(err, "flags do not match the file's directives",
			       in->filename);
	in->lock_timeout_ms = d.lock_timeout_ms;
	in->statement_timeout_ms = d.statement_timeout_ms;
	return 0;
}

/*
 * The file name says what the entry says: kind, version, name. migc's own
 * names are composed and compared rather than parsed (the compiler parsed
 * them; what a damaged bundle could change is caught either here or by
 * the bundle id, which covers kind, version and name).
 */
static int name_agrees(const struct migc_bundle_entry *e,
		       const struct entry_view *v, migc_layout layout)
{
	struct layout_name ln;
	migc_error perr;

	if (layout == MIGC_LAYOUT_MIGC)
		return migc_filename_agrees(v->filename, (migc_kind)e->kind,
					    v->version, v->name);
	return !layout_name_parse(layout, v->filename, &ln, &perr) &&
	       (ln.role == LAYOUT_UP || ln.role == LAYOUT_SECTIONS) &&
	       (int)ln.kind == e->kind && strcmp(ln.version, v->version) == 0 &&
	       strcmp(ln.name, v->name) == 0;
}

static int check_entry(const struct migc_bundle_entry *e,
		       const struct entry_view *v, migc_layout layout,
		       migc_error *err)
{
	if (e->kind != MIGC_KIND_VERSIONED && e->kind != MIGC_KIND_REPEATABLE)
		return corrupt(err, "unknown kind", v->filename);
	if (e->flags & ~(MIGC_FLAG_NO_TRANSACTION | MIGC_FLAG_PHASE_POST |
			 MIGC_FLAG_DOWN_NO_TRANSACTION))
		return corrupt(err, "unknown flags", v->filename);
	if ((e->flags & MIGC_FLAG_DOWN_NO_TRANSACTION) && !v->down_filename)
		return corrupt(err, "down flags without down SQL", v->filename);
	if (!name_agrees(e, v, layout))
		return corrupt(err, "name, version and file name disagree", v->filename);
	if (v->down_filename && layout == MIGC_LAYOUT_MIGC)
		return corrupt(err, "down SQL in a migc-layout bundle", v->filename);
	return 0;
}

/*
 * A large bundle's SQL is hashed on two threads: a helper checks the
 * migrations from `first` on while the loader hashes the ones before and
 * builds the whole set in order, the helper's part on trust (its SQL only
 * checked to lie in the stream), and takes the helper's verdict at the
 * end. Building an entry costs about as much as hashing
 * MIGC_HASH_ENTRY_BYTES of SQL, so the loader hashes that much less than
 * half. Errors are the same, and reported for the first bad migration in
 * bundle order (load_verdict). Below MIGC_HASH_SPLIT bytes of SQL (nearly
 * every real bundle) there is no thread: starting one costs more than it
 * saves.
 */
#define MIGC_HASH_SPLIT ((size_t)16 << 20)
#define MIGC_HASH_ENTRY_BYTES ((size_t)2048)

struct hash_half {
	const struct migc_bundle *b;
	size_t first;         /* the helper's first entry */
	size_t failed;        /* b->count, or the first entry that failed */
	migc_error err;       /* the helper's own, unread */
	pthread_t thread;
	int running;
};

static void *hash_half_run(void *arg)
{
	struct hash_half *h = arg;
	size_t i;

	for (i = h->first; i < h->b->count; i++) {
		struct migc_bundle_entry e;
		struct entry_view v;

		/* a malformed entry is the loader's to report, in order */
		if (record_get(&e, h->b, i) ||
		    entry_strings(h->b, &e, i, &v, NULL))
			continue;
		if (check_entry_sql(h->b, &e, &v, 0, &h->err)) {
			h->failed = i;
			break;
		}
	}
	return NULL;
}

/* Start the helper when `b` holds enough SQL to be worth it: `total`
 * bytes in all (reserve_size). */
static void hash_half_start(struct hash_half *h, const struct migc_bundle *b,
			    size_t total)
{
	size_t i, half = 0, mine;

	memset(h, 0, sizeof(*h));
	h->b = b;
	h->first = h->failed = b->count;
	if (total < MIGC_HASH_SPLIT || b->count < 2)
		return;
	/* the loader also builds the set: it hashes that much less */
	mine = total / 2 > b->count / 2 * MIGC_HASH_ENTRY_BYTES
	       ? total / 2 - b->count / 2 * MIGC_HASH_ENTRY_BYTES : total / 4;
	for (i = 0; i < b->count && half < mine; i++) {
		struct migc_bundle_entry e;

		if (!record_get(&e, b, i))
			half += entry_sql_bytes(&e);
	}
	h->first = i;
	h->failed = b->count;
	h->running = pthread_create(&h->thread, NULL, hash_half_run, h) == 0;
	if (!h->running)
		h->first = b->count; /* no thread: the loader hashes it all */
}

/* Wait for the helper (once); nothing happens when none runs. */
static void hash_half_join(struct hash_half *h)
{
	if (h->running)
		pthread_join(h->thread, NULL);
	h->running = 0;
}

/*
 * The loader stopped at entry `stop` (b->count when it built them all;
 * `late` when that entry's SQL was checked and what failed came after),
 * having taken the helper's part on trust: the helper's first failure is
 * the error when it comes first in bundle order. It is found again here,
 * with the loader's `err`, so the message is the one a single thread
 * gives. Returns `rc`, or the helper's error.
 */
static int load_verdict(const struct migc_bundle *b, const struct hash_half *h,
			size_t stop, int late, int rc, migc_error *err)
{
	struct migc_bundle_entry e;
	struct entry_view v;

	if (h->failed >= b->count || h->failed > stop ||
	    (h->failed == stop && !late))
		return rc;
	/* the helper skips those */
	if (record_get(&e, b, h->failed) ||
	    entry_strings(b, &e, h->failed, &v, NULL))
		return rc;
	return check_entry_sql(b, &e, &v, 0, err);
}

/*
 * Whether `b`'s record table has exactly the rows its count of records
 * takes: a shorter one is refused naming the first record it lacks (a
 * truncated table must not be read past), a longer one as not matching
 * the count.
 */
static int record_table_fits(const struct migc_bundle *b, migc_error *err)
{
	size_t rows = b->count / MIGC_BUNDLE_ROW_RECORDS +
		      (b->count % MIGC_BUNDLE_ROW_RECORDS != 0);
	char what[128];

	if (b->record_rows == rows && (b->records || !rows))
		return 0;
	if (b->record_rows < rows || !b->records) {
		size_t first = b->records ? b->record_rows * MIGC_BUNDLE_ROW_RECORDS : 0;
		char where[64];

		snprintf(where, sizeof(where), "record #%zu", first + 1);
		snprintf(what, sizeof(what), "beyond the bundle's record table "
			 "(%zu rows for %zu migrations)", b->records ? b->record_rows : 0,
			 b->count);
		return corrupt(err, what, where);
	}
	snprintf(what, sizeof(what), "the record table has %zu rows, its %zu "
		 "migrations take %zu", b->record_rows, b->count, rows);
	return corrupt(err, what, NULL);
}

/* Load `b` into a new set, its long SQL deferred (bundle.h). */
static int load(migc_set **out, const struct migc_bundle *b, migc_error *err)
{
	char id[MIGC_CHECKSUM_HEX_LEN + 1];
	struct hash_half half;
	migc_set *set = NULL;
	migc_layout layout;
	size_t i = 0, reserve = 0, total = 0;
	int rc, late = 0;

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
	    !b->sql || !b->strings ||
	    !b->string_rows || !migc_layout_name(layout))
		return corrupt(err, "bundle header is malformed", NULL);
	/* the stream ends where its size says: as many chunks as its rows
	 * take, and a NUL right after its last byte (row ends are NUL anyway) */
	if (b->sql_chunks != stream_chunks(b->sql_size) ||
	    (b->sql_size &&
	     migc_stream_row(b->sql, (b->sql_size - 1) / MIGC_BUNDLE_ROW_BYTES)
		     [(b->sql_size - 1) % MIGC_BUNDLE_ROW_BYTES + 1] != '\0'))
		return corrupt(err, "SQL size does not match its rows", NULL);
	if (!table_ends_rows(b))
		return corrupt(err, "a row of the string table does not end in a NUL",
			       NULL);
	rc = record_table_fits(b, err);
	if (!rc)
		rc = reserve_size(&reserve, &total, b, err);
	if (rc)
		return rc;
	hash_half_start(&half, b, total);
	rc = migc_set_new(&set, err);
	if (!rc)
		rc = set_sql_reserve(set, reserve, err);
	if (!rc)
		rc = set_reserve_entries(set, b->count, err);
	if (!rc)
		rc = migc_set_set_source(set, b->source_commit, b->source_dirty, err);
	if (!rc)
		rc = migc_set_set_layout(set, layout, err);
	for (i = 0; !rc && i < b->count; i++) {
		struct migc_bundle_entry rec;
		const struct migc_bundle_entry *e = &rec;
		struct set_entry_in in;
		struct entry_view v;

		late = 0; /* what fails up to its SQL's check comes first */
		if (record_get(&rec, b, i)) /* the decoder says why */
			rc = migc_bundle_entry_get(&rec, b, i, err);
		if (!rc)
			rc = entry_strings(b, e, i, &v, err);
		if (!rc)
			rc = check_entry(e, &v, layout, err);
		if (rc)
			break;
		memset(&in, 0, sizeof(in));
		in.kind = (migc_kind)e->kind;
		in.flags = e->flags;
		in.version = v.version;
		in.name = v.name;
		in.filename = v.filename;
		/* the strings stay in the bundle's table, which outlives
		 * the set (migc_bundle_load, include/migc.h) */
		in.borrowed = 1;
		in.checksum_at = v.checksum;
		in.sql_len = e->sql_len;
		in.sql_line = e->sql_line;
		/* the helper's part is taken on trust until load_verdict */
		rc = load_sql(b, e, &v, &in, i >= half.first, err);
		if (rc)
			break;
		late = 1;
		rc = load_directives(&in, layout, err);
		if (!rc)
			rc = set_add_entry(set, &in, err);
		if (!rc && v.added_commit)
			rc = migc_set_set_provenance(set, migc_set_count(set) - 1,
						     v.added_commit, e->added_time, err);
		if (rc)
			break; /* i stays the entry that failed */
	}
	hash_half_join(&half);
	rc = load_verdict(b, &half, i, late, rc, err);
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
		return rc;
	}
	*out = set;
	return 0;
}

int bundle_load_deferred(migc_set **out, const struct migc_bundle *b,
			 migc_error *err)
{
	return load(out, b, err);
}

int migc_bundle_load(migc_set **out, const struct migc_bundle *b,
		     migc_error *err)
{
	size_t i;
	int rc = load(out, b, err);

	/* the public set is complete: every migration's sql is a string */
	for (i = 0; !rc && i < migc_set_count(*out); i++)
		set_sql_assemble(set_peek(*out, i));
	return rc;
}
