/* Life events — moving in, moving out, death, deregistration — are dated
 * records with a reason, never deletions. An event is proposed (by staff, or
 * later from a door-knock visit) and applied when staff confirm it; moves found
 * by a re-import are recorded as confirmed. */
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "registry.h"
#include "../core/banned.h"

static const char *const kinds[] = {"move_in", "move_out", "move", "death", "deregistration", NULL};
static const char *const states[] = {"proposed", "confirmed", "rejected", NULL};

/* The resident status a confirmed event leaves; NULL: unchanged. */
static const char *status_after(const char *kind)
{
	if (strcmp(kind, "move_out") == 0)
		return "moved_out";
	if (strcmp(kind, "death") == 0)
		return "deceased";
	if (strcmp(kind, "deregistration") == 0)
		return "deregistered";
	if (strcmp(kind, "move_in") == 0)
		return "active";
	return NULL;
}

int life_event_record(struct db *db, int64_t resident, const char *kind, const char *date, const char *reason,
    const char *details, int64_t user_id, int64_t now)
{
	int rc = db_run(db,
	    "INSERT INTO life_events (resident_id, kind, date, reason, details, status, proposed_by, decided_by,"
	    " created_at, decided_at) VALUES (?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?)",
	    "ittttiiii", resident, kind, date, reason, details, user_id, user_id, now, now);
	return rc == DB_DONE ? DB_OK : rc;
}

int life_event_propose(struct db *db, int64_t resident, const char *kind, const char *date, const char *reason,
    int64_t user_id, int64_t now, int64_t *id)
{
	int rc = db_run(db,
	    "INSERT INTO life_events (resident_id, kind, date, reason, status, proposed_by, created_at)"
	    " VALUES (?, ?, ?, ?, 'proposed', ?, ?)",
	    "itttii", resident, kind, date, reason, user_id, now);
	if (rc != DB_DONE)
		return rc;
	*id = db_last_id(db);
	return DB_OK;
}

#define EVENT_COLUMNS                                                                                               \
	"e.id, e.resident_id, e.kind, e.date, e.reason, e.details, e.status, p.username, d.username, e.created_at," \
	" e.decided_at, r.name"
#define EVENT_FROM                                                                                               \
	" FROM life_events e JOIN residents r ON r.id = e.resident_id LEFT JOIN users p ON p.id = e.proposed_by" \
	" LEFT JOIN users d ON d.id = e.decided_by"

static json_t *event_json(struct db_stmt *st)
{
	char created[32], decided[32];
	json_t *e = json_pack("{sI sI ss ss ss ss ss}", "id", (json_int_t)db_int(st, 0), "resident_id",
	    (json_int_t)db_int(st, 1), "kind", db_text(st, 2), "date", db_text(st, 3), "reason", db_text(st, 4),
	    "status", db_text(st, 6), "created_at", clock_format(db_int(st, 9), created, sizeof(created)));
	json_object_set_new(e, "resident_name", json_string(db_text(st, 11)));
	json_object_set_new(e, "details", db_null(st, 5) ? json_null() : json_string(db_text(st, 5)));
	json_object_set_new(e, "proposed_by", db_null(st, 7) ? json_null() : json_string(db_text(st, 7)));
	json_object_set_new(e, "decided_by", db_null(st, 8) ? json_null() : json_string(db_text(st, 8)));
	json_object_set_new(e, "decided_at",
	    db_null(st, 10) ? json_null() : json_string(clock_format(db_int(st, 10), decided, sizeof(decided))));
	return e;
}

/* The resident's area if the caller reaches them with perm, else NULL (the caller replies 404). */
static char *resident_area(struct req *r, int64_t resident, const char *perm)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT area_code FROM residents WHERE id = ?", "i", resident);
	char *area = NULL;
	if (st != NULL && db_step(st) == DB_ROW && user_covers(req_user(r), perm, db_text(st, 0)))
		area = arena_strdup(req_arena(r), db_text(st, 0));
	if (st)
		db_reset(st);
	return area;
}

