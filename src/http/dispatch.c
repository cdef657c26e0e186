/* The request pipeline, in the order the API promises: route → authentication
 * (401) → forced password change, CSRF and permission (403) → syntax (400) →
 * validation (422) → area scope (403) → handler. */
#include <sodium.h>
#include <string.h>

#include "../audit/audit.h"
#include "../platform/area_tree.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "internal.h"
#include "../core/banned.h"

static const char *method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

static bool match(const char *pattern, const char *path, struct req *r)
{
	int np = 0;
	while (*pattern != '\0' && *path != '\0') {
		if (*pattern != '/' || *path != '/')
			return false;
		pattern++;
		path++;
		const char *pe = strchrnul(pattern, '/'), *se = strchrnul(path, '/');
		if (*pattern == '{') {
			if (se == path || np == MAX_PARAMS)
				return false;
			if (r != NULL)
				r->params[np] = arena_strndup(r->arena, path, (size_t)(se - path));
			np++;
		} else if (pe - pattern != se - path || strncmp(pattern, path, (size_t)(pe - pattern)) != 0) {
			return false;
		}
		pattern = pe;
		path = se;
	}
	return *pattern == '\0' && *path == '\0';
}

/* The route for r's method and path; *other_method is set when only the method differs. */
static const struct route *find_route(struct req *r, bool *other_method)
{
	*other_method = false;
	for (const struct module *const *m = modules; *m != NULL; m++) {
		for (const struct route *rt = (*m)->routes; rt != NULL && rt->method != 0; rt++) {
			if (!match(rt->path, r->path, NULL))
				continue;
			if (rt->method & r->method) {
				match(rt->path, r->path, r);
				return rt;
			}
			*other_method = true;
		}
	}
	return NULL;
}

int64_t route_body_max(struct req *r)
{
	bool other_method;
	const struct route *rt = find_route(r, &other_method);
	return config_get(rt != NULL && (rt->flags & R_UPLOAD) ? CFG_UPLOAD_MAX : CFG_BODY_MAX);
}

void routes_check(void)
{
	for (const struct module *const *m = modules; *m != NULL; m++) {
		for (const struct route *rt = (*m)->routes; rt != NULL && rt->method != 0; rt++) {
			if (rt->perm != NULL && !perm_known(rt->perm))
				fatal("route %s names unknown permission %s", rt->path, rt->perm);
			if (rt->handler == NULL || rt->path[0] != '/' || rt->status == 0)
				fatal("route %s is incomplete", rt->path);
		}
	}
}

/* The value of cookie name in the Cookie header, or NULL. */
static const char *cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static struct user *authenticate(struct req *r)
{
	const char *auth = req_header(r, "Authorization");
	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) != 0)
			return NULL;
		return apitoken_lookup(r->arena, r->db, auth + 7);
	}
	const char *token = cookie(r, "doorstep_session");
	return token ? session_lookup(r->arena, r->db, token) : NULL;
}

static bool csrf_ok(struct req *r)
{
	if (r->method == M_GET || !r->user->via_session)
		return true; /* bearer tokens are not sent by browsers on their own */
	const char *sent = req_header(r, "X-CSRF-Token");
	return sent != NULL && strlen(sent) == strlen(r->user->csrf_token) &&
	       sodium_memcmp(sent, r->user->csrf_token, strlen(sent)) == 0;
}

/* Whether the Content-Type is the media type want (parameters such as charset aside). */
static bool content_type_is(struct req *r, const char *want)
{
	const char *type = req_header(r, "Content-Type");
	size_t n = strlen(want);
	return type != NULL && strncasecmp(type, want, n) == 0 && (type[n] == '\0' || type[n] == ';');
}

/* A form body (R_FORM) decoded by libmicrohttpd's post processor, which hands
 * over each value in pieces: they are joined here, then stored under the key. */
struct form {
	struct arena *arena;
	json_t *fields;
	const char *key; /* the pair being read, NULL before the first */
	char *value;
	size_t len, cap;
	bool bad; /* a key or value that is not UTF-8 text */
};

static void form_store(struct form *f)
{
	if (f->key == NULL)
		return;
	if (!utf8_valid(f->key, strlen(f->key)) || !utf8_valid(f->value ? f->value : "", f->len)) {
		f->bad = true;
		return;
	}
	json_t *v = json_stringn(f->value ? f->value : "", f->len), *old = json_object_get(f->fields, f->key);
	if (old == NULL)
		json_object_set_new(f->fields, f->key, v);
	else if (json_is_array(old))
		json_array_append_new(old, v);
	else
		json_object_set_new(f->fields, f->key, json_pack("[Oo]", old, v)); /* a repeated key */
}

static enum MHD_Result form_piece(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *type, const char *encoding, const char *data, uint64_t off, size_t size)
{
	struct form *f = cls;
	if (off == 0) { /* a new pair */
		form_store(f);
		f->key = arena_strdup(f->arena, key);
		f->len = 0;
	}
	if (f->len + size + 1 > f->cap) {
		f->cap = (f->len + size + 1) * 2;
		char *more = arena_alloc(f->arena, f->cap);
		if (f->len > 0)
			memcpy(more, f->value, f->len);
		f->value = more;
	}
	memcpy(f->value + f->len, data, size);
	f->len += size;
	return f->bad ? MHD_NO : MHD_YES;
}

