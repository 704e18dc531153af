/*
 * test_layout.c - reading other tools' migration directories: each
 * layout's file names (and the errors naming the file), the detection of a
 * directory's layout, the up/down sections of goose and dbmate files, the
 * tools' no-transaction markers and configuration files. These are the
 * tools' own rules: a test failing here means a directory those tools
 * accept would mean something else to migc.
 */
#include <string.h>

#include "layout.h"
#include "unit.h"
#include "util.h"

/* Parse `path` under `layout`, expecting success. */
static struct layout_name name_of(migc_layout layout, const char *path)
{
	struct layout_name ln;
	migc_error err;

	migc_error_clear(&err);
	if (layout_name_parse(layout, path, &ln, &err) != 0)
		unit_fail(__FILE__, __LINE__, "%s: expected a valid name, got: %s",
			  path, err.message);
	return ln;
}

/* Parse `path` under `layout`, expecting an error that names the file. */
static void check_refused(migc_layout layout, const char *path,
			  const char *part)
{
	struct layout_name ln;
	migc_error err;
	int rc;

	migc_error_clear(&err);
	rc = layout_name_parse(layout, path, &ln, &err);
	if (rc != MIGC_EINVALID) {
		unit_fail(__FILE__, __LINE__, "%s under %s: expected MIGC_EINVALID, got %d",
			  path, migc_layout_name(layout), rc);
		return;
	}
	CHECK_STR(err.file, path);
	CHECK_CONTAINS(err.message, path);
	CHECK_CONTAINS(err.message, part);
}

static void layout_names_round_trip_and_unknown_lists_all(void)
{
	migc_layout l;
	migc_error err;
	int i;

	for (i = MIGC_LAYOUT_MIGC; i <= MIGC_LAYOUT_COUNT; i++) {
		CHECK(migc_layout_name((migc_layout)i) != NULL);
		CHECK_INT(migc_layout_parse(&l, migc_layout_name((migc_layout)i), &err), 0);
		CHECK_INT(l, i);
	}
	CHECK_STR(migc_layout_name(MIGC_LAYOUT_GOLANG_MIGRATE), "golang-migrate");
	CHECK_STR(migc_layout_name(MIGC_LAYOUT_PRISMA), "prisma");
	CHECK(migc_layout_name((migc_layout)0) == NULL);
	CHECK(migc_layout_name((migc_layout)(MIGC_LAYOUT_COUNT + 1)) == NULL);
	CHECK_INT(migc_layout_parse(&l, "liquibase", &err), MIGC_EUSAGE);
	CHECK_CONTAINS(err.message, "liquibase");
	CHECK_CONTAINS(err.message, "golang-migrate");
	CHECK_CONTAINS(err.message, "prisma");
	CHECK_CONTAINS(err.hint, "dbmate");
	CHECK_INT(migc_layout_parse(&l, "Goose", &err), MIGC_EUSAGE);
}

static void migc_names_agree_with_filename_parse(void)
{
	struct layout_name ln = name_of(MIGC_LAYOUT_MIGC, "0001_create_users.sql");
	migc_filename fn;
	migc_error err, ferr;

	CHECK_INT(ln.role, LAYOUT_UP);
	CHECK_INT(ln.kind, MIGC_KIND_VERSIONED);
	CHECK_STR(ln.version, "0001");
	CHECK_STR(ln.name, "create_users");
	CHECK_STR(ln.key, "v:0001");
	ln = name_of(MIGC_LAYOUT_MIGC, "R__views.sql");
	CHECK_INT(ln.kind, MIGC_KIND_REPEATABLE);
	CHECK_STR(ln.version, "");
	CHECK_STR(ln.key, "r:views");
	ln = name_of(MIGC_LAYOUT_MIGC, "1.2.3_x.sql");
	CHECK_STR(ln.version, "1.2.3");
	CHECK_INT(layout_name_parse(MIGC_LAYOUT_MIGC, "0001_a.up.sql", &ln, &err),
		  migc_filename_parse(&fn, "0001_a.up.sql", &ferr));
	CHECK_STR(err.message, ferr.message);
	check_refused(MIGC_LAYOUT_MIGC, "V1__init.sql", "Flyway");
	check_refused(MIGC_LAYOUT_MIGC, "sub/0001_a.sql", "subdirectories");
}

