/* Welfare alerts: a vulnerable resident (one whose own cadence is shorter than
 * the default: aged 80+, living alone, hardship, disability...) not seen in
 * person within their cadence, or an elderly person living alone found "not
 * home" twice running. An alert goes to the grid (the grid worker, and anyone
 * with alerts.handle over the area) and, if nobody acknowledges it within the
 * policy's hours, up to the community (level community: community staff's
 * list). It is acknowledged, then closed with a result — reached by phone, with
 * relatives, in hospital, seen in person... A visit that meets the resident
 * closes it by itself. A closed not-seen alert counts as contact: the next one
 * comes a cadence after it closed, not at the next scan. */
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "visits.h"
#include "../core/banned.h"

#define READ "alerts.read"
#define HANDLE "alerts.handle"
/* The elderly living alone: the tag that makes "not home" twice an alert. */
#define ALONE "living_alone"

static const char *const kinds[] = {"not_seen", "not_home", NULL};
static const char *const statuses[] = {"open", "acknowledged", "closed", NULL};
static const char *const levels[] = {"grid", "community", NULL};
static const char *const results[] = {
    "seen_in_person", "reached_by_phone", "with_relatives", "in_hospital", "moved_away", "died", "other", NULL};

/* Raise an alert unless one of the kind is open for the resident already. */
static int raise_alert(struct db *db, const char *kind, int64_t resident, int64_t household, const char *area,
    int cadence, int64_t last_seen, int64_t now)
{
	struct cadence_policy p;
	policy_of(db, area, &p);
	return db_ran(db_run(db,
	    "INSERT INTO welfare_alerts (kind, resident_id, household_id, area_code, status, level, cadence_days,"
	    " last_seen_at, raised_at, escalate_at, version) SELECT ?, ?, ?, ?, 'open', 'grid', ?, nullif(?, 0), ?, ?, 1"
	    " WHERE NOT EXISTS (SELECT 1 FROM welfare_alerts WHERE resident_id = ? AND kind = ? AND status <> 'closed')",
	    "tiitiiiiit", kind, resident, household, area, (int64_t)cadence, last_seen, now,
	    now + (int64_t)p.ack_hours * 3600, resident, kind));
}

/* --- after a visit --- */

/* Close the open alerts of the residents the visit met in person. */
static int close_seen(struct db *db, int64_t visit, int64_t now)
{
	return db_ran(db_run(db,
	    "UPDATE welfare_alerts SET status = 'closed', result = 'seen_in_person', closed_at = ?1,"
	    " closed_by = (SELECT recorded_by FROM visits WHERE id = ?2), note = 'visit ' || ?2, version = version + 1"
	    " WHERE status <> 'closed' AND resident_id IN (SELECT resident_id FROM visit_seen WHERE visit_id = ?2)",
	    "ii", now, visit));
}

int alerts_after_visit(struct db *db, int64_t visit, int64_t now)
{
	int rc = close_seen(db, visit, now);
	struct db_stmt *st = db_stmt(db,
	    "SELECT v.household_id, v.area_code, s.not_home_run, coalesce(s.last_met_at, 0) FROM visits v"
	    " JOIN visit_status s ON s.household_id = v.household_id WHERE v.id = ? AND v.outcome = 'not_home'",
	    "i", visit);
	int64_t household = 0, run = 0, met = 0;
	char area[64] = "";
	if (st != NULL && db_step(st) == DB_ROW) {
		household = db_int(st, 0);
		snprintf(area, sizeof(area), "%s", db_text(st, 1));
		run = db_int(st, 2);
		met = db_int(st, 3);
	}
	if (st)
		db_reset(st);
	if (rc != DB_OK || run < 2)
		return rc;
	/* Twice not at home: each elderly person living alone there. */
	int64_t ids[8];
	int n = 0;
	st = db_stmt(db,
	    "SELECT r.id FROM residents r JOIN resident_tags t ON t.resident_id = r.id AND t.tag = '" ALONE "'"
	    " WHERE r.household_id = ? AND r.status = 'active' ORDER BY r.id LIMIT 8",
	    "i", household);
	while (st != NULL && db_step(st) == DB_ROW)
		ids[n++] = db_int(st, 0);
	if (st)
		db_reset(st);
	struct cadence_policy p;
	policy_of(db, area, &p);
	for (int i = 0; i < n && rc == DB_OK; i++)
		rc = raise_alert(db, "not_home", ids[i], household, area,
		    cadence_days(&p, resident_mask(db, ids[i], day_of(now)), NULL), met, now);
	return rc;
}

