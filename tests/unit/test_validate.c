/* Declared JSON bodies, validated once (src/http/validate.c): unknown fields,
 * required fields, lengths in characters, enums, null, nesting, ranges, depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/http/internal.h"

static const char *const colours[] = {"red", "green", "blue", NULL};

static const struct field grant_fields[] = {
    {"role", T_ENUM, F_REQUIRED, .values = role_ids},
    {"area_code", T_STRING, F_REQUIRED | F_AREA},
    {NULL},
};
static const struct field grant = {NULL, T_OBJECT, 0, .fields = grant_fields};
static const struct field tag = {NULL, T_STRING, 0, 1, 4};
static const struct field address_fields[] = {
    {"city", T_STRING, F_REQUIRED, 1, 32},
    {"street", T_STRING, F_NULLABLE, 0, 64},
    {NULL},
};
static const struct field body_fields[] = {
    {"username", T_STRING, F_REQUIRED, 2, 64},
    {"display_name", T_STRING, F_REQUIRED},
    {"nickname", T_STRING, F_NULLABLE, 0, 8},
    {"password", T_STRING, F_SECRET, 10, 16},
    {"roles", T_ARRAY, 0, 0, 3, .items = &grant},
    {"tags", T_ARRAY, 0, .items = &tag},
    {"age", T_INT, 0, 0, 150},
    {"floor", T_INT, 0, -5, 99},
    {"count", T_INT},
    {"active", T_BOOL},
    {"due", T_DATETIME, F_NULLABLE},
    {"colour", T_ENUM, 0, .values = colours},
    {"area", T_STRING, F_AREA},
    {"address", T_OBJECT, 0, .fields = address_fields},
    {NULL},
};
static const struct field body = {NULL, T_OBJECT, 0, .fields = body_fields};

static struct req *req;

static int setup(void **state)
{
	req = calloc(1, sizeof(*req));
	req->arena = arena_new();
	return 0;
}

static int teardown(void **state)
{
	arena_free(req->arena);
	free(req);
	return 0;
}

/* Start over with an empty request, for the next case in the same test. */
static void fresh(void)
{
	teardown(NULL);
	setup(NULL);
}

/* Parse text (which must be JSON) and validate it against body. */
static bool check(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	if (v == NULL)
		fail_msg("test JSON does not parse: %s: %s", text, err.text);
	arena_cleanup(req->arena, (void (*)(void *))json_decref, v);
	return validate_body(req, &body, v);
}

/* The gathered errors as "field: detail" lines, in the order found. */
static const char *errors(void)
{
	const char *out = "";
	size_t i;
	json_t *e;
	if (req->errors == NULL)
		return "";
	json_array_foreach (req->errors, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *detail = json_string_value(json_object_get(e, "detail"));
		out = arena_printf(
		    req->arena, "%s%s%s: %s", out, i ? "\n" : "", field ? field : "(none)", detail ? detail : "(none)");
	}
	return out;
}

static void ok(const char *text)
{
	if (!check(text))
		fail_msg("rejected %s:\n%s", text, errors());
	assert_null(req->errors);
}

/* Validation fails with exactly these errors. */
static void bad(const char *text, const char *want)
{
	if (check(text))
		fail_msg("accepted %s", text);
	if (strcmp(errors(), want) != 0)
		fail_msg("for %s\nerrors:   %s\nexpected: %s", text, errors(), want);
}

static void a_full_valid_body_passes(void **state)
{
	ok("{\"username\":\"zhang.san\",\"display_name\":\"张三\"}");
	ok("{\"username\":\"zhang.san\",\"display_name\":\"张三\",\"nickname\":null,\"password\":\"Kq8vLm3xTz\","
	   "\"roles\":[{\"role\":\"grid_worker\",\"area_code\":\"420107005008\"},"
	   "{\"area_code\":\"420107006\",\"role\":\"community_staff\"}],\"tags\":[\"a\",\"abcd\"],\"age\":0,"
	   "\"floor\":-5,\"count\":-9007199254740993,\"active\":false,\"due\":\"2026-11-29T08:00:00+08:00\","
	   "\"colour\":\"green\",\"area\":\"420107\",\"address\":{\"city\":\"武汉\",\"street\":null}}");
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":[],\"tags\":[],\"due\":null,\"age\":150,"
	   "\"floor\":99,\"address\":{\"city\":\"x\"}}");
}

