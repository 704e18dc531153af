#!/usr/bin/env bash
# tests/e2e/runtime_sqlite.sh - the `migrate` release binary against real
# SQLite files: every command, every exit code 0-7, JSON output (parsed by
# python3), MIGC_SKIP, --help on each command, 8 runners at once applying
# each migration exactly once, and a corrupted binary refusing to run.
# Binaries are built with `migc build --binary`.
source "$(dirname "$0")/../lib.sh"

sanitize_binaries

# The usual three migrations: two versioned, one repeatable.
basic() {
	mig m 0001_create_users.sql 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);'
	mig m 0002_add_name.sql 'ALTER TABLE users ADD COLUMN name TEXT;'
	mig m R__views.sql $'DROP VIEW IF EXISTS user_emails;\nCREATE VIEW user_emails AS SELECT email FROM users;'
	build m ./migrate
}

test_up_applies_then_is_a_no_op() {
	basic
	export DATABASE_URL=sqlite:app.db
	run ./migrate up
	expect_rc 0
	expect_out "applied 0001 create_users"
	expect_out "applied R__views"
	expect_out "3 migrations applied in "
	expect_out "database at version 0002"
	expect_eq "$(sql app.db 'SELECT count(*) FROM migc_history')" 3 "history rows"
	expect_eq "$(sql app.db "SELECT name FROM pragma_table_info('users') ORDER BY cid" | tr '\n' ' ')" "id email name " "users columns"
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0002"
	expect_eq "$(sql app.db 'SELECT count(*) FROM migc_history')" 3 "history rows after re-run"
	run ./migrate verify
	expect_rc 0
	expect_out "matches the bundle"
}

test_status_table() {
	basic
	run ./migrate status --url sqlite:app.db
	expect_rc 0
	expect_out "VERSION"
	expect_out "pending"
	expect_out "has no migrations applied: 3 pending"
	run ./migrate --url sqlite:app.db up -q
	expect_rc 0
	expect_eq "$OUT" "" "quiet output"
	run ./migrate status --url sqlite:app.db
	expect_out "0001     create_users  applied"
	expect_out "sqlite:app.db at version 0002: 3 applied"
}

test_plan_prints_the_sql() {
	basic
	mig m 0003_more.sql 'CREATE TABLE more (x);'
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	run ./migrate plan
	expect_rc 0
	expect_out "-- 0001_create_users.sql"
	expect_out "CREATE TABLE more (x);"
	expect_out "-- R__views.sql"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'users'")" 0 "plan changed nothing"
	run ./migrate up --target 0002
	expect_rc 0
	expect_out "database at version 0002"
	run ./migrate plan --format json
	expect_rc 0
	json 'd["format_version"] == 1 and d["command"] == "plan" and d["ok"]'
	json '[m["file"] for m in d["migrations"]] == ["0003_more.sql"] and d["migrations"][0]["sql"] == "CREATE TABLE more (x);\n"'
	run ./migrate up --target 0009
	expect_rc 2
	expect_err "target version 0009 is not in the bundle"
}

