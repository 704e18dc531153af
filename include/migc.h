/*
 * migc.h - the public face of libmigc.
 *
 * libmigc is the migration model (file names, versions, directives,
 * checksums), the verify rules, the apply loop and the database drivers.
 * The `migc` compiler and the `migrate` release binary are both clients of
 * this library; an application can be one too, embedding its own bundle and
 * calling migc_run() at start-up.
 *
 * Conventions (libgit2's):
 *  - every fallible function returns an int: 0 (MIGC_OK) on success or a
 *    negative MIGC_E* code, and fills the caller-owned `migc_error` (which
 *    may be NULL when the caller does not want the message);
 *  - out-parameters come first;
 *  - every opaque type has a matching _free that accepts NULL;
 *  - strings returned through `const char *` are owned by the object they
 *    came from and live as long as it does.
 *
 * Thread safety: objects are not shared between threads; distinct objects
 * may be used from distinct threads.
 */
#ifndef MIGC_H
#define MIGC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIGC_VERSION "0.1.0"

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* Error codes. 0 is success; every error is negative. */
enum {
	MIGC_OK = 0,
	MIGC_ERROR = -1,     /* unclassified failure */
	MIGC_ENOMEM = -2,    /* out of memory */
	MIGC_EUSAGE = -3,    /* bad option, bad URL, bad configuration */
	MIGC_EINVALID = -4,  /* an invalid migration file, name or directive */
	MIGC_EIO = -5,       /* reading or writing a file failed */
	MIGC_EFAILED = -6,   /* a migration's SQL failed (rolled back) */
	MIGC_EDRIFT = -7,    /* an applied migration's checksum differs */
	MIGC_EMISSING = -8,  /* an applied migration is absent from the bundle */
	MIGC_EORDER = -9,    /* a pending migration sorts before an applied one */
	MIGC_EFUTURE = -10,  /* applied versions newer than the bundle (--strict) */
	MIGC_ECONNECT = -11, /* could not connect to the database */
	MIGC_ELOCKED = -12,  /* could not take the migration lock in time */
	MIGC_EDIRTY = -13,   /* an earlier run left a migration failed/running */
	MIGC_ECORRUPT = -14, /* the bundle does not match its own checksums */
	MIGC_ENOTFOUND = -15, /* a named version is not there */
	MIGC_EDB = -16,      /* a database error outside a migration's SQL */
	MIGC_EINTR = -17,    /* interrupted by a signal */
	MIGC_EBUSY = -18,    /* the SQL waited too long for a lock (retried) */
	MIGC_EAUTH = -19     /* the server refused us: password, role or
			      * database wrong (not retried; exit 5) */
};

/*
 * Exit codes of the `migrate` release binary (DESIGN.md). Scripts depend
 * on these numbers: never renumber them.
 */
enum {
	MIGC_EXIT_OK = 0,
	MIGC_EXIT_FAILED = 1,
	MIGC_EXIT_USAGE = 2,
	MIGC_EXIT_DRIFT = 3,
	MIGC_EXIT_ORDER = 4,
	MIGC_EXIT_CONNECT = 5,
	MIGC_EXIT_DIRTY = 6,
	MIGC_EXIT_CORRUPT = 7,
	MIGC_EXIT_INTERRUPTED = 8
};

/*
 * A caller-owned error. Functions fill it on failure; it needs no freeing.
 * `message` is one line that already says what failed and where
 * ("0042_add_index.sql:3: ..."); `hint` (possibly empty) says what to do.
 */
typedef struct migc_error {
	int code;          /* the MIGC_E* code, 0 when no error */
	int line;          /* 1-based line in `file`, 0 when not applicable */
	char file[256];    /* migration file name, "" when not applicable */
	char version[256]; /* migration version, "" when not applicable */
	char message[1024];
	char hint[512];
} migc_error;

/* Reset an error to "no error". */
void migc_error_clear(migc_error *err);

