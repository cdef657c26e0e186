/* How often a household must be seen in person, and when it is next due: pure
 * rules over a policy, a household's tags and its members' birth dates. The
 * database side (policies per community, who lives where) is policies.c.
 *
 * Days are Beijing calendar days (UTC+8, no daylight saving), numbered from
 * 1970-01-01 as day 0, so a due date is one integer. */
#ifndef DOORSTEP_CADENCE_H
#define DOORSTEP_CADENCE_H

#include <stdbool.h>
#include <stdint.h>

/* The tags a cadence rule can name, one bit each in a mask: the registry's
 * stored tags, then the derived ones (from birth dates). */
enum {
	CADENCE_NTAGS = 11,
	CADENCE_AGED_60 = 8, /* bit numbers of the derived tags */
	CADENCE_AGED_80 = 9,
	CADENCE_MINOR = 10,
};
extern const char *const cadence_tags[CADENCE_NTAGS + 1]; /* NULL-terminated, in bit order */

/* A community's visit policy: the default cadence, a cadence per tag (0: no
 * rule), the households a member visits a day, and the hours an alert waits
 * for acknowledgement before it goes to community staff. */
struct cadence_policy {
	int default_days;
	int days[CADENCE_NTAGS];
	int daily_capacity;
	int ack_hours;
};

/* The district's policy until someone changes it: weekly where someone is aged
 * 80+, lives alone or is under key care; fortnightly for hardship, disability and
 * empty nests; monthly for everyone else; 20 households a day; 24 hours. */
void cadence_policy_default(struct cadence_policy *p);
/* The bit of a tag identifier, or -1 if no rule can name it. */
int cadence_tag_bit(const char *tag);

/* The derived tags of a household on day, as a mask: aged_60 and aged_80 from its
 * oldest member's birth date, minor from its youngest's ("YYYY-MM-DD"; NULL or
 * malformed: no derived tag). */
unsigned cadence_age_mask(const char *oldest, const char *youngest, int64_t day);
/* The birth date ("YYYY-MM-DD") by which someone is `years` old on day. */
void cadence_born_by(int64_t day, int years, char out[11]);
/* The same for many households on one day: the cut-off birth dates, once. */
struct cadence_ages {
	char aged_60[11], aged_80[11], adult[11];
};
void cadence_ages_on(int64_t day, struct cadence_ages *c);
unsigned cadence_ages_mask(const struct cadence_ages *c, const char *oldest, const char *youngest);
/* The cadence in days for a mask of tags: the shortest rule among them, else the
 * default. *why (may be NULL) gets the tags whose rule set it (0: the default). */
int cadence_days(const struct cadence_policy *p, unsigned mask, unsigned *why);
/* Whether someone with these tags is vulnerable: a rule shorter than the default. */
bool cadence_vulnerable(const struct cadence_policy *p, unsigned mask);
/* The day a visit is due: the last in-person visit's day plus the cadence, or,
 * never met (last_met < 0), the day the household was recorded plus the cadence. */
int64_t cadence_due(int64_t last_met, int64_t recorded, int days);
/* How urgent a household due on `due` is on `day`: thousandths of its cadence
 * overdue (0 on the due day; negative before it). A weekly household three days
 * late is more urgent than a monthly one five days late. */
int64_t cadence_urgency(int64_t due, int64_t day, int days);

/* --- Beijing days --- */
/* The Beijing day of Unix time t. */
int64_t day_of(int64_t t);
/* Unix time of the Beijing midnight that starts day. */
int64_t day_start(int64_t day);
/* Parse "YYYY-MM-DD" (a real date); false otherwise. */
bool day_parse(const char *s, int64_t *day);
/* Format day as "YYYY-MM-DD" into out (11 bytes); returns out. */
char *day_format(int64_t day, char out[11]);

#endif
