/* The time-limit calendar: calendar hours, and office hours (09:00–12:00,
 * 13:30–18:00 Beijing time) on working days of the 2026 holiday arrangement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/clock.h"
#include "../../src/orders/calendar.h"

/* The special days the holidays migration stores for 2026. */
static const struct special_day days_2026[] = {
    {20260101, false},
    {20260102, false},
    {20260104, true},
    {20260214, true},
    {20260216, false},
    {20260217, false},
    {20260218, false},
    {20260219, false},
    {20260220, false},
    {20260223, false},
    {20260228, true},
    {20260406, false},
    {20260501, false},
    {20260504, false},
    {20260505, false},
    {20260509, true},
    {20260619, false},
    {20260920, true},
    {20260925, false},
    {20261001, false},
    {20261002, false},
    {20261005, false},
    {20261006, false},
    {20261007, false},
    {20261010, true},
};
static const struct calendar cal = {days_2026, sizeof(days_2026) / sizeof(days_2026[0])};
static const struct calendar plain = {NULL, 0};

#define H 3600

/* Beijing local time "2026-09-30T16:00" as Unix seconds. */
static int64_t bj(const char *local)
{
	char iso[32];
	int64_t t = 0;
	snprintf(iso, sizeof(iso), "%s:00+08:00", local);
	if (!clock_parse(iso, &t))
		fail_msg("bad test time %s", local);
	return t;
}

static void assert_time(int64_t got, const char *want)
{
	if (got != bj(want)) {
		char g[32];
		fail_msg("got %s (UTC), want %s Beijing time", clock_format(got, g, sizeof(g)), want);
	}
}

static void calendar_hours_ignore_holidays(void **state)
{
	int64_t t = bj("2026-09-30T16:00");
	assert_time(calendar_add(&cal, t, 24, false), "2026-10-01T16:00");
	assert_time(calendar_add(&cal, t, 72, false), "2026-10-03T16:00");
	assert_int_equal(calendar_elapsed(&cal, t, bj("2026-10-08T16:30"), false), 8 * 24 * H + 30 * 60);
	assert_int_equal(calendar_elapsed(&cal, bj("2026-10-08T16:30"), t, false), -(8 * 24 * H + 30 * 60));
}

static void working_hours_within_a_day_and_across_lunch(void **state)
{
	assert_time(calendar_add(&cal, bj("2026-03-02T09:00"), 2, true), "2026-03-02T11:00");
	/* A deadline that falls at the end of the morning is 12:00, not 13:30. */
	assert_time(calendar_add(&cal, bj("2026-03-02T10:00"), 2, true), "2026-03-02T12:00");
	/* 11:00–12:00, then 13:30–14:30. */
	assert_time(calendar_add(&cal, bj("2026-03-02T11:00"), 2, true), "2026-03-02T14:30");
	/* A whole day from opening ends at closing, not the next morning. */
	assert_time(calendar_add(&cal, bj("2026-03-02T09:00"), 15, true), "2026-03-03T18:00");
	assert_int_equal(calendar_elapsed(&cal, bj("2026-03-02T11:00"), bj("2026-03-02T14:30"), true), 2 * H);
	assert_int_equal(calendar_elapsed(&cal, bj("2026-03-02T00:00"), bj("2026-03-03T00:00"), true), 7 * H + H / 2);
}

static void working_hours_across_a_night_and_a_weekend(void **state)
{
	/* 17:00–18:00, then 09:00–10:00 the next morning. */
	assert_time(calendar_add(&cal, bj("2026-03-02T17:00"), 2, true), "2026-03-03T10:00");
	/* Friday 17:00–18:00, then Monday. */
	assert_time(calendar_add(&cal, bj("2026-03-06T17:00"), 2, true), "2026-03-09T10:00");
	/* Ten working days (75 h) are two calendar weeks. */
	assert_time(calendar_add(&cal, bj("2026-03-04T10:00"), 75, true), "2026-03-18T10:00");
	assert_int_equal(calendar_elapsed(&cal, bj("2026-03-06T17:00"), bj("2026-03-09T10:00"), true), 2 * H);
}

