/* The HTTP layer's own view of a request; modules see only api.h. */
#ifndef DOORSTEP_HTTP_INTERNAL_H
#define DOORSTEP_HTTP_INTERNAL_H

#include <microhttpd.h>

#include "../auth/auth.h"
#include "api.h"

#define MAX_PARAMS 6

struct header {
	const char *name, *value;
	struct header *next;
};

struct req {
	struct arena *arena;
	struct MHD_Connection *conn;
	struct db *db;
	unsigned method;
	const char *method_name;
	const char *path;
	const struct route *route;
	const char *params[MAX_PARAMS];
	json_t *query; /* validated query values */
	json_t *body; /* validated body */
	struct user *user;
	const char *client;
	bool https;
	char rid[17];
	int64_t started_ns;
	int64_t db_ns; /* time this request spent in the database */

	/* The body as it arrives. */
	char *upload;
	size_t upload_len, upload_cap;
	int64_t body_max; /* bytes: upload_max for R_UPLOAD routes, else body_max */
	bool too_large;

	/* The reply. */
	int status;
	char *out; /* malloc'd; handed to libmicrohttpd */
	size_t out_len;
	const char *out_type;
	int out_fd; /* a static file, or -1 */
	uint64_t out_fd_size;
	struct header *headers;
	json_t *errors; /* field errors gathered for a 422 */
	void (*deferred)(struct req *r);
	bool replied;
	const char *idem_key; /* R_IDEMPOTENT: the Idempotency-Key being answered, or NULL */
	bool idem_kept; /* the handler kept its answer in its own transaction (req_keep_answer) */
};

/* Validation of declared fields (validate.c). */
/* Check v against f; on failure add field errors to r (path prefix for nested names). */
bool validate_value(struct req *r, const struct field *f, json_t *v, const char *path);
/* Check that a parsed JSON body is an object matching schema; unknown members are errors. */
bool validate_body(struct req *r, const struct field *schema, json_t *body);
/* Read and type the query string by the route's declarations into r->query.
 * Replies (400/422) and returns false on bad input. */
bool validate_query(struct req *r);
/* Nesting depth of a JSON value. */
int json_depth(json_t *v);

/* The server (server.c): append a piece of the request body as it arrives; past
 * body_max the request is marked too_large and the rest is dropped. */
void req_append_body(struct req *r, const char *data, size_t n);

/* Routing (dispatch.c). */
/* Run the whole pipeline for a complete request; leaves the reply in r. */
void dispatch(struct req *r);
/* Check every module's route table at start-up (permissions exist, paths sane). */
void routes_check(void);
/* The largest body r's route accepts (found from the method and path alone). */
int64_t route_body_max(struct req *r);
/* The module list (modules/modules.c). */
extern const struct module *const modules[];

/* Idempotency-Key (idempotency.c), for R_IDEMPOTENT routes. Before the handler:
 * false when the request was answered (a replay, a conflict, a bad key); after
 * it: keep a success for replays, or release the key. */
bool idempotency_begin(struct req *r);
void idempotency_end(struct req *r);
extern const struct module idempotency_module;

/* Static files (static.c): the web app's directory, or NULL. */
void static_init(const char *dir);
void static_serve(struct req *r);

/* Metrics (metrics.c). */
void metrics_record(const struct route *route, const char *method, int status, int64_t ns, int64_t db_ns);
void metrics_reply(struct req *r);

/* OpenAPI (openapi.c): the description of every /api/v1 route. */
json_t *openapi_document(void);

/* Replying (reply.c). */
/* Add the headers every response carries. */
void reply_finish_headers(struct req *r);
const char *problem_slug(enum problem p);

#endif
