/* Small parsers of untrusted text outside HTTP: GB 11643 ID numbers
 * (id_validate, id_check_char), the masks shown in place of ID and phone
 * numbers, and `--set NAME=VALUE` (config_set_arg). Each against a reference:
 * an accepted number has the structure the standard gives, a mask never shows
 * more than it promises, an accepted setting lies within its row's range. */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/core/config.h"
#include "../src/core/parse.h"
#include "../src/registry/idnumber.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "fuzz_idnumber: " __VA_ARGS__); \
			fprintf(stderr, "\n");                          \
			abort();                                        \
		}                                                       \
	} while (0)

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* 2026-11-29 as the "today" of the future-date rule, and a day in 1970. */
static const int64_t days[] = {1795910400, 86400 * 3};

static void check_id(const char *s, size_t n)
{
	for (int k = 0; k < 2; k++) {
		for (size_t t = 0; t < sizeof(days) / sizeof(days[0]); t++) {
			struct id_info info = {0};
			const char *why = id_validate(s, k == 0 ? ID_RESIDENT : ID_HKMOTW, days[t], &info);
			if (why != NULL) {
				CHECK(strlen(why) > 0, "an empty reason");
				continue;
			}
			CHECK(n == 18 && digits(s, 17) && (digits(s + 17, 1) || s[17] == 'X'),
			    "accepted a malformed number");
			CHECK(id_check_char(s) == s[17], "accepted a wrong check character");
			int p = num(s, 2);
			CHECK(k == 0 ? (p >= 11 && p <= 65) : (p >= 81 && p <= 83), "accepted province %d", p);
			CHECK(info.year == num(s + 6, 4) && info.month == num(s + 10, 2) && info.day == num(s + 12, 2),
			    "birth date not the number's");
			CHECK(date_valid(info.year, info.month, info.day) && info.year >= 1800, "accepted a bad date");
			CHECK(info.male == ((s[16] - '0') % 2 == 1), "wrong sex");
		}
	}
	/* Any 17 digits have a check character from the alphabet; anything else has none
	 * (a name search asks about any 18 bytes). */
	if (n >= 17) {
		char c = id_check_char(s);
		CHECK(digits(s, 17) ? c != '\0' && strchr("0123456789X", c) != NULL : c == '\0',
		    "check character %d for %s", c, digits(s, 17) ? "digits" : "other bytes");
	}
}

static void check_masks(const char *s, size_t n)
{
	char out[300];
	id_mask(s, out);
	CHECK(strlen(out) == n, "id_mask changed the length");
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i] != '*') {
			CHECK(out[i] == s[i], "id_mask made up a character");
			shown++;
		}
	}
	CHECK(n < 10 ? shown == 0 : shown <= 10, "id_mask shows %zu of %zu", shown, n);

	phone_mask(s, out);
	CHECK(strlen(out) == n, "phone_mask changed the length");
	const char *dash = strchr(s, '-');
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '*')
			continue;
		CHECK(out[i] == s[i], "phone_mask made up a character");
		/* Kept: a mobile's first 3 and last 4, or a landline's area code and last 2. */
		bool may = dash != NULL ? s + i <= dash || i + 2 >= n : n >= 7 && (i < 3 || i + 4 >= n);
		CHECK(may, "phone_mask shows position %zu of %zu", i, n);
	}
}

static void check_config(const char *s)
{
	/* The parser explains refusals on stderr: keep that out of the fuzzer's output. */
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	bool ok = config_set_arg(s);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (null >= 0)
		close(null);
	if (!ok)
		return;
	const char *eq = strchr(s, '=');
	CHECK(eq != NULL, "accepted a setting without '='");
	for (int i = 0; i < CFG_COUNT; i++) {
		const struct config_entry *e = &config_table[i];
		if (strlen(e->name) != (size_t)(eq - s) || strncmp(e->name, s, (size_t)(eq - s)) != 0)
			continue;
		int64_t v = config_get((enum config_id)i), want;
		CHECK(v >= e->min && v <= e->max, "%s set to %lld, out of range", e->name, (long long)v);
		CHECK(parse_i64z(eq + 1, INT64_MIN, INT64_MAX, &want) && want == v, "%s set to another value", e->name);
		return;
	}
	CHECK(false, "accepted an unknown setting");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	n = strlen(s);
	check_id(s, n);
	check_masks(s, n);
	check_config(s);
	return 0;
}