static void working_hours_across_national_day(void **state)
{
	/* By hand: Wed 30 Sep 16:00–18:00 is 2 h; 1–7 Oct are off (the 3rd and 4th a
	 * weekend anyway); Thu 8 Oct 09:00–12:00 is 3 h more, and the last 3 h run
	 * 13:30–16:30. So 8 working hours end on Thursday 8 October at 16:30. */
	int64_t start = bj("2026-09-30T16:00");
	assert_time(calendar_add(&cal, start, 8, true), "2026-10-08T16:30");
	assert_int_equal(calendar_elapsed(&cal, start, bj("2026-10-08T16:30"), true), 8 * H);
	assert_false(calendar_is_workday(&cal, bj("2026-10-05T10:00")));
	/* Without the holidays the same limit ends on Thursday 1 October. */
	assert_time(calendar_add(&plain, start, 8, true), "2026-10-01T16:30");
}

static void adjusted_working_days_count(void **state)
{
	assert_true(calendar_is_workday(&cal, bj("2026-10-10T10:00")));
	assert_false(calendar_is_workday(&cal, bj("2026-10-11T10:00")));
	assert_true(calendar_is_workday(&cal, bj("2026-09-20T08:00")));
	assert_false(calendar_is_workday(&plain, bj("2026-10-10T10:00")));
	/* Friday 9 Oct 17:00–18:00, then Saturday 10 Oct is worked. */
	assert_time(calendar_add(&cal, bj("2026-10-09T17:00"), 2, true), "2026-10-10T10:00");
	assert_time(calendar_add(&plain, bj("2026-10-09T17:00"), 2, true), "2026-10-12T10:00");
	/* Friday 18 Sep 17:00–18:00, Saturday off, Sunday 20 Sep worked. */
	assert_time(calendar_add(&cal, bj("2026-09-18T17:00"), 2, true), "2026-09-20T10:00");
	/* The Spring Festival: Friday 13 Feb 17:00–18:00 (1 h), Saturday 14th worked
	 * (7.5 h), off from the 15th to Monday 23rd, the last half hour on Tuesday 24th. */
	assert_time(calendar_add(&cal, bj("2026-02-13T17:00"), 9, true), "2026-02-24T09:30");
}

static void starts_outside_office_hours(void **state)
{
	assert_time(calendar_add(&cal, bj("2026-03-02T07:00"), 1, true), "2026-03-02T10:00");
	assert_time(calendar_add(&cal, bj("2026-03-02T12:30"), 1, true), "2026-03-02T14:30");
	assert_time(calendar_add(&cal, bj("2026-03-02T22:00"), 1, true), "2026-03-03T10:00");
	assert_time(calendar_add(&cal, bj("2026-03-07T10:00"), 1, true), "2026-03-09T10:00");
	assert_time(calendar_add(&cal, bj("2026-10-01T10:00"), 1, true), "2026-10-08T10:00");
	assert_int_equal(calendar_elapsed(&cal, bj("2026-03-07T10:00"), bj("2026-03-08T23:00"), true), 0);
}

static void zero_hours_is_the_start(void **state)
{
	int64_t night = bj("2026-03-02T22:00");
	assert_int_equal(calendar_add(&cal, night, 0, true), night);
	assert_int_equal(calendar_add(&cal, night, 0, false), night);
	assert_int_equal(calendar_add(&cal, night, -3, true), night);
	assert_int_equal(calendar_elapsed(&cal, night, night, true), 0);
}

