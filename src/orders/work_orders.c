/* Work orders: recording a demand, the inboxes, one order with its timeline,
 * and the transitions of the loop (loop.c) with optimistic versions. Besides
 * area scope, an order is visible to its assignee, their team and their
 * partner unit, and to the resident who raised it. A confidential demand shows
 * who raised it only to the handling chain (staff who run the loop over its
 * area, and the assignee). */
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../platform/area_tree.h"
#include "../registry/registry.h"
#include "calendar.h"
#include "holidays.h"
#include "orders.h"
#include "partners.h"
#include "rollups.h"
#include "../core/banned.h"

static const char *const urgencies[] = {"normal", "urgent", NULL};
static const char *const channels[] = {"visit", "walk_in", "phone", "self_service", "open311", "patrol", NULL};
static const char *const satisfactions[] = {"satisfied", "basically_satisfied", "dissatisfied", NULL};
static const char *const boxes[] = {"to_accept", "to_dispatch", "mine", "to_verify", "overdue", "raised", NULL};

bool order_read(struct db *db, int64_t id, struct order *o)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT version, coalesce(resident_id, 0), coalesce(created_by, 0), coalesce(assignee_team, 0),"
	    " coalesce(assignee_partner, 0), coalesce(assignee_user, 0), coalesce(dispatched_at, 0),"
	    " coalesce(due_at, 0), rework, state, area_code, category, urgency, confidential"
	    " FROM work_orders WHERE id = ?",
	    "i", id);
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (found) {
		*o = (struct order){.id = id,
		    .version = db_int(st, 0),
		    .resident_id = db_int(st, 1),
		    .created_by = db_int(st, 2),
		    .team = db_int(st, 3),
		    .partner = db_int(st, 4),
		    .user = db_int(st, 5),
		    .dispatched_at = db_int(st, 6),
		    .due_at = db_int(st, 7),
		    .rework = db_int(st, 8),
		    .confidential = db_int(st, 13) != 0};
		snprintf(o->state, sizeof(o->state), "%s", db_text(st, 9));
		snprintf(o->area, sizeof(o->area), "%s", db_text(st, 10));
		snprintf(o->category, sizeof(o->category), "%s", db_text(st, 11));
		snprintf(o->urgency, sizeof(o->urgency), "%s", db_text(st, 12));
	}
	if (st)
		db_reset(st);
	return found;
}

/* Whether the caller is the order's assignee: the person, a member of the team, or of the partner unit. */
bool order_assigned_to_caller(struct req *r, const struct order *o)
{
	int64_t me = req_user(r)->id;
	return (o->user != 0 && o->user == me) || (o->team != 0 && user_in_team(req_db(r), me, o->team)) ||
	       (o->partner != 0 && user_partner(req_db(r), me) == o->partner);
}

bool order_run_by_caller(struct req *r, const struct order *o)
{
	return user_covers(req_user(r), "orders.manage", o->area);
}

static bool visible(struct req *r, const struct order *o)
{
	return user_covers(req_user(r), "orders.read", o->area) || order_assigned_to_caller(r, o) ||
	       (o->created_by != 0 && o->created_by == req_user(r)->id);
}

/* --- time limits --- */

void order_category(struct db *db, const struct order *o, struct category *c)
{
	if (!category_get(db, o->category, c)) /* retired since: the limits of "other" */
		*c = (struct category){.limit_normal = 72, .limit_urgent = 24, .working_hours = true};
}

static int64_t limit_hours(const struct category *c, const char *urgency)
{
	return strcmp(urgency, "urgent") == 0 ? c->limit_urgent : c->limit_normal;
}

/* The due time of an order dispatched at start. */
int64_t order_due_after(struct db *db, struct arena *a, int64_t start, const struct category *c, const char *urgency)
{
	return calendar_add(holidays_calendar(db, a), start, limit_hours(c, urgency), c->working_hours);
}

/* green, yellow (four fifths of the limit used) or red (past it); NULL when no limit runs. */
static const char *warning(int64_t dispatched, int64_t due, const char *state, int64_t now)
{
	if (!loop_open(state) || due == 0)
		return NULL;
	if (now >= due)
		return "red";
	return now >= dispatched + (due - dispatched) * 4 / 5 ? "yellow" : "green";
}

/* --- reading --- */