test_long_migrations_are_run_and_printed_whole() {
	# SQL longer than a bundle row (4095 bytes) is kept in rows and made
	# one string only where it runs or is printed (runtime/bundle.h):
	# plan, up, and down (another tool's long down SQL) see all of it
	python3 - <<'EOF'
import os
for d in ("m", "g"):
    os.makedirs(d, exist_ok=True)
with open("m/0001_long.sql", "w") as f:
    f.write("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT);\n")
    for i in range(300):
        f.write("INSERT INTO t (note) VALUES ('row %05d of a long migration');\n" % i)
with open("m/0002_header.sql", "w") as f:  # directive after a 5 KB header
    f.write("-- a header line that goes on and on, and on and on\n" * 100)
    f.write("-- migc:no-transaction\nCREATE INDEX t_note ON t (note);\n")
with open("g/000001_a.up.sql", "w") as f:  # short up, long down
    f.write("CREATE TABLE a (x INTEGER);\nCREATE TABLE b (x INTEGER);\n")
with open("g/000001_a.down.sql", "w") as f:
    f.write("-- undo, explained at length\n" * 200 + "DROP TABLE b;\nDROP TABLE a;\n")
EOF
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	run ./migrate plan --format json
	expect_rc 0
	json '[m["sql"] for m in d["migrations"]] == [open("m/" + f).read() for f in ("0001_long.sql", "0002_header.sql")]'
	run ./migrate up
	expect_rc 0
	expect_out "2 migrations applied"
	expect_eq "$(sql app.db "SELECT count(*), max(note) FROM t")" "300|row 00299 of a long migration" "rows of the long migration"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 't_note'")" 1 "index of the no-transaction one"
	run ./migrate up
	expect_rc 0
	expect_out "up to date"
	run ./migrate verify
	expect_rc 0
	build g ./migrate-g
	run ./migrate-g up --url sqlite:g.db
	expect_rc 0
	run ./migrate-g down --url sqlite:g.db
	expect_rc 0
	expect_eq "$(sql g.db "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')")" 0 "tables after the long down SQL"
}

test_json_outputs() {
	basic
	export DATABASE_URL=sqlite:app.db
	run ./migrate up --format json
	expect_rc 0
	json 'd["format_version"] == 1 and d["command"] == "up" and d["ok"] is True and d["error"] is None'
	json '[m["file"] for m in d["applied"]] == ["0001_create_users.sql", "0002_add_name.sql", "R__views.sql"]'
	json 'd["applied_count"] == 3 and d["current_version"] == "0002" and d["skipped"] is False'
	json 'all(isinstance(m["duration_ms"], int) for m in d["applied"])'
	run ./migrate status --format json
	expect_rc 0
	json 'd["command"] == "status" and [m["state"] for m in d["migrations"]] == ["applied"] * 3'
	json 'd["migrations"][2]["kind"] == "repeatable" and d["migrations"][2]["version"] is None'
	json 'd["counts"]["applied"] == 3 and d["counts"]["pending"] == 0'
	json 'd["migrations"][0]["checksum"] == d["migrations"][0]["checksum_applied"]'
	run ./migrate verify --format json
	expect_rc 0
	json 'd["command"] == "verify" and d["ok"] and d["problems"] == []'
	run ./migrate info --format json
	expect_rc 0
	json 'd["command"] == "info" and d["migrations"] == 3 and d["versioned"] == 2 and d["abi"] == 5 and d["layout"] == "migc"'
	json 'len(d["bundle_id"]) == 32 and d["newest_version"] == "0002"'
}

test_json_escapes_odd_bytes() {
	mig m 0001_a.sql $'CREATE TABLE a (x TEXT DEFAULT \'tab\there "q" back\\\\slash é\');'
	build m ./migrate
	run ./migrate plan --url sqlite:app.db --format json
	expect_rc 0
	json '"\t" in d["migrations"][0]["sql"] and "\"q\"" in d["migrations"][0]["sql"] and "é" in d["migrations"][0]["sql"]'
}

test_exit_1_failed_migration_rolls_back() {
	mig m 0001_ok.sql 'CREATE TABLE ok (x);'
	mig m 0002_bad.sql $'CREATE TABLE half (x);\n\nCREATE TABEL oops (x);'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 1
	expect_err "migrate: error: 0002_bad.sql:3: near \"TABEL\": syntax error"
	expect_err "hint: "
	expect_out "applied 0001 ok"
	expect_out "failed  0002 bad"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'half'")" 0 "rolled back table"
	expect_eq "$(sql app.db 'SELECT version FROM migc_history')" 0001 "history"
	run ./migrate up --url sqlite:app.db --format json
	expect_rc 1
	json 'd["ok"] is False and d["error"]["code"] == "failed" and d["error"]["exit_code"] == 1'
	json 'd["error"]["file"] == "0002_bad.sql" and d["error"]["line"] == 3 and d["error"]["version"] == "0002"'
}

