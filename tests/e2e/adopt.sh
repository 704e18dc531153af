#!/usr/bin/env bash
# tests/e2e/adopt.sh - `migrate adopt --from TOOL`: taking over the history
# table another tool left in a database, on real SQLite files. The same
# scenarios run on PostgreSQL in adopt_pg.sh, which sources this file with
# ADOPT_ON_PG=1 (what differs is newdb, q and has_table below).
#
# The databases are written by tests/foreign.sh: each tool's own history
# table with the checksums the tool computes, and the schema its migrations
# made (dbmate: by the real dbmate when .ci/install-tools installed it).
#
# Protects, for every tool: `migrate status` names the tool, its table and
# the adopt command; `adopt --dry-run` records nothing; `adopt` records one
# history row per migration the tool applied (state applied, note "adopted
# from TOOL (TABLE...)") without touching the tool's table; `up` is then a
# no-op; a migration added in the tool's format applies once, and only it;
# adopting again changes nothing. A partial history (the tool applied only
# some) adopts those and `up` applies the rest. Refused with nothing
# recorded: a file edited after the tool ran it (exit 3, the file and both
# checksums named; Flyway, sqlx, refinery, Prisma), a dirty or failed state
# (exit 6, the tool's own repair command in the hint; golang-migrate,
# Flyway, sqlx, Prisma), a version the tool applied that the bundle lacks
# (exit 3), a migc history with rows of its own (exit 2), a missing table
# (exit 2, --from-table suggested), another tool's table (exit 2).
# Rolled-back goose and Prisma rows, Flyway UNDO_SQL and DELETE rows do not
# count; a Flyway BASELINE row records the versions under it as baseline;
# checksums of CRLF and BOM files verify; an edited down file or a changed
# repeatable is not drift; versions newer than the bundle are left with a
# warning (golang-migrate's older ones still adopted) for a newer release
# to adopt, and only them; --from-table reads a renamed table; --from
# defaults to the layout the bundle was built from.
if [ -z "${ADOPT_ON_PG:-}" ]; then
	source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
fi
source "$MIGC_ROOT/tests/foreign.sh"

sanitize_binaries

FIX="$MIGC_ROOT/tests/fixtures/foreign"

# ------------------------------------------------------------------ #
# The database, SQLite or PostgreSQL                                 #
# ------------------------------------------------------------------ #

# newdb: a fresh database for the test; sets FDB (what tests/foreign.sh
# takes) and DATABASE_URL.
if [ -n "${ADOPT_ON_PG:-}" ]; then
	newdb() {
		DB=$(basename "$T" | tr -c 'a-z0-9_\n' _ | cut -c1-60)
		createdb "$DB" || fail "createdb $DB failed"
		FDB="postgresql://$PGUSER@127.0.0.1:$PGPORT/$DB"
		export DATABASE_URL=$FDB
	}
	# q SQL: one query, unaligned rows, columns joined by |.
	q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
	has_table() { [ "$(q "SELECT to_regclass('$1') IS NOT NULL")" = t ]; }
else
	newdb() {
		FDB=app.db
		export DATABASE_URL=sqlite:app.db
	}
	q() { sqlite3 -batch app.db "$1"; }
	has_table() { [ "$(q "SELECT count(*) FROM sqlite_master WHERE name = '$1'")" = 1 ]; }
fi

# rows: migc's history, "version:state" per row in id order (a repeatable
# as R__name), on one line.
rows() {
	has_table migc_history || return 0
	q "SELECT CASE WHEN version = '' THEN 'R__' || name ELSE version END || ':' || state
		FROM migc_history ORDER BY id" | tr '\n' ' ' | sed 's/ $//'
}

# nrows: how many history rows (0 without a table).
nrows() {
	if has_table migc_history; then q "SELECT count(*) FROM migc_history"; else echo 0; fi
}

# as_applied "V1 V2": "V1:applied V2:applied", as rows prints them.
as_applied() {
	local v out=()
	for v in $1; do out+=("$v:applied"); done
	echo "${out[*]}"
}

# count WHERE: how many history rows match (the table must exist).
count() { q "SELECT count(*) FROM migc_history WHERE $1"; }

