/*
 * foreign_sum.h - the checksums other migration tools store in their history
 * tables, computed exactly as those tools compute them.
 *
 * `migrate adopt --from TOOL` takes over another tool's history table. Rows
 * the other tool wrote carry its checksum of the file it ran; comparing that
 * with the same checksum of the content migc embeds catches drift that
 * happened before the switch. So each function here reproduces one tool's
 * algorithm byte for byte, including what that tool does to line endings and
 * byte order marks - nothing more, nothing less: "fixing" an oddity of the
 * tool would make a file that did not change look drifted.
 *
 * All functions are pure (no allocation, no global state) and hash exactly
 * the bytes they are given. Which bytes to give is the caller's concern and
 * differs per tool: Flyway ignores line endings and a leading BOM, Prisma
 * tolerates CRLF/LF conversion, sqlx and refinery hash the file byte for
 * byte, so for those the file as it was on disk (BOM and CR LF included) is
 * what must be passed, not a normalised form of it.
 *
 * The hash primitives (CRC-32, SHA-256, SHA-384, SipHash-1-3) are written
 * here in plain C11 because the runtime links no crypto library; they are
 * checksums for drift detection, not for security (no constant-time care).
 * SHA-2 lives in sha2.c, the rest in foreign_sum.c.
 *
 * Internal to libmigc; not installed.
 */
#ifndef MIGC_FOREIGN_SUM_H
#define MIGC_FOREIGN_SUM_H

#include <stddef.h>
#include <stdint.h>

/* ---- primitives ---------------------------------------------------------- */

/*
 * CRC-32 as in ISO-HDLC / IEEE 802.3 (reflected polynomial 0xEDB88320,
 * initial value and final xor 0xFFFFFFFF), the one zlib's crc32() and
 * java.util.zip.CRC32 compute. Incremental like zlib: start with crc = 0 and
 * feed the result back in: migc_crc32(migc_crc32(0, a, n), b, m) equals the
 * CRC of a followed by b.
 */
uint32_t migc_crc32(uint32_t crc, const void *data, size_t len);

/* SHA-256 (FIPS 180-4), streaming. */
typedef struct migc_sha256_ctx {
	uint32_t h[8];
	uint64_t len;            /* bytes hashed so far */
	unsigned char buf[64];   /* a partial block */
	size_t fill;             /* bytes in buf */
} migc_sha256_ctx;

void migc_sha256_init(migc_sha256_ctx *ctx);
void migc_sha256_update(migc_sha256_ctx *ctx, const void *data, size_t len);
/* Write the digest; the context must be initialised again before reuse. */
void migc_sha256_final(migc_sha256_ctx *ctx, unsigned char out[32]);

/* One shot: the 32-byte digest, or 64 lowercase hex digits and a NUL. */
void migc_sha256(unsigned char out[32], const void *data, size_t len);
void migc_sha256_hex(char out[65], const void *data, size_t len);

/*
 * SHA-384 (FIPS 180-4): SHA-512's compression with its own initial values,
 * the digest truncated to 48 bytes. Streaming, like SHA-256.
 */
typedef struct migc_sha384_ctx {
	uint64_t h[8];
	uint64_t len;            /* bytes hashed so far (files are < 2^61 bytes) */
	unsigned char buf[128];
	size_t fill;
} migc_sha384_ctx;

void migc_sha384_init(migc_sha384_ctx *ctx);
void migc_sha384_update(migc_sha384_ctx *ctx, const void *data, size_t len);
void migc_sha384_final(migc_sha384_ctx *ctx, unsigned char out[48]);

void migc_sha384(unsigned char out[48], const void *data, size_t len);
/* 96 lowercase hex digits and a NUL. */
void migc_sha384_hex(char out[97], const void *data, size_t len);