#define ORDER_COLUMNS                                                                                           \
	"o.id, o.category, c.name_zh, c.name_en, o.state, o.version, o.urgency, o.channel, o.origin,"           \
	" o.description, o.area_code, a.short_name, o.address, o.resident_id, o.confidential, o.assignee_team," \
	" o.assignee_partner, o.assignee_user, t.name, p.name, u.display_name, o.dispatched_at, o.due_at,"      \
	" o.rework, o.escalated_to, o.satisfaction, o.evaluated_on_behalf, o.created_at, o.updated_at,"         \
	" o.closed_at, o.created_by, o.deferred"
#define ORDER_FROM                                                                                          \
	" FROM work_orders o JOIN categories c ON c.code = o.category JOIN areas a ON a.code = o.area_code" \
	" LEFT JOIN teams t ON t.id = o.assignee_team LEFT JOIN partners p ON p.id = o.assignee_partner"    \
	" LEFT JOIN users u ON u.id = o.assignee_user"

static json_t *time_or_null(struct db_stmt *st, int col)
{
	char buf[32];
	return db_null(st, col) ? json_null() : json_string(clock_format(db_int(st, col), buf, sizeof(buf)));
}

static json_t *text_or_null(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : json_string(db_text(st, col));
}

/* An order row as JSON. Who raised a confidential demand is shown only to the handling chain. */
static json_t *order_json(struct req *r, struct db_stmt *st)
{
	struct order o = {.area = "",
	    .team = db_null(st, 15) ? 0 : db_int(st, 15),
	    .partner = db_null(st, 16) ? 0 : db_int(st, 16),
	    .user = db_null(st, 17) ? 0 : db_int(st, 17)};
	snprintf(o.area, sizeof(o.area), "%s", db_text(st, 10));
	bool chain = order_run_by_caller(r, &o) || order_assigned_to_caller(r, &o) ||
	             (!db_null(st, 30) && db_int(st, 30) == req_user(r)->id);
	bool hide = db_int(st, 14) != 0 && !chain;
	json_t *assignee = json_null();
	if (!db_null(st, 15))
		assignee = json_pack("{ss sI ss}", "kind", "team", "id", (json_int_t)o.team, "name", db_text(st, 18));
	else if (!db_null(st, 16))
		assignee =
		    json_pack("{ss sI ss}", "kind", "partner", "id", (json_int_t)o.partner, "name", db_text(st, 19));
	else if (!db_null(st, 17))
		assignee = json_pack("{ss sI ss}", "kind", "user", "id", (json_int_t)o.user, "name", db_text(st, 20));
	const char *state = db_text(st, 4);
	const char *w = warning(db_int(st, 21), db_null(st, 22) ? 0 : db_int(st, 22), state, clock_now());
	json_t *j = json_pack("{sI ss ss ss ss sI ss ss ss ss ss sb so}", "id", (json_int_t)db_int(st, 0), "category",
	    db_text(st, 1), "category_zh", db_text(st, 2), "category_en", db_text(st, 3), "state", state, "version",
	    (json_int_t)db_int(st, 5), "urgency", db_text(st, 6), "channel", db_text(st, 7), "description",
	    db_text(st, 9), "area_code", db_text(st, 10), "area_name", db_text(st, 11), "confidential",
	    (int)db_int(st, 14), "assignee", assignee);
	json_object_set_new(j, "origin", text_or_null(st, 8));
	json_object_set_new(j, "address", hide ? json_null() : text_or_null(st, 12));
	json_object_set_new(j, "resident_id", hide || db_null(st, 13) ? json_null() : json_integer(db_int(st, 13)));
	json_object_set_new(j, "dispatched_at", time_or_null(st, 21));
	json_object_set_new(j, "due_at", time_or_null(st, 22));
	json_object_set_new(j, "warning", w ? json_string(w) : json_null());
	json_object_set_new(j, "rework", json_integer(db_int(st, 23)));
	json_object_set_new(j, "escalated_to", text_or_null(st, 24));
	json_object_set_new(j, "satisfaction", text_or_null(st, 25));
	json_object_set_new(j, "evaluated_on_behalf", json_boolean(db_int(st, 26) != 0));
	json_object_set_new(j, "created_at", time_or_null(st, 27));
	json_object_set_new(j, "updated_at", time_or_null(st, 28));
	json_object_set_new(j, "closed_at", time_or_null(st, 29));
	json_object_set_new(j, "deferred", json_boolean(db_int(st, 31) != 0));
	return j;
}

