/* db_insert_rows on a real SQLite file: every value type, the order of the rows,
 * skipping conflicts, and a constraint failure that leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/store/db.h"

static char path[256];

static int setup(void **state)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/test-db-rows-%d.db", dir && *dir ? dir : P_tmpdir, (int)getpid());
	char err[256];
	struct db *db = db_open(path, true, err, sizeof(err));
	if (db == NULL)
		return -1;
	if (db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB, extra TEXT)") != DB_OK)
		return -1;
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

struct rows {
	const char *const *names;
	int i, n;
	char buf[16];
};

/* Row k: (10 + k, names[k], k bytes of k, NULL except "odd" for odd k); the text is
 * written into a buffer reused for every row, as a loader would. */
static bool next_row(void *ctx, struct db_value *v)
{
	struct rows *r = ctx;
	if (r->i == r->n)
		return false;
	int k = r->i++;
	snprintf(r->buf, sizeof(r->buf), "%s", r->names[k]);
	static const unsigned char bytes[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	v[0] = (struct db_value){.type = DBV_INT, .i = 10 + k};
	v[1] = (struct db_value){.type = DBV_TEXT, .p = r->buf};
	v[2] = (struct db_value){.type = DBV_BLOB, .p = bytes, .n = (size_t)k};
	if (k % 2)
		v[3] = (struct db_value){.type = DBV_TEXT, .p = "odd"};
	return true;
}

static int64_t count(struct db *db)
{
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM t", NULL);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t n = db_int(st, 0);
	db_reset(st);
	return n;
}

static void rows_arrive_whole_and_in_order(void **state)
{
	struct db *db = *state;
	static const char *const names[] = {"甲", "乙", "丙", "丁"};
	struct rows r = {names, 0, 4, ""};
	assert_int_equal(db_insert_rows(db, "t", "id, name, data, extra", 4, false, next_row, &r), DB_OK);
	assert_int_equal(count(db), 4);
	struct db_stmt *st = db_stmt(db, "SELECT id, name, data, extra FROM t ORDER BY id", NULL);
	for (int k = 0; k < 4; k++) {
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_int(st, 0), 10 + k);
		assert_string_equal(db_text(st, 1), names[k]);
		size_t n;
		const unsigned char *p = db_blob(st, 2, &n);
		assert_int_equal(n, (size_t)k);
		for (int i = 0; i < k; i++)
			assert_int_equal(p[i], i);
		assert_int_equal(db_null(st, 3), k % 2 == 0);
	}
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

static void conflicts_are_skipped_or_fail_whole(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_exec(db, "DELETE FROM t"), DB_OK);
	static const char *const first[] = {"a", "b"}, *const again[] = {"x", "b", "c"};
	struct rows r = {first, 0, 2, ""};
	assert_int_equal(db_insert_rows(db, "t", "id, name, data, extra", 4, false, next_row, &r), DB_OK);
	/* ids 10..12 again: id 10 and 11 conflict; skipped, only id 12 ("c") goes in. */
	r = (struct rows){again, 0, 3, ""};
	assert_int_equal(db_insert_rows(db, "t", "id, name, data, extra", 4, true, next_row, &r), DB_OK);
	assert_int_equal(count(db), 3);
	/* Not skipped: the statement fails and none of its rows stay. */
	static const char *const clash[] = {"p", "q", "a"};
	r = (struct rows){clash, 0, 3, ""};
	assert_int_equal(db_exec(db, "UPDATE t SET id = id + 100"), DB_OK);
	assert_int_equal(db_insert_rows(db, "t", "id, name, data, extra", 4, false, next_row, &r), DB_CONSTRAINT);
	assert_int_equal(count(db), 3);
}

static void no_rows_is_fine(void **state)
{
	struct db *db = *state;
	struct rows r = {NULL, 0, 0, ""};
	int64_t before = count(db);
	assert_int_equal(db_insert_rows(db, "t", "id, name, data, extra", 4, false, next_row, &r), DB_OK);
	assert_int_equal(count(db), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rows_arrive_whole_and_in_order),
	    cmocka_unit_test(conflicts_are_skipped_or_fail_whole),
	    cmocka_unit_test(no_rows_is_fine),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
