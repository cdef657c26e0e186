/* Partner units (共建单位), seconded cadres (下沉干部) and work teams (好样的工作队).
 *
 * Who sees what: staff who manage partners (district, street, community) see
 * every unit, and the cadres and teams of their areas; a liaison or cadre sees
 * their own unit, its cadres and the teams they or their unit belong to.
 * Units and their members are kept by district administrators; pairings, teams
 * and check-ins by the staff of the area; a unit's resources by the district or
 * the unit's own liaison. The report of a unit's service hours goes to street
 * and district administrators (their areas' cadres) and to the unit's liaisons
 * (all its cadres). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/parse.h"
#include "../core/table_out.h"
#include "../platform/area_tree.h"
#include "../platform/jobs.h"
#include "../platform/platform.h"
#include "partners.h"
#include "../core/banned.h"

#define MANAGE "partners.manage"
#define READ "partners.read"
/* Report periods are days of the district: China Standard Time, UTC+8. */
#define DAY_OFFSET (8 * 3600)

static const char *const partner_kinds[] = {"government", "enterprise", "public_institution", "social_org", NULL};
static const char *const member_roles[] = {"liaison", "cadre", NULL};
static const char *const formats[] = {"csv", "xlsx", NULL};

/* A db_run result as DB_OK or the error. */

/* --- the functions the work orders use --- */

int service_hours_credit(struct db *db, int64_t order_id, int64_t user_id, int64_t minutes, int64_t now)
{
	return db_ran(db_run(db,
	    "INSERT INTO service_hours (user_id, partner_id, order_id, minutes, credited_at)"
	    " VALUES (?, NULLIF(?, 0), ?, ?, ?) ON CONFLICT (order_id, user_id) DO UPDATE SET"
	    " partner_id = excluded.partner_id, minutes = excluded.minutes, credited_at = excluded.credited_at",
	    "iiiii", user_id, user_partner(db, user_id), order_id, minutes, now));
}

bool user_in_team(struct db *db, int64_t user_id, int64_t team_id)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT 1 FROM team_members WHERE team_id = ? AND user_id = ?", "ii", team_id, user_id);
	bool in = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	return in;
}

int64_t user_partner(struct db *db, int64_t user_id)
{
	struct db_stmt *st = db_stmt(db, "SELECT partner_id FROM partner_members WHERE user_id = ?", "i", user_id);
	int64_t id = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	return id;
}

/* --- who may do what --- */

static bool has_role(const struct user *u, const char *role)
{
	for (int i = 0; i < u->nroles; i++)
		if (strcmp(u->roles[i].role, role) == 0)
			return true;
	return false;
}

/* Whether the caller sees the area's cadres and teams as staff: partners.manage
 * over it, or an API token with partners.read. A liaison's or cadre's own role
 * area does not count: they see through their unit. */
static bool sees(const struct user *u, const char *code)
{
	return user_covers(u, MANAGE, code) || (u->token_id != 0 && user_covers(u, READ, code));
}

/* The area codes sees() is true for. */
static const char **view_scope(struct arena *a, const struct user *u, int *n)
{
	const char **codes = user_scope(a, u, MANAGE, n);
	if (*n == 0 && u->token_id != 0)
		codes = user_scope(a, u, READ, n);
	return codes;
}

/* Whether the caller sees every partner unit (staff and tokens), not only their own. */
static bool sees_all_units(const struct user *u)
{
	return user_can(u, MANAGE) || (u->token_id != 0 && user_can(u, READ));
}

/* Whether the caller manages partners over a whole district: creating and
 * editing units and their members. */
static bool district_wide(struct req *r)
{
	const struct area *top[8];
	size_t n = area_children(req_db(r), "", NULL, top, 8);
	for (size_t i = 0; i < n; i++)
		if (user_covers(req_user(r), MANAGE, top[i]->code))
			return true;
	return false;
}

/* Whether the caller manages partners over a street or more (the reports). */
static bool street_wide(struct req *r)
{
	const struct user *u = req_user(r);
	if (u->token_id != 0)
		return user_can(u, MANAGE);
	for (int i = 0; i < u->nroles; i++) {
		const char *code = u->roles[i].area_code;
		if (!user_covers(u, MANAGE, code))
			continue;
		const struct area *x = area_find(req_db(r), code);
		if (x != NULL && (strcmp(x->kind, "street") == 0 || strcmp(x->kind, "district") == 0))
			return true;
	}
	return false;
}

static bool is_liaison_of(struct req *r, int64_t partner)
{
	const struct user *u = req_user(r);
	return u->token_id == 0 && has_role(u, "partner_liaison") && user_partner(req_db(r), u->id) == partner;
}

static bool partner_exists(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, "SELECT 1 FROM partners WHERE id = ?", "i", id);
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	return found;
}

/* The unit if the caller sees it, else 0 with a 404 sent (hidden and missing alike). */
static int64_t visible_partner(struct req *r, int64_t id)
{
	const struct user *u = req_user(r);
	if (partner_exists(req_db(r), id) && (sees_all_units(u) || user_partner(req_db(r), u->id) == id))
		return id;
	reply_problem(r, P_NOT_FOUND, "no such partner unit");
	return 0;
}

/* Whether the user is active and holds the role (NULL: any role). */
static bool active_user(struct db *db, int64_t id, const char *role)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT 1 FROM users u WHERE u.id = ? AND u.active = 1 AND (? IS NULL OR EXISTS"
	    " (SELECT 1 FROM role_assignments x WHERE x.user_id = u.id AND x.role = ?))",
	    "itt", id, role, role);
	bool ok = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	return ok;
}

static json_t *time_json(int64_t t)
{
	char buf[32];
	return json_string(clock_format(t, buf, sizeof(buf)));
}

static json_t *text_or_null(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : json_string(db_text(st, col));
}

static json_t *int_or_null(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : json_integer(db_int(st, col));
}

/* A community (or village) by code, full name or short name; NULL if none or
 * if the name is ambiguous. */
static const char *community_code(struct req *r, const char *given)
{
	if (area_code_valid(given)) {
		const struct area *x = area_find(req_db(r), given);
		if (x && (strcmp(x->kind, "community") == 0 || strcmp(x->kind, "village") == 0))
			return arena_strdup(req_arena(r), x->code);
		return NULL;
	}
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT code FROM areas WHERE kind IN ('community', 'village') AND (name = ? OR short_name = ?)"
	    " ORDER BY code LIMIT 2",
	    "tt", given, given);
	const char *code = NULL;
	if (st != NULL && db_step(st) == DB_ROW) {
		code = arena_strdup(req_arena(r), db_text(st, 0));
		if (db_step(st) == DB_ROW)
			code = NULL;
	}
	if (st)
		db_reset(st);
	return code;
}

static bool is_community(struct db *db, const char *code)
{
	const struct area *x = area_find(db, code);
	return x != NULL && (strcmp(x->kind, "community") == 0 || strcmp(x->kind, "village") == 0);
}

/* --- partner units --- */

#define MEMBER_SELECT                                                                                              \
	"SELECT u.id, u.username, u.display_name, EXISTS (SELECT 1 FROM role_assignments x WHERE x.user_id = u.id" \
	" AND x.role = 'partner_liaison'), c.community, a.short_name FROM partner_members m"                       \
	" JOIN users u ON u.id = m.user_id LEFT JOIN cadres c ON c.user_id = u.id"                                 \
	" LEFT JOIN areas a ON a.code = c.community"

static json_t *member_json(struct db_stmt *st)
{
	json_t *m = json_pack("{sI ss ss ss}", "user_id", (json_int_t)db_int(st, 0), "username", db_text(st, 1),
	    "display_name", db_text(st, 2), "role", db_int(st, 3) ? "liaison" : "cadre");
	json_object_set_new(m, "community", text_or_null(st, 4));
	json_object_set_new(m, "community_name", text_or_null(st, 5));
	return m;
}