/* --- the periodic scan --- */

struct candidate {
	int64_t resident, household, last;
	char area[32];
	int cadence;
};

/* The youngest age that some policy's rule names (60 or 80), for the scan's
 * filter on birth dates; 0 when a rule names minors (everyone is scanned). */
static int youngest_rule_age(struct db *db)
{
	int age = 80;
	struct db_stmt *st = db_stmt(db, "SELECT rules FROM visit_policies", NULL);
	while (st != NULL && db_step(st) == DB_ROW) {
		const char *rules = db_text(st, 0);
		if (strstr(rules, "minor=") != NULL)
			age = 0;
		else if (strstr(rules, "aged_60=") != NULL && age > 60)
			age = 60;
	}
	if (st)
		db_reset(st);
	return age;
}

/* Vulnerable residents overdue for an in-person visit, without an open alert. */
static struct candidate *overdue(struct db *db, int64_t now, size_t *count)
{
	int64_t today = day_of(now);
	char birth_cut[11] = "9999-12-31";
	int age = youngest_rule_age(db);
	if (age > 0)
		cadence_born_by(today, age, birth_cut);
	struct policy_set *ps = policies_load(db);
	struct db_stmt *st = db_stmt(db,
	    "SELECT r.id, r.household_id, r.area_code, r.birth_date, max(coalesce(s.seen_at, r.created_at),"
	    " coalesce((SELECT max(a.closed_at) FROM welfare_alerts a WHERE a.resident_id = r.id"
	    " AND a.kind = 'not_seen'), 0)), (SELECT group_concat(t.tag, ' ') FROM resident_tags t"
	    " WHERE t.resident_id = r.id) FROM residents r LEFT JOIN resident_seen s ON s.resident_id = r.id"
	    " WHERE r.status = 'active' AND r.household_id IS NOT NULL AND (r.birth_date <= ? OR EXISTS"
	    " (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id)) AND NOT EXISTS (SELECT 1 FROM welfare_alerts a"
	    " WHERE a.resident_id = r.id AND a.kind = 'not_seen' AND a.status <> 'closed')",
	    "t", birth_cut);
	struct candidate *c = NULL;
	size_t n = 0, cap = 0;
	while (ps != NULL && st != NULL && db_step(st) == DB_ROW) {
		unsigned mask = cadence_age_mask(db_text(st, 3), db_text(st, 3), today);
		for (const char *t = db_text(st, 5); t != NULL && *t != '\0';) {
			const char *end = strchrnul(t, ' ');
			char tag[32];
			snprintf(tag, sizeof(tag), "%.*s", (int)(end - t), t);
			int bit = cadence_tag_bit(tag);
			mask |= bit >= 0 ? 1u << bit : 0;
			t = *end ? end + 1 : end;
		}
		const struct cadence_policy *p = policy_for(ps, db_text(st, 2));
		int days = cadence_days(p, mask, NULL);
		int64_t last = db_int(st, 4);
		if (!cadence_vulnerable(p, mask) || today <= day_of(last) + days)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct candidate *more = realloc(c, sizeof(*c) * cap);
			if (more == NULL)
				break;
			c = more;
		}
		c[n] = (struct candidate){db_int(st, 0), db_int(st, 1), last, "", days};
		snprintf(c[n].area, sizeof(c[n].area), "%s", db_text(st, 2));
		n++;
	}
	if (st)
		db_reset(st);
	policies_free(ps);
	*count = n;
	return c;
}

