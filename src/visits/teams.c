/* Door-knock teams (敲门组): grid workers, building heads, party members and
 * volunteers covering areas of a community — its grids, estates or buildings —
 * each member with a daily capacity. A team is kept by the staff of its area
 * (visits.configure) and seen by whoever reads visits there and by its members.
 * Membership widens a member's reach: a door-knocker reads and records visits in
 * the areas of their teams as well as in their role's area.
 *
 * These are not the work teams of src/orders/partners.c (好样的工作队), which
 * take dispatched work orders: a door-knock team has covered areas and
 * capacities, and should not show up as a dispatch target. */
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../platform/area_tree.h"
#include "visits.h"
#include "../core/banned.h"

#define CONFIGURE "visits.configure"
#define READ "visits.read"

static const char *const member_roles[] = {"grid_worker", "building_head", "party_member", "volunteer", NULL};

/* --- reach --- */

bool visit_scope_covers(const char **codes, int n, const char *area)
{
	for (int i = 0; i < n; i++)
		if (strncmp(area, codes[i], strlen(codes[i])) == 0)
			return true;
	return false;
}

const char **visit_scope(struct req *r, const char *perm, int *n)
{
	struct arena *a = req_arena(r);
	const struct user *u = req_user(r);
	const char **own = user_scope(a, u, perm, n);
	if (u->token_id != 0 || !user_can(u, perm))
		return own;
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT DISTINCT k.area_code FROM knock_team_members m JOIN knock_team_areas k ON k.team_id = m.team_id"
	    " WHERE m.user_id = ? ORDER BY k.area_code",
	    "i", u->id);
	int cap = *n + 8, count = *n;
	const char **codes = arena_alloc(a, sizeof(*codes) * (size_t)cap);
	memcpy(codes, own, sizeof(*codes) * (size_t)*n);
	while (st != NULL && db_step(st) == DB_ROW) {
		const char *code = db_text(st, 0);
		if (visit_scope_covers(codes, count, code))
			continue;
		if (count == cap) {
			const char **more = arena_alloc(a, sizeof(*more) * (size_t)cap * 2);
			memcpy(more, codes, sizeof(*codes) * (size_t)cap);
			codes = more;
			cap *= 2;
		}
		codes[count++] = arena_strdup(a, code);
	}
	if (st)
		db_reset(st);
	*n = count;
	return codes;
}

/* --- reading --- */

static json_t *team_json(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT t.id, t.name, t.area_code, a.short_name, t.created_at FROM knock_teams t"
	    " JOIN areas a ON a.code = t.area_code WHERE t.id = ?",
	    "i", id);
	json_t *t = NULL;
	if (st != NULL && db_step(st) == DB_ROW)
		t = json_pack("{sI ss ss ss so}", "id", (json_int_t)db_int(st, 0), "name", db_text(st, 1), "area_code",
		    db_text(st, 2), "area_name", db_text(st, 3), "created_at", visits_time_json(db_int(st, 4)));
	if (st)
		db_reset(st);
	if (t == NULL)
		return NULL;
	json_t *areas = json_array();
	st = db_stmt(db,
	    "SELECT k.area_code, a.short_name, a.kind FROM knock_team_areas k JOIN areas a ON a.code = k.area_code"
	    " WHERE k.team_id = ? ORDER BY k.area_code",
	    "i", id);
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(areas,
		    json_pack("{ss ss ss}", "code", db_text(st, 0), "name", db_text(st, 1), "kind", db_text(st, 2)));
	if (st)
		db_reset(st);
	json_object_set_new(t, "areas", areas);
	json_t *members = json_array();
	st = db_stmt(db,
	    "SELECT u.id, u.username, u.display_name, m.role, m.capacity, u.active FROM knock_team_members m"
	    " JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.id",
	    "i", id);
	while (st != NULL && db_step(st) == DB_ROW) {
		json_t *m =
		    json_pack("{sI ss ss ss sb}", "user_id", (json_int_t)db_int(st, 0), "username", db_text(st, 1),
		        "display_name", db_text(st, 2), "role", db_text(st, 3), "active", (int)db_int(st, 5));
		json_object_set_new(m, "capacity", db_null(st, 4) ? json_null() : json_integer(db_int(st, 4)));
		json_array_append_new(members, m);
	}
	if (st)
		db_reset(st);
	json_object_set_new(t, "members", members);
	return t;
}

