/*
 * floor_pg.c - the PostgreSQL floors of `make bench`: the least a
 * migration tool must do, written directly against libpq.
 *
 *   floor_pg load  X Y              nothing: exec and loading libpq only
 *   floor_pg connect CONNINFO X     connect and disconnect
 *   floor_pg noop  CONNINFO TABLE   connect, read every row of the history
 *                                   table TABLE (all columns, by id), exit
 *   floor_pg apply CONNINFO DIR     connect, create a history table, then
 *                                   for each file of DIR in name order:
 *                                   BEGIN; the file's SQL; INSERT its history
 *                                   row; COMMIT
 *
 * No locking, no verification, no output beyond one line: a tool that
 * does more pays for it above this floor.
 */
#include <libpq-fe.h>

#include "floor_common.h"

static PGconn *connect_db(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "floor_pg: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "floor_pg: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

static int noop(const char *conninfo, const char *table)
{
	PGconn *c = connect_db(conninfo);
	char sql[512];
	size_t bytes = 0;
	PGresult *r;
	int i, j, rows, cols;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY id", table);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "floor_pg: %s", PQerrorMessage(c));
		return 1;
	}
	rows = PQntuples(r);
	cols = PQnfields(r);
	for (i = 0; i < rows; i++)
		for (j = 0; j < cols; j++)
			bytes += strlen(PQgetvalue(r, i, j));
	PQclear(r);
	PQfinish(c);
	printf("%d rows, %zu bytes\n", rows, bytes);
	return 0;
}

static int apply(const char *conninfo, const char *dir)
{
	struct floor_file *files;
	int n = floor_read_dir(dir, &files), i;
	PGconn *c;

	if (n < 0)
		return 1;
	c = connect_db(conninfo);
	exec_ok(c, "CREATE TABLE IF NOT EXISTS floor_history ("
		   "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
		   "version text NOT NULL, name text NOT NULL, kind text NOT NULL, "
		   "checksum text NOT NULL, state text NOT NULL, "
		   "applied_at timestamptz NOT NULL DEFAULT now(), "
		   "duration_ms bigint NOT NULL DEFAULT 0, "
		   "bundle_id text NOT NULL DEFAULT '')");
	for (i = 0; i < n; i++) {
		const char *params[3] = {files[i].version, files[i].name, files[i].checksum};
		PGresult *r;

		exec_ok(c, "BEGIN");
		exec_ok(c, files[i].sql);
		r = PQexecParams(c, "INSERT INTO floor_history (version, name, kind, checksum, state) "
				    "VALUES ($1, $2, 'versioned', $3, 'applied')",
				 3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "floor_pg: insert: %s", PQerrorMessage(c));
			return 1;
		}
		PQclear(r);
		exec_ok(c, "COMMIT");
		free(files[i].sql);
	}
	free(files);
	PQfinish(c);
	printf("%d applied\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "load") == 0)
		return PQlibVersion() > 0 ? 0 : 1;
	if (argc == 4 && strcmp(argv[1], "connect") == 0) {
		PQfinish(connect_db(argv[2]));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "noop") == 0)
		return noop(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "apply") == 0)
		return apply(argv[2], argv[3]);
	fprintf(stderr, "usage: floor_pg load X Y | connect CONNINFO X | noop CONNINFO TABLE | apply CONNINFO DIR\n");
	return 2;
}
