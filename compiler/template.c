/*
 * template.c - rendering the template language described in template.h.
 *
 * The template is walked directly, without building a tree: a section's
 * body is found by scanning for its closing tag, then rendered recursively
 * once per repetition. Templates are small and fixed, so rescanning a body
 * per item costs nothing next to writing the values.
 */
#include "template.h"

#include <string.h>

#include "util.h"

#define TPL_NAME_MAX 64

enum tag_type { TAG_VALUE, TAG_OPEN, TAG_CLOSE, TAG_COMMENT };

struct tag {
	enum tag_type type;
	const char *start, *end;             /* "{{" up to after "}}" */
	const char *outer_start, *outer_end; /* the whole line if standalone */
	char name[TPL_NAME_MAX];
};

struct tpl {
	const char *name;
	const char *base, *limit;
	const struct tpl_vars *vars;
	struct emit_out *out;
	migc_error *err;
};

static int line_of(const struct tpl *t, const char *p)
{
	int line = 1;
	const char *q;

	for (q = t->base; q < p; q++)
		if (*q == '\n')
			line++;
	return line;
}

static int tpl_fail(const struct tpl *t, const char *at, const char *what,
		    const char *name)
{
	migc_err(t->err, MIGC_ERROR, "template %s:%d: %s%s%s%s", t->name,
		 line_of(t, at), what, name ? " '" : "", name ? name : "",
		 name ? "'" : "");
	return MIGC_ERROR;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A section or comment tag is standalone when only blanks share its line;
 * then the line, newline included, belongs to the tag. `from` and `to`
 * bound the text being rendered.
 */
static void tag_extent(const struct tpl *t, struct tag *tag, const char *from,
		       const char *to)
{
	const char *ls = tag->start, *re = tag->end;

	tag->outer_start = tag->start;
	tag->outer_end = tag->end;
	if (tag->type == TAG_VALUE)
		return;
	while (ls > from && is_blank(ls[-1]))
		ls--;
	if (ls != t->base && ls[-1] != '\n')
		return;
	while (re < to && is_blank(*re))
		re++;
	if (re < to && *re == '\n')
		re++;
	else if (re != t->limit)
		return;
	tag->outer_start = ls;
	tag->outer_end = re;
}

/* Read the name inside a tag: [a-z0-9_], blanks around it allowed. */
static int tag_name(const struct tpl *t, struct tag *tag, const char *p,
		    const char *e)
{
	size_t n = 0;

	while (p < e && is_blank(*p))
		p++;
	while (e > p && is_blank(e[-1]))
		e--;
	if (p == e)
		return tpl_fail(t, tag->start, "empty tag", NULL);
	for (; p < e; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_') || n + 1 >= sizeof(tag->name))
			return tpl_fail(t, tag->start, "bad name in tag", NULL);
		tag->name[n++] = c;
	}
	tag->name[n] = '\0';
	return 0;
}

/*
 * Find the next tag in [p, to). Returns 1 and fills `tag`, 0 when there is
 * none, or an error.
 */
static int next_tag(const struct tpl *t, const char *p, const char *to,
		    struct tag *tag)
{
	const char *s, *e;
	int rc;

	for (s = p; s + 1 < to && (s = memchr(s, '{', (size_t)(to - s))) != NULL; s++)
		if (s + 1 < to && s[1] == '{')
			break;
	if (!s || s + 1 >= to)
		return 0;
	memset(tag, 0, sizeof(*tag));
	tag->start = s;
	for (e = s + 2; e + 1 < to && (e = memchr(e, '}', (size_t)(to - e))) != NULL; e++)
		if (e + 1 < to && e[1] == '}')
			break;
	if (!e || e + 1 >= to)
		return tpl_fail(t, s, "unclosed tag", NULL);
	tag->end = e + 2;
	s += 2;
	switch (*s) {
	case '!':
		tag->type = TAG_COMMENT;
		tag_extent(t, tag, p, to);
		return 1;
	case '#':
		tag->type = TAG_OPEN;
		s++;
		break;
	case '/':
		tag->type = TAG_CLOSE;
		s++;
		break;
	default:
		tag->type = TAG_VALUE;
		break;
	}
	rc = tag_name(t, tag, s, e);
	if (rc)
		return rc;
	tag_extent(t, tag, p, to);
	return 1;
}

/* Find the {{/name}} that closes `open`, skipping nested sections. */
static int find_close(const struct tpl *t, const struct tag *open,
		      const char *to, struct tag *close)
{
	const char *p = open->outer_end;
	int depth = 0, rc;

	while ((rc = next_tag(t, p, to, close)) == 1) {
		p = close->end;
		if (strcmp(close->name, open->name) != 0)
			continue;
		if (close->type == TAG_OPEN)
			depth++;
		else if (close->type == TAG_CLOSE && depth-- == 0)
			return 0;
	}
	return rc ? rc : tpl_fail(t, open->start, "unclosed section", open->name);
}

static int render_range(const struct tpl *t, const char *p, const char *to,
			size_t item);

static int render_section(const struct tpl *t, const struct tag *open,
			  const struct tag *close, size_t item)
{
	int list = 0, rc;
	long count, i;

	count = t->vars->section(t->vars->data, open->name, item, &list);
	if (count < 0)
		return tpl_fail(t, open->start, "unknown section", open->name);
	for (i = 0; i < count; i++) {
		rc = render_range(t, open->outer_end, close->outer_start,
				  list ? (size_t)i : item);
		if (rc)
			return rc;
	}
	return 0;
}

static int render_range(const struct tpl *t, const char *p, const char *to,
			size_t item)
{
	struct tag tag, close;
	int rc;

	while (p < to) {
		rc = next_tag(t, p, to, &tag);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return emit_put(t->out, p, (size_t)(to - p));
		emit_put(t->out, p, (size_t)(tag.outer_start - p));
		switch (tag.type) {
		case TAG_COMMENT:
			break;
		case TAG_CLOSE:
			return tpl_fail(t, tag.start, "unexpected end of section",
					tag.name);
		case TAG_VALUE:
			rc = t->vars->value(t->vars->data, tag.name, item, t->out);
			if (rc == MIGC_ENOTFOUND)
				return tpl_fail(t, tag.start, "unknown name", tag.name);
			if (rc)
				return rc;
			break;
		case TAG_OPEN:
			rc = find_close(t, &tag, to, &close);
			if (!rc)
				rc = render_section(t, &tag, &close, item);
			if (rc)
				return rc;
			tag.outer_end = close.outer_end;
			break;
		}
		p = tag.outer_end;
	}
	return t->out->rc;
}

int tpl_render(const char *tpl_name, const char *tpl, size_t len,
	       const struct tpl_vars *vars, struct emit_out *out,
	       migc_error *err)
{
	struct tpl t;
	int rc;

	t.name = tpl_name;
	t.base = tpl;
	t.limit = tpl + len;
	t.vars = vars;
	t.out = out;
	t.err = err;
	rc = render_range(&t, tpl, tpl + len, 0);
	if (rc && out->rc == rc)
		return emit_finish(out, tpl_name, err);
	return rc;
}
