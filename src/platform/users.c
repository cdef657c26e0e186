/* User and role administration (the security administrator), the role list,
 * and API tokens (the system administrator). Nobody changes their own account
 * here: rights always come from someone else (MLPS three-way separation). */
#include <sodium.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "area_tree.h"
#include "platform.h"
#include "../core/banned.h"

/* Users are in a security admin's scope when one of their roles lies in it,
 * or when they have no role yet. */
#define IN_SCOPE(cond)                                                                                   \
	"(NOT EXISTS (SELECT 1 FROM role_assignments x WHERE x.user_id = u.id) OR EXISTS (SELECT 1 FROM" \
	" role_assignments x WHERE x.user_id = u.id AND " cond "))"

static const char *scope_cond(struct req *r, const char ***codes, int *n)
{
	*codes = user_scope(req_arena(r), req_user(r), "users.manage", n);
	return scope_sql(req_arena(r), "x.area_code", *codes, *n);
}

static json_t *user_json(struct req *r, int64_t id)
{
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT username, display_name, active, locked_until, must_change_password FROM users WHERE id = ?", "i",
	    id);
	if (st == NULL || db_step(st) != DB_ROW) {
		if (st)
			db_reset(st);
		return NULL;
	}
	char when[32];
	int64_t locked = db_int(st, 3);
	json_t *u = json_pack("{sI ss ss sb so sb}", "id", (json_int_t)id, "username", db_text(st, 0), "display_name",
	    db_text(st, 1), "active", (int)db_int(st, 2), "locked_until",
	    locked > clock_now() ? json_string(clock_format(locked, when, sizeof(when))) : json_null(),
	    "must_change_password", (int)db_int(st, 4));
	db_reset(st);
	json_t *roles = json_array();
	st = db_stmt(req_db(r),
	    "SELECT r.id, r.role, r.area_code, a.short_name FROM role_assignments r JOIN areas a ON a.code = r.area_code"
	    " WHERE r.user_id = ? ORDER BY r.id",
	    "i", id);
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(
		    roles, json_pack("{sI ss ss ss}", "id", (json_int_t)db_int(st, 0), "role", db_text(st, 1),
		               "area_code", db_text(st, 2), "area_name", db_text(st, 3)));
	if (st)
		db_reset(st);
	json_object_set_new(u, "roles", roles);
	return u;
}

/* The target user if the caller may administer them; replies 404/403 otherwise. */
static int64_t target(struct req *r, bool changing)
{
	int64_t id = req_param_id(r, 0);
	const char **codes;
	int n;
	const char *cond = scope_cond(r, &codes, &n);
	struct db_stmt *st = db_prepare(
	    req_db(r), arena_printf(req_arena(r), "SELECT 1 FROM users u WHERE u.id = ? AND " IN_SCOPE("%s"), cond));
	bool found = false;
	if (st != NULL) {
		db_bind_int(st, 1, id);
		scope_bind(st, 2, req_arena(r), codes, n);
		found = db_step(st) == DB_ROW;
		db_reset(st);
	}
	if (!found) {
		reply_problem(r, P_NOT_FOUND, "no such user");
		return 0;
	}
	if (changing && id == req_user(r)->id) {
		audit_request(r, "user.change", arena_printf(req_arena(r), "user:%lld", (long long)id), AUDIT_DENIED,
		    "own account");
		reply_problem(r, P_FORBIDDEN, "nobody can change their own rights or account here");
		return 0;
	}
	return id;
}

