/* The holiday calendar. Only days that differ from the Monday–Friday rule are
 * stored: a weekday off (a statutory holiday) or a weekend day worked (an
 * adjusted working day, 调休). A weekend day inside a holiday period is off
 * anyway, so it is not stored, and an entry that agrees with the rule is refused
 * as pointless: then every row changes some time limit. */
#include "holidays.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../core/banned.h"

#define TTL_NS (5LL * 1000000000) /* how soon a change made by another process is seen */
#define YEAR_MIN 2000
#define YEAR_MAX 2099

/* --- the per-thread copy, after area_tree.c --- */

struct snapshot {
	struct special_day *days;
	size_t n;
	uint64_t gen;
	int64_t loaded_ns;
	bool loaded;
};

static _Atomic uint64_t generation = 1;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void snapshot_free(void *p)
{
	struct snapshot *s = p;
	free(s->days);
	free(s);
}

static void key_init(void) { pthread_key_create(&key, snapshot_free); }

static void holidays_changed(void) { generation++; }

/* The number written by n digits at s. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "2026-10-01" (as stored) as 20261001. */
static int date_int(const char *s) { return digits(s, 4) * 10000 + digits(s + 5, 2) * 100 + digits(s + 8, 2); }

static bool load(struct snapshot *s, struct db *db)
{
	uint64_t gen = generation; /* read first: a change during the load makes the next call reload */
	struct special_day *days = NULL;
	size_t n = 0, cap = 0;
	struct db_stmt *st = db_stmt(db, "SELECT date, working FROM holidays ORDER BY date", NULL);
	int rc = st != NULL ? db_step(st) : DB_ERROR;
	for (; rc == DB_ROW; rc = db_step(st)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			days = realloc(days, cap * sizeof(*days));
			if (days == NULL)
				fatal("out of memory");
		}
		days[n++] = (struct special_day){date_int(db_text(st, 0)), db_int(st, 1) != 0};
	}
	if (st)
		db_reset(st);
	if (rc != DB_DONE) {
		free(days);
		return false;
	}
	free(s->days);
	*s = (struct snapshot){days, n, gen, clock_mono_ns(), true};
	return true;
}

const struct calendar *holidays_calendar(struct db *db, struct arena *a)
{
	pthread_once(&once, key_init);
	struct snapshot *s = pthread_getspecific(key);
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			fatal("out of memory");
		pthread_setspecific(key, s);
	}
	if (!s->loaded || s->gen != generation || clock_mono_ns() - s->loaded_ns > TTL_NS)
		if (!load(s, db) && !s->loaded)
			return NULL;
	struct calendar *c = arena_alloc(a, sizeof(*c));
	struct special_day *days = arena_alloc(a, (s->n ? s->n : 1) * sizeof(*days));
	if (s->n)
		memcpy(days, s->days, s->n * sizeof(*days));
	*c = (struct calendar){days, s->n};
	return c;
}

/* --- the API --- */

/* A real date "YYYY-MM-DD" between YEAR_MIN and YEAR_MAX as YYYYMMDD, or 0. */
static int parse_date(const char *s)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	return y >= YEAR_MIN && y <= YEAR_MAX && date_valid(y, m, d) ? y * 10000 + m * 100 + d : 0;
}

static json_t *holiday_json(const char *date, bool working, const char *name)
{
	return json_pack("{ss sb ss}", "date", date, "working", working, "name", name);
}

static void list_holidays(struct req *r)
{
	int64_t year = req_query_int(r, "year", calendar_date(clock_now()) / 10000);
	struct arena *a = req_arena(r);
	struct db_stmt *st =
	    db_stmt(req_db(r), "SELECT date, working, name FROM holidays WHERE date >= ? AND date < ? ORDER BY date",
	        "tt", arena_printf(a, "%04lld", (long long)year), arena_printf(a, "%04lld", (long long)year + 1));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	json_t *items = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(items, holiday_json(db_text(st, 0), db_int(st, 1) != 0, db_text(st, 2)));
	db_reset(st);
	reply_json(r, 200, json_pack("{sI so}", "year", (json_int_t)year, "items", items));
}

/* The date in the path, or 0 after replying 422. */
static int path_date(struct req *r)
{
	int date = parse_date(req_param(r, 0));
	if (date == 0)
		reply_invalid(r, "date", "must be a real date like 2026-10-01, in 2000–2099");
	return date;
}

/* Commit a change with its audit entry and reply; the caller began the transaction. */
static void finish(struct req *r, int rc, const char *action, const char *reason, json_t *reply)
{
	struct db *db = req_db(r);
	if (rc == DB_OK)
		rc = audit_request_rc(r, action, arena_printf(req_arena(r), "holiday:%s", req_param(r, 0)), reason);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		json_decref(reply);
		reply_db_error(r, rc);
		return;
	}
	holidays_changed();
	if (reply != NULL)
		reply_json(r, 200, reply);
	else
		reply_empty(r, 204);
}

