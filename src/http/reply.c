/* Request accessors and replies. Errors map to HTTP here and nowhere else. */
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/json_write.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "internal.h"
#include "../core/banned.h"

struct arena *req_arena(struct req *r) { return r->arena; }
struct db *req_db(struct req *r) { return r->db; }
struct user *req_user(struct req *r) { return r->user; }
const char *req_client(struct req *r) { return r->client; }
bool req_https(struct req *r) { return r->https; }
json_t *req_body(struct req *r) { return r->body; }

const char *req_param(struct req *r, int i) { return i >= 0 && i < MAX_PARAMS ? r->params[i] : NULL; }

int64_t req_param_id(struct req *r, int i)
{
	int64_t id;
	return parse_i64z(req_param(r, i), 1, INT64_MAX, &id) ? id : 0;
}

const char *req_query(struct req *r, const char *name) { return json_string_value(json_object_get(r->query, name)); }

int64_t req_query_int(struct req *r, const char *name, int64_t def)
{
	json_t *v = json_object_get(r->query, name);
	return json_is_integer(v) ? json_integer_value(v) : def;
}

const char *body_str(struct req *r, const char *name) { return json_string_value(json_object_get(r->body, name)); }

int64_t body_int(struct req *r, const char *name, int64_t def)
{
	json_t *v = json_object_get(r->body, name);
	return json_is_integer(v) ? json_integer_value(v) : def;
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_upload(struct req *r, size_t *n)
{
	*n = r->upload_len;
	return r->upload ? r->upload : "";
}

int64_t req_limit(struct req *r) { return req_query_int(r, "limit", config_get(CFG_PAGE_DEFAULT)); }

int64_t req_cursor(struct req *r)
{
	int64_t c;
	return parse_i64z(req_query(r, "cursor"), 1, INT64_MAX, &c) ? c : 0;
}

const char *req_area(struct req *r) { return req_query(r, "area"); }

static void set_out(struct req *r, int status, const char *type, char *data, size_t n)
{
	if (r->replied)
		BUG("replied twice");
	r->replied = true;
	r->status = status;
	r->out_type = type;
	r->out = data;
	r->out_len = n;
}

void reply_json(struct req *r, int status, json_t *body)
{
	size_t n;
	char *s = json_write(body, &n);
	json_decref(body);
	set_out(r, status, "application/json", s, n);
}

void reply_list(struct req *r, json_t *items, int64_t next_cursor)
{
	json_t *cursor = next_cursor ? json_sprintf("%lld", (long long)next_cursor) : json_null();
	reply_json(r, 200, json_pack("{so so}", "items", items, "next_cursor", cursor));
}

void reply_empty(struct req *r, int status) { set_out(r, status, NULL, NULL, 0); }

void reply_bytes(struct req *r, int status, const char *type, const void *data, size_t n, const char *filename)
{
	char *copy = malloc(n ? n : 1);
	if (copy == NULL)
		fatal("out of memory");
	memcpy(copy, data, n);
	set_out(r, status, type, copy, n);
	if (filename != NULL)
		reply_header(r, "Content-Disposition", arena_printf(r->arena, "attachment; filename=\"%s\"", filename));
}

static const struct {
	int status;
	const char *slug, *title;
} problems[] = {
    [P_BAD_REQUEST] = {400, "bad-request", "The request is malformed"},
    [P_UNAUTHORIZED] = {401, "unauthorized", "Authentication is required"},
    [P_FORBIDDEN] = {403, "forbidden", "This is not permitted"},
    [P_MUST_CHANGE] = {403, "must-change-password", "The password must be changed first"},
    [P_CSRF] = {403, "csrf", "The CSRF token is missing or wrong"},
    [P_NOT_FOUND] = {404, "not-found", "Not found"},
    [P_METHOD] = {405, "method-not-allowed", "Method not allowed"},
    [P_CONFLICT] = {409, "conflict", "The object was changed or already exists"},
    [P_TOO_LARGE] = {413, "too-large", "The request body is too large"},
    [P_UNSUPPORTED] = {415, "unsupported-media-type", "The body must be JSON"},
    [P_INVALID] = {422, "validation", "The request is not valid"},
    [P_LOCKED] = {423, "locked", "The account is locked"},
    [P_TOO_MANY] = {429, "too-many-requests", "Too many requests"},
    [P_INTERNAL] = {500, "internal", "Internal error"},
    [P_UNAVAILABLE] = {503, "unavailable", "Temporarily unavailable"},
};

const char *problem_slug(enum problem p) { return problems[p].slug; }

void reply_problem(struct req *r, enum problem p, const char *detail)
{
	json_t *body = json_pack("{ss ss si ss}", "type", arena_printf(r->arena, "/problems/%s", problems[p].slug),
	    "title", problems[p].title, "status", problems[p].status, "detail", detail ? detail : problems[p].title);
	if (p == P_INVALID)
		json_object_set_new(body, "errors", r->errors ? json_incref(r->errors) : json_array());
	size_t n;
	char *s = json_write(body, &n);
	json_decref(body);
	set_out(r, problems[p].status, "application/problem+json", s, n);
}

void req_invalid(struct req *r, const char *field, const char *detail)
{
	if (r->errors == NULL) {
		r->errors = json_array();
		arena_cleanup(r->arena, (void (*)(void *))json_decref, r->errors);
	}
	json_array_append_new(r->errors, json_pack("{ss ss}", "field", field, "detail", detail));
}

void reply_invalid(struct req *r, const char *field, const char *detail)
{
	req_invalid(r, field, detail);
	reply_problem(r, P_INVALID, arena_printf(r->arena, "%s %s", field, detail));
}

void reply_db_error(struct req *r, int rc)
{
	if (rc == DB_BUSY)
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
	else if (rc == DB_CONSTRAINT)
		reply_problem(r, P_CONFLICT, "this conflicts with existing data");
	else
		reply_problem(r, P_INTERNAL, "the request could not be completed");
}

void reply_header(struct req *r, const char *name, const char *value)
{
	struct header *h = arena_alloc(r->arena, sizeof(*h));
	h->name = arena_strdup(r->arena, name);
	h->value = arena_strdup(r->arena, value);
	h->next = r->headers;
	r->headers = h;
}

void reply_defer(struct req *r, void (*fn)(struct req *r))
{
	if (r->deferred != NULL || r->replied)
		BUG("deferred after reply");
	r->deferred = fn;
}

void reply_finish_headers(struct req *r)
{
	reply_header(r, "X-Content-Type-Options", "nosniff");
	reply_header(r, "Referrer-Policy", "same-origin");
	reply_header(r, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
	    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
	reply_header(r, "X-Request-Id", r->rid);
	if (strncmp(r->path, "/api/", 5) == 0)
		reply_header(r, "Cache-Control", "no-store");
}