static void golang_migrate_up_and_down_share_a_key(void)
{
	struct layout_name up = name_of(MIGC_LAYOUT_GOLANG_MIGRATE, "0001_x.up.sql");
	struct layout_name down = name_of(MIGC_LAYOUT_GOLANG_MIGRATE, "0001_x.down.sql");

	CHECK_INT(up.role, LAYOUT_UP);
	CHECK_INT(down.role, LAYOUT_DOWN);
	CHECK_STR(up.key, "v:0001");
	CHECK_STR(down.key, "v:0001");
	CHECK_STR(up.version, "0001");
	CHECK_STR(up.name, "x");
	/* the name's (.*) is greedy: the last .up./.down. is the direction */
	up = name_of(MIGC_LAYOUT_GOLANG_MIGRATE, "2_a.up.b.down.sql");
	CHECK_INT(up.role, LAYOUT_DOWN);
	CHECK_STR(up.name, "a.up.b");
	check_refused(MIGC_LAYOUT_GOLANG_MIGRATE, "0001_x.sql", ".up.");
	check_refused(MIGC_LAYOUT_GOLANG_MIGRATE, "x_a.up.sql", "digits");
	check_refused(MIGC_LAYOUT_GOLANG_MIGRATE, "0001_x.up.json", "SQL");
	check_refused(MIGC_LAYOUT_GOLANG_MIGRATE, "0001_.up.sql", "name");
	check_refused(MIGC_LAYOUT_GOLANG_MIGRATE, "0001.up.sql", "digits");
}

static void goose_names_and_go_migrations_refused(void)
{
	struct layout_name ln = name_of(MIGC_LAYOUT_GOOSE, "20240101120000_create_users.sql");

	CHECK_INT(ln.role, LAYOUT_SECTIONS);
	CHECK_STR(ln.version, "20240101120000");
	CHECK_STR(ln.name, "create_users");
	CHECK_STR(ln.key, "v:20240101120000");
	check_refused(MIGC_LAYOUT_GOOSE, "00002_seed.go", "Go migrations cannot be embedded");
	check_refused(MIGC_LAYOUT_GOOSE, "0_x.sql", "greater than zero");
	check_refused(MIGC_LAYOUT_GOOSE, "create.sql", "digits");
	check_refused(MIGC_LAYOUT_GOOSE, "0001_x.txt", "goose reads");
}

static void dbmate_names_take_the_leading_digits(void)
{
	struct layout_name ln = name_of(MIGC_LAYOUT_DBMATE, "20240101120000_create_users.sql");

	CHECK_INT(ln.role, LAYOUT_SECTIONS);
	CHECK_STR(ln.version, "20240101120000");
	CHECK_STR(ln.name, "create_users");
	check_refused(MIGC_LAYOUT_DBMATE, "create_users.sql", "digits");
	check_refused(MIGC_LAYOUT_DBMATE, "0001_x.rb", "dbmate reads");
	check_refused(MIGC_LAYOUT_DBMATE, "0001.sql", "name");
}

static void flyway_versions_undo_repeatable_and_conf(void)
{
	struct layout_name v = name_of(MIGC_LAYOUT_FLYWAY, "V1_1__add_index.sql");
	struct layout_name u = name_of(MIGC_LAYOUT_FLYWAY, "U1_1__add_index.sql");
	struct layout_name c = name_of(MIGC_LAYOUT_FLYWAY, "V1_1__add_index.sql.conf");
	struct layout_name r = name_of(MIGC_LAYOUT_FLYWAY, "R__views.sql");

	CHECK_INT(v.role, LAYOUT_UP);
	CHECK_STR(v.version, "1.1");
	CHECK_STR(v.name, "add_index");
	CHECK_STR(v.key, "v:1_1");
	CHECK_INT(u.role, LAYOUT_DOWN);
	CHECK_STR(u.key, v.key);
	CHECK_INT(c.role, LAYOUT_CONFIG);
	CHECK_STR(c.key, v.key);
	CHECK_INT(r.kind, MIGC_KIND_REPEATABLE);
	CHECK_INT(r.role, LAYOUT_UP);
	CHECK_STR(r.key, "r:views");
	CHECK_STR(r.version, "");
	v = name_of(MIGC_LAYOUT_FLYWAY, "V2.0.10__x__y.sql");
	CHECK_STR(v.version, "2.0.10");
	CHECK_STR(v.name, "x__y");
	v = name_of(MIGC_LAYOUT_FLYWAY, "V001__init.sql");
	CHECK_STR(v.version, "001");
	check_refused(MIGC_LAYOUT_FLYWAY, "V__x.sql", "no version after V");
	check_refused(MIGC_LAYOUT_FLYWAY, "V1.sql", "__<description>");
	check_refused(MIGC_LAYOUT_FLYWAY, "Vx__a.sql", "not digits");
	check_refused(MIGC_LAYOUT_FLYWAY, "V1..2__a.sql", "not digits");
	check_refused(MIGC_LAYOUT_FLYWAY, "R1__x.sql", "no version");
	check_refused(MIGC_LAYOUT_FLYWAY, "beforeMigrate.sql", "callbacks");
	check_refused(MIGC_LAYOUT_FLYWAY, "B5__baseline.sql", "baseline");
	check_refused(MIGC_LAYOUT_FLYWAY, "V1__x.txt", ".sql");
	check_refused(MIGC_LAYOUT_FLYWAY, "0001_x.sql", "V, U or R");
}

