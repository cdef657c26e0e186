/* Parsers of untrusted text: parse_i64, utf8_valid/utf8_count, clock_parse,
 * date_valid, area_code_valid and log_escape, each checked against a small
 * independent reference so that a wrong answer, not only a crash, is a finding. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/core/clock.h"
#include "../src/core/log.h"
#include "../src/core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                             \
	do {                                                         \
		if (!(cond)) {                                       \
			fprintf(stderr, "fuzz_parse: " __VA_ARGS__); \
			fprintf(stderr, "\n");                       \
			abort();                                     \
		}                                                    \
	} while (0)

/* Decimal with optional '-', 1 to 19 digits (leading zeros count), no overflow. */
static bool ref_i64(const uint8_t *s, size_t n, int64_t *out)
{
	size_t i = n > 0 && s[0] == '-' ? 1 : 0;
	bool neg = i == 1;
	int64_t v = 0;
	if (i == n || n - i > 19)
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, neg ? -(s[i] - '0') : s[i] - '0', &v))
			return false;
	}
	*out = v;
	return true;
}

/* Length of the well-formed sequence at s (Unicode table 3-7), or 0. */
static size_t ref_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return len;
}

/* Well-formed UTF-8 without NUL, DEL or C0 controls other than tab, LF, CR; *chars is set. */
static bool ref_utf8(const uint8_t *s, size_t n, size_t *chars)
{
	*chars = 0;
	for (size_t i = 0; i < n;) {
		size_t len = ref_seq(s + i, n - i);
		if (len == 0)
			return false;
		if (len == 1 && ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') || s[i] == 0x7f))
			return false;
		i += len;
		(*chars)++;
	}
	return true;
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The only shapes clock_parse may accept. */
static bool ref_clock_shape(const char *s)
{
	size_t n = strlen(s);
	if (n < 10 || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' || !is_digits(s + 8, 2))
		return false;
	if (n == 10)
		return true;
	if (s[10] != 'T' || !is_digits(s + 11, 2) || s[13] != ':' || !is_digits(s + 14, 2) || s[16] != ':' ||
	    !is_digits(s + 17, 2))
		return false;
	if (n == 20)
		return s[19] == 'Z';
	return n == 25 && (s[19] == '+' || s[19] == '-') && is_digits(s + 20, 2) && s[22] == ':' &&
	       is_digits(s + 23, 2);
}

static void check_i64(const uint8_t *data, size_t size)
{
	int64_t got = 0, want = 0;
	bool ok = parse_i64((const char *)data, size, INT64_MIN, INT64_MAX, &got);
	bool ref = ref_i64(data, size, &want);
	CHECK(ok == ref, "parse_i64 says %d, reference %d", ok, ref);
	CHECK(!ok || got == want, "parse_i64 gave %lld, reference %lld", (long long)got, (long long)want);
	/* Bounds are honoured. */
	if (ok) {
		int64_t lo = want > INT64_MIN ? want - 1 : want, v;
		CHECK(!parse_i64((const char *)data, size, INT64_MIN, lo, &v) || lo == want, "max not honoured");
		CHECK(parse_i64((const char *)data, size, want, want, &v) && v == want, "exact range refused");
	}
}

static void check_utf8(const uint8_t *data, size_t size)
{
	size_t chars;
	bool ok = utf8_valid((const char *)data, size);
	bool ref = ref_utf8(data, size, &chars);
	CHECK(ok == ref, "utf8_valid says %d, reference %d", ok, ref);
	if (ok)
		CHECK(utf8_count((const char *)data, size) == chars, "utf8_count %zu, reference %zu",
		    utf8_count((const char *)data, size), chars);
}

static void check_clock(const char *s)
{
	int64_t t;
	if (!clock_parse(s, &t))
		return;
	CHECK(ref_clock_shape(s), "clock_parse accepted a malformed time (%zu bytes)", strlen(s));
	/* Formatting gives the canonical UTC form, which parses back to the same instant. */
	char buf[32], again[32];
	int64_t t2;
	clock_format(t, buf, sizeof(buf));
	/* An offset can move the instant just outside the years accepted (1900 to 2999). */
	if (strncmp(buf, "1899-", 5) == 0 || strncmp(buf, "3000-", 5) == 0)
		return;
	CHECK(clock_parse(buf, &t2), "clock_format output %s does not parse", buf);
	CHECK(t2 == t, "round trip of %s moved by %lld s", buf, (long long)(t2 - t));
	CHECK(strcmp(clock_format(t2, again, sizeof(again)), buf) == 0, "format is not stable");
}

static void check_date(const uint8_t *data, size_t size)
{
	if (size < 4)
		return;
	int y = 1 + (data[0] | data[1] << 8) % 9999, m = (int8_t)data[2], d = (int8_t)data[3];
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
	time_t t = timegm(&tm);
	struct tm back;
	gmtime_r(&t, &back);
	bool ref = m >= 1 && m <= 12 && d >= 1 && back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d;
	CHECK(date_valid(y, m, d) == ref, "date_valid(%d, %d, %d) is %d", y, m, d, !ref);
}

static void check_area(const char *s)
{
	size_t n = strlen(s);
	CHECK(area_code_valid(s) == (n >= 6 && n <= 24 && is_digits(s, n)), "area_code_valid wrong");
}

/* Escaped log text is valid UTF-8 without controls, quotes or newlines, within n. */
static void check_log_escape(const char *s, size_t n)
{
	char out[300];
	size_t chars;
	memset(out, 0x55, sizeof(out));
	log_escape(out, n, s);
	size_t len = strnlen(out, n);
	CHECK(len < n, "log_escape output not terminated within %zu bytes", n);
	CHECK(ref_utf8((const uint8_t *)out, len, &chars), "log_escape output is not clean UTF-8");
	CHECK(memchr(out, '"', len) == NULL && memchr(out, '\n', len) == NULL && memchr(out, '\t', len) == NULL,
	    "log_escape let a quote or a line break through");
	/* Nothing is written past n. */
	CHECK(n >= sizeof(out) || (unsigned char)out[n] == 0x55, "log_escape wrote past n");
	/* Valid text without anything to escape comes out unchanged when it fits. */
	size_t in_len = strlen(s);
	if (in_len < n && ref_utf8((const uint8_t *)s, in_len, &chars) && strpbrk(s, "\"\\\t\n\r") == NULL)
		CHECK(strcmp(out, s) == 0, "log_escape changed clean text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_i64(data, size);
	check_utf8(data, size);
	check_date(data, size);

	/* The C-string parsers see the input up to its first NUL. */
	char s[256];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	check_clock(s);
	check_area(s);
	check_log_escape(s, 1 + (size > 0 ? data[size - 1] : 0) % 290);
	check_log_escape(s, 290);
	return 0;
}