# jsons EXPR...: each Python expression holds for the last stdout parsed
# as `d` (one python3 run for all of them).
jsons() {
	local msg
	msg=$(python3 -S -c '
import json, sys
d = json.loads(sys.stdin.read())
for e in sys.argv[1:]:
    if not eval(e):
        sys.exit("JSON check failed: " + e)
' "$@" <<<"$OUT" 2>&1) || fail "$msg"
}

# ------------------------------------------------------------------ #
# The tools                                                          #
# ------------------------------------------------------------------ #

# The history table each tool keeps, the rows `adopt` records (versions;
# a repeatable as R__name), and the version of the migration add_new writes.
declare -A TABLE ADOPTED NEW
TABLE=([golang-migrate]=schema_migrations [goose]=goose_db_version [dbmate]=schema_migrations
	[flyway]=flyway_schema_history [sqlx]=_sqlx_migrations [refinery]=refinery_schema_history
	[diesel]=__diesel_schema_migrations [prisma]=_prisma_migrations)
ADOPTED=([golang-migrate]="000001 000002 000003" [goose]="00001 00002 00003"
	[dbmate]="20240101000000 20240102000000 20240103000000" [flyway]="1 1.1 R__views"
	[sqlx]="20240101000000 20240102000000 20240103000000" [refinery]="1 2 3"
	[diesel]="20240101000000 20240102000000 20240103000000"
	[prisma]="20240101000000 20240102000000 20240103000000"
	[goose-pg]="00001 00002 00003" [dbmate-pg]="20240101000000 20240102000000 20240103000000"
	[flyway-pg]="1 2 R__views" [sqlx-pg]="20240101000000 20240102000000 20240103000000"
	[diesel-pg]="00000000000000 20240101000000 20240102000000")
NEW=([golang-migrate]=000004 [goose]=00004 [dbmate]=20240104000000 [flyway]=2
	[sqlx]=20240104000000 [refinery]=4 [diesel]=20240104000000 [prisma]=20240104000000
	[goose-pg]=00004 [dbmate-pg]=20240104000000 [flyway-pg]=3 [sqlx-pg]=20240104000000
	[diesel-pg]=20240103000000)

kind() { printf '%s\n' "${1%-pg}"; }

# layout_opt TOOL: the --layout a build of its directory needs.
layout_opt() { [ "$(kind "$1")" = refinery ] && echo "--layout refinery"; return 0; }

# fixture_bin TOOL: the release binary of the fixture directory, built once
# per run (tests only read it).
fixture_bin() {
	local bin="$TEST_TMP/bin/$1"
	if [ ! -x "$bin" ]; then
		mkdir -p "$TEST_TMP/bin"
		# shellcheck disable=SC2046 # layout_opt is one option or none
		"$MIGC" build "$FIX/$1" $(layout_opt "$1") --binary "$bin" >"$T/.build.out" 2>&1 ||
			fail "migc build $FIX/$1 failed: $(cat "$T/.build.out")"
	fi
	printf '%s\n' "$bin"
}

# build_dir TOOL DIR BIN: the binary of a copy a test changed.
build_dir() {
	# shellcheck disable=SC2046
	"$MIGC" build "$2" $(layout_opt "$1") --binary "$3" >"$T/.build.out" 2>&1 ||
		fail "migc build $2 failed: $(cat "$T/.build.out")"
}

# add_new TOOL DIR: one more migration in the tool's own format (a table
# `comments`), with down SQL where the tool has it.
add_new() {
	local v=${NEW[$1]} up='CREATE TABLE comments (id integer PRIMARY KEY, body text);'
	case "$(kind "$1")" in
	golang-migrate)
		mig "$2" "${v}_add_comments.up.sql" "$up"
		mig "$2" "${v}_add_comments.down.sql" 'DROP TABLE comments;'
		;;
	goose) mig "$2" "${v}_add_comments.sql" $'-- +goose Up\n'"$up"$'\n\n-- +goose Down\nDROP TABLE comments;' ;;
	dbmate) mig "$2" "${v}_add_comments.sql" $'-- migrate:up\n'"$up"$'\n\n-- migrate:down\nDROP TABLE comments;' ;;
	flyway) mig "$2" "V${v}__add_comments.sql" "$up" ;;
	sqlx)
		mig "$2" "${v}_add_comments.up.sql" "$up"
		mig "$2" "${v}_add_comments.down.sql" 'DROP TABLE comments;'
		;;
	refinery) mig "$2" "V${v}__add_comments.sql" "$up" ;;
	diesel)
		local d="${v:0:4}-${v:4:2}-${v:6:2}-${v:8:6}_add_comments"
		mig "$2/$d" up.sql "$up"
		mig "$2/$d" down.sql 'DROP TABLE comments;'
		;;
	prisma) mig "$2/${v}_add_comments" migration.sql "$up" ;;
	esac
}

