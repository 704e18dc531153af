/*
 * foreign_sum.c - the checksums Flyway, Prisma, sqlx and refinery store in
 * their history tables, so `migrate adopt --from TOOL` can verify what
 * another tool recorded against the content migc embeds. What each tool
 * hashes, and where that was read in its source, is in foreign_sum.h; this
 * file holds the primitives that are not SHA-2 (CRC-32, SipHash-1-3) and
 * the per-tool framing around them: which bytes go in, in which order.
 *
 * Everything streams over the caller's buffer: no allocation, no state
 * outside the caller's stack, so a verify loop over thousands of rows costs
 * one pass per row and cannot fail.
 */
#include <string.h>

#include "foreign_sum.h"

void migc_hex_encode(char *out, const unsigned char *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- CRC-32 -------------------------------------------------------------- */

/*
 * Half a byte at a time: crc_nibble[i] is the effect of shifting the 4 low
 * bits i out through the reflected polynomial 0xEDB88320. Sixteen words
 * instead of zlib's 256, at two lookups per byte - fast enough for
 * migration files, and small enough to check by eye against the polynomial.
 */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t migc_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

/* A Java `(int) crc32.getValue()`: the low 32 bits as two's complement. */
static int32_t java_int(uint32_t v)
{
	return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) + INT32_MIN;
}

/* ---- Flyway -------------------------------------------------------------- */

int32_t migc_flyway_checksum(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0, start;
	uint32_t crc = 0;

	/* BomFilter: one U+FEFF at the start of the first line. */
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	/* readLine(): every CR and LF belongs to a terminator; the lines
	 * between them go to the CRC back to back. */
	for (start = i; i < len; i++) {
		if (p[i] != '\r' && p[i] != '\n')
			continue;
		crc = migc_crc32(crc, p + start, i - start);
		start = i + 1;
	}
	crc = migc_crc32(crc, p + start, len - start);
	return java_int(crc);
}

int32_t migc_flyway3_checksum(const void *data, size_t len)
{
	return java_int(migc_crc32(0, data, len));
}

/* ---- Prisma -------------------------------------------------------------- */

void migc_prisma_checksum(char out[65], const void *script, size_t len)
{
	migc_sha256_hex(out, script, len);
}

/* SHA-256 of p[0..len) with every "\r\n" replaced by "\n". */
static void sha256_crlf_to_lf(unsigned char out[32], const unsigned char *p,
			      size_t len)
{
	migc_sha256_ctx ctx;
	size_t i, start = 0;

	migc_sha256_init(&ctx);
	for (i = 0; i + 1 < len; i++) {
		if (p[i] == '\r' && p[i + 1] == '\n') {
			migc_sha256_update(&ctx, p + start, i - start);
			start = i + 1; /* keep the '\n' */
		}
	}
	migc_sha256_update(&ctx, p + start, len - start);
	migc_sha256_final(&ctx, out);
}

/* SHA-256 of p[0..len) with every "\n" replaced by "\r\n". */
static void sha256_lf_to_crlf(unsigned char out[32], const unsigned char *p,
			      size_t len)
{
	migc_sha256_ctx ctx;
	size_t i, start = 0;

	migc_sha256_init(&ctx);
	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			migc_sha256_update(&ctx, p + start, i - start);
			migc_sha256_update(&ctx, "\r", 1);
			start = i; /* the '\n' goes with the next run */
		}
	}
	migc_sha256_update(&ctx, p + start, len - start);
	migc_sha256_final(&ctx, out);
}

/*
 * Compare a digest with a stored checksum the way Prisma does: the padded
 * form normally, the unpadded one ("{:x}" per byte, prisma-engines#1887)
 * when the stored text is not empty and not 64 characters long.
 */
static int prisma_digest_is(const unsigned char d[32], const char *stored)
{
	static const char digits[] = "0123456789abcdef";
	char text[65];
	size_t i, n = 0, slen = strlen(stored);

	if (slen == 0 || slen == 64) {
		migc_hex_encode(text, d, 32);
		return strcmp(text, stored) == 0;
	}
	for (i = 0; i < 32; i++) {
		if (d[i] >> 4)
			text[n++] = digits[d[i] >> 4];
		text[n++] = digits[d[i] & 15];
	}
	text[n] = '\0';
	return strcmp(text, stored) == 0;
}

int migc_prisma_checksum_matches(const char *stored, const void *script,
				 size_t len)
{
	unsigned char d[32];

	if (!stored)
		return 0;
	migc_sha256(d, script, len);
	if (prisma_digest_is(d, stored))
		return 1;
	sha256_crlf_to_lf(d, script, len);
	if (prisma_digest_is(d, stored))
		return 1;
	sha256_lf_to_crlf(d, script, len);
	return prisma_digest_is(d, stored);
}

/* ---- sqlx ---------------------------------------------------------------- */

void migc_sqlx_checksum(unsigned char out[48], const void *sql, size_t len)
{
	migc_sha384(out, sql, len);
}

