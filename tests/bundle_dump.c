/*
 * bundle_dump.c - print the entries of a generated bundle, one line each,
 * for tests that check what `migc build` wrote into the records (bundle
 * ABI 5 keeps them as bytes, which grep cannot read). Compiled with the
 * bundle file and libmigc (tests/lib.sh: bundle_dump); it reads the
 * records with the public decoder, migc_bundle_entry_get(), as any
 * program reading a bundle would, and loads nothing:
 *
 *   <n> <file name> kind=<k> flags=<f> sql_off=<o> sql_len=<l> line=<l>
 *       down=<file name or -> added_commit=<commit or -> added_time=<t>
 *
 * (one line). Exit 1, with the decoder's message, on a record it refuses.
 */
#include <stdio.h>

#include <migc.h>

extern const struct migc_bundle migc_embedded_bundle;

static const char *table(const struct migc_bundle *b, uint32_t off)
{
	if (off == MIGC_BUNDLE_NO_STRING)
		return "-";
	if (off / MIGC_BUNDLE_ROW >= b->string_rows)
		return "(beyond the string table)";
	return b->strings[off / MIGC_BUNDLE_ROW] + off % MIGC_BUNDLE_ROW;
}

int main(void)
{
	const struct migc_bundle *b = &migc_embedded_bundle;
	size_t i;

	for (i = 0; i < b->count; i++) {
		struct migc_bundle_entry e;
		migc_error err;

		if (migc_bundle_entry_get(&e, b, i, &err) != 0) {
			fprintf(stderr, "bundle_dump: %s\n", err.message);
			return 1;
		}
		printf("%zu %s kind=%d flags=%u sql_off=%zu sql_len=%zu line=%d "
		       "down=%s added_commit=%s added_time=%lld\n", i + 1,
		       table(b, e.filename_off), e.kind, e.flags, e.sql_off,
		       e.sql_len, e.sql_line, table(b, e.down_filename_off),
		       table(b, e.added_commit_off), e.added_time);
	}
	return 0;
}
