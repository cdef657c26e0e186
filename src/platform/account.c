/* Logging in and out, the caller's own account and password. Password hashing
 * (argon2id, ~50 ms by design) runs off the HTTP threads via reply_defer. */
#include <sodium.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "platform.h"
#include "../core/banned.h"

/* A hash of a random password, verified when the username is unknown so that
 * unknown and known usernames take the same time. */
static char dummy_hash[crypto_pwhash_STRBYTES];

static void set_cookie(struct req *r, const char *token, bool clear)
{
	bool https = req_https(r);
	reply_header(r, "Set-Cookie",
	    arena_printf(req_arena(r), "doorstep_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", clear ? "" : token,
	        clear ? "; Max-Age=0" : "", https ? "; Secure" : ""));
}

static json_t *me_json(struct user *u)
{
	json_t *user = json_pack("{sI ss ss so so}", "id", (json_int_t)u->id, "username", u->username, "display_name",
	    u->display_name, "roles", user_roles_json(u), "permissions", user_permissions_json(u));
	return json_pack("{so sb so}", "csrf_token", u->csrf_token ? json_string(u->csrf_token) : json_null(),
	    "must_change_password", u->must_change_password, "user", user);
}

static void login_work(struct req *r)
{
	struct db *db = req_db(r);
	const char *username = body_str(r, "username"), *password = body_str(r, "password");
	const char *client = req_client(r);
	int64_t now = clock_now();
	struct db_stmt *st =
	    db_stmt(db, "SELECT id, password_hash, active, failed_logins, locked_until FROM users WHERE username = ?",
	        "t", username);
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		password_verify(dummy_hash, password);
		throttle_fail(client, now);
		audit_append(db, 0, username, client, "login", NULL, AUDIT_FAILURE, "unknown username");
		reply_problem(r, P_UNAUTHORIZED, "wrong username or password");
		return;
	}
	int64_t id = db_int(st, 0), failed = db_int(st, 3), locked_until = db_int(st, 4);
	bool active = db_int(st, 2) != 0;
	char hash[crypto_pwhash_STRBYTES];
	snprintf(hash, sizeof(hash), "%s", db_text(st, 1));
	db_reset(st);
	char *object = arena_printf(req_arena(r), "user:%lld", (long long)id);

	if (locked_until > now) {
		char secs[24];
		snprintf(secs, sizeof(secs), "%lld", (long long)(locked_until - now));
		reply_header(r, "Retry-After", secs);
		audit_append(db, id, username, client, "login", object, AUDIT_DENIED, "account locked");
		reply_problem(r, P_LOCKED,
		    arena_printf(req_arena(r), "too many failed logins: try again in %lld minutes",
		        (long long)((locked_until - now + 59) / 60)));
		return;
	}
	bool ok = password_verify(hash, password);
	if (!ok || !active) {
		throttle_fail(client, now);
		if (!ok) {
			failed++;
			bool lock = failed >= config_get(CFG_LOGIN_FAILURES);
			db_run(db, "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", "iii",
			    lock ? 0 : failed, lock ? now + config_get(CFG_LOCKOUT) : 0, id);
			if (lock)
				audit_append(db, id, username, client, "lockout", object, AUDIT_SUCCESS,
				    "too many failed logins");
		}
		audit_append(db, id, username, client, "login", object, AUDIT_FAILURE,
		    ok ? "account deactivated" : "wrong password");
		reply_problem(r, P_UNAUTHORIZED, "wrong username or password");
		return;
	}
	char token[65], csrf[65];
	if (db_begin(db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	int rc = db_run(db, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", "i", id);
	if (rc == DB_DONE)
		rc = session_create(db, id, client, token, csrf);
	if (rc == DB_OK)
		rc = audit_append(db, id, username, client, "login", object, AUDIT_SUCCESS, NULL);
	if (rc != DB_OK || db_commit(db) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	struct user *u = user_load(req_arena(r), db, id);
	if (u == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	u->csrf_token = arena_strdup(req_arena(r), csrf);
	set_cookie(r, token, false);
	reply_json(r, 200, me_json(u));
}

/* The Origin of a browser's request must be this server; a request without one
 * (curl, scripts) is accepted, as the API promises. */
static bool origin_ok(struct req *r)
{
	const char *origin = req_header(r, "Origin"), *host = req_header(r, "Host");
	if (origin == NULL)
		return true;
	const char *sep = strstr(origin, "://");
	return sep != NULL && host != NULL && strcmp(sep + 3, host) == 0;
}

static void login(struct req *r)
{
	if (!origin_ok(r)) {
		audit_request(r, "login", NULL, AUDIT_DENIED, "foreign Origin");
		reply_problem(r, P_FORBIDDEN, "logins from another site are refused");
		return;
	}
	int64_t wait = throttle_check(req_client(r), clock_now());
	if (wait > 0) {
		reply_header(r, "Retry-After", arena_printf(req_arena(r), "%lld", (long long)wait));
		reply_problem(r, P_TOO_MANY, "too many failed logins from your address; wait and try again");
		return;
	}
	reply_defer(r, login_work);
}

static void logout(struct req *r)
{
	struct user *u = req_user(r);
	if (u->via_session)
		session_end(req_db(r), u->session_hash);
	audit_request(r, "logout", NULL, AUDIT_SUCCESS, NULL);
	set_cookie(r, NULL, true);
	reply_empty(r, 204);
}

static void me(struct req *r) { reply_json(r, 200, me_json(req_user(r))); }

static void change_password_work(struct req *r)
{
	struct db *db = req_db(r);
	struct user *u = req_user(r);
	const char *cur = body_str(r, "current_password"), *next = body_str(r, "new_password");
	struct db_stmt *st = db_stmt(db, "SELECT password_hash FROM users WHERE id = ?", "i", u->id);
	if (st == NULL || db_step(st) != DB_ROW) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	char hash[crypto_pwhash_STRBYTES];
	snprintf(hash, sizeof(hash), "%s", db_text(st, 0));
	db_reset(st);
	if (!password_verify(hash, cur)) {
		audit_request(r, "password.change", NULL, AUDIT_FAILURE, "wrong current password");
		reply_invalid(r, "current_password", "is not your current password");
		return;
	}
	const char *why = password_policy(next, u->username);
	if (why == NULL && strcmp(cur, next) == 0)
		why = "must differ from the current password";
	if (why != NULL) {
		reply_invalid(r, "new_password", why);
		return;
	}
	if (!password_hash(next, hash, sizeof(hash))) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		         "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = 0"
		         " WHERE id = ?",
		         "tii", hash, clock_now(), u->id) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	if (rc == DB_OK) {
		/* Whoever else holds a session of this user loses it. */
		session_end_all(db, u->id, u->via_session ? u->session_hash : NULL);
		rc = audit_append(db, u->id, u->username, req_client(r), "password.change",
		    arena_printf(req_arena(r), "user:%lld", (long long)u->id), AUDIT_SUCCESS, NULL);
	}
	if (rc != DB_OK || db_commit(db) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	auth_changed();
	reply_empty(r, 204);
}

static void change_password(struct req *r) { reply_defer(r, change_password_work); }

static void account_init(void)
{
	char pw[33];
	random_hex(pw, 16);
	if (!password_hash(pw, dummy_hash, sizeof(dummy_hash)))
		fatal("out of memory");
}

static const struct field login_fields[] = {
    {"username", T_STRING, F_REQUIRED, 1, 64},
    {"password", T_STRING, F_REQUIRED | F_SECRET, 1, 128},
    {NULL},
};
static const struct field login_body = {NULL, T_OBJECT, 0, .fields = login_fields};

static const struct field password_fields[] = {
    {"current_password", T_STRING, F_REQUIRED | F_SECRET, 1, 128},
    {"new_password", T_STRING, F_REQUIRED | F_SECRET, 1, 128},
    {NULL},
};
static const struct field password_body = {NULL, T_OBJECT, 0, .fields = password_fields};

static const struct field role_grant_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"role", T_ENUM, F_REQUIRED, .values = role_ids},
    {"area_code", T_STRING, F_REQUIRED | F_AREA},
    {"area_name", T_STRING, F_REQUIRED},
    {NULL},
};
const struct field role_grant_schema = {NULL, T_OBJECT, 0, .fields = role_grant_fields};
static const struct field str_item = {NULL, T_STRING};

static const struct field me_user_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {"roles", T_ARRAY, F_REQUIRED, .items = &role_grant_schema},
    {"permissions", T_ARRAY, F_REQUIRED, .items = &str_item},
    {NULL},
};
static const struct field me_fields[] = {
    {"csrf_token", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "send it as X-CSRF-Token on every change"},
    {"must_change_password", T_BOOL, F_REQUIRED},
    {"user", T_OBJECT, F_REQUIRED, .fields = me_user_fields},
    {NULL},
};
static const struct field me_schema = {NULL, T_OBJECT, 0, .fields = me_fields};

static const struct route routes[] = {
    {M_POST, "/api/v1/session", NULL, R_PUBLIC, NULL, &login_body, 200, &me_schema, login, "Log in"},
    {M_DELETE, "/api/v1/session", NULL, R_MUST_CHANGE_OK, NULL, NULL, 204, NULL, logout, "Log out"},
    {M_GET, "/api/v1/me", NULL, R_MUST_CHANGE_OK, NULL, NULL, 200, &me_schema, me, "The caller and their rights"},
    {M_POST, "/api/v1/me/password", NULL, R_MUST_CHANGE_OK, NULL, &password_body, 204, NULL, change_password,
        "Change one's own password"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE users ("
        " id INTEGER PRIMARY KEY,"
        " username TEXT NOT NULL UNIQUE,"
        " display_name TEXT NOT NULL,"
        " password_hash TEXT NOT NULL,"
        " password_changed_at INTEGER NOT NULL,"
        " must_change_password INTEGER NOT NULL DEFAULT 0,"
        " active INTEGER NOT NULL DEFAULT 1,"
        " failed_logins INTEGER NOT NULL DEFAULT 0,"
        " locked_until INTEGER NOT NULL DEFAULT 0,"
        " created_at INTEGER NOT NULL);"
        "CREATE TABLE role_assignments ("
        " id INTEGER PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " role TEXT NOT NULL,"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " created_at INTEGER NOT NULL,"
        " UNIQUE (user_id, role, area_code));"
        "CREATE INDEX role_assignments_area ON role_assignments (area_code);"
        "CREATE TABLE sessions ("
        " token_hash BLOB PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " csrf_token TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " last_seen INTEGER NOT NULL,"
        " client TEXT);"
        "CREATE INDEX sessions_user ON sessions (user_id);"
        "CREATE TABLE api_tokens ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " token_hash BLOB NOT NULL UNIQUE,"
        " scopes TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " revoked_at INTEGER);"},
    {0},
};

static void purge_sessions(struct db *db, int64_t now) { session_purge(db, now); }

static const struct periodic periodic[] = {
    {"sessions.purge", 300, purge_sessions},
    {NULL},
};

const struct module accounts_module = {
    .name = "accounts",
    .migrations = migrations,
    .routes = routes,
    .periodic = periodic,
    .init = account_init,
};
