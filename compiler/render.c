/*
 * render.c - filling templates/bundle.c.in from a migration set.
 *
 * The template is compiled in: the Makefile turns it into
 * $(BUILD)/gen/bundle_template.h, one C string per template line, so the
 * installed migc needs no data files. This file only supplies values, each
 * escaped for the place the template puts it (string literal, comment or
 * code); the layout of the generated file lives in the template alone.
 */
#define _POSIX_C_SOURCE 200809L

#include "render.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "util.h"

static const char *const bundle_template[] = {
#include "bundle_template.h"
	NULL
};

/* Where one migration's strings are in the string table (include/migc.h);
 * MIGC_BUNDLE_NO_STRING for those it has not. */
struct entry_strings {
	uint32_t version, name, filename, checksum, added_commit, down_filename,
		down_checksum;
};

struct bundle_ctx {
	const migc_set *set;
	const struct render_info *info;
	const char *symbol;
	char bundle_id[MIGC_CHECKSUM_HEX_LEN + 1];
	size_t *offs;     /* migration i: up SQL at offs[2i], down at offs[2i+1] */
	size_t sql_size;  /* the stream's length */
	struct entry_strings *strs; /* migration i's strings */
	size_t string_rows;         /* the string table's rows */
	struct emit_out *half;      /* a chunk's second half (emit_sql_chunk);
				       kept for the next chunk */
};

int render_symbol_check(const char *name, migc_error *err)
{
	/* C11 keywords (the _Xxx ones are caught as reserved below) and the
	 * names the bundle file itself defines. */
	static const char *const refused[] = {
		"auto", "break", "case", "char", "const", "continue",
		"default", "do", "double", "else", "enum", "extern", "float",
		"for", "goto", "if", "inline", "int", "long", "register",
		"restrict", "return", "short", "signed", "sizeof", "static",
		"struct", "switch", "typedef", "union", "unsigned", "void",
		"volatile", "while", "main", "entries", "asm", "typeof",
		"migc_sql", "migc_strings", "migc_records", NULL
	};
	size_t i, n = strlen(name);

	if (!n || n > 200)
		goto bad;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || (i && c >= '0' && c <= '9')))
			goto bad;
	}
	if (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z')))
		goto bad;
	for (i = 0; refused[i]; i++)
		if (strcmp(name, refused[i]) == 0)
			goto bad;
	if (strncmp(name, "migc_sql_", 9) == 0) /* the chunks: migc_sql_0, ... */
		goto bad;
	return 0;
bad:
	migc_err(err, MIGC_EUSAGE, "'%.200s' cannot name the bundle", name);
	migc_err_hint(err, "use a C identifier (letters, digits, _) that is not a keyword, "
			   "not reserved (_X, __x), and not main, entries, migc_sql, migc_sql_N, migc_strings or migc_records");
	return MIGC_EUSAGE;
}

/* The layout as its C name: MIGC_LAYOUT_GOLANG_MIGRATE for "golang-migrate". */
static int emit_layout(struct emit_out *o, migc_layout layout)
{
	const char *n = migc_layout_name(layout);

	emit_puts(o, "MIGC_LAYOUT_");
	for (; n && *n; n++) {
		char c = *n;

		if (c == '-')
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		emit_put(o, &c, 1);
	}
	return o->rc;
}

/*
 * Migration `item`'s record (include/migc.h) inside a string literal: the
 * one encoder, migc_bundle_record_put(), then every byte as the shortest
 * octal escape. Each escape is followed by another or by the closing
 * quote, so a short one (`\0`, most bytes) cannot take in a digit after
 * it, and no `?` (trigraph) or `\x` (which would swallow hex digits) is
 * ever written. As string bytes, 10,000 records cost clang nothing
 * measurable; as struct initializers they were a quarter of its time.
 */
static int emit_record(const struct bundle_ctx *c, size_t item,
		       struct emit_out *o)
{
	const migc_migration *m = migc_set_get(c->set, item);
	const struct entry_strings *es = &c->strs[item];
	struct migc_bundle_entry e = {
		.kind = (int)m->kind, .flags = m->flags,
		.version_off = es->version, .name_off = es->name,
		.filename_off = es->filename, .checksum_off = es->checksum,
		.added_commit_off = es->added_commit,
		.down_filename_off = es->down_filename,
		.down_checksum_off = es->down_checksum,
		.added_time = m->added_time, .sql_off = c->offs[2 * item],
		.sql_len = m->sql_len, .sql_line = m->sql_line};
	char rec[MIGC_BUNDLE_RECORD], text[4 * MIGC_BUNDLE_RECORD];
	size_t i, n = 0;