static void put_holiday(struct req *r)
{
	int date = path_date(r);
	if (date == 0)
		return;
	bool working = json_is_true(json_object_get(req_body(r), "working"));
	int wd = calendar_weekday(date);
	if (working == (wd != 0 && wd != 6)) {
		reply_invalid(r, "working", working ? "a weekday is worked anyway" : "a weekend day is off anyway");
		return;
	}
	const char *day = req_param(r, 0), *name = body_str(r, "name");
	struct db *db = req_db(r);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		         "INSERT INTO holidays (date, working, name) VALUES (?, ?, ?)"
		         " ON CONFLICT (date) DO UPDATE SET working = excluded.working, name = excluded.name",
		         "tit", day, (int64_t)working, name) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	finish(r, rc, "holiday.set", arena_printf(req_arena(r), "%s %s", working ? "working" : "off", name),
	    holiday_json(day, working, name));
}

static void delete_holiday(struct req *r)
{
	if (path_date(r) == 0)
		return;
	struct db *db = req_db(r);
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db, "DELETE FROM holidays WHERE date = ?", "t", req_param(r, 0)) == DB_DONE ? DB_OK
		                                                                                        : DB_ERROR;
	if (rc == DB_OK && db_changes(db) == 0) {
		db_rollback(db);
		reply_problem(r, P_NOT_FOUND, "no such day in the holiday calendar");
		return;
	}
	finish(r, rc, "holiday.delete", NULL, NULL);
}

static const struct field holiday_fields[] = {
    {"date", T_STRING, F_REQUIRED, .desc = "YYYY-MM-DD, Beijing time"},
    {"working", T_BOOL, F_REQUIRED, .desc = "true: a weekend day worked (调休); false: a weekday off (holiday)"},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field holiday_schema = {NULL, T_OBJECT, 0, .fields = holiday_fields};
static const struct field list_fields[] = {
    {"year", T_INT, F_REQUIRED},
    {"items", T_ARRAY, F_REQUIRED, .items = &holiday_schema, .desc = "the year's special days, by date"},
    {NULL},
};
static const struct field list_schema = {NULL, T_OBJECT, 0, .fields = list_fields};
static const struct field list_query[] = {
    {"year", T_INT, 0, YEAR_MIN, YEAR_MAX, .desc = "default: the current year"},
    {NULL},
};
static const struct field put_fields[] = {
    {"working", T_BOOL, F_REQUIRED, .desc = "true only on a Saturday or Sunday, false only on a weekday"},
    {"name", T_STRING, F_REQUIRED, 1, 40, .desc = "the holiday, e.g. 国庆节"},
    {NULL},
};
static const struct field put_body = {NULL, T_OBJECT, 0, .fields = put_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/holidays", "areas.read", 0, list_query, NULL, 200, &list_schema, list_holidays,
        "A year's holidays on weekdays and working days on weekends"},
    {M_PUT, "/api/v1/holidays/{date}", "orders.configure", 0, NULL, &put_body, 200, &holiday_schema, put_holiday,
        "Mark a weekday as a holiday or a weekend day as worked"},
    {M_DELETE, "/api/v1/holidays/{date}", "orders.configure", 0, NULL, NULL, 204, NULL, delete_holiday,
        "Let a day follow the Monday–Friday rule again"},
    {0},
};

/* The 2026 arrangement of the State Council General Office's notice
 * (国务院办公厅关于2026年部分节假日安排的通知, 4 November 2025), as Xinhua
 * published it; weekend days inside a holiday are off anyway and not stored.
 * Later years, and corrections, are entered by staff through the API. */
static const struct migration migrations[] = {
    {1, "CREATE TABLE holidays ("
        " date TEXT PRIMARY KEY," /* YYYY-MM-DD, Beijing time */
        " working INTEGER NOT NULL,"
        " name TEXT NOT NULL);"
        "INSERT INTO holidays (date, working, name) VALUES"
        " ('2026-01-01', 0, '元旦'), ('2026-01-02', 0, '元旦'), ('2026-01-04', 1, '元旦调休上班'),"
        " ('2026-02-14', 1, '春节调休上班'), ('2026-02-16', 0, '春节'), ('2026-02-17', 0, '春节'),"
        " ('2026-02-18', 0, '春节'), ('2026-02-19', 0, '春节'), ('2026-02-20', 0, '春节'),"
        " ('2026-02-23', 0, '春节'), ('2026-02-28', 1, '春节调休上班'),"
        " ('2026-04-06', 0, '清明节'),"
        " ('2026-05-01', 0, '劳动节'), ('2026-05-04', 0, '劳动节'), ('2026-05-05', 0, '劳动节'),"
        " ('2026-05-09', 1, '劳动节调休上班'),"
        " ('2026-06-19', 0, '端午节'),"
        " ('2026-09-25', 0, '中秋节'),"
        " ('2026-09-20', 1, '国庆节调休上班'), ('2026-10-01', 0, '国庆节'), ('2026-10-02', 0, '国庆节'),"
        " ('2026-10-05', 0, '国庆节'), ('2026-10-06', 0, '国庆节'), ('2026-10-07', 0, '国庆节'),"
        " ('2026-10-10', 1, '国庆节调休上班');"},
    {0},
};

const struct module holidays_module = {
    .name = "holidays",
    .migrations = migrations,
    .routes = routes,
};
