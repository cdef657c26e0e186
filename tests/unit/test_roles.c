/* Roles, permissions and row-level scope over area subtrees (src/auth/roles.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/auth/auth.h"

#define NGRANTS(g) ((int)(sizeof(g) / sizeof((g)[0])))

static struct user user_with(struct role_grant *g, int n)
{
	struct user u = {.id = 1, .username = "tester", .display_name = "Tester", .roles = g, .nroles = n};
	return u;
}

static void role_table_is_consistent(void **state)
{
	int n = 0;
	for (const struct role_def *r = role_table; r->id != NULL; r++, n++) {
		assert_non_null(role_ids[n]);
		assert_string_equal(role_ids[n], r->id);
		assert_ptr_equal(role_find(r->id), r);
		assert_true(r->name_zh[0] != '\0' && r->name_en[0] != '\0');
		assert_non_null(r->perms);
	}
	assert_null(role_ids[n]);
	assert_int_equal(n, 16);
	assert_non_null(role_find("community_staff"));
	assert_string_equal(role_find("grid_worker")->name_zh, "网格员");
	assert_null(role_find("root"));
	assert_null(role_find(""));
	assert_null(role_find("Sysadmin"));
	assert_null(role_find("sysadmin "));
}

static void permissions_are_known_exactly(void **state)
{
	assert_true(perm_known("me"));
	assert_true(perm_known("areas.read"));
	assert_true(perm_known("users.manage"));
	assert_true(perm_known("audit.read"));
	assert_true(perm_known("apikeys.manage"));
	assert_false(perm_known("areas"));
	assert_false(perm_known("areas.rea"));
	assert_false(perm_known("areas.read "));
	assert_false(perm_known(""));
	assert_false(perm_known("root"));
}

static bool role_has(const char *role, const char *perm)
{
	struct role_grant g = {1, role, "420107", "青山区"};
	struct user u = user_with(&g, 1);
	return user_can(&u, perm);
}

/* MLPS three-way separation: none of the three administrators holds another's rights. */
static void administration_is_separated(void **state)
{
	assert_true(role_has("sysadmin", "apikeys.manage"));
	assert_false(role_has("sysadmin", "users.manage"));
	assert_false(role_has("sysadmin", "audit.read"));
	assert_true(role_has("secadmin", "users.manage"));
	assert_false(role_has("secadmin", "apikeys.manage"));
	assert_false(role_has("secadmin", "audit.read"));
	assert_true(role_has("auditor", "audit.read"));
	assert_false(role_has("auditor", "users.manage"));
	assert_false(role_has("auditor", "apikeys.manage"));
	for (const struct role_def *r = role_table; r->id != NULL; r++) {
		if (role_is_admin(r->id))
			continue;
		assert_false(role_has(r->id, "users.manage"));
		assert_false(role_has(r->id, "audit.read"));
		assert_false(role_has(r->id, "apikeys.manage"));
	}
	assert_true(role_is_admin("sysadmin") && role_is_admin("secadmin") && role_is_admin("auditor"));
	assert_false(role_is_admin("district_admin"));
	assert_false(role_is_admin("resident"));
	/* A role that is not in the table grants nothing. */
	assert_false(role_has("superuser", "me"));
}

static void user_can_follows_the_roles(void **state)
{
	struct user none = user_with(NULL, 0);
	assert_false(user_can(&none, "me"));
	assert_false(user_can(&none, "areas.read"));

	struct role_grant g[] = {{1, "resident", "420107005008", "x"}, {2, "community_staff", "420107005", "y"}};
	struct user u = user_with(g, NGRANTS(g));
	assert_true(user_can(&u, "me"));
	assert_true(user_can(&u, "areas.read"));
	assert_false(user_can(&u, "users.manage"));
	struct user resident = user_with(g, 1);
	assert_true(user_can(&resident, "me"));
	assert_false(user_can(&resident, "areas.read"));
}

static void user_covers_only_its_subtrees(void **state)
{
	struct role_grant g[] = {
	    {1, "community_staff", "420107005", "红卫路"},
	    {2, "grid_worker", "420107006001", "网格一"},
	    {3, "auditor", "420107", "青山区"},
	};
	struct user u = user_with(g, NGRANTS(g));
	assert_true(user_covers(&u, "areas.read", "420107005"));
	assert_true(user_covers(&u, "areas.read", "420107005008"));
	assert_true(user_covers(&u, "areas.read", "420107005008001002"));
	assert_false(user_covers(&u, "areas.read", "420107006")); /* the grid's parent */
	assert_true(user_covers(&u, "areas.read", "420107006001"));
	assert_true(user_covers(&u, "areas.read", "420107006001003"));
	assert_false(user_covers(&u, "areas.read", "420107006002")); /* a sibling grid */
	assert_false(user_covers(&u, "areas.read", "420107")); /* the district */
	assert_false(user_covers(&u, "areas.read", "42010700"));
	assert_false(user_covers(&u, "areas.read", "420107004999"));
	assert_false(user_covers(&u, "areas.read", "420108005"));
	/* The auditor's district-wide grant does not carry areas.read. */
	assert_false(user_covers(&u, "areas.read", "420107001"));
	assert_true(user_covers(&u, "audit.read", "420107001"));
	assert_false(user_covers(&u, "users.manage", "420107005"));
}