static bool is_member(struct db *db, int64_t team, int64_t user)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT 1 FROM knock_team_members WHERE team_id = ? AND user_id = ?", "ii", team, user);
	bool in = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	return in;
}

/* Whether the caller reads visits in one of the team's covered areas. */
static bool covers_some(struct req *r, int64_t team)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT area_code FROM knock_team_areas WHERE team_id = ?", "i", team);
	bool in = false;
	while (st != NULL && !in && db_step(st) == DB_ROW)
		in = user_covers(req_user(r), READ, db_text(st, 0));
	if (st)
		db_reset(st);
	return in;
}

/* The team's area if the caller sees the team (visits.read over its area or
 * one it covers, or a member), else NULL with a 404 sent. */
static const char *visible_team(struct req *r, int64_t id)
{
	struct db *db = req_db(r);
	struct db_stmt *st = db_stmt(db, "SELECT area_code FROM knock_teams WHERE id = ?", "i", id);
	const char *area = NULL;
	if (st != NULL && db_step(st) == DB_ROW)
		area = arena_strdup(req_arena(r), db_text(st, 0));
	if (st)
		db_reset(st);
	if (area != NULL && !user_covers(req_user(r), READ, area) && !covers_some(r, id) &&
	    !is_member(db, id, req_user(r)->id))
		area = NULL;
	if (area == NULL)
		reply_problem(r, P_NOT_FOUND, "no such team");
	return area;
}

/* The team's area if the caller keeps it (visits.configure over its area), else NULL with the reply sent. */
static const char *kept_team(struct req *r, int64_t id)
{
	const char *area = visible_team(r, id);
	if (area != NULL && !user_covers(req_user(r), CONFIGURE, area)) {
		reply_problem(r, P_FORBIDDEN, "the team is kept by the staff of its area");
		return NULL;
	}
	return area;
}

static void get_team(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (visible_team(r, id) != NULL)
		reply_json(r, 200, team_json(req_db(r), id));
}