/* A short, static description of an error code ("drift", "lock timeout"). */
const char *migc_strerror(int code);

/* The release binary's exit code for an error code (0 for MIGC_OK). */
int migc_exit_code(int code);

/* ------------------------------------------------------------------ */
/* The migration model                                                 */
/* ------------------------------------------------------------------ */

typedef enum migc_kind {
	MIGC_KIND_VERSIONED = 1, /* <version>_<name>.sql, applied once */
	MIGC_KIND_REPEATABLE = 2 /* R__<name>.sql, re-applied when changed */
} migc_kind;

/* Flags set by `-- migc:` directives. */
#define MIGC_FLAG_NO_TRANSACTION 0x1u /* -- migc:no-transaction */
#define MIGC_FLAG_PHASE_POST 0x2u     /* -- migc:phase post */
#define MIGC_FLAG_DOWN_NO_TRANSACTION 0x4u /* the down SQL runs outside a
					    * transaction (the tool's marker
					    * on its down section or file) */

/*
 * Checksums: XXH3-128 of the canonical form of a file (a leading UTF-8 BOM
 * removed, every CRLF turned into LF; nothing else: trailing whitespace and
 * comments are content). Written as 32 lowercase hex digits; stored in the
 * history table with the algorithm tag in front ("xxh3-128:<hex>") so the
 * algorithm can change without every database looking drifted.
 */
#define MIGC_CHECKSUM_HEX_LEN 32
#define MIGC_CHECKSUM_TAG "xxh3-128:"

/*
 * Turn `buf[0..len)` into its canonical form in place and return the new
 * length (never larger than `len`).
 */
size_t migc_normalize(char *buf, size_t len);

/* XXH3-128 of `data` (already canonical) as 32 hex digits and a NUL. */
void migc_checksum(char out[MIGC_CHECKSUM_HEX_LEN + 1], const void *data,
		   size_t len);

/*
 * Versions are digits ("0001", "20261124093000") compared as numbers of any
 * length, or dotted ("1.2.3") compared part by part. migc_version_valid()
 * returns 1 for a well-formed version, 0 otherwise. migc_version_compare()
 * returns <0, 0 or >0; "001" and "1" compare equal.
 */
int migc_version_valid(const char *version);
int migc_version_compare(const char *a, const char *b);

/*
 * Directory layouts: the tools whose migration directories migc reads as
 * they are (file names, up/down sections, no-transaction markers). The
 * numbers are recorded in bundles: never renumber them.
 */
typedef enum migc_layout {
	MIGC_LAYOUT_MIGC = 1,        /* <version>_<name>.sql, R__<name>.sql */
	MIGC_LAYOUT_GOLANG_MIGRATE,  /* <version>_<name>.up.sql / .down.sql */
	MIGC_LAYOUT_GOOSE,           /* -- +goose Up / Down sections */
	MIGC_LAYOUT_DBMATE,          /* -- migrate:up / -- migrate:down */
	MIGC_LAYOUT_FLYWAY,          /* V<version>__<desc>.sql, R__, U (undo) */
	MIGC_LAYOUT_SQLX,            /* <version>_<desc>[.up|.down].sql */
	MIGC_LAYOUT_REFINERY,        /* V<n>__<name>.sql, U<n>__<name>.sql */
	MIGC_LAYOUT_DIESEL,          /* <version>_<name>/up.sql, down.sql */
	MIGC_LAYOUT_PRISMA           /* <timestamp>_<name>/migration.sql */
} migc_layout;
#define MIGC_LAYOUT_COUNT 9

/* The layout's name as users write it ("golang-migrate"), or NULL. */
const char *migc_layout_name(migc_layout layout);

/* The layout called `name`; MIGC_EUSAGE (listing the names) when none. */
int migc_layout_parse(migc_layout *out, const char *name, migc_error *err);

