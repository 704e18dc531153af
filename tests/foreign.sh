# tests/foreign.sh - databases left behind by other migration tools, for the
# adoption tests (`migrate adopt --from TOOL`).
#
# Source it after tests/lib.sh (and tests/pg.sh for PostgreSQL). For each
# tool whose history migc adopts, it writes that tool's history table the
# way the tool itself creates it (the DDL of the tool's own source) and fills
# it with the rows the tool writes after applying a migrations directory,
# with checksums computed the tool's way; it can also run the directory's up
# SQL, so that the schema matches the history. The example directories are
# tests/fixtures/foreign/<tool>/ (README.md there says what each follows);
# a name ending in -pg is a PostgreSQL-only fixture of the same tool.
#
#   TOOL   golang-migrate goose dbmate flyway sqlx refinery diesel prisma,
#          or a fixture name such as goose-pg
#   DB     a PostgreSQL URL (postgres://... or postgresql://..., as newdb
#          in runtime_pg.sh sets DATABASE_URL), else a SQLite file path
#   STATE  applied       every migration of the directory applied (default)
#          partial       all but the last one applied
#          failed        the last versioned one recorded as failed, as the
#                        tool records it: golang-migrate dirty=true, Flyway
#                        success=false, sqlx success=false, Prisma
#                        finished_at NULL with logs (aliases: dirty,
#                        unfinished)
#          rolled-back   the last one applied, then undone: goose (old
#                        versions) an is_applied=false row after the true
#                        one; Prisma a failed row marked rolled_back_at
#          reapplied     rolled-back, then applied again (goose: true,
#                        false, true rows; Prisma: a rolled-back row and a
#                        finished row of the same name)
#
# Functions:
#   foreign_dir TOOL               print the fixture directory
#   foreign_table TOOL             print the tool's history table name
#   foreign_history TOOL DB [STATE]  create and fill the history table only
#   foreign_apply TOOL DB [STATE]  run the up SQL of the migrations that
#                                  STATE has applied (each in a transaction
#                                  unless the tool's marker says not to)
#   foreign_adopted TOOL DB [STATE]  both: the database as the tool left it;
#                                  for dbmate the real dbmate does it when
#                                  installed (.ci/install-tools); see
#                                  FOREIGN_REAL below
#   foreign_sql TOOL sqlite|pg [STATE]  print the history SQL without running it
#   foreign_checksum TOOL FILE     print the checksum the tool stores for FILE
#                                  (a path inside the migrations directory)
#   foreign_show TOOL DB           print the history table, a header line first
#   foreign_dbmate                 find the real dbmate: sets FOREIGN_DBMATE,
#                                  or returns 1 with the reason in FOREIGN_WHY
#
# FOREIGN_DIR=DIR reads DIR instead of the fixture (a copy a test edits).
# After foreign_adopted, FOREIGN_REAL is 1 when a real tool wrote the
# database (dbmate), 0 when this file wrote it.

# shellcheck disable=SC2034 # FOREIGN_REAL, FOREIGN_DBMATE, FOREIGN_WHY are for the tests
FOREIGN_FIXTURES=${FOREIGN_FIXTURES:-$MIGC_ROOT/tests/fixtures/foreign}
MIGC_TOOLS_DIR=${MIGC_TOOLS_DIR:-${HOME:-/root}/.cache/migc-tools}
FOREIGN_REAL=0

foreign_dir() { # TOOL
	local d=${FOREIGN_DIR:-$FOREIGN_FIXTURES/$1}
	[ -d "$d" ] || { echo "foreign: no migrations directory $d for '$1'" >&2; return 1; }
	printf '%s\n' "$d"
}

_foreign_kind() { # TOOL -> the tool, without a fixture suffix
	printf '%s\n' "${1%-pg}"
}

_foreign_is_pg() { # DB
	case "$1" in postgres://* | postgresql://*) return 0 ;; esac
	return 1
}

