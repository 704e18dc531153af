/*
 * floor_sqlite.c - the SQLite floors of `make bench`: the least a
 * migration tool must do, written directly against sqlite3.
 *
 *   floor_sqlite load X Y             nothing: exec and loading sqlite3 only
 *   floor_sqlite connect DBFILE X     open the database, read its schema, close
 *   floor_sqlite noop  DBFILE TABLE   open, read every row of the history
 *                                     table TABLE (all columns, by id), exit
 *   floor_sqlite apply DBFILE DIR     open, create a history table, then for
 *                                     each file of DIR in name order:
 *                                     BEGIN; the file's SQL; INSERT its
 *                                     history row; COMMIT
 *
 * SQLite's defaults (rollback journal, synchronous=FULL): a tool that
 * changes them is measured against the same defaults.
 */
#include <sqlite3.h>

#include "floor_common.h"

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "floor_sqlite: %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "floor_sqlite: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

static int noop(const char *path, const char *table)
{
	sqlite3 *db = open_db(path);
	sqlite3_stmt *st;
	char sql[512];
	size_t bytes = 0;
	int rows = 0, rc, j;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY id", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_sqlite: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (j = 0; j < sqlite3_column_count(st); j++) {
			const unsigned char *t = sqlite3_column_text(st, j);

			bytes += t ? strlen((const char *)t) : 0;
		}
		rows++;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "floor_sqlite: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("%d rows, %zu bytes\n", rows, bytes);
	return 0;
}

static int apply(const char *path, const char *dir)
{
	struct floor_file *files;
	int n = floor_read_dir(dir, &files), i;
	sqlite3_stmt *ins;
	sqlite3 *db;

	if (n < 0)
		return 1;
	db = open_db(path);
	exec_ok(db, "CREATE TABLE IF NOT EXISTS floor_history ("
		    "id INTEGER PRIMARY KEY, version TEXT NOT NULL, name TEXT NOT NULL, "
		    "kind TEXT NOT NULL, checksum TEXT NOT NULL, state TEXT NOT NULL, "
		    "applied_at TEXT NOT NULL DEFAULT (datetime('now')), "
		    "duration_ms INTEGER NOT NULL DEFAULT 0, bundle_id TEXT NOT NULL DEFAULT '')");
	if (sqlite3_prepare_v2(db, "INSERT INTO floor_history (version, name, kind, checksum, state) "
				   "VALUES (?1, ?2, 'versioned', ?3, 'applied')",
			       -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_sqlite: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	for (i = 0; i < n; i++) {
		exec_ok(db, "BEGIN IMMEDIATE");
		exec_ok(db, files[i].sql);
		sqlite3_bind_text(ins, 1, files[i].version, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, files[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, files[i].checksum, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "floor_sqlite: insert: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_reset(ins);
		exec_ok(db, "COMMIT");
		free(files[i].sql);
	}
	free(files);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	printf("%d applied\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "load") == 0)
		return sqlite3_libversion_number() > 0 ? 0 : 1;
	if (argc == 4 && strcmp(argv[1], "connect") == 0) {
		/* sqlite3_open reads nothing: the first statement reads the schema */
		sqlite3 *db = open_db(argv[2]);

		exec_ok(db, "SELECT 1 FROM sqlite_master LIMIT 1");
		sqlite3_close(db);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "noop") == 0)
		return noop(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "apply") == 0)
		return apply(argv[2], argv[3]);
	fprintf(stderr, "usage: floor_sqlite load X Y | connect DBFILE X | noop DBFILE TABLE | apply DBFILE DIR\n");
	return 2;
}