/* A file name taken apart. */
typedef struct migc_filename {
	migc_kind kind;
	char version[256]; /* "" for repeatable migrations */
	char name[256];    /* the descriptive part, without ".sql" */
} migc_filename;

/*
 * Parse a migration file name (the base name, no directory). Fails with
 * MIGC_EINVALID and a message naming the file when it is not
 * `<version>_<name>.sql` or `R__<name>.sql`.
 */
int migc_filename_parse(migc_filename *out, const char *filename,
			migc_error *err);

/*
 * One migration. Read-only: the strings belong to the set it came from
 * (a set loaded from a bundle uses the bundle's own: migc_bundle_load).
 * `sql` is the canonical content, NUL-terminated, `sql_len` bytes long.
 */
typedef struct migc_migration {
	migc_kind kind;
	const char *version;  /* "" for repeatable migrations */
	const char *name;     /* descriptive part of the file name */
	const char *filename; /* base name, e.g. "0001_create_users.sql" */
	unsigned flags;       /* MIGC_FLAG_* */
	const char *checksum; /* 32 hex digits, no tag */
	const char *sql;
	size_t sql_len;
	const char *added_commit; /* provenance: commit that added it, or NULL */
	long long added_time;     /* its author time (Unix seconds), or 0 */
	long lock_timeout_ms;      /* -- migc:lock-timeout, or -1 when unset */
	long statement_timeout_ms; /* -- migc:statement-timeout, or -1 */
	int sql_line;          /* line of the file where `sql` starts (1 unless
				* the file has sections: goose, dbmate) */
	const char *down_sql;  /* the down SQL (canonical, NUL-terminated), or
				* NULL when the migration has none */
	size_t down_len;
	const char *down_filename; /* file the down SQL is in (the same file for
				    * goose/dbmate sections), or NULL */
	int down_line;         /* line of that file where `down_sql` starts */
	const char *down_checksum; /* 32 hex digits of the down SQL, or NULL */
} migc_migration;

/*
 * An ordered, validated set of migrations: versioned ones by version, then
 * repeatable ones by name. Built from files by the compiler, or loaded from
 * a bundle by the runtime.
 */
typedef struct migc_set migc_set;

int migc_set_new(migc_set **out, migc_error *err);

/*
 * Read the files added next as `layout` (default MIGC_LAYOUT_MIGC). Call
 * before the first migc_set_add. With another tool's layout, a migration
 * may be several files (up, down, settings) that are grouped by
 * migc_set_finish(); file names may then be paths one directory deep
 * ("2024-01-01-000000_x/up.sql").
 */
int migc_set_set_layout(migc_set *set, migc_layout layout, migc_error *err);
migc_layout migc_set_layout(const migc_set *set);

/*
 * Add one file: parse its name, canonicalise and validate its content (not
 * empty, no NUL byte, valid UTF-8), read its directives, checksum it. The
 * content is copied. `filename` is the base name; `display` (may be NULL)
 * is what messages call the file (e.g. "migrations/0001_a.sql").
 */
int migc_set_add(migc_set *set, const char *filename, const char *display,
		 const char *data, size_t len, migc_error *err);

/*
 * migc_set_add() for bytes the caller hands over instead of a copy: `data`
 * is malloc'd with room for `len` bytes and one more (data[len] is
 * overwritten, as is the content when it is canonicalised in place). The
 * set owns `data` from the call on, whatever it returns: it is freed on
 * failure, or with the set.
 */
int migc_set_add_owned(migc_set *set, const char *filename,
		       const char *display, char *data, size_t len,
		       migc_error *err);

/*
 * Sort the set and refuse duplicate versions, duplicate repeatable names and
 * names that differ only in case. Must be called once, after the last add.
 */
int migc_set_finish(migc_set *set, migc_error *err);

/* Record provenance for the migration at `index` (copies `commit`). */
int migc_set_set_provenance(migc_set *set, size_t index, const char *commit,
			    long long author_time, migc_error *err);