json_t *order_by_id(struct req *r, int64_t id)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT " ORDER_COLUMNS ORDER_FROM " WHERE o.id = ?", "i", id);
	json_t *j = st != NULL && db_step(st) == DB_ROW ? order_json(r, st) : NULL;
	if (st)
		db_reset(st);
	return j;
}

json_t *order_steps_json(struct db *db, int64_t id)
{
	json_t *steps = json_array();
	struct db_stmt *st = db_stmt(db,
	    "SELECT s.action, s.from_state, s.to_state, u.username, s.note, s.at FROM work_order_steps s"
	    " LEFT JOIN users u ON u.id = s.user_id WHERE s.order_id = ? ORDER BY s.id",
	    "i", id);
	while (st != NULL && db_step(st) == DB_ROW) {
		char at[32];
		json_t *s = json_pack("{ss ss ss ss}", "action", db_text(st, 0), "from", db_text(st, 1), "to",
		    db_text(st, 2), "at", clock_format(db_int(st, 5), at, sizeof(at)));
		json_object_set_new(s, "by", text_or_null(st, 3));
		json_object_set_new(s, "note", text_or_null(st, 4));
		json_array_append_new(steps, s);
	}
	if (st)
		db_reset(st);
	return steps;
}

/* The order if the caller may see it; else 404 is sent and false returned. */
bool order_find(struct req *r, int64_t id, struct order *o)
{
	if (!order_read(req_db(r), id, o) || !visible(r, o)) {
		reply_problem(r, P_NOT_FOUND, "no such work order");
		return false;
	}
	return true;
}

/* The inboxes: to accept, to dispatch, mine (assigned to me, my team or unit),
 * to verify, overdue, and raised (what I recorded or asked for). Any caller may
 * list: a resident sees what they raised, others also what their scope holds. */
