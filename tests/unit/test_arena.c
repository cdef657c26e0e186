#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/arena.h"

static int cleaned;
static void count_cleanup(void *p) { cleaned += *(int *)p; }

static void allocations_are_zeroed_and_aligned(void **state)
{
	struct arena *a = arena_new();
	for (int i = 1; i < 2000; i += 37) {
		unsigned char *p = arena_alloc(a, (size_t)i);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (int k = 0; k < i; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xab, (size_t)i);
	}
	arena_free(a);
}

static void large_allocations_work(void **state)
{
	struct arena *a = arena_new();
	char *big = arena_alloc(a, 1 << 20);
	big[(1 << 20) - 1] = 'x';
	char *small = arena_alloc(a, 10);
	assert_non_null(small);
	assert_true(arena_used(a) >= (1 << 20) + 10);
	arena_free(a);
}

static void printf_and_strdup(void **state)
{
	struct arena *a = arena_new();
	assert_string_equal(arena_printf(a, "%s-%d", "user", 42), "user-42");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	arena_free(a);
}

static void cleanups_run_once_at_free(void **state)
{
	struct arena *a = arena_new();
	int one = 1, ten = 10;
	cleaned = 0;
	arena_cleanup(a, count_cleanup, &one);
	arena_cleanup(a, count_cleanup, &ten);
	assert_int_equal(cleaned, 0);
	arena_free(a);
	assert_int_equal(cleaned, 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allocations_are_zeroed_and_aligned),
	    cmocka_unit_test(large_allocations_work),
	    cmocka_unit_test(printf_and_strdup),
	    cmocka_unit_test(cleanups_run_once_at_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
