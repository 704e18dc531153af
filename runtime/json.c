/*
 * json.c - the JSON writer and string escaper behind json.h.
 */
#include "json.h"

#include <string.h>

/*
 * Length of the well-formed UTF-8 sequence at `p` (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one.
 */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : 0xbf;

		if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xf4 ? 0x8f : 0xbf;

		if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/* The escape for one ASCII byte, or NULL when it goes out as it is. */
static const char *ascii_escape(unsigned c, char tmp[8])
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	case '\b': return "\\b";
	case '\f': return "\\f";
	default: break;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, 8, "\\u%04x", c);
		return tmp;
	}
	return NULL;
}

int migc_json_escape(migc_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = migc_buf_put(b, "\"", 1);

	while (!rc && *p) {
		char tmp[8];
		const char *esc = NULL;
		size_t n = utf8_len(p);

		if (n == 1)
			esc = ascii_escape(*p, tmp);
		else if (n == 0)
			esc = "\\ufffd";
		else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
			 (p[2] == 0xa8 || p[2] == 0xa9))
			esc = p[2] == 0xa8 ? "\\u2028" : "\\u2029";
		if (esc)
			rc = migc_buf_puts(b, esc);
		else
			rc = migc_buf_put(b, p, n);
		p += n ? n : 1;
	}
	if (!rc)
		rc = migc_buf_put(b, "\"", 1);
	return rc;
}

void migc_json_init(struct migc_json *j)
{
	memset(j, 0, sizeof(*j));
}

/* The comma and the key before a value. */
static void member(struct migc_json *j, const char *key)
{
	if (j->failed)
		return;
	if (j->depth > 0 && j->has_member[j->depth - 1])
		j->failed |= migc_buf_put(&j->buf, ",", 1) != 0;
	if (j->depth > 0)
		j->has_member[j->depth - 1] = 1;
	if (key && !j->failed)
		j->failed |= migc_json_escape(&j->buf, key) != 0 ||
			     migc_buf_put(&j->buf, ":", 1) != 0;
}

static void open_(struct migc_json *j, const char *key, const char *bracket)
{
	member(j, key);
	if (j->failed)
		return;
	if (j->depth >= MIGC_JSON_DEPTH) {
		j->failed = 1;
		return;
	}
	j->failed |= migc_buf_puts(&j->buf, bracket) != 0;
	j->has_member[j->depth++] = 0;
}

static void close_(struct migc_json *j, const char *bracket)
{
	if (j->failed)
		return;
	if (j->depth <= 0) {
		j->failed = 1;
		return;
	}
	j->depth--;
	j->failed |= migc_buf_puts(&j->buf, bracket) != 0;
}

void migc_json_object(struct migc_json *j, const char *key)
{
	open_(j, key, "{");
}

void migc_json_array(struct migc_json *j, const char *key)
{
	open_(j, key, "[");
}

void migc_json_end_object(struct migc_json *j)
{
	close_(j, "}");
}

void migc_json_end_array(struct migc_json *j)
{
	close_(j, "]");
}

void migc_json_string(struct migc_json *j, const char *key, const char *value)
{
	if (!value) {
		migc_json_null(j, key);
		return;
	}
	member(j, key);
	if (!j->failed)
		j->failed |= migc_json_escape(&j->buf, value) != 0;
}

void migc_json_int(struct migc_json *j, const char *key, long long value)
{
	member(j, key);
	if (!j->failed)
		j->failed |= migc_buf_printf(&j->buf, "%lld", value) != 0;
}

void migc_json_bool(struct migc_json *j, const char *key, int value)
{
	member(j, key);
	if (!j->failed)
		j->failed |= migc_buf_puts(&j->buf, value ? "true" : "false") != 0;
}

void migc_json_null(struct migc_json *j, const char *key)
{
	member(j, key);
	if (!j->failed)
		j->failed |= migc_buf_puts(&j->buf, "null") != 0;
}

int migc_json_finish(struct migc_json *j, FILE *out)
{
	int rc = 0;

	if (j->failed || j->depth != 0)
		rc = MIGC_ENOMEM;
	else if (fwrite(j->buf.data, 1, j->buf.len, out) != j->buf.len ||
		 fputc('\n', out) == EOF || fflush(out) != 0)
		rc = MIGC_EIO;
	migc_json_free(j);
	return rc;
}

void migc_json_free(struct migc_json *j)
{
	migc_buf_free(&j->buf);
	j->depth = 0;
	j->failed = 0;
}
