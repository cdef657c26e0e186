/* Visits: a door-knock recorded on a phone in a few taps — the household, who
 * went, when, the outcome, who was seen, a short checklist, notes and the
 * demands raised. In the same transaction each demand becomes a work order in
 * state collected (channel visit, origin visit:ID), "moved away" and "died"
 * propose life events for staff to confirm, the household's visit status moves
 * on (the last in-person visit, from which the next is due), the day's plan
 * marks the door done, and welfare alerts follow. A phone that retries sends an
 * Idempotency-Key, so the visit is stored once (R_IDEMPOTENT). */
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../orders/orders.h"
#include "../registry/registry.h"
#include "visits.h"
#include "../core/banned.h"

#define READ "visits.read"
#define RECORD "visits.record"
/* How far back a visit may be dated: a phone that was offline for a while. */
#define BACKDATE_MAX (7 * 86400)

static const char *const outcomes[] = {"met", "not_home", "refused", "moved_away", "in_hospital", "died", NULL};
static const char *const checks[] = {"ok", "concern", NULL};
/* The checklist: health, living conditions, and the safety hazards (gas, electricity, fire exits). */
static const char *const checklist_items[] = {"health", "living", "gas", "electricity", "fire_exits", NULL};
static const char *const urgencies[] = {"normal", "urgent", NULL};
static const char *const booleans[] = {"true", "false", NULL};

/* --- households in reach --- */

struct household {
	int64_t id;
	const char *area, *unit, *room;
};

/* The household if it lies within the codes; false otherwise. */
static bool household_in(struct req *r, int64_t id, const char **codes, int n, struct household *h)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT area_code, unit, room FROM households WHERE id = ?", "i", id);
	bool ok = st != NULL && db_step(st) == DB_ROW && visit_scope_covers(codes, n, db_text(st, 0));
	if (ok)
		*h = (struct household){id, arena_strdup(req_arena(r), db_text(st, 0)),
		    arena_strdup(req_arena(r), db_text(st, 1)), arena_strdup(req_arena(r), db_text(st, 2))};
	if (st)
		db_reset(st);
	return ok;
}

/* Whether the resident is an active member of the household. */
static bool member_of(struct db *db, int64_t resident, int64_t household)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT 1 FROM residents WHERE id = ? AND household_id = ? AND status = 'active'", "ii",
	        resident, household);
	bool ok = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	return ok;
}

/* --- reading --- */

#define VISIT_COLUMNS                                                                                        \
	"v.id, v.household_id, v.area_code, h.unit, h.room, v.visited_at, v.outcome, v.notes, v.created_at," \
	" u.id, u.username, u.display_name, v.health, v.living, v.gas, v.electricity, v.fire_exits"
#define VISIT_FROM " FROM visits v JOIN households h ON h.id = v.household_id JOIN users u ON u.id = v.recorded_by"

static json_t *ids_json(struct db *db, const char *sql, int64_t id)
{
	json_t *ids = json_array();
	struct db_stmt *st = db_stmt(db, sql, "i", id);
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(ids, json_integer(db_int(st, 0)));
	if (st)
		db_reset(st);
	return ids;
}

