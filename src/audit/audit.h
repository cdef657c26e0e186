/* The audit log: append-only and chained, each entry's MAC covering its fields
 * and the previous entry's MAC, keyed from the key file, so an entry edited or
 * removed in the database file is detected by `doorstep audit verify`. */
#ifndef DOORSTEP_AUDIT_H
#define DOORSTEP_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "../http/api.h"

enum audit_outcome { AUDIT_SUCCESS, AUDIT_FAILURE, AUDIT_DENIED };

/* The MAC key (derived from the key file) must be set before anything is logged. */
void audit_set_key(const unsigned char key[32]);
/* Append an entry; joins the caller's transaction if one is open, else uses its own.
 * user_id 0 and username NULL for anonymous callers. */
int audit_append(struct db *db, int64_t user_id, const char *username, const char *client, const char *action,
    const char *object, enum audit_outcome outcome, const char *reason);
/* Append an entry for the caller of r. */
void audit_request(
    struct req *r, const char *action, const char *object, enum audit_outcome outcome, const char *reason);
/* A successful change by the caller of r, inside the caller's transaction: DB_OK or the error. */
int audit_request_rc(struct req *r, const char *action, const char *object, const char *reason);
/* End a handler's write transaction: rc (a db_run or step result) fine, audit the change
 * and commit; else, or if that fails, roll back and reply (a constraint: 409 with the
 * conflict text when given). true when committed; the caller then replies. */
bool audit_commit(
    struct req *r, int rc, const char *conflict, const char *action, const char *object, const char *reason);
/* Check the whole chain: 0 intact, 1 broken (bad_id names the first bad entry), 2 unreadable. */
int audit_verify(struct db *db, int64_t *bad_id);
/* For a key rotation: MAC every entry again, and mark the head, under the key set
 * now, inside the caller's transaction. Only after audit_verify passed under the
 * old key: re-chaining a tampered log would hide the tampering. DB_OK or the error. */
int audit_rechain(struct db *db);
const char *audit_outcome_name(enum audit_outcome o);

#endif
