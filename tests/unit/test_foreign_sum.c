/*
 * test_foreign_sum.c - the checksums other tools keep in their history
 * tables (runtime/foreign_sum.h): Flyway's CRC-32 over lines, Prisma's
 * SHA-256, sqlx's SHA-384, refinery's SipHash-1-3, and the primitives under
 * them. `migrate adopt` compares these with what Flyway, Prisma, sqlx and
 * refinery wrote years ago; a wrong bit here makes every adopted row look
 * drifted (or hides real drift), so every vector comes from outside migc:
 *
 *   - SHA-256, SHA-384, CRC-32: python3 hashlib.sha256/sha384 and
 *     zlib.crc32 (FIPS 180-4 "abc" and two-block messages among them);
 *   - Flyway: a Java program running Flyway's own loop (BufferedReader over
 *     Channels.newReader(..., UTF_8.newDecoder(), 4096), readLine, the
 *     BomFilter test, java.util.zip.CRC32, (int) getValue()) on each input,
 *     cross-checked by a python3 re-implementation (re.split on \r\n|\r|\n,
 *     U+FEFF stripped from line 1, zlib.crc32 chained) - both agreed;
 *   - Prisma and sqlx: python3 hashlib over the inputs and their CRLF/LF/
 *     stripped variants;
 *   - refinery and SipHash-1-3: a Rust program (rustc 1.95, std only)
 *     hashing `String::from(name)`, the i32 (or i64) version and the `&str`
 *     SQL with std::hash::DefaultHasher::new() - SipHash-1-3 with keys 0, 0,
 *     what refinery's SipHasher13::new() is - exactly as refinery_core's
 *     Migration::unapplied does; raw vectors via DefaultHasher::write. The
 *     one keyed vector comes from a python3 SipHash-1-3 that reproduced all
 *     the Rust zero-key vectors first.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "foreign_sum.h"
#include "unit.h"

/* n copies of 'a', in a buffer the caller frees. */
static char *a_times(size_t n)
{
	char *p = malloc(n ? n : 1);

	if (p)
		memset(p, 'a', n);
	return p;
}

static void sha256_hex_of(char out[65], const char *s)
{
	migc_sha256_hex(out, s, strlen(s));
}

static void sha384_hex_of(char out[97], const char *s)
{
	migc_sha384_hex(out, s, strlen(s));
}

/* ---- primitives ---------------------------------------------------------- */

static void crc32_matches_zlib(void)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	char *a = a_times(1000000);

	CHECK_INT(migc_crc32(0, "", 0), 0);
	CHECK_INT(migc_crc32(0, "123456789", 9), 0xcbf43926u);
	CHECK_INT(migc_crc32(0, fox, strlen(fox)), 0x414fa339u);
	CHECK_INT(migc_crc32(0, a, 1000000), 0xdc25bfbcu);
	/* chained like zlib: CRC(a) fed into CRC(b) is CRC(ab) */
	CHECK_INT(migc_crc32(migc_crc32(0, "1234", 4), "56789", 5),
		  0xcbf43926u);
	free(a);
}

struct sha_vec {
	size_t n; /* that many 'a's */
	const char *sha256;
	const char *sha384;
};

/* Around the block boundaries: SHA-256 pads within a block up to 55 bytes
 * and needs a second block from 56; SHA-384 the same at 111/112; 64 and 128
 * are exactly one block. */
