/* Steps that need approval: extending a time limit, deferring an order (it
 * then counts as neither on time nor late), returning it to the dispatcher
 * (退单), and voiding it. Someone asks with a reason; staff who run the loop
 * over the order's area, other than the one who asked, approve or deny. One
 * request at a time per order; both halves are in the order's timeline. */
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "calendar.h"
#include "holidays.h"
#include "orders.h"
#include "rollups.h"
#include "../core/banned.h"

static const char *const kinds[] = {"extend", "defer", "return", "void", NULL};
static const char *const statuses[] = {"pending", "approved", "denied", NULL};

/* Who may ask: the assignee or staff for an open order; staff alone to void, also before dispatch. */
static bool may_ask(struct req *r, const struct order *o, const char *kind)
{
	bool staff = order_run_by_caller(r, o);
	if (strcmp(kind, "void") == 0)
		return staff && strcmp(o->state, "rejected") != 0 && strcmp(o->state, "closed") != 0 &&
		       strcmp(o->state, "evaluated") != 0 && strcmp(o->state, "voided") != 0;
	bool open = loop_open(o->state);
	return open && (staff || (user_can(req_user(r), "orders.handle") && order_assigned_to_caller(r, o)));
}

#define REQUEST_COLUMNS                                                                                 \
	"q.id, q.order_id, q.kind, q.hours, q.note, q.status, p.username, d.username, q.decision_note," \
	" q.requested_at, q.decided_at"
#define REQUEST_FROM                                                                                                     \
	" FROM work_order_requests q JOIN work_orders o ON o.id = q.order_id LEFT JOIN users p ON p.id = q.requested_by" \
	" LEFT JOIN users d ON d.id = q.decided_by"

static json_t *request_json(struct db_stmt *st)
{
	char at[32];
	json_t *j = json_pack("{sI sI ss ss ss ss}", "id", (json_int_t)db_int(st, 0), "order_id",
	    (json_int_t)db_int(st, 1), "kind", db_text(st, 2), "note", db_text(st, 4), "status", db_text(st, 5),
	    "requested_at", clock_format(db_int(st, 9), at, sizeof(at)));
	json_object_set_new(j, "hours", db_null(st, 3) ? json_null() : json_integer(db_int(st, 3)));
	json_object_set_new(j, "requested_by", db_null(st, 6) ? json_null() : json_string(db_text(st, 6)));
	json_object_set_new(j, "decided_by", db_null(st, 7) ? json_null() : json_string(db_text(st, 7)));
	json_object_set_new(j, "decision_note", db_null(st, 8) ? json_null() : json_string(db_text(st, 8)));
	json_object_set_new(
	    j, "decided_at", db_null(st, 10) ? json_null() : json_string(clock_format(db_int(st, 10), at, sizeof(at))));
	return j;
}

static json_t *request_by_id(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, "SELECT " REQUEST_COLUMNS REQUEST_FROM " WHERE q.id = ?", "i", id);
	json_t *j = st != NULL && db_step(st) == DB_ROW ? request_json(st) : NULL;
	if (st)
		db_reset(st);
	return j;
}