static json_t *partner_json(struct db *db, int64_t id, bool members)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT name, kind, contact, created_at, (SELECT COUNT(*) FROM partner_members m WHERE m.partner_id = p.id)"
	    " FROM partners p WHERE id = ?",
	    "i", id);
	if (st == NULL || db_step(st) != DB_ROW) {
		if (st)
			db_reset(st);
		return NULL;
	}
	json_t *p = json_pack("{sI ss ss ss so sI}", "id", (json_int_t)id, "name", db_text(st, 0), "kind",
	    db_text(st, 1), "contact", db_text(st, 2), "created_at", time_json(db_int(st, 3)), "member_count",
	    (json_int_t)db_int(st, 4));
	db_reset(st);
	json_t *areas = json_array();
	st = db_stmt(db,
	    "SELECT x.area_code, a.short_name FROM partner_areas x JOIN areas a ON a.code = x.area_code"
	    " WHERE x.partner_id = ? ORDER BY x.area_code",
	    "i", id);
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(areas, json_pack("{ss ss}", "code", db_text(st, 0), "name", db_text(st, 1)));
	if (st)
		db_reset(st);
	json_object_set_new(p, "areas", areas);
	if (members) {
		json_t *list = json_array();
		st = db_stmt(db, MEMBER_SELECT " WHERE m.partner_id = ? ORDER BY u.id", "i", id);
		while (st != NULL && db_step(st) == DB_ROW)
			json_array_append_new(list, member_json(st));
		if (st)
			db_reset(st);
		json_object_set_new(p, "members", list);
	}
	return p;
}

static void list_partners(struct req *r)
{
	const struct user *u = req_user(r);
	struct db *db = req_db(r);
	const char *area = req_area(r), *kind = req_query(r, "kind");
	bool all = sees_all_units(u);
	struct db_stmt *st = db_prepare(db,
	    "SELECT p.id FROM partners p WHERE p.id > ? AND (? = 1 OR p.id = ?) AND (? IS NULL OR p.kind = ?)"
	    " AND (? IS NULL OR EXISTS (SELECT 1 FROM partner_areas x WHERE x.partner_id = p.id"
	    " AND x.area_code >= ? AND x.area_code < ?)) ORDER BY p.id LIMIT ?");
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int64_t limit = req_limit(r), ids[1001], count = 0;
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	db_bind_int(st, i++, all);
	db_bind_int(st, i++, all ? 0 : user_partner(db, u->id));
	db_bind_text(st, i++, kind);
	db_bind_text(st, i++, kind);
	db_bind_text(st, i++, area);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, req_arena(r), range, 1);
	db_bind_int(st, i, limit + 1);
	while (db_step(st) == DB_ROW && count <= limit)
		ids[count++] = db_int(st, 0);
	db_reset(st);
	json_t *items = json_array();
	for (int64_t k = 0; k < count && k < limit; k++)
		json_array_append_new(items, partner_json(db, ids[k], false));
	reply_list(r, items, count > limit ? ids[limit - 1] : 0);
}

static void get_partner(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id != 0)
		reply_json(r, 200, partner_json(req_db(r), id, true));
}

/* The body's areas, all communities; false with a 422 sent otherwise. */
static bool check_areas(struct req *r, json_t *areas)
{
	size_t i;
	json_t *v;
	bool ok = true;
	json_array_foreach (areas, i, v) {
		if (!is_community(req_db(r), json_string_value(v))) {
			req_invalid(r, arena_printf(req_arena(r), "areas[%zu]", i), "must be a community or village");
			ok = false;
		}
	}
	if (!ok)
		reply_problem(r, P_INVALID, "some areas are not communities");
	return ok;
}

static void create_partner(struct req *r)
{
	if (!district_wide(r)) {
		reply_problem(r, P_FORBIDDEN, "partner units are recorded by district administrators");
		return;
	}
	json_t *areas = json_object_get(req_body(r), "areas");
	if (areas != NULL && !check_areas(r, areas))
		return;
	struct db *db = req_db(r);
	const char *contact = body_str(r, "contact");
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "INSERT INTO partners (name, kind, contact, created_at) VALUES (?, ?, ?, ?)", "ttti",
		    body_str(r, "name"), body_str(r, "kind"), contact ? contact : "", clock_now());
	int64_t id = db_last_id(db);
	size_t i;
	json_t *v;
	json_array_foreach (areas, i, v) {
		if (rc == DB_DONE)
			rc = db_run(db,
			    "INSERT INTO partner_areas (partner_id, area_code) VALUES (?, ?) ON CONFLICT DO NOTHING",
			    "it", id, json_string_value(v));
	}
	if (audit_commit(r, rc, "a partner unit of this name exists already", "partner.create",
	        arena_printf(req_arena(r), "partner:%lld", (long long)id), body_str(r, "name")))
		reply_json(r, 201, partner_json(db, id, true));
}

static void update_partner(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id == 0)
		return;
	if (!district_wide(r)) {
		reply_problem(r, P_FORBIDDEN, "partner units are edited by district administrators");
		return;
	}
	struct db *db = req_db(r);
	const char *changed = "", *key;
	json_t *v;
	json_object_foreach (req_body(r), key, v)
		changed = arena_printf(req_arena(r), "%s%s%s", changed, changed[0] ? "," : "", key);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "UPDATE partners SET name = COALESCE(?, name), kind = COALESCE(?, kind), contact = COALESCE(?, contact)"
		    " WHERE id = ?",
		    "ttti", body_str(r, "name"), body_str(r, "kind"), body_str(r, "contact"), id);
	if (audit_commit(r, rc, "a partner unit of this name exists already", "partner.update",
	        arena_printf(req_arena(r), "partner:%lld", (long long)id), changed))
		reply_json(r, 200, partner_json(db, id, true));
}

/* Pair a unit with a community of the caller's areas. */
static void pair_area(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id == 0)
		return;
	const char *code = body_str(r, "area_code");
	struct db *db = req_db(r);
	if (!is_community(db, code)) {
		reply_invalid(r, "area_code", "must be a community or village");
		return;
	}
	if (!user_covers(req_user(r), MANAGE, code)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "INSERT INTO partner_areas (partner_id, area_code) VALUES (?, ?)", "it", id, code);
	if (audit_commit(r, rc, "the unit is paired with this area already", "partner.pair",
	        arena_printf(req_arena(r), "partner:%lld", (long long)id), code))
		reply_json(r, 201, partner_json(db, id, true));
}

static void unpair_area(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id == 0)
		return;
	const char *code = req_param(r, 1);
	struct db *db = req_db(r);
	struct db_stmt *st =
	    db_stmt(db, "SELECT 1 FROM partner_areas WHERE partner_id = ? AND area_code = ?", "it", id, code);
	bool paired = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	if (!paired) {
		reply_problem(r, P_NOT_FOUND, "the unit is not paired with this area");
		return;
	}
	if (!user_covers(req_user(r), MANAGE, code)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM partner_areas WHERE partner_id = ? AND area_code = ?", "it", id, code);
	if (audit_commit(
	        r, rc, NULL, "partner.unpair", arena_printf(req_arena(r), "partner:%lld", (long long)id), code))
		reply_empty(r, 204);
}

/* --- members: liaisons and cadres --- */

static void add_member(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id == 0)
		return;
	if (!district_wide(r)) {
		reply_problem(r, P_FORBIDDEN, "a unit's members are kept by district administrators");
		return;
	}
	struct db *db = req_db(r);
	int64_t user = body_int(r, "user_id", 0);
	if (!active_user(db, user, NULL)) {
		reply_invalid(r, "user_id", "is not an active user");
		return;
	}
	if (!active_user(db, user, "cadre") && !active_user(db, user, "partner_liaison")) {
		reply_invalid(r, "user_id", "must be a seconded cadre or a partner-unit liaison");
		return;
	}
	int64_t now_in = user_partner(db, user);
	if (now_in != 0) {
		reply_problem(
		    r, P_CONFLICT, now_in == id ? "already a member of this unit" : "a member of another partner unit");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "INSERT INTO partner_members (partner_id, user_id) VALUES (?, ?)", "ii", id, user);
	if (!audit_commit(r, rc, "a member of a partner unit already", "partner.member.add",
	        arena_printf(req_arena(r), "partner:%lld", (long long)id),
	        arena_printf(req_arena(r), "user:%lld", (long long)user)))
		return;
	struct db_stmt *st = db_stmt(db, MEMBER_SELECT " WHERE m.partner_id = ? AND m.user_id = ?", "ii", id, user);
	json_t *m = st != NULL && db_step(st) == DB_ROW ? member_json(st) : NULL;
	if (st)
		db_reset(st);
	reply_json(r, 201, m);
}