static const struct sha_vec a_vectors[] = {
	{0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
	 "274edebfe76f65fbd51ad2f14898b95b"},
	{1, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
	 "54a59b9f22b0b80880d8427e548b7c23abd873486e1f035dce9cd697e8517503"
	 "3caa88e6d57bc35efae0b5afd3145f31"},
	{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
	 "5d91ac7e74e62b5c728904b40f10784d66b7af9cb6302123e48c92f0432ceb8d"
	 "2a92c02de77dcb29ed75c4b42bde46f4"},
	{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
	 "8a8d9649ea04e993a6ca7135af7e3392cc5fca84f8531cac7aa3feed4eb98f55"
	 "dcbe0f3284b61c6f35f98b02cc644b4c"},
	{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
	 "7e7f097e95b52bb8f53383450ecaf9868187c130981730c03b6d573adfc0b991"
	 "e365244e5b4bfa082bfb43c517d37120"},
	{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
	 "2e404b9339da795776e510d96930b3be2904c500395b8cb7413334b82d4dec41"
	 "3b4b8113045a05bbbcff846f027423f6"},
	{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
	 "a2b797de45aa1d20594e2ea0cb1801d6dd7ffa3a58281c37dde04029f1c98157"
	 "bb6eb005e90dd76b79a1d6ddd52dd58d"},
	{111, "6374f73208854473827f6f6a3f43b1f53eaa3b82c21c1a6d69a2110b2a79baad",
	 "3c37955051cb5c3026f94d551d5b5e2ac38d572ae4e07172085fed81f8466b8f"
	 "90dc23a8ffcdea0b8d8e58e8fdacc80a"},
	{112, "f54353008a2553262ecdc4a34749563ba0950e8b0fc8652780b0a614b99683c1",
	 "187d4e07cb306103c69967bf544d0dfbe9042577599c73c330abc0cb64c61236"
	 "d5ed565ee19119d8c31779a38f791fcd"},
	{113, "ba02731ae695aae5cd49b49d84330b63995733eb22102aca755f0179b1e0e20f",
	 "1d6bed01626682961b50da078a6b1da707c1da0c8a0a3226f159235bd45ed724"
	 "a0622fa6f39fd70007a6c72a5cda43ae"},
	{127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a",
	 "9bd06b1763c2cf7aef40e795dc65bc96d59c41b537f3ad72ebdefd485476b571"
	 "7c1aeb37c327fe9c1831b12b9efd08ae"},
	{128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e",
	 "edb12730a366098b3b2beac75a3bef1b0969b15c48e2163c23d96994f8d1bef7"
	 "60c7e27f3c464d3829f56c0d53808b0b"},
	{129, "c12cb024a2e5551cca0e08fce8f1c5e314555cc3fef6329ee994a3db752166ae",
	 "39b6f5a7b0e781dbc419f72e49b30eaac10f2c98c4403bc610da31067fd1b48f"
	 "324138c8615d2b496d08d73d5e865326"},
	{1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3",
	 "f54480689c6b0b11d0303285d9a81b21a93bca6ba5a1b4472765dca4da45ee32"
	 "8082d469c650cd3b61b16d3266ab8ced"},
	{1000000,
	 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	 "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b"
	 "07b8b3dc38ecc4ebae97ddd87f3d8985"},
};

static void sha256_and_sha384_around_block_boundaries(void)
{
	size_t i;

	for (i = 0; i < sizeof a_vectors / sizeof a_vectors[0]; i++) {
		char *a = a_times(a_vectors[i].n);
		char h256[65], h384[97];

		migc_sha256_hex(h256, a, a_vectors[i].n);
		migc_sha384_hex(h384, a, a_vectors[i].n);
		CHECK_STR(h256, a_vectors[i].sha256);
		CHECK_STR(h384, a_vectors[i].sha384);
		free(a);
	}
}

