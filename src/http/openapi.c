/* The OpenAPI 3.1 description, generated from the route tables so that it
 * cannot drift from what the server accepts and answers. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../core/log.h"

/* A json_pack whose format is wrong is a programmer error: say which. */
static json_t *pack_checked(int line, const char *fmt, ...)
{
	json_error_t err;
	va_list ap;
	va_start(ap, fmt);
	json_t *v = json_vpack_ex(&err, 0, fmt, ap);
	va_end(ap);
	if (v == NULL) {
		char msg[300];
		snprintf(msg, sizeof(msg), "openapi.c:%d: %s", line, err.text);
		BUG(msg);
	}
	return v;
}
#define json_pack(...) pack_checked(__LINE__, __VA_ARGS__)
#include "../core/banned.h"

static json_t *schema_of(const struct field *f, bool strict);

static json_t *type_of(const struct field *f, const char *type)
{
	if (f->flags & F_NULLABLE)
		return json_pack("[s s]", type, "null");
	return json_string(type);
}

static json_t *object_schema(const struct field *fields, bool strict)
{
	json_t *props = json_object(), *req = json_array();
	for (const struct field *m = fields; m->name != NULL; m++) {
		json_object_set_new(props, m->name, schema_of(m, strict));
		if (m->flags & F_REQUIRED)
			json_array_append_new(req, json_string(m->name));
	}
	json_t *s = json_pack("{ss so sb}", "type", "object", "properties", props, "additionalProperties", 0);
	if (json_array_size(req) > 0)
		json_object_set_new(s, "required", req);
	else
		json_decref(req);
	return s;
}

static json_t *schema_of(const struct field *f, bool strict)
{
	json_t *s;
	switch (f->type) {
	case T_STRING:
	case T_DATETIME:
	case T_ENUM:
		s = json_pack("{so}", "type", type_of(f, "string"));
		if (f->type == T_DATETIME)
			json_object_set_new(s, "format", json_string("date-time"));
		if (f->type == T_ENUM) {
			json_t *e = json_array();
			for (const char *const *v = f->values; *v != NULL; v++)
				json_array_append_new(e, json_string(*v));
			if (f->flags & F_NULLABLE)
				json_array_append_new(e, json_null());
			json_object_set_new(s, "enum", e);
		}
		if (f->flags & F_AREA)
			json_object_set_new(s, "pattern", json_string("^[0-9]{6,24}$"));
		if (f->min > 0)
			json_object_set_new(s, "minLength", json_integer(f->min));
		if (f->max > 0)
			json_object_set_new(s, "maxLength", json_integer(f->max));
		break;
	case T_INT:
		s = json_pack("{so}", "type", type_of(f, "integer"));
		if (f->min != 0 || f->max != 0) {
			json_object_set_new(s, "minimum", json_integer(f->min));
			json_object_set_new(s, "maximum", json_integer(f->max));
		}
		break;
	case T_BOOL:
		s = json_pack("{so}", "type", type_of(f, "boolean"));
		break;
	case T_NUMBER:
		s = json_pack("{so}", "type", type_of(f, "number"));
		break;
	case T_ARRAY:
		s = json_pack("{so so}", "type", type_of(f, "array"), "items", schema_of(f->items, strict));
		break;
	case T_OBJECT:
		/* Without declared members: any object (a job's summary depends on its kind). */
		s = f->fields ? object_schema(f->fields, strict) : json_pack("{ss}", "type", "object");
		if (f->flags & F_NULLABLE)
			json_object_set_new(s, "type", json_pack("[s s]", "object", "null"));
		break;
	default:
		s = json_object();
	}
	if (f->desc != NULL)
		json_object_set_new(s, "description", json_string(f->desc));
	return s;
}

static json_t *param(const char *name, const char *in, json_t *schema, bool required)
{
	return json_pack("{ss ss sb so}", "name", name, "in", in, "required", required, "schema", schema);
}

static const struct field list_params[] = {
    {"area", T_STRING, F_AREA, 0, 24, .desc = "limit to this area and the areas below it"},
    {"limit", T_INT, 0, 1, 200, .desc = "items per page (default 50)"},
    {"cursor", T_STRING, 0, 1, 64, .desc = "next_cursor of the previous page"},
    {NULL, 0, 0, 0, 0},
};

