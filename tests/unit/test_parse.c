/* Strict parsers for untrusted text (src/core/parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/parse.h"

/* parse_i64 on a literal, so embedded bytes and lengths are exact. */
#define I64(lit, min, max, out) parse_i64((lit), sizeof(lit) - 1, (min), (max), (out))
#define UTF8(lit) utf8_valid((lit), sizeof(lit) - 1)

static void i64_accepts_plain_decimals(void **state)
{
	int64_t v = -1;
	assert_true(I64("0", INT64_MIN, INT64_MAX, &v));
	assert_int_equal(v, 0);
	assert_true(I64("42", 0, 100, &v));
	assert_int_equal(v, 42);
	assert_true(I64("-17", -100, 100, &v));
	assert_int_equal(v, -17);
	assert_true(I64("007", 0, 10, &v));
	assert_int_equal(v, 7);
	/* Only the first n bytes count. */
	assert_true(parse_i64("12345", 2, 0, 100, &v));
	assert_int_equal(v, 12);
}

static void i64_limits_and_overflow(void **state)
{
	int64_t v = 0;
	assert_true(I64("9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MAX);
	assert_true(I64("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MIN);
	v = 5;
	assert_false(I64("9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_false(I64("-9223372036854775809", INT64_MIN, INT64_MAX, &v));
	assert_false(I64("18446744073709551616", INT64_MIN, INT64_MAX, &v)); /* 2^64: would wrap to 0 */
	assert_false(I64("18446744073709551615", INT64_MIN, INT64_MAX, &v));
	assert_false(I64("99999999999999999999", INT64_MIN, INT64_MAX, &v));
	assert_false(I64("00000000000000000000001", INT64_MIN, INT64_MAX, &v));
	/* A failed parse leaves the output alone. */
	assert_int_equal(v, 5);
}

static void i64_range_is_inclusive(void **state)
{
	int64_t v;
	assert_true(I64("1", 1, 200, &v));
	assert_true(I64("200", 1, 200, &v));
	assert_false(I64("0", 1, 200, &v));
	assert_false(I64("201", 1, 200, &v));
	assert_false(I64("-1", 0, 10, &v));
	assert_false(I64("-0", 1, 10, &v));
}

static void i64_rejects_garbage(void **state)
{
	int64_t v = 99;
	const char *bad[] = {"", "-", "+1", " 1", "1 ", "1a", "0x10", "1e3", "1.0", "--1", "1-", "١", "１", NULL};
	for (const char **s = bad; *s != NULL; s++)
		assert_false(parse_i64(*s, strlen(*s), INT64_MIN, INT64_MAX, &v));
	assert_false(I64("1\0002", INT64_MIN, INT64_MAX, &v));
	assert_int_equal(v, 99);
	assert_false(parse_i64z(NULL, 0, 10, &v));
	assert_true(parse_i64z("10", 0, 10, &v));
	assert_int_equal(v, 10);
	assert_false(parse_i64z("11", 0, 10, &v));
}

static void utf8_accepts_text(void **state)
{
	assert_true(UTF8(""));
	assert_true(UTF8("plain ASCII, with tab\tLF\nCR\r"));
	assert_true(UTF8("青山区 红钢城街道"));
	assert_true(UTF8("\xc2\x80")); /* U+0080, first 2-byte */
	assert_true(UTF8("\xdf\xbf")); /* U+07FF */
	assert_true(UTF8("\xe0\xa0\x80")); /* U+0800, first 3-byte */
	assert_true(UTF8("\xed\x9f\xbf")); /* U+D7FF, just below the surrogates */
	assert_true(UTF8("\xee\x80\x80")); /* U+E000, just above */
	assert_true(UTF8("\xef\xbf\xbf")); /* U+FFFF */
	assert_true(UTF8("\xf0\x90\x80\x80")); /* U+10000 */
	assert_true(UTF8("\xf0\x9f\x98\x80")); /* an emoji */
	assert_true(UTF8("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
}

static void utf8_rejects_overlong_forms(void **state)
{
	assert_false(UTF8("\xc0\xaf")); /* '/' in 2 bytes */
	assert_false(UTF8("\xc1\xbf"));
	assert_false(UTF8("\xe0\x80\xaf")); /* '/' in 3 bytes */
	assert_false(UTF8("\xe0\x9f\xbf")); /* U+07FF in 3 bytes */
	assert_false(UTF8("\xf0\x80\x80\xaf")); /* '/' in 4 bytes */
	assert_false(UTF8("\xf0\x8f\xbf\xbf")); /* U+FFFF in 4 bytes */
}

static void utf8_rejects_surrogates_and_beyond(void **state)
{
	assert_false(UTF8("\xed\xa0\x80")); /* U+D800 */
	assert_false(UTF8("\xed\xbf\xbf")); /* U+DFFF */
	assert_false(UTF8("\xed\xa0\xbd\xed\xb8\x80")); /* a CESU-8 pair */
	assert_false(UTF8("\xf4\x90\x80\x80")); /* U+110000 */
	assert_false(UTF8("\xf5\x80\x80\x80"));
	assert_false(UTF8("\xf8\x88\x80\x80\x80")); /* old 5-byte form */
	assert_false(UTF8("\xfe"));
	assert_false(UTF8("\xff"));
}

static void utf8_rejects_truncated_and_stray_bytes(void **state)
{
	assert_false(UTF8("\xe9"));
	assert_false(UTF8("\xe9\x9d")); /* 青 without its last byte */
	assert_false(UTF8("ab\xe9\x9d"));
	assert_false(UTF8("\xf0\x9f\x98"));
	assert_false(UTF8("\x80")); /* a lone continuation byte */
	assert_false(UTF8("a\xbfz"));
	assert_false(UTF8("\xc3(")); /* lead byte, then no continuation */
	assert_false(UTF8("\xe9\x9d("));
	/* The length bounds the check: a sequence cut by n is invalid even if more follows. */
	assert_false(utf8_valid("\xe9\x9d\x92", 2));
	assert_true(utf8_valid("\xe9\x9d\x92", 3));
}

static void utf8_rejects_control_characters(void **state)
{
	assert_false(UTF8("a\0b"));
	assert_false(UTF8("\x01"));
	assert_false(UTF8("bell\x07"));
	assert_false(UTF8("esc\x1b[31m"));
	assert_false(UTF8("\x1f"));
	assert_false(UTF8("del\x7f"));
	assert_false(UTF8("\x0b")); /* vertical tab */
	assert_false(UTF8("\x0c")); /* form feed */
	assert_true(UTF8(" ~")); /* 0x20 and 0x7e are fine */
}

static void utf8_count_counts_code_points(void **state)
{
	assert_int_equal(utf8_count("", 0), 0);
	assert_int_equal(utf8_count("abc", 3), 3);
	assert_int_equal(utf8_count("青山区", strlen("青山区")), 3);
	assert_int_equal(strlen("青山区"), 9);
	assert_int_equal(utf8_count("a青\xf0\x9f\x98\x80z", strlen("a青\xf0\x9f\x98\x80z")), 4);
	assert_int_equal(utf8_count("\xc2\x80\xdf\xbf", 4), 2);
}

static void dates_follow_the_gregorian_calendar(void **state)
{
	assert_true(date_valid(2026, 1, 31));
	assert_false(date_valid(2026, 1, 32));
	assert_false(date_valid(2026, 4, 31));
	assert_true(date_valid(2026, 4, 30));
	assert_true(date_valid(2026, 12, 31));
	assert_false(date_valid(2026, 2, 29));
	assert_true(date_valid(2024, 2, 29));
	assert_false(date_valid(2024, 2, 30));
	assert_false(date_valid(1900, 2, 29)); /* divisible by 100 */
	assert_true(date_valid(2000, 2, 29)); /* divisible by 400 */
	assert_false(date_valid(2100, 2, 29));
	assert_false(date_valid(2026, 0, 1));
	assert_false(date_valid(2026, 13, 1));
	assert_false(date_valid(2026, 1, 0));
	assert_false(date_valid(2026, -1, 1));
	assert_false(date_valid(2026, 6, -5));
}

static void area_codes_are_6_to_24_digits(void **state)
{
	assert_true(area_code_valid("420107"));
	assert_true(area_code_valid("420107005008"));
	assert_true(area_code_valid("123456789012345678901234"));
	assert_false(area_code_valid("1234567890123456789012345"));
	assert_false(area_code_valid("42010"));
	assert_false(area_code_valid(""));
	assert_false(area_code_valid("42010a"));
	assert_false(area_code_valid("420107 "));
	assert_false(area_code_valid("-420107"));
	assert_false(area_code_valid("420107%"));
	assert_false(area_code_valid("４２０１０７")); /* full-width digits */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(i64_accepts_plain_decimals),
	    cmocka_unit_test(i64_limits_and_overflow),
	    cmocka_unit_test(i64_range_is_inclusive),
	    cmocka_unit_test(i64_rejects_garbage),
	    cmocka_unit_test(utf8_accepts_text),
	    cmocka_unit_test(utf8_rejects_overlong_forms),
	    cmocka_unit_test(utf8_rejects_surrogates_and_beyond),
	    cmocka_unit_test(utf8_rejects_truncated_and_stray_bytes),
	    cmocka_unit_test(utf8_rejects_control_characters),
	    cmocka_unit_test(utf8_count_counts_code_points),
	    cmocka_unit_test(dates_follow_the_gregorian_calendar),
	    cmocka_unit_test(area_codes_are_6_to_24_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