	if (m->down_sql) {
		e.down_off = c->offs[2 * item + 1];
		e.down_len = m->down_len;
		e.down_line = m->down_line;
	}
	if (migc_bundle_record_put(rec, &e, NULL))
		return o->rc ? o->rc : MIGC_EINVALID; /* checked before rendering */
	for (i = 0; i < sizeof(rec); i++) {
		unsigned char b = (unsigned char)rec[i];

		text[n++] = '\\';
		if (b >= 0100)
			text[n++] = (char)('0' + (b >> 6));
		if (b >= 010)
			text[n++] = (char)('0' + (b >> 3 & 7));
		text[n++] = (char)('0' + (b & 7));
	}
	return emit_put(o, text, n);
}

/* The values of one migration (inside the `migrations` section). */
static int migration_value(const struct bundle_ctx *c, const char *name,
			   size_t item, struct emit_out *o)
{
	const migc_migration *m = migc_set_get(c->set, item);

	if (!m)
		return MIGC_ENOTFOUND;
	if (!strcmp(name, "record"))
		return emit_record(c, item, o);
	if (!strcmp(name, "record_end")) /* a row ends after this record */
		return (item + 1) % MIGC_BUNDLE_ROW_RECORDS == 0 ||
		       item + 1 == migc_set_count(c->set) ? emit_puts(o, ",") : 0;
	if (!strcmp(name, "filename_comment"))
		return emit_comment_text(o, m->filename, strlen(m->filename));
	return MIGC_ENOTFOUND;
}

/* The bytes of the stream a chunk of rows holds (include/migc.h). */
#define CHUNK_BYTES ((size_t)MIGC_BUNDLE_CHUNK_ROWS * MIGC_BUNDLE_ROW_BYTES)

/* A chunk this big is rendered on two threads (render_info.one_thread). */
#define SPLIT_MIN_BYTES ((size_t)64 * 1024)

/* How many chunks the stream takes (one, empty, when there is no SQL). */
static size_t chunk_count(const struct bundle_ctx *c)
{
	return c->sql_size ? (c->sql_size - 1) / CHUNK_BYTES + 1 : 1;
}

/*
 * Bytes [from, to) of the stream (every migration's up SQL, then its down
 * SQL, in order) as rows continuing `st`, from the pieces (offs[]) that
 * overlap them.
 */
static void emit_sql_range(const struct bundle_ctx *c, size_t from, size_t to,
			   struct emit_stream *st, struct emit_out *o)
{
	size_t lo = 0, hi = 2 * migc_set_count(c->set), j;

	/* the last piece starting at or before `from` */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->offs[mid] <= from)
			lo = mid;
		else
			hi = mid;
	}
	for (j = lo; j < 2 * migc_set_count(c->set) && c->offs[j] < to; j++) {
		const migc_migration *m = migc_set_get(c->set, j / 2);
		const char *p = j % 2 ? m->down_sql : m->sql;
		size_t len = j % 2 ? (m->down_sql ? m->down_len : 0) : m->sql_len,
		       at = c->offs[j], a = at < from ? from - at : 0,
		       b = at + len < to ? len : to - at;

		if (a < b)
			emit_stream_put(o, st, p + a, b - a);
	}
}

/*
 * The second half of a chunk, rendered by a thread of its own into a
 * buffer of its own while the caller renders the first half: it starts at
 * a row's start, so its rows are laid out as one thread would lay them.
 */
struct sql_half {
	const struct bundle_ctx *c;
	size_t from, to;
	struct emit_stream st;
	struct emit_out *out;
};

static void *sql_half_main(void *arg)
{
	struct sql_half *h = arg;

	emit_sql_range(h->c, h->from, h->to, &h->st, h->out);
	emit_stream_end(h->out, &h->st);
	return NULL;
}

/*
 * Chunk `k` of the stream as rows: the bytes [k * CHUNK_BYTES,
 * (k + 1) * CHUNK_BYTES) of it. A chunk starts a row, so its rows are the
 * stream's own. A chunk of SPLIT_MIN_BYTES or more is rendered in two
 * halves at once (unless info->one_thread, or no thread can be started):
 * the caller's thread writes the first half into `o`, then appends the
 * second, so the bytes are the same either way.
 */
static int emit_sql_chunk(const struct bundle_ctx *c, size_t k,
			  struct emit_out *o)
{
	size_t from = k * CHUNK_BYTES,
	       to = c->sql_size - from < CHUNK_BYTES ? c->sql_size : from + CHUNK_BYTES;
	struct emit_stream st;

