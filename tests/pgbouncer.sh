# tests/pgbouncer.sh - start a throwaway PgBouncer in front of the test
# PostgreSQL, in transaction pooling mode, and stop it.
#
# Source it after tests/lib.sh and tests/pg.sh; call `pg_start` first, then
# `pgb_start`. It sets PGB_PORT and PGB_URL (the `postgres` database through
# the pooler; any other database name works too: the [databases] entry is a
# wildcard). PgBouncer listens on 127.0.0.1 only, lives in a temporary
# directory, and is stopped and removed at exit with the server.
#
# The pool is deliberately small (PGB_POOL_SIZE, default 4 server connections
# per database and user) and assigned round robin, so that with 8+ clients
# consecutive transactions of one client really run on different server
# connections: a session-level advisory lock, a SET, or a backend pid
# remembered across transactions does not hold here, which is what the
# tests are for. All pools together use at most PGB_MAX_SERVERS (40).
#
# PgBouncer refuses to run as root (CI runs as root): then it runs as the
# `postgres` system user, like the server (see tests/pg.sh).

PGB_BIN=${PGB_BIN:-$(command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer)}

pgb_available() {
	[ -x "$PGB_BIN" ]
}

pgb_stop() {
	[ -n "${PGB_DIR:-}" ] || return 0
	local pid i
	pid=$(cat "$PGB_DIR/pgbouncer.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$PGB_DIR"
	PGB_DIR=
}

# In a test function (run in its own subshell, with $T its directory):
# `pgb_for_test || return 0` starts a PgBouncer for this test only, stopped
# when the test's subshell exits (the server stays), or says the test is
# skipped when pgbouncer is not installed.
pgb_for_test() {
	if ! pgb_available; then
		echo "# skipped: pgbouncer not found (apt-get install pgbouncer)"
		return 1
	fi
	pgb_start >"$T/pgb.log" 2>&1 || fail "pgb_start: $(head -c 1000 "$T/pgb.log")"
	trap 'pgb_stop' EXIT
}

# pgb_start [extra "key = value" settings for the [pgbouncer] section...]
pgb_start() {
	pgb_available || { echo "pgb_start: pgbouncer not found (apt-get install pgbouncer)" >&2; return 1; }
	[ -n "${PGPORT:-}" ] && [ -n "${PG_DIR:-}" ] || { echo "pgb_start: call pg_start first" >&2; return 1; }
	PGB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/migc-pgb.XXXXXX")
	chmod 755 "$PGB_DIR"
	PGB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	# trust still needs the user to be listed
	printf '"%s" ""\n' "${PGUSER:-migc_admin}" >"$PGB_DIR/userlist.txt"
	{
		echo "[databases]"
		echo "* = host=127.0.0.1 port=$PGPORT"
		echo "[pgbouncer]"
		echo "listen_addr = 127.0.0.1"
		echo "listen_port = $PGB_PORT"
		echo "unix_socket_dir ="
		echo "auth_type = trust"
		echo "auth_file = $PGB_DIR/userlist.txt"
		echo "admin_users = ${PGUSER:-migc_admin}"
		echo "pool_mode = transaction"
		echo "max_client_conn = 200"
		echo "default_pool_size = ${PGB_POOL_SIZE:-4}"
		echo "min_pool_size = 0"
		echo "reserve_pool_size = 0"
		echo "server_round_robin = 1"
		echo "max_db_connections = 0"
		# every database the tests create gets its own pool: cap the
		# total and close idle server connections soon, so that many
		# databases never exhaust the server's max_connections
		echo "max_user_connections = ${PGB_MAX_SERVERS:-40}"
		echo "server_idle_timeout = 5"
		echo "ignore_startup_parameters = extra_float_digits,options"
		echo "logfile = $PGB_DIR/pgbouncer.log"
		echo "pidfile = $PGB_DIR/pgbouncer.pid"
		local o
		for o in "$@"; do echo "$o"; done
	} >"$PGB_DIR/pgbouncer.ini"
	[ "$(id -u)" = 0 ] && chown -R postgres "$PGB_DIR"
	_pg_as "$PGB_BIN" -d "$PGB_DIR/pgbouncer.ini" >"$PGB_DIR/start.log" 2>&1 ||
		{ cat "$PGB_DIR/start.log" "$PGB_DIR/pgbouncer.log" >&2 2>/dev/null; return 1; }
	local i
	for i in $(seq 1 100); do
		if psql -X -q -A -t -h 127.0.0.1 -p "$PGB_PORT" -U "${PGUSER:-migc_admin}" -d postgres \
			-c 'SELECT 1' >/dev/null 2>&1; then
			export PGB_PORT
			export PGB_URL="postgresql://${PGUSER:-migc_admin}@127.0.0.1:$PGB_PORT/postgres"
			trap 'pgb_stop; pg_stop; rm -rf "$TEST_TMP"' EXIT
			return 0
		fi
		sleep 0.1
	done
	echo "pgb_start: pgbouncer did not accept connections on 127.0.0.1:$PGB_PORT within 10 s" >&2
	cat "$PGB_DIR/start.log" "$PGB_DIR/pgbouncer.log" >&2 2>/dev/null
	pgb_stop
	return 1
}

# pgb_show WHAT: the admin console's SHOW WHAT (pools, clients, servers...).
pgb_show() {
	psql -X -q -A -t -h 127.0.0.1 -p "$PGB_PORT" -U "${PGUSER:-migc_admin}" -d pgbouncer -c "SHOW $1"
}