_foreign_py() { # CMD TOOL DIALECT STATE [ARG]
	local dir
	dir=$(foreign_dir "$2") || return 1
	# -S: the standard library is enough, and site's imports are slow
	python3 -S -c "$_FOREIGN_PY" "$1" "$(_foreign_kind "$2")" "$dir" "$3" "$4" "${5:-}"
}

# _foreign_run DB [PSQL-OPTION]: run SQL from stdin against DB.
_foreign_run() {
	if _foreign_is_pg "$1"; then
		PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
			psql -X -q -v ON_ERROR_STOP=1 ${2:+"$2"} -d "$1" -f - >/dev/null
	else
		sqlite3 -bail "$1" >/dev/null
	fi
}

foreign_table() { # TOOL
	_foreign_py table "$1" sqlite applied
}

foreign_sql() { # TOOL sqlite|pg [STATE]
	_foreign_py history "$1" "$2" "${3:-applied}"
}

foreign_checksum() { # TOOL FILE
	_foreign_py checksum "$1" sqlite applied "$2"
}

foreign_history() { # TOOL DB [STATE]
	local dialect=sqlite sql
	_foreign_is_pg "$2" && dialect=pg
	sql=$(foreign_sql "$1" "$dialect" "${3:-applied}") || return 1
	printf '%s\n' "$sql" | _foreign_run "$2" --single-transaction ||
		{ echo "foreign_history: writing $1's history into $2 failed" >&2; return 1; }
}

foreign_apply() { # TOOL DB [STATE]
	_foreign_apply "$1" "$2" "${3:-applied}" 0
}

# _foreign_apply TOOL DB STATE HISTORY: run the up SQL of the migrations
# STATE has applied; then, when HISTORY is 1, write the history table too
# (one python3 run for both: it is slow to start).
_foreign_apply() {
	local dialect=sqlite plan out file mode
	_foreign_is_pg "$2" && dialect=pg
	out=$(mktemp -d "${TEST_TMP:-${TMPDIR:-/tmp}}/foreign.XXXXXX") || return 1
	plan=$(_foreign_py plan "$1" "$dialect" "$3" "$out") || { rm -rf "$out"; return 1; }
	if _foreign_is_pg "$2"; then
		# one psql session (each start costs): the migrations one after
		# the other, each in BEGIN/COMMIT unless it runs without a
		# transaction, then the history; psql stops at the first error
		{
			while IFS=$'\t' read -r file mode; do
				[ -n "$file" ] || continue
				printf '\\echo applying %s\n' "${file#*-}"
				if [ "$mode" = tx ]; then
					echo "BEGIN;"
					cat "$out/$file"
					printf '\nCOMMIT;\n'
				else
					cat "$out/$file"
					echo
				fi
			done <<<"$plan"
			if [ "$4" = 1 ]; then
				printf '\\echo writing the history\n'
				echo "BEGIN;"
				cat "$out/history.sql"
				echo "COMMIT;"
			fi
		} >"$out/all.sql"
		PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
			psql -X -q -v ON_ERROR_STOP=1 -d "$2" -f "$out/all.sql" >"$out/log" || {
			echo "foreign_apply: $1 failed on $2 while $(tail -n 1 "$out/log")" >&2
			rm -rf "$out"
			return 1
		}
		rm -rf "$out"
		return 0
	fi
	while IFS=$'\t' read -r file mode; do
		[ -n "$file" ] || continue
		if [ "$mode" = tx ]; then
			{ echo "BEGIN;"; cat "$out/$file"; echo; echo "COMMIT;"; } | _foreign_run "$2"
		else
			_foreign_run "$2" <"$out/$file"
		fi || { echo "foreign_apply: $1 migration ${file#*-} failed on $2" >&2; rm -rf "$out"; return 1; }
	done <<<"$plan"
	if [ "$4" = 1 ] && ! _foreign_run "$2" --single-transaction <"$out/history.sql"; then
		echo "foreign_history: writing $1's history into $2 failed" >&2
		rm -rf "$out"
		return 1
	fi
	rm -rf "$out"
}

