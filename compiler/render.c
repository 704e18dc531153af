/*
 * render.c - filling templates/bundle.c.in from a migration set.
 *
 * The template is compiled in: the Makefile turns it into
 * $(BUILD)/gen/bundle_template.h, one C string per template line, so the
 * installed migc needs no data files. This file only supplies values, each
 * escaped for the place the template puts it (string literal, comment or
 * code); the layout of the generated file lives in the template alone.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "util.h"

static const char *const bundle_template[] = {
#include "bundle_template.h"
	NULL
};

struct bundle_ctx {
	const migc_set *set;
	const struct render_info *info;
	const char *symbol;
	char bundle_id[MIGC_CHECKSUM_HEX_LEN + 1];
	size_t *offs;     /* migration i: up SQL at offs[2i], down at offs[2i+1] */
	size_t sql_size;  /* the stream's length */
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
		"migc_sql", NULL
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
	return 0;
bad:
	migc_err(err, MIGC_EUSAGE, "'%.200s' cannot name the bundle", name);
	migc_err_hint(err, "use a C identifier (letters, digits, _) that is not a keyword, "
			   "not reserved (_X, __x), and not main, entries or migc_sql");
	return MIGC_EUSAGE;
}

/* Flags as C: 0, or MIGC_FLAG_* names joined by |, unknown bits in hex. */
static int emit_flags(struct emit_out *o, unsigned flags)
{
	const char *sep = "";

	if (!flags)
		return emit_puts(o, "0");
	if (flags & MIGC_FLAG_NO_TRANSACTION) {
		emit_puts(o, "MIGC_FLAG_NO_TRANSACTION");
		sep = " | ";
	}
	if (flags & MIGC_FLAG_PHASE_POST) {
		emit_printf(o, "%sMIGC_FLAG_PHASE_POST", sep);
		sep = " | ";
	}
	if (flags & MIGC_FLAG_DOWN_NO_TRANSACTION) {
		emit_printf(o, "%sMIGC_FLAG_DOWN_NO_TRANSACTION", sep);
		sep = " | ";
	}
	flags &= ~(MIGC_FLAG_NO_TRANSACTION | MIGC_FLAG_PHASE_POST |
		   MIGC_FLAG_DOWN_NO_TRANSACTION);
	if (flags)
		emit_printf(o, "%s0x%xu", sep, flags);
	return o->rc;
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

/* The values of one migration (inside the `migrations` section). */
static int migration_value(const struct bundle_ctx *c, const char *name,
			   size_t item, struct emit_out *o)
{
	const migc_migration *m = migc_set_get(c->set, item);
	int versioned;

	if (!m)
		return MIGC_ENOTFOUND;
	versioned = m->kind == MIGC_KIND_VERSIONED;
	if (!strcmp(name, "index"))
		return emit_printf(o, "%zu", item + 1);
	if (!strcmp(name, "filename_comment"))
		return emit_comment_text(o, m->filename, strlen(m->filename));
	if (!strcmp(name, "kind_name"))
		return emit_puts(o, versioned ? "versioned" : "repeatable");
	if (!strcmp(name, "kind"))
		return emit_puts(o, versioned ? "MIGC_KIND_VERSIONED" : "MIGC_KIND_REPEATABLE");
	if (!strcmp(name, "flags"))
		return emit_flags(o, m->flags);
	if (!strcmp(name, "version"))
		return emit_string(o, m->version);
	if (!strcmp(name, "name"))
		return emit_string(o, m->name);
	if (!strcmp(name, "filename"))
		return emit_string(o, m->filename);
	if (!strcmp(name, "checksum"))
		return emit_string(o, m->checksum);
	if (!strcmp(name, "added_commit"))
		return m->added_commit ? emit_string(o, m->added_commit) : emit_puts(o, "NULL");
	if (!strcmp(name, "added_time"))
		return emit_printf(o, "%lld", m->added_time);
	if (!strcmp(name, "sql_len"))
		return emit_printf(o, "%zu", m->sql_len);
	if (!strcmp(name, "sql_off"))
		return emit_printf(o, "%zu", c->offs[2 * item]);
	if (!strcmp(name, "sql_line"))
		return emit_printf(o, "%d", m->sql_line);
	if (!m->down_sql)
		return MIGC_ENOTFOUND;
	if (!strcmp(name, "down_filename"))
		return emit_string(o, m->down_filename);
	if (!strcmp(name, "down_checksum"))
		return emit_string(o, m->down_checksum);
	if (!strcmp(name, "down_len"))
		return emit_printf(o, "%zu", m->down_len);
	if (!strcmp(name, "down_off"))
		return emit_printf(o, "%zu", c->offs[2 * item + 1]);
	if (!strcmp(name, "down_line"))
		return emit_printf(o, "%d", m->down_line);
	return MIGC_ENOTFOUND;
}

/* Every migration's up and down SQL, in order, as one stream of rows. */
static int emit_sql_stream(const struct bundle_ctx *c, struct emit_out *o)
{
	struct emit_stream st;
	size_t i;

	emit_stream_init(&st, "\t");
	for (i = 0; i < migc_set_count(c->set); i++) {
		const migc_migration *m = migc_set_get(c->set, i);

		emit_stream_put(o, &st, m->sql, m->sql_len);
		if (m->down_sql)
			emit_stream_put(o, &st, m->down_sql, m->down_len);
	}
	return emit_stream_end(o, &st);
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

static int bundle_value(void *data, const char *name, size_t item,
			struct emit_out *o)
{
	const struct bundle_ctx *c = data;
	const char *commit = c->info->source_commit ? c->info->source_commit : "";

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
	if (!strcmp(name, "entries"))
		return emit_puts(o, migc_set_count(c->set) ? "entries" : "NULL");
	if (!strcmp(name, "sql_stream"))
		return emit_sql_stream(c, o);
	if (!strcmp(name, "sql_size"))
		return emit_printf(o, "%zu", c->sql_size);
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
	return migration_value(c, name, item, o);
}

static long bundle_section(void *data, const char *name, size_t item,
			   int *list)
{
	const struct bundle_ctx *c = data;
	size_t n = migc_set_count(c->set);

	*list = 0;
	if (!strcmp(name, "any"))
		return n ? 1 : 0;
	if (!strcmp(name, "migrations")) {
		*list = 1;
		return (long)n;
	}
	if (!strcmp(name, "has_down")) {
		const migc_migration *m = migc_set_get(c->set, item);

		return m && m->down_sql ? 1 : 0;
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
	vars.value = bundle_value;
	vars.section = bundle_section;
	vars.data = &c;
	rc = template_text(&tpl, err);
	if (!rc)
		rc = tpl_render("bundle.c.in", tpl.data, tpl.len, &vars, out, err);
	migc_buf_free(&tpl);
	free(c.offs);
	return rc;
}
