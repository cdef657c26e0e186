/* The compact JSON writer (src/core/json_write.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/core/json_write.h"

static void written(json_t *v, const char *want)
{
	size_t n;
	char *s = json_write(v, &n);
	assert_string_equal(s, want);
	assert_int_equal(n, strlen(want));
	free(s);
	json_decref(v);
}

static void reals_are_the_shortest_that_read_back(void **state)
{
	(void)state;
	written(json_real(30.63), "30.63");
	written(json_real(0.3), "0.3");
	written(json_real(0.25), "0.25");
	written(json_real(1e-7), "1e-07");
	/* 0.1 + 0.2 is not 0.3: it needs all 17 digits to read back. */
	written(json_real(0.1 + 0.2), "0.30000000000000004");
	written(json_real(114.3725112), "114.3725112");
}

static void values_are_compact_and_escaped(void **state)
{
	(void)state;
	written(json_pack("{s[iiI]}", "a", 1, -2, (json_int_t)9007199254740993), "{\"a\":[1,-2,9007199254740993]}");
	written(json_string("引号\"与\\和\n"), "\"引号\\\"与\\\\和\\n\"");
	written(json_pack("{sn sb}", "x", "y", 0), "{\"x\":null,\"y\":false}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reals_are_the_shortest_that_read_back),
	    cmocka_unit_test(values_are_compact_and_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
