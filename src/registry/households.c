/* Households at an address in the area tree (a building, or an estate or
 * community where buildings are not recorded), with entrance and room. The
 * registry's tables are created here. */
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../platform/area_tree.h"
#include "registry.h"
#include "../core/banned.h"

static json_t *household_json(struct req *r, int64_t id)
{
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT h.area_code, a.short_name, h.unit, h.room FROM households h JOIN areas a ON a.code = h.area_code"
	    " WHERE h.id = ?",
	    "i", id);
	if (st == NULL || db_step(st) != DB_ROW) {
		if (st)
			db_reset(st);
		return NULL;
	}
	json_t *h = json_pack("{sI ss ss ss ss}", "id", (json_int_t)id, "area_code", db_text(st, 0), "area_name",
	    db_text(st, 1), "unit", db_text(st, 2), "room", db_text(st, 3));
	db_reset(st);
	json_t *members = json_array();
	st = db_stmt(req_db(r),
	    "SELECT id, name, relation FROM residents WHERE household_id = ? AND status = 'active' ORDER BY id", "i",
	    id);
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(
		    members, json_pack("{sI ss so}", "id", (json_int_t)db_int(st, 0), "name", db_text(st, 1),
		                 "relation", db_null(st, 2) ? json_null() : json_string(db_text(st, 2))));
	if (st)
		db_reset(st);
	json_object_set_new(h, "members", members);
	return h;
}

/* The household if it lies in the caller's scope for perm, else 0 (and a 404 sent). */
static int64_t visible(struct req *r, int64_t id, const char *perm)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT area_code FROM households WHERE id = ?", "i", id);
	bool ok = st != NULL && db_step(st) == DB_ROW && user_covers(req_user(r), perm, db_text(st, 0));
	if (st)
		db_reset(st);
	if (!ok) {
		reply_problem(r, P_NOT_FOUND, "no such household");
		return 0;
	}
	return id;
}

static void get_household(struct req *r)
{
	int64_t id = visible(r, req_param_id(r, 0), "residents.read");
	if (id != 0)
		reply_json(r, 200, household_json(r, id));
}

static void list_households(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), "residents.read", &n);
	const char *area = req_area(r), *unit = req_query(r, "unit"), *room = req_query(r, "room");
	struct db_stmt *st = db_prepare(
	    req_db(r), arena_printf(a,
	                   "SELECT id FROM households WHERE id > ? AND %s AND area_code >= ? AND area_code < ?"
	                   " AND (? IS NULL OR unit = ?) AND (? IS NULL OR room = ?) ORDER BY id LIMIT ?",
	                   scope_sql(a, "area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int64_t limit = req_limit(r), ids[1001], count = 0;
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	i = scope_bind(st, i, a, codes, n);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_text(st, i++, unit);
	db_bind_text(st, i++, unit);
	db_bind_text(st, i++, room);
	db_bind_text(st, i++, room);
	db_bind_int(st, i, limit + 1);
	while (db_step(st) == DB_ROW && count <= limit)
		ids[count++] = db_int(st, 0);
	db_reset(st);
	json_t *items = json_array();
	for (int64_t k = 0; k < count && k < limit; k++)
		json_array_append_new(items, household_json(r, ids[k]));
	reply_list(r, items, count > limit ? ids[limit - 1] : 0);
}

static void create_household(struct req *r)
{
	const char *area = body_str(r, "area_code");
	const char *unit = body_str(r, "unit") ? body_str(r, "unit") : "";
	const char *room = body_str(r, "room") ? body_str(r, "room") : "";
	struct db *db = req_db(r);
	const struct area *where = area_find(db, area);
	const char *kind = where ? where->kind : NULL;
	if (kind == NULL) {
		reply_invalid(r, "area_code", "is not a known area");
		return;
	}
	if (strcmp(kind, "district") == 0 || strcmp(kind, "street") == 0) {
		reply_invalid(r, "area_code", "must be a community, grid, estate or building");
		return;
	}
	if (!user_covers(req_user(r), "residents.write", area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	int64_t now = clock_now();
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO households (area_code, unit, room, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		    "tttii", area, unit, room, now, now);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_problem(r, P_CONFLICT, "a household at this address exists already");
		return;
	}
	int64_t id = db_last_id(db);
	if (rc == DB_DONE)
		rc = audit_request_rc(
		    r, "household.create", arena_printf(req_arena(r), "household:%lld", (long long)id), NULL);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, household_json(r, id));
}

static const struct field member_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"relation", T_STRING, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field member_schema = {NULL, T_OBJECT, 0, .fields = member_fields};
static const struct field household_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED | F_AREA},
    {"area_name", T_STRING, F_REQUIRED},
    {"unit", T_STRING, F_REQUIRED},
    {"room", T_STRING, F_REQUIRED},
    {"members", T_ARRAY, F_REQUIRED, .items = &member_schema},
    {NULL},
};
static const struct field household_schema = {NULL, T_OBJECT, 0, .fields = household_fields};
static const struct field create_fields[] = {
    {"area_code", T_STRING, F_REQUIRED | F_AREA, .desc = "the building (or estate or community)"},
    {"unit", T_STRING, 0, 0, 16, .desc = "entrance (单元)"},
    {"room", T_STRING, 0, 0, 16, .desc = "room number (房号)"},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};

