/*
 * test_git_check.c - the pure parts of `migc check`: escaping for GitHub
 * workflow commands, the next free version a finding suggests, and the
 * findings list. (The git side is tested end to end in tests/e2e/git*.sh.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "commands.h"
#include "unit.h"
#include "util.h"

static void escaped(const char *in, int prop, const char *want)
{
	migc_buf b = MIGC_BUF_INIT;

	CHECK_INT(check_github_escape(&b, in, prop), 0);
	CHECK_STR(b.data, want);
	migc_buf_free(&b);
}

static void test_github_message_escaping(void)
{
	escaped("", 0, "");
	escaped("plain text: a, b", 0, "plain text: a, b");
	escaped("100% done\r\nnext", 0, "100%25 done%0D%0Anext");
	escaped("%0A is not a newline", 0, "%250A is not a newline");
}

static void test_github_property_escaping(void)
{
	escaped("db/migrations/0001_a.sql", 1, "db/migrations/0001_a.sql");
	escaped("a,b:c%d", 1, "a%2Cb%3Ac%25d");
	escaped("x\ny", 1, "x%0Ay");
}

static void next_after(const char *newest, const char *want)
{
	char out[64];

	CHECK_INT(new_version_after(newest, out, sizeof(out)), 0);
	CHECK_STR(out, want);
}

static void test_next_version_keeps_the_style(void)
{
	next_after("", "0001");
	next_after("0002", "0003");
	next_after("0009", "0010");
	next_after("9999", "10000");
	next_after("41", "42");
	next_after("1.2.9", "1.2.10");
	next_after("99999999999999999999", "100000000000000000000");
}

static void test_findings_are_copied(void)
{
	struct check_result res;
	char msg[32];
	size_t i;

	memset(&res, 0, sizeof(res));
	for (i = 0; i < 40; i++) {
		snprintf(msg, sizeof(msg), "message %zu", i);
		CHECK_INT(check_add(&res, CHECK_COLLISION, "migrations/0003_a.sql", "0003",
				    "abc", i % 2 ? "migrations/0003_b.sql" : NULL, "0004", msg,
				    "renumber it", NULL), 0);
	}
	msg[0] = '\0';
	CHECK_INT(res.count, 40);
	CHECK_STR(res.findings[39].message, "message 39");
	CHECK_STR(res.findings[1].conflicts_with, "migrations/0003_b.sql");
	CHECK(res.findings[0].conflicts_with == NULL);
	CHECK_STR(res.findings[0].next_version, "0004");
	check_result_free(&res);
	CHECK_INT(res.count, 0);
}

int main(void)
{
	RUN(test_github_message_escaping);
	RUN(test_github_property_escaping);
	RUN(test_next_version_keeps_the_style);
	RUN(test_findings_are_copied);
	return unit_done();
}