test_exit_2_usage_errors() {
	basic
	run ./migrate up
	expect_rc 2
	expect_err "no database URL"
	expect_err "hint: "
	run ./migrate --bogus up
	expect_rc 2
	expect_err "unknown option '--bogus'"
	expect_err "hint: see 'migrate --help'"
	run ./migrate frobnicate
	expect_rc 2
	expect_err "unknown command 'frobnicate'"
	run ./migrate
	expect_rc 2
	run ./migrate up --url sqlite://app.db
	expect_rc 2
	expect_err "ambiguous SQLite URL"
	run ./migrate up --url sqlite:app.db --format xml
	expect_rc 2
	run ./migrate up --url sqlite:app.db --wait soon
	expect_rc 2
	run ./migrate up --url sqlite:app.db --phase later
	expect_rc 2
	run ./migrate status --url sqlite:app.db --target 0001
	expect_rc 2
	expect_err "does not apply to 'status'"
	run ./migrate up --url sqlite:app.db --table 'bad-name'
	expect_rc 2
	expect_err "invalid history table name"
	run ./migrate baseline --url sqlite:app.db
	expect_rc 2
	run ./migrate resolve 0001 --url sqlite:app.db
	expect_rc 2
	expect_err "--applied or --pending"
	run ./migrate up --url 'postgres://admin:s3cret@db.example/app?bogus_parameter=1'
	expect_rc 2
	expect_no "s3cret"
	run ./migrate up --url 'mysql://admin:s3cret@db.example/app'
	expect_rc 2
	expect_no "s3cret"
	[ ! -e app.db ] || fail "a usage error created the database"
}

test_exit_3_drift_and_missing() {
	basic
	export DATABASE_URL=sqlite:app.db
	run ./migrate up
	expect_rc 0
	mig m 0002_add_name.sql 'ALTER TABLE users ADD COLUMN full_name TEXT;'
	mig m 0003_new.sql 'CREATE TABLE new (x);'
	build m ./migrate
	run ./migrate verify
	expect_rc 3
	expect_err "0002_add_name.sql: checksum differs from the applied one (applied "
	expect_err "hint: migrations that ran must not be edited"
	run ./migrate up --format json
	expect_rc 3
	json 'd["ok"] is False and d["error"]["code"] == "drift" and d["error"]["version"] == "0002"'
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'new'")" 0 "nothing applied after drift"
	run ./migrate status
	expect_rc 0
	expect_out "drifted"
	rm m/0002_add_name.sql
	build m ./migrate
	run ./migrate verify --format json
	expect_rc 3
	json 'd["error"]["code"] == "missing" and d["problems"][0]["file"] == "0002_add_name.sql" and d["problems"][0]["state"] == "missing"'
}

test_exit_3_future_only_under_strict() {
	basic
	mig m 0003_c.sql 'CREATE TABLE c (x);'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 0
	rm m/0003_c.sql
	build m ./old
	run ./old verify --url sqlite:app.db
	expect_rc 0
	expect_err "migrate: warning: 0003_c.sql: applied, but newer than the bundle"
	run ./old up --url sqlite:app.db
	expect_rc 0
	run ./old verify --url sqlite:app.db --strict --format json
	expect_rc 3
	json 'd["error"]["code"] == "future" and len(d["warnings"]) == 0'
}

test_exit_4_out_of_order() {
	mig m 0001_a.sql 'CREATE TABLE a (x);'
	mig m 0003_c.sql 'CREATE TABLE c (x);'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 0
	mig m 0002_b.sql 'CREATE TABLE b (x);'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 4
	expect_err "0002_b.sql: pending, but older than the newest applied version 0003"
	expect_err "hint: rename it to sort after 0003, or pass --allow-out-of-order"
	run ./migrate status --url sqlite:app.db
	expect_out "out-of-order"
	run ./migrate up --url sqlite:app.db --allow-out-of-order
	expect_rc 0
	expect_out "applied 0002 b"
}

