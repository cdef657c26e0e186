/* JSON bodies as dispatch.c handles them: parsed by jansson with duplicate keys
 * rejected, measured by json_depth, then validated against a declared schema with
 * every field type. Findings: crashes, and answers that break the validator's promises
 * (a rejected body always names its errors; an accepted one has the declared types). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/clock.h"
#include "../src/core/parse.h"
#include "../src/http/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "fuzz_json_body: " __VA_ARGS__); \
			fprintf(stderr, "\n");                           \
			abort();                                         \
		}                                                        \
	} while (0)

static const char *const kinds[] = {"noise", "repair", "safety", "other", NULL};

static const struct field grant_fields[] = {
    {"role", T_ENUM, F_REQUIRED, .values = role_ids},
    {"area_code", T_STRING, F_REQUIRED | F_AREA},
    {"until", T_DATETIME, F_NULLABLE},
    {NULL},
};
static const struct field grant = {NULL, T_OBJECT, 0, .fields = grant_fields};
static const struct field tag = {NULL, T_STRING, 0, 1, 8};
static const struct field score = {NULL, T_INT, 0, -10, 10};
static const struct field matrix_row = {NULL, T_ARRAY, 0, 0, 4, .items = &score};
static const struct field geo_fields[] = {
    {"lat", T_INT, F_REQUIRED, -90000000, 90000000},
    {"lng", T_INT, F_REQUIRED, -180000000, 180000000},
    {NULL},
};
static const struct field address_fields[] = {
    {"building", T_STRING, F_REQUIRED, 1, 32},
    {"unit", T_INT, 0, 1, 99},
    {"room", T_STRING, F_NULLABLE, 0, 16},
    {"geo", T_OBJECT, F_NULLABLE, .fields = geo_fields},
    {NULL},
};
static const struct field body_fields[] = {
    {"username", T_STRING, F_REQUIRED, 2, 32},
    {"display_name", T_STRING, F_REQUIRED},
    {"password", T_STRING, F_SECRET, 10, 128},
    {"note", T_STRING, F_NULLABLE, 0, 200},
    {"kind", T_ENUM, 0, .values = kinds},
    {"age", T_INT, 0, 0, 150},
    {"count", T_INT},
    {"urgent", T_BOOL},
    {"due", T_DATETIME, F_NULLABLE},
    {"area", T_STRING, F_AREA | F_NULLABLE},
    {"roles", T_ARRAY, 0, 0, 8, .items = &grant},
    {"tags", T_ARRAY, 0, 1, 5, .items = &tag},
    {"matrix", T_ARRAY, F_NULLABLE, 0, 4, .items = &matrix_row},
    {"address", T_OBJECT, 0, .fields = address_fields},
    {NULL},
};
static const struct field body = {NULL, T_OBJECT, 0, .fields = body_fields};

/* A string member, if valid, is clean text of min..max characters. */
static void check_text(json_t *v, int64_t min, int64_t max, const char *what)
{
	if (v == NULL || json_is_null(v))
		return;
	CHECK(json_is_string(v), "accepted %s that is not a string", what);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	CHECK(utf8_valid(s, n), "accepted %s with bad text", what);
	size_t chars = utf8_count(s, n);
	CHECK(chars >= (size_t)min && (max == 0 || chars <= (size_t)max), "accepted %s of %zu characters", what, chars);
}

static void check_int(json_t *v, int64_t min, int64_t max, const char *what)
{
	if (v == NULL)
		return;
	CHECK(json_is_integer(v), "accepted %s that is not an integer", what);
	CHECK(json_integer_value(v) >= min && json_integer_value(v) <= max, "accepted %s out of range", what);
}

/* What an accepted body promises the handler. */
static void check_accepted(json_t *v)
{
	CHECK(json_is_object(v), "accepted a body that is not an object");
	const char *key;
	json_t *m;
	json_object_foreach (v, key, m) {
		const struct field *f = body_fields;
		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		CHECK(f->name != NULL, "accepted an unknown member");
	}
	CHECK(json_object_get(v, "username") && json_object_get(v, "display_name"), "accepted without required");
	check_text(json_object_get(v, "username"), 2, 32, "username");
	check_text(json_object_get(v, "display_name"), 1, 0, "display_name");
	check_int(json_object_get(v, "age"), 0, 150, "age");
	json_t *due = json_object_get(v, "due");
	int64_t t;
	CHECK(due == NULL || json_is_null(due) || clock_parse(json_string_value(due), &t), "accepted a bad date");
	json_t *area = json_object_get(v, "area");
	CHECK(area == NULL || json_is_null(area) || area_code_valid(json_string_value(area)), "accepted a bad area");
	json_t *kind = json_object_get(v, "kind");
	if (kind != NULL) {
		bool found = false;
		for (const char *const *k = kinds; *k != NULL; k++)
			found = found || strcmp(*k, json_string_value(kind)) == 0;
		CHECK(found, "accepted an undeclared enum value");
	}
	size_t i;
	json_t *g;
	json_array_foreach (json_object_get(v, "roles"), i, g) {
		CHECK(json_is_object(g), "accepted a role that is not an object");
		CHECK(role_find(json_string_value(json_object_get(g, "role"))) != NULL, "accepted an unknown role");
		CHECK(area_code_valid(json_string_value(json_object_get(g, "area_code"))), "accepted a bad area");
	}
	json_t *tags = json_object_get(v, "tags");
	CHECK(tags == NULL || (json_array_size(tags) >= 1 && json_array_size(tags) <= 5), "accepted tag count");
	json_array_foreach (tags, i, g)
		check_text(g, 1, 8, "a tag");
	json_t *address = json_object_get(v, "address");
	if (address != NULL) {
		check_text(json_object_get(address, "building"), 1, 32, "building");
		check_int(json_object_get(address, "unit"), 1, 99, "unit");
		json_t *geo = json_object_get(address, "geo");
		if (geo != NULL && !json_is_null(geo))
			check_int(json_object_get(geo, "lat"), -90000000, 90000000, "lat");
	}
}

/* A rejected body names every problem: a field path and a detail, without the
 * value of a secret. */
static void check_rejected(struct req *r, json_t *v, bool input_has_null_text)
{
	CHECK(r->errors != NULL && json_array_size(r->errors) > 0, "rejected without naming an error");
	size_t i;
	json_t *e;
	json_array_foreach (r->errors, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *detail = json_string_value(json_object_get(e, "detail"));
		CHECK(field != NULL && detail != NULL && detail[0] != '\0', "error %zu lacks field or detail", i);
		/* A NULL name printed with %s (unless the client sent that text as a key). */
		CHECK(input_has_null_text || strstr(field, "(null)") == NULL, "error names the field \"%s\"", field);
		json_t *pw = json_object_get(v, "password");
		if (strcmp(field, "password") == 0 && json_is_string(pw) && json_string_length(pw) >= 10)
			CHECK(strstr(detail, json_string_value(pw)) == NULL, "a secret is echoed in an error");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (v == NULL)
		return 0;
	struct req r = {.arena = arena_new(), .out_fd = -1};
	int depth = json_depth(v);
	CHECK(depth >= 1, "a parsed body has depth %d", depth);
	/* dispatch.c answers 400 past the limit; validation must cope with any depth anyway. */
	bool ok = validate_body(&r, &body, v);
	if (ok) {
		CHECK(r.errors == NULL, "accepted with errors");
		check_accepted(v);
	} else {
		check_rejected(&r, v, memmem(data, size, "(null)", 6) != NULL);
	}
	arena_free(r.arena);
	json_decref(v);
	return 0;
}