/*
 * SipHash-1-3 (Aumasson & Bernstein's SipHash with 1 compression round and
 * 3 finalisation rounds) of data under the 128-bit key (k0, k1), the
 * variant Rust's std DefaultHasher and the siphasher crate's SipHasher13 use
 * (SipHasher13::new_with_keys(k0, k1); new() is keys 0, 0). Output as Rust's
 * Hasher::finish() returns it.
 */
uint64_t migc_siphash13(uint64_t k0, uint64_t k1, const void *data,
			size_t len);

/* `n` bytes as 2n lowercase hex digits and a NUL (out holds 2n + 1). */
void migc_hex_encode(char *out, const unsigned char *bytes, size_t n);

/* ---- Flyway ------------------------------------------------------------- */

/*
 * Flyway's `checksum` column (INTEGER) for an SQL migration, as computed by
 * Flyway 4.0 and later (read up to the 10.x source, 2024).
 *
 * Flyway decodes the script (flyway.encoding, UTF-8 by default), reads it
 * with BufferedReader.readLine() - so "\n", "\r\n" and a lone "\r" all end a
 * line and are dropped - removes a U+FEFF byte order mark from the start of
 * the first line only, and feeds each line's UTF-8 bytes to one
 * java.util.zip.CRC32; the result is cast to a Java int (signed 32 bits).
 * Since every CR and LF is part of some terminator and a UTF-8 multi-byte
 * sequence never contains 0x0A or 0x0D, that is: CRC-32 of the bytes with a
 * leading EF BB BF removed and every 0x0D and 0x0A byte left out. Changing
 * line endings or adding blank lines leaves it unchanged; any other change,
 * whitespace within a line included, changes it.
 *
 * `data` must be the script as UTF-8 (transcode first if Flyway read it in
 * another encoding: it hashes the UTF-8 re-encoding of what it decoded).
 * Flyway 6+ refuses a file that is not valid in its encoding, so no stored
 * checksum exists for invalid UTF-8; here such bytes are hashed as they are.
 * Placeholders play no part: the checksum is over the unreplaced script.
 *
 * Verified against flyway/flyway: ChecksumCalculator.java
 * (flyway-core/.../internal/resolver/, 6.x-10.x, which calls
 * BomFilter.FilterBomFromString on the first line), LoadableResource
 * .calculateChecksum() (flyway-core/.../api/resource/, later releases, same
 * loop), the 5.1-5.2 LoadableResource.checksum() (own LineReader,
 * StringUtils.trimLineBreak), and the 4.0-5.0 SqlMigrationResolver
 * .calculateChecksum(resource, str) over a string from
 * FileCopyUtils.copyToString, which strips a leading U+FEFF. Upgrading to 4.0
 * recomputed existing rows (flyway/flyway#1117, #253, #1377).
 */
int32_t migc_flyway_checksum(const char *data, size_t len);

/*
 * The checksum Flyway 1.x-3.x stored: CRC-32 of the raw file bytes (BOM and
 * line endings included), cast to a Java int (SqlMigrationResolver:
 * calculateChecksum(resource.loadAsBytes())). Only a history table that was
 * never touched by Flyway 4.0+ (`schema_version` in the 3.x layout) still
 * holds these.
 */
int32_t migc_flyway3_checksum(const void *data, size_t len);

/* ---- Prisma ------------------------------------------------------------- */

/*
 * The `checksum` Prisma Migrate writes to _prisma_migrations: SHA-256 of
 * migration.sql, 64 lowercase hex digits. The bytes are the file's own -
 * Prisma neither strips a BOM nor converts line endings when it computes it
 * (prisma-engines schema-engine/connectors/schema-connector/src/checksum.rs,
 * render_checksum/compute_checksum; the file is read as UTF-8 text, by
 * std::fs::read_to_string in older engines and by the CLI's
 * fs.readFile(..., 'utf-8') in packages/migrate/src/utils/listMigrations.ts
 * in newer ones, neither of which removes U+FEFF).
 */