	emit_stream_init(&st, "\t");
	if (!c->info->one_thread && to - from >= SPLIT_MIN_BYTES) {
		size_t half_rows = (to - from) / MIGC_BUNDLE_ROW_BYTES / 2;
		struct sql_half h;
		pthread_t t;

		h.c = c;
		h.from = from + half_rows * MIGC_BUNDLE_ROW_BYTES;
		h.to = to;
		emit_stream_init(&h.st, "\t");
		h.st.rows = half_rows; /* the first half's rows come before */
		h.out = c->half;
		h.out->buf.len = 0;
		if (pthread_create(&t, NULL, sql_half_main, &h) == 0) {
			emit_sql_range(c, from, h.from, &st, o);
			pthread_join(t, NULL);
			if (h.out->rc && !o->rc)
				o->rc = h.out->rc;
			return emit_put_buf(o, &h.out->buf);
		}
	}
	emit_sql_range(c, from, to, &st, o);
	return emit_stream_end(o, &st);
}

/* Add `str` to the table `t` (and write it when `o`): *off is where. */
static int add_string(struct emit_out *o, struct emit_strtab *t,
		      const char *str, const migc_migration *m, uint32_t *off,
		      migc_error *err)
{
	if (emit_strtab_add(o, t, str, strlen(str), off))
		return migc_err(err, MIGC_EINVALID, "%s: a name is too long for the "
				"bundle's string table (or the table is full)",
				m->filename);
	return 0;
}

/*
 * Lay out the string table: where every migration's strings go (when
 * `strs`) and, when `o`, the table's rows. Called once for each, so the
 * offsets the entries hold and the rows written cannot differ. The table
 * starts with a NUL no string is (offset 0 is MIGC_BUNDLE_NO_STRING), then
 * the "" every empty string shares; a down SQL in the up SQL's own file
 * (goose, dbmate sections) shares its file name.
 */
static int lay_out_strings(const migc_set *set, struct emit_out *o,
			   struct entry_strings *strs, size_t *rows,
			   migc_error *err)
{
	struct emit_strtab t;
	uint32_t none, empty;
	size_t i;
	int rc = 0;

	emit_strtab_init(&t, "\t");
	emit_strtab_add(o, &t, "", 0, &none);
	emit_strtab_add(o, &t, "", 0, &empty);
	for (i = 0; !rc && i < migc_set_count(set); i++) {
		const migc_migration *m = migc_set_get(set, i);
		struct entry_strings es = {0};

		if (*m->version)
			rc = add_string(o, &t, m->version, m, &es.version, err);
		else
			es.version = empty;
		if (!rc)
			rc = add_string(o, &t, m->name, m, &es.name, err);
		if (!rc)
			rc = add_string(o, &t, m->filename, m, &es.filename, err);
		if (!rc)
			rc = add_string(o, &t, m->checksum, m, &es.checksum, err);
		if (!rc && m->added_commit)
			rc = add_string(o, &t, m->added_commit, m, &es.added_commit, err);
		if (!rc && m->down_sql) {
			if (!strcmp(m->down_filename, m->filename))
				es.down_filename = es.filename;
			else
				rc = add_string(o, &t, m->down_filename, m,
						&es.down_filename, err);
			if (!rc)
				rc = add_string(o, &t, m->down_checksum, m,
						&es.down_checksum, err);
		}
		if (strs)
			strs[i] = es;
	}
	*rows = t.rows;
	if (o)
		emit_strtab_end(o, &t);
	return rc;
}

/* Where each migration's SQL starts in the stream, and its size. */
static int stream_offsets(struct bundle_ctx *c, migc_error *err)
{
	size_t i, n = migc_set_count(c->set), at = 0;

	c->offs = malloc((n ? n : 1) * 2 * sizeof(*c->offs));
	if (!c->offs)
		return migc_err(err, MIGC_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const migc_migration *m = migc_set_get(c->set, i);

		c->offs[2 * i] = at;
		at += m->sql_len;
		c->offs[2 * i + 1] = at;
		if (m->down_sql)
			at += m->down_len;
	}
	c->sql_size = at;
	return 0;
}

/* Whether every migration's values fit a record's fields (kinds, flags
 * and lines of a set always do): emit_record() cannot fail later. */
static int records_fit(const migc_set *set, migc_error *err)
{
	size_t i;

	for (i = 0; i < migc_set_count(set); i++) {
		const migc_migration *m = migc_set_get(set, i);
		struct migc_bundle_entry e = {.kind = (int)m->kind, .flags = m->flags,
					      .sql_line = m->sql_line,
					      .down_line = m->down_sql ? m->down_line : 0};
		char rec[MIGC_BUNDLE_RECORD];
		migc_error rerr;

		if (migc_bundle_record_put(rec, &e, &rerr))
			return migc_err(err, MIGC_EINVALID, "%s: %s", m->filename,
					rerr.message);
	}
	return 0;
}

static int bundle_value(void *data, const char *name, size_t item,
			struct emit_out *o)
{
	const struct bundle_ctx *c = data;
	const char *commit = c->info->source_commit ? c->info->source_commit : "";
	int rc;

