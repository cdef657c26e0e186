/* Day plans as stored and shown: the walk lists of each team member for a
 * day (POST plans it with plan.c's planner, off the HTTP thread; GET shows the
 * teams the caller plans for and the caller's own list), and a visit marking
 * its door done. */
#include <string.h>

#include "../auth/auth.h"
#include "../core/clock.h"
#include "route.h"
#include "visits.h"
#include "../core/banned.h"

int plan_mark_visited(struct db *db, int64_t household, int64_t day, int64_t visit)
{
	char date[11];
	return db_ran(db_run(db,
	    "UPDATE visit_plan_items SET visit_id = ? WHERE household_id = ? AND visit_id IS NULL"
	    " AND plan_id IN (SELECT id FROM visit_plans WHERE date = ?)",
	    "iit", visit, household, day_format(day, date)));
}

/* --- showing a plan --- */

#define ITEM_COLUMNS                                                                                              \
	"p.team_id, t.name, i.user_id, u.username, u.display_name, i.household_id, i.seq, i.due, i.cadence_days," \
	" i.reasons, i.carried_over, i.visit_id, v.outcome, h.area_code, h.unit, h.room, p.unplanned"
#define ITEM_FROM                                                                                                \
	" FROM visit_plan_items i JOIN visit_plans p ON p.id = i.plan_id JOIN knock_teams t ON t.id = p.team_id" \
	" JOIN users u ON u.id = i.user_id JOIN households h ON h.id = i.household_id"                           \
	" LEFT JOIN visits v ON v.id = i.visit_id"

static json_t *members_json(struct db *db, int64_t household)
{
	json_t *people = json_array();
	struct db_stmt *st = db_stmt(db,
	    "SELECT id, name FROM residents WHERE household_id = ? AND status = 'active' ORDER BY id", "i", household);
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(
		    people, json_pack("{sI ss}", "id", (json_int_t)db_int(st, 0), "name", db_text(st, 1)));
	if (st)
		db_reset(st);
	return people;
}

static json_t *item_json(
    struct db *db, struct arena *a, struct db_stmt *st, int64_t day, const struct plan_view *v, unsigned sensitive)
{
	int64_t due = 0;
	day_parse(db_text(st, 7), &due);
	const char *area = db_text(st, 13), *unit = db_text(st, 14), *room = db_text(st, 15);
	json_t *h = json_pack("{sI ss sI si so sb sI ss ss ss ss si}", "id", (json_int_t)db_int(st, 5), "due",
	    db_text(st, 7), "overdue_days", (json_int_t)(day - due), "cadence_days", (int)db_int(st, 8), "reasons",
	    visits_tags_json((unsigned)db_int(st, 9), sensitive, v->sensitive), "carried_over", (int)db_int(st, 10),
	    "seq", (json_int_t)db_int(st, 6), "area_code", area, "address", visits_address(db, a, area, unit, room),
	    "unit", unit, "room", room, "floor", route_floor(room));
	json_object_set_new(h, "visit_id", db_null(st, 11) ? json_null() : json_integer(db_int(st, 11)));
	json_object_set_new(h, "outcome", visits_text_or_null(st, 12));
	if (v->members)
		json_object_set_new(h, "members", members_json(db, db_int(st, 5)));
	return h;
}

json_t *plan_json(struct db *db, struct arena *a, int64_t day, const struct plan_view *v)
{
	char date[11];
	day_format(day, date);
	const char *teams = v->n ? scope_sql(a, "t.area_code", v->codes, v->n) : "1=1";
	if (v->only_user)
		teams = "0=1";
	struct db_stmt *st = db_prepare(
	    db, arena_printf(a,
	            "SELECT " ITEM_COLUMNS ITEM_FROM " WHERE p.date = ? AND (%s OR i.user_id = ?) ORDER BY p.team_id,"
	            " i.user_id, i.visit_id IS NULL, i.seq",
	            teams));
	json_t *out = json_pack("{ss s[]}", "date", date, "assignments"),
	       *assignments = json_object_get(out, "assignments");
	if (st == NULL)
		return out;
	db_bind_text(st, 1, date);
	int i = scope_bind(st, 2, a, v->only_user ? NULL : v->codes, v->only_user ? 0 : v->n);
	db_bind_int(st, i, v->user);
	unsigned sensitive = visits_sensitive_mask(db);
	json_t *cur = NULL;
	int64_t team = 0, user = 0;
	while (db_step(st) == DB_ROW) {
		if (cur == NULL || db_int(st, 0) != team || db_int(st, 2) != user) {
			team = db_int(st, 0);
			user = db_int(st, 2);
			cur = json_pack("{so s{sI ss} s[]}", "user", visits_user_json(st, 2), "team", "id",
			    (json_int_t)team, "name", db_text(st, 1), "households");
			json_array_append_new(assignments, cur);
		}
		json_array_append_new(json_object_get(cur, "households"), item_json(db, a, st, day, v, sensitive));
	}
	db_reset(st);
	/* Due doors left for want of capacity, over the teams shown. */
	st = db_prepare(
	    db, arena_printf(a,
	            "SELECT coalesce(sum(p.unplanned), 0) FROM visit_plans p JOIN knock_teams t ON t.id = p.team_id"
	            " WHERE p.date = ? AND %s",
	            teams));
	if (st != NULL) {
		db_bind_text(st, 1, date);
		scope_bind(st, 2, a, v->only_user ? NULL : v->codes, v->only_user ? 0 : v->n);
		json_object_set_new(out, "unplanned", json_integer(db_step(st) == DB_ROW ? db_int(st, 0) : 0));
		db_reset(st);
	}
	return out;
}

