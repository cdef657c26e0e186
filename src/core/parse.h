/* Strict parsers for untrusted text: the whole input must be consumed. */
#ifndef DOORSTEP_PARSE_H
#define DOORSTEP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal integer of exactly n bytes (optional leading '-') within [min, max]. */
bool parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);
/* Same for a NUL-terminated string. */
bool parse_i64z(const char *s, int64_t min, int64_t max, int64_t *out);
/* Whether the n bytes at s are well-formed UTF-8 without NUL or C0 controls other than tab, LF, CR. */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in valid UTF-8. */
size_t utf8_count(const char *s, size_t n);
/* Gregorian date check. */
bool date_valid(int y, int m, int d);
/* Whether s is an area code: 6 to 24 ASCII digits. */
bool area_code_valid(const char *s);

#endif