test_exit_5_connect_wait_and_lock() {
	basic
	run ./migrate up --url sqlite:"$T/no/such/dir/app.db" --wait 0
	expect_rc 5
	expect_err "could not open SQLite database $T/no/such/dir/app.db"
	run ./migrate wait --url sqlite:"$T/no/such/dir/app.db" --wait 0.3
	expect_rc 5
	expect_err "attempts"
	run ./migrate wait --url sqlite:app.db
	expect_rc 0
	expect_out "sqlite:app.db is ready"
	# another runner holds the migration lock: time out
	flock -o app.db sleep 5 &
	local holder=$!
	sleep 0.3
	run ./migrate up --url sqlite:app.db --lock-timeout 0.3
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	expect_rc 5
	expect_err "migrate: another runner holds the migration lock; waiting up to 300 ms"
	expect_err "could not take the migration lock"
	run ./migrate up --url sqlite:app.db
	expect_rc 0
	# nothing to apply: done without waiting for the lock at all
	flock -o app.db sleep 5 &
	holder=$!
	sleep 0.3
	run ./migrate up --url sqlite:app.db --lock-timeout 0.3
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	expect_rc 0
	expect_no "waiting up to"
	expect_out "database is up to date"
}

test_exit_6_dirty_then_resolve() {
	mig m 0001_a.sql 'CREATE TABLE a (x);'
	mig m 0002_idx.sql $'-- migc:no-transaction\nCREATE TABLE half (x);\nINSERT INTO nope VALUES (1);'
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	run ./migrate up
	expect_rc 1
	expect_err "0002_idx.sql:3: no such table: nope"
	expect_eq "$(sql app.db "SELECT state FROM migc_history WHERE version = '0002'")" failed "state"
	run ./migrate up
	expect_rc 6
	expect_err "0002_idx.sql: left failed by an earlier run"
	expect_err "migrate resolve 0002 --applied"
	run ./migrate verify
	expect_rc 6
	run ./migrate resolve 0001 --applied
	expect_rc 2
	expect_err "only a failed or running migration can be resolved"
	run ./migrate resolve 0002 --pending --format json
	expect_rc 0
	json 'd["command"] == "resolve" and d["ok"]'
	mig m 0002_idx.sql $'-- migc:no-transaction\nCREATE TABLE IF NOT EXISTS half (x);'
	build m ./migrate
	run ./migrate up
	expect_rc 0
	expect_out "applied 0002 idx"
	expect_eq "$(sql app.db "SELECT state FROM migc_history WHERE version = '0002' ORDER BY id" | tr '\n' ' ')" "undone applied " "states"
}

test_resolve_applied() {
	mig m 0001_idx.sql $'-- migc:no-transaction\nINSERT INTO nope VALUES (1);'
	build m ./migrate
	run ./migrate up --url sqlite:app.db
	expect_rc 1
	run ./migrate resolve 0001 --applied --url sqlite:app.db
	expect_rc 0
	expect_out "resolved 0001 as applied"
	expect_eq "$(sql app.db "SELECT note LIKE 'resolved as applied by %' FROM migc_history")" 1 "note"
	run ./migrate up --url sqlite:app.db
	expect_rc 0
	expect_out "database is up to date at version 0001"
}

