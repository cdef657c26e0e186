/* The one table from roles to permissions. Modules add their permissions here,
 * next to the roles that hold them. System, security and audit administration
 * are separate roles (MLPS three-way separation): none holds another's rights. */
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "auth.h"
#include "../core/banned.h"

#define PERMS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define STAFF "me", "areas.read"
/* The registry: reading, recording, seeing sensitive tags, unmasking numbers. */
#define REGISTRY_READ "residents.read"
#define REGISTRY_KEEP \
	"residents.read", "residents.write", "residents.sensitive", "residents.unmask", "residents.confirm"

/* Work orders: reading (in scope, or assigned), recording demands, running the
 * loop (accept, dispatch, verify, close, approve), handling what is assigned,
 * evaluating (a resident their own orders; staff on a resident's behalf). */
#define ORDERS_KEEP "orders.read", "orders.create", "orders.manage", "orders.evaluate"
/* Partner units, cadres and teams: keeping them (in scope) and seeing them. */
#define PARTNERS_KEEP "partners.manage", "partners.read"
/* Submitting demands through Open311 (orders/open311.c), as an API token's
 * scope: that endpoint ignores sessions and checks the token itself, so no
 * person uses it. It is listed under the district administrator, who answers
 * for the district's public intake and its triage queue (and so it is a known
 * permission, which a token's scopes must be). */
#define OPEN311 "open311"

/* Door-knocking (visits/): reading visits, teams, policies and plans in scope
 * (or in one's knock teams' areas); recording visits; planning days; keeping
 * teams and policies. Welfare alerts are handled (acknowledged, closed) by the
 * people who can reach the resident — grid workers and community staff — and
 * followed by street and district administrators, who read them. */
#define VISITS_KEEP "visits.read", "visits.record", "visits.plan", "visits.configure"
#define ALERTS "alerts.read", "alerts.handle"

const struct role_def role_table[] = {
    {"sysadmin", "系统管理员", "System administrator", PERMS("me", "areas.read", "apikeys.manage")},
    {"secadmin", "安全管理员", "Security administrator", PERMS("me", "areas.read", "users.manage")},
    {"auditor", "审计员", "Auditor", PERMS("me", "audit.read")},
    {"district_admin", "区级管理员", "District administrator",
        PERMS(
            STAFF, REGISTRY_KEEP, ORDERS_KEEP, "orders.configure", PARTNERS_KEEP, OPEN311, VISITS_KEEP, "alerts.read")},
    {"street_admin", "街道管理员", "Street administrator",
        PERMS(STAFF, REGISTRY_KEEP, ORDERS_KEEP, PARTNERS_KEEP, VISITS_KEEP, "alerts.read")},
    {"community_staff", "社区工作人员", "Community staff",
        PERMS(STAFF, REGISTRY_KEEP, ORDERS_KEEP, PARTNERS_KEEP, VISITS_KEEP, ALERTS)},
    {"grid_worker", "网格员", "Grid worker",
        PERMS(STAFF, REGISTRY_READ, "residents.write", "orders.read", "orders.create", "orders.handle", "visits.read",
            "visits.record", ALERTS)},
    {"doorknocker", "敲门组成员", "Door-knock team member",
        PERMS(STAFF, REGISTRY_READ, "orders.read", "orders.create", "visits.read", "visits.record")},
    {"cadre", "下沉干部", "Seconded cadre", PERMS(STAFF, "orders.read", "orders.handle", "partners.read")},
    {"partner_liaison", "共建单位联络员", "Partner-unit liaison",
        PERMS(STAFF, "orders.read", "orders.handle", "partners.read")},
    {"mediator", "调解员", "Mediator", PERMS(STAFF)},
    {"lawyer", "律师", "Lawyer", PERMS(STAFF)},
    {"teacher", "四点半学校教师", "4:30 School teacher", PERMS(STAFF)},
    {"canteen_staff", "食堂工作人员", "Canteen staff", PERMS(STAFF)},
    {"courier", "社区外卖员", "Community courier", PERMS(STAFF)},
    {"resident", "居民", "Resident", PERMS("me", "orders.create", "orders.evaluate")},
    {NULL, NULL, NULL, NULL},
};

/* The identifiers alone, for validating and describing role fields. */
const char *const role_ids[] = {"sysadmin", "secadmin", "auditor", "district_admin", "street_admin", "community_staff",
    "grid_worker", "doorknocker", "cadre", "partner_liaison", "mediator", "lawyer", "teacher", "canteen_staff",
    "courier", "resident", NULL};

const struct role_def *role_find(const char *id)
{
	for (const struct role_def *r = role_table; r->id != NULL; r++)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

bool role_is_admin(const char *role)
{
	return strcmp(role, "sysadmin") == 0 || strcmp(role, "secadmin") == 0 || strcmp(role, "auditor") == 0;
}

static bool role_grants(const char *role, const char *perm)
{
	const struct role_def *r = role_find(role);
	if (r == NULL)
		return false;
	for (const char *const *p = r->perms; *p != NULL; p++)
		if (strcmp(*p, perm) == 0)
			return true;
	return false;
}

bool perm_known(const char *perm)
{
	for (const struct role_def *r = role_table; r->id != NULL; r++)
		if (role_grants(r->id, perm))
			return true;
	return false;
}

/* An API token's scopes are permissions it holds over the whole tree. */
static bool token_has(const struct user *u, const char *perm)
{
	size_t n = strlen(perm);
	for (const char *s = u->token_scopes; s != NULL && *s != '\0';) {
		const char *e = strchr(s, ' ');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, perm, n) == 0)
			return true;
		s = e ? e + 1 : s + len;
	}
	return false;
}

