/*
 * ctext.c - C renderings of raw bytes for the `cc` rows of `make bench`.
 *
 *   ctext < all.sql > ctext.c          the C-text floor: the bytes as ONE
 *                                      plain string literal (compile it with
 *                                      -w: it is far past ISO C's minimum
 *                                      literal length)
 *   ctext --rows < all.sql > rows.c    the bytes packed into rows of
 *                                      `char [][4096]`, 4095 bytes and the
 *                                      NUL each, with no padding between
 *                                      migrations: pedantic-clean ISO C, and
 *                                      what the bundle costs when SQL is
 *                                      packed instead of padded per migration
 *
 * Escaped the way the bundle is (printable ASCII as is except " \ and ?,
 * \n \t \r named, any other byte as a three-digit octal escape), so the
 * compiler reads the same kind of text.
 */
#include <stdio.h>
#include <string.h>

#define ROW_BYTES 4095

static char out[1 << 20];
static size_t n;

static void put(const char *s, size_t len)
{
	if (n + len > sizeof(out)) {
		fwrite(out, 1, n, stdout);
		n = 0;
	}
	memcpy(out + n, s, len);
	n += len;
}

static void put_escaped(int c)
{
	char e[4];

	if (c == '"' || c == '\\' || c == '?') {
		e[0] = '\\';
		e[1] = (char)c;
		put(e, 2);
	} else if (c == '\n') {
		put("\\n", 2);
	} else if (c == '\t') {
		put("\\t", 2);
	} else if (c == '\r') {
		put("\\r", 2);
	} else if (c >= 0x20 && c < 0x7f) {
		e[0] = (char)c;
		put(e, 1);
	} else {
		e[0] = '\\';
		e[1] = (char)('0' + ((c >> 6) & 7));
		e[2] = (char)('0' + ((c >> 3) & 7));
		e[3] = (char)('0' + (c & 7));
		put(e, 4);
	}
}

int main(int argc, char **argv)
{
	int rows = argc > 1 && strcmp(argv[1], "--rows") == 0, c;
	size_t in_row = 0;

	if (rows)
		fputs("/* The bytes packed into rows of 4095 and a NUL. */\n"
		      "const char packed_rows[][4096] = {\n\t\"", stdout);
	else
		fputs("/* C-text floor: the bytes as one string literal. */\n"
		      "const char ctext_floor[] = \"", stdout);
	while ((c = getchar()) != EOF) {
		if (rows && in_row == ROW_BYTES) {
			put("\",\n\t\"", 5);
			in_row = 0;
		}
		put_escaped(c);
		in_row++;
	}
	fwrite(out, 1, n, stdout);
	fputs(rows ? "\"\n};\n" : "\";\n", stdout);
	return 0;
}