# `up`, `verify` and `plan` read the history brief (id, version, name,
# kind, checksum, state) while every row is applied, baseline or undone,
# and in full when one is failed or running: the messages are the same
# either way (a history-only row's file name, a failed row's time), and
# `status` still shows every field.
test_brief_history_reads_give_the_same_messages() {
	basic
	export DATABASE_URL=sqlite:app.db
	run ./migrate up
	expect_rc 0
	sql app.db "UPDATE migc_history SET state = 'baseline' WHERE version = '0001';
		INSERT INTO migc_history (version, name, kind, checksum, state, applied_at, applied_by) VALUES
		('0009', 'undone_one', 'versioned', 'xxh3-128:00', 'undone', '2026-01-01T00:00:00Z', 'ops@old'),
		('0010', 'from_the_future', 'versioned', 'xxh3-128:00', 'applied', '2026-01-01T00:00:00Z', 'ops@next')"
	run ./migrate up
	expect_rc 0
	expect_err "0010_from_the_future.sql: applied, but newer than the bundle's newest version 0002"
	run ./migrate verify --strict
	expect_rc 3
	expect_err "0010_from_the_future.sql: applied, but newer than the bundle's newest version 0002"
	run ./migrate plan
	expect_rc 0
	run ./migrate status --format json
	expect_rc 0
	json '[m["state"] for m in d["migrations"]] == ["baseline", "applied", "future", "applied"]'
	json 'all(m["applied_at"].endswith("Z") and m["applied_by"] for m in d["migrations"])'
	sql app.db "DELETE FROM migc_history WHERE version = '0010';
		UPDATE migc_history SET state = 'failed', applied_at = '2026-01-02T03:04:05Z' WHERE version = '0002'"
	run ./migrate up
	expect_rc 6
	expect_err "0002_add_name.sql: left failed by an earlier run (at 2026-01-02T03:04:05Z)"
	run ./migrate verify
	expect_rc 6
	expect_err "0002_add_name.sql: left failed by an earlier run (at 2026-01-02T03:04:05Z)"
	run ./migrate resolve 0002 --applied
	expect_rc 0
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version 0002"
}

test_exit_7_corrupted_bundle() {
	mig m 0001_a.sql 'CREATE TABLE corruption_marker_table (x);'
	build m ./migrate
	run ./migrate info
	expect_rc 0
	python3 - <<'PY'
data = bytearray(open("migrate", "rb").read())
i = data.find(b"corruption_marker_table")
assert i >= 0 and data.find(b"corruption_marker_table", i + 1) < 0, "marker not unique"
data[i] ^= 0x01
open("migrate", "wb").write(bytes(data))
PY
	for cmd in info up status verify plan wait; do
		run ./migrate $cmd --url sqlite:app.db
		expect_rc 7
		expect_err "migrate: error: "
	done
	[ ! -e app.db ] || fail "a corrupted bundle touched the database"
}

# A record damaged in the binary (bundle ABI 5) is refused with exit 7,
# naming its migration, before the database is touched. The record is
# found by the layout include/migc.h documents, computed here apart from
# the C encoder: the 48 bytes from its sql_line field on.
test_exit_7_damaged_record() {
	mig m 0001_a.sql 'CREATE TABLE a (x);'
	mig m 0002_b.sql 'CREATE TABLE b (x);'
	build m ./migrate
	"$MIGC" build m -o bundle.c >/dev/null || fail "migc build -o failed"
	bundle_dump bundle.c >dump.txt
	grep -q '^2 0002_b.sql kind=1 flags=0 sql_off=20 sql_len=20 line=1 ' dump.txt ||
		fail "unexpected entries: $(cat dump.txt)"
	run ./migrate info
	expect_rc 0
	python3 - <<'PY'
import struct
data = bytearray(open("migrate", "rb").read())
# sql_line, down_line, added_time, sql_off, sql_len, down_off, down_len
tail = struct.pack("<IIqQQQQ", 1, 0, 0, 20, 20, 0, 0)
i = data.find(tail)
assert i >= 0 and data.find(tail, i + 1) < 0, "record 2 not found once"
start = i - 32
assert struct.unpack_from("<HH", data, start) == (1, 0), "kind and flags"
data[start + 56 + 2] ^= 0x01  # sql_len + 64 KiB: past the stream
open("migrate", "wb").write(bytes(data))
PY
	run ./migrate up --url sqlite:app.db
	expect_rc 7
	expect_err "0002_b.sql"
	expect_err "beyond"
	[ ! -e app.db ] || fail "a damaged record touched the database"
}