static void remove_member(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0)), user = req_param_id(r, 1);
	if (id == 0)
		return;
	struct db *db = req_db(r);
	if (user_partner(db, user) != id) {
		reply_problem(r, P_NOT_FOUND, "no such member");
		return;
	}
	if (!district_wide(r)) {
		reply_problem(r, P_FORBIDDEN, "a unit's members are kept by district administrators");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM partner_members WHERE partner_id = ? AND user_id = ?", "ii", id, user);
	if (audit_commit(r, rc, NULL, "partner.member.remove",
	        arena_printf(req_arena(r), "partner:%lld", (long long)id),
	        arena_printf(req_arena(r), "user:%lld", (long long)user)))
		reply_empty(r, 204);
}

/* --- resources: what a unit can offer --- */

#define RESOURCE_COLUMNS "id, partner_id, name, description, quantity, available"

static json_t *resource_json(struct db_stmt *st)
{
	return json_pack("{sI sI ss ss ss sb}", "id", (json_int_t)db_int(st, 0), "partner_id",
	    (json_int_t)db_int(st, 1), "name", db_text(st, 2), "description", db_text(st, 3), "quantity",
	    db_text(st, 4), "available", (int)db_int(st, 5));
}

static json_t *resource_by_id(struct db *db, int64_t partner, int64_t id)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT " RESOURCE_COLUMNS " FROM partner_resources WHERE id = ? AND partner_id = ?", "ii", id, partner);
	json_t *res = st != NULL && db_step(st) == DB_ROW ? resource_json(st) : NULL;
	if (st)
		db_reset(st);
	return res;
}

static void list_resources(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id == 0)
		return;
	/* available=true|false filters; absent: all of them. */
	const char *only = req_query(r, "available");
	int64_t want = only == NULL ? -1 : strcmp(only, "true") == 0, limit = req_limit(r), last = 0, count = 0;
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT " RESOURCE_COLUMNS " FROM partner_resources WHERE partner_id = ? AND id > ? AND (? = -1 OR"
	    " available = ?) ORDER BY id LIMIT ?",
	    "iiiii", id, req_cursor(r), want, want, limit + 1);
	json_t *items = json_array();
	while (st != NULL && db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, resource_json(st));
	}
	if (st)
		db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* The unit's id if the caller may change its resources (district administrators
 * and the unit's own liaisons), else 0 with the reply sent. */
static int64_t resource_keeper(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id != 0 && !district_wide(r) && !is_liaison_of(r, id)) {
		reply_problem(r, P_FORBIDDEN, "a unit's resources are kept by its liaisons and the district");
		return 0;
	}
	return id;
}

static void create_resource(struct req *r)
{
	int64_t id = resource_keeper(r);
	if (id == 0)
		return;
	struct db *db = req_db(r);
	const char *desc = body_str(r, "description"), *qty = body_str(r, "quantity");
	json_t *avail = json_object_get(req_body(r), "available");
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO partner_resources (partner_id, name, description, quantity, available)"
		    " VALUES (?, ?, ?, ?, ?)",
		    "ittti", id, body_str(r, "name"), desc ? desc : "", qty ? qty : "",
		    (int64_t)(avail ? json_is_true(avail) : 1));
	int64_t rid = db_last_id(db);
	if (audit_commit(r, rc, NULL, "partner.resource.create",
	        arena_printf(req_arena(r), "partner_resource:%lld", (long long)rid), body_str(r, "name")))
		reply_json(r, 201, resource_by_id(db, id, rid));
}

/* The unit of the resource in the path, which the caller keeps (resource_keeper); 0 with the
 * reply sent when the caller may not or the resource is not the unit's. *rid gets its id. */
static int64_t kept_resource(struct req *r, int64_t *rid)
{
	int64_t id = resource_keeper(r);
	*rid = req_param_id(r, 1);
	if (id == 0)
		return 0;
	json_t *found = resource_by_id(req_db(r), id, *rid);
	if (found == NULL) {
		reply_problem(r, P_NOT_FOUND, "no such resource");
		return 0;
	}
	json_decref(found);
	return id;
}

static void update_resource(struct req *r)
{
	int64_t rid, id = kept_resource(r, &rid);
	if (id == 0)
		return;
	struct db *db = req_db(r);
	json_t *avail = json_object_get(req_body(r), "available");
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "UPDATE partner_resources SET name = COALESCE(?, name), description = COALESCE(?, description),"
		    " quantity = COALESCE(?, quantity), available = CASE WHEN ? = -1 THEN available ELSE ? END WHERE id = ?",
		    "tttiii", body_str(r, "name"), body_str(r, "description"), body_str(r, "quantity"),
		    avail ? (int64_t)json_is_true(avail) : -1, avail ? (int64_t)json_is_true(avail) : -1, rid);
	if (audit_commit(r, rc, NULL, "partner.resource.update",
	        arena_printf(req_arena(r), "partner_resource:%lld", (long long)rid), NULL))
		reply_json(r, 200, resource_by_id(db, id, rid));
}

static void delete_resource(struct req *r)
{
	int64_t rid;
	if (kept_resource(r, &rid) == 0)
		return;
	struct db *db = req_db(r);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM partner_resources WHERE id = ?", "i", rid);
	if (audit_commit(r, rc, NULL, "partner.resource.delete",
	        arena_printf(req_arena(r), "partner_resource:%lld", (long long)rid), NULL))
		reply_empty(r, 204);
}

/* --- cadres and their check-in (报到) --- */

#define MAX_SKILLS 20
#define SKILL_CHARS 32

/* The length of a separator between skills at s (, ; ， 、 ；), else 0. */
static size_t sep_len(const char *s)
{
	if (*s == ',' || *s == ';')
		return 1;
	if (strncmp(s, "，", 3) == 0 || strncmp(s, "、", 3) == 0 || strncmp(s, "；", 3) == 0)
		return 3;
	return 0;
}

/* Skills as people type them ("电工，心理咨询、 法律") made canonical: trimmed,
 * without duplicates, joined by commas. NULL with a 422 sent when one is too
 * long or there are too many. */