	/* a migration's values first: most values are theirs (the names of
	 * the two kinds differ) */
	rc = migration_value(c, name, item, o);
	if (rc != MIGC_ENOTFOUND)
		return rc;
	if (!strcmp(name, "compiler_version"))
		return emit_puts(o, MIGC_VERSION);
	if (!strcmp(name, "abi"))
		return emit_printf(o, "%d", MIGC_BUNDLE_ABI);
	if (!strcmp(name, "symbol"))
		return emit_puts(o, c->symbol);
	if (!strcmp(name, "count"))
		return emit_printf(o, "%zu", migc_set_count(c->set));
	if (!strcmp(name, "bundle_id"))
		return emit_puts(o, c->bundle_id);
	if (!strcmp(name, "source_commit"))
		return emit_string(o, commit);
	if (!strcmp(name, "source_dirty"))
		return emit_printf(o, "%d", c->info->source_dirty);
	if (!strcmp(name, "records"))
		return emit_puts(o, migc_set_count(c->set) ? "migc_records" : "NULL");
	if (!strcmp(name, "record_rows"))
		return emit_printf(o, "%zu", (migc_set_count(c->set) +
					      MIGC_BUNDLE_ROW_RECORDS - 1) /
					     MIGC_BUNDLE_ROW_RECORDS);
	if (!strcmp(name, "chunk"))
		return emit_printf(o, "%zu", item);
	if (!strcmp(name, "chunk_sql"))
		return emit_sql_chunk(c, item, o);
	if (!strcmp(name, "sql_chunk_count"))
		return emit_printf(o, "%zu", chunk_count(c));
	if (!strcmp(name, "sql_size"))
		return emit_printf(o, "%zu", c->sql_size);
	if (!strcmp(name, "strings")) {
		size_t rows;

		/* laid out before rendering: it cannot fail now */
		lay_out_strings(c->set, o, NULL, &rows, NULL);
		return o->rc;
	}
	if (!strcmp(name, "string_rows"))
		return emit_printf(o, "%zu", c->string_rows);
	if (!strcmp(name, "layout"))
		return emit_layout(o, migc_set_layout(c->set));
	if (!strcmp(name, "source")) {
		if (!*commit)
			return emit_puts(o, "working tree");
		emit_puts(o, "commit ");
		emit_comment_text(o, commit, strlen(commit));
		if (c->info->source_dirty == 1)
			emit_puts(o, " (dirty)");
		return o->rc;
	}
	return MIGC_ENOTFOUND;
}

static long bundle_section(void *data, const char *name, size_t item,
			   int *list)
{
	const struct bundle_ctx *c = data;
	size_t n = migc_set_count(c->set);

	(void)item; /* no section inside a migration's */
	*list = 0;
	if (!strcmp(name, "any"))
		return n ? 1 : 0;
	if (!strcmp(name, "migrations")) {
		*list = 1;
		return (long)n;
	}
	if (!strcmp(name, "sql_chunks")) {
		*list = 1;
		return (long)chunk_count(c);
	}
	return -1;
}

/* Join the template's lines into one text. */
static int template_text(migc_buf *b, migc_error *err)
{
	size_t i;

	for (i = 0; bundle_template[i]; i++)
		if (migc_buf_puts(b, bundle_template[i]))
			return migc_err(err, MIGC_ENOMEM, "out of memory");
	return 0;
}

int render_bundle(struct emit_out *out, const migc_set *set,
		  const struct render_info *info, migc_error *err)
{
	struct bundle_ctx c;
	struct emit_out half;
	struct tpl_vars vars;
	migc_buf tpl = MIGC_BUF_INIT;
	int rc;

	c.set = set;
	c.info = info;
	c.symbol = info->symbol ? info->symbol : RENDER_DEFAULT_SYMBOL;
	rc = render_symbol_check(c.symbol, err);
	if (rc)
		return rc;
	migc_set_bundle_id(set, c.bundle_id);
	rc = stream_offsets(&c, err);
	if (rc)
		return rc;
	c.strs = malloc((migc_set_count(set) ? migc_set_count(set) : 1) *
			sizeof(*c.strs));
	if (!c.strs)
		rc = migc_err(err, MIGC_ENOMEM, "out of memory");
	if (!rc)
		rc = lay_out_strings(set, NULL, c.strs, &c.string_rows, err);
	if (!rc)
		rc = records_fit(set, err);
	if (rc) {
		free(c.offs);
		free(c.strs);
		return rc;
	}
	emit_out_init(&half, NULL);
	c.half = &half;
	vars.value = bundle_value;
	vars.section = bundle_section;
	vars.data = &c;
	rc = template_text(&tpl, err);
	if (!rc)
		rc = tpl_render("bundle.c.in", tpl.data, tpl.len, &vars, out, err);
	migc_buf_free(&tpl);
	emit_out_free(&half);
	free(c.offs);
	free(c.strs);
	return rc;
}
