/*
 * test_bundle_load.c - how a bundle's SQL stream is loaded
 * (runtime/bundle.c): every migration comes out whole, contiguous and
 * NUL-terminated, wherever it starts and ends in the stream's rows (at
 * every offset around a row's end), however many there are and however
 * large (past the 2 MiB where the copies go to huge pages); directives are
 * read from a leading comment block longer than a row, or cut by a row's
 * end; the flags must still match them; and a damaged migration anywhere
 * (the first copied, or one after it) is refused without leaking the
 * copies (the sanitizer build checks that). Down SQL (other tools'
 * layouts) is in the stream too, after its up SQL.
 *
 * Each test runs with both loaders: the public one, which assembles every
 * SQL before it returns, and the command line's deferred one (bundle.h),
 * which verifies the same and assembles a migration's SQL on first use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "migc.h"
#include "unit.h"

typedef int (*loader)(migc_set **, const struct migc_bundle *, migc_error *);
static const loader loaders[] = {migc_bundle_load, bundle_load_deferred};
static const char *const loader_names[] = {"migc_bundle_load", "deferred"};
enum { NLOADERS = 2 };

enum { N = 6 };

/* The SQL of migration i: sizes from 1 to ~3 MB, some with directives
 * after a comment block longer than a row. */
static char *make_sql(int i, size_t *len)
{
	static const size_t sizes[N] = {100, 4095, 4096, 9000, 3u << 20, 70000};
	size_t n = sizes[i], off = 0;
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	if (i == 3 || i == 5) { /* a long leading comment block, then the directive */
		while (off < 5000) {
			memcpy(s + off, "-- a comment line of the header\n", 32);
			off += 32;
		}
		memcpy(s + off, "-- migc:no-transaction\n", 23);
		off += 23;
	}
	while (off < n) {
		s[off] = off % 61 == 60 ? '\n' : (char)('a' + (off + (size_t)i) % 26);
		off++;
	}
	s[n] = '\0';
	memcpy(s + n - 2, ";\n", 2);
	*len = n;
	return s;
}

/*
 * The rows of `n` parts laid one after the other in a stream, as the
 * compiler lays them out: offs[i] receives where part i starts, *size the
 * stream's length. NULL when out of memory.
 */
static char (*stream_of(char *const *parts, const size_t *lens, size_t n,
			size_t *offs, size_t *size))[MIGC_BUNDLE_ROW]
{
	char (*rows)[MIGC_BUNDLE_ROW];
	size_t i, k, at = 0, total = 0;

	for (i = 0; i < n; i++)
		total += lens[i];
	rows = calloc(total / MIGC_BUNDLE_ROW_BYTES + 1, MIGC_BUNDLE_ROW);
	for (i = 0; rows && i < n; i++) {
		offs[i] = at;
		for (k = 0; k < lens[i]; k++, at++)
			rows[at / MIGC_BUNDLE_ROW_BYTES][at % MIGC_BUNDLE_ROW_BYTES] =
				parts[i][k];
	}
	*size = total;
	return rows;
}

/* Byte `at` of the stream `rows`. */
static char *stream_byte(char (*rows)[MIGC_BUNDLE_ROW], size_t at)
{
	return &rows[at / MIGC_BUNDLE_ROW_BYTES][at % MIGC_BUNDLE_ROW_BYTES];
}

struct fixture {
	char *sql[N];
	size_t len[N], off[N];
	char (*rows)[MIGC_BUNDLE_ROW];
	char sums[N][33], names[N][32], versions[N][8], id[33];
	struct migc_bundle_entry e[N];
	struct migc_bundle b;
};

static void fixture_free(struct fixture *f)
{
	int i;

	for (i = 0; i < N; i++)
		free(f->sql[i]);
	free(f->rows);
	free(f);
}

