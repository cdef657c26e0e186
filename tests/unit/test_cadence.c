/* Cadence rules: a household's cadence from its tags and ages, the due day from
 * the last in-person visit, urgency, and Beijing days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/visits/cadence.h"

static int64_t day(const char *s)
{
	int64_t d = 0;
	assert_true(day_parse(s, &d));
	return d;
}

static unsigned bit(const char *tag) { return 1u << cadence_tag_bit(tag); }

static void default_policy_follows_the_issue(void **state)
{
	(void)state;
	struct cadence_policy p;
	cadence_policy_default(&p);
	unsigned why;
	assert_int_equal(cadence_days(&p, 0, &why), 30);
	assert_int_equal(why, 0);
	assert_int_equal(cadence_days(&p, bit("aged_80"), &why), 7);
	assert_int_equal(why, bit("aged_80"));
	assert_int_equal(cadence_days(&p, bit("living_alone"), NULL), 7);
	assert_int_equal(cadence_days(&p, bit("minimum_income"), NULL), 14);
	assert_int_equal(cadence_days(&p, bit("disabled"), NULL), 14);
	/* Party members and veterans have no rule: monthly. */
	assert_int_equal(cadence_days(&p, bit("party_member") | bit("veteran"), &why), 30);
	assert_int_equal(why, 0);
	assert_int_equal(p.daily_capacity, 20);
}

static void shortest_rule_wins_and_equal_rules_are_all_reasons(void **state)
{
	(void)state;
	struct cadence_policy p;
	cadence_policy_default(&p);
	unsigned why;
	assert_int_equal(cadence_days(&p, bit("disabled") | bit("aged_80"), &why), 7);
	assert_int_equal(why, bit("aged_80"));
	assert_int_equal(cadence_days(&p, bit("living_alone") | bit("aged_80") | bit("disabled"), &why), 7);
	assert_int_equal(why, bit("living_alone") | bit("aged_80"));
	/* A rule longer than the default never lengthens the cadence. */
	p.days[cadence_tag_bit("veteran")] = 60;
	assert_int_equal(cadence_days(&p, bit("veteran"), &why), 30);
	assert_false(cadence_vulnerable(&p, bit("veteran")));
	assert_true(cadence_vulnerable(&p, bit("extreme_hardship")));
	/* A community that visits everyone weekly: nobody stands out as vulnerable. */
	p.default_days = 7;
	assert_false(cadence_vulnerable(&p, bit("aged_80")));
}

static void ages_come_from_birth_dates_on_the_day(void **state)
{
	(void)state;
	int64_t d = day("2026-11-29");
	unsigned aged80 = 1u << CADENCE_AGED_80, aged60 = 1u << CADENCE_AGED_60, minor = 1u << CADENCE_MINOR;
	assert_int_equal(cadence_age_mask("1946-11-29", NULL, d), aged60 | aged80); /* 80 today */
	assert_int_equal(cadence_age_mask("1946-11-30", NULL, d), aged60); /* 80 tomorrow */
	assert_int_equal(cadence_age_mask("1966-11-29", NULL, d), aged60);
	assert_int_equal(cadence_age_mask("1966-11-30", NULL, d), 0u);
	assert_int_equal(cadence_age_mask("1970-01-01", "2008-11-30", d), minor); /* 18 tomorrow */
	assert_int_equal(cadence_age_mask("1970-01-01", "2008-11-29", d), 0u);
	assert_int_equal(cadence_age_mask(NULL, NULL, d), 0u);
	assert_int_equal(cadence_age_mask("1940", "", d), 0u);
	/* Someone born on 29 February turns 80 on that day, not the day before. */
	assert_int_equal(cadence_age_mask("1944-02-29", NULL, day("2024-02-28")) & aged80, 0u);
	assert_int_equal(cadence_age_mask("1944-02-29", NULL, day("2024-02-29")) & aged80, aged80);
	assert_int_equal(cadence_age_mask("1946-02-28", NULL, day("2026-02-28")) & aged80, aged80);
	/* The cut-offs computed once give the same answers. */
	struct cadence_ages ages;
	cadence_ages_on(d, &ages);
	assert_string_equal(ages.aged_80, "1946-11-29");
	assert_int_equal(cadence_ages_mask(&ages, "1946-11-29", "2008-11-30"), aged60 | aged80 | minor);
}

static void due_from_the_last_in_person_visit(void **state)
{
	(void)state;
	int64_t met = day("2026-11-20"), recorded = day("2026-01-05");
	assert_int_equal(cadence_due(met, recorded, 7), day("2026-11-27"));
	assert_int_equal(cadence_due(-1, recorded, 30), day("2026-02-04")); /* never met: from the record */
	/* Urgency: thousandths of the cadence overdue. */
	assert_int_equal(cadence_urgency(day("2026-11-27"), day("2026-11-27"), 7), 0);
	assert_int_equal(cadence_urgency(day("2026-11-26"), day("2026-11-29"), 7), 428);
	assert_int_equal(cadence_urgency(day("2026-11-24"), day("2026-11-29"), 30), 166);
	assert_true(cadence_urgency(day("2026-12-01"), day("2026-11-29"), 7) < 0);
}

static void beijing_days(void **state)
{
	(void)state;
	char out[11];
	assert_int_equal(day("1970-01-01"), 0);
	assert_string_equal(day_format(day("2026-11-29"), out), "2026-11-29");
	assert_string_equal(day_format(day("2024-02-29"), out), "2024-02-29");
	assert_string_equal(day_format(day("2000-03-01") - 1, out), "2000-02-29");
	/* 2026-11-29 16:00 UTC is 30 November 00:00 in Beijing. */
	assert_int_equal(day_of(1795968000 - 1), day("2026-11-29"));
	assert_int_equal(day_of(1795968000), day("2026-11-30"));
	assert_int_equal(day_start(day("2026-11-30")), 1795968000);
	int64_t d;
	assert_false(day_parse("2026-02-30", &d));
	assert_false(day_parse("2026-2-3", &d));
	assert_false(day_parse("2026-11-29T00:00:00Z", &d));
	assert_false(day_parse(NULL, &d));
	assert_int_equal(cadence_tag_bit("no_such_tag"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_policy_follows_the_issue),
	    cmocka_unit_test(shortest_rule_wins_and_equal_rules_are_all_reasons),
	    cmocka_unit_test(ages_come_from_birth_dates_on_the_day),
	    cmocka_unit_test(due_from_the_last_in_person_visit),
	    cmocka_unit_test(beijing_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
