/* Sessions: a random 256-bit cookie stored only as its SHA-256. Idle expiry
 * is checked on every request, but last_seen is written at most once a minute,
 * so reads do not become writes. */
#include <sodium.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "auth.h"
#include "../core/banned.h"

#define TOUCH_EVERY 60

void token_hash(const char *token, unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	if (nbytes > sizeof(buf))
		BUG("random_hex too long");
	randombytes_buf(buf, nbytes);
	sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
}

int session_create(struct db *db, int64_t user_id, const char *client, char token[65], char csrf[65])
{
	unsigned char hash[32];
	random_hex(token, 32);
	random_hex(csrf, 32);
	token_hash(token, hash);
	int64_t now = clock_now();
	int rc = db_run(db,
	    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, client)"
	    " VALUES (?, ?, ?, ?, ?, ?)",
	    "bitiit", hash, sizeof(hash), user_id, csrf, now, now, client);
	return rc == DB_DONE ? DB_OK : rc;
}

static bool valid_token(const char *t)
{
	if (strlen(t) != 64)
		return false;
	for (; *t; t++)
		if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
			return false;
	return true;
}

struct user *session_lookup(struct arena *a, struct db *db, const char *token)
{
	if (!valid_token(token))
		return NULL;
	unsigned char hash[32];
	token_hash(token, hash);
	struct db_stmt *st =
	    db_stmt(db, "SELECT user_id, csrf_token, created_at, last_seen FROM sessions WHERE token_hash = ?", "b",
	        hash, sizeof(hash));
	if (st == NULL || db_step(st) != DB_ROW)
		return NULL;
	int64_t user_id = db_int(st, 0), created = db_int(st, 2), seen = db_int(st, 3);
	char *csrf = arena_strdup(a, db_text(st, 1));
	db_reset(st);
	int64_t now = clock_now();
	if (now - created >= config_get(CFG_SESSION_MAX) || now - seen >= config_get(CFG_SESSION_IDLE)) {
		session_end(db, hash);
		return NULL;
	}
	struct user *u = user_load(a, db, user_id);
	if (u == NULL)
		return NULL;
	if (now - seen >= TOUCH_EVERY)
		db_run(db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", "ib", now, hash, sizeof(hash));
	u->via_session = true;
	memcpy(u->session_hash, hash, sizeof(hash));
	u->csrf_token = csrf;
	return u;
}

void session_end(struct db *db, const unsigned char hash[32])
{
	db_run(db, "DELETE FROM sessions WHERE token_hash = ?", "b", hash, (size_t)32);
}

void session_end_all(struct db *db, int64_t user_id, const unsigned char *keep)
{
	if (keep != NULL)
		db_run(
		    db, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", "ib", user_id, keep, (size_t)32);
	else
		db_run(db, "DELETE FROM sessions WHERE user_id = ?", "i", user_id);
}

void session_purge(struct db *db, int64_t now)
{
	db_run(db, "DELETE FROM sessions WHERE created_at <= ? OR last_seen <= ?", "ii",
	    now - config_get(CFG_SESSION_MAX), now - config_get(CFG_SESSION_IDLE));
}

int apitoken_create(struct db *db, const char *name, const char *scopes, char out[65], int64_t *id)
{
	unsigned char hash[32];
	random_hex(out, 32);
	token_hash(out, hash);
	int rc = db_run(db, "INSERT INTO api_tokens (name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?)", "tbti",
	    name, hash, sizeof(hash), scopes, clock_now());
	if (rc != DB_DONE)
		return rc;
	*id = db_last_id(db);
	return DB_OK;
}

struct user *apitoken_lookup(struct arena *a, struct db *db, const char *token)
{
	if (!valid_token(token))
		return NULL;
	unsigned char hash[32];
	token_hash(token, hash);
	struct db_stmt *st =
	    db_stmt(db, "SELECT id, name, scopes FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", "b",
	        hash, sizeof(hash));
	if (st == NULL || db_step(st) != DB_ROW)
		return NULL;
	struct user *u = arena_alloc(a, sizeof(*u));
	u->token_id = db_int(st, 0);
	u->username = arena_printf(a, "token:%s", db_text(st, 1));
	u->display_name = u->username;
	u->token_scopes = arena_strdup(a, db_text(st, 2));
	db_reset(st);
	return u;
}