/* A visit row as JSON, with its visitors, who was seen, and what it raised. */
static json_t *visit_json(struct db *db, struct arena *a, struct db_stmt *st)
{
	int64_t id = db_int(st, 0);
	json_t *v = json_pack("{sI sI ss ss so ss ss so}", "id", (json_int_t)id, "household_id",
	    (json_int_t)db_int(st, 1), "area_code", db_text(st, 2), "address",
	    visits_address(db, a, db_text(st, 2), db_text(st, 3), db_text(st, 4)), "visited_at",
	    visits_time_json(db_int(st, 5)), "outcome", db_text(st, 6), "notes", db_text(st, 7), "created_at",
	    visits_time_json(db_int(st, 8)));
	json_object_set_new(v, "recorded_by", visits_user_json(st, 9));
	json_t *checklist = json_object();
	for (int i = 0; checklist_items[i] != NULL; i++)
		json_object_set_new(checklist, checklist_items[i], visits_text_or_null(st, 12 + i));
	json_object_set_new(v, "checklist", checklist);
	json_t *visitors = json_array();
	json_array_append_new(visitors, visits_user_json(st, 9));
	struct db_stmt *q = db_stmt(db,
	    "SELECT u.id, u.username, u.display_name FROM visit_companions c JOIN users u ON u.id = c.user_id"
	    " WHERE c.visit_id = ? ORDER BY u.id",
	    "i", id);
	while (q != NULL && db_step(q) == DB_ROW)
		json_array_append_new(visitors, visits_user_json(q, 0));
	if (q)
		db_reset(q);
	json_object_set_new(v, "visitors", visitors);
	json_t *seen = json_array();
	q = db_stmt(db,
	    "SELECT r.id, r.name FROM visit_seen s JOIN residents r ON r.id = s.resident_id WHERE s.visit_id = ?"
	    " ORDER BY r.id",
	    "i", id);
	while (q != NULL && db_step(q) == DB_ROW)
		json_array_append_new(
		    seen, json_pack("{sI ss}", "id", (json_int_t)db_int(q, 0), "name", db_text(q, 1)));
	if (q)
		db_reset(q);
	json_object_set_new(v, "seen", seen);
	json_object_set_new(v, "work_orders",
	    ids_json(db,
	        "SELECT target_id FROM visit_links WHERE visit_id = ? AND kind = 'work_order' ORDER BY target_id", id));
	json_object_set_new(v, "life_events",
	    ids_json(db,
	        "SELECT target_id FROM visit_links WHERE visit_id = ? AND kind = 'life_event' ORDER BY target_id", id));
	return v;
}

static json_t *visit_by_id(struct db *db, struct arena *a, int64_t id)
{
	struct db_stmt *st = db_stmt(db, "SELECT " VISIT_COLUMNS VISIT_FROM " WHERE v.id = ?", "i", id);
	json_t *v = st != NULL && db_step(st) == DB_ROW ? visit_json(db, a, st) : NULL;
	if (st)
		db_reset(st);
	return v;
}

/* Whether the user went on the visit (recorded it or came along). */
static bool went(struct db *db, int64_t visit, int64_t user)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT 1 FROM visits WHERE id = ?1 AND recorded_by = ?2 UNION ALL"
	    " SELECT 1 FROM visit_companions WHERE visit_id = ?1 AND user_id = ?2",
	    "ii", visit, user);
	bool ok = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	return ok;
}

static void get_visit(struct req *r)
{
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0);
	int n;
	const char **codes = visit_scope(r, READ, &n);
	struct db_stmt *st = db_stmt(db, "SELECT area_code FROM visits WHERE id = ?", "i", id);
	bool ok = st != NULL && db_step(st) == DB_ROW && visit_scope_covers(codes, n, db_text(st, 0));
	if (st)
		db_reset(st);
	if (!ok && !(id != 0 && went(db, id, req_user(r)->id))) {
		reply_problem(r, P_NOT_FOUND, "no such visit");
		return;
	}
	reply_json(r, 200, visit_by_id(db, req_arena(r), id));
}

/* Visits in reach, newest first: of one household, mine (recorded or
 * accompanied), with one outcome, between two days (Beijing, both included). */
