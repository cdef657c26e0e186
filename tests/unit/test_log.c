/* Escaping client-supplied text before it is logged (after h2o's test for exactly that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/log.h"
#include "../../src/core/parse.h"

/* s with every byte outside printable ASCII shown as <xx>, for failure messages
 * that do not themselves put raw bytes in the test log. */
static const char *shown(const char *s)
{
	static char buf[4][1024];
	static int next;
	char *out = buf[next++ % 4];
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && o + 5 < sizeof(buf[0]); p++)
		o += (size_t)snprintf(out + o, sizeof(buf[0]) - o, *p >= 0x20 && *p < 0x7f ? "%c" : "<%02x>", *p);
	out[o] = '\0';
	return out;
}

static void expect_n(size_t n, const char *in, const char *want)
{
	char out[256];
	log_escape(out, n, in);
	if (strcmp(out, want) != 0)
		fail_msg("log_escape(%zu, \"%s\") gave \"%s\", expected \"%s\"", n, shown(in), shown(out), shown(want));
}

static void expect(const char *in, const char *want) { expect_n(256, in, want); }

static void plain_text_is_unchanged(void **state)
{
	expect("", "");
	expect("GET /api/v1/me user=zhang.san", "GET /api/v1/me user=zhang.san");
	expect("青山区 红钢城街道", "青山区 红钢城街道");
	expect("emoji \xf0\x9f\x98\x80!", "emoji \xf0\x9f\x98\x80!");
	expect("'single' ~ `tick`", "'single' ~ `tick`");
}

static void controls_quotes_and_backslashes_are_escaped(void **state)
{
	/* A forged second log line must stay on the first. */
	expect("bob\nlevel=error msg=\"hacked\"", "bob\\x0alevel=error msg=\\x22hacked\\x22");
	expect("a\rb\tc", "a\\x0db\\x09c");
	expect("\x1b[31mred", "\\x1b[31mred");
	expect("del\x7f", "del\\x7f");
	expect("back\\slash", "back\\x5cslash");
	expect("\x01\x1f", "\\x01\\x1f");
}

static void invalid_utf8_is_escaped_byte_by_byte(void **state)
{
	expect("\xff", "\\xff");
	expect("a\x80z", "a\\x80z");
	expect("\xc0\xaf", "\\xc0\\xaf"); /* overlong '/' */
	expect("\xc3(", "\\xc3("); /* lead byte without continuation */
	expect("end\xe9\x9d", "end\\xe9\\x9d"); /* truncated at the end */
	expect("\xe9\x9d\xe9\x9d\x92", "\\xe9\\x9d青"); /* truncated, then whole */
}

static void overlongs_surrogates_and_out_of_range_are_escaped(void **state)
{
	expect("\xe0\x80\xaf", "\\xe0\\x80\\xaf"); /* overlong '/' in 3 bytes */
	expect("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"); /* overlong '/' in 4 bytes */
	expect("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* U+D800 */
	expect("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* U+110000 */
	expect("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	expect("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80");
}

static void truncation_keeps_whole_characters_and_escapes(void **state)
{
	char out[16];
	/* 10 bytes hold 9 bytes of text: three whole characters, never a partial one. */
	expect_n(10, "青山区青山区", "青山区");
	expect_n(9, "青山区青山区", "青山");
	expect_n(6, "ab\ncd", "ab"); /* "\x0a" would not fit whole */
	expect_n(7, "ab\ncd", "ab\\x0a");
	expect_n(1, "abc", "");
	expect_n(4, "abc", "abc");
	expect_n(3, "abc", "ab");
	memcpy(out, "keep", 5);
	log_escape(out, 0, "abc");
	assert_string_equal(out, "keep");
}

/* Any input, any size: the output is NUL-terminated within n, is valid UTF-8 without
 * controls, and holds no quote or newline that could forge a field or a line. */
static void any_input_gives_safe_output(void **state)
{
	static const unsigned char pieces[][5] = {
	    {'a'},
	    {'"'},
	    {'\\'},
	    {'\n'},
	    {0x7f},
	    {0x01},
	    {0x80},
	    {0xbf},
	    {0xc0, 0xaf},
	    {0xc3},
	    {0xc3, 0xa9},
	    {0xe9, 0x9d, 0x92},
	    {0xe9, 0x9d},
	    {0xe0, 0x80, 0xaf},
	    {0xed, 0xa0, 0x80},
	    {0xef, 0xbf, 0xbf},
	    {0xf0, 0x9f, 0x98, 0x80},
	    {0xf4, 0x90, 0x80, 0x80},
	    {0xf5, 0x80, 0x80, 0x80},
	    {0xf8},
	    {0xff},
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint32_t seed = 12345;
	for (int round = 0; round < 20000; round++) {
		char in[64], out[48];
		size_t len = 0;
		int count = (int)((seed >> 8) % 12);
		for (int k = 0; k < count; k++) {
			seed = seed * 1103515245u + 12345u;
			const unsigned char *p = pieces[(seed >> 16) % npieces];
			size_t plen = strnlen((const char *)p, 5);
			memcpy(in + len, p, plen);
			len += plen;
		}
		in[len] = '\0';
		seed = seed * 1103515245u + 12345u;
		size_t n = 1 + (seed >> 16) % sizeof(out);
		memset(out, 'X', sizeof(out));
		log_escape(out, n, in);
		size_t olen = strnlen(out, n);
		if (olen >= n)
			fail_msg("output not terminated within %zu bytes for round %d", n, round);
		if (!utf8_valid(out, olen) || strchr(out, '"') != NULL || strchr(out, '\n') != NULL)
			fail_msg("unsafe output \"%s\" for \"%s\" (n = %zu)", shown(out), shown(in), n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_text_is_unchanged),
	    cmocka_unit_test(controls_quotes_and_backslashes_are_escaped),
	    cmocka_unit_test(invalid_utf8_is_escaped_byte_by_byte),
	    cmocka_unit_test(overlongs_surrogates_and_out_of_range_are_escaped),
	    cmocka_unit_test(truncation_keeps_whole_characters_and_escapes),
	    cmocka_unit_test(any_input_gives_safe_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
