/* The area tree: district → street → community (or village) → grid → estate →
 * building. A code extends its parent's, so a subtree is a range of codes and
 * scope checks are prefix comparisons. */
#include <string.h>

#include "../app.h"
#include "../auth/auth.h"
#include "../core/parse.h"
#include "area_tree.h"
#include "platform.h"
#include "../core/banned.h"

static const char *const kinds[] = {"district", "street", "community", "village", "grid", "estate", "building", NULL};

static bool kind_valid(const char *k)
{
	for (const char *const *p = kinds; *p != NULL; p++)
		if (strcmp(*p, k) == 0)
			return true;
	return false;
}

int areas_load_json(struct db *db, const char *text, size_t n, char *err, size_t errn)
{
	json_error_t je;
	json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	json_t *areas = json_object_get(root, "areas");
	int count = 0, rc = DB_OK;
	if (!json_is_array(areas)) {
		snprintf(err, errn, "not an areas file (%s)", root ? "no \"areas\" array" : je.text);
		json_decref(root);
		return -1;
	}
	if (db_begin(db) != DB_OK) {
		snprintf(err, errn, "the database is busy");
		json_decref(root);
		return -1;
	}
	size_t i;
	json_t *a;
	json_array_foreach (areas, i, a) {
		const char *code = json_string_value(json_object_get(a, "code"));
		const char *name = json_string_value(json_object_get(a, "name"));
		const char *short_name = json_string_value(json_object_get(a, "short_name"));
		const char *kind = json_string_value(json_object_get(a, "kind"));
		const char *parent = json_string_value(json_object_get(a, "parent"));
		if (code == NULL || !area_code_valid(code) || name == NULL || kind == NULL || !kind_valid(kind) ||
		    (parent != NULL &&
		        (strlen(parent) >= strlen(code) || strncmp(code, parent, strlen(parent)) != 0))) {
			snprintf(err, errn,
			    "area %zu: needs a code of digits extending its parent's, a name and a kind", i + 1);
			rc = DB_ERROR;
			break;
		}
		rc = db_run(db,
		    "INSERT INTO areas (code, parent_code, kind, name, short_name) VALUES (?, ?, ?, ?, ?)"
		    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name,"
		    " kind = excluded.kind",
		    "ttttt", code, parent, kind, name, short_name ? short_name : name);
		if (rc != DB_DONE) {
			snprintf(err, errn, "area %s: its parent must come first and exist", code);
			break;
		}
		rc = DB_OK;
		count++;
	}
	json_decref(root);
	if (rc != DB_OK || db_commit(db) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	areas_changed();
	return count;
}

static json_t *area_json(const struct area *a)
{
	return json_pack("{ss ss ss ss ss so sb}", "id", a->code, "code", a->code, "name", a->name, "short_name",
	    a->short_name, "kind", a->kind, "parent", a->parent ? json_string(a->parent) : json_null(), "has_children",
	    a->has_children);
}

/* Without parent: the roots of the caller's scope. With parent: its children, if in scope. */
static void list_areas(struct req *r)
{
	struct arena *a = req_arena(r);
	struct db *db = req_db(r);
	const char *parent = req_query(r, "parent") ? req_query(r, "parent") : req_area(r);
	json_t *items = json_array();
	if (parent == NULL) {
		int n;
		const char **scope = user_scope(a, req_user(r), "areas.read", &n);
		for (int i = 0; i < n; i++) {
			if (scope[i][0] == '\0') {
				/* The empty prefix (an API token's whole-tree scope) stands for the top areas. */
				const struct area *top[64];
				size_t k = area_children(db, "", NULL, top, 64);
				for (size_t j = 0; j < k; j++)
					json_array_append_new(items, area_json(top[j]));
			} else {
				const struct area *root = area_find(db, scope[i]);
				if (root != NULL)
					json_array_append_new(items, area_json(root));
			}
		}
		reply_list(r, items, 0);
		return;
	}
	if (!user_covers(req_user(r), "areas.read", parent)) {
		json_decref(items);
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	int64_t limit = req_limit(r);
	const struct area **children = arena_alloc(a, sizeof(*children) * (size_t)(limit + 1));
	size_t got = area_children(db, parent, req_query(r, "cursor"), children, (size_t)limit + 1);
	for (size_t i = 0; i < got && i < (size_t)limit; i++)
		json_array_append_new(items, area_json(children[i]));
	/* The cursor of areas is the last code shown. */
	const char *next = got > (size_t)limit ? children[limit - 1]->code : NULL;
	reply_json(r, 200, json_pack("{so so}", "items", items, "next_cursor", next ? json_string(next) : json_null()));
}

static void get_area(struct req *r)
{
	const char *code = req_param(r, 0);
	const struct area *area =
	    area_code_valid(code) && user_covers(req_user(r), "areas.read", code) ? area_find(req_db(r), code) : NULL;
	if (area == NULL)
		reply_problem(r, P_NOT_FOUND, "no such area");
	else
		reply_json(r, 200, area_json(area));
}

static const struct field area_fields[] = {
    {"id", T_STRING, F_REQUIRED},
    {"code", T_STRING, F_REQUIRED | F_AREA},
    {"name", T_STRING, F_REQUIRED},
    {"short_name", T_STRING, F_REQUIRED},
    {"kind", T_ENUM, F_REQUIRED, .values = kinds},
    {"parent", T_STRING, F_REQUIRED | F_NULLABLE},
    {"has_children", T_BOOL, F_REQUIRED},
    {NULL},
};
static const struct field area_schema = {NULL, T_OBJECT, 0, .fields = area_fields};

static const struct field list_query[] = {
    {"parent", T_STRING, F_AREA, .desc = "list the children of this area (area= does the same)"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/areas", "areas.read", R_LIST, list_query, NULL, 200, &area_schema, list_areas,
        "The caller's scope roots, or the children of parent"},
    {M_GET, "/api/v1/areas/{code}", "areas.read", 0, NULL, NULL, 200, &area_schema, get_area, "One area"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE areas ("
        " code TEXT PRIMARY KEY,"
        " parent_code TEXT REFERENCES areas (code),"
        " kind TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " short_name TEXT NOT NULL);"
        "CREATE INDEX areas_parent ON areas (parent_code, code);"
        "CREATE INDEX areas_name ON areas (name);"
        "CREATE INDEX areas_short_name ON areas (short_name);"},
    {0},
};

const struct module areas_module = {
    .name = "areas",
    .migrations = migrations,
    .routes = routes,
};