static void list_users(struct req *r)
{
	const char **codes;
	int n;
	const char *cond = scope_cond(r, &codes, &n);
	const char *q = req_query(r, "q"), *area = req_area(r);
	struct arena *a = req_arena(r);
	const char *sql = arena_printf(a,
	    "SELECT u.id FROM users u WHERE u.id > ? AND " IN_SCOPE(
	        "%s") " AND (? IS NULL OR u.username LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')"
	              " AND (? IS NULL OR EXISTS (SELECT 1 FROM role_assignments y WHERE y.user_id = u.id"
	              " AND y.area_code >= ? AND y.area_code < ?)) ORDER BY u.id LIMIT ?",
	    cond);
	struct db_stmt *st = db_prepare(req_db(r), sql);
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	char *like = NULL;
	if (q != NULL) {
		/* LIKE wildcards typed by the user are matched literally. */
		size_t len = strlen(q), o = 0;
		like = arena_alloc(a, len * 2 + 3);
		like[o++] = '%';
		for (size_t i = 0; i < len; i++) {
			if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
				like[o++] = '\\';
			like[o++] = q[i];
		}
		like[o++] = '%';
	}
	int64_t limit = req_limit(r);
	int i = 1;
	db_bind_int(st, i++, req_cursor(r));
	i = scope_bind(st, i, a, codes, n);
	db_bind_text(st, i++, q);
	db_bind_text(st, i++, like);
	db_bind_text(st, i++, like);
	db_bind_text(st, i++, area);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_int(st, i++, limit + 1);
	int64_t ids[1001], count = 0;
	while (db_step(st) == DB_ROW && count <= limit)
		ids[count++] = db_int(st, 0);
	db_reset(st);
	json_t *items = json_array();
	for (int64_t k = 0; k < count && k < limit; k++)
		json_array_append_new(items, user_json(r, ids[k]));
	reply_list(r, items, count > limit ? ids[limit - 1] : 0);
}

static void get_user(struct req *r)
{
	int64_t id = target(r, false);
	if (id == 0)
		return;
	reply_json(r, 200, user_json(r, id));
}

/* Check a role assignment the caller wants to give; replies and returns false if not allowed. */
static bool grant_ok(struct req *r, const char *field, const char *role, const char *area)
{
	if (role_find(role) == NULL) {
		reply_invalid(r, field, "is not a known role");
		return false;
	}
	if (area_find(req_db(r), area) == NULL) {
		reply_invalid(r, field, "names an area that does not exist");
		return false;
	}
	if (!user_covers(req_user(r), "users.manage", area)) {
		audit_request(r, "role.grant", area, AUDIT_DENIED, "area out of scope");
		reply_problem(r, P_FORBIDDEN, "you cannot give roles outside your own area");
		return false;
	}
	return true;
}

/* Insert a role assignment and audit it; *rid gets the assignment's id. */
static int add_role(struct req *r, int64_t user_id, const char *role, const char *area, int64_t *rid)
{
	int rc =
	    db_run(req_db(r), "INSERT INTO role_assignments (user_id, role, area_code, created_at) VALUES (?, ?, ?, ?)",
	        "itti", user_id, role, area, clock_now());
	if (rc != DB_DONE)
		return rc;
	*rid = db_last_id(req_db(r));
	return audit_request_rc(r, "role.grant", arena_printf(req_arena(r), "user:%lld", (long long)user_id),
	    arena_printf(req_arena(r), "%s@%s", role, area));
}

static void create_user_work(struct req *r)
{
	struct db *db = req_db(r);
	const char *username = body_str(r, "username"), *password = body_str(r, "password");
	const char *why = password_policy(password, username);
	if (why != NULL) {
		reply_invalid(r, "password", why);
		return;
	}
	json_t *roles = json_object_get(req_body(r), "roles");
	size_t i;
	json_t *g;
	json_array_foreach (roles, i, g) {
		const char *field = arena_printf(req_arena(r), "roles[%zu]", i);
		if (!grant_ok(r, field, json_string_value(json_object_get(g, "role")),
		        json_string_value(json_object_get(g, "area_code"))))
			return;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (!password_hash(password, hash, sizeof(hash))) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int64_t now = clock_now();
	int rc = db_begin(db);
	if (rc != DB_OK) {
		reply_db_error(r, rc);
		return;
	}
	rc = db_run(db,
	    "INSERT INTO users (username, display_name, password_hash, password_changed_at,"
	    " must_change_password, created_at) VALUES (?, ?, ?, ?, 1, ?)",
	    "tttii", username, body_str(r, "display_name"), hash, now, now);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_invalid(r, "username", "is taken");
		return;
	}
	int64_t id = db_last_id(db);
	rc = rc == DB_DONE
	         ? audit_request_rc(r, "user.create", arena_printf(req_arena(r), "user:%lld", (long long)id), username)
	         : rc;
	int64_t rid;
	json_array_foreach (roles, i, g) {
		if (rc == DB_OK)
			rc = add_role(r, id, json_string_value(json_object_get(g, "role")),
			    json_string_value(json_object_get(g, "area_code")), &rid);
	}
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_invalid(r, "roles", "lists the same role and area twice");
		return;
	}
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, user_json(r, id));
}