# adopted TOOL DB [STATE]: the database as the tool left it.
adopted() {
	foreign_adopted "$@" || fail "tests/foreign.sh could not write $1's database"
	if [ "$(kind "$1")" = dbmate ]; then
		if [ "$FOREIGN_REAL" = 1 ]; then
			echo "# dbmate: the real dbmate ($FOREIGN_DBMATE) migrated the database"
		else
			echo "# skipped the real dbmate: $FOREIGN_WHY; tests/foreign.sh wrote dbmate's table instead"
		fi
	fi
}

# ------------------------------------------------------------------ #
# Every tool: status, dry run, adopt, up, a new migration, adopt again #
# ------------------------------------------------------------------ #

# The tools that keep a checksum, which adopt verifies.
CHECKSUMS=" flyway sqlx refinery prisma "

adopt_roundtrip() {
	local t=$1 k table bin n foreign_rows verified="no checksum kept by the tool"
	k=$(kind "$t")
	table=${TABLE[$k]}
	[[ "$CHECKSUMS" = *" $k "* ]] && verified="checksum verified"
	bin=$(fixture_bin "$t")
	newdb
	adopted "$t" "$FDB"
	foreign_rows=$(q "SELECT count(*) FROM $table")
	n=$(wc -w <<<"${ADOPTED[$t]}")

	run "$bin" status
	expect_rc 0
	expect_out "This database was migrated by $k (history table $table) and migc has no history yet."
	expect_out "migrate adopt --from $k"

	run "$bin" adopt --from "$k" --dry-run
	expect_rc 0
	expect_eq "$(grep -c "would adopt.* ($verified)" <<<"$OUT")" "$n" "$t: migrations the dry run maps ($verified)"
	expect_out "$n migrations would be adopted from $k (dry run: nothing recorded)"
	expect_eq "$(nrows)" 0 "$t: history rows after a dry run"

	run "$bin" adopt --from "$k"
	expect_rc 0
	expect_out "$n migrations adopted from $k; \`migrate up\` now applies only what is new"
	expect_eq "$(rows)" "$(as_applied "${ADOPTED[$t]}")" "$t: adopted rows"
	# notes naming the tool and its table, bundle id and checksum on every
	# row, and the tool's table as it was
	expect_eq "$(q "SELECT (SELECT count(*) FROM migc_history WHERE note LIKE 'adopted from $k ($table%'),
		(SELECT count(*) FROM migc_history WHERE bundle_id = '' OR checksum NOT LIKE 'xxh3-128:%'),
		(SELECT count(*) FROM $table)")" "$n|0|$foreign_rows" "$t: notes|rows without bundle or checksum|the tool's rows"

	run "$bin" up
	expect_rc 0
	expect_out "database is up to date"
	run "$bin" verify
	expect_rc 0

	# the next migration, written the old tool's way, applies once
	cp -r "$FIX/$t" m
	add_new "$t" m
	build_dir "$t" m ./migrate
	run ./migrate up
	expect_rc 0
	expect_out "applied ${NEW[$t]} add_comments"
	expect_out "1 migration applied in "
	run ./migrate up
	expect_rc 0
	expect_out "database is up to date at version ${NEW[$t]}"
	expect_eq "$(q "SELECT (SELECT count(*) FROM comments), (SELECT count(*) FROM migc_history),
		(SELECT count(*) FROM migc_history WHERE version = '${NEW[$t]}' AND state = 'applied')")" \
		"0|$((n + 1))|1" "$t: the new table|history rows|rows of the new migration"
	run ./migrate status
	expect_rc 0
	expect_no "migrate adopt --from"

	run ./migrate adopt --from "$k"
	expect_rc 0
	expect_err "nothing to adopt: the migc history already records every migration the old tool applied"
	expect_eq "$(count "1 = 1")" $((n + 1)) "$t: history rows after adopting again"
}

# On PostgreSQL, every tool with its PostgreSQL fixture where it has one.
ADOPT_TOOLS="golang-migrate goose dbmate flyway sqlx refinery diesel prisma"
[ -n "${ADOPT_ON_PG:-}" ] && ADOPT_TOOLS="golang-migrate goose-pg dbmate-pg flyway-pg sqlx-pg refinery diesel-pg prisma"
for _t in $ADOPT_TOOLS; do
	eval "test_${_t//-/_}_adopt_then_up_applies_only_what_is_new() { adopt_roundtrip $_t; }"