test_baseline() {
	basic
	sql app.db 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);'
	export DATABASE_URL=sqlite:app.db
	run ./migrate baseline 0009
	expect_rc 2
	expect_err "version 0009 is not in the bundle"
	run ./migrate baseline 0001
	expect_rc 0
	expect_out "database baselined at version 0001: 1 migration"
	run ./migrate baseline 0001
	expect_rc 2
	expect_err "cannot baseline"
	run ./migrate up
	expect_rc 0
	expect_out "applied 0002 add_name"
	run ./migrate status
	expect_out "baseline"
}

test_phases_and_deferred() {
	basic
	mig m 0003_drop_email.sql $'-- migc:phase post\nCREATE TABLE later (x);'
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	run ./migrate up
	expect_rc 0
	expect_out "1 post-phase migration deferred"
	run ./migrate status --phase pre
	expect_out "deferred"
	# status shows each migration's phase
	grep -qE '^0003 +drop_email +deferred +post ' <<<"$OUT" || fail "expected the post phase in the status table"
	grep -qE '^0001 +create_users +applied +pre ' <<<"$OUT" || fail "expected the pre phase in the status table"
	run ./migrate status --format json
	json '[m["phase"] for m in d["migrations"]] == ["pre", "pre", "post", "pre"]'
	run ./migrate up --phase post --format json
	expect_rc 0
	json '[m["file"] for m in d["applied"]] == ["0003_drop_email.sql"] and d["applied"][0]["phase"] == "post"'
}

test_migc_skip() {
	basic
	for v in 1 true YES; do
		MIGC_SKIP=$v run ./migrate up --url sqlite:app.db
		expect_rc 0
		expect_err "migrate: MIGC_SKIP is set; not running migrations"
	done
	[ ! -e app.db ] || fail "MIGC_SKIP still touched the database"
	# the init step before it (k8s/Helm) must not wait for a database either
	MIGC_SKIP=1 run ./migrate wait --url postgres://nobody@127.0.0.1:1/none --wait 30
	expect_rc 0
	expect_err "MIGC_SKIP is set; not waiting for the database"
	MIGC_SKIP=0 run ./migrate up --url sqlite:app.db
	expect_rc 0
	expect_out "3 migrations applied"
}

test_help_on_every_command() {
	basic
	for cmd in up status verify plan baseline resolve adopt down info wait help; do
		run ./migrate "$cmd" --help
		expect_rc 0
		expect_out "usage: migrate $cmd"
		run ./migrate help "$cmd"
		expect_rc 0
		expect_out "usage: migrate $cmd"
	done
	run ./migrate --help
	expect_rc 0
	expect_out "usage: migrate [OPTIONS] COMMAND"
	expect_out "exit codes:"
	run ./migrate help nope
	expect_rc 2
	run ./migrate --version
	expect_rc 0
	expect_out "migrate (migc runtime"
}

test_custom_history_table() {
	basic
	run ./migrate up --url sqlite:app.db --table deploy_log
	expect_rc 0
	expect_eq "$(sql app.db 'SELECT count(*) FROM deploy_log')" 3 "rows"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'migc_history'")" 0 "default table"
}

test_file_uri() {
	basic
	run ./migrate up --url "file:$T/app.db?mode=rwc"
	expect_rc 0
	expect_eq "$(sql app.db 'SELECT count(*) FROM migc_history')" 3 "rows"
}

# N runners at once on one fresh file: all succeed, each migration once.
concurrent_round() { # DB BIN N_MIGRATIONS
	local i pids=() rc=0
	for i in 1 2 3 4 5 6 7 8; do
		"$2" up --url "sqlite:$1" --wait 10 --lock-timeout 60 -q >"$T/.c$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { rc=$?; echo "#   runner $i exited $rc: $(cat "$T/.c$((i + 1)).out")"; }
	done
	[ "$rc" = 0 ] || fail "a concurrent runner failed"
	expect_eq "$(sql "$1" 'SELECT count(*) FROM migc_history')" "$3" "history rows"
	expect_eq "$(sql "$1" 'SELECT count(*) FROM (SELECT version FROM migc_history GROUP BY version HAVING count(*) > 1)')" 0 "versions applied twice"
	expect_eq "$(sql "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'")" "$3" "tables"
}