/* An address is a building (the area filter) with an entrance and a room. */
static const struct field list_query[] = {
    {"unit", T_STRING, 0, 1, 16, .desc = "entrance (单元), exactly"},
    {"room", T_STRING, 0, 1, 16, .desc = "room number (房号), exactly"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/households", "residents.read", R_LIST, list_query, NULL, 200, &household_schema, list_households,
        "Households in scope"},
    {M_POST, "/api/v1/households", "residents.write", 0, NULL, &create_body, 201, &household_schema, create_household,
        "Record a household at an address"},
    {M_GET, "/api/v1/households/{id}", "residents.read", 0, NULL, NULL, 200, &household_schema, get_household,
        "A household and its members"},
    {0},
};

/* Tags: identifiers, Chinese and English names, the aliases spreadsheets use;
 * health, disability and income tags are sensitive. Derived tags (aged 60+,
 * 80+, minor) come from the birth date and are not stored. */
static const struct migration migrations[] = {
    {1, "CREATE TABLE tags ("
        " id TEXT PRIMARY KEY,"
        " name_zh TEXT NOT NULL,"
        " name_en TEXT NOT NULL,"
        " aliases TEXT NOT NULL,"
        " sensitive INTEGER NOT NULL);"
        "INSERT INTO tags (id, name_zh, name_en, aliases, sensitive) VALUES"
        " ('living_alone', '独居老人', 'Elderly living alone', '独居', 0),"
        " ('empty_nest', '空巢老人', 'Empty nest', '空巢', 0),"
        " ('disabled', '残疾人', 'Disabled', '残疾', 1),"
        " ('minimum_income', '低保户', 'Minimum-income', '低保', 1),"
        " ('extreme_hardship', '特困人员', 'Extreme hardship', '特困', 1),"
        " ('party_member', '党员', 'Party member', '', 0),"
        " ('veteran', '退役军人', 'Veteran', '', 0),"
        " ('key_care', '重点关注', 'Key care', '', 0);"
        "CREATE TABLE households ("
        " id INTEGER PRIMARY KEY,"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " unit TEXT NOT NULL,"
        " room TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL,"
        " UNIQUE (area_code, unit, room));"
        "CREATE TABLE residents ("
        " id INTEGER PRIMARY KEY,"
        " household_id INTEGER REFERENCES households (id),"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " name TEXT NOT NULL,"
        " gender TEXT,"
        " birth_date TEXT,"
        " document_type TEXT NOT NULL,"
        " id_sealed BLOB,"
        " id_index BLOB,"
        " id_masked TEXT,"
        " phone_sealed BLOB,"
        " phone_index BLOB,"
        " phone_masked TEXT,"
        " relation TEXT,"
        " notes TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " version INTEGER NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL);"
        "CREATE INDEX residents_area ON residents (area_code, id);"
        "CREATE INDEX residents_household ON residents (household_id);"
        "CREATE UNIQUE INDEX residents_id_index ON residents (id_index);"
        "CREATE INDEX residents_phone_index ON residents (phone_index);"
        "CREATE TABLE resident_tags ("
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " tag TEXT NOT NULL REFERENCES tags (id),"
        " PRIMARY KEY (resident_id, tag));"
        "CREATE INDEX resident_tags_tag ON resident_tags (tag, resident_id);"
        "CREATE TABLE name_grams ("
        " gram TEXT NOT NULL,"
        " area_code TEXT NOT NULL,"
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " PRIMARY KEY (gram, area_code, resident_id));"
        "CREATE INDEX name_grams_resident ON name_grams (resident_id);"},
    /* 户籍地址: the registered household address when it is not where the resident
     * lives (人户分离); NULL when they are the same. Scope follows the actual residence. */
    {2, "ALTER TABLE residents ADD COLUMN registered_address TEXT;"},
    /* Name pieces keyed by themselves (no rowid table beside the key), without the
     * index by resident, which no query used: a third of the size, and bulk loads
     * append in key order. */
    {3, "CREATE TABLE name_grams_new ("
        " gram TEXT NOT NULL,"
        " area_code TEXT NOT NULL,"
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " PRIMARY KEY (gram, area_code, resident_id)) WITHOUT ROWID;"
        "INSERT INTO name_grams_new (gram, area_code, resident_id)"
        " SELECT gram, area_code, resident_id FROM name_grams ORDER BY gram, area_code, resident_id;"
        "DROP TABLE name_grams;"
        "ALTER TABLE name_grams_new RENAME TO name_grams;"},
    /* Names are searched by a scan bounded by the caller's scope (a community is a
     * few thousand residents) instead of name pieces, which doubled what an import
     * writes. The area index carries name and status so the scan never reads the
     * table; after (area_code, id), which bulk loads append in order, they cost
     * no sorting. */
    {4, "DROP TABLE name_grams;"
        "DROP INDEX residents_area;"
        "CREATE INDEX residents_area ON residents (area_code, id, status, name);"},
    /* The blind indexes' lookup tables, kept by triggers: the same as an index on each
     * column, except that a bulk load can fill them in key order from C (load.c)
     * instead of SQLite sorting the table's rows once for each (CREATE INDEX), which
     * took a third of an import. A document number is registered once: the key of
     * resident_ids. */
    {5, "CREATE TABLE resident_ids ("
        " blind BLOB PRIMARY KEY,"
        " resident_id INTEGER NOT NULL REFERENCES residents (id)) WITHOUT ROWID;"
        "CREATE TABLE resident_phones ("
        " blind BLOB NOT NULL,"
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " PRIMARY KEY (blind, resident_id)) WITHOUT ROWID;"
        "INSERT INTO resident_ids (blind, resident_id)"
        " SELECT id_index, id FROM residents WHERE id_index IS NOT NULL ORDER BY id_index;"
        "INSERT INTO resident_phones (blind, resident_id)"
        " SELECT phone_index, id FROM residents WHERE phone_index IS NOT NULL ORDER BY phone_index, id;"
        "DROP INDEX residents_id_index;"
        "DROP INDEX residents_phone_index;"
        "CREATE TRIGGER residents_numbers_insert AFTER INSERT ON residents BEGIN"
        " INSERT INTO resident_ids (blind, resident_id) SELECT new.id_index, new.id WHERE new.id_index IS NOT NULL;"
        " INSERT INTO resident_phones (blind, resident_id)"
        "  SELECT new.phone_index, new.id WHERE new.phone_index IS NOT NULL;"
        " END;"
        "CREATE TRIGGER residents_numbers_update AFTER UPDATE OF id_index, phone_index ON residents BEGIN"
        " DELETE FROM resident_ids WHERE blind = old.id_index AND resident_id = old.id;"
        " DELETE FROM resident_phones WHERE blind = old.phone_index AND resident_id = old.id;"
        " INSERT INTO resident_ids (blind, resident_id) SELECT new.id_index, new.id WHERE new.id_index IS NOT NULL;"
        " INSERT INTO resident_phones (blind, resident_id)"
        "  SELECT new.phone_index, new.id WHERE new.phone_index IS NOT NULL;"
        " END;"
        "CREATE TRIGGER residents_numbers_delete AFTER DELETE ON residents BEGIN"
        " DELETE FROM resident_ids WHERE blind = old.id_index AND resident_id = old.id;"
        " DELETE FROM resident_phones WHERE blind = old.phone_index AND resident_id = old.id;"
        " END;"},
    {0},
};

const struct module households_module = {
    .name = "registry",
    .migrations = migrations,
    .routes = routes,
};