static void api_tokens_use_their_scopes(void **state)
{
	/* Roles are ignored for a token: only its scopes count, over the whole tree. */
	struct role_grant g[] = {{1, "secadmin", "420107", "青山区"}};
	struct user t = user_with(g, 1);
	t.token_id = 3;
	t.token_scopes = "areas.read open311";
	assert_true(user_can(&t, "areas.read"));
	assert_true(user_can(&t, "open311"));
	assert_false(user_can(&t, "users.manage"));
	assert_false(user_can(&t, "areas"));
	assert_false(user_can(&t, "read"));
	assert_false(user_can(&t, "open"));
	assert_false(user_can(&t, "areas.read open311"));
	assert_true(user_covers(&t, "areas.read", "110101"));
	assert_false(user_covers(&t, "users.manage", "420107"));
	t.token_scopes = "";
	assert_false(user_can(&t, "areas.read"));
	assert_false(user_can(&t, ""));
	t.token_scopes = NULL;
	assert_false(user_can(&t, "areas.read"));
}

static void assert_codes(const char **codes, int n, const char *const *want, int nwant)
{
	if (n != nwant) {
		for (int i = 0; i < n; i++)
			print_message("# scope[%d] = %s\n", i, codes[i]);
		fail_msg("scope has %d codes, expected %d", n, nwant);
	}
	for (int i = 0; i < n; i++)
		assert_string_equal(codes[i], want[i]);
}

static void scope_drops_nested_and_duplicate_areas(void **state)
{
	struct arena *a = arena_new();
	int n = -1;
	struct role_grant g[] = {
	    {1, "grid_worker", "420107005008", "网格"}, /* inside the next one */
	    {2, "community_staff", "420107005", "社区"}, {3, "cadre", "420107005", "社区"}, /* the same area again */
	    {4, "street_admin", "420107006", "街道"}, {5, "auditor", "420107", "区"}, /* lacks the permission */
	    {6, "mediator", "4201070061", "x"}, /* inside 420107006 */
	};
	struct user u = user_with(g, NGRANTS(g));
	const char **codes = user_scope(a, &u, "areas.read", &n);
	const char *const want[] = {"420107005", "420107006"};
	assert_codes(codes, n, want, 2);

	codes = user_scope(a, &u, "audit.read", &n);
	const char *const want_audit[] = {"420107"};
	assert_codes(codes, n, want_audit, 1);

	codes = user_scope(a, &u, "users.manage", &n);
	assert_int_equal(n, 0);

	struct user none = user_with(NULL, 0);
	user_scope(a, &none, "areas.read", &n);
	assert_int_equal(n, 0);

	struct user tok = user_with(NULL, 0);
	tok.token_id = 9;
	tok.token_scopes = "areas.read";
	codes = user_scope(a, &tok, "areas.read", &n);
	assert_int_equal(n, 1);
	assert_string_equal(codes[0], "");
	user_scope(a, &tok, "users.manage", &n);
	assert_int_equal(n, 0);
	arena_free(a);
}

static void scope_sql_has_two_placeholders_per_code(void **state)
{
	struct arena *a = arena_new();
	const char *codes[] = {"420107005", "420107006"};
	assert_string_equal(scope_sql(a, "area_code", codes, 0), "0=1");
	assert_string_equal(scope_sql(a, "area_code", codes, 1), "((area_code >= ? AND area_code < ?))");
	assert_string_equal(
	    scope_sql(a, "o.area", codes, 2), "((o.area >= ? AND o.area < ?) OR (o.area >= ? AND o.area < ?))");
	arena_free(a);
}