static const char *skills_canonical(struct req *r, const char *given)
{
	struct arena *a = req_arena(r);
	const char *pieces[MAX_SKILLS], *out = "";
	int n = 0;
	for (const char *s = given; *s != '\0';) {
		const char *b = s, *e = s;
		while (*e != '\0' && sep_len(e) == 0)
			e++;
		s = *e != '\0' ? e + sep_len(e) : e;
		for (;;) { /* trim spaces, also the ideographic one */
			if (b < e && (*b == ' ' || *b == '\t'))
				b++;
			else if (e - b >= 3 && strncmp(b, "　", 3) == 0)
				b += 3;
			else if (b < e && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			else if (e - b >= 3 && strncmp(e - 3, "　", 3) == 0)
				e -= 3;
			else
				break;
		}
		if (e == b)
			continue;
		char *skill = arena_strndup(a, b, (size_t)(e - b));
		if (utf8_count(skill, strlen(skill)) > SKILL_CHARS) {
			reply_invalid(r, "skills", "each skill must have at most 32 characters");
			return NULL;
		}
		bool dup = false;
		for (int i = 0; i < n && !dup; i++)
			dup = strcmp(pieces[i], skill) == 0;
		if (dup)
			continue;
		if (n == MAX_SKILLS) {
			reply_invalid(r, "skills", "must list at most 20 skills");
			return NULL;
		}
		pieces[n++] = skill;
		out = arena_printf(a, "%s%s%s", out, n > 1 ? "," : "", skill);
	}
	return out;
}

#define CADRE_SELECT                                                                                    \
	"SELECT u.id, u.username, u.display_name, c.community, a.short_name, c.skills, c.availability," \
	" c.checked_in_at, m.partner_id, p.name FROM cadres c JOIN users u ON u.id = c.user_id"         \
	" JOIN areas a ON a.code = c.community LEFT JOIN partner_members m ON m.user_id = c.user_id"    \
	" LEFT JOIN partners p ON p.id = m.partner_id"

static json_t *cadre_json(struct db_stmt *st)
{
	json_t *c =
	    json_pack("{sI ss ss ss ss ss ss so}", "user_id", (json_int_t)db_int(st, 0), "username", db_text(st, 1),
	        "display_name", db_text(st, 2), "community", db_text(st, 3), "community_name", db_text(st, 4), "skills",
	        db_text(st, 5), "availability", db_text(st, 6), "checked_in_at", time_json(db_int(st, 7)));
	json_object_set_new(c, "partner_id", int_or_null(st, 8));
	json_object_set_new(c, "partner_name", text_or_null(st, 9));
	return c;
}

static json_t *cadre_by_id(struct db *db, int64_t user)
{
	struct db_stmt *st = db_stmt(db, CADRE_SELECT " WHERE c.user_id = ?", "i", user);
	json_t *c = st != NULL && db_step(st) == DB_ROW ? cadre_json(st) : NULL;
	if (st)
		db_reset(st);
	return c;
}

/* Check the cadre in at the body's community, or move their check-in there.
 * Absent skills or availability keep what was recorded. */
static void check_in(struct req *r, int64_t user, bool self)
{
	struct db *db = req_db(r);
	const char *community = community_code(r, body_str(r, "community"));
	if (community == NULL) {
		reply_invalid(r, "community", "is not a community (give its code, name or short name)");
		return;
	}
	const char *skills = body_str(r, "skills");
	if (skills != NULL && (skills = skills_canonical(r, skills)) == NULL)
		return;
	struct db_stmt *st = db_stmt(db, "SELECT community FROM cadres WHERE user_id = ?", "i", user);
	const char *old = st != NULL && db_step(st) == DB_ROW ? arena_strdup(req_arena(r), db_text(st, 0)) : NULL;
	if (st)
		db_reset(st);
	if (!self && !user_covers(req_user(r), MANAGE, community)) {
		reply_problem(r, P_FORBIDDEN, "this community is outside your scope");
		return;
	}
	if (!self && old != NULL && !user_covers(req_user(r), MANAGE, old)) {
		reply_problem(r, P_CONFLICT,
		    "checked in at a community outside your areas; the cadre or that community's staff can move it");
		return;
	}
	/* The check-in time is when they came to this community: kept when only
	 * skills or availability change. */
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO cadres (user_id, community, skills, availability, checked_in_at)"
		    " VALUES (?, ?, COALESCE(?, ''), COALESCE(?, ''), ?) ON CONFLICT (user_id) DO UPDATE SET"
		    " community = excluded.community, skills = COALESCE(?, cadres.skills),"
		    " availability = COALESCE(?, cadres.availability), checked_in_at = CASE WHEN cadres.community ="
		    " excluded.community THEN cadres.checked_in_at ELSE excluded.checked_in_at END",
		    "itttitt", user, community, skills, body_str(r, "availability"), clock_now(), skills,
		    body_str(r, "availability"));
	if (audit_commit(
	        r, rc, NULL, "cadre.checkin", arena_printf(req_arena(r), "user:%lld", (long long)user), community))
		reply_json(r, 201, cadre_by_id(db, user));
}

static void check_in_cadre(struct req *r)
{
	int64_t user = body_int(r, "user_id", 0);
	if (!active_user(req_db(r), user, "cadre")) {
		reply_invalid(r, "user_id", "is not an active seconded cadre");
		return;
	}
	check_in(r, user, false);
}

static void check_in_self(struct req *r)
{
	const struct user *u = req_user(r);
	if (u->token_id != 0 || !has_role(u, "cadre")) {
		reply_problem(r, P_FORBIDDEN, "only seconded cadres check themselves in");
		return;
	}
	check_in(r, u->id, true);
}

