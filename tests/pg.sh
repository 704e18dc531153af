# tests/pg.sh - start a throwaway PostgreSQL for the tests, and stop it.
#
# Source it after tests/lib.sh, then call `pg_start`; it sets PGHOST (a
# Unix socket directory), PGPORT, PGUSER, PGDATABASE and PG_URL. The server
# lives in a temporary directory and is stopped and removed at exit, whether
# the tests pass or fail. It listens on the socket and on 127.0.0.1 only.
#
# PostgreSQL refuses to run as root (CI runs as root): then the server runs
# as the `postgres` system user that Debian's package creates.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

pg_available() {
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ]
}

_pg_as() { # run a command as the server's user
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_start [extra postgres -c settings...]
pg_start() {
	pg_available || { echo "pg_start: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/migc-pg.XXXXXX")
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
	_pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U migc_admin -A trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; return 1; }
	PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	local opts="-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$PG_DIR -c fsync=off -c max_connections=100"
	local o
	for o in "$@"; do opts+=" -c $o"; done
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "$opts" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null ||
		{ cat "$PG_DIR/server.log" >&2; return 1; }
	export PGHOST=$PG_DIR PGPORT PGUSER=migc_admin PGDATABASE=postgres
	export PG_URL="postgresql://migc_admin@127.0.0.1:$PGPORT/postgres"
	trap 'pg_stop; rm -rf "$TEST_TMP"' EXIT
}

# psql_q SQL: run one query, print unaligned tuples.
psql_q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