done

# ------------------------------------------------------------------ #
# Partial history: adopt what ran, up applies the rest               #
# ------------------------------------------------------------------ #

adopt_partial() {
	local t=$1 bin last
	bin=$(fixture_bin "$t")
	newdb
	adopted "$t" "$FDB" partial
	last=${ADOPTED[$t]##* }
	run "$bin" adopt --from "$t"
	expect_rc 0
	expect_out "2 migrations adopted from $t"
	expect_eq "$(rows)" "$(as_applied "${ADOPTED[$t]% *}")" "$t: adopted rows"
	run "$bin" up
	expect_rc 0
	expect_out "1 migration applied in "
	expect_eq "$(rows)" "$(as_applied "${ADOPTED[$t]}")" "$t: rows after up"
	expect_eq "$(count "note = ''")" 1 "$t: one row written by up ($last)"
	run "$bin" up
	expect_rc 0
	expect_out "database is up to date"
	run "$bin" verify
	expect_rc 0
}

for _t in golang-migrate goose dbmate flyway sqlx refinery diesel prisma; do
	eval "test_${_t//-/_}_partial_history_adopts_what_ran_and_up_applies_the_rest() { adopt_partial $_t; }"
done

# ------------------------------------------------------------------ #
# Drift: a file edited after the tool ran it                         #
# ------------------------------------------------------------------ #

# adopt_drifted TOOL FILE: the tool applied FILE, then it was edited.
adopt_drifted() {
	local t=$1 f=$2 old new
	newdb
	cp -r "$FIX/$t" m
	FOREIGN_DIR=$PWD/m adopted "$t" "$FDB"
	old=$(FOREIGN_DIR=$PWD/m foreign_checksum "$t" "$f")
	printf -- '-- edited after it ran\n' >>"m/$f"
	new=$(FOREIGN_DIR=$PWD/m foreign_checksum "$t" "$f")
	[ "$old" != "$new" ] || fail "the edit did not change $t's checksum"
	build_dir "$t" m ./migrate
	run ./migrate adopt --from "$t"
	expect_rc 3
	expect_err "migrate: error: $f: the checksum $t recorded when it applied it ($old) does not match the file ($new): it was edited after it ran"
	expect_err "hint: restore the file as it was applied"
	expect_eq "$(nrows)" 0 "$t: history rows after a refused adoption"
	run ./migrate adopt --from "$t" --format json
	expect_rc 3
	jsons "d['ok'] is False and d['error']['code'] == 'drift' and d['error']['exit_code'] == 3" \
		"d['error']['file'] == '$f' and d['adopted_count'] == 0"
	run ./migrate adopt --from "$t" --dry-run
	expect_rc 3
}

test_flyway_edited_migration_is_refused_with_both_checksums() {
	adopt_drifted flyway V1_1__more.sql # CRLF line ends: Flyway hashes lines
}
test_sqlx_edited_migration_is_refused_with_both_checksums() {
	adopt_drifted sqlx 20240102000000_create_posts.sql
}
test_refinery_edited_migration_is_refused_with_both_checksums() {
	adopt_drifted refinery V2__create_posts.sql
}
test_prisma_edited_migration_is_refused_with_both_checksums() {
	adopt_drifted prisma 20240102000000_add_posts/migration.sql
}

test_edited_down_file_is_not_drift() {
	newdb
	cp -r "$FIX/sqlx" m
	FOREIGN_DIR=$PWD/m adopted sqlx "$FDB"
	printf -- '-- a better down\n' >>m/20240101000000_create_users.down.sql
	build_dir sqlx m ./migrate
	run ./migrate adopt --from sqlx
	expect_rc 0
	expect_out "3 migrations adopted from sqlx"
}

test_flyway_repeatable_changed_since_is_left_for_up() {
	newdb
	cp -r "$FIX/flyway" m
	FOREIGN_DIR=$PWD/m adopted flyway "$FDB"
	printf -- '-- changed since\n' >>m/R__views.sql
	build_dir flyway m ./migrate
	run ./migrate adopt --from flyway
	expect_rc 0
	expect_out "2 migrations adopted from flyway"
	expect_eq "$(rows)" "1:applied 1.1:applied" "rows"
	run ./migrate up
	expect_rc 0
	expect_out "applied R__views"
	expect_out "1 migration applied in "
}

test_checksums_of_crlf_and_bom_files_still_verify() {
	# the tools hashed the bytes on disk (CRLF, a BOM); migc embeds the
	# canonical form and must still find the same checksum
	local t f
	declare -A first=([sqlx]=20240101000000_create_users.up.sql [refinery]=V1__initial.sql
		[prisma]=20240101000000_init/migration.sql)
	newdb
	for t in sqlx refinery prisma; do
		rm -rf m
		cp -r "$FIX/$t" m
		while IFS= read -r f; do
			sed -i 's/$/\r/' "$f"
		done < <(find m -name '*.sql' ! -name '*.down.sql')
		printf '\xef\xbb\xbf%s' "$(cat "m/${first[$t]}")" >"m/${first[$t]}"
		grep -q $'\r' "m/${first[$t]}" || fail "no CRLF in ${first[$t]}"
		FOREIGN_DIR=$PWD/m foreign_history "$t" "$FDB" || fail "foreign_history $t failed"
		build_dir "$t" m ./migrate
		run ./migrate adopt --from "$t" --dry-run
		expect_rc 0
		expect_out "3 migrations would be adopted from $t"
		[ "$(grep -c 'checksum verified' <<<"$OUT")" = 3 ] || fail "$t: not every checksum verified"
	done
}

# flyway_row RANK VERSION TYPE SCRIPT CHECKSUM: one more row of Flyway's
# table, as Flyway writes it (SQLite).
flyway_row() {
	q "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,
		checksum, installed_by, execution_time, success)
		VALUES ($1, $2, 'x', '$3', '$4', $5, '', 0, 1)" >/dev/null
}

