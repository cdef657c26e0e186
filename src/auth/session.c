/* Sessions: a random 256-bit cookie stored only as its SHA-256. Idle expiry
 * is checked on every request, but last_seen is written at most once a minute,
 * so reads do not become writes. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "auth.h"
#include "../core/banned.h"

#define TOUCH_EVERY 60

/* Authenticated sessions are cached per thread for a few seconds, so a busy
 * client does not cost three queries a request. Any change to users, roles or
 * sessions made by this process bumps the generation and empties every cache;
 * changes made by another process (the CLI) are seen within CACHE_TTL. */
#define CACHE_SLOTS 256
#define CACHE_TTL_NS (5LL * 1000000000)

struct cached {
	char token[65]; /* kept in memory only, so a hit needs no hashing */
	unsigned char hash[32];
	uint64_t gen;
	int64_t fetched_ns;
	int64_t created, last_seen;
	struct arena *arena; /* owns user */
	struct user *user;
};

static _Atomic uint64_t generation = 1;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
	struct cached *cache = p;
	for (int i = 0; i < CACHE_SLOTS; i++)
		arena_free(cache[i].arena);
	sodium_memzero(cache, sizeof(*cache) * CACHE_SLOTS);
	free(cache);
}

static void cache_init(void) { pthread_key_create(&cache_key, cache_free); }

void auth_changed(void) { generation++; }

static struct user *user_copy(struct arena *a, const struct user *u)
{
	struct user *c = arena_alloc(a, sizeof(*c));
	*c = *u;
	c->username = arena_strdup(a, u->username);
	c->display_name = arena_strdup(a, u->display_name);
	c->csrf_token = u->csrf_token ? arena_strdup(a, u->csrf_token) : NULL;
	c->roles = arena_alloc(a, sizeof(*c->roles) * (size_t)(u->nroles ? u->nroles : 1));
	for (int i = 0; i < u->nroles; i++) {
		c->roles[i].id = u->roles[i].id;
		c->roles[i].role = arena_strdup(a, u->roles[i].role);
		c->roles[i].area_code = arena_strdup(a, u->roles[i].area_code);
		c->roles[i].area_name = arena_strdup(a, u->roles[i].area_name);
	}
	return c;
}

static struct cached *slot(const char *token)
{
	pthread_once(&cache_once, cache_init);
	struct cached *cache = pthread_getspecific(cache_key);
	if (cache == NULL) {
		cache = calloc(CACHE_SLOTS, sizeof(*cache));
		if (cache == NULL)
			fatal("out of memory");
		pthread_setspecific(cache_key, cache);
	}
	/* Tokens are random hex: their first eight digits spread the slots well. */
	uint32_t idx = 0;
	for (int i = 0; i < 8; i++)
		idx = idx * 16 + (uint32_t)(token[i] <= '9' ? token[i] - '0' : token[i] - 'a' + 10);
	return &cache[idx % CACHE_SLOTS];
}

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

/* Whether a session created at created and last seen at seen is still alive. */
static bool alive(int64_t now, int64_t created, int64_t seen)
{
	return now - created < config_get(CFG_SESSION_MAX) && now - seen < config_get(CFG_SESSION_IDLE);
}

static void touch(struct db *db, struct cached *c, const unsigned char hash[32], int64_t now, int64_t *seen)
{
	if (now - *seen < TOUCH_EVERY)
		return;
	db_run(db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", "ib", now, hash, (size_t)32);
	*seen = now;
	if (c != NULL)
		c->last_seen = now;
}

struct user *session_lookup(struct arena *a, struct db *db, const char *token)
{
	if (!valid_token(token))
		return NULL;
	int64_t now = clock_now(), mono = clock_mono_ns();
	struct cached *c = slot(token);
	if (c->user != NULL && c->gen == generation && mono - c->fetched_ns < CACHE_TTL_NS &&
	    sodium_memcmp(c->token, token, 64) == 0) {
		if (!alive(now, c->created, c->last_seen)) {
			session_end(db, c->hash);
			return NULL;
		}
		touch(db, c, c->hash, now, &c->last_seen);
		struct user *u = user_copy(a, c->user);
		u->must_change_password = u->must_change_password || password_expired(u, now);
		return u;
	}

	unsigned char hash[32];
	token_hash(token, hash);
	uint64_t gen = generation; /* read before the database, so a change during the read is not cached */
	struct db_stmt *st =
	    db_stmt(db, "SELECT user_id, csrf_token, created_at, last_seen FROM sessions WHERE token_hash = ?", "b",
	        hash, sizeof(hash));
	if (st == NULL || db_step(st) != DB_ROW) {
		if (st)
			db_reset(st);
		return NULL;
	}
	int64_t user_id = db_int(st, 0), created = db_int(st, 2), seen = db_int(st, 3);
	char *csrf = arena_strdup(a, db_text(st, 1));
	db_reset(st);
	if (!alive(now, created, seen)) {
		session_end(db, hash);
		return NULL;
	}
	struct user *u = user_load(a, db, user_id);
	if (u == NULL)
		return NULL;
	touch(db, NULL, hash, now, &seen);
	u->via_session = true;
	memcpy(u->session_hash, hash, sizeof(hash));
	u->csrf_token = csrf;

	arena_free(c->arena);
	c->arena = arena_new();
	c->user = user_copy(c->arena, u);
	memcpy(c->hash, hash, sizeof(hash));
	memcpy(c->token, token, 65);
	c->gen = gen;
	c->fetched_ns = mono;
	c->created = created;
	c->last_seen = seen;
	return u;
}

void session_end(struct db *db, const unsigned char hash[32])
{
	db_run(db, "DELETE FROM sessions WHERE token_hash = ?", "b", hash, (size_t)32);
	auth_changed();
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
