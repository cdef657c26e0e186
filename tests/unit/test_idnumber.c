#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/registry/idnumber.h"

/* 2026-11-29T00:00:00Z */
#define TODAY 1795910400LL

static void check_characters_from_the_standard(void **state)
{
	assert_int_equal(id_check_char("11010519491231002"), 'X');
	assert_int_equal(id_check_char("44052418800101001"), '4');
	assert_null(id_validate("11010519491231002X", ID_RESIDENT, TODAY, NULL));
	assert_null(id_validate("440524188001010014", ID_RESIDENT, TODAY, NULL));
}

static void derives_birth_date_and_sex(void **state)
{
	struct id_info info;
	assert_null(id_validate("11010519491231002X", ID_RESIDENT, TODAY, &info));
	assert_int_equal(info.year, 1949);
	assert_int_equal(info.month, 12);
	assert_int_equal(info.day, 31);
	assert_false(info.male); /* sequence 002: even */
	assert_null(id_validate("440524188001010014", ID_RESIDENT, TODAY, &info));
	assert_true(info.male); /* 001: odd */
}

static void rejects_bad_numbers(void **state)
{
	assert_non_null(id_validate("11010519491231002", ID_RESIDENT, TODAY, NULL)); /* short */
	assert_non_null(id_validate("110105194912310021", ID_RESIDENT, TODAY, NULL)); /* wrong check */
	assert_non_null(id_validate("11010519491231002x", ID_RESIDENT, TODAY, NULL)); /* lower-case x */
	assert_non_null(id_validate("1101051949123100AX", ID_RESIDENT, TODAY, NULL)); /* letters */
	char buf[19];
	/* A real province code is required: 99 is none. */
	memcpy(buf, "99010519491231002", 17);
	buf[17] = id_check_char(buf);
	buf[18] = '\0';
	assert_string_equal(id_validate(buf, ID_RESIDENT, TODAY, NULL), "does not begin with a valid province code");
	/* 2023-02-29 is not a date. */
	memcpy(buf, "42010720230229001", 17);
	buf[17] = id_check_char(buf);
	assert_string_equal(id_validate(buf, ID_RESIDENT, TODAY, NULL), "does not contain a real birth date");
	/* 2024-02-29 is. */
	memcpy(buf, "42010720240229001", 17);
	buf[17] = id_check_char(buf);
	assert_null(id_validate(buf, ID_RESIDENT, TODAY, NULL));
	/* Born tomorrow. */
	memcpy(buf, "42010720261130001", 17);
	buf[17] = id_check_char(buf);
	assert_string_equal(id_validate(buf, ID_RESIDENT, TODAY, NULL), "contains a birth date in the future");
}

static void residence_permits_use_81_to_83(void **state)
{
	char buf[19];
	memcpy(buf, "81000019900101001", 17);
	buf[17] = id_check_char(buf);
	buf[18] = '\0';
	assert_null(id_validate(buf, ID_HKMOTW, TODAY, NULL));
	assert_non_null(id_validate(buf, ID_RESIDENT, TODAY, NULL));
	assert_non_null(id_validate("11010519491231002X", ID_HKMOTW, TODAY, NULL));
}

static void masks(void **state)
{
	char out[32];
	id_mask("42010719800101123X", out);
	assert_string_equal(out, "420107********123X");
	phone_mask("13812345678", out);
	assert_string_equal(out, "138****5678");
	phone_mask("027-86812345", out);
	assert_string_equal(out, "027-******45");
	id_mask("E1234", out);
	assert_string_equal(out, "*****");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(check_characters_from_the_standard),
	    cmocka_unit_test(derives_birth_date_and_sex),
	    cmocka_unit_test(rejects_bad_numbers),
	    cmocka_unit_test(residence_permits_use_81_to_83),
	    cmocka_unit_test(masks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