static void sqlx_simple_and_reversible_names(void)
{
	struct layout_name s = name_of(MIGC_LAYOUT_SQLX, "20240101120000_create_users.sql");
	struct layout_name u = name_of(MIGC_LAYOUT_SQLX, "3_x.up.sql");
	struct layout_name d = name_of(MIGC_LAYOUT_SQLX, "3_x.down.sql");

	CHECK_INT(s.role, LAYOUT_UP);
	CHECK_STR(s.name, "create_users");
	CHECK_INT(u.role, LAYOUT_UP);
	CHECK_INT(d.role, LAYOUT_DOWN);
	CHECK_STR(u.key, "v:3");
	CHECK_STR(d.key, "v:3");
	CHECK_STR(d.name, "x");
	check_refused(MIGC_LAYOUT_SQLX, "R__views.sql", "integer version");
	check_refused(MIGC_LAYOUT_SQLX, "1_.up.sql", "name");
	check_refused(MIGC_LAYOUT_SQLX, "0001.sql", "sqlx reads");
}

static void refinery_versions_are_integers_and_names_words(void)
{
	struct layout_name v = name_of(MIGC_LAYOUT_REFINERY, "V1__first.sql");
	struct layout_name u = name_of(MIGC_LAYOUT_REFINERY, "U12__second_one.sql");

	CHECK_INT(v.role, LAYOUT_UP);
	CHECK_STR(v.version, "1");
	CHECK_STR(v.key, "v:1");
	CHECK_INT(u.role, LAYOUT_UP);
	CHECK_STR(u.version, "12");
	CHECK_STR(u.name, "second_one");
	check_refused(MIGC_LAYOUT_REFINERY, "V1.1__x.sql", "integer");
	check_refused(MIGC_LAYOUT_REFINERY, "V1__bad-name.sql", "letters, digits and _");
	check_refused(MIGC_LAYOUT_REFINERY, "V1__x.rs", "Rust migrations");
	check_refused(MIGC_LAYOUT_REFINERY, "R__x.sql", "refinery");
	check_refused(MIGC_LAYOUT_REFINERY, "V1_x.sql", "__");
	check_refused(MIGC_LAYOUT_REFINERY, "nested/V1__x.sql", "subdirectories");
}

static void diesel_directories_and_dashless_versions(void)
{
	struct layout_name up = name_of(MIGC_LAYOUT_DIESEL, "2024-01-01-000000_create_users/up.sql");
	struct layout_name down = name_of(MIGC_LAYOUT_DIESEL, "2024-01-01-000000_create_users/down.sql");
	struct layout_name meta = name_of(MIGC_LAYOUT_DIESEL, "2024-01-01-000000_create_users/metadata.toml");

	CHECK_INT(up.role, LAYOUT_UP);
	CHECK_STR(up.version, "20240101000000");
	CHECK_STR(up.name, "create_users");
	CHECK_STR(up.key, "v:2024-01-01-000000");
	CHECK_INT(down.role, LAYOUT_DOWN);
	CHECK_STR(down.key, up.key);
	CHECK_INT(meta.role, LAYOUT_CONFIG);
	CHECK_STR(meta.key, up.key);
	up = name_of(MIGC_LAYOUT_DIESEL, "00000000000000_diesel_initial_setup/up.sql");
	CHECK_STR(up.version, "00000000000000");
	CHECK_STR(up.name, "diesel_initial_setup");
	CHECK_INT(name_of(MIGC_LAYOUT_DIESEL, ".keep").role, LAYOUT_IGNORE);
	check_refused(MIGC_LAYOUT_DIESEL, "create_users/up.sql", "digits");
	check_refused(MIGC_LAYOUT_DIESEL, "2024-01-01-000000/up.sql", "_<name>");
	check_refused(MIGC_LAYOUT_DIESEL, "2024-01-01-000000_x/README.md", "not a file diesel reads");
	check_refused(MIGC_LAYOUT_DIESEL, "2024-01-01-000000_x/sub/up.sql", "one level deep");
	check_refused(MIGC_LAYOUT_DIESEL, "up.sql", "not part of a diesel");
}