static void sha256_and_sha384_fips_messages(void)
{
	static const char two_blocks_256[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char two_blocks_512[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char h256[65], h384[97];

	sha256_hex_of(h256, "abc");
	CHECK_STR(h256, "ba7816bf8f01cfea414140de5dae2223"
			"b00361a396177a9cb410ff61f20015ad");
	sha384_hex_of(h384, "abc");
	CHECK_STR(h384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
			"1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
	sha256_hex_of(h256, two_blocks_256);
	CHECK_STR(h256, "248d6a61d20638b8e5c026930c3e6039"
			"a33ce45964ff2167f6ecedd419db06c1");
	sha384_hex_of(h384, two_blocks_256);
	CHECK_STR(h384, "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05ab"
			"fe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b");
	sha256_hex_of(h256, two_blocks_512);
	CHECK_STR(h256, "cf5b16a778af8380036ce59e7b049237"
			"0b249b11e8f07a51afac45037afee9d1");
	sha384_hex_of(h384, two_blocks_512);
	CHECK_STR(h384, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
			"2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
}

/* Fed in uneven pieces (1, 2, 3, ... bytes), the digest is the one-shot one. */
static void sha_streaming_in_pieces_equals_one_shot(void)
{
	unsigned char pat[1000], d256[32], d384[48];
	char hex[97];
	migc_sha256_ctx c256;
	migc_sha384_ctx c384;
	size_t i, off, step;

	for (i = 0; i < sizeof pat; i++)
		pat[i] = (unsigned char)((i * 7) % 251);
	migc_sha256_init(&c256);
	migc_sha384_init(&c384);
	for (off = 0, step = 1; off < sizeof pat; off += step, step++) {
		size_t n = step < sizeof pat - off ? step : sizeof pat - off;

		migc_sha256_update(&c256, pat + off, n);
		migc_sha384_update(&c384, pat + off, n);
	}
	migc_sha256_final(&c256, d256);
	migc_sha384_final(&c384, d384);
	migc_hex_encode(hex, d256, 32);
	CHECK_STR(hex, "59425e4412e296fc74736673ce067027"
		       "f384203f59c0d2c3e6be7b13347b3ffc");
	migc_hex_encode(hex, d384, 48);
	CHECK_STR(hex, "f1417a0e1c0e48cb613e3d98e2ecc4326a79f5fcb5d1bfb0"
		       "f4b2461ebe45971161f3e0e6e4cfbdec32e6273a0bd56cf6");
	CHECK_INT(migc_crc32(0, pat, sizeof pat), 0x04da8651u);
}

static void siphash13_matches_rust_default_hasher(void)
{
	/* DefaultHasher::new(), write(&[0, 1, .., len-1]), finish() */
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{0, UINT64_C(15130871412783076140)},
		{1, UINT64_C(7541581120933061747)},
		{7, UINT64_C(3389392686435873370)},
		{8, UINT64_C(16921169381604339434)},
		{9, UINT64_C(8471974163824919394)},
		{15, UINT64_C(17514137373579004394)},
		{16, UINT64_C(9904005486622393783)},
		{17, UINT64_C(5225236159122152477)},
		{63, UINT64_C(4061470857350050649)},
		{64, UINT64_C(8493894268803903686)},
	};
	unsigned char buf[64];
	size_t i;

	for (i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)i;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t got = migc_siphash13(0, 0, buf, v[i].len);

		if (got != v[i].want)
			unit_fail(__FILE__, __LINE__,
				  "siphash13 of %zu bytes: expected %" PRIu64
				  ", got %" PRIu64,
				  v[i].len, v[i].want, got);
	}
	/* keys as in the SipHash paper (bytes 00..0f), 15 bytes 00..0e */
	if (migc_siphash13(UINT64_C(0x0706050403020100),
			   UINT64_C(0x0f0e0d0c0b0a0908), buf,
			   15) != UINT64_C(15213397504630561110))
		unit_fail(__FILE__, __LINE__, "keyed siphash13 differs");
}

/* ---- Flyway -------------------------------------------------------------- */

#define PERSON_LF                                                          \
	"CREATE TABLE person (\n    id INT PRIMARY KEY,\n"                  \
	"    name VARCHAR(100)\n);\n"

static int32_t flyway_of(const char *s)
{
	return migc_flyway_checksum(s, strlen(s));
}

static void flyway_ignores_line_endings_and_blank_lines(void)
{
	const int32_t want = -1586587850;

	CHECK_INT(flyway_of(PERSON_LF), want);
	CHECK_INT(flyway_of("CREATE TABLE person (\r\n    id INT PRIMARY KEY,"
			    "\r\n    name VARCHAR(100)\r\n);\r\n"),
		  want);
	CHECK_INT(flyway_of("CREATE TABLE person (\r    id INT PRIMARY KEY,"
			    "\r    name VARCHAR(100)\r);\r"),
		  want);
	/* no newline at the end */
	CHECK_INT(flyway_of("CREATE TABLE person (\n    id INT PRIMARY KEY,\n"
			    "    name VARCHAR(100)\n);"),
		  want);
	/* blank lines contribute no bytes */
	CHECK_INT(flyway_of("\n\nCREATE TABLE person (\n\n    id INT PRIMARY "
			    "KEY,\r\n\r\n    name VARCHAR(100)\n);\n\n\n"),
		  want);
	/* but the raw-bytes CRC of 1.x-3.x does see them */
	CHECK_INT(migc_flyway3_checksum(PERSON_LF, strlen(PERSON_LF)),
		  1828740858);
}

static void flyway_strips_a_leading_bom_only(void)
{
	CHECK_INT(flyway_of("\xEF\xBB\xBF" PERSON_LF), -1586587850);
	CHECK_INT(flyway_of(""), 0);
	CHECK_INT(flyway_of("\xEF\xBB\xBF"), 0);
	/* a U+FEFF starting a later line is content */
	CHECK_INT(flyway_of("SELECT 1;\n\xEF\xBB\xBFSELECT 2;\n"), -737986772);
	/* one BOM is removed, not two */
	CHECK_INT(flyway_of("\xEF\xBB\xBF\xEF\xBB\xBFSELECT 1;\n"),
		  -1606921097);
	/* raw CRC keeps the BOM */
	CHECK_INT(migc_flyway3_checksum("\xEF\xBB\xBF", 3), 17864673);
}

static void flyway_hashes_utf8_and_whitespace_within_lines(void)
{
	CHECK_INT(flyway_of("-- caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80\n"
			    "INSERT INTO t VALUES ('\xC3\xBC"
			    "ber');\n"),
		  1859865454);
	CHECK_INT(flyway_of("SELECT 1;\n"), 78787420);
	CHECK_INT(flyway_of("SELECT 1;  \n"), 1189962089);
}

/* ---- Prisma -------------------------------------------------------------- */

#define USER_LF                                                            \
	"-- CreateTable\nCREATE TABLE \"User\" (\n"                        \
	"    \"id\" SERIAL NOT NULL,\n    \"email\" TEXT NOT NULL,\n\n"      \
	"    CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\n);\n"
#define USER_CRLF                                                          \
	"-- CreateTable\r\nCREATE TABLE \"User\" (\r\n"                    \
	"    \"id\" SERIAL NOT NULL,\r\n    \"email\" TEXT NOT NULL,\r\n\r\n" \
	"    CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\r\n);\r\n"

static const char user_lf_sum[] =
	"c16d6921fddc29b9cce93c3d22417129a8dea50e9ea14967c9de88eeb7ad536b";
static const char user_crlf_sum[] =
	"d254cb892a114bfd37bcdf287af6adf95c114a0b9864fcbc60266945d92b302b";

static int prisma_matches(const char *stored, const char *script)
{
	return migc_prisma_checksum_matches(stored, script, strlen(script));
}

static void prisma_checksum_is_sha256_of_the_bytes(void)
{
	char sum[65];

	migc_prisma_checksum(sum, "hello", 5); /* prisma-engines' own test */
	CHECK_STR(sum, "2cf24dba5fb0a30e26e83b2ac5b9e29e"
		       "1b161e5c1fa7425e73043362938b9824");
	migc_prisma_checksum(sum, USER_LF, strlen(USER_LF));
	CHECK_STR(sum, user_lf_sum);
	migc_prisma_checksum(sum, USER_CRLF, strlen(USER_CRLF));
	CHECK_STR(sum, user_crlf_sum);
	/* a BOM is hashed, not stripped */
	migc_prisma_checksum(sum, "\xEF\xBB\xBF" USER_LF,
			     strlen("\xEF\xBB\xBF" USER_LF));
	CHECK_STR(sum, "c9b3fc7730a1d68774264be52b350a4f"
		       "c14257158a5c52af1737eb8fcafe65d1");
}

static void prisma_match_tolerates_crlf_conversion_only(void)
{
	CHECK(prisma_matches(user_lf_sum, USER_LF));
	CHECK(prisma_matches(user_lf_sum, USER_CRLF));
	CHECK(prisma_matches(user_crlf_sum, USER_LF));
	CHECK(prisma_matches(user_crlf_sum, USER_CRLF));
	CHECK(!prisma_matches(user_lf_sum, "\xEF\xBB\xBF" USER_LF));
	CHECK(!prisma_matches(user_lf_sum, USER_LF "\n"));
	CHECK(!prisma_matches("", USER_LF));
	CHECK(!prisma_matches(NULL, USER_LF));
	/* uppercase hex is not what Prisma writes, and it compares exactly */
	CHECK(!prisma_matches("C16D6921FDDC29B9CCE93C3D22417129"
			      "A8DEA50E9EA14967C9DE88EEB7AD536B",
			      USER_LF));
}

/* Mixed endings: str::replace("\r\n", "\n") and replace('\n', "\r\n"). */
static void prisma_match_variants_are_rust_replace(void)
{
	static const char mixed[] = "A\r\nB\nC\rD\r\n";

	CHECK(prisma_matches("1cdc1328bcfb0544b244e92b25f82df8"
			     "9c0dfc6cae5dcb16134d96b8ae84d6b3",
			     mixed));
	/* sha256("A\nB\nC\rD\n") */
	CHECK(prisma_matches("bb4c46b87666e24f97580f2b76d3028a"
			     "e354febc77f62fe0582192b2a09d372c",
			     mixed));
	/* sha256("A\r\r\nB\r\nC\rD\r\r\n") */
	CHECK(prisma_matches("c4140df9e78f12d8ec5d69a3f23aef77"
			     "5ee7be5e1d2cc8eef30720ccecd3e871",
			     mixed));
	/* prisma-engines' script_matches_checksum_is_line_ending_agnostic */
	{
		const char *a[] = {"ab\ncd\nef\ngh\rab",
				   "ab\r\ncd\r\nef\r\ngh\rab"};
		char sum[65];
		int i, j;

		for (i = 0; i < 2; i++) {
			migc_prisma_checksum(sum, a[i], strlen(a[i]));
			for (j = 0; j < 2; j++)
				CHECK(prisma_matches(sum, a[j]));
		}
	}
}

/* Rows from before prisma-engines#1887 lack the zero padding. */
static void prisma_match_accepts_the_old_unpadded_form(void)
{
	/* the digest of USER_LF has a 0x0e byte: 63 digits unpadded */
	static const char unpadded[] =
		"c16d6921fddc29b9cce93c3d22417129a8dea5e9ea14967c9de88eeb7ad536b";
	/* sha256("SELECT 0;\n") has four bytes below 0x10: 60 digits */
	static const char select0[] =
		"d96b92719b3f16c51582217b7dd7ee8bacf503874c2e68b6a4806e28486d";

	CHECK_INT(strlen(unpadded), 63);
	CHECK(prisma_matches(unpadded, USER_LF));
	/* old rows are checked with the CRLF/LF variants too */
	CHECK(prisma_matches(unpadded, USER_CRLF));
	CHECK(!prisma_matches(unpadded, USER_LF "\n"));
	CHECK(prisma_matches(select0, "SELECT 0;\n"));
	CHECK(prisma_matches(select0, "SELECT 0;\r\n"));
	CHECK(!prisma_matches(select0, "SELECT 1;\n"));
}

/* ---- sqlx ---------------------------------------------------------------- */

static void sqlx_checksum_is_sha384_of_the_whole_file(void)
{
	static const char notx[] = "-- no-transaction\nCREATE INDEX "
				   "CONCURRENTLY users_email ON users (email);\n";
	static const char notx_crlf[] =
		"-- no-transaction\r\nCREATE INDEX CONCURRENTLY users_email "
		"ON users (email);\r\n";
	unsigned char d[48];
	char hex[97];

	/* the `-- no-transaction` line is part of what is hashed */
	migc_sqlx_checksum(d, notx, strlen(notx));
	migc_hex_encode(hex, d, 48);
	CHECK_STR(hex, "549b7fd79bf29db81d1a08ac40f0628d55b139f62044ca00"
		       "864a5d058ed797206a3bcddd38f8788652de06d2c13066c7");
	/* and line endings are too */
	migc_sqlx_checksum(d, notx_crlf, strlen(notx_crlf));
	migc_hex_encode(hex, d, 48);
	CHECK_STR(hex, "12af7887d3c83db7192bed7aff4672c25f16ca1182162675"
		       "8b99a0d002981b4f1da5ca5acd0d24fb85f1c2ccc560beb4");
}

/* sqlx's own checksum_with_ignored_chars test input (3_comment.sql). */
#define COMMENT_SQL                                                        \
	"\xEF\xBB\xBF"                                                     \
	"create table comment (\r\n"                                       \
	"\tcomment_id uuid primary key default gen_random_uuid(),\r\n"     \
	"\tpost_id uuid not null references post(post_id),\r\n"           \
	"\tuser_id uuid not null references \"user\"(user_id),\r\n"       \
	"\tcontent text not null,\r\n"                                     \
	"\tcreated_at timestamptz not null default now()\r\n"             \
	");\r\n"                                                           \
	"\r\n"                                                             \
	"create index on comment(post_id, created_at);\r\n"

static void sqlx_ignored_chars_are_left_out(void)
{
	static const uint32_t all[] = {' ', '\t', '\r', '\n', 0xFEFF};
	static const uint32_t cr_bom[] = {'\r', 0xFEFF};
	unsigned char d[48];
	char hex[97];

	migc_sqlx_checksum_ignoring(d, COMMENT_SQL, strlen(COMMENT_SQL), NULL,
				    0);
	migc_hex_encode(hex, d, 48);
	CHECK_STR(hex, "76e26521eb0bc3013e6df15ea4dc76e8fba2c511bec39ed4"
		       "11f6bb32c7aa5c3f190ebf1ea12461ccd4f8e3763c348306");
	migc_sqlx_checksum_ignoring(d, COMMENT_SQL, strlen(COMMENT_SQL), all,
				    5);
	migc_hex_encode(hex, d, 48);
	CHECK_STR(hex, "26ec2238e46239254a7cec27b6d6a0d8209f940e824d7533"
		       "499024e2f3560a46943570e97780c0705535bd5dc7a848b3");
	migc_sqlx_checksum_ignoring(d, COMMENT_SQL, strlen(COMMENT_SQL),
				    cr_bom, 2);
	migc_hex_encode(hex, d, 48);
	CHECK_STR(hex, "7ff5268ca830d49c600fce9cba4775330d6f76c42bfd8a39"
		       "9e132d97e7e0aa91f7eda004bba12d1cef092a4199b1c47d");
	/* an ignored U+FEFF is a whole character: its bytes in a broken
	 * sequence are not dropped */
	{
		unsigned char d2[48];

		migc_sqlx_checksum_ignoring(d, "\xEF\xBBx", 3, cr_bom, 2);
		migc_sha384(d2, "\xEF\xBBx", 3);
		CHECK(memcmp(d, d2, 48) == 0);
	}
}

/* ---- refinery ------------------------------------------------------------ */

static void check_u64(const char *what, uint64_t got, uint64_t want, int line)
{
	if (got != want)
		unit_fail(__FILE__, line, "%s: expected %" PRIu64 ", got %" PRIu64,
			  what, want, got);
}

#define CHECK_U64(got, want) check_u64(#got, (got), (want), __LINE__)

static uint64_t refinery_of(const char *name, int32_t version, const char *sql)
{
	return migc_refinery_checksum(name, version, sql, strlen(sql));
}

static void refinery_checksum_matches_rust(void)
{
	static const char persons[] = "CREATE TABLE persons (id int, name "
				      "varchar(255), city varchar(255));\n";

	CHECK_U64(refinery_of("initial", 1, persons),
		  UINT64_C(9435430460266820252));
	CHECK_U64(refinery_of("add_cars_table", 2,
			      "CREATE TABLE cars (\r\n    id int,\r\n    "
			      "name varchar(255)\r\n);\r\n"),
		  UINT64_C(17691618498067809224));
	CHECK_U64(refinery_of("empty", 3, ""), UINT64_C(3778979039168287373));
	CHECK_U64(refinery_of("bom_and_unicode", 4,
			      "\xEF\xBB\xBF-- caf\xC3\xA9 \xE2\x9C\x93 "
			      "\xF0\x9F\x98\x80\nSELECT 1;\n"),
		  UINT64_C(16740202696608251645));
	CHECK_U64(refinery_of("x", INT32_MAX, "SELECT 1;"),
		  UINT64_C(9296965956137699412));
	CHECK_U64(refinery_of("no_tx", 5,
			      "-- refinery:noTransaction\nCREATE INDEX "
			      "CONCURRENTLY i ON t (c);\n"),
		  UINT64_C(12075359098005588749));
	/* int8-versions: the same migration, an 8-byte version */
	CHECK_U64(migc_refinery_checksum_i64("initial", 1, persons,
					     strlen(persons)),
		  UINT64_C(8305518879351084566));
	CHECK_U64(migc_refinery_checksum_i64(
			  "create_tasks", INT64_C(20260302000001),
			  "CREATE TABLE tasks (id INTEGER PRIMARY KEY);\n",
			  strlen("CREATE TABLE tasks (id INTEGER PRIMARY "
				 "KEY);\n")),
		  UINT64_C(11003940694524267369));
}

/* Each field counts: name, version and SQL all change the value. */
static void refinery_checksum_covers_every_field(void)
{
	uint64_t base = refinery_of("initial", 1, "SELECT 1;\n");

	CHECK(refinery_of("initial2", 1, "SELECT 1;\n") != base);
	CHECK(refinery_of("initial", 2, "SELECT 1;\n") != base);
	CHECK(refinery_of("initial", 1, "SELECT 1;\r\n") != base);
	/* the 0xFF after each string keeps the boundary: moving bytes
	 * between name and SQL is a different stream */
	CHECK(migc_refinery_checksum("ab", 1, "c", 1) !=
	      migc_refinery_checksum("a", 1, "bc", 2));
}

int main(void)
{
	RUN(crc32_matches_zlib);
	RUN(sha256_and_sha384_around_block_boundaries);
	RUN(sha256_and_sha384_fips_messages);
	RUN(sha_streaming_in_pieces_equals_one_shot);
	RUN(siphash13_matches_rust_default_hasher);
	RUN(flyway_ignores_line_endings_and_blank_lines);
	RUN(flyway_strips_a_leading_bom_only);
	RUN(flyway_hashes_utf8_and_whitespace_within_lines);
	RUN(prisma_checksum_is_sha256_of_the_bytes);
	RUN(prisma_match_tolerates_crlf_conversion_only);
	RUN(prisma_match_variants_are_rust_replace);
	RUN(prisma_match_accepts_the_old_unpadded_form);
	RUN(sqlx_checksum_is_sha384_of_the_whole_file);
	RUN(sqlx_ignored_chars_are_left_out);
	RUN(refinery_checksum_matches_rust);
	RUN(refinery_checksum_covers_every_field);
	return unit_done();
}