static struct db *memory_db(void)
{
	char err[256];
	struct db *db = db_open(":memory:", true, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

static void scope_bind_uses_the_next_code_as_upper_bound(void **state)
{
	struct arena *a = arena_new();
	struct db *db = memory_db();
	const char *codes[] = {"420107005", "420107009", "4201079", "", "420107019"};
	struct db_stmt *st = db_prepare(db, "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?");
	assert_non_null(st);
	assert_int_equal(scope_bind(st, 1, a, codes, 5), 11);
	assert_int_equal(db_step(st), DB_ROW);
	const char *want[] = {"420107005", "420107006", "420107009", "42010700:", "4201079", "420107:", "", ":",
	    "420107019", "42010701:"};
	for (int i = 0; i < 10; i++)
		assert_string_equal(db_text(st, i), want[i]);
	db_reset(st);
	/* The codes themselves are not modified. */
	assert_string_equal(codes[1], "420107009");
	db_close(db);
	arena_free(a);
}

/* The condition and its bindings select exactly the subtrees, through real SQL. */
static void scope_selects_exactly_the_subtrees(void **state)
{
	struct arena *a = arena_new();
	struct db *db = memory_db();
	assert_int_equal(db_exec(db, "CREATE TABLE t (code TEXT);"
	                             "INSERT INTO t VALUES ('420107'), ('42010700'), ('420107004'), ('420107004999'),"
	                             " ('420107005'), ('420107005008'), ('4201070059'), ('420107006'), ('420107009'),"
	                             " ('420107009001'), ('42010701'), ('420107010'), ('420108009');"),
	    DB_OK);
	struct role_grant g[] = {{1, "community_staff", "420107005", "x"}, {2, "grid_worker", "420107009", "y"}};
	struct user u = user_with(g, NGRANTS(g));
	int n;
	const char **codes = user_scope(a, &u, "areas.read", &n);
	const char *where = scope_sql(a, "code", codes, n);
	struct db_stmt *st = db_prepare(db, arena_printf(a,
	                                        "SELECT group_concat(code, ' ') FROM (SELECT code FROM t"
	                                        " WHERE %s ORDER BY code)",
	                                        where));
	assert_non_null(st);
	assert_int_equal(scope_bind(st, 1, a, codes, n), 2 * n + 1);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_text(st, 0), "420107005 420107005008 4201070059 420107009 420107009001");
	db_reset(st);

	/* No grant: nothing. */
	struct user none = user_with(NULL, 0);
	codes = user_scope(a, &none, "areas.read", &n);
	st = db_prepare(db, arena_printf(a, "SELECT count(*) FROM t WHERE %s", scope_sql(a, "code", codes, n)));
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_int(st, 0), 0);
	db_reset(st);
	db_close(db);
	arena_free(a);
}

static void permissions_and_roles_as_json(void **state)
{
	struct role_grant g[] = {{7, "community_staff", "420107005", "红卫路"}, {8, "sysadmin", "420107", "青山区"},
	    {9, "grid_worker", "420107005008", "网格"}};
	struct user u = user_with(g, NGRANTS(g));
	json_t *perms = user_permissions_json(&u);
	/* Exactly the permissions the user holds, each once. */
	size_t n = json_array_size(perms);
	for (size_t i = 0; i < n; i++) {
		const char *p = json_string_value(json_array_get(perms, i));
		assert_non_null(p);
		assert_true(user_can(&u, p));
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(json_string_value(json_array_get(perms, k)), p);
	}
	for (const struct role_def *rd = role_table; rd->id != NULL; rd++) {
		for (const char *const *p = rd->perms; *p != NULL; p++) {
			bool listed = false;
			for (size_t i = 0; i < n && !listed; i++)
				listed = strcmp(json_string_value(json_array_get(perms, i)), *p) == 0;
			if (listed != user_can(&u, *p))
				fail_msg("%s is %slisted", *p, listed ? "" : "not ");
		}
	}
	assert_true(user_can(&u, "apikeys.manage") && user_can(&u, "areas.read") && !user_can(&u, "users.manage"));
	json_decref(perms);

	struct user none = user_with(NULL, 0);
	perms = user_permissions_json(&none);
	assert_int_equal(json_array_size(perms), 0);
	json_decref(perms);

	json_t *roles = user_roles_json(&u);
	assert_int_equal(json_array_size(roles), 3);
	json_t *first = json_array_get(roles, 0);
	assert_int_equal(json_integer_value(json_object_get(first, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(first, "role")), "community_staff");
	assert_string_equal(json_string_value(json_object_get(first, "area_code")), "420107005");
	assert_string_equal(json_string_value(json_object_get(first, "area_name")), "红卫路");
	json_decref(roles);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(role_table_is_consistent),
	    cmocka_unit_test(permissions_are_known_exactly),
	    cmocka_unit_test(administration_is_separated),
	    cmocka_unit_test(user_can_follows_the_roles),
	    cmocka_unit_test(user_covers_only_its_subtrees),
	    cmocka_unit_test(api_tokens_use_their_scopes),
	    cmocka_unit_test(scope_drops_nested_and_duplicate_areas),
	    cmocka_unit_test(scope_sql_has_two_placeholders_per_code),
	    cmocka_unit_test(scope_bind_uses_the_next_code_as_upper_bound),
	    cmocka_unit_test(scope_selects_exactly_the_subtrees),
	    cmocka_unit_test(permissions_and_roles_as_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