/* Cadres of the caller's areas, of the caller's unit, and the caller. */
static void list_cadres(struct req *r)
{
	struct arena *a = req_arena(r);
	struct db *db = req_db(r);
	const struct user *u = req_user(r);
	int n;
	const char **codes = view_scope(a, u, &n);
	const char *area = req_area(r), *skill = req_query(r, "skill");
	const char *pattern = skill ? db_like(a, "%,", skill, ",%") : NULL;
	int64_t partner = req_query_int(r, "partner", 0), limit = req_limit(r), last = 0, count = 0;
	struct db_stmt *st =
	    db_prepare(db, arena_printf(a,
	                       CADRE_SELECT " WHERE c.user_id > ? AND (%s OR m.partner_id = ? OR c.user_id = ?)"
	                                    " AND c.community >= ? AND c.community < ?"
	                                    " AND (? IS NULL OR (',' || c.skills || ',') LIKE ? ESCAPE '\\')"
	                                    " AND (? = 0 OR m.partner_id = ?) ORDER BY c.user_id LIMIT ?",
	                       scope_sql(a, "c.community", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	i = scope_bind(st, i, a, codes, n);
	db_bind_int(st, i++, u->token_id != 0 ? 0 : user_partner(db, u->id));
	db_bind_int(st, i++, u->token_id != 0 ? 0 : u->id);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_text(st, i++, pattern);
	db_bind_text(st, i++, pattern);
	db_bind_int(st, i++, partner);
	db_bind_int(st, i++, partner);
	db_bind_int(st, i, limit + 1);
	json_t *items = json_array();
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, cadre_json(st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* --- work teams (好样的工作队) --- */

#define TEAM_SELECT                                                                           \
	"SELECT t.id, t.name, t.area_code, a.short_name, t.partner_id, p.name, t.created_at," \
	" (SELECT COUNT(*) FROM team_members x WHERE x.team_id = t.id) FROM teams t"          \
	" JOIN areas a ON a.code = t.area_code LEFT JOIN partners p ON p.id = t.partner_id"

static json_t *team_row_json(struct db_stmt *st)
{
	json_t *t = json_pack("{sI ss ss ss so sI}", "id", (json_int_t)db_int(st, 0), "name", db_text(st, 1),
	    "area_code", db_text(st, 2), "area_name", db_text(st, 3), "created_at", time_json(db_int(st, 6)),
	    "member_count", (json_int_t)db_int(st, 7));
	json_object_set_new(t, "partner_id", int_or_null(st, 4));
	json_object_set_new(t, "partner_name", text_or_null(st, 5));
	return t;
}

static json_t *team_json(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, TEAM_SELECT " WHERE t.id = ?", "i", id);
	json_t *t = st != NULL && db_step(st) == DB_ROW ? team_row_json(st) : NULL;
	if (st)
		db_reset(st);
	if (t == NULL)
		return NULL;
	json_t *members = json_array();
	st = db_stmt(db,
	    "SELECT u.id, u.username, u.display_name, m.partner_id FROM team_members x JOIN users u ON u.id = x.user_id"
	    " LEFT JOIN partner_members m ON m.user_id = u.id WHERE x.team_id = ? ORDER BY u.id",
	    "i", id);
	while (st != NULL && db_step(st) == DB_ROW) {
		json_t *m = json_pack("{sI ss ss}", "user_id", (json_int_t)db_int(st, 0), "username", db_text(st, 1),
		    "display_name", db_text(st, 2));
		json_object_set_new(m, "partner_id", int_or_null(st, 3));
		json_array_append_new(members, m);
	}
	if (st)
		db_reset(st);
	json_object_set_new(t, "members", members);
	return t;
}

/* The team's area if the caller sees the team (staff of its area, its members,
 * the members of its partner unit), else NULL with a 404 sent. */
static const char *visible_team(struct req *r, int64_t id)
{
	struct db *db = req_db(r);
	const struct user *u = req_user(r);
	struct db_stmt *st = db_stmt(db, "SELECT area_code, partner_id FROM teams WHERE id = ?", "i", id);
	const char *area = NULL;
	int64_t partner = 0;
	if (st != NULL && db_step(st) == DB_ROW) {
		area = arena_strdup(req_arena(r), db_text(st, 0));
		partner = db_null(st, 1) ? 0 : db_int(st, 1);
	}
	if (st)
		db_reset(st);
	if (area != NULL && !sees(u, area) && !user_in_team(db, u->id, id) &&
	    (partner == 0 || u->token_id != 0 || user_partner(db, u->id) != partner))
		area = NULL;
	if (area == NULL)
		reply_problem(r, P_NOT_FOUND, "no such team");
	return area;
}

/* The team's area if the caller manages it (partners.manage over its area),
 * else NULL with the reply sent. */
static const char *managed_team(struct req *r, int64_t id)
{
	const char *area = visible_team(r, id);
	if (area != NULL && !user_covers(req_user(r), MANAGE, area)) {
		reply_problem(r, P_FORBIDDEN, "the team is kept by the staff of its area");
		return NULL;
	}
	return area;
}

static void list_teams(struct req *r)
{
	struct arena *a = req_arena(r);
	struct db *db = req_db(r);
	const struct user *u = req_user(r);
	int n;
	const char **codes = view_scope(a, u, &n);
	const char *area = req_area(r);
	int64_t partner = req_query_int(r, "partner", 0), limit = req_limit(r), last = 0, count = 0;
	struct db_stmt *st = db_prepare(
	    db, arena_printf(a,
	            TEAM_SELECT " WHERE t.id > ? AND (%s OR EXISTS (SELECT 1 FROM team_members y WHERE y.team_id = t.id"
	                        " AND y.user_id = ?) OR t.partner_id = ?) AND t.area_code >= ? AND t.area_code < ?"
	                        " AND (? = 0 OR t.partner_id = ?) ORDER BY t.id LIMIT ?",
	            scope_sql(a, "t.area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	i = scope_bind(st, i, a, codes, n);
	db_bind_int(st, i++, u->token_id != 0 ? 0 : u->id);
	db_bind_int(st, i++, u->token_id != 0 ? 0 : user_partner(db, u->id));
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_int(st, i++, partner);
	db_bind_int(st, i++, partner);
	db_bind_int(st, i, limit + 1);
	json_t *items = json_array();
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, team_row_json(st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

static void create_team(struct req *r)
{
	struct db *db = req_db(r);
	const char *area = body_str(r, "area_code");
	int64_t partner = body_int(r, "partner_id", 0);
	if (area_find(db, area) == NULL) {
		reply_invalid(r, "area_code", "is not a known area");
		return;
	}
	if (!user_covers(req_user(r), MANAGE, area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	if (partner != 0 && !partner_exists(db, partner)) {
		reply_invalid(r, "partner_id", "is not a partner unit");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO teams (name, area_code, partner_id, created_at) VALUES (?, ?, NULLIF(?, 0), ?)",
		    "ttii", body_str(r, "name"), area, partner, clock_now());
	int64_t id = db_last_id(db);
	if (audit_commit(r, rc, NULL, "team.create", arena_printf(req_arena(r), "team:%lld", (long long)id),
	        body_str(r, "name")))
		reply_json(r, 201, team_json(db, id));
}

static void get_team(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (visible_team(r, id) != NULL)
		reply_json(r, 200, team_json(req_db(r), id));
}

static void add_team_member(struct req *r)
{
	int64_t id = req_param_id(r, 0), user = body_int(r, "user_id", 0);
	if (managed_team(r, id) == NULL)
		return;
	struct db *db = req_db(r);
	if (!active_user(db, user, NULL)) {
		reply_invalid(r, "user_id", "is not an active user");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?)", "ii", id, user);
	if (audit_commit(r, rc, "already a member of this team", "team.member.add",
	        arena_printf(req_arena(r), "team:%lld", (long long)id),
	        arena_printf(req_arena(r), "user:%lld", (long long)user)))
		reply_json(r, 201, team_json(db, id));
}

static void remove_team_member(struct req *r)
{
	int64_t id = req_param_id(r, 0), user = req_param_id(r, 1);
	if (managed_team(r, id) == NULL)
		return;
	struct db *db = req_db(r);
	if (!user_in_team(db, user, id)) {
		reply_problem(r, P_NOT_FOUND, "no such team member");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", "ii", id, user);
	if (audit_commit(r, rc, NULL, "team.member.remove", arena_printf(req_arena(r), "team:%lld", (long long)id),
	        arena_printf(req_arena(r), "user:%lld", (long long)user)))
		reply_empty(r, 204);
}

/* --- people to add: users who hold a role over an area in the caller's scope --- */

static const char *const people_roles[] = {"cadre", "partner_liaison", "grid_worker", "community_staff", NULL};

/* Active users holding the role over an area the caller manages partners in,
 * matched by username or display name; one row each (their first such area). */
static void list_people(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), MANAGE, &n);
	const char *role = req_query(r, "role"), *q = req_query(r, "q");
	const char *pattern = q != NULL && q[0] != '\0' ? db_like(a, "%", q, "%") : NULL;
	int64_t limit = req_limit(r), last = 0, count = 0;
	struct db_stmt *st = db_prepare(req_db(r),
	    arena_printf(a,
	        "SELECT u.id, u.username, u.display_name, MIN(x.area_code) FROM users u"
	        " JOIN role_assignments x ON x.user_id = u.id WHERE u.active = 1 AND u.id > ? AND x.role = ? AND %s"
	        " AND (? IS NULL OR u.username LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')"
	        " GROUP BY u.id, u.username, u.display_name ORDER BY u.id LIMIT ?",
	        scope_sql(a, "x.area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	db_bind_text(st, i++, role);
	i = scope_bind(st, i, a, codes, n);
	db_bind_text(st, i++, pattern);
	db_bind_text(st, i++, pattern);
	db_bind_text(st, i++, pattern);
	db_bind_int(st, i, limit + 1);
	json_t *items = json_array();
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(
		    items, json_pack("{sI ss ss ss ss}", "id", (json_int_t)last, "username", db_text(st, 1),
		               "display_name", db_text(st, 2), "role", role, "area_code", db_text(st, 3)));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* --- the partner report: each cadre's hours and closed orders in a period --- */

static const struct table_col report_cols[] = {
    {"姓名 name", 14, NULL},
    {"账号 username", 16, NULL},
    {"报到社区 community", 22, NULL},
    {"技能 skills", 24, NULL},
    {"服务时长(分钟) minutes", 22, "0"},
    {"服务时长(小时) hours", 20, "0.00"},
    {"结案工单 closed_orders", 22, "0"},
};
#define REPORT_COLS (sizeof(report_cols) / sizeof(report_cols[0]))

/* The unit's cadres (members holding the cadre role) and everyone whose hours
 * were credited to the unit in the period, with their sums; %s limits them to
 * cadres checked in within the caller's areas, or is 1=1. */
#define REPORT_SQL                                                                                                  \
	"SELECT u.id, u.display_name, u.username, a.short_name, c.skills, COALESCE(SUM(h.minutes), 0), COUNT(h.id)" \
	" FROM users u LEFT JOIN cadres c ON c.user_id = u.id LEFT JOIN areas a ON a.code = c.community"            \
	" LEFT JOIN service_hours h ON h.user_id = u.id AND h.partner_id = ? AND h.credited_at >= ?"                \
	" AND h.credited_at < ? WHERE (u.id IN (SELECT m.user_id FROM partner_members m WHERE m.partner_id = ?"     \
	" AND EXISTS (SELECT 1 FROM role_assignments x WHERE x.user_id = m.user_id AND x.role = 'cadre'))"          \
	" OR u.id IN (SELECT s.user_id FROM service_hours s WHERE s.partner_id = ? AND s.credited_at >= ?"          \
	" AND s.credited_at < ?)) AND %s GROUP BY u.id, u.display_name, u.username, a.short_name, c.skills"         \
	" ORDER BY u.id"

/* Hours with two decimals from minutes, rounded half up. */
static void hours_text(int64_t minutes, char *out, size_t n)
{
	int64_t centi = (minutes * 100 + 30) / 60;
	snprintf(out, n, "%lld.%02lld", (long long)(centi / 100), (long long)(centi % 100));
}

static bool report_run(struct job *job, struct db *db, json_t *p)
{
	int64_t partner = json_integer_value(json_object_get(p, "partner_id"));
	int64_t from = json_integer_value(json_object_get(p, "from_ts")),
	        to = json_integer_value(json_object_get(p, "to_ts"));
	const char *format = json_string_value(json_object_get(p, "format"));
	bool xlsx = format != NULL && strcmp(format, "xlsx") == 0;
	bool all = json_is_true(json_object_get(p, "all"));
	json_t *jc = json_object_get(p, "codes");
	struct arena *a = arena_new();
	int n = (int)json_array_size(jc);
	const char **codes = arena_alloc(a, sizeof(*codes) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		codes[i] = json_string_value(json_array_get(jc, (size_t)i));
	const char *where =
	    all ? "1=1" : arena_printf(a, "c.community IS NOT NULL AND %s", scope_sql(a, "c.community", codes, n));
	struct db_stmt *st = db_prepare(db, arena_printf(a, REPORT_SQL, where));
	if (st != NULL) {
		int i = 1;
		int64_t binds[] = {partner, from, to, partner, partner, from, to};
		for (size_t k = 0; k < sizeof(binds) / sizeof(binds[0]); k++)
			db_bind_int(st, i++, binds[k]);
		if (!all)
			scope_bind(st, i, a, codes, n);
	}
	struct table *t = st != NULL ? table_open(xlsx, "服务时长 hours", report_cols, REPORT_COLS) : NULL;
	int64_t people = 0, minutes = 0, orders = 0;
	int rc = DB_ERROR;
	while (t != NULL && (rc = db_step(st)) == DB_ROW) {
		char min[24], hrs[32], cnt[24];
		int64_t m = db_int(st, 5), c = db_int(st, 6);
		snprintf(min, sizeof(min), "%lld", (long long)m);
		hours_text(m, hrs, sizeof(hrs));
		snprintf(cnt, sizeof(cnt), "%lld", (long long)c);
		struct table_cell cells[REPORT_COLS] = {{db_text(st, 1), 0}, {db_text(st, 2), 0}, {db_text(st, 3), 0},
		    {db_text(st, 4), 0}, {min, (double)m}, {hrs, (double)m / 60.0}, {cnt, (double)c}};
		table_row(t, cells);
		people++;
		minutes += m;
		orders += c;
	}
	if (st != NULL)
		db_reset(st);
	char *data = NULL;
	size_t len = 0;
	bool ok = false;
	if (t != NULL) {
		char min[24], hrs[32], cnt[24];
		snprintf(min, sizeof(min), "%lld", (long long)minutes);
		hours_text(minutes, hrs, sizeof(hrs));
		snprintf(cnt, sizeof(cnt), "%lld", (long long)orders);
		struct table_cell total[REPORT_COLS] = {{"合计 total", 0}, {"", 0}, {"", 0}, {"", 0},
		    {min, (double)minutes}, {hrs, (double)minutes / 60.0}, {cnt, (double)orders}};
		table_row(t, total);
		ok = table_close(t, &data, &len) && rc == DB_DONE;
	}
	if (ok) {
		const char *name = arena_printf(a, "partner-%lld-%s-%s.%s", (long long)partner,
		    json_string_value(json_object_get(p, "from")), json_string_value(json_object_get(p, "to")),
		    xlsx ? "xlsx" : "csv");
		job_progress(job, people, people);
		job_result(job, xlsx ? TABLE_XLSX_TYPE : TABLE_CSV_TYPE, name, data, len);
		job_summary(job, json_pack("{sI sI sI}", "cadres", (json_int_t)people, "minutes", (json_int_t)minutes,
		                     "closed_orders", (json_int_t)orders));
	}
	free(data);
	arena_free(a);
	return ok;
}

/* A day of the district (YYYY-MM-DD, China Standard Time) as the UTC second it begins. */
static bool day_start(const char *s, int64_t *t)
{
	if (s == NULL || strlen(s) != 10 || !clock_parse(s, t))
		return false;
	*t -= DAY_OFFSET;
	return true;
}

static void start_report(struct req *r)
{
	int64_t id = visible_partner(r, req_param_id(r, 0));
	if (id == 0)
		return;
	bool liaison = is_liaison_of(r, id);
	if (!liaison && !street_wide(r)) {
		reply_problem(
		    r, P_FORBIDDEN, "a unit's report is for its liaisons and street or district administrators");
		return;
	}
	int64_t from, to;
	bool ok = day_start(body_str(r, "from"), &from);
	if (!ok)
		req_invalid(r, "from", "must be a date like 2026-01-01");
	if (!day_start(body_str(r, "to"), &to)) {
		req_invalid(r, "to", "must be a date like 2026-03-31");
		ok = false;
	} else if (ok && to < from) {
		req_invalid(r, "to", "must not be before from");
		ok = false;
	}
	if (!ok) {
		reply_problem(r, P_INVALID, "the period is not valid");
		return;
	}
	const char *format = body_str(r, "format") ? body_str(r, "format") : "csv";
	/* A liaison sees all of their unit's cadres, the district all of them; a
	 * street administrator those checked in within the street. The scope is
	 * fixed now, when the report is asked for. */
	bool all = liaison || district_wide(r);
	json_t *codes = json_array();
	int n = 0;
	const char **scope = all ? NULL : user_scope(req_arena(r), req_user(r), MANAGE, &n);
	for (int i = 0; i < n; i++)
		json_array_append_new(codes, json_string(scope[i]));
	json_t *params = json_pack("{sI ss ss sI sI ss sb so}", "partner_id", (json_int_t)id, "from",
	    body_str(r, "from"), "to", body_str(r, "to"), "from_ts", (json_int_t)from, "to_ts",
	    (json_int_t)(to + 86400), "format", format, "all", all, "codes", codes);
	audit_request(r, "partner.report", arena_printf(req_arena(r), "partner:%lld", (long long)id), AUDIT_SUCCESS,
	    arena_printf(req_arena(r), "%s..%s %s", body_str(r, "from"), body_str(r, "to"), format));
	reply_job(r, "partner_report", params);
}

/* --- the demo district --- */

int partners_demo(struct db *db, int64_t now)
{
	static const struct {
		const char *name, *kind, *contact, *areas[3];
	} units[] = {
	    {"武钢集团有限公司", "enterprise", "党委组织部 027-86800000",
	        {"420107005008", "420107005400", "420107005001"}},
	    {"中国一冶集团有限公司", "enterprise", "党委工作部 027-68860000", {"420107005004", "420107005006", NULL}},
	    {"青山区教育局", "government", "办公室 027-86810000", {"420107005009", NULL, NULL}},
	    {"青山区卫生健康局", "government", "办公室 027-86820000", {"420107005010", NULL, NULL}},
	    {"武汉市第九医院", "public_institution", "党办 027-68830000", {"420107005011", "420107005008", NULL}},
	    {"青山区志愿者协会", "social_org", "秘书处 027-86830000", {"420107005001", NULL, NULL}},
	};
	static const struct {
		int unit;
		const char *name, *description, *quantity;
	} resources[] = {
	    {0, "职工活动中心", "可借用的会议室和活动场地", "2 间"},
	    {0, "水电维修队", "持证电工和水暖工，周末上门", "8 人"},
	    {1, "工程车辆", "小型工程车，用于老旧小区改造", "3 辆"},
	    {4, "义诊团队", "每月一次社区义诊和健康讲座", "每月 1 次"},
	    {2, "四点半课堂教师", "放学后作业辅导", "6 人"},
	};
	int rc = DB_OK;
	int64_t ids[sizeof(units) / sizeof(units[0])], team = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && rc == DB_OK; i++) {
		rc = db_ran(db_run(db, "INSERT INTO partners (name, kind, contact, created_at) VALUES (?, ?, ?, ?)",
		    "ttti", units[i].name, units[i].kind, units[i].contact, now));
		ids[i] = db_last_id(db);
		for (int k = 0; k < 3 && units[i].areas[k] != NULL && rc == DB_OK; k++)
			rc = db_ran(db_run(db, "INSERT INTO partner_areas (partner_id, area_code) VALUES (?, ?)", "it",
			    ids[i], units[i].areas[k]));
	}
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]) && rc == DB_OK; i++)
		rc = db_ran(db_run(db,
		    "INSERT INTO partner_resources (partner_id, name, description, quantity, available)"
		    " VALUES (?, ?, ?, ?, 1)",
		    "ittt", ids[resources[i].unit], resources[i].name, resources[i].description,
		    resources[i].quantity));
	/* The demo's liaison and cadre accounts belong to 武钢; the cadre is checked in
	 * at 青和居社区 and serves on its work team. */
	if (rc == DB_OK)
		rc = db_ran(db_run(db,
		    "INSERT INTO partner_members (partner_id, user_id) SELECT ?, id FROM users"
		    " WHERE username IN ('partner', 'cadre')",
		    "i", ids[0]));
	if (rc == DB_OK)
		rc = db_ran(db_run(db,
		    "INSERT INTO cadres (user_id, community, skills, availability, checked_in_at) SELECT id,"
		    " '420107005008', '水电维修,政策宣讲', '周六上午', ? FROM users WHERE username = 'cadre'",
		    "i", now));
	if (rc == DB_OK) {
		rc = db_ran(db_run(db,
		    "INSERT INTO teams (name, area_code, partner_id, created_at) VALUES (?, '420107005008', ?, ?)",
		    "tii", "青和居社区好样的工作队", ids[0], now));
		team = db_last_id(db);
	}
	if (rc == DB_OK)
		rc = db_ran(db_run(db,
		    "INSERT INTO team_members (team_id, user_id) SELECT ?, id FROM users WHERE username = 'cadre'", "i",
		    team));
	return rc;
}

/* --- routes --- */

static const struct field area_ref_fields[] = {
    {"code", T_STRING, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field area_ref_schema = {NULL, T_OBJECT, 0, .fields = area_ref_fields};
static const struct field member_fields[] = {
    {"user_id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"role", T_ENUM, F_REQUIRED, .values = member_roles, .desc = "liaison: holds the partner_liaison role"},
    {"community", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "where a cadre is checked in"},
    {"community_name", T_STRING, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field member_schema = {NULL, T_OBJECT, 0, .fields = member_fields};
static const struct field partner_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"kind", T_ENUM, F_REQUIRED, .values = partner_kinds},
    {"contact", T_STRING, F_REQUIRED},
    {"created_at", T_DATETIME, F_REQUIRED},
    {"member_count", T_INT, F_REQUIRED},
    {"areas", T_ARRAY, F_REQUIRED, .items = &area_ref_schema, .desc = "the communities it is paired with"},
    {"members", T_ARRAY, 0, .items = &member_schema, .desc = "liaisons and cadres (one unit only)"},
    {NULL},
};
static const struct field partner_schema = {NULL, T_OBJECT, 0, .fields = partner_fields};
static const struct field area_code_item = {NULL, T_STRING, F_AREA};
static const struct field create_fields[] = {
    {"name", T_STRING, F_REQUIRED, 1, 100},
    {"kind", T_ENUM, F_REQUIRED, .values = partner_kinds},
    {"contact", T_STRING, 0, 0, 200, .desc = "office and telephone"},
    {"areas", T_ARRAY, 0, 0, 200, .items = &area_code_item, .desc = "communities to pair with"},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};
static const struct field update_fields[] = {
    {"name", T_STRING, 0, 1, 100},
    {"kind", T_ENUM, 0, .values = partner_kinds},
    {"contact", T_STRING, 0, 0, 200},
    {NULL},
};
static const struct field update_body = {NULL, T_OBJECT, 0, .fields = update_fields};
static const struct field pair_fields[] = {
    {"area_code", T_STRING, F_REQUIRED | F_AREA, .desc = "a community of the caller's areas"},
    {NULL},
};
static const struct field pair_body = {NULL, T_OBJECT, 0, .fields = pair_fields};
static const struct field user_fields[] = {
    {"user_id", T_INT, F_REQUIRED, 1, INT64_MAX},
    {NULL},
};
static const struct field user_body = {NULL, T_OBJECT, 0, .fields = user_fields};
static const char *const booleans[] = {"true", "false", NULL};
static const struct field partner_query[] = {
    {"kind", T_ENUM, 0, .values = partner_kinds},
    {NULL},
};

static const struct field resource_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"partner_id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"description", T_STRING, F_REQUIRED},
    {"quantity", T_STRING, F_REQUIRED, .desc = "as text: 2 间, 8 人, 每月 1 次"},
    {"available", T_BOOL, F_REQUIRED},
    {NULL},
};
static const struct field resource_schema = {NULL, T_OBJECT, 0, .fields = resource_fields};
static const struct field resource_create_fields[] = {
    {"name", T_STRING, F_REQUIRED, 1, 100},
    {"description", T_STRING, 0, 0, 500},
    {"quantity", T_STRING, 0, 0, 50},
    {"available", T_BOOL, 0, .desc = "true when absent"},
    {NULL},
};
static const struct field resource_create_body = {NULL, T_OBJECT, 0, .fields = resource_create_fields};
static const struct field resource_update_fields[] = {
    {"name", T_STRING, 0, 1, 100},
    {"description", T_STRING, 0, 0, 500},
    {"quantity", T_STRING, 0, 0, 50},
    {"available", T_BOOL, 0},
    {NULL},
};
static const struct field resource_update_body = {NULL, T_OBJECT, 0, .fields = resource_update_fields};
static const struct field resource_query[] = {
    {"available", T_ENUM, 0, .values = booleans},
    {NULL},
};

static const struct field report_fields[] = {
    {"from", T_STRING, F_REQUIRED, 10, 10, .desc = "first day, YYYY-MM-DD (China Standard Time)"},
    {"to", T_STRING, F_REQUIRED, 10, 10, .desc = "last day, included"},
    {"format", T_ENUM, 0, .values = formats, .desc = "csv (the default; UTF-8 with a BOM) or xlsx"},
    {NULL},
};
static const struct field report_body = {NULL, T_OBJECT, 0, .fields = report_fields};

static const struct field cadre_fields[] = {
    {"user_id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"community", T_STRING, F_REQUIRED, .desc = "the community checked in at (code)"},
    {"community_name", T_STRING, F_REQUIRED},
    {"skills", T_STRING, F_REQUIRED, .desc = "comma-separated"},
    {"availability", T_STRING, F_REQUIRED},
    {"checked_in_at", T_DATETIME, F_REQUIRED, .desc = "when they checked in at this community"},
    {"partner_id", T_INT, F_REQUIRED | F_NULLABLE, .desc = "their home unit"},
    {"partner_name", T_STRING, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field cadre_schema = {NULL, T_OBJECT, 0, .fields = cadre_fields};
static const struct field checkin_fields[] = {
    {"user_id", T_INT, F_REQUIRED, 1, INT64_MAX, .desc = "a user with the cadre role"},
    {"community", T_STRING, F_REQUIRED, 1, 64, .desc = "code, name or short name (青和居社区)"},
    {"skills", T_STRING, 0, 0, 500, .desc = "comma-separated (， 、 ; also separate); absent: kept"},
    {"availability", T_STRING, 0, 0, 200, .desc = "when they can serve, as text; absent: kept"},
    {NULL},
};
static const struct field checkin_body = {NULL, T_OBJECT, 0, .fields = checkin_fields};
static const struct field checkin_self_body = {NULL, T_OBJECT, 0, .fields = checkin_fields + 1};
static const struct field cadre_query[] = {
    {"skill", T_STRING, 0, 1, SKILL_CHARS, .desc = "one skill, exactly"},
    {"partner", T_INT, 0, 1, INT64_MAX, .desc = "cadres of this unit"},
    {NULL},
};

static const struct field team_member_fields[] = {
    {"user_id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"partner_id", T_INT, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field team_member_schema = {NULL, T_OBJECT, 0, .fields = team_member_fields};
static const struct field team_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED},
    {"area_name", T_STRING, F_REQUIRED},
    {"partner_id", T_INT, F_REQUIRED | F_NULLABLE},
    {"partner_name", T_STRING, F_REQUIRED | F_NULLABLE},
    {"created_at", T_DATETIME, F_REQUIRED},
    {"member_count", T_INT, F_REQUIRED},
    {"members", T_ARRAY, 0, .items = &team_member_schema, .desc = "one team only"},
    {NULL},
};
static const struct field team_schema = {NULL, T_OBJECT, 0, .fields = team_fields};
static const struct field team_create_fields[] = {
    {"name", T_STRING, F_REQUIRED, 1, 100},
    {"area_code", T_STRING, F_REQUIRED | F_AREA, .desc = "the area that leads it, in the caller's scope"},
    {"partner_id", T_INT, F_NULLABLE, 1, INT64_MAX, .desc = "the partner unit that co-leads it"},
    {NULL},
};
static const struct field team_create_body = {NULL, T_OBJECT, 0, .fields = team_create_fields};
static const struct field team_query[] = {
    {"partner", T_INT, 0, 1, INT64_MAX, .desc = "teams of this unit"},
    {NULL},
};

static const struct field person_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"role", T_ENUM, F_REQUIRED, .values = people_roles},
    {"area_code", T_STRING, F_REQUIRED, .desc = "an area of the role in the caller's scope"},
    {NULL},
};
static const struct field person_schema = {NULL, T_OBJECT, 0, .fields = person_fields};
static const struct field people_query[] = {
    {"role", T_ENUM, F_REQUIRED, .values = people_roles},
    {"q", T_STRING, 0, 0, 50, .desc = "part of the username or display name"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/partners", READ, R_LIST, partner_query, NULL, 200, &partner_schema, list_partners,
        "Partner units (staff: all, area: paired with a community there; liaisons and cadres: their own)"},
    {M_POST, "/api/v1/partners", MANAGE, 0, NULL, &create_body, 201, &partner_schema, create_partner,
        "Record a partner unit (district administrators)"},
    {M_GET, "/api/v1/partners/people", MANAGE, R_LIST, people_query, NULL, 200, &person_schema, list_people,
        "People to add as members or check in: active users holding the role over an area in scope"},
    {M_GET, "/api/v1/partners/{id}", READ, 0, NULL, NULL, 200, &partner_schema, get_partner,
        "A partner unit with its areas and members"},
    {M_PATCH, "/api/v1/partners/{id}", MANAGE, 0, NULL, &update_body, 200, &partner_schema, update_partner,
        "Edit a partner unit (district administrators)"},
    {M_POST, "/api/v1/partners/{id}/areas", MANAGE, 0, NULL, &pair_body, 201, &partner_schema, pair_area,
        "Pair a unit with a community in scope"},
    {M_DELETE, "/api/v1/partners/{id}/areas/{code}", MANAGE, 0, NULL, NULL, 204, NULL, unpair_area,
        "End a pairing in scope"},
    {M_GET, "/api/v1/partners/{id}/resources", READ, R_LIST, resource_query, NULL, 200, &resource_schema,
        list_resources, "What a unit can offer"},
    {M_POST, "/api/v1/partners/{id}/resources", READ, 0, NULL, &resource_create_body, 201, &resource_schema,
        create_resource, "Add a resource (the unit's liaisons, district administrators)"},
    {M_PATCH, "/api/v1/partners/{id}/resources/{rid}", READ, 0, NULL, &resource_update_body, 200, &resource_schema,
        update_resource, "Edit a resource"},
    {M_DELETE, "/api/v1/partners/{id}/resources/{rid}", READ, 0, NULL, NULL, 204, NULL, delete_resource,
        "Remove a resource"},
    {M_POST, "/api/v1/partners/{id}/members", MANAGE, 0, NULL, &user_body, 201, &member_schema, add_member,
        "Add a liaison or cadre to a unit (one unit per person; district administrators)"},
    {M_DELETE, "/api/v1/partners/{id}/members/{uid}", MANAGE, 0, NULL, NULL, 204, NULL, remove_member,
        "Remove a member from a unit"},
    {M_POST, "/api/v1/partners/{id}/reports", READ, 0, NULL, &report_body, 202, &job_schema, start_report,
        "Cadres' service hours and closed orders in a period, as CSV or XLSX (a job; audited)"},
    {M_GET, "/api/v1/cadres", READ, R_LIST, cadre_query, NULL, 200, &cadre_schema, list_cadres,
        "Checked-in cadres (staff: of their areas; others: of their unit)"},
    {M_POST, "/api/v1/cadres", MANAGE, 0, NULL, &checkin_body, 201, &cadre_schema, check_in_cadre,
        "Check a cadre in at a community in scope, or move or update the check-in"},
    {M_POST, "/api/v1/cadres/me", READ, 0, NULL, &checkin_self_body, 201, &cadre_schema, check_in_self,
        "Check oneself in at a community (cadres)"},
    {M_GET, "/api/v1/teams", READ, R_LIST, team_query, NULL, 200, &team_schema, list_teams,
        "Work teams (staff: of their areas; others: theirs and their unit's)"},
    {M_POST, "/api/v1/teams", MANAGE, 0, NULL, &team_create_body, 201, &team_schema, create_team,
        "Form a work team led from an area in scope"},
    {M_GET, "/api/v1/teams/{id}", READ, 0, NULL, NULL, 200, &team_schema, get_team, "A work team and its members"},
    {M_POST, "/api/v1/teams/{id}/members", MANAGE, 0, NULL, &user_body, 201, &team_schema, add_team_member,
        "Add a member to a team"},
    {M_DELETE, "/api/v1/teams/{id}/members/{uid}", MANAGE, 0, NULL, NULL, 204, NULL, remove_team_member,
        "Remove a member from a team"},
    {0},
};

static const struct job_kind jobs[] = {
    {"partner_report", report_run},
    {NULL},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE partners ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " kind TEXT NOT NULL," /* government | enterprise | public_institution | social_org */
        " contact TEXT NOT NULL DEFAULT '',"
        " created_at INTEGER NOT NULL);"
        "CREATE TABLE partner_areas ("
        " partner_id INTEGER NOT NULL REFERENCES partners (id),"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " PRIMARY KEY (partner_id, area_code));"
        "CREATE INDEX partner_areas_area ON partner_areas (area_code);"
        "CREATE TABLE partner_resources ("
        " id INTEGER PRIMARY KEY,"
        " partner_id INTEGER NOT NULL REFERENCES partners (id),"
        " name TEXT NOT NULL,"
        " description TEXT NOT NULL DEFAULT '',"
        " quantity TEXT NOT NULL DEFAULT '',"
        " available INTEGER NOT NULL DEFAULT 1);"
        "CREATE INDEX partner_resources_partner ON partner_resources (partner_id, id);"
        "CREATE TABLE partner_members ("
        " partner_id INTEGER NOT NULL REFERENCES partners (id),"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " PRIMARY KEY (partner_id, user_id));"
        /* A person belongs to one unit at most. */
        "CREATE UNIQUE INDEX partner_members_user ON partner_members (user_id);"
        "CREATE TABLE cadres ("
        " user_id INTEGER PRIMARY KEY REFERENCES users (id),"
        " community TEXT NOT NULL REFERENCES areas (code),"
        " skills TEXT NOT NULL DEFAULT ''," /* comma-separated */
        " availability TEXT NOT NULL DEFAULT '',"
        " checked_in_at INTEGER NOT NULL);"
        "CREATE INDEX cadres_community ON cadres (community, user_id);"
        "CREATE TABLE teams ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " partner_id INTEGER REFERENCES partners (id),"
        " created_at INTEGER NOT NULL);"
        "CREATE INDEX teams_area ON teams (area_code, id);"
        "CREATE TABLE team_members ("
        " team_id INTEGER NOT NULL REFERENCES teams (id),"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " PRIMARY KEY (team_id, user_id));"
        "CREATE INDEX team_members_user ON team_members (user_id);"
        /* order_id has no foreign key: the work orders' table comes in a later module. */
        "CREATE TABLE service_hours ("
        " id INTEGER PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " partner_id INTEGER REFERENCES partners (id),"
        " order_id INTEGER NOT NULL,"
        " minutes INTEGER NOT NULL CHECK (minutes >= 0),"
        " credited_at INTEGER NOT NULL,"
        " UNIQUE (order_id, user_id));"
        "CREATE INDEX service_hours_partner ON service_hours (partner_id, credited_at);"
        "CREATE INDEX service_hours_user ON service_hours (user_id, credited_at);"},
    {0},
};

const struct module partners_module = {
    .name = "partners",
    .migrations = migrations,
    .routes = routes,
    .jobs = jobs,
};
