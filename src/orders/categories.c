/* Demand categories, which are also the Open311 services: names in Chinese
 * and English, the team or partner unit an order goes to by default, and the
 * time limits for normal and urgent orders in calendar or working hours. */
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "orders.h"
#include "../core/banned.h"

bool category_get(struct db *db, const char *code, struct category *c)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT name_zh, name_en, limit_normal, limit_urgent, working_hours, default_team, default_partner"
	    " FROM categories WHERE code = ? AND active = 1",
	    "t", code);
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (found) {
		snprintf(c->code, sizeof(c->code), "%s", code);
		snprintf(c->name_zh, sizeof(c->name_zh), "%s", db_text(st, 0));
		snprintf(c->name_en, sizeof(c->name_en), "%s", db_text(st, 1));
		c->limit_normal = db_int(st, 2);
		c->limit_urgent = db_int(st, 3);
		c->working_hours = db_int(st, 4) != 0;
		c->default_team = db_null(st, 5) ? 0 : db_int(st, 5);
		c->default_partner = db_null(st, 6) ? 0 : db_int(st, 6);
	}
	if (st)
		db_reset(st);
	return found;
}

#define CATEGORY_COLUMNS                                                                                       \
	"code, name_zh, name_en, group_zh, group_en, limit_normal, limit_urgent, working_hours, default_team," \
	" default_partner, active"

static json_t *category_json(struct db_stmt *st)
{
	json_t *c = json_pack("{ss ss ss ss ss sI sI sb sb}", "code", db_text(st, 0), "name_zh", db_text(st, 1),
	    "name_en", db_text(st, 2), "group_zh", db_text(st, 3), "group_en", db_text(st, 4), "limit_normal_hours",
	    (json_int_t)db_int(st, 5), "limit_urgent_hours", (json_int_t)db_int(st, 6), "working_hours",
	    (int)db_int(st, 7), "active", (int)db_int(st, 10));
	json_object_set_new(c, "default_team", db_null(st, 8) ? json_null() : json_integer(db_int(st, 8)));
	json_object_set_new(c, "default_partner", db_null(st, 9) ? json_null() : json_integer(db_int(st, 9)));
	return c;
}

static json_t *category_by_code(struct db *db, const char *code)
{
	struct db_stmt *st = db_stmt(db, "SELECT " CATEGORY_COLUMNS " FROM categories WHERE code = ?", "t", code);
	json_t *c = st != NULL && db_step(st) == DB_ROW ? category_json(st) : NULL;
	if (st)
		db_reset(st);
	return c;
}

static void list_categories(struct req *r)
{
	const char *all = req_query(r, "all");
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT " CATEGORY_COLUMNS " FROM categories WHERE active = 1 OR ? = 1 ORDER BY sort, code", "i",
	    (int64_t)(all != NULL && strcmp(all, "true") == 0));
	json_t *items = json_array();
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(items, category_json(st));
	if (st)
		db_reset(st);
	reply_list(r, items, 0);
}

/* Limits: an urgent order is due no later than a normal one. */
static bool limits_ok(struct req *r, int64_t normal, int64_t urgent)
{
	if (urgent > normal) {
		reply_invalid(r, "limit_urgent_hours", "must not exceed limit_normal_hours");
		return false;
	}
	return true;
}

