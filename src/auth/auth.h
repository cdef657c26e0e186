/* Who is calling and what they may do: users with role assignments over area
 * subtrees, one table from roles to permissions, sessions, API tokens, passwords. */
#ifndef DOORSTEP_AUTH_H
#define DOORSTEP_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../store/db.h"

struct role_grant {
	int64_t id;
	const char *role;
	const char *area_code;
	const char *area_name;
};

struct user {
	int64_t id;
	const char *username;
	const char *display_name;
	struct role_grant *roles;
	int nroles;
	bool must_change_password; /* forced by an admin, or the password expired */
	int64_t password_changed_at;
	/* Set when the caller came with a session cookie. */
	bool via_session;
	unsigned char session_hash[32];
	const char *csrf_token;
	/* Set when the caller came with an API token: its id and space-separated scopes. */
	int64_t token_id;
	const char *token_scopes;
};

struct role_def {
	const char *id;
	const char *name_zh, *name_en;
	const char *const *perms; /* NULL-terminated */
};

/* The role table; ended by id NULL. */
extern const struct role_def role_table[];
/* Every role identifier, in role_table's order, NULL-terminated. */
extern const char *const role_ids[];
const struct role_def *role_find(const char *id);
/* Whether perm is granted by some role (route tables are checked against this at start-up). */
bool perm_known(const char *perm);
/* Whether the roles where MLPS three-way separation applies: sysadmin, secadmin, auditor. */
bool role_is_admin(const char *role);

/* Whether u holds perm over any area. */
bool user_can(const struct user *u, const char *perm);
/* Whether u holds perm over the area code (its own area or a descendant). */
bool user_covers(const struct user *u, const char *perm, const char *code);
/* The area codes whose subtrees u holds perm over (nested ones removed); *n is set. */
const char **user_scope(struct arena *a, const struct user *u, const char *perm, int *n);
/* A SQL condition limiting column to u's scope for perm, and the codes to bind
 * in order (two per code: column >= code AND column < upper bound). "0=1" if none. */
const char *scope_sql(struct arena *a, const char *column, const char **codes, int n);
/* Bind the scope's codes from index idx on; returns the next index. */
int scope_bind(struct db_stmt *st, int idx, struct arena *a, const char **codes, int n);
/* The permissions of u as a JSON array of strings (deduplicated). */
json_t *user_permissions_json(const struct user *u);
/* The user's roles as JSON [{id, role, area_code, area_name}]. */
json_t *user_roles_json(const struct user *u);
/* Whether u's password is past the staff maximum age at now (residents' never expire). */
bool password_expired(const struct user *u, int64_t now);
/* Load the user's profile and role assignments; NULL if no such active user. */
struct user *user_load(struct arena *a, struct db *db, int64_t id);

/* --- passwords (argon2id) --- */
/* NULL if pw meets the policy, else the reason (English). */
const char *password_policy(const char *pw, const char *username);
/* Hash into out (crypto_pwhash_STRBYTES); false only on out-of-memory. */
bool password_hash(const char *pw, char *out, size_t n);
bool password_verify(const char *hash, const char *pw);
/* Load the bundled list of common passwords (once, at start-up). */
void password_init(void);

/* --- sessions --- */
/* Create a session for user_id: writes the cookie token (64 hex chars) and csrf token. */
int session_create(struct db *db, int64_t user_id, const char *client, char token[65], char csrf[65]);
/* Authenticate a cookie token; NULL if unknown, expired or idle too long. */
struct user *session_lookup(struct arena *a, struct db *db, const char *token);
void session_end(struct db *db, const unsigned char hash[32]);
/* End all of the user's sessions except keep (may be NULL). */
void session_end_all(struct db *db, int64_t user_id, const unsigned char *keep);
/* Call after committing any change to users, roles or sessions: cached sessions are reloaded. */
void auth_changed(void);
/* Delete expired sessions. */
void session_purge(struct db *db, int64_t now);

/* --- API tokens --- */
/* Create a token; writes it (64 hex chars) to out. scopes: space-separated permissions. */
int apitoken_create(struct db *db, const char *name, const char *scopes, char out[65], int64_t *id);
/* Authenticate a bearer token; NULL if unknown or revoked. */
struct user *apitoken_lookup(struct arena *a, struct db *db, const char *token);

/* --- per-address login throttle (in memory) --- */
/* Seconds to wait if this address has failed too often, else 0. */
int64_t throttle_check(const char *client, int64_t now);
void throttle_fail(const char *client, int64_t now);

/* SHA-256 of a token, for storage. */
void token_hash(const char *token, unsigned char out[32]);
/* Hex-encode n random bytes into out (2n+1). */
void random_hex(char *out, size_t nbytes);

#endif
