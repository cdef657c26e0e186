#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/strmap.h"

/* Many keys (past several growths): each found again with its values; absent keys are not. */
static void keys_are_found_after_growth(void **state)
{
	struct arena *a = arena_new();
	struct strmap m = {0};
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		struct strmap_slot *s = strmap_get(&m, key);
		assert_null(s->key);
		strmap_set(a, &m, s, key, i, i % 2 ? "odd" : NULL);
	}
	assert_int_equal(m.n, 5000);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		struct strmap_slot *s = strmap_get(&m, key);
		assert_non_null(s->key);
		assert_int_equal(s->num, i);
		if (i % 2)
			assert_string_equal(s->text, "odd");
		else
			assert_null(s->text);
	}
	assert_null(strmap_get(&m, "k5000")->key);
	strmap_clear(&m);
	assert_int_equal(m.n, 0);
	assert_null(strmap_get(&m, "k1")->key);
	strmap_free(&m);
	arena_free(a);
}

/* Joined keys keep their parts apart: ("ab", "c") is not ("a", "bc"). */
static void joined_keys_are_distinct(void **state)
{
	struct arena *a = arena_new();
	assert_string_not_equal(strmap_key3(a, "ab", "c", ""), strmap_key3(a, "a", "bc", ""));
	assert_string_equal(strmap_key3(a, "420107", "1", "101"), "420107\x1f"
	                                                          "1\x1f"
	                                                          "101");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keys_are_found_after_growth),
	    cmocka_unit_test(joined_keys_are_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
