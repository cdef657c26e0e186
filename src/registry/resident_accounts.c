/* Accounts for residents: community staff open one for a registered resident
 * (role resident, over the resident's community), linked to their record, so
 * that the resident can raise demands, follow them and evaluate the outcome.
 * Staff accounts stay with the security administrator; this route can make
 * nothing but a resident's account. */
#include <sodium.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../platform/area_tree.h"
#include "registry.h"
#include "../core/banned.h"

/* The resident's name and the community above their area, if the caller may write there. */
static bool resident_place(struct req *r, int64_t id, const char **name, const char **community)
{
	struct db *db = req_db(r);
	struct db_stmt *st =
	    db_stmt(db, "SELECT name, area_code FROM residents WHERE id = ? AND status = 'active'", "i", id);
	bool found = st != NULL && db_step(st) == DB_ROW && user_covers(req_user(r), "residents.write", db_text(st, 1));
	const char *area = NULL;
	if (found) {
		*name = arena_strdup(req_arena(r), db_text(st, 0));
		area = arena_strdup(req_arena(r), db_text(st, 1));
	}
	if (st)
		db_reset(st);
	const struct area *a = area ? area_find(db, area) : NULL;
	while (a != NULL && strcmp(a->kind, "community") != 0 && strcmp(a->kind, "village") != 0)
		a = a->parent ? area_find(db, a->parent) : NULL;
	*community = a ? arena_strdup(req_arena(r), a->code) : area;
	return found;
}

static json_t *account_json(struct db *db, int64_t resident)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT u.id, u.username, u.active, u.must_change_password FROM resident_accounts ra"
	    " JOIN users u ON u.id = ra.user_id WHERE ra.resident_id = ?",
	    "i", resident);
	json_t *j = NULL;
	if (st != NULL && db_step(st) == DB_ROW)
		j = json_pack("{sI sI ss sb sb}", "user_id", (json_int_t)db_int(st, 0), "resident_id",
		    (json_int_t)resident, "username", db_text(st, 1), "active", (int)db_int(st, 2),
		    "must_change_password", (int)db_int(st, 3));
	if (st)
		db_reset(st);
	return j;
}

static void get_account(struct req *r)
{
	const char *name, *community;
	json_t *j = resident_place(r, req_param_id(r, 0), &name, &community)
	                ? account_json(req_db(r), req_param_id(r, 0))
	                : NULL;
	if (j == NULL)
		reply_problem(r, P_NOT_FOUND, "this resident has no account");
	else
		reply_json(r, 200, j);
}

static void create_account_work(struct req *r)
{
	struct db *db = req_db(r);
	int64_t resident = req_param_id(r, 0);
	const char *name, *community, *username = body_str(r, "username"), *password = body_str(r, "password");
	if (!resident_place(r, resident, &name, &community)) {
		reply_problem(r, P_NOT_FOUND, "no such resident");
		return;
	}
	const char *why = password_policy(password, username);
	if (why != NULL) {
		reply_invalid(r, "password", why);
		return;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (!password_hash(password, hash, sizeof(hash))) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int64_t now = clock_now();
	int rc = db_begin(db);
	json_t *existing = rc == DB_OK ? account_json(db, resident) : NULL;
	if (existing != NULL) {
		json_decref(existing);
		db_rollback(db);
		reply_problem(r, P_CONFLICT, "this resident has an account already");
		return;
	}
	/* The first password is given on paper: it must be changed at the first login. */
	if (rc == DB_OK)
		rc = db_run(db,
		    "INSERT INTO users (username, display_name, password_hash, password_changed_at, must_change_password,"
		    " created_at) VALUES (?, ?, ?, ?, 1, ?)",
		    "tttii", username, name, hash, now, now);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_invalid(r, "username", "is taken");
		return;
	}
	int64_t user = db_last_id(db);
	if (rc == DB_DONE)
		rc = db_run(db,
		    "INSERT INTO role_assignments (user_id, role, area_code, created_at) VALUES (?, 'resident', ?, ?)",
		    "iti", user, community, now);
	if (rc == DB_DONE)
		rc = db_run(db,
		    "INSERT INTO resident_accounts (user_id, resident_id, created_by, created_at) VALUES (?, ?, ?, ?)",
		    "iiii", user, resident, req_user(r)->id, now);
	if (rc == DB_DONE)
		rc = audit_request_rc(
		    r, "resident.account", arena_printf(req_arena(r), "resident:%lld", (long long)resident), username);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, account_json(db, resident));
}

static void create_account(struct req *r) { reply_defer(r, create_account_work); }

int64_t resident_of_user(struct db *db, int64_t user_id)
{
	struct db_stmt *st = db_stmt(db, "SELECT resident_id FROM resident_accounts WHERE user_id = ?", "i", user_id);
	int64_t id = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	return id;
}

static const struct field account_fields[] = {
    {"user_id", T_INT, F_REQUIRED},
    {"resident_id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"active", T_BOOL, F_REQUIRED},
    {"must_change_password", T_BOOL, F_REQUIRED},
    {NULL},
};
static const struct field account_schema = {NULL, T_OBJECT, 0, .fields = account_fields};
static const struct field create_fields[] = {
    {"username", T_STRING, F_REQUIRED, 2, 64},
    {"password", T_STRING, F_REQUIRED, 1, 128, .desc = "the first password, changed at the first login"},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/residents/{id}/account", "residents.write", 0, NULL, NULL, 200, &account_schema, get_account,
        "The resident's own account, if any"},
    {M_POST, "/api/v1/residents/{id}/account", "residents.write", 0, NULL, &create_body, 201, &account_schema,
        create_account, "Open an account for a registered resident (role resident over their community)"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE resident_accounts ("
        " user_id INTEGER PRIMARY KEY REFERENCES users (id),"
        " resident_id INTEGER NOT NULL UNIQUE REFERENCES residents (id),"
        " created_by INTEGER NOT NULL REFERENCES users (id),"
        " created_at INTEGER NOT NULL);"},
    {0},
};

const struct module resident_accounts_module = {
    .name = "resident_accounts",
    .migrations = migrations,
    .routes = routes,
};