test_concurrent_runners_apply_each_migration_once() {
	local i round
	for i in $(seq -w 1 20); do
		mig m "00${i}_t${i}.sql" "CREATE TABLE t$i (x); INSERT INTO t$i VALUES ($i);"
	done
	build m ./v1
	for round in 1 2 3; do
		concurrent_round "round$round.db" ./v1 20
	done
	for i in $(seq 21 30); do
		mig m "00${i}_t${i}.sql" "CREATE TABLE t$i (x);"
	done
	build m ./v2
	concurrent_round round3.db ./v2 30
}

test_sqlite_url_parameters_are_uri_parameters() {
	basic
	run ./migrate up --url 'sqlite:app.db?mode=rwc&cache=private'
	expect_rc 0
	[ -f app.db ] || fail "expected app.db to be created"
	[ ! -e 'app.db?mode=rwc&cache=private' ] || fail "the parameters became part of the file name"
	# mode=ro: the database cannot be written, and a missing one not created
	run ./migrate up --url 'sqlite:other.db?mode=ro'
	expect_rc 5
	[ ! -e other.db ] || fail "mode=ro created the file"
	run ./migrate status --url 'sqlite:app.db?mode=ro'
	expect_rc 0
	expect_out "applied"
}

# A migration that takes about a second.
SECOND_SQL='CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c;'

test_progress_line_only_on_a_terminal() {
	mig m 0001_fast.sql "CREATE TABLE fast(x);"
	mig m 0002_slow.sql "$SECOND_SQL"
	build m ./migrate
	export MIGC_PROGRESS_DELAY_MS=100
	# a terminal (script(1) gives the command a pty): the live line, then
	# erased, for a migration after the first too (whether stderr is a
	# terminal is looked at once per run)
	script -qec "./migrate up --url sqlite:tty.db" /dev/null >tty.out 2>&1 || fail "migrate up on a pty failed: $(cat tty.out)"
	grep -q 'running 0002 slow \.\.\. [0-9]*s' tty.out || fail "expected a progress line on the terminal, got: $(cat -v tty.out)"
	grep -q 'applied 0001 fast' tty.out || fail "expected the first applied line"
	grep -q 'applied 0002 slow' tty.out || fail "expected the applied line"
	# not a terminal (a CI log): no progress line, no escape sequences
	run ./migrate up --url sqlite:log.db
	expect_rc 0
	expect_no "running 000"
	if grep -q $'\033' <<<"$OUT$ERR"; then fail "escape sequences in non-terminal output"; fi
	# --quiet and --format json on a terminal: none either
	script -qec "./migrate up --url sqlite:q.db --quiet" /dev/null >q.out 2>&1 || fail "quiet run failed"
	! grep -q 'running 000' q.out || fail "progress line under --quiet"
}

# A migration that runs for minutes unless something stops it.
LONG_INSERT='INSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT x FROM c;'

# sigterm_after SECONDS CMD...: start CMD, send SIGTERM after SECONDS, and
# set $RC (and $OUT/$ERR) from its exit.
sigterm_after() {
	local secs=$1 pid; shift
	set +e
	"$@" >"$T/.out" 2>"$T/.err" &
	pid=$!
	sleep "$secs"
	kill -TERM "$pid"
	wait "$pid"
	RC=$?
	set -e
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

test_sigterm_rolls_back_and_exits_8() {
	mig m 0001_big.sql "CREATE TABLE big (x INTEGER);
$LONG_INSERT"
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	sigterm_after 2 ./migrate up
	expect_rc 8
	expect_err "0001_big.sql: interrupted by a signal; its transaction was rolled back"
	expect_eq "$(sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'big'")" 0 "table big after rollback"
	expect_eq "$(sql app.db 'SELECT count(*) FROM migc_history')" 0 "history rows"
	# the lock was released: a new run starts at once (and is stopped again)
	sigterm_after 1 ./migrate up --lock-timeout 0
	expect_rc 8
}