static void list_visits(struct req *r)
{
	struct arena *a = req_arena(r);
	int n;
	const char **codes = visit_scope(r, READ, &n);
	const char *area = req_area(r), *mine = req_query(r, "mine"), *outcome = req_query(r, "outcome");
	int64_t from = 0, to = 0, household = req_query_int(r, "household", 0), me = req_user(r)->id;
	if ((req_query(r, "from") && !day_parse(req_query(r, "from"), &from)) ||
	    (req_query(r, "to") && !day_parse(req_query(r, "to"), &to))) {
		reply_invalid(r, req_query(r, "from") && !day_parse(req_query(r, "from"), &from) ? "from" : "to",
		    "must be a date like 2026-11-29");
		return;
	}
	bool only_mine = mine != NULL && strcmp(mine, "true") == 0;
	struct db_stmt *st = db_prepare(req_db(r),
	    arena_printf(a,
	        "SELECT " VISIT_COLUMNS VISIT_FROM " WHERE (? = 0 OR v.id < ?) AND %s AND v.area_code >= ?"
	        " AND v.area_code < ? AND (? = 0 OR v.household_id = ?) AND (? IS NULL OR v.outcome = ?)"
	        " AND (? = 0 OR v.visited_at >= ?) AND (? = 0 OR v.visited_at < ?) AND (? = 0 OR v.recorded_by = ?"
	        " OR EXISTS (SELECT 1 FROM visit_companions c WHERE c.visit_id = v.id AND c.user_id = ?))"
	        " ORDER BY v.id DESC LIMIT ?",
	        only_mine ? "1=1" : scope_sql(a, "v.area_code", codes, n)));
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	int64_t cursor = req_cursor(r), limit = req_limit(r), count = 0, last = 0;
	int i = 1;
	db_bind_int(st, i++, cursor);
	db_bind_int(st, i++, cursor);
	if (!only_mine)
		i = scope_bind(st, i, a, codes, n);
	const char *range[1] = {area ? area : ""};
	i = scope_bind(st, i, a, range, 1);
	db_bind_int(st, i++, household);
	db_bind_int(st, i++, household);
	db_bind_text(st, i++, outcome);
	db_bind_text(st, i++, outcome);
	db_bind_int(st, i++, from ? day_start(from) : 0);
	db_bind_int(st, i++, from ? day_start(from) : 0);
	db_bind_int(st, i++, to ? day_start(to + 1) : 0);
	db_bind_int(st, i++, to ? day_start(to + 1) : 0);
	db_bind_int(st, i++, only_mine ? me : 0);
	db_bind_int(st, i++, me);
	db_bind_int(st, i++, me);
	db_bind_int(st, i, limit + 1);
	/* Rows are read first: visit_json runs statements of its own. */
	int64_t ids[201];
	while (db_step(st) == DB_ROW && count < limit + 1)
		ids[count++] = db_int(st, 0);
	db_reset(st);
	json_t *items = json_array();
	for (int64_t k = 0; k < count && k < limit; k++) {
		json_array_append_new(items, visit_by_id(req_db(r), a, ids[k]));
		last = ids[k];
	}
	reply_list(r, items, count > limit ? last : 0);
}

/* --- the household's visit status --- */

static void visit_status(struct req *r)
{
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	int n;
	const char **codes = visit_scope(r, READ, &n);
	struct household h;
	if (!household_in(r, req_param_id(r, 0), codes, n, &h)) {
		reply_problem(r, P_NOT_FOUND, "no such household");
		return;
	}
	int64_t now = clock_now(), today = day_of(now);
	struct cadence_policy p;
	policy_of(db, h.area, &p);
	unsigned mask = 0, why = 0, sensitive = visits_sensitive_mask(db);
	bool lived = household_mask(db, h.id, today, &mask);
	int days = cadence_days(&p, mask, &why);
	bool may_see = user_covers(req_user(r), "residents.sensitive", h.area);
	json_t *j = json_pack("{sI ss ss si so sb}", "household_id", (json_int_t)h.id, "area_code", h.area, "address",
	    visits_address(db, a, h.area, h.unit, h.room), "cadence_days", days, "reasons",
	    visits_tags_json(why, sensitive, may_see), "occupied", lived);
	struct db_stmt *st = db_stmt(db,
	    "SELECT s.last_visit_at, s.last_outcome, s.last_met_at, s.not_home_run, h.created_at FROM households h"
	    " LEFT JOIN visit_status s ON s.household_id = h.id WHERE h.id = ?",
	    "i", h.id);
	if (st != NULL && db_step(st) == DB_ROW) {
		int64_t due = cadence_due(db_null(st, 2) ? -1 : day_of(db_int(st, 2)), day_of(db_int(st, 4)), days);
		char buf[11];
		json_object_set_new(j, "last_visit_at", db_null(st, 0) ? json_null() : visits_time_json(db_int(st, 0)));
		json_object_set_new(j, "last_outcome", visits_text_or_null(st, 1));
		json_object_set_new(j, "last_met_at", db_null(st, 2) ? json_null() : visits_time_json(db_int(st, 2)));
		json_object_set_new(j, "not_home_run", json_integer(db_null(st, 3) ? 0 : db_int(st, 3)));
		json_object_set_new(j, "due", json_string(day_format(due, buf)));
		json_object_set_new(j, "overdue_days", json_integer(today - due));
	}
	if (st)
		db_reset(st);
	json_t *members = json_array();
	st = db_stmt(db,
	    "SELECT r.id, r.name, s.seen_at FROM residents r LEFT JOIN resident_seen s ON s.resident_id = r.id"
	    " WHERE r.household_id = ? AND r.status = 'active' ORDER BY r.id",
	    "i", h.id);
	while (st != NULL && db_step(st) == DB_ROW) {
		int64_t rid = db_int(st, 0);
		json_t *m = json_pack("{sI ss}", "id", (json_int_t)rid, "name", db_text(st, 1));
		json_object_set_new(m, "seen_at", db_null(st, 2) ? json_null() : visits_time_json(db_int(st, 2)));
		json_object_set_new(m, "tags", visits_tags_json(resident_mask(db, rid, today), sensitive, may_see));
		json_array_append_new(members, m);
	}
	if (st)
		db_reset(st);
	json_object_set_new(j, "members", members);
	reply_json(r, 200, j);
}

