#include "audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/banned.h"

static unsigned char mac_key[crypto_auth_hmacsha256_KEYBYTES];
static bool have_key;

void audit_set_key(const unsigned char key[32])
{
	memcpy(mac_key, key, sizeof(mac_key));
	have_key = true;
}

const char *audit_outcome_name(enum audit_outcome o)
{
	return o == AUDIT_SUCCESS ? "success" : o == AUDIT_FAILURE ? "failure" : "denied";
}

static void mac_field(crypto_auth_hmacsha256_state *s, const char *v)
{
	/* Length-prefixed, with NULL distinct from "", so fields cannot be shifted. */
	uint64_t n = v ? strlen(v) : UINT64_MAX;
	crypto_auth_hmacsha256_update(s, (const unsigned char *)&n, sizeof(n));
	if (v != NULL)
		crypto_auth_hmacsha256_update(s, (const unsigned char *)v, strlen(v));
}

static void entry_mac(const unsigned char prev[32], int64_t id, int64_t time, int64_t user_id, const char *username,
    const char *client, const char *action, const char *object, const char *outcome, const char *reason,
    unsigned char out[32])
{
	crypto_auth_hmacsha256_state s;
	int64_t nums[3] = {id, time, user_id};
	crypto_auth_hmacsha256_init(&s, mac_key, sizeof(mac_key));
	crypto_auth_hmacsha256_update(&s, prev, 32);
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)nums, sizeof(nums));
	mac_field(&s, username);
	mac_field(&s, client);
	mac_field(&s, action);
	mac_field(&s, object);
	mac_field(&s, outcome);
	mac_field(&s, reason);
	crypto_auth_hmacsha256_final(&s, out);
}

/* A keyed mark of the last id, kept in meta: removing entries from the end of the
 * chain leaves a mark that names a later id, and a new mark needs the key. */
static void head_mark(int64_t id, char out[65])
{
	unsigned char mac[32];
	char msg[40];
	int n = snprintf(msg, sizeof(msg), "head:%lld", (long long)id);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, mac_key);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