static void list_teams(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), READ, &n);
	const char *area = req_area(r);
	struct db_stmt *st = db_prepare(req_db(r),
	    arena_printf(a,
	        "SELECT t.id FROM knock_teams t WHERE t.id > ? AND (%s OR EXISTS (SELECT 1 FROM knock_team_areas k"
	        " WHERE k.team_id = t.id AND %s) OR EXISTS (SELECT 1 FROM knock_team_members m WHERE m.team_id = t.id"
	        " AND m.user_id = ?)) AND t.area_code >= ? AND t.area_code < ? ORDER BY t.id LIMIT ?",
	        scope_sql(a, "t.area_code", codes, n), scope_sql(a, "k.area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	i = scope_bind(st, i, a, codes, n);
	i = scope_bind(st, i, a, codes, n);
	db_bind_int(st, i++, req_user(r)->id);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	int64_t limit = req_limit(r), ids[201], count = 0;
	db_bind_int(st, i, limit + 1);
	while (db_step(st) == DB_ROW && count <= limit)
		ids[count++] = db_int(st, 0);
	db_reset(st);
	json_t *items = json_array();
	for (int64_t k = 0; k < count && k < limit; k++)
		json_array_append_new(items, team_json(req_db(r), ids[k]));
	reply_list(r, items, count > limit ? ids[limit - 1] : 0);
}

/* --- keeping --- */

/* Whether an area can hold a team or be covered by one: a community (or
 * village) or an area below it. */
static bool team_level(const struct area *x)
{
	return x != NULL && strcmp(x->kind, "district") != 0 && strcmp(x->kind, "street") != 0;
}

/* Check the body's covered areas against the team's area; false with a 422 sent. */
static bool areas_valid(struct req *r, const char *team_area, json_t *areas)
{
	size_t i;
	json_t *v;
	json_array_foreach (areas, i, v) {
		const char *code = json_string_value(v);
		const struct area *x = area_find(req_db(r), code);
		if (!team_level(x) || strncmp(code, team_area, strlen(team_area)) != 0) {
			reply_invalid(r, "areas",
			    arena_printf(req_arena(r),
			        "%s is not an area within the team's area (its grids, estates or"
			        " buildings)",
			        code));
			return false;
		}
	}
	return true;
}

/* Replace the team's covered areas (none given: the team's own area). */
static int set_areas(struct db *db, int64_t team, const char *team_area, json_t *areas)
{
	int rc = db_run(db, "DELETE FROM knock_team_areas WHERE team_id = ?", "i", team);
	if (json_array_size(areas) == 0)
		return db_ran(rc == DB_DONE
		                  ? db_run(db, "INSERT INTO knock_team_areas (team_id, area_code) VALUES (?, ?)", "it",
		                        team, team_area)
		                  : rc);
	size_t i;
	json_t *v;
	json_array_foreach (areas, i, v) {
		if (rc != DB_DONE)
			break;
		rc =
		    db_run(db, "INSERT INTO knock_team_areas (team_id, area_code) VALUES (?, ?) ON CONFLICT DO NOTHING",
		        "it", team, json_string_value(v));
	}
	return db_ran(rc);
}

static void create_team(struct req *r)
{
	struct db *db = req_db(r);
	const char *area = body_str(r, "area_code");
	json_t *areas = json_object_get(req_body(r), "areas");
	if (!team_level(area_find(db, area))) {
		reply_invalid(r, "area_code", "must be a community or an area below it");
		return;
	}
	if (!user_covers(req_user(r), CONFIGURE, area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	if (!areas_valid(r, area, areas))
		return;
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "INSERT INTO knock_teams (name, area_code, created_at) VALUES (?, ?, ?)", "tti",
		    body_str(r, "name"), area, clock_now());
	int64_t id = db_last_id(db);
	if (rc == DB_DONE)
		rc = set_areas(db, id, area, areas);
	if (audit_commit(r, rc, "a team of this name exists in this area", "knock_team.create",
	        arena_printf(req_arena(r), "knock_team:%lld", (long long)id), body_str(r, "name")))
		reply_json(r, 201, team_json(db, id));
}

static void update_team(struct req *r)
{
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0);
	const char *area = kept_team(r, id), *name = body_str(r, "name");
	json_t *areas = json_object_get(req_body(r), "areas");
	if (area == NULL || (areas != NULL && !areas_valid(r, area, areas)))
		return;
	int rc = db_begin(db);
	if (rc == DB_OK && name != NULL)
		rc = db_ran(db_run(db, "UPDATE knock_teams SET name = ? WHERE id = ?", "ti", name, id));
	if (rc == DB_OK && areas != NULL)
		rc = set_areas(db, id, area, areas);
	if (audit_commit(r, rc, "a team of this name exists in this area", "knock_team.update",
	        arena_printf(req_arena(r), "knock_team:%lld", (long long)id), NULL))
		reply_json(r, 200, team_json(db, id));
}

/* Add a member or change their role and capacity. A member must be able to
 * record visits (some role of theirs grants visits.record). */
static void set_member(struct req *r)
{
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0), user = req_param_id(r, 1);
	if (kept_team(r, id) == NULL)
		return;
	struct user *u = user ? user_load(req_arena(r), db, user) : NULL;
	if (u == NULL) {
		reply_problem(r, P_NOT_FOUND, "no such active user");
		return;
	}
	if (!user_can(u, "visits.record")) {
		reply_invalid(r, "uid", "has no role that records visits (door-knocker, grid worker, staff)");
		return;
	}
	json_t *cap = json_object_get(req_body(r), "capacity");
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO knock_team_members (team_id, user_id, role, capacity) VALUES (?, ?, ?, ?)"
		    " ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role, capacity = excluded.capacity",
		    "iitn", id, user, body_str(r, "role"));
	/* capacity is bound apart: NULL (the policy's) or a number */
	if (db_ran(rc) == DB_OK && json_is_integer(cap))
		rc = db_run(db, "UPDATE knock_team_members SET capacity = ? WHERE team_id = ? AND user_id = ?", "iii",
		    (int64_t)json_integer_value(cap), id, user);
	if (audit_commit(r, rc, NULL, "knock_team.member.set",
	        arena_printf(req_arena(r), "knock_team:%lld", (long long)id),
	        arena_printf(req_arena(r), "user:%lld", (long long)user)))
		reply_json(r, 200, team_json(db, id));
}

static void remove_member(struct req *r)
{
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0), user = req_param_id(r, 1);
	if (kept_team(r, id) == NULL)
		return;
	if (!is_member(db, id, user)) {
		reply_problem(r, P_NOT_FOUND, "no such team member");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM knock_team_members WHERE team_id = ? AND user_id = ?", "ii", id, user);
	if (audit_commit(r, rc, NULL, "knock_team.member.remove",
	        arena_printf(req_arena(r), "knock_team:%lld", (long long)id),
	        arena_printf(req_arena(r), "user:%lld", (long long)user)))
		reply_empty(r, 204);
}

