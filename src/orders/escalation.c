/* Red orders escalate: an open order past its time limit is raised to the next
 * area level (a community's order to its street, a street's to the district),
 * once, with a step in its timeline, and the admins of that level are told. */
#include <string.h>

#include "../core/clock.h"
#include "../platform/area_tree.h"
#include "orders.h"
#include "../core/banned.h"

/* The level above the order's: the street of a community (or of a grid, estate or
 * building below it), the district of a street. NULL at the top. */
static const char *next_level(struct db *db, const char *code, char *out, size_t n)
{
	const struct area *a = area_find(db, code);
	while (a != NULL && strcmp(a->kind, "community") != 0 && strcmp(a->kind, "street") != 0)
		a = a->parent ? area_find(db, a->parent) : NULL;
	const struct area *up = a && a->parent ? area_find(db, a->parent) : NULL;
	if (up == NULL)
		return NULL;
	snprintf(out, n, "%s", up->code);
	return out;
}

static int escalate_one(struct db *db, int64_t id, const char *area, const char *state, int64_t now)
{
	char up[64];
	if (next_level(db, area, up, sizeof(up)) == NULL)
		return DB_OK;
	int rc = db_run(db, "UPDATE work_orders SET escalated_to = ?, updated_at = ? WHERE id = ?", "tii", up, now, id);
	if (rc == DB_DONE)
		rc = db_run(db,
		    "INSERT INTO work_order_steps (order_id, action, from_state, to_state, user_id, note, at)"
		    " VALUES (?, 'escalate', ?, ?, NULL, ?, ?)",
		    "ittti", id, state, state, up, now);
	/* The admins who run the loop at that level. */
	if (rc == DB_DONE)
		rc = db_run(db,
		    "INSERT INTO notifications (user_id, order_id, kind, created_at) SELECT DISTINCT ra.user_id, ?,"
		    " 'escalated', ? FROM role_assignments ra JOIN users u ON u.id = ra.user_id AND u.active = 1"
		    " WHERE ra.area_code = ? AND ra.role IN ('street_admin', 'district_admin')",
		    "iit", id, now, up);
	return rc == DB_DONE ? DB_OK : rc;
}

static void escalate(struct db *db, int64_t now)
{
	if (db_begin(db) != DB_OK)
		return;
	struct db_stmt *st = db_stmt(db,
	    "SELECT id, area_code, state FROM work_orders WHERE due_at <= ? AND escalated_to IS NULL"
	    " AND state IN ('dispatched', 'handled', 'reported', 'verified') AND deferred = 0 ORDER BY id LIMIT 500",
	    "i", now);
	struct {
		int64_t id;
		char area[64], state[16];
	} due[500];
	int n = 0;
	while (st != NULL && n < 500 && db_step(st) == DB_ROW) {
		due[n].id = db_int(st, 0);
		snprintf(due[n].area, sizeof(due[n].area), "%s", db_text(st, 1));
		snprintf(due[n].state, sizeof(due[n].state), "%s", db_text(st, 2));
		n++;
	}
	if (st)
		db_reset(st);
	int rc = DB_OK;
	for (int i = 0; i < n && rc == DB_OK; i++)
		rc = escalate_one(db, due[i].id, due[i].area, due[i].state, now);
	if (rc != DB_OK || db_commit(db) != DB_OK)
		db_rollback(db);
}

static const struct periodic periodic[] = {
    {"orders.escalate", 60, escalate},
    {NULL},
};

const struct module order_escalation_module = {
    .name = "order_escalation",
    .periodic = periodic,
};
