/* Declare, then validate once (after Kore): every body and query field is
 * declared in the route table; handlers receive only checked, typed values. */
#include <string.h>

#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "internal.h"
#include "../core/banned.h"

static const char *name_of(struct req *r, const char *path, const char *name)
{
	if (name == NULL) /* the body itself, or an array item (its path already ends in [i]) */
		return path != NULL && path[0] != '\0' ? path : "body";
	if (path == NULL || path[0] == '\0')
		return name;
	return arena_printf(r->arena, "%s.%s", path, name);
}

int json_depth(json_t *v)
{
	int max = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach (v, k, m) {
			int d = json_depth(m);
			max = d > max ? d : max;
		}
		return max + 1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach (v, i, m) {
			int d = json_depth(m);
			max = d > max ? d : max;
		}
		return max + 1;
	}
	return 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

static bool check_string(struct req *r, const struct field *f, const char *s, size_t n, const char *name)
{
	if (!utf8_valid(s, n)) {
		req_invalid(r, name, "must be valid text without control characters");
		return false;
	}
	size_t chars = utf8_count(s, n);
	if ((f->flags & F_REQUIRED) && f->type == T_STRING && blank(s, n) && (chars > 0 || f->min == 0)) {
		/* Required text must say something: spaces alone are not a name or a reason. */
		req_invalid(r, name, "must not be empty");
		return false;
	}
	if (f->min > 0 && chars < (size_t)f->min) {
		req_invalid(r, name, arena_printf(r->arena, "must have at least %lld characters", (long long)f->min));
		return false;
	}
	if (f->max > 0 && chars > (size_t)f->max) {
		req_invalid(r, name, arena_printf(r->arena, "must have at most %lld characters", (long long)f->max));
		return false;
	}
	if ((f->flags & F_AREA) && !area_code_valid(s)) {
		req_invalid(r, name, "must be an area code (6 to 24 digits)");
		return false;
	}
	if (f->type == T_DATETIME) {
		int64_t t;
		if (!clock_parse(s, &t)) {
			req_invalid(r, name, "must be a date-time like 2026-11-29T08:00:00Z");
			return false;
		}
	}
	if (f->type == T_ENUM) {
		for (const char *const *v = f->values; *v != NULL; v++)
			if (strcmp(*v, s) == 0)
				return true;
		req_invalid(r, name, "is not one of the allowed values");
		return false;
	}
	return true;
}

bool validate_value(struct req *r, const struct field *f, json_t *v, const char *path)
{
	const char *name = name_of(r, path, f->name);
	if (json_is_null(v)) {
		if (f->flags & F_NULLABLE)
			return true;
		req_invalid(r, name, "must not be null");
		return false;
	}
	switch (f->type) {
	case T_STRING:
	case T_DATETIME:
	case T_ENUM:
		if (!json_is_string(v)) {
			req_invalid(r, name, "must be a string");
			return false;
		}
		return check_string(r, f, json_string_value(v), json_string_length(v), name);
	case T_INT: {
		if (!json_is_integer(v)) {
			req_invalid(r, name, "must be an integer");
			return false;
		}
		json_int_t n = json_integer_value(v);
		if ((f->min != 0 || f->max != 0) && (n < f->min || n > f->max)) {
			req_invalid(r, name,
			    arena_printf(r->arena, "must be from %lld to %lld", (long long)f->min, (long long)f->max));
			return false;
		}
		return true;
	}
	case T_BOOL:
		if (!json_is_boolean(v)) {
			req_invalid(r, name, "must be true or false");
			return false;
		}
		return true;
	case T_NUMBER:
		if (!json_is_number(v)) {
			req_invalid(r, name, "must be a number");
			return false;
		}
		return true;
	case T_ARRAY: {
		if (!json_is_array(v)) {
			req_invalid(r, name, "must be an array");
			return false;
		}
		size_t n = json_array_size(v);
		if ((f->min > 0 && n < (size_t)f->min) || (f->max > 0 && n > (size_t)f->max)) {
			req_invalid(r, name,
			    arena_printf(
			        r->arena, "must have %lld to %lld items", (long long)f->min, (long long)f->max));
			return false;
		}
		bool ok = true;
		for (size_t i = 0; i < n; i++)
			ok = validate_value(
			         r, f->items, json_array_get(v, i), arena_printf(r->arena, "%s[%zu]", name, i)) &&
			     ok;
		return ok;
	}
	case T_OBJECT: {
		if (!json_is_object(v)) {
			req_invalid(r, name, "must be an object");
			return false;
		}
		bool ok = true;
		const char *key;
		json_t *m;
		json_object_foreach (v, key, m) {
			const struct field *mf = f->fields;
			while (mf->name != NULL && strcmp(mf->name, key) != 0)
				mf++;
			if (mf->name == NULL) {
				req_invalid(r, name_of(r, f->name ? name : path, key), "is not a known field");
				ok = false;
			} else {
				ok = validate_value(r, mf, m, f->name ? name : path) && ok;
			}
		}
		for (const struct field *mf = f->fields; mf->name != NULL; mf++) {
			if ((mf->flags & F_REQUIRED) && json_object_get(v, mf->name) == NULL) {
				req_invalid(r, name_of(r, f->name ? name : path, mf->name), "is required");
				ok = false;
			}
		}
		return ok;
	}
	}
	BUG("unknown field type");
}