static void dates_are_beijing_dates(void **state)
{
	assert_int_equal(calendar_date(bj("2026-09-30T23:30")), 20260930);
	assert_int_equal(calendar_date(bj("2026-10-01T07:00")), 20261001); /* still 30 Sep in UTC */
	assert_int_equal(calendar_date(-1), 19700101);
	assert_int_equal(calendar_date(-8 * H - 1), 19691231);
	assert_int_equal(calendar_weekday(20261010), 6);
	assert_int_equal(calendar_weekday(20260920), 0);
	assert_int_equal(calendar_weekday(20000229), 2);
	assert_true(calendar_is_workday(&cal, bj("2026-10-09T00:00")));
	assert_false(calendar_is_workday(&cal, bj("2026-10-08T00:00") - 1));
}

/* --- against a reference that walks minute by minute --- */

static bool ref_workday(const struct calendar *c, int64_t t)
{
	int date = calendar_date(t);
	for (size_t i = 0; i < c->n; i++)
		if (c->days[i].date == date)
			return c->days[i].working;
	int64_t day = (t + 8 * H) / 86400; /* tests use times after 1970 */
	int wd = (int)((day + 4) % 7);
	return wd != 0 && wd != 6;
}

static bool ref_office_minute(const struct calendar *c, int64_t t)
{
	int64_t s = (t + 8 * H) % 86400;
	return ref_workday(c, t) && ((s >= 9 * H && s < 12 * H) || (s >= 13 * H + H / 2 && s < 18 * H));
}

static int64_t ref_add(const struct calendar *c, int64_t t, int64_t hours)
{
	for (int64_t need = hours * 60; need > 0; t += 60)
		need -= ref_office_minute(c, t);
	return t;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void agrees_with_minute_by_minute_reference(void **state)
{
	int64_t year = bj("2026-01-01T00:00");
	for (int i = 0; i < 400; i++) {
		int64_t start = year + (int64_t)(next_random() % (365 * 1440)) * 60;
		int64_t hours = (int64_t)(next_random() % 48);
		int64_t want = ref_add(&cal, start, hours), got = calendar_add(&cal, start, hours, true);
		if (got != want) {
			char s[32], w[32], g[32];
			fail_msg("start %s + %lld h: got %s, want %s", clock_format(start, s, sizeof(s)),
			    (long long)hours, clock_format(got, g, sizeof(g)), clock_format(want, w, sizeof(w)));
		}
		assert_int_equal(calendar_elapsed(&cal, start, got, true), hours * H);
		/* Any interval: office minutes counted one by one. */
		int64_t end = start + (int64_t)(next_random() % (20 * 1440)) * 60, n = 0;
		for (int64_t t = start; t < end; t += 60)
			n += ref_office_minute(&cal, t);
		assert_int_equal(calendar_elapsed(&cal, start, end, true), n * 60);
	}
}

static void long_limits_are_skipped_not_walked(void **state)
{
	/* Tens of years of working hours, through the 2026 special days and plain years after. */
	int64_t start = bj("2025-12-20T15:45");
	for (int64_t hours = 1; hours < 200000; hours = hours * 3 + 1) {
		int64_t end = calendar_add(&cal, start, hours, true);
		assert_int_equal(calendar_elapsed(&cal, start, end, true), hours * H);
		assert_true(calendar_is_workday(&cal, end));
	}
	/* 2027 has no special days here: 75 h are ten Monday–Friday days. */
	assert_time(calendar_add(&cal, bj("2027-01-04T09:00"), 75, true), "2027-01-15T18:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(calendar_hours_ignore_holidays),
	    cmocka_unit_test(working_hours_within_a_day_and_across_lunch),
	    cmocka_unit_test(working_hours_across_a_night_and_a_weekend),
	    cmocka_unit_test(working_hours_across_national_day),
	    cmocka_unit_test(adjusted_working_days_count),
	    cmocka_unit_test(starts_outside_office_hours),
	    cmocka_unit_test(zero_hours_is_the_start),
	    cmocka_unit_test(dates_are_beijing_dates),
	    cmocka_unit_test(agrees_with_minute_by_minute_reference),
	    cmocka_unit_test(long_limits_are_skipped_not_walked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