/*
 * Where the set came from: the source commit ("" when unknown) and whether
 * the working tree was dirty (1), clean (0) or unknown (-1). Recorded in the
 * bundle and in every history row.
 */
int migc_set_set_source(migc_set *set, const char *commit, int dirty,
			migc_error *err);
const char *migc_set_source_commit(const migc_set *set);
int migc_set_source_dirty(const migc_set *set);

size_t migc_set_count(const migc_set *set);
const migc_migration *migc_set_get(const migc_set *set, size_t index);

/* Index of the versioned migration with `version`, or -1. */
long migc_set_find_version(const migc_set *set, const char *version);

/*
 * The bundle id: XXH3-128 over every migration's kind, version, name,
 * flags and checksum, in order. 32 hex digits.
 */
void migc_set_bundle_id(const migc_set *set,
			char out[MIGC_CHECKSUM_HEX_LEN + 1]);

void migc_set_free(migc_set *set);

/* ------------------------------------------------------------------ */
/* The bundle: what `migc build` generates. A stable ABI.              */
/* ------------------------------------------------------------------ */

/*
 * Bump MIGC_BUNDLE_ABI whenever the layout below changes (the structs or
 * the records); the runtime refuses a bundle with another ABI number.
 *
 * All SQL of a bundle is one stream, stored as rows of 4096 chars: row i
 * holds bytes [i*4095, (i+1)*4095) of the stream, NUL-terminated (each row
 * is one string literal of at most 4095 bytes, which keeps the generated
 * file ISO C under -pedantic and quick to compile). The stream is every
 * migration's up SQL and then its down SQL, in entry order, with nothing
 * between them: a migration is an offset and a length in the stream, so
 * it may start and end anywhere in a row and span rows, and small
 * migrations share rows instead of padding one each. The rows are kept in
 * chunks of MIGC_BUNDLE_CHUNK_ROWS (the last one shorter), each its own
 * array, and `sql` is the table of chunks: row r is
 * sql[r / MIGC_BUNDLE_CHUNK_ROWS][r % MIGC_BUNDLE_CHUNK_ROWS]. One array of
 * every row made gcc hold the whole 100 MB initializer at once (7.8x the
 * input in peak memory); a chunk table costs one relocation per ~4 MB.
 *
 * Every other string of an entry (version, name, file names, checksums,
 * provenance) is in one string table, kept in rows of 4096 chars as the
 * stream is, and an entry holds its offsets there: byte `off` of the table
 * is strings[off / MIGC_BUNDLE_ROW][off % MIGC_BUNDLE_ROW]. A string never
 * crosses a row's end and is NUL-terminated where it is, so it is usable
 * in place. Offset 0 (MIGC_BUNDLE_NO_STRING) stands for no string (NULL),
 * so a field left out is missing, never "" by accident: the table's first
 * byte is never a string.
 *
 * The entries (ABI 5) are records of MIGC_BUNDLE_RECORD (80) bytes each,
 * kept in rows of 4096 chars as the strings are: MIGC_BUNDLE_ROW_RECORDS
 * (51) records to a row, from the row's first byte, none crossing a row's
 * end (the row's last 16 bytes are unused, zero in a generated bundle).
 * Entry i's record is the 80 bytes from
 * records[i / MIGC_BUNDLE_ROW_RECORDS] + i % MIGC_BUNDLE_ROW_RECORDS * 80,
 * and `record_rows` is exactly as many rows as `count` records take (0
 * when there are none). A record holds no pointers (constant data, no
 * load-time relocation) and, unlike ABI 4's array of structs, does not
 * depend on a compiler's struct layout: every field is an unsigned
 * little-endian integer of a fixed width at a fixed place:
 *
 *   offset  width  field (struct migc_bundle_entry)
 *        0      2  kind               migc_kind
 *        2      2  flags              MIGC_FLAG_*
 *        4      4  version_off        string table offsets (see above)
 *        8      4  name_off
 *       12      4  filename_off
 *       16      4  checksum_off
 *       20      4  added_commit_off
 *       24      4  down_filename_off
 *       28      4  down_checksum_off
 *       32      4  sql_line           at most INT_MAX
 *       36      4  down_line          at most INT_MAX
 *       40      8  added_time         two's complement (signed)
 *       48      8  sql_off            in the SQL stream
 *       56      8  sql_len
 *       64      8  down_off
 *       72      8  down_len
 *
 * Why records in string rows: the 10,000 struct initializers of a 100 MB
 * bundle were a quarter of clang's time compiling it; the same bytes as
 * string literals cost nothing measurable (BENCHMARKS.md, session 6).
 * migc_bundle_record_put() writes a record, migc_bundle_entry_get() reads
 * one back: a program writing or reading a bundle by hand uses those.
 */
