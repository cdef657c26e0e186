/* Walking order: estate and building, entrance, floor, room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/visits/route.h"

static void floors_from_room_numbers(void **state)
{
	(void)state;
	assert_int_equal(route_floor("1201"), 12);
	assert_int_equal(route_floor("301"), 3);
	assert_int_equal(route_floor("12-01"), 12);
	assert_int_equal(route_floor("3-2-501"), 5);
	assert_int_equal(route_floor("B12"), 0);
	assert_int_equal(route_floor("5"), 0);
	assert_int_equal(route_floor(""), 0);
	assert_int_equal(route_floor(NULL), 0);
	assert_int_equal(route_floor("东1单元602室"), 6);
}

static void numbers_compare_as_numbers(void **state)
{
	(void)state;
	assert_true(route_natural_cmp("2", "10") < 0);
	assert_true(route_natural_cmp("301", "1201") < 0);
	assert_true(route_natural_cmp("A2", "A10") < 0);
	assert_true(route_natural_cmp("A10", "B1") < 0);
	assert_true(route_natural_cmp("1", "1") == 0);
	assert_true(route_natural_cmp("", "1") < 0);
	assert_true(route_natural_cmp("01", "1") != 0); /* still a total order */
}

static void a_walk_climbs_each_stairwell_once(void **state)
{
	(void)state;
	/* Estate 001 (buildings 001001, 001002) and estate 002; entrances and floors out of order. */
	struct route_stop s[] = {
	    {"420107005008001002001", "1", "201", 1}, {"420107005008001001002", "2", "1202", 2},
	    {"420107005008001001001", "10", "101", 3}, {"420107005008001001001", "2", "602", 4},
	    {"420107005008001001001", "2", "101", 5}, {"420107005008001001001", "2", "102", 6},
	    {"420107005008001001002", "1", "301", 7}, {"420107005008001001001", "2", "1101", 8},
	    {"420107005008001", "", "", 9}, /* a household recorded at the grid itself */
	};
	size_t n = sizeof(s) / sizeof(s[0]);
	route_sort(s, n);
	int64_t want[] = {9, 5, 6, 4, 8, 3, 7, 2, 1};
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s[i].id, want[i]);
}

static void equal_addresses_keep_a_stable_order(void **state)
{
	(void)state;
	struct route_stop a = {"1", "1", "101", 2}, b = {"1", "1", "101", 1};
	assert_true(route_compare(&a, &b) > 0);
	assert_true(route_compare(&b, &a) < 0);
	assert_true(route_compare(&a, &a) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(floors_from_room_numbers),
	    cmocka_unit_test(numbers_compare_as_numbers),
	    cmocka_unit_test(a_walk_climbs_each_stairwell_once),
	    cmocka_unit_test(equal_addresses_keep_a_stable_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
