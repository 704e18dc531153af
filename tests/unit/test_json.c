/*
 * test_json.c - the JSON writer used by `migrate --format json`: every
 * control character, quotes and backslashes escaped, invalid UTF-8 bytes
 * replaced by \ufffd (so any migration name or database message still
 * gives valid JSON), valid UTF-8 kept, and commas placed by nesting level.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static char out[512];

static const char *esc(const char *s)
{
	migc_buf b = MIGC_BUF_INIT;

	out[0] = '\0';
	if (migc_json_escape(&b, s) == 0)
		snprintf(out, sizeof(out), "%s", b.data);
	migc_buf_free(&b);
	return out;
}

static void test_specials_are_escaped(void)
{
	CHECK_STR(esc("plain"), "\"plain\"");
	CHECK_STR(esc("a\"b\\c"), "\"a\\\"b\\\\c\"");
	CHECK_STR(esc("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
	CHECK_STR(esc("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	CHECK_STR(esc(NULL), "\"\"");
}

static void test_utf8_kept_invalid_replaced(void)
{
	CHECK_STR(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	CHECK_STR(esc("a\xffz"), "\"a\\ufffdz\"");
	CHECK_STR(esc("\xc3"), "\"\\ufffd\"");             /* truncated */
	CHECK_STR(esc("\xc0\xaf"), "\"\\ufffd\\ufffd\"");  /* overlong */
	CHECK_STR(esc("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	CHECK_STR(esc("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(esc("\xe2\x80\xa8"), "\"\\u2028\"");
}

static void test_writer_places_commas(void)
{
	struct migc_json j;
	FILE *f = tmpfile();
	char text[256] = "";
	size_t n;

	migc_json_init(&j);
	migc_json_object(&j, NULL);
	migc_json_int(&j, "a", 1);
	migc_json_array(&j, "b");
	migc_json_string(&j, NULL, "x");
	migc_json_null(&j, NULL);
	migc_json_object(&j, NULL);
	migc_json_bool(&j, "t", 1);
	migc_json_end_object(&j);
	migc_json_end_array(&j);
	migc_json_string(&j, "c", NULL);
	migc_json_end_object(&j);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(migc_json_finish(&j, f), 0);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	CHECK_STR(text, "{\"a\":1,\"b\":[\"x\",null,{\"t\":true}],\"c\":null}\n");
}

int main(void)
{
	RUN(test_specials_are_escaped);
	RUN(test_utf8_kept_invalid_replaced);
	RUN(test_writer_places_commas);
	return unit_done();
}