static void create_user(struct req *r) { reply_defer(r, create_user_work); }

/* Run one audited change on the target in a transaction, then answer with the user. */
static void change(struct req *r, const char *action, const char *sql, const char *detail, bool end_sessions)
{
	int64_t id = target(r, true);
	if (id == 0)
		return;
	struct db *db = req_db(r);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, sql, "ii", clock_now(), id) == DB_DONE ? DB_OK : DB_ERROR;
	if (rc == DB_OK && end_sessions)
		session_end_all(db, id, NULL);
	if (rc == DB_OK)
		rc = audit_request_rc(r, action, arena_printf(req_arena(r), "user:%lld", (long long)id), detail);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	auth_changed(); /* cached sessions see the change at once */
	reply_json(r, 200, user_json(r, id));
}

static void unlock_user(struct req *r)
{
	change(r, "user.unlock", "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE ? > 0 AND id = ?", NULL,
	    false);
}

static void deactivate_user(struct req *r)
{
	change(r, "user.deactivate", "UPDATE users SET active = 0 WHERE ? > 0 AND id = ?", NULL, true);
}

static void reactivate_user(struct req *r)
{
	change(r, "user.reactivate",
	    "UPDATE users SET active = 1, failed_logins = 0, locked_until = 0"
	    " WHERE ? > 0 AND id = ?",
	    NULL, false);
}

static void reset_password_work(struct req *r)
{
	int64_t id = target(r, true);
	if (id == 0)
		return;
	struct db *db = req_db(r);
	struct db_stmt *st = db_stmt(db, "SELECT username FROM users WHERE id = ?", "i", id);
	char username[128] = "";
	if (st != NULL && db_step(st) == DB_ROW)
		snprintf(username, sizeof(username), "%s", db_text(st, 0));
	if (st)
		db_reset(st);
	const char *pw = body_str(r, "password");
	const char *why = password_policy(pw, username);
	if (why != NULL) {
		reply_invalid(r, "password", why);
		return;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (!password_hash(pw, hash, sizeof(hash))) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		         "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = 1,"
		         " failed_logins = 0, locked_until = 0 WHERE id = ?",
		         "tii", hash, clock_now(), id) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	if (rc == DB_OK) {
		session_end_all(db, id, NULL);
		rc = audit_request_rc(
		    r, "user.password_reset", arena_printf(req_arena(r), "user:%lld", (long long)id), NULL);
	}
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	auth_changed(); /* cached sessions see the change at once */
	reply_empty(r, 204);
}

static void reset_password(struct req *r) { reply_defer(r, reset_password_work); }

static void grant_role(struct req *r)
{
	int64_t id = target(r, true);
	if (id == 0)
		return;
	const char *role = body_str(r, "role"), *area = body_str(r, "area_code");
	if (!grant_ok(r, "role", role, area))
		return;
	struct db *db = req_db(r);
	int64_t rid = 0;
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = add_role(r, id, role, area, &rid);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_problem(r, P_CONFLICT, "the user has this role in this area already");
		return;
	}
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	auth_changed(); /* cached sessions see the change at once */
	struct db_stmt *st = db_stmt(db,
	    "SELECT r.id, r.role, r.area_code, a.short_name FROM role_assignments r JOIN areas a ON a.code = r.area_code"
	    " WHERE r.id = ?",
	    "i", rid);
	json_t *out = NULL;
	if (st != NULL && db_step(st) == DB_ROW)
		out = json_pack("{sI ss ss ss}", "id", (json_int_t)db_int(st, 0), "role", db_text(st, 1), "area_code",
		    db_text(st, 2), "area_name", db_text(st, 3));
	if (st)
		db_reset(st);
	if (out == NULL)
		reply_problem(r, P_INTERNAL, NULL);
	else
		reply_json(r, 201, out);
}