bool validate_body(struct req *r, const struct field *schema, json_t *body)
{
	return validate_value(r, schema, body, "");
}

/* The parameters every list accepts. */
static const struct field list_fields[] = {
    {"area", T_STRING, F_AREA, 0, 24, .desc = "limit to this area and the areas below it"},
    {"limit", T_INT, 0, 1, 1000, .desc = "items per page (default 50, at most 200)"},
    {"cursor", T_STRING, 0, 1, 64, .desc = "next_cursor of the previous page"},
    {NULL, 0, 0, 0, 0},
};

struct query_ctx {
	struct req *r;
	bool bad_syntax;
};

static const struct field *find_field(const struct field *fields, const char *key)
{
	for (const struct field *f = fields; f != NULL && f->name != NULL; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	return NULL;
}

static enum MHD_Result one_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct query_ctx *c = cls;
	struct req *r = c->r;
	if (value == NULL)
		value = "";
	if (!utf8_valid(key, strlen(key)) || !utf8_valid(value, strlen(value))) {
		c->bad_syntax = true;
		return MHD_NO;
	}
	if (json_object_get(r->query, key) != NULL) {
		req_invalid(r, arena_strdup(r->arena, key), "is given more than once");
		return MHD_YES;
	}
	const struct field *f = find_field(r->route->query, key);
	if (f == NULL && (r->route->flags & R_LIST))
		f = find_field(list_fields, key);
	if (f == NULL) {
		req_invalid(r, arena_strdup(r->arena, key), "is not a known parameter");
		return MHD_YES;
	}
	if (f->type == T_INT) {
		int64_t n;
		int64_t min = f->min, max = f->max;
		if (strcmp(key, "limit") == 0 && (r->route->flags & R_LIST))
			max = config_get(CFG_PAGE_MAX);
		if (!parse_i64z(value, min, max, &n)) {
			req_invalid(r, f->name,
			    arena_printf(
			        r->arena, "must be an integer from %lld to %lld", (long long)min, (long long)max));
			return MHD_YES;
		}
		json_object_set_new(r->query, key, json_integer(n));
		return MHD_YES;
	}
	if (f->type == T_BOOL) {
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
			req_invalid(r, f->name, "must be true or false");
			return MHD_YES;
		}
		json_object_set_new(r->query, key, json_boolean(value[0] == 't'));
		return MHD_YES;
	}
	if (value[0] == '\0' && !(f->flags & F_REQUIRED))
		return MHD_YES; /* an empty filter is no filter, as forms send them */
	if (check_string(r, f, value, strlen(value), f->name))
		json_object_set_new(r->query, key, json_string(value));
	return MHD_YES;
}

bool validate_query(struct req *r)
{
	struct query_ctx c = {r, false};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, one_arg, &c);
	if (c.bad_syntax) {
		reply_problem(r, P_BAD_REQUEST, "the query string is not valid UTF-8 text");
		return false;
	}
	for (const struct field *f = r->route->query; f != NULL && f->name != NULL; f++)
		if ((f->flags & F_REQUIRED) && json_object_get(r->query, f->name) == NULL)
			req_invalid(r, f->name, "is required");
	if (r->errors != NULL) {
		reply_problem(r, P_INVALID, "some parameters are not valid");
		return false;
	}
	return true;
}