/* --- the API --- */

/* The day of the path or body: a date; false with a 422 sent. */
static bool date_of(struct req *r, const char *text, const char *field, int64_t *day)
{
	if (text != NULL && day_parse(text, day))
		return true;
	reply_invalid(r, field, "must be a date like 2026-11-29");
	return false;
}

static struct plan_view view_for(struct req *r, bool mine)
{
	struct plan_view v = {.user = req_user(r)->id, .only_user = mine, .members = true};
	v.codes = user_scope(req_arena(r), req_user(r), "visits.plan", &v.n);
	if (v.n == 0) /* no plan rights: only one's own list */
		v.only_user = true;
	v.sensitive = user_can(req_user(r), "residents.sensitive");
	return v;
}

static void get_plan(struct req *r)
{
	int64_t day;
	if (!date_of(r, req_param(r, 0), "date", &day))
		return;
	const char *mine = req_query(r, "mine");
	struct plan_view v = view_for(r, mine != NULL && strcmp(mine, "true") == 0);
	reply_json(r, 200, plan_json(req_db(r), req_arena(r), day, &v));
}

/* Planning a street or the district takes a moment: off the HTTP thread. */
static void plan_deferred(struct req *r)
{
	int64_t day;
	day_parse(body_str(r, "date"), &day);
	const char *area = body_str(r, "area");
	int n = 0;
	const char **codes = area ? (const char **)arena_alloc(req_arena(r), sizeof(char *))
	                          : user_scope(req_arena(r), req_user(r), "visits.plan", &n);
	if (area != NULL) {
		codes[0] = area;
		n = 1;
	}
	struct plan_stats stats;
	int rc = plan_day(req_db(r), day, codes, n, req_user(r)->id, &stats);
	if (rc != DB_OK) {
		reply_db_error(r, rc);
		return;
	}
	struct plan_view v = {.codes = codes, .n = n, .members = true};
	v.sensitive = user_can(req_user(r), "residents.sensitive");
	json_t *j = plan_json(req_db(r), req_arena(r), day, &v);
	json_object_set_new(j, "stats",
	    json_pack("{sI sI sI sI sI sI sI}", "teams", (json_int_t)stats.teams, "members", (json_int_t)stats.members,
	        "households", (json_int_t)stats.households, "due", (json_int_t)stats.due, "planned",
	        (json_int_t)stats.planned, "kept", (json_int_t)stats.kept, "unplanned", (json_int_t)stats.unplanned));
	reply_json(r, 200, j);
}

