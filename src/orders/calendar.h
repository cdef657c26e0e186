/* Time limits of work orders: calendar hours, or working hours that follow the
 * holiday calendar. Pure functions over a sorted array of special days; the
 * database side (the holidays table and its cache) is holidays.h.
 *
 * Everything is in Beijing time (UTC+8; China has no daylight saving). A working
 * day is Monday to Friday, unless a special day says otherwise (a statutory
 * holiday on a weekday, or an adjusted working day — 调休 — on a weekend), and
 * counts the office hours 09:00–12:00 and 13:30–18:00: 7.5 hours (the table of
 * periods in calendar.c is the one place to change them). A start outside
 * office hours counts from the next office period. */
#ifndef DOORSTEP_CALENDAR_H
#define DOORSTEP_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A day that differs from the Monday–Friday rule: YYYYMMDD as an int, and whether it is worked. */
struct special_day {
	int date;
	bool working;
};

/* The special days, sorted by date. Entries that agree with the rule are harmless. */
struct calendar {
	const struct special_day *days;
	size_t n;
};

/* Whether the Beijing day containing t (Unix seconds) is a working day. */
bool calendar_is_workday(const struct calendar *c, int64_t t);
/* The moment `hours` hours after start: calendar hours (working false) or office
 * hours (working true). A working deadline is inside an office period, at most
 * its end (12:00, not 13:30). hours <= 0 gives start. */
int64_t calendar_add(const struct calendar *c, int64_t start, int64_t hours, bool working);
/* Calendar or office seconds between a and b, for the time an order has used;
 * the inverse of calendar_add. a > b gives the negative of (b, a). */
int64_t calendar_elapsed(const struct calendar *c, int64_t a, int64_t b, bool working);
/* The Beijing calendar date of t as YYYYMMDD, and its weekday (0 Sunday .. 6 Saturday). */
int calendar_date(int64_t t);
int calendar_weekday(int date);

#endif