test_flyway_undone_and_deleted_rows_do_not_count() {
	newdb
	adopted flyway "$FDB"
	cp -r "$FIX/flyway" m
	rm m/V1__init.sql
	build_dir flyway m ./migrate
	run ./migrate adopt --from flyway --dry-run
	expect_rc 3
	expect_err "flyway applied 1 (installed_rank 1) but no migration of this bundle is that version"
	# `flyway repair` marked the missing V1 deleted; `flyway undo` undid 1.1
	flyway_row 4 "'1'" DELETE V1__init.sql NULL
	flyway_row 5 "'1.1'" UNDO_SQL U1_1__more.sql NULL
	run ./migrate adopt --from flyway
	expect_rc 0
	expect_out "1 migration adopted from flyway"
	expect_eq "$(rows)" "R__views:applied" "rows"
	run ./migrate status --format json
	jsons "[m['state'] for m in d['migrations']] == ['pending', 'applied']"
}

test_flyway_baseline_row_records_older_versions_as_baseline() {
	newdb
	cp -r "$FIX/flyway" m
	mig m V2__comments.sql 'CREATE TABLE comments (id integer PRIMARY KEY);'
	# `flyway baseline -baselineVersion=1.1`, then V2 and R__views applied
	q "CREATE TABLE comments (id integer PRIMARY KEY)" >/dev/null
	FOREIGN_DIR=$PWD/m foreign_history flyway "$FDB" partial || fail "foreign_history failed"
	q "DELETE FROM flyway_schema_history" >/dev/null
	flyway_row 1 "'1.1'" BASELINE '<< Flyway Baseline >>' NULL
	flyway_row 2 "'2'" SQL V2__comments.sql "$(FOREIGN_DIR=$PWD/m foreign_checksum flyway V2__comments.sql)"
	build_dir flyway m ./migrate
	run ./migrate adopt --from flyway
	expect_rc 0
	expect_eq "$(grep -c "adopted as baseline (under the tool's baseline: never run)" <<<"$OUT")" 2 "baselined"
	expect_out "adopted, installed_rank 2 (checksum verified)"
	expect_out "3 migrations adopted from flyway"
	expect_eq "$(rows)" "1:baseline 1.1:baseline 2:applied" "rows, in version order"
	run ./migrate status --format json
	jsons "[m['state'] for m in d['migrations']] == ['baseline', 'baseline', 'applied', 'pending']"
}

# ------------------------------------------------------------------ #
# Dirty and failed states                                            #
# ------------------------------------------------------------------ #

# adopt_failed TOOL MESSAGE HINT: the tool's last migration failed.
adopt_failed() {
	local t=$1 bin
	bin=$(fixture_bin "$t")
	newdb
	adopted "$t" "$FDB" failed
	run "$bin" adopt --from "$t"
	expect_rc 6
	expect_err "migrate: error: cannot adopt: $2 ($t, table ${TABLE[$t]})"
	expect_err "$3"
	expect_eq "$(nrows)" 0 "$t: history rows after a refused adoption"
	run "$bin" adopt --from "$t" --dry-run --format json
	expect_rc 6
	jsons "d['ok'] is False and d['error']['exit_code'] == 6 and d['adopted'] == []"
}

test_golang_migrate_dirty_version_is_refused() {
	adopt_failed golang-migrate "golang-migrate left version 3 dirty (a migration failed half-way)" \
		"fix the database by hand, then \`migrate -path DIR -database URL force VERSION\` with golang-migrate"
}
test_flyway_failed_migration_is_refused() {
	adopt_failed flyway "Flyway recorded 1.1 as failed" "run \`flyway repair\` to remove the failed row"
}
test_sqlx_failed_migration_is_refused() {
	adopt_failed sqlx "sqlx recorded 20240103000000 as failed (success = false: the migration is dirty)" \
		"delete that row from _sqlx_migrations"
}
test_prisma_unfinished_migration_is_refused() {
	adopt_failed prisma "Prisma recorded 20240103000000_post_author_index as started but neither finished nor rolled back" \
		"\`prisma migrate resolve --applied NAME\` or \`--rolled-back NAME\`"
}

# ------------------------------------------------------------------ #
# Rolled back, then maybe applied again                              #
# ------------------------------------------------------------------ #

# adopt_rolled_back TOOL STATE ROWS: goose and Prisma rows undone since.
adopt_rolled_back() {
	local t=$1 bin
	bin=$(fixture_bin "$t")
	newdb
	adopted "$t" "$FDB" "$2"
	run "$bin" adopt --from "$t"
	expect_rc 0
	expect_eq "$(rows)" "$3" "$t $2: adopted rows"
	run "$bin" up
	expect_rc 0
	expect_eq "$(count "state = 'applied'")" 3 "$t $2: applied rows after up"
}

test_goose_rolled_back_version_stays_pending() {
	adopt_rolled_back goose rolled-back "00001:applied 00002:applied"
	expect_out "applied 00003 add_posts_user_index"
}
test_goose_reapplied_version_is_adopted() {
	adopt_rolled_back goose reapplied "00001:applied 00002:applied 00003:applied"
	expect_out "database is up to date"
}
test_prisma_rolled_back_migration_stays_pending() {
	adopt_rolled_back prisma rolled-back "20240101000000:applied 20240102000000:applied"
	expect_out "applied 20240103000000 post_author_index"
}
test_prisma_reapplied_migration_is_adopted() {
	adopt_rolled_back prisma reapplied "20240101000000:applied 20240102000000:applied 20240103000000:applied"
	expect_out "database is up to date"
}

# ------------------------------------------------------------------ #
# Missing and future versions                                        #
# ------------------------------------------------------------------ #

test_version_missing_from_the_bundle_is_refused() {
	newdb
	adopted sqlx "$FDB"
	cp -r "$FIX/sqlx" m
	rm m/20240102000000_create_posts.sql
	build_dir sqlx m ./migrate
	run ./migrate adopt --from sqlx
	expect_rc 3
	expect_err "migrate: error: cannot adopt: sqlx applied 20240102000000 (_sqlx_migrations) but no migration of this bundle is that version"
	expect_err "hint: build the binary from the migrations directory the database was migrated from"
	expect_eq "$(nrows)" 0 "history rows"
	run ./migrate adopt --from sqlx --format json
	jsons "d['error']['code'] == 'missing' and d['error']['exit_code'] == 3 and d['error']['version'] == '20240102000000'"
}

test_prisma_migration_missing_from_the_bundle_is_refused() {
	newdb
	adopted prisma "$FDB"
	cp -r "$FIX/prisma" m
	rm -r m/20240102000000_add_posts
	build_dir prisma m ./migrate
	run ./migrate adopt --from prisma
	expect_rc 3
	expect_err "cannot adopt: prisma applied 20240102000000_add_posts (_prisma_migrations) but no migration of this bundle is that file"
	expect_eq "$(nrows)" 0 "history rows"
}

test_version_newer_than_the_bundle_is_left_with_a_warning() {
	# a release that does not have the newest migration yet
	newdb
	adopted goose "$FDB"
	cp -r "$FIX/goose" m
	rm m/00003_add_posts_user_index.sql
	build_dir goose m ./migrate
	run ./migrate adopt --from goose --strict
	expect_rc 3
	expect_eq "$(nrows)" 0 "history rows under --strict"
	run ./migrate adopt --from goose
	expect_rc 0
	expect_err "migrate: warning: goose applied version 3, which is newer than every migration of this bundle: not adopted"
	expect_out "2 migrations adopted from goose"
	expect_eq "$(rows)" "00001:applied 00002:applied" "rows"
}

test_prisma_migration_newer_than_the_bundle_is_left_with_a_warning() {
	newdb
	adopted prisma "$FDB"
	cp -r "$FIX/prisma" m
	rm -r m/20240103000000_post_author_index
	build_dir prisma m ./migrate
	run ./migrate adopt --from prisma --strict
	expect_rc 3
	run ./migrate adopt --from prisma
	expect_rc 0
	expect_err "migrate: warning: prisma applied 20240103000000_post_author_index, which is newer than every migration of this bundle: not adopted"
	expect_out "2 migrations adopted from prisma"
}

test_flyway_repeatable_the_directory_dropped_is_not_adopted() {
	newdb
	adopted flyway "$FDB"
	cp -r "$FIX/flyway" m
	rm m/R__views.sql
	build_dir flyway m ./migrate
	run ./migrate adopt --from flyway
	expect_rc 0
	expect_err "migrate: warning: flyway ran R__views.sql, which this bundle does not have: not adopted"
	expect_eq "$(rows)" "1:applied 1.1:applied" "rows"
}

test_newer_release_adopts_what_an_older_one_left() {
	newdb
	adopted goose "$FDB"
	cp -r "$FIX/goose" old
	rm old/00003_add_posts_user_index.sql
	build_dir goose old ./old-release
	run ./old-release adopt --from goose
	expect_rc 0
	expect_out "2 migrations adopted from goose"
	# the release with 00003 takes over the rest, and only that
	run "$(fixture_bin goose)" adopt --from goose
	expect_rc 0
	expect_out "00003 add_posts_user_index adopted (no checksum kept by the tool)"
	expect_out "1 migration adopted from goose"
	expect_eq "$(rows)" "00001:applied 00002:applied 00003:applied" "rows"
	run "$(fixture_bin goose)" up
	expect_rc 0
	expect_out "database is up to date"
}

# `up` before `adopt` on a database the tool migrated would run every
# migration again: it refuses, and says what to run. So does a release whose
# versions an earlier adoption had to skip.
test_up_before_adopt_refuses_instead_of_running_them_again() {
	newdb
	adopted goose "$FDB"
	run "$(fixture_bin goose)" up
	expect_rc 2
	expect_err "goose applied 3 migrations that migc's history does not record"
	expect_err "hint: take the history over first, without running anything: migrate adopt --from goose"
	expect_eq "$(rows)" "" "migc rows after the refused up"
	# an older release adopted only what it had
	cp -r "$FIX/goose" old
	rm old/00003_add_posts_user_index.sql
	build_dir goose old ./old-release
	run ./old-release adopt --from goose
	expect_rc 0
	run "$(fixture_bin goose)" up
	expect_rc 2
	expect_err "goose applied 1 migration that migc's history does not record (the first: 00003_add_posts_user_index.sql)"
	run "$(fixture_bin goose)" adopt
	expect_rc 0
	run "$(fixture_bin goose)" up
	expect_rc 0
	expect_out "database is up to date"
}

test_golang_migrate_version_newer_than_the_bundle_adopts_the_older_ones() {
	# golang-migrate's one row: version 5 means 1 to 5 ran
	local bin
	bin=$(fixture_bin golang-migrate)
	newdb
	adopted golang-migrate "$FDB"
	q "UPDATE schema_migrations SET version = 5" >/dev/null
	run "$bin" adopt --from golang-migrate --strict
	expect_rc 3
	run "$bin" adopt --from golang-migrate
	expect_rc 0
	expect_err "migrate: warning: golang-migrate is at version 5, newer than every migration of this bundle"
	expect_out "3 migrations adopted from golang-migrate"
	run "$bin" up
	expect_rc 0
	expect_out "database is up to date"
}

# ------------------------------------------------------------------ #
# The other refusals, and options                                    #
# ------------------------------------------------------------------ #

test_history_with_rows_of_its_own_is_refused() {
	local bin
	bin=$(fixture_bin sqlx)
	newdb
	adopted sqlx "$FDB"
	run "$bin" baseline 20240101000000
	expect_rc 0
	run "$bin" adopt --from sqlx
	expect_rc 2
	expect_err "migrate: error: cannot adopt: the history table migc_history already has rows of its own"
	expect_err "hint: adopt takes over a database migc has never migrated"
	expect_eq "$(rows)" "20240101000000:baseline" "rows"
}

test_missing_table_is_refused_and_names_it() {
	local bin
	bin=$(fixture_bin flyway)
	newdb
	run "$bin" adopt --from flyway
	expect_rc 2
	expect_err "migrate: error: cannot adopt: this database has no flyway history table 'flyway_schema_history'"
	expect_err "hint: name the table with --from-table if flyway was configured to use another one"
	run "$bin" adopt --from flyway --format json
	expect_rc 2
	jsons "d['error']['exit_code'] == 2"
	expect_eq "$(nrows)" 0 "history rows"
}

test_from_table_reads_a_renamed_table() {
	local bin
	bin=$(fixture_bin goose)
	newdb
	adopted goose "$FDB"
	q "ALTER TABLE goose_db_version RENAME TO legacy_goose" >/dev/null
	run "$bin" status
	expect_no "migrate adopt --from"
	run "$bin" adopt --from goose
	expect_rc 2
	expect_err "no goose history table 'goose_db_version'"
	run "$bin" adopt --from goose --from-table legacy_goose
	expect_rc 0
	expect_out "3 migrations adopted from goose"
	expect_eq "$(count "note = 'adopted from goose (legacy_goose)'")" 3 "notes name the table"
	run "$bin" adopt --from goose --from-table 'legacy goose;'
	expect_rc 2
	expect_err "invalid history table name"
}

test_from_defaults_to_the_layout_of_the_bundle() {
	local bin
	bin=$(fixture_bin diesel)
	newdb
	adopted diesel "$FDB"
	run "$bin" adopt --format json
	expect_rc 0
	jsons "d['command'] == 'adopt' and d['from'] == 'diesel' and d['dry_run'] is False" \
		"[m['version'] for m in d['adopted']] == ['20240101000000', '20240102000000', '20240103000000']" \
		"d['adopted'][0]['file'] == '2024-01-01-000000_create_users/up.sql' and d['adopted_count'] == 3"
}

test_unknown_tool_is_a_usage_error() {
	local bin
	bin=$(fixture_bin goose)
	newdb
	run "$bin" adopt --from liquibase
	expect_rc 2
	expect_err "cannot adopt from 'liquibase': migc reads the history of golang-migrate, goose"
	expect_err "hint: pass --from with the tool that migrated the database"
	run "$bin" adopt --from migc
	expect_rc 2
	run "$bin" adopt --from
	expect_rc 2
}

test_tool_whose_table_it_is_is_told_apart() {
	# golang-migrate and dbmate both call their table schema_migrations
	local bin
	bin=$(fixture_bin golang-migrate)
	newdb
	adopted golang-migrate "$FDB"
	run "$bin" status
	expect_out "migrated by golang-migrate (history table schema_migrations)"
	run "$bin" adopt --from dbmate --dry-run
	expect_rc 2
	expect_err "cannot adopt: 'schema_migrations' has a dirty column: it is golang-migrate's history table, not dbmate's"
	expect_err "hint: adopt --from golang-migrate"
	q "DROP TABLE schema_migrations" >/dev/null
	q "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)" >/dev/null
	q "INSERT INTO schema_migrations VALUES ('000001')" >/dev/null
	run "$bin" status
	expect_out "migrated by dbmate (history table schema_migrations)"
	run "$bin" adopt --from golang-migrate
	expect_rc 2
	expect_err "cannot adopt: 'schema_migrations' has no dirty column: it is not golang-migrate's history table"
	expect_err "hint: adopt --from dbmate"
	# another tool's table named with --from-table
	run "$bin" adopt --from sqlx --from-table schema_migrations
	expect_rc 2
	expect_err "cannot adopt: reading sqlx's table 'schema_migrations': "
	expect_err "is it that tool's table?"
	expect_eq "$(nrows)" 0 "history rows"
}

if [ -z "${ADOPT_NO_RUN:-}" ]; then
	run_tests
fi