static json_t *operation(const struct route *rt, const char *method)
{
	json_t *op = json_pack("{ss ss}", "summary", rt->summary ? rt->summary : rt->path, "operationId", "");
	/* operationId: method plus the path's words, e.g. get_api_v1_users_id. */
	char id[256];
	size_t n = (size_t)snprintf(id, sizeof(id), "%s", method);
	for (const char *p = rt->path; *p && n + 1 < sizeof(id); p++)
		id[n++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
	id[n] = '\0';
	json_object_set_new(op, "operationId", json_string(id));

	json_t *params = json_array();
	for (const char *p = strchr(rt->path, '{'); p != NULL; p = strchr(p + 1, '{')) {
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(strchr(p, '}') - p - 1), p + 1);
		json_array_append_new(params, param(name, "path", json_pack("{ss}", "type", "string"), true));
	}
	for (const struct field *f = rt->query; f != NULL && f->name != NULL; f++)
		json_array_append_new(params, param(f->name, "query", schema_of(f, true), f->flags & F_REQUIRED));
	if (rt->flags & R_LIST)
		for (const struct field *f = list_params; f->name != NULL; f++)
			json_array_append_new(params, param(f->name, "query", schema_of(f, true), false));
	if (rt->flags & R_IDEMPOTENT) {
		json_t *key = json_pack("{ss si si ss}", "type", "string", "minLength", 1, "maxLength", 255,
		    "description", "a repeat with the same key answers the first response");
		json_array_append_new(params, param("Idempotency-Key", "header", key, false));
	}
	json_object_set_new(op, "parameters", params);

	if (rt->flags & R_FORM)
		json_object_set_new(op, "requestBody",
		    json_pack("{sb s{s{so}}}", "required", 0, "content", "application/x-www-form-urlencoded", "schema",
		        rt->body ? schema_of(rt->body, true) : json_pack("{ss}", "type", "object")));
	else if (rt->body != NULL)
		json_object_set_new(op, "requestBody",
		    json_pack("{sb s{s{so}}}", "required", 1, "content", "application/json", "schema",
		        schema_of(rt->body, true)));
	else if (rt->flags & R_UPLOAD)
		json_object_set_new(op, "requestBody",
		    json_pack("{sb s{s{s{ss ss}}}}", "required", 1, "content", "application/octet-stream", "schema",
		        "type", "string", "format", "binary"));

	json_t *ok = json_pack("{ss}", "description", "success");
	if (rt->response != NULL) {
		json_t *schema = schema_of(rt->response, true);
		if (rt->flags & R_LIST)
			schema = json_pack("{ss s{s{ss so} s{s[ss]}} s[ss] sb}", "type", "object", "properties",
			    "items", "type", "array", "items", schema, "next_cursor", "type", "string", "null",
			    "required", "items", "next_cursor", "additionalProperties", 0);
		json_object_set_new(ok, "content", json_pack("{s{so}}", "application/json", "schema", schema));
	} else if (rt->flags & R_RAW) {
		json_object_set_new(ok, "content",
		    json_pack(
		        "{s{s{ss ss}}}", "application/octet-stream", "schema", "type", "string", "format", "binary"));
	}
	char code[8];
	snprintf(code, sizeof(code), "%d", rt->status);
	json_t *responses = json_object();
	json_object_set_new(responses, code, ok);
	json_object_set_new(responses, "default",
	    json_pack("{ss s{s{s{ss}}}}", "description", "an RFC 9457 problem", "content", "application/problem+json",
	        "schema", "$ref", "#/components/schemas/Problem"));
	json_object_set_new(op, "responses", responses);
	if (rt->flags & R_PUBLIC)
		json_object_set_new(op, "security", json_array());
	return op;
}

json_t *openapi_document(void)
{
	static const char *const names[] = {"get", "post", "put", "patch", "delete"};
	json_t *paths = json_object();
	for (const struct module *const *m = modules; *m != NULL; m++) {
		for (const struct route *rt = (*m)->routes; rt != NULL && rt->method != 0; rt++) {
			if (strncmp(rt->path, "/api/v1/", 8) != 0)
				continue;
			json_t *item = json_object_get(paths, rt->path);
			if (item == NULL) {
				item = json_object();
				json_object_set_new(paths, rt->path, item);
			}
			for (unsigned i = 0; i < 5; i++)
				if (rt->method & (1u << i))
					json_object_set_new(item, names[i], operation(rt, names[i]));
		}
	}
	json_t *str = json_pack("{ss}", "type", "string");
	json_t *field_error = json_pack("{ss s{sOsO} s[ss]}", "type", "object", "properties", "field", str, "detail",
	    str, "required", "field", "detail");
	json_t *problem = json_pack("{ss s{sOsOs{ss}sOsOs{ss so}} s[ssss]}", "type", "object", "properties", "type",
	    str, "title", str, "status", "type", "integer", "detail", str, "instance", str, "errors", "type", "array",
	    "items", field_error, "required", "type", "title", "status", "detail");
	json_decref(str);
	json_t *security = json_pack("{s{ss ss ss} s{ss ss}}", "session", "type", "apiKey", "in", "cookie", "name",
	    "doorstep_session", "bearer", "type", "http", "scheme", "bearer");
	return json_pack("{ss s{ss ss ss} so s{s{so} so} s[{s[]} {s[]}]}", "openapi", "3.1.0", "info", "title",
	    "Doorstep API", "version", "1", "description",
	    "Community grassroots governance (家门口). Errors are RFC 9457 problem details.", "paths", paths,
	    "components", "schemas", "Problem", problem, "securitySchemes", security, "security", "session", "bearer");
}