static void ask(struct req *r)
{
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	const char *kind = body_str(r, "kind");
	int64_t hours = body_int(r, "hours", 0);
	struct order o;
	if (db_begin(db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	if (!order_find(r, req_param_id(r, 0), &o))
		return;
	if (!may_ask(r, &o, kind)) {
		reply_problem(
		    r, P_FORBIDDEN, arena_printf(a, "you may not ask to %s a work order that is %s", kind, o.state));
		return;
	}
	if ((strcmp(kind, "extend") == 0) != (hours > 0)) {
		reply_invalid(r, "hours", hours > 0 ? "is only for an extension" : "is required for an extension");
		return;
	}
	struct db_stmt *st =
	    db_stmt(db, "SELECT 1 FROM work_order_requests WHERE order_id = ? AND status = 'pending'", "i", o.id);
	bool pending = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	if (pending) {
		reply_problem(r, P_CONFLICT, "this work order has a request waiting for a decision");
		return;
	}
	int64_t now = clock_now(), me = req_user(r)->id;
	int rc = db_run(db,
	             "INSERT INTO work_order_requests (order_id, kind, hours, note, status, requested_by, requested_at)"
	             " VALUES (?, ?, nullif(?, 0), ?, 'pending', ?, ?)",
	             "ititii", o.id, kind, hours, body_str(r, "note"), me, now) == DB_DONE
	             ? DB_OK
	             : DB_ERROR;
	int64_t id = db_last_id(db);
	if (rc == DB_OK)
		rc = order_step(
		    db, o.id, arena_printf(a, "request_%s", kind), o.state, o.state, me, body_str(r, "note"), now);
	if (rc == DB_OK)
		rc = audit_request_rc(
		    r, "work_order.request", arena_printf(a, "work_order:%lld", (long long)o.id), kind);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, request_by_id(db, id));
}

/* Change the order as an approved request asks. */
static int change(struct req *r, const struct order *o, const char *kind, int64_t hours, int64_t now)
{
	struct db *db = req_db(r);
	if (strcmp(kind, "extend") == 0) {
		struct category c;
		order_category(db, o, &c);
		int64_t due = calendar_add(holidays_calendar(db, req_arena(r)), o->due_at, hours, c.working_hours);
		return db_run(
		    db, "UPDATE work_orders SET due_at = ?, escalated_to = NULL WHERE id = ?", "ii", due, o->id);
	}
	if (strcmp(kind, "defer") == 0)
		return db_run(db, "UPDATE work_orders SET deferred = 1 WHERE id = ?", "i", o->id);
	if (strcmp(kind, "return") == 0) /* back to the dispatcher, to be dispatched anew */
		return db_run(db,
		    "UPDATE work_orders SET state = 'accepted', assignee_team = NULL, assignee_partner = NULL,"
		    " assignee_user = NULL, dispatched_at = NULL, due_at = NULL, escalated_to = NULL WHERE id = ?",
		    "i", o->id);
	return db_run(db, "UPDATE work_orders SET state = 'voided', updated_at = ? WHERE id = ?", "ii", now, o->id);
}

/* Apply an approved request, moving the order's part in the metrics' rollups
 * with it (a new limit, a deferral, a return all change what it counts for). */
static int apply(struct req *r, const struct order *o, const char *kind, int64_t hours, int64_t now)
{
	struct db *db = req_db(r);
	int rc = order_rollup(db, o->id, -1) == DB_OK ? change(r, o, kind, hours, now) : DB_ERROR;
	if (rc == DB_DONE && order_rollup(db, o->id, 1) != DB_OK)
		rc = DB_ERROR;
	return rc;
}

static void decide(struct req *r)
{
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	bool approve = json_is_true(json_object_get(req_body(r), "approve"));
	if (db_begin(db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	struct db_stmt *st = db_stmt(db,
	    "SELECT order_id, kind, coalesce(hours, 0), status, requested_by FROM work_order_requests WHERE id = ?",
	    "i", req_param_id(r, 0));
	struct order o;
	bool found = st != NULL && db_step(st) == DB_ROW && order_read(db, db_int(st, 0), &o) &&
	             (order_run_by_caller(r, &o) || order_assigned_to_caller(r, &o));
	char kind[16] = "", status[16] = "";
	int64_t hours = 0, asker = 0;
	if (found) {
		snprintf(kind, sizeof(kind), "%s", db_text(st, 1));
		hours = db_int(st, 2);
		snprintf(status, sizeof(status), "%s", db_text(st, 3));
		asker = db_int(st, 4);
	}
	if (st)
		db_reset(st);
	if (!found) {
		reply_problem(r, P_NOT_FOUND, "no such request");
		return;
	}
	int64_t me = req_user(r)->id, now = clock_now();
	if (!order_run_by_caller(r, &o) || asker == me) {
		reply_problem(r, P_FORBIDDEN, "staff other than the one who asked decide");
		return;
	}
	if (strcmp(status, "pending") != 0) {
		reply_problem(r, P_CONFLICT, "this request has been decided already");
		return;
	}
	int rc = db_run(db,
	    "UPDATE work_order_requests SET status = ?, decided_by = ?, decision_note = ?, decided_at = ? WHERE id = ?",
	    "titii", approve ? "approved" : "denied", me, body_str(r, "note"), now, req_param_id(r, 0));
	if (rc == DB_DONE && approve)
		rc = apply(r, &o, kind, hours, now);
	if (rc == DB_DONE)
		rc = db_run(
		    db, "UPDATE work_orders SET version = version + 1, updated_at = ? WHERE id = ?", "ii", now, o.id);
	rc = rc == DB_DONE ? DB_OK : rc;
	const char *to = !approve                      ? o.state
	                 : strcmp(kind, "return") == 0 ? "accepted"
	                 : strcmp(kind, "void") == 0   ? "voided"
	                                               : o.state;
	if (rc == DB_OK)
		rc = order_step(db, o.id, arena_printf(a, "%s_%s", approve ? "approve" : "deny", kind), o.state, to, me,
		    body_str(r, "note"), now);
	if (rc == DB_OK)
		rc = order_notify(db, asker, o.id, approve ? "request_approved" : "request_denied", now);
	if (rc == DB_OK)
		rc = audit_request_rc(r, approve ? "work_order.approve" : "work_order.deny",
		    arena_printf(a, "work_order:%lld", (long long)o.id), kind);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 200, request_by_id(db, req_param_id(r, 0)));
}

/* Requests in the caller's areas, newest first: the ones waiting (status=pending) or all. */
static void list_requests(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), "orders.manage", &n);
	const char *status = req_query(r, "status"), *area = req_area(r);
	int64_t limit = req_limit(r), cursor = req_cursor(r);
	struct db_stmt *st =
	    db_prepare(req_db(r), arena_printf(a,
	                              "SELECT " REQUEST_COLUMNS REQUEST_FROM
	                              " WHERE (? = 0 OR q.id < ?) AND (? IS NULL OR q.status = ?) AND %s"
	                              " AND o.area_code >= ? AND o.area_code < ? ORDER BY q.id DESC LIMIT ?",
	                              scope_sql(a, "o.area_code", codes, n)));
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
		json_array_append_new(items, request_json(st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

static const struct field request_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"order_id", T_INT, F_REQUIRED},
    {"kind", T_ENUM, F_REQUIRED, .values = kinds},
    {"hours", T_INT, F_REQUIRED | F_NULLABLE},
    {"note", T_STRING, F_REQUIRED},
    {"status", T_ENUM, F_REQUIRED, .values = statuses},
    {"requested_by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"requested_at", T_DATETIME, F_REQUIRED},
    {"decided_by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"decision_note", T_STRING, F_REQUIRED | F_NULLABLE},
    {"decided_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field request_schema = {NULL, T_OBJECT, 0, .fields = request_fields};
static const struct field ask_fields[] = {
    {"kind", T_ENUM, F_REQUIRED, .values = kinds},
    {"hours", T_INT, 0, 1, 8760, .desc = "extend: hours added to the limit (of the category's kind)"},
    {"note", T_STRING, F_REQUIRED, 2, 2000, .desc = "why"},
    {NULL},
};
static const struct field ask_body = {NULL, T_OBJECT, 0, .fields = ask_fields};
static const struct field decide_fields[] = {
    {"approve", T_BOOL, F_REQUIRED},
    {"note", T_STRING, 0, 0, 2000},
    {NULL},
};
static const struct field decide_body = {NULL, T_OBJECT, 0, .fields = decide_fields};
static const struct field list_query[] = {
    {"status", T_ENUM, 0, .values = statuses},
    {NULL},
};

static const struct route routes[] = {
    {M_POST, "/api/v1/work-orders/{id}/requests", NULL, 0, NULL, &ask_body, 201, &request_schema, ask,
        "Ask to extend, defer, return or void a work order"},
    {M_GET, "/api/v1/work-order-requests", "orders.manage", R_LIST, list_query, NULL, 200, &request_schema,
        list_requests, "Requests on work orders in the caller's areas, newest first"},
    {M_POST, "/api/v1/work-order-requests/{id}/decision", "orders.manage", 0, NULL, &decide_body, 200, &request_schema,
        decide, "Approve or deny a request (not one's own)"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE work_order_requests ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER NOT NULL REFERENCES work_orders (id),"
        " kind TEXT NOT NULL,"
        " hours INTEGER,"
        " note TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " requested_by INTEGER NOT NULL REFERENCES users (id),"
        " requested_at INTEGER NOT NULL,"
        " decided_by INTEGER REFERENCES users (id),"
        " decision_note TEXT,"
        " decided_at INTEGER);"
        "CREATE INDEX work_order_requests_order ON work_order_requests (order_id, status);"},
    {0},
};

const struct module order_requests_module = {
    .name = "order_requests",
    .migrations = migrations,
    .routes = routes,
};