#define MIGC_BUNDLE_ABI 5
#define MIGC_BUNDLE_ROW 4096
#define MIGC_BUNDLE_ROW_BYTES (MIGC_BUNDLE_ROW - 1)
#define MIGC_BUNDLE_CHUNK_ROWS 1024
#define MIGC_BUNDLE_NO_STRING 0
#define MIGC_BUNDLE_RECORD 80
#define MIGC_BUNDLE_ROW_RECORDS (MIGC_BUNDLE_ROW_BYTES / MIGC_BUNDLE_RECORD)

/* One entry, as a record says it (the fields are described above). */
struct migc_bundle_entry {
	int kind;             /* migc_kind */
	unsigned flags;       /* MIGC_FLAG_* */
	/* offsets into the string table (see above) */
	uint32_t version_off;  /* "" for repeatable */
	uint32_t name_off;
	uint32_t filename_off;
	uint32_t checksum_off; /* 32 hex digits */
	uint32_t added_commit_off;  /* NO_STRING unless --provenance */
	uint32_t down_filename_off; /* NO_STRING when there is no down SQL */
	uint32_t down_checksum_off; /* 32 hex digits of the down SQL */
	long long added_time;
	size_t sql_off;       /* the SQL: sql_len bytes of the stream from sql_off */
	size_t sql_len;
	size_t down_off;      /* the down SQL in the stream, as for sql_off */
	size_t down_len;
	int sql_line;         /* migc_migration.sql_line */
	int down_line;
};

struct migc_bundle {
	unsigned abi;                 /* MIGC_BUNDLE_ABI */
	const char *compiler_version; /* MIGC_VERSION of the compiler */
	const char *bundle_id;        /* migc_set_bundle_id() of the content */
	const char *source_commit;    /* "" when unknown */
	int source_dirty;             /* 1 dirty, 0 clean, -1 unknown */
	size_t count;                 /* how many entries (records) */
	const char (*records)[MIGC_BUNDLE_ROW]; /* the entries' records (see
					    * above); NULL when count is 0 */
	size_t record_rows;           /* how many rows `records` has */
	int layout;                   /* migc_layout the files were read as */
	const char (*const *sql)[MIGC_BUNDLE_ROW]; /* the SQL stream's chunks
					    * of rows (see above) */
	size_t sql_size;              /* the stream's length in bytes */
	size_t sql_chunks;            /* how many chunks `sql` has (at least 1) */
	const char (*strings)[MIGC_BUNDLE_ROW]; /* the string table's rows */
	size_t string_rows;           /* how many rows it has (at least 1) */
};

/*
 * Write entry `e` as a record into `rec` (MIGC_BUNDLE_RECORD bytes, see
 * above). MIGC_EINVALID, `rec` untouched, when a field does not fit its
 * width (a negative kind or line, flags over 16 bits, ...).
 */
int migc_bundle_record_put(char *rec, const struct migc_bundle_entry *e,
			   migc_error *err);