static void list_orders(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = user_scope(a, req_user(r), "orders.read", &n);
	const char *box = req_query(r, "box"), *state = req_query(r, "state"), *category = req_query(r, "category");
	const char *area = req_area(r);
	int64_t me = req_user(r)->id, limit = req_limit(r), cursor = req_cursor(r);
	const char *mine =
	    "(o.assignee_user = ? OR o.assignee_team IN (SELECT team_id FROM team_members WHERE user_id = ?)"
	    " OR o.assignee_partner IN (SELECT partner_id FROM partner_members WHERE user_id = ?))";
	const char *where = "1=1";
	if (box == NULL)
		where = arena_printf(
		    a, "(%s OR %s OR o.created_by = %lld)", scope_sql(a, "o.area_code", codes, n), mine, (long long)me);
	else if (strcmp(box, "mine") == 0)
		where = arena_printf(a, "%s AND o.state IN ('dispatched', 'handled')", mine);
	else if (strcmp(box, "raised") == 0)
		where = arena_printf(a, "o.created_by = %lld", (long long)me);
	else {
		/* The staff boxes hold what the caller runs the loop for. */
		codes = user_scope(a, req_user(r), "orders.manage", &n);
		const char *cond = strcmp(box, "to_accept") == 0     ? "o.state = 'collected'"
		                   : strcmp(box, "to_dispatch") == 0 ? "o.state = 'accepted'"
		                   : strcmp(box, "to_verify") == 0
		                       ? "o.state = 'reported'"
		                       : arena_printf(a,
		                             "o.state IN ('dispatched', 'handled', 'reported',"
		                             " 'verified') AND o.due_at <= %lld",
		                             (long long)clock_now());
		where = arena_printf(a, "%s AND %s", cond, scope_sql(a, "o.area_code", codes, n));
	}
	struct db_stmt *st = db_prepare(req_db(r),
	    arena_printf(a,
	        "SELECT " ORDER_COLUMNS ORDER_FROM " WHERE (? = 0 OR o.id < ?) AND %s AND (? IS NULL OR o.state = ?)"
	        " AND (? IS NULL OR o.category = ?) AND o.area_code >= ? AND o.area_code < ? ORDER BY o.id DESC LIMIT ?",
	        where));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int i = 1;
	db_bind_int(st, i++, cursor);
	db_bind_int(st, i++, cursor);
	bool has_mine = box == NULL || strcmp(box, "mine") == 0;
	if (box == NULL || (strcmp(box, "mine") != 0 && strcmp(box, "raised") != 0))
		i = scope_bind(st, i, a, codes, n);
	for (int k = 0; k < 3 && has_mine; k++)
		db_bind_int(st, i++, me);
	db_bind_text(st, i++, state);
	db_bind_text(st, i++, state);
	db_bind_text(st, i++, category);
	db_bind_text(st, i++, category);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_int(st, i, limit + 1);
	json_t *items = json_array();
	int64_t count = 0, last = 0;
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, order_json(r, st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* --- recording a demand --- */

int order_step(struct db *db, int64_t order, const char *action, const char *from, const char *to, int64_t user,
    const char *note, int64_t now)
{
	int rc = db_run(db,
	    "INSERT INTO work_order_steps (order_id, action, from_state, to_state, user_id, note, at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)",
	    "itttiti", order, action, from, to, user, note, now);
	return rc == DB_DONE ? DB_OK : rc;
}

int order_notify(struct db *db, int64_t user, int64_t order, const char *kind, int64_t now)
{
	int rc = db_run(db, "INSERT INTO notifications (user_id, order_id, kind, created_at) VALUES (?, ?, ?, ?)",
	    "iiti", user, order, kind, now);
	return rc == DB_DONE ? DB_OK : rc;
}

/* The area a demand is placed in: the one given, else the caller's only area. */
static const char *demand_area(struct req *r)
{
	const char *area = body_str(r, "area_code");
	if (area != NULL || req_user(r)->nroles != 1)
		return area;
	return req_user(r)->roles[0].area_code;
}

int order_insert(struct db *db, const struct new_order *o, int64_t now, int64_t *id)
{
	int rc = db_run(db,
	    "INSERT INTO work_orders (category, state, version, urgency, channel, origin, description, area_code,"
	    " address, resident_id, confidential, rework, deferred, created_by, created_at, updated_at)"
	    " VALUES (?, 'collected', 1, ?, ?, ?, ?, ?, ?, nullif(?, 0), ?, 0, 0, nullif(?, 0), ?, ?)",
	    "tttttttiiiii", o->category, o->urgency ? o->urgency : "normal", o->channel, o->origin, o->description,
	    o->area_code, o->address, o->resident_id, (int64_t)o->confidential, o->created_by, now, now);
	if (rc != DB_DONE)
		return rc;
	*id = db_last_id(db);
	rc = order_rollup(db, *id, 1);
	return rc == DB_OK ? order_step(db, *id, "collect", "", "collected", o->created_by, NULL, now) : rc;
}

static void create_order(struct req *r)
{
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	struct category c;
	const char *area = demand_area(r);
	int64_t resident = body_int(r, "resident_id", 0);
	/* A resident raising their own demand: their record, through their account. */
	int64_t own = resident == 0 && req_user(r)->id != 0 ? resident_of_user(db, req_user(r)->id) : 0;
	bool bad = false;
	if (!category_get(db, body_str(r, "category"), &c)) {
		req_invalid(r, "category", "is not an active category");
		bad = true;
	}
	const struct area *where = area ? area_find(db, area) : NULL;
	if (area == NULL) {
		req_invalid(r, "area_code", "is required");
		bad = true;
	} else if (where == NULL || strcmp(where->kind, "district") == 0) {
		req_invalid(r, "area_code", "must be a street, community, grid, estate or building");
		bad = true;
	} else if (!user_covers(req_user(r), "orders.create", area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	if (resident != 0) {
		struct db_stmt *st = db_stmt(db, "SELECT area_code FROM residents WHERE id = ?", "i", resident);
		bool known =
		    st != NULL && db_step(st) == DB_ROW && user_covers(req_user(r), "residents.read", db_text(st, 0));
		if (st)
			db_reset(st);
		if (!known) {
			req_invalid(r, "resident_id", "is not a resident you can reach");
			bad = true;
		}
	}
	if (bad) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return;
	}
	const char *channel = body_str(r, "channel");
	if (channel == NULL)
		channel = user_can(req_user(r), "orders.manage") ? "walk_in" : "self_service";
	struct new_order o = {c.code, body_str(r, "urgency"), channel, body_str(r, "origin"),
	    body_str(r, "description"), area, body_str(r, "address"), resident ? resident : own, req_user(r)->id,
	    json_is_true(json_object_get(req_body(r), "confidential"))};
	int64_t now = clock_now(), id = 0;
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = order_insert(db, &o, now, &id);
	if (rc == DB_OK)
		rc = audit_request_rc(r, "work_order.create", arena_printf(a, "work_order:%lld", (long long)id), NULL);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, order_by_id(r, id));
}

/* --- transitions --- */

/* The user who last took the handle step of order id, 0 if none. */
static int64_t last_handler(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT user_id FROM work_order_steps WHERE order_id = ? AND action = 'handle' ORDER BY id DESC LIMIT 1",
	    "i", id);
	int64_t user = st != NULL && db_step(st) == DB_ROW && !db_null(st, 0) ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	return user;
}

/* Who may take action on o: the loop's actor, checked against the caller. */
static bool may_take(struct req *r, const struct action *act, const struct order *o)
{
	switch (act->actor) {
	case BY_STAFF:
		return order_run_by_caller(r, o);
	case BY_ASSIGNEE:
		return user_can(req_user(r), "orders.handle") && order_assigned_to_caller(r, o);
	case BY_EVALUATOR:
		return (user_can(req_user(r), "orders.evaluate") && o->created_by != 0 &&
		           o->created_by == req_user(r)->id) ||
		       (order_run_by_caller(r, o) && user_covers(req_user(r), "orders.evaluate", o->area));
	}
	return false;
}

/* Set the assignee from the body (team, partner unit or person); false with a 422 detail. */
static bool assign(struct req *r, struct order *o, const struct category *c)
{
	int64_t team = body_int(r, "team_id", 0), partner = body_int(r, "partner_id", 0),
	        user = body_int(r, "user_id", 0);
	if (team == 0 && partner == 0 && user == 0) {
		team = c->default_team; /* the category's default handler */
		partner = team ? 0 : c->default_partner;
	}
	if ((team != 0) + (partner != 0) + (user != 0) != 1) {
		req_invalid(r, "team_id", "give exactly one of team_id, partner_id and user_id");
		return false;
	}
	const char *sql = team      ? "SELECT 1 FROM teams WHERE id = ?"
	                  : partner ? "SELECT 1 FROM partners WHERE id = ?"
	                            : "SELECT 1 FROM users WHERE id = ? AND active = 1";
	struct db_stmt *st = db_stmt(req_db(r), sql, "i", team ? team : partner ? partner : user);
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	if (!found) {
		req_invalid(r, team ? "team_id" : partner ? "partner_id" : "user_id", "does not exist");
		return false;
	}
	o->team = team;
	o->partner = partner;
	o->user = user;
	return true;
}

/* One order as its page shows it: with its timeline, the steps the caller may
 * take now (so that clients need not repeat the rules) and whether they raised it. */
static json_t *order_page(struct req *r, int64_t id)
{
	struct order o;
	json_t *j = order_by_id(r, id);
	if (j == NULL || !order_read(req_db(r), id, &o))
		return j;
	json_t *actions = json_array();
	size_t n;
	const struct action *all = loop_actions(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].from, o.state) == 0 && may_take(r, &all[i], &o))
			json_array_append_new(actions, json_string(all[i].name));
	json_object_set_new(j, "actions", actions);
	json_object_set_new(j, "raised_by_me", json_boolean(o.created_by != 0 && o.created_by == req_user(r)->id));
	json_object_set_new(j, "steps", order_steps_json(req_db(r), id));
	return j;
}

