/* Daily door-knocking (天天敲门组): teams that cover grids or buildings, the
 * cadence each household must be seen on (cadence.h), day plans and walk lists,
 * visits with the demands and life events they raise, and welfare alerts for
 * vulnerable residents not seen in person. The functions below are what the
 * files of this folder share; modules outside it see only the modules and
 * visits_demo. */
#ifndef DOORSTEP_VISITS_H
#define DOORSTEP_VISITS_H

#include "../http/api.h"
#include "cadence.h"

extern const struct module knock_teams_module; /* teams, the areas they cover, their members */
extern const struct module visit_policies_module; /* cadences, capacity and alert times per area */
extern const struct module visits_module; /* visits, with their demands and life events */
extern const struct module visit_plans_module; /* day plans (walk lists) */
extern const struct module welfare_alerts_module; /* alerts for vulnerable residents not seen */

/* For `doorstep demo`, after its accounts and work orders: a knock team on
 * every grid (the demo door-knocker and grid worker on 青和居社区's first grid,
 * placeholder volunteers without a login elsewhere), `months` months of visits
 * with realistic gaps, the alerts they leave, and today's plan. Runs its own
 * transactions; prints one line of what it made. DB_OK or the error. */
int visits_demo(struct db *db, uint64_t seed, int months);

/* --- small helpers (common.c) --- */

json_t *visits_time_json(int64_t t);
json_t *visits_text_or_null(struct db_stmt *st, int col);
/* {id, username, display_name} of a user row's columns col, col+1, col+2. */
json_t *visits_user_json(struct db_stmt *st, int col);
/* The tags whose bits are set, as identifiers; sensitive tags (health,
 * disability, income) appear as "sensitive" unless the caller may see them. */
json_t *visits_tags_json(unsigned mask, unsigned sensitive_mask, bool sensitive);
/* The mask of the registry's sensitive tags. */
unsigned visits_sensitive_mask(struct db *db);
/* An address as shown on a walk list: estate and building (or the area's
 * name), entrance and room: "和平小区 3栋 2-1201". */
char *visits_address(struct db *db, struct arena *a, const char *area, const char *unit, const char *room);

/* --- teams (teams.c) --- */

/* The areas where the caller holds perm: their roles' scope, and, if some role
 * grants perm at all, the areas of the knock teams they belong to. */
const char **visit_scope(struct req *r, const char *perm, int *n);
/* Whether area lies within one of the codes. */
bool visit_scope_covers(const char **codes, int n, const char *area);

/* --- policies (policies.c) --- */

struct policy_set;
/* Every stored policy, for looking up many areas at once. */
struct policy_set *policies_load(struct db *db);
void policies_free(struct policy_set *s);
/* The policy of an area: the one stored for its nearest area (itself or an
 * ancestor), else the district's default (cadence_policy_default). */
const struct cadence_policy *policy_for(const struct policy_set *s, const char *area);
/* The same for one area, read from the database. */
void policy_of(struct db *db, const char *area, struct cadence_policy *p);
/* The tags of a household's active members and the derived tags on day, as a
 * mask; false if nobody lives there any more. */
bool household_mask(struct db *db, int64_t household, int64_t day, unsigned *mask);
/* A resident's own tags and derived tags on day. */
unsigned resident_mask(struct db *db, int64_t resident, int64_t day);

/* --- plans (plan.c) --- */

/* Mark the household's open item in the plans of day as done by visit
 * (inside the caller's transaction). */
int plan_mark_visited(struct db *db, int64_t household, int64_t day, int64_t visit);

struct plan_stats {
	int64_t teams, members, households, due, planned, kept, unplanned;
	int64_t load_ns, compute_ns, store_ns;
};
/* Plan day for the knock teams whose area lies within the codes (n 0: every
 * team), and store it: items already visited stay, the rest are replaced. Runs
 * its own transaction; user is who planned (0: the command line). */
int plan_day(struct db *db, int64_t day, const char **codes, int n, int64_t user, struct plan_stats *st);
/* How a stored plan is shown. */
struct plan_view {
	const char **codes; /* the teams within these areas; n 0: every team */
	int n;
	int64_t user; /* and this user's own assignments wherever they are */
	bool only_user; /* only this user's */
	bool members; /* the names of who lives at each door */
	bool sensitive; /* sensitive tags among the reasons */
};
/* The stored plan of day: {date, assignments: [{user, team, households}], unplanned}. */
json_t *plan_json(struct db *db, struct arena *a, int64_t day, const struct plan_view *v);

/* --- alerts (alerts.c) --- */

/* After a visit (inside its transaction): close the alerts it answers (someone
 * seen in person) and raise the one it causes (an elderly person living alone
 * not at home twice running). */
int alerts_after_visit(struct db *db, int64_t visit, int64_t now);
/* Raise alerts for vulnerable residents not seen within their cadence and
 * escalate unacknowledged ones; the periodic task (inside its own transaction). */
void alerts_scan(struct db *db, int64_t now);

#endif