/*
 * Read entry `index` of `bundle` from its record into *out. MIGC_ECORRUPT,
 * naming the record, when `index` is not below `count`, the record is
 * beyond `record_rows`, or a field cannot be what it says (a line over
 * INT_MAX, an offset over SIZE_MAX). Whether the offsets lie inside the
 * string table and the stream, and the rest, migc_bundle_load() checks.
 */
int migc_bundle_entry_get(struct migc_bundle_entry *out,
			  const struct migc_bundle *bundle, size_t index,
			  migc_error *err);

/*
 * Load a bundle into a set: check its ABI, decode and check every record,
 * re-hash every migration and its bundle id, and refuse (MIGC_ECORRUPT)
 * anything that does not match, a record table shorter or longer than
 * `count` says, or a record that places SQL or strings beyond the
 * bundle's stream or string table (naming the migration, or the record
 * when its file name is what is damaged). The set's SQL is its own (copied out of the rows), but its
 * versions, names, file names and checksums are the bundle's string table,
 * used in place: `bundle` and its tables must stay unchanged until the set
 * is freed. A bundle `migc build` generates is constant data of the
 * program, which always does.
 */
int migc_bundle_load(migc_set **out, const struct migc_bundle *bundle,
		     migc_error *err);

/* ------------------------------------------------------------------ */
/* The runtime: connecting, verifying, applying                        */
/* ------------------------------------------------------------------ */

typedef enum migc_phase {
	MIGC_PHASE_PRE = 1,  /* migrations without `phase post` */
	MIGC_PHASE_POST = 2, /* everything (post-deploy: after the code is live) */
	MIGC_PHASE_ALL = 3
} migc_phase;

/* The state of one migration, as status and verify see it. */
typedef enum migc_state {
	MIGC_STATE_APPLIED = 1,  /* applied, checksum matches */
	MIGC_STATE_PENDING,      /* in the bundle, not applied */
	MIGC_STATE_DRIFTED,      /* applied, checksum differs from the bundle */
	MIGC_STATE_MISSING,      /* applied, not in the bundle, older than its newest */
	MIGC_STATE_FUTURE,       /* applied, newer than anything in the bundle */
	MIGC_STATE_FAILED,       /* left failed by an earlier run */
	MIGC_STATE_RUNNING,      /* left running by an earlier run */
	MIGC_STATE_BASELINE,     /* marked applied by `baseline`, never run */
	MIGC_STATE_OUT_OF_ORDER, /* pending, but older than the newest applied */
	MIGC_STATE_CHANGED,      /* repeatable whose checksum changed: re-applied */
	MIGC_STATE_DEFERRED      /* pending post-phase migration, not run in --phase pre */
} migc_state;

/* Lower-case name of a state ("applied", "out-of-order", ...). */
const char *migc_state_name(migc_state state);

/* What happened, for a caller that reports progress (the CLI prints it). */
typedef enum migc_event_type {
	MIGC_EVENT_START = 1, /* a migration is about to run */
	MIGC_EVENT_DONE,      /* it committed; duration_ms is set */
	MIGC_EVENT_FAILED,    /* it failed; message is set */
	MIGC_EVENT_WARNING,   /* something to tell the user; message is set */
	MIGC_EVENT_INFO,      /* a plain message (waiting for the lock, ...) */
	MIGC_EVENT_ADOPTED    /* adopt recorded the migration (or, in a dry run,
			       * would); message says from where */
} migc_event_type;

typedef struct migc_event {
	migc_event_type type;
	const migc_migration *migration; /* NULL for WARNING/INFO without one */
	long long duration_ms;
	const char *message; /* NULL unless the type says otherwise */
} migc_event;

typedef void (*migc_event_cb)(const migc_event *event, void *ctx);

