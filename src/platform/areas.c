/* The area tree: district → street → community (or village) → grid → estate →
 * building. A code extends its parent's, so a subtree is a range of codes and
 * scope checks are prefix comparisons. */
#include <string.h>

#include "../app.h"
#include "../auth/auth.h"
#include "../core/parse.h"
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
	return count;
}

#define AREA_COLUMNS                                           \
	"a.code, a.name, a.short_name, a.kind, a.parent_code," \
	" EXISTS (SELECT 1 FROM areas c WHERE c.parent_code = a.code)"

static json_t *area_json(struct db_stmt *st)
{
	const char *parent = db_text(st, 4);
	return json_pack("{ss ss ss ss ss so sb}", "id", db_text(st, 0), "code", db_text(st, 0), "name", db_text(st, 1),
	    "short_name", db_text(st, 2), "kind", db_text(st, 3), "parent", parent ? json_string(parent) : json_null(),
	    "has_children", (int)db_int(st, 5));
}

/* Without parent: the roots of the caller's scope. With parent: its children, if in scope. */
static void list_areas(struct req *r)
{
	struct arena *a = req_arena(r);
	const char *parent = req_query(r, "parent") ? req_query(r, "parent") : req_area(r);
	int n;
	const char **scope = user_scope(a, req_user(r), "areas.read", &n);
	json_t *items = json_array();
	struct db_stmt *st;
	if (parent == NULL) {
		for (int i = 0; i < n; i++) {
			/* The empty prefix (an API token's whole-tree scope) stands for the top areas. */
			st = db_stmt(req_db(r),
			    "SELECT " AREA_COLUMNS
			    " FROM areas a WHERE (? = '' AND a.parent_code IS NULL) OR a.code = ?"
			    " ORDER BY a.code",
			    "tt", scope[i], scope[i]);
			while (st != NULL && db_step(st) == DB_ROW)
				json_array_append_new(items, area_json(st));
			if (st)
				db_reset(st);
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
	const char *after = req_query(r, "cursor");
	st = db_stmt(req_db(r),
	    "SELECT " AREA_COLUMNS " FROM areas a WHERE a.parent_code = ? AND a.code > ? ORDER BY a.code LIMIT ?",
	    "tti", parent, after ? after : "", limit + 1);
	int64_t count = 0;
	const char *next = NULL;
	while (st != NULL && db_step(st) == DB_ROW) {
		if (count++ == limit)
			break;
		json_array_append_new(items, area_json(st));
	}
	if (st)
		db_reset(st);
	if (count > limit) {
		/* The cursor of areas is the last code shown. */
		json_t *last = json_array_get(items, json_array_size(items) - 1);
		next = json_string_value(json_object_get(last, "code"));
	}
	reply_json(r, 200, json_pack("{so so}", "items", items, "next_cursor", next ? json_string(next) : json_null()));
}

static void get_area(struct req *r)
{
	const char *code = req_param(r, 0);
	if (!area_code_valid(code) || !user_covers(req_user(r), "areas.read", code)) {
		reply_problem(r, P_NOT_FOUND, "no such area");
		return;
	}
	struct db_stmt *st = db_stmt(req_db(r), "SELECT " AREA_COLUMNS " FROM areas a WHERE a.code = ?", "t", code);
	if (st == NULL || db_step(st) != DB_ROW) {
		if (st)
			db_reset(st);
		reply_problem(r, P_NOT_FOUND, "no such area");
		return;
	}
	json_t *area = area_json(st);
	db_reset(st);
	reply_json(r, 200, area);
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