static void save_category(struct req *r, bool create)
{
	struct db *db = req_db(r);
	const char *code = create ? body_str(r, "code") : req_param(r, 0);
	json_t *old = create ? NULL : category_by_code(db, code);
	if (!create && old == NULL) {
		reply_problem(r, P_NOT_FOUND, "no such category");
		return;
	}
	/* An update keeps what the body leaves out. */
#define OLD_INT(k) (old ? json_integer_value(json_object_get(old, k)) : 0)
#define OLD_STR(k) (old ? json_string_value(json_object_get(old, k)) : "")
	int64_t normal = body_int(r, "limit_normal_hours", OLD_INT("limit_normal_hours"));
	int64_t urgent = body_int(r, "limit_urgent_hours", OLD_INT("limit_urgent_hours"));
	json_t *body = req_body(r);
	bool working = json_object_get(body, "working_hours")
	                   ? json_is_true(json_object_get(body, "working_hours"))
	                   : old && json_is_true(json_object_get(old, "working_hours"));
	bool active = json_object_get(body, "active") ? json_is_true(json_object_get(body, "active"))
	                                              : old == NULL || json_is_true(json_object_get(old, "active"));
	const char *zh = body_str(r, "name_zh") ? body_str(r, "name_zh") : OLD_STR("name_zh");
	const char *en = body_str(r, "name_en") ? body_str(r, "name_en") : OLD_STR("name_en");
	const char *gzh = body_str(r, "group_zh") ? body_str(r, "group_zh") : OLD_STR("group_zh");
	const char *gen = body_str(r, "group_en") ? body_str(r, "group_en") : OLD_STR("group_en");
	json_t *team = json_object_get(body, "default_team") ? json_object_get(body, "default_team")
	                                                     : json_object_get(old, "default_team");
	json_t *partner = json_object_get(body, "default_partner") ? json_object_get(body, "default_partner")
	                                                           : json_object_get(old, "default_partner");
	json_decref(old);
	if (!limits_ok(r, normal, urgent))
		return;
	int64_t now = clock_now();
	int rc = db_begin(db);
	if (rc == DB_OK) {
		struct db_stmt *st = db_prepare(db,
		    "INSERT INTO categories (code, name_zh, name_en, group_zh, group_en, limit_normal, limit_urgent,"
		    " working_hours, default_team, default_partner, active, sort, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 100, ?) ON CONFLICT (code) DO UPDATE SET"
		    " name_zh = excluded.name_zh, name_en = excluded.name_en, group_zh = excluded.group_zh,"
		    " group_en = excluded.group_en, limit_normal = excluded.limit_normal,"
		    " limit_urgent = excluded.limit_urgent, working_hours = excluded.working_hours,"
		    " default_team = excluded.default_team, default_partner = excluded.default_partner,"
		    " active = excluded.active");
		if (st == NULL) {
			rc = DB_ERROR;
		} else {
			db_bind_text(st, 1, code);
			db_bind_text(st, 2, zh);
			db_bind_text(st, 3, en);
			db_bind_text(st, 4, gzh);
			db_bind_text(st, 5, gen);
			db_bind_int(st, 6, normal);
			db_bind_int(st, 7, urgent);
			db_bind_int(st, 8, working);
			if (json_is_integer(team))
				db_bind_int(st, 9, json_integer_value(team));
			if (json_is_integer(partner))
				db_bind_int(st, 10, json_integer_value(partner));
			db_bind_int(st, 11, active);
			db_bind_int(st, 12, now);
			int step = db_step(st);
			rc = step == DB_DONE ? DB_OK : step;
			db_reset(st);
		}
	}
	if (rc == DB_OK)
		rc = audit_request_rc(r, create ? "category.create" : "category.update",
		    arena_printf(req_arena(r), "category:%s", code), NULL);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_invalid(r, json_is_integer(team) || json_is_integer(partner) ? "default_team" : "code",
		    "conflicts with a category or names no such team or partner");
		return;
	}
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, create ? 201 : 200, category_by_code(db, code));
}

static void create_category(struct req *r)
{
	for (const char *p = body_str(r, "code"); *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
			reply_invalid(r, "code", "may hold only lower-case letters, digits and _");
			return;
		}
	json_t *old = category_by_code(req_db(r), body_str(r, "code"));
	if (old != NULL) {
		json_decref(old);
		reply_problem(r, P_CONFLICT, "a category with this code exists already");
		return;
	}
	save_category(r, true);
}

static void update_category(struct req *r) { save_category(r, false); }

static const struct field category_fields[] = {
    {"code", T_STRING, F_REQUIRED, .desc = "the Open311 service_code"},
    {"name_zh", T_STRING, F_REQUIRED},
    {"name_en", T_STRING, F_REQUIRED},
    {"group_zh", T_STRING, F_REQUIRED},
    {"group_en", T_STRING, F_REQUIRED},
    {"limit_normal_hours", T_INT, F_REQUIRED},
    {"limit_urgent_hours", T_INT, F_REQUIRED},
    {"working_hours", T_BOOL, F_REQUIRED, .desc = "limits count working hours (else calendar hours)"},
    {"default_team", T_INT, F_REQUIRED | F_NULLABLE},
    {"default_partner", T_INT, F_REQUIRED | F_NULLABLE},
    {"active", T_BOOL, F_REQUIRED},
    {NULL},
};
const struct field category_schema = {NULL, T_OBJECT, 0, .fields = category_fields};

static const struct field create_fields[] = {
    {"code", T_STRING, F_REQUIRED, 2, 32, .desc = "lower-case letters, digits and _"},
    {"name_zh", T_STRING, F_REQUIRED, 1, 32},
    {"name_en", T_STRING, F_REQUIRED, 1, 64},
    {"group_zh", T_STRING, 0, 0, 32},
    {"group_en", T_STRING, 0, 0, 64},
    {"limit_normal_hours", T_INT, F_REQUIRED, 1, 8760},
    {"limit_urgent_hours", T_INT, F_REQUIRED, 1, 8760},
    {"working_hours", T_BOOL, 0},
    {"default_team", T_INT, F_NULLABLE, 1, INT64_MAX},
    {"default_partner", T_INT, F_NULLABLE, 1, INT64_MAX},
    {"active", T_BOOL, 0},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};
