/* The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) for
 * POST routes that opt in with R_IDEMPOTENT: a phone that retries after a lost
 * answer must not record the same thing twice. Per caller and key, the first
 * successful response is kept for 24 hours and a repeat gets it again (with
 * Idempotent-Replayed: true); the same key with a different request is 422, and
 * a repeat while the first is still running is 409. Failures are not kept, so
 * the client may retry after a 503. A key whose first request never finished
 * (the server stopped half-way) is taken over after five minutes; so that a
 * handler's writes cannot be committed without the kept answer, a handler keeps
 * it inside its own transaction (req_keep_answer). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/json_write.h"
#include "../core/log.h"
#include "internal.h"
#include "../core/banned.h"

#define KEEP_SECONDS (24 * 3600)
#define ABANDONED_SECONDS 300

/* The key without the quotes of a Structured Fields string; NULL if it is not
 * 1 to 255 printable ASCII characters. */
static const char *key_of(struct arena *a, const char *h)
{
	size_t n = strlen(h);
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
		h++;
		n -= 2;
	}
	if (n == 0 || n > 255)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (h[i] < 0x20 || h[i] > 0x7e || h[i] == '"' || h[i] == '\\')
			return NULL;
	return arena_strndup(a, h, n);
}

/* Who the key belongs to: a person, or an API token (whose user id is 0). */
static const char *caller(struct req *r)
{
	return r->user->token_id != 0 ? arena_printf(r->arena, "token:%lld", (long long)r->user->token_id)
	                              : arena_printf(r->arena, "user:%lld", (long long)r->user->id);
}

/* What makes two requests the same: method, path and body. */
static void fingerprint(struct req *r, unsigned char out[32])
{
	crypto_generichash_state s;
	crypto_generichash_init(&s, NULL, 0, 32);
	crypto_generichash_update(&s, (const unsigned char *)r->method_name, strlen(r->method_name) + 1);
	crypto_generichash_update(&s, (const unsigned char *)r->path, strlen(r->path) + 1);
	if (r->upload_len > 0)
		crypto_generichash_update(&s, (const unsigned char *)r->upload, r->upload_len);
	crypto_generichash_final(&s, out, 32);
}

/* Answer from the stored row (st at its row): the kept response, or why not. */
static void answer_stored(struct req *r, struct db_stmt *st, const unsigned char fp[32])
{
	size_t n;
	const void *stored = db_blob(st, 0, &n);
	if (n != 32 || sodium_memcmp(stored, fp, 32) != 0) {
		reply_invalid(r, "Idempotency-Key", "was used for a different request");
		return;
	}
	if (db_int(st, 1) == 0) {
		reply_problem(r, P_CONFLICT, "a request with this Idempotency-Key is still being processed");
		return;
	}
	const void *body = db_blob(st, 3, &n);
	const char *type = db_null(st, 2) ? NULL : arena_strdup(r->arena, db_text(st, 2));
	reply_bytes(r, (int)db_int(st, 1), type, body ? body : "", n, NULL);
	reply_header(r, "Idempotent-Replayed", "true");
}

bool idempotency_begin(struct req *r)
{
	const char *h = req_header(r, "Idempotency-Key");
	if (h == NULL)
		return true;
	const char *key = key_of(r->arena, h);
	if (key == NULL) {
		reply_problem(r, P_BAD_REQUEST, "Idempotency-Key must be 1 to 255 printable ASCII characters");
		return false;
	}
	unsigned char fp[32];
	fingerprint(r, fp);
	const char *who = caller(r);
	int64_t now = clock_now();
	if (db_begin(r->db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return false;
	}
	struct db_stmt *st = db_stmt(r->db,
	    "SELECT fingerprint, status, content_type, body, created_at FROM idempotency_keys WHERE caller = ?"
	    " AND key = ?",
	    "tt", who, key);
	bool found = st != NULL && db_step(st) == DB_ROW;
	int64_t created = found ? db_int(st, 4) : 0, status = found ? db_int(st, 1) : 0;
	bool live = found && created > now - KEEP_SECONDS && (status != 0 || created > now - ABANDONED_SECONDS);
	if (live) {
		answer_stored(r, st, fp);
		db_reset(st);
		db_rollback(r->db);
		return false;
	}
	if (st)
		db_reset(st);
	/* Expired or abandoned: the key starts afresh. */
	int rc = db_run(r->db,
	    "INSERT INTO idempotency_keys (caller, key, fingerprint, status, created_at) VALUES (?, ?, ?, 0, ?)"
	    " ON CONFLICT (caller, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = 0,"
	    " content_type = NULL, body = NULL, created_at = excluded.created_at",
	    "ttbi", who, key, fp, (size_t)32, now);
	if (rc != DB_DONE || db_commit(r->db) != DB_OK) {
		db_rollback(r->db);
		reply_db_error(r, rc == DB_DONE ? DB_ERROR : rc);
		return false;
	}
	r->idem_key = key;
	return true;
}

int req_keep_answer(struct req *r, int status, const json_t *body)
{
	if (r->idem_key == NULL)
		return DB_OK;
	if (!db_in_tx(r->db))
		BUG("req_keep_answer outside the handler's transaction");
	size_t n;
	char *s = json_write(body, &n);
	int rc = db_run(r->db,
	    "UPDATE idempotency_keys SET status = ?, content_type = 'application/json', body = ? WHERE caller = ?"
	    " AND key = ?",
	    "ibtt", (int64_t)status, s, n, caller(r), r->idem_key);
	free(s);
	if (rc != DB_DONE)
		return rc;
	r->idem_kept = true;
	return DB_OK;
}

void idempotency_end(struct req *r)
{
	if (r->idem_key == NULL)
		return;
	db_rollback(r->db); /* nothing the handler left open */
	const char *who = caller(r);
	bool success = r->replied && r->status >= 200 && r->status < 300 && r->out_fd < 0;
	if (success && r->idem_kept)
		return; /* committed with the handler's writes */
	if (success)
		db_run(r->db,
		    "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE caller = ? AND key = ?",
		    "itbtt", (int64_t)r->status, r->out_type, r->out ? r->out : "", r->out_len, who, r->idem_key);
	else
		db_run(r->db, "DELETE FROM idempotency_keys WHERE caller = ? AND key = ? AND status = 0", "tt", who,
		    r->idem_key);
}

static void purge(struct db *db, int64_t now)
{
	db_run(db, "DELETE FROM idempotency_keys WHERE created_at <= ?", "i", now - KEEP_SECONDS);
}

static const struct periodic periodic[] = {
    {"idempotency.purge", 3600, purge},
    {NULL},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE idempotency_keys ("
        " caller TEXT NOT NULL,"
        " key TEXT NOT NULL,"
        " fingerprint BLOB NOT NULL,"
        " status INTEGER NOT NULL," /* 0 while the first request runs */
        " content_type TEXT,"
        " body BLOB,"
        " created_at INTEGER NOT NULL,"
        " PRIMARY KEY (caller, key));"
        "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);"},
    {0},
};

const struct module idempotency_module = {
    .name = "idempotency",
    .migrations = migrations,
    .periodic = periodic,
};