/* --- recording --- */

/* Check the body's references (who was seen, the residents an outcome is about,
 * the companions, the demands); 422 errors are gathered with req_invalid. */
static bool references_valid(struct req *r, const struct household *h, int64_t recorder)
{
	struct db *db = req_db(r);
	json_t *body = req_body(r), *v;
	const char *outcome = body_str(r, "outcome");
	bool ok = true, met = strcmp(outcome, "met") == 0;
	size_t i, nseen = json_array_size(json_object_get(body, "seen"));
	if (met && nseen == 0) {
		req_invalid(r, "seen", "name who was met in person");
		ok = false;
	} else if (!met && nseen > 0) {
		req_invalid(r, "seen", "is for a visit where someone was met in person");
		ok = false;
	}
	json_array_foreach (json_object_get(body, "seen"), i, v)
		if (!member_of(db, json_integer_value(v), h->id)) {
			req_invalid(r, arena_printf(req_arena(r), "seen[%zu]", i), "does not live in this household");
			ok = false;
		}
	json_t *about = json_object_get(body, "residents");
	bool departs = strcmp(outcome, "moved_away") == 0 || strcmp(outcome, "died") == 0;
	if (strcmp(outcome, "died") == 0 && json_array_size(about) == 0) {
		req_invalid(r, "residents", "name who died");
		ok = false;
	} else if (!departs && json_array_size(about) > 0) {
		req_invalid(r, "residents", "is for the outcomes moved_away and died");
		ok = false;
	}
	json_array_foreach (about, i, v)
		if (!member_of(db, json_integer_value(v), h->id)) {
			req_invalid(
			    r, arena_printf(req_arena(r), "residents[%zu]", i), "does not live in this household");
			ok = false;
		}
	json_array_foreach (json_object_get(body, "visitors"), i, v) {
		int64_t user = json_integer_value(v);
		struct db_stmt *st = db_stmt(db, "SELECT 1 FROM users WHERE id = ? AND active = 1", "i", user);
		bool known = st != NULL && db_step(st) == DB_ROW;
		if (st)
			db_reset(st);
		if (!known || user == recorder) {
			req_invalid(r, arena_printf(req_arena(r), "visitors[%zu]", i),
			    user == recorder ? "is the one recording" : "is not an active user");
			ok = false;
		}
	}
	json_array_foreach (json_object_get(body, "demands"), i, v) {
		struct category c;
		json_t *resident = json_object_get(v, "resident_id");
		if (!category_get(db, json_string_value(json_object_get(v, "category")), &c)) {
			req_invalid(
			    r, arena_printf(req_arena(r), "demands[%zu].category", i), "is not an active category");
			ok = false;
		}
		if (resident != NULL && !member_of(db, json_integer_value(resident), h->id)) {
			req_invalid(r, arena_printf(req_arena(r), "demands[%zu].resident_id", i),
			    "does not live in this household");
			ok = false;
		}
	}
	return ok;
}

/* The household's visit status after a visit at `at` (a late phone may send an older one). */
static int status_after(struct db *db, int64_t household, int64_t at, const char *outcome)
{
	return db_ran(db_run(db,
	    "INSERT INTO visit_status (household_id, last_visit_at, last_outcome, last_met_at, not_home_run)"
	    " VALUES (?1, ?2, ?3, CASE WHEN ?3 = 'met' THEN ?2 END, ?3 = 'not_home')"
	    " ON CONFLICT (household_id) DO UPDATE SET"
	    " last_met_at = CASE WHEN ?3 = 'met' AND coalesce(last_met_at, 0) < ?2 THEN ?2 ELSE last_met_at END,"
	    " not_home_run = CASE WHEN ?2 < last_visit_at THEN not_home_run WHEN ?3 = 'not_home'"
	    " THEN not_home_run + 1 ELSE 0 END,"
	    " last_outcome = CASE WHEN ?2 < last_visit_at THEN last_outcome ELSE ?3 END,"
	    " last_visit_at = max(last_visit_at, ?2)",
	    "iit", household, at, outcome));
}