foreign_adopted() { # TOOL DB [STATE]
	FOREIGN_REAL=0
	if [ "$(_foreign_kind "$1")" = dbmate ]; then
		if foreign_dbmate; then
			_foreign_dbmate_up "$@" || return 1
			FOREIGN_REAL=1
			return 0
		fi
		echo "# foreign: $FOREIGN_WHY; writing dbmate's table as dbmate $_FOREIGN_DBMATE_VERSION does" >&2
	fi
	_foreign_apply "$1" "$2" "${3:-applied}" 1
}

foreign_show() { # TOOL DB
	local q
	if _foreign_is_pg "$2"; then
		q=$(_foreign_py show "$1" pg applied) || return 1
		psql -X -q -A -F '|' -P footer=off -v ON_ERROR_STOP=1 -d "$2" -c "$q"
	else
		q=$(_foreign_py show "$1" sqlite applied) || return 1
		sqlite3 -bail -header "$2" "$q"
	fi
}

# ------------------------------------------------------------------ #
# The real dbmate                                                    #
# ------------------------------------------------------------------ #

_FOREIGN_DBMATE_VERSION=2.36.0 # the version .ci/install-tools pins

foreign_dbmate() {
	FOREIGN_DBMATE='' FOREIGN_WHY=''
	local d
	for d in "$MIGC_TOOLS_DIR/bin/dbmate" "$(command -v dbmate 2>/dev/null)"; do
		if [ -z "$d" ] || [ ! -x "$d" ]; then continue; fi
		if "$d" --version >/dev/null 2>&1; then
			FOREIGN_DBMATE=$d
			return 0
		fi
	done
	FOREIGN_WHY="real dbmate not installed (bash .ci/install-tools installs it from npm into $MIGC_TOOLS_DIR)"
	return 1
}