/* The bundle the compiler would emit for these migrations. */
static struct fixture *make_fixture(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	migc_set *set = NULL;
	migc_error err;
	int i;

	if (!f || migc_set_new(&set, &err))
		return f;
	for (i = 0; i < N; i++) {
		f->sql[i] = make_sql(i, &f->len[i]);
		if (!f->sql[i])
			break;
	}
	f->rows = i == N ? stream_of(f->sql, f->len, N, f->off, &f->b.sql_size)
			 : NULL;
	for (i = 0; f->rows && i < N; i++) {
		snprintf(f->versions[i], sizeof(f->versions[i]), "%04d", i + 1);
		snprintf(f->names[i], sizeof(f->names[i]), "%04d_m.sql", i + 1);
		migc_checksum(f->sums[i], f->sql[i], f->len[i]);
		if (migc_set_add(set, f->names[i], NULL, f->sql[i], f->len[i], &err))
			unit_fail(__FILE__, __LINE__, "set_add: %s", err.message);
		f->e[i] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
			.flags = i == 3 || i == 5 ? MIGC_FLAG_NO_TRANSACTION : 0,
			.version_off = unit_str(f->versions[i]), .name_off = unit_str("m"),
			.filename_off = unit_str(f->names[i]),
			.checksum_off = unit_str(f->sums[i]), .sql_off = f->off[i],
			.sql_len = f->len[i], .sql_line = 1};
	}
	migc_set_finish(set, &err);
	migc_set_bundle_id(set, f->id);
	migc_set_free(set);
	f->b = unit_bundle(f->e, N, f->id, f->rows, f->b.sql_size);
	return f;
}

static void multi_row_sql_comes_out_whole(void)
{
	struct fixture *f = make_fixture();
	int i, l;

	CHECK(f && f->rows);
	if (!f || !f->rows)
		return;
	for (l = 0; l < NLOADERS; l++) {
		migc_set *set = NULL;
		migc_error err;

		if (loaders[l](&set, &f->b, &err))
			unit_fail(__FILE__, __LINE__, "%s: %s", loader_names[l], err.message);
		CHECK_INT(migc_set_count(set), N);
		for (i = 0; set && i < N; i++) {
			const migc_migration *m = set_peek(set, i);

			/* SQL is there at once, or (deferred) only from
			 * migc_set_get on: not a string in the stream */
			if (l == 0)
				CHECK(m->sql != NULL);
			else
				CHECK(m->sql == NULL);
			CHECK(migc_set_get(set, i) == m);
			CHECK_INT(m->sql_len, f->len[i]);
			CHECK(m->sql && memcmp(m->sql, f->sql[i], f->len[i]) == 0);
			CHECK(m->sql && m->sql[m->sql_len] == '\0');
			CHECK_INT(m->flags, f->e[i].flags);
			CHECK_STR(m->checksum, f->sums[i]);
		}
		migc_set_free(set);
	}
	fixture_free(f);
}

/* Deferred: what is assembled stays put, and each SQL is assembled alone. */
static void deferred_sql_is_assembled_once_each(void)
{
	struct fixture *f = make_fixture();
	const migc_migration *m4, *m3;
	const char *first;
	migc_set *set = NULL;
	migc_error err;

	if (!f || !f->rows)
		return;
	CHECK_INT(bundle_load_deferred(&set, &f->b, &err), 0);
	m4 = set_peek(set, 4);
	m3 = set_peek(set, 3);
	CHECK(m4 && m3);
	if (!m4 || !m3) {
		migc_set_free(set);
		fixture_free(f);
		return;
	}
	set_sql_assemble(m4);
	first = m4->sql;
	CHECK(first && memcmp(first, f->sql[4], f->len[4]) == 0);
	CHECK(m3->sql == NULL); /* the others wait */
	set_sql_assemble(m4);
	CHECK(m4->sql == first);
	CHECK(migc_set_get(set, 3)->sql && memcmp(m3->sql, f->sql[3], f->len[3]) == 0);
	CHECK(memcmp(first, f->sql[4], f->len[4]) == 0); /* not overwritten */
	migc_set_free(set);
	fixture_free(f);
}