void alerts_scan(struct db *db, int64_t now)
{
	size_t n;
	/* Read outside the transaction (WAL readers do not block writers); write in one short one. */
	struct candidate *c = overdue(db, now, &n);
	int rc = db_begin(db);
	for (size_t i = 0; i < n && rc == DB_OK; i++)
		rc =
		    raise_alert(db, "not_seen", c[i].resident, c[i].household, c[i].area, c[i].cadence, c[i].last, now);
	free(c);
	if (rc == DB_OK)
		rc = db_ran(db_run(db,
		    "UPDATE welfare_alerts SET level = 'community', escalated_at = ?, version = version + 1"
		    " WHERE status = 'open' AND level = 'grid' AND escalate_at <= ?",
		    "ii", now, now));
	if (rc != DB_OK || db_commit(db) != DB_OK)
		db_rollback(db);
}

/* --- the API --- */

#define ALERT_COLUMNS                                                                                          \
	"w.id, w.kind, w.status, w.level, w.resident_id, r.name, w.household_id, w.area_code, h.unit, h.room," \
	" w.cadence_days, w.last_seen_at, w.raised_at, w.escalate_at, w.escalated_at, ua.username,"            \
	" w.acknowledged_at, uc.username, w.closed_at, w.result, w.note, w.version"
#define ALERT_FROM                                                                                                   \
	" FROM welfare_alerts w JOIN residents r ON r.id = w.resident_id JOIN households h ON h.id = w.household_id" \
	" LEFT JOIN users ua ON ua.id = w.acknowledged_by LEFT JOIN users uc ON uc.id = w.closed_by"

static json_t *time_or_null(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : visits_time_json(db_int(st, col));
}

static json_t *alert_json(struct db *db, struct arena *a, struct db_stmt *st)
{
	json_t *j = json_pack("{sI ss ss ss s{sI ss} sI ss ss si sI}", "id", (json_int_t)db_int(st, 0), "kind",
	    db_text(st, 1), "status", db_text(st, 2), "level", db_text(st, 3), "resident", "id",
	    (json_int_t)db_int(st, 4), "name", db_text(st, 5), "household_id", (json_int_t)db_int(st, 6), "area_code",
	    db_text(st, 7), "address", visits_address(db, a, db_text(st, 7), db_text(st, 8), db_text(st, 9)),
	    "cadence_days", (int)db_int(st, 10), "version", (json_int_t)db_int(st, 21));
	static const char *const times[] = {"last_seen_at", "raised_at", "escalate_at", "escalated_at"};
	for (int i = 0; i < 4; i++)
		json_object_set_new(j, times[i], time_or_null(st, 11 + i));
	json_object_set_new(j, "acknowledged_by", visits_text_or_null(st, 15));
	json_object_set_new(j, "acknowledged_at", time_or_null(st, 16));
	json_object_set_new(j, "closed_by", visits_text_or_null(st, 17));
	json_object_set_new(j, "closed_at", time_or_null(st, 18));
	json_object_set_new(j, "result", visits_text_or_null(st, 19));
	json_object_set_new(j, "note", visits_text_or_null(st, 20));
	return j;
}

static json_t *alert_by_id(struct db *db, struct arena *a, int64_t id)
{
	struct db_stmt *st = db_stmt(db, "SELECT " ALERT_COLUMNS ALERT_FROM " WHERE w.id = ?", "i", id);
	json_t *j = st != NULL && db_step(st) == DB_ROW ? alert_json(db, a, st) : NULL;
	if (st)
		db_reset(st);
	return j;
}