# _foreign_dbmate_url DB: dbmate's URL for DB.
_foreign_dbmate_url() {
	if _foreign_is_pg "$1"; then
		case "$1" in
		*sslmode=*) printf '%s\n' "$1" ;;
		*\?*) printf '%s&sslmode=disable\n' "$1" ;;
		*) printf '%s?sslmode=disable\n' "$1" ;;
		esac
	else
		case "$1" in
		/*) printf 'sqlite:%s\n' "$1" ;;
		*) printf 'sqlite:%s/%s\n' "$PWD" "$1" ;;
		esac
	fi
}

_foreign_dbmate_up() { # TOOL DB [STATE]
	local dir url log state=${3:-applied}
	dir=$(foreign_dir "$1") || return 1
	url=$(_foreign_dbmate_url "$2")
	log=$(mktemp "${TEST_TMP:-${TMPDIR:-/tmp}}/dbmate.XXXXXX")
	local dbm=("$FOREIGN_DBMATE" --no-dump-schema --migrations-dir "$dir" --url "$url")
	case "$state" in
	applied) "${dbm[@]}" up >"$log" 2>&1 ;;
	partial) "${dbm[@]}" up >"$log" 2>&1 && "${dbm[@]}" rollback >>"$log" 2>&1 ;;
	*)
		echo "foreign_adopted: dbmate has no '$state' state (a failed dbmate migration leaves no row)" >&2
		rm -f "$log"
		return 1
		;;
	esac || {
		echo "foreign_adopted: dbmate failed on $2:" >&2
		cat "$log" >&2
		rm -f "$log"
		return 1
	}
	rm -f "$log"
}

# ------------------------------------------------------------------ #
# The tools' rules, in Python                                        #
# ------------------------------------------------------------------ #
#
# argv: CMD TOOL DIR DIALECT STATE [ARG]
#   table     the history table's name
#   history   the SQL creating and filling the history table
#   plan      write each applied migration's up SQL to ARG/NNN-name.sql and
#             print "NNN-name.sql<TAB>tx|notx" in the order the tool runs them;
#             the history SQL goes to ARG/history.sql
#   checksum  the checksum of the file ARG, as the tool stores it
#   show      a query listing the history table
# Where each rule comes from: tests/fixtures/foreign/README.md.

_FOREIGN_PY=$(
	cat <<'PY'
import datetime, hashlib, os, re, struct, sys, uuid, zlib

CMD, TOOL, DIR, DIALECT, STATE, ARG = sys.argv[1:7]
PG = DIALECT == "pg"
STATE = {"dirty": "failed", "unfinished": "failed"}.get(STATE, STATE)


def die(msg):
    sys.exit("foreign: " + msg)


def q(s):
    return "NULL" if s is None else "'" + str(s).replace("'", "''") + "'"


def boolean(b):
    return ("true" if b else "false") if PG else ("1" if b else "0")


def read(rel):
    with open(os.path.join(DIR, rel), "rb") as f:
        return f.read()


def now(offset_s=0.0):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)


def ts(t):  # a timestamp literal for TIMESTAMP(TZ) columns
    return q(t.isoformat(sep=" "))


# ---- checksums -------------------------------------------------------

def flyway_checksum(raw):
    """Flyway's ChecksumCalculator: CRC-32 over the UTF-8 bytes of each
    line as BufferedReader.readLine() returns it (no terminator; \\n, \\r
    and \\r\\n all end a line), BOM removed from the first line, as a
    signed 32-bit int."""
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    crc = 0
    for line in re.split(r"\r\n|\r|\n", text):
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


M64 = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash13(data, k0=0, k1=0):
    """SipHash-1-3 (one compression round, three finalization rounds), as
    Rust's siphasher::sip::SipHasher13::new() and std's DefaultHasher."""
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & M64; v[1] = _rotl(v[1], 13); v[1] ^= v[0]; v[0] = _rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M64; v[3] = _rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & M64; v[3] = _rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & M64; v[1] = _rotl(v[1], 17); v[1] ^= v[2]; v[2] = _rotl(v[2], 32)

    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m; rnd(); v[0] ^= m
    m = ((n & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v[3] ^= m; rnd(); v[0] ^= m
    v[2] ^= 0xFF
    rnd(); rnd(); rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def refinery_checksum(name, version, sql):
    """refinery_core Migration::unapplied: name.hash, version.hash (i32),
    sql.hash into SipHasher13::new(). A str hashes as its bytes then 0xff;
    an i32 as its 4 little-endian bytes."""
    data = name.encode() + b"\xff" + struct.pack("<i", version) + sql.encode() + b"\xff"
    return siphash13(data)


# ---- the migrations of a directory, per tool --------------------------

class Mig:
    def __init__(self, **kw):
        self.no_tx = False
        self.kind = "V"
        self.__dict__.update(kw)


def files(pattern):
    out = []
    for f in sorted(os.listdir(DIR)):
        m = re.match(pattern, f)
        if m and os.path.isfile(os.path.join(DIR, f)):
            out.append((f, m))
    return out


def sections(text, marker):
    """Split a goose/dbmate file: (up text, options of the up marker)."""
    up, opts, cur = [], "", None
    for line in text.splitlines(keepends=True):
        m = re.match(marker, line.rstrip("\r\n"), re.I)
        if m:
            cur = m.group(1).lower()
            if cur == "up":
                opts = m.group(2) or ""
            continue
        if cur == "up":
            up.append(line)
    return "".join(up), opts


def migrations():
    ms = []
    if TOOL == "golang-migrate":
        for f, m in files(r"^(\d+)_(.*)\.up\.sql$"):
            ms.append(Mig(version=int(m.group(1)), name=m.group(2), script=f, up=read(f).decode()))
    elif TOOL == "goose":
        for f, m in files(r"^(\d+)_(.*)\.sql$"):
            text = read(f).decode()
            up, _ = sections(text, r"^--\s*\+goose\s+(up|down)()\s*$")
            no_tx = any(re.match(r"^--\s*\+goose\s+no\s+transaction\s*$", l, re.I) for l in text.splitlines())
            ms.append(Mig(version=int(m.group(1)), name=m.group(2), script=f, up=up, no_tx=no_tx))
    elif TOOL == "dbmate":
        for f, m in files(r"^(\d+)_(.*)\.sql$"):
            up, opts = sections(read(f).decode(), r"^--\s*migrate:(up|down)(.*)$")
            ms.append(Mig(version=m.group(1), name=m.group(2), script=f, up=up,
                          no_tx="transaction:false" in opts.split()))
    elif TOOL == "flyway":
        for f, m in files(r"^([VR])((?:\d+(?:[._]\d+)*)?)__(.+)\.sql$"):
            raw = read(f)
            conf = f + ".conf"
            no_tx = os.path.exists(os.path.join(DIR, conf)) and re.search(
                r"^\s*executeInTransaction\s*=\s*false\s*$", read(conf).decode(), re.M) is not None
            text = raw.decode("utf-8")
            ms.append(Mig(kind=m.group(1), version=re.sub(r"[._]", ".", m.group(2)) or None,
                          name=m.group(3).replace("_", " "), script=f,
                          up=text[1:] if text.startswith("\ufeff") else text,
                          checksum=flyway_checksum(raw), no_tx=no_tx))
        ms.sort(key=lambda x: (x.kind == "R", [int(p) for p in x.version.split(".")] if x.version else [], x.name))
        return ms
    elif TOOL == "sqlx":
        for f, m in files(r"^(\d+)_(.*?)(\.up\.sql|\.down\.sql|\.sql)$"):
            if m.group(3) == ".down.sql":
                continue
            raw = read(f)
            ms.append(Mig(version=int(m.group(1)), name=m.group(2).replace("_", " "), script=f,
                          up=raw.decode(), no_tx=raw.startswith(b"-- no-transaction"),
                          checksum=hashlib.sha384(raw).digest()))
    elif TOOL == "refinery":
        for f, m in files(r"^([UV])(\d+)__(\w+)\.sql$"):
            sql = read(f).decode()
            no_tx = any(re.match(r"^[-]{2,}[\s]?(refinery:noTransaction)$", l) for l in sql.splitlines())
            ms.append(Mig(version=int(m.group(2)), name=m.group(3), script=f, up=sql, no_tx=no_tx,
                          checksum=refinery_checksum(m.group(3), int(m.group(2)), sql)))
    elif TOOL == "diesel":
        for d in sorted(os.listdir(DIR)):
            if d.startswith(".") or not os.path.isfile(os.path.join(DIR, d, "up.sql")):
                continue
            meta = os.path.join(DIR, d, "metadata.toml")
            no_tx = os.path.exists(meta) and re.search(
                r"^\s*run_in_transaction\s*=\s*false\s*$", open(meta).read(), re.M) is not None
            ms.append(Mig(version=d.split("_")[0].replace("-", ""), name=d, script=d + "/up.sql",
                          up=read(d + "/up.sql").decode(), no_tx=no_tx))
    elif TOOL == "prisma":
        for d in sorted(os.listdir(DIR)):
            if not os.path.isfile(os.path.join(DIR, d, "migration.sql")):
                continue
            raw = read(d + "/migration.sql")
            ms.append(Mig(version=d, name=d, script=d + "/migration.sql", up=raw.decode(),
                          checksum=hashlib.sha256(raw).hexdigest()))
    else:
        die("unknown tool '%s'" % TOOL)
    ms.sort(key=lambda x: int(x.version) if str(x.version).isdigit() else x.version)
    return ms


# ---- which migrations a state has applied -----------------------------

def plan(ms):
    """(applied, failed, undone): migrations that ran, in order; the one
    recorded as failed (or None); the one applied then undone (or None)."""
    if not ms:
        die("no migrations in " + DIR)
    if STATE == "applied" or STATE == "reapplied":
        return ms, None, None
    if STATE == "partial":
        return ms[:-1], None, None
    if STATE == "rolled-back":
        return ms[:-1], None, ms[-1]
    if STATE == "failed":
        last_v = max(i for i, m in enumerate(ms) if m.kind == "V")
        return ms[:last_v], ms[last_v], None
    die("unknown state '%s'" % STATE)


TABLES = {
    "golang-migrate": "schema_migrations", "goose": "goose_db_version",
    "dbmate": "schema_migrations", "flyway": "flyway_schema_history",
    "sqlx": "_sqlx_migrations", "refinery": "refinery_schema_history",
    "diesel": "__diesel_schema_migrations", "prisma": "_prisma_migrations",
}

SUPPORTED = {  # the states each tool can leave behind
    "golang-migrate": {"applied", "partial", "failed"},
    "goose": {"applied", "partial", "rolled-back", "reapplied"},
    "dbmate": {"applied", "partial"},
    "flyway": {"applied", "partial", "failed"},
    "sqlx": {"applied", "partial", "failed"},
    "refinery": {"applied", "partial"},
    "diesel": {"applied", "partial"},
    "prisma": {"applied", "partial", "failed", "rolled-back", "reapplied"},
}


# ---- the history table, per tool --------------------------------------

def history(ms):
    applied, failed, undone = plan(ms)
    out = []
    add = out.append
    T = TABLES[TOOL]

    if TOOL == "golang-migrate":
        # database/postgres/postgres.go and database/sqlite3/sqlite3.go:
        # one row, the current version and whether it is dirty.
        if PG:
            T = '"public"."schema_migrations"'
            add("CREATE TABLE IF NOT EXISTS %s (version bigint not null primary key, dirty boolean not null);" % T)
        else:
            add("CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);")
            add("CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);")
        if failed:
            add("INSERT INTO %s (version, dirty) VALUES (%d, %s);" % (T, failed.version, boolean(True)))
        elif applied:
            add("INSERT INTO %s (version, dirty) VALUES (%d, %s);" % (T, applied[-1].version, boolean(False)))

    elif TOOL == "goose":
        # internal/dialect/dialectquery/{postgres,sqlite3}.go; the table is
        # created with a first row (0, true).
        if PG:
            add("CREATE TABLE goose_db_version (\n\t\tid serial NOT NULL,\n\t\tversion_id bigint NOT NULL,\n"
                "\t\tis_applied boolean NOT NULL,\n\t\ttstamp timestamp NULL default now(),\n\t\tPRIMARY KEY(id)\n\t);")
        else:
            add("CREATE TABLE goose_db_version (\n\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tversion_id INTEGER NOT NULL,\n"
                "\t\tis_applied INTEGER NOT NULL,\n\t\ttstamp TIMESTAMP DEFAULT (datetime('now'))\n\t);")
        rows = [(0, True)] + [(m.version, True) for m in applied]
        if undone:
            rows += [(undone.version, True), (undone.version, False)]
        if STATE == "reapplied":
            rows += [(ms[-1].version, False), (ms[-1].version, True)]
        for v, ok in rows:
            add("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, %s);" % (v, boolean(ok)))

    elif TOOL == "dbmate":
        # pkg/driver/postgres/postgres.go (v2.36.0: varchar without a
        # length) and pkg/driver/sqlite/sqlite.go; checked against the real
        # dbmate 2.36.0.
        if PG:
            T = "public.schema_migrations"
            add("create table if not exists %s (version varchar primary key);" % T)
        else:
            T = '"schema_migrations"'
            add('CREATE TABLE IF NOT EXISTS "schema_migrations" (version varchar(128) primary key);')
        for m in applied:
            add("insert into %s (version) values (%s);" % (T, q(m.version)))

    elif TOOL == "flyway":
        # flyway-core .../database/{postgresql,sqlite}/createMetaDataTable.sql
        if PG:
            T = '"public"."flyway_schema_history"'
            add('CREATE TABLE %s (\n    "installed_rank" INT NOT NULL,\n    "version" VARCHAR(50),\n'
                '    "description" VARCHAR(200) NOT NULL,\n    "type" VARCHAR(20) NOT NULL,\n'
                '    "script" VARCHAR(1000) NOT NULL,\n    "checksum" INTEGER,\n'
                '    "installed_by" VARCHAR(100) NOT NULL,\n    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),\n'
                '    "execution_time" INTEGER NOT NULL,\n    "success" BOOLEAN NOT NULL\n);' % T)
            add('ALTER TABLE %s ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");' % T)
            add('CREATE INDEX "flyway_schema_history_s_idx" ON %s ("success");' % T)
            who = "current_user"
        else:
            T = '"main"."flyway_schema_history"'
            add('CREATE TABLE %s (\n    "installed_rank" INT NOT NULL PRIMARY KEY,\n    "version" VARCHAR(50),\n'
                '    "description" VARCHAR(200) NOT NULL,\n    "type" VARCHAR(20) NOT NULL,\n'
                '    "script" VARCHAR(1000) NOT NULL,\n    "checksum" INT,\n'
                '    "installed_by" VARCHAR(100) NOT NULL,\n'
                "    \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%%Y-%%m-%%d %%H:%%M:%%f','now')),\n"
                '    "execution_time" INT NOT NULL,\n    "success" BOOLEAN NOT NULL\n);' % T)
            add('CREATE INDEX "main"."flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");')
            who = "''"
        rows = [(m, True) for m in applied] + ([(failed, False)] if failed else [])
        for rank, (m, ok) in enumerate(rows, 1):
            add('INSERT INTO %s ("installed_rank", "version", "description", "type", "script", "checksum", '
                '"installed_by", "execution_time", "success") VALUES (%d, %s, %s, %s, %s, %d, %s, %d, %s);'
                % (T, rank, q(m.version), q(m.name), q("SQL"), q(m.script), m.checksum, who, 3 + rank, boolean(ok)))

    elif TOOL == "sqlx":
        # sqlx-postgres/src/migrate.rs, sqlx-sqlite/src/migrate.rs
        add("CREATE TABLE IF NOT EXISTS _sqlx_migrations (\n    version BIGINT PRIMARY KEY,\n"
            "    description TEXT NOT NULL,\n    installed_on %s NOT NULL DEFAULT %s,\n"
            "    success BOOLEAN NOT NULL,\n    checksum %s NOT NULL,\n    execution_time BIGINT NOT NULL\n);"
            % (("TIMESTAMPTZ", "now()", "BYTEA") if PG else ("TIMESTAMP", "CURRENT_TIMESTAMP", "BLOB")))
        rows = [(m, True) for m in applied] + ([(failed, False)] if failed else [])
        for i, (m, ok) in enumerate(rows):
            blob = ("decode('%s', 'hex')" if PG else "X'%s'") % m.checksum.hex()
            add("INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) "
                "VALUES ( %d, %s, %s, %s, %d );" % (m.version, q(m.name), boolean(ok), blob, 1234567 + i))

    elif TOOL == "refinery":
        # refinery_core/src/traits/mod.rs: ASSERT_MIGRATIONS_TABLE_QUERY,
        # insert_migration_query (applied_on RFC 3339, checksum as u64 text)
        add("CREATE TABLE IF NOT EXISTS refinery_schema_history(\n             version INT4 PRIMARY KEY,\n"
            "             name VARCHAR(255),\n             applied_on VARCHAR(255),\n"
            "             checksum VARCHAR(255));")
        for i, m in enumerate(applied):
            on = now(i * 0.01).isoformat().replace("+00:00", "Z")
            add("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (%d, %s, %s, %s);"
                % (m.version, q(m.name), q(on), q(str(m.checksum))))

    elif TOOL == "diesel":
        # diesel_migrations/src/migration/setup_migration_table.sql
        add("CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n       version VARCHAR(50) PRIMARY KEY NOT NULL,\n"
            "       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);")
        for m in applied:
            add("INSERT INTO __diesel_schema_migrations (version) VALUES (%s);" % q(m.version))

    elif TOOL == "prisma":
        # schema-engine/connectors/sql-schema-connector/src/flavour/
        # {postgres,sqlite}.rs; SQLite keeps DateTime as Unix milliseconds.
        if PG:
            add("CREATE TABLE _prisma_migrations (\n    id                      VARCHAR(36) PRIMARY KEY NOT NULL,\n"
                "    checksum                VARCHAR(64) NOT NULL,\n    finished_at             TIMESTAMPTZ,\n"
                "    migration_name          VARCHAR(255) NOT NULL,\n    logs                    TEXT,\n"
                "    rolled_back_at          TIMESTAMPTZ,\n    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
                "    applied_steps_count     INTEGER NOT NULL DEFAULT 0\n);")
            t = lambda x: None if x is None else ts(x)
        else:
            add('CREATE TABLE "_prisma_migrations" (\n    "id"                    TEXT PRIMARY KEY NOT NULL,\n'
                '    "checksum"              TEXT NOT NULL,\n    "finished_at"           DATETIME,\n'
                '    "migration_name"        TEXT NOT NULL,\n    "logs"                  TEXT,\n'
                '    "rolled_back_at"        DATETIME,\n    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,\n'
                '    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n);')
            t = lambda x: None if x is None else str(int(x.timestamp() * 1000))
        clock = [0.0]

        def row(m, finished=True, rolled_back=False, logs=None):
            # started_at < finished_at (or rolled_back_at) < the next row's started_at
            start, end = now(clock[0]), now(clock[0] + 0.02)
            clock[0] += 0.05
            add("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, "
                "started_at, applied_steps_count) VALUES (%s, %s, %s, %s, %s, %s, %s, %d);"
                % (q(uuid.uuid4()), q(m.checksum), t(end) if finished else "NULL", q(m.name), q(logs),
                   t(end) if rolled_back else "NULL", t(start), 1 if finished else 0))

        err = ("Database error code: 42P07\n\nDatabase error:\nERROR: relation already exists\n")
        if STATE == "reapplied":
            applied, undone = ms[:-1], ms[-1]
        for m in applied:
            row(m)
        if failed:
            row(failed, finished=False, logs=err)
        if undone:
            row(undone, finished=False, rolled_back=True, logs=err)
        if STATE == "reapplied":
            row(undone)
    return "\n".join(out)


def main():
    if TOOL not in TABLES:
        die("unknown tool '%s' (one of: %s)" % (TOOL, " ".join(sorted(TABLES))))
    if CMD == "table":
        print(TABLES[TOOL])
        return
    if CMD == "show":
        cols = {"sqlx": "version, description, installed_on, success, %s AS checksum, execution_time"
                % ("encode(checksum, 'hex')" if PG else "lower(hex(checksum))")}.get(TOOL, "*")
        order = {"golang-migrate": "version", "dbmate": "version", "diesel": "version",
                 "goose": "id", "flyway": "installed_rank", "sqlx": "version",
                 "refinery": "version", "prisma": "started_at"}[TOOL]
        print("SELECT %s FROM %s ORDER BY %s" % (cols, TABLES[TOOL], order))
        return
    ms = migrations()
    if CMD == "checksum":
        rel = os.path.relpath(os.path.abspath(ARG), os.path.abspath(DIR)) if os.path.isabs(ARG) else ARG
        hit = [m for m in ms if m.script == rel]
        if not hit:
            die("%s is not a %s migration of %s" % (ARG, TOOL, DIR))
        c = hit[0].checksum if hasattr(hit[0], "checksum") else die(TOOL + " keeps no checksum")
        print(c.hex() if isinstance(c, bytes) else c)
        return
    if STATE not in SUPPORTED[TOOL]:
        die("%s cannot leave the state '%s' (it can: %s)" % (TOOL, STATE, ", ".join(sorted(SUPPORTED[TOOL]))))
    if CMD == "history":
        print(history(ms))
    elif CMD == "plan":
        with open(os.path.join(ARG, "history.sql"), "w") as f:
            f.write(history(ms) + "\n")
        applied, _, _ = plan(ms)
        if STATE == "reapplied":
            applied = ms
        for i, m in enumerate(applied, 1):
            fn = "%03d-%s.sql" % (i, re.sub(r"[^A-Za-z0-9_.-]", "_", m.script))
            with open(os.path.join(ARG, fn), "w") as f:
                f.write(m.up)
            print("%s\t%s" % (fn, "notx" if m.no_tx else "tx"))
    else:
        die("unknown command " + CMD)


main()
PY
)
