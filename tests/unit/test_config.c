/* The declarative settings table and `--set NAME=VALUE`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/core/config.h"

/* config_set_arg(arg) with what it prints on stderr captured into msg. */
static bool set(const char *arg, char *msg, size_t n)
{
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	bool ok = config_set_arg(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t got = fread(msg, 1, n - 1, tmp);
	msg[got] = '\0';
	fclose(tmp);
	return ok;
}

/* A good value is taken silently. */
static void set_ok(const char *arg)
{
	char msg[256];
	if (!set(arg, msg, sizeof(msg)))
		fail_msg("refused %s: %s", arg, msg);
	if (msg[0] != '\0')
		fail_msg("%s printed \"%s\"", arg, msg);
}

/* A bad one is refused with a message containing want. */
static void set_bad(const char *arg, const char *want)
{
	char msg[256];
	if (set(arg, msg, sizeof(msg)))
		fail_msg("accepted \"%s\"", arg);
	if (strstr(msg, want) == NULL)
		fail_msg("refused \"%s\" with \"%s\", expected \"%s\"", arg, msg, want);
}

static void table_is_sane(void **state)
{
	for (int i = 0; i < CFG_COUNT; i++) {
		const struct config_entry *e = &config_table[i];
		assert_non_null(e->name);
		assert_non_null(e->help);
		assert_true(e->help[0] != '\0');
		if (!(e->min <= e->def && e->def <= e->max))
			fail_msg("%s: default %lld outside %lld..%lld", e->name, (long long)e->def, (long long)e->min,
			    (long long)e->max);
		for (const char *c = e->name; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (int k = 0; k < i; k++)
			assert_string_not_equal(config_table[k].name, e->name);
	}
}

/* The defaults the issue promises. */
static void defaults_match_the_specification(void **state)
{
	assert_int_equal(config_get(CFG_PAGE_DEFAULT), 50);
	assert_int_equal(config_get(CFG_PAGE_MAX), 200);
	assert_true(config_get(CFG_CONNECTIONS_PER_IP) >= 64);
	assert_int_equal(config_get(CFG_SESSION_IDLE), 30 * 60);
	assert_int_equal(config_get(CFG_SESSION_MAX), 12 * 3600);
	assert_int_equal(config_get(CFG_LOGIN_FAILURES), 5);
	assert_int_equal(config_get(CFG_LOCKOUT), 15 * 60);
	assert_int_equal(config_get(CFG_PASSWORD_MAX_AGE), 90);
	assert_int_equal(config_get(CFG_SQLITE_SYNCHRONOUS), 2);
	for (int i = 0; i < CFG_COUNT; i++)
		assert_false(config_changed((enum config_id)i));
}

static void good_value_changes_the_setting(void **state)
{
	set_ok("page_max=500");
	assert_int_equal(config_get(CFG_PAGE_MAX), 500);
	assert_true(config_changed(CFG_PAGE_MAX));
	/* Only that one. */
	assert_int_equal(config_get(CFG_PAGE_DEFAULT), 50);
	assert_false(config_changed(CFG_PAGE_DEFAULT));
	/* Both ends of the range are allowed. */
	set_ok("body_max=1024");
	assert_int_equal(config_get(CFG_BODY_MAX), 1024);
	set_ok("body_max=67108864");
	assert_int_equal(config_get(CFG_BODY_MAX), 64 << 20);
	/* Setting the default value still counts as a change. */
	set_ok("lockout=900");
	assert_true(config_changed(CFG_LOCKOUT));
	assert_int_equal(config_get(CFG_LOCKOUT), 900);
	set_ok("password_max_age=0");
	assert_int_equal(config_get(CFG_PASSWORD_MAX_AGE), 0);
}

static void bad_values_are_refused_and_change_nothing(void **state)
{
	set_ok("json_depth_max=10");
	const char *bad[] = {
	    "json_depth_max=1",
	    "json_depth_max=65",
	    "json_depth_max=-3",
	    "json_depth_max=",
	    "json_depth_max=abc",
	    "json_depth_max=5x",
	    "json_depth_max= 5",
	    "json_depth_max=+5",
	    "json_depth_max=0x10",
	    "json_depth_max=5.0",
	    "json_depth_max=99999999999999999999",
	    NULL,
	};
	for (const char **s = bad; *s != NULL; s++) {
		set_bad(*s, "json_depth_max must be an integer from 2 to 64");
		assert_int_equal(config_get(CFG_JSON_DEPTH_MAX), 10);
	}
	set_bad("json_depth_max", "NAME=VALUE");
	set_bad("json_depth_max:5", "NAME=VALUE");
	assert_int_equal(config_get(CFG_JSON_DEPTH_MAX), 10);
}

static void unknown_names_are_refused(void **state)
{
	const char *bad[] = {"nope=1", "=5", "page=5", "page_max_x=5", "PAGE_MAX=5", " page_max=5", "page_ma=5", NULL};
	int64_t before[CFG_COUNT];
	for (int i = 0; i < CFG_COUNT; i++)
		before[i] = config_get((enum config_id)i);
	for (const char **s = bad; *s != NULL; s++)
		set_bad(*s, "unknown setting");
	set_bad("", "NAME=VALUE");
	for (int i = 0; i < CFG_COUNT; i++)
		assert_int_equal(config_get((enum config_id)i), before[i]);
}

static void help_lists_every_setting(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_help(f);
	fclose(f);
	for (int i = 0; i < CFG_COUNT; i++) {
		char line[128];
		snprintf(line, sizeof(line), "  %s ", config_table[i].name);
		if (strstr(text, line) == NULL)
			fail_msg("help does not list %s", config_table[i].name);
	}
	free(text);
}

int main(void)
{
	/* Order matters: the defaults are checked before anything is set. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_is_sane),
	    cmocka_unit_test(defaults_match_the_specification),
	    cmocka_unit_test(good_value_changes_the_setting),
	    cmocka_unit_test(bad_values_are_refused_and_change_nothing),
	    cmocka_unit_test(unknown_names_are_refused),
	    cmocka_unit_test(help_lists_every_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