/*
 * The UTF-8 sequence at p[0..len): its length, and its scalar value in *cp.
 * A byte that does not start a valid sequence (stray continuation, overlong
 * form, surrogate, beyond U+10FFFF, cut short) is a sequence of 1 with
 * *cp = UINT32_MAX, which matches no ignored character.
 */
static size_t utf8_next(const unsigned char *p, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t v, min;

	*cp = UINT32_MAX;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, v = p[0] & 0x1F, min = 0x80;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, v = p[0] & 0x0F, min = 0x800;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, v = p[0] & 0x07, min = 0x10000;
	else
		return 1;
	if (n > len)
		return 1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 1;
		v = v << 6 | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 1;
	*cp = v;
	return n;
}

static int is_ignored(uint32_t cp, const uint32_t *ignored, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ignored[i] == cp)
			return 1;
	return 0;
}

void migc_sqlx_checksum_ignoring(unsigned char out[48], const void *sql,
				 size_t len, const uint32_t *ignored,
				 size_t n)
{
	const unsigned char *p = sql;
	migc_sha384_ctx ctx;
	size_t i = 0, start = 0;

	if (n == 0 || !ignored) {
		migc_sha384(out, sql, len);
		return;
	}
	migc_sha384_init(&ctx);
	while (i < len) {
		uint32_t cp;
		size_t k = utf8_next(p + i, len - i, &cp);

		if (is_ignored(cp, ignored, n)) {
			migc_sha384_update(&ctx, p + start, i - start);
			start = i + k;
		}
		i += k;
	}
	migc_sha384_update(&ctx, p + start, len - start);
	migc_sha384_final(&ctx, out);
}

/* ---- SipHash-1-3 --------------------------------------------------------- */

/*
 * A streaming SipHash-1-3 state. Like Rust's Hasher, successive writes form
 * one message: the length in the final block counts every byte written.
 */
typedef struct sip13 {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;  /* bytes not yet compressed, little-endian */
	unsigned ntail; /* how many (0..7) */
	uint64_t len;   /* bytes written in all */
} sip13;

static uint64_t rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void sip_round(sip13 *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

static void sip_compress(sip13 *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s); /* c = 1 */
	s->v0 ^= m;
}

static void sip_init(sip13 *s, uint64_t k0, uint64_t k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575;
	s->v1 = k1 ^ 0x646f72616e646f6d;
	s->v2 = k0 ^ 0x6c7967656e657261;
	s->v3 = k1 ^ 0x7465646279746573;
	s->tail = 0;
	s->ntail = 0;
	s->len = 0;
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sip_write(sip13 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	while (len > 0 && s->ntail > 0) {
		s->tail |= (uint64_t)*p++ << (8 * s->ntail);
		len--;
		if (++s->ntail == 8) {
			sip_compress(s, s->tail);
			s->tail = 0;
			s->ntail = 0;
		}
	}
	for (; len >= 8; p += 8, len -= 8)
		sip_compress(s, load_le64(p));
	for (; len > 0; len--, p++)
		s->tail |= (uint64_t)*p << (8 * s->ntail++);
}

static uint64_t sip_finish(sip13 *s)
{
	uint64_t b = (s->len & 0xff) << 56 | s->tail;

	sip_compress(s, b);
	s->v2 ^= 0xff;
	sip_round(s); /* d = 3 */
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t migc_siphash13(uint64_t k0, uint64_t k1, const void *data,
			size_t len)
{
	sip13 s;

	sip_init(&s, k0, k1);
	sip_write(&s, data, len);
	return sip_finish(&s);
}

/* ---- refinery ------------------------------------------------------------ */

/* Rust's `impl Hash for str`: the bytes, then 0xFF (Hasher::write_str). */
static void sip_write_str(sip13 *s, const char *str, size_t len)
{
	static const unsigned char ff = 0xff;

	sip_write(s, str, len);
	sip_write(s, &ff, 1);
}

/* The first `n` bytes of v in little-endian order (Hasher::write_i32/i64 on
 * a little-endian machine). */
static void sip_write_le(sip13 *s, uint64_t v, size_t n)
{
	unsigned char b[8];
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	sip_write(s, b, n);
}

static uint64_t refinery_sum(const char *name, uint64_t version, size_t width,
			     const char *sql, size_t len)
{
	sip13 s;

	sip_init(&s, 0, 0);
	sip_write_str(&s, name ? name : "", name ? strlen(name) : 0);
	sip_write_le(&s, version, width);
	sip_write_str(&s, sql ? sql : "", sql ? len : 0);
	return sip_finish(&s);
}

uint64_t migc_refinery_checksum(const char *name, int32_t version,
				const char *sql, size_t len)
{
	return refinery_sum(name, (uint64_t)(uint32_t)version, 4, sql, len);
}

uint64_t migc_refinery_checksum_i64(const char *name, int64_t version,
				    const char *sql, size_t len)
{
	return refinery_sum(name, (uint64_t)version, 8, sql, len);
}