test_sigterm_marks_no_transaction_migration_failed() {
	mig m 0001_big.sql "-- migc:no-transaction
CREATE TABLE big (x INTEGER);
$LONG_INSERT"
	build m ./migrate
	export DATABASE_URL=sqlite:app.db
	sigterm_after 2 ./migrate up
	expect_rc 8
	expect_err "0001_big.sql: interrupted by a signal; it ran without a transaction and is marked failed"
	expect_eq "$(sql app.db 'SELECT state FROM migc_history')" failed "history state"
	run ./migrate up
	expect_rc 6
}

# libpq is loaded with dlopen() only for a PostgreSQL URL: the binary does
# not link it, SQLite and `info`/`--version` never load it and work where it
# cannot be loaded, and a PostgreSQL URL then fails with exit 2 and a message
# naming the library and the package to install.
test_libpq_is_loaded_only_for_a_postgresql_url() {
	basic
	readelf -d ./migrate >needed.txt || fail "readelf failed"
	! grep -q 'NEEDED.*libpq' needed.txt || fail "migrate links libpq: $(grep NEEDED needed.txt)"
	# the dynamic loader's own account of what it opened
	LD_DEBUG=files DATABASE_URL=sqlite:app.db ./migrate up >up.out 2>up.err ||
		fail "a SQLite up failed: $(cat up.out up.err)"
	grep -q "3 migrations applied" up.out || fail "nothing applied: $(cat up.out)"
	! grep -q 'libpq' up.err || fail "a SQLite run loaded libpq: $(grep libpq up.err | head -3)"
	LD_DEBUG=files ./migrate up --url postgres://app@127.0.0.1:1/app --wait 0 >pg.out 2>pg.err
	grep -q 'file=libpq.so.5' pg.err || fail "LD_DEBUG shows no libpq for a PostgreSQL URL: $(head -c 600 pg.err)"
	# a libpq that cannot be loaded: a file that is no library, then a
	# library without libpq's functions
	mkdir -p junk notpq
	echo 'not a library' >junk/libpq.so.5
	echo 'int not_libpq(void) { return 0; }' | "${CC:-cc}" -shared -fPIC -x c - -o notpq/libpq.so.5 ||
		fail "cannot build the fake libpq"
	local dir
	for dir in junk notpq; do
		LD_LIBRARY_PATH=$T/$dir run ./migrate --version
		expect_rc 0
		LD_LIBRARY_PATH=$T/$dir run ./migrate info
		expect_rc 0
		LD_LIBRARY_PATH=$T/$dir run ./migrate up --url sqlite:$dir.db
		expect_rc 0
		expect_out "3 migrations applied"
		LD_LIBRARY_PATH=$T/$dir run ./migrate up --url postgres://app:s3cretpw@127.0.0.1:1/app
		expect_rc 2
		expect_err "libpq.so.5"
		expect_err "hint: PostgreSQL URLs need the libpq client library"
		expect_err "install libpq5 on Debian and Ubuntu"
		expect_no "s3cretpw"
	done
	LD_LIBRARY_PATH=$T/junk run ./migrate status --url "host=/nowhere dbname=app"
	expect_rc 2
	expect_err "cannot load libpq.so.5, the PostgreSQL client library"
	LD_LIBRARY_PATH=$T/notpq run ./migrate up --url postgres://127.0.0.1:1/app
	expect_err "libpq.so.5 has no function PQconnectdbParams"
	# with the real one it loads, and only the connection fails
	run ./migrate up --url postgres://app@127.0.0.1:1/app --wait 0
	expect_rc 5
	expect_err "could not connect"
}

run_tests