/* --- schemas and routes --- */

static const struct field area_fields[] = {
    {"code", T_STRING, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"kind", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field area_schema = {NULL, T_OBJECT, 0, .fields = area_fields};
static const struct field member_fields[] = {
    {"user_id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"role", T_ENUM, F_REQUIRED, .values = member_roles},
    {"capacity", T_INT, F_REQUIRED | F_NULLABLE, .desc = "households a day; null: the policy's daily capacity"},
    {"active", T_BOOL, F_REQUIRED, .desc = "false: the account was deactivated (planned no more)"},
    {NULL},
};
static const struct field member_schema = {NULL, T_OBJECT, 0, .fields = member_fields};
static const struct field team_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED, .desc = "the area the team belongs to (a community or below)"},
    {"area_name", T_STRING, F_REQUIRED},
    {"areas", T_ARRAY, F_REQUIRED, .items = &area_schema, .desc = "the areas it covers"},
    {"members", T_ARRAY, F_REQUIRED, .items = &member_schema},
    {"created_at", T_DATETIME, F_REQUIRED},
    {NULL},
};
static const struct field team_schema = {NULL, T_OBJECT, 0, .fields = team_fields};
static const struct field code_item = {NULL, T_STRING, F_AREA, 6, 24};
static const struct field create_fields[] = {
    {"name", T_STRING, F_REQUIRED, 1, 60},
    {"area_code", T_STRING, F_REQUIRED | F_AREA, .desc = "a community, grid, estate or building"},
    {"areas", T_ARRAY, 0, 0, 50, .items = &code_item,
        .desc = "grids, estates or buildings within area_code it covers; none: all of area_code"},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};
static const struct field update_fields[] = {
    {"name", T_STRING, 0, 1, 60},
    {"areas", T_ARRAY, 0, 0, 50, .items = &code_item, .desc = "replaces the covered areas; []: all of area_code"},
    {NULL},
};
static const struct field update_body = {NULL, T_OBJECT, 0, .fields = update_fields};
static const struct field set_member_fields[] = {
    {"role", T_ENUM, F_REQUIRED, .values = member_roles},
    {"capacity", T_INT, F_NULLABLE, 1, 200, .desc = "households a day; absent or null: the policy's"},
    {NULL},
};
static const struct field set_member_body = {NULL, T_OBJECT, 0, .fields = set_member_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/knock-teams", READ, R_LIST, NULL, NULL, 200, &team_schema, list_teams,
        "Door-knock teams of the caller's areas, and the caller's own"},
    {M_POST, "/api/v1/knock-teams", CONFIGURE, 0, NULL, &create_body, 201, &team_schema, create_team,
        "Form a door-knock team covering areas of a community"},
    {M_GET, "/api/v1/knock-teams/{id}", READ, 0, NULL, NULL, 200, &team_schema, get_team,
        "A door-knock team with its areas and members"},
    {M_PATCH, "/api/v1/knock-teams/{id}", CONFIGURE, 0, NULL, &update_body, 200, &team_schema, update_team,
        "Rename a team or change the areas it covers"},
    {M_PUT, "/api/v1/knock-teams/{id}/members/{uid}", CONFIGURE, 0, NULL, &set_member_body, 200, &team_schema,
        set_member, "Add a member, or change their role and daily capacity"},
    {M_DELETE, "/api/v1/knock-teams/{id}/members/{uid}", CONFIGURE, 0, NULL, NULL, 204, NULL, remove_member,
        "Remove a member"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE knock_teams ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " created_at INTEGER NOT NULL,"
        " UNIQUE (area_code, name));"
        "CREATE TABLE knock_team_areas ("
        " team_id INTEGER NOT NULL REFERENCES knock_teams (id),"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " PRIMARY KEY (team_id, area_code));"
        "CREATE TABLE knock_team_members ("
        " team_id INTEGER NOT NULL REFERENCES knock_teams (id),"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " role TEXT NOT NULL,"
        " capacity INTEGER,"
        " PRIMARY KEY (team_id, user_id));"
        "CREATE INDEX knock_team_members_user ON knock_team_members (user_id);"},
    {0},
};

const struct module knock_teams_module = {
    .name = "knock_teams",
    .migrations = migrations,
    .routes = routes,
};