static void prisma_directories_and_lock_file(void)
{
	struct layout_name ln = name_of(MIGC_LAYOUT_PRISMA, "20240101120000_init/migration.sql");

	CHECK_INT(ln.role, LAYOUT_UP);
	CHECK_STR(ln.version, "20240101120000");
	CHECK_STR(ln.name, "init");
	CHECK_STR(ln.key, "v:20240101120000");
	CHECK_INT(name_of(MIGC_LAYOUT_PRISMA, "migration_lock.toml").role, LAYOUT_IGNORE);
	check_refused(MIGC_LAYOUT_PRISMA, "20240101120000_init/down.sql", "not a file prisma reads");
	check_refused(MIGC_LAYOUT_PRISMA, "init/migration.sql", "timestamp");
	check_refused(MIGC_LAYOUT_PRISMA, "2024-01-01_init/migration.sql", "timestamp");
	check_refused(MIGC_LAYOUT_PRISMA, "0001_init.sql", "not part of a prisma");
}

/* ---- detection ---- */

static int detect(migc_layout *out, const char *const *paths,
		  const char *const *data, size_t n, migc_error *err)
{
	size_t lens[16], i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(data[i]);
	migc_error_clear(err);
	return layout_detect(out, n, paths, data, lens, err);
}

static void detect_each_tool_from_names_and_markers(void)
{
	static const char *prisma[] = {"migration_lock.toml", "20240101_init/migration.sql"};
	static const char *diesel[] = {".keep", "2024-01-01-000000_a/up.sql", "2024-01-01-000000_a/down.sql"};
	static const char *flyway[] = {"V1__a.sql", "R__views.sql"};
	static const char *updown[] = {"0001_a.up.sql", "0001_a.down.sql"};
	static const char *plain[] = {"0001_a.sql", "0002_b.sql"};
	static const char *mixed[] = {"0001_a.up.sql", "0001_a.down.sql", "0002_b.sql"};
	static const char *migc[] = {"0001_a.sql", "R__views.sql"};
	static const char *none[] = {"", "", ""};
	static const char *sqlx[] = {"-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n", ""};
	static const char *goose[] = {"-- +goose Up\nCREATE TABLE a (id int);\n", "-- comment\n"};
	static const char *goose_lc[] = {"-- +goose up\nSELECT 1;\n", ""};
	static const char *dbmate[] = {"-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n", ""};
	migc_layout l;
	migc_error err;

	CHECK_INT(detect(&l, prisma, none, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_PRISMA);
	CHECK_INT(detect(&l, diesel, none, 3, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_DIESEL);
	CHECK_INT(detect(&l, flyway, none, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_FLYWAY);
	CHECK_INT(detect(&l, updown, none, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_GOLANG_MIGRATE);
	CHECK_INT(detect(&l, updown, sqlx, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_SQLX);
	/* sqlx mixes pairs with simple files; golang-migrate has only pairs */
	CHECK_INT(detect(&l, mixed, none, 3, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_SQLX);
	CHECK_INT(detect(&l, plain, sqlx, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_SQLX);
	CHECK_INT(detect(&l, plain, goose, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_GOOSE);
	CHECK_INT(detect(&l, plain, goose_lc, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_GOOSE);
	CHECK_INT(detect(&l, plain, dbmate, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_DBMATE);
	/* R__ is migc's too: it decides nothing by itself */
	CHECK_INT(detect(&l, migc, none, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_MIGC);
	CHECK_INT(detect(&l, plain, none, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_MIGC);
}

static void detect_empty_directory_is_migc(void)
{
	migc_layout l = MIGC_LAYOUT_GOOSE;
	migc_error err;

	CHECK_INT(layout_detect(&l, 0, NULL, NULL, NULL, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_MIGC);
}

static void detect_mixed_layouts_fail_naming_both_files(void)
{
	static const char *paths[] = {"0001_a.sql", "0002_b.sql", "V3__c.sql"};
	static const char *data[] = {"CREATE TABLE x (id int);\n",
				     "-- +goose Up\nSELECT 1;\n", "SELECT 1;\n"};
	static const char *paths2[] = {"0001_a.sql", "0002_b.sql"};
	static const char *data2[] = {"-- +goose Up\nSELECT 1;\n",
				      "-- migrate:up\nSELECT 1;\n"};
	static const char *paths3[] = {"2024_a/up.sql", "2024_b/migration.sql"};
	static const char *data3[] = {"", ""};
	migc_layout l;
	migc_error err;

	CHECK_INT(detect(&l, paths, data, 3, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0002_b.sql");
	CHECK_CONTAINS(err.message, "V3__c.sql");
	CHECK_CONTAINS(err.message, "goose");
	CHECK_CONTAINS(err.message, "Flyway");
	CHECK_CONTAINS(err.hint, "--layout");
	CHECK_INT(detect(&l, paths2, data2, 2, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "0001_a.sql");
	CHECK_CONTAINS(err.message, "dbmate");
	CHECK_INT(detect(&l, paths3, data3, 2, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "2024_a/up.sql");
	CHECK_CONTAINS(err.message, "2024_b/migration.sql");
}

/* Classify each file alone, then combine (the loader's way). */
static int detect_classified(migc_layout *out, const char *const *paths,
			     const char *const *data, size_t n, migc_error *err)
{
	struct layout_file_class c[16];
	size_t i;

	for (i = 0; i < n; i++)
		layout_classify_file(&c[i], paths[i], data[i], strlen(data[i]));
	migc_error_clear(err);
	return layout_detect_classified(out, n, paths, c, err);
}

static void classify_file_alone_skips_the_bom_and_notes_sqlx_hints(void)
{
	struct layout_file_class plain, bare, bom, goose, goose_bom, pair, none;

	layout_classify_file(&plain, "0002_b.sql", "SELECT 1;\n", 10);
	CHECK_INT(plain.family, 0);
	CHECK_INT(plain.plain, 1);
	CHECK_INT(plain.sqlx, 0);
	layout_classify_file(&bare, "0001_a.sql", "-- no-transaction\n", 18);
	layout_classify_file(&bom, "0001_a.sql", "\xEF\xBB\xBF-- no-transaction\n", 21);
	CHECK(bare.family != 0);
	CHECK_INT(bare.sqlx, 1);
	CHECK_INT(bom.family, bare.family);
	CHECK_INT(bom.sqlx, 1);
	layout_classify_file(&pair, "0001_a.up.sql", "SELECT 1;\n", 10);
	CHECK_INT(pair.family, bare.family);
	CHECK_INT(pair.sqlx, 0);
	CHECK_INT(pair.plain, 0);
	layout_classify_file(&goose, "0003_c.sql", "-- +goose Up\nSELECT 1;\n", 23);
	layout_classify_file(&goose_bom, "0003_c.sql", "\xEF\xBB\xBF-- +goose Up\nSELECT 1;\n", 26);
	CHECK(goose.family != 0 && goose.family != bare.family);
	CHECK_INT(goose_bom.family, goose.family);
	CHECK_INT(goose.plain, 0);
	/* no content: judged by the name alone */
	layout_classify_file(&none, "V1__a.sql", NULL, 0);
	CHECK(none.family != 0);
	layout_classify_file(&none, "notes.txt", NULL, 0);
	CHECK_INT(none.family, 0);
	CHECK_INT(none.plain, 0);
}

static void detect_from_classes_matches_detect(void)
{
	static const char *mixed[] = {"0001_a.up.sql", "0001_a.down.sql", "0002_b.sql"};
	static const char *updown[] = {"0001_a.up.sql", "0001_a.down.sql"};
	static const char *none[] = {"", "", ""};
	static const char *sqlx_bom[] = {"\xEF\xBB\xBF-- no-transaction\nSELECT 1;\n", ""};
	static const char *paths[] = {"0001_a.sql", "0002_b.sql", "0003_c.sql", "V4__d.sql"};
	static const char *data[] = {"SELECT 1;\n", "-- +goose Up\nSELECT 1;\n",
				     "-- migrate:up\nSELECT 1;\n", ""};
	migc_layout l = MIGC_LAYOUT_MIGC, l2 = MIGC_LAYOUT_MIGC;
	migc_error err, err2;
	const char *first, *second;

	/* sqlx: a plain file beside pairs, or a BOM-prefixed marker */
	CHECK_INT(detect_classified(&l, mixed, none, 3, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_SQLX);
	CHECK_INT(detect_classified(&l, updown, none, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_GOLANG_MIGRATE);
	CHECK_INT(detect_classified(&l, updown, sqlx_bom, 2, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_SQLX);
	CHECK_INT(detect(&l2, updown, sqlx_bom, 2, &err2), 0);
	CHECK_INT(l2, MIGC_LAYOUT_SQLX);
	CHECK_INT(layout_detect_classified(&l, 0, NULL, NULL, &err), 0);
	CHECK_INT(l, MIGC_LAYOUT_MIGC);
	/* a conflict names the first file of the first tool, then the first
	 * file of another, with the same message as layout_detect() */
	CHECK_INT(detect_classified(&l, paths, data, 4, &err), MIGC_EINVALID);
	CHECK_INT(detect(&l2, paths, data, 4, &err2), MIGC_EINVALID);
	CHECK_STR(err.message, err2.message);
	CHECK_STR(err.hint, err2.hint);
	first = strstr(err.message, "0002_b.sql");
	second = strstr(err.message, "0003_c.sql");
	CHECK(first && second && first < second);
	CHECK(!strstr(err.message, "V4__d.sql"));
	CHECK_CONTAINS(err.message, "goose");
	CHECK_CONTAINS(err.message, "dbmate");
}

/* ---- sections ---- */

static int split(migc_layout layout, enum layout_role role, const char *text,
		 struct layout_sections *s, migc_error *err)
{
	migc_error_clear(err);
	return layout_split(layout, role, "m/0001_x.sql", text, strlen(text), s, err);
}

/* The section at [off, off+len) equals `want`. */
static int section_is(const char *text, size_t off, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(text + off, want, len) == 0;
}

static void goose_sections_keep_statement_blocks_whole(void)
{
	static const char text[] =
		"-- leading comment\n"
		"\n"
		"-- +goose Up\n"
		"-- +goose StatementBegin\n"
		"CREATE FUNCTION f() RETURNS int AS $$\n"
		"BEGIN\n"
		"  PERFORM 1; RETURN 2;\n"
		"END;\n"
		"$$ LANGUAGE plpgsql;\n"
		"-- +goose StatementEnd\n"
		"CREATE TABLE t (id int);\n"
		"-- +goose Down\n"
		"DROP FUNCTION f();\n"
		"DROP TABLE t;\n";
	struct layout_sections s;
	migc_error err;

	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS, text, &s, &err), 0);
	CHECK_INT(s.up_line, 4);
	CHECK(section_is(text, s.up_off, s.up_len,
			 "-- +goose StatementBegin\n"
			 "CREATE FUNCTION f() RETURNS int AS $$\n"
			 "BEGIN\n"
			 "  PERFORM 1; RETURN 2;\n"
			 "END;\n"
			 "$$ LANGUAGE plpgsql;\n"
			 "-- +goose StatementEnd\n"
			 "CREATE TABLE t (id int);\n"));
	CHECK_INT(s.has_down, 1);
	CHECK_INT(s.down_line, 13);
	CHECK(section_is(text, s.down_off, s.down_len, "DROP FUNCTION f();\nDROP TABLE t;\n"));
	CHECK_INT(s.flags, 0);
}

static void goose_no_transaction_and_up_only(void)
{
	static const char text[] =
		"-- +goose NO TRANSACTION\n"
		"-- +goose up\n"
		"CREATE INDEX CONCURRENTLY i ON t (c);";
	struct layout_sections s;
	migc_error err;

	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS, text, &s, &err), 0);
	CHECK_INT(s.flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(s.has_down, 0);
	CHECK_INT(s.up_line, 3);
	CHECK(section_is(text, s.up_off, s.up_len, "CREATE INDEX CONCURRENTLY i ON t (c);"));
	/* the annotation may sit anywhere, e.g. inside the up section */
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\n-- +goose NO TRANSACTION\nSELECT 1;\n", &s, &err), 0);
	CHECK_INT(s.flags, MIGC_FLAG_NO_TRANSACTION);
}

static void goose_refusals_carry_the_line(void)
{
	struct layout_sections s;
	migc_error err;

	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- about\nCREATE TABLE t (id int);\n", &s, &err), MIGC_EINVALID);
	CHECK_INT(err.line, 2);
	CHECK_CONTAINS(err.message, "m/0001_x.sql:2:");
	CHECK_CONTAINS(err.message, "-- +goose Up");
	CHECK_CONTAINS(err.hint, "-- +goose Up");
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS, "-- only a comment\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "no '-- +goose Up'");
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Down\nDROP TABLE t;\n-- +goose Up\n", &s, &err), MIGC_EINVALID);
	CHECK_INT(err.line, 1);
	CHECK_CONTAINS(err.message, "before '-- +goose Up'");
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\nSELECT 1;\n-- +goose Up\n", &s, &err), MIGC_EINVALID);
	CHECK_INT(err.line, 3);
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\n",
			&s, &err), MIGC_EINVALID);
	CHECK_INT(err.line, 4);
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 2);
	CHECK_CONTAINS(err.message, "without a StatementEnd");
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 3);
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 2);
	CHECK_CONTAINS(err.message, "ENVSUB");
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\n-- +goose Upp\n", &s, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "unknown goose annotation");
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose Up\n  -- +goose Down\n", &s, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "beginning of its line");
	/* ENVSUB OFF changes nothing a bundle holds */
	CHECK_INT(split(MIGC_LAYOUT_GOOSE, LAYOUT_SECTIONS,
			"-- +goose ENVSUB OFF\n-- +goose Up\nSELECT 1;\n", &s, &err), 0);
}

static void dbmate_sections_and_transaction_option(void)
{
	static const char text[] =
		"-- migrate:up transaction:false\n"
		"CREATE INDEX CONCURRENTLY i ON t (c);\n"
		"\n"
		"-- migrate:down\n"
		"DROP INDEX i;\n";
	struct layout_sections s;
	migc_error err;

	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS, text, &s, &err), 0);
	CHECK_INT(s.flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(s.up_line, 2);
	CHECK(section_is(text, s.up_off, s.up_len, "CREATE INDEX CONCURRENTLY i ON t (c);\n\n"));
	CHECK_INT(s.has_down, 1);
	CHECK_INT(s.down_line, 5);
	CHECK(section_is(text, s.down_off, s.down_len, "DROP INDEX i;\n"));
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS,
			"--migrate:up\nSELECT 1;\n-- migrate:down transaction:false\nSELECT 2;\n",
			&s, &err), 0);
	/* the option is its own section's: the up SQL keeps its transaction */
	CHECK_INT(s.flags, 0);
	CHECK_INT(s.down_flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS,
			"-- migrate:up transaction:true\nSELECT 1;\n", &s, &err), 0);
	CHECK_INT(s.flags, 0);
	CHECK_INT(s.has_down, 0);
	/* "-- migrate:upgrade" is a comment, not a marker */
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS,
			"-- migrate:upgrade notes\n-- migrate:up\nSELECT 1;\n", &s, &err), 0);
	CHECK_INT(s.up_line, 3);
}

static void dbmate_refusals_carry_the_line(void)
{
	struct layout_sections s;
	migc_error err;

	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS,
			"-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t (id int);\n",
			&s, &err), MIGC_EINVALID);
	CHECK_INT(err.line, 1);
	CHECK_CONTAINS(err.message, "m/0001_x.sql:1:");
	CHECK_CONTAINS(err.message, "before '-- migrate:up'");
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS, "SELECT 1;\n-- migrate:up\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 1);
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS, "-- nothing here\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "no '-- migrate:up'");
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS,
			"-- migrate:up transactions:false\nSELECT 1;\n", &s, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "unknown dbmate option 'transactions:false'");
	CHECK_INT(split(MIGC_LAYOUT_DBMATE, LAYOUT_SECTIONS,
			"-- migrate:up\nSELECT 1;\n-- migrate:down\n-- migrate:down\n", &s, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 4);
}

static void whole_file_markers_of_sqlx_and_refinery(void)
{
	struct layout_sections s;
	migc_error err;

	CHECK_INT(split(MIGC_LAYOUT_SQLX, LAYOUT_UP,
			"-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n", &s, &err), 0);
	CHECK_INT(s.flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(s.up_line, 1);
	CHECK_INT(s.up_off, 0);
	/* sqlx looks at the first bytes only */
	CHECK_INT(split(MIGC_LAYOUT_SQLX, LAYOUT_UP, "\n-- no-transaction\nSELECT 1;\n", &s, &err), 0);
	CHECK_INT(s.flags, 0);
	CHECK_INT(split(MIGC_LAYOUT_SQLX, LAYOUT_DOWN, "-- no-transaction\nDROP INDEX i;\n", &s, &err),
		  0);
	CHECK_INT(s.has_down, 1);
	CHECK_INT(s.up_len, 0);
	CHECK_INT(s.down_line, 1);
	CHECK_INT(s.flags, 0);
	CHECK_INT(s.down_flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(split(MIGC_LAYOUT_REFINERY, LAYOUT_UP,
			"SELECT 1;\n--refinery:noTransaction\nSELECT 2;\n", &s, &err), 0);
	CHECK_INT(s.flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(split(MIGC_LAYOUT_REFINERY, LAYOUT_UP,
			"-- refinery:noTransaction please\n", &s, &err), 0);
	CHECK_INT(s.flags, 0);
	CHECK_INT(split(MIGC_LAYOUT_GOLANG_MIGRATE, LAYOUT_UP, "-- no-transaction\n", &s, &err), 0);
	CHECK_INT(s.flags, 0);
}

/* ---- configuration ---- */

static int config(migc_layout layout, const char *text, unsigned *flags,
		  migc_error *err)
{
	*flags = 0;
	migc_error_clear(err);
	return layout_config(layout, "m/x/metadata.toml", text, strlen(text), flags, err);
}

static void diesel_metadata_run_in_transaction(void)
{
	unsigned flags;
	migc_error err;

	CHECK_INT(config(MIGC_LAYOUT_DIESEL, "run_in_transaction = false\n", &flags, &err), 0);
	CHECK_INT(flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(config(MIGC_LAYOUT_DIESEL,
			 "# comment\nrun_in_transaction=true # why\nother = 1\n", &flags, &err), 0);
	CHECK_INT(flags, 0);
	CHECK_INT(config(MIGC_LAYOUT_DIESEL, "\"run_in_transaction\" = false\n", &flags, &err), 0);
	CHECK_INT(flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(config(MIGC_LAYOUT_DIESEL, "a = 1\n\nrun_in_transaction = \"false\"\n", &flags, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 3);
	CHECK_CONTAINS(err.message, "m/x/metadata.toml:3:");
	CHECK_CONTAINS(err.message, "true or false");
	/* diesel's serde default for a present file without the key is false */
	CHECK_INT(config(MIGC_LAYOUT_DIESEL, "# nothing\n", &flags, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "no run_in_transaction");
	CHECK_CONTAINS(err.hint, "run_in_transaction = true");
	/* a key under a table is not the top-level key */
	CHECK_INT(config(MIGC_LAYOUT_DIESEL,
			 "run_in_transaction = true\n[x]\nrun_in_transaction = false\n", &flags, &err), 0);
	CHECK_INT(flags, 0);
	CHECK_INT(config(MIGC_LAYOUT_DIESEL,
			 "run_in_transaction = true\nrun_in_transaction = true\n", &flags, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 2);
}

static void flyway_conf_execute_in_transaction(void)
{
	unsigned flags;
	migc_error err;

	CHECK_INT(config(MIGC_LAYOUT_FLYWAY, "# script config\nexecuteInTransaction=false\n",
			 &flags, &err), 0);
	CHECK_INT(flags, MIGC_FLAG_NO_TRANSACTION);
	CHECK_INT(config(MIGC_LAYOUT_FLYWAY, "executeInTransaction = TRUE\nencoding=UTF-8\n",
			 &flags, &err), 0);
	CHECK_INT(flags, 0);
	CHECK_INT(config(MIGC_LAYOUT_FLYWAY, "executeInTransaction=no\n", &flags, &err), MIGC_EINVALID);
	CHECK_INT(err.line, 1);
	CHECK_INT(config(MIGC_LAYOUT_FLYWAY, "encoding=ISO-8859-1\n", &flags, &err), MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "UTF-8");
	CHECK_INT(config(MIGC_LAYOUT_FLYWAY, "\nshouldExecute=${env}==prod\n", &flags, &err),
		  MIGC_EINVALID);
	CHECK_INT(err.line, 2);
	CHECK_INT(config(MIGC_LAYOUT_FLYWAY, "executeInTransactions=false\n", &flags, &err),
		  MIGC_EINVALID);
	CHECK_CONTAINS(err.message, "unknown key 'executeInTransactions'");
	CHECK_INT(config(MIGC_LAYOUT_GOOSE, "x=1\n", &flags, &err), MIGC_ERROR);
}

int main(void)
{
	RUN(layout_names_round_trip_and_unknown_lists_all);
	RUN(migc_names_agree_with_filename_parse);
	RUN(golang_migrate_up_and_down_share_a_key);
	RUN(goose_names_and_go_migrations_refused);
	RUN(dbmate_names_take_the_leading_digits);
	RUN(flyway_versions_undo_repeatable_and_conf);
	RUN(sqlx_simple_and_reversible_names);
	RUN(refinery_versions_are_integers_and_names_words);
	RUN(diesel_directories_and_dashless_versions);
	RUN(prisma_directories_and_lock_file);
	RUN(detect_each_tool_from_names_and_markers);
	RUN(detect_empty_directory_is_migc);
	RUN(detect_mixed_layouts_fail_naming_both_files);
	RUN(classify_file_alone_skips_the_bom_and_notes_sqlx_hints);
	RUN(detect_from_classes_matches_detect);
	RUN(goose_sections_keep_statement_blocks_whole);
	RUN(goose_no_transaction_and_up_only);
	RUN(goose_refusals_carry_the_line);
	RUN(dbmate_sections_and_transaction_option);
	RUN(dbmate_refusals_carry_the_line);
	RUN(whole_file_markers_of_sqlx_and_refinery);
	RUN(diesel_metadata_run_in_transaction);
	RUN(flyway_conf_execute_in_transaction);
	return unit_done();
}
