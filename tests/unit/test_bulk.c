#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/bulk.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Memory comes zeroed, of any size, empty included. */
static void alloc_is_zeroed(void **state)
{
	size_t sizes[] = {0, 1, 4096, (2u << 20) + 1, 5u << 20};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned char *p = bulk_alloc(sizes[k]);
		assert_non_null(p);
		assert_true(all_zero(p, sizes[k]));
		memset(p, 0xab, sizes[k]);
		bulk_free(p, sizes[k]);
	}
	bulk_free(NULL, 100);
}

/* Growing keeps the bytes and zeroes what is added, across huge-page boundaries;
 * shrinking keeps the bytes that remain. */
static void realloc_keeps_contents(void **state)
{
	size_t n = 3000;
	unsigned char *p = bulk_realloc(NULL, 0, n);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	for (size_t m = n * 4; m < (9u << 20); n = m, m *= 4) {
		p = bulk_realloc(p, n, m);
		for (size_t i = 0; i < 3000; i++)
			assert_int_equal(p[i], (unsigned char)(i * 7));
		assert_true(all_zero(p + n, m - n));
	}
	p = bulk_realloc(p, n, 100);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(p[i], (unsigned char)(i * 7));
	bulk_free(p, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(alloc_is_zeroed),
	    cmocka_unit_test(realloc_keeps_contents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
