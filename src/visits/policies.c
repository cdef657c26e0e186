/* Visit policies: how often a household must be seen in person (a cadence per
 * tag, a default for everyone else), how many households a member visits a day,
 * and how long a welfare alert waits for acknowledgement before it goes to
 * community staff. A policy is stored for an area — the district, a street or a
 * community — and holds below it unless a nearer area has its own; without any,
 * the built-in default (cadence.c). Also here: who lives in a household, as the
 * tag masks the rules read. */
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/parse.h"
#include "../platform/area_tree.h"
#include "visits.h"
#include "../core/banned.h"

#define CONFIGURE "visits.configure"

/* --- rules as stored: "aged_80=7 living_alone=7" --- */

static void rules_parse(const char *text, struct cadence_policy *p)
{
	memset(p->days, 0, sizeof(p->days));
	for (const char *s = text; s != NULL && *s != '\0';) {
		const char *end = strchrnul(s, ' '), *eq = memchr(s, '=', (size_t)(end - s));
		char tag[32];
		int64_t days;
		if (eq != NULL && (size_t)(eq - s) < sizeof(tag) &&
		    parse_i64(eq + 1, (size_t)(end - eq - 1), 1, 365, &days)) {
			memcpy(tag, s, (size_t)(eq - s));
			tag[eq - s] = '\0';
			int bit = cadence_tag_bit(tag);
			if (bit >= 0)
				p->days[bit] = (int)days;
		}
		s = *end ? end + 1 : end;
	}
}

static char *rules_text(struct arena *a, const struct cadence_policy *p)
{
	char *text = "";
	for (int i = 0; i < CADENCE_NTAGS; i++)
		if (p->days[i] > 0)
			text = arena_printf(a, "%s%s%s=%d", text, text[0] ? " " : "", cadence_tags[i], p->days[i]);
	return text;
}

#define POLICY_COLUMNS "area_code, default_days, daily_capacity, ack_hours, rules, updated_at"

static void policy_row(struct db_stmt *st, struct cadence_policy *p)
{
	p->default_days = (int)db_int(st, 1);
	p->daily_capacity = (int)db_int(st, 2);
	p->ack_hours = (int)db_int(st, 3);
	rules_parse(db_text(st, 4), p);
}

/* --- lookups --- */

struct policy_set {
	struct cadence_policy builtin;
	struct stored {
		char code[32];
		size_t len;
		struct cadence_policy p;
	} * rows;
	int n;
};

struct policy_set *policies_load(struct db *db)
{
	struct policy_set *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	cadence_policy_default(&s->builtin);
	struct db_stmt *st = db_stmt(db, "SELECT " POLICY_COLUMNS " FROM visit_policies", NULL);
	int cap = 0;
	while (st != NULL && db_step(st) == DB_ROW) {
		if (s->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct stored *more = realloc(s->rows, sizeof(*more) * (size_t)cap);
			if (more == NULL)
				break;
			s->rows = more;
		}
		struct stored *x = &s->rows[s->n++];
		snprintf(x->code, sizeof(x->code), "%s", db_text(st, 0));
		x->len = strlen(x->code);
		policy_row(st, &x->p);
	}
	if (st)
		db_reset(st);
	return s;
}

void policies_free(struct policy_set *s)
{
	if (s != NULL)
		free(s->rows);
	free(s);
}

const struct cadence_policy *policy_for(const struct policy_set *s, const char *area)
{
	const struct cadence_policy *best = &s->builtin;
	size_t best_len = 0;
	for (int i = 0; i < s->n; i++)
		if (s->rows[i].len > best_len && strncmp(area, s->rows[i].code, s->rows[i].len) == 0) {
			best = &s->rows[i].p;
			best_len = s->rows[i].len;
		}
	return best;
}

/* The stored policy nearest area (itself or an ancestor); NULL when none. The statement is left ready to read. */
static struct db_stmt *nearest(struct db *db, const char *area)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT " POLICY_COLUMNS " FROM visit_policies WHERE substr(?, 1, length(area_code)) = area_code"
	    " ORDER BY length(area_code) DESC LIMIT 1",
	    "t", area);
	if (st != NULL && db_step(st) == DB_ROW)
		return st;
	if (st)
		db_reset(st);
	return NULL;
}

void policy_of(struct db *db, const char *area, struct cadence_policy *p)
{
	cadence_policy_default(p);
	struct db_stmt *st = nearest(db, area);
	if (st != NULL) {
		policy_row(st, p);
		db_reset(st);
	}
}

