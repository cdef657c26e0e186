/* Working hours are counted by days, never minute by minute: an order list
 * computes warnings for many orders. A day is its number since 1970-01-01 in
 * Beijing time; between two special days the plain Monday–Friday rule holds, so
 * whole weeks are skipped arithmetically and only special days are visited. */
#include "calendar.h"

#include "../core/banned.h"

#define TZ_OFFSET (8 * 3600) /* Beijing, all year */
#define DAY (86400)

/* The office periods of a working day, in seconds after midnight: the one place
 * the schedule is written. */
static const struct period {
	int64_t from, to;
} periods[] = {
    {9 * 3600, 12 * 3600},
    {13 * 3600 + 1800, 18 * 3600},
};
#define NPERIODS (sizeof(periods) / sizeof(periods[0]))

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
}

static int64_t local_day(int64_t t) { return floor_div(t + TZ_OFFSET, DAY); }
static int64_t day_start(int64_t day) { return day * DAY - TZ_OFFSET; }

/* Day number of a civil date and back (Howard Hinnant's algorithms, proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400), yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int civil_from_days(int64_t day)
{
	int64_t z = day + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	return (int)((yoe + era * 400 + (m <= 2)) * 10000 + m * 100 + d);
}

static int64_t date_day(int date) { return days_from_civil(date / 10000, date / 100 % 100, date % 100); }

/* 0 Sunday .. 6 Saturday; day 0 was a Thursday. */
static int weekday(int64_t day) { return (int)((day % 7 + 7 + 4) % 7); }
static bool plain_workday(int64_t day) { return weekday(day) != 0 && weekday(day) != 6; }

/* Index of the first special day on or after day (bisection). */
static size_t first_from(const struct calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (date_day(c->days[mid].date) < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_workday(const struct calendar *c, int64_t day)
{
	size_t i = first_from(c, day);
	return i < c->n && date_day(c->days[i].date) == day ? c->days[i].working : plain_workday(day);
}

/* Monday–Friday days in [x, y). */
static int64_t plain_count(int64_t x, int64_t y)
{
	int64_t weeks = (y - x) / 7, n = weeks * 5;
	for (int64_t d = x + weeks * 7; d < y; d++)
		n += plain_workday(d);
	return n;
}

/* Working days in [x, y): the plain count, corrected by the special days inside. */
static int64_t workdays(const struct calendar *c, int64_t x, int64_t y)
{
	int64_t n = plain_count(x, y);
	for (size_t i = first_from(c, x); i < c->n && date_day(c->days[i].date) < y; i++)
		n += (int64_t)c->days[i].working - (int64_t)plain_workday(date_day(c->days[i].date));
	return n;
}

/* The Monday–Friday day that has k such days in [x, it). */
static int64_t plain_nth(int64_t x, int64_t k)
{
	int wd = weekday(x);
	x += wd == 6 ? 2 : wd == 0 ? 1 : 0;
	int64_t r = k % 5;
	return x + k / 5 * 7 + r + (weekday(x) - 1 + r >= 5 ? 2 : 0);
}

/* The working day that has k working days in [x, it). Plain stretches between
 * special days are jumped over; only the special days themselves are visited. */
static int64_t nth_workday(const struct calendar *c, int64_t x, int64_t k)
{
	for (size_t i = first_from(c, x);; i++) {
		int64_t day = plain_nth(x, k);
		if (i >= c->n || day < date_day(c->days[i].date))
			return day;
		int64_t special = date_day(c->days[i].date);
		k -= plain_count(x, special);
		if (c->days[i].working && k-- == 0)
			return special;
		x = special + 1;
	}
}

/* Office seconds of a working day before second s of the day. */
static int64_t office_before(int64_t s)
{
	int64_t n = 0;
	for (size_t i = 0; i < NPERIODS; i++)
		n += s <= periods[i].from ? 0 : (s < periods[i].to ? s : periods[i].to) - periods[i].from;
	return n;
}

/* The second of the day when o (0 < o <= a full day's) office seconds have passed. */
static int64_t office_moment(int64_t o)
{
	size_t i = 0;
	for (; i + 1 < NPERIODS && o > periods[i].to - periods[i].from; i++)
		o -= periods[i].to - periods[i].from;
	return periods[i].from + o;
}

/* Office seconds of t's own day before t; none on a day off. */
static int64_t office_in_day(const struct calendar *c, int64_t t)
{
	int64_t day = local_day(t);
	return is_workday(c, day) ? office_before(t - day_start(day)) : 0;
}

bool calendar_is_workday(const struct calendar *c, int64_t t) { return is_workday(c, local_day(t)); }

int64_t calendar_add(const struct calendar *c, int64_t start, int64_t hours, bool working)
{
	if (hours <= 0)
		return start;
	if (!working)
		return start + hours * 3600;
	int64_t need = hours * 3600, full = office_before(DAY), day = local_day(start);
	int64_t used = office_in_day(c, start);
	if (is_workday(c, day) && need <= full - used)
		return day_start(day) + office_moment(used + need);
	if (is_workday(c, day))
		need -= full - used;
	/* need > 0 is left: whole working days, then a part of 1..full seconds of the last one. */
	day = nth_workday(c, day + 1, (need - 1) / full);
	return day_start(day) + office_moment((need - 1) % full + 1);
}

int64_t calendar_elapsed(const struct calendar *c, int64_t a, int64_t b, bool working)
{
	if (a > b)
		return -calendar_elapsed(c, b, a, working);
	if (!working)
		return b - a;
	return workdays(c, local_day(a), local_day(b)) * office_before(DAY) + office_in_day(c, b) - office_in_day(c, a);
}

int calendar_date(int64_t t) { return civil_from_days(local_day(t)); }

int calendar_weekday(int date) { return weekday(date_day(date)); }