static void get_order(struct req *r)
{
	struct order o;
	if (order_find(r, req_param_id(r, 0), &o))
		reply_json(r, 200, order_page(r, o.id));
}

static void transition(struct req *r)
{
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	struct order o;
	const char *name = body_str(r, "action"), *note = body_str(r, "note");
	if (db_begin(db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	if (!order_find(r, req_param_id(r, 0), &o))
		return;
	const struct action *act = loop_action(name, o.state);
	if (act == NULL) {
		reply_problem(r, P_CONFLICT,
		    arena_printf(a, "a work order that is %s cannot be given the action %s", o.state, name));
		return;
	}
	if (!may_take(r, act, &o)) {
		audit_request(r, "denied", arena_printf(a, "work_order:%lld", (long long)o.id), AUDIT_DENIED, name);
		reply_problem(r, P_FORBIDDEN, "your roles do not allow this step on this work order");
		return;
	}
	if (body_int(r, "version", 0) != o.version) {
		reply_problem(r, P_CONFLICT, "someone changed this work order meanwhile; reload and try again");
		return;
	}
	struct category c;
	order_category(db, &o, &c);
	const char *satisfaction = body_str(r, "satisfaction");
	bool bad = false;
	if ((act->needs & NEED_NOTE) && (note == NULL || note[0] == '\0')) {
		req_invalid(r, "note", "is required for this step");
		bad = true;
	}
	if ((act->needs & NEED_SATISFACTION) && satisfaction == NULL) {
		req_invalid(r, "satisfaction", "is required for an evaluation");
		bad = true;
	}
	if ((act->needs & NEED_ASSIGNEE) && !assign(r, &o, &c))
		bad = true;
	if (bad) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return;
	}

	int64_t now = clock_now(), me = req_user(r)->id;
	/* Failed verification and dissatisfaction reopen the order as rework, with a new limit. */
	bool rework = strcmp(act->name, "fail") == 0 ||
	              (strcmp(act->name, "evaluate") == 0 && strcmp(satisfaction, "dissatisfied") == 0);
	const char *to = rework ? "dispatched" : act->to;
	bool starts_limit = strcmp(act->name, "dispatch") == 0 || rework;
	int64_t dispatched = starts_limit ? now : o.dispatched_at;
	int64_t due = starts_limit ? order_due_after(db, a, now, &c, o.urgency) : o.due_at;
	bool on_behalf = strcmp(act->name, "evaluate") == 0 && o.created_by != me;
	/* The metrics' rollups move with the order: its old part out, its new part in. */
	int rc = order_rollup(db, o.id, -1);
	if (rc == DB_OK &&
	    db_run(db,
	        "UPDATE work_orders SET state = ?, version = version + 1, assignee_team = nullif(?, 0),"
	        " assignee_partner = nullif(?, 0), assignee_user = nullif(?, 0), dispatched_at = nullif(?, 0),"
	        " due_at = nullif(?, 0), rework = rework + ?, updated_at = ?,"
	        " closed_at = CASE WHEN ? = 'closed' THEN ? WHEN ? THEN NULL ELSE closed_at END,"
	        " satisfaction = CASE WHEN ? IS NULL THEN satisfaction ELSE ? END,"
	        " evaluated_on_behalf = CASE WHEN ? IS NULL THEN evaluated_on_behalf ELSE ? END WHERE id = ?",
	        "tiiiiiiitiitttii", to, o.team, o.partner, o.user, dispatched, due, (int64_t)rework, now, to, now,
	        (int64_t)rework, satisfaction, satisfaction, satisfaction, (int64_t)on_behalf, o.id) != DB_DONE)
		rc = DB_ERROR;
	if (rc == DB_OK)
		rc = order_rollup(db, o.id, 1);
	if (rc == DB_OK)
		rc = order_step(db, o.id, act->name, o.state, to, me,
		    satisfaction ? arena_printf(a, "%s%s%s", satisfaction, note ? ": " : "", note ? note : "") : note,
		    now);
	/* Closing credits the service time to whoever handled it (for a team or a
	 * partner unit, the member who took the handle step). */
	int64_t handler = strcmp(to, "closed") == 0 ? last_handler(db, o.id) : 0;
	if (rc == DB_OK && handler != 0)
		rc = service_hours_credit(db, o.id, handler, body_int(r, "minutes", 0), now);
	if (rc == DB_OK && starts_limit && o.user != 0)
		rc = order_notify(db, o.user, o.id, rework ? "rework" : "dispatched", now);
	if (rc == DB_OK && strcmp(to, "closed") == 0 && o.created_by != 0 && o.created_by != me)
		rc = order_notify(db, o.created_by, o.id, "closed", now);
	if (rc == DB_OK)
		rc = audit_request_rc(r, arena_printf(a, "work_order.%s", act->name),
		    arena_printf(a, "work_order:%lld", (long long)o.id), satisfaction);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 200, order_page(r, o.id));
}