void migc_prisma_checksum(char out[65], const void *script, size_t len);

/*
 * Whether `stored` (a _prisma_migrations.checksum) matches the script the
 * way current Prisma decides it (script_matches_checksum in the same file):
 *   - the SHA-256 of the script as is, of the script with every "\r\n"
 *     replaced by "\n", or of the script with every "\n" replaced by "\r\n"
 *     (an existing "\r\n" becoming "\r\r\n", as Rust's str::replace does),
 *     may match;
 *   - rows written before prisma-engines#1887 was fixed hold the digest
 *     without zero padding ("{:x}" per byte): when `stored` is not empty and
 *     not 64 characters long it is compared with that form instead.
 * The comparison is exact (lowercase hex). 1 when it matches, 0 when not.
 */
int migc_prisma_checksum_matches(const char *stored, const void *script,
				 size_t len);

/* ---- sqlx --------------------------------------------------------------- */

/*
 * The `checksum` (BYTEA / BLOB, 48 bytes) sqlx writes to _sqlx_migrations:
 * SHA-384 of the whole migration file as read by fs::read_to_string - a
 * leading BOM, CR LF line endings and a `-- no-transaction` first line are
 * all hashed (sqlx-core/src/migrate/migration.rs `checksum`,
 * source.rs `resolve_blocking_with_config`; the `migrate!` macro resolves
 * the same way). For a reversible pair, the `.up.sql` file.
 */
void migc_sqlx_checksum(unsigned char out[48], const void *sql, size_t len);

/*
 * The same when the project configured `[migrate] ignored-chars` in
 * sqlx.toml (ResolveConfig::ignore_chars, sqlx 0.9): SHA-384 of the text
 * with every occurrence of those Unicode scalar values removed
 * (checksum_with -> checksum_fragments over sql.split(ignored)). `ignored`
 * holds `n` code points (e.g. ' ', '\t', '\r', '\n', 0xFEFF); with n == 0
 * this is migc_sqlx_checksum. Bytes that are not valid UTF-8 are never
 * ignored (sqlx would not have read such a file).
 */
void migc_sqlx_checksum_ignoring(unsigned char out[48], const void *sql,
				 size_t len, const uint32_t *ignored,
				 size_t n);

/* ---- refinery ----------------------------------------------------------- */

/*
 * The `checksum` refinery writes to refinery_schema_history, as a number:
 * the stored text is this value in decimal (u64::to_string, "%" PRIu64).
 *
 * refinery_core (migration.rs Migration::unapplied; runner.rs in older
 * releases) hashes with siphasher's SipHasher13::new() - keys 0, 0, the same
 * function std's DefaultHasher used before refinery pinned it:
 *     name.hash(&mut h); version.hash(&mut h); sql.hash(&mut h); h.finish()
 * Rust's Hash writes a str as its bytes followed by the byte 0xFF and an
 * integer as its native-endian bytes, so the hashed stream is
 *     name, 0xFF, version (4 bytes, little-endian), sql, 0xFF.
 * `name` is the part of the file stem after "__" (V3__add_users.sql ->
 * "add_users"), `version` the number after the V/U prefix as an i32 (the
 * default SchemaVersion), and `sql` the whole file as read by
 * read_to_string / include_str! (BOM and CR LF included, a
 * `-- refinery:noTransaction` line included).
 *
 * Native-endian means refinery itself gets a different value on a
 * big-endian machine; this function gives the little-endian one (x86-64,
 * AArch64), which is what any real table holds.
 */
uint64_t migc_refinery_checksum(const char *name, int32_t version,
				const char *sql, size_t len);

/*
 * The same for refinery built with the `int8-versions` feature, where
 * SchemaVersion is i64 and the version contributes 8 bytes (the table's
 * version column is then int8/BIGINT).
 */
uint64_t migc_refinery_checksum_i64(const char *name, int64_t version,
				    const char *sql, size_t len);

#endif