static int link(struct db *db, int64_t visit, const char *kind, int64_t target)
{
	return db_ran(db_run(
	    db, "INSERT INTO visit_links (visit_id, kind, target_id) VALUES (?, ?, ?)", "iti", visit, kind, target));
}

/* The people of the visit: companions, and who was seen (with when each was last seen). */
static int store_people(struct req *r, int64_t visit, int64_t at)
{
	struct db *db = req_db(r);
	json_t *v;
	size_t i;
	int rc = DB_DONE;
	json_array_foreach (json_object_get(req_body(r), "visitors"), i, v) {
		rc = db_run(db, "INSERT INTO visit_companions (visit_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
		    "ii", visit, (int64_t)json_integer_value(v));
		if (rc != DB_DONE)
			return rc;
	}
	json_array_foreach (json_object_get(req_body(r), "seen"), i, v) {
		int64_t resident = json_integer_value(v);
		rc = db_run(db, "INSERT INTO visit_seen (visit_id, resident_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
		    "ii", visit, resident);
		if (rc == DB_DONE)
			rc = db_run(db,
			    "INSERT INTO resident_seen (resident_id, seen_at) VALUES (?, ?) ON CONFLICT (resident_id)"
			    " DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)",
			    "ii", resident, at);
		if (rc != DB_DONE)
			return rc;
	}
	return DB_OK;
}

/* Each demand as a work order in state collected, with the visit as its origin. */
static int store_demands(struct req *r, const struct household *h, int64_t visit, int64_t now)
{
	struct db *db = req_db(r);
	const char *origin = arena_printf(req_arena(r), "visit:%lld", (long long)visit);
	const char *address = visits_address(db, req_arena(r), h->area, h->unit, h->room);
	json_t *d;
	size_t i;
	int rc = DB_OK;
	json_array_foreach (json_object_get(req_body(r), "demands"), i, d) {
		struct new_order o = {json_string_value(json_object_get(d, "category")),
		    json_string_value(json_object_get(d, "urgency")), "visit", origin,
		    json_string_value(json_object_get(d, "description")), h->area, address,
		    json_integer_value(json_object_get(d, "resident_id")), req_user(r)->id,
		    json_is_true(json_object_get(d, "confidential"))};
		int64_t order = 0;
		rc = order_insert(db, &o, now, &order);
		if (rc == DB_OK)
			rc = link(db, visit, "work_order", order);
		if (rc != DB_OK)
			break;
	}
	return rc;
}

/* "moved away" and "died": a proposed life event (move_out, death) for each
 * resident it is about — for a move, everyone unless named — that staff confirm. */
static int propose_events(struct req *r, const struct household *h, int64_t visit, int64_t at, int64_t now)
{
	struct db *db = req_db(r);
	const char *outcome = body_str(r, "outcome");
	bool died = strcmp(outcome, "died") == 0;
	if (!died && strcmp(outcome, "moved_away") != 0)
		return DB_OK;
	const char *kind = died ? "death" : "move_out";
	char date[11];
	day_format(day_of(at), date);
	const char *reason = arena_printf(
	    req_arena(r), "%s（入户走访 #%lld）", died ? "走访发现已去世" : "走访发现已搬离", (long long)visit);
	json_t *about = json_object_get(req_body(r), "residents");
	if (json_array_size(about) == 0) {
		about = json_array();
		arena_cleanup(req_arena(r), (void (*)(void *))json_decref, about);
		struct db_stmt *st = db_stmt(db,
		    "SELECT id FROM residents WHERE household_id = ? AND status = 'active' ORDER BY id", "i", h->id);
		while (st != NULL && db_step(st) == DB_ROW)
			json_array_append_new(about, json_integer(db_int(st, 0)));
		if (st)
			db_reset(st);
	}
	json_t *v;
	size_t i;
	int rc = DB_OK;
	json_array_foreach (about, i, v) {
		int64_t resident = json_integer_value(v), event = 0;
		struct db_stmt *st =
		    db_stmt(db, "SELECT 1 FROM life_events WHERE resident_id = ? AND kind = ? AND status = 'proposed'",
		        "it", resident, kind);
		bool pending = st != NULL && db_step(st) == DB_ROW;
		if (st)
			db_reset(st);
		if (pending) /* proposed already, by an earlier visit or by staff */
			continue;
		rc = life_event_propose(db, resident, kind, date, reason, req_user(r)->id, now, &event);
		if (rc == DB_OK)
			rc = link(db, visit, "life_event", event);
		if (rc != DB_OK)
			break;
	}
	return rc;
}