static bool parse_form(struct req *r)
{
	struct form f = {.arena = r->arena, .fields = json_object()};
	arena_cleanup(r->arena, (void (*)(void *))json_decref, f.fields);
	if (r->upload_len > 0) {
		if (!content_type_is(r, "application/x-www-form-urlencoded")) {
			reply_problem(r, P_UNSUPPORTED, "send the body as application/x-www-form-urlencoded");
			return false;
		}
		struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 4096, form_piece, &f);
		bool ok = pp != NULL && MHD_post_process(pp, r->upload, r->upload_len) == MHD_YES;
		if (pp != NULL)
			ok = MHD_destroy_post_processor(pp) == MHD_YES && ok; /* it may hand over the last pair here */
		form_store(&f);
		if (!ok || f.bad) {
			reply_problem(r, P_BAD_REQUEST, "the body is not a form of UTF-8 text");
			return false;
		}
	}
	if (r->route->body != NULL && !validate_body(r, r->route->body, f.fields)) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return false;
	}
	r->body = f.fields;
	return true;
}

static bool parse_body(struct req *r)
{
	const struct route *rt = r->route;
	if (rt->flags & R_UPLOAD)
		return true; /* the handler reads the file with req_upload */
	if (rt->flags & R_FORM)
		return parse_form(r);
	if (rt->body == NULL) {
		if (r->upload_len > 0) {
			reply_problem(r, P_BAD_REQUEST, "this endpoint takes no request body");
			return false;
		}
		return true;
	}
	if (!content_type_is(r, "application/json")) {
		reply_problem(r, P_UNSUPPORTED, "send the body as application/json");
		return false;
	}
	json_error_t err;
	json_t *body =
	    json_loadb(r->upload ? r->upload : "", r->upload_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (body == NULL) {
		reply_problem(r, P_BAD_REQUEST,
		    arena_printf(r->arena, "the body is not valid JSON (line %d, column %d)", err.line, err.column));
		return false;
	}
	arena_cleanup(r->arena, (void (*)(void *))json_decref, body);
	if (json_depth(body) > config_get(CFG_JSON_DEPTH_MAX)) {
		reply_problem(r, P_BAD_REQUEST, "the body is nested too deeply");
		return false;
	}
	if (!validate_body(r, rt->body, body)) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return false;
	}
	r->body = body;
	return true;
}

/* The area filter of a list must exist and lie in the caller's scope. */
static bool check_area(struct req *r)
{
	const char *area = req_area(r);
	if (area == NULL)
		return true;
	if (area_find(r->db, area) == NULL) {
		reply_invalid(r, "area", "is not a known area");
		return false;
	}
	if (r->route->perm != NULL && !user_covers(r->user, r->route->perm, area)) {
		audit_request(r, "denied", arena_printf(r->arena, "area:%s", area), AUDIT_DENIED, "area out of scope");
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return false;
	}
	return true;
}

/* Paths that belong to an API, never to the web app: an unknown one is a 404, not index.html. */
static bool api_path(const char *path)
{
	static const char *const prefixes[] = {"/api", "/open311"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static void run(struct req *r)
{
	bool other_method;
	r->route = find_route(r, &other_method);
	if (r->route == NULL) {
		if (!api_path(r->path)) {
			static_serve(r);
			return;
		}
		if (other_method)
			reply_problem(r, P_METHOD, "this method is not allowed here");
		else
			reply_problem(r, P_NOT_FOUND, "no such endpoint");
		return;
	}
	r->query = json_object();
	arena_cleanup(r->arena, (void (*)(void *))json_decref, r->query);
	const struct route *rt = r->route;
	if (!(rt->flags & R_PUBLIC)) {
		r->user = authenticate(r);
		if (r->user == NULL) {
			reply_header(r, "WWW-Authenticate", "Bearer");
			reply_problem(r, P_UNAUTHORIZED, "log in first");
			return;
		}
		if (r->user->must_change_password && !(rt->flags & R_MUST_CHANGE_OK)) {
			reply_problem(r, P_MUST_CHANGE, "change your password before anything else");
			return;
		}
		if (!csrf_ok(r)) {
			audit_request(r, "denied", r->path, AUDIT_DENIED, "missing or wrong CSRF token");
			reply_problem(r, P_CSRF, "send the X-CSRF-Token header you received at login");
			return;
		}
		if (rt->perm != NULL && !user_can(r->user, rt->perm)) {
			audit_request(r, "denied", r->path, AUDIT_DENIED, arena_printf(r->arena, "lacks %s", rt->perm));
			reply_problem(r, P_FORBIDDEN, "your roles do not allow this");
			return;
		}
	}
	/* Handlers echo path segments into JSON and XML, which only take UTF-8 text. */
	for (int i = 0; i < MAX_PARAMS && r->params[i] != NULL; i++) {
		if (!utf8_valid(r->params[i], strlen(r->params[i]))) {
			reply_problem(r, P_NOT_FOUND, "no such resource: the path is not UTF-8 text");
			return;
		}
	}
	if (!parse_body(r) || !validate_query(r) || !check_area(r))
		return;
	if ((rt->flags & R_IDEMPOTENT) && !idempotency_begin(r))
		return;
	rt->handler(r);
}

void dispatch(struct req *r)
{
	for (unsigned i = 0; i < 5; i++)
		if (r->method == 1u << i)
			r->method_name = method_names[i];
	run(r);
	if (!r->replied && r->deferred == NULL) {
		log_warnx("handler for %s gave no reply", r->route ? r->route->path : r->path);
		reply_problem(r, P_INTERNAL, NULL);
	}
	idempotency_end(r);
}