static unsigned tags_of(struct db_stmt *st)
{
	unsigned mask = 0;
	while (st != NULL && db_step(st) == DB_ROW) {
		int bit = cadence_tag_bit(db_text(st, 0));
		if (bit >= 0)
			mask |= 1u << bit;
	}
	if (st)
		db_reset(st);
	return mask;
}

bool household_mask(struct db *db, int64_t household, int64_t day, unsigned *mask)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT min(birth_date), max(birth_date), count(*) FROM residents WHERE household_id = ?"
	    " AND status = 'active'",
	    "i", household);
	bool lived = st != NULL && db_step(st) == DB_ROW && db_int(st, 2) > 0;
	*mask = lived ? cadence_age_mask(db_text(st, 0), db_text(st, 1), day) : 0;
	if (st)
		db_reset(st);
	if (lived)
		*mask |= tags_of(db_stmt(db,
		    "SELECT DISTINCT t.tag FROM resident_tags t JOIN residents r ON r.id = t.resident_id"
		    " WHERE r.household_id = ? AND r.status = 'active'",
		    "i", household));
	return lived;
}

unsigned resident_mask(struct db *db, int64_t resident, int64_t day)
{
	struct db_stmt *st = db_stmt(db, "SELECT birth_date FROM residents WHERE id = ?", "i", resident);
	unsigned mask = 0;
	if (st != NULL && db_step(st) == DB_ROW)
		mask = cadence_age_mask(db_text(st, 0), db_text(st, 0), day);
	if (st)
		db_reset(st);
	return mask | tags_of(db_stmt(db, "SELECT tag FROM resident_tags WHERE resident_id = ?", "i", resident));
}

/* --- the API --- */

static json_t *policy_json(const char *area, const char *source, const struct cadence_policy *p, int64_t updated)
{
	json_t *rules = json_array();
	for (int i = 0; i < CADENCE_NTAGS; i++)
		if (p->days[i] > 0)
			json_array_append_new(rules, json_pack("{ss si}", "tag", cadence_tags[i], "days", p->days[i]));
	json_t *j = json_pack("{ss si si si so}", "area_code", area, "default_days", p->default_days, "daily_capacity",
	    p->daily_capacity, "ack_hours", p->ack_hours, "rules", rules);
	json_object_set_new(j, "source", source ? json_string(source) : json_null());
	json_object_set_new(j, "updated_at", source ? visits_time_json(updated) : json_null());
	return j;
}

static json_t *effective_json(struct db *db, struct arena *a, const char *area)
{
	struct cadence_policy p;
	cadence_policy_default(&p);
	const char *source = NULL;
	int64_t updated = 0;
	struct db_stmt *st = nearest(db, area);
	if (st != NULL) {
		policy_row(st, &p);
		source = arena_strdup(a, db_text(st, 0));
		updated = db_int(st, 5);
		db_reset(st);
	}
	return policy_json(area, source, &p, updated);
}

/* The area of the path if it exists, else NULL with a 404 sent. */
static const struct area *path_area(struct req *r)
{
	const struct area *x = area_find(req_db(r), req_param(r, 0));
	if (x == NULL)
		reply_problem(r, P_NOT_FOUND, "no such area");
	return x;
}

static void get_policy(struct req *r)
{
	if (path_area(r) != NULL)
		reply_json(r, 200, effective_json(req_db(r), req_arena(r), req_param(r, 0)));
}

/* Policies belong to the district, a street or a community: the levels that run visits. */
static bool policy_level(const struct area *x)
{
	return strcmp(x->kind, "grid") != 0 && strcmp(x->kind, "estate") != 0 && strcmp(x->kind, "building") != 0;
}