bool user_can(const struct user *u, const char *perm)
{
	if (u->token_id != 0)
		return token_has(u, perm);
	for (int i = 0; i < u->nroles; i++)
		if (role_grants(u->roles[i].role, perm))
			return true;
	return false;
}

static bool under(const char *code, const char *root) { return strncmp(code, root, strlen(root)) == 0; }

bool user_covers(const struct user *u, const char *perm, const char *code)
{
	if (u->token_id != 0)
		return token_has(u, perm);
	for (int i = 0; i < u->nroles; i++)
		if (role_grants(u->roles[i].role, perm) && under(code, u->roles[i].area_code))
			return true;
	return false;
}

const char **user_scope(struct arena *a, const struct user *u, const char *perm, int *n)
{
	const char **codes = arena_alloc(a, sizeof(*codes) * (size_t)(u->nroles + 1));
	*n = 0;
	if (u->token_id != 0) {
		if (token_has(u, perm))
			codes[(*n)++] = ""; /* the empty prefix covers every area */
		return codes;
	}
	for (int i = 0; i < u->nroles; i++) {
		if (!role_grants(u->roles[i].role, perm))
			continue;
		bool covered = false;
		for (int k = 0; k < u->nroles && !covered; k++)
			covered = k != i && role_grants(u->roles[k].role, perm) &&
			          under(u->roles[i].area_code, u->roles[k].area_code) &&
			          (strcmp(u->roles[i].area_code, u->roles[k].area_code) != 0 || k < i);
		if (!covered)
			codes[(*n)++] = u->roles[i].area_code;
	}
	return codes;
}

const char *scope_sql(struct arena *a, const char *column, const char **codes, int n)
{
	if (n == 0)
		return "0=1";
	const char *sql = "(";
	for (int i = 0; i < n; i++)
		sql = arena_printf(a, "%s%s(%s >= ? AND %s < ?)", sql, i ? " OR " : "", column, column);
	return arena_printf(a, "%s)", sql);
}

int scope_bind(struct db_stmt *st, int idx, struct arena *a, const char **codes, int n)
{
	for (int i = 0; i < n; i++) {
		/* Codes are digits, so the subtree of "4201" is the range ["4201", "4201:"). */
		char *upper = arena_printf(a, "%s:", codes[i]);
		if (codes[i][0] != '\0') {
			size_t len = strlen(codes[i]);
			upper[len] = '\0';
			upper[len - 1] = (char)(codes[i][len - 1] + 1);
		} else {
			upper = ":";
		}
		db_bind_text(st, idx++, codes[i]);
		db_bind_text(st, idx++, upper);
	}
	return idx;
}

json_t *user_permissions_json(const struct user *u)
{
	json_t *out = json_array();
	for (const struct role_def *r = role_table; r->id != NULL; r++) {
		for (const char *const *p = r->perms; *p != NULL; p++) {
			bool seen = false;
			for (size_t i = 0; i < json_array_size(out) && !seen; i++)
				seen = strcmp(json_string_value(json_array_get(out, i)), *p) == 0;
			if (!seen && user_can(u, *p))
				json_array_append_new(out, json_string(*p));
		}
	}
	return out;
}

json_t *user_roles_json(const struct user *u)
{
	json_t *out = json_array();
	for (int i = 0; i < u->nroles; i++)
		json_array_append_new(
		    out, json_pack("{sI ss ss ss}", "id", (json_int_t)u->roles[i].id, "role", u->roles[i].role,
		             "area_code", u->roles[i].area_code, "area_name", u->roles[i].area_name));
	return out;
}

struct user *user_load(struct arena *a, struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT username, display_name, must_change_password, password_changed_at FROM users"
	    " WHERE id = ? AND active = 1",
	    "i", id);
	if (st == NULL || db_step(st) != DB_ROW)
		return NULL;
	struct user *u = arena_alloc(a, sizeof(*u));
	u->id = id;
	u->username = arena_strdup(a, db_text(st, 0));
	u->display_name = arena_strdup(a, db_text(st, 1));
	u->must_change_password = db_int(st, 2) != 0;
	int64_t changed_at = db_int(st, 3);
	db_reset(st);

	st = db_stmt(db,
	    "SELECT r.id, r.role, r.area_code, a.short_name FROM role_assignments r"
	    " JOIN areas a ON a.code = r.area_code WHERE r.user_id = ? ORDER BY r.id",
	    "i", id);
	if (st == NULL)
		return NULL;
	int cap = 4;
	u->roles = arena_alloc(a, sizeof(*u->roles) * (size_t)cap);
	while (db_step(st) == DB_ROW) {
		if (u->nroles == cap) {
			struct role_grant *more = arena_alloc(a, sizeof(*more) * (size_t)cap * 2);
			memcpy(more, u->roles, sizeof(*more) * (size_t)cap);
			u->roles = more;
			cap *= 2;
		}
		struct role_grant *g = &u->roles[u->nroles++];
		g->id = db_int(st, 0);
		g->role = arena_strdup(a, db_text(st, 1));
		g->area_code = arena_strdup(a, db_text(st, 2));
		g->area_name = arena_strdup(a, db_text(st, 3));
	}
	db_reset(st);

	u->password_changed_at = changed_at;
	u->must_change_password = u->must_change_password || password_expired(u, clock_now());
	return u;
}

bool password_expired(const struct user *u, int64_t now)
{
	int64_t max_age = config_get(CFG_PASSWORD_MAX_AGE) * 86400;
	bool staff = false;
	for (int i = 0; i < u->nroles; i++)
		staff = staff || strcmp(u->roles[i].role, "resident") != 0;
	return staff && max_age > 0 && now - u->password_changed_at > max_age;
}