/* The visit's time: now, or when the phone says it was (not in the future, at most a week back). */
static bool visit_time(struct req *r, int64_t now, int64_t *at)
{
	const char *given = body_str(r, "visited_at");
	*at = now;
	if (given == NULL)
		return true;
	clock_parse(given, at);
	if (*at > now + 300 || *at < now - BACKDATE_MAX) {
		req_invalid(r, "visited_at", "must be within the last seven days, not in the future");
		return false;
	}
	return true;
}

static int store_visit(struct req *r, const struct household *h, int64_t at, int64_t now, int64_t *id)
{
	struct db *db = req_db(r);
	json_t *checklist = json_object_get(req_body(r), "checklist");
	const char *items[5];
	for (int i = 0; i < 5; i++)
		items[i] = json_string_value(json_object_get(checklist, checklist_items[i]));
	const char *notes = body_str(r, "notes");
	int rc = db_run(db,
	    "INSERT INTO visits (household_id, area_code, visited_at, outcome, health, living, gas, electricity,"
	    " fire_exits, notes, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "ititttttttii", h->id, h->area, at, body_str(r, "outcome"), items[0], items[1], items[2], items[3],
	    items[4], notes ? notes : "", req_user(r)->id, now);
	*id = db_last_id(db);
	return db_ran(rc);
}

static void record_visit(struct req *r)
{
	struct db *db = req_db(r);
	int64_t me = req_user(r)->id, now = clock_now(), at, id = 0;
	if (req_user(r)->token_id != 0) {
		reply_problem(r, P_FORBIDDEN, "a visit is recorded by the person who made it");
		return;
	}
	int n;
	const char **codes = visit_scope(r, RECORD, &n);
	struct household h;
	if (!household_in(r, body_int(r, "household_id", 0), codes, n, &h)) {
		reply_invalid(r, "household_id", "is not a household you visit");
		return;
	}
	bool ok = visit_time(r, now, &at);
	if (!references_valid(r, &h, me) || !ok) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return;
	}
	const char *outcome = body_str(r, "outcome");
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = store_visit(r, &h, at, now, &id);
	if (rc == DB_OK)
		rc = store_people(r, id, at);
	if (rc == DB_OK)
		rc = status_after(db, h.id, at, outcome);
	if (rc == DB_OK)
		rc = plan_mark_visited(db, h.id, day_of(at), id);
	if (rc == DB_OK)
		rc = store_demands(r, &h, id, now);
	if (rc == DB_OK)
		rc = propose_events(r, &h, id, at, now);
	if (rc == DB_OK)
		rc = alerts_after_visit(db, id, now);
	/* The answer is read inside the transaction, to be kept for a retrying phone in the same commit. */
	json_t *out = rc == DB_OK ? visit_by_id(db, req_arena(r), id) : NULL;
	if (rc == DB_OK)
		rc = out != NULL ? req_keep_answer(r, 201, out) : DB_ERROR;
	if (audit_commit(r, rc, NULL, "visit.record", arena_printf(req_arena(r), "visit:%lld", (long long)id), outcome))
		reply_json(r, 201, out);
	else
		json_decref(out);
}

/* --- schemas and routes --- */