static void list_events(struct req *r)
{
	int64_t resident = req_param_id(r, 0), limit = req_limit(r), cursor = req_cursor(r);
	if (resident_area(r, resident, "residents.read") == NULL) {
		reply_problem(r, P_NOT_FOUND, "no such resident");
		return;
	}
	/* Newest first; the cursor is the last id shown. */
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT " EVENT_COLUMNS EVENT_FROM
	    " WHERE e.resident_id = ? AND (? = 0 OR e.id < ?) ORDER BY e.id DESC LIMIT ?",
	    "iiii", resident, cursor, cursor, limit + 1);
	json_t *items = json_array();
	int64_t count = 0, last = 0;
	while (st != NULL && db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, event_json(st));
	}
	if (st)
		db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* Events across the caller's areas, newest first: the queue of proposed ones
 * waiting for a decision (status=proposed), or all of them. */
static void list_all_events(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), "residents.read", &n);
	const char *area = req_area(r), *status = req_query(r, "status");
	int64_t limit = req_limit(r), cursor = req_cursor(r);
	struct db_stmt *st = db_prepare(req_db(r),
	    arena_printf(a,
	        "SELECT " EVENT_COLUMNS EVENT_FROM " WHERE (? = 0 OR e.id < ?) AND (? IS NULL OR e.status = ?) AND %s"
	        " AND r.area_code >= ? AND r.area_code < ? ORDER BY e.id DESC LIMIT ?",
	        scope_sql(a, "r.area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int i = 1;
	db_bind_int(st, i++, cursor);
	db_bind_int(st, i++, cursor);
	db_bind_text(st, i++, status);
	db_bind_text(st, i++, status);
	i = scope_bind(st, i, a, codes, n);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_int(st, i, limit + 1);
	json_t *items = json_array();
	int64_t count = 0, last = 0;
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, event_json(st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

static json_t *event_by_id(struct req *r, int64_t id)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT " EVENT_COLUMNS EVENT_FROM " WHERE e.id = ?", "i", id);
	json_t *e = st != NULL && db_step(st) == DB_ROW ? event_json(st) : NULL;
	if (st)
		db_reset(st);
	return e;
}

static void propose_event(struct req *r)
{
	int64_t resident = req_param_id(r, 0);
	if (resident_area(r, resident, "residents.write") == NULL) {
		reply_problem(r, P_NOT_FOUND, "no such resident");
		return;
	}
	int64_t t;
	const char *date = body_str(r, "date");
	if (strlen(date) != 10 || !clock_parse(date, &t) || t > clock_now()) {
		reply_invalid(r, "date", "must be a date like 2026-11-29, not in the future");
		return;
	}
	struct db *db = req_db(r);
	int64_t id = 0;
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = life_event_propose(
		    db, resident, body_str(r, "kind"), date, body_str(r, "reason"), req_user(r)->id, clock_now(), &id);
	if (rc == DB_OK)
		rc = audit_request_rc(r, "life_event.propose",
		    arena_printf(req_arena(r), "resident:%lld", (long long)resident), body_str(r, "kind"));
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, event_by_id(r, id));
}

/* Confirm (applying it to the resident) or reject a proposed event. */
static void decide(struct req *r, bool confirm)
{
	int64_t id = req_param_id(r, 0);
	struct db *db = req_db(r);
	struct db_stmt *st = db_stmt(db, "SELECT resident_id, kind, status FROM life_events WHERE id = ?", "i", id);
	int64_t resident = 0;
	char kind[32] = "", status[16] = "";
	if (st != NULL && db_step(st) == DB_ROW) {
		resident = db_int(st, 0);
		snprintf(kind, sizeof(kind), "%s", db_text(st, 1));
		snprintf(status, sizeof(status), "%s", db_text(st, 2));
	}
	if (st)
		db_reset(st);
	if (resident == 0 || resident_area(r, resident, "residents.confirm") == NULL) {
		reply_problem(r, P_NOT_FOUND, "no such life event");
		return;
	}
	if (strcmp(status, "proposed") != 0) {
		reply_problem(r, P_CONFLICT, "this event was decided already");
		return;
	}
	int64_t now = clock_now();
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = db_run(db,
		         "UPDATE life_events SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?"
		         " WHERE id = ? AND status = 'proposed'",
		         "tiiti", confirm ? "confirmed" : "rejected", req_user(r)->id, now, body_str(r, "reason"),
		         id) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	const char *after = confirm ? status_after(kind) : NULL;
	if (rc == DB_OK && after != NULL)
		rc = db_run(db, "UPDATE residents SET status = ?, version = version + 1, updated_at = ? WHERE id = ?",
		         "tii", after, now, resident) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	if (rc == DB_OK)
		rc = audit_request_rc(r, confirm ? "life_event.confirm" : "life_event.reject",
		    arena_printf(req_arena(r), "life_event:%lld", (long long)id), kind);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 200, event_by_id(r, id));
}

static void confirm_event(struct req *r) { decide(r, true); }
static void reject_event(struct req *r) { decide(r, false); }

static const struct field event_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"resident_id", T_INT, F_REQUIRED},
    {"resident_name", T_STRING, F_REQUIRED},
    {"kind", T_ENUM, F_REQUIRED, .values = kinds},
    {"date", T_STRING, F_REQUIRED},
    {"reason", T_STRING, F_REQUIRED},
    {"details", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "for moves: the old and the new area"},
    {"status", T_ENUM, F_REQUIRED, .values = states},
    {"proposed_by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"decided_by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"created_at", T_DATETIME, F_REQUIRED},
    {"decided_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field event_schema = {NULL, T_OBJECT, 0, .fields = event_fields};
static const struct field propose_fields[] = {
    {"kind", T_ENUM, F_REQUIRED, .values = kinds},
    {"date", T_STRING, F_REQUIRED, 10, 10, .desc = "YYYY-MM-DD, not in the future"},
    {"reason", T_STRING, F_REQUIRED, 2, 500},
    {NULL},
};
static const struct field propose_body = {NULL, T_OBJECT, 0, .fields = propose_fields};
static const struct field decide_fields[] = {
    {"reason", T_STRING, 0, 0, 500},
    {NULL},
};
static const struct field decide_body = {NULL, T_OBJECT, 0, .fields = decide_fields};

static const struct field queue_query[] = {
    {"status", T_ENUM, 0, .values = states, .desc = "proposed: the events waiting for a decision"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/life-events", "residents.read", R_LIST, queue_query, NULL, 200, &event_schema, list_all_events,
        "Life events across the caller's areas, newest first"},
    {M_GET, "/api/v1/residents/{id}/events", "residents.read", R_LIST, NULL, NULL, 200, &event_schema, list_events,
        "A resident's history of life events, newest first"},
    {M_POST, "/api/v1/residents/{id}/events", "residents.write", 0, NULL, &propose_body, 201, &event_schema,
        propose_event, "Propose a life event (applied when confirmed)"},
    {M_POST, "/api/v1/life-events/{id}/confirm", "residents.confirm", 0, NULL, &decide_body, 200, &event_schema,
        confirm_event, "Confirm a proposed event and apply it"},
    {M_POST, "/api/v1/life-events/{id}/reject", "residents.confirm", 0, NULL, &decide_body, 200, &event_schema,
        reject_event, "Reject a proposed event"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE life_events ("
        " id INTEGER PRIMARY KEY,"
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " kind TEXT NOT NULL,"
        " date TEXT NOT NULL,"
        " reason TEXT NOT NULL,"
        " details TEXT,"
        " status TEXT NOT NULL,"
        " proposed_by INTEGER,"
        " decided_by INTEGER,"
        " decision_reason TEXT,"
        " created_at INTEGER NOT NULL,"
        " decided_at INTEGER);"
        "CREATE INDEX life_events_resident ON life_events (resident_id, id);"},
    {0},
};

const struct module life_events_module = {
    .name = "life_events",
    .migrations = migrations,
    .routes = routes,
};
