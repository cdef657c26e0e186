/* Demands and work orders: the closed loop every carrier feeds (GB/T 30428,
 * CJJ/T 106). A demand is recorded as a work order in state `collected` and
 * goes collected → accepted → dispatched (the time limit starts) → handled →
 * reported → verified → closed → evaluated; a failed verification or a
 * dissatisfied evaluation sends it back to `dispatched` as rework. */
#ifndef DOORSTEP_ORDERS_H
#define DOORSTEP_ORDERS_H

#include "../http/api.h"

extern const struct module categories_module; /* demand categories (the Open311 services) */
extern const struct module order_metrics_module; /* rates for an area, team, unit, category, period */
extern const struct module work_orders_module; /* work orders and their transitions */
extern const struct module order_requests_module; /* extension, deferral, return, voiding */
extern const struct module order_escalation_module; /* red orders raised to the next level */
extern const struct module open311_module; /* Open311 GeoReport v2 under /open311/v2/ */
extern const struct module notifications_module; /* the outbox, read in the app */

extern const struct field category_schema;

struct category {
	char code[40], name_zh[100], name_en[200];
	int64_t limit_normal, limit_urgent; /* hours */
	bool working_hours; /* limits count working hours, else calendar hours */
	int64_t default_team, default_partner; /* 0: none */
};

/* An active category by code; false if there is none. */
bool category_get(struct db *db, const char *code, struct category *c);

/* A demand to record, as a work order in state collected. */
struct new_order {
	const char *category, *urgency /* NULL: normal */, *channel, *origin, *description, *area_code, *address;
	int64_t resident_id; /* 0: anonymous */
	int64_t created_by; /* the user (or API token's user) recording it */
	bool confidential;
};
/* Record it with its first step (inside the caller's transaction); *id gets its id. */
int order_insert(struct db *db, const struct new_order *o, int64_t now, int64_t *id);

/* What the loop needs to know about one order (work_orders.c). */
struct order {
	int64_t id, version, resident_id, created_by;
	int64_t team, partner, user; /* the assignee: 0 when not that kind */
	int64_t dispatched_at, due_at, rework;
	char state[16], area[64], category[40], urgency[8];
	bool confidential;
};

/* Read order id; false if there is none. */
bool order_read(struct db *db, int64_t id, struct order *o);
/* The order if the caller may see it; else 404 is sent and false returned. */
bool order_find(struct req *r, int64_t id, struct order *o);
/* Whether the caller is the assignee: the person, a member of the team or of the partner unit. */
bool order_assigned_to_caller(struct req *r, const struct order *o);
/* Whether the caller runs the loop (orders.manage) over the order's area. */
bool order_run_by_caller(struct req *r, const struct order *o);
/* Record a step of the timeline (inside the caller's transaction). */
int order_step(struct db *db, int64_t order, const char *action, const char *from, const char *to, int64_t user,
    const char *note, int64_t now);
/* Put a notification for user in the outbox (inside the caller's transaction). */
int order_notify(struct db *db, int64_t user, int64_t order, const char *kind, int64_t now);
/* The order as the API shows it to the caller, and its timeline. */
json_t *order_by_id(struct req *r, int64_t id);
json_t *order_steps_json(struct db *db, int64_t id);
/* The time limit of an order of category c and urgency started at start. */
int64_t order_due_after(struct db *db, struct arena *a, int64_t start, const struct category *c, const char *urgency);
/* The order's category, or the defaults of a retired one. */
void order_category(struct db *db, const struct order *o, struct category *c);

/* The demo district's history (demo.c): count orders over the last half year
 * in every state, with their timelines when asked (the benchmark skips them).
 * Uses the teams, partner units and staff accounts already there; inside the
 * caller's transaction. */
int orders_demo(struct db *db, int64_t count, int64_t now, uint64_t seed, bool timelines);

/* --- the loop (loop.c): which action leads where, and who may take it --- */

enum actor {
	BY_STAFF, /* orders.manage over the order's area */
	BY_ASSIGNEE, /* orders.handle, and the order is assigned to the caller, their team or partner unit */
	BY_EVALUATOR, /* the resident who raised it (orders.evaluate), or staff on their behalf */
};

enum action_needs {
	NEED_NOTE = 1, /* a note saying why */
	NEED_ASSIGNEE = 2, /* a team, partner unit or person to dispatch to */
	NEED_SATISFACTION = 4, /* satisfied, basically_satisfied or dissatisfied */
};

struct action {
	const char *name;
	const char *from; /* the state it leaves */
	const char *to; /* the state it reaches (rework is decided by the handler) */
	enum actor actor;
	unsigned needs;
};

/* The action called name that leaves state from; NULL when the loop has none
 * (an unknown action, or a step skipped). */
const struct action *loop_action(const char *name, const char *from);
/* The whole table of steps; *n gets its length. */
const struct action *loop_actions(size_t *n);
/* Whether name is an action of the loop at all (from any state). */
bool loop_known(const char *name);
/* Whether an order in state counts as open (its time limit running). */
bool loop_open(const char *state);
/* Every state and every action, NULL-terminated (for validation and OpenAPI). */
extern const char *const order_states[];
extern const char *const order_actions[];

#endif