static const struct field update_fields[] = {
    {"name_zh", T_STRING, 0, 1, 32},
    {"name_en", T_STRING, 0, 1, 64},
    {"group_zh", T_STRING, 0, 0, 32},
    {"group_en", T_STRING, 0, 0, 64},
    {"limit_normal_hours", T_INT, 0, 1, 8760},
    {"limit_urgent_hours", T_INT, 0, 1, 8760},
    {"working_hours", T_BOOL, 0},
    {"default_team", T_INT, F_NULLABLE, 1, INT64_MAX},
    {"default_partner", T_INT, F_NULLABLE, 1, INT64_MAX},
    {"active", T_BOOL, 0, .desc = "false retires the category; its orders keep it"},
    {NULL},
};
static const struct field update_body = {NULL, T_OBJECT, 0, .fields = update_fields};
static const char *const booleans[] = {"true", "false", NULL};
static const struct field list_query[] = {
    {"all", T_ENUM, 0, .values = booleans, .desc = "true: retired categories too"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/categories", NULL, R_LIST, list_query, NULL, 200, &category_schema, list_categories,
        "Demand categories (the Open311 services)"},
    {M_POST, "/api/v1/categories", "orders.configure", 0, NULL, &create_body, 201, &category_schema, create_category,
        "Add a category"},
    {M_PATCH, "/api/v1/categories/{code}", "orders.configure", 0, NULL, &update_body, 200, &category_schema,
        update_category, "Change a category's names, limits or default handler"},
    {0},
};

/* The default set: what Qingshan's residents most often ask for. Limits in hours. */
static const struct migration migrations[] = {
    {1, "CREATE TABLE categories ("
        " code TEXT PRIMARY KEY,"
        " name_zh TEXT NOT NULL,"
        " name_en TEXT NOT NULL,"
        " group_zh TEXT NOT NULL,"
        " group_en TEXT NOT NULL,"
        " limit_normal INTEGER NOT NULL,"
        " limit_urgent INTEGER NOT NULL,"
        " working_hours INTEGER NOT NULL,"
        " default_team INTEGER REFERENCES teams (id),"
        " default_partner INTEGER REFERENCES partners (id),"
        " active INTEGER NOT NULL,"
        " sort INTEGER NOT NULL,"
        " created_at INTEGER NOT NULL);"
        "INSERT INTO categories VALUES"
        " ('stairwell_lighting', '楼道照明', 'Stairwell lighting', '设施维修', 'Repairs', 48, 8, 1, NULL, NULL, 1, 1, 0),"
        " ('blocked_drain', '下水道堵塞', 'Blocked drain', '设施维修', 'Repairs', 24, 4, 0, NULL, NULL, 1, 2, 0),"
        " ('water_supply', '供水故障', 'Water supply fault', '设施维修', 'Repairs', 24, 4, 0, NULL, NULL, 1, 3, 0),"
        " ('sanitation', '环境卫生', 'Sanitation', '环境', 'Environment', 48, 8, 1, NULL, NULL, 1, 4, 0),"
        " ('greenery', '绿化养护', 'Greenery upkeep', '环境', 'Environment', 120, 24, 1, NULL, NULL, 1, 5, 0),"
        " ('noise', '噪音扰民', 'Noise', '秩序', 'Public order', 24, 4, 0, NULL, NULL, 1, 6, 0),"
        " ('parking', '停车秩序', 'Parking', '秩序', 'Public order', 48, 8, 1, NULL, NULL, 1, 7, 0),"
        " ('illegal_construction', '违章搭建', 'Illegal construction', '秩序', 'Public order', 120, 24, 1, NULL,"
        " NULL, 1, 8, 0),"
        " ('pets', '宠物管理', 'Pets', '秩序', 'Public order', 48, 8, 1, NULL, NULL, 1, 9, 0),"
        " ('property_dispute', '物业纠纷', 'Property-management dispute', '物业', 'Property management', 72, 24, 1,"
        " NULL, NULL, 1, 10, 0),"
        " ('elderly_care', '养老服务', 'Elderly care', '民生服务', 'Welfare', 24, 4, 0, NULL, NULL, 1, 11, 0),"
        " ('welfare_benefits', '社会救助', 'Social assistance', '民生服务', 'Welfare', 120, 24, 1, NULL, NULL, 1,"
        " 12, 0),"
        " ('other', '其他', 'Other', '其他', 'Other', 72, 24, 1, NULL, NULL, 1, 99, 0);"},
    {0},
};

const struct module categories_module = {
    .name = "categories",
    .migrations = migrations,
    .routes = routes,
};
