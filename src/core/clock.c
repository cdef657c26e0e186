#include "clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "banned.h"

static _Atomic int64_t offset;

int64_t clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + atomic_load(&offset);
}

int64_t clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#ifdef DOORSTEP_TEST_CLOCK
bool clock_settable(void) { return true; }
void clock_set(int64_t t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	atomic_store(&offset, t - (int64_t)ts.tv_sec);
}
#else
bool clock_settable(void) { return false; }
void clock_set(int64_t t) { (void)t; }
#endif

char *clock_format(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

static bool digits(const char *s, size_t n, int64_t min, int64_t max, int *out)
{
	int64_t v;
	for (size_t i = 0; i < n; i++) /* parse_i64 alone would take "-0" */
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (!parse_i64(s, n, min, max, &v))
		return false;
	*out = (int)v;
	return true;
}

static int64_t days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool clock_parse(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
	size_t n = strlen(s);
	if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, 1900, 2999, &y) || !digits(s + 5, 2, 1, 12, &mo) ||
	    !digits(s + 8, 2, 1, 31, &d) || !date_valid(y, mo, d))
		return false;
	if (n > 10) {
		if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || !digits(s + 11, 2, 0, 23, &h) ||
		    !digits(s + 14, 2, 0, 59, &mi) || !digits(s + 17, 2, 0, 59, &se))
			return false;
		const char *z = s + 19;
		if (strcmp(z, "Z") != 0) {
			int oh, om;
			if (strlen(z) != 6 || (z[0] != '+' && z[0] != '-') || z[3] != ':' ||
			    !digits(z + 1, 2, 0, 14, &oh) || !digits(z + 4, 2, 0, 59, &om))
				return false;
			off = (oh * 60 + om) * 60 * (z[0] == '+' ? 1 : -1);
		}
	}
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	return true;
}