static void unknown_fields_are_rejected(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"is_admin\":true}", "is_admin: is not a known field");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"Username\":\"zs\"}", "Username: is not a known field");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"address\":{\"city\":\"x\",\"zip\":\"430080\"}}",
	    "address.zip: is not a known field");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\","
	    "\"roles\":[{\"role\":\"grid_worker\",\"area_code\":\"420107\",\"expires\":1}]}",
	    "roles[0].expires: is not a known field");
}

static void required_fields_must_be_present(void **state)
{
	bad("{}", "username: is required\ndisplay_name: is required");
	fresh();
	bad("{\"username\":\"zs\"}", "display_name: is required");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"address\":{}}", "address.city: is required");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":[{\"role\":\"grid_worker\"}]}",
	    "roles[0].area_code: is required");
	fresh();
	/* A required text field without a minimum still may not be blank. */
	bad("{\"username\":\"zs\",\"display_name\":\"\"}", "display_name: must not be empty");
}

static void string_lengths_count_characters(void **state)
{
	/* Two Chinese characters are six bytes but two characters: within 2..64. */
	ok("{\"username\":\"张三\",\"display_name\":\"x\"}");
	fresh();
	bad("{\"username\":\"张\",\"display_name\":\"x\"}", "username: must have at least 2 characters");
	fresh();
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"nickname\":\"青山区红钢城街道\"}"); /* 8 characters, 24 bytes */
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"nickname\":\"青山区红钢城街道办\"}",
	    "nickname: must have at most 8 characters");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"nickname\":\"abcdefghi\"}",
	    "nickname: must have at most 8 characters");
	fresh();
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"nickname\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"tags\":[\"abcde\"]}",
	    "tags[0]: must have at most 4 characters");
}

static void control_characters_are_rejected(void **state)
{
	bad("{\"username\":\"z\\u0007s\",\"display_name\":\"x\"}",
	    "username: must be valid text without control characters");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\\u001b[2J\"}",
	    "display_name: must be valid text without control characters");
	fresh();
	ok("{\"username\":\"zs\",\"display_name\":\"line one\\nline two\\tend\"}");
}

static void secrets_are_never_echoed(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"password\":\"Hunter2-is-far-too-long\"}",
	    "password: must have at most 16 characters");
	assert_null(strstr(errors(), "Hunter2"));
}

static void enums_accept_only_their_values(void **state)
{
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"colour\":\"blue\"}");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"colour\":\"Blue\"}",
	    "colour: is not one of the allowed values");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"colour\":\"\"}", "colour: is not one of the allowed values");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"colour\":1}", "colour: must be a string");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":[{\"role\":\"root\",\"area_code\":\"420107\"}]}",
	    "roles[0].role: is not one of the allowed values");
}

static void null_only_where_nullable(void **state)
{
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"nickname\":null,\"due\":null}");
	fresh();
	bad("{\"username\":null,\"display_name\":\"x\"}", "username: must not be null");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":null}", "age: must not be null");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":null}", "roles: must not be null");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":[null]}", "roles[0]: must not be null");
}

static void nested_errors_name_their_path(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":["
	    "{\"role\":\"grid_worker\",\"area_code\":\"420107\"},"
	    "{\"role\":\"teacher\",\"area_code\":\"4201\"},"
	    "{\"role\":\"boss\",\"area_code\":\"420107\"}]}",
	    "roles[1].area_code: must be an area code (6 to 24 digits)\nroles[2].role: is not one of the allowed values");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"address\":{\"city\":\"\",\"street\":5}}",
	    "address.city: must have at least 1 characters\naddress.street: must be a string");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"address\":[]}", "address: must be an object");
}

/* An item of the wrong type is named by its index alone. */
static void array_items_of_the_wrong_type(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":[5]}", "roles[0]: must be an object");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"tags\":[\"ok\",7]}", "tags[1]: must be a string");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"tags\":\"ok\"}", "tags: must be an array");
}

static void array_lengths_are_bounded(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"roles\":["
	    "{\"role\":\"grid_worker\",\"area_code\":\"420107\"},{\"role\":\"grid_worker\",\"area_code\":\"420107\"},"
	    "{\"role\":\"grid_worker\",\"area_code\":\"420107\"},{\"role\":\"grid_worker\",\"area_code\":\"420107\"}]}",
	    "roles: must have 0 to 3 items");
}

