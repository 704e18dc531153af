/*
 * sha2.c - SHA-256 and SHA-384 (FIPS 180-4) in plain C11, for the checksums
 * Prisma (SHA-256) and sqlx (SHA-384) store in their history tables; see
 * foreign_sum.h. The runtime links no crypto library, and these are used to
 * detect drift, not for security, so there is no constant-time care.
 *
 * Both follow the standard's structure directly: a context buffers a
 * partial block, full blocks go through the compression function, and the
 * final block is padded with 0x80, zeros and the message length in bits
 * (64 bits for SHA-256, 128 for SHA-384/512) in big-endian order. Pinned by
 * the vectors in tests/unit/test_foreign_sum.c (python3 hashlib).
 */
#include <string.h>

#include "foreign_sum.h"

/* ---- SHA-256 ------------------------------------------------------------- */

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void sha256_block(uint32_t h[8], const unsigned char *block)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		uint32_t s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + s1 + ch + k256[i] + w[i];
		uint32_t s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = s0 + maj;

		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void migc_sha256_init(migc_sha256_ctx *ctx)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(ctx->h, iv, sizeof iv);
	ctx->len = 0;
	ctx->fill = 0;
}

void migc_sha256_update(migc_sha256_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;

	ctx->len += len;
	if (ctx->fill > 0) {
		size_t take = sizeof ctx->buf - ctx->fill;

		if (take > len)
			take = len;
		memcpy(ctx->buf + ctx->fill, p, take);
		ctx->fill += take;
		p += take;
		len -= take;
		if (ctx->fill < sizeof ctx->buf)
			return;
		sha256_block(ctx->h, ctx->buf);
		ctx->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(ctx->h, p);
	if (len > 0) {
		memcpy(ctx->buf, p, len);
		ctx->fill = len;
	}
}

void migc_sha256_final(migc_sha256_ctx *ctx, unsigned char out[32])
{
	uint64_t bits = ctx->len * 8;
	int i;

	ctx->buf[ctx->fill++] = 0x80;
	if (ctx->fill > 56) {
		memset(ctx->buf + ctx->fill, 0, 64 - ctx->fill);
		sha256_block(ctx->h, ctx->buf);
		ctx->fill = 0;
	}
	memset(ctx->buf + ctx->fill, 0, 56 - ctx->fill);
	store_be32(ctx->buf + 56, (uint32_t)(bits >> 32));
	store_be32(ctx->buf + 60, (uint32_t)bits);
	sha256_block(ctx->h, ctx->buf);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->h[i]);
}

void migc_sha256(unsigned char out[32], const void *data, size_t len)
{
	migc_sha256_ctx ctx;

	migc_sha256_init(&ctx);
	migc_sha256_update(&ctx, data, len);
	migc_sha256_final(&ctx, out);
}

void migc_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char d[32];

	migc_sha256(d, data, len);
	migc_hex_encode(out, d, sizeof d);
}

/* ---- SHA-384 (the SHA-512 compression function) ------------------------- */

static const uint64_t k512[80] = {
	0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f,
	0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019,
	0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242,
	0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
	0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
	0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3,
	0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275,
	0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
	0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f,
	0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
	0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc,
	0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
	0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6,
	0x92722c851482353b, 0xa2bfe8a14cf10364, 0xa81a664bbc423001,
	0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
	0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
	0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99,
	0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb,
	0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc,
	0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
	0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915,
	0xc67178f2e372532b, 0xca273eceea26619c, 0xd186b8c721c0c207,
	0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba,
	0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
	0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
	0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a,
	0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

static uint64_t ror64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static uint64_t load_be64(const unsigned char *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static void store_be64(unsigned char *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

static void sha512_block(uint64_t h[8], const unsigned char *block)
{
	uint64_t w[80], a, b, c, d, e, f, g, hh;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be64(block + 8 * i);
	for (i = 16; i < 80; i++) {
		uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^
			      (w[i - 15] >> 7);
		uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^
			      (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 80; i++) {
		uint64_t s1 = ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41);
		uint64_t ch = (e & f) ^ (~e & g);
		uint64_t t1 = hh + s1 + ch + k512[i] + w[i];
		uint64_t s0 = ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39);
		uint64_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint64_t t2 = s0 + maj;

		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void migc_sha384_init(migc_sha384_ctx *ctx)
{
	static const uint64_t iv[8] = {
		0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17,
		0x152fecd8f70e5939, 0x67332667ffc00b31, 0x8eb44a8768581511,
		0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
	};

	memcpy(ctx->h, iv, sizeof iv);
	ctx->len = 0;
	ctx->fill = 0;
}

void migc_sha384_update(migc_sha384_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;

	ctx->len += len;
	if (ctx->fill > 0) {
		size_t take = sizeof ctx->buf - ctx->fill;

		if (take > len)
			take = len;
		memcpy(ctx->buf + ctx->fill, p, take);
		ctx->fill += take;
		p += take;
		len -= take;
		if (ctx->fill < sizeof ctx->buf)
			return;
		sha512_block(ctx->h, ctx->buf);
		ctx->fill = 0;
	}
	for (; len >= 128; p += 128, len -= 128)
		sha512_block(ctx->h, p);
	if (len > 0) {
		memcpy(ctx->buf, p, len);
		ctx->fill = len;
	}
}

void migc_sha384_final(migc_sha384_ctx *ctx, unsigned char out[48])
{
	int i;

	ctx->buf[ctx->fill++] = 0x80;
	if (ctx->fill > 112) {
		memset(ctx->buf + ctx->fill, 0, 128 - ctx->fill);
		sha512_block(ctx->h, ctx->buf);
		ctx->fill = 0;
	}
	memset(ctx->buf + ctx->fill, 0, 112 - ctx->fill);
	/* The 128-bit big-endian bit count: len * 8, its top bits from len. */
	store_be64(ctx->buf + 112, ctx->len >> 61);
	store_be64(ctx->buf + 120, ctx->len << 3);
	sha512_block(ctx->h, ctx->buf);
	for (i = 0; i < 6; i++)
		store_be64(out + 8 * i, ctx->h[i]);
}

void migc_sha384(unsigned char out[48], const void *data, size_t len)
{
	migc_sha384_ctx ctx;

	migc_sha384_init(&ctx);
	migc_sha384_update(&ctx, data, len);
	migc_sha384_final(&ctx, out);
}

void migc_sha384_hex(char out[97], const void *data, size_t len)
{
	unsigned char d[48];

	migc_sha384(d, data, len);
	migc_hex_encode(out, d, sizeof d);
}