static void put_policy(struct req *r)
{
	struct db *db = req_db(r);
	const struct area *x = path_area(r);
	if (x == NULL)
		return;
	const char *area = req_param(r, 0);
	if (!policy_level(x)) {
		reply_invalid(r, "area", "a policy is set for the district, a street or a community");
		return;
	}
	if (!user_covers(req_user(r), CONFIGURE, area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	struct cadence_policy p = {.default_days = (int)body_int(r, "default_days", 30),
	    .daily_capacity = (int)body_int(r, "daily_capacity", 20),
	    .ack_hours = (int)body_int(r, "ack_hours", 24)};
	size_t i;
	json_t *rule;
	json_array_foreach (json_object_get(req_body(r), "rules"), i, rule) {
		int bit = cadence_tag_bit(json_string_value(json_object_get(rule, "tag")));
		if (p.days[bit] != 0) {
			reply_invalid(r, arena_printf(req_arena(r), "rules[%zu].tag", i), "is given twice");
			return;
		}
		p.days[bit] = (int)json_integer_value(json_object_get(rule, "days"));
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO visit_policies (area_code, default_days, daily_capacity, ack_hours, rules, updated_by,"
		    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (area_code) DO UPDATE SET"
		    " default_days = excluded.default_days, daily_capacity = excluded.daily_capacity,"
		    " ack_hours = excluded.ack_hours, rules = excluded.rules, updated_by = excluded.updated_by,"
		    " updated_at = excluded.updated_at",
		    "tiiitii", area, (int64_t)p.default_days, (int64_t)p.daily_capacity, (int64_t)p.ack_hours,
		    rules_text(req_arena(r), &p), req_user(r)->id, clock_now());
	if (audit_commit(r, rc, NULL, "visit_policy.set", arena_printf(req_arena(r), "area:%s", area),
	        rules_text(req_arena(r), &p)))
		reply_json(r, 200, effective_json(db, req_arena(r), area));
}

static void delete_policy(struct req *r)
{
	struct db *db = req_db(r);
	const char *area = req_param(r, 0);
	if (path_area(r) == NULL)
		return;
	if (!user_covers(req_user(r), CONFIGURE, area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM visit_policies WHERE area_code = ?", "t", area);
	if (db_ran(rc) == DB_OK && db_changes(db) == 0) {
		db_rollback(db);
		reply_problem(r, P_NOT_FOUND, "no policy is set for this area");
		return;
	}
	if (audit_commit(r, rc, NULL, "visit_policy.delete", arena_printf(req_arena(r), "area:%s", area), NULL))
		reply_empty(r, 204);
}

static const struct field rule_fields[] = {
    {"tag", T_ENUM, F_REQUIRED, .values = cadence_tags},
    {"days", T_INT, F_REQUIRED, 1, 365},
    {NULL},
};
static const struct field rule_schema = {NULL, T_OBJECT, 0, .fields = rule_fields};
static const struct field policy_fields[] = {
    {"area_code", T_STRING, F_REQUIRED},
    {"source", T_STRING, F_REQUIRED | F_NULLABLE,
        .desc = "the area whose policy holds here (itself or an ancestor); null: the built-in default"},
    {"default_days", T_INT, F_REQUIRED, .desc = "the cadence of households no rule names"},
    {"daily_capacity", T_INT, F_REQUIRED, .desc = "households a team member visits a day, unless set per member"},
    {"ack_hours", T_INT, F_REQUIRED, .desc = "hours an alert waits for acknowledgement before community staff"},
    {"rules", T_ARRAY, F_REQUIRED, .items = &rule_schema,
        .desc = "a cadence per tag; a household takes the shortest of its members'"},
    {"updated_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field policy_schema = {NULL, T_OBJECT, 0, .fields = policy_fields};
static const struct field put_fields[] = {
    {"default_days", T_INT, F_REQUIRED, 1, 365},
    {"daily_capacity", T_INT, F_REQUIRED, 1, 200},
    {"ack_hours", T_INT, F_REQUIRED, 1, 720},
    {"rules", T_ARRAY, F_REQUIRED, 0, CADENCE_NTAGS, .items = &rule_schema},
    {NULL},
};
static const struct field put_body = {NULL, T_OBJECT, 0, .fields = put_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/visit-policies/{area}", "visits.read", 0, NULL, NULL, 200, &policy_schema, get_policy,
        "The visit policy that holds in an area"},
    {M_PUT, "/api/v1/visit-policies/{area}", CONFIGURE, 0, NULL, &put_body, 200, &policy_schema, put_policy,
        "Set the visit policy of the district, a street or a community"},
    {M_DELETE, "/api/v1/visit-policies/{area}", CONFIGURE, 0, NULL, NULL, 204, NULL, delete_policy,
        "Remove an area's own policy (its parent's holds again)"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE visit_policies ("
        " area_code TEXT PRIMARY KEY REFERENCES areas (code),"
        " default_days INTEGER NOT NULL,"
        " daily_capacity INTEGER NOT NULL,"
        " ack_hours INTEGER NOT NULL,"
        " rules TEXT NOT NULL,"
        " updated_by INTEGER REFERENCES users (id),"
        " updated_at INTEGER NOT NULL);"},
    {0},
};

const struct module visit_policies_module = {
    .name = "visit_policies",
    .migrations = migrations,
    .routes = routes,
};
