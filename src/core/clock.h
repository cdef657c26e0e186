/* The one wall clock (UTC seconds) that all business logic reads. Test builds
 * (meson -Dtest_clock=true) can move it; release builds cannot. */
#ifndef DOORSTEP_CLOCK_H
#define DOORSTEP_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds since the epoch, UTC, as seen by the application. */
int64_t clock_now(void);
/* Monotonic nanoseconds, for durations only. */
int64_t clock_mono_ns(void);
/* Whether this build lets tests set the clock. */
bool clock_settable(void);
/* Test builds: make clock_now() answer t from now on (time keeps flowing). */
void clock_set(int64_t t);
/* Format t as ISO 8601 UTC ("2026-11-29T07:01:02Z") into out (at least 21 bytes). */
char *clock_format(int64_t t, char *out, size_t n);
/* Parse "YYYY-MM-DDTHH:MM:SSZ", "...+08:00" or "YYYY-MM-DD" (as UTC midnight). */
bool clock_parse(const char *s, int64_t *out);

#endif