static void list_alerts(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), READ, &n);
	const char *area = req_area(r), *status = req_query(r, "status"), *level = req_query(r, "level"),
	           *kind = req_query(r, "kind");
	struct db_stmt *st = db_prepare(
	    req_db(r), arena_printf(a,
	                   "SELECT " ALERT_COLUMNS ALERT_FROM " WHERE (? = 0 OR w.id < ?) AND %s AND w.area_code >= ?"
	                   " AND w.area_code < ? AND (? IS NULL OR w.status = ?) AND (? IS NULL OR w.level = ?)"
	                   " AND (? IS NULL OR w.kind = ?) ORDER BY w.id DESC LIMIT ?",
	                   scope_sql(a, "w.area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int64_t cursor = req_cursor(r), limit = req_limit(r), count = 0, last = 0;
	int i = 1;
	db_bind_int(st, i++, cursor);
	db_bind_int(st, i++, cursor);
	i = scope_bind(st, i, a, codes, n);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	const char *filters[] = {status, level, kind};
	for (int k = 0; k < 3; k++) {
		db_bind_text(st, i++, filters[k]);
		db_bind_text(st, i++, filters[k]);
	}
	db_bind_int(st, i, limit + 1);
	json_t *items = json_array();
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, alert_json(req_db(r), a, st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* The alert's area if the caller holds perm over it, else NULL with a 404 sent;
 * *status and *version get its state. */
static const char *find_alert(struct req *r, int64_t id, const char *perm, char status[16], int64_t *version)
{
	struct db_stmt *st =
	    db_stmt(req_db(r), "SELECT area_code, status, version FROM welfare_alerts WHERE id = ?", "i", id);
	const char *area = NULL;
	if (st != NULL && db_step(st) == DB_ROW && user_covers(req_user(r), perm, db_text(st, 0))) {
		area = arena_strdup(req_arena(r), db_text(st, 0));
		snprintf(status, 16, "%s", db_text(st, 1));
		*version = db_int(st, 2);
	}
	if (st)
		db_reset(st);
	if (area == NULL)
		reply_problem(r, P_NOT_FOUND, "no such alert");
	return area;
}

static void get_alert(struct req *r)
{
	char status[16];
	int64_t version, id = req_param_id(r, 0);
	if (find_alert(r, id, READ, status, &version) != NULL)
		reply_json(r, 200, alert_by_id(req_db(r), req_arena(r), id));
}

/* Acknowledge (open → acknowledged) or close (open or acknowledged → closed with a result). */
static void decide(struct req *r, bool close)
{
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0), version = 0, me = req_user(r)->id, now = clock_now();
	char status[16] = "";
	if (db_begin(db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	if (find_alert(r, id, HANDLE, status, &version) == NULL)
		return;
	const char *result = body_str(r, "result"), *note = body_str(r, "note");
	if (close ? strcmp(status, "closed") == 0 : strcmp(status, "open") != 0) {
		reply_problem(r, P_CONFLICT, close ? "this alert is closed already" : "this alert is not open");
		return;
	}
	if (body_int(r, "version", 0) != version) {
		reply_problem(r, P_CONFLICT, "someone changed this alert meanwhile; reload and try again");
		return;
	}
	if (close && strcmp(result, "other") == 0 && (note == NULL || note[0] == '\0')) {
		reply_invalid(r, "note", "say what happened when the result is other");
		return;
	}
	int rc =
	    close ? db_run(db,
	                "UPDATE welfare_alerts SET status = 'closed', result = ?, note = ?, closed_by = ?,"
	                " closed_at = ?, version = version + 1 WHERE id = ?",
	                "ttiii", result, note, me, now, id)
	          : db_run(db,
	                "UPDATE welfare_alerts SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?,"
	                " note = coalesce(?, note), version = version + 1 WHERE id = ?",
	                "iiti", me, now, note, id);
	if (audit_commit(r, rc, NULL, close ? "welfare_alert.close" : "welfare_alert.acknowledge",
	        arena_printf(req_arena(r), "welfare_alert:%lld", (long long)id), result))
		reply_json(r, 200, alert_by_id(db, req_arena(r), id));
}

static void acknowledge(struct req *r) { decide(r, false); }
static void close_alert(struct req *r) { decide(r, true); }

static const struct field resident_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field alert_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"kind", T_ENUM, F_REQUIRED, .values = kinds,
        .desc = "not_seen: not met in person within the cadence; not_home: living alone, not at home twice running"},
    {"status", T_ENUM, F_REQUIRED, .values = statuses},
    {"level", T_ENUM, F_REQUIRED, .values = levels, .desc = "community: not acknowledged in time, escalated"},
    {"resident", T_OBJECT, F_REQUIRED, .fields = resident_fields},
    {"household_id", T_INT, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED},
    {"address", T_STRING, F_REQUIRED},
    {"cadence_days", T_INT, F_REQUIRED},
    {"last_seen_at", T_DATETIME, F_REQUIRED | F_NULLABLE, .desc = "last met in person (or last accounted for)"},
    {"raised_at", T_DATETIME, F_REQUIRED},
    {"escalate_at", T_DATETIME, F_REQUIRED, .desc = "when it goes to community staff unless acknowledged"},
    {"escalated_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"acknowledged_by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"acknowledged_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"closed_by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"closed_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"result", T_ENUM, F_REQUIRED | F_NULLABLE, .values = results},
    {"note", T_STRING, F_REQUIRED | F_NULLABLE},
    {"version", T_INT, F_REQUIRED},
    {NULL},
};
static const struct field alert_schema = {NULL, T_OBJECT, 0, .fields = alert_fields};
static const struct field ack_fields[] = {
    {"version", T_INT, F_REQUIRED, 1, INT64_MAX, .desc = "the version read; 409 when it has changed"},
    {"note", T_STRING, 0, 0, 1000},
    {NULL},
};
static const struct field ack_body = {NULL, T_OBJECT, 0, .fields = ack_fields};
static const struct field close_fields[] = {
    {"version", T_INT, F_REQUIRED, 1, INT64_MAX, .desc = "the version read; 409 when it has changed"},
    {"result", T_ENUM, F_REQUIRED, .values = results},
    {"note", T_STRING, 0, 0, 1000, .desc = "required when the result is other"},
    {NULL},
};
static const struct field close_body = {NULL, T_OBJECT, 0, .fields = close_fields};
static const struct field list_query[] = {
    {"status", T_ENUM, 0, .values = statuses},
    {"level", T_ENUM, 0, .values = levels, .desc = "community: the escalated ones"},
    {"kind", T_ENUM, 0, .values = kinds},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/welfare-alerts", READ, R_LIST, list_query, NULL, 200, &alert_schema, list_alerts,
        "Welfare alerts in the caller's areas, newest first"},
    {M_GET, "/api/v1/welfare-alerts/{id}", READ, 0, NULL, NULL, 200, &alert_schema, get_alert, "One alert"},
    {M_POST, "/api/v1/welfare-alerts/{id}/acknowledge", HANDLE, 0, NULL, &ack_body, 200, &alert_schema, acknowledge,
        "Acknowledge an open alert (it then does not escalate)"},
    {M_POST, "/api/v1/welfare-alerts/{id}/close", HANDLE, 0, NULL, &close_body, 200, &alert_schema, close_alert,
        "Close an alert with what was found"},
    {0},
};

static const struct periodic periodic[] = {
    {"visits.alerts", 900, alerts_scan},
    {NULL},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE welfare_alerts ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL,"
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " household_id INTEGER NOT NULL REFERENCES households (id),"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " status TEXT NOT NULL,"
        " level TEXT NOT NULL,"
        " cadence_days INTEGER NOT NULL,"
        " last_seen_at INTEGER,"
        " raised_at INTEGER NOT NULL,"
        " escalate_at INTEGER NOT NULL,"
        " escalated_at INTEGER,"
        " acknowledged_by INTEGER REFERENCES users (id),"
        " acknowledged_at INTEGER,"
        " closed_by INTEGER REFERENCES users (id),"
        " closed_at INTEGER,"
        " result TEXT,"
        " note TEXT,"
        " version INTEGER NOT NULL);"
        "CREATE INDEX welfare_alerts_resident ON welfare_alerts (resident_id, kind);"
        "CREATE INDEX welfare_alerts_area ON welfare_alerts (area_code, id);"
        "CREATE INDEX welfare_alerts_waiting ON welfare_alerts (escalate_at) WHERE status = 'open';"},
    {0},
};

const struct module welfare_alerts_module = {
    .name = "welfare_alerts",
    .migrations = migrations,
    .routes = routes,
    .periodic = periodic,
};