static const struct field person_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED},
    {"display_name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field person_schema = {NULL, T_OBJECT, 0, .fields = person_fields};
static const struct field named_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {NULL},
};
static const struct field named_schema = {NULL, T_OBJECT, 0, .fields = named_fields};
static const struct field checklist_out_fields[] = {
    {"health", T_ENUM, F_REQUIRED | F_NULLABLE, .values = checks},
    {"living", T_ENUM, F_REQUIRED | F_NULLABLE, .values = checks, .desc = "living conditions"},
    {"gas", T_ENUM, F_REQUIRED | F_NULLABLE, .values = checks},
    {"electricity", T_ENUM, F_REQUIRED | F_NULLABLE, .values = checks},
    {"fire_exits", T_ENUM, F_REQUIRED | F_NULLABLE, .values = checks},
    {NULL},
};
static const struct field id_item = {NULL, T_INT, 0, 1, INT64_MAX};
static const struct field visit_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"household_id", T_INT, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED},
    {"address", T_STRING, F_REQUIRED},
    {"visited_at", T_DATETIME, F_REQUIRED},
    {"outcome", T_ENUM, F_REQUIRED, .values = outcomes},
    {"recorded_by", T_OBJECT, F_REQUIRED, .fields = person_fields},
    {"visitors", T_ARRAY, F_REQUIRED, .items = &person_schema, .desc = "who went: the recorder first"},
    {"seen", T_ARRAY, F_REQUIRED, .items = &named_schema, .desc = "who was met in person"},
    {"checklist", T_OBJECT, F_REQUIRED, .fields = checklist_out_fields, .desc = "null: not checked"},
    {"notes", T_STRING, F_REQUIRED},
    {"work_orders", T_ARRAY, F_REQUIRED, .items = &id_item, .desc = "the demands raised, as work orders"},
    {"life_events", T_ARRAY, F_REQUIRED, .items = &id_item, .desc = "the life events proposed"},
    {"created_at", T_DATETIME, F_REQUIRED},
    {NULL},
};
static const struct field visit_schema = {NULL, T_OBJECT, 0, .fields = visit_fields};

static const struct field checklist_fields[] = {
    {"health", T_ENUM, 0, .values = checks},
    {"living", T_ENUM, 0, .values = checks, .desc = "living conditions"},
    {"gas", T_ENUM, 0, .values = checks},
    {"electricity", T_ENUM, 0, .values = checks},
    {"fire_exits", T_ENUM, 0, .values = checks},
    {NULL},
};
static const struct field demand_fields[] = {
    {"category", T_STRING, F_REQUIRED, 1, 40},
    {"description", T_STRING, F_REQUIRED, 2, 4000},
    {"urgency", T_ENUM, 0, .values = urgencies, .desc = "default normal"},
    {"resident_id", T_INT, 0, 1, INT64_MAX, .desc = "who raised it (a member of the household); absent: the household"},
    {"confidential", T_BOOL, 0, .desc = "only the handling chain sees who raised it"},
    {NULL},
};
static const struct field demand_item = {NULL, T_OBJECT, 0, .fields = demand_fields};
static const struct field record_fields[] = {
    {"household_id", T_INT, F_REQUIRED, 1, INT64_MAX},
    {"outcome", T_ENUM, F_REQUIRED, .values = outcomes},
    {"visited_at", T_DATETIME, 0, .desc = "when, if not now (a phone that was offline): at most seven days back"},
    {"visitors", T_ARRAY, 0, 0, 5, .items = &id_item, .desc = "user ids of those who came along"},
    {"seen", T_ARRAY, 0, 0, 20, .items = &id_item, .desc = "residents met in person (required when met)"},
    {"residents", T_ARRAY, 0, 0, 20, .items = &id_item,
        .desc = "died: who died; moved_away: who moved (default: everyone)"},
    {"checklist", T_OBJECT, 0, .fields = checklist_fields},
    {"notes", T_STRING, 0, 0, 2000},
    {"demands", T_ARRAY, 0, 0, 10, .items = &demand_item, .desc = "each becomes a work order in state collected"},
    {NULL},
};
static const struct field record_body = {NULL, T_OBJECT, 0, .fields = record_fields};

