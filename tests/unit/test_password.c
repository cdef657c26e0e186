/* Password policy (10 characters, 3 of 4 classes, not common, not the username)
 * and argon2id hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/auth/auth.h"

static int setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	password_init();
	password_init(); /* a second call is harmless */
	return 0;
}

/* Fail unless the policy rejects pw with a reason containing want. */
static void rejects(const char *pw, const char *user, const char *want)
{
	const char *why = password_policy(pw, user);
	if (why == NULL)
		fail_msg("policy accepted \"%s\"", pw);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" rejected with \"%s\", expected \"%s\"", pw, why, want);
}

static void accepts(const char *pw, const char *user)
{
	const char *why = password_policy(pw, user);
	if (why != NULL)
		fail_msg("policy rejected \"%s\": %s", pw, why);
}

static void length_at_least_10(void **state)
{
	rejects("", NULL, "at least 10");
	rejects("Kq8vLm3xT", NULL, "at least 10");
	accepts("Kq8vLm3xTz", NULL);
	accepts("Kq8vLm3xTz-with-a-long-tail", NULL);
	char longest[129];
	memset(longest, 'a', 128);
	memcpy(longest, "Kq8", 3);
	longest[128] = '\0';
	accepts(longest, NULL);
	char too_long[130];
	memset(too_long, 'a', 129);
	memcpy(too_long, "Kq8", 3);
	too_long[129] = '\0';
	rejects(too_long, NULL, "at most 128");
}

/* The rule is about characters: 5 Chinese characters are 15 bytes but only 5 characters. */
static void length_counts_characters_not_bytes(void **state)
{
	rejects("青山区A1", NULL, "at least 10"); /* 5 characters, 11 bytes */
	rejects("红钢城街道Ab12", NULL, "at least 10"); /* 9 characters, 19 bytes */
	accepts("红钢城街道Ab12x", NULL); /* 10 characters */
}

static void three_of_four_classes(void **state)
{
	rejects("kqvlmxtzrwpd", NULL, "3 of 4"); /* lower only */
	rejects("KQVLMXTZRWPD", NULL, "3 of 4"); /* upper only */
	rejects("84759201637", NULL, "3 of 4"); /* digits only */
	rejects("kqvlmxtz8492", NULL, "3 of 4"); /* lower + digit */
	rejects("kqvlmXTZRWPD", NULL, "3 of 4"); /* lower + upper */
	rejects("kqvl-mxtz_rw", NULL, "3 of 4"); /* lower + symbol */
	accepts("kqvlmXTZ8492", NULL); /* lower + upper + digit */
	accepts("kqvlmxtz-849", NULL); /* lower + digit + symbol */
	accepts("KQVLMXTZ-849", NULL); /* upper + digit + symbol */
	accepts("kqvlm XTZRWP", NULL); /* a space is a symbol */
}

static void common_passwords_are_refused_in_any_case(void **state)
{
	rejects("Password123", NULL, "common");
	rejects("PASSword123", NULL, "common");
	rejects("Qwerty12345", NULL, "common");
	rejects("Admin12345", NULL, "common");
	/* From the Chinese-context additions. */
	rejects("Woaini1314", NULL, "common");
	rejects("Qq123456789", NULL, "common");
	/* Close is not the same. */
	accepts("Password123!x", NULL);
}

static void username_must_not_appear(void **state)
{
	rejects("Zhangsan#2026", "zhangsan", "username");
	rejects("my-ZHANGSAN-99", "zhangsan", "username");
	rejects("x1!wangwu_admin", "Wangwu", "username");
	accepts("Zhangsan#2026", "lisi");
	accepts("Zhangsan#2026", NULL);
	/* Names too short to matter are ignored. */
	accepts("liKq8vLm3xTz", "li");
}

static void hash_is_argon2id_with_enough_cost(void **state)
{
	char hash[crypto_pwhash_STRBYTES];
	assert_true(password_hash("Kq8vLm3xTz", hash, sizeof(hash)));
	assert_true(strncmp(hash, "$argon2id$", 10) == 0);
	unsigned long m = 0, t = 0, p = 0;
	const char *params = strstr(hash, "$m=");
	assert_non_null(params);
	assert_int_equal(sscanf(params, "$m=%lu,t=%lu,p=%lu", &m, &t, &p), 3);
	assert_true(m >= 19u * 1024u); /* KiB: at least 19 MiB */
	assert_true(t >= 2);
	/* The password itself never appears. */
	assert_null(strstr(hash, "Kq8vLm3xTz"));
}

static void hash_verifies_only_the_right_password(void **state)
{
	char a[crypto_pwhash_STRBYTES], b[crypto_pwhash_STRBYTES];
	assert_true(password_hash("Kq8vLm3xTz", a, sizeof(a)));
	assert_true(password_hash("Kq8vLm3xTz", b, sizeof(b)));
	assert_string_not_equal(a, b); /* salted */
	assert_true(password_verify(a, "Kq8vLm3xTz"));
	assert_true(password_verify(b, "Kq8vLm3xTz"));
	assert_false(password_verify(a, "kq8vLm3xTz"));
	assert_false(password_verify(a, "Kq8vLm3xTz "));
	assert_false(password_verify(a, ""));
	assert_false(password_verify("not a hash", "Kq8vLm3xTz"));
	assert_false(password_verify("", ""));
	char utf[crypto_pwhash_STRBYTES];
	assert_true(password_hash("红钢城街道Ab12x", utf, sizeof(utf)));
	assert_true(password_verify(utf, "红钢城街道Ab12x"));
	assert_false(password_verify(utf, "红钢城街道Ab12y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(length_at_least_10),
	    cmocka_unit_test(length_counts_characters_not_bytes),
	    cmocka_unit_test(three_of_four_classes),
	    cmocka_unit_test(common_passwords_are_refused_in_any_case),
	    cmocka_unit_test(username_must_not_appear),
	    cmocka_unit_test(hash_is_argon2id_with_enough_cost),
	    cmocka_unit_test(hash_verifies_only_the_right_password),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
