/*
 * checksum.c - the canonical form of a migration file and its checksum, and
 * the content rules every migration must meet.
 *
 * Canonical form (a format users keep for years; pinned by golden vectors in
 * tests/unit/test_model.c):
 *   - a UTF-8 byte order mark (EF BB BF) at the very start is removed;
 *   - every CR LF pair becomes LF (a lone CR stays);
 *   - nothing else changes: trailing whitespace, blank lines, comments and
 *     the final newline (or its absence) are content.
 * Checksum: XXH3-128 of the canonical bytes, written as the canonical
 * (big-endian) 16 bytes in 32 lowercase hex digits, as `xxhsum -H2` does.
 *
 * xxhash is compiled in (XXH_INLINE_ALL), so neither libmigc nor a release
 * binary needs libxxhash at run time.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "model.h"
#include "util.h"

size_t migc_normalize(char *buf, size_t len)
{
	size_t r = 0, w = 0;
	char *cr;

	if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
	    (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
		r = 3;
	/* Move the runs between CR LF pairs; most files have none. */
	while ((cr = memchr(buf + r, '\r', len - r)) != NULL) {
		size_t at = (size_t)(cr - buf);

		if (at + 1 < len && buf[at + 1] == '\n') {
			memmove(buf + w, buf + r, at - r);
			w += at - r;
			r = at + 1; /* the LF starts the next run */
		} else {
			memmove(buf + w, buf + r, at + 1 - r);
			w += at + 1 - r;
			r = at + 1;
		}
	}
	if (w != r)
		memmove(buf + w, buf + r, len - r);
	return w + (len - r);
}

#if !(defined(__SSE2__) && defined(__GNUC__))
/* "00" "01" ... "ff": two digits per byte in one copy (a start writes one
 * for every migration of the bundle, and one per digit was 6 % of it). */
static const char hex_pairs[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
#endif

static void hex128(char out[MIGC_CHECKSUM_HEX_LEN + 1], XXH128_hash_t h)
{
	XXH128_canonical_t c;
#if defined(__SSE2__) && defined(__GNUC__)
	/* All 32 digits at once (a start writes one checksum per migration
	 * and compares it: the pairs' 16 copies were ~150 instructions of
	 * each): split each byte into its nibbles, interleave them high
	 * first, and add '0', or 'a' - 10 to those above 9. */
	__m128i v, lo, hi, nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'),
			   gap = _mm_set1_epi8('a' - '0' - 10), low4 = _mm_set1_epi8(0x0f);
	__m128i d[2];
	int i;

	XXH128_canonicalFromHash(&c, h);
	v = _mm_loadu_si128((const __m128i *)(const void *)c.digest);
	hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4);
	lo = _mm_and_si128(v, low4);
	d[0] = _mm_unpacklo_epi8(hi, lo);
	d[1] = _mm_unpackhi_epi8(hi, lo);
	for (i = 0; i < 2; i++) {
		__m128i above = _mm_and_si128(_mm_cmpgt_epi8(d[i], nine), gap);

		_mm_storeu_si128((__m128i *)(void *)(out + 16 * i),
				 _mm_add_epi8(_mm_add_epi8(d[i], zero), above));
	}
#else
	int i;

	XXH128_canonicalFromHash(&c, h);
	for (i = 0; i < 16; i++)
		memcpy(out + 2 * i, hex_pairs + 2 * c.digest[i], 2);
#endif
	out[MIGC_CHECKSUM_HEX_LEN] = '\0';
}

void migc_checksum(char out[MIGC_CHECKSUM_HEX_LEN + 1], const void *data,
		   size_t len)
{
	hex128(out, XXH3_128bits(data, len));
}

void migc_checksum_rows(char out[MIGC_CHECKSUM_HEX_LEN + 1],
			const char (*const *chunks)[MIGC_BUNDLE_ROW], size_t start,
			size_t len)
{
	XXH3_state_t st; /* on the stack: 10,000 of these per start */
	size_t r = start / MIGC_BUNDLE_ROW_BYTES, col = start % MIGC_BUNDLE_ROW_BYTES;

	if (len <= MIGC_BUNDLE_ROW_BYTES - col) { /* one piece: the one-shot hash */
		migc_checksum(out, migc_stream_row(chunks, r) + col, len);
		return;
	}
	XXH3_128bits_reset(&st);
	while (len) {
		size_t n = len < MIGC_BUNDLE_ROW_BYTES - col ? len
							     : MIGC_BUNDLE_ROW_BYTES - col;

		XXH3_128bits_update(&st, migc_stream_row(chunks, r) + col, n);
		len -= n;
		r++;
		col = 0;
	}
	hex128(out, XXH3_128bits_digest(&st));
}

