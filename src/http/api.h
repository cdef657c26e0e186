/* What a module sees of HTTP: its route table, the validated request and the
 * reply functions. Modules never include libmicrohttpd or the database driver. */
#ifndef DOORSTEP_API_H
#define DOORSTEP_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../store/db.h"

struct req;
struct user;

enum method { M_GET = 1, M_POST = 2, M_PUT = 4, M_PATCH = 8, M_DELETE = 16 };

enum ftype { T_STRING = 1, T_INT, T_BOOL, T_OBJECT, T_ARRAY, T_DATETIME, T_ENUM, T_NUMBER };

enum field_flags {
	F_REQUIRED = 1, /* must be present (bodies, query) / always present (responses) */
	F_NULLABLE = 2, /* null is a valid value */
	F_AREA = 4, /* a string that must be an area code */
	F_SECRET = 8, /* a password or token: never echoed in errors */
};

/* One declared field of a body, query or response. min/max bound a string's
 * characters, an integer's value or an array's length (both 0 = unbounded). */
struct field {
	const char *name;
	enum ftype type;
	unsigned flags;
	int64_t min, max;
	const char *const *values; /* T_ENUM: NULL-terminated allowed strings */
	const struct field *fields; /* T_OBJECT: members, ended by an entry with name NULL */
	const struct field *items; /* T_ARRAY: the item */
	const char *desc;
};

enum route_flags {
	R_PUBLIC = 1, /* no authentication (login, health) */
	R_LIST = 2, /* a list: accepts area, limit, cursor; answers {items, next_cursor} */
	R_MUST_CHANGE_OK = 4, /* allowed while the password must be changed */
	R_RAW = 8, /* answers something other than JSON (files) */
	R_UPLOAD = 16, /* takes a file as the raw request body, up to upload_max bytes */
	R_FORM = 32, /* takes an application/x-www-form-urlencoded body (up to body_max) instead of JSON */
	R_IDEMPOTENT = 64, /* honours an Idempotency-Key header (idempotency.c); the handler must not defer
	                      and should keep its answer with req_keep_answer before it commits */
};

struct route {
	unsigned method;
	const char *path; /* "/api/v1/users/{id}/roles/{rid}"; {x} matches one segment */
	const char *perm; /* required permission; NULL: any authenticated caller */
	unsigned flags;
	const struct field *query; /* declared query parameters, ended by name NULL */
	const struct field *body; /* T_OBJECT schema of the JSON body (R_FORM: of the form, if given); NULL: none */
	int status; /* status of success */
	const struct field *response; /* success body schema (the item schema for R_LIST) */
	void (*handler)(struct req *r);
	const char *summary;
};

struct migration {
	int version;
	const char *sql;
};

/* Work run by the scheduler inside `serve` every interval seconds. */
struct periodic {
	const char *name;
	int interval;
	void (*run)(struct db *db, int64_t now);
};

struct job;
/* A kind of long work run off the HTTP threads; progress is polled by clients. */
struct job_kind {
	const char *name;
	/* Do the work; report with job_progress and finish with job_result. false on failure. */
	bool (*run)(struct job *job, struct db *db, json_t *params);
};

struct module {
	const char *name;
	const struct migration *migrations; /* ended by version 0 */
	const struct route *routes; /* ended by method 0 */
	const struct periodic *periodic; /* ended by name NULL */
	const struct job_kind *jobs; /* ended by name NULL */
	void (*init)(void); /* run once before serving, or NULL */
};

/* --- the request --- */
struct arena *req_arena(struct req *r);
struct db *req_db(struct req *r);
struct user *req_user(struct req *r);
const char *req_client(struct req *r);
/* Whether the client reached us over https (directly or through a trusted proxy). */
bool req_https(struct req *r);
/* Path parameter i (0-based) as text, and as a positive integer id (0 if not one). */
const char *req_param(struct req *r, int i);
int64_t req_param_id(struct req *r, int i);
/* Validated query values: the string (NULL if absent), the integer (def if absent). */
const char *req_query(struct req *r, const char *name);
int64_t req_query_int(struct req *r, const char *name, int64_t def);
/* The validated JSON body (an object), or NULL. For an R_FORM route, the decoded
 * form: each key's value as a string, or an array of strings when the key repeats;
 * the raw bytes stay readable with req_upload. */
json_t *req_body(struct req *r);
/* Typed getters on the body: absent gives NULL/def. */
const char *body_str(struct req *r, const char *name);
int64_t body_int(struct req *r, const char *name, int64_t def);
/* A request header, or NULL. */
const char *req_header(struct req *r, const char *name);
/* The raw request body of an R_UPLOAD route (an uploaded file) or R_FORM route; *n gets its length. */
const char *req_upload(struct req *r, size_t *n);
/* Lists: the page size, the decoded cursor (0 = first page) and the area filter (NULL = whole scope). */
int64_t req_limit(struct req *r);
int64_t req_cursor(struct req *r);
const char *req_area(struct req *r);

/* R_IDEMPOTENT routes: keep the success answer for the request's Idempotency-Key
 * inside the handler's open transaction, before its commit, so the writes and the
 * kept answer commit together; kept after the commit, a crash between the two would
 * let a retry do the writes again. No-op without a key. The handler then replies
 * with the same status and body. */
int req_keep_answer(struct req *r, int status, const json_t *body);

/* --- replies: call exactly one --- */
/* Send a JSON value (the reference is taken). */
void reply_json(struct req *r, int status, json_t *body);
/* {"items": items, "next_cursor": cursor or null}; cursor 0 = last page. */
void reply_list(struct req *r, json_t *items, int64_t next_cursor);
void reply_empty(struct req *r, int status);
/* Send bytes (copied) with a content type, optionally as a download named filename. */
void reply_bytes(struct req *r, int status, const char *type, const void *data, size_t n, const char *filename);
/* An RFC 9457 problem. The kind picks type, title and status. */
enum problem {
	P_BAD_REQUEST, /* 400 */
	P_UNAUTHORIZED, /* 401 */
	P_FORBIDDEN, /* 403 */
	P_MUST_CHANGE, /* 403: password must be changed first */
	P_CSRF, /* 403 */
	P_NOT_FOUND, /* 404 */
	P_METHOD, /* 405 */
	P_CONFLICT, /* 409 */
	P_TOO_LARGE, /* 413 */
	P_UNSUPPORTED, /* 415 */
	P_INVALID, /* 422 */
	P_LOCKED, /* 423 */
	P_TOO_MANY, /* 429 */
	P_INTERNAL, /* 500 */
	P_UNAVAILABLE, /* 503 */
};
void reply_problem(struct req *r, enum problem p, const char *detail);
/* 422 with one field error; add more with req_invalid before replying. */
void req_invalid(struct req *r, const char *field, const char *detail);
void reply_invalid(struct req *r, const char *field, const char *detail);
/* Map a storage result to a problem (busy → 503, constraint → 409, else 500). */
void reply_db_error(struct req *r, int rc);
/* Add a response header (names and values are copied). */
void reply_header(struct req *r, const char *name, const char *value);
/* Run fn off the HTTP thread (for work that blocks, such as password hashing);
 * fn must reply. The connection is suspended meanwhile. */
void reply_defer(struct req *r, void (*fn)(struct req *r));

#endif