static void integers_are_typed_and_ranged(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":-1}", "age: must be from 0 to 150");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":151}", "age: must be from 0 to 150");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"floor\":-6}", "floor: must be from -5 to 99");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":\"5\"}", "age: must be an integer");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":5.0}", "age: must be an integer");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":true}", "age: must be an integer");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"age\":9223372036854775807}", "age: must be from 0 to 150");
	fresh();
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"count\":9223372036854775807}");
	fresh();
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"count\":-9223372036854775808}");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"active\":1}", "active: must be true or false");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"active\":\"true\"}", "active: must be true or false");
}

static void dates_and_areas_are_checked(void **state)
{
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"due\":\"2026-02-30T00:00:00Z\"}",
	    "due: must be a date-time like 2026-11-29T08:00:00Z");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"due\":1795935662}", "due: must be a string");
	fresh();
	ok("{\"username\":\"zs\",\"display_name\":\"x\",\"due\":\"2026-11-29\"}");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"area\":\"42010a\"}",
	    "area: must be an area code (6 to 24 digits)");
	fresh();
	bad("{\"username\":\"zs\",\"display_name\":\"x\",\"area\":\"\"}",
	    "area: must be an area code (6 to 24 digits)");
}

static void every_error_is_reported_at_once(void **state)
{
	assert_false(check("{\"username\":\"z\",\"age\":200,\"colour\":\"pink\",\"extra\":1}"));
	assert_non_null(req->errors);
	assert_int_equal(json_array_size(req->errors), 5);
}

/* A body that is not an object still yields one named error (a 422 with an empty
 * errors list tells the client nothing). */
static void a_body_that_is_not_an_object(void **state)
{
	json_t *v = json_loads("[1,2]", 0, NULL);
	assert_false(validate_body(req, &body, v));
	json_decref(v);
	assert_non_null(req->errors);
	assert_int_equal(json_array_size(req->errors), 1);
	json_t *e = json_array_get(req->errors, 0);
	assert_true(json_is_string(json_object_get(e, "field")));
	assert_string_equal(json_string_value(json_object_get(e, "detail")), "must be an object");
}

static void json_depth_counts_nesting(void **state)
{
	struct {
		const char *text;
		int depth;
	} cases[] = {
	    {"{}", 1},
	    {"[]", 1},
	    {"{\"a\":1}", 1},
	    {"[1,\"x\",null]", 1},
	    {"{\"a\":{}}", 2},
	    {"[[]]", 2},
	    {"{\"a\":[{\"b\":1}]}", 3},
	    {"{\"a\":1,\"b\":[[[]]],\"c\":{}}", 4},
	    {"[1,[2,[3,[4]]],5]", 4},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].text, 0, NULL);
		assert_non_null(v);
		if (json_depth(v) != cases[i].depth)
			fail_msg("depth of %s is %d, expected %d", cases[i].text, json_depth(v), cases[i].depth);
		json_decref(v);
	}
	json_t *s = json_string("x");
	assert_int_equal(json_depth(s), 0);
	json_decref(s);

	/* 1000 levels: counted without trouble (the parser allows up to 2048). */
	char deep[2001];
	memset(deep, '[', 1000);
	memset(deep + 1000, ']', 1000);
	deep[2000] = '\0';
	json_t *v = json_loads(deep, 0, NULL);
	assert_non_null(v);
	assert_int_equal(json_depth(v), 1000);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(a_full_valid_body_passes, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_fields_are_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(required_fields_must_be_present, setup, teardown),
	    cmocka_unit_test_setup_teardown(string_lengths_count_characters, setup, teardown),
	    cmocka_unit_test_setup_teardown(control_characters_are_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(secrets_are_never_echoed, setup, teardown),
	    cmocka_unit_test_setup_teardown(enums_accept_only_their_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(null_only_where_nullable, setup, teardown),
	    cmocka_unit_test_setup_teardown(nested_errors_name_their_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(array_items_of_the_wrong_type, setup, teardown),
	    cmocka_unit_test_setup_teardown(array_lengths_are_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(integers_are_typed_and_ranged, setup, teardown),
	    cmocka_unit_test_setup_teardown(dates_and_areas_are_checked, setup, teardown),
	    cmocka_unit_test_setup_teardown(every_error_is_reported_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_body_that_is_not_an_object, setup, teardown),
	    cmocka_unit_test_setup_teardown(json_depth_counts_nesting, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