struct migc_hash {
	XXH3_state_t *state;
};

migc_hash *migc_hash_new(void)
{
	migc_hash *h = malloc(sizeof(*h));

	if (!h)
		return NULL;
	h->state = XXH3_createState();
	if (!h->state) {
		free(h);
		return NULL;
	}
	XXH3_128bits_reset(h->state);
	return h;
}

void migc_hash_update(migc_hash *h, const void *data, size_t len)
{
	XXH3_128bits_update(h->state, data, len);
}

void migc_hash_final(migc_hash *h, char out[MIGC_CHECKSUM_HEX_LEN + 1])
{
	hex128(out, XXH3_128bits_digest(h->state));
	XXH3_freeState(h->state);
	free(h);
}

int migc_line_of(const char *data, size_t off)
{
	int line = 1;
	const char *p = data, *end = data + off;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

/*
 * Length of the UTF-8 sequence at s[0..n), or 0 when it is not valid
 * (overlong forms, surrogates and code points past U+10FFFF are invalid).
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

static int content_fail(migc_error *err, const char *file, const char *data,
			size_t off, const char *why, const char *hint)
{
	int line = migc_line_of(data, off);

	migc_err(err, MIGC_EINVALID, "%s:%d: %s", file, line, why);
	migc_err_where(err, file, line);
	if (hint)
		migc_err_hint(err, "%s", hint);
	return MIGC_EINVALID;
}

/* Bytes of a 64-bit word: all ASCII and none of them NUL. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static int ascii_no_nul(uint64_t w)
{
	return !(w & HIGHS) && !((w - ONES) & ~w & HIGHS);
}

/*
 * For a word that is not ascii_no_nul(): how many of its leading bytes (in
 * memory order) are plain ASCII and not NUL, so the byte loop can start at
 * the first one that is not. The high bit of the lowest flagged byte is
 * exact (a borrow only runs upward from a zero byte); 0 where the byte
 * order is not known to be little-endian.
 */
static size_t plain_prefix(uint64_t w)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t m = (w & HIGHS) | ((w - ONES) & ~w & HIGHS);

	return (size_t)__builtin_ctzll(m) / 8;
#else
	(void)w;
	return 0;
#endif
}

/*
 * Where the run of plain ASCII bytes (not NUL) from s[i] ends, or about:
 * the byte loop of migc_content_check() takes over from there. 16 bytes
 * at a time with SSE2 (a byte's high bit set, or NUL), then 8 at a time.
 */
static size_t plain_end(const unsigned char *s, size_t i, size_t len)
{
	uint64_t w;

#if defined(__SSE2__) && defined(__GNUC__)
	while (len - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(v, _mm_cmpeq_epi8(v, _mm_setzero_si128())));

		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (len - i >= 8) {
		memcpy(&w, s + i, 8);
		if (!ascii_no_nul(w))
			return i + plain_prefix(w);
		i += 8;
	}
	return i;
}

int migc_content_check(const char *file, const char *data, size_t len,
		       migc_error *err)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;
	int blank = 1;

	while (i < len) {
		size_t n;

		/* Past the first non-blank byte only NUL and UTF-8 matter:
		 * skip plain ASCII bytes in runs. */
		if (!blank) {
			i = plain_end(s, i, len);
			if (i >= len)
				break;
		}
		if (s[i] == 0)
			return content_fail(err, file, data, i,
					    "NUL byte in a migration file",
					    "migrations are text; is this a binary file?");
		if (s[i] < 0x80) {
			if (blank && !strchr(" \t\r\n\f\v", s[i]))
				blank = 0;
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (!n)
			return content_fail(err, file, data, i,
					    "invalid UTF-8",
					    "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)");
		blank = 0;
		i += n;
	}
	if (blank) {
		migc_err(err, MIGC_EINVALID, "%s: empty migration file", file);
		migc_err_where(err, file, 0);
		migc_err_hint(err, "write the migration's SQL, or delete the file");
		return MIGC_EINVALID;
	}
	return 0;
}