/* Options shared by every runtime call. Initialise with migc_options_init. */
#define MIGC_OPTIONS_VERSION 1
typedef struct migc_options {
	unsigned version;          /* MIGC_OPTIONS_VERSION */
	const char *history_table; /* default "migc_history"; an identifier */
	int wait_ms;               /* how long to retry connecting (default 5000) */
	int lock_timeout_ms;       /* how long to wait for the lock (default 60000) */
	int busy_timeout_ms;       /* SQLite busy timeout (default 5000) */
	int allow_out_of_order;    /* apply pending versions older than applied ones */
	int strict;                /* refuse future versions instead of warning */
	migc_phase phase;          /* default MIGC_PHASE_PRE for up, ALL elsewhere */
	const char *target;        /* up: stop after this version (NULL: all) */
	const char *applied_by;    /* recorded in history (default: user@host) */
	migc_event_cb on_event;    /* may be NULL */
	void *event_ctx;
	/* PostgreSQL (ignored by SQLite): */
	long db_lock_timeout_ms;   /* SET LOCAL lock_timeout per migration (default 5000; 0 none) */
	long statement_timeout_ms; /* SET LOCAL statement_timeout (default 0: none) */
	int lock_retries;          /* retries of a migration after a lock timeout (default 4) */
	const char *role;          /* SET ROLE for the migrations, or NULL */
	const char *application_name; /* default "migc" */
} migc_options;

/* Fill `opts` with the defaults above. Returns MIGC_EUSAGE on a version
 * this library does not know. */
int migc_options_init(migc_options *opts, unsigned version);

/* A database connection with its driver (SQLite, PostgreSQL). */
typedef struct migc_db migc_db;

/*
 * The options given here also configure the connection itself (busy and
 * lock timeouts, statement timeout, role, application name, the event
 * callback): calls on this `db` use those, whatever options they are given.
 *
 * Connect to `url`: "sqlite:path", "sqlite:///abs/path", "file:path?uri=params"
 * or (with the PostgreSQL driver) "postgres://..." and libpq key=value
 * strings. Retries with backoff for opts->wait_ms. Messages never contain
 * the password.
 */
int migc_db_open(migc_db **out, const char *url, const migc_options *opts,
		 migc_error *err);
void migc_db_free(migc_db *db);

/*
 * Ask whatever `db` is doing (a statement, a lock wait) to stop: the running
 * migration is rolled back (a no-transaction one is marked failed) and the
 * call in progress returns MIGC_EINTR. Async-signal-safe: meant to be called
 * from a SIGTERM/SIGINT handler, as the `migrate` CLI does.
 */
void migc_db_interrupt(migc_db *db);

/*
 * What the running migration's statement is doing, as a short text for a
 * progress line (PostgreSQL index builds: "building index: scanning table,
 * 1234 of 5678 blocks"), or "" when the driver cannot say. Safe to call
 * from another thread while `db` runs a migration (it uses a second
 * connection of its own); not from a signal handler.
 */
int migc_db_progress(migc_db *db, char *out, size_t size, migc_error *err);

/*
 * What to call the database in output: "postgres user@host:5432/app" or
 * the SQLite file's path. Never contains a password. Owned by `db`.
 */
const char *migc_db_label(const migc_db *db);

/* The driver's name: "sqlite" or "postgres". */
const char *migc_db_driver(const migc_db *db);

/*
 * A report: every migration of the bundle and of the history, merged, in
 * order, with its state. Produced by migc_status(); verify and up use the
 * same rules.
 */
typedef struct migc_report migc_report;

typedef struct migc_report_row {
	migc_state state;
	migc_kind kind;
	const char *version;          /* "" for repeatable */
	const char *name;
	const migc_migration *migration; /* NULL when only in the history */
	const char *checksum_applied; /* hex as recorded (tag removed), or NULL */
	const char *applied_at;       /* ISO-8601 UTC, or NULL */
	long long duration_ms;        /* -1 when unknown */
	const char *applied_by;       /* or NULL */
	const char *note;             /* e.g. how it was resolved, or NULL */
} migc_report_row;

int migc_status(migc_report **out, migc_db *db, const migc_set *set,
		const migc_options *opts, migc_error *err);