static void directives_must_still_match_the_flags(void)
{
	struct fixture *f = make_fixture();
	migc_set *set = NULL;
	migc_error err;

	int l;

	if (!f || !f->rows)
		return;
	f->e[3].flags = 0; /* the file says no-transaction, past its first row */
	unit_rerecord(&f->b, f->e);
	for (l = 0; l < NLOADERS; l++) {
		CHECK_INT(loaders[l](&set, &f->b, &err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, "0004_m.sql");
		CHECK_CONTAINS(err.message, "directives");
		CHECK(set == NULL);
	}
	fixture_free(f);
}

static void damage_anywhere_is_refused_without_leaks(void)
{
	static const int victims[] = {1, 2, 4, 5};
	size_t k;
	int l;

	for (k = 0; k < 2 * sizeof(victims) / sizeof(victims[0]); k++) {
		struct fixture *f = make_fixture();
		migc_set *set = NULL;
		migc_error err;
		int v = victims[k / 2];

		if (!f || !f->rows)
			return;
		/* its fourth byte, or its last */
		*stream_byte(f->rows, f->off[v] + (k % 2 ? f->len[v] - 1 : 3)) ^= 1;
		for (l = 0; l < NLOADERS; l++) {
			CHECK_INT(loaders[l](&set, &f->b, &err), MIGC_ECORRUPT);
			CHECK_CONTAINS(err.message, f->names[v]);
			CHECK(set == NULL);
		}
		fixture_free(f);
	}
}

/* SQL text of `len` bytes. */
static char *filler(size_t len, char c)
{
	char *s = malloc(len + 1);
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = i % 50 == 49 ? '\n' : c;
	memcpy(s, "SELECT 1;\n--", 12);
	s[len] = '\0';
	return s;
}

static void down_sql_is_copied_too(void)
{
	static const char *const files[] = {"000001_a.up.sql", "000001_a.down.sql",
					    "000002_b.up.sql", "000002_b.down.sql"};
	static const size_t sizes[] = {50, 6000, 9000, 5000};
	char *sql[4], (*rows)[MIGC_BUNDLE_ROW] = NULL, id[33];
	size_t off[4], size = 0;
	struct migc_bundle_entry e[2];
	struct migc_bundle b;
	migc_set *set = NULL, *loaded = NULL;
	migc_error err;
	int i, l, damaged;

	CHECK_INT(migc_set_new(&set, &err), 0);
	CHECK_INT(migc_set_set_layout(set, MIGC_LAYOUT_GOLANG_MIGRATE, &err), 0);
	for (i = 0; i < 4; i++) {
		sql[i] = filler(sizes[i], (char)('a' + i));
		CHECK(sql[i] != NULL);
		if (migc_set_add(set, files[i], NULL, sql[i], sizes[i], &err))
			unit_fail(__FILE__, __LINE__, "set_add %s: %s", files[i], err.message);
	}
	CHECK_INT(migc_set_finish(set, &err), 0);
	CHECK_INT(migc_set_count(set), 2);
	migc_set_bundle_id(set, id);
	/* the stream: 000001's up, its down, then 000002's up and down */
	rows = stream_of(sql, sizes, 4, off, &size);
	CHECK(rows != NULL);
	for (i = 0; i < 2 && migc_set_count(set) == 2; i++) {
		const migc_migration *m = migc_set_get(set, i);

		e[i] = (struct migc_bundle_entry){.kind = (int)m->kind,
			.flags = m->flags, .version_off = unit_str(m->version),
			.name_off = unit_str(m->name),
			.filename_off = unit_str(m->filename),
			.checksum_off = unit_str(m->checksum),
			.sql_off = off[2 * i], .sql_len = m->sql_len,
			.sql_line = 1, .down_filename_off = unit_str(m->down_filename),
			.down_checksum_off = unit_str(m->down_checksum),
			.down_off = off[2 * i + 1], .down_len = m->down_len,
			.down_line = 1};
	}
	b = unit_bundle(e, 2, id, rows, size);
	b.layout = MIGC_LAYOUT_GOLANG_MIGRATE;
	/* 000001: short up SQL, long down SQL; 000002: both long */
	for (l = 0; rows && l < NLOADERS; l++) {
		loaded = NULL;
		CHECK_INT(loaders[l](&loaded, &b, &err), 0);
		/* deferred, a migration waits whole: its down_sql is not
		 * NULL as if it had none */
		if (loaded && l == 1)
			CHECK(set_peek(loaded, 0)->sql == NULL &&
			      set_peek(loaded, 0)->down_sql == NULL &&
			      set_peek(loaded, 0)->down_filename != NULL);
		for (i = 0; loaded && i < 2; i++) {
			const migc_migration *m = migc_set_get(loaded, i);

			CHECK(m->sql_len == sizes[2 * i] && memcmp(m->sql, sql[2 * i], sizes[2 * i]) == 0);
			CHECK(m->down_sql && m->down_len == sizes[2 * i + 1] &&
			      memcmp(m->down_sql, sql[2 * i + 1], sizes[2 * i + 1]) == 0);
			CHECK(m->down_sql && m->down_sql[m->down_len] == '\0');
			CHECK_STR(m->down_checksum,
				  unit_strings()[e[i].down_checksum_off / MIGC_BUNDLE_ROW] +
				  e[i].down_checksum_off % MIGC_BUNDLE_ROW);
		}
		migc_set_free(loaded);
		for (damaged = 0; damaged < 4; damaged++) {
			char *at = stream_byte(rows, off[damaged] + sizes[damaged] - 7);

			*at ^= 1;
			loaded = NULL;
			CHECK_INT(loaders[l](&loaded, &b, &err), MIGC_ECORRUPT);
			CHECK_CONTAINS(err.message, files[damaged]);
			*at ^= 1;
		}
		/* a down SQL placed past the stream */
		e[1].down_off = size - 10;
		unit_rerecord(&b, e);
		loaded = NULL;
		CHECK_INT(loaders[l](&loaded, &b, &err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, files[3]);
		CHECK_CONTAINS(err.message, "beyond");
		e[1].down_off = off[3];
		unit_rerecord(&b, e);
	}
	migc_set_free(set);
	for (i = 0; i < 4; i++)
		free(sql[i]);
	free(rows);
}

/*
 * A migration that starts at every offset around the first row's end
 * (so that its leading block, its directive, or only its last bytes are
 * cut by it) comes out whole with its directive read, and so do the
 * migrations around it.
 */
/*
 * A stream longer than a chunk of rows, its chunks apart in memory (as a
 * binary's separate arrays may be, and with rows between them that belong
 * to neither): a migration across the chunks' border comes out whole and
 * hashes right, damage in the second chunk is refused naming it, and a
 * chunk count the size does not take is refused.
 */
static void sql_across_chunks(void)
{
	enum { M = 3, GAP = 3 };
	const size_t chunk = (size_t)MIGC_BUNDLE_CHUNK_ROWS * MIGC_BUNDLE_ROW_BYTES;
	size_t lens[M] = {chunk - 100, 300, 9000}, off[M], total = 0, nrows;
	char *sql[M], (*flat)[MIGC_BUNDLE_ROW], (*apart)[MIGC_BUNDLE_ROW];
	char sums[M][33], names[M][16], id[33];
	const char (*chunks[2])[MIGC_BUNDLE_ROW];
	struct migc_bundle_entry e[M];
	struct migc_bundle b;
	migc_set *set = NULL;
	migc_error err;
	int i, l;

	CHECK_INT(migc_set_new(&set, &err), 0);
	for (i = 0; i < M; i++) {
		/* 0 ends 100 bytes before the border, 1 crosses it */
		sql[i] = filler(lens[i], (char)('a' + i));
		CHECK(sql[i] != NULL);
		snprintf(names[i], sizeof(names[i]), "%04d_c.sql", i + 1);
		if (migc_set_add(set, names[i], NULL, sql[i], lens[i], &err))
			unit_fail(__FILE__, __LINE__, "set_add: %s", err.message);
	}
	migc_set_finish(set, &err);
	migc_set_bundle_id(set, id);
	flat = stream_of(sql, lens, M, off, &total);
	nrows = total / MIGC_BUNDLE_ROW_BYTES + 1;
	CHECK(nrows > MIGC_BUNDLE_CHUNK_ROWS);
	/* the second chunk GAP rows after the first one's end, the gap 'z' */
	apart = malloc((nrows + GAP) * MIGC_BUNDLE_ROW);
	CHECK(flat && apart);
	if (!flat || !apart)
		goto out;
	memcpy(apart, flat, MIGC_BUNDLE_CHUNK_ROWS * (size_t)MIGC_BUNDLE_ROW);
	memset(apart + MIGC_BUNDLE_CHUNK_ROWS, 'z', GAP * (size_t)MIGC_BUNDLE_ROW);
	memcpy(apart + MIGC_BUNDLE_CHUNK_ROWS + GAP, flat + MIGC_BUNDLE_CHUNK_ROWS,
	       (nrows - MIGC_BUNDLE_CHUNK_ROWS) * (size_t)MIGC_BUNDLE_ROW);
	chunks[0] = (const char(*)[MIGC_BUNDLE_ROW])apart;
	chunks[1] = (const char(*)[MIGC_BUNDLE_ROW])(apart + MIGC_BUNDLE_CHUNK_ROWS + GAP);
	for (i = 0; i < M; i++)
		e[i] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
			.version_off = unit_str(migc_set_get(set, (size_t)i)->version),
			.name_off = unit_str("c"), .filename_off = unit_str(names[i]),
			.checksum_off = unit_str(migc_set_get(set, (size_t)i)->checksum),
			.sql_off = off[i], .sql_len = lens[i], .sql_line = 1};
	for (i = 0; i < M; i++)
		memcpy(sums[i], migc_set_get(set, (size_t)i)->checksum, 33);
	b = unit_bundle(e, M, id, NULL, total);
	b.sql = chunks;
	b.sql_chunks = 2;
	for (l = 0; l < NLOADERS; l++) {
		migc_set *loaded = NULL;

		CHECK_INT(loaders[l](&loaded, &b, &err), 0);
		for (i = 0; loaded && i < M; i++) {
			const migc_migration *m = migc_set_get(loaded, (size_t)i);

			CHECK(m->sql_len == lens[i] && memcmp(m->sql, sql[i], lens[i]) == 0);
			CHECK_STR(m->checksum, sums[i]);
		}
		migc_set_free(loaded);
	}
	/* damage just past the border, in the migration across it */
	apart[MIGC_BUNDLE_CHUNK_ROWS + GAP][50] ^= 1;
	for (l = 0; l < NLOADERS; l++) {
		migc_set *loaded = NULL;

		CHECK_INT(loaders[l](&loaded, &b, &err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, names[1]);
		migc_set_free(loaded);
	}
	apart[MIGC_BUNDLE_CHUNK_ROWS + GAP][50] ^= 1;
	b.sql_chunks = 1;
	for (l = 0; l < NLOADERS; l++) {
		migc_set *loaded = NULL;

		CHECK_INT(loaders[l](&loaded, &b, &err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, "size");
		migc_set_free(loaded);
	}
out:
	migc_set_free(set);
	for (i = 0; i < M; i++)
		free(sql[i]);
	free(flat);
	free(apart);
}

static void sql_across_a_row_end_at_every_offset(void)
{
	static const char *const names[] = {"0001_a.sql", "0002_b.sql", "0003_c.sql"};
	char second[] = "-- migc:no-transaction\nSELECT 2;\n", third[] = "SELECT 3;\n";
	size_t start;

	for (start = MIGC_BUNDLE_ROW_BYTES - 40; start <= MIGC_BUNDLE_ROW_BYTES + 2;
	     start++) {
		char *sql[3] = {filler(start, 'a'), second, third}, id[33];
		char (*rows)[MIGC_BUNDLE_ROW] = NULL;
		size_t lens[3] = {start, strlen(second), strlen(third)}, off[3], size;
		char sums[3][33];
		struct migc_bundle_entry e[3];
		struct migc_bundle b;
		migc_set *set = NULL;
		migc_error err;
		int i, l;

		if (sql[0])
			rows = stream_of(sql, lens, 3, off, &size);
		if (!rows) {
			unit_fail(__FILE__, __LINE__, "out of memory");
			free(sql[0]);
			return;
		}
		CHECK_INT(migc_set_new(&set, &err), 0);
		for (i = 0; i < 3; i++) {
			CHECK_INT(migc_set_add(set, names[i], NULL, sql[i], lens[i], &err), 0);
			migc_checksum(sums[i], sql[i], lens[i]);
			e[i] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
				.flags = i == 1 ? MIGC_FLAG_NO_TRANSACTION : 0,
				.version_off = unit_str(i == 0 ? "0001" : i == 1 ? "0002" : "0003"),
				.name_off = unit_str(i == 0 ? "a" : i == 1 ? "b" : "c"),
				.filename_off = unit_str(names[i]),
				.checksum_off = unit_str(sums[i]),
				.sql_off = off[i], .sql_len = lens[i], .sql_line = 1};
		}
		CHECK_INT(migc_set_finish(set, &err), 0);
		migc_set_bundle_id(set, id);
		migc_set_free(set);
		b = unit_bundle(e, 3, id, rows, size);
		for (l = 0; l < NLOADERS; l++) {
			set = NULL;
			if (loaders[l](&set, &b, &err)) {
				unit_fail(__FILE__, __LINE__, "start %zu, %s: %s", start,
					  loader_names[l], err.message);
				continue;
			}
			for (i = 0; i < 3; i++) {
				const migc_migration *m = migc_set_get(set, (size_t)i);

				CHECK_INT(m->sql_len, lens[i]);
				CHECK(memcmp(m->sql, sql[i], lens[i]) == 0);
				CHECK(m->sql[m->sql_len] == '\0');
				CHECK_INT(m->flags, e[i].flags);
			}
			migc_set_free(set);
		}
		/* the directive says what the flags do not */
		e[1].flags = 0;
		unit_rerecord(&b, e);
		for (l = 0; l < NLOADERS; l++) {
			set = NULL;
			CHECK_INT(loaders[l](&set, &b, &err), MIGC_ECORRUPT);
			CHECK_CONTAINS(err.message, names[1]);
		}
		free(sql[0]);
		free(rows);
	}
}

/*
 * A bundle of 18 MiB is hashed on two threads (bundle.c, MIGC_HASH_SPLIT):
 * the result and the errors are the same as on one, damage in the
 * helper's half is found, and the first bad migration in bundle order is
 * the one reported, whichever thread hashed it.
 */
static void large_bundle_hashed_on_two_threads(void)
{
	enum { M = 6 };
	static const size_t size = (size_t)3 << 20;
	static const int damaged[][2] = {{-1, -1}, {5, -1}, {1, 5}, {4, 5}, {3, 4}};
	char *sql[M], (*rows)[MIGC_BUNDLE_ROW], sums[M][33], names[M][16], id[33];
	size_t lens[M], off[M], total = 0;
	struct migc_bundle_entry e[M];
	struct migc_bundle b;
	migc_set *set = NULL;
	migc_error err;
	size_t k, i;
	int l;

	CHECK_INT(migc_set_new(&set, &err), 0);
	for (i = 0; i < M; i++) {
		sql[i] = filler(size, (char)('a' + i));
		lens[i] = size;
		if (!sql[i]) {
			unit_fail(__FILE__, __LINE__, "out of memory");
			return;
		}
		snprintf(names[i], sizeof(names[i]), "%04zu_big.sql", i + 1);
		if (migc_set_add(set, names[i], NULL, sql[i], size, &err))
			unit_fail(__FILE__, __LINE__, "%s: %s", names[i], err.message);
		memcpy(sums[i], migc_set_get(set, i)->checksum, 33);
		e[i] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
			.version_off = unit_str(migc_set_get(set, i)->version),
			.name_off = unit_str("big"), .filename_off = unit_str(names[i]),
			.checksum_off = unit_str(sums[i]), .sql_len = size,
			.sql_line = 1};
	}
	rows = stream_of(sql, lens, M, off, &total);
	if (!rows) {
		unit_fail(__FILE__, __LINE__, "out of memory");
		return;
	}
	for (i = 0; i < M; i++)
		e[i].sql_off = off[i];
	CHECK_INT(migc_set_finish(set, &err), 0);
	migc_set_bundle_id(set, id);
	b = unit_bundle(e, M, id, rows, total);
	for (k = 0; k < sizeof(damaged) / sizeof(damaged[0]); k++) {
		for (l = 0; l < 2; l++)
			if (damaged[k][l] >= 0)
				*stream_byte(rows, off[damaged[k][l]] + 700 * MIGC_BUNDLE_ROW_BYTES + 9) ^= 1;
		for (l = 0; l < NLOADERS; l++) {
			migc_set *loaded = NULL;
			int rc = loaders[l](&loaded, &b, &err);

			if (damaged[k][0] < 0) {
				CHECK_INT(rc, 0);
				for (i = 0; loaded && i < M; i++)
					CHECK(memcmp(migc_set_get(loaded, i)->sql, sql[i], size) == 0);
			} else {
				CHECK_INT(rc, MIGC_ECORRUPT);
				CHECK_CONTAINS(err.message, names[damaged[k][0]]);
				CHECK(loaded == NULL);
			}
			migc_set_free(loaded);
		}
		for (l = 0; l < 2; l++)
			if (damaged[k][l] >= 0)
				*stream_byte(rows, off[damaged[k][l]] + 700 * MIGC_BUNDLE_ROW_BYTES + 9) ^= 1;
	}
	/* the loader builds the helper's half on trust and takes its verdict
	 * at the end: per migration, what the loader finds before the SQL's
	 * check (kind) still comes first, what it finds after (flags against
	 * the directives) comes after, and an earlier migration first */
	{
		static const struct {
			int flags_at, kind_at, damage_at, named;
			const char *says;
		} order[] = {
			{5, -1, 4, 4, "does not match its checksum"},
			{4, -1, 4, 4, "does not match its checksum"},
			{4, -1, -1, 4, "flags do not match"},
			{-1, 4, 5, 4, "unknown kind"},
			{-1, 4, 4, 4, "unknown kind"},
			{3, -1, 5, 3, "flags do not match"},
		};

		for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			size_t at = order[k].damage_at >= 0
				    ? off[order[k].damage_at] + 700 * MIGC_BUNDLE_ROW_BYTES + 9 : 0;

			if (order[k].flags_at >= 0)
				e[order[k].flags_at].flags = MIGC_FLAG_NO_TRANSACTION;
			if (order[k].kind_at >= 0)
				e[order[k].kind_at].kind = 99;
			unit_rerecord(&b, e);
			if (order[k].damage_at >= 0)
				*stream_byte(rows, at) ^= 1;
			for (l = 0; l < NLOADERS; l++) {
				migc_set *bad = NULL;

				CHECK_INT(loaders[l](&bad, &b, &err), MIGC_ECORRUPT);
				CHECK_CONTAINS(err.message, names[order[k].named]);
				CHECK_CONTAINS(err.message, order[k].says);
				CHECK(bad == NULL);
			}
			if (order[k].damage_at >= 0)
				*stream_byte(rows, at) ^= 1;
			if (order[k].flags_at >= 0)
				e[order[k].flags_at].flags = 0;
			if (order[k].kind_at >= 0)
				e[order[k].kind_at].kind = MIGC_KIND_VERSIONED;
			unit_rerecord(&b, e);
		}
	}
	/* a malformed checksum in the helper's half: it cannot match */
	e[4].checksum_off = unit_str("not a checksum");
	unit_rerecord(&b, e);
	for (l = 0; l < NLOADERS; l++) {
		migc_set *bad = NULL;

		CHECK_INT(loaders[l](&bad, &b, &err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, names[4]);
		CHECK(bad == NULL);
	}
	/* a file name beyond the string table in the helper's half: the
	 * loader names the migration by number, in order */
	e[4].filename_off = (uint32_t)(unit_string_rows() * MIGC_BUNDLE_ROW);
	unit_rerecord(&b, e);
	for (l = 0; l < NLOADERS; l++) {
		migc_set *bad = NULL;

		CHECK_INT(loaders[l](&bad, &b, &err), MIGC_ECORRUPT);
		CHECK_CONTAINS(err.message, "migration #5");
		CHECK(bad == NULL);
	}
	migc_set_free(set);
	for (i = 0; i < M; i++)
		free(sql[i]);
	free(rows);
}

/* What migc_run's events carry: each migration's whole SQL. */
struct seen {
	const char *const *sql;
	int events, whole;
};

static void on_event(const migc_event *ev, void *ctx)
{
	struct seen *s = ctx;
	int v;

	s->events++;
	if (!ev->migration)
		return;
	v = atoi(ev->migration->version);
	s->whole += v >= 1 && v <= 3 && ev->migration->sql &&
		    strcmp(ev->migration->sql, s->sql[v - 1]) == 0;
}

/*
 * migc_run() loads its bundle deferred: migrations longer than a row and
 * sharing rows still run whole, and every event an application gets
 * carries a migration whose SQL is complete (db.c assembles before it
 * calls back).
 */
static void migc_run_runs_and_reports_whole_sql(void)
{
	enum { M = 3 };
	static const char *const names[M] = {"0001_a.sql", "0002_b.sql", "0003_c.sql"};
	char *sql[M], (*rows)[MIGC_BUNDLE_ROW], sums[M][33], id[33], path[300], url[320];
	size_t lens[M], off[M], total = 0, i;
	struct migc_bundle_entry e[M];
	struct migc_bundle b;
	struct seen seen = {NULL, 0, 0};
	migc_options opts;
	migc_set *set = NULL;
	migc_error err;

	for (i = 0; i < M; i++) {
		size_t pad = i == 1 ? 0 : 300, k, at;
		const char *head = i == 0 ? "CREATE TABLE a (x INTEGER);\n"
				 : i == 1 ? "CREATE TABLE b (x INTEGER);\n"
					  : "INSERT INTO a VALUES (1);\n";

		sql[i] = malloc(strlen(head) + pad * 24 + 1);
		if (!sql[i]) {
			unit_fail(__FILE__, __LINE__, "out of memory");
			return;
		}
		at = (size_t)sprintf(sql[i], "%s", head);
		for (k = 0; k < pad; k++)
			at += (size_t)sprintf(sql[i] + at, "-- padding line %05zu\n", k);
		lens[i] = at;
	}
	CHECK(lens[0] > MIGC_BUNDLE_ROW_BYTES && lens[1] < 100);
	CHECK_INT(migc_set_new(&set, &err), 0);
	for (i = 0; i < M; i++) {
		if (migc_set_add(set, names[i], NULL, sql[i], lens[i], &err))
			unit_fail(__FILE__, __LINE__, "%s: %s", names[i], err.message);
		memcpy(sums[i], migc_set_get(set, i)->checksum, 33);
		e[i] = (struct migc_bundle_entry){.kind = MIGC_KIND_VERSIONED,
			.version_off = unit_str(migc_set_get(set, i)->version),
			.name_off = unit_str(migc_set_get(set, i)->name),
			.filename_off = unit_str(names[i]),
			.checksum_off = unit_str(sums[i]), .sql_len = lens[i], .sql_line = 1};
	}
	CHECK_INT(migc_set_finish(set, &err), 0);
	migc_set_bundle_id(set, id);
	rows = stream_of(sql, lens, M, off, &total);
	for (i = 0; i < M; i++)
		e[i].sql_off = off[i];
	b = unit_bundle(e, M, id, rows, total);
	snprintf(path, sizeof(path), "%s/run.db", unit_tmpdir("bundle-load"));
	snprintf(url, sizeof(url), "sqlite:%s", path);
	migc_options_init(&opts, MIGC_OPTIONS_VERSION);
	seen.sql = (const char *const *)sql;
	opts.on_event = on_event;
	opts.event_ctx = &seen;
	CHECK(rows != NULL);
	if (rows && migc_run(&b, url, &opts, &err))
		unit_fail(__FILE__, __LINE__, "migc_run: %s", err.message);
	/* start and done for each: six events, all whole */
	CHECK_INT(seen.events, 6);
	CHECK_INT(seen.whole, 6);
	migc_set_free(set);
	free(rows);
	for (i = 0; i < M; i++)
		free(sql[i]);
}

int main(void)
{
	RUN(multi_row_sql_comes_out_whole);
	RUN(deferred_sql_is_assembled_once_each);
	RUN(directives_must_still_match_the_flags);
	RUN(damage_anywhere_is_refused_without_leaks);
	RUN(down_sql_is_copied_too);
	RUN(sql_across_chunks);
	RUN(sql_across_a_row_end_at_every_offset);
	RUN(large_bundle_hashed_on_two_threads);
	RUN(migc_run_runs_and_reports_whole_sql);
	return unit_done();
}
