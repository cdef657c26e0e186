/* Partner units (共建单位) with their paired communities, resources, liaisons
 * and cadres; seconded cadres' check-ins (报到); work teams (好样的工作队); and the
 * service hours credited when work orders close, reported to each unit (双报到). */
#ifndef DOORSTEP_PARTNERS_H
#define DOORSTEP_PARTNERS_H

#include <stdbool.h>
#include <stdint.h>

#include "../http/api.h"

extern const struct module partners_module;

/* Credit a person's minutes on a closed work order, to the partner unit they
 * belong to now (none: NULL). Inside the caller's transaction; crediting the
 * same order and person again replaces the earlier credit. DB_OK or the error
 * (DB_CONSTRAINT for negative minutes). */
int service_hours_credit(struct db *db, int64_t order_id, int64_t user_id, int64_t minutes, int64_t now);
/* Whether the user is a member of the team. */
bool user_in_team(struct db *db, int64_t user_id, int64_t team_id);
/* The partner unit the user belongs to (as liaison or cadre), 0 if none. */
int64_t user_partner(struct db *db, int64_t user_id);
/* For the demo district: partner units (武钢集团, 中国一冶 and others) paired with
 * communities of 工人村街道, with resources; the accounts named "partner" (a
 * liaison) and "cadre", when they exist, join 武钢集团, and the cadre is checked in
 * at 青和居社区 and joins its work team. Inside the caller's transaction. */
int partners_demo(struct db *db, int64_t now);

#endif