static const struct field tag_item = {NULL, T_STRING};
static const struct field member_status_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"seen_at", T_DATETIME, F_REQUIRED | F_NULLABLE, .desc = "last met in person"},
    {"tags", T_ARRAY, F_REQUIRED, .items = &tag_item,
        .desc = "sensitive ones as \"sensitive\" unless the caller may see them"},
    {NULL},
};
static const struct field member_status_schema = {NULL, T_OBJECT, 0, .fields = member_status_fields};
static const struct field status_fields[] = {
    {"household_id", T_INT, F_REQUIRED},
    {"area_code", T_STRING, F_REQUIRED},
    {"address", T_STRING, F_REQUIRED},
    {"occupied", T_BOOL, F_REQUIRED, .desc = "someone active lives here"},
    {"cadence_days", T_INT, F_REQUIRED},
    {"reasons", T_ARRAY, F_REQUIRED, .items = &tag_item, .desc = "the tags that set the cadence; [] the default"},
    {"last_visit_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"last_outcome", T_ENUM, F_REQUIRED | F_NULLABLE, .values = outcomes},
    {"last_met_at", T_DATETIME, F_REQUIRED | F_NULLABLE, .desc = "the last visit where someone was met in person"},
    {"not_home_run", T_INT, F_REQUIRED, .desc = "visits in a row that found nobody at home"},
    {"due", T_STRING, F_REQUIRED, .desc = "the day (Beijing) the next visit is due"},
    {"overdue_days", T_INT, F_REQUIRED, .desc = "days past due today; negative: days left"},
    {"members", T_ARRAY, F_REQUIRED, .items = &member_status_schema},
    {NULL},
};
static const struct field status_schema = {NULL, T_OBJECT, 0, .fields = status_fields};

static const struct field list_query[] = {
    {"household", T_INT, 0, 1, INT64_MAX},
    {"mine", T_ENUM, 0, .values = booleans, .desc = "true: the visits I made or came along on"},
    {"outcome", T_ENUM, 0, .values = outcomes},
    {"from", T_STRING, 0, 10, 10, .desc = "first day (Beijing), YYYY-MM-DD"},
    {"to", T_STRING, 0, 10, 10, .desc = "last day (Beijing), YYYY-MM-DD"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/visits", READ, R_LIST, list_query, NULL, 200, &visit_schema, list_visits,
        "Visits in reach, newest first"},
    {M_POST, "/api/v1/visits", RECORD, R_IDEMPOTENT, NULL, &record_body, 201, &visit_schema, record_visit,
        "Record a visit; its demands become work orders (send an Idempotency-Key when retrying)"},
    {M_GET, "/api/v1/visits/{id}", READ, 0, NULL, NULL, 200, &visit_schema, get_visit, "One visit"},
    {M_GET, "/api/v1/households/{id}/visit-status", READ, 0, NULL, NULL, 200, &status_schema, visit_status,
        "A household's cadence, last visits and next due day, and who lives there"},
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE visits ("
        " id INTEGER PRIMARY KEY,"
        " household_id INTEGER NOT NULL REFERENCES households (id),"
        " area_code TEXT NOT NULL REFERENCES areas (code),"
        " visited_at INTEGER NOT NULL,"
        " outcome TEXT NOT NULL,"
        " health TEXT,"
        " living TEXT,"
        " gas TEXT,"
        " electricity TEXT,"
        " fire_exits TEXT,"
        " notes TEXT NOT NULL,"
        " recorded_by INTEGER NOT NULL REFERENCES users (id),"
        " created_at INTEGER NOT NULL);"
        "CREATE INDEX visits_household ON visits (household_id, visited_at);"
        "CREATE INDEX visits_area ON visits (area_code, id);"
        "CREATE INDEX visits_recorder ON visits (recorded_by, id);"
        /* Who came along besides the recorder. */
        "CREATE TABLE visit_companions ("
        " visit_id INTEGER NOT NULL REFERENCES visits (id),"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " PRIMARY KEY (visit_id, user_id));"
        "CREATE INDEX visit_companions_user ON visit_companions (user_id);"
        "CREATE TABLE visit_seen ("
        " visit_id INTEGER NOT NULL REFERENCES visits (id),"
        " resident_id INTEGER NOT NULL REFERENCES residents (id),"
        " PRIMARY KEY (visit_id, resident_id));"
        /* What a visit raised: work orders and proposed life events. */
        "CREATE TABLE visit_links ("
        " visit_id INTEGER NOT NULL REFERENCES visits (id),"
        " kind TEXT NOT NULL,"
        " target_id INTEGER NOT NULL,"
        " PRIMARY KEY (visit_id, kind, target_id));"
        /* Kept with each visit, so that planning a district reads one row a household. */
        "CREATE TABLE visit_status ("
        " household_id INTEGER PRIMARY KEY REFERENCES households (id),"
        " last_visit_at INTEGER NOT NULL,"
        " last_outcome TEXT NOT NULL,"
        " last_met_at INTEGER,"
        " not_home_run INTEGER NOT NULL);"
        "CREATE TABLE resident_seen ("
        " resident_id INTEGER PRIMARY KEY REFERENCES residents (id),"
        " seen_at INTEGER NOT NULL);"},
    {0},
};

const struct module visits_module = {
    .name = "visits",
    .migrations = migrations,
    .routes = routes,
};
