/* The outbox of notifications to the people who must act: an assignee on
 * dispatch or rework, the admins of the next level on escalation, the resident
 * on closure, whoever asked on a decision. Delivery in the app is reading this
 * list; a sender for SMS or WeChat (a later issue) would be one more periodic
 * task that takes unsent rows, sends them and stamps sent_at. */
#include "../auth/auth.h"
#include "../core/clock.h"
#include "orders.h"
#include "../core/banned.h"

static void list_notifications(struct req *r)
{
	const char *unread = req_query(r, "unread");
	int64_t limit = req_limit(r), cursor = req_cursor(r);
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT n.id, n.order_id, n.kind, n.created_at, n.read_at, c.name_zh, c.name_en, o.state FROM notifications n"
	    " LEFT JOIN work_orders o ON o.id = n.order_id LEFT JOIN categories c ON c.code = o.category"
	    " WHERE n.user_id = ? AND (? = 0 OR n.id < ?) AND (? = 0 OR n.read_at IS NULL) ORDER BY n.id DESC LIMIT ?",
	    "iiiii", req_user(r)->id, cursor, cursor, (int64_t)(unread != NULL && unread[0] == 't'), limit + 1);
	json_t *items = json_array();
	int64_t count = 0, last = 0;
	while (st != NULL && db_step(st) == DB_ROW && count++ < limit) {
		char at[32], read[32];
		last = db_int(st, 0);
		json_t *j = json_pack("{sI ss ss}", "id", (json_int_t)last, "kind", db_text(st, 2), "created_at",
		    clock_format(db_int(st, 3), at, sizeof(at)));
		json_object_set_new(j, "order_id", db_null(st, 1) ? json_null() : json_integer(db_int(st, 1)));
		json_object_set_new(j, "read_at",
		    db_null(st, 4) ? json_null() : json_string(clock_format(db_int(st, 4), read, sizeof(read))));
		json_object_set_new(j, "category_zh", db_null(st, 5) ? json_null() : json_string(db_text(st, 5)));
		json_object_set_new(j, "category_en", db_null(st, 6) ? json_null() : json_string(db_text(st, 6)));
		json_object_set_new(j, "order_state", db_null(st, 7) ? json_null() : json_string(db_text(st, 7)));
		json_array_append_new(items, j);
	}
	if (st)
		db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* Mark as read: one, or every one up to and including it. */
static void mark_read(struct req *r)
{
	if (req_param_id(r, 0) == 0) { /* "abc", "0", "1e400": not a notification, and not "none" */
		reply_problem(r, P_NOT_FOUND, "no such notification");
		return;
	}
	int rc =
	    db_run(req_db(r), "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND id <= ?",
	        "iii", clock_now(), req_user(r)->id, req_param_id(r, 0));
	if (rc != DB_DONE) {
		reply_db_error(r, rc);
		return;
	}
	reply_empty(r, 204);
}

static const char *const kinds[] = {
    "dispatched", "rework", "closed", "escalated", "request_approved", "request_denied", NULL};
static const struct field notification_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"order_id", T_INT, F_REQUIRED | F_NULLABLE},
    {"kind", T_ENUM, F_REQUIRED, .values = kinds},
    {"created_at", T_DATETIME, F_REQUIRED},
    {"read_at", T_DATETIME, F_REQUIRED | F_NULLABLE},
    {"category_zh", T_STRING, F_REQUIRED | F_NULLABLE},
    {"category_en", T_STRING, F_REQUIRED | F_NULLABLE},
    {"order_state", T_STRING, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field notification_schema = {NULL, T_OBJECT, 0, .fields = notification_fields};
static const char *const booleans[] = {"true", "false", NULL};
static const struct field list_query[] = {
    {"unread", T_ENUM, 0, .values = booleans},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/api/v1/notifications", NULL, R_LIST, list_query, NULL, 200, &notification_schema, list_notifications,
        "My notifications, newest first"},
    {M_POST, "/api/v1/notifications/{id}/read", NULL, 0, NULL, NULL, 204, NULL, mark_read,
        "Mark my notifications up to this one as read"},
    {0},
};

const struct module notifications_module = {
    .name = "notifications",
    .routes = routes,
};