static void make_plan(struct req *r)
{
	int64_t day;
	if (!date_of(r, body_str(r, "date"), "date", &day))
		return;
	int64_t today = day_of(clock_now());
	if (day < today || day > today + 30) {
		reply_invalid(r, "date", "must be today or within the next 30 days");
		return;
	}
	const char *area = body_str(r, "area");
	if (area != NULL && !user_covers(req_user(r), "visits.plan", area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	reply_defer(r, plan_deferred);
}

static const struct field person_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field team_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field named_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field named_schema = {NULL, T_OBJECT, 0, .fields = named_fields};
static const struct field tag_item = {NULL, T_STRING};
static const struct field door_fields[] = {
    {"id", T_INT, F_REQUIRED, .desc = "the household"},
    {"due", T_STRING, F_REQUIRED, .desc = "the day it fell due (Beijing)"},
    {"overdue_days", T_INT, F_REQUIRED},
    {"cadence_days", T_INT, F_REQUIRED},
    {"reasons", T_ARRAY, F_REQUIRED, .items = &tag_item, .desc = "the tags that set the cadence"},
    {"carried_over", T_BOOL, F_REQUIRED, .desc = "planned the day before and not met"},
    {"seq", T_INT, F_REQUIRED, .desc = "position along the walk"},
    {"area_code", T_STRING, F_REQUIRED},
    {"address", T_STRING, F_REQUIRED},
    {"unit", T_STRING, F_REQUIRED},
    {"room", T_STRING, F_REQUIRED},
    {"floor", T_INT, F_REQUIRED},
    {"visit_id", T_INT, F_REQUIRED | F_NULLABLE, .desc = "the visit made, once made"},
    {"outcome", T_STRING, F_REQUIRED | F_NULLABLE},
    {"members", T_ARRAY, 0, .items = &named_schema, .desc = "who lives there"},
    {NULL},
};
static const struct field door_schema = {NULL, T_OBJECT, 0, .fields = door_fields};
static const struct field assignment_fields[] = {
    {"user", T_OBJECT, F_REQUIRED, .fields = person_fields},
    {"team", T_OBJECT, F_REQUIRED, .fields = team_fields},
    {"households", T_ARRAY, F_REQUIRED, .items = &door_schema, .desc = "in walking order, visited ones first"},
    {NULL},
};
static const struct field assignment_schema = {NULL, T_OBJECT, 0, .fields = assignment_fields};
static const struct field stats_fields[] = {
    {"teams", T_INT, F_REQUIRED},
    {"members", T_INT, F_REQUIRED},
    {"households", T_INT, F_REQUIRED, .desc = "occupied households the teams cover"},
    {"due", T_INT, F_REQUIRED, .desc = "due or overdue that day, not yet visited"},
    {"planned", T_INT, F_REQUIRED},
    {"kept", T_INT, F_REQUIRED, .desc = "already visited, kept from the earlier plan"},
    {"unplanned", T_INT, F_REQUIRED, .desc = "due but beyond the teams' capacity"},
    {NULL},
};
static const struct field plan_fields[] = {
    {"date", T_STRING, F_REQUIRED},
    {"assignments", T_ARRAY, F_REQUIRED, .items = &assignment_schema},
    {"unplanned", T_INT, F_REQUIRED, .desc = "due doors left for want of capacity"},
    {"stats", T_OBJECT, 0, .fields = stats_fields, .desc = "when just planned"},
    {NULL},
};
static const struct field plan_schema = {NULL, T_OBJECT, 0, .fields = plan_fields};
static const struct field make_fields[] = {
    {"date", T_STRING, F_REQUIRED, 10, 10, .desc = "YYYY-MM-DD: today or within 30 days"},
    {"area", T_STRING, F_AREA, .desc = "plan the teams within this area; default: all of the caller's"},
    {NULL},
};
static const struct field make_body = {NULL, T_OBJECT, 0, .fields = make_fields};
static const char *const booleans[] = {"true", "false", NULL};
static const struct field get_query[] = {
    {"mine", T_ENUM, 0, .values = booleans, .desc = "true: only my walk list"},
    {NULL},
};

static const struct route routes[] = {
    {M_POST, "/api/v1/visit-plans", "visits.plan", 0, NULL, &make_body, 200, &plan_schema, make_plan,
        "Plan a day's visits for the teams in scope (doors already visited that day stay)"},
    {M_GET, "/api/v1/visit-plans/{date}", "visits.read", 0, get_query, NULL, 200, &plan_schema, get_plan,
        "A day's plan: the teams the caller plans for, and the caller's own walk list"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE visit_plans ("
        " id INTEGER PRIMARY KEY,"
        " date TEXT NOT NULL,"
        " team_id INTEGER NOT NULL REFERENCES knock_teams (id),"
        " planned_at INTEGER NOT NULL,"
        " planned_by INTEGER REFERENCES users (id),"
        " unplanned INTEGER NOT NULL,"
        " UNIQUE (date, team_id));"
        "CREATE TABLE visit_plan_items ("
        " plan_id INTEGER NOT NULL REFERENCES visit_plans (id),"
        " household_id INTEGER NOT NULL REFERENCES households (id),"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " seq INTEGER NOT NULL,"
        " due TEXT NOT NULL,"
        " cadence_days INTEGER NOT NULL,"
        " reasons INTEGER NOT NULL," /* the tags that set the cadence, as cadence.h's bits */
        " carried_over INTEGER NOT NULL,"
        " visit_id INTEGER REFERENCES visits (id),"
        " PRIMARY KEY (plan_id, household_id));"
        "CREATE INDEX visit_plan_items_household ON visit_plan_items (household_id);"},
    {0},
};

const struct module visit_plans_module = {
    .name = "visit_plans",
    .migrations = migrations,
    .routes = routes,
};