/* --- schemas and routes --- */

static const struct field assignee_fields[] = {
    {"kind", T_STRING, F_REQUIRED},
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field step_fields[] = {
    {"action", T_STRING, F_REQUIRED},
    {"from", T_STRING, F_REQUIRED},
    {"to", T_STRING, F_REQUIRED},
    {"by", T_STRING, F_REQUIRED | F_NULLABLE},
    {"note", T_STRING, F_REQUIRED | F_NULLABLE},
    {"at", T_DATETIME, F_REQUIRED},
    {NULL},
};
static const struct field step_schema = {NULL, T_OBJECT, 0, .fields = step_fields};
static const char *const warnings[] = {"green", "yellow", "red", NULL};
static const struct field action_item = {NULL, T_ENUM, 0, .values = order_actions};
static const struct field order_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"category", T_STRING, F_REQUIRED},
    {"category_zh", T_STRING, F_REQUIRED},
    {"category_en", T_STRING, F_REQUIRED},
    {"state", T_ENUM, F_REQUIRED, .values = order_states},
    {"version", T_INT, F_REQUIRED},
    {"urgency", T_ENUM, F_REQUIRED, .values = urgencies},
    {"channel", T_ENUM, F_REQUIRED, .values = channels},
    {"origin", T_STRING, F_REQUIRED | F_NULLABLE},
    {"description", T_STRING, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED},
    {"area_name", T_STRING, F_REQUIRED},
    {"address", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "hidden for a confidential demand outside its chain"},
    {"resident_id", T_INT, F_REQUIRED | F_NULLABLE, .desc = "hidden for a confidential demand outside its chain"},
    {"confidential", T_BOOL, F_REQUIRED},
    {"assignee", T_OBJECT, F_REQUIRED | F_NULLABLE, .fields = assignee_fields},
    {"dispatched_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"due_at", T_DATETIME, F_REQUIRED | F_NULLABLE, .desc = "the time limit"},
    {"warning", T_ENUM, F_REQUIRED | F_NULLABLE, .values = warnings, .desc = "yellow: four fifths used"},
    {"rework", T_INT, F_REQUIRED},
    {"escalated_to", T_STRING, F_REQUIRED | F_NULLABLE},
    {"satisfaction", T_ENUM, F_REQUIRED | F_NULLABLE, .values = satisfactions},
    {"evaluated_on_behalf", T_BOOL, F_REQUIRED, .desc = "recorded by staff, e.g. from a phone call"},
    {"created_at", T_DATETIME, F_REQUIRED},
    {"updated_at", T_DATETIME, F_REQUIRED},
    {"closed_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"deferred", T_BOOL, F_REQUIRED},
    {"steps", T_ARRAY, 0, .items = &step_schema, .desc = "the timeline (one order only)"},
    {"actions", T_ARRAY, 0, .items = &action_item, .desc = "the steps the caller may take now (one order only)"},
    {"raised_by_me", T_BOOL, 0, .desc = "whether the caller recorded it (one order only)"},
    {NULL},
};
static const struct field order_schema = {NULL, T_OBJECT, 0, .fields = order_fields};

static const struct field create_fields[] = {
    {"category", T_STRING, F_REQUIRED, 1, 40},
    {"description", T_STRING, F_REQUIRED, 2, 4000},
    {"area_code", T_STRING, F_AREA, .desc = "where; default: the caller's only area"},
    {"address", T_STRING, 0, 1, 200},
    {"urgency", T_ENUM, 0, .values = urgencies, .desc = "default normal"},
    {"channel", T_ENUM, 0, .values = channels, .desc = "default walk_in for staff, self_service for residents"},
    {"origin", T_STRING, 0, 1, 100, .desc = "what recorded it, e.g. visit:123"},
    {"resident_id", T_INT, 0, 1, INT64_MAX, .desc = "absent: anonymous"},
    {"confidential", T_BOOL, 0, .desc = "only the handling chain sees who raised it"},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};
static const struct field transition_fields[] = {
    {"action", T_ENUM, F_REQUIRED, .values = order_actions},
    {"version", T_INT, F_REQUIRED, 1, INT64_MAX, .desc = "the version read; 409 when it has changed"},
    {"note", T_STRING, 0, 0, 2000},
    {"team_id", T_INT, 0, 1, INT64_MAX, .desc = "dispatch: to a team"},
    {"partner_id", T_INT, 0, 1, INT64_MAX, .desc = "dispatch: to a partner unit"},
    {"user_id", T_INT, 0, 1, INT64_MAX, .desc = "dispatch: to a person"},
    {"satisfaction", T_ENUM, 0, .values = satisfactions, .desc = "evaluate"},
    {"minutes", T_INT, 0, 0, 100000, .desc = "close: service time to credit to the assignee"},
    {NULL},
};
static const struct field transition_body = {NULL, T_OBJECT, 0, .fields = transition_fields};
static const struct field list_query[] = {
    {"box", T_ENUM, 0, .values = boxes},
    {"state", T_ENUM, 0, .values = order_states},
    {"category", T_STRING, 0, 1, 40},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/work-orders", NULL, R_LIST, list_query, NULL, 200, &order_schema, list_orders,
        "Work orders in scope or assigned, newest first; box= picks an inbox"},
    {M_POST, "/api/v1/work-orders", "orders.create", 0, NULL, &create_body, 201, &order_schema, create_order,
        "Record a demand (state collected)"},
    {M_GET, "/api/v1/work-orders/{id}", NULL, 0, NULL, NULL, 200, &order_schema, get_order,
        "One work order with its timeline"},
    {M_POST, "/api/v1/work-orders/{id}/transitions", NULL, 0, NULL, &transition_body, 200, &order_schema, transition,
        "Take a step of the loop (optimistic: send the version read)"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE work_orders ("
        " id INTEGER PRIMARY KEY,"
        " category TEXT NOT NULL REFERENCES categories (code),"
        " state TEXT NOT NULL,"
        " version INTEGER NOT NULL,"
        " urgency TEXT NOT NULL,"
        " channel TEXT NOT NULL,"
        " origin TEXT,"
        " description TEXT NOT NULL,"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " address TEXT,"
        " resident_id INTEGER REFERENCES residents (id),"
        " confidential INTEGER NOT NULL,"
        " assignee_team INTEGER REFERENCES teams (id),"
        " assignee_partner INTEGER REFERENCES partners (id),"
        " assignee_user INTEGER REFERENCES users (id),"
        " dispatched_at INTEGER,"
        " due_at INTEGER,"
        " rework INTEGER NOT NULL,"
        " deferred INTEGER NOT NULL,"
        " escalated_to TEXT,"
        " satisfaction TEXT,"
        " evaluated_on_behalf INTEGER NOT NULL DEFAULT 0,"
        " created_by INTEGER REFERENCES users (id)," /* NULL: an integration's API token */
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL,"
        " closed_at INTEGER);"
        "CREATE INDEX work_orders_area ON work_orders (area_code, id);"
        "CREATE INDEX work_orders_state ON work_orders (state, area_code);"
        "CREATE INDEX work_orders_due ON work_orders (due_at);"
        "CREATE INDEX work_orders_team ON work_orders (assignee_team) WHERE assignee_team IS NOT NULL;"
        "CREATE INDEX work_orders_partner ON work_orders (assignee_partner) WHERE assignee_partner IS NOT NULL;"
        "CREATE INDEX work_orders_user ON work_orders (assignee_user) WHERE assignee_user IS NOT NULL;"
        "CREATE INDEX work_orders_creator ON work_orders (created_by, id);"
        "CREATE TABLE work_order_steps ("
        " id INTEGER PRIMARY KEY,"
        " order_id INTEGER NOT NULL REFERENCES work_orders (id),"
        " action TEXT NOT NULL,"
        " from_state TEXT NOT NULL,"
        " to_state TEXT NOT NULL,"
        " user_id INTEGER,"
        " note TEXT,"
        " at INTEGER NOT NULL);"
        "CREATE INDEX work_order_steps_order ON work_order_steps (order_id, id);"
        /* The outbox: what the people who must act are told; delivered in the app now. */
        "CREATE TABLE notifications ("
        " id INTEGER PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " order_id INTEGER,"
        " kind TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " read_at INTEGER,"
        " sent_at INTEGER);"
        "CREATE INDEX notifications_user ON notifications (user_id, id);"},
    /* Everything the metrics read, in the index itself: one range scan by due time. */
    {2, "DROP INDEX work_orders_due;"
        "CREATE INDEX work_orders_metrics ON work_orders (due_at, area_code, category, assignee_team,"
        " assignee_partner, deferred, closed_at, rework, satisfaction, created_at) WHERE due_at IS NOT NULL;"},
    /* The median's last step (metrics.c): closed orders in time-to-close order, with what a selection filters
     * on; closed_at and created_at too, or SQLite would not see that the index covers the query. */
    {3, "CREATE INDEX work_orders_close ON work_orders (closed_at - created_at, due_at, area_code, category,"
        " assignee_team, assignee_partner, closed_at, created_at) WHERE closed_at IS NOT NULL AND due_at IS NOT NULL;"},
    {0},
};

const struct module work_orders_module = {
    .name = "work_orders",
    .migrations = migrations,
    .routes = routes,
};