int audit_append(struct db *db, int64_t user_id, const char *username, const char *client, const char *action,
    const char *object, enum audit_outcome outcome, const char *reason)
{
	if (!have_key)
		BUG("audit key not set");
	bool own = !db_in_tx(db);
	int rc = own ? db_begin(db) : DB_OK;
	if (rc != DB_OK)
		return rc;
	unsigned char prev[32] = {0}, mac[32];
	int64_t id = 1;
	struct db_stmt *st = db_stmt(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", NULL);
	if (st == NULL) {
		rc = DB_ERROR;
		goto out;
	}
	if ((rc = db_step(st)) == DB_ROW) {
		size_t n;
		const void *h = db_blob(st, 1, &n);
		id = db_int(st, 0) + 1;
		if (n == 32)
			memcpy(prev, h, 32);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		goto out;
	int64_t now = clock_now();
	const char *oc = audit_outcome_name(outcome);
	entry_mac(prev, id, now, user_id, username, client, action, object, oc, reason, mac);
	rc = db_run(db,
	    "INSERT INTO audit_log (id, time, user_id, username, client, action, object, outcome, reason, hash)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "iiittttttb", id, now, user_id, username, client, action, object, oc, reason, mac, sizeof(mac));
	if (rc == DB_DONE) {
		char mark[65];
		head_mark(id, mark);
		rc = db_run(db,
		    "INSERT INTO meta (key, value) VALUES ('audit_head', ?)"
		    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		    "t", mark);
	}
	rc = rc == DB_DONE ? DB_OK : rc;
out:
	if (own) {
		if (rc == DB_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	if (rc != DB_OK)
		log_warnx("audit entry for %s could not be written", action);
	return rc;
}

void audit_request(
    struct req *r, const char *action, const char *object, enum audit_outcome outcome, const char *reason)
{
	struct user *u = req_user(r);
	audit_append(req_db(r), u ? u->id : 0, u ? u->username : NULL, req_client(r), action, object, outcome, reason);
}

int audit_request_rc(struct req *r, const char *action, const char *object, const char *reason)
{
	struct user *u = req_user(r);
	return audit_append(
	    req_db(r), u ? u->id : 0, u ? u->username : NULL, req_client(r), action, object, AUDIT_SUCCESS, reason);
}

int audit_rechain(struct db *db)
{
	unsigned char prev[32] = {0}, mac[32];
	int64_t last = 0;
	int rc;
	if (!have_key || !db_in_tx(db))
		BUG("audit_rechain needs the new key and a transaction");
	struct db_stmt *st = db_stmt(db,
	    "SELECT id, time, user_id, username, client, action, object, outcome, reason FROM audit_log ORDER BY id",
	    NULL);
	if (st == NULL)
		return DB_ERROR;
	/* The scan never reads the hash column it rewrites, and the chain runs in id
	 * order, so each entry's MAC takes the new MAC of the one before. */
	while ((rc = db_step(st)) == DB_ROW) {
		last = db_int(st, 0);
		entry_mac(prev, last, db_int(st, 1), db_int(st, 2), db_text(st, 3), db_text(st, 4), db_text(st, 5),
		    db_text(st, 6), db_text(st, 7), db_text(st, 8), mac);
		rc = db_run(db, "UPDATE audit_log SET hash = ? WHERE id = ?", "bi", mac, sizeof(mac), last);
		if (rc != DB_DONE)
			break;
		memcpy(prev, mac, sizeof(prev));
	}
	db_reset(st);
	if (rc != DB_DONE)
		return rc;
	char mark[65];
	head_mark(last, mark);
	rc = db_run(db,
	    "INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    "t", mark);
	return rc == DB_DONE ? DB_OK : rc;
}

int audit_verify(struct db *db, int64_t *bad_id)
{
	unsigned char prev[32] = {0}, mac[32];
	int64_t expect = 1;
	struct db_stmt *st = db_stmt(db,
	    "SELECT id, time, user_id, username, client, action, object, outcome, reason, hash"
	    " FROM audit_log ORDER BY id",
	    NULL);
	if (st == NULL)
		return 2;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_int(st, 0);
		size_t n;
		const void *h = db_blob(st, 9, &n);
		entry_mac(prev, id, db_int(st, 1), db_int(st, 2), db_text(st, 3), db_text(st, 4), db_text(st, 5),
		    db_text(st, 6), db_text(st, 7), db_text(st, 8), mac);
		/* A gap in the ids means entries were removed. */
		if (id != expect || n != 32 || sodium_memcmp(mac, h, 32) != 0) {
			*bad_id = id != expect && id > expect ? expect : id;
			db_reset(st);
			return 1;
		}
		memcpy(prev, h, 32);
		expect++;
	}
	db_reset(st);
	if (rc != DB_DONE)
		return 2;
	/* The last entry must be the one the head mark names. */
	st = db_stmt(db, "SELECT value FROM meta WHERE key = 'audit_head'", NULL);
	if (st == NULL)
		return 2;
	char mark[65];
	head_mark(expect - 1, mark);
	bool has_head = db_step(st) == DB_ROW;
	bool head_ok = has_head ? strcmp(db_text(st, 0), mark) == 0 : expect == 1;
	db_reset(st);
	if (!head_ok) {
		*bad_id = expect;
		return 1;
	}
	return 0;
}

bool audit_commit(
    struct req *r, int rc, const char *conflict, const char *action, const char *object, const char *reason)
{
	struct db *db = req_db(r);
	rc = db_ran(rc);
	if (rc == DB_OK)
		rc = audit_request_rc(r, action, object, reason);
	if (rc == DB_OK)
		rc = db_commit(db);
	if (rc == DB_OK)
		return true;
	db_rollback(db);
	if (rc == DB_CONSTRAINT && conflict != NULL)
		reply_problem(r, P_CONFLICT, conflict);
	else
		reply_db_error(r, rc);
	return false;
}