static void revoke_role(struct req *r)
{
	int64_t id = target(r, true);
	if (id == 0)
		return;
	struct db *db = req_db(r);
	int64_t rid = req_param_id(r, 1);
	struct db_stmt *st =
	    db_stmt(db, "SELECT role, area_code FROM role_assignments WHERE id = ? AND user_id = ?", "ii", rid, id);
	char what[160] = "";
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (found)
		snprintf(what, sizeof(what), "%s@%s", db_text(st, 0), db_text(st, 1));
	if (st)
		db_reset(st);
	if (!found) {
		reply_problem(r, P_NOT_FOUND, "no such role assignment");
		return;
	}
	if (!user_covers(req_user(r), "users.manage", strchr(what, '@') + 1)) {
		reply_problem(r, P_FORBIDDEN, "this role lies outside your area");
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM role_assignments WHERE id = ?", "i", rid) == DB_DONE ? DB_OK : DB_ERROR;
	if (rc == DB_OK)
		rc = audit_request_rc(r, "role.revoke", arena_printf(req_arena(r), "user:%lld", (long long)id), what);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	auth_changed(); /* cached sessions see the change at once */
	reply_empty(r, 204);
}

static void list_roles(struct req *r)
{
	json_t *items = json_array();
	for (const struct role_def *d = role_table; d->id != NULL; d++) {
		json_t *perms = json_array();
		for (const char *const *p = d->perms; *p != NULL; p++)
			json_array_append_new(perms, json_string(*p));
		json_array_append_new(items, json_pack("{ss ss ss so}", "id", d->id, "name_zh", d->name_zh, "name_en",
		                                 d->name_en, "permissions", perms));
	}
	reply_list(r, items, 0);
}

/* --- API tokens --- */

static json_t *token_json(struct db_stmt *st)
{
	char c[32], v[32];
	return json_pack("{sI ss ss ss so}", "id", (json_int_t)db_int(st, 0), "name", db_text(st, 1), "scopes",
	    db_text(st, 2), "created_at", clock_format(db_int(st, 3), c, sizeof(c)), "revoked_at",
	    db_null(st, 4) ? json_null() : json_string(clock_format(db_int(st, 4), v, sizeof(v))));
}

static void list_tokens(struct req *r)
{
	int64_t limit = req_limit(r);
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT id, name, scopes, created_at, revoked_at FROM api_tokens WHERE id > ? ORDER BY id LIMIT ?", "ii",
	    req_cursor(r), limit + 1);
	json_t *items = json_array();
	int64_t count = 0, last = 0;
	while (st != NULL && db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, token_json(st));
	}
	if (st)
		db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

static void create_token(struct req *r)
{
	json_t *scopes = json_object_get(req_body(r), "scopes");
	const char *joined = "";
	size_t i;
	json_t *s;
	json_array_foreach (scopes, i, s) {
		if (!perm_known(json_string_value(s))) {
			reply_invalid(r, arena_printf(req_arena(r), "scopes[%zu]", i), "is not a known permission");
			return;
		}
		joined = arena_printf(req_arena(r), "%s%s%s", joined, i ? " " : "", json_string_value(s));
	}
	char token[65];
	int64_t id;
	struct db *db = req_db(r);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = apitoken_create(db, body_str(r, "name"), joined, token, &id);
	if (rc == DB_OK)
		rc = audit_request_rc(
		    r, "apitoken.create", arena_printf(req_arena(r), "token:%lld", (long long)id), joined);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201,
	    json_pack(
	        "{sI ss ss ss}", "id", (json_int_t)id, "name", body_str(r, "name"), "scopes", joined, "token", token));
}

static void revoke_token(struct req *r)
{
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "ii",
		         clock_now(), id) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	if (rc == DB_OK && db_changes(db) == 0) {
		db_rollback(db);
		reply_problem(r, P_NOT_FOUND, "no such active token");
		return;
	}
	if (rc == DB_OK)
		rc = audit_request_rc(
		    r, "apitoken.revoke", arena_printf(req_arena(r), "token:%lld", (long long)id), NULL);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_empty(r, 204);
}

static const struct field grant_fields[] = {
    {"role", T_ENUM, F_REQUIRED, .values = role_ids},
    {"area_code", T_STRING, F_REQUIRED | F_AREA},
    {NULL},
};
static const struct field grant_body = {NULL, T_OBJECT, 0, .fields = grant_fields};

static const struct field create_fields[] = {
    {"username", T_STRING, F_REQUIRED, 2, 64},
    {"display_name", T_STRING, F_REQUIRED, 1, 64},
    {"password", T_STRING, F_REQUIRED | F_SECRET, 1, 128, .desc = "initial password; changed at first login"},
    {"roles", T_ARRAY, 0, 0, 50, .items = &grant_body},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};

static const struct field reset_fields[] = {
    {"password", T_STRING, F_REQUIRED | F_SECRET, 1, 128},
    {NULL},
};
static const struct field reset_body = {NULL, T_OBJECT, 0, .fields = reset_fields};

