/* Cadence rules and Beijing days: pure functions (see cadence.h). */
#include "cadence.h"

#include <stdio.h>
#include <string.h>

#include "../core/parse.h"
#include "../core/banned.h"

const char *const cadence_tags[CADENCE_NTAGS + 1] = {"living_alone", "empty_nest", "disabled", "minimum_income",
    "extreme_hardship", "party_member", "veteran", "key_care", "aged_60", "aged_80", "minor", NULL};

void cadence_policy_default(struct cadence_policy *p)
{
	*p = (struct cadence_policy){.default_days = 30, .daily_capacity = 20, .ack_hours = 24};
	p->days[cadence_tag_bit("aged_80")] = 7;
	p->days[cadence_tag_bit("living_alone")] = 7;
	p->days[cadence_tag_bit("key_care")] = 7;
	p->days[cadence_tag_bit("minimum_income")] = 14;
	p->days[cadence_tag_bit("extreme_hardship")] = 14;
	p->days[cadence_tag_bit("disabled")] = 14;
	p->days[cadence_tag_bit("empty_nest")] = 14;
}

int cadence_tag_bit(const char *tag)
{
	for (int i = 0; i < CADENCE_NTAGS; i++)
		if (strcmp(cadence_tags[i], tag) == 0)
			return i;
	return -1;
}

void cadence_born_by(int64_t day, int years, char out[11])
{
	day_format(day, out);
	int64_t y = 0;
	parse_i64(out, 4, 0, 9999, &y);
	y = y >= years ? y - years : 0;
	for (int i = 3; i >= 0; i--, y /= 10)
		out[i] = (char)('0' + y % 10);
}

static bool is_date(const char *s) { return s != NULL && strlen(s) == 10 && s[4] == '-' && s[7] == '-'; }

void cadence_ages_on(int64_t day, struct cadence_ages *c)
{
	cadence_born_by(day, 60, c->aged_60);
	cadence_born_by(day, 80, c->aged_80);
	cadence_born_by(day, 18, c->adult);
}

unsigned cadence_ages_mask(const struct cadence_ages *c, const char *oldest, const char *youngest)
{
	unsigned mask = 0;
	if (is_date(oldest) && strcmp(oldest, c->aged_60) <= 0)
		mask |= 1u << CADENCE_AGED_60;
	if (is_date(oldest) && strcmp(oldest, c->aged_80) <= 0)
		mask |= 1u << CADENCE_AGED_80;
	if (is_date(youngest) && strcmp(youngest, c->adult) > 0)
		mask |= 1u << CADENCE_MINOR;
	return mask;
}

unsigned cadence_age_mask(const char *oldest, const char *youngest, int64_t day)
{
	struct cadence_ages c;
	cadence_ages_on(day, &c);
	return cadence_ages_mask(&c, oldest, youngest);
}

int cadence_days(const struct cadence_policy *p, unsigned mask, unsigned *why)
{
	int days = p->default_days;
	unsigned set_by = 0;
	for (int i = 0; i < CADENCE_NTAGS; i++) {
		int d = p->days[i];
		if (!(mask & (1u << i)) || d <= 0 || d > days)
			continue;
		set_by = d < days ? 0 : set_by; /* a shorter rule replaces the reasons; an equal one joins them */
		set_by |= 1u << i;
		days = d;
	}
	if (why != NULL)
		*why = days < p->default_days ? set_by : 0;
	return days;
}

bool cadence_vulnerable(const struct cadence_policy *p, unsigned mask)
{
	return cadence_days(p, mask, NULL) < p->default_days;
}

int64_t cadence_due(int64_t last_met, int64_t recorded, int days)
{
	return (last_met >= 0 ? last_met : recorded) + days;
}

int64_t cadence_urgency(int64_t due, int64_t day, int days) { return (day - due) * 1000 / (days > 0 ? days : 1); }

/* --- Beijing days (civil-from-days after Howard Hinnant's algorithms) --- */

#define BEIJING (8 * 3600)

int64_t day_of(int64_t t)
{
	int64_t s = t + BEIJING;
	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int64_t day_start(int64_t day) { return day * 86400 - BEIJING; }

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool day_parse(const char *s, int64_t *day)
{
	int64_t y, m, d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !parse_i64(s, 4, 1900, 9999, &y) ||
	    !parse_i64(s + 5, 2, 1, 12, &m) || !parse_i64(s + 8, 2, 1, 31, &d) || !date_valid((int)y, (int)m, (int)d))
		return false;
	*day = days_from_civil(y, m, d);
	return true;
}

char *day_format(int64_t day, char out[11])
{
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	int64_t y = yoe + era * 400 + (m <= 2);
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
	return out;
}
