/* The application clock: ISO 8601 parsing and formatting, and the test-settable clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/clock.h"

static int64_t parsed(const char *s)
{
	int64_t t = -1;
	if (!clock_parse(s, &t))
		fail_msg("clock_parse rejected %s", s);
	return t;
}

static void parses_utc(void **state)
{
	assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parsed("2001-09-09T01:46:40Z"), 1000000000);
	assert_int_equal(parsed("2026-11-29T07:01:02Z"), 1795935662);
	assert_int_equal(parsed("2024-02-29T23:59:59Z"), 1709251199);
	assert_int_equal(parsed("2038-01-19T03:14:08Z"), 2147483648LL); /* past 32-bit time_t */
	assert_int_equal(parsed("1900-01-01T00:00:00Z"), -2208988800LL);
}

static void parses_offsets(void **state)
{
	/* 08:00 in Wuhan is midnight UTC. */
	assert_int_equal(parsed("2026-11-29T08:00:00+08:00"), parsed("2026-11-29T00:00:00Z"));
	/* Across a day and a year boundary. */
	assert_int_equal(parsed("2026-01-01T07:59:59+08:00"), parsed("2025-12-31T23:59:59Z"));
	assert_int_equal(parsed("2025-12-31T20:00:00-05:00"), parsed("2026-01-01T01:00:00Z"));
	assert_int_equal(parsed("2026-06-01T12:00:00+05:30"), parsed("2026-06-01T06:30:00Z"));
	assert_int_equal(parsed("2026-06-01T12:00:00+00:00"), parsed("2026-06-01T12:00:00Z"));
	assert_int_equal(parsed("2026-06-01T12:00:00-00:00"), parsed("2026-06-01T12:00:00Z"));
	assert_int_equal(parsed("2026-06-01T12:00:00+14:00"), parsed("2026-05-31T22:00:00Z"));
}

static void parses_dates_as_utc_midnight(void **state)
{
	assert_int_equal(parsed("2026-11-29"), parsed("2026-11-29T00:00:00Z"));
	assert_int_equal(parsed("1970-01-02"), 86400);
	assert_int_equal(parsed("2000-02-29"), 951782400);
	assert_int_equal(parsed("2000-03-01") - parsed("2000-02-28"), 2 * 86400);
	assert_int_equal(parsed("2100-03-01") - parsed("2100-02-28"), 86400);
}

static void rejects_impossible_dates_and_times(void **state)
{
	const char *bad[] = {
	    "2026-02-30",
	    "2026-02-29",
	    "2026-04-31",
	    "2026-13-01",
	    "2026-00-10",
	    "2026-01-00",
	    "2100-02-29",
	    "2026-02-30T00:00:00Z",
	    "2026-01-01T24:00:00Z",
	    "2026-01-01T23:60:00Z",
	    "2026-01-01T23:59:60Z",
	    "2026-01-01T00:00:00+15:00",
	    "2026-01-01T00:00:00+08:60",
	    "1899-12-31",
	    "3000-01-01",
	    NULL,
	};
	for (const char **s = bad; *s != NULL; s++) {
		int64_t t = 7;
		if (clock_parse(*s, &t))
			fail_msg("clock_parse accepted %s", *s);
		assert_int_equal(t, 7);
	}
}

static void rejects_malformed_text(void **state)
{
	const char *bad[] = {
	    "",
	    "2026",
	    "2026-1-01",
	    "2026-01-1",
	    "26-01-01",
	    "2026/01/01",
	    "2026-01-01T",
	    "2026-01-01 00:00:00Z",
	    "2026-01-01T00:00:00",
	    "2026-01-01T00:00Z",
	    "2026-01-01T00:00:00z",
	    "2026-01-01T00:00:00.000Z",
	    "2026-01-01T00:00:00Z ",
	    " 2026-01-01",
	    "2026-01-01Z",
	    "2026-01-01T00:00:00+0800",
	    "2026-01-01T00:00:00+08",
	    "2026-01-01T00:00:00+08:00Z",
	    "2026-01-01T00:00:00UTC",
	    "2026-01-01T0a:00:00Z",
	    "2026-0x-01",
	    "+026-01-01",
	    "2026-+1-01",
	    /* A sign inside a two-digit field is not a digit. */
	    "2026-01-01T-1:00:00Z",
	    "2026-01-01T-0:00:00Z",
	    "2026-01-01T00:-0:00Z",
	    "2026-01-01T00:00:-0Z",
	    "2026-01-01T00:00:00+-0:00",
	    "2026-01-01T00:00:00+08:-0",
	    NULL,
	};
	for (const char **s = bad; *s != NULL; s++) {
		int64_t t = 7;
		if (clock_parse(*s, &t))
			fail_msg("clock_parse accepted \"%s\"", *s);
	}
}

static void format_round_trips(void **state)
{
	char buf[32];
	assert_string_equal(clock_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	assert_string_equal(clock_format(1795935662, buf, sizeof(buf)), "2026-11-29T07:01:02Z");
	assert_string_equal(clock_format(951868799, buf, sizeof(buf)), "2000-02-29T23:59:59Z");
	/* Every few hours over several years, including leap days. */
	for (int64_t t = parsed("2023-12-31T00:00:00Z"); t < parsed("2029-01-01"); t += 3 * 3600 + 17) {
		clock_format(t, buf, sizeof(buf));
		assert_int_equal(strlen(buf), 20);
		assert_int_equal(parsed(buf), t);
	}
	/* The documented minimum buffer is enough. */
	char small[21];
	assert_string_equal(clock_format(4102444799, small, sizeof(small)), "2099-12-31T23:59:59Z");
}

static void test_builds_can_set_the_clock(void **state)
{
	if (!clock_settable()) {
		/* A release build must ignore clock_set. */
		int64_t before = clock_now();
		clock_set(0);
		assert_true(clock_now() >= before);
		return;
	}
	int64_t real = clock_now();
	int64_t when = parsed("2030-05-01T10:00:00+08:00");
	clock_set(when);
	int64_t now = clock_now();
	assert_true(now >= when && now <= when + 2);
	clock_set(real);
	assert_true(clock_now() >= real && clock_now() <= real + 2);
}

static void monotonic_clock_moves_forward(void **state)
{
	int64_t a = clock_mono_ns(), b = clock_mono_ns();
	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_utc),
	    cmocka_unit_test(parses_offsets),
	    cmocka_unit_test(parses_dates_as_utc_midnight),
	    cmocka_unit_test(rejects_impossible_dates_and_times),
	    cmocka_unit_test(rejects_malformed_text),
	    cmocka_unit_test(format_round_trips),
	    cmocka_unit_test(test_builds_can_set_the_clock),
	    cmocka_unit_test(monotonic_clock_moves_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