static const struct field user_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"active", T_BOOL, F_REQUIRED},
    {"locked_until", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"must_change_password", T_BOOL, F_REQUIRED},
    {"roles", T_ARRAY, F_REQUIRED, .items = &role_grant_schema},
    {NULL},
};
static const struct field user_schema = {NULL, T_OBJECT, 0, .fields = user_fields};

static const struct field str_item = {NULL, T_STRING};
static const struct field role_fields[] = {
    {"id", T_STRING, F_REQUIRED},
    {"name_zh", T_STRING, F_REQUIRED},
    {"name_en", T_STRING, F_REQUIRED},
    {"permissions", T_ARRAY, F_REQUIRED, .items = &str_item},
    {NULL},
};
static const struct field role_schema = {NULL, T_OBJECT, 0, .fields = role_fields};

static const struct field q_query[] = {
    {"q", T_STRING, 0, 1, 64, .desc = "part of the username or display name"},
    {NULL},
};

static const struct field scope_item = {NULL, T_STRING, 0, 1, 64};
static const struct field token_create_fields[] = {
    {"name", T_STRING, F_REQUIRED, 1, 64},
    {"scopes", T_ARRAY, F_REQUIRED, 1, 20, .items = &scope_item, .desc = "permissions the token holds"},
    {NULL},
};
static const struct field token_create_body = {NULL, T_OBJECT, 0, .fields = token_create_fields};
static const struct field token_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"scopes", T_STRING, F_REQUIRED},
    {"created_at", T_DATETIME, F_REQUIRED},
    {"revoked_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field token_schema = {NULL, T_OBJECT, 0, .fields = token_fields};
static const struct field new_token_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"scopes", T_STRING, F_REQUIRED},
    {"token", T_STRING, F_REQUIRED, .desc = "shown once; send as Authorization: Bearer TOKEN"},
    {NULL},
};
static const struct field new_token_schema = {NULL, T_OBJECT, 0, .fields = new_token_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/roles", NULL, R_LIST, NULL, NULL, 200, &role_schema, list_roles, "Roles and their permissions"},
    {M_GET, "/api/v1/users", "users.manage", R_LIST, q_query, NULL, 200, &user_schema, list_users, "Users in scope"},
    {M_POST, "/api/v1/users", "users.manage", 0, NULL, &create_body, 201, &user_schema, create_user, "Create a user"},
    {M_GET, "/api/v1/users/{id}", "users.manage", 0, NULL, NULL, 200, &user_schema, get_user, "One user"},
    {M_POST, "/api/v1/users/{id}/roles", "users.manage", 0, NULL, &grant_body, 201, &role_grant_schema, grant_role,
        "Give a role over an area"},
    {M_DELETE, "/api/v1/users/{id}/roles/{rid}", "users.manage", 0, NULL, NULL, 204, NULL, revoke_role,
        "Take a role away"},
    {M_POST, "/api/v1/users/{id}/unlock", "users.manage", 0, NULL, NULL, 200, &user_schema, unlock_user,
        "Unlock a locked account"},
    {M_POST, "/api/v1/users/{id}/deactivate", "users.manage", 0, NULL, NULL, 200, &user_schema, deactivate_user,
        "Deactivate an account and end its sessions"},
    {M_POST, "/api/v1/users/{id}/reactivate", "users.manage", 0, NULL, NULL, 200, &user_schema, reactivate_user,
        "Reactivate an account"},
    {M_POST, "/api/v1/users/{id}/password-reset", "users.manage", 0, NULL, &reset_body, 204, NULL, reset_password,
        "Set a new password the user must change at next login"},
    {M_GET, "/api/v1/api-tokens", "apikeys.manage", R_LIST, NULL, NULL, 200, &token_schema, list_tokens,
        "API tokens for integrations"},
    {M_POST, "/api/v1/api-tokens", "apikeys.manage", 0, NULL, &token_create_body, 201, &new_token_schema, create_token,
        "Create an API token (shown once)"},
    {M_DELETE, "/api/v1/api-tokens/{id}", "apikeys.manage", 0, NULL, NULL, 204, NULL, revoke_token,
        "Revoke an API token"},
    {0},
};

const struct module users_module = {
    .name = "users",
    .routes = routes,
};