size_t migc_report_count(const migc_report *report);
const migc_report_row *migc_report_get(const migc_report *report, size_t i);
void migc_report_free(migc_report *report);

/*
 * Check the database against the set without changing anything: drift,
 * missing, out of order (unless allowed), future (under strict), failed or
 * running. Returns the first problem's code; warnings go to on_event.
 */
int migc_verify(migc_db *db, const migc_set *set, const migc_options *opts,
		migc_error *err);

/*
 * Verify, then apply every pending migration of the phase in order, each in
 * its own transaction with its history row, holding the migration lock.
 * `*applied` (may be NULL) receives how many were applied.
 */
int migc_up(migc_db *db, const migc_set *set, const migc_options *opts,
	    size_t *applied, migc_error *err);

/*
 * Mark every versioned migration up to and including `version` as applied
 * (state "baseline") without running it, for adopting an existing database.
 * Refuses when the history already has rows.
 */
int migc_baseline(migc_db *db, const migc_set *set, const char *version,
		  const migc_options *opts, migc_error *err);

/*
 * Roll back applied versioned migrations, newest first, by running their
 * down SQL (another tool's down section or file: goose, dbmate,
 * golang-migrate, sqlx, Flyway undo, diesel), each in its own transaction
 * with its history row marked undone. `to` (may be NULL): roll back every
 * migration newer than that version (it stays applied; "0" rolls back all);
 * otherwise `steps` migrations (0 means 1). Refuses (MIGC_EUSAGE, before
 * changing anything) when one of them has no down SQL, and refuses drifted,
 * missing, failed or running states as verify does. `*undone` (may be NULL)
 * receives how many were rolled back. For development: it drops data.
 */
int migc_down(migc_db *db, const migc_set *set, const char *to, size_t steps,
	      const migc_options *opts, size_t *undone, migc_error *err);

/*
 * Take over the history another tool keeps (`from`: a layout name such as
 * "flyway", "goose"; its default table unless `table` is given): map each
 * version it applied to the set's migration, verify the checksum the tool
 * stored with its own algorithm (Flyway CRC32, sqlx SHA-384, Prisma
 * SHA-256, refinery SipHash), and record migc history rows for them without
 * running anything, in one transaction under the migration lock. Refuses a
 * dirty or failed state, a drifted checksum, or a version the set does not
 * have. The other tool's table is only read. With `dry_run`, nothing is
 * written. Each mapping is reported to opts->on_event (MIGC_EVENT_INFO,
 * with the migration). `*adopted` (may be NULL) receives how many rows
 * were (or would be) recorded.
 */
int migc_adopt(migc_db *db, const migc_set *set, const char *from,
	       const char *table, int dry_run, const migc_options *opts,
	       size_t *adopted, migc_error *err);

/* How a human resolved a failed or running migration. */
typedef enum migc_resolution {
	MIGC_RESOLVE_APPLIED = 1, /* the change is in place: mark it applied */
	MIGC_RESOLVE_PENDING = 2  /* it was undone: run it again next time */
} migc_resolution;

/* Clear the failed/running state of `version` (a repeatable's name works
 * too), recording who resolved it and how. */
int migc_resolve(migc_db *db, const migc_set *set, const char *version,
		 migc_resolution how, const migc_options *opts, migc_error *err);

/*
 * The one-call entry point for applications: load `bundle`, connect to
 * `url`, run `up`, disconnect. `opts` may be NULL for the defaults.
 */
int migc_run(const struct migc_bundle *bundle, const char *url,
	     const migc_options *opts, migc_error *err);

/*
 * The `migrate` command line (up, status, verify, plan, baseline, resolve,
 * info, wait) over an embedded bundle. Returns the process exit code.
 * A release binary's main() is `return migc_cli_main(argc, argv, &b);`.
 */
int migc_cli_main(int argc, char **argv, const struct migc_bundle *bundle);

#ifdef __cplusplus
}
#endif

#endif /* MIGC_H */
